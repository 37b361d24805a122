"""dvemu change tracking: delta queries (Prefer: odata.track-changes, @odata.deltaLink,
$deltatoken) and the record of deleted rows they report.

Owns: the _dvemu_deleted table (every delete of a change-tracked entity, through the Web API,
a $batch change set or a $batch part, with the global version it happened at), the first
request of a delta query (all rows, paged, the deltaLink on the last page), a request of a
delta link (rows created or updated since the token, then the deletions, paged the same way,
a new deltaLink on the last page), token expiry and the refusals.

Sources:
  https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems
  - first request: GET accounts?$select=..  Prefer: odata.track-changes -> 200,
    Preference-Applied: odata.track-changes, every row, "@odata.deltaLink": "<ORG>/api/data/v9.0/
    accounts?$select=name,..&$deltatoken=919042%2108%2f22%2f2017%2008%3a10%3a44" [D]
    (the token is "<version>!<MM/dd/yyyy HH:mm:ss>", URL-encoded with lower-case hex);
  - GET of the delta link: context "#accounts(name,..)/$delta", new and updated rows, then
    {"@odata.context":"<ORG>/api/data/v9.0/$metadata#accounts/$deletedEntity",
     "id":"<guid>","reason":"deleted"}, and a new deltaLink [D]; an empty "value" when nothing
    changed [D]; new or updated rows come first (by version), deletions last [D];
  - $filter, $orderby, $expand and $top with odata.track-changes -> error 'The "$filter" query
    parameter isn't supported when Change Tracking is enabled.' [D text; code and status U:
    400 0x80060888 like the other query option errors];
  - tokens older than the organization's ExpireChangeTrackingInDays (7 by default) [D] ->
    ExpiredVersionStamp 0x80044352 "Version stamp associated with the client has expired.
    Please perform a full sync." [O: Microsoft's samples check this code and text; HTTP status
    U: 400]. The age is the config key change_tracking_days (server.py DEFAULT_CONFIG);
  - a record created and deleted between two reads is reported as deleted all the same [D].
  - an entity whose ChangeTrackingEnabled is false: the service's answer is [U]; dvemu answers
    400 0x80040203 naming the setting.
  - paging of a track-changes read [U]: dvemu pages as any read (odata.maxpagesize, at most
    5000, @odata.nextLink with a $skiptoken), and fixes the token when the first page is read,
    so a change made while the pages are read is reported by the next delta read.
"""

import datetime
import json
import re
import urllib.parse
import uuid

from . import query
from . import rowjson
from .errors import DvError, bad_query

TOKEN_TIME = "%m/%d/%Y %H:%M:%S"
EXPIRED_CODE = "0x80044352"
EXPIRED_MESSAGE = "Version stamp associated with the client has expired. Please perform a full sync."
NOT_SUPPORTED = ("$filter", "$orderby", "$expand", "$top", "$apply", "$count")
DDL = "CREATE TABLE IF NOT EXISTS _dvemu_deleted (entity TEXT, id TEXT, version INTEGER)"


def _enc_lower(s):
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(s, safe=""))


def state(app):
    """Pages of track-changes reads in progress: skiptoken id -> what the next page needs."""
    st = getattr(app, "_ct_pages", None)
    if st is None:
        st = app._ct_pages = {}
    return st


def reset(app, con):
    """/_emu/reset: no deletions recorded, no reads in progress."""
    con.execute(DDL)
    con.execute("DELETE FROM _dvemu_deleted")
    state(app).clear()


def record_delete(con, entity, rid):
    """A row of entity was deleted (inside the caller's transaction)."""
    if not entity.change_tracking:
        return
    from .writes import next_version
    con.execute(DDL)
    con.execute("INSERT INTO _dvemu_deleted VALUES (?, ?, ?)", (entity.name, rid, next_version(con)))


def wanted(opts, prefer):
    """True when the request is a delta query (first request, a delta link, or a later page of
    either: their nextLink's cookie says istracking="True")."""
    return ("odata.track-changes" in prefer or opts.get("$deltatoken") is not None
            or 'istracking="True"' in (opts.get("$skiptoken") or ""))


def _version(con):
    return con.execute("SELECT v FROM _dvemu_meta WHERE k = 'version'").fetchone()[0]


def _parse_token(app, tok):
    m = re.fullmatch(r"(\d+)!(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d)", tok or "")
    if not m:
        raise bad_query("The delta token '%s' is not valid." % tok)
    when = datetime.datetime.strptime(m.group(2), TOKEN_TIME)
    days = app.config.get("change_tracking_days", 7)
    if app.now() - when > datetime.timedelta(days=days):
        raise DvError(400, EXPIRED_CODE, EXPIRED_MESSAGE, api_name="ExpiredVersionStamp")
    return int(m.group(1))


