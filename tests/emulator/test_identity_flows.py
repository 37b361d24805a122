"""dvemu identity flows tests: authorization code + PKCE through the login page, refresh
token rotation / revocation, ROPC, device code, certificate client assertions (RS256 + x5t,
PS256 + x5t#S256) and the managed identity endpoint, with the platform's error shapes.

Sources pinned here: spec section 15 (see identity_flows.py for the URLs).
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import uuid

from emu_helper import CLIENT_ID, TENANT, EmuTestCase

USER = "user@dvemu.onmicrosoft.com"
PASSWORD = "dvemu-password"
NO_CONSENT = "44444444-4444-4444-4444-444444444444"
MSI_CLIENT = "55555555-5555-5555-5555-555555555555"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def claims_of(token):
    p = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


class FlowCase(EmuTestCase):
    ROWS = 5

    def setUp(self):
        self.emu.control("POST", "reset", {})

    def scope(self):
        return self.emu.org + "/user_impersonation offline_access openid profile"

    def form_post(self, path, form, headers=None):
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        hdrs.update(headers or {})
        return self.emu.request("POST", path, urllib.parse.urlencode(form), hdrs)

    def assertAad(self, r, status, error, code):
        self.assertEqual(r.status, status, r.body)
        body = r.json
        self.assertEqual(body["error"], error, r.body)
        self.assertEqual(body["error_codes"], [code], r.body)
        self.assertTrue(body["error_description"].startswith("AADSTS%d: " % code), r.body)
        for k in ("timestamp", "trace_id", "correlation_id"):
            self.assertIn(k, body)

    def password_tokens(self, client_id=CLIENT_ID):
        r = self.emu.token_request({"grant_type": "password", "client_id": client_id,
                                    "username": USER, "password": PASSWORD, "scope": self.scope()})
        self.assertEqual(r.status, 200, r.body)
        return r.json


class TestAuthorizationCode(FlowCase):
    def authorize_path(self, verifier, redirect="http://localhost:45678/", state="st-1", **extra):
        q = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": redirect,
             "response_mode": "query", "scope": self.scope(), "state": state,
             "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()),
             "code_challenge_method": "S256"}
        q.update(extra)
        return "/%s/oauth2/v2.0/authorize?%s" % (TENANT, urllib.parse.urlencode(q))

    def login(self, path, user=USER, password=PASSWORD):
        page = self.emu.request("GET", path)
        self.assertEqual(page.status, 200)
        self.assertIn('id="username"', page.text)
        self.assertIn('id="idSIButton9"', page.text)
        qs = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
        qs.update({"username": user, "password": password})
        return self.form_post(urllib.parse.urlsplit(path).path, qs)

    def code_of(self, r, redirect="http://localhost:45678/"):
        self.assertEqual(r.status, 302, r.body)
        loc = r.header("Location")
        self.assertTrue(loc.startswith(redirect + "?"), loc)
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))

    def redeem(self, code, verifier, redirect="http://localhost:45678/"):
        return self.emu.token_request({"grant_type": "authorization_code", "client_id": CLIENT_ID,
                                       "code": code, "redirect_uri": redirect,
                                       "code_verifier": verifier, "scope": self.scope()})

    def test_code_with_pkce(self):
        verifier = b64url(os.urandom(32))
        back = self.code_of(self.login(self.authorize_path(verifier)))
        self.assertEqual(back["state"], "st-1")
        r = self.redeem(back["code"], verifier)
        self.assertEqual(r.status, 200, r.body)
        body = r.json
        self.assertEqual(sorted(body), ["access_token", "expires_in", "ext_expires_in",
                                        "id_token", "refresh_token", "scope", "token_type"])
        self.assertEqual(body["scope"], self.emu.org + "/user_impersonation")
        claims = claims_of(body["access_token"])
        self.assertEqual(claims["upn"], USER)
        self.assertEqual(claims["scp"], "user_impersonation")
        self.assertEqual(self.emu.get("WhoAmI", token=False, headers={
            "Authorization": "Bearer " + body["access_token"]}).status, 200)
        # single use
        self.assertAad(self.redeem(back["code"], verifier), 400, "invalid_grant", 54005)

    def test_loopback_port_is_ignored(self):
        verifier = b64url(os.urandom(32))
        path = self.authorize_path(verifier, redirect="http://127.0.0.1:1234/")
        back = self.code_of(self.login(path), "http://127.0.0.1:1234/")
        self.assertEqual(self.redeem(back["code"], verifier, "http://127.0.0.1:1234/").status, 200)

    def test_pkce_mismatch(self):
        verifier = b64url(os.urandom(32))
        back = self.code_of(self.login(self.authorize_path(verifier)))
        self.assertAad(self.redeem(back["code"], b64url(os.urandom(32))), 400, "invalid_grant",
                       501481)

    def test_redirect_not_registered(self):
        r = self.emu.request("GET", self.authorize_path("x" * 43, redirect="https://evil.example/"))
        self.assertEqual(r.status, 400)
        self.assertIn("AADSTS50011", r.text)

    def test_wrong_password_shows_the_form_again(self):
        r = self.login(self.authorize_path("x" * 43), password="nope")
        self.assertEqual(r.status, 200)
        self.assertIn("Your account or password is incorrect. (AADSTS50126)", r.text)

    def test_cancel(self):
        path = self.authorize_path("x" * 43)
        qs = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query), cancel="Cancel")
        back = self.code_of(self.form_post(urllib.parse.urlsplit(path).path, qs))
        self.assertEqual(back["error"], "access_denied")
        self.assertEqual(back["state"], "st-1")

    def test_unknown_code(self):
        self.assertAad(self.redeem("nope", "x" * 43), 400, "invalid_grant", 70008)


class TestRefresh(FlowCase):
    def refresh(self, rt, client_id=CLIENT_ID):
        return self.emu.token_request({"grant_type": "refresh_token", "client_id": client_id,
                                       "refresh_token": rt, "scope": self.scope()})

    def test_rotation(self):
        rt1 = self.password_tokens()["refresh_token"]
        r = self.refresh(rt1)
        self.assertEqual(r.status, 200, r.body)
        rt2 = r.json["refresh_token"]
        self.assertNotEqual(rt1, rt2)
        self.assertAad(self.refresh(rt1), 400, "invalid_grant", 70008)
        self.assertEqual(self.refresh(rt2).status, 200)

    def test_expired_and_revoked(self):
        rt = self.password_tokens()["refresh_token"]
        self.emu.control("POST", "identity/refresh", {"set_all": "expired"})
        self.assertAad(self.refresh(rt), 400, "invalid_grant", 700082)
        rt = self.password_tokens()["refresh_token"]
        self.emu.control("POST", "identity/refresh", {"set_all": "revoked"})
        self.assertAad(self.refresh(rt), 400, "invalid_grant", 50173)

    def test_no_rotation(self):
        self.emu.control("POST", "identity/refresh", {"rotate": False})
        rt = self.password_tokens()["refresh_token"]
        r = self.refresh(rt)
        self.assertEqual(r.json["refresh_token"], rt)
        self.assertEqual(self.refresh(rt).status, 200)


class TestPassword(FlowCase):
    def ropc(self, user=USER, password=PASSWORD, tenant=TENANT, client_id=CLIENT_ID):
        return self.emu.token_request({"grant_type": "password", "client_id": client_id,
                                       "username": user, "password": password,
                                       "scope": self.scope()}, tenant=tenant)

    def test_ok(self):
        self.assertEqual(claims_of(self.password_tokens()["access_token"])["upn"], USER)
        self.assertEqual(self.ropc(tenant="organizations").status, 200)

    def test_errors(self):
        cases = [({"password": "bad"}, 50126), ({"user": "nobody@dvemu.onmicrosoft.com"}, 50034),
                 ({"user": "mfa@dvemu.onmicrosoft.com"}, 50076),
                 ({"user": "locked@dvemu.onmicrosoft.com"}, 50053),
                 ({"client_id": NO_CONSENT}, 65001)]
        for kw, code in cases:
            with self.subTest(code=code):
                self.assertAad(self.ropc(**kw), 400, "invalid_grant", code)
        self.assertEqual(self.ropc(client_id=NO_CONSENT).json["suberror"], "consent_required")
        self.assertAad(self.ropc(tenant="common"), 400, "invalid_request", 9001023)
        self.assertAad(self.ropc(client_id="99999999-0000-0000-0000-000000000000"), 400,
                       "unauthorized_client", 700016)


class TestDeviceCode(FlowCase):
    def start(self, **cfg):
        self.emu.control("POST", "identity/device", dict({"interval": 1}, **cfg))
        r = self.form_post("/%s/oauth2/v2.0/devicecode" % TENANT,
                           {"client_id": CLIENT_ID, "scope": self.scope()})
        self.assertEqual(r.status, 200, r.body)
        return r.json

    def poll(self, dc):
        return self.emu.token_request({"grant_type": DEVICE_GRANT, "client_id": CLIENT_ID,
                                       "device_code": dc})

    def test_shape_and_approval(self):
        d = self.start(pending_polls=2)
        self.assertEqual(sorted(d), ["device_code", "expires_in", "interval", "message",
                                     "user_code", "verification_uri"])
        self.assertEqual(d["verification_uri"], self.emu.org + "/devicelogin")
        self.assertEqual(d["interval"], 1)
        self.assertIn(d["user_code"], d["message"])
        self.assertAad(self.poll(d["device_code"]), 400, "authorization_pending", 70016)
        self.assertAad(self.poll(d["device_code"]), 400, "authorization_pending", 70016)
        r = self.poll(d["device_code"])
        self.assertEqual(r.status, 200, r.body)
        self.assertIn("refresh_token", r.json)
        self.assertAad(self.poll(d["device_code"]), 400, "bad_verification_code", 70018)

    def test_login_page(self):
        d = self.start(mode="pending")
        self.assertAad(self.poll(d["device_code"]), 400, "authorization_pending", 70016)
        page = self.emu.request("GET", "/devicelogin")
        self.assertIn('id="otc"', page.text)
        r = self.form_post("/devicelogin", {"otc": d["user_code"], "username": USER,
                                            "password": PASSWORD})
        self.assertIn("You may now close this window.", r.text)
        self.assertEqual(self.poll(d["device_code"]).status, 200)

    def test_terminal_states(self):
        d = self.start(mode="slow_down", pending_polls=0)
        self.assertAad(self.poll(d["device_code"]), 400, "slow_down", 70016)
        self.assertEqual(self.poll(d["device_code"]).status, 200)
        d = self.start(mode="decline")
        self.assertAad(self.poll(d["device_code"]), 400, "authorization_declined", 70000)
        d = self.start(mode="expire")
        self.assertAad(self.poll(d["device_code"]), 400, "expired_token", 70019)
        self.assertAad(self.poll("nope"), 400, "bad_verification_code", 70018)


@unittest.skipUnless(shutil.which("openssl"), "openssl CLI not installed")
class TestClientAssertion(FlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="dvemu-cert-")
        cls.key = os.path.join(cls.tmp, "key.pem")
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        cls.key, "-out", cls.cert, "-days", "2", "-subj", "/CN=dvemu-test"],
                       check=True, capture_output=True)
        with open(cls.cert) as f:
            cls.pem = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        r = self.emu.control("POST", "identity/certs", {"pem": self.pem})
        self.thumbs = r.json

    def sign(self, data, alg):
        args = ["openssl", "dgst", "-sha256", "-sign", self.key]
        if alg == "PS256":
            args[3:3] = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
        return subprocess.run(args, input=data, check=True, capture_output=True).stdout

    def assertion(self, alg="RS256", thumb="x5t", aud=None, now=None, **claims):
        now = int(time.time()) if now is None else now
        header = {"alg": alg, "typ": "JWT", thumb: self.thumbs[thumb]}
        body = {"aud": aud or "%s/%s/oauth2/v2.0/token" % (self.emu.org, TENANT),
                "iss": CLIENT_ID, "sub": CLIENT_ID, "jti": str(uuid.uuid4()), "nbf": now,
                "iat": now, "exp": now + 600}
        body.update(claims)
        signed = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(body).encode())
        return signed + "." + b64url(self.sign(signed.encode(), alg))

    def grant(self, assertion):
        return self.emu.token_request({
            "grant_type": "client_credentials", "client_id": CLIENT_ID,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion, "scope": self.emu.org + "/.default"})

    def test_thumbprints(self):
        der = base64.b64decode("".join(self.pem.strip().splitlines()[1:-1]))
        self.assertEqual(self.thumbs["x5t"], b64url(hashlib.sha1(der).digest()))
        self.assertEqual(self.thumbs["x5t#S256"], b64url(hashlib.sha256(der).digest()))

    def test_rs256_and_ps256(self):
        for alg, thumb in (("RS256", "x5t"), ("PS256", "x5t#S256"), ("RS256", "x5t#S256")):
            with self.subTest(alg=alg, thumb=thumb):
                r = self.grant(self.assertion(alg, thumb))
                self.assertEqual(r.status, 200, r.body)
                self.assertEqual(claims_of(r.json["access_token"])["appid"], CLIENT_ID)

    def test_rejections(self):
        good = self.assertion()
        h, p, s = good.split(".")
        tampered = h + "." + b64url(json.dumps({"aud": "x"}).encode()) + "." + s
        cases = [(tampered, 700027), (self.assertion(aud="https://example/token"), 700027),
                 (self.assertion(iss="someone-else"), 700027),
                 (self.assertion(now=int(time.time()) - 7200), 700024),
                 (self.assertion(now=int(time.time()) + 7200), 700024)]
        for assertion, code in cases:
            with self.subTest(code=code):
                self.assertAad(self.grant(assertion), 401, "invalid_client", code)
        self.emu.control("POST", "reset", {})
        self.assertAad(self.grant(good), 401, "invalid_client", 700027)


class TestManagedIdentity(FlowCase):
    def imds(self, headers=None, **params):
        q = dict({"api-version": "2018-02-01", "resource": self.emu.org}, **params)
        return self.emu.request("GET", "/metadata/identity/oauth2/token?" +
                                urllib.parse.urlencode(q), headers=headers or {})

    def test_token(self):
        r = self.imds({"Metadata": "true"})
        self.assertEqual(r.status, 200, r.body)
        body = r.json
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["refresh_token"], "")
        self.assertIsInstance(body["expires_in"], str)
        self.assertEqual(body["resource"], self.emu.org)
        self.assertEqual(self.emu.get("WhoAmI", token=False, headers={
            "Authorization": "Bearer " + body["access_token"]}).status, 200)
        r = self.imds({"Metadata": "true"}, client_id=MSI_CLIENT)
        self.assertEqual(claims_of(r.json["access_token"])["appid"], MSI_CLIENT)

    def test_errors(self):
        r = self.imds()
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json["error_description"], "Required metadata header not specified")
        r = self.imds({"Metadata": "true"}, client_id="99999999-0000-0000-0000-000000000000")
        self.assertEqual((r.status, r.json["error_description"]), (400, "Identity not found"))
        r = self.imds({"Metadata": "true"}, resource="https://other.example")
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_resource"))


if __name__ == "__main__":
    unittest.main()
