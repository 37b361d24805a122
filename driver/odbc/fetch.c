/* fetch.c - rows into the application's buffers.
 *
 * Owns: SQLBindCol (ARD writes), fetching one rowset (SQL_ATTR_ROW_ARRAY_SIZE
 * rows, row-wise or column-wise binding, bind offsets, row status array,
 * rows-fetched count) from the engine's SQLite statement or an in-memory
 * rowset, SQLGetData in parts, SQLRowCount, SQLNumResultCols and
 * SQLMoreResults, the bookmark column (column 0) and SQL_ATTR_MAX_LENGTH.
 * A forward-only cursor streams: each fetch steps the engine's statement,
 * nothing is kept.  A static cursor's positioning is scroll.c's; the rows
 * go into the buffers through the same put_row and conversions.
 * Source: https://learn.microsoft.com/sql/odbc/reference/develop-app/block-cursors
 *         https://learn.microsoft.com/sql/odbc/reference/syntax/sqlgetdata-function */
#include "odbc/stmt.h"
#include "odbc/convert.h"
#include "odbc/scroll.h"
#include "odbc/types.h"
#include "engine/engine.h"

#include <string.h>

/* Column 0 can be bound or read: bookmarks are on and the C type is a
 * bookmark type.  SQL_SUCCESS, or the error (diagnostic added). */
static SQLRETURN check_bookmark_column(struct dv_stmt *s, SQLSMALLINT c_type)
{
	if (s->use_bookmarks == SQL_UB_OFF)
		return dv_diag_error(&s->h.diag, DV_S_07009,
				     "column 0 is the bookmark column: set SQL_ATTR_USE_BOOKMARKS "
				     "to SQL_UB_VARIABLE before executing to use it");
	if (c_type != SQL_C_BOOKMARK && c_type != SQL_C_VARBOOKMARK)
		return dv_diag_error(&s->h.diag, DV_S_HY003,
				     "the bookmark column takes SQL_C_BOOKMARK or "
				     "SQL_C_VARBOOKMARK, not C type %d", (int)c_type);
	return SQL_SUCCESS;
}

/* Column 0: the bookmark, a 4-byte row number (SQL_C_BOOKMARK, or as
 * SQL_C_VARBOOKMARK bytes).  It lives in the ARD's record 0.
 * https://learn.microsoft.com/sql/odbc/reference/develop-app/retrieving-bookmarks */
