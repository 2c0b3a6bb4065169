/*
 * words.h: counting the words of a markdown source, for reading times that
 * need no rendering.
 */
#ifndef FOLIO_WORDS_H
#define FOLIO_WORDS_H

#include <stddef.h>

/*
 * Words in md, roughly: runs of bytes between white space that hold at
 * least one letter, digit or non-ASCII byte. Markup alone ("---", "*",
 * "|") is not a word; "**bold**" and "(see" are one each.
 */
size_t	words_count(const char *md, size_t len);

#endif
