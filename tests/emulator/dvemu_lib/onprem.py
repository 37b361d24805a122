"""dvemu on-premises mode (--onprem ntlm|adfs): Dynamics CRM 2016+ / Dynamics 365 CE on-prem.

Owns: the organization path form (ORG = http://127.0.0.1:PORT/<OrgName>, Web API at
/<OrgName>/api/data/v8.2|v9.0|v9.1|v9.2/), Windows authentication the way IIS does it
(401 with `WWW-Authenticate: Negotiate` and `WWW-Authenticate: NTLM`, the NTLM handshake
Type 1 -> Type 2 challenge -> Type 3 with an NTLMv2 response checked against the user's NT
hash; the keep-alive connection stays authenticated, as IIS's connection-based auth), and an
AD FS authority (/adfs/oauth2/authorize, /adfs/oauth2/token with `resource=<ORG>`, no
scopes; grants password, authorization_code, refresh_token, client_credentials) whose
tokens the Web API accepts, with the Web API's 401 naming the AD FS authority.  No service
protection 429s in on-prem mode.  Hooked into server.py (route, auth_ok, challenge,
check_limits) and main.py (add_args, setup).

Fixed identities (documented in tests/emulator/README.md and docs/authentication.md):
  Windows user   CONTOSO\\crmadmin (or crmadmin@contoso.local), password dvemu-onprem-pw
  AD FS client   ADFS_CLIENT_ID below (Add-AdfsClient), secret dvemu-adfs-secret for
                 client_credentials; redirect URIs: any http://localhost or 127.0.0.1 port

Sources: spec section 16; [MS-NLMP] sections 2.2.1.1-2.2.1.3 (messages), 3.3.2 (NTLMv2:
NTOWFv2 = HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(Uppercase(User) + UserDom)),
NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge + temp)); RFC 1320 (MD4); [MS-OAPX] 2.2.4.1
(invalid_resource); https://learn.microsoft.com/windows-server/identity/ad-fs/overview/
ad-fs-openid-connect-oauth-flows-scenarios.  The MSIS numbers in error texts are [U].
"""

import base64
import hashlib
import hmac
import html
import json
import os
import struct
import threading
import time
import urllib.parse
import uuid

NTLM_DOMAIN = "CONTOSO"
NTLM_DNS_DOMAIN = "contoso.local"
NTLM_SERVER = "CRMSRV01"
ORG_NAME = "contoso"
USERS = {"crmadmin": {"password": "dvemu-onprem-pw",
                      "oid": "77777777-7777-7777-7777-777777777777"}}
ADFS_CLIENT_ID = "33333333-3333-4333-8333-333333333333"
ADFS_CLIENT_SECRET = "dvemu-adfs-secret"
ADFS_APP_OID = "88888888-8888-8888-8888-888888888888"
CODE_LIFETIME = 600

# ---- MD4 (RFC 1320): hashlib's md4 is missing under OpenSSL 3 ------------------------------


def _rol(x, n):
    x &= 0xFFFFFFFF
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def md4(data):
    msg = bytearray(data)
    bitlen = (8 * len(data)) & 0xFFFFFFFFFFFFFFFF
    msg.append(0x80)
    while len(msg) % 64 != 56:
        msg.append(0)
    msg += struct.pack("<Q", bitlen)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    f = lambda x, y, z: (x & y) | (~x & z)
    g = lambda x, y, z: (x & y) | (x & z) | (y & z)
    h = lambda x, y, z: x ^ y ^ z
    for off in range(0, len(msg), 64):
        X = list(struct.unpack("<16I", bytes(msg[off:off + 64])))
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            k, s = i, (3, 7, 11, 19)[i % 4]
            v = (a + f(b, c, d) + X[k]) & 0xFFFFFFFF
            a, b, c, d = d, _rol(v, s), b, c
        for i in range(16):
            k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            v = (a + g(b, c, d) + X[k] + 0x5A827999) & 0xFFFFFFFF
            a, b, c, d = d, _rol(v, s), b, c
        order = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
        for i in range(16):
            k, s = order[i], (3, 9, 11, 15)[i % 4]
            v = (a + h(b, c, d) + X[k] + 0x6ED9EBA1) & 0xFFFFFFFF
            a, b, c, d = d, _rol(v, s), b, c
        a, b, c, d = ((a + aa) & 0xFFFFFFFF, (b + bb) & 0xFFFFFFFF,
                      (c + cc) & 0xFFFFFFFF, (d + dd) & 0xFFFFFFFF)
    return struct.pack("<4I", a, b, c, d)


