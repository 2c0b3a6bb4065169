/*
 * test_path.c: path_normalize() on a table of targets (dot segments, every
 * encoding of a traversal, bad escapes, control bytes, absolute-form, the
 * query) and at the edges of the output size; query_get() and
 * path_rel_clean() on tables.
 */
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "folio_limits.h"
#include "test.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define OUT_MAX		INDEX_PATH_MAX

struct norm {
	const char	*target;
	const char	*want;		/* NULL: refused */
	const char	*query;		/* NULL: none */
};

static const struct norm norms[] = {
	{ "/", "/", NULL },
	{ "/a/b", "/a/b", NULL },
	{ "/a/b/", "/a/b/", NULL },
	{ "/a//b", "/a/b", NULL },
	{ "//", "/", NULL },
	{ "///a///", "/a/", NULL },
	{ "/./a", "/a", NULL },
	{ "/.", "/", NULL },
	{ "/a/./b/.", "/a/b/", NULL },
	{ "/a/b/%2e", "/a/b/", NULL },
	{ "/a/b/../c", "/a/c", NULL },
	{ "/a/b/..", "/a/", NULL },
	{ "/a/..", "/", NULL },
	{ "/a/../", "/", NULL },
	{ "/a/b/../..", "/", NULL },
	{ "/a/b/../../c/./d/../e", "/c/e", NULL },
	{ "/...", "/...", NULL },
	{ "/.a/a./..b/b..", "/.a/a./..b/b..", NULL },
	{ "/a/.../..", "/a/", NULL },
	{ "/a/%2e%2e/x", "/x", NULL },
	{ "/a/.%2E/b", "/b", NULL },
	{ "/a/%2E./b", "/b", NULL },
	{ "/%41%62%63", "/Abc", NULL },
	{ "/caf%C3%A9", "/caf\xc3\xa9", NULL },
	{ "/a%20b", "/a b", NULL },
	{ "/%25", "/%", NULL },
	{ "/%3F", "/?", NULL },
	{ "/posts/hello-world", "/posts/hello-world", NULL },
	{ "/images/a.jpg", "/images/a.jpg", NULL },
	/* Traversal, in every spelling. */
	{ "/..", NULL, NULL },
	{ "/../", NULL, NULL },
	{ "/../x", NULL, NULL },
	{ "/./../x", NULL, NULL },
	{ "/%2e%2e/x", NULL, NULL },
	{ "/%2E%2e/", NULL, NULL },
	{ "/.%2e/x", NULL, NULL },
	{ "/%2e./x", NULL, NULL },
	{ "/a/b/../../..", NULL, NULL },
	{ "/a/b/../../../", NULL, NULL },
	{ "/a/../../b", NULL, NULL },
	{ "/a/%2e%2e/%2e%2e/etc/passwd", NULL, NULL },
	{ "/../a/..", NULL, NULL },
	{ "/%2f", NULL, NULL },
	{ "/a/%2f", NULL, NULL },
	{ "/a%2Fb", NULL, NULL },
	{ "/..%2f..%2fetc", NULL, NULL },
	{ "/a\\b", NULL, NULL },
	{ "/..\\x", NULL, NULL },
	{ "/%5c", NULL, NULL },
	{ "/a%5Cb", NULL, NULL },
	{ "/%5C..%5C", NULL, NULL },
	/* Bad escapes, NUL and control bytes. */
	{ "/%00", NULL, NULL },
	{ "/a%00b", NULL, NULL },
	{ "/a.html%00.md", NULL, NULL },
	{ "/%zz", NULL, NULL },
	{ "/%g0", NULL, NULL },
	{ "/%0g", NULL, NULL },
	{ "/%4", NULL, NULL },
	{ "/%", NULL, NULL },
	{ "/a%", NULL, NULL },
	{ "/%%41", NULL, NULL },
	{ "/%0a", NULL, NULL },
	{ "/%0D%0A", NULL, NULL },
	{ "/%1f", NULL, NULL },
	{ "/%7F", NULL, NULL },
	{ "/a b", NULL, NULL },
	{ "/a\x01", NULL, NULL },
	{ "/a\x7f", NULL, NULL },
	{ "/a\tb", NULL, NULL },
	{ "/a\r\n", NULL, NULL },
	/* Not a path. */
	{ "", NULL, NULL },
	{ "*", NULL, NULL },
	{ "a/b", NULL, NULL },
	{ "?x", NULL, NULL },
	{ "example.com:443", NULL, NULL },
	{ "ftp://h/a", NULL, NULL },
	{ "http:/a", NULL, NULL },
	{ "http//h/a", NULL, NULL },
	/* The query. */
	{ "/a?b=c", "/a", "b=c" },
	{ "/?", "/", "" },
	{ "/a?b?c", "/a", "b?c" },
	{ "/a?x/../..", "/a", "x/../.." },
	{ "/a?%zz%00", "/a", "%zz%00" },
	{ "/a/./b/?q", "/a/b/", "q" },
	{ "/%2e%2e?x", NULL, NULL },
	{ "/a?x\x01", NULL, NULL },
	{ "/a?x y", NULL, NULL },
	{ "/a?\x7f", NULL, NULL },
	/* Absolute-form. */
	{ "http://example.com/a/b?q", "/a/b", "q" },
	{ "HTTP://example.com/a", "/a", NULL },
	{ "https://h:443", "/", NULL },
	{ "HtTpS://h:443/x/", "/x/", NULL },
	{ "http://h?x=1", "/", "x=1" },
	{ "http://h/", "/", NULL },
	{ "http://h//a/../b", "/b", NULL },
	{ "http:///a", NULL, NULL },
	{ "http://", NULL, NULL },
	{ "http://?x", NULL, NULL },
	{ "http://h/../a", NULL, NULL },
	{ "http://h/%2e%2e/a", NULL, NULL },
	{ "http://h\\/a", NULL, NULL },
	{ "http://h\x01/a", NULL, NULL },
};

