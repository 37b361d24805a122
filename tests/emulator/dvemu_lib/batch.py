"""dvemu $batch: POST /api/data/v9.2/$batch (multipart/mixed).

Owns: the tolerant multipart parser, sequential execution of the parts, change sets as one
database transaction, Content-ID / $n references, stop-on-error vs odata.continue-on-error,
the 1000-request limit and the multipart response.

Sources: spec section 9 and
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
  - request Content-Type multipart/mixed; boundary="batch_<id>" (quoted or not) [D]; CRLF on the
    wire, LF-only accepted (tolerance: real clients get it wrong, spec section 18);
  - part targets: absolute URL, absolute path or service-relative [D];
  - change set = nested multipart/mixed; boundary=changeset_<id> whose parts need Content-ID
    (missing -> 400 0x80060888 "Content-ID header not present" [O]); $n = URI of the entity
    created earlier in the same change set, usable as the target ($1, $1/lastname) and in
    "x@odata.bind": "$2" [D]; a reference to an unknown/later Content-ID -> 400
    "Content-ID Reference: '$1' does not exist in the batch context." [D] (code [U]);
  - no GET inside a change set, no nested batches, <= 1000 requests in all [D]; text of the
    limit errors from observed service replies [O] (MicrosoftDocs/powerapps-docs#1890,
    AleksandrRogov/DynamicsWebApi#71);
  - a change set runs in one transaction: a failure rolls back all of its parts [D];
  - response Content-Type multipart/mixed; boundary=batchresponse_<guid>; change sets come back
    as nested changesetresponse_<guid> parts echoing Content-ID; creates answer 204 with
    OData-Version, Location and OData-EntityId; GETs 200 with
    "application/json; odata.metadata=minimal; odata.streaming=true"; errors carry REQ_ID [D];
  - default: processing stops at the first failure; the batch answers 400 with the failing part
    last; earlier parts (and committed change sets) stay [D];
  - Prefer: odata.continue-on-error -> batch 200, every part its own status [D]; a failing change
    set rolls back and is answered by a changesetresponse holding just the failing part (with
    its Content-ID) [O] - dvemu does the same when it stops (spec section 19).
"""

import email.message
import json
import re
import urllib.parse
import uuid

from . import pagecache
from . import query
from .errors import DvError, bad_query

MAX_REQUESTS = 1000
REASONS = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified", 400: "Bad Request",
           401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           412: "Precondition Failed", 413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}
GET_CT = "application/json; odata.metadata=minimal; odata.streaming=true"
ERR_CT = "application/json; odata.metadata=minimal"
KEEP_HEADERS = ("odata-entityid", "etag", "preference-applied", "content-type", "location")


# ---- parsing ---------------------------------------------------------------------------------

def boundary_of(content_type):
    """multipart/mixed; boundary=batch_x | boundary="batch_x" -> 'batch_x' (None if absent)."""
    if not content_type or "multipart/mixed" not in content_type.lower():
        return None
    m = re.search(r'boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))', content_type, re.I)
    if not m:
        return None
    return m.group(1) or m.group(2)


def split_multipart(lines, boundary):
    """Lines (without line ends) -> list of parts (each a list of lines). CRLF or LF."""
    delim = "--" + boundary
    parts = []
    cur = None
    for line in lines:
        s = line.rstrip(" \t")
        if s == delim:
            if cur is not None:
                parts.append(cur)
            cur = []
        elif s == delim + "--":
            if cur is not None:
                parts.append(cur)
            cur = None
            break
        elif cur is not None:
            cur.append(line)
    if cur is not None:  # tolerate a missing close delimiter
        parts.append(cur)
    return parts


def split_headers(lines):
    """-> (Message of the header lines before the first blank line, remaining lines)."""
    msg = email.message.Message()
    i = 0
    last = None
    while i < len(lines) and lines[i].strip() != "":
        line = lines[i]
        if line[:1] in " \t" and last is not None:  # folded header
            msg.replace_header(last, msg[last] + " " + line.strip())
        elif ":" in line:
            k, v = line.split(":", 1)
            last = k.strip()
            msg[last] = v.strip()
        i += 1
    return msg, lines[i + 1:]


