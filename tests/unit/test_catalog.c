/* test_catalog.c - the catalog's pure parts on canned metadata JSON: entity
 * list parsing, attribute + facet parsing, the type mapping to SQL columns
 * (docs/type-mapping.md), companions, UseDisplayNames, relationships, the
 * $expand=Attributes,ManyToOneRelationships bodies of one entity or a batch,
 * the answers of RetrieveMetadataChanges (catalog_stamp.c). */
#include <sql.h>
#include <sqlext.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "catalog/catalog_stamp.h"
#include "tap.h"
#include "util/buf.h"

/* Canned bodies are written with ' for " to stay readable. */
static char *json(const char *s)
{
	char *out = strdup(s), *p;
	for (p = out; *p; p++)
		if (*p == '\'')
			*p = '"';
	return out;
}

#define LBL(x) "{'LocalizedLabels':[{'Label':'" x "','LanguageCode':1033}]," \
	"'UserLocalizedLabel':{'Label':'" x "','LanguageCode':1033}}"
/* extra comes first: yajl_tree_get returns the first of duplicate keys */
#define ATTR(name, type, tname, num, extra) "{'LogicalName':'" name "'" extra \
	",'SchemaName':'" name "','AttributeType':'" type "'," \
	"'AttributeTypeName':{'Value':'" tname "'}," \
	"'ColumnNumber':" #num ",'IsValidForRead':true,'IsValidForCreate':true," \
	"'IsValidForUpdate':false,'RequiredLevel':{'Value':'None'}}"

static const char *const entities_body =
	"{'@odata.context':'x','value':["
	"{'LogicalName':'account','EntitySetName':'accounts','SchemaName':'Account',"
	"'PrimaryIdAttribute':'accountid','PrimaryNameAttribute':'name','ObjectTypeCode':1,"
	"'IsIntersect':false,'IsActivity':false,'IsCustomEntity':false,"
	"'ChangeTrackingEnabled':true,'DisplayName':" LBL("Account") ","
	"'Description':{'LocalizedLabels':[],'UserLocalizedLabel':null},'MetadataId':'m1'},"
	"{'LogicalName':'new_thing','EntitySetName':'new_things','SchemaName':'new_Thing',"
	"'PrimaryIdAttribute':'new_thingid','PrimaryNameAttribute':'new_name',"
	"'ObjectTypeCode':10001,'IsIntersect':false,'IsActivity':true,'IsCustomEntity':true,"
	"'ChangeTrackingEnabled':false,'DisplayName':" LBL("Thing") ","
	"'Description':" LBL("A custom thing") "},"
	"{'LogicalName':'noset','EntitySetName':null}"
	"]}";

