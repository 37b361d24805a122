"""dvemu $filter: tokenizer, recursive-descent parser and translation to SQL (bound params).

Owns: the $filter language of the Dataverse Web API and its error texts.
Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
and spec section 4:
  - eq ne gt ge lt le, and or not, parentheses, column-to-column comparison;
  - literals: 'O''Brian', bare GUIDs, bare dates and date-times, numbers, true/false/null;
    the v3 guid'..'/datetime'..' syntax is rejected ("Unrecognized 'Edm.String' literal");
  - contains/startswith/endswith only; values are SQL LIKE patterns (%, _, [..], [^..]
    are wildcards) and string comparisons follow the service's collation (collation.py:
    case- and accent-insensitive, trailing blanks ignored except by LIKE);
  - lookup paths primarycontactid/fullname, lambdas nav/any(x:..) and all(..);
  - Microsoft.Dynamics.CRM.<Function>(PropertyName='..',PropertyValue(s)=..) query functions:
    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/queryfunctions
  - parameter aliases @p1 (unset alias = null).
Error texts follow Microsoft.OData.Core's parser (spec section 12): "There is an unterminated
literal at position N in '<expr>'.", "Syntax error at position N in '<expr>'.", and
"A binary operator with incompatible types was detected. Found operand types 'Edm.String'
and 'Edm.Int32' for operator kind 'Equal'."; all 400 0x80060888.
"""

import datetime
import re

from .errors import DvError, bad_query, unknown_property

GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_])")
DT_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?![0-9T])")
NUM_RE = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?[mMdDfFlL]?(?![0-9A-Za-z_])")
IDENT_RE = re.compile(r"[A-Za-z_@$][A-Za-z0-9_.]*")

OPS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
OP_KIND = {"eq": "Equal", "ne": "NotEqual", "gt": "GreaterThan", "ge": "GreaterThanOrEqual",
           "lt": "LessThan", "le": "LessThanOrEqual"}
NUMERIC = ("Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double")
TEXT_COLLATE = " COLLATE DVCI"  # collation.py, registered on every connection


class Tok:
    def __init__(self, kind, value, pos, text=None):
        self.kind = kind  # str num guid date datetime ident sym bool null array eof
        self.value = value
        self.pos = pos
        self.text = text


