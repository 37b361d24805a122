"""dvemu collection queries: GET <entityset>?$select&$filter&$orderby&$top&$count&$expand.

Owns: query option validation, Prefer handling (odata.maxpagesize, include-annotations),
server-driven paging with a real-shaped $skiptoken (keyset over the order columns + primary
key, so paging is stateless), @odata.count and the collection annotations, single-record
reads and $expand parsing (single-valued rendering here; collection-valued expands and
<set>(<key>)/<nav> paths in navigation.py). GUIDs (the primary key tie-break included) order
as SQL Server orders uniqueidentifier values, as the service does (guidorder.py; config
guid_order "text" orders them as text).

Sources:
  paging      https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results
              (default and max page size 5000, larger maxpagesize ignored, $skip unsupported,
              Preference-Applied, nextLink with $skiptoken=<cookie pagenumber=..
              pagingcookie=.. istracking="False" />; spec section 5)
  $top        https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview
              ($top ignored when odata.maxpagesize is also sent; spec section 4)
  $count      https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows
              (@odata.count capped at 5000; totalrecordcount annotations)
  $orderby    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/order-rows
              (lookups sort by the related primary name; no $orderby = primary key order;
              text sorts and pages by the service's collation, collation.py)
  $select     https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns
  $expand     https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/join-tables
"""

import copy
import json
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET

from . import guidorder
from . import odata_filter
from . import pagecache
from . import rowjson
from .errors import DvError, bad_query, unknown_property, record_not_found

MAX_PAGE = 5000
COUNT_CAP = 5000

SUPPORTED = ("$select", "$filter", "$orderby", "$top", "$count", "$expand", "$apply",
             "$skiptoken", "$deltatoken")
REFUSED = ("$skip", "$search", "$format", "$compute", "$index", "$levels")


def parse_query(raw_query):
    """Raw query string -> ordered list of (name, decoded value). '+' decodes to space."""
    out = []
    if not raw_query:
        return out
    for part in raw_query.split("&"):
        if not part:
            continue
        if "=" in part:
            k, v = part.split("=", 1)
        else:
            k, v = part, ""
        out.append((urllib.parse.unquote_plus(k), urllib.parse.unquote_plus(v)))
    return out


def parse_prefer(values):
    """Prefer header(s) -> dict. Handles quoted values containing commas (spec section 2)."""
    prefs = {}
    for value in values:
        i = 0
        n = len(value)
        while i < n:
            while i < n and value[i] in " ,":
                i += 1
            j = i
            while j < n and value[j] not in "=,":
                j += 1
            name = value[i:j].strip().lower()
            val = None
            if j < n and value[j] == "=":
                j += 1
                if j < n and value[j] == '"':
                    k = value.find('"', j + 1)
                    k = n if k < 0 else k
                    val = value[j + 1:k]
                    j = k + 1
                else:
                    k = j
                    while k < n and value[k] != ",":
                        k += 1
                    val = value[j:k].strip()
                    j = k
            if name:
                prefs[name] = val
            i = j + 1
    return prefs


class Options:
    def __init__(self, pairs):
        self.pairs = pairs
        self.opts = {}
        self.aliases = {}
        for k, v in pairs:
            if k.startswith("@"):
                self.aliases[k] = v
            elif k.startswith("$"):
                if k in REFUSED:
                    # [U] exact code/text unconfirmed (spec section 19); 0x80060888 like other
                    # query option errors.
                    raise bad_query("The query parameter %s is not supported" % k)
                if k not in SUPPORTED:
                    raise bad_query("The query parameter %s is not supported" % k)
                if k in self.opts:
                    raise bad_query("Query option '%s' was specified more than once, but it must be specified at most once." % k)
                self.opts[k] = v
            else:
                self.opts[k] = v

    def get(self, k, default=None):
        return self.opts.get(k, default)


def split_top_level(s, sep=","):
    """Split on sep outside parentheses and quotes."""
    out = []
    depth = 0
    cur = []
    q = False
    for ch in s:
        if ch == "'" :
            q = not q
        if not q:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == sep and depth == 0:
                out.append("".join(cur))
                cur = []
                continue
        cur.append(ch)
    if cur or out:
        out.append("".join(cur))
    return out


