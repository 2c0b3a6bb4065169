/*
 * test_imgcache.c: the image cache. Keys, put and get, rename atomicity
 * under a concurrent reader, LRU eviction with touched entries surviving,
 * the byte bound under a flood from several processes, single flight
 * across processes (one make for many requests), failed makes leaving
 * nothing, stale locks of dead holders, clearing at start-up and counts
 * healed by a rescan. Works in a fresh directory under /tmp.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "imgcache.h"
#include "test.h"

#define KB		1024u
/* Children forked for the concurrency tests. */
#define CHILDREN	8

static char dir[] = "/tmp/folio-imgcache-XXXXXX";

/* Sum of the entries' allocated sizes, counted by the test itself. */
static uint64_t
dir_entry_bytes(size_t *entries, size_t *others)
{
	struct dirent *de;
	uint64_t total = 0;
	DIR *d = opendir(dir);

	*entries = *others = 0;
	while (d != NULL && (de = readdir(d)) != NULL) {
		char p[512];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (strlen(de->d_name) != IMGCACHE_KEY_LEN ||
		    stat(p, &st) == -1) {
			(*others)++;
			continue;
		}
		(*entries)++;
		total += (uint64_t)st.st_blocks * 512 > (uint64_t)st.st_size ?
		    (uint64_t)st.st_blocks * 512 : (uint64_t)st.st_size;
	}
	if (d != NULL)
		closedir(d);
	return total;
}

static size_t
count_names(const char *prefix, const char *suffix)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name), sl = strlen(suffix);

		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    l >= sl && strcmp(de->d_name + l - sl, suffix) == 0 &&
		    strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

static void
key_n(unsigned n, char key[IMGCACHE_KEY_LEN + 1])
{
	struct stat st;
	char path[64];

	memset(&st, 0, sizeof(st));
	st.st_size = n;
	snprintf(path, sizeof(path), "images/%u.jpg", n);
	imgcache_key(path, &st, 640, 75, IMAGE_FMT_JPEG, key);
}

static void
set_age(const char *key, time_t age)
{
	struct timespec ts[2];
	char p[512];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= age;
	ts[1] = ts[0];
	snprintf(p, sizeof(p), "%s/%s", dir, key);
	utimensat(AT_FDCWD, p, ts, 0);
}

static void
test_keys(void)
{
	struct stat st, st2;
	char a[IMGCACHE_KEY_LEN + 1], b[IMGCACHE_KEY_LEN + 1];
	char longpath[5000];

	memset(&st, 0, sizeof(st));
	st.st_size = 12345;
	st.st_ino = 77;
	st.st_mtim.tv_sec = 1700000000;
	st.st_mtim.tv_nsec = 5;
	imgcache_key("images/a.jpg", &st, 640, 75, IMAGE_FMT_JPEG, a);
	imgcache_key("images/a.jpg", &st, 640, 75, IMAGE_FMT_JPEG, b);
	ok(strcmp(a, b) == 0 && imgcache_key_ok(a), "deterministic: %s", a);
	imgcache_key("images/b.jpg", &st, 640, 75, IMAGE_FMT_JPEG, b);
	ok(strcmp(a, b) != 0, "path changes it");
	imgcache_key("images/a.jpg", &st, 750, 75, IMAGE_FMT_JPEG, b);
	ok(strcmp(a, b) != 0, "width changes it");
	imgcache_key("images/a.jpg", &st, 640, 80, IMAGE_FMT_JPEG, b);
	ok(strcmp(a, b) != 0, "quality changes it");
	imgcache_key("images/a.jpg", &st, 640, 75, IMAGE_FMT_WEBP, b);
	ok(strcmp(a, b) != 0, "format changes it");
	st2 = st;
	st2.st_mtim.tv_nsec = 6;
	imgcache_key("images/a.jpg", &st2, 640, 75, IMAGE_FMT_JPEG, b);
	ok(strcmp(a, b) != 0, "a nanosecond of mtime changes it");
	st2 = st;
	st2.st_size++;
	imgcache_key("images/a.jpg", &st2, 640, 75, IMAGE_FMT_JPEG, b);
	ok(strcmp(a, b) != 0, "size changes it");
	st2 = st;
	st2.st_ino++;
	imgcache_key("images/a.jpg", &st2, 640, 75, IMAGE_FMT_JPEG, b);
	ok(strcmp(a, b) != 0, "inode changes it");
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	imgcache_key(longpath, &st, 640, 75, IMAGE_FMT_JPEG, a);
	longpath[4000] = 'y';
	imgcache_key(longpath, &st, 640, 75, IMAGE_FMT_JPEG, b);
	ok(strcmp(a, b) != 0 && imgcache_key_ok(a), "long paths differ too");
	ok(!imgcache_key_ok("0123") && !imgcache_key_ok(
	    "0123456789ABCDEF0123456789abcdef") && !imgcache_key_ok(
	    "../3456789abcdef0123456789abcdef"), "bad keys refused");
}

