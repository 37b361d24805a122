"""dvemu writes: create (POST), update/upsert (PATCH), delete (DELETE), single-property
PUT/DELETE, @odata.bind lookups, and the validation errors.

Sources (spec section 8):
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
  - POST -> 204 + OData-EntityId; Prefer: return=representation -> 201 + body (no OData-EntityId);
  - PATCH + If-Match: * -> update only (404 0x80040217 when absent); If-Match: W/"n" mismatch ->
    412 0x80060882; If-None-Match: * -> create only (412 0x80040237 "A record with matching key
    values already exists."); PATCH without If-Match = upsert (204 + OData-EntityId either way,
    with return=representation 201 created / 200 updated);
  - lookups set with "<nav>@odata.bind": "/contacts(<id>)" (also relative or absolute URL);
    navigation property names are case-sensitive -> 0x80048d19 (spec section 8);
  - too-long string -> 400 0x80044331 (two spaces after "occurred."); bad option -> 0x8004431A;
    bad property/type -> 0x80048d19.
"""

import json
import re
import uuid

from . import odata_filter
from . import pagecache
from . import query
from . import rowjson
from .errors import DvError, bad_query, record_not_found

GUID = odata_filter.GUID_RE.pattern


def payload_error(entity, inner):
    return DvError(400, "0x80048d19",
                   "Error identified in Payload provided by the user for Entity :'%s', For more information on "
                   "this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  "
                   "InnerException : Microsoft.OData.ODataException: %s" % (entity.set_name, inner))


def parse_bind(app, value):
    """'/contacts(<id>)' | 'contacts(<id>)' | absolute URL -> (entity, id)."""
    if not isinstance(value, str):
        raise bad_query("The value of an @odata.bind annotation must be a string.")
    v = value
    m = re.search(r"/api/data/v[0-9.]+/(.*)$", v)
    if m:
        v = m.group(1)
    v = v.lstrip("/")
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\((.*)\)", v)
    if not m:
        raise bad_query("The URI '%s' in the @odata.bind annotation is not valid." % value)
    ent = app.model.entity_by_set(m.group(1))
    if ent is None:
        raise DvError(404, "0x80060888", "Resource not found for the segment '%s'." % m.group(1))
    key = m.group(2)
    if re.fullmatch(GUID, key):
        return ent, key.lower()
    return ent, ("altkey", key)


def convert_value(entity, a, v):
    """JSON value -> stored SQLite value, with the service's validation errors."""
    if v is None:
        return None
    k = a.kind
    edm = a.edm
    if k in ("string", "memo", "multiselect"):
        if not isinstance(v, str):
            raise payload_error(entity, "Cannot convert the literal '%s' to the expected type 'Edm.String'." % v)
        if k != "multiselect" and len(v) > a.max_length:
            raise DvError(400, "0x80044331",
                          "A validation error occurred.  The length of the '%s' attribute of the '%s' entity "
                          "exceeded the maximum allowed length of '%d'." % (a.name, entity.name, a.max_length))
        if k == "multiselect":
            vals = [x for x in v.split(",") if x.strip()]
            ok = set(o[0] for o in a.optionset.options)
            for x in vals:
                if not x.strip().lstrip("-").isdigit() or int(x) not in ok:
                    raise DvError(400, "0x8004431A", "A validation error occurred. The value %s of '%s' on record of "
                                  "type '%s' is outside the valid range." % (x, a.name, entity.name))
        return v
    if k in ("int", "bigint", "picklist", "state", "status"):
        if isinstance(v, bool) or not isinstance(v, int):
            raise payload_error(entity, "Cannot convert the literal '%s' to the expected type '%s'." % (v, edm))
        if k in ("picklist", "state", "status"):
            ok = [o[0] for o in a.optionset.options]
            if v not in ok:
                raise DvError(400, "0x8004431A", "A validation error occurred. The value %d of '%s' on record of type "
                              "'%s' is outside the valid range. Accepted Values: %s"
                              % (v, a.name, entity.name, ",".join(str(x) for x in ok)))
        elif v < a.min_value or v > a.max_value:
            raise DvError(400, "0x8004432F", "A validation error occurred. The value of '%s' on record of type '%s' "
                          "is outside the valid range." % (a.name, entity.name))
        return v
    if k in ("decimal", "money", "double"):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise payload_error(entity, "Cannot convert the literal '%s' to the expected type '%s'." % (v, edm))
        if v < a.min_value or v > a.max_value:
            raise DvError(400, "0x80044330", "A validation error occurred. The value of '%s' on record of type '%s' "
                          "is outside the valid range." % (a.name, entity.name))
        return round(float(v), a.precision if k != "money" else 4)
    if k == "bool":
        if not isinstance(v, bool):
            raise payload_error(entity, "Cannot convert the literal '%s' to the expected type 'Edm.Boolean'." % v)
        return 1 if v else 0
    if k in ("guid", "pk"):
        if not isinstance(v, str) or not re.fullmatch(GUID, v):
            raise payload_error(entity, "Cannot convert the literal '%s' to the expected type 'Edm.Guid'." % v)
        return v.lower()
    if k == "datetime":
        try:
            return odata_filter.norm_datetime(v)
        except Exception:
            raise payload_error(entity, "Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'." % v)
    if k == "date":
        if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            raise payload_error(entity, "Cannot convert the literal '%s' to the expected type 'Edm.Date'." % v)
        return v
    if k == "image":
        return v
    raise payload_error(entity, "The property '%s' cannot be written." % a.name)


