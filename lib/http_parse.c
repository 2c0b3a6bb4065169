/*
 * http_parse.c: the HTTP/1.x request-head parser and the header checks of
 * http_parse.h. The parser reads the bytes once, front to back, deciding at
 * each byte, so any prefix of a head gives either "partial" or the answer the
 * whole head gives. Nothing is allocated; results point into the buffer.
 */
#include "http_parse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

/* q-values are kept in thousandths: "q=0.5" is 500, no q at all is 1000. */
#define QVALUE_MAX	1000
/* "0." or "1." and at most three decimals (RFC 9110 12.4.2). */
#define QVALUE_LEN_MAX	5

struct scan {
	const char	*buf;
	size_t		 len;
	size_t		 pos;
	size_t		 line;		/* where the request line starts */
	bool		 in_line;	/* HTTP_REQUEST_LINE_MAX applies */
};

static const struct {
	const char		*name;
	enum http_method	 method;
} methods[] = {
	{ "GET",	HTTP_GET },
	{ "HEAD",	HTTP_HEAD },
	{ "POST",	HTTP_POST },
	{ "PUT",	HTTP_PUT },
	{ "DELETE",	HTTP_DELETE },
	{ "OPTIONS",	HTTP_OPTIONS },
	{ "PATCH",	HTTP_PATCH },
	{ "TRACE",	HTTP_TRACE },
	{ "CONNECT",	HTTP_CONNECT },
};

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* tchar of RFC 9110 5.6.2: what methods and field names are made of. */
static bool
is_tchar(int c)
{
	return is_digit(c) || is_alpha(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * The byte at s->pos (0-255), or a negative code when the head outgrows a
 * limit at this byte or the bytes run out. Only a line end may stand past
 * HTTP_REQUEST_LINE_MAX bytes of request line.
 */
static int
scan_peek(const struct scan *s)
{
	int c;

	if (s->pos >= HTTP_HEADER_BLOCK_MAX)
		return HTTP_PARSE_TOO_LARGE;
	if (s->pos >= s->len)
		return HTTP_PARSE_PARTIAL;
	c = (unsigned char)s->buf[s->pos];
	if (s->in_line && s->pos - s->line >= HTTP_REQUEST_LINE_MAX &&
	    c != '\r' && c != '\n')
		return HTTP_PARSE_URI_LONG;
	return c;
}

/* Consumes a line end, CR LF or a bare LF, that starts at s->pos. */
static int
scan_eol(struct scan *s)
{
	int c;

	if ((c = scan_peek(s)) < 0)
		return c;
	if (c == '\r') {
		s->pos++;
		if ((c = scan_peek(s)) < 0)
			return c;
	}
	if (c != '\n')
		return HTTP_PARSE_BAD;
	s->pos++;
	return 0;
}

/* Consumes the literal lit. */
static int
scan_expect(struct scan *s, const char *lit)
{
	int c;

	for (; *lit != '\0'; lit++) {
		if ((c = scan_peek(s)) < 0)
			return c;
		if (c != (unsigned char)*lit)
			return HTTP_PARSE_BAD;
		s->pos++;
	}
	return 0;
}

/* RFC 9112 2.2: empty lines before the request line are ignored. */
static int
skip_empty_lines(struct scan *s)
{
	int c, rc;

	for (;;) {
		if ((c = scan_peek(s)) < 0)
			return c;
		if (c != '\r' && c != '\n')
			return 0;
		if ((rc = scan_eol(s)) < 0)
			return rc;
	}
}

static enum http_method
method_lookup(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strlen(methods[i].name) == n &&
		    memcmp(methods[i].name, p, n) == 0)
			return methods[i].method;
	return HTTP_OTHER;
}

/* method SP: a token, case-sensitive. */
static int
parse_method(struct scan *s, struct http_request *req)
{
	size_t start = s->pos;
	int c;

	while ((c = scan_peek(s)) >= 0 && is_tchar(c))
		s->pos++;
	if (c < 0)
		return c;
	if (c != ' ' || s->pos == start)
		return HTTP_PARSE_BAD;
	req->method_str = s->buf + start;
	req->method_len = s->pos - start;
	req->method = method_lookup(req->method_str, req->method_len);
	s->pos++;
	return 0;
}

/* request-target SP: visible ASCII only; path.c makes sense of it. */
static int
parse_target(struct scan *s, struct http_request *req)
{
	size_t start = s->pos;
	int c;

	while ((c = scan_peek(s)) >= 0 && c > ' ' && c < 0x7f)
		s->pos++;
	if (c < 0)
		return c;
	if (c != ' ' || s->pos == start)
		return HTTP_PARSE_BAD;
	req->target = s->buf + start;
	req->target_len = s->pos - start;
	s->pos++;
	return 0;
}

/* "HTTP/" DIGIT "." DIGIT line-end; 1.x above 1.1 is answered as 1.1. */
static int
parse_version(struct scan *s, struct http_request *req)
{
	int c, rc;

	if ((rc = scan_expect(s, "HTTP/")) < 0)
		return rc;
	if ((c = scan_peek(s)) < 0)
		return c;
	if (!is_digit(c))
		return HTTP_PARSE_BAD;
	if (c != '1')
		return HTTP_PARSE_VERSION;
	s->pos++;
	if ((rc = scan_expect(s, ".")) < 0)
		return rc;
	if ((c = scan_peek(s)) < 0)
		return c;
	if (!is_digit(c))
		return HTTP_PARSE_BAD;
	req->minor = c == '0' ? 0 : 1;
	s->pos++;
	if ((c = scan_peek(s)) < 0)
		return c;
	if (c != '\r' && c != '\n')
		return HTTP_PARSE_BAD;
	return scan_eol(s);
}

/* name ":" OWS value OWS line-end */
static int
parse_header(struct scan *s, struct http_header *h)
{
	size_t start = s->pos, end;
	int c;

	while ((c = scan_peek(s)) >= 0 && is_tchar(c))
		s->pos++;
	if (c < 0)
		return c;
	if (c != ':' || s->pos == start)
		return HTTP_PARSE_BAD;
	h->name = s->buf + start;
	h->name_len = s->pos - start;
	s->pos++;
	while ((c = scan_peek(s)) >= 0 && is_ows(c))
		s->pos++;
	start = end = s->pos;
	for (;;) {
		if ((c = scan_peek(s)) < 0)
			return c;
		if (c == '\r' || c == '\n')
			break;
		/* HTAB and SP are the only control bytes a value may hold;
		 * DEL is not a VCHAR; obs-text (0x80-0xff) is allowed. */
		if (!is_ows(c) && (c < ' ' || c == 0x7f))
			return HTTP_PARSE_BAD;
		s->pos++;
		if (!is_ows(c))
			end = s->pos;
	}
	h->value = s->buf + start;
	h->value_len = end - start;
	return scan_eol(s);
}

static int
parse_headers(struct scan *s, struct http_request *req)
{
	int c, rc;

	for (;;) {
		if ((c = scan_peek(s)) < 0)
			return c;
		if (c == '\r' || c == '\n')
			return scan_eol(s);
		/* obs-fold, or blanks between the request line and the first
		 * field (RFC 9112 2.2, 5.2): both are refused. */
		if (is_ows(c))
			return HTTP_PARSE_BAD;
		if (req->nheaders == HTTP_HEADERS_MAX)
			return HTTP_PARSE_TOO_LARGE;
		if ((rc = parse_header(s, &req->headers[req->nheaders])) < 0)
			return rc;
		req->nheaders++;
	}
}

int
http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	struct scan s = { buf, len, 0, 0, false };
	int rc;

	req->method = HTTP_OTHER;
	req->method_str = req->target = NULL;
	req->method_len = req->target_len = 0;
	req->minor = 0;
	req->nheaders = 0;
	if ((rc = skip_empty_lines(&s)) < 0)
		return rc;
	s.line = s.pos;
	s.in_line = true;
	if ((rc = parse_method(&s, req)) < 0 ||
	    (rc = parse_target(&s, req)) < 0 ||
	    (rc = parse_version(&s, req)) < 0)
		return rc;
	s.in_line = false;
	if ((rc = parse_headers(&s, req)) < 0)
		return rc;
	return (int)s.pos;
}

