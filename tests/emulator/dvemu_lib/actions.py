"""dvemu actions and functions: a handful of the service's real messages, their CSDL and their execution.

Owns: the CSDL elements that describe them (ComplexType, Function, Action, FunctionImport,
ActionImport; metadata.csdl inserts them) and the Web API routes that run them:
  GET  WhoAmI, WhoAmI()                                         unbound function
  GET  RetrieveVersion()                                        unbound function
  GET  RetrieveTotalRecordCount(EntityNames=@p1)?@p1=["account"] unbound function, collection parameter
  GET  RetrieveAvailableLanguages()                             unbound function, a collection in the answer
  POST leads(<id>)/Microsoft.Dynamics.CRM.QualifyLead           bound action: closes the lead as Qualified
       (statecode 1) and creates the account / contact / opportunity asked for.
  GET  systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()  bound function: a collection
       of RolePrivilege (an enum member, GUIDs, a name) inside its response.
  GET  RetrieveAadUserPrivileges(DirectoryObjectId=@p1)?@p1=<guid>   unbound function: the same
       collection, for the user with that Microsoft Entra (Azure AD) object id.
  GET  RetrieveAadUserSetOfPrivilegesByNames(DirectoryObjectId=@p1,PrivilegeNames=@p2)  unbound
       function: the privileges of that user among the names given.
  GET  GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@p1,LocaleId=@p2)  unbound function
       answering one Edm.Int32 (TimeZoneCode) for a time zone's standard name.

Sources (signatures as the real CSDL declares them):
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/whoami
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievetotalrecordcount
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/entityrecordcountcollection
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveavailablelanguages
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/qualifylead
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveuserprivileges
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/roleprivilege
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveaaduserprivileges
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveaadusersetofprivilegesbynames
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/gettimezonecodebylocalizedname
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-functions
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-actions
and spec sections 1, 5, 11, 12.  Error texts marked [U] are not confirmed against the service.
"""

import json

from . import query
from .errors import DvError, bad_query, segment_not_found

ORG_ID = "33333333-3333-3333-3333-333333333333"
LOCALE_IDS = [1033, 1031, 1036]  # English, German, French installed

# Complex types: name -> [(property, type, nullable)]
COMPLEX_TYPES = [
    ("WhoAmIResponse", [("BusinessUnitId", "Edm.Guid", False), ("UserId", "Edm.Guid", False),
                        ("OrganizationId", "Edm.Guid", False)]),
    ("RetrieveVersionResponse", [("Version", "Edm.String", True)]),
    ("EntityRecordCountCollection", [("Count", "Edm.Int32", False), ("IsReadOnly", "Edm.Boolean", False),
                                     ("Keys", "Collection(Edm.String)", True),
                                     ("Values", "Collection(Edm.Int64)", True)]),
    ("RetrieveTotalRecordCountResponse", [("EntityRecordCountCollection", "mscrm.EntityRecordCountCollection", True)]),
    ("RetrieveAvailableLanguagesResponse", [("LocaleIds", "Collection(Edm.Int32)", True)]),
    ("RolePrivilege", [("Depth", "mscrm.PrivilegeDepth", False), ("PrivilegeId", "Edm.Guid", False),
                       ("BusinessUnitId", "Edm.Guid", False), ("PrivilegeName", "Edm.String", True)]),
    ("RetrieveUserPrivilegesResponse", [("RolePrivileges", "Collection(mscrm.RolePrivilege)", True)]),
    ("RetrieveAadUserPrivilegesResponse", [("RolePrivileges", "Collection(mscrm.RolePrivilege)", True)]),
    ("RetrieveAadUserSetOfPrivilegesByNamesResponse",
     [("RolePrivileges", "Collection(mscrm.RolePrivilege)", True)]),
    ("GetTimeZoneCodeByLocalizedNameResponse", [("TimeZoneCode", "Edm.Int32", False)]),
]

