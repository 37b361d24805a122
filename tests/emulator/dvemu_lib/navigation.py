"""dvemu navigation: collection-valued $expand and navigation property paths.

Owns: GET <set>(<key>)/<nav> (single-valued: the related record; collection-valued: the
related records as a collection, paged like any collection), the rendering of collection-valued
$expand (one-to-many and many-to-many) inside a row, and the query-wide expand rules.

Sources: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/join-tables
(spec section 4) and
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api
(filtered collections).
  - up to 15 $expand options in a query (nested ones counted too);
  - inside a collection-valued expand: $select, $filter, $orderby, $top, $expand;
    $skip/$count/$search/$levels refused;
  - no nested $expand anywhere in the query ("single $expand"): each expanded collection holds
    up to 5000 records, unpaged (odata.maxpagesize pages the outer rows only), $top and $orderby
    apply, and <nav>@odata.nextLink follows the array: the filtered collection URL
    <set>(<parent id>)/<nav>?<the expand's options joined by &>, with no paging information;
    child rows carry their etag and the lookup that points at the parent (_x_value, after the
    selected properties), as in the docs' examples;
  - a nested $expand anywhere in the query: every expanded collection is paged at the
    odata.maxpagesize (default 5000) and $top/$orderby inside a collection-valued expand are
    refused with 0x80060888 "Only $select and $filter clause can be provided while doing $expand
    on many-to-one relationship or nested one-to-many relationship."; the nextLink carries a
    $skiptoken (the child's primary key order) and follows a full page; those child rows have
    neither etag nor the parent lookup (the docs' nested example);
  - N:N (systemuserroles_association): expanded alone or beside other N:N expands, never
    nested or mixed with other relationship kinds (the docs' table of supported combinations).
Choices where the service's answer is unknown [U]:
  - the single-$expand nextLink is sent for every parent row, also when the collection is
    empty (the docs show it next to one child as next to three);
  - in nested mode the nextLink is sent when the page is full (the docs' example shows one for
    a relationship holding one record at odata.maxpagesize=1), so its next page may be empty;
  - the error texts for N:N misuse: "Expansion of many-to-many navigation property '<nav>'
    cannot be nested." and "Expansion of many-to-many navigation property '<nav>' cannot be
    combined with other navigation properties." (0x80060888, 400);
  - a single-valued path whose lookup is empty answers 204 No Content (OData's rule);
  - an unknown segment after a key answers like an unknown entity set: 404 0x80060888
    "Resource not found for the segment '<name>'." (what OData's path parser raises, and the
    status the service gives that message, spec section 12).
"""

import json
import urllib.parse

from . import odata_filter
from . import rowjson
from .errors import DvError, bad_query, segment_not_found

MAX_CHILDREN = 5000
ONLY_SELECT_FILTER = ("Only $select and $filter clause can be provided while doing $expand "
                      "on many-to-one relationship or nested one-to-many relationship.")


class Rel:
    """A collection-valued navigation property of `parent`.

    kind "1n": child rows point at the parent with `attr` (typed by `attr`type for
    customer/owner lookups); kind "nn": the intersect table links `mine` (the parent's id) to
    `other` (the child's id)."""

    def __init__(self, kind, nav, parent, target, attr=None, intersect=None, mine=None, other=None):
        self.kind = kind
        self.nav = nav
        self.parent = parent
        self.target = target
        self.attr = attr
        self.intersect = intersect
        self.mine = mine
        self.other = other

    def condition(self, alias, parent_id_sql, counter):
        """SQL: the child row `alias` belongs to the parent whose id is parent_id_sql."""
        if self.kind == "1n":
            cond = '%s."%s" = %s' % (alias, self.attr.column, parent_id_sql)
            if self.attr.kind in ("customer", "owner"):
                cond += " AND %s.\"%stype\" = '%s'" % (alias, self.attr.name, self.parent.name)
            return cond
        counter[0] += 1
        ia = "i%d" % counter[0]
        return '%s."%s" IN (SELECT %s."%s" FROM "%s" %s WHERE %s."%s" = %s)' % (
            alias, self.target.pk, ia, self.other, self.intersect, ia, ia, self.mine, parent_id_sql)


