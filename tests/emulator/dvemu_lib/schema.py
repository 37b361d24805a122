"""dvemu schema model: the ONE description of the emulated org.

Owns: the entity/attribute/option-set/relationship model. Everything else is derived from
it: the SQLite tables and generated data (datagen.py), the row JSON (rowjson.py), the
EntityDefinitions/Attributes metadata and the $metadata CSDL (metadata.py), the query
engine's type checks (odata_filter.py) and the write validation (writes.py).

Attribute kinds (-> AttributeType / @odata.type / CSDL type), source: spec section 3 and 11,
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-types-operations
  pk          Uniqueidentifier  UniqueIdentifierAttributeMetadata  Edm.Guid
  guid        Uniqueidentifier  UniqueIdentifierAttributeMetadata  Edm.Guid
  string      String            StringAttributeMetadata            Edm.String
  memo        Memo              MemoAttributeMetadata              Edm.String
  int         Integer           IntegerAttributeMetadata           Edm.Int32
  bigint      BigInt            BigIntAttributeMetadata            Edm.Int64
  decimal     Decimal           DecimalAttributeMetadata           Edm.Decimal
  double      Double            DoubleAttributeMetadata            Edm.Double
  money       Money             MoneyAttributeMetadata             Edm.Decimal
  bool        Boolean           BooleanAttributeMetadata           Edm.Boolean
  datetime    DateTime          DateTimeAttributeMetadata          Edm.DateTimeOffset (UserLocal)
  date        DateTime          DateTimeAttributeMetadata          Edm.Date (DateOnly)
  lookup      Lookup            LookupAttributeMetadata            Edm.Guid as _x_value
  customer    Customer          LookupAttributeMetadata            Edm.Guid as _x_value
  owner       Owner             LookupAttributeMetadata            Edm.Guid as _x_value
  picklist    Picklist          PicklistAttributeMetadata          Edm.Int32
  state       State             StateAttributeMetadata             Edm.Int32
  status      Status            StatusAttributeMetadata            Edm.Int32
  multiselect Virtual           MultiSelectPicklistAttributeMetadata Edm.String
  image       Virtual           ImageAttributeMetadata             Edm.Binary
  entityname  EntityName        EntityNameAttributeMetadata        (not an OData property)
"""

import hashlib
import uuid

LANG = 1033

KIND_INFO = {
    # kind: (AttributeType, AttributeTypeName, metadata class, Edm type)
    "pk": ("Uniqueidentifier", "UniqueidentifierType", "UniqueIdentifier", "Edm.Guid"),
    "guid": ("Uniqueidentifier", "UniqueidentifierType", "UniqueIdentifier", "Edm.Guid"),
    "string": ("String", "StringType", "String", "Edm.String"),
    "memo": ("Memo", "MemoType", "Memo", "Edm.String"),
    "int": ("Integer", "IntegerType", "Integer", "Edm.Int32"),
    "bigint": ("BigInt", "BigIntType", "BigInt", "Edm.Int64"),
    "decimal": ("Decimal", "DecimalType", "Decimal", "Edm.Decimal"),
    "double": ("Double", "DoubleType", "Double", "Edm.Double"),
    "money": ("Money", "MoneyType", "Money", "Edm.Decimal"),
    "bool": ("Boolean", "BooleanType", "Boolean", "Edm.Boolean"),
    "datetime": ("DateTime", "DateTimeType", "DateTime", "Edm.DateTimeOffset"),
    "date": ("DateTime", "DateTimeType", "DateTime", "Edm.Date"),
    "lookup": ("Lookup", "LookupType", "Lookup", "Edm.Guid"),
    "customer": ("Customer", "CustomerType", "Lookup", "Edm.Guid"),
    "owner": ("Owner", "OwnerType", "Lookup", "Edm.Guid"),
    "picklist": ("Picklist", "PicklistType", "Picklist", "Edm.Int32"),
    "state": ("State", "StateType", "State", "Edm.Int32"),
    "status": ("Status", "StatusType", "Status", "Edm.Int32"),
    "multiselect": ("Virtual", "MultiSelectPicklistType", "MultiSelectPicklist", "Edm.String"),
    "image": ("Virtual", "ImageType", "Image", "Edm.Binary"),
    "entityname": ("EntityName", "EntityNameType", "EntityName", None),
}

LOOKUP_KINDS = ("lookup", "customer", "owner")
OPTION_KINDS = ("picklist", "state", "status", "multiselect")


def stable_guid(*parts):
    """Deterministic metadata ids (MetadataId etc.) from names."""
    h = hashlib.sha1(("dvemu:" + ":".join(str(p) for p in parts)).encode()).hexdigest()
    return str(uuid.UUID(h[:32]))


def label(text):
    """A Label complex value. Source: spec section 11 (Labels)."""
    if text is None:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}
    one = {"Label": text, "LanguageCode": LANG, "IsManaged": True,
           "MetadataId": stable_guid("label", text), "HasChanged": None}
    return {"LocalizedLabels": [one], "UserLocalizedLabel": dict(one)}


class OptionSet:
    def __init__(self, name, options, is_global=False, display=None, kind="picklist"):
        self.name = name
        # options: list of (value, label) or for state (value, label, default_status,
        # invariant) or for status (value, label, state)
        self.options = options
        self.is_global = is_global
        self.display = display or name
        self.kind = kind
        self.metadata_id = stable_guid("optionset", name)

    def labels(self):
        return {o[0]: o[1] for o in self.options}


