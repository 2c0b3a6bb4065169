/*
 * log.c: the daemon's event log. Each event is formatted into one buffer and
 * written with a single write(2), so lines from several processes sharing
 * stderr never interleave.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

enum level { L_DEBUG, L_INFO, L_WARN };

static const char *log_progname = "foliod";
static const char *log_rolename = "";
static int log_verbose;
static unsigned long log_nwarnings;

void
log_init(const char *progname, int verbose)
{
	log_progname = progname;
	log_verbose = verbose;
}

void
log_role(const char *role)
{
	log_rolename = role;
}

unsigned long
log_warnings(void)
{
	return log_nwarnings;
}

static void vlog(enum level, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
vlog(enum level lvl, int errnum, const char *fmt, va_list ap)
{
	static const char *names[] = { "debug", "info", "warn" };
	char line[LOG_LINE_MAX];
	struct tm tm;
	time_t now = time(NULL);
	size_t n;
	int r;

	gmtime_r(&now, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	r = snprintf(line + n, sizeof(line) - n, "%s[%ld] %s%s%s: ",
	    log_progname, (long)getpid(), log_rolename,
	    log_rolename[0] ? ": " : "", names[lvl]);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	if (errnum && n < sizeof(line) - 1) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", strerror(errnum));
		if (r > 0)
			n += (size_t)r < sizeof(line) - n ? (size_t)r :
			    sizeof(line) - n - 1;
	}
	/* Control characters from file names or requests never reach the log
	 * raw: one event stays one line. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = '?';
	/* Room for the '\n', and a cut message ends on a whole character. */
	if (n >= sizeof(line) - 1)
		n = utf8_head(line, n, sizeof(line) - 2);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

#define LOGFN(name, lvl, witherr)				\
void								\
name(const char *fmt, ...)					\
{								\
	int saved = errno;					\
	va_list ap;						\
	if ((lvl) == L_DEBUG && !log_verbose)			\
		return;						\
	if ((lvl) == L_WARN)					\
		log_nwarnings++;				\
	va_start(ap, fmt);					\
	vlog((lvl), (witherr) ? saved : 0, fmt, ap);		\
	va_end(ap);						\
	errno = saved;						\
}

LOGFN(log_debug, L_DEBUG, 0)
LOGFN(log_info, L_INFO, 0)
LOGFN(log_warn, L_WARN, 1)
LOGFN(log_warnx, L_WARN, 0)

const char *
log_path(const char *path, char buf[LOG_PATH_MAX + 1])
{
	static const char gap[] = "...";
	size_t len = strlen(path), keep = (LOG_PATH_MAX - (sizeof(gap) - 1)) / 2;

	if (len <= LOG_PATH_MAX)
		return path;
	snprintf(buf, LOG_PATH_MAX + 1, "%.*s%s%s",
	    (int)utf8_head(path, len, keep), path, gap,
	    path + utf8_tail(path, len, keep));
	return buf;
}

noreturn void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(L_WARN, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

noreturn void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(L_WARN, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
