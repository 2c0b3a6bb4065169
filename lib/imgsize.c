/*
 * imgsize.c: the remembered sizes of image sources (imgsize.h).
 */
#include "imgsize.h"

#include <string.h>

#include "hash.h"

_Static_assert((IMGSIZE_SLOTS & (IMGSIZE_SLOTS - 1)) == 0,
    "IMGSIZE_SLOTS is a power of two");

static size_t
slot(uint64_t dev, uint64_t ino)
{
	uint64_t id[2] = { dev, ino };

	return (size_t)(hash64(id, sizeof(id)) & (IMGSIZE_SLOTS - 1));
}

void
imgsize_entry_set(struct imgsize_entry *e, const struct stat *st,
    const struct image_info *info)
{
	memset(e, 0, sizeof(*e));
	e->dev = (uint64_t)st->st_dev;
	e->ino = (uint64_t)st->st_ino;
	e->size = (int64_t)st->st_size;
	e->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	e->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
	e->width = info->display_width;
	e->height = info->display_height;
	e->format = (int32_t)info->format;
}

static bool
format_ok(int32_t f)
{
	return f == IMAGE_FMT_JPEG || f == IMAGE_FMT_PNG || f == IMAGE_FMT_WEBP;
}

void
imgsize_put(struct imgsize *t, const struct imgsize_entry *e)
{
	if (e->width == 0 || e->height == 0 || !format_ok(e->format))
		return;
	t->e[slot(e->dev, e->ino)] = *e;
}

bool
imgsize_get(const struct imgsize *t, const struct stat *st,
    struct image_info *info)
{
	const struct imgsize_entry *e;

	e = &t->e[slot((uint64_t)st->st_dev, (uint64_t)st->st_ino)];
	if (!format_ok(e->format) || e->dev != (uint64_t)st->st_dev ||
	    e->ino != (uint64_t)st->st_ino || e->size != (int64_t)st->st_size ||
	    e->mtime_sec != (int64_t)st->st_mtim.tv_sec ||
	    e->mtime_nsec != (int64_t)st->st_mtim.tv_nsec)
		return false;
	memset(info, 0, sizeof(*info));
	info->format = (enum image_format)e->format;
	info->width = info->display_width = e->width;
	info->height = info->display_height = e->height;
	info->orientation = 1;
	return true;
}
