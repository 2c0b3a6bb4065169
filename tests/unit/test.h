/*
 * test.h: the unit-test harness. ok() records one check and names the file
 * and line of a failure; test_done() prints "N passed, N failed" and gives
 * the exit status. test_read_file() loads a fixture; xorshift() makes
 * test data.
 */
#ifndef FOLIO_TEST_H
#define FOLIO_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int test_passed, test_failed;

#define ok(cond, ...) do {						\
	if (cond) {							\
		test_passed++;						\
	} else {							\
		test_failed++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* A small deterministic generator (xorshift32): every run of a test binary
 * sees the same data, so a failure repeats. */
static uint32_t test_rng = 2463534242u;

static inline uint32_t
xorshift(void)
{
	test_rng ^= test_rng << 13;
	test_rng ^= test_rng >> 17;
	test_rng ^= test_rng << 5;
	return test_rng;
}

static inline int
test_done(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

/* A whole file, malloc'd (*len 0 and NULL or a short result if it cannot
 * be read). */
static inline uint8_t *
test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (d = malloc((size_t)n + 1)) != NULL &&
	    fread(d, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	fclose(f);
	return d;
}

#endif
