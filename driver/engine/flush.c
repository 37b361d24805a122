/* flush.c - sending queued writes, their outcomes, and transactions.
 *
 * Owns: when the queue goes out (end of a statement or of a parameter array
 * with autocommit on; dv_engine_commit with it off; as soon as 2000
 * operations wait in autocommit mode), how (one operation: a plain
 * request; more: $batch requests of at most 1000 operations, independent
 * parts with Prefer: odata.continue-on-error in autocommit, one change set
 * per request in a transaction), and what each operation's answer means
 * for the caller (in autocommit, two $batch requests in flight at once when
 * more than 1000 operations wait; transactions strictly in order): an
 * outcome per operation (row number, SQLSTATE, service
 * code and message, record id), the true count of changed rows, the id of
 * the last created record.
 * Outcome rules (docs/writes.md):
 *   2xx                                   applied, counted
 *   404 0x80040217 on UPDATE/DELETE       the row is gone: warning 01000, not counted
 *                                         (SQL: the WHERE matched nothing)
 *   other service error                   the SQLSTATE of odata_error_from_response
 *                                         (0x80040237 -> 23000, 403 -> 42000, ...)
 *   part of a rolled-back change set      HY000 "not applied"
 * Sources: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
 *          https://learn.microsoft.com/sql/odbc/reference/develop-app/using-arrays-of-parameters */
#include "engine/engine_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "odata/odata.h"
#include "util/log.h"
#include "util/strutil.h"

#define CODE_NOT_FOUND ((long)(int)0x80040217u)

static const char *method_of(enum wop_kind k)
{
	switch (k) {
	case WOP_CREATE: case WOP_ASSOCIATE: return "POST";
	case WOP_UPDATE: case WOP_UPSERT: return "PATCH";
	default: return "DELETE";
	}
}

static char op_letter(enum wop_kind k)
{
	static const char letters[] = "IUPDAX";
	return letters[k];
}

static const char *const if_match_any[] = {"If-Match: *", NULL};

void flush_reset_outcomes(struct dv_engine *eng)
{
	size_t i;
	for (i = 0; i < eng->noutcomes; i++)
		free(eng->outcomes[i].message);
	eng->noutcomes = 0;
	eng->changes = eng->failed = eng->warnings = 0;
	dv_error_clear(&eng->first_failure);
}

/* The GUID inside the last "(...)" of an OData-EntityId, into out. */
static void id_from_entity_id(const char *url, char out[37])
{
	const char *open = url ? strrchr(url, '(') : NULL;
	if (open && strlen(open) >= 38 && open[37] == ')') {
		memcpy(out, open + 1, 36);
		out[36] = '\0';
	}
}

static struct dv_write_outcome *new_outcome(struct dv_engine *eng, const struct write_op *op)
{
	struct dv_write_outcome *o;
	if (eng->noutcomes == eng->capoutcomes) {
		size_t cap = eng->capoutcomes ? eng->capoutcomes * 2 : 64;
		o = realloc(eng->outcomes, cap * sizeof(*o));
		if (!o)
			return NULL;
		eng->outcomes = o;
		eng->capoutcomes = cap;
	}
	o = &eng->outcomes[eng->noutcomes++];
	memset(o, 0, sizeof(*o));
	o->row = op->row;
	o->seq = (long)eng->noutcomes;
	o->op = op_letter(op->kind);
	dv_strlcpy(o->id, op->id, sizeof(o->id));
	return o;
}

static void record_success(struct dv_engine *eng, const struct write_op *op,
			   const char *entity_id)
{
	struct dv_write_outcome *o = new_outcome(eng, op);
	if (!o)
		return;
	if (op->kind == WOP_CREATE && entity_id)
		id_from_entity_id(entity_id, o->id);
	if (op->kind == WOP_CREATE && o->id[0])
		dv_strlcpy(eng->last_id, o->id, sizeof(eng->last_id));
	eng->changes++;
}

/* primary: the operation's own failure (not a consequence of another's),
 * which may become the statement's error. */
static void record_failure(struct dv_engine *eng, const struct write_op *op,
			   const struct dv_error *e, int primary)
{
	struct dv_write_outcome *o = new_outcome(eng, op);
	int gone = e->native == CODE_NOT_FOUND &&
		   (op->kind == WOP_UPDATE || op->kind == WOP_DELETE ||
		    op->kind == WOP_DISASSOCIATE);
	if (!o)
		return;
	o->state = gone ? DV_S_01000 : e->state;
	o->native = e->native;
	o->message = dv_strdup(e->message);
	if (gone) {
		eng->warnings++;
		return;
	}
	eng->failed++;
	if (primary && eng->first_failure.state == DV_S_00000) {
		eng->first_failure = *e;
		if (eng->nops > 1 || eng->in_array)
			dv_error_prefix(&eng->first_failure, "row %ld", op->row);
	}
}