def tokenize(src):
    toks = []
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == "'":
            j = i + 1
            buf = []
            while True:
                if j >= n:
                    raise bad_query("There is an unterminated literal at position %d in '%s'." % (n, src))
                if src[j] == "'":
                    if j + 1 < n and src[j + 1] == "'":
                        buf.append("'")
                        j += 2
                        continue
                    break
                buf.append(src[j])
                j += 1
            toks.append(Tok("str", "".join(buf), i, src[i:j + 1]))
            i = j + 1
            continue
        if c == "[":
            # JSON-ish array for PropertyValues=["a","b"] (values may use ' or ")
            j = i + 1
            items = []
            while True:
                while j < n and src[j] in " ,":
                    j += 1
                if j >= n:
                    raise bad_query("Syntax error at position %d in '%s'." % (n, src))
                if src[j] == "]":
                    j += 1
                    break
                q = src[j]
                if q in "\"'":
                    k = j + 1
                    buf = []
                    while k < n and not (src[k] == q and not (k + 1 < n and src[k + 1] == q and q == "'")):
                        if src[k] == q:
                            k += 1
                        if src[k] == "\\" and q == '"' and k + 1 < n:
                            k += 1
                        buf.append(src[k])
                        k += 1
                    if k >= n:
                        raise bad_query("There is an unterminated literal at position %d in '%s'." % (n, src))
                    items.append("".join(buf))
                    j = k + 1
                else:
                    m = re.compile(r"[^,\]\s]+").match(src, j)
                    items.append(m.group(0))
                    j = m.end()
            toks.append(Tok("array", items, i, src[i:j]))
            i = j
            continue
        if c in "(),:/=":
            toks.append(Tok("sym", c, i))
            i += 1
            continue
        m = GUID_RE.match(src, i)
        if m:
            toks.append(Tok("guid", m.group(0).lower(), i, m.group(0)))
            i = m.end()
            continue
        m = DT_RE.match(src, i)
        if m:
            toks.append(Tok("datetime", m.group(0), i, m.group(0)))
            i = m.end()
            continue
        m = DATE_RE.match(src, i)
        if m:
            toks.append(Tok("date", m.group(0), i, m.group(0)))
            i = m.end()
            continue
        m = NUM_RE.match(src, i)
        if m and (c.isdigit() or (c in "+-" and i + 1 < n and src[i + 1].isdigit())):
            txt = m.group(0)
            toks.append(Tok("num", txt.rstrip("mMdDfFlL"), i, txt))
            i = m.end()
            continue
        m = IDENT_RE.match(src, i)
        if m:
            word = m.group(0)
            if m.end() < n and src[m.end()] == "'" and word.lower() in (
                    "guid", "datetime", "datetimeoffset", "x", "binary", "time"):
                # Source: spec section 4: v3 literal syntax is rejected.
                j = src.find("'", m.end() + 1)
                lit_txt = src[i:j + 1] if j > 0 else src[i:]
                raise bad_query("Unrecognized 'Edm.String' literal '%s' at '%d' in '%s'."
                                % (lit_txt, i, src))
            if word in ("true", "false"):
                toks.append(Tok("bool", word == "true", i, word))
            elif word == "null":
                toks.append(Tok("null", None, i, word))
            else:
                toks.append(Tok("ident", word, i, word))
            i = m.end()
            continue
        raise bad_query("Syntax error: character '%s' is not valid at position %d in '%s'." % (c, i, src))
    toks.append(Tok("eof", None, n))
    return toks


