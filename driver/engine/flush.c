/* flush.c - sending queued writes, their outcomes, and transactions.
 *
 * Owns: when the queue goes out (end of a statement or of a parameter array
 * with autocommit on; dv_engine_commit with it off; as soon as 4000
 * operations wait in autocommit mode), how (one operation: a plain
 * request; more: $batch requests of at most 1000 operations, independent
 * parts with Prefer: odata.continue-on-error in autocommit, one change set
 * per request in a transaction), and what each operation's answer means
 * for the caller (in autocommit, up to WRITE_PARALLEL_BATCHES $batch
 * requests in flight at once when more than 1000 operations wait;
 * transactions strictly in order): an
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
 *   answer lost, read back (verify.c)     applied / not applied (the transport error) /
 *                                         08007 "outcome unknown" when it cannot be told
 * Exactly once: every create carries its id (write.c), so any write may be
 * sent again.  The HTTP layer re-sends on its own rules (a transport failure,
 * 502/503/504, 429, 401); when the answer of a request is lost for good, or
 * a re-sent copy is refused as an applied earlier copy would make it be
 * (duplicate create, 404 delete), the operations are read back by id and
 * settled one by one: applied ones counted, the rest sent again (at most
 * RESEND_ROUNDS more times: creates cannot double, updates are idempotent),
 * and what still cannot be told reported as 08007 naming the record.
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

/* Times a write whose answer was lost is sent again after reading back. */
#define RESEND_ROUNDS 2

static int send_ops(struct dv_engine *eng, const struct write_op *ops, size_t n,
		    int changeset, int round, struct dv_error *err);

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

/* The answer was lost and the read-back proved the operation absent. */
static void record_lost_not_applied(struct dv_engine *eng, const struct write_op *op,
				    const struct dv_error *cause)
{
	struct dv_error e;
	dv_error_set(&e, cause->state, cause->native, "not applied: %s", cause->message);
	record_failure(eng, op, &e, 1);
}

static void record_unknown(struct dv_engine *eng, const struct write_op *op,
			   const struct dv_error *cause)
{
	struct dv_error e;
	dv_error_set(&e, DV_S_08007, cause->native, "outcome unknown: the answer was lost (%s) "
		     "and reading the record back could not tell whether the service applied "
		     "it; check %s%s%s before running it again", cause->message,
		     op->set ? op->set : "the record",
		     op->id[0] ? " record " : "", op->id);
	record_failure(eng, op, &e, 1);
}

/* A change set's answer was lost: it is all or nothing, so the read-back of
 * its creates, deletes and pairs tells for all.  Only updates (all "redo"):
 * sent again.  0 when it ended applied, 1 otherwise. */
static int recover_changeset(struct dv_engine *eng, const struct write_op *ops, size_t n,
			     const enum verify_state *st, const struct dv_error *cause,
			     int round)
{
	size_t i, count[4] = {0, 0, 0, 0};
	struct dv_error err;
	for (i = 0; i < n; i++)
		count[st[i]]++;
	if (count[VS_APPLIED] > 0 && count[VS_NOT_APPLIED] == 0 && count[VS_UNKNOWN] == 0) {
		for (i = 0; i < n; i++)
			record_success(eng, &ops[i], NULL);
		return 0;
	}
	if (count[VS_APPLIED] == 0 && count[VS_UNKNOWN] == 0 && round < RESEND_ROUNDS) {
		dv_error_clear(&err);
		return send_ops(eng, ops, n, 1, round + 1, &err) == 0 ? 0 : 1;
	}
	for (i = 0; i < n; i++) {
		if (count[VS_APPLIED] == 0 && count[VS_UNKNOWN] == 0 && count[VS_NOT_APPLIED] > 0)
			record_lost_not_applied(eng, &ops[i], cause);
		else
			record_unknown(eng, &ops[i], cause);
	}
	return 1;
}

/* After a lost answer (cause): reads back what ops did and settles each.
 * Independent operations: applied ones counted, the others sent again
 * while rounds remain.  0 when every operation ended settled by the
 * service, 1 when some did not apply or stay unknown. */
