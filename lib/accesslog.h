/*
 * accesslog.h: formats one access-log line, as a JSON object or in the
 * combined log format, from what a worker knows after a response.
 */
#ifndef FOLIO_ACCESSLOG_H
#define FOLIO_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"

struct access_entry {
	const char	*client;	/* address text */
	time_t		 time;
	const char	*method;
	size_t		 method_len;
	const char	*target;	/* as sent; escaped on output */
	size_t		 target_len;
	int		 minor;		/* HTTP/1.<minor> */
	int		 status;
	uint64_t	 bytes;		/* body bytes sent */
	const char	*referer;	/* may be NULL */
	size_t		 referer_len;
	const char	*user_agent;	/* may be NULL */
	size_t		 user_agent_len;
	const char	*host;		/* may be NULL */
	size_t		 host_len;
	uint32_t	 duration_us;
};

/*
 * Writes one line, ending in '\n', into out. Bytes that are not printable
 * ASCII are escaped (\u00XX in JSON, \xXX in combined), so a line is always
 * one line and valid UTF-8. Returns its length, truncating the longest
 * fields to fit outlen (which must be at least 256).
 */
size_t	accesslog_format(enum access_log_format fmt,
	    const struct access_entry *e, char *out, size_t outlen);

#endif
