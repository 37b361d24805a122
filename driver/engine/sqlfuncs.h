/* sqlfuncs.h - the SQL functions behind ODBC scalar functions, CAST and
 * exact aggregates, and the SQL types of result expressions.
 *
 * Owns: the functions sqlparse's rewrites call (dv_cast, dv_round,
 * dv_timestampadd, ...: names in sqlparse/escape.h), sum() and avg()
 * replaced by exact decimal versions, and (exprtype.c) the SQL type of a
 * result column that is an expression rather than a column.
 * Docs: docs/sql.md "Functions", docs/type-mapping.md "Expressions". */
#ifndef DV_ENGINE_SQLFUNCS_H
#define DV_ENGINE_SQLFUNCS_H

#include <sqlite3.h>

struct dv_engine;
struct dv_colinfo;

/* Registers every function on the engine's database.  SQLITE_OK or an
 * SQLite error code.  Errors a function raises (22018 bad value for a
 * cast, 22003 out of range, 22007 bad date-time) reach the statement's
 * diagnostics through eng->scan_err. */
int sqlfuncs_install(struct dv_engine *eng);

/* The SQL type of result column i when it is an expression (no declared
 * type, no base column): 0 with out's type fields set, -1 when unknown. */
int sqlfuncs_describe(struct dv_engine *eng, sqlite3_stmt *stmt, int i,
		      struct dv_colinfo *out);

#endif