class Attr:
    def __init__(self, name, kind, display=None, **kw):
        self.name = name
        self.kind = kind
        self.display = display if display is not None else name
        self.description = kw.get("description")
        self.schema = kw.get("schema") or name
        self.required = kw.get("required", "None")  # RequiredLevel.Value
        self.max_length = kw.get("max_length", 100 if kind == "string" else 2000)
        self.max_size_kb = kw.get("max_size_kb", 10240)  # image: MaxSizeInKB (default 10240)
        self.min_value = kw.get("min_value")
        self.max_value = kw.get("max_value")
        self.precision = kw.get("precision", 2)
        self.targets = kw.get("targets", [])
        self.optionset = kw.get("optionset")
        self.gen = kw.get("gen")  # SQL expression generator, see datagen.py
        self.attribute_of = kw.get("attribute_of")
        self.exposed = kw.get("exposed", True)  # an OData property of the entity type
        self.stored = kw.get("stored", True)  # has a SQLite column
        self.valid_create = kw.get("valid_create", True)
        self.valid_update = kw.get("valid_update", True)
        self.valid_read = kw.get("valid_read", True)
        self.custom = kw.get("custom", name.startswith("new_"))
        self.logical = kw.get("logical", False)
        self.nav = kw.get("nav")  # single-valued navigation property name(s) for lookups
        self.rel = kw.get("rel")  # relationship schema name(s) for lookups
        self.format = kw.get("format")
        self.is_primary_id = kind == "pk"
        self.is_primary_name = False
        self.column_number = 0
        self.entity = None
        if kind in ("int",):
            self.min_value = -2147483648 if self.min_value is None else self.min_value
            self.max_value = 2147483647 if self.max_value is None else self.max_value
        if kind == "bigint":
            self.min_value = -9223372036854775808 if self.min_value is None else self.min_value
            self.max_value = 9223372036854775807 if self.max_value is None else self.max_value
        if kind == "decimal":
            self.min_value = -100000000000.0 if self.min_value is None else self.min_value
            self.max_value = 100000000000.0 if self.max_value is None else self.max_value
        if kind == "money":
            self.min_value = -922337203685477.0 if self.min_value is None else self.min_value
            self.max_value = 922337203685477.0 if self.max_value is None else self.max_value
            self.precision = kw.get("precision", 4)
        if kind == "double":
            self.min_value = -100000000000.0 if self.min_value is None else self.min_value
            self.max_value = 100000000000.0 if self.max_value is None else self.max_value
            self.precision = kw.get("precision", 5)

    # --- derived facts -------------------------------------------------------------
    @property
    def attribute_type(self):
        return KIND_INFO[self.kind][0]

    @property
    def type_name(self):
        return KIND_INFO[self.kind][1]

    @property
    def meta_class(self):
        return KIND_INFO[self.kind][2] + "AttributeMetadata"

    @property
    def edm(self):
        return KIND_INFO[self.kind][3]

    @property
    def is_lookup(self):
        return self.kind in LOOKUP_KINDS

    @property
    def odata_name(self):
        """The JSON/OData property name: lookups are _x_value (spec section 3)."""
        if self.is_lookup:
            return "_%s_value" % self.name
        return self.name

    @property
    def column(self):
        return self.name

    @property
    def metadata_id(self):
        return stable_guid("attr", self.entity.name if self.entity else "", self.name)

    @property
    def is_text(self):
        return self.kind in ("string", "memo", "multiselect")

    def navs(self):
        """[(nav name, target entity, relationship schema name)] for lookups."""
        out = []
        navs = self.nav if isinstance(self.nav, (list, tuple)) else [self.nav] * len(self.targets)
        rels = self.rel if isinstance(self.rel, (list, tuple)) else [self.rel] * len(self.targets)
        for i, t in enumerate(self.targets):
            nav = navs[i] if i < len(navs) and navs[i] else self.name
            rel = rels[i] if i < len(rels) and rels[i] else "%s_%s_%s" % (t, self.entity.name, self.name)
            out.append((nav, t, rel))
        return out


class Entity:
    def __init__(self, name, set_name, display, plural, pk, primary_name, otc, attrs,
                 ownership="UserOwned", custom=False, intersect=False, activity=False,
                 change_tracking=True, schema=None, count=None, keys=None, description=None,
                 primary_image=None):
        self.name = name
        self.set_name = set_name
        self.display = display
        self.plural = plural
        self.pk = pk
        self.primary_name = primary_name
        self.otc = otc
        self.ownership = ownership
        self.custom = custom
        self.intersect = intersect
        self.activity = activity
        self.change_tracking = change_tracking
        self.schema = schema or name.capitalize()
        self.count = count  # function rows -> row count for this entity
        self.keys = keys or []  # alternate keys: [(key schema name, [attribute names])]
        self.description = description
        self.primary_image = primary_image
        self.metadata_id = stable_guid("entity", name)
        self.attrs = []
        self.by_name = {}
        for a in attrs:
            self.add(a)

    def add(self, a):
        a.entity = self
        a.column_number = len(self.attrs) + 1
        if a.name == self.primary_name:
            a.is_primary_name = True
        self.attrs.append(a)
        self.by_name[a.name] = a

    @property
    def type_name(self):
        return self.name

    def stored_attrs(self):
        return [a for a in self.attrs if a.stored]

    def odata_attrs(self):
        """Attributes that are OData properties, in schema order."""
        return [a for a in self.attrs if a.exposed and a.stored]

    def odata_prop(self, name):
        """Find the attribute behind an OData property name (x or _x_value)."""
        if name.startswith("_") and name.endswith("_value"):
            a = self.by_name.get(name[1:-6])
            if a is not None and a.is_lookup:
                return a
            return None
        a = self.by_name.get(name)
        if a is None or a.is_lookup or not a.exposed or not a.stored:
            return None
        return a

    def nav_props(self):
        """Single-valued navigation properties: {nav name: (attr, target entity, rel)}."""
        out = {}
        for a in self.attrs:
            if a.is_lookup and a.stored:
                for nav, target, rel in a.navs():
                    out[nav] = (a, target, rel)
        return out


# ----------------------------------------------------------------------------------
# Option sets. Values/labels follow the real org's out-of-the-box option sets where they
# exist (account industrycode, accountcategorycode, statecode/statuscode...).
# ----------------------------------------------------------------------------------

def _os(name, pairs, **kw):
    return OptionSet(name, pairs, **kw)


OPTIONSETS = {}


def _reg(os_):
    OPTIONSETS[os_.name] = os_
    return os_


INDUSTRY = _reg(_os("industrycode", [
    (1, "Accounting"), (2, "Agriculture and Non-petrol Natural Resource Extraction"),
    (3, "Broadcasting Printing and Publishing"), (4, "Brokers"), (5, "Building Supply Retail"),
    (6, "Business Services"), (7, "Consulting"), (8, "Consumer Services"),
    (9, "Design, Direction and Creative Management"), (10, "Distributors, Dispatchers and Processors"),
    (11, "Doctor's Offices and Clinics"), (12, "Durable Manufacturing"),
    (13, "Eating and Drinking Places"), (14, "Entertainment Retail"),
    (15, "Equipment Rental and Leasing"), (16, "Financial"), (17, "Food and Tobacco Processing"),
    (18, "Inbound Capital Intensive Processing"), (19, "Inbound Repair and Services"),
    (20, "Insurance"), (21, "Legal Services"), (22, "Non-Durable Merchandise Retail"),
    (23, "Outbound Consumer Service"), (24, "Petrochemical Extraction and Distribution"),
    (25, "Service Retail"), (26, "SIG Affiliations"), (27, "Social Services"),
    (28, "Special Outbound Trade Contractors"), (29, "Specialty Realty"), (30, "Transportation"),
    (31, "Utility Creation and Distribution"), (32, "Vehicle Retail"), (33, "Wholesale")]))
