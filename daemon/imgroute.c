/*
 * imgroute.c: /_img?url=&w=&q=&v= in a worker. Checks the request against
 * the allowlists and the index, answers a cache hit at once, and hands a
 * miss to an imager (imager.c), parking the connection until the answer
 * comes back on the imager socket.
 */
#include "foliod.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "beneath.h"
#include "log.h"

/* Seconds a connection waits for an imager before it gives up (503). */
#define IMAGE_WAIT_SEC	60

/* What an open-file cache entry of a hit keeps besides the file: the
 * source's version then, and the cache key (the ETag). */
struct img_hit {
	char	ver[ETAG_CORE_LEN + 1];
	char	key[IMGCACHE_KEY_LEN + 1];
	int	format;		/* enum image_format of the output */
};

_Static_assert(sizeof(struct img_hit) <= FDCACHE_EXTRA_MAX,
    "an img_hit fits an fdcache entry's extra bytes");
_Static_assert(IMAGE_URL_MAX + 3 * sizeof(int) <= FDCACHE_KEY_MAX,
    "an /_img hit key fits FDCACHE_KEY_MAX");

/* The hit cache's key: everything the cached file depends on but the
 * source's version, which its validity bounds. */
static size_t
hit_key(const struct image_req *ir, bool webp,
    unsigned char out[FDCACHE_KEY_MAX])
{
	size_t n = strnlen(ir->url, sizeof(ir->url) - 1);
	int num[] = { ir->width, ir->quality, webp };

	memcpy(out, ir->url, n);
	out[n++] = '\0';
	memcpy(out + n, num, sizeof(num));
	return n + sizeof(num);
}

/* Answers from the open-file cache, if this image is in it. */
static bool
cached_hit(struct worker *w, struct conn *c, const struct image_req *ir,
    const unsigned char *key, size_t keylen)
{
	struct img_hit hit;
	struct stat st;
	int fd;

	if ((fd = fdcache_get(&w->imgfds, key, keylen, w->mono, &st, &hit,
	    sizeof(hit))) == -1)
		return false;
	c->img_versioned = strcmp(ir->version, hit.ver) == 0;
	c->img_format = hit.format;
	memcpy(c->img_key, hit.key, sizeof(c->img_key));
	respond_image(w, c, fd, &st, true);
	return true;
}

/*
 * The output and its cache key, when this worker knows the source's size
 * (an imager told it, for the file as it is now); false if it does not,
 * and only an imager can tell.
 */
static bool
planned_key(struct worker *w, struct conn *c, const char *src,
    const struct stat *st, const struct image_req *ir, bool webp)
{
	struct image_info info;
	struct image_plan p;

	if (!imgsize_get(&w->imgsizes, st, &info))
		return false;
	image_plan(&info, (uint32_t)ir->width, webp, &p);
	c->img_format = p.format;
	imgcache_key(src, st, (int)p.width, ir->quality, p.format, c->img_key);
	return true;
}

static enum image_format
source_format(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL)
		return IMAGE_FMT_NONE;
	if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
		return IMAGE_FMT_JPEG;
	if (strcasecmp(dot, ".png") == 0)
		return IMAGE_FMT_PNG;
	if (strcasecmp(dot, ".webp") == 0)
		return IMAGE_FMT_WEBP;
	return IMAGE_FMT_NONE;
}

/* Asks an imager; false if none can take the question now. */
static bool
ask_imager(struct worker *w, struct conn *c, const struct img_request *req)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->wait };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/"
	    IMAGER_SOCKET, w->conf->run_dir) >= sizeof(sun.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return false;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    send(fd, req, sizeof(*req), MSG_NOSIGNAL) != (ssize_t)sizeof(*req) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_debug("imager: %s", strerror(errno));
		close(fd);
		return false;
	}
	c->wait.type = EV_IMAGER;
	c->wait.c = c;
	c->img_fd = fd;
	c->state = CONN_WAIT;
	c->deadline = w->mono + IMAGE_WAIT_SEC;
	return true;
}

static void
busy(struct worker *w, struct conn *c)
{
	respond_error(w, c, 503, "the image processes are busy; try again",
	    "Retry-After: 1\r\n");
}

