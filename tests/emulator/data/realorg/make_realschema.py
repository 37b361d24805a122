#!/usr/bin/env python3
"""Regenerates realschema.json.gz from a real organisation's $metadata CSDL.

Source: src/__tests__/data/edmx.xml of the npm package dataverse-gen 2.0.15 (MIT licence,
LICENSE.dataverse-gen beside this file):

    cd /tmp && npm pack dataverse-gen@2.0.15 && mkdir -p dvgen && tar -xzf dataverse-gen-2.0.15.tgz -C dvgen
    python3 tests/emulator/data/realorg/make_realschema.py /tmp/dvgen/package/src/__tests__/data/edmx.xml

Keeps, per entity set of the EntityContainer (the metadata sets EntityDefinitions,
GlobalOptionSetDefinitions, ManagedPropertyDefinitions and RelationshipDefinitions left out):
the entity type's name, the entity set's name, the key property, every structural property
with its Edm type (those of the base type too: email has activitypointer's), and every
single-valued navigation property with a ReferentialConstraint as [navigation property name,
constrained property, target type, partner].  gzip with mtime 0: the same CSDL always gives
the same bytes.
"""

import gzip
import json
import os
import sys
import xml.etree.ElementTree as ET

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
METADATA_SETS = ("EntityDefinitions", "GlobalOptionSetDefinitions", "ManagedPropertyDefinitions",
                 "RelationshipDefinitions")


def short(t):
    return t.split(".")[-1]


def main(argv):
    src = argv[1] if len(argv) > 1 else "/tmp/dvgen/package/src/__tests__/data/edmx.xml"
    out = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "realschema.json.gz")
    schema = ET.parse(src).getroot().find(".//%sSchema" % EDM)
    types = {t.get("Name"): t for t in schema.findall(EDM + "EntityType")}

    def chain(t):
        """t and its base types, base first (crmbaseentity and principal add nothing)."""
        out = []
        while t is not None:
            out.insert(0, t)
            base = t.get("BaseType")
            t = types.get(short(base)) if base else None
        return out

    entities = []
    for es in schema.find(EDM + "EntityContainer").findall(EDM + "EntitySet"):
        if es.get("Name") in METADATA_SETS:
            continue
        name = short(es.get("EntityType"))
        key, props, navs, seen = None, [], [], set()
        for t in chain(types[name]):
            k = t.find(EDM + "Key")
            if k is not None:
                key = k.find(EDM + "PropertyRef").get("Name")
            for p in t.findall(EDM + "Property"):
                if p.get("Name") not in seen:
                    seen.add(p.get("Name"))
                    props.append([p.get("Name"), short(p.get("Type"))])
            for n in t.findall(EDM + "NavigationProperty"):
                rc = n.find(EDM + "ReferentialConstraint")
                if rc is not None:
                    navs.append([n.get("Name"), rc.get("Property"), short(n.get("Type")),
                                 n.get("Partner")])
        if key == "ownerid":  # principal's key: systemuser/team name their own
            key = name + "id"
        entities.append({"name": name, "set": es.get("Name"), "key": key, "props": props,
                         "navs": navs})
    body = json.dumps({"source": "dataverse-gen 2.0.15 src/__tests__/data/edmx.xml",
                       "entities": entities}, separators=(",", ":"), sort_keys=False)
    with open(out, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
            g.write(body.encode("utf-8"))
    print("%s: %d entity sets, %d properties, %d navigation properties, %d bytes" % (
        out, len(entities), sum(len(e["props"]) for e in entities),
        sum(len(e["navs"]) for e in entities), os.path.getsize(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
