/* catalog_map.c - Dataverse attributes to SQL columns (docs/type-mapping.md).
 *
 * HOW IT WORKS: attributes are taken in ColumnNumber order; each readable
 * data attribute becomes its value column, and (IncludeFormattedValues)
 * the companion columns Microsoft's SQL endpoint users know follow it:
 * <lookup>name and <choice>name read the FormattedValue annotation,
 * <lookup>type (polymorphic lookups) reads lookuplogicalname.  Attributes
 * the service itself marks as companions (AttributeOf set: owneridname,
 * owneridtype, createdbyyominame, ...) are never columns of their own, since
 * they are not OData properties (selecting them fails with 0x80060888).
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api#formatted-values
 *         https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-types-operations */
#include "catalog/catalog_int.h"

#include <sql.h>
#include <sqlext.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"

#define ANNOT_FORMATTED "OData.Community.Display.V1.FormattedValue"
#define ANNOT_LOOKUP_TYPE "Microsoft.Dynamics.CRM.lookuplogicalname"
#define LABEL_SIZE 4000
#define TYPE_SIZE 128
#define IMAGE_MAX_KB 30720L

static const char *const facet_classes[FACET_COUNT] = {
	"StringAttributeMetadata", "MemoAttributeMetadata", "DecimalAttributeMetadata",
	"MoneyAttributeMetadata", "DoubleAttributeMetadata", "DateTimeAttributeMetadata",
	"LookupAttributeMetadata", "ImageAttributeMetadata",
};
static const char *const facet_selects[FACET_COUNT] = {
	"LogicalName,MaxLength", "LogicalName,MaxLength", "LogicalName,Precision",
	"LogicalName,Precision", "LogicalName,Precision", "LogicalName,Format,DateTimeBehavior",
	"LogicalName,Targets", "LogicalName,MaxSizeInKB",
};
/* AttributeType values whose facets each cast carries. */
static const char *const facet_types[FACET_COUNT][4] = {
	{"String"}, {"Memo"}, {"Decimal"}, {"Money"}, {"Double"}, {"DateTime"},
	{"Lookup", "Customer", "Owner"}, {"Virtual"},
};

const char *catalog_facet_class(enum facet_cast f)
{
	return facet_classes[f];
}

const char *catalog_facet_select(enum facet_cast f)
{
	return facet_selects[f];
}

int catalog_facet_needed(const struct attr_list *list, enum facet_cast f)
{
	size_t i, k;
	for (i = 0; i < list->n; i++) {
		const struct attr_meta *a = &list->items[i];
		if (a->attribute_of || !a->valid_read)
			continue;
		if (f == FACET_IMAGE && (!a->type_name || strcmp(a->type_name, "ImageType") != 0))
			continue; /* of the Virtual attributes, only images have a size */
		for (k = 0; k < 4 && facet_types[f][k]; k++)
			if (strcmp(a->attribute_type, facet_types[f][k]) == 0)
				return 1;
	}
	return 0;
}

/* The attribute's kind, or -1 when it is not a column. */
static int attr_kind(const struct attr_meta *a)
{
	static const struct { const char *type; enum dv_attr_type kind; } kinds[] = {
		{"String", DV_ATTR_STRING}, {"Memo", DV_ATTR_MEMO}, {"Integer", DV_ATTR_INTEGER},
		{"BigInt", DV_ATTR_BIGINT}, {"Decimal", DV_ATTR_DECIMAL},
		{"Double", DV_ATTR_DOUBLE}, {"Money", DV_ATTR_MONEY},
		{"Boolean", DV_ATTR_BOOLEAN}, {"DateTime", DV_ATTR_DATETIME},
		{"Uniqueidentifier", DV_ATTR_GUID}, {"Lookup", DV_ATTR_LOOKUP},
		{"Customer", DV_ATTR_CUSTOMER}, {"Owner", DV_ATTR_OWNER},
		{"Picklist", DV_ATTR_PICKLIST}, {"State", DV_ATTR_STATE},
		{"Status", DV_ATTR_STATUS},
	};
	size_t i;
	if (a->attribute_of || !a->valid_read)
		return -1;
	if (strcmp(a->attribute_type, "Virtual") == 0) {
		if (a->type_name && strcmp(a->type_name, "MultiSelectPicklistType") == 0)
			return DV_ATTR_MULTISELECT;
		if (a->type_name && strcmp(a->type_name, "ImageType") == 0)
			return DV_ATTR_IMAGE;
		return -1; /* FileType (content only through /$value), VirtualType */
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(a->attribute_type, kinds[i].type) != 0)
			continue;
		if (kinds[i].kind == DV_ATTR_DATETIME && a->behavior &&
		    strcmp(a->behavior, "DateOnly") == 0)
			return DV_ATTR_DATEONLY;
		return kinds[i].kind;
	}
	return -1; /* EntityName, PartyList, CalendarRules, ManagedProperty, ... */
}

