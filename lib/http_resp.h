/*
 * http_resp.h: the pieces of HTTP responses built per request: status
 * reasons, the Date header, entity tags, byte ranges.
 */
#ifndef FOLIO_HTTP_RESP_H
#define FOLIO_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HTTP_DATE_LEN	29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */

/* "OK", "Not Found", ...; "Unknown" for a status we never send. */
const char *http_status_text(int status);

/* Writes the IMF-fixdate for t into out (HTTP_DATE_LEN + 1 bytes). */
void	http_date(time_t t, char *out);

/*
 * True if an If-None-Match value matches: "*" or any listed tag (weak or
 * strong) whose opaque part starts with the ETAG_CORE_LEN hex digits of
 * core, followed by the closing quote or a "-" suffix ("-gz", "-br").
 */
bool	http_etag_match(const char *inm, size_t len, const char *core);

/*
 * Parses a Range value for a body of size bytes. Supports one range of the
 * forms "bytes=a-b", "bytes=a-" and "bytes=-n". Returns 0 with the inclusive
 * range in *first and *last; 1 if it is unsatisfiable (answer 416); -1 if the
 * header is malformed, has several ranges or another unit (serve it whole).
 */
int	http_range(const char *v, size_t len, uint64_t size, uint64_t *first,
	    uint64_t *last);

#endif
