/*
 * test_accesslog.c: exact JSON and combined lines; absent fields; hostile
 * bytes (quotes, backslashes, newlines, NUL, bytes past 0x7f), checked by
 * decoding each line back to the bytes that went in; and truncation at every
 * buffer size, which must keep a line one line, parseable, and cut the
 * longest fields first.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accesslog.h"
#include "test.h"

#define T_2000	971186136	/* 2000-10-10T13:55:36Z */
#define T_2026	1795512600	/* 2026-11-24T09:30:00Z */
#define LINE_MAX_TEST	4096
#define OUT_MIN		256	/* the header's promise */

static struct access_entry
entry(void)
{
	struct access_entry e = {
		.client = "192.0.2.1",
		.time = T_2000,
		.method = "GET",
		.method_len = 3,
		.target = "/posts/hello?x=1",
		.target_len = 16,
		.minor = 1,
		.status = 200,
		.bytes = 2326,
		.referer = "https://example.org/",
		.referer_len = 20,
		.user_agent = "Mozilla/5.0 (X11)",
		.user_agent_len = 17,
		.host = "blog.example.org",
		.host_len = 16,
		.duration_us = 1234,
	};
	return e;
}

static void
test_exact(void)
{
	char out[LINE_MAX_TEST];
	struct access_entry e = entry();
	size_t n;

	n = accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	const char *want = "{\"time\":\"2000-10-10T13:55:36Z\",\"client\":"
	    "\"192.0.2.1\",\"method\":\"GET\",\"target\":\"/posts/hello?x=1\","
	    "\"proto\":\"HTTP/1.1\",\"status\":200,\"bytes\":2326,"
	    "\"duration_ms\":1.234,\"host\":\"blog.example.org\",\"referer\":"
	    "\"https://example.org/\",\"user_agent\":\"Mozilla/5.0 (X11)\"}\n";
	ok(n == strlen(want) && strcmp(out, want) == 0, "json:\n%s\nwant\n%s",
	    out, want);

	n = accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	want = "192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] \"GET"
	    " /posts/hello?x=1 HTTP/1.1\" 200 2326 \"https://example.org/\""
	    " \"Mozilla/5.0 (X11)\"\n";
	ok(n == strlen(want) && strcmp(out, want) == 0,
	    "combined:\n%s\nwant\n%s", out, want);

	/* Absent fields: null in JSON, "-" in combined. */
	e = entry();
	e.time = T_2026;
	e.client = NULL;
	e.referer = e.user_agent = e.host = NULL;
	e.minor = 0;
	e.status = 404;
	e.bytes = 0;
	e.duration_us = 0;
	n = accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	want = "{\"time\":\"2026-11-24T09:30:00Z\",\"client\":null,\"method\":"
	    "\"GET\",\"target\":\"/posts/hello?x=1\",\"proto\":\"HTTP/1.0\","
	    "\"status\":404,\"bytes\":0,\"duration_ms\":0.000,\"host\":null,"
	    "\"referer\":null,\"user_agent\":null}\n";
	ok(n == strlen(want) && strcmp(out, want) == 0,
	    "json, absent:\n%s\nwant\n%s", out, want);
	n = accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	want = "- - - [24/Nov/2026:09:30:00 +0000] \"GET /posts/hello?x=1"
	    " HTTP/1.0\" 404 0 \"-\" \"-\"\n";
	ok(n == strlen(want) && strcmp(out, want) == 0,
	    "combined, absent:\n%s\nwant\n%s", out, want);

	/* No request parsed (a 400 for garbage, a timeout). */
	e = entry();
	e.method = NULL;
	e.method_len = 0;
	e.target = NULL;
	e.target_len = 0;
	e.referer = e.user_agent = e.host = NULL;
	e.status = 400;
	n = accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	want = "{\"time\":\"2000-10-10T13:55:36Z\",\"client\":\"192.0.2.1\","
	    "\"method\":null,\"target\":null,\"proto\":null,\"status\":400,"
	    "\"bytes\":2326,\"duration_ms\":1.234,\"host\":null,\"referer\":"
	    "null,\"user_agent\":null}\n";
	ok(n == strlen(want) && strcmp(out, want) == 0,
	    "json, no request:\n%s\nwant\n%s", out, want);
	n = accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	want = "192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] \"-\" 400 2326"
	    " \"-\" \"-\"\n";
	ok(n == strlen(want) && strcmp(out, want) == 0,
	    "combined, no request:\n%s\nwant\n%s", out, want);

	/* Empty but present: "" in JSON; an empty client is absent. */
	e = entry();
	e.client = "";
	e.referer_len = 0;
	e.user_agent_len = 0;
	n = accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	ok(strncmp(out, "- - - [", 7) == 0 &&
	    strstr(out, "\" 200 2326 \"\" \"\"\n") != NULL,
	    "combined, empty: %s", out);
	n = accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	ok(strstr(out, "\"client\":null,") != NULL &&
	    strstr(out, "\"referer\":\"\",\"user_agent\":\"\"}") != NULL,
	    "json, empty: %s", out);
	(void)n;
}

