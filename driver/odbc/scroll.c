/* scroll.c - static (scrollable) cursors (see scroll.h).
 *
 * HOW IT WORKS: a statement executed with SQL_ATTR_CURSOR_TYPE =
 * SQL_CURSOR_STATIC opens its cursor as any other (exec.c steps the engine
 * statement onto the first row).  The first fetch gives it a struct
 * dv_scroll: an engine static store (driver/engine/static.c) into which the
 * engine statement's rows are copied only as far as a fetch needs them
 * (NEXT reads one rowset ahead; LAST, a negative ABSOLUTE, SQLRowCount read
 * to the end), or, for a catalog result, the rowset already in memory.  Row
 * n of the result is row n of the store, its bookmark is n, and reading it
 * back gives the values with the storage class they had, so conversions
 * are those of a forward-only cursor.
 *
 * Positions follow "Cursor positioning rules" of SQLFetchScroll: before
 * start, after end, or a rowset starting at row `first`; 01S06 when PRIOR,
 * RELATIVE or ABSOLUTE would start before row 1 but the rowset overlaps it.
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlfetchscroll-function
 *
 * SQLSetPos: POSITION and REFRESH work on any static result; UPDATE and
 * DELETE (SQL_CONCUR_LOCK) write through the entity the columns come from,
 * by its primary key, which must be one of the result's columns: the engine runs
 * UPDATE/DELETE ... WHERE <key> = ? as for the application's own SQL
 * (driver/engine/write.c), and the store keeps the row's new values or
 * marks it deleted (SQL_ROW_UPDATED / SQL_ROW_DELETED from then on).
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetpos-function */
#include "odbc/scroll.h"
#include "odbc/convert.h"
#include "odbc/stmt.h"
#include "odbc/unicode.h"
#include "catalog/catalog.h"
#include "engine/engine.h"
#include "util/strutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEFORE_START 0L
#define AFTER_END (-1L)

struct dv_scroll {
	struct dv_static *store;   /* NULL: the statement's in-memory rowset */
	long known;                /* rows of the result read so far */
	int complete;              /* every row is known */
	long first;                /* first row of the rowset, BEFORE_START or AFTER_END */
	long count;                /* rows in the rowset */
	SQLULEN size;              /* the rowset size of the last fetch */
	long cur;                  /* current row (SQLGetData, SQLSetPos), 0 = none */
};

int dv_scroll_is_static(const struct dv_stmt *s)
{
	return s->scroll != NULL || s->cursor_type == SQL_CURSOR_STATIC;
}

void dv_scroll_free(struct dv_scroll *sc)
{
	if (!sc)
		return;
	dv_static_free(sc->store);
	free(sc);
}

static struct dv_scroll *scroll_open(struct dv_stmt *s)
{
	if (s->scroll)
		return s->scroll;
	struct dv_scroll *sc = calloc(1, sizeof(*sc));
	if (!sc) {
		dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		return NULL;
	}
	if (s->rowset) {
		sc->known = (long)s->rowset->nrows;
		sc->complete = 1;
	} else {
		struct dv_error err;
		dv_error_clear(&err);
		sc->store = dv_static_new(s->vm ? sqlite3_column_count(s->vm) : 0, &err);
		if (!sc->store) {
			dv_diag_add_error(&s->h.diag, &err);
			free(sc);
			return NULL;
		}
		if (!s->vm)
			sc->complete = 1;
	}
	s->scroll = sc;
	return sc;
}

/* Reads the result until `upto` rows are known or it ends: 0, -1 error. */
static int fill(struct dv_stmt *s, long upto)
{
	struct dv_scroll *sc = s->scroll;
	while (!sc->complete && sc->known < upto) {
		if (s->max_rows > 0 && (SQLULEN)sc->known >= s->max_rows) {
			sc->complete = 1;
			break;
		}
		int r = dv_stmt_step_source(s);
		if (r < 0)
			return -1;
		if (r == 0) {
			sc->complete = 1;
			break;
		}
		struct dv_error err;
		dv_error_clear(&err);
		if (dv_static_append(sc->store, s->vm, &err) != 0) {
			dv_diag_add_error(&s->h.diag, &err);
			return -1;
		}
		sc->known++;
	}
	if (s->rowset && s->max_rows > 0 && (SQLULEN)sc->known > s->max_rows)
		sc->known = (long)s->max_rows;
	return 0;
}

/* Puts row n on the current position for reading: its state (DV_STATIC_*)
 * or -1 on error. */
