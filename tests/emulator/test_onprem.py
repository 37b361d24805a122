"""dvemu on-premises mode tests: org path form, Windows authentication (401 Negotiate + NTLM,
NTLM handshake with an NTLMv2 response, per-connection authentication), AD FS OAuth
(resource=, password / client_credentials / authorization_code / refresh_token grants,
error shapes) and the Web API's 401 naming the AD FS authority.

Sources pinned here: spec section 16; [MS-NLMP] 4.2.2.1.2 / 4.2.4.1.1 test vectors; RFC 1320
appendix A.5 (MD4 test suite).
"""

import base64
import hashlib
import hmac
import http.client
import os
import struct
import sys
import unittest
import urllib.parse

from emu_helper import EmuTestCase

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvemu_lib import onprem  # noqa: E402

API = "/contoso/api/data/v8.2/"
ADFS_CLIENT = "33333333-3333-4333-8333-333333333333"
PASSWORD = "dvemu-onprem-pw"


class Md4Test(unittest.TestCase):
    def test_rfc1320_vectors(self):
        self.assertEqual(onprem.md4(b"").hex(), "31d6cfe0d16ae931b73c59d7e0c089c0")
        self.assertEqual(onprem.md4(b"abc").hex(), "a448017aaf21d8525fc10ae87aa6729d")
        self.assertEqual(onprem.md4(b"12345678901234567890123456789012345678901234567890123456789"
                                    b"012345678901234567890").hex(),
                         "e33b4ddc9c38f2199c3e7b164fcc0536")

    def test_nt_hash(self):
        # [MS-NLMP] 4.2.2.1.2: NTOWFv1("Password")
        self.assertEqual(onprem.nt_hash("Password").hex(), "a4f49c406510bdcab6824ee7c30fd852")


def type1():
    flags = onprem.F_UNICODE | onprem.F_REQUEST_TARGET | onprem.F_NTLM | onprem.F_ESS
    return onprem.SIG + struct.pack("<II", 1, flags) + b"\x00" * 16


def type3(t2, user, domain, password):
    challenge = t2[24:32]
    ln, _, off = struct.unpack_from("<HHI", t2, 40)
    info = t2[off:off + ln]
    key = hmac.new(onprem.nt_hash(password), (user.upper() + domain).encode("utf-16-le"),
                   hashlib.md5).digest()
    temp = b"\x01\x01" + b"\x00" * 6 + b"\x00" * 8 + os.urandom(8) + b"\x00" * 4 + info + b"\x00" * 4
    nt = hmac.new(key, challenge + temp, hashlib.md5).digest() + temp
    fields = [b"\x00" * 24, nt, domain.encode("utf-16-le"), user.encode("utf-16-le"),
              "WS".encode("utf-16-le"), b""]
    off = 64
    head, payload = b"", b""
    for f in fields:
        head += struct.pack("<HHI", len(f), len(f), off + len(payload))
        payload += f
    return onprem.SIG + struct.pack("<I", 3) + head + struct.pack("<I", onprem.F_UNICODE) + payload


class NtlmTest(EmuTestCase):
    EMU_ARGS = ("--onprem", "ntlm")
    ROWS = 10

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=30)

    def get(self, c, path, auth=None):
        c.request("GET", path, headers={"Authorization": auth} if auth else {})
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()

    def sign_in(self, c, user="crmadmin", domain="CONTOSO", password=PASSWORD, path=API + "WhoAmI"):
        st, hdrs, _ = self.get(c, path, "NTLM " + base64.b64encode(type1()).decode())
        self.assertEqual(st, 401)
        t2 = base64.b64decode([v for k, v in hdrs if k == "WWW-Authenticate"][0].split(" ", 1)[1])
        self.assertEqual(onprem.ntlm_type(t2), 2)
        t3 = type3(t2, user, domain, password)
        return self.get(c, path, "NTLM " + base64.b64encode(t3).decode())

    def test_challenge_offers_negotiate_and_ntlm(self):
        st, hdrs, _ = self.get(self.conn(), API + "accounts")
        self.assertEqual(st, 401)
        self.assertEqual([v for k, v in hdrs if k == "WWW-Authenticate"], ["Negotiate", "NTLM"])

    def test_handshake_then_connection_stays_signed_in(self):
        c = self.conn()
        st, _, body = self.sign_in(c)
        self.assertEqual(st, 200, body)
        st, _, body = self.get(c, API + "accounts?$select=name&$top=2")
        self.assertEqual(st, 200, body)
        self.assertIn(b'"@odata.context":"http://127.0.0.1:%d/contoso/api/data/v8.2/$metadata'
                      % self.emu.port, body)
        st, _, _ = self.get(self.conn(), API + "accounts?$top=1")
        self.assertEqual(st, 401, "a new connection must sign in again")

    def test_upn_form(self):
        st, _, _ = self.sign_in(self.conn(), user="crmadmin@contoso.local", domain="")
        self.assertEqual(st, 200)

    def test_wrong_password_and_unknown_user(self):
        self.assertEqual(self.sign_in(self.conn(), password="wrong")[0], 401)
        self.assertEqual(self.sign_in(self.conn(), user="nobody")[0], 401)
        self.assertEqual(self.sign_in(self.conn(), domain="FABRIKAM")[0], 401)

    def test_api_versions_and_org_path(self):
        c = self.conn()
        self.assertEqual(self.sign_in(c)[0], 200)
        for v in ("v8.2", "v9.0", "v9.1"):
            st, _, body = self.get(c, "/contoso/api/data/%s/accounts?$top=1" % v)
            self.assertEqual(st, 200, body)
        self.assertEqual(self.get(c, "/api/data/v9.2/accounts")[0], 404)

    def test_no_service_protection_limits(self):
        self.emu.control("POST", "config", {"requests_per_window": 2})
        try:
            c = self.conn()
            self.assertEqual(self.sign_in(c)[0], 200)
            for _ in range(5):
                self.assertEqual(self.get(c, API + "accounts?$top=1")[0], 200)
        finally:
            self.emu.control("POST", "reset")


