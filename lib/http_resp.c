/*
 * http_resp.c: the per-request pieces of a response: reason phrases, the
 * Date header (written by hand: strftime's %a and %b follow the locale),
 * If-None-Match against our entity tags, and the one byte range we serve.
 */
#include "http_resp.h"

#include <string.h>
#include <strings.h>

#include "index.h"

/* The latest instant whose year still has four digits, as an IMF-fixdate
 * requires: 9999-12-31T23:59:59Z. Later (and negative) times are clamped. */
#define HTTP_DATE_TIME_MAX	253402300799LL

struct status {
	int		 code;
	const char	*text;
};

/* Every status foliod sends, and their RFC 9110 reason phrases. */
static const struct status statuses[] = {
	{ 200, "OK" },
	{ 204, "No Content" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

const char *
http_status_text(int status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == status)
			return statuses[i].text;
	return "Unknown";
}

static char *
put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void
http_date(time_t t, char *out)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	char *p = out;

	if (t < 0)
		t = 0;
	if ((long long)t > HTTP_DATE_TIME_MAX)
		t = (time_t)HTTP_DATE_TIME_MAX;
	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	memcpy(p, days + 3 * tm.tm_wday, 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = ' ';
	memcpy(p, months + 3 * tm.tm_mon, 3);
	p += 3;
	*p++ = ' ';
	p = put_digits(p, tm.tm_year + 1900, 4);
	*p++ = ' ';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	memcpy(p, " GMT", 5);
}

static bool
is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* etagc of RFC 9110: what may stand between an entity tag's quotes. */
static bool
is_etagc(unsigned char ch)
{
	return ch == 0x21 || (ch >= 0x23 && ch != 0x7f);
}

/* Is the opaque part of a tag (between its quotes) one of ours for core? */
static bool
opaque_match(const char *o, size_t n, const char *core, size_t corelen)
{
	if (n < corelen || memcmp(o, core, corelen) != 0)
		return false;
	if (n == corelen)
		return true;
	/* A "-gz" or "-br" variant, or any other suffix we may add. */
	return o[corelen] == '-' && n > corelen + 1;
}

bool
http_etag_match(const char *inm, size_t len, const char *core)
{
	size_t i = 0, start, corelen;
	bool found = false;

	corelen = strnlen(core, ETAG_CORE_LEN);
	if (corelen == 0)
		return false;
	while (len > 0 && is_ows(inm[len - 1]))
		len--;
	while (i < len && is_ows(inm[i]))
		i++;
	if (len - i == 1 && inm[i] == '*')
		return true;
	/* 1#entity-tag; empty elements are allowed. A malformed list matches
	 * nothing: the full response is always a correct answer. */
	while (i < len) {
		if (inm[i] == ',' || is_ows(inm[i])) {
			i++;
			continue;
		}
		if (len - i >= 2 && inm[i] == 'W' && inm[i + 1] == '/')
			i += 2;
		if (i >= len || inm[i] != '"')
			return false;
		start = ++i;
		while (i < len && is_etagc((unsigned char)inm[i]))
			i++;
		if (i >= len || inm[i] != '"')
			return false;
		if (opaque_match(inm + start, i - start, core, corelen))
			found = true;
		i++;
		while (i < len && is_ows(inm[i]))
			i++;
		if (i < len && inm[i] != ',')
			return false;
	}
	return found;
}

/* Digits at v[*i..] into *out; false if none or past UINT64_MAX. */
static bool
range_number(const char *v, size_t len, size_t *i, uint64_t *out)
{
	uint64_t n = 0;
	size_t start = *i;

	for (; *i < len && v[*i] >= '0' && v[*i] <= '9'; (*i)++) {
		unsigned d = (unsigned)(v[*i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*out = n;
	return *i > start;
}

int
http_range(const char *v, size_t len, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	static const char unit[] = "bytes=";
	uint64_t a = 0, b = 0;
	bool has_a, has_b;
	size_t i;

	if (len < sizeof(unit) - 1 ||
	    strncasecmp(v, unit, sizeof(unit) - 1) != 0)
		return -1;
	i = sizeof(unit) - 1;
	while (len > i && is_ows(v[len - 1]))
		len--;
	while (i < len && is_ows(v[i]))
		i++;
	if (memchr(v + i, ',', len - i) != NULL)
		return -1;	/* several ranges: more than HTTP_RANGES_MAX */
	has_a = i < len && v[i] >= '0' && v[i] <= '9';
	if (has_a && !range_number(v, len, &i, &a))
		return -1;
	if (i >= len || v[i] != '-')
		return -1;
	i++;
	has_b = i < len;
	if (has_b && !range_number(v, len, &i, &b))
		return -1;
	if (i != len || (!has_a && !has_b))
		return -1;
	if (!has_a) {
		/* The last b bytes; none of an empty body. */
		if (b == 0 || size == 0)
			return 1;
		*first = b < size ? size - b : 0;
		*last = size - 1;
		return 0;
	}
	if (has_b && b < a)
		return -1;	/* invalid: RFC 9110 says ignore the header */
	if (a >= size)
		return 1;
	*first = a;
	*last = has_b && b < size ? b : size - 1;
	return 0;
}
