/*
 * net.h: listening sockets and peer addresses.
 */
#ifndef FOLIO_NET_H
#define FOLIO_NET_H

#include <stddef.h>
#include <sys/socket.h>

#define NET_ADDR_TEXT_MAX	64	/* "[ffff:...:ffff]:65535" and a NUL */

/*
 * Opens a non-blocking, close-on-exec TCP listener on addr ("host:port",
 * "[v6]:port", "*:port" for every address). Returns the fd, or -1 with the
 * reason in err.
 */
int	net_listen(const char *addr, char *err, size_t errlen);

/* The numeric host of a peer address ("192.0.2.1", "2001:db8::1"). */
void	net_host_text(const struct sockaddr_storage *ss, char *out, size_t outlen);

#endif
