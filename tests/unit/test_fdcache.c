/*
 * test_fdcache.c: the open-file cache: a fresh entry gives a dup of the
 * file with its stat and extra bytes; a stale, expired, replaced or flushed
 * entry is closed (the process's descriptors are counted); keys must match
 * whole.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdcache.h"
#include "test.h"

#define NOW		1000	/* a time for the cache's clock */
#define VALID		2	/* seconds an entry stays fresh */
#define MANY_KEYS	(4 * FDCACHE_SLOTS)

/* Descriptors this process has open now. */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own */
}

/* A temp file holding text, open for reading. */
static int
temp_file(const char *text, struct stat *st)
{
	char path[] = "/tmp/test_fdcache.XXXXXX";
	int fd = mkstemp(path);

	if (fd == -1)
		return -1;
	unlink(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fstat(fd, st) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
test_get_put(struct fdcache *c)
{
	struct stat st, got;
	char extra[16] = "v=abc", back[16] = "";
	int fd = temp_file("image bytes", &st), d;

	ok(fd != -1, "temp file");
	ok(fdcache_get(c, "k1", 2, NOW, &got, back, sizeof(back)) == -1,
	    "empty: a miss");
	fdcache_put(c, "k1", 2, fd, &st, extra, sizeof(extra), NOW);
	close(fd);
	d = fdcache_get(c, "k1", 2, NOW + VALID - 1, &got, back, sizeof(back));
	ok(d != -1 && got.st_ino == st.st_ino && got.st_size == st.st_size &&
	    strcmp(back, "v=abc") == 0, "a hit: stat and extra bytes");
	char buf[32] = "";
	ok(d != -1 && pread(d, buf, sizeof(buf) - 1, 0) == 11 &&
	    strcmp(buf, "image bytes") == 0, "the file itself, after the "
	    "caller closed its own descriptor");
	if (d != -1)
		close(d);
	ok(fdcache_get(c, "k2", 2, NOW, &got, back, sizeof(back)) == -1 &&
	    fdcache_get(c, "k", 1, NOW, &got, back, sizeof(back)) == -1,
	    "other keys miss, a prefix too");
	int before = open_fds();
	ok(fdcache_get(c, "k1", 2, NOW + VALID, &got, back, sizeof(back)) ==
	    -1 && open_fds() == before - 1, "stale: a miss, and closed");
}

static void
test_replace_and_flush(struct fdcache *c)
{
	char key[16];
	struct stat st, got;
	int fd = temp_file("x", &st), base = open_fds();
	int held;

	for (int i = 0; i < MANY_KEYS; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		fdcache_put(c, key, strlen(key), fd, &st, NULL, 0, NOW);
	}
	held = open_fds() - base;
	ok(held > 0 && held <= FDCACHE_SLOTS,
	    "%d keys hold %d descriptors, at most one per slot", MANY_KEYS,
	    held);
	fdcache_expire(c, NOW + VALID - 1);
	ok(open_fds() - base == held, "expire keeps the fresh ones");
	fdcache_put(c, "late", 4, fd, &st, NULL, 0, NOW + 1);
	fdcache_expire(c, NOW + VALID);
	ok(open_fds() - base == 1, "and closes the stale ones, unasked");
	int d = fdcache_get(c, "late", 4, NOW + VALID, &got, NULL, 0);
	ok(d != -1, "an entry put later is still fresh");
	if (d != -1)
		close(d);
	fdcache_flush(c);
	ok(open_fds() == base, "flush closes them all");
	snprintf(key, sizeof(key), "key-%d", MANY_KEYS - 1);
	ok(fdcache_get(c, key, strlen(key), NOW, &got, NULL, 0) == -1,
	    "and forgets them");
	close(fd);
}

static void
test_limits(void)
{
	static unsigned char big[FDCACHE_KEY_MAX + 1];
	struct fdcache *c = malloc(sizeof(*c));
	struct stat st, got;
	int fd = temp_file("y", &st), base = open_fds();

	fdcache_init(c, VALID);
	fdcache_put(c, big, sizeof(big), fd, &st, NULL, 0, NOW);
	ok(open_fds() == base && fdcache_get(c, big, sizeof(big), NOW, &got,
	    NULL, 0) == -1, "a key too long is not kept");
	fdcache_put(c, big, FDCACHE_KEY_MAX, fd, &st, NULL, 0, NOW);
	int d = fdcache_get(c, big, FDCACHE_KEY_MAX, NOW, &got, NULL, 0);
	ok(d != -1, "the longest key is");
	if (d != -1)
		close(d);
	fdcache_flush(c);
	fdcache_init(c, 0);
	fdcache_put(c, "k", 1, fd, &st, NULL, 0, NOW);
	ok(open_fds() == base, "validity 0: nothing kept");
	close(fd);
	free(c);
}

int
main(void)
{
	struct fdcache *c = malloc(sizeof(*c));

	fdcache_init(c, VALID);
	test_get_put(c);
	test_replace_and_flush(c);
	fdcache_flush(c);
	free(c);
	test_limits();
	return test_done();
}