static int recover(struct dv_engine *eng, const struct write_op *ops, size_t n,
		   int changeset, const struct dv_error *cause, int round)
{
	enum verify_state *st = calloc(n, sizeof(*st));
	struct write_op *again = calloc(n, sizeof(*again));
	size_t nagain = 0, i;
	struct dv_error err;
	int rc = 0;
	DV_LOG(eng->log, DV_LOG_INFO, eng, "the answer to %zu operation(s) was lost (%s): "
	       "reading them back", n, cause->message);
	if (!st || !again) {
		for (i = 0; i < n; i++)
			record_unknown(eng, &ops[i], cause);
		free(st);
		free(again);
		return 1;
	}
	write_verify(eng, ops, n, st);
	if (changeset) {
		rc = recover_changeset(eng, ops, n, st, cause, round);
		free(st);
		free(again);
		return rc;
	}
	for (i = 0; i < n; i++) {
		if (st[i] == VS_APPLIED) {
			record_success(eng, &ops[i], NULL);
		} else if (st[i] == VS_UNKNOWN || (st[i] == VS_REDO && round >= RESEND_ROUNDS)) {
			record_unknown(eng, &ops[i], cause);
			rc = 1;
		} else if (round >= RESEND_ROUNDS) {
			record_lost_not_applied(eng, &ops[i], cause);
			rc = 1;
		} else {
			again[nagain++] = ops[i];
		}
	}
	if (nagain > 0) {
		DV_LOG(eng->log, DV_LOG_INFO, eng, "sending %zu operation(s) again", nagain);
		dv_error_clear(&err);
		send_ops(eng, again, nagain, 0, round + 1, &err);
	}
	free(st);
	free(again);
	return rc;
}

/* The cause told when a re-sent copy was refused as an applied earlier copy
 * makes it be: the refusal itself would mislead.  e is rewritten. */
static const struct dv_error *earlier_copy_cause(struct dv_error *e)
{
	char refusal[DV_ERROR_MSG_MAX];
	dv_strlcpy(refusal, e->message, sizeof(refusal));
	dv_error_set(e, DV_S_08S01, e->native, "an earlier attempt got no answer and the request "
		     "sent again was refused: %s", refusal);
	return e;
}

static int send_single(struct dv_engine *eng, const struct write_op *op, int round)
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
	/* a create with its id, an update, a delete, a pair: a re-sent copy
	 * changes nothing twice, and its refusal is judged below */
	req.idempotent = op->kind != WOP_CREATE || op->id[0];
	dv_http_resp_init(&resp);
	dv_error_clear(&e);
	if (dv_http_send(eng->http, &req, &resp, &e) == 0)
		record_success(eng, op, resp.odata_entity_id);
	else if (write_answer_lost(&e, resp.status))
		recover(eng, op, 1, 0, &e, round);
	else if (resp.attempts > 1 && write_answer_of_earlier_copy(op, &e, resp.status))
		recover(eng, op, 1, 0, earlier_copy_cause(&e), round);
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
	int round;                  /* 0, or how many times it was recovered */
	struct odata_batch_call call;
	struct odata_batch_result *res;
	size_t nres;
	int rc;
	struct dv_error err;
};

static void batch_job_init(struct batch_job *j, struct dv_engine *eng, struct dv_http *http,
			   const struct write_op *ops, size_t n, int changeset, int round)
{
	size_t i;
	memset(j, 0, sizeof(*j));
	j->http = http;
	j->api_base = eng->api_base;
	j->ops = ops;
	j->n = n;
	j->changeset = changeset;
	j->round = round;
	j->call.resend_safe = 1;   /* every create carries its id */
	for (i = 0; i < n; i++)
		if (ops[i].kind == WOP_CREATE && !ops[i].id[0])
			j->call.resend_safe = 0;
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
	j->rc = odata_batch_send(j->http, j->api_base, parts, j->n, j->changeset, &j->call,
				 &j->res, &j->nres, &j->err);
	free(parts);
}

