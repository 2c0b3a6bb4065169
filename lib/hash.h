/*
 * hash.h: the non-cryptographic hashes foliod uses: FNV-1a for the index's
 * path table and for ETags (64 bits, printed as 16 hex digits).
 */
#ifndef FOLIO_HASH_H
#define FOLIO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH64_INIT	0xcbf29ce484222325ULL

uint64_t hash64(const void *p, size_t len);
/* Continues h over more bytes: hash64_add(hash64(a), b) == hash64(a b). */
uint64_t hash64_add(uint64_t h, const void *p, size_t len);
/* Continues h over a string and its NUL (so fields stay apart); NULL
 * counts as "". */
uint64_t hash64_str(uint64_t h, const char *s);
/* Writes 16 lower-case hex digits and a NUL into out. */
void	 hash64_hex(uint64_t h, char out[17]);

#endif
