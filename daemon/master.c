/*
 * master.c: the master process. Builds the page index in a child process,
 * publishes each new generation to the workers through the shared metrics
 * page, forks the workers once the first index exists, reaps and respawns
 * them (backing off when they keep dying), reaps every other child too (it
 * may be PID 1), watches the content tree and rebuilds when it changes, and
 * acts on signals: HUP reloads, TERM and INT stop gracefully, QUIT stops at
 * once, USR1 is passed on to the workers. A fork that fails (out of
 * processes or memory) is tried again on a timer, for the build and the
 * workers alike.
 */
#include "foliod.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "log.h"

#define MASTER_EVENTS	8
#define MS_PER_SEC	1000
/* Longest sleep of the master loop when no timer is due sooner. */
#define MASTER_IDLE_MS	(60 * MS_PER_SEC)
/* A burst of saves gives one rebuild: it starts once the tree has been
 * quiet this long, and never later than the max after the first change.
 * An editor's save (temp file, rename, backup) takes a few milliseconds. */
#define DEBOUNCE_MS	10
#define DEBOUNCE_MAX_MS	500
#define NOTIFY_TEXT_MAX	128
/* A build child's exit status when sources changed under it: it wrote
 * nothing and is started again. */
#define BUILD_EXIT_CHANGED	3
/* Builds started again in a row; the one after leaves the files that keep
 * changing out (BUILD_LEAVE_CHANGED), so one file that never settles
 * cannot hold the whole site back. */
#define BUILD_CHANGED_MAX	3

enum proc_kind {
	PROC_WORKER,
	PROC_IMAGER,
	PROC_KINDS
};

/* How the log names each kind: one, with its article, many. */
static const char *const kind_name[PROC_KINDS] = { "worker", "imager" };
static const char *const kind_a[PROC_KINDS] = { "a worker", "an imager" };
static const char *const kind_plural[PROC_KINDS] = { "workers", "imagers" };

/*
 * The respawn backoff of one kind of process. Page workers and imagers
 * back off apart: an image that crashes its decoder must never hold back
 * a page worker's respawn, nor make /readyz fail (which would take the
 * whole site out of a load balancer); while imagers back off, only /_img
 * resizes wait (and answer 503 after IMAGE_WAIT_SEC, imgroute.c).
 */
struct backoff {
	unsigned fast_fails;	/* respawn rounds in a row with a young death */
	bool	 counted;	/* this round's young death is in fast_fails:
				 * others dying with it (one cause) are not */
	time_t	 respawn_at;	/* 0 = no wait */
};

struct proc {
	pid_t	 pid;		/* 0 = slot free */
	enum proc_kind kind;
	bool	 retiring;	/* told to stop after a reload */
	time_t	 started;
	unsigned conf_epoch;	/* the configuration it started with */
};

struct master {
	pid_t			 pid;		/* the master's, for its children */
	const struct settings	*settings;
	struct conf		*conf;
	struct listeners	*ls;
	int			 imager_fd;	/* the imagers' unix listener */
	struct metrics		*m;
	int			 epfd;
	int			 sigfd;
	struct proc		 procs[METRICS_SLOTS];
	struct backoff		 backoff[PROC_KINDS];
	struct watcher		 watch;
	int64_t			 change_first;	/* ms: first unbuilt change, 0 = none */
	int64_t			 change_last;
	bool			 reloading;	/* tell systemd READY=1 when built */
	unsigned		 conf_epoch;	/* reloads committed so far */
	pid_t			 builder;
	unsigned		 build_epoch;	/* conf_epoch the build started with */
	time_t			 build_deadline;
	bool			 build_again;	/* asked for while one ran, or
						 * its fork failed: started
						 * when it can be */
	unsigned		 changed_runs;	/* builds in a row that found
						 * sources changing */
	time_t			 retire_deadline; /* old workers are killed then */
	time_t			 fork_retry_at;	/* mono: no fork before, 0 = none */
	unsigned		 fork_fails;	/* forks failed in a row */
	bool			 ready;		/* the first index is published */
	uint64_t		 generation;
	time_t			 next_publish;
	bool			 stopping;
	bool			 imagers_told;	/* to stop, once the workers left */
	time_t			 stop_deadline;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / 1000000;
}

