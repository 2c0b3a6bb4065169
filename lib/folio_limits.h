/*
 * folio_limits.h: every fixed size, count and timeout in foliod, each with the
 * reason for its value. Values a deployment may want to change are config
 * keys (conf.h); their defaults live here too.
 */
#ifndef FOLIO_LIMITS_H
#define FOLIO_LIMITS_H

/* --- HTTP requests ------------------------------------------------------ */

/* A request line longer than this gets 414. Long enough for any URL the
 * site produces (the longest is an /_img query), short enough to bound work. */
#define HTTP_REQUEST_LINE_MAX	4096
/* The whole header block, request line included; more gets 431. nginx's
 * default large_client_header_buffers is 8 KiB; browsers stay well below. */
#define HTTP_HEADER_BLOCK_MAX	8192
/* Header fields per request; more gets 431. */
#define HTTP_HEADERS_MAX	64
/* Byte ranges in one Range header we honour; more are served whole. */
#define HTTP_RANGES_MAX		1

/* --- Connections -------------------------------------------------------- */

/* Per-worker connection slots (config key max_connections). */
#define CONN_MAX_DEFAULT	1024
#define CONN_MAX_LIMIT		65536
/* Seconds to receive a complete header block (config key header_timeout). */
#define HEADER_TIMEOUT_DEFAULT	10
/* Seconds an idle keep-alive connection is kept (config keepalive_timeout). */
#define KEEPALIVE_TIMEOUT_DEFAULT 60
/* Seconds a response may stall, the peer reading none of it, before it is
 * dropped (config key send_timeout). Each write that makes progress starts
 * the count again: a slow download is not cut. */
#define SEND_TIMEOUT_DEFAULT	60
/* Requests served on one connection before we close it, to rebalance
 * connections between workers now and then. */
#define CONN_REQUESTS_MAX	10000
/* Bytes of response head we build per request (status line, Date, and the
 * per-request headers of static files and errors). */
#define RESP_HEAD_MAX		2048
/* Seconds between a worker's sweeps for timed-out connections and its checks
 * for a new index generation. */
#define WORKER_TICK_MS		200
/* epoll events taken per wakeup. */
#define WORKER_EVENTS_MAX	256

/* --- Processes ---------------------------------------------------------- */

/* Worker slots; config key workers (0 means one per core) is capped here. */
#define WORKERS_MAX		64
/* Seconds for in-flight requests to finish on SIGTERM (shutdown_timeout). */
#define SHUTDOWN_TIMEOUT_DEFAULT 10
/* A worker that dies within this many seconds of its start counts as a fast
 * failure; repeated fast failures back off exponentially up to the max. */
#define RESPAWN_FAST_FAIL_SEC	2
#define RESPAWN_BACKOFF_MAX_SEC	32
/* Seconds before the master tries again a fork that failed (out of
 * processes or memory: EAGAIN, ENOMEM), doubling while it keeps failing,
 * up to the max: a build or a worker that could not start then starts at
 * most this long after the shortage ends. */
#define FORK_RETRY_MIN_SEC	1
#define FORK_RETRY_MAX_SEC	8
/* Seconds a rebuild child may run before it is killed and the current index
 * kept. */
#define BUILD_TIMEOUT_SEC	120

/* --- Content and site --------------------------------------------------- */

/* Largest markdown source we read; bigger files are skipped with a log line. */
#define CONTENT_FILE_MAX	(8u << 20)
/* Seconds a file's mtime may be ahead of the build's clock and still count
 * as now: Linux stamps files with a finer clock than time() reads. */
#define MTIME_AHEAD_SEC		2
/* Bytes cmark may take to parse, or to render, one document (mdarena.c).
 * A usual post takes well under 1 MiB; markdown built to blow cmark's
 * memory up (megabytes of nested quotes or headings) took gigabytes, and
 * is left out with one log line instead of ending the build. */
#define MDARENA_MAX		((size_t)256 << 20)
/* Files in the content tree; beyond this the build stops and says so. */
#define CONTENT_FILES_MAX	200000
/* Directory depth we descend into. */
#define CONTENT_DEPTH_MAX	16
/* Tags on one post. */
#define POST_TAGS_MAX		32
/* Bytes of a title, summary, tag or image path in front matter. */
#define META_TEXT_MAX		1024
/* Front matter block size. */
#define FRONTMATTER_MAX		(64u << 10)
/* Lists and mappings nested in front matter. The contract needs 2 (the
 * mapping, its tags list); libyaml's scanner spends time proportional to
 * the depth on every token, so 64 KB of '[' would take seconds per file,
 * and every rebuild. */
