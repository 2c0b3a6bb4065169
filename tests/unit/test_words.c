/*
 * test_words.c: word counts of markdown sources: hand-made cases, and both
 * block-at-a-time counters (SSE2 and portable classifiers) against a
 * byte-at-a-time statement of the rule over random text, at every length
 * around the block edges.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "words.h"

/* words.c once more, with its portable classifier, as words_portable(). */
size_t	words_portable(const char *md, size_t len);
#define WORDS_PORTABLE
#define words_count words_portable
#include "words.c"
#undef words_count

#define RANDOM_TEXTS	4000	/* random sources checked */
#define RANDOM_MAX	300	/* their longest, a few blocks */
#define RUN_MAX		200	/* longest run of markup across blocks */
#define LEADS		3	/* what comes before it: nothing, a word, a space */

/* Both counters: the library's and the portable one. */
static const struct {
	size_t		(*fn)(const char *, size_t);
	const char	*name;
} counters[] = {
	{ words_count, "words_count" }, { words_portable, "portable" },
};
#define NCOUNTERS	(sizeof(counters) / sizeof(counters[0]))

/* The rule, one byte at a time: a word byte after white space (or at the
 * start) starts a word; other bytes keep the state. */
static size_t
words_reference(const unsigned char *p, size_t len)
{
	size_t words = 0;
	bool in = false;

	for (size_t i = 0; i < len; i++) {
		unsigned c = p[i];
		bool space = c == ' ' || (c >= '\t' && c <= '\r');
		bool word = c >= 0x80 || (c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		if (word && !in)
			words++;
		if (word)
			in = true;
		else if (space)
			in = false;
	}
	return words;
}

static void
test_cases(size_t (*count)(const char *, size_t), const char *name)
{
	static const struct {
		const char *md;
		size_t words;
	} cases[] = {
		{ "", 0 }, { "Hello world", 2 }, { "## Title\n\n- a b\n", 3 },
		{ "**bold** and _it_", 3 }, { "> quoted line\n", 2 },
		{ "caf\xc3\xa9 ol\xc3\xa9", 2 }, { "1 2 3", 3 },
		{ "---\n***\n", 0 }, { "(see [this](x))", 2 },
		{ "a-b c--d", 2 }, { "\t\v\f\rx", 1 }, { "@ `", 0 },
		{ "[{Z}]", 1 }, { "/:;<=>?@[\\]^`{|}~", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = count(cases[i].md, strlen(cases[i].md));
		ok(n == cases[i].words, "%s: words of \"%s\": %zu, want %zu",
		    name, cases[i].md, n, cases[i].words);
	}
}

/* Every byte value, each alone and each between words: the classes must
 * agree with the rule for all 256. */
static void
test_every_byte(size_t (*count)(const char *, size_t), const char *name)
{
	for (unsigned c = 0; c < 256; c++) {
		unsigned char s[] = { 'a', ' ', (unsigned char)c, 'b', ' ',
		    (unsigned char)c };
		size_t want = words_reference(s, sizeof(s));
		size_t got = count((const char *)s, sizeof(s));

		ok(got == want, "%s: byte 0x%02x: %zu words, want %zu", name,
		    c, got, want);
	}
}

/* Long runs of markup and of space across block edges: "(((...x" counts
 * one word whether the run starts in the block before or not. */
static void
test_runs_across_blocks(size_t (*count)(const char *, size_t), const char *name)
{
	unsigned char s[RUN_MAX + 2];

	for (size_t run = 0; run < RUN_MAX; run++) {
		for (size_t lead = 0; lead < LEADS; lead++) {
			size_t n = 0;

			if (lead == 1)
				s[n++] = 'w';
			if (lead == 2)
				s[n++] = ' ';
			for (size_t k = 0; k < run; k++)
				s[n++] = '(';
			s[n++] = 'x';
			size_t want = words_reference(s, n);
			size_t got = count((const char *)s, n);
			ok(got == want, "%s: lead %zu, run %zu: %zu, want %zu",
			    name, lead, run, got, want);
		}
	}
}

static void
test_random(size_t (*count)(const char *, size_t), const char *name)
{
	/* Letters, digits, white space, markup and UTF-8, so runs of each
	 * class are short and long. */
	static const char alphabet[] = "aZ09 \t\n\r(*-_`|#>!\xc3\xa9\x80\x7f";
	unsigned char s[RANDOM_MAX];
	size_t bad = 0;

	for (size_t t = 0; t < RANDOM_TEXTS; t++) {
		size_t len = (size_t)(xorshift() % (RANDOM_MAX + 1));
		size_t classes = 1 + (size_t)(xorshift() %
		    (sizeof(alphabet) - 1));

		for (size_t i = 0; i < len; i++)
			s[i] = (unsigned char)alphabet[xorshift() %
			    classes];
		if (count((const char *)s, len) != words_reference(s, len))
			bad++;
	}
	ok(bad == 0, "%s: %zu of %d random texts counted wrong", name, bad,
	    RANDOM_TEXTS);
}

int
main(void)
{
	for (size_t i = 0; i < NCOUNTERS; i++) {
		test_cases(counters[i].fn, counters[i].name);
		test_every_byte(counters[i].fn, counters[i].name);
		test_runs_across_blocks(counters[i].fn, counters[i].name);
		test_random(counters[i].fn, counters[i].name);
	}
	return test_done();
}
