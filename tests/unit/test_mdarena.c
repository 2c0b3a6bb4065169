/*
 * test_mdarena.c: the cmark arena: calloc zeroes (also memory used before
 * a reset), realloc keeps the bytes whether it grows in place or moves,
 * allocations never overlap, one larger than a chunk works, and markdown
 * renders the same after many documents. Past MDARENA_MAX, a caught arena
 * jumps out and works again after a reset; markdown built to take more is
 * refused with EFBIG, and the next document renders as before.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio_limits.h"
#include "markdown.h"
#include "mdarena.h"
#include "test.h"

#define SMALL		24
#define MANY		5000
#define BIG		((size_t)1 << 20)

static void
test_alloc(void)
{
	cmark_mem *m = mdarena_mem();
	unsigned char *a, *b, *c, *big;
	bool zero = true, kept = true;

	a = m->calloc(1, SMALL);
	memset(a, 0xaa, SMALL);
	b = m->calloc(1, SMALL);
	ok(a != NULL && b != NULL && (b >= a + SMALL || b + SMALL <= a),
	    "two allocations do not overlap");
	for (size_t i = 0; i < SMALL; i++)
		zero &= b[i] == 0;
	ok(zero, "calloc zeroes");
	/* b is the newest: it grows in place. */
	c = m->realloc(b, 4 * SMALL);
	ok(c == b, "the newest allocation grows in place");
	memset(c, 0x55, 4 * SMALL);
	/* a is not: it moves, keeping its bytes. */
	c = m->realloc(a, 8 * SMALL);
	for (size_t i = 0; c != NULL && i < SMALL; i++)
		kept &= c[i] == 0xaa;
	ok(c != NULL && c != a && kept, "an older one moves with its bytes");
	big = m->calloc(1, BIG);
	ok(big != NULL && big[0] == 0 && big[BIG - 1] == 0,
	    "larger than a chunk");
	memset(big, 1, BIG);
	ok(m->realloc(NULL, SMALL) != NULL, "realloc(NULL) allocates");
	mdarena_reset();
	/* Memory written before the reset comes back zeroed by calloc. */
	zero = true;
	for (int k = 0; k < MANY; k++) {
		unsigned char *p = m->calloc(1, SMALL);

		for (size_t i = 0; p != NULL && i < SMALL; i++)
			zero &= p[i] == 0;
		if (p == NULL)
			zero = false;
		else
			memset(p, 0xff, SMALL);
	}
	ok(zero, "calloc zeroes reused memory");
	mdarena_reset();
}

static void
test_render_again(void)
{
	static const char md[] = "# Title\n\nSome *text* with `code` and a "
	    "[link](https://example.com).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
	struct markdown_out first, again;
	bool same = true;

	ok(markdown_render(md, strlen(md), false, NULL, &first) == 0,
	    "render");
	for (int i = 0; i < MANY / 10 && same; i++) {
		if (markdown_render(md, strlen(md), false, NULL, &again) != 0) {
			same = false;
			break;
		}
		same = again.html_len == first.html_len &&
		    memcmp(again.html, first.html, first.html_len) == 0;
		free(again.html);
	}
	ok(same, "the same HTML every time");
	ok(first.html != NULL && strstr(first.html, "<table>") != NULL &&
	    strstr(first.html, "id=\"title\"") != NULL, "tables and ids");
	free(first.html);
}

/* Allocations of BIG (malloc'd, never touched) until the arena jumps. */
static void
test_catch(void)
{
	cmark_mem *m = mdarena_mem();
	static size_t taken;	/* static: kept across the longjmp */
	jmp_buf over;

	taken = 0;
	if (setjmp(over) == 0) {
		mdarena_catch(&over);
		while (taken <= MDARENA_MAX / BIG + 1) {
			(void)m->realloc(NULL, BIG);
			taken++;
		}
		mdarena_catch(NULL);
		ok(0, "no jump after %zu MiB", taken);
	}
	ok(taken >= MDARENA_MAX / BIG - 1 && taken <= MDARENA_MAX / BIG,
	    "jumped after %zu of %zu MiB", taken, MDARENA_MAX / BIG);
	mdarena_reset();
	/* Uncaught again: a large allocation is simply made. */
	void *p = m->realloc(NULL, BIG);
	ok(p != NULL, "works after a reset");
	mdarena_reset();
}

/* Headings, each a node with its id and text: about 300 MB of cmark's for
 * a MiB of them (the arena keeps what cmark frees as it goes). */
static void
test_too_big(void)
{
	static const char line[] = "# x\n", fine[] = "~~gone~~ and *here*\n";
	size_t n = (1u << 20) / (sizeof(line) - 1) * (sizeof(line) - 1);
	struct markdown_out out;
	char *md = malloc(n + 1);

	for (size_t i = 0; md != NULL && i < n; i += sizeof(line) - 1)
		memcpy(md + i, line, sizeof(line) - 1);
	errno = 0;
	ok(md != NULL && markdown_render(md, n, false, NULL, &out) == -1 &&
	    errno == EFBIG && out.html == NULL, "too big: EFBIG, no HTML");
	free(md);
	/* The next document, strikethrough included (cmark's extensions keep
	 * global state that the jump cut short), renders as ever. */
	ok(markdown_render(fine, sizeof(fine) - 1, false, NULL, &out) == 0 &&
	    strcmp(out.html, "<p><del>gone</del> and <em>here</em></p>\n") ==
	    0, "renders after: %s", out.html ? out.html : "(null)");
	free(out.html);
}

int
main(void)
{
	test_alloc();
	test_render_again();
	test_catch();
	test_too_big();
	mdarena_release();
	return test_done();
}