static const char *const attrs_body =
	"{'value':["
	ATTR("contactid", "Uniqueidentifier", "UniqueidentifierType", 1,
	     ",'IsPrimaryId':true,'DisplayName':" LBL("Contact"))
	"," ATTR("fullname", "String", "StringType", 3,
		 ",'IsPrimaryName':true,'DisplayName':" LBL("Full Name"))
	"," ATTR("description", "Memo", "MemoType", 2, ",'DisplayName':" LBL("Description"))
	"," ATTR("numberofchildren", "Integer", "IntegerType", 4, "")
	"," ATTR("versionnumber", "BigInt", "BigIntType", 5, "")
	"," ATTR("exchangerate", "Decimal", "DecimalType", 6, "")
	"," ATTR("annualincome", "Money", "MoneyType", 7, "")
	"," ATTR("latitude", "Double", "DoubleType", 8, "")
	"," ATTR("donotemail", "Boolean", "BooleanType", 9, "")
	"," ATTR("createdon", "DateTime", "DateTimeType", 10,
		 ",'DisplayName':" LBL("Created On"))
	"," ATTR("birthdate", "DateTime", "DateTimeType", 11, "")
	"," ATTR("parentcustomerid", "Customer", "CustomerType", 12,
		 ",'DisplayName':" LBL("Company Name"))
	"," ATTR("parentcustomeridname", "String", "StringType", 13,
		 ",'AttributeOf':'parentcustomerid'")
	"," ATTR("parentcustomeridtype", "EntityName", "EntityNameType", 14,
		 ",'AttributeOf':'parentcustomerid'")
	"," ATTR("createdby", "Lookup", "LookupType", 15, "")
	"," ATTR("createdbyyominame", "String", "StringType", 16, ",'AttributeOf':'createdby'")
	"," ATTR("gendercode", "Picklist", "PicklistType", 17, "")
	"," ATTR("statecode", "State", "StateType", 18,
		 ",'RequiredLevel':{'Value':'SystemRequired'},'DisplayName':" LBL("Status"))
	"," ATTR("statuscode", "Status", "StatusType", 19, ",'DisplayName':" LBL("Status"))
	"," ATTR("new_tags", "Virtual", "MultiSelectPicklistType", 20, "")
	"," ATTR("entityimage", "Virtual", "ImageType", 21, "")
	"," ATTR("entityimage_url", "String", "StringType", 22, ",'AttributeOf':'entityimage'")
	"," ATTR("new_doc", "Virtual", "FileType", 23, "")
	"," ATTR("secret", "String", "StringType", 24, ",'IsValidForRead':false")
	"," ATTR("ownerid", "Owner", "OwnerType", 25, "")
	"," ATTR("new_partners", "PartyList", "PartyListType", 26, "")
	"," ATTR("new_virtual", "Virtual", "VirtualType", 27, "")
	"," ATTR("new_region", "Lookup", "LookupType", 28, "")
	"]}";

static const char *const string_facets =
	"{'value':[{'LogicalName':'fullname','MaxLength':160},"
	"{'LogicalName':'parentcustomeridname','MaxLength':100}]}";
static const char *const memo_facets =
	"{'value':[{'LogicalName':'description','MaxLength':2000}]}";
static const char *const decimal_facets =
	"{'value':[{'LogicalName':'exchangerate','Precision':10}]}";
static const char *const money_facets =
	"{'value':[{'LogicalName':'annualincome','Precision':2}]}";
static const char *const datetime_facets =
	"{'value':[{'LogicalName':'createdon','Format':'DateAndTime',"
	"'DateTimeBehavior':{'Value':'UserLocal'}},"
	"{'LogicalName':'birthdate','Format':'DateOnly','DateTimeBehavior':{'Value':'DateOnly'}}]}";
static const char *const lookup_facets =
	"{'value':[{'LogicalName':'parentcustomerid','Targets':['account','contact']},"
	"{'LogicalName':'createdby','Targets':['systemuser']},"
	"{'LogicalName':'ownerid','Targets':['systemuser','team']},"
	"{'LogicalName':'new_region','Targets':['new_region','territory']}]}";

static const char *const image_facets =
	"{'value':[{'LogicalName':'entityimage','MaxSizeInKB':10240}]}";

static const char *const rel_body =
	"{'value':[{'SchemaName':'contact_customer_accounts','ReferencedEntity':'account',"
	"'ReferencedAttribute':'accountid','ReferencingAttribute':'parentcustomerid',"
	"'ReferencingEntityNavigationPropertyName':'parentcustomerid_account'},"
	"{'SchemaName':'broken'}]}";

static int parse(const char *body, int (*fn)(const char *, size_t, void *, struct dv_error *),
		 void *arg)
{
	struct dv_error err;
	char *j = json(body);
	int rc = fn(j, strlen(j), arg, &err);
	if (rc != 0)
		tap_diag("parse failed: %s", err.message);
	free(j);
	return rc;
}

static int facet_fn_f;
static int facets_cb(const char *j, size_t n, void *arg, struct dv_error *err)
{
	return catalog_parse_facets(j, n, (enum facet_cast)facet_fn_f, arg, err);
}

