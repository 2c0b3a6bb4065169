"""
harness.py: runs a real foliod for the integration tests and talks raw
HTTP/1.x to it. Foliod copies a content tree (tests/data/site by default) into
a temp dir, writes a config with two free loopback ports, starts
`$FOLIOD -f -c conf`, waits for the admin /readyz, and on stop sends SIGTERM
and checks the exit status and the log (sanitizer reports, workers that died
unasked). Every wait here is bounded; no test asserts on timings.

FIXTURE below says what tests/data/site holds, so tests compare the served
site with it instead of repeating its contents.
"""

import atexit
import collections
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(TESTS_DIR)
SITE_DIR = os.path.join(TESTS_DIR, "data", "site")

# Seconds for the first index to be built and a worker to answer /readyz
# (an ASan build starts several times slower than a plain one).
READY_TIMEOUT = 20.0
# Seconds from SIGTERM to exit: above the default shutdown_timeout (10).
STOP_TIMEOUT = 20.0
# Seconds to wait for one response, or for a peer to close.
IO_TIMEOUT = 5.0
# Seconds for the daemon to react to something (a respawn, a reload).
EVENT_TIMEOUT = 15.0
# Seconds a command-line run (-t, -E, -V) may take.
CLI_TIMEOUT = 60.0
# Pause between two looks at something we wait for.
POLL_INTERVAL = 0.05
# Start attempts when a picked port was taken by someone else meanwhile.
START_ATTEMPTS = 3
LOG_TAIL_LINES = 40
# Largest notification foliod sends to the systemd socket.
NOTIFY_DATAGRAM_MAX = 4096

SANITIZER_MARKS = ("runtime error:", "AddressSanitizer", "LeakSanitizer")
# The master's line about a worker or an image process that died:
# "worker 123 killed by signal 9", "imager 124 exited with status 1".
WORKER_DEATH_RE = re.compile(
    r"master: .*\b(?:worker|imager) (\d+)\b.*\b(signal|status)\b")


# --- What the fixture site holds ---------------------------------------------

Post = collections.namedtuple("Post", "slug title date tags updated",
                              defaults=(None,))

class FIXTURE:
    """tests/data/site, as the daemon must serve it."""

    # Published posts, newest first; tags by slug.
    POSTS = (
        Post("quiet-week", "A quiet week", "2026-04-10", ()),
        Post("feeds-and-atom", "Feeds and Atom", "2026-04-02",
             ("web", "meta")),
        Post("bundle-post", "A post with its own files", "2026-03-20",
             ("meta",)),
        Post("gitops-notes", "Notes on GitOps", "2026-03-01",
             ("gitops", "kubernetes"), "2026-03-15"),
        Post("kubernetes-at-home", "Kubernetes at home", "2026-02-10",
             ("kubernetes", "homelab")),
        Post("first-light", "First light", "2026-01-05", ("homelab", "meta")),
    )
    # posts/2026-01-01-dupe.md and posts/dupe/index.md both claim "dupe"
    # (dated 2026-01-01 and 2026-01-02, so older than every post above).
    DUPE_SLUG = "dupe"
    DUPE_FILES = ("posts/2026-01-01-dupe.md", "posts/dupe/index.md")
    DUPE_TITLES = ("Dupe from a file", "Dupe from a bundle")
    # Never published: a draft and a post dated 2099.
    HIDDEN = (
        Post("secret-draft", "Secret draft", "2026-02-20",
             ("homelab", "draftonly")),
        Post("from-the-future", "From the future", "2099-01-01",
             ("futureonly", "meta")),
    )
    HIDDEN_TAGS = ("draftonly", "futureonly")
    # Skipped with a log line "<file>:<line>: ...", by file and slug.
    BROKEN = {
        "posts/broken-yaml.md": "broken-yaml",
        "posts/no-title.md": "no-title",
        "posts/bad-utf8.md": "bad-utf8",
    }
    PAGES = (("about", "About this site"),)
    # Files served as they are: URL -> path in the content tree.
    FILES = {
        "/hello.txt": "static/hello.txt",
        "/images/pixel.png": "images/pixel.png",
        "/posts/bundle-post/notes.txt": "posts/bundle-post/notes.txt",
    }

    @staticmethod
    def marker(slug):
        """The text each fixture document's body carries."""
        return "marker-" + slug

    @classmethod
    def tags(cls):
        """Every tag slug of a published post -> its posts, newest first."""
        out = {}
        for post in cls.POSTS:
            for tag in post.tags:
                out.setdefault(tag, []).append(post.slug)
        return out

    @staticmethod
    def read(rel):
        with open(os.path.join(SITE_DIR, rel), "rb") as f:
            return f.read()


