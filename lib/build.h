/*
 * build.h: one index build: reads the content tree, renders every route with
 * the theme, and writes the page index (index.h) with the response headers
 * each route is served with.
 */
#ifndef FOLIO_BUILD_H
#define FOLIO_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"

struct build_result {
	size_t		entries;	/* routes written */
	size_t		reused;		/* of those, taken from the previous index */
	size_t		deferred;	/* pages left to compress (BUILD_FAST_START) */
	size_t		cached;		/* sources the source cache spared reading */
	size_t		problems;	/* content files skipped (each logged) */
	size_t		changed;	/* sources found changed since they were
					 * read: nothing was written */
	time_t		next_publish;	/* a future post becomes due, 0 = none */
	uint32_t	ms;		/* how long the build took */
};

/*
 * build_site() flags. BUILD_FAST_START (the first build after a start):
 * pages that are rendered, not copied whole from a previous index, are
 * written without their gzip and brotli variants, which are most of a cold
 * build's time; the index counts them (ix_header.deferred, res->deferred)
 * and the next build, without the flag, compresses them, reusing
 * everything else.
 */
#define BUILD_FAST_START	0x1u
/* BUILD_LEAVE_CHANGED: sources that change while the site is built are
 * left out (each logged, counted in res->problems) instead of failing the
 * build: for a file that never settles. */
#define BUILD_LEAVE_CHANGED	0x2u

/*
 * Builds the site of conf->content_dir as it stands at now into dir/name.
 * Returns 0, or -1 with the reason in err when no index could be written
 * (content root unreadable, disk full); the previous index is untouched then.
 * A source that changes between its reading and its rendering also gives
 * -1, with res->changed > 0: the pages would mix two versions of the site,
 * so the build is to be started again (the change has settled or is on
 * its way to the watcher).
 */
int	build_site(const struct conf *conf, uint64_t generation, time_t now,
	    const char *dir, const char *name, unsigned flags,
	    struct build_result *res, char *err, size_t errlen);

#endif
