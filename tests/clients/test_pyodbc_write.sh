#!/bin/bash
# tests/clients/test_pyodbc_write.sh - pyodbc writes through unixODBC: an
# executemany of 10,000 rows with cursor.fast_executemany (parameter arrays:
# SQL_ATTR_PARAMSET_SIZE, row-wise binding) into contact, counted back with
# SELECT, and the emulator's request log showing they went as $batch
# requests of at most 1000 operations (about 10), with no row sent alone.
# Skipped until the emulator answers $batch.
. "$top_srcdir/tests/clients/lib.sh"
start_emu --rows 20 --seed 1
write_ini
export EMU_URL
/usr/bin/python3 - <<'PY'
import json, os, pyodbc, sys, urllib.request

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "clients"))
from pytap import ok, eq, done

def requests_log():
    with urllib.request.urlopen(os.environ["EMU_URL"] + "/_emu/requests") as r:
        return [(q["method"], q["url"]) for q in json.load(r)]

cn = pyodbc.connect("DSN=dvtest", autocommit=True)
cur = cn.cursor()
try:
    cur.execute("INSERT INTO contact (lastname) VALUES ('probe1'), ('probe2')")
except pyodbc.Error as e:
    if "not implemented" in str(e):
        print("1..0 # SKIP the emulator does not answer $batch yet")
        raise SystemExit(0)
    raise
cur.execute("DELETE FROM contact WHERE lastname IN ('probe1', 'probe2')")
eq(cur.rowcount, 2, "rowcount of a searched DELETE is the rows removed")

rows = [("pyw%05d" % i, "first%d" % (i % 97)) for i in range(10000)]
cur.fast_executemany = True
before = len(requests_log())
cur.executemany("INSERT INTO contact (lastname, firstname) VALUES (?, ?)", rows)
sent = requests_log()[before:]
batches = sum(1 for m, u in sent if m == "POST" and u.endswith("/$batch"))
print("# $batch requests for the 10,000-row executemany: %d" % batches)
ok(10 <= batches <= 12, "10,000 inserts went as about 10 $batch requests (1000 per batch)",
   batches, "10..12")
eq(len(sent), batches, "and nothing else: no row sent as a request of its own")
cur.execute("SELECT count(*) FROM contact WHERE lastname LIKE 'pyw%'")
eq(cur.fetchone()[0], 10000, "10,000 rows stored")
cur.execute("SELECT lastname, firstname FROM contact WHERE lastname IN "
            "('pyw00000', 'pyw04321', 'pyw09999') ORDER BY lastname")
eq([tuple(r) for r in cur.fetchall()],
   [("pyw00000", "first0"), ("pyw04321", "first53"), ("pyw09999", "first8")],
   "first, middle and last rows read back")
cur.execute("UPDATE contact SET firstname = 'changed' WHERE lastname LIKE 'pyw0000%'")
eq(cur.rowcount, 10, "rowcount of a searched UPDATE is the true count")
done()
PY
status=$?
exit $status
