/* catalog.c - the per-connection metadata cache and its requests (catalog.h).
 *
 * Requests, in order (each a plain GET, bodies parsed by catalog_meta.c):
 *  1. once:  EntityDefinitions?$select=LogicalName,EntitySetName,...  (no paging)
 *  2. per entity, on first use:
 *     EntityDefinitions(LogicalName='x')/Attributes?$select=...
 *     then one typed cast per facet kind the entity actually has
 *     (.../Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata
 *      ?$select=LogicalName,MaxLength; then Memo, Decimal, Money, Double,
 *      DateTime, Lookup, Image), skipped when no
 *     attribute of that type exists,
 *     then EntityDefinitions(LogicalName='x')/ManyToOneRelationships?$select=...
 * With MetadataCacheLocation (dv_catalog_set_disk_cache) each of these
 * bodies is first looked up in the cache file (catalog_disk.c) and stored
 * there after a request, so a connection within MetadataCacheTTL of the
 * file's creation sends none of them.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api */
#include "catalog/catalog.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_disk.h"
#include "catalog/catalog_int.h"
#include "catalog/catalog_procs.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#define ENTITY_SELECT "LogicalName,EntitySetName,SchemaName,PrimaryIdAttribute," \
	"PrimaryNameAttribute,ObjectTypeCode,IsIntersect,IsActivity,IsCustomEntity," \
	"ChangeTrackingEnabled,DisplayName,Description"
#define ATTRIBUTE_SELECT "LogicalName,SchemaName,AttributeType,AttributeTypeName," \
	"AttributeOf,IsPrimaryId,IsPrimaryName,IsValidForRead,IsValidForCreate," \
	"IsValidForUpdate,IsValidODataAttribute,RequiredLevel,DisplayName,ColumnNumber,IsLogical"
#define RELATIONSHIP_SELECT "SchemaName,ReferencedEntity,ReferencedAttribute," \
	"ReferencingAttribute,ReferencingEntityNavigationPropertyName," \
	"ReferencedEntityNavigationPropertyName"

struct dv_catalog {
	struct dv_http *http;
	char *api_base;
	struct map_options opt;
	struct dv_log *log;
	int loaded;
	struct dv_entity **entities;
	size_t nentities;
	struct disk_cache *disk;     /* NULL: no MetadataCacheLocation */
	struct dv_procs *procs;      /* functions and actions, NULL until asked for */
};

struct dv_catalog *dv_catalog_new(struct dv_http *http, const char *api_base,
				  int use_display_names, int include_formatted_values,
				  struct dv_log *log)
{
	struct dv_catalog *cat = calloc(1, sizeof(*cat));
	if (!cat)
		return NULL;
	cat->http = http;
	cat->api_base = dv_strdup(api_base);
	cat->opt.use_display_names = use_display_names;
	cat->opt.include_formatted_values = include_formatted_values;
	cat->log = log;
	if (!cat->api_base) {
		free(cat);
		return NULL;
	}
	return cat;
}

int dv_catalog_set_disk_cache(struct dv_catalog *cat, const char *path, long ttl_seconds)
{
	disk_cache_free(cat->disk);
	cat->disk = NULL;
	if (!path || !*path || ttl_seconds <= 0)
		return 0;
	cat->disk = disk_cache_open(path, cat->api_base, ttl_seconds, time(NULL));
	return cat->disk ? 0 : -1;
}

static void forget_entities(struct dv_catalog *cat)
{
	size_t i;
	for (i = 0; i < cat->nentities; i++)
		catalog_entity_free(cat->entities[i]);
	free(cat->entities);
	cat->entities = NULL;
	cat->nentities = 0;
	cat->loaded = 0;
}

void dv_catalog_invalidate(struct dv_catalog *cat)
{
	if (cat->disk)
		disk_cache_clear(cat->disk);
	forget_entities(cat);
	catalog_procs_free(cat->procs);
	cat->procs = NULL;
}

