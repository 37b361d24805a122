/* scroll.h - static (scrollable) cursors: positioning, SQLSetPos, bookmarks.
 *
 * Owns: struct dv_scroll, a static cursor's rows (the engine's static store,
 * driver/engine/static.c, filled as far as scrolling needs; or the
 * statement's in-memory catalog rowset) and its position: the rowset
 * SQLFetchScroll / SQLExtendedFetch last fetched and the current row
 * (SQLSetPos(SQL_POSITION)) that SQLGetData reads.  Bookmarks are row
 * numbers.  A forward-only cursor never gets one (fetch.c streams it). */
#ifndef DV_ODBC_SCROLL_H
#define DV_ODBC_SCROLL_H

#include "odbc/handles.h"
#include "odbc/value.h"

/* True when the statement's open cursor is (or will be, at the first
 * fetch) a static one. */
int dv_scroll_is_static(const struct dv_stmt *s);
void dv_scroll_free(struct dv_scroll *sc);

/* SQLFetchScroll / SQLExtendedFetch on a static cursor.  rows_out and
 * status_out override the IRD's pointers when set. */
SQLRETURN dv_scroll_fetch(struct dv_stmt *s, SQLSMALLINT orientation, SQLLEN offset,
			  SQLULEN array_size, SQLULEN *rows_out, SQLUSMALLINT *status_out);
/* SQLRowCount: every row of the result (read to the end). */
SQLRETURN dv_scroll_row_count(struct dv_stmt *s, SQLLEN *n);
/* Column col (1-based) of the current row. */
void dv_scroll_value(struct dv_stmt *s, int col, struct dv_value *v);
/* The current row's number (SQL_ATTR_ROW_NUMBER, its bookmark), 0 = none. */
SQLULEN dv_scroll_row_number(const struct dv_stmt *s);
/* SQLSetPos: SQL_POSITION, SQL_REFRESH, SQL_UPDATE, SQL_DELETE. */
SQLRETURN dv_scroll_set_pos(struct dv_stmt *s, SQLSETPOSIROW row, SQLUSMALLINT op,
			    SQLUSMALLINT lock);

#endif
