"""dvemu GUID order: uniqueidentifier values compare the way SQL Server compares them.

Owns: the sort key of a GUID (as SQL and in Python) and the per-table expression index that
lets an unordered scan, and its keyset paging, read rows in that order without a sort.

The service orders rows without $orderby by primary key (spec section 4), and its store is SQL
Server, whose uniqueidentifier order is not the text order: SqlGuid compares the 16 bytes of
Guid.ToByteArray() in the order 10,11,12,13,14,15, 8,9, 6,7, 4,5, 0,1,2,3
(https://learn.microsoft.com/dotnet/framework/data/adonet/sql/comparing-guid-and-uniqueidentifier-values,
"treats the last 6 bytes as the most significant"; SqlGuid.s_rgiGuidOrder in the .NET source).
ToByteArray() stores the first three groups little-endian, so on the text form
'aabbccdd-eeff-gghh-iijj-kkllmmnnoopp' the key is the hex text
  kkllmmnnoopp  iijj  hhgg  ffee  ddccbbaa
(groups 5 and 4 as written, groups 3, 2 and 1 byte-reversed). Stored GUIDs are lower-case
hex, so the key compares as text (BINARY) exactly as SQL Server compares the values.

Switch: /_emu/config {"guid_order": "text"} orders GUIDs as text instead (the emulator's
earlier order); the default "sqlserver" is the service's.

The index sq_<table> on that expression (built with SQLite's own functions, so any connection
can write the table) is created the first time a table is read in this order; a reset drops
it with its table, and it is made again on the next read.
"""

import threading

_lock = threading.Lock()
DEFAULT = "sqlserver"  # /_emu/config guid_order: "sqlserver" or "text"


def enabled(app):
    """True when GUIDs order as SQL Server orders them (config guid_order = "sqlserver")."""
    return (getattr(app, "config", None) or {}).get("guid_order", DEFAULT) == "sqlserver"

# (start, length) of the substrings of the 36-character text form, most significant first
_PARTS = ((25, 12), (20, 4), (17, 2), (15, 2), (12, 2), (10, 2), (7, 2), (5, 2), (3, 2), (1, 2))


def sql_key(col):
    """SQL expression of the SQL Server sort key of a GUID column (NULL stays NULL)."""
    return "(%s)" % "||".join("substr(%s,%d,%d)" % (col, s, n) for s, n in _PARTS)


def py_key(guid):
    """The same key in Python, for a bound parameter (None stays None)."""
    if guid is None:
        return None
    g = guid.lower()
    return "".join(g[s - 1:s - 1 + n] for s, n in _PARTS)


def index_name(entity):
    return "sq_%s" % entity.name


def ensure_index(app, con, entity):
    """Create the GUID-order index of the entity's table if it is missing."""
    name = index_name(entity)
    if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone():
        return
    with _lock, app.write_lock:
        con.execute('CREATE INDEX IF NOT EXISTS "%s" ON "%s" (%s)' % (name, entity.name, sql_key('"%s"' % entity.pk)))
