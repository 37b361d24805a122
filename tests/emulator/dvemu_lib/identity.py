"""dvemu identity platform: the Microsoft Entra token endpoints on the emulator's port.

Owns: /<tenant>/oauth2/v2.0/token (client_credentials with a secret - form fields or HTTP
Basic), the v1 /<tenant>/oauth2/token (resource=), access-token minting (JWT-shaped,
HMAC-SHA256 signed by the emulator) and validation for the Web API, and the AADSTS error
bodies.

Sources: spec section 15;
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
https://learn.microsoft.com/entra/identity-platform/reference-error-codes
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow (errors shape)
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import time
import urllib.parse
import uuid

TENANT = "00000000-0000-0000-0000-00000000aaaa"
TENANT_DOMAIN = "dvemu.onmicrosoft.com"
CLIENT_ID = "11111111-1111-1111-1111-111111111111"
CLIENT_SECRET = "dvemu-secret"
# The app's service principal object id (oid in app-only tokens).
APP_OID = "22222222-2222-2222-2222-222222222222"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s):
    s = s + "=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s.encode("ascii"))


class AadError(Exception):
    def __init__(self, status, error, code, message, extra=None):
        Exception.__init__(self, message)
        self.status = status
        self.error = error
        self.code = code
        self.message = message
        self.extra = extra or {}

    def body(self, login_base):
        # Source: spec section 15 "Error": description with \r\n Trace ID/Correlation ID/Timestamp.
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        trace = str(uuid.uuid4())
        corr = str(uuid.uuid4())
        desc = "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s" % (
            self.code, self.message, trace, corr, now)
        out = {"error": self.error, "error_description": desc, "error_codes": [self.code],
               "timestamp": now, "trace_id": trace, "correlation_id": corr,
               "error_uri": "%s/error?code=%d" % (login_base, self.code)}
        out.update(self.extra)
        return out


class Identity:
    def __init__(self, lifetime):
        self.key = os.urandom(32)
        self.lifetime = lifetime
        self.org = None  # set by the server once the port is known
        self.revoked_before = 0

    # ---- tokens -----------------------------------------------------------------------
    def mint(self, claims_extra, lifetime=None):
        now = int(time.time())
        life = self.lifetime if lifetime is None else lifetime
        header = {"typ": "JWT", "alg": "HS256", "kid": "dvemu"}
        claims = {"aud": self.org, "iss": "https://sts.windows.net/%s/" % TENANT,
                  "iat": now, "nbf": now, "exp": now + life, "tid": TENANT, "ver": "1.0",
                  "uti": b64url(os.urandom(16))}
        claims.update(claims_extra)
        h = b64url(json.dumps(header, separators=(",", ":")).encode())
        p = b64url(json.dumps(claims, separators=(",", ":")).encode())
        sig = hmac.new(self.key, (h + "." + p).encode("ascii"), hashlib.sha256).digest()
        return h + "." + p + "." + b64url(sig), life

    def app_token(self, lifetime=None):
        return self.mint({"appid": CLIENT_ID, "appidacr": "1", "oid": APP_OID, "sub": APP_OID,
                          "idp": "https://sts.windows.net/%s/" % TENANT, "rh": "0.dvemu."},
                         lifetime)

    def validate(self, token):
        """-> claims dict, or None when missing/malformed/bad signature/expired/wrong audience."""
        try:
            h, p, s = token.split(".")
            sig = hmac.new(self.key, (h + "." + p).encode("ascii"), hashlib.sha256).digest()
            if not hmac.compare_digest(b64url(sig), s):
                return None
            claims = json.loads(b64url_decode(p))
        except Exception:
            return None
        now = time.time()
        if claims.get("exp", 0) <= now:
            return None
        if claims.get("iat", 0) < self.revoked_before:
            return None
        if claims.get("aud") not in (self.org, self.org + "/"):
            return None
        return claims

    # ---- token endpoint -----------------------------------------------------------------
    def check_tenant(self, tenant, grant):
        if tenant in (TENANT, TENANT_DOMAIN):
            return
        if tenant in ("common", "organizations", "consumers"):
            if grant == "client_credentials":
                # Source: spec section 15 table: grant not allowed on /common.
                raise AadError(400, "invalid_request", 9001023,
                               "The grant type is not supported over the /common or /consumers endpoints. "
                               "Please use the /organizations or tenant-specific endpoint.")
            return
        raise AadError(400, "invalid_request", 90002,
                       "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are "
                       "signing into the correct cloud. Check with your subscription administrator, this "
                       "may happen if there are no active subscriptions for the tenant." % tenant)

    def client_auth(self, form, headers):
        """client_id/client_secret from the form or HTTP Basic -> (client_id, secret or None)."""
        cid = form.get("client_id")
        secret = form.get("client_secret")
        auth = headers.get("Authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
                bid, bsec = raw.split(":", 1)
                cid = cid or urllib.parse.unquote_plus(bid)
                secret = urllib.parse.unquote_plus(bsec)
            except Exception:
                raise AadError(401, "invalid_client", 7000216,
                               "'client_assertion', 'client_secret' or 'request' is required for the "
                               "'client_credentials' grant type.")
        return cid, secret

    def check_resource(self, resource, v1=False):
        org = self.org
        if resource != org:
            # Source: spec section 15 table: 500011 invalid_resource (principal absent).
            raise AadError(400, "invalid_resource", 500011,
                           "The resource principal named %s was not found in the tenant named dvemu. "
                           "This can happen if the application has not been installed by the administrator "
                           "of the tenant or consented to by any user in the tenant. You might have sent "
                           "your authentication request to the wrong tenant." % resource)

    def parse_scope(self, scope, app_only):
        """-> resource (ORG) from a v2 scope list."""
        if not scope:
            raise AadError(400, "invalid_request", 900144,
                           "The request body must contain the following parameter: 'scope'.")
        items = scope.split()
        resources = set()
        for it in items:
            if it in ("openid", "profile", "offline_access", "email"):
                continue
            if it.endswith("/.default"):
                resources.add(it[:-len("/.default")])
            elif it.endswith("/user_impersonation") and not app_only:
                resources.add(it[:-len("/user_impersonation")])
            else:
                raise AadError(400, "invalid_scope", 70011,
                               "The provided request must include a 'scope' input parameter. The provided "
                               "value for the input parameter 'scope' is not valid. The scope %s is not valid."
                               % scope)
        if len(resources) != 1:
            if not resources:
                raise AadError(400, "invalid_scope", 70011,
                               "The provided value for the input parameter 'scope' is not valid. The scope "
                               "%s is not valid." % scope)
            raise AadError(400, "invalid_scope", 700022,
                           "The provided value for the input parameter scope is not valid because it "
                           "contains more than one resource. Scope %s is not valid." % scope)
        res = resources.pop()
        self.check_resource(res)
        return res

    def token(self, tenant, form, headers, v1=False):
        """POST /<tenant>/oauth2/v2.0/token (or v1 /oauth2/token). -> (status, body dict)."""
        grant = form.get("grant_type")
        if not grant:
            raise AadError(400, "invalid_request", 900144,
                           "The request body must contain the following parameter: 'grant_type'.")
        self.check_tenant(tenant, grant)
        if grant == "client_credentials":
            cid, secret = self.client_auth(form, headers)
            if not cid:
                raise AadError(400, "invalid_request", 900144,
                               "The request body must contain the following parameter: 'client_id'.")
            if cid != CLIENT_ID:
                raise AadError(400, "unauthorized_client", 700016,
                               "Application with identifier '%s' was not found in the directory 'dvemu'. "
                               "This can happen if the application has not been installed by the "
                               "administrator of the tenant or consented to by any user in the tenant. "
                               "You may have sent your authentication request to the wrong tenant." % cid)
            if secret is None and not form.get("client_assertion"):
                raise AadError(401, "invalid_client", 7000218,
                               "The request body must contain the following parameter: 'client_assertion' "
                               "or 'client_secret'.")
            if secret is not None and secret != CLIENT_SECRET:
                raise AadError(401, "invalid_client", 7000215,
                               "Invalid client secret provided. Ensure the secret being sent in the request "
                               "is the client secret value, not the client secret ID, for a secret added to "
                               "app '%s'." % CLIENT_ID)
            if secret is None:
                raise AadError(401, "invalid_client", 700027,
                               "Client assertion failed signature validation. (dvemu: certificate "
                               "credentials are not implemented yet)")
            if v1:
                self.check_resource(form.get("resource") or "")
            else:
                self.parse_scope(form.get("scope"), app_only=True)
            tok, life = self.app_token()
            return self.reply(tok, life, v1)
        raise AadError(400, "unsupported_grant_type", 70003,
                       "The app requested an unsupported grant type '%s'." % grant)

    def reply(self, tok, life, v1, extra=None):
        # Source: spec section 15 "Success" (app-only: no scope/refresh/id_token); v1 numbers
        # as strings with expires_on/not_before/resource.
        if v1:
            now = int(time.time())
            body = {"token_type": "Bearer", "expires_in": str(life), "ext_expires_in": str(life),
                    "expires_on": str(now + life), "not_before": str(now), "resource": self.org,
                    "access_token": tok}
        else:
            body = {"token_type": "Bearer", "expires_in": life, "ext_expires_in": life,
                    "access_token": tok}
        if extra:
            body.update(extra)
        return 200, body