static void
test_numbers(void)
{
	static const struct {
		uint32_t	 us;
		const char	*ms;
	} durations[] = {
		{ 0, "0.000" },
		{ 1, "0.001" },
		{ 999, "0.999" },
		{ 1000, "1.000" },
		{ 1001, "1.001" },
		{ 1234567, "1234.567" },
		{ UINT32_MAX, "4294967.295" },
	};
	char out[LINE_MAX_TEST], want[64];
	struct access_entry e = entry();

	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		e.duration_us = durations[i].us;
		accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
		snprintf(want, sizeof(want), "\"duration_ms\":%s,",
		    durations[i].ms);
		ok(strstr(out, want) != NULL, "duration %u us: %s",
		    durations[i].us, out);
	}
	e.bytes = UINT64_MAX;
	e.status = 503;
	accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	ok(strstr(out, "\"status\":503,\"bytes\":18446744073709551615,") !=
	    NULL, "bytes at UINT64_MAX: %s", out);
	accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	ok(strstr(out, "\" 503 18446744073709551615 \"") != NULL,
	    "combined bytes at UINT64_MAX: %s", out);
	/* Times out of range are clamped, never longer. */
	e.time = (time_t)-1;
	accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	ok(strncmp(out, "{\"time\":\"1970-01-01T00:00:00Z\"", 30) == 0,
	    "negative time: %s", out);
	e.time = (time_t)INT64_MAX;
	accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	ok(strstr(out, "[31/Dec/9999:23:59:59 +0000]") != NULL,
	    "far future: %s", out);
	e.time = 951782400;	/* 2000-02-29 */
	accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	ok(strstr(out, "[29/Feb/2000:00:00:00 +0000]") != NULL, "leap day: %s",
	    out);
}

/* The escaped form of one byte, as the header specifies. */
static void
test_escapes(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*json;
		const char	*clf;
	} cases[] = {
		{ "plain", 5, "plain", "plain" },
		{ "\"", 1, "\\\"", "\\\"" },
		{ "\\", 1, "\\\\", "\\\\" },
		{ "\n", 1, "\\u000a", "\\x0a" },
		{ "\r", 1, "\\u000d", "\\x0d" },
		{ "\t", 1, "\\u0009", "\\x09" },
		{ "\0", 1, "\\u0000", "\\x00" },
		{ "\x1b[2J", 4, "\\u001b[2J", "\\x1b[2J" },
		{ "\x7f", 1, "\\u007f", "\\x7f" },
		{ "\x80", 1, "\\u0080", "\\x80" },
		{ "\xff", 1, "\\u00ff", "\\xff" },
		{ "\xc3\xa9", 2, "\\u00c3\\u00a9", "\\xc3\\xa9" },
		{ "a b", 3, "a b", "a b" },
		{ "'<>&{}", 6, "'<>&{}", "'<>&{}" },
		{ "\\x41", 4, "\\\\x41", "\\\\x41" },
		{ "\\u0041", 6, "\\\\u0041", "\\\\u0041" },
		{ "\" \"x\" \"", 7, "\\\" \\\"x\\\" \\\"", "\\\" \\\"x\\\" \\\"" },
	};
	char out[LINE_MAX_TEST], want[256];
	struct access_entry e = entry();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.user_agent = cases[i].in;
		e.user_agent_len = cases[i].len;
		accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
		snprintf(want, sizeof(want), ",\"user_agent\":\"%s\"}\n",
		    cases[i].json);
		size_t n = strlen(out), w = strlen(want);
		ok(n >= w && strcmp(out + n - w, want) == 0,
		    "json escape %zu: %s", i, out);
		accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
		snprintf(want, sizeof(want), " \"%s\"\n", cases[i].clf);
		n = strlen(out);
		w = strlen(want);
		ok(n >= w && strcmp(out + n - w, want) == 0,
		    "combined escape %zu: %s", i, out);
	}
}