def find_collection(model, entity, nav):
    """The collection-valued navigation property `nav` of `entity` (Rel), or None."""
    for r in model.one_to_many:
        if r["ReferencedEntity"] == entity.name and r["ReferencedEntityNavigationPropertyName"] == nav:
            child = model.by_name[r["ReferencingEntity"]]
            return Rel("1n", nav, entity, child, attr=child.by_name[r["ReferencingAttribute"]])
    for r in getattr(model, "many_to_many", []):
        for me, other in (("1", "2"), ("2", "1")):
            if r["Entity%sLogicalName" % me] == entity.name and r["Entity%sNavigationPropertyName" % me] == nav:
                target = model.by_name.get(r["Entity%sLogicalName" % other])
                if target is None or r["IntersectEntityName"] not in model.by_name:
                    return None
                return Rel("nn", nav, entity, target, intersect=r["IntersectEntityName"],
                           mine=r["Entity%sIntersectAttribute" % me], other=r["Entity%sIntersectAttribute" % other])
    return None


# ---- query-wide rules -----------------------------------------------------------------------

def _walk(expands, depth=0):
    for e in expands:
        yield e, depth
        for x in _walk(e.expands, depth + 1):
            yield x


def is_nested(expands):
    """True when any $expand of the query holds a $expand (the docs' "nested $expand")."""
    return any(e.expands for e, _ in _walk(expands))


def validate(expands):
    """The rules that need the whole $expand tree (called once, for the top level)."""
    nested = is_nested(expands)
    for e, depth in _walk(expands):
        if e.kind == "nn":
            if depth > 0 or e.expands:
                raise bad_query("Expansion of many-to-many navigation property '%s' cannot be nested." % e.nav)
            if any(x.kind != "nn" for x in expands):
                raise bad_query("Expansion of many-to-many navigation property '%s' cannot be combined "
                                "with other navigation properties." % e.nav)
        if e.kind != "single" and nested and (e.top is not None or e.orderby is not None):
            raise bad_query(ONLY_SELECT_FILTER)


class ExpandCtx:
    """What rendering a collection-valued expand needs from the request."""

    def __init__(self, app, req, expands, page_size):
        self.base = app.api_base(req)
        self.nested = is_nested(expands)
        self.page_size = page_size
        self.now = app.now()
        self.user_id = req.user_id
        self.bu_id = req.bu_id
        from . import guidorder
        self.guid_order = guidorder.enabled(app)


# ---- SQL ------------------------------------------------------------------------------------

def inline_params(sql, params):
    """Put bound parameters into SQL text as literals (an expand's $filter sits in the row
    expression, which comes before the statement's own placeholders). Placeholders are the
    '?' outside quoted strings and identifiers."""
    out = []
    it = iter(params)
    q = None
    for ch in sql:
        if q is not None:
            out.append(ch)
            if ch == q:
                q = None
            continue
        if ch in "'\"":
            q = ch
            out.append(ch)
        elif ch == "?":
            out.append(sql_literal(next(it)))
        else:
            out.append(ch)
    return "".join(out)


def sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def _json_text(s):
    """JSON string body (no quotes) of s."""
    return json.dumps(s, ensure_ascii=False)[1:-1]


def options_query(pairs):
    """An expand's options as a query string, encoded like the service's nextLinks."""
    return "&".join(urllib.parse.quote(k, safe="$@") + "=" + urllib.parse.quote(v, safe="$,()/:=@'*;!")
                    for k, v in pairs)


def _cookie_template(pk_name):
    """(prefix, middle, suffix) of the URL-encoded first-page cookie around the last and the
    first primary key (upper case) of a page ordered by primary key only."""
    from .query import OrderKey, make_cookie
    last, first = "ffffffff-ffff-ffff-ffff-fffffffffff1", "ffffffff-ffff-ffff-ffff-fffffffffff2"
    cookie = urllib.parse.quote(make_cookie(1, [OrderKey(None, False, pk_name, False)], [first], [last]), safe="=/")
    a, rest = cookie.split(last.upper())
    b, c = rest.split(first.upper())
    return a, b, c


