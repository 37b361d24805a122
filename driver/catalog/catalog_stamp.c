/* catalog_stamp.c - RetrieveMetadataChanges for the metadata store (catalog_stamp.h).
 *
 * The metadata cache file and the process's shared store (catalog_disk.c)
 * are trusted for MetadataCacheTTL seconds.  After that, instead of reading
 * everything again, one request asks the service what changed since the
 * ServerVersionStamp kept with the bodies:
 *   GET RetrieveMetadataChanges(Query=@q,ClientVersionStamp=@s,
 *       DeletedMetadataFilters=@d)?@q=<VALIDATE_QUERY>&@s='<stamp>'
 *       &@d=Microsoft.Dynamics.CRM.DeletedMetadataFilters'Default'
 * answered {"ServerVersionStamp":"..","DeletedMetadata":{"Count":n,..},
 * "EntityMetadata":[{"LogicalName":"account","HasChanged":false,
 * "Attributes":[..changed..]},..]}: every entity with a change to itself
 * (HasChanged true) or below it (false).  Nothing changed: the bodies are
 * kept and marked current; entities changed: the bodies that name them are
 * dropped (and the entity list when an entity's own properties changed or
 * it is new), to be read again when used; something deleted: everything is
 * read again; an expired stamp (ExpiredVersionStamp 0x80044352, after the
 * organization's ExpireSubscriptionsInDays, 90 by default, or a server-side
 * change) or any other failure: everything is read again, as without stamps.
 * The stamp comes from a cheap request (STAMP_QUERY matches no entity) sent
 * before the bodies are read whenever a cache file existed but could not be
 * used as it was; a file written from nothing first has no stamp, and its
 * first expiry reads everything again once, with a stamp.
 * Sources: https://learn.microsoft.com/power-apps/developer/data-platform/cache-schema-data
 * https://learn.microsoft.com/power-apps/developer/data-platform/query-schema-definitions
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievemetadatachanges */
#include "catalog/catalog_stamp.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#define EXPIRED_VERSION_STAMP ((long)(int)0x80044352u)

/* Every entity; the entity properties the catalog reads, its columns (all
 * their properties: a facet change counts), relationships and keys. */
#define VALIDATE_QUERY "{\"Properties\":{\"AllProperties\":false,\"PropertyNames\":[" \
	"\"LogicalName\",\"EntitySetName\",\"SchemaName\",\"PrimaryIdAttribute\"," \
	"\"PrimaryNameAttribute\",\"ObjectTypeCode\",\"IsIntersect\",\"IsActivity\"," \
	"\"IsCustomEntity\",\"ChangeTrackingEnabled\",\"DisplayName\",\"Description\"," \
	"\"Attributes\",\"ManyToOneRelationships\",\"Keys\"]}," \
	"\"AttributeQuery\":{\"Properties\":{\"AllProperties\":true}}," \
	"\"RelationshipQuery\":{\"Properties\":{\"AllProperties\":true}}," \
	"\"KeyQuery\":{\"Properties\":{\"AllProperties\":true}}}"
/* No entity: only the ServerVersionStamp. */
#define STAMP_QUERY "{\"Criteria\":{\"FilterOperator\":\"And\",\"Conditions\":[{" \
	"\"PropertyName\":\"LogicalName\",\"ConditionOperator\":\"Equals\",\"Value\":{" \
	"\"Type\":\"System.String\",\"Value\":\"dvodbc_no_table\"}}]}," \
	"\"Properties\":{\"AllProperties\":false,\"PropertyNames\":[\"LogicalName\"]}}"
#define DELETED_FILTER "Microsoft.Dynamics.CRM.DeletedMetadataFilters'Default'"

/* base + RetrieveMetadataChanges(...)?@q=query[&@s='stamp'&@d=...] into url. */
static int build_url(struct dv_buf *url, const char *api_base, const char *query,
		     const char *stamp)
{
	struct dv_buf lit;
	const char *p;
	int rc = dv_buf_appendf(url, "%sRetrieveMetadataChanges(Query=@q%s)?@q=", api_base,
				stamp ? ",ClientVersionStamp=@s,DeletedMetadataFilters=@d" : "");
	if (rc == 0)
		rc = dv_url_encode(url, query, strlen(query));
	if (rc != 0 || !stamp)
		return rc;
	dv_buf_init(&lit, 0);           /* the string literal: quotes, ' doubled */
	rc = dv_buf_appendc(&lit, '\'');
	for (p = stamp; rc == 0 && *p; p++)
		rc = *p == '\'' ? dv_buf_appends(&lit, "''") : dv_buf_appendc(&lit, *p);
	if (rc == 0)
		rc = dv_buf_appendc(&lit, '\'');
	if (rc == 0)
		rc = dv_buf_appends(url, "&@s=");
	if (rc == 0)
		rc = dv_url_encode(url, lit.data, lit.len);
	if (rc == 0)
		rc = dv_buf_appends(url, "&@d=");
	if (rc == 0)
		rc = dv_url_encode(url, DELETED_FILTER, strlen(DELETED_FILTER));
	dv_buf_free(&lit);
	return rc;
}

/* GETs the function into resp; 0 on a 2xx. */
static int send_get(struct dv_http *http, const char *url, struct dv_http_resp *resp,
		    struct dv_error *err)
{
	struct dv_http_req req;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.idempotent = 1;
	dv_http_resp_init(resp);
	return dv_http_send(http, &req, resp, err);
}

