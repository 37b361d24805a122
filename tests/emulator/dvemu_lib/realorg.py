"""dvemu real-org widening: account and opportunity as wide as a real organisation's.

Owns: turning the attribute metadata captured from a real Dataverse org (tests/emulator/data/
realorg/*-attributes.json, derived from the MIT-licensed test data of the npm package
dataverse-gen 2.0.15; licence beside it) into extra schema.Attr entries of the emulated
entities, each with a deterministic generated value, so that `--real-attributes` serves an
account of 239 real attributes (about 290 SQL columns with the companions) and an opportunity
of 190: the width at which SQLite's 64-bit colUsed mask, $select lists, formatted-value
annotations and bytes per row matter.

Mapping (AttributeType -> emulator kind): String -> string, Memo -> memo, Integer -> int,
BigInt -> bigint, Decimal -> decimal, Double -> double, Money -> money, Boolean -> bool (the
real TrueOption/FalseOption labels), DateTime -> date (Format DateOnly) or datetime, Picklist ->
picklist (the real options), Uniqueidentifier -> guid, Lookup -> lookup when every target is an
emulated entity (the companion name column as the service adds it).  Left out: attributes the
emulated entity already has, companions (AttributeOf set: the emulator derives its own),
Virtual, EntityName, Owner, Customer, State, Status, and lookups to entities the emulator does
not have (pricelevel, sla, territory, ...).  The capture has no MaxLength: strings get 100,
memos 2000.  Values: about half of each column NULL (real orgs leave most columns empty), the
rest drawn from the row number and a per-column hash.
"""

import json
import os

from . import schema

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "realorg")

KINDS = {"String": "string", "Memo": "memo", "Integer": "int", "BigInt": "bigint", "Decimal": "decimal",
         "Double": "double", "Money": "money", "Boolean": "bool", "Picklist": "picklist",
         "Uniqueidentifier": "guid", "Lookup": "lookup", "DateTime": "datetime"}


def _null_or(g, k, expr, null_pct=50):
    return "(CASE WHEN %s < %d THEN NULL ELSE %s END)" % (g.pct(k), null_pct, expr)


def _gen(kind, k, a, maxlen, options):
    """The SQL expression (datagen.py generator g) for a widened column, hash slot k."""
    tag = (a.get("SchemaName") or a["LogicalName"])[:24].replace("'", "")
    if kind == "string":
        return lambda g: _null_or(g, k, "substr('%s ' || n, 1, %d)" % (tag, maxlen))
    if kind == "memo":
        return lambda g: _null_or(g, k, "'%s of row ' || n || ': ' || %s" % (tag, g.word("city", 4)), 70)
    if kind == "int":
        return lambda g: _null_or(g, k, g.mod(k + 1, 100000))
    if kind == "bigint":
        return lambda g: _null_or(g, k, "(%s * 1000003)" % g.mod(k + 1, 1000000))
    if kind in ("decimal", "double", "money"):
        return lambda g: _null_or(g, k, "round(%s / 100.0, 2)" % g.mod(k + 1, 10000000))
    if kind == "bool":
        return lambda g: "(%s %% 2)" % g.mod(k, 1000)
    if kind == "date":
        return lambda g: _null_or(g, k, g.date(k + 1, "2018-01-01", 2000))
    if kind == "datetime":
        return lambda g: _null_or(g, k, g.datetime(k + 1, "2018-01-01", 2000))
    if kind == "picklist":
        values = [o[0] for o in options]
        return lambda g: _null_or(g, k, g.choose("(1 + %s)" % g.mod(k + 1, len(values)), values))
    if kind == "guid":
        return lambda g: _null_or(g, k, g.guid_of(a["LogicalName"], "n"), 70)
    if kind == "lookup":
        target = a["Targets"][0]
        return lambda g: g.ref(target, k, null_pct=60)
    raise ValueError(kind)


def _attr(entity, a, k, emulated):
    kind = KINDS.get(a["AttributeType"])
    if kind is None or a.get("AttributeOf") or a.get("IsPrimaryId"):
        return []
    display = a.get("DisplayName") or a["LogicalName"]
    if kind == "lookup":
        targets = a.get("Targets") or []
        if not targets or any(t not in emulated for t in targets):
            return []
        lk = schema.Attr(a["LogicalName"], "lookup", display, targets=targets[:1], schema=a.get("SchemaName"),
                         nav=a["LogicalName"], rel="realorg_%s_%s" % (entity.name, a["LogicalName"]),
                         gen=_gen(kind, k, a, 0, None))
        return [lk] + schema.lookup_companions(lk)
    if kind == "datetime":
        kind = "date" if a.get("Format") == "DateOnly" else "datetime"
    kw = {"schema": a.get("SchemaName"), "valid_create": True, "valid_update": True}
    maxlen = 100 if kind == "string" else 2000
    options = None
    if kind in ("string", "memo"):
        kw["max_length"] = maxlen
    if kind in ("picklist", "bool"):
        options = [tuple(o) for o in a.get("Options") or []] or [(1, "Yes"), (0, "No")]
        name = "realorg_%s_%s" % (entity.name, a["LogicalName"])
        if kind == "bool":
            kw["optionset"] = schema.boolean_os(name, options[0][1], options[1][1])
        else:
            kw["optionset"] = schema._reg(schema.OptionSet(name, options))
    if kind in ("decimal", "double", "money"):
        kw["precision"] = 2
    return [schema.Attr(a["LogicalName"], kind, display, gen=_gen(kind, k, a, maxlen, options), **kw)]


def widen(entities, names=("account", "opportunity")):
    """Adds the real attributes each named entity lacks (in the capture's order)."""
    by_name = {e.name: e for e in entities}
    for name in names:
        entity = by_name.get(name)
        path = os.path.join(DATA_DIR, "%s-attributes.json" % name)
        if entity is None or not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            real = json.load(f)
        k = 200
        for a in real["Attributes"]:
            if a["LogicalName"] in entity.by_name:
                continue
            for attr in _attr(entity, a, k, by_name):
                if attr.name not in entity.by_name:
                    entity.add(attr)
            k += 3
    return entities