# Time zone codes of a few time zones by their English standard name (timezonedefinition)
TIME_ZONE_CODES = {"Pacific Standard Time": 4, "Eastern Standard Time": 35, "GMT Standard Time": 85,
                   "W. Europe Standard Time": 110, "Tokyo Standard Time": 235}

# EnumType PrivilegeDepth (members as the service declares them)
ENUMS = [("PrivilegeDepth", [("Basic", 0), ("Local", 1), ("Deep", 2), ("Global", 3)])]

# The privileges every user of the emulator holds: (name, depth)
PRIVILEGES = [("prvReadAccount", "Global"), ("prvWriteAccount", "Local"), ("prvCreateLead", "Basic")]

# Operations: (kind, name, bound entity or None, [(parameter, type, nullable)], return type or None)
OPERATIONS = [
    ("Function", "WhoAmI", None, [], "mscrm.WhoAmIResponse"),
    ("Function", "RetrieveVersion", None, [], "mscrm.RetrieveVersionResponse"),
    ("Function", "RetrieveTotalRecordCount", None, [("EntityNames", "Collection(Edm.String)", False)],
     "mscrm.RetrieveTotalRecordCountResponse"),
    ("Function", "RetrieveAvailableLanguages", None, [], "mscrm.RetrieveAvailableLanguagesResponse"),
    ("Action", "QualifyLead", "lead", [
        ("CreateAccount", "Edm.Boolean", False), ("CreateContact", "Edm.Boolean", False),
        ("CreateOpportunity", "Edm.Boolean", False),
        ("OpportunityCurrencyId", "mscrm.transactioncurrency", True),
        ("OpportunityCustomerId", "mscrm.crmbaseentity", True),
        ("SourceCampaignId", "mscrm.crmbaseentity", True),
        ("Status", "Edm.Int32", False), ("SuppressDuplicateDetection", "Edm.Boolean", True),
        ("ProcessInstanceId", "mscrm.crmbaseentity", True)], "Collection(mscrm.crmbaseentity)"),
    ("Function", "RetrieveUserPrivileges", "systemuser", [], "mscrm.RetrieveUserPrivilegesResponse"),
    ("Function", "RetrieveAadUserPrivileges", None, [("DirectoryObjectId", "Edm.Guid", False)],
     "mscrm.RetrieveAadUserPrivilegesResponse"),
    ("Function", "RetrieveAadUserSetOfPrivilegesByNames", None, [
        ("DirectoryObjectId", "Edm.Guid", False), ("PrivilegeNames", "Collection(Edm.String)", False)],
     "mscrm.RetrieveAadUserSetOfPrivilegesByNamesResponse"),
    ("Function", "GetTimeZoneCodeByLocalizedName", None, [
        ("LocalizedStandardName", "Edm.String", False), ("LocaleId", "Edm.Int32", False)],
     "mscrm.GetTimeZoneCodeByLocalizedNameResponse"),
]


def _facets(t):
    return ' Unicode="false"' if t in ("Edm.String", "Collection(Edm.String)") else ""


def csdl_types():
    out = []
    for name, members in ENUMS:
        out.append('<EnumType Name="%s">' % name)
        out.extend('<Member Name="%s" Value="%d"/>' % m for m in members)
        out.append('</EnumType>')
    for name, props in COMPLEX_TYPES:
        out.append('<ComplexType Name="%s">' % name)
        for p, t, nullable in props:
            out.append('<Property Name="%s" Type="%s"%s%s/>' % (p, t, "" if nullable else ' Nullable="false"', _facets(t)))
        out.append('</ComplexType>')
    return "".join(out)


