/*
 * test_buf.c: the bounded buffer: growth, the bound, HTML escaping, take,
 * and cutting back (buf_truncate).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "test.h"

static void
test_growth(void)
{
	struct buf b;
	char *p;
	size_t len;

	buf_init(&b, 1 << 20);
	for (int i = 0; i < 10000; i++)
		buf_printf(&b, "%d,", i % 10);
	ok(!buf_failed(&b), "10000 appends fit");
	ok(b.len == 20000, "length %zu", b.len);
	ok(strncmp(b.data, "0,1,2,", 6) == 0, "content kept across growth");
	p = buf_take(&b, &len);
	ok(p != NULL && len == 20000 && p[len] == '\0', "take gives the text");
	ok(b.data == NULL && b.len == 0, "take empties the buffer");
	free(p);
	buf_free(&b);
}

static void
test_bound(void)
{
	struct buf b;

	buf_init(&b, 8);
	buf_puts(&b, "12345678");
	ok(!buf_failed(&b) && b.len == 8, "exactly the bound fits");
	buf_putc(&b, 'x');
	ok(buf_failed(&b), "one byte over fails");
	buf_puts(&b, "more");
	ok(b.len == 8, "appends after failure are ignored");
	ok(buf_take(&b, NULL) == NULL, "a failed buffer gives nothing");
	buf_free(&b);

	buf_init(&b, 4);
	buf_append(&b, "abc", (size_t)-1);
	ok(buf_failed(&b), "a huge length fails without overflow");
	buf_free(&b);
}

static void
test_html(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "<script>", "&lt;script&gt;" },
		{ "a & b", "a &amp; b" },
		{ "\"q\" 'a'", "&quot;q&quot; &#39;a&#39;" },
		{ "&amp;", "&amp;amp;" },
		{ "é<", "é&lt;" },
	};
	struct buf b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 1024);
		buf_html(&b, cases[i].in);
		ok(strcmp(b.data ? b.data : "", cases[i].out) == 0,
		    "escape %s: got %s", cases[i].in, b.data ? b.data : "");
		buf_free(&b);
	}
	buf_init(&b, 1024);
	buf_html_n(&b, "<ab>", 2);
	ok(b.len == 5 && memcmp(b.data, "&lt;a", 5) == 0, "escape a prefix");
	buf_free(&b);
}

static void
test_reset(void)
{
	struct buf b;

	buf_init(&b, 2);
	buf_puts(&b, "abc");
	ok(buf_failed(&b), "over the bound");
	buf_reset(&b);
	ok(!buf_failed(&b) && b.len == 0, "reset clears the failure");
	buf_puts(&b, "ab");
	ok(!buf_failed(&b) && strcmp(b.data, "ab") == 0, "usable after reset");
	buf_free(&b);
}

/* A part that did not fit is undone, and the buffer is usable again. */
static void
test_truncate(void)
{
	struct buf b;

	buf_init(&b, 8);
	buf_puts(&b, "head");
	buf_puts(&b, "too long");
	ok(buf_failed(&b), "a part too long fails");
	buf_truncate(&b, 4);
	ok(!buf_failed(&b) && b.len == 4 && strcmp(b.data, "head") == 0,
	    "cut back to before it");
	buf_puts(&b, "tail");
	ok(!buf_failed(&b) && strcmp(b.data, "headtail") == 0, "then appends");
	buf_truncate(&b, 100);
	ok(b.len == 8, "never longer");
	buf_free(&b);
	buf_truncate(&b, 0);
	ok(b.len == 0 && !buf_failed(&b), "an empty buffer");
}

int
main(void)
{
	test_growth();
	test_bound();
	test_html();
	test_reset();
	test_truncate();
	return test_done();
}
