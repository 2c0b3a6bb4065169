/*
 * test_hash.c: XXH3 against its published test vector, chaining, and the
 * hex form.
 */
#include <string.h>

#include "hash.h"
#include "test.h"

int
main(void)
{
	char hex[17];

	/* XXH3_64bits of the empty input, from xxHash's own test suite. */
	ok(hash64("", 0) == 0x2d06800538d394c2ULL, "xxh3(\"\")");
	ok(hash64("a", 1) != hash64("", 0) && hash64("a", 1) != 0,
	    "one byte changes it");
	ok(hash64("foobar", 6) == hash64("foobar", 6), "deterministic");
	hash64_hex(0x0123456789abcdefULL, hex);
	ok(strcmp(hex, "0123456789abcdef") == 0, "hex %s", hex);
	hash64_hex(0, hex);
	ok(strcmp(hex, "0000000000000000") == 0 && strlen(hex) == 16,
	    "zero keeps 16 digits");
	ok(hash64("ab", 2) != hash64("ba", 2), "order matters");
	ok(hash64_add(HASH64_INIT, "foo", 3) == hash64("foo", 3),
	    "HASH64_INIT is a fresh hash");
	ok(hash64_add(hash64("foo", 3), "bar", 3) !=
	    hash64_add(hash64("fo", 2), "obar", 4),
	    "hash64_add chains: where bytes are split matters");
	ok(hash64_add(1, "x", 1) != hash64_add(2, "x", 1), "the seed matters");
	ok(hash64_str(HASH64_INIT, "ab") == hash64("ab", 3),
	    "hash64_str includes the NUL");
	ok(hash64_str(hash64_str(HASH64_INIT, "a"), "b") !=
	    hash64_str(hash64_str(HASH64_INIT, "ab"), ""),
	    "fields stay apart");
	ok(hash64_str(HASH64_INIT, NULL) == hash64_str(HASH64_INIT, ""),
	    "NULL is the empty string");
	return test_done();
}
