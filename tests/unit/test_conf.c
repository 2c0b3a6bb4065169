/*
 * test_conf.c: every key's default, good values and bad values with their
 * exact messages; the file syntax (comments, quotes, sections, duplicates,
 * unknown keys, long lines, control bytes) with file:line errors; the
 * example etc/foliod.conf documenting exactly the defaults; conf_validate
 * and conf_workers. Run from the source root (it reads etc/ and tests/data/).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "test.h"

enum kind { T_STR, T_INT, T_BOOL, T_LOG, T_BYTES, T_LIST };

/* The test's own view of struct conf, to read any key back as text. */
static const struct {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
} fields[] = {
	{ "listen", T_STR, offsetof(struct conf, listen) },
	{ "admin_listen", T_STR, offsetof(struct conf, admin_listen) },
	{ "content_dir", T_STR, offsetof(struct conf, content_dir) },
	{ "run_dir", T_STR, offsetof(struct conf, run_dir) },
	{ "cache_dir", T_STR, offsetof(struct conf, cache_dir) },
	{ "pid_file", T_STR, offsetof(struct conf, pid_file) },
	{ "base_url", T_STR, offsetof(struct conf, base_url) },
	{ "site_title", T_STR, offsetof(struct conf, site_title) },
	{ "site_description", T_STR, offsetof(struct conf, site_description) },
	{ "site_author", T_STR, offsetof(struct conf, site_author) },
	{ "site_language", T_STR, offsetof(struct conf, site_language) },
	{ "posts_per_page", T_INT, offsetof(struct conf, posts_per_page) },
	{ "feed_entries", T_INT, offsetof(struct conf, feed_entries) },
	{ "unsafe_html", T_BOOL, offsetof(struct conf, unsafe_html) },
	{ "max_age", T_INT, offsetof(struct conf, max_age) },
	{ "s_maxage", T_INT, offsetof(struct conf, s_maxage) },
	{ "workers", T_INT, offsetof(struct conf, workers) },
	{ "build_threads", T_INT, offsetof(struct conf, build_threads) },
	{ "user", T_STR, offsetof(struct conf, user) },
	{ "max_connections", T_INT, offsetof(struct conf, max_connections) },
	{ "header_timeout", T_INT, offsetof(struct conf, header_timeout) },
	{ "keepalive_timeout", T_INT, offsetof(struct conf, keepalive_timeout) },
	{ "send_timeout", T_INT, offsetof(struct conf, send_timeout) },
	{ "shutdown_timeout", T_INT, offsetof(struct conf, shutdown_timeout) },
	{ "cache_max_bytes", T_BYTES, offsetof(struct conf, cache_max_bytes) },
	{ "image_workers", T_INT, offsetof(struct conf, image_workers) },
	{ "image_widths", T_LIST, offsetof(struct conf, image_widths) },
	{ "image_qualities", T_LIST, offsetof(struct conf, image_qualities) },
	{ "image_max_bytes", T_BYTES, offsetof(struct conf, image_max_bytes) },
	{ "image_max_pixels", T_INT, offsetof(struct conf, image_max_pixels) },
	{ "image_max_age", T_INT, offsetof(struct conf, image_max_age) },
	{ "access_log", T_LOG, offsetof(struct conf, access_log) },
	{ "access_log_file", T_STR, offsetof(struct conf, access_log_file) },
	{ "trust_proxy_header", T_STR,
	    offsetof(struct conf, trust_proxy_header) },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

static char tmpdir[64];

/* The value of key in c as text ("yes", "42", "json"); NULL if no key. */
static const char *
get(const struct conf *c, const char *key)
{
	static char buf[PATH_MAX];
	static const char *logs[] = { "off", "json", "combined" };

	for (size_t i = 0; i < NFIELDS; i++) {
		const char *p = (const char *)c + fields[i].off;
		if (strcmp(fields[i].name, key) != 0)
			continue;
		switch (fields[i].kind) {
		case T_STR:
			return p;
		case T_INT:
			snprintf(buf, sizeof(buf), "%d", *(const int *)p);
			return buf;
		case T_BOOL:
			return *(const bool *)p ? "yes" : "no";
		case T_LOG:
			return logs[*(const enum access_log_format *)p];
		case T_BYTES:
			snprintf(buf, sizeof(buf), "%llu",
			    (unsigned long long)*(const uint64_t *)p);
			return buf;
		case T_LIST: {
			const struct conf_list *l = (const void *)p;
			size_t n = 0;
			buf[0] = '\0';
			for (int j = 0; j < l->n && n < sizeof(buf); j++)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				    "%s%d", j ? " " : "", l->v[j]);
			return buf;
		}
		}
	}
	return NULL;
}

static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The defaults of the brief, foliod.conf(5) and etc/foliod.conf. */
static const struct {
	const char	*key;
	const char	*want;
} defaults[] = {
	{ "listen", "127.0.0.1:8080" },
	{ "admin_listen", "127.0.0.1:9090" },
	{ "content_dir", "/var/lib/foliod/content" },
	{ "run_dir", "/tmp/foliod" },
	{ "cache_dir", "/tmp/foliod/cache" },
	{ "pid_file", "" },
	{ "base_url", "http://127.0.0.1:8080" },
	{ "site_title", "folio" },
	{ "site_description", "" },
	{ "site_author", "" },
	{ "site_language", "en" },
	{ "posts_per_page", "10" },
	{ "feed_entries", "20" },
	{ "unsafe_html", "no" },
	{ "max_age", "0" },
	{ "s_maxage", "300" },
	{ "workers", "0" },
	{ "build_threads", "0" },
	{ "user", "" },
	{ "max_connections", "1024" },
	{ "header_timeout", "10" },
	{ "keepalive_timeout", "60" },
	{ "send_timeout", "60" },
	{ "shutdown_timeout", "10" },
	{ "cache_max_bytes", "268435456" },
	{ "image_workers", "1" },
	{ "image_widths", "32 48 64 96 128 256 384 640 750 828 1080 1200 1920 "
	    "2048 3840" },
	{ "image_qualities", "75" },
	{ "image_max_bytes", "52428800" },
	{ "image_max_pixels", "50" },
	{ "image_max_age", "3600" },
	{ "access_log", "off" },
	{ "access_log_file", "-" },
	{ "trust_proxy_header", "" },
};