/* --- Header checks ---------------------------------------------------- */

static bool
name_is(const struct http_header *h, const char *name)
{
	size_t n = strlen(name);

	return h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

static bool
span_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

static void
trim(const char **p, const char **end)
{
	while (*p < *end && is_ows(**p))
		(*p)++;
	while (*end > *p && is_ows((*end)[-1]))
		(*end)--;
}

/* Where the next sep outside a quoted-string is, or end. */
static const char *
find_sep(const char *p, const char *end, char sep)
{
	bool quoted = false;

	for (; p < end; p++) {
		if (quoted && *p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == sep)
			break;
	}
	return p;
}

/* RFC 9110 12.4.2 qvalue, in thousandths, or -1 if malformed. */
static int
qvalue(const char *p, size_t n)
{
	int q, scale = QVALUE_MAX / 10;

	if (n == 0 || n > QVALUE_LEN_MAX || (p[0] != '0' && p[0] != '1'))
		return -1;
	q = (p[0] - '0') * QVALUE_MAX;
	if (n == 1)
		return q;
	if (p[1] != '.')
		return -1;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (!is_digit(p[i]))
			return -1;
		q += (p[i] - '0') * scale;
	}
	return q > QVALUE_MAX ? -1 : q;
}

/*
 * One element of a comma-separated list, "token *( ; name=value )": the
 * token and its q parameter (QVALUE_MAX without one, -1 if malformed).
 */
