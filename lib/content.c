/*
 * content.c: reads the content tree into struct site. One walk collects every
 * file (symlinks followed only inside the root), the files are sorted by path
 * so every decision is the same on every build, then each is classified as a
 * post, page or asset under the content contract. Every file skipped is
 * logged once as "path:line: reason" and counted in site->problems.
 */
#include "content.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio_limits.h"
#include "frontmatter.h"
#include "hash.h"
#include "log.h"
#include "markdown.h"
#include "srccache.h"
#include "utf8.h"
#include "words.h"

/* Bytes of a reason in a log line; the line itself is LOG_LINE_MAX. */
#define REASON_MAX		512
/* "YYYY-MM-DD-" at the start of a post's file name. */
#define DATE_PREFIX_LEN		11
/* Elements a growing list starts with; it doubles from there. */
#define LIST_INITIAL		64
/* Seconds a source must have been left alone for the source cache to
 * keep it (record_source()). */
#define SRC_SETTLE_SEC		2
/* Length of a literal string without its NUL. */
#define LIT_LEN(s)		(sizeof(s) - 1)

/* Page slugs the daemon's routes own. */
static const char *const reserved_pages[] = {
	"posts", "tags", "page", "assets", "images", "static", "templates",
	"feed.xml", "sitemap.xml", "robots.txt", "_img", "healthz", "readyz",
	"metrics",
};

/* The top-level directories of the contract that hold site files. */
static const char *const top_dirs[] = { "posts", "pages", "images", "static" };

struct cfile {
	char	*rel;		/* path relative to the root */
	off_t	 size;
	time_t	 mtime;
	struct src_id id;
};

/* A doc with the position of its file in sorted order, for duplicates. */
struct ldoc {
	struct doc doc;
	size_t	 order;
};

/* A file under posts/<dir>/ that is not its index.md. */
struct pending {
	const char *dir;	/* "<dir>" within rel, dirlen bytes */
	size_t	 dirlen;
	const char *sub;	/* the rest of the path */
	const char *rel;
};

struct dirid {
	dev_t	 dev;
	ino_t	 ino;
};

struct loader {
	const struct content_opts *opts;
	struct site	*site;
	char		 root[PATH_MAX];
	size_t		 rootlen;
	struct cfile	*files;
	size_t		 nfiles, capfiles;
	size_t		 nentries;
	struct dirid	 stack[CONTENT_DEPTH_MAX + 1];
	size_t		 depth;
	struct ldoc	*posts, *pages;
	size_t		 nposts, capposts, npages, cappages;
	struct asset	*assets;
	size_t		 nassets, capassets;
	struct pending	*pend;
	size_t		 npend, cappend;
	const char	**bundles;	/* "posts/<dir>" of every index.md */
	size_t		 nbundles, capbundles;
	char		*err;
	size_t		 errlen;
};

/* Result of loading one document. */
enum load {
	LOAD_OK,		/* published */
	LOAD_HELD,		/* draft or future: not published, no problem */
	LOAD_SKIPPED,		/* a problem, logged and counted */
	LOAD_FATAL,		/* out of memory */
};

