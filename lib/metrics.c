/*
 * metrics.c: the shared counters of metrics.h and their Prometheus text.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "imgcache.h"

static const int metrics_statuses[] = METRICS_STATUSES;

static const char *const route_names[ROUTE_COUNT] = {
	[ROUTE_HOME] = "home",
	[ROUTE_POST] = "post",
	[ROUTE_PAGE] = "page",
	[ROUTE_TAG] = "tag",
	[ROUTE_FEED] = "feed",
	[ROUTE_ASSET] = "asset",
	[ROUTE_STATIC] = "static",
	[ROUTE_NOTFOUND] = "notfound",
	[ROUTE_REDIRECT] = "redirect",
	[ROUTE_IMAGE] = "image",
	[ROUTE_ADMIN] = "admin",
	[ROUTE_BAD] = "bad",
};

_Static_assert(sizeof(metrics_statuses) / sizeof(metrics_statuses[0]) ==
    METRICS_NSTATUS - 1, "one slot for other statuses");

struct metrics *
metrics_create(void)
{
	void *p;

	p = mmap(NULL, sizeof(struct metrics), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void
metrics_destroy(struct metrics *m)
{
	if (m != NULL)
		munmap(m, sizeof(*m));
}

static size_t
status_slot(int status)
{
	for (size_t i = 0; i < METRICS_NSTATUS - 1; i++)
		if (metrics_statuses[i] == status)
			return i;
	return METRICS_NSTATUS - 1;
}

void
metrics_count(struct metrics_worker *w, enum route_kind route, int status,
    uint64_t bytes)
{
	if ((unsigned)route >= ROUTE_COUNT)
		route = ROUTE_BAD;
	metrics_add(&w->requests[route][status_slot(status)], 1);
	metrics_add(&w->bytes, bytes);
}

static void emit(char *, size_t, size_t *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends to out at *n, never past outlen. */
static void
emit(char *out, size_t outlen, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= outlen)
		return;
	va_start(ap, fmt);
	r = vsnprintf(out + *n, outlen - *n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	*n += (size_t)r < outlen - *n ? (size_t)r : outlen - *n - 1;
}

static void
emit_requests(const struct metrics *m, char *out, size_t outlen, size_t *n)
{
	emit(out, outlen, n, "# HELP folio_requests_total Responses sent, by"
	    " route kind and status.\n# TYPE folio_requests_total counter\n");
	for (int r = 0; r < ROUTE_COUNT; r++) {
		for (size_t s = 0; s < METRICS_NSTATUS; s++) {
			uint64_t sum = 0;
			for (size_t i = 0; i < METRICS_SLOTS; i++)
				sum += metrics_load(&m->w[i].requests[r][s]);
			if (sum == 0)
				continue;
			if (s < METRICS_NSTATUS - 1)
				emit(out, outlen, n, "folio_requests_total{route="
				    "\"%s\",code=\"%d\"} %llu\n", route_names[r],
				    metrics_statuses[s], (unsigned long long)sum);
			else
				emit(out, outlen, n, "folio_requests_total{route="
				    "\"%s\",code=\"other\"} %llu\n",
				    route_names[r], (unsigned long long)sum);
		}
	}
}

static uint64_t
sum_field(const struct metrics *m, size_t off)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < METRICS_SLOTS; i++)
		sum += metrics_load((const uint64_t *)
		    ((const char *)&m->w[i] + off));
	return sum;
}

static void
emit_one(char *out, size_t outlen, size_t *n, const char *name,
    const char *type, const char *help, unsigned long long v)
{
	emit(out, outlen, n, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n",
	    name, help, name, type, name, v);
}