static int seek(struct dv_stmt *s, long n)
{
	struct dv_scroll *sc = s->scroll;
	if (!sc->store) {
		s->rs_cur = (size_t)(n - 1);
		return DV_STATIC_FETCHED;
	}
	struct dv_error err;
	int state = 0;
	dv_error_clear(&err);
	if (!dv_static_row(sc->store, n, &state, &err)) {
		dv_diag_add_error(&s->h.diag, &err);
		return -1;
	}
	return state;
}

void dv_scroll_value(struct dv_stmt *s, int col, struct dv_value *v)
{
	struct dv_scroll *sc = s->scroll;
	memset(v, 0, sizeof(*v));
	if (sc->cur < 1)
		return;
	if (!sc->store) {
		*v = *dv_rowset_cell(s->rowset, (size_t)(sc->cur - 1), col - 1);
		return;
	}
	struct dv_error err;
	dv_error_clear(&err);
	sqlite3_stmt *row = dv_static_row(sc->store, sc->cur, NULL, &err);
	if (row)
		dv_value_from_vm(row, col - 1, v);
}

SQLULEN dv_scroll_row_number(const struct dv_stmt *s)
{
	return s->scroll && s->scroll->cur > 0 ? (SQLULEN)s->scroll->cur : 0;
}

SQLRETURN dv_scroll_row_count(struct dv_stmt *s, SQLLEN *n)
{
	if (!scroll_open(s) || fill(s, LONG_MAX) != 0)
		return SQL_ERROR;
	if (n)
		*n = s->scroll->known;
	return SQL_SUCCESS;
}

/* ---- positioning -------------------------------------------------------- */

/* 1 when row k exists, 0 when not, -1 on error. */
static int exists(struct dv_stmt *s, long k)
{
	if (k < 1)
		return 0;
	if (fill(s, k) != 0)
		return -1;
	return s->scroll->known >= k;
}

/* The number of the last row (0 for an empty result), -1 on error. */
static long last_row(struct dv_stmt *s)
{
	if (fill(s, LONG_MAX) != 0)
		return -1;
	return s->scroll->known;
}

/* The bookmark SQL_ATTR_FETCH_BOOKMARK_PTR points at: a row number. */
static SQLRETURN bookmark_row(struct dv_stmt *s, long *out)
{
	SQLUINTEGER bm = 0;
	if (s->use_bookmarks == SQL_UB_OFF)
		return dv_diag_error(&s->h.diag, DV_S_HY106,
				     "SQL_FETCH_BOOKMARK needs SQL_ATTR_USE_BOOKMARKS set to "
				     "SQL_UB_VARIABLE before executing");
	if (!s->fetch_bookmark_ptr)
		return dv_diag_error(&s->h.diag, DV_S_HY111,
				     "SQL_ATTR_FETCH_BOOKMARK_PTR is not set");
	memcpy(&bm, s->fetch_bookmark_ptr, sizeof(bm));
	int e = exists(s, (long)bm);
	if (e < 0)
		return SQL_ERROR;
	if (bm < 1 || !e)
		return dv_diag_error(&s->h.diag, DV_S_HY111,
				     "bookmark %lu is not a row of this result",
				     (unsigned long)bm);
	*out = (long)bm;
	return SQL_SUCCESS;
}

/* a + b without overflow (offsets come from the application). */
static long add_sat(long a, long b)
{
	if (b > 0 && a > LONG_MAX - b)
		return LONG_MAX;
	if (b < 0 && a < LONG_MIN - b)
		return LONG_MIN;
	return a + b;
}

/* The start of the new rowset for ABSOLUTE `off`, rowset size r. */
static long absolute_start(struct dv_stmt *s, SQLLEN off, long r, int *warn)
{
	if (off > 0)
		return (long)off;
	if (off == 0)
		return BEFORE_START;
	if (off < -LONG_MAX)
		off = -LONG_MAX;
	long last = last_row(s);
	if (last < 0)
		return -2;
	if (-off <= last)
		return last + (long)off + 1;
	if (-off > r)
		return BEFORE_START;
	*warn = 1;
	return 1;
}

/* The first row of the rowset the fetch asks for: a row number (possibly
 * past the end, which the caller turns into AFTER_END), BEFORE_START,
 * AFTER_END, or -2 on error (diagnostic added).  *warn: 01S06. */