def resolve_select(entity, text):
    if text is None:
        return None, None
    names = [s.strip() for s in text.split(",") if s.strip()]
    attrs = []
    for nm in names:
        if nm == "*":
            return None, names
        a = entity.odata_prop(nm)
        if a is None:
            raise unknown_property(nm, entity.name)
        attrs.append(a)
    return attrs, names


class Expand:
    """One $expand item. kind: "single" (lookup), "1n" or "nn" (collection-valued, rel is the
    navigation.Rel); opt_pairs keeps the options in request order for nextLinks."""

    def __init__(self, nav, attr, target, select, select_names, expands, raw_opts, kind="single",
                 rel=None, opt_pairs=()):
        self.nav = nav
        self.attr = attr
        self.target = target
        self.select = select
        self.select_names = select_names
        self.expands = expands
        self.raw_opts = raw_opts
        self.kind = kind
        self.rel = rel
        self.opt_pairs = list(opt_pairs)
        self.filter = raw_opts.get("$filter")
        self.orderby = raw_opts.get("$orderby")
        self.top = None
        if raw_opts.get("$top") is not None:
            try:
                self.top = int(raw_opts["$top"])
                if self.top < 0:
                    raise ValueError()
            except ValueError:
                raise bad_query("Invalid value '%s' for $top query option found. The $top query option requires "
                                "a non-negative integer value." % raw_opts["$top"])


def parse_expand(model, entity, text, depth=0, _count=None):
    """nav($select=a,b;$expand=nav2(...)) for single-valued navigation properties, and
    collection-valued ones with $filter/$orderby/$top too (navigation.py has their rules)."""
    from . import navigation
    out = []
    if not text:
        return out
    top_level = _count is None
    if top_level:
        _count = [0]
    items = [s.strip() for s in split_top_level(text) if s.strip()]
    navs = entity.nav_props()
    for item in items:
        _count[0] += 1
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$", item, re.S)
        if not m:
            raise bad_query("Syntax error at position 0 in '%s'." % text)
        nav, inner = m.group(1), m.group(2)
        rel = None
        if nav in navs:
            attr, target, _ = navs[nav]
            te = model.by_name[target]
        else:
            rel = navigation.find_collection(model, entity, nav)
            if rel is None:
                raise unknown_property(nav, entity.name)
            attr, te = None, rel.target
        sel = None
        sel_names = None
        sub = []
        raw = {}
        pairs = []
        if inner:
            for opt in split_top_level(inner, ";"):
                if "=" not in opt:
                    raise bad_query("Syntax error at position 0 in '%s'." % text)
                k, v = opt.split("=", 1)
                k = k.strip()
                raw[k] = v
                pairs.append((k, v))
                if k == "$select":
                    sel, sel_names = resolve_select(te, v)
                elif k == "$expand":
                    sub = parse_expand(model, te, v, depth + 1, _count)
                elif k in ("$skip", "$count", "$search", "$levels"):
                    raise bad_query("The query parameter %s is not supported" % k)
                elif k in ("$top", "$orderby", "$filter") and rel is None:
                    # Source: spec section 4: only $select (and $filter) on many-to-one expands.
                    raise bad_query(navigation.ONLY_SELECT_FILTER)
                elif k not in ("$top", "$orderby", "$filter"):
                    raise bad_query("The query parameter %s is not supported" % k)
        out.append(Expand(nav, attr, te, sel, sel_names, sub, raw, kind=rel.kind if rel else "single",
                          rel=rel, opt_pairs=pairs))
    if top_level:
        # Source: spec section 4 / join-tables doc: up to 15 $expand options in a query.
        if _count[0] > 15:
            raise bad_query("Number of expands in the query exceeded the maximum limit of 15.")
        navigation.validate(out)
    return out


