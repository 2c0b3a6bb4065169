/*
 * frontmatter.h: the YAML front matter at the top of a markdown file, parsed
 * with libyaml into struct meta (content.h).
 */
#ifndef FOLIO_FRONTMATTER_H
#define FOLIO_FRONTMATTER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

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

/*
 * Parses YYYY-MM-DD or an RFC 3339 time (also with a space for the T, as
 * YAML allows; a missing zone means UTC) from s[0..n). Returns 0 with the
 * UTC time and whether a time of day was given, or -1.
 */
int	frontmatter_time(const char *s, size_t n, time_t *t, bool *has_time);

#endif
