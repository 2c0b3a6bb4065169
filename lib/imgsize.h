/*
 * imgsize.h: the displayed size and format of image sources, remembered by
 * file identity. A worker needs them to work out /_img's output (and so its
 * cache key) without reading the source: the imager probes each source it
 * reads anyway and sends back what it found. A fixed table, one slot per
 * hash of (st_dev, st_ino); a newer entry takes its slot, so a forgotten
 * size only costs one trip to an imager, which answers from the cache.
 */
#ifndef FOLIO_IMGSIZE_H
#define FOLIO_IMGSIZE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "image.h"

/* Slots of a table: more than the images of a large site, at 48 bytes a
 * slot (48 KB per worker). A power of two. */
#define IMGSIZE_SLOTS	1024

/* One source as it was (identity as imgcache_key() takes it) and its size
 * as displayed. format 0 is an empty slot. */
struct imgsize_entry {
	uint64_t	dev, ino;
	int64_t		size;
	int64_t		mtime_sec;
	int64_t		mtime_nsec;
	uint32_t	width, height;	/* as displayed */
	int32_t		format;		/* enum image_format of the source */
	uint32_t	pad;
};

struct imgsize {
	struct imgsize_entry e[IMGSIZE_SLOTS];
};

/* Fills e from the source's fstat and its probe. */
void	imgsize_entry_set(struct imgsize_entry *e, const struct stat *st,
	    const struct image_info *info);
/* Keeps e (an entry without a size or format is ignored). */
void	imgsize_put(struct imgsize *t, const struct imgsize_entry *e);
/* True, with info's format and display size set, if the file st names was
 * remembered as it is now (same size and mtime). */
bool	imgsize_get(const struct imgsize *t, const struct stat *st,
	    struct image_info *info);

#endif
