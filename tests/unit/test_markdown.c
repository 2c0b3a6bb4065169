/*
 * test_markdown.c: markdown_render() on the GFM extensions (tables,
 * strikethrough, autolinks, task lists), heading ids (duplicates, nested,
 * non-ASCII), raw HTML dropped or kept, and the word count.
 */
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "test.h"

struct md_case {
	const char	*name;
	const char	*md;
	bool		 unsafe;
	const char	*want[6];	/* substrings the HTML must hold */
	const char	*never[4];	/* substrings it must not */
};

static const struct md_case cases[] = {
	{ "paragraph", "Hello *world*.\n", false,
	    { "<p>Hello <em>world</em>.</p>\n" }, { "<h" } },
	{ "heading id", "## Hello World\n", false,
	    { "<h2 id=\"hello-world\">Hello World</h2>\n" }, { NULL } },
	{ "heading levels", "# One\n\n###### Six\n", false,
	    { "<h1 id=\"one\">One</h1>", "<h6 id=\"six\">Six</h6>" },
	    { NULL } },
	{ "setext heading", "Title here\n==========\n", false,
	    { "<h1 id=\"title-here\">Title here</h1>" }, { NULL } },
	{ "duplicate ids", "# A\n\n# A\n\n# A\n\n# A 1\n", false,
	    { "<h1 id=\"a\">A</h1>\n<h1 id=\"a-1\">A</h1>\n"
	      "<h1 id=\"a-2\">A</h1>\n<h1 id=\"a-1-1\">A 1</h1>" },
	    { NULL } },
	{ "punctuation collapses", "## --Hello,   World!?--\n", false,
	    { "id=\"hello-world\"" }, { NULL } },
	{ "inline markup in heading", "## Use `make check` *now*\n", false,
	    { "<h2 id=\"use-make-check-now\">Use <code>make check</code> "
	      "<em>now</em></h2>" }, { NULL } },
	{ "link in heading", "## See [the docs](/docs)\n", false,
	    { "<h2 id=\"see-the-docs\">See <a href=\"/docs\">the docs</a></h2>" },
	    { NULL } },
	{ "non-ascii heading", "## Café — naïve 日本語\n", false,
	    { "id=\"café-naïve-日本語\"" }, { NULL } },
	{ "empty heading", "#\n\n## !!!\n", false,
	    { "<h1 id=\"section\"></h1>", "<h2 id=\"section-1\">!!!</h2>" },
	    { NULL } },
	{ "heading in blockquote", "> ## Quoted\n", false,
	    { "<blockquote>\n<h2 id=\"quoted\">Quoted</h2>\n</blockquote>" },
	    { NULL } },
	{ "heading in list", "- item\n\n  ### Nested\n- # Top\n", false,
	    { "<h3 id=\"nested\">Nested</h3>", "<h1 id=\"top\">Top</h1>" },
	    { NULL } },
	{ "nested dup with top", "# Same\n\n> # Same\n", false,
	    { "<h1 id=\"same\">Same</h1>", "<h1 id=\"same-1\">Same</h1>" },
	    { NULL } },
	{ "html in heading, safe", "## <b>Bold</b> text\n", false,
	    { "<h2 id=\"bold-text\"><!-- raw HTML omitted -->Bold<!-- raw "
	      "HTML omitted --> text</h2>" }, { "<b>" } },
	{ "html in heading, unsafe", "## <b>Bold</b> text\n", true,
	    { "<h2 id=\"bold-text\"><b>Bold</b> text</h2>" }, { NULL } },
	{ "heading ids unsafe", "# X\n\n# X\n", true,
	    { "<h1 id=\"x\">X</h1>\n<h1 id=\"x-1\">X</h1>" }, { NULL } },
	{ "table", "| a | b |\n|---|--:|\n| 1 | 2 |\n", false,
	    { "<table>", "<th>a</th>", "<td>1</td>", "<td align=\"right\">2</td>",
	      "</table>" }, { NULL } },
	{ "strikethrough", "~~gone~~ and ~one~\n", false,
	    { "<del>gone</del>", "<del>one</del>" }, { NULL } },
	{ "autolink", "See https://example.com/x?y=1 and www.example.org.\n",
	    false,
	    { "<a href=\"https://example.com/x?y=1\">https://example.com/x?y=1"
	      "</a>", "<a href=\"http://www.example.org\">www.example.org</a>" },
	    { NULL } },
	{ "autolink email", "Mail me@example.com\n", false,
	    { "<a href=\"mailto:me@example.com\">me@example.com</a>" },
	    { NULL } },
	{ "tasklist", "- [ ] todo\n- [x] done\n", false,
	    { "<input type=\"checkbox\" disabled=\"\" /> todo",
	      "<input type=\"checkbox\" checked=\"\" disabled=\"\" /> done" },
	    { NULL } },
	{ "raw html block dropped", "<div class=\"x\">hi</div>\n\ntext\n", false,
	    { "<!-- raw HTML omitted -->", "<p>text</p>" }, { "<div" } },
	{ "raw html block kept", "<div class=\"x\">hi</div>\n", true,
	    { "<div class=\"x\">hi</div>" }, { "omitted" } },
	{ "script dropped", "<script>alert(1)</script>\n", false,
	    { "<!-- raw HTML omitted -->" }, { "<script", "alert(1)</" } },
	{ "inline script dropped", "a <script>alert(1)</script> b\n", false,
	    { "<p>a <!-- raw HTML omitted -->alert(1)<!-- raw HTML omitted --> "
	      "b</p>" }, { "<script" } },
	{ "event handler dropped", "<img src=x onerror=alert(1)>\n", false,
	    { "omitted" }, { "onerror", "<img" } },
	{ "javascript link neutralised", "[x](javascript:alert(1))\n", false,
	    { "<a href=\"\">x</a>" }, { "javascript:" } },
	{ "javascript link neutralised unsafe", "[x](javascript:alert(1))\n",
	    true, { "<a href=\"javascript:alert(1)\">x</a>" }, { NULL } },
	{ "heading text escaped", "## a < b & 'c' `\"`\n", false,
	    { "<h2 id=\"a-b-c\">a &lt; b &amp; ‘c’ <code>&quot;</code></h2>" },
	    { NULL } },
	{ "code block", "```c\nint x;\n```\n", false,
	    { "<pre><code class=\"language-c\">int x;\n</code></pre>" },
	    { NULL } },
	{ "smart punctuation", "\"quoted\" -- dash\n", false,
	    { "<p>“quoted” – dash</p>" }, { NULL } },
	{ "invalid utf-8 replaced", "bad \xff byte\n", false,
	    { "bad \xef\xbf\xbd byte" }, { "\xff" } },
	{ "empty", "", false, { NULL }, { "<" } },
};

