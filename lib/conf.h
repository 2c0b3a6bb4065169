/*
 * conf.h: foliod's configuration: an INI file read with libinih (top-level
 * keys, no sections), then flags applied on top. Every key, its default and
 * its rule are documented in foliod.conf(5) and etc/foliod.conf.
 */
#ifndef FOLIO_CONF_H
#define FOLIO_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "folio_limits.h"

#define CONF_PATH_DEFAULT	"/etc/foliod/foliod.conf"

/* A list of small numbers from the config ("640 750 1080"). */
#define CONF_LIST_MAX	64
struct conf_list {
	int	n;
	int	v[CONF_LIST_MAX];
};

enum access_log_format {
	ACCESS_LOG_OFF,
	ACCESS_LOG_JSON,
	ACCESS_LOG_COMBINED,
};

struct conf {
	/* Network. */
	char	listen[CONF_ADDR_MAX];		/* "127.0.0.1:8080", "[::]:8080", ":8080" */
	char	admin_listen[CONF_ADDR_MAX];	/* "127.0.0.1:9090" */
	/* Paths. */
	char	content_dir[PATH_MAX];
	char	run_dir[PATH_MAX];		/* index files */
	char	cache_dir[PATH_MAX];		/* resized images */
	char	pid_file[PATH_MAX];		/* "" = none */
	/* Site. */
	char	base_url[CONF_URL_MAX];		/* no trailing slash */
	char	site_title[CONF_TEXT_MAX];
	char	site_description[CONF_TEXT_MAX];
	char	site_author[CONF_TEXT_MAX];
	char	site_language[CONF_NAME_MAX];
	int	posts_per_page;
	int	feed_entries;
	bool	unsafe_html;			/* pass raw HTML in markdown through */
	/* Caching headers for pages, in seconds. */
	int	max_age;
	int	s_maxage;
	/* Processes and connections. */
	int	workers;			/* 0 = one per core */
	int	build_threads;			/* compressing; 0 = per core */
	char	user[CONF_NAME_MAX];		/* "" = stay who we are */
	int	max_connections;		/* per worker */
	int	header_timeout;			/* seconds */
	int	keepalive_timeout;		/* seconds */
	int	send_timeout;			/* seconds without progress */
	int	shutdown_timeout;		/* seconds */
	/* Images: /_img and its cache. */
	uint64_t cache_max_bytes;
	int	image_workers;			/* resizes at once */
	struct conf_list image_widths;		/* ascending */
	struct conf_list image_qualities;	/* the first is the default */
	uint64_t image_max_bytes;		/* of a source file */
	int	image_max_pixels;		/* of a source, in megapixels */
	int	image_max_age;			/* seconds, for URLs without v= */
	/* Logging. */
	enum access_log_format access_log;
	char	access_log_file[PATH_MAX];	/* "-" = stdout */
	char	trust_proxy_header[CONF_NAME_MAX]; /* "" = use the peer address */
};

/* Fills in every default. */
void	conf_defaults(struct conf *c);

/*
 * Reads an INI file over the current values. On error returns -1 and writes
 * "file:line: key: what is wrong" into err. A missing file is an error.
 */
int	conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/*
 * Sets one key from a string, as the file would ("workers", "4"). Used by
 * conf_load and by command-line flags. On error returns -1 and writes
 * "key: what is wrong" into err.
 */
int	conf_set(struct conf *c, const char *key, const char *value,
	    char *err, size_t errlen);

/* Checks the values together (e.g. listen != admin_listen). */
int	conf_validate(const struct conf *c, char *err, size_t errlen);

/* Resolves workers = 0 to the number of online CPUs, capped at WORKERS_MAX. */
int	conf_workers(const struct conf *c);

#endif
