"""dvemu functions and actions (actions.py): their CSDL, running them, and their errors.

Sources: spec sections 1, 5, 11, 12; the Web API reference pages named in actions.py.
"""

import json
import urllib.parse
import xml.etree.ElementTree as ET

from emu_helper import EmuTestCase

NS = {"e": "http://docs.oasis-open.org/odata/ns/edm"}


class TestActionsCsdl(EmuTestCase):
    def schema(self):
        r = self.emu.get("$metadata", headers={"Accept": "application/xml"})
        return ET.fromstring(r.body).find(".//e:Schema", NS)

    def test_functions_and_actions_declared(self):
        s = self.schema()
        fns = {f.get("Name"): f for f in s.findall("e:Function", NS)}
        acts = {a.get("Name"): a for a in s.findall("e:Action", NS)}
        self.assertEqual(sorted(fns), ["GetTimeZoneCodeByLocalizedName", "RetrieveAadUserPrivileges", "RetrieveAadUserSetOfPrivilegesByNames",
                                       "RetrieveAvailableLanguages", "RetrieveTotalRecordCount",
                                       "RetrieveUserPrivileges", "RetrieveVersion", "WhoAmI"])
        aad = fns["RetrieveAadUserSetOfPrivilegesByNames"]
        self.assertEqual([(x.get("Name"), x.get("Type"), x.get("Nullable")) for x in aad.findall("e:Parameter", NS)],
                         [("DirectoryObjectId", "Edm.Guid", "false"),
                          ("PrivilegeNames", "Collection(Edm.String)", "false")])
        self.assertEqual(aad.find("e:ReturnType", NS).get("Type"),
                         "mscrm.RetrieveAadUserSetOfPrivilegesByNamesResponse")
        self.assertEqual(fns["RetrieveUserPrivileges"].get("IsBound"), "true")
        enums = {e.get("Name"): [m.get("Name") for m in e.findall("e:Member", NS)]
                 for e in s.findall("e:EnumType", NS)}
        self.assertEqual(enums["PrivilegeDepth"], ["Basic", "Local", "Deep", "Global"])
        self.assertEqual(sorted(acts), ["QualifyLead"])
        rt = fns["RetrieveTotalRecordCount"]
        p = rt.findall("e:Parameter", NS)
        self.assertEqual([(x.get("Name"), x.get("Type"), x.get("Nullable")) for x in p],
                         [("EntityNames", "Collection(Edm.String)", "false")])
        self.assertEqual(rt.find("e:ReturnType", NS).get("Type"), "mscrm.RetrieveTotalRecordCountResponse")
        q = acts["QualifyLead"]
        self.assertEqual(q.get("IsBound"), "true")
        params = [(x.get("Name"), x.get("Type")) for x in q.findall("e:Parameter", NS)]
        self.assertEqual(params[0], ("entity", "mscrm.lead"))
        self.assertIn(("Status", "Edm.Int32"), params)
        self.assertEqual(q.find("e:ReturnType", NS).get("Type"), "Collection(mscrm.crmbaseentity)")
        cts = {c.get("Name"): c for c in s.findall("e:ComplexType", NS)}
        who = [(x.get("Name"), x.get("Type")) for x in cts["WhoAmIResponse"].findall("e:Property", NS)]
        self.assertEqual(who, [("BusinessUnitId", "Edm.Guid"), ("UserId", "Edm.Guid"), ("OrganizationId", "Edm.Guid")])
        erc = [(x.get("Name"), x.get("Type")) for x in cts["EntityRecordCountCollection"].findall("e:Property", NS)]
        self.assertEqual(erc, [("Count", "Edm.Int32"), ("IsReadOnly", "Edm.Boolean"),
                               ("Keys", "Collection(Edm.String)"), ("Values", "Collection(Edm.Int64)")])
        imports = [i.get("Name") for i in s.find("e:EntityContainer", NS).findall("e:FunctionImport", NS)]
        self.assertEqual(sorted(imports), ["GetTimeZoneCodeByLocalizedName", "RetrieveAadUserPrivileges", "RetrieveAadUserSetOfPrivilegesByNames",
                                           "RetrieveAvailableLanguages", "RetrieveTotalRecordCount",
                                           "RetrieveVersion", "WhoAmI"])


