/* call.h - procedure calls in SQL text.
 *
 * Owns: recognising a statement that calls a procedure and splitting it into
 * the procedure's name and its arguments:
 *   {call name}  {call name(a, b)}  {call entity.name(key, a)}  {? = call name(a)}
 *   EXEC name a, b    EXECUTE name @Param = a, @Other = b    CALL name(a, b)
 * Names may be quoted ("x", [x], `x`).  The arguments stay SQL expressions
 * (literals, ? markers, escapes): select_sql is "SELECT <a1>, <a2>, ..." so
 * that the local engine computes their values, parameters included.
 * Source: https://learn.microsoft.com/sql/odbc/reference/develop-app/procedure-calls */
#ifndef DV_SQLPARSE_CALL_H
#define DV_SQLPARSE_CALL_H

#include <stddef.h>

#include "util/error.h"

#define SQL_CALL_MAX_ARGS 64

struct sql_call {
	char *name;                          /* unquoted, parts joined by '.' */
	int nargs;
	char *arg_names[SQL_CALL_MAX_ARGS];  /* EXEC's "@Name = value": "Name", else NULL */
	int arg_marker[SQL_CALL_MAX_ARGS];   /* an argument that is one '?': its parameter number */
	int ret_marker;                      /* {? = call ..}: parameter 1 is the return value */
	int nmarkers;                        /* '?' markers seen */
	char *select_sql;                    /* "SELECT a1, a2" ("SELECT NULL" without arguments);
					      * with ret_marker "SELECT ?, a1, a2": a1 is column 1 */
};

/* 1 when the text is a procedure call (out filled), 0 when it is not, -1 on
 * a malformed call (err: 42000 saying what is wrong). */
int sqlparse_call(const char *sql, size_t len, struct sql_call *out, struct dv_error *err);
void sqlparse_call_free(struct sql_call *c);

#endif
