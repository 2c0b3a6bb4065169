/*
 * frontmatter.h: the YAML front matter at the top of a markdown file, parsed
 * with libyaml into struct meta (content.h).
 */
#ifndef FOLIO_FRONTMATTER_H
#define FOLIO_FRONTMATTER_H

#include <stddef.h>

#include "content.h"

/*
 * Parses src[0..len). A file without a leading "---" line has no front
 * matter (and so no title: an error). On success returns 0, fills m, and sets
 * *body_off and *body_line (1-based) to where the markdown body starts. On
 * error returns -1, sets *err_line (1-based line in the file) and writes a
 * short reason ("title is missing", "date: not a date or RFC 3339 time").
 * m is always safe to pass to meta_free().
 */
int	frontmatter_parse(const char *src, size_t len, struct meta *m,
	    size_t *body_off, size_t *body_line, size_t *err_line,
	    char *err, size_t errlen);
void	meta_free(struct meta *m);

#endif