static long new_start(struct dv_stmt *s, SQLSMALLINT orientation, SQLLEN off, long r,
		      int *warn)
{
	struct dv_scroll *sc = s->scroll;
	long first = sc->first, prev = sc->size ? (long)sc->size : r;
	switch (orientation) {
	case SQL_FETCH_NEXT:
		if (first == BEFORE_START)
			return 1;
		if (first == AFTER_END)
			return AFTER_END;
		return add_sat(first, prev);
	case SQL_FETCH_PRIOR:
		if (first == BEFORE_START || first == 1)
			return BEFORE_START;
		if (first == AFTER_END) {
			long last = last_row(s);
			if (last < 0)
				return -2;
			return last < r ? 1 : last - r + 1;
		}
		if (first <= r) {
			*warn = 1;
			return 1;
		}
		return first - r;
	case SQL_FETCH_RELATIVE:
		if ((first == BEFORE_START && off > 0) || (first == AFTER_END && off < 0))
			return absolute_start(s, off, r, warn);
		if (first == BEFORE_START)
			return BEFORE_START;
		if (first == AFTER_END)
			return AFTER_END;
		if (add_sat(first, (long)off) >= 1)
			return add_sat(first, (long)off);
		if (first == 1 || off < -r)
			return BEFORE_START;
		*warn = 1;
		return 1;
	case SQL_FETCH_ABSOLUTE:
		return absolute_start(s, off, r, warn);
	case SQL_FETCH_FIRST:
		return 1;
	case SQL_FETCH_LAST: {
		long last = last_row(s);
		if (last < 0)
			return -2;
		return r <= last ? last - r + 1 : 1;
	}
	case SQL_FETCH_BOOKMARK: {
		long bm = 0;
		if (bookmark_row(s, &bm) != SQL_SUCCESS)
			return -2;
		return add_sat(bm, (long)off) < 1 ? BEFORE_START : add_sat(bm, (long)off);
	}
	default:
		dv_diag_error(&s->h.diag, DV_S_HY106, "fetch orientation %d is not one of "
			      "SQL_FETCH_NEXT, PRIOR, FIRST, LAST, ABSOLUTE, RELATIVE, BOOKMARK",
			      (int)orientation);
		return -2;
	}
}

/* Puts rows first..first+count-1 into the buffers: statuses, counts. */
static SQLRETURN put_rowset(struct dv_stmt *s, SQLULEN size, SQLUSMALLINT *status,
			    SQLULEN *rows, int warn)
{
	struct dv_scroll *sc = s->scroll;
	struct dv_row_tally t = {status, 0, warn};
	int failed = 0;
	long n = 0;
	for (; n < sc->count; n++) {
		long row = sc->first + n;
		int state = seek(s, row);
		SQLUSMALLINT st;
		if (state < 0) {
			failed = 1;
			break;
		}
		sc->cur = row;
		if (state == DV_STATIC_DELETED) {
			st = SQL_ROW_DELETED;
		} else {
			st = dv_stmt_put_row(s, (SQLULEN)n, (SQLULEN)n + 1, (SQLULEN)row);
			if (st == SQL_ROW_SUCCESS && state == DV_STATIC_UPDATED)
				st = SQL_ROW_UPDATED;
		}
		dv_row_tally_add(&t, (SQLULEN)n, st);
	}
	dv_row_tally_end(&t, (SQLULEN)n, size, rows);
	sc->cur = sc->first;
	if (failed)
		return n == 0 ? SQL_ERROR : SQL_SUCCESS_WITH_INFO;
	s->row_valid = 1;
	SQLRETURN rc = dv_row_tally_rc(&t, size);
	return rc == SQL_SUCCESS ? dv_diag_success(&s->h.diag) : rc;
}

