"""dvemu $apply tests: groupby with aggregates, aggregate alone, filter/groupby, distinct,
the datetime-groupby and orderby refusals.

Sources pinned here: spec section 4 ($apply) and aggregate-data docs (see apply.py).
The 50,000-row limit (0x8004E023) needs > 50,000 rows and is not exercised here.
"""

import collections
import urllib.parse

from emu_helper import EmuTestCase


def q(s):
    return urllib.parse.quote(s, safe="$=&,()'/:*@?")


class TestApply(EmuTestCase):
    ROWS = 300

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows = cls.emu.get("accounts?$select=industrycode,revenue,statecode").json["value"]

    def test_groupby_count(self):
        r = self.emu.get(q("accounts?$apply=groupby((statecode),aggregate($count as count))"))
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json["@odata.context"].endswith("/$metadata#accounts"))
        want = collections.Counter(x["statecode"] for x in self.rows)
        self.assertEqual({x["statecode"]: x["count"] for x in r.json["value"]}, dict(want))

    def test_aggregate_sum_filter(self):
        r = self.emu.get(q("accounts?$apply=filter(statecode eq 0)/aggregate(revenue with sum as total,revenue with max as mx)"))
        v = r.json["value"]
        self.assertEqual(len(v), 1)
        revs = [x["revenue"] for x in self.rows if x["statecode"] == 0 and x["revenue"] is not None]
        self.assertAlmostEqual(v[0]["total"], sum(revs), places=2)
        self.assertEqual(v[0]["mx"], max(revs))

    def test_distinct_and_refusals(self):
        r = self.emu.get(q("accounts?$apply=groupby((industrycode))"))
        self.assertEqual(sorted([x["industrycode"] for x in r.json["value"]], key=lambda v: (v is not None, v)),
                         sorted(set(x["industrycode"] for x in self.rows), key=lambda v: (v is not None, v)))
        self.assertError(self.emu.get(q("accounts?$apply=groupby((createdon))")), 400, "0x80060888")
        self.assertError(self.emu.get(q("accounts?$apply=groupby((statecode),aggregate($count as c))&$orderby=c")),
                         400, "0x80060888", "The query node SingleValueOpenPropertyAccess is not supported")