def expand_sql(model, exp, parent_alias, ann, counter, ectx=None, parent=None):
    """SQL giving the JSON text after "<nav>": of one row's expanded navigation property."""
    if exp.kind != "single":
        from . import navigation
        return navigation.collection_sql(model, exp, parent, parent_alias, ann, counter, ectx)
    counter[0] += 1
    alias = "x%d" % counter[0]
    subs = [(e.nav, expand_sql(model, e, alias, ann, counter, ectx, exp.target)) for e in exp.expands]
    inner = rowjson.row_sql(model, exp.target, exp.select, ann, alias=alias, expands=subs)
    cond = '%s."%s" = %s."%s"' % (alias, exp.target.pk, parent_alias, exp.attr.column)
    if exp.attr.kind in ("customer", "owner"):
        cond += " AND %s.\"%stype\" = '%s'" % (parent_alias, exp.attr.name, exp.target.name)
    return "coalesce((SELECT %s FROM \"%s\" %s WHERE %s), 'null')" % (inner, exp.target.name, alias, cond)


def context_select(sel_names, expands):
    parts = list(sel_names or [])
    for e in expands:
        inner = context_select(e.select_names, e.expands)
        parts.append("%s(%s)" % (e.nav, inner) if inner else "%s()" % e.nav)
    return ",".join(parts)


class OrderKey:
    """One ORDER BY term. A GUID orders by its SQL Server key (guidorder.py): sql is that key,
    value_sql the GUID itself (what the paging cookie shows) and bind turns a cookie value
    back into a key to compare with."""

    def __init__(self, sql, desc, name, is_text, value_sql=None, bind=None):
        self.sql = sql
        self.desc = desc
        self.name = name
        self.is_text = is_text
        self.value_sql = value_sql or sql
        self.bind = bind


def guid_key(col, desc, name):
    # Source: spec section 4 (no $orderby = primary key order) and SQL Server's uniqueidentifier
    # order (guidorder.py): the last byte group first, not the text order.
    return OrderKey(guidorder.sql_key(col), desc, name, False, value_sql=col, bind=guidorder.py_key)


def parse_orderby(model, entity, text, alias="t", guid_order=False):
    """$orderby -> [OrderKey], the primary key last. guid_order: GUIDs order as SQL Server
    orders them (guidorder.py), else as text."""
    keys = []
    if text:
        for item in split_top_level(text):
            item = item.strip()
            if not item:
                continue
            bits = item.split()
            if len(bits) > 2 or (len(bits) == 2 and bits[1] not in ("asc", "desc")):
                raise bad_query("Syntax error at position %d in '%s'." % (len(bits[0]) + 1, text))
            desc = len(bits) == 2 and bits[1] == "desc"
            path = bits[0].split("/")
            ctx = odata_filter.Ctx(model, entity, alias, None, None, None, text)
            op = odata_filter.resolve_prop(ctx, path)
            a = op.attr
            sql = op.sql
            is_text = a.is_text
            name = a.name if len(path) == 1 else "_".join(path)
            if a.is_lookup and len(path) == 1:
                # Source: spec section 4: lookup columns sort by the related primary name.
                sql = rowjson.formatted_sql(model, a, alias)
                is_text = True
            elif a.kind in ("pk", "guid") and guid_order:
                keys.append(guid_key(sql, desc, name))
                continue
            keys.append(OrderKey(sql, desc, name, is_text))
    pk = entity.pk
    if guid_order:
        keys.append(guid_key('%s."%s"' % (alias, pk), False, pk))
    else:
        keys.append(OrderKey('%s."%s"' % (alias, pk), False, pk, False))
    return keys


def order_sql(keys):
    return ", ".join("%s%s%s" % (k.sql, odata_filter.TEXT_COLLATE if k.is_text else "", " DESC" if k.desc else "")
                     for k in keys)


# ---- paging cookie ---------------------------------------------------------------------------
# Source: spec section 5 / page-results doc: outer <cookie pagenumber="2" pagingcookie="<inner,
# URL-encoded with lower-case hex>" istracking="False" />; inner
# <cookie page="1"><name last=".." first=".." /><accountid last="{UPPER}" first="{UPPER}" /></cookie>.

def _enc_lower(s):
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(s, safe=""))


