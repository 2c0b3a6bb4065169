"""
test_process.py: the process model seen from outside: a master with two
workers, a killed worker replaced (and logged), TERM/INT/QUIT stops, HUP
reloads content and refuses a bad config while serving on.
"""

import os
import re
import signal
import socket
import time
import unittest

from harness import (EVENT_TIMEOUT, IO_TIMEOUT, Foliod, FoliodTestCase,
                     ProtocolError, metric_sum, pid_alive, wait_until)

# Reloads in a row while requests keep coming.
RELOADS = 3
# Keep-alive connections a proxy opens one after another (a pool), and the
# pause between them: long enough for a worker to be back waiting.
POOL_CONNECTIONS = 6
POOL_GAP = 0.05
NEW_POST = ("---\ntitle: Written after the start\ndate: 2026-05-05\n"
            "tags: [late]\n---\nmarker-late-post\n")


def status_of(server, target):
    """The status of a GET, or None if the connection brought no answer."""
    try:
        return server.get(target).status
    except (OSError, ProtocolError):
        return None


def generation(server):
    """The index generation /metrics reports, or None without an answer."""
    try:
        return metric_sum(server.metrics(), "folio_index_generation")
    except (OSError, ProtocolError):
        return None


def socket_inodes(pid):
    """Inodes of the sockets process pid holds."""
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:["):-1]))
    return inodes


def server_side_inode(server_port, client_port):
    """The inode of the server's end of the loopback TCP connection from
    client_port, from /proc/net/tcp (addresses in hex). IPv4 only, as the
    harness listens on 127.0.0.1."""
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (int(local.split(":")[1], 16) == server_port and
                    int(remote.split(":")[1], 16) == client_port):
                return int(fields[9])
    return None


class Workers(FoliodTestCase):

    def test_master_runs_two_workers(self):
        pids = self.server.wait_workers(2)
        self.assertNotIn(self.server.pid, pids)

    def test_killed_worker_is_replaced(self):
        old = self.server.wait_workers(2)
        victim = old[0]
        before = metric_sum(self.server.metrics(),
                            "folio_worker_respawns_total")
        self.server.kill_worker(victim)
        new = self.server.wait_workers(2, exclude=[victim])
        self.assertIn(old[1], new)
        self.assertFalse(pid_alive(victim))
        for _ in range(10):
            self.get_ok("/")
        line = self.server.wait_log(r"^.* master: .*\b%d\b.*$" % victim)
        self.assertRegex(line.group(0), r"(?i)signal|killed")
        samples = self.server.metrics()
        self.assertEqual(metric_sum(samples, "folio_workers"), 2)
        self.assertGreaterEqual(metric_sum(samples,
                                           "folio_worker_respawns_total"),
                                before + 1)

    def test_pooled_connections_spread_over_the_workers(self):
        """A proxy's pool (cloudflared keeps a few keep-alive connections)
        must not all land on one worker while the other idles."""
        pids = self.server.wait_workers(2)
        conns = []
        try:
            for _ in range(POOL_CONNECTIONS):
                conn = self.server.connect()
                conns.append(conn)
                self.assertEqual(conn.request("/").status, 200)
                time.sleep(POOL_GAP)
            held = {pid: socket_inodes(pid) for pid in pids}
            count = {pid: 0 for pid in pids}
            for conn in conns:
                inode = server_side_inode(self.server.port,
                                          conn.sock.getsockname()[1])
                owners = [pid for pid in pids if inode in held[pid]]
                self.assertEqual(len(owners), 1, "inode %s" % inode)
                count[owners[0]] += 1
            self.assertEqual(sum(count.values()), POOL_CONNECTIONS)
            for pid in pids:
                self.assertGreaterEqual(count[pid], POOL_CONNECTIONS // 3,
                                        "connections per worker: %s" % count)
        finally:
            for conn in conns:
                conn.close()

    def test_workers_keep_serving_while_one_is_replaced(self):
        """Connections to the surviving worker are not disturbed."""
        conns = [self.server.connect() for _ in range(4)]
        try:
            for conn in conns:
                self.assertEqual(conn.request("/").status, 200)
            victim = self.server.wait_workers(2)[1]
            self.server.kill_worker(victim)
            self.server.wait_workers(2, exclude=[victim])
            self.assert_serving()
        finally:
            for conn in conns:
                conn.close()


class Signals(unittest.TestCase):
    """Each test runs its own foliod, since each one stops or changes it."""

    def test_sigterm_exits_zero_and_stops_the_workers(self):
        with Foliod() as server:
            workers = server.wait_workers(2)
            self.assertEqual(server.stop(signal.SIGTERM), 0)
            self.assertFalse(any(pid_alive(p) for p in workers))

    def test_sigint_exits_zero(self):
        with Foliod() as server:
            self.assertEqual(server.stop(signal.SIGINT), 0)

    def test_sigterm_closes_idle_keep_alive_connections(self):
        with Foliod() as server:
            with server.connect() as conn:
                self.assertEqual(conn.request("/").status, 200)
                server.signal(signal.SIGTERM)
                self.assertTrue(conn.closed_by_peer(timeout=EVENT_TIMEOUT))
            self.assertEqual(server.stop(), 0)

    def test_listeners_close_on_sigterm(self):
        with Foliod() as server:
            port = server.port
            server.stop()
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port),
                                         timeout=IO_TIMEOUT).close()

    def test_sigquit_stops_at_once(self):
        with Foliod() as server:
            workers = server.wait_workers(2)
            server.stop(signal.SIGQUIT, expect_status=None)
            self.assertFalse(any(pid_alive(p) for p in workers))

    def test_sighup_publishes_new_content(self):
        with Foliod() as server:
            self.assertEqual(server.get("/posts/late-post").status, 404)
            old = server.wait_workers(2)
            gen = generation(server)
            server.write_content("posts/late-post.md", NEW_POST)
            server.signal(signal.SIGHUP)
            # Dropped connections are test_no_request_is_dropped_by_reloads's
            # business; here only the new content counts.
            wait_until(lambda: status_of(server, "/posts/late-post") == 200,
                       EVENT_TIMEOUT, "the new post after SIGHUP")
            server.wait_workers(2, exclude=old)
            self.assertIn("marker-late-post",
                          server.get("/posts/late-post").text)
            self.assertIn("/posts/late-post", server.get("/").text)
            self.assertEqual(server.get("/tags/late").status, 200)
            self.assertGreater(generation(server), gen)

    def test_sighup_with_a_bad_config_keeps_the_old_one(self):
        with Foliod() as server:
            lines = server.write_conf(["workers = lots"])
            server.signal(signal.SIGHUP)
            server.wait_log(r"%s:%d: workers: " % (
                re.escape(server.conf_path), len(lines)))
            for _ in range(5):
                self.assertEqual(server.get("/").status, 200)
            self.assertEqual(server.get("/readyz", admin=True).status, 200)
            self.assertEqual(len(server.wait_workers(2)), 2)

    def test_no_request_is_dropped_by_reloads(self):
        """Every request sent while workers are replaced gets its answer."""
        with Foliod() as server:
            failures = []
            for gen in range(2, 2 + RELOADS):
                old = server.wait_workers(2)
                server.signal(signal.SIGHUP)

                def reloaded():
                    try:
                        resp = server.get("/")
                        if resp.status != 200:
                            failures.append("status %d" % resp.status)
                    except ProtocolError as e:
                        failures.append(str(e).splitlines()[0])
                    pids = server.worker_pids()
                    served = generation(server)
                    if served is None:
                        failures.append("/metrics got no answer")
                    return (len(pids) == 2 and not set(pids) & set(old) and
                            (served or 0) >= gen)
                wait_until(reloaded, EVENT_TIMEOUT, "reload %d" % gen)
            self.assertEqual(failures, [], "%d requests failed during %d"
                             " reloads" % (len(failures), RELOADS))

    def test_reload_then_stop(self):
        with Foliod() as server:
            server.signal(signal.SIGHUP)
            # The reload finished once a newer generation is served.
            wait_until(lambda: (generation(server) or 0) >= 2,
                       EVENT_TIMEOUT, "index generation 2")
            server.wait_workers(2)
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
