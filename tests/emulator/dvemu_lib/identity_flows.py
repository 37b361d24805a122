"""dvemu identity platform, user and credential flows beyond the client secret.

Owns: the authorization endpoint (/<tenant>/oauth2/v2.0/authorize: a login page a headless
browser can complete, PKCE S256, redirect to a loopback redirect URI with the port ignored),
the token-endpoint grants authorization_code, refresh_token (rotation, single use,
revocation), password (ROPC), device_code (+ /<tenant>/oauth2/v2.0/devicecode and the
/devicelogin page), client_credentials with a JWT client assertion (RS256 / PS256, x5t or
x5t#S256, verified against a certificate registered through /_emu/identity/certs), and the
managed identity endpoint (/metadata/identity/oauth2/token, IMDS shape).  Control endpoints
under /_emu/identity/ (never part of the real service).  Hooked into server.py by
route() / control() / reset(); client_credentials with a secret stays in identity.py.

Sources: spec section 15;
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc
https://learn.microsoft.com/entra/identity-platform/certificate-credentials
https://learn.microsoft.com/entra/identity-platform/refresh-tokens
https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token
https://www.rfc-editor.org/rfc/rfc8017 (RSASSA-PKCS1-v1_5, RSASSA-PSS), RFC 7636 (PKCE)
"""

import base64
import hashlib
import html
import json
import os
import threading
import time
import urllib.parse
import uuid

from . import identity as ID
from .identity import AadError, b64url, b64url_decode

# A registered app whose admin consent for Dataverse is missing (AADSTS65001).
NO_CONSENT_CLIENT_ID = "44444444-4444-4444-4444-444444444444"
# A user-assigned managed identity (client_id selection on the IMDS endpoint).
MSI_CLIENT_ID = "55555555-5555-5555-5555-555555555555"
MSI_SYSTEM_OID = "66666666-6666-6666-6666-666666666666"
USER_PASSWORD = "dvemu-password"
# user name (lower case) -> (oid, AADSTS code raised on sign-in or None)
USERS = {
    "user@dvemu.onmicrosoft.com": ("77777777-7777-7777-7777-777777777777", None),
    "mfa@dvemu.onmicrosoft.com": ("77777777-0000-0000-0000-000000000001", 50076),
    "locked@dvemu.onmicrosoft.com": ("77777777-0000-0000-0000-000000000002", 50053),
    "expired@dvemu.onmicrosoft.com": ("77777777-0000-0000-0000-000000000003", 50055),
    "disabled@dvemu.onmicrosoft.com": ("77777777-0000-0000-0000-000000000004", 50057),
}
GRANT_DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CODE_LIFETIME = 600
CLOCK_SKEW = 300

# Source: spec section 15 error table; texts after the public error-code reference.
SIGNIN_ERRORS = {
    50126: "Error validating credentials due to invalid username or password.",
    50034: "The user account {identifier} does not exist in the dvemu directory. To sign into "
           "this application, the account must be added to the directory.",
    50076: "Due to a configuration change made by your administrator, or because you moved to a "
           "new location, you must use multi-factor authentication to access '%s'.",
    50053: "The account is locked, you've tried to sign in too many times with an incorrect user "
           "ID or password.",
    50055: "The password is expired.",
    50057: "The user account is disabled.",
}


def grant_error(code, message, extra=None):
    return AadError(400, "invalid_grant", code, message, extra)


class State:
    """Everything the flows remember; one per App, cleared by /_emu/reset."""

    def __init__(self):
        self.lock = threading.Lock()
        self.codes = {}       # code -> dict(client_id, redirect_uri, challenge, method, user, exp, used)
        self.refresh = {}     # refresh token -> dict(client_id, user, resource, status)
        self.devices = {}     # device_code -> dict(user_code, client_id, exp, polls, status, last)
        self.certs = {}       # thumbprint (x5t or x5t#S256 text) -> (n, e)
        self.device_cfg = {"interval": 5, "expires_in": 900, "pending_polls": 1, "mode": "approve"}
        self.rotate = True
        self.single_use_refresh = True
        self.counts = {}      # grant -> number of token requests answered


