/*
 * feed.h: what the site says to machines: the Atom feed (newest entries,
 * full content), sitemap.xml and robots.txt.
 */
#ifndef FOLIO_FEED_H
#define FOLIO_FEED_H

#include <stddef.h>

#include "render.h"

/* Each returns a malloc'd document and its length, or NULL. */
/*
 * The newest entries posts, each with its content (escaped HTML), within
 * PAGE_BYTES_MAX: a post whose content passes FEED_CONTENT_MAX, or for
 * which the feed has no room left, gets its summary and link only, and
 * when even that does not fit the feed ends before it. Each is logged as
 * "src:1: ..." and counted in *problems (if not NULL).
 */
char	*feed_atom(const struct render_ctx *r, size_t entries, size_t *len,
	    size_t *problems);
char	*feed_sitemap(const struct render_ctx *r, size_t *len);
char	*feed_robots(const struct render_ctx *r, size_t *len);

#endif