class TestFunctions(EmuTestCase):
    def test_whoami_both_spellings(self):
        a = self.emu.get("WhoAmI").json
        b = self.emu.get("WhoAmI()").json
        self.assertEqual(a, b)
        self.assertEqual(sorted(a), ["@odata.context", "BusinessUnitId", "OrganizationId", "UserId"])

    def test_total_record_count_alias_and_inline(self):
        n_acc = self.emu.get("accounts/$count").text
        r = self.emu.get("RetrieveTotalRecordCount(EntityNames=@p1)?@p1=" + urllib.parse.quote('["account","contact"]'))
        self.assertEqual(r.status, 200, r.body)
        c = r.json["EntityRecordCountCollection"]
        self.assertEqual(c["Keys"], ["account", "contact"])
        self.assertEqual(c["Count"], 2)
        self.assertEqual(c["Values"][0], int(n_acc))
        self.assertEqual(r.json["@odata.context"],
                         self.emu.org + "/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse")
        r2 = self.emu.get("RetrieveTotalRecordCount(EntityNames=%s)" % urllib.parse.quote("['account']"))
        self.assertEqual(r2.json["EntityRecordCountCollection"]["Values"], [int(n_acc)])

    def test_total_record_count_errors(self):
        r = self.emu.get("RetrieveTotalRecordCount()")
        self.assertError(r, 400, "0x80060888")
        self.assertIn("'EntityNames'", r.json["error"]["message"])
        r = self.emu.get("RetrieveTotalRecordCount(EntityNames=@p1)?@p1=" + urllib.parse.quote('["nosuch"]'))
        self.assertError(r, 404, "0x80040217", "Could not find entity 'nosuch'.")
        r = self.emu.get("RetrieveTotalRecordCount(Names=@p1)?@p1=" + urllib.parse.quote('["account"]'))
        self.assertError(r, 400, "0x80060888")
        r = self.emu.get("RetrieveTotalRecordCount(EntityNames=@p1)?@p1=42")
        self.assertError(r, 400, "0x80060888")

    def test_collection_answer(self):
        r = self.emu.get("RetrieveAvailableLanguages()")
        self.assertEqual(r.json["LocaleIds"], [1033, 1031, 1036])

    def test_unknown_function_and_wrong_verb(self):
        self.assertError(self.emu.get("NoSuchFunction()"), 404, "0x80060888",
                         "Resource not found for the segment 'NoSuchFunction'.")
        self.assertError(self.emu.send("POST", "WhoAmI", b"{}", {"Content-Type": "application/json"}),
                         405, "0x80060888", "The requested resource does not support http method 'POST'.")


class TestQualifyLead(EmuTestCase):
    def open_lead(self):
        return self.emu.get("leads?$select=leadid,companyname&$filter=statecode%20eq%200&$top=1").json["value"][0]

    def post(self, lead_id, params):
        return self.emu.send("POST", "leads(%s)/Microsoft.Dynamics.CRM.QualifyLead" % lead_id,
                             json.dumps(params).encode(), {"Content-Type": "application/json"})

    def test_qualifies_and_creates(self):
        lead = self.open_lead()
        n_acc = int(self.emu.get("accounts/$count").text)
        r = self.post(lead["leadid"], {"CreateAccount": True, "CreateContact": False,
                                       "CreateOpportunity": False, "Status": 3})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["@odata.context"],
                         self.emu.org + "/api/data/v9.2/$metadata#Collection(Microsoft.Dynamics.CRM.crmbaseentity)")
        self.assertEqual(len(r.json["value"]), 1)
        made = r.json["value"][0]
        self.assertEqual(made["@odata.type"], "#Microsoft.Dynamics.CRM.account")
        acc = self.emu.get("accounts(%s)?$select=name" % made["accountid"]).json
        self.assertEqual(acc["name"], lead["companyname"])
        self.assertEqual(int(self.emu.get("accounts/$count").text), n_acc + 1)
        after = self.emu.get("leads(%s)?$select=statecode,statuscode" % lead["leadid"]).json
        self.assertEqual((after["statecode"], after["statuscode"]), (1, 3))
        # a closed lead cannot be qualified again
        r = self.post(lead["leadid"], {"CreateAccount": False, "CreateContact": False,
                                       "CreateOpportunity": False, "Status": 3})
        self.assertError(r, 400, "0x80040203")

    def test_errors_change_nothing(self):
        lead = self.open_lead()
        base = {"CreateAccount": True, "CreateContact": False, "CreateOpportunity": False}
        self.assertError(self.post(lead["leadid"], dict(base, Status=4)), 400, "0x80040203")
        self.assertError(self.post(lead["leadid"], base), 400, "0x80040203")
        self.assertError(self.post(lead["leadid"], dict(base, Status=3, Bogus=1)), 400, "0x80048d19")
        after = self.emu.get("leads(%s)?$select=statecode" % lead["leadid"]).json
        self.assertEqual(after["statecode"], 0)
        self.assertError(self.post("00000000-0000-0000-0000-000000000001", dict(base, Status=3)), 404, "0x80040217")
        r = self.emu.get("leads(%s)/Microsoft.Dynamics.CRM.QualifyLead" % lead["leadid"])
        self.assertError(r, 405, "0x80060888")
        r = self.emu.send("POST", "accounts(%s)/Microsoft.Dynamics.CRM.QualifyLead" % lead["leadid"], b"{}",
                          {"Content-Type": "application/json"})
        self.assertError(r, 404, "0x80060888",
                         "Resource not found for the segment 'Microsoft.Dynamics.CRM.QualifyLead'.")


