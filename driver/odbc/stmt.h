/* stmt.h - statement-level internal functions.
 *
 * stmt.c: lifetime, cursor state, statement attributes.
 * exec.c: prepare, parameters, execute.
 * fetch.c: fetching rows into bound buffers (block cursors), SQLGetData.
 * coldesc.c: SQLDescribeCol, SQLColAttribute, SQLDescribeParam.
 * Entry points call these with the statement locked and its diagnostics
 * cleared; all strings are UTF-8. */
#ifndef DV_ODBC_STMT_H
#define DV_ODBC_STMT_H

#include "odbc/handles.h"
#include "odbc/rowset.h"
#include "odbc/value.h"

/* stmt.c */
SQLRETURN dv_stmt_set_attr(struct dv_stmt *s, SQLINTEGER attr, SQLPOINTER value,
			   SQLINTEGER len);
SQLRETURN dv_stmt_get_attr(struct dv_stmt *s, SQLINTEGER attr, SQLPOINTER value,
			   SQLINTEGER buflen, SQLINTEGER *outlen);
SQLRETURN dv_stmt_free_stmt(struct dv_stmt *s, SQLUSMALLINT option);
SQLRETURN dv_stmt_close_cursor_checked(struct dv_stmt *s);
/* Installs an in-memory result (catalog functions): closes what was open,
 * fills the IRD from the rowset's columns, opens the cursor.  Takes rs. */
SQLRETURN dv_stmt_set_rowset(struct dv_stmt *s, struct dv_rowset *rs);
SQLRETURN dv_stmt_set_cursor_name(struct dv_stmt *s, const char *name);
const char *dv_stmt_cursor_name(struct dv_stmt *s);
int dv_stmt_odbc2(const struct dv_stmt *s);

/* exec.c */
SQLRETURN dv_stmt_prepare(struct dv_stmt *s, const char *sql);
SQLRETURN dv_stmt_execute(struct dv_stmt *s);
SQLRETURN dv_stmt_exec_direct(struct dv_stmt *s, const char *sql);
SQLRETURN dv_stmt_num_params(struct dv_stmt *s, SQLSMALLINT *n);
SQLRETURN dv_stmt_bind_param(struct dv_stmt *s, SQLUSMALLINT n, SQLSMALLINT io_type,
			     SQLSMALLINT c_type, SQLSMALLINT sql_type, SQLULEN size,
			     SQLSMALLINT digits, SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind);
SQLRETURN dv_stmt_native_sql(struct dv_dbc *dbc, const char *sql, char **out);
SQLRETURN dv_stmt_cancel(struct dv_stmt *s);
/* SQLMoreResults after a SELECT with a parameter array: the next set. */
SQLRETURN dv_stmt_next_param_set(struct dv_stmt *s);

/* dae.c */
SQLRETURN dv_stmt_param_data(struct dv_stmt *s, SQLPOINTER *value);
SQLRETURN dv_stmt_put_data(struct dv_stmt *s, SQLPOINTER data, SQLLEN len);

/* fetch.c */
SQLRETURN dv_stmt_bind_col(struct dv_stmt *s, SQLUSMALLINT col, SQLSMALLINT c_type,
			   SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind);
/* orientation: SQL_FETCH_NEXT etc; array_size 0 = the ARD's. rows_out and
 * status_out override the IRD's pointers when set (SQLExtendedFetch). */
SQLRETURN dv_stmt_fetch(struct dv_stmt *s, SQLSMALLINT orientation, SQLLEN offset,
			SQLULEN array_size, SQLULEN *rows_out, SQLUSMALLINT *status_out);
SQLRETURN dv_stmt_get_data(struct dv_stmt *s, SQLUSMALLINT col, SQLSMALLINT c_type,
			   SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind);
SQLRETURN dv_stmt_row_count(struct dv_stmt *s, SQLLEN *n);
SQLRETURN dv_stmt_num_cols(struct dv_stmt *s, SQLSMALLINT *n);
SQLRETURN dv_stmt_more_results(struct dv_stmt *s);
/* The current row's value of column col (1-based), SQL_ATTR_MAX_LENGTH
 * applied. */
void dv_stmt_value(struct dv_stmt *s, int col, struct dv_value *v);
/* Where element `row` (0-based) of a bound ARD buffer lives (bind type and
 * offset applied); elem is the element size for column-wise binding. */
char *dv_ard_addr(const struct dv_desc *ard, void *base, SQLULEN row, SQLLEN elem);
/* Column i (0-based) of the row vm is on, as a view. */
void dv_value_from_vm(sqlite3_stmt *vm, int i, struct dv_value *v);
/* Steps the engine statement of the open cursor: 1 row, 0 end, -1 error
 * (diagnostic added). */
int dv_stmt_step_source(struct dv_stmt *s);
/* Converts the current row into the bound buffers of rowset row `row`
 * (0-based); row_number names it in diagnostics, bookmark goes to a bound
 * column 0.  Returns the SQL_ROW_* status. */
SQLUSMALLINT dv_stmt_put_row(struct dv_stmt *s, SQLULEN row, SQLULEN row_number,
			     SQLULEN bookmark);

/* The statuses of a rowset's rows as they go into the buffers (a fetch, a
 * static cursor's rowset or its SQL_REFRESH): the row status array to
 * write, or NULL, and how many rows failed and how many warned. */
struct dv_row_tally {
	SQLUSMALLINT *status;
	int errors, warnings;
};
/* Rowset row i (0-based) came out as st (an SQL_ROW_* status).  Inline:
 * it runs for every fetched row. */
static inline void dv_row_tally_add(struct dv_row_tally *t, SQLULEN i, SQLUSMALLINT st)
{
	if (st == SQL_ROW_ERROR)
		t->errors++;
	else if (st == SQL_ROW_SUCCESS_WITH_INFO)
		t->warnings++;
	if (t->status)
		t->status[i] = st;
}
/* The rowset holds n of its size rows: SQL_ROW_NOROW for the others, and
 * *rows = n (when rows is not NULL). */
void dv_row_tally_end(struct dv_row_tally *t, SQLULEN n, SQLULEN size, SQLULEN *rows);
/* The return code of a rowset of size rows once they are in: SQL_ERROR
 * when its one row failed (in a block the statuses say which rows failed),
 * SQL_SUCCESS_WITH_INFO when a row failed or warned, else SQL_SUCCESS. */
SQLRETURN dv_row_tally_rc(const struct dv_row_tally *t, SQLULEN size);

/* coldesc.c.  String outputs point into the IRD (valid until the next call). */
SQLRETURN dv_stmt_describe_col(struct dv_stmt *s, SQLUSMALLINT col, const char **name,
			       SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits,
			       SQLSMALLINT *nullable);
/* Numeric result in *num, string result in *str (exactly one is set). */
SQLRETURN dv_stmt_col_attribute(struct dv_stmt *s, SQLUSMALLINT col, SQLUSMALLINT field,
				SQLLEN *num, const char **str);
SQLRETURN dv_stmt_describe_param(struct dv_stmt *s, SQLUSMALLINT n, SQLSMALLINT *type,
				 SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable);

#endif
