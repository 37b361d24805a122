"""dvemu metadata tests: EntityDefinitions (list, filter, single $entity with expanded
Attributes), Attributes with @odata.type and companions, typed casts with facets and
OptionSet expands, relationships, GlobalOptionSetDefinitions, WhoAmI, RetrieveVersion,
service document and $metadata CSDL.

Sources pinned here: spec section 11 and query-metadata-web-api docs (see metadata.py).
"""

import urllib.parse
import xml.etree.ElementTree as ET

from emu_helper import EmuTestCase

ENTITY_SELECT = ("LogicalName,EntitySetName,SchemaName,PrimaryIdAttribute,PrimaryNameAttribute,ObjectTypeCode,"
                 "IsIntersect,IsActivity,IsCustomEntity,ChangeTrackingEnabled,DisplayName,Description")
ATTR_SELECT = ("LogicalName,SchemaName,AttributeType,AttributeTypeName,AttributeOf,IsPrimaryId,IsPrimaryName,"
               "IsValidForRead,IsValidForCreate,IsValidForUpdate,IsValidODataAttribute,RequiredLevel,DisplayName,"
               "Description,ColumnNumber,IsLogical,IsCustomAttribute")


def q(s):
    return urllib.parse.quote(s, safe="$=&,()'/:*@?")


class TestEntityDefinitions(EmuTestCase):
    def test_list_all_unpaged(self):
        r = self.emu.get("EntityDefinitions?$select=" + ENTITY_SELECT)
        self.assertEqual(r.status, 200)
        body = r.json
        self.assertEqual(body["@odata.context"],
                         self.emu.org + "/api/data/v9.2/$metadata#EntityDefinitions(" + ENTITY_SELECT + ")")
        self.assertNotIn("@odata.nextLink", body)
        names = {e["LogicalName"]: e for e in body["value"]}
        for n in ("account", "contact", "lead", "opportunity", "systemuser", "businessunit", "team", "role",
                  "systemuserroles", "transactioncurrency", "new_project"):
            self.assertIn(n, names)
        acc = names["account"]
        self.assertEqual(list(acc), ENTITY_SELECT.split(",") + ["MetadataId"])
        self.assertEqual(acc["EntitySetName"], "accounts")
        self.assertEqual(acc["ObjectTypeCode"], 1)
        self.assertEqual(acc["DisplayName"]["UserLocalizedLabel"]["Label"], "Account")
        self.assertEqual(acc["DisplayName"]["LocalizedLabels"][0]["LanguageCode"], 1033)
        self.assertTrue(names["systemuserroles"]["IsIntersect"])
        self.assertEqual(names["systemuserroles"]["EntitySetName"], "systemuserrolescollection")
        self.assertTrue(names["new_project"]["IsCustomEntity"])

    def test_filter_by_logical_name(self):
        r = self.emu.get(q("EntityDefinitions?$select=LogicalName,EntitySetName&$filter=LogicalName eq 'new_project'"))
        self.assertEqual([e["LogicalName"] for e in r.json["value"]], ["new_project"])
        r = self.emu.get(q("EntityDefinitions?$select=LogicalName&$filter=IsCustomEntity eq true"))
        self.assertEqual([e["LogicalName"] for e in r.json["value"]], ["new_project"])

    def test_unknown_property(self):
        self.assertError(self.emu.get("EntityDefinitions?$select=Nope"), 400, "0x80060888",
                         "Could not find a property named 'Nope' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.")

    def test_single_with_expanded_attributes(self):
        r = self.emu.get("EntityDefinitions(LogicalName='account')?$select=LogicalName&$expand=Attributes($select=LogicalName,AttributeType)")
        body = r.json
        self.assertEqual(body["@odata.context"],
                         self.emu.org + "/api/data/v9.2/$metadata#EntityDefinitions(LogicalName,Attributes(LogicalName,AttributeType))/$entity")
        self.assertEqual(body["LogicalName"], "account")
        self.assertIn("MetadataId", body)
        self.assertIn("Attributes@odata.context", body)
        self.assertIn({"LogicalName", "AttributeType"}, [set(a) - {"@odata.type", "MetadataId"} for a in body["Attributes"]])
        self.assertError(self.emu.get("EntityDefinitions(LogicalName='nope')"), 404, "0x80040217")


