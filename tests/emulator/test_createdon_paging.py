"""dvemu: paging in createdon order and createdon ranges, as the driver's partitioned scans use
them (driver/odata/odata_cursor.c, PARTITIONED SCANS).

With ParallelReads set the driver asks the first page with $orderby=createdon asc,<key> asc and
then reads createdon ranges ("createdon ge A and createdon lt B", the last without an upper
bound); it relies on the service to page that order with a keyset over both columns (spec
section 5: the order columns are in the paging cookie) and to compare createdon values as
instants. Here: the chain in createdon order gives every row once, in createdon order (ties
by primary key), the same rows as one unpaged request; half-open ranges split the table into
disjoint parts whose union is the table.
"""

import urllib.parse

from emu_helper import EmuTestCase


def q(s):
    return urllib.parse.quote(s, safe="$=&,()'/:*@?")


class TestCreatedonPaging(EmuTestCase):
    ROWS = 1200

    def page_all(self, url, prefer):
        seen, pages = [], 0
        r = self.emu.get(url, headers={"Prefer": prefer})
        while True:
            self.assertEqual(r.status, 200, r.body)
            pages += 1
            seen.extend(r.json["value"])
            link = r.json.get("@odata.nextLink")
            if not link:
                return seen, pages
            r = self.emu.get(link[len(self.emu.org):], headers={"Prefer": prefer})

    def test_chain_in_createdon_order(self):
        url = q("accounts?$select=createdon&$orderby=createdon asc,accountid asc")
        seen, pages = self.page_all(url, "odata.maxpagesize=100")
        whole = self.emu.get(url).json["value"]
        ids = [x["accountid"] for x in seen]
        self.assertEqual(len(ids), self.ROWS)
        self.assertEqual(len(set(ids)), self.ROWS)
        self.assertEqual(pages, self.ROWS // 100)
        self.assertEqual(ids, [x["accountid"] for x in whole])
        created = [x["createdon"] for x in seen]
        self.assertEqual(created, sorted(created))

    def test_half_open_ranges_split_the_table(self):
        rows = self.emu.get(q("accounts?$select=createdon&$orderby=createdon asc,accountid asc")).json["value"]
        lo, mid, hi = rows[100]["createdon"], rows[600]["createdon"], rows[1000]["createdon"]
        parts = ["createdon lt %s" % lo,
                 "createdon ge %s and createdon lt %s" % (lo, mid),
                 "createdon ge %s and createdon lt %s" % (mid, hi),
                 "createdon ge %s" % hi]
        got = []
        for f in parts:
            seen, _ = self.page_all(q("accounts?$select=createdon&$filter=" + f), "odata.maxpagesize=100")
            got.extend(x["accountid"] for x in seen)
        self.assertEqual(len(got), self.ROWS)
        self.assertEqual(set(got), set(x["accountid"] for x in rows))
