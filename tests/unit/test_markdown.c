/*
 * test_markdown.c: markdown_render() on the GFM extensions (tables,
 * strikethrough, autolinks, task lists), heading ids (duplicates, nested,
 * non-ASCII), raw HTML dropped or kept, the word count, and responsive
 * images with a stub resolver (srcset, sizes, loading, escaping, what is
 * left alone), plus the URL helpers images are resolved with.
 */
#include <stdio.h>
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

	rc = markdown_render(c->md, strlen(c->md), c->unsafe, NULL, &out);
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
	ok(markdown_render(md, 11, false, NULL, &out) == 0 &&
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
	ok(markdown_render(md, n, false, NULL, &out) == 0, "many headings");
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
	ok(markdown_render(md, n, false, NULL, &out) == 0, "long heading");
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
	ok(markdown_render(md, n, false, NULL, &out) == 0 && out.html != NULL &&
	    strncmp(out.html, "<h1 id=\"start-xxx", 17) == 0,
	    "huge heading id");
	free(out.html);
	free(md);
}

/* --- Images ------------------------------------------------------------ */

/* What the stub resolver knows: a URL as written, and what it stands for. */
struct stub_image {
	const char	*written;
	const char	*path;
	const char	*version;
	uint32_t	 width, height;
};

static const struct stub_image stub_images[] = {
	{ "/images/dusk.jpg", "/images/dusk.jpg", "00112233aabbccdd", 1000, 500 },
	{ "fig.png", "/posts/fig.png", "0123456789abcdef", 640, 480 },
	{ "/images/tiny.png", "/images/tiny.png", "ffffffffffffffff", 20, 10 },
	{ "/images/huge.jpg", "/images/huge.jpg", "1111111111111111", 5000,
	    4000 },
	{ "/images/a&b \"c\".png", "/images/a&b \"c\".png", "2222222222222222",
	    100, 50 },
};

/* The calls the stub saw. */
#define STUB_CALLS_MAX	16
struct stub {
	size_t	ncalls;
	char	url[STUB_CALLS_MAX][128];
	size_t	line[STUB_CALLS_MAX];
};

static bool
stub_resolve(void *arg, const char *url, size_t line, struct md_image *out)
{
	struct stub *st = arg;

	if (st->ncalls < STUB_CALLS_MAX) {
		snprintf(st->url[st->ncalls], sizeof(st->url[0]), "%s", url);
		st->line[st->ncalls] = line;
	}
	st->ncalls++;
	for (size_t i = 0; i < sizeof(stub_images) / sizeof(stub_images[0]);
	    i++) {
		const struct stub_image *s = &stub_images[i];

		if (strcmp(url, s->written) != 0)
			continue;
		snprintf(out->url, sizeof(out->url), "%s", s->path);
		snprintf(out->version, sizeof(out->version), "%s", s->version);
		out->width = s->width;
		out->height = s->height;
		return true;
	}
	return false;
}

static const int stub_widths[] = { 32, 64, 640, 1080, 1920 };

/* Renders md with the stub; returns the HTML (caller frees) or NULL. */
static char *
render_images(const char *md, bool unsafe, struct stub *st)
{
	struct markdown_images im = {
		.resolve = stub_resolve, .arg = st, .widths = stub_widths,
		.nwidths = sizeof(stub_widths) / sizeof(stub_widths[0]),
		.quality = 75,
	};
	struct markdown_out out;

	memset(st, 0, sizeof(*st));
	if (markdown_render(md, strlen(md), unsafe, &im, &out) != 0)
		return NULL;
	return out.html;
}

#define DUSK(w)	"/_img?url=/images/dusk.jpg&amp;w=" #w		\
		"&amp;q=75&amp;v=00112233aabbccdd"
#define SIZES	"sizes=\"(min-width: 46.5rem) 44rem, calc(100vw - 2.5rem)\""

struct img_case {
	const char	*name;
	const char	*md;
	bool		 unsafe;
	size_t		 calls;		/* resolver calls expected */
	const char	*want[6];
	const char	*never[4];
};