def parse_body(app, entity, body, creating):
    """-> {column: value} from the JSON payload."""
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except ValueError as e:
        raise payload_error(entity, "Invalid JSON. %s" % e)
    if not isinstance(data, dict):
        raise payload_error(entity, "A resource was expected.")
    navs = entity.nav_props()
    cols = {}
    plain = set(k for k in data if "@" not in k)
    for k, v in data.items():
        if k.startswith("@odata."):
            continue
        if k.endswith("@odata.bind"):
            nav = k[:-len("@odata.bind")]
            if nav not in navs:
                raise payload_error(entity, "An undeclared property '%s' which only has property annotations in "
                                    "the payload but no property value was found in the payload. In OData, only "
                                    "declared navigation properties and declared named streams can be represented "
                                    "as properties without values." % nav)
            attr, target, _ = navs[nav]
            if v is None:
                cols[attr.column] = None
                if attr.kind in ("customer", "owner"):
                    cols[attr.name + "type"] = None
                continue
            tent, tid = parse_bind(app, v)
            if attr.kind == "owner":
                if tent.name not in attr.targets:
                    raise bad_query("Invalid owner type %s." % tent.name)
            elif tent.name != target:
                raise bad_query("Incompatible type for %s: expected %s." % (nav, target))
            cols[attr.column] = tid
            if attr.kind in ("customer", "owner"):
                cols[attr.name + "type"] = tent.name
            continue
        if "@" in k:
            continue
        if k in navs and v is None:
            attr = navs[k][0]
            cols[attr.column] = None
            continue
        a = entity.by_name.get(k)
        if a is None or not a.exposed or not a.stored or a.is_lookup:
            raise payload_error(entity, "The property '%s' does not exist on type 'Microsoft.Dynamics.CRM.%s'. Make "
                                "sure to only use property names that are defined by the type or mark the type as "
                                "open type." % (k, entity.name))
        if creating and not a.valid_create and a.kind != "pk":
            continue  # the service ignores read-only columns on create
        if not creating and not a.valid_update:
            continue
        cols[a.column] = convert_value(entity, a, v)
    return cols


def next_version(con):
    con.execute("UPDATE _dvemu_meta SET v = v + 1 WHERE k = 'version'")
    return con.execute("SELECT v FROM _dvemu_meta WHERE k = 'version'").fetchone()[0]


def resolve_altkeys(app, con, cols):
    for c, v in list(cols.items()):
        if isinstance(v, tuple) and v and v[0] == "altkey":
            raise DvError(501, "0x80040216", "dvemu: @odata.bind with an alternate key is not implemented.")


def find_existing(app, con, entity, key):
    wsql, params, is_alt = query.key_where(app, entity, key)
    row = con.execute('SELECT t."%s", t."versionnumber" FROM "%s" t WHERE %s' % (entity.pk, entity.name, wsql),
                      params).fetchone()
    return row, wsql, params, is_alt