static int attrs_cb(const char *j, size_t n, void *arg, struct dv_error *err)
{
	return catalog_parse_attributes(j, n, arg, err);
}

static int rel_cb(const char *j, size_t n, void *arg, struct dv_error *err)
{
	return catalog_parse_relationships(j, n, arg, err);
}

static void load_attrs(struct attr_list *attrs)
{
	static const char *const bodies[FACET_COUNT] = {
		string_facets, memo_facets, decimal_facets, money_facets,
		"{'value':[]}", datetime_facets, lookup_facets, image_facets,
	};
	int f;
	ok(parse(attrs_body, attrs_cb, attrs) == 0, "attributes parse");
	for (f = 0; f < FACET_COUNT; f++) {
		facet_fn_f = f;
		ok(parse(bodies[f], facets_cb, attrs) == 0, "facet %s parses",
		   catalog_facet_class((enum facet_cast)f));
	}
}

static char *names(const struct dv_entity *e)
{
	struct dv_buf b;
	size_t i;
	dv_buf_init(&b, 0);
	for (i = 0; i < e->ncolumns; i++)
		dv_buf_appendf(&b, "%s%s", i ? "," : "", e->columns[i].name);
	return dv_buf_steal(&b);
}

static void test_entities(void)
{
	struct dv_entity **list = NULL;
	struct dv_error err;
	size_t n = 0, i;
	char *j = json(entities_body);
	is_int(catalog_parse_entities(j, strlen(j), &list, &n, &err), 0, "entity list parses");
	free(j);
	is_int(n, 2, "entity without an entity set is dropped");
	is_str(list[0]->logical_name, "account", "logical name");
	is_str(list[0]->entity_set, "accounts", "entity set");
	is_str(list[0]->primary_id, "accountid", "primary id");
	is_str(list[0]->primary_name, "name", "primary name");
	is_str(list[0]->display_name, "Account", "display name");
	ok(list[0]->description == NULL, "empty description label is NULL");
	is_int(list[0]->object_type_code, 1, "object type code");
	is_int(list[0]->change_tracking, 1, "change tracking");
	is_int(list[1]->is_custom, 1, "custom flag");
	is_int(list[1]->is_activity, 1, "activity flag");
	is_str(list[1]->description, "A custom thing", "description label");
	for (i = 0; i < n; i++)
		catalog_entity_free(list[i]);
	free(list);
	j = json("{'error':{'code':'0x1','message':'x'}}");
	is_int(catalog_parse_entities(j, strlen(j), &list, &n, &err), -1,
	       "a body without value fails");
	is_str(err.message, "metadata response without a \"value\" array", "its message");
	free(j);
}

static const struct dv_column *col(const struct dv_entity *e, const char *name)
{
	const struct dv_column *c = dv_entity_column(e, name);
	if (!c)
		tap_diag("no column %s", name);
	return c;
}

struct col_expect {
	const char *name;
	int sql_type;
	const char *type_name;
	long size;
	int digits;
	const char *property;
	const char *annotation;
	int kind;
	int role;
};