static const struct img_case img_cases[] = {
	{ "srcset up to the source's width", "![Dusk](/images/dusk.jpg)\n",
	    false, 1,
	    { "<p><img src=\"" DUSK(1080) "\" srcset=\"" DUSK(32) " 32w, "
	      DUSK(64) " 64w, " DUSK(640) " 640w, " DUSK(1080) " 1000w\" "
	      SIZES " width=\"1000\" height=\"500\" alt=\"Dusk\" "
	      "decoding=\"async\" fetchpriority=\"high\"></p>" },
	    { "1920", "loading=", "/images/dusk.jpg\"" } },
	{ "first eager, later lazy",
	    "![one](/images/dusk.jpg)\n\n![two](fig.png)\n\n"
	    "![three](/images/dusk.jpg)\n", false, 3,
	    { "alt=\"one\" decoding=\"async\" fetchpriority=\"high\">",
	      "alt=\"two\" decoding=\"async\" loading=\"lazy\">",
	      "alt=\"three\" decoding=\"async\" loading=\"lazy\">",
	      "src=\"/_img?url=/posts/fig.png&amp;w=640&amp;q=75&amp;"
	      "v=0123456789abcdef\"",
	      "width=\"640\" height=\"480\"",
	      "v=0123456789abcdef 640w\"" },
	    { "alt=\"two\" decoding=\"async\" fetchpriority" } },
	{ "a source narrower than every width", "![t](/images/tiny.png)\n",
	    false, 1,
	    { "src=\"/_img?url=/images/tiny.png&amp;w=32&amp;q=75&amp;"
	      "v=ffffffffffffffff\" srcset=\"/_img?url=/images/tiny.png&amp;"
	      "w=32&amp;q=75&amp;v=ffffffffffffffff 20w\"",
	      "width=\"20\" height=\"10\"" }, { "w=64" } },
	{ "a source wider than every width", "![h](/images/huge.jpg)\n",
	    false, 1,
	    { "src=\"/_img?url=/images/huge.jpg&amp;w=1080&amp;", "w=1920&amp;"
	      "q=75&amp;v=1111111111111111 1920w\"",
	      "width=\"5000\" height=\"4000\"" }, { "5000w" } },
	{ "alt and url escaped",
	    "![a <b> & c](</images/a&b \"c\".png>)\n", false, 1,
	    { "alt=\"a &lt;b&gt; &amp; c\"",
	      "src=\"/_img?url=/images/a%26b%20%22c%22.png&amp;w=640&amp;" },
	    { "<b>", "a&b", "\"c\"" } },
	{ "alt text of inlines", "![*x* `y`\nz](/images/dusk.jpg)\n", false, 1,
	    { "alt=\"x y z\"" }, { "<em>", "<code>" } },
	{ "title kept", "![a](/images/dusk.jpg \"T & 't'\")\n", false, 1,
	    { "alt=\"a\" title=\"T &amp; &#39;t&#39;\" decoding" }, { NULL } },
	{ "remote images untouched",
	    "![r](https://example.com/x.png) ![s](//cdn.example/y.png) "
	    "![d](data:image/png;base64,AAAA)\n", false, 0,
	    { "<img src=\"https://example.com/x.png\" alt=\"r\" />",
	      "<img src=\"//cdn.example/y.png\" alt=\"s\" />" },
	    { "_img", "srcset" } },
	{ "unresolvable stays plain", "![m](/images/missing.png \"t\")\n",
	    false, 1,
	    { "<p><img src=\"/images/missing.png\" alt=\"m\" title=\"t\" />"
	      "</p>" }, { "_img", "loading", "width=" } },
	{ "image in a link", "[![d](/images/dusk.jpg)](/big)\n", false, 1,
	    { "<a href=\"/big\"><img src=\"" DUSK(1080) "\"", "alt=\"d\"" },
	    { NULL } },
	{ "image in alt text is text",
	    "![out ![in](fig.png)](/images/dusk.jpg)\n", false, 1, { "alt=\"out in\"" }, { "/posts/fig.png" } },
	{ "heading id ignores the tag", "## Look ![here](/images/dusk.jpg)\n",
	    false, 1,
	    { "<h2 id=\"look-here\">Look <img src=\"" DUSK(1080) "\"" },
	    { NULL } },
	{ "raw html still dropped", "<img src=/images/dusk.jpg>\n\n"
	    "![ok](/images/dusk.jpg)\n", false, 1,
	    { "<!-- raw HTML omitted -->", "alt=\"ok\"" },
	    { "<img src=/images" } },
	{ "raw html kept unsafe, not resolved",
	    "<img src=\"/images/dusk.jpg\">\n", true, 0, { "<img src=\"/images/dusk.jpg\">" }, { "_img" } },
};