def state(app):
    st = getattr(app, "identity_flows", None)
    if st is None:
        st = app.identity_flows = State()
    return st


def reset(app):
    app.identity_flows = State()


# ---- helpers ---------------------------------------------------------------------------
def org_of(app):
    return app.identity.org


def check_client(cid):
    if not cid:
        raise AadError(400, "invalid_request", 900144,
                       "The request body must contain the following parameter: 'client_id'.")
    if cid not in (ID.CLIENT_ID, NO_CONSENT_CLIENT_ID):
        raise AadError(400, "unauthorized_client", 700016,
                       "Application with identifier '%s' was not found in the directory 'dvemu'. "
                       "This can happen if the application has not been installed by the "
                       "administrator of the tenant or consented to by any user in the tenant. "
                       "You may have sent your authentication request to the wrong tenant." % cid)


def check_consent(cid, resource):
    if cid == NO_CONSENT_CLIENT_ID:
        raise grant_error(65001, "The user or administrator has not consented to use the "
                          "application with ID '%s' named 'dvemu-noconsent'. Send an interactive "
                          "authorization request for this user and resource." % cid,
                          {"suberror": "consent_required"})


def delegated_resource(identity, form, v1):
    if v1:
        res = form.get("resource") or ""
        identity.check_resource(res)
        return res
    return identity.parse_scope(form.get("scope"), app_only=False)


def user_claims(user, cid):
    oid = USERS[user][0]
    return {"oid": oid, "sub": oid, "upn": user, "unique_name": user, "name": user.split("@")[0],
            "appid": cid, "appidacr": "0", "scp": "user_impersonation", "amr": ["pwd"],
            "idp": "https://sts.windows.net/%s/" % ID.TENANT}


def id_token(app, user, cid):
    now = int(time.time())
    claims = {"aud": cid, "iss": "https://login.microsoftonline.com/%s/v2.0" % ID.TENANT,
              "iat": now, "nbf": now, "exp": now + 3600, "oid": USERS[user][0],
              "preferred_username": user, "name": user.split("@")[0], "tid": ID.TENANT, "ver": "2.0"}
    h = b64url(b'{"typ":"JWT","alg":"none"}')
    return h + "." + b64url(json.dumps(claims, separators=(",", ":")).encode()) + "."


def issue_user_tokens(app, st, cid, user, resource, v1, scope_text):
    tok, life = app.identity.mint(user_claims(user, cid))
    rt = "dvemu-rt." + b64url(os.urandom(24))
    with st.lock:
        st.refresh[rt] = {"client_id": cid, "user": user, "resource": resource, "status": "ok"}
    extra = {"refresh_token": rt, "id_token": id_token(app, user, cid)}
    if v1:
        extra["scope"] = "user_impersonation"
    else:
        extra["scope"] = scope_text
    return app.identity.reply(tok, life, v1, extra)


def scope_text(resource):
    return "%s/user_impersonation" % resource


def check_user(username, password):
    user = (username or "").lower()
    if user not in USERS:
        raise grant_error(50034, SIGNIN_ERRORS[50034].replace("{identifier}", username or ""))
    if password != USER_PASSWORD:
        raise grant_error(50126, SIGNIN_ERRORS[50126])
    code = USERS[user][1]
    if code == 50076:
        raise grant_error(50076, SIGNIN_ERRORS[50076] % "Dataverse",
                          {"suberror": "basic_action"})
    if code:
        raise grant_error(code, SIGNIN_ERRORS[code])
    return user


def count(st, grant):
    with st.lock:
        st.counts[grant] = st.counts.get(grant, 0) + 1


# ---- token grants ----------------------------------------------------------------------
def token(app, tenant, form, v1):
    """A grant this module owns -> (status, body); None when identity.py answers it."""
    grant = form.get("grant_type")
    if grant == "client_credentials" and form.get("client_assertion") is not None \
            and form.get("client_secret") is None:
        return assertion_grant(app, tenant, form, v1)
    handlers = {"authorization_code": code_grant, "refresh_token": refresh_grant,
                "password": password_grant, GRANT_DEVICE: device_grant}
    fn = handlers.get(grant)
    if fn is None:
        return None
    app.identity.check_tenant(tenant, grant)
    st = state(app)
    count(st, grant)
    check_client(form.get("client_id"))
    return fn(app, st, tenant, form, v1)


