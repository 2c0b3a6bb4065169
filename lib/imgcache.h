/*
 * imgcache.h: the resized-image cache, a directory (tmpfs in production)
 * shared by every process, bounded in bytes with least-recently-used
 * eviction, and single-flight: concurrent misses for one key do one resize.
 *
 * Layout of the directory (nothing else is ever written there):
 *   <key>            an entry: 32 hex digits, the encoded image
 *   <key>.lock       the single-flight lock of a key being made
 *   .tmp.<key>.<pid>.<n>  an entry being written (renamed into place)
 *   .state           shared counters (bytes, entries, hits ...), mmap'd
 *   .evict           the lock that orders puts and evictions
 *
 * Bound: every put renames its entry into place and adds its size (in
 * allocated blocks, what tmpfs charges) to the shared byte count while
 * holding .evict exclusively. If the new entry would pass the bound, it
 * first evicts the least recently used entries (oldest mtime; hits
 * refresh it) until, with it, they fill IMGCACHE_LOW_PERCENT of the bound.
 * So the entries never total more than max_bytes; files being written (at
 * most one per resize in flight) are the only excess. An eviction rescans
 * the directory and sets the count from what it finds, which also heals
 * any drift (a process killed between rename and count, files deleted by
 * hand).
 *
 * Start-up: the master opens with IMGCACHE_CLEAR, which empties the
 * directory without reading any file and zeroes the count; every other
 * process opens without it and shares that count.
 */
#ifndef FOLIO_IMGCACHE_H
#define FOLIO_IMGCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "image.h"

struct buf;

/* Hex digits of a key. 128 bits: two 64-bit hashes of the same material,
 * so accidental collisions among a site's few thousand images are out of
 * reach (keys are not secret and need not be). */
#define IMGCACHE_KEY_LEN	32
/* Evictions go down to this share of max_bytes, so that a full cache
 * rescans its directory once per tenth of its size written, not per put. */
#define IMGCACHE_LOW_PERCENT	90
/* A hit moves an entry's mtime to now only when it is older than this:
 * LRU at one-minute resolution, without a syscall on every hit. */
#define IMGCACHE_TOUCH_SEC	60
/* A .tmp file older than this belongs to a dead process; evictions remove
 * it. Any live resize finishes far sooner. */
#define IMGCACHE_TMP_STALE_SEC	600

/* Counters shared by all processes (in .state); read with
 * imgcache_counters(). */
struct imgcache_counters {
	uint64_t	bytes;		/* entries' allocated size now */
	uint64_t	entries;	/* entries now */
	uint64_t	hits;		/* imgcache_fetch found the entry */
	uint64_t	misses;		/* imgcache_fetch made it */
	uint64_t	coalesced;	/* hits that waited for another maker */
	uint64_t	evictions;	/* entries removed to stay in bound */
	uint64_t	evicted_bytes;
};

struct imgcache_shm;

/*
 * One process's handle. Locks are taken on files opened per call, never on
 * a descriptor kept here, so a handle stays correct if the process forks
 * (flock(2) locks belong to an open file description); still, each process
 * normally opens its own.
 */
struct imgcache {
	int			 dirfd;
	uint64_t		 max_bytes;
	struct imgcache_shm	*shm;
	unsigned		 seq;		/* for .tmp names */
};

#define IMGCACHE_CLEAR	0x1

/*
 * Opens (creating it, mode 0700, if missing) the cache directory dir
 * bounded to max_bytes. With IMGCACHE_CLEAR (or when .state is new, so
 * the count of what is there is unknown), first removes every entry, lock
 * and temp file in it and zeroes the counters. Returns 0, or -1 with errno
 * set.
 */
int	imgcache_open(struct imgcache *c, const char *dir, uint64_t max_bytes,
	    int flags);
void	imgcache_close(struct imgcache *c);

/*
 * The key of one output: the source's site-relative path, its identity
 * (st_size, st_mtim, st_ino: a changed file gets new keys, old entries
 * become unreachable and age out), width (the output's, from image_plan():
 * every width asked for at or above the source's is one key), quality and
 * format, plus a version of the resize code. Deterministic across processes and runs.
 * Writes IMGCACHE_KEY_LEN hex digits and a NUL.
 */