void
image_route(struct worker *w, struct conn *c, const char *query, size_t qlen)
{
	char err[IMAGE_ERR_MAX], src[PATH_MAX];
	unsigned char key[FDCACHE_KEY_MAX];
	struct img_hit hit;
	struct img_request req;
	struct image_req ir;
	const struct ix_entry *e;
	struct stat st;
	size_t keylen;
	bool webp;
	int fd;

	c->route = ROUTE_IMAGE;
	if (image_req_parse(query, qlen, &w->allow, &ir, err, sizeof(err)) != 0) {
		respond_error(w, c, 400, err, "");
		return;
	}
	if (w->cur == NULL || (e = index_lookup(&w->cur->ix, ir.url,
	    strlen(ir.url))) == NULL || e->kind != IX_FILE) {
		respond_error(w, c, 404, "url: no such image", "");
		return;
	}
	snprintf(src, sizeof(src), "%.*s", (int)e->body[IXV_IDENTITY].len,
	    index_blob(&w->cur->ix, e->body[IXV_IDENTITY]));
	if (source_format(src) == IMAGE_FMT_NONE) {
		respond_error(w, c, 404, "url: no such image", "");
		return;
	}
	/* What the client takes decides the output, with the source's
	 * size (image_plan()): its own format, or WebP. */
	webp = (c->info.accept & ACCEPT_WEBP) != 0;
	keylen = hit_key(&ir, webp, key);
	if (cached_hit(w, c, &ir, key, keylen))
		return;
	if ((fd = open_beneath(w->cur->rootfd, src)) == -1) {
		respond_error(w, c, 404, "url: no such image", "");
		return;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		respond_error(w, c, 404, "url: no such image", "");
		return;
	}
	close(fd);
	file_version(&st, hit.ver);
	c->img_versioned = strcmp(ir.version, hit.ver) == 0;
	if (planned_key(w, c, src, &st, &ir, webp) &&
	    (fd = imgcache_get(&w->cache, c->img_key, &st)) != -1) {
		memcpy(hit.key, c->img_key, sizeof(hit.key));
		hit.format = c->img_format;
		fdcache_put(&w->imgfds, key, keylen, fd, &st, &hit, sizeof(hit),
		    w->mono);
		respond_image(w, c, fd, &st, true);
		return;
	}
	memset(&req, 0, sizeof(req));
	memcpy(req.src, src, sizeof(req.src));
	req.width = ir.width;
	req.quality = ir.quality;
	req.format = webp ? IMAGE_FMT_WEBP : IMAGE_FMT_NONE;
	if (!ask_imager(w, c, &req))
		busy(w, c);
}

/* What the imager made, and of what source: false if the reply does not
 * make sense. */
static bool
taken_reply(struct worker *w, struct conn *c, struct img_reply *rep)
{
	rep->key[sizeof(rep->key) - 1] = '\0';
	if (!imgcache_key_ok(rep->key) ||
	    image_format_mime((enum image_format)rep->format) == NULL)
		return false;
	c->img_format = rep->format;
	memcpy(c->img_key, rep->key, sizeof(c->img_key));
	imgsize_put(&w->imgsizes, &rep->size);
	return true;
}

/* Takes the imager's answer: the image's descriptor, or why not. */
void
image_answer(struct worker *w, struct conn *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct img_reply rep;
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	struct stat st;
	ssize_t n;
	int fd = -1;

	/* Its connection may have been closed (a hang-up, the sweep) by an
	 * event earlier in this batch, and even reused: the answer's socket
	 * left with it, so there is nothing to take. */
	if (c->state != CONN_WAIT || c->img_fd == -1)
		return;
	n = recvmsg(c->img_fd, &msg, MSG_CMSG_CLOEXEC);
	if (n == -1 && errno == EAGAIN)
		return;
	close(c->img_fd);
	c->img_fd = -1;
	c->state = CONN_WRITE;
	if ((cm = CMSG_FIRSTHDR(&msg)) != NULL && cm->cmsg_level == SOL_SOCKET &&
	    cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(rep)) {
		if (fd != -1)
			close(fd);
		busy(w, c);
	} else if (rep.status != 0 || fd == -1 || fstat(fd, &st) == -1) {
		if (fd != -1)
			close(fd);
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		respond_error(w, c, rep.status ? rep.status : 503,
		    rep.msg[0] ? rep.msg : "the image could not be made", "");
	} else if (taken_reply(w, c, &rep)) {
		respond_image(w, c, fd, &st, rep.outcome != IMGCACHE_MISS);
	} else {
		close(fd);
		busy(w, c);
	}
	conn_resume(w, c);
}

void
image_timeout(struct worker *w, struct conn *c)
{
	close(c->img_fd);	/* the imager's answer, when it comes, is dropped */
	c->img_fd = -1;
	c->state = CONN_WRITE;
	respond_error(w, c, 503, "the image took too long to make; try again",
	    "Retry-After: 1\r\n");
	conn_resume(w, c);
}
