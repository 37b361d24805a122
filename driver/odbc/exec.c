/* exec.c - preparing and executing statements, binding parameters.
 *
 * Owns: SQLPrepare/SQLExecute/SQLExecDirect internals (sqlparse_rewrite ->
 * dv_engine_prepare -> IRD from dv_engine_describe -> parameters from the
 * APD/IPD bound into the SQLite statement -> first dv_engine_step, so that
 * errors surface at execute time), parameter sets (arrays of parameters,
 * the status and processed-count arrays, per-row write outcomes as
 * diagnostics, SQLRowCount = the rows the service changed), SQLNativeSql
 * (dv_engine_explain) and SQLCancel.  Binding values: params.c.
 * The SQL is the application's: the engine's guard refuses what the local
 * engine must not run (DDL, ATTACH, PRAGMA, several statements in one text:
 * 42000) and stops local work at SQL_ATTR_QUERY_TIMEOUT (HYT00).
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlexecute-function */
#include "odbc/stmt.h"
#include "odbc/call.h"
#include "odbc/params.h"
#include "odbc/convert.h"
#include "odbc/types.h"
#include "odbc/unicode.h"
#include "engine/engine.h"
#include "engine/guard.h"
#include "http/http.h"
#include "sqlparse/sqlparse.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SQLRETURN need_connection(struct dv_stmt *s)
{
	if (!s->dbc->connected || !s->dbc->engine)
		return dv_diag_error(&s->h.diag, DV_S_08003, NULL);
	return SQL_SUCCESS;
}

