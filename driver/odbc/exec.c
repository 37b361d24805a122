/* exec.c - preparing and executing statements, binding parameters.
 *
 * Owns: SQLPrepare/SQLExecute/SQLExecDirect internals (sqlparse_rewrite ->
 * dv_engine_prepare -> IRD from dv_engine_describe -> parameters from the
 * APD/IPD bound into the SQLite statement -> first dv_engine_step, so that
 * errors surface at execute time), SQLBindParameter as descriptor writes,
 * SQLNativeSql (dv_engine_explain) and SQLCancel.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlbindparameter-function */
#include "odbc/stmt.h"
#include "odbc/convert.h"
#include "odbc/types.h"
#include "odbc/unicode.h"
#include "engine/engine.h"
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
	if (sqlparse_rewrite(sql, strlen(sql), &rw, &err) != 0) {
		dv_diag_add_error(&s->h.diag, &err);
		return SQL_ERROR;
	}
	s->sql = rw.sql;
	rw.sql = NULL;
	s->kind = rw.kind;
	s->nparams = rw.nparams;
	sqlparse_rewrite_free(&rw);
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

/* ---- parameters ---------------------------------------------------------- */

SQLRETURN dv_stmt_bind_param(struct dv_stmt *s, SQLUSMALLINT n, SQLSMALLINT io_type,
			     SQLSMALLINT c_type, SQLSMALLINT sql_type, SQLULEN size,
			     SQLSMALLINT digits, SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind)
{
	if (n < 1)
		return dv_diag_error(&s->h.diag, DV_S_07009, "parameter number %u", (unsigned)n);
	if (io_type != SQL_PARAM_INPUT)
		return dv_diag_error(&s->h.diag, DV_S_HYC00,
				     "only input parameters are supported");
	if (!dv_c_type_valid(c_type))
		return dv_diag_error(&s->h.diag, DV_S_HY003, "C type %d", (int)c_type);
	if (dv_desc_ensure(s->apd, (SQLSMALLINT)n) != 0 ||
	    dv_desc_ensure(&s->ipd, (SQLSMALLINT)n) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	struct dv_desc_rec *a = &s->apd->recs[n];
	struct dv_desc_rec *i = &s->ipd.recs[n];
	a->concise_type = c_type;
	a->type = dv_verbose_type(c_type);
	a->datetime_interval_code = dv_datetime_code(c_type);
	a->data_ptr = ptr;
	a->octet_length = buflen;
	a->octet_length_ptr = ind;
	a->indicator_ptr = ind;
	sql_type = dv_sql_type_odbc3(sql_type);
	i->concise_type = sql_type;
	i->type = dv_verbose_type(sql_type);
	i->datetime_interval_code = dv_datetime_code(sql_type);
	i->length = size;
	i->precision = dv_type_is_numeric(sql_type) ? (SQLSMALLINT)size : digits;
	i->scale = digits;
	i->parameter_type = io_type;
	return SQL_SUCCESS;
}

static char *elem_addr(const struct dv_desc *d, const struct dv_desc_rec *r, void *base,
		       SQLULEN row, SQLLEN elem_size)
{
	if (!base)
		return NULL;
	char *p = base;
	if (d->bind_offset_ptr)
		p += *d->bind_offset_ptr;
	if (d->bind_type == SQL_BIND_BY_COLUMN)
		p += (SQLLEN)row * elem_size;
	else
		p += (SQLLEN)row * (SQLLEN)d->bind_type;
	return p;
}

static SQLRETURN bind_text(struct dv_stmt *s, int idx, const char *txt, size_t len,
			   SQLSMALLINT ipd_type)
{
	if (dv_type_is_numeric(ipd_type) || ipd_type == SQL_BIT) {
		char *copy = dv_strndup(txt, len);
		int64_t iv;
		char *end;
		if (copy && dv_parse_int64(copy, &iv) == 0) {
			free(copy);
			sqlite3_bind_int64(s->vm, idx, iv);
			return SQL_SUCCESS;
		}
		if (copy && ipd_type != SQL_DECIMAL && ipd_type != SQL_NUMERIC) {
			double d = strtod(copy, &end);
			if (end != copy && *end == '\0') {
				free(copy);
				sqlite3_bind_double(s->vm, idx, d);
				return SQL_SUCCESS;
			}
		}
		free(copy);
	}
	sqlite3_bind_text(s->vm, idx, txt, (int)len, SQLITE_TRANSIENT);
	return SQL_SUCCESS;
}

/* SQL_NUMERIC_STRUCT (little-endian magnitude, sign 1 = positive) as text. */
static void numeric_to_text(const SQL_NUMERIC_STRUCT *ns, char *out, size_t size)
{
	unsigned __int128 acc = 0;
	char rev[64], digits[96];
	int nd = 0;
	for (int k = SQL_MAX_NUMERIC_LEN - 1; k >= 0; k--)
		acc = (acc << 8) | ns->val[k];
	do {
		rev[nd++] = (char)('0' + (int)(acc % 10));
		acc /= 10;
	} while (acc > 0 && nd < 60);
	int scale = ns->scale;
	while (scale > 0 && nd <= scale)
		rev[nd++] = '0';
	size_t o = 0;
	for (int k = nd - 1; k >= 0; k--) {
		digits[o++] = rev[k];
		if (scale > 0 && k == scale)
			digits[o++] = '.';
	}
	for (int k = 0; k < -scale && o < sizeof(digits) - 1; k++)
		digits[o++] = '0';
	digits[o] = '\0';
	snprintf(out, size, "%s%s", ns->sign ? "" : "-", digits);
}

/* Binds parameter n (1-based) of parameter set row. */
static SQLRETURN bind_one(struct dv_stmt *s, int n, SQLULEN row)
{
	struct dv_desc *apd = s->apd;
	if (n > apd->count || n > s->ipd.count ||
	    (!apd->recs[n].data_ptr && !apd->recs[n].indicator_ptr))
		return dv_diag_error(&s->h.diag, DV_S_07002,
				     "parameter %d is not bound (%d markers)", n, s->nparams);
	struct dv_desc_rec *a = &apd->recs[n];
	struct dv_desc_rec *ip = &s->ipd.recs[n];
	SQLSMALLINT c = a->concise_type;
	if (c == SQL_C_DEFAULT)
		c = dv_default_c_type(ip->concise_type);
	SQLLEN esize = dv_c_type_size(c);
	if (esize == 0)
		esize = a->octet_length;
	char *data = elem_addr(apd, a, a->data_ptr, row, esize);
	SQLLEN *ind = (SQLLEN *)elem_addr(apd, a, a->indicator_ptr, row, sizeof(SQLLEN));
	SQLLEN *lenp = (SQLLEN *)elem_addr(apd, a, a->octet_length_ptr, row, sizeof(SQLLEN));
	if (ind && *ind == SQL_NULL_DATA) {
		sqlite3_bind_null(s->vm, n);
		return SQL_SUCCESS;
	}
	if ((ind && (*ind == SQL_DATA_AT_EXEC || *ind <= SQL_LEN_DATA_AT_EXEC_OFFSET)))
		return dv_diag_error(&s->h.diag, DV_S_HYC00,
				     "data-at-execution parameters are not supported");
	if (!data) {
		sqlite3_bind_null(s->vm, n);
		return SQL_SUCCESS;
	}
	char tmp[64];
	switch (c) {
	case SQL_C_CHAR: {
		size_t len = !lenp || *lenp == SQL_NTS ? strlen(data) : (size_t)*lenp;
		return bind_text(s, n, data, len, ip->concise_type);
	}
	case SQL_C_WCHAR: {
		size_t units = 0;
		if (!lenp || *lenp == SQL_NTS)
			while (((SQLWCHAR *)data)[units])
				units++;
		else
			units = (size_t)*lenp / sizeof(SQLWCHAR);
		size_t len;
		char *u = dv_utf16_to_utf8((SQLWCHAR *)data, units, &len);
		if (!u)
			return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		SQLRETURN rc = bind_text(s, n, u, len, ip->concise_type);
		free(u);
		return rc;
	}
	case SQL_C_BINARY: {
		size_t len = lenp ? (size_t)*lenp : (size_t)a->octet_length;
		sqlite3_bind_blob(s->vm, n, data, (int)len, SQLITE_TRANSIENT);
		return SQL_SUCCESS;
	}
	case SQL_C_STINYINT: case SQL_C_TINYINT:
		sqlite3_bind_int64(s->vm, n, *(SQLSCHAR *)data); return SQL_SUCCESS;
	case SQL_C_UTINYINT: case SQL_C_BIT:
		sqlite3_bind_int64(s->vm, n, *(SQLCHAR *)data); return SQL_SUCCESS;
	case SQL_C_SSHORT: case SQL_C_SHORT:
		sqlite3_bind_int64(s->vm, n, *(SQLSMALLINT *)data); return SQL_SUCCESS;
	case SQL_C_USHORT:
		sqlite3_bind_int64(s->vm, n, *(SQLUSMALLINT *)data); return SQL_SUCCESS;
	case SQL_C_SLONG: case SQL_C_LONG:
		sqlite3_bind_int64(s->vm, n, *(SQLINTEGER *)data); return SQL_SUCCESS;
	case SQL_C_ULONG:
		sqlite3_bind_int64(s->vm, n, *(SQLUINTEGER *)data); return SQL_SUCCESS;
	case SQL_C_SBIGINT:
		sqlite3_bind_int64(s->vm, n, *(SQLBIGINT *)data); return SQL_SUCCESS;
	case SQL_C_UBIGINT:
		if (*(SQLUBIGINT *)data > INT64_MAX)
			return dv_diag_error(&s->h.diag, DV_S_22003, "parameter %d", n);
		sqlite3_bind_int64(s->vm, n, (sqlite3_int64)*(SQLUBIGINT *)data);
		return SQL_SUCCESS;
	case SQL_C_FLOAT:
		sqlite3_bind_double(s->vm, n, *(SQLREAL *)data); return SQL_SUCCESS;
	case SQL_C_DOUBLE:
		sqlite3_bind_double(s->vm, n, *(SQLDOUBLE *)data); return SQL_SUCCESS;
	case SQL_C_NUMERIC: {
		char num[128];
		numeric_to_text((const SQL_NUMERIC_STRUCT *)data, num, sizeof(num));
		return bind_text(s, n, num, strlen(num), SQL_DECIMAL);
	}
	case SQL_C_TYPE_DATE: case SQL_C_DATE: {
		const SQL_DATE_STRUCT *d = (const SQL_DATE_STRUCT *)data;
		snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u", d->year, d->month, d->day);
		break;
	}
	case SQL_C_TYPE_TIME: case SQL_C_TIME: {
		const SQL_TIME_STRUCT *t = (const SQL_TIME_STRUCT *)data;
		snprintf(tmp, sizeof(tmp), "%02u:%02u:%02u", t->hour, t->minute, t->second);
		break;
	}
	case SQL_C_TYPE_TIMESTAMP: case SQL_C_TIMESTAMP: {
		const SQL_TIMESTAMP_STRUCT *t = (const SQL_TIMESTAMP_STRUCT *)data;
		if (ip->concise_type == SQL_TYPE_DATE)
			snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u", t->year, t->month, t->day);
		else if (t->fraction)
			snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u %02u:%02u:%02u.%03u", t->year,
				 t->month, t->day, t->hour, t->minute, t->second,
				 (unsigned)(t->fraction / 1000000));
		else
			snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u %02u:%02u:%02u", t->year,
				 t->month, t->day, t->hour, t->minute, t->second);
		break;
	}
	case SQL_C_GUID: {
		const SQLGUID *g = (const SQLGUID *)data;
		snprintf(tmp, sizeof(tmp),
			 "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned)g->Data1,
			 g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3],
			 g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
		break;
	}
	default:
		return dv_diag_error(&s->h.diag, DV_S_HYC00, "parameter C type %d", (int)c);
	}
	sqlite3_bind_text(s->vm, n, tmp, -1, SQLITE_TRANSIENT);
	return SQL_SUCCESS;
}