static void
test_img_case(const struct img_case *c)
{
	struct stub st;
	char *html = render_images(c->md, c->unsafe, &st);

	ok(html != NULL, "%s: rendered", c->name);
	if (html == NULL)
		return;
	ok(st.ncalls == c->calls, "%s: %zu resolver calls, want %zu", c->name,
	    st.ncalls, c->calls);
	for (size_t i = 0; i < 6 && c->want[i] != NULL; i++)
		ok(holds(html, c->want[i]), "%s: no '%s' in:\n%s", c->name,
		    c->want[i], html);
	for (size_t i = 0; i < 4 && c->never[i] != NULL; i++)
		ok(!holds(html, c->never[i]), "%s: '%s' in:\n%s", c->name,
		    c->never[i], html);
	free(html);
}

/* The resolver hears the URL as written and the line the image starts on. */
static void
test_img_lines(void)
{
	struct stub st;
	char *html = render_images("Text.\n\nMore text\nand ![a\nb](fig.png) "
	    "x ![c](</images/my pic.png>)\n\n> ![q](/images/a\\&b.png)\n",
	    false, &st);

	ok(html != NULL && st.ncalls == 3, "lines: %zu calls", st.ncalls);
	ok(strcmp(st.url[0], "fig.png") == 0 && st.line[0] == 4,
	    "first: %s line %zu", st.url[0], st.line[0]);
	ok(strcmp(st.url[1], "/images/my pic.png") == 0 && st.line[1] == 5,
	    "second: %s line %zu", st.url[1], st.line[1]);
	ok(strcmp(st.url[2], "/images/a&b.png") == 0 && st.line[2] == 7,
	    "escapes undone: %s line %zu", st.url[2], st.line[2]);
	free(html);
}

/* No resolver, or no widths: every image stays plain. */
static void
test_img_none(void)
{
	struct markdown_images im = { .resolve = stub_resolve, .arg = NULL,
	    .widths = NULL, .nwidths = 0, .quality = 75 };
	struct markdown_out out;
	static const char md[] = "![a](/images/dusk.jpg)\n";

	ok(markdown_render(md, strlen(md), false, NULL, &out) == 0 &&
	    strcmp(out.html, "<p><img src=\"/images/dusk.jpg\" alt=\"a\" />"
	    "</p>\n") == 0, "no resolver: %s", out.html);
	free(out.html);
	ok(markdown_render(md, strlen(md), false, &im, &out) == 0 &&
	    !holds(out.html, "_img"), "no widths: %s", out.html);
	free(out.html);
}

/* Many images: every one resolved, only the first eager. */
static void
test_img_many(void)
{
	enum { N = 200 };
	struct stub st;
	char *md, *html, *p;
	size_t n = 0, lazy = 0;

	if ((md = malloc(N * 32)) == NULL)
		return;
	for (int i = 0; i < N; i++)
		n += (size_t)snprintf(md + n, N * 32 - n,
		    "![%d](/images/dusk.jpg)\n\n", i);
	html = render_images(md, false, &st);
	for (p = html; p != NULL && (p = strstr(p, "loading=\"lazy\"")); p++)
		lazy++;
	ok(html != NULL && st.ncalls == N && lazy == N - 1 &&
	    holds(html, "alt=\"0\" decoding=\"async\" fetchpriority=\"high\""),
	    "many images: %zu calls, %zu lazy", st.ncalls, lazy);
	free(html);
	free(md);
}

