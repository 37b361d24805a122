/* stmt.c - the statement handle: lifetime, cursor state and attributes.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetstmtattr-function */
#include "odbc/dbc.h"
#include "odbc/stmt.h"
#include "odbc/params.h"
#include "odbc/scroll.h"
#include "odbc/types.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dv_stmt_odbc2(const struct dv_stmt *s)
{
	return dv_dbc_odbc2(s->dbc);
}

SQLRETURN dv_stmt_alloc(struct dv_dbc *dbc, struct dv_stmt **out)
{
	if (!dbc->connected)
		return dv_diag_error(&dbc->h.diag, DV_S_08003, NULL);
	struct dv_stmt *s = calloc(1, sizeof(*s));
	if (!s)
		return dv_diag_error(&dbc->h.diag, DV_S_HY001, NULL);
	if (dv_handle_init(&s->h, DV_H_STMT, &dbc->h) != 0) {
		free(s);
		return dv_diag_error(&dbc->h.diag, DV_S_HY001, NULL);
	}
	s->dbc = dbc;
	dv_desc_init(&s->ard_impl, DV_DESC_ARD, dbc, s);
	dv_desc_init(&s->apd_impl, DV_DESC_APD, dbc, s);
	dv_desc_init(&s->ird, DV_DESC_IRD, dbc, s);
	dv_desc_init(&s->ipd, DV_DESC_IPD, dbc, s);
	/* Implicit descriptors are handles of their own (SQLGetStmtAttr hands them out). */
	struct dv_desc *descs[] = {&s->ard_impl, &s->apd_impl, &s->ird, &s->ipd};
	for (int i = 0; i < 4; i++) {
		dv_handle_init(&descs[i]->h, DV_H_DESC, &s->h);
		descs[i]->kind = (enum dv_desc_kind)i;
	}
	s->ard_impl.kind = DV_DESC_ARD;
	s->apd_impl.kind = DV_DESC_APD;
	s->ird.kind = DV_DESC_IRD;
	s->ipd.kind = DV_DESC_IPD;
	s->ard = &s->ard_impl;
	s->apd = &s->apd_impl;
	s->state = DV_ST_ALLOCATED;
	s->row_count = -1;
	s->cursor_type = SQL_CURSOR_FORWARD_ONLY;
	s->concurrency = SQL_CONCUR_READ_ONLY;
	s->cursor_scrollable = SQL_NONSCROLLABLE;
	s->cursor_sensitivity = SQL_INSENSITIVE;
	s->noscan = SQL_NOSCAN_OFF;
	s->retrieve_data = SQL_RD_ON;
	s->async_enable = SQL_ASYNC_ENABLE_OFF;
	s->use_bookmarks = SQL_UB_OFF;
	s->simulate_cursor = SQL_SC_UNIQUE;
	s->rowset_size = 1;
	s->metadata_id = dbc->metadata_id;
	if (dv_dbc_add_stmt(dbc, s) != 0) {
		dv_stmt_free(s);
		return dv_diag_error(&dbc->h.diag, DV_S_HY001, NULL);
	}
	*out = s;
	return SQL_SUCCESS;
}

void dv_stmt_close_cursor(struct dv_stmt *s)
{
	if (s->vm)
		sqlite3_reset(s->vm);
	dv_scroll_free(s->scroll);
	s->scroll = NULL;
	dv_rowset_free(s->rowset);
	s->rowset = NULL;
	s->have_row = 0;
	s->at_end = 0;
	s->row_valid = 0;
	s->rs_next = s->rs_cur = 0;
	s->rows_fetched = 0;
	s->gd_col = 0;
	s->gd_offset = 0;
	if (s->state == DV_ST_CURSOR)
		s->state = s->vm ? DV_ST_PREPARED : DV_ST_ALLOCATED;
}

void dv_stmt_unprepare(struct dv_stmt *s)
{
	dv_stmt_close_cursor(s);
	dv_dae_reset(s);
	if (s->vm)
		sqlite3_finalize(s->vm);
	s->vm = NULL;
	dv_freep(&s->sql);
	s->nparams = 0;
	s->where_param = 0;
	s->row_count = -1;
	dv_desc_clear_records(&s->ird);
	s->state = DV_ST_ALLOCATED;
}

