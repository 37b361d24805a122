"""dvemu ?fetchXml=: GET <entityset>?fetchXml=<url-encoded <fetch>>.

Owns: FetchXML parsing and translation to one SQL statement: entity, attribute /
all-attributes, filter/condition (nested and/or), order, link-entity (inner/outer, alias,
nested), aggregate (count, countcolumn [distinct], sum, avg, min, max, groupby, alias), count/page
paging with the paging cookie, and the rows (nulls omitted).

Sources: spec section 6 and
https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/overview
https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results
https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data
https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/operators
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/use-fetchxml-web-api
  - the entity set in the URL must match <entity name> [D]; same row JSON as OData, but null
    columns are omitted [D]; the primary key is always returned [D];
  - link-entity columns come back as "<alias>.<attribute>" [D]; default alias [U]: <name><n>;
  - count <= 5000 (default 5000) + page; with Prefer: odata.include-annotations="*" (or the
    fetchxmlpagingcookie/morerecords terms) the body carries
    @Microsoft.Dynamics.CRM.fetchxmlpagingcookie (inner cookie URL-encoded twice) and
    @Microsoft.Dynamics.CRM.morerecords: true - both absent on the last page, and without the
    preference there is no signal at all [D/O];
  - choice columns sort by label in FetchXML [D];
  - aggregates: rows hold the aliases (and groupby aliases), more than 50,000 input rows ->
    0x8004E023 [D];
  - error codes for malformed FetchXML and unknown operators are [U]: 400 0x80040203 (InvalidArgument).
  - paging-cookie="<cookie page="1"><accountid last="{..}" first="{..}" /></cookie>" on the
    next request: the service continues after the cookie's last values instead of counting
    rows [D: "the paging cookie ... to retrieve the next page faster", page-results]; dvemu
    does so when the query orders by the primary key only (no <order>), so rows deleted or
    added before the cookie's position move nothing; other orders page by page number.
Not yet: dategrouping, link-entity aggregates, the 50,000-row limit of cookie-less paging,
keyset paging by the cookie for queries with <order>.
"""

import json
import urllib.parse
import xml.etree.ElementTree as ET

from . import odata_filter
from . import query
from . import rowjson
from .apply import LIMIT as AGG_LIMIT
from .errors import DvError, bad_query

PAGING_COOKIE = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie"
MORE_RECORDS = "Microsoft.Dynamics.CRM.morerecords"
MAX_COUNT = 5000
AGG_SQL = {"count": "count(*)", "countcolumn": "count(%s)", "sum": "sum(%s)", "avg": "avg(%s)",
           "min": "min(%s)", "max": "max(%s)"}


def invalid(msg):
    return DvError(400, "0x80040203", msg)


def _enc_lower(s):
    import re
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(s, safe=""))


class Scope:
    """An entity in the query: the root (alias t) or a link-entity (alias as given)."""

    def __init__(self, entity, alias, out_prefix):
        self.entity = entity
        self.alias = alias
        self.out_prefix = out_prefix  # None for the root, "<alias>." for link-entities


