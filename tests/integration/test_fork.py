"""
test_fork.py: the master when fork fails for a while, as it does when the
processes a user may have (RLIMIT_NPROC, a cgroup's pids.max) or memory run
out: the compressing build that follows a start, a killed worker's slot and
a reload's build are tried again on a timer, with one log line for the run
of failures and folio_fork_failures_total counting every try; they start
once processes can be had again, and the reload ends (READY=1).

The shortage is RLIMIT_NPROC, which counts every process of a real uid and
does not bind root. foliod runs here as a uid of its own that no process
uses (setpriv), under prlimit(1), and processes of that uid that only sleep
take the rest of what it may have; killing them ends the shortage. Becoming
another uid takes root: without it these tests are skipped.
"""

import os
import pwd
import re
import shutil
import signal
import subprocess
import unittest

from harness import (CLI_TIMEOUT, EVENT_TIMEOUT, Foliod, NotifySocket,
                     ProtocolError, process_name, wait_until)

# Uids tried for foliod, the first without an account or a process taken.
SPARE_UIDS = range(64000, 65000)
# Processes the uid may have (RLIMIT_NPROC), and foliod's when it serves:
# the master, two workers and one imager. Once the shortage ends there is
# room to spare: each process that exits under a sanitizer starts a thread
# for its leak check, and a thread counts as a process.
NPROC = 12
WORKERS = 2
IMAGE_WORKERS = 1
FOLIOD_PROCS = 1 + WORKERS + IMAGE_WORKERS
# Seconds a process that takes a place sleeps, at most (it is killed when
# the test ends the shortage, or at its end).
HOG_SECONDS = 300
# Failed forks seen before the shortage ends: the first, and retries.
FAILED_FORKS = 3
# Failed forks in a row after which the retry is FORK_RETRY_MAX_SEC
# (folio_limits.h: 1 s, doubling up to 8 s) away.
FAILS_TO_MAX_WAIT = 4
FORK_RETRY_MAX_SEC = 8
# The master's line for the first failure of a run (master.c fork_failed).
FORK_FAILED_RE = re.compile(r"master: warn: fork for .*; trying again")
LATE_POST = ("---\ntitle: Written while out of processes\n"
             "date: 2026-05-06\n---\nmarker-late\n")


def uid_in_use(uid):
    """True if a process of real uid runs, or an account has it."""
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        pass
    for name in os.listdir("/proc"):
        try:
            with open("/proc/%s/status" % name) as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            return True
                        break
        except (OSError, ValueError):
            continue
    return False


def setpriv_argv(uid):
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid,
            "--clear-groups", "--"]


def spare_uid():
    """(a uid to run foliod as, None) or (None, why there is none)."""
    if os.geteuid() != 0:
        return None, ("RLIMIT_NPROC counts every process of a uid: running"
                      " foliod as a uid of its own takes root")
    for tool in ("setpriv", "prlimit"):
        if shutil.which(tool) is None:
            return None, "no %s(1) (util-linux)" % tool
    uid = next((u for u in SPARE_UIDS if not uid_in_use(u)), None)
    if uid is None:
        return None, "every uid of %r is in use" % SPARE_UIDS
    done = subprocess.run(setpriv_argv(uid) + ["true"], capture_output=True,
                          timeout=CLI_TIMEOUT)
    if done.returncode != 0:
        return None, "cannot become uid %d: %s" % (
            uid, done.stderr.decode().strip())
    return uid, None


class Hogs:
    """Processes of uid that sleep: each takes one of the processes uid may
    have."""

    def __init__(self, uid):
        self.uid = uid
        self.procs = []

    def add(self, count):
        """Starts count more and waits until each runs as uid."""
        for _ in range(count):
            self.procs.append(subprocess.Popen(
                setpriv_argv(self.uid) + ["sleep", str(HOG_SECONDS)],
                stdin=subprocess.DEVNULL))
        wait_until(lambda: all(process_name(p.pid) == "sleep"
                               for p in self.procs), EVENT_TIMEOUT,
                   "%d sleeping processes of uid %d" % (len(self.procs),
                                                       self.uid))

    def free(self):
        """Kills them all and reaps them (a zombie still counts)."""
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()
        self.procs = []


def count_fork_failures(server):
    return server.metric("folio_fork_failures_total")


def status_of(server, target, admin=False):
    try:
        return server.get(target, admin=admin).status
    except (OSError, ProtocolError):
        return None


class ShortFoliod(Foliod):
    """foliod as uid, its tree given to uid, allowed NPROC processes of
    uid."""

    def __init__(self, uid, **kw):
        self.uid = uid
        super().__init__(prepare=self._give_tree, **kw)

    def _give_tree(self, server):
        for top, dirs, files in os.walk(server.tmp):
            for name in [top] + [os.path.join(top, n) for n in dirs + files]:
                os.lchown(name, self.uid, self.uid)

    def command(self):
        return (["prlimit", "--nproc=%d" % NPROC, "--"] +
                setpriv_argv(self.uid) + super().command())


