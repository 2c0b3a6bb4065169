/*
 * imgcache.c: the bounded, shared, single-flight image cache of imgcache.h:
 * keys, entries written by rename, LRU eviction under one lock file, the
 * per-key flock protocol, and the counters every process shares through an
 * mmap'd file.
 */
#include "imgcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "hash.h"

/* Bumped whenever the resize code changes its output, so that old entries
 * of a still-running cache are not served for new requests. */
#define IMGCACHE_CODE_VERSION	1
/* Identifies a .state file of this layout. */
#define IMGCACHE_MAGIC		0x666f6c696f696d31ULL	/* "folioim1" */
/* Allocation unit used to check a put against the bound before writing;
 * tmpfs and ext4 both allocate in 4 KiB pages or blocks. */
#define IMGCACHE_BLOCK		4096
/* Bytes of key material kept verbatim before the path is hashed instead. */
#define IMGCACHE_MATERIAL_MAX	2048
/* A directory entry's name: key, ".lock", NUL; .tmp names are longer. */
#define IMGCACHE_NAME_MAX	96
/* Entries read per eviction scan before the array grows. */
#define IMGCACHE_SCAN_INITIAL	256

#define STATE_NAME	".state"
#define EVICT_NAME	".evict"
#define TMP_PREFIX	".tmp."
#define LOCK_SUFFIX	".lock"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
    "shared counters need lock-free 64-bit atomics");

struct imgcache_shm {
	uint64_t		magic;
	_Atomic uint64_t	bytes;
	_Atomic uint64_t	entries;
	_Atomic uint64_t	hits;
	_Atomic uint64_t	misses;
	_Atomic uint64_t	coalesced;
	_Atomic uint64_t	evictions;
	_Atomic uint64_t	evicted_bytes;
};

struct scan_entry {
	struct timespec	mtime;
	uint64_t	size;
	char		name[IMGCACHE_KEY_LEN + 1];
};

/* --- Names -------------------------------------------------------------- */

static bool
is_hex_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool
imgcache_key_ok(const char *s)
{
	return strlen(s) == IMGCACHE_KEY_LEN && is_hex_n(s, IMGCACHE_KEY_LEN);
}

static bool
is_lock_name(const char *s)
{
	return strlen(s) == IMGCACHE_KEY_LEN + strlen(LOCK_SUFFIX) &&
	    is_hex_n(s, IMGCACHE_KEY_LEN) &&
	    strcmp(s + IMGCACHE_KEY_LEN, LOCK_SUFFIX) == 0;
}

static bool
is_tmp_name(const char *s)
{
	return strncmp(s, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
}

void
imgcache_key(const char *src_rel, const struct stat *st, int width,
    int quality, enum image_format format, char out[IMGCACHE_KEY_LEN + 1])
{
	char m[IMGCACHE_MATERIAL_MAX + 256], ph[17];
	size_t plen = strlen(src_rel);
	uint64_t h1, h2;
	int n;

	/* Long paths are hashed first; the length still goes in. */
	hash64_hex(hash64(src_rel, plen), ph);
	n = snprintf(m, sizeof(m), "#folio-img v%d\n%zu:%s\n%jd %jd.%09ld "
	    "%ju\n%d %d %d", IMGCACHE_CODE_VERSION, plen,
	    plen <= IMGCACHE_MATERIAL_MAX ? src_rel : ph,
	    (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec,
	    (long)st->st_mtim.tv_nsec, (uintmax_t)st->st_ino, width, quality,
	    (int)format);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(m))
		n = (int)sizeof(m) - 1;
	h1 = hash64(m, (size_t)n);
	h2 = hash64_add(h1, m, (size_t)n);	/* seeded by the first */
	hash64_hex(h1, out);
	hash64_hex(h2, out + 16);
}

/* --- Open, clear, counters ---------------------------------------------- */

static uint64_t
entry_size(const struct stat *st)
{
	uint64_t blocks = (uint64_t)st->st_blocks * 512;

	return blocks > (uint64_t)st->st_size ? blocks : (uint64_t)st->st_size;
}

/* Calls fn on every name in the directory but "." and "..". */
static int
dir_each(int dirfd, void (*fn)(int, const char *, void *), void *arg)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			fn(dirfd, de->d_name, arg);
	closedir(d);
	return 0;
}

