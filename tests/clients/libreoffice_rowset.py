#!/usr/bin/python3
"""tests/clients/libreoffice_rowset.py - what LibreOffice Base's table view does
with a dvodbc table, driven headless through UNO (Debian's python3-uno).

Usage: libreoffice_rowset.py PORT DSN TABLE NAMECOL CHARSET
Opens the DSN as an ODBC data source (sdbc:odbc:DSN, the data source property
CharSet as given), loads TABLE in a com.sun.star.sdb.RowSet (CommandType TABLE:
the table view's own way of reading, with scrolling, bookmarks and a refetch
of the current row by its key), and prints what the user would see, one line
each: the row count after last(), the NAMECOL value after first(), last(),
absolute(5), previous() and relative(-2); then updates NAMECOL of row 5
through the RowSet (what editing a cell does) and prints the value read back
after refreshRow() (LibreOffice refetches the row by its key).

No refreshRow() right after absolute(5): LibreOffice 7.4's RowSet then
refreshes the row its cache set was left on (the last row it read ahead, row
30 here), not row 5, and a following edit goes to that row - with any driver:
psqlODBC 13 on PostgreSQL 15 shows row 30 there too.  After updateRow() the
cache set is on the edited row, so refreshRow() there reads that row.
"""
import shutil
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def pv(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def main():
    port, dsn, table, namecol, charset = sys.argv[1:6]
    profile = "file:///tmp/dvodbc-lo-%s" % port
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
                             "-env:UserInstallation=" + profile,
                             "--accept=socket,host=127.0.0.1,port=%s;urp;" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    ctx = None
    for _ in range(120):
        try:
            ctx = resolver.resolve(
                "uno:socket,host=127.0.0.1,port=%s;urp;StarOffice.ComponentContext" % port)
            break
        except Exception:
            time.sleep(0.5)
    if ctx is None:
        print("ERROR soffice did not start")
        proc.kill()
        return 1
    smgr = ctx.ServiceManager
    try:
        ds = smgr.createInstanceWithContext("com.sun.star.sdb.DatabaseContext", ctx).createInstance()
        ds.URL = "sdbc:odbc:" + dsn
        ds.Info = (pv("CharSet", charset),)
        con = ds.getConnection("", "")
        rs = smgr.createInstanceWithContext("com.sun.star.sdb.RowSet", ctx)
        rs.ActiveConnection = con
        rs.CommandType = 0  # com.sun.star.sdb.CommandType.TABLE
        rs.Command = table
        rs.execute()
        col = rs.findColumn(namecol)
        rs.last()
        print("count", rs.getRow())
        rs.first()
        print("first", rs.getString(col))
        rs.last()
        print("last", rs.getString(col))
        rs.absolute(5)
        print("absolute(5)", rs.getString(col))
        rs.previous()
        print("previous", rs.getString(col))
        rs.relative(-2)
        print("relative(-2)", rs.getString(col))
        rs.absolute(5)
        rs.updateString(col, rs.getString(col) + " \u2013 \u00e9dit\u00e9")
        rs.updateRow()
        rs.refreshRow()
        print("updated", rs.getString(col))
    except Exception as e:  # what LibreOffice would show in its error box
        print("ERROR", getattr(e, "Message", str(e)).splitlines()[0])
    finally:
        try:
            smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx).terminate()
        except Exception:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile[len("file://"):], ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