class Parser:
    """Grammar: or := and ('or' and)* ; and := unary ('and' unary)* ;
    unary := 'not' unary | cmp ; cmp := term (op term)? ; term := '(' or ')' | call | literal | path"""

    def __init__(self, src, aliases=None):
        self.src = src
        self.toks = tokenize(src)
        self.i = 0
        self.aliases = aliases or {}

    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def err(self, pos=None):
        if pos is None:
            pos = self.peek().pos
        return bad_query("Syntax error at position %d in '%s'." % (pos, self.src))

    def expect_sym(self, s):
        t = self.peek()
        if t.kind != "sym" or t.value != s:
            if s in "),":
                raise bad_query("')' or ',' expected at position %d in '%s'." % (t.pos, self.src))
            raise self.err(t.pos)
        self.i += 1

    def is_word(self, w, k=0):
        t = self.peek(k)
        return t.kind == "ident" and t.value == w

    def parse(self):
        if self.peek().kind == "eof":
            raise bad_query("Expression expected at position 0 in '%s'." % self.src)
        e = self.parse_or()
        if self.peek().kind != "eof":
            raise self.err()
        return e

    def parse_or(self):
        e = self.parse_and()
        while self.is_word("or"):
            self.i += 1
            e = ("or", e, self.parse_and())
        return e

    def parse_and(self):
        e = self.parse_unary()
        while self.is_word("and"):
            self.i += 1
            e = ("and", e, self.parse_unary())
        return e

    def parse_unary(self):
        if self.is_word("not"):
            self.i += 1
            return ("not", self.parse_unary())
        return self.parse_cmp()

    def parse_cmp(self):
        left = self.parse_term()
        t = self.peek()
        if t.kind == "ident" and t.value in OPS:
            self.i += 1
            if self.peek().kind == "eof":
                raise bad_query("Expression expected at position %d in '%s'." % (len(self.src), self.src))
            right = self.parse_term()
            return ("cmp", t.value, left, right)
        if t.kind == "ident" and t.value in ("add", "sub", "mul", "div", "mod", "has", "in"):
            raise bad_query("The '%s' operator is not supported at position %d in '%s'." % (t.value, t.pos, self.src))
        return left

    def parse_term(self):
        t = self.peek()
        if t.kind == "sym" and t.value == "(":
            self.i += 1
            e = self.parse_or()
            self.expect_sym(")")
            return e
        if t.kind in ("str", "num", "guid", "date", "datetime", "bool", "null", "array"):
            self.i += 1
            return ("lit", t.kind, t.value, t.text)
        if t.kind == "ident":
            if t.value.startswith("@"):
                self.i += 1
                if t.value not in self.aliases:
                    return ("lit", "null", None, "null")  # unset alias = null (spec section 4)
                sub = Parser(self.aliases[t.value], self.aliases)
                return sub.parse_term()
            nxt = self.peek(1)
            if nxt.kind == "sym" and nxt.value == "(":
                return self.parse_call()
            return self.parse_path()
        raise self.err(t.pos)

    def parse_path(self):
        parts = []
        while True:
            t = self.next()
            if t.kind != "ident":
                raise self.err(t.pos)
            parts.append(t.value)
            p = self.peek()
            if p.kind == "sym" and p.value == "/":
                self.i += 1
                nt = self.peek()
                if nt.kind == "ident" and nt.value in ("any", "all") and self.peek(1).kind == "sym" \
                        and self.peek(1).value == "(":
                    self.i += 2
                    if self.peek().kind == "sym" and self.peek().value == ")":
                        self.i += 1
                        return ("lambda", parts, nt.value, None, None)
                    var = self.next()
                    if var.kind != "ident":
                        raise self.err(var.pos)
                    self.expect_sym(":")
                    body = self.parse_or()
                    self.expect_sym(")")
                    return ("lambda", parts, nt.value, var.value, body)
                continue
            return ("prop", parts, t.pos)

    def parse_call(self):
        name_t = self.next()
        name = name_t.value
        self.expect_sym("(")
        if name.startswith("Microsoft.Dynamics.CRM."):
            params = {}
            while not (self.peek().kind == "sym" and self.peek().value == ")"):
                pn = self.next()
                if pn.kind != "ident":
                    raise self.err(pn.pos)
                self.expect_sym("=")
                pv = self.next()
                if pv.kind == "ident" and pv.value.startswith("@"):
                    alias_val = self.aliases.get(pv.value)
                    pv = tokenize(alias_val)[0] if alias_val else Tok("null", None, pv.pos)
                if pv.kind not in ("str", "num", "guid", "date", "datetime", "bool", "null", "array"):
                    raise self.err(pv.pos)
                params[pn.value] = pv
                if self.peek().kind == "sym" and self.peek().value == ",":
                    self.i += 1
            self.expect_sym(")")
            return ("dvfn", name[len("Microsoft.Dynamics.CRM."):], params, name_t.pos)
        args = []
        while True:
            args.append(self.parse_or())
            t = self.peek()
            if t.kind == "sym" and t.value == ",":
                self.i += 1
                continue
            self.expect_sym(")")
            break
        return ("call", name, args, name_t.pos)


# ----------------------------------------------------------------------------------------
# Translation to SQL
# ----------------------------------------------------------------------------------------

