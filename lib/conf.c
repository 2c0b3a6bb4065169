/*
 * conf.c: the configuration keys, their defaults and rules (one table row
 * each), and the file that sets them. libinih splits the file into
 * key = value lines; the reader we hand it counts lines and refuses what inih
 * would otherwise take quietly: sections, continuation lines, long lines.
 */
#include "conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ini.h>

#include "utf8.h"

#define STR(x)		STR1(x)
#define STR1(x)		#x

/* The longest timeout we take, in seconds: an hour is far past any sane wait
 * for a request head or a shutdown, so a bigger value is a typo. */
#define CONF_TIMEOUT_MAX	3600
/* Digits of a number in a config value. */
#define CONF_NUMBER_MAX		24
/* Sizes (cache_max_bytes, image_max_bytes): from 1 MiB to 1 TiB. */
#define CONF_BYTES_MIN_MIB	1
#define CONF_BYTES_MAX_MIB	(1 << 20)
/* The widths Next.js's image optimizer allows by default (deviceSizes and
 * imageSizes) but 16, too small to be worth a resize: a site moved from it
 * whose URLs ask for w=16 adds it to image_widths. */
#define IMAGE_WIDTHS_DEFAULT	"32 48 64 96 128 256 384 640 750 828 1080 " \
				"1200 1920 2048 3840"
#define IMAGE_WIDTH_MAX		8192
#define IMAGE_MEGAPIXELS_MAX	1000
/* Longest user name: useradd(8)'s limit, well inside CONF_NAME_MAX. */
#define CONF_USER_MAX		32
/* Language tags (BCP 47, simplified): a primary subtag of 2-8 letters, then
 * subtags of 1-8 letters or digits. */
#define LANG_PRIMARY_MIN	2
#define LANG_SUBTAG_MAX		8
#define PORT_MAX		65535
/* A key and its value as we echo them in an error about a whole line (cut
 * between characters). */
#define ECHO_MAX		40

struct key;
typedef int (*key_setter)(struct conf *, const struct key *, const char *,
    char *, size_t);

struct key {
	const char	*name;
	const char	*def;		/* the default, as the file would say it */
	key_setter	 set;
	size_t		 off;		/* of the field in struct conf */
	size_t		 size;		/* of the field: strings' buffers */
	int		 min;		/* integers; strings: 1 = not empty */
	int		 max;
};

