/* dbc.h - connection-level internal functions (dbc.c, connect.c). */
#ifndef DV_ODBC_DBC_H
#define DV_ODBC_DBC_H

#include "odbc/handles.h"

/* Connection attributes.  String attributes go through str (UTF-8). */
int dv_conn_attr_is_string(SQLINTEGER attr);
SQLRETURN dv_dbc_set_attr(struct dv_dbc *dbc, SQLINTEGER attr, SQLPOINTER value,
			  const char *str);
/* Numeric result in *num (written as SQLUINTEGER or SQLULEN by the caller,
 * see dv_conn_attr_is_ulen), string result in *str. */
SQLRETURN dv_dbc_get_attr(struct dv_dbc *dbc, SQLINTEGER attr, SQLULEN *num,
			  const char **str);
int dv_conn_attr_is_ulen(SQLINTEGER attr);
/* SQLEndTran(SQL_COMMIT / SQL_ROLLBACK) on the connection's engine. */
SQLRETURN dv_dbc_end_tran(struct dv_dbc *dbc, SQLSMALLINT completion);
/* Diagnostics for a commit that failed (err: the engine's error). */
SQLRETURN dv_dbc_report_commit(struct dv_dbc *dbc, const struct dv_error *err);

/* connect.c.  connstr: SQLDriverConnect's string; or dsn/uid/pwd for
 * SQLConnect.  *out_connstr (may be NULL) gets the completed string without
 * secrets (caller frees). */
SQLRETURN dv_dbc_connect(struct dv_dbc *dbc, const char *connstr, const char *dsn,
			 const char *uid, const char *pwd, char **out_connstr);
SQLRETURN dv_dbc_disconnect(struct dv_dbc *dbc);
/* DBMS version "09.02.0000" (RetrieveVersion on first use). */
const char *dv_dbc_dbms_ver(struct dv_dbc *dbc);

#endif
