/*
 * test_net.c: listeners on loopback (IPv4, IPv6, every address), refusal of
 * bad addresses with a reason, and peer address text.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "test.h"

static int
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void
test_listen(void)
{
	static const char *good[] = { "127.0.0.1:0", "*:0", ":0" };
	static const char *bad[] = { "127.0.0.1", "nohost:80", "[::1:80",
	    "127.0.0.1:http", "300.1.1.1:80" };
	char err[256];
	int fd;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		fd = net_listen(good[i], err, sizeof(err));
		ok(fd >= 0, "listen %s: %s", good[i], fd < 0 ? err : "");
		if (fd < 0)
			continue;
		ok(bound_port(fd) > 0, "%s got a port", good[i]);
		ok(fcntl(fd, F_GETFL) & O_NONBLOCK, "non-blocking");
		ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "close-on-exec");
		close(fd);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		fd = net_listen(bad[i], err, sizeof(err));
		ok(fd == -1 && strstr(err, bad[i]) == err, "refuse %s: %s",
		    bad[i], err);
	}
}

static void
test_in_use(void)
{
	char err[256], addr[64];
	int a, b;

	a = net_listen("127.0.0.1:0", err, sizeof(err));
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", bound_port(a));
	b = net_listen(addr, err, sizeof(err));
	ok(b == -1 && strstr(err, "bind") && strstr(err, "change listen"),
	    "a taken port says what to do: %s", err);
	close(a);
}

static void
test_host_text(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char out[NET_ADDR_TEXT_MAX];

	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &s4->sin_addr);
	net_host_text(&ss, out, sizeof(out));
	ok(strcmp(out, "192.0.2.7") == 0, "ipv4 %s", out);

	memset(&ss, 0, sizeof(ss));
	s6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
	net_host_text(&ss, out, sizeof(out));
	ok(strcmp(out, "2001:db8::1") == 0, "ipv6 %s", out);

	inet_pton(AF_INET6, "::ffff:198.51.100.2", &s6->sin6_addr);
	net_host_text(&ss, out, sizeof(out));
	ok(strcmp(out, "198.51.100.2") == 0, "v4-mapped shown as ipv4: %s", out);

	ss.ss_family = AF_UNIX;
	net_host_text(&ss, out, sizeof(out));
	ok(strcmp(out, "-") == 0, "unknown family");
}

int
main(void)
{
	test_listen();
	test_in_use();
	test_host_text();
	return test_done();
}