static void
test_defaults(void)
{
	struct conf c;
	char err[CONF_ERR_MAX];

	ok(sizeof(defaults) / sizeof(defaults[0]) == NFIELDS,
	    "every key has a default in this table");
	memset(&c, 0x5a, sizeof(c));
	conf_defaults(&c);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		const char *v = get(&c, defaults[i].key);
		ok(same(v, defaults[i].want), "default %s: got \"%s\", want \"%s\"",
		    defaults[i].key, v ? v : "(no key)", defaults[i].want);
	}
	ok(conf_validate(&c, err, sizeof(err)) == 0,
	    "the defaults validate: %s", err);
}

struct good {
	const char	*key;
	const char	*value;
	const char	*want;		/* as get() shows it */
};

static const struct good goods[] = {
	{ "listen", "127.0.0.1:1", "127.0.0.1:1" },
	{ "listen", "0.0.0.0:65535", "0.0.0.0:65535" },
	{ "listen", "*:80", "*:80" },
	{ "listen", ":8080", ":8080" },
	{ "listen", "[::1]:8080", "[::1]:8080" },
	{ "listen", "[::]:443", "[::]:443" },
	{ "listen", "[2001:db8::1]:8080", "[2001:db8::1]:8080" },
	{ "listen", "[fe80::1%eth0]:8080", "[fe80::1%eth0]:8080" },
	{ "listen", "[::ffff:192.0.2.1]:80", "[::ffff:192.0.2.1]:80" },
	{ "admin_listen", "192.0.2.7:9090", "192.0.2.7:9090" },
	{ "admin_listen", "[::1]:9", "[::1]:9" },
	{ "content_dir", "/srv/blog", "/srv/blog" },
	{ "content_dir", "content", "content" },
	{ "content_dir", "/path with spaces/é", "/path with spaces/é" },
	{ "run_dir", "/run/foliod", "/run/foliod" },
	{ "cache_dir", "/var/cache/foliod", "/var/cache/foliod" },
	{ "pid_file", "/run/foliod.pid", "/run/foliod.pid" },
	{ "pid_file", "", "" },
	{ "base_url", "https://example.org", "https://example.org" },
	{ "base_url", "https://example.org/", "https://example.org" },
	{ "base_url", "https://example.org///", "https://example.org" },
	{ "base_url", "http://example.org/blog/", "http://example.org/blog" },
	{ "base_url", "http://[2001:db8::1]:8080", "http://[2001:db8::1]:8080" },
	{ "base_url", "http://x", "http://x" },
	{ "site_title", "Notes from the homelab",
	    "Notes from the homelab" },
	{ "site_title", "Ça va · 日本語 🙂", "Ça va · 日本語 🙂" },
	{ "site_title", "\"quoted\" & <tags>", "\"quoted\" & <tags>" },
	{ "site_description", "", "" },
	{ "site_description", "One sentence.", "One sentence." },
	{ "site_author", "Ada Lovelace", "Ada Lovelace" },
	{ "site_language", "de", "de" },
	{ "site_language", "pt-BR", "pt-BR" },
	{ "site_language", "zh-Hant-TW", "zh-Hant-TW" },
	{ "site_language", "abcdefgh-12345678", "abcdefgh-12345678" },
	{ "site_language", "es-419", "es-419" },
	{ "posts_per_page", "1", "1" },
	{ "posts_per_page", "100", "100" },
	{ "posts_per_page", "007", "7" },
	{ "feed_entries", "1", "1" },
	{ "feed_entries", "1000", "1000" },
	{ "unsafe_html", "yes", "yes" },
	{ "unsafe_html", "no", "no" },
	{ "unsafe_html", "true", "yes" },
	{ "unsafe_html", "false", "no" },
	{ "unsafe_html", "on", "yes" },
	{ "unsafe_html", "off", "no" },
	{ "unsafe_html", "1", "yes" },
	{ "unsafe_html", "0", "no" },
	{ "unsafe_html", "YES", "yes" },
	{ "unsafe_html", "Off", "no" },
	{ "max_age", "0", "0" },
	{ "max_age", "31536000", "31536000" },
	{ "s_maxage", "0", "0" },
	{ "s_maxage", "86400", "86400" },
	{ "workers", "0", "0" },
	{ "workers", "1", "1" },
	{ "workers", "64", "64" },
	{ "build_threads", "0", "0" },
	{ "build_threads", "64", "64" },
	{ "user", "", "" },
	{ "user", "www-data", "www-data" },
	{ "user", "_foliod", "_foliod" },
	{ "user", "a.b_c-1", "a.b_c-1" },
	{ "user", "machine$", "machine$" },
	{ "user", "abcdefghijklmnopqrstuvwxyz012345",
	    "abcdefghijklmnopqrstuvwxyz012345" },
	{ "max_connections", "1", "1" },
	{ "max_connections", "65536", "65536" },
	{ "header_timeout", "1", "1" },
	{ "header_timeout", "3600", "3600" },
	{ "send_timeout", "1", "1" },
	{ "send_timeout", "3600", "3600" },
	{ "keepalive_timeout", "1", "1" },
	{ "keepalive_timeout", "3600", "3600" },
	{ "shutdown_timeout", "0", "0" },
	{ "shutdown_timeout", "3600", "3600" },
	{ "access_log", "off", "off" },
	{ "access_log", "json", "json" },
	{ "access_log", "combined", "combined" },
	{ "access_log", "JSON", "json" },
	{ "access_log_file", "-", "-" },
	{ "access_log_file", "/var/log/foliod/access.log",
	    "/var/log/foliod/access.log" },
	{ "trust_proxy_header", "", "" },
	{ "trust_proxy_header", "CF-Connecting-IP", "CF-Connecting-IP" },
	{ "trust_proxy_header", "X-Forwarded-For", "X-Forwarded-For" },
	{ "trust_proxy_header", "x_real!ip~", "x_real!ip~" },
};

static void
test_good(void)
{
	struct conf c;
	char err[CONF_ERR_MAX];

	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		conf_defaults(&c);
		err[0] = '\0';
		int rc = conf_set(&c, g->key, g->value, err, sizeof(err));
		ok(rc == 0, "%s = \"%s\": refused: %s", g->key, g->value, err);
		ok(same(get(&c, g->key), g->want),
		    "%s = \"%s\": got \"%s\", want \"%s\"", g->key, g->value,
		    get(&c, g->key), g->want);
	}
}

struct bad {
	const char	*key;
	const char	*value;
	const char	*err;		/* the whole message */
};

