"""dvemu GUID order tests: rows of an unordered scan come in SQL Server's uniqueidentifier order
(the last byte group first), not in text order, on every page of a paged read, as the tie-break
of $orderby, with $orderby on the key itself, and in expanded collections -- with
/_emu/config {"guid_order": "sqlserver"}; the default "text" keeps the earlier text order.

Source pinned here: SqlGuid's comparison order (bytes 10-15, 8-9, 6-7, 4-5, 0-3 of
Guid.ToByteArray(), which is Python's uuid.bytes_le) -- see dvemu_lib/guidorder.py. The
oracle below is written from that rule independently of the emulator's code.
"""

import os
import sqlite3
import sys
import unittest
import urllib.parse
import uuid

from emu_helper import EmuTestCase

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvemu_lib import guidorder  # noqa: E402

ORDER = (10, 11, 12, 13, 14, 15, 8, 9, 6, 7, 4, 5, 0, 1, 2, 3)


def sql_server_key(g):
    b = uuid.UUID(g).bytes_le
    return bytes(b[i] for i in ORDER)


def q(s):
    return urllib.parse.quote(s, safe="$=&,()'/:*@?;")


# Ids chosen so that text order and SQL Server order differ in every group: text order is
# a1 < b2 < c3 < d4 < e5 < f6; SQL Server order decides on the last group first, then the 4th,
# then the byte-reversed 3rd, 2nd and 1st.
IDS = {
    "a1": "a1000000-0000-0000-0000-000000000003",  # last group 3
    "b2": "b2000000-0000-0000-0000-000000000001",  # last group 1 (first of all)
    "c3": "c3000000-0000-0000-0200-000000000002",  # last group 2, 4th group 0200
    "d4": "d4000000-0000-0000-0100-000000000002",  # last group 2, 4th group 0100: before c3
    "e5": "f5000000-0000-0100-0000-000000000004",  # last 4, 3rd group 0100 = bytes 6,7 = 00 01
    "f6": "e6000000-0000-0001-0000-000000000004",  # last 4, 3rd group 0001 = bytes 01 00: after e5
    "07": "08000000-0100-0000-0000-000000000005",  # last 5, 2nd group 0100 = bytes 4,5 = 00 01
    "08": "07000000-0001-0000-0000-000000000005",  # last 5, 2nd group 0001 = bytes 01 00: after 07
    "09": "00000001-0000-0000-0000-000000000006",  # last 6, 1st group = bytes 0..3 = 01 00 00 00
    "10": "01000000-0000-0000-0000-000000000006",  # last 6, 1st group = bytes 00 00 00 01: before 09
}
# SQL Server's order of the ids above, worked out by hand from the rule (each pair is the
# other way round in text order)
EXPECTED = ["b2", "d4", "c3", "a1", "e5", "f6", "07", "08", "10", "09"]


class TestOracle(unittest.TestCase):
    """The rule itself, without an emulator: the oracle, the emulator's Python key and its
    SQL key (run in SQLite) all give the hand-worked order."""

    def test_hand_worked_order(self):
        by_oracle = sorted(IDS, key=lambda k: sql_server_key(IDS[k]))
        self.assertEqual(by_oracle, EXPECTED)
        self.assertNotEqual(sorted(IDS, key=lambda k: IDS[k]), EXPECTED)

    def test_emulator_keys_match_the_oracle(self):
        gen = [str(uuid.UUID(int=(i * 0x9E3779B97F4A7C15F39CC0605CEDC835) % (1 << 128))) for i in range(1, 400)]
        gen += list(IDS.values())
        want = sorted(gen, key=sql_server_key)
        self.assertEqual(sorted(gen, key=guidorder.py_key), want)
        con = sqlite3.connect(":memory:")
        con.execute("CREATE TABLE t (g TEXT)")
        con.executemany("INSERT INTO t VALUES (?)", [(g,) for g in gen])
        got = [r[0] for r in con.execute("SELECT g FROM t ORDER BY %s" % guidorder.sql_key("g"))]
        self.assertEqual(got, want)
        self.assertEqual(guidorder.py_key(None), None)
        self.assertEqual(guidorder.py_key(IDS["c3"].upper()), guidorder.py_key(IDS["c3"]))


