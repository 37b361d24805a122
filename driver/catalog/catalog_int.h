/* catalog_int.h - private: the catalog's pure parts, reachable from unit tests.
 *
 * Owns: struct attr_meta (one attribute as the metadata requests describe
 * it, facets merged in), the parsers from metadata JSON bodies
 * (catalog_meta.c) and the mapping of attributes to SQL columns
 * (catalog_map.c).  Nothing here does I/O. */
#ifndef DV_CATALOG_CATALOG_INT_H
#define DV_CATALOG_CATALOG_INT_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "util/buf.h"

enum attr_required { REQ_NONE, REQ_SYSTEM, REQ_APPLICATION, REQ_RECOMMENDED };

struct attr_meta {
	char *logical_name;
	char *schema_name;
	char *attribute_type;    /* AttributeType: "String", "Lookup", "Virtual", ... */
	char *type_name;         /* AttributeTypeName.Value: "MultiSelectPicklistType", ... */
	char *attribute_of;      /* set on companions the service lists itself */
	char *display_name;
	int is_primary_id, is_primary_name;
	int valid_read, valid_create, valid_update;
	int is_logical;
	enum attr_required required;
	long column_number;
	/* facets from the typed casts (-1 / NULL when not given) */
	long max_length;
	long max_size_kb;        /* Image MaxSizeInKB */
	int precision;
	char *format;            /* DateTime Format: "DateOnly", "DateAndTime" */
	char *behavior;          /* DateTimeBehavior.Value: "UserLocal", "DateOnly", ... */
	char **targets;          /* Lookup Targets */
	size_t ntargets;
};

struct attr_list {
	struct attr_meta *items;
	size_t n;
};

/* The typed casts the catalog may request, in request order. */
enum facet_cast {
	FACET_STRING, FACET_MEMO, FACET_DECIMAL, FACET_MONEY, FACET_DOUBLE,
	FACET_DATETIME, FACET_LOOKUP, FACET_IMAGE, FACET_COUNT
};
/* "StringAttributeMetadata" ... and the $select of each cast. */
const char *catalog_facet_class(enum facet_cast f);
const char *catalog_facet_select(enum facet_cast f);
/* True when some attribute in list needs cast f (so it is worth a request). */
int catalog_facet_needed(const struct attr_list *list, enum facet_cast f);

/* ---- catalog_meta.c: JSON bodies -> structs ---- */
/* EntityDefinitions list body -> entities (caller frees with catalog_entity_free). */
int catalog_parse_entities(const char *json, size_t len, struct dv_entity ***out, size_t *n,
			   struct dv_error *err);
int catalog_parse_attributes(const char *json, size_t len, struct attr_list *out,
			     struct dv_error *err);
/* Merges the facets of one cast's body into list (by LogicalName). */
int catalog_parse_facets(const char *json, size_t len, enum facet_cast f,
			 struct attr_list *list, struct dv_error *err);
int catalog_parse_relationships(const char *json, size_t len, struct dv_entity *e,
				struct dv_error *err);
/* One entity of an EntityDefinitions body with $expand=Attributes (no
 * $select inside: each item carries its derived type's facets) and
 * ManyToOneRelationships: the attributes with the facets the typed casts
 * would give, and the relationships in rels->many_to_one. */
struct expanded_entity {
	char *logical_name;
	struct attr_list attrs;
	struct dv_entity *rels;      /* only many_to_one / nmany_to_one are set */
};
/* The body of EntityDefinitions(LogicalName='x')?...&$expand=... (one object)
 * or EntityDefinitions?$filter=...&$expand=... (a "value" array) -> out
 * (objects without the two expansions are left out). */
int catalog_parse_expanded(const char *json, size_t len, struct expanded_entity **out,
			   size_t *n, struct dv_error *err);
void catalog_expanded_free_one(struct expanded_entity *x);
/* The same body with only what catalog_parse_expanded reads (each attribute's
 * properties of attr_from_json and the facets, one display label), for the
 * cache file: a tenth of the size, parsed to the same entities.  -1 when the
 * body is not JSON or out of memory. */
int catalog_prune_expanded(const char *json, size_t len, struct dv_buf *out);
void catalog_expanded_free(struct expanded_entity *list, size_t n);
/* Keys body -> e->alt_keys (active keys only). */
int catalog_parse_keys(const char *json, size_t len, struct dv_entity *e, struct dv_error *err);
void catalog_attr_list_free(struct attr_list *list);

/* ---- catalog_map.c: attributes -> SQL columns ---- */
struct map_options {
	int use_display_names;
	int include_formatted_values;
};
/* Fills e->columns / e->ncolumns from the attributes (see docs/type-mapping.md). */
int catalog_map_columns(struct dv_entity *e, const struct attr_list *attrs,
			const struct map_options *opt, struct dv_error *err);
void catalog_columns_free(struct dv_column *cols, size_t n);
void catalog_entity_free(struct dv_entity *e);

#endif