def _cookie_val(v):
    if isinstance(v, str) and re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", v):
        return "{" + v.upper() + "}"
    return str(v)


def make_cookie(page, keys, first_vals, last_vals):
    inner = ['<cookie page="%d">' % page]
    for i, k in enumerate(keys):
        lv, fv = last_vals[i], first_vals[i]
        attrs = []
        attrs.append('lastnull="1"' if lv is None else 'last="%s"' % _xml_attr(_cookie_val(lv)))
        attrs.append('firstnull="1"' if fv is None else 'first="%s"' % _xml_attr(_cookie_val(fv)))
        inner.append("<%s %s />" % (k.name, " ".join(attrs)))
    inner.append("</cookie>")
    inner_s = "".join(inner)
    return '<cookie pagenumber="%d" pagingcookie="%s" istracking="False" />' % (page + 1, _enc_lower(inner_s))


def _xml_attr(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


def parse_skiptoken(tok, keys):
    """-> (pagenumber, [last values]) or raise 400."""
    try:
        m = re.search(r'pagenumber="(\d+)"', tok)
        m2 = re.search(r'pagingcookie="([^"]*)"', tok)
        page = int(m.group(1))
        inner = urllib.parse.unquote(m2.group(1))
        root = ET.fromstring(inner)
        vals = []
        kids = list(root)
        if len(kids) != len(keys):
            raise ValueError("cookie shape")
        for k, el in zip(keys, kids):
            if el.tag != k.name:
                raise ValueError("cookie column")
            if el.get("lastnull") == "1":
                vals.append(None)
            else:
                v = el.get("last")
                if v is None:
                    raise ValueError("no last")
                if v.startswith("{") and v.endswith("}"):
                    v = v[1:-1].lower()
                vals.append(v)
        return page, vals
    except Exception:
        raise bad_query("The $skiptoken value is not valid.")


def keyset_condition(keys, vals, params):
    ors = []
    for i, k in enumerate(keys):
        ands = []
        for j in range(i):
            kj, vj = keys[j], vals[j]
            if vj is None:
                ands.append("%s IS NULL" % kj.sql)
            else:
                ands.append("%s = ?%s" % (kj.sql, odata_filter.TEXT_COLLATE if kj.is_text else ""))
                params.append(kj.bind(vj) if kj.bind is not None else vj)
        v = vals[i]
        if k.bind is not None:
            v = k.bind(v)
        coll = odata_filter.TEXT_COLLATE if k.is_text else ""
        if not k.desc:
            if v is None:
                ands.append("%s IS NOT NULL" % k.sql)
            else:
                ands.append("%s > ?%s" % (k.sql, coll))
                params.append(v)
        else:
            if v is None:
                ands.append("0")
            else:
                ands.append("(%s < ?%s OR %s IS NULL)" % (k.sql, coll, k.sql))
                params.append(v)
        ors.append("(" + " AND ".join(ands) + ")")
    return "(" + " OR ".join(ors) + ")"


def _typed(v):
    """Cookie values come back as text; numbers compare as numbers in SQLite only if typed."""
    if v is None:
        return None
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if re.fullmatch(r"-?\d+\.\d+(e[-+]?\d+)?", v, re.I):
        return float(v)
    return v


def json_bytes(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def page_key(app, req, entity, kind="odata", nav=None):
    """Everything that shapes a collection page (see pagecache.py)."""
    rq = req.raw_query or ""
    clock = None
    if "Microsoft.Dynamics.CRM" in rq or "fetchXml" in rq or "%2E" in rq:
        clock = app.now().strftime("%Y-%m-%dT%H:%M:%S")  # relative date functions
    prefer = tuple(req.headers.get_all("Prefer") or ()) if req.headers is not None else ()
    return (kind, req.api_version, nav.path if nav is not None else entity.set_name, rq, prefer, req.user_id, clock,
            guidorder.enabled(app))


def next_request(req, next_rq):
    nxt = copy.copy(req)
    nxt.raw_query = next_rq
    return nxt


def query_collection(app, req, entity, opts, prefer, nav=None):
    """Returns (status, headers, body). Pages come from the page cache when the identical
    page of the same data was rendered (or prefetched) before; see pagecache.py.
    nav: a navigation.NavBase when the collection is <set>(<key>)/<nav>."""
    cache = pagecache.cache_of(app)
    key = page_key(app, req, entity, nav=nav)
    result = cache.get_or_render(app, key, lambda: render_collection(app, req, entity, opts, prefer, nav))
    status, headers, body, next_rq = result
    if next_rq is not None:
        nreq = next_request(req, next_rq)
        try:
            nopts = Options(parse_query(next_rq))
        except DvError:
            nopts = None
        if nopts is not None:
            cache.prefetch(app, page_key(app, nreq, entity, nav=nav),
                           lambda: render_collection(app, nreq, entity, nopts, prefer, nav))
    if app.page_think_ms:
        time.sleep(app.page_think_ms / 1000.0)
    return status, list(headers), body


def render_collection(app, req, entity, opts, prefer, nav=None):
    """-> (status, headers, body bytes, raw query of the next page or None)."""
    model = app.model
    ann = rowjson.Annotations(prefer.get("odata.include-annotations"))
    applied = []
    maxpage = None
    if "odata.maxpagesize" in prefer:
        try:
            maxpage = int(prefer["odata.maxpagesize"])
        except (TypeError, ValueError):
            maxpage = None
        if maxpage is not None and maxpage > 0:
            # Source: page-results doc: requests > 5000 are ignored (fall back to 5000) [O].
            if maxpage <= MAX_PAGE:
                applied.append("odata.maxpagesize=%d" % maxpage)
            else:
                maxpage = MAX_PAGE
        else:
            maxpage = None
    if ann.any():
        applied.append('odata.include-annotations="%s"' % prefer.get("odata.include-annotations"))

    sel, sel_names = resolve_select(entity, opts.get("$select"))
    expands = parse_expand(model, entity, opts.get("$expand"))
    where = [] if nav is None else [nav.where]
    params = []
    if opts.get("$filter") is not None:
        fsql, fparams = odata_filter.compile_filter(model, entity, "t", opts.get("$filter"),
                                                    opts.aliases, app.now(), req.user_id, req.bu_id)
        where.append(fsql)
        params.extend(fparams)
    guid_order = guidorder.enabled(app)
    keys = parse_orderby(model, entity, opts.get("$orderby"), guid_order=guid_order)
    top = None
    if opts.get("$top") is not None:
        try:
            top = int(opts.get("$top"))
            if top < 0:
                raise ValueError()
        except ValueError:
            raise bad_query("Invalid value '%s' for $top query option found. The $top query option requires a non-negative integer value." % opts.get("$top"))
    if maxpage is not None:
        top = None  # Source: spec section 4: $top is ignored when odata.maxpagesize is sent.
    count = opts.get("$count")
    if count not in (None, "true", "false"):
        raise bad_query("'%s' is not a valid count option." % count)

    page_size = maxpage or MAX_PAGE
    page_no = 1
    if opts.get("$skiptoken") is not None:
        page_no, vals = parse_skiptoken(opts.get("$skiptoken"), keys)
        vals = [_typed(v) if not k.is_text else v for k, v in zip(keys, vals)]
        kp = []
        where.append(keyset_condition(keys, vals, kp))
        params.extend(kp)
        page_no = max(page_no, 2)
    limit = page_size
    remaining_top = None
    if top is not None:
        served = (page_no - 1) * page_size
        remaining_top = top - served
        limit = max(0, min(page_size, remaining_top))

    counter = [0]
    from . import navigation
    ectx = navigation.ExpandCtx(app, req, expands, page_size)
    exp_sql = [(e.nav, expand_sql(model, e, "t", ann, counter, ectx, entity)) for e in expands]
    joins = rowjson.Joins("t")
    row_expr = rowjson.row_sql(model, entity, sel, ann, alias="t", expands=exp_sql, joins=joins)
    key_cols = ", ".join(k.value_sql for k in keys)
    where_sql = (" WHERE " + " AND ".join(where)) if where else ""
    sql = 'SELECT CAST(%s AS BLOB), %s FROM "%s" t%s%s ORDER BY %s LIMIT %d' % (
        row_expr, key_cols, entity.name, joins.text(), where_sql, order_sql(keys), limit + 1)
    con = app.db()
    try:
        if guid_order:
            guidorder.ensure_index(app, con, entity)
        rows = con.execute(sql, params).fetchall()
        total = None
        if count == "true" or ann.wants("Microsoft.Dynamics.CRM.totalrecordcount"):
            if count == "true":
                base_where = [] if nav is None else [nav.where]
                bparams = []
                if opts.get("$filter") is not None:
                    fsql, fparams = odata_filter.compile_filter(model, entity, "t", opts.get("$filter"),
                                                                opts.aliases, app.now(), req.user_id, req.bu_id)
                    base_where.append(fsql)
                    bparams = fparams
                wsql = (" WHERE " + " AND ".join(base_where)) if base_where else ""
                total = con.execute('SELECT count(*) FROM (SELECT 1 FROM "%s" t%s LIMIT %d)' % (
                    entity.name, wsql, COUNT_CAP + 1), bparams).fetchone()[0]
    finally:
        app.release(con)
    more = len(rows) > limit
    rows = rows[:limit]
    if top is not None and (remaining_top is None or remaining_top <= page_size):
        more = False
    nkeys = len(keys)
    ctx_sel = context_select(sel_names, expands)
    context = "%s/$metadata#%s%s" % (app.api_base(req), entity.set_name, "(%s)" % ctx_sel if ctx_sel else "")
    head = ['{"@odata.context":%s' % json.dumps(context)]
    if ann.wants("Microsoft.Dynamics.CRM.totalrecordcount"):
        # Source: spec section 3/5: -1 without $count=true; capped at 5000 with limitexceeded.
        head.append('"@Microsoft.Dynamics.CRM.totalrecordcount":%d' % (-1 if total is None else min(total, COUNT_CAP)))
        head.append('"@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded":%s' % (
            "true" if (total is not None and total > COUNT_CAP) else "false"))
    if ann.wants("Microsoft.Dynamics.CRM.globalmetadataversion"):
        head.append('"@Microsoft.Dynamics.CRM.globalmetadataversion":"%s"' % app.metadata_version)
    if count == "true":
        head.append('"@odata.count":%d' % min(total, COUNT_CAP))
    tail = "]"
    next_rq = None
    if more and rows:
        last = rows[-1][1:1 + nkeys]
        first = rows[0][1:1 + nkeys]
        cookie = make_cookie(page_no, keys, list(first), list(last))
        next_rq = next_link_query(opts, cookie)
        link = app.api_base(req) + "/" + (nav.path if nav is not None else entity.set_name) + "?" + next_rq
        if app.config.get("next_link_base"):  # a link to another origin (test knob, server.py)
            link = app.config["next_link_base"] + urllib.parse.urlsplit(link).path + "?" + next_rq
        tail = '],"@odata.nextLink":%s' % json.dumps(link)
    # rows arrive as UTF-8 bytes (CAST AS BLOB): no decode/encode of the page in Python
    body = b"".join(((",".join(head) + ',"value":[').encode("utf-8"), b",".join([r[0] for r in rows]),
                     (tail + "}").encode("utf-8")))
    headers = tuple(("Preference-Applied", p) for p in applied)
    return 200, headers, body, next_rq


def next_link_query(opts, cookie):
    parts = []
    for k, v in opts.pairs:
        if k == "$skiptoken":
            continue
        parts.append(urllib.parse.quote(k, safe="$@") + "=" + urllib.parse.quote(v, safe="$,()/:=@'*;!"))
    parts.append("$skiptoken=" + urllib.parse.quote(cookie, safe="=/"))
    return "&".join(parts)


# ---- single record --------------------------------------------------------------------------

def key_where(app, entity, keytext):
    """accounts(<guid>) or accounts(accountnumber='A-1') or (k1=1,k2='x') -> (sql, params, is_alt)."""
    keytext = keytext.strip()
    if re.fullmatch(odata_filter.GUID_RE.pattern, keytext):
        return 't."%s" = ?' % entity.pk, [keytext.lower()], False
    parts = split_top_level(keytext)
    conds = []
    params = []
    names = []
    for p in parts:
        if "=" not in p:
            raise bad_query("Bad Request - Error in query syntax.")
        k, v = p.split("=", 1)
        k = k.strip()
        v = v.strip()
        names.append(k)
        a = entity.odata_prop(k)
        if a is None:
            raise unknown_property(k, entity.name)
        if v.startswith("'") and v.endswith("'"):
            val = v[1:-1].replace("''", "'")
        elif re.fullmatch(odata_filter.GUID_RE.pattern, v):
            val = v.lower()
        else:
            try:
                val = int(v)
            except ValueError:
                try:
                    val = float(v)
                except ValueError:
                    raise bad_query("Bad Request - Error in query syntax.")
        conds.append('t."%s" = ?' % a.column)
        params.append(val)
    key_attrs = set(n[1:-6] if n.startswith("_") else n for n in names)
    ok = any(set(attrs) == key_attrs for _, attrs in entity.keys)
    if not ok and key_attrs != {entity.pk}:
        raise DvError(400, "0x80060888", "The key specified for entity '%s' is not an alternate key." % entity.name)
    return " AND ".join(conds), params, True


def get_single(app, req, entity, keytext, opts, prefer, prop=None):
    model = app.model
    if prop is not None and entity.odata_prop(prop) is None:
        # Source: query-data-web-api doc: <set>(<key>)/<navigation property> (navigation.py)
        from . import navigation
        return navigation.get_path(app, req, entity, keytext, prop, opts, prefer)
    ann = rowjson.Annotations(prefer.get("odata.include-annotations"))
    sel, sel_names = resolve_select(entity, opts.get("$select"))
    expands = parse_expand(model, entity, opts.get("$expand"))
    wsql, params, is_alt = key_where(app, entity, keytext)
    counter = [0]
    from . import navigation
    ectx = navigation.ExpandCtx(app, req, expands, MAX_PAGE)
    exp_sql = [(e.nav, expand_sql(model, e, "t", ann, counter, ectx, entity)) for e in expands]
    if prop is not None:
        a = entity.odata_prop(prop)
        row_expr = rowjson.value_sql(a, 't."%s"' % a.column)
    else:
        row_expr = rowjson.row_sql(model, entity, sel, ann, alias="t", expands=exp_sql)
    con = app.db()
    try:
        row = con.execute('SELECT %s, t."versionnumber" FROM "%s" t WHERE %s' % (row_expr, entity.name, wsql),
                          params).fetchone()
    finally:
        app.release(con)
    if row is None:
        if is_alt:
            # Source: spec section 7: missing alternate key -> 404 0x80060891.
            raise DvError(404, "0x80060891", "A record with the specified key values does not exist in %s entity" % entity.name)
        raise record_not_found(entity.name, keytext.lower())
    etag = 'W/"%s"' % row[1]
    headers = [("ETag", etag)]
    if ann.any():
        headers.append(("Preference-Applied", 'odata.include-annotations="%s"' % prefer.get("odata.include-annotations")))
    if prop is not None:
        # Source: spec section 7: single property GET -> {"@odata.context":..,"value":..}
        ctx = "%s/$metadata#%s(%s)/%s" % (app.api_base(req), entity.set_name, keytext, prop)
        body = ('{"@odata.context":%s,"value":%s}' % (json.dumps(ctx), row[0])).encode("utf-8")
        return 200, headers, body
    # Source: spec section 7: If-None-Match with the current etag -> 304 (not with expand/annotations)
    inm = req.headers.get("If-None-Match")
    if inm and inm == etag and not expands and not ann.any():
        return 304, headers, b""
    ctx_sel = context_select(sel_names, expands)
    ctx = "%s/$metadata#%s%s/$entity" % (app.api_base(req), entity.set_name, "(%s)" % ctx_sel if ctx_sel else "")
    body = ('{"@odata.context":%s,%s' % (json.dumps(ctx), row[0][1:])).encode("utf-8")
    return 200, headers, body
