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
        # a null key is left out of its row (aggregate-data doc's distinct sample)
        self.assertEqual(sorted([x.get("industrycode") for x in r.json["value"]], key=lambda v: (v is not None, v)),
                         sorted(set(x["industrycode"] for x in self.rows), key=lambda v: (v is not None, v)))
        self.assertError(self.emu.get(q("accounts?$apply=groupby((createdon))")), 400, "0x80060888")
        self.assertError(self.emu.get(q("accounts?$apply=groupby((statecode),aggregate($count as c))&$orderby=c")),
                         400, "0x80060888", "The query node SingleValueOpenPropertyAccess is not supported")


class TestApplyLookupPaths(EmuTestCase):
    """groupby on a lookup path (primarycontactid/lastname), formatted values on aggregate
    rows, null keys left out, text keys grouped as the service compares text; over records
    this test creates, so every row and every byte of the answer is known."""
    ROWS = 20
    FV = "OData.Community.Display.V1.FormattedValue"
    P1 = "c0000000-0000-4000-8000-00000000000a"
    P2 = "c0000000-0000-4000-8000-00000000000b"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        emu = cls.emu
        for cid, last in ((cls.P1, "Zed"), (cls.P2, "alpha")):
            assert emu.send("POST", "contacts", {"contactid": cid, "lastname": last}).status == 204
        for n, rev, pc in ((1, 1000.10, cls.P1), (2, 2000.05, cls.P1), (3, 0.25, cls.P2), (4, None, None),
                           (5, 1234567.8912, None)):
            body = {"name": "ApplyPath %d" % n}
            if rev is not None:
                body["revenue"] = rev
            if pc is not None:
                body["primarycontactid@odata.bind"] = "/contacts(%s)" % pc
            r = emu.send("POST", "accounts", body)
            assert r.status == 204, r.body
        for name in ("ApplyPath Dup", "APPLYPATH DÚP"):
            assert emu.send("POST", "accounts", {"name": name}).status == 204

    def get(self, apply, annotations=False):
        h = {"Prefer": 'odata.include-annotations="%s"' % self.FV} if annotations else None
        r = self.emu.get(q("accounts?$apply=filter(startswith(name,'ApplyPath ') and name ne 'ApplyPath Dup' "
                           "and name ne 'APPLYPATH DÚP')/" + apply), headers=h)
        self.assertEqual(r.status, 200, r.body)
        return r

    def test_groupby_lookup_path_distinct(self):
        r = self.get("groupby((primarycontactid/lastname))")
        ctx = self.emu.org + "/api/data/v9.2/$metadata#accounts"
        # the group of accounts without a primary contact has no key; text orders as the service's
        # collation (alpha before Zed)
        self.assertEqual(r.text, '{"@odata.context":"%s","value":[{},{"contact_lastname":"alpha"},'
                                 '{"contact_lastname":"Zed"}]}' % ctx)

    def test_groupby_lookup_path_with_aggregates_and_formatted_values(self):
        r = self.get("groupby((primarycontactid/lastname),aggregate(revenue with sum as total,$count as c))", True)
        self.assertEqual(r.header("Preference-Applied"), 'odata.include-annotations="%s"' % self.FV)
        fv = "@" + self.FV
        ctx = self.emu.org + "/api/data/v9.2/$metadata#accounts"
        # money sums: exact decimals with 9 places, "$1,234.56" formatted (aggregate-data doc);
        # the path key after the aggregates, with no formatted value (text)
        want = ('{"@odata.context":"%s","value":['
                '{"total%s":"$1,234,567.89","total":1234567.891200000,"c%s":"2","c":2},'
                '{"total%s":"$0.25","total":0.250000000,"c%s":"1","c":1,"contact_lastname":"alpha"},'
                '{"total%s":"$3,000.15","total":3000.150000000,"c%s":"2","c":2,"contact_lastname":"Zed"}]}'
                % ((ctx,) + (fv,) * 6))
        self.assertEqual(r.text, want)
        # without the preference: no annotations
        r = self.get("groupby((primarycontactid/lastname),aggregate(revenue with sum as total,$count as c))")
        self.assertEqual(r.json["value"], [{"total": 1234567.8912, "c": 2},
                                           {"total": 0.25, "c": 1, "contact_lastname": "alpha"},
                                           {"total": 3000.15, "c": 2, "contact_lastname": "Zed"}])

    def test_choice_keys_and_aggregates_formatted(self):
        r = self.get("groupby((statuscode),aggregate($count as count,revenue with max as mx,"
                     "revenue with average as av))", True)
        fv = "@" + self.FV
        self.assertEqual(r.json["value"], [{
            "statuscode" + fv: "Active", "statuscode": 1, "count" + fv: "5", "count": 5,
            "mx" + fv: "$1,234,567.89", "mx": 1234567.8912,
            "av" + fv: "$309,392.07", "av": 309392.0728}])
        self.assertIn('"mx":1234567.8912,', r.text)  # the column's scale
        self.assertIn('"av":309392.072800000}', r.text)  # money average: 9 places
        # a sum over no values is null: left out of the row
        r = self.get("filter(revenue eq null)/aggregate(revenue with sum as total,$count as n)")
        self.assertEqual(r.json["value"], [{"n": 1}])

    def test_text_keys_group_case_and_accent_insensitively(self):
        r = self.emu.get(q("accounts?$apply=filter(startswith(name,'ApplyPath D'))/groupby((name),aggregate($count as c))"))
        v = r.json["value"]
        self.assertEqual(len(v), 1, v)
        self.assertEqual(v[0]["c"], 2)
        self.assertIn(v[0]["name"], ("ApplyPath Dup", "APPLYPATH DÚP"))

    def test_path_errors(self):
        self.assertError(self.get_raw("groupby((primarycontactid/nosuch))"), 400, "0x80060888",
                         "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.contact'.")
        self.assertError(self.get_raw("groupby((nosuch/lastname))"), 400, "0x80060888",
                         "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.account'.")
        self.assertError(self.get_raw("groupby((primarycontactid/createdon))"), 400, "0x80060888",
                         "Grouping by a date-time column is not supported; use dategrouping in FetchXML.")

    def get_raw(self, apply):
        return self.emu.get(q("accounts?$apply=" + apply))
