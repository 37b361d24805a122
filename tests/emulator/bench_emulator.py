#!/usr/bin/python3
"""dvemu benchmark: served rows/s and MB/s for 5000-row pages.

Owns: the emulator's own throughput measurement (not a unit test). Starts
`dvemu --rows N` (default 100000), reads every page of an entity set with
Prefer: odata.maxpagesize=5000 over one keep-alive connection for several $select widths,
without and with odata.include-annotations="*", and prints rows/s and MB/s.

Each case runs three ways:
  cold      page cache and prefetch off: every page rendered while the client waits
  prefetch  the default server: page N+1 is rendered while the client reads page N
            (first read of the data: what a driver benchmark sees on its first pass)
  cached    the same read again (pages come from the emulator's page cache)
The client does no JSON parse (it counts rows by their etags), so the figures are the
emulator's plus http.client's cost.

Usage: tests/emulator/bench_emulator.py [--rows N] [--entity SET] [--db FILE] [--limit ROWS]
                                        [--modes cold,prefetch,cached] [--widths 5,15,all]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu_helper import Emu  # noqa: E402

SELECTS = {
    "accounts": {
        "5": "name,accountnumber,revenue,createdon,_ownerid_value",
        "15": ("name,accountnumber,telephone1,address1_city,address1_country,revenue,creditlimit,"
               "industrycode,numberofemployees,createdon,modifiedon,statecode,statuscode,"
               "_primarycontactid_value,_ownerid_value"),
    },
    "new_projects": {
        "5": "new_name,new_code,new_budget,new_startedon,_ownerid_value",
        "15": ("new_name,new_code,new_units,new_bignumber,new_ratio,new_score,new_budget,new_isactive,"
               "new_startedon,new_duedate,_new_accountid_value,_new_customerid_value,new_priority,"
               "new_tags,_ownerid_value"),
    },
}


def read_all(emu, url, prefer, limit):
    rows = nbytes = pages = 0
    t = time.time()
    while url and rows < limit:
        r = emu.get(url, headers={"Prefer": prefer})
        assert r.status == 200, r.body[:300]
        # no client-side JSON parse: count rows by their etags, find the nextLink at the end
        rows += r.body.count(b'"@odata.etag"')
        nbytes += len(r.body)
        pages += 1
        i = r.body.rfind(b'"@odata.nextLink":')
        link = json.loads(r.body[i + 18:-1]) if i > 0 else None
        url = link[len(emu.org):] if link else None
    return rows, nbytes, pages, time.time() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--entity", default="accounts", help="entity set (accounts or new_projects)")
    ap.add_argument("--db", default=None, help="pass --db FILE to dvemu (reuses generated data)")
    ap.add_argument("--limit", type=int, default=100000, help="rows to read per case (default 100000)")
    ap.add_argument("--modes", default="cold,prefetch,cached")
    ap.add_argument("--widths", default="5,15,all")
    args = ap.parse_args()
    t0 = time.time()
    extra = ["--db", args.db] if args.db else []
    emu = Emu(*extra, rows=args.rows)
    print("startup (%d accounts%s): %.1f s" % (args.rows, ", --db" if args.db else "", time.time() - t0))
    try:
        eset = args.entity
        print("entity: %s; 5000-row pages; one keep-alive connection; no client JSON parse" % eset)
        print("%-6s %-12s %-9s %9s %10s %8s" % ("width", "annotations", "mode", "rows", "rows/s", "MB/s"))
        for width in args.widths.split(","):
            sel = SELECTS.get(eset, {}).get(width)
            url = eset + ("?$select=" + sel if sel else "")
            for label, prefer in (("no", "odata.maxpagesize=5000"),
                                  ("*", 'odata.maxpagesize=5000,odata.include-annotations="*"')):
                for mode in args.modes.split(","):
                    if mode == "cold":
                        emu.control("POST", "config", {"page_cache_mb": 0, "prefetch": False})
                    else:
                        emu.control("POST", "config", {"page_cache_mb": 1024, "prefetch": True})
                    if mode != "cached":
                        emu.control("DELETE", "pagecache")
                    rows, nbytes, pages, dt = read_all(emu, url, prefer, args.limit)
                    print("%-6s %-12s %-9s %9d %10.0f %8.1f" % (width, label, mode, rows, rows / dt,
                                                               nbytes / dt / 1e6))
                    sys.stdout.flush()
    finally:
        emu.stop()


if __name__ == "__main__":
    main()