def code_grant(app, st, tenant, form, v1):
    # Source: auth code flow, "Redeem a code for an access token"; spec section 15 (54005,
    # 501481, 70008).
    code = form.get("code") or ""
    with st.lock:
        rec = st.codes.get(code)
        if rec is not None and rec["used"]:
            raise grant_error(54005, "OAuth2 Authorization code was already redeemed, please "
                              "retry with a new valid code or use an existing refresh token.")
        if rec is not None:
            rec["used"] = True
    if rec is None or rec["exp"] < time.time():
        raise grant_error(70008, "The provided authorization code or refresh token has "
                          "expired due to inactivity. Send a new interactive authorization "
                          "request for this user and resource.")
    if rec["client_id"] != form.get("client_id"):
        raise grant_error(70000, "The request was denied because one or more grants are invalid.")
    if not same_redirect(rec["redirect_uri"], form.get("redirect_uri") or ""):
        raise AadError(400, "invalid_grant", 50011,
                       "The redirect URI '%s' specified in the request does not match the redirect "
                       "URI used to obtain the code." % form.get("redirect_uri"))
    verifier = form.get("code_verifier")
    if rec["challenge"]:
        if not verifier:
            raise AadError(400, "invalid_request", 900144,
                           "The request body must contain the following parameter: "
                           "'code_verifier'.")
        if b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest()) != rec["challenge"]:
            raise grant_error(501481, "The Code_Verifier does not match the code_challenge "
                              "supplied in the authorization request.")
    resource = delegated_resource(app.identity, form, v1) if (form.get("scope") or v1) \
        else rec["resource"]
    check_consent(rec["client_id"], resource)
    return issue_user_tokens(app, st, rec["client_id"], rec["user"], resource, v1,
                             scope_text(resource))


def refresh_grant(app, st, tenant, form, v1):
    # Source: refresh-tokens page (rotation: "replace the stored one"); spec section 15
    # (70008 expired/used, 700082 expired by inactivity, 50173 revoked).
    rt = form.get("refresh_token") or ""
    with st.lock:
        rec = st.refresh.get(rt)
        status = rec["status"] if rec else "unknown"
        if rec is not None and status == "ok" and st.rotate and st.single_use_refresh:
            rec["status"] = "used"
    if status in ("unknown", "used"):
        raise grant_error(70008, "The provided authorization code or refresh token has expired "
                          "due to inactivity. Send a new interactive authorization request for "
                          "this user and resource.")
    if status == "expired":
        raise grant_error(700082, "The refresh token has expired due to inactivity. The token "
                          "was issued on 2024-01-01T00:00:00Z and was inactive for 90.00:00:00.")
    if status == "revoked":
        raise grant_error(50173, "The provided grant has expired due to it being revoked, a "
                          "fresh auth token is needed. The user might have changed or reset "
                          "their password.")
    if rec["client_id"] != form.get("client_id"):
        raise grant_error(70000, "The request was denied because one or more grants are invalid.")
    resource = delegated_resource(app.identity, form, v1) if (form.get("scope") or v1) \
        else rec["resource"]
    check_consent(rec["client_id"], resource)
    if not st.rotate:
        tok, life = app.identity.mint(user_claims(rec["user"], rec["client_id"]))
        return app.identity.reply(tok, life, v1, {"refresh_token": rt,
                                                  "scope": scope_text(resource)})
    return issue_user_tokens(app, st, rec["client_id"], rec["user"], resource, v1,
                             scope_text(resource))


def password_grant(app, st, tenant, form, v1):
    # Source: ROPC page; spec section 15 (tenant or organizations, not common).
    if tenant in ("common", "consumers"):
        raise AadError(400, "invalid_request", 9001023,
                       "The grant type is not supported over the /common or /consumers endpoints. "
                       "Please use the /organizations or tenant-specific endpoint.")
    resource = delegated_resource(app.identity, form, v1)
    user = check_user(form.get("username"), form.get("password"))
    check_consent(form.get("client_id"), resource)
    return issue_user_tokens(app, st, form.get("client_id"), user, resource, v1,
                             scope_text(resource))


