/*
 * worker.c: a worker process. One epoll loop over the shared listeners, its
 * own connections and its signals; between events it follows the index
 * generation the master publishes, sweeps timed-out connections, and on
 * SIGTERM stops accepting and exits once its connections are done.
 */
#include "foliod.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

#define ROLE_MAX	32
#define LOG_FILE_MODE	0644

static char role[ROLE_MAX];

void
ixref_put(struct ixref *r)
{
	if (r == NULL || --r->refs > 0)
		return;
	index_close(&r->ix);
	if (r->rootfd != -1)
		close(r->rootfd);
	free(r);
}

/* Maps the index at run_dir/index: a new reference, or NULL (err). */
static struct ixref *
map_index(const struct worker *w, char *err, size_t errlen)
{
	char path[PATH_MAX], root[PATH_MAX];
	struct ixref *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	snprintf(err, errlen, "run_dir: path too long");
	if (index_path(w->conf->run_dir, path, sizeof(path)) == -1 ||
	    index_open(&r->ix, path, err, errlen) == -1) {
		free(r);
		return NULL;
	}
	snprintf(root, sizeof(root), "%.*s", (int)r->ix.hdr->root.len,
	    index_blob(&r->ix, r->ix.hdr->root));
	r->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->rootfd == -1)
		log_warn("content root %s", root);
	r->refs = 1;
	r->generation = r->ix.hdr->generation;
	return r;
}

/* True if generation gen is to be opened now: it is new, or opening it
 * failed and its next try is due. */
static bool
index_due(struct worker *w, uint64_t gen)
{
	if (gen != w->gen) {
		w->gen = gen;
		w->gen_fails = 0;
		return true;
	}
	return w->gen_fails > 0 && w->gen_fails < INDEX_OPEN_TRIES &&
	    w->mono >= w->gen_retry_at;
}

/* One line when a generation first fails, one when it is given up, and
 * one when a try after a failure works. */
static void
index_failed(struct worker *w, uint64_t gen, const char *err)
{
	w->gen_retry_at = w->mono + INDEX_RETRY_SEC;
	if (++w->gen_fails == 1)
		log_warnx("cannot use index generation %llu: %s; trying again"
		    " every %d s", (unsigned long long)gen, err,
		    INDEX_RETRY_SEC);
	else if (w->gen_fails == INDEX_OPEN_TRIES)
		log_warnx("gave up on index generation %llu after %d tries: %s",
		    (unsigned long long)gen, INDEX_OPEN_TRIES, err);
}

/* Maps the index the master published, if it is not the one we serve. */
static void
follow_index(struct worker *w)
{
	uint64_t gen = metrics_load(&w->m->generation);
	char err[CONF_ERR_MAX];
	struct ixref *r;

	if (!index_due(w, gen))
		return;
	if ((r = map_index(w, err, sizeof(err))) == NULL) {
		index_failed(w, gen, err);
		return;
	}
	if (w->gen_fails > 0)
		log_info("using index generation %llu after %u failed tries",
		    (unsigned long long)r->generation, w->gen_fails);
	w->gen_fails = 0;
	ixref_put(w->cur);
	w->cur = r;
	/* Image hits were found through the old index's sources. */
	fdcache_flush(&w->imgfds);
	metrics_store(&w->slot->generation, r->generation);
	log_debug("serving index generation %llu",
	    (unsigned long long)r->generation);
}

static void
open_access_log(struct worker *w)
{
	int fd;

	if (w->conf->access_log == ACCESS_LOG_OFF)
		return;
	if (strcmp(w->conf->access_log_file, "-") == 0) {
		if (w->logfd == -1)
			w->logfd = STDOUT_FILENO;
		return;
	}
	fd = open(w->conf->access_log_file,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, LOG_FILE_MODE);
	if (fd == -1) {
		log_warn("access_log_file %s", w->conf->access_log_file);
		return;
	}
	if (w->logfd > STDERR_FILENO)
		close(w->logfd);
	w->logfd = fd;
}

/* EPOLLEXCLUSIVE: a new connection wakes one waiting worker, not all. A
 * listener that cannot be put back is tried again a moment later
 * (accept_resume), so a worker never stays deaf to it. */
int
worker_arm(struct worker *w, struct listener *l, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
	    .data.ptr = l };

	if (l->fd == -1 || l->armed == on)
		return 0;
	if (epoll_ctl(w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, l->fd,
	    &ev) == -1) {
		if (!on) {
			log_warn("epoll_ctl: removing a listener");
			return -1;
		}
		log_warn("epoll_ctl: adding a listener; trying again in %d s",
		    ACCEPT_PAUSE_SEC);
		w->accept_resume = w->mono + ACCEPT_PAUSE_SEC;
		return -1;
	}
	l->armed = on;
	return 0;
}

static void
arm_listeners(struct worker *w, bool on)
{
	for (int i = 0; i < 2; i++)
		(void)worker_arm(w, &w->ls[i], on);
}