def norm_datetime(text):
    """Bare ISO date-time literal -> stored UTC text 'YYYY-MM-DDTHH:MM:SSZ'."""
    t = text
    if len(t) == 10:
        return t + "T00:00:00Z"
    if t.endswith("Z") or re.search(r"[+-]\d{2}:\d{2}$", t):
        pass
    else:
        t = t + "Z"
    t2 = t.replace("Z", "+00:00")
    if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]", t2):
        t2 = t2[:16] + ":00" + t2[16:]
    d = datetime.datetime.fromisoformat(t2)
    d = d.astimezone(datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def lit_edm(kind, text):
    if kind == "str":
        return "Edm.String"
    if kind == "num":
        if "e" in text.lower():
            return "Edm.Double"
        if "." in text:
            return "Edm.Decimal"
        v = int(text)
        return "Edm.Int32" if -2 ** 31 <= v < 2 ** 31 else "Edm.Int64"
    if kind == "guid":
        return "Edm.Guid"
    if kind == "date":
        return "Edm.Date"
    if kind == "datetime":
        return "Edm.DateTimeOffset"
    if kind == "bool":
        return "Edm.Boolean"
    return None


def lit_value(kind, value):
    if kind == "num":
        if "." in value or "e" in value.lower():
            return float(value)
        return int(value)
    if kind == "bool":
        return 1 if value else 0
    return value


class Ctx:
    """Translation context: entity, table alias and the values functions need."""

    def __init__(self, model, entity, alias, now, user_id, bu_id, src):
        self.model = model
        self.entity = entity
        self.alias = alias
        self.now = now
        self.user_id = user_id
        self.bu_id = bu_id
        self.src = src
        self.params = []
        self.vars = {}
        self.counter = [0]
        self.conditions = [0]

    def child(self, entity, alias):
        c = Ctx(self.model, entity, alias, self.now, self.user_id, self.bu_id, self.src)
        c.params = self.params
        c.vars = dict(self.vars)
        c.counter = self.counter
        c.conditions = self.conditions
        return c

    def new_alias(self):
        self.counter[0] += 1
        return "f%d" % self.counter[0]


class Operand:
    def __init__(self, sql, edm, attr=None, is_null=False, value=None, kind=None):
        self.sql = sql
        self.edm = edm
        self.attr = attr
        self.is_null = is_null
        self.value = value
        self.kind = kind


def resolve_prop(ctx, parts, pos=None):
    """A property path -> Operand (SQL expression over ctx.alias)."""
    entity = ctx.entity
    alias = ctx.alias
    if parts[0] in ctx.vars:
        entity, alias = ctx.vars[parts[0]]
        parts = parts[1:]
        if not parts:
            raise bad_query("Syntax error at position %d in '%s'." % (pos or 0, ctx.src))
    if len(parts) == 1:
        a = entity.odata_prop(parts[0])
        if a is None:
            if parts[0] == "$count":
                raise bad_query("The query parameter '$count' is not supported in this context.")
            raise unknown_property(parts[0], entity.name)
        return Operand('%s."%s"' % (alias, a.column), a.edm or "Edm.String", attr=a)
    # single-valued navigation path: nav/prop (nested)
    navs = entity.nav_props()
    if parts[0] not in navs:
        raise unknown_property(parts[0], entity.name)
    attr, target, _ = navs[parts[0]]
    te = ctx.model.by_name[target]
    sub_alias = ctx.new_alias()
    sub_ctx = ctx.child(te, sub_alias)
    inner = resolve_prop(sub_ctx, parts[1:], pos)
    sql = '(SELECT %s FROM "%s" %s WHERE %s."%s" = %s."%s")' % (
        inner.sql, te.name, sub_alias, sub_alias, te.pk, alias, attr.column)
    return Operand(sql, inner.edm, attr=inner.attr)


def operand(ctx, node):
    if node[0] == "prop":
        return resolve_prop(ctx, node[1], node[2])
    if node[0] == "lit":
        kind, value, text = node[1], node[2], node[3]
        if kind == "null":
            return Operand("NULL", None, is_null=True)
        return Operand(None, lit_edm(kind, text), value=value, kind=kind)
    raise bad_query("Syntax error at position 0 in '%s'." % ctx.src)


def coerce_literal(ctx, lit_op, prop_op, opname):
    """Bind a literal against a property type; incompatible types -> 400."""
    pe = prop_op.edm
    le = lit_op.edm
    ok = (le == pe or (le in NUMERIC and pe in NUMERIC)
          or (pe == "Edm.DateTimeOffset" and le in ("Edm.Date", "Edm.DateTimeOffset"))
          or (pe == "Edm.Date" and le in ("Edm.Date", "Edm.DateTimeOffset")))
    if not ok:
        raise bad_query("A binary operator with incompatible types was detected. Found operand "
                        "types '%s' and '%s' for operator kind '%s'." % (pe, le, OP_KIND.get(opname, opname)))
    v = lit_value(lit_op.kind, lit_op.value)
    if pe == "Edm.DateTimeOffset":
        v = norm_datetime(lit_op.value)
    elif pe == "Edm.Date":
        v = lit_op.value[:10]
    elif pe == "Edm.Guid":
        v = v.lower()
    ctx.params.append(v)
    return "?"


def count_condition(ctx):
    # Source: spec section 4: <=500 conditions per query -> 0x8004430C.
    ctx.conditions[0] += 1
    if ctx.conditions[0] > 500:
        raise DvError(400, "0x8004430C", "Number of conditions in query exceeded maximum limit.")


def compile_cmp(ctx, op, lnode, rnode):
    count_condition(ctx)
    l = operand(ctx, lnode)
    r = operand(ctx, rnode)
    sqlop = OPS[op]
    if l.is_null and r.is_null:
        return "(1)" if op == "eq" else "(0)"
    if r.is_null or l.is_null:
        p = l if r.is_null else r
        if p.sql is None:
            raise bad_query("Syntax error at position 0 in '%s'." % ctx.src)
        if op == "eq":
            return "(%s IS NULL)" % p.sql
        if op == "ne":
            return "(%s IS NOT NULL)" % p.sql
        return "(0)"
    # Text compares with the service's collation (collation.py: case- and accent-insensitive,
    # trailing blanks padded).
    coll = TEXT_COLLATE if "Edm.String" in (l.edm, r.edm) else ""
    if l.sql is not None and r.sql is not None:
        if l.edm != r.edm and not (l.edm in NUMERIC and r.edm in NUMERIC):
            raise bad_query("A binary operator with incompatible types was detected. Found operand "
                            "types '%s' and '%s' for operator kind '%s'." % (l.edm, r.edm, OP_KIND[op]))
        return "(%s %s %s%s)" % (l.sql, sqlop, r.sql, coll)
    if l.sql is None and r.sql is None:
        ctx.params.append(lit_value(l.kind, l.value))
        ctx.params.append(lit_value(r.kind, r.value))
        return "(? %s ?%s)" % (sqlop, coll)
    if l.sql is not None:
        ph = coerce_literal(ctx, r, l, op)
        return "(%s %s %s%s)" % (l.sql, sqlop, ph, coll)
    ph = coerce_literal(ctx, l, r, op)
    return "(%s %s %s%s)" % (ph, sqlop, r.sql, coll)


def compile_string_fn(ctx, name, args, pos):
    count_condition(ctx)
    if len(args) != 2:
        raise bad_query("No function signature for the function with name '%s' matches the specified arguments. "
                        "The function signatures considered are: %s(Edm.String Nullable=true, Edm.String Nullable=true)."
                        % (name, name))
    p = operand(ctx, args[0])
    v = operand(ctx, args[1])
    if p.sql is None or v.sql is not None or v.is_null or v.edm != "Edm.String" or p.edm != "Edm.String":
        raise bad_query("No function signature for the function with name '%s' matches the specified arguments. "
                        "The function signatures considered are: %s(Edm.String Nullable=true, Edm.String Nullable=true)."
                        % (name, name))
    val = v.value
    if name == "contains":
        pat = "%" + val + "%"
    elif name == "startswith":
        pat = val + "%"
    else:
        pat = "%" + val
    ctx.params.append(pat)
    # SQL Server LIKE under the service's collation (collation.like): case and accents
    # ignored, trailing blanks significant; SQLite's LIKE folds ASCII case only.
    return "(dv_svc_like(%s, ?) = 1)" % p.sql


def _day_start(d):
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


def _add_months(d, n):
    y, m = d.year, d.month - 1 + n
    y += m // 12
    m = m % 12 + 1
    return d.replace(year=y, month=m, day=1)


def _fmt(d):
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def date_range(fn, now, x):
    """[start, end) UTC for the relative date functions (user time zone = UTC)."""
    today = _day_start(now)
    D = datetime.timedelta
    if fn == "Today":
        return today, today + D(days=1)
    if fn == "Yesterday":
        return today - D(days=1), today
    if fn == "Tomorrow":
        return today + D(days=1), today + D(days=2)
    if fn in ("ThisWeek", "LastWeek", "NextWeek"):
        start = today - D(days=(today.weekday() + 1) % 7)  # weeks start on Sunday (en-US)
        off = {"ThisWeek": 0, "LastWeek": -7, "NextWeek": 7}[fn]
        return start + D(days=off), start + D(days=off + 7)
    if fn in ("ThisMonth", "LastMonth", "NextMonth"):
        first = today.replace(day=1)
        off = {"ThisMonth": 0, "LastMonth": -1, "NextMonth": 1}[fn]
        return _add_months(first, off), _add_months(first, off + 1)
    if fn in ("ThisYear", "LastYear", "NextYear"):
        off = {"ThisYear": 0, "LastYear": -1, "NextYear": 1}[fn]
        return today.replace(year=today.year + off, month=1, day=1), today.replace(year=today.year + off + 1, month=1, day=1)
    if fn == "Last7Days":
        return today - D(days=7), now + D(seconds=1)
    if fn == "Next7Days":
        return now, today + D(days=8)
    unit_days = {"Days": 1, "Weeks": 7}
    m = re.match(r"^(Last|Next|OlderThan)X(Hours|Days|Weeks|Months|Years|Minutes)$", fn)
    if m:
        kind, unit = m.groups()
        n = int(x)
        if unit in ("Hours", "Minutes"):
            delta = D(hours=n) if unit == "Hours" else D(minutes=n)
            if kind == "Last":
                return now - delta, now + D(seconds=1)
            if kind == "Next":
                return now, now + delta + D(seconds=1)
            return None, now - delta
        if unit in unit_days:
            delta = D(days=n * unit_days[unit])
            if kind == "Last":
                return today - delta, now + D(seconds=1)
            if kind == "Next":
                return now, today + delta + D(days=1)
            return None, now - delta
        months = n if unit == "Months" else 12 * n
        if kind == "Last":
            return _add_months(today, -months).replace(day=min(today.day, 28)), now + D(seconds=1)
        if kind == "Next":
            return now, _add_months(today, months).replace(day=min(today.day, 28)) + D(days=1)
        return None, _add_months(now, -months).replace(day=min(now.day, 28), hour=now.hour)
    return None


def compile_dvfn(ctx, name, params, pos):
    count_condition(ctx)
    pn = params.get("PropertyName")
    if pn is None or pn.kind != "str":
        raise bad_query("The PropertyName parameter is required for function 'Microsoft.Dynamics.CRM.%s'." % name)
    la = ctx.entity.by_name.get(pn.value)
    if la is not None and la.is_lookup and la.stored:
        # query functions name lookups by their logical name (PropertyName='ownerid')
        prop = Operand('%s."%s"' % (ctx.alias, la.column), "Edm.Guid", attr=la)
    else:
        prop = resolve_prop(ctx, [pn.value])
    a = prop.attr
    col = prop.sql

    def conv(text):
        if a.edm in ("Edm.Int32", "Edm.Int64"):
            try:
                return int(text)
            except ValueError:
                raise bad_query("The value '%s' is not valid for attribute '%s'." % (text, a.name))
        if a.edm in ("Edm.Decimal", "Edm.Double"):
            return float(text)
        if a.edm == "Edm.Boolean":
            return 1 if str(text).lower() in ("true", "1") else 0
        if a.edm == "Edm.Guid":
            return str(text).lower().strip("{}")
        if a.edm == "Edm.DateTimeOffset":
            return norm_datetime(str(text))
        if a.edm == "Edm.Date":
            return str(text)[:10]
        return text

    def values():
        pv = params.get("PropertyValues")
        if pv is None:
            raise bad_query("The PropertyValues parameter is required for function 'Microsoft.Dynamics.CRM.%s'." % name)
        if pv.kind == "array":
            return [conv(v) for v in pv.value]
        return [conv(pv.value)]

    def value():
        pv = params.get("PropertyValue")
        if pv is None:
            raise bad_query("The PropertyValue parameter is required for function 'Microsoft.Dynamics.CRM.%s'." % name)
        return pv.value

    coll = TEXT_COLLATE if a.edm == "Edm.String" else ""
    if name in ("In", "NotIn"):
        vals = values()
        ctx.params.extend(vals)
        return "(%s%s %s (%s))" % (col, coll, "IN" if name == "In" else "NOT IN",
                                   ", ".join("?" * len(vals)))
    if name in ("Between", "NotBetween"):
        vals = values()
        if len(vals) != 2:
            raise bad_query("The function 'Microsoft.Dynamics.CRM.%s' requires exactly two values." % name)
        ctx.params.extend(vals)
        return "(%s%s %s ? AND ?)" % (col, coll, "BETWEEN" if name == "Between" else "NOT BETWEEN")
    if name in ("On", "NotOn", "OnOrAfter", "OnOrBefore"):
        d = str(value())[:10]
        ctx.params.append(d)
        op = {"On": "=", "NotOn": "<>", "OnOrAfter": ">=", "OnOrBefore": "<="}[name]
        return "(substr(%s, 1, 10) %s ?)" % (col, op)
    if name in ("EqualUserId", "NotEqualUserId"):
        ctx.params.append(ctx.user_id)
        return "(%s %s ?)" % (col, "=" if name == "EqualUserId" else "<>")
    if name in ("EqualBusinessId", "NotEqualBusinessId"):
        ctx.params.append(ctx.bu_id)
        return "(%s %s ?)" % (col, "=" if name == "EqualBusinessId" else "<>")
    if name in ("EqualUserOrUserTeams", "EqualUserTeams"):
        ctx.params.append(ctx.user_id)
        return "(%s = ?)" % col
    if name in ("ContainValues", "DoesNotContainValues"):
        vals = values()
        ors = []
        for v in vals:
            ctx.params.append(str(v))
            ors.append("(',' || %s || ',' LIKE '%%,' || ? || ',%%')" % col)
        s = "(%s)" % " OR ".join(ors)
        return s if name == "ContainValues" else "(%s IS NULL OR NOT %s)" % (col, s)
    if name in ("Like", "NotLike", "BeginsWith", "EndsWith", "DoesNotBeginWith", "DoesNotEndWith"):
        raise bad_query("Resource not found for the segment 'Microsoft.Dynamics.CRM.%s'." % name)
    x = params.get("PropertyValue").value if "PropertyValue" in params else None
    rng = date_range(name, ctx.now, x) if (x is not None or not name.startswith(("Last", "Next", "OlderThan"))
                                            or name in ("LastWeek", "LastMonth", "LastYear", "NextWeek",
                                                        "NextMonth", "NextYear", "Last7Days", "Next7Days")) else None
    if rng is None:
        raise DvError(400, "0x80060888", "An unknown function with name 'Microsoft.Dynamics.CRM.%s' was found. "
                      "This may also be a function import or a key lookup on a navigation property, which is not allowed." % name)
    start, end = rng
    if a.edm == "Edm.Date":
        conds = []
        if start is not None:
            ctx.params.append(_fmt(start)[:10])
            conds.append("%s >= ?" % col)
        ctx.params.append(_fmt(end)[:10] if end.hour == 0 and end.minute == 0 and end.second == 0 else _fmt(end + datetime.timedelta(days=1))[:10])
        conds.append("%s < ?" % col)
        return "(%s)" % " AND ".join(conds)
    conds = []
    if start is not None:
        ctx.params.append(_fmt(start))
        conds.append("%s >= ?" % col)
    ctx.params.append(_fmt(end))
    conds.append("%s < ?" % col)
    return "(%s)" % " AND ".join(conds)


def compile_lambda(ctx, node):
    _, parts, kind, var, body = node
    entity = ctx.entity
    alias = ctx.alias
    if len(parts) > 1 or parts[0] in ctx.vars:
        raise bad_query("Lambda expressions are supported only on collection-valued navigation properties of the queried entity.")
    navname = parts[0]
    rel = None
    for r in ctx.model.one_to_many:
        if r["ReferencedEntity"] == entity.name and r["ReferencedEntityNavigationPropertyName"] == navname:
            rel = r
            break
    if rel is None:
        raise unknown_property(navname, entity.name)
    te = ctx.model.by_name[rel["ReferencingEntity"]]
    sub = ctx.new_alias()
    join = '%s."%s" = %s."%s"' % (sub, rel["ReferencingAttribute"], alias, entity.pk)
    if body is None:
        return '(EXISTS (SELECT 1 FROM "%s" %s WHERE %s))' % (te.name, sub, join)
    sctx = ctx.child(entity, alias)
    sctx.vars[var] = (te, sub)
    cond = compile_node(sctx, body)
    if kind == "any":
        if not re.search(r'(?<![A-Za-z0-9_"])%s\."' % re.escape(alias), cond):
            # a body that names only the member: a semi-join, which SQLite can start from
            # the members (as the service's optimiser does) instead of probing per row; a
            # NULL from IN is "no member" wherever it lands (not coalesces, WHERE drops it)
            return '(%s."%s" IN (SELECT %s."%s" FROM "%s" %s WHERE %s))' % (
                alias, entity.pk, sub, rel["ReferencingAttribute"], te.name, sub, cond)
        return '(EXISTS (SELECT 1 FROM "%s" %s WHERE %s AND %s))' % (te.name, sub, join, cond)
    return '(NOT EXISTS (SELECT 1 FROM "%s" %s WHERE %s AND NOT coalesce(%s, 0)))' % (te.name, sub, join, cond)


def _chain(node, k):
    """The operands of a left-deep chain of one operator, in order: a or b or c parses as
    (("or", ("or", a, b), c)); the service takes hundreds of terms (spec section 4), and
    nesting them in SQL would overflow SQLite's parser stack at about a hundred."""
    out = []
    while node[0] == k:
        out.append(node[2])
        node = node[1]
    out.append(node)
    return out[::-1]


def compile_node(ctx, node):
    k = node[0]
    if k in ("and", "or"):
        sep = " AND " if k == "and" else " OR "
        return "(%s)" % sep.join(compile_node(ctx, n) for n in _chain(node, k))
    if k == "not":
        return "(NOT coalesce(%s, 0))" % compile_node(ctx, node[1])
    if k == "cmp":
        return compile_cmp(ctx, node[1], node[2], node[3])
    if k == "call":
        name = node[1]
        if name in ("contains", "startswith", "endswith"):
            return compile_string_fn(ctx, name, node[2], node[3])
        raise bad_query("An unknown function with name '%s' was found. This may also be a function import "
                        "or a key lookup on a navigation property, which is not allowed." % name)
    if k == "dvfn":
        return compile_dvfn(ctx, node[1], node[2], node[3])
    if k == "lambda":
        return compile_lambda(ctx, node)
    if k == "prop":
        op = resolve_prop(ctx, node[1], node[2])
        if op.edm != "Edm.Boolean":
            raise bad_query("The $filter expression must evaluate to a single boolean value.")
        return "(%s = 1)" % op.sql
    if k == "lit" and node[1] == "bool":
        return "(1)" if node[2] else "(0)"
    raise bad_query("The $filter expression must evaluate to a single boolean value.")


def compile_filter(model, entity, alias, src, aliases, now, user_id, bu_id):
    """$filter text -> (sql, params)."""
    tree = Parser(src, aliases).parse()
    ctx = Ctx(model, entity, alias, now, user_id, bu_id, src)
    sql = compile_node(ctx, tree)
    return sql, ctx.params
