/*
 * master.c: the master process. Builds the page index in a child process,
 * publishes each new generation to the workers through the shared metrics
 * page, forks the workers once the first index exists, reaps and respawns
 * them (backing off when they keep dying), reaps every other child too (it
 * may be PID 1), and acts on signals: HUP reloads, TERM and INT stop
 * gracefully, QUIT stops at once, USR1 is passed on to the workers.
 */
#include "foliod.h"

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

struct proc {
	pid_t	 pid;		/* 0 = slot free */
	bool	 retiring;	/* told to stop after a reload */
	time_t	 started;
};

struct master {
	const struct settings	*settings;
	struct conf		*conf;
	struct listeners	*ls;
	struct metrics		*m;
	int			 epfd;
	int			 sigfd;
	struct proc		 procs[METRICS_SLOTS];
	unsigned		 fast_fails;	/* workers that died young, in a row */
	time_t			 respawn_at;	/* 0 = no wait */
	pid_t			 builder;
	time_t			 build_deadline;
	bool			 build_again;	/* asked for while one ran */
	bool			 roll_workers;	/* after the next build */
	bool			 ready;		/* the first index is published */
	uint64_t		 generation;
	time_t			 next_publish;
	bool			 stopping;
	time_t			 stop_deadline;
};

static time_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static size_t
workers_alive(const struct master *ms, bool count_retiring)
{
	size_t n = 0;

	for (size_t i = 0; i < METRICS_SLOTS; i++)
		if (ms->procs[i].pid != 0 &&
		    (count_retiring || !ms->procs[i].retiring))
			n++;
	return n;
}

static void
signal_workers(struct master *ms, int sig, bool retiring_only)
{
	for (size_t i = 0; i < METRICS_SLOTS; i++)
		if (ms->procs[i].pid != 0 &&
		    (!retiring_only || ms->procs[i].retiring))
			kill(ms->procs[i].pid, sig);
}

/* --- Building -------------------------------------------------------- */