class TestGuidOrder(EmuTestCase):
    ROWS = 20

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        emu = cls.emu
        assert emu.control("POST", "config", {"guid_order": "sqlserver"}).status == 200
        r = emu.send("POST", "accounts", {"name": "GuidParent", "accountid": "99999999-0000-0000-0000-0000000000ff"})
        assert r.status == 204, r.body
        for k, g in IDS.items():
            body = {"accountid": g, "name": "GuidOrder %s" % ("same" if k in ("a1", "09") else k)}
            r = emu.send("POST", "accounts", body)
            assert r.status == 204, r.body
            r = emu.send("POST", "contacts", {
                "contactid": g, "lastname": "GuidOrder", "firstname": k,
                "parentcustomerid_account@odata.bind": "/accounts(99999999-0000-0000-0000-0000000000ff)"})
            assert r.status == 204, r.body

    def names(self, rows):
        return [x["accountid"] for x in rows]

    def test_unordered_scan_in_sql_server_order(self):
        r = self.emu.get(q("accounts?$select=name&$filter=startswith(name,'GuidOrder ')"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.names(r.json["value"]), [IDS[k] for k in EXPECTED])

    def test_paging_follows_the_order(self):
        url = q("accounts?$select=name&$filter=startswith(name,'GuidOrder ')")
        seen, pages = [], 0
        r = self.emu.get(url, headers={"Prefer": "odata.maxpagesize=3"})
        while True:
            self.assertEqual(r.status, 200, r.body)
            pages += 1
            seen += self.names(r.json["value"])
            link = r.json.get("@odata.nextLink")
            if not link:
                break
            r = self.emu.get(link[len(self.emu.org):], headers={"Prefer": "odata.maxpagesize=3"})
        self.assertEqual(pages, 4)
        self.assertEqual(seen, [IDS[k] for k in EXPECTED])

    def test_whole_table_paged_in_order(self):
        # the generated rows and the chosen ones together, pages of 7
        seen = []
        r = self.emu.get("accounts?$select=name", headers={"Prefer": "odata.maxpagesize=7"})
        while True:
            seen += self.names(r.json["value"])
            link = r.json.get("@odata.nextLink")
            if not link:
                break
            r = self.emu.get(link[len(self.emu.org):], headers={"Prefer": "odata.maxpagesize=7"})
        self.assertEqual(len(seen), 20 + 1 + len(IDS))
        self.assertEqual(seen, sorted(seen, key=sql_server_key))
        self.assertNotEqual(seen, sorted(seen))

    def test_orderby_ties_and_key_order(self):
        # two rows named "GuidOrder same": the primary key breaks the tie in SQL Server order
        r = self.emu.get(q("accounts?$select=name&$filter=name eq 'GuidOrder same'&$orderby=name"))
        self.assertEqual(self.names(r.json["value"]), [IDS["a1"], IDS["09"]])
        r = self.emu.get(q("accounts?$select=name&$filter=startswith(name,'GuidOrder ')&$orderby=accountid desc"),
                         headers={"Prefer": "odata.maxpagesize=4"})
        seen = self.names(r.json["value"])
        r = self.emu.get(r.json["@odata.nextLink"][len(self.emu.org):], headers={"Prefer": "odata.maxpagesize=4"})
        seen += self.names(r.json["value"])
        self.assertEqual(seen, [IDS[k] for k in reversed(EXPECTED)][:8])

    def test_config_switches_the_order(self):
        url = q("accounts?$select=name&$filter=startswith(name,'GuidOrder ')")
        try:
            self.assertEqual(self.emu.control("POST", "config", {"guid_order": "text"}).status, 200)
            r = self.emu.get(url)
            self.assertEqual(self.names(r.json["value"]), sorted(IDS.values()))
        finally:
            self.emu.control("POST", "config", {"guid_order": "sqlserver"})
        # the page cache keeps the two orders apart
        self.assertEqual(self.names(self.emu.get(url).json["value"]), [IDS[k] for k in EXPECTED])

    def test_expanded_and_navigated_children_in_order(self):
        parent = "99999999-0000-0000-0000-0000000000ff"
        r = self.emu.get(q("accounts(%s)?$select=name&$expand=contact_customer_accounts($select=firstname)" % parent))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([x["contactid"] for x in r.json["contact_customer_accounts"]], [IDS[k] for k in EXPECTED])
        r = self.emu.get(q("accounts(%s)/contact_customer_accounts?$select=firstname" % parent))
        self.assertEqual([x["firstname"] for x in r.json["value"]], EXPECTED)
