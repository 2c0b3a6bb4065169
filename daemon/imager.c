/*
 * imager.c: the image processes. A resize takes milliseconds to seconds,
 * next to microseconds for a page, so it never runs in a worker: a worker
 * that misses the cache asks one of image_workers imagers over a unix
 * socket in run_dir, and gets back an open descriptor of the image
 * (SCM_RIGHTS) to send with sendfile. An imager answers one question at a
 * time, so image_workers bounds the resizes in flight, and the cache's
 * single flight makes many requests for one cold image cost one resize.
 *
 * The socket answers foliod's own processes only (mode 0600, and the
 * asker's uid checked), and what an asker says is not trusted beyond that:
 * the source is read under this imager's content_dir (a clean relative
 * path, opened beneath it), and the cache key is made from the file read.
 */
#include "foliod.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "buf.h"
#include "log.h"
#include "path.h"

/* Questions waiting for an imager; more are answered 503 at once. */
#define IMAGER_BACKLOG		128
/* A worker sends its question right after connecting. */
#define IMAGER_RECV_TIMEOUT_SEC	5
/* Largest encoded output; a resize never makes more than its source's
 * pixels, so this is generous. */
#define IMAGER_OUTPUT_MAX	((size_t)64 << 20)
#define ROLE_MAX		32
/* The socket is for foliod's own processes, which all run as one user:
 * owner read and write only, whatever the umask or run_dir's mode. */
#define IMAGER_SOCKET_MODE	0600
/* Resizes yield the CPU to the workers: a page must not wait for an image
 * (nice(2) value; SCHED_IDLE would starve resizes on a busy host). */
#define IMAGER_NICE		10
/*
 * Failed resizes an imager remembers, so a source that fails late (data
 * truncated near its end, an output the encoder refuses) costs one decode
 * per IMAGER_FAIL_TTL_SEC and imager, not one per request. The key names
 * the source's identity, so a mended source is tried at once. A fixed
 * table (about 300 bytes a slot); a failure takes its key's slot over.
 */
#define IMAGER_FAIL_SLOTS	256
#define IMAGER_FAIL_TTL_SEC	60

static char role[ROLE_MAX];

struct failure {
	char	key[IMGCACHE_KEY_LEN + 1];
	int	status;			/* enum image_status */
	time_t	until;			/* CLOCK_MONOTONIC seconds */
	char	msg[IMAGE_ERR_MAX];
};

static struct failure failures[IMAGER_FAIL_SLOTS];

_Static_assert((IMAGER_FAIL_SLOTS & (IMAGER_FAIL_SLOTS - 1)) == 0,
    "IMAGER_FAIL_SLOTS is a power of two");

static int
socket_path(const struct conf *conf, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if ((size_t)snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/"
	    IMAGER_SOCKET, conf->run_dir) >= sizeof(sun->sun_path))
		return -1;
	return 0;
}