static int is_lookup(int kind)
{
	return kind == DV_ATTR_LOOKUP || kind == DV_ATTR_CUSTOMER || kind == DV_ATTR_OWNER;
}

static int has_label(int kind)
{
	return kind == DV_ATTR_PICKLIST || kind == DV_ATTR_STATE || kind == DV_ATTR_STATUS ||
	       kind == DV_ATTR_MULTISELECT || kind == DV_ATTR_BOOLEAN;
}

/* SQL type, type name, size, digits and the JSON reading of a value column. */
static void value_type(struct dv_column *c, const struct attr_meta *a)
{
	long size = a->max_length;
	switch (c->attr_type) {
	case DV_ATTR_STRING:
		c->sql_type = SQL_WVARCHAR, c->type_name = "nvarchar";
		c->column_size = size > 0 ? size : 4000;
		break;
	case DV_ATTR_MEMO:
		c->sql_type = SQL_WLONGVARCHAR, c->type_name = "ntext";
		c->column_size = size > 0 ? size : 1048576;
		break;
	case DV_ATTR_INTEGER: case DV_ATTR_PICKLIST: case DV_ATTR_STATE: case DV_ATTR_STATUS:
		c->sql_type = SQL_INTEGER, c->type_name = "int", c->column_size = 10;
		c->spec.kind = ODATA_INT;
		break;
	case DV_ATTR_BIGINT:
		c->sql_type = SQL_BIGINT, c->type_name = "bigint", c->column_size = 19;
		c->spec.kind = ODATA_INT;
		break;
	case DV_ATTR_DECIMAL:
		c->sql_type = SQL_DECIMAL, c->type_name = "decimal", c->column_size = 23;
		c->decimal_digits = (short)(a->precision >= 0 ? a->precision : 10);
		c->spec.kind = ODATA_DECIMAL;
		break;
	case DV_ATTR_MONEY:
		c->sql_type = SQL_DECIMAL, c->type_name = "money", c->column_size = 19;
		c->decimal_digits = (short)(a->precision >= 0 ? a->precision : 4);
		c->spec.kind = ODATA_DECIMAL;
		break;
	case DV_ATTR_DOUBLE:
		c->sql_type = SQL_DOUBLE, c->type_name = "float", c->column_size = 15;
		c->spec.kind = ODATA_DOUBLE;
		break;
	case DV_ATTR_BOOLEAN:
		c->sql_type = SQL_BIT, c->type_name = "bit", c->column_size = 1;
		c->spec.kind = ODATA_BOOL;
		break;
	case DV_ATTR_DATETIME:
		c->sql_type = SQL_TYPE_TIMESTAMP, c->type_name = "datetime", c->column_size = 19;
		break;
	case DV_ATTR_DATEONLY:
		c->sql_type = SQL_TYPE_DATE, c->type_name = "date", c->column_size = 10;
		break;
	case DV_ATTR_MULTISELECT:
		c->sql_type = SQL_WVARCHAR, c->type_name = "nvarchar", c->column_size = LABEL_SIZE;
		break;
	case DV_ATTR_IMAGE:
		/* The largest image the column takes, so that applications
		 * allocating rows x column size get a sane buffer (RODBC allocated
		 * 100 x 2 GB): ImageAttributeMetadata.MaxSizeInKB, default 10240,
		 * at most 30720 (the bound when the service does not say).
		 * https://learn.microsoft.com/dotnet/api/microsoft.xrm.sdk.metadata.imageattributemetadata.maxsizeinkb */
		c->sql_type = SQL_LONGVARBINARY, c->type_name = "image";
		c->column_size = (a->max_size_kb > 0 && a->max_size_kb <= 2097151
					  ? a->max_size_kb : IMAGE_MAX_KB) * 1024L;
		c->spec.kind = ODATA_BINARY;
		break;
	default: /* GUID and lookups */
		c->sql_type = SQL_GUID, c->type_name = "uniqueidentifier", c->column_size = 36;
		break;
	}
}