static SQLRETURN fill_ird(struct dv_stmt *s)
{
	int n = sqlite3_column_count(s->vm);
	dv_desc_clear_records(&s->ird);
	if (n == 0)
		return SQL_SUCCESS;
	if (dv_desc_ensure(&s->ird, (SQLSMALLINT)n) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	for (int i = 0; i < n; i++) {
		struct dv_colinfo ci;
		memset(&ci, 0, sizeof(ci));
		if (dv_engine_describe(s->dbc->engine, s->vm, i, &ci) != 0) {
			dv_strlcpy(ci.name, sqlite3_column_name(s->vm, i), sizeof(ci.name));
			ci.sql_type = SQL_WVARCHAR;
			ci.column_size = 4000;
			ci.nullable = SQL_NULLABLE_UNKNOWN;
			ci.attr_type = -1;
		}
		struct dv_desc_rec *r = &s->ird.recs[i + 1];
		SQLULEN size = (SQLULEN)(ci.column_size > 0 ? ci.column_size : 0);
		if (dv_type_fill_rec(r, ci.name, ci.table, ci.base_column, ci.sql_type,
				     ci.type_name, size, ci.decimal_digits, ci.nullable) != 0)
			return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		r->attr_type = ci.attr_type;
		if (ci.attr_type < 0)
			r->updatable = SQL_ATTR_READONLY;
	}
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_prepare(struct dv_stmt *s, const char *sql)
{
	struct dv_error err;
	struct sql_rewrite rw;
	SQLRETURN rc = need_connection(s);
	if (rc != SQL_SUCCESS)
		return rc;
	if (s->state == DV_ST_CURSOR)
		return dv_diag_error(&s->h.diag, DV_S_24000, "a cursor is open");
	dv_stmt_unprepare(s);
	dv_error_clear(&err);
	memset(&rw, 0, sizeof(rw));
	if (dv_utf8_check(&s->h.diag, sql, strlen(sql), "the SQL text") != 0)
		return SQL_ERROR;
	if (dv_call_try_prepare(s, sql, &rc)) /* {call ..}, EXEC: call.c */
		return rc;
	if (sqlparse_rewrite(sql, strlen(sql), &rw, &err) != 0) {
		dv_diag_add_error(&s->h.diag, &err);
		return SQL_ERROR;
	}
	s->sql = rw.sql;
	rw.sql = NULL;
	s->kind = rw.kind;
	s->nparams = rw.nparams;
	s->where_param = s->kind == SQL_KIND_UPDATE || s->kind == SQL_KIND_DELETE ?
			 sqlparse_first_where_marker(s->sql, strlen(s->sql)) : 0;
	sqlparse_rewrite_free(&rw);
	dv_engine_guard_user_sql(s->dbc->engine);
	if (dv_engine_prepare(s->dbc->engine, s->sql, &s->vm, &err) != 0) {
		dv_diag_add_error(&s->h.diag, &err);
		dv_stmt_unprepare(s);
		return SQL_ERROR;
	}
	if (!s->vm) {
		dv_stmt_unprepare(s);
		return dv_diag_error(&s->h.diag, DV_S_42000, "the statement is empty");
	}
	s->nparams = sqlite3_bind_parameter_count(s->vm);
	rc = fill_ird(s);
	if (rc != SQL_SUCCESS) {
		dv_stmt_unprepare(s);
		return rc;
	}
	s->h.diag.dynamic_function = s->kind == SQL_KIND_SELECT ? "SELECT CURSOR" :
				     s->kind == SQL_KIND_INSERT ? "INSERT" :
				     s->kind == SQL_KIND_UPDATE ? "UPDATE WHERE" :
				     s->kind == SQL_KIND_DELETE ? "DELETE WHERE" : "";
	s->h.diag.dynamic_function_code = s->kind == SQL_KIND_SELECT ? SQL_DIAG_SELECT_CURSOR :
					  s->kind == SQL_KIND_INSERT ? SQL_DIAG_INSERT :
					  s->kind == SQL_KIND_UPDATE ? SQL_DIAG_UPDATE_WHERE :
					  s->kind == SQL_KIND_DELETE ? SQL_DIAG_DELETE_WHERE :
					  SQL_DIAG_UNKNOWN_STATEMENT;
	s->state = DV_ST_PREPARED;
	return SQL_SUCCESS;
}

/* ---- execute --------------------------------------------------------------
 *
 * Parameter arrays: https://learn.microsoft.com/sql/odbc/reference/develop-app/using-arrays-of-parameters
 * Writes run set by set between dv_engine_array_begin/end so the sets' rows
 * go out together; each set's status comes from the engine's per-row
 * outcomes.  A SELECT runs its first set; SQLMoreResults runs the next
 * (SQL_PARAM_ARRAY_SELECTS = SQL_PAS_BATCH). */

static int set_ignored(const struct dv_stmt *s, SQLULEN set)
{
	const SQLUSMALLINT *ops = s->apd->array_status_ptr;
	return ops && ops[set] == SQL_PARAM_IGNORE;
}

static void set_status(struct dv_stmt *s, SQLULEN set, SQLUSMALLINT st)
{
	if (s->ipd.array_status_ptr)
		s->ipd.array_status_ptr[set] = st;
}

static void set_processed(struct dv_stmt *s, SQLULEN n)
{
	if (s->ipd.rows_processed_ptr)
		*s->ipd.rows_processed_ptr = n;
}

/* Steps a bound write statement to its end: 0, or -1 with err. */
static int step_to_end(struct dv_stmt *s, struct dv_error *err)
{
	int r;
	while ((r = dv_engine_step(s->dbc->engine, s->vm, err)) == 1)
		;
	if (r < 0 && s->cancelled && err->state != DV_S_HY008)
		dv_error_set(err, DV_S_HY008, 0, NULL);
	return r;
}

/* One diagnostic for an outcome that did not apply (or applied nothing):
 * the row (parameter set) number, the service's code as native error and
 * in the message. */
static void report_outcome(struct dv_stmt *s, const struct dv_write_outcome *o)
{
	char msg[DV_ERROR_MSG_MAX], code[16];
	const char *text = o->message ? o->message : "";
	snprintf(code, sizeof(code), "0x%08lX", (unsigned long)(uint32_t)o->native);
	if ((o->native > 999 || o->native < 0) && !strstr(text, code))
		snprintf(msg, sizeof(msg), "row %ld: %s (service error %s)", o->row, text, code);
	else if (o->native > 0 && o->native <= 999 && !strstr(text, "HTTP"))
		snprintf(msg, sizeof(msg), "row %ld: %s (HTTP %ld)", o->row, text, o->native);
	else
		snprintf(msg, sizeof(msg), "row %ld: %s", o->row, text);
	dv_diag_add(&s->h.diag, o->state == DV_S_00000 ? DV_S_01000 : o->state, o->native, msg,
		    o->row > 0 ? (SQLLEN)o->row : SQL_NO_ROW_NUMBER, SQL_NO_COLUMN_NUMBER);
}

/* Diagnostics for every outcome that is not "applied"; returns how many. */
static long report_outcomes(struct dv_stmt *s, const struct dv_write_status *ws)
{
	long n = 0;
	for (size_t i = 0; i < ws->noutcomes; i++) {
		if (ws->outcomes[i].state != DV_S_00000) {
			report_outcome(s, &ws->outcomes[i]);
			n++;
		}
	}
	return n;
}

static void write_done(struct dv_stmt *s, SQLLEN changes)
{
	s->state = DV_ST_EXECUTED;
	s->row_count = changes;
	s->h.diag.row_count = changes;
	sqlite3_reset(s->vm);
}

/* A searched UPDATE or DELETE that changed nothing: SQL_NO_DATA (ODBC 3).
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlexecute-function */
static int searched_none(const struct dv_stmt *s, SQLLEN changes)
{
	return changes == 0 && !dv_stmt_odbc2(s) &&
	       (s->kind == SQL_KIND_UPDATE || s->kind == SQL_KIND_DELETE);
}

/* A write with one parameter set (or none). */
static SQLRETURN run_write_one(struct dv_stmt *s)
{
	struct dv_error err;
	struct dv_write_status ws;
	dv_error_clear(&err);
	SQLRETURN rc = dv_params_bind_set(s, 0);
	set_processed(s, 1);
	if (rc != SQL_SUCCESS) {
		set_status(s, 0, SQL_PARAM_ERROR);
		return rc;
	}
	int r = step_to_end(s, &err);
	dv_engine_write_status(s->dbc->engine, &ws);
	if (r < 0) {
		/* Per-row diagnostics when the rows failed one by one. */
		if (ws.failed == 0 || report_outcomes(s, &ws) == 0)
			dv_diag_add_error(&s->h.diag, &err);
		set_status(s, 0, SQL_PARAM_ERROR);
		write_done(s, 0);
		return SQL_ERROR;
	}
	long bad = report_outcomes(s, &ws);
	set_status(s, 0, ws.failed ? SQL_PARAM_ERROR
			 : bad ? SQL_PARAM_SUCCESS_WITH_INFO : SQL_PARAM_SUCCESS);
	write_done(s, ws.changes);
	if (bad == 0 && searched_none(s, ws.changes))
		return SQL_NO_DATA;
	return dv_diag_success(&s->h.diag);
}

/* Status of each set, kept even when the application has no status array. */
static SQLUSMALLINT *status_array(struct dv_stmt *s, SQLULEN sets)
{
	SQLUSMALLINT *st = calloc(sets, sizeof(*st));
	if (st)
		for (SQLULEN i = 0; i < sets; i++)
			st[i] = SQL_PARAM_UNUSED;
	return st;
}

/* Queues every set (engine array mode); st[] gets SUCCESS / ERROR per set. */
static SQLULEN queue_sets(struct dv_stmt *s, SQLULEN sets, SQLUSMALLINT *st)
{
	struct dv_engine *eng = s->dbc->engine;
	SQLULEN processed = 0;
	for (SQLULEN set = 0; set < sets && !s->cancelled; set++) {
		struct dv_error err;
		if (set_ignored(s, set))
			continue;
		dv_error_clear(&err);
		s->h.diag.default_row = (SQLLEN)set + 1;
		processed++;
		if (dv_params_bind_set(s, set) != SQL_SUCCESS) {
			st[set] = SQL_PARAM_ERROR;
			continue;
		}
		dv_engine_set_param_row(eng, (long)set + 1);
		if (step_to_end(s, &err) < 0) {
			dv_diag_add_error(&s->h.diag, &err);
			st[set] = SQL_PARAM_ERROR;
			sqlite3_reset(s->vm);
			continue;
		}
		st[set] = SQL_PARAM_SUCCESS;
	}
	s->h.diag.default_row = 0;
	return processed;
}

/* Folds the engine's outcomes into the sets' statuses, with diagnostics. */
static void apply_outcomes(struct dv_stmt *s, const struct dv_write_status *ws,
			   SQLULEN sets, SQLUSMALLINT *st)
{
	for (size_t i = 0; i < ws->noutcomes; i++) {
		const struct dv_write_outcome *o = &ws->outcomes[i];
		if (o->state == DV_S_00000)
			continue;
		report_outcome(s, o);
		if (o->row < 1 || (SQLULEN)o->row > sets)
			continue;
		SQLUSMALLINT *p = &st[o->row - 1];
		if (o->state == DV_S_01000 && *p != SQL_PARAM_ERROR)
			*p = SQL_PARAM_SUCCESS_WITH_INFO;
		else if (o->state != DV_S_01000)
			*p = SQL_PARAM_ERROR;
	}
}

/* A write with SQL_ATTR_PARAMSET_SIZE > 1. */
static SQLRETURN run_write_array(struct dv_stmt *s, SQLULEN sets)
{
	struct dv_engine *eng = s->dbc->engine;
	struct dv_error err;
	struct dv_write_status ws;
	SQLUSMALLINT *st = status_array(s, sets);
	if (!st)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	dv_error_clear(&err);
	dv_engine_array_begin(eng);
	SQLULEN processed = queue_sets(s, sets, st);
	int end = dv_engine_array_end(eng, &err);
	dv_engine_write_status(eng, &ws);
	apply_outcomes(s, &ws, sets, st);
	if (end < 0 && ws.failed == 0) {
		/* The requests themselves failed: no set applied. */
		dv_diag_add_error(&s->h.diag, &err);
		for (SQLULEN i = 0; i < sets; i++)
			if (st[i] != SQL_PARAM_UNUSED)
				st[i] = SQL_PARAM_ERROR;
	}
	SQLULEN errors = 0;
	for (SQLULEN i = 0; i < sets; i++) {
		set_status(s, i, st[i]);
		errors += st[i] == SQL_PARAM_ERROR;
	}
	free(st);
	set_processed(s, processed);
	write_done(s, ws.changes);
	if (processed > 0 && errors == processed)
		return SQL_ERROR;
	return dv_diag_success(&s->h.diag);
}

/* Runs the SELECT with the first set from `from` that is not ignored:
 * SQL_NO_DATA when none is left. */
static SQLRETURN run_select(struct dv_stmt *s, SQLULEN from)
{
	struct dv_error err;
	SQLULEN set = from;
	while (set < s->psets && set_ignored(s, set))
		set_status(s, set++, SQL_PARAM_UNUSED);
	if (set >= s->psets)
		return SQL_NO_DATA;
	dv_error_clear(&err);
	set_processed(s, set + 1);
	s->pset_next = set + 1;
	s->h.diag.default_row = s->psets > 1 ? (SQLLEN)set + 1 : 0;
	SQLRETURN rc = dv_params_bind_set(s, set);
	int r = rc == SQL_SUCCESS ? dv_engine_step(s->dbc->engine, s->vm, &err) : -1;
	if (rc == SQL_SUCCESS && r < 0) {
		if (s->cancelled && err.state != DV_S_HY008)
			dv_error_set(&err, DV_S_HY008, 0, NULL);
		dv_diag_add_error(&s->h.diag, &err);
		sqlite3_reset(s->vm);
	}
	s->h.diag.default_row = 0;
	set_status(s, set, r < 0 ? SQL_PARAM_ERROR : SQL_PARAM_SUCCESS);
	if (r < 0)
		return SQL_ERROR;
	s->have_row = r == 1;
	s->at_end = r == 0;
	s->state = DV_ST_CURSOR;
	s->row_count = -1;
	s->h.diag.row_count = -1;
	return dv_diag_success(&s->h.diag);
}

/* SQL_ATTR_QUERY_TIMEOUT covers the execution: requests (the HTTP layer)
 * and local work (the engine's progress handler), until the first row or
 * the end of a write. */
static void timeout_begin(struct dv_stmt *s)
{
	dv_http_set_timeout(s->dbc->http, (long)s->query_timeout);
	dv_engine_set_timeout(s->dbc->engine, (unsigned long)s->query_timeout);
}

static void timeout_end(struct dv_stmt *s)
{
	dv_http_set_timeout(s->dbc->http, 0);
	dv_engine_set_timeout(s->dbc->engine, 0);
}

SQLRETURN dv_stmt_run(struct dv_stmt *s)
{
	SQLRETURN rc;
	dv_http_reset_cancel(s->dbc->http);
	timeout_begin(s);
	for (SQLULEN i = 0; i < s->psets && s->ipd.array_status_ptr; i++)
		set_status(s, i, SQL_PARAM_UNUSED);
	set_processed(s, 0);
	if (s->kind == DV_KIND_CALL) {
		rc = dv_call_run(s);
	} else if (sqlite3_column_count(s->vm) > 0) {
		rc = run_select(s, 0);
		if (rc == SQL_NO_DATA) {
			/* Every set ignored: nothing ran, no result set. */
			s->state = DV_ST_EXECUTED;
			s->row_count = -1;
			rc = SQL_SUCCESS;
		}
	} else if (s->psets > 1) {
		rc = run_write_array(s, s->psets);
	} else {
		rc = run_write_one(s);
	}
	timeout_end(s);
	return rc;
}

SQLRETURN dv_stmt_execute(struct dv_stmt *s)
{
	SQLRETURN rc = need_connection(s);
	if (rc != SQL_SUCCESS)
		return rc;
	if (s->need_data)
		return dv_diag_error(&s->h.diag, DV_S_HY010,
				     "data-at-execution parameters are still awaited");
	if (!s->vm)
		return dv_diag_error(&s->h.diag, DV_S_HY010, "no statement is prepared");
	if (s->state == DV_ST_CURSOR)
		return dv_diag_error(&s->h.diag, DV_S_24000, "a cursor is open");
	dv_stmt_close_cursor(s);
	s->cancelled = 0;
	s->psets = s->nparams > 0 && s->apd->array_size > 1 ? s->apd->array_size : 1;
	s->pset_next = 0;
	if (s->nparams > 0) {
		long n = dv_dae_collect(s, s->psets);
		if (n < 0)
			return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		if (n > 0) {
			s->need_data = 1;
			return SQL_NEED_DATA;
		}
	}
	return dv_stmt_run(s);
}

/* SQLMoreResults: the next parameter set's result of a SELECT. */
SQLRETURN dv_stmt_next_param_set(struct dv_stmt *s)
{
	if (!s->vm || sqlite3_column_count(s->vm) == 0 || s->pset_next == 0 ||
	    s->pset_next >= s->psets)
		return SQL_NO_DATA;
	dv_stmt_close_cursor(s);
	SQLULEN from = s->pset_next;
	s->pset_next = s->psets;
	s->cancelled = 0;
	dv_http_reset_cancel(s->dbc->http);
	timeout_begin(s);
	SQLRETURN rc = run_select(s, from);
	timeout_end(s);
	return rc;
}

SQLRETURN dv_stmt_exec_direct(struct dv_stmt *s, const char *sql)
{
	SQLRETURN rc = dv_stmt_prepare(s, sql);
	if (!SQL_SUCCEEDED(rc))
		return rc;
	return dv_stmt_execute(s);
}

SQLRETURN dv_stmt_num_params(struct dv_stmt *s, SQLSMALLINT *n)
{
	if (!s->vm)
		return dv_diag_error(&s->h.diag, DV_S_HY010, "no statement is prepared");
	if (n)
		*n = (SQLSMALLINT)s->nparams;
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_native_sql(struct dv_dbc *dbc, const char *sql, char **out)
{
	struct dv_error err;
	struct sql_rewrite rw;
	dv_error_clear(&err);
	memset(&rw, 0, sizeof(rw));
	if (!dbc->connected)
		return dv_diag_error(&dbc->h.diag, DV_S_08003, NULL);
	dv_engine_guard_user_sql(dbc->engine);
	if (sqlparse_rewrite(sql, strlen(sql), &rw, &err) != 0) {
		dv_diag_add_error(&dbc->h.diag, &err);
		return SQL_ERROR;
	}
	char *text = dv_engine_explain(dbc->engine, rw.sql, &err);
	sqlparse_rewrite_free(&rw);
	if (!text) {
		dv_diag_add_error(&dbc->h.diag, &err);
		return SQL_ERROR;
	}
	*out = text;
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_cancel(struct dv_stmt *s)
{
	/* Called without the statement lock: it may be running in another thread.
	 * https://learn.microsoft.com/sql/odbc/reference/develop-app/canceling-functions-in-multithread-applications
	 * Waiting for data-at-execution values, nothing runs: the execution
	 * is cancelled (the function sequence is back to before SQLExecute). */
	if (s->need_data) {
		dv_dae_reset(s);
		return SQL_SUCCESS;
	}
	s->cancelled = 1;
	if (s->dbc->engine)
		dv_engine_interrupt(s->dbc->engine);
	if (s->dbc->http)
		dv_http_cancel(s->dbc->http);
	return SQL_SUCCESS;
}