# --- Small helpers -----------------------------------------------------------

class ProtocolError(AssertionError):
    """The server's answer could not be read as an HTTP response."""


def wait_until(predicate, timeout, what):
    """Calls predicate until it returns something true, for at most timeout
    seconds; returns that value or fails naming what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("gave up after %.0f s waiting for %s"
                                 % (timeout, what))
        time.sleep(POLL_INTERVAL)


def wait_for(problems, timeout, what):
    """Calls problems() until it returns an empty list, for at most timeout
    seconds; fails naming what was awaited and the problems still left."""
    deadline = time.monotonic() + timeout
    while True:
        left = problems()
        if not left:
            return
        if time.monotonic() >= deadline:
            raise AssertionError("gave up after %.0f s waiting for %s; still:"
                                 " %s" % (timeout, what, "; ".join(left)))
        time.sleep(POLL_INTERVAL)


def foliod_binary():
    return os.environ.get("FOLIOD") or os.path.join(REPO_DIR, "build",
                                                    "foliod")


def free_ports(count):
    """Ports the kernel just handed out on loopback (released again)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def pid_alive(pid):
    """True while pid exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _stat_fields(pid):
    """Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp,
    session, ...; None if the process is gone."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def session_members(sid):
    """Live processes of the session sid: a foliod started with
    start_new_session and everything it forked, orphans included."""
    members = []
    for name in os.listdir("/proc"):
        fields = _stat_fields(name) if name.isdigit() else None
        if fields and fields[0] not in ("Z", "X") and int(fields[3]) == sid:
            members.append(int(name))
    return sorted(members)


def process_name(pid):
    """The kernel's name of a process (/proc/PID/comm), "" if it is gone."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def children_of(pid):
    """Direct children of pid, from /proc/<pid>/task/<pid>/children, or by
    scanning /proc when the kernel lacks that file."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return sorted(int(p) for p in f.read().split())
    except FileNotFoundError:
        pass
    found = []
    for name in os.listdir("/proc"):
        fields = _stat_fields(name) if name.isdigit() else None
        if fields and int(fields[1]) == pid:
            found.append(int(name))
    return sorted(found)


def tail(text, lines=LOG_TAIL_LINES):
    return "\n".join(text.splitlines()[-lines:])


# --- HTTP --------------------------------------------------------------------

class Response:
    def __init__(self, version, status, reason, headers, body, head):
        self.version = version      # "HTTP/1.1"
        self.status = status        # 404
        self.reason = reason
        self.headers = headers      # [(name, value)] in order
        self.body = body            # bytes
        self.head = head            # the raw header block

    def header(self, name, default=None):
        values = self.header_all(name)
        return values[0] if values else default

    def header_all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<Response %d %s, %d body bytes>" % (self.status, self.reason,
                                                    len(self.body))


def build_request(target="/", method="GET", headers=(), version="HTTP/1.1",
                  host="127.0.0.1", body=b""):
    """One request as bytes. headers is a list of (name, value) so a test can
    repeat a header; host=None leaves Host out."""
    lines = ["%s %s %s" % (method, target, version)]
    if host is not None:
        lines.append("Host: %s" % host)
    lines += ["%s: %s" % (n, v) for n, v in headers]
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1") + body