struct local_case {
	const char	*url;
	bool		 local;
};

static const struct local_case locals[] = {
	{ "/images/a.jpg", true }, { "fig.png", true }, { "a/b.png", true },
	{ "../a.png", true }, { "?x", true }, { "a.png?x:y", true },
	{ "https://e.org/a.png", false }, { "http://e/a", false },
	{ "HTTPS://e/a", false }, { "//cdn/a.png", false },
	{ "/\\cdn/a.png", false }, { "\\\\cdn/a.png", false },
	{ "data:image/png;base64,AA", false }, { "javascript:x", false },
	{ "mailto:a@b", false }, { "", false },
};

struct path_case {
	const char	*doc, *url;
	const char	*want;		/* NULL: refused */
};

static const struct path_case paths[] = {
	{ "/posts/x", "fig.png", "/posts/fig.png" },
	{ "/posts/x", "writing-posts/content-tree.png",
	    "/posts/writing-posts/content-tree.png" },
	{ "/posts/x", "/images/a.jpg", "/images/a.jpg" },
	{ "/posts/x", "/images/a.jpg?w=1#top", "/images/a.jpg" },
	{ "/posts/x", "fig.png#f", "/posts/fig.png" },
	{ "/posts/x", "../images/a.jpg", "/images/a.jpg" },
	{ "/posts/x", "../../../images/a.jpg", "/images/a.jpg" },
	{ "/posts/x", "./a/./b/../c.png", "/posts/a/c.png" },
	{ "/posts/x", "/images/./a/../b.png", "/images/b.png" },
	{ "/posts/x", "a/..", "/posts/" },
	{ "/posts/x", "a/.", "/posts/a/" },
	{ "/about", "a.png", "/a.png" },
	{ "/posts/x", "my%20pic.jpg", "/posts/my pic.jpg" },
	{ "/posts/x", "%C3%A9t%c3%a9.png", "/posts/\xc3\xa9t\xc3\xa9.png" },
	{ "/posts/x", "%2e%2e/images/a.jpg", "/images/a.jpg" },
	{ "/posts/x", "a%2Fb.png", NULL },
	{ "/posts/x", "a%2fb.png", NULL },
	{ "/posts/x", "a%00.png", NULL },
	{ "/posts/x", "a%0a.png", NULL },
	{ "/posts/x", "a%zz.png", NULL },
	{ "/posts/x", "a.png%4", NULL },
	{ "/posts/x", "a.png%", NULL },
};

static void
test_url_helpers(void)
{
	char out[IMAGE_URL_MAX], big[IMAGE_URL_MAX + 16];
	const char *why;

	for (size_t i = 0; i < sizeof(locals) / sizeof(locals[0]); i++)
		ok(markdown_url_local(locals[i].url) == locals[i].local,
		    "local '%s': want %d", locals[i].url, locals[i].local);
	ok(!markdown_url_local(NULL), "NULL is not local");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct path_case *c = &paths[i];

		out[0] = '\0';
		why = markdown_image_path(c->doc, c->url, out, sizeof(out));
		if (c->want == NULL)
			ok(why != NULL, "path %s: refused, got %s", c->url,
			    out);
		else
			ok(why == NULL && strcmp(out, c->want) == 0,
			    "path %s in %s: '%s' (%s), want '%s'", c->url,
			    c->doc, out, why ? why : "ok", c->want);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(markdown_image_path("/posts/x", big, out, sizeof(out)) != NULL,
	    "a path too long is refused");
	ok(markdown_image_path("/posts/x", "/images/abcdef.png", out, 8) !=
	    NULL, "a result too long for out is refused");
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	test_length();
	test_many_headings();
	test_long_heading();
	test_huge_heading();
	for (size_t i = 0; i < sizeof(img_cases) / sizeof(img_cases[0]); i++)
		test_img_case(&img_cases[i]);
	test_img_lines();
	test_img_none();
	test_img_many();
	test_url_helpers();
	return test_done();
}
