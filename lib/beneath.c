/*
 * beneath.c: openat2(2) with RESOLVE_BENEATH where the kernel has it
 * (Linux 5.6), and O_NOFOLLOW on the last component where it does not.
 */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hash.h"

int
open_beneath(int rootfd, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd == -1 && errno == ENOSYS)
		fd = openat(rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd;
}

void
file_version(const struct stat *st, char out[17])
{
	uint64_t id[4] = { (uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
	    (uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_ino };

	hash64_hex(hash64(id, sizeof(id)), out);
}
