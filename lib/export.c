/*
 * export.c: the page index written out as plain files. Reads the index the
 * daemon serves, so an export holds exactly the bytes foliod sends.
 * Routes the daemon tells apart can share one file name here ("/" and a
 * file served at "/index.html" are both index.html): the generated page
 * wins, as it does at its own route in the daemon, and the file that
 * loses is named in one log line.
 */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "log.h"

#define EXPORT_DIR_MODE		0755
#define EXPORT_FILE_MODE	0644
#define EXPORT_COPY_CHUNK	(1u << 20)

/*
 * Which of the routes sharing one file name is exported: the lowest rank.
 * A generated page first (the daemon serves it at its route whatever
 * static/ holds), then a file exported under its own URL (a static host
 * serves it at that URL), then a file given ".html" by the export.
 */
enum export_rank {
	RANK_PAGE,
	RANK_FILE,
	RANK_FILE_RENAMED,
};

/* One route of the index and the file it is exported as. */
struct out_file {
	char		*name;		/* the full path under outdir */
	uint32_t	 entry;		/* in the index */
	enum export_rank rank;
};

/* Creates every directory leading to the file at path. */
static int
make_parents(char *path)
{
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, EXPORT_DIR_MODE) == -1 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* The file name a route is exported under; *renamed when the export
 * gives it a name its route does not have. */