class Connection:
    """A client connection that reads responses off a raw socket."""

    def __init__(self, port, timeout=IO_TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.buf = b""
        self.eof = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send(self, data):
        """Sends data; False if the peer had already closed (it may have
        answered and closed before reading it all)."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _fill(self):
        """Reads what comes; sets eof when the peer closed or reset (data it
        sent before a reset is still read first)."""
        if self.eof:
            return False
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        except socket.timeout:
            raise ProtocolError("no complete response within %.0f s; got %r"
                                % (self.sock.gettimeout(), self.buf[:300]))
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _take(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise ProtocolError("connection closed after %d of %d body"
                                    " bytes" % (len(self.buf), n))
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, method="GET"):
        """Reads one response. The body's length comes from Content-Length;
        a HEAD answer, 1xx, 204 and 304 have none."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise ProtocolError("connection closed before a complete"
                                    " response head; got %r" % self.buf[:300])
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"(HTTP/1\.[01]) (\d{3})(?: (.*))?$", lines[0])
        if m is None:
            raise ProtocolError("bad status line %r" % lines[0])
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise ProtocolError("bad header line %r" % line)
            headers.append((name, value.strip()))
        resp = Response(m.group(1), int(m.group(2)), m.group(3) or "",
                        headers, b"", head)
        if resp.header("Transfer-Encoding") is not None:
            raise ProtocolError("foliod never sends Transfer-Encoding")
        if (method == "HEAD" or resp.status in (204, 304)
                or 100 <= resp.status < 200):
            return resp
        length = resp.header("Content-Length")
        if length is not None:
            if not length.isdigit():
                raise ProtocolError("bad Content-Length %r" % length)
            resp.body = self._take(int(length))
        else:
            while self._fill():
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def request(self, target="/", method="GET", headers=(), **kw):
        self.send(build_request(target, method, headers, **kw))
        return self.read_response(method)

    def closed_by_peer(self, timeout=IO_TIMEOUT):
        """Waits up to timeout for the peer to close. True if it did (any
        bytes it sent first stay in self.buf), False if it stayed open."""
        deadline = time.monotonic() + timeout
        old = self.sock.gettimeout()
        try:
            while not self.eof:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.sock.settimeout(left)
                try:
                    self._fill()
                except ProtocolError:
                    return False
            return True
        finally:
            self.sock.settimeout(old)


# --- Metrics -----------------------------------------------------------------

Sample = collections.namedtuple("Sample", "name labels value")

_SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text exposition -> [Sample]; fails on a malformed line."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        if m is None:
            raise AssertionError("bad metrics line %r" % line)
        labels = dict(_LABEL_RE.findall(m.group(2) or ""))
        samples.append(Sample(m.group(1), labels, float(m.group(3))))
    return samples


def metric_sum(samples, name, **labels):
    """Sum of the samples of name whose labels include the given ones."""
    return sum(s.value for s in samples if s.name == name and
               all(s.labels.get(k) == v for k, v in labels.items()))


# --- HTML --------------------------------------------------------------------

_POST_LINK_RE = re.compile(
    r'href="(?:https?://[^/"]+)?/posts/([a-z0-9][a-z0-9-]*)/?"')
_TAG_LINK_RE = re.compile(
    r'href="(?:https?://[^/"]+)?/tags/([a-z0-9][a-z0-9-]*)/?"')


def post_links(html):
    """Slugs of the posts a page links to, in order of first appearance."""
    return list(dict.fromkeys(_POST_LINK_RE.findall(html)))


def tag_links(html):
    """Slugs of the tags a page links to, in order of first appearance."""
    return list(dict.fromkeys(_TAG_LINK_RE.findall(html)))


# --- The daemon --------------------------------------------------------------

# Daemons started and not yet stopped, killed at exit if a run is cut short.
_RUNNING = set()


@atexit.register
def _kill_leftovers():
    for server in list(_RUNNING):
        server.close(check=False)


