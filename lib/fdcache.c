/*
 * fdcache.c: the open-file cache of fdcache.h: one slot per key hash,
 * entries replaced on collision, stale ones closed when next looked at or
 * by fdcache_expire().
 */
#include "fdcache.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"

static struct fdcache_entry *
slot_of(struct fdcache *c, const void *key, size_t keylen)
{
	return &c->e[hash64(key, keylen) & (FDCACHE_SLOTS - 1)];
}

static void
drop(struct fdcache_entry *e)
{
	if (e->fd != -1)
		close(e->fd);
	e->fd = -1;
	e->keylen = 0;
}

void
fdcache_init(struct fdcache *c, time_t valid_sec)
{
	c->valid_sec = valid_sec;
	for (size_t i = 0; i < FDCACHE_SLOTS; i++) {
		c->e[i].fd = -1;
		c->e[i].keylen = 0;
	}
}

int
fdcache_get(struct fdcache *c, const void *key, size_t keylen, time_t now,
    struct stat *st, void *extra, size_t extralen)
{
	struct fdcache_entry *e = slot_of(c, key, keylen);
	int fd;

	if (e->fd == -1 || e->keylen != keylen ||
	    memcmp(e->key, key, keylen) != 0 || extralen > FDCACHE_EXTRA_MAX)
		return -1;
	if (now >= e->until) {
		drop(e);
		return -1;
	}
	if ((fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	*st = e->st;
	if (extralen > 0)
		memcpy(extra, e->extra, extralen);
	return fd;
}

void
fdcache_put(struct fdcache *c, const void *key, size_t keylen, int fd,
    const struct stat *st, const void *extra, size_t extralen, time_t now)
{
	struct fdcache_entry *e = slot_of(c, key, keylen);
	int copy;

	if (keylen > FDCACHE_KEY_MAX || extralen > FDCACHE_EXTRA_MAX ||
	    c->valid_sec <= 0)
		return;
	if ((copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return;
	drop(e);
	e->fd = copy;
	e->until = now + c->valid_sec;
	e->st = *st;
	e->keylen = keylen;
	memcpy(e->key, key, keylen);
	memset(e->extra, 0, sizeof(e->extra));
	if (extralen > 0)
		memcpy(e->extra, extra, extralen);
}

void
fdcache_expire(struct fdcache *c, time_t now)
{
	for (size_t i = 0; i < FDCACHE_SLOTS; i++)
		if (c->e[i].fd != -1 && now >= c->e[i].until)
			drop(&c->e[i]);
}

void
fdcache_flush(struct fdcache *c)
{
	for (size_t i = 0; i < FDCACHE_SLOTS; i++)
		drop(&c->e[i]);
}
