/*
 * frontmatter.c: finds the "---" ... "---" block at the top of a markdown
 * file and reads it with libyaml's event parser into struct meta. Only the
 * keys of the content contract are kept; anchors and aliases are refused so
 * a small file can never expand into a large one.
 */
#include "frontmatter.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yaml.h>

#include "folio_limits.h"
#include "utf8.h"

/* Bytes of a value quoted back in an error message: enough to recognise it,
 * short enough to keep the log line on one screen. Cut between characters. */
#define FM_QUOTE_MAX	40
/* A UTF-8 byte order mark, allowed before the first "---". */
#define UTF8_BOM	"\xef\xbb\xbf"
#define UTF8_BOM_LEN	(sizeof(UTF8_BOM) - 1)
/* Years a date may name: time_t's epoch on, and four digits is all the
 * format has. */
#define FM_YEAR_MIN	1970
#define FM_YEAR_MAX	9999

/* The keys we read; each bit is set once the key is seen. */
enum fm_key {
	K_TITLE,
	K_DATE,
	K_UPDATED,
	K_TAGS,
	K_SUMMARY,
	K_DRAFT,
	K_IMAGE,
	K_UNKNOWN,
};

static const char *const fm_keys[] = {
	[K_TITLE] = "title",
	[K_DATE] = "date",
	[K_UPDATED] = "updated",
	[K_TAGS] = "tags",
	[K_SUMMARY] = "summary",
	[K_DRAFT] = "draft",
	[K_IMAGE] = "image",
};

struct fm {
	yaml_parser_t	 parser;
	const char	*yaml;		/* start of the YAML text */
	size_t		 yaml_len;
	size_t		 line0;		/* file line of libyaml's line 0 */
	struct meta	*m;
	unsigned	 seen;		/* 1 << enum fm_key */
	size_t		 depth;		/* lists and mappings open */
	size_t		 title_line;	/* where the title's value is */
	size_t		*err_line;
	char		*err;
	size_t		 errlen;
};