SQLRETURN dv_scroll_fetch(struct dv_stmt *s, SQLSMALLINT orientation, SQLLEN offset,
			  SQLULEN array_size, SQLULEN *rows_out, SQLUSMALLINT *status_out)
{
	struct dv_scroll *sc = scroll_open(s);
	if (!sc)
		return SQL_ERROR;
	SQLUSMALLINT *status = status_out ? status_out : s->ird.array_status_ptr;
	SQLULEN *rows = rows_out ? rows_out : s->ird.rows_processed_ptr;
	long r = array_size > (SQLULEN)LONG_MAX / 2 ? LONG_MAX / 2 : (long)array_size;
	int warn = 0;
	s->gd_col = 0;
	s->gd_offset = 0;
	long start = new_start(s, orientation, offset, r, &warn);
	if (start == -2)
		return SQL_ERROR;
	if (start >= 1) {
		int e = exists(s, start);
		if (e < 0 || (e && fill(s, add_sat(start, r - 1)) != 0))
			return SQL_ERROR;
		if (!e)
			start = AFTER_END;
	}
	sc->size = array_size;
	s->row_valid = 0;
	sc->cur = 0;
	if (start < 1) {
		struct dv_row_tally none = {status, 0, 0};
		sc->first = start;
		sc->count = 0;
		dv_row_tally_end(&none, 0, array_size, rows);
		return SQL_NO_DATA;
	}
	sc->first = start;
	sc->count = sc->known - start + 1 < r ? sc->known - start + 1 : r;
	if (warn)
		dv_diag_add(&s->h.diag, DV_S_01S06, 0,
			    "the rowset asked for starts before row 1: rows from row 1 are "
			    "returned", SQL_NO_ROW_NUMBER, SQL_NO_COLUMN_NUMBER);
	return put_rowset(s, array_size, status, rows, warn);
}

/* ---- SQLSetPos ---------------------------------------------------------- */

/* Where the rows SQLSetPos changes go through: the entity and the result
 * column holding its primary key. */
struct target {
	const struct dv_entity *e;
	SQLSMALLINT key_col;
};

static SQLRETURN find_target(struct dv_stmt *s, struct target *t)
{
	const char *table = NULL;
	memset(t, 0, sizeof(*t));
	for (SQLSMALLINT c = 1; c <= s->ird.count; c++) {
		const char *bt = s->ird.recs[c].base_table_name;
		if (!bt || !*bt)
			continue;
		if (table && dv_strcasecmp(table, bt) != 0)
			return dv_diag_error(&s->h.diag, DV_S_HYC00,
					     "SQLSetPos cannot change rows of a result joining "
					     "%s and %s: select from one table", table, bt);
		table = bt;
	}
	struct dv_error err;
	dv_error_clear(&err);
	if (!table || dv_catalog_entity(s->dbc->catalog, table, &t->e, &err) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HYC00,
				     "SQLSetPos can change rows only of a result whose columns "
				     "come from one table");
	for (SQLSMALLINT c = 1; c <= s->ird.count; c++) {
		const char *bc = s->ird.recs[c].base_column_name;
		if (bc && t->e->primary_id && dv_strcasecmp(bc, t->e->primary_id) == 0) {
			t->key_col = c;
			return SQL_SUCCESS;
		}
	}
	return dv_diag_error(&s->h.diag, DV_S_HYC00,
			     "SQLSetPos can change a row of %s only when the result has its "
			     "primary key column %s: add it to the SELECT list",
			     t->e->logical_name, t->e->primary_id ? t->e->primary_id : "");
}

/* Binds the application's bound value of a column as SQLite value idx:
 * 0, or -1 (diagnostic added) for a C type this does not convert. */