static void record_part(struct dv_engine *eng, const struct write_op *op,
			const struct odata_batch_result *r)
{
	struct dv_error e;
	if (r->status >= 200 && r->status < 300) {
		record_success(eng, op, r->entity_id);
		return;
	}
	dv_error_clear(&e);
	odata_error_from_response(r->status, r->body, r->body_len, &e);
	record_failure(eng, op, &e, 1);
}

static void record_not_applied(struct dv_engine *eng, const struct write_op *op,
			       const char *why)
{
	struct dv_error e;
	dv_error_set(&e, DV_S_HY000, 0, "not applied: %s", why);
	record_failure(eng, op, &e, 0);
}

static int send_single(struct dv_engine *eng, const struct write_op *op)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_error e;
	struct dv_buf url;
	dv_buf_init(&url, 0);
	dv_buf_appendf(&url, "%s%s", eng->api_base, op->path);
	memset(&req, 0, sizeof(req));
	req.method = method_of(op->kind);
	req.url = dv_buf_str(&url);
	req.body = op->body;
	req.body_len = op->body ? strlen(op->body) : 0;
	req.headers = op->kind == WOP_UPDATE ? if_match_any : NULL;
	/* PATCH with If-Match / DELETE change nothing twice: safe to resend */
	req.idempotent = op->kind != WOP_CREATE && op->kind != WOP_ASSOCIATE;
	dv_http_resp_init(&resp);
	dv_error_clear(&e);
	if (dv_http_send(eng->http, &req, &resp, &e) == 0)
		record_success(eng, op, resp.odata_entity_id);
	else
		record_failure(eng, op, &e, 1);
	dv_http_resp_free(&resp);
	dv_buf_free(&url);
	return 0;
}

/* Result of part i: by Content-ID in a change set, else by position. */
static const struct odata_batch_result *result_for(const struct odata_batch_result *res,
						   size_t nres, size_t i, int changeset)
{
	size_t k;
	if (!changeset)
		return i < nres ? &res[i] : NULL;
	for (k = 0; k < nres; k++)
		if (res[k].content_id == (int)i + 1)
			return &res[k];
	return NULL;
}

/* One $batch request: the operations in, the parts' answers out.  Running
 * it touches no engine state (only ops, read), so two can run at once on
 * different HTTP handles; the outcomes are recorded afterwards, in order. */
struct batch_job {
	struct dv_http *http;
	const char *api_base;
	const struct write_op *ops;
	size_t n;
	int changeset;
	struct odata_batch_result *res;
	size_t nres;
	int rc;
	struct dv_error err;
};

static void batch_job_init(struct batch_job *j, struct dv_engine *eng, struct dv_http *http,
			   const struct write_op *ops, size_t n, int changeset)
{
	memset(j, 0, sizeof(*j));
	j->http = http;
	j->api_base = eng->api_base;
	j->ops = ops;
	j->n = n;
	j->changeset = changeset;
	dv_error_clear(&j->err);
}

static void batch_job_run(struct batch_job *j)
{
	struct odata_batch_op *parts = calloc(j->n, sizeof(*parts));
	size_t i;
	if (!parts) {
		j->rc = dv_error_nomem(&j->err);
		return;
	}
	for (i = 0; i < j->n; i++) {
		parts[i].method = method_of(j->ops[i].kind);
		parts[i].path = j->ops[i].path;
		parts[i].body = j->ops[i].body;
		parts[i].headers = j->ops[i].kind == WOP_UPDATE ? if_match_any : NULL;
	}
	j->rc = odata_batch_send(j->http, j->api_base, parts, j->n, j->changeset, &j->res,
				 &j->nres, &j->err);
	free(parts);
}

static void *batch_job_thread(void *arg)
{
	batch_job_run(arg);
	return NULL;
}

/* The outcomes of a job that ran: 0, 1 when a change set was rolled back,
 * -1 when the request failed (err set). */
