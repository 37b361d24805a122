/* params.h - parameter values of an execution (params.c), data sent at
 * execution time with SQLParamData/SQLPutData (dae.c), and running the
 * parameter sets once every value is known (exec.c). */
#ifndef DV_ODBC_PARAMS_H
#define DV_ODBC_PARAMS_H

#include "odbc/handles.h"

/* params.c.  Parameter sets are 0-based here; ODBC row numbers are set + 1. */
/* Resets the statement and binds every parameter of one set (adds the
 * diagnostic and returns SQL_ERROR when a value cannot be bound). */
SQLRETURN dv_params_bind_set(struct dv_stmt *s, SQLULEN set);
/* Parameter n (1-based) of the set is SQL_DATA_AT_EXEC / SQL_LEN_DATA_AT_EXEC. */
int dv_param_is_dae(struct dv_stmt *s, int n, SQLULEN set);
/* The application's ParameterValuePtr element for the set (SQLParamData's token). */
SQLPOINTER dv_param_token(struct dv_stmt *s, int n, SQLULEN set);
/* The C type of parameter n (SQL_C_DEFAULT resolved). */
SQLSMALLINT dv_param_c_type(struct dv_stmt *s, int n);

/* dae.c */
/* Lists the data-at-execution parameters of the sets to run: their count,
 * or -1 on no memory. */
long dv_dae_collect(struct dv_stmt *s, SQLULEN sets);
/* The value sent for parameter n of the set, or NULL. */
const struct dv_dae_val *dv_dae_value(const struct dv_stmt *s, int n, SQLULEN set);
/* Forgets the values (after the execution, SQLCancel, SQLFreeStmt). */
void dv_dae_reset(struct dv_stmt *s);

/* exec.c: runs the parameter sets (every value known). */
SQLRETURN dv_stmt_run(struct dv_stmt *s);

#endif
