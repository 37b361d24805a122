/* dbc.c - the connection handle: lifetime, its statements, its attributes.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetconnectattr-function */
#include "odbc/dbc.h"
#include "odbc/stmt.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

SQLRETURN dv_dbc_alloc(struct dv_env *env, struct dv_dbc **out)
{
	struct dv_dbc *dbc = calloc(1, sizeof(*dbc));
	if (!dbc)
		return dv_diag_error(&env->h.diag, DV_S_HY001, NULL);
	if (dv_handle_init(&dbc->h, DV_H_DBC, &env->h) != 0) {
		free(dbc);
		return dv_diag_error(&env->h.diag, DV_S_HY001, NULL);
	}
	dbc->env = env;
	dbc->autocommit = SQL_AUTOCOMMIT_ON;
	dbc->access_mode = SQL_MODE_READ_WRITE;
	dbc->login_timeout = 0;
	dbc->connection_timeout = 0;
	dbc->txn_isolation = SQL_TXN_READ_COMMITTED;
	dbc->metadata_id = SQL_FALSE;
	*out = dbc;
	return SQL_SUCCESS;
}

SQLRETURN dv_dbc_free(struct dv_dbc *dbc)
{
	if (dbc->connected)
		return dv_diag_error(&dbc->h.diag, DV_S_HY010, "the connection is still open");
	while (dbc->nstmts > 0)
		dv_stmt_free(dbc->stmts[dbc->nstmts - 1]);
	free(dbc->stmts);
	free(dbc->current_catalog);
	dv_handle_destroy(&dbc->h);
	free(dbc);
	return SQL_SUCCESS;
}

int dv_dbc_add_stmt(struct dv_dbc *dbc, struct dv_stmt *stmt)
{
	if (dbc->nstmts == dbc->capstmts) {
		size_t cap = dbc->capstmts ? dbc->capstmts * 2 : 8;
		struct dv_stmt **s = realloc(dbc->stmts, cap * sizeof(*s));
		if (!s)
			return -1;
		dbc->stmts = s;
		dbc->capstmts = cap;
	}
	dbc->stmts[dbc->nstmts++] = stmt;
	return 0;
}

void dv_dbc_remove_stmt(struct dv_dbc *dbc, struct dv_stmt *stmt)
{
	for (size_t i = 0; i < dbc->nstmts; i++) {
		if (dbc->stmts[i] == stmt) {
			memmove(&dbc->stmts[i], &dbc->stmts[i + 1],
				(dbc->nstmts - i - 1) * sizeof(dbc->stmts[0]));
			dbc->nstmts--;
			return;
		}
	}
}

int dv_dbc_odbc2(const struct dv_dbc *dbc)
{
	return dbc && dbc->env && dbc->env->odbc_version == SQL_OV_ODBC2;
}

int dv_conn_attr_is_string(SQLINTEGER attr)
{
	return attr == SQL_ATTR_CURRENT_CATALOG || attr == SQL_ATTR_TRACEFILE ||
	       attr == SQL_ATTR_TRANSLATE_LIB;
}

int dv_conn_attr_is_ulen(SQLINTEGER attr)
{
	return attr == SQL_ATTR_QUIET_MODE;
}

static SQLRETURN bad_value(struct dv_dbc *dbc, const char *name, SQLULEN v)
{
	return dv_diag_error(&dbc->h.diag, DV_S_HY024, "%s: invalid value %lu", name,
			     (unsigned long)v);
}

