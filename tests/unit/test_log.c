/*
 * test_log.c: one line per event, the role and level in it, errno text for
 * log_warn, control bytes flattened, and long messages cut to one line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

static char captured[8192];

/* Runs fn with stderr sent to a temp file, and reads back what it wrote. */
static void
capture(void (*fn)(void))
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	dup2(fd, STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, captured, sizeof(captured) - 1);
	captured[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

static void
emit_warnx(void)
{
	log_role("worker 3");
	log_warnx("posts/%s:%d: %s", "a.md", 3, "title is missing");
}

static void
emit_warn(void)
{
	errno = ENOENT;
	log_warn("open %s", "x");
}

static void
emit_control(void)
{
	log_info("evil\nline\rbreak");
}

static void
emit_long(void)
{
	char big[3 * LOG_LINE_MAX];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
}

static void
emit_debug(void)
{
	log_debug("hidden");
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int
main(void)
{
	char want[64];
	unsigned long before;

	log_init("foliod", 0);
	before = log_warnings();
	capture(emit_warnx);
	snprintf(want, sizeof(want), "foliod[%ld] worker 3: warn: ",
	    (long)getpid());
	ok(strstr(captured, want) != NULL, "prefix: %s", captured);
	ok(strstr(captured, "posts/a.md:3: title is missing\n") != NULL,
	    "message");
	ok(captured[4] == '-' && captured[19] == 'Z', "UTC timestamp first");
	ok(log_warnings() == before + 1, "warnings are counted");

	log_role("");
	capture(emit_warn);
	ok(strstr(captured, "open x: No such file or directory\n") != NULL,
	    "errno text: %s", captured);
	ok(strstr(captured, "]: warn") == NULL && strstr(captured, "] warn:"),
	    "no empty role");

	capture(emit_control);
	ok(count_lines(captured) == 1 && strstr(captured, "evil?line?break"),
	    "control bytes flattened: %s", captured);

	capture(emit_long);
	ok(count_lines(captured) == 1 && strlen(captured) <= LOG_LINE_MAX,
	    "long message cut to one line of at most %d", LOG_LINE_MAX);

	capture(emit_debug);
	ok(captured[0] == '\0', "debug is quiet unless verbose");
	log_init("foliod", 1);
	capture(emit_debug);
	ok(strstr(captured, "debug: hidden") != NULL, "verbose shows debug");
	return test_done();
}