int
imager_listen(const struct conf *conf, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	if (socket_path(conf, &sun) == -1) {
		snprintf(err, errlen, "run_dir %s: too long for a socket path",
		    conf->run_dir);
		return -1;
	}
	(void)unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Mode and owner are set before listen(): until then a connect() is
	 * refused, so nobody gets in while the mode is still the umask's. */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sun.sun_path, IMAGER_SOCKET_MODE) == -1) {
		snprintf(err, errlen, "%s: %s", sun.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	if (proc_chown_for(sun.sun_path, conf->user, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	if (listen(fd, IMAGER_BACKLOG) == -1) {
		snprintf(err, errlen, "%s: listen: %s", sun.sun_path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct job {
	const struct img_request *req;
	const void	*data;
	size_t		 len;
	struct stat	 st;		/* of the source read */
	struct image_limits lim;
	struct image_info info;		/* the source's probe */
	struct image_plan plan;
	char		 err[IMAGE_ERR_MAX];
};

static int
make_image(void *arg, struct buf *out)
{
	struct job *j = arg;
	struct image_result res;

	return image_resize_probed(j->data, j->len, &j->info, j->plan.width,
	    j->req->quality, j->plan.format, &j->lim, out, &res, j->err,
	    sizeof(j->err));
}

static int
read_all(int fd, char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;	/* an error, or the file shrank */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads the source whole, bounded by image_max_bytes, from under this
 * imager's own content_dir, never a root the asker names. Opened per
 * question: when content_dir is a symlink that gets swapped (git-sync),
 * the current target is the one the latest build used.
 */
static void *
read_source(const struct conf *conf, const struct img_request *req,
    size_t *len, struct stat *stp, struct img_reply *rep)
{
	struct stat st;
	int rootfd, fd = -1;
	char *data = NULL;

	rootfd = open(conf->content_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd == -1)
		log_warn("content_dir %s", conf->content_dir);
	else
		fd = open_beneath(rootfd, req->src);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		rep->status = 404;
		snprintf(rep->msg, sizeof(rep->msg), "url: no such image");
	} else if ((uint64_t)st.st_size > conf->image_max_bytes) {
		rep->status = 413;
		snprintf(rep->msg, sizeof(rep->msg), "url: the source is larger"
		    " than image_max_bytes (%llu)",
		    (unsigned long long)conf->image_max_bytes);
	} else if ((data = malloc((size_t)st.st_size + 1)) == NULL ||
	    read_all(fd, data, (size_t)st.st_size) == -1) {
		rep->status = 503;
		snprintf(rep->msg, sizeof(rep->msg), "could not read the source");
		free(data);
		data = NULL;
	} else {
		*len = (size_t)st.st_size;
		*stp = st;
	}
	if (fd != -1)
		close(fd);
	if (rootfd != -1)
		close(rootfd);
	return data;
}

/* An image that could not be stored (larger than the whole cache) is
 * handed over in an anonymous file. */
static int
memory_file(const char *data, size_t len)
{
	int fd = memfd_create("foliod-image", MFD_CLOEXEC);

	for (size_t off = 0; fd != -1 && off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return fd;
}

static void
count_resize(struct metrics *m, const struct timespec *t0)
{
	static const unsigned bounds[] = METRICS_RESIZE_BUCKETS_MS;
	struct timespec t1;
	uint64_t ms;
	size_t b;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (uint64_t)((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
	for (b = 0; b < METRICS_RESIZE_BUCKETS && ms > bounds[b]; b++)
		;
	metrics_add(&m->resize_buckets[b], 1);
	metrics_add(&m->resize_ms, ms);
	metrics_add(&m->resizes, 1);
}

/*
 * Works out the output from the source's header, and its cache key from
 * the file this imager read (not from anything the worker says), so the
 * key always names what is stored under it. The key takes the output's
 * width, not the one asked for: every width at or above the source's makes
 * the same image, so they share one entry and one resize. The probe is
 * kept in j for the resize, which does not read the header again. Returns
 * 0, or an image_status with j->err set when the header alone refuses the
 * source.
 */
static int
plan_job(struct job *j, struct img_reply *rep)
{
	int rc;

	if ((rc = image_probe(j->data, j->len, &j->lim, &j->info, j->err,
	    sizeof(j->err))) != IMAGE_OK)
		return rc;
	image_plan(&j->info, (uint32_t)j->req->width,
	    j->req->format == IMAGE_FMT_WEBP, &j->plan);
	imgcache_key(j->req->src, &j->st, (int)j->plan.width, j->req->quality,
	    j->plan.format, rep->key);
	rep->format = (int)j->plan.format;
	imgsize_entry_set(&rep->size, &j->st, &j->info);
	return IMAGE_OK;
}

/* A key's slot: keys are hashes already (hex), so their first digits do. */
static struct failure *
failure_slot(const char *key)
{
	char head[9];

	memcpy(head, key, sizeof(head) - 1);
	head[sizeof(head) - 1] = '\0';
	return &failures[strtoul(head, NULL, 16) & (IMAGER_FAIL_SLOTS - 1)];
}

/* Only failures the same bytes and configuration would repeat: an
 * allocation that failed may work the next time. */
static bool
failure_lasts(int status)
{
	return status == IMAGE_ETOOBIG || status == IMAGE_EFORMAT ||
	    status == IMAGE_ECORRUPT || status == IMAGE_EOUTPUT;
}

static void
failure_keep(const char *key, int status, const char *msg)
{
	struct failure *f = failure_slot(key);

	if (!failure_lasts(status))
		return;
	memcpy(f->key, key, sizeof(f->key));
	f->status = status;
	f->until = proc_mono_sec() + IMAGER_FAIL_TTL_SEC;
	snprintf(f->msg, sizeof(f->msg), "%s", msg);
}

/* The status of key's failure within IMAGER_FAIL_TTL_SEC, with its message
 * in err; IMAGE_OK if there is none. */
static int
failure_recall(const char *key, char *err, size_t errlen)
{
	const struct failure *f = failure_slot(key);

	if (f->status == IMAGE_OK || strcmp(f->key, key) != 0 ||
	    proc_mono_sec() >= f->until)
		return IMAGE_OK;
	snprintf(err, errlen, "%s", f->msg);
	return f->status;
}

/* The image from the cache or made now, or a failure remembered
 * (*recalled): imgcache_fetch()'s result. */
static int
fetch(struct imgcache *cache, struct job *j, const char *key,
    struct buf *out, struct imgcache_fetch *f, bool *recalled)
{
	int rc;

	if ((rc = failure_recall(key, j->err, sizeof(j->err))) != IMAGE_OK) {
		*recalled = true;
		return rc;
	}
	if ((rc = imgcache_fetch(cache, key, make_image, j, out, f)) > 0)
		failure_keep(key, rc, j->err);
	return rc;
}

/* Answers one question: the image's descriptor, or -1 with rep set. */
static int
answer(const struct conf *conf, struct imgcache *cache, struct metrics *m,
    const struct img_request *req, struct img_reply *rep)
{
	struct job j = { .req = req };
	struct imgcache_fetch f;
	struct timespec t0;
	struct stat st;
	struct buf out;
	bool recalled = false;
	int rc, fd = -1;

	if ((j.data = read_source(conf, req, &j.len, &j.st, rep)) == NULL)
		return -1;
	j.lim.max_bytes = conf->image_max_bytes;
	j.lim.max_pixels = (uint64_t)conf->image_max_pixels * 1000000;
	buf_init(&out, IMAGER_OUTPUT_MAX);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = plan_job(&j, rep)) == IMAGE_OK)
		rc = fetch(cache, &j, rep->key, &out, &f, &recalled);
	if (rc == 0 && f.outcome == IMGCACHE_MISS)
		count_resize(m, &t0);
	else if (rc > 0 && !recalled)
		metrics_add(&m->resize_failures, 1);
	if (rc > 0) {
		rep->status = image_http_status((enum image_status)rc);
		snprintf(rep->msg, sizeof(rep->msg), "%s", j.err);
	} else if (rc == -1) {
		rep->status = 503;
		snprintf(rep->msg, sizeof(rep->msg), "image cache: %s",
		    strerror(errno));
	} else if (f.outcome != IMGCACHE_MISS) {
		fd = f.fd;
	} else if (!f.stored ||
	    (fd = imgcache_get(cache, rep->key, &st)) == -1) {
		fd = memory_file(out.data + f.body_off, f.body_len);
	}
	rep->outcome = rc == 0 ? (int)f.outcome : 0;
	if (rc == 0 && fd == -1) {
		rep->status = 503;
		snprintf(rep->msg, sizeof(rep->msg), "could not hand the image"
		    " over");
	}
	buf_free(&out);
	free((void *)j.data);
	return fd;
}

static void
reply(int cfd, const struct img_reply *rep, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)rep, sizeof(*rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd != -1) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(cfd, &msg, MSG_NOSIGNAL) == -1 && errno != EPIPE)
		log_warn("reply to a worker");
}

/*
 * True if the worker has closed its end: its client left (or waited past
 * IMAGE_WAIT_SEC) while the question sat in the queue. Checked just before
 * the work starts, so a crawler that walks a srcset and hangs up does not
 * keep the imagers resizing for nobody while real visitors wait.
 */
static bool
asker_gone(int cfd)
{
	struct pollfd p = { .fd = cfd, .events = POLLRDHUP };

	return poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
}

/*
 * True if the asker runs as this imager's user, as foliod's workers do.
 * The socket's mode keeps others out already; this holds when run_dir or
 * the socket was loosened, or the process has CAP_DAC_OVERRIDE (root as
 * another user).
 */
static bool
asker_ours(int cfd)
{
	struct ucred cr;
	socklen_t n = sizeof(cr);

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &n) == -1) {
		log_warn("SO_PEERCRED");
		return false;
	}
	if (cr.uid == geteuid())
		return true;
	log_warnx("refused a question from pid %ld, uid %ld: not foliod's"
	    " user", (long)cr.pid, (long)cr.uid);
	return false;
}

static void
serve_one(const struct conf *conf, struct imgcache *cache, struct metrics *m,
    int cfd)
{
	struct timeval tv = { .tv_sec = IMAGER_RECV_TIMEOUT_SEC };
	struct img_request req;
	struct img_reply rep;
	int fd;

	if (!asker_ours(cfd))
		return;
	(void)setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (recv(cfd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return;
	req.src[sizeof(req.src) - 1] = '\0';
	memset(&rep, 0, sizeof(rep));
	if (!path_rel_clean(req.src, strlen(req.src))) {
		/* A worker sends the index's source paths, which are clean:
		 * this one came from something else. */
		log_warnx("refused a src that is not a clean relative path");
		rep.status = 400;
		snprintf(rep.msg, sizeof(rep.msg), "src: not a clean relative"
		    " path under content_dir");
		reply(cfd, &rep, -1);
		return;
	}
	if (asker_gone(cfd)) {
		log_debug("%s: its client has gone; not made", req.src);
		return;
	}
	fd = answer(conf, cache, m, &req, &rep);
	reply(cfd, &rep, fd);
	if (fd != -1)
		close(fd);
}

noreturn void
imager_main(const struct conf *conf, int lfd, struct metrics *m, int slot)
{
	struct imgcache cache;
	int sigfd;

	snprintf(role, sizeof(role), "imager %d", slot);
	log_role(role);
	proc_name("foliod imager");
	if (setpriority(PRIO_PROCESS, 0, IMAGER_NICE) == -1)
		log_warn("setpriority");
	if ((sigfd = signals_fd()) == -1)
		fatal("signalfd");
	if (imgcache_open(&cache, conf->cache_dir, conf->cache_max_bytes, 0) == -1)
		fatal("cache_dir %s", conf->cache_dir);
	for (;;) {
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { sigfd, POLLIN, 0 } };
		if (poll(p, 2, -1) == -1 && errno != EINTR)
			fatal("poll");
		for (int sig; (p[1].revents & POLLIN) &&
		    (sig = signals_read(sigfd)) != 0;)
			if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) {
				imgcache_close(&cache);
				exit(0);
			}
		if (!(p[0].revents & POLLIN))
			continue;
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd == -1)
			continue;	/* another imager took it */
		serve_one(conf, &cache, m, cfd);
		close(cfd);
	}
}
