"""dvemu metadata: EntityDefinitions, Attributes (with typed casts and OptionSet expands),
relationships, GlobalOptionSetDefinitions, the service document and the $metadata CSDL,
all derived from the schema model (schema.py).

Sources: spec section 11 and
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/entitymetadata
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/attributemetadata
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-service-documents
Shapes: EntityDefinitions list is not paged and always carries MetadataId; the single form
EntityDefinitions(LogicalName='x') is one object with .../$entity context (spec section 19);
Attributes items carry "@odata.type": "#Microsoft.Dynamics.CRM.<Kind>AttributeMetadata";
type facets (MaxLength, Precision, Targets, Format...) come through the cast segments.
"""

import json
import re
import urllib.parse
from xml.sax.saxutils import escape as xesc, quoteattr

from . import odata_filter
from . import schema as S
from .errors import DvError, bad_query, segment_not_found

CRM = "Microsoft.Dynamics.CRM."


def managed(value, name):
    return {"Value": value, "CanBeChanged": True, "ManagedPropertyLogicalName": name}


# ---- EntityMetadata ----------------------------------------------------------------------

def entity_props(e):
    return {
        "ActivityTypeMask": 0,
        "AutoCreateAccessTeams": False,
        "AutoRouteToOwnerQueue": False,
        "CanBeInManyToMany": managed(not e.intersect, "canbeinmanytomany"),
        "ChangeTrackingEnabled": e.change_tracking,
        "CollectionSchemaName": e.schema + "s" if not e.schema.endswith("s") else e.schema,
        "DisplayCollectionName": S.label(e.plural),
        "DisplayName": S.label(e.display),
        "Description": S.label(e.description),
        "EntitySetName": e.set_name,
        "ExternalCollectionName": None,
        "ExternalName": None,
        "HasActivities": e.name in ("account", "contact", "lead", "opportunity", "new_project"),
        "HasChanged": None,
        "HasNotes": e.name in ("account", "contact", "lead", "opportunity"),
        "IntroducedVersion": "1.0" if e.custom else "5.0.0.0",
        "IsActivity": e.activity,
        "IsActivityParty": False,
        "IsAuditEnabled": managed(not e.intersect, "canmodifyauditsettings"),
        "IsBusinessProcessEnabled": e.name in ("account", "contact", "lead", "opportunity"),
        "IsCustomEntity": e.custom,
        "IsCustomizable": managed(True, "iscustomizable"),
        "IsIntersect": e.intersect,
        "IsLogicalEntity": False,
        "IsManaged": not e.custom,
        "IsOptimisticConcurrencyEnabled": not e.intersect,
        "IsPrivate": False,
        "IsValidForAdvancedFind": not e.intersect,
        "IsValidForQueue": False,
        "LogicalCollectionName": e.set_name,
        "LogicalName": e.name,
        "MetadataId": e.metadata_id,
        "ObjectTypeCode": e.otc,
        "OwnershipType": e.ownership if e.ownership != "None" else "None",
        "PrimaryIdAttribute": e.pk,
        "PrimaryImageAttribute": e.primary_image,
        "PrimaryNameAttribute": e.primary_name,
        "SchemaName": e.schema,
        "TableType": "Standard",
    }


def option_json(o, kind):
    d = {"Value": o[0], "Color": None, "IsManaged": True, "ExternalValue": "", "ParentValues": [],
         "Tag": None, "IsHidden": False, "MetadataId": None, "HasChanged": None,
         "Label": S.label(o[1]), "Description": S.label(None)}
    if kind == "state":
        d = dict([("@odata.type", "#Microsoft.Dynamics.CRM.StateOptionMetadata")] + list(d.items()))
        d["DefaultStatus"] = o[2]
        d["InvariantName"] = o[3]
    elif kind == "status":
        d = dict([("@odata.type", "#Microsoft.Dynamics.CRM.StatusOptionMetadata")] + list(d.items()))
        d["State"] = o[2]
        d["TransitionData"] = None
    return d