static int
fm_fail(struct fm *f, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fm_fail(struct fm *f, size_t line, const char *fmt, ...)
{
	va_list ap;

	*f->err_line = line;
	va_start(ap, fmt);
	vsnprintf(f->err, f->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The file line of a libyaml mark. libyaml's own line count also breaks at
 * a lone CR, NEL, LS and PS, so the mark's index (in characters) is mapped
 * back to a byte offset and the '\n's before it are counted.
 */
static size_t
fm_line(const struct fm *f, const yaml_mark_t *mark)
{
	size_t chars = 0, line = f->line0;

	for (size_t i = 0; i < f->yaml_len; i++) {
		unsigned char c = (unsigned char)f->yaml[i];

		if (!utf8_cont(c) && chars++ == mark->index)
			break;
		if (c == '\n')
			line++;
	}
	return line;
}

static size_t
fm_line_of_offset(const struct fm *f, size_t off)
{
	size_t line = f->line0;

	for (size_t i = 0; i < off && i < f->yaml_len; i++)
		if (f->yaml[i] == '\n')
			line++;
	return line;
}

static const char *
fm_kind(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	default:
		return "a value";
	}
}

/* libyaml's failure, at the line it is best looked for. */
static int
fm_syntax(struct fm *f)
{
	const yaml_parser_t *p = &f->parser;
	const char *problem = p->problem ? p->problem : "syntax error";

	if (p->error == YAML_READER_ERROR)
		return fm_fail(f, fm_line_of_offset(f, p->problem_offset),
		    "YAML: %s", problem);
	if (p->error == YAML_MEMORY_ERROR)
		return fm_fail(f, f->line0 - 1, "out of memory");
	/* An unclosed quote or flow is reported at its start: the scanner
	 * gives a context for quotes, the parser one for a '[' or '{' whose
	 * closing bracket it did not find. */
	if ((p->error == YAML_SCANNER_ERROR && p->context != NULL) ||
	    (p->error == YAML_PARSER_ERROR && p->context != NULL &&
	    (strcmp(p->context, "while parsing a flow sequence") == 0 ||
	    strcmp(p->context, "while parsing a flow mapping") == 0)))
		return fm_fail(f, fm_line(f, &p->context_mark), "YAML: %s %s",
		    problem, p->context);
	return fm_fail(f, fm_line(f, &p->problem_mark), "YAML: %s", problem);
}

/* Counts the lists and mappings open; refuses more than
 * FRONTMATTER_DEPTH_MAX before libyaml reads much further. */
static int
fm_nest(struct fm *f, const yaml_event_t *ev)
{
	if (ev->type == YAML_SEQUENCE_END_EVENT ||
	    ev->type == YAML_MAPPING_END_EVENT) {
		f->depth--;
		return 0;
	}
	if (ev->type != YAML_SEQUENCE_START_EVENT &&
	    ev->type != YAML_MAPPING_START_EVENT)
		return 0;
	if (++f->depth <= FRONTMATTER_DEPTH_MAX)
		return 0;
	return fm_fail(f, fm_line(f, &ev->start_mark), "front matter nests "
	    "lists and mappings deeper than %d levels", FRONTMATTER_DEPTH_MAX);
}

/* Reads the next event; refuses anchors, aliases and deep nesting. */
static int
fm_next(struct fm *f, yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL;

	if (!yaml_parser_parse(&f->parser, ev)) {
		memset(ev, 0, sizeof(*ev));
		return fm_syntax(f);
	}
	if (fm_nest(f, ev) == -1) {
		yaml_event_delete(ev);
		return -1;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		fm_fail(f, fm_line(f, &ev->start_mark),
		    "YAML aliases (*name) are not allowed");
		yaml_event_delete(ev);
		return -1;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		break;
	default:
		break;
	}
	if (anchor != NULL) {
		fm_fail(f, fm_line(f, &ev->start_mark),
		    "YAML anchors (&name) are not allowed");
		yaml_event_delete(ev);
		return -1;
	}
	return 0;
}

/* Skips the rest of a value whose start event is ev (already deleted). */
static int
fm_skip(struct fm *f, yaml_event_type_t type)
{
	yaml_event_t ev;
	size_t depth;

	if (type != YAML_SEQUENCE_START_EVENT && type != YAML_MAPPING_START_EVENT)
		return 0;
	for (depth = 1; depth > 0; ) {
		if (fm_next(f, &ev) == -1)
			return -1;
		if (ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (ev.type == YAML_SEQUENCE_END_EVENT ||
		    ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		yaml_event_delete(&ev);
	}
	return 0;
}

static bool
fm_is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

/* Copies a scalar's text into *out after checking its size and bytes. */
static int
fm_text(struct fm *f, const char *key, const yaml_event_t *ev, char **out)
{
	size_t len = ev->data.scalar.length;
	size_t line = fm_line(f, &ev->start_mark);

	if (len > META_TEXT_MAX)
		return fm_fail(f, line, "%s: longer than %u bytes", key,
		    (unsigned)META_TEXT_MAX);
	if (memchr(ev->data.scalar.value, '\0', len) != NULL)
		return fm_fail(f, line, "%s: contains a NUL byte", key);
	if ((*out = strndup((const char *)ev->data.scalar.value, len)) == NULL)
		return fm_fail(f, line, "out of memory");
	return 0;
}

/* Reads exactly n digits. */
static bool
fm_digits(const char **s, const char *end, int n, int *out)
{
	int v = 0;

	if (end - *s < n)
		return false;
	for (int i = 0; i < n; i++) {
		char c = (*s)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool
fm_char(const char **s, const char *end, const char *set)
{
	if (*s < end && **s != '\0' && strchr(set, **s) != NULL) {
		(*s)++;
		return true;
	}
	return false;
}

static int
fm_mdays(int year, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

int
frontmatter_time(const char *s, size_t n, time_t *t, bool *has_time)
{
	const char *end = s + n;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	struct tm tm;

	if (!fm_digits(&s, end, 4, &y) || !fm_char(&s, end, "-") ||
	    !fm_digits(&s, end, 2, &mo) || !fm_char(&s, end, "-") ||
	    !fm_digits(&s, end, 2, &d))
		return -1;
	*has_time = s < end;
	if (*has_time) {
		if (!fm_char(&s, end, "Tt ") || !fm_digits(&s, end, 2, &h) ||
		    !fm_char(&s, end, ":") || !fm_digits(&s, end, 2, &mi) ||
		    !fm_char(&s, end, ":") || !fm_digits(&s, end, 2, &sec))
			return -1;
		if (fm_char(&s, end, ".")) {
			if (s == end || *s < '0' || *s > '9')
				return -1;
			while (s < end && *s >= '0' && *s <= '9')
				s++;
		}
		(void)fm_char(&s, end, " ");
		if (fm_char(&s, end, "Zz"))
			sign = 0;
		else if (s < end && (*s == '+' || *s == '-')) {
			sign = *s++ == '+' ? 1 : -1;
			if (!fm_digits(&s, end, 2, &oh))
				return -1;
			(void)fm_char(&s, end, ":");
			if (!fm_digits(&s, end, 2, &om))
				return -1;
		}
		if (s != end)
			return -1;
	}
	if (y < FM_YEAR_MIN || y > FM_YEAR_MAX || mo < 1 || mo > 12 ||
	    d < 1 || d > fm_mdays(y, mo) || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = timegm(&tm) - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}

static int
fm_want_scalar(struct fm *f, const char *key, const char *what,
    const yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT)
		return 0;
	return fm_fail(f, fm_line(f, &ev->start_mark), "%s: expected %s, not %s",
	    key, what, fm_kind(ev));
}

static int
fm_string(struct fm *f, enum fm_key k, const yaml_event_t *ev)
{
	const char *key = fm_keys[k];
	char **out = k == K_TITLE ? &f->m->title :
	    k == K_SUMMARY ? &f->m->summary : &f->m->image;

	if (fm_want_scalar(f, key, "a string", ev) == -1)
		return -1;
	if (fm_is_null(ev))
		return 0;
	return fm_text(f, key, ev, out);
}

static int
fm_date(struct fm *f, enum fm_key k, const yaml_event_t *ev)
{
	const char *key = fm_keys[k];
	const char *v;
	size_t len;
	bool has_time;
	time_t t;

	if (fm_want_scalar(f, key, "a date", ev) == -1)
		return -1;
	if (fm_is_null(ev))
		return 0;
	v = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	if (frontmatter_time(v, len, &t, &has_time) == -1)
		return fm_fail(f, fm_line(f, &ev->start_mark),
		    "%s: \"%.*s\" is not a date (YYYY-MM-DD or RFC 3339)", key,
		    (int)utf8_head(v, len, FM_QUOTE_MAX), v);
	if (k == K_DATE) {
		f->m->date = t;
		f->m->has_date = true;
		f->m->date_has_time = has_time;
	} else
		f->m->updated = t;
	return 0;
}

static int
fm_draft(struct fm *f, const yaml_event_t *ev)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes",
	    "Yes", "YES" };
	static const char *const no[] = { "false", "False", "FALSE", "no",
	    "No", "NO" };
	const char *v;
	size_t len;

	if (fm_want_scalar(f, "draft", "true or false", ev) == -1)
		return -1;
	if (fm_is_null(ev))
		return 0;
	v = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(v, yes[i]) == 0) {
			f->m->draft = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			f->m->draft = false;
			return 0;
		}
	}
	return fm_fail(f, fm_line(f, &ev->start_mark),
	    "draft: \"%.*s\" is not true or false",
	    (int)utf8_head(v, len, FM_QUOTE_MAX), v);
}

static int
fm_add_tag(struct fm *f, const yaml_event_t *ev)
{
	char **tags;

	if (fm_is_null(ev))
		return 0;
	if (f->m->ntags == POST_TAGS_MAX)
		return fm_fail(f, fm_line(f, &ev->start_mark),
		    "tags: more than %d tags", POST_TAGS_MAX);
	if (f->m->tags == NULL) {
		tags = calloc(POST_TAGS_MAX, sizeof(*tags));
		if (tags == NULL)
			return fm_fail(f, fm_line(f, &ev->start_mark),
			    "out of memory");
		f->m->tags = tags;
	}
	if (fm_text(f, "tags", ev, &f->m->tags[f->m->ntags]) == -1)
		return -1;
	f->m->ntags++;
	return 0;
}

static int
fm_tags(struct fm *f, const yaml_event_t *start)
{
	yaml_event_t ev;
	int rc = 0;

	if (start->type == YAML_SCALAR_EVENT)
		return fm_add_tag(f, start);
	if (start->type != YAML_SEQUENCE_START_EVENT)
		return fm_fail(f, fm_line(f, &start->start_mark),
		    "tags: expected a list, not %s", fm_kind(start));
	for (;;) {
		if (fm_next(f, &ev) == -1)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (ev.type == YAML_SCALAR_EVENT)
			rc = fm_add_tag(f, &ev);
		else
			rc = fm_fail(f, fm_line(f, &ev.start_mark),
			    "tags: expected a list of words, not %s",
			    fm_kind(&ev));
		yaml_event_delete(&ev);
		if (rc == -1)
			return -1;
	}
	yaml_event_delete(&ev);
	return 0;
}

static enum fm_key
fm_lookup(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	for (int k = 0; k < K_UNKNOWN; k++)
		if (strcmp(v, fm_keys[k]) == 0 &&
		    strlen(fm_keys[k]) == ev->data.scalar.length)
			return (enum fm_key)k;
	return K_UNKNOWN;
}

/* One "key: value" pair; key is the key's scalar event. */
static int
fm_pair(struct fm *f, const yaml_event_t *key)
{
	enum fm_key k = fm_lookup(key);
	yaml_event_t ev;
	yaml_event_type_t type;
	int rc;

	if (k != K_UNKNOWN) {
		if (f->seen & (1u << k))
			return fm_fail(f, fm_line(f, &key->start_mark),
			    "%s: given twice", fm_keys[k]);
		f->seen |= 1u << k;
	}
	if (fm_next(f, &ev) == -1)
		return -1;
	type = ev.type;
	if (k == K_TITLE)
		f->title_line = fm_line(f, &ev.start_mark);
	switch (k) {
	case K_TITLE:
	case K_SUMMARY:
	case K_IMAGE:
		rc = fm_string(f, k, &ev);
		break;
	case K_DATE:
	case K_UPDATED:
		rc = fm_date(f, k, &ev);
		break;
	case K_TAGS:
		rc = fm_tags(f, &ev);
		break;
	case K_DRAFT:
		rc = fm_draft(f, &ev);
		break;
	default:
		rc = 0;
		break;
	}
	yaml_event_delete(&ev);
	if (rc == 0 && k == K_UNKNOWN)
		rc = fm_skip(f, type);
	return rc;
}

/* The body of the mapping after its MAPPING_START. */
static int
fm_mapping(struct fm *f)
{
	yaml_event_t ev;
	int rc;

	for (;;) {
		if (fm_next(f, &ev) == -1)
			return -1;
		if (ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (ev.type == YAML_SCALAR_EVENT)
			rc = fm_pair(f, &ev);
		else
			rc = fm_fail(f, fm_line(f, &ev.start_mark),
			    "keys must be plain words, not %s", fm_kind(&ev));
		yaml_event_delete(&ev);
		if (rc == -1)
			return -1;
	}
	yaml_event_delete(&ev);
	return 0;
}

/* Expects an event of the given type, or reports what. */
static int
fm_expect(struct fm *f, yaml_event_type_t type, const char *what)
{
	yaml_event_t ev;
	int rc = 0;

	if (fm_next(f, &ev) == -1)
		return -1;
	if (ev.type != type)
		rc = fm_fail(f, fm_line(f, &ev.start_mark), "%s", what);
	yaml_event_delete(&ev);
	return rc;
}

static int
fm_document(struct fm *f)
{
	yaml_event_t ev;
	int rc = 0;

	if (fm_expect(f, YAML_STREAM_START_EVENT, "YAML: no stream") == -1)
		return -1;
	if (fm_next(f, &ev) == -1)
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev);
	if (fm_next(f, &ev) == -1)
		return -1;
	if (ev.type == YAML_MAPPING_START_EVENT)
		rc = fm_mapping(f);
	else if (ev.type != YAML_SCALAR_EVENT || !fm_is_null(&ev))
		rc = fm_fail(f, fm_line(f, &ev.start_mark),
		    "front matter must be \"key: value\" lines, not %s",
		    fm_kind(&ev));
	yaml_event_delete(&ev);
	if (rc == -1)
		return -1;
	if (fm_expect(f, YAML_DOCUMENT_END_EVENT,
	    "YAML: expected the end of the document") == -1)
		return -1;
	return fm_expect(f, YAML_STREAM_END_EVENT,
	    "front matter holds more than one YAML document");
}

/* Length of the line at s (up to '\n' or end) without its line break. */
static size_t
fm_line_len(const char *s, size_t len)
{
	const char *nl = memchr(s, '\n', len);

	return nl ? (size_t)(nl - s) : len;
}

/* True if s[0..n) is mark followed only by spaces, tabs and a CR. */
static bool
fm_is_marker(const char *s, size_t n, const char *mark)
{
	size_t ml = strlen(mark);

	if (n < ml || memcmp(s, mark, ml) != 0)
		return false;
	for (size_t i = ml; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && !(s[i] == '\r' && i == n - 1))
			return false;
	return true;
}

int
frontmatter_parse(const char *src, size_t len, struct meta *m,
    size_t *body_off, size_t *body_line, size_t *err_line, char *err,
    size_t errlen)
{
	struct fm f;
	size_t off = 0, n, line, ystart;
	int rc;

	memset(m, 0, sizeof(*m));
	memset(&f, 0, sizeof(f));
	f.m = m;
	f.err_line = err_line;
	f.err = err;
	f.errlen = errlen;
	*body_off = 0;
	*body_line = 1;
	if (len >= UTF8_BOM_LEN && memcmp(src, UTF8_BOM, UTF8_BOM_LEN) == 0)
		off = UTF8_BOM_LEN;
	n = fm_line_len(src + off, len - off);
	if (!fm_is_marker(src + off, n, "---"))
		return fm_fail(&f, 1, "no front matter (the first line must be "
		    "\"---\")");
	if (off + n == len)
		return fm_fail(&f, 1, "front matter has no closing \"---\"");
	off += n + 1;
	ystart = off;
	/* Find the closing line. */
	for (line = 2;; line++) {
		if (off - ystart > FRONTMATTER_MAX)
			return fm_fail(&f, 1, "front matter is longer than %u "
			    "bytes", (unsigned)FRONTMATTER_MAX);
		if (off == len)
			return fm_fail(&f, 1, "front matter has no closing "
			    "\"---\"");
		n = fm_line_len(src + off, len - off);
		if (fm_is_marker(src + off, n, "---") ||
		    fm_is_marker(src + off, n, "..."))
			break;
		off += n + (off + n < len);
	}
	f.yaml = src + ystart;
	f.yaml_len = off - ystart;
	f.line0 = 2;
	if (!yaml_parser_initialize(&f.parser))
		return fm_fail(&f, 1, "out of memory");
	yaml_parser_set_encoding(&f.parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&f.parser, (const unsigned char *)f.yaml,
	    f.yaml_len);
	rc = fm_document(&f);
	yaml_parser_delete(&f.parser);
	if (rc == 0 && m->title == NULL && !(f.seen & (1u << K_TITLE)))
		rc = fm_fail(&f, 1, "title is missing");
	else if (rc == 0 && (m->title == NULL ||
	    strspn(m->title, " \t\r\n") == strlen(m->title)))
		rc = fm_fail(&f, f.title_line, "title is empty");
	if (rc == -1) {
		meta_free(m);
		return -1;
	}
	*body_off = off + n + (off + n < len);
	*body_line = line + 1;
	return 0;
}

void
meta_free(struct meta *m)
{
	free(m->title);
	free(m->summary);
	free(m->image);
	for (size_t i = 0; i < m->ntags; i++)
		free(m->tags[i]);
	free(m->tags);
	memset(m, 0, sizeof(*m));
}
