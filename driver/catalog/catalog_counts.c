/* catalog_counts.c - the tables' row counts a join's plan starts from.
 *
 * Owns: the RetrieveTotalRecordCount request that gives the row counts of
 * several tables in one answer, and where the counts are kept.  The engine
 * asks for them when it plans a SELECT of two tables or more
 * (driver/engine/rowcount.c), so that SQLite reads the small side first;
 * a single-table statement never asks.
 *
 *   GET RetrieveTotalRecordCount(EntityNames=@p1)?@p1=["account","contact"]
 *   -> {"EntityRecordCountCollection":{"Count":2,"IsReadOnly":false,
 *       "Keys":["account","contact"],"Values":[60000,60000]}}
 *
 * The service answers from a snapshot up to 24 hours old, which is enough
 * for an estimate.  With a metadata store (catalog_disk.c: the cache file
 * and the process's shared copy) each count is an entry of its own,
 * "#rowcount/<table>" = "<count> <unix seconds read>", trusted for
 * MetadataCacheTTL seconds from its reading (not from the store's: a
 * metadata check that finds the schema unchanged says nothing about the
 * rows); the next connection of the process, or a later process, sends
 * nothing.  Without a store they are kept for the connection.  A failed
 * request (403 without the privilege, 404 on a version without the
 * function, 429 after the retries) fails nothing: the counts stay unknown,
 * the plan uses its default estimate, and the connection does not ask again.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievetotalrecordcount */
#include "catalog/catalog_counts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#define COUNT_KEY "#rowcount/"

struct count_memo {
	char **names;
	long long *counts;
	size_t n;
	int failed;          /* a count request failed: never asked again */
};

void catalog_counts_free(struct count_memo *memo)
{
	size_t i;
	if (!memo)
		return;
	for (i = 0; i < memo->n; i++)
		free(memo->names[i]);
	free(memo->names);
	free(memo->counts);
	free(memo);
}

static long long memo_find(const struct count_memo *memo, const char *name)
{
	size_t i;
	for (i = 0; i < memo->n; i++)
		if (strcmp(memo->names[i], name) == 0)
			return memo->counts[i];
	return -1;
}

static void memo_put(struct count_memo *memo, const char *name, long long count)
{
	char **nn;
	long long *nc;
	size_t i;
	for (i = 0; i < memo->n; i++)
		if (strcmp(memo->names[i], name) == 0) {
			memo->counts[i] = count;
			return;
		}
	nn = realloc(memo->names, (memo->n + 1) * sizeof(*nn));
	if (nn)
		memo->names = nn;
	nc = nn ? realloc(memo->counts, (memo->n + 1) * sizeof(*nc)) : NULL;
	if (!nc)
		return;
	memo->counts = nc;
	memo->names[memo->n] = dv_strdup(name);
	memo->counts[memo->n] = count;
	if (memo->names[memo->n])
		memo->n++;
}

/* The count the store holds for name, read less than ttl seconds ago, or -1. */
static long long store_find(const struct count_src *src, const char *name, time_t now)
{
	struct dv_buf key, body;
	long long count = -1, at = 0;
	dv_buf_init(&key, 0);
	if (dv_buf_appendf(&key, COUNT_KEY "%s", name) == 0 &&
	    disk_cache_get(src->disk, dv_buf_str(&key), &body) == 0) {
		if (sscanf(dv_buf_str(&body), "%lld %lld", &count, &at) != 2 || count < 0 ||
		    at > (long long)now || (long long)now - at >= src->ttl)
			count = -1;
		dv_buf_free(&body);
	}
	dv_buf_free(&key);
	return count;
}

static void store_put(const struct count_src *src, const char *name, long long count,
		      time_t now)
{
	char body[64];
	struct dv_buf key;
	dv_buf_init(&key, 0);
	snprintf(body, sizeof(body), "%lld %lld", count, (long long)now);
	if (dv_buf_appendf(&key, COUNT_KEY "%s", name) == 0)
		disk_cache_put(src->disk, dv_buf_str(&key), body, strlen(body));
	dv_buf_free(&key);
}