void	imgcache_key(const char *src_rel, const struct stat *st, int width,
	    int quality, enum image_format format,
	    char out[IMGCACHE_KEY_LEN + 1]);

/* True if s is a well-formed key (32 lower-case hex digits). */
bool	imgcache_key_ok(const char *s);

/*
 * Opens the entry for key read-only (close-on-exec) and fstat()s it into
 * st; refreshes its mtime for LRU when it is older than IMGCACHE_TOUCH_SEC.
 * Returns the fd, or -1: errno ENOENT on a miss. The fd stays readable even
 * if the entry is evicted meanwhile.
 */
int	imgcache_get(struct imgcache *c, const char *key, struct stat *st);

/*
 * Stores data[0..len) as the entry for key: written to a .tmp file, then,
 * under the .evict lock, room made (evictions) and the file renamed into
 * place, so a reader sees all of it or nothing. Evictions it caused are
 * added to *evicted and *evicted_bytes when those are not NULL. Returns 0,
 * or -1 with errno (EFBIG: larger than the whole bound; nothing stored).
 */
int	imgcache_put(struct imgcache *c, const char *key, const void *data,
	    size_t len, uint64_t *evicted, uint64_t *evicted_bytes);

/*
 * Removes least recently used entries until they total at most target
 * bytes; also removes stale .tmp files and any lock file of a key nobody
 * holds. Sets the byte and entry counts from the scan. Returns 0 or -1.
 */
int	imgcache_evict(struct imgcache *c, uint64_t target, uint64_t *evicted,
	    uint64_t *evicted_bytes);

/*
 * Single-flight lock of one key, across processes: flock(2) on
 * <key>.lock. With wait, blocks until it is ours; without, returns -1 with
 * errno EWOULDBLOCK when another process holds it. Returns the lock's fd.
 * imgcache_unlock() removes the lock file and then releases it; a locker
 * that wakes on a removed file retries on the new one, so two makers never
 * overlap. A holder that dies releases it (the kernel drops flocks).
 */
int	imgcache_lock(struct imgcache *c, const char *key, bool wait);
void	imgcache_unlock(struct imgcache *c, const char *key, int lockfd);

/*
 * Makes an entry: appends the encoded image to out and returns 0, or
 * returns non-zero (an image_status) leaving out as it was; nothing is
 * then stored.
 */
typedef int imgcache_make_fn(void *arg, struct buf *out);

enum imgcache_outcome {
	IMGCACHE_HIT,		/* the entry was there */
	IMGCACHE_COALESCED,	/* another process made it while we waited */
	IMGCACHE_MISS,		/* we made it */
};

struct imgcache_fetch {
	enum imgcache_outcome outcome;
	int		 fd;		/* HIT, COALESCED: the entry; MISS: -1 */
	struct stat	 st;		/* of fd */
	size_t		 body_off;	/* MISS: the image is out[off..len) */
	size_t		 body_len;
	bool		 stored;	/* MISS: the entry was stored */
	uint64_t	 evicted;	/* MISS: evictions the store caused */
	uint64_t	 evicted_bytes;
};

/*
 * The whole protocol for one request: look up; on a miss take the key's
 * lock (blocking), look again (someone may have just made it: COALESCED),
 * else call make, store its output and unlock. It blocks for as long as a
 * resize takes: call it where blocking is fine (an image process), and
 * use imgcache_get() alone on an event loop's fast path. On HIT/COALESCED serve
 * f->fd (the caller closes it); on MISS serve out's new bytes (a failed
 * store, e.g. EFBIG, still serves them). Returns 0; make's non-zero status
 * when it failed (nothing stored, lock released, out unchanged); or -1 on a
 * system error (errno).
 */
int	imgcache_fetch(struct imgcache *c, const char *key,
	    imgcache_make_fn *make, void *arg, struct buf *out,
	    struct imgcache_fetch *f);

/* A snapshot of the shared counters. */
void	imgcache_counters(const struct imgcache *c,
	    struct imgcache_counters *out);

#endif
