"""dvemu ?fetchXml= tests: attributes, all-attributes, filters/conditions, order (choice columns by
label), link-entity (inner/outer, alias.x columns), aggregates, count/page paging with the
paging cookie and morerecords only when the annotation preference asks for them, nulls
omitted. Source: spec section 6 and
https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/overview
"""

import json
import re
import urllib.parse

from emu_helper import EmuTestCase

ALL_ANN = {"Prefer": 'odata.include-annotations="*"'}


class TestFetchXml(EmuTestCase):
    ROWS = 60

    def fetch(self, eset, xml, headers=None):
        return self.emu.get("%s?fetchXml=%s" % (eset, urllib.parse.quote(xml)), headers=headers)

    def test_attributes_and_nulls_omitted(self):
        x = ('<fetch top="50"><entity name="account"><attribute name="name"/><attribute name="fax"/>'
             '<attribute name="primarycontactid"/><order attribute="name"/></entity></fetch>')
        r = self.fetch("accounts", x)
        self.assertEqual(r.status, 200, r.body)
        body = r.json
        self.assertEqual(body["@odata.context"], self.emu.org + "/api/data/v9.2/$metadata#accounts(name,fax,_primarycontactid_value)")
        rows = body["value"]
        self.assertEqual(len(rows), 50)
        self.assertEqual([x["name"] for x in rows], sorted((x["name"] for x in rows), key=str.lower))
        for row in rows:
            self.assertEqual(list(row)[0], "@odata.etag")
            self.assertIn("accountid", row)  # the primary key always
            self.assertNotIn(None, row.values())  # nulls omitted
        self.assertTrue(any("fax" not in row for row in rows))
        self.assertTrue(any("_primarycontactid_value" in row for row in rows))
        self.assertNotIn("@Microsoft.Dynamics.CRM.morerecords", body)
        # the same row through OData has the nulls
        one = [row for row in rows if "fax" not in row][0]
        od = self.emu.get("accounts(%s)?$select=name,fax" % one["accountid"]).json
        self.assertIsNone(od["fax"])

    def test_filter_conditions(self):
        def names(flt):
            x = ('<fetch><entity name="account"><attribute name="name"/><attribute name="industrycode"/>'
                 '<attribute name="numberofemployees"/>%s</entity></fetch>' % flt)
            r = self.fetch("accounts", x)
            self.assertEqual(r.status, 200, r.body)
            return r.json["value"]
        rows = names('<filter><condition attribute="industrycode" operator="in"><value>1</value><value>2</value>'
                     '<value>3</value></condition></filter>')
        self.assertTrue(rows)
        self.assertTrue(all(r["industrycode"] in (1, 2, 3) for r in rows))
        rows = names('<filter type="or"><condition attribute="numberofemployees" operator="gt" value="40000"/>'
                     '<condition attribute="numberofemployees" operator="null"/></filter>')
        self.assertTrue(all(r.get("numberofemployees", 10 ** 9) > 40000 for r in rows))
        rows = names('<filter><condition attribute="name" operator="like" value="contoso%"/></filter>')
        self.assertTrue(all(r["name"].lower().startswith("contoso") for r in rows))
        rows2 = names('<filter><condition attribute="name" operator="begins-with" value="CONTOSO"/></filter>')
        self.assertEqual(rows, rows2)  # case-insensitive
        r = self.fetch("accounts", '<fetch><entity name="account"><filter><condition attribute="name" '
                                   'operator="sounds-like" value="x"/></filter></entity></fetch>')
        self.assertError(r, 400, "0x80040203")
        r = self.fetch("accounts", '<fetch><entity name="contact"><attribute name="fullname"/></entity></fetch>')
        self.assertError(r, 400, "0x80040203")
        r = self.fetch("accounts", '<fetch><entity name="account"><attribute name="nosuch"/></entity></fetch>')
        self.assertError(r, 400, "0x80040203",
                         "'account' entity doesn't contain attribute with Name = 'nosuch'.")

    def test_link_entity_and_choice_order(self):
        x = ('<fetch><entity name="account"><attribute name="name"/><attribute name="industrycode"/>'
             '<order attribute="industrycode"/>'
             '<link-entity name="contact" from="contactid" to="primarycontactid" alias="pc" link-type="inner">'
             '<attribute name="fullname"/><attribute name="emailaddress1" alias="mail"/>'
             '<attribute name="gendercode"/></link-entity>'
             '<filter><condition attribute="industrycode" operator="not-null"/></filter></entity></fetch>')
        r = self.fetch("accounts", x, ALL_ANN)
        self.assertEqual(r.status, 200, r.body)
        rows = r.json["value"]
        self.assertTrue(rows)
        for row in rows:
            self.assertIn("pc.fullname", row)
            self.assertIn("pc.mail", row)
            self.assertNotIn("pc.fullname@OData.Community.Display.V1.FormattedValue", row)  # text: none
            if "pc.gendercode" in row:
                self.assertEqual(row["pc.gendercode@OData.Community.Display.V1.FormattedValue"],
                                 {1: "Male", 2: "Female"}[row["pc.gendercode"]])
        labels = [row["industrycode@OData.Community.Display.V1.FormattedValue"] for row in rows]
        self.assertEqual(labels, sorted(labels, key=str.lower))  # choice columns sort by label
        inner = len(rows)
        x_outer = x.replace('link-type="inner"', 'link-type="outer"')
        rows_outer = self.fetch("accounts", x_outer).json["value"]
        self.assertGreater(len(rows_outer), inner)  # accounts without a primary contact too
        self.assertTrue(any("pc.fullname" not in row for row in rows_outer))

    def test_paging_cookie_only_with_annotations(self):
        x = '<fetch count="25" page="%d"><entity name="contact"><attribute name="fullname"/></entity></fetch>'
        r = self.fetch("contacts", x % 1)
        self.assertNotIn("morerecords", r.text)  # no signal without the preference
        self.assertEqual(len(r.json["value"]), 25)
        seen = []
        page = 1
        cookie_attr = ""
        while True:
            xml = ('<fetch count="25" page="%d"%s><entity name="contact"><attribute name="fullname"/>'
                   '</entity></fetch>' % (page, cookie_attr))
            body = self.fetch("contacts", xml, ALL_ANN).json
            seen += [row["contactid"] for row in body["value"]]
            if not body.get("@Microsoft.Dynamics.CRM.morerecords"):
                self.assertNotIn("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie", body)
                break
            cookie = body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]
            m = re.fullmatch(r'<cookie pagenumber="(\d+)" pagingcookie="([^"]+)" istracking="False" />', cookie)
            self.assertIsNotNone(m, cookie)
            self.assertEqual(int(m.group(1)), page + 1)
            self.assertTrue(m.group(2).startswith("%253ccookie%2520page%253d%2522" + str(page) + "%2522"), m.group(2))
            inner = urllib.parse.unquote(urllib.parse.unquote(m.group(2)))
            self.assertRegex(inner, r'^<cookie page="\d+"><contactid last="\{[0-9A-F-]{36}\}" first="\{[0-9A-F-]{36}\}" /></cookie>$')
            cookie_attr = ' paging-cookie="%s"' % inner.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            page += 1
        self.assertEqual(len(seen), 60)
        self.assertEqual(len(set(seen)), 60)
        self.assertEqual(seen, sorted(seen))  # primary-key order

    def test_paging_cookie_continues_after_its_last_key(self):
        """The next page starts after the cookie's last primary key: rows deleted from the
        first page move nothing, where a page number alone (an offset) would skip rows."""
        x = '<fetch count="10" page="%d"%s><entity name="contact"><attribute name="fullname"/></entity></fetch>'
        try:
            first = self.fetch("contacts", x % (1, ""), ALL_ANN).json
            ids = [r["contactid"] for r in first["value"]]
            m = re.search(r'pagingcookie="([^"]+)"', first["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"])
            inner = urllib.parse.unquote(urllib.parse.unquote(m.group(1)))
            self.assertIn('<contactid last="{%s}"' % ids[-1].upper(), inner)
            every = self.fetch("contacts", '<fetch count="40"><entity name="contact"><attribute name="fullname"/>'
                                           '</entity></fetch>').json["value"]
            following = [r["contactid"] for r in every][10:20]
            for rid in ids[:3]:
                r = self.emu.send("DELETE", "contacts(%s)" % rid)
                self.assertEqual(r.status, 204, r.body)
            attr = ' paging-cookie="%s"' % inner.replace("&", "&amp;").replace("<", "&lt;").replace(
                ">", "&gt;").replace('"', "&quot;")
            second = self.fetch("contacts", x % (2, attr), ALL_ANN).json["value"]
            self.assertEqual([r["contactid"] for r in second], following)
            by_number = self.fetch("contacts", x % (2, ""), ALL_ANN).json["value"]
            self.assertEqual([r["contactid"] for r in by_number], following[3:] + [r["contactid"] for r in every][20:23])
            r = self.fetch("contacts", x % (2, ' paging-cookie="&lt;cookie"'))
            self.assertError(r, 400, "0x80040203")
        finally:
            self.emu.control("POST", "reset")

    def test_aggregates(self):
        x = ('<fetch aggregate="true"><entity name="account">'
             '<attribute name="accountid" aggregate="count" alias="n"/>'
             '<attribute name="revenue" aggregate="sum" alias="total"/>'
             '<attribute name="numberofemployees" aggregate="max" alias="most"/>'
             '<attribute name="primarycontactid" aggregate="countcolumn" alias="withcontact"/>'
             '<attribute name="statecode" groupby="true" alias="state"/>'
             '</entity></fetch>')
        r = self.fetch("accounts", x, ALL_ANN)
        self.assertEqual(r.status, 200, r.body)
        rows = r.json["value"]
        self.assertEqual(sum(row["n"] for row in rows), 60)
        for row in rows:
            self.assertIn(row["state@OData.Community.Display.V1.FormattedValue"], ("Active", "Inactive"))
            self.assertNotIn("@odata.etag", row)
        od = self.emu.get("accounts?$apply=groupby((statecode),aggregate($count as n,revenue with sum as total))".replace(" ", "%20")).json
        self.assertEqual(sorted((g["statecode"], g["n"], g["total"]) for g in od["value"]),
                         sorted((g["state"], g["n"], g["total"]) for g in rows))
        x = ('<fetch aggregate="true"><entity name="account"><attribute name="revenue" aggregate="avg" alias="a"/>'
             '<attribute name="industrycode" aggregate="countcolumn" distinct="true" alias="kinds"/></entity></fetch>')
        row = self.fetch("accounts", x).json["value"][0]
        self.assertLessEqual(row["kinds"], 33)
        self.assertGreater(row["a"], 0)
