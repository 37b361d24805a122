"""dvemu TLS test: --tls CERT KEY serves HTTPS (self-signed cert from gen_cert.sh); the ORG URL
and token audience become https://127.0.0.1:<port>.
"""

import os
import shutil
import ssl
import subprocess
import tempfile
import unittest

from emu_helper import HERE, Emu


@unittest.skipIf(shutil.which("openssl") is None, "openssl CLI not installed")
class TestTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="dvemu-tls-")
        subprocess.run([os.path.join(HERE, "gen_cert.sh"), cls.dir], check=True, stdout=subprocess.DEVNULL)
        cls.cert = os.path.join(cls.dir, "dvemu-cert.pem")
        cls.emu = Emu("--tls", cls.cert, os.path.join(cls.dir, "dvemu-key.pem"))

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_https_query_and_audience(self):
        self.assertTrue(self.emu.org.startswith("https://127.0.0.1:"))
        r = self.emu.get("accounts?$select=name&$top=2")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json["@odata.context"].startswith(self.emu.org + "/api/data/v9.2/"))

    def test_verified_with_the_cert(self):
        import http.client
        ctx = ssl.create_default_context(cafile=self.cert)
        c = http.client.HTTPSConnection("127.0.0.1", self.emu.port, context=ctx, timeout=10)
        c.request("GET", "/api/data/v9.2/accounts")
        r = c.getresponse()
        r.read()
        self.assertEqual(r.status, 401)
        c.close()