SQLRETURN dv_dbc_set_attr(struct dv_dbc *dbc, SQLINTEGER attr, SQLPOINTER value,
			  const char *str)
{
	SQLULEN v = (SQLULEN)(uintptr_t)value;
	switch (attr) {
	case SQL_ATTR_AUTOCOMMIT:
		if (v != SQL_AUTOCOMMIT_ON && v != SQL_AUTOCOMMIT_OFF)
			return bad_value(dbc, "SQL_ATTR_AUTOCOMMIT", v);
		dbc->autocommit = (SQLUINTEGER)v;
		return SQL_SUCCESS;
	case SQL_ATTR_ACCESS_MODE:
		if (v != SQL_MODE_READ_ONLY && v != SQL_MODE_READ_WRITE)
			return bad_value(dbc, "SQL_ATTR_ACCESS_MODE", v);
		dbc->access_mode = (SQLUINTEGER)v;
		return SQL_SUCCESS;
	case SQL_ATTR_LOGIN_TIMEOUT:
		dbc->login_timeout = (SQLUINTEGER)v;
		return SQL_SUCCESS;
	case SQL_ATTR_CONNECTION_TIMEOUT:
		dbc->connection_timeout = (SQLUINTEGER)v;
		return SQL_SUCCESS;
	case SQL_ATTR_TXN_ISOLATION:
		if (v != SQL_TXN_READ_UNCOMMITTED && v != SQL_TXN_READ_COMMITTED &&
		    v != SQL_TXN_REPEATABLE_READ && v != SQL_TXN_SERIALIZABLE)
			return bad_value(dbc, "SQL_ATTR_TXN_ISOLATION", v);
		if (v != SQL_TXN_READ_COMMITTED) {
			dv_diag_add(&dbc->h.diag, DV_S_01S02, 0,
				    "only SQL_TXN_READ_COMMITTED is supported",
				    SQL_NO_ROW_NUMBER, SQL_NO_COLUMN_NUMBER);
			return SQL_SUCCESS_WITH_INFO;
		}
		return SQL_SUCCESS;
	case SQL_ATTR_METADATA_ID:
		dbc->metadata_id = v ? SQL_TRUE : SQL_FALSE;
		return SQL_SUCCESS;
	case SQL_ATTR_PACKET_SIZE:
		dbc->packet_size = (SQLUINTEGER)v;
		return SQL_SUCCESS;
	case SQL_ATTR_QUIET_MODE:
		dbc->quiet_mode = v;
		return SQL_SUCCESS;
	case SQL_ATTR_CURRENT_CATALOG:
		/* No catalogs (SQL_CATALOG_NAME is "N"): kept only to be read back. */
		free(dbc->current_catalog);
		dbc->current_catalog = dv_strdup(str ? str : "");
		return SQL_SUCCESS;
	case SQL_ATTR_ASYNC_ENABLE:
		if (v != SQL_ASYNC_ENABLE_OFF)
			return dv_diag_error(&dbc->h.diag, DV_S_HYC00,
					     "asynchronous execution is not supported");
		return SQL_SUCCESS;
	case SQL_ATTR_TRACE:
	case SQL_ATTR_TRACEFILE:
	case SQL_ATTR_TRANSLATE_LIB:
	case SQL_ATTR_TRANSLATE_OPTION:
	case SQL_ATTR_ODBC_CURSORS:
		return SQL_SUCCESS; /* driver manager attributes */
	case SQL_ATTR_AUTO_IPD:
	case SQL_ATTR_CONNECTION_DEAD:
		return dv_diag_error(&dbc->h.diag, DV_S_HY092,
				     "connection attribute %d is read-only", (int)attr);
	default:
		return dv_diag_error(&dbc->h.diag, DV_S_HY092,
				     "connection attribute %d is not supported", (int)attr);
	}
}

SQLRETURN dv_dbc_get_attr(struct dv_dbc *dbc, SQLINTEGER attr, SQLULEN *num,
			  const char **str)
{
	*str = NULL;
	*num = 0;
	switch (attr) {
	case SQL_ATTR_AUTOCOMMIT: *num = dbc->autocommit; break;
	case SQL_ATTR_ACCESS_MODE: *num = dbc->access_mode; break;
	case SQL_ATTR_LOGIN_TIMEOUT: *num = dbc->login_timeout; break;
	case SQL_ATTR_CONNECTION_TIMEOUT: *num = dbc->connection_timeout; break;
	case SQL_ATTR_TXN_ISOLATION: *num = dbc->txn_isolation; break;
	case SQL_ATTR_METADATA_ID: *num = dbc->metadata_id; break;
	case SQL_ATTR_PACKET_SIZE: *num = dbc->packet_size; break;
	case SQL_ATTR_QUIET_MODE: *num = dbc->quiet_mode; break;
	case SQL_ATTR_ASYNC_ENABLE: *num = SQL_ASYNC_ENABLE_OFF; break;
	case SQL_ATTR_AUTO_IPD: *num = SQL_FALSE; break;
	case SQL_ATTR_CONNECTION_DEAD:
		*num = dbc->connected ? SQL_CD_FALSE : SQL_CD_TRUE;
		break;
	case SQL_ATTR_CURRENT_CATALOG:
		*str = dbc->current_catalog ? dbc->current_catalog : "";
		break;
	default:
		return dv_diag_error(&dbc->h.diag, DV_S_HY092,
				     "connection attribute %d is not supported", (int)attr);
	}
	return SQL_SUCCESS;
}