def device_grant(app, st, tenant, form, v1):
    # Source: device code page, "Authenticating the user" (authorization_pending 70016,
    # authorization_declined, bad_verification_code 70018, expired_token 70019); slow_down
    # from RFC 8628 section 3.5 [U for Entra].  Modes (/_emu/identity/device): approve (after
    # pending_polls pending answers), pending (until /devicelogin approves), slow_down (first
    # poll answers slow_down, then as approve), decline, expire.
    dc = form.get("device_code") or ""
    with st.lock:
        rec = st.devices.get(dc)
        if rec is None:
            raise AadError(400, "bad_verification_code", 70018,
                           "Invalid verification code entered.")
        rec["polls"] += 1
        polls, status, mode = rec["polls"], rec["status"], rec["mode"]
        if status == "waiting" and mode in ("approve", "slow_down") \
                and polls > rec["pending_polls"] + (mode == "slow_down"):
            status = "approved"
        if status == "approved":
            rec["status"] = "redeemed"
    if time.time() > rec["exp"] or mode == "expire":
        raise AadError(400, "expired_token", 70019,
                       "Verification code expired. The flow has expired. Request a new device code.")
    if status == "declined" or mode == "decline":
        raise AadError(400, "authorization_declined", 70000,
                       "The end user denied the authorization request.")
    if status == "redeemed":
        raise AadError(400, "bad_verification_code", 70018, "Invalid verification code entered.")
    if status != "approved":
        if mode == "slow_down" and polls == 1:
            raise AadError(400, "slow_down", 70016, "The client is polling too fast. Slow down.")
        raise AadError(400, "authorization_pending", 70016,
                       "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
    check_consent(rec["client_id"], rec["resource"])
    return issue_user_tokens(app, st, rec["client_id"], rec.get("user") or
                             "user@dvemu.onmicrosoft.com", rec["resource"], v1,
                             scope_text(rec["resource"]))


def devicecode(app, tenant, form):
    # Source: device code page, "Device authorization response"; spec section 15.
    st = state(app)
    app.identity.check_tenant(tenant, "device_code")
    check_client(form.get("client_id"))
    resource = app.identity.parse_scope(form.get("scope"), app_only=False)
    dc = "dvemu-dc." + b64url(os.urandom(24))
    uc = "".join("ABCDEFGHJKLMNPQRSTUVWXYZ"[b % 24] for b in os.urandom(9))
    cfg = st.device_cfg
    uri = "%s/devicelogin" % org_of(app)
    with st.lock:
        st.devices[dc] = {"user_code": uc, "client_id": form.get("client_id"),
                          "resource": resource, "exp": time.time() + int(cfg["expires_in"]),
                          "polls": 0, "status": "waiting", "mode": cfg["mode"],
                          "pending_polls": int(cfg["pending_polls"])}
    return 200, {"device_code": dc, "user_code": uc, "verification_uri": uri,
                 "expires_in": int(cfg["expires_in"]), "interval": int(cfg["interval"]),
                 "message": "To sign in, use a web browser to open the page %s and enter the "
                            "code %s to authenticate." % (uri, uc)}


# ---- client assertion (certificate) -----------------------------------------------------
def der_read(buf, pos):
    """-> (tag, content start, content end) of the DER element at pos."""
    tag = buf[pos]
    ln = buf[pos + 1]
    pos += 2
    if ln & 0x80:
        n = ln & 0x7F
        ln = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    return tag, pos, pos + ln


def der_children(buf, start, end):
    out = []
    while start < end:
        tag, s, e = der_read(buf, start)
        out.append((tag, s, e))
        start = e
    return out


def rsa_public_key(der):
    """X.509 certificate DER -> (n, e) of its RSA subjectPublicKeyInfo."""
    _, s, e = der_read(der, 0)
    tbs_tag, ts, te = der_children(der, s, e)[0]
    kids = der_children(der, ts, te)
    spki = kids[6] if kids[0][0] == 0xA0 else kids[5]
    _, bs, be = der_children(der, spki[1], spki[2])[1]   # BIT STRING
    key = der[bs + 1:be]                                  # skip the unused-bits byte
    _, ks, ke = der_read(key, 0)
    (_, ns, ne), (_, es, ee) = der_children(key, ks, ke)[:2]
    return int.from_bytes(key[ns:ne], "big"), int.from_bytes(key[es:ee], "big")


def pem_to_der(pem):
    lines = [l.strip() for l in pem.splitlines()]
    begin = lines.index("-----BEGIN CERTIFICATE-----")
    end = lines.index("-----END CERTIFICATE-----", begin)
    return base64.b64decode("".join(lines[begin + 1:end]))


SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def verify_pkcs1(n, e, msg, sig):
    # Source: RFC 8017 section 8.2.2 / 9.2 (EMSA-PKCS1-v1_5 with SHA-256).
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    em = pow(int.from_bytes(sig, "big"), e, n).to_bytes(k, "big")
    t = SHA256_DIGEST_INFO + hashlib.sha256(msg).digest()
    return em == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def mgf1(seed, length):
    out = b""
    i = 0
    while len(out) < length:
        out += hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
        i += 1
    return out[:length]


def verify_pss(n, e, msg, sig):
    # Source: RFC 8017 section 8.1.2 / 9.1.2 (EMSA-PSS, SHA-256, MGF1-SHA-256, any salt).
    mod_bits = n.bit_length()
    em_bits = mod_bits - 1
    em_len = (em_bits + 7) // 8
    if len(sig) != (mod_bits + 7) // 8:
        return False
    m = pow(int.from_bytes(sig, "big"), e, n)
    if m.bit_length() > em_bits:
        return False
    em = m.to_bytes(em_len, "big")
    hlen = 32
    if em_len < hlen + 2 or em[-1] != 0xBC:
        return False
    masked, h = em[:em_len - hlen - 1], em[em_len - hlen - 1:-1]
    zero_bits = 8 * em_len - em_bits
    if zero_bits and masked[0] >> (8 - zero_bits):
        return False
    db = bytearray(a ^ b for a, b in zip(masked, mgf1(h, len(masked))))
    if zero_bits:
        db[0] &= 0xFF >> zero_bits
    i = 0
    while i < len(db) and db[i] == 0:
        i += 1
    if i >= len(db) or db[i] != 1:
        return False
    salt = bytes(db[i + 1:])
    return hashlib.sha256(b"\x00" * 8 + hashlib.sha256(msg).digest() + salt).digest() == h


def bad_assertion(code, reason):
    return AadError(401, "invalid_client", code, reason)


def assertion_grant(app, tenant, form, v1):
    # Source: certificate-credentials page (header alg/typ/x5t or x5t#S256; claims aud = token
    # endpoint, iss = sub = client id, jti, nbf, exp); spec section 15 (700027, 700024, 50012).
    st = state(app)
    app.identity.check_tenant(tenant, "client_credentials")
    count(st, "client_assertion")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise AadError(400, "invalid_request", 900144,
                       "The request body must contain the following parameter: "
                       "'client_assertion_type'.")
    try:
        h, p, s = form["client_assertion"].split(".")
        header = json.loads(b64url_decode(h))
        claims = json.loads(b64url_decode(p))
        sig = b64url_decode(s)
    except Exception:
        raise bad_assertion(50027, "JWT token is invalid or malformed.")
    cid = form.get("client_id") or claims.get("sub")
    check_client(cid)
    thumb = header.get("x5t#S256") or header.get("x5t")
    with st.lock:
        key = st.certs.get(thumb) if thumb else None
    if key is None:
        raise bad_assertion(700027, "Client assertion failed signature validation. [Reason - "
                            "The key was not found., Thumbprint of key used by client: '%s']"
                            % (thumb or ""))
    signed = (h + "." + p).encode("ascii")
    alg = header.get("alg")
    good = verify_pkcs1(*key, signed, sig) if alg == "RS256" else \
        verify_pss(*key, signed, sig) if alg == "PS256" else False
    if not good:
        raise bad_assertion(700027, "Client assertion failed signature validation. [Reason - "
                            "The provided signature value did not match the expected signature "
                            "value.]")
    url = "%s/%s/oauth2/%s" % (org_of(app), tenant, "token" if v1 else "v2.0/token")
    if claims.get("aud") != url:
        raise bad_assertion(700027, "Client assertion contains an invalid audience claim "
                            "'%s'; expected '%s'." % (claims.get("aud"), url))
    if claims.get("iss") != cid or claims.get("sub") != cid:
        raise bad_assertion(700027, "Client assertion failed: the iss and sub claims must be "
                            "the client id.")
    now = time.time()
    if not isinstance(claims.get("exp"), int) or not isinstance(claims.get("nbf"), int) \
            or claims["nbf"] > now + CLOCK_SKEW or claims["exp"] <= now - CLOCK_SKEW:
        raise bad_assertion(700024, "Client assertion is not within its valid time range. "
                            "Current time: %s, assertion valid from %s, expiry time of "
                            "assertion %s." % (int(now), claims.get("nbf"), claims.get("exp")))
    if not claims.get("jti"):
        raise bad_assertion(50027, "JWT token is invalid or malformed (no jti).")
    if v1:
        app.identity.check_resource(form.get("resource") or "")
    else:
        app.identity.parse_scope(form.get("scope"), app_only=True)
    tok, life = app.identity.app_token()
    return app.identity.reply(tok, life, v1)


def register_cert(st, pem):
    der = pem_to_der(pem)
    key = rsa_public_key(der)
    x5t = b64url(hashlib.sha1(der).digest())
    x5t256 = b64url(hashlib.sha256(der).digest())
    with st.lock:
        st.certs[x5t] = key
        st.certs[x5t256] = key
    return {"x5t": x5t, "x5t#S256": x5t256}


# ---- authorization endpoint and login pages --------------------------------------------
def same_redirect(registered, given):
    """Loopback redirect URIs match with the port ignored (spec section 15)."""
    a = urllib.parse.urlsplit(registered)
    b = urllib.parse.urlsplit(given)
    return (a.scheme, a.hostname, a.path or "/") == (b.scheme, b.hostname, b.path or "/")


def redirect_allowed(uri):
    # Registered redirect URIs of the emulator app: http://localhost/ and http://127.0.0.1/
    # (any port), with or without a path.  [::1] is unsupported (spec section 15).
    u = urllib.parse.urlsplit(uri)
    return u.scheme == "http" and u.hostname in ("localhost", "127.0.0.1")


def html_page(title, body):
    doc = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head>"
           "<body><h1>%s</h1>%s</body></html>" % (html.escape(title), html.escape(title), body))
    return 200, [("Content-Type", "text/html; charset=utf-8"),
                 ("Cache-Control", "no-store")], doc.encode("utf-8")