static int bind_cell(struct dv_stmt *s, sqlite3_stmt *vm, int idx, SQLSMALLINT c,
		     const char *data, SQLLEN buflen, const SQLLEN *ind)
{
	char tmp[64];
	if ((ind && *ind == SQL_NULL_DATA) || !data)
		return sqlite3_bind_null(vm, idx) == SQLITE_OK ? 0 : -1;
	switch (c) {
	case SQL_C_CHAR: {
		size_t len = !ind || *ind == SQL_NTS ? strnlen(data, (size_t)buflen)
						       : (size_t)*ind;
		return sqlite3_bind_text(vm, idx, data, (int)len, SQLITE_TRANSIENT);
	}
	case SQL_C_WCHAR: {
		size_t units = 0, len = 0;
		if (!ind || *ind == SQL_NTS)
			while ((SQLLEN)((units + 1) * sizeof(SQLWCHAR)) <= buflen &&
			       ((const SQLWCHAR *)data)[units])
				units++;
		else
			units = (size_t)*ind / sizeof(SQLWCHAR);
		char *u = dv_utf16_to_utf8((const SQLWCHAR *)data, units, &len);
		if (!u) {
			dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
			return -1;
		}
		sqlite3_bind_text(vm, idx, u, (int)len, SQLITE_TRANSIENT);
		free(u);
		return 0;
	}
	case SQL_C_BINARY:
		return sqlite3_bind_blob(vm, idx, data, ind ? (int)*ind : (int)buflen,
					 SQLITE_TRANSIENT);
	case SQL_C_BIT: case SQL_C_UTINYINT:
		return sqlite3_bind_int64(vm, idx, *(const SQLCHAR *)data);
	case SQL_C_STINYINT: case SQL_C_TINYINT:
		return sqlite3_bind_int64(vm, idx, *(const SQLSCHAR *)data);
	case SQL_C_SSHORT: case SQL_C_SHORT:
		return sqlite3_bind_int64(vm, idx, *(const SQLSMALLINT *)data);
	case SQL_C_USHORT:
		return sqlite3_bind_int64(vm, idx, *(const SQLUSMALLINT *)data);
	case SQL_C_SLONG: case SQL_C_LONG:
		return sqlite3_bind_int64(vm, idx, *(const SQLINTEGER *)data);
	case SQL_C_ULONG:
		return sqlite3_bind_int64(vm, idx, *(const SQLUINTEGER *)data);
	case SQL_C_SBIGINT:
		return sqlite3_bind_int64(vm, idx, *(const SQLBIGINT *)data);
	case SQL_C_DOUBLE:
		return sqlite3_bind_double(vm, idx, *(const SQLDOUBLE *)data);
	case SQL_C_FLOAT:
		return sqlite3_bind_double(vm, idx, *(const SQLREAL *)data);
	case SQL_C_TYPE_DATE: case SQL_C_DATE: {
		const SQL_DATE_STRUCT *d = (const SQL_DATE_STRUCT *)data;
		snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u", (int)d->year, (unsigned)d->month,
			 (unsigned)d->day);
		return sqlite3_bind_text(vm, idx, tmp, -1, SQLITE_TRANSIENT);
	}
	case SQL_C_TYPE_TIMESTAMP: case SQL_C_TIMESTAMP: {
		const SQL_TIMESTAMP_STRUCT *t = (const SQL_TIMESTAMP_STRUCT *)data;
		snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u %02u:%02u:%02u", (int)t->year,
			 (unsigned)t->month, (unsigned)t->day, (unsigned)t->hour,
			 (unsigned)t->minute, (unsigned)t->second);
		return sqlite3_bind_text(vm, idx, tmp, -1, SQLITE_TRANSIENT);
	}
	default:
		dv_diag_error(&s->h.diag, DV_S_HYC00,
			      "SQLSetPos(SQL_UPDATE) does not convert a column bound as C type "
			      "%d: bind it as SQL_C_CHAR or SQL_C_WCHAR", (int)c);
		return -1;
	}
}

/* Runs one write statement on the engine to its end: 0, or -1 (diagnostic
 * added).  *changes: the rows the service changed. */
static int run_write(struct dv_stmt *s, sqlite3_stmt *vm, long *changes)
{
	struct dv_error err;
	struct dv_write_status ws;
	int r;
	dv_error_clear(&err);
	do
		r = dv_engine_step(s->dbc->engine, vm, &err);
	while (r == 1);
	if (r < 0) {
		dv_diag_add_error(&s->h.diag, &err);
		return -1;
	}
	dv_engine_write_status(s->dbc->engine, &ws);
	*changes = ws.changes;
	return 0;
}

static sqlite3_stmt *prepare_write(struct dv_stmt *s, const char *sql)
{
	struct dv_error err;
	sqlite3_stmt *vm = NULL;
	dv_error_clear(&err);
	if (dv_engine_prepare(s->dbc->engine, sql, &vm, &err) != 0) {
		dv_diag_add_error(&s->h.diag, &err);
		return NULL;
	}
	return vm;
}

/* The column's bound buffer for rowset row i: 1 with its parts, 0 when the
 * column is not bound or SQL_COLUMN_IGNORE. */
static int bound_cell(struct dv_stmt *s, SQLSMALLINT c, SQLULEN i, SQLSMALLINT *ctype,
		      const char **data, SQLLEN *buflen, const SQLLEN **ind)
{
	struct dv_desc *ard = s->ard;
	if (c > ard->count)
		return 0;
	struct dv_desc_rec *a = &ard->recs[c];
	if (!a->data_ptr && !a->indicator_ptr)
		return 0;
	*ctype = a->concise_type;
	if (*ctype == SQL_C_DEFAULT)
		*ctype = dv_default_c_type(s->ird.recs[c].concise_type);
	SQLLEN elem = dv_c_type_size(*ctype);
	if (elem == 0)
		elem = a->octet_length;
	*data = dv_ard_addr(ard, a->data_ptr, i, elem);
	*ind = (const SQLLEN *)dv_ard_addr(ard, a->indicator_ptr, i, sizeof(SQLLEN));
	*buflen = a->octet_length;
	return !(*ind && **ind == SQL_COLUMN_IGNORE);
}

