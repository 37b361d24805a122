"""dvemu custom attributes: account as wide as a customised real organisation's.

Owns: `--custom-attributes N`, N custom columns (publisher prefix new_) added to account after
the real capture's attributes (`--real-attributes`, realorg.py).  Real organisations add custom
fields to account over the years: 200-500 columns are usual, and the capture alone gives about
290 SQL columns.  The kinds cycle through what makers add most (text, whole number, currency,
date only, date and time, choice, yes/no, decimal, multi-line text), named
new_custom<kind><NNN>; values as realorg.py draws them (about half NULL, the rest from the row
number and a per-column hash), so the width costs what it costs on a real org: most cells empty,
every column in $select and in the formatted-value annotations of a SELECT *.
"""

from . import realorg

# (AttributeType, Format or None), in the order the kinds repeat
KINDS = [("String", None), ("Integer", None), ("Money", None), ("DateTime", "DateOnly"),
         ("DateTime", None), ("Picklist", None), ("Boolean", None), ("Decimal", None),
         ("Memo", None)]
OPTIONS = [[100000000, "Bronze"], [100000001, "Silver"], [100000002, "Gold"],
           [100000003, "Platinum"]]


def _capture_like(i):
    """Attribute metadata of custom attribute i, shaped like the real capture's entries."""
    kind, fmt = KINDS[i % len(KINDS)]
    name = "new_custom%s%03d" % (kind.lower(), i + 1)
    a = {"LogicalName": name, "SchemaName": name.replace("new_custom", "new_Custom"),
         "AttributeType": kind, "DisplayName": "Custom %s %d" % (kind, i + 1)}
    if fmt:
        a["Format"] = fmt
    if kind == "Picklist":
        a["Options"] = OPTIONS
    if kind == "Boolean":
        a["Options"] = [[1, "Yes"], [0, "No"]]
    return a


def widen(entities, count, name="account"):
    """Adds `count` custom attributes to the named entity."""
    by_name = {e.name: e for e in entities}
    entity = by_name.get(name)
    if entity is None or count <= 0:
        return entities
    k = 5000  # hash slots apart from realorg.py's (200 + 3 per attribute)
    for i in range(count):
        for attr in realorg._attr(entity, _capture_like(i), k, by_name):
            if attr.name not in entity.by_name:
                entity.add(attr)
        k += 3
    return entities
