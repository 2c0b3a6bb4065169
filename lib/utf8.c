/*
 * utf8.c: the one UTF-8 decoder of foliod and what is built on it: the
 * check that a source, a file name or a config value is well-formed, and
 * the cuts that keep a quoted name or a log line from ending (or starting)
 * inside a character. The rules are RFC 3629's (Unicode's Table 3-7).
 */
#include "utf8.h"

#include <string.h>

/* The largest code point. */
#define UTF8_MAX		0x10ffffu
/* The UTF-16 surrogates, which UTF-8 must not encode. */
#define SURROGATE_FIRST		0xd800u
#define SURROGATE_LAST		0xdfffu
/* The smallest code point of a 3-byte and of a 4-byte sequence: below,
 * the form is overlong. A 2-byte one's (U+0080) is kept by refusing the
 * leads 0xc0 and 0xc1. */
#define MIN_3BYTE		0x800u
#define MIN_4BYTE		0x10000u
/* The top bit of each byte of a uint64_t: set only by non-ASCII bytes. */
#define ASCII_HIGH_BITS		0x8080808080808080ULL

size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	c = s[0] & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if (!utf8_cont(s[i]))
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && c < MIN_3BYTE) || (len == 4 && c < MIN_4BYTE) ||
	    (c >= SURROGATE_FIRST && c <= SURROGATE_LAST) || c > UTF8_MAX)
		return 0;
	*cp = c;
	return len;
}

/* True if the 8 bytes at s are all ASCII. */
static bool
ascii_word(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return (w & ASCII_HIGH_BITS) == 0;
}

size_t
utf8_valid_len(const unsigned char *s, size_t n)
{
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		/* Most of a source is ASCII: a word of it at a time. */
		if (n - i >= sizeof(uint64_t) && ascii_word(s + i)) {
			i += sizeof(uint64_t);
			continue;
		}
		if ((len = utf8_decode(s + i, n - i, &cp)) == 0)
			return i;
		i += len;
	}
	return n;
}

size_t
utf8_head(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && utf8_cont((unsigned char)s[max]))
		max--;
	return max;
}

size_t
utf8_tail(const char *s, size_t n, size_t max)
{
	size_t start;

	if (n <= max)
		return 0;
	start = n - max;
	while (start < n && utf8_cont((unsigned char)s[start]))
		start++;
	return start;
}