static void
test_put_get(struct imgcache *c)
{
	char key[IMGCACHE_KEY_LEN + 1], data[10000], back[10001];
	struct imgcache_counters k;
	struct stat st;
	int fd;

	key_n(1, key);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 13);
	ok(imgcache_get(c, key, &st) == -1 && errno == ENOENT, "miss: ENOENT");
	ok(imgcache_put(c, key, data, sizeof(data), NULL, NULL) == 0, "put");
	fd = imgcache_get(c, key, &st);
	ok(fd >= 0 && st.st_size == (off_t)sizeof(data), "hit, %lld bytes",
	    (long long)st.st_size);
	ok(fd >= 0 && read(fd, back, sizeof(back)) == (ssize_t)sizeof(data) &&
	    memcmp(back, data, sizeof(data)) == 0, "same bytes back");
	if (fd >= 0)
		close(fd);
	imgcache_counters(c, &k);
	ok(k.entries == 1 && k.bytes >= sizeof(data) && k.bytes < 3 *
	    sizeof(data), "counted: %llu entries, %llu bytes",
	    (unsigned long long)k.entries, (unsigned long long)k.bytes);
	ok(count_names(".tmp.", "") == 0, "no temp file left");
	/* Replacing an entry does not count it twice. */
	ok(imgcache_put(c, key, data, sizeof(data), NULL, NULL) == 0,
	    "put again");
	imgcache_counters(c, &k);
	ok(k.entries == 1 && k.bytes < 3 * sizeof(data), "still one entry");
	errno = 0;
	ok(imgcache_put(c, "nothex", data, 1, NULL, NULL) == -1 &&
	    errno == EINVAL, "a bad key is refused");
	ok(imgcache_get(c, "../../etc/passwd", &st) == -1 && errno == EINVAL,
	    "get checks the key");
}

static void
test_too_big(void)
{
	struct imgcache c;
	char key[IMGCACHE_KEY_LEN + 1], *big = calloc(1, 64 * KB);

	ok(imgcache_open(&c, dir, 32 * KB, IMGCACHE_CLEAR) == 0, "open 32K");
	key_n(2, key);
	errno = 0;
	ok(imgcache_put(&c, key, big, 64 * KB, NULL, NULL) == -1 &&
	    errno == EFBIG, "an entry over the bound: EFBIG");
	ok(count_names("", "") == 2, "nothing stored, no temp left (%zu "
	    "names: .state, .evict)", count_names("", ""));
	imgcache_close(&c);
	free(big);
}

/* A writer replaces one entry again and again with 256 KiB of one byte
 * value; a reader must only ever see a whole file of one value. */
