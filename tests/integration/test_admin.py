"""
test_admin.py: the admin listener: /healthz, /readyz and /metrics answer
there and only there, the site is not served on it, and the Prometheus
counters move with the traffic.
"""

import unittest

from harness import (EVENT_TIMEOUT, FoliodTestCase, metric_sum, parse_metrics,
                     wait_until)

ADMIN_PATHS = ("/healthz", "/readyz", "/metrics")
METRIC_NAMES = ("folio_requests_total", "folio_response_bytes_total",
                "folio_index_generation", "folio_index_build_seconds",
                "folio_index_entries", "folio_index_uncompressed",
                "folio_workers",
                "folio_worker_respawns_total", "folio_fork_failures_total")


class Admin(FoliodTestCase):

    def admin(self, target, **kw):
        return self.server.get(target, admin=True, **kw)

    def test_healthz(self):
        resp = self.admin("/healthz")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.text.strip(), "ok")

    def test_readyz(self):
        self.assertEqual(self.admin("/readyz").status, 200)

    def test_metrics_is_prometheus_text(self):
        resp = self.admin("/metrics")
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.header("Content-Type", "").startswith(
            "text/plain"), resp.header("Content-Type"))
        samples = parse_metrics(resp.text)
        names = {s.name for s in samples}
        for name in METRIC_NAMES:
            self.assertIn(name, names)
        for line in resp.text.splitlines():
            if line.startswith("# TYPE "):
                self.assertIn(line.split()[3], ("counter", "gauge",
                                                "histogram", "summary",
                                                "untyped"), line)
        for s in samples:
            if s.name == "folio_requests_total":
                self.assertEqual(set(s.labels), {"route", "code"}, s)
                self.assertRegex(s.labels["code"], r"^(\d{3}|other)$")

    def test_admin_paths_are_404_on_the_public_listener(self):
        for target in ADMIN_PATHS:
            with self.subTest(target=target):
                resp = self.assert_not_found(target)
                self.assertNotIn("folio_", resp.text)

    def test_site_is_not_served_on_the_admin_listener(self):
        for target in ("/", "/about", "/hello.txt", "/feed.xml", "/nope"):
            with self.subTest(target=target):
                self.assertEqual(self.admin(target).status, 404)

    def test_admin_refuses_bad_requests_too(self):
        resp = self.admin("/metrics", method="POST")
        self.assertEqual(resp.status, 405)
        resp = self.admin("/healthz", host=None)
        self.assertEqual(resp.status, 400)
        self.assertEqual(self.admin("/healthz").status, 200)

    def test_gauges(self):
        samples = self.server.metrics()
        self.assertEqual(metric_sum(samples, "folio_workers"), 2)
        # The first build leaves compression to the second (the harness
        # waits for it): two generations, nothing left uncompressed.
        self.assertGreaterEqual(metric_sum(samples, "folio_index_generation"),
                                2)
        self.assertEqual(metric_sum(samples, "folio_index_uncompressed"), 0)
        self.assertIn("index generation 1 published", self.server.log())
        self.assertIn("compressing its pages next", self.server.log())
        self.assertGreater(metric_sum(samples, "folio_index_entries"), 10)
        self.assertGreaterEqual(metric_sum(samples,
                                           "folio_index_build_seconds"), 0)

    def test_request_counters_increase(self):
        requests = 5
        before = self.server.metrics()
        for _ in range(requests):
            self.get_ok("/")
        self.assert_not_found("/nope")

        # A worker counts a response once its last byte is written, which
        # can be just after the client has it: metrics may lag a moment.
        def counted():
            now = self.server.metrics()
            return all(metric_sum(now, "folio_requests_total", code=code) -
                       metric_sum(before, "folio_requests_total", code=code)
                       >= least
                       for code, least in (("200", requests), ("404", 1)))
        wait_until(counted, EVENT_TIMEOUT, "the request counters to grow")
        after = self.server.metrics()
        grew = (metric_sum(after, "folio_response_bytes_total") -
                metric_sum(before, "folio_response_bytes_total"))
        self.assertGreaterEqual(grew, requests * len(self.get_ok("/").body))

    def test_counters_never_go_down(self):
        before = self.server.metrics()
        self.get_ok("/tags")
        after = self.server.metrics()
        counters = {(s.name, tuple(sorted(s.labels.items()))): s.value
                    for s in after if s.name.endswith("_total")}
        for s in before:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in counters:
                self.assertGreaterEqual(counters[key], s.value, key)


if __name__ == "__main__":
    unittest.main()