#define RANGE(k, lo, hi)	k ": must be a number from " #lo " to " #hi
#define ADDR_FORM	": must be host:port, [v6]:port or *:port"
#define ADDR_PORT	": port must be a number from 1 to 65535"
#define ADDR_HOST	": host must be an IPv4 address, an IPv6 address in" \
			" brackets, or *"
#define LANG		": must be a language tag such as en, de or pt-BR"
#define USER		": must be a user name (letters, digits, '.', '_', '-';" \
			" not starting with a digit, '.' or '-')"
#define TOKEN		": must be a header name such as X-Forwarded-For"
#define URL_SCHEME	": must start with http:// or https://"
#define URL_BYTES	": must not contain spaces, control characters or any" \
			" of \"<>\\^`{|}"

static char long_path[PATH_MAX + 10];
static char long_text[CONF_TEXT_MAX + 1];
static char long_url[CONF_URL_MAX + 10];
static char long_name[CONF_NAME_MAX + 1];
static char long_addr[CONF_ADDR_MAX + 1];

static const struct bad bads[] = {
	/* Integers: junk, sign, spaces, out of range, overflow. */
	{ "workers", "", RANGE("workers", 0, 64) },
	{ "workers", "65", RANGE("workers", 0, 64) },
	{ "workers", "-1", RANGE("workers", 0, 64) },
	{ "workers", "+1", RANGE("workers", 0, 64) },
	{ "workers", "4x", RANGE("workers", 0, 64) },
	{ "workers", "x4", RANGE("workers", 0, 64) },
	{ "workers", "4 ", RANGE("workers", 0, 64) },
	{ "build_threads", "65", RANGE("build_threads", 0, 64) },
	{ "workers", "0x10", RANGE("workers", 0, 64) },
	{ "workers", "1e2", RANGE("workers", 0, 64) },
	{ "workers", "4.0", RANGE("workers", 0, 64) },
	{ "workers", "99999999999999999999999", RANGE("workers", 0, 64) },
	{ "workers", "18446744073709551617", RANGE("workers", 0, 64) },
	{ "posts_per_page", "0", RANGE("posts_per_page", 1, 100) },
	{ "posts_per_page", "101", RANGE("posts_per_page", 1, 100) },
	{ "feed_entries", "0", RANGE("feed_entries", 1, 1000) },
	{ "feed_entries", "1001", RANGE("feed_entries", 1, 1000) },
	{ "max_age", "31536001", RANGE("max_age", 0, 31536000) },
	{ "max_age", "-5", RANGE("max_age", 0, 31536000) },
	{ "s_maxage", "2147483648", RANGE("s_maxage", 0, 31536000) },
	{ "s_maxage", "1h", RANGE("s_maxage", 0, 31536000) },
	{ "max_connections", "0", RANGE("max_connections", 1, 65536) },
	{ "max_connections", "65537", RANGE("max_connections", 1, 65536) },
	{ "header_timeout", "0", RANGE("header_timeout", 1, 3600) },
	{ "header_timeout", "3601", RANGE("header_timeout", 1, 3600) },
	{ "send_timeout", "0", RANGE("send_timeout", 1, 3600) },
	{ "send_timeout", "3601", RANGE("send_timeout", 1, 3600) },
	{ "keepalive_timeout", "0", RANGE("keepalive_timeout", 1, 3600) },
	{ "keepalive_timeout", "10s", RANGE("keepalive_timeout", 1, 3600) },
	{ "shutdown_timeout", "3601", RANGE("shutdown_timeout", 0, 3600) },
	{ "shutdown_timeout", "", RANGE("shutdown_timeout", 0, 3600) },
	/* Booleans. */
	{ "unsafe_html", "", "unsafe_html: must be yes or no" },
	{ "unsafe_html", "y", "unsafe_html: must be yes or no" },
	{ "unsafe_html", "2", "unsafe_html: must be yes or no" },
	{ "unsafe_html", "yess", "unsafe_html: must be yes or no" },
	{ "unsafe_html", "enabled", "unsafe_html: must be yes or no" },
	/* The access log format. */
	{ "access_log", "", "access_log: must be off, json or combined" },
	{ "access_log", "common", "access_log: must be off, json or combined" },
	{ "access_log", "yes", "access_log: must be off, json or combined" },
	/* Addresses. */
	{ "listen", "", "listen" ADDR_FORM },
	{ "listen", "8080", "listen" ADDR_FORM },
	{ "listen", "127.0.0.1", "listen" ADDR_FORM },
	{ "listen", "127.0.0.1:", "listen" ADDR_PORT },
	{ "listen", "127.0.0.1:0", "listen" ADDR_PORT },
	{ "listen", "127.0.0.1:65536", "listen" ADDR_PORT },
	{ "listen", "127.0.0.1:99999999999999999999", "listen" ADDR_PORT },
	{ "listen", "127.0.0.1:-1", "listen" ADDR_PORT },
	{ "listen", "127.0.0.1:http", "listen" ADDR_PORT },
	{ "listen", "127.0.0.1:80 ", "listen" ADDR_PORT },
	{ "listen", "localhost:8080", "listen" ADDR_HOST },
	{ "listen", "example.org:80", "listen" ADDR_HOST },
	{ "listen", "256.0.0.1:80", "listen" ADDR_HOST },
	{ "listen", "127.1:80", "listen" ADDR_HOST },
	{ "listen", "**:80", "listen" ADDR_HOST },
	{ "listen", " 127.0.0.1:80", "listen" ADDR_HOST },
	{ "listen", "::1:8080",
	    "listen: an IPv6 address needs brackets: [v6]:port" },
	{ "listen", "[::1]", "listen" ADDR_FORM },
	{ "listen", "[::1]8080", "listen" ADDR_FORM },
	{ "listen", "[::1:8080", "listen" ADDR_FORM },
	{ "listen", "[::1]:", "listen" ADDR_PORT },
	{ "listen", "[]:80", "listen: not an IPv6 address in brackets" },
	{ "listen", "[*]:80", "listen: not an IPv6 address in brackets" },
	{ "listen", "[127.0.0.1]:80", "listen: not an IPv6 address in brackets" },
	{ "listen", "[::g]:80", "listen: not an IPv6 address in brackets" },
	{ "listen", "[fe80::1%]:80", "listen: bad IPv6 zone after %" },
	{ "listen", "[fe80::1%a/b]:80", "listen: bad IPv6 zone after %" },
	{ "admin_listen", "nope", "admin_listen" ADDR_FORM },
	{ "listen", long_addr, "listen: too long (at most 127 bytes)" },
	/* Paths. */
	{ "content_dir", "", "content_dir: must not be empty" },
	{ "run_dir", "", "run_dir: must not be empty" },
	{ "cache_dir", "", "cache_dir: must not be empty" },
	{ "access_log_file", "", "access_log_file: must not be empty" },
	{ "content_dir", "/a\nb",
	    "content_dir: must not contain control characters" },
	{ "pid_file", "/run/\x7f",
	    "pid_file: must not contain control characters" },
	{ "content_dir", long_path, "content_dir: too long (at most 4095 bytes)" },
	/* The base URL. */
	{ "base_url", "", "base_url" URL_SCHEME },
	{ "base_url", "example.org", "base_url" URL_SCHEME },
	{ "base_url", "ftp://example.org", "base_url" URL_SCHEME },
	{ "base_url", "//example.org", "base_url" URL_SCHEME },
	{ "base_url", "HTTP://example.org", "base_url" URL_SCHEME },
	{ "base_url", "http:/example.org", "base_url" URL_SCHEME },
	{ "base_url", "http://", "base_url: needs a host after http://" },
	{ "base_url", "https:///", "base_url: needs a host after https://" },
	{ "base_url", "https:///path", "base_url: needs a host after https://" },
	{ "base_url", "http://exa mple.org", "base_url" URL_BYTES },
	{ "base_url", "http://example.org/\"x", "base_url" URL_BYTES },
	{ "base_url", "http://example.org/<x>", "base_url" URL_BYTES },
	{ "base_url", "http://example.org/\t", "base_url" URL_BYTES },
	{ "base_url", "http://example.org/é", "base_url" URL_BYTES },
	{ "base_url", "http://example.org/?x=1",
	    "base_url: must not have a query or fragment" },
	{ "base_url", "http://example.org/#top",
	    "base_url: must not have a query or fragment" },
	{ "base_url", long_url, "base_url: too long (at most 511 bytes)" },
	/* Text. */
	{ "site_title", "", "site_title: must not be empty" },
	{ "site_title", "a\tb", "site_title: must not contain control characters" },
	{ "site_author", "a\x1b[31m", "site_author: must not contain control characters" },
	{ "site_description", "\xff", "site_description: must be valid UTF-8" },
	{ "site_description", "caf\xc3", "site_description: must be valid UTF-8" },
	{ "site_description", "\xc0\xaf", "site_description: must be valid UTF-8" },
	{ "site_description", "\xe0\x80\xaf", "site_description: must be valid UTF-8" },
	{ "site_description", "\xed\xa0\x80", "site_description: must be valid UTF-8" },
	{ "site_description", "\xf4\x90\x80\x80", "site_description: must be valid UTF-8" },
	{ "site_description", "\x80", "site_description: must be valid UTF-8" },
	{ "site_title", long_text, "site_title: too long (at most 511 bytes)" },
	/* Language tags. */
	{ "site_language", "", "site_language" LANG },
	{ "site_language", "e", "site_language" LANG },
	{ "site_language", "en-abcdefghi", "site_language" LANG },
	{ "site_language", "abcdefghi", "site_language" LANG },
	{ "site_language", "en-", "site_language" LANG },
	{ "site_language", "en--US", "site_language" LANG },
	{ "site_language", "en_US", "site_language" LANG },
	{ "site_language", "en-123456789", "site_language" LANG },
	{ "site_language", "12", "site_language" LANG },
	{ "site_language", "en US", "site_language" LANG },
	/* User names. */
	{ "user", "1000", "user" USER },
	{ "user", "-rf", "user" USER },
	{ "user", ".hidden", "user" USER },
	{ "user", "a b", "user" USER },
	{ "user", "root:x", "user" USER },
	{ "user", "a$b", "user" USER },
	{ "user", "$", "user" USER },
	{ "user", "é", "user" USER },
	{ "user", "abcdefghijklmnopqrstuvwxyz0123456",
	    "user: too long (at most 32 bytes)" },
	/* Header names. */
	{ "trust_proxy_header", "X-Forwarded-For:", "trust_proxy_header" TOKEN },
	{ "trust_proxy_header", "X Real IP", "trust_proxy_header" TOKEN },
	{ "trust_proxy_header", "X-(IP)", "trust_proxy_header" TOKEN },
	{ "trust_proxy_header", "X-\"IP\"", "trust_proxy_header" TOKEN },
	{ "trust_proxy_header", "Ünicode", "trust_proxy_header" TOKEN },
	{ "trust_proxy_header", long_name,
	    "trust_proxy_header: too long (at most 63 bytes)" },
	/* Keys. */
	{ "nope", "1", "nope: unknown key" },
	{ "", "1", ": unknown key" },
	{ "Workers", "1", "Workers: unknown key" },
	{ "workers ", "1", "workers : unknown key" },
};

