/*
 * mdarena.c: the arena of mdarena.h. Chunks of MDARENA_CHUNK bytes (more
 * for one larger request), each allocation preceded by its size so that
 * realloc can copy; the last allocation grows, or is given back, in place,
 * which is how cmark's string buffers grow. free() of anything else waits
 * for mdarena_reset(). cmark never checks what its allocator returns (its
 * own aborts when memory runs out), so neither may this one return NULL.
 * While markdown.c parses or renders, running out (past MDARENA_MAX, or
 * malloc failing) jumps back to it, and that one document is left out.
 * Anywhere else it logs and aborts, the one place in lib/ that ends the
 * process. That is the index build's process, whose failure the master
 * reports and survives.
 */
#include "mdarena.h"

#include <assert.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio_limits.h"
#include "log.h"

/* One chunk holds a typical post's whole parse tree and HTML. */
#define MDARENA_CHUNK	((size_t)256 << 10)
/* Every allocation is aligned for any type, and so is its size header. */
#define MDARENA_ALIGN	alignof(max_align_t)
#define MDARENA_HDR	MDARENA_ALIGN

static_assert(MDARENA_HDR >= sizeof(size_t), "the size header fits");

struct chunk {
	struct chunk	*next;		/* older chunks */
	size_t		 size, used;	/* bytes of data */
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct chunk	*cur;
	unsigned char	*last;		/* the newest allocation, or NULL */
	size_t		 total;		/* bytes of all chunks */
	jmp_buf		*catch;		/* mdarena_catch(), or NULL */
};

static _Thread_local struct arena arena;

static size_t
round_up(size_t n)
{
	return (n + MDARENA_ALIGN - 1) & ~(MDARENA_ALIGN - 1);
}

static size_t
size_of(const unsigned char *p)
{
	size_t n;

	memcpy(&n, p - MDARENA_HDR, sizeof(n));
	return n;
}

static void
set_size(unsigned char *p, size_t n)
{
	memcpy(p - MDARENA_HDR, &n, sizeof(n));
}

static noreturn void
out_of_memory(size_t n)
{
	if (arena.catch != NULL)
		longjmp(*arena.catch, 1);
	log_warnx("markdown: out of memory allocating %zu bytes", n);
	abort();
}

static struct chunk *
chunk_new(size_t need)
{
	size_t size = need > MDARENA_CHUNK ? need : MDARENA_CHUNK;
	struct chunk *c;

	if (arena.catch != NULL && (size > MDARENA_MAX ||
	    arena.total > MDARENA_MAX - size))
		out_of_memory(need);
	if ((c = malloc(sizeof(*c) + size)) == NULL)
		return NULL;
	c->next = arena.cur;
	c->size = size;
	c->used = 0;
	arena.cur = c;
	arena.total += size;
	return c;
}

static void *
a_alloc(size_t n)
{
	size_t need;
	struct chunk *c = arena.cur;
	unsigned char *p;

	if (n > SIZE_MAX / 2)
		out_of_memory(n);
	need = MDARENA_HDR + round_up(n ? n : 1);
	if ((c == NULL || c->size - c->used < need) &&
	    (c = chunk_new(need)) == NULL)
		out_of_memory(n);
	p = c->data + c->used + MDARENA_HDR;
	c->used += need;
	set_size(p, n);
	arena.last = p;
	return p;
}

static void *
a_calloc(size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	p = a_alloc(count * size);
	memset(p, 0, count * size);
	return p;
}

/* True if p is the newest allocation of the current chunk. */
static bool
is_last(const unsigned char *p)
{
	return p != NULL && p == arena.last && arena.cur != NULL;
}

static void *
a_realloc(void *ptr, size_t n)
{
	unsigned char *p = ptr, *q;
	struct chunk *c = arena.cur;
	size_t old;

	if (p == NULL)
		return a_alloc(n);
	old = size_of(p);
	if (is_last(p) && n <= SIZE_MAX / 2) {
		size_t start = (size_t)(p - c->data),
		    end = start + round_up(n ? n : 1);

		if (end <= c->size) {
			c->used = end;
			set_size(p, n);
			return p;
		}
	}
	q = a_alloc(n);
	memcpy(q, p, old < n ? old : n);
	return q;
}

static void
a_free(void *ptr)
{
	unsigned char *p = ptr;

	if (!is_last(p))
		return;
	arena.cur->used = (size_t)(p - arena.cur->data) - MDARENA_HDR;
	arena.last = NULL;
}

static cmark_mem arena_mem = { a_calloc, a_realloc, a_free };

cmark_mem *
mdarena_mem(void)
{
	return &arena_mem;
}

void
mdarena_reset(void)
{
	struct chunk *c = arena.cur, *next;

	/* Keep the oldest chunk, the one of the usual size. */
	while (c != NULL && c->next != NULL) {
		next = c->next;
		free(c);
		c = next;
	}
	arena.cur = c;
	arena.total = c != NULL ? c->size : 0;
	if (c != NULL)
		c->used = 0;
	arena.last = NULL;
	arena.catch = NULL;
}

void
mdarena_catch(jmp_buf *env)
{
	arena.catch = env;
}

void
mdarena_release(void)
{
	mdarena_reset();
	free(arena.cur);
	arena.cur = NULL;
	arena.total = 0;
}
