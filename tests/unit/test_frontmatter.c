/*
 * test_frontmatter.c: frontmatter_parse() on a table of valid front matter
 * (CRLF, BOM, flow and block tags, RFC 3339 offsets) and of every error,
 * each with the exact line and reason it must report (a value quoted in
 * it cut between characters).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontmatter.h"
#include "folio_limits.h"
#include "test.h"

#define ERR_MAX	256

/* U+65E5 (3 bytes) once, 4, 13 and 20 times: a value of 20 is quoted as
 * its first 13 (39 bytes), the most that fit FM_QUOTE_MAX (40). */
#define DAY1	"\xe6\x97\xa5"
#define DAY4	DAY1 DAY1 DAY1 DAY1
#define DAY13	DAY4 DAY4 DAY4 DAY1
#define DAY20	DAY4 DAY4 DAY4 DAY4 DAY4

/* 2026-03-14T00:00:00Z */
#define D20260314	((time_t)1773446400)

struct valid {
	const char	*name;
	const char	*src;
	const char	*title;
	time_t		 date;
	bool		 has_time;
	time_t		 updated;
	const char	*tags;		/* joined with '|', NULL for none */
	const char	*summary;
	const char	*image;
	bool		 draft;
	const char	*body;		/* what follows the front matter */
	size_t		 body_line;
};

