"""
test_lifecycle.py: foliod as a Unix daemon. SIGHUP applies a changed config
(the site title, posts_per_page, a moved public listener), refuses a broken
one or one it cannot use (a moved run_dir, another user, a cache_dir it
cannot make) and serves on with the old, and ends a respawn backoff; SIGTERM
lets a slow download finish and exits 0; SIGQUIT does not wait for it; a
worker that keeps dying is respawned with growing delays while /readyz
answers 503, workers that die together count once in that backoff, and
imagers that keep dying back off on their own and leave /readyz alone; when
the master is killed its children exit too; as PID 1 of its own PID
namespace foliod reaps every child, orphans included; the pid file; workers
dropping root to `user`; the systemd notify protocol.
"""

import collections
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest

from harness import (CLI_TIMEOUT, EVENT_TIMEOUT, FIXTURE, IO_TIMEOUT,
                     POLL_INTERVAL, REPO_DIR, Foliod, NotifySocket,
                     ProtocolError, build_request, children_of, free_ports,
                     pid_alive, post_links, wait_until)

# A static file big enough that its download outlasts every socket buffer
# (sparse: it takes no disk), read through a small receive buffer.
BIG_FILE = "big.bin"
BIG_FILE_SIZE = 64 << 20
SMALL_RCVBUF = 4096
# Reads of a slow client before and after the signal, and its pause.
SLOW_READS = 20
SLOW_PAUSE = 0.02
# Seconds the crash-loop test kills every new worker of one slot; the most
# kills that may take when respawns back off (respawning at once, the loop
# would kill one every POLL_INTERVAL: about a hundred).
CRASH_LOOP_SECONDS = 5
CRASH_LOOP_MAX_KILLS = 10
# Seconds a sleeping orphan lives in foliod's PID namespace.
ORPHAN_SECONDS = 1
# Posts enough that the first build is still running when the test, which
# saw it start, sends SIGTERM (it takes seconds; the signal, milliseconds).
# Seconds the master is watched during a stop, and the share of one CPU
# it may use then: it waits on its children, so any more is a spin.
STOP_WATCH_SECONDS = 2
STOP_CPU_SHARE_MAX = 0.25
SLOW_BUILD_POSTS = 4000
SLOW_BUILD_POST = ("---\ntitle: Post %d\ndate: 2026-01-01\n---\n\n" +
                   "A paragraph, long enough to take some rendering. " * 40 +
                   "\n")


def folio_limit(name, default):
    """A number #defined in lib/folio_limits.h, default if not found."""
    with open(os.path.join(REPO_DIR, "lib", "folio_limits.h")) as f:
        m = re.search(r"#define\s+%s\s+(\d+)" % name, f.read())
    return int(m.group(1)) if m else default


def backoff_max_seconds():
    return folio_limit("RESPAWN_BACKOFF_MAX_SEC", 32)


def fast_fail_seconds():
    return folio_limit("RESPAWN_FAST_FAIL_SEC", 2)


# --- Helpers -----------------------------------------------------------------

def status_of(server, target="/", admin=False):
    """The status of a GET, or None if the connection brought no answer."""
    try:
        return server.get(target, admin=admin).status
    except (OSError, ProtocolError):
        return None


def refused(port):
    """True if nothing listens on the loopback port any more."""
    try:
        socket.create_connection(("127.0.0.1", port),
                                 timeout=IO_TIMEOUT).close()
    except ConnectionRefusedError:
        return True
    return False


def title_of(html):
    m = re.search(r"<title>(.*?)</title>", html, re.S)
    return m.group(1) if m else None


def proc_status(pid):
    """/proc/<pid>/status as {field: [values]}."""
    with open("/proc/%d/status" % pid) as f:
        return {k: v.split() for k, _, v in
                (line.partition(":") for line in f)}


def proc_state(pid):
    """The one-letter state of pid (R, S, Z ...), None if it is gone."""
    try:
        return proc_status(pid)["State"][0]
    except (OSError, KeyError, IndexError):
        return None


def proc_comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def zombies(pid):
    """Children of pid that died and were not reaped."""
    return [c for c in children_of(pid) if proc_state(c) == "Z"]


def add_big_file(server):
    """A prepare hook: a sparse BIG_FILE_SIZE file served at /BIG_FILE."""
    with open(server.content_path("static/" + BIG_FILE), "wb") as f:
        f.truncate(BIG_FILE_SIZE)