static const struct col_expect expect[] = {
	{"contactid", SQL_GUID, "uniqueidentifier", 36, 0, "contactid", NULL, ODATA_STRING, 0},
	{"description", SQL_WLONGVARCHAR, "ntext", 2000, 0, "description", NULL, ODATA_STRING, 0},
	{"fullname", SQL_WVARCHAR, "nvarchar", 160, 0, "fullname", NULL, ODATA_STRING, 0},
	{"numberofchildren", SQL_INTEGER, "int", 10, 0, "numberofchildren", NULL, ODATA_INT, 0},
	{"versionnumber", SQL_BIGINT, "bigint", 19, 0, "versionnumber", NULL, ODATA_INT, 0},
	{"exchangerate", SQL_DECIMAL, "decimal", 23, 10, "exchangerate", NULL, ODATA_DECIMAL, 0},
	{"annualincome", SQL_DECIMAL, "money", 19, 2, "annualincome", NULL, ODATA_DECIMAL, 0},
	{"latitude", SQL_DOUBLE, "float", 15, 0, "latitude", NULL, ODATA_DOUBLE, 0},
	{"donotemail", SQL_BIT, "bit", 1, 0, "donotemail", NULL, ODATA_BOOL, 0},
	{"donotemailname", SQL_WVARCHAR, "nvarchar", 4000, 0, "donotemail",
	 "OData.Community.Display.V1.FormattedValue", ODATA_STRING, DV_COL_NAME},
	{"createdon", SQL_TYPE_TIMESTAMP, "datetime", 19, 0, "createdon", NULL, ODATA_STRING, 0},
	{"birthdate", SQL_TYPE_DATE, "date", 10, 0, "birthdate", NULL, ODATA_STRING, 0},
	{"parentcustomerid", SQL_GUID, "uniqueidentifier", 36, 0, "_parentcustomerid_value",
	 NULL, ODATA_STRING, 0},
	{"parentcustomeridname", SQL_WVARCHAR, "nvarchar", 4000, 0, "_parentcustomerid_value",
	 "OData.Community.Display.V1.FormattedValue", ODATA_STRING, DV_COL_NAME},
	{"parentcustomeridtype", SQL_WVARCHAR, "nvarchar", 128, 0, "_parentcustomerid_value",
	 "Microsoft.Dynamics.CRM.lookuplogicalname", ODATA_STRING, DV_COL_TYPE},
	{"createdby", SQL_GUID, "uniqueidentifier", 36, 0, "_createdby_value", NULL,
	 ODATA_STRING, 0},
	{"createdbyname", SQL_WVARCHAR, "nvarchar", 4000, 0, "_createdby_value",
	 "OData.Community.Display.V1.FormattedValue", ODATA_STRING, DV_COL_NAME},
	{"gendercode", SQL_INTEGER, "int", 10, 0, "gendercode", NULL, ODATA_INT, 0},
	{"gendercodename", SQL_WVARCHAR, "nvarchar", 4000, 0, "gendercode",
	 "OData.Community.Display.V1.FormattedValue", ODATA_STRING, DV_COL_NAME},
	{"statecode", SQL_INTEGER, "int", 10, 0, "statecode", NULL, ODATA_INT, 0},
	{"statecodename", SQL_WVARCHAR, "nvarchar", 4000, 0, "statecode",
	 "OData.Community.Display.V1.FormattedValue", ODATA_STRING, DV_COL_NAME},
	{"statuscode", SQL_INTEGER, "int", 10, 0, "statuscode", NULL, ODATA_INT, 0},
	{"statuscodename", SQL_WVARCHAR, "nvarchar", 4000, 0, "statuscode",
	 "OData.Community.Display.V1.FormattedValue", ODATA_STRING, DV_COL_NAME},
	{"new_tags", SQL_WVARCHAR, "nvarchar", 4000, 0, "new_tags", NULL, ODATA_STRING, 0},
	{"new_tagsname", SQL_WVARCHAR, "nvarchar", 4000, 0, "new_tags",
	 "OData.Community.Display.V1.FormattedValue", ODATA_STRING, DV_COL_NAME},
	{"entityimage", SQL_LONGVARBINARY, "image", 10485760L, 0, "entityimage", NULL,
	 ODATA_BINARY, 0},
	{"ownerid", SQL_GUID, "uniqueidentifier", 36, 0, "_ownerid_value", NULL, ODATA_STRING, 0},
	{"owneridtype", SQL_WVARCHAR, "nvarchar", 128, 0, "_ownerid_value",
	 "Microsoft.Dynamics.CRM.lookuplogicalname", ODATA_STRING, DV_COL_TYPE},
	{"new_regiontype", SQL_WVARCHAR, "nvarchar", 128, 0, "_new_region_value",
	 "Microsoft.Dynamics.CRM.lookuplogicalname", ODATA_STRING, DV_COL_TYPE},
};