def optionset_json(os_):
    base = {"MetadataId": os_.metadata_id, "HasChanged": None, "IsCustomOptionSet": os_.name.startswith("new_"),
            "IsGlobal": os_.is_global, "IsManaged": not os_.name.startswith("new_"),
            "IsCustomizable": managed(True, "iscustomizable"), "Name": os_.name,
            "ExternalTypeName": None, "IntroducedVersion": "5.0.0.0",
            "DisplayName": S.label(os_.display), "Description": S.label(None)}
    if os_.kind == "bool":
        base["OptionSetType"] = "Boolean"
        t = [o for o in os_.options if o[0] == 1][0]
        f = [o for o in os_.options if o[0] == 0][0]
        base["TrueOption"] = option_json(t, "bool")
        base["FalseOption"] = option_json(f, "bool")
        return base
    base["OptionSetType"] = {"state": "State", "status": "Status", "multiselect": "Picklist"}.get(os_.kind, "Picklist")
    base["ParentOptionSetName"] = None
    base["Options"] = [option_json(o, os_.kind) for o in os_.options]
    return base


# ---- AttributeMetadata --------------------------------------------------------------------

def attr_base(a):
    e = a.entity
    return {
        "AttributeOf": a.attribute_of,
        "AttributeType": a.attribute_type,
        "AttributeTypeName": {"Value": a.type_name},
        "AutoNumberFormat": None,
        "CanBeSecuredForCreate": False,
        "CanBeSecuredForRead": False,
        "CanBeSecuredForUpdate": False,
        "CanModifyAdditionalSettings": managed(True, "canmodifyadditionalsettings"),
        "ColumnNumber": a.column_number,
        "DeprecatedVersion": None,
        "Description": S.label(a.description),
        "DisplayName": S.label(a.display) if not a.attribute_of else S.label(None),
        "EntityLogicalName": e.name,
        "ExternalName": None,
        "HasChanged": None,
        "InheritsFrom": None,
        "IntroducedVersion": "1.0" if a.custom else "5.0.0.0",
        "IsAuditEnabled": managed(True, "canmodifyauditsettings"),
        "IsCustomAttribute": a.custom,
        "IsCustomizable": managed(True, "iscustomizable"),
        "IsDataSourceSecret": False,
        "IsFilterable": a.kind not in ("memo", "image"),
        "IsGlobalFilterEnabled": managed(False, "canmodifyglobalfiltersettings"),
        "IsLogical": a.logical,
        "IsManaged": not a.custom,
        "IsPrimaryId": a.is_primary_id,
        "IsPrimaryName": a.is_primary_name,
        "IsRenameable": managed(True, "isrenameable"),
        "IsRequiredForForm": False,
        "IsRetrievable": a.kind not in ("image",),
        "IsSearchable": a.kind not in ("image", "memo"),
        "IsSecured": False,
        "IsSortableEnabled": managed(False, "canmodifyissortablesettings"),
        "IsValidForAdvancedFind": managed(a.exposed, "canmodifysearchsettings"),
        "IsValidForCreate": a.valid_create and not a.attribute_of,
        "IsValidForForm": True,
        "IsValidForGrid": True,
        "IsValidForRead": a.valid_read,
        "IsValidForUpdate": a.valid_update and not a.attribute_of,
        "IsValidODataAttribute": a.exposed and a.stored,
        "LinkedAttributeId": None,
        "LogicalName": a.name,
        "MetadataId": a.metadata_id,
        "RequiredLevel": managed(a.required, "canmodifyrequirementlevelsettings"),
        "SchemaName": a.schema,
        "SourceType": 0 if a.kind not in ("entityname",) else None,
    }