static void
stop_accepting(struct worker *w)
{
	arm_listeners(w, false);
	for (int i = 0; i < 2; i++) {
		if (w->ls[i].fd != -1)
			close(w->ls[i].fd);
		w->ls[i].fd = -1;
	}
}

static void
on_signal(struct worker *w, int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		if (w->stopping)
			return;
		w->stopping = true;
		w->stop_deadline = w->mono + w->conf->shutdown_timeout +
		    WORKER_STOP_GRACE_SEC;
		stop_accepting(w);
		conn_sweep(w);	/* closes idle keep-alive connections now */
		break;
	case SIGQUIT:
		_exit(0);
	case SIGUSR1:
		open_access_log(w);
		break;
	default:
		break;	/* HUP and CHLD are the master's */
	}
}

/*
 * The wall clock, read every turn of the loop, for Date and the access
 * log; once a second (its second changes once a second, stepped or not)
 * the monotonic one, which every deadline counts in, and the sweep of
 * expired connections and kept image files.
 */
static void
tick(struct worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != w->now) {
		w->now = ts.tv_sec;
		http_date(w->now, w->date);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		w->mono = ts.tv_sec;
		conn_sweep(w);
		fdcache_expire(&w->imgfds, w->mono);
		if (w->accept_resume && w->mono >= w->accept_resume &&
		    !w->stopping) {
			w->accept_resume = 0;
			arm_listeners(w, true);
		}
		if (w->stopping && w->mono >= w->stop_deadline) {
			log_warnx("shutdown_timeout passed with %zu connections"
			    " in flight; dropping them", w->active);
			_exit(0);
		}
	}
	follow_index(w);
}

/* The /_img allowlists and limits, and this process's cache handle. */
static void
setup_images(struct worker *w, const struct conf *conf)
{
	w->allow.widths = conf->image_widths.v;
	w->allow.nwidths = (size_t)conf->image_widths.n;
	w->allow.qualities = conf->image_qualities.v;
	w->allow.nqualities = (size_t)conf->image_qualities.n;
	w->allow.quality_default = conf->image_qualities.v[0];
	fdcache_init(&w->imgfds, IMG_HIT_VALID_SEC);
	if (imgcache_open(&w->cache, conf->cache_dir, conf->cache_max_bytes,
	    0) == -1)
		fatal("cache_dir %s", conf->cache_dir);
	w->have_cache = true;
}

static void
setup(struct worker *w, const struct conf *conf, const struct listeners *l,
    struct metrics *m, int slot)
{
	struct epoll_event ev = { .events = EPOLLIN };

	snprintf(role, sizeof(role), "worker %d", slot);
	log_role(role);
	proc_name("foliod worker");
	w->conf = conf;
	w->m = m;
	w->slot = &m->w[slot];
	w->slot_no = slot;
	w->logfd = -1;
	w->sig_type = EV_SIGNAL;
	w->ls[0] = (struct listener){ EV_LISTENER, l->public_fd, false, false };
	w->ls[1] = (struct listener){ EV_LISTENER, l->admin_fd, true, false };
	w->nconns = (size_t)conf->max_connections;
	if ((w->conns = calloc(w->nconns, sizeof(struct conn))) == NULL)
		fatal("%zu connection slots", w->nconns);
	for (size_t i = w->nconns; i-- > 0;) {
		w->conns[i].next_free = w->free;
		w->free = &w->conns[i];
	}
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (w->sigfd = signals_fd()) == -1)
		fatal("worker setup");
	ev.data.ptr = &w->sig_type;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->sigfd, &ev) == -1)
		fatal("epoll_ctl");
	open_access_log(w);
	setup_images(w, conf);
	arm_listeners(w, true);
	tick(w);
}

static noreturn void
finish(struct worker *w)
{
	ixref_put(w->cur);
	fdcache_flush(&w->imgfds);
	if (w->have_cache)
		imgcache_close(&w->cache);
	free(w->conns);
	if (w->logfd > STDERR_FILENO)
		close(w->logfd);
	close(w->epfd);
	close(w->sigfd);
	exit(0);
}

noreturn void
worker_main(const struct conf *conf, const struct listeners *l,
    struct metrics *m, int slot)
{
	static struct worker w;
	struct epoll_event evs[WORKER_EVENTS_MAX];

	setup(&w, conf, l, m, slot);
	for (;;) {
		int n = epoll_wait(w.epfd, evs, WORKER_EVENTS_MAX, WORKER_TICK_MS);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		tick(&w);
		for (int i = 0; i < n; i++) {
			enum ev_type *type = evs[i].data.ptr;
			if (*type == EV_LISTENER)
				conn_accept(&w, (struct listener *)type);
			else if (*type == EV_CONN)
				conn_event(&w, (struct conn *)type,
				    evs[i].events);
			else if (*type == EV_IMAGER)
				image_answer(&w, ((struct img_wait *)type)->c);
			else
				for (int sig; (sig = signals_read(w.sigfd)) != 0;)
					on_signal(&w, sig);
		}
		if (w.stopping && w.active == 0)
			finish(&w);
	}
}
