/*
 * accesslog.c: one access-log line per response, as a JSON object or in the
 * combined log format. Every byte that came from the peer is escaped, so a
 * line stays one line of printable ASCII; when the peer's fields do not fit,
 * the longest ones are cut (ending in "...") until the line does.
 */
#include "accesslog.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Bytes that end a field cut short. */
#define CUT_MARK	"..."
#define CUT_MARK_LEN	(sizeof(CUT_MARK) - 1)
/* See http_resp.c: four-digit years only, 9999-12-31T23:59:59Z at most. */
#define LOG_TIME_MAX		253402300799LL
/* Room for the longest piece put_num prints (the combined format's time). */
#define NUM_MAX			64

enum field_id {
	F_CLIENT,
	F_METHOD,
	F_TARGET,
	F_HOST,
	F_REFERER,
	F_AGENT,
	NFIELDS
};

struct field {
	const char	*s;		/* NULL: absent */
	size_t		 n;
	size_t		 esc;		/* length once escaped */
	size_t		 budget;	/* bytes it may take on the line */
};

/* Where the line goes; counts past cap so a dry run can measure. */
struct out {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - o->len;
		memcpy(o->p + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* The escaped form of byte ch: its length, written into buf (>= 7). */
static size_t
escape_byte(enum access_log_format fmt, unsigned char ch, char *buf)
{
	static const char hex[] = "0123456789abcdef";

	if (ch == '"' || ch == '\\') {
		buf[0] = '\\';
		buf[1] = (char)ch;
		return 2;
	}
	if (ch >= 0x20 && ch < 0x7f) {
		buf[0] = (char)ch;
		return 1;
	}
	if (fmt == ACCESS_LOG_JSON) {
		memcpy(buf, "\\u00", 4);
		buf[4] = hex[ch >> 4];
		buf[5] = hex[ch & 0xf];
		return 6;
	}
	buf[0] = '\\';
	buf[1] = 'x';
	buf[2] = hex[ch >> 4];
	buf[3] = hex[ch & 0xf];
	return 4;
}

static size_t
escaped_len(enum access_log_format fmt, const char *s, size_t n)
{
	char buf[8];
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += escape_byte(fmt, (unsigned char)s[i], buf);
	return len;
}

/* Writes f escaped, in at most f->budget bytes, cut with CUT_MARK if it
 * does not fit. */
static void
put_escaped(struct out *o, enum access_log_format fmt, const struct field *f)
{
	size_t used = 0, limit = f->budget, n;
	bool cut = f->esc > f->budget;
	char buf[8];

	if (cut)
		limit = f->budget >= CUT_MARK_LEN ? f->budget - CUT_MARK_LEN : 0;
	for (size_t i = 0; i < f->n; i++) {
		n = escape_byte(fmt, (unsigned char)f->s[i], buf);
		if (used + n > limit)
			break;
		put(o, buf, n);
		used += n;
	}
	if (cut && f->budget >= CUT_MARK_LEN)
		put(o, CUT_MARK, CUT_MARK_LEN);
}

/* A JSON string, or null when absent. */
static void
put_json(struct out *o, const struct field *f)
{
	if (f->s == NULL) {
		put_str(o, "null");
		return;
	}
	put(o, "\"", 1);
	put_escaped(o, ACCESS_LOG_JSON, f);
	put(o, "\"", 1);
}

/* A combined-format field, "-" when absent. */
static void
put_clf(struct out *o, const struct field *f)
{
	if (f->s == NULL)
		put(o, "-", 1);
	else
		put_escaped(o, ACCESS_LOG_COMBINED, f);
}

static void __attribute__((format(printf, 2, 3)))
put_num(struct out *o, const char *fmt, ...)
{
	char buf[NUM_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void
log_tm(time_t t, struct tm *tm)
{
	if (t < 0)
		t = 0;
	if ((long long)t > LOG_TIME_MAX)
		t = (time_t)LOG_TIME_MAX;
	if (gmtime_r(&t, tm) == NULL) {
		t = 0;
		gmtime_r(&t, tm);
	}
}

static void
put_json_line(struct out *o, const struct access_entry *e,
    const struct field *f)
{
	struct tm tm;

	log_tm(e->time, &tm);
	put_num(o, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\"",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	put_str(o, ",\"client\":");
	put_json(o, &f[F_CLIENT]);
	put_str(o, ",\"method\":");
	put_json(o, &f[F_METHOD]);
	put_str(o, ",\"target\":");
	put_json(o, &f[F_TARGET]);
	put_str(o, ",\"proto\":");
	if (f[F_METHOD].s == NULL)
		put_str(o, "null");
	else
		put_num(o, "\"HTTP/1.%d\"", e->minor);
	put_num(o, ",\"status\":%d", e->status);
	put_num(o, ",\"bytes\":%llu", (unsigned long long)e->bytes);
	put_num(o, ",\"duration_ms\":%lu.%03lu",
	    (unsigned long)(e->duration_us / 1000),
	    (unsigned long)(e->duration_us % 1000));
	put_str(o, ",\"host\":");
	put_json(o, &f[F_HOST]);
	put_str(o, ",\"referer\":");
	put_json(o, &f[F_REFERER]);
	put_str(o, ",\"user_agent\":");
	put_json(o, &f[F_AGENT]);
	put_str(o, "}\n");
}

static void
put_combined_line(struct out *o, const struct access_entry *e,
    const struct field *f)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;

	log_tm(e->time, &tm);
	put_clf(o, &f[F_CLIENT]);
	put_num(o, " - - [%02d/%.3s/%04d:%02d:%02d:%02d +0000] \"",
	    tm.tm_mday, months + 3 * tm.tm_mon, tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (f[F_METHOD].s == NULL)
		put(o, "-", 1);
	else {
		put_clf(o, &f[F_METHOD]);
		put(o, " ", 1);
		put_clf(o, &f[F_TARGET]);
		put_num(o, " HTTP/1.%d", e->minor);
	}
	put_num(o, "\" %d %llu \"", e->status, (unsigned long long)e->bytes);
	put_clf(o, &f[F_REFERER]);
	put_str(o, "\" \"");
	put_clf(o, &f[F_AGENT]);
	put_str(o, "\"\n");
}

static void
put_line(enum access_log_format fmt, struct out *o,
    const struct access_entry *e, const struct field *f)
{
	if (fmt == ACCESS_LOG_JSON)
		put_json_line(o, e, f);
	else
		put_combined_line(o, e, f);
}

static void
set_field(struct field *f, enum access_log_format fmt, const char *s,
    size_t n)
{
	f->s = s;
	f->n = s != NULL ? n : 0;
	f->esc = escaped_len(fmt, f->s, f->n);
	f->budget = f->esc;
}

/* Caps every field at the largest c for which they all fit in avail, so
 * only the longest are cut. */
static void
fit_fields(struct field *f, size_t avail)
{
	size_t lo = 0, hi = 0, mid, sum;

	for (int i = 0; i < NFIELDS; i++)
		if (f[i].esc > hi)
			hi = f[i].esc;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		sum = 0;
		for (int i = 0; i < NFIELDS; i++)
			sum += f[i].esc < mid ? f[i].esc : mid;
		if (sum <= avail)
			lo = mid;
		else
			hi = mid - 1;
	}
	for (int i = 0; i < NFIELDS; i++)
		f[i].budget = f[i].esc < lo ? f[i].esc : lo;
}

size_t
accesslog_format(enum access_log_format fmt, const struct access_entry *e,
    char *out, size_t outlen)
{
	struct field f[NFIELDS];
	struct out o = { out, 0, 0 };
	size_t fixed, total = 0;
	const char *client = e->client;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (fmt != ACCESS_LOG_JSON && fmt != ACCESS_LOG_COMBINED)
		return 0;
	if (client != NULL && client[0] == '\0')
		client = NULL;
	set_field(&f[F_CLIENT], fmt, client, client ? strlen(client) : 0);
	set_field(&f[F_METHOD], fmt, e->method_len ? e->method : NULL,
	    e->method_len);
	set_field(&f[F_TARGET], fmt, e->method_len ? e->target : NULL,
	    e->target_len);
	/* The combined format has no host: it must take no room. */
	set_field(&f[F_HOST], fmt, fmt == ACCESS_LOG_JSON ? e->host : NULL,
	    e->host_len);
	set_field(&f[F_REFERER], fmt, e->referer, e->referer_len);
	set_field(&f[F_AGENT], fmt, e->user_agent, e->user_agent_len);

	/* A dry run with every field empty measures the rest of the line. */
	for (int i = 0; i < NFIELDS; i++) {
		f[i].budget = 0;
		total += f[i].esc;
	}
	put_line(fmt, &o, e, f);
	fixed = o.len;
	/* The rest is at most about 230 bytes: the header asks for 256. */
	if (fixed + 1 > outlen)
		return 0;
	if (fixed + total + 1 <= outlen) {
		for (int i = 0; i < NFIELDS; i++)
			f[i].budget = f[i].esc;
	} else
		fit_fields(f, outlen - 1 - fixed);

	o.len = 0;
	o.cap = outlen - 1;
	put_line(fmt, &o, e, f);
	if (o.len > o.cap) {
		/* Cannot happen: the budgets add up. Keep it one line anyway. */
		o.len = o.cap;
		out[o.len - 1] = '\n';
	}
	out[o.len] = '\0';
	return o.len;
}