def attr_facets(a):
    k = a.kind
    if k == "string":
        fmt = "Email" if "email" in a.name else ("Url" if "url" in a.name else ("Phone" if a.name.startswith(("telephone", "fax")) else "Text"))
        return {"MaxLength": a.max_length, "DatabaseLength": a.max_length * 2, "Format": fmt,
                "FormatName": {"Value": fmt}, "ImeMode": "Auto", "IsLocalizable": False,
                "YomiOf": None, "FormulaDefinition": None, "SourceTypeMask": 0}
    if k == "memo":
        return {"MaxLength": a.max_length, "DatabaseLength": a.max_length * 2, "Format": "TextArea",
                "FormatName": {"Value": "TextArea"}, "ImeMode": "Auto", "IsLocalizable": False}
    if k == "int":
        return {"MinValue": a.min_value, "MaxValue": a.max_value, "Format": "None",
                "FormulaDefinition": None, "SourceTypeMask": 0}
    if k == "bigint":
        return {"MinValue": a.min_value, "MaxValue": a.max_value}
    if k == "decimal":
        return {"Precision": a.precision, "MinValue": a.min_value, "MaxValue": a.max_value,
                "ImeMode": "Auto", "FormulaDefinition": None, "SourceTypeMask": 0}
    if k == "double":
        return {"Precision": a.precision, "MinValue": a.min_value, "MaxValue": a.max_value,
                "ImeMode": "Auto"}
    if k == "money":
        return {"Precision": a.precision, "PrecisionSource": 2, "MinValue": a.min_value,
                "MaxValue": a.max_value, "ImeMode": "Auto", "CalculationOf": None,
                "IsBaseCurrency": False, "FormulaDefinition": None, "SourceTypeMask": 0}
    if k in ("datetime", "date"):
        return {"Format": "DateOnly" if k == "date" else "DateAndTime",
                "DateTimeBehavior": {"Value": "DateOnly" if k == "date" else "UserLocal"},
                "CanChangeDateTimeBehavior": managed(False, "canchangedatetimebehavior"),
                "ImeMode": "Auto", "MinSupportedValue": "1753-01-01T00:00:00Z",
                "MaxSupportedValue": "9999-12-30T23:59:59Z", "FormulaDefinition": None,
                "SourceTypeMask": 0}
    if a.is_lookup:
        return {"Targets": list(a.targets), "Format": None}
    if k in ("picklist", "state", "status", "multiselect"):
        d = {"DefaultFormValue": -1 if k in ("picklist", "multiselect") else None,
             "FormulaDefinition": None, "SourceTypeMask": 0, "ParentPicklistLogicalName": None,
             "ChildPicklistLogicalNames": []}
        if k == "multiselect":
            d["MaxSelectedOptions"] = 150
        return d
    if k == "bool":
        return {"DefaultValue": False, "FormulaDefinition": None, "SourceTypeMask": 0}
    if k == "image":
        return {"IsPrimaryImage": a.entity.primary_image == a.name, "MaxHeight": 144, "MaxWidth": 144,
                "MaxSizeInKB": a.max_size_kb, "CanStoreFullImage": True}
    return {}


CAST_KINDS = {
    "StringAttributeMetadata": ("string",), "MemoAttributeMetadata": ("memo",),
    "IntegerAttributeMetadata": ("int",), "BigIntAttributeMetadata": ("bigint",),
    "DecimalAttributeMetadata": ("decimal",), "DoubleAttributeMetadata": ("double",),
    "MoneyAttributeMetadata": ("money",), "BooleanAttributeMetadata": ("bool",),
    "DateTimeAttributeMetadata": ("datetime", "date"),
    "LookupAttributeMetadata": ("lookup", "customer", "owner"),
    "PicklistAttributeMetadata": ("picklist",), "StateAttributeMetadata": ("state",),
    "StatusAttributeMetadata": ("status",), "MultiSelectPicklistAttributeMetadata": ("multiselect",),
    "UniqueIdentifierAttributeMetadata": ("pk", "guid"), "ImageAttributeMetadata": ("image",),
    "EntityNameAttributeMetadata": ("entityname",),
}
NAVS_OF = {"PicklistAttributeMetadata": ("OptionSet", "GlobalOptionSet"),
           "StateAttributeMetadata": ("OptionSet", "GlobalOptionSet"),
           "StatusAttributeMetadata": ("OptionSet", "GlobalOptionSet"),
           "MultiSelectPicklistAttributeMetadata": ("OptionSet", "GlobalOptionSet"),
           "BooleanAttributeMetadata": ("OptionSet", "GlobalOptionSet")}


def attr_full(a):
    d = attr_base(a)
    d.update(attr_facets(a))
    return d


def attr_nav(a, nav):
    os_ = a.optionset
    if os_ is None:
        return None
    if nav == "OptionSet":
        return optionset_json(os_)
    if nav == "GlobalOptionSet":
        return optionset_json(os_) if os_.is_global else None
    return None


def select_obj(full, select, type_name, odata_type=None):
    """Pick $select'ed properties (+ MetadataId always) from a metadata dict."""
    out = {}
    if odata_type:
        out["@odata.type"] = odata_type
    if select is None:
        for k, v in full.items():
            out[k] = v
        return out
    for s in select:
        if s not in full:
            raise DvError(400, "0x80060888",
                          "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.%s'." % (s, type_name))
        out[s] = full[s]
    if "MetadataId" in full:
        out["MetadataId"] = full["MetadataId"]
    return out


