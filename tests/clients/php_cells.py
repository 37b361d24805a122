#!/usr/bin/env python3
"""tests/clients/php_cells.py - checks every cell PHP read through dvodbc
against the Dataverse Web API's own JSON for the same records.

Usage: php_cells.py EMU_URL ENTITYSET KEY PHP_JSON
       php_cells.py --query EMU_URL ENTITYSET ODATA_OPTIONS COL,COL,...
           (the second prints the service's rows as `v1|v2` lines)
PHP_JSON is what tests/clients/test_php.sh's PHP program printed:
{"columns": [{"name", "native_type"}...], "rows": [[cell...]...]} with every
cell a string (PDO_ODBC's default), null, or {"char": "..."} for binary data
read as SQL_C_CHAR (ODBC's binary-to-character conversion: two upper-case hex
digits a byte).

Each SQL column is matched to the JSON the service sends, by the rules of
docs/type-mapping.md: `x` -> property x; a lookup `x` -> `_x_value`; the
companion `xname` -> the FormattedValue annotation of x or _x_value, `xtype`
-> the lookuplogicalname annotation.  Values are compared by kind: text and
GUIDs exactly, numbers numerically (the driver prints decimals with the
column's scale), datetimes as `YYYY-MM-DD HH:MM:SS` UTC, booleans as 0/1,
images as their decoded bytes.  Prints the cells that differ (at most 3
per column), then "R rows x C columns checked".
"""
import base64
import json
import sys
import urllib.parse
import urllib.request

FV = "@OData.Community.Display.V1.FormattedValue"
LN = "@Microsoft.Dynamics.CRM.lookuplogicalname"


def token(emu):
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": "11111111-1111-1111-1111-111111111111",
        "client_secret": "dvemu-secret", "scope": emu + "/.default"}).encode()
    req = urllib.request.Request(emu + "/00000000-0000-0000-0000-00000000aaaa/oauth2/v2.0/token",
                                 data=form, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["access_token"]


def service_rows(emu, entity_set, key):
    tok = token(emu)
    url = "%s/api/data/v9.2/%s?$orderby=%s" % (emu, entity_set, key)
    rows = []
    while url:
        req = urllib.request.Request(url, headers={
            "Authorization": "Bearer " + tok, "Accept": "application/json",
            "Prefer": 'odata.include-annotations="*"'})
        with urllib.request.urlopen(req) as r:
            page = json.loads(r.read(), parse_float=str)
        rows.extend(page["value"])
        url = page.get("@odata.nextLink")
    return rows


def expected(rec, col):
    """(kind, value) the service holds for SQL column `col`, or None when no
    property of the record maps to it."""
    if col in rec:
        return rec[col]
    if "_%s_value" % col in rec:
        return rec["_%s_value" % col]
    for suffix, ann in (("name", FV), ("type", LN)):
        if col.endswith(suffix):
            base = col[:-len(suffix)]
            for prop in (base, "_%s_value" % base):
                if prop in rec:
                    return rec.get(prop + ann)
    raise KeyError(col)


def same(got, want):
    if want is None:
        return got is None
    if got is None:
        return False
    if isinstance(got, dict):  # binary read as SQL_C_CHAR: hex digits; the service sends base64
        return got["char"] == base64.b64decode(want).hex().upper()
    if isinstance(want, bool):
        return got == ("1" if want else "0")
    if isinstance(want, (int, float)) or (isinstance(want, str) and _is_number(want)
                                          and _is_number(got)):
        return float(got) == float(want)
    if isinstance(want, str) and len(want) == 20 and want[10] == "T" and want.endswith("Z"):
        return got == want[:10] + " " + want[11:19]
    return got == want


def _is_number(s):
    try:
        float(s)
        return True
    except (TypeError, ValueError):
        return False


def query(emu, entity_set, options, cols):
    """`v1|v2|...` lines of the service's answer to entity_set?options."""
    tok = token(emu)
    url = "%s/api/data/v9.2/%s?%s" % (emu, entity_set, options)
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + tok,
                                               "Accept": "application/json"})
    with urllib.request.urlopen(req) as r:
        page = json.loads(r.read(), parse_float=str)
    return "\n".join("|".join("NULL" if rec.get(c) is None else str(rec[c])
                              for c in cols.split(",")) for rec in page["value"])


def main():
    if sys.argv[1] == "--query":
        print(query(*sys.argv[2:6]))
        return 0
    emu, entity_set, key, path = sys.argv[1:5]
    with open(path) as f:
        php = json.load(f)
    want_rows = service_rows(emu, entity_set, key)
    names = [c["name"] for c in php["columns"]]
    out = []
    if len(php["rows"]) != len(want_rows):
        out.append("%d rows, the service holds %d" % (len(php["rows"]), len(want_rows)))
    # rows are matched by key, not by position: the service orders a GUID key
    # as SQL Server does (last byte group first), the SQL statement as text
    by_key = {str(rec[key]).lower(): rec for rec in want_rows}
    k = names.index(key) if key in names else None
    pairs = [(r, by_key.get(str(r[k]).lower()) if k is not None else None) for r in php["rows"]]
    if k is None or any(rec is None for _, rec in pairs):
        out.append("rows whose %s the service does not hold" % key)
        pairs = [p for p in pairs if p[1] is not None]
    for i, col in enumerate(names):
        bad = []
        for got_row, rec in pairs:
            try:
                want = expected(rec, col)
            except KeyError:
                bad.append("no service property maps to it")
                break
            if not same(got_row[i], want):
                bad.append("%s: got %r, service %r" % (rec[key], got_row[i], want))
        out.extend("column %s: %s" % (col, b) for b in bad[:3])
    out.append("%d rows x %d columns checked" % (len(want_rows), len(names)))
    print("\n".join(out))
    return 0

if __name__ == "__main__":
    sys.exit(main())