#define FRONTMATTER_DEPTH_MAX	16
/* Posts on one index page (config key posts_per_page). */
#define POSTS_PER_PAGE_DEFAULT	10
#define POSTS_PER_PAGE_MAX	100
/* Entries in the Atom feed (config key feed_entries). */
#define FEED_ENTRIES_DEFAULT	20
#define FEED_ENTRIES_MAX	1000
/* Words per minute for the reading time shown on posts. */
#define READING_WPM		230
/* One rendered page. A post or page whose page would be bigger is served
 * without its body, saying why, with a log line: links to it stay good. */
#define PAGE_BYTES_MAX		(32u << 20)
/* Bytes of one feed entry's content, as escaped into the feed. A post
 * whose content is larger gets an entry with its summary and link only
 * (logged), so one long post never costs every subscriber the feed; the
 * default feed_entries of such entries stays within PAGE_BYTES_MAX. */
#define FEED_CONTENT_MAX	(1u << 20)
_Static_assert((unsigned long long)FEED_ENTRIES_DEFAULT * FEED_CONTENT_MAX <
    PAGE_BYTES_MAX, "a default feed of full entries fits one page");

/* --- Index -------------------------------------------------------------- */

/* Routes in one index. */
#define INDEX_ENTRIES_MAX	1000000
/* Bytes of a route path. */
#define INDEX_PATH_MAX		1024
/* Bytes of a tag's slug: "/tags/<slug>" and its NUL fit INDEX_PATH_MAX
 * bytes (render.c formats the route into such a buffer). A longer tag
 * (META_TEXT_MAX allows one) is dropped with a log line. */
#define TAG_SLUG_MAX		(INDEX_PATH_MAX - (int)sizeof("/tags/"))
/* Bytes of one stored header block. */
#define INDEX_HEADERS_MAX	2048
/* Bodies smaller than this are not compressed (headers outweigh savings). */
#define COMPRESS_MIN_BYTES	256
/*
 * Compression levels of the precompressed variants. Brotli's top quality
 * (11) makes HTML about 13% smaller than quality 5 but costs some forty
 * times the CPU: 48 s instead of 2 s for a cold build of 1000 posts on
 * the 2-core development machine. zlib's level 6 is within 1% of level 9.
 * A rebuild compresses only pages that changed (index_write.c).
 */
#define GZIP_LEVEL		6
#define BROTLI_QUALITY		5
/* Threads compressing a build's pages (the build_threads key). */
#define COMPRESS_THREADS_MAX	64
/* Pages a build keeps in flight while their variants are made
 * (index_write.c), and the bytes of their bodies: enough to keep every
 * compressing thread busy while the build renders. One page is always let
 * through; the memory held is about three times the bytes (each body with
 * its gzip and brotli output). */
#define INDEX_JOBS_MAX		16
#define INDEX_JOBS_BYTES	(16u << 20)
/* Tasks (one codec of one body) waiting for the pool at once; past it, a
 * body is compressed by its caller. Room for every page in flight. */
#define COMPRESS_QUEUE_MAX	64
_Static_assert(COMPRESS_QUEUE_MAX >= 2 * INDEX_JOBS_MAX,
    "the pool's queue holds both codecs of every page in flight");

/* --- Cache headers ------------------------------------------------------ */

/* Pages: browsers revalidate (max_age), a CDN keeps them (s_maxage). */
#define PAGE_MAX_AGE_DEFAULT	0
#define PAGE_S_MAXAGE_DEFAULT	300
/* Static files and images served as they are. */
#define FILE_MAX_AGE		3600
/* Hashed assets never change under their name. */
#define IMMUTABLE_MAX_AGE	31536000

/* --- Config ------------------------------------------------------------- */

#define CONF_ADDR_MAX		128
#define CONF_URL_MAX		512
#define CONF_TEXT_MAX		512
#define CONF_NAME_MAX		64
#define CONF_ERR_MAX		512

#endif