def _page_size(prefer):
    try:
        n = int(prefer.get("odata.maxpagesize") or 0)
    except ValueError:
        n = 0
    return (n if 0 < n <= query.MAX_PAGE else query.MAX_PAGE), (0 < n <= query.MAX_PAGE)


def handle(app, req, entity, opts, prefer):
    if not entity.change_tracking:
        raise DvError(400, "0x80040203", "Change tracking is not enabled for entity '%s'. Set "
                      "ChangeTrackingEnabled (Track changes) on the table to use odata.track-changes."
                      % entity.name)
    for k in NOT_SUPPORTED:
        if opts.get(k) is not None:
            raise bad_query('The "%s" query parameter isn\'t supported when Change Tracking is enabled.' % k)
    ann = rowjson.Annotations(prefer.get("odata.include-annotations"))
    sel, sel_names = query.resolve_select(entity, opts.get("$select"))
    size, size_applied = _page_size(prefer)
    applied = []
    if "odata.track-changes" in prefer:
        applied.append("odata.track-changes")
    if size_applied:
        applied.append("odata.maxpagesize=%d" % size)
    if ann.any():
        applied.append('odata.include-annotations="%s"' % prefer.get("odata.include-annotations"))
    base = app.api_base(req)
    pages = state(app)
    skip = opts.get("$skiptoken")
    row_expr = rowjson.row_sql(app.model, entity, sel, ann, alias="t")
    con = app.db()
    try:
        con.execute(DDL)
        if skip is not None:
            m = re.search(r'pagingcookie="([^"]*)"', skip)
            cont = pages.get(m.group(1)) if m else None
            if cont is None:
                raise bad_query("The $skiptoken value is not valid.")
            delta, since, token, after = cont
        else:
            delta = opts.get("$deltatoken") is not None
            since = _parse_token(app, opts.get("$deltatoken")) if delta else None
            token = "%d!%s" % (_version(con), app.now().strftime(TOKEN_TIME))
            after = None
        if not delta:
            # the first read: every row, by primary key (keyset paging)
            where, params = "", []
            if after is not None:
                where, params = ' WHERE t."%s" > ?' % entity.pk, [after]
            rows = con.execute('SELECT CAST(%s AS BLOB), t."%s" FROM "%s" t%s ORDER BY t."%s" LIMIT %d' % (
                row_expr, entity.pk, entity.name, where, entity.pk, size + 1), params).fetchall()
            more = len(rows) > size
            rows = rows[:size]
            items = [r[0] for r in rows]
            nxt = (False, None, token, rows[-1][1]) if more else None
        else:
            # changes since the token: new or updated rows by version, then the deletions
            pos = after or 0
            changed = con.execute('SELECT CAST(%s AS BLOB) FROM "%s" t WHERE t."versionnumber" > ? '
                                  'AND t."versionnumber" <= ? ORDER BY t."versionnumber", t."%s"' % (
                                      row_expr, entity.name, entity.pk),
                                  (since, int(token.split("!")[0]))).fetchall()
            deleted = con.execute("SELECT id FROM _dvemu_deleted WHERE entity = ? AND version > ? AND version <= ? "
                                  "ORDER BY version", (entity.name, since, int(token.split("!")[0]))).fetchall()
            dctx = "%s/$metadata#%s/$deletedEntity" % (base, entity.set_name)
            allitems = [r[0] for r in changed] + [
                json.dumps({"@odata.context": dctx, "id": d[0], "reason": "deleted"},
                           separators=(",", ":")).encode() for d in deleted]
            items = allitems[pos:pos + size]
            nxt = (True, since, token, pos + size) if pos + size < len(allitems) else None
    finally:
        app.release(con)
    ctx = "%s/$metadata#%s%s%s" % (base, entity.set_name, "(%s)" % ",".join(sel_names) if sel_names else "",
                                   "/$delta" if delta else "")
    head = '{"@odata.context":%s' % json.dumps(ctx)
    tail = "]"
    keep = [(k, v) for k, v in opts.pairs if k not in ("$skiptoken", "$deltatoken")]
    if nxt is not None:
        pid = uuid.uuid4().hex
        pages[pid] = nxt
        cookie = '<cookie pagenumber="2" pagingcookie="%s" istracking="True" />' % pid
        link = "%s/%s?%s" % (base, entity.set_name, query.next_link_query(query.Options(keep), cookie))
        tail += ',"@odata.nextLink":%s' % json.dumps(link)
    else:
        q = "&".join([urllib.parse.quote(k, safe="$@") + "=" + urllib.parse.quote(v, safe="$,()/:=@'*;!")
                      for k, v in keep] + ["$deltatoken=" + _enc_lower(token)])
        head += ',"@odata.deltaLink":%s' % json.dumps("%s/%s?%s" % (base, entity.set_name, q))
    body = b"".join([(head + ',"value":[').encode("utf-8"), b",".join(items), (tail + "}").encode("utf-8")])
    return 200, [("Preference-Applied", p) for p in applied], body