def nt_hash(password):
    return md4(password.encode("utf-16-le"))


# ---- NTLM messages ([MS-NLMP] 2.2.1) --------------------------------------------------------
SIG = b"NTLMSSP\x00"
F_UNICODE, F_REQUEST_TARGET, F_NTLM = 0x1, 0x4, 0x200
F_ALWAYS_SIGN, F_TARGET_DOMAIN, F_ESS = 0x8000, 0x10000, 0x80000
F_TARGET_INFO, F_128, F_56 = 0x800000, 0x20000000, 0x80000000


def _secbuf(msg, off):
    ln, _mx, at = struct.unpack_from("<HHI", msg, off)
    return msg[at:at + ln]


def ntlm_type(msg):
    if len(msg) < 12 or msg[:8] != SIG:
        return None
    return struct.unpack_from("<I", msg, 8)[0]


def _av(av_id, value):
    return struct.pack("<HH", av_id, len(value)) + value


def challenge_message(server_challenge):
    """Type 2 with the target info that makes clients answer NTLMv2."""
    u = lambda s: s.encode("utf-16-le")
    target = u(NTLM_DOMAIN)
    filetime = int((time.time() + 11644473600) * 10000000)
    info = (_av(2, u(NTLM_DOMAIN)) + _av(1, u(NTLM_SERVER)) + _av(4, u(NTLM_DNS_DOMAIN)) +
            _av(3, u(NTLM_SERVER.lower() + "." + NTLM_DNS_DOMAIN)) +
            _av(7, struct.pack("<Q", filetime)) + _av(0, b""))
    flags = (F_UNICODE | F_REQUEST_TARGET | F_NTLM | F_ALWAYS_SIGN | F_TARGET_DOMAIN | F_ESS |
             F_TARGET_INFO | F_128 | F_56)
    head = 56
    msg = SIG + struct.pack("<I", 2)
    msg += struct.pack("<HHI", len(target), len(target), head)
    msg += struct.pack("<I", flags) + server_challenge + b"\x00" * 8
    msg += struct.pack("<HHI", len(info), len(info), head + len(target))
    msg += b"\x0a\x00\x63\x45\x00\x00\x00\x0f"  # version 10.0.17763, NTLM revision 15
    return msg + target + info


def parse_authenticate(msg):
    """Type 3 -> dict(user, domain, nt) (strings decoded as UTF-16LE when negotiated)."""
    flags = struct.unpack_from("<I", msg, 60)[0] if len(msg) >= 64 else F_UNICODE
    enc = "utf-16-le" if flags & F_UNICODE else "latin-1"
    return {"nt": _secbuf(msg, 20), "domain": _secbuf(msg, 28).decode(enc, "replace"),
            "user": _secbuf(msg, 36).decode(enc, "replace")}


def account_of(user, domain):
    """('crmadmin', record) for CONTOSO\\crmadmin, crmadmin@contoso.local, ..."""
    name = user
    if "@" in user and not domain:
        name, _, dom = user.partition("@")
        if dom.lower() != NTLM_DNS_DOMAIN:
            return None, None
    elif domain and domain.upper() not in (NTLM_DOMAIN, NTLM_DNS_DOMAIN.upper()):
        return None, None
    rec = USERS.get(name.lower())
    return (name.lower(), rec) if rec else (None, None)


def verify_ntlmv2(auth, server_challenge):
    """-> the account name when the NTLMv2 response proves the password, else None."""
    nt = auth["nt"]
    if len(nt) <= 24:  # NTLMv1 / LM only: refused (LmCompatibilityLevel 5)
        return None
    name, rec = account_of(auth["user"], auth["domain"])
    if rec is None:
        return None
    key = hmac.new(nt_hash(rec["password"]), (auth["user"].upper() + auth["domain"])
                   .encode("utf-16-le"), hashlib.md5).digest()
    proof = hmac.new(key, server_challenge + nt[16:], hashlib.md5).digest()
    return name if hmac.compare_digest(proof, nt[:16]) else None