static int batch_job_record(struct dv_engine *eng, struct batch_job *j, struct dv_error *err)
{
	size_t i;
	int rolled_back = 0;
	if (j->rc != 0) {
		*err = j->err;
		for (i = 0; i < j->n; i++)
			record_failure(eng, &j->ops[i], &j->err, i == 0);
		return -1;
	}
	if (j->changeset)
		for (i = 0; i < j->nres; i++)
			if (j->res[i].status < 200 || j->res[i].status >= 300)
				rolled_back = 1;
	for (i = 0; i < j->n; i++) {
		const struct odata_batch_result *r = result_for(j->res, j->nres, i, j->changeset);
		if (r && !(rolled_back && r->status >= 200 && r->status < 300))
			record_part(eng, &j->ops[i], r);
		else if (rolled_back)
			record_not_applied(eng, &j->ops[i], "the change set was rolled back "
					   "because another operation in it failed");
		else
			record_not_applied(eng, &j->ops[i], "the service did not process it");
	}
	odata_batch_results_free(j->res, j->nres);
	j->res = NULL;
	j->nres = 0;
	return rolled_back;
}

/* One $batch of n ops: 0, 1 when a change set was rolled back, -1 when
 * the request failed. */
static int send_batch(struct dv_engine *eng, const struct write_op *ops, size_t n,
		      int changeset, struct dv_error *err)
{
	struct batch_job j;
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "$batch of %zu operations%s", n,
	       changeset ? " (change set)" : "");
	batch_job_init(&j, eng, eng->http, ops, n, changeset);
	batch_job_run(&j);
	return batch_job_record(eng, &j, err);
}

/* Two independent $batch requests (autocommit, continue-on-error) in flight
 * at once: the second on a sibling HTTP handle (own connection, same token)
 * in a worker thread, the first on the connection's handle.  The outcomes are
 * recorded in row order: the first batch's, then the second's.  Two requests
 * at once stay far inside the service's limit of 52 concurrent requests per
 * user (spec section 13).  Without a sibling or a thread, one after the other.
 * https://learn.microsoft.com/power-apps/developer/data-platform/api-limits */
static int send_two_batches(struct dv_engine *eng, const struct write_op *ops, size_t n1,
			    size_t n2, struct dv_error *err)
{
	struct batch_job a, b;
	struct dv_error e;
	struct dv_http *sibling = dv_http_new_sibling(eng->http, &e);
	pthread_t thread;
	int threaded = 0, ra, rb;
	struct dv_error erra, errb;
	if (!sibling) {
		DV_LOG(eng->log, DV_LOG_DEBUG, eng, "no second connection (%s): batches in turn",
		       e.message);
		ra = send_batch(eng, ops, n1, 0, err);
		if (ra < 0)
			return ra;
		return send_batch(eng, ops + n1, n2, 0, err);
	}
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "two $batch requests of %zu and %zu operations at "
	       "once", n1, n2);
	batch_job_init(&a, eng, eng->http, ops, n1, 0);
	batch_job_init(&b, eng, sibling, ops + n1, n2, 0);
	threaded = pthread_create(&thread, NULL, batch_job_thread, &b) == 0;
	batch_job_run(&a);
	if (threaded)
		pthread_join(thread, NULL);
	else
		batch_job_run(&b);
	dv_http_free(sibling);
	dv_error_clear(&erra);
	dv_error_clear(&errb);
	ra = batch_job_record(eng, &a, &erra);
	rb = batch_job_record(eng, &b, &errb);
	if (ra < 0 || rb < 0) {
		*err = ra < 0 ? erra : errb;
		return -1;
	}
	return 0;
}

static void drop_ops(struct dv_engine *eng, size_t from)
{
	size_t i;
	for (i = from; i < eng->nops; i++) {
		free(eng->ops[i].path);
		free(eng->ops[i].body);
	}
	eng->nops = from;
}

/* The queue as $batch requests of at most WRITE_BATCH_MAX operations: in a
 * transaction one change set after the other, the rest "not applied" once
 * one fails; in autocommit two requests at once.  0, or -1. */
static int send_chunks(struct dv_engine *eng, int changesets, struct dv_error *err)
{
	size_t start = 0, n = eng->nops, i;
	int rc = 0;
	while (start < n) {
		size_t chunk = n - start < WRITE_BATCH_MAX ? n - start : WRITE_BATCH_MAX;
		size_t chunk2 = 0;
		int r;
		if (rc != 0) {   /* only in a transaction: the later blocks stay unsent */
			for (i = start; i < start + chunk; i++)
				record_not_applied(eng, &eng->ops[i], "an earlier change set of "
						   "the transaction failed");
			start += chunk;
			continue;
		}
		if (!changesets)
			chunk2 = n - start - chunk < WRITE_BATCH_MAX ? n - start - chunk
								     : WRITE_BATCH_MAX;
		if (chunk2 > 0)
			r = send_two_batches(eng, eng->ops + start, chunk, chunk2, err);
		else
			r = send_batch(eng, eng->ops + start, chunk, changesets, err);
		start += chunk + chunk2;
		if (r < 0 && !changesets)
			return -1;
		if (r != 0)
			rc = -1;
	}
	return rc;
}

