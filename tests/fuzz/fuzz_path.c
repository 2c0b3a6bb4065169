/*
 * fuzz_path.c: libFuzzer harness for path_normalize() and query_get(). The
 * first input byte is a small output size, the rest the target. A clean path
 * starts with '/', has no empty, "." or ".." segment and no control byte, is
 * the same whatever the output size as long as it fits, and is its own
 * normal form; query_get's answers are NUL-terminated and within bounds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "path.h"

/* Output buffer of query_get: as big as the value the site ever needs. */
#define FUZZ_VALUE_MAX	256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_clean(const char *out, int rc, size_t tlen)
{
	size_t n = (size_t)rc;

	if (rc < 1 || strlen(out) != n || out[0] != '/' || n > tlen)
		abort();
	if (strstr(out, "//") || strstr(out, "/./") || strstr(out, "/../"))
		abort();
	if ((n >= 2 && strcmp(out + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(out + n - 3, "/..") == 0))
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c < ' ' || c == 0x7f || c == '\\')
			abort();
	}
}

static void
check_query(const char *t, size_t tlen, const char *q, size_t qlen)
{
	if (q == NULL) {
		if (qlen != 0)
			abort();
		return;
	}
	if (q <= t || q > t + tlen || q[-1] != '?' ||
	    qlen != (size_t)(t + tlen - q))
		abort();
}

/* Normalising a clean path that needs no escaping changes nothing. */
static void
check_idempotent(const char *out, size_t n)
{
	const char *q;
	size_t qlen;
	char *again;

	if (strpbrk(out, "%? ") != NULL)
		return;
	if ((again = malloc(n + 1)) == NULL)
		abort();
	if (path_normalize(out, n, again, n + 1, &q, &qlen) != (int)n ||
	    strcmp(again, out) != 0 || q != NULL)
		abort();
	free(again);
}

static void
check_query_get(const char *query, size_t len)
{
	static const char *const keys[] = { "url", "w", "" };
	char out[FUZZ_VALUE_MAX];
	int rc;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		memset(out, 'Z', sizeof(out));
		rc = query_get(query, len, keys[i], out, sizeof(out));
		if (rc >= 0 && ((size_t)rc >= sizeof(out) ||
		    strlen(out) != (size_t)rc))
			abort();
		if (rc < 0 && (rc < -2 || out[0] != '\0'))
			abort();
	}
}

/* --- A plain reference: left to right, with the output as the stack. --- */

static int
ref_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool
ref_bad(int c)
{
	return c < ' ' || c == 0x7f || c == '\\';
}

/* Decodes s[0..n) into seg; the decoded length or -1. */
static long
ref_segment(const unsigned char *s, size_t n, char *seg)
{
	size_t len = 0;
	int hi, lo, c;

	for (size_t i = 0; i < n; i++) {
		c = s[i];
		if (c == ' ' || ref_bad(c))
			return -1;
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = ref_hex(s[i + 1])) < 0 ||
			    (lo = ref_hex(s[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			if (ref_bad(c) || c == '/')
				return -1;
			i += 2;
		}
		seg[len++] = (char)c;
	}
	return (long)len;
}

/* What path_normalize must give, into out of n + 2 bytes; -1 if refused. */
static long
ref_normalize(const unsigned char *t, size_t n, char *out, char *seg)
{
	const unsigned char *p = t, *end = t + n, *qm, *s, *e;
	size_t len = 0;
	long sl;
	bool trailing = false;

	for (int i = 0; i < 2; i++) {
		const char *scheme = i ? "https://" : "http://";
		size_t sn = strlen(scheme);

		if (n < sn || strncasecmp((const char *)t, scheme, sn) != 0)
			continue;
		for (p = t + sn; p < end && *p != '/' && *p != '?'; p++)
			if (*p == ' ' || ref_bad(*p))
				return -1;
		if (p == t + sn)
			return -1;
		if (p == end || *p == '?') {
			memcpy(out, "/", 2);
			len = 1;
		}
		break;
	}
	for (qm = p; qm < end && *qm != '?'; qm++)
		;
	for (s = qm; s < end; s++)
		if (*s == ' ' || (ref_bad(*s) && *s != '\\'))
			return -1;
	if (len == 1)
		return 1;
	if (p == qm || *p != '/')
		return -1;
	for (s = p + 1; s <= qm; s = e + 1) {
		for (e = s; e < qm && *e != '/'; e++)
			;
		if ((sl = ref_segment(s, (size_t)(e - s), seg)) < 0)
			return -1;
		trailing = e == qm;
		if (sl == 0 || (sl == 1 && seg[0] == '.'))
			continue;
		if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
			if (len == 0)
				return -1;
			while (out[--len] != '/')
				;
			continue;
		}
		trailing = false;
		out[len++] = '/';
		memcpy(out + len, seg, (size_t)sl);
		len += (size_t)sl;
	}
	if (len == 0 || trailing)
		out[len++] = '/';
	out[len] = '\0';
	return (long)len;
}

static void
check_reference(const char *t, size_t tlen, const char *out, int rc)
{
	char *ref, *seg;
	long rr;

	if ((ref = malloc(tlen + 2)) == NULL || (seg = malloc(tlen + 1)) == NULL)
		abort();
	rr = ref_normalize((const unsigned char *)t, tlen, ref, seg);
	if (rr != rc || (rc >= 0 && strcmp(ref, out) != 0))
		abort();
	free(ref);
	free(seg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t, *q, *q2;
	size_t tlen, small, qlen, qlen2;
	char *out, *out2;
	int rc, rc2;

	if (size == 0)
		return 0;
	small = data[0];
	t = (const char *)data + 1;
	tlen = size - 1;
	if ((out = malloc(tlen + 2)) == NULL ||
	    (out2 = malloc(small ? small : 1)) == NULL)
		abort();

	rc = path_normalize(t, tlen, out, tlen + 2, &q, &qlen);
	if (rc != -1)
		check_clean(out, rc, tlen);
	check_reference(t, tlen, out, rc);
	check_query(t, tlen, q, qlen);
	if (rc == -1 && q != NULL)
		abort();

	rc2 = path_normalize(t, tlen, out2, small, &q2, &qlen2);
	if (rc >= 0 && (size_t)rc < small) {
		if (rc2 != rc || strcmp(out2, out) != 0 || q2 != q ||
		    qlen2 != qlen)
			abort();
	} else if (rc2 != -1)
		abort();

	if (rc >= 0)
		check_idempotent(out, (size_t)rc);
	if (q != NULL)
		check_query_get(q, qlen);
	else
		check_query_get(t, tlen);
	free(out);
	free(out2);
	return 0;
}
