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
/* Logged, never sent: the client left before any of the response went out
 * (nginx's "client closed request"). */
#define HTTP_STATUS_CLIENT_CLOSED	499

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
 * True if an If-Match value holds: "*", or a listed strong tag for core as
 * http_etag_match() has it (a weak tag never matches: RFC 9110 13.1.1).
 */
bool	http_if_match(const char *im, size_t len, const char *core);

/*
 * True if an If-Range value lets a Range be served (RFC 9110 13.1.5): it is
 * the strong tag "core" itself, or exactly the Last-Modified date lastmod.
 * Anything else, a weak tag included, means the whole body.
 */
bool	http_if_range(const char *v, size_t len, const char *core,
	    const char *lastmod);

/*
 * Parses an HTTP-date in any of its three forms (IMF-fixdate, RFC 850,
 * asctime) into *t. Returns false for anything else, which a condition
 * then ignores (RFC 9110 13.1.3).
 */
bool	http_date_parse(const char *v, size_t len, time_t *t);

/*
 * Parses a Range value for a body of size bytes. Supports one range of the
 * forms "bytes=a-b", "bytes=a-" and "bytes=-n". Returns 0 with the inclusive
 * range in *first and *last; 1 if it is unsatisfiable (answer 416); -1 if the
 * header is malformed, has several ranges or another unit (serve it whole).
 */
int	http_range(const char *v, size_t len, uint64_t size, uint64_t *first,
	    uint64_t *last);

#endif
