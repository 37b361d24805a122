"""dvemu fault-injection and service-protection tests: scripted 429/503/401/reset/truncate/
delay faults with URL matching, request-rate and concurrency limits (exact messages and
Retry-After), /_emu/reset, /_emu/clock, and --page-think-ms.

Sources pinned here: spec section 13 (service protection) and the control endpoints of
tests/emulator/README.md.
"""

import http.client
import threading
import time

from emu_helper import EmuTestCase


class TestFaults(EmuTestCase):
    def setUp(self):
        self.emu.control("DELETE", "faults")
        self.emu.control("POST", "config", {"requests_per_window": 6000, "concurrency": 52, "retry_after": None})

    def test_429_fault(self):
        self.emu.control("POST", "faults", {"count": 2, "kind": "429", "retry_after": 3})
        for _ in range(2):
            r = self.emu.get("accounts?$top=1")
            self.assertError(r, 429, "0x80072322",
                             "Number of requests exceeded the limit of 6000 over time window of 300 seconds.")
            self.assertEqual(r.header("Retry-After"), "3")
        self.assertEqual(self.emu.get("accounts?$top=1").status, 200)

    def test_match_and_503(self):
        self.emu.control("POST", "faults", {"count": 1, "kind": "503", "match": "contacts"})
        self.assertEqual(self.emu.get("accounts?$top=1").status, 200)
        self.assertEqual(self.emu.get("contacts?$top=1").status, 503)
        self.assertEqual(self.emu.get("contacts?$top=1").status, 200)

    def test_401_fault(self):
        self.emu.control("POST", "faults", {"count": 1, "kind": "401"})
        r = self.emu.get("accounts?$top=1")
        self.assertEqual(r.status, 401)
        self.assertIn("Bearer authorization_uri=", r.header("WWW-Authenticate"))

    def test_reset_and_truncate(self):
        self.emu.control("POST", "faults", {"count": 1, "kind": "reset"})
        conn = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=10)
        conn.request("GET", "/api/data/v9.2/accounts", headers={"Authorization": "Bearer " + self.emu.token()})
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            conn.getresponse().read()
        conn.close()
        self.emu.control("POST", "faults", {"count": 1, "kind": "truncate"})
        conn = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=10)
        conn.request("GET", "/api/data/v9.2/accounts", headers={"Authorization": "Bearer " + self.emu.token()})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        with self.assertRaises(http.client.IncompleteRead):
            resp.read()
        conn.close()
        log = self.emu.log()
        self.assertIsNone(log[-2]["status"])  # reset: no response was sent

    def test_applied_then_lost(self):
        # The write is committed, then its answer is lost three ways; only a POST matches.
        tok = {"Authorization": "Bearer " + self.emu.token(), "Content-Type": "application/json"}
        self.emu.control("POST", "faults", {"count": 1, "kind": "applied-reset", "method": "POST",
                                           "match": "/accounts"})
        self.assertEqual(self.emu.get("accounts?$top=1").status, 200)  # GET: not matched
        ids = ["00000000-0000-4000-8000-0000000000%02d" % i for i in (1, 2, 3)]
        conn = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=10)
        conn.request("POST", "/api/data/v9.2/accounts", body='{"accountid":"%s","name":"lost 1"}' % ids[0],
                     headers=tok)
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            conn.getresponse().read()
        conn.close()
        self.emu.control("POST", "faults", {"count": 1, "kind": "applied-504", "method": "POST"})
        r = self.emu.send("POST", "accounts", {"accountid": ids[1], "name": "lost 2"})
        self.assertEqual(r.status, 504)
        self.emu.control("POST", "faults", {"count": 1, "kind": "applied-garble", "method": "POST"})
        r = self.emu.send("POST", "accounts", {"accountid": ids[2], "name": "lost 3"})
        self.assertEqual(r.status, 200)
        self.assertIn(b"Proxy Error", r.body)
        for i, rid in enumerate(ids):  # every one was created, once
            r = self.emu.get("accounts(%s)?$select=name" % rid)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json["name"], "lost %d" % (i + 1))
        log = [e for e in self.emu.log() if e["method"] == "POST"]
        self.assertEqual([e.get("fault") for e in log[-3:]], ["applied-reset", "applied-504", "applied-garble"])
        self.assertEqual([e["status"] for e in log[-3:]], [204, 204, 204])

    def test_log_rows(self):
        self.emu.control("POST", "config", {"log_rows": True})
        try:
            n = len(self.emu.log())
            self.assertEqual(self.emu.get("accounts?$select=name&$top=7").status, 200)
            self.assertEqual(self.emu.get("accounts(%s)?$select=name" % self.emu.get(
                "accounts?$select=accountid&$top=1").json["value"][0]["accountid"]).status, 200)
            log = self.emu.log(n)
            self.assertEqual([e.get("rows") for e in log], [7, 1, 1])
            self.assertTrue(all(e["bytes"] > 0 for e in log))
        finally:
            self.emu.control("POST", "config", {"log_rows": False})
        n = len(self.emu.log())
        self.emu.get("accounts?$select=name&$top=2")
        self.assertNotIn("rows", self.emu.log(n)[0])

    def test_delay(self):
        self.emu.control("POST", "faults", {"count": 1, "kind": "delay", "ms": 300})
        t = time.time()
        self.assertEqual(self.emu.get("accounts?$top=1").status, 200)
        self.assertGreaterEqual(time.time() - t, 0.3)

    def test_request_rate_limit(self):
        # setting the config starts new windows
        self.emu.control("POST", "config", {"requests_per_window": 3, "window_seconds": 300})
        statuses = [self.emu.get("accounts?$top=1").status for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])
        r = self.emu.get("accounts?$top=1")
        self.assertError(r, 429, "0x80072322", "Number of requests exceeded the limit of 3 over time window of 300 seconds.")
        self.assertRegex(r.header("Retry-After"), r"^\d+$")

    def test_concurrency_limit(self):
        self.emu.control("POST", "config", {"concurrency": 1, "page_think_ms": 400})
        statuses = []
        lock = threading.Lock()

        def one():
            c = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=10)
            c.request("GET", "/api/data/v9.2/accounts?$top=1", headers={"Authorization": "Bearer " + self.emu.token()})
            r = c.getresponse()
            body = r.read()
            with lock:
                statuses.append((r.status, body))
            c.close()

        ts = [threading.Thread(target=one) for _ in range(2)]
        for t in ts:
            t.start()
            time.sleep(0.1)
        for t in ts:
            t.join()
        self.emu.control("POST", "config", {"concurrency": 52, "page_think_ms": 0})
        codes = sorted(s for s, _ in statuses)
        self.assertEqual(codes, [200, 429])
        body = [b for s, b in statuses if s == 429][0]
        self.assertIn(b"Number of concurrent requests exceeded the limit of 1.", body)
        self.assertIn(b"0x80072326", body)


class TestResetClockThink(EmuTestCase):
    EMU_ARGS = ("--page-think-ms", "200")

    def test_page_think(self):
        t = time.time()
        self.emu.get("accounts?$top=1")
        self.assertGreaterEqual(time.time() - t, 0.2)

    def test_reset_restores_data(self):
        before = self.emu.get("accounts?$select=name&$top=3").json["value"]
        self.emu.send("DELETE", "accounts(%s)" % before[0]["accountid"])
        self.assertEqual(self.emu.control("POST", "reset").status, 204)
        self.emu._token = None
        self.assertEqual(self.emu.log(), [])
        after = self.emu.get("accounts?$select=name&$top=3").json["value"]
        self.assertEqual(before, after)

    def test_clock_and_date_functions(self):
        self.emu.control("POST", "clock", {"now": "2024-06-15T12:00:00Z"})
        try:
            url = "new_projects?$select=new_startedon&$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='new_startedon',PropertyValue=30)"
            rows = self.emu.get(url.replace(" ", "%20")).json["value"]
            for row in rows:
                self.assertTrue("2024-05-16T00:00:00Z" <= row["new_startedon"] <= "2024-06-15T12:00:00Z", row)
        finally:
            self.emu.control("POST", "clock", {"now": None})