static void
problem(struct loader *ld, const char *rel, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
problem(struct loader *ld, const char *rel, size_t line, const char *fmt, ...)
{
	char reason[REASON_MAX], shown[LOG_PATH_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_warnx("%s:%zu: %s", log_path(rel, shown), line, reason);
	ld->site->problems++;
}

static int
fail(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ld->err, ld->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Grows *arr (of size elements) so one more fits. */
static int
grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void **p = arr, *q;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : LIST_INITIAL;
	if ((q = reallocarray(*p, ncap, size)) == NULL)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

/* qsort(3) and bsearch(3), which must not be given a NULL array even when
 * it is empty. */
static void
sort(void *base, size_t n, size_t size, int (*cmp)(const void *,
    const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void *
find(const void *key, const void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	return n > 0 ? bsearch(key, base, n, size, cmp) : NULL;
}

bool
content_slug_ok(const char *s, size_t len)
{
	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static size_t
line_at(const char *s, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++)
		if (s[i] == '\n')
			line++;
	return line;
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Dot-files and the temporary files of editors are never content. */
bool
content_ignored_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || name[n - 1] == '~' ||
	    has_suffix(name, ".swp") || has_suffix(name, ".swx") ||
	    has_suffix(name, ".tmp") || strcmp(name, "4913") == 0 ||
	    (n > 1 && name[0] == '#' && name[n - 1] == '#');
}

/* A file name fit to be a URL: no control characters, no backslash, and
 * valid UTF-8. */
static bool
asset_name_ok(const char *rel)
{
	size_t n = strlen(rel);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)rel[i] < 0x20 || rel[i] == 0x7f ||
		    rel[i] == '\\')
			return false;
	return utf8_valid_len((const unsigned char *)rel, n) == n;
}

static int
cmp_dirent(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
add_file(struct loader *ld, const char *rel, const struct stat *st)
{
	struct cfile *f;

	if (grow(&ld->files, &ld->capfiles, ld->nfiles, sizeof(*f)) == -1)
		return fail(ld, "out of memory");
	f = &ld->files[ld->nfiles];
	if ((f->rel = strdup(rel)) == NULL)
		return fail(ld, "out of memory");
	f->size = st->st_size;
	f->mtime = st->st_mtime;
	srccache_id(st, &f->id);
	ld->nfiles++;
	return 0;
}

/* True if the resolved path p is the root or inside it. */
static bool
inside_root(const struct loader *ld, const char *p)
{
	if (ld->rootlen == 1)		/* the root is "/" */
		return true;
	return strncmp(p, ld->root, ld->rootlen) == 0 &&
	    (p[ld->rootlen] == '/' || p[ld->rootlen] == '\0');
}

static int	walk(struct loader *, const char *, size_t);

/* One directory entry: rel is its path, full the path to open. */
static int
walk_entry(struct loader *ld, const char *rel, const char *full, size_t depth)
{
	char real[PATH_MAX];
	struct stat st;

	if (lstat(full, &st) == -1) {
		problem(ld, rel, 1, "cannot stat: %s", strerror(errno));
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		if (realpath(full, real) == NULL) {
			problem(ld, rel, 1, "broken symlink: %s",
			    strerror(errno));
			return 0;
		}
		if (!inside_root(ld, real)) {
			problem(ld, rel, 1, "symlink points outside the "
			    "content root");
			return 0;
		}
		if (stat(full, &st) == -1) {
			problem(ld, rel, 1, "cannot stat: %s", strerror(errno));
			return 0;
		}
	}
	if (S_ISREG(st.st_mode))
		return add_file(ld, rel, &st);
	if (!S_ISDIR(st.st_mode)) {
		problem(ld, rel, 1, "not a regular file");
		return 0;
	}
	if (depth >= CONTENT_DEPTH_MAX) {
		problem(ld, rel, 1, "directory nested deeper than %d levels",
		    CONTENT_DEPTH_MAX);
		return 0;
	}
	for (size_t i = 0; i <= ld->depth; i++)
		if (ld->stack[i].dev == st.st_dev &&
		    ld->stack[i].ino == st.st_ino) {
			problem(ld, rel, 1, "symlink loop (a link to a "
			    "directory above it)");
			return 0;
		}
	ld->depth++;
	ld->stack[ld->depth].dev = st.st_dev;
	ld->stack[ld->depth].ino = st.st_ino;
	if (walk(ld, rel, depth + 1) == -1)
		return -1;
	ld->depth--;
	return 0;
}

/* Whether the walk looks at name in directory rel at depth. */
static bool
walk_wanted(const char *rel, const char *name, size_t depth)
{
	/* The one dot-directory served: static/.well-known (RFC 8615), for
	 * files like security.txt that must live there. */
	if (strcmp(name, ".well-known") == 0 && strcmp(rel, "static") == 0)
		return true;
	if (content_ignored_name(name))
		return false;
	if (depth > 0)
		return true;
	for (size_t i = 0; i < sizeof(top_dirs) / sizeof(top_dirs[0]); i++)
		if (strcmp(name, top_dirs[i]) == 0)
			return true;
	if (strcmp(name, "templates") != 0)
		log_debug("%s: not part of the site (posts/, pages/, images/, "
		    "static/, templates/); ignored", name);
	return false;
}

/*
 * Collects the files under rel (depth directories below the root). Returns
 * -1 only when the walk must stop (too many files, out of memory, the root
 * unreadable).
 */
static int
walk(struct loader *ld, const char *rel, size_t depth)
{
	char full[PATH_MAX], crel[PATH_MAX], cfull[PATH_MAX];
	struct dirent **names;
	int n, r, rc = 0;

	r = snprintf(full, sizeof(full), "%s%s%s", ld->root, *rel ? "/" : "",
	    rel);
	if (r < 0 || (size_t)r >= sizeof(full)) {
		problem(ld, rel, 1, "path too long");
		return 0;
	}
	if ((n = scandir(full, &names, NULL, cmp_dirent)) == -1) {
		if (depth == 0)
			return fail(ld, "%s: %s", ld->root, strerror(errno));
		problem(ld, rel, 1, "cannot read directory: %s",
		    strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (rc == -1 || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0 || !walk_wanted(rel, name, depth))
			continue;
		if (++ld->nentries > CONTENT_FILES_MAX) {
			rc = fail(ld, "%s: more than %d files", ld->root,
			    CONTENT_FILES_MAX);
			continue;
		}
		r = snprintf(crel, sizeof(crel), "%s%s%s", rel, *rel ? "/" : "",
		    name);
		if (r < 0 || (size_t)r >= sizeof(crel) ||
		    (size_t)snprintf(cfull, sizeof(cfull), "%s/%s", full,
		    name) >= sizeof(cfull)) {
			problem(ld, rel, 1, "a file name in it is too long");
			continue;
		}
		rc = walk_entry(ld, crel, cfull, depth);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
cmp_cfile(const void *a, const void *b)
{
	return strcmp(((const struct cfile *)a)->rel,
	    ((const struct cfile *)b)->rel);
}

static char *
read_fail(int fd, char *data, int errnum)
{
	free(data);
	close(fd);
	errno = errnum;
	return NULL;
}

/* Reads a whole file (at most CONTENT_FILE_MAX bytes) into a NUL-terminated
 * buffer. Returns NULL with errno set; EFBIG when it is too large. */
static char *
read_file(const char *path, size_t *len)
{
	struct stat st;
	char *data;
	size_t n = 0;
	ssize_t r = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		return read_fail(fd, NULL, errno);
	if (!S_ISREG(st.st_mode))
		return read_fail(fd, NULL, EINVAL);
	if ((uintmax_t)st.st_size > CONTENT_FILE_MAX)
		return read_fail(fd, NULL, EFBIG);
	/* One byte more than the size, to see a file that grew. */
	if ((data = malloc((size_t)st.st_size + 2)) == NULL)
		return read_fail(fd, NULL, ENOMEM);
	do {
		r = read(fd, data + n, (size_t)st.st_size + 1 - n);
		if (r == -1 && errno != EINTR)
			return read_fail(fd, data, errno);
		if (r > 0)
			n += (size_t)r;
	} while (r != 0 && n < (size_t)st.st_size + 1);
	if (n > (size_t)st.st_size)
		return read_fail(fd, data, EAGAIN);
	close(fd);
	data[n] = '\0';
	*len = n;
	return data;
}

/*
 * If name starts with "YYYY-MM-DD-", returns 1 and the date (midnight UTC),
 * or -1 if those digits are not a date; 0 if there is no such prefix.
 */
static int
name_date(const char *name, size_t len, time_t *t)
{
	static const char shape[] = "dddd-dd-dd-";
	bool has_time;

	if (len < DATE_PREFIX_LEN)
		return 0;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? name[i] < '0' || name[i] > '9' :
		    name[i] != shape[i])
			return 0;
	if (frontmatter_time(name, sizeof(shape) - 2, t, &has_time) == -1 ||
	    *t < 0)
		return -1;
	return 1;
}

static bool
page_reserved(const char *slug)
{
	for (size_t i = 0; i < sizeof(reserved_pages) /
	    sizeof(reserved_pages[0]); i++)
		if (strcmp(slug, reserved_pages[i]) == 0)
			return true;
	return false;
}

static void
doc_free(struct doc *d)
{
	free(d->slug);
	free(d->url);
	free(d->src);
	meta_free(&d->meta);
	free(d->markdown);
	free(d->bundle_dir);
	free(d->html);
	memset(d, 0, sizeof(*d));
}

/*
 * Keeps what loading d gave, for the next load (content_opts.record). A
 * source changed less than SRC_SETTLE_SEC before this load is left out:
 * file times are coarse (a clock tick, or seconds on some file systems),
 * so a second write of the same size in the same tick as the one read
 * would look unchanged for good. The next load reads it and keeps it.
 */
static void
record_source(struct loader *ld, const struct doc *d, const struct src_id *id,
    size_t body_off)
{
	int64_t settled = (int64_t)ld->opts->now - SRC_SETTLE_SEC;

	if (ld->opts->record == NULL || id->mtime_s >= settled ||
	    id->ctime_s >= settled)
		return;
	srccache_add(ld->opts->record, d->src, id, d, body_off);
}

/* Fills d from the source cache if it knows the file as it is now:
 * LOAD_OK, LOAD_SKIPPED to read it after all, or LOAD_FATAL. */
static enum load
load_cached(struct loader *ld, struct doc *d, const struct src_id *id)
{
	size_t body_off;
	int rc = srccache_get(ld->opts->cache, d->src, id, d, &body_off);

	if (rc == -1)
		return LOAD_FATAL;
	if (rc == 0)
		return LOAD_SKIPPED;
	if (body_off > id->size) {	/* cannot be: read the file */
		meta_free(&d->meta);
		return LOAD_SKIPPED;
	}
	d->body_unread = true;
	d->body_off = body_off;
	d->markdown_len = (size_t)id->size - body_off;
	d->root = ld->site->root;
	ld->site->cached++;
	record_source(ld, d, id, body_off);
	return LOAD_OK;
}

/* Reads, checks and parses the file of d (d->src) into d; id is its
 * identity when the tree was walked. */
static enum load
load_source(struct loader *ld, struct doc *d, const struct src_id *id)
{
	char path[PATH_MAX], reason[REASON_MAX];
	size_t len, bad, off, bline, eline;
	enum load rc;
	char *data;

	if (ld->opts->cache != NULL &&
	    (rc = load_cached(ld, d, id)) != LOAD_SKIPPED)
		return rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", ld->root, d->src) >=
	    sizeof(path)) {
		problem(ld, d->src, 1, "path too long");
		return LOAD_SKIPPED;
	}
	if ((data = read_file(path, &len)) == NULL) {
		if (errno == ENOMEM)
			return LOAD_FATAL;
		if (errno == ENOENT)
			return LOAD_HELD;	/* deleted since the scan: the
						 * next build will not see it */
		if (errno == EFBIG)
			problem(ld, d->src, 1, "larger than %u bytes; skipped",
			    (unsigned)CONTENT_FILE_MAX);
		else if (errno == EAGAIN)
			problem(ld, d->src, 1, "changed while being read");
		else
			problem(ld, d->src, 1, "cannot read: %s",
			    strerror(errno));
		return LOAD_SKIPPED;
	}
	if ((bad = utf8_valid_len((const unsigned char *)data, len)) < len) {
		problem(ld, d->src, line_at(data, bad), "invalid UTF-8");
		free(data);
		return LOAD_SKIPPED;
	}
	if (frontmatter_parse(data, len, &d->meta, &off, &bline, &eline,
	    reason, sizeof(reason)) == -1) {
		problem(ld, d->src, eline, "%s", reason);
		free(data);
		return LOAD_SKIPPED;
	}
	d->markdown_len = len - off;
	d->body_line = bline;
	d->src_hash = hash64(data, len);
	/* Counted from the source, so the lists can show reading times
	 * without rendering every post's markdown. */
	d->words = words_count(data + off, len - off);
	free(data);
	d->body_unread = true;
	d->body_off = off;
	d->root = ld->site->root;
	record_source(ld, d, id, off);
	return LOAD_OK;
}

/*
 * The date an undated post takes from its file's mtime. Linux may stamp a
 * file with a finer clock than time() reads, a second ahead of it at a
 * second's turn, and a post saved then was held back as a future one: up
 * to MTIME_AHEAD_SEC ahead counts as now. Further ahead (a skewed clock,
 * touch -d) the post waits for its time, as before.
 */
static time_t
mtime_date(time_t mtime, time_t now)
{
	return mtime > now && mtime - now <= MTIME_AHEAD_SEC ? now : mtime;
}

/*
 * One post or page. name is its file name without ".md" (or its bundle's
 * directory name); bundle is "posts/<dir>" or NULL.
 */
static enum load
load_doc(struct loader *ld, const struct cfile *f, size_t order,
    enum doc_kind kind, const char *name, size_t namelen, const char *bundle)
{
	struct doc d;
	time_t name_t = 0;
	enum load rc;
	int nd = 0;

	memset(&d, 0, sizeof(d));
	if (kind == DOC_POST &&
	    (nd = name_date(name, namelen, &name_t)) == -1) {
		problem(ld, f->rel, 1, "\"%.10s\" in the file name is not a date",
		    name);
		return LOAD_SKIPPED;
	}
	if (nd == 1) {
		name += DATE_PREFIX_LEN;
		namelen -= DATE_PREFIX_LEN;
	}
	if (!content_slug_ok(name, namelen)) {
		problem(ld, f->rel, 1, "\"%.*s\" is not a valid slug (a-z, 0-9 "
		    "and '-', starting with a letter or digit)", (int)namelen,
		    name);
		return LOAD_SKIPPED;
	}
	if ((d.slug = strndup(name, namelen)) == NULL)
		return LOAD_FATAL;
	if (kind == DOC_PAGE && page_reserved(d.slug)) {
		problem(ld, f->rel, 1, "page slug \"%s\" is reserved for a "
		    "route of the site", d.slug);
		doc_free(&d);
		return LOAD_SKIPPED;
	}
	d.kind = kind;
	if ((d.src = strdup(f->rel)) == NULL ||
	    (bundle != NULL && (d.bundle_dir = strdup(bundle)) == NULL) ||
	    asprintf(&d.url, "%s%s", kind == DOC_POST ? "/posts/" : "/",
	    d.slug) == -1) {
		d.url = NULL;
		doc_free(&d);
		return LOAD_FATAL;
	}
	if ((rc = load_source(ld, &d, &f->id)) != LOAD_OK) {
		doc_free(&d);
		return rc;
	}
	if (d.meta.draft) {
		doc_free(&d);
		return LOAD_HELD;
	}
	if (kind == DOC_POST && !d.meta.has_date) {
		d.meta.date = nd == 1 ? name_t : mtime_date(f->mtime,
		    ld->opts->now);
		d.meta.has_date = true;
	}
	if (kind == DOC_POST && d.meta.date > ld->opts->now) {
		if (ld->site->next_publish == 0 ||
		    d.meta.date < ld->site->next_publish)
			ld->site->next_publish = d.meta.date;
		doc_free(&d);
		return LOAD_HELD;
	}
	if (kind == DOC_POST) {
		if (grow(&ld->posts, &ld->capposts, ld->nposts,
		    sizeof(*ld->posts)) == -1) {
			doc_free(&d);
			return LOAD_FATAL;
		}
		ld->posts[ld->nposts++] = (struct ldoc){ d, order };
	} else {
		if (grow(&ld->pages, &ld->cappages, ld->npages,
		    sizeof(*ld->pages)) == -1) {
			doc_free(&d);
			return LOAD_FATAL;
		}
		ld->pages[ld->npages++] = (struct ldoc){ d, order };
	}
	return LOAD_OK;
}

static int
add_asset(struct loader *ld, const char *rel, const char *url_prefix,
    const char *url_rest)
{
	struct asset *a;

	if (!asset_name_ok(rel)) {
		problem(ld, rel, 1, "file name has control characters, a "
		    "backslash or invalid UTF-8");
		return 0;
	}
	/* The index refuses such a route; refused here, it is this file's
	 * problem alone, named as such, and never linked. */
	if (strlen(url_prefix) + strlen(url_rest) > INDEX_PATH_MAX) {
		problem(ld, rel, 1, "URL longer than %d bytes; not served",
		    INDEX_PATH_MAX);
		return 0;
	}
	if (grow(&ld->assets, &ld->capassets, ld->nassets, sizeof(*a)) == -1)
		return -1;
	a = &ld->assets[ld->nassets];
	if ((a->src = strdup(rel)) == NULL)
		return -1;
	if (asprintf(&a->url, "%s%s", url_prefix, url_rest) == -1) {
		free(a->src);
		return -1;
	}
	ld->nassets++;
	return 0;
}

/* posts/...: a post, a bundle's index.md, or a file of a bundle. */
static int
classify_post(struct loader *ld, const struct cfile *f, size_t order)
{
	const char *rest = f->rel + LIT_LEN("posts/");
	const char *slash = strchr(rest, '/');
	size_t n;
	char *bundle;
	enum load rc;

	if (slash == NULL) {
		n = strlen(rest);
		if (!has_suffix(rest, ".md")) {
			problem(ld, f->rel, 1, "not a post (posts/<slug>.md or "
			    "posts/<slug>/index.md)");
			return 0;
		}
		rc = load_doc(ld, f, order, DOC_POST, rest, n - LIT_LEN(".md"),
		    NULL);
		return rc == LOAD_FATAL ? -1 : 0;
	}
	if (strcmp(slash + 1, "index.md") != 0) {
		if (grow(&ld->pend, &ld->cappend, ld->npend,
		    sizeof(*ld->pend)) == -1)
			return -1;
		ld->pend[ld->npend++] = (struct pending){ rest,
		    (size_t)(slash - rest), slash + 1, f->rel };
		return 0;
	}
	if ((bundle = strndup(f->rel, (size_t)(slash - f->rel))) == NULL)
		return -1;
	if (grow(&ld->bundles, &ld->capbundles, ld->nbundles,
	    sizeof(*ld->bundles)) == -1) {
		free(bundle);
		return -1;
	}
	/* Points into f->rel, which outlives the loader's lists. */
	ld->bundles[ld->nbundles++] = f->rel;
	rc = load_doc(ld, f, order, DOC_POST, rest, (size_t)(slash - rest),
	    bundle);
	free(bundle);
	return rc == LOAD_FATAL ? -1 : 0;
}

static int
classify(struct loader *ld, const struct cfile *f, size_t order)
{
	const char *rel = f->rel, *rest;
	enum load rc;

	if (strncmp(rel, "posts/", LIT_LEN("posts/")) == 0)
		return classify_post(ld, f, order);
	if (strncmp(rel, "pages/", LIT_LEN("pages/")) == 0) {
		rest = rel + LIT_LEN("pages/");
		if (strchr(rest, '/') != NULL || !has_suffix(rest, ".md")) {
			problem(ld, rel, 1, "not a page (pages/<slug>.md)");
			return 0;
		}
		rc = load_doc(ld, f, order, DOC_PAGE, rest,
		    strlen(rest) - LIT_LEN(".md"), NULL);
		return rc == LOAD_FATAL ? -1 : 0;
	}
	if (strncmp(rel, "images/", LIT_LEN("images/")) == 0)
		return add_asset(ld, rel, "/", rel);
	if (strncmp(rel, "static/", LIT_LEN("static/")) == 0)
		return add_asset(ld, rel, "/", rel + LIT_LEN("static/"));
	return 0;
}

/* Sorts by slug, then by file order, so the first of a slug comes first. */
static int
cmp_ldoc_slug(const void *a, const void *b)
{
	const struct ldoc *x = a, *y = b;
	int c = strcmp(x->doc.slug, y->doc.slug);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Refuses the second and later docs of one slug; keeps file order. */
static void
dedup_docs(struct loader *ld, struct ldoc *docs, size_t *n)
{
	size_t i, j, first = 0;

	sort(docs, *n, sizeof(*docs), cmp_ldoc_slug);
	for (i = 0, j = 0; i < *n; i++) {
		if (j > 0 && strcmp(docs[i].doc.slug, docs[first].doc.slug) ==
		    0) {
			problem(ld, docs[i].doc.src, 1, "slug \"%s\" is already "
			    "used by %s", docs[i].doc.slug,
			    docs[first].doc.src);
			doc_free(&docs[i].doc);
			continue;
		}
		first = j;
		docs[j++] = docs[i];
	}
	*n = j;
}

static int
cmp_post(const void *a, const void *b)
{
	const struct ldoc *x = a, *y = b;

	if (x->doc.meta.date != y->doc.meta.date)
		return x->doc.meta.date > y->doc.meta.date ? -1 : 1;
	return strcmp(x->doc.slug, y->doc.slug);
}

void
content_release(struct doc *d)
{
	free(d->html);
	free(d->markdown);
	d->html = d->markdown = NULL;
	d->body_unread = false;
	d->html_len = d->markdown_len = 0;
}

/*
 * Reads the markdown of a doc whose body was not kept at load. A file that
 * is gone, or is no longer the bytes that were loaded (its hash differs),
 * fails with ESTALE: its page would no longer match its front matter, nor
 * the key the build files it under.
 */
static int
read_body(struct doc *d)
{
	char path[PATH_MAX];
	size_t len = 0;
	char *data;
	int n;

	d->body_unread = false;
	n = snprintf(path, sizeof(path), "%s/%s", d->root, d->src);
	errno = ENAMETOOLONG;
	data = n >= 0 && (size_t)n < sizeof(path) ? read_file(path, &len) :
	    NULL;
	if (data == NULL) {
		if (errno != ENOMEM)
			errno = ESTALE;
		return -1;
	}
	if (hash64(data, len) != d->src_hash || d->body_off > len) {
		free(data);
		errno = ESTALE;
		return -1;
	}
	d->markdown_len = len - d->body_off;
	memmove(data, data + d->body_off, d->markdown_len + 1);
	d->markdown = data;
	return 0;
}

int
content_render(struct doc *d, bool unsafe_html,
    const struct markdown_images *images)
{
	struct markdown_out out;

	if (d->html != NULL)
		return 0;
	if (d->markdown == NULL && d->body_unread && read_body(d) == -1)
		return -1;
	if (d->markdown == NULL) {
		errno = ESTALE;	/* released (content_release) */
		return -1;
	}
	errno = ENOMEM;
	if (markdown_render(d->markdown, d->markdown_len, unsafe_html, images,
	    &out) == -1)
		return -1;
	d->html = out.html;
	d->html_len = out.html_len;
	return 0;
}

static int
cmp_bundle(const void *a, const void *b)
{
	const struct ldoc *x = *(struct ldoc *const *)a;
	const struct ldoc *y = *(struct ldoc *const *)b;

	return strcmp(x->doc.bundle_dir, y->doc.bundle_dir);
}

/* Compares "posts/<dir>" of bundle index files ("posts/<dir>/index.md"). */
static int
cmp_seen(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return strcmp(x, y);
}

/* Serves the files of published bundles; drops those of unpublished ones. */
static int
resolve_bundles(struct loader *ld)
{
	struct ldoc **by = NULL, key, *kp = &key, **hit;
	char dir[PATH_MAX], seen[PATH_MAX + sizeof("/index.md")];
	char prefix[PATH_MAX];
	const char *sp = seen;
	size_t nb = 0;
	int rc = 0;

	if (ld->npend == 0)
		return 0;
	if ((by = calloc(ld->nposts + 1, sizeof(*by))) == NULL)
		return -1;
	for (size_t i = 0; i < ld->nposts; i++)
		if (ld->posts[i].doc.bundle_dir != NULL)
			by[nb++] = &ld->posts[i];
	sort(by, nb, sizeof(*by), cmp_bundle);
	sort(ld->bundles, ld->nbundles, sizeof(*ld->bundles), cmp_seen);
	memset(&key, 0, sizeof(key));
	for (size_t i = 0; i < ld->npend && rc == 0; i++) {
		const struct pending *p = &ld->pend[i];

		snprintf(dir, sizeof(dir), "posts/%.*s", (int)p->dirlen, p->dir);
		key.doc.bundle_dir = dir;
		hit = find(&kp, by, nb, sizeof(*by), cmp_bundle);
		if (hit != NULL) {
			snprintf(prefix, sizeof(prefix), "%s/", (*hit)->doc.url);
			rc = add_asset(ld, p->rel, prefix, p->sub);
			continue;
		}
		snprintf(seen, sizeof(seen), "%s/index.md", dir);
		if (find(&sp, ld->bundles, ld->nbundles,
		    sizeof(*ld->bundles), cmp_seen) == NULL)
			problem(ld, p->rel, 1, "not in a post bundle (no "
			    "%s/index.md)", dir);
	}
	free(by);
	return rc;
}

static int
cmp_asset(const void *a, const void *b)
{
	const struct asset *x = a, *y = b;
	int c = strcmp(x->url, y->url);

	return c != 0 ? c : strcmp(x->src, y->src);
}

static void
dedup_assets(struct loader *ld)
{
	size_t i, j;

	sort(ld->assets, ld->nassets, sizeof(*ld->assets), cmp_asset);
	for (i = 0, j = 0; i < ld->nassets; i++) {
		struct asset *a = &ld->assets[i];

		if (j > 0 && strcmp(a->url, ld->assets[j - 1].url) == 0) {
			problem(ld, a->src, 1, "%s is already served from %s",
			    a->url, ld->assets[j - 1].src);
			free(a->url);
			free(a->src);
			continue;
		}
		ld->assets[j++] = *a;
	}
	ld->nassets = j;
}

/*
 * Latin-1 Supplement and Latin Extended-A letters (U+00C0 to U+017F) in
 * ASCII, for tag URLs: "Café" is /tags/cafe, "Ærø" /tags/aero. The two signs
 * in the range (U+00D7, U+00F7) are "". A table rather than iconv(3)'s
 * //TRANSLIT, whose output depends on the locale.
 */
/* Bytes of a dropped tag's name quoted in its log line. */
#define TAG_QUOTE_MAX	80

#define TRANSLIT_FIRST	0xc0u
#define TRANSLIT_LAST	0x17fu

static const char *const translit[] = {
	/* U+00C0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
	/* U+00C8 */ "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00D0 */ "d", "n", "o", "o", "o", "o", "o", "",
	/* U+00D8 */ "o", "u", "u", "u", "u", "y", "th", "ss",
	/* U+00E0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
	/* U+00E8 */ "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00F0 */ "d", "n", "o", "o", "o", "o", "o", "",
	/* U+00F8 */ "o", "u", "u", "u", "u", "y", "th", "y",
	/* U+0100 */ "a", "a", "a", "a", "a", "a", "c", "c",
	/* U+0108 */ "c", "c", "c", "c", "c", "c", "d", "d",
	/* U+0110 */ "d", "d", "e", "e", "e", "e", "e", "e",
	/* U+0118 */ "e", "e", "e", "e", "g", "g", "g", "g",
	/* U+0120 */ "g", "g", "g", "g", "h", "h", "h", "h",
	/* U+0128 */ "i", "i", "i", "i", "i", "i", "i", "i",
	/* U+0130 */ "i", "i", "ij", "ij", "j", "j", "k", "k",
	/* U+0138 */ "k", "l", "l", "l", "l", "l", "l", "l",
	/* U+0140 */ "l", "l", "l", "n", "n", "n", "n", "n",
	/* U+0148 */ "n", "n", "ng", "ng", "o", "o", "o", "o",
	/* U+0150 */ "o", "o", "oe", "oe", "r", "r", "r", "r",
	/* U+0158 */ "r", "r", "s", "s", "s", "s", "s", "s",
	/* U+0160 */ "s", "s", "t", "t", "t", "t", "t", "t",
	/* U+0168 */ "u", "u", "u", "u", "u", "u", "u", "u",
	/* U+0170 */ "u", "u", "u", "u", "w", "w", "y", "y",
	/* U+0178 */ "y", "z", "z", "z", "z", "z", "z", "s",
};

_Static_assert(sizeof(translit) / sizeof(translit[0]) ==
    TRANSLIT_LAST - TRANSLIT_FIRST + 1, "one entry per code point");

/* The lower case of a letter up to U+017F; any other cp as it is. */
static uint32_t
latin_lower(uint32_t cp)
{
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xc0 && cp <= 0xde &&
	    cp != 0xd7))
		return cp + 0x20;
	if (cp == 0x178)
		return 0xff;
	/* Extended-A pairs capital and small letters, even and odd in
	 * most of it, odd and even in two runs. */
	if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14a && cp <= 0x177))
		return cp | 1;
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
		return cp + (cp & 1);
	return cp;
}

/* Appends cp (below U+0800, as latin_lower() gives) in UTF-8. */
static size_t
put_latin(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	o[0] = (char)(0xc0 | cp >> 6);
	o[1] = (char)(0x80 | (cp & 0x3f));
	return 2;
}

/* What tag_fold() makes of a tag's name. */
enum tag_fold {
	FOLD_SLUG,	/* its URL slug: [a-z0-9-] */
	FOLD_SPELLING,	/* the name with case and separators folded */
};

/* Appends one character of a tag's name to o; returns the bytes added. */
static size_t
fold_char(char *o, uint32_t cp, const unsigned char *raw, size_t rawlen,
    enum tag_fold how)
{
	cp = latin_lower(cp);
	if (cp == ' ' || cp == '_')
		cp = '-';
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-') {
		o[0] = (char)cp;
		return 1;
	}
	if (how == FOLD_SLUG) {
		if (cp < TRANSLIT_FIRST || cp > TRANSLIT_LAST)
			return 0;
		memcpy(o, translit[cp - TRANSLIT_FIRST],
		    strlen(translit[cp - TRANSLIT_FIRST]));
		return strlen(translit[cp - TRANSLIT_FIRST]);
	}
	if (cp <= TRANSLIT_LAST)
		return put_latin(o, cp);
	memcpy(o, raw, rawlen);
	return rawlen;
}

/*
 * A tag's URL slug (FOLD_SLUG): lower case, ' ' and '_' as '-', Latin
 * letters in ASCII (translit), nothing else outside [a-z0-9-], no doubled,
 * leading or trailing '-'. Or (FOLD_SPELLING) the same but keeping every
 * other character, so that two names with one slug and one spelling
 * ("Web Dev", "web_dev") are one tag, and two with one slug but not one
 * spelling ("C", "C++") are told apart. Neither is longer than name.
 */
static char *
tag_fold(const char *name, enum tag_fold how)
{
	const unsigned char *u = (const unsigned char *)name;
	size_t n = strlen(name), o = 0, len, add;
	uint32_t cp;
	char *s;

	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += len) {
		/* A stray byte is one character of its own. */
		if ((len = utf8_decode(u + i, n - i, &cp)) == 0) {
			len = 1;
			cp = UTF8_REPLACEMENT;
		}
		add = fold_char(s + o, cp, u + i, len, how);
		if (add == 1 && s[o] == '-' && (o == 0 || s[o - 1] == '-'))
			continue;
		o += add;
	}
	while (o > 0 && s[o - 1] == '-')
		o--;
	s[o] = '\0';
	return s;
}