/* --- Decoding lines back, to check them whatever their contents --------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decodes one escaped string at *p, up to its closing quote, into out.
 * Returns the decoded length, or -1 if an escape is not one we write.
 */
static long
decode(const char **p, bool json, char *out, size_t outlen)
{
	size_t n = 0;
	const char *s = *p;

	while (*s != '"') {
		int c;
		if (*s == '\0' || n == outlen)
			return -1;
		if (*s != '\\') {
			out[n++] = *s++;
			continue;
		}
		s++;
		if (*s == '"' || *s == '\\') {
			out[n++] = *s++;
			continue;
		}
		if (json && strncmp(s, "u00", 3) == 0 && hexval(s[3]) >= 0 &&
		    hexval(s[4]) >= 0) {
			c = hexval(s[3]) * 16 + hexval(s[4]);
			s += 5;
		} else if (!json && *s == 'x' && hexval(s[1]) >= 0 &&
		    hexval(s[2]) >= 0) {
			c = hexval(s[1]) * 16 + hexval(s[2]);
			s += 3;
		} else
			return -1;
		out[n++] = (char)c;
	}
	*p = s + 1;
	return (long)n;
}

struct decoded {
	char	str[6][LINE_MAX_TEST];	/* client method target host ref ua */
	long	len[6];			/* -1: null or "-" */
};

/* Is every byte printable ASCII, with one '\n' at the end? */
static bool
one_line(const char *out, size_t n)
{
	if (n == 0 || out[n - 1] != '\n' || strlen(out) != n)
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			return false;
	return true;
}

/* A JSON value that is one of our strings or null. */
static bool
json_str(const char **p, const char *key, struct decoded *d, int i)
{
	size_t kl = strlen(key);

	if (strncmp(*p, key, kl) != 0)
		return false;
	*p += kl;
	if (strncmp(*p, "null", 4) == 0) {
		*p += 4;
		d->len[i] = -1;
		return true;
	}
	if (**p != '"')
		return false;
	(*p)++;
	return (d->len[i] = decode(p, true, d->str[i], sizeof(d->str[i]))) >= 0;
}

static bool
skip_to(const char **p, const char *what)
{
	const char *s = strstr(*p, what);

	if (s == NULL)
		return false;
	*p = s + strlen(what);
	return true;
}

/* Moves *p to the next what: a key cannot occur inside an escaped value,
 * whose quotes are all escaped. */
static bool
seek(const char **p, const char *what)
{
	const char *s = strstr(*p, what);

	if (s == NULL)
		return false;
	*p = s;
	return true;
}

static bool
parse_json(const char *line, struct decoded *d)
{
	const char *p = line;

	if (strncmp(p, "{\"time\":\"", 9) != 0 || !skip_to(&p, "Z\""))
		return false;
	if (!json_str(&p, ",\"client\":", d, 0) ||
	    !json_str(&p, ",\"method\":", d, 1) ||
	    !json_str(&p, ",\"target\":", d, 2) ||
	    !seek(&p, ",\"host\":") ||
	    !json_str(&p, ",\"host\":", d, 3) ||
	    !json_str(&p, ",\"referer\":", d, 4) ||
	    !json_str(&p, ",\"user_agent\":", d, 5))
		return false;
	return strcmp(p, "}\n") == 0;
}

static bool
clf_str(const char **p, struct decoded *d, int i)
{
	if (**p != '"')
		return false;
	(*p)++;
	return (d->len[i] = decode(p, false, d->str[i], sizeof(d->str[i]))) >= 0;
}

static bool
parse_combined(const char *line, struct decoded *d)
{
	const char *p = line, *sp;

	/* The client has no blanks: escaped bytes never include one raw. */
	if ((sp = strstr(p, " - - [")) == NULL)
		return false;
	d->len[0] = (long)(sp - p);
	memcpy(d->str[0], p, (size_t)(sp - p));
	p = sp;
	if (!skip_to(&p, " +0000] "))
		return false;
	if (!clf_str(&p, d, 1))
		return false;
	d->len[2] = -1;
	if (!skip_to(&p, " ") || !skip_to(&p, " ") || !skip_to(&p, " "))
		return false;
	return clf_str(&p, d, 4) && *p++ == ' ' && clf_str(&p, d, 5) &&
	    strcmp(p, "\n") == 0;
}

/* Every byte value, several times, and the worst escapes. */
static char hostile[2048];

static void
fill_hostile(void)
{
	for (size_t i = 0; i < sizeof(hostile); i++)
		hostile[i] = (char)(i % 3 == 0 ? '"' : i % 3 == 1 ? '\\' :
		    (int)(i * 7 % 256));
}