class Op:
    """One request of the batch."""

    def __init__(self, method, target, headers, body, content_id):
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.content_id = content_id


def parse_op(part_lines, in_changeset):
    mime, rest = split_headers(part_lines)
    ct = (mime.get("Content-Type") or "").lower()
    if "multipart/mixed" in ct:
        raise bad_query("Nested change sets and batches are not supported.")
    while rest and rest[0].strip() == "":
        rest = rest[1:]
    if not rest:
        raise bad_query("The batch request part does not contain a request line.")
    request_line = rest[0].strip()
    bits = request_line.split()
    if len(bits) < 2:
        raise bad_query("The request line '%s' is not valid." % request_line)
    method = bits[0].upper()
    target = bits[1]
    headers, body_lines = split_headers(rest[1:])
    while body_lines and body_lines[-1].strip() == "":
        body_lines.pop()
    body = "\n".join(body_lines).encode("utf-8")
    cid = mime.get("Content-ID") or headers.get("Content-ID")
    return Op(method, target, headers, body, cid.strip() if cid else None)


def parse_batch(body, content_type):
    """-> list of items: Op, or ("changeset", [Op...])."""
    boundary = boundary_of(content_type)
    if boundary is None:
        raise bad_query("The batch request must have a Content-Type header of 'multipart/mixed' "
                        "with a boundary parameter.")
    text = body.decode("utf-8", "replace")
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
    items = []
    total = 0
    for part in split_multipart(lines, boundary):
        mime, rest = split_headers(part)
        cs_boundary = boundary_of(mime.get("Content-Type"))
        if cs_boundary is not None:
            ops = []
            for sub in split_multipart(rest, cs_boundary):
                op = parse_op(sub, True)
                ops.append(op)
            if len(ops) > MAX_REQUESTS:
                # Source: observed service text (AleksandrRogov/DynamicsWebApi#71).
                raise bad_query("The current change set contains too many operations. A maximum number "
                                "of '%d' operations are allowed in a change set." % MAX_REQUESTS)
            items.append(("changeset", ops))
            total += len(ops)
        else:
            items.append(parse_op(part, False))
            total += 1
    if total > MAX_REQUESTS:
        # Source: observed service text (MicrosoftDocs/powerapps-docs#1890, limit now 1000).
        raise bad_query("The current batch message contains too many parts. Only batch messages with a "
                        "maximum number of '%d' query operations, including changeset operations, are "
                        "allowed." % MAX_REQUESTS)
    return items


# ---- execution --------------------------------------------------------------------------------

def split_target(target, default_version):
    """Absolute URL / absolute path / service-relative -> (api version, path after the
    version, raw query)."""
    t = target
    if t.startswith("http://") or t.startswith("https://"):
        p = urllib.parse.urlsplit(t)
        t = p.path + ("?" + p.query if p.query else "")
    path, _, rq = t.partition("?")
    m = re.match(r"^/?(?:[^/]+/)?api/data/(v[0-9.]+)/?(.*)$", path)
    if m:
        return m.group(1), m.group(2), rq
    return default_version, path.lstrip("/"), rq


class PartHandler:
    """Stands in for the HTTP handler when a part runs through the normal Web API routing:
    the part's own headers (Prefer, If-Match...) are the request headers."""

    def __init__(self, handler, headers):
        self._handler = handler
        self.server = handler.server
        self.headers = headers

    def __getattr__(self, name):
        attr = getattr(type(self._handler), name)
        if callable(attr):
            return attr.__get__(self, type(self._handler))
        return attr


