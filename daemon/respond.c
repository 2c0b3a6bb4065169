/*
 * respond.c: from a parsed request to a response ready to send. Refuses bad
 * requests with the right status, routes clean paths through the page
 * index, and sets up the iovecs: pages are answered straight from the
 * mapped index (status line and Date built here, stored headers and body
 * pointed at), files from the content root with sendfile.
 */
#include "foliod.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "log.h"
#include "path.h"

#define CRLF		"\r\n"
#define TYPE_TEXT	"text/plain; charset=utf-8"
#define SERVER_NAME	"foliod"

static size_t
append(char *out, size_t outlen, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends to out at n; returns the new length, never past outlen - 1. */
static size_t
append(char *out, size_t outlen, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (n >= outlen)
		return n;
	va_start(ap, fmt);
	r = vsnprintf(out + n, outlen - n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return n;
	return (size_t)r < outlen - n ? n + (size_t)r : outlen - 1;
}

static bool
is_head(const struct conn *c)
{
	return c->parsed && c->req.method == HTTP_HEAD;
}

/* Status line, Date, Server and Connection into c->head (iov 0). */
static size_t
head_start(struct worker *w, struct conn *c, int status)
{
	size_t n;

	c->status = status;
	n = append(c->head, sizeof(c->head), 0, "HTTP/1.1 %d %s" CRLF
	    "Date: %s" CRLF "Server: " SERVER_NAME CRLF, status,
	    http_status_text(status), w->date);
	if (!c->keep_alive)
		n = append(c->head, sizeof(c->head), n, "Connection: close" CRLF);
	else if (c->parsed && c->req.minor == 0)
		n = append(c->head, sizeof(c->head), n,
		    "Connection: keep-alive" CRLF);
	return n;
}

static void
set_iov(struct conn *c, int i, const void *p, size_t len)
{
	c->iov[i].iov_base = (void *)p;
	c->iov[i].iov_len = len;
}

static void
finish_head(struct conn *c, size_t head, size_t tail)
{
	set_iov(c, 0, c->head, head);
	set_iov(c, 2, c->tail, tail);
	c->head_len = c->iov[0].iov_len + c->iov[1].iov_len + c->iov[2].iov_len;
}

/* A short text response, keeping the connection open if it may be. */
void
respond_text(struct worker *w, struct conn *c, int status, const char *type,
    const char *extra, const char *body, size_t len)
{
	size_t head = head_start(w, c, status), tail;

	tail = append(c->tail, sizeof(c->tail), 0, "Content-Type: %s"
	    CRLF "Content-Length: %zu" CRLF "Cache-Control: no-store" CRLF
	    "X-Content-Type-Options: nosniff" CRLF "%s" CRLF, type ? type :
	    TYPE_TEXT, len, extra);
	finish_head(c, head, tail);
	if (!is_head(c))
		set_iov(c, 3, body, len);
}

/* Refuses a request with a one-line reason, and closes after it. */
void
respond_error(struct worker *w, struct conn *c, int status, const char *why,
    const char *extra)
{
	size_t len;

	c->keep_alive = false;
	c->route = ROUTE_BAD;
	len = append(c->note, sizeof(c->note), 0, "%d %s: %s\n", status,
	    http_status_text(status), why);
	respond_text(w, c, status, NULL, extra, c->note, len);
}

static void
respond_parse_error(struct worker *w, struct conn *c, int rc)
{
	switch (rc) {
	case HTTP_PARSE_URI_LONG:
		respond_error(w, c, 414, "the request line is longer than the"
		    " limit", "");
		break;
	case HTTP_PARSE_TOO_LARGE:
		respond_error(w, c, 431, "the request header fields are larger"
		    " than the limit", "");
		break;
	case HTTP_PARSE_VERSION:
		respond_error(w, c, 505, "only HTTP/1.0 and HTTP/1.1 are"
		    " supported", "");
		break;
	default:
		respond_error(w, c, 400, "the request is malformed", "");
		break;
	}
}

/* --- Conditional requests --------------------------------------------- */

/*
 * The conditional fields of a request for a resource that exists, in RFC
 * 9110 13.2.2's order: core is its entity tag, mtime its modification time
 * (-1 for none: pages and images have only tags). Returns 412, 304, or 0
 * to answer in full. A date that does not parse is ignored.
 */
static int
preconditions(const struct conn *c, const char *core, time_t mtime)
{
	const struct http_info *in = &c->info;
	time_t t;

	if (in->if_match != NULL) {
		if (!http_if_match(in->if_match, in->if_match_len, core))
			return 412;
	} else if (in->if_unmodified_since != NULL && mtime != -1 &&
	    http_date_parse(in->if_unmodified_since,
	    in->if_unmodified_since_len, &t) && mtime > t)
		return 412;
	if (in->if_none_match != NULL)
		return http_etag_match(in->if_none_match,
		    in->if_none_match_len, core) ? 304 : 0;
	if (in->if_modified_since != NULL && mtime != -1 &&
	    http_date_parse(in->if_modified_since,
	    in->if_modified_since_len, &t) && mtime <= t)
		return 304;
	return 0;
}

static void
respond_precondition_failed(struct worker *w, struct conn *c)
{
	static const char text[] = "412 Precondition Failed\n";

	respond_text(w, c, 412, NULL, "", text, sizeof(text) - 1);
}

/* --- Pages from the index -------------------------------------------- */

static int
pick_variant(const struct ix_entry *e, unsigned accept)
{
	if ((accept & ACCEPT_BROTLI) && (e->variants & (1u << IXV_BROTLI)))
		return IXV_BROTLI;
	if ((accept & ACCEPT_GZIP) && (e->variants & (1u << IXV_GZIP)))
		return IXV_GZIP;
	return IXV_IDENTITY;
}

/* Copies the stored header lines a 304 must repeat. */
static size_t
not_modified_headers(const char *h, size_t len, char *out, size_t outlen)
{
	static const char *const keep[] = { "ETag:", "Cache-Control:", "Vary:" };
	size_t n = 0;

	for (const char *end = h + len, *eol; h < end; h = eol + 1) {
		if ((eol = memchr(h, '\n', (size_t)(end - h))) == NULL)
			break;
		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (strncasecmp(h, keep[k], strlen(keep[k])) == 0)
				n = append(out, outlen, n, "%.*s",
				    (int)(eol - h + 1), h);
	}
	return n;
}

static void
respond_page(struct worker *w, struct conn *c, const struct ix_entry *e)
{
	const struct index *ix = &w->cur->ix;
	int v = pick_variant(e, c->info.accept);
	const char *stored = index_blob(ix, e->headers[v]);
	int pre = e->status == 200 ? preconditions(c, e->etag, -1) : 0;
	size_t head, tail;

	if (pre == 412) {
		respond_precondition_failed(w, c);
		return;
	}
	c->ref = w->cur;
	c->ref->refs++;
	if (pre == 304) {
		head = head_start(w, c, 304);
		tail = not_modified_headers(stored, e->headers[v].len, c->tail,
		    sizeof(c->tail) - 2);
		tail = append(c->tail, sizeof(c->tail), tail, CRLF);
		finish_head(c, head, tail);
		return;
	}
	head = head_start(w, c, e->status);
	set_iov(c, 1, stored, e->headers[v].len);
	memcpy(c->tail, CRLF, 2);
	finish_head(c, head, 2);
	if (!is_head(c))
		set_iov(c, 3, index_blob(ix, e->body[v]), e->body[v].len);
}

/* --- Files from the content root ------------------------------------- */

static void respond_notfound(struct worker *, struct conn *);

static void
respond_file(struct worker *w, struct conn *c, const struct ix_entry *e)
{
	const struct index *ix = &w->cur->ix;
	char src[PATH_MAX], etag[ETAG_CORE_LEN + 1], lastmod[HTTP_DATE_LEN + 1];
	uint64_t first = 0, last = 0;
	struct stat st;
	size_t head, tail;
	int fd, pre, range = -1;

	snprintf(src, sizeof(src), "%.*s", (int)e->body[IXV_IDENTITY].len,
	    index_blob(ix, e->body[IXV_IDENTITY]));
	if ((fd = open_beneath(w->cur->rootfd, src)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		respond_notfound(w, c);
		return;
	}
	file_version(&st, etag);
	http_date(st.st_mtim.tv_sec, lastmod);
	c->route = ROUTE_STATIC;
	if ((pre = preconditions(c, etag, st.st_mtim.tv_sec)) == 412) {
		close(fd);
		respond_precondition_failed(w, c);
		return;
	}
	if (pre == 304) {
		close(fd);
		head = head_start(w, c, 304);
	} else {
		/* A Range for another version of the file than the client
		 * has (If-Range) gets the whole file instead. */
		if (c->info.range != NULL && c->req.method == HTTP_GET &&
		    (c->info.if_range == NULL || http_if_range(
		    c->info.if_range, c->info.if_range_len, etag, lastmod)))
			range = http_range(c->info.range, c->info.range_len,
			    (uint64_t)st.st_size, &first, &last);
		head = head_start(w, c, range == 0 ? 206 : range == 1 ? 416 : 200);
		if (range == -1 && st.st_size > 0)
			last = (uint64_t)st.st_size - 1;
	}
	c->ref = w->cur;
	c->ref->refs++;
	set_iov(c, 1, index_blob(ix, e->headers[IXV_IDENTITY]),
	    e->headers[IXV_IDENTITY].len);
	tail = append(c->tail, sizeof(c->tail), 0, "ETag: \"%s\"" CRLF
	    "Last-Modified: %s" CRLF "Accept-Ranges: bytes" CRLF, etag, lastmod);
	if (c->status == 304) {
		finish_head(c, head, append(c->tail, sizeof(c->tail), tail, CRLF));
		return;
	}
	if (c->status == 416) {
		close(fd);
		tail = append(c->tail, sizeof(c->tail), tail, "Content-Range:"
		    " bytes */%lld" CRLF "Content-Length: 0" CRLF CRLF,
		    (long long)st.st_size);
		finish_head(c, head, tail);
		return;
	}
	uint64_t len = st.st_size ? last - first + 1 : 0;
	if (c->status == 206)
		tail = append(c->tail, sizeof(c->tail), tail, "Content-Range:"
		    " bytes %llu-%llu/%lld" CRLF, (unsigned long long)first,
		    (unsigned long long)last, (long long)st.st_size);
	tail = append(c->tail, sizeof(c->tail), tail, "Content-Length: %llu"
	    CRLF CRLF, (unsigned long long)len);
	finish_head(c, head, tail);
	if (is_head(c) || len == 0) {
		close(fd);
		return;
	}
	c->file_fd = fd;
	c->file_off = (off_t)first;
	c->file_end = (off_t)(last + 1);
}

/* --- Resized images ----------------------------------------------------- */

/* An /_img answer from the cache (or a memory file): typed, validated by
 * its cache key, varying with Accept, and sandboxed. URLs whose v= names
 * the source as it is now never change: immutable. */
void
respond_image(struct worker *w, struct conn *c, int fd, const struct stat *st,
    bool hit)
{
	char cache[CONF_TEXT_MAX];
	size_t head, tail;

	c->route = ROUTE_IMAGE;
	if (hit)
		metrics_add(&w->m->image_hits, 1);
	if (c->img_versioned)
		snprintf(cache, sizeof(cache), "public, max-age=%d, immutable",
		    IMMUTABLE_MAX_AGE);
	else
		snprintf(cache, sizeof(cache), "public, max-age=%d",
		    w->conf->image_max_age);
	int pre = preconditions(c, c->img_key, -1);
	bool match = pre == 304;

	if (pre == 412) {
		close(fd);
		respond_precondition_failed(w, c);
		return;
	}
	head = head_start(w, c, match ? 304 : 200);
	tail = append(c->tail, sizeof(c->tail), 0, "ETag: \"%.*s\"" CRLF
	    "Cache-Control: %s" CRLF "Vary: Accept" CRLF, ETAG_CORE_LEN,
	    c->img_key, cache);
	if (match) {
		close(fd);
		finish_head(c, head, append(c->tail, sizeof(c->tail), tail, CRLF));
		return;
	}
	tail = append(c->tail, sizeof(c->tail), tail, "Content-Type: %s" CRLF
	    "Content-Length: %lld" CRLF "X-Content-Type-Options: nosniff" CRLF
	    "Content-Security-Policy: sandbox" CRLF "X-Cache: %s" CRLF CRLF,
	    image_format_mime((enum image_format)c->img_format),
	    (long long)st->st_size, hit ? "HIT" : "MISS");
	finish_head(c, head, tail);
	if (is_head(c) || st->st_size == 0) {
		close(fd);
		return;
	}
	c->file_fd = fd;
	c->file_off = 0;
	c->file_end = st->st_size;
}

/* --- Routing ----------------------------------------------------------- */

static void
respond_entry(struct worker *w, struct conn *c, const struct ix_entry *e)
{
	c->route = (enum route_kind)e->route;
	if (e->kind == IX_PAGE)
		respond_page(w, c, e);
	else
		respond_file(w, c, e);
}

static void
respond_notfound(struct worker *w, struct conn *c)
{
	static const char text[] = "404 Not Found\n";
	const struct ix_entry *e = index_notfound(&w->cur->ix);

	if (e == NULL) {
		c->route = ROUTE_NOTFOUND;
		respond_text(w, c, 404, NULL, "", text, sizeof(text) - 1);
		return;
	}
	/* The 404 page is never conditional: it is not the resource asked
	 * for (respond_page() only weighs the conditions of a 200). */
	respond_entry(w, c, e);
}

/* Percent-encodes a clean path for a Location header. */
static size_t
encode_path(const char *p, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (size_t i = 0; i < len && n + 4 < outlen; i++) {
		unsigned char ch = (unsigned char)p[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("/-._~", ch) != NULL) {
			out[n++] = (char)ch;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[ch >> 4];
		out[n++] = hex[ch & 0xf];
	}
	out[n] = '\0';
	return n;
}

static void
respond_redirect(struct worker *w, struct conn *c, const char *to,
    size_t len)
{
	static const char text[] = "301 Moved Permanently\n";
	char loc[3 * INDEX_PATH_MAX + 1];
	char extra[sizeof(loc) + sizeof("Location: " CRLF)];

	c->route = ROUTE_REDIRECT;
	encode_path(to, len, loc, sizeof(loc));
	snprintf(extra, sizeof(extra), "Location: %s" CRLF, loc);
	respond_text(w, c, 301, NULL, extra, text, sizeof(text) - 1);
}

static void
respond_site(struct worker *w, struct conn *c, const char *path, size_t len)
{
	static const char text[] = "503 Service Unavailable: no index yet\n";
	const struct ix_entry *e;

	if (w->cur == NULL) {
		respond_text(w, c, 503, NULL, "Retry-After: 1" CRLF, text,
		    sizeof(text) - 1);
		return;
	}
	if ((e = index_lookup(&w->cur->ix, path, len)) != NULL) {
		respond_entry(w, c, e);
		return;
	}
	/* "/posts/x/" is "/posts/x" when that exists: one URL per page. */
	if (len > 1 && path[len - 1] == '/' &&
	    index_lookup(&w->cur->ix, path, len - 1) != NULL) {
		respond_redirect(w, c, path, len - 1);
		return;
	}
	respond_notfound(w, c);
}

void
respond(struct worker *w, struct conn *c, int parsed)
{
	char path[INDEX_PATH_MAX];
	const char *query;
	size_t qlen;
	int st, len;

	memset(c->iov, 0, sizeof(c->iov));
	c->route = ROUTE_BAD;
	c->keep_alive = false;
	c->parsed = parsed > 0;
	if (parsed < 0) {
		respond_parse_error(w, c, parsed);
		return;
	}
	/* The method first: a POST is told what is allowed whatever its
	 * body (refused all the same, and the connection closed after). */
	st = http_request_info(&c->req, w->conf->trust_proxy_header[0] ?
	    w->conf->trust_proxy_header : NULL, &c->info);
	if (c->req.method == HTTP_OTHER) {
		respond_error(w, c, 501, "this method is not implemented", "");
		return;
	}
	if (c->req.method != HTTP_GET && c->req.method != HTTP_HEAD) {
		respond_error(w, c, 405, "only GET and HEAD are allowed",
		    "Allow: GET, HEAD" CRLF);
		return;
	}
	if (st != 0) {
		respond_error(w, c, st, st == 501 ? "request bodies"
		    " (Transfer-Encoding) are not supported" : "missing or"
		    " repeated Host, or a request body", "");
		return;
	}
	c->keep_alive = c->info.keep_alive && !w->stopping &&
	    c->requests < CONN_REQUESTS_MAX;
	len = path_normalize(c->req.target, c->req.target_len, path,
	    sizeof(path), &query, &qlen);
	if (len < 0) {
		respond_error(w, c, 400, "the request path is not valid", "");
		return;
	}
	if (c->admin)
		admin_respond(w, c, path);
	else if (strcmp(path, "/_img") == 0)
		image_route(w, c, query, qlen);
	else
		respond_site(w, c, path, (size_t)len);
}