class Fetch:
    def __init__(self, app, req, entity, xml_text):
        self.app = app
        self.req = req
        self.model = app.model
        try:
            self.root = ET.fromstring(xml_text)
        except ET.ParseError as e:
            raise invalid("Invalid XML. %s" % e)
        if self.root.tag != "fetch":
            raise invalid("The root element of a FetchXML query must be <fetch>.")
        ent_el = self.root.find("entity")
        if ent_el is None:
            raise invalid("The FetchXML query has no <entity> element.")
        if ent_el.get("name") != entity.name:
            raise invalid("The entity name '%s' in the FetchXML does not match the entity set '%s' of the "
                          "request URL." % (ent_el.get("name"), entity.set_name))
        self.entity = entity
        self.ent_el = ent_el
        self.aggregate = self.root.get("aggregate") == "true"
        self.distinct = self.root.get("distinct") == "true"
        self.joins = []
        self.where = []
        self.params = []
        self.orders = []
        self.scopes = {}
        self.link_attrs = []  # (scope, attr, out name)
        self.aggs = []  # (sql, alias, attr or None, func)
        self.groups = []  # (sql, alias, attr)
        self.link_counter = [0]
        root = Scope(entity, "t", None)
        self.scopes["t"] = root
        self.selected = self.walk(ent_el, root)

    # ---- attribute lookup -------------------------------------------------------------------
    def attr(self, scope, name):
        a = scope.entity.by_name.get(name or "")
        if a is None or not a.stored or (a.kind == "entityname"):
            raise invalid("'%s' entity doesn't contain attribute with Name = '%s'." % (scope.entity.name, name))
        return a

    def col(self, scope, a):
        return '%s."%s"' % (scope.alias, a.column)

    # ---- tree walk ----------------------------------------------------------------------------
    def walk(self, el, scope):
        """Collect attributes, filters, orders and links of an <entity>/<link-entity>."""
        selected = []
        all_attrs = False
        for child in el:
            tag = child.tag
            if tag == "all-attributes":
                all_attrs = True
            elif tag == "attribute":
                a = self.attr(scope, child.get("name"))
                agg = child.get("aggregate")
                alias = child.get("alias")
                if self.aggregate:
                    if agg:
                        if agg not in AGG_SQL:
                            raise invalid("The aggregate '%s' is not valid." % agg)
                        if not alias:
                            raise invalid("An alias is required for an aggregate attribute.")
                        expr = AGG_SQL[agg] if agg == "count" else AGG_SQL[agg] % self.col(scope, a)
                        if agg == "countcolumn" and child.get("distinct") == "true":
                            expr = "count(DISTINCT %s)" % self.col(scope, a)
                        self.aggs.append((expr, alias, a, agg))
                    elif child.get("groupby") == "true":
                        if child.get("dategrouping"):
                            raise DvError(501, "0x80040216", "dvemu: dategrouping is not implemented.")
                        self.groups.append((self.col(scope, a), alias or a.name, a))
                    else:
                        raise invalid("Attributes of an aggregate query need aggregate= or groupby=.")
                elif scope.out_prefix is None:
                    selected.append(a)
                else:
                    self.link_attrs.append((scope, a, scope.out_prefix + (alias or a.name)))
            elif tag == "filter":
                sql = self.filter_sql(child, scope)
                if sql:
                    self.where.append(sql)
            elif tag == "order":
                self.add_order(child, scope)
            elif tag == "link-entity":
                self.link(child, scope)
        if all_attrs:
            if scope.out_prefix is None:
                return None
            for a in scope.entity.odata_attrs():
                self.link_attrs.append((scope, a, scope.out_prefix + a.name))
        return selected

    def link(self, el, parent):
        name = el.get("name")
        target = self.model.by_name.get(name or "")
        if target is None:
            raise invalid("The entity with a name = '%s' with namemapping = 'Logical' was not found in the "
                          "MetadataCache." % name)
        self.link_counter[0] += 1
        if len(self.scopes) > 15:
            raise invalid("Number of link entities in query exceeded maximum limit.")
        alias = el.get("alias") or "%s%d" % (name, self.link_counter[0])
        scope = Scope(target, alias, alias + ".")
        frm = self.attr(scope, el.get("from") or target.pk)
        to = self.attr(parent, el.get("to") or parent.entity.pk)
        kind = "LEFT JOIN" if el.get("link-type") == "outer" else "JOIN"
        self.joins.append('%s "%s" AS "%s" ON "%s"."%s" = %s' % (kind, target.name, alias, alias, frm.column,
                                                                   self.col(parent, to)))
        scope.alias = '"%s"' % alias
        self.scopes[alias] = scope
        self.walk(el, scope)

    def add_order(self, el, scope):
        desc = el.get("descending") == "true"
        if el.get("alias"):
            self.orders.append(('"%s"' % el.get("alias"), desc, False))
            return
        a = self.attr(scope, el.get("attribute"))
        col = self.col(scope, a)
        if a.optionset is not None and a.kind in ("picklist", "state", "status"):
            # Source: spec section 4: FetchXML sorts choice columns by their label.
            self.orders.append((rowjson.option_label_sql(a.optionset, col), desc, True))
        elif a.is_lookup:
            self.orders.append((rowjson.formatted_sql(self.model, a, scope.alias), desc, True))
        else:
            self.orders.append((col, desc, a.is_text))

    # ---- conditions ---------------------------------------------------------------------------
    def filter_sql(self, el, scope):
        parts = []
        for child in el:
            if child.tag == "condition":
                parts.append(self.condition_sql(child, scope))
            elif child.tag == "filter":
                s = self.filter_sql(child, scope)
                if s:
                    parts.append(s)
        if not parts:
            return None
        op = " OR " if el.get("type") == "or" else " AND "
        return "(" + op.join(parts) + ")"

    def value(self, a, text):
        k = a.kind
        if text is None:
            raise invalid("Condition for attribute '%s': a value is required." % a.name)
        text = text.strip()
        try:
            if k in ("int", "bigint", "picklist", "state", "status"):
                return int(text)
            if k in ("decimal", "money", "double"):
                return float(text)
            if k == "bool":
                return 1 if text.lower() in ("1", "true") else 0
            if k in ("pk", "guid", "lookup", "customer", "owner"):
                return text.strip("{}").lower()
            if k == "datetime":
                return odata_filter.norm_datetime(text)
            if k == "date":
                return text[:10]
        except ValueError:
            raise invalid("Condition for attribute '%s.%s': expected argument(s) of a different type but "
                          "received '%s'." % (a.entity.name, a.name, text))
        return text

    def condition_sql(self, el, scope):
        if el.get("entityname"):
            scope = self.scopes.get(el.get("entityname"))
            if scope is None:
                raise invalid("No link-entity with alias '%s'." % el.get("entityname"))
        a = self.attr(scope, el.get("attribute"))
        col = self.col(scope, a)
        op = el.get("operator")
        vals = [v.text for v in el.findall("value")]
        one = el.get("value")
        p = self.params
        simple = {"eq": "=", "ne": "<>", "neq": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
        if op in simple:
            p.append(self.value(a, one if one is not None else (vals[0] if vals else None)))
            return "%s %s ?" % (col, simple[op])  # SQL semantics: ne/neq do not match nulls
        if op == "null":
            return "%s IS NULL" % col
        if op == "not-null":
            return "%s IS NOT NULL" % col
        if op in ("in", "not-in"):
            if not vals:
                raise invalid("Condition operator '%s' requires <value> elements." % op)
            for v in vals:
                p.append(self.value(a, v))
            return "%s %s (%s)" % (col, "IN" if op == "in" else "NOT IN", ", ".join("?" * len(vals)))
        if op in ("between", "not-between"):
            if len(vals) != 2:
                raise invalid("Condition operator '%s' requires two <value> elements." % op)
            p.extend([self.value(a, vals[0]), self.value(a, vals[1])])
            return "%s%s BETWEEN ? AND ?" % (col, " NOT" if op == "not-between" else "")
        like = {"like": "%s", "not-like": "%s", "begins-with": "%s%%", "not-begin-with": "%s%%",
                "ends-with": "%%%s", "not-end-with": "%%%s"}
        if op in like:
            p.append(like[op] % (one if one is not None else (vals[0] if vals else "")))
            neg = op.startswith("not-")
            return "(%s(dv_like(%s, ?) = 1))" % ("NOT " if neg else "", col)
        if op in ("on", "on-or-after", "on-or-before"):
            d = self.value(a, one if one is not None else (vals[0] if vals else None))[:10]
            p.append(d)
            cmp = {"on": "=", "on-or-after": ">=", "on-or-before": "<="}[op]
            return "substr(%s, 1, 10) %s ?" % (col, cmp)
        now = self.app.now()
        if op in ("today", "yesterday", "tomorrow"):
            import datetime
            d = now.date() + datetime.timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[op])
            p.append(d.isoformat())
            return "substr(%s, 1, 10) = ?" % col
        if op in ("last-x-days", "next-x-days", "last-x-hours", "next-x-hours"):
            import datetime
            n = int(one if one is not None else vals[0])
            unit = datetime.timedelta(days=n) if "days" in op else datetime.timedelta(hours=n)
            fmt = "%Y-%m-%dT%H:%M:%SZ"
            if op.startswith("last"):
                lo, hi = (now - unit), now
                if "days" in op:
                    lo = datetime.datetime.combine((now - unit).date(), datetime.time())
            else:
                lo, hi = now, now + unit
                if "days" in op:
                    hi = datetime.datetime.combine((now + unit).date(), datetime.time(23, 59, 59))
            p.extend([lo.strftime(fmt), hi.strftime(fmt)])
            return "%s BETWEEN ? AND ?" % col
        if op in ("eq-userid", "ne-userid"):
            p.append(self.req.user_id)
            return "%s %s ?" % (col, "=" if op == "eq-userid" else "<>")
        if op == "eq-businessid":
            p.append(self.req.bu_id)
            return "%s = ?" % col
        raise invalid("The operator '%s' is not valid (or not implemented by dvemu)." % op)


