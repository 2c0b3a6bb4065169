"""
test_unit_file.py: etc/foliod.service is a unit systemd accepts as it is
(`systemd-analyze verify`, with foliod and its man pages where the unit
expects them), and asks for the hardening the project promises.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

from harness import REPO_DIR as REPO

UNIT = os.path.join(REPO, "etc", "foliod.service")

HARDENING = (
    "Type=notify",
    "ExecReload=/bin/kill -HUP $MAINPID",
    "NoNewPrivileges=yes",
    "CapabilityBoundingSet=\n",
    "ProtectSystem=strict",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter=@system-service",
    "RuntimeDirectory=foliod",
    "DynamicUser=yes",
)


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


if __name__ == "__main__":
    unittest.main()
