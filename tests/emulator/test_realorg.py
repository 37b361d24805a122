"""dvemu --real-attributes: account and opportunity widened with a real org's captured
attributes (dvemu_lib/realorg.py, data/realorg/). Pinned: the width, real option labels and
lookups, the columns the emulator already had unchanged, metadata and rows agreeing."""

import urllib.parse

from emu_helper import EmuTestCase


def q(url):
    return urllib.parse.quote(url, safe="/?&=$(),'")


class TestRealOrg(EmuTestCase):
    EMU_ARGS = ("--real-attributes",)
    ROWS = 30

    def attrs(self, entity):
        r = self.emu.get(q("EntityDefinitions(LogicalName='%s')/Attributes?$select=LogicalName,"
                           "AttributeType,AttributeOf" % entity))
        self.assertEqual(r.status, 200, r.body)
        return {a["LogicalName"]: a for a in r.json["value"]}

    def test_width(self):
        acc, opp = self.attrs("account"), self.attrs("opportunity")
        self.assertGreaterEqual(len(acc), 160)
        self.assertGreaterEqual(len(opp), 120)
        missing = [n for n in ("name", "accountnumber", "revenue", "primarycontactid", "primarycontactidname",
                     "address1_freighttermscode", "aging30", "lastusedincampaign", "masterid",
                     "masteridname", "donotfax") if n not in acc]
        self.assertEqual(missing, [])
        for absent in ("slaid", "territoryid", "defaultpricelevelid"):  # targets not emulated
            self.assertNotIn(absent, acc)
        self.assertEqual(acc["masterid"]["AttributeType"], "Lookup")
        self.assertEqual(acc["masteridname"]["AttributeOf"], "masterid")
        self.assertEqual(acc["lastusedincampaign"]["AttributeType"], "DateTime")

    def test_rows_and_real_labels(self):
        r = self.emu.get(q("accounts?$select=address1_freighttermscode,_masterid_value,lastusedincampaign,"
                           "donotfax&$filter=address1_freighttermscode ne null"),
                         headers={"Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'})
        self.assertEqual(r.status, 200, r.body)
        rows = r.json["value"]
        self.assertGreater(len(rows), 0)
        labels = {row["address1_freighttermscode@OData.Community.Display.V1.FormattedValue"] for row in rows}
        self.assertTrue(labels <= {"FOB", "No Charge"}, labels)  # the real org's options
        for row in rows:
            self.assertIn(row["donotfax"], (True, False))
            d = row["lastusedincampaign"]
            self.assertTrue(d is None or len(d) == 10, d)  # DateOnly

    def test_full_row(self):
        r = self.emu.get("accounts?$top=1")
        self.assertEqual(r.status, 200, r.body)
        self.assertGreaterEqual(len(r.json["value"][0]), 140)
