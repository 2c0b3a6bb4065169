/*
 * conn.c: a worker's connections, from accept to close: reading request
 * heads into the connection's fixed buffer, writing responses (writev for
 * what is in memory, sendfile for files), keep-alive and pipelining,
 * timeouts, and the access-log line and counters once a response is done.
 */
#include "foliod.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accesslog.h"
#include "log.h"

/* Connections taken from a listener per wakeup, so one worker does not
 * take a whole burst while others idle. */
#define ACCEPT_BATCH		32
/* Bytes handed to sendfile at once, so one big file does not starve the
 * other connections of this worker. */
#define SENDFILE_CHUNK		(1u << 20)
#define ACCESS_LINE_MAX		4096

static void
set_events(struct worker *w, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		log_warn("epoll_ctl");
	c->events = events;
}

static void
release_response(struct conn *c)
{
	if (c->file_fd != -1)
		close(c->file_fd);
	c->file_fd = -1;
	if (c->img_fd != -1)
		close(c->img_fd);	/* also leaves the epoll set */
	c->img_fd = -1;
	free(c->dyn);
	c->dyn = NULL;
	ixref_put(c->ref);
	c->ref = NULL;
}

static void	access_log(struct worker *, struct conn *);

/*
 * A response cut short (the peer gone, a send that stalled past
 * send_timeout) is logged and counted like any other, with the bytes that
 * went out; one of which nothing went out logs 499, nginx's "client closed
 * request", since no status reached the client.
 */
static void
response_aborted(struct worker *w, struct conn *c)
{
	if (c->state == CONN_WAIT || c->sent == 0)
		c->status = HTTP_STATUS_CLIENT_CLOSED;
	access_log(w, c);
	metrics_count(w->slot, c->route, c->status, c->sent);
}

void
conn_close(struct worker *w, struct conn *c)
{
	if (c->state == CONN_WRITE || c->state == CONN_WAIT)
		response_aborted(w, c);
	release_response(c);
	close(c->fd);	/* also removes it from the epoll set */
	c->state = CONN_FREE;
	c->next_free = w->free;
	w->free = c;
	w->active--;
	metrics_store(&w->slot->active, w->active);
}

static void
pause_accepting(struct worker *w)
{
	for (int i = 0; i < 2; i++)
		(void)worker_arm(w, &w->ls[i], false);
	w->accept_resume = w->mono + ACCEPT_PAUSE_SEC;
}

static void
conn_open(struct worker *w, struct listener *l, int fd,
    const struct sockaddr_storage *ss)
{
	struct conn *c = w->free;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	w->free = c->next_free;
	if ((size_t)(c - w->conns) >= w->conns_used)
		w->conns_used = (size_t)(c - w->conns) + 1;
	c->type = EV_CONN;
	c->fd = fd;
	c->state = CONN_READ;
	c->events = EPOLLIN;
	c->admin = l->admin;
	c->requests = 0;
	c->rlen = 0;
	c->file_fd = -1;
	c->img_fd = -1;
	c->deadline = w->mono + w->conf->header_timeout;
	net_host_text(ss, c->client, sizeof(c->client));
	w->active++;
	metrics_add(&w->slot->connections, 1);
	metrics_store(&w->slot->active, w->active);
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl");
		conn_close(w, c);
		return;
	}
	/* The listener defers accept until the request's first bytes are
	 * in: read them now rather than after another trip through epoll. */
	conn_event(w, c, EPOLLIN);
}

void
conn_accept(struct worker *w, struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, accepted = 0;

	if (l->fd == -1)
		return;		/* closed by a stop earlier in this batch */
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		if (w->free == NULL) {
			log_warnx("max_connections (%zu) reached; not accepting"
			    " for %d s", w->nconns, ACCEPT_PAUSE_SEC);
			pause_accepting(w);
			return;
		}
		sslen = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("accept; not accepting for %d s",
				    ACCEPT_PAUSE_SEC);
				pause_accepting(w);
				return;
			}
			if (errno != EAGAIN && errno != ECONNABORTED &&
			    errno != EINTR)
				log_warn("accept");
			break;
		}
		conn_open(w, l, fd, &ss);
		accepted++;
	}
	/*
	 * The kernel wakes the first worker waiting in the listener's queue
	 * (EPOLLEXCLUSIVE), so the same idle worker would take every new
	 * connection, a proxy's few pooled ones included, while the others
	 * idle. Going to the back of the queue after taking some hands the
	 * next connection to another worker.
	 */
	if (accepted > 0 && l->armed && worker_arm(w, l, false) == 0)
		(void)worker_arm(w, l, true);
}