static void
test_bad(void)
{
	struct conf c, before;
	char err[CONF_ERR_MAX];

	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[0] = '/';
	memset(long_text, 't', sizeof(long_text) - 1);
	memcpy(long_url, "http://", 7);
	memset(long_url + 7, 'u', sizeof(long_url) - 8);
	memset(long_name, 'n', sizeof(long_name) - 1);
	memset(long_addr, '1', sizeof(long_addr) - 1);
	memcpy(long_addr, "1.2.3.4:", 8);
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		conf_defaults(&c);
		before = c;
		snprintf(err, sizeof(err), "(nothing)");
		int rc = conf_set(&c, b->key, b->value, err, sizeof(err));
		ok(rc == -1, "%s = \"%.40s\": taken", b->key, b->value);
		ok(strcmp(err, b->err) == 0, "%s = \"%.40s\": got \"%s\", want"
		    " \"%s\"", b->key, b->value, err, b->err);
		ok(memcmp(&c, &before, sizeof(c)) == 0,
		    "%s = \"%.40s\": a refused value changed the config",
		    b->key, b->value);
	}
}

/* A key at the length limit fits; one byte more does not. */
static void
test_lengths(void)
{
	struct conf c;
	char err[CONF_ERR_MAX], v[PATH_MAX + 1];

	conf_defaults(&c);
	memset(v, 'a', sizeof(v));
	v[0] = '/';
	v[PATH_MAX - 1] = '\0';
	ok(conf_set(&c, "content_dir", v, err, sizeof(err)) == 0,
	    "content_dir of PATH_MAX - 1 bytes: %s", err);
	ok(strlen(c.content_dir) == PATH_MAX - 1, "content_dir kept whole");
	memset(v, 'a', sizeof(v));
	v[CONF_TEXT_MAX - 1] = '\0';
	ok(conf_set(&c, "site_title", v, err, sizeof(err)) == 0,
	    "site_title of %d bytes: %s", CONF_TEXT_MAX - 1, err);
	/* The URL's limit applies after its trailing slashes go. */
	memcpy(v, "http://", 7);
	memset(v + 7, 'a', CONF_URL_MAX - 8);
	memset(v + CONF_URL_MAX - 1, '/', 20);
	v[CONF_URL_MAX + 19] = '\0';
	ok(conf_set(&c, "base_url", v, err, sizeof(err)) == 0,
	    "base_url trimmed to %d bytes: %s", CONF_URL_MAX - 1, err);
	ok(strlen(c.base_url) == CONF_URL_MAX - 1, "base_url length %zu",
	    strlen(c.base_url));
	/* A small err buffer gets a cut, terminated message. */
	char small[8];
	ok(conf_set(&c, "workers", "x", small, sizeof(small)) == -1 &&
	    strcmp(small, "workers") == 0, "small err buffer: \"%s\"", small);
	ok(conf_set(&c, "workers", "x", NULL, 0) == -1, "no err buffer");
}

