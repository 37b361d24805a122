/* api_stmt.c - entry points: preparing, executing, describing and fetching,
 * SQLSetPos, statement attributes, cursor names, SQLCancel. */
#include "odbc/api.h"
#include "odbc/scroll.h"
#include "odbc/stmt.h"

#include <stdlib.h>

#define ENTER_STMT(hstmt) \
	struct dv_handle *h = dv_api_enter((hstmt), DV_H_STMT); \
	if (!h) \
		return SQL_INVALID_HANDLE; \
	struct dv_stmt *s = (struct dv_stmt *)h

static SQLRETURN with_sql(SQLHSTMT hstmt, const void *text, SQLINTEGER len, int wide,
			  SQLRETURN (*fn)(struct dv_stmt *, const char *))
{
	ENTER_STMT(hstmt);
	SQLRETURN rc = SQL_SUCCESS;
	char *sql = wide ? dv_api_in_w(h, text, len, &rc) : dv_api_in(h, text, len, &rc);
	if (rc == SQL_SUCCESS && !sql)
		rc = dv_diag_error(&h->diag, DV_S_HY009, "the statement text is NULL");
	if (rc == SQL_SUCCESS)
		rc = fn(s, sql);
	free(sql);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLPrepare(SQLHSTMT hstmt, SQLCHAR *text, SQLINTEGER len)
{
	return with_sql(hstmt, text, len, 0, dv_stmt_prepare);
}

SQLRETURN SQL_API SQLPrepareW(SQLHSTMT hstmt, SQLWCHAR *text, SQLINTEGER len)
{
	return with_sql(hstmt, text, len, 1, dv_stmt_prepare);
}

SQLRETURN SQL_API SQLExecDirect(SQLHSTMT hstmt, SQLCHAR *text, SQLINTEGER len)
{
	return with_sql(hstmt, text, len, 0, dv_stmt_exec_direct);
}

SQLRETURN SQL_API SQLExecDirectW(SQLHSTMT hstmt, SQLWCHAR *text, SQLINTEGER len)
{
	return with_sql(hstmt, text, len, 1, dv_stmt_exec_direct);
}

SQLRETURN SQL_API SQLExecute(SQLHSTMT hstmt)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_execute(s));
}

SQLRETURN SQL_API SQLParamData(SQLHSTMT hstmt, SQLPOINTER *value)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_param_data(s, value));
}

SQLRETURN SQL_API SQLPutData(SQLHSTMT hstmt, SQLPOINTER data, SQLLEN len)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_put_data(s, data, len));
}

SQLRETURN SQL_API SQLNumParams(SQLHSTMT hstmt, SQLSMALLINT *n)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_num_params(s, n));
}

SQLRETURN SQL_API SQLDescribeParam(SQLHSTMT hstmt, SQLUSMALLINT n, SQLSMALLINT *type,
				   SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_describe_param(s, n, type, size, digits, nullable));
}

SQLRETURN SQL_API SQLBindParameter(SQLHSTMT hstmt, SQLUSMALLINT n, SQLSMALLINT io_type,
				   SQLSMALLINT c_type, SQLSMALLINT sql_type, SQLULEN size,
				   SQLSMALLINT digits, SQLPOINTER ptr, SQLLEN buflen,
				   SQLLEN *ind)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_bind_param(s, n, io_type, c_type, sql_type, size, digits,
						  ptr, buflen, ind));
}

SQLRETURN SQL_API SQLNumResultCols(SQLHSTMT hstmt, SQLSMALLINT *n)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_num_cols(s, n));
}

