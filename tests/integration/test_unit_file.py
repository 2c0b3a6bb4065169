"""
test_unit_file.py: etc/foliod.service is a unit systemd accepts as it is
(`systemd-analyze verify`, with foliod and its man pages where the unit
expects them), and asks for the hardening the project promises. foliod
runs under the unit's system call filter (emulated with seccomp by
seccomp_exec.py, as systemd applies it): the compressing build, the page
workers and the image processes all work, and none is killed with SIGSYS.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import seccomp_exec
from harness import REPO_DIR as REPO
from harness import FoliodTestCase, Foliod

UNIT = os.path.join(REPO, "etc", "foliod.service")

HARDENING = (
    "Type=notify",
    "ExecReload=/bin/kill -HUP $MAINPID",
    "NoNewPrivileges=yes",
    "CapabilityBoundingSet=\n",
    "ProtectSystem=strict",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "RuntimeDirectory=foliod",
    "DynamicUser=yes",
)
# System calls foliod makes on purpose that an ordinary service's filter
# might take away: lowering its own priority (the image processes and the
# compression threads, daemon/imager.c and lib/compress.c).
NEEDED_CALLS = ("setpriority",)
# SIGSYS, the signal a filtered call is killed with.
SIGSYS = 31
HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "seccomp_exec.py")
PHOTO = os.path.join(REPO, "tests", "data", "images", "photo.jpg")


class UnitFile(unittest.TestCase):

    def test_hardening(self):
        with open(UNIT) as f:
            text = f.read()
        for line in HARDENING:
            self.assertIn(line, text)

    @unittest.skipUnless(shutil.which("systemd-analyze"),
                         "systemd-analyze is not installed")
    def test_verify(self):
        foliod = os.environ.get("FOLIOD", os.path.join(REPO, "build", "foliod"))
        with tempfile.TemporaryDirectory() as tmp:
            for sect, page in (("8", "foliod.8"), ("5", "foliod.conf.5")):
                os.makedirs(os.path.join(tmp, "man" + sect))
                shutil.copy(os.path.join(REPO, "man", page),
                            os.path.join(tmp, "man" + sect, page))
            with open(UNIT) as f:
                text = f.read().replace("/usr/local/sbin/foliod",
                                        os.path.abspath(foliod))
            unit = os.path.join(tmp, "foliod.service")
            with open(unit, "w") as f:
                f.write(text)
            env = dict(os.environ, MANPATH=tmp)
            done = subprocess.run(["systemd-analyze", "verify", unit],
                                  env=env, capture_output=True, text=True,
                                  timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(done.stderr.strip(), "")


class FilteredFoliod(Foliod):
    """foliod exec'd by seccomp_exec.py under the unit's filter. In a
    sanitizer build LeakSanitizer is off: it stops the world with ptrace,
    which the filter denies (as it would under systemd); every other test
    checks for leaks."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        asan = os.environ.get("ASAN_OPTIONS")
        self.env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
            "detect_leaks=0"

    def command(self):
        return [sys.executable, HELPER, UNIT, "--"] + super().command()


@unittest.skipIf(seccomp_exec.supported(), seccomp_exec.supported())
class UnderTheUnitsFilter(FoliodTestCase):
    """Starting waits for the first index and for the build after it, the
    one that compresses on a pool of threads: under a filter that kills
    setpriority that build never finishes and the start fails."""

    conf = {"build_threads": 2, "image_workers": 1}

    @classmethod
    def prepare_content(cls, server):
        with open(PHOTO, "rb") as f:
            server.write_content("images/photo.jpg", f.read())

    @classmethod
    def setUpClass(cls):
        cls.server = FilteredFoliod(cls.site, cls.files, cls.conf,
                                    prepare=cls.prepare_content)
        cls.server.start()

    def test_the_calls_foliod_needs_are_allowed(self):
        allowed = seccomp_exec.allowed_calls(UNIT)
        for call in NEEDED_CALLS:
            self.assertIn(call, allowed)

    def test_pages_and_resized_images_are_served(self):
        self.assertEqual(self.get("/").status, 200)
        resp = self.get("/_img?url=/images/photo.jpg&w=64")
        self.assertEqual(resp.status, 200, resp.text[:200])
        self.assertEqual(self.server.metric("folio_index_uncompressed"), 0)

    def test_nothing_was_killed_or_refused(self):
        self.get("/_img?url=/images/photo.jpg&w=32")
        log = self.server.log()
        self.assertNotRegex(log, r"signal %d\b" % SIGSYS)
        self.assertNotRegex(log, r"(?m)^.*(setpriority|Operation not"
                            r" permitted).*$")


if __name__ == "__main__":
    unittest.main()
