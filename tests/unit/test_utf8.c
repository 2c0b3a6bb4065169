/*
 * test_utf8.c: utf8_decode() on a table of valid 1- to 4-byte sequences and
 * of every kind of bad one (overlong, surrogate, truncated, past U+10FFFF,
 * stray bytes); then on patterns of 1 to 4 bytes (each first byte, then
 * each continuation byte and its neighbours) and on every code point,
 * against a plain encoder. utf8_valid_len() with a bad sequence at every
 * offset around its word-at-a-time path; utf8_head() and utf8_tail() on a
 * table and at every length of a mixed string.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "utf8.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* A value utf8_decode() never gives, to see that *cp is left alone. */
#define CP_UNSET	0xdeadbeefu
/* Offsets a bad sequence is put at: past two 8-byte words of ASCII. */
#define OFFSETS_MAX	17
/* Code points of each length of sequence, surrogates left out. */
#define CPS_1BYTE	0x80u
#define CPS_2BYTE	(0x800u - 0x80u)
#define CPS_3BYTE	(0x10000u - 0x800u - 0x800u)
#define CPS_4BYTE	(0x110000u - 0x10000u)

struct dec {
	const char	*name;
	const char	*s;
	size_t		 n;		/* bytes of s passed */
	size_t		 len;		/* want: 0 refused */
	uint32_t	 cp;
};

/* A literal and its length without the NUL the compiler adds. */
#define S(lit)	lit, sizeof(lit) - 1

static const struct dec decs[] = {
	/* Valid, each length at its edges. */
	{ "NUL", S("\0"), 1, 0 },
	{ "A", S("A"), 1, 'A' },
	{ "DEL", S("\x7f"), 1, 0x7f },
	{ "U+0080", S("\xc2\x80"), 2, 0x80 },
	{ "e acute", S("\xc3\xa9"), 2, 0xe9 },
	{ "U+07FF", S("\xdf\xbf"), 2, 0x7ff },
	{ "U+0800", S("\xe0\xa0\x80"), 3, 0x800 },
	{ "euro", S("\xe2\x82\xac"), 3, 0x20ac },
	{ "U+D7FF", S("\xed\x9f\xbf"), 3, 0xd7ff },
	{ "U+E000", S("\xee\x80\x80"), 3, 0xe000 },
	{ "U+FFFD", S("\xef\xbf\xbd"), 3, 0xfffd },
	{ "U+FFFF", S("\xef\xbf\xbf"), 3, 0xffff },
	{ "U+10000", S("\xf0\x90\x80\x80"), 4, 0x10000 },
	{ "emoji", S("\xf0\x9f\x98\x80"), 4, 0x1f600 },
	{ "U+10FFFF", S("\xf4\x8f\xbf\xbf"), 4, 0x10ffff },
	{ "one of two", S("\xc3\xa9\xc3\xa9"), 2, 0xe9 },
	{ "ASCII after", S("\xe2\x82\xac!"), 3, 0x20ac },
	/* Overlong. */
	{ "overlong NUL", S("\xc0\x80"), 0, 0 },
	{ "overlong /", S("\xc0\xaf"), 0, 0 },
	{ "overlong U+007F", S("\xc1\xbf"), 0, 0 },
	{ "overlong / in 3", S("\xe0\x80\xaf"), 0, 0 },
	{ "overlong U+07FF", S("\xe0\x9f\xbf"), 0, 0 },
	{ "overlong / in 4", S("\xf0\x80\x80\xaf"), 0, 0 },
	{ "overlong U+FFFF", S("\xf0\x8f\xbf\xbf"), 0, 0 },
	/* Surrogates. */
	{ "U+D800", S("\xed\xa0\x80"), 0, 0 },
	{ "U+DBFF", S("\xed\xaf\xbf"), 0, 0 },
	{ "U+DC00", S("\xed\xb0\x80"), 0, 0 },
	{ "U+DFFF", S("\xed\xbf\xbf"), 0, 0 },
	{ "surrogate pair", S("\xed\xa0\xbd\xed\xb8\x80"), 0, 0 },
	/* Truncated: by the end, or by a byte that is no continuation. */
	{ "2 of 1", S("\xc3"), 0, 0 },
	{ "3 of 1", S("\xe2"), 0, 0 },
	{ "3 of 2", S("\xe2\x82"), 0, 0 },
	{ "4 of 3", S("\xf0\x9f\x98"), 0, 0 },
	{ "2, then ASCII", S("\xc3("), 0, 0 },
	{ "3, then ASCII", S("\xe2(\xac"), 0, 0 },
	{ "4, then ASCII", S("\xf0\x9f\x98("), 0, 0 },
	{ "2, then a lead", S("\xc3\xc3\xa9"), 0, 0 },
	{ "4, then NUL", S("\xf0\x9f\x98\0"), 0, 0 },
	{ "n cuts 2", "\xc3\xa9", 1, 0, 0 },
	{ "n cuts 4", "\xf0\x9f\x98\x80", 3, 0, 0 },
	{ "n is 0", "A", 0, 0, 0 },
	/* Past U+10FFFF, and leads no sequence has. */
	{ "U+110000", S("\xf4\x90\x80\x80"), 0, 0 },
	{ "U+13FFFF", S("\xf4\xbf\xbf\xbf"), 0, 0 },
	{ "lead f5", S("\xf5\x80\x80\x80"), 0, 0 },
	{ "lead f7", S("\xf7\xbf\xbf\xbf"), 0, 0 },
	{ "5 bytes", S("\xf8\x88\x80\x80\x80"), 0, 0 },
	{ "6 bytes", S("\xfc\x84\x80\x80\x80\x80"), 0, 0 },
	{ "fe", S("\xfe"), 0, 0 },
	{ "ff", S("\xff"), 0, 0 },
	/* Stray continuation bytes. */
	{ "80", S("\x80"), 0, 0 },
	{ "bf", S("\xbf"), 0, 0 },
	{ "continuation first", S("\x80\xc3\xa9"), 0, 0 },
};

