"""dvemu $apply: filter(...), groupby((a,b,nav/x)[,aggregate(...)]), aggregate(...).

Owns: GET <entityset>?$apply=. Source: spec section 4 and
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/aggregate-data
  - aggregate(x with sum|average|min|max|countdistinct as alias), $count as alias;
  - groupby without aggregate = distinct; context #<entityset>; rows = keys + aliases;
  - groupby on a lookup path (primarycontactid/fullname): the key is named
    <related entity>_<attribute> (contact_fullname) and comes after the aggregates
    (the docs' "Total account revenue by primary contact name" sample); accounts without
    a related record form the group whose key is null;
  - a null key or aggregate value is left out of its row (the docs' distinct sample shows
    a row without accountcategorycode; FetchXML, which the service runs $apply as, omits nulls);
  - with Prefer: odata.include-annotations (FormattedValue) every key and aggregate that has
    a formatted value carries it before the value, as rows do: choice labels, "8" for a
    count, "$440,000.00" for a money sum (the docs' samples), grouped numbers, user-zone
    (UTC here) date-times; lookup path keys of text have none;
  - money sums and averages are decimals with 9 places (440000.000000000 in the docs);
    min/max keep the column's scale;
  - text keys group as the service compares text (collation.py: case- and accent-insensitive);
  - more than 50,000 input rows -> 0x8004E023 "AggregateQueryRecordLimit exceeded. Cannot
    perform this operation." (HTTP 400 [U]); no groupby on date-times; $orderby with
    aggregates refused.
[U] choices: the currency symbol of a money aggregate is "$" (the docs' sample; the emulator's
base currency); an average of whole numbers keeps SQLite's fractional value and is formatted
with 2 places; a path through a lookup to a lookup is named <entity>__<x>_value.
"""

import json
import re

from . import odata_filter
from . import rowjson
from .errors import DvError, bad_query, unknown_property
from .query import split_top_level

LIMIT = 50000
FUNCS = {"sum": "sum", "average": "avg", "min": "min", "max": "max", "countdistinct": "count(DISTINCT"}
FV = rowjson.FV


def parse_transforms(text):
    out = []
    i = 0
    depth = 0
    start = 0
    q = False
    for i, ch in enumerate(text):
        if ch == "'":
            q = not q
        elif not q and ch == "(":
            depth += 1
        elif not q and ch == ")":
            depth -= 1
        elif not q and ch == "/" and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    res = []
    for t in out:
        m = re.match(r"^\s*(filter|groupby|aggregate)\((.*)\)\s*$", t, re.S)
        if not m:
            raise bad_query("Syntax error at position 0 in '%s'." % text)
        res.append((m.group(1), m.group(2)))
    return res


class Item:
    """One output property of an aggregate row: a group key or an aggregate.
    sql: its value; json: SQL of its JSON text (NULL when the value is NULL);
    fv: SQL of its formatted value or None."""

    def __init__(self, name, sql, json_sql, fv=None, order_sql=None, group_sql=None):
        self.name = name
        self.sql = sql
        self.json = json_sql
        self.fv = fv
        self.order_sql = order_sql or sql
        self.group_sql = group_sql or sql


def _json_or_null(a, col):
    """JSON text of the value, NULL when the value is NULL (so the property is left out)."""
    return "(CASE WHEN %s IS NOT NULL THEN %s END)" % (col, rowjson.value_sql(a, col))


class Joins:
    """LEFT JOINs along lookup paths of groupby keys, one per distinct path prefix."""

    def __init__(self):
        self.by_path = {}
        self.sql = []

    def alias_for(self, model, entity, parts, text):
        alias, cur = "t", entity
        for i, nav in enumerate(parts):
            navs = cur.nav_props()
            if nav not in navs:
                raise unknown_property(nav, cur.name)
            attr, target, _ = navs[nav]
            key = tuple(parts[:i + 1])
            nxt = self.by_path.get(key)
            if nxt is None:
                nxt = "g%d" % (len(self.by_path) + 1)
                te = model.by_name[target]
                cond = '%s."%s" = %s."%s"' % (nxt, te.pk, alias, attr.column)
                if attr.kind in ("customer", "owner"):
                    cond += " AND %s.\"%stype\" = '%s'" % (alias, attr.name, target)
                self.sql.append('LEFT JOIN "%s" %s ON %s' % (te.name, nxt, cond))
                self.by_path[key] = nxt
            alias, cur = nxt, model.by_name[target]
        return alias, cur

    def text(self):
        return (" " + " ".join(self.sql)) if self.sql else ""


