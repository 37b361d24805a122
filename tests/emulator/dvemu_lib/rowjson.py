"""dvemu row rendering: builds ONE SQL expression that renders an entity row as JSON text.

Owns: the Web API row shape (spec section 3) and the annotation preference matching.
The expression is evaluated by SQLite for each row, so a 5000-row page never becomes
Python dicts; the server joins the row strings and writes the page in one piece.

Row shape, source: spec section 3 and
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns
  - "@odata.etag": "W/\"<versionnumber>\"" first, every row;
  - selected properties in $select order, then the primary key if not selected;
  - lookups as _x_value; a money column adds _transactioncurrencyid_value;
  - nulls as null (OData) - FetchXML omits them (omit_nulls=True);
  - decimals with their scale (money: 4, decimal: Precision), datetimes 'YYYY-MM-DDTHH:MM:SSZ',
    DateOnly as 'YYYY-MM-DD', booleans true/false, multi-select "1,3,5", images base64;
  - annotations (only when requested by Prefer: odata.include-annotations) placed BEFORE the
    value: FormattedValue, associatednavigationproperty, lookuplogicalname
    (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values).
"""

import datetime
import fnmatch
import json

FV = "OData.Community.Display.V1.FormattedValue"
NAV = "Microsoft.Dynamics.CRM.associatednavigationproperty"
LLN = "Microsoft.Dynamics.CRM.lookuplogicalname"


class Annotations:
    """odata.include-annotations="..." matching ("*", "a,b", wildcards like "Microsoft.*")."""

    def __init__(self, spec):
        self.spec = spec
        self.patterns = []
        if spec:
            for p in spec.split(","):
                p = p.strip()
                if p:
                    self.patterns.append(p)

    def wants(self, term):
        for p in self.patterns:
            if p.startswith("-"):
                continue
            if p == "*" or p == term or fnmatch.fnmatchcase(term, p):
                excluded = any(q.startswith("-") and fnmatch.fnmatchcase(term, q[1:])
                               for q in self.patterns)
                return not excluded
        return False

    def any(self):
        return bool(self.patterns)


NO_ANNOTATIONS = Annotations("")


def lit(s):
    """A SQL string literal holding JSON-ready text."""
    return "'" + s.replace("'", "''") + "'"


def jkey(name):
    return json.dumps(name, ensure_ascii=False)


# ---- Python helpers registered in SQLite (formatting only runs with annotations) --------

def _fmt_int(v):
    if v is None:
        return None
    return "{:,}".format(int(v))


def _fmt_num(v, prec):
    if v is None:
        return None
    return "{:,.{p}f}".format(float(v), p=int(prec))


def _fmt_money(v, symbol, prec):
    if v is None:
        return None
    s = "{:,.{p}f}".format(abs(float(v)), p=int(prec))
    return ("-" if v < 0 else "") + (symbol or "$") + s


def _fmt_dt(v):
    # Source: spec section 3: user-zone dates "4/7/2023 2:59 PM" (user zone = UTC here).
    if v is None:
        return None
    try:
        d = datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return v
    h = d.hour % 12 or 12
    return "%d/%d/%d %d:%02d %s" % (d.month, d.day, d.year, h, d.minute, "AM" if d.hour < 12 else "PM")


def _fmt_date(v):
    if v is None:
        return None
    try:
        d = datetime.datetime.strptime(v[:10], "%Y-%m-%d")
    except ValueError:
        return v
    return "%d/%d/%d" % (d.month, d.day, d.year)


_MS_LABELS = {}


def _fmt_ms(v, osname):
    # Source: spec section 3: multi-select formatted value "A; C; E".
    if v is None:
        return None
    labels = _MS_LABELS.get(osname, {})
    out = []
    for part in str(v).split(","):
        part = part.strip()
        if part:
            try:
                out.append(labels.get(int(part), part))
            except ValueError:
                out.append(part)
    return "; ".join(out)


def _tsql_like(value, pattern):
    """SQL Server LIKE (%, _, [..], [^..]) case-insensitively; source: spec section 4."""
    if value is None or pattern is None:
        return None
    import re
    rx = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "%":
            rx.append(".*")
        elif c == "_":
            rx.append(".")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                rx.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                neg = body.startswith("^")
                if neg:
                    body = body[1:]
                rx.append("[" + ("^" if neg else "") + body.replace("\\", "\\\\") + "]")
                i = j
        else:
            rx.append(re.escape(c))
        i += 1
    return 1 if re.fullmatch("".join(rx), str(value), re.S | re.I) else 0