static void
test_roundtrip(void)
{
	static struct decoded d;
	char out[LINE_MAX_TEST * 4];
	struct access_entry e = entry();
	size_t n;

	fill_hostile();
	e.client = "2001:db8::\"1\n";
	e.method = "G\"ET";
	e.method_len = 4;
	e.target = hostile;
	e.target_len = 300;
	e.host = hostile + 300;
	e.host_len = 200;
	e.referer = hostile + 500;
	e.referer_len = 256;
	e.user_agent = hostile + 1000;
	e.user_agent_len = 100;

	n = accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	ok(one_line(out, n), "json hostile: one printable line");
	ok(parse_json(out, &d), "json hostile: parses: %s", out);
	ok(d.len[0] == 13 && memcmp(d.str[0], e.client, 13) == 0,
	    "json: client back");
	ok(d.len[1] == 4 && memcmp(d.str[1], "G\"ET", 4) == 0,
	    "json: method back");
	ok(d.len[2] == 300 && memcmp(d.str[2], hostile, 300) == 0,
	    "json: target back");
	ok(d.len[3] == 200 && memcmp(d.str[3], hostile + 300, 200) == 0,
	    "json: host back");
	ok(d.len[4] == 256 && memcmp(d.str[4], hostile + 500, 256) == 0,
	    "json: referer back");
	ok(d.len[5] == 100 && memcmp(d.str[5], hostile + 1000, 100) == 0,
	    "json: user agent back");

	memset(&d, 0, sizeof(d));
	e.target = "/x\" 200 0 \"-\" \"fake";
	e.target_len = strlen(e.target);
	n = accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	ok(one_line(out, n), "combined hostile: one printable line");
	ok(parse_combined(out, &d), "combined hostile: parses: %s", out);
	ok(strstr(out, "\"G\\\"ET /x\\\" 200 0 \\\"-\\\" \\\"fake HTTP/1.1\"")
	    != NULL, "combined: a quote in the target cannot end the request:"
	    " %s", out);
	ok(d.len[4] == 256 && memcmp(d.str[4], hostile + 500, 256) == 0,
	    "combined: referer back");
	ok(d.len[5] == 100 && memcmp(d.str[5], hostile + 1000, 100) == 0,
	    "combined: user agent back");
}

/* Does the decoded field a equal a cut prefix of src (ending in "...")? */
static bool
cut_of(const char *a, long alen, const char *src, size_t srclen)
{
	if (alen < 0)
		return false;
	if ((size_t)alen == srclen && memcmp(a, src, srclen) == 0)
		return true;
	return alen >= 3 && memcmp(a + alen - 3, "...", 3) == 0 &&
	    (size_t)alen - 3 <= srclen && memcmp(a, src, (size_t)alen - 3) == 0;
}