def group_key(model, entity, text, joins, ann):
    """-> (Item, is_path) for one groupby key (a property or a lookup path)."""
    parts = [p.strip() for p in text.split("/")]
    alias, ent = "t", entity
    if len(parts) > 1:
        alias, ent = joins.alias_for(model, entity, parts[:-1], text)
    a = ent.odata_prop(parts[-1])
    if a is None:
        raise unknown_property(parts[-1], ent.name)
    if a.kind == "datetime":
        raise bad_query("Grouping by a date-time column is not supported; use dategrouping in FetchXML.")
    col = '%s."%s"' % (alias, a.column)
    # Source: aggregate-data doc: groupby((primarycontactid/fullname)) -> "contact_fullname"
    name = a.odata_name if len(parts) == 1 else "%s_%s" % (ent.name, a.odata_name)
    fv = rowjson.formatted_sql(model, a, alias) if ann.wants(FV) else None
    coll = odata_filter.TEXT_COLLATE if a.is_text else ""
    return Item(name, col, _json_or_null(a, col), fv, order_sql=col + coll, group_sql=col + coll), len(parts) > 1


def parse_aggregates(model, entity, text, ann):
    aggs = []
    for item in split_top_level(text):
        item = item.strip()
        m = re.match(r"^\$count\s+as\s+(\w+)$", item)
        if m:
            sql = "count(*)"
            aggs.append(Item(m.group(1), sql, "CAST(%s AS TEXT)" % sql,
                             rowjson.fmt_int_sql(sql) if ann.wants(FV) else None))
            continue
        m = re.match(r"^(\w+)\s+with\s+(\w+)\s+as\s+(\w+)$", item)
        if not m:
            raise bad_query("Syntax error at position 0 in '%s'." % text)
        prop, fn, alias = m.groups()
        a = entity.odata_prop(prop)
        if a is None:
            raise unknown_property(prop, entity.name)
        if fn not in FUNCS:
            raise bad_query("'%s' is not a valid aggregate method." % fn)
        col = 't."%s"' % a.column
        sql = "count(DISTINCT %s)" % col if fn == "countdistinct" else "%s(%s)" % (FUNCS[fn], col)
        aggs.append(aggregate_item(alias, fn, a, sql, ann))
    return aggs


def exact_sum(col, scale, digits):
    """SQL Server sums decimals exactly: sum the values as integers of 10^-scale, then print
    them with `digits` decimal places. -> (value SQL, JSON SQL)."""
    total = "sum(CAST(round(%s * %d) AS INTEGER))" % (col, 10 ** scale)
    js = ("(CASE WHEN %s IS NOT NULL THEN printf('%%s%%d.%%0%dd%s', CASE WHEN %s < 0 THEN '-' ELSE '' END, "
          "abs(%s) / %d, abs(%s) %% %d) END)" % (total, scale, "0" * (digits - scale), total, total, 10 ** scale,
                                                 total, 10 ** scale))
    return "(%s / %d.0)" % (total, 10 ** scale), js


def aggregate_item(alias, fn, a, sql, ann):
    k = a.kind
    fv = None
    if fn == "sum" and k in ("money", "decimal") and a.precision <= 8:
        col = 't."%s"' % a.column
        sql, js = exact_sum(col, 4 if k == "money" else a.precision, 9 if k == "money" else a.precision)
        fv = rowjson.fmt_num_sql(sql, 2, prefix="'$'") if k == "money" else rowjson.fmt_num_sql(sql, a.precision)
    elif fn == "countdistinct":
        js, fv = "CAST(%s AS TEXT)" % sql, rowjson.fmt_int_sql(sql)
    elif k == "money":
        digits = 9 if fn in ("sum", "average") else 4  # Source: aggregate-data doc samples
        js = "(CASE WHEN %s IS NOT NULL THEN printf('%%.%df', %s) END)" % (sql, digits, sql)
        fv = rowjson.fmt_num_sql(sql, 2, prefix="'$'")
    elif k == "decimal":
        js = "(CASE WHEN %s IS NOT NULL THEN printf('%%.%df', %s) END)" % (sql, a.precision, sql)
        fv = rowjson.fmt_num_sql(sql, a.precision)
    elif k in ("int", "bigint") and fn != "average":
        js, fv = "CAST(%s AS TEXT)" % sql, rowjson.fmt_int_sql(sql)
    elif k in ("int", "bigint", "double"):
        js = "CAST(CAST(%s AS REAL) AS TEXT)" % sql
        fv = rowjson.fmt_num_sql(sql, 2 if k != "double" else a.precision)
    elif k == "datetime":
        js, fv = "json_quote(%s)" % sql, rowjson.fmt_dt_sql(sql)
    elif k == "date":
        js, fv = "json_quote(%s)" % sql, rowjson.fmt_date_sql(sql)
    else:
        js = _json_or_null(a, sql)
    return Item(alias, sql, js, fv if ann.wants(FV) else None)


