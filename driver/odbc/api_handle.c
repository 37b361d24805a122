/* api_handle.c - entry points: handles, environment and connection attributes,
 * transactions. */
#include "odbc/api.h"
#include "odbc/dbc.h"
#include "odbc/stmt.h"

#include <stdint.h>
#include <stdlib.h>

static SQLRETURN alloc_handle(SQLSMALLINT type, SQLHANDLE in, SQLHANDLE *out)
{
	struct dv_handle *h;
	SQLRETURN rc;
	if (!out)
		return SQL_ERROR;
	switch (type) {
	case SQL_HANDLE_ENV: {
		struct dv_env *env = NULL;
		rc = dv_env_alloc(&env);
		*out = env;
		return rc;
	}
	case SQL_HANDLE_DBC: {
		struct dv_dbc *dbc = NULL;
		if (!(h = dv_api_enter(in, DV_H_ENV)))
			return SQL_INVALID_HANDLE;
		rc = dv_dbc_alloc((struct dv_env *)h, &dbc);
		*out = dbc;
		return dv_api_leave(h, rc);
	}
	case SQL_HANDLE_STMT: {
		struct dv_stmt *s = NULL;
		if (!(h = dv_api_enter(in, DV_H_DBC)))
			return SQL_INVALID_HANDLE;
		rc = dv_stmt_alloc((struct dv_dbc *)h, &s);
		*out = s;
		return dv_api_leave(h, rc);
	}
	case SQL_HANDLE_DESC: {
		struct dv_desc *d = NULL;
		if (!(h = dv_api_enter(in, DV_H_DBC)))
			return SQL_INVALID_HANDLE;
		rc = dv_desc_alloc_explicit((struct dv_dbc *)h, &d);
		*out = d;
		return dv_api_leave(h, rc);
	}
	default:
		return SQL_ERROR;
	}
}

SQLRETURN SQL_API SQLAllocHandle(SQLSMALLINT type, SQLHANDLE in, SQLHANDLE *out)
{
	return alloc_handle(type, in, out);
}

/* Every use of a statement holds its connection's lock (dv_handle_lock),
 * so holding that lock, no other thread is inside the statement: it can be
 * unlinked from the connection and destroyed. */
static SQLRETURN free_stmt(SQLHANDLE handle)
{
	struct dv_stmt *s = (struct dv_stmt *)dv_handle_check(handle, DV_H_STMT);
	if (!s)
		return SQL_INVALID_HANDLE;
	struct dv_dbc *dbc = s->dbc;
	dv_handle_lock(&dbc->h);
	SQLRETURN rc = dv_stmt_free(s);
	dv_handle_unlock(&dbc->h);
	return rc;
}

SQLRETURN SQL_API SQLFreeHandle(SQLSMALLINT type, SQLHANDLE handle)
{
	struct dv_handle *h;
	switch (type) {
	case SQL_HANDLE_ENV:
		if (!(h = dv_api_enter(handle, DV_H_ENV)))
			return SQL_INVALID_HANDLE;
		dv_handle_unlock(h);
		return dv_env_free((struct dv_env *)h);
	case SQL_HANDLE_DBC:
		if (!(h = dv_api_enter(handle, DV_H_DBC)))
			return SQL_INVALID_HANDLE;
		if (((struct dv_dbc *)h)->connected)
			return dv_api_leave(h, dv_diag_error(&h->diag, DV_S_HY010,
							     "the connection is open"));
		dv_handle_unlock(h);
		return dv_dbc_free((struct dv_dbc *)h);
	case SQL_HANDLE_STMT:
		return free_stmt(handle);
	case SQL_HANDLE_DESC: {
		if (!(h = dv_api_enter(handle, DV_H_DESC)))
			return SQL_INVALID_HANDLE;
		struct dv_desc *d = (struct dv_desc *)h;
		if (d->alloc_type != SQL_DESC_ALLOC_USER)
			return dv_api_leave(h, dv_diag_error(&h->diag, DV_S_HY024,
							     "an implicit descriptor cannot be "
							     "freed"));
		dv_handle_unlock(h);
		return dv_desc_free_explicit(d);
	}
	default:
		return SQL_ERROR;
	}
}

SQLRETURN SQL_API SQLFreeStmt(SQLHSTMT hstmt, SQLUSMALLINT option)
{
	struct dv_handle *h;
	if (option == SQL_DROP)
		return free_stmt(hstmt);
	if (!(h = dv_api_enter(hstmt, DV_H_STMT)))
		return SQL_INVALID_HANDLE;
	return dv_api_leave(h, dv_stmt_free_stmt((struct dv_stmt *)h, option));
}