SQLRETURN dv_stmt_free(struct dv_stmt *s)
{
	dv_stmt_unprepare(s);
	dv_dbc_remove_stmt(s->dbc, s);
	struct dv_desc *descs[] = {&s->ard_impl, &s->apd_impl, &s->ird, &s->ipd};
	for (int i = 0; i < 4; i++) {
		dv_desc_destroy(descs[i]);
		dv_handle_destroy(&descs[i]->h);
	}
	free(s->cursor_name);
	dv_handle_destroy(&s->h);
	free(s);
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_free_stmt(struct dv_stmt *s, SQLUSMALLINT option)
{
	switch (option) {
	case SQL_CLOSE:
		dv_stmt_close_cursor(s);
		return SQL_SUCCESS;
	case SQL_UNBIND:
		dv_desc_clear_records(s->ard);
		return SQL_SUCCESS;
	case SQL_RESET_PARAMS:
		dv_desc_clear_records(s->apd);
		dv_desc_clear_records(&s->ipd);
		return SQL_SUCCESS;
	default:
		return dv_diag_error(&s->h.diag, DV_S_HY092, "SQLFreeStmt option %u",
				     (unsigned)option);
	}
}

SQLRETURN dv_stmt_close_cursor_checked(struct dv_stmt *s)
{
	if (s->state != DV_ST_CURSOR)
		return dv_diag_error(&s->h.diag, DV_S_24000, "no cursor is open");
	dv_stmt_close_cursor(s);
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_set_rowset(struct dv_stmt *s, struct dv_rowset *rs)
{
	dv_stmt_unprepare(s);
	if (dv_desc_ensure(&s->ird, (SQLSMALLINT)rs->ncols) != 0) {
		dv_rowset_free(rs);
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	}
	for (int i = 0; i < rs->ncols; i++) {
		const struct dv_rs_col *c = &rs->cols[i];
		if (dv_type_fill_rec(&s->ird.recs[i + 1], c->name, "", "", c->sql_type, NULL,
				     c->size, 0, c->nullable) != 0) {
			dv_rowset_free(rs);
			return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		}
		s->ird.recs[i + 1].updatable = SQL_ATTR_READONLY;
	}
	s->rowset = rs;
	s->state = DV_ST_CURSOR;
	s->row_count = -1;
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_set_cursor_name(struct dv_stmt *s, const char *name)
{
	if (!name || !*name)
		return dv_diag_error(&s->h.diag, DV_S_34000, "the cursor name is empty");
	if (dv_strncasecmp(name, "SQLCUR", 6) == 0 || dv_strncasecmp(name, "SQL_CUR", 7) == 0)
		return dv_diag_error(&s->h.diag, DV_S_34000,
				     "cursor names starting with SQLCUR or SQL_CUR are reserved");
	for (size_t i = 0; i < s->dbc->nstmts; i++) {
		struct dv_stmt *o = s->dbc->stmts[i];
		if (o != s && o->cursor_name && dv_strcasecmp(o->cursor_name, name) == 0)
			return dv_diag_error(&s->h.diag, DV_S_34000,
					     "cursor name \"%s\" is in use", name);
	}
	char *copy = dv_strdup(name);
	if (!copy)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	free(s->cursor_name);
	s->cursor_name = copy;
	return SQL_SUCCESS;
}

const char *dv_stmt_cursor_name(struct dv_stmt *s)
{
	if (!s->cursor_name) {
		char name[32];
		snprintf(name, sizeof(name), "SQL_CUR%lu", ++s->dbc->stmt_counter);
		s->cursor_name = dv_strdup(name);
	}
	return s->cursor_name ? s->cursor_name : "";
}

/* ---- attributes --------------------------------------------------------- */

static SQLRETURN changed(struct dv_stmt *s, const char *what)
{
	dv_diag_add(&s->h.diag, DV_S_01S02, 0, what, SQL_NO_ROW_NUMBER, SQL_NO_COLUMN_NUMBER);
	return SQL_SUCCESS_WITH_INFO;
}

static SQLRETURN set_desc_attr(struct dv_stmt *s, struct dv_desc **slot, struct dv_desc *impl,
			       SQLPOINTER value)
{
	if (!value) {
		*slot = impl;
		return SQL_SUCCESS;
	}
	struct dv_desc *d = (struct dv_desc *)dv_handle_check(value, DV_H_DESC);
	if (!d)
		return dv_diag_error(&s->h.diag, DV_S_HY024, "not a descriptor handle");
	if (d == impl) {
		*slot = impl;
		return SQL_SUCCESS;
	}
	if (d->alloc_type != SQL_DESC_ALLOC_USER || d->dbc != s->dbc)
		return dv_diag_error(&s->h.diag, DV_S_HY024,
				     "only an explicitly allocated descriptor of this connection "
				     "can be used");
	*slot = d;
	return SQL_SUCCESS;
}

/* Forward-only (streamed) or static (kept in the engine's store, see
 * scroll.c); keyset-driven and dynamic become static with 01S02.
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetstmtattr-function */
static SQLRETURN set_cursor_type(struct dv_stmt *s, SQLULEN v)
{
	if (s->state == DV_ST_CURSOR)
		return dv_diag_error(&s->h.diag, DV_S_24000, "a cursor is open");
	switch (v) {
	case SQL_CURSOR_FORWARD_ONLY:
	case SQL_CURSOR_STATIC:
		s->cursor_type = v;
		s->cursor_scrollable = v == SQL_CURSOR_STATIC ? SQL_SCROLLABLE : SQL_NONSCROLLABLE;
		return SQL_SUCCESS;
	case SQL_CURSOR_KEYSET_DRIVEN:
	case SQL_CURSOR_DYNAMIC:
		s->cursor_type = SQL_CURSOR_STATIC;
		s->cursor_scrollable = SQL_SCROLLABLE;
		return changed(s, "keyset-driven and dynamic cursors are not supported: the "
				  "cursor is static (SQL_CURSOR_STATIC)");
	default:
		return dv_diag_error(&s->h.diag, DV_S_HY024, "cursor type %lu",
				     (unsigned long)v);
	}
}

/* SQL_CONCUR_READ_ONLY (the default) or SQL_CONCUR_LOCK, which SQLSetPos
 * updates and deletes need: rows are changed by key, last writer wins, with
 * no lock or row version to check (nothing to lock at the service), which is
 * the least the ODBC values promise.  ROWVER and VALUES (optimistic checks
 * the driver does not make) become LOCK with 01S02.
 * https://learn.microsoft.com/sql/odbc/reference/develop-app/concurrency-types */
static SQLRETURN set_concurrency(struct dv_stmt *s, SQLULEN v)
{
	if (s->state == DV_ST_CURSOR)
		return dv_diag_error(&s->h.diag, DV_S_24000, "a cursor is open");
	switch (v) {
	case SQL_CONCUR_READ_ONLY:
	case SQL_CONCUR_LOCK:
		s->concurrency = v;
		return SQL_SUCCESS;
	case SQL_CONCUR_ROWVER:
	case SQL_CONCUR_VALUES:
		s->concurrency = SQL_CONCUR_LOCK;
		return changed(s, "optimistic concurrency is not supported: the concurrency is "
				  "SQL_CONCUR_LOCK (rows are changed by key, last writer wins)");
	default:
		return dv_diag_error(&s->h.diag, DV_S_HY024, "concurrency %lu", (unsigned long)v);
	}
}

SQLRETURN dv_stmt_set_attr(struct dv_stmt *s, SQLINTEGER attr, SQLPOINTER value,
			   SQLINTEGER len)
{
	SQLULEN v = (SQLULEN)(uintptr_t)value;
	switch (attr) {
	case SQL_ATTR_APP_ROW_DESC:
		return set_desc_attr(s, &s->ard, &s->ard_impl, value);
	case SQL_ATTR_APP_PARAM_DESC:
		return set_desc_attr(s, &s->apd, &s->apd_impl, value);
	case SQL_ATTR_IMP_ROW_DESC:
	case SQL_ATTR_IMP_PARAM_DESC:
	case SQL_ATTR_ROW_NUMBER:
		return dv_diag_error(&s->h.diag, DV_S_HY092,
				     "statement attribute %d is read-only", (int)attr);
	case SQL_ATTR_ASYNC_ENABLE:
		if (v != SQL_ASYNC_ENABLE_OFF)
			return dv_diag_error(&s->h.diag, DV_S_HYC00,
					     "asynchronous execution is not supported");
		return SQL_SUCCESS;
	case SQL_ATTR_CONCURRENCY:
		return set_concurrency(s, v);
	case SQL_ATTR_CURSOR_TYPE:
		return set_cursor_type(s, v);
	case SQL_ATTR_CURSOR_SCROLLABLE:
		if (s->state == DV_ST_CURSOR)
			return dv_diag_error(&s->h.diag, DV_S_24000, "a cursor is open");
		if (v != SQL_NONSCROLLABLE && v != SQL_SCROLLABLE)
			return dv_diag_error(&s->h.diag, DV_S_HY024,
					     "SQL_ATTR_CURSOR_SCROLLABLE is SQL_NONSCROLLABLE or "
					     "SQL_SCROLLABLE");
		/* Scrollable means static here (the only scrollable kind). */
		s->cursor_scrollable = v;
		s->cursor_type = v == SQL_SCROLLABLE ? SQL_CURSOR_STATIC : SQL_CURSOR_FORWARD_ONLY;
		return SQL_SUCCESS;
	case SQL_ATTR_CURSOR_SENSITIVITY:
		if (v == SQL_SENSITIVE)
			return dv_diag_error(&s->h.diag, DV_S_HYC00,
					     "sensitive cursors are not supported");
		s->cursor_sensitivity = v;
		return SQL_SUCCESS;
	case SQL_ATTR_ENABLE_AUTO_IPD:
		if (v != SQL_FALSE)
			return dv_diag_error(&s->h.diag, DV_S_HYC00,
					     "automatic IPD population is not supported");
		return SQL_SUCCESS;
	case SQL_ATTR_KEYSET_SIZE: s->keyset_size = v; return SQL_SUCCESS;
	case SQL_ATTR_MAX_LENGTH: s->max_length = v; return SQL_SUCCESS;
	case SQL_ATTR_MAX_ROWS: s->max_rows = v; return SQL_SUCCESS;
	case SQL_ATTR_METADATA_ID: s->metadata_id = v ? SQL_TRUE : SQL_FALSE; return SQL_SUCCESS;
	case SQL_ATTR_NOSCAN: s->noscan = v; return SQL_SUCCESS;
	case SQL_ATTR_QUERY_TIMEOUT: s->query_timeout = v; return SQL_SUCCESS;
	case SQL_ATTR_RETRIEVE_DATA:
		if (v != SQL_RD_ON && v != SQL_RD_OFF)
			return dv_diag_error(&s->h.diag, DV_S_HY024, NULL);
		s->retrieve_data = v;
		return SQL_SUCCESS;
	case SQL_ATTR_SIMULATE_CURSOR: s->simulate_cursor = v; return SQL_SUCCESS;
	case SQL_ATTR_USE_BOOKMARKS:
		if (s->state == DV_ST_CURSOR)
			return dv_diag_error(&s->h.diag, DV_S_24000, "a cursor is open");
		if (v != SQL_UB_OFF && v != SQL_UB_VARIABLE && v != SQL_UB_FIXED)
			return dv_diag_error(&s->h.diag, DV_S_HY024,
					     "SQL_ATTR_USE_BOOKMARKS is SQL_UB_OFF, SQL_UB_VARIABLE "
					     "or SQL_UB_FIXED");
		s->use_bookmarks = v;
		return SQL_SUCCESS;
	case SQL_ATTR_FETCH_BOOKMARK_PTR: s->fetch_bookmark_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_ROW_ARRAY_SIZE:
		if (v == 0)
			return dv_diag_error(&s->h.diag, DV_S_HY024, "the row array size is 0");
		s->ard->array_size = v;
		return SQL_SUCCESS;
	case SQL_ROWSET_SIZE:
		if (v == 0)
			return dv_diag_error(&s->h.diag, DV_S_HY024, "the rowset size is 0");
		s->rowset_size = v;
		return SQL_SUCCESS;
	case SQL_ATTR_ROW_BIND_TYPE: s->ard->bind_type = v; return SQL_SUCCESS;
	case SQL_ATTR_ROW_BIND_OFFSET_PTR: s->ard->bind_offset_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_ROW_STATUS_PTR: s->ird.array_status_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_ROWS_FETCHED_PTR: s->ird.rows_processed_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_ROW_OPERATION_PTR: s->ard->array_status_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_PARAM_BIND_OFFSET_PTR: s->apd->bind_offset_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_PARAM_BIND_TYPE: s->apd->bind_type = v; return SQL_SUCCESS;
	case SQL_ATTR_PARAM_OPERATION_PTR: s->apd->array_status_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_PARAM_STATUS_PTR: s->ipd.array_status_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_PARAMS_PROCESSED_PTR: s->ipd.rows_processed_ptr = value; return SQL_SUCCESS;
	case SQL_ATTR_PARAMSET_SIZE:
		if (v == 0)
			return dv_diag_error(&s->h.diag, DV_S_HY024,
					     "the parameter set size is 0");
		s->apd->array_size = v;
		return SQL_SUCCESS;
	default:
		return dv_diag_error(&s->h.diag, DV_S_HY092,
				     "statement attribute %d is not supported", (int)attr);
	}
}

SQLRETURN dv_stmt_get_attr(struct dv_stmt *s, SQLINTEGER attr, SQLPOINTER value,
			   SQLINTEGER buflen, SQLINTEGER *outlen)
{
	SQLULEN v = 0;
	SQLPOINTER p = NULL;
	int is_ptr = 0;
	switch (attr) {
	case SQL_ATTR_APP_ROW_DESC: p = s->ard; is_ptr = 1; break;
	case SQL_ATTR_APP_PARAM_DESC: p = s->apd; is_ptr = 1; break;
	case SQL_ATTR_IMP_ROW_DESC: p = &s->ird; is_ptr = 1; break;
	case SQL_ATTR_IMP_PARAM_DESC: p = &s->ipd; is_ptr = 1; break;
	case SQL_ATTR_ASYNC_ENABLE: v = SQL_ASYNC_ENABLE_OFF; break;
	case SQL_ATTR_CONCURRENCY: v = s->concurrency; break;
	case SQL_ATTR_CURSOR_TYPE: v = s->cursor_type; break;
	case SQL_ATTR_CURSOR_SCROLLABLE: v = s->cursor_scrollable; break;
	case SQL_ATTR_CURSOR_SENSITIVITY: v = s->cursor_sensitivity; break;
	case SQL_ATTR_ENABLE_AUTO_IPD: v = SQL_FALSE; break;
	case SQL_ATTR_KEYSET_SIZE: v = s->keyset_size; break;
	case SQL_ATTR_MAX_LENGTH: v = s->max_length; break;
	case SQL_ATTR_MAX_ROWS: v = s->max_rows; break;
	case SQL_ATTR_METADATA_ID: v = s->metadata_id; break;
	case SQL_ATTR_NOSCAN: v = s->noscan; break;
	case SQL_ATTR_QUERY_TIMEOUT: v = s->query_timeout; break;
	case SQL_ATTR_RETRIEVE_DATA: v = s->retrieve_data; break;
	case SQL_ATTR_SIMULATE_CURSOR: v = s->simulate_cursor; break;
	case SQL_ATTR_USE_BOOKMARKS: v = s->use_bookmarks; break;
	case SQL_ATTR_ROW_ARRAY_SIZE: v = s->ard->array_size; break;
	case SQL_ROWSET_SIZE: v = s->rowset_size; break;
	case SQL_ATTR_ROW_BIND_TYPE: v = s->ard->bind_type; break;
	case SQL_ATTR_ROW_NUMBER:
		if (s->state != DV_ST_CURSOR)
			return dv_diag_error(&s->h.diag, DV_S_24000, "no cursor is open");
		v = !s->row_valid ? 0 : s->scroll ? dv_scroll_row_number(s) : s->rows_fetched;
		break;
	case SQL_ATTR_ROW_BIND_OFFSET_PTR: p = s->ard->bind_offset_ptr; is_ptr = 1; break;
	case SQL_ATTR_ROW_STATUS_PTR: p = s->ird.array_status_ptr; is_ptr = 1; break;
	case SQL_ATTR_ROWS_FETCHED_PTR: p = s->ird.rows_processed_ptr; is_ptr = 1; break;
	case SQL_ATTR_ROW_OPERATION_PTR: p = s->ard->array_status_ptr; is_ptr = 1; break;
	case SQL_ATTR_PARAM_BIND_OFFSET_PTR: p = s->apd->bind_offset_ptr; is_ptr = 1; break;
	case SQL_ATTR_PARAM_BIND_TYPE: v = s->apd->bind_type; break;
	case SQL_ATTR_PARAM_OPERATION_PTR: p = s->apd->array_status_ptr; is_ptr = 1; break;
	case SQL_ATTR_PARAM_STATUS_PTR: p = s->ipd.array_status_ptr; is_ptr = 1; break;
	case SQL_ATTR_PARAMS_PROCESSED_PTR: p = s->ipd.rows_processed_ptr; is_ptr = 1; break;
	case SQL_ATTR_PARAMSET_SIZE: v = s->apd->array_size; break;
	case SQL_ATTR_FETCH_BOOKMARK_PTR: p = s->fetch_bookmark_ptr; is_ptr = 1; break;
	default:
		return dv_diag_error(&s->h.diag, DV_S_HY092,
				     "statement attribute %d is not supported", (int)attr);
	}
	if (value) {
		if (is_ptr)
			*(SQLPOINTER *)value = p;
		else
			*(SQLULEN *)value = v;
	}
	if (outlen)
		*outlen = is_ptr ? (SQLINTEGER)sizeof(SQLPOINTER) : (SQLINTEGER)sizeof(SQLULEN);
	return SQL_SUCCESS;
}