/* ---- execute -------------------------------------------------------------- */

static SQLRETURN run_once(struct dv_stmt *s, SQLULEN row)
{
	struct dv_error err;
	dv_error_clear(&err);
	sqlite3_reset(s->vm);
	sqlite3_clear_bindings(s->vm);
	for (int n = 1; n <= s->nparams; n++) {
		SQLRETURN rc = bind_one(s, n, row);
		if (rc != SQL_SUCCESS)
			return rc;
	}
	int r = dv_engine_step(s->dbc->engine, s->vm, &err);
	if (r < 0) {
		if (s->cancelled && err.state != DV_S_HY008)
			dv_error_set(&err, DV_S_HY008, 0, NULL);
		dv_diag_add_error(&s->h.diag, &err);
		sqlite3_reset(s->vm);
		return SQL_ERROR;
	}
	s->have_row = r == 1;
	s->at_end = r == 0;
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_execute(struct dv_stmt *s)
{
	SQLRETURN rc = need_connection(s);
	if (rc != SQL_SUCCESS)
		return rc;
	if (!s->vm)
		return dv_diag_error(&s->h.diag, DV_S_HY010, "no statement is prepared");
	if (s->state == DV_ST_CURSOR)
		return dv_diag_error(&s->h.diag, DV_S_24000, "a cursor is open");
	dv_stmt_close_cursor(s);
	s->cancelled = 0;
	dv_http_reset_cancel(s->dbc->http);
	dv_http_set_timeout(s->dbc->http, (long)s->query_timeout);
	int has_result = sqlite3_column_count(s->vm) > 0;
	/* SQL_PARAM_ARRAY_SELECTS is SQL_PAS_NO_SELECT: refuse rather than
	 * answer for the first parameter set only. */
	if (has_result && s->nparams > 0 && s->apd->array_size > 1)
		return dv_diag_error(&s->h.diag, DV_S_HYC00,
				     "a SELECT cannot run with a parameter array "
				     "(SQL_ATTR_PARAMSET_SIZE %lu)",
				     (unsigned long)s->apd->array_size);
	SQLULEN sets = has_result ? 1 : s->apd->array_size;
	if (sets == 0)
		sets = 1;
	sqlite3 *db = dv_engine_db(s->dbc->engine);
	SQLLEN total = 0;
	SQLULEN done = 0;
	for (SQLULEN row = 0; row < sets; row++) {
		SQLUSMALLINT *ops = s->apd->array_status_ptr;
		if (ops && ops[row] == SQL_PARAM_IGNORE) {
			if (s->ipd.array_status_ptr)
				s->ipd.array_status_ptr[row] = SQL_PARAM_UNUSED;
			continue;
		}
		rc = run_once(s, row);
		done++;
		if (s->ipd.array_status_ptr)
			s->ipd.array_status_ptr[row] = rc == SQL_SUCCESS ? SQL_PARAM_SUCCESS
									 : SQL_PARAM_ERROR;
		if (rc != SQL_SUCCESS) {
			if (s->ipd.rows_processed_ptr)
				*s->ipd.rows_processed_ptr = done;
			dv_http_set_timeout(s->dbc->http, 0);
			return rc;
		}
		if (!has_result) {
			/* Run a write statement to its end. */
			struct dv_error err;
			dv_error_clear(&err);
			while (s->have_row) {
				int r = dv_engine_step(s->dbc->engine, s->vm, &err);
				if (r < 0) {
					dv_diag_add_error(&s->h.diag, &err);
					dv_http_set_timeout(s->dbc->http, 0);
					return SQL_ERROR;
				}
				s->have_row = r == 1;
			}
			total += sqlite3_changes(db);
		}
	}
	dv_http_set_timeout(s->dbc->http, 0);
	if (s->ipd.rows_processed_ptr)
		*s->ipd.rows_processed_ptr = done;
	if (has_result) {
		s->state = DV_ST_CURSOR;
		s->row_count = -1;
		s->h.diag.row_count = -1;
	} else {
		s->state = DV_ST_EXECUTED;
		s->row_count = total;
		s->h.diag.row_count = total;
		sqlite3_reset(s->vm);
	}
	return dv_diag_success(&s->h.diag);
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
	 * https://learn.microsoft.com/sql/odbc/reference/develop-app/canceling-functions-in-multithread-applications */
	s->cancelled = 1;
	if (s->dbc->engine)
		dv_engine_interrupt(s->dbc->engine);
	if (s->dbc->http)
		dv_http_cancel(s->dbc->http);
	return SQL_SUCCESS;
}