static const struct valid valids[] = {
	{ "minimal", "---\ntitle: Hello\n---\nbody\n", "Hello", 0, false, 0,
	    NULL, NULL, NULL, false, "body\n", 4 },
	{ "quoted title", "---\ntitle: \"This blog: runs\"\n---\n",
	    "This blog: runs", 0, false, 0, NULL, NULL, NULL, false, "", 4 },
	{ "full", "---\n"
	    "title: \"This blog runs on my homelab\"\n"
	    "date: 2026-03-14            # a comment\n"
	    "updated: 2026-03-20\n"
	    "tags: [kubernetes, gitops]\n"
	    "summary: \"One sentence.\"\n"
	    "draft: false\n"
	    "image: /images/cover.jpg\n"
	    "---\n"
	    "# Body\n",
	    "This blog runs on my homelab", D20260314, false,
	    D20260314 + 6 * 86400, "kubernetes|gitops", "One sentence.",
	    "/images/cover.jpg", false, "# Body\n", 10 },
	{ "block tags", "---\ntitle: T\ntags:\n  - a b\n  - \"c\"\n- d\n---\n",
	    NULL, 0, false, 0, NULL, NULL, NULL, false, NULL, 0 },
	{ "block tags 2", "---\ntitle: T\ntags:\n  - a b\n  - \"c\"\n---\nx",
	    "T", 0, false, 0, "a b|c", NULL, NULL, false, "x", 7 },
	{ "single tag", "---\ntitle: T\ntags: go\n---\n", "T", 0, false, 0,
	    "go", NULL, NULL, false, "", 5 },
	{ "empty tags", "---\ntitle: T\ntags: []\n---\n", "T", 0, false, 0,
	    NULL, NULL, NULL, false, "", 5 },
	{ "null tags", "---\ntitle: T\ntags:\n---\n", "T", 0, false, 0,
	    NULL, NULL, NULL, false, "", 5 },
	{ "CRLF", "---\r\ntitle: T\r\ndate: 2026-03-14\r\n---\r\nbody\r\n",
	    "T", D20260314, false, 0, NULL, NULL, NULL, false, "body\r\n", 5 },
	{ "BOM", "\xef\xbb\xbf---\ntitle: T\n---\nb", "T", 0, false, 0, NULL,
	    NULL, NULL, false, "b", 4 },
	{ "trailing spaces on markers", "---  \ntitle: T\n--- \t\nb", "T", 0,
	    false, 0, NULL, NULL, NULL, false, "b", 4 },
	{ "dots end", "---\ntitle: T\n...\nb", "T", 0, false, 0, NULL, NULL,
	    NULL, false, "b", 4 },
	{ "no body", "---\ntitle: T\n---", "T", 0, false, 0, NULL, NULL, NULL,
	    false, "", 4 },
	{ "rfc3339 Z", "---\ntitle: T\ndate: 2026-03-14T09:30:00Z\n---\n",
	    "T", D20260314 + 9 * 3600 + 30 * 60, true, 0, NULL, NULL, NULL,
	    false, "", 5 },
	{ "rfc3339 offset", "---\ntitle: T\ndate: 2026-03-14T09:30:00+02:00\n"
	    "---\n", "T", D20260314 + 7 * 3600 + 30 * 60, true, 0, NULL, NULL,
	    NULL, false, "", 5 },
	{ "rfc3339 negative offset", "---\ntitle: T\n"
	    "date: 2026-03-14T22:00:00-05:00\n---\n", "T",
	    D20260314 + 27 * 3600, true, 0, NULL, NULL, NULL, false, "", 5 },
	{ "rfc3339 fraction", "---\ntitle: T\n"
	    "date: \"2026-03-14T09:30:00.123456Z\"\n---\n", "T",
	    D20260314 + 9 * 3600 + 30 * 60, true, 0, NULL, NULL, NULL, false,
	    "", 5 },
	{ "space, no zone", "---\ntitle: T\ndate: 2026-03-14 01:02:03\n---\n",
	    "T", D20260314 + 3723, true, 0, NULL, NULL, NULL, false, "", 5 },
	{ "leap day", "---\ntitle: T\ndate: 2024-02-29\n---\n", "T",
	    (time_t)1709164800, false, 0, NULL, NULL, NULL, false, "", 5 },
	{ "draft yes", "---\ntitle: T\ndraft: yes\n---\n", "T", 0, false, 0,
	    NULL, NULL, NULL, true, "", 5 },
	{ "draft True", "---\ntitle: T\ndraft: True\n---\n", "T", 0, false, 0,
	    NULL, NULL, NULL, true, "", 5 },
	{ "draft no", "---\ntitle: T\ndraft: no\n---\n", "T", 0, false, 0,
	    NULL, NULL, NULL, false, "", 5 },
	{ "unknown keys ignored", "---\ntitle: T\nauthor: me\nextra:\n"
	    "  nested: [1, {a: b}]\n  more: x\nlist:\n  - 1\n---\n", "T", 0,
	    false, 0, NULL, NULL, NULL, false, "", 10 },
	{ "block scalar summary", "---\ntitle: T\nsummary: >\n  one\n  two\n"
	    "---\n", "T", 0, false, 0, NULL, "one two\n", NULL, false, "", 7 },
	{ "utf-8 title", "---\ntitle: Ünïcödé ✓\n---\n", "Ünïcödé ✓", 0,
	    false, 0, NULL, NULL, NULL, false, "", 4 },
	{ "body has ---", "---\ntitle: T\n---\n---\nmore", "T", 0, false, 0,
	    NULL, NULL, NULL, false, "---\nmore", 4 },
};

struct invalid {
	const char	*name;
	const char	*src;
	size_t		 line;
	const char	*err;		/* exact reason, or a prefix ending '*' */
};