static void check_column(const struct dv_entity *e, const struct col_expect *x)
{
	const struct dv_column *c = col(e, x->name);
	if (!ok(c != NULL, "column %s exists", x->name))
		return;
	is_int(c->sql_type, x->sql_type, "%s sql type", x->name);
	is_str(c->type_name, x->type_name, "%s type name", x->name);
	is_int(c->column_size, x->size, "%s size", x->name);
	is_int(c->decimal_digits, x->digits, "%s digits", x->name);
	is_str(c->spec.property, x->property, "%s property", x->name);
	is_str(c->select_name, x->property, "%s select name", x->name);
	is_str(c->spec.annotation, x->annotation, "%s annotation", x->name);
	is_int(c->spec.kind, x->kind, "%s kind", x->name);
	is_int(c->role, x->role, "%s role", x->name);
}

static void test_mapping(void)
{
	struct attr_list attrs = {NULL, 0};
	struct dv_entity e;
	struct map_options opt = {0, 1};
	struct dv_error err;
	const struct dv_column *c;
	char *n;
	size_t i;
	memset(&e, 0, sizeof(e));
	load_attrs(&attrs);
	is_int(attrs.n, 28, "all attributes parsed");
	ok(catalog_facet_needed(&attrs, FACET_MONEY), "money facet needed");
	ok(catalog_facet_needed(&attrs, FACET_IMAGE), "image facet needed (entityimage)");
	is_str(catalog_facet_select(FACET_IMAGE), "LogicalName,MaxSizeInKB",
	       "image facet asks for MaxSizeInKB");
	is_int(catalog_map_columns(&e, &attrs, &opt, &err), 0, "mapping succeeds");
	n = names(&e);
	is_str(n, "contactid,description,fullname,numberofchildren,versionnumber,exchangerate,"
	       "annualincome,latitude,donotemail,donotemailname,createdon,birthdate,"
	       "parentcustomerid,parentcustomeridname,parentcustomeridtype,createdby,"
	       "createdbyname,gendercode,gendercodename,statecode,statecodename,statuscode,"
	       "statuscodename,new_tags,new_tagsname,entityimage,ownerid,owneridname,"
	       "owneridtype,new_region,new_regionname,new_regiontype",
	       "columns in ColumnNumber order with companions, skipped kinds absent");
	free(n);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		check_column(&e, &expect[i]);
	c = col(&e, "contactid");
	is_int(c->nullable, SQL_NO_NULLS, "primary key not nullable");
	is_int(c->is_primary_id, 1, "primary key flagged");
	is_int(col(&e, "fullname")->is_primary_name, 1, "primary name flagged");
	is_int(col(&e, "statecode")->nullable, SQL_NO_NULLS, "system required not nullable");
	is_int(col(&e, "fullname")->nullable, SQL_NULLABLE, "optional nullable");
	is_int(col(&e, "fullname")->ordinal, 3, "ordinal is 1-based position");
	c = col(&e, "parentcustomerid");
	is_int(c->ntargets, 2, "lookup targets copied");
	is_str(c->targets[1], "contact", "second target");
	is_int(c->attr_type, DV_ATTR_CUSTOMER, "customer attr type");
	is_int(col(&e, "birthdate")->attr_type, DV_ATTR_DATEONLY, "date only attr type");
	is_str(col(&e, "createdon")->display_name, "Created On", "display name kept");
	ok(dv_entity_column(&e, "CONTACTID") != NULL, "column lookup is case-insensitive");
	ok(dv_entity_column(&e, "secret") == NULL, "unreadable attribute skipped");
	ok(dv_entity_column(&e, "new_doc") == NULL, "file attribute skipped");
	ok(dv_entity_column(&e, "createdbytype") == NULL, "single-target lookup has no type");

	/* IncludeFormattedValues off: no companions */
	opt.include_formatted_values = 0;
	is_int(catalog_map_columns(&e, &attrs, &opt, &err), 0, "mapping without companions");
	n = names(&e);
	is_str(n, "contactid,description,fullname,numberofchildren,versionnumber,exchangerate,"
	       "annualincome,latitude,donotemail,createdon,birthdate,parentcustomerid,"
	       "createdby,gendercode,statecode,statuscode,new_tags,entityimage,ownerid,"
	       "new_region", "no companion columns");
	free(n);

	/* UseDisplayNames: labels, unique-ified, logical name when there is no label */
	opt.use_display_names = 1;
	opt.include_formatted_values = 1;
	is_int(catalog_map_columns(&e, &attrs, &opt, &err), 0, "mapping with display names");
	ok(dv_entity_column(&e, "Full Name") != NULL, "display name column");
	ok(dv_entity_column(&e, "Company Name Name") != NULL, "companion display name");
	ok(dv_entity_column(&e, "Status") != NULL, "first Status keeps the label");
	c = dv_entity_column(&e, "Status (statuscode)");
	ok(c != NULL, "second Status is made unique");
	if (c)
		is_str(c->logical_name, "statuscode", "unique-ified column keeps logical name");
	ok(dv_entity_column(&e, "numberofchildren") != NULL, "no label: logical name");
	catalog_columns_free(e.columns, e.ncolumns);
	catalog_attr_list_free(&attrs);
}

