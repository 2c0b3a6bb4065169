/*
 * signals.c: signals arrive through a signalfd in each process's event loop,
 * never in a handler: the handled set is blocked in the master before the
 * first fork, workers inherit the mask and open their own signalfd, and the
 * build child unblocks it so the defaults (die on TERM) apply there.
 */
#include "foliod.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void
handled_set(sigset_t *set)
{
	static const int sigs[] = SIGNALS_HANDLED;

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
}

void
signals_block(void)
{
	sigset_t set;

	handled_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A peer that goes away mid-response is an EPIPE, not a death. */
	signal(SIGPIPE, SIG_IGN);
}

void
signals_unblock(void)
{
	sigset_t set;

	handled_set(&set);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int
signals_fd(void)
{
	sigset_t set;

	handled_set(&set);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int
signals_read(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	do {
		n = read(fd, &si, sizeof(si));
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}
