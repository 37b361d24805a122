/* call.h - procedure calls: the service's functions and actions (call.c).
 *
 * exec.c hands a statement to dv_call_try_prepare first; a call is then
 * prepared and run here, everything else goes on to the SQL engine.
 * catalog_funcs.c lists the procedures with dv_call_describe's columns. */
#ifndef DV_ODBC_CALL_H
#define DV_ODBC_CALL_H

#include "odbc/handles.h"

struct dv_proc;
struct dv_procs;

/* struct dv_stmt's kind for a prepared call (beyond enum sql_kind). */
#define DV_KIND_CALL 100

/* 1 when sql is a procedure call: prepared (rc SQL_SUCCESS) or refused with
 * a diagnostic (rc SQL_ERROR); 0 when it is not a call (rc untouched). */
int dv_call_try_prepare(struct dv_stmt *s, const char *sql, SQLRETURN *rc);
/* Runs the prepared call (parameters bound): the result set, if any. */
SQLRETURN dv_call_run(struct dv_stmt *s);

/* A parameter or result column as SQLProcedureColumns lists it. */
struct dv_call_col {
	const char *name;            /* points into the procedure or a static name */
	const char *edm_type;        /* the CSDL type ("Edm.Guid", "Collection(Edm.String)") */
	SQLSMALLINT column_type;     /* SQL_PARAM_INPUT, SQL_RESULT_COL, SQL_PARAM_OUTPUT or
				      * SQL_RETURN_VALUE */
	SQLSMALLINT sql_type;
	SQLULEN size;
	SQLSMALLINT nullable;
};
/* The parameters (the key first for a bound procedure, named by the
 * entity's primary id key_name), the result columns of p, then its output
 * parameters and return value (when it returns primitives); *cols
 * malloc'd.  0 or -1 (no memory). */
int dv_call_describe(const struct dv_procs *procs, const struct dv_proc *p, const char *key_name,
		     struct dv_call_col **cols, size_t *n);

#endif