static int
export_name(const char *outdir, const char *route, size_t len, char *out,
    size_t outlen, bool *renamed)
{
	const char *last;
	int n;

	*renamed = true;
	if (len == 0)
		n = snprintf(out, outlen, "%s/404.html", outdir);
	else if (len == 1)
		n = snprintf(out, outlen, "%s/index.html", outdir);
	else {
		last = memrchr(route, '/', len);
		bool ext = memchr(last, '.', len - (size_t)(last - route)) != NULL;
		n = snprintf(out, outlen, "%s%.*s%s", outdir, (int)len, route,
		    ext ? "" : ".html");
		*renamed = !ext;
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
copy_file(int rootfd, const char *src, int out)
{
	struct stat st;
	off_t off = 0;
	int in;

	if ((in = openat(rootfd, src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	if (fstat(in, &st) == -1) {
		close(in);
		return -1;
	}
	while (off < st.st_size) {
		ssize_t n = sendfile(out, in, &off, EXPORT_COPY_CHUNK);
		if (n <= 0) {
			close(in);
			return -1;
		}
	}
	close(in);
	return 0;
}

/* Writes entry e as the file name. */
static int
export_entry(const struct index *ix, const struct ix_entry *e, int rootfd,
    char *name, char *err, size_t errlen)
{
	char src[PATH_MAX];
	int fd, rc;

	errno = 0;
	if (make_parents(name) == -1) {
		snprintf(err, errlen, "%s: cannot create: %s", name,
		    strerror(errno ? errno : ENAMETOOLONG));
		return -1;
	}
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, EXPORT_FILE_MODE);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (e->kind == IX_PAGE) {
		rc = write_all(fd, index_blob(ix, e->body[IXV_IDENTITY]),
		    e->body[IXV_IDENTITY].len);
	} else {
		snprintf(src, sizeof(src), "%.*s", (int)e->body[IXV_IDENTITY].len,
		    index_blob(ix, e->body[IXV_IDENTITY]));
		rc = copy_file(rootfd, src, fd);
	}
	if (close(fd) == -1 || rc == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int
cmp_out(const void *a, const void *b)
{
	const struct out_file *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static void
free_outs(struct out_file *outs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(outs[i].name);
	free(outs);
}

/* The file name of every route, the one to export first for each name. */
static struct out_file *
plan(const struct index *ix, const char *outdir, char *err, size_t errlen)
{
	uint32_t n = ix->hdr->nentries;
	struct out_file *outs = calloc(n > 0 ? n : 1, sizeof(*outs));
	char name[PATH_MAX];
	bool renamed;

	if (outs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct ix_entry *e = &ix->entries[i];

		if (export_name(outdir, index_blob(ix, e->path), e->path.len,
		    name, sizeof(name), &renamed) == -1) {
			snprintf(err, errlen, "%s/%.*s: cannot create: %s",
			    outdir, (int)e->path.len, index_blob(ix, e->path),
			    strerror(ENAMETOOLONG));
			free_outs(outs, i);
			return NULL;
		}
		outs[i].entry = i;
		outs[i].rank = e->kind == IX_PAGE ? RANK_PAGE : renamed ?
		    RANK_FILE_RENAMED : RANK_FILE;
		if ((outs[i].name = strdup(name)) == NULL) {
			snprintf(err, errlen, "out of memory");
			free_outs(outs, i);
			return NULL;
		}
	}
	if (n > 1)
		qsort(outs, n, sizeof(*outs), cmp_out);
	return outs;
}

/* What a route is called in a log line: the file it is served from, or
 * the route ("" for the 404 page). */
static const char *
route_source(const struct index *ix, const struct ix_entry *e,
    char buf[PATH_MAX], char shown[LOG_PATH_MAX + 1])
{
	struct ix_blob bl = e->kind == IX_FILE ? e->body[IXV_IDENTITY] :
	    e->path;

	snprintf(buf, PATH_MAX, "%.*s", (int)bl.len, index_blob(ix, bl));
	return log_path(buf, shown);
}

/* One line for a route left out: it shares its file name with kept. */
static void
left_out(const struct index *ix, const struct out_file *lost,
    const struct out_file *kept, size_t outdir_len)
{
	const struct ix_entry *le = &ix->entries[lost->entry];
	const struct ix_entry *ke = &ix->entries[kept->entry];
	char lbuf[PATH_MAX], kbuf[PATH_MAX], lshown[LOG_PATH_MAX + 1];
	char kshown[LOG_PATH_MAX + 1], nshown[LOG_PATH_MAX + 1];
	const char *lsrc = route_source(ix, le, lbuf, lshown);
	const char *ksrc = route_source(ix, ke, kbuf, kshown);
	const char *name = log_path(lost->name + outdir_len + 1, nshown);
	const char *at = le->kind == IX_FILE ? ":1" : "";

	if (ke->kind == IX_PAGE && ke->path.len == 0)
		log_warnx("%s%s: %s in the export is the site's 404 page; this "
		    "one is left out of it", lsrc, at, name);
	else
		log_warnx("%s%s: %s in the export is the %s %s; this one is "
		    "left out of it", lsrc, at, name, ke->kind == IX_PAGE ?
		    "page" : "file", ksrc);
}

long
export_site(const char *index_path, const char *outdir, size_t *problems,
    char *err, size_t errlen)
{
	struct index ix;
	struct out_file *outs;
	char root[PATH_MAX];
	long count = 0;
	int rootfd;

	if (mkdir(outdir, EXPORT_DIR_MODE) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", outdir, strerror(errno));
		return -1;
	}
	if (index_open(&ix, index_path, err, errlen) == -1)
		return -1;
	snprintf(root, sizeof(root), "%.*s", (int)ix.hdr->root.len,
	    index_blob(&ix, ix.hdr->root));
	if ((rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		index_close(&ix);
		return -1;
	}
	if ((outs = plan(&ix, outdir, err, errlen)) == NULL) {
		close(rootfd);
		index_close(&ix);
		return -1;
	}
	for (uint32_t i = 0, first = 0; i < ix.hdr->nentries; i++) {
		if (i > 0 && strcmp(outs[i].name, outs[first].name) == 0) {
			left_out(&ix, &outs[i], &outs[first], strlen(outdir));
			if (problems != NULL)
				(*problems)++;
			continue;
		}
		first = i;
		if (export_entry(&ix, &ix.entries[outs[i].entry], rootfd,
		    outs[i].name, err, errlen) == -1) {
			count = -1;
			break;
		}
		count++;
	}
	free_outs(outs, ix.hdr->nentries);
	close(rootfd);
	index_close(&ix);
	return count;
}