static void test_relationships(void)
{
	struct dv_entity *e = calloc(1, sizeof(*e));
	ok(parse(rel_body, rel_cb, e) == 0, "relationships parse");
	is_int(e->nmany_to_one, 1, "incomplete relationship dropped");
	is_str(e->many_to_one[0].referencing_attribute, "parentcustomerid", "referencing attr");
	is_str(e->many_to_one[0].referenced_entity, "account", "referenced entity");
	is_str(e->many_to_one[0].navigation_property, "parentcustomerid_account", "nav property");
	catalog_entity_free(e);
}

/* EntityDefinitions bodies with $expand=Attributes (no $select: derived types'
 * facets inline) and ManyToOneRelationships, one object or a "value" array. */
#define TYPED(cls, name, type, tname, extra) "{'@odata.type':'#Microsoft.Dynamics.CRM." cls \
	"AttributeMetadata','LogicalName':'" name "','AttributeType':'" type "'," \
	"'AttributeTypeName':{'Value':'" tname "'},'IsValidForRead':true" extra "}"
static const char *const expanded_one =
	"{'@odata.context':'x','LogicalName':'contact','MetadataId':'1','Attributes':["
	TYPED("String", "fullname", "String", "StringType", ",'MaxLength':160")
	"," TYPED("DateTime", "birthdate", "DateTime", "DateTimeType",
		  ",'Format':'DateOnly','DateTimeBehavior':{'Value':'DateOnly'}")
	"," TYPED("Lookup", "parentcustomerid", "Customer", "CustomerType",
		  ",'Targets':['account','contact']")
	"," TYPED("String", "parentcustomeridname", "String", "StringType",
		  ",'AttributeOf':'parentcustomerid','MaxLength':100")
	"," TYPED("Money", "creditlimit", "Money", "MoneyType", ",'Precision':2")
	"],'ManyToOneRelationships':[{'SchemaName':'contact_customer_accounts',"
	"'ReferencedEntity':'account','ReferencedAttribute':'accountid',"
	"'ReferencingAttribute':'parentcustomerid',"
	"'ReferencingEntityNavigationPropertyName':'parentcustomerid_account',"
	"'ReferencedEntityNavigationPropertyName':'contact_customer_accounts'}]}";
static const char *const expanded_many =
	"{'value':[{'LogicalName':'a1','Attributes':["
	TYPED("String", "x_name", "String", "StringType", ",'AttributeOf':'x','MaxLength':50")
	"," TYPED("Memo", "notes", "Memo", "MemoType", ",'MaxLength':4000")
	"],'ManyToOneRelationships':[]},"
	"{'LogicalName':'noexpand'},"
	"{'LogicalName':'a2','Attributes':[" TYPED("Decimal", "ratio", "Decimal", "DecimalType",
						   ",'Precision':4") "],"
	"'ManyToOneRelationships':[]}]}";