def csdl_operations():
    out = []
    for kind, name, bound, params, ret in OPERATIONS:
        out.append('<%s Name="%s"%s>' % (kind, name, ' IsBound="true"' if bound else ""))
        if bound:
            out.append('<Parameter Name="entity" Type="mscrm.%s" Nullable="false"/>' % bound)
        for p, t, nullable in params:
            out.append('<Parameter Name="%s" Type="%s"%s%s/>' % (p, t, "" if nullable else ' Nullable="false"', _facets(t)))
        if ret:
            out.append('<ReturnType Type="%s" Nullable="false"/>' % ret)
        out.append('</%s>' % kind)
    return "".join(out)


def csdl_imports():
    out = []
    for kind, name, bound, _params, _ret in OPERATIONS:
        if bound:
            continue
        if kind == "Function":
            out.append('<FunctionImport Name="%s" Function="mscrm.%s"/>' % (name, name))
        else:
            out.append('<ActionImport Name="%s" Action="mscrm.%s"/>' % (name, name))
    return "".join(out)


def _operation(name, bound):
    for op in OPERATIONS:
        if op[1] == name and op[2] == bound:
            return op
    return None


def wrong_method(method):
    return DvError(405, "0x80060888", "The requested resource does not support http method '%s'." % method)


# ---- function parameters in the URL --------------------------------------------------------

def split_call(segment):
    """'Name(a=1,b=@p1)' -> ('Name', 'a=1,b=@p1'); 'Name' -> ('Name', None)."""
    name, paren, rest = segment.partition("(")
    if not paren:
        return name, None
    if not rest.endswith(")"):
        raise bad_query("Bad Request - Error in query syntax.")
    return name, rest[:-1]


def _split_top(text):
    parts, cur, depth, q = [], [], 0, False
    for ch in text:
        if ch == "'":
            q = not q
        elif not q and ch in "([":
            depth += 1
        elif not q and ch in ")]":
            depth -= 1
        if ch == "," and depth == 0 and not q:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if cur:
        parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def function_args(op, inside, opts):
    """Named parameters of a function call, aliases resolved, values as URL literals."""
    name, params = op[1], op[3]
    declared = {p[0]: p for p in params}
    got = {}
    for part in _split_top(inside or ""):
        k, eq, v = part.partition("=")
        k = k.strip()
        if not eq or k not in declared:
            # [U] text: OData's "parameter not declared" error as the service words it
            raise bad_query("The parameter '%s' is not declared in the function '%s'." % (k or part, name))
        v = v.strip()
        if v.startswith("@"):
            v = opts.aliases.get(v)  # an unset alias is null (spec section 4)
        got[k] = v
    for p, t, nullable in params:
        if not nullable and got.get(p) is None:
            # [U] text
            raise bad_query("The parameter '%s' of the function '%s' is missing or null; it is not nullable."
                            % (p, name))
    return got


def _string_collection(text, pname):
    """A Collection(Edm.String) literal: JSON ["a","b"] or OData ['a','b']."""
    t = text.strip()
    if t.startswith("[") and "'" in t and '"' not in t:
        t = "[" + ",".join('"%s"' % s.strip()[1:-1].replace("''", "'").replace('"', '\\"')
                           for s in _split_top(t[1:-1])) + "]"
    try:
        val = json.loads(t)
    except ValueError:
        val = None
    if not isinstance(val, list) or not all(isinstance(x, str) for x in val):
        # [U] text
        raise bad_query("The value '%s' of the parameter '%s' is not a collection of Edm.String." % (text, pname))
    return val


# ---- routing -----------------------------------------------------------------------------

def route(app, req, method, segs, opts, body):
    """The answer for an unbound function/action at segs[0], or None when segs[0] names none."""
    name, inside = split_call(segs[0])
    op = _operation(name, None)
    if op is None:
        return None
    if len(segs) > 1:
        raise segment_not_found(segs[1])
    kind = op[0]
    if kind == "Function" and method != "GET":
        raise wrong_method(method)
    if kind == "Action" and method != "POST":
        raise wrong_method(method)
    args = function_args(op, inside, opts)
    return UNBOUND[name](app, req, args)