class TestAttributes(EmuTestCase):
    def attrs(self, entity="account", cast=None, extra=""):
        path = "EntityDefinitions(LogicalName='%s')/Attributes" % entity
        if cast:
            path += "/Microsoft.Dynamics.CRM." + cast
        r = self.emu.get(path + extra)
        self.assertEqual(r.status, 200, r.body)
        return r.json

    def test_attribute_list(self):
        body = self.attrs(extra="?$select=" + ATTR_SELECT)
        self.assertTrue(body["@odata.context"].endswith("/Attributes(" + ATTR_SELECT + ")"))
        by = {a["LogicalName"]: a for a in body["value"]}
        self.assertEqual(by["accountid"]["@odata.type"], "#Microsoft.Dynamics.CRM.UniqueIdentifierAttributeMetadata")
        self.assertTrue(by["accountid"]["IsPrimaryId"])
        self.assertTrue(by["name"]["IsPrimaryName"])
        self.assertEqual(by["name"]["AttributeTypeName"], {"Value": "StringType"})
        self.assertEqual(by["name"]["RequiredLevel"]["Value"], "ApplicationRequired")
        self.assertEqual(by["primarycontactid"]["AttributeType"], "Lookup")
        self.assertEqual(by["ownerid"]["AttributeType"], "Owner")
        # companions listed as the real service does, not valid OData properties
        for comp, of in (("primarycontactidname", "primarycontactid"), ("owneridyominame", "ownerid"),
                         ("owneridtype", "ownerid")):
            self.assertEqual(by[comp]["AttributeOf"], of)
            self.assertFalse(by[comp]["IsValidODataAttribute"])
        self.assertEqual(by["owneridtype"]["@odata.type"], "#Microsoft.Dynamics.CRM.EntityNameAttributeMetadata")
        self.assertEqual(by["entityimage"]["AttributeType"], "Virtual")
        self.assertEqual(by["entityimage"]["AttributeTypeName"]["Value"], "ImageType")
        np = {a["LogicalName"]: a for a in self.attrs("new_project", extra="?$select=LogicalName,AttributeType,AttributeTypeName")["value"]}
        self.assertEqual(np["new_tags"]["@odata.type"], "#Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata")
        self.assertEqual(np["new_tags"]["AttributeTypeName"]["Value"], "MultiSelectPicklistType")
        self.assertEqual(np["new_customerid"]["AttributeType"], "Customer")
        kinds = {a["AttributeType"] for a in np.values()}
        for k in ("String", "Memo", "Integer", "BigInt", "Decimal", "Double", "Money", "Boolean", "DateTime",
                  "Uniqueidentifier", "Lookup", "Customer", "Owner", "Picklist", "State", "Status", "Virtual"):
            self.assertIn(k, kinds)

    def test_casts(self):
        s = {a["LogicalName"]: a for a in self.attrs(cast="StringAttributeMetadata", extra="?$select=LogicalName,MaxLength")["value"]}
        self.assertEqual(s["name"], {"LogicalName": "name", "MaxLength": 160, "MetadataId": s["name"]["MetadataId"]})
        m = {a["LogicalName"]: a for a in self.attrs("new_project", "MoneyAttributeMetadata", "?$select=LogicalName,Precision,PrecisionSource")["value"]}
        self.assertEqual(m["new_budget"]["Precision"], 2)
        self.assertEqual(m["new_budget"]["PrecisionSource"], 2)
        d = {a["LogicalName"]: a for a in self.attrs("new_project", "DecimalAttributeMetadata", "?$select=LogicalName,Precision,MinValue,MaxValue")["value"]}
        self.assertEqual(d["new_ratio"]["Precision"], 4)
        dt = {a["LogicalName"]: a for a in self.attrs("new_project", "DateTimeAttributeMetadata", "?$select=LogicalName,Format,DateTimeBehavior")["value"]}
        self.assertEqual(dt["new_duedate"]["Format"], "DateOnly")
        self.assertEqual(dt["new_duedate"]["DateTimeBehavior"], {"Value": "DateOnly"})
        self.assertEqual(dt["new_startedon"]["DateTimeBehavior"], {"Value": "UserLocal"})
        lk = {a["LogicalName"]: a for a in self.attrs("new_project", "LookupAttributeMetadata", "?$select=LogicalName,Targets")["value"]}
        self.assertEqual(lk["new_customerid"]["Targets"], ["account", "contact"])
        self.assertEqual(lk["ownerid"]["Targets"], ["systemuser", "team"])
        for cast, attr, props in (("IntegerAttributeMetadata", "new_units", "MinValue,MaxValue"),
                                  ("BigIntAttributeMetadata", "new_bignumber", "MinValue,MaxValue"),
                                  ("DoubleAttributeMetadata", "new_score", "Precision"),
                                  ("MemoAttributeMetadata", "new_notes", "MaxLength")):
            items = {a["LogicalName"]: a for a in self.attrs("new_project", cast, "?$select=LogicalName," + props)["value"]}
            for p in props.split(","):
                self.assertIn(p, items[attr])
        # a facet of another type is not a property of the cast type
        r = self.emu.get("EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=Precision")
        self.assertError(r, 400, "0x80060888")

    def test_optionset_expands(self):
        body = self.attrs("new_project", "PicklistAttributeMetadata",
                          "?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)")
        self.assertTrue(body["@odata.context"].endswith(
            "/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata(LogicalName,OptionSet(Options),GlobalOptionSet(Options))"))
        pr = [a for a in body["value"] if a["LogicalName"] == "new_priority"][0]
        opts = [(o["Value"], o["Label"]["UserLocalizedLabel"]["Label"]) for o in pr["OptionSet"]["Options"]]
        self.assertEqual(opts[0], (100000000, "Low"))
        self.assertEqual(pr["GlobalOptionSet"]["Options"], pr["OptionSet"]["Options"])
        st = self.attrs("account", "StatusAttributeMetadata", "?$select=LogicalName&$expand=OptionSet($select=Options)")["value"][0]
        self.assertEqual(st["OptionSet"]["Options"][0]["State"], 0)
        self.assertEqual(st["OptionSet"]["Options"][0]["@odata.type"], "#Microsoft.Dynamics.CRM.StatusOptionMetadata")
        sa = self.attrs("account", "StateAttributeMetadata", "?$select=LogicalName&$expand=OptionSet($select=Options)")["value"][0]
        self.assertEqual(sa["OptionSet"]["Options"][1]["DefaultStatus"], 2)
        ms = self.attrs("new_project", "MultiSelectPicklistAttributeMetadata", "?$select=LogicalName&$expand=OptionSet($select=Options)")["value"]
        self.assertEqual(len(ms[0]["OptionSet"]["Options"]), 5)
        b = self.attrs("account", "BooleanAttributeMetadata", "?$select=LogicalName&$expand=OptionSet($select=TrueOption,FalseOption)")
        cr = [a for a in b["value"] if a["LogicalName"] == "creditonhold"][0]
        self.assertEqual(cr["OptionSet"]["TrueOption"]["Value"], 1)
        self.assertEqual(cr["OptionSet"]["FalseOption"]["Label"]["UserLocalizedLabel"]["Label"], "No")
        self.assertNotIn("Options", cr["OptionSet"])


