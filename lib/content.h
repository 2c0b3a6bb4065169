/*
 * content.h: the site as read from the content directory: published posts
 * (newest first), pages, tags, and the files served as they are. Built by
 * content_load(), which applies the content contract (slugs, dates, drafts,
 * future posts, duplicates) and logs every skipped file once as
 * "path:line: what is wrong".
 */
#ifndef FOLIO_CONTENT_H
#define FOLIO_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "folio_limits.h"

enum doc_kind {
	DOC_POST,
	DOC_PAGE,
};

/* Front matter of one document (frontmatter.h fills it). */
struct meta {
	char	*title;
	char	*summary;	/* NULL if absent */
	char	*image;		/* NULL if absent; a site path like /images/x.jpg */
	time_t	 date;		/* see has_date */
	bool	 has_date;	/* date is set: by the front matter, or for a
				 * post by content_load() (file name, mtime);
				 * 1970-01-01 is a date like any other */
	bool	 date_has_time;	/* given as RFC 3339 time, not a bare date */
	time_t	 updated;	/* 0 if absent */
	char	**tags;		/* as written, at most POST_TAGS_MAX */
	size_t	 ntags;
	bool	 draft;
};

struct doc {
	enum doc_kind kind;
	char	*slug;		/* "hello-world" */
	char	*url;		/* "/posts/hello-world" or "/about" */
	char	*src;		/* path relative to the content root */
	struct meta meta;
	char	*markdown;	/* the body after the front matter */
	size_t	 markdown_len;
	size_t	 body_line;	/* line of the content root file where the body starts */
	uint64_t src_hash;	/* hash64 of the whole source file */
	/* The body is not kept when the front matter is read (nor read at
	 * all when the source cache, srccache.h, had the file): markdown is
	 * read from root/src at body_off when content_render() needs it, so
	 * a build never holds every source at once. */
	bool	 body_unread;
	bool	 render_failed;	/* said once (by the build), not again */
	size_t	 body_off;
	const char *root;	/* the site's root, while body_unread */
	char	*bundle_dir;	/* "posts/<slug>" for a bundle, else NULL */
	/* Filled by content_load(), or by content_render() when deferred. */
	char	*html;
	size_t	 html_len;
	size_t	 words;
	/* meta.image as displayed, when the build could read it; else 0. */
	uint32_t image_width, image_height;
	/* A post's tags as indexes into site.tags, ascending (site order). */
	uint32_t tag_idx[POST_TAGS_MAX];
	size_t	 ntag_idx;
};

struct tag {
	char	*name;		/* as first written */
	char	*slug;		/* lower case, [a-z0-9-]: the URL is /tags/<slug> */
	size_t	*posts;		/* indexes into site.posts, ascending (newest first) */
	size_t	 nposts;
};

/* A file served as it is: static/, images/, or a post bundle's sibling. */
struct asset {
	char	*url;		/* "/favicon.ico", "/images/a.jpg", "/posts/x/fig.png" */
	char	*src;		/* path relative to the content root */
};

struct site {
	struct doc	*posts;		/* published, newest first */
	size_t		 nposts;
	struct doc	*pages;
	size_t		 npages;
	struct tag	*tags;		/* sorted by slug */
	size_t		 ntags;
	struct asset	*assets;	/* sorted by url */
	size_t		 nassets;
	time_t		 next_publish;	/* earliest future post date, 0 if none */
	time_t		 newest;	/* latest date or updated of any post (feed) */
	size_t		 problems;	/* files skipped, each logged once */
	size_t		 cached;	/* sources not read: the cache had them */
	char		*root;		/* the content root, symlinks resolved */
};

struct srccache;
struct buf;

struct content_opts {
	time_t	 now;		/* posts dated after this are not published */
	/* What an earlier load learned (NULL: none): unchanged sources are
	 * not read. */
	const struct srccache *cache;
	/* Where to record this load for the next (srccache_add()), or NULL. */
	struct buf *record;
};

/*
 * Reads the whole content tree at root: front matter, word counts and
 * assets; content_render() reads and renders a body when its page is made.
 * Returns -1 only when the tree cannot be read at all (root missing or
 * unreadable, too many files), with the reason in err; a bad file is
 * logged, counted in site->problems and skipped. Symlinks are never
 * followed out of root.
 */
int	content_load(struct site *site, const char *root,
	    const struct content_opts *opts, char *err, size_t errlen);
void	content_free(struct site *site);

struct markdown_images;

/* Frees d's markdown and HTML once its page is made; its front matter
 * stays, for the lists. */
void	content_release(struct doc *d);

/* Renders d's markdown into d->html, unless already done, reading it first
 * (see body_unread); images (NULL: plain <img>) as markdown_render() takes
 * it. Returns -1 with errno ENOMEM, or ESTALE when the source is no longer
 * the bytes loaded, or went (or d was released): what was loaded of it
 * would not match its page. */
int	content_render(struct doc *d, bool unsafe_html,
	    const struct markdown_images *images);

/* Fills each post's tag_idx from site.tags (content_load() does it), so
 * pages list a post's tags without searching every tag. */
void	content_index_tags(struct site *site);

/* Finds an asset by URL (binary search), or NULL. */
const struct asset *content_asset(const struct site *site, const char *url);

/* True for names that are never content: dot-files and editors' temporary
 * files ("x.md~", ".x.md.swp", "#x.md#", "4913"). */
bool	content_ignored_name(const char *name);

/* True if s is a valid slug: [a-z0-9][a-z0-9-]*. */
bool	content_slug_ok(const char *s, size_t len);

#endif
