"""dvemu --real-schema: every entity set of a real org's $metadata (dvemu_lib/realschema.py,
data/realorg/realschema.json.gz). Pinned: the counts against the CSDL capture, attribute types
derived from the Edm types, relationships from ReferentialConstraints, the emulated entities
unchanged, the bulk EntityDefinitions query shape (and what the service refuses in it)."""

import gzip
import json
import os
import urllib.parse

from emu_helper import EmuTestCase

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "realorg", "realschema.json.gz")


def q(url):
    return urllib.parse.quote(url, safe="/?&=$(),'")


def realschema_rel_id(schema_name):
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from dvemu_lib import schema
    return schema.stable_guid("rel", schema_name)


def capture():
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        return {e["name"]: e for e in json.load(f)["entities"]}


class TestRealSchema(EmuTestCase):
    EMU_ARGS = ("--real-schema",)
    ROWS = 10

    def entities(self):
        r = self.emu.get("EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute")
        self.assertEqual(r.status, 200, r.body)
        return {e["LogicalName"]: e for e in r.json["value"]}

    def attrs(self, entity):
        r = self.emu.get(q("EntityDefinitions(LogicalName='%s')/Attributes?$select=LogicalName,"
                           "AttributeType,AttributeOf" % entity))
        self.assertEqual(r.status, 200, r.body)
        return {a["LogicalName"]: a for a in r.json["value"]}

    def test_entity_sets(self):
        real, ents = capture(), self.entities()
        self.assertEqual(len(real), 831)  # 835 entity sets less the 4 metadata sets
        # every real set, plus new_project (emulated, not in that org)
        self.assertEqual(set(ents), set(real) | {"new_project"})
        self.assertEqual(len(ents), 832)
        self.assertEqual(ents["msdyn_iotalert"]["EntitySetName"], "msdyn_iotalerts")
        self.assertEqual(ents["accountleads"]["EntitySetName"], "accountleadscollection")
        self.assertEqual(ents["email"]["PrimaryIdAttribute"], "activityid")
        r = self.emu.get("")  # the service document lists them all
        self.assertEqual(len([v for v in r.json["value"] if v["kind"] == "EntitySet"]), 832 + 3)

    def test_attribute_types(self):
        real = capture()
        for name in ("msdyn_iotalert", "campaign", "email"):
            props = real[name]["props"]
            attrs = self.attrs(name)
            own = {n: a for n, a in attrs.items() if not a["AttributeOf"]}
            # one attribute per CSDL property (lookups named without _x_value)
            expect = set(p[1:-6] if p.startswith("_") and p.endswith("_value") else p for p, t in props
                         if t in ("String", "Int32", "Int64", "Guid", "Boolean", "Decimal", "Double",
                                  "DateTimeOffset", "Date", "Binary"))
            self.assertEqual(set(own), expect, name)
        email = self.attrs("email")
        self.assertEqual(len(email), 129)
        self.assertEqual(email["activityid"]["AttributeType"], "Uniqueidentifier")
        self.assertEqual(email["subject"]["AttributeType"], "String")
        self.assertEqual(email["ownerid"]["AttributeType"], "Owner")
        self.assertEqual(email["owneridname"]["AttributeOf"], "ownerid")
        self.assertEqual(email["regardingobjectid"]["AttributeType"], "Lookup")
        self.assertEqual(email["statecode"]["AttributeType"], "State")
        self.assertEqual(email["actualdurationminutes"]["AttributeType"], "Integer")
        self.assertEqual(email["exchangerate"]["AttributeType"], "Decimal")
        self.assertEqual(email["createdon"]["AttributeType"], "DateTime")
        camp = self.attrs("campaign")
        self.assertEqual(camp["budgetedcost"]["AttributeType"], "Money")  # has budgetedcost_base
        self.assertEqual(camp["entityimage"]["AttributeType"], "Virtual")

    def test_lookup_targets_and_relationships(self):
        r = self.emu.get(q("EntityDefinitions(LogicalName='email')/Attributes/Microsoft.Dynamics.CRM."
                           "LookupAttributeMetadata?$select=LogicalName,Targets"))
        self.assertEqual(r.status, 200, r.body)
        t = {a["LogicalName"]: a["Targets"] for a in r.json["value"]}
        self.assertEqual(t["ownerid"], ["systemuser", "team"])
        # polymorphic: every target type of the navigation properties on _regardingobjectid_value
        real = capture()
        expect = []
        for nav, prop, target, partner in real["email"]["navs"]:
            if prop == "_regardingobjectid_value" and target not in expect:
                expect.append(target)
        self.assertEqual(t["regardingobjectid"], expect)
        self.assertEqual(len(expect), 22)
        self.assertIn("account", expect)
        r = self.emu.get(q("EntityDefinitions(LogicalName='msdyn_iotalert')/ManyToOneRelationships"
                           "?$select=SchemaName,ReferencingAttribute,ReferencedEntity"))
        self.assertEqual(r.status, 200, r.body)
        rels = {(x["ReferencingAttribute"], x["ReferencedEntity"]) for x in r.json["value"]}
        self.assertIn(("msdyn_customerasset", "msdyn_customerasset"), rels)
        self.assertIn(("createdby", "systemuser"), rels)
        # a constraint on a plain Guid property is a relationship too
        r = self.emu.get(q("EntityDefinitions(LogicalName='incident')/ManyToOneRelationships"
                           "?$select=SchemaName,ReferencingAttribute,ReferencedEntity"))
        self.assertIn({"SchemaName": "processstage_incident", "ReferencingAttribute": "stageid",
                       "ReferencedEntity": "processstage",
                       "MetadataId": realschema_rel_id("processstage_incident")}, r.json["value"])

    def test_emulated_entities_unchanged(self):
        acc = self.attrs("account")
        self.assertEqual(len(acc), 55)  # the emulator's account, not the org's 239 attributes
        r = self.emu.get("accounts?$select=name&$top=2")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len(r.json["value"]), 2)

    def test_rows_of_added_entities(self):
        r = self.emu.get("msdyn_iotalerts?$select=msdyn_iotalertid,msdyn_description")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len(r.json["value"]), 1)
        self.assertIsNone(r.json["value"][0]["msdyn_description"])

    def test_bulk_expand(self):
        names = ["email", "campaign", "msdyn_iotalert"]
        flt = " or ".join("LogicalName eq '%s'" % n for n in names)
        r = self.emu.get(q("EntityDefinitions?$select=LogicalName&$filter=%s&$expand=Attributes,"
                           "ManyToOneRelationships($select=SchemaName,ReferencingAttribute)" % flt))
        self.assertEqual(r.status, 200, r.body)
        got = {e["LogicalName"]: e for e in r.json["value"]}
        self.assertEqual(set(got), set(names))
        self.assertEqual(len(got["email"]["Attributes"]), 129)
        subj = [a for a in got["email"]["Attributes"] if a["LogicalName"] == "subject"][0]
        # no $select inside the expand: the derived type's properties come along
        self.assertEqual(subj["@odata.type"], "#Microsoft.Dynamics.CRM.StringAttributeMetadata")
        self.assertEqual(subj["MaxLength"], 100)
        # a derived type's property in the expand's $select is refused, as the service does
        r = self.emu.get(q("EntityDefinitions?$select=LogicalName&$filter=LogicalName eq 'email'"
                           "&$expand=Attributes($select=LogicalName,MaxLength)"))
        self.assertEqual(r.status, 400, r.body)
        self.assertIn("MaxLength", r.json["error"]["message"])

    def test_csdl(self):
        r = self.emu.get("$metadata")
        self.assertEqual(r.status, 200)
        text = r.text
        self.assertEqual(text.count("<EntitySet "), 832)
        self.assertIn('<EntityType Name="msdyn_iotalert"', text)