ACCOUNTCATEGORY = _reg(_os("accountcategorycode", [(1, "Preferred Customer"), (2, "Standard")]))
CUSTOMERTYPE = _reg(_os("customertypecode", [
    (1, "Competitor"), (2, "Consultant"), (3, "Customer"), (4, "Investor"), (5, "Partner"),
    (6, "Influencer"), (7, "Press"), (8, "Prospect"), (9, "Reseller"), (10, "Supplier"),
    (11, "Vendor"), (12, "Other")]))
GENDER = _reg(_os("gendercode", [(1, "Male"), (2, "Female")]))
LEADSOURCE = _reg(_os("leadsourcecode", [
    (1, "Advertisement"), (2, "Employee Referral"), (3, "External Referral"), (4, "Partner"),
    (5, "Public Relations"), (6, "Seminar"), (7, "Trade Show"), (8, "Web"), (9, "Word of Mouth"),
    (10, "Other")]))
RATING = _reg(_os("leadqualitycode", [(1, "Hot"), (2, "Warm"), (3, "Cold")]))
OPPRATING = _reg(_os("opportunityratingcode", [(1, "Hot"), (2, "Warm"), (3, "Cold")]))
PRIORITY = _reg(_os("new_priority", [
    (100000000, "Low"), (100000001, "Normal"), (100000002, "High"), (100000003, "Critical")],
    is_global=True, display="Priority"))
TAGS = _reg(_os("new_tags", [
    (100000000, "Alpha"), (100000001, "Beta"), (100000002, "Gamma"), (100000003, "Delta"),
    (100000004, "Epsilon")], kind="multiselect"))
ACCESSMODE = _reg(_os("accessmode", [(0, "Read-Write"), (1, "Administrative"), (2, "Read"),
                                     (3, "Support User"), (4, "Non-interactive"),
                                     (5, "Delegated Admin")]))
TEAMTYPE = _reg(_os("teamtype", [(0, "Owner"), (1, "Access"), (2, "Security Group"),
                                 (3, "Office Group")]))


def state_status(entity, states, statuses):
    st = OptionSet(entity + "_statecode", states, kind="state")
    ss = OptionSet(entity + "_statuscode", statuses, kind="status")
    OPTIONSETS[st.name] = st
    OPTIONSETS[ss.name] = ss
    return st, ss


def boolean_os(name, true_label="Yes", false_label="No"):
    os_ = OptionSet(name, [(1, true_label), (0, false_label)], kind="bool")
    OPTIONSETS[name] = os_
    return os_


# ----------------------------------------------------------------------------------
# Common attributes (audit, ownership, state). gen expressions use the generator context
# `g` of datagen.py: g.h(k) pseudo-random int, g.ref(entity,k), g.date(k,..), g.pick(..)
# ----------------------------------------------------------------------------------

def lookup_companions(a, yomi=False):
    out = [Attr(a.name + "name", "string", a.display, attribute_of=a.name, exposed=False,
                stored=False, valid_create=False, valid_update=False, max_length=100,
                logical=True)]
    if yomi:
        out.append(Attr(a.name + "yominame", "string", a.display, attribute_of=a.name,
                        exposed=False, stored=False, valid_create=False, valid_update=False,
                        max_length=100, logical=True))
    if a.kind in ("customer", "owner"):
        out.append(Attr(a.name + "type", "entityname", a.display, attribute_of=a.name,
                        exposed=False, stored=True, valid_create=True, valid_update=True))
    return out


def audit_attrs(entity, user_owned=True, state=None):
    """createdon/modifiedon/createdby/modifiedby/owner/state/status/versionnumber."""
    out = []
    cb = Attr("createdby", "lookup", "Created By", targets=["systemuser"], nav="createdby",
              rel="lk_%sbase_createdby" % entity, valid_create=False, valid_update=False,
              gen=lambda g: g.ref("systemuser", 11))
    mb = Attr("modifiedby", "lookup", "Modified By", targets=["systemuser"], nav="modifiedby",
              rel="lk_%sbase_modifiedby" % entity, valid_create=False, valid_update=False,
              gen=lambda g: g.ref("systemuser", 12))
    out += [Attr("createdon", "datetime", "Created On", valid_create=False, valid_update=False,
                 gen=lambda g: g.datetime(13, "2019-01-01", 1800)),
            Attr("modifiedon", "datetime", "Modified On", valid_create=False, valid_update=False,
                 gen=lambda g: g.datetime(14, "2024-01-01", 600)),
            cb] + lookup_companions(cb, yomi=True) + [mb] + lookup_companions(mb, yomi=True)
    if user_owned:
        ow = Attr("ownerid", "owner", "Owner", targets=["systemuser", "team"],
                  nav="ownerid", rel=["user_%s" % entity, "team_%s" % entity],
                  required="SystemRequired", gen=lambda g: g.owner(15))
        out += [ow] + lookup_companions(ow, yomi=True)
        ob = Attr("owningbusinessunit", "lookup", "Owning Business Unit", targets=["businessunit"],
                  nav="owningbusinessunit", rel="business_unit_%s" % entity,
                  valid_create=False, valid_update=False, gen=lambda g: g.ref("businessunit", 16))
        out += [ob] + lookup_companions(ob)
    if state is not None:
        st, ss = state
        out.append(Attr("statecode", "state", "Status", optionset=st, required="SystemRequired",
                        gen=lambda g: g.weighted(17, [(0, 85), (1, 15)])))
        out.append(Attr("statuscode", "status", "Status Reason", optionset=ss,
                        gen=lambda g: "(CASE %s %s END)" % (
                            g.weighted(17, [(0, 85), (1, 15)]),
                            " ".join("WHEN %d THEN %d" % (s[0], [o[0] for o in ss.options if o[2] == s[0]][0])
                                     for s in st.options))))
    out.append(Attr("versionnumber", "bigint", "Version Number", valid_create=False,
                    valid_update=False, gen=lambda g: g.version()))
    return out


def currency_attrs(entity):
    tc = Attr("transactioncurrencyid", "lookup", "Currency", targets=["transactioncurrency"],
              nav="transactioncurrencyid", rel="TransactionCurrency_%s" % entity,
              gen=lambda g: g.ref("transactioncurrency", 18))
    return [tc] + lookup_companions(tc) + [
        Attr("exchangerate", "decimal", "Exchange Rate", precision=10, valid_create=False,
             valid_update=False, gen=lambda g: "1.0")]