/* UPDATE <entity> SET <bound columns> WHERE <key> = ? for rowset row i
 * (result row n), then the store keeps the new values. */
static SQLRETURN update_row(struct dv_stmt *s, const struct target *t, SQLULEN i, long n)
{
	struct dv_scroll *sc = s->scroll;
	int ncols = s->ird.count, nset = 0;
	sqlite3_str *sql = sqlite3_str_new(NULL);
	sqlite3_stmt *vals = NULL, *upd = NULL;
	int *set = calloc((size_t)ncols + 1, sizeof(int));
	SQLRETURN rc = SQL_ERROR;
	struct dv_error err;
	char *text = NULL;
	long changes = 0;
	dv_error_clear(&err);
	if (!set)
		goto nomem;
	/* The row's values after the update: the bound ones, the rest as stored. */
	sqlite3_str_appendall(sql, "SELECT ");
	for (int c = 1; c <= ncols; c++)
		sqlite3_str_appendf(sql, "%s?%d", c > 1 ? ", " : "", c);
	text = sqlite3_str_finish(sql);
	sql = NULL;
	if (!text)
		goto nomem;
	if (sqlite3_prepare_v2(dv_engine_db(s->dbc->engine), text, -1, &vals, NULL) != SQLITE_OK)
		goto nomem;
	sqlite3_free(text);
	text = NULL;
	sqlite3_stmt *old = dv_static_row(sc->store, n, NULL, &err);
	if (!old) {
		dv_diag_add_error(&s->h.diag, &err);
		goto out;
	}
	for (int c = 1; c <= ncols; c++)
		sqlite3_bind_value(vals, c, sqlite3_column_value(old, c - 1));
	for (SQLSMALLINT c = 1; c <= ncols; c++) {
		SQLSMALLINT ctype;
		const char *data;
		SQLLEN buflen;
		const SQLLEN *ind;
		const struct dv_desc_rec *ir = &s->ird.recs[c];
		if (c == t->key_col || ir->updatable == SQL_ATTR_READONLY || !ir->base_column_name ||
		    !*ir->base_column_name || !bound_cell(s, c, i, &ctype, &data, &buflen, &ind))
			continue;
		if (bind_cell(s, vals, c, ctype, data, buflen, ind) != 0)
			goto out;
		set[c] = 1;
		nset++;
	}
	if (nset == 0) {
		dv_diag_error(&s->h.diag, DV_S_21S01,
			      "SQLSetPos(SQL_UPDATE): no bound column of %s can be changed (bind "
			      "the columns to change with SQLBindCol)", t->e->logical_name);
		goto out;
	}
	if (sqlite3_step(vals) != SQLITE_ROW)
		goto nomem;
	sql = sqlite3_str_new(NULL);
	sqlite3_str_appendf(sql, "UPDATE \"%w\" SET ", t->e->logical_name);
	for (int c = 1, k = 0; c <= ncols; c++)
		if (set[c])
			sqlite3_str_appendf(sql, "%s\"%w\" = ?", k++ ? ", " : "",
					    s->ird.recs[c].base_column_name);
	sqlite3_str_appendf(sql, " WHERE \"%w\" = ?", t->e->primary_id);
	text = sqlite3_str_finish(sql);
	sql = NULL;
	if (!text)
		goto nomem;
	upd = prepare_write(s, text);
	if (!upd)
		goto out;
	int k = 1;
	for (int c = 1; c <= ncols; c++)
		if (set[c])
			sqlite3_bind_value(upd, k++, sqlite3_column_value(vals, c - 1));
	sqlite3_bind_value(upd, k, sqlite3_column_value(vals, t->key_col - 1));
	if (run_write(s, upd, &changes) != 0)
		goto out;
	if (changes == 0) {
		dv_diag_error(&s->h.diag, DV_S_HY000,
			      "row %lu of the rowset was not updated: the service no longer "
			      "has that %s", (unsigned long)i + 1, t->e->logical_name);
		goto out;
	}
	if (dv_static_replace(sc->store, n, vals, DV_STATIC_UPDATED, &err) != 0) {
		dv_diag_add_error(&s->h.diag, &err);
		goto out;
	}
	rc = SQL_SUCCESS;
	goto out;
nomem:
	dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
out:
	if (sql)
		sqlite3_free(sqlite3_str_finish(sql));
	sqlite3_free(text);
	sqlite3_finalize(vals);
	sqlite3_finalize(upd);
	free(set);
	return rc;
}

