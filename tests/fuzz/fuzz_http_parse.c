/*
 * fuzz_http_parse.c: libFuzzer harness for http_parse_request() and
 * http_request_info(): a complete head lies inside the input and within the
 * limits, every result points into it, values carry no blanks at their ends
 * and no control bytes, and a prefix of the input is either partial or gets
 * the same answer as the whole. The conditional fields also go through
 * http_resp.c's readers (dates, entity tags), which must stay inside them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "http_resp.h"
#include "folio_limits.h"

/* The trusted proxy header the harness asks for. */
#define FUZZ_PROXY	"X-Client"
/* An entity tag and date for the conditional fields to be weighed against. */
#define FUZZ_ETAG	"0123456789abcdef"
#define FUZZ_LASTMOD	"Sun, 06 Nov 1994 08:49:37 GMT"
/* The last instant an IMF-fixdate can hold: 9999-12-31T23:59:59Z. */
#define FUZZ_DATE_MAX	253402300799LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
inside(const char *p, size_t n, const char *buf, size_t len)
{
	return p != NULL && p >= buf && n <= len &&
	    (size_t)(p - buf) <= len - n;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
check_header(const struct http_header *h, const char *buf, size_t len)
{
	if (!inside(h->name, h->name_len, buf, len) || h->name_len == 0 ||
	    !inside(h->value, h->value_len, buf, len))
		abort();
	if (h->value_len > 0 && (blank(h->value[0]) ||
	    blank(h->value[h->value_len - 1])))
		abort();
	for (size_t i = 0; i < h->name_len; i++)
		if ((unsigned char)h->name[i] <= ' ' || h->name[i] == ':' ||
		    (unsigned char)h->name[i] >= 0x7f)
			abort();
	for (size_t i = 0; i < h->value_len; i++) {
		unsigned char c = (unsigned char)h->value[i];
		if ((c < ' ' && c != '\t') || c == 0x7f)
			abort();
	}
}

static void
check_request(const struct http_request *req, const char *buf, size_t len)
{
	if (!inside(req->method_str, req->method_len, buf, len) ||
	    req->method_len == 0 ||
	    !inside(req->target, req->target_len, buf, len) ||
	    req->target_len == 0 || req->target_len > HTTP_REQUEST_LINE_MAX ||
	    (req->minor != 0 && req->minor != 1) ||
	    req->nheaders > HTTP_HEADERS_MAX ||
	    (unsigned)req->method > HTTP_OTHER)
		abort();
	for (size_t i = 0; i < req->target_len; i++)
		if ((unsigned char)req->target[i] <= ' ' ||
		    (unsigned char)req->target[i] >= 0x7f)
			abort();
	for (size_t i = 0; i < req->nheaders; i++)
		check_header(&req->headers[i], buf, len);
}

static bool
field_inside(const char *p, size_t n, const char *buf, size_t len)
{
	return p == NULL ? n == 0 : inside(p, n, buf, len);
}

/* A date that parsed, written back as an IMF-fixdate, parses to itself
 * (within the range http_date() writes: 1970 to 9999). */
static void
check_date_round_trip(time_t t)
{
	char out[HTTP_DATE_LEN + 1];
	time_t again;

	if (t < 0 || (long long)t > FUZZ_DATE_MAX)
		return;
	http_date(t, out);
	if (!http_date_parse(out, HTTP_DATE_LEN, &again) || again != t)
		abort();
}

/* The readers see only the field's bytes: ASan catches any read past. */
static void
check_conditions(const struct http_info *in, const char *buf, size_t len)
{
	time_t t;

	if (!field_inside(in->if_match, in->if_match_len, buf, len) ||
	    !field_inside(in->if_range, in->if_range_len, buf, len) ||
	    !field_inside(in->if_modified_since, in->if_modified_since_len,
	    buf, len) || !field_inside(in->if_unmodified_since,
	    in->if_unmodified_since_len, buf, len))
		abort();
	if (in->if_match != NULL && http_if_match(in->if_match,
	    in->if_match_len, FUZZ_ETAG) && !http_etag_match(in->if_match,
	    in->if_match_len, FUZZ_ETAG))
		abort();	/* strong matches are a subset of weak ones */
	if (in->if_range != NULL)
		(void)http_if_range(in->if_range, in->if_range_len, FUZZ_ETAG,
		    FUZZ_LASTMOD);
	if (in->if_modified_since != NULL &&
	    http_date_parse(in->if_modified_since, in->if_modified_since_len,
	    &t))
		check_date_round_trip(t);
	if (in->if_unmodified_since != NULL)
		(void)http_date_parse(in->if_unmodified_since,
		    in->if_unmodified_since_len, &t);
}

static void
check_info(const struct http_request *req, const char *buf, size_t len)
{
	struct http_info info;
	int st;

	st = http_request_info(req, FUZZ_PROXY, &info);
	if (st != 0 && st != 400 && st != 501)
		abort();
	if (st != 0)
		return;
	if ((info.host && !inside(info.host, info.host_len, buf, len)) ||
	    (info.client && !inside(info.client, info.client_len, buf, len)) ||
	    (info.range && !inside(info.range, info.range_len, buf, len)) ||
	    (info.if_none_match && !inside(info.if_none_match,
	    info.if_none_match_len, buf, len)) ||
	    (info.accept & ~(unsigned)(ACCEPT_GZIP | ACCEPT_BROTLI |
	    ACCEPT_WEBP)) != 0 ||
	    (req->minor == 1 && info.host == NULL))
		abort();
	check_conditions(&info, buf, len);
}

static bool
known_code(int rc)
{
	return rc == HTTP_PARSE_BAD || rc == HTTP_PARSE_PARTIAL ||
	    rc == HTTP_PARSE_URI_LONG || rc == HTTP_PARSE_TOO_LARGE ||
	    rc == HTTP_PARSE_VERSION;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req, pre;
	const char *buf = (const char *)data;
	size_t cuts[3];
	int rc, prc;

	rc = http_parse_request(buf, size, &req);
	if (rc > 0) {
		if ((size_t)rc > size || rc > HTTP_HEADER_BLOCK_MAX)
			abort();
		check_request(&req, buf, (size_t)rc);
		check_info(&req, buf, (size_t)rc);
	} else if (!known_code(rc) || rc == 0)
		abort();

	/* A prefix is partial, or answered as the whole input is. */
	cuts[0] = size / 2;
	cuts[1] = size > 0 ? size - 1 : 0;
	cuts[2] = rc > 0 ? (size_t)rc - 1 : size / 3;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		prc = http_parse_request(buf, cuts[i], &pre);
		if (prc != HTTP_PARSE_PARTIAL && prc != rc)
			abort();
	}
	if (rc > 0 && http_parse_request(buf, (size_t)rc, &pre) != rc)
		abort();
	return 0;
}