static size_t
count_procs(const struct master *ms, bool count_retiring, int kind)
{
	size_t n = 0;

	for (size_t i = 0; i < METRICS_SLOTS; i++)
		if (ms->procs[i].pid != 0 &&
		    (kind == -1 || ms->procs[i].kind == (enum proc_kind)kind) &&
		    (count_retiring || !ms->procs[i].retiring))
			n++;
	return n;
}

/* How many processes of a kind the configuration asks for. */
static size_t
kind_want(const struct master *ms, enum proc_kind kind)
{
	return kind == PROC_WORKER ? (size_t)conf_workers(ms->conf) :
	    (size_t)ms->conf->image_workers;
}

/* Children serving: workers and imagers. */
static size_t
workers_alive(const struct master *ms, bool count_retiring)
{
	return count_procs(ms, count_retiring, -1);
}

/* Signals the children serving: all, or only the retiring ones, of one
 * kind or (-1) of both, as count_procs() counts them. */
static void
signal_procs(struct master *ms, int sig, bool retiring_only, int kind)
{
	for (size_t i = 0; i < METRICS_SLOTS; i++)
		if (ms->procs[i].pid != 0 &&
		    (kind == -1 || ms->procs[i].kind == (enum proc_kind)kind) &&
		    (!retiring_only || ms->procs[i].retiring))
			kill(ms->procs[i].pid, sig);
}

/* base doubled times times, at most max. */
static unsigned
doubled(unsigned base, unsigned times, unsigned max)
{
	unsigned v = base;

	for (; times > 0 && v < max; times--)
		v *= 2;
	return v < max ? v : max;
}

/* --- Forking --------------------------------------------------------- */

/* True while forks wait for the retry after one failed: what was to be
 * forked meanwhile is started then (retry_forks()). */
static bool
fork_deferred(const struct master *ms)
{
	return ms->fork_retry_at != 0;
}

/*
 * A fork failed: out of processes (RLIMIT_NPROC, a cgroup's pids.max) or
 * memory. Every fork waits for the retry, or for a child's exit, which
 * may be what makes room (reap()); the wait doubles while forks keep
 * failing. The first failure of a run is logged, and the end of the run.
 */
static void
fork_failed(struct master *ms, int err, const char *what)
{
	unsigned wait = doubled(FORK_RETRY_MIN_SEC, ms->fork_fails,
	    FORK_RETRY_MAX_SEC);

	metrics_add(&ms->m->fork_failures, 1);
	ms->fork_retry_at = proc_mono_sec() + wait;
	if (ms->fork_fails++ == 0)
		log_warnx("fork for %s: %s; trying again in %u s, then up to"
		    " %d s apart until it works", what, strerror(err), wait,
		    FORK_RETRY_MAX_SEC);
}

static void
fork_worked(struct master *ms)
{
	if (ms->fork_fails == 0)
		return;
	log_info("fork works again, after %u failed tr%s", ms->fork_fails,
	    ms->fork_fails == 1 ? "y" : "ies");
	ms->fork_fails = 0;
}

/* --- Building -------------------------------------------------------- */