/* DELETE FROM <entity> WHERE <key> = ? for result row n. */
static SQLRETURN delete_row(struct dv_stmt *s, const struct target *t, SQLULEN i, long n)
{
	struct dv_scroll *sc = s->scroll;
	struct dv_error err;
	long changes = 0;
	SQLRETURN rc = SQL_ERROR;
	dv_error_clear(&err);
	char *text = sqlite3_mprintf("DELETE FROM \"%w\" WHERE \"%w\" = ?", t->e->logical_name,
				     t->e->primary_id);
	if (!text)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	sqlite3_stmt *del = prepare_write(s, text);
	sqlite3_free(text);
	if (!del)
		return SQL_ERROR;
	sqlite3_stmt *row = dv_static_row(sc->store, n, NULL, &err);
	if (!row) {
		dv_diag_add_error(&s->h.diag, &err);
	} else {
		sqlite3_bind_value(del, 1, sqlite3_column_value(row, t->key_col - 1));
		if (run_write(s, del, &changes) == 0) {
			if (changes == 0)
				dv_diag_error(&s->h.diag, DV_S_HY000,
					      "row %lu of the rowset was not deleted: the service "
					      "no longer has that %s", (unsigned long)i + 1,
					      t->e->logical_name);
			else if (dv_static_set_state(sc->store, n, DV_STATIC_DELETED, &err) != 0)
				dv_diag_add_error(&s->h.diag, &err);
			else
				rc = SQL_SUCCESS;
		}
	}
	sqlite3_finalize(del);
	return rc;
}

/* SQL_UPDATE / SQL_DELETE of one row or (row 0) of every row of the rowset
 * not marked SQL_ROW_IGNORE in SQL_ATTR_ROW_OPERATION_PTR. */
static SQLRETURN write_rows(struct dv_stmt *s, SQLSETPOSIROW row, SQLUSMALLINT op)
{
	struct dv_scroll *sc = s->scroll;
	struct target t;
	if (s->concurrency == SQL_CONCUR_READ_ONLY)
		return dv_diag_error(&s->h.diag, DV_S_HY092,
				     "the cursor is read-only: set SQL_ATTR_CONCURRENCY to "
				     "SQL_CONCUR_LOCK before executing to update or delete rows "
				     "with SQLSetPos");
	if (!sc->store)
		return dv_diag_error(&s->h.diag, DV_S_HYC00,
				     "SQLSetPos cannot change the rows of a catalog result");
	SQLRETURN rc = find_target(s, &t);
	if (rc != SQL_SUCCESS)
		return rc;
	SQLULEN from = row ? row - 1 : 0, to = row ? row : (SQLULEN)sc->count;
	SQLUSMALLINT *status = s->ird.array_status_ptr;
	SQLUSMALLINT *ops = s->ard->array_status_ptr;
	int done = 0, failed = 0;
	for (SQLULEN i = from; i < to; i++) {
		long n = sc->first + (long)i;
		if (!row && ops && ops[i] == SQL_ROW_IGNORE)
			continue;
		int state = seek(s, n);
		if (state == DV_STATIC_DELETED) {
			dv_diag_add(&s->h.diag, DV_S_HY109, 0,
				    "the row was deleted through this cursor",
				    (SQLLEN)i + 1, SQL_NO_COLUMN_NUMBER);
			failed++;
			continue;
		}
		rc = state < 0 ? SQL_ERROR
		     : op == SQL_UPDATE ? update_row(s, &t, i, n) : delete_row(s, &t, i, n);
		if (status)
			status[i] = rc != SQL_SUCCESS ? SQL_ROW_ERROR
				    : op == SQL_UPDATE ? SQL_ROW_UPDATED : SQL_ROW_DELETED;
		if (rc == SQL_SUCCESS)
			done++;
		else
			failed++;
	}
	sc->cur = sc->first + (long)from;
	s->gd_col = 0;
	s->gd_offset = 0;
	if (failed == 0)
		return SQL_SUCCESS;
	return done > 0 ? SQL_SUCCESS_WITH_INFO : SQL_ERROR;
}