struct words_case {
	const char	*md;
	size_t		 words;
};

static const struct words_case words[] = {
	{ "", 0 },
	{ "one\n", 1 },
	{ "one two  three\n", 3 },
	{ "# Title words\n\nBody has four words.\n", 6 },
	{ "foo*bar* baz\n", 2 },
	{ "line one\nline two\n", 4 },
	{ "a - b\n", 2 },
	{ "use `make check` now\n", 4 },
	{ "- one\n- two\n\n> three four\n", 4 },
	{ "```\ncode is not counted\n```\n", 0 },
	{ "[link text](http://x) after\n", 3 },
	{ "日本語 テキスト\n", 2 },
};

static bool
holds(const char *html, const char *s)
{
	return strstr(html, s) != NULL;
}

static void
test_case(const struct md_case *c)
{
	struct markdown_out out;
	int rc;

	rc = markdown_render(c->md, strlen(c->md), c->unsafe, &out);
	ok(rc == 0 && out.html != NULL, "%s: rc %d", c->name, rc);
	if (rc != 0 || out.html == NULL)
		return;
	ok(out.html_len == strlen(out.html), "%s: html_len", c->name);
	for (size_t i = 0; i < 6 && c->want[i] != NULL; i++)
		ok(holds(out.html, c->want[i]), "%s: no '%s' in:\n%s", c->name,
		    c->want[i], out.html);
	for (size_t i = 0; i < 4 && c->never[i] != NULL; i++)
		ok(!holds(out.html, c->never[i]), "%s: '%s' in:\n%s", c->name,
		    c->never[i], out.html);
	free(out.html);
}

/* The md buffer need not be NUL-terminated: only len bytes are read. */
static void
test_length(void)
{
	static const char text[] = "## Cut here and not beyond";
	struct markdown_out out;
	char *md;

	if ((md = malloc(11)) == NULL)
		return;
	memcpy(md, text, 11);
	ok(markdown_render(md, 11, false, &out) == 0 &&
	    strcmp(out.html, "<h2 id=\"cut-here\">Cut here</h2>\n") == 0,
	    "length bound: %s", out.html ? out.html : "(null)");
	free(out.html);
	free(md);
}

/* Thousands of identical headings get distinct ids quickly. */
static void
test_many_headings(void)
{
	enum { N = 5000 };
	struct markdown_out out;
	char *md, want[64];
	size_t n = 0;

	if ((md = malloc(N * 8 + 1)) == NULL)
		return;
	for (int i = 0; i < N; i++) {
		memcpy(md + n, "# Same\n\n", 8);
		n += 8;
	}
	ok(markdown_render(md, n, false, &out) == 0, "many headings");
	snprintf(want, sizeof(want), "id=\"same-%d\"", N - 1);
	ok(out.html != NULL && holds(out.html, want) &&
	    !holds(out.html, "id=\"same-5000\""), "last id %s", want);
	free(out.html);
	free(md);
}

/* A very long heading gets an id cut at a character boundary. */
static void
test_long_heading(void)
{
	struct markdown_out out;
	char md[512], *p, *q;
	size_t n;

	n = (size_t)snprintf(md, sizeof(md), "# ");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(md + n, sizeof(md) - n, "é");
	ok(markdown_render(md, n, false, &out) == 0, "long heading");
	p = out.html ? strstr(out.html, "id=\"") : NULL;
	q = p ? strchr(p + 4, '"') : NULL;
	ok(p != NULL && q != NULL && q - (p + 4) <= 80 && (q - (p + 4)) % 2 == 0,
	    "long id cut at a boundary: %s", out.html ? out.html : "");
	free(out.html);
}

/* A heading of one text longer than the text looked at still gets an id
 * from its start. */
static void
test_huge_heading(void)
{
	struct markdown_out out;
	char *md;
	size_t n = 4000;

	if ((md = malloc(n)) == NULL)
		return;
	memcpy(md, "# Start ", 8);
	memset(md + 8, 'x', n - 8);
	ok(markdown_render(md, n, false, &out) == 0 && out.html != NULL &&
	    strncmp(out.html, "<h1 id=\"start-xxx", 17) == 0,
	    "huge heading id");
	free(out.html);
	free(md);
}

int
main(void)
{
	struct markdown_out out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		ok(markdown_render(words[i].md, strlen(words[i].md), false,
		    &out) == 0, "words render %zu", i);
		ok(out.words == words[i].words, "words of '%s': %zu want %zu",
		    words[i].md, out.words, words[i].words);
		free(out.html);
	}
	test_length();
	test_many_headings();
	test_long_heading();
	test_huge_heading();
	return test_done();
}