static void
test_truncation(void)
{
	static struct decoded d;
	static char big[20000];
	char out[LINE_MAX_TEST];
	struct access_entry e = entry();
	size_t n;
	int bad;

	/* One huge field: only it is cut, to fill the line exactly. */
	memset(big, 'u', sizeof(big));
	e.user_agent = big;
	e.user_agent_len = sizeof(big);
	n = accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	ok(n == sizeof(out) - 1 && one_line(out, n),
	    "json: long user agent fills the buffer: %zu", n);
	ok(parse_json(out, &d), "json: cut line parses");
	ok(strstr(out, "\"target\":\"/posts/hello?x=1\"") != NULL &&
	    strstr(out, "\"referer\":\"https://example.org/\"") != NULL,
	    "json: short fields kept whole");
	ok(d.len[5] > 3000 && memcmp(d.str[5] + d.len[5] - 3, "...", 3) == 0,
	    "json: user agent cut with ... (%ld)", d.len[5]);
	n = accesslog_format(ACCESS_LOG_COMBINED, &e, out, sizeof(out));
	ok(n == sizeof(out) - 1 && one_line(out, n) &&
	    strstr(out, "uuu...\"\n") != NULL, "combined: long user agent cut: %zu", n);

	/* Escapes are never split: a field of quotes cut anywhere. */
	memset(big, '"', sizeof(big));
	bad = 0;
	for (size_t len = OUT_MIN; len <= 1024; len++) {
		n = accesslog_format(ACCESS_LOG_JSON, &e, out, len);
		if (n >= len || !one_line(out, n) || !parse_json(out, &d))
			bad++;
		n = accesslog_format(ACCESS_LOG_COMBINED, &e, out, len);
		if (n >= len || !one_line(out, n) || !parse_combined(out, &d))
			bad++;
	}
	ok(bad == 0, "quotes cut at every size: %d bad lines", bad);

	/* Every field hostile and long, every buffer size from the minimum:
	 * a line that fits, parses, and holds a prefix of each field. */
	fill_hostile();
	e.client = "198.51.100.254";
	e.target = hostile;
	e.target_len = 1500;
	e.host = hostile + 1;
	e.host_len = 700;
	e.referer = hostile + 2;
	e.referer_len = 2000;
	e.user_agent = hostile + 3;
	e.user_agent_len = 900;
	e.bytes = UINT64_MAX;
	e.duration_us = UINT32_MAX;
	e.status = -2147483647 - 1;
	e.minor = -2147483647 - 1;
	bad = 0;
	for (size_t len = OUT_MIN; len <= sizeof(out); len += 7) {
		memset(&d, 0, sizeof(d));
		n = accesslog_format(ACCESS_LOG_JSON, &e, out, len);
		if (n >= len || !one_line(out, n) || !parse_json(out, &d) ||
		    !cut_of(d.str[0], d.len[0], e.client, strlen(e.client)) ||
		    !cut_of(d.str[2], d.len[2], e.target, e.target_len) ||
		    !cut_of(d.str[3], d.len[3], e.host, e.host_len) ||
		    !cut_of(d.str[4], d.len[4], e.referer, e.referer_len) ||
		    !cut_of(d.str[5], d.len[5], e.user_agent,
		    e.user_agent_len)) {
			if (bad++ == 0)
				fprintf(stderr, "len %zu: %s", len, out);
		}
		n = accesslog_format(ACCESS_LOG_COMBINED, &e, out, len);
		if (n >= len || !one_line(out, n) || !parse_combined(out, &d) ||
		    !cut_of(d.str[4], d.len[4], e.referer, e.referer_len) ||
		    !cut_of(d.str[5], d.len[5], e.user_agent,
		    e.user_agent_len)) {
			if (bad++ == 0)
				fprintf(stderr, "len %zu: %s", len, out);
		}
	}
	ok(bad == 0, "hostile fields at every size: %d bad lines", bad);

	/* With room for a little of each, the short fields survive whole
	 * and the long ones get equal shares. */
	e.status = 200;
	e.minor = 1;
	e.bytes = 0;
	e.duration_us = 0;
	memset(big, 'a', sizeof(big));
	e.target = e.host = e.referer = e.user_agent = big;
	n = accesslog_format(ACCESS_LOG_JSON, &e, out, 400);
	ok(n > 0 && n < 400 && parse_json(out, &d) &&
	    d.len[0] == 14 && d.len[1] == 3, "json at 400 bytes keeps the"
	    " short client and method: %s", out);
	ok(d.len[2] == d.len[4] && d.len[3] == d.len[4] && d.len[4] == d.len[5]
	    && d.len[4] > 3 && memcmp(d.str[4] + d.len[4] - 3, "...", 3) == 0,
	    "the long fields are cut alike: %ld %ld %ld %ld", d.len[2],
	    d.len[3], d.len[4], d.len[5]);
}

static void
test_limits(void)
{
	char out[LINE_MAX_TEST];
	struct access_entry e = entry();

	memset(out, 'x', sizeof(out));
	ok(accesslog_format(ACCESS_LOG_OFF, &e, out, sizeof(out)) == 0 &&
	    out[0] == '\0', "off writes nothing");
	ok(accesslog_format(ACCESS_LOG_JSON, &e, out, 0) == 0, "outlen 0");
	memset(out, 'x', sizeof(out));
	ok(accesslog_format(ACCESS_LOG_JSON, &e, out, 100) == 0 &&
	    out[0] == '\0', "too small for the fixed part: nothing");
	ok(out[100] == 'x', "nothing written past outlen");
	/* A buffer exactly the line's size plus the NUL. */
	size_t full = accesslog_format(ACCESS_LOG_JSON, &e, out, sizeof(out));
	char exact[LINE_MAX_TEST];
	memset(exact, 'x', sizeof(exact));
	ok(accesslog_format(ACCESS_LOG_JSON, &e, exact, full + 1) == full &&
	    strcmp(exact, out) == 0 && exact[full + 1] == 'x',
	    "exact buffer holds the whole line");
}

int
main(void)
{
	test_exact();
	test_numbers();
	test_escapes();
	test_roundtrip();
	test_truncation();
	test_limits();
	return test_done();
}