def parse_select_list(text):
    if text is None:
        return None
    return [s.strip() for s in text.split(",") if s.strip()]


def parse_meta_expand(text, allowed, type_name):
    """$expand=OptionSet($select=Options),GlobalOptionSet -> {nav: select list or None}."""
    out = {}
    if not text:
        return out
    from .query import split_top_level
    for item in split_top_level(text):
        item = item.strip()
        m = re.match(r"^(\w+)(?:\((.*)\))?$", item)
        if not m:
            raise bad_query("Syntax error at position 0 in '%s'." % text)
        nav = m.group(1)
        if nav not in allowed:
            raise DvError(400, "0x80060888",
                          "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.%s'." % (nav, type_name))
        sel = None
        if m.group(2):
            for opt in split_top_level(m.group(2), ";"):
                k, _, v = opt.partition("=")
                if k.strip() == "$select":
                    sel = parse_select_list(v)
        out[nav] = sel
    return out


# ---- in-memory $filter for metadata collections -----------------------------------------------

def eval_filter(node, obj):
    k = node[0]
    if k == "and":
        return eval_filter(node[1], obj) and eval_filter(node[2], obj)
    if k == "or":
        return eval_filter(node[1], obj) or eval_filter(node[2], obj)
    if k == "not":
        return not eval_filter(node[1], obj)
    if k == "cmp":
        l, r = _mval(node[2], obj), _mval(node[3], obj)
        op = node[1]
        if isinstance(l, str) and isinstance(r, str):
            l, r = l.lower(), r.lower()
        try:
            return {"eq": l == r, "ne": l != r, "gt": l is not None and r is not None and l > r,
                    "ge": l is not None and r is not None and l >= r,
                    "lt": l is not None and r is not None and l < r,
                    "le": l is not None and r is not None and l <= r}[op]
        except TypeError:
            return False
    if k == "call":
        a, b = _mval(node[2][0], obj), _mval(node[2][1], obj)
        if not isinstance(a, str) or not isinstance(b, str):
            return False
        a, b = a.lower(), b.lower()
        return {"contains": b in a, "startswith": a.startswith(b), "endswith": a.endswith(b)}.get(node[1], False)
    if k == "prop":
        return bool(_mval(node, obj))
    raise bad_query("The $filter expression is not supported on metadata.")


def _mval(node, obj):
    if node[0] == "lit":
        if node[1] == "num":
            return odata_filter.lit_value("num", node[2])
        if node[1] == "bool":
            return bool(node[2])
        return node[2]
    if node[0] == "prop":
        cur = obj
        for p in node[1]:
            if not isinstance(cur, dict) or p not in cur:
                raise DvError(400, "0x80060888", "Could not find a property named '%s' on type "
                              "'Microsoft.Dynamics.CRM.EntityMetadata'." % p)
            cur = cur[p]
        return cur
    raise bad_query("The $filter expression is not supported on metadata.")


def meta_filter(text):
    if text is None:
        return None
    text2 = re.sub(r"Microsoft\.Dynamics\.CRM\.\w+'(\w+)'", r"'\1'", text)
    return odata_filter.Parser(text2, {}).parse()


# ---- relationships ---------------------------------------------------------------------------

def rel_1n(r):
    return {
        "MetadataId": S.stable_guid("rel", r["SchemaName"]),
        "HasChanged": None, "IsCustomRelationship": r["IsCustomRelationship"],
        "IsCustomizable": managed(True, "iscustomizable"), "IsHierarchical": False,
        "IsManaged": not r["IsCustomRelationship"], "IsRelationshipAttributeDenormalized": False,
        "IsValidForAdvancedFind": True, "IntroducedVersion": "5.0.0.0",
        "ReferencedAttribute": r["ReferencedAttribute"], "ReferencedEntity": r["ReferencedEntity"],
        "ReferencedEntityNavigationPropertyName": r["ReferencedEntityNavigationPropertyName"],
        "ReferencingAttribute": r["ReferencingAttribute"], "ReferencingEntity": r["ReferencingEntity"],
        "ReferencingEntityNavigationPropertyName": r["ReferencingEntityNavigationPropertyName"],
        "RelationshipBehavior": 0, "RelationshipType": "OneToManyRelationship",
        "SchemaName": r["SchemaName"], "SecurityTypes": "Append", "EntityKey": None,
        "AssociatedMenuConfiguration": {"Behavior": "UseCollectionName", "Group": "Details",
                                        "Label": S.label(None), "Order": 10000},
        "CascadeConfiguration": {"Assign": "NoCascade", "Delete": "RemoveLink", "Merge": "NoCascade",
                                 "Reparent": "NoCascade", "Share": "NoCascade", "Unshare": "NoCascade",
                                 "RollupView": "NoCascade", "Archive": "NoCascade"},
    }