static void
test_atomic(struct imgcache *c)
{
	enum { SIZE = 256 * 1024, ROUNDS = 300 };
	char key[IMGCACHE_KEY_LEN + 1];
	static char buf[SIZE];
	size_t torn = 0, seen = 0;
	pid_t pid;
	int status;

	key_n(3, key);
	memset(buf, 'a', SIZE);
	imgcache_put(c, key, buf, SIZE, NULL, NULL);
	if ((pid = fork()) == 0) {
		struct imgcache w;

		if (imgcache_open(&w, dir, 64u << 20, 0) == -1)
			_exit(1);
		for (int i = 0; i < ROUNDS; i++) {
			memset(buf, 'a' + i % 26, SIZE);
			imgcache_put(&w, key, buf, SIZE, NULL, NULL);
		}
		imgcache_close(&w);
		_exit(0);
	}
	for (;;) {
		struct stat st;
		ssize_t n;
		int fd = imgcache_get(c, key, &st);

		if (fd >= 0) {
			n = read(fd, buf, SIZE);
			seen++;
			if (n != SIZE || st.st_size != SIZE)
				torn++;
			else
				for (size_t i = 1; i < SIZE; i += 4093)
					if (buf[i] != buf[0]) {
						torn++;
						break;
					}
			close(fd);
		} else
			torn++;		/* the entry vanished */
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer ran");
	ok(seen > 10 && torn == 0, "%zu reads during %d replacements, %zu "
	    "torn", seen, ROUNDS, torn);
}

static void
test_lru(void)
{
	struct imgcache c;
	struct imgcache_counters k;
	char keys[10][IMGCACHE_KEY_LEN + 1], *data = calloc(1, 20 * KB);
	uint64_t ev = 0, evb = 0;
	struct stat st;
	size_t entries, others;
	int fd;

	ok(imgcache_open(&c, dir, 110 * KB, IMGCACHE_CLEAR) == 0, "open 110K");
	/* Five entries of 20 KiB, aged 500..100 s. */
	for (unsigned i = 0; i < 5; i++) {
		key_n(100 + i, keys[i]);
		imgcache_put(&c, keys[i], data, 20 * KB, &ev, &evb);
		set_age(keys[i], 500 - 100 * (time_t)i);
	}
	ok(ev == 0, "100K fits in 110K");
	/* A hit on the oldest makes it the newest. */
	fd = imgcache_get(&c, keys[0], &st);
	ok(fd >= 0, "hit on the oldest");
	if (fd >= 0)
		close(fd);
	/* One more 20K entry passes the bound: evict down to 90% (99K) minus
	 * room for it, i.e. the two least recently used go. */
	key_n(105, keys[5]);
	ok(imgcache_put(&c, keys[5], data, 20 * KB, &ev, &evb) == 0, "put");
	ok(ev == 2 && evb == 40 * KB, "two evicted (%llu, %llu bytes)",
	    (unsigned long long)ev, (unsigned long long)evb);
	ok(imgcache_get(&c, keys[1], &st) == -1 && imgcache_get(&c, keys[2],
	    &st) == -1, "the least recently used are gone");
	for (int i = 0; i < 6; i++) {
		if (i == 1 || i == 2)
			continue;
		fd = imgcache_get(&c, keys[i], &st);
		ok(fd >= 0, "entry %d kept (the touched one too)", i);
		if (fd >= 0)
			close(fd);
	}
	imgcache_counters(&c, &k);
	ok(dir_entry_bytes(&entries, &others) == k.bytes && entries ==
	    k.entries && k.bytes <= 110 * KB && k.evictions == 2,
	    "counters match the directory: %llu bytes, %llu entries",
	    (unsigned long long)k.bytes, (unsigned long long)k.entries);
	/* Drift (an entry deleted by hand) is healed by an eviction scan. */
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/%s", dir, keys[3]);
		unlink(p);
	}
	ok(imgcache_evict(&c, c.max_bytes, NULL, NULL) == 0, "rescan");
	imgcache_counters(&c, &k);
	ok(k.entries == 3 && k.bytes == dir_entry_bytes(&entries, &others),
	    "rescan heals the counts (%llu entries)",
	    (unsigned long long)k.entries);
	imgcache_close(&c);
	/* Start-up clear: entries gone without being read, counts zero. */
	ok(imgcache_open(&c, dir, 110 * KB, IMGCACHE_CLEAR) == 0, "reopen");
	imgcache_counters(&c, &k);
	ok(k.bytes == 0 && k.entries == 0 && dir_entry_bytes(&entries,
	    &others) == 0 && entries == 0, "cleared");
	imgcache_close(&c);
	free(data);
}

/* CHILDREN processes put 300 distinct entries each of 1-40 KiB into a
 * 256 KiB cache; the entries never total more than the bound, checked by a
 * watcher while they run and at the end. */
