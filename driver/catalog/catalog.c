/* catalog.c - the per-connection metadata cache and its requests (catalog.h).
 *
 * Requests, in order (each a plain GET, bodies parsed by catalog_meta.c):
 *  1. once:  EntityDefinitions?$select=LogicalName,EntitySetName,...  (no paging)
 *  2. one entity, on first use (a query, SQLColumns of one table):
 *     EntityDefinitions(LogicalName='x')?$select=LogicalName
 *       &$expand=Attributes,ManyToOneRelationships($select=...)
 *     Attributes are expanded without $select: each item then carries its
 *     derived type's properties (MaxLength, Precision, Format and
 *     DateTimeBehavior, Targets, MaxSizeInKB), which a $select inside the
 *     expand cannot name (the service refuses them there), so one request
 *     replaces the Attributes request, up to 8 typed casts and the
 *     relationships request of earlier versions.
 *  3. many entities (dv_catalog_load_columns: SQLColumns or SQLForeignKeys over
 *     a pattern or all tables): the same expansion for a batch of entities,
 *     EntityDefinitions?$select=LogicalName&$filter=LogicalName eq 'a' or
 *     LogicalName eq 'b' ...&$expand=..., BATCH_ENTITIES entities per request
 *     (and at most BATCH_URL bytes of URL, well under the 32 KB GET limit).
 *     Batches are fixed slices of the whole sorted entity list, so the same
 *     sweep sends the same URLs (and a cache file answers them) whatever was
 *     loaded before; 3 entities or fewer are loaded one by one instead, unless
 *     the catalog functions of this connection already asked for more than
 *     BATCH_MIN tables: a client that walks the tables with one SQLColumns
 *     call each (as most tools do after SQLTables) then gets slices too.
 * With a cache file (MetadataCacheLocation, or the per-user default of
 * catalog_disk.c) each body is first looked up there; new bodies are added to
 * it and the file is written once per catalog call (entity list, one entity,
 * one sweep), atomically, never once per response.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api */
#include "catalog/catalog.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_counts.h"
#include "catalog/catalog_disk.h"
#include "catalog/catalog_int.h"
#include "catalog/catalog_procs.h"
#include "catalog/catalog_stamp.h"
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

#define ENTITY_EXPAND "$select=LogicalName&$expand=Attributes,ManyToOneRelationships($select=" \
	RELATIONSHIP_SELECT ")"
#define BATCH_ENTITIES 40
#define BATCH_URL 8000
#define BATCH_MIN 4 /* fewer entities than this: one request each */

