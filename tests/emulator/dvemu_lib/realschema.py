"""dvemu --real-schema: every entity set of a real organisation's $metadata.

Owns: turning data/realorg/realschema.json.gz (derived from the CSDL in the MIT-licensed test
data of the npm package dataverse-gen 2.0.15, see data/realorg/README.md and
make_realschema.py) into schema.Entity objects, so that EntityDefinitions, Attributes,
ManyToOneRelationships and $metadata describe the 831 data entity sets of that org, the
scale at which a catalog sweep (SQLTables, SQLColumns of every table) matters.  The entities
the emulator already models (account, contact, opportunity, ...) stay as they are; each added
entity has one row (its key and primary name set, every other column NULL).

Attribute types from the CSDL's Edm types (the CSDL does not say more; the gaps are
documented in data/realorg/README.md):
  key property                  -> Uniqueidentifier, IsPrimaryId
  _x_value Edm.Guid             -> Lookup x (Owner for ownerid, Customer when the targets are
                                   exactly account and contact), targets = the types of the
                                   navigation properties whose ReferentialConstraint names
                                   _x_value; companions xname (and xtype) as the service lists them
  other Edm.Guid                -> Uniqueidentifier
  Edm.String                    -> String (MaxLength 100: the CSDL has no lengths)
  Edm.Int32                     -> Integer; statecode -> State, statuscode -> Status
                                   (Active/Inactive); picklists are Int32 in the CSDL too and
                                   stay Integer here
  Edm.Int64 -> BigInt, Edm.Double -> Double, Edm.Boolean -> Boolean
  Edm.Decimal                   -> Money when the entity has x_base (or x is itself a _base
                                   column), else Decimal
  Edm.DateTimeOffset            -> DateTime (DateAndTime, UserLocal); Edm.Date -> DateOnly
  Edm.Binary                    -> Image
  complex types                 -> left out (only the metadata entity types have them)
A navigation property whose ReferentialConstraint names a plain Guid property (stageid ->
processstage) is a many-to-one relationship too (extra_relationships).
"""

import gzip
import json
import os

from . import schema as S

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "realorg",
                    "realschema.json.gz")
KINDS = {"String": "string", "Int64": "bigint", "Double": "double", "Boolean": "bool",
         "DateTimeOffset": "datetime", "Date": "date", "Binary": "image", "Guid": "guid"}
OTC_BASE = 20000


def load():
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["entities"]


def _primary_name(name, props):
    names = [p[0] for p in props]
    prefix = name.split("_")[0] + "_" if "_" in name else None
    for cand in ("name", (prefix + "name") if prefix else None, "fullname", "subject", "title"):
        if cand and cand in names:
            return cand
    return None


def _lookup(ent, prop, navs, known):
    name = prop[1:-6]
    targets, nav_names, rels = [], [], []
    for nav, p, target, partner in navs:
        if p != prop:
            continue
        for t in (("systemuser", "team") if target == "principal" else (target,)):
            if t in known and t not in targets:
                targets.append(t)
                nav_names.append(nav)
                rels.append(partner if target != "principal" else "%s_%s" % (
                    "owner" if t == "systemuser" else "team", ent["set"]))
    kind = "lookup"
    if name == "ownerid":
        kind = "owner"
    elif sorted(targets) == ["account", "contact"]:
        kind = "customer"
    a = S.Attr(name, kind, name, targets=targets, nav=nav_names, rel=rels,
               valid_create=True, valid_update=True)
    return [a] + S.lookup_companions(a)


def _attrs(ent, known, primary):
    props = ent["props"]
    names = set(p[0] for p in props)
    out, seen = [], set()
    st = None
    for prop, edm in props:
        if prop == ent["key"]:
            attrs = [S.Attr(prop, "pk", prop, gen=lambda g: g.pk())]
        elif edm == "Guid" and prop.startswith("_") and prop.endswith("_value"):
            attrs = _lookup(ent, prop, ent["navs"], known)
        elif edm == "Int32":
            if prop in ("statecode", "statuscode"):
                if st is None:
                    st = S.state_status("realschema_" + ent["name"],
                                        [(0, "Active", 1, "Active"), (1, "Inactive", 2, "Inactive")],
                                        [(1, "Active", 0), (2, "Inactive", 1)])
                kind = "state" if prop == "statecode" else "status"
                attrs = [S.Attr(prop, kind, prop, optionset=st[0] if kind == "state" else st[1])]
            else:
                attrs = [S.Attr(prop, "int", prop)]
        elif edm == "Decimal":
            money = prop + "_base" in names or prop.endswith("_base")
            attrs = [S.Attr(prop, "money" if money else "decimal", prop)]
        elif edm == "Boolean":
            attrs = [S.Attr(prop, "bool", prop,
                            optionset=S.boolean_os("realschema_%s_%s" % (ent["name"], prop)))]
        elif edm in KINDS:
            gen = (lambda g, n=ent["name"]: "'%s ' || n" % n) if prop == primary else None
            attrs = [S.Attr(prop, KINDS[edm], prop, gen=gen)]
        else:
            attrs = []
        for a in attrs:
            if a.name not in seen:
                seen.add(a.name)
                out.append(a)
    return out


def add_entities(entities):
    """Appends the real org's entities the emulator does not model yet."""
    have = set(e.name for e in entities)
    real = load()
    known = have | set(e["name"] for e in real)
    for i, ent in enumerate(real):
        if ent["name"] in have:
            continue
        primary = _primary_name(ent["name"], ent["props"])
        names = set(p[0] for p in ent["props"])
        e = S.Entity(ent["name"], ent["set"], ent["name"], ent["set"], ent["key"], primary,
                     OTC_BASE + i, _attrs(ent, known, primary),
                     ownership="UserOwned" if "_ownerid_value" in names else "OrganizationOwned",
                     custom=ent["name"].startswith(("new_", "cdsify_", "dev_", "inv_")),
                     activity=ent["key"] == "activityid" and ent["name"] != "activitypointer",
                     change_tracking=False, schema=ent["name"], count=lambda n: 1)
        e.no_indexes = True  # one row: SQLite indexes would only slow the start (datagen)
        entities.append(e)
    return entities


def apply(model):
    """--real-schema: adds the real org's entities to a built schema.Model (by_name, by_set,
    lookup_target and one_to_many extended as Model.__init__ derives them)."""
    first = len(model.entities)
    add_entities(model.entities)
    new = model.entities[first:]
    for e in new:
        model.by_name[e.name] = e
        model.by_set[e.set_name] = e
    S.mark_lookup_targets(model.entities)
    for e in new:
        model.one_to_many += S.lookup_relationships(e, model.by_name)
    model.one_to_many += extra_relationships(model)
    model.real_schema = True
    return model


def extra_relationships(model):
    """Many-to-one relationships on plain Guid properties (stageid -> processstage)."""
    out = []
    for ent in load():
        e = model.by_name.get(ent["name"])
        if e is None or e.otc < OTC_BASE:
            continue
        for nav, prop, target, partner in ent["navs"]:
            a = e.by_name.get(prop)
            if a is None or a.kind != "guid" or target not in model.by_name:
                continue
            out.append(S.one_to_many(partner, e, prop, target, model.by_name, nav))
    return out