struct tagref {
	char	*slug;
	char	*spelling;	/* tag_fold(FOLD_SPELLING) */
	size_t	 post;
	size_t	 pos;		/* index in the post's tags */
};

static int
cmp_tagref(const void *a, const void *b)
{
	const struct tagref *x = a, *y = b;
	int c = strcmp(x->slug, y->slug);

	if (c != 0)
		return c;
	if (x->post != y->post)
		return x->post < y->post ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The ref whose name a tag of refs[0..n) (one slug) shows: its first on
 * the oldest post, so the name stays when newer posts come. */
static size_t
tag_name_ref(const struct tagref *refs, size_t n)
{
	size_t i = n - 1;

	while (i > 0 && refs[i - 1].post == refs[n - 1].post)
		i--;
	return i;
}

static const char *
ref_name(const struct site *s, const struct tagref *r)
{
	return s->posts[r->post].meta.tags[r->pos];
}

/* Two spellings in refs[0..n) (one slug): said once, as a problem; the
 * posts are merged under the name tag_name_ref() picks. */
static int	quote_len(const char *);

static void
tag_clash(struct site *s, const struct tagref *refs, size_t n)
{
	const struct tagref *kept = &refs[tag_name_ref(refs, n)];
	const char *name, *kname;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(refs[i].spelling, kept->spelling) == 0)
			continue;
		/* Names bounded, so the line keeps its end. */
		name = ref_name(s, &refs[i]);
		kname = ref_name(s, kept);
		log_warnx("%s:1: tag \"%.*s\" has the URL /tags/%.*s of tag "
		    "\"%.*s\" (%s); both are listed as \"%.*s\"",
		    s->posts[refs[i].post].src, quote_len(name), name,
		    quote_len(kept->slug), kept->slug, quote_len(kname), kname,
		    s->posts[kept->post].src, quote_len(kname), kname);
		s->problems++;
		return;
	}
}

