/*
 * fdcache.h: a worker's small cache of open files. A key (any bytes) maps
 * to an open descriptor, its stat and a few bytes of the caller's, kept for
 * a short while and handed out as a dup. For /_img hits it spares opening
 * and checking the source and the cached file on every request, as nginx's
 * open_file_cache does for its files. Fixed size: nothing grows.
 */
#ifndef FOLIO_FDCACHE_H
#define FOLIO_FDCACHE_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* Entries, direct-mapped by a hash of the key (a power of two). */
#define FDCACHE_SLOTS		64
/* Longest key: an /_img URL and its parameters fit. */
#define FDCACHE_KEY_MAX		1088
/* Caller's bytes kept with an entry. */
#define FDCACHE_EXTRA_MAX	64

struct fdcache_entry {
	int		 fd;		/* -1: empty */
	time_t		 until;		/* fresh while now < until */
	struct stat	 st;
	size_t		 keylen;
	unsigned char	 key[FDCACHE_KEY_MAX];
	unsigned char	 extra[FDCACHE_EXTRA_MAX];
};

struct fdcache {
	time_t			 valid_sec;
	struct fdcache_entry	 e[FDCACHE_SLOTS];
};

/* An empty cache whose entries stay fresh valid_sec seconds. now is any
 * clock that never steps back (the worker's is CLOCK_MONOTONIC); with
 * whole seconds an entry lives up to valid_sec. */
void	fdcache_init(struct fdcache *c, time_t valid_sec);
/*
 * A new descriptor (a dup, the caller's to close) of key's file if its
 * entry is fresh at now, with its stat and the extra bytes (extralen at
 * most FDCACHE_EXTRA_MAX); -1 if there is none. A stale entry is dropped.
 */
int	fdcache_get(struct fdcache *c, const void *key, size_t keylen,
	    time_t now, struct stat *st, void *extra, size_t extralen);
/* Keeps a dup of fd for key until now + valid_sec, in place of whatever
 * held its slot; a key longer than FDCACHE_KEY_MAX is not kept. */
void	fdcache_put(struct fdcache *c, const void *key, size_t keylen, int fd,
	    const struct stat *st, const void *extra, size_t extralen,
	    time_t now);
/* Closes the entries that are stale at now, so that a file deleted since
 * (an evicted cache entry) is not held open (the worker does it each
 * second). */
void	fdcache_expire(struct fdcache *c, time_t now);
/* Closes every entry (a new index, or the worker's end). */
void	fdcache_flush(struct fdcache *c);

#endif