class Download:
    """A GET of the big file through a small receive buffer, so the worker
    is still sending while the test does other things. received counts body
    bytes, nonzero those that were not zero (the file is all zeros)."""

    def __init__(self, port, target="/" + BIG_FILE):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_RCVBUF)
        self.sock.settimeout(IO_TIMEOUT)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(build_request(target))
        self.eof = False
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(SMALL_RCVBUF)
            if not chunk:
                raise ProtocolError("closed before the head: %r" % data)
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        self.status = int(head.split()[1])
        m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
        self.length = int(m.group(1)) if m else None
        self.received = self.nonzero = 0
        self._count(body)

    def _count(self, data):
        self.received += len(data)
        self.nonzero += len(data) - data.count(0)

    def _recv(self, size):
        try:
            data = self.sock.recv(size)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
        self._count(data)

    def read_slowly(self, reads=SLOW_READS, pause=SLOW_PAUSE):
        for _ in range(reads):
            if self.eof:
                return
            self._recv(SMALL_RCVBUF)
            time.sleep(pause)

    def read_to_end(self):
        """Reads until the body is complete or the peer closes."""
        while not self.eof and self.received < self.length:
            self._recv(1 << 16)

    def close(self):
        self.sock.close()


# --- SIGHUP and the configuration --------------------------------------------

class ConfigReload(unittest.TestCase):

    def test_sighup_refuses_a_broken_config_and_keeps_the_old_one(self):
        with Foliod() as server:
            old_title = title_of(server.get("/").text)
            server.overrides["site_title"] = "Never applied"
            lines = server.write_conf(["no_such_key = 1"])
            server.signal(signal.SIGHUP)
            line = server.wait_log(r"^.*reload refused.*$").group(0)
            self.assertRegex(line, r"%s:%d: no_such_key\b" % (
                re.escape(server.conf_path), len(lines)))
            for _ in range(5):
                resp = server.get("/")
                self.assertEqual(resp.status, 200)
                self.assertEqual(title_of(resp.text), old_title)
            self.assertEqual(server.get("/readyz", admin=True).status, 200)
            with self.subTest("a good config after the bad one"):
                server.write_conf()
                server.signal(signal.SIGHUP)
                wait_until(lambda: title_of(server.get("/").text) ==
                           "Never applied", EVENT_TIMEOUT, "the new title")

    def test_sighup_applies_a_changed_config(self):
        newest = [post.slug for post in FIXTURE.POSTS]
        with Foliod() as server:
            self.assertEqual(server.get("/page/2").status, 404)
            server.overrides.update(site_title="Retitled", posts_per_page=2)
            server.write_conf()
            server.signal(signal.SIGHUP)
            wait_until(lambda: title_of(server.get("/").text) == "Retitled",
                       EVENT_TIMEOUT, "the new site_title on /")
            self.assertEqual(post_links(server.get("/").text), newest[:2])
            self.assertEqual(post_links(server.get("/page/2").text),
                             newest[2:4])
            self.assertEqual(len(server.wait_workers(2)), 2)

    def test_sighup_refuses_a_config_it_cannot_use(self):
        """Each of these parses, but the workers could not run with it: the
        reload is refused with one line saying why, and the running workers
        keep serving with the old configuration."""
        def add_file(server):
            with open(os.path.join(server.tmp, "a-file"), "w") as f:
                f.write("not a directory\n")
        unusable = (
            ("run_dir", "{tmp}/moved-run", r"run_dir changed"),
            ("user", "nosuchuser", r"user changed"),
            ("cache_dir", "{tmp}/a-file/cache",
             r"a-file/cache: cannot create: Not a directory"),
        )
        with Foliod(prepare=add_file) as server:
            old_title = title_of(server.get("/").text)
            workers = server.wait_workers(2)
            for key, value, why in unusable:
                with self.subTest(key=key):
                    mark = server.log_mark()
                    server.overrides.update({key: value,
                                             "site_title": "Never applied"})
                    server.write_conf()
                    del server.overrides[key]
                    server.signal(signal.SIGHUP)
                    wait_until(lambda: "reload refused" in
                               server.log_since(mark), EVENT_TIMEOUT,
                               "the reload to be refused")
                    refusal = [line for line in
                               server.log_since(mark).splitlines()
                               if "reload refused" in line]
                    self.assertEqual(len(refusal), 1, refusal)
                    self.assertRegex(refusal[0], why)
                    self.assertEqual(title_of(server.get("/").text),
                                     old_title)
                    self.assertEqual(server.get("/readyz", admin=True).status,
                                     200)
                    self.assertEqual(sorted(server.worker_pids()), workers)
            with self.subTest("a usable config after them"):
                server.write_conf()
                server.signal(signal.SIGHUP)
                wait_until(lambda: title_of(server.get("/").text) ==
                           "Never applied", EVENT_TIMEOUT, "the new title")
                server.wait_workers(2, exclude=workers)
                self.assertEqual(server.get("/readyz", admin=True).status, 200)

    def test_sighup_ends_a_respawn_backoff(self):
        """Workers killed as fast as they come back push the respawn delay
        past EVENT_TIMEOUT; a reload starts them again at once."""
        with Foliod() as server:
            def delays():
                return [int(d) for d in re.findall(
                    r"workers keep dying; next respawn in (\d+) s",
                    server.log())]

            def killed_enough():
                for pid in server.worker_pids():
                    if pid not in server.killed and pid_alive(pid):
                        server.kill_worker(pid)
                return max(delays() or [0]) > EVENT_TIMEOUT
            wait_until(killed_enough, 3 * EVENT_TIMEOUT,
                       "a respawn delay over %d s" % EVENT_TIMEOUT)
            self.assertEqual(server.worker_pids(), [])
            server.signal(signal.SIGHUP)
            server.wait_workers(2)
            wait_until(lambda: status_of(server, "/readyz", admin=True) ==
                       200, EVENT_TIMEOUT, "/readyz to answer 200")
            self.assertEqual(server.get("/").status, 200)

    def test_sighup_moves_the_public_listener(self):
        with Foliod() as server:
            old_port = server.port
            server.port = free_ports(1)[0]
            server.write_conf()
            server.signal(signal.SIGHUP)
            wait_until(lambda: status_of(server, "/") == 200, EVENT_TIMEOUT,
                       "the new port %d to answer" % server.port)
            wait_until(lambda: refused(old_port), EVENT_TIMEOUT,
                       "the old port %d to refuse" % old_port)
            self.assertIn("marker-quiet-week",
                          server.get("/posts/quiet-week").text)
            self.assertEqual(server.get("/readyz", admin=True).status, 200)
            self.assertEqual(server.stop(), 0)