struct dv_catalog {
	struct dv_http *http;
	char *api_base;
	struct map_options opt;
	struct dv_log *log;
	int loaded;
	struct dv_entity **entities;
	size_t nentities;
	struct disk_cache *disk;     /* NULL: no MetadataCacheLocation */
	size_t catalog_asked;        /* tables dv_catalog_load_columns was asked to load */
	int list_from_disk;          /* the entity list came from the cache file */
	int from_disk;               /* set by meta_get_as when it answered from the file */
	struct dv_procs *procs;      /* functions and actions, NULL until asked for */
	long ttl;                    /* MetadataCacheTTL of the store */
	struct count_memo *counts;   /* row counts for joins' plans (catalog_counts.c) */
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

int dv_catalog_set_shared_cache(struct dv_catalog *cat, const char *path, const char *identity,
				long ttl_seconds)
{
	disk_cache_release(cat->disk);
	cat->disk = NULL;
	cat->ttl = ttl_seconds;
	if (!path || !*path || ttl_seconds <= 0)
		return 0;
	cat->disk = disk_cache_acquire(path, cat->api_base, identity, ttl_seconds, time(NULL));
	return cat->disk ? 0 : -1;
}

int dv_catalog_set_disk_cache(struct dv_catalog *cat, const char *path, long ttl_seconds)
{
	return dv_catalog_set_shared_cache(cat, path, "", ttl_seconds);
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
	catalog_counts_free(cat->counts);
	cat->counts = NULL;
}

void dv_catalog_free(struct dv_catalog *cat)
{
	if (!cat)
		return;
	forget_entities(cat);
	catalog_procs_free(cat->procs);
	catalog_counts_free(cat->counts);
	disk_cache_release(cat->disk);
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

size_t dv_catalog_row_counts(struct dv_catalog *cat, const char *const *names, size_t n,
			     long long *counts)
{
	struct count_src src = {cat->http, cat->api_base, cat->log, cat->disk, cat->ttl};
	return catalog_counts_get(&cat->counts, &src, names, n, counts, time(NULL));
}

/* GETs base + path into body (a 2xx body; errors come back in err).  prune:
 * an expanded body, kept in the cache file without what the catalog does not
 * read (catalog_prune_expanded). */
static int meta_get_as(struct dv_catalog *cat, const char *path, int prune, struct dv_buf *body,
		       struct dv_error *err)
{
	struct dv_buf url;
	int rc;
	if (cat->disk && disk_cache_get(cat->disk, path, body) == 0) {
		cat->from_disk = 1;
		DV_LOG(cat->log, DV_LOG_DEBUG, cat, "catalog: %s from the cache file", path);
		return 0;
	}
	if (cat->disk) /* a stamp first, when the store wants one before it is refilled */
		catalog_stamp_take(cat->http, cat->api_base, cat->log, cat->disk);
	dv_buf_init(&url, 0);
	if (dv_buf_appendf(&url, "%s%s", cat->api_base, path) != 0) {
		dv_buf_free(&url);
		return dv_error_nomem(err);
	}
	rc = dv_http_get(cat->http, dv_buf_str(&url), body, err);
	if (rc == 0) {
		struct dv_buf small;
		if (cat->disk && body->data && prune &&
		    catalog_prune_expanded(body->data, body->len, &small) == 0) {
			disk_cache_put(cat->disk, path, small.data, small.len);
			dv_buf_free(&small);
		} else if (cat->disk && body->data) {
			disk_cache_put(cat->disk, path, body->data, body->len);
		}
	}
	dv_buf_free(&url);
	return rc;
}

static int meta_get(struct dv_catalog *cat, const char *path, struct dv_buf *body,
		    struct dv_error *err)
{
	return meta_get_as(cat, path, 0, body, err);
}

static int load_entities(struct dv_catalog *cat, struct dv_error *err)
{
	struct dv_buf body;
	int rc;
	if (cat->loaded)
		return 0;
	if (cat->disk) /* past its lifetime: one request says what changed */
		catalog_stamp_validate(cat->http, cat->api_base, cat->log, cat->disk);
	cat->from_disk = 0;
	if (meta_get(cat, "EntityDefinitions?$select=" ENTITY_SELECT, &body, err) != 0)
		return -1;
	cat->list_from_disk = cat->from_disk;
	rc = catalog_parse_entities(dv_buf_str(&body), body.len, &cat->entities,
				    &cat->nentities, err);
	dv_buf_free(&body);
	if (cat->disk)
		disk_cache_flush(cat->disk);
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

/* Applies one expanded entity to the catalog entity of that name (columns
 * mapped, relationships moved); entities already loaded are left as they are. */
static int apply_expanded(struct dv_catalog *cat, struct expanded_entity *x, struct dv_error *err)
{
	struct dv_entity *e = find_entity(cat, x->logical_name);
	if (!e || e->columns_loaded)
		return 0;
	if (catalog_map_columns(e, &x->attrs, &cat->opt, err) != 0)
		return -1;
	if (!e->many_to_one) {
		e->many_to_one = x->rels->many_to_one;
		e->nmany_to_one = x->rels->nmany_to_one;
		x->rels->many_to_one = NULL;
		x->rels->nmany_to_one = 0;
	}
	DV_LOG(cat->log, DV_LOG_DEBUG, cat, "catalog: %s has %zu columns", e->logical_name,
	       e->ncolumns);
	return 0;
}

/* GETs path and applies every entity of its body. */
static int load_expanded(struct dv_catalog *cat, const char *path, struct dv_error *err)
{
	struct expanded_entity *list;
	struct dv_buf body;
	size_t i, n;
	int rc = 0;
	if (meta_get_as(cat, path, 1, &body, err) != 0)
		return -1;
	if (catalog_parse_expanded(dv_buf_str(&body), body.len, &list, &n, err) != 0) {
		dv_buf_free(&body);
		return -1;
	}
	dv_buf_free(&body);
	for (i = 0; i < n && rc == 0; i++)
		rc = apply_expanded(cat, &list[i], err);
	catalog_expanded_free(list, n);
	return rc;
}

static int load_columns(struct dv_catalog *cat, struct dv_entity *e, struct dv_error *err)
{
	struct dv_buf path;
	int rc;
	dv_buf_init(&path, 0);
	rc = dv_buf_appends(&path, "EntityDefinitions(LogicalName='");
	/* logical names are [a-z0-9_]; encode anything else so the URL stays valid */
	if (rc == 0)
		rc = dv_url_encode(&path, e->logical_name, strlen(e->logical_name));
	if (rc == 0)
		rc = dv_buf_appends(&path, "')?" ENTITY_EXPAND);
	if (rc != 0) {
		dv_buf_free(&path);
		return dv_error_nomem(err);
	}
	rc = load_expanded(cat, dv_buf_str(&path), err);
	dv_buf_free(&path);
	if (cat->disk)
		disk_cache_flush(cat->disk);
	if (rc == 0 && !e->columns_loaded)
		return dv_error_set(err, DV_S_HY000, 0, "the service described no attributes "
				    "for table '%s'", e->logical_name);
	return rc;
}

struct slot {                /* an entity in the sweep order */
	struct dv_entity *e;
	int want;
};

/* One batch request: EntityDefinitions?$select=LogicalName&$filter=LogicalName
 * eq 'a' or ...&$expand=... for the entities of order[from..to). */
static int load_batch(struct dv_catalog *cat, const struct slot *order, size_t from, size_t to,
		      struct dv_error *err)
{
	struct dv_buf path, flt;
	size_t i;
	int rc = 0;
	dv_buf_init(&path, 0);
	dv_buf_init(&flt, 0);
	for (i = from; i < to && rc == 0; i++)
		rc = dv_buf_appendf(&flt, "%sLogicalName eq '%s'", i > from ? " or " : "",
				    order[i].e->logical_name);
	if (rc == 0)
		rc = dv_buf_appends(&path, "EntityDefinitions?$select=LogicalName&$filter=");
	if (rc == 0)
		rc = dv_url_encode(&path, dv_buf_str(&flt), flt.len);
	if (rc == 0)
		rc = dv_buf_appends(&path, "&$expand=Attributes,ManyToOneRelationships($select="
				    RELATIONSHIP_SELECT ")");
	dv_buf_free(&flt);
	if (rc != 0) {
		dv_buf_free(&path);
		return dv_error_nomem(err);
	}
	rc = load_expanded(cat, dv_buf_str(&path), err);
	dv_buf_free(&path);
	return rc;
}

/* The URL bytes one entity adds to a batch filter (encoded, at worst). */
static size_t term_bytes(const struct dv_entity *e)
{
	return strlen(e->logical_name) * 3 + 40;
}

static int cmp_slot(const void *a, const void *b)
{
	return strcmp(((const struct slot *)a)->e->logical_name,
		      ((const struct slot *)b)->e->logical_name);
}

/* Sends the batches (fixed slices of the sorted list) that hold a wanted entity. */
static int load_slices(struct dv_catalog *cat, struct slot *order, struct dv_error *err)
{
	size_t from, to;
	int rc = 0;
	qsort(order, cat->nentities, sizeof(*order), cmp_slot);
	for (from = 0; from < cat->nentities && rc == 0; from = to) {
		size_t bytes = 0;
		int needed = 0;
		for (to = from; to < cat->nentities && to - from < BATCH_ENTITIES &&
		     bytes + term_bytes(order[to].e) <= BATCH_URL; to++) {
			bytes += term_bytes(order[to].e);
			needed |= order[to].want && !order[to].e->columns_loaded;
		}
		if (to == from)
			to = from + 1; /* a name longer than a batch goes alone */
		if (needed)
			rc = load_batch(cat, order, from, to, err);
	}
	return rc;
}

int dv_catalog_load_columns(struct dv_catalog *cat, const char *const *names, size_t n,
			    struct dv_error *err)
{
	struct slot *order;
	size_t i, k, nwant = 0;
	int rc = 0;
	if (load_entities(cat, err) != 0)
		return -1;
	order = calloc(cat->nentities + 1, sizeof(*order));
	if (!order)
		return dv_error_nomem(err);
	for (k = 0; k < cat->nentities; k++)
		order[k].e = cat->entities[k];
	for (i = 0; i < n; i++)
		for (k = 0; k < cat->nentities; k++)
			if (!order[k].want && !order[k].e->columns_loaded &&
			    dv_strcasecmp(order[k].e->logical_name, names[i]) == 0) {
				order[k].want = 1;
				nwant++;
				break;
			}
	/* Many at once, or a client walking the tables one call each (SQLColumns
	 * per table after SQLTables): from the (BATCH_MIN+1)th table on, each
	 * miss loads its whole slice. */
	cat->catalog_asked += nwant;
	if (nwant >= BATCH_MIN || (nwant > 0 && cat->catalog_asked > BATCH_MIN)) {
		rc = load_slices(cat, order, err);
		if (cat->disk)
			disk_cache_flush(cat->disk);
	} else {
		for (k = 0; k < cat->nentities && rc == 0; k++)
			if (order[k].want)
				rc = load_columns(cat, order[k].e, err);
	}
	free(order);
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
		if (cat->disk)
			disk_cache_flush(cat->disk);
		if (rc != 0)
			return -1;
		me->keys_loaded = 1;
	}
	*keys = me->alt_keys;
	*n = me->nalt_keys;
	return 0;
}

/* A table the cache file's entity list lacks may be newer than the file:
 * the file is dropped (its other bodies may be as old) and the list read
 * from the service again; entities new in it are appended (those already
 * handed out stay where they are). */
static int refresh_list(struct dv_catalog *cat, struct dv_error *err)
{
	struct dv_entity **fresh, **grown;
	struct dv_buf body;
	size_t i, n, added = 0;
	int rc;
	DV_LOG(cat->log, DV_LOG_INFO, cat, "catalog: a table is not in the cached list: the "
	       "cache file is dropped and the list read again");
	cat->list_from_disk = 0;
	disk_cache_clear(cat->disk);
	if (meta_get(cat, "EntityDefinitions?$select=" ENTITY_SELECT, &body, err) != 0)
		return -1;
	rc = catalog_parse_entities(dv_buf_str(&body), body.len, &fresh, &n, err);
	dv_buf_free(&body);
	if (rc != 0)
		return -1;
	grown = realloc(cat->entities, (cat->nentities + n + 1) * sizeof(*grown));
	if (!grown) {
		for (i = 0; i < n; i++)
			catalog_entity_free(fresh[i]);
		free(fresh);
		return dv_error_nomem(err);
	}
	cat->entities = grown;
	for (i = 0; i < n; i++) {
		if (find_entity(cat, fresh[i]->logical_name)) {
			catalog_entity_free(fresh[i]);
			continue;
		}
		cat->entities[cat->nentities++] = fresh[i];
		added++;
	}
	free(fresh);
	disk_cache_flush(cat->disk);
	DV_LOG(cat->log, DV_LOG_DEBUG, cat, "catalog: %zu new entities", added);
	return 0;
}

int dv_catalog_entity(struct dv_catalog *cat, const char *name,
		      const struct dv_entity **out, struct dv_error *err)
{
	struct dv_entity *e;
	if (load_entities(cat, err) != 0)
		return -1;
	e = find_entity(cat, name);
	if (!e && cat->list_from_disk) {
		if (refresh_list(cat, err) != 0)
			return -1;
		e = find_entity(cat, name);
	}
	if (!e)
		return dv_error_set(err, DV_S_42S02, 0,
				    "Table '%s' does not exist in this Dataverse environment", name);
	if (!e->columns_loaded && load_columns(cat, e, err) != 0)
		return -1;
	*out = e;
	return 0;
}