# ---- state -------------------------------------------------------------------------------
class OnPrem:
    def __init__(self, mode, org_name):
        self.mode = mode
        self.org_name = org_name
        self.lock = threading.Lock()
        self.codes = {}
        self.refresh = {}


def add_args(p):
    p.add_argument("--onprem", choices=("ntlm", "adfs"),
                   help="on-premises Dynamics CRM: ORG becomes http://127.0.0.1:PORT/<OrgName>; "
                        "ntlm = Windows authentication (CONTOSO\\crmadmin / dvemu-onprem-pw), "
                        "adfs = OAuth against /adfs/oauth2 with resource=ORG; no 429 limits")
    p.add_argument("--onprem-org", default=ORG_NAME, metavar="NAME",
                   help="organization name in the on-prem URL path (default %s)" % ORG_NAME)


def setup(app, args):
    """Called by main.py once app.org is known."""
    app.onprem = None
    if not getattr(args, "onprem", None):
        return
    app.onprem = OnPrem(args.onprem, args.onprem_org)
    app.host_base = app.org
    app.org = "%s/%s" % (app.org, args.onprem_org)
    app.identity.org = app.org


def active(app):
    return getattr(app, "onprem", None) is not None


def _json(status, obj, extra=()):
    return status, [("Content-Type", "application/json;charset=UTF-8"),
                    ("Cache-Control", "no-store")] + list(extra), json.dumps(obj).encode("utf-8")


def windows_challenge(extra_value=None):
    # Source: spec section 16: IIS answers 401 with both Negotiate and NTLM.
    if extra_value:
        hdrs = [("WWW-Authenticate", extra_value)]
    else:
        hdrs = [("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM")]
    body = b"<html><body>401 - Unauthorized: Access is denied due to invalid credentials.</body></html>"
    return 401, hdrs + [("Content-Type", "text/html")], body


def ntlm_gate(handler):
    """None when the connection is authenticated, else the 401 answer (challenge or refusal)."""
    if getattr(handler, "ntlm_user", None):
        return None
    auth = handler.headers.get("Authorization") or ""
    scheme, _, token = auth.partition(" ")
    if scheme.lower() not in ("ntlm", "negotiate") or not token.strip():
        return windows_challenge()
    try:
        msg = base64.b64decode(token.strip())
    except Exception:
        return windows_challenge()
    kind = ntlm_type(msg)
    if kind == 1:
        handler.ntlm_challenge = os.urandom(8)
        t2 = base64.b64encode(challenge_message(handler.ntlm_challenge)).decode("ascii")
        return windows_challenge("%s %s" % (scheme, t2))
    if kind == 3 and getattr(handler, "ntlm_challenge", None):
        user = verify_ntlmv2(parse_authenticate(msg), handler.ntlm_challenge)
        handler.ntlm_challenge = None
        if user:
            handler.ntlm_user = user  # per connection, as IIS: keep-alive stays signed in
            return None
    return windows_challenge()  # Kerberos tokens and failures: access denied


def adfs_base(app):
    return app.host_base + "/adfs"


def bearer_challenge(app):
    # Source: spec section 15 "Authority discovery" / section 16: the 401 names AD FS.
    return 401, [("WWW-Authenticate", "Bearer authorization_uri=%s/oauth2/authorize, resource_id=%s/"
                  % (adfs_base(app), app.org)), ("Content-Type", "text/html")], b""


def claims(handler):
    """The signed-in principal of a Web API request in on-prem mode, or None."""
    app = handler.server.app
    if app.onprem.mode == "ntlm":
        user = getattr(handler, "ntlm_user", None)
        return {"oid": USERS[user]["oid"], "upn": "%s@%s" % (user, NTLM_DNS_DOMAIN)} if user else None
    auth = handler.headers.get("Authorization") or ""
    if not auth.lower().startswith("bearer "):
        return None
    c = app.identity.validate(auth[7:].strip())
    if c is None or c.get("iss") != adfs_base(app):
        return None
    return c


# ---- AD FS -------------------------------------------------------------------------------
class AdfsError(Exception):
    def __init__(self, status, error, description):
        Exception.__init__(self, description)
        self.status, self.error, self.description = status, error, description