class TestBoundFunction(EmuTestCase):
    def test_user_privileges(self):
        who = self.emu.get("WhoAmI").json
        r = self.emu.get("systemusers(%s)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()" % who["UserId"])
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["@odata.context"],
                         self.emu.org + "/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegesResponse")
        privs = r.json["RolePrivileges"]
        self.assertEqual([(p["PrivilegeName"], p["Depth"]) for p in privs],
                         [("prvReadAccount", "Global"), ("prvWriteAccount", "Local"), ("prvCreateLead", "Basic")])
        user = self.emu.get("systemusers(%s)?$select=_businessunitid_value" % who["UserId"]).json
        self.assertEqual({p["BusinessUnitId"] for p in privs}, {user["_businessunitid_value"]})
        r2 = self.emu.send("POST", "systemusers(%s)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges" % who["UserId"],
                           b"{}", {"Content-Type": "application/json"})
        self.assertError(r2, 405, "0x80060888")
        r3 = self.emu.get("systemusers(00000000-0000-0000-0000-000000000009)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()")
        self.assertError(r3, 404, "0x80040217")


class TestAadUserPrivileges(EmuTestCase):
    """Unbound functions answering a collection of a complex type (RolePrivilege)."""

    def user(self):
        who = self.emu.get("WhoAmI").json
        u = self.emu.get("systemusers(%s)?$select=azureactivedirectoryobjectid,_businessunitid_value"
                         % who["UserId"]).json
        return u["azureactivedirectoryobjectid"], u["_businessunitid_value"]

    def test_all_and_by_names(self):
        oid, bu = self.user()
        r = self.emu.get("RetrieveAadUserPrivileges(DirectoryObjectId=@p1)?@p1=" + oid)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["@odata.context"], self.emu.org +
                         "/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.RetrieveAadUserPrivilegesResponse")
        self.assertEqual([(p["PrivilegeName"], p["Depth"], p["BusinessUnitId"]) for p in r.json["RolePrivileges"]],
                         [("prvReadAccount", "Global", bu), ("prvWriteAccount", "Local", bu),
                          ("prvCreateLead", "Basic", bu)])
        r = self.emu.get("RetrieveAadUserSetOfPrivilegesByNames(DirectoryObjectId=@p1,PrivilegeNames=@p2)?@p1=%s&@p2=%s"
                         % (oid, urllib.parse.quote('["prvCreateLead","prvNoSuch","prvReadAccount"]')))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([p["PrivilegeName"] for p in r.json["RolePrivileges"]], ["prvCreateLead", "prvReadAccount"])

    def test_errors(self):
        self.assertError(self.emu.get("RetrieveAadUserPrivileges()"), 400, "0x80060888")
        r = self.emu.get("RetrieveAadUserPrivileges(DirectoryObjectId=@p1)?@p1=00000000-0000-0000-0000-0000000000aa")
        self.assertError(r, 404, "0x80040217")
        r = self.emu.get("RetrieveAadUserPrivileges(DirectoryObjectId=@p1)?@p1=nope")
        self.assertError(r, 400, "0x80060888")


class TestTimeZoneCode(EmuTestCase):
    def test_code_by_name(self):
        r = self.emu.get("GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@p1,LocaleId=@p2)?@p1=%s&@p2=1033"
                         % urllib.parse.quote("'Tokyo Standard Time'"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["TimeZoneCode"], 235)
        r = self.emu.get("GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@p1,LocaleId=@p2)?@p1=%s&@p2=1033"
                         % urllib.parse.quote("'Nowhere Time'"))
        self.assertError(r, 404, "0x80040217")
        r = self.emu.get("GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@p1)?@p1=%s"
                         % urllib.parse.quote("'GMT Standard Time'"))
        self.assertError(r, 400, "0x80060888")