def collection_sql(model, exp, parent, parent_alias, ann, counter, ectx):
    """SQL giving '[<child rows>],"<nav>@odata.nextLink":"..."' for one parent row (the text
    after "<nav>": in the row)."""
    from . import query
    counter[0] += 1
    alias = "c%d" % counter[0]
    rel = exp.rel
    te = rel.target
    parent_id = '%s."%s"' % (parent_alias, parent.pk)
    where = [rel.condition(alias, parent_id, counter)]
    if exp.filter is not None:
        # parameter aliases are not resolved inside $expand (spec section 4)
        fsql, fparams = odata_filter.compile_filter(model, te, alias, exp.filter, {}, ectx.now,
                                                    ectx.user_id, ectx.bu_id)
        where.append(inline_params(fsql, fparams))
    keys = query.parse_orderby(model, te, exp.orderby, alias=alias, guid_order=ectx.guid_order)
    if ectx.nested:
        limit = ectx.page_size
    else:
        limit = MAX_CHILDREN if exp.top is None else min(exp.top, MAX_CHILDREN)
    subs = [(e.nav, query.expand_sql(model, e, alias, ann, counter, ectx, te)) for e in exp.expands]
    sel = exp.select
    if not ectx.nested and rel.kind == "1n" and sel is not None and rel.attr not in sel:
        sel = list(sel) + [rel.attr]  # the docs' rows show the lookup to the parent
    row = rowjson.row_sql(model, te, sel, ann, alias=alias, expands=subs, etag=not ectx.nested)
    inner = 'SELECT %s AS r, %s."%s" AS id FROM "%s" %s WHERE %s ORDER BY %s LIMIT %d' % (
        row, alias, te.pk, te.name, alias, " AND ".join(where), query.order_sql(keys), limit)
    url = "%s/%s(" % (ectx.base, parent.set_name)
    opts = options_query(exp.opt_pairs)
    key = rowjson.lit(',' + json.dumps(exp.nav + "@odata.nextLink") + ':"' + _json_text(url))
    tail = _json_text(")/%s%s" % (exp.nav, "?" + opts if opts else ""))
    if not ectx.nested:
        link = "%s || %s || %s" % (key, parent_id, rowjson.lit(tail + '"'))
    else:
        a, b, c = _cookie_template(te.pk)
        ids = "group_concat(id, '')"
        link = ("(CASE WHEN count(*) >= %d THEN %s || %s || %s || upper(substr(%s, -36)) || %s || "
                "upper(substr(%s, 1, 36)) || %s END)" % (
                    limit, key, parent_id, rowjson.lit(tail + ("&" if opts else "?") + "$skiptoken=" + a),
                    ids, rowjson.lit(b), ids, rowjson.lit(c + '"')))
    return "(SELECT '[' || coalesce(group_concat(r, ','), '') || ']' || coalesce(%s, '') FROM (%s))" % (link, inner)


# ---- GET <set>(<key>)/<nav> -----------------------------------------------------------------

class NavBase:
    """A collection read through a navigation property: rows of the target entity limited to
    the parent's related records; `path` names it in nextLinks and the page cache."""

    def __init__(self, where, path):
        self.where = where
        self.path = path


def get_path(app, req, entity, keytext, seg, opts, prefer):
    """GET <set>(<key>)/<seg> where seg is not a property of the entity."""
    from . import query
    model = app.model
    navs = entity.nav_props()
    rel = None if seg in navs else find_collection(model, entity, seg)
    if seg not in navs and rel is None:
        raise segment_not_found(seg)
    wsql, params, is_alt = query.key_where(app, entity, keytext)
    cols = ['t."%s"' % entity.pk]
    if seg in navs:
        attr = navs[seg][0]
        cols.append('t."%s"' % attr.column)
        if attr.kind in ("customer", "owner"):
            cols.append('t."%stype"' % attr.name)
    con = app.db()
    try:
        row = con.execute('SELECT %s FROM "%s" t WHERE %s' % (", ".join(cols), entity.name, wsql), params).fetchone()
    finally:
        app.release(con)
    if row is None:
        if is_alt:
            raise DvError(404, "0x80060891", "A record with the specified key values does not exist in %s entity" % entity.name)
        from .errors import record_not_found
        raise record_not_found(entity.name, keytext.lower())
    if seg in navs:
        attr, target, _ = navs[seg]
        if row[1] is None or (len(row) > 2 and row[2] != target):
            return 204, [], b""
        return query.get_single(app, req, model.by_name[target], row[1], opts, prefer)
    for k in ("$apply", "fetchXml"):
        if opts.get(k) is not None:
            raise DvError(501, "0x80040216", "dvemu: %s on a navigation property path is not implemented." % k)
    where = rel.condition("t", sql_literal(row[0]), [0])
    nav = NavBase(where, "%s(%s)/%s" % (entity.set_name, row[0], seg))
    return query.query_collection(app, req, rel.target, opts, prefer, nav=nav)
