/*
 * watcher.c: the master's inotify watches over the content tree. Every
 * directory is watched (new ones as they appear); a queue overflow, or the
 * root itself being moved or replaced (a symlink that git-sync swaps), sets
 * up every watch again. Editors' temporary files are ignored. The master
 * turns "something changed" into one debounced rebuild. While the root is
 * missing (renamed away, deleted before a copy) nothing is watched, and the
 * master calls watcher_retry() every WATCH_RETRY_SEC until it is back.
 */
#include "foliod.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "content.h"
#include "log.h"

#define WATCH_MASK	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
			 IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
			 IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_ONLYDIR)
#define LINK_MASK	(IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_DONT_FOLLOW | \
			 IN_ONLYDIR)
/* Directories watched at most; each costs the kernel about 1 KB. Beyond
 * this, changes further down are seen only on SIGHUP (logged once). */
#define WATCH_DIRS_MAX	65536
#define WATCH_READ_BUF	(64u << 10)

static void
forget_all(struct watcher *w)
{
	for (size_t i = 0; i < w->npaths; i++)
		free(w->paths[i]);
	free(w->paths);
	w->paths = NULL;
	w->npaths = 0;
	w->ndirs = 0;
}

/* Remembers which directory a watch descriptor stands for. */
static int
remember(struct watcher *w, int wd, const char *rel)
{
	if ((size_t)wd >= w->npaths) {
		size_t n = (size_t)wd + 1 > 2 * w->npaths ? (size_t)wd + 1 :
		    2 * w->npaths;
		char **p = realloc(w->paths, n * sizeof(char *));
		if (p == NULL)
			return -1;
		memset(p + w->npaths, 0, (n - w->npaths) * sizeof(char *));
		w->paths = p;
		w->npaths = n;
	}
	free(w->paths[wd]);
	if ((w->paths[wd] = strdup(rel)) == NULL)
		return -1;
	return 0;
}

/* Watches rel and the directories under it; quiet leaves a directory
 * that cannot be watched unlogged (watcher_retry() logged it once). */
static void
watch_tree(struct watcher *w, const char *rel, int depth, bool quiet)
{
	char full[PATH_MAX], child[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int wd;

	if (depth > CONTENT_DEPTH_MAX)
		return;
	if (w->ndirs >= WATCH_DIRS_MAX) {
		if (!w->full)
			log_warnx("more than %d directories under %s: changes in"
			    " the others are seen only on SIGHUP", WATCH_DIRS_MAX,
			    w->root);
		w->full = true;
		return;
	}
	if ((size_t)snprintf(full, sizeof(full), "%s%s%s", w->root,
	    rel[0] ? "/" : "", rel) >= sizeof(full))
		return;
	if ((wd = inotify_add_watch(w->fd, full, WATCH_MASK)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR && !quiet)
			log_warn("inotify_add_watch %s", full);
		return;
	}
	if (remember(w, wd, rel) == -1)
		return;
	w->ndirs++;
	if ((d = opendir(full)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || content_ignored_name(de->d_name))
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s%s%s", rel,
		    rel[0] ? "/" : "", de->d_name) < sizeof(child))
			watch_tree(w, child, depth + 1, quiet);
	}
	closedir(d);
}

/* Watches the directory holding a configured root that is a symlink, so a
 * swap of the link is seen. */
static void
watch_link(struct watcher *w, const char *configured)
{
	char dir[PATH_MAX], base[PATH_MAX];
	struct stat st;

	w->link_wd = -1;
	if (lstat(configured, &st) == -1 || !S_ISLNK(st.st_mode))
		return;
	snprintf(dir, sizeof(dir), "%s", configured);
	snprintf(base, sizeof(base), "%s", configured);
	snprintf(w->link_name, sizeof(w->link_name), "%s", basename(base));
	w->link_wd = inotify_add_watch(w->fd, dirname(dir), LINK_MASK);
}