/* Normalises into an exact-size heap buffer, so ASan sees overruns. */
static int
norm(const char *t, size_t tlen, char **out, size_t outlen, const char **q,
    size_t *qlen)
{
	char *tcopy = malloc(tlen ? tlen : 1);
	int rc;

	if (tcopy == NULL || (*out = malloc(outlen ? outlen : 1)) == NULL)
		abort();
	memcpy(tcopy, t, tlen);
	rc = path_normalize(tcopy, tlen, *out, outlen, q, qlen);
	/* Make the query point into the caller's target. */
	if (*q != NULL)
		*q = t + (*q - tcopy);
	free(tcopy);
	return rc;
}

static void
test_table(void)
{
	const struct norm *c;
	const char *q;
	size_t qlen;
	char *out;
	int rc;

	for (size_t i = 0; i < NELEM(norms); i++) {
		c = &norms[i];
		rc = norm(c->target, strlen(c->target), &out, OUT_MAX, &q,
		    &qlen);
		if (c->want == NULL) {
			ok(rc == -1, "%s: refused, got %d [%s]", c->target, rc,
			    rc >= 0 ? out : "");
		} else {
			ok(rc == (int)strlen(c->want) &&
			    strcmp(out, c->want) == 0, "%s: got %d [%s], want"
			    " [%s]", c->target, rc, rc >= 0 ? out : "",
			    c->want);
			if (c->query == NULL)
				ok(q == NULL && qlen == 0, "%s: no query",
				    c->target);
			else
				ok(q != NULL && qlen == strlen(c->query) &&
				    memcmp(q, c->query, qlen) == 0,
				    "%s: query", c->target);
		}
		free(out);
	}
}