class AdfsTest(EmuTestCase):
    EMU_ARGS = ("--onprem", "adfs")
    ROWS = 10

    def token(self, form):
        return self.emu.request("POST", "/adfs/oauth2/token", urllib.parse.urlencode(form),
                                {"Content-Type": "application/x-www-form-urlencoded"})

    def org(self):
        return "http://127.0.0.1:%d/contoso" % self.emu.port

    def api_get(self, tok, rel="WhoAmI"):
        return self.emu.request("GET", API + rel, headers={"Authorization": "Bearer " + tok})

    def password_grant(self, **over):
        form = {"grant_type": "password", "client_id": ADFS_CLIENT, "username": "CONTOSO\\crmadmin",
                "password": PASSWORD, "resource": self.org()}
        form.update(over)
        return self.token(form)

    def test_challenge_names_adfs(self):
        r = self.emu.request("GET", "/contoso/api/data/")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.header("WWW-Authenticate"),
                         "Bearer authorization_uri=http://127.0.0.1:%d/adfs/oauth2/authorize, "
                         "resource_id=%s/" % (self.emu.port, self.org()))

    def test_password_grant_and_web_api(self):
        r = self.password_grant()
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["token_type"], "bearer")
        self.assertEqual(r.json["expires_in"], 3600)
        self.assertTrue(r.json["refresh_token"].startswith("dvemu-adfs-rt."))
        self.assertEqual(self.api_get(r.json["access_token"]).status, 200)
        self.assertEqual(self.api_get(r.json["access_token"], "accounts?$top=1").status, 200)

    def test_entra_token_refused(self):
        r = self.emu.token_request({"grant_type": "client_credentials", "client_id": onprem.ADFS_CLIENT_ID,
                                    "client_secret": "x", "scope": self.org() + "/.default"})
        tok = r.json.get("access_token") if r.status == 200 else "x.y.z"
        self.assertEqual(self.api_get(tok).status, 401)

    def test_errors(self):
        r = self.password_grant(password="wrong")
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_grant"))
        self.assertEqual(r.json["error_description"], "MSIS9659: Invalid 'username' or 'password'.")
        r = self.password_grant(resource="http://127.0.0.1:%d/other" % self.emu.port)
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_resource"))
        r = self.password_grant(client_id="nobody")
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_client"))
        r = self.password_grant(grant_type="urn:ietf:params:oauth:grant-type:device_code")
        self.assertEqual((r.status, r.json["error"]), (400, "unsupported_grant_type"))

    def test_client_credentials(self):
        base = {"grant_type": "client_credentials", "client_id": ADFS_CLIENT, "resource": self.org()}
        self.assertEqual(self.token(base).status, 401)
        r = self.token(dict(base, client_secret=onprem.ADFS_CLIENT_SECRET))
        self.assertEqual(r.status, 200, r.body)
        self.assertNotIn("refresh_token", r.json)
        self.assertEqual(self.api_get(r.json["access_token"]).status, 200)

    def test_refresh(self):
        rt = self.password_grant().json["refresh_token"]
        r = self.token({"grant_type": "refresh_token", "client_id": ADFS_CLIENT, "refresh_token": rt,
                        "resource": self.org()})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.api_get(r.json["access_token"]).status, 200)
        r = self.token({"grant_type": "refresh_token", "client_id": ADFS_CLIENT,
                        "refresh_token": "bogus", "resource": self.org()})
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_grant"))

    def test_code_flow_with_pkce(self):
        verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        q = {"client_id": ADFS_CLIENT, "response_type": "code", "redirect_uri": "http://localhost:33333/",
             "resource": self.org(), "state": "s1", "code_challenge": challenge,
             "code_challenge_method": "S256"}
        r = self.emu.request("GET", "/adfs/oauth2/authorize?" + urllib.parse.urlencode(q))
        self.assertEqual(r.status, 200)
        self.assertIn(b'id="userNameInput"', r.body)
        form = dict(q, UserName="CONTOSO\\crmadmin", Password=PASSWORD)
        r = self.emu.request("POST", "/adfs/oauth2/authorize", urllib.parse.urlencode(form),
                             {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 302)
        loc = urllib.parse.urlsplit(r.header("Location"))
        got = dict(urllib.parse.parse_qsl(loc.query))
        self.assertEqual(got["state"], "s1")
        ex = {"grant_type": "authorization_code", "client_id": ADFS_CLIENT, "code": got["code"],
              "redirect_uri": "http://localhost:33333/", "code_verifier": "wrong"}
        self.assertEqual(self.token(ex).json["error"], "invalid_grant")  # code is single use now
        r = self.emu.request("POST", "/adfs/oauth2/authorize", urllib.parse.urlencode(form),
                             {"Content-Type": "application/x-www-form-urlencoded"})
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.header("Location")).query))["code"]
        r = self.token(dict(ex, code=code, code_verifier=verifier))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.api_get(r.json["access_token"]).status, 200)


if __name__ == "__main__":
    unittest.main()