static void
test_flood(void)
{
	enum { PUTS = 300, MAX = 256 * KB };
	struct imgcache c;
	struct imgcache_counters k;
	pid_t kids[CHILDREN];
	size_t entries, others;
	uint64_t worst = 0, now;
	int alive = CHILDREN, fails = 0, lk, samples = 0;
	char evict[512];

	snprintf(evict, sizeof(evict), "%s/.evict", dir);

	ok(imgcache_open(&c, dir, MAX, IMGCACHE_CLEAR) == 0, "open 256K");
	for (int i = 0; i < CHILDREN; i++) {
		if ((kids[i] = fork()) != 0)
			continue;
		struct imgcache w;
		char key[IMGCACHE_KEY_LEN + 1], *data = malloc(40 * KB);

		if (data == NULL || imgcache_open(&w, dir, MAX, 0) == -1)
			_exit(1);
		srand((unsigned)getpid());
		memset(data, i, 40 * KB);
		for (unsigned n = 0; n < PUTS; n++) {
			key_n(1000 + (unsigned)i * PUTS + n, key);
			if (imgcache_put(&w, key, data, 1 + (size_t)rand() %
			    (40 * KB), NULL, NULL) == -1)
				_exit(2);
		}
		imgcache_close(&w);
		free(data);
		_exit(0);
	}
	while (alive > 0) {
		int status;
		pid_t p = waitpid(-1, &status, WNOHANG);

		if (p > 0) {
			alive--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				fails++;
			continue;
		}
		/* A consistent snapshot: puts and evictions hold .evict. */
		if ((lk = open(evict, O_RDONLY)) != -1 &&
		    flock(lk, LOCK_SH) == 0 &&
		    (now = dir_entry_bytes(&entries, &others)) > worst)
			worst = now;
		if (lk != -1)
			close(lk);
		samples++;
	}
	imgcache_counters(&c, &k);
	now = dir_entry_bytes(&entries, &others);
	ok(fails == 0, "every writer finished");
	ok(worst <= MAX && now <= MAX && samples > 10, "entries stayed within "
	    "%u bytes (largest of %d samples %llu, now %llu)", MAX, samples,
	    (unsigned long long)worst, (unsigned long long)now);
	ok(k.bytes == now && k.entries == entries, "shared count is exact: "
	    "%llu = %llu, %llu entries", (unsigned long long)k.bytes,
	    (unsigned long long)now, (unsigned long long)k.entries);
	ok(k.evictions > 0 && count_names(".tmp.", "") == 0,
	    "%llu evictions, no temp files left",
	    (unsigned long long)k.evictions);
	imgcache_close(&c);
}

/* --- Single flight ------------------------------------------------------ */

struct maker {
	volatile int	*calls;		/* shared between processes */
	int		 status;
	int		 sleep_ms;
};

static int
make_slow(void *arg, struct buf *out)
{
	struct maker *m = arg;
	struct timespec ts = { 0, (long)m->sleep_ms * 1000000L };

	__atomic_add_fetch(m->calls, 1, __ATOMIC_SEQ_CST);
	nanosleep(&ts, NULL);
	if (m->status != 0) {
		buf_puts(out, "partial");	/* must not survive */
		return m->status;
	}
	buf_puts(out, "the one and only image");
	return 0;
}

