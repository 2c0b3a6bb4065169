/*
 * utf8.h: UTF-8 as the content, the config, the feed and the log read it.
 * One strict decoder (RFC 3629: no overlong forms, no surrogates, nothing
 * past U+10FFFF), a check of a whole string built on it, and the two cuts
 * that shorten a string without splitting a character.
 */
#ifndef FOLIO_UTF8_H
#define FOLIO_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* U+FFFD, the character that stands for bytes that are not UTF-8. */
#define UTF8_REPLACEMENT	0xfffdu

/* True for a continuation byte (10xxxxxx): no character starts with one. */
static inline bool
utf8_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Decodes the character at s[0..n): returns its length (1 to 4) and puts
 * its code point in *cp. Returns 0, and leaves *cp alone, when s[0..n) does
 * not start with a well-formed sequence: n is 0, s[0] is a continuation
 * byte or a byte no sequence starts with (0xc0, 0xc1, 0xf5 to 0xff), the
 * sequence is cut short (by n, or by a byte that is not a continuation),
 * or it encodes an overlong form, a surrogate (U+D800 to U+DFFF) or a
 * value past U+10FFFF.
 */
size_t	utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* The length of the longest start of s[0..n) that is well-formed UTF-8:
 * n when all of it is, else the offset of the first bad sequence. */
size_t	utf8_valid_len(const unsigned char *s, size_t n);

/*
 * Where to cut s[0..n) to keep at most max bytes of its start without
 * ending inside a character: n when n <= max, else max moved back to the
 * first byte of the character it falls in.
 */
size_t	utf8_head(const char *s, size_t n, size_t max);

/*
 * Where the longest end of s[0..n) of at most max bytes that starts on a
 * character begins: 0 when n <= max, else n - max moved forward past
 * continuation bytes (to n at the most).
 */
size_t	utf8_tail(const char *s, size_t n, size_t max);

#endif