# --- Stopping ----------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """User and system clock ticks a process has used (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid, encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Stopping(unittest.TestCase):

    def big_file_server(self):
        return Foliod(conf={"shutdown_timeout": 60}, prepare=add_big_file)

    def test_sigterm_lets_a_slow_download_finish(self):
        with self.big_file_server() as server:
            download = Download(server.port)
            try:
                self.assertEqual((download.status, download.length),
                                 (200, BIG_FILE_SIZE))
                download.read_slowly()
                self.assertLess(download.received, BIG_FILE_SIZE // 2,
                                "the download is no longer in flight")
                server.signal(signal.SIGTERM)
                wait_until(lambda: refused(server.port), EVENT_TIMEOUT,
                           "the listener to close")
                download.read_slowly()
                self.assertTrue(pid_alive(server.pid), "the master left with"
                                " a download in flight")
                download.read_to_end()
            finally:
                download.close()
            self.assertEqual(download.received, BIG_FILE_SIZE)
            self.assertEqual(download.nonzero, 0)
            self.assertEqual(server.stop(), 0)

    def test_a_change_during_a_stop_does_not_spin_the_master(self):
        """A post written while a download holds the stop open is not
        built, and its debounce deadline does not keep waking the master
        (it once spun at a whole CPU until the workers left)."""
        with self.big_file_server() as server:
            download = Download(server.port)
            try:
                server.signal(signal.SIGTERM)
                wait_until(lambda: refused(server.port), EVENT_TIMEOUT,
                           "the listener to close")
                server.write_content_atomic(
                    "posts/during-stop.md",
                    "---\ntitle: During the stop\ndate: 2026-01-01\n"
                    "---\nx\n")
                before = cpu_ticks(server.pid)
                time.sleep(STOP_WATCH_SECONDS)
                used = (cpu_ticks(server.pid) - before) / CLK_TCK
                self.assertTrue(pid_alive(server.pid), "the master left with"
                                " a download in flight")
                self.assertLess(used, STOP_WATCH_SECONDS * STOP_CPU_SHARE_MAX,
                                "CPU seconds the stopping master used")
                download.read_to_end()
            finally:
                download.close()
            self.assertEqual(server.stop(), 0)

    def test_sigterm_during_the_first_build_is_a_clean_stop(self):
        """Nothing is served yet: the stop ends the build, and foliod says
        so and exits 0, not 1 with "no index could be built"."""
        server = Foliod(files={
            "posts/p%04d.md" % i: SLOW_BUILD_POST % i
            for i in range(SLOW_BUILD_POSTS)})
        self.addCleanup(server.close, check=False)
        server.prepare()
        server._spawn()
        server.wait_log(r"foliod \S+ serving ")
        self.assertEqual(server.stop(), 0)
        log = server.log()
        self.assertIn("stopped before the first index was built", log)
        self.assertNotIn("no index could be built", log)
        self.assertNotIn("published", log)

    def test_sigquit_does_not_wait_for_a_download(self):
        """shutdown_timeout (60 s) is over the harness's wait for the exit:
        only a stop that does not wait passes."""
        with self.big_file_server() as server:
            download = Download(server.port)
            try:
                download.read_slowly()
                server.stop(signal.SIGQUIT, expect_status=None)
                download.read_to_end()
            finally:
                download.close()
            self.assertLess(download.received, BIG_FILE_SIZE)


