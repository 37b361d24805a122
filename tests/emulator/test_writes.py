"""dvemu write tests: POST (204 + OData-EntityId / 201 representation), PATCH update with
If-Match (* and etag), upsert, If-None-Match: *, DELETE, single-property PUT/DELETE,
@odata.bind with case-sensitive navigation names, and validation errors.

Sources pinned here: spec section 8 (see writes.py for the doc URLs).
"""

import re

from emu_helper import EmuTestCase

GUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class TestWrites(EmuTestCase):
    def create(self, body, entity="accounts", headers=None):
        return self.emu.send("POST", entity, body, headers)

    def test_create_204_and_read_back(self):
        contact = self.emu.get("contacts?$select=fullname&$top=1").json["value"][0]
        r = self.create({"name": "Emu Test Co", "revenue": 1234.5, "industrycode": 7,
                         "primarycontactid@odata.bind": "/contacts(%s)" % contact["contactid"]})
        self.assertEqual(r.status, 204, r.body)
        eid = r.header("OData-EntityId")
        m = re.fullmatch(re.escape(self.emu.org) + r"/api/data/v9\.2/accounts\((%s)\)" % GUID_RE, eid)
        self.assertIsNotNone(m, eid)
        row = self.emu.get("accounts(%s)?$select=name,revenue,industrycode,_primarycontactid_value,_ownerid_value,statecode" % m.group(1)).json
        self.assertEqual(row["name"], "Emu Test Co")
        self.assertEqual(row["revenue"], 1234.5)
        self.assertEqual(row["_primarycontactid_value"], contact["contactid"])
        self.assertEqual(row["statecode"], 0)
        who = self.emu.get("WhoAmI").json
        self.assertEqual(row["_ownerid_value"], who["UserId"])

    def test_create_representation(self):
        r = self.create({"name": "Rep Co"}, headers={"Prefer": "return=representation"})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.header("Preference-Applied"), "return=representation")
        self.assertIsNone(r.header("OData-EntityId"))
        self.assertTrue(r.json["@odata.context"].endswith("/$metadata#accounts/$entity"))
        self.assertEqual(r.json["name"], "Rep Co")

    def test_client_chosen_id_and_duplicate(self):
        rid = "aaaaaaaa-0000-4000-8000-000000000001"
        self.assertEqual(self.create({"accountid": rid, "name": "Chosen"}).status, 204)
        self.assertError(self.create({"accountid": rid, "name": "Again"}), 412, "0x80040237",
                         "A record with matching key values already exists.")

    def test_update_if_match(self):
        rid = "aaaaaaaa-0000-4000-8000-000000000002"
        self.create({"accountid": rid, "name": "Before"})
        r = self.emu.send("PATCH", "accounts(%s)" % rid, {"name": "After"}, {"If-Match": "*"})
        self.assertEqual(r.status, 204, r.body)
        got = self.emu.get("accounts(%s)?$select=name" % rid)
        self.assertEqual(got.json["name"], "After")
        etag = got.json["@odata.etag"]
        self.assertError(self.emu.send("PATCH", "accounts(%s)" % rid, {"name": "X"}, {"If-Match": 'W/"1"'}),
                         412, "0x80060882", "The version of the existing record doesn't match the RowVersion property provided.")
        self.assertEqual(self.emu.send("PATCH", "accounts(%s)" % rid, {"name": "Y"}, {"If-Match": etag}).status, 204)
        missing = "aaaaaaaa-0000-4000-8000-0000000000ff"
        self.assertError(self.emu.send("PATCH", "accounts(%s)" % missing, {"name": "X"}, {"If-Match": "*"}),
                         404, "0x80040217", "Entity 'account' With Id = %s Does Not Exist" % missing)

    def test_upsert(self):
        rid = "aaaaaaaa-0000-4000-8000-000000000003"
        r = self.emu.send("PATCH", "accounts(%s)" % rid, {"name": "Upserted"}, {"Prefer": "return=representation"})
        self.assertEqual(r.status, 201, r.body)
        r = self.emu.send("PATCH", "accounts(%s)" % rid, {"name": "Upserted 2"}, {"Prefer": "return=representation"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["name"], "Upserted 2")
        r = self.emu.send("PATCH", "accounts(%s)" % rid, {"name": "Upserted 3"})
        self.assertEqual(r.status, 204)
        self.assertEqual(r.header("OData-EntityId"), "%s/api/data/v9.2/accounts(%s)" % (self.emu.org, rid))
        self.assertError(self.emu.send("PATCH", "accounts(%s)" % rid, {"name": "no"}, {"If-None-Match": "*"}),
                         412, "0x80040237", "A record with matching key values already exists.")
        # upsert by alternate key
        r = self.emu.send("PATCH", "accounts(accountnumber='ALT-1')", {"name": "By key"})
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(self.emu.get("accounts(accountnumber='ALT-1')?$select=name").json["name"], "By key")

    def test_delete_and_property_ops(self):
        rid = "aaaaaaaa-0000-4000-8000-000000000004"
        self.create({"accountid": rid, "name": "Del", "description": "text"})
        self.assertEqual(self.emu.send("PUT", "accounts(%s)/name" % rid, {"value": "Renamed"}).status, 204)
        self.assertEqual(self.emu.send("DELETE", "accounts(%s)/description" % rid).status, 204)
        row = self.emu.get("accounts(%s)?$select=name,description" % rid).json
        self.assertEqual((row["name"], row["description"]), ("Renamed", None))
        self.assertEqual(self.emu.send("DELETE", "accounts(%s)" % rid).status, 204)
        self.assertError(self.emu.send("DELETE", "accounts(%s)" % rid), 404, "0x80040217")

    def test_validation_errors(self):
        self.assertError(self.create({"name": "x" * 161}), 400, "0x80044331",
                         "A validation error occurred.  The length of the 'name' attribute of the 'account' entity "
                         "exceeded the maximum allowed length of '160'.")
        r = self.create({"name": "x", "industrycode": 999})
        self.assertError(r, 400, "0x8004431A")
        r = self.create({"name": "x", "nosuch": 1})
        self.assertError(r, 400, "0x80048d19")
        self.assertIn("The property 'nosuch' does not exist on type 'Microsoft.Dynamics.CRM.account'", r.json["error"]["message"])
        r = self.create({"name": "x", "numberofemployees": "many"})
        self.assertError(r, 400, "0x80048d19")
        # navigation property names are case-sensitive (custom lookups are SchemaName-cased)
        acc = self.emu.get("accounts?$top=1&$select=name").json["value"][0]["accountid"]
        ok = self.create({"new_name": "P", "new_AccountId@odata.bind": "/accounts(%s)" % acc}, entity="new_projects")
        self.assertEqual(ok.status, 204, ok.body)
        bad = self.create({"new_name": "P", "new_accountid@odata.bind": "/accounts(%s)" % acc}, entity="new_projects")
        self.assertError(bad, 400, "0x80048d19")
        self.assertIn("An undeclared property 'new_accountid' which only has property annotations", bad.json["error"]["message"])
        # polymorphic customer lookup via its per-target navigation property
        con = self.emu.get("contacts?$top=1&$select=fullname").json["value"][0]["contactid"]
        r = self.create({"new_name": "Q", "new_CustomerId_contact@odata.bind": "contacts(%s)" % con},
                        entity="new_projects", headers={"Prefer": 'return=representation,odata.include-annotations="*"'})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.json["_new_customerid_value"], con)
        self.assertEqual(r.json["_new_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"], "contact")

    def test_required_attributes(self):
        # SystemRequired (team name, business unit) -> 400 0x80040203; ApplicationRequired
        # (account name) is not enforced by the API (MicrosoftDocs/powerapps-docs#1580).
        r = self.emu.send("POST", "teams", {"teamtype": 0})
        self.assertError(r, 400, "0x80040203")
        self.assertIn("'name'", r.json["error"]["message"])
        r = self.emu.send("POST", "accounts", {"telephone1": "1"})
        self.assertEqual(r.status, 204, r.body)
        rid = r.header("OData-EntityId").rsplit("(", 1)[1][:-1]
        r = self.emu.send("PATCH", "roles(%s)" % self.emu.get("roles?$select=name&$top=1").json["value"][0]["roleid"],
                          {"name": None}, {"If-Match": "*"})
        self.assertError(r, 400, "0x80040203")
        self.assertEqual(self.emu.send("DELETE", "accounts(%s)" % rid).status, 204)

    def test_associate_disassociate(self):
        # N:N $ref (spec section 8): the intersect table shows the association on read.
        users = [u["systemuserid"] for u in self.emu.get("systemusers?$select=fullname").json["value"]]
        roles = [r["roleid"] for r in self.emu.get("roles?$select=name").json["value"]]
        pairs = set((x["systemuserid"], x["roleid"]) for x in
                    self.emu.get("systemuserrolescollection?$select=systemuserid,roleid").json["value"])
        uid, rid = next((u, r) for u in users for r in roles if (u, r) not in pairs)
        inter = "systemuserrolescollection?$select=systemuserid,roleid&$filter=systemuserid%%20eq%%20%s" % uid
        before = self.emu.get(inter).json["value"]
        ref = {"@odata.id": "%s/api/data/v9.2/roles(%s)" % (self.emu.org, rid)}
        r = self.emu.send("POST", "systemusers(%s)/systemuserroles_association/$ref" % uid, ref)
        self.assertEqual((r.status, r.body), (204, b""))
        after = self.emu.get(inter).json["value"]
        self.assertEqual(len(after), len(before) + 1)
        self.assertEqual(sum(1 for x in after if x["roleid"] == rid), 1)
        self.assertError(self.emu.send("POST", "systemusers(%s)/systemuserroles_association/$ref" % uid, ref),
                         400, "0x80040237", "Cannot insert duplicate key.")
        # from the other side, relative @odata.id, then DELETE with $id
        r = self.emu.send("DELETE", "roles(%s)/systemuserroles_association/$ref?$id=%s/api/data/v9.2/"
                          "systemusers(%s)" % (rid, self.emu.org, uid))
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(self.emu.get(inter).json["value"], before)
        r = self.emu.send("POST", "roles(%s)/systemuserroles_association/$ref" % rid,
                          {"@odata.id": "systemusers(%s)" % uid})
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(len(self.emu.get(inter).json["value"]), len(before) + 1)
        r = self.emu.send("DELETE", "systemusers(%s)/systemuserroles_association(%s)/$ref" % (uid, rid))
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(self.emu.get(inter).json["value"], before)

    def test_associate_errors(self):
        uid = self.emu.get("systemusers?$select=fullname&$top=1").json["value"][0]["systemuserid"]
        missing = "aaaaaaaa-0000-4000-8000-0000000000fe"
        ref = {"@odata.id": "/roles(%s)" % missing}
        self.assertError(self.emu.send("POST", "systemusers(%s)/systemuserroles_association/$ref" % uid, ref),
                         404, "0x80040217", "Entity 'role' With Id = %s Does Not Exist" % missing)
        rid = self.emu.get("roles?$select=name&$top=1").json["value"][0]["roleid"]
        self.assertError(self.emu.send("POST", "systemusers(%s)/systemuserroles_association/$ref" % missing,
                                       {"@odata.id": "/roles(%s)" % rid}),
                         404, "0x80040217", "Entity 'systemuser' With Id = %s Does Not Exist" % missing)
        self.assertError(self.emu.send("DELETE", "systemusers(%s)/systemuserroles_association(%s)/$ref"
                                       % (uid, missing)), 404, "0x80040217")
        self.assertError(self.emu.send("POST", "systemusers(%s)/nosuchnav/$ref" % uid,
                                       {"@odata.id": "/roles(%s)" % rid}), 400, "0x80060888")
