/*
 * log.h: one line per event to stderr (or a file after log_reopen), in the
 * form "2026-11-24T09:30:00Z foliod[123] master: warn: what happened".
 */
#ifndef FOLIO_LOG_H
#define FOLIO_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>

#define LOG_LINE_MAX	1024
/* Bytes of one path a log line shows: room is left in the line for what
 * happened to it. A content path may be PATH_MAX bytes long. */
#define LOG_PATH_MAX	320

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
/*
 * A path fit for a log line: path itself when it has at most LOG_PATH_MAX
 * bytes; else its start and its end (the file name) around "...", written
 * into buf, cut between UTF-8 characters. A line that simply ran out of
 * room would lose the file's name and the reason after it.
 */
const char *log_path(const char *path, char buf[LOG_PATH_MAX + 1]);
/* Number of warnings logged so far by this process (foliod -t uses it). */
unsigned long log_warnings(void);

#endif