def cookie_last(cookie, entity):
    """The primary key the paging cookie's page ended at (lowercase), or None."""
    if not cookie:
        return None
    try:
        el = ET.fromstring(cookie).find(entity.pk)
    except ET.ParseError:
        raise invalid("The paging-cookie attribute is not a valid paging cookie.")
    last = el.get("last") if el is not None else None
    return last.strip("{}").lower() if last else None


def handle(app, req, entity, opts, prefer):
    text = opts.get("fetchXml")
    f = Fetch(app, req, entity, text)
    ann = rowjson.Annotations(prefer.get("odata.include-annotations"))
    applied = []
    if ann.any():
        applied.append('odata.include-annotations="%s"' % prefer.get("odata.include-annotations"))
    root = f.root
    top = root.get("top")
    count = root.get("count")
    page = root.get("page")
    try:
        top = int(top) if top is not None else None
        count = int(count) if count is not None else None
        page = int(page) if page is not None else 1
    except ValueError:
        raise invalid("The top, count and page attributes must be integers.")
    if top is not None and (count is not None or root.get("page") is not None):
        raise invalid("The top attribute can't be specified with paging attribute page or count.")
    if top is not None and top > MAX_COUNT:
        raise invalid("The top attribute value must be between 1 and %d." % MAX_COUNT)
    if count is not None and count > MAX_COUNT:
        count = MAX_COUNT  # [U] the service caps the page size at 5000
    page_size = top if top is not None else (count or MAX_COUNT)
    page = max(1, page)
    joins = " " + " ".join(f.joins) if f.joins else ""
    offset = (page - 1) * page_size
    after = cookie_last(root.get("paging-cookie"), entity) if not f.orders and not f.aggregate else None
    if after is not None:
        f.where.append('t."%s" > ?' % entity.pk)
        f.params.append(after)
        offset = 0
    where = (" WHERE " + " AND ".join(f.where)) if f.where else ""
    con = app.db()
    try:
        if f.aggregate:
            return aggregate(app, req, f, con, joins, where, ann, applied)
        keys = [(sql, desc, is_text) for sql, desc, is_text in f.orders]
        keys.append(('t."%s"' % entity.pk, False, False))
        order = ", ".join("%s%s%s" % (s, " COLLATE NOCASE" if t else "", " DESC" if d else "") for s, d, t in keys)
        row = rowjson.row_sql(app.model, entity, f.selected, ann, alias="t", omit_nulls=True)
        if f.link_attrs:
            frags = []
            for scope, a, out in f.link_attrs:
                col = f.col(scope, a)
                piece = []
                if ann.any() and ann.wants(rowjson.FV):
                    fv = rowjson.formatted_sql(app.model, a, scope.alias)
                    if fv is not None:
                        piece.append("%s || json_quote(%s) || ','" % (rowjson.lit(rowjson.jkey(out + "@" + rowjson.FV) + ":"), fv))
                piece.append(rowjson.lit(rowjson.jkey(out) + ":"))
                piece.append(rowjson.value_sql(a, col))
                frags.append("(CASE WHEN %s IS NOT NULL THEN ',' || %s END)" % (col, " || ".join(piece)))
            tail = "printf(%s, %s)" % (rowjson.lit("%s" * len(frags)), ", ".join(frags))
            row = "(substr(%s, 1, length(%s) - 1) || %s || '}')" % (row, row, tail)
        sel = "DISTINCT " if f.distinct else ""
        sql = 'SELECT %sCAST(%s AS BLOB), t."%s" FROM "%s" t%s%s ORDER BY %s LIMIT %d OFFSET %d' % (
            sel, row, entity.pk, entity.name, joins, where, order, page_size + 1, offset)
        rows = con.execute(sql, f.params).fetchall()
    finally:
        app.release(con)
    more = top is None and len(rows) > page_size
    rows = rows[:page_size]
    names = [a.odata_name for a in f.selected] if f.selected is not None else []
    ctx = "%s/$metadata#%s%s" % (app.api_base(req), entity.set_name, "(%s)" % ",".join(names) if names else "")
    head = '{"@odata.context":%s' % json.dumps(ctx)
    if more and rows and (ann.wants(PAGING_COOKIE) or ann.wants(MORE_RECORDS)):
        if ann.wants(PAGING_COOKIE):
            inner = '<cookie page="%d"><%s last="%s" first="%s" /></cookie>' % (
                page, entity.pk, "{%s}" % rows[-1][1].upper(), "{%s}" % rows[0][1].upper())
            cookie = '<cookie pagenumber="%d" pagingcookie="%s" istracking="False" />' % (
                page + 1, _enc_lower(_enc_lower(inner)))
            head += ',"@%s":%s' % (PAGING_COOKIE, json.dumps(cookie))
        if ann.wants(MORE_RECORDS):
            head += ',"@%s":true' % MORE_RECORDS
    body = b"".join([(head + ',"value":[').encode("utf-8"), b",".join(r[0] for r in rows), b"]}"])
    return 200, [("Preference-Applied", p) for p in applied], body


