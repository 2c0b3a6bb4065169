/*
 * net.c: listening sockets. Addresses are numeric (no resolver at start-up)
 * and "*" means every address, IPv6 and IPv4 together where the host has
 * IPv6.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "folio_limits.h"

/* The kernel caps this at net.core.somaxconn; ask for plenty so bursts
 * queue instead of being refused while workers are busy. */
#define NET_BACKLOG	4096
/* Seconds the kernel holds a connection that has sent nothing before
 * passing it on anyway (and foliod's header_timeout takes over). */
#define NET_DEFER_ACCEPT_SEC	5

/* Splits "host:port" / "[v6]:port" / "*:port" into host (NULL for "*") and
 * port. */
static int
split_addr(const char *addr, char *host, size_t hostlen, const char **port)
{
	const char *colon;
	size_t n;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		n = (size_t)(end - addr - 1);
		if (n == 0 || n >= hostlen)
			return -1;
		memcpy(host, addr + 1, n);
		host[n] = '\0';
		*port = end + 2;
		return 0;
	}
	if ((colon = strrchr(addr, ':')) == NULL)
		return -1;
	n = (size_t)(colon - addr);
	if (n >= hostlen)
		return -1;
	memcpy(host, addr, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

static int
listen_on(const struct addrinfo *ai, char *err, size_t errlen, const char *addr)
{
	int fd, on = 1, off = 0, defer = NET_DEFER_ACCEPT_SEC;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1) {
		snprintf(err, errlen, "%s: socket: %s", addr, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* Accepted sockets inherit these: no Nagle delay on the last segment
	 * of a response, and no wake-up for a connection until its client has
	 * sent something (the kernel drops it if that never happens). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer));
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		snprintf(err, errlen, "%s: bind: %s%s", addr, strerror(errno),
		    errno == EADDRINUSE ? " (another server is on that port;"
		    " stop it or change listen)" : errno == EACCES ?
		    " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : "");
		close(fd);
		return -1;
	}
	if (listen(fd, NET_BACKLOG) == -1) {
		snprintf(err, errlen, "%s: listen: %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
net_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[CONF_ADDR_MAX];
	const char *port;
	bool any;
	int rc, fd = -1;

	if (split_addr(addr, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "%s: not host:port", addr);
		return -1;
	}
	any = host[0] == '\0' || strcmp(host, "*") == 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = any ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(any ? NULL : host, port, &hints, &res);
	if (rc != 0 && any) {
		/* No IPv6 on this host: every IPv4 address then. */
		hints.ai_family = AF_INET;
		rc = getaddrinfo(NULL, port, &hints, &res);
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = listen_on(ai, err, errlen, addr);
	freeaddrinfo(res);
	return fd;
}

void
net_host_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	const void *a;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		/* Show v4-mapped peers of a dual-stack socket as plain IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a = &s6->sin6_addr.s6_addr[12];
			if (inet_ntop(AF_INET, a, out, (socklen_t)outlen) == NULL)
				snprintf(out, outlen, "-");
			return;
		}
		a = &s6->sin6_addr;
	} else if (ss->ss_family == AF_INET) {
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	} else {
		snprintf(out, outlen, "-");
		return;
	}
	if (inet_ntop(ss->ss_family, a, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "-");
}
