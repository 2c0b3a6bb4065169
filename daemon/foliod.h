/*
 * foliod.h: what the daemon's files share: how the configuration is put
 * together, the master's and workers' state, and each file's entry points,
 * grouped per file as a table of contents.
 */
#ifndef FOLIOD_H
#define FOLIOD_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "conf.h"
#include "fdcache.h"
#include "http_parse.h"
#include "http_resp.h"
#include "image.h"
#include "imgcache.h"
#include "imgsize.h"
#include "index.h"
#include "folio_limits.h"
#include "metrics.h"
#include "net.h"

#define FOLIOD_VERSION	"0.1.0"
#define FLAGS_MAX	8	/* config keys that flags can set */

/* Where the configuration comes from: a file, then flags on top. Kept for
 * the life of the master, so a reload puts it together the same way. */
struct settings {
	const char	*conf_path;
	bool		 conf_explicit;		/* -c given: the file must exist */
	char		 cwd[PATH_MAX];		/* relative paths resolve here */
	int		 nflags;
	const char	*keys[FLAGS_MAX];
	const char	*values[FLAGS_MAX];
};

struct listeners {
	int	public_fd;
	int	admin_fd;
};

/* main.c */
int	settings_load(const struct settings *s, struct conf *c, char *err,
	    size_t errlen);

/* master.c */
noreturn void master_run(const struct settings *s, struct conf *conf,
	    struct listeners *l);

/* imager.c: resizes, in processes of their own */
#define IMAGER_SOCKET	"imager.sock"	/* in run_dir */

/* What a worker asks an imager for; the reply is a struct img_reply and,
 * on success, the image's descriptor (SCM_RIGHTS). No content root: the
 * imager takes its own configuration's, so whoever can connect cannot
 * point it at another directory. */
struct img_request {
	char	src[PATH_MAX];		/* the source, relative to the content
					 * root: path_rel_clean() or refused */
	int	width;
	int	quality;
	int	format;			/* IMAGE_FMT_WEBP if the client takes
					 * it, else IMAGE_FMT_NONE */
};

/* The imager works out the output (image_plan()) and its cache key from
 * the source it read, and says what they are: the worker's Content-Type
 * and ETag, and the source's size for the worker to remember. */
struct img_reply {
	int	status;			/* 0, or the HTTP status to answer */
	int	outcome;		/* enum imgcache_outcome */
	int	format;			/* enum image_format of the output */
	char	key[IMGCACHE_KEY_LEN + 1];
	struct imgsize_entry size;	/* of the source; zero if unknown */
	char	msg[IMAGE_ERR_MAX];
};

int	imager_listen(const struct conf *conf, char *err, size_t errlen);
noreturn void imager_main(const struct conf *conf, int lfd,
	    struct metrics *m, int slot);

/* worker.c */
/* Seconds to stop accepting after running out of descriptors, so the loop
 * does not spin on a listener it cannot serve (as OpenBSD httpd does); and
 * before trying again a listener that could not be put back. */
#define ACCEPT_PAUSE_SEC	1
/* Seconds (at most) a worker keeps an /_img hit open (fdcache.h) before it
 * looks at the source and the cache again: a changed or deleted source, or
 * an evicted cache file, is seen at most this late, as with nginx's
 * open_file_cache_valid. */
#define IMG_HIT_VALID_SEC	1
/* Seconds a stopping worker waits past shutdown_timeout before it drops
 * what is still in flight and exits by itself. The master kills it at
 * shutdown_timeout; this bound is for a worker whose master died (it got
 * the parent-death SIGTERM, proc_follow_parent), so it cannot linger. */
#define WORKER_STOP_GRACE_SEC	1
/* Tries a worker makes to open a newly published index, INDEX_RETRY_SEC
 * apart, before it keeps the one it has until the next generation. What
 * makes it fail is mostly passing (descriptors or memory run out under a
 * burst of connections); a quiet blog may publish nothing new for days. */
#define INDEX_OPEN_TRIES	30
#define INDEX_RETRY_SEC		1
noreturn void worker_main(const struct conf *conf, const struct listeners *l,
	    struct metrics *m, int slot);