int catalog_counts_parse(const char *json, size_t len, const char *const *names, size_t n,
			 long long *out)
{
	static const char *k_keys[] = {"EntityRecordCountCollection", "Keys", NULL};
	static const char *k_vals[] = {"EntityRecordCountCollection", "Values", NULL};
	char *text = dv_strndup(json, len);
	yajl_val root = text ? yajl_tree_parse(text, NULL, 0) : NULL;
	yajl_val keys, vals;
	size_t i, k;
	int rc = -1;
	free(text);
	for (i = 0; i < n; i++)
		out[i] = -1;
	keys = root ? yajl_tree_get(root, k_keys, yajl_t_array) : NULL;
	vals = root ? yajl_tree_get(root, k_vals, yajl_t_array) : NULL;
	if (keys && vals && keys->u.array.len == vals->u.array.len) {
		rc = 0;
		for (k = 0; k < keys->u.array.len; k++) {
			yajl_val key = keys->u.array.values[k], v = vals->u.array.values[k];
			if (!YAJL_IS_STRING(key) || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
				continue;
			for (i = 0; i < n; i++)
				if (dv_strcasecmp(names[i], YAJL_GET_STRING(key)) == 0)
					out[i] = YAJL_GET_INTEGER(v);
		}
	}
	yajl_tree_free(root);
	return rc;
}

/* One request for the n names: 0 with out filled, or -1 (err set). */
static int ask(const struct count_src *src, const char *const *names, size_t n,
	       long long *out, struct dv_error *err)
{
	struct dv_buf list, url, body;
	size_t i;
	int rc = 0;
	dv_buf_init(&list, 0);
	dv_buf_init(&url, 0);
	dv_buf_appends(&list, "[");
	for (i = 0; i < n; i++)
		dv_buf_appendf(&list, "%s\"%s\"", i ? "," : "", names[i]);
	dv_buf_appends(&list, "]");
	if (dv_buf_appendf(&url, "%sRetrieveTotalRecordCount(EntityNames=@p1)?@p1=",
			   src->api_base) != 0 ||
	    dv_url_encode(&url, dv_buf_str(&list), list.len) != 0) {
		dv_buf_free(&list);
		dv_buf_free(&url);
		return dv_error_nomem(err);
	}
	rc = dv_http_get(src->http, dv_buf_str(&url), &body, err);
	if (rc == 0 && catalog_counts_parse(dv_buf_str(&body), body.len, names, n, out) != 0)
		rc = dv_error_set(err, DV_S_HY000, 0, "the answer of RetrieveTotalRecordCount "
				  "holds no EntityRecordCountCollection");
	dv_buf_free(&body);
	dv_buf_free(&list);
	dv_buf_free(&url);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t catalog_counts_get(struct count_memo **memo, const struct count_src *src,
			  const char *const *names, size_t n, long long *out, time_t now)
{
	const char **missing = calloc(n + 1, sizeof(*missing));
	long long *got = calloc(n + 1, sizeof(*got));
	size_t i, k, nmissing = 0, known = 0;
	struct dv_error err;
	if (!*memo)
		*memo = calloc(1, sizeof(**memo));
	for (i = 0; i < n; i++) {
		out[i] = src->disk ? store_find(src, names[i], now)
			 : *memo ? memo_find(*memo, names[i]) : -1;
		if (out[i] >= 0)
			known++;
		else if (missing)
			missing[nmissing++] = names[i];
	}
	if (nmissing == 0 || !missing || !got || !*memo || (*memo)->failed)
		goto done;
	qsort(missing, nmissing, sizeof(*missing), cmp_name);  /* the same URL for the same tables */
	dv_error_clear(&err);
	if (ask(src, missing, nmissing, got, &err) != 0) {
		(*memo)->failed = 1;
		DV_LOG(src->log, DV_LOG_DEBUG, NULL, "plan: no row counts (RetrieveTotalRecordCount "
		       "failed: [%s] %s): the plans use their default estimates",
		       dv_sqlstate_code(err.state), err.message);
		goto done;
	}
	for (k = 0; k < nmissing; k++) {
		if (got[k] < 0)
			continue;
		if (src->disk)
			store_put(src, missing[k], got[k], now);
		else
			memo_put(*memo, missing[k], got[k]);
		for (i = 0; i < n; i++)
			if (out[i] < 0 && strcmp(names[i], missing[k]) == 0) {
				out[i] = got[k];
				known++;
			}
	}
	if (src->disk)
		disk_cache_flush(src->disk);
done:
	free(missing);
	free(got);
	return known;
}