static void *batch_job_thread(void *arg)
{
	batch_job_run(arg);
	return NULL;
}

/* The outcomes of a job that ran: 0, 1 when a change set was rolled back,
 * -1 when the request failed (err set). */
/* A part of a re-sent batch refused as an applied earlier copy makes it
 * be: read back, and settled (no further send).  1 when it was handled. */
static int settle_earlier_copy(struct dv_engine *eng, const struct batch_job *j,
			       const struct write_op *op, const struct odata_batch_result *r)
{
	struct dv_error e;
	enum verify_state st;
	if (j->call.attempts < 2 || (r->status >= 200 && r->status < 300))
		return 0;
	dv_error_clear(&e);
	odata_error_from_response(r->status, r->body, r->body_len, &e);
	if (!write_answer_of_earlier_copy(op, &e, r->status))
		return 0;
	write_verify(eng, op, 1, &st);
	if (st == VS_APPLIED)
		record_success(eng, op, NULL);
	else if (st == VS_NOT_APPLIED)
		record_failure(eng, op, &e, 1);
	else
		record_unknown(eng, op, earlier_copy_cause(&e));
	return 1;
}

/* A change set re-sent after a lost answer was rolled back: if the earlier
 * copy applied it, the read-back shows it whole.  1 when it did. */
static int changeset_applied_before(struct dv_engine *eng, const struct batch_job *j)
{
	enum verify_state *st;
	size_t i, applied = 0, ok = 1;
	if (j->call.attempts < 2 || !(st = calloc(j->n, sizeof(*st))))
		return 0;
	write_verify(eng, j->ops, j->n, st);
	for (i = 0; i < j->n; i++) {
		applied += st[i] == VS_APPLIED;
		ok = ok && (st[i] == VS_APPLIED || st[i] == VS_REDO);
	}
	free(st);
	if (!ok || applied == 0)
		return 0;
	for (i = 0; i < j->n; i++)
		record_success(eng, &j->ops[i], NULL);
	return 1;
}

static int batch_job_record(struct dv_engine *eng, struct batch_job *j, struct dv_error *err)
{
	size_t i;
	int rolled_back = 0;
	if (j->rc != 0) {
		if (write_answer_lost(&j->err, j->call.status) || j->call.attempts > 1) {
			/* the service may hold some or all of it: read back */
			int r = recover(eng, j->ops, j->n, j->changeset, &j->err, j->round);
			return j->changeset ? r : 0;
		}
		*err = j->err;
		for (i = 0; i < j->n; i++)
			record_failure(eng, &j->ops[i], &j->err, i == 0);
		return -1;
	}
	if (j->changeset)
		for (i = 0; i < j->nres; i++)
			if (j->res[i].status < 200 || j->res[i].status >= 300)
				rolled_back = 1;
	if (rolled_back && changeset_applied_before(eng, j)) {
		odata_batch_results_free(j->res, j->nres);
		j->res = NULL;
		j->nres = 0;
		return 0;
	}
	for (i = 0; i < j->n; i++) {
		const struct odata_batch_result *r = result_for(j->res, j->nres, i, j->changeset);
		if (r && !j->changeset && settle_earlier_copy(eng, j, &j->ops[i], r))
			continue;
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
		      int changeset, int round, struct dv_error *err)
{
	struct batch_job j;
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "$batch of %zu operations%s", n,
	       changeset ? " (change set)" : "");
	batch_job_init(&j, eng, eng->http, ops, n, changeset, round);
	batch_job_run(&j);
	return batch_job_record(eng, &j, err);
}