static noreturn void
build_child(struct master *ms)
{
	struct build_result res;
	char err[CONF_ERR_MAX];

	log_role("build");
	signals_unblock();
	if (proc_drop_privileges(ms->conf->user, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(1);
	}
	if (build_site(ms->conf, ms->generation + 1, time(NULL),
	    ms->conf->run_dir, INDEX_FILE, &res, err, sizeof(err)) == -1) {
		log_warnx("index build failed: %s", err);
		_exit(1);
	}
	if (res.problems)
		log_warnx("%zu content file%s skipped (see above)", res.problems,
		    res.problems == 1 ? "" : "s");
	_exit(0);
}

static void
start_build(struct master *ms)
{
	pid_t pid;

	if (ms->builder != 0) {
		ms->build_again = true;
		return;
	}
	ms->build_again = false;
	if ((pid = fork()) == -1) {
		log_warn("fork for the index build");
		return;
	}
	if (pid == 0)
		build_child(ms);
	ms->builder = pid;
	ms->build_deadline = mono_now() + BUILD_TIMEOUT_SEC;
}

/* Reads the header of the index the builder left, and publishes it. */
static int
publish(struct master *ms)
{
	char path[PATH_MAX], err[CONF_ERR_MAX] = "run_dir: path too long";
	struct index ix;

	if (index_path(ms->conf->run_dir, path, sizeof(path)) == -1 ||
	    index_open(&ix, path, err, sizeof(err)) == -1) {
		log_warnx("new index unusable: %s", err);
		return -1;
	}
	ms->generation = ix.hdr->generation;
	ms->next_publish = (time_t)ix.hdr->next_publish;
	metrics_store(&ms->m->entries, ix.hdr->nentries);
	metrics_store(&ms->m->build_ms, ix.hdr->build_ms);
	metrics_add(&ms->m->builds, 1);
	metrics_store(&ms->m->generation, ms->generation);
	log_info("index generation %llu published: %u routes, built in %u ms",
	    (unsigned long long)ms->generation, ix.hdr->nentries,
	    ix.hdr->build_ms);
	index_close(&ix);
	return 0;
}

static void spawn_workers(struct master *);

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

static void
build_done(struct master *ms, int status)
{
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (!ok)
		remove_build_temp(ms, ms->builder);
	ms->builder = 0;
	if (ok && publish(ms) == 0) {
		ms->ready = true;
	} else {
		metrics_add(&ms->m->build_failures, 1);
		if (WIFSIGNALED(status))
			log_warnx("index build killed by signal %d",
			    WTERMSIG(status));
		if (!ms->ready)
			fatalx("no index could be built; fix the problem above"
			    " and start foliod again");
		log_warnx("keeping index generation %llu",
		    (unsigned long long)ms->generation);
	}
	if (ms->roll_workers && !ms->stopping) {
		ms->roll_workers = false;
		for (size_t i = 0; i < METRICS_SLOTS; i++)
			if (ms->procs[i].pid != 0)
				ms->procs[i].retiring = true;
		signal_workers(ms, SIGTERM, true);
	}
	spawn_workers(ms);
	if (ms->build_again && !ms->stopping)
		start_build(ms);
}

/* --- Workers --------------------------------------------------------- */

static int
spawn_worker(struct master *ms, int slot)
{
	char err[CONF_ERR_MAX];
	pid_t pid;

	if ((pid = fork()) == -1) {
		log_warn("fork for a worker");
		return -1;
	}
	if (pid == 0) {
		close(ms->epfd);
		close(ms->sigfd);
		if (proc_drop_privileges(ms->conf->user, err, sizeof(err)) == -1)
			fatalx("%s", err);
		worker_main(ms->conf, ms->ls, ms->m, slot);
	}
	ms->procs[slot] = (struct proc){ .pid = pid, .started = mono_now() };
	ms->m->w[slot].pid = pid;
	return 0;
}

static void
spawn_workers(struct master *ms)
{
	size_t want = (size_t)conf_workers(ms->conf);

	if (!ms->ready || ms->stopping || mono_now() < ms->respawn_at)
		return;
	for (int i = 0; i < METRICS_SLOTS && workers_alive(ms, false) < want;
	    i++)
		if (ms->procs[i].pid == 0 && spawn_worker(ms, i) == -1)
			break;
	metrics_store(&ms->m->workers, workers_alive(ms, true));
}

static void
worker_died(struct master *ms, struct proc *p, int status)
{
	time_t lived = mono_now() - p->started;
	unsigned delay;

	if (WIFSIGNALED(status))
		log_warnx("worker %ld killed by signal %d (%s)%s", (long)p->pid,
		    WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WCOREDUMP(status) ? ", core dumped" : "");
	else if (WEXITSTATUS(status) != 0 || (!p->retiring && !ms->stopping))
		log_warnx("worker %ld exited with status %d", (long)p->pid,
		    WEXITSTATUS(status));
	bool expected = p->retiring || ms->stopping;
	p->pid = 0;
	p->retiring = false;
	metrics_store(&ms->m->workers, workers_alive(ms, true));
	if (expected)
		return;
	metrics_add(&ms->m->respawns, 1);
	if (lived >= RESPAWN_FAST_FAIL_SEC) {
		ms->fast_fails = 0;
		return;
	}
	/* The first young death is respawned at once; each one after it
	 * doubles the wait, up to the maximum. */
	if (++ms->fast_fails < 2)
		return;
	delay = 1;
	for (unsigned i = 2; i < ms->fast_fails &&
	    delay < RESPAWN_BACKOFF_MAX_SEC; i++)
		delay *= 2;
	ms->respawn_at = mono_now() + delay;
	log_warnx("workers keep dying; next respawn in %u s", delay);
}

static void
reap(struct master *ms)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
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
	spawn_workers(ms);
}

/* --- Signals --------------------------------------------------------- */

static void
reload(struct master *ms)
{
	static struct conf next;
	char err[CONF_ERR_MAX];

	log_info("reloading configuration and content");
	if (settings_load(ms->settings, &next, err, sizeof(err)) == -1) {
		log_warnx("reload refused: %s; keeping the running"
		    " configuration", err);
		return;
	}
	if (strcmp(next.listen, ms->conf->listen) != 0 ||
	    strcmp(next.admin_listen, ms->conf->admin_listen) != 0) {
		log_warnx("reload: listen and admin_listen take effect at the"
		    " next start; keeping %s and %s", ms->conf->listen,
		    ms->conf->admin_listen);
		memcpy(next.listen, ms->conf->listen, sizeof(next.listen));
		memcpy(next.admin_listen, ms->conf->admin_listen,
		    sizeof(next.admin_listen));
	}
	*ms->conf = next;
	ms->roll_workers = true;
	start_build(ms);
}