class Foliod:
    """One foliod on a private copy of a content tree.

    site: a content tree to copy (default the fixture); files: a dict of
    {relative path: str or bytes} to write into an empty tree instead.
    conf: config keys over the harness defaults ("{tmp}" in a value is
    replaced by the temp dir; None removes a key). prepare: a callable
    given this object after the content is in place, before start.
    env: variables added to foliod's environment.
    """

    def __init__(self, site=SITE_DIR, files=None, conf=None, prepare=None,
                 args=(), env=None):
        self.binary = foliod_binary()
        self.site = site
        self.files = files
        self.overrides = dict(conf or {})
        self.prepare_hook = prepare
        self.args = list(args)
        self.env = dict(env or {})
        self.tmp = None
        self.proc = None
        self.port = self.admin_port = None
        self.killed = set()         # worker pids a test killed on purpose
        self._log_checked = 0       # bytes of the log check_log has seen
        self._streams = []

    # Setting up and tearing down.

    def prepare(self):
        """Makes the temp dir, the content tree and the config; idempotent."""
        if self.tmp is not None:
            return self
        if not os.access(self.binary, os.X_OK):
            raise AssertionError("no foliod at %s (set FOLIOD or build it)"
                                 % self.binary)
        self.tmp = tempfile.mkdtemp(prefix="foliod-it.")
        self.content_dir = os.path.join(self.tmp, "content")
        self.run_dir = os.path.join(self.tmp, "run")
        self.cache_dir = os.path.join(self.tmp, "cache")
        self.conf_path = os.path.join(self.tmp, "foliod.conf")
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self.stdout_path = os.path.join(self.tmp, "stdout.log")
        if self.files is not None:
            os.mkdir(self.content_dir)
            for rel, data in self.files.items():
                self.write_content(rel, data)
        else:
            shutil.copytree(self.site, self.content_dir, symlinks=True)
        if self.prepare_hook is not None:
            self.prepare_hook(self)
        self.port, self.admin_port = free_ports(2)
        self.write_conf()
        return self

    def write_content(self, rel, data):
        path = os.path.join(self.content_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path

    def content_path(self, rel):
        return os.path.join(self.content_dir, rel)

    def write_content_atomic(self, rel, data):
        """Writes rel as editors and deploy tools do: a dot-file beside it,
        fsync'd, then renamed over it."""
        path = self.content_path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = os.path.join(os.path.dirname(path),
                           ".%s.harness-tmp" % os.path.basename(path))
        with open(tmp, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
        return path

    def remove_content(self, rel):
        """Removes a file or a whole directory of the content tree."""
        path = self.content_path(rel)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)

    def rename_content(self, old, new):
        """Renames within the content tree (new's directory is made)."""
        path = self.content_path(new)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.rename(self.content_path(old), path)
        return path

    def conf_values(self):
        values = {
            "listen": "127.0.0.1:%d" % self.port,
            "admin_listen": "127.0.0.1:%d" % self.admin_port,
            "content_dir": self.content_dir,
            "run_dir": self.run_dir,
            "cache_dir": self.cache_dir,
            "base_url": self.base_url,
            "workers": "2",
        }
        for key, value in self.overrides.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = str(value).replace("{tmp}", self.tmp)
        return values

    def write_conf(self, extra_lines=()):
        """Writes the config, extra_lines last; returns its lines, so that
        line n of the file is lines[n - 1]."""
        lines = ["# foliod.conf written by tests/integration/harness.py"]
        lines += ["%s = %s" % kv for kv in self.conf_values().items()]
        lines += list(extra_lines)
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return lines

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        """Starts foliod and waits until it is ready; on any failure leaves
        nothing behind (no process, no temp dir)."""
        try:
            self.prepare()
            for _ in range(START_ATTEMPTS):
                try:
                    self._spawn()
                    self._wait_ready()
                    return self
                except _PortTaken:
                    self.port, self.admin_port = free_ports(2)
                    self.write_conf()
            raise AssertionError("could not find free ports in %d attempts"
                                 % START_ATTEMPTS)
        except BaseException:
            self.close(check=False)
            raise

    def _spawn(self):
        for s in self._streams:
            s.close()
        self._streams = [open(self.stdout_path, "ab"),
                         open(self.stderr_path, "ab")]
        self._log_checked = os.path.getsize(self.stderr_path)
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL,
            stdout=self._streams[0], stderr=self._streams[1], cwd=self.tmp,
            env=dict(os.environ, **self.env) if self.env else None,
            start_new_session=True)
        _RUNNING.add(self)

    def command(self):
        """The argv that starts foliod (a subclass may wrap it)."""
        return [self.binary, "-f", "-c", self.conf_path] + self.args

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            rc = self.proc.poll()
            if rc is not None:
                pid, log = self.proc.pid, self.log()
                self.proc = None
                if "in use" in log:
                    raise _PortTaken()
                raise AssertionError("foliod (pid %d) exited with %d before"
                                     " it was ready; log:\n%s"
                                     % (pid, rc, tail(log)))
            try:
                # Ready, and the first build's pages compressed (the
                # next build does it at once): tests see every variant.
                if (self.get("/readyz", admin=True, timeout=1).status ==
                        200 and self.metric("folio_index_uncompressed") ==
                        0):
                    self.check_log()
                    return
            except (OSError, ProtocolError):
                pass
            if time.monotonic() >= deadline:
                raise AssertionError("foliod not ready within %.0f s; log:\n%s"
                                     % (READY_TIMEOUT, tail(self.log())))
            time.sleep(POLL_INTERVAL)

    def stop(self, sig=signal.SIGTERM, expect_status=0):
        """Signals the master and waits for it; fails unless it exits with
        expect_status (None: any) and leaves no worker behind."""
        if self.proc is None:
            return None
        master = self.pid
        proc, self.proc = self.proc, None
        try:
            os.kill(master, sig)
        except ProcessLookupError:
            pass
        try:
            rc = proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._kill(proc)
            raise AssertionError("foliod did not exit within %.0f s of signal"
                                 " %d; log:\n%s" % (STOP_TIMEOUT, sig,
                                                    tail(self.log())))
        wait_until(lambda: not session_members(proc.pid), IO_TIMEOUT,
                   "every process of foliod to exit")
        self.check_log()
        if expect_status is not None and rc != expect_status:
            raise AssertionError("foliod exited with %d, want %d; log:\n%s"
                                 % (rc, expect_status, tail(self.log())))
        return rc

    def _kill(self, proc):
        """SIGKILL to the master and every process of its session, found by
        session id so that a reused pid is never hit."""
        for pid in [proc.pid] + session_members(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()

    def close(self, check=True):
        """Stops the daemon (checked unless check is false) and removes the
        temp dir (kept if FOLIO_KEEP_TMP is set)."""
        try:
            if self.proc is not None:
                if check:
                    self.stop()
                else:
                    self._kill(self.proc)
                    self.proc = None
        finally:
            for s in self._streams:
                s.close()
            self._streams = []
            if self.tmp and not os.environ.get("FOLIO_KEEP_TMP"):
                shutil.rmtree(self.tmp, ignore_errors=True)
            elif self.tmp:
                print("foliod temp dir kept: %s" % self.tmp)
            self.tmp = None
            _RUNNING.discard(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            self.close()
            return
        if self.tmp and hasattr(exc, "add_note"):
            exc.add_note("foliod log, last lines:\n" + tail(self.log()))
        self.close(check=False)

    # Looking at it.

    def _log_bytes(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()
        except (OSError, AttributeError):
            return b""

    def log(self):
        """foliod's stderr so far."""
        return self._log_bytes().decode("utf-8", "replace")

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def check_log(self):
        """Fails on sanitizer reports and on workers that died unless a test
        killed them, in the log written since the last check."""
        data = self._log_bytes()
        new = data[self._log_checked:].decode("utf-8", "replace")
        self._log_checked = len(data)
        for mark in SANITIZER_MARKS:
            if mark in new:
                at = new.index(mark)
                raise AssertionError("sanitizer report in foliod's log:\n%s"
                                     % new[max(0, at - 500):at + 3000])
        for m in WORKER_DEATH_RE.finditer(new):
            if int(m.group(1)) not in self.killed:
                raise AssertionError("a worker died unasked: %s" % m.group(0))

    def log_mark(self):
        """A place in the log, for log_since."""
        return len(self._log_bytes())

    def log_since(self, mark):
        """The log written since log_mark returned mark."""
        return self._log_bytes()[mark:].decode("utf-8", "replace")

    def wait_log(self, pattern, timeout=EVENT_TIMEOUT):
        """Waits for a log line matching the regex; returns the match."""
        rx = re.compile(pattern, re.M)
        return wait_until(lambda: rx.search(self.log()), timeout,
                          "a log line matching %r" % pattern)

    @property
    def pid(self):
        """The master's pid (a subclass that wraps foliod overrides it)."""
        return self.proc.pid

    def worker_pids(self):
        """The master's worker processes (named "foliod worker"; the
        image processes and index builds have names of their own)."""
        if self.proc is None:
            return []
        return [p for p in children_of(self.pid)
                if process_name(p) == "foliod worker"]

    def wait_workers(self, count, exclude=(), timeout=EVENT_TIMEOUT):
        """Waits until the master has count children, none in exclude."""
        def settled():
            pids = [p for p in self.worker_pids() if pid_alive(p)]
            ok = len(pids) == count and not set(pids) & set(exclude)
            return pids if ok else None
        return wait_until(settled, timeout, "%d workers" % count)

    def kill_worker(self, pid, sig=signal.SIGKILL):
        self.killed.add(pid)
        os.kill(pid, sig)

    def signal(self, sig):
        os.kill(self.pid, sig)

    def metrics(self):
        resp = self.get("/metrics", admin=True)
        if resp.status != 200:
            raise AssertionError("/metrics answered %d" % resp.status)
        return parse_metrics(resp.text)

    def metric(self, name, **labels):
        """The sum of a metric's samples whose labels include labels."""
        return metric_sum(self.metrics(), name, **labels)

    # Talking to it.

    def connect(self, admin=False, timeout=IO_TIMEOUT):
        return Connection(self.admin_port if admin else self.port, timeout)

    def get(self, target="/", method="GET", headers=(), admin=False,
            timeout=IO_TIMEOUT, **kw):
        """One request on a new connection."""
        with self.connect(admin, timeout) as conn:
            return conn.request(target, method, headers, **kw)

    def raw(self, data, method="GET", admin=False):
        """Sends bytes on a new connection and reads one response; returns
        it and the connection (still open: the caller closes it)."""
        conn = self.connect(admin)
        conn.send(data)
        try:
            return conn.read_response(method), conn
        except BaseException:
            conn.close()
            raise

    def run(self, *args, conf=True):
        """Runs foliod once (for -t, -E, -V ...) with this config."""
        self.prepare()
        argv = [self.binary] + (["-c", self.conf_path] if conf else [])
        return subprocess.run(argv + list(args), cwd=self.tmp,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=CLI_TIMEOUT)


class _PortTaken(Exception):
    pass


# --- systemd -----------------------------------------------------------------

class NotifySocket:
    """A unix datagram socket standing in for systemd's: it keeps each
    datagram as {key: value} with the pid of its sender."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="foliod-notify.")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(self.path)
        self.seen = []      # [(sender pid, {key: value})]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _receive(self, timeout):
        self.sock.settimeout(timeout)
        data, anc, _, _ = self.sock.recvmsg(NOTIFY_DATAGRAM_MAX,
                                            socket.CMSG_SPACE(12))
        sender = None
        for level, kind, value in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                sender = struct.unpack("iII", value[:12])[0]
        fields = dict(line.partition("=")[::2]
                      for line in data.decode().splitlines() if line)
        self.seen.append((sender, fields))
        return fields

    def expect(self, key, value="1"):
        """Reads datagrams until one sets key=value; earlier ones are kept
        in seen, so the order of states can be checked."""
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            try:
                fields = self._receive(max(left, 0.001))
            except socket.timeout:
                raise AssertionError("no %s=%s within %.0f s; got %s" % (
                    key, value, EVENT_TIMEOUT, self.seen)) from None
            if fields.get(key) == value:
                return fields


# --- Test cases --------------------------------------------------------------

class FoliodTestCase(unittest.TestCase):
    """Tests that share one foliod, started once for the class. Subclasses
    set site, files or conf, and may override prepare_content."""

    site = SITE_DIR
    files = None
    conf = {}
    server = None

    @classmethod
    def prepare_content(cls, server):
        """Called with the server once its content tree is in place."""

    @classmethod
    def setUpClass(cls):
        cls.server = Foliod(cls.site, cls.files, cls.conf,
                            prepare=cls.prepare_content)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.close()

    def tearDown(self):
        self.server.check_log()

    def get(self, target="/", **kw):
        return self.server.get(target, **kw)

    def get_ok(self, target, **kw):
        resp = self.get(target, **kw)
        self.assertEqual(resp.status, 200, "GET %s: %r %s" % (target, resp,
                                                             resp.text[:200]))
        return resp

    def assert_serving(self):
        """The server still answers a plain request on a new connection."""
        resp = self.get("/")
        self.assertEqual(resp.status, 200, "the site stopped answering")
        self.assertIn(b"<html", resp.body.lower())

    def assert_not_found(self, target, **kw):
        resp = self.get(target, **kw)
        self.assertEqual(resp.status, 404, "GET %s: %r" % (target, resp))
        return resp