def error_page(code, message):
    status, headers, body = html_page("Sign in", "<p id=\"error\">AADSTS%d: %s</p>"
                                      % (code, html.escape(message)))
    return 400, headers, body


def login_form(params, action, message=""):
    hidden = "".join("<input type=\"hidden\" name=\"%s\" value=\"%s\">"
                     % (html.escape(k), html.escape(v)) for k, v in sorted(params.items())
                     if k not in ("username", "password", "cancel"))
    err = "<p id=\"error\">%s</p>" % html.escape(message) if message else ""
    body = ("%s<form id=\"login\" method=\"post\" action=\"%s\">%s"
            "<label>Email <input type=\"email\" id=\"username\" name=\"username\" value=\"%s\">"
            "</label><label>Password <input type=\"password\" id=\"password\" name=\"password\">"
            "</label><input type=\"submit\" id=\"idSIButton9\" value=\"Sign in\">"
            "<input type=\"submit\" id=\"cancel\" name=\"cancel\" value=\"Cancel\"></form>"
            % (err, html.escape(action), hidden, html.escape(params.get("login_hint", ""))))
    return html_page("Sign in to your account", body)


def redirect(uri, params):
    sep = "&" if "?" in uri else "?"
    loc = uri + sep + urllib.parse.urlencode(params)
    return 302, [("Location", loc), ("Content-Type", "text/html"),
                 ("Cache-Control", "no-store")], b""