struct elem {
	const char	*tok;
	size_t		 tok_len;
	int		 q;
};

static void
elem_parse(const char *p, const char *end, struct elem *e)
{
	const char *sep, *eq, *np, *ne;

	sep = find_sep(p, end, ';');
	np = p;
	ne = sep;
	trim(&np, &ne);
	e->tok = np;
	e->tok_len = (size_t)(ne - np);
	e->q = QVALUE_MAX;
	while (sep < end) {
		p = sep + 1;
		sep = find_sep(p, end, ';');
		if ((eq = memchr(p, '=', (size_t)(sep - p))) == NULL)
			continue;
		np = p;
		ne = eq;
		trim(&np, &ne);
		if (!span_is(np, (size_t)(ne - np), "q"))
			continue;
		np = eq + 1;
		ne = sep;
		trim(&np, &ne);
		e->q = qvalue(np, (size_t)(ne - np));
	}
}

/* Takes the next non-empty element of a list from *p; false at the end. */
static bool
list_next(const char **p, const char *end, struct elem *e)
{
	const char *sep;

	for (;;) {
		while (*p < end && (is_ows(**p) || **p == ','))
			(*p)++;
		if (*p == end)
			return false;
		sep = find_sep(*p, end, ',');
		elem_parse(*p, sep, e);
		*p = sep;
		if (e->tok_len > 0)
			return true;
	}
}

/* Content-Length: digits only, and only a zero length is accepted. */
static bool
length_is_zero(const struct http_header *h)
{
	if (h->value_len == 0)
		return false;
	for (size_t i = 0; i < h->value_len; i++)
		if (h->value[i] != '0')
			return false;
	return true;
}

/* RFC 3986 reg-name characters (unreserved, sub-delims and '%'). */
static bool
is_host_char(int c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("-._~!$&'()*+,;=%", c) != NULL);
}