static const struct invalid invalids[] = {
	{ "empty file", "", 1,
	    "no front matter (the first line must be \"---\")" },
	{ "no marker", "# Title\n\ntext\n", 1,
	    "no front matter (the first line must be \"---\")" },
	{ "marker with text", "--- x\ntitle: T\n---\n", 1,
	    "no front matter (the first line must be \"---\")" },
	{ "unclosed", "---\ntitle: T\nbody\n", 1,
	    "front matter has no closing \"---\"" },
	{ "only marker", "---", 1, "front matter has no closing \"---\"" },
	{ "empty", "---\n---\n", 1, "title is missing" },
	{ "no title", "---\ndate: 2026-03-14\n---\n", 1, "title is missing" },
	{ "empty title", "---\ndate: 2026-03-14\ntitle: \"\"\n---\n", 3,
	    "title is empty" },
	{ "null title", "---\ntitle:\n---\n", 2, "title is empty" },
	{ "blank title", "---\ntitle: \"  \"\n---\n", 2, "title is empty" },
	{ "title list", "---\ndate: 2026-03-14\ntitle: [a, b]\n---\n", 3,
	    "title: expected a string, not a list" },
	{ "title map on next line", "---\ntitle:\n  a: b\n---\n", 3,
	    "title: expected a string, not a mapping" },
	{ "bad month", "---\ntitle: T\ndate: 2026-13-01\n---\n", 3,
	    "date: \"2026-13-01\" is not a date (YYYY-MM-DD or RFC 3339)" },
	{ "bad day", "---\ntitle: T\n\ndate: 2026-02-30\n---\n", 4,
	    "date: \"2026-02-30\" is not a date (YYYY-MM-DD or RFC 3339)" },
	{ "not leap", "---\ntitle: T\ndate: 2025-02-29\n---\n", 3,
	    "date: \"2025-02-29\" is not a date (YYYY-MM-DD or RFC 3339)" },
	{ "nonsense date", "---\ntitle: T\ndate: yesterday\n---\n", 3,
	    "date: \"yesterday\" is not a date (YYYY-MM-DD or RFC 3339)" },
	{ "bad hour", "---\ntitle: T\ndate: 2026-03-14T24:00:00Z\n---\n", 3,
	    "date: \"2026-03-14T24:00:00Z\" is not a date (YYYY-MM-DD or "
	    "RFC 3339)" },
	{ "bad offset", "---\ntitle: T\ndate: 2026-03-14T10:00:00+2\n---\n",
	    3, "date: \"2026-03-14T10:00:00+2\" is not a date (YYYY-MM-DD or "
	    "RFC 3339)" },
	{ "trailing junk", "---\ntitle: T\ndate: 2026-03-14x\n---\n", 3,
	    "date: \"2026-03-14x\" is not a date (YYYY-MM-DD or RFC 3339)" },
	{ "year 1969", "---\ntitle: T\ndate: 1969-12-31\n---\n", 3,
	    "date: \"1969-12-31\" is not a date (YYYY-MM-DD or RFC 3339)" },
	{ "updated bad", "---\ntitle: T\nupdated: 2026-1-1\n---\n", 3,
	    "updated: \"2026-1-1\" is not a date (YYYY-MM-DD or RFC 3339)" },
	{ "date list", "---\ntitle: T\ndate: [2026-03-14]\n---\n", 3,
	    "date: expected a date, not a list" },
	{ "tags map", "---\ntitle: T\ntags: {a: b}\n---\n", 3,
	    "tags: expected a list, not a mapping" },
	{ "tags nested", "---\ntitle: T\ntags:\n  - a\n  - [b]\n---\n", 5,
	    "tags: expected a list of words, not a list" },
	{ "draft maybe", "---\ntitle: T\ndraft: maybe\n---\n", 3,
	    "draft: \"maybe\" is not true or false" },
	{ "long date cut between characters", "---\ntitle: T\ndate: " DAY20
	    "\n---\n", 3, "date: \"" DAY13 "\" is not a date (YYYY-MM-DD or "
	    "RFC 3339)" },
	{ "long draft cut between characters", "---\ntitle: T\ndraft: " DAY20
	    "\n---\n", 3, "draft: \"" DAY13 "\" is not true or false" },
	{ "draft list", "---\ntitle: T\ndraft: []\n---\n", 3,
	    "draft: expected true or false, not a list" },
	{ "summary map", "---\ntitle: T\nsummary: {a: 1}\n---\n", 3,
	    "summary: expected a string, not a mapping" },
	{ "duplicate key", "---\ntitle: T\ntitle: U\n---\n", 3,
	    "title: given twice" },
	{ "anchor", "---\ntitle: &a T\n---\n", 2,
	    "YAML anchors (&name) are not allowed" },
	{ "alias", "---\nx: &a [1]\ntitle: T\n---\n", 2,
	    "YAML anchors (&name) are not allowed" },
	{ "alias only", "---\ntitle: T\nx: *a\n---\n", 3,
	    "YAML aliases (*name) are not allowed" },
	{ "billion laughs", "---\na: &a [\"lol\",\"lol\"]\nb: &b [*a,*a]\n"
	    "title: T\n---\n", 2, "YAML anchors (&name) are not allowed" },
	{ "not a mapping", "---\n- a\n- b\n---\n", 2,
	    "front matter must be \"key: value\" lines, not a list" },
	{ "scalar doc", "---\njust text\n---\n", 2,
	    "front matter must be \"key: value\" lines, not a value" },
	{ "complex key", "---\n? [a, b]\n: c\ntitle: T\n---\n", 2,
	    "keys must be plain words, not a list" },
	{ "syntax: unclosed quote", "---\ntitle: T\nsummary: \"abc\n---\n", 3,
	    "YAML: found unexpected end of stream while scanning a quoted "
	    "scalar" },
	{ "syntax: bad indent", "---\ntitle: T\n  tags: x\n---\n", 3,
	    "YAML: mapping values are not allowed in this context" },
	{ "syntax: unclosed flow", "---\ntitle: T\ntags: [a, b\ndate: x\n---\n",
	    3, "YAML: did not find expected ',' or ']' while parsing a flow "
	    "sequence" },
	{ "syntax: unclosed flow mapping", "---\ntitle: ok\n\nx: {a: 1,\n"
	    "  b: 2\nsummary: x\n---\n", 4, "YAML: did not find expected ',' "
	    "or '}' while parsing a flow mapping" },
	{ "syntax CRLF line", "---\r\ntitle: T\r\n\r\n  x: y\r\n---\r\n", 4,
	    "YAML: *" },
	{ "tab indent", "---\ntitle: T\ntags:\n\t- a\n---\n", 4, "YAML: *" },
	{ "two documents", "---\ntitle: T\n--- x\n---\n", 3,
	    "front matter holds more than one YAML document" },
	{ "invalid utf-8", "---\ntitle: T\nsummary: \xff\n---\n", 3,
	    "YAML: *" },
	{ "LS inside a string is not a line", "---\nsummary: \"a\xe2\x80\xa8"
	    "b\"\ndate: nope\ntitle: T\n---\n", 3,
	    "date: \"nope\" is not a date (YYYY-MM-DD or RFC 3339)" },
	{ "lone CRs are not lines", "---\ntitle: T\r\r\r\nkey\n---\n", 3,
	    "YAML: *" },
	{ "nul in title", "---\ntitle: \"a\\0b\"\n---\n", 2,
	    "title: contains a NUL byte" },
};