static void
clear_one(int dirfd, const char *name, void *arg)
{
	(void)arg;
	if (imgcache_key_ok(name) || is_lock_name(name) || is_tmp_name(name))
		unlinkat(dirfd, name, 0);
}

static int
lock_file(int dirfd, const char *name, int op)
{
	int fd;

	if ((fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
	    -1)
		return -1;
	while (flock(fd, op) == -1) {
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

static void
unlock_file(int fd)
{
	if (fd != -1)
		close(fd);	/* drops the flock */
}

static int
map_state(struct imgcache *c)
{
	struct stat st;
	void *p;
	int fd;

	if ((fd = openat(c->dirfd, STATE_NAME, O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || ((size_t)st.st_size < sizeof(*c->shm) &&
	    ftruncate(fd, sizeof(*c->shm)) == -1)) {
		close(fd);
		return -1;
	}
	p = mmap(NULL, sizeof(*c->shm), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	c->shm = p;
	return 0;
}

static void
zero_state(struct imgcache_shm *s)
{
	atomic_store(&s->bytes, 0);
	atomic_store(&s->entries, 0);
	atomic_store(&s->hits, 0);
	atomic_store(&s->misses, 0);
	atomic_store(&s->coalesced, 0);
	atomic_store(&s->evictions, 0);
	atomic_store(&s->evicted_bytes, 0);
	s->magic = IMGCACHE_MAGIC;
}

int
imgcache_open(struct imgcache *c, const char *dir, uint64_t max_bytes,
    int flags)
{
	int lk, e;

	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
	c->max_bytes = max_bytes;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if ((c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (map_state(c) == -1)
		goto fail;
	if ((lk = lock_file(c->dirfd, EVICT_NAME, LOCK_EX)) == -1)
		goto fail;
	if ((flags & IMGCACHE_CLEAR) || c->shm->magic != IMGCACHE_MAGIC) {
		dir_each(c->dirfd, clear_one, NULL);
		zero_state(c->shm);
	}
	unlock_file(lk);
	return 0;
fail:
	e = errno;
	imgcache_close(c);
	errno = e;
	return -1;
}

void
imgcache_close(struct imgcache *c)
{
	if (c->shm != NULL)
		munmap(c->shm, sizeof(*c->shm));
	if (c->dirfd != -1)
		close(c->dirfd);
	c->shm = NULL;
	c->dirfd = -1;
}

void
imgcache_counters(const struct imgcache *c, struct imgcache_counters *o)
{
	struct imgcache_shm *s = c->shm;

	o->bytes = atomic_load(&s->bytes);
	o->entries = atomic_load(&s->entries);
	o->hits = atomic_load(&s->hits);
	o->misses = atomic_load(&s->misses);
	o->coalesced = atomic_load(&s->coalesced);
	o->evictions = atomic_load(&s->evictions);
	o->evicted_bytes = atomic_load(&s->evicted_bytes);
}

/* --- Lookups ------------------------------------------------------------ */

int
imgcache_get(struct imgcache *c, const char *key, struct stat *st)
{
	struct timespec now;
	int fd, e;

	if (!imgcache_key_ok(key)) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = openat(c->dirfd, key, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec - st->st_mtim.tv_sec > IMGCACHE_TOUCH_SEC) {
		const struct timespec ts[2] = {
			{ .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_NOW },
		};

		(void)futimens(fd, ts);
	}
	return fd;
}

/* --- Eviction ----------------------------------------------------------- */

struct scan {
	struct scan_entry	*v;
	size_t			 n, cap;
	uint64_t		 total;
	time_t			 now;
	int			 err;
};

static void
scan_tmp_or_lock(int dirfd, const char *name, const struct scan *s)
{
	struct stat st;
	int fd;

	if (is_tmp_name(name)) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    s->now - st.st_mtim.tv_sec > IMGCACHE_TMP_STALE_SEC)
			unlinkat(dirfd, name, 0);
		return;
	}
	/* A lock nobody holds is left by a dead process: take and remove it
	 * as imgcache_unlock() would. */
	if ((fd = openat(dirfd, name, O_RDWR | O_CLOEXEC)) == -1)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		unlinkat(dirfd, name, 0);
	close(fd);
}

static void
scan_one(int dirfd, const char *name, void *arg)
{
	struct scan *s = arg;
	struct scan_entry *e;
	struct stat st;

	if (is_tmp_name(name) || is_lock_name(name)) {
		scan_tmp_or_lock(dirfd, name, s);
		return;
	}
	if (!imgcache_key_ok(name) ||
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : IMGCACHE_SCAN_INITIAL;
		struct scan_entry *v = reallocarray(s->v, cap, sizeof(*v));

		if (v == NULL) {
			s->err = ENOMEM;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n++];
	e->mtime = st.st_mtim;
	e->size = entry_size(&st);
	memcpy(e->name, name, IMGCACHE_KEY_LEN + 1);
	s->total += e->size;
}

static int
cmp_age(const void *a, const void *b)
{
	const struct scan_entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The eviction proper; the caller holds .evict exclusively. */
static int
evict_locked(struct imgcache *c, uint64_t target, uint64_t *evicted,
    uint64_t *evicted_bytes)
{
	struct scan s = { .now = time(NULL) };
	uint64_t n_ev = 0, b_ev = 0;
	size_t kept;

	if (dir_each(c->dirfd, scan_one, &s) == -1 || s.err != 0) {
		int e = s.err ? s.err : errno;

		free(s.v);
		errno = e;
		return -1;
	}
	qsort(s.v, s.n, sizeof(*s.v), cmp_age);
	for (size_t i = 0; i < s.n && s.total > target; i++) {
		if (unlinkat(c->dirfd, s.v[i].name, 0) == -1)
			continue;
		s.total -= s.v[i].size;
		n_ev++;
		b_ev += s.v[i].size;
	}
	kept = s.n - (size_t)n_ev;
	free(s.v);
	atomic_store(&c->shm->bytes, s.total);
	atomic_store(&c->shm->entries, kept);
	atomic_fetch_add(&c->shm->evictions, n_ev);
	atomic_fetch_add(&c->shm->evicted_bytes, b_ev);
	if (evicted != NULL)
		*evicted += n_ev;
	if (evicted_bytes != NULL)
		*evicted_bytes += b_ev;
	return 0;
}

int
imgcache_evict(struct imgcache *c, uint64_t target, uint64_t *evicted,
    uint64_t *evicted_bytes)
{
	int lk, rc;

	if ((lk = lock_file(c->dirfd, EVICT_NAME, LOCK_EX)) == -1)
		return -1;
	rc = evict_locked(c, target, evicted, evicted_bytes);
	unlock_file(lk);
	return rc;
}

/* --- Puts --------------------------------------------------------------- */

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes the .tmp file; returns its allocated size or 0 (errno set). */
static uint64_t
write_tmp(struct imgcache *c, const char *tmp, const void *data,
    size_t len)
{
	struct stat st;
	int fd, e;

	if ((fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600)) == -1)
		return 0;
	if (write_all(fd, data, len) == -1 || fstat(fd, &st) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return 0;
	}
	if (close(fd) == -1)
		return 0;
	return entry_size(&st) ? entry_size(&st) : 1;
}

/* Under .evict: room for size bytes (minus an entry being replaced), then
 * the rename and the count. */
static int
commit(struct imgcache *c, const char *tmp, const char *key, uint64_t size,
    uint64_t *evicted, uint64_t *evicted_bytes)
{
	uint64_t low = c->max_bytes / 100 * IMGCACHE_LOW_PERCENT, old = 0;
	struct stat st;

	if (fstatat(c->dirfd, key, &st, 0) == 0)
		old = entry_size(&st);
	if (atomic_load(&c->shm->bytes) - old + size > c->max_bytes) {
		/* Down to the low mark with the new entry in. */
		if (evict_locked(c, low > size ? low - size : 0, evicted,
		    evicted_bytes) == -1)
			return -1;
		old = fstatat(c->dirfd, key, &st, 0) == 0 ? entry_size(&st) : 0;
	}
	if (renameat(c->dirfd, tmp, c->dirfd, key) == -1)
		return -1;
	atomic_fetch_add(&c->shm->bytes, size - old);
	if (old == 0)
		atomic_fetch_add(&c->shm->entries, 1);
	return 0;
}

int
imgcache_put(struct imgcache *c, const char *key, const void *data,
    size_t len, uint64_t *evicted, uint64_t *evicted_bytes)
{
	char tmp[IMGCACHE_NAME_MAX];
	uint64_t size;
	int lk, e;

	if (!imgcache_key_ok(key)) {
		errno = EINVAL;
		return -1;
	}
	if (c->max_bytes < IMGCACHE_BLOCK ||
	    (uint64_t)len > c->max_bytes - IMGCACHE_BLOCK) {
		errno = EFBIG;
		return -1;
	}
	snprintf(tmp, sizeof(tmp), TMP_PREFIX "%s.%ld.%u", key,
	    (long)getpid(), c->seq++);
	if ((size = write_tmp(c, tmp, data, len)) == 0)
		goto fail;
	if (size > c->max_bytes) {
		errno = EFBIG;
		goto fail;
	}
	if ((lk = lock_file(c->dirfd, EVICT_NAME, LOCK_EX)) == -1)
		goto fail;
	if (commit(c, tmp, key, size, evicted, evicted_bytes) == -1) {
		e = errno;
		unlock_file(lk);
		errno = e;
		goto fail;
	}
	unlock_file(lk);
	return 0;
fail:
	e = errno;
	unlinkat(c->dirfd, tmp, 0);
	errno = e;
	return -1;
}

/* --- Single flight ------------------------------------------------------ */

static void
lock_name(const char *key, char out[IMGCACHE_NAME_MAX])
{
	snprintf(out, IMGCACHE_NAME_MAX, "%s" LOCK_SUFFIX, key);
}

int
imgcache_lock(struct imgcache *c, const char *key, bool wait)
{
	char name[IMGCACHE_NAME_MAX];
	struct stat held, now;
	int fd;

	if (!imgcache_key_ok(key)) {
		errno = EINVAL;
		return -1;
	}
	lock_name(key, name);
	for (;;) {
		if ((fd = lock_file(c->dirfd, name, LOCK_EX |
		    (wait ? 0 : LOCK_NB))) == -1)
			return -1;
		/* Ours only if the file is still the one under the name: the
		 * previous holder removes it before it lets go. */
		if (fstat(fd, &held) == 0 &&
		    fstatat(c->dirfd, name, &now, 0) == 0 &&
		    held.st_ino == now.st_ino && held.st_dev == now.st_dev)
			return fd;
		close(fd);
	}
}

void
imgcache_unlock(struct imgcache *c, const char *key, int lockfd)
{
	char name[IMGCACHE_NAME_MAX];

	if (lockfd == -1)
		return;
	lock_name(key, name);
	unlinkat(c->dirfd, name, 0);
	close(lockfd);
}

/* The rest of imgcache_fetch() once the key's lock is held. */
static int
fetch_locked(struct imgcache *c, const char *key, imgcache_make_fn *make,
    void *arg, struct buf *out, struct imgcache_fetch *f)
{
	size_t mark = out->len;
	int rc;

	if ((f->fd = imgcache_get(c, key, &f->st)) != -1) {
		f->outcome = IMGCACHE_COALESCED;
		atomic_fetch_add(&c->shm->hits, 1);
		atomic_fetch_add(&c->shm->coalesced, 1);
		return 0;
	}
	if (errno != ENOENT)
		return -1;
	if ((rc = make(arg, out)) != 0) {
		out->len = mark;
		return rc;
	}
	if (buf_failed(out)) {
		out->len = mark;
		errno = EFBIG;
		return -1;
	}
	f->outcome = IMGCACHE_MISS;
	f->body_off = mark;
	f->body_len = out->len - mark;
	atomic_fetch_add(&c->shm->misses, 1);
	f->stored = imgcache_put(c, key, out->data + mark, f->body_len,
	    &f->evicted, &f->evicted_bytes) == 0;
	return 0;
}

int
imgcache_fetch(struct imgcache *c, const char *key, imgcache_make_fn *make,
    void *arg, struct buf *out, struct imgcache_fetch *f)
{
	int lk, rc, e;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if ((f->fd = imgcache_get(c, key, &f->st)) != -1) {
		f->outcome = IMGCACHE_HIT;
		atomic_fetch_add(&c->shm->hits, 1);
		return 0;
	}
	if (errno != ENOENT)
		return -1;
	if ((lk = imgcache_lock(c, key, true)) == -1)
		return -1;
	rc = fetch_locked(c, key, make, arg, out, f);
	e = errno;
	imgcache_unlock(c, key, lk);
	errno = e;
	return rc;
}
