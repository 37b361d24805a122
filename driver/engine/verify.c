/* verify.c - what a write whose answer was lost left behind.
 *
 * Owns: telling a lost answer from a refusal, and finding out, by reading
 * the records back, which operations of a write request the service
 * applied when its answer never came back whole.
 *
 * HOW IT WORKS: an answer is lost when the request may have reached the
 * service but no trustworthy reply came back: the connection failed after
 * the request went out (08S01), the request timed out (HYT00), a gateway
 * answered 502 or 504, or a 2xx reply could not be read (a cut or garbled
 * $batch body).  A 4xx, 429, 500 or 503 is the service's own refusal:
 * nothing was applied.  The answer of a re-sent copy is also suspect when
 * it is what an applied earlier copy would cause: a create or an
 * association refused as a duplicate (0x80040237), a delete or a
 * disassociation that finds nothing (404).
 * Every create carries its id (write.c), so each operation can be looked up:
 *   create, associate        present -> applied      absent -> not applied
 *   delete, disassociate     absent  -> applied      present -> not applied
 *   update, upsert           idempotent: "redo" (sending it again is harmless)
 *   a look-up that fails     unknown
 * Creates and deletes of one entity set are looked up 25 ids per request
 * (`<pk> eq a or <pk> eq b ...`); a pair by its own query.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "http/http.h"
#include "odata/odata.h"
#include "util/strutil.h"

#define CODE_DUPLICATE ((long)(int)0x80040237u)
#define IDS_PER_LOOKUP 25

int write_answer_lost(const struct dv_error *e, long status)
{
	if (status >= 200 && status < 300)
		return 1; /* the service answered 2xx but the reply was unreadable */
	if (status == 502 || status == 504)
		return 1;
	return status == 0 && (e->state == DV_S_08S01 || e->state == DV_S_HYT00);
}

int write_answer_of_earlier_copy(const struct write_op *op, const struct dv_error *e,
				 long status)
{
	switch (op->kind) {
	case WOP_CREATE: case WOP_ASSOCIATE:
		return e->native == CODE_DUPLICATE;
	case WOP_DELETE: case WOP_DISASSOCIATE:
		return status == 404;
	default:
		return 0;
	}
}

/* GETs api_base + rel; the "value" array of the reply, or NULL (root
 * to free in *root either way). */
static yajl_val get_rows(struct dv_engine *eng, const char *url, yajl_val *root)
{
	static const char *value_path[] = {"value", NULL};
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_error err;
	char errbuf[128];
	*root = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	if (dv_http_send(eng->http, &req, &resp, &err) == 0)
		*root = yajl_tree_parse(dv_buf_str(&resp.body), errbuf, sizeof(errbuf));
	dv_http_resp_free(&resp);
	return *root ? yajl_tree_get(*root, value_path, yajl_t_array) : NULL;
}

static enum verify_state from_presence(enum wop_kind k, int present)
{
	int adds = k == WOP_CREATE || k == WOP_ASSOCIATE;
	return adds == present ? VS_APPLIED : VS_NOT_APPLIED;
}

static int looked_up_by_id(const struct write_op *op)
{
	return (op->kind == WOP_CREATE || op->kind == WOP_DELETE) && op->set && op->pk_name &&
	       op->id[0];
}

/* Is op's id among the rows' pk values? */
static int id_listed(yajl_val rows, const struct write_op *op)
{
	const char *path[] = {op->pk_name, NULL};
	size_t i;
	for (i = 0; i < YAJL_GET_ARRAY(rows)->len; i++) {
		yajl_val v = yajl_tree_get(YAJL_GET_ARRAY(rows)->values[i], path, yajl_t_string);
		if (v && dv_strcasecmp(YAJL_GET_STRING(v), op->id) == 0)
			return 1;
	}
	return 0;
}

/* Looks up ops[first] and up to IDS_PER_LOOKUP - 1 later ops of the same
 * entity set still undecided (st VS_UNKNOWN and marked in want[]). */
static void lookup_ids(struct dv_engine *eng, const struct write_op *ops, size_t n,
		       size_t first, enum verify_state *st, char *want)
{
	struct odata_query q;
	struct dv_buf filter;
	size_t pick[IDS_PER_LOOKUP], npick = 0, i;
	yajl_val root, rows;
	char *url;
	dv_buf_init(&filter, 0);
	for (i = first; i < n && npick < IDS_PER_LOOKUP; i++) {
		if (!want[i] || strcmp(ops[i].set, ops[first].set) != 0)
			continue;
		dv_buf_appendf(&filter, "%s%s eq %s", npick ? " or " : "", ops[i].pk_name,
			       ops[i].id);
		pick[npick++] = i;
		want[i] = 0;
	}
	memset(&q, 0, sizeof(q));
	q.base = eng->api_base;
	q.entity_set = ops[first].set;
	q.select = ops[first].pk_name;
	q.filter = dv_buf_str(&filter);
	url = filter.data ? odata_query_url(&q) : NULL;
	rows = url ? get_rows(eng, url, &root) : NULL;
	for (i = 0; i < npick; i++)
		st[pick[i]] = rows ? from_presence(ops[pick[i]].kind, id_listed(rows, &ops[pick[i]]))
				   : VS_UNKNOWN;
	yajl_tree_free(root);
	free(url);
	dv_buf_free(&filter);
}

static enum verify_state lookup_pair(struct dv_engine *eng, const struct write_op *op)
{
	struct dv_buf url;
	yajl_val root, rows;
	enum verify_state s = VS_UNKNOWN;
	dv_buf_init(&url, 0);
	dv_buf_appendf(&url, "%s%s", eng->api_base, op->check);
	rows = url.data ? get_rows(eng, dv_buf_str(&url), &root) : NULL;
	if (rows)
		s = from_presence(op->kind, YAJL_GET_ARRAY(rows)->len > 0);
	yajl_tree_free(root);
	dv_buf_free(&url);
	return s;
}

void write_verify(struct dv_engine *eng, const struct write_op *ops, size_t n,
		  enum verify_state *st)
{
	char *want = calloc(n ? n : 1, 1);
	size_t i;
	for (i = 0; i < n; i++) {
		st[i] = VS_UNKNOWN;
		if (ops[i].kind == WOP_UPDATE || ops[i].kind == WOP_UPSERT)
			st[i] = VS_REDO;
		else if (want && looked_up_by_id(&ops[i]))
			want[i] = 1;
		else if (ops[i].check)
			st[i] = lookup_pair(eng, &ops[i]);
	}
	for (i = 0; want && i < n; i++)
		if (want[i])
			lookup_ids(eng, ops, n, i, st, want);
	free(want);
}