static void
join_tags(const struct meta *m, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < m->ntags; i++) {
		int r = snprintf(out + n, outlen - n, "%s%s", i ? "|" : "",
		    m->tags[i]);
		if (r < 0 || (size_t)r >= outlen - n)
			return;
		n += (size_t)r;
	}
}

static bool
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
test_valid(const struct valid *v)
{
	struct meta m;
	char err[ERR_MAX] = "", tags[ERR_MAX];
	size_t off = 99, bline = 99, eline = 0, len = strlen(v->src);
	int rc;

	rc = frontmatter_parse(v->src, len, &m, &off, &bline, &eline, err,
	    sizeof(err));
	if (v->title == NULL) {
		/* Expected to fail: a block list at column 0 after a key. */
		ok(rc == -1, "%s: parsed", v->name);
		meta_free(&m);
		return;
	}
	ok(rc == 0, "%s: rc %d (%zu: %s)", v->name, rc, eline, err);
	if (rc != 0) {
		meta_free(&m);
		return;
	}
	join_tags(&m, tags, sizeof(tags));
	ok(streq(m.title, v->title), "%s: title '%s'", v->name, m.title);
	ok(m.date == v->date, "%s: date %lld want %lld", v->name,
	    (long long)m.date, (long long)v->date);
	ok(m.date_has_time == v->has_time, "%s: has_time", v->name);
	ok(m.updated == v->updated, "%s: updated %lld", v->name,
	    (long long)m.updated);
	ok(streq(m.ntags ? tags : NULL, v->tags), "%s: tags '%s'", v->name,
	    tags);
	ok(streq(m.summary, v->summary), "%s: summary '%s'", v->name,
	    m.summary ? m.summary : "(null)");
	ok(streq(m.image, v->image), "%s: image", v->name);
	ok(m.draft == v->draft, "%s: draft", v->name);
	ok(off <= len && strcmp(v->src + off, v->body) == 0,
	    "%s: body at %zu '%s'", v->name, off, off <= len ? v->src + off :
	    "");
	ok(bline == v->body_line, "%s: body line %zu want %zu", v->name, bline,
	    v->body_line);
	meta_free(&m);
	ok(m.title == NULL && m.tags == NULL && m.ntags == 0,
	    "%s: meta_free clears", v->name);
}