def authorize(app, tenant, method, params, path):
    # Source: auth code flow, "Request an authorization code" and "Successful response" /
    # "Error response"; PKCE RFC 7636 section 4.
    try:
        app.identity.check_tenant(tenant, "authorization_code")
        check_client(params.get("client_id"))
    except AadError as e:
        return error_page(e.code, e.message)
    uri = params.get("redirect_uri") or ""
    if not redirect_allowed(uri):
        return error_page(50011, "The redirect URI '%s' specified in the request does not match "
                          "the redirect URIs configured for the application '%s'."
                          % (uri, params.get("client_id")))
    state_v = params.get("state")
    back = {} if state_v is None else {"state": state_v}
    if params.get("response_type") != "code":
        return redirect(uri, dict(back, error="unsupported_response_type",
                                  error_description="AADSTS700054: response_type 'code' expected."))
    method_c = params.get("code_challenge_method") or ("plain" if params.get("code_challenge") else "")
    if params.get("code_challenge") and method_c != "S256":
        return redirect(uri, dict(back, error="invalid_request",
                                  error_description="AADSTS501491: Invalid size of Code_Challenge "
                                  "parameter or unsupported code_challenge_method."))
    try:
        resource = app.identity.parse_scope(params.get("scope"), app_only=False)
    except AadError as e:
        return redirect(uri, dict(back, error=e.error,
                                  error_description="AADSTS%d: %s" % (e.code, e.message)))
    if method == "GET":
        return login_form(params, path)
    if "cancel" in params:
        return redirect(uri, dict(back, error="access_denied",
                                  error_description="AADSTS65004: User declined to consent to "
                                  "access the app."))
    try:
        user = check_user(params.get("username"), params.get("password"))
    except AadError as e:
        return login_form(params, path, "Your account or password is incorrect. (AADSTS%d)"
                          % e.code)
    code = "dvemu-code." + b64url(os.urandom(24))
    st = state(app)
    with st.lock:
        st.codes[code] = {"client_id": params["client_id"], "redirect_uri": uri,
                          "challenge": params.get("code_challenge"), "user": user,
                          "resource": resource, "exp": time.time() + CODE_LIFETIME, "used": False}
    return redirect(uri, dict(code=code, **back))


