"""dvemu RetrieveMetadataChanges: the metadata version stamp and what changed since one.

Owns: the org's metadata version (a counter that moves on every schema change the emulator
makes), the RetrieveMetadataChanges function, the control endpoints that change the schema
(/_emu/metadata/columns adds a column; /_emu/metadata/expire makes every stamp given out so
far expire) and the undoing of those changes on /_emu/reset.

Sources: https://learn.microsoft.com/power-apps/developer/data-platform/cache-schema-data
https://learn.microsoft.com/power-apps/developer/data-platform/query-schema-definitions
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievemetadatachanges
  GET RetrieveMetadataChanges(Query=@p1,ClientVersionStamp=@p2,DeletedMetadataFilters=@p3)
      ?@p1=<EntityQueryExpression JSON>&@p2='<stamp>'&@p3=Microsoft.Dynamics.CRM.DeletedMetadataFilters'Default'
  -> {"@odata.context": ".../$metadata#Microsoft.Dynamics.CRM.RetrieveMetadataChangesResponse",
      "ServerVersionStamp": "<n>!<MM/DD/YYYY HH:MM:SS>",
      "DeletedMetadata": {"Count":0,"IsReadOnly":false,"Keys":[],"Values":[]},
      "EntityMetadata": [...]}                                                   [D shapes]
  - without ClientVersionStamp: every entity the query's Criteria match, with the properties
    its Properties name (MetadataId and HasChanged always) [D];
  - with a stamp: only what changed since it, "the full hierarchy of changed items": an entity
    whose own properties did not change but a column did has HasChanged false and Attributes
    holding the changed columns (HasChanged true) [D]; nothing changed: EntityMetadata [] [D];
  - a stamp older than the change history (ExpireSubscriptionsInDays, or any server change that
    invalidates stamps) -> ExpiredVersionStamp 0x80044352 [D code; message and HTTP 400 as
    changetracking.py, O/U]; dvemu treats a stamp it never gave out the same way [U];
  - DeletedMetadata: Keys are DeletedMetadataFilters names, Values one collection of MetadataId
    GUIDs per key [D]; the exact JSON of Values is [U] (dvemu: [["<guid>",...]]).
Query subset understood: Properties {AllProperties, PropertyNames}, Criteria {FilterOperator,
Conditions: PropertyName/ConditionOperator Equals|NotEquals|In|NotIn/Value{Type,Value}} on entity
properties, AttributeQuery.Properties; other parts are accepted and ignored.
"""

import json

from . import metadata as M
from . import schema as S
from .changetracking import EXPIRED_CODE, EXPIRED_MESSAGE, TOKEN_TIME
from .errors import DvError, bad_query

FIRST_VERSION = 1000


class History:
    """The metadata version and the changes made since the emulator started."""

    def __init__(self):
        self.version = FIRST_VERSION
        self.floor = FIRST_VERSION  # stamps below this one are expired
        self.changes = []  # (version, entity name, attribute name or None, "add" | "delete", metadata id)
        self.added = []  # (entity name, attribute name) added by /_emu/metadata/columns

    def bump(self):
        self.version += 1
        return self.version


def history(app):
    h = getattr(app, "_md_history", None)
    if h is None:
        h = app._md_history = History()
    return h


def stamp(app):
    return "%d!%s" % (history(app).version, app.now().strftime(TOKEN_TIME))


def _parse_stamp(text, h):
    """'<n>!<time>' (the quotes of the URL literal removed) -> n, or None when unknown/expired."""
    t = (text or "").strip()
    if len(t) >= 2 and t[0] == "'" and t[-1] == "'":
        t = t[1:-1].replace("''", "'")
    num, bang, _ = t.partition("!")
    if not bang or not num.isdigit():
        return None
    n = int(num)
    if n < h.floor or n > h.version:
        return None
    return n


# ---- the query ---------------------------------------------------------------------------------

def _cond_value(c):
    v = c.get("Value")
    if isinstance(v, dict):
        v = v.get("Value")
    return v


