/*
 * words.c: word counting over a whole site's sources on each cold build,
 * so it goes a block of WORDS_BLOCK bytes at a time: each block becomes two
 * bit masks (word bytes, space bytes) and one addition finds where each
 * word starts, with no branch per byte.
 */
#include <stdint.h>
#include <string.h>

#include "words.h"

/* WORDS_PORTABLE: the plain C classifier even where SSE2 is there (the
 * unit test checks both). */
#if defined(__SSE2__) && !defined(WORDS_PORTABLE)
#define WORDS_SSE2
#include <emmintrin.h>
#endif

#define WORDS_BLOCK	64	/* bytes per block: one bit each in a uint64_t */
#define WORDS_LANE	16	/* bytes per SSE2 register */

/* Bit i: byte i of the block is part of a word / is white space. Any other
 * byte (punctuation, markup) leaves the state as it was. */
struct block_class {
	uint64_t word;
	uint64_t space;
};

#if defined(WORDS_SSE2)
/* Bytes of v in lo..hi, compared as signed bytes: bytes of 0x80 and above
 * are negative and never in an ASCII range. */
static __m128i
in_range(__m128i v, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
	    _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1))));
}

static struct block_class
classify(const unsigned char *p)
{
	struct block_class c = { 0, 0 };

	for (unsigned lane = 0; lane < WORDS_BLOCK / WORDS_LANE; lane++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + lane * WORDS_LANE));
		__m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
		__m128i word = _mm_or_si128(in_range(v, '0', '9'),
		    in_range(lower, 'a', 'z'));
		__m128i space = _mm_or_si128(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8(' ')), in_range(v, '\t', '\r'));
		/* The sign bit is set exactly for bytes of 0x80 and above. */
		uint64_t w = (uint64_t)(unsigned)_mm_movemask_epi8(
		    _mm_or_si128(word, v));
		uint64_t s = (uint64_t)(unsigned)_mm_movemask_epi8(space);

		c.word |= w << (lane * WORDS_LANE);
		c.space |= s << (lane * WORDS_LANE);
	}
	return c;
}
#else
static struct block_class
classify(const unsigned char *p)
{
	struct block_class c = { 0, 0 };

	for (unsigned i = 0; i < WORDS_BLOCK; i++) {
		unsigned b = p[i];
		uint64_t space = (b == ' ') | (b - '\t' < 5u);
		uint64_t word = (b >= 0x80) | (b - '0' < 10u) |
		    ((b | 0x20) - 'a' < 26u);

		c.word |= word << i;
		c.space |= space << i;
	}
	return c;
}
#endif

/*
 * Word starts in one block. *in says whether the last byte before the block
 * that was not punctuation was a word byte; it is updated for the next.
 *
 * A word byte starts a word when the nearest non-punctuation byte before
 * it is a space (or there is none). seed marks the bytes right after a
 * space. A seed on punctuation starts a run of it; adding the seed to the
 * punctuation mask carries across that run to the first byte after it,
 * which starts a word if it is a word byte.
 */
static unsigned
block_starts(struct block_class c, unsigned *in)
{
	uint64_t other = ~(c.word | c.space);
	uint64_t seed = (c.space << 1) | (uint64_t)(*in == 0);
	/* Outside the punctuation mask, the sum has bits only where a carry
	 * landed: the first byte after each seeded run. */
	uint64_t after_run = other + (seed & other);
	uint64_t starts = c.word & (seed | after_run);
	uint64_t last = c.word | c.space;

	if (last != 0)
		*in = (unsigned)(c.word >> (WORDS_BLOCK - 1 -
		    __builtin_clzll(last))) & 1u;
	return (unsigned)__builtin_popcountll(starts);
}

size_t
words_count(const char *md, size_t len)
{
	const unsigned char *p = (const unsigned char *)md;
	unsigned char tail[WORDS_BLOCK];
	size_t words = 0, i = 0;
	unsigned in = 0;

	for (; len - i >= WORDS_BLOCK; i += WORDS_BLOCK)
		words += block_starts(classify(p + i), &in);
	if (i == len)
		return words;
	/* The last partial block, padded with spaces: they start nothing. */
	memset(tail, ' ', sizeof(tail));
	memcpy(tail, p + i, len - i);
	return words + block_starts(classify(tail), &in);
}