static bool
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Host = uri-host [ ":" port ], with IPv6 literals in brackets. */
static bool
host_valid(const char *p, size_t n)
{
	size_t i = 0;

	if (n > 0 && p[0] == '[') {
		for (i = 1; i < n && p[i] != ']'; i++)
			if (!is_hex(p[i]) && p[i] != ':' && p[i] != '.')
				return false;
		if (i == n)
			return false;
		i++;
	} else {
		while (i < n && p[i] != ':')
			if (!is_host_char(p[i++]))
				return false;
	}
	if (i == n)
		return true;
	if (p[i] != ':')
		return false;
	for (i++; i < n; i++)
		if (!is_digit(p[i]))
			return false;
	return true;
}

static void
connection_tokens(const struct http_header *h, bool *close, bool *keep)
{
	const char *p = h->value, *end = h->value + h->value_len;
	struct elem e;

	while (list_next(&p, end, &e)) {
		if (span_is(e.tok, e.tok_len, "close"))
			*close = true;
		else if (span_is(e.tok, e.tok_len, "keep-alive"))
			*keep = true;
	}
}

/*
 * What Accept-Encoding said about one coding: whether it was named, and
 * whether every mention allowed it (a q=0 anywhere excludes).
 */
struct coding {
	bool	named;
	bool	ok;
};

struct codings {
	struct coding	gzip, br, star;
};

static void
coding_note(struct coding *c, int q)
{
	c->ok = (c->named ? c->ok : true) && q > 0;
	c->named = true;
}

static void
accept_encoding(const struct http_header *h, struct codings *cs)
{
	const char *p = h->value, *end = h->value + h->value_len;
	struct elem e;

	while (list_next(&p, end, &e)) {
		if (span_is(e.tok, e.tok_len, "gzip") ||
		    span_is(e.tok, e.tok_len, "x-gzip"))
			coding_note(&cs->gzip, e.q);
		else if (span_is(e.tok, e.tok_len, "br"))
			coding_note(&cs->br, e.q);
		else if (span_is(e.tok, e.tok_len, "*"))
			coding_note(&cs->star, e.q);
	}
}

/* A coding named on its own follows its own q; otherwise "*" decides. */
static bool
coding_accepted(const struct coding *c, const struct coding *star)
{
	return c->named ? c->ok : star->named && star->ok;
}

/* Only an explicit image/webp counts: every client sends wildcards. */
static void
accept_types(const struct http_header *h, struct coding *webp)
{
	const char *p = h->value, *end = h->value + h->value_len;
	struct elem e;

	while (list_next(&p, end, &e))
		if (span_is(e.tok, e.tok_len, "image/webp"))
			coding_note(webp, e.q);
}

/* A header whose meaning is lost when it is repeated: count and keep. */
static void
keep_value(const struct http_header *h, const char **v, size_t *len,
    size_t *count)
{
	if ((*count)++ == 0) {
		*v = h->value;
		*len = h->value_len;
	}
}

/* Two If-None-Match or Range fields could be joined into one list, but
 * ignoring them and serving the whole resource is always correct. */
static void
drop_repeated(const char **v, size_t *len, size_t count)
{
	if (count > 1) {
		*v = NULL;
		*len = 0;
	}
}

/*
 * The trusted proxy header names the client: the last element of a list
 * (X-Forwarded-For), which the nearest proxy added, and only if it is an
 * IPv4 or IPv6 address. Anything else is dropped, so a client reaching
 * foliod around the proxy cannot write what it likes into the access log.
 */
static void
proxy_client(const char **v, size_t *len)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char addr[sizeof(struct in6_addr)];
	const char *p = *v, *end = *v + *len, *comma;

	while ((comma = memchr(p, ',', (size_t)(end - p))) != NULL)
		p = comma + 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (p == end || (size_t)(end - p) >= sizeof(text)) {
		*v = NULL;
		*len = 0;
		return;
	}
	memcpy(text, p, (size_t)(end - p));
	text[end - p] = '\0';
	if (inet_pton(AF_INET, text, addr) != 1 &&
	    inet_pton(AF_INET6, text, addr) != 1) {
		*v = NULL;
		*len = 0;
		return;
	}
	*v = p;
	*len = (size_t)(end - p);
}