static struct attr_meta *attr_named(struct attr_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].logical_name, name) == 0)
			return &l->items[i];
	return NULL;
}

static void test_expanded(void)
{
	struct expanded_entity *x = NULL;
	struct dv_error err;
	struct attr_meta *a;
	size_t n = 0;
	char *j = json(expanded_one);
	is_int(catalog_parse_expanded(j, strlen(j), &x, &n, &err), 0, "one expanded entity parses");
	free(j);
	is_int((int)n, 1, "one entity");
	if (n == 1) {
		is_str(x[0].logical_name, "contact", "its logical name");
		is_int((int)x[0].attrs.n, 5, "its five attributes");
		a = attr_named(&x[0].attrs, "fullname");
		is_int(a ? (int)a->max_length : -2, 160, "MaxLength from the derived type");
		a = attr_named(&x[0].attrs, "parentcustomeridname");
		/* a String cast is sent (fullname needs it), so the companion gets it too */
		is_int(a ? (int)a->max_length : -2, 100, "companion MaxLength as the cast gives it");
		a = attr_named(&x[0].attrs, "birthdate");
		is_str(a ? a->behavior : NULL, "DateOnly", "DateTimeBehavior merged");
		is_str(a ? a->format : NULL, "DateOnly", "Format merged");
		a = attr_named(&x[0].attrs, "parentcustomerid");
		is_int(a ? (int)a->ntargets : -1, 2, "Targets merged");
		a = attr_named(&x[0].attrs, "creditlimit");
		is_int(a ? a->precision : -2, 2, "Precision merged");
		is_int((int)x[0].rels->nmany_to_one, 1, "one relationship");
		is_str(x[0].rels->many_to_one[0].navigation_property, "parentcustomerid_account",
		       "relationship's navigation property");
		is_str(x[0].rels->many_to_one[0].collection_property, "contact_customer_accounts",
		       "relationship's collection property");
	}
	catalog_expanded_free(x, n);

	/* the cache file's copy parses to the same attributes, smaller */
	struct dv_buf small;
	j = json(expanded_one);
	is_int(catalog_prune_expanded(j, strlen(j), &small), 0, "an expanded body prunes");
	ok(small.len < strlen(j), "pruned: %zu bytes of %zu", small.len, strlen(j));
	ok(small.data && !strstr(small.data, "@odata.context") && !strstr(small.data, "MetadataId"),
	   "what the catalog does not read is left out");
	free(j);
	is_int(catalog_parse_expanded(small.data, small.len, &x, &n, &err), 0,
	       "the pruned body parses");
	if (n == 1) {
		is_int((int)x[0].attrs.n, 5, "pruned: five attributes");
		a = attr_named(&x[0].attrs, "fullname");
		is_int(a ? (int)a->max_length : -2, 160, "pruned: MaxLength");
		a = attr_named(&x[0].attrs, "birthdate");
		is_str(a ? a->behavior : NULL, "DateOnly", "pruned: DateTimeBehavior");
		a = attr_named(&x[0].attrs, "parentcustomerid");
		is_int(a ? (int)a->ntargets : -1, 2, "pruned: Targets");
		ok(a && a->valid_read && a->attribute_type &&
		   strcmp(a->attribute_type, "Customer") == 0 && a->type_name &&
		   strcmp(a->type_name, "CustomerType") == 0, "pruned: type and flags");
		is_str(x[0].rels->many_to_one[0].collection_property, "contact_customer_accounts",
		       "pruned: relationships whole");
	} else {
		ok(0, "pruned: one entity");
	}
	catalog_expanded_free(x, n);
	dv_buf_free(&small);

	j = json(expanded_many);
	is_int(catalog_parse_expanded(j, strlen(j), &x, &n, &err), 0, "a batch body parses");
	free(j);
	is_int((int)n, 2, "two entities (the one without expansions left out)");
	if (n == 2) {
		is_str(x[0].logical_name, "a1", "first entity");
		a = attr_named(&x[0].attrs, "x_name");
		/* only a companion is a String: no String cast would be sent */
		is_int(a ? (int)a->max_length : -2, -1, "companion-only String: no MaxLength");
		a = attr_named(&x[0].attrs, "notes");
		is_int(a ? (int)a->max_length : -2, 4000, "Memo MaxLength");
		a = attr_named(&x[1].attrs, "ratio");
		is_int(a ? a->precision : -2, 4, "Decimal Precision");
	}
	catalog_expanded_free(x, n);

	is_int(catalog_parse_expanded("{\"value\":[", 11, &x, &n, &err), -1,
	       "a truncated body is an error");
	is_int(err.state, DV_S_HY000, "HY000");
	ok(strstr(err.message, "unreadable metadata response") != NULL, "message says so");
}