/* watcher.c */
struct watcher {
	int	 fd;			/* inotify, -1 when not watching */
	char	 configured[PATH_MAX];	/* content_dir as configured */
	char	 root[PATH_MAX];	/* and resolved */
	int	 link_wd;		/* the symlink's directory, -1 if none */
	char	 link_name[NAME_MAX + 1];
	char	**paths;		/* directory (relative) by watch descriptor */
	size_t	 npaths;
	size_t	 ndirs;
	bool	 full;			/* WATCH_DIRS_MAX reached */
};

/* Seconds between two tries to watch a content root that is missing: a
 * deploy that renames the tree away and the new one in, or deletes it and
 * copies the new one, leaves a gap; edits are seen this late after it. */
#define WATCH_RETRY_SEC	1

/* Opens the inotify descriptor and watches the tree under content_dir: 0;
 * 1 if the descriptor is open but nothing is watched yet (err says why;
 * watcher_retry() tries again); -1 if inotify cannot be had (err). */
int	watcher_open(struct watcher *w, const char *content_dir, char *err,
	    size_t errlen);
void	watcher_close(struct watcher *w);
/* True while the descriptor is open but nothing is watched: the root was
 * missing when the watches were (re)made. */
bool	watcher_lost(const struct watcher *w);
/* Tries to watch again a lost tree; true if it now is, and the content may
 * have changed meanwhile. */
bool	watcher_retry(struct watcher *w);
/* Reads pending events; true when the content may have changed. */
bool	watcher_read(struct watcher *w);

/* notify.c */
void	notify_init(void);
void	notify(const char *state);

/* proc.c */
/* Names the process for ps(1) and top(1): "foliod worker" (15 bytes at
 * most). */
void	proc_name(const char *name);
/* Seconds on CLOCK_MONOTONIC: deadlines a step of the wall clock cannot
 * move. */
time_t	proc_mono_sec(void);
/* Sets malloc up for an index build (the build child, -t and -E). */
void	proc_tune_for_build(void);
/* Called by every child of the master right after fork, and again after
 * proc_drop_privileges (a change of credentials clears it): the child gets
 * SIGTERM when the master dies, and exits at once if parent (the master's
 * pid) already has. */
void	proc_follow_parent(pid_t parent);
int	proc_drop_privileges(const char *user, char *err, size_t errlen);
int	proc_chown_for(const char *path, const char *user, char *err,
	    size_t errlen);
int	proc_mkdirs(const char *path, char *err, size_t errlen);

/* signals.c */
#define SIGNALS_HANDLED	{ SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGCHLD }
void	signals_block(void);
void	signals_unblock(void);
int	signals_fd(void);
int	signals_read(int fd);	/* next pending signal, 0 if none */

/* --- The worker's connections (conn.c, respond.c, admin.c) ---------- */

enum ev_type {
	EV_LISTENER = 1,
	EV_CONN,
	EV_SIGNAL,
	EV_IMAGER,	/* a connection's question to an imager */
};

enum conn_state {
	CONN_FREE,
	CONN_READ,	/* waiting for a complete request head */
	CONN_WRITE,	/* sending a response */
	CONN_WAIT,	/* waiting for an imager's answer */
};

/* A mapped index and the content root its files are under. Connections
 * sending from it hold a reference; the last one unmaps it. */
struct ixref {
	struct index	 ix;
	int		 rootfd;
	unsigned	 refs;
	uint64_t	 generation;
};

/* One line saying why a request is refused: status, reason, and a
 * message of up to IMAGE_ERR_MAX bytes. */
#define RESP_NOTE_MAX	(IMAGE_ERR_MAX + 128)

/* iov slots of a response: head, stored headers, tail of head, body. */
#define RESP_IOV	4

struct conn;

/* The epoll handle of a connection's imager socket. */
struct img_wait {
	enum ev_type	 type;		/* EV_IMAGER */
	struct conn	*c;
};

