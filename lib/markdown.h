/*
 * markdown.h: markdown to HTML with cmark-gfm (tables, strikethrough,
 * autolinks, task lists); headings get ids; raw HTML is dropped unless
 * allowed.
 */
#ifndef FOLIO_MARKDOWN_H
#define FOLIO_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

struct markdown_out {
	char	*html;		/* malloc'd, NUL-terminated */
	size_t	 html_len;
	size_t	 words;		/* words of text, for the reading time */
};

/* Returns 0, or -1 if cmark fails (out of memory). */
int	markdown_render(const char *md, size_t len, bool unsafe_html,
	    struct markdown_out *out);

#endif
