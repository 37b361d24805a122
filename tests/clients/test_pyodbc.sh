#!/bin/bash
# tests/clients/test_pyodbc.sh - pyodbc (Debian's python3-pyodbc) through
# unixODBC: tables, columns, parameters, a join, an aggregate, errors, and a
# 100,000-row fetch with every row accounted for.
. "$top_srcdir/tests/clients/lib.sh"
start_emu --rows 100000 --seed 1
write_ini
/usr/bin/python3 - <<'PY'
import os, sys
import pyodbc

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "clients"))
from pytap import ok, eq, done

# the keys SQLAlchemy's mssql+pyodbc URL adds are ignored with 01S00 (a warning)
sa = pyodbc.connect("DSN=dvtest;Server=x;Database=crm;Trusted_Connection=Yes", autocommit=True)
eq(sa.cursor().execute("SELECT count(*) FROM account WHERE accountnumber = 'A-000001'")
   .fetchone()[0], 1, "Trusted_Connection, Server, Database: connected")
sa.close()

cn = pyodbc.connect("DSN=dvtest", autocommit=True)
cur = cn.cursor()
tables = [t.table_name for t in cur.tables(tableType="TABLE")]
eq([t for t in tables if t in ("account", "contact", "new_project")],
   ["account", "contact", "new_project"], "SQLTables lists the entities")
cols = {c.column_name: (c.type_name, c.data_type) for c in cur.columns(table="account")}
eq(cols.get("name"), ("nvarchar", -9), "SQLColumnsW: account.name is nvarchar")
eq(cols.get("accountid"), ("uniqueidentifier", -11), "SQLColumnsW: accountid is uniqueidentifier")
eq(cols.get("createdon"), ("datetime", 93), "SQLColumnsW: createdon is a timestamp")

cur.execute("SELECT name, accountnumber FROM account WHERE accountnumber = ?", "A-000001")
eq([tuple(r) for r in cur.fetchall()], [("Alpine Ski GmbH 1", "A-000001")], "parameter marker")
eq([d[0] for d in cur.description], ["name", "accountnumber"], "description names")

cur.execute("SELECT statuscodename, count(*) FROM account GROUP BY statuscodename ORDER BY 1")
rows = [tuple(r) for r in cur.fetchall()]
eq([r[0] for r in rows], ["Active", "Inactive"], "aggregate groups")
eq(sum(r[1] for r in rows), 100000, "aggregate counts add up to every account")

cur.execute("SELECT count(*), min(c.fullname) FROM account a JOIN contact c "
            "ON c.parentcustomerid = a.accountid WHERE a.accountnumber = ?", "A-052696")
eq(tuple(cur.fetchone()), (7, "Donna Miller"), "join along parentcustomerid")

try:
    cur.execute("SELECT nosuch FROM account")
    ok(False, "unknown column raises")
except pyodbc.Error as e:
    eq(e.args[0], "42S22", "unknown column -> 42S22")

cur.execute("SELECT accountid, name, revenue, createdon FROM account")
seen = set()
count = 0
while True:
    batch = cur.fetchmany(5000)
    if not batch:
        break
    for r in batch:
        seen.add(r[0])
        count += 1
eq(count, 100000, "100,000 rows fetched")
eq(len(seen), 100000, "no row repeated")
done()
PY
status=$?
pages=$(emu_requests | grep -c '^GET /api/data/v9.2/accounts?\$select=accountid,name,revenue,createdon')
echo "# pages requested for the 100,000-row fetch: $pages"
exit $status
