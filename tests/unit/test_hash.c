/*
 * test_hash.c: FNV-1a against its published test vectors, and the hex form.
 */
#include <string.h>

#include "hash.h"
#include "test.h"

int
main(void)
{
	static const struct {
		const char *in;
		unsigned long long h;
	} vectors[] = {
		{ "", 0xcbf29ce484222325ULL },
		{ "a", 0xaf63dc4c8601ec8cULL },
		{ "foobar", 0x85944171f73967e8ULL },
	};
	char hex[17];

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		ok(hash64(vectors[i].in, strlen(vectors[i].in)) == vectors[i].h,
		    "fnv1a64(\"%s\")", vectors[i].in);
	hash64_hex(0x0123456789abcdefULL, hex);
	ok(strcmp(hex, "0123456789abcdef") == 0, "hex %s", hex);
	hash64_hex(0, hex);
	ok(strcmp(hex, "0000000000000000") == 0 && strlen(hex) == 16,
	    "zero keeps 16 digits");
	ok(hash64("ab", 2) != hash64("ba", 2), "order matters");
	ok(hash64_add(hash64("foo", 3), "bar", 3) == hash64("foobar", 6),
	    "hash64_add continues a hash");
	ok(hash64_str(HASH64_INIT, "ab") == hash64("ab", 3),
	    "hash64_str includes the NUL");
	ok(hash64_str(hash64_str(HASH64_INIT, "a"), "b") !=
	    hash64_str(hash64_str(HASH64_INIT, "ab"), ""),
	    "fields stay apart");
	ok(hash64_str(HASH64_INIT, NULL) == hash64_str(HASH64_INIT, ""),
	    "NULL is the empty string");
	return test_done();
}