def route_bound(app, req, method, entity, key, segment, body, opts=None):
    """POST <set>(<key>)/Microsoft.Dynamics.CRM.<Action>, GET .../Microsoft.Dynamics.CRM.<Function>(..);
    None when segment is no bound operation."""
    short = segment[len("Microsoft.Dynamics.CRM."):] if segment.startswith("Microsoft.Dynamics.CRM.") else None
    if short is None:
        return None
    name, inside = split_call(short)
    op = _operation(name, entity.name)
    if op is None:
        raise segment_not_found(segment)
    if key is None:  # bound to the entity type, not a collection
        raise segment_not_found(segment)
    if op[0] == "Action" and method != "POST":
        raise wrong_method(method)
    if op[0] == "Function":
        if method != "GET":
            raise wrong_method(method)
        return BOUND[name](app, req, entity, key, function_args(op, inside, opts))
    try:
        params = json.loads(body.decode("utf-8")) if body.strip() else {}
    except ValueError:
        raise DvError(400, "0x80048d19", "Error identified in Payload provided by the user for Entity :'', "
                      "For more information on this error please follow this help link "
                      "https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : "
                      "Microsoft.OData.ODataException: Invalid JSON.")
    if not isinstance(params, dict):
        raise bad_query("The action parameters must be a JSON object.")
    declared = {p[0]: p for p in op[3]}
    for k in params:
        if k not in declared:
            # [U] text, as the OData reader words it
            raise DvError(400, "0x80048d19", "Error identified in Payload provided by the user for Entity :'', "
                          "----> InnerException : Microsoft.OData.ODataException: The parameter '%s' in the "
                          "request payload is not a valid parameter for the operation '%s'." % (k, name))
    for p, t, nullable in op[3]:
        if not nullable and params.get(p) is None:
            # [U] text
            raise DvError(400, "0x80040203", "Required parameter '%s' of '%s' is missing." % (p, name),
                          api_name="InvalidArgument")
    return BOUND[name](app, req, entity, key, params)


def _answer(app, req, type_name, obj):
    out = {"@odata.context": app.api_base(req) + "/$metadata#Microsoft.Dynamics.CRM." + type_name}
    out.update(obj)
    return 200, [], query.json_bytes(out)


# ---- the operations ------------------------------------------------------------------------

def who_am_i(app, req, args):
    # Source: spec section 11 (WhoAmI response shape).
    return _answer(app, req, "WhoAmIResponse",
                   {"BusinessUnitId": req.bu_id, "UserId": req.user_id, "OrganizationId": ORG_ID})


def retrieve_version(app, req, args):
    return _answer(app, req, "RetrieveVersionResponse", {"Version": "9.2.24101.00000"})


def retrieve_total_record_count(app, req, args):
    # Source: spec section 5: {"EntityRecordCountCollection":{"Count":1,"IsReadOnly":false,
    # "Keys":["account"],"Values":[123456]}}
    names = _string_collection(args["EntityNames"], "EntityNames")
    vals = []
    con = app.db()
    try:
        for n in names:
            e = app.model.by_name.get(n)
            if e is None:
                # [U] text
                raise DvError(404, "0x80040217", "Could not find entity '%s'." % n, api_name="ObjectDoesNotExist")
            vals.append(con.execute('SELECT count(*) FROM "%s"' % e.name).fetchone()[0])
    finally:
        app.release(con)
    return _answer(app, req, "RetrieveTotalRecordCountResponse", {
        "EntityRecordCountCollection": {"Count": len(names), "IsReadOnly": False, "Keys": names, "Values": vals}})


def retrieve_available_languages(app, req, args):
    return _answer(app, req, "RetrieveAvailableLanguagesResponse", {"LocaleIds": list(LOCALE_IDS)})