def devicelogin(app, method, params):
    """The verification_uri page: enter the user code and sign in."""
    st = state(app)
    if method == "GET":
        body = ("<form id=\"device\" method=\"post\" action=\"/devicelogin\">"
                "<label>Code <input id=\"otc\" name=\"otc\"></label>"
                "<label>Email <input type=\"email\" id=\"username\" name=\"username\"></label>"
                "<label>Password <input type=\"password\" id=\"password\" name=\"password\">"
                "</label><input type=\"submit\" id=\"idSIButton9\" value=\"Next\"></form>")
        return html_page("Enter code", body)
    try:
        user = check_user(params.get("username"), params.get("password"))
    except AadError as e:
        return error_page(e.code, e.message)
    with st.lock:
        for rec in st.devices.values():
            if rec["user_code"] == (params.get("otc") or "").strip().upper():
                rec["status"] = "approved"
                rec["user"] = user
                return html_page("You have signed in", "<p id=\"done\">You may now close this "
                                 "window.</p>")
    return error_page(70018, "Invalid verification code entered.")


# ---- managed identity ------------------------------------------------------------------
def imds(app, params, headers):
    # Source: how-to-use-vm-token ("Get a token using HTTP", error table); spec section 15.
    js = [("Content-Type", "application/json; charset=utf-8")]
    if (headers.get("Metadata") or "").lower() != "true":
        return 400, js, json.dumps({"error": "invalid_request", "error_description":
                                    "Required metadata header not specified",
                                    "error_codes": ["bad_request_102"]}).encode()
    if params.get("api-version") is None:
        return 400, js, json.dumps({"error": "invalid_request", "error_description":
                                    "Required query variable 'api-version' is missing"}).encode()
    resource = params.get("resource") or ""
    if resource.rstrip("/") != org_of(app):
        return 400, js, json.dumps({"error": "invalid_resource", "error_description":
                                    "AADSTS500011: The resource principal named %s was not found "
                                    "in the tenant named dvemu." % resource}).encode()
    cid = params.get("client_id")
    if cid is not None and cid != MSI_CLIENT_ID:
        return 400, js, json.dumps({"error": "invalid_request",
                                    "error_description": "Identity not found"}).encode()
    st = state(app)
    count(st, "managed_identity")
    oid = "66666666-0000-0000-0000-000000000055" if cid else MSI_SYSTEM_OID
    tok, life = app.identity.mint({"appid": cid or MSI_SYSTEM_OID, "appidacr": "2", "oid": oid,
                                   "sub": oid, "idp": "https://sts.windows.net/%s/" % ID.TENANT})
    now = int(time.time())
    body = {"access_token": tok, "refresh_token": "", "expires_in": str(life),
            "expires_on": str(now + life), "not_before": str(now), "resource": resource,
            "token_type": "Bearer"}
    return 200, js, json.dumps(body).encode()


