/*
 * test.h: the unit-test harness. ok() records one check and names the file
 * and line of a failure; test_done() prints "N passed, N failed" and gives
 * the exit status.
 */
#ifndef FOLIO_TEST_H
#define FOLIO_TEST_H

#include <stdio.h>

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

static inline int
test_done(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