def aggregate(app, req, f, con, joins, where, ann, applied):
    entity = f.entity
    n = con.execute('SELECT count(*) FROM (SELECT 1 FROM "%s" t%s%s LIMIT %d)' % (
        entity.name, joins, where, AGG_LIMIT + 1), f.params).fetchone()[0]
    if n > AGG_LIMIT:
        raise DvError(400, "0x8004E023", "AggregateQueryRecordLimit exceeded. Cannot perform this operation.")
    if not f.aggs and not f.groups:
        raise invalid("An aggregate query needs at least one aggregate or groupby attribute.")
    cols = []
    for sql, alias, a in f.groups:
        cols.append('%s AS "%s"' % (sql, alias))
    for sql, alias, a, fn in f.aggs:
        cols.append('%s AS "%s"' % (sql, alias))
    group = (" GROUP BY " + ", ".join(sql for sql, _, _ in f.groups)) if f.groups else ""
    order_keys = [("%s%s" % (s, " DESC" if d else "")) for s, d, _ in f.orders]
    if not order_keys and f.groups:
        order_keys = [sql for sql, _, _ in f.groups]
    order = (" ORDER BY " + ", ".join(order_keys)) if order_keys else ""
    rows = con.execute('SELECT %s FROM "%s" t%s%s%s%s' % (", ".join(cols), entity.name, joins, where, group, order),
                       f.params).fetchall()
    out = []
    for r in rows:
        item = {}
        i = 0
        for sql, alias, a in f.groups:
            v = r[i]
            i += 1
            if v is None:
                continue  # FetchXML omits nulls
            if ann.wants(rowjson.FV) and a.optionset is not None and a.kind in ("picklist", "state", "status", "bool"):
                lab = a.optionset.labels().get(v)
                if lab is not None:
                    item[alias + "@" + rowjson.FV] = lab
            item[alias] = bool(v) if a.kind == "bool" else v
        for sql, alias, a, fn in f.aggs:
            v = r[i]
            i += 1
            if v is None:
                continue
            if fn not in ("count", "countcolumn") and a.kind in ("money", "decimal"):
                v = round(v, 4)
            item[alias] = v
        out.append(item)
    ctx = "%s/$metadata#%s" % (app.api_base(req), entity.set_name)
    body = json.dumps({"@odata.context": ctx, "value": out}, ensure_ascii=False, separators=(",", ":")).encode()
    return 200, [("Preference-Applied", p) for p in applied], body