static void
access_log(struct worker *w, struct conn *c)
{
	char line[ACCESS_LINE_MAX];
	struct timespec now;
	struct access_entry e = {
		.client = c->client,
		.time = w->now,
		.status = c->status,
		.bytes = c->sent > c->head_len ? c->sent - c->head_len : 0,
		.minor = 1,
	};
	size_t n;

	if (w->logfd == -1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	e.duration_us = (uint32_t)((now.tv_sec - c->started.tv_sec) * 1000000 +
	    (now.tv_nsec - c->started.tv_nsec) / 1000);
	if (c->parsed) {
		e.method = c->req.method_str;
		e.method_len = c->req.method_len;
		e.target = c->req.target;
		e.target_len = c->req.target_len;
		e.minor = c->req.minor;
		e.referer = c->info.referer;
		e.referer_len = c->info.referer_len;
		e.user_agent = c->info.user_agent;
		e.user_agent_len = c->info.user_agent_len;
		e.host = c->info.host;
		e.host_len = c->info.host_len;
	}
	char proxied[NET_ADDR_TEXT_MAX];
	if (c->parsed && c->info.client != NULL) {
		size_t len = c->info.client_len < sizeof(proxied) - 1 ?
		    c->info.client_len : sizeof(proxied) - 1;
		memcpy(proxied, c->info.client, len);
		proxied[len] = '\0';
		e.client = proxied;
	}
	n = accesslog_format(w->conf->access_log, &e, line, sizeof(line));
	(void)!write(w->logfd, line, n);
}

/* Each write that makes progress gives the peer send_timeout more: the
 * limit is on a stall, not on a slow client's whole download. */
static void
conn_progress(struct worker *w, struct conn *c, ssize_t n)
{
	c->sent += (uint64_t)n;
	c->deadline = w->mono + w->conf->send_timeout;
}

/* Writes what it can; 1 when the response is all out, 0 when the socket is
 * full, -1 when the peer is gone. */
static int
conn_write(struct worker *w, struct conn *c)
{
	struct msghdr msg = { 0 };
	ssize_t n;

	while (c->iov_first < RESP_IOV) {
		struct iovec *iov = &c->iov[c->iov_first];
		if (iov->iov_len == 0) {
			c->iov_first++;
			continue;
		}
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)(RESP_IOV - c->iov_first);
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL |
		    (c->file_fd != -1 ? MSG_MORE : 0));
		if (n == -1)
			return errno == EAGAIN ? 0 : errno == EINTR ? 0 : -1;
		conn_progress(w, c, n);
		for (size_t left = (size_t)n; left > 0 && c->iov_first < RESP_IOV;) {
			iov = &c->iov[c->iov_first];
			size_t take = left < iov->iov_len ? left : iov->iov_len;
			iov->iov_base = (char *)iov->iov_base + take;
			iov->iov_len -= take;
			left -= take;
			if (iov->iov_len == 0)
				c->iov_first++;
		}
	}
	while (c->file_fd != -1 && c->file_off < c->file_end) {
		off_t left = c->file_end - c->file_off;
		n = sendfile(c->fd, c->file_fd, &c->file_off,
		    left < (off_t)SENDFILE_CHUNK ? (size_t)left : SENDFILE_CHUNK);
		if (n == -1)
			return errno == EAGAIN ? 0 : errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1;	/* the file shrank under us */
		conn_progress(w, c, n);
	}
	return 1;
}

/* A response is out: log it, count it, and get ready for the next request
 * (or close). Returns false if the connection was closed. */
static bool
response_done(struct worker *w, struct conn *c)
{
	access_log(w, c);
	metrics_count(w->slot, c->route, c->status, c->sent);
	release_response(c);
	c->state = CONN_READ;
	if (!c->keep_alive || w->stopping) {
		conn_close(w, c);
		return false;
	}
	c->rlen -= c->consumed;
	memmove(c->rbuf, c->rbuf + c->consumed, c->rlen);
	c->consumed = 0;
	c->parsed = false;
	c->deadline = w->mono + (c->rlen ? w->conf->header_timeout :
	    w->conf->keepalive_timeout);
	set_events(w, c, EPOLLIN);
	return true;
}

