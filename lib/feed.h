/*
 * feed.h: what the site says to machines: the Atom feed (newest entries,
 * full content), sitemap.xml and robots.txt.
 */
#ifndef FOLIO_FEED_H
#define FOLIO_FEED_H

#include <stddef.h>

#include "render.h"

/* Each returns a malloc'd document and its length, or NULL. */
char	*feed_atom(const struct render_ctx *r, size_t entries, size_t *len);
char	*feed_sitemap(const struct render_ctx *r, size_t *len);
char	*feed_robots(const struct render_ctx *r, size_t *len);

#endif