struct builder {
	struct dv_column *cols;
	size_t n, cap;
	const struct map_options *opt;
};

static struct dv_column *add_column(struct builder *b)
{
	struct dv_column *c;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct dv_column *p = realloc(b->cols, cap * sizeof(*p));
		if (!p)
			return NULL;
		b->cols = p;
		b->cap = cap;
	}
	c = &b->cols[b->n++];
	memset(c, 0, sizeof(*c));
	c->ordinal = (int)b->n;
	return c;
}

static int name_taken(const struct builder *b, const char *name)
{
	size_t i;
	for (i = 0; i < b->n; i++)
		if (b->cols[i].name && dv_strcasecmp(b->cols[i].name, name) == 0)
			return 1;
	return 0;
}

/* SQL name: logical name (+suffix), or with UseDisplayNames the label
 * (+ " Name"/" Type"), made unique by appending " (<logical name>)". */
static char *column_name(const struct builder *b, const struct attr_meta *a,
			 const char *suffix, const char *label_suffix)
{
	struct dv_buf n;
	dv_buf_init(&n, 0);
	if (b->opt->use_display_names && a->display_name && a->display_name[0]) {
		dv_buf_appendf(&n, "%s%s", a->display_name, label_suffix);
		if (name_taken(b, dv_buf_str(&n)))
			dv_buf_appendf(&n, " (%s%s)", a->logical_name, suffix);
	} else {
		dv_buf_appendf(&n, "%s%s", a->logical_name, suffix);
	}
	return dv_buf_steal(&n);
}

static int fill_common(struct dv_column *c, const struct attr_meta *a, int kind,
		       const char *select)
{
	c->logical_name = dv_strdup(a->logical_name);
	c->display_name = dv_strdup(a->display_name ? a->display_name : a->logical_name);
	c->select_name = dv_strdup(select);
	c->attr_type = (enum dv_attr_type)kind;
	c->readable = a->valid_read;
	c->spec.property = c->select_name;
	return c->logical_name && c->display_name && c->select_name ? 0 : -1;
}

static int copy_targets(struct dv_column *c, const struct attr_meta *a)
{
	size_t i;
	if (a->ntargets == 0)
		return 0;
	c->targets = calloc(a->ntargets, sizeof(char *));
	if (!c->targets)
		return -1;
	for (i = 0; i < a->ntargets; i++) {
		c->targets[i] = dv_strdup(a->targets[i]);
		if (!c->targets[i])
			return -1;
		c->ntargets++;
	}
	return 0;
}

static int add_value_column(struct builder *b, const struct attr_meta *a, int kind,
			    const char *select)
{
	struct dv_column *c;
	char *name = column_name(b, a, "", "");
	if (!name || !(c = add_column(b))) {
		free(name);
		return -1;
	}
	c->name = name;
	if (fill_common(c, a, kind, select) != 0 || copy_targets(c, a) != 0)
		return -1;
	c->role = DV_COL_VALUE;
	c->spec.kind = ODATA_STRING;
	value_type(c, a);
	c->is_primary_id = a->is_primary_id;
	c->is_primary_name = a->is_primary_name;
	c->creatable = a->valid_create;
	c->updatable = a->valid_update;
	c->nullable = (a->is_primary_id || a->required == REQ_SYSTEM) ? SQL_NO_NULLS
								    : SQL_NULLABLE;
	return 0;
}

