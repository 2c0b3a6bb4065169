/*
 * admin.c: the admin listener's routes: /healthz (the worker's loop is
 * alive), /readyz (an index is loaded, so the site can be served) and
 * /metrics (Prometheus text). Never reachable on the public listener.
 */
#include "foliod.h"

#include <stdlib.h>
#include <string.h>

#define METRICS_TYPE	"text/plain; version=0.0.4; charset=utf-8"

static void
respond_metrics(struct worker *w, struct conn *c)
{
	static const char fail[] = "500 Internal Server Error\n";
	size_t len;

	if ((c->dyn = malloc(METRICS_TEXT_MAX)) == NULL) {
		respond_text(w, c, 500, NULL, "", fail, sizeof(fail) - 1);
		return;
	}
	struct imgcache_counters ic;

	if (w->have_cache)
		imgcache_counters(&w->cache, &ic);
	len = metrics_format(w->m, w->have_cache ? &ic : NULL, c->dyn,
	    METRICS_TEXT_MAX);
	respond_text(w, c, 200, METRICS_TYPE, "", c->dyn, len);
}

void
admin_respond(struct worker *w, struct conn *c, const char *path)
{
	static const char ok[] = "ok\n", ready[] = "ready\n",
	    unready[] = "not ready: no index loaded yet\n",
	    crashing[] = "not ready: workers keep dying and are respawned"
	    " with backoff\n",
	    notfound[] = "404 Not Found: the admin listener serves /healthz,"
	    " /readyz and /metrics\n";

	c->route = ROUTE_ADMIN;
	if (strcmp(path, "/healthz") == 0)
		respond_text(w, c, 200, NULL, "", ok, sizeof(ok) - 1);
	else if (strcmp(path, "/readyz") == 0 &&
	    metrics_load(&w->m->backoff))
		respond_text(w, c, 503, NULL, "", crashing, sizeof(crashing) - 1);
	else if (strcmp(path, "/readyz") == 0 && w->cur != NULL)
		respond_text(w, c, 200, NULL, "", ready, sizeof(ready) - 1);
	else if (strcmp(path, "/readyz") == 0)
		respond_text(w, c, 503, NULL, "", unready, sizeof(unready) - 1);
	else if (strcmp(path, "/metrics") == 0)
		respond_metrics(w, c);
	else
		respond_text(w, c, 404, NULL, "", notfound, sizeof(notfound) - 1);
}