struct conn {
	enum ev_type	 type;		/* EV_CONN: first, for epoll dispatch */
	int		 fd;
	enum conn_state	 state;
	uint32_t	 events;	/* epoll interest */
	bool		 admin;		/* came in on the admin listener */
	bool		 keep_alive;
	unsigned	 requests;
	time_t		 deadline;	/* on worker.mono */
	char		 client[NET_ADDR_TEXT_MAX];
	struct conn	*next_free;
	/* The request being answered; points into rbuf until it is done. */
	size_t		 rlen;
	size_t		 consumed;
	struct http_request req;
	struct http_info info;
	bool		 parsed;	/* req is valid (for the access log) */
	struct timespec	 started;
	/* The response. */
	int		 status;
	enum route_kind	 route;
	struct iovec	 iov[RESP_IOV];
	int		 iov_first;
	int		 file_fd;
	off_t		 file_off;
	off_t		 file_end;
	uint64_t	 sent;		/* bytes written, headers included */
	uint64_t	 head_len;	/* bytes of headers in sent */
	struct ixref	*ref;
	char		*dyn;		/* malloc'd body (admin), METRICS_TEXT_MAX */
	/* An /_img request waiting for an imager. */
	struct img_wait	 wait;
	int		 img_fd;	/* socket to the imager, -1 = none */
	int		 img_format;
	bool		 img_versioned;	/* v= names the source as it is */
	char		 img_key[IMGCACHE_KEY_LEN + 1];
	char		 head[RESP_HEAD_MAX];
	char		 tail[RESP_HEAD_MAX];
	char		 note[RESP_NOTE_MAX];	/* the body of an error */
	char		 rbuf[HTTP_HEADER_BLOCK_MAX];
};

struct listener {
	enum ev_type	 type;		/* EV_LISTENER */
	int		 fd;
	bool		 admin;
	bool		 armed;		/* in the epoll set */
};

struct worker {
	const struct conf	*conf;
	struct metrics		*m;
	struct metrics_worker	*slot;
	int			 slot_no;
	int			 epfd;
	struct listener		 ls[2];
	enum ev_type		 sig_type;	/* EV_SIGNAL, for dispatch */
	int			 sigfd;
	struct conn		*conns;
	size_t			 nconns;
	size_t			 conns_used;	/* high-water mark: sweeps stop here */
	size_t			 active;
	struct conn		*free;
	struct ixref		*cur;
	uint64_t		 gen;		/* the last one published */
	unsigned		 gen_fails;	/* tries of gen that failed */
	time_t			 gen_retry_at;	/* mono: the next try */
	int			 logfd;		/* access log, -1 = off */
	struct imgcache		 cache;
	bool			 have_cache;
	struct fdcache		 imgfds;	/* /_img hits, kept open */
	struct imgsize		 imgsizes;	/* of sources, from imagers */
	struct image_allow	 allow;		/* widths and qualities */
	bool			 stopping;
	time_t			 stop_deadline;	/* mono: in-flight requests
						 * are dropped then */
	time_t			 accept_resume;	/* mono; 0 = accepting */
	time_t			 now;		/* wall clock: Date, logs */
	time_t			 mono;		/* seconds, CLOCK_MONOTONIC:
						 * deadlines */
	char			 date[HTTP_DATE_LEN + 1];
};

/* conn.c */
void	conn_accept(struct worker *w, struct listener *l);
/* worker.c: puts a listener in (or takes it out of) the worker's epoll
 * set; -1 if it could not (adding is tried again after ACCEPT_PAUSE_SEC). */
int	worker_arm(struct worker *w, struct listener *l, bool on);
void	conn_event(struct worker *w, struct conn *c, uint32_t events);
void	conn_close(struct worker *w, struct conn *c);
void	conn_sweep(struct worker *w);
/* Sends the response a waiting connection now has. */
void	conn_resume(struct worker *w, struct conn *c);
void	ixref_put(struct ixref *r);

/* respond.c */
void	respond(struct worker *w, struct conn *c, int parsed);
/* A short response from memory; type NULL is text/plain. */
void	respond_text(struct worker *w, struct conn *c, int status,
	    const char *type, const char *extra, const char *body, size_t len);

void	respond_error(struct worker *w, struct conn *c, int status,
	    const char *why, const char *extra);
/* An image from fd (the cache), with its headers; takes fd. */
void	respond_image(struct worker *w, struct conn *c, int fd,
	    const struct stat *st, bool hit);

/* imgroute.c: /_img in the worker */
void	image_route(struct worker *w, struct conn *c, const char *query,
	    size_t qlen);
void	image_answer(struct worker *w, struct conn *c);
/* A waiting connection whose imager did not answer within IMAGE_WAIT_SEC:
 * answered 503. */
void	image_timeout(struct worker *w, struct conn *c);

/* admin.c */
void	admin_respond(struct worker *w, struct conn *c, const char *path);

#endif