void dv_catalog_free(struct dv_catalog *cat)
{
	if (!cat)
		return;
	forget_entities(cat);
	catalog_procs_free(cat->procs);
	disk_cache_free(cat->disk);
	free(cat->api_base);
	free(cat);
}

/* The CSDL's functions and actions (catalog_actions.c), read on first use. */
int dv_catalog_procs(struct dv_catalog *cat, const struct dv_procs **out, struct dv_error *err)
{
	if (!cat->procs &&
	    catalog_load_procs(cat->http, cat->api_base, cat->log, &cat->procs, err) != 0)
		return -1;
	*out = cat->procs;
	return 0;
}

/* GETs base + path into body (a 2xx body; errors come back in err). */
static int meta_get(struct dv_catalog *cat, const char *path, struct dv_buf *body,
		    struct dv_error *err)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_buf url;
	int rc;
	if (cat->disk && disk_cache_get(cat->disk, path, body) == 0) {
		DV_LOG(cat->log, DV_LOG_DEBUG, cat, "catalog: %s from the cache file", path);
		return 0;
	}
	dv_buf_init(&url, 0);
	if (dv_buf_appendf(&url, "%s%s", cat->api_base, path) != 0) {
		dv_buf_free(&url);
		return dv_error_nomem(err);
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = dv_buf_str(&url);
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	rc = dv_http_send(cat->http, &req, &resp, err);
	if (rc == 0) {
		*body = resp.body;
		dv_buf_init(&resp.body, 0);
		if (cat->disk && body->data)
			disk_cache_put(cat->disk, path, body->data, body->len);
	}
	dv_http_resp_free(&resp);
	dv_buf_free(&url);
	return rc;
}

static int load_entities(struct dv_catalog *cat, struct dv_error *err)
{
	struct dv_buf body;
	int rc;
	if (cat->loaded)
		return 0;
	if (meta_get(cat, "EntityDefinitions?$select=" ENTITY_SELECT, &body, err) != 0)
		return -1;
	rc = catalog_parse_entities(dv_buf_str(&body), body.len, &cat->entities,
				    &cat->nentities, err);
	dv_buf_free(&body);
	if (rc == 0)
		cat->loaded = 1;
	DV_LOG(cat->log, DV_LOG_DEBUG, cat, "catalog: %zu entities", cat->nentities);
	return rc;
}

int dv_catalog_entities(struct dv_catalog *cat, const struct dv_entity *const **list,
			size_t *n, struct dv_error *err)
{
	if (load_entities(cat, err) != 0)
		return -1;
	*list = (const struct dv_entity *const *)cat->entities;
	*n = cat->nentities;
	return 0;
}

static struct dv_entity *find_entity(struct dv_catalog *cat, const char *name)
{
	size_t i;
	for (i = 0; i < cat->nentities; i++)
		if (dv_strcasecmp(cat->entities[i]->logical_name, name) == 0)
			return cat->entities[i];
	return NULL;
}

/* GETs EntityDefinitions(LogicalName='x')/<tail> into body. */
static int entity_get(struct dv_catalog *cat, const struct dv_entity *e, const char *tail,
		      struct dv_buf *body, struct dv_error *err)
{
	struct dv_buf path;
	int rc;
	dv_buf_init(&path, 0);
	rc = dv_buf_appends(&path, "EntityDefinitions(LogicalName='");
	/* logical names are [a-z0-9_]; encode anything else so the URL stays valid */
	if (rc == 0)
		rc = dv_url_encode(&path, e->logical_name, strlen(e->logical_name));
	if (rc == 0)
		rc = dv_buf_appendf(&path, "')/%s", tail);
	if (rc != 0) {
		dv_buf_free(&path);
		return dv_error_nomem(err);
	}
	rc = meta_get(cat, dv_buf_str(&path), body, err);
	dv_buf_free(&path);
	return rc;
}

