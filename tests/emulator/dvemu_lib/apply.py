"""dvemu $apply: filter(...), groupby((a,b)[,aggregate(...)]), aggregate(...).

Owns: GET <entityset>?$apply=. Source: spec section 4 and
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/aggregate-data
  - aggregate(x with sum|average|min|max|countdistinct as alias), $count as alias;
  - groupby without aggregate = distinct; context #<entityset>; rows = keys + aliases;
  - more than 50,000 input rows -> 0x8004E023 "AggregateQueryRecordLimit exceeded. Cannot
    perform this operation." (HTTP 400 [U]); no groupby on date-times.
Not yet: lookup paths in groupby (primarycontactid/fullname), formatted values of aggregates.
"""

import json
import re

from . import odata_filter
from .errors import DvError, bad_query, unknown_property
from .query import split_top_level

LIMIT = 50000
FUNCS = {"sum": "sum", "average": "avg", "min": "min", "max": "max", "countdistinct": "count(DISTINCT"}


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


def parse_aggregates(entity, text):
    aggs = []
    for item in split_top_level(text):
        item = item.strip()
        m = re.match(r"^\$count\s+as\s+(\w+)$", item)
        if m:
            aggs.append(("count(*)", m.group(1), "count"))
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
        aggs.append((sql, alias, (fn, a)))
    return aggs


def handle(app, req, entity, opts, prefer):
    text = opts.get("$apply")
    where = []
    params = []
    keys = []
    aggs = []
    for kind, body in parse_transforms(text):
        if kind == "filter":
            sql, ps = odata_filter.compile_filter(app.model, entity, "t", body, opts.aliases, app.now(),
                                                  req.user_id, req.bu_id)
            where.append(sql)
            params.extend(ps)
        elif kind == "groupby":
            parts = split_top_level(body)
            km = re.match(r"^\s*\((.*)\)\s*$", parts[0])
            if not km:
                raise bad_query("Syntax error at position 0 in '%s'." % text)
            for k in split_top_level(km.group(1)):
                k = k.strip()
                a = entity.odata_prop(k)
                if a is None:
                    raise unknown_property(k, entity.name)
                if a.kind == "datetime":
                    raise bad_query("Grouping by a date-time column is not supported; use dategrouping in FetchXML.")
                keys.append(a)
            if len(parts) > 1:
                am = re.match(r"^\s*aggregate\((.*)\)\s*$", parts[1], re.S)
                if not am:
                    raise bad_query("Syntax error at position 0 in '%s'." % text)
                aggs += parse_aggregates(entity, am.group(1))
        else:
            aggs += parse_aggregates(entity, body)
    if opts.get("$orderby") is not None and aggs:
        raise bad_query("The query node SingleValueOpenPropertyAccess is not supported")
    wsql = (" WHERE " + " AND ".join(where)) if where else ""
    con = app.db()
    try:
        n = con.execute('SELECT count(*) FROM (SELECT 1 FROM "%s" t%s LIMIT %d)' % (entity.name, wsql, LIMIT + 1),
                        params).fetchone()[0]
        if n > LIMIT and aggs:
            raise DvError(400, "0x8004E023", "AggregateQueryRecordLimit exceeded. Cannot perform this operation.")
        sel = ['t."%s"' % a.column for a in keys] + [s for s, _, _ in aggs]
        group = (" GROUP BY " + ", ".join('t."%s"' % a.column for a in keys)) if keys else ""
        order = (" ORDER BY " + ", ".join('t."%s"' % a.column for a in keys)) if keys else ""
        if keys and not aggs:
            sql = 'SELECT DISTINCT %s FROM "%s" t%s%s' % (", ".join(sel), entity.name, wsql, order)
        else:
            sql = 'SELECT %s FROM "%s" t%s%s%s' % (", ".join(sel), entity.name, wsql, group, order)
        rows = con.execute(sql, params).fetchall()
    finally:
        app.release(con)
    out = []
    for r in rows:
        item = {}
        for i, a in enumerate(keys):
            v = r[i]
            if a.kind == "bool" and v is not None:
                v = bool(v)
            item[a.odata_name] = v
        for j, (_, alias, info) in enumerate(aggs):
            v = r[len(keys) + j]
            if info != "count" and info[0] != "countdistinct" and v is not None and info[1].kind in ("money", "decimal"):
                v = round(v, 4)
            item[alias] = v
        out.append(item)
    ctx = "%s/$metadata#%s" % (app.api_base(req), entity.set_name)
    body = json.dumps({"@odata.context": ctx, "value": out}, ensure_ascii=False, separators=(",", ":")).encode()
    return 200, [], body
