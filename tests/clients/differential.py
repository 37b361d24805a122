"""differential.py - (run by test_differential.sh) the driver against a reference engine with the service's rules.

Owns: rows with mixed-case, accented, blank-padded and punctuated text inserted through the
emulator's Web API; a reference engine (Python's sqlite3) holding the same rows read straight
from the Web API, whose text compares with SVC, the service's collation written out here from
its documentation (not from the driver's or the emulator's code); and a table of statements,
each run through pyodbc + unixODBC + the driver and through the reference, compared row for
row (and in order where the statement orders), and for the functions, CAST and aggregate
statements type for type (the described SQL type of each column, flag "types=").  The
statements of two tables or more run again on a connection with JoinMemoryMB=0, where a side
read whole waits in SQLite's temporary store (the log must show some did).

The service's rules (docs/sql.md "Comparing text"): Dataverse's SQL Server collation for the
default language is _CI_AI (https://learn.microsoft.com/power-platform/admin/language-collations):
case-insensitive, accent-insensitive; SQL Server pads with blanks before comparing, except in
LIKE (https://learn.microsoft.com/sql/t-sql/language-elements/string-comparison-assignment).

ADDING A STATEMENT: append to STATEMENTS a tuple (sql, flags).  In sql, "{c}" marks where
the reference needs an explicit " COLLATE SVC" (after an expression, never after a bare
column: the reference's text columns are declared COLLATE SVC); the driver gets sql without
the marks and must compare the same way by itself.  Flags: "order=N" the first N columns
are the ORDER BY keys (their collation keys must come out in the same sequence; rows with
equal keys may come in any order), "fold" text cells compare by collation key (a GROUP BY or
DISTINCT may show any of the equal spellings), "ref=<sql>" a different reference statement.
"""

import datetime
import decimal
import json
import os
import re
import sqlite3
import sys
import tempfile
import unicodedata
import urllib.parse
import urllib.request

import pyodbc

EMU = os.environ["EMU_URL"]
API = EMU + "/api/data/v9.2/"

# ---- the service's comparison rule, from its documentation ----------------------------------

MARKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))


def is_mark(ch):
    cp = ord(ch)
    return unicodedata.category(ch) == "Mn" and any(a <= cp <= b for a, b in MARKS)


def fold(s):
    """Accents (combining diacritical marks after NFD) dropped, case folded per character."""
    out = []
    for ch in unicodedata.normalize("NFD", s):
        if is_mark(ch):
            continue
        f = ch.casefold()
        if len(f) != 1:
            f = ch.lower() if len(ch.lower()) == 1 else ch
        out.append(f)
    return "".join(out)


def svc_key(s):
    return fold(s).rstrip(" ")


def svc_collate(a, b):
    ka, kb = svc_key(a), svc_key(b)
    return (ka > kb) - (ka < kb)


def svc_like(pattern, value, escape=None):
    """SQL LIKE as the service runs it: % and _ over folded text, trailing blanks kept."""
    if pattern is None or value is None:
        return None
    rx, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape is not None and ch == escape and i + 1 < len(pattern):
            rx.append(re.escape(fold(pattern[i + 1])))
            i += 2
            continue
        rx.append(".*" if ch == "%" else "." if ch == "_" else re.escape(fold(ch)))
        i += 1
    return 1 if re.fullmatch("".join(rx), fold(value), re.S) else 0


def simple_case(fn):
    def f(s):
        if s is None:
            return None
        s = str(s)
        return "".join(c2 if len(c2 := fn(c)) == 1 else c for c in s)
    return f


# ---- data: rows the statements are about, inserted through the Web API ----------------------