static void
begin_stop(struct master *ms, bool now)
{
	if (now) {
		log_info("stopping now");
		signal_workers(ms, SIGQUIT, false);
		if (ms->builder)
			kill(ms->builder, SIGKILL);
		exit(0);
	}
	if (ms->stopping)
		return;
	log_info("stopping: finishing requests in flight (up to %d s)",
	    ms->conf->shutdown_timeout);
	ms->stopping = true;
	ms->stop_deadline = mono_now() + ms->conf->shutdown_timeout;
	close(ms->ls->public_fd);
	close(ms->ls->admin_fd);
	signal_workers(ms, SIGTERM, false);
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
		signal_workers(ms, SIGUSR1, false);
		break;
	}
}

/* --- Timers and the loop --------------------------------------------- */

static int
next_timeout(const struct master *ms)
{
	time_t now = mono_now(), wall = time(NULL), soonest = MASTER_IDLE_MS;

	if (ms->respawn_at > now)
		soonest = (ms->respawn_at - now) * MS_PER_SEC;
	if (ms->builder && ms->build_deadline > now &&
	    (ms->build_deadline - now) * MS_PER_SEC < soonest)
		soonest = (ms->build_deadline - now) * MS_PER_SEC;
	if (ms->next_publish && (ms->next_publish - wall) * MS_PER_SEC < soonest)
		soonest = (ms->next_publish - wall) * MS_PER_SEC;
	if (ms->stopping)
		soonest = MS_PER_SEC;
	return soonest < 0 ? 0 : (int)soonest;
}

static void
on_timers(struct master *ms)
{
	time_t now = mono_now();

	if (ms->builder && now >= ms->build_deadline) {
		log_warnx("index build ran over %d s; killing it",
		    BUILD_TIMEOUT_SEC);
		kill(ms->builder, SIGKILL);
		ms->build_deadline = now + BUILD_TIMEOUT_SEC;
	}
	if (ms->next_publish && time(NULL) >= ms->next_publish &&
	    !ms->stopping) {
		log_info("a scheduled post is due; rebuilding");
		ms->next_publish = 0;
		start_build(ms);
	}
	if (ms->respawn_at && now >= ms->respawn_at) {
		ms->respawn_at = 0;
		spawn_workers(ms);
	}
	if (ms->stopping) {
		if (workers_alive(ms, true) == 0 && ms->builder == 0) {
			log_info("stopped");
			exit(0);
		}
		if (now >= ms->stop_deadline) {
			log_warnx("shutdown_timeout passed; killing workers");
			signal_workers(ms, SIGKILL, false);
			ms->stop_deadline = now + RESPAWN_BACKOFF_MAX_SEC;
		}
	}
}

noreturn void
master_run(const struct settings *s, struct conf *conf, struct listeners *l)
{
	struct master ms = { .settings = s, .conf = conf, .ls = l };
	struct epoll_event ev = { .events = EPOLLIN }, evs[MASTER_EVENTS];

	log_role("master");
	signals_block();
	if ((ms.m = metrics_create()) == NULL)
		fatal("shared memory for metrics");
	if ((ms.sigfd = signals_fd()) == -1)
		fatal("signalfd");
	if ((ms.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if (epoll_ctl(ms.epfd, EPOLL_CTL_ADD, ms.sigfd, &ev) == -1)
		fatal("epoll_ctl");
	log_info("foliod %s serving %s on %s (admin %s)", FOLIOD_VERSION,
	    conf->content_dir, conf->listen, conf->admin_listen);
	start_build(&ms);
	for (;;) {
		int n = epoll_wait(ms.epfd, evs, MASTER_EVENTS, next_timeout(&ms));
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		for (int sig; n > 0 && (sig = signals_read(ms.sigfd)) != 0;)
			on_signal(&ms, sig);
		on_timers(&ms);
	}
}