/* Writes text into a fresh file under tmpdir; returns its path. */
static const char *
write_file(const char *name, const char *text, size_t len)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return path;
	fwrite(text, 1, len, f);
	fclose(f);
	return path;
}

struct file_case {
	const char	*text;
	const char	*err;	/* after "path:"; NULL: loads */
	const char	*key;	/* when it loads: key == want */
	const char	*want;
};

/* U+65E5 (3 bytes) once, 4, 12, 13 and 14 times. */
#define DAY1	"\xe6\x97\xa5"
#define DAY4	DAY1 DAY1 DAY1 DAY1
#define DAY12	DAY4 DAY4 DAY4
#define DAY13	DAY12 DAY1
#define DAY14	DAY13 DAY1
#define GOOD(text, key, want)	{ text, NULL, key, want }
#define BAD(text, err)		{ text, err, NULL, NULL }

static const struct file_case files[] = {
	/* Syntax that loads. */
	GOOD("", "workers", "0"),
	GOOD("\n\n\n", "workers", "0"),
	GOOD("workers = 4\n", "workers", "4"),
	GOOD("workers=4", "workers", "4"),
	GOOD("workers\t=\t4\t\n", "workers", "4"),
	GOOD("   workers = 4\n", "workers", "4"),
	GOOD("site_title = a\nworkers = 4\n", "workers", "4"),
	GOOD("workers = 4\r\nsite_title = x\r\n", "site_title", "x"),
	GOOD("\xef\xbb\xbfworkers = 4\n", "workers", "4"),
	GOOD("# comment\nworkers = 4\n", "workers", "4"),
	GOOD("; comment\nworkers = 4\n", "workers", "4"),
	GOOD("  # indented comment\nworkers = 4\n", "workers", "4"),
	GOOD("workers = 4 ; inline comment\n", "workers", "4"),
	GOOD("workers: 4\n", "workers", "4"),
	GOOD("site_title = a;b\n", "site_title", "a;b"),
	GOOD("site_title = a # b\n", "site_title", "a # b"),
	GOOD("site_title = a = b\n", "site_title", "a = b"),
	GOOD("site_title = \"  padded, kept \"\n", "site_title",
	    "  padded, kept "),
	GOOD("site_title = say \"hi\"\n", "site_title", "say \"hi\""),
	GOOD("pid_file = \"\"\n", "pid_file", ""),
	GOOD("pid_file =\n", "pid_file", ""),
	GOOD("listen = [::1]:8080\n", "listen", "[::1]:8080"),
	GOOD("base_url = https://example.org/\n", "base_url",
	    "https://example.org"),
	GOOD("workers = 4\n# workers = 5\n", "workers", "4"),
	GOOD("workers = 4", "workers", "4"),
	/* Errors: the first one, with its line. */
	BAD("workers = 99\n", ":1: workers: must be a number from 0 to 64"),
	BAD("\n\nworkers = x\n", ":3: workers: must be a number from 0 to 64"),
	BAD("workers = 1\nbogus = 2\n", ":2: bogus: unknown key"),
	BAD("bogus = 1\nworkers = x\n", ":1: bogus: unknown key"),
	BAD("workers = x\nbogus = 1\n",
	    ":1: workers: must be a number from 0 to 64"),
	BAD("workers = 1\nworkers = 2\n",
	    ":2: workers: set twice (first on line 1)"),
	BAD("workers = 1\n\n# x\nworkers = 1\n",
	    ":4: workers: set twice (first on line 1)"),
	BAD("[server]\nworkers = 1\n",
	    ":1: [server]: sections are not supported; keys are top-level"),
	BAD("workers = 1\n  [x]\n",
	    ":2: [x]: sections are not supported; keys are top-level"),
	BAD("workers = 1\n[]\n",
	    ":2: []: sections are not supported; keys are top-level"),
	BAD("workers = 1\n[unterminated\n",
	    ":2: [unterminated: sections are not supported; keys are top-level"),
	BAD("workers\n", ":1: expected key = value"),
	BAD("workers = 1\njust some words\n", ":2: expected key = value"),
	BAD("workers = 1\n= 4\n", ":2: expected key = value"),
	BAD("just words\nbogus = 1\n", ":1: expected key = value"),
	BAD("bogus = 1\njust words\n", ":1: bogus: unknown key"),
	BAD("workers = 1\n    continued\n", ":2: expected key = value"),
	BAD("Workers = 1\n", ":1: Workers: unknown key"),
	BAD("site title = x\n", ":1: site title: unknown key"),
	BAD("site_title = \"open\n",
	    ":1: site_title: missing closing quote (a ';' after a blank starts"
	    " a comment)"),
	BAD("site_title = \"a ; b\"\n",
	    ":1: site_title: missing closing quote (a ';' after a blank starts"
	    " a comment)"),
	BAD("site_title = \"\n",
	    ":1: site_title: missing closing quote (a ';' after a blank starts"
	    " a comment)"),
	BAD("site_title = \"\"\n", ":1: site_title: must not be empty"),
	BAD("workers = 4 # not a comment\n",
	    ":1: workers: must be a number from 0 to 64"),
	BAD("site_title = a\x01" "b\n", ":1: control character in line"),
	BAD("workers = 1\nsite_title = a\rb\n", ":2: control character in line"),
	BAD("workers = 1\x7f\n", ":1: control character in line"),
	BAD("\xef\xbb\xbf[s]\n",
	    ":1: [s]: sections are not supported; keys are top-level"),
	BAD("x\xef\xbb\xbfworkers = 1\n", ":1: x\xef\xbb\xbfworkers: unknown key"),
	/* A long name is echoed in at most 40 bytes, cut between characters
	 * (U+65E5, 3 bytes: 13 of them, not 13 and a byte). */
	BAD(DAY14 " = 1\n", ":1: " DAY13 ": unknown key"),
	BAD("[x" DAY14 "]\n", ":1: [x" DAY12 ": sections are not supported; "
	    "keys are top-level"),
	GOOD("listen = 127.0.0.1:8080\nadmin_listen = 127.0.0.1:8080\n",
	    "admin_listen", "127.0.0.1:8080"),
};