def _norm(v):
    if isinstance(v, bool):
        return str(v).lower()
    return str(v).lower() if v is not None else None


def _matches(cond, full):
    prop = cond.get("PropertyName")
    op = cond.get("ConditionOperator", "Equals")
    have = full.get(prop)
    if isinstance(have, dict) and "Value" in have:
        have = have["Value"]
    want = _cond_value(cond)
    if op in ("In", "NotIn"):
        if isinstance(want, str):
            try:
                want = json.loads(want.replace("'", '"'))
            except ValueError:
                want = [want]
        hit = _norm(have) in [_norm(w) for w in (want or [])]
        return hit if op == "In" else not hit
    if op == "Equals":
        return _norm(have) == _norm(want)
    if op == "NotEquals":
        return _norm(have) != _norm(want)
    raise bad_query("The condition operator '%s' is not supported." % op)


def _criteria_ok(criteria, full):
    if not criteria:
        return True
    conds = criteria.get("Conditions") or []
    if not conds:
        return True
    hits = [_matches(c, full) for c in conds]
    return any(hits) if str(criteria.get("FilterOperator", "And")) == "Or" else all(hits)


def _wanted(props):
    """Properties expression -> None (all) or the set of names."""
    if not props or props.get("AllProperties"):
        return None
    return set(props.get("PropertyNames") or [])


def _attr_obj(a, names, changed):
    full = M.attr_full(a)
    out = {"@odata.type": "#Microsoft.Dynamics.CRM.Complex" + a.meta_class}
    for k, v in full.items():
        if names is None or k in names or k in ("LogicalName", "MetadataId"):
            out[k] = v
    out["HasChanged"] = True if changed else None
    return out


def _entity_obj(app, e, names, attr_names, attrs, has_changed):
    full = M.entity_props(e)
    out = {}
    for k, v in full.items():
        if names is None or k in names or k in ("LogicalName", "MetadataId"):
            out[k] = v
    out["HasChanged"] = has_changed
    if names is None or "Attributes" in names:
        out["Attributes"] = [_attr_obj(a, attr_names, has_changed is not None) for a in attrs]
    if names is None or "ManyToOneRelationships" in names:
        out["ManyToOneRelationships"] = [] if has_changed is False else \
            M.relationships(app.model, e, "ManyToOneRelationships")
    return out


def retrieve_metadata_changes(app, req, args):
    h = history(app)
    raw = args.get("Query")
    try:
        query = json.loads(raw) if raw else {}
    except ValueError:
        raise bad_query("The value of the parameter 'Query' is not a valid EntityQueryExpression.")
    if not isinstance(query, dict):
        raise bad_query("The value of the parameter 'Query' is not a valid EntityQueryExpression.")
    names = _wanted(query.get("Properties"))
    attr_names = _wanted((query.get("AttributeQuery") or {}).get("Properties"))
    criteria = query.get("Criteria")
    client = args.get("ClientVersionStamp")
    items = []
    deleted = []
    if client is None:
        for e in app.model.entities:
            if _criteria_ok(criteria, M.entity_props(e)):
                items.append(_entity_obj(app, e, names, attr_names, e.attrs, None))
    else:
        since = _parse_stamp(client, h)
        if since is None:
            raise DvError(400, EXPIRED_CODE, EXPIRED_MESSAGE, api_name="ExpiredVersionStamp")
        changed = {}
        for version, ename, aname, kind, mid in h.changes:
            if version <= since:
                continue
            if kind == "delete":
                deleted.append(mid)
                continue
            changed.setdefault(ename, set()).add(aname)
        for e in app.model.entities:
            if e.name not in changed or not _criteria_ok(criteria, M.entity_props(e)):
                continue
            own = None in changed[e.name]
            attrs = [a for a in e.attrs if a.name in changed[e.name]]
            if not own and not attrs:
                continue
            if not own and names is not None and "Attributes" not in names:
                continue  # only columns changed, and the query does not ask for columns
            items.append(_entity_obj(app, e, names, attr_names, attrs, own))
    filters = args.get("DeletedMetadataFilters")
    dm = {"Count": 0, "IsReadOnly": False, "Keys": [], "Values": []}
    if client is not None and filters is not None and deleted:
        dm = {"Count": 1, "IsReadOnly": False, "Keys": ["Attribute"], "Values": [deleted]}
    out = {"@odata.context": app.api_base(req) + "/$metadata#Microsoft.Dynamics.CRM.RetrieveMetadataChangesResponse",
           "ServerVersionStamp": stamp(app), "DeletedMetadata": dm, "EntityMetadata": items}
    return 200, [], M._json(out)