ACCOUNTS = [
    ("élan", "London"), ("ÉLAN", "LONDON"), ("Elan", "london "), ("elan  ", "Londres"),
    ("Zürich Partners", "Zürich"), ("ZÜRICH PARTNERS", "ZÜRICH"), ("zurich partners ", "Zurich"),
    ("São Paulo Trading", "São Paulo"), ("SAO PAULO TRADING", "SAO PAULO"),
    ("O'Brien & Co", "Dublin"), ("o'brien & co", "DUBLIN"), ("A+B #1", "Paris"),
    ("100% Pure; Ltd", "Paris"), ("Slash/Back\\slash", "Paris"), ("Ærø Fish", "Ærøskøbing"),
    ("straße", "Köln"), ("STRASSE", "KOLN"), ("Łódź Works", "Łódź"), ("Lodz Works", "Lodz"),
    ("Ωmega", "Αθήνα"), ("ωMEGA", "ΑΘΗΝΑ"), ("МОСКВА ТРЕЙД", "Москва"), ("москва трейд", "МОСКВА"),
    ("  leading", None), ("Crème Brûlée", "Montréal"), ("CREME BRULEE", "MONTREAL"),
]
CONTACTS = [
    ("José", "Núñez", "Zürich", 4), ("JOSE", "NUNEZ", "zurich", 5), ("jose ", "nunez", "ZURICH ", 0),
    ("Zoë", "Brontë", "London", 1), ("ZOE", "BRONTE", "LONDON", 9), ("Ana", "Łukasz", "Łódź", 17),
    ("Émile", "Zola", "Paris", 11), ("emile", "ZOLA", "paris", 12), ("Olga", "Иванова", "Москва", 21),
]


