/* rowset.h - in-memory result sets (catalog functions, SQLGetTypeInfo).
 *
 * Owns: struct dv_rowset, rows of typed cells with a per-column SQL type
 * description.  A statement holding a rowset fetches from it through the
 * same descriptor and conversion path as an engine result. */
#ifndef DV_ODBC_ROWSET_H
#define DV_ODBC_ROWSET_H

#include <stddef.h>
#include <stdint.h>

#include <sql.h>

#include "odbc/value.h"

struct dv_rs_col {
	const char *name;
	SQLSMALLINT sql_type;   /* SQL_VARCHAR, SQL_SMALLINT, SQL_INTEGER */
	SQLULEN size;
	SQLSMALLINT nullable;   /* SQL_NULLABLE / SQL_NO_NULLS */
};

struct dv_rowset {
	const struct dv_rs_col *cols;  /* static tables */
	int ncols;
	struct dv_value *cells;        /* nrows * ncols; TEXT cells own their s */
	size_t nrows, cap;
};

struct dv_rowset *dv_rowset_new(const struct dv_rs_col *cols, int ncols);
void dv_rowset_free(struct dv_rowset *rs);
/* Appends a row of NULLs; returns 0 or -1 (no memory). */
int dv_rowset_add_row(struct dv_rowset *rs);
/* Set a cell of the last row. NULL text sets NULL.  0 or -1 (no memory). */
int dv_rowset_set_text(struct dv_rowset *rs, int col, const char *text);
void dv_rowset_set_int(struct dv_rowset *rs, int col, int64_t v);
void dv_rowset_set_null(struct dv_rowset *rs, int col);
/* Stable sort on the given columns (text case-sensitive, NULL first, then
 * integers).  Returns 0 or -1 (no memory, order unchanged). */
int dv_rowset_sort(struct dv_rowset *rs, const int *cols, int ncols);
const struct dv_value *dv_rowset_cell(const struct dv_rowset *rs, size_t row, int col);

#endif
