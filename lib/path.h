/*
 * path.h: from a request-target to a clean site path. Percent-decodes, then
 * resolves dot segments, so that what reaches the router can never name
 * anything outside the site.
 */
#ifndef FOLIO_PATH_H
#define FOLIO_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Normalises target[0..len) (origin-form "/a/b?q", or absolute-form
 * "http://host/a/b?q" whose scheme and authority are dropped) into out, a
 * NUL-terminated path that starts with '/'. Decodes %XX; resolves "." and
 * ".." segments; collapses repeated slashes; keeps a trailing slash. The query
 * (without '?', still encoded) is returned through query/query_len (NULL, 0
 * if none). Returns the length of out, or -1 (answer 400) for: an empty or
 * non-'/' path, a bad %-escape, an encoded or raw NUL, an encoded '/' (%2F)
 * or '\', a control byte, a ".." that would climb above the root, or a result
 * that does not fit outlen.
 */
int	path_normalize(const char *target, size_t len, char *out, size_t outlen,
	    const char **query, size_t *query_len);

/*
 * Finds key in an encoded query string ("url=%2Fimages%2Fa.jpg&w=640") and
 * decodes its value into out (NUL-terminated). Returns the value's length,
 * -1 if absent, -2 if present more than once, malformed or too long.
 */
int	query_get(const char *query, size_t len, const char *key, char *out,
	    size_t outlen);

/*
 * True if rel[0..len) is a clean relative path, as the index names a
 * source: not empty, not starting with '/', no empty, "." or ".." segment
 * (so no "//" and no trailing '/'), no NUL, backslash or control byte. Such
 * a path cannot leave the directory it is taken under except through a
 * symlink (open_beneath() closes that).
 */
bool	path_rel_clean(const char *rel, size_t len);

#endif
