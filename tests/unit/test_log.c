/*
 * test_log.c: one line per event, the role and level in it, errno text for
 * log_warn, control bytes flattened, long messages cut to one line (between
 * characters), and long paths shortened around their middle (log_path).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "test.h"
#include "utf8.h"

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

/* Messages of 3-byte characters past the line's end, after 0, 1 and 2
 * bytes of ASCII, so that at least two would be cut inside a character. */
static void
emit_long_utf8(void)
{
	char big[3 * LOG_LINE_MAX];
	size_t n = 0;

	while (n + 3 < sizeof(big)) {
		memcpy(big + n, "\xe6\x97\xa5", 3);	/* U+65E5 */
		n += 3;
	}
	big[n] = '\0';
	log_info("%s", big);
	log_info("a%s", big);
	log_info("ab%s", big);
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

/* True if s is well-formed UTF-8. */
static int
utf8_whole(const char *s)
{
	size_t n = strlen(s);

	return utf8_valid_len((const unsigned char *)s, n) == n;
}

/* A path of chr (clen bytes) from "static/" to "/name.txt", long enough to
 * be shortened, with a '/' now and then. */
static void
long_utf8_path(char *path, size_t size, const char *chr, size_t clen)
{
	size_t n = (size_t)snprintf(path, size, "static/");

	while (n + clen + 1 < size - 16) {
		memcpy(path + n, chr, clen);
		n += clen;
		if (n % 3 == 0)
			path[n++] = '/';
	}
	snprintf(path + n, size - n, "/name.txt");
}

/* A long path keeps its start and its file name, cut between characters
 * of every length. */
static void
test_log_path(void)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80" };	/* U+00E9, U+20AC, U+1F600 */
	char buf[LOG_PATH_MAX + 1], path[4 * LOG_PATH_MAX];
	const char *shown;

	snprintf(path, sizeof(path), "posts/a.md");
	ok(log_path(path, buf) == path, "a short path is shown whole");
	for (size_t c = 0; c < sizeof(chars) / sizeof(chars[0]); c++) {
		long_utf8_path(path, sizeof(path), chars[c], strlen(chars[c]));
		shown = log_path(path, buf);
		ok(strlen(shown) <= LOG_PATH_MAX, "%zu-byte characters: at most "
		    "%d bytes: %zu", strlen(chars[c]), LOG_PATH_MAX,
		    strlen(shown));
		ok(strncmp(shown, "static/", 7) == 0, "its start: %.20s",
		    shown);
		ok(strlen(shown) > 9 &&
		    strcmp(shown + strlen(shown) - 9, "/name.txt") == 0,
		    "its file name");
		ok(strstr(shown, "...") != NULL, "the cut is marked");
		ok(utf8_whole(shown), "%zu-byte characters: cut between them",
		    strlen(chars[c]));
	}
	memset(path, 'a', LOG_PATH_MAX);
	path[LOG_PATH_MAX] = '\0';
	ok(log_path(path, buf) == path, "exactly LOG_PATH_MAX: whole");
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
	capture(emit_long_utf8);
	ok(count_lines(captured) == 3 && utf8_whole(captured),
	    "long messages of 3-byte characters cut between them");

	capture(emit_debug);
	ok(captured[0] == '\0', "debug is quiet unless verbose");
	log_init("foliod", 1);
	capture(emit_debug);
	ok(strstr(captured, "debug: hidden") != NULL, "verbose shows debug");
	test_log_path();
	return test_done();
}