static SQLRETURN bind_bookmark(struct dv_stmt *s, SQLSMALLINT c_type, SQLPOINTER ptr,
			       SQLLEN buflen, SQLLEN *ind)
{
	if (dv_desc_ensure(s->ard, 0) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	struct dv_desc_rec *r = &s->ard->recs[0];
	if (!ptr && !ind) {
		r->data_ptr = NULL;
		r->indicator_ptr = NULL;
		r->octet_length_ptr = NULL;
		return SQL_SUCCESS;
	}
	SQLRETURN rc = check_bookmark_column(s, c_type);
	if (rc != SQL_SUCCESS)
		return rc;
	r->concise_type = c_type;
	r->type = c_type;
	r->octet_length = buflen;
	r->data_ptr = ptr;
	r->indicator_ptr = ind;
	r->octet_length_ptr = ind;
	return SQL_SUCCESS;
}

/* Writes bookmark `bm` as c_type (SQL_C_BOOKMARK: 4 bytes; SQL_C_VARBOOKMARK:
 * 4 bytes if buflen allows, 01004 otherwise). */
static SQLRETURN put_bookmark(struct dv_stmt *s, SQLULEN bm, SQLSMALLINT c_type, void *ptr,
			      SQLLEN buflen, SQLLEN *ind, SQLLEN row)
{
	SQLUINTEGER v = (SQLUINTEGER)bm;
	if (ind)
		*ind = (SQLLEN)sizeof(v);
	if (!ptr)
		return SQL_SUCCESS;
	if (c_type == SQL_C_VARBOOKMARK && buflen < (SQLLEN)sizeof(v)) {
		if (buflen > 0)
			memcpy(ptr, &v, (size_t)buflen);
		dv_diag_add(&s->h.diag, DV_S_01004, 0, "the bookmark is 4 bytes", row, 0);
		return SQL_SUCCESS_WITH_INFO;
	}
	memcpy(ptr, &v, sizeof(v));
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_bind_col(struct dv_stmt *s, SQLUSMALLINT col, SQLSMALLINT c_type,
			   SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind)
{
	if (buflen < 0)
		return dv_diag_error(&s->h.diag, DV_S_HY090, "buffer length %ld", (long)buflen);
	if (col == 0)
		return bind_bookmark(s, c_type, ptr, buflen, ind);
	if (!ptr && !ind) {
		/* Unbinds the column. */
		if (col <= s->ard->count) {
			struct dv_desc_rec *r = &s->ard->recs[col];
			r->data_ptr = NULL;
			r->indicator_ptr = NULL;
			r->octet_length_ptr = NULL;
			dv_desc_trim(s->ard);
		}
		return SQL_SUCCESS;
	}
	if (!dv_c_type_valid(c_type) && c_type != SQL_ARD_TYPE)
		return dv_diag_error(&s->h.diag, DV_S_HY003, "C type %d", (int)c_type);
	if (dv_desc_ensure(s->ard, (SQLSMALLINT)col) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	struct dv_desc_rec *r = &s->ard->recs[col];
	r->concise_type = c_type;
	r->type = dv_verbose_type(c_type);
	r->datetime_interval_code = dv_datetime_code(c_type);
	r->octet_length = buflen;
	r->data_ptr = ptr;
	r->indicator_ptr = ind;
	r->octet_length_ptr = ind;
	if (c_type == SQL_C_NUMERIC) {
		r->precision = 38;
		r->scale = 0;
	}
	return SQL_SUCCESS;
}

/* One sqlite3_column_value and the value_* accessors instead of a
 * sqlite3_column_* call per field (each of those looks the column up and
 * checks for a failed malloc again).  The value is read while the
 * connection lock is held, as every use of the engine's SQLite is. */
static inline void value_from_vm(sqlite3_stmt *vm, int i, struct dv_value *v)
{
	sqlite3_value *sv = sqlite3_column_value(vm, i);
	switch (sqlite3_value_type(sv)) {
	case SQLITE_INTEGER:
		*v = (struct dv_value){.type = DV_V_INT, .i = sqlite3_value_int64(sv)};
		break;
	case SQLITE_FLOAT:
		*v = (struct dv_value){.type = DV_V_DOUBLE, .d = sqlite3_value_double(sv)};
		break;
	case SQLITE_TEXT:
		*v = (struct dv_value){.type = DV_V_TEXT,
				       .s = (const char *)sqlite3_value_text(sv)};
		v->len = (size_t)sqlite3_value_bytes(sv);
		if (!v->s) {
			v->s = "";
			v->len = 0;
		}
		break;
	case SQLITE_BLOB:
		*v = (struct dv_value){.type = DV_V_BLOB, .s = sqlite3_value_blob(sv)};
		v->len = (size_t)sqlite3_value_bytes(sv);
		if (!v->s)
			v->s = "";
		break;
	default:
		*v = (struct dv_value){.type = DV_V_NULL};
		break;
	}
}

void dv_value_from_vm(sqlite3_stmt *vm, int i, struct dv_value *v)
{
	value_from_vm(vm, i, v);
}

static int is_char_or_binary(SQLSMALLINT t)
{
	switch (t) {
	case SQL_CHAR: case SQL_VARCHAR: case SQL_LONGVARCHAR:
	case SQL_WCHAR: case SQL_WVARCHAR: case SQL_WLONGVARCHAR:
	case SQL_BINARY: case SQL_VARBINARY: case SQL_LONGVARBINARY:
		return 1;
	default:
		return 0;
	}
}

/* SQL_ATTR_MAX_LENGTH: a character or binary column's value is cut to that
 * many bytes (text at a character boundary), silently: no 01004.
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetstmtattr-function
 * (SQL_ATTR_MAX_LENGTH) */
static void apply_max_length(const struct dv_stmt *s, int col, struct dv_value *v)
{
	if (s->max_length == 0 || v->len <= s->max_length || col > s->ird.count ||
	    (v->type != DV_V_TEXT && v->type != DV_V_BLOB) ||
	    !is_char_or_binary(s->ird.recs[col].concise_type))
		return;
	size_t n = (size_t)s->max_length;
	if (v->type == DV_V_TEXT)
		while (n > 0 && ((unsigned char)v->s[n] & 0xC0) == 0x80)
			n--;
	v->len = n;
}

/* Inlined into put_row (the exported functions are called through the
 * PLT, a cost per column). */
static inline void stmt_value(struct dv_stmt *s, int col, struct dv_value *v)
{
	if (s->scroll)
		dv_scroll_value(s, col, v);
	else if (s->rowset)
		*v = *dv_rowset_cell(s->rowset, s->rs_cur, col - 1);
	else if (s->vm)
		value_from_vm(s->vm, col - 1, v);
	else
		*v = (struct dv_value){.type = DV_V_NULL};
	if (s->max_length)
		apply_max_length(s, col, v);
}

void dv_stmt_value(struct dv_stmt *s, int col, struct dv_value *v)
{
	stmt_value(s, col, v);
}

/* Moves to the next row: 1 row, 0 end, -1 error (diag added). */
static int next_row(struct dv_stmt *s)
{
	if (s->max_rows > 0 && s->rows_fetched >= s->max_rows)
		return 0;
	if (s->rowset) {
		if (s->rs_next >= s->rowset->nrows)
			return 0;
		s->rs_cur = s->rs_next++;
		return 1;
	}
	return dv_stmt_step_source(s);
}

int dv_stmt_step_source(struct dv_stmt *s)
{
	if (s->have_row) {
		s->have_row = 0;
		return 1;
	}
	if (s->at_end || !s->vm)
		return 0;
	struct dv_error err;
	dv_error_clear(&err);
	int r = dv_engine_step(s->dbc->engine, s->vm, &err);
	if (r < 0) {
		if (s->cancelled && err.state != DV_S_HY008)
			dv_error_set(&err, DV_S_HY008, 0, NULL);
		dv_diag_add_error(&s->h.diag, &err);
		s->at_end = 1;
		return -1;
	}
	if (r == 0)
		s->at_end = 1;
	return r;
}

/* No result set to read: HY010 when nothing was executed (the function
 * sequence is wrong), 24000 when an execution left no cursor.
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlfetch-function (HY010, 24000) */
static SQLRETURN no_cursor(struct dv_stmt *s)
{
	if (s->state == DV_ST_EXECUTED)
		return dv_diag_error(&s->h.diag, DV_S_24000,
				     "the statement has no result set (it was not a query)");
	return dv_diag_error(&s->h.diag, DV_S_HY010,
			     "the statement was not executed: call SQLExecute or SQLExecDirect "
			     "first");
}

static inline char *ard_addr(const struct dv_desc *ard, void *base, SQLULEN row, SQLLEN elem)
{
	if (!base)
		return NULL;
	char *p = base;
	if (ard->bind_offset_ptr)
		p += *ard->bind_offset_ptr;
	if (ard->bind_type == SQL_BIND_BY_COLUMN)
		p += (SQLLEN)row * elem;
	else
		p += (SQLLEN)row * (SQLLEN)ard->bind_type;
	return p;
}

char *dv_ard_addr(const struct dv_desc *ard, void *base, SQLULEN row, SQLLEN elem)
{
	return ard_addr(ard, base, row, elem);
}

SQLUSMALLINT dv_stmt_put_row(struct dv_stmt *s, SQLULEN row, SQLULEN row_number,
			     SQLULEN bookmark)
{
	struct dv_desc *ard = s->ard;
	SQLUSMALLINT status = SQL_ROW_SUCCESS;
	if (s->retrieve_data == SQL_RD_OFF)
		return status;
	if (ard->cap > 0 && s->use_bookmarks != SQL_UB_OFF &&
	    (ard->recs[0].data_ptr || ard->recs[0].indicator_ptr)) {
		struct dv_desc_rec *b = &ard->recs[0];
		SQLLEN elem = b->concise_type == SQL_C_BOOKMARK ? (SQLLEN)sizeof(SQLUINTEGER)
								: b->octet_length;
		if (put_bookmark(s, bookmark, b->concise_type, dv_ard_addr(ard, b->data_ptr, row, elem),
				 b->octet_length,
				 (SQLLEN *)dv_ard_addr(ard, b->indicator_ptr, row, sizeof(SQLLEN)),
				 (SQLLEN)row_number) != SQL_SUCCESS)
			status = SQL_ROW_SUCCESS_WITH_INFO;
	}
	/* What every column's address needs, once per row: the bind offset
	 * and the row's step (column-wise: the element size; row-wise: the
	 * row size), as dv_ard_addr computes them. */
	SQLLEN offset = ard->bind_offset_ptr ? *ard->bind_offset_ptr : 0;
	int by_column = ard->bind_type == SQL_BIND_BY_COLUMN;
	SQLLEN row_step = (SQLLEN)row * (SQLLEN)ard->bind_type;
	SQLSMALLINT ncols = ard->count < s->ird.count ? ard->count : s->ird.count;
	struct dv_charset *cs = s->dbc->charset;
#define COL_ADDR(base, elem) \
	((base) ? (char *)(base) + offset + (by_column ? (SQLLEN)row * (elem) : row_step) : NULL)
	for (SQLSMALLINT c = 1; c <= ncols; c++) {
		struct dv_desc_rec *a = &ard->recs[c];
		if (!a->data_ptr && !a->indicator_ptr && !a->octet_length_ptr)
			continue;
		struct dv_desc_rec *ir = &s->ird.recs[c];
		SQLSMALLINT ctype = a->concise_type;
		if (ctype == SQL_C_DEFAULT)
			ctype = dv_default_c_type(ir->concise_type);
		SQLLEN elem = ctype == SQL_C_CHAR ? 0 : dv_c_type_size(ctype);
		if (elem == 0)
			elem = a->octet_length;
		SQLLEN *len_ptr = (SQLLEN *)COL_ADDR(a->octet_length_ptr, (SQLLEN)sizeof(SQLLEN));
		struct dv_conv_dst dst = {
			ctype, COL_ADDR(a->data_ptr, elem), a->octet_length, len_ptr,
			a->indicator_ptr == a->octet_length_ptr
				? len_ptr
				: (SQLLEN *)COL_ADDR(a->indicator_ptr, (SQLLEN)sizeof(SQLLEN)),
			a->precision, a->scale};
		struct dv_conv_src src = {ir->concise_type, ir->scale};
		struct dv_value v;
		struct dv_error err;
		stmt_value(s, c, &v);
		if (dv_convert_char_whole(&v, &src, &dst, cs))
			continue;
		dv_error_clear(&err);
		SQLRETURN rc = dv_convert_cs(&v, &src, &dst, cs, NULL, &err);
		if (rc == SQL_SUCCESS)
			continue;
		dv_diag_add(&s->h.diag, err.state, err.native, err.message, (SQLLEN)row_number, c);
		if (rc == SQL_ERROR)
			status = SQL_ROW_ERROR;
		else if (status == SQL_ROW_SUCCESS)
			status = SQL_ROW_SUCCESS_WITH_INFO;
	}
#undef COL_ADDR
	return status;
}

void dv_row_tally_end(struct dv_row_tally *t, SQLULEN n, SQLULEN size, SQLULEN *rows)
{
	if (t->status)
		for (SQLULEN i = n; i < size; i++)
			t->status[i] = SQL_ROW_NOROW;
	if (rows)
		*rows = n;
}

SQLRETURN dv_row_tally_rc(const struct dv_row_tally *t, SQLULEN size)
{
	if (t->errors > 0 && size == 1)
		return SQL_ERROR;
	return t->errors > 0 || t->warnings > 0 ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

SQLRETURN dv_stmt_fetch(struct dv_stmt *s, SQLSMALLINT orientation, SQLLEN offset,
			SQLULEN array_size, SQLULEN *rows_out, SQLUSMALLINT *status_out)
{
	if (s->state != DV_ST_CURSOR)
		return no_cursor(s);
	if (array_size == 0)
		array_size = s->ard->array_size ? s->ard->array_size : 1;
	if (dv_scroll_is_static(s))
		return dv_scroll_fetch(s, orientation, offset, array_size, rows_out, status_out);
	if (orientation != SQL_FETCH_NEXT)
		return dv_diag_error(&s->h.diag, DV_S_HY106,
				     "the cursor is forward-only: only SQL_FETCH_NEXT is allowed "
				     "(set SQL_ATTR_CURSOR_TYPE to SQL_CURSOR_STATIC before "
				     "executing to scroll)");
	struct dv_row_tally t = {status_out ? status_out : s->ird.array_status_ptr, 0, 0};
	SQLULEN *rows = rows_out ? rows_out : s->ird.rows_processed_ptr;
	s->gd_col = 0;
	s->gd_offset = 0;
	s->row_valid = 0;
	SQLULEN n = 0;
	int failed = 0;
	while (n < array_size) {
		int r = next_row(s);
		if (r < 0) {
			failed = 1;
			break;
		}
		if (r == 0)
			break;
		s->rows_fetched++;
		dv_row_tally_add(&t, n, dv_stmt_put_row(s, n, n + 1, s->rows_fetched));
		n++;
	}
	dv_row_tally_end(&t, n, array_size, rows);
	if (failed && n == 0)
		return SQL_ERROR;
	if (n == 0)
		return SQL_NO_DATA;
	s->row_valid = 1;
	if (failed)
		return SQL_SUCCESS_WITH_INFO;
	SQLRETURN rc = dv_row_tally_rc(&t, array_size);
	return rc == SQL_SUCCESS ? dv_diag_success(&s->h.diag) : rc;
}

static SQLRETURN get_bookmark(struct dv_stmt *s, SQLSMALLINT c_type, SQLPOINTER ptr,
			      SQLLEN buflen, SQLLEN *ind)
{
	SQLRETURN rc = check_bookmark_column(s, c_type);
	if (rc != SQL_SUCCESS)
		return rc;
	SQLULEN bm = s->scroll ? dv_scroll_row_number(s) : s->rows_fetched;
	return put_bookmark(s, bm, c_type, ptr, buflen, ind, 1);
}

SQLRETURN dv_stmt_get_data(struct dv_stmt *s, SQLUSMALLINT col, SQLSMALLINT c_type,
			   SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind)
{
	/* https://learn.microsoft.com/sql/odbc/reference/syntax/sqlgetdata-function */
	if (s->state != DV_ST_CURSOR)
		return no_cursor(s);
	if (!s->row_valid)
		return dv_diag_error(&s->h.diag, DV_S_24000,
				     "no row is current: call SQLFetch first (or the last fetch "
				     "reached the end)");
	if (buflen < 0)
		return dv_diag_error(&s->h.diag, DV_S_HY090, "buffer length %ld", (long)buflen);
	if (col == 0)
		return get_bookmark(s, c_type, ptr, buflen, ind);
	if (col > s->ird.count)
		return dv_diag_error(&s->h.diag, DV_S_07009, "column %u does not exist",
				     (unsigned)col);
	SQLSMALLINT precision = 38, scale = 0;
	if (c_type == SQL_ARD_TYPE) {
		if (col > s->ard->count)
			return dv_diag_error(&s->h.diag, DV_S_07009,
					     "column %u has no ARD record", (unsigned)col);
		c_type = s->ard->recs[col].concise_type;
		precision = s->ard->recs[col].precision;
		scale = s->ard->recs[col].scale;
	}
	if (col != s->gd_col) {
		s->gd_col = col;
		s->gd_offset = 0;
	}
	struct dv_desc_rec *ir = &s->ird.recs[col];
	struct dv_conv_dst dst = {c_type, ptr, buflen, ind, ind, precision, scale};
	struct dv_conv_src src = {ir->concise_type, ir->scale};
	struct dv_value v;
	struct dv_error err;
	dv_error_clear(&err);
	dv_stmt_value(s, col, &v);
	SQLRETURN rc = dv_convert_cs(&v, &src, &dst, s->dbc->charset, &s->gd_offset, &err);
	if (rc == SQL_ERROR || rc == SQL_SUCCESS_WITH_INFO)
		dv_diag_add(&s->h.diag, err.state, err.native, err.message,
			    1, col);
	return rc;
}

SQLRETURN dv_stmt_row_count(struct dv_stmt *s, SQLLEN *n)
{
	if (s->state == DV_ST_ALLOCATED)
		return dv_diag_error(&s->h.diag, DV_S_HY010, "the statement was not executed");
	if (s->state == DV_ST_CURSOR && dv_scroll_is_static(s))
		return dv_scroll_row_count(s, n);
	if (n)
		*n = s->state == DV_ST_CURSOR ? -1 : s->row_count;
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_num_cols(struct dv_stmt *s, SQLSMALLINT *n)
{
	if (s->state == DV_ST_ALLOCATED && !s->rowset)
		return dv_diag_error(&s->h.diag, DV_S_HY010, "no statement is prepared");
	if (n)
		*n = s->ird.count;
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_more_results(struct dv_stmt *s)
{
	/* One result per statement, or per parameter set of a SELECT run with
	 * a parameter array: the next set's, else close and report the end.
	 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlmoreresults-function */
	SQLRETURN rc = dv_stmt_next_param_set(s);
	if (rc == SQL_NO_DATA && s->state == DV_ST_CURSOR)
		dv_stmt_close_cursor(s);
	return rc;
}