def _check_resource(app, resource):
    if not resource:
        raise AdfsError(400, "invalid_request", "MSIS9609: The 'resource' parameter is missing.")
    if resource.rstrip("/") != app.org:
        # Source: [MS-OAPX] 2.2.4.1: an unregistered resource is invalid_resource.
        raise AdfsError(400, "invalid_resource", "MSIS9602: The received 'resource' parameter "
                        "value '%s' is not a registered relying party identifier." % resource)


def _check_client(form, need_secret=False):
    if form.get("client_id") != ADFS_CLIENT_ID:
        raise AdfsError(400, "invalid_client", "MSIS9223: The received client_id '%s' is not "
                        "registered (Add-AdfsClient)." % form.get("client_id", ""))
    secret = form.get("client_secret")
    if (need_secret or secret is not None) and secret != ADFS_CLIENT_SECRET:
        raise AdfsError(401, "invalid_client", "MSIS9622: Client authentication failed.")


def _user_of(username, password):
    user, domain = username or "", ""
    if "\\" in user:
        domain, _, user = user.partition("\\")
    name, rec = account_of(user, domain)
    if rec is None or not hmac.compare_digest((password or "").encode(), rec["password"].encode()):
        raise AdfsError(400, "invalid_grant", "MSIS9659: Invalid 'username' or 'password'.")
    return name


def _issue(app, user, client_id, resource, with_refresh=True):
    st = app.onprem
    extra = {"iss": adfs_base(app), "appid": client_id, "auth_time": int(time.time())}
    if user:
        extra.update({"upn": "%s@%s" % (user, NTLM_DNS_DOMAIN), "unique_name": "%s\\%s"
                      % (NTLM_DOMAIN, user), "oid": USERS[user]["oid"], "sub": USERS[user]["oid"]})
    else:
        extra.update({"oid": ADFS_APP_OID, "sub": ADFS_APP_OID})
    tok, life = app.identity.mint(extra)
    out = {"access_token": tok, "token_type": "bearer", "expires_in": life, "resource": resource}
    if user and with_refresh:
        rt = "dvemu-adfs-rt." + base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
        with st.lock:
            st.refresh[rt] = {"user": user, "client_id": client_id, "resource": resource}
        out["refresh_token"] = rt
        out["refresh_token_expires_in"] = 28800
    return 200, out


def _pkce_ok(challenge, verifier):
    if not challenge:
        return True
    d = hashlib.sha256((verifier or "").encode("ascii")).digest()
    return base64.urlsafe_b64encode(d).decode().rstrip("=") == challenge


def token(app, form):
    grant = form.get("grant_type")
    if grant == "password":
        _check_client(form)
        _check_resource(app, form.get("resource"))
        return _issue(app, _user_of(form.get("username"), form.get("password")),
                      form["client_id"], form["resource"])
    if grant == "client_credentials":
        _check_client(form, need_secret=True)
        _check_resource(app, form.get("resource"))
        return _issue(app, None, form["client_id"], form["resource"])
    if grant == "authorization_code":
        _check_client(form)
        with app.onprem.lock:
            rec = app.onprem.codes.pop(form.get("code"), None)
        if (rec is None or rec["exp"] < time.time() or rec["redirect_uri"] != form.get("redirect_uri")
                or rec["client_id"] != form["client_id"]
                or not _pkce_ok(rec["challenge"], form.get("code_verifier"))):
            raise AdfsError(400, "invalid_grant", "MSIS9612: The authorization code received in "
                            "the 'code' parameter is invalid.")
        return _issue(app, rec["user"], rec["client_id"], rec["resource"])
    if grant == "refresh_token":
        _check_client(form)
        with app.onprem.lock:
            rec = app.onprem.refresh.get(form.get("refresh_token"))
        if rec is None or rec["client_id"] != form["client_id"]:
            raise AdfsError(400, "invalid_grant", "MSIS9615: The refresh token received in "
                            "'refresh_token' parameter is invalid.")
        resource = form.get("resource") or rec["resource"]
        _check_resource(app, resource)
        status, out = _issue(app, rec["user"], rec["client_id"], resource, with_refresh=False)
        return status, out
    raise AdfsError(400, "unsupported_grant_type", "MSIS9611: The authorization server does not "
                    "support the requested 'grant_type' value.")