static void
test_table(void)
{
	for (size_t i = 0; i < NELEM(decs); i++) {
		const struct dec *d = &decs[i];
		uint32_t cp = CP_UNSET;
		size_t len = utf8_decode((const unsigned char *)d->s, d->n, &cp);

		if (d->len > 0)
			ok(len == d->len && cp == d->cp, "%s: %zu bytes, "
			    "U+%04X (want %zu, U+%04X)", d->name, len,
			    (unsigned)cp, d->len, (unsigned)d->cp);
		else
			ok(len == 0 && cp == CP_UNSET, "%s: refused (got %zu, "
			    "*cp %s)", d->name, len, cp == CP_UNSET ? "unset" :
			    "set");
	}
}

/* cp in UTF-8 into out: its length. The plain statement of RFC 3629. */
static size_t
encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The bytes a pattern may have after its first: every continuation byte
 * and the bytes on either side of them. */
static const unsigned char tails[] = { 0x00, 0x41, 0x7f, 0xc0, 0xc3, 0xe2,
    0xf0, 0xff };
#define CONT_FIRST	0x80
#define CONT_COUNT	0x40
#define TAIL_COUNT	(CONT_COUNT + NELEM(tails))

static unsigned char
tail_byte(size_t k)
{
	return k < CONT_COUNT ? (unsigned char)(CONT_FIRST + k) :
	    tails[k - CONT_COUNT];
}

/*
 * Every pattern of len bytes with a first byte in lead..lead_last (a
 * 4-byte one needs no lead below 0xf0: those are 1- to 3-byte patterns)
 * and the others from tail_byte(): those decoded whole are exactly the encodings
 * of the code points of that length (want of them), and whatever shorter
 * character is decoded from a pattern is the one encoding of its code point.
 */
static void
test_patterns(size_t len, unsigned lead, unsigned lead_last, uint32_t want)
{
	unsigned char s[4], re[4];
	size_t whole = 0, wrong = 0, n, combos = 1;
	uint32_t cp;

	for (size_t k = 1; k < len; k++)
		combos *= TAIL_COUNT;
	for (unsigned l = lead; l <= lead_last; l++)
		for (size_t v = 0; v < combos; v++) {
			s[0] = (unsigned char)l;
			for (size_t k = 1, r = v; k < len; k++, r /= TAIL_COUNT)
				s[k] = tail_byte(r % TAIL_COUNT);
			if ((n = utf8_decode(s, len, &cp)) == 0)
				continue;
			whole += n == len;
			if (encode(cp, re) != n || memcmp(s, re, n) != 0 ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				wrong++;
		}
	ok(whole == want && wrong == 0, "%zu-byte patterns: %zu decoded whole "
	    "(want %u), %zu not the one encoding of their code point", len,
	    whole, (unsigned)want, wrong);
}

/* Every code point but the surrogates comes back from its encoding. */
static void
test_round_trip(void)
{
	unsigned char s[4];
	size_t bad = 0, n;
	uint32_t got;

	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = encode(cp, s);
		if (utf8_decode(s, n, &got) != n || got != cp ||
		    utf8_decode(s, n - 1, &got) != 0)
			bad++;
	}
	ok(bad == 0, "round trip of every code point: %zu wrong", bad);
}