static int load_facets(struct dv_catalog *cat, const struct dv_entity *e,
		       struct attr_list *attrs, struct dv_error *err)
{
	int f;
	for (f = 0; f < FACET_COUNT; f++) {
		struct dv_buf tail, body;
		int rc;
		if (!catalog_facet_needed(attrs, (enum facet_cast)f))
			continue;
		dv_buf_init(&tail, 0);
		if (dv_buf_appendf(&tail, "Attributes/Microsoft.Dynamics.CRM.%s?$select=%s",
				   catalog_facet_class((enum facet_cast)f),
				   catalog_facet_select((enum facet_cast)f)) != 0) {
			dv_buf_free(&tail);
			return dv_error_nomem(err);
		}
		rc = entity_get(cat, e, dv_buf_str(&tail), &body, err);
		dv_buf_free(&tail);
		/* Servers before 9.1 have no ImageAttributeMetadata.MaxSizeInKB
		 * (0x80060888, no such property): images keep the default size. */
		if (rc != 0 && f == FACET_IMAGE && err && err->native == 0x80060888L) {
			DV_LOG(cat->log, DV_LOG_INFO, cat, "catalog: no image sizes: %s",
			       err->message);
			dv_error_clear(err);
			continue;
		}
		if (rc != 0)
			return -1;
		rc = catalog_parse_facets(dv_buf_str(&body), body.len, (enum facet_cast)f, attrs,
					  err);
		dv_buf_free(&body);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int load_columns(struct dv_catalog *cat, struct dv_entity *e, struct dv_error *err)
{
	struct attr_list attrs = {NULL, 0};
	struct dv_buf body;
	int rc;
	if (entity_get(cat, e, "Attributes?$select=" ATTRIBUTE_SELECT, &body, err) != 0)
		return -1;
	rc = catalog_parse_attributes(dv_buf_str(&body), body.len, &attrs, err);
	dv_buf_free(&body);
	if (rc == 0)
		rc = load_facets(cat, e, &attrs, err);
	if (rc == 0)
		rc = catalog_map_columns(e, &attrs, &cat->opt, err);
	catalog_attr_list_free(&attrs);
	if (rc != 0 || e->many_to_one)
		return rc;
	if (entity_get(cat, e, "ManyToOneRelationships?$select=" RELATIONSHIP_SELECT, &body,
		       err) != 0) {
		e->columns_loaded = 0;
		return -1;
	}
	rc = catalog_parse_relationships(dv_buf_str(&body), body.len, e, err);
	dv_buf_free(&body);
	if (rc != 0)
		e->columns_loaded = 0; /* try the whole entity again next time */
	DV_LOG(cat->log, DV_LOG_DEBUG, cat, "catalog: %s has %zu columns", e->logical_name,
	       e->ncolumns);
	return rc;
}

int dv_catalog_entity_keys(struct dv_catalog *cat, const struct dv_entity *e,
			   const struct dv_alt_key **keys, size_t *n, struct dv_error *err)
{
	struct dv_entity *me = find_entity(cat, e->logical_name);
	struct dv_buf body;
	int rc;
	if (!me)
		return dv_error_set(err, DV_S_42S02, 0, "Table '%s' does not exist in this "
				    "Dataverse environment", e->logical_name);
	if (!me->keys_loaded) {
		if (entity_get(cat, me, "Keys?$select=LogicalName,KeyAttributes,"
			       "EntityKeyIndexStatus", &body, err) != 0)
			return -1;
		rc = catalog_parse_keys(dv_buf_str(&body), body.len, me, err);
		dv_buf_free(&body);
		if (rc != 0)
			return -1;
		me->keys_loaded = 1;
	}
	*keys = me->alt_keys;
	*n = me->nalt_keys;
	return 0;
}

int dv_catalog_entity(struct dv_catalog *cat, const char *name,
		      const struct dv_entity **out, struct dv_error *err)
{
	struct dv_entity *e;
	if (load_entities(cat, err) != 0)
		return -1;
	e = find_entity(cat, name);
	if (!e)
		return dv_error_set(err, DV_S_42S02, 0,
				    "Table '%s' does not exist in this Dataverse environment", name);
	if (!e->columns_loaded && load_columns(cat, e, err) != 0)
		return -1;
	*out = e;
	return 0;
}