def http(method, url, body=None, token=None):
    hdrs = {"Accept": "application/json", "OData-Version": "4.0", "OData-MaxVersion": "4.0"}
    data = None
    if token:
        hdrs["Authorization"] = "Bearer " + token
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
        hdrs["Prefer"] = "return=representation"
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def token():
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": "11111111-1111-1111-1111-111111111111",
        "client_secret": "dvemu-secret", "scope": EMU + "/.default"}).encode()
    req = urllib.request.Request(EMU + "/00000000-0000-0000-0000-00000000aaaa/oauth2/v2.0/token",
                                 data=form, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["access_token"]


def insert_rows(tok):
    ids = []
    for name, city in ACCOUNTS:
        r = http("POST", API + "accounts", {"name": name, "address1_city": city}, tok)
        ids.append(r["accountid"])
    for first, last, city, acc in CONTACTS:
        http("POST", API + "contacts", {
            "firstname": first, "lastname": last, "address1_city": city,
            "parentcustomerid_account@odata.bind": "/accounts(%s)" % ids[acc]}, tok)


def read_all(tok, url):
    rows = []
    while url:
        body = http("GET", url, token=tok)
        rows += body["value"]
        url = body.get("@odata.nextLink")
    return rows


TABLES = {
    "account": ("accounts", ["accountid", "name", "address1_city", "accountnumber", "statecode",
                             "numberofemployees", "industrycode"], {"name", "address1_city",
                                                                   "accountnumber", "accountid"}),
    "contact": ("contacts", ["contactid", "fullname", "firstname", "lastname", "address1_city",
                             "_parentcustomerid_value"], {"fullname", "firstname", "lastname",
                                                          "address1_city", "contactid",
                                                          "_parentcustomerid_value"}),
}


def reference(tok):
    db = sqlite3.connect(":memory:")
    db.create_collation("SVC", svc_collate)
    db.create_function("like", 2, svc_like, deterministic=True)
    db.create_function("like", 3, svc_like, deterministic=True)
    db.create_function("upper", 1, simple_case(str.upper), deterministic=True)
    db.create_function("lower", 1, simple_case(str.lower), deterministic=True)
    for table, (eset, cols, text) in TABLES.items():
        decl = ", ".join('"%s"%s' % (c[1:-len("_value")] if c.startswith("_") else c,
                                      " TEXT COLLATE SVC" if c in text else "") for c in cols)
        db.execute("CREATE TABLE %s (%s)" % (table, decl))
        rows = read_all(tok, API + eset + "?$select=" + ",".join(c for c in cols))
        db.executemany("INSERT INTO %s VALUES (%s)" % (table, ",".join("?" * len(cols))),
                       [[r.get(c) for c in cols] for r in rows])
    return db


# ---- the statements ---------------------------------------------------------------------------
# Expressions over account text whose value keeps the text (so it must compare like the column).
EXPRS = [
    "TRIM(name)", "name || ''", "'' || name", "COALESCE(name, '')", "UPPER(name)", "LOWER(name)",
    "{fn UCASE(name)}", "{fn LCASE(name)}", "CASE WHEN statecode >= 0 THEN name END",
    "IFNULL(name, 'none')", "SUBSTR(name, 1, 200)", "RTRIM(name)", "CAST(name AS TEXT)",
]
CITY_EXPRS = ["TRIM(address1_city)", "address1_city || ''", "COALESCE(address1_city, '')",
              "UPPER(address1_city)", "LOWER(address1_city)",
              "CASE WHEN address1_city IS NULL THEN '' ELSE address1_city END"]
NAMES = ["élan", "ELAN", "Elan  ", "zurich partners", "ZÜRICH PARTNERS", "sao paulo trading",
         "o'brien & co", "crème brûlée", "ωmega", "Москва трейд"]
CITIES = ["LONDON", "zürich", "Sao Paulo", "dublin ", "köln", "montreal", "αθηνα", "москва"]


def q(s):
    return s.replace("'", "''")


STATEMENTS = []
for e in EXPRS:
    for n in NAMES[:6]:
        STATEMENTS.append(("SELECT name FROM account WHERE %s{c} = '%s'" % (e, q(n)), ""))
    STATEMENTS.append(("SELECT name FROM account WHERE %s{c} <> 'ELAN' AND name LIKE '%%an%%'" % e, ""))
    STATEMENTS.append(("SELECT name FROM account WHERE %s{c} IN ('zurich partners', 'SÃO PAULO TRADING')" % e, ""))
    STATEMENTS.append(("SELECT name, %s FROM account WHERE %s{c} > 'e' AND %s{c} < 'f'" % (e, e, e), ""))
    STATEMENTS.append(("SELECT COUNT(*) FROM (SELECT DISTINCT %s{c} FROM account)" % e, ""))
    STATEMENTS.append(("SELECT %s, COUNT(*) FROM account GROUP BY %s{c} HAVING COUNT(*) > 1" % (e, e), "fold"))
    STATEMENTS.append(("SELECT %s FROM account WHERE name LIKE '%%e%%' ORDER BY %s{c}, accountid" % (e, e),
                       "order=1"))
for e in CITY_EXPRS:
    for c in CITIES:
        STATEMENTS.append(("SELECT name FROM account WHERE %s{c} = '%s'" % (e, q(c)), ""))
    STATEMENTS.append(("SELECT %s, COUNT(*) FROM account GROUP BY %s{c}" % (e, e), "fold"))
    STATEMENTS.append(("SELECT MIN(%s{c}), MAX(%s{c}) FROM account WHERE address1_city LIKE '%%o%%'"
                       % (e, e), "fold"))
STATEMENTS += [
    # bare columns: pushed to the service or compared locally, the same answer
    ("SELECT name FROM account WHERE name = 'élan'", ""),
    ("SELECT name FROM account WHERE name <> 'élan' AND name LIKE '%lan%'", ""),
    ("SELECT name FROM account WHERE name = 'ELAN'", ""),
    ("SELECT name FROM account WHERE address1_city = 'LONDON'", ""),
    ("SELECT name FROM account WHERE address1_city = 'zurich'", ""),
    ("SELECT name FROM account WHERE address1_city IN ('köln', 'MONTRÉAL', 'lodz')", ""),
    ("SELECT name FROM account WHERE name LIKE 'él%'", ""),
    # no wildcard: sent as eq (which ignores trailing blanks), checked again as LIKE
    ("SELECT name FROM account WHERE name LIKE 'elan'", ""),
    ("SELECT name FROM account WHERE name LIKE 'elan  '", ""),
    ("SELECT name FROM account WHERE name LIKE '%PARTNERS'", ""),
    ("SELECT name FROM account WHERE name LIKE '%ÜRI%'", ""),
    ("SELECT name FROM account WHERE name LIKE '%[%'", ""),
    ("SELECT name FROM account WHERE name LIKE '100!%%' ESCAPE '!'", ""),
    ("SELECT name FROM account WHERE name LIKE '%&%'", ""),
    ("SELECT name FROM account WHERE name LIKE '%#%' OR name LIKE '%;%' OR name LIKE '%/%'", ""),
    ("SELECT name FROM account WHERE name LIKE '%\\%'", ""),
    ("SELECT name FROM account WHERE name > 'e' AND name < 'f'", ""),
    ("SELECT name FROM account WHERE name BETWEEN 'São' AND 'SAP'", ""),
    ("SELECT name FROM account WHERE name = ? ", "param=ÉLAN"),
    ("SELECT name FROM account WHERE name LIKE ?", "param=%ürich%"),
    ("SELECT name FROM account WHERE UPPER(name){c} = ?", "param=zurich partners"),
    ("SELECT name FROM account WHERE name || '' LIKE ?", "param=É%"),
    ("SELECT address1_city, COUNT(*) FROM account GROUP BY address1_city", "fold"),
    ("SELECT DISTINCT address1_city FROM account WHERE address1_city LIKE '%o%'", "fold"),
    ("SELECT MIN(name), MAX(name) FROM account WHERE name LIKE '%a%'", "fold"),
    # one MIN or MAX of text alone: sent as $orderby + $top=1
    ("SELECT MAX(name) FROM account WHERE name LIKE '%a%'", "fold"),
    ("SELECT MIN(address1_city) FROM account", "fold"),
    ("SELECT MAX(address1_city) FROM account WHERE statecode = 0 OR address1_city LIKE '%o%'", "fold"),
    ("SELECT name FROM account WHERE name LIKE '%e%' ORDER BY name, accountid", "order=1"),
    ("SELECT name FROM account WHERE name LIKE '%e%' ORDER BY name DESC, accountid", "order=1"),
    ("SELECT address1_city FROM account WHERE address1_city LIKE '%o%' ORDER BY 1", "order=1"),
    # UPPER / LOWER / UCASE / LCASE are Unicode
    ("SELECT {fn UCASE('José Zürich')}, LOWER('ÉCOLE'), UPPER('straße'), LOWER('ΑΘΗΝΑ')",
     "ref=SELECT upper('José Zürich'), lower('ÉCOLE'), upper('straße'), lower('ΑΘΗΝΑ')"),
    ("SELECT name, UPPER(name), LOWER(name) FROM account WHERE name LIKE '%a%'", ""),
    ("SELECT UPPER(address1_city) FROM account WHERE UPPER(address1_city){c} = 'ZÜRICH'", ""),
    # literals and parameters compared with each other
    ("SELECT 'a' = 'A', 'é' = 'E', 'x ' = 'X', 'a' < 'B'", "ref=SELECT 'a' = 'A' COLLATE SVC, "
     "'é' = 'E' COLLATE SVC, 'x ' = 'X' COLLATE SVC, 'a' < 'B' COLLATE SVC"),
    ("SELECT CASE 'élan' WHEN 'ELAN' THEN 1 ELSE 0 END", "ref=SELECT CASE 'élan' COLLATE SVC WHEN "
     "'ELAN' THEN 1 ELSE 0 END"),
    # joins
    ("SELECT a.name, c.lastname FROM account a JOIN contact c ON c.parentcustomerid = a.accountid "
     "WHERE c.lastname = 'nunez'", ""),
    ("SELECT a.name, c.lastname FROM account a JOIN contact c ON a.address1_city = c.address1_city", ""),
    ("SELECT a.name, c.lastname FROM account a JOIN contact c ON UPPER(a.address1_city){c} = "
     "LOWER(c.address1_city)", ""),
    ("SELECT a.name, c.lastname FROM account a JOIN contact c ON TRIM(a.address1_city){c} = "
     "c.address1_city || ''", ""),
    ("SELECT a.name, b.name FROM account a JOIN account b ON a.name || ''{c} = b.name AND "
     "a.accountid < b.accountid", ""),
    ("SELECT a.name, b.name FROM account a JOIN account b ON LOWER(a.name){c} = UPPER(b.name) "
     "AND a.accountid <> b.accountid", ""),
    ("SELECT c.firstname FROM contact c WHERE c.address1_city IN (SELECT UPPER(address1_city) "
     "FROM account WHERE name LIKE 'zurich%')", "ref=SELECT c.firstname FROM contact c WHERE "
     "c.address1_city IN (SELECT UPPER(address1_city) FROM account WHERE name LIKE 'zurich%')"),
    ("SELECT c.firstname FROM contact c WHERE EXISTS (SELECT 1 FROM account a WHERE "
     "TRIM(a.address1_city){c} = c.address1_city)", ""),
    # text inside a subquery along a relationship: sent as a lambda, decided by the service
    ("SELECT a.name FROM account a WHERE EXISTS (SELECT 1 FROM contact c WHERE "
     "c.parentcustomerid = a.accountid AND c.lastname = 'nunez')", ""),
    ("SELECT a.name FROM account a WHERE NOT EXISTS (SELECT 1 FROM contact c WHERE "
     "c.parentcustomerid = a.accountid AND c.lastname IN ('bronte', 'ZOLA ', 'łukasz'))", ""),
    ("SELECT name FROM account WHERE accountid IN (SELECT parentcustomerid FROM contact "
     "WHERE address1_city = 'zurich' AND firstname <> 'JOSE')", ""),
    ("SELECT fullname FROM contact WHERE parentcustomerid IN (SELECT accountid FROM account "
     "WHERE address1_city = 'ZÜRICH')", ""),
    # set operations
    ("SELECT name FROM account UNION SELECT lastname FROM contact", "fold"),
    ("SELECT UPPER(name){c} FROM account UNION SELECT LOWER(lastname) FROM contact", "fold"),
    ("SELECT TRIM(address1_city){c} FROM account INTERSECT SELECT address1_city || '' FROM contact",
     "fold"),
    ("SELECT address1_city || ''{c} FROM account EXCEPT SELECT UPPER(address1_city) FROM contact",
     "fold"),
    ("SELECT address1_city FROM account INTERSECT SELECT address1_city FROM contact", "fold"),
    ("SELECT COUNT(*) FROM (SELECT LOWER(name){c} FROM account UNION ALL SELECT name FROM account)", ""),
    ("SELECT x FROM (SELECT UPPER(name) AS x FROM account UNION SELECT LOWER(fullname) FROM contact) "
     "WHERE x LIKE '%a%' ORDER BY 1", "fold order=1 ref=SELECT x FROM (SELECT UPPER(name) COLLATE SVC "
     "AS x FROM account UNION SELECT LOWER(fullname) FROM contact) WHERE x LIKE '%a%' ORDER BY 1"),
    # aggregates over expressions
    ("SELECT COUNT(DISTINCT UPPER(name){c}) FROM account", ""),
    ("SELECT COUNT(DISTINCT address1_city) FROM account", ""),
    ("SELECT MAX(name || ''{c}) = 'ZURICH PARTNERS' FROM account WHERE name LIKE 'z%'",
     "ref=SELECT MAX(name || '' COLLATE SVC) = 'ZURICH PARTNERS' COLLATE SVC FROM account "
     "WHERE name LIKE 'z%'"),
    ("SELECT statecode FROM account GROUP BY statecode HAVING MIN(name) = '  leading'",
     "ref=SELECT statecode FROM account GROUP BY statecode HAVING MIN(name) = '  leading' COLLATE SVC"),
    ("SELECT NULLIF(name, 'ELAN') FROM account WHERE name LIKE '%lan%'",
     "ref=SELECT NULLIF(name, 'ELAN' COLLATE SVC) FROM account WHERE name LIKE '%lan%'"),
]


# ---- functions, CAST and result types (issue 10, second part) -------------------------------
# "types=a,b": the Python classes pyodbc gives for the described SQL types of the result's
# columns (int: INTEGER/BIGINT, Decimal: DECIMAL/NUMERIC, float: DOUBLE, str: text, date:
# SQL_TYPE_DATE, datetime: SQL_TYPE_TIMESTAMP): each statement is checked type for type too.
STATEMENTS += [
    ("SELECT COUNT(*) FROM account", "types=int"),
    ("SELECT SUM(numberofemployees) FROM account", "types=int"),
    ("SELECT COUNT(*), SUM(statecode) FROM account GROUP BY address1_city", "fold types=int,int"),
    ("SELECT COUNT(*) FROM (SELECT name FROM account WHERE name LIKE '%a%')", "types=int"),
    ("SELECT {fn ROUND(1234.5678, -2)}", "ref=SELECT 1200"),
    ("SELECT {fn ROUND(2.675, 2)}", "ref=SELECT 2.68"),
    ("SELECT {fn TRUNCATE(1234.5678, 2)}", "ref=SELECT 1234.56"),
    ("SELECT CAST(1234.5678 AS DECIMAL(10,2))", "types=Decimal ref=SELECT 1234.57"),
    ("SELECT CAST(2.675 AS DECIMAL(10,2))", "types=Decimal ref=SELECT 2.68"),
    ("SELECT CAST(name AS VARCHAR(5)) FROM account", "types=str ref=SELECT substr(name, 1, 5) "
     "FROM account"),
    ("SELECT CAST(numberofemployees AS VARCHAR(3)) FROM account",
     "types=str ref=SELECT substr(CAST(numberofemployees AS TEXT), 1, 3) FROM account"),
    ("SELECT CAST(statecode AS CHAR(3)) FROM account",
     "types=str ref=SELECT substr(statecode || '   ', 1, 3) FROM account"),
    ("SELECT CAST('2024-02-29' AS DATE)", "types=date ref=SELECT '2024-02-29'"),
    ("SELECT CAST('2024-02-29 13:14:15' AS TIMESTAMP)",
     "types=datetime ref=SELECT '2024-02-29 13:14:15'"),
    ("SELECT {fn CONVERT(numberofemployees, SQL_VARCHAR)} FROM account",
     "types=str ref=SELECT CAST(numberofemployees AS TEXT) FROM account"),
    ("SELECT {fn CONVERT('42', SQL_INTEGER)}", "types=int ref=SELECT 42"),
    ("SELECT {fn LENGTH(name)} FROM account", "types=int ref=SELECT length(rtrim(name, ' ')) "
     "FROM account"),
    ("SELECT {fn CONCAT(name, address1_city)} FROM account",
     "types=str ref=SELECT name || address1_city FROM account"),
    ("SELECT {fn LEFT(name, 3)}, {fn RIGHT(name, 2)} FROM account",
     "types=str,str ref=SELECT substr(name, 1, 3), substr(name, -2) FROM account"),
    ("SELECT {fn SUBSTRING(name, 2, 3)} FROM account",
     "types=str ref=SELECT substr(name, 2, 3) FROM account"),
    ("SELECT {fn LOCATE('a', name)} FROM account", "types=int ref=SELECT instr(name, 'a') "
     "FROM account"),
    ("SELECT {fn LOCATE('a', name, 3)} FROM account",
     "types=int ref=SELECT CASE WHEN instr(substr(name, 3), 'a') > 0 THEN instr(substr(name, 3), "
     "'a') + 2 ELSE 0 END FROM account"),
    ("SELECT {fn LTRIM(name)}, {fn RTRIM(name)} FROM account",
     "types=str,str ref=SELECT ltrim(name, ' '), rtrim(name, ' ') FROM account"),
    ("SELECT {fn REPEAT('ab', 3)}, {fn SPACE(3)} || 'x'", "types=str,str ref=SELECT 'ababab', '   x'"),
    ("SELECT {fn ASCII('A')}, {fn CHAR(66)}", "types=int,str ref=SELECT 65, 'B'"),
    ("SELECT {fn INSERT('abcdef', 2, 3, 'XY')}", "types=str ref=SELECT 'aXYef'"),
    ("SELECT {fn BIT_LENGTH('abc')}, {fn OCTET_LENGTH('abc')}, {fn CHAR_LENGTH('abc')}",
     "ref=SELECT 24, 3, 3"),
    ("SELECT {fn LCASE('ÀÉÎ')}, {fn UCASE('àéî')}", "types=str,str ref=SELECT 'àéî', 'ÀÉÎ'"),
    ("SELECT {fn ABS(numberofemployees - 100)} FROM account",
     "types=int ref=SELECT abs(numberofemployees - 100) FROM account"),
    ("SELECT {fn MOD(numberofemployees, 7)} FROM account",
     "types=int ref=SELECT numberofemployees % 7 FROM account"),
    ("SELECT {fn SIGN(-5)}, {fn SIGN(0)}, {fn SIGN(3)}", "ref=SELECT -1, 0, 1"),
    ("SELECT {fn POWER(2, 10)}, {fn SQRT(16)}", "ref=SELECT 1024, 4"),
    ("SELECT {fn TIMESTAMPADD(SQL_TSI_DAY, 1, {ts '2024-02-28 10:00:00'})}",
     "types=datetime ref=SELECT '2024-02-29 10:00:00'"),
    ("SELECT {fn TIMESTAMPADD(SQL_TSI_MONTH, 1, {ts '2024-01-31 00:00:00'})}",
     "types=datetime ref=SELECT '2024-02-29 00:00:00'"),
    ("SELECT {fn TIMESTAMPDIFF(SQL_TSI_DAY, {d '2024-01-01'}, {d '2024-03-01'})}",
     "types=int ref=SELECT 60"),
    ("SELECT {fn YEAR({d '2024-05-06'})}, {fn MONTH({d '2024-05-06'})}, "
     "{fn DAYOFMONTH({d '2024-05-06'})}", "types=int,int,int ref=SELECT 2024, 5, 6"),
    ("SELECT {fn DAYNAME({d '2024-05-06'})}, {fn MONTHNAME({d '2024-05-06'})}",
     "types=str,str ref=SELECT 'Monday', 'May'"),
    ("SELECT {fn QUARTER({d '2024-05-06'})}, {fn DAYOFWEEK({d '2024-05-06'})}, "
     "{fn DAYOFYEAR({d '2024-02-01'})}", "types=int,int,int ref=SELECT 2, 2, 32"),
    ("SELECT COALESCE(numberofemployees, -1) FROM account",
     "types=int ref=SELECT COALESCE(numberofemployees, -1) FROM account"),
    ("SELECT CASE WHEN numberofemployees > 100 THEN 'big' ELSE 'small' END FROM account",
     "types=str ref=SELECT CASE WHEN numberofemployees > 100 THEN 'big' ELSE 'small' END FROM account"),
    ("SELECT numberofemployees * 2 FROM account", "types=int"),
    ("SELECT {fn IFNULL(address1_city, 'none')} FROM account",
     "types=str ref=SELECT IFNULL(address1_city, 'none') FROM account"),
    ("SELECT {fn UCASE(address1_city)} FROM account", "types=str"),
    ("SELECT MIN(numberofemployees), MAX(numberofemployees) FROM account", "types=int,int"),
    ("SELECT statecode, COUNT(*) FROM account GROUP BY statecode", "types=int,int"),
]


def driver_sql(sql):
    return sql.replace("{c}", "")


def ref_sql(sql, flags):
    m = re.search(r"\bref=(.*)$", flags)
    if m:
        return m.group(1)
    sql = sql.replace("{c}", " COLLATE SVC")
    sql = re.sub(r"\{fn UCASE\(([^()]*)\)\}", r"upper(\1)", sql)
    return re.sub(r"\{fn LCASE\(([^()]*)\)\}", r"lower(\1)", sql)


def norm(v, folded):
    if isinstance(v, (datetime.date, datetime.datetime)):
        v = v.isoformat(sep=" ") if isinstance(v, datetime.datetime) else v.isoformat()
    if isinstance(v, decimal.Decimal):
        v = float(v)
    if isinstance(v, bool):
        v = int(v)
    if folded and isinstance(v, str):
        return svc_key(v)
    return v


def sort_key(row):
    return [(x is None, str(type(x)), x if x is not None else 0) for x in row]


def compare(got, want, flags):
    folded = "fold" in flags.split()
    g = [tuple(norm(v, folded) for v in r) for r in got]
    w = [tuple(norm(v, folded) for v in r) for r in want]
    m = re.search(r"\border=(\d+)", flags)
    if m:
        n = int(m.group(1))
        okey = lambda r: [svc_key(x) if isinstance(x, str) else x for x in r[:n]]
        if [okey(r) for r in g] != [okey(r) for r in w]:
            return "order differs"
    if sorted(g, key=sort_key) != sorted(w, key=sort_key):
        return "rows differ"
    return None


def run_one(cur, ref, n, sql, flags, label=""):
    """Runs one statement through the driver and the reference: 1 if they differ."""
    dsql = driver_sql(sql)
    params = []
    m = re.search(r"\bparam=(.*)$", flags)
    if m:
        params = [m.group(1)]
        flags = flags[:m.start()]
    types = None
    try:
        got = [tuple(r) for r in cur.execute(dsql, *params).fetchall()]
        types = [d[1].__name__ for d in cur.description]
    except pyodbc.Error as e:
        got = "error: %s" % (e,)
    want = [tuple(r) for r in ref.execute(ref_sql(sql, flags), params).fetchall()]
    why = "driver failed" if isinstance(got, str) else compare(got, want, flags)
    mt = re.search(r"\btypes=(\S+)", flags)
    if not why and mt and types != mt.group(1).split(","):
        why = "types differ: described %s, want %s" % (",".join(types), mt.group(1))
    if why:
        print("not ok %d - %s%s" % (n, dsql, label))
        print("#   %s" % why)
        print("#   driver:    %r" % (got if isinstance(got, str) else sorted(got, key=sort_key)[:12],))
        print("#   reference: %r" % (sorted(want, key=sort_key)[:12],))
        return 1
    print("ok %d - %s%s (%d rows)" % (n, dsql, label, len(want)))
    return 0


# Statements of two tables or more run again with JoinMemoryMB=0: a side
# read whole is then looked up in SQLite's temporary store (vtab.c SPILL),
# whose key hashes must find the same rows under the service's rules.
TWO_TABLES = re.compile(r"\bJOIN\b|\bEXISTS\b|\bIN \(SELECT\b", re.I)


def main():
    tok = token()
    insert_rows(tok)
    ref = reference(tok)
    cn = pyodbc.connect("DSN=dvtest", autocommit=True)
    cur = cn.cursor()
    n = failed = 0
    for sql, flags in STATEMENTS:
        n += 1
        failed += run_one(cur, ref, n, sql, flags)
    fd, log = tempfile.mkstemp(prefix="dvdiff.", suffix=".log")
    os.close(fd)
    stored = pyodbc.connect("DSN=dvtest;JoinMemoryMB=0;LogFile=%s;Verbosity=3" % log,
                            autocommit=True)
    for sql, flags in STATEMENTS:
        if TWO_TABLES.search(sql):
            n += 1
            failed += run_one(stored.cursor(), ref, n, sql, flags, " [JoinMemoryMB=0]")
    stored.close()
    with open(log, encoding="utf-8", errors="replace") as f:
        spills = sum("in the temporary store" in line for line in f)
    os.unlink(log)
    n += 1
    if spills >= 3:
        print("ok %d - JoinMemoryMB=0: %d sides went to the temporary store" % (n, spills))
    else:
        failed += 1
        print("not ok %d - JoinMemoryMB=0: only %d sides went to the temporary store" % (n, spills))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