static void
test_single_flight(void)
{
	struct imgcache c;
	struct imgcache_counters k;
	char key[IMGCACHE_KEY_LEN + 1];
	volatile int *shared = mmap(NULL, sizeof(int) * (CHILDREN + 1),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t kids[CHILDREN];
	int bad = 0;

	ok(shared != MAP_FAILED, "shared counter");
	if (shared == MAP_FAILED)
		return;
	memset((void *)shared, 0, sizeof(int) * (CHILDREN + 1));
	ok(imgcache_open(&c, dir, 1u << 20, IMGCACHE_CLEAR) == 0, "open");
	key_n(7, key);
	for (int i = 0; i < CHILDREN; i++) {
		if ((kids[i] = fork()) != 0)
			continue;
		struct imgcache w;
		struct maker m = { shared, 0, 300 };
		struct imgcache_fetch f;
		struct buf out;
		char got[64] = "";
		int rc;

		if (imgcache_open(&w, dir, 1u << 20, 0) == -1)
			_exit(1);
		buf_init(&out, 1 << 16);
		rc = imgcache_fetch(&w, key, make_slow, &m, &out, &f);
		if (rc != 0)
			_exit(2);
		if (f.outcome == IMGCACHE_MISS)
			memcpy(got, out.data + f.body_off, f.body_len);
		else if (read(f.fd, got, sizeof(got) - 1) < 0)
			_exit(3);
		if (f.fd >= 0)
			close(f.fd);
		shared[1 + i] = (int)f.outcome + 1;
		buf_free(&out);
		imgcache_close(&w);
		_exit(strncmp(got, "the one and only image", 22) == 0 ? 0 : 4);
	}
	for (int i = 0; i < CHILDREN; i++) {
		int status;

		waitpid(kids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	imgcache_counters(&c, &k);
	ok(bad == 0, "all %d requesters got the image (%d failed)", CHILDREN,
	    bad);
	ok(shared[0] == 1, "one make for %d concurrent requests (%d made)",
	    CHILDREN, shared[0]);
	ok(k.misses == 1 && k.hits == CHILDREN - 1, "counters: %llu miss, "
	    "%llu hits (%llu waited)", (unsigned long long)k.misses,
	    (unsigned long long)k.hits, (unsigned long long)k.coalesced);
	ok(count_names("", ".lock") == 0, "no lock file left");
	imgcache_close(&c);
	munmap((void *)shared, sizeof(int) * (CHILDREN + 1));
}

static void
test_failed_make(void)
{
	struct imgcache c;
	struct imgcache_fetch f;
	char key[IMGCACHE_KEY_LEN + 1];
	int calls = 0;
	struct maker m = { &calls, IMAGE_ECORRUPT, 0 };
	struct buf out;
	struct stat st;
	int rc;

	ok(imgcache_open(&c, dir, 1u << 20, IMGCACHE_CLEAR) == 0, "open");
	key_n(8, key);
	buf_init(&out, 1 << 16);
	buf_puts(&out, "head");
	rc = imgcache_fetch(&c, key, make_slow, &m, &out, &f);
	ok(rc == IMAGE_ECORRUPT && calls == 1, "the make's status comes back");
	ok(out.len == 4, "out left as it was");
	ok(imgcache_get(&c, key, &st) == -1 && errno == ENOENT,
	    "nothing stored");
	ok(count_names("", "") == 2, "no entry, lock or temp file left");
	/* The next request makes it again. */
	m.status = 0;
	rc = imgcache_fetch(&c, key, make_slow, &m, &out, &f);
	ok(rc == 0 && f.outcome == IMGCACHE_MISS && f.stored && calls == 2,
	    "the next request makes it");
	rc = imgcache_fetch(&c, key, make_slow, &m, &out, &f);
	ok(rc == 0 && f.outcome == IMGCACHE_HIT && f.fd >= 0 && calls == 2,
	    "and the one after hits");
	if (f.fd >= 0)
		close(f.fd);
	buf_free(&out);
	imgcache_close(&c);
}

static void
test_locks(void)
{
	struct imgcache c;
	char key[IMGCACHE_KEY_LEN + 1];
	struct timespec t0, t1;
	int fd, p[2], status;
	pid_t pid;
	char b;

	ok(imgcache_open(&c, dir, 1u << 20, IMGCACHE_CLEAR) == 0, "open");
	key_n(9, key);
	if (pipe(p) == -1)
		return;
	/* A child holds the lock, then dies without unlocking. */
	if ((pid = fork()) == 0) {
		struct imgcache w;

		close(p[0]);
		if (imgcache_open(&w, dir, 1u << 20, 0) == -1 ||
		    imgcache_lock(&w, key, true) == -1)
			_exit(1);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	ok(read(p[0], &b, 1) == 1, "child holds the lock");
	errno = 0;
	ok(imgcache_lock(&c, key, false) == -1 && errno == EWOULDBLOCK,
	    "held elsewhere: EWOULDBLOCK");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = imgcache_lock(&c, key, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(fd >= 0 && t1.tv_sec - t0.tv_sec < 2,
	    "a dead holder's lock is ours at once");
	imgcache_unlock(&c, key, fd);
	ok(count_names("", ".lock") == 0, "unlock removes the lock file");
	close(p[0]);
	imgcache_close(&c);
}

static void
remove_dir(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char p[512];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

int
main(void)
{
	struct imgcache c;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_keys();
	ok(imgcache_open(&c, dir, 64u << 20, IMGCACHE_CLEAR) == 0, "open: %s",
	    strerror(errno));
	test_put_get(&c);
	test_atomic(&c);
	imgcache_close(&c);
	test_too_big();
	test_lru();
	test_flood();
	test_single_flight();
	test_failed_make();
	test_locks();
	remove_dir();
	return test_done();
}
