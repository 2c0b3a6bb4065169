/*
 * hash.h: the non-cryptographic hashes foliod uses: FNV-1a for the index's
 * path table and for ETags (64 bits, printed as 16 hex digits).
 */
#ifndef FOLIO_HASH_H
#define FOLIO_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash64(const void *p, size_t len);
/* Writes 16 lower-case hex digits and a NUL into out. */
void	 hash64_hex(uint64_t h, char out[17]);

#endif