static SQLRETURN describe_col(SQLHSTMT hstmt, SQLUSMALLINT col, void *name,
			      SQLSMALLINT name_max, SQLSMALLINT *name_len, SQLSMALLINT *type,
			      SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable, int wide)
{
	ENTER_STMT(hstmt);
	const char *cname = NULL;
	SQLRETURN rc = dv_stmt_describe_col(s, col, &cname, type, size, digits, nullable);
	if (rc == SQL_SUCCESS)
		rc = dv_api_out_small(h, rc, cname, name, name_max, name_len, wide, 1);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLDescribeCol(SQLHSTMT hstmt, SQLUSMALLINT col, SQLCHAR *name,
				 SQLSMALLINT name_max, SQLSMALLINT *name_len, SQLSMALLINT *type,
				 SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable)
{
	return describe_col(hstmt, col, name, name_max, name_len, type, size, digits, nullable,
			    0);
}

SQLRETURN SQL_API SQLDescribeColW(SQLHSTMT hstmt, SQLUSMALLINT col, SQLWCHAR *name,
				  SQLSMALLINT name_max, SQLSMALLINT *name_len,
				  SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits,
				  SQLSMALLINT *nullable)
{
	return describe_col(hstmt, col, name, name_max, name_len, type, size, digits, nullable,
			    1);
}

static SQLRETURN col_attribute(SQLHSTMT hstmt, SQLUSMALLINT col, SQLUSMALLINT field,
			       SQLPOINTER cbuf, SQLSMALLINT cmax, SQLSMALLINT *clen,
			       SQLLEN *num, int wide)
{
	ENTER_STMT(hstmt);
	const char *str = NULL;
	SQLLEN n = 0;
	SQLRETURN rc = dv_stmt_col_attribute(s, col, field, &n, &str);
	if (rc == SQL_SUCCESS && str)
		rc = dv_api_out_small(h, rc, str, cbuf, cmax, clen, wide, 0);
	else if (rc == SQL_SUCCESS && num)
		*num = n;
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLColAttribute(SQLHSTMT hstmt, SQLUSMALLINT col, SQLUSMALLINT field,
				  SQLPOINTER cbuf, SQLSMALLINT cmax, SQLSMALLINT *clen,
				  SQLLEN *num)
{
	return col_attribute(hstmt, col, field, cbuf, cmax, clen, num, 0);
}

SQLRETURN SQL_API SQLColAttributeW(SQLHSTMT hstmt, SQLUSMALLINT col, SQLUSMALLINT field,
				   SQLPOINTER cbuf, SQLSMALLINT cmax, SQLSMALLINT *clen,
				   SQLLEN *num)
{
	return col_attribute(hstmt, col, field, cbuf, cmax, clen, num, 1);
}

SQLRETURN SQL_API SQLBindCol(SQLHSTMT hstmt, SQLUSMALLINT col, SQLSMALLINT c_type,
			     SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_bind_col(s, col, c_type, ptr, buflen, ind));
}

SQLRETURN SQL_API SQLFetch(SQLHSTMT hstmt)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_fetch(s, SQL_FETCH_NEXT, 0, 0, NULL, NULL));
}

SQLRETURN SQL_API SQLFetchScroll(SQLHSTMT hstmt, SQLSMALLINT orientation, SQLLEN offset)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_fetch(s, orientation, offset, 0, NULL, NULL));
}

/* ODBC 2: the rowset size is SQL_ROWSET_SIZE and the counts go to the
 * arguments.  https://learn.microsoft.com/sql/odbc/reference/syntax/sqlextendedfetch-function */
SQLRETURN SQL_API SQLExtendedFetch(SQLHSTMT hstmt, SQLUSMALLINT orientation, SQLLEN offset,
				   SQLULEN *rows, SQLUSMALLINT *status)
{
	ENTER_STMT(hstmt);
	/* SQL_FETCH_BOOKMARK: the bookmark is the offset argument itself. */
	SQLUINTEGER bm = (SQLUINTEGER)offset;
	SQLLEN *saved = s->fetch_bookmark_ptr;
	if (orientation == SQL_FETCH_BOOKMARK) {
		s->fetch_bookmark_ptr = (SQLLEN *)(void *)&bm;
		offset = 0;
	}
	SQLRETURN rc = dv_stmt_fetch(s, (SQLSMALLINT)orientation, offset,
				     s->rowset_size ? s->rowset_size : 1, rows, status);
	s->fetch_bookmark_ptr = saved;
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLSetPos(SQLHSTMT hstmt, SQLSETPOSIROW row, SQLUSMALLINT op,
			    SQLUSMALLINT lock)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_scroll_set_pos(s, row, op, lock));
}

SQLRETURN SQL_API SQLGetData(SQLHSTMT hstmt, SQLUSMALLINT col, SQLSMALLINT c_type,
			     SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_get_data(s, col, c_type, ptr, buflen, ind));
}