static void
test_files(void)
{
	char err[CONF_ERR_MAX], want[CONF_ERR_MAX];
	struct conf c, before;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const struct file_case *fc = &files[i];
		const char *path = write_file("case.conf", fc->text,
		    strlen(fc->text));
		conf_defaults(&c);
		before = c;
		snprintf(err, sizeof(err), "(nothing)");
		int rc = conf_load(&c, path, err, sizeof(err));
		if (fc->err == NULL) {
			ok(rc == 0, "file %zu loads: %s", i, err);
			ok(same(get(&c, fc->key), fc->want),
			    "file %zu: %s = \"%s\", want \"%s\"", i, fc->key,
			    get(&c, fc->key), fc->want);
			continue;
		}
		snprintf(want, sizeof(want), "%s%s", path, fc->err);
		ok(rc == -1, "file %zu is refused", i);
		ok(strcmp(err, want) == 0, "file %zu: got \"%s\", want \"%s\"",
		    i, err, want);
		ok(memcmp(&c, &before, sizeof(c)) == 0,
		    "file %zu: a refused file changed the config", i);
	}
}

/* Lines longer than inih's buffer, NUL bytes, missing files and directories,
 * and loading over values already set. */
static void
test_file_edges(void)
{
	char err[CONF_ERR_MAX], want[CONF_ERR_MAX + 64], text[4096];
	const char *path;
	struct conf c;
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "workers = 1\nsite_title = ");
	memset(text + n, 'x', 1000);
	n += 1000;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nworkers = 2\n");
	path = write_file("long.conf", text, n);
	conf_defaults(&c);
	ok(conf_load(&c, path, err, sizeof(err)) == -1, "a long line is refused");
	snprintf(want, sizeof(want), "%s:2: line too long (at most", path);
	ok(strncmp(err, want, strlen(want)) == 0, "long line: %s", err);

	/* The longest line that fits loads whole. */
	n = (size_t)snprintf(text, sizeof(text), "site_title = ");
	size_t fits = 0, got = 0;
	for (size_t len = 100; len < 4000; len++) {
		memset(text + n, 'y', len);
		text[n + len] = '\n';
		path = write_file("fit.conf", text, n + len + 1);
		conf_defaults(&c);
		if (conf_load(&c, path, err, sizeof(err)) == -1)
			break;
		fits = len;
		got = strlen(c.site_title);
	}
	ok(fits >= 150 && got == fits, "values up to %zu bytes load whole"
	    " (got %zu)", fits, got);
	ok(strstr(err, ":1: line too long (at most ") != NULL,
	    "one byte more: %s", err);

	path = write_file("nul.conf", "workers = 1\nsite_title = a\0b\n", 28);
	conf_defaults(&c);
	ok(conf_load(&c, path, err, sizeof(err)) == -1, "a NUL byte is refused");
	snprintf(want, sizeof(want), "%s:2: control character in line", path);
	ok(strcmp(err, want) == 0, "NUL: got \"%s\"", err);

	char missing[128];
	snprintf(missing, sizeof(missing), "%s/does-not-exist.conf", tmpdir);
	ok(conf_load(&c, missing, err, sizeof(err)) == -1, "a missing file");
	snprintf(want, sizeof(want), "%s: No such file or directory", missing);
	ok(strcmp(err, want) == 0, "missing: got \"%s\"", err);

	ok(conf_load(&c, tmpdir, err, sizeof(err)) == -1, "a directory");
	snprintf(want, sizeof(want), "%s: Is a directory", tmpdir);
	ok(strcmp(err, want) == 0, "directory: got \"%s\"", err);

	/* Over values already set: the file changes only what it names. */
	conf_defaults(&c);
	ok(conf_set(&c, "workers", "7", err, sizeof(err)) == 0, "set workers");
	path = write_file("over.conf", "site_title = over\n", 18);
	ok(conf_load(&c, path, err, sizeof(err)) == 0, "load over: %s", err);
	ok(c.workers == 7 && strcmp(c.site_title, "over") == 0,
	    "load over: workers %d, title %s", c.workers, c.site_title);
	/* Loading twice is fine: "set twice" is within one file. */
	ok(conf_load(&c, path, err, sizeof(err)) == 0, "load again: %s", err);
}

/* Every non-comment line of an example file, with "#key = value" lines
 * uncommented, into out. Returns the number of keys uncommented. */