def row_sql(items):
    """One aggregate row as JSON text; null values are left out with their annotations."""
    frags = []
    for it in items:
        parts = []
        if it.fv is not None:
            parts.append("coalesce(%s || json_quote(%s) || ',', '')" % (rowjson.lit(json.dumps(it.name + "@" + FV) + ":"), it.fv))
        parts.append(rowjson.lit(json.dumps(it.name) + ":") + " || " + it.json)
        frags.append("(CASE WHEN %s IS NOT NULL THEN ',' || %s END)" % (it.sql, " || ".join(parts)))
    if not frags:
        return "'{}'"
    return "('{' || substr(%s, 2) || '}')" % " || ".join("coalesce(%s, '')" % f for f in frags)


def handle(app, req, entity, opts, prefer):
    text = opts.get("$apply")
    model = app.model
    ann = rowjson.Annotations(prefer.get("odata.include-annotations"))
    joins = Joins()
    where = []
    params = []
    keys = []
    paths = []
    aggs = []
    for kind, body in parse_transforms(text):
        if kind == "filter":
            sql, ps = odata_filter.compile_filter(model, entity, "t", body, opts.aliases, app.now(),
                                                  req.user_id, req.bu_id)
            where.append(sql)
            params.extend(ps)
        elif kind == "groupby":
            parts = split_top_level(body)
            km = re.match(r"^\s*\((.*)\)\s*$", parts[0])
            if not km:
                raise bad_query("Syntax error at position 0 in '%s'." % text)
            for k in split_top_level(km.group(1)):
                it, is_path = group_key(model, entity, k.strip(), joins, ann)
                (paths if is_path else keys).append(it)
            if len(parts) > 1:
                am = re.match(r"^\s*aggregate\((.*)\)\s*$", parts[1], re.S)
                if not am:
                    raise bad_query("Syntax error at position 0 in '%s'." % text)
                aggs += parse_aggregates(model, entity, am.group(1), ann)
        else:
            aggs += parse_aggregates(model, entity, body, ann)
    if opts.get("$orderby") is not None and aggs:
        raise bad_query("The query node SingleValueOpenPropertyAccess is not supported")
    wsql = (" WHERE " + " AND ".join(where)) if where else ""
    groups = keys + paths
    items = keys + aggs + paths  # path keys after the aggregates (aggregate-data doc sample)
    con = app.db()
    try:
        n = con.execute('SELECT count(*) FROM (SELECT 1 FROM "%s" t%s LIMIT %d)' % (entity.name, wsql, LIMIT + 1),
                        params).fetchone()[0]
        if n > LIMIT and aggs:
            raise DvError(400, "0x8004E023", "AggregateQueryRecordLimit exceeded. Cannot perform this operation.")
        group = (" GROUP BY " + ", ".join(g.group_sql for g in groups)) if groups else ""
        order = (" ORDER BY " + ", ".join(g.order_sql for g in groups)) if groups else ""
        sql = 'SELECT CAST(%s AS BLOB) FROM "%s" t%s%s%s%s' % (row_sql(items), entity.name, joins.text(), wsql,
                                                              group, order)
        rows = con.execute(sql, params).fetchall()
    finally:
        app.release(con)
    ctx = "%s/$metadata#%s" % (app.api_base(req), entity.set_name)
    body = b"".join((('{"@odata.context":%s,"value":[' % json.dumps(ctx)).encode("utf-8"),
                     b",".join(r[0] for r in rows), b"]}"))
    headers = []
    if ann.any():
        headers.append(("Preference-Applied", 'odata.include-annotations="%s"' % prefer.get("odata.include-annotations")))
    return 200, headers, body