def insert(app, con, req, entity, cols, forced_id=None):
    pk = entity.pk
    rid = forced_id or cols.get(pk) or str(uuid.uuid4())
    cols[pk] = rid
    if con.execute('SELECT 1 FROM "%s" WHERE "%s" = ?' % (entity.name, pk), (rid,)).fetchone():
        raise DvError(412, "0x80040237", "A record with matching key values already exists.",
                      api_name="DuplicateRecord")
    now = app.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    by = entity.by_name
    defaults = {"createdon": now, "modifiedon": now, "createdby": req.user_id, "modifiedby": req.user_id,
                "owningbusinessunit": req.bu_id}
    for c, v in defaults.items():
        if c in by:
            cols.setdefault(c, v)
    if "ownerid" in by and cols.get("ownerid") is None:
        cols["ownerid"] = req.user_id
        cols["owneridtype"] = "systemuser"
    if "statecode" in by:
        cols.setdefault("statecode", 0)
        ss = by["statuscode"].optionset
        st = cols["statecode"]
        cols.setdefault("statuscode", [o[0] for o in ss.options if o[2] == st][0])
    if "transactioncurrencyid" in by and cols.get("transactioncurrencyid") is None and any(
            by[c].kind == "money" for c in cols if c in by):
        cols["transactioncurrencyid"] = con.execute(
            "SELECT transactioncurrencyid FROM transactioncurrency WHERE isocurrencycode = 'USD'").fetchone()[0]
        cols["exchangerate"] = 1.0
    check_required(entity, cols, creating=True)
    if "versionnumber" in by:
        cols["versionnumber"] = next_version(con)
    names = list(cols)
    con.execute('INSERT INTO "%s" (%s) VALUES (%s)' % (entity.name, ", ".join('"%s"' % n for n in names),
                                                     ", ".join("?" * len(names))), [cols[n] for n in names])
    return rid


def check_required(entity, cols, creating):
    """SystemRequired attributes must have a value; ApplicationRequired ones are NOT enforced
    by the API (only by apps). Source: MicrosoftDocs/powerapps-docs#1580 (the docs team: "The
    API only enforces when the setting is SystemRequired") and spec section 12 (0x80040203
    InvalidArgument, HTTP 400). Exact message text [U]."""
    for a in entity.attrs:
        if a.required != "SystemRequired" or not a.stored or a.kind == "pk":
            continue
        if (creating and cols.get(a.column) is None) or (not creating and a.column in cols and cols[a.column] is None):
            raise DvError(400, "0x80040203", "Attribute '%s' of entity '%s' is required (SystemRequired) and "
                          "cannot be null." % (a.name, entity.name), api_name="InvalidArgument")


def update(app, con, req, entity, rid, cols):
    by = entity.by_name
    check_required(entity, cols, creating=False)
    cols.pop(entity.pk, None)
    if "modifiedon" in by:
        cols["modifiedon"] = app.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    if "modifiedby" in by:
        cols["modifiedby"] = req.user_id
    if "versionnumber" in by:
        cols["versionnumber"] = next_version(con)
    names = list(cols)
    con.execute('UPDATE "%s" SET %s WHERE "%s" = ?' % (entity.name, ", ".join('"%s" = ?' % n for n in names), entity.pk),
                [cols[n] for n in names] + [rid])


def representation(app, req, con, entity, rid, opts, prefer):
    ann = rowjson.Annotations(prefer.get("odata.include-annotations"))
    sel, sel_names = query.resolve_select(entity, opts.get("$select"))
    expr = rowjson.row_sql(app.model, entity, sel, ann, alias="t")
    row = con.execute('SELECT %s FROM "%s" t WHERE t."%s" = ?' % (expr, entity.name, entity.pk), (rid,)).fetchone()
    ctx = "%s/$metadata#%s%s/$entity" % (app.api_base(req), entity.set_name,
                                         "(%s)" % ",".join(sel_names) if sel_names else "")
    return ('{"@odata.context":%s,%s' % (json.dumps(ctx), row[0][1:])).encode("utf-8")


def entity_id_url(app, req, entity, rid):
    return "%s/%s(%s)" % (app.api_base(req), entity.set_name, rid)