# ---- hooks called by server.py ---------------------------------------------------------
def json_reply(status, out):
    return status, [("Content-Type", "application/json; charset=utf-8"),
                    ("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")], \
        json.dumps(out).encode("utf-8")


def route(handler, method, segs, rq, body):
    """Routes this module serves -> (status, headers, body), or None to go on."""
    app = handler.server.app
    params = dict(urllib.parse.parse_qsl(rq, keep_blank_values=True))
    if segs[:4] == ["metadata", "identity", "oauth2", "token"] and method == "GET":
        return imds(app, params, handler.headers)
    if segs == ["devicelogin"]:
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return devicelogin(app, method, dict(params, **form))
    if len(segs) < 3 or segs[1] != "oauth2":
        return None
    tenant, rest = segs[0], "/".join(segs[2:])
    form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        if rest in ("v2.0/authorize", "authorize") and method in ("GET", "POST"):
            path = "/%s/oauth2/%s" % (urllib.parse.quote(tenant), rest)
            return authorize(app, tenant, method, dict(params, **form), path)
        if rest in ("v2.0/devicecode", "devicecode") and method == "POST":
            return json_reply(*devicecode(app, tenant, form))
        if rest in ("v2.0/token", "token") and method == "POST":
            out = token(app, tenant, form, v1=(rest == "token"))
            return json_reply(*out) if out is not None else None
    except AadError as e:
        return json_reply(e.status, e.body(app.org))
    return None


def control(app, method, path, data):
    """/_emu/identity/... -> (status, headers, body), or None when not ours."""
    if not path.startswith("/_emu/identity/"):
        return None
    st = state(app)
    js = [("Content-Type", "application/json")]
    what = path[len("/_emu/identity/"):]
    if what == "certs" and method == "POST":
        return 200, js, json.dumps(register_cert(st, data["pem"])).encode()
    if what == "device" and method == "POST":
        for k, v in data.items():
            if k not in st.device_cfg:
                raise ValueError("unknown device setting %r" % k)
            st.device_cfg[k] = v
        return 200, js, json.dumps(st.device_cfg).encode()
    if what == "refresh" and method == "POST":
        # {"rotate": bool, "single_use": bool, "set_all": "expired"|"revoked"}
        with st.lock:
            if "rotate" in data:
                st.rotate = bool(data["rotate"])
            if "single_use" in data:
                st.single_use_refresh = bool(data["single_use"])
            if data.get("set_all"):
                for rec in st.refresh.values():
                    if rec["status"] == "ok":
                        rec["status"] = data["set_all"]
            live = sum(1 for r in st.refresh.values() if r["status"] == "ok")
        return 200, js, json.dumps({"live": live, "rotate": st.rotate}).encode()
    if what == "stats" and method == "GET":
        with st.lock:
            out = {"grants": dict(st.counts),
                   "refresh": {s: sum(1 for r in st.refresh.values() if r["status"] == s)
                               for s in ("ok", "used", "expired", "revoked")},
                   "codes": len(st.codes), "devices": len(st.devices)}
        return 200, js, json.dumps(out).encode()
    return None