/* One tag from refs[0..n) (one slug); takes the slug. */
static int
make_tag(struct site *s, struct tagref *refs, size_t n)
{
	struct tag *t = &s->tags[s->ntags];

	memset(t, 0, sizeof(*t));
	tag_clash(s, refs, n);
	if ((t->posts = calloc(n, sizeof(*t->posts))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (t->nposts > 0 && t->posts[t->nposts - 1] == refs[i].post)
			continue;
		t->posts[t->nposts++] = refs[i].post;
	}
	t->name = strdup(ref_name(s, &refs[tag_name_ref(refs, n)]));
	t->slug = refs[0].slug;
	refs[0].slug = NULL;
	s->ntags++;
	if (t->name == NULL)
		return -1;
	return 0;
}

/* Tags are walked in order, so each post's list is ascending. */
void
content_index_tags(struct site *s)
{
	for (size_t i = 0; i < s->nposts; i++)
		s->posts[i].ntag_idx = 0;
	for (size_t t = 0; t < s->ntags; t++)
		for (size_t k = 0; k < s->tags[t].nposts; k++) {
			struct doc *d = &s->posts[s->tags[t].posts[k]];

			if (d->ntag_idx < POST_TAGS_MAX)
				d->tag_idx[d->ntag_idx++] = (uint32_t)t;
		}
}

/* Bytes of name to quote in a log line: at most TAG_QUOTE_MAX, not
 * ending inside a UTF-8 character. */
static int
quote_len(const char *name)
{
	return (int)utf8_head(name, strlen(name), TAG_QUOTE_MAX);
}

/*
 * The slug and spelling of tag j of post i into *r. Returns 1 when the tag
 * makes no URL (logged, a problem: the post is kept without it), 0, or -1
 * when out of memory.
 */
static int
tag_ref(struct site *s, size_t i, size_t j, struct tagref *r)
{
	const char *name = s->posts[i].meta.tags[j];

	r->post = i;
	r->pos = j;
	if ((r->slug = tag_fold(name, FOLD_SLUG)) == NULL ||
	    (r->spelling = tag_fold(name, FOLD_SPELLING)) == NULL)
		return -1;
	if (r->slug[0] == '\0')
		log_warnx("%s:1: tag \"%.*s\" has no letter (a-z, or a Latin "
		    "one with an accent) or digit to make a URL of; dropped",
		    s->posts[i].src, quote_len(name), name);
	/* Its page's route would not fit the index. */
	else if (strlen(r->slug) > TAG_SLUG_MAX)
		log_warnx("%s:1: a tag of %zu bytes is longer than %d bytes as "
		    "a URL; dropped", s->posts[i].src, strlen(name),
		    TAG_SLUG_MAX);
	else
		return 0;
	s->problems++;
	free(r->slug);
	free(r->spelling);
	r->slug = r->spelling = NULL;
	return 1;
}

/* The refs of every post's tags, in *refs[0..*n); -1 when out of memory. */
static int
tag_refs(struct site *s, struct tagref **refs, size_t *n)
{
	size_t total = 0;
	int rc;

	*n = 0;
	for (size_t i = 0; i < s->nposts; i++)
		total += s->posts[i].meta.ntags;
	if (total == 0)
		return 0;
	if ((*refs = calloc(total, sizeof(**refs))) == NULL)
		return -1;
	for (size_t i = 0; i < s->nposts; i++)
		for (size_t j = 0; j < s->posts[i].meta.ntags; j++) {
			if ((rc = tag_ref(s, i, j, &(*refs)[*n])) == -1) {
				(*n)++;		/* freed by the caller */
				return -1;
			}
			if (rc == 0)
				(*n)++;
		}
	return 0;
}

static int
build_tags(struct site *s)
{
	struct tagref *refs = NULL;
	size_t n, i, j;
	int rc;

	rc = tag_refs(s, &refs, &n);
	if (rc == 0)
		sort(refs, n, sizeof(*refs), cmp_tagref);
	if (rc == 0 && n > 0 &&
	    (s->tags = calloc(n, sizeof(*s->tags))) == NULL)
		rc = -1;
	for (i = 0; i < n && rc == 0; i = j) {
		for (j = i + 1; j < n && strcmp(refs[j].slug, refs[i].slug) == 0;
		    j++)
			;
		rc = make_tag(s, refs + i, j - i);
	}
	for (i = 0; i < n; i++) {
		free(refs[i].slug);
		free(refs[i].spelling);
	}
	free(refs);
	if (rc == 0)
		content_index_tags(s);
	return rc;
}

/* Moves the loader's docs into a plain array of struct doc. */
static int
take_docs(struct ldoc *docs, size_t n, struct doc **out, size_t *nout)
{
	*nout = 0;
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		(*out)[i] = docs[i].doc;
	*nout = n;
	return 0;
}

static void
loader_free(struct loader *ld)
{
	for (size_t i = 0; i < ld->nposts; i++)
		doc_free(&ld->posts[i].doc);
	for (size_t i = 0; i < ld->npages; i++)
		doc_free(&ld->pages[i].doc);
	for (size_t i = 0; i < ld->nassets; i++) {
		free(ld->assets[i].url);
		free(ld->assets[i].src);
	}
	for (size_t i = 0; i < ld->nfiles; i++)
		free(ld->files[i].rel);
	free(ld->files);
	free(ld->posts);
	free(ld->pages);
	free(ld->assets);
	free(ld->pend);
	free(ld->bundles);
}

/* Everything after the walk; -1 only when out of memory. */
static int
load_tree(struct loader *ld)
{
	struct site *s = ld->site;

	sort(ld->files, ld->nfiles, sizeof(*ld->files), cmp_cfile);
	for (size_t i = 0; i < ld->nfiles; i++)
		if (classify(ld, &ld->files[i], i) == -1)
			return -1;
	dedup_docs(ld, ld->posts, &ld->nposts);
	dedup_docs(ld, ld->pages, &ld->npages);
	if (resolve_bundles(ld) == -1)
		return -1;
	dedup_assets(ld);
	sort(ld->posts, ld->nposts, sizeof(*ld->posts), cmp_post);
	if (take_docs(ld->posts, ld->nposts, &s->posts, &s->nposts) == -1)
		return -1;
	ld->nposts = 0;
	if (take_docs(ld->pages, ld->npages, &s->pages, &s->npages) == -1)
		return -1;
	ld->npages = 0;
	s->assets = ld->assets;
	s->nassets = ld->nassets;
	ld->assets = NULL;
	ld->nassets = 0;
	for (size_t i = 0; i < s->nposts; i++) {
		const struct meta *m = &s->posts[i].meta;

		if (m->date > s->newest)
			s->newest = m->date;
		if (m->updated > s->newest)
			s->newest = m->updated;
	}
	return build_tags(s);
}

int
content_load(struct site *site, const char *root,
    const struct content_opts *opts, char *err, size_t errlen)
{
	struct loader ld;
	struct stat st;
	int rc;

	memset(site, 0, sizeof(*site));
	memset(&ld, 0, sizeof(ld));
	ld.opts = opts;
	ld.site = site;
	ld.err = err;
	ld.errlen = errlen;
	if (realpath(root, ld.root) == NULL || stat(ld.root, &st) == -1) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", root);
		return -1;
	}
	ld.rootlen = strlen(ld.root);
	if ((site->root = strdup(ld.root)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ld.stack[0].dev = st.st_dev;
	ld.stack[0].ino = st.st_ino;
	rc = walk(&ld, "", 0);
	if (rc == 0 && (rc = load_tree(&ld)) == -1)
		snprintf(err, errlen, "out of memory");
	loader_free(&ld);
	if (rc == -1) {
		size_t problems = site->problems;

		content_free(site);
		site->problems = problems;
	}
	return rc;
}

void
content_free(struct site *site)
{
	for (size_t i = 0; i < site->nposts; i++)
		doc_free(&site->posts[i]);
	for (size_t i = 0; i < site->npages; i++)
		doc_free(&site->pages[i]);
	for (size_t i = 0; i < site->ntags; i++) {
		free(site->tags[i].name);
		free(site->tags[i].slug);
		free(site->tags[i].posts);
	}
	for (size_t i = 0; i < site->nassets; i++) {
		free(site->assets[i].url);
		free(site->assets[i].src);
	}
	free(site->posts);
	free(site->pages);
	free(site->tags);
	free(site->assets);
	free(site->root);
	memset(site, 0, sizeof(*site));
}

static int
cmp_url(const void *key, const void *elem)
{
	return strcmp(key, ((const struct asset *)elem)->url);
}

const struct asset *
content_asset(const struct site *site, const char *url)
{
	return find(url, site->assets, site->nassets, sizeof(*site->assets),
	    cmp_url);
}
