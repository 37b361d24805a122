"""Test helper for the dvemu test suite: starts a dvemu subprocess on a free port (via
--port-file in a temp dir), fetches tokens, and sends real HTTP requests with http.client.

Owns: Emu (process lifetime + HTTP helpers) and EmuTestCase (one emulator per test class).
Not a test module itself (no test_ prefix).
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DVEMU = os.path.join(HERE, "dvemu")
TENANT = "00000000-0000-0000-0000-00000000aaaa"
CLIENT_ID = "11111111-1111-1111-1111-111111111111"
SECRET = "dvemu-secret"


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8")


class Emu:
    def __init__(self, *extra, rows=50, seed=1):
        self.dir = tempfile.mkdtemp(prefix="dvemu-test-")
        self.port_file = os.path.join(self.dir, "port")
        self.log_file = os.path.join(self.dir, "requests.jsonl")
        cmd = ["/usr/bin/python3", DVEMU, "--port-file", self.port_file, "--rows", str(rows),
               "--seed", str(seed), "--request-log", self.log_file, "--quiet"] + list(extra)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("dvemu exited: %s" % self.proc.stderr.read().decode())
            if time.time() > deadline:
                raise RuntimeError("dvemu did not start")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())
        self.scheme = "https" if "--tls" in extra else "http"
        self.org = "%s://127.0.0.1:%d" % (self.scheme, self.port)
        self.api = "/api/data/v9.2/"
        self._token = None
        self.conn = None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def connection(self, fresh=False):
        if fresh or self.conn is None:
            if self.scheme == "https":
                import ssl
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30, context=ctx)
            else:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self.conn

    def request(self, method, path, body=None, headers=None, fresh=False):
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        for attempt in range(2):
            conn = self.connection(fresh=fresh or attempt > 0)
            try:
                conn.request(method, path, body=body, headers=hdrs)
                r = conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn = None
                return Response(r.status, r.getheaders(), data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def token_request(self, form, tenant=TENANT, v1=False, headers=None):
        path = "/%s/oauth2/%s" % (tenant, "token" if v1 else "v2.0/token")
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        hdrs.update(headers or {})
        return self.request("POST", path, urllib.parse.urlencode(form), hdrs)

    def token(self):
        if self._token is None:
            r = self.token_request({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                    "client_secret": SECRET, "scope": self.org + "/.default"})
            assert r.status == 200, r.body
            self._token = r.json["access_token"]
        return self._token

    def get(self, rel, headers=None, token=True):
        hdrs = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}
        if token:
            hdrs["Authorization"] = "Bearer " + self.token()
        hdrs.update(headers or {})
        path = rel if rel.startswith("/") else self.api + rel
        return self.request("GET", path, headers=hdrs)

    def send(self, method, rel, body=None, headers=None):
        hdrs = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0",
                "Authorization": "Bearer " + self.token()}
        hdrs.update(headers or {})
        path = rel if rel.startswith("/") else self.api + rel
        return self.request(method, path, body, hdrs)

    def control(self, method, path, body=None):
        return self.request(method, "/_emu/" + path, body if body is not None else b"",
                            {"Content-Type": "application/json"} if body is not None else {})

    def log(self, since=0):
        return self.control("GET", "requests?since=%d" % since).json


class EmuTestCase(unittest.TestCase):
    """One emulator per test class. Subclasses may set EMU_ARGS / ROWS."""
    EMU_ARGS = ()
    ROWS = 50

    @classmethod
    def setUpClass(cls):
        cls.emu = Emu(*cls.EMU_ARGS, rows=cls.ROWS)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def assertError(self, r, status, code, message=None):
        self.assertEqual(r.status, status, r.body)
        err = r.json["error"]
        self.assertEqual(err["code"], code, r.body)
        if message is not None:
            self.assertEqual(err["message"], message)