class TestRelationshipsAndMisc(EmuTestCase):
    def test_relationships(self):
        r = self.emu.get("EntityDefinitions(LogicalName='account')/ManyToOneRelationships?$select=SchemaName,ReferencedEntity,ReferencedAttribute,ReferencingEntity,ReferencingAttribute,ReferencedEntityNavigationPropertyName,ReferencingEntityNavigationPropertyName")
        rels = {x["SchemaName"]: x for x in r.json["value"]}
        pc = rels["account_primary_contact"]
        self.assertEqual((pc["ReferencedEntity"], pc["ReferencedAttribute"], pc["ReferencingAttribute"],
                          pc["ReferencingEntityNavigationPropertyName"]),
                         ("contact", "contactid", "primarycontactid", "primarycontactid"))
        r = self.emu.get("EntityDefinitions(LogicalName='account')/OneToManyRelationships?$select=SchemaName,ReferencingEntity")
        self.assertIn("contact_customer_accounts", [x["SchemaName"] for x in r.json["value"]])
        r = self.emu.get("EntityDefinitions(LogicalName='systemuser')/ManyToManyRelationships")
        nn = r.json["value"][0]
        self.assertEqual((nn["SchemaName"], nn["IntersectEntityName"], nn["Entity1LogicalName"], nn["Entity2LogicalName"],
                          nn["Entity1IntersectAttribute"], nn["Entity2NavigationPropertyName"]),
                         ("systemuserroles_association", "systemuserroles", "systemuser", "role", "systemuserid",
                          "systemuserroles_association"))
        cust = self.emu.get("EntityDefinitions(LogicalName='new_project')/ManyToOneRelationships?$select=ReferencingEntityNavigationPropertyName").json
        navs = [x["ReferencingEntityNavigationPropertyName"] for x in cust["value"]]
        self.assertIn("new_AccountId", navs)  # custom lookup navs are SchemaName-cased

    def test_global_optionset(self):
        r = self.emu.get("GlobalOptionSetDefinitions(Name='new_priority')")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["Name"], "new_priority")
        self.assertEqual(r.json["@odata.type"], "#Microsoft.Dynamics.CRM.OptionSetMetadata")
        self.assertEqual(len(r.json["Options"]), 4)

    def test_whoami_version_servicedoc(self):
        w = self.emu.get("WhoAmI").json
        self.assertEqual(w["@odata.context"], self.emu.org + "/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse")
        users = self.emu.get("systemusers(%s)?$select=applicationid" % w["UserId"]).json
        self.assertEqual(users["applicationid"], "11111111-1111-1111-1111-111111111111")
        self.assertRegex(self.emu.get("RetrieveVersion()").json["Version"], r"^9\.2\.")
        sd = self.emu.get("/api/data/v9.2/").json
        self.assertEqual(sd["@odata.context"], self.emu.org + "/api/data/v9.2/$metadata")
        self.assertIn({"name": "accounts", "kind": "EntitySet", "url": "accounts"}, sd["value"])

    def test_csdl(self):
        r = self.emu.get("$metadata", headers={"Accept": "application/xml"})
        self.assertTrue(r.header("Content-Type").startswith("application/xml"))
        root = ET.fromstring(r.body)
        ns = {"e": "http://docs.oasis-open.org/odata/ns/edm"}
        schema = root.find(".//e:Schema", ns)
        self.assertEqual(schema.get("Namespace"), "Microsoft.Dynamics.CRM")
        self.assertEqual(schema.get("Alias"), "mscrm")
        self.assertEqual(root.find(".//e:EntityContainer", ns).get("Name"), "System")
        acc = [t for t in schema.findall("e:EntityType", ns) if t.get("Name") == "account"][0]
        props = {p.get("Name"): p for p in acc.findall("e:Property", ns)}
        self.assertEqual(props["name"].get("Unicode"), "false")
        self.assertEqual(props["revenue"].get("Scale"), "Variable")
        self.assertEqual(props["_primarycontactid_value"].get("Type"), "Edm.Guid")
        self.assertNotIn("primarycontactidname", props)
        nav = [n for n in acc.findall("e:NavigationProperty", ns) if n.get("Name") == "primarycontactid"][0]
        rc = nav.find("e:ReferentialConstraint", ns)
        self.assertEqual((rc.get("Property"), rc.get("ReferencedProperty")), ("_primarycontactid_value", "contactid"))
        prj = [t for t in schema.findall("e:EntityType", ns) if t.get("Name") == "new_project"][0]
        self.assertIn("new_AccountId", [n.get("Name") for n in prj.findall("e:NavigationProperty", ns)])
        # every attribute the Attributes endpoint says is a valid OData attribute is a CSDL property
        attrs = self.emu.get("EntityDefinitions(LogicalName='account')/Attributes?$select=LogicalName,AttributeType,IsValidODataAttribute").json["value"]
        for a in attrs:
            if a["IsValidODataAttribute"]:
                name = "_%s_value" % a["LogicalName"] if a["AttributeType"] in ("Lookup", "Owner", "Customer") else a["LogicalName"]
                self.assertIn(name, props)