/* Only len bytes of the target count; a NUL inside it is refused. */
static void
test_lengths(void)
{
	const char *q;
	size_t qlen;
	char *out;
	int rc;

	rc = norm("/abc/../def", 4, &out, OUT_MAX, &q, &qlen);
	ok(rc == 4 && strcmp(out, "/abc") == 0, "len cuts the target");
	free(out);
	rc = norm("/a\0b", 4, &out, OUT_MAX, &q, &qlen);
	ok(rc == -1, "raw NUL refused");
	free(out);
	rc = norm("/a?b\0", 5, &out, OUT_MAX, &q, &qlen);
	ok(rc == -1, "raw NUL in the query refused");
	free(out);
}

/* The output size: the result and its NUL must fit, nothing more. */
static void
test_outlen(void)
{
	static char big[OUT_MAX * 4];
	const char *q;
	size_t qlen, n;
	char *out;
	int rc;

	rc = norm("/abc", 4, &out, 5, &q, &qlen);
	ok(rc == 4 && strcmp(out, "/abc") == 0, "exactly fits");
	free(out);
	rc = norm("/abc", 4, &out, 4, &q, &qlen);
	ok(rc == -1, "one byte short");
	free(out);
	rc = norm("/abc/", 5, &out, 5, &q, &qlen);
	ok(rc == -1, "trailing slash needs its byte");
	free(out);
	rc = norm("/", 1, &out, 2, &q, &qlen);
	ok(rc == 1 && strcmp(out, "/") == 0, "root in two bytes");
	free(out);
	rc = norm("/", 1, &out, 1, &q, &qlen);
	ok(rc == -1, "root in one byte");
	free(out);
	rc = norm("/", 1, &out, 0, &q, &qlen);
	ok(rc == -1, "no room at all");
	free(out);
	rc = norm("/a/%41%42", 9, &out, 6, &q, &qlen);
	ok(rc == 5 && strcmp(out, "/a/AB") == 0, "decoded length counts");
	free(out);

	/* A long segment that a later ".." removes does not need room. */
	big[0] = '/';
	memset(big + 1, 'x', OUT_MAX * 2);
	n = 1 + OUT_MAX * 2;
	memcpy(big + n, "/../y", 5);
	n += 5;
	rc = norm(big, n, &out, 16, &q, &qlen);
	ok(rc == 2 && strcmp(out, "/y") == 0, "long removed segment: %d", rc);
	free(out);
	big[n - 5] = '\0';
	rc = norm(big, n - 5, &out, OUT_MAX, &q, &qlen);
	ok(rc == -1, "a long kept segment does not fit");
	free(out);
	rc = norm(big, OUT_MAX - 1, &out, OUT_MAX, &q, &qlen);
	ok(rc == OUT_MAX - 1 && out[OUT_MAX - 1] == '\0',
	    "a result of OUT_MAX - 1 bytes fits");
	free(out);
	rc = norm(big, OUT_MAX, &out, OUT_MAX, &q, &qlen);
	ok(rc == -1, "a result of OUT_MAX bytes does not");
	free(out);
}

struct qcase {
	const char	*query;
	const char	*key;
	int		 want;
	const char	*value;
	size_t		 outlen;	/* 0: 64 */
};