SQLRETURN SQL_API SQLRowCount(SQLHSTMT hstmt, SQLLEN *n)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_row_count(s, n));
}

SQLRETURN SQL_API SQLMoreResults(SQLHSTMT hstmt)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_more_results(s));
}

SQLRETURN SQL_API SQLCloseCursor(SQLHSTMT hstmt)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_close_cursor_checked(s));
}

/* Runs without the statement lock: the statement may be executing in
 * another thread, holding it. */
SQLRETURN SQL_API SQLCancel(SQLHSTMT hstmt)
{
	struct dv_stmt *s = (struct dv_stmt *)dv_handle_check(hstmt, DV_H_STMT);
	if (!s)
		return SQL_INVALID_HANDLE;
	return dv_stmt_cancel(s);
}

static SQLRETURN set_stmt_attr(SQLHSTMT hstmt, SQLINTEGER attr, SQLPOINTER value,
			       SQLINTEGER len)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_set_attr(s, attr, value, len));
}

SQLRETURN SQL_API SQLSetStmtAttr(SQLHSTMT hstmt, SQLINTEGER attr, SQLPOINTER value,
				 SQLINTEGER len)
{
	return set_stmt_attr(hstmt, attr, value, len);
}

SQLRETURN SQL_API SQLSetStmtAttrW(SQLHSTMT hstmt, SQLINTEGER attr, SQLPOINTER value,
				  SQLINTEGER len)
{
	return set_stmt_attr(hstmt, attr, value, len);
}

static SQLRETURN get_stmt_attr(SQLHSTMT hstmt, SQLINTEGER attr, SQLPOINTER value,
			       SQLINTEGER buflen, SQLINTEGER *outlen)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_stmt_get_attr(s, attr, value, buflen, outlen));
}

SQLRETURN SQL_API SQLGetStmtAttr(SQLHSTMT hstmt, SQLINTEGER attr, SQLPOINTER value,
				 SQLINTEGER buflen, SQLINTEGER *outlen)
{
	return get_stmt_attr(hstmt, attr, value, buflen, outlen);
}

SQLRETURN SQL_API SQLGetStmtAttrW(SQLHSTMT hstmt, SQLINTEGER attr, SQLPOINTER value,
				  SQLINTEGER buflen, SQLINTEGER *outlen)
{
	return get_stmt_attr(hstmt, attr, value, buflen, outlen);
}

static SQLRETURN get_cursor_name(SQLHSTMT hstmt, void *buf, SQLSMALLINT max,
				 SQLSMALLINT *len, int wide)
{
	ENTER_STMT(hstmt);
	return dv_api_leave(h, dv_api_out_small(h, SQL_SUCCESS, dv_stmt_cursor_name(s), buf,
						max, len, wide, 1));
}

SQLRETURN SQL_API SQLGetCursorName(SQLHSTMT hstmt, SQLCHAR *buf, SQLSMALLINT max,
				   SQLSMALLINT *len)
{
	return get_cursor_name(hstmt, buf, max, len, 0);
}

SQLRETURN SQL_API SQLGetCursorNameW(SQLHSTMT hstmt, SQLWCHAR *buf, SQLSMALLINT max,
				    SQLSMALLINT *len)
{
	return get_cursor_name(hstmt, buf, max, len, 1);
}

static SQLRETURN set_cursor_name(SQLHSTMT hstmt, const void *name, SQLSMALLINT len,
				 int wide)
{
	ENTER_STMT(hstmt);
	SQLRETURN rc = SQL_SUCCESS;
	char *n = wide ? dv_api_in_w(h, name, len, &rc) : dv_api_in(h, name, len, &rc);
	if (rc == SQL_SUCCESS)
		rc = dv_stmt_set_cursor_name(s, n);
	free(n);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLSetCursorName(SQLHSTMT hstmt, SQLCHAR *name, SQLSMALLINT len)
{
	return set_cursor_name(hstmt, name, len, 0);
}

SQLRETURN SQL_API SQLSetCursorNameW(SQLHSTMT hstmt, SQLWCHAR *name, SQLSMALLINT len)
{
	return set_cursor_name(hstmt, name, len, 1);
}
