/*
 * notify.c: the systemd notification protocol, spoken directly (one
 * datagram per state change to $NOTIFY_SOCKET), so foliod needs no
 * libsystemd. Outside systemd it does nothing.
 */
#include "foliod.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_len;

/* Takes $NOTIFY_SOCKET out of the environment, so no child inherits it. */
void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	if (path == NULL)
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(notify_addr.sun_path)) {
		log_warnx("NOTIFY_SOCKET %s is not a socket path; not notifying",
		    path);
	} else {
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, path, len);
		if (path[0] == '@')
			notify_addr.sun_path[0] = '\0';	/* abstract */
		notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len);
	}
	unsetenv("NOTIFY_SOCKET");
}

void
notify(const char *state)
{
	int fd;

	if (notify_len == 0)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify socket");
		return;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len) == -1)
		log_warn("notify %s", state);
	close(fd);
}