int
http_request_info(const struct http_request *req,
    const char *proxy_header, struct http_info *info)
{
	struct codings cs;
	struct coding webp = { false, false };
	size_t nhost = 0, nim = 0, ninm = 0, nims = 0, nius = 0, nir = 0;
	size_t nrange = 0, nproxy = 0, nua = 0, nref = 0;
	bool close = false, keep = false, te = false, bad_length = false;
	const struct http_header *h;

	memset(info, 0, sizeof(*info));
	memset(&cs, 0, sizeof(cs));
	if (proxy_header != NULL && proxy_header[0] == '\0')
		proxy_header = NULL;
	for (size_t i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (proxy_header != NULL && name_is(h, proxy_header))
			keep_value(h, &info->client, &info->client_len, &nproxy);
		if (name_is(h, "Host"))
			keep_value(h, &info->host, &info->host_len, &nhost);
		else if (name_is(h, "Content-Length")) {
			if (!length_is_zero(h))
				bad_length = true;
		} else if (name_is(h, "Transfer-Encoding"))
			te = true;
		else if (name_is(h, "Connection"))
			connection_tokens(h, &close, &keep);
		else if (name_is(h, "Accept-Encoding"))
			accept_encoding(h, &cs);
		else if (name_is(h, "Accept"))
			accept_types(h, &webp);
		else if (name_is(h, "If-Match"))
			keep_value(h, &info->if_match, &info->if_match_len,
			    &nim);
		else if (name_is(h, "If-None-Match"))
			keep_value(h, &info->if_none_match,
			    &info->if_none_match_len, &ninm);
		else if (name_is(h, "If-Modified-Since"))
			keep_value(h, &info->if_modified_since,
			    &info->if_modified_since_len, &nims);
		else if (name_is(h, "If-Unmodified-Since"))
			keep_value(h, &info->if_unmodified_since,
			    &info->if_unmodified_since_len, &nius);
		else if (name_is(h, "If-Range"))
			keep_value(h, &info->if_range, &info->if_range_len,
			    &nir);
		else if (name_is(h, "Range"))
			keep_value(h, &info->range, &info->range_len, &nrange);
		else if (name_is(h, "User-Agent"))
			keep_value(h, &info->user_agent, &info->user_agent_len,
			    &nua);
		else if (name_is(h, "Referer"))
			keep_value(h, &info->referer, &info->referer_len,
			    &nref);
	}
	drop_repeated(&info->if_match, &info->if_match_len, nim);
	drop_repeated(&info->if_none_match, &info->if_none_match_len, ninm);
	drop_repeated(&info->if_modified_since,
	    &info->if_modified_since_len, nims);
	drop_repeated(&info->if_unmodified_since,
	    &info->if_unmodified_since_len, nius);
	drop_repeated(&info->if_range, &info->if_range_len, nir);
	drop_repeated(&info->range, &info->range_len, nrange);
	drop_repeated(&info->client, &info->client_len, nproxy);
	if (info->client != NULL)
		proxy_client(&info->client, &info->client_len);
	drop_repeated(&info->host, &info->host_len, nhost);
	if (nhost > 1 || (nhost == 0 && req->minor >= 1) ||
	    (nhost == 1 && !host_valid(info->host, info->host_len)) ||
	    bad_length)
		return 400;
	if (te)
		return 501;
	if (coding_accepted(&cs.gzip, &cs.star))
		info->accept |= ACCEPT_GZIP;
	if (coding_accepted(&cs.br, &cs.star))
		info->accept |= ACCEPT_BROTLI;
	if (webp.named && webp.ok)
		info->accept |= ACCEPT_WEBP;
	info->keep_alive = req->minor >= 1 ? !close : keep && !close;
	return 0;
}
