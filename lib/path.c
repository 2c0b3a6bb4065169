/*
 * path.c: request-target to site path (path.h). Segments are decoded and
 * checked one by one, then dot segments are resolved from the right, which
 * needs no stack: the result's length is known before a byte is written, so
 * a long segment that a later ".." removes never overflows the output.
 */
#include "path.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* DEL is a control byte too, though outside the C0 range. */
#define DEL	0x7f

enum seg_kind { SEG_EMPTY, SEG_DOT, SEG_DOTDOT, SEG_NAME };

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX at p[0..n) (p[0] is '%'): the byte, or -1. */
static int
pct_decode(const char *p, size_t n)
{
	int hi, lo;

	if (n < 3 || (hi = hexval((unsigned char)p[1])) < 0 ||
	    (lo = hexval((unsigned char)p[2])) < 0)
		return -1;
	return hi << 4 | lo;
}

static bool
is_ctl(int c)
{
	return c < ' ' || c == DEL;
}

/*
 * Decodes one segment s[0..n) into dst (when not NULL, with room for the
 * result). Returns the decoded length, or -1 for a bad escape, a control
 * byte (raw or decoded), an encoded '/', or a '\' in either form.
 */
static long
seg_decode(const char *s, size_t n, char *dst)
{
	size_t i, len = 0;
	int c;

	for (i = 0; i < n; i++, len++) {
		c = (unsigned char)s[i];
		if (c == ' ' || is_ctl(c) || c == '\\')
			return -1;
		if (c == '%') {
			if ((c = pct_decode(s + i, n - i)) < 0 || is_ctl(c) ||
			    c == '/' || c == '\\')
				return -1;
			i += 2;
		}
		if (dst != NULL)
			dst[len] = (char)c;
	}
	return (long)len;
}

/* Checks a segment and says what kind it is; *len is its decoded length. */
static int
seg_kind(const char *s, size_t n, size_t *len, enum seg_kind *kind)
{
	char tmp[2];
	long r;

	if ((r = seg_decode(s, n, NULL)) < 0)
		return -1;
	*len = (size_t)r;
	*kind = SEG_NAME;
	if (r == 0)
		*kind = SEG_EMPTY;
	else if (r <= 2) {
		seg_decode(s, n, tmp);
		if (tmp[0] == '.' && (r == 1 || tmp[1] == '.'))
			*kind = r == 1 ? SEG_DOT : SEG_DOTDOT;
	}
	return 0;
}

/*
 * Walks the segments of path[0..n) (path[0] is '/') from the last to the
 * first, skipping one name for every ".." met. With out NULL, returns the
 * length of the result (without the NUL); otherwise writes it, total bytes,
 * into out. Returns -1 for a bad segment or a ".." above the root.
 */
static long
resolve(const char *path, size_t n, char *out, size_t total)
{
	const char *end = path + n, *seg;
	size_t skip = 0, len, raw, sum = 0, at = total;
	enum seg_kind kind;
	bool trailing = false;

	for (; end > path; end = seg - 1) {
		for (seg = end; seg[-1] != '/'; seg--)
			;
		raw = (size_t)(end - seg);
		if (seg_kind(seg, raw, &len, &kind) == -1)
			return -1;
		if (end == path + n && kind != SEG_NAME) {
			trailing = true;
			if (out != NULL && total > 1)
				out[--at] = '/';
		}
		if (kind == SEG_DOTDOT)
			skip++;
		if (kind != SEG_NAME)
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		sum += len + 1;
		if (out != NULL) {
			at -= len;
			seg_decode(seg, raw, out + at);
			out[--at] = '/';
		}
	}
	if (skip > 0)
		return -1;
	if (sum == 0)
		sum = 1;
	else if (trailing)
		sum++;
	if (out != NULL)
		out[0] = '/';
	return (long)sum;
}

/* Drops "http://authority" or "https://authority" from an absolute-form. */
static int
skip_authority(const char **p, const char *end)
{
	static const char *const schemes[] = { "http://", "https://" };
	const char *q;
	size_t n;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if ((size_t)(end - *p) < n || strncasecmp(*p, schemes[i], n))
			continue;
		for (q = *p + n; q < end && *q != '/' && *q != '?'; q++)
			if (is_ctl((unsigned char)*q) || *q == ' ' ||
			    *q == '\\')
				return -1;
		if (q == *p + n)
			return -1;
		*p = q;
		return 1;
	}
	return 0;
}

int
path_normalize(const char *target, size_t len, char *out, size_t outlen,
    const char **query, size_t *query_len)
{
	const char *p = target, *end = target + len, *qm;
	size_t plen;
	long n;
	int absolute;

	*query = NULL;
	*query_len = 0;
	if ((absolute = skip_authority(&p, end)) == -1)
		return -1;
	if ((qm = memchr(p, '?', (size_t)(end - p))) == NULL)
		qm = end;
	for (const char *q = qm; q < end; q++)
		if (is_ctl((unsigned char)*q) || *q == ' ')
			return -1;
	plen = (size_t)(qm - p);
	if (plen == 0 && absolute) {
		/* "http://host" and "http://host?q" name the root. */
		p = "/";
		plen = 1;
	}
	if (plen == 0 || *p != '/')
		return -1;
	if ((n = resolve(p, plen, NULL, 0)) == -1 || n > INT_MAX ||
	    (size_t)n >= outlen)
		return -1;
	resolve(p, plen, out, (size_t)n);
	out[n] = '\0';
	if (qm < end) {
		*query = qm + 1;
		*query_len = (size_t)(end - qm - 1);
	}
	return (int)n;
}

/*
 * Decodes a form value ('+' is a space) into out: its length, or -1 if it is
 * malformed, holds a NUL, or does not fit.
 */
static int
query_decode(const char *v, size_t n, char *out, size_t outlen)
{
	size_t i, len = 0;
	int c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)v[i];
		if (c == '\0')
			return -1;
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if ((c = pct_decode(v + i, n - i)) <= 0)
				return -1;
			i += 2;
		}
		if (len + 1 >= outlen)
			return -1;
		out[len++] = (char)c;
	}
	if (len >= outlen || len > INT_MAX)
		return -1;
	out[len] = '\0';
	return (int)len;
}

int
query_get(const char *query, size_t len, const char *key, char *out,
    size_t outlen)
{
	const char *p, *end, *amp, *eq, *val = NULL;
	size_t klen = strlen(key), vlen = 0;
	int found = 0, r;

	if (outlen > 0)
		out[0] = '\0';
	if (query == NULL)
		return -1;
	for (p = query, end = query + len; p < end; p = amp + (amp < end)) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (amp == p || (size_t)(eq - p) != klen ||
		    memcmp(p, key, klen) != 0)
			continue;
		if (found++ > 0)
			return -2;
		val = eq < amp ? eq + 1 : amp;
		vlen = (size_t)(amp - val);
	}
	if (!found)
		return -1;
	if ((r = query_decode(val, vlen, out, outlen)) < 0) {
		if (outlen > 0)
			out[0] = '\0';
		return -2;
	}
	return r;
}

bool
path_rel_clean(const char *rel, size_t len)
{
	size_t seg = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || rel[i] == '/') {
			if (seg == 0 || (seg == 1 && rel[i - 1] == '.') ||
			    (seg == 2 && rel[i - 1] == '.' && rel[i - 2] == '.'))
				return false;
			seg = 0;
			continue;
		}
		if ((unsigned char)rel[i] < 0x20 || rel[i] == 0x7f ||
		    rel[i] == '\\')
			return false;
		seg++;
	}
	return true;
}
