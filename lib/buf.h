/*
 * buf.h: a byte buffer that grows up to a fixed bound, for the build side
 * (rendering pages, feeds, index files). Once an append would pass the bound
 * the buffer is marked failed and every later append is a no-op, so callers
 * check buf_failed() once at the end instead of after every append.
 */
#ifndef FOLIO_BUF_H
#define FOLIO_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	bool	 failed;
};

void	buf_init(struct buf *b, size_t max);
void	buf_free(struct buf *b);
void	buf_reset(struct buf *b);
bool	buf_failed(const struct buf *b);
void	buf_append(struct buf *b, const void *p, size_t n);
void	buf_puts(struct buf *b, const char *s);
void	buf_putc(struct buf *b, char c);
void	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Cuts b back to its first len bytes (at most its length) and clears
 * its failure: what was appended since is undone, as when a part of a
 * document turned out too large and is written shorter instead. */
void	buf_truncate(struct buf *b, size_t len);
/* HTML-escapes & < > " ' for text and attribute values. */
void	buf_html(struct buf *b, const char *s);
void	buf_html_n(struct buf *b, const char *s, size_t n);
/* Takes the NUL-terminated contents (caller frees), leaving b empty.
 * Returns NULL if the buffer failed. */
char	*buf_take(struct buf *b, size_t *len);

#endif
