/*
 * proc.c: what a process does to itself: take the name ps(1) shows for
 * its role, drop from root to the configured user, prepare the
 * directories it will write to, and set malloc up for a build. Also the
 * clock every process's deadlines count in.
 */
#include "foliod.h"

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define PROC_DIR_MODE	0755
/*
 * What a child gets when the master dies (killed, out of memory, crashed):
 * SIGTERM, the signal of a graceful stop, rather than SIGKILL. A worker
 * then closes its listeners at once, so the ports are free for the next
 * foliod, and finishes the requests in flight within shutdown_timeout; an
 * imager finishes its resize; a build just ends (its default action), and
 * the next start removes its temp file.
 */
#define PROC_PARENT_DEATH_SIGNAL	SIGTERM

/*
 * A build allocates and frees a little for every document, thousands of
 * times: left to glibc's defaults it hands the top of its heap back to the
 * kernel after each, and large buffers are mapped and unmapped, so the
 * same memory is faulted in again and again (7% of a cold build of 10000
 * posts). The build process is short-lived and its peak is the same.
 */
#define BUILD_TRIM_THRESHOLD	(64 << 20)
#define BUILD_TOP_PAD		(16 << 20)
#define BUILD_MMAP_THRESHOLD	(32 << 20)

static int
lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user %s: %s", user,
		    errno ? strerror(errno) : "no such user; create it or"
		    " change the user key");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

void
proc_tune_for_build(void)
{
	(void)mallopt(M_TRIM_THRESHOLD, BUILD_TRIM_THRESHOLD);
	(void)mallopt(M_TOP_PAD, BUILD_TOP_PAD);
	(void)mallopt(M_MMAP_THRESHOLD, BUILD_MMAP_THRESHOLD);
}

void
proc_name(const char *name)
{
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
}

void
proc_follow_parent(pid_t parent)
{
	/* The kernel sends the signal when the thread that forked this
	 * process exits: the master has one thread, so that is the master. */
	if (prctl(PR_SET_PDEATHSIG, PROC_PARENT_DEATH_SIGNAL, 0, 0, 0) == -1)
		log_warn("prctl PR_SET_PDEATHSIG; this process will outlive a"
		    " master that dies");
	/* The master died before the call above: nobody will signal us. */
	if (getppid() != parent)
		_exit(0);
}

int
proc_drop_privileges(const char *user, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (user[0] == '\0' || geteuid() != 0)
		return 0;
	if (lookup(user, &uid, &gid, err, errlen) == -1)
		return -1;
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "cannot become user %s: %s", user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
proc_chown_for(const char *path, const char *user, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (user[0] == '\0' || geteuid() != 0)
		return 0;
	if (lookup(user, &uid, &gid, err, errlen) == -1)
		return -1;
	if (chown(path, uid, gid) == -1) {
		snprintf(err, errlen, "%s: chown to %s: %s", path, user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
proc_mkdirs(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(tmp, PROC_DIR_MODE) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create: %s%s", tmp,
			    strerror(errno), errno == EROFS ? " (mount a"
			    " writable volume there, e.g. an emptyDir)" : "");
			return -1;
		}
		if (c == '\0')
			break;
		*p = c;
	}
	if (access(path, W_OK) == -1) {
		snprintf(err, errlen, "%s: not writable: %s%s", path,
		    strerror(errno), errno == EROFS || errno == EACCES ?
		    " (mount a writable volume there, e.g. an emptyDir)" : "");
		return -1;
	}
	return 0;
}

time_t
proc_mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}