static void
test_valid_len(void)
{
	static const struct {
		const char	*s;
		size_t		 n, want;
	} t[] = {
		{ S(""), 0 },
		{ S("plain ASCII, longer than a word"), 31 },
		{ S("caf\xc3\xa9"), 5 },
		{ S("ab\0cd"), 5 },
		{ S("\xe2\x82\xac\xf0\x9f\x98\x80 ok"), 10 },
		{ S("abcdefgh\xff"), 8 },
		{ S("abcdefghijk\xe2\x82"), 11 },
		{ S("\xc3\xa9\x80"), 2 },
		{ S("x\xc0\xaf"), 1 },
		{ S("0123456789abcdef\xed\xa0\x80 tail"), 16 },
	};
	static const char *const bad[] = {
		"\xc3\x28", "\xff", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80",
		"\xc1\xbf",
	};
	char buf[64];
	size_t n, got;

	for (size_t i = 0; i < NELEM(t); i++) {
		got = utf8_valid_len((const unsigned char *)t[i].s, t[i].n);
		ok(got == t[i].want, "valid_len #%zu: %zu (want %zu)", i, got,
		    t[i].want);
	}
	/* A bad sequence after off bytes of ASCII (and a good one after
	 * that) is found at off, whichever word it starts in. */
	for (size_t b = 0; b < NELEM(bad); b++)
		for (size_t off = 0; off <= OFFSETS_MAX; off++) {
			n = (size_t)snprintf(buf, sizeof(buf), "%.*s%s\xc3\xa9 "
			    "tail of the line", (int)off,
			    "abcdefghijklmnopqrstu", bad[b]);
			got = utf8_valid_len((const unsigned char *)buf, n);
			ok(got == off, "bad #%zu after %zu bytes: found at %zu",
			    b, off, got);
		}
}

/* True if a cut at off of s[0..n) falls between characters. */
static bool
boundary(const char *s, size_t n, size_t off)
{
	return off == 0 || off == n || !utf8_cont((unsigned char)s[off]);
}

/* ASCII, then 2-, 3- and 4-byte characters, twice. */
static const char mixed[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" "b"
    "\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9" "c";

static void
test_cuts_table(void)
{
	static const struct {
		const char	*s;
		size_t		 n, max, head, tail;
	} t[] = {
		{ S("abc"), 5, 3, 0 },
		{ S("abc"), 3, 3, 0 },
		{ S("abcdef"), 3, 3, 3 },
		{ S("abcdef"), 0, 0, 6 },
		{ S("a\xc3\xa9" "b"), 2, 1, 3 },
		{ S("a\xc3\xa9" "b"), 3, 3, 1 },
		{ S("\xe2\x82\xac\xe2\x82\xac"), 4, 3, 3 },
		{ S("\xe2\x82\xac\xe2\x82\xac"), 5, 3, 3 },
		{ S("\xe2\x82\xac\xe2\x82\xac"), 2, 0, 6 },
		{ S("\xf0\x9f\x98\x80x"), 3, 0, 4 },
		{ S("\xf0\x9f\x98\x80x"), 4, 4, 4 },
		{ S("x\xf0\x9f\x98\x80"), 3, 1, 5 },
		{ S("x\xf0\x9f\x98\x80"), 4, 1, 1 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		size_t h = utf8_head(t[i].s, t[i].n, t[i].max);
		size_t tl = utf8_tail(t[i].s, t[i].n, t[i].max);

		ok(h == t[i].head && tl == t[i].tail, "cuts #%zu at %zu: head "
		    "%zu (want %zu), tail from %zu (want %zu)", i, t[i].max, h,
		    t[i].head, tl, t[i].tail);
	}
}

/* At every max: at most max bytes, between characters, and no character
 * more would fit. */
static void
test_cuts_every_max(void)
{
	size_t n = sizeof(mixed) - 1, h, t, heads_bad = 0, tails_bad = 0;
	uint32_t cp;

	for (size_t max = 0; max <= n + 1; max++) {
		h = utf8_head(mixed, n, max);
		if (h > max || !boundary(mixed, n, h) || (h < n &&
		    h + utf8_decode((const unsigned char *)mixed + h, n - h,
		    &cp) <= max))
			heads_bad++;
		t = utf8_tail(mixed, n, max);
		if (n - t > max || !boundary(mixed, n, t) || (t > 0 &&
		    n - utf8_head(mixed, n, t - 1) <= max))
			tails_bad++;
	}
	ok(heads_bad == 0, "utf8_head at every max: %zu wrong", heads_bad);
	ok(tails_bad == 0, "utf8_tail at every max: %zu wrong", tails_bad);
}

int
main(void)
{
	test_table();
	test_patterns(1, 0x00, 0xff, CPS_1BYTE);
	test_patterns(2, 0x00, 0xff, CPS_2BYTE);
	test_patterns(3, 0x00, 0xff, CPS_3BYTE);
	test_patterns(4, 0xf0, 0xff, CPS_4BYTE);
	test_round_trip();
	test_valid_len();
	test_cuts_table();
	test_cuts_every_max();
	return test_done();
}