static const struct qcase qcases[] = {
	{ "url=%2Fimages%2Fa.jpg&w=640", "url", 13, "/images/a.jpg", 0 },
	{ "url=%2Fimages%2Fa.jpg&w=640", "w", 3, "640", 0 },
	{ "url=%2Fimages%2Fa.jpg&w=640", "h", -1, "", 0 },
	{ "url=%2Fimages%2Fa.jpg&w=640", "", -1, "", 0 },
	{ "", "w", -1, "", 0 },
	{ "w=1&w=2", "w", -2, "", 0 },
	{ "w=1&w=1", "w", -2, "", 0 },
	{ "w&w", "w", -2, "", 0 },
	{ "w=%zz&w=1", "w", -2, "", 0 },
	{ "w=%zz", "w", -2, "", 0 },
	{ "w=%4", "w", -2, "", 0 },
	{ "w=%", "w", -2, "", 0 },
	{ "w=%00", "w", -2, "", 0 },
	{ "w=1&x=%zz", "w", 1, "1", 0 },
	{ "w", "w", 0, "", 0 },
	{ "w=", "w", 0, "", 0 },
	{ "w=&x=1", "w", 0, "", 0 },
	{ "w=a+b", "w", 3, "a b", 0 },
	{ "w=a%2Bb", "w", 3, "a+b", 0 },
	{ "w=a%20b", "w", 3, "a b", 0 },
	{ "w=a=b", "w", 3, "a=b", 0 },
	{ "ww=1&w=2", "w", 1, "2", 0 },
	{ "w=1&ww=2", "ww", 1, "2", 0 },
	{ "W=1", "w", -1, "", 0 },
	{ "&&w=1&", "w", 1, "1", 0 },
	{ "=x&w=1", "", 1, "x", 0 },
	{ "w=%C3%A9", "w", 2, "\xc3\xa9", 0 },
	{ "w=abc", "w", 3, "abc", 4 },
	{ "w=abcd", "w", -2, "", 4 },
	{ "w=%41%42%43", "w", 3, "ABC", 4 },
	{ "w=", "w", 0, "", 1 },
};

static void
test_query_get(void)
{
	const struct qcase *c;
	char *out;
	size_t outlen;
	int rc;

	for (size_t i = 0; i < NELEM(qcases); i++) {
		c = &qcases[i];
		outlen = c->outlen ? c->outlen : 64;
		if ((out = malloc(outlen)) == NULL)
			abort();
		memset(out, 'Z', outlen);
		rc = query_get(c->query, strlen(c->query), c->key, out, outlen);
		ok(rc == c->want, "%s [%s]: %d, want %d", c->query, c->key, rc,
		    c->want);
		ok(strcmp(out, c->value) == 0, "%s [%s]: value [%s]", c->query,
		    c->key, out);
		free(out);
	}

	char buf[8];
	ok(query_get(NULL, 0, "w", buf, sizeof(buf)) == -1 && buf[0] == '\0',
	    "no query");
	ok(query_get("w=1&x=2", 3, "x", buf, sizeof(buf)) == -1,
	    "len bounds the query");
	ok(query_get("w=1", 3, "w", buf, 0) == -2, "no room at all");
	ok(query_get("w=a\0b", 5, "w", buf, sizeof(buf)) == -2,
	    "raw NUL in the value");
}

/* The sources the imager takes (daemon/imager.c): relative, and no
 * segment that could climb or hide. */
static void
test_rel_clean(void)
{
	static const struct {
		const char	*rel;
		bool		 clean;
	} t[] = {
		{ "images/a.jpg", true },
		{ "a.png", true },
		{ "posts/2026-01-01-x/fig.webp", true },
		{ ".hidden/a.jpg", true },	/* a name, not a dot segment */
		{ "images/..a.jpg", true },
		{ "", false },
		{ "/etc/passwd", false },
		{ "/images/a.jpg", false },
		{ "../a.jpg", false },
		{ "images/../../a.jpg", false },
		{ "images/..", false },
		{ "./images/a.jpg", false },
		{ "images/./a.jpg", false },
		{ "images//a.jpg", false },
		{ "images/", false },
		{ "images\\..\\a.jpg", false },
		{ "images/a\x01.jpg", false },
		{ "images/a\x7f.jpg", false },
	};

	for (size_t i = 0; i < NELEM(t); i++)
		ok(path_rel_clean(t[i].rel, strlen(t[i].rel)) == t[i].clean,
		    "rel_clean \"%s\": %s", t[i].rel,
		    t[i].clean ? "clean" : "refused");
	ok(!path_rel_clean("images/a\0/../x", 15), "a NUL within len");
}

int
main(void)
{
	test_table();
	test_lengths();
	test_outlen();
	test_query_get();
	test_rel_clean();
	return test_done();
}
