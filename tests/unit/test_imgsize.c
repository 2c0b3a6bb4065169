/*
 * test_imgsize.c: imgsize.c. A remembered size is given back only for the
 * file as it was (same device, inode, size and mtime); a new entry takes a
 * slot over; empty or nonsense entries are not kept.
 */
#include <string.h>

#include "imgsize.h"
#include "test.h"

static struct imgsize table;

static struct stat
file_stat(uint64_t ino, off_t size, time_t mtime)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_dev = 7;
	st.st_ino = (ino_t)ino;
	st.st_size = size;
	st.st_mtim.tv_sec = mtime;
	st.st_mtim.tv_nsec = 500;
	return st;
}

static void
remember(const struct stat *st, uint32_t w, uint32_t h, enum image_format f)
{
	struct image_info info = { .format = f, .display_width = w,
	    .display_height = h };
	struct imgsize_entry e;

	imgsize_entry_set(&e, st, &info);
	imgsize_put(&table, &e);
}

static void
test_identity(void)
{
	struct stat st = file_stat(42, 1000, 1700000000);
	struct image_info info;

	ok(!imgsize_get(&table, &st, &info), "empty table gave a size");
	remember(&st, 1200, 800, IMAGE_FMT_JPEG);
	ok(imgsize_get(&table, &st, &info) && info.display_width == 1200 &&
	    info.display_height == 800 && info.format == IMAGE_FMT_JPEG,
	    "remembered size not given back");

	struct stat changed = st;
	changed.st_size = 1001;
	ok(!imgsize_get(&table, &changed, &info), "size change not noticed");
	changed = st;
	changed.st_mtim.tv_nsec = 501;
	ok(!imgsize_get(&table, &changed, &info), "mtime change not noticed");
	changed = st;
	changed.st_ino = 43;
	ok(!imgsize_get(&table, &changed, &info), "other inode matched");
}

static void
test_refused_entries(void)
{
	struct stat st = file_stat(99, 10, 1);
	struct image_info info;

	remember(&st, 0, 10, IMAGE_FMT_PNG);
	ok(!imgsize_get(&table, &st, &info), "zero width kept");
	remember(&st, 10, 10, IMAGE_FMT_NONE);
	ok(!imgsize_get(&table, &st, &info), "no format kept");
}

/* More files than slots: the table stays its size, and the latest of each
 * slot is right. */
static void
test_bounded(void)
{
	struct image_info info;
	size_t found = 0, wrong = 0;

	for (uint64_t i = 0; i < 4 * IMGSIZE_SLOTS; i++) {
		struct stat st = file_stat(1000 + i, 10, 1);
		remember(&st, (uint32_t)i + 1, 5, IMAGE_FMT_PNG);
	}
	for (uint64_t i = 0; i < 4 * IMGSIZE_SLOTS; i++) {
		struct stat st = file_stat(1000 + i, 10, 1);
		if (!imgsize_get(&table, &st, &info))
			continue;
		found++;
		wrong += info.display_width != (uint32_t)i + 1;
	}
	ok(wrong == 0, "%zu sizes given for the wrong file", wrong);
	ok(found > 0 && found <= IMGSIZE_SLOTS, "%zu found of %d slots", found,
	    IMGSIZE_SLOTS);
}

int
main(void)
{
	test_identity();
	test_refused_entries();
	test_bounded();
	return test_done();
}