def qualify_lead(app, req, entity, key, params):
    """Closes the lead as Qualified (statecode 1, the statuscode of Status) and creates the account,
    contact and opportunity asked for, all in one transaction; answers the created records as
    Collection(crmbaseentity), each with its @odata.type and id."""
    status = params.get("Status")
    ss = entity.by_name["statuscode"].optionset
    qualified = [o[0] for o in ss.options if o[2] == 1]
    with app.write_lock:
        con = app.db()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                created = _qualify(app, con, req, entity, key, params, status, qualified)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            app.release(con)
    from . import pagecache
    pagecache.data_changed(app)
    value = []
    for ename, cid in created:
        e = app.model.by_name[ename]
        value.append({"@odata.type": "#Microsoft.Dynamics.CRM." + ename, e.pk: cid})
    return 200, [], query.json_bytes({
        "@odata.context": app.api_base(req) + "/$metadata#Collection(Microsoft.Dynamics.CRM.crmbaseentity)",
        "value": value})


def _qualify(app, con, req, entity, key, params, status, qualified):
    from . import writes
    from .errors import record_not_found
    row, _wsql, _p, _alt = writes.find_existing(app, con, entity, key)
    if row is None:
        raise record_not_found(entity.name, key.lower())
    rid = row[0]
    lead = con.execute('SELECT statecode, firstname, lastname, companyname, subject, emailaddress1 '
                       'FROM lead WHERE leadid = ?', (rid,)).fetchone()
    if lead[0] != 0:
        # [U] text
        raise DvError(400, "0x80040203", "The lead is closed. You cannot convert or qualify a lead "
                      "that is already closed.", api_name="InvalidArgument")
    if not isinstance(status, int) or isinstance(status, bool) or status not in qualified:
        # [U] text
        raise DvError(400, "0x80040203", "%s is not a valid status code for state code "
                      "LeadState.Qualified on lead with Id %s." % (status, rid), api_name="InvalidArgument")
    for p in ("CreateAccount", "CreateContact", "CreateOpportunity"):
        if not isinstance(params.get(p), bool):
            raise DvError(400, "0x80048d19", "Error identified in Payload provided by the user for "
                          "Entity :'' ----> InnerException : Microsoft.OData.ODataException: Cannot "
                          "convert the literal '%s' to the expected type 'Edm.Boolean'." % params.get(p))
    created = []
    _, first, last, company, subject, email = lead
    if params["CreateAccount"]:
        cols = {"name": company or ("%s %s" % (first or "", last or "")).strip()}
        created.append(("account", writes.insert(app, con, req, app.model.by_name["account"], cols)))
    if params["CreateContact"]:
        cols = {"firstname": first, "lastname": last, "emailaddress1": email}
        created.append(("contact", writes.insert(app, con, req, app.model.by_name["contact"], cols)))
    if params["CreateOpportunity"]:
        cols = {"name": subject or "Opportunity"}
        created.append(("opportunity", writes.insert(app, con, req, app.model.by_name["opportunity"], cols)))
    writes.update(app, con, req, entity, rid, {"statecode": 1, "statuscode": status})
    return created


def _privileges(bu, names=None):
    """The RolePrivilege objects a user of business unit bu holds (only those named, in the
    order of names, when names is given)."""
    import uuid
    ns = uuid.UUID("6f1e0f0e-0000-4000-8000-00000000d1a9")
    held = dict(PRIVILEGES)
    order = [n for n in names if n in held] if names is not None else [n for n, _d in PRIVILEGES]
    return [{"Depth": held[name], "PrivilegeId": str(uuid.uuid5(ns, name)), "BusinessUnitId": bu,
             "PrivilegeName": name} for name in order]


def retrieve_user_privileges(app, req, entity, key, args):
    from . import writes
    from .errors import record_not_found
    con = app.db()
    try:
        row, _w, _p, _a = writes.find_existing(app, con, entity, key)
        bu = con.execute("SELECT businessunitid FROM systemuser WHERE systemuserid = ?",
                         (row[0],)).fetchone() if row else None
    finally:
        app.release(con)
    if row is None:
        raise record_not_found(entity.name, key.lower())
    return _answer(app, req, "RetrieveUserPrivilegesResponse", {"RolePrivileges": _privileges(bu[0])})