static int
uncomment(const char *src, char *out, size_t outlen)
{
	char line[512];
	size_t n = 0;
	int keys = 0;
	FILE *f;

	out[0] = '\0';
	if ((f = fopen(src, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line;
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' &&
		    strstr(line, " = ") != NULL) {
			p = line + 1;
			keys++;
		}
		int r = snprintf(out + n, outlen - n, "%s", p);
		if (r < 0 || (size_t)r >= outlen - n)
			break;
		n += (size_t)r;
	}
	fclose(f);
	return keys;
}

/* etc/foliod.conf documents every key with exactly its default. */
static void
test_example(void)
{
	static char text[16384];
	char err[CONF_ERR_MAX];
	struct conf c, d;
	const char *path;
	int keys;

	conf_defaults(&d);
	conf_defaults(&c);
	ok(conf_load(&c, "etc/foliod.conf", err, sizeof(err)) == 0,
	    "etc/foliod.conf loads (run from the source root): %s", err);
	keys = uncomment("etc/foliod.conf", text, sizeof(text));
	ok(keys == (int)NFIELDS, "etc/foliod.conf shows %d keys, want %zu",
	    keys, NFIELDS);
	path = write_file("example.conf", text, strlen(text));
	conf_defaults(&c);
	ok(conf_load(&c, path, err, sizeof(err)) == 0,
	    "etc/foliod.conf uncommented loads: %s", err);
	for (size_t i = 0; i < NFIELDS; i++)
		ok(same(get(&c, fields[i].name), get(&d, fields[i].name)),
		    "etc/foliod.conf: %s = \"%s\", default \"%s\"",
		    fields[i].name, get(&c, fields[i].name),
		    get(&d, fields[i].name));

	conf_defaults(&c);
	ok(conf_load(&c, "etc/foliod-dev.conf", err, sizeof(err)) == 0 &&
	    conf_validate(&c, err, sizeof(err)) == 0,
	    "etc/foliod-dev.conf loads: %s", err);
}

/* tests/data/conf/: a file setting every key, and broken ones. */
static void
test_fixtures(void)
{
	static const struct {
		const char	*key;
		const char	*want;
	} all[] = {
		{ "listen", "[::]:80" },
		{ "admin_listen", "127.0.0.1:9100" },
		{ "content_dir", "/srv/blog/content" },
		{ "run_dir", "/run/foliod" },
		{ "cache_dir", "/var/cache/foliod" },
		{ "pid_file", "/run/foliod.pid" },
		{ "base_url", "https://blog.example.org" },
		{ "site_title", "Notes; from the homelab" },
		{ "site_description", "Kubernetes, GitOps and the odd rant." },
		{ "site_author", "Ada Lovelace" },
		{ "site_language", "en-GB" },
		{ "posts_per_page", "15" },
		{ "feed_entries", "50" },
		{ "unsafe_html", "yes" },
		{ "max_age", "60" },
		{ "s_maxage", "3600" },
		{ "workers", "4" },
		{ "build_threads", "3" },
		{ "user", "_foliod" },
		{ "max_connections", "4096" },
		{ "header_timeout", "5" },
		{ "keepalive_timeout", "30" },
		{ "send_timeout", "90" },
		{ "shutdown_timeout", "20" },
		{ "cache_max_bytes", "67108864" },
		{ "image_workers", "2" },
		{ "image_widths", "320 640 1280" },
		{ "image_qualities", "60 80" },
		{ "image_max_bytes", "20971520" },
		{ "image_max_pixels", "24" },
		{ "image_max_age", "600" },
		{ "access_log", "json" },
		{ "access_log_file", "/var/log/foliod/access.log" },
		{ "trust_proxy_header", "CF-Connecting-IP" },
	};
	static const struct {
		const char	*file;
		const char	*err;
	} broken[] = {
		{ "tests/data/conf/section.conf",
		    "tests/data/conf/section.conf:4: [server]: sections are not"
		    " supported; keys are top-level" },
		{ "tests/data/conf/duplicate.conf",
		    "tests/data/conf/duplicate.conf:5: listen: set twice (first"
		    " on line 2)" },
		{ "tests/data/conf/unknown.conf",
		    "tests/data/conf/unknown.conf:3: port: unknown key" },
		{ "tests/data/conf/bad-value.conf",
		    "tests/data/conf/bad-value.conf:3: posts_per_page: must be a"
		    " number from 1 to 100" },
	};
	char err[CONF_ERR_MAX];
	struct conf c;

	ok(sizeof(all) / sizeof(all[0]) == NFIELDS, "all.conf sets every key");
	conf_defaults(&c);
	ok(conf_load(&c, "tests/data/conf/all.conf", err, sizeof(err)) == 0,
	    "tests/data/conf/all.conf loads: %s", err);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		ok(same(get(&c, all[i].key), all[i].want),
		    "all.conf: %s = \"%s\", want \"%s\"", all[i].key,
		    get(&c, all[i].key), all[i].want);
	ok(conf_validate(&c, err, sizeof(err)) == 0, "all.conf validates: %s",
	    err);
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		conf_defaults(&c);
		snprintf(err, sizeof(err), "(nothing)");
		ok(conf_load(&c, broken[i].file, err, sizeof(err)) == -1 &&
		    strcmp(err, broken[i].err) == 0, "%s: got \"%s\"",
		    broken[i].file, err);
	}
}

static void
test_validate(void)
{
	static const struct {
		const char	*listen;
		const char	*admin;
		bool		 good;
	} cases[] = {
		{ "127.0.0.1:8080", "127.0.0.1:9090", true },
		{ "127.0.0.1:8080", "127.0.0.1:8080", false },
		{ "127.0.0.1:8080", "127.0.0.2:8080", true },
		{ "*:8080", "127.0.0.1:8080", false },
		{ "127.0.0.1:8080", "*:8080", false },
		{ ":8080", "[::1]:8080", false },
		{ "*:8080", "*:9090", true },
		{ "0.0.0.0:8080", "127.0.0.1:8080", false },
		{ "0.0.0.0:8080", "[::1]:8080", true },
		{ "[::]:8080", "[::1]:8080", false },
		{ "[::1]:8080", "[0:0:0:0:0:0:0:1]:8080", false },
		{ "[::1]:8080", "[::2]:8080", true },
		{ "[::1]:8080", "127.0.0.1:8080", true },
		{ "[fe80::1%eth0]:80", "[fe80::1%eth0]:80", false },
		{ "[fe80::1%eth0]:80", "[fe80::1%eth1]:80", true },
		{ "[::1]:80", "[::1]:81", true },
	};
	char err[CONF_ERR_MAX], want[CONF_ERR_MAX];
	struct conf c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf_defaults(&c);
		ok(conf_set(&c, "listen", cases[i].listen, err,
		    sizeof(err)) == 0 && conf_set(&c, "admin_listen",
		    cases[i].admin, err, sizeof(err)) == 0, "set %s and %s",
		    cases[i].listen, cases[i].admin);
		int rc = conf_validate(&c, err, sizeof(err));
		ok(rc == (cases[i].good ? 0 : -1), "listen %s, admin_listen %s:"
		    " %s", cases[i].listen, cases[i].admin,
		    rc == 0 ? "accepted" : err);
		if (cases[i].good)
			continue;
		snprintf(want, sizeof(want), "admin_listen: must differ from"
		    " listen (%s and %s share a port)", cases[i].admin,
		    cases[i].listen);
		ok(strcmp(err, want) == 0, "validate: got \"%s\"", err);
	}
}

