/* api_connect.c - entry points: SQLConnect, SQLDriverConnect, SQLDisconnect,
 * SQLNativeSql.  SQLBrowseConnect is not exported (the driver manager answers
 * IM001). */
#include "odbc/api.h"
#include "odbc/dbc.h"
#include "odbc/stmt.h"

#include <stdlib.h>

static SQLRETURN connect_common(SQLHDBC hdbc, const void *dsn, SQLSMALLINT dsn_len,
				const void *uid, SQLSMALLINT uid_len, const void *pwd,
				SQLSMALLINT pwd_len, int wide)
{
	struct dv_handle *h = dv_api_enter(hdbc, DV_H_DBC);
	SQLRETURN rc = SQL_SUCCESS;
	if (!h)
		return SQL_INVALID_HANDLE;
	char *d = wide ? dv_api_in_w(h, dsn, dsn_len, &rc) : dv_api_in(h, dsn, dsn_len, &rc);
	char *u = wide ? dv_api_in_w(h, uid, uid_len, &rc) : dv_api_in(h, uid, uid_len, &rc);
	char *p = wide ? dv_api_in_w(h, pwd, pwd_len, &rc) : dv_api_in(h, pwd, pwd_len, &rc);
	if (rc == SQL_SUCCESS)
		rc = dv_dbc_connect((struct dv_dbc *)h, NULL, d, u, p, NULL);
	free(d);
	free(u);
	free(p);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLConnect(SQLHDBC hdbc, SQLCHAR *dsn, SQLSMALLINT dsn_len, SQLCHAR *uid,
			     SQLSMALLINT uid_len, SQLCHAR *pwd, SQLSMALLINT pwd_len)
{
	return connect_common(hdbc, dsn, dsn_len, uid, uid_len, pwd, pwd_len, 0);
}

SQLRETURN SQL_API SQLConnectW(SQLHDBC hdbc, SQLWCHAR *dsn, SQLSMALLINT dsn_len,
			      SQLWCHAR *uid, SQLSMALLINT uid_len, SQLWCHAR *pwd,
			      SQLSMALLINT pwd_len)
{
	return connect_common(hdbc, dsn, dsn_len, uid, uid_len, pwd, pwd_len, 1);
}

/* There is no dialog: every completion mode behaves as SQL_DRIVER_NOPROMPT.
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqldriverconnect-function */
static SQLRETURN driver_connect(SQLHDBC hdbc, const void *in, SQLSMALLINT in_len, void *out,
				SQLSMALLINT out_max, SQLSMALLINT *out_len,
				SQLUSMALLINT completion, int wide)
{
	struct dv_handle *h = dv_api_enter(hdbc, DV_H_DBC);
	SQLRETURN rc = SQL_SUCCESS;
	char *completed = NULL;
	if (!h)
		return SQL_INVALID_HANDLE;
	if (completion != SQL_DRIVER_NOPROMPT && completion != SQL_DRIVER_COMPLETE &&
	    completion != SQL_DRIVER_PROMPT && completion != SQL_DRIVER_COMPLETE_REQUIRED)
		return dv_api_leave(h, dv_diag_error(&h->diag, DV_S_HY110, "driver completion %u",
						     (unsigned)completion));
	char *s = wide ? dv_api_in_w(h, in, in_len, &rc) : dv_api_in(h, in, in_len, &rc);
	if (rc == SQL_SUCCESS)
		rc = dv_dbc_connect((struct dv_dbc *)h, s ? s : "", NULL, NULL, NULL, &completed);
	if (SQL_SUCCEEDED(rc))
		rc = dv_api_out_small(h, rc, completed, out, out_max, out_len, wide, 1);
	free(completed);
	free(s);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLDriverConnect(SQLHDBC hdbc, SQLHWND hwnd, SQLCHAR *in,
				   SQLSMALLINT in_len, SQLCHAR *out, SQLSMALLINT out_max,
				   SQLSMALLINT *out_len, SQLUSMALLINT completion)
{
	return driver_connect(hdbc, in, in_len, out, out_max, out_len, completion, 0);
}

SQLRETURN SQL_API SQLDriverConnectW(SQLHDBC hdbc, SQLHWND hwnd, SQLWCHAR *in,
				    SQLSMALLINT in_len, SQLWCHAR *out, SQLSMALLINT out_max,
				    SQLSMALLINT *out_len, SQLUSMALLINT completion)
{
	return driver_connect(hdbc, in, in_len, out, out_max, out_len, completion, 1);
}

SQLRETURN SQL_API SQLDisconnect(SQLHDBC hdbc)
{
	struct dv_handle *h = dv_api_enter(hdbc, DV_H_DBC);
	if (!h)
		return SQL_INVALID_HANDLE;
	return dv_api_leave(h, dv_dbc_disconnect((struct dv_dbc *)h));
}

static SQLRETURN native_sql(SQLHDBC hdbc, const void *in, SQLINTEGER in_len, void *out,
			    SQLINTEGER out_max, SQLINTEGER *out_len, int wide)
{
	struct dv_handle *h = dv_api_enter(hdbc, DV_H_DBC);
	SQLRETURN rc = SQL_SUCCESS;
	char *text = NULL;
	if (!h)
		return SQL_INVALID_HANDLE;
	char *sql = wide ? dv_api_in_w(h, in, in_len, &rc) : dv_api_in(h, in, in_len, &rc);
	if (rc == SQL_SUCCESS && !sql)
		rc = dv_diag_error(&h->diag, DV_S_HY009, "the statement text is NULL");
	if (rc == SQL_SUCCESS)
		rc = dv_stmt_native_sql((struct dv_dbc *)h, sql, &text);
	if (rc == SQL_SUCCESS)
		rc = dv_api_out_int(h, rc, text, out, out_max, out_len, wide, 1);
	free(text);
	free(sql);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLNativeSql(SQLHDBC hdbc, SQLCHAR *in, SQLINTEGER in_len, SQLCHAR *out,
			       SQLINTEGER out_max, SQLINTEGER *out_len)
{
	return native_sql(hdbc, in, in_len, out, out_max, out_len, 0);
}

SQLRETURN SQL_API SQLNativeSqlW(SQLHDBC hdbc, SQLWCHAR *in, SQLINTEGER in_len, SQLWCHAR *out,
				SQLINTEGER out_max, SQLINTEGER *out_len)
{
	return native_sql(hdbc, in, in_len, out, out_max, out_len, 1);
}