/* Up to WRITE_PARALLEL_BATCHES independent $batch requests (autocommit,
 * continue-on-error) in flight at once: the first on the connection's
 * handle, each other on a sibling HTTP handle (own connection, same token,
 * the connection's 429 back-off) in a worker thread.  The outcomes are
 * recorded in row order, batch after batch, once all have answered, so the
 * exactly-once rules (read-back of a lost answer, verify.c) apply to each
 * as to one batch.  A few requests at once stay far inside the service's
 * limit of 52 concurrent requests per user (spec section 13).  A batch
 * without a sibling or a thread runs on this thread after the others.
 * https://learn.microsoft.com/power-apps/developer/data-platform/api-limits */
static int send_batches(struct dv_engine *eng, const struct write_op *ops,
			const size_t *sizes, size_t k, struct dv_error *err)
{
	struct batch_job jobs[WRITE_PARALLEL_BATCHES];
	struct dv_http *sib[WRITE_PARALLEL_BATCHES] = {NULL};
	pthread_t threads[WRITE_PARALLEL_BATCHES];
	int threaded[WRITE_PARALLEL_BATCHES] = {0};
	struct dv_error e, first;
	size_t i, off = 0;
	int failed = 0;
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "%zu $batch requests at once", k);
	for (i = 0; i < k; i++) {
		struct dv_http *h = eng->http;
		if (i > 0 && (sib[i] = dv_http_new_sibling(eng->http, &e)) != NULL)
			h = sib[i];
		batch_job_init(&jobs[i], eng, h, ops + off, sizes[i], 0, 0);
		off += sizes[i];
		if (i > 0 && sib[i])
			threaded[i] = pthread_create(&threads[i], NULL, batch_job_thread,
						     &jobs[i]) == 0;
	}
	batch_job_run(&jobs[0]);
	for (i = 1; i < k; i++) {
		if (threaded[i])
			pthread_join(threads[i], NULL);
		else
			batch_job_run(&jobs[i]); /* on the connection's handle, in turn */
	}
	for (i = 1; i < k; i++)
		dv_http_free(sib[i]);
	dv_error_clear(&first);
	for (i = 0; i < k; i++) {
		dv_error_clear(&e);
		if (batch_job_record(eng, &jobs[i], &e) < 0 && !failed) {
			failed = 1;
			first = e;
		}
	}
	if (failed) {
		*err = first;
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
		free(eng->ops[i].check);
	}
	eng->nops = from;
}

/* The queue as $batch requests of at most WRITE_BATCH_MAX operations: in a
 * transaction one change set after the other, the rest "not applied" once
 * one fails; in autocommit up to WRITE_PARALLEL_BATCHES requests at once.
 * 0, or -1. */
static int send_chunks(struct dv_engine *eng, int changesets, struct dv_error *err)
{
	size_t start = 0, n = eng->nops, i;
	int rc = 0;
	while (start < n) {
		size_t chunk = n - start < WRITE_BATCH_MAX ? n - start : WRITE_BATCH_MAX;
		size_t sizes[WRITE_PARALLEL_BATCHES], k = 1, sent = chunk;
		int r;
		if (rc != 0) {   /* only in a transaction: the later blocks stay unsent */
			for (i = start; i < start + chunk; i++)
				record_not_applied(eng, &eng->ops[i], "an earlier change set of "
						   "the transaction failed");
			start += chunk;
			continue;
		}
		sizes[0] = chunk;
		while (!changesets && k < WRITE_PARALLEL_BATCHES && start + sent < n) {
			sizes[k] = n - start - sent < WRITE_BATCH_MAX ? n - start - sent
								      : WRITE_BATCH_MAX;
			sent += sizes[k++];
		}
		if (k > 1)
			r = send_batches(eng, eng->ops + start, sizes, k, err);
		else
			r = send_batch(eng, eng->ops + start, chunk, changesets, 0, err);
		start += sent;
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
		send_single(eng, &eng->ops[0], 0);
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

/* ops sent again after a read-back (round > 0): one request or a $batch. */
static int send_ops(struct dv_engine *eng, const struct write_op *ops, size_t n,
		    int changeset, int round, struct dv_error *err)
{
	if (n == 1)
		return send_single(eng, ops, round);
	return send_batch(eng, ops, n, changeset, round, err) < 0 ? -1 : 0;
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
