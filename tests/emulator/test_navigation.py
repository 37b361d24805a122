"""dvemu navigation tests: GET <set>(<key>)/<nav> (collection- and single-valued), collection-
valued $expand (single-level and nested, one-to-many and many-to-many), and their refusals.

Sources pinned here: join-tables and query-data-web-api docs, spec section 4 (see
dvemu_lib/navigation.py, which also lists the [U] choices these tests fix).
"""

import urllib.parse

from emu_helper import EmuTestCase


def q(s):
    return urllib.parse.quote(s, safe="$=&,()'/:*@?;")


A = "aaaaaaaa-0000-4000-8000-000000000001"  # three contacts, primary contact = C2
B = "aaaaaaaa-0000-4000-8000-000000000002"  # no contacts, no primary contact
# contact ids in SQL Server order C1 < C2 < C3 (the last group decides), text order C3 < C2 < C1
C1 = "c3000000-0000-4000-8000-000000000001"
C2 = "c2000000-0000-4000-8000-000000000002"
C3 = "c1000000-0000-4000-8000-000000000003"
ONLY = ("Only $select and $filter clause can be provided while doing $expand on many-to-one "
        "relationship or nested one-to-many relationship.")


class TestNavigation(EmuTestCase):
    ROWS = 20

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        emu = cls.emu
        # rows in the service's GUID order (test_guidorder.py)
        assert emu.control("POST", "config", {"guid_order": "sqlserver"}).status == 200
        for rid, name in ((A, "NavA"), (B, "NavB")):
            assert emu.send("POST", "accounts", {"accountid": rid, "name": name}).status == 204
        for cid, first, last in ((C1, "Ann", "Zeta"), (C2, "Bob", "Young"), (C3, "Cid", "Xu")):
            r = emu.send("POST", "contacts", {"contactid": cid, "firstname": first, "lastname": last,
                                              "parentcustomerid_account@odata.bind": "/accounts(%s)" % A})
            assert r.status == 204, r.body
        assert emu.send("PATCH", "accounts(%s)" % A, {"primarycontactid@odata.bind": "/contacts(%s)" % C2}).status == 204
        cls.base = emu.org + "/api/data/v9.2/"
        cls.etag = {}
        for rid in (A, B):
            cls.etag[rid] = emu.get("accounts(%s)?$select=name" % rid).json["@odata.etag"]
        for cid in (C1, C2, C3):
            cls.etag[cid] = emu.get("contacts(%s)?$select=lastname" % cid).json["@odata.etag"]

    def child(self, cid, last, with_parent=True, etag=True):
        row = {}
        if etag:
            row["@odata.etag"] = self.etag[cid]
        row["lastname"] = last
        if with_parent:
            row["_parentcustomerid_value"] = A
        row["contactid"] = cid
        return row

    # ---- <set>(<key>)/<collection-valued nav> ----------------------------------------------
    def test_collection_path(self):
        r = self.emu.get(q("accounts(%s)/contact_customer_accounts?$select=lastname&$filter=lastname ne 'Young'"
                           "&$orderby=lastname" % A))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json, {
            "@odata.context": self.base + "$metadata#contacts(lastname)",
            "value": [{"@odata.etag": self.etag[C3], "lastname": "Xu", "contactid": C3},
                      {"@odata.etag": self.etag[C1], "lastname": "Zeta", "contactid": C1}]})
        # no $orderby: SQL Server GUID order
        r = self.emu.get(q("accounts(%s)/contact_customer_accounts?$select=lastname&$count=true" % A))
        self.assertEqual([x["contactid"] for x in r.json["value"]], [C1, C2, C3])
        self.assertEqual(r.json["@odata.count"], 3)
        # an empty collection; the same query of another parent is another page (page cache key)
        r = self.emu.get(q("accounts(%s)/contact_customer_accounts?$select=lastname" % A))
        self.assertEqual(len(r.json["value"]), 3)
        r = self.emu.get(q("accounts(%s)/contact_customer_accounts?$select=lastname" % B))
        self.assertEqual(r.json, {"@odata.context": self.base + "$metadata#contacts(lastname)", "value": []})

    def test_collection_path_pages(self):
        prefer = {"Prefer": "odata.maxpagesize=2"}
        r = self.emu.get(q("accounts(%s)/contact_customer_accounts?$select=lastname" % A), headers=prefer)
        self.assertEqual(r.header("Preference-Applied"), "odata.maxpagesize=2")
        self.assertEqual([x["contactid"] for x in r.json["value"]], [C1, C2])
        link = r.json["@odata.nextLink"]
        self.assertTrue(link.startswith(self.base + "accounts(%s)/contact_customer_accounts?$select=lastname"
                                        "&$skiptoken=%%3Ccookie%%20pagenumber=%%222%%22" % A), link)
        r = self.emu.get(link[len(self.emu.org):], headers=prefer)
        self.assertEqual(r.json, {"@odata.context": self.base + "$metadata#contacts(lastname)",
                                  "value": [{"@odata.etag": self.etag[C3], "lastname": "Xu", "contactid": C3}]})

    def test_single_valued_path(self):
        r = self.emu.get("accounts(%s)/primarycontactid?$select=lastname" % A)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json, {"@odata.context": self.base + "$metadata#contacts(lastname)/$entity",
                                  "@odata.etag": self.etag[C2], "lastname": "Young", "contactid": C2})
        self.assertEqual(r.header("ETag"), self.etag[C2])
        r = self.emu.get("accounts(%s)/primarycontactid?$select=lastname" % B)
        self.assertEqual((r.status, r.body), (204, b""))
        # polymorphic: the contact's customer is an account, so the contact-typed nav is empty
        self.assertEqual(self.emu.get("contacts(%s)/parentcustomerid_contact" % C1).status, 204)
        r = self.emu.get("contacts(%s)/parentcustomerid_account?$select=name" % C1)
        self.assertEqual(r.json["name"], "NavA")

    def test_path_errors(self):
        self.assertError(self.emu.get("accounts(%s)/nosuch" % A), 404, "0x80060888",
                         "Resource not found for the segment 'nosuch'.")
        missing = "00000000-0000-0000-0000-000000000009"
        self.assertError(self.emu.get("accounts(%s)/contact_customer_accounts" % missing), 404, "0x80040217",
                         "Entity 'account' With Id = %s Does Not Exist" % missing)
        self.assertError(self.emu.get("accounts(%s)/contact_customer_accounts?$select=name" % A), 400, "0x80060888",
                         "Could not find a property named 'name' on type 'Microsoft.Dynamics.CRM.contact'.")
        # a property path still answers the value
        self.assertEqual(self.emu.get("accounts(%s)/name" % A).json["value"], "NavA")

    # ---- collection-valued $expand, single level --------------------------------------------
    def test_single_level_expand(self):
        url = q("accounts?$select=name&$filter=accountid eq %s or accountid eq %s"
                "&$expand=contact_customer_accounts($select=lastname;$filter=lastname ne 'Xu';$orderby=lastname desc;$top=5)"
                % (A, B))
        link_opts = "?$select=lastname&$filter=lastname%20ne%20'Xu'&$orderby=lastname%20desc&$top=5"
        r = self.emu.get(url)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json, {
            "@odata.context": self.base + "$metadata#accounts(name,contact_customer_accounts(lastname))",
            "value": [
                {"@odata.etag": self.etag[A], "name": "NavA", "accountid": A,
                 "contact_customer_accounts": [self.child(C1, "Zeta"), self.child(C2, "Young")],
                 "contact_customer_accounts@odata.nextLink":
                     self.base + "accounts(%s)/contact_customer_accounts" % A + link_opts},
                {"@odata.etag": self.etag[B], "name": "NavB", "accountid": B,
                 "contact_customer_accounts": [],
                 "contact_customer_accounts@odata.nextLink":
                     self.base + "accounts(%s)/contact_customer_accounts" % B + link_opts}]})
        # the nextLink is the filtered collection: the same rows
        link = r.json["value"][0]["contact_customer_accounts@odata.nextLink"]
        again = self.emu.get(link[len(self.emu.org):]).json["value"]
        self.assertEqual(again, [dict(self.child(C1, "Zeta", False)), dict(self.child(C2, "Young", False))])
        # odata.maxpagesize pages the accounts only; $top inside the expand still applies
        r = self.emu.get(q("accounts?$select=name&$filter=accountid eq %s or accountid eq %s"
                           "&$expand=contact_customer_accounts($select=lastname;$top=2)" % (A, B)),
                         headers={"Prefer": "odata.maxpagesize=1"})
        self.assertEqual(len(r.json["value"]), 1)
        self.assertEqual(r.json["value"][0]["contact_customer_accounts"], [self.child(C1, "Zeta"), self.child(C2, "Young")])
        self.assertIn("@odata.nextLink", r.json)

    def test_expand_on_single_record(self):
        r = self.emu.get(q("accounts(%s)?$select=name&$expand=contact_customer_accounts($select=lastname)" % A))
        self.assertEqual(r.json["@odata.context"],
                         self.base + "$metadata#accounts(name,contact_customer_accounts(lastname))/$entity")
        self.assertEqual(r.json["contact_customer_accounts"],
                         [self.child(C1, "Zeta"), self.child(C2, "Young"), self.child(C3, "Xu")])
        self.assertEqual(r.json["contact_customer_accounts@odata.nextLink"],
                         self.base + "accounts(%s)/contact_customer_accounts?$select=lastname" % A)

    # ---- nested $expand: paged children ------------------------------------------------------
    def test_nested_expand_pages_children(self):
        prefer = {"Prefer": "odata.maxpagesize=2"}
        url = q("accounts?$select=name&$filter=accountid eq %s"
                "&$expand=contact_customer_accounts($select=lastname;$expand=createdby($select=fullname))" % A)
        r = self.emu.get(url, headers=prefer)
        self.assertEqual(r.status, 200, r.body)
        row = r.json["value"][0]
        self.assertEqual(r.json["@odata.context"], self.base +
                         "$metadata#accounts(name,contact_customer_accounts(lastname,createdby(fullname)))")
        kids = row["contact_customer_accounts"]
        # no etag, no parent lookup in paged children (the docs' nested example)
        self.assertEqual([sorted(k) for k in kids], [["contactid", "createdby", "lastname"]] * 2)
        self.assertEqual([(k["contactid"], k["lastname"], k["createdby"]["fullname"]) for k in kids],
                         [(C1, "Zeta", "# dvemu app"), (C2, "Young", "# dvemu app")])
        link = row["contact_customer_accounts@odata.nextLink"]
        self.assertTrue(link.startswith(self.base + "accounts(%s)/contact_customer_accounts?$select=lastname"
                                        "&$expand=createdby($select=fullname)&$skiptoken=%%3Ccookie%%20pagenumber=%%222%%22"
                                        % A), link)
        self.assertIn(C2.upper(), link)  # last key of the page
        r = self.emu.get(link[len(self.emu.org):], headers=prefer)
        self.assertEqual([x["contactid"] for x in r.json["value"]], [C3])
        self.assertNotIn("@odata.nextLink", r.json)
        # a page that is not full has no nextLink
        r = self.emu.get(url, headers={"Prefer": "odata.maxpagesize=5"})
        self.assertEqual(len(r.json["value"][0]["contact_customer_accounts"]), 3)
        self.assertNotIn("contact_customer_accounts@odata.nextLink", r.json["value"][0])

    def test_nested_expand_refuses_top_and_orderby(self):
        for opt in ("$top=1", "$orderby=lastname"):
            self.assertError(self.emu.get(q("accounts?$select=name&$expand=contact_customer_accounts(%s;"
                                            "$expand=createdby($select=fullname))" % opt)), 400, "0x80060888", ONLY)
            # a nested expand elsewhere in the query counts too
            self.assertError(self.emu.get(q("accounts?$select=name&$expand=contact_customer_accounts(%s),"
                                            "primarycontactid($expand=createdby($select=fullname))" % opt)),
                             400, "0x80060888", ONLY)
        # a single-valued expand keeps refusing $top
        self.assertError(self.emu.get(q("accounts?$expand=primarycontactid($top=1)")), 400, "0x80060888", ONLY)
        self.assertError(self.emu.get(q("accounts?$expand=contact_customer_accounts($skip=1)")), 400, "0x80060888",
                         "The query parameter $skip is not supported")

    # ---- many-to-many ------------------------------------------------------------------------
    def test_many_to_many(self):
        user = self.emu.get(q("systemusers?$select=fullname&$filter=fullname eq '# dvemu app'")).json["value"][0]
        uid = user["systemuserid"]
        links = self.emu.get(q("systemuserrolescollection?$select=roleid&$filter=systemuserid eq %s" % uid)).json["value"]
        roles = set(x["roleid"] for x in links)
        self.assertGreater(len(roles), 0)
        r = self.emu.get(q("systemusers(%s)?$select=fullname&$expand=systemuserroles_association($select=name)" % uid))
        self.assertEqual(r.status, 200, r.body)
        got = r.json["systemuserroles_association"]
        self.assertEqual(set(x["roleid"] for x in got), roles)
        self.assertEqual([sorted(x) for x in got], [["@odata.etag", "name", "roleid"]] * len(roles))
        self.assertEqual(r.json["systemuserroles_association@odata.nextLink"],
                         self.base + "systemusers(%s)/systemuserroles_association?$select=name" % uid)
        # the other side and the path
        rid = got[0]["roleid"]
        r = self.emu.get(q("roles(%s)/systemuserroles_association?$select=fullname" % rid))
        self.assertIn(uid, [x["systemuserid"] for x in r.json["value"]])
        self.assertError(self.emu.get(q("systemusers?$expand=systemuserroles_association($expand=businessunitid)")),
                         400, "0x80060888",
                         "Expansion of many-to-many navigation property 'systemuserroles_association' cannot be nested.")
        self.assertError(self.emu.get(q("systemusers?$expand=systemuserroles_association,businessunitid")),
                         400, "0x80060888",
                         "Expansion of many-to-many navigation property 'systemuserroles_association' cannot be "
                         "combined with other navigation properties.")

    def test_expand_limit(self):
        # Source: join-tables doc: up to 15 $expand options in a query, nested ones included
        flat = ["createdby", "modifiedby", "owningbusinessunit", "parentaccountid", "transactioncurrencyid",
                "contact_customer_accounts", "account_parent_account", "opportunity_customer_accounts",
                "opportunity_parent_account", "new_account_new_project_AccountId", "new_account_new_project_CustomerId"]
        four = "primarycontactid($expand=createdby($expand=businessunitid($expand=parentbusinessunitid)))"
        five = ("primarycontactid($expand=createdby($expand=businessunitid($expand=parentbusinessunitid("
                "$expand=parentbusinessunitid))))")
        ok = self.emu.get(q("accounts?$select=name&$top=1&$expand=" + ",".join(flat + [four])))
        self.assertEqual(ok.status, 200, ok.body)
        self.assertEqual(len(ok.json["value"]), 1)
        self.assertError(self.emu.get(q("accounts?$select=name&$top=1&$expand=" + ",".join(flat + [five]))),
                         400, "0x80060888", "Number of expands in the query exceeded the maximum limit of 15.")

    def test_unknown_collection_nav(self):
        self.assertError(self.emu.get("accounts?$expand=Account_Tasks"), 400, "0x80060888",
                         "Could not find a property named 'Account_Tasks' on type 'Microsoft.Dynamics.CRM.account'.")