/* A companion column reading an annotation of the value's property. */
static int add_companion(struct builder *b, const struct attr_meta *a, int kind,
			 const char *select, enum dv_col_role role)
{
	struct dv_column *c;
	const char *suffix = role == DV_COL_NAME ? "name" : "type";
	char *name = column_name(b, a, suffix, role == DV_COL_NAME ? " Name" : " Type");
	if (!name)
		return -1;
	if (name_taken(b, name)) { /* a real attribute already has this name */
		free(name);
		return 0;
	}
	if (!(c = add_column(b))) {
		free(name);
		return -1;
	}
	c->name = name;
	if (fill_common(c, a, kind, select) != 0)
		return -1;
	c->role = role;
	c->sql_type = SQL_WVARCHAR;
	c->type_name = "nvarchar";
	c->column_size = role == DV_COL_NAME ? LABEL_SIZE : TYPE_SIZE;
	c->nullable = SQL_NULLABLE;
	c->spec.kind = ODATA_STRING;
	c->spec.annotation = role == DV_COL_NAME ? ANNOT_FORMATTED : ANNOT_LOOKUP_TYPE;
	return 0;
}

static int map_attribute(struct builder *b, const struct attr_meta *a)
{
	int kind = attr_kind(a), rc;
	struct dv_buf sel;
	if (kind < 0)
		return 0;
	dv_buf_init(&sel, 0);
	/* lookups are read as _x_value (spec section 3) */
	if (is_lookup(kind))
		rc = dv_buf_appendf(&sel, "_%s_value", a->logical_name);
	else
		rc = dv_buf_appends(&sel, a->logical_name);
	if (rc == 0)
		rc = add_value_column(b, a, kind, dv_buf_str(&sel));
	if (rc == 0 && b->opt->include_formatted_values) {
		if (is_lookup(kind) || has_label(kind))
			rc = add_companion(b, a, kind, dv_buf_str(&sel), DV_COL_NAME);
		if (rc == 0 && is_lookup(kind) &&
		    (kind != DV_ATTR_LOOKUP || a->ntargets > 1))
			rc = add_companion(b, a, kind, dv_buf_str(&sel), DV_COL_TYPE);
	}
	dv_buf_free(&sel);
	return rc;
}

/* Indexes of attrs in ColumnNumber order (ties keep response order). */
static size_t *column_order(const struct attr_list *attrs)
{
	size_t i, j, *idx = malloc((attrs->n + 1) * sizeof(size_t));
	if (!idx)
		return NULL;
	for (i = 0; i < attrs->n; i++)
		idx[i] = i;
	/* insertion sort: no global state, lists are a few hundred long */
	for (i = 1; i < attrs->n; i++) {
		size_t v = idx[i];
		long cn = attrs->items[v].column_number;
		for (j = i; j > 0 && attrs->items[idx[j - 1]].column_number > cn; j--)
			idx[j] = idx[j - 1];
		idx[j] = v;
	}
	return idx;
}

int catalog_map_columns(struct dv_entity *e, const struct attr_list *attrs,
			const struct map_options *opt, struct dv_error *err)
{
	struct builder b = {NULL, 0, 0, opt};
	size_t i, *order = column_order(attrs);
	int rc = order ? 0 : -1;
	for (i = 0; rc == 0 && i < attrs->n; i++)
		rc = map_attribute(&b, &attrs->items[order[i]]);
	free(order);
	if (rc != 0) {
		catalog_columns_free(b.cols, b.n);
		return dv_error_nomem(err);
	}
	catalog_columns_free(e->columns, e->ncolumns);
	e->columns = b.cols;
	e->ncolumns = b.n;
	e->columns_loaded = 1;
	return 0;
}

void catalog_columns_free(struct dv_column *cols, size_t n)
{
	size_t i, k;
	for (i = 0; i < n; i++) {
		free(cols[i].name);
		free(cols[i].logical_name);
		free(cols[i].display_name);
		free(cols[i].select_name);
		for (k = 0; k < cols[i].ntargets; k++)
			free(cols[i].targets[k]);
		free(cols[i].targets);
	}
	free(cols);
}

const struct dv_column *dv_entity_column(const struct dv_entity *e, const char *name)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++)
		if (dv_strcasecmp(e->columns[i].name, name) == 0)
			return &e->columns[i];
	return NULL;
}
