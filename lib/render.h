/*
 * render.h: the built-in theme. Turns the site (content.h) into complete
 * HTML5 pages: index pages, posts, pages, the tag list, tag pages and the
 * 404 page, plus the one CSS file they share. All output is built with
 * buf.h and every piece of text from content is HTML-escaped.
 */
#ifndef FOLIO_RENDER_H
#define FOLIO_RENDER_H

#include <stddef.h>

#include "content.h"

struct render_ctx {
	const struct site *site;
	const char	*base_url;	/* "https://blog.example.org", no trailing slash */
	const char	*title;		/* site title */
	const char	*description;	/* site description, the fallback meta description */
	const char	*author;
	const char	*language;	/* "en" */
	const char	*css_url;	/* "/assets/style.<hash>.css" */
	size_t		 per_page;	/* posts on one index page */
};

/* What the page of a post or page shows as its body. */
enum render_body {
	RENDER_TEXT,		/* its text */
	RENDER_NOTICE,		/* a short notice in its place: for a post or
				 * page whose page would pass PAGE_BYTES_MAX,
				 * so that the links to it from every other
				 * page lead somewhere that says why */
};

/* Each returns a malloc'd page and its length, or NULL (logged by caller). */
char	*render_index(const struct render_ctx *r, size_t page, size_t *len);	/* page is 1-based */
size_t	 render_index_pages(const struct render_ctx *r);			/* at least 1 */
char	*render_post(const struct render_ctx *r, size_t i,
	    enum render_body body, size_t *len);		/* site->posts[i] */
char	*render_page(const struct render_ctx *r, size_t i,
	    enum render_body body, size_t *len);		/* site->pages[i] */
char	*render_tags(const struct render_ctx *r, size_t *len);
char	*render_tag(const struct render_ctx *r, size_t i, size_t *len);	/* site->tags[i] */
char	*render_404(const struct render_ctx *r, size_t *len);

/* The theme's stylesheet (static, not to be freed). */
const char *render_css(size_t *len);

#endif
