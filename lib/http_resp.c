/*
 * http_resp.c: the per-request pieces of a response: reason phrases, the
 * Date header (written by hand: strftime's %a and %b follow the locale)
 * and its parser, the conditional fields against our entity tags, and the
 * one byte range we serve.
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

/* Drops the blanks (OWS) at both ends of the field value v[0..len). */
static void
ows_trim(const char **v, size_t *len)
{
	while (*len > 0 && is_ows((*v)[*len - 1]))
		(*len)--;
	while (*len > 0 && is_ows(**v)) {
		(*v)++;
		(*len)--;
	}
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

/* Skips blanks and commas; at the end of the list, true. */
static bool
list_skip(const char *v, size_t len, size_t *i)
{
	while (*i < len && (v[*i] == ',' || is_ows(v[*i])))
		(*i)++;
	return *i >= len;
}

/*
 * Reads one entity-tag at v[*i..]: its opaque part in *o, *n, and whether it
 * was weak. False if the list is malformed there: it then matches nothing,
 * since the full response is always a correct answer.
 */
static bool
etag_next(const char *v, size_t len, size_t *i, const char **o, size_t *n,
    bool *weak)
{
	size_t start;

	*weak = len - *i >= 2 && v[*i] == 'W' && v[*i + 1] == '/';
	if (*weak)
		*i += 2;
	if (*i >= len || v[*i] != '"')
		return false;
	start = ++*i;
	while (*i < len && is_etagc((unsigned char)v[*i]))
		(*i)++;
	if (*i >= len || v[*i] != '"')
		return false;
	*o = v + start;
	*n = *i - start;
	(*i)++;
	while (*i < len && is_ows(v[*i]))
		(*i)++;
	return *i >= len || v[*i] == ',';
}

/* "*", or 1#entity-tag with one for core (a weak one only if weak_ok). */
static bool
etag_list_match(const char *v, size_t len, const char *core, bool weak_ok)
{
	size_t i = 0, n, corelen = strnlen(core, ETAG_CORE_LEN);
	const char *o;
	bool weak, found = false;

	if (corelen == 0)
		return false;
	ows_trim(&v, &len);
	if (len == 1 && v[0] == '*')
		return true;
	while (!list_skip(v, len, &i)) {
		if (!etag_next(v, len, &i, &o, &n, &weak))
			return false;
		if ((weak_ok || !weak) && opaque_match(o, n, core, corelen))
			found = true;
	}
	return found;
}

bool
http_etag_match(const char *inm, size_t len, const char *core)
{
	return etag_list_match(inm, len, core, true);
}

bool
http_if_match(const char *im, size_t len, const char *core)
{
	return etag_list_match(im, len, core, false);
}

bool
http_if_range(const char *v, size_t len, const char *core,
    const char *lastmod)
{
	size_t i = 0, n;
	const char *o;
	bool weak;

	ows_trim(&v, &len);
	/* An entity tag starts with a quote, or W/ when weak; a date may
	 * start with W too (Wed). */
	if ((len > 0 && v[0] == '"') ||
	    (len > 1 && v[0] == 'W' && v[1] == '/'))
		return etag_next(v, len, &i, &o, &n, &weak) && i == len &&
		    !weak && n == strlen(core) && memcmp(o, core, n) == 0;
	return len == strlen(lastmod) && memcmp(v, lastmod, len) == 0;
}

/* --- HTTP-date ------------------------------------------------------- */

/* n digits at s; -1 if any is not one. */
static int
date_digits(const char *s, int n)
{
	int v = 0;

	for (int k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	return v;
}

static int
date_month(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int m = 0; m < 12; m++)
		if (memcmp(s, months + 3 * m, 3) == 0)
			return m;
	return -1;
}

/* "HH:MM:SS" at s into tm. */
static bool
date_clock(const char *s, struct tm *tm)
{
	if (s[2] != ':' || s[5] != ':')
		return false;
	tm->tm_hour = date_digits(s, 2);
	tm->tm_min = date_digits(s + 3, 2);
	tm->tm_sec = date_digits(s + 6, 2);
	return tm->tm_hour >= 0 && tm->tm_hour < 24 && tm->tm_min >= 0 &&
	    tm->tm_min < 60 && tm->tm_sec >= 0 && tm->tm_sec <= 60;
}

/*
 * The three layouts, after the day name: IMF-fixdate ", DD Mon YYYY
 * HH:MM:SS GMT", RFC 850 ", DD-Mon-YY HH:MM:SS GMT", asctime " Mon _D
 * HH:MM:SS YYYY". The day name itself is not checked: the date decides.
 */
static bool
date_fields(const char *v, size_t len, struct tm *tm)
{
	const char *p = memchr(v, len > 10 && v[3] == ' ' ? ' ' : ',', len);
	size_t left;

	if (p == NULL)
		return false;
	left = len - (size_t)(p - v);
	if (*p == ',' && left == 26 && p[4] == ' ' && p[8] == ' ' &&
	    p[13] == ' ' && memcmp(p + 22, " GMT", 4) == 0 && p[1] == ' ') {
		tm->tm_mday = date_digits(p + 2, 2);
		tm->tm_mon = date_month(p + 5);
		tm->tm_year = date_digits(p + 9, 4) - 1900;
		return date_clock(p + 14, tm);
	}
	if (*p == ',' && left == 24 && p[1] == ' ' && p[4] == '-' &&
	    p[8] == '-' && p[11] == ' ' && memcmp(p + 20, " GMT", 4) == 0) {
		int yy = date_digits(p + 9, 2);
		/* Below 70 is 20yy, as POSIX's %y has it; RFC 9110's
		 * rule (no more than 50 years ahead) differs only for
		 * 2070 to 2076, so far ahead that no file dates there. */
		tm->tm_year = yy < 0 ? -1 : yy < 70 ? yy + 100 : yy;
		tm->tm_mday = date_digits(p + 2, 2);
		tm->tm_mon = date_month(p + 5);
		return date_clock(p + 12, tm);
	}
	if (*p == ' ' && left == 21 && p[4] == ' ' && p[7] == ' ' &&
	    p[16] == ' ') {
		tm->tm_mon = date_month(p + 1);
		tm->tm_mday = date_digits(p + 5 + (p[5] == ' '),
		    p[5] == ' ' ? 1 : 2);
		tm->tm_year = date_digits(p + 17, 4) - 1900;
		return date_clock(p + 8, tm);
	}
	return false;
}

bool
http_date_parse(const char *v, size_t len, time_t *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ows_trim(&v, &len);
	if (len < 4 || !date_fields(v, len, &tm))
		return false;
	if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_year < 0)
		return false;
	*t = timegm(&tm);
	return *t != (time_t)-1;
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
	size_t i = 0;

	if (len < sizeof(unit) - 1 ||
	    strncasecmp(v, unit, sizeof(unit) - 1) != 0)
		return -1;
	v += sizeof(unit) - 1;
	len -= sizeof(unit) - 1;
	ows_trim(&v, &len);
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