# --- Workers that keep dying -------------------------------------------------

class CrashLoop(unittest.TestCase):

    def test_a_worker_that_keeps_dying_is_respawned_with_backoff(self):
        with Foliod() as server:
            victim = server.wait_workers(2)[-1]
            spared = set(server.worker_pids()) - {victim}
            respawns = server.metric("folio_worker_respawns_total")
            kills, readyz = 0, collections.Counter()
            deadline = time.monotonic() + CRASH_LOOP_SECONDS
            while time.monotonic() < deadline:
                for pid in server.worker_pids():
                    if (pid not in spared and pid not in server.killed
                            and pid_alive(pid)):
                        server.kill_worker(pid)
                        kills += 1
                readyz[status_of(server, "/readyz", admin=True)] += 1
                time.sleep(POLL_INTERVAL)
            self.assertGreaterEqual(kills, 3, "too few deaths for a backoff")
            self.assertLessEqual(kills, CRASH_LOOP_MAX_KILLS,
                                 "workers respawned without backing off")
            grown = server.metric("folio_worker_respawns_total") - respawns
            self.assertLessEqual(grown, kills)
            self.assertGreaterEqual(grown, kills - 1)
            delays = [float(d) * (0.001 if unit == "ms" else 1) for d, unit in
                      re.findall(r"next respawn in ([\d.]+) ?(ms|s)\b",
                                 server.log())]
            self.assertTrue(delays, "no \"next respawn in\" log line")
            self.assertEqual(delays, sorted(delays), "delays did not grow")
            self.assertGreater(delays[-1], delays[0], "delays did not grow")
            self.assertIn(503, readyz, "/readyz while backing off: %s"
                          % dict(readyz))
            wait_until(lambda: status_of(server, "/readyz", admin=True) == 200,
                       backoff_max_seconds() + EVENT_TIMEOUT,
                       "/readyz to answer 200 after the crash loop")
            server.wait_workers(2)
            self.assertEqual(server.get("/").status, 200)

    def test_workers_dying_together_count_once(self):
        """Workers that die together, of one cause, take one step of the
        backoff, as one worker dying would: the first time they die young
        both come back at once, the second time after the first delay."""
        def kill_together(victims):
            # The master is stopped meanwhile, so it reaps them together.
            server.signal(signal.SIGSTOP)
            try:
                for pid in victims:
                    server.kill_worker(pid)
                wait_until(lambda: not any(pid_alive(p) for p in victims),
                           EVENT_TIMEOUT, "the workers to die")
            finally:
                server.signal(signal.SIGCONT)
            return server.wait_workers(2, exclude=victims)

        def delays():
            return re.findall(r"workers keep dying; next respawn in (\d+) s",
                              server.log())
        with Foliod() as server:
            first = server.wait_workers(2)
            # Old enough that their deaths are not young ones.
            time.sleep(fast_fail_seconds() + 1)
            young = kill_together(first)
            young = kill_together(young)
            self.assertEqual(delays(), [], "two young deaths of one round"
                             " backed off")
            kill_together(young)
            self.assertEqual(delays(), ["1"])
            self.assertEqual(server.get("/").status, 200)


