/*
 * http_parse.h: the HTTP/1.x request parser. Stateless and allocation-free in
 * the manner of picohttpparser: give it the bytes received so far and it
 * either finds a complete, valid header block, asks for more, or says which
 * error status the request deserves. Results point into the caller's buffer.
 */
#ifndef FOLIO_HTTP_PARSE_H
#define FOLIO_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "folio_limits.h"

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_PATCH,
	HTTP_TRACE,
	HTTP_CONNECT,
	HTTP_OTHER,	/* a valid token we do not know: 501 */
};

/* Negative results of http_parse_request(). */
#define HTTP_PARSE_BAD		(-1)	/* 400 */
#define HTTP_PARSE_PARTIAL	(-2)	/* need more bytes */
#define HTTP_PARSE_URI_LONG	(-3)	/* 414 */
#define HTTP_PARSE_TOO_LARGE	(-4)	/* 431 */
#define HTTP_PARSE_VERSION	(-5)	/* 505 */

struct http_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* leading and trailing blanks trimmed */
	size_t		 value_len;
};

struct http_request {
	enum http_method method;
	const char	*method_str;
	size_t		 method_len;
	const char	*target;	/* request-target as sent */
	size_t		 target_len;
	int		 minor;		/* HTTP/1.<minor>: 0 or 1 */
	struct http_header headers[HTTP_HEADERS_MAX];
	size_t		 nheaders;
};

/*
 * Parses one request head from buf[0..len). Returns the number of bytes the
 * head takes (through the empty line) when complete, or one of the negative
 * HTTP_PARSE_* codes. Accepts a bare LF as line end; rejects obsolete line
 * folding, NUL and other control bytes, whitespace before a header's colon,
 * and a request line over HTTP_REQUEST_LINE_MAX or a head over
 * HTTP_HEADER_BLOCK_MAX. Leading empty lines before the request line are
 * skipped (RFC 9112 2.2). A partial head that already breaks a limit or the
 * syntax fails at once instead of waiting for more bytes.
 */
int	http_parse_request(const char *buf, size_t len, struct http_request *req);

/* Accept-Encoding and Accept preferences. */
#define ACCEPT_GZIP	0x1
#define ACCEPT_BROTLI	0x2
#define ACCEPT_WEBP	0x4

/* What the server needs to know from a parsed request's headers. */
struct http_info {
	bool		 keep_alive;	/* 1.1 unless "close"; 1.0 only with "keep-alive" */
	const char	*host;		/* NULL if absent */
	size_t		 host_len;
	/* Conditional-request fields (RFC 9110 13.1), each NULL if absent
	 * or repeated; respond.c evaluates them. */
	const char	*if_match;
	size_t		 if_match_len;
	const char	*if_none_match;
	size_t		 if_none_match_len;
	const char	*if_modified_since;
	size_t		 if_modified_since_len;
	const char	*if_unmodified_since;
	size_t		 if_unmodified_since_len;
	const char	*if_range;
	size_t		 if_range_len;
	const char	*range;
	size_t		 range_len;
	const char	*user_agent;
	size_t		 user_agent_len;
	const char	*referer;
	size_t		 referer_len;
	const char	*client;	/* the trusted proxy header's address,
					 * if it holds one (the last of a list) */
	size_t		 client_len;
	unsigned	 accept;	/* ACCEPT_* bits; q=0 excludes */
};

/*
 * Checks a parsed request's headers and fills info. proxy_header names the
 * header carrying the client address ("CF-Connecting-IP"), or is NULL.
 * Returns 0 if the request may be served, or the status to refuse it with:
 * 400 for a missing Host on HTTP/1.1, more than one Host, a malformed or
 * non-zero Content-Length (no bodies accepted); 501 for Transfer-Encoding.
 * After any refusal the connection is closed.
 */
int	http_request_info(const struct http_request *req,
	    const char *proxy_header, struct http_info *info);

#endif