def rel_nn(r):
    d = {"MetadataId": S.stable_guid("rel", r["SchemaName"]), "HasChanged": None,
         "IsCustomRelationship": False, "IsCustomizable": managed(True, "iscustomizable"),
         "IsManaged": True, "IsValidForAdvancedFind": True, "IntroducedVersion": "5.0.0.0",
         "RelationshipType": "ManyToManyRelationship", "SecurityTypes": "None",
         "Entity1AssociatedMenuConfiguration": {"Behavior": "UseLabel", "Group": "Details",
                                                "Label": S.label(None), "Order": None},
         "Entity2AssociatedMenuConfiguration": {"Behavior": "UseLabel", "Group": "Details",
                                                "Label": S.label(None), "Order": None}}
    d.update(r)
    return d


# ---- request handling -------------------------------------------------------------------------

def _json(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _entity_by_key(model, keytext):
    m = re.fullmatch(r"LogicalName='([^']*)'", keytext)
    if m:
        e = model.by_name.get(m.group(1))
    else:
        e = None
        kid = keytext.strip().lower()
        for x in model.entities:
            if x.metadata_id == kid:
                e = x
    if e is None:
        raise DvError(404, "0x80040217", "Could not find entity with key '%s'" % keytext.replace("LogicalName=", "").strip("'"))
    return e


def entity_definitions(app, req, segments, opts):
    """segments: path segments after 'EntityDefinitions' (first may hold a key)."""
    model = app.model
    base = app.api_base(req)
    head = segments[0]
    m = re.match(r"^EntityDefinitions(?:\((.*)\))?$", head)
    key = m.group(1)
    rest = segments[1:]
    select = parse_select_list(opts.get("$select"))
    if key is None:
        if rest:
            raise segment_not_found(rest[0])
        flt = meta_filter(opts.get("$filter"))
        items = []
        for e in model.entities:
            full = entity_props(e)
            if flt is not None and not eval_filter(flt, full):
                continue
            item = select_obj(full, select, "EntityMetadata")
            if opts.get("$expand"):
                _expand_entity(model, e, item, opts.get("$expand"))
            items.append(item)
        ctx = "%s/$metadata#EntityDefinitions%s" % (base, "(%s)" % ",".join(select) if select else "")
        return 200, [], _json({"@odata.context": ctx, "value": items})
    e = _entity_by_key(model, key)
    if not rest:
        full = entity_props(e)
        item = select_obj(full, select, "EntityMetadata")
        ctx_parts = list(select or [])
        if opts.get("$expand"):
            ctx_parts += _expand_entity(model, e, item, opts.get("$expand"), base)
        ctx = "%s/$metadata#EntityDefinitions(%s)/$entity" % (base, ",".join(ctx_parts)) if ctx_parts \
            else "%s/$metadata#EntityDefinitions/$entity" % base
        return 200, [], _json(dict([("@odata.context", ctx)] + list(item.items())))
    nav = rest[0]
    ent_ctx = "%s/$metadata#EntityDefinitions(%s)" % (base, quoteattr(e.metadata_id).replace('"', "'"))
    if nav.startswith("Attributes"):
        return attributes(app, req, e, nav, rest[1:], opts, ent_ctx)
    if nav in ("ManyToOneRelationships", "OneToManyRelationships", "ManyToManyRelationships", "Keys"):
        if len(rest) > 1:
            raise segment_not_found(rest[1])
        items = relationships(model, e, nav)
        tname = {"ManyToManyRelationships": "ManyToManyRelationshipMetadata", "Keys": "EntityKeyMetadata"}.get(
            nav, "OneToManyRelationshipMetadata")
        flt = meta_filter(opts.get("$filter"))
        out = []
        for it in items:
            if flt is not None and not eval_filter(flt, it):
                continue
            out.append(select_obj(it, select, tname))
        ctx = "%s/%s%s" % (ent_ctx, nav, "(%s)" % ",".join(select) if select else "")
        return 200, [], _json({"@odata.context": ctx, "value": out})
    raise segment_not_found(nav)


def relationships(model, e, nav):
    if nav == "ManyToOneRelationships":
        return [rel_1n(r) for r in model.one_to_many if r["ReferencingEntity"] == e.name]
    if nav == "OneToManyRelationships":
        return [rel_1n(r) for r in model.one_to_many if r["ReferencedEntity"] == e.name]
    if nav == "Keys":
        return [{"MetadataId": S.stable_guid("key", e.name, k), "LogicalName": k, "SchemaName": k,
                 "KeyAttributes": attrs, "EntityLogicalName": e.name, "EntityKeyIndexStatus": "Active",
                 "DisplayName": S.label(k), "IsManaged": True, "HasChanged": None,
                 "AsyncJob": None, "IntroducedVersion": "1.0"} for k, attrs in e.keys]
    return [rel_nn(r) for r in model.many_to_many
            if e.name in (r["Entity1LogicalName"], r["Entity2LogicalName"], r["IntersectEntityName"])]


def _expand_entity(model, e, item, text, base=None):
    from .query import split_top_level
    ctx = []
    for part in split_top_level(text):
        m = re.match(r"^(\w+)(?:\((.*)\))?$", part.strip())
        if not m:
            raise bad_query("Syntax error at position 0 in '%s'." % text)
        nav, inner = m.group(1), m.group(2) or ""
        sel = None
        flt = None
        for opt in split_top_level(inner, ";") if inner else []:
            k, _, v = opt.partition("=")
            if k.strip() == "$select":
                sel = parse_select_list(v)
            elif k.strip() == "$filter":
                flt = meta_filter(v)
        if nav == "Attributes":
            vals = []
            for a in e.attrs:
                full = attr_full(a)
                if flt is not None and not eval_filter(flt, full):
                    continue
                # $select inside the expand names AttributeMetadata's own properties: a derived
                # type's (MaxLength, Targets...) is refused; without $select every item carries
                # its derived type's properties (Source: spec section 11)
                base_keys = set(attr_base(a))
                for s in sel or ():
                    if s not in base_keys:
                        raise DvError(400, "0x80060888", "Could not find a property named '%s' on type "
                                      "'Microsoft.Dynamics.CRM.AttributeMetadata'." % s)
                vals.append(select_obj(full, sel, "AttributeMetadata", "#Microsoft.Dynamics.CRM." + a.meta_class))
        elif nav in ("ManyToOneRelationships", "OneToManyRelationships", "ManyToManyRelationships", "Keys"):
            vals = [select_obj(r, sel, "RelationshipMetadataBase") for r in relationships(model, e, nav)]
        else:
            raise DvError(400, "0x80060888", "Could not find a property named '%s' on type "
                          "'Microsoft.Dynamics.CRM.EntityMetadata'." % nav)
        item[nav] = vals
        if base:
            item[nav + "@odata.context"] = "%s/$metadata#EntityDefinitions('%s')/%s%s" % (
                base, e.metadata_id, nav, "(%s)" % ",".join(sel) if sel else "")
        ctx.append("%s(%s)" % (nav, ",".join(sel)) if sel else nav)
    return ctx


def attributes(app, req, e, nav, rest, opts, ent_ctx):
    select = parse_select_list(opts.get("$select"))
    m = re.match(r"^Attributes(?:\((.*)\))?$", nav)
    akey = m.group(1)
    cast = None
    if rest:
        if not rest[0].startswith(CRM):
            raise segment_not_found(rest[0])
        cast = rest[0][len(CRM):]
        if cast not in CAST_KINDS:
            raise segment_not_found(rest[0])
        if len(rest) > 1:
            raise segment_not_found(rest[1])
    type_name = cast or "AttributeMetadata"
    allowed_navs = NAVS_OF.get(cast, ()) if cast else ()
    expand = parse_meta_expand(opts.get("$expand"), allowed_navs, type_name)
    flt = meta_filter(opts.get("$filter"))
    items = []
    for a in e.attrs:
        if cast and a.kind not in CAST_KINDS[cast]:
            continue
        if akey is not None:
            mm = re.fullmatch(r"LogicalName='([^']*)'", akey)
            if mm and mm.group(1) != a.name:
                continue
            if not mm and akey.lower() != a.metadata_id:
                continue
        full = attr_full(a)
        if flt is not None and not eval_filter(flt, full):
            continue
        if select is not None:
            # facets of other types are not properties of the (cast) type
            allowed = set(attr_base(a)) | (set(attr_facets(a)) if cast else set())
            for s in select:
                if s not in allowed:
                    raise DvError(400, "0x80060888", "Could not find a property named '%s' on type "
                                  "'Microsoft.Dynamics.CRM.%s'." % (s, type_name))
        item = select_obj(full, select, type_name, None if cast else "#Microsoft.Dynamics.CRM." + a.meta_class)
        for navn, nsel in expand.items():
            v = attr_nav(a, navn)
            item[navn] = None if v is None else select_obj(v, nsel, "OptionSetMetadata")
        items.append(item)
    ctx_sel = list(select or [])
    for navn, nsel in expand.items():
        ctx_sel.append("%s(%s)" % (navn, ",".join(nsel)) if nsel else navn)
    seg = "Attributes" + ("/Microsoft.Dynamics.CRM." + cast if cast else "")
    if akey is not None:
        if not items:
            raise DvError(404, "0x80040217", "Could not find attribute with key '%s'" % akey)
        ctx = "%s/%s%s/$entity" % (ent_ctx, seg, "(%s)" % ",".join(ctx_sel) if ctx_sel else "")
        return 200, [], _json(dict([("@odata.context", ctx)] + list(items[0].items())))
    ctx = "%s/%s%s" % (ent_ctx, seg, "(%s)" % ",".join(ctx_sel) if ctx_sel else "")
    return 200, [], _json({"@odata.context": ctx, "value": items})


def global_optionsets(app, req, segments, opts):
    model = app.model
    base = app.api_base(req)
    head = segments[0]
    m = re.match(r"^GlobalOptionSetDefinitions(?:\((.*)\))?$", head)
    key = m.group(1)
    select = parse_select_list(opts.get("$select"))
    if opts.get("$filter") is not None:
        # Source: spec section 11: GlobalOptionSetDefinitions has no $filter.
        raise DvError(501, "0x80060888", "The query parameter $filter is not supported on GlobalOptionSetDefinitions.")
    globals_ = [o for o in model.optionsets.values() if o.is_global]
    if key is None:
        items = [select_obj(optionset_json(o), select, "OptionSetMetadataBase",
                            "#Microsoft.Dynamics.CRM.OptionSetMetadata") for o in globals_]
        return 200, [], _json({"@odata.context": "%s/$metadata#GlobalOptionSetDefinitions%s" % (
            base, "(%s)" % ",".join(select) if select else ""), "value": items})
    mm = re.fullmatch(r"Name='([^']*)'", key)
    found = None
    for o in globals_:
        if (mm and o.name == mm.group(1)) or (not mm and o.metadata_id == key.lower()):
            found = o
    if found is None:
        raise DvError(404, "0x80040217", "Could not find optionset with key '%s'" % key)
    item = select_obj(optionset_json(found), select, "OptionSetMetadataBase", "#Microsoft.Dynamics.CRM.OptionSetMetadata")
    ctx = "%s/$metadata#GlobalOptionSetDefinitions%s/$entity" % (base, "(%s)" % ",".join(select) if select else "")
    return 200, [], _json(dict([("@odata.context", ctx)] + list(item.items())))


def service_document(app, req):
    # Source: spec section 1: {"@odata.context":".../$metadata","value":[{"name","kind","url"}]}
    base = app.api_base(req)
    value = [{"name": e.set_name, "kind": "EntitySet", "url": e.set_name} for e in app.model.entities]
    value += [{"name": n, "kind": "EntitySet", "url": n} for n in
              ("EntityDefinitions", "GlobalOptionSetDefinitions", "RelationshipDefinitions")]
    return 200, [], _json({"@odata.context": base + "/$metadata", "value": value})


# ---- CSDL ----------------------------------------------------------------------------------

def csdl(model):
    """$metadata CSDL 4.0 from the model. Source: spec section 11 (Namespace Microsoft.Dynamics.CRM,
    Alias mscrm, EntityContainer System, Unicode="false" strings, Scale="Variable" decimals,
    ReferentialConstraint on single navs, alternate keys annotation); the functions and actions
    of actions.py."""
    from . import actions
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
           '<edmx:Reference Uri="http://vocabularies.odata.org/OData.Community.Keys.V1.xml">'
           '<edmx:Include Namespace="OData.Community.Keys.V1" Alias="Keys"/>'
           '<edmx:IncludeAnnotations TermNamespace="OData.Community.Keys.V1"/></edmx:Reference>',
           '<edmx:Reference Uri="http://vocabularies.odata.org/OData.Community.Display.V1.xml">'
           '<edmx:Include Namespace="OData.Community.Display.V1" Alias="Display"/>'
           '<edmx:IncludeAnnotations TermNamespace="OData.Community.Display.V1"/></edmx:Reference>',
           '<edmx:DataServices>',
           '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
           '<EntityType Name="crmbaseentity" Abstract="true"/>',
           '<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true"/>',
           actions.csdl_types()]
    for e in model.entities:
        base = "mscrm.principal" if e.name in ("systemuser", "team") else "mscrm.crmbaseentity"
        out.append('<EntityType Name="%s" BaseType="%s">' % (e.name, base))
        out.append('<Key><PropertyRef Name="%s"/></Key>' % e.pk)
        for a in e.odata_attrs():
            t = a.edm
            extra = ""
            if t == "Edm.String":
                extra = ' Unicode="false"'
            elif t == "Edm.Decimal":
                extra = ' Scale="Variable"'
            elif t == "Edm.DateTimeOffset":
                extra = ' Precision="0"'
            out.append('<Property Name="%s" Type="%s"%s/>' % (a.odata_name, t, extra))
        for a in e.attrs:
            if a.is_lookup and a.stored:
                for nav, target, rel in a.navs():
                    tt = "mscrm.principal" if a.kind == "owner" else "mscrm." + target
                    out.append('<NavigationProperty Name="%s" Type="%s" Nullable="false" Partner="%s">'
                               '<ReferentialConstraint Property="%s" ReferencedProperty="%s"/></NavigationProperty>'
                               % (nav, tt, rel, a.odata_name, model.by_name[target].pk))
        for r in model.one_to_many:
            if r["ReferencedEntity"] == e.name:
                out.append('<NavigationProperty Name="%s" Type="Collection(mscrm.%s)" Partner="%s"/>'
                           % (r["ReferencedEntityNavigationPropertyName"], r["ReferencingEntity"],
                              r["ReferencingEntityNavigationPropertyName"]))
        for r in model.many_to_many:
            if e.name == r["Entity1LogicalName"]:
                out.append('<NavigationProperty Name="%s" Type="Collection(mscrm.%s)" Partner="%s"/>'
                           % (r["Entity1NavigationPropertyName"], r["Entity2LogicalName"], r["Entity2NavigationPropertyName"]))
            elif e.name == r["Entity2LogicalName"]:
                out.append('<NavigationProperty Name="%s" Type="Collection(mscrm.%s)" Partner="%s"/>'
                           % (r["Entity2NavigationPropertyName"], r["Entity1LogicalName"], r["Entity1NavigationPropertyName"]))
        if e.keys:
            out.append('<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>')
            for kname, attrs in e.keys:
                out.append('<Record Type="OData.Community.Keys.V1.AlternateKey"><PropertyValue Property="Key"><Collection>')
                for an in attrs:
                    out.append('<Record Type="OData.Community.Keys.V1.PropertyRef"><PropertyValue Property="Alias" String="%s"/>'
                               '<PropertyValue Property="Name" PropertyPath="%s"/></Record>' % (an, an))
                out.append('</Collection></PropertyValue></Record>')
            out.append('</Collection></Annotation>')
        out.append('</EntityType>')
    out.append(actions.csdl_operations())
    out.append('<EntityContainer Name="System">')
    for e in model.entities:
        out.append('<EntitySet Name="%s" EntityType="mscrm.%s">' % (e.set_name, e.name))
        for a in e.attrs:
            if a.is_lookup and a.stored:
                for nav, target, rel in a.navs():
                    out.append('<NavigationPropertyBinding Path="%s" Target="%s"/>' % (nav, model.by_name[target].set_name))
        out.append('</EntitySet>')
    out.append(actions.csdl_imports())
    out.append('</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>')
    return "".join(out).encode("utf-8")