def _guid_arg(text, pname, fname):
    """An Edm.Guid function argument: the bare literal (or a quoted one, as some clients send)."""
    import uuid
    t = (text or "").strip().strip("'")
    try:
        return str(uuid.UUID(t))
    except ValueError:
        # [U] text
        raise bad_query("The value '%s' of the parameter '%s' of the function '%s' is not a valid "
                        "Edm.Guid." % (text, pname, fname))


def _aad_user_bu(app, oid):
    con = app.db()
    try:
        row = con.execute("SELECT businessunitid FROM systemuser WHERE lower(azureactivedirectoryobjectid) = ?",
                          (oid,)).fetchone()
    finally:
        app.release(con)
    if row is None:
        # [U] text: the service's "does not exist" for a user looked up by its object id
        raise DvError(404, "0x80040217", "systemuser With Id = %s Does Not Exist" % oid,
                      api_name="ObjectDoesNotExist")
    return row[0]


def retrieve_aad_user_privileges(app, req, args):
    oid = _guid_arg(args["DirectoryObjectId"], "DirectoryObjectId", "RetrieveAadUserPrivileges")
    return _answer(app, req, "RetrieveAadUserPrivilegesResponse",
                   {"RolePrivileges": _privileges(_aad_user_bu(app, oid))})


def retrieve_aad_user_set_of_privileges_by_names(app, req, args):
    fname = "RetrieveAadUserSetOfPrivilegesByNames"
    oid = _guid_arg(args["DirectoryObjectId"], "DirectoryObjectId", fname)
    names = _string_collection(args["PrivilegeNames"], "PrivilegeNames")
    return _answer(app, req, "RetrieveAadUserSetOfPrivilegesByNamesResponse",
                   {"RolePrivileges": _privileges(_aad_user_bu(app, oid), names)})


def _string_arg(text, pname, fname):
    """An Edm.String function argument: the OData literal 'it''s'."""
    t = (text or "").strip()
    if len(t) < 2 or t[0] != "'" or t[-1] != "'":
        # [U] text
        raise bad_query("The value '%s' of the parameter '%s' of the function '%s' is not an "
                        "Edm.String literal." % (text, pname, fname))
    return t[1:-1].replace("''", "'")


def get_time_zone_code_by_localized_name(app, req, args):
    fname = "GetTimeZoneCodeByLocalizedName"
    name = _string_arg(args["LocalizedStandardName"], "LocalizedStandardName", fname)
    try:
        int(args["LocaleId"])
    except ValueError:
        # [U] text
        raise bad_query("The value '%s' of the parameter 'LocaleId' is not an Edm.Int32." % args["LocaleId"])
    code = TIME_ZONE_CODES.get(name)
    if code is None:
        # [U] text
        raise DvError(404, "0x80040217", "No time zone definition has the name '%s'." % name,
                      api_name="ObjectDoesNotExist")
    return _answer(app, req, "GetTimeZoneCodeByLocalizedNameResponse", {"TimeZoneCode": code})


UNBOUND = {"WhoAmI": who_am_i, "RetrieveVersion": retrieve_version,
           "RetrieveTotalRecordCount": retrieve_total_record_count,
           "RetrieveAvailableLanguages": retrieve_available_languages,
           "RetrieveAadUserPrivileges": retrieve_aad_user_privileges,
           "RetrieveAadUserSetOfPrivilegesByNames": retrieve_aad_user_set_of_privileges_by_names,
           "GetTimeZoneCodeByLocalizedName": get_time_zone_code_by_localized_name}
BOUND = {"QualifyLead": qualify_lead, "RetrieveUserPrivileges": retrieve_user_privileges}