static int	set_int(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_bool(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_addr(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_path(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_url(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_text(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_lang(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_user(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_token(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_logfmt(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_bytes(struct conf *, const struct key *, const char *,
		    char *, size_t);
static int	set_list(struct conf *, const struct key *, const char *,
		    char *, size_t);

#define FIELD(f)	offsetof(struct conf, f), sizeof(((struct conf *)0)->f)

/* In the order of etc/foliod.conf and foliod.conf(5). */
static const struct key keys[] = {
	{ "listen", "127.0.0.1:8080", set_addr, FIELD(listen), 0, 0 },
	{ "admin_listen", "127.0.0.1:9090", set_addr, FIELD(admin_listen),
	    0, 0 },
	{ "content_dir", "/var/lib/foliod/content", set_path,
	    FIELD(content_dir), 1, 0 },
	{ "run_dir", "/tmp/foliod", set_path, FIELD(run_dir), 1, 0 },
	{ "cache_dir", "/tmp/foliod/cache", set_path, FIELD(cache_dir), 1, 0 },
	{ "pid_file", "", set_path, FIELD(pid_file), 0, 0 },
	{ "base_url", "http://127.0.0.1:8080", set_url, FIELD(base_url), 0, 0 },
	{ "site_title", "folio", set_text, FIELD(site_title), 1, 0 },
	{ "site_description", "", set_text, FIELD(site_description), 0, 0 },
	{ "site_author", "", set_text, FIELD(site_author), 0, 0 },
	{ "site_language", "en", set_lang, FIELD(site_language), 0, 0 },
	{ "posts_per_page", STR(POSTS_PER_PAGE_DEFAULT), set_int,
	    FIELD(posts_per_page), 1, POSTS_PER_PAGE_MAX },
	{ "feed_entries", STR(FEED_ENTRIES_DEFAULT), set_int,
	    FIELD(feed_entries), 1, FEED_ENTRIES_MAX },
	{ "unsafe_html", "no", set_bool, FIELD(unsafe_html), 0, 0 },
	{ "max_age", STR(PAGE_MAX_AGE_DEFAULT), set_int, FIELD(max_age),
	    0, IMMUTABLE_MAX_AGE },
	{ "s_maxage", STR(PAGE_S_MAXAGE_DEFAULT), set_int, FIELD(s_maxage),
	    0, IMMUTABLE_MAX_AGE },
	{ "workers", "0", set_int, FIELD(workers), 0, WORKERS_MAX },
	{ "build_threads", "0", set_int, FIELD(build_threads), 0,
	    COMPRESS_THREADS_MAX },
	{ "user", "", set_user, FIELD(user), 0, 0 },
	{ "max_connections", STR(CONN_MAX_DEFAULT), set_int,
	    FIELD(max_connections), 1, CONN_MAX_LIMIT },
	{ "header_timeout", STR(HEADER_TIMEOUT_DEFAULT), set_int,
	    FIELD(header_timeout), 1, CONF_TIMEOUT_MAX },
	{ "keepalive_timeout", STR(KEEPALIVE_TIMEOUT_DEFAULT), set_int,
	    FIELD(keepalive_timeout), 1, CONF_TIMEOUT_MAX },
	{ "send_timeout", STR(SEND_TIMEOUT_DEFAULT), set_int,
	    FIELD(send_timeout), 1, CONF_TIMEOUT_MAX },
	{ "shutdown_timeout", STR(SHUTDOWN_TIMEOUT_DEFAULT), set_int,
	    FIELD(shutdown_timeout), 0, CONF_TIMEOUT_MAX },
	{ "cache_max_bytes", "256M", set_bytes, FIELD(cache_max_bytes),
	    CONF_BYTES_MIN_MIB, CONF_BYTES_MAX_MIB },
	{ "image_workers", "1", set_int, FIELD(image_workers), 1, WORKERS_MAX },
	{ "image_widths", IMAGE_WIDTHS_DEFAULT, set_list, FIELD(image_widths),
	    1, IMAGE_WIDTH_MAX },
	{ "image_qualities", "75", set_list, FIELD(image_qualities), 1, 100 },
	{ "image_max_bytes", "50M", set_bytes, FIELD(image_max_bytes),
	    CONF_BYTES_MIN_MIB, CONF_BYTES_MAX_MIB },
	{ "image_max_pixels", "50", set_int, FIELD(image_max_pixels), 1,
	    IMAGE_MEGAPIXELS_MAX },
	{ "image_max_age", STR(FILE_MAX_AGE), set_int, FIELD(image_max_age),
	    0, IMMUTABLE_MAX_AGE },
	{ "access_log", "off", set_logfmt, FIELD(access_log), 0, 0 },
	{ "access_log_file", "-", set_path, FIELD(access_log_file), 1, 0 },
	{ "trust_proxy_header", "", set_token, FIELD(trust_proxy_header),
	    0, 0 },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))
/* conf_load marks the keys it has seen in a bit mask. */
_Static_assert(NKEYS <= 64, "too many keys for the seen mask");

/* Writes "key: what is wrong" into err; returns -1. */
static int __attribute__((format(printf, 4, 5)))
key_error(char *err, size_t errlen, const struct key *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: ", k->name);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void *
field(struct conf *c, const struct key *k)
{
	return (char *)c + k->off;
}

/* Copies a checked string of len bytes into its field. */
static int
put_string(struct conf *c, const struct key *k, const char *v, size_t len,
    char *err, size_t errlen)
{
	if (len >= k->size)
		return key_error(err, errlen, k, "too long (at most %zu bytes)",
		    k->size - 1);
	if (len == 0 && k->min > 0)
		return key_error(err, errlen, k, "must not be empty");
	memcpy(field(c, k), v, len);
	((char *)field(c, k))[len] = '\0';
	return 0;
}

static bool
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool
is_control(int ch)
{
	return (unsigned char)ch < 0x20 || ch == 0x7f;
}

/* Decimal digits only (no sign, no spaces) up to max; -1 otherwise. */
static long
parse_number(const char *s, long max)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!is_digit(*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

static int
set_int(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	long n = parse_number(v, k->max);

	if (n < k->min)
		return key_error(err, errlen, k,
		    "must be a number from %d to %d", k->min, k->max);
	*(int *)field(c, k) = (int)n;
	return 0;
}

/* A size in bytes, or with a K, M or G suffix (powers of 1024); the key's
 * bounds are in MiB. */
static int
set_bytes(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	char digits[CONF_NUMBER_MAX];
	size_t len = strlen(v);
	unsigned shift = 0;
	long n;

	if (len > 0 && strchr("KkMmGg", v[len - 1]) != NULL) {
		shift = strchr("Kk", v[len - 1]) ? 10 :
		    strchr("Mm", v[len - 1]) ? 20 : 30;
		len--;
	}
	n = -1;
	if (len > 0 && len < sizeof(digits)) {
		memcpy(digits, v, len);
		digits[len] = '\0';
		n = parse_number(digits, (long)(((uint64_t)k->max << 20) >> shift));
	}
	uint64_t bytes = n < 0 ? 0 : (uint64_t)n << shift;
	if (n < 0 || bytes < (uint64_t)k->min << 20 ||
	    bytes > (uint64_t)k->max << 20)
		return key_error(err, errlen, k, "must be a size from %dM to"
		    " %dM (a number of bytes, or with K, M or G)", k->min,
		    k->max);
	*(uint64_t *)field(c, k) = bytes;
	return 0;
}

/* Numbers separated by spaces or commas, each from min to max, ascending
 * and without repeats, at most CONF_LIST_MAX. */
static int
set_list(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	struct conf_list *l = field(c, k), next = { 0, { 0 } };
	char word[CONF_NUMBER_MAX];

	for (const char *p = v; *p != '\0';) {
		size_t n = strcspn(p, " ,\t");
		if (n == 0) {
			p++;
			continue;
		}
		long x = -1;
		if (n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			x = parse_number(word, k->max);
		}
		if (x < k->min || next.n == CONF_LIST_MAX ||
		    (next.n > 0 && x <= next.v[next.n - 1]))
			return key_error(err, errlen, k, "must be up to %d"
			    " numbers from %d to %d, ascending", CONF_LIST_MAX,
			    k->min, k->max);
		next.v[next.n++] = (int)x;
		p += n;
	}
	if (next.n == 0)
		return key_error(err, errlen, k, "must list at least one number");
	*l = next;
	return 0;
}

static int
set_bool(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*(bool *)field(c, k) = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*(bool *)field(c, k) = false;
			return 0;
		}
	}
	return key_error(err, errlen, k, "must be yes or no");
}

static int
set_logfmt(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	enum access_log_format *f = field(c, k);

	if (strcasecmp(v, "off") == 0)
		*f = ACCESS_LOG_OFF;
	else if (strcasecmp(v, "json") == 0)
		*f = ACCESS_LOG_JSON;
	else if (strcasecmp(v, "combined") == 0)
		*f = ACCESS_LOG_COMBINED;
	else
		return key_error(err, errlen, k,
		    "must be off, json or combined");
	return 0;
}

/* An interface name after '%' in a scoped IPv6 address. */
static bool
is_zone(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_alpha(*s) && !is_digit(*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return false;
	return true;
}

/*
 * Splits a checked-length address into its host (without brackets; "" for
 * "*" and ":port") and port, and says what is wrong with it, if anything.
 * Hosts are numeric: the listener never asks a resolver.
 */
static const char *
split_addr(const char *v, char *host, size_t hostlen, long *port,
    bool *v6)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *colon, *ps;
	char *pct;
	size_t n;

	*v6 = false;
	if (v[0] == '[') {
		const char *end = strchr(v, ']');
		if (end == NULL || end[1] != ':')
			return "must be host:port, [v6]:port or *:port";
		n = (size_t)(end - v - 1);
		ps = end + 2;
		v++;
		*v6 = true;
	} else {
		if ((colon = strrchr(v, ':')) == NULL)
			return "must be host:port, [v6]:port or *:port";
		n = (size_t)(colon - v);
		ps = colon + 1;
	}
	if (n >= hostlen)
		return "host too long";
	memcpy(host, v, n);
	host[n] = '\0';
	if ((*port = parse_number(ps, PORT_MAX)) < 1)
		return "port must be a number from 1 to 65535";
	if (*v6) {
		if ((pct = strchr(host, '%')) != NULL) {
			if (!is_zone(pct + 1))
				return "bad IPv6 zone after %";
			*pct = '\0';
		}
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return "not an IPv6 address in brackets";
		if (pct != NULL)
			*pct = '%';
		return NULL;
	}
	if (host[0] == '\0' || strcmp(host, "*") == 0) {
		host[0] = '\0';
		return NULL;
	}
	if (strchr(host, ':') != NULL)
		return "an IPv6 address needs brackets: [v6]:port";
	if (inet_pton(AF_INET, host, &a4) != 1)
		return "host must be an IPv4 address, an IPv6 address in"
		    " brackets, or *";
	return NULL;
}

static int
set_addr(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	char host[CONF_ADDR_MAX];
	const char *why;
	long port;
	bool v6;

	if (strlen(v) >= k->size)
		return key_error(err, errlen, k, "too long (at most %zu bytes)",
		    k->size - 1);
	if ((why = split_addr(v, host, sizeof(host), &port, &v6)) != NULL)
		return key_error(err, errlen, k, "%s", why);
	return put_string(c, k, v, strlen(v), err, errlen);
}

static int
set_path(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	for (const char *p = v; *p != '\0'; p++)
		if (is_control(*p))
			return key_error(err, errlen, k,
			    "must not contain control characters");
	return put_string(c, k, v, strlen(v), err, errlen);
}

/* Bytes never valid in a URL we print into HTML, XML and headers. */
static bool
is_url_byte(int ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("\"<>\\^`{|}", ch) == NULL;
}

static int
set_url(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	size_t len = strlen(v), skip;

	if (strncmp(v, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(v, "https://", 8) == 0)
		skip = 8;
	else
		return key_error(err, errlen, k,
		    "must start with http:// or https://");
	for (const char *p = v; *p != '\0'; p++) {
		if (!is_url_byte(*p))
			return key_error(err, errlen, k,
			    "must not contain spaces, control characters"
			    " or any of \"<>\\^`{|}");
		if (*p == '?' || *p == '#')
			return key_error(err, errlen, k,
			    "must not have a query or fragment");
	}
	while (len > skip && v[len - 1] == '/')
		len--;
	if (len == skip || v[skip] == '/')
		return key_error(err, errlen, k, "needs a host after %.*s",
		    (int)skip, v);
	return put_string(c, k, v, len, err, errlen);
}

static int
set_text(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	size_t len = strlen(v), n;
	uint32_t cp;

	for (size_t i = 0; i < len; i += n) {
		if (is_control(v[i]))
			return key_error(err, errlen, k,
			    "must not contain control characters");
		if ((n = utf8_decode((const unsigned char *)v + i, len - i,
		    &cp)) == 0)
			return key_error(err, errlen, k, "must be valid UTF-8");
	}
	return put_string(c, k, v, len, err, errlen);
}

static int
set_lang(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	const char *p = v;
	size_t n;

	for (n = 0; is_alpha(p[n]); n++)
		;
	if (n < LANG_PRIMARY_MIN || n > LANG_SUBTAG_MAX)
		goto bad;
	for (p += n; *p == '-'; p += n) {
		p++;
		for (n = 0; is_alpha(p[n]) || is_digit(p[n]); n++)
			;
		if (n < 1 || n > LANG_SUBTAG_MAX)
			goto bad;
	}
	if (*p != '\0')
		goto bad;
	return put_string(c, k, v, strlen(v), err, errlen);
bad:
	return key_error(err, errlen, k,
	    "must be a language tag such as en, de or pt-BR");
}

static int
set_user(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	size_t len = strlen(v);

	if (len == 0)
		return put_string(c, k, v, len, err, errlen);
	if (len > CONF_USER_MAX)
		return key_error(err, errlen, k, "too long (at most %d bytes)",
		    CONF_USER_MAX);
	for (size_t i = 0; i < len; i++) {
		int ch = v[i];
		if (is_alpha(ch) || ch == '_' ||
		    (i > 0 && (is_digit(ch) || ch == '.' || ch == '-')) ||
		    (i > 0 && i == len - 1 && ch == '$'))
			continue;
		return key_error(err, errlen, k,
		    "must be a user name (letters, digits, '.', '_', '-';"
		    " not starting with a digit, '.' or '-')");
	}
	return put_string(c, k, v, len, err, errlen);
}

/* tchar of RFC 9110: what a header field name is made of. */
static bool
is_tchar(int ch)
{
	return is_alpha(ch) || is_digit(ch) ||
	    (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int
set_token(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	for (const char *p = v; *p != '\0'; p++)
		if (!is_tchar(*p))
			return key_error(err, errlen, k,
			    "must be a header name such as X-Forwarded-For");
	return put_string(c, k, v, strlen(v), err, errlen);
}

static const struct key *
find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

void
conf_defaults(struct conf *c)
{
	char err[CONF_ERR_MAX];

	memset(c, 0, sizeof(*c));
	/* The defaults pass their own rules; the unit test checks it. */
	for (size_t i = 0; i < NKEYS; i++)
		(void)keys[i].set(c, &keys[i], keys[i].def, err, sizeof(err));
}

int
conf_set(struct conf *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	const struct key *k;

	if ((k = find_key(key)) == NULL) {
		snprintf(err, errlen, "%s: unknown key", key);
		return -1;
	}
	return k->set(c, k, value, err, errlen);
}

/* --- The file ------------------------------------------------------------ */

struct load {
	FILE		*f;
	struct conf	*c;
	unsigned long	 line;		/* lines read so far */
	unsigned long	 errline;	/* of the first error we saw; 0 none */
	char		 msg[CONF_ERR_MAX];
	uint64_t	 seen;		/* bit i: keys[i] was set */
	unsigned long	 seen_on[NKEYS];
};

static void __attribute__((format(printf, 2, 3)))
load_error(struct load *ld, const char *fmt, ...)
{
	va_list ap;

	if (ld->errline != 0)
		return;
	ld->errline = ld->line;
	va_start(ap, fmt);
	vsnprintf(ld->msg, sizeof(ld->msg), fmt, ap);
	va_end(ap);
}

/*
 * Hands inih one physical line per call, so inih's line numbers are ours.
 * Leading blanks are dropped (inih would take an indented line for the
 * continuation of the previous value), and lines inih must not see become
 * blank after their error is noted.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct load *ld = stream;
	size_t n = 0, start = 0, cap;
	bool ctl = false;
	int ch;

	if (num < 2 || (ch = getc(ld->f)) == EOF)
		return NULL;
	cap = (size_t)num - 1;
	ld->line++;
	for (; ch != EOF && ch != '\n'; ch = getc(ld->f)) {
		if (ch == '\r') {
			/* Only as the end of a CRLF line. */
			int next = getc(ld->f);
			if (next != '\n' && next != EOF)
				ctl = true;
			ungetc(next, ld->f);
		} else if (is_control(ch) && ch != '\t')
			ctl = true;
		if (n < cap)
			str[n] = (char)ch;
		n++;
	}
	if (n > cap) {
		load_error(ld, "line too long (at most %zu bytes)", cap);
		n = 0;
	} else if (ctl) {
		load_error(ld, "control character in line");
		n = 0;
	}
	/* A UTF-8 byte order mark, then blanks. */
	if (ld->line == 1 && n >= 3 && memcmp(str, "\xef\xbb\xbf", 3) == 0)
		start = 3;
	while (start < n && (str[start] == ' ' || str[start] == '\t' ||
	    str[start] == '\r'))
		start++;
	if (start < n && str[start] == '[') {
		load_error(ld, "%.*s: sections are not supported; keys are"
		    " top-level", (int)utf8_head(str + start, n - start,
		    ECHO_MAX), str + start);
		start = n;
	}
	memmove(str, str + start, n - start);
	str[n - start] = '\0';
	return str;
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct load *ld = user;
	char err[CONF_ERR_MAX], v[PATH_MAX];
	const struct key *k;
	size_t i, len;

	(void)section;	/* always "": conf_reader hides section lines */
	if (ld->errline != 0)
		return 1;
	if ((k = find_key(name)) == NULL) {
		if (name[0] == '\0')
			load_error(ld, "expected key = value");
		else
			load_error(ld, "%.*s: unknown key",
			    (int)utf8_head(name, strlen(name), ECHO_MAX), name);
		return 0;
	}
	i = (size_t)(k - keys);
	if (ld->seen & ((uint64_t)1 << i)) {
		load_error(ld, "%s: set twice (first on line %lu)", k->name,
		    ld->seen_on[i]);
		return 0;
	}
	ld->seen |= (uint64_t)1 << i;
	ld->seen_on[i] = ld->line;
	/* A value in double quotes loses them: the way to keep blanks at its
	 * ends, or to write an empty value. */
	len = strlen(value);
	if (value[0] == '"') {
		if (len < 2 || value[len - 1] != '"' || len - 2 >= sizeof(v)) {
			load_error(ld, "%s: missing closing quote (a ';' after a"
			    " blank starts a comment)", k->name);
			return 0;
		}
		memcpy(v, value + 1, len - 2);
		v[len - 2] = '\0';
		value = v;
	}
	if (k->set(ld->c, k, value, err, sizeof(err)) == -1)
		goto fail;
	return 1;
fail:
	load_error(ld, "%s", err);
	return 0;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct load *ld;
	struct stat st;
	int r, rc = -1;

	if ((ld = calloc(1, sizeof(*ld))) == NULL ||
	    (ld->c = malloc(sizeof(*ld->c))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	*ld->c = *c;
	if ((ld->f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(ld->f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		goto out;
	}
	r = ini_parse_stream(conf_reader, ld, conf_handler, ld);
	if (ferror(ld->f)) {
		snprintf(err, errlen, "%s: read error: %s", path,
		    strerror(errno));
		goto out;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot parse (inih error %d)", path,
		    r);
		goto out;
	}
	/* inih's own complaint is a line without '='; ours carry reasons. */
	if (r > 0 && (ld->errline == 0 || (unsigned long)r < ld->errline)) {
		snprintf(err, errlen, "%s:%d: expected key = value", path, r);
		goto out;
	}
	if (ld->errline != 0) {
		snprintf(err, errlen, "%s:%lu: %s", path, ld->errline, ld->msg);
		goto out;
	}
	*c = *ld->c;
	rc = 0;
out:
	if (ld != NULL) {
		if (ld->f != NULL)
			fclose(ld->f);
		free(ld->c);
		free(ld);
	}
	return rc;
}

/* --- Checks across keys -------------------------------------------------- */

/* Do two hosts of split_addr name the same address, or is either one every
 * address of its family? */
static bool
host_overlap(const char *a, const char *b, bool v6)
{
	struct in6_addr a6, b6;
	struct in_addr a4, b4;

	if (v6) {
		/* Scoped addresses compare as text. */
		if (strchr(a, '%') != NULL || strchr(b, '%') != NULL ||
		    inet_pton(AF_INET6, a, &a6) != 1 ||
		    inet_pton(AF_INET6, b, &b6) != 1)
			return strcmp(a, b) == 0;
		return IN6_ARE_ADDR_EQUAL(&a6, &b6) ||
		    IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_UNSPECIFIED(&b6);
	}
	if (inet_pton(AF_INET, a, &a4) != 1 || inet_pton(AF_INET, b, &b4) != 1)
		return strcmp(a, b) == 0;
	return a4.s_addr == b4.s_addr || a4.s_addr == INADDR_ANY ||
	    b4.s_addr == INADDR_ANY;
}

/* Could two checked addresses not both be bound? The same port, and the
 * same host or a wildcard on either side ("*" takes IPv4 and IPv6). */
static bool
addr_overlap(const char *a, const char *b)
{
	char ha[CONF_ADDR_MAX], hb[CONF_ADDR_MAX];
	long pa, pb;
	bool a6, b6;

	if (split_addr(a, ha, sizeof(ha), &pa, &a6) != NULL ||
	    split_addr(b, hb, sizeof(hb), &pb, &b6) != NULL)
		return strcmp(a, b) == 0;
	if (pa != pb)
		return false;
	if (ha[0] == '\0' || hb[0] == '\0')
		return true;
	return a6 == b6 && host_overlap(ha, hb, a6);
}

int
conf_validate(const struct conf *c, char *err, size_t errlen)
{
	if (addr_overlap(c->listen, c->admin_listen)) {
		snprintf(err, errlen, "admin_listen: must differ from listen"
		    " (%s and %s share a port)", c->admin_listen, c->listen);
		return -1;
	}
	return 0;
}

int
conf_workers(const struct conf *c)
{
	long n;

	if (c->workers > 0)
		return c->workers < WORKERS_MAX ? c->workers : WORKERS_MAX;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n < WORKERS_MAX ? (int)n : WORKERS_MAX;
}
