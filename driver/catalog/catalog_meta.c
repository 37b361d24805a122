/* catalog_meta.c - metadata JSON bodies to catalog structs (see catalog_int.h).
 *
 * Bodies are small (metadata, not rows), so they are parsed whole with
 * yajl_tree.  Every body is {"@odata.context":..,"value":[{..},..]}; Labels
 * are {"LocalizedLabels":[{"Label":..}],"UserLocalizedLabel":{"Label":..}};
 * enum-like complex values are {"Value":"..."}.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api */
#include "catalog/catalog_int.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "util/buf.h"
#include "util/strutil.h"

static yajl_val get(yajl_val obj, const char *key)
{
	const char *path[2] = {key, NULL};
	return obj ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

static const char *get_str(yajl_val obj, const char *key)
{
	yajl_val v = get(obj, key);
	return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static char *dup_str(yajl_val obj, const char *key)
{
	return dv_strdup(get_str(obj, key));
}

static int get_bool(yajl_val obj, const char *key, int dflt)
{
	yajl_val v = get(obj, key);
	if (YAJL_IS_TRUE(v))
		return 1;
	if (YAJL_IS_FALSE(v))
		return 0;
	/* some flags are BooleanManagedProperty: {"Value":true,...} */
	if (YAJL_IS_OBJECT(v))
		return get_bool(v, "Value", dflt);
	return dflt;
}

static long get_long(yajl_val obj, const char *key, long dflt)
{
	yajl_val v = get(obj, key);
	return YAJL_IS_INTEGER(v) ? (long)YAJL_GET_INTEGER(v) : dflt;
}

/* {"Value":"x"} -> "x" */
static const char *get_value_str(yajl_val obj, const char *key)
{
	yajl_val v = get(obj, key);
	return YAJL_IS_OBJECT(v) ? get_str(v, "Value") : NULL;
}

/* The user's label, else the first localized one, else NULL. */
static char *dup_label(yajl_val obj, const char *key)
{
	yajl_val lab = get(obj, key), locs;
	const char *s = get_str(get(lab, "UserLocalizedLabel"), "Label");
	if (s)
		return dv_strdup(s);
	locs = get(lab, "LocalizedLabels");
	if (YAJL_IS_ARRAY(locs) && YAJL_GET_ARRAY(locs)->len > 0)
		return dup_str(YAJL_GET_ARRAY(locs)->values[0], "Label");
	return NULL;
}

static int parse_body(const char *json, size_t len, yajl_val *root, yajl_val *items,
		      struct dv_error *err)
{
	char errbuf[256], *copy = dv_strndup(json, len);
	if (!copy)
		return dv_error_nomem(err);
	*root = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	free(copy);
	if (!*root)
		return dv_error_set(err, DV_S_HY000, 0, "unreadable metadata response: %s",
				    errbuf);
	*items = get(*root, "value");
	if (!YAJL_IS_ARRAY(*items)) {
		yajl_tree_free(*root);
		return dv_error_set(err, DV_S_HY000, 0,
				    "metadata response without a \"value\" array");
	}
	return 0;
}

static int entity_from_json(yajl_val o, struct dv_entity *e)
{
	memset(e, 0, sizeof(*e));
	e->logical_name = dup_str(o, "LogicalName");
	e->entity_set = dup_str(o, "EntitySetName");
	e->schema_name = dup_str(o, "SchemaName");
	e->primary_id = dup_str(o, "PrimaryIdAttribute");
	e->primary_name = dup_str(o, "PrimaryNameAttribute");
	e->display_name = dup_label(o, "DisplayName");
	e->description = dup_label(o, "Description");
	e->object_type_code = (int)get_long(o, "ObjectTypeCode", 0);
	e->is_intersect = get_bool(o, "IsIntersect", 0);
	e->is_activity = get_bool(o, "IsActivity", 0);
	e->is_custom = get_bool(o, "IsCustomEntity", 0);
	e->change_tracking = get_bool(o, "ChangeTrackingEnabled", 0);
	return e->logical_name ? 0 : -1;
}

int catalog_parse_entities(const char *json, size_t len, struct dv_entity ***out, size_t *n,
			   struct dv_error *err)
{
	yajl_val root, items;
	struct dv_entity **list;
	size_t i, total, count = 0;
	if (parse_body(json, len, &root, &items, err) != 0)
		return -1;
	total = YAJL_GET_ARRAY(items)->len;
	list = calloc(total + 1, sizeof(*list));
	if (!list) {
		yajl_tree_free(root);
		return dv_error_nomem(err);
	}
	for (i = 0; i < total; i++) {
		struct dv_entity *e = calloc(1, sizeof(*e));
		if (!e)
			break;
		/* entries without a logical name or entity set cannot be queried */
		if (entity_from_json(YAJL_GET_ARRAY(items)->values[i], e) != 0 || !e->entity_set) {
			catalog_entity_free(e);
			continue;
		}
		list[count++] = e;
	}
	yajl_tree_free(root);
	if (i < total) {
		while (count > 0)
			catalog_entity_free(list[--count]);
		free(list);
		return dv_error_nomem(err);
	}
	*out = list;
	*n = count;
	return 0;
}

static enum attr_required required_level(yajl_val o)
{
	const char *v = get_value_str(o, "RequiredLevel");
	if (!v)
		return REQ_NONE;
	if (strcmp(v, "SystemRequired") == 0)
		return REQ_SYSTEM;
	if (strcmp(v, "ApplicationRequired") == 0)
		return REQ_APPLICATION;
	if (strcmp(v, "Recommended") == 0)
		return REQ_RECOMMENDED;
	return REQ_NONE;
}

static void attr_from_json(yajl_val o, struct attr_meta *a)
{
	memset(a, 0, sizeof(*a));
	a->logical_name = dup_str(o, "LogicalName");
	a->schema_name = dup_str(o, "SchemaName");
	a->attribute_type = dup_str(o, "AttributeType");
	a->type_name = dv_strdup(get_value_str(o, "AttributeTypeName"));
	a->attribute_of = dup_str(o, "AttributeOf");
	a->display_name = dup_label(o, "DisplayName");
	a->is_primary_id = get_bool(o, "IsPrimaryId", 0);
	a->is_primary_name = get_bool(o, "IsPrimaryName", 0);
	a->valid_read = get_bool(o, "IsValidForRead", 1);
	a->valid_create = get_bool(o, "IsValidForCreate", 0);
	a->valid_update = get_bool(o, "IsValidForUpdate", 0);
	a->is_logical = get_bool(o, "IsLogical", 0);
	a->required = required_level(o);
	a->column_number = get_long(o, "ColumnNumber", 0);
	a->max_length = -1;
	a->max_size_kb = -1;
	a->precision = -1;
}

static void attr_free(struct attr_meta *a)
{
	size_t i;
	free(a->logical_name);
	free(a->schema_name);
	free(a->attribute_type);
	free(a->type_name);
	free(a->attribute_of);
	free(a->display_name);
	free(a->format);
	free(a->behavior);
	for (i = 0; i < a->ntargets; i++)
		free(a->targets[i]);
	free(a->targets);
}

void catalog_attr_list_free(struct attr_list *list)
{
	size_t i;
	for (i = 0; i < list->n; i++)
		attr_free(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

/* An array of AttributeMetadata objects -> out (-1: out of memory). */
static int attrs_from_array(yajl_val items, struct attr_list *out)
{
	size_t i, n = YAJL_GET_ARRAY(items)->len;
	out->items = calloc(n + 1, sizeof(*out->items));
	out->n = 0;
	if (!out->items)
		return -1;
	for (i = 0; i < n; i++) {
		attr_from_json(YAJL_GET_ARRAY(items)->values[i], &out->items[out->n]);
		if (!out->items[out->n].logical_name || !out->items[out->n].attribute_type) {
			attr_free(&out->items[out->n]);
			continue;
		}
		out->n++;
	}
	return 0;
}

int catalog_parse_attributes(const char *json, size_t len, struct attr_list *out,
			     struct dv_error *err)
{
	yajl_val root, items;
	int rc;
	out->items = NULL;
	out->n = 0;
	if (parse_body(json, len, &root, &items, err) != 0)
		return -1;
	rc = attrs_from_array(items, out);
	yajl_tree_free(root);
	return rc == 0 ? 0 : dv_error_nomem(err);
}

static struct attr_meta *find_attr(struct attr_list *list, const char *name)
{
	size_t i;
	for (i = 0; name && i < list->n; i++)
		if (strcmp(list->items[i].logical_name, name) == 0)
			return &list->items[i];
	return NULL;
}

static int set_targets(struct attr_meta *a, yajl_val arr)
{
	size_t i, n;
	if (!YAJL_IS_ARRAY(arr) || a->targets)
		return 0;
	n = YAJL_GET_ARRAY(arr)->len;
	a->targets = calloc(n + 1, sizeof(char *));
	if (!a->targets)
		return -1;
	for (i = 0; i < n; i++) {
		yajl_val t = YAJL_GET_ARRAY(arr)->values[i];
		if (!YAJL_IS_STRING(t))
			continue;
		a->targets[a->ntargets] = dv_strdup(YAJL_GET_STRING(t));
		if (!a->targets[a->ntargets])
			return -1;
		a->ntargets++;
	}
	return 0;
}

static int merge_facet(struct attr_meta *a, yajl_val o, enum facet_cast f)
{
	switch (f) {
	case FACET_STRING:
	case FACET_MEMO:
		a->max_length = get_long(o, "MaxLength", -1);
		return 0;
	case FACET_DECIMAL:
	case FACET_MONEY:
	case FACET_DOUBLE:
		a->precision = (int)get_long(o, "Precision", -1);
		return 0;
	case FACET_DATETIME:
		free(a->format);
		free(a->behavior);
		a->format = dup_str(o, "Format");
		a->behavior = dv_strdup(get_value_str(o, "DateTimeBehavior"));
		return 0;
	case FACET_LOOKUP:
		return set_targets(a, get(o, "Targets"));
	case FACET_IMAGE:
		a->max_size_kb = get_long(o, "MaxSizeInKB", -1);
		return 0;
	default:
		return 0;
	}
}

int catalog_parse_facets(const char *json, size_t len, enum facet_cast f,
			 struct attr_list *list, struct dv_error *err)
{
	yajl_val root, items;
	size_t i;
	int rc = 0;
	if (parse_body(json, len, &root, &items, err) != 0)
		return -1;
	for (i = 0; i < YAJL_GET_ARRAY(items)->len && rc == 0; i++) {
		yajl_val o = YAJL_GET_ARRAY(items)->values[i];
		struct attr_meta *a = find_attr(list, get_str(o, "LogicalName"));
		if (a)
			rc = merge_facet(a, o, f);
	}
	yajl_tree_free(root);
	return rc == 0 ? 0 : dv_error_nomem(err);
}

static void relationship_free(struct dv_relationship *r)
{
	free(r->schema_name);
	free(r->referencing_attribute);
	free(r->referenced_entity);
	free(r->referenced_attribute);
	free(r->navigation_property);
	free(r->collection_property);
}

/* An array of OneToManyRelationshipMetadata objects -> e->many_to_one (-1: out of memory). */
static int rels_from_array(yajl_val items, struct dv_entity *e)
{
	size_t i, n = YAJL_GET_ARRAY(items)->len;
	e->many_to_one = calloc(n + 1, sizeof(*e->many_to_one));
	if (!e->many_to_one)
		return -1;
	for (i = 0; i < n; i++) {
		yajl_val o = YAJL_GET_ARRAY(items)->values[i];
		struct dv_relationship *r = &e->many_to_one[e->nmany_to_one];
		r->schema_name = dup_str(o, "SchemaName");
		r->referencing_attribute = dup_str(o, "ReferencingAttribute");
		r->referenced_entity = dup_str(o, "ReferencedEntity");
		r->referenced_attribute = dup_str(o, "ReferencedAttribute");
		r->navigation_property = dup_str(o, "ReferencingEntityNavigationPropertyName");
		r->collection_property = dup_str(o, "ReferencedEntityNavigationPropertyName");
		if (!r->referencing_attribute || !r->referenced_entity) {
			relationship_free(r);
			memset(r, 0, sizeof(*r));
			continue;
		}
		e->nmany_to_one++;
	}
	return 0;
}

int catalog_parse_relationships(const char *json, size_t len, struct dv_entity *e,
				struct dv_error *err)
{
	yajl_val root, items;
	int rc;
	if (parse_body(json, len, &root, &items, err) != 0)
		return -1;
	rc = rels_from_array(items, e);
	yajl_tree_free(root);
	return rc == 0 ? 0 : dv_error_nomem(err);
}

/* Merges the facets of the derived types, as the typed casts would: facet f
 * only when catalog_facet_needed (the cast would have been sent), for every
 * item whose "@odata.type" is that cast's class. */
static int merge_expanded_facets(yajl_val items, struct attr_list *attrs)
{
	static const char prefix[] = "#Microsoft.Dynamics.CRM.";
	size_t i;
	int f;
	for (f = 0; f < FACET_COUNT; f++) {
		if (!catalog_facet_needed(attrs, (enum facet_cast)f))
			continue;
		for (i = 0; i < YAJL_GET_ARRAY(items)->len; i++) {
			yajl_val o = YAJL_GET_ARRAY(items)->values[i];
			const char *t = get_str(o, "@odata.type");
			struct attr_meta *a;
			if (!t || strncmp(t, prefix, sizeof(prefix) - 1) != 0 ||
			    strcmp(t + sizeof(prefix) - 1, catalog_facet_class((enum facet_cast)f)) != 0)
				continue;
			a = find_attr(attrs, get_str(o, "LogicalName"));
			if (a && merge_facet(a, o, (enum facet_cast)f) != 0)
				return -1;
		}
	}
	return 0;
}

/* One entity object with its expanded Attributes and ManyToOneRelationships. */
static int expanded_from_json(yajl_val o, struct expanded_entity *x)
{
	yajl_val attrs = get(o, "Attributes"), rels = get(o, "ManyToOneRelationships");
	memset(x, 0, sizeof(*x));
	x->logical_name = dup_str(o, "LogicalName");
	if (!x->logical_name || !YAJL_IS_ARRAY(attrs) || !YAJL_IS_ARRAY(rels))
		return 1;
	x->rels = calloc(1, sizeof(*x->rels));
	if (!x->rels || attrs_from_array(attrs, &x->attrs) != 0 ||
	    merge_expanded_facets(attrs, &x->attrs) != 0 || rels_from_array(rels, x->rels) != 0)
		return -1;
	return 0;
}

int catalog_parse_expanded(const char *json, size_t len, struct expanded_entity **out,
			   size_t *n, struct dv_error *err)
{
	char errbuf[256], *copy = dv_strndup(json, len);
	yajl_val root, items;
	size_t i, total;
	int rc = 0;
	*out = NULL;
	*n = 0;
	if (!copy)
		return dv_error_nomem(err);
	root = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	free(copy);
	if (!root)
		return dv_error_set(err, DV_S_HY000, 0, "unreadable metadata response: %s",
				    errbuf);
	items = get(root, "value");
	total = YAJL_IS_ARRAY(items) ? YAJL_GET_ARRAY(items)->len : 1;
	*out = calloc(total + 1, sizeof(**out));
	if (!*out) {
		yajl_tree_free(root);
		return dv_error_nomem(err);
	}
	for (i = 0; i < total && rc >= 0; i++) {
		yajl_val o = YAJL_IS_ARRAY(items) ? YAJL_GET_ARRAY(items)->values[i] : root;
		rc = expanded_from_json(o, &(*out)[*n]);
		if (rc == 0)
			(*n)++;
		else
			catalog_expanded_free_one(&(*out)[*n]);
	}
	yajl_tree_free(root);
	if (rc < 0) {
		catalog_expanded_free(*out, *n);
		*out = NULL;
		*n = 0;
		return dv_error_nomem(err);
	}
	return 0;
}

/* ---- the cache file's copy of an expanded body ---- */

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* Emits v as it is. */
static void gen_val(yajl_gen g, yajl_val v)
{
	size_t i;
	if (YAJL_IS_STRING(v)) {
		gen_str(g, v->u.string);
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (i = 0; i < v->u.object.len; i++) {
			gen_str(g, v->u.object.keys[i]);
			gen_val(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (i = 0; i < v->u.array.len; i++)
			gen_val(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else {
		yajl_gen_null(g);
	}
}

/* The properties attr_from_json and merge_facet read. */
static const char *const kept_attr_keys[] = {
	"@odata.type", "LogicalName", "SchemaName", "AttributeType", "AttributeTypeName",
	"AttributeOf", "IsPrimaryId", "IsPrimaryName", "IsValidForRead", "IsValidForCreate",
	"IsValidForUpdate", "IsValidODataAttribute", "RequiredLevel", "ColumnNumber",
	"IsLogical", "MaxLength", "Precision", "Format", "DateTimeBehavior", "Targets",
	"MaxSizeInKB", NULL,
};

static void gen_attr(yajl_gen g, yajl_val a)
{
	char *label = dup_label(a, "DisplayName");
	size_t k;
	yajl_gen_map_open(g);
	for (k = 0; kept_attr_keys[k]; k++) {
		yajl_val v = get(a, kept_attr_keys[k]), inner;
		if (!v || YAJL_IS_NULL(v))
			continue;      /* absent reads as null */
		gen_str(g, kept_attr_keys[k]);
		inner = YAJL_IS_OBJECT(v) ? get(v, "Value") : NULL;
		if (inner) {           /* {"Value":..,"CanBeChanged":..}: only Value is read */
			yajl_gen_map_open(g);
			gen_str(g, "Value");
			gen_val(g, inner);
			yajl_gen_map_close(g);
		} else {
			gen_val(g, v);
		}
	}
	if (label) { /* the one label dup_label would pick */
		gen_str(g, "DisplayName");
		yajl_gen_map_open(g);
		gen_str(g, "UserLocalizedLabel");
		yajl_gen_map_open(g);
		gen_str(g, "Label");
		gen_str(g, label);
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
	}
	free(label);
	yajl_gen_map_close(g);
}

static void gen_entity(yajl_gen g, yajl_val o)
{
	yajl_val attrs = get(o, "Attributes"), rels = get(o, "ManyToOneRelationships");
	size_t i;
	yajl_gen_map_open(g);
	gen_str(g, "LogicalName");
	gen_val(g, get(o, "LogicalName"));
	if (YAJL_IS_ARRAY(attrs)) {
		gen_str(g, "Attributes");
		yajl_gen_array_open(g);
		for (i = 0; i < attrs->u.array.len; i++)
			gen_attr(g, attrs->u.array.values[i]);
		yajl_gen_array_close(g);
	}
	if (rels) {
		gen_str(g, "ManyToOneRelationships");
		gen_val(g, rels);
	}
	yajl_gen_map_close(g);
}

int catalog_prune_expanded(const char *json, size_t len, struct dv_buf *out)
{
	char *copy = dv_strndup(json, len);
	yajl_val root = copy ? yajl_tree_parse(copy, NULL, 0) : NULL, items;
	yajl_gen g = root ? yajl_gen_alloc(NULL) : NULL;
	const unsigned char *text;
	size_t i, n;
	int rc = -1;
	free(copy);
	if (!g)
		goto done;
	items = get(root, "value");
	if (YAJL_IS_ARRAY(items)) {
		yajl_gen_map_open(g);
		gen_str(g, "value");
		yajl_gen_array_open(g);
		for (i = 0; i < items->u.array.len; i++)
			gen_entity(g, items->u.array.values[i]);
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	} else {
		gen_entity(g, root);
	}
	dv_buf_init(out, 0);
	if (yajl_gen_get_buf(g, &text, &n) == yajl_gen_status_ok &&
	    dv_buf_append(out, (const char *)text, n) == 0)
		rc = 0;
	else
		dv_buf_free(out);
done:
	if (g)
		yajl_gen_free(g);
	if (root)
		yajl_tree_free(root);
	return rc;
}

void catalog_expanded_free_one(struct expanded_entity *x)
{
	size_t i;
	free(x->logical_name);
	catalog_attr_list_free(&x->attrs);
	if (x->rels) {
		for (i = 0; i < x->rels->nmany_to_one; i++)
			relationship_free(&x->rels->many_to_one[i]);
		free(x->rels->many_to_one);
		free(x->rels);
	}
	memset(x, 0, sizeof(*x));
}

void catalog_expanded_free(struct expanded_entity *list, size_t n)
{
	size_t i;
	for (i = 0; list && i < n; i++)
		catalog_expanded_free_one(&list[i]);
	free(list);
}

static void alt_key_free(struct dv_alt_key *k)
{
	size_t i;
	free(k->logical_name);
	for (i = 0; i < k->nattributes; i++)
		free(k->attributes[i]);
	free(k->attributes);
}

/* One key's KeyAttributes into k; -1 when out of memory or not a string list. */
static int alt_key_from_json(yajl_val o, struct dv_alt_key *k)
{
	yajl_val attrs = get(o, "KeyAttributes");
	size_t i, n;
	if (!YAJL_IS_ARRAY(attrs) || YAJL_GET_ARRAY(attrs)->len == 0)
		return -1;
	n = YAJL_GET_ARRAY(attrs)->len;
	k->logical_name = dup_str(o, "LogicalName");
	k->attributes = calloc(n, sizeof(*k->attributes));
	if (!k->attributes)
		return -1;
	for (i = 0; i < n; i++) {
		const char *a = YAJL_GET_STRING(YAJL_GET_ARRAY(attrs)->values[i]);
		k->attributes[i] = a ? dv_strdup(a) : NULL;
		if (!k->attributes[i])
			return -1;
		k->nattributes++;
	}
	return 0;
}

int catalog_parse_keys(const char *json, size_t len, struct dv_entity *e, struct dv_error *err)
{
	yajl_val root, items;
	size_t i, n;
	if (parse_body(json, len, &root, &items, err) != 0)
		return -1;
	n = YAJL_GET_ARRAY(items)->len;
	e->alt_keys = calloc(n + 1, sizeof(*e->alt_keys));
	if (!e->alt_keys) {
		yajl_tree_free(root);
		return dv_error_nomem(err);
	}
	for (i = 0; i < n; i++) {
		yajl_val o = YAJL_GET_ARRAY(items)->values[i];
		struct dv_alt_key *k = &e->alt_keys[e->nalt_keys];
		const char *status = get_str(o, "EntityKeyIndexStatus");
		if ((status && strcmp(status, "Active") != 0) || alt_key_from_json(o, k) != 0) {
			alt_key_free(k);
			memset(k, 0, sizeof(*k));
			continue;
		}
		e->nalt_keys++;
	}
	yajl_tree_free(root);
	return 0;
}

void catalog_entity_free(struct dv_entity *e)
{
	size_t i;
	if (!e)
		return;
	free(e->logical_name);
	free(e->entity_set);
	free(e->schema_name);
	free(e->display_name);
	free(e->description);
	free(e->primary_id);
	free(e->primary_name);
	catalog_columns_free(e->columns, e->ncolumns);
	for (i = 0; i < e->nmany_to_one; i++)
		relationship_free(&e->many_to_one[i]);
	free(e->many_to_one);
	for (i = 0; i < e->nalt_keys; i++)
		alt_key_free(&e->alt_keys[i]);
	free(e->alt_keys);
	free(e);
}