# --- The master dies ---------------------------------------------------------

class MasterDeath(unittest.TestCase):

    def test_children_leave_when_the_master_is_killed(self):
        """Not under systemd (which kills the whole cgroup) nor as PID 1
        (the namespace dies with it): the workers and the image process
        must not serve a stale index on the inherited ports forever."""
        with Foliod(conf={"image_workers": 1}) as server:
            server.wait_workers(2)
            children = children_of(server.pid)
            names = sorted(proc_comm(p) for p in children)
            self.assertEqual(names, ["foliod imager", "foliod worker",
                                     "foliod worker"])
            os.kill(server.pid, signal.SIGKILL)
            server.proc.wait()
            wait_until(lambda: not [p for p in children if pid_alive(p)],
                       EVENT_TIMEOUT, "the children of the killed master"
                       " to exit")
            self.assertTrue(refused(server.port), "the public port is"
                            " still open")
            self.assertTrue(refused(server.admin_port), "the admin port"
                            " is still open")
            server.proc = None      # nothing left to stop


class ImagerCrashLoop(unittest.TestCase):

    def test_crashing_imagers_back_off_alone(self):
        """Imagers killed as fast as they come back (as a crawler asking
        for an image that crashes the decoder would) back off on their own:
        /readyz stays 200, and a page worker that dies meanwhile is
        respawned at once."""
        with Foliod(conf={"image_workers": 2}) as server:
            readyz = collections.Counter()

            def imagers():
                return [p for p in children_of(server.pid)
                        if proc_comm(p) == "foliod imager"]

            def delays():
                return [int(d) for d in re.findall(
                    r"imagers keep dying.*next respawn in (\d+) s",
                    server.log())]

            def crashed_enough():
                for pid in imagers():
                    if pid not in server.killed and pid_alive(pid):
                        server.kill_worker(pid)
                readyz[status_of(server, "/readyz", admin=True)] += 1
                return max(delays() or [0]) > EVENT_TIMEOUT
            wait_until(crashed_enough, 3 * EVENT_TIMEOUT,
                       "an imager respawn delay over %d s" % EVENT_TIMEOUT)
            self.assertEqual(dict(readyz), {200: sum(readyz.values())})
            self.assertRegex(server.log(), r"master: warn: imager \d+"
                             r" killed by signal 9")
            self.assertNotRegex(server.log(), r"workers keep dying")
            victim = server.wait_workers(2)[0]
            server.kill_worker(victim)
            server.wait_workers(2, exclude=[victim])
            self.assertEqual(server.get("/readyz", admin=True).status, 200)
            self.assertEqual(server.get("/").status, 200)


# --- PID 1 -------------------------------------------------------------------

UNSHARE = ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child"]