def _redirect_ok(uri):
    p = urllib.parse.urlsplit(uri or "")
    return p.scheme == "http" and p.hostname in ("localhost", "127.0.0.1")


def _redirect(uri, params):
    sep = "&" if "?" in uri else "?"
    return 302, [("Location", uri + sep + urllib.parse.urlencode(params)),
                 ("Content-Type", "text/html")], b""


def _login_form(params, message=""):
    hidden = "".join('<input type="hidden" name="%s" value="%s">' % (html.escape(k), html.escape(v))
                     for k, v in params.items() if k not in ("UserName", "Password"))
    body = ("<html><head><title>Sign In</title></head><body><form id=\"loginForm\" method=\"post\" "
            "action=\"/adfs/oauth2/authorize\">%s<p id=\"errorText\">%s</p>"
            "<input id=\"userNameInput\" name=\"UserName\"><input id=\"passwordInput\" "
            "name=\"Password\" type=\"password\"><input id=\"submitButton\" type=\"submit\" "
            "value=\"Sign in\"></form></body></html>" % (hidden, html.escape(message)))
    return 200, [("Content-Type", "text/html; charset=utf-8")], body.encode("utf-8")


def authorize(app, method, params):
    uri = params.get("redirect_uri") or ""
    if params.get("client_id") != ADFS_CLIENT_ID or not _redirect_ok(uri):
        return 400, [("Content-Type", "text/html")], (
            b"<html><body>MSIS9224: The redirect URI or client_id is not registered.</body></html>")
    back = {"state": params["state"]} if "state" in params else {}
    if params.get("response_type") != "code":
        return _redirect(uri, dict(back, error="unsupported_response_type"))
    resource = params.get("resource")
    try:
        _check_resource(app, resource)
    except AdfsError as e:
        return _redirect(uri, dict(back, error=e.error, error_description=e.description))
    if method == "GET" or "UserName" not in params:
        return _login_form(params)
    try:
        user = _user_of(params.get("UserName"), params.get("Password"))
    except AdfsError:
        return _login_form(params, "Incorrect user ID or password.")
    code = "dvemu-adfs-code." + base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
    with app.onprem.lock:
        app.onprem.codes[code] = {"client_id": params["client_id"], "redirect_uri": uri,
                                  "challenge": params.get("code_challenge"), "user": user,
                                  "resource": resource, "exp": time.time() + CODE_LIFETIME}
    return _redirect(uri, dict(back, code=code))


def adfs_route(handler, method, segs, rq, body):
    app = handler.server.app
    params = dict(urllib.parse.parse_qsl(rq, keep_blank_values=True))
    form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    what = "/".join(segs[1:])
    try:
        if what == "oauth2/token" and method == "POST":
            return _json(*token(app, form))
        if what == "oauth2/authorize" and method in ("GET", "POST"):
            return authorize(app, method, dict(params, **form))
    except AdfsError as e:
        return _json(e.status, {"error": e.error, "error_description": e.description})
    return 404, [("Content-Type", "text/plain")], b"Not Found"


def before_route(handler, method, path, rq, body):
    """-> (answer, None) when this module answered, else (None, path without the org prefix)."""
    app = handler.server.app
    st = app.onprem
    segs = [s for s in path.split("/") if s]
    if st.mode == "adfs" and segs[:1] == ["adfs"]:
        return adfs_route(handler, method, segs, rq, body), None
    prefix = "/" + st.org_name
    if path != prefix and not path.lower().startswith(prefix.lower() + "/"):
        return (404, [("Content-Type", "text/html")], b"<html><body>404 - File or directory not "
                b"found.</body></html>"), None
    if st.mode == "ntlm":
        refused = ntlm_gate(handler)
        if refused is not None:
            return refused, None
    return None, path[len(prefix):] or "/"


def reset(app):
    if active(app):
        with app.onprem.lock:
            app.onprem.codes.clear()
            app.onprem.refresh.clear()


def challenge(app):
    """The Web API's 401 in on-prem mode (also the emulator's "401" fault)."""
    return windows_challenge() if app.onprem.mode == "ntlm" else bearer_challenge(app)
