/*
 * main.c: foliod's entry point. Parses flags, puts the configuration
 * together, and then either tests the site (-t), exports it (-E), or opens
 * the listeners and hands over to the master.
 */
#include "foliod.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "export.h"
#include "log.h"

#define TEMP_TEMPLATE	"foliod.XXXXXX"
#define NFTW_FDS	16

static noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: foliod [-fhtVv] [-c file] [-E dir] [-l address] [-r dir]"
	    " [-w count]\n"
	    "  -c file     configuration file (default " CONF_PATH_DEFAULT ")\n"
	    "  -E dir      export the rendered site as plain files into dir\n"
	    "  -f          stay in the foreground\n"
	    "  -h          show this help\n"
	    "  -l address  listen on address (host:port)\n"
	    "  -r dir      content directory\n"
	    "  -t          test the configuration and content, then exit\n"
	    "  -V          show the version\n"
	    "  -v          verbose: log debug messages\n"
	    "  -w count    worker processes (0: one per core)\n");
	exit(status);
}

/* Makes a configured path absolute against the start-up directory, so a
 * reload after daemonizing (cwd "/") resolves it the same way. */
static int
absolutize(char *path, size_t size, const char *cwd, const char *key,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX];

	if (path[0] == '/' || path[0] == '\0' || strcmp(path, "-") == 0)
		return 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path) >= size) {
		snprintf(err, errlen, "%s: path too long", key);
		return -1;
	}
	memcpy(path, tmp, strlen(tmp) + 1);
	return 0;
}