void catalog_stamp_change_free(struct disk_change *c)
{
	size_t i;
	free((char *)c->stamp);
	for (i = 0; i < c->nchanged; i++)
		free(c->changed[i]);
	free(c->changed);
	free(c->own);
	memset(c, 0, sizeof(*c));
}

int catalog_stamp_parse(const char *json, size_t len, struct disk_change *c)
{
	static const char *k_stamp[] = {"ServerVersionStamp", NULL};
	static const char *k_ents[] = {"EntityMetadata", NULL};
	static const char *k_count[] = {"DeletedMetadata", "Count", NULL};
	static const char *k_name[] = {"LogicalName", NULL}, *k_changed[] = {"HasChanged", NULL};
	char *copy = dv_strndup(json, len);
	yajl_val root = copy ? yajl_tree_parse(copy, NULL, 0) : NULL, v, ents;
	size_t i, n;
	int rc = -1;
	free(copy);
	memset(c, 0, sizeof(*c));
	if (!root)
		return -1;
	v = yajl_tree_get(root, k_stamp, yajl_t_string);
	ents = yajl_tree_get(root, k_ents, yajl_t_array);
	if (!v || !v->u.string || !*v->u.string || !ents)
		goto done;
	c->stamp = dv_strdup(v->u.string);
	n = ents->u.array.len;
	c->changed = calloc(n + 1, sizeof(*c->changed));
	c->own = calloc(n + 1, sizeof(*c->own));
	if (!c->stamp || !c->changed || !c->own)
		goto done;
	for (i = 0; i < n; i++) {
		yajl_val name = yajl_tree_get(ents->u.array.values[i], k_name, yajl_t_string);
		yajl_val own = yajl_tree_get(ents->u.array.values[i], k_changed, yajl_t_any);
		if (!name || !name->u.string)
			continue;
		if (!(c->changed[c->nchanged] = dv_strdup(name->u.string)))
			goto done;
		c->own[c->nchanged++] = !YAJL_IS_FALSE(own); /* null or true: itself changed */
	}
	v = yajl_tree_get(root, k_count, yajl_t_number);
	c->outcome = v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0 ? DISK_RELOAD : DISK_CHANGES;
	rc = 0;
done:
	yajl_tree_free(root);
	if (rc != 0)
		catalog_stamp_change_free(c);
	return rc;
}

void catalog_stamp_take(struct dv_http *http, const char *api_base, struct dv_log *log,
			struct disk_cache *dc)
{
	struct dv_http_resp resp;
	struct disk_change c;
	struct dv_error err;
	struct dv_buf url;
	if (!disk_cache_take_stamp_turn(dc))
		return;
	dv_buf_init(&url, 0);
	if (build_url(&url, api_base, STAMP_QUERY, NULL) != 0) {
		dv_buf_free(&url);
		return;
	}
	if (send_get(http, dv_buf_str(&url), &resp, &err) != 0) {
		DV_LOG(log, DV_LOG_INFO, dc, "catalog: no metadata version stamp (%s): the cache "
		       "file will be read again in full when it expires", err.message);
	} else if (catalog_stamp_parse(resp.body.data, resp.body.len, &c) != 0) {
		DV_LOG(log, DV_LOG_INFO, dc, "catalog: no metadata version stamp in the answer: "
		       "the cache file will be read again in full when it expires");
	} else {
		disk_cache_set_stamp(dc, c.stamp);
		DV_LOG(log, DV_LOG_DEBUG, dc, "catalog: metadata version stamp %s", c.stamp);
		catalog_stamp_change_free(&c);
	}
	dv_http_resp_free(&resp);
	dv_buf_free(&url);
}

void catalog_stamp_validate(struct dv_http *http, const char *api_base, struct dv_log *log,
			    struct disk_cache *dc)
{
	char *stamp = disk_cache_take_validation(dc, time(NULL));
	struct dv_http_resp resp;
	struct disk_change c;
	struct dv_error err;
	struct dv_buf url;
	size_t dropped = 0;
	if (!stamp)
		return;
	memset(&c, 0, sizeof(c));
	dv_buf_init(&url, 0);
	if (build_url(&url, api_base, VALIDATE_QUERY, stamp) != 0) {
		c.outcome = DISK_EXPIRED;
	} else if (send_get(http, dv_buf_str(&url), &resp, &err) == 0) {
		if (catalog_stamp_parse(resp.body.data, resp.body.len, &c) != 0)
			c.outcome = DISK_EXPIRED;
		dv_http_resp_free(&resp);
	} else {
		c.outcome = DISK_EXPIRED;
		DV_LOG(log, DV_LOG_INFO, dc, "catalog: %s: the metadata is read again",
		       err.native == EXPIRED_VERSION_STAMP ? "the metadata version stamp has expired"
							   : err.message);
		dv_http_resp_free(&resp);
	}
	disk_cache_validated(dc, &c, time(NULL), &dropped);
	DV_LOG(log, DV_LOG_DEBUG, dc, "catalog: metadata since %s: %zu table(s) changed, %zu "
	       "cached response(s) dropped", stamp, c.nchanged, dropped);
	catalog_stamp_change_free(&c);
	dv_buf_free(&url);
	free(stamp);
}