int flush_queue(struct dv_engine *eng, int changesets, struct dv_error *err)
{
	size_t n = eng->nops;
	int rc = 0;
	if (n == 0)
		return 0;
	/* queue_op counted each op provisionally; the answers count now */
	eng->changes -= (long)n;
	if (eng->changes < 0)
		eng->changes = 0;
	if (n == 1) {   /* one request is as atomic as a change set */
		send_single(eng, &eng->ops[0]);
		if (changesets && eng->failed > 0) {
			*err = eng->first_failure;
			rc = -1;
		}
	} else {
		rc = send_chunks(eng, changesets, err);
		if (rc != 0 && changesets) {
			if (eng->first_failure.state == DV_S_00000)
				dv_error_set(&eng->first_failure, DV_S_HY000, 0, "the change set "
					     "was rolled back by the service");
			*err = eng->first_failure;
		}
	}
	drop_ops(eng, 0);
	eng->stmt_first_op = 0;
	eng->pending = 0;
	return rc;
}

/* ---- statement boundaries ---- */

void flush_statement_begin(struct dv_engine *eng)
{
	if (!eng->in_array) {
		flush_reset_outcomes(eng);
		eng->stmt_rows = 0;
	}
	eng->stmt_first_op = eng->nops;
}

/* -1 with the first failure when operations were sent and none applied. */
static int verdict(struct dv_engine *eng, struct dv_error *err)
{
	if (eng->failed > 0 && eng->changes == 0 && eng->warnings == 0) {
		*err = eng->first_failure;
		return -1;
	}
	return 0;
}

int flush_statement_end(struct dv_engine *eng, struct dv_error *err)
{
	if (!eng->autocommit || eng->in_array)
		return 0;
	if (flush_queue(eng, 0, err) != 0)
		return -1;
	return verdict(eng, err);
}

void flush_statement_abort(struct dv_engine *eng)
{
	size_t removed = eng->nops - eng->stmt_first_op;
	drop_ops(eng, eng->stmt_first_op);
	eng->changes -= (long)removed;
	if (eng->changes < 0)
		eng->changes = 0;
	if (!eng->autocommit)
		eng->pending -= (long)removed;
}

/* ---- engine.h ---- */

void dv_engine_write_status(const struct dv_engine *eng, struct dv_write_status *out)
{
	out->changes = eng->changes;
	out->failed = eng->failed;
	out->warnings = eng->warnings;
	out->pending = eng->pending;
	out->outcomes = eng->outcomes;
	out->noutcomes = eng->noutcomes;
}

int dv_engine_commit(struct dv_engine *eng, struct dv_error *err)
{
	flush_reset_outcomes(eng);
	if (eng->nops == 0)
		return 0;
	return flush_queue(eng, 1, err);
}

void dv_engine_rollback(struct dv_engine *eng)
{
	drop_ops(eng, 0);
	eng->stmt_first_op = 0;
	eng->pending = 0;
	flush_reset_outcomes(eng);
}

int dv_engine_set_autocommit(struct dv_engine *eng, int on, struct dv_error *err)
{
	if (on && !eng->autocommit && dv_engine_commit(eng, err) != 0)
		return -1;
	eng->autocommit = on ? 1 : 0;
	return 0;
}

void dv_engine_array_begin(struct dv_engine *eng)
{
	flush_reset_outcomes(eng);
	eng->in_array = 1;
	eng->stmt_rows = 0;
	eng->param_row = 0;
}

void dv_engine_set_param_row(struct dv_engine *eng, long row)
{
	eng->param_row = row;
}

int dv_engine_array_end(struct dv_engine *eng, struct dv_error *err)
{
	eng->in_array = 0;
	eng->param_row = 0;
	if (!eng->autocommit)
		return 0;
	if (flush_queue(eng, 0, err) != 0)
		return -1;
	return verdict(eng, err);
}

const char *dv_engine_last_insert_id(const struct dv_engine *eng)
{
	return eng->last_id;
}