def unshare_problem():
    """Why foliod cannot run in a new PID namespace here, or None."""
    if shutil.which("unshare") is None:
        return "no unshare(1)"
    try:
        done = subprocess.run(UNSHARE + ["true"], capture_output=True,
                              timeout=CLI_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "unshare failed: %s" % e
    if done.returncode != 0:
        return "unshare not permitted: %s" % done.stderr.decode().strip()
    return None


class NamespacedFoliod(Foliod):
    """foliod as PID 1 of a new PID namespace, under `unshare -fp`. proc is
    unshare (its exit status is foliod's); pid is foliod's pid as seen from
    the test's namespace."""

    _inner = None

    def command(self):
        return UNSHARE + super().command()

    def kill_worker(self, pid, sig=signal.SIGKILL):
        # The master logs the pid its namespace sees; check_log looks there.
        self.killed.add(int(proc_status(pid)["NSpid"][-1]))
        super().kill_worker(pid, sig)

    @property
    def pid(self):
        if self._inner is None:
            self._inner = wait_until(
                lambda: next(iter(children_of(self.proc.pid)), None),
                EVENT_TIMEOUT, "foliod under unshare")
        return self._inner


class Pid1(unittest.TestCase):

    def setUp(self):
        problem = unshare_problem()
        if problem:
            self.skipTest(problem)

    def test_as_pid_1_it_reaps_every_child_and_stops_cleanly(self):
        with NamespacedFoliod() as server:
            self.assertEqual(proc_status(server.pid)["NSpid"][-1], "1",
                             "foliod is not PID 1 of its namespace")
            with self.subTest("a killed worker"):
                victim = server.wait_workers(2)[0]
                server.kill_worker(victim)
                server.wait_workers(2, exclude=[victim])
                wait_until(lambda: not zombies(server.pid), EVENT_TIMEOUT,
                           "no zombie children")
            with self.subTest("an orphan adopted from inside the namespace"):
                subprocess.run(["nsenter", "--target", str(server.pid),
                                "--pid", "--", "sh", "-c", "sleep %d & exit 0"
                                % ORPHAN_SECONDS], check=True,
                               timeout=CLI_TIMEOUT)
                def orphans():
                    return [c for c in children_of(server.pid)
                            if proc_comm(c) == "sleep"]
                wait_until(orphans, EVENT_TIMEOUT,
                           "foliod to adopt the orphan")
                wait_until(lambda: not orphans(),
                           EVENT_TIMEOUT + ORPHAN_SECONDS,
                           "the orphan to be reaped")
                self.assertEqual(zombies(server.pid), [])
            self.assertEqual(server.get("/").status, 200)
            self.assertEqual(server.stop(signal.SIGTERM), 0)


# --- Pid file, user, systemd -------------------------------------------------

class Daemon(unittest.TestCase):

    def test_pid_file_holds_the_master_pid_and_is_removed_at_exit(self):
        with Foliod(conf={"pid_file": "{tmp}/foliod.pid"}) as server:
            path = os.path.join(server.tmp, "foliod.pid")
            with open(path) as f:
                self.assertEqual(f.read().strip(), str(server.pid))
            # Workers that exit (retired by a reload, or killed) leave it.
            old = server.wait_workers(2)
            server.signal(signal.SIGHUP)
            new = server.wait_workers(2, exclude=old)
            server.kill_worker(new[0])
            server.wait_workers(2, exclude=new[:1])
            with open(path) as f:
                self.assertEqual(f.read().strip(), str(server.pid))
            self.assertEqual(server.stop(), 0)
            self.assertFalse(os.path.exists(path), "pid file left behind")

    def test_no_pid_file_unless_configured(self):
        with Foliod() as server:
            found = [os.path.join(d, n) for d, _, names in os.walk(server.tmp)
                     for n in names if n.endswith(".pid")]
            self.assertEqual(found, [])

    @unittest.skipUnless(os.geteuid() == 0, "needs root to change user")
    def test_workers_run_as_the_configured_user(self):
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            self.skipTest("no user nobody")

        def let_nobody_in(server):
            os.chmod(server.tmp, 0o755)     # mkdtemp made it 0700
        with Foliod(conf={"user": "nobody"}, prepare=let_nobody_in) as server:
            for pid in server.wait_workers(2):
                status = proc_status(pid)
                self.assertEqual(status["Uid"], [str(nobody.pw_uid)] * 4)
                self.assertEqual(status["Gid"], [str(nobody.pw_gid)] * 4)
            self.assertIn("marker-quiet-week",
                          server.get("/posts/quiet-week").text)
            self.assertEqual(server.get("/hello.txt").body,
                             FIXTURE.read("static/hello.txt"))


class Systemd(unittest.TestCase):

    def test_notify_ready_reloading_stopping(self):
        with NotifySocket() as notify:
            with Foliod(env={"NOTIFY_SOCKET": notify.path}) as server:
                ready = notify.expect("READY")
                self.assertEqual(ready.get("MAINPID"), str(server.pid))
                server.signal(signal.SIGHUP)
                notify.expect("RELOADING")
                notify.expect("READY")
                master = server.pid
                self.assertEqual(server.stop(), 0)
                notify.expect("STOPPING")
            senders = {pid for pid, _ in notify.seen}
            self.assertEqual(senders, {master}, "systemd takes notifications"
                             " from the main pid only")


if __name__ == "__main__":
    unittest.main()
