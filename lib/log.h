/*
 * log.h: one line per event to stderr (or a file after log_reopen), in the
 * form "2026-11-24T09:30:00Z foliod[123] master: warn: what happened".
 */
#ifndef FOLIO_LOG_H
#define FOLIO_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>

#define LOG_LINE_MAX	1024

void	log_init(const char *progname, int verbose);
void	log_role(const char *role);	/* "master", "worker 2", "build" */
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For setup failures and broken invariants only: log and exit(1). */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of warnings logged so far by this process (foliod -t uses it). */
unsigned long log_warnings(void);

#endif
