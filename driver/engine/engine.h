/* engine.h - the planner/executor: SQL over entities in SQLite.
 *
 * Owns: struct dv_engine, one per connection: an in-memory SQLite database in
 * which every entity is a virtual table of the "dataverse" module (created on
 * first reference, columns from the catalog, text columns COLLATE NOCASE so
 * local comparisons agree with the service's case-insensitive ones).
 * xBestIndex pushes to the service what OData can do (comparisons with
 * constants and parameters, IN, LIKE prefix/suffix/infix, IS [NOT] NULL,
 * ORDER BY, LIMIT when every other constraint is pushed, colUsed -> $select)
 * and writes a readable idxStr ("filter=...;orderby=...;top=...;select=...")
 * that EXPLAIN QUERY PLAN shows.  Everything else runs locally.  A join key
 * whose value comes from another table is never one request per outer row:
 * the inner side is materialized once per statement.
 * Result column metadata (SQL type, size) comes from the catalog column a
 * result column originates from, else from the expression's declared or
 * first value's type. */
#ifndef DV_ENGINE_ENGINE_H
#define DV_ENGINE_ENGINE_H

#include <sqlite3.h>

#include "util/error.h"

struct dv_catalog;
struct dv_http;
struct dv_config;
struct dv_log;
struct dv_engine;

struct dv_engine *dv_engine_new(struct dv_catalog *cat, struct dv_http *http,
				const struct dv_config *cfg, struct dv_log *log,
				struct dv_error *err);
void dv_engine_free(struct dv_engine *eng);

/* The SQLite database (statements prepared on it belong to the caller). */
sqlite3 *dv_engine_db(struct dv_engine *eng);

/* Prepares one SQL statement (already rewritten by sqlparse: no ODBC escapes,
 * '?' markers).  Creates the virtual tables it references first.  SQLite's
 * errors become 42S02 (no such table), 42S22 (no such column), 42000
 * (syntax), service errors keep their SQLSTATE. */
int dv_engine_prepare(struct dv_engine *eng, const char *sql, sqlite3_stmt **out,
		      struct dv_error *err);
/* Steps a prepared statement: 1 = a row, 0 = done, -1 = error (err set with
 * the service error that stopped a virtual-table scan, if any). */
int dv_engine_step(struct dv_engine *eng, sqlite3_stmt *stmt, struct dv_error *err);

/* SQL-level description of result column i of a prepared statement. */
struct dv_colinfo {
	char name[256];
	char table[256];        /* base table (entity) or "" */
	char base_column[256];  /* base column or "" */
	short sql_type;
	const char *type_name;
	long column_size;
	short decimal_digits;
	short nullable;         /* SQL_NULLABLE / SQL_NO_NULLS / SQL_NULLABLE_UNKNOWN */
	int attr_type;          /* enum dv_attr_type, or -1 for computed columns */
};
int dv_engine_describe(struct dv_engine *eng, sqlite3_stmt *stmt, int i,
		       struct dv_colinfo *out);

/* The OData requests the statement's scans would send (SQLNativeSql and
 * tests): newline-separated URLs, or the idxStr of each scan. Caller frees. */
char *dv_engine_explain(struct dv_engine *eng, const char *sql, struct dv_error *err);

/* Interrupts a running statement from another thread (SQLCancel). */
void dv_engine_interrupt(struct dv_engine *eng);

#endif
