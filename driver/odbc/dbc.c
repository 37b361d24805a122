/* dbc.c - the connection handle: lifetime, its statements, its attributes.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetconnectattr-function */
#include "odbc/dbc.h"
#include "odbc/stmt.h"
#include "engine/engine.h"
#include "util/log.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdio.h>
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
	env->ndbcs++;
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
	dv_handle_lock(&dbc->env->h);
	dbc->env->ndbcs--;
	dv_handle_unlock(&dbc->env->h);
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

/* SQL_ATTR_AUTOCOMMIT: turning it on commits the open transaction.
 * https://learn.microsoft.com/sql/odbc/reference/develop-app/commit-mode */
static SQLRETURN apply_autocommit(struct dv_dbc *dbc, SQLUINTEGER v)
{
	struct dv_error err;
	dv_error_clear(&err);
	if (dbc->connected && dbc->engine &&
	    dv_engine_set_autocommit(dbc->engine, v == SQL_AUTOCOMMIT_ON, &err) != 0) {
		SQLRETURN rc = dv_dbc_report_commit(dbc, &err);
		if (!SQL_SUCCEEDED(rc))
			return rc;
	}
	dbc->autocommit = v;
	return SQL_SUCCESS;
}

/* A failed commit: one diagnostic per operation that did not apply (with
 * its row and the service's code), else the error itself. */
SQLRETURN dv_dbc_report_commit(struct dv_dbc *dbc, const struct dv_error *err)
{
	struct dv_write_status ws;
	dv_engine_write_status(dbc->engine, &ws);
	int n = 0;
	for (size_t i = 0; i < ws.noutcomes; i++) {
		const struct dv_write_outcome *o = &ws.outcomes[i];
		if (o->state == DV_S_00000 || o->state == DV_S_01000)
			continue;
		char msg[DV_ERROR_MSG_MAX], code[16];
		snprintf(code, sizeof(code), "0x%08lX", (unsigned long)(uint32_t)o->native);
		if ((o->native > 999 || o->native < 0) && !strstr(o->message ? o->message : "",
								 code))
			snprintf(msg, sizeof(msg), "operation %ld: %s (service error %s)", o->seq,
				 o->message ? o->message : "", code);
		else
			snprintf(msg, sizeof(msg), "operation %ld: %s", o->seq,
				 o->message ? o->message : "");
		dv_diag_add(&dbc->h.diag, o->state, o->native, msg, SQL_NO_ROW_NUMBER,
			    SQL_NO_COLUMN_NUMBER);
		n++;
	}
	if (n == 0)
		dv_diag_add_error(&dbc->h.diag, err);
	return SQL_ERROR;
}

/* SQLEndTran on a connection.
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlendtran-function */
SQLRETURN dv_dbc_end_tran(struct dv_dbc *dbc, SQLSMALLINT completion)
{
	struct dv_error err;
	dv_error_clear(&err);
	if (!dbc->connected || !dbc->engine)
		return dv_diag_error(&dbc->h.diag, DV_S_08003, NULL);
	if (completion == SQL_ROLLBACK) {
		dv_engine_rollback(dbc->engine);
		DV_LOG(dbc->log, DV_LOG_INFO, dbc, "rollback: queued operations dropped");
		return SQL_SUCCESS;
	}
	if (dv_engine_commit(dbc->engine, &err) != 0)
		return dv_dbc_report_commit(dbc, &err);
	return SQL_SUCCESS;
}

SQLRETURN dv_dbc_set_attr(struct dv_dbc *dbc, SQLINTEGER attr, SQLPOINTER value,
			  const char *str)
{
	SQLULEN v = (SQLULEN)(uintptr_t)value;
	switch (attr) {
	case SQL_ATTR_AUTOCOMMIT:
		if (v != SQL_AUTOCOMMIT_ON && v != SQL_AUTOCOMMIT_OFF)
			return bad_value(dbc, "SQL_ATTR_AUTOCOMMIT", v);
		return apply_autocommit(dbc, (SQLUINTEGER)v);
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
