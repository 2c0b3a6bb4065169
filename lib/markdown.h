/*
 * markdown.h: markdown to HTML with cmark-gfm (tables, strikethrough,
 * autolinks, task lists); headings get ids; raw HTML is dropped unless
 * allowed; local images become responsive <img> tags through /_img when
 * the caller can say what they are.
 */
#ifndef FOLIO_MARKDOWN_H
#define FOLIO_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

struct markdown_out {
	char	*html;		/* malloc'd, NUL-terminated */
	size_t	 html_len;
};

/* What a resolver knows about one local image. */
struct md_image {
	char		url[IMAGE_URL_MAX];	/* site path, "/images/a.jpg" */
	char		version[IMAGE_VERSION_MAX + 1];	/* file_version() */
	uint32_t	width, height;		/* as displayed (EXIF) */
};

/*
 * How to turn local images into responsive ones. resolve() is asked about
 * every image whose URL is local (no scheme, not "//host"), with the URL as
 * written (markdown escapes undone, nothing else) and the line of md it is
 * on (1-based). It fills out and returns true, or returns false to keep a
 * plain <img> (logging why is its business).
 */
struct markdown_images {
	bool	(*resolve)(void *arg, const char *url, size_t line,
		    struct md_image *out);
	void		*arg;
	const int	*widths;	/* /_img's width allowlist, ascending */
	size_t		 nwidths;
	int		 quality;	/* the q= of every URL */
};

/*
 * images may be NULL: every image stays a plain <img>. Returns 0, or -1 if
 * cmark fails: errno EFBIG when the document would take cmark more than
 * MDARENA_MAX bytes (markdown built to blow it up), ENOMEM otherwise.
 */
int	markdown_render(const char *md, size_t len, bool unsafe_html,
	    const struct markdown_images *images, struct markdown_out *out);

/* True if url is a path on this site: no scheme ("https:", "data:"), not
 * network-path ("//host/x"), not empty. */
bool	markdown_url_local(const char *url);

/*
 * Resolves a local image url written in the document at doc_url ("/posts/x")
 * to the site path a browser would fetch: query and fragment dropped,
 * %-escapes decoded, a relative path taken against doc_url's directory
 * ("fig.png" in /posts/x is /posts/fig.png), "." and ".." segments
 * removed. Returns NULL, or why it cannot (a bad %-escape, an encoded '/',
 * NUL or control byte, too long for out).
 */
const char *markdown_image_path(const char *doc_url, const char *url,
	    char *out, size_t outlen);

#endif