def register_functions(con, model):
    for os_ in model.optionsets.values():
        _MS_LABELS[os_.name] = os_.labels()
    con.create_function("dv_fmt_int", 1, _fmt_int, deterministic=True)
    con.create_function("dv_fmt_num", 2, _fmt_num, deterministic=True)
    con.create_function("dv_fmt_money", 3, _fmt_money, deterministic=True)
    con.create_function("dv_fmt_dt", 1, _fmt_dt, deterministic=True)
    con.create_function("dv_fmt_date", 1, _fmt_date, deterministic=True)
    con.create_function("dv_fmt_ms", 2, _fmt_ms, deterministic=True)
    con.create_function("dv_like", 2, _tsql_like, deterministic=True)


# ---- SQL expression builders ---------------------------------------------------------------

def value_sql(a, col):
    """SQL giving the JSON text of one attribute value (including 'null')."""
    k = a.kind
    if k in ("int", "bigint", "picklist", "state", "status"):
        return "coalesce(%s, 'null')" % col
    if k == "decimal":
        return "(CASE WHEN %s IS NULL THEN 'null' ELSE printf('%%.%df', %s) END)" % (col, a.precision, col)
    if k == "money":
        return "(CASE WHEN %s IS NULL THEN 'null' ELSE printf('%%.4f', %s) END)" % (col, col)
    if k == "double":
        return "(CASE WHEN %s IS NULL THEN 'null' ELSE json_quote(CAST(%s AS REAL)) END)" % (col, col)
    if k == "bool":
        return "(CASE %s WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'null' END)" % col
    return "json_quote(%s)" % col


def option_label_sql(os_, col):
    parts = " ".join("WHEN %d THEN %s" % (o[0], lit(o[1])) for o in os_.options)
    return "(CASE %s %s END)" % (col, parts)


def primary_name_sql(model, target, idexpr):
    te = model.by_name[target]
    if not te.primary_name:
        return "NULL"
    return '(SELECT "%s" FROM "%s" WHERE "%s" = %s)' % (te.primary_name, te.name, te.pk, idexpr)


def formatted_sql(model, a, alias):
    """SQL for the FormattedValue text of an attribute, or None if it has none."""
    col = '%s."%s"' % (alias, a.column)
    k = a.kind
    if k in ("picklist", "state", "status", "bool") and a.optionset is not None:
        return option_label_sql(a.optionset, col)
    if k == "multiselect" and a.optionset is not None:
        return "dv_fmt_ms(%s, %s)" % (col, lit(a.optionset.name))
    if k in ("int", "bigint"):
        return "dv_fmt_int(%s)" % col
    if k in ("decimal", "double"):
        return "dv_fmt_num(%s, %d)" % (col, a.precision)
    if k == "money":
        ent = a.entity
        if "transactioncurrencyid" in ent.by_name:
            sym = ('(SELECT currencysymbol FROM transactioncurrency WHERE transactioncurrencyid = %s."transactioncurrencyid")'
                   % alias)
        else:
            sym = "'$'"
        return "dv_fmt_money(%s, %s, 2)" % (col, sym)
    if k == "datetime":
        return "dv_fmt_dt(%s)" % col
    if k == "date":
        return "dv_fmt_date(%s)" % col
    if a.is_lookup:
        if len(a.targets) == 1:
            return primary_name_sql(model, a.targets[0], col)
        tcol = '%s."%stype"' % (alias, a.name)
        return "(CASE %s %s END)" % (tcol, " ".join(
            "WHEN '%s' THEN %s" % (t, primary_name_sql(model, t, col)) for t in a.targets))
    return None


def prop_sql(model, a, alias, ann, omit_nulls=False, name=None):
    """SQL text for '"name@ann":..,"name":value' of one attribute (no trailing comma)."""
    col = '%s."%s"' % (alias, a.column)
    key = name or a.odata_name
    pieces = []
    if ann.any():
        if ann.wants(FV):
            f = formatted_sql(model, a, alias)
            if f is not None:
                pieces.append(lit(jkey(key + "@" + FV) + ":") + " || json_quote(%s) || ','" % f)
        if a.is_lookup:
            navs = a.navs()
            if ann.wants(NAV):
                if len(set(n for n, _, _ in navs)) == 1:
                    nav = lit(json.dumps(navs[0][0]))
                else:
                    nav = "(CASE %s.\"%stype\" %s END)" % (alias, a.name, " ".join(
                        "WHEN '%s' THEN %s" % (t, lit(json.dumps(n))) for n, t, _ in navs))
                pieces.append(lit(jkey(key + "@" + NAV) + ":") + " || %s || ','" % nav)
            if ann.wants(LLN):
                if len(a.targets) == 1:
                    ln = lit(json.dumps(a.targets[0]))
                else:
                    ln = 'json_quote(%s."%stype")' % (alias, a.name)
                pieces.append(lit(jkey(key + "@" + LLN) + ":") + " || %s || ','" % ln)
    if pieces:
        ann_sql = "(CASE WHEN %s IS NULL THEN '' ELSE %s END)" % (col, " || ".join(pieces))
    else:
        ann_sql = None
    val = lit(jkey(key) + ":") + " || " + value_sql(a, col)
    body = val if ann_sql is None else ann_sql + " || " + val
    if omit_nulls:
        return "(CASE WHEN %s IS NULL THEN NULL ELSE %s END)" % (col, body)
    return body