static void
test_invalid(const struct invalid *iv)
{
	struct meta m;
	char err[ERR_MAX] = "";
	size_t off, bline, eline = 0, n = strlen(iv->err);
	bool match;
	int rc;

	rc = frontmatter_parse(iv->src, strlen(iv->src), &m, &off, &bline,
	    &eline, err, sizeof(err));
	ok(rc == -1, "%s: rc %d", iv->name, rc);
	ok(eline == iv->line, "%s: line %zu want %zu (%s)", iv->name, eline,
	    iv->line, err);
	if (n > 0 && iv->err[n - 1] == '*')
		match = strncmp(err, iv->err, n - 1) == 0 && strlen(err) > n;
	else
		match = strcmp(err, iv->err) == 0;
	ok(match, "%s: err '%s' want '%s'", iv->name, err, iv->err);
	ok(m.title == NULL && m.tags == NULL, "%s: meta empty", iv->name);
	meta_free(&m);
}

/* Limits: META_TEXT_MAX, POST_TAGS_MAX, FRONTMATTER_MAX. */
static void
test_limits(void)
{
	struct meta m;
	char err[ERR_MAX], *src;
	size_t off, bline, eline, n, cap = FRONTMATTER_MAX + 4096;
	int rc;

	if ((src = malloc(cap)) == NULL) {
		ok(0, "malloc");
		return;
	}
	/* A title of exactly META_TEXT_MAX bytes is fine, one more is not. */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)snprintf(src, cap, "---\ntitle: ");
		memset(src + n, 'a', META_TEXT_MAX + extra);
		n += META_TEXT_MAX + extra;
		n += (size_t)snprintf(src + n, cap - n, "\n---\n");
		rc = frontmatter_parse(src, n, &m, &off, &bline, &eline, err,
		    sizeof(err));
		if (extra == 0)
			ok(rc == 0 && strlen(m.title) == META_TEXT_MAX,
			    "title of META_TEXT_MAX bytes: %s", err);
		else
			ok(rc == -1 && eline == 2 &&
			    strcmp(err, "title: longer than 1024 bytes") == 0,
			    "title too long: %zu %s", eline, err);
		meta_free(&m);
	}
	/* POST_TAGS_MAX tags are fine, one more is an error on its line. */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)snprintf(src, cap, "---\ntitle: T\ntags:\n");
		for (int i = 0; i < POST_TAGS_MAX + extra; i++)
			n += (size_t)snprintf(src + n, cap - n, "- t%d\n", i);
		n += (size_t)snprintf(src + n, cap - n, "---\n");
		rc = frontmatter_parse(src, n, &m, &off, &bline, &eline, err,
		    sizeof(err));
		if (extra == 0)
			ok(rc == 0 && m.ntags == POST_TAGS_MAX &&
			    strcmp(m.tags[POST_TAGS_MAX - 1], "t31") == 0,
			    "POST_TAGS_MAX tags: %s", err);
		else
			ok(rc == -1 && eline == 4 + POST_TAGS_MAX &&
			    strcmp(err, "tags: more than 32 tags") == 0,
			    "too many tags: %zu %s", eline, err);
		meta_free(&m);
	}
	/* A front matter block larger than FRONTMATTER_MAX. */
	n = (size_t)snprintf(src, cap, "---\ntitle: T\n");
	while (n < FRONTMATTER_MAX + 100)
		n += (size_t)snprintf(src + n, cap - n, "# padding line\n");
	n += (size_t)snprintf(src + n, cap - n, "---\n");
	rc = frontmatter_parse(src, n, &m, &off, &bline, &eline, err,
	    sizeof(err));
	ok(rc == -1 && eline == 1 && strstr(err, "longer than") != NULL,
	    "front matter too big: %zu %s", eline, err);
	meta_free(&m);
	free(src);
}