static noreturn void
build_child(struct master *ms)
{
	struct build_result res;
	char err[CONF_ERR_MAX];
	unsigned flags = 0;

	log_role("build");
	proc_follow_parent(ms->pid);
	proc_name("foliod build");
	proc_tune_for_build();
	signals_unblock();
	if (ms->watch.fd != -1)
		close(ms->watch.fd);
	if (proc_drop_privileges(ms->conf->user, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(1);
	}
	proc_follow_parent(ms->pid);
	/* Only the first build after a start serves before it compresses;
	 * the one it asks for next always compresses, whatever it finds. */
	if (ms->generation == 0)
		flags |= BUILD_FAST_START;
	if (ms->changed_runs >= BUILD_CHANGED_MAX)
		flags |= BUILD_LEAVE_CHANGED;
	if (build_site(ms->conf, ms->generation + 1, time(NULL),
	    ms->conf->run_dir, INDEX_FILE, flags, &res, err,
	    sizeof(err)) == -1) {
		if (res.changed > 0) {
			log_info("%s; building again", err);
			_exit(BUILD_EXIT_CHANGED);
		}
		log_warnx("index build failed: %s", err);
		_exit(1);
	}
	if (res.problems)
		log_warnx("%zu content file%s skipped (see above)", res.problems,
		    res.problems == 1 ? "" : "s");
	log_debug("%zu routes, %zu unchanged", res.entries, res.reused);
	_exit(0);
}

/* Starts a build now, or once the running one ends, or at the retry of a
 * fork that failed. */
static void
start_build(struct master *ms)
{
	pid_t pid;

	ms->build_again = true;
	if (ms->builder != 0 || fork_deferred(ms))
		return;
	if ((pid = fork()) == -1) {
		fork_failed(ms, errno, "the index build");
		return;
	}
	if (pid == 0)
		build_child(ms);
	fork_worked(ms);
	ms->build_again = false;
	ms->builder = pid;
	ms->build_epoch = ms->conf_epoch;
	ms->build_deadline = proc_mono_sec() + BUILD_TIMEOUT_SEC;
}

/* Reads the header of the index the builder left, and publishes it. */
static int
publish(struct master *ms)
{
	char path[PATH_MAX], err[CONF_ERR_MAX] = "run_dir: path too long";
	struct ix_header h;

	if (index_path(ms->conf->run_dir, path, sizeof(path)) == -1 ||
	    index_peek(path, &h, err, sizeof(err)) == -1) {
		log_warnx("new index unusable: %s", err);
		return -1;
	}
	ms->generation = h.generation;
	ms->next_publish = (time_t)h.next_publish;
	metrics_store(&ms->m->entries, h.nentries);
	metrics_store(&ms->m->build_ms, h.build_ms);
	metrics_store(&ms->m->deferred, h.deferred);
	metrics_add(&ms->m->builds, 1);
	metrics_store(&ms->m->generation, ms->generation);
	log_info("index generation %llu published: %u routes, built in %u ms%s",
	    (unsigned long long)ms->generation, h.nentries, h.build_ms,
	    h.deferred ? "; compressing its pages next" : "");
	/* A fast first build (BUILD_FAST_START): the next one compresses. */
	if (h.deferred > 0)
		ms->build_again = true;
	return 0;
}

static void
notify_ready(const struct master *ms)
{
	char text[NOTIFY_TEXT_MAX];

	snprintf(text, sizeof(text), "READY=1\nMAINPID=%ld\nSTATUS=serving"
	    " index generation %llu", (long)getpid(),
	    (unsigned long long)ms->generation);
	notify(text);
}

static void spawn_workers(struct master *);

/*
 * Once an index built with a reloaded configuration is published: the
 * processes started with an older one finish what they have and exit, and
 * new ones start with the new configuration (and listeners). Not before:
 * until then the old index is served, and the old workers serve it as
 * they were told to.
 */
static void
roll_workers(struct master *ms, unsigned epoch)
{
	bool any = false;

	for (size_t i = 0; i < METRICS_SLOTS; i++) {
		struct proc *p = &ms->procs[i];
		if (p->pid != 0 && !p->retiring && p->conf_epoch < epoch) {
			p->retiring = true;
			any = true;
		}
	}
	if (!any)
		return;
	signal_procs(ms, SIGTERM, true, -1);
	ms->retire_deadline = proc_mono_sec() + ms->conf->shutdown_timeout;
}

/* Old workers get shutdown_timeout to finish, as on a stop. */
static void
check_retired(struct master *ms, time_t now)
{
	bool left = false;

	for (size_t i = 0; i < METRICS_SLOTS; i++)
		left |= ms->procs[i].pid != 0 && ms->procs[i].retiring;
	if (!left) {
		ms->retire_deadline = 0;
		return;
	}
	if (ms->retire_deadline == 0 || now < ms->retire_deadline)
		return;
	log_warnx("old workers still busy after shutdown_timeout; killing them");
	signal_procs(ms, SIGKILL, true, -1);
	ms->retire_deadline = 0;
}

/*
 * Empties the image cache at start: what is there may be from another
 * configuration, and starting from nothing means its size is known without
 * reading it. Done as the user the imagers run as, so the files it makes
 * are theirs.
 */
static void
clear_cache(const struct conf *conf, pid_t master)
{
	struct imgcache cache;
	char err[CONF_ERR_MAX];
	int status;
	pid_t pid;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		proc_follow_parent(master);
		if (proc_drop_privileges(conf->user, err, sizeof(err)) == -1)
			fatalx("%s", err);
		proc_follow_parent(master);
		if (imgcache_open(&cache, conf->cache_dir, conf->cache_max_bytes,
		    IMGCACHE_CLEAR) == -1)
			fatal("cache_dir %s", conf->cache_dir);
		imgcache_close(&cache);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fatalx("cache_dir %s cannot be used; see above", conf->cache_dir);
}

/* Temp files of builds that a crash or a kill cut short. */
static void
remove_stale_temps(const char *run_dir)
{
	static const char prefix[] = "." INDEX_FILE ".tmp.";
	struct dirent *de;
	DIR *d;

	if ((d = opendir(run_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, sizeof(prefix) - 1) == 0 &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_info("removed %s/%s left by an earlier build",
			    run_dir, de->d_name);
	closedir(d);
}

/* A build that was killed leaves its temp file; nothing else will. */
static void
remove_build_temp(const struct master *ms, pid_t pid)
{
	char path[PATH_MAX];

	int n = snprintf(path, sizeof(path), "%s/." INDEX_FILE ".tmp.%ld",
	    ms->conf->run_dir, (long)pid);

	if (n > 0 && (size_t)n < sizeof(path))
		(void)unlink(path);
}

/* A change to build for, once the tree has been quiet (on_timers()). */
static void
note_change(struct master *ms)
{
	int64_t now = mono_ms();

	if (ms->change_first == 0)
		ms->change_first = now;
	ms->change_last = now;
}

/*
 * A build that published nothing. During a stop that is the stop's doing
 * (begin_stop() sent it SIGTERM), not a failure; and before the first
 * index there is nothing to finish, so the stop is complete.
 */
static void
build_failed(struct master *ms, int status)
{
	if (ms->stopping) {
		if (ms->ready)
			return;
		log_info("stopped before the first index was built");
		exit(0);
	}
	metrics_add(&ms->m->build_failures, 1);
	if (WIFSIGNALED(status))
		log_warnx("index build killed by signal %d", WTERMSIG(status));
	if (!ms->ready)
		fatalx("no index could be built; fix the problem above and"
		    " start foliod again");
	log_warnx("keeping index generation %llu",
	    (unsigned long long)ms->generation);
}

static void
build_done(struct master *ms, int status)
{
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	bool changed = WIFEXITED(status) &&
	    WEXITSTATUS(status) == BUILD_EXIT_CHANGED;

	if (!ok)
		remove_build_temp(ms, ms->builder);
	ms->builder = 0;
	ms->changed_runs = changed ? ms->changed_runs + 1 : 0;
	if (changed) {
		/* Neither a failure nor the end of a reload: the build starts
		 * again once the tree has been quiet for the debounce, and the
		 * current index stays until then. */
		note_change(ms);
		spawn_workers(ms);
		return;
	}
	bool published = ok && publish(ms) == 0;

	if (published) {
		if (!ms->ready)
			notify_ready(ms);
		ms->ready = true;
	} else {
		build_failed(ms, status);
	}
	/* A build that started before the last reload does not end it. */
	if (ms->reloading && ms->build_epoch == ms->conf_epoch) {
		ms->reloading = false;
		notify_ready(ms);	/* the reload is done, built or not */
	}
	if (published && !ms->stopping)
		roll_workers(ms, ms->build_epoch);
	spawn_workers(ms);
	if (ms->build_again && !ms->stopping)
		start_build(ms);
}

/* --- Workers --------------------------------------------------------- */

static int
spawn_worker(struct master *ms, int slot, enum proc_kind kind)
{
	char err[CONF_ERR_MAX];
	pid_t pid;

	if ((pid = fork()) == -1) {
		fork_failed(ms, errno, kind_a[kind]);
		return -1;
	}
	if (pid == 0) {
		/* Named before anything can fail, so a failure is logged as
		 * the child's; worker_main and imager_main add the slot. */
		log_role(kind_name[kind]);
		proc_follow_parent(ms->pid);
		close(ms->epfd);
		close(ms->sigfd);
		if (ms->watch.fd != -1)
			close(ms->watch.fd);
		if (proc_drop_privileges(ms->conf->user, err, sizeof(err)) == -1)
			fatalx("%s", err);
		proc_follow_parent(ms->pid);
		if (kind == PROC_IMAGER) {
			close(ms->ls->public_fd);
			close(ms->ls->admin_fd);
			imager_main(ms->conf, ms->imager_fd, ms->m, slot);
		}
		close(ms->imager_fd);
		worker_main(ms->conf, ms->ls, ms->m, slot);
	}
	fork_worked(ms);
	ms->procs[slot] = (struct proc){ .pid = pid, .kind = kind,
	    .started = proc_mono_sec(), .conf_epoch = ms->conf_epoch };
	ms->m->w[slot].pid = pid;
	/* A new respawn round: the next young death counts again. */
	ms->backoff[kind].counted = false;
	return 0;
}

static void
spawn_kind(struct master *ms, enum proc_kind kind, size_t want)
{
	if (proc_mono_sec() < ms->backoff[kind].respawn_at ||
	    fork_deferred(ms))
		return;
	for (int i = 0; i < METRICS_SLOTS &&
	    count_procs(ms, false, (int)kind) < want; i++)
		if (ms->procs[i].pid == 0 && spawn_worker(ms, i, kind) == -1)
			break;
}

static void
spawn_workers(struct master *ms)
{
	if (!ms->ready || ms->stopping)
		return;
	spawn_kind(ms, PROC_WORKER, kind_want(ms, PROC_WORKER));
	spawn_kind(ms, PROC_IMAGER, kind_want(ms, PROC_IMAGER));
	metrics_store(&ms->m->workers, count_procs(ms, true, PROC_WORKER));
}

/* The metric behind /readyz follows the page workers alone. */
static void
set_backoff_metric(struct master *ms, enum proc_kind kind, uint64_t on)
{
	if (kind == PROC_WORKER)
		metrics_store(&ms->m->backoff, on);
}

/*
 * A young death. The first round of them is respawned at once; each round
 * after it doubles the wait, up to the maximum. A round is what dies
 * between two respawns of the kind: workers that die together, of one
 * cause, count once, as one worker dying would.
 */
static void
back_off(struct master *ms, enum proc_kind kind)
{
	struct backoff *b = &ms->backoff[kind];
	unsigned delay;

	if (b->counted)
		return;
	b->counted = true;
	if (++b->fast_fails < 2)
		return;
	delay = doubled(1, b->fast_fails - 2, RESPAWN_BACKOFF_MAX_SEC);
	b->respawn_at = proc_mono_sec() + delay;
	set_backoff_metric(ms, kind, 1);
	if (kind == PROC_IMAGER)
		log_warnx("imagers keep dying (look for an image that crashes"
		    " them); resizes wait for them; next respawn in %u s",
		    delay);
	else
		log_warnx("workers keep dying; next respawn in %u s", delay);
}

static void
worker_died(struct master *ms, struct proc *p, int status)
{
	time_t lived = proc_mono_sec() - p->started;
	const char *name = kind_name[p->kind];

	if (WIFSIGNALED(status))
		log_warnx("%s %ld killed by signal %d (%s)%s", name,
		    (long)p->pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WCOREDUMP(status) ? ", core dumped" : "");
	else if (WEXITSTATUS(status) != 0 || (!p->retiring && !ms->stopping))
		log_warnx("%s %ld exited with status %d", name, (long)p->pid,
		    WEXITSTATUS(status));
	bool expected = p->retiring || ms->stopping;
	p->pid = 0;
	p->retiring = false;
	metrics_store(&ms->m->workers, count_procs(ms, true, PROC_WORKER));
	if (expected)
		return;
	metrics_add(&ms->m->respawns, 1);
	if (lived >= RESPAWN_FAST_FAIL_SEC) {
		ms->backoff[p->kind].fast_fails = 0;
		return;
	}
	back_off(ms, p->kind);
}

/* The retry after a failed fork: missing workers first, as they serve,
 * then a build that is wanted. */
static void
retry_forks(struct master *ms)
{
	ms->fork_retry_at = 0;
	if (ms->stopping)
		return;
	spawn_workers(ms);
	if (ms->build_again)
		start_build(ms);
}

static void
reap(struct master *ms)
{
	bool reaped = false;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		reaped = true;
		if (pid == ms->builder) {
			build_done(ms, status);
			continue;
		}
		for (size_t i = 0; i < METRICS_SLOTS; i++) {
			if (ms->procs[i].pid == pid) {
				worker_died(ms, &ms->procs[i], status);
				break;
			}
		}
		/* Anything else is an orphan we adopted as PID 1. */
	}
	/* Under a process limit, an exit is what makes room for a fork that
	 * failed: try it now, not at its retry (at most once per exit). */
	if (reaped && fork_deferred(ms))
		retry_forks(ms);
	else
		spawn_workers(ms);
}

/* --- Signals --------------------------------------------------------- */

/* Opens the listeners a reloaded configuration moved, before anything is
 * changed, so a port that cannot be had refuses the whole reload. The old
 * ones are closed here; the workers still serving on them hold their own. */
static int
reopen_listeners(struct master *ms, const struct conf *next, char *err,
    size_t errlen)
{
	int pub = -1, adm = -1;

	if (strcmp(next->listen, ms->conf->listen) != 0 &&
	    (pub = net_listen(next->listen, err, errlen)) == -1)
		return -1;
	if (strcmp(next->admin_listen, ms->conf->admin_listen) != 0 &&
	    (adm = net_listen(next->admin_listen, err, errlen)) == -1) {
		if (pub != -1)
			close(pub);
		return -1;
	}
	if (pub != -1) {
		close(ms->ls->public_fd);
		ms->ls->public_fd = pub;
		log_info("now listening on %s", next->listen);
	}
	if (adm != -1) {
		close(ms->ls->admin_fd);
		ms->ls->admin_fd = adm;
		log_info("admin now listening on %s", next->admin_listen);
	}
	return 0;
}

/* (Re)opens the watches over dir. A root that is missing now is watched
 * once it is back (watcher_retry() on the master's timer). */
static void
watch_content(struct master *ms, const char *dir)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char err[CONF_ERR_MAX];
	int rc;

	if (ms->watch.fd != -1)
		watcher_close(&ms->watch);
	if ((rc = watcher_open(&ms->watch, dir, err, sizeof(err))) == -1) {
		log_warnx("content changes are not watched (%s); send SIGHUP"
		    " after changing content", err);
		return;
	}
	if (rc == 1)
		log_warnx("content changes are not watched yet (%s); trying"
		    " again every %d s", err, WATCH_RETRY_SEC);
	ev.data.fd = ms->watch.fd;
	if (epoll_ctl(ms->epfd, EPOLL_CTL_ADD, ms->watch.fd, &ev) == -1)
		log_warn("epoll_ctl inotify");
}

/*
 * What a reloaded configuration needs beyond being valid, checked before
 * anything is changed, as start-up checks it (main.c): its directories
 * can be made and given to the user the children run as. run_dir and user
 * take effect only at a start: the master's image socket is bound in
 * run_dir and owned by the user, and the running index is there.
 */
static int
reload_usable(const struct master *ms, const struct conf *next, char *err,
    size_t errlen)
{
	if (strcmp(next->run_dir, ms->conf->run_dir) != 0) {
		snprintf(err, errlen, "run_dir changed, which takes a restart;"
		    " restart foliod or put the old run_dir back");
		return -1;
	}
	if (strcmp(next->user, ms->conf->user) != 0) {
		snprintf(err, errlen, "user changed, which takes a restart;"
		    " restart foliod or put the old user back");
		return -1;
	}
	if (proc_mkdirs(next->run_dir, err, errlen) == -1 ||
	    proc_chown_for(next->run_dir, next->user, err, errlen) == -1 ||
	    proc_mkdirs(next->cache_dir, err, errlen) == -1 ||
	    proc_chown_for(next->cache_dir, next->user, err, errlen) == -1)
		return -1;
	return 0;
}

/* A new configuration starts with a clean slate: what made processes die,
 * or forks fail, may be what the operator just fixed. */
static void
end_backoff(struct master *ms)
{
	for (int k = 0; k < PROC_KINDS; k++) {
		ms->backoff[k] = (struct backoff){ 0 };
		set_backoff_metric(ms, (enum proc_kind)k, 0);
	}
	ms->fork_retry_at = 0;
}

static void
reload(struct master *ms)
{
	static struct conf next;
	char err[CONF_ERR_MAX];

	log_info("reloading configuration and content");
	notify("RELOADING=1");
	ms->reloading = true;
	if (settings_load(ms->settings, &next, err, sizeof(err)) == -1 ||
	    reload_usable(ms, &next, err, sizeof(err)) == -1 ||
	    reopen_listeners(ms, &next, err, sizeof(err)) == -1) {
		log_warnx("reload refused: %s; keeping the running"
		    " configuration", err);
		ms->reloading = false;
		notify_ready(ms);
		return;
	}
	/* Always: the old watches may have been lost (the tree renamed away
	 * and back), and this is what the operator was told to do. */
	watch_content(ms, next.content_dir);
	*ms->conf = next;
	ms->conf_epoch++;
	end_backoff(ms);
	spawn_workers(ms);
	start_build(ms);
}

static void
begin_stop(struct master *ms, bool now)
{
	if (now) {
		log_info("stopping now");
		signal_procs(ms, SIGQUIT, false, -1);
		if (ms->builder)
			kill(ms->builder, SIGKILL);
		exit(0);
	}
	if (ms->stopping)
		return;
	log_info("stopping: finishing requests in flight (up to %d s)",
	    ms->conf->shutdown_timeout);
	notify("STOPPING=1");
	ms->stopping = true;
	ms->stop_deadline = proc_mono_sec() + ms->conf->shutdown_timeout;
	close(ms->ls->public_fd);
	close(ms->ls->admin_fd);
	/* The imagers stop after the workers (stop_imagers()): a worker's
	 * /_img question may still sit in their queue. */
	signal_procs(ms, SIGTERM, false, PROC_WORKER);
	if (ms->builder)
		kill(ms->builder, SIGTERM);
}

static void
on_signal(struct master *ms, int sig)
{
	switch (sig) {
	case SIGCHLD:
		reap(ms);
		break;
	case SIGHUP:
		if (!ms->stopping)
			reload(ms);
		break;
	case SIGTERM:
	case SIGINT:
		begin_stop(ms, false);
		break;
	case SIGQUIT:
		begin_stop(ms, true);
		break;
	case SIGUSR1:
		signal_procs(ms, SIGUSR1, false, -1);
		break;
	}
}

/* --- Timers and the loop --------------------------------------------- */

/*
 * When the next debounced rebuild is due (ms), 0 if none. A stop builds
 * nothing, so nothing is due during one: a deadline passed and never acted
 * on would make next_timeout() 0 and spin the loop.
 */
static int64_t
change_due(const struct master *ms)
{
	int64_t quiet = ms->change_last + DEBOUNCE_MS,
	    latest = ms->change_first + DEBOUNCE_MAX_MS;

	if (ms->change_first == 0 || ms->stopping)
		return 0;
	return quiet < latest ? quiet : latest;
}

/* When a scheduled post is due (wall clock), 0 if none; as change_due(). */
static time_t
publish_due(const struct master *ms)
{
	return ms->stopping ? 0 : ms->next_publish;
}

static void
earliest(int64_t *soonest, int64_t at, int64_t now)
{
	if (at > 0 && at - now < *soonest)
		*soonest = at - now;
}

static int
next_timeout(const struct master *ms)
{
	int64_t now = mono_ms(), soonest = MASTER_IDLE_MS;

	for (int k = 0; k < PROC_KINDS; k++) {
		earliest(&soonest, (int64_t)ms->backoff[k].respawn_at *
		    MS_PER_SEC, now);
		if (ms->backoff[k].fast_fails)
			earliest(&soonest, now + MS_PER_SEC, now);
	}
	earliest(&soonest, (int64_t)ms->retire_deadline * MS_PER_SEC, now);
	earliest(&soonest, (int64_t)ms->fork_retry_at * MS_PER_SEC, now);
	if (ms->builder)
		earliest(&soonest, (int64_t)ms->build_deadline * MS_PER_SEC, now);
	if (publish_due(ms))
		earliest(&soonest, now + ((int64_t)publish_due(ms) -
		    (int64_t)time(NULL)) * MS_PER_SEC, now);
	earliest(&soonest, change_due(ms), now);
	if (watcher_lost(&ms->watch))
		earliest(&soonest, now + WATCH_RETRY_SEC * MS_PER_SEC, now);
	if (ms->stopping)
		earliest(&soonest, now + MS_PER_SEC, now);
	return soonest < 0 ? 0 : (int)soonest;
}

/*
 * On a graceful stop the imagers answer every question the workers queued
 * for them, and are told to stop only once the last worker has left: an
 * imager stops after the resize it is doing, and a question left in the
 * queue would hold its worker, and the client, until shutdown_timeout.
 */
static void
stop_imagers(struct master *ms)
{
	if (ms->imagers_told || count_procs(ms, true, PROC_WORKER) > 0)
		return;
	ms->imagers_told = true;
	signal_procs(ms, SIGTERM, false, PROC_IMAGER);
}

/* Processes of a kind that have lived long enough end its crash loop. */
static void
check_recovered(struct master *ms, enum proc_kind kind)
{
	struct backoff *b = &ms->backoff[kind];
	time_t now = proc_mono_sec();

	if (b->fast_fails == 0 || b->respawn_at != 0)
		return;
	/* A slot that could not be filled again (a fork failed) is not
	 * stability: its process has yet to live long enough. */
	if (count_procs(ms, false, (int)kind) < kind_want(ms, kind))
		return;
	for (size_t i = 0; i < METRICS_SLOTS; i++)
		if (ms->procs[i].pid != 0 && ms->procs[i].kind == kind &&
		    now - ms->procs[i].started < RESPAWN_FAST_FAIL_SEC)
			return;
	b->fast_fails = 0;
	set_backoff_metric(ms, kind, 0);
	log_info("%s are stable again", kind_plural[kind]);
}

/* A kind whose backoff wait is over is respawned. */
static void
check_backoff(struct master *ms, enum proc_kind kind, time_t now)
{
	struct backoff *b = &ms->backoff[kind];

	if (b->respawn_at && now >= b->respawn_at) {
		b->respawn_at = 0;
		spawn_workers(ms);
	}
	check_recovered(ms, kind);
}

static void
on_timers(struct master *ms)
{
	time_t now = proc_mono_sec();
	int64_t due = change_due(ms);

	if (ms->builder && now >= ms->build_deadline) {
		log_warnx("index build ran over %d s; killing it",
		    BUILD_TIMEOUT_SEC);
		kill(ms->builder, SIGKILL);
		ms->build_deadline = now + BUILD_TIMEOUT_SEC;
	}
	if (due && mono_ms() >= due) {
		ms->change_first = ms->change_last = 0;
		start_build(ms);
	}
	if (publish_due(ms) && time(NULL) >= publish_due(ms)) {
		log_info("a scheduled post is due; rebuilding");
		ms->next_publish = 0;
		start_build(ms);
	}
	if (ms->fork_retry_at && now >= ms->fork_retry_at)
		retry_forks(ms);
	/* What changed while nothing was watched is built for. */
	if (!ms->stopping && watcher_retry(&ms->watch))
		note_change(ms);
	for (int k = 0; k < PROC_KINDS; k++)
		check_backoff(ms, (enum proc_kind)k, now);
	check_retired(ms, now);
	if (ms->stopping) {
		stop_imagers(ms);
		if (workers_alive(ms, true) == 0 && ms->builder == 0) {
			log_info("stopped");
			exit(0);
		}
		if (now >= ms->stop_deadline) {
			log_warnx("shutdown_timeout passed; killing workers");
			signal_procs(ms, SIGKILL, false, -1);
			ms->stop_deadline = now + RESPAWN_BACKOFF_MAX_SEC;
		}
	}
}

static void
on_content_change(struct master *ms)
{
	if (watcher_read(&ms->watch))
		note_change(ms);
}

noreturn void
master_run(const struct settings *s, struct conf *conf, struct listeners *l)
{
	struct master ms = { .pid = getpid(), .settings = s, .conf = conf,
	    .ls = l };
	struct epoll_event ev = { .events = EPOLLIN }, evs[MASTER_EVENTS];
	char err[CONF_ERR_MAX];

	log_role("master");
	notify_init();
	signals_block();
	if ((ms.m = metrics_create()) == NULL)
		fatal("shared memory for metrics");
	if ((ms.sigfd = signals_fd()) == -1)
		fatal("signalfd");
	if ((ms.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	ev.data.fd = ms.sigfd;
	if (epoll_ctl(ms.epfd, EPOLL_CTL_ADD, ms.sigfd, &ev) == -1)
		fatal("epoll_ctl");
	ms.watch.fd = -1;
	watch_content(&ms, conf->content_dir);
	remove_stale_temps(conf->run_dir);
	clear_cache(conf, ms.pid);
	if ((ms.imager_fd = imager_listen(conf, err, sizeof(err))) == -1)
		fatalx("%s", err);
	log_info("foliod %s serving %s on %s (admin %s)", FOLIOD_VERSION,
	    conf->content_dir, conf->listen, conf->admin_listen);
	start_build(&ms);
	for (;;) {
		int n = epoll_wait(ms.epfd, evs, MASTER_EVENTS, next_timeout(&ms));
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == ms.watch.fd)
				on_content_change(&ms);
			else
				for (int sig; (sig = signals_read(ms.sigfd)) != 0;)
					on_signal(&ms, sig);
		}
		on_timers(&ms);
	}
}