def build_entities():
    ents = []
    # --- transactioncurrency (organization owned) ---------------------------------
    ents.append(Entity(
        "transactioncurrency", "transactioncurrencies", "Currency", "Currencies",
        "transactioncurrencyid", "currencyname", 9105, [
            Attr("transactioncurrencyid", "pk", "Currency", gen=lambda g: g.pk()),
            Attr("currencyname", "string", "Currency Name", required="ApplicationRequired",
                 gen=lambda g: g.choose("n", ["US Dollar", "Euro", "Pound Sterling"])),
            Attr("isocurrencycode", "string", "Currency Code", max_length=5,
                 gen=lambda g: g.choose("n", ["USD", "EUR", "GBP"])),
            Attr("currencysymbol", "string", "Currency Symbol", max_length=10,
                 gen=lambda g: g.choose("n", ["$", "\u20ac", "\u00a3"])),
            Attr("currencyprecision", "int", "Currency Precision", gen=lambda g: "2"),
            Attr("exchangerate", "decimal", "Exchange Rate", precision=10,
                 gen=lambda g: g.choose("n", ["1.0", "0.92", "0.79"])),
            Attr("createdon", "datetime", "Created On", valid_create=False, valid_update=False,
                 gen=lambda g: "'2018-06-01T00:00:00Z'"),
            Attr("versionnumber", "bigint", "Version Number", valid_create=False,
                 valid_update=False, gen=lambda g: g.version()),
        ], ownership="OrganizationOwned", schema="TransactionCurrency",
        count=lambda n: 3, keys=[("isocurrencycode", ["isocurrencycode"])]))

    # --- businessunit ---------------------------------------------------------------
    bu_parent = Attr("parentbusinessunitid", "lookup", "Parent Business", targets=["businessunit"],
                     nav="parentbusinessunitid", rel="business_unit_parent_business_unit",
                     gen=lambda g: "(CASE WHEN n = 1 THEN NULL ELSE %s END)" % g.ref_row("businessunit", "1"))
    ents.append(Entity(
        "businessunit", "businessunits", "Business Unit", "Business Units", "businessunitid", "name",
        10, [
            Attr("businessunitid", "pk", "Business Unit", gen=lambda g: g.pk()),
            Attr("name", "string", "Name", max_length=160, required="SystemRequired",
                 gen=lambda g: "(CASE WHEN n = 1 THEN 'dvemu' ELSE 'Division ' || n END)"),
            bu_parent] + lookup_companions(bu_parent) + [
            Attr("createdon", "datetime", "Created On", valid_create=False, valid_update=False,
                 gen=lambda g: "'2018-06-01T00:00:00Z'"),
            Attr("versionnumber", "bigint", "Version Number", valid_create=False,
                 valid_update=False, gen=lambda g: g.version()),
        ], ownership="BusinessOwned", schema="BusinessUnit", count=lambda n: 3, change_tracking=False))

    # --- systemuser -----------------------------------------------------------------
    su_bu = Attr("businessunitid", "lookup", "Business Unit", targets=["businessunit"],
                 nav="businessunitid", rel="business_unit_system_users", required="SystemRequired",
                 gen=lambda g: g.ref("businessunit", 2))
    ents.append(Entity(
        "systemuser", "systemusers", "User", "Users", "systemuserid", "fullname", 8, [
            Attr("systemuserid", "pk", "User", gen=lambda g: g.pk()),
            Attr("fullname", "string", "Full Name", max_length=200,
                 gen=lambda g: "(CASE WHEN n = 1 THEN '# dvemu app' ELSE %s || ' ' || %s END)" % (
                     g.word("first", 3), g.word("last", 4))),
            Attr("firstname", "string", "First Name", max_length=64,
                 gen=lambda g: "(CASE WHEN n = 1 THEN '#' ELSE %s END)" % g.word("first", 3)),
            Attr("lastname", "string", "Last Name", max_length=64,
                 gen=lambda g: "(CASE WHEN n = 1 THEN 'dvemu app' ELSE %s END)" % g.word("last", 4)),
            Attr("domainname", "string", "User Name", max_length=1024,
                 gen=lambda g: "lower(%s) || '.' || n || '@dvemu.onmicrosoft.com'" % g.word("first", 3)),
            Attr("internalemailaddress", "string", "Primary Email", max_length=100,
                 gen=lambda g: "lower(%s) || '.' || n || '@dvemu.onmicrosoft.com'" % g.word("first", 3)),
            Attr("applicationid", "guid", "Application ID",
                 gen=lambda g: "(CASE WHEN n = 1 THEN '11111111-1111-1111-1111-111111111111' END)"),
            Attr("azureactivedirectoryobjectid", "guid", "Azure AD Object ID", valid_update=False,
                 gen=lambda g: g.guid_of("systemuser_aad", "n")),
            Attr("accessmode", "picklist", "Access Mode", optionset=ACCESSMODE,
                 gen=lambda g: "(CASE WHEN n = 1 THEN 4 ELSE 0 END)"),
            Attr("isdisabled", "bool", "Status", optionset=boolean_os("systemuser_isdisabled", "Disabled", "Enabled"),
                 gen=lambda g: "(CASE WHEN %s < 5 THEN 1 ELSE 0 END)" % g.pct(5)),
            su_bu] + lookup_companions(su_bu) + [
            Attr("createdon", "datetime", "Created On", valid_create=False, valid_update=False,
                 gen=lambda g: g.datetime(13, "2018-06-01", 300)),
            Attr("modifiedon", "datetime", "Modified On", valid_create=False, valid_update=False,
                 gen=lambda g: g.datetime(14, "2023-01-01", 600)),
            Attr("versionnumber", "bigint", "Version Number", valid_create=False,
                 valid_update=False, gen=lambda g: g.version()),
        ], ownership="BusinessOwned", schema="SystemUser",
        count=lambda n: max(5, min(2000, n // 10 + 5))))

    # --- team -----------------------------------------------------------------------
    tm_bu = Attr("businessunitid", "lookup", "Business Unit", targets=["businessunit"],
                 nav="businessunitid", rel="business_unit_teams", required="SystemRequired",
                 gen=lambda g: g.ref("businessunit", 2))
    ents.append(Entity(
        "team", "teams", "Team", "Teams", "teamid", "name", 9, [
            Attr("teamid", "pk", "Team", gen=lambda g: g.pk()),
            Attr("name", "string", "Team Name", max_length=160, required="SystemRequired",
                 gen=lambda g: "%s || ' Team ' || n" % g.word("city", 5)),
            Attr("teamtype", "picklist", "Team Type", optionset=TEAMTYPE, gen=lambda g: "0"),
            tm_bu] + lookup_companions(tm_bu) + [
            Attr("createdon", "datetime", "Created On", valid_create=False, valid_update=False,
                 gen=lambda g: g.datetime(13, "2018-06-01", 300)),
            Attr("versionnumber", "bigint", "Version Number", valid_create=False,
                 valid_update=False, gen=lambda g: g.version()),
        ], ownership="BusinessOwned", schema="Team", count=lambda n: 5))

    # --- role -----------------------------------------------------------------------
    ro_bu = Attr("businessunitid", "lookup", "Business Unit", targets=["businessunit"],
                 nav="businessunitid", rel="business_unit_roles", required="SystemRequired",
                 gen=lambda g: g.ref_row("businessunit", "1"))
    ents.append(Entity(
        "role", "roles", "Security Role", "Security Roles", "roleid", "name", 1036, [
            Attr("roleid", "pk", "Role", gen=lambda g: g.pk()),
            Attr("name", "string", "Name", max_length=100, required="SystemRequired",
                 gen=lambda g: g.choose("n", ["System Administrator", "System Customizer",
                                              "Salesperson", "Sales Manager", "Basic User",
                                              "Environment Maker", "Marketing Professional",
                                              "Customer Service Representative", "Delegate",
                                              "Support User"])),
            ro_bu] + lookup_companions(ro_bu) + [
            Attr("createdon", "datetime", "Created On", valid_create=False, valid_update=False,
                 gen=lambda g: "'2018-06-01T00:00:00Z'"),
            Attr("versionnumber", "bigint", "Version Number", valid_create=False,
                 valid_update=False, gen=lambda g: g.version()),
        ], ownership="BusinessOwned", schema="Role", count=lambda n: 10, change_tracking=False))

    # --- systemuserroles (N:N intersect) -------------------------------------------
    ents.append(Entity(
        "systemuserroles", "systemuserrolescollection", "User Roles", "User Roles",
        "systemuserroleid", None, 15, [
            Attr("systemuserroleid", "pk", "User Role", gen=lambda g: g.pk()),
            Attr("systemuserid", "guid", "User", gen=lambda g: g.ref_row("systemuser", "((n + 1) / 2)")),
            Attr("roleid", "guid", "Role", gen=lambda g: g.ref_row("role", "(1 + (n * 7 + (n % 2) * 3) % 10)")),
            Attr("versionnumber", "bigint", "Version Number", valid_create=False,
                 valid_update=False, gen=lambda g: g.version()),
        ], ownership="None", intersect=True, schema="SystemUserRoles",
        count=lambda n: 2 * max(5, min(2000, n // 10 + 5)), change_tracking=False))

    # --- account --------------------------------------------------------------------
    acc_state = state_status("account", [(0, "Active", 1, "Active"), (1, "Inactive", 2, "Inactive")],
                             [(1, "Active", 0), (2, "Inactive", 1)])
    pc = Attr("primarycontactid", "lookup", "Primary Contact", targets=["contact"],
              nav="primarycontactid", rel="account_primary_contact",
              gen=lambda g: g.ref("contact", 20, null_pct=20))
    pa = Attr("parentaccountid", "lookup", "Parent Account", targets=["account"],
              nav="parentaccountid", rel="account_parent_account",
              gen=lambda g: g.ref("account", 21, null_pct=80))
    ents.append(Entity(
        "account", "accounts", "Account", "Accounts", "accountid", "name", 1, [
            Attr("accountid", "pk", "Account", gen=lambda g: g.pk()),
            Attr("name", "string", "Account Name", max_length=160, required="ApplicationRequired",
                 gen=lambda g: "%s || ' ' || %s || ' ' || n" % (g.word("company", 1), g.word("suffix", 2))),
            Attr("accountnumber", "string", "Account Number", max_length=20,
                 gen=lambda g: "printf('A-%06d', n)"),
            Attr("description", "memo", "Description", max_length=2000,
                 gen=lambda g: "(CASE WHEN %s < 40 THEN NULL ELSE 'Account ' || n || ' of the %s ' || %s || ' sector. Key customer since ' || (2000 + %s) || '.' END)" % (
                     g.pct(3), "dvemu", g.word("city", 4), g.mod(5, 24))),
            Attr("telephone1", "string", "Main Phone", max_length=50,
                 gen=lambda g: "printf('+1-555-%%04d', %s)" % g.mod(6, 10000)),
            Attr("fax", "string", "Fax", max_length=50,
                 gen=lambda g: "(CASE WHEN %s < 70 THEN NULL ELSE printf('+1-555-%%04d', %s) END)" % (g.pct(7), g.mod(8, 10000))),
            Attr("websiteurl", "string", "Website", max_length=200,
                 gen=lambda g: "'https://www.' || lower(replace(replace(%s, ' ', ''), '''', '')) || n || '.example.com'" % g.word("company", 1)),
            Attr("emailaddress1", "string", "Email", max_length=100,
                 gen=lambda g: "'info' || n || '@' || lower(replace(replace(%s, ' ', ''), '''', '')) || '.example.com'" % g.word("company", 1)),
            Attr("address1_line1", "string", "Address 1: Street 1", max_length=250,
                 gen=lambda g: "(%s + 1) || ' ' || %s" % (g.mod(9, 9999), g.word("street", 10))),
            Attr("address1_city", "string", "Address 1: City", max_length=80, gen=lambda g: g.word("city", 4)),
            Attr("address1_stateorprovince", "string", "Address 1: State/Province", max_length=50,
                 gen=lambda g: g.word("state", 4)),
            Attr("address1_postalcode", "string", "Address 1: ZIP/Postal Code", max_length=20,
                 gen=lambda g: "printf('%05d', " + g.mod(11, 99999) + ")"),
            Attr("address1_country", "string", "Address 1: Country/Region", max_length=80,
                 gen=lambda g: g.word("country", 4)),
            Attr("address1_latitude", "double", "Address 1: Latitude", precision=5,
                 min_value=-90.0, max_value=90.0,
                 gen=lambda g: "round((%s - 90000000) / 1000000.0, 5)" % g.mod(22, 180000000)),
            Attr("address1_longitude", "double", "Address 1: Longitude", precision=5,
                 min_value=-180.0, max_value=180.0,
                 gen=lambda g: "round((%s - 180000000) / 1000000.0, 5)" % g.mod(23, 360000000)),
            Attr("industrycode", "picklist", "Industry", optionset=INDUSTRY,
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE 1 + %s END)" % (g.pct(24), g.mod(25, 33))),
            Attr("accountcategorycode", "picklist", "Category", optionset=ACCOUNTCATEGORY,
                 gen=lambda g: "1 + %s" % g.mod(26, 2)),
            Attr("customertypecode", "picklist", "Relationship Type", optionset=CUSTOMERTYPE,
                 gen=lambda g: "1 + %s" % g.mod(27, 12)),
            Attr("numberofemployees", "int", "Number of Employees", min_value=0, max_value=1000000000,
                 gen=lambda g: "(CASE WHEN %s < 15 THEN NULL ELSE %s * 10 + 5 END)" % (g.pct(28), g.mod(29, 5000))),
            Attr("revenue", "money", "Annual Revenue", precision=2,
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE %s * 1000.0 + %s / 100.0 END)" % (
                     g.pct(30), g.mod(31, 100000), g.mod(32, 100))),
            Attr("creditlimit", "money", "Credit Limit", precision=2,
                 gen=lambda g: "(%s * 500.0)" % g.mod(33, 2000)),
            Attr("creditonhold", "bool", "Credit Hold", optionset=boolean_os("account_creditonhold"),
                 gen=lambda g: "(CASE WHEN %s < 8 THEN 1 ELSE 0 END)" % g.pct(34)),
            Attr("donotemail", "bool", "Do not allow Emails", optionset=boolean_os("account_donotemail", "Do Not Allow", "Allow"),
                 gen=lambda g: "(CASE WHEN %s < 20 THEN 1 ELSE 0 END)" % g.pct(35)),
            Attr("sharesoutstanding", "int", "Shares Outstanding", min_value=0,
                 gen=lambda g: "(CASE WHEN %s < 50 THEN NULL ELSE %s * 1000 END)" % (g.pct(36), g.mod(37, 100000))),
            Attr("lastonholdtime", "datetime", "Last On Hold Time",
                 gen=lambda g: "(CASE WHEN %s < 90 THEN NULL ELSE %s END)" % (g.pct(38), g.datetime(39, "2022-01-01", 900))),
            pc] + lookup_companions(pc, yomi=True) + [pa] + lookup_companions(pa, yomi=True)
            + currency_attrs("account") + audit_attrs("account", True, acc_state) + [
            Attr("entityimage", "image", "Default Image",
                 gen=lambda g: "(CASE WHEN %s < 95 THEN NULL ELSE %s END)" % (g.pct(40), g.image())),
            Attr("entityimage_url", "string", "Entity Image Url", attribute_of="entityimage",
                 valid_create=False, valid_update=False, max_length=200,
                 gen=lambda g: "(CASE WHEN %s < 95 THEN NULL ELSE '/Image/download.aspx?Entity=account&Attribute=entityimage&Id=' || %s || '&Timestamp=638000000000000000' END)" % (g.pct(40), g.pk())),
            Attr("entityimage_timestamp", "bigint", "Entity Image Timestamp", attribute_of="entityimage",
                 valid_create=False, valid_update=False,
                 gen=lambda g: "(CASE WHEN %s < 95 THEN NULL ELSE 638000000000000000 END)" % g.pct(40)),
            Attr("entityimageid", "guid", "Entity Image Id", attribute_of="entityimage",
                 valid_create=False, valid_update=False,
                 gen=lambda g: "(CASE WHEN %s < 95 THEN NULL ELSE %s END)" % (g.pct(40), g.guid_of("account_img", "n"))),
        ], schema="Account", count=lambda n: n, keys=[("accountnumber", ["accountnumber"])],
        primary_image="entityimage",
        description="Business that represents a customer or potential customer."))

    # --- contact --------------------------------------------------------------------
    con_state = state_status("contact", [(0, "Active", 1, "Active"), (1, "Inactive", 2, "Inactive")],
                             [(1, "Active", 0), (2, "Inactive", 1)])
    pcu = Attr("parentcustomerid", "customer", "Company Name", targets=["account", "contact"],
               nav=["parentcustomerid_account", "parentcustomerid_contact"],
               rel=["contact_customer_accounts", "contact_customer_contacts"],
               gen=lambda g: g.ref("account", 41, null_pct=15))
    ents.append(Entity(
        "contact", "contacts", "Contact", "Contacts", "contactid", "fullname", 2, [
            Attr("contactid", "pk", "Contact", gen=lambda g: g.pk()),
            Attr("fullname", "string", "Full Name", max_length=160, valid_create=False, valid_update=False,
                 gen=lambda g: "%s || ' ' || %s" % (g.word("first", 1), g.word("last", 2))),
            Attr("firstname", "string", "First Name", max_length=50, required="Recommended",
                 gen=lambda g: g.word("first", 1)),
            Attr("lastname", "string", "Last Name", max_length=50, required="ApplicationRequired",
                 gen=lambda g: g.word("last", 2)),
            Attr("emailaddress1", "string", "Email", max_length=100,
                 gen=lambda g: "lower(replace(%s, '''', '')) || '.' || n || '@example.com'" % g.word("last", 2)),
            Attr("telephone1", "string", "Business Phone", max_length=50,
                 gen=lambda g: "printf('+1-555-%%04d', %s)" % g.mod(6, 10000)),
            Attr("jobtitle", "string", "Job Title", max_length=100,
                 gen=lambda g: g.word("title", 7)),
            Attr("birthdate", "date", "Birthday", format="DateOnly",
                 gen=lambda g: "(CASE WHEN %s < 30 THEN NULL ELSE %s END)" % (g.pct(8), g.date(9, "1950-01-01", 18000))),
            Attr("gendercode", "picklist", "Gender", optionset=GENDER,
                 gen=lambda g: "(CASE WHEN %s < 20 THEN NULL ELSE 1 + %s END)" % (g.pct(10), g.mod(11, 2))),
            Attr("address1_city", "string", "Address 1: City", max_length=80, gen=lambda g: g.word("city", 4)),
            Attr("address1_country", "string", "Address 1: Country/Region", max_length=80,
                 gen=lambda g: g.word("country", 4)),
            Attr("creditlimit", "money", "Credit Limit", precision=2,
                 gen=lambda g: "(CASE WHEN %s < 50 THEN NULL ELSE %s * 100.0 END)" % (g.pct(19), g.mod(22, 1000))),
            Attr("donotphone", "bool", "Do not allow Phone Calls", optionset=boolean_os("contact_donotphone", "Do Not Allow", "Allow"),
                 gen=lambda g: "(CASE WHEN %s < 10 THEN 1 ELSE 0 END)" % g.pct(23)),
            pcu] + lookup_companions(pcu, yomi=True)
            + currency_attrs("contact") + audit_attrs("contact", True, con_state),
        schema="Contact", count=lambda n: n, keys=[]))

    # --- lead -----------------------------------------------------------------------
    lead_state = state_status("lead", [(0, "Open", 1, "Open"), (1, "Qualified", 3, "Qualified"),
                                       (2, "Disqualified", 4, "Disqualified")],
                              [(1, "New", 0), (2, "Contacted", 0), (3, "Qualified", 1),
                               (4, "Lost", 2), (5, "Cannot Contact", 2)])
    ents.append(Entity(
        "lead", "leads", "Lead", "Leads", "leadid", "fullname", 4, [
            Attr("leadid", "pk", "Lead", gen=lambda g: g.pk()),
            Attr("fullname", "string", "Name", max_length=160, valid_create=False, valid_update=False,
                 gen=lambda g: "%s || ' ' || %s" % (g.word("first", 1), g.word("last", 2))),
            Attr("firstname", "string", "First Name", max_length=50, gen=lambda g: g.word("first", 1)),
            Attr("lastname", "string", "Last Name", max_length=50, required="ApplicationRequired",
                 gen=lambda g: g.word("last", 2)),
            Attr("subject", "string", "Topic", max_length=300, required="ApplicationRequired",
                 gen=lambda g: "'Interested in ' || %s || ' (' || n || ')'" % g.word("product", 3)),
            Attr("companyname", "string", "Company Name", max_length=100,
                 gen=lambda g: "%s || ' ' || %s" % (g.word("company", 4), g.word("suffix", 5))),
            Attr("emailaddress1", "string", "Email", max_length=100,
                 gen=lambda g: "'lead' || n || '@example.net'"),
            Attr("leadsourcecode", "picklist", "Lead Source", optionset=LEADSOURCE,
                 gen=lambda g: "1 + %s" % g.mod(6, 10)),
            Attr("leadqualitycode", "picklist", "Rating", optionset=RATING,
                 gen=lambda g: "1 + %s" % g.mod(7, 3)),
            Attr("estimatedamount", "money", "Est. Value", precision=2,
                 gen=lambda g: "(%s * 250.0)" % g.mod(8, 4000)),
            Attr("estimatedclosedate", "date", "Est. Close Date", format="DateOnly",
                 gen=lambda g: g.date(9, "2024-01-01", 730)),
        ] + currency_attrs("lead") + audit_attrs("lead", True, lead_state),
        schema="Lead", count=lambda n: max(1, n // 2)))

    # --- opportunity ----------------------------------------------------------------
    opp_state = state_status("opportunity", [(0, "Open", 1, "Open"), (1, "Won", 3, "Won"),
                                             (2, "Lost", 4, "Lost")],
                             [(1, "In Progress", 0), (2, "On Hold", 0), (3, "Won", 1),
                              (4, "Canceled", 2), (5, "Out-Sold", 2)])
    ocu = Attr("customerid", "customer", "Potential Customer", targets=["account", "contact"],
               nav=["customerid_account", "customerid_contact"],
               rel=["opportunity_customer_accounts", "opportunity_customer_contacts"],
               gen=lambda g: g.ref("account", 41))
    opa = Attr("parentaccountid", "lookup", "Account", targets=["account"], nav="parentaccountid",
               rel="opportunity_parent_account", gen=lambda g: g.ref("account", 41))
    ents.append(Entity(
        "opportunity", "opportunities", "Opportunity", "Opportunities", "opportunityid", "name", 3, [
            Attr("opportunityid", "pk", "Opportunity", gen=lambda g: g.pk()),
            Attr("name", "string", "Topic", max_length=300, required="ApplicationRequired",
                 gen=lambda g: "%s || ' for ' || %s || ' ' || n" % (g.word("product", 1), g.word("company", 2))),
            Attr("description", "memo", "Description", max_length=2000,
                 gen=lambda g: "(CASE WHEN %s < 50 THEN NULL ELSE 'Opportunity ' || n END)" % g.pct(3)),
            Attr("estimatedvalue", "money", "Est. Revenue", precision=2,
                 gen=lambda g: "(%s * 100.0 + %s / 100.0)" % (g.mod(4, 100000), g.mod(5, 100))),
            Attr("actualvalue", "money", "Actual Revenue", precision=2,
                 gen=lambda g: "(CASE WHEN %s < 70 THEN NULL ELSE %s * 100.0 END)" % (g.pct(6), g.mod(7, 100000))),
            Attr("closeprobability", "int", "Probability", min_value=0, max_value=100,
                 gen=lambda g: g.mod(8, 101)),
            Attr("estimatedclosedate", "date", "Est. Close Date", format="DateOnly",
                 gen=lambda g: g.date(9, "2023-01-01", 1000)),
            Attr("opportunityratingcode", "picklist", "Rating", optionset=OPPRATING,
                 gen=lambda g: "1 + %s" % g.mod(10, 3)),
            ocu] + lookup_companions(ocu, yomi=True) + [opa] + lookup_companions(opa, yomi=True)
            + currency_attrs("opportunity") + audit_attrs("opportunity", True, opp_state),
        schema="Opportunity", count=lambda n: max(1, n // 2)))

    # --- new_project: custom entity with EVERY attribute type ----------------------
    prj_state = state_status("new_project", [(0, "Active", 1, "Active"), (1, "Inactive", 2, "Inactive")],
                             [(1, "Active", 0), (2, "Inactive", 1)])
    p_acc = Attr("new_accountid", "lookup", "Account", schema="new_AccountId", targets=["account"],
                 nav="new_AccountId", rel="new_account_new_project_AccountId",
                 gen=lambda g: g.ref("account", 30, null_pct=10))
    p_cus = Attr("new_customerid", "customer", "Customer", schema="new_CustomerId",
                 targets=["account", "contact"], nav=["new_CustomerId_account", "new_CustomerId_contact"],
                 rel=["new_account_new_project_CustomerId", "new_contact_new_project_CustomerId"],
                 gen=lambda g: g.customer(31))
    ents.append(Entity(
        "new_project", "new_projects", "Project", "Projects", "new_projectid", "new_name", 10010, [
            Attr("new_projectid", "pk", "Project", schema="new_projectId", gen=lambda g: g.pk()),
            Attr("new_name", "string", "Name", schema="new_Name", max_length=200, required="ApplicationRequired",
                 gen=lambda g: "'Project ' || %s || ' ' || n" % g.word("product", 1)),
            Attr("new_code", "string", "Code", schema="new_Code", max_length=20,
                 gen=lambda g: "printf('P-%07d', n)"),
            Attr("new_notes", "memo", "Notes", schema="new_Notes", max_length=4000,
                 gen=lambda g: "(CASE WHEN %s < 30 THEN NULL ELSE 'Notes for project ' || n || ': ' || %s || ' rollout in ' || %s || ' (' || %s || ').' END)" % (
                     g.pct(2), g.word("product", 1), g.word("city", 3), g.word("country", 3))),
            Attr("new_units", "int", "Units", schema="new_Units", min_value=-1000000, max_value=1000000,
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE %s - 1000 END)" % (g.pct(4), g.mod(5, 100000))),
            Attr("new_bignumber", "bigint", "Big Number", schema="new_BigNumber",
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE 9007199254740993 + n * 7 END)" % g.pct(6)),
            Attr("new_ratio", "decimal", "Ratio", schema="new_Ratio", precision=4,
                 min_value=-1000000.0, max_value=1000000.0,
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE (%s - 500000) / 10000.0 END)" % (g.pct(7), g.mod(8, 1000000))),
            Attr("new_score", "double", "Score", schema="new_Score", precision=5,
                 min_value=-1000000.0, max_value=1000000.0,
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE round(%s / 1000.0 + 0.12345, 5) END)" % (g.pct(9), g.mod(10, 100000000))),
            Attr("new_budget", "money", "Budget", schema="new_Budget", precision=2,
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE %s * 10.0 + %s / 100.0 END)" % (g.pct(11), g.mod(12, 10000000), g.mod(13, 100))),
            Attr("new_isactive", "bool", "Is Active", schema="new_IsActive",
                 optionset=boolean_os("new_project_new_isactive"),
                 gen=lambda g: "(CASE WHEN %s < 70 THEN 1 ELSE 0 END)" % g.pct(14)),
            Attr("new_startedon", "datetime", "Started On", schema="new_StartedOn",
                 gen=lambda g: "(CASE WHEN %s < 5 THEN NULL ELSE %s END)" % (g.pct(15), g.datetime(16, "2020-01-01", 2000))),
            Attr("new_duedate", "date", "Due Date", schema="new_DueDate", format="DateOnly",
                 gen=lambda g: "(CASE WHEN %s < 5 THEN NULL ELSE %s END)" % (g.pct(17), g.date(18, "2024-01-01", 1000))),
            Attr("new_externalid", "guid", "External Id", schema="new_ExternalId",
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE %s END)" % (g.pct(19), g.guid_of("new_project_ext", "n"))),
            p_acc] + lookup_companions(p_acc) + [p_cus] + lookup_companions(p_cus) + [
            Attr("new_priority", "picklist", "Priority", schema="new_Priority", optionset=PRIORITY,
                 gen=lambda g: "(CASE WHEN %s < 10 THEN NULL ELSE 100000000 + %s END)" % (g.pct(20), g.mod(21, 4))),
            Attr("new_tags", "multiselect", "Tags", schema="new_Tags", optionset=TAGS,
                 gen=lambda g: g.multiselect(22, TAGS)),
            Attr("new_image", "image", "Image", schema="new_Image", max_size_kb=30720,
                 gen=lambda g: "(CASE WHEN %s < 80 THEN NULL ELSE %s END)" % (g.pct(23), g.image())),
            Attr("new_image_url", "string", "Image Url", attribute_of="new_image", max_length=200,
                 valid_create=False, valid_update=False,
                 gen=lambda g: "(CASE WHEN %s < 80 THEN NULL ELSE '/Image/download.aspx?Entity=new_project&Attribute=new_image&Id=' || %s || '&Timestamp=638000000000000000' END)" % (g.pct(23), g.pk())),
            Attr("new_image_timestamp", "bigint", "Image Timestamp", attribute_of="new_image",
                 valid_create=False, valid_update=False,
                 gen=lambda g: "(CASE WHEN %s < 80 THEN NULL ELSE 638000000000000000 END)" % g.pct(23)),
            Attr("new_imageid", "guid", "Image Id", attribute_of="new_image",
                 valid_create=False, valid_update=False,
                 gen=lambda g: "(CASE WHEN %s < 80 THEN NULL ELSE %s END)" % (g.pct(23), g.guid_of("new_project_img", "n"))),
        ] + currency_attrs("new_project") + audit_attrs("new_project", True, prj_state),
        custom=True, schema="new_project", count=lambda n: n,
        keys=[("new_code", ["new_code"])], description="Custom entity with every attribute type."))

    return ents


def mark_lookup_targets(entities):
    """Sets lookup_target on every entity: some lookup of the list can point at it (it gets a
    cv_ covering index, datagen.table_ddl)."""
    targets = set(t for e in entities for a in e.attrs if a.is_lookup for t in a.targets)
    for e in entities:
        e.lookup_target = e.name in targets


def one_to_many(rel, referencing, attr, target, by_name, nav):
    """A one-to-many relationship (spec section 11, OneToManyRelationships): attribute attr of
    entity referencing looks up entity target; rel is its SchemaName and target's navigation
    property, nav referencing's."""
    return {"SchemaName": rel, "ReferencedEntity": target,
            "ReferencedAttribute": by_name[target].pk,
            "ReferencingEntity": referencing.name, "ReferencingAttribute": attr,
            "ReferencedEntityNavigationPropertyName": rel,
            "ReferencingEntityNavigationPropertyName": nav,
            "IsCustomRelationship": referencing.custom}


def lookup_relationships(e, by_name):
    """The one-to-many relationships of entity e's stored lookups, one per target."""
    return [one_to_many(rel, e, a.name, target, by_name, nav)
            for a in e.attrs if a.is_lookup and a.stored for nav, target, rel in a.navs()]


class Model:
    """The org: entities by logical name and by entity set name."""

    def __init__(self, real_attributes=False, custom_attributes=0):
        self.entities = build_entities()
        if real_attributes:  # --real-attributes: account/opportunity as wide as a real org's
            from . import realorg
            realorg.widen(self.entities)
        if custom_attributes:  # --custom-attributes N: N new_ columns on account
            from . import customattrs
            customattrs.widen(self.entities, custom_attributes)
        self.real_attributes = real_attributes
        self.custom_attributes = custom_attributes
        self.by_name = {e.name: e for e in self.entities}
        mark_lookup_targets(self.entities)
        self.by_set = {e.set_name: e for e in self.entities}
        self.optionsets = OPTIONSETS
        # N:N relationship. Source: spec section 11 (ManyToManyRelationships).
        self.many_to_many = [{
            "SchemaName": "systemuserroles_association",
            "IntersectEntityName": "systemuserroles",
            "Entity1LogicalName": "systemuser", "Entity1IntersectAttribute": "systemuserid",
            "Entity1NavigationPropertyName": "systemuserroles_association",
            "Entity2LogicalName": "role", "Entity2IntersectAttribute": "roleid",
            "Entity2NavigationPropertyName": "systemuserroles_association",
        }]
        # one-to-many relationships derived from lookups
        self.one_to_many = []
        for e in self.entities:
            self.one_to_many += lookup_relationships(e, self.by_name)

    def entity_by_set(self, set_name):
        return self.by_set.get(set_name)