def error_part(e):
    body = json.dumps(e.body(False), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return e.status, [("REQ_ID", str(uuid.uuid4())), ("Content-Type", ERR_CT), ("OData-Version", "4.0")], body


def shape_success(method, status, headers, body):
    """The part headers the service gives: creates add Location = OData-EntityId."""
    out = []
    names = {}
    for k, v in headers:
        names.setdefault(k.lower(), v)
    if status in (200, 201) and body:
        ct = names.get("content-type", "application/json")
        if ct.startswith("application/json"):
            ct = GET_CT
        out.append(("Content-Type", ct))
    out.append(("OData-Version", "4.0"))
    eid = names.get("odata-entityid")
    if eid and method == "POST":
        out.append(("Location", eid))
    for k, v in headers:
        kl = k.lower()
        if kl in KEEP_HEADERS and kl not in ("content-type", "location"):
            out.append((k, v))
    return status, out, body


def entity_url_from(app, op_req, entity, status, headers, body):
    for k, v in headers:
        if k.lower() == "odata-entityid":
            return v
    if status == 201 and body and entity is not None:
        try:
            rid = json.loads(body.decode("utf-8")).get(entity.pk)
        except ValueError:
            rid = None
        if rid:
            return "%s/%s(%s)" % (app.api_base(op_req), entity.set_name, rid)
    return None


def resolve_refs(op, refs):
    """$n in the target and in @odata.bind / @odata.id values -> the created entity's URL."""
    target = op.target
    m = re.match(r"^\$(\d+)(.*)$", target)
    if m:
        ref = "$" + m.group(1)
        if ref not in refs:
            raise bad_query("Content-ID Reference: '%s' does not exist in the batch context." % ref)
        target = refs[ref] + m.group(2)
    body = op.body
    if body and b'"$' in body:
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            data = None
        if isinstance(data, dict):
            changed = False
            for k, v in list(data.items()):
                if (k.endswith("@odata.bind") or k == "@odata.id") and isinstance(v, str) \
                        and re.fullmatch(r"\$\d+", v):
                    if v not in refs:
                        raise bad_query("Content-ID Reference: '%s' does not exist in the batch context." % v)
                    data[k] = refs[v]
                    changed = True
            if changed:
                body = json.dumps(data).encode("utf-8")
    return target, body


def make_req(handler, req, op, version, path, rq):
    from .server import Request, split_segments
    segs = [urllib.parse.unquote(s) for s in split_segments(path)]
    r = Request(op.method, segs, rq, op.headers, op.body)
    r.api_version = version
    r.claims = req.claims
    r.user_id, r.bu_id = req.user_id, req.bu_id
    return r


def run_plain(handler, app, req, op):
    """A request outside a change set: the normal Web API routing (its own transaction)."""
    version, path, rq = split_target(op.target, req.api_version)
    if path.split("?")[0].rstrip("/") == "$batch":
        return error_part(bad_query("Batch requests cannot contain other batch requests."))
    r = make_req(handler, req, op, version, path, rq)
    ph = PartHandler(handler, op.headers)
    try:
        status, headers, body = ph.webapi_inner(r, op.method, r.path, rq, op.body)
    except DvError as e:
        return error_part(e)
    except Exception as e:  # the service's shape for the unexpected
        return error_part(DvError(500, "0x80040216", "An unexpected error occurred. (%s)" % e))
    if status >= 400:
        return status, [("REQ_ID", str(uuid.uuid4()))] + [(k, v) for k, v in headers if k.lower() != "req_id"], body
    return shape_success(op.method, status, headers, body)


def run_changeset(handler, app, req, ops):
    """-> (list of (op, status, headers, body)), failed). One transaction; on a failure the
    whole change set is rolled back and only the failing part is reported."""
    from . import writes
    results = []
    refs = {}
    with app.write_lock:
        con = app.db()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                for op in ops:
                    if op.content_id is None:
                        raise bad_query("Content-ID header not present")
                    if op.method == "GET":
                        raise bad_query("A GET request cannot be part of a change set.")
                    target, body = resolve_refs(op, refs)
                    version, path, rq = split_target(target, req.api_version)
                    r = make_req(handler, req, Op(op.method, target, op.headers, body, op.content_id),
                                 version, path, rq)
                    if not r.path:
                        raise bad_query("The request URI '%s' is not valid in a change set." % op.target)
                    head = r.path[0]
                    name, _, key = head.partition("(")
                    entity = app.model.entity_by_set(name)
                    if entity is None:
                        from .errors import segment_not_found
                        raise segment_not_found(name)
                    key = key[:-1] if key.endswith(")") else None
                    pairs, ref_id = writes.split_ref_id(r.path, query.parse_query(rq))
                    opts = query.Options(pairs)
                    opts.ref_id = ref_id
                    prefer = query.parse_prefer(op.headers.get_all("Prefer") or [])
                    status, headers, out = writes._handle(app, con, r, op.method, entity, key, r.path[1:],
                                                          opts, prefer, body)
                    url = entity_url_from(app, r, entity, status, headers, out)
                    if url and op.method == "POST":
                        refs["$" + op.content_id] = url
                    results.append((op,) + shape_success(op.method, status, list(headers), out))
            except DvError as e:
                con.execute("ROLLBACK")
                return [(op,) + error_part(e)], True
            except Exception as e:
                con.execute("ROLLBACK")
                return [(op,) + error_part(DvError(500, "0x80040216", "An unexpected error occurred. (%s)" % e))], True
            con.execute("COMMIT")
            pagecache.data_changed(app)
            return results, False
        finally:
            app.release(con)


# ---- response -----------------------------------------------------------------------------------

def http_part(status, headers, body, content_id=None):
    out = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        out.append("Content-ID: %s" % content_id)
    out.append("")
    out.append("HTTP/1.1 %d %s" % (status, REASONS.get(status, "")))
    for k, v in headers:
        out.append("%s: %s" % (k, v))
    out.append("")
    return ("\r\n".join(out) + "\r\n").encode("utf-8") + (body or b"") + b"\r\n"


def handle(handler, app, req, body):
    if req.method != "POST":
        raise DvError(405, "0x80060888", "The requested resource does not support http method '%s'." % req.method)
    items = parse_batch(body, req.headers.get("Content-Type"))
    prefer = query.parse_prefer(req.headers.get_all("Prefer") or [])
    continue_on_error = "odata.continue-on-error" in prefer
    bid = "batchresponse_%s" % uuid.uuid4()
    chunks = []
    failed = False
    for item in items:
        if isinstance(item, tuple):
            results, cs_failed = run_changeset(handler, app, req, item[1])
            cid = "changesetresponse_%s" % uuid.uuid4()
            inner = [b"--" + cid.encode() + b"\r\n" + http_part(st, hd, bd, op.content_id)
                     for op, st, hd, bd in results]
            chunks.append(("--%s\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n" % (bid, cid)).encode()
                          + b"".join(inner) + ("--%s--\r\n" % cid).encode())
            failed = cs_failed
        else:
            if re.match(r"^\$\d+", item.target):
                # $n only means something inside the change set that created it
                st, hd, bd = error_part(bad_query("Content-ID Reference: '%s' does not exist in the batch "
                                                  "context." % re.match(r"^\$\d+", item.target).group(0)))
            else:
                st, hd, bd = run_plain(handler, app, req, item)
            chunks.append(("--%s\r\n" % bid).encode() + http_part(st, hd, bd))
            failed = st >= 400
        if failed and not continue_on_error:
            break
    payload = b"".join(chunks) + ("--%s--\r\n" % bid).encode()
    headers = [("Content-Type", "multipart/mixed; boundary=%s" % bid), ("OData-Version", "4.0")]
    if continue_on_error:
        headers.append(("Preference-Applied", "odata.continue-on-error"))
    status = 400 if (failed and not continue_on_error) else 200
    return status, headers, payload