def handle(app, req, method, entity, key, rest, opts, prefer, body):
    with app.write_lock:
        con = app.db()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                out = _handle(app, con, req, method, entity, key, rest, opts, prefer, body)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
            pagecache.data_changed(app)
            return out
        finally:
            app.release(con)


def _handle(app, con, req, method, entity, key, rest, opts, prefer, body):
    want_rep = prefer.get("return") == "representation"
    if key is None:
        if method != "POST" or rest:
            raise DvError(405, "0x80060888", "The requested resource does not support http method '%s'." % method)
        cols = parse_body(app, entity, body, creating=True)
        resolve_altkeys(app, con, cols)
        rid = insert(app, con, req, entity, cols)
        if want_rep:
            return 201, [("Preference-Applied", "return=representation")], representation(app, req, con, entity, rid, opts, prefer)
        return 204, [("OData-EntityId", entity_id_url(app, req, entity, rid))], b""
    if rest and rest[-1] == "$ref":
        return handle_ref(app, con, req, method, entity, key, rest[:-1], opts, body)
    existing, wsql, params, is_alt = find_existing(app, con, entity, key)
    if rest:
        prop = rest[0]
        a = entity.odata_prop(prop)
        if a is None or len(rest) > 1:
            raise DvError(400, "0x80060888", "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.%s'." % (prop, entity.name))
        if existing is None:
            raise record_not_found(entity.name, key.lower())
        if method == "PUT":
            try:
                v = json.loads(body.decode("utf-8"))["value"]
            except (ValueError, KeyError, TypeError):
                raise payload_error(entity, "A property value named 'value' was expected.")
            update(app, con, req, entity, existing[0], {a.column: convert_value(entity, a, v)})
            return 204, [], b""
        if method == "DELETE":
            update(app, con, req, entity, existing[0], {a.column: None})
            return 204, [], b""
        raise DvError(405, "0x80060888", "The requested resource does not support http method '%s'." % method)
    if method == "DELETE":
        if existing is None:
            raise record_not_found(entity.name, key.lower())
        check_if_match(req, existing)
        con.execute('DELETE FROM "%s" WHERE "%s" = ?' % (entity.name, entity.pk), (existing[0],))
        from . import changetracking
        changetracking.record_delete(con, entity, existing[0])
        return 204, [], b""
    if method == "PATCH":
        cols = parse_body(app, entity, body, creating=existing is None)
        resolve_altkeys(app, con, cols)
        inm = req.headers.get("If-None-Match")
        im = req.headers.get("If-Match")
        if existing is not None:
            if inm and inm.strip() == "*":
                raise DvError(412, "0x80040237", "A record with matching key values already exists.",
                              api_name="DuplicateRecord")
            check_if_match(req, existing)
            update(app, con, req, entity, existing[0], cols)
            rid = existing[0]
            created = False
        else:
            if im:
                raise record_not_found(entity.name, key.lower())
            forced = key.lower() if not is_alt else None
            if is_alt:
                for p, c in zip(params, re.findall(r't\."([^"]+)" = \?', wsql)):
                    cols[c] = p
            rid = insert(app, con, req, entity, cols, forced_id=forced)
            created = True
        if want_rep:
            return (201 if created else 200), [("Preference-Applied", "return=representation")], \
                representation(app, req, con, entity, rid, opts, prefer)
        return 204, [("OData-EntityId", "%s/%s(%s)" % (app.api_base(req), entity.set_name, key))], b""
    raise DvError(405, "0x80060888", "The requested resource does not support http method '%s'." % method)


# ---- N:N associate / disassociate ($ref) ------------------------------------------------------
# https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api
# (spec section 8): POST <set>(<id>)/<nav>/$ref {"@odata.id":"<url>"} -> 204;
# DELETE <set>(<id>)/<nav>(<id>)/$ref or <set>(<id>)/<nav>/$ref?$id=<url> -> 204.
# Either record missing -> 404 0x80040217. Only N:N collection navigations are implemented.
# [U] associating an already associated pair: 400 0x80040237 "Cannot insert duplicate key.";
# disassociating a pair that is not associated: 204 (nothing to remove).

