/*
 * mdarena.h: the memory cmark parses and renders one document in: a bump
 * allocator per thread, emptied at once when the document is done. A
 * build renders thousands of documents of thousands of small nodes each,
 * and malloc's bookkeeping for them was a fifth of a cold build.
 */
#ifndef FOLIO_MDARENA_H
#define FOLIO_MDARENA_H

#include <setjmp.h>

#include <cmark-gfm.h>

/* This thread's arena, as the allocator cmark takes. */
cmark_mem	*mdarena_mem(void);
/* Drops everything allocated from it (keeping one chunk for the next
 * document). */
void		 mdarena_reset(void);
/* Gives all of its memory back (at exit, and for leak checkers). */
void		 mdarena_release(void);
/*
 * While env is set, an allocation that would take the arena past
 * MDARENA_MAX bytes, or that malloc refuses, longjmp()s to env instead of
 * aborting the process. Only for stretches of cmark that hold nothing but
 * arena memory, which mdarena_reset() then drops. NULL disarms.
 */
void		 mdarena_catch(jmp_buf *env);

#endif