/* The parser reads only src[0..len): no NUL terminator is needed. */
/*
 * Lists and mappings nested FRONTMATTER_DEPTH_MAX deep are read; one more
 * is an error on the line of the one too many, found before libyaml has
 * read the rest: 60000 '[' (quadratic in libyaml) fail at once.
 */
static void
test_depth(void)
{
	static const char *const open[] = { "[", "{a: " };
	static const char *const close[] = { "]", "}" };
	struct meta m;
	char err[ERR_MAX], *src;
	size_t off, bline, eline, n, cap = FRONTMATTER_MAX + 4096;
	clock_t t0;
	int rc;

	if ((src = malloc(cap)) == NULL)
		return;
	for (size_t k = 0; k < 2; k++) {
		/* The front matter's mapping is the first level. */
		n = (size_t)snprintf(src, cap, "---\ntitle: T\nx:");
		for (int i = 1; i < FRONTMATTER_DEPTH_MAX; i++)
			n += (size_t)snprintf(src + n, cap - n, " %s\n",
			    open[k]);
		n += (size_t)snprintf(src + n, cap - n, " 1");
		for (int i = 1; i < FRONTMATTER_DEPTH_MAX; i++)
			n += (size_t)snprintf(src + n, cap - n, "%s", close[k]);
		n += (size_t)snprintf(src + n, cap - n, "\n---\n");
		rc = frontmatter_parse(src, n, &m, &off, &bline, &eline, err,
		    sizeof(err));
		ok(rc == 0, "%s nested %d deep: %s", open[k],
		    FRONTMATTER_DEPTH_MAX, err);
		meta_free(&m);
		/* One on each line, from line 3. */
		n = (size_t)snprintf(src, cap, "---\ntitle: T\nx:");
		for (int i = 0; i < FRONTMATTER_DEPTH_MAX; i++)
			n += (size_t)snprintf(src + n, cap - n, " %s\n",
			    open[k]);
		n += (size_t)snprintf(src + n, cap - n, " 1\n---\n");
		rc = frontmatter_parse(src, n, &m, &off, &bline, &eline, err,
		    sizeof(err));
		ok(rc == -1 && eline == 2 + FRONTMATTER_DEPTH_MAX &&
		    strstr(err, "deeper than") != NULL && m.title == NULL,
		    "%s nested %d deep: line %zu: %s", open[k],
		    FRONTMATTER_DEPTH_MAX + 1, eline, err);
	}
	n = (size_t)snprintf(src, cap, "---\ntitle: t\nx: ");
	memset(src + n, '[', FRONTMATTER_MAX - 64);
	n += FRONTMATTER_MAX - 64;
	n += (size_t)snprintf(src + n, cap - n, "\n---\n");
	t0 = clock();
	rc = frontmatter_parse(src, n, &m, &off, &bline, &eline, err,
	    sizeof(err));
	ok(rc == -1 && eline == 3 && strstr(err, "deeper than") != NULL,
	    "a line of '[': line %zu: %s", eline, err);
	ok(clock() - t0 < CLOCKS_PER_SEC / 2, "a line of '[' fails at once: "
	    "%.2f s", (double)(clock() - t0) / CLOCKS_PER_SEC);
	free(src);
}

static void
test_unterminated(void)
{
	static const char text[] = "---\ntitle: T\n---\nbody";
	char *src;
	struct meta m;
	char err[ERR_MAX];
	size_t off, bline, eline, len = sizeof(text) - 1;
	int rc;

	if ((src = malloc(len)) == NULL)
		return;
	memcpy(src, text, len);
	rc = frontmatter_parse(src, len, &m, &off, &bline, &eline, err,
	    sizeof(err));
	ok(rc == 0 && off == len - 4, "unterminated input");
	meta_free(&m);
	free(src);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(valids) / sizeof(valids[0]); i++)
		test_valid(&valids[i]);
	for (size_t i = 0; i < sizeof(invalids) / sizeof(invalids[0]); i++)
		test_invalid(&invalids[i]);
	test_limits();
	test_depth();
	test_unterminated();
	return test_done();
}