/* Drops every watch, keeping the inotify descriptor the master polls. */
static void
unwatch_all(struct watcher *w)
{
	for (size_t i = 0; i < w->npaths; i++)
		if (w->paths[i] != NULL)
			(void)inotify_rm_watch(w->fd, (int)i);
	if (w->link_wd != -1)
		(void)inotify_rm_watch(w->fd, w->link_wd);
	w->link_wd = -1;
	forget_all(w);
}

/* Watches the tree under the configured root; -1 (nothing watched, err
 * says why) if not even the root could be watched. quiet as for
 * watch_tree(). */
static int
watch_all(struct watcher *w, bool quiet, char *err, size_t errlen)
{
	if (realpath(w->configured, w->root) == NULL) {
		snprintf(err, errlen, "%s: %s", w->configured, strerror(errno));
		return -1;
	}
	w->full = false;
	watch_link(w, w->configured);
	watch_tree(w, "", 0, quiet);
	if (w->ndirs == 0) {
		snprintf(err, errlen, "%s: cannot be watched", w->root);
		unwatch_all(w);
		return -1;
	}
	log_debug("watching %zu directories under %s", w->ndirs, w->root);
	return 0;
}

int
watcher_open(struct watcher *w, const char *content_dir, char *err,
    size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->link_wd = -1;
	snprintf(w->configured, sizeof(w->configured), "%s", content_dir);
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		snprintf(err, errlen, "inotify_init1: %s", strerror(errno));
		return -1;
	}
	/* The descriptor stays open, so that watcher_retry() can try again. */
	return watch_all(w, false, err, errlen) == -1 ? 1 : 0;
}

bool
watcher_lost(const struct watcher *w)
{
	return w->fd != -1 && w->ndirs == 0;
}

bool
watcher_retry(struct watcher *w)
{
	char err[CONF_ERR_MAX];

	if (!watcher_lost(w))
		return false;
	/* Quiet: the failure was logged once, when the watches were lost. */
	if (watch_all(w, true, err, sizeof(err)) == -1)
		return false;
	log_info("content changes are watched again: %zu directories under %s",
	    w->ndirs, w->root);
	return true;
}

void
watcher_close(struct watcher *w)
{
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
	forget_all(w);
}

/* Sets every watch up again (overflow, root replaced). */
static void
rewatch(struct watcher *w)
{
	char err[CONF_ERR_MAX];

	unwatch_all(w);
	if (watch_all(w, false, err, sizeof(err)) == -1)
		log_warnx("content changes are not watched: %s; trying again"
		    " every %d s", err, WATCH_RETRY_SEC);
}

/* Looks at one event; true if the content may have changed. */
static bool
on_event(struct watcher *w, const struct inotify_event *ev, bool *again)
{
	char rel[PATH_MAX];
	const char *dir;

	if (ev->mask & IN_Q_OVERFLOW) {
		log_info("inotify queue overflowed; watching everything again");
		*again = true;
		return true;
	}
	if (ev->wd == w->link_wd) {
		if (ev->len && strcmp(ev->name, w->link_name) == 0)
			*again = true;
		return *again;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		if ((size_t)ev->wd < w->npaths && w->paths[ev->wd] != NULL &&
		    w->paths[ev->wd][0] == '\0')
			*again = true;	/* the root itself */
		return true;
	}
	if (ev->mask & IN_IGNORED) {
		if ((size_t)ev->wd < w->npaths && w->paths[ev->wd] != NULL) {
			free(w->paths[ev->wd]);
			w->paths[ev->wd] = NULL;
			w->ndirs--;
		}
		return false;
	}
	if (ev->len && content_ignored_name(ev->name))
		return false;
	if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
	    (size_t)ev->wd < w->npaths && (dir = w->paths[ev->wd]) != NULL &&
	    (size_t)snprintf(rel, sizeof(rel), "%s%s%s", dir, dir[0] ? "/" : "",
	    ev->name) < sizeof(rel))
		watch_tree(w, rel, 1, false);
	return true;
}

bool
watcher_read(struct watcher *w)
{
	static char buf[WATCH_READ_BUF]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false, again = false;
	ssize_t n;

	if (w->fd == -1)
		return false;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (void *)p;
			changed |= on_event(w, ev, &again);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("inotify read");
	if (again)
		rewatch(w);
	return changed;
}
