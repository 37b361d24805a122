"""dvemu HTTP server: sockets, routing, authentication, request log, faults, service protection.

Owns: the App (shared state: model, store, identity, log, faults, limits, clock), the
request handler (HTTP/1.1 keep-alive, Content-Length or chunked request bodies, one write
per response), Web API routing to query.py / metadata.py / writes.py / batch.py, the
identity routes (identity.py), and the /_emu/ control endpoints (never logged).

Sources: spec sections 1, 2, 12, 13, 15;
auth challenge: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
limits: https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

import collections
import datetime
import json
import queue
import socket
import sqlite3
import struct
import threading
import time
import urllib.parse
import uuid

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import identity as ID
from . import identity_flows as IDF
from . import metadata
from . import onprem as ONPREM
from . import pagecache
from . import query
from . import rowjson
from .errors import DvError, segment_not_found, bad_query

API_VERSIONS = ("v9.2", "v9.1", "v9.0", "v8.2")
JSON_CT = "application/json; odata.metadata=minimal"
SECRET_WORDS = ("secret", "password", "assertion", "code", "token")

# Source: spec section 13 table (service protection messages; note the two spaces).
LIMIT_MESSAGES = {
    "requests": ("0x80072322", "Number of requests exceeded the limit of %(requests)d over time window of %(window)d seconds."),
    "time": ("0x80072321", "Combined execution time of incoming requests exceeded limit of %(time_ms)s  milliseconds "
             "over time window of %(window)d seconds. Decrease number of concurrent requests or reduce the "
             "duration of requests and try again later."),
    "concurrency": ("0x80072326", "Number of concurrent requests exceeded the limit of %(concurrency)d."),
}

DEFAULT_CONFIG = {"requests_per_window": 6000, "window_seconds": 300, "concurrency": 52,
                  "execution_ms_per_window": 1200000, "retry_after": None, "page_think_ms": 0,
                  # the service's own time for every Web API request (metadata, records, $batch,
                  # each page too), before any page think time: --request-think-ms
                  "request_think_ms": 0,
                  "page_cache_mb": 256, "prefetch": True,  # page cache: see pagecache.py
                  # "sqlserver": GUIDs order as SQL Server orders them, as the service does;
                  # "text": the emulator's earlier order (guidorder.py)
                  "guid_order": "sqlserver",
                  # "scheme://host:port" that @odata.nextLink names instead of the service's own
                  # origin: a misrouted or hostile link a client must refuse to follow (query.py)
                  "next_link_base": None,
                  # the request log also records each answer's rows and bytes (benchmarks)
                  "log_rows": False,
                  # ExpireChangeTrackingInDays: the age at which a delta token expires (changetracking.py)
                  "change_tracking_days": 7,
                  # x-ms-dop-hint on every Web API answer (the service's recommended number of
                  # parallel requests); retry_after_max caps a computed Retry-After (None = the
                  # real limiter's size, up to the whole window) so tests can keep waits short
                  "dop_hint": 4, "retry_after_max": None}


def redact_form(body):
    """Replace secret form values (client_secret, password, client_assertion, code,
    code_verifier, refresh_token, device_code...) by <redacted>, keeping the rest as sent."""
    out = []
    for part in body.split("&"):
        k, eq, v = part.partition("=")
        kl = urllib.parse.unquote_plus(k).lower()
        if eq and any(w in kl for w in SECRET_WORDS) and not kl.endswith("_type"):
            v = "<redacted>"
        out.append(k + eq + v)
    return "&".join(out)


class App:
    def __init__(self, model, store, args):
        self.model = model
        self.store = store
        self.identity = ID.Identity(args.token_lifetime)
        self.page_think_ms_default = args.page_think_ms
        self.request_think_ms_default = getattr(args, "request_think_ms", 0)
        self.request_log_path = args.request_log
        self.log = []
        self.log_lock = threading.Lock()
        self.faults = []
        self.fault_lock = threading.Lock()
        self.write_lock = threading.RLock()
        self.config = dict(DEFAULT_CONFIG)
        self.config["page_think_ms"] = args.page_think_ms
        self.config["request_think_ms"] = getattr(args, "request_think_ms", 0)
        self.clock_offset = None  # fixed datetime set by /_emu/clock
        self.pool = queue.LifoQueue()
        self.org = None
        self.metadata_version = "%08d" % 1
        self.windows = collections.defaultdict(collections.deque)
        self.exec_windows = collections.defaultdict(collections.deque)  # (end time, ms) per principal
        self.inflight = collections.Counter()
        self.limit_lock = threading.Lock()
        self._app_user = None
        self.csdl = metadata.csdl(model)

    # ---- shared helpers ---------------------------------------------------------------
    @property
    def page_think_ms(self):
        return self.config.get("page_think_ms") or 0

    def now(self):
        if self.clock_offset is not None:
            return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + self.clock_offset
        return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)

    def db(self):
        try:
            return self.pool.get_nowait()
        except queue.Empty:
            con = sqlite3.connect(self.store.path, check_same_thread=False, isolation_level=None)
            con.execute("PRAGMA cache_size=-65536")
            con.execute("PRAGMA temp_store=MEMORY")
            con.execute("PRAGMA busy_timeout=10000")
            rowjson.register_functions(con, self.model)
            return con

    def release(self, con):
        self.pool.put(con)

    def api_base(self, req):
        return "%s/api/data/%s" % (self.org, getattr(req, "api_version", "v9.2"))

    def app_user(self):
        if self._app_user is None:
            con = self.db()
            try:
                uid = con.execute("SELECT systemuserid, businessunitid FROM systemuser WHERE applicationid = ?",
                                  (ID.CLIENT_ID,)).fetchone()
                bu = con.execute("SELECT businessunitid FROM businessunit WHERE parentbusinessunitid IS NULL").fetchone()
            finally:
                self.release(con)
            self._app_user = (uid[0], bu[0])
        return self._app_user

    def add_log(self, entry):
        with self.log_lock:
            self.log.append(entry)
            if self.request_log_path:
                with open(self.request_log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def take_fault(self, url, is_api, method="GET"):
        with self.fault_lock:
            for f in self.faults:
                if f.get("count", 0) <= 0:
                    continue
                if f.get("method") is not None and str(f["method"]).upper() != method:
                    continue
                m = f.get("match")
                if (m is not None and m in url) or (m is None and is_api):
                    f["count"] -= 1
                    return dict(f)
        return None

    def reset(self):
        from . import metadatachanges
        metadatachanges.reset(self)  # columns added by /_emu/metadata/columns go first
        with self.write_lock:
            con = self.db()
            try:
                self.store.generate(con)
            finally:
                self.release(con)
        with self.log_lock:
            self.log = []
        with self.fault_lock:
            self.faults = []
        self.config = dict(DEFAULT_CONFIG)
        self.config["page_think_ms"] = self.page_think_ms_default
        self.config["request_think_ms"] = self.request_think_ms_default
        self.clock_offset = None
        with self.limit_lock:
            self.windows.clear()
            self.exec_windows.clear()
        self._app_user = None
        IDF.reset(self)
        ONPREM.reset(self)
        from . import changetracking
        con = self.db()
        try:
            changetracking.reset(self, con)
        finally:
            self.release(con)
        pagecache.data_changed(self)


class Request:
    """What the Web API layer needs to know about one request."""

    def __init__(self, method, path, raw_query, headers, body):
        self.method = method
        self.path = path
        self.raw_query = raw_query
        self.headers = headers
        self.body = body
        self.api_version = "v9.2"
        self.user_id = None
        self.bu_id = None
        self.claims = None


def split_segments(path):
    """Split on '/' outside quotes and parentheses."""
    segs = []
    cur = []
    depth = 0
    q = False
    for ch in path:
        if ch == "'":
            q = not q
        elif not q and ch == "(":
            depth += 1
        elif not q and ch == ")":
            depth -= 1
        if ch == "/" and depth == 0 and not q:
            segs.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    segs.append("".join(cur))
    return [s for s in segs if s != ""]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dvemu/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # ---- plumbing -------------------------------------------------------------------------
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:
                        trailer = self.rfile.readline()
                        if trailer in (b"\r\n", b"\n", b""):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, headers, body, truncate=False):
        app = self.server.app
        reason = self.responses.get(status, ("",))[0]
        lines = ["HTTP/1.1 %d %s" % (status, reason)]
        names = set()
        for k, v in headers:
            lines.append("%s: %s" % (k, v))
            names.add(k.lower())
        if "date" not in names:
            lines.append("Date: %s" % self.date_time_string())
        if status != 304:
            lines.append("Content-Length: %d" % len(body))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if truncate:
            self.wfile.write(head + body[:max(1, len(body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            return
        if status == 304 or len(body) < 65536:
            self.wfile.write(head + (body if status != 304 else b""))
        else:  # big pages: no copy of the body into head + body
            self.wfile.write(head)
            self.wfile.write(body)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def hdict(self):
        return {k: v for k, v in self.headers.items()}

    def dispatch(self, method):
        app = self.server.app
        raw = self.path
        body = self.read_body()
        if (self.headers.get("Connection") or "").lower() == "close":
            self.close_connection = True
        target = raw
        if target.startswith("http://") or target.startswith("https://"):
            p = urllib.parse.urlsplit(target)
            target = p.path + ("?" + p.query if p.query else "")
        path, _, rq = target.partition("?")
        if path.startswith("/_emu/"):
            try:
                status, headers, out = self.control(method, path, rq, body)
            except Exception as ex:  # control errors are the tester's, make them visible
                status, headers, out = 400, [("Content-Type", "application/json")], json.dumps({"error": str(ex)}).encode()
            self.send(status, headers, out)
            return
        entry = {"method": method, "url": raw, "headers": self.log_headers(), "body": self.log_body(body),
                 "status": None}
        is_api = path.startswith("/api/data/")
        fault = app.take_fault(raw, is_api, method)
        try:
            if fault is not None:
                kind = str(fault.get("kind"))
                if kind == "delay":
                    time.sleep(float(fault.get("ms", 1000)) / 1000.0)
                    fault = None
                elif kind == "reset":
                    entry["status"] = None
                    app.add_log(entry)
                    self.reset_connection()
                    return
                elif kind.startswith("applied-"):
                    self.lose_response(kind, entry, method, path, rq, body)
                    return
            if is_api and app.config.get("request_think_ms"):
                time.sleep(app.config["request_think_ms"] / 1000.0)
            trunc = False
            if fault is not None and str(fault.get("kind")) == "truncate":
                status, headers, out = self.route_safely(method, path, rq, body)
                trunc = True
            elif fault is not None:
                status, headers, out = self.fault_response(fault)
            else:
                status, headers, out = self.route(method, path, rq, body)
        except DvError as e:
            status, headers, out = self.error_response(e)
            trunc = False
        except Exception as e:  # unexpected: 500 in the service's shape
            import traceback
            traceback.print_exc()
            status, headers, out = self.error_response(DvError(500, "0x80040216", "An unexpected error occurred. (%s)" % e))
            trunc = False
        entry["status"] = status
        if app.config.get("log_rows"):
            self.count_rows(entry, method, status, out)
        app.add_log(entry)
        self.send(status, headers, out, truncate=trunc)

    @staticmethod
    def count_rows(entry, method, status, out):
        """rows: records in a GET's answer (the collection's "value", or 1 for one record);
        bytes: the answer's body size.  Only with config log_rows (bench/bench-plans)."""
        entry["bytes"] = len(out)
        if method != "GET" or status != 200 or not out.startswith(b"{"):
            return
        try:
            d = json.loads(out)
        except ValueError:
            return
        entry["rows"] = len(d["value"]) if isinstance(d.get("value"), list) else 1

    def lose_response(self, kind, entry, method, path, rq, body):
        """The request is carried out in full (a write is committed), then its answer is lost on
        the way back, as when a gateway or the connection fails after the service did the work:
        applied-reset drops the connection with RST and no byte of response; applied-504 answers
        as a gateway that gave up waiting (504, HTML body); applied-garble answers 200 with a body
        that is not what the Content-Type says (a proxy's error page in place of the multipart).
        The request log records the status the service produced and the fault."""
        status, headers, out = self.route_safely(method, path, rq, body)
        entry["status"] = status
        entry["fault"] = kind
        self.server.app.add_log(entry)
        if kind == "applied-reset":
            self.reset_connection()
        elif kind == "applied-504":
            self.close_connection = True
            self.send(504, [("Content-Type", "text/html")], b"<html><body>504 Gateway Time-out</body></html>")
        else:
            self.close_connection = True
            self.send(200, headers, b"<html><body>502 Proxy Error</body></html>")

    def route_safely(self, method, path, rq, body):
        try:
            return self.route(method, path, rq, body)
        except DvError as e:
            return self.error_response(e)

    def reset_connection(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def log_headers(self):
        out = {}
        for k, v in self.headers.items():
            kl = k.lower()
            if kl == "authorization":
                scheme = v.split(" ", 1)[0] if v else ""
                v = ("Bearer <redacted>" if scheme.lower() == "bearer" else (scheme + " <redacted>").strip())
            elif kl in ("x-identity-header", "secret"):
                v = "<redacted>"
            out[kl] = v
        return out

    def log_body(self, body):
        if not body:
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("latin-1")
        ct = (self.headers.get("Content-Type") or "").lower()
        if "x-www-form-urlencoded" in ct:
            text = redact_form(text)
        return text

    def std_headers(self, ct=JSON_CT):
        return [("Content-Type", ct), ("OData-Version", "4.0"), ("REQ_ID", str(uuid.uuid4()))]

    def error_response(self, e):
        prefer = query.parse_prefer(self.headers.get_all("Prefer") or [])
        ann = rowjson.Annotations(prefer.get("odata.include-annotations"))
        headers = [("Content-Type", "application/json; odata.metadata=minimal"), ("OData-Version", "4.0"),
                   ("REQ_ID", str(uuid.uuid4()))] + list(e.headers.items())
        return e.status, headers, query.json_bytes(e.body(ann.any()))

    def challenge(self):
        # Source: spec section 15 "Authority discovery" / section 12 (401 + WWW-Authenticate, empty body).
        app = self.server.app
        if ONPREM.active(app):  # AD FS authority / Windows auth (onprem.py)
            return ONPREM.challenge(app)
        return 401, [("WWW-Authenticate", "Bearer authorization_uri=%s/%s/oauth2/authorize, resource_id=%s/"
                      % (app.org, ID.TENANT, app.org)), ("Content-Type", "text/html")], b""

    def fault_response(self, fault):
        app = self.server.app
        kind = str(fault.get("kind"))
        if kind == "429":
            which = fault.get("limit", "requests")
            code, msg = LIMIT_MESSAGES[which]
            msg = msg % {"requests": app.config["requests_per_window"], "window": app.config["window_seconds"],
                         "time_ms": "{:,}".format(app.config["execution_ms_per_window"]),
                         "concurrency": app.config["concurrency"]}
            ra = fault.get("retry_after", 1)
            e = DvError(429, code, msg, headers={"Retry-After": str(ra)})
            return self.error_response(e)
        if kind == "503":
            return self.error_response(DvError(503, "0x80040216", "Service Unavailable"))
        if kind == "500":
            return self.error_response(DvError(500, "0x80040216", "An unexpected error occurred."))
        if kind == "401":
            return self.challenge()
        return self.error_response(DvError(500, "0x80040216", "dvemu: unknown fault kind %s" % kind))

    # ---- routing --------------------------------------------------------------------------
    def route(self, method, path, rq, body):
        app = self.server.app
        if ONPREM.active(app):  # org path, NTLM handshake, /adfs/ (onprem.py)
            answer, path = ONPREM.before_route(self, method, path, rq, body)
            if answer is not None:
                return answer
        segs = [urllib.parse.unquote(s) for s in split_segments(path)]
        flow = IDF.route(self, method, segs, rq, body)  # user/cert/MSI flows (identity_flows.py)
        if flow is not None:
            return flow
        # identity platform: /<tenant>/oauth2/v2.0/token, /<tenant>/oauth2/token
        if len(segs) >= 3 and segs[1] == "oauth2":
            return self.identity_route(method, segs, rq, body)
        if len(segs) >= 2 and segs[0] == "api" and segs[1] == "data":
            if len(segs) == 2 or segs[2] not in API_VERSIONS:
                if len(segs) == 2:
                    return self.challenge() if not self.auth_ok() else (200, self.std_headers(), b'{"value":[]}')
                raise segment_not_found(segs[2])
            return self.webapi(method, segs[2], segs[3:], rq, body)
        return 404, [("Content-Type", "text/plain")], b"Not Found"

    def identity_route(self, method, segs, rq, body):
        app = self.server.app
        tenant = segs[0]
        rest = "/".join(segs[2:])
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        hdrs = {"Authorization": self.headers.get("Authorization")}
        try:
            if method == "POST" and rest in ("v2.0/token", "token"):
                status, out = app.identity.token(tenant, form, hdrs, v1=(rest == "token"))
            else:
                return 404, [("Content-Type", "text/plain")], b"Not Found"
        except ID.AadError as e:
            status, out = e.status, e.body(app.org)
        return status, [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store, no-cache"),
                        ("Pragma", "no-cache")], json.dumps(out).encode("utf-8")

    def auth_ok(self):
        app = self.server.app
        if ONPREM.active(app):
            return ONPREM.claims(self)
        auth = self.headers.get("Authorization") or ""
        if not auth.lower().startswith("bearer "):
            return None
        return app.identity.validate(auth[7:].strip())

    def webapi(self, method, version, segs, rq, body):
        app = self.server.app
        claims = self.auth_ok()
        if claims is None:
            return self.challenge()
        req = Request(method, segs, rq, self.headers, body)
        req.api_version = version
        req.claims = claims
        uid, bu = app.app_user()
        req.user_id, req.bu_id = uid, bu
        principal = claims.get("oid", "?")
        limited = self.check_limits(principal)
        if limited is not None:
            return limited
        with app.limit_lock:
            app.inflight[principal] += 1
        t0 = time.time()
        try:
            status, headers, out = self.webapi_inner(req, method, segs, rq, body)
        finally:
            t1 = time.time()
            with app.limit_lock:
                app.inflight[principal] -= 1
                app.exec_windows[principal].append((t1, (t1 - t0) * 1000.0))
        std = self.std_headers() + self.limit_headers(principal)
        names = set(h[0].lower() for h in headers)
        merged = [h for h in std if h[0].lower() not in names] + list(headers)
        return status, merged, out

    def exec_used_ms(self, principal, now):
        """Execution time of the principal's requests that ended inside the window (lock held)."""
        app = self.server.app
        dq = app.exec_windows[principal]
        while dq and dq[0][0] <= now - app.config["window_seconds"]:
            dq.popleft()
        return sum(ms for _, ms in dq)

    def limit_headers(self, principal):
        """x-ms-ratelimit-* and x-ms-dop-hint as the service sends them on every answer:
        remaining requests of the window, remaining execution time in seconds with thousands
        separators and two decimals ("1,199.93"), recommended degree of parallelism.
        Source: https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
        (HTTP response headers; x-ms-dop-hint: Send parallel requests)."""
        app = self.server.app
        if ONPREM.active(app):
            return []
        cfg = app.config
        now = time.time()
        with app.limit_lock:
            dq = app.windows[principal]
            burst = max(0, cfg["requests_per_window"] - len(dq))
            left_s = max(0.0, cfg["execution_ms_per_window"] - self.exec_used_ms(principal, now)) / 1000.0
        return [("x-ms-ratelimit-burst-remaining-xrm-requests", str(burst)),
                ("x-ms-ratelimit-time-remaining-xrm-requests", "{:,.2f}".format(left_s)),
                ("x-ms-dop-hint", str(cfg.get("dop_hint") or 4))]

    def check_limits(self, principal):
        # Source: spec section 13: per-user sliding windows (requests, execution time) and
        # concurrency -> 429 + Retry-After.  Requests and time trip after being exceeded;
        # Retry-After is when the window has room again (up to the whole window), so a
        # client that obeys it is not refused again; concurrency trips at once, Retry-After 1.
        app = self.server.app
        if ONPREM.active(app):  # spec section 16: no service protection limits on-prem
            return None
        cfg = app.config
        now = time.time()
        window = cfg["window_seconds"]
        with app.limit_lock:
            dq = app.windows[principal]
            while dq and dq[0] <= now - window:
                dq.popleft()
            used = self.exec_used_ms(principal, now)
            if app.inflight[principal] >= cfg["concurrency"]:
                which, wait = "concurrency", 1
            elif len(dq) >= cfg["requests_per_window"]:
                which, wait = "requests", dq[0] + window - now
            elif used >= cfg["execution_ms_per_window"]:
                # room again once enough of the oldest executions have left the window
                over, wait = used - cfg["execution_ms_per_window"], window
                for end, ms in app.exec_windows[principal]:
                    over -= ms
                    if over < 0:
                        wait = end + window - now
                        break
                which = "time"
            else:
                dq.append(now)
                return None
            ra = cfg.get("retry_after")
            if ra is None:
                ra = max(1, min(window, int(wait + 0.999)))
                if cfg.get("retry_after_max") is not None:
                    ra = max(1, min(ra, int(cfg["retry_after_max"])))
        code, msg = LIMIT_MESSAGES[which]
        msg = msg % {"requests": cfg["requests_per_window"], "window": window,
                     "time_ms": "{:,}".format(cfg["execution_ms_per_window"]), "concurrency": cfg["concurrency"]}
        headers = dict(self.limit_headers(principal))
        headers["Retry-After"] = str(ra)
        return self.error_response(DvError(429, code, msg, headers=headers))

    def webapi_inner(self, req, method, segs, rq, body):
        app = self.server.app
        from . import writes
        pairs, ref_id = writes.split_ref_id(segs, query.parse_query(rq))
        opts = query.Options(pairs)
        opts.ref_id = ref_id  # DELETE .../$ref?$id=<url> (writes.handle_ref)
        prefer = query.parse_prefer(self.headers.get_all("Prefer") or [])
        if not segs:
            if method != "GET":
                raise DvError(405, "0x80060888", "The requested resource does not support http method '%s'." % method)
            return metadata.service_document(app, req)
        head = segs[0]
        if head == "$metadata":
            return 200, [("Content-Type", "application/xml")], app.csdl
        if head == "$batch":
            from . import batch
            return batch.handle(self, app, req, body)
        from . import actions, metadatachanges
        answer = metadatachanges.route(app, req, method, segs, opts)  # RetrieveMetadataChanges
        if answer is not None:
            return answer
        answer = actions.route(app, req, method, segs, opts, body)  # functions and actions (actions.py)
        if answer is not None:
            return answer
        if head.startswith("EntityDefinitions"):
            if method != "GET":
                raise DvError(405, "0x80060888", "The requested resource does not support http method '%s'." % method)
            return metadata.entity_definitions(app, req, segs, opts)
        if head.startswith("GlobalOptionSetDefinitions"):
            return metadata.global_optionsets(app, req, segs, opts)
        # entity sets
        name, _, key = head.partition("(")
        entity = app.model.entity_by_set(name)
        if entity is None:
            raise segment_not_found(name)
        key = key[:-1] if key.endswith(")") else None
        if len(segs) == 2 and segs[1].startswith("Microsoft.Dynamics.CRM."):
            from . import actions
            return actions.route_bound(app, req, method, entity, key, segs[1], body, opts)
        if method == "GET":
            if key is None:
                if len(segs) > 1:
                    if segs[1] == "$count":
                        return self.count_endpoint(req, entity, opts)
                    raise segment_not_found(segs[1])
                from . import changetracking
                if changetracking.wanted(opts, prefer):
                    return changetracking.handle(app, req, entity, opts, prefer)
                if opts.get("fetchXml") is not None:
                    from . import fetchxml
                    return fetchxml.handle(app, req, entity, opts, prefer)
                if opts.get("$apply") is not None:
                    from . import apply as apply_mod
                    return apply_mod.handle(app, req, entity, opts, prefer)
                return query.query_collection(app, req, entity, opts, prefer)
            prop = segs[1] if len(segs) > 1 else None
            return query.get_single(app, req, entity, key, opts, prefer, prop)
        from . import writes
        return writes.handle(app, req, method, entity, key, segs[1:], opts, prefer, body)

    def count_endpoint(self, req, entity, opts):
        # Source: spec section 5: accounts/$count -> text/plain (cap [U], assume 5000).
        app = self.server.app
        con = app.db()
        try:
            n = con.execute('SELECT count(*) FROM (SELECT 1 FROM "%s" LIMIT 5001)' % entity.name).fetchone()[0]
        finally:
            app.release(con)
        return 200, [("Content-Type", "text/plain")], str(min(n, 5000)).encode()

    # ---- control endpoints (tests only; not part of the real service; never logged) -----------
    def control(self, method, path, rq, body):
        app = self.server.app
        q = dict(urllib.parse.parse_qsl(rq))
        js = [("Content-Type", "application/json")]
        data = json.loads(body.decode("utf-8")) if body.strip() else {}
        if path == "/_emu/requests" and method == "GET":
            since = int(q.get("since", 0))
            with app.log_lock:
                out = app.log[since:]
            return 200, js, json.dumps(out, ensure_ascii=False).encode("utf-8")
        if path == "/_emu/requests" and method == "DELETE":
            with app.log_lock:
                app.log = []
            return 204, [], b""
        if path == "/_emu/reset" and method == "POST":
            app.reset()
            return 204, [], b""
        if path == "/_emu/faults":
            if method == "GET":
                with app.fault_lock:
                    return 200, js, json.dumps(app.faults).encode()
            if method == "DELETE":
                with app.fault_lock:
                    app.faults = []
                return 204, [], b""
            items = data if isinstance(data, list) else [data]
            with app.fault_lock:
                for f in items:
                    f = dict(f)
                    f.setdefault("count", 1)
                    f["kind"] = str(f.get("kind"))
                    if f["kind"] not in ("429", "503", "500", "reset", "truncate", "delay", "401",
                                         "applied-reset", "applied-504", "applied-garble"):
                        raise ValueError("unknown fault kind %r" % f["kind"])
                    app.faults.append(f)
            return 204, [], b""
        if path == "/_emu/clock" and method == "POST":
            now = data.get("now")
            if now is None:
                app.clock_offset = None
            else:
                from .odata_filter import norm_datetime
                t = datetime.datetime.strptime(norm_datetime(now), "%Y-%m-%dT%H:%M:%SZ")
                app.clock_offset = t - datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            return 200, js, json.dumps({"now": app.now().strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()
        if path == "/_emu/config":
            if method == "POST":
                for k, v in data.items():
                    if k == "token_lifetime":
                        app.identity.lifetime = int(v)
                    elif k in DEFAULT_CONFIG:
                        app.config[k] = v
                    else:
                        raise ValueError("unknown config key %r" % k)
                with app.limit_lock:
                    app.windows.clear()  # a new configuration starts new windows
                    app.exec_windows.clear()
            out = dict(app.config)
            out["token_lifetime"] = app.identity.lifetime
            return 200, js, json.dumps(out).encode()
        if path == "/_emu/revoke-tokens" and method == "POST":
            app.identity.revoked_before = time.time() + 1
            return 204, [], b""
        if path == "/_emu/token" and method == "POST":
            tok, life = app.identity.app_token(data.get("lifetime"))
            return 200, js, json.dumps({"access_token": tok, "expires_in": life}).encode()
        if path == "/_emu/pagecache":
            return pagecache.cache_of(app).control(method)
        if path.startswith("/_emu/metadata"):
            from . import metadatachanges
            answer = metadatachanges.control(app, method, path, data)
            if answer is not None:
                return answer
        flow = IDF.control(app, method, path, data)  # /_emu/identity/... (identity_flows.py)
        if flow is not None:
            return flow
        return 404, js, b'{"error":"unknown control endpoint"}'


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # client went away etc.: not interesting for the emulator
        pass