class TestRetrieveMetadataChanges(EmuTestCase):
    """RetrieveMetadataChanges (metadatachanges.py): a stamp, nothing changed -> no entities,
    a column added -> its entity (HasChanged false) with only that column, an expired or unknown
    stamp -> ExpiredVersionStamp, /_emu/reset removes the column (DeletedMetadata)."""

    QUERY = ('{"Properties":{"AllProperties":false,"PropertyNames":["LogicalName","EntitySetName",'
             '"Attributes"]},"AttributeQuery":{"Properties":{"AllProperties":true}}}')
    NONE = ('{"Criteria":{"FilterOperator":"And","Conditions":[{"PropertyName":"LogicalName",'
            '"ConditionOperator":"Equals","Value":{"Type":"System.String","Value":"dvodbc_none"}}]},'
            '"Properties":{"AllProperties":false,"PropertyNames":["LogicalName"]}}')

    def call(self, query, stamp=None):
        url = "RetrieveMetadataChanges(Query=@q%s)?@q=%s" % (
            ",ClientVersionStamp=@s,DeletedMetadataFilters=@d" if stamp is not None else "",
            urllib.parse.quote(query, safe=""))
        if stamp is not None:
            url += "&@s=%s&@d=%s" % (urllib.parse.quote("'%s'" % stamp, safe=""),
                                     urllib.parse.quote("Microsoft.Dynamics.CRM.DeletedMetadataFilters'Default'"))
        return self.emu.get(url)

    def test_changes(self):
        self.emu.control("POST", "reset")
        r = self.call(self.NONE)
        self.assertEqual(r.status, 200, r.body)
        body = r.json
        self.assertEqual(body["@odata.context"], self.emu.org +
                         "/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.RetrieveMetadataChangesResponse")
        self.assertEqual(body["EntityMetadata"], [])
        self.assertEqual(body["DeletedMetadata"], {"Count": 0, "IsReadOnly": False, "Keys": [], "Values": []})
        first = body["ServerVersionStamp"]
        self.assertRegex(first, r"^\d+!\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$")
        # nothing changed since the stamp: no entities, the same version
        body = self.call(self.QUERY, first).json
        self.assertEqual(body["EntityMetadata"], [])
        self.assertEqual(body["ServerVersionStamp"].split("!")[0], first.split("!")[0])
        # a column added to account: account alone, HasChanged false, the new column only
        r = self.emu.control("POST", "metadata/columns", {"entity": "account", "name": "new_added", "kind": "string"})
        self.assertEqual(r.status, 200, r.body)
        body = self.call(self.QUERY, first).json
        self.assertEqual([e["LogicalName"] for e in body["EntityMetadata"]], ["account"])
        acc = body["EntityMetadata"][0]
        self.assertIs(acc["HasChanged"], False)
        self.assertEqual([a["LogicalName"] for a in acc["Attributes"]], ["new_added"])
        self.assertIs(acc["Attributes"][0]["HasChanged"], True)
        self.assertEqual(acc["Attributes"][0]["@odata.type"], "#Microsoft.Dynamics.CRM.ComplexStringAttributeMetadata")
        second = body["ServerVersionStamp"]
        self.assertGreater(int(second.split("!")[0]), int(first.split("!")[0]))
        self.assertEqual(self.call(self.QUERY, second).json["EntityMetadata"], [])
        # the column is served by EntityDefinitions and readable
        attrs = self.emu.get("EntityDefinitions(LogicalName='account')/Attributes?$select=LogicalName").json["value"]
        self.assertIn("new_added", [a["LogicalName"] for a in attrs])
        rows = self.emu.get("accounts?$select=new_added&$top=1").json["value"]
        self.assertIsNone(rows[0]["new_added"])
        # a stamp never given out, then every stamp after an expiry: ExpiredVersionStamp
        self.assertError(self.call(self.QUERY, "99999999!01/01/2020 00:00:00"), 400, "0x80044352",
                         "Version stamp associated with the client has expired. Please perform a full sync.")
        self.assertError(self.call(self.QUERY, "nonsense"), 400, "0x80044352")
        self.emu.control("POST", "metadata/expire")
        self.assertError(self.call(self.QUERY, second), 400, "0x80044352")
        third = self.call(self.NONE).json["ServerVersionStamp"]
        self.assertEqual(self.call(self.QUERY, third).json["EntityMetadata"], [])
        # reset removes the added column: reported deleted since the earlier stamp
        self.emu.control("POST", "reset")
        body = self.call(self.QUERY, third).json
        self.assertEqual(body["DeletedMetadata"]["Count"], 1)
        self.assertEqual(body["DeletedMetadata"]["Keys"], ["Attribute"])
        attrs = self.emu.get("EntityDefinitions(LogicalName='account')/Attributes?$select=LogicalName").json["value"]
        self.assertNotIn("new_added", [a["LogicalName"] for a in attrs])

    def test_without_stamp_lists_matching_entities(self):
        q = ('{"Criteria":{"FilterOperator":"Or","Conditions":[{"PropertyName":"LogicalName",'
             '"ConditionOperator":"Equals","Value":{"Type":"System.String","Value":"contact"}}]},'
             '"Properties":{"AllProperties":false,"PropertyNames":["LogicalName","EntitySetName"]}}')
        body = self.call(q).json
        self.assertEqual(body["EntityMetadata"], [{"LogicalName": "contact", "EntitySetName": "contacts",
                                                   "MetadataId": body["EntityMetadata"][0]["MetadataId"],
                                                   "HasChanged": None}])
        self.assertEqual(self.emu.get("RetrieveMetadataChanges(Query=@q)?@q=notjson").status, 400)