int
settings_load(const struct settings *s, struct conf *c, char *err,
    size_t errlen)
{
	char ferr[CONF_ERR_MAX], real[PATH_MAX];

	conf_defaults(c);
	if (s->conf_explicit || access(s->conf_path, F_OK) == 0) {
		if (conf_load(c, s->conf_path, err, errlen) == -1)
			return -1;
	}
	for (int i = 0; i < s->nflags; i++) {
		if (conf_set(c, s->keys[i], s->values[i], ferr,
		    sizeof(ferr)) == -1) {
			snprintf(err, errlen, "command line: %s", ferr);
			return -1;
		}
	}
	if (conf_validate(c, err, errlen) == -1 ||
	    absolutize(c->content_dir, sizeof(c->content_dir), s->cwd,
	    "content_dir", err, errlen) == -1 ||
	    absolutize(c->run_dir, sizeof(c->run_dir), s->cwd, "run_dir",
	    err, errlen) == -1 ||
	    absolutize(c->cache_dir, sizeof(c->cache_dir), s->cwd, "cache_dir",
	    err, errlen) == -1 ||
	    absolutize(c->access_log_file, sizeof(c->access_log_file), s->cwd,
	    "access_log_file", err, errlen) == -1 ||
	    absolutize(c->pid_file, sizeof(c->pid_file), s->cwd, "pid_file",
	    err, errlen) == -1)
		return -1;
	/* The path stays as configured: when it is a symlink that gets
	 * swapped (git-sync does this), each build follows it anew. */
	if (realpath(c->content_dir, real) == NULL) {
		snprintf(err, errlen, "content_dir: %s: %s", c->content_dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
add_flag(struct settings *s, const char *key, const char *value)
{
	if (s->nflags == FLAGS_MAX)
		usage(1);
	s->keys[s->nflags] = key;
	s->values[s->nflags++] = value;
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(path);
}

/* Builds the site into a temporary run directory for -t and -E. */
static int
build_temp(const struct conf *c, char *dir, size_t dirlen,
    struct build_result *res)
{
	char err[CONF_ERR_MAX];
	const char *tmp = getenv("TMPDIR");

	proc_tune_for_build();
	snprintf(dir, dirlen, "%s/" TEMP_TEMPLATE, tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		log_warn("%s", dir);
		return -1;
	}
	/* One build, not a service: a file that changes under it is left
	 * out with a line saying so, as a broken one is. */
	if (build_site(c, 1, time(NULL), dir, INDEX_FILE, BUILD_LEAVE_CHANGED,
	    res, err, sizeof(err)) == -1) {
		log_warnx("build failed: %s", err);
		nftw(dir, rm_entry, NFTW_FDS, FTW_DEPTH | FTW_PHYS);
		return -1;
	}
	return 0;
}

static noreturn void
test_site(const struct conf *c)
{
	struct build_result res;
	char dir[PATH_MAX];

	if (build_temp(c, dir, sizeof(dir), &res) == -1)
		exit(1);
	nftw(dir, rm_entry, NFTW_FDS, FTW_DEPTH | FTW_PHYS);
	printf("foliod: configuration ok; content %s: %zu routes built in %u ms,"
	    " %zu problem%s\n", c->content_dir, res.entries, res.ms,
	    res.problems, res.problems == 1 ? "" : "s");
	exit(res.problems ? 1 : 0);
}

static noreturn void
export(const struct conf *c, const char *outdir)
{
	struct build_result res;
	char dir[PATH_MAX], path[PATH_MAX];
	char err[CONF_ERR_MAX] = "run_dir: path too long";
	long n = -1;

	if (build_temp(c, dir, sizeof(dir), &res) == -1)
		exit(1);
	if (index_path(dir, path, sizeof(path)) == 0)
		n = export_site(path, outdir, &res.problems, err, sizeof(err));
	nftw(dir, rm_entry, NFTW_FDS, FTW_DEPTH | FTW_PHYS);
	if (n == -1) {
		log_warnx("export failed: %s", err);
		exit(1);
	}
	printf("foliod: exported %ld files to %s (%zu problem%s)\n", n, outdir,
	    res.problems, res.problems == 1 ? "" : "s");
	exit(0);
}

static char pid_path[PATH_MAX];
static pid_t pid_owner;

/* Runs at every exit(); only the master that wrote the file removes it
 * (workers and builds exit through the same handlers). */
static void
remove_pid_file(void)
{
	if (pid_path[0] != '\0' && getpid() == pid_owner)
		(void)unlink(pid_path);
}

static void
write_pid_file(const char *path)
{
	char text[32];
	int fd, n;

	if (path[0] == '\0')
		return;
	snprintf(pid_path, sizeof(pid_path), "%s", path);
	pid_owner = getpid();
	atexit(remove_pid_file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		fatal("pid_file %s", path);
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (write(fd, text, (size_t)n) != n || close(fd) == -1)
		fatal("pid_file %s", path);
}

static void
open_listeners(const struct conf *c, struct listeners *l)
{
	char err[CONF_ERR_MAX];

	if ((l->public_fd = net_listen(c->listen, err, sizeof(err))) == -1)
		fatalx("listen %s", err);
	if ((l->admin_fd = net_listen(c->admin_listen, err, sizeof(err))) == -1)
		fatalx("admin_listen %s", err);
}

int
main(int argc, char **argv)
{
	struct settings s = { .conf_path = CONF_PATH_DEFAULT };
	static struct conf conf;
	struct listeners l;
	const char *export_dir = NULL;
	char err[CONF_ERR_MAX];
	bool foreground = false, test = false;
	int ch, verbose = 0;

	log_init("foliod", 0);
	while ((ch = getopt(argc, argv, "c:E:fhl:r:tVvw:")) != -1) {
		switch (ch) {
		case 'c': s.conf_path = optarg; s.conf_explicit = true; break;
		case 'E': export_dir = optarg; break;
		case 'f': foreground = true; break;
		case 'h': usage(0);
		case 'l': add_flag(&s, "listen", optarg); break;
		case 'r': add_flag(&s, "content_dir", optarg); break;
		case 't': test = true; break;
		case 'V': printf("foliod %s\n", FOLIOD_VERSION); return 0;
		case 'v': verbose = 1; break;
		case 'w': add_flag(&s, "workers", optarg); break;
		default: usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	log_init("foliod", verbose);
	if (getcwd(s.cwd, sizeof(s.cwd)) == NULL)
		fatal("getcwd");
	if (settings_load(&s, &conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (test)
		test_site(&conf);
	if (export_dir != NULL)
		export(&conf, export_dir);

	/* From here on signals wait for the master's loop: a TERM that comes
	 * while starting up stops foliod cleanly instead of killing it. */
	signals_block();
	if (proc_mkdirs(conf.run_dir, err, sizeof(err)) == -1 ||
	    proc_chown_for(conf.run_dir, conf.user, err, sizeof(err)) == -1)
		fatalx("run_dir %s", err);
	if (proc_mkdirs(conf.cache_dir, err, sizeof(err)) == -1 ||
	    proc_chown_for(conf.cache_dir, conf.user, err, sizeof(err)) == -1)
		fatalx("cache_dir %s", err);
	open_listeners(&conf, &l);
	if (!foreground && daemon(0, 1) == -1)
		fatal("daemon");
	write_pid_file(conf.pid_file);
	master_run(&s, &conf, &l);
}