/* Reads what is there; false if the connection was closed. */
static bool
conn_read(struct worker *w, struct conn *c)
{
	ssize_t n;

	if (c->rlen == sizeof(c->rbuf))
		return true;	/* full: the parser will answer 431 */
	n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		conn_close(w, c);
		return false;
	}
	if (c->rlen == 0)
		c->deadline = w->mono + w->conf->header_timeout;
	c->rlen += (size_t)n;
	return true;
}

/* Runs the connection as far as it can go without blocking. */
static void
conn_run(struct worker *w, struct conn *c)
{
	for (;;) {
		if (c->state == CONN_READ) {
			if (c->rlen == 0)
				return;
			int rc = http_parse_request(c->rbuf, c->rlen, &c->req);
			if (rc == HTTP_PARSE_PARTIAL && c->rlen < sizeof(c->rbuf))
				return;
			if (rc == HTTP_PARSE_PARTIAL)
				rc = HTTP_PARSE_TOO_LARGE;
			clock_gettime(CLOCK_MONOTONIC, &c->started);
			c->consumed = rc > 0 ? (size_t)rc : c->rlen;
			c->sent = c->head_len = 0;
			c->iov_first = 0;
			c->requests++;
			c->state = CONN_WRITE;
			c->deadline = w->mono + w->conf->send_timeout;
			respond(w, c, rc);
			if (c->state == CONN_WAIT) {
				set_events(w, c, EPOLLRDHUP);	/* the imager first */
				return;
			}
		}
		int r = conn_write(w, c);
		if (r == -1) {
			conn_close(w, c);
			return;
		}
		if (r == 0) {
			set_events(w, c, EPOLLOUT);
			return;
		}
		if (!response_done(w, c))
			return;
	}
}

void
conn_resume(struct worker *w, struct conn *c)
{
	c->deadline = w->mono + w->conf->send_timeout;
	conn_run(w, c);
}

void
conn_event(struct worker *w, struct conn *c, uint32_t events)
{
	if (c->state == CONN_FREE)
		return;		/* closed earlier in this batch */
	if (c->state == CONN_WAIT) {
		/* Parked for an imager: only the client's leaving can come,
		 * its FIN (EPOLLRDHUP, asked for) or a reset (EPOLLHUP and
		 * EPOLLERR, always reported). Closing closes the imager
		 * socket, which tells a queued imager not to start. */
		if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			conn_close(w, c);
		return;
	}
	if (c->state == CONN_READ && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	    !conn_read(w, c))
		return;
	if (c->state == CONN_WRITE && (events & (EPOLLHUP | EPOLLERR)) &&
	    !(events & EPOLLOUT)) {
		conn_close(w, c);
		return;
	}
	conn_run(w, c);
}

/* True for a keep-alive connection between requests. A new connection
 * whose first request has not arrived yet is not idle: its client is about
 * to send, and closing it would fail that request. */
static bool
conn_idle(const struct conn *c)
{
	return c->state == CONN_READ && c->rlen == 0 && c->requests > 0;
}

/*
 * An idle connection of a stopping worker: a request the client sent just
 * before is answered (with Connection: close) rather than lost; otherwise
 * the connection is closed.
 */
static void
conn_drain(struct worker *w, struct conn *c)
{
	if (!conn_read(w, c))
		return;		/* the peer closed it */
	if (c->rlen == 0) {
		conn_close(w, c);
		return;
	}
	conn_run(w, c);
}

/*
 * Closes connections past their deadline, and idle ones when stopping. An
 * /_img request whose imager has not answered in time is told so (503)
 * rather than dropped. Deadlines are on the monotonic clock: a step of the
 * wall clock neither drops every connection nor stops the timeouts. They
 * are in whole seconds, so one passes when the clock is beyond it: a
 * timeout of n seconds gives between n and n + 1, never less.
 */
void
conn_sweep(struct worker *w)
{
	/* Only the slots ever used: the rest of the array is never touched,
	 * so it costs no memory. */
	for (size_t i = 0; i < w->conns_used; i++) {
		struct conn *c = &w->conns[i];
		if (c->state == CONN_FREE)
			continue;
		if (w->mono > c->deadline && c->state == CONN_WAIT)
			image_timeout(w, c);
		else if (w->mono > c->deadline)
			conn_close(w, c);
		else if (w->stopping && conn_idle(c))
			conn_drain(w, c);
	}
}