SQLRETURN SQL_API SQLSetEnvAttr(SQLHENV henv, SQLINTEGER attr, SQLPOINTER value,
				SQLINTEGER len)
{
	struct dv_handle *h = dv_api_enter(henv, DV_H_ENV);
	if (!h)
		return SQL_INVALID_HANDLE;
	return dv_api_leave(h, dv_env_set_attr((struct dv_env *)h, attr, value, len));
}

SQLRETURN SQL_API SQLGetEnvAttr(SQLHENV henv, SQLINTEGER attr, SQLPOINTER value,
				SQLINTEGER buflen, SQLINTEGER *outlen)
{
	struct dv_handle *h = dv_api_enter(henv, DV_H_ENV);
	if (!h)
		return SQL_INVALID_HANDLE;
	return dv_api_leave(h, dv_env_get_attr((struct dv_env *)h, attr, value, buflen, outlen));
}

static SQLRETURN set_connect_attr(SQLHDBC hdbc, SQLINTEGER attr, SQLPOINTER value,
				  SQLINTEGER len, int wide)
{
	struct dv_handle *h = dv_api_enter(hdbc, DV_H_DBC);
	SQLRETURN rc = SQL_SUCCESS;
	char *str = NULL;
	if (!h)
		return SQL_INVALID_HANDLE;
	if (dv_conn_attr_is_string(attr) && value) {
		/* the W call's length is in bytes; dv_api_in_w counts characters */
		str = wide ? dv_api_in_w(h, value, dv_api_wlen_chars(len), &rc)
			   : dv_api_in(h, value, len, &rc);
		if (rc != SQL_SUCCESS)
			return dv_api_leave(h, rc);
	}
	rc = dv_dbc_set_attr((struct dv_dbc *)h, attr, value, str);
	free(str);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLSetConnectAttr(SQLHDBC hdbc, SQLINTEGER attr, SQLPOINTER value,
				    SQLINTEGER len)
{
	return set_connect_attr(hdbc, attr, value, len, 0);
}

SQLRETURN SQL_API SQLSetConnectAttrW(SQLHDBC hdbc, SQLINTEGER attr, SQLPOINTER value,
				     SQLINTEGER len)
{
	return set_connect_attr(hdbc, attr, value, len, 1);
}

static SQLRETURN get_connect_attr(SQLHDBC hdbc, SQLINTEGER attr, SQLPOINTER value,
				  SQLINTEGER buflen, SQLINTEGER *outlen, int wide)
{
	struct dv_handle *h = dv_api_enter(hdbc, DV_H_DBC);
	SQLULEN num;
	const char *str;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = dv_dbc_get_attr((struct dv_dbc *)h, attr, &num, &str);
	if (rc == SQL_SUCCESS && str) {
		rc = dv_api_out_int(h, rc, str, value, buflen, outlen, wide, 0);
	} else if (rc == SQL_SUCCESS) {
		if (dv_conn_attr_is_ulen(attr)) {
			if (value)
				*(SQLULEN *)value = num;
			dv_set_len_int(outlen, sizeof(SQLULEN));
		} else {
			if (value)
				*(SQLUINTEGER *)value = (SQLUINTEGER)num;
			dv_set_len_int(outlen, sizeof(SQLUINTEGER));
		}
	}
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLGetConnectAttr(SQLHDBC hdbc, SQLINTEGER attr, SQLPOINTER value,
				    SQLINTEGER buflen, SQLINTEGER *outlen)
{
	return get_connect_attr(hdbc, attr, value, buflen, outlen, 0);
}

SQLRETURN SQL_API SQLGetConnectAttrW(SQLHDBC hdbc, SQLINTEGER attr, SQLPOINTER value,
				     SQLINTEGER buflen, SQLINTEGER *outlen)
{
	return get_connect_attr(hdbc, attr, value, buflen, outlen, 1);
}

/* Commit / rollback of a connection's queued writes (dbc.c).  On an
 * environment the driver manager calls each of its connections itself
 * (unixODBC does), so the driver has nothing more to do there.
 * ODBC 2 SQLTransact arrives here through the driver manager. */
SQLRETURN SQL_API SQLEndTran(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT completion)
{
	enum dv_htype t = type == SQL_HANDLE_ENV ? DV_H_ENV : DV_H_DBC;
	struct dv_handle *h;
	if (type != SQL_HANDLE_ENV && type != SQL_HANDLE_DBC)
		return SQL_ERROR;
	if (!(h = dv_api_enter(handle, t)))
		return SQL_INVALID_HANDLE;
	if (completion != SQL_COMMIT && completion != SQL_ROLLBACK)
		return dv_api_leave(h, dv_diag_error(&h->diag, DV_S_HY024,
						     "completion type %d", (int)completion));
	if (t == DV_H_DBC)
		return dv_api_leave(h, dv_dbc_end_tran((struct dv_dbc *)h, completion));
	return dv_api_leave(h, SQL_SUCCESS);
}
