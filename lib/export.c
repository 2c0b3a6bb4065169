/*
 * export.c: the page index written out as plain files. Reads the index the
 * daemon serves, so an export holds exactly the bytes foliod sends.
 */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"

#define EXPORT_DIR_MODE		0755
#define EXPORT_FILE_MODE	0644
#define EXPORT_COPY_CHUNK	(1u << 20)

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

/* The file name a route is exported under. */
static int
export_name(const char *outdir, const char *route, size_t len, char *out,
    size_t outlen)
{
	const char *last;
	int n;

	if (len == 0)
		n = snprintf(out, outlen, "%s/404.html", outdir);
	else if (len == 1)
		n = snprintf(out, outlen, "%s/index.html", outdir);
	else {
		last = memrchr(route, '/', len);
		bool ext = memchr(last, '.', len - (size_t)(last - route)) != NULL;
		n = snprintf(out, outlen, "%s%.*s%s", outdir, (int)len, route,
		    ext ? "" : ".html");
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

static int
export_entry(const struct index *ix, const struct ix_entry *e, int rootfd,
    const char *outdir, char *err, size_t errlen)
{
	char name[PATH_MAX], src[PATH_MAX];
	const char *route = index_blob(ix, e->path);
	int fd, rc;

	if (export_name(outdir, route, e->path.len, name, sizeof(name)) == -1 ||
	    make_parents(name) == -1) {
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

long
export_site(const char *index_path, const char *outdir, char *err,
    size_t errlen)
{
	struct index ix;
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
	for (uint32_t i = 0; i < ix.hdr->nentries; i++) {
		if (export_entry(&ix, &ix.entries[i], rootfd, outdir, err,
		    errlen) == -1) {
			count = -1;
			break;
		}
		count++;
	}
	close(rootfd);
	index_close(&ix);
	return count;
}