class ForkFailures(unittest.TestCase):

    def setUp(self):
        self.uid, why = spare_uid()
        if self.uid is None:
            self.skipTest(why)
        self.hogs = Hogs(self.uid)
        self.addCleanup(self.hogs.free)

    def server(self, **kw):
        conf = {"workers": WORKERS, "image_workers": IMAGE_WORKERS}
        server = ShortFoliod(self.uid, conf=conf, **kw)
        self.addCleanup(server.close, check=False)
        return server

    def serving_short_of_processes(self):
        """foliod started with only the places its master, workers and
        imager take left: the fast first build publishes, and the build
        that compresses it cannot fork."""
        self.hogs.add(NPROC - FOLIOD_PROCS)
        server = self.server()
        server.prepare()
        server._spawn()
        wait_until(lambda: status_of(server, "/readyz", admin=True) == 200,
                   EVENT_TIMEOUT, "/readyz to answer 200")
        return server

    def wait_failures(self, server, count):
        wait_until(lambda: count_fork_failures(server) >= count,
                   EVENT_TIMEOUT, "%d failed forks" % count)

    def test_the_compressing_build_comes_once_processes_free_up(self):
        """The fast first build publishes, the workers take the last
        processes allowed, and the build that compresses the pages cannot
        fork: it is tried again until it can, and then compresses."""
        # The fast first build fits beside the master, and the workers
        # then take the last places.
        self.hogs.add(NPROC - FOLIOD_PROCS)
        server = self.server()
        server.prepare()
        server._spawn()
        server.wait_log(r"master: warn: fork for the index build: ")
        wait_until(lambda: status_of(server, "/readyz", admin=True) == 200,
                   EVENT_TIMEOUT, "/readyz to answer 200")
        self.wait_failures(server, FAILED_FORKS)
        self.assertGreater(server.metric("folio_index_uncompressed"), 0)
        self.assertEqual(len(FORK_FAILED_RE.findall(server.log())), 1,
                         "one log line for a run of failed forks")
        self.hogs.free()
        wait_until(lambda: server.metric("folio_index_uncompressed") == 0,
                   EVENT_TIMEOUT, "the compressing build")
        self.assertRegex(server.log(), r"master: info: fork works again, after"
                         r" \d+ failed tries")
        self.assertEqual(server.get("/").status, 200)
        self.assertEqual(server.stop(), 0)

    def test_an_exit_makes_room_for_a_worker_at_once(self):
        """Under a process limit, a worker's exit frees the place its
        replacement needs: the replacement is forked then, not at the
        retry of the failed build's fork, which is 8 s away."""
        server = self.serving_short_of_processes()
        self.wait_failures(server, FAILS_TO_MAX_WAIT)
        victim = server.wait_workers(WORKERS)[0]
        server.kill_worker(victim)
        server.wait_workers(WORKERS, exclude=[victim],
                            timeout=FORK_RETRY_MAX_SEC / 2)
        self.assertEqual(server.get("/").status, 200)
        self.hogs.free()
        self.assertEqual(server.stop(), 0)

    def test_a_young_death_with_no_room_is_not_stability(self):
        """A worker that dies young while its slot cannot be filled (no
        process to be had) leaves the crash loop open: the master does not
        call the workers stable, as it once did a second later, on seeing
        no young worker alive."""
        server = self.serving_short_of_processes()
        first = server.wait_workers(WORKERS)
        server.kill_worker(first[0])
        young, = set(server.wait_workers(WORKERS, exclude=[first[0]])) - \
            set(first)
        mark = server.log_mark()
        self.hogs.add(1)        # the young worker's place, once it is gone
        server.kill_worker(young)
        self.wait_failures(server, count_fork_failures(server) + 2)
        self.assertNotIn("stable again", server.log_since(mark))
        self.hogs.free()
        server.wait_workers(WORKERS, exclude=[first[0], young])
        self.assertEqual(server.stop(), 0)

    def test_a_lost_worker_and_a_reload_wait_for_processes(self):
        """While the master cannot fork, a killed worker's slot stays
        empty and a reload's build waits; neither is forgotten: once it can
        fork, the worker is back, the build publishes what changed, and
        the reload ends with READY=1 (systemctl reload returns)."""
        with NotifySocket() as notify:
            os.chown(notify.dir, self.uid, self.uid)
            os.chown(notify.path, self.uid, self.uid)
            server = self.server(env={"NOTIFY_SOCKET": notify.path})
            server.start()
            notify.expect("READY")
            victim = server.wait_workers(WORKERS)[0]
            failed = count_fork_failures(server)
            mark = server.log_mark()
            # Every place taken, the victim's too once it is gone.
            self.hogs.add(NPROC - FOLIOD_PROCS + 1)
            server.write_content_atomic("posts/late.md", LATE_POST)
            server.kill_worker(victim)
            server.signal(signal.SIGHUP)
            notify.expect("RELOADING")
            self.wait_failures(server, failed + FAILED_FORKS)
            self.assertEqual(len(server.worker_pids()), WORKERS - 1)
            self.assertEqual(status_of(server, "/posts/late"), 404)
            self.assertEqual(len(FORK_FAILED_RE.findall(
                server.log_since(mark))), 1,
                "one log line for a run of failed forks")
            self.hogs.free()
            notify.expect("READY")
            server.wait_workers(WORKERS, exclude=[victim])
            wait_until(lambda: status_of(server, "/posts/late") == 200,
                       EVENT_TIMEOUT, "the post written meanwhile")
            self.assertIn("fork works again", server.log_since(mark))
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