# ---- schema changes (control endpoints) ------------------------------------------------------------

KINDS = {"string", "memo", "int", "bigint", "decimal", "money", "double", "bool", "datetime", "dateonly"}


def _refresh(app):
    app.csdl = M.csdl(app.model)


def add_column(app, data):
    from . import datagen
    h = history(app)
    e = app.model.by_name.get(data.get("entity"))
    name = data.get("name")
    kind = data.get("kind", "string")
    if e is None or not name or name in e.by_name or kind not in KINDS:
        raise ValueError("add a column: needs an existing entity, a new name and a kind in %s" % sorted(KINDS))
    a = S.Attr(name, kind, data.get("display") or name, custom=True)
    with app.write_lock:
        con = app.db()
        try:
            con.execute('ALTER TABLE "%s" ADD COLUMN "%s" %s' % (e.name, a.column, datagen.sql_type(a)))
        finally:
            app.release(con)
        e.add(a)
        h.added.append((e.name, name))
        h.changes.append((h.bump(), e.name, name, "add", a.metadata_id))
    _refresh(app)
    return {"version": h.version, "stamp": stamp(app)}


def expire(app):
    """Every stamp given out so far expires (as when ExpireSubscriptionsInDays changes)."""
    h = history(app)
    h.floor = h.bump()
    return {"version": h.version, "stamp": stamp(app)}


def reset(app):
    """Before the store is regenerated: the columns added by the control endpoint go (a schema
    change too: the version moves and a stamp from before reports them deleted)."""
    h = history(app)
    if not h.added:
        return
    for ename, aname in h.added:
        e = app.model.by_name[ename]
        a = e.by_name.pop(aname, None)
        if a is not None:
            e.attrs.remove(a)
            h.changes.append((h.bump(), ename, None, "delete", a.metadata_id))
    h.added = []
    _refresh(app)


OPERATION = ("Function", "RetrieveMetadataChanges", None,
             [("Query", "mscrm.EntityQueryExpression", True),
              ("DeletedMetadataFilters", "mscrm.DeletedMetadataFilters", True),
              ("ClientVersionStamp", "Edm.String", True), ("AppModuleId", "Edm.Guid", True),
              ("RetrieveAllSettings", "Edm.Boolean", True)])


def route(app, req, method, segs, opts):
    """The answer when segs[0] calls RetrieveMetadataChanges, else None."""
    from . import actions
    name, inside = actions.split_call(segs[0])
    if name != "RetrieveMetadataChanges":
        return None
    if len(segs) > 1:
        raise M.segment_not_found(segs[1])
    if method != "GET":
        raise actions.wrong_method(method)
    return retrieve_metadata_changes(app, req, actions.function_args(OPERATION, inside, opts))


def control(app, method, path, data):
    """/_emu/metadata[...]: (status, headers, body) or None when path is not ours."""
    js = [("Content-Type", "application/json")]
    if path == "/_emu/metadata" and method == "GET":
        h = history(app)
        return 200, js, json.dumps({"version": h.version, "stamp": stamp(app)}).encode()
    if path == "/_emu/metadata/columns" and method == "POST":
        return 200, js, json.dumps(add_column(app, data)).encode()
    if path == "/_emu/metadata/expire" and method == "POST":
        return 200, js, json.dumps(expire(app)).encode()
    return None