def split_ref_id(segs, pairs):
    """$id is a query option only for DELETE .../$ref -> (the other pairs, the $id value)."""
    if not segs or segs[-1] != "$ref":
        return pairs, None
    ref_id = None
    rest = []
    for k, v in pairs:
        if k == "$id":
            ref_id = v
        else:
            rest.append((k, v))
    return rest, ref_id


def many_to_many_rel(app, entity, nav):
    """-> (relationship, this side's intersect attribute, the other side's) for a N:N nav."""
    for rel in app.model.many_to_many:
        for me, other in (("1", "2"), ("2", "1")):
            if rel["Entity%sLogicalName" % me] == entity.name and \
                    rel["Entity%sNavigationPropertyName" % me] == nav:
                return (rel, rel["Entity%sIntersectAttribute" % me],
                        rel["Entity%sIntersectAttribute" % other], rel["Entity%sLogicalName" % other])
    return None


def ref_target(app, con, want_entity, value):
    """'<url of a record>' -> its id, 404 when the record does not exist."""
    tent, tid = parse_bind(app, value)
    if tent.name != want_entity:
        raise bad_query("Incompatible type: expected %s, got %s." % (want_entity, tent.name))
    row, _, _, _ = find_existing(app, con, tent, tid if isinstance(tid, str) else tid[1])
    if row is None:
        raise record_not_found(tent.name, tid if isinstance(tid, str) else tid[1])
    return row[0]


def handle_ref(app, con, req, method, entity, key, rest, opts, body):
    if key is None or len(rest) != 1:
        raise bad_query("The request URI is not valid: $ref needs <set>(<id>)/<navigation>/$ref.")
    nav, _, nav_key = rest[0].partition("(")
    found = many_to_many_rel(app, entity, nav)
    if found is None:
        if nav in entity.nav_props():
            raise DvError(501, "0x80040216", "dvemu: $ref on '%s' is not implemented (N:N only)." % nav)
        raise DvError(400, "0x80060888", "Could not find a property named '%s' on type "
                      "'Microsoft.Dynamics.CRM.%s'." % (nav, entity.name))
    rel, my_attr, other_attr, other_name = found
    inter = app.model.by_name[rel["IntersectEntityName"]]
    existing, _, _, _ = find_existing(app, con, entity, key)
    if existing is None:
        raise record_not_found(entity.name, key.lower())
    mine = existing[0]
    if method == "POST":
        if nav_key:
            raise bad_query("The request URI is not valid: POST .../%s/$ref takes no key." % nav)
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except ValueError as e:
            raise payload_error(entity, "Invalid JSON. %s" % e)
        if not isinstance(data, dict) or "@odata.id" not in data:
            raise bad_query("The payload of a $ref request needs an @odata.id.")
        other = ref_target(app, con, other_name, data["@odata.id"])
        if con.execute('SELECT 1 FROM "%s" WHERE "%s" = ? AND "%s" = ?' % (inter.name, my_attr, other_attr),
                       (mine, other)).fetchone():
            raise DvError(400, "0x80040237", "Cannot insert duplicate key.", api_name="DuplicateRecord")
        insert(app, con, req, inter, {my_attr: mine, other_attr: other})
        return 204, [], b""
    if method == "DELETE":
        ref_id = getattr(opts, "ref_id", None)
        if nav_key and ref_id is None:
            other_url = "/%s(%s)" % (app.model.by_name[other_name].set_name, nav_key[:-1])
        elif ref_id is not None and not nav_key:
            other_url = ref_id
        else:
            raise bad_query("DELETE .../$ref needs either <navigation>(<id>) or $id.")
        other = ref_target(app, con, other_name, other_url)
        con.execute('DELETE FROM "%s" WHERE "%s" = ? AND "%s" = ?' % (inter.name, my_attr, other_attr),
                    (mine, other))
        return 204, [], b""
    raise DvError(405, "0x80060888", "The requested resource does not support http method '%s'." % method)


def check_if_match(req, existing):
    im = req.headers.get("If-Match")
    if not im or im.strip() == "*":
        return
    want = [x.strip() for x in im.split(",")]
    if 'W/"%s"' % existing[1] not in want:
        raise DvError(412, "0x80060882", "The version of the existing record doesn't match the RowVersion property provided.",
                      api_name="ConcurrencyVersionMismatch")