static void
test_workers(void)
{
	struct conf c;
	char err[CONF_ERR_MAX];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int want = cpus < 1 ? 1 : cpus > WORKERS_MAX ? WORKERS_MAX : (int)cpus;

	conf_defaults(&c);
	ok(conf_workers(&c) == want, "workers 0: %d, want %d", conf_workers(&c),
	    want);
	ok(conf_set(&c, "workers", "5", err, sizeof(err)) == 0 &&
	    conf_workers(&c) == 5, "workers 5: %d", conf_workers(&c));
	ok(conf_set(&c, "workers", "64", err, sizeof(err)) == 0 &&
	    conf_workers(&c) == 64, "workers 64: %d", conf_workers(&c));
	c.workers = 1000;
	ok(conf_workers(&c) == WORKERS_MAX, "workers set directly to 1000: %d",
	    conf_workers(&c));
}

static void
cleanup(void)
{
	static const char *names[] = { "case.conf", "long.conf", "fit.conf",
	    "nul.conf", "over.conf", "example.conf" };
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

/* Sizes with suffixes and number lists, the two value kinds of the image
 * keys. */
/* The bounds foliod.conf(5) gives the lists: up to CONF_LIST_MAX (64)
 * numbers, widths 1 to 8192, qualities 1 to 100. */
static void
list_of(char *out, size_t len, int n, int first)
{
	size_t off = 0;

	out[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%d ", first + i);
}

static void
test_list_bounds(void)
{
	char err[CONF_ERR_MAX], v[CONF_LIST_MAX * 8];
	struct conf c;

	conf_defaults(&c);
	ok(conf_set(&c, "image_widths", "1 8192", err, sizeof(err)) == 0,
	    "widths 1 and 8192 taken: %s", err);
	ok(conf_set(&c, "image_widths", "8193", err, sizeof(err)) == -1,
	    "width 8193 refused");
	list_of(v, sizeof(v), CONF_LIST_MAX, 1);
	ok(conf_set(&c, "image_widths", v, err, sizeof(err)) == 0 &&
	    c.image_widths.n == CONF_LIST_MAX, "64 widths taken: %s", err);
	list_of(v, sizeof(v), CONF_LIST_MAX + 1, 1);
	ok(conf_set(&c, "image_widths", v, err, sizeof(err)) == -1,
	    "65 widths refused");
	list_of(v, sizeof(v), CONF_LIST_MAX, 1);
	ok(conf_set(&c, "image_qualities", v, err, sizeof(err)) == 0 &&
	    c.image_qualities.n == CONF_LIST_MAX, "64 qualities taken: %s",
	    err);
	list_of(v, sizeof(v), CONF_LIST_MAX + 1, 1);
	ok(conf_set(&c, "image_qualities", v, err, sizeof(err)) == -1,
	    "65 qualities refused");
	ok(conf_set(&c, "image_qualities", "50 50", err, sizeof(err)) == -1,
	    "repeated quality refused");
}

static void
test_image_keys(void)
{
	static const struct {
		const char *value;
		uint64_t bytes;		/* 0: refused */
	} sizes[] = {
		{ "256M", 256ull << 20 }, { "1M", 1ull << 20 },
		{ "1048576", 1ull << 20 }, { "2048k", 2ull << 20 },
		{ "1G", 1ull << 30 }, { "1024G", 1ull << 40 },
		{ "1025G", 0 }, { "1K", 0 }, { "0", 0 }, { "", 0 }, { "M", 0 },
		{ "12X", 0 }, { "-5M", 0 }, { "99999999999999999999999G", 0 },
	};
	static const struct {
		const char *value;
		int n, first, last;	/* n 0: refused */
	} lists[] = {
		{ "640", 1, 640, 640 }, { "32 64 128", 3, 32, 128 },
		{ "32,64, 128", 3, 32, 128 }, { " 32  64 ", 2, 32, 64 },
		{ "64 32", 0, 0, 0 }, { "32 32", 0, 0, 0 }, { "", 0, 0, 0 },
		{ "0", 0, 0, 0 }, { "9000", 0, 0, 0 }, { "32 x", 0, 0, 0 },
	};
	char err[CONF_ERR_MAX];
	struct conf c;

	conf_defaults(&c);
	ok(c.cache_max_bytes == 256ull << 20, "cache_max_bytes default");
	ok(c.image_widths.n == 15 && c.image_widths.v[0] == 32 &&
	    c.image_widths.v[14] == 3840, "image_widths default");
	ok(c.image_qualities.n == 1 && c.image_qualities.v[0] == 75,
	    "image_qualities default");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		conf_defaults(&c);
		int rc = conf_set(&c, "cache_max_bytes", sizes[i].value, err,
		    sizeof(err));
		if (sizes[i].bytes)
			ok(rc == 0 && c.cache_max_bytes == sizes[i].bytes,
			    "cache_max_bytes %s: %s", sizes[i].value, err);
		else
			ok(rc == -1 && strncmp(err, "cache_max_bytes: ", 17) == 0,
			    "cache_max_bytes %s refused: %s", sizes[i].value,
			    err);
	}
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		conf_defaults(&c);
		int rc = conf_set(&c, "image_widths", lists[i].value, err,
		    sizeof(err));
		if (lists[i].n)
			ok(rc == 0 && c.image_widths.n == lists[i].n &&
			    c.image_widths.v[0] == lists[i].first &&
			    c.image_widths.v[lists[i].n - 1] == lists[i].last,
			    "image_widths \"%s\": %s", lists[i].value, err);
		else
			ok(rc == -1 && c.image_widths.n == 15,
			    "image_widths \"%s\" refused, default kept: %s",
			    lists[i].value, err);
	}
	conf_defaults(&c);
	ok(conf_set(&c, "image_qualities", "101", err, sizeof(err)) == -1,
	    "quality over 100 refused");
	test_list_bounds();
	ok(conf_set(&c, "image_workers", "0", err, sizeof(err)) == -1,
	    "image_workers 0 refused");
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX",
	    tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 1;
	}
	test_defaults();
	test_good();
	test_bad();
	test_lengths();
	test_files();
	test_file_edges();
	test_example();
	test_fixtures();
	test_validate();
	test_workers();
	test_image_keys();
	cleanup();
	return test_done();
}
