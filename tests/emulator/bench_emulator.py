#!/usr/bin/python3
"""dvemu benchmark: served rows/s and MB/s for 5000-row pages of the widest entity.

Owns: the emulator's own throughput measurement (not a unit test). Starts
`dvemu --rows N` (default 100000), reads every page of the widest entity with
Prefer: odata.maxpagesize=5000 over one keep-alive connection, and prints rows/s and MB/s,
without and with odata.include-annotations="*".

Usage: tests/emulator/bench_emulator.py [--rows N] [--entity SET] [--db FILE]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu_helper import Emu  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--entity", default=None, help="entity set (default: the one with most columns)")
    ap.add_argument("--db", default=None, help="pass --db FILE to dvemu (reuses generated data)")
    args = ap.parse_args()
    t0 = time.time()
    extra = ["--db", args.db] if args.db else []
    emu = Emu(*extra, rows=args.rows)
    print("startup (generate %d accounts): %.1f s" % (args.rows, time.time() - t0))
    try:
        ents = emu.get("EntityDefinitions?$select=LogicalName,EntitySetName").json["value"]
        widest = None
        for e in ents:
            n = len([a for a in emu.get("EntityDefinitions(LogicalName='%s')/Attributes?$select=LogicalName,IsValidODataAttribute" % e["LogicalName"]).json["value"]
                     if a["IsValidODataAttribute"]])
            if widest is None or n > widest[1]:
                widest = (e["EntitySetName"], n)
        eset = args.entity or widest[0]
        print("entity: %s (%d OData columns)" % (eset, widest[1] if not args.entity else -1))
        for label, prefer in (("plain", "odata.maxpagesize=5000"),
                              ("annotations", 'odata.maxpagesize=5000,odata.include-annotations="*"')):
            url = eset
            rows = 0
            nbytes = 0
            pages = 0
            t = time.time()
            while url:
                r = emu.get(url, headers={"Prefer": prefer})
                assert r.status == 200, r.body[:300]
                # no client-side JSON parse: count rows by their etags, find the nextLink at the end
                rows += r.body.count(b'"@odata.etag"')
                nbytes += len(r.body)
                pages += 1
                i = r.body.rfind(b'"@odata.nextLink":')
                link = json.loads(r.body[i + 18:-1]) if i > 0 else None
                url = link[len(emu.org):] if link else None
            dt = time.time() - t
            print("%-12s %d rows in %d pages, %.2f s: %.0f rows/s, %.1f MB/s (HTTP client included, no JSON parse)"
                  % (label, rows, pages, dt, rows / dt, nbytes / dt / 1e6))
    finally:
        emu.stop()


if __name__ == "__main__":
    main()
