/*
 * test_http_parse.c: http_parse_request() on valid heads (and every one of
 * their prefixes), hostile bytes at every position, each limit at exactly its
 * value and one over, pipelining; http_request_info() on a table of headers.
 */
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "folio_limits.h"
#include "test.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* Room for the biggest head the tests build: the block limit and some. */
#define BIG_MAX		(HTTP_HEADER_BLOCK_MAX * 2)

static struct http_request req;
/* The copy req points into, until the next parse_n(). */
static char *copy;

/* Parses an exact-size heap copy, so ASan catches a read past the end. */
static int
parse_n(const char *s, size_t n)
{
	free(copy);
	if ((copy = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(copy, s, n);
	return http_parse_request(copy, n, &req);
}

static int
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

static bool
span_eq(const char *p, size_t n, const char *s)
{
	return p != NULL && strlen(s) == n && memcmp(p, s, n) == 0;
}

/* Every proper prefix of s[0..n) must be partial or fail as s does. */
static void
check_prefixes(const char *name, const char *s, size_t n, int whole)
{
	int rc, bad = 0;

	for (size_t k = 0; k < n; k++) {
		rc = parse_n(s, k);
		if (rc != HTTP_PARSE_PARTIAL && (whole > 0 || rc != whole)) {
			ok(0, "%s: prefix %zu gives %d, whole gives %d", name,
			    k, rc, whole);
			bad = 1;
			break;
		}
	}
	ok(!bad, "%s: every prefix partial or consistent", name);
}

/* --- Valid heads ------------------------------------------------------- */

struct valid {
	const char		*name;
	const char		*src;
	enum http_method	 method;
	const char		*method_str;
	const char		*target;
	int			 minor;
	size_t			 nheaders;
	const char		*hname, *hvalue;	/* the last header */
};

static const struct valid valids[] = {
	{ "simple", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 1, "Host", "example.com" },
	{ "1.0 no headers", "HEAD /a?b=c HTTP/1.0\r\n\r\n",
	    HTTP_HEAD, "HEAD", "/a?b=c", 0, 0, NULL, NULL },
	{ "bare LF", "GET /x HTTP/1.1\nHost: h\nAccept: */*\n\n",
	    HTTP_GET, "GET", "/x", 1, 2, "Accept", "*/*" },
	{ "mixed line ends", "GET /x HTTP/1.1\nHost: h\r\nA: b\n\r\n",
	    HTTP_GET, "GET", "/x", 1, 2, "A", "b" },
	{ "leading empty lines", "\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 1, "Host", "h" },
	{ "value blanks trimmed", "GET / HTTP/1.1\r\nX-A: \t a  b \t \r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 1, "X-A", "a  b" },
	{ "empty value", "GET / HTTP/1.1\r\nX-Empty:\r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 1, "X-Empty", "" },
	{ "blank value", "GET / HTTP/1.1\r\nX-Empty: \t \r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 1, "X-Empty", "" },
	{ "obs-text value", "GET / HTTP/1.1\r\nX: caf\xc3\xa9\xff\r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 1, "X", "caf\xc3\xa9\xff" },
	{ "colon in value", "GET / HTTP/1.1\r\nHost: h:8080\r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 1, "Host", "h:8080" },
	{ "token name chars", "GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09aZ: v\r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 1, "!#$%&'*+-.^_`|~09aZ", "v" },
	{ "1.2 is 1.1", "GET / HTTP/1.2\r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 0, NULL, NULL },
	{ "1.9 is 1.1", "GET / HTTP/1.9\r\n\r\n",
	    HTTP_GET, "GET", "/", 1, 0, NULL, NULL },
	{ "POST", "POST /f HTTP/1.1\r\n\r\n",
	    HTTP_POST, "POST", "/f", 1, 0, NULL, NULL },
	{ "PUT", "PUT /f HTTP/1.1\r\n\r\n", HTTP_PUT, "PUT", "/f", 1, 0,
	    NULL, NULL },
	{ "DELETE", "DELETE /f HTTP/1.1\r\n\r\n", HTTP_DELETE, "DELETE",
	    "/f", 1, 0, NULL, NULL },
	{ "OPTIONS *", "OPTIONS * HTTP/1.1\r\n\r\n", HTTP_OPTIONS,
	    "OPTIONS", "*", 1, 0, NULL, NULL },
	{ "PATCH", "PATCH /f HTTP/1.1\r\n\r\n", HTTP_PATCH, "PATCH", "/f",
	    1, 0, NULL, NULL },
	{ "TRACE", "TRACE /f HTTP/1.1\r\n\r\n", HTTP_TRACE, "TRACE", "/f",
	    1, 0, NULL, NULL },
	{ "CONNECT", "CONNECT h:443 HTTP/1.1\r\n\r\n", HTTP_CONNECT,
	    "CONNECT", "h:443", 1, 0, NULL, NULL },
	{ "unknown method", "BREW /pot HTTP/1.1\r\n\r\n", HTTP_OTHER,
	    "BREW", "/pot", 1, 0, NULL, NULL },
	{ "methods are case-sensitive", "get / HTTP/1.1\r\n\r\n", HTTP_OTHER,
	    "get", "/", 1, 0, NULL, NULL },
	{ "GETX is not GET", "GETX / HTTP/1.1\r\n\r\n", HTTP_OTHER,
	    "GETX", "/", 1, 0, NULL, NULL },
	{ "GE is not GET", "GE / HTTP/1.1\r\n\r\n", HTTP_OTHER,
	    "GE", "/", 1, 0, NULL, NULL },
	{ "tchar method", "M-1.x_~! / HTTP/1.1\r\n\r\n", HTTP_OTHER,
	    "M-1.x_~!", "/", 1, 0, NULL, NULL },
	{ "visible ASCII target", "GET /a{}|\\^`\"<>#[]~%zz HTTP/1.1\r\n\r\n",
	    HTTP_GET, "GET", "/a{}|\\^`\"<>#[]~%zz", 1, 0, NULL, NULL },
	{ "absolute-form", "GET http://h/p?q HTTP/1.1\r\nHost: h\r\n\r\n",
	    HTTP_GET, "GET", "http://h/p?q", 1, 1, "Host", "h" },
};

static void
test_valid(void)
{
	const struct valid *v;
	const struct http_header *h;
	size_t n;
	int rc;

	for (size_t i = 0; i < NELEM(valids); i++) {
		v = &valids[i];
		n = strlen(v->src);
		rc = parse(v->src);
		ok(rc == (int)n, "%s: returns %d, want %zu", v->name, rc, n);
		if (rc <= 0)
			continue;
		ok(req.method == v->method, "%s: method %d", v->name,
		    req.method);
		ok(span_eq(req.method_str, req.method_len, v->method_str),
		    "%s: method string", v->name);
		ok(span_eq(req.target, req.target_len, v->target),
		    "%s: target %.*s", v->name, (int)req.target_len,
		    req.target ? req.target : "");
		ok(req.minor == v->minor, "%s: minor %d", v->name, req.minor);
		ok(req.nheaders == v->nheaders, "%s: %zu headers", v->name,
		    req.nheaders);
		if (v->hname == NULL || req.nheaders == 0)
			continue;
		h = &req.headers[req.nheaders - 1];
		ok(span_eq(h->name, h->name_len, v->hname), "%s: name", v->name);
		ok(span_eq(h->value, h->value_len, v->hvalue),
		    "%s: value [%.*s]", v->name, (int)h->value_len, h->value);
	}
}

/* Every truncation point of every valid head asks for more bytes. */
static void
test_partial(void)
{
	for (size_t i = 0; i < NELEM(valids); i++) {
		const char *s = valids[i].src;
		size_t n = strlen(s);
		int bad = 0;

		for (size_t k = 0; k < n; k++) {
			int rc = parse_n(s, k);
			if (rc != HTTP_PARSE_PARTIAL) {
				ok(0, "%s: prefix %zu gives %d", valids[i].name,
				    k, rc);
				bad = 1;
				break;
			}
		}
		ok(!bad, "%s: all %zu prefixes partial", valids[i].name, n);
	}
	ok(parse_n("", 0) == HTTP_PARSE_PARTIAL, "empty buffer");
	ok(parse("\r\n\r\n\n") == HTTP_PARSE_PARTIAL, "only empty lines");
}

/* Several heads in one buffer: the first one's length comes back. */
static void
test_pipelined(void)
{
	static const char *const firsts[] = {
		"GET /a HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /b HTTP/1.1\n\n",
		"HEAD / HTTP/1.0\r\n\r\n",
	};
	static const char *const seconds[] = {
		"GET /c HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /c HTTP/1.1\r\nHo",	/* an unfinished second */
		"\0\x01garbage\x7f",		/* junk: not looked at yet */
		"\r\n",
		"G",
	};
	char buf[256];
	size_t n1, n2;
	int rc;

	for (size_t i = 0; i < NELEM(firsts); i++)
		for (size_t j = 0; j < NELEM(seconds); j++) {
			n1 = strlen(firsts[i]);
			n2 = j == 2 ? 10 : strlen(seconds[j]);
			memcpy(buf, firsts[i], n1);
			memcpy(buf + n1, seconds[j], n2);
			rc = parse_n(buf, n1 + n2);
			ok(rc == (int)n1, "pipelined %zu+%zu: %d, want %zu",
			    i, j, rc, n1);
		}
	/* The second head is found by parsing what follows the first. */
	n1 = strlen(firsts[0]);
	n2 = strlen(seconds[0]);
	memcpy(buf, firsts[0], n1);
	memcpy(buf + n1, seconds[0], n2);
	rc = http_parse_request(buf + n1, n2, &req);
	ok(rc == (int)n2 && span_eq(req.target, req.target_len, "/c"),
	    "second pipelined head");
}

/* --- Errors ------------------------------------------------------------ */

struct bad {
	const char	*name;
	const char	*src;
	size_t		 len;		/* 0: strlen(src) */
	int		 want;
};

static const struct bad bads[] = {
	{ "NUL in method", "G\0T / HTTP/1.1\r\n\r\n", 18, HTTP_PARSE_BAD },
	{ "NUL in target", "GET /\0 HTTP/1.1\r\n\r\n", 19, HTTP_PARSE_BAD },
	{ "NUL in version", "GET / HTTP/1\0.1\r\n\r\n", 19, HTTP_PARSE_BAD },
	{ "NUL in name", "GET / HTTP/1.1\r\nA\0: b\r\n\r\n", 25,
	    HTTP_PARSE_BAD },
	{ "NUL in value", "GET / HTTP/1.1\r\nA: \0b\r\n\r\n", 25,
	    HTTP_PARSE_BAD },
	{ "NUL first", "\0GET / HTTP/1.1\r\n\r\n", 19, HTTP_PARSE_BAD },
	{ "DEL in value", "GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "DEL in target", "GET /\x7f HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "CR in value", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "CR alone ends line", "GET / HTTP/1.1\rHost: h\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "CR CR LF", "GET / HTTP/1.1\r\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "CR alone before head", "\rGET / HTTP/1.1\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "CR alone ends head", "GET / HTTP/1.1\r\n\rX", 0, HTTP_PARSE_BAD },
	{ "VT in value", "GET / HTTP/1.1\r\nA: b\vc\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "ESC in value", "GET / HTTP/1.1\r\nA: \x1b[0m\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "LF in target", "GET /a\nb HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "TAB in target", "GET /a\tb HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "8-bit target", "GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "8-bit method", "G\xc3\x89T / HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "8-bit name", "GET / HTTP/1.1\r\nX\xff: a\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "non-tchar method", "G(T / HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "empty method", " / HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "tab after method", "GET\t/ HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "two spaces", "GET  / HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "space in target", "GET /a b HTTP/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "trailing space", "GET / HTTP/1.1 \r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "HTTP/0.9", "GET /\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "no version", "GET / \r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "lower-case version", "GET / http/1.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "version 1", "GET / HTTP/1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "version 1.", "GET / HTTP/1.\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "version 1.x", "GET / HTTP/1.x\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "version 1.10", "GET / HTTP/1.10\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "version 10.0", "GET / HTTP/10.0\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "version x.1", "GET / HTTP/x.1\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "version 2.0", "GET / HTTP/2.0\r\n\r\n", 0, HTTP_PARSE_VERSION },
	{ "version 2", "GET / HTTP/2\r\n\r\n", 0, HTTP_PARSE_VERSION },
	{ "version 0.9", "GET / HTTP/0.9\r\n\r\n", 0, HTTP_PARSE_VERSION },
	{ "version 3.0", "GET / HTTP/3.0\r\nHost: h\r\n\r\n", 0,
	    HTTP_PARSE_VERSION },
	{ "version 9.9", "GET / HTTP/9.9\r\n\r\n", 0, HTTP_PARSE_VERSION },
	{ "space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "tab before colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "empty name", "GET / HTTP/1.1\r\n: h\r\n\r\n", 0, HTTP_PARSE_BAD },
	{ "space in name", "GET / HTTP/1.1\r\nX Y: h\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "obs-fold SP", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "obs-fold HTAB", "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", 0,
	    HTTP_PARSE_BAD },
	{ "blank before first header", "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
	    0, HTTP_PARSE_BAD },
	{ "blank line with space", "GET / HTTP/1.1\r\nHost: h\r\n \r\n", 0,
	    HTTP_PARSE_BAD },
};

static void
test_bad(void)
{
	const struct bad *b;
	size_t n;
	int rc;

	for (size_t i = 0; i < NELEM(bads); i++) {
		b = &bads[i];
		n = b->len ? b->len : strlen(b->src);
		rc = parse_n(b->src, n);
		ok(rc == b->want, "%s: %d, want %d", b->name, rc, b->want);
		check_prefixes(b->name, b->src, n, b->want);
	}
}

/*
 * Every hostile byte at every position of valid heads: each makes the head
 * bad, never partial and never accepted.
 */
static void
test_hostile_bytes(void)
{
	static const char *const bases[] = {
		"GET /p?q=1 HTTP/1.1\r\nHost: example.com\r\nX-A: b c\r\n\r\n",
		"GET /p HTTP/1.0\nUser-Agent: t\n\n",
	};
	static const unsigned char hostile[] = {
		0x00, 0x01, 0x08, 0x0b, 0x0c, 0x0d, 0x1b, 0x1f, 0x7f,
	};
	char buf[128];
	size_t n;
	int rc, fails;

	for (size_t b = 0; b < NELEM(bases); b++) {
		n = strlen(bases[b]);
		for (size_t h = 0; h < NELEM(hostile); h++) {
			fails = 0;
			for (size_t i = 0; i < n; i++) {
				if ((unsigned char)bases[b][i] == hostile[h])
					continue;
				/* A CR before an LF, or last, is no CR alone. */
				if (hostile[h] == '\r' && (i == n - 1 ||
				    bases[b][i + 1] == '\n'))
					continue;
				memcpy(buf, bases[b], n);
				buf[i] = (char)hostile[h];
				rc = parse_n(buf, n);
				if (rc != HTTP_PARSE_BAD) {
					ok(0, "base %zu: byte 0x%02x at %zu gives"
					    " %d", b, hostile[h], i, rc);
					fails++;
				}
			}
			ok(fails == 0, "base %zu: byte 0x%02x everywhere is bad",
			    b, hostile[h]);
		}
	}
}

/* Fills buf with "GET /aaa... HTTP/1.1" of exactly line bytes, no CRLF. */
static size_t
request_line(char *buf, size_t line)
{
	static const char pre[] = "GET /", post[] = " HTTP/1.1";
	size_t fill = line - (sizeof(pre) - 1) - (sizeof(post) - 1);

	memcpy(buf, pre, sizeof(pre) - 1);
	memset(buf + sizeof(pre) - 1, 'a', fill);
	memcpy(buf + line - (sizeof(post) - 1), post, sizeof(post) - 1);
	return line;
}

static void
test_request_line_limit(void)
{
	static char buf[BIG_MAX];
	size_t n;
	int rc;

	n = request_line(buf, HTTP_REQUEST_LINE_MAX);
	memcpy(buf + n, "\r\n\r\n", 4);
	rc = parse_n(buf, n + 4);
	ok(rc == (int)n + 4, "request line at the limit: %d", rc);
	ok(req.target_len == HTTP_REQUEST_LINE_MAX - strlen("GET  HTTP/1.1"),
	    "its target: %zu bytes", req.target_len);
	memcpy(buf + n, "\n\n", 2);
	ok(parse_n(buf, n + 2) == (int)n + 2, "at the limit with bare LF");
	ok(parse_n(buf, n) == HTTP_PARSE_PARTIAL, "at the limit, unfinished");
	ok(parse_n(buf, n + 1) == HTTP_PARSE_PARTIAL,
	    "at the limit, CR but no LF yet");

	n = request_line(buf, HTTP_REQUEST_LINE_MAX + 1);
	memcpy(buf + n, "\r\n\r\n", 4);
	ok(parse_n(buf, n + 4) == HTTP_PARSE_URI_LONG, "one over: 414");
	ok(parse_n(buf, n) == HTTP_PARSE_URI_LONG, "one over, unfinished");
	ok(parse_n(buf, HTTP_REQUEST_LINE_MAX + 1) == HTTP_PARSE_URI_LONG,
	    "one over, without the version yet");
	ok(parse_n(buf, HTTP_REQUEST_LINE_MAX) == HTTP_PARSE_PARTIAL,
	    "its first limit bytes are still partial");

	/* Leading empty lines are not part of the request line. */
	memcpy(buf, "\r\n\r\n", 4);
	n = request_line(buf + 4, HTTP_REQUEST_LINE_MAX) + 4;
	memcpy(buf + n, "\r\n\r\n", 4);
	ok(parse_n(buf, n + 4) == (int)n + 4, "leading lines don't count");

	/* A long method is part of the line too. */
	memset(buf, 'A', HTTP_REQUEST_LINE_MAX + 1);
	ok(parse_n(buf, HTTP_REQUEST_LINE_MAX + 1) == HTTP_PARSE_URI_LONG,
	    "a long method: 414");
}

/* n header lines "Xnn: v" after a request line; returns the length. */
static size_t
with_headers(char *buf, size_t n, bool end)
{
	size_t len = 0;

	len += (size_t)snprintf(buf, BIG_MAX, "GET / HTTP/1.1\r\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, BIG_MAX - len,
		    "X%zu: v\r\n", i);
	if (end)
		len += (size_t)snprintf(buf + len, BIG_MAX - len, "\r\n");
	return len;
}

static void
test_header_count_limit(void)
{
	static char buf[BIG_MAX];
	size_t n;
	int rc;

	n = with_headers(buf, HTTP_HEADERS_MAX, true);
	rc = parse_n(buf, n);
	ok(rc == (int)n && req.nheaders == HTTP_HEADERS_MAX,
	    "%d fields: %d", HTTP_HEADERS_MAX, rc);
	ok(span_eq(req.headers[HTTP_HEADERS_MAX - 1].name,
	    req.headers[HTTP_HEADERS_MAX - 1].name_len, "X63"), "last field");
	n = with_headers(buf, HTTP_HEADERS_MAX + 1, true);
	ok(parse_n(buf, n) == HTTP_PARSE_TOO_LARGE, "one field over: 431");
	n = with_headers(buf, HTTP_HEADERS_MAX, false);
	ok(parse_n(buf, n) == HTTP_PARSE_PARTIAL, "%d fields, unfinished",
	    HTTP_HEADERS_MAX);
	memcpy(buf + n, "X", 1);
	ok(parse_n(buf, n + 1) == HTTP_PARSE_TOO_LARGE,
	    "the first byte of one more field: 431 at once");
}

/* A head of exactly size bytes: one long header pads it. */
static size_t
head_of(char *buf, size_t size)
{
	static const char pre[] = "GET / HTTP/1.1\r\nX: ", post[] = "\r\n\r\n";
	size_t fill = size - (sizeof(pre) - 1) - (sizeof(post) - 1);

	memcpy(buf, pre, sizeof(pre) - 1);
	memset(buf + sizeof(pre) - 1, 'v', fill);
	memcpy(buf + size - (sizeof(post) - 1), post, sizeof(post) - 1);
	return size;
}

static void
test_block_limit(void)
{
	static char buf[BIG_MAX];
	size_t n;
	int rc;

	n = head_of(buf, HTTP_HEADER_BLOCK_MAX);
	rc = parse_n(buf, n);
	ok(rc == HTTP_HEADER_BLOCK_MAX, "head at the limit: %d", rc);
	ok(parse_n(buf, n - 1) == HTTP_PARSE_PARTIAL,
	    "head at the limit less its last byte");
	n = head_of(buf, HTTP_HEADER_BLOCK_MAX + 1);
	ok(parse_n(buf, n) == HTTP_PARSE_TOO_LARGE, "one over: 431");
	ok(parse_n(buf, HTTP_HEADER_BLOCK_MAX) == HTTP_PARSE_TOO_LARGE,
	    "unfinished at the limit: 431 at once");
	ok(parse_n(buf, HTTP_HEADER_BLOCK_MAX - 1) == HTTP_PARSE_PARTIAL,
	    "unfinished below the limit: partial");
	ok(parse_n(buf, HTTP_HEADER_BLOCK_MAX + 100) == HTTP_PARSE_TOO_LARGE,
	    "well over: 431");

	/* Leading empty lines count against the block. */
	memset(buf, '\n', HTTP_HEADER_BLOCK_MAX);
	ok(parse_n(buf, HTTP_HEADER_BLOCK_MAX) == HTTP_PARSE_TOO_LARGE,
	    "a block of empty lines: 431");
	ok(parse_n(buf, HTTP_HEADER_BLOCK_MAX - 1) == HTTP_PARSE_PARTIAL,
	    "empty lines below the limit: partial");

	/* A head at the limit followed by a second one still parses. */
	n = head_of(buf, HTTP_HEADER_BLOCK_MAX);
	memcpy(buf + n, "GET / HTTP/1.1\r\n\r\n", 18);
	ok(parse_n(buf, n + 18) == HTTP_HEADER_BLOCK_MAX,
	    "pipelined after a full-size head");
}

/* --- http_request_info ------------------------------------------------- */

struct info_case {
	const char	*name;
	const char	*headers;	/* after "GET / HTTP/1.x\r\n" */
	int		 minor;
	const char	*proxy;
	int		 want;
	bool		 keep_alive;
	unsigned	 accept;
	const char	*host;		/* NULL: absent */
	const char	*client;
};

static const struct info_case infos[] = {
	{ "1.1 with Host", "Host: h\r\n", 1, NULL, 0, true, 0, "h", NULL },
	{ "1.1 without Host", "", 1, NULL, 400, false, 0, NULL, NULL },
	{ "1.0 without Host", "", 0, NULL, 0, false, 0, NULL, NULL },
	{ "two Hosts", "Host: a\r\nHost: a\r\n", 1, NULL, 400, false, 0,
	    NULL, NULL },
	{ "two Hosts on 1.0", "Host: a\r\nhost: b\r\n", 0, NULL, 400, false, 0,
	    NULL, NULL },
	{ "lower-case host", "hOsT: h:80\r\n", 1, NULL, 0, true, 0, "h:80",
	    NULL },
	{ "IPv6 Host", "Host: [::1]:8080\r\n", 1, NULL, 0, true, 0,
	    "[::1]:8080", NULL },
	{ "empty Host", "Host:\r\n", 1, NULL, 0, true, 0, "", NULL },
	{ "Host with space", "Host: a b\r\n", 1, NULL, 400, false, 0, NULL,
	    NULL },
	{ "Host with slash", "Host: a/b\r\n", 1, NULL, 400, false, 0, NULL,
	    NULL },
	{ "Host with bad port", "Host: a:8x\r\n", 1, NULL, 400, false, 0,
	    NULL, NULL },
	{ "Host unclosed bracket", "Host: [::1\r\n", 1, NULL, 400, false, 0,
	    NULL, NULL },
	{ "1.0 keep-alive", "Connection: Keep-Alive\r\n", 0, NULL, 0, true, 0,
	    NULL, NULL },
	{ "1.1 close", "Host: h\r\nConnection: close\r\n", 1, NULL, 0, false,
	    0, "h", NULL },
	{ "close in a list", "Host: h\r\nConnection: foo ,CLOSE\r\n", 1, NULL,
	    0, false, 0, "h", NULL },
	{ "close beats keep-alive", "Connection: keep-alive\r\n"
	    "Connection: close\r\n", 0, NULL, 0, false, 0, NULL, NULL },
	{ "closed is not close", "Host: h\r\nConnection: closed\r\n", 1, NULL,
	    0, true, 0, "h", NULL },
	{ "Content-Length 0", "Host: h\r\nContent-Length: 0\r\n", 1, NULL, 0,
	    true, 0, "h", NULL },
	{ "Content-Length 000", "Host: h\r\nContent-Length: 000\r\n", 1, NULL,
	    0, true, 0, "h", NULL },
	{ "two zero lengths", "Host: h\r\nContent-Length: 0\r\n"
	    "content-length: 00\r\n", 1, NULL, 0, true, 0, "h", NULL },
	{ "Content-Length 1", "Host: h\r\nContent-Length: 1\r\n", 1, NULL,
	    400, false, 0, NULL, NULL },
	{ "differing lengths", "Host: h\r\nContent-Length: 0\r\n"
	    "Content-Length: 5\r\n", 1, NULL, 400, false, 0, NULL, NULL },
	{ "empty length", "Host: h\r\nContent-Length:\r\n", 1, NULL, 400,
	    false, 0, NULL, NULL },
	{ "signed length", "Host: h\r\nContent-Length: -0\r\n", 1, NULL, 400,
	    false, 0, NULL, NULL },
	{ "plus length", "Host: h\r\nContent-Length: +0\r\n", 1, NULL, 400,
	    false, 0, NULL, NULL },
	{ "list length", "Host: h\r\nContent-Length: 0, 0\r\n", 1, NULL, 400,
	    false, 0, NULL, NULL },
	{ "hex length", "Host: h\r\nContent-Length: 0x0\r\n", 1, NULL, 400,
	    false, 0, NULL, NULL },
	{ "Transfer-Encoding", "Host: h\r\nTransfer-Encoding: chunked\r\n", 1,
	    NULL, 501, false, 0, NULL, NULL },
	{ "TE on 1.0", "transfer-encoding: gzip\r\n", 0, NULL, 501, false, 0,
	    NULL, NULL },
	{ "TE and bad length", "Host: h\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n", 1, NULL, 400, false, 0, NULL, NULL },
	{ "gzip", "Host: h\r\nAccept-Encoding: gzip\r\n", 1, NULL, 0, true,
	    ACCEPT_GZIP, "h", NULL },
	{ "br", "Host: h\r\nAccept-Encoding: br\r\n", 1, NULL, 0, true,
	    ACCEPT_BROTLI, "h", NULL },
	{ "browser", "Host: h\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n",
	    1, NULL, 0, true, ACCEPT_GZIP | ACCEPT_BROTLI, "h", NULL },
	{ "upper case codings", "Host: h\r\nAccept-Encoding: GZIP,Br\r\n", 1,
	    NULL, 0, true, ACCEPT_GZIP | ACCEPT_BROTLI, "h", NULL },
	{ "x-gzip", "Host: h\r\nAccept-Encoding: x-gzip\r\n", 1, NULL, 0,
	    true, ACCEPT_GZIP, "h", NULL },
	{ "gzip q=0", "Host: h\r\nAccept-Encoding: gzip;q=0, br\r\n", 1, NULL,
	    0, true, ACCEPT_BROTLI, "h", NULL },
	{ "gzip q=0.000", "Host: h\r\nAccept-Encoding: gzip ; Q=0.000\r\n", 1,
	    NULL, 0, true, 0, "h", NULL },
	{ "gzip q=0.001", "Host: h\r\nAccept-Encoding: gzip;q=0.001\r\n", 1,
	    NULL, 0, true, ACCEPT_GZIP, "h", NULL },
	{ "gzip q=1.0", "Host: h\r\nAccept-Encoding: gzip;q=1.0\r\n", 1, NULL,
	    0, true, ACCEPT_GZIP, "h", NULL },
	{ "q over 1", "Host: h\r\nAccept-Encoding: gzip;q=1.5, br;q=2\r\n", 1,
	    NULL, 0, true, 0, "h", NULL },
	{ "q too precise", "Host: h\r\nAccept-Encoding: gzip;q=0.0001\r\n", 1,
	    NULL, 0, true, 0, "h", NULL },
	{ "q not a number", "Host: h\r\nAccept-Encoding: gzip;q=x, br;q=\r\n",
	    1, NULL, 0, true, 0, "h", NULL },
	{ "other params", "Host: h\r\nAccept-Encoding: gzip;level=1;q=0.5\r\n",
	    1, NULL, 0, true, ACCEPT_GZIP, "h", NULL },
	{ "star", "Host: h\r\nAccept-Encoding: *\r\n", 1, NULL, 0, true,
	    ACCEPT_GZIP | ACCEPT_BROTLI, "h", NULL },
	{ "star q=0", "Host: h\r\nAccept-Encoding: *;q=0\r\n", 1, NULL, 0, true,
	    0, "h", NULL },
	{ "star q=0 and gzip", "Host: h\r\nAccept-Encoding: *;q=0, gzip\r\n",
	    1, NULL, 0, true, ACCEPT_GZIP, "h", NULL },
	{ "br q=0 and star", "Host: h\r\nAccept-Encoding: br;q=0, *\r\n", 1,
	    NULL, 0, true, ACCEPT_GZIP, "h", NULL },
	{ "gzip q=0 later", "Host: h\r\nAccept-Encoding: gzip, gzip;q=0\r\n",
	    1, NULL, 0, true, 0, "h", NULL },
	{ "gzip q=0 first", "Host: h\r\nAccept-Encoding: gzip;q=0, gzip\r\n",
	    1, NULL, 0, true, 0, "h", NULL },
	{ "identity only", "Host: h\r\nAccept-Encoding: identity\r\n", 1, NULL,
	    0, true, 0, "h", NULL },
	{ "empty elements", "Host: h\r\nAccept-Encoding: ,, gzip ,\r\n", 1,
	    NULL, 0, true, ACCEPT_GZIP, "h", NULL },
	{ "two fields", "Host: h\r\nAccept-Encoding: gzip\r\n"
	    "Accept-Encoding: br\r\n", 1, NULL, 0, true,
	    ACCEPT_GZIP | ACCEPT_BROTLI, "h", NULL },
	{ "gzipped is not gzip", "Host: h\r\nAccept-Encoding: gzipped, b\r\n",
	    1, NULL, 0, true, 0, "h", NULL },
	{ "webp", "Host: h\r\nAccept: image/avif,image/webp,*/*;q=0.8\r\n", 1,
	    NULL, 0, true, ACCEPT_WEBP, "h", NULL },
	{ "webp upper case", "Host: h\r\nAccept: IMAGE/WebP\r\n", 1, NULL, 0,
	    true, ACCEPT_WEBP, "h", NULL },
	{ "webp q=0", "Host: h\r\nAccept: image/webp;q=0, */*\r\n", 1, NULL,
	    0, true, 0, "h", NULL },
	{ "image wildcard", "Host: h\r\nAccept: image/*, */*\r\n", 1, NULL, 0,
	    true, 0, "h", NULL },
	{ "webp in a quoted param", "Host: h\r\n"
	    "Accept: text/html;x=\"a,image/webp\"\r\n", 1, NULL, 0, true, 0,
	    "h", NULL },
	{ "quoted comma then webp", "Host: h\r\n"
	    "Accept: text/x;a=\"\\\",\", image/webp\r\n", 1, NULL, 0, true,
	    ACCEPT_WEBP, "h", NULL },
	{ "proxy header", "Host: h\r\ncf-connecting-ip: 192.0.2.1 \r\n", 1,
	    "CF-Connecting-IP", 0, true, 0, "h", "192.0.2.1" },
	{ "proxy header twice", "Host: h\r\nCF-Connecting-IP: 192.0.2.1\r\n"
	    "CF-Connecting-IP: 192.0.2.1\r\n", 1, "CF-Connecting-IP", 0, true,
	    0, "h", NULL },
	{ "proxy header not trusted", "Host: h\r\nCF-Connecting-IP: 1.2.3.4\r\n",
	    1, NULL, 0, true, 0, "h", NULL },
	{ "proxy header empty name", "Host: h\r\nX: 1.2.3.4\r\n", 1, "", 0,
	    true, 0, "h", NULL },
	{ "proxy header absent", "Host: h\r\n", 1, "X-Real-IP", 0, true, 0,
	    "h", NULL },
	{ "proxy header empty", "Host: h\r\nX-Real-IP: \r\n", 1, "X-Real-IP",
	    0, true, 0, "h", NULL },
	{ "proxy header IPv6", "Host: h\r\nX-Real-IP: 2001:db8::1\r\n", 1,
	    "X-Real-IP", 0, true, 0, "h", "2001:db8::1" },
	{ "proxy list: the last", "Host: h\r\n"
	    "X-Forwarded-For: 203.0.113.9, 10.0.0.1 ,192.0.2.7 \r\n", 1,
	    "X-Forwarded-For", 0, true, 0, "h", "192.0.2.7" },
	{ "proxy header not an address", "Host: h\r\nX-Real-IP: 1.2.3.4 -"
	    " - [01/Jan/2000:00:00:00 +0000] \"GET /x HTTP/1.1\"\r\n", 1,
	    "X-Real-IP", 0, true, 0, "h", NULL },
	{ "proxy header a name", "Host: h\r\nX-Real-IP: localhost\r\n", 1,
	    "X-Real-IP", 0, true, 0, "h", NULL },
	{ "proxy list ending in junk", "Host: h\r\n"
	    "X-Forwarded-For: 192.0.2.7, evil\r\n", 1, "X-Forwarded-For", 0,
	    true, 0, "h", NULL },
	{ "proxy list ending empty", "Host: h\r\n"
	    "X-Forwarded-For: 192.0.2.7,\r\n", 1, "X-Forwarded-For", 0,
	    true, 0, "h", NULL },
};

static void
test_info(void)
{
	const struct info_case *c;
	struct http_info info;
	char buf[1024];
	int n, rc;

	for (size_t i = 0; i < NELEM(infos); i++) {
		c = &infos[i];
		n = snprintf(buf, sizeof(buf), "GET / HTTP/1.%d\r\n%s\r\n",
		    c->minor, c->headers);
		/* In place: the results point into buf. */
		if ((rc = http_parse_request(buf, (size_t)n, &req)) != n) {
			ok(0, "%s: parse %d", c->name, rc);
			continue;
		}
		rc = http_request_info(&req, c->proxy, &info);
		ok(rc == c->want, "%s: %d, want %d", c->name, rc, c->want);
		if (rc != 0) {
			ok(!info.keep_alive, "%s: no keep-alive", c->name);
			continue;
		}
		ok(info.keep_alive == c->keep_alive, "%s: keep-alive %d",
		    c->name, info.keep_alive);
		ok(info.accept == c->accept, "%s: accept %#x, want %#x",
		    c->name, info.accept, c->accept);
		ok(c->host ? span_eq(info.host, info.host_len, c->host) :
		    info.host == NULL, "%s: host", c->name);
		ok(c->client ? span_eq(info.client, info.client_len, c->client) :
		    info.client == NULL && info.client_len == 0, "%s: client",
		    c->name);
	}
}

static void
test_info_copies(void)
{
	static const char one[] = "GET / HTTP/1.1\r\nHost: h\r\n"
	    "If-None-Match: \"abc\", W/\"def\"\r\nRange: bytes=0-99\r\n"
	    "User-Agent: curl/8.0\r\nReferer: https://example.org/\r\n\r\n";
	static const char two[] = "GET / HTTP/1.1\r\nHost: h\r\n"
	    "If-None-Match: \"a\"\r\nif-none-match: \"b\"\r\n"
	    "Range: bytes=0-1\r\nRANGE: bytes=2-3\r\n"
	    "User-Agent: first\r\nUser-Agent: second\r\n"
	    "Referer: r1\r\nReferer: r2\r\n\r\n";
	struct http_info info;

	ok(http_parse_request(one, sizeof(one) - 1, &req) > 0 &&
	    http_request_info(&req, NULL, &info) == 0, "copies: parse");
	ok(span_eq(info.if_none_match, info.if_none_match_len,
	    "\"abc\", W/\"def\""), "If-None-Match copied");
	ok(span_eq(info.range, info.range_len, "bytes=0-99"), "Range copied");
	ok(span_eq(info.user_agent, info.user_agent_len, "curl/8.0"),
	    "User-Agent copied");
	ok(span_eq(info.referer, info.referer_len, "https://example.org/"),
	    "Referer copied");

	ok(http_parse_request(two, sizeof(two) - 1, &req) > 0 &&
	    http_request_info(&req, NULL, &info) == 0, "repeats: parse");
	ok(info.if_none_match == NULL && info.if_none_match_len == 0,
	    "two If-None-Match: none used");
	ok(info.range == NULL && info.range_len == 0, "two Range: none used");
	ok(span_eq(info.user_agent, info.user_agent_len, "first"),
	    "two User-Agent: the first");
	ok(span_eq(info.referer, info.referer_len, "r1"),
	    "two Referer: the first");

	static const char cond[] = "GET / HTTP/1.1\r\nHost: h\r\n"
	    "If-Match: \"m\"\r\nIf-Modified-Since: ims\r\n"
	    "If-Unmodified-Since: ius\r\nIf-Range: \"r\"\r\n\r\n";
	ok(http_parse_request(cond, sizeof(cond) - 1, &req) > 0 &&
	    http_request_info(&req, NULL, &info) == 0 &&
	    span_eq(info.if_match, info.if_match_len, "\"m\"") &&
	    span_eq(info.if_modified_since, info.if_modified_since_len,
	    "ims") && span_eq(info.if_unmodified_since,
	    info.if_unmodified_since_len, "ius") &&
	    span_eq(info.if_range, info.if_range_len, "\"r\""),
	    "conditional fields copied");
	static const char cond2[] = "GET / HTTP/1.1\r\nHost: h\r\n"
	    "If-Match: \"a\"\r\nIf-Match: \"b\"\r\nIf-Range: \"a\"\r\n"
	    "If-Range: \"b\"\r\nIf-Modified-Since: x\r\n"
	    "If-Modified-Since: y\r\nIf-Unmodified-Since: x\r\n"
	    "If-Unmodified-Since: y\r\n\r\n";
	ok(http_parse_request(cond2, sizeof(cond2) - 1, &req) > 0 &&
	    http_request_info(&req, NULL, &info) == 0 &&
	    info.if_match == NULL && info.if_range == NULL &&
	    info.if_modified_since == NULL &&
	    info.if_unmodified_since == NULL,
	    "repeated conditional fields: none used");

	ok(http_parse_request("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, &req) ==
	    27 && http_request_info(&req, NULL, &info) == 0 &&
	    info.if_none_match == NULL && info.range == NULL &&
	    info.if_match == NULL && info.if_range == NULL &&
	    info.user_agent == NULL && info.referer == NULL &&
	    info.client == NULL, "absent headers are NULL");
}

int
main(void)
{
	test_valid();
	test_partial();
	test_pipelined();
	test_bad();
	test_hostile_bytes();
	test_request_line_limit();
	test_header_count_limit();
	test_block_limit();
	test_info();
	test_info_copies();
	free(copy);
	return test_done();
}
