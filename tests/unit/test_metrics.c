/*
 * test_metrics.c: counting responses in worker slots and the Prometheus
 * text that sums them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "test.h"

static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

int
main(void)
{
	struct metrics *m = metrics_create();
	static char text[METRICS_TEXT_MAX];
	size_t n;

	ok(m != NULL, "shared mapping");
	if (m == NULL)
		return test_done();
	metrics_count(&m->w[0], ROUTE_POST, 200, 1000);
	metrics_count(&m->w[3], ROUTE_POST, 200, 500);
	metrics_count(&m->w[3], ROUTE_NOTFOUND, 404, 10);
	metrics_count(&m->w[1], ROUTE_BAD, 418, 1);
	metrics_count(&m->w[1], (enum route_kind)99, 400, 1);
	metrics_store(&m->generation, 7);
	metrics_store(&m->build_ms, 1234);
	metrics_store(&m->workers, 2);
	metrics_add(&m->fork_failures, 3);
	n = metrics_format(m, NULL, text, sizeof(text));
	ok(n == strlen(text) && n > 0, "length matches");
	ok(has_line(text, "folio_requests_total{route=\"post\",code=\"200\"} 2"),
	    "slots are summed");
	ok(has_line(text, "folio_requests_total{route=\"notfound\",code=\"404\"} 1"),
	    "404 counted");
	ok(has_line(text, "folio_requests_total{route=\"bad\",code=\"other\"} 1"),
	    "unlisted status goes to other");
	ok(has_line(text, "folio_requests_total{route=\"bad\",code=\"400\"} 1"),
	    "an unknown route kind counts as bad");
	ok(has_line(text, "folio_response_bytes_total 1512"), "bytes summed");
	ok(has_line(text, "folio_index_generation 7"), "generation");
	ok(has_line(text, "folio_index_build_seconds 1.234"), "build seconds");
	ok(has_line(text, "folio_workers 2"), "workers");
	ok(has_line(text, "folio_fork_failures_total 3"), "fork failures");
	ok(strstr(text, "route=\"page\"") == NULL, "zero series are left out");
	ok(strstr(text, "# TYPE folio_requests_total counter\n") != NULL,
	    "TYPE line");

	n = metrics_format(m, NULL, text, 64);
	ok(n < 64 && text[n] == '\0', "a small buffer truncates safely");
	metrics_destroy(m);
	return test_done();
}