/* RetrieveMetadataChanges answers: the stamp, the changed tables and whether
 * each changed itself (HasChanged true or null) or only below (false). */
static void test_stamp_answers(void)
{
	struct disk_change c;
	char *body = json("{'@odata.context':'x','ServerVersionStamp':'1002!12/06/2026 21:00:00',"
			  "'DeletedMetadata':{'Count':0,'IsReadOnly':false,'Keys':[],'Values':[]},"
			  "'EntityMetadata':[{'LogicalName':'account','MetadataId':'m1',"
			  "'HasChanged':false,'Attributes':[{'LogicalName':'new_x','HasChanged':true}]},"
			  "{'LogicalName':'new_thing','HasChanged':true},"
			  "{'LogicalName':'lead','HasChanged':null}]}");
	ok(catalog_stamp_parse(body, strlen(body), &c) == 0, "a changes answer parses");
	is_str(c.stamp, "1002!12/06/2026 21:00:00", "its ServerVersionStamp");
	is_int(c.outcome, DISK_CHANGES, "no deletion: changes only");
	is_int((int)c.nchanged, 3, "three changed tables");
	ok(c.nchanged == 3 && strcmp(c.changed[0], "account") == 0 && c.own[0] == 0,
	   "account: a column changed, not the table");
	ok(c.nchanged == 3 && strcmp(c.changed[1], "new_thing") == 0 && c.own[1] == 1,
	   "new_thing changed itself");
	ok(c.nchanged == 3 && c.own[2] == 1, "HasChanged null counts as a change of the table");
	catalog_stamp_change_free(&c);
	free(body);

	body = json("{'ServerVersionStamp':'1003!x','DeletedMetadata':{'Count':1,"
		    "'Keys':['Attribute'],'Values':[['m9']]},'EntityMetadata':[]}");
	ok(catalog_stamp_parse(body, strlen(body), &c) == 0 && c.outcome == DISK_RELOAD &&
	   c.nchanged == 0, "something deleted: read everything again");
	catalog_stamp_change_free(&c);
	free(body);

	body = json("{'ServerVersionStamp':'1004!x','EntityMetadata':[]}");
	ok(catalog_stamp_parse(body, strlen(body), &c) == 0 && c.outcome == DISK_CHANGES &&
	   c.nchanged == 0, "nothing changed (no DeletedMetadata at all)");
	catalog_stamp_change_free(&c);
	free(body);

	body = json("{'EntityMetadata':[]}");
	ok(catalog_stamp_parse(body, strlen(body), &c) != 0 && c.stamp == NULL,
	   "no ServerVersionStamp: not an answer");
	free(body);
	ok(catalog_stamp_parse("{\"Server", 8, &c) != 0, "truncated JSON: not an answer");
}

int main(void)
{
	test_stamp_answers();
	test_entities();
	test_mapping();
	test_relationships();
	test_expanded();
	return tap_done();
}