static void
emit_images(const struct metrics *m, const struct imgcache_counters *ic,
    char *out, size_t outlen, size_t *n)
{
	static const unsigned bounds[] = METRICS_RESIZE_BUCKETS_MS;
	uint64_t sum = 0, ms = metrics_load(&m->resize_ms);

	emit(out, outlen, n, "# HELP folio_image_resize_seconds Time to make a"
	    " resized image (cache misses).\n# TYPE folio_image_resize_seconds"
	    " histogram\n");
	for (size_t b = 0; b <= METRICS_RESIZE_BUCKETS; b++) {
		sum += metrics_load(&m->resize_buckets[b]);
		if (b < METRICS_RESIZE_BUCKETS)
			emit(out, outlen, n, "folio_image_resize_seconds_bucket"
			    "{le=\"%u.%03u\"} %llu\n", bounds[b] / 1000,
			    bounds[b] % 1000, (unsigned long long)sum);
		else
			emit(out, outlen, n, "folio_image_resize_seconds_bucket"
			    "{le=\"+Inf\"} %llu\n", (unsigned long long)sum);
	}
	emit(out, outlen, n, "folio_image_resize_seconds_sum %llu.%03llu\n"
	    "folio_image_resize_seconds_count %llu\n",
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
	    (unsigned long long)sum);
	emit_one(out, outlen, n, "folio_image_resize_failures_total", "counter",
	    "Resizes that failed (corrupt or oversized sources).",
	    metrics_load(&m->resize_failures));
	if (ic == NULL)
		return;
	emit_one(out, outlen, n, "folio_image_cache_hits_total", "counter",
	    "Resized images served from the cache.",
	    metrics_load(&m->image_hits));
	emit_one(out, outlen, n, "folio_image_cache_misses_total", "counter",
	    "Resized images that had to be made.", ic->misses);
	emit_one(out, outlen, n, "folio_image_cache_evictions_total", "counter",
	    "Cache entries removed to stay under cache_max_bytes.",
	    ic->evictions);
	emit_one(out, outlen, n, "folio_image_cache_bytes", "gauge",
	    "Bytes the image cache holds.", ic->bytes);
	emit_one(out, outlen, n, "folio_image_cache_entries", "gauge",
	    "Images the cache holds.", ic->entries);
}

size_t
metrics_format(const struct metrics *m, const struct imgcache_counters *ic,
    char *out, size_t outlen)
{
	size_t n = 0;
	uint64_t ms = metrics_load(&m->build_ms);

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	emit_requests(m, out, outlen, &n);
	emit_one(out, outlen, &n, "folio_response_bytes_total", "counter",
	    "Response bytes sent (headers and bodies).",
	    sum_field(m, offsetof(struct metrics_worker, bytes)));
	emit_one(out, outlen, &n, "folio_connections_total", "counter",
	    "Connections accepted.",
	    sum_field(m, offsetof(struct metrics_worker, connections)));
	emit_one(out, outlen, &n, "folio_connections_active", "gauge",
	    "Connections open now.",
	    sum_field(m, offsetof(struct metrics_worker, active)));
	emit_one(out, outlen, &n, "folio_index_generation", "gauge",
	    "Generation of the published page index.",
	    metrics_load(&m->generation));
	emit_one(out, outlen, &n, "folio_index_entries", "gauge",
	    "Routes in the published page index.", metrics_load(&m->entries));
	emit_one(out, outlen, &n, "folio_index_uncompressed", "gauge",
	    "Pages of the published index still without their gzip and brotli"
	    " variants (the first build after a start leaves them to the next).",
	    metrics_load(&m->deferred));
	emit(out, outlen, &n, "# HELP folio_index_build_seconds Duration of"
	    " the last index build.\n# TYPE folio_index_build_seconds gauge\n"
	    "folio_index_build_seconds %llu.%03llu\n",
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
	emit_one(out, outlen, &n, "folio_index_builds_total", "counter",
	    "Index builds that succeeded.", metrics_load(&m->builds));
	emit_one(out, outlen, &n, "folio_index_build_failures_total", "counter",
	    "Index builds that failed (the previous index kept serving).",
	    metrics_load(&m->build_failures));
	emit_one(out, outlen, &n, "folio_workers", "gauge",
	    "Worker processes alive.", metrics_load(&m->workers));
	emit_one(out, outlen, &n, "folio_worker_respawns_total", "counter",
	    "Workers started again after one died.", metrics_load(&m->respawns));
	emit_one(out, outlen, &n, "folio_fork_failures_total", "counter",
	    "Forks of an index build, a worker or an imager that failed (out of"
	    " processes or memory); each is tried again.",
	    metrics_load(&m->fork_failures));
	emit_images(m, ic, out, outlen, &n);
	return n;
}
