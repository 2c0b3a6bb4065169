/*
 * fuzz_index.c: index_open() on arbitrary bytes, as a worker would map a
 * corrupt index. Whatever it accepts must keep every lookup and every blob
 * inside the mapping; a violation aborts. Each input is tried as it is and
 * with its file_size field patched to the real size, so mutations that
 * change the length still reach the checks past the header. An index that
 * opens has its source cache blob read too (srccache_open() and lookups),
 * with the blob's own stamp so the records are reached.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "content.h"
#include "folio_limits.h"
#include "frontmatter.h"
#include "index.h"
#include "srccache.h"

#define FUZZ_PATH_MAX	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const probes[] = {
	"/", "/a", "/posts/hello", "/img.png", "", "/tags", "/feed.xml",
};

/* Paths and the identity the seeds' source records carry. */
static const char *const src_probes[] = {
	"posts/hello.md", "pages/about.md", "", "zzz",
};
static const struct src_id src_probe_id = {
	.size = 120, .ino = 7, .mtime_s = 1700000000,
};

static int fuzz_fd = -1;
static char fuzz_path[FUZZ_PATH_MAX];

/* A memfd opened again by its /proc name when possible: no disk writes
 * per input. Otherwise a file in /tmp. */
static int
fuzz_setup(void)
{
	if (fuzz_fd != -1)
		return 0;
	if ((fuzz_fd = memfd_create("fuzz-index", MFD_CLOEXEC)) != -1) {
		snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d",
		    fuzz_fd);
		if (access(fuzz_path, R_OK) == 0)
			return 0;
		close(fuzz_fd);
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "/tmp/fuzz-index.%ld",
	    (long)getpid());
	fuzz_fd = open(fuzz_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	return fuzz_fd == -1 ? -1 : 0;
}

static void
fuzz_write(const uint8_t *data, size_t size)
{
	if (ftruncate(fuzz_fd, 0) == -1 || ftruncate(fuzz_fd, (off_t)size) == -1)
		abort();
	if (size > 0 && pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
		abort();
}

static void
check_blob(const struct index *ix, struct ix_blob b, unsigned *sum)
{
	const unsigned char *p;

	if (b.off > ix->size || b.len > ix->size - b.off)
		abort();
	p = (const unsigned char *)index_blob(ix, b);
	for (uint64_t i = 0; i < b.len; i++)
		*sum += p[i];
}

static void
check_entry(const struct index *ix, const struct ix_entry *e, unsigned *sum)
{
	if (e < ix->entries || e >= ix->entries + ix->hdr->nentries)
		abort();
	check_blob(ix, e->path, sum);
	for (int v = 0; v < IXV_COUNT; v++) {
		if (!(e->variants & (1u << v)))
			continue;
		check_blob(ix, e->headers[v], sum);
		check_blob(ix, e->body[v], sum);
	}
	if (e->kind == IX_PAGE && strlen(e->etag) != ETAG_CORE_LEN)
		abort();
}

static void
try_sources(const struct index *ix)
{
	const char *blob = index_blob(ix, ix->hdr->sources);
	struct srccache sc;
	struct doc d;
	uint64_t stamp = 0;
	size_t off;

	if (ix->hdr->sources.len >= 2 * sizeof(stamp))
		memcpy(&stamp, blob + sizeof(stamp), sizeof(stamp));
	if (srccache_open(&sc, blob, ix->hdr->sources.len, stamp) == -1)
		return;
	for (size_t i = 0; i < sizeof(src_probes) / sizeof(src_probes[0]);
	    i++) {
		memset(&d, 0, sizeof(d));
		if (srccache_get(&sc, src_probes[i], &src_probe_id, &d,
		    &off) == 1) {
			if (d.meta.ntags > POST_TAGS_MAX)
				abort();
			meta_free(&d.meta);
		}
	}
	srccache_close(&sc);
}

static void
try_open(void)
{
	const struct ix_entry *e, *f;
	struct index ix;
	char err[256];
	unsigned sum = 0;

	if (index_open(&ix, fuzz_path, err, sizeof(err)) == -1) {
		if (ix.map != NULL || err[0] == '\0')
			abort();
		return;
	}
	check_blob(&ix, ix.hdr->root, &sum);
	for (uint32_t i = 0; i < ix.hdr->nentries; i++) {
		e = &ix.entries[i];
		check_entry(&ix, e, &sum);
		/* A corrupt table may miss it, but a hit has its path. */
		f = index_lookup(&ix, index_blob(&ix, e->path), e->path.len);
		if (f != NULL) {
			check_entry(&ix, f, &sum);
			if (f->path.len != e->path.len || memcmp(index_blob(&ix,
			    f->path), index_blob(&ix, e->path), e->path.len))
				abort();
		}
	}
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if ((e = index_lookup(&ix, probes[i], strlen(probes[i]))) != NULL)
			check_entry(&ix, e, &sum);
	if ((e = index_notfound(&ix)) != NULL)
		check_entry(&ix, e, &sum);
	try_sources(&ix);
	index_close(&ix);
	/* Keep the reads. */
	__asm__ volatile("" : : "r"(sum));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	uint64_t real = size;

	if (fuzz_setup() == -1)
		return 0;
	fuzz_write(data, size);
	try_open();
	if (size < sizeof(struct ix_header))
		return 0;
	if ((copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	memcpy(copy + offsetof(struct ix_header, file_size), &real,
	    sizeof(real));
	fuzz_write(copy, size);
	free(copy);
	try_open();
	return 0;
}
