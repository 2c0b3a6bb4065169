/*
 * beneath.h: opening a file by a path under a directory without ever
 * leaving it, symlinks included, and the version of a file as the site
 * names it.
 */
#ifndef FOLIO_BENEATH_H
#define FOLIO_BENEATH_H

#include <sys/stat.h>

/* Opens rel (relative) under the directory rootfd read-only; -1 with errno
 * when it does not exist or its resolution would leave rootfd. */
int	open_beneath(int rootfd, const char *rel);

/* 16 hex digits naming this version of a file (size, mtime, inode): its
 * ETag, and the v= of /_img URLs. */
void	file_version(const struct stat *st, char out[17]);

#endif
