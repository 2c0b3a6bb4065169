/*
 * hash.h: the non-cryptographic hash foliod uses for the index's path
 * table, ETags and the keys of incremental builds: XXH3, 64 bits, printed
 * as 16 hex digits.
 */
#ifndef FOLIO_HASH_H
#define FOLIO_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The seed of a fresh hash: hash64(p, n) == hash64_add(HASH64_INIT, p, n). */
#define HASH64_INIT	0

uint64_t hash64(const void *p, size_t len);
/* Chains h over more bytes (h seeds the hash of p: a different h, or the
 * same bytes split differently, gives a different result). */
uint64_t hash64_add(uint64_t h, const void *p, size_t len);
/* Continues h over a string and its NUL (so fields stay apart); NULL
 * counts as "". */
uint64_t hash64_str(uint64_t h, const char *s);
/* Writes 16 lower-case hex digits and a NUL into out. */
void	 hash64_hex(uint64_t h, char out[17]);

#endif