/* SQL_REFRESH: the rows again into the bound buffers (row 0: all). */
static SQLRETURN refresh_rows(struct dv_stmt *s, SQLSETPOSIROW row)
{
	struct dv_scroll *sc = s->scroll;
	SQLULEN from = row ? row - 1 : 0, to = row ? row : (SQLULEN)sc->count;
	struct dv_row_tally t = {s->ird.array_status_ptr, 0, 0};
	for (SQLULEN i = from; i < to; i++) {
		long n = sc->first + (long)i;
		int state = seek(s, n);
		SQLUSMALLINT st;
		if (state < 0)
			return SQL_ERROR;
		sc->cur = n;
		if (state == DV_STATIC_DELETED)
			st = SQL_ROW_DELETED;
		else
			st = dv_stmt_put_row(s, i, i + 1, (SQLULEN)n);
		if (st == SQL_ROW_SUCCESS && state == DV_STATIC_UPDATED)
			st = SQL_ROW_UPDATED;
		dv_row_tally_add(&t, i, st);
	}
	sc->cur = sc->first + (long)from;
	s->gd_col = 0;
	s->gd_offset = 0;
	return dv_row_tally_rc(&t, to - from);
}

SQLRETURN dv_scroll_set_pos(struct dv_stmt *s, SQLSETPOSIROW row, SQLUSMALLINT op,
			    SQLUSMALLINT lock)
{
	if (s->state != DV_ST_CURSOR)
		return dv_diag_error(&s->h.diag, s->state == DV_ST_EXECUTED ? DV_S_24000
					     : DV_S_HY010, "no cursor is open");
	if (op != SQL_POSITION && op != SQL_REFRESH && op != SQL_UPDATE && op != SQL_DELETE)
		return dv_diag_error(&s->h.diag, op == SQL_ADD ? DV_S_HYC00 : DV_S_HY092,
				     "SQLSetPos operation %u is not supported (SQL_POSITION, "
				     "SQL_REFRESH, SQL_UPDATE, SQL_DELETE are)", (unsigned)op);
	if (lock != SQL_LOCK_NO_CHANGE)
		return dv_diag_error(&s->h.diag, lock == SQL_LOCK_EXCLUSIVE ||
					     lock == SQL_LOCK_UNLOCK ? DV_S_HYC00 : DV_S_HY092,
				     "only SQL_LOCK_NO_CHANGE is supported: Dataverse rows are "
				     "not locked");
	struct dv_scroll *sc = s->scroll;
	if (!sc) {
		/* Forward-only: the current row is the last one fetched, row 1
		 * of a rowset of one row. */
		if (!s->row_valid)
			return dv_diag_error(&s->h.diag, DV_S_24000, "no row is fetched");
		if (op == SQL_POSITION && row == 1 && s->ard->array_size <= 1 &&
		    s->rowset_size <= 1)
			return SQL_SUCCESS;
		return dv_diag_error(&s->h.diag, DV_S_HY109,
				     "a forward-only cursor can only stay on the row it "
				     "fetched: set SQL_ATTR_CURSOR_TYPE to SQL_CURSOR_STATIC "
				     "before executing to position, refresh, update or delete "
				     "rows of a rowset");
	}
	if (sc->first < 1 || sc->count == 0)
		return dv_diag_error(&s->h.diag, DV_S_24000,
				     "the cursor is before the start or after the end of the "
				     "result: no rowset is fetched");
	if (row > (SQLSETPOSIROW)sc->count)
		return dv_diag_error(&s->h.diag, DV_S_HY107,
				     "row %lu is not in the rowset (%ld rows)", (unsigned long)row,
				     sc->count);
	switch (op) {
	case SQL_POSITION: {
		if (row == 0)
			return dv_diag_error(&s->h.diag, DV_S_HY109,
					     "SQL_POSITION needs a row number of 1 or more");
		int state = seek(s, sc->first + (long)row - 1);
		if (state < 0)
			return SQL_ERROR;
		if (state == DV_STATIC_DELETED)
			return dv_diag_error(&s->h.diag, DV_S_HY109,
					     "row %lu was deleted through this cursor",
					     (unsigned long)row);
		sc->cur = sc->first + (long)row - 1;
		s->row_valid = 1;
		s->gd_col = 0;
		s->gd_offset = 0;
		return SQL_SUCCESS;
	}
	case SQL_REFRESH:
		return refresh_rows(s, row);
	default:
		return write_rows(s, row, op);
	}
}
