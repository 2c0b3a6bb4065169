/*
 * metrics.h: counters shared by the master and its workers through one
 * anonymous shared mapping made before the first fork. Each worker writes
 * only its own slot and the master only the global fields, so no locks are
 * needed; /metrics on the admin listener sums the slots.
 */
#ifndef FOLIO_METRICS_H
#define FOLIO_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "index.h"
#include "folio_limits.h"

/* Statuses counted on their own; everything else goes to the last slot. */
#define METRICS_STATUSES	{ 200, 206, 301, 304, 400, 404, 405, 408, \
				  412, 414, 416, 431, 499, 500, 501, 503, \
				  505 }
#define METRICS_NSTATUS		18
/* Worker slots: twice the workers, since a reload runs an old and a new set
 * side by side for a while. */
#define METRICS_SLOTS		(2 * WORKERS_MAX)
/* Upper bounds (ms) of the resize duration histogram; one more bucket
 * holds the slower ones. */
#define METRICS_RESIZE_BUCKETS_MS	{ 10, 25, 50, 100, 250, 500, 1000, \
					  2500, 5000, 10000 }
#define METRICS_RESIZE_BUCKETS		10
/* Largest /metrics body. */
#define METRICS_TEXT_MAX	(64u << 10)

struct metrics_worker {
	pid_t		pid;		/* 0 = slot free */
	uint64_t	requests[ROUTE_COUNT][METRICS_NSTATUS];
	uint64_t	bytes;
	uint64_t	connections;	/* accepted */
	uint64_t	active;		/* open now */
	uint64_t	generation;	/* index generation served */
};

struct metrics {
	uint64_t	generation;	/* the published index; workers follow it */
	uint64_t	entries;
	uint64_t	build_ms;
	uint64_t	deferred;	/* pages published still uncompressed */
	uint64_t	builds;
	uint64_t	build_failures;
	uint64_t	workers;	/* alive now */
	uint64_t	respawns;
	uint64_t	fork_failures;	/* each tried again (master.c) */
	uint64_t	backoff;	/* workers keep dying: not ready */
	uint64_t	image_hits;	/* served by workers from the cache */
	uint64_t	resizes;
	uint64_t	resize_failures;
	uint64_t	resize_ms;	/* sum */
	uint64_t	resize_buckets[METRICS_RESIZE_BUCKETS + 1];
	struct metrics_worker w[METRICS_SLOTS];
};

/* Maps the shared counters (zeroed). NULL on failure, errno set. */
struct metrics *metrics_create(void);
void	metrics_destroy(struct metrics *m);

/* Counts one response in a worker's slot. */
void	metrics_count(struct metrics_worker *w, enum route_kind route,
	    int status, uint64_t bytes);

/* Writes the Prometheus text exposition; returns its length. The image
 * cache's counters (imgcache.h) are added when ic is not NULL. */
struct imgcache_counters;
size_t	metrics_format(const struct metrics *m,
	    const struct imgcache_counters *ic, char *out, size_t outlen);

/* Atomic access for the fields that cross processes. */
static inline uint64_t
metrics_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
metrics_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void
metrics_add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

#endif
