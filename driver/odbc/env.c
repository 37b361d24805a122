/* env.c - the environment handle and its attributes.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetenvattr-function */
#include "odbc/handles.h"
#include "catalog/catalog.h"

#include <stdint.h>
#include <stdlib.h>

SQLRETURN dv_env_alloc(struct dv_env **out)
{
	struct dv_env *env = calloc(1, sizeof(*env));
	if (!env)
		return SQL_ERROR;
	if (dv_handle_init(&env->h, DV_H_ENV, NULL) != 0) {
		free(env);
		return SQL_ERROR;
	}
	/* The DM sets the version itself; ODBC 2 until it says otherwise. */
	env->odbc_version = SQL_OV_ODBC2;
	env->pooling = SQL_CP_OFF;
	env->cp_match = SQL_CP_STRICT_MATCH;
	env->output_nts = SQL_TRUE;
	dv_catalog_shared_hold(); /* the connections' shared metadata lives with the envs */
	*out = env;
	return SQL_SUCCESS;
}

/* "SQLSTATE HY010: the Handle was an environment handle and at least one
 * connection was in an allocated or connected state."
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlfreehandle-function */
SQLRETURN dv_env_free(struct dv_env *env)
{
	dv_handle_lock(&env->h);
	if (env->ndbcs > 0) {
		SQLRETURN rc = dv_diag_error(&env->h.diag, DV_S_HY010,
					     "%zu connection(s) of this environment are still "
					     "allocated: free them first", env->ndbcs);
		env->h.diag.retcode = rc;
		dv_handle_unlock(&env->h);
		return rc;
	}
	dv_handle_unlock(&env->h);
	dv_handle_destroy(&env->h);
	free(env);
	dv_catalog_shared_unhold();
	return SQL_SUCCESS;
}

SQLRETURN dv_env_set_attr(struct dv_env *env, SQLINTEGER attr, SQLPOINTER value,
			  SQLINTEGER len)
{
	SQLUINTEGER v = (SQLUINTEGER)(uintptr_t)value;
	switch (attr) {
	case SQL_ATTR_ODBC_VERSION:
		if (v != SQL_OV_ODBC2 && v != SQL_OV_ODBC3 && v != SQL_OV_ODBC3_80)
			return dv_diag_error(&env->h.diag, DV_S_HY024,
					     "SQL_ATTR_ODBC_VERSION %u is not 2, 3 or 380", v);
		env->odbc_version = (SQLINTEGER)v;
		return SQL_SUCCESS;
	case SQL_ATTR_CONNECTION_POOLING:
		if (v != SQL_CP_OFF && v != SQL_CP_ONE_PER_DRIVER && v != SQL_CP_ONE_PER_HENV)
			return dv_diag_error(&env->h.diag, DV_S_HY024, NULL);
		env->pooling = v;
		return SQL_SUCCESS;
	case SQL_ATTR_CP_MATCH:
		if (v != SQL_CP_STRICT_MATCH && v != SQL_CP_RELAXED_MATCH)
			return dv_diag_error(&env->h.diag, DV_S_HY024, NULL);
		env->cp_match = v;
		return SQL_SUCCESS;
	case SQL_ATTR_OUTPUT_NTS:
		if (v != SQL_TRUE)
			return dv_diag_error(&env->h.diag, DV_S_HYC00,
					     "SQL_ATTR_OUTPUT_NTS can only be SQL_TRUE");
		return SQL_SUCCESS;
	default:
		return dv_diag_error(&env->h.diag, DV_S_HY092,
				     "environment attribute %d is not supported", (int)attr);
	}
}

SQLRETURN dv_env_get_attr(struct dv_env *env, SQLINTEGER attr, SQLPOINTER value,
			  SQLINTEGER buflen, SQLINTEGER *outlen)
{
	SQLUINTEGER v;
	switch (attr) {
	case SQL_ATTR_ODBC_VERSION: v = (SQLUINTEGER)env->odbc_version; break;
	case SQL_ATTR_CONNECTION_POOLING: v = env->pooling; break;
	case SQL_ATTR_CP_MATCH: v = env->cp_match; break;
	case SQL_ATTR_OUTPUT_NTS: v = SQL_TRUE; break;
	default:
		return dv_diag_error(&env->h.diag, DV_S_HY092,
				     "environment attribute %d is not supported", (int)attr);
	}
	if (value)
		*(SQLUINTEGER *)value = v;
	if (outlen)
		*outlen = sizeof(SQLUINTEGER);
	return SQL_SUCCESS;
}