def output_attrs(entity, selected):
    """The attributes a row shows: selected (or all) + PK + currency for money."""
    if selected is None:
        attrs = list(entity.odata_attrs())
    else:
        attrs = list(selected)
    names = set(a.name for a in attrs)
    if entity.pk not in names:
        attrs.append(entity.by_name[entity.pk])
        names.add(entity.pk)
    if any(a.kind == "money" for a in attrs) and "transactioncurrencyid" in entity.by_name \
            and "transactioncurrencyid" not in names:
        attrs.append(entity.by_name["transactioncurrencyid"])
    return attrs


def row_sql(model, entity, selected, ann, alias="t", omit_nulls=False, expands=None,
            etag=True):
    """SQL expression producing the row's JSON object text.

    expands: list of (nav name, sql text giving the JSON of the expanded value) appended
    after the properties."""
    if not ann.any() and not omit_nulls:
        return fast_row_sql(model, entity, selected, alias, expands, etag)
    parts = []
    if etag and "versionnumber" in entity.by_name:
        parts.append("%s || %s.\"versionnumber\" || %s" % (lit('"@odata.etag":"W/\\"'), alias, lit('\\""')))
    for a in output_attrs(entity, selected):
        parts.append(prop_sql(model, a, alias, ann, omit_nulls))
    for nav, sql in (expands or []):
        parts.append(lit(jkey(nav) + ":") + " || " + sql)
    if omit_nulls:
        # NULL parts disappear: each part carries its own trailing comma
        joined = balanced_concat(["coalesce(%s || ',', '')" % p for p in parts])
        return "('{' || rtrim(%s, ',') || '}')" % joined
    items = []
    for i, p in enumerate(parts):
        items.append("(%s || ',')" % p if i < len(parts) - 1 else p)
    return "('{' || %s || '}')" % balanced_concat(items)


def balanced_concat(items):
    """a || b || c ... as a balanced tree: SQLite copies the left operand on every ||, so a
    left-deep chain over ~50 row pieces is quadratic in the row length."""
    if not items:
        return "''"
    if len(items) == 1:
        return items[0]
    mid = len(items) // 2
    return "(%s || %s)" % (balanced_concat(items[:mid]), balanced_concat(items[mid:]))


def fast_value_sql(a, col):
    """Value for json_object(): raw column where SQLite's JSON rendering already matches the
    service, json(<text>) where the text must be kept (decimal scale, booleans)."""
    k = a.kind
    if k == "decimal":
        return "json(CASE WHEN %s IS NULL THEN NULL ELSE printf('%%.%df', %s) END)" % (col, a.precision, col)
    if k == "money":
        return "json(CASE WHEN %s IS NULL THEN NULL ELSE printf('%%.4f', %s) END)" % (col, col)
    if k == "double":
        return "CAST(%s AS REAL)" % col
    if k == "bool":
        return "json(CASE %s WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)" % col
    return col


def fast_row_sql(model, entity, selected, alias, expands, etag):
    """Row JSON through json_object() (one C-side buffer per row; several times faster
    than || chains). json_object takes at most 63 pairs, so wide rows are chunked."""
    pairs = []
    if etag and "versionnumber" in entity.by_name:
        pairs.append((lit("@odata.etag"), "'W/\"' || %s.\"versionnumber\" || '\"'" % alias))
    for a in output_attrs(entity, selected):
        pairs.append((lit(a.odata_name), fast_value_sql(a, '%s."%s"' % (alias, a.column))))
    for nav, sql in (expands or []):
        pairs.append((lit(nav), "json(%s)" % sql))
    chunks = [pairs[i:i + 60] for i in range(0, len(pairs), 60)]
    objs = ["json_object(%s)" % ", ".join("%s, %s" % kv for kv in c) for c in chunks]
    if len(objs) == 1:
        return objs[0]
    inner = " || ',' || ".join("substr(%s, 2, length(%s) - 2)" % (o, o) for o in objs)
    return "('{' || %s || '}')" % inner
