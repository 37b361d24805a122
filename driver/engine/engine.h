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

/* ---- writes (docs/writes.md) -------------------------------------------
 *
 * INSERT / UPDATE / DELETE / INSERT OR REPLACE (upsert) on an entity run
 * through dv_engine_prepare + dv_engine_step like any statement.  Each row
 * becomes a queued operation (POST, PATCH + If-Match: *, PATCH without
 * If-Match, DELETE, $ref associate/disassociate); read-only columns and
 * unconvertible values fail the statement before anything is sent.
 *
 * Autocommit on (the default): the queue is sent when the statement ends
 * (dv_engine_step returns 0), or, between dv_engine_array_begin and
 * dv_engine_array_end, when the array ends: one operation as a plain
 * request, more as $batch requests of at most 1000 operations with
 * Prefer: odata.continue-on-error, so a failing row has its own outcome and
 * the others apply.  dv_engine_step / dv_engine_array_end return -1 only
 * when nothing was applied because every operation failed (err = the first
 * failure, "row N: " prefixed when there were several) or the requests
 * themselves failed; when some rows failed and others applied they return
 * 0 and dv_engine_write_status says which (the ODBC layer returns
 * SQL_SUCCESS_WITH_INFO, one diagnostic per failed outcome with
 * SQL_DIAG_ROW_NUMBER = row, SQL_PARAM_ERROR in the status array).
 *
 * Autocommit off: operations are queued until dv_engine_commit, which sends
 * them as change sets of at most 1000 operations, one change set per $batch
 * request; each change set is all-or-nothing at the service; a transaction
 * of more than 1000 operations is several change sets, and when one fails
 * the earlier ones stay applied and the later ones are not sent.
 * dv_engine_rollback drops the queue (nothing was sent). */

struct dv_write_outcome {
	long row;               /* 1-based: dv_engine_set_param_row's row, else the
				   n-th row of the statement */
	long seq;               /* 1-based position of the operation in the send */
	char op;                /* 'I' create, 'U' update, 'P' upsert, 'D' delete,
				   'A' associate, 'X' disassociate */
	enum dv_sqlstate state; /* DV_S_00000 applied; DV_S_01000 warning: the row was
				   not found (0x80040217), nothing changed; else the error */
	long native;            /* Dataverse error code (signed 32-bit), HTTP status, or 0 */
	char *message;          /* NULL when applied */
	char id[37];            /* the record's GUID (new id for creates), or "" */
};

struct dv_write_status {
	long changes;           /* rows the service changed (SQLRowCount) */
	long failed;            /* error outcomes */
	long warnings;          /* rows not found (0x80040217) */
	long pending;           /* operations queued in the open transaction */
	const struct dv_write_outcome *outcomes;  /* valid until the next write */
	size_t noutcomes;
};
/* Outcome of the last statement, array or commit.  In a transaction,
 * `changes` of a statement is the number of operations it queued. */
void dv_engine_write_status(const struct dv_engine *eng, struct dv_write_status *out);

/* SQL_ATTR_AUTOCOMMIT.  Turning it on commits the open transaction. */
int dv_engine_set_autocommit(struct dv_engine *eng, int on, struct dv_error *err);
/* SQLEndTran: sends the queued operations as change sets / drops them. */
int dv_engine_commit(struct dv_engine *eng, struct dv_error *err);
void dv_engine_rollback(struct dv_engine *eng);

/* Parameter arrays: the ODBC layer brackets the parameter sets of one
 * SQLExecute with these and calls dv_engine_set_param_row(eng, i) (1-based)
 * before stepping set i, so the sets' rows go out together in $batch
 * requests and each outcome names its parameter set. */
void dv_engine_array_begin(struct dv_engine *eng);
void dv_engine_set_param_row(struct dv_engine *eng, long row);
int dv_engine_array_end(struct dv_engine *eng, struct dv_error *err);

/* The GUID of the last record created on this connection ("" when none);
 * SQL: SELECT last_insert_id(). */
const char *dv_engine_last_insert_id(const struct dv_engine *eng);

/* ---- static cursors (static.c) -----------------------------------------
 *
 * The rows of a scrollable (static) cursor, kept in a private temporary
 * SQLite database per cursor (page cache, spilled to a deleted temporary
 * file), not in the heap.  Row n (1-based) holds the values of the n-th row
 * the result's statement gave, each with its storage class (integer, real,
 * text, blob, NULL), and a state (DV_STATIC_*) that SQLSetPos changes. */
struct dv_static;
enum { DV_STATIC_FETCHED = 0, DV_STATIC_UPDATED = 1, DV_STATIC_DELETED = 2 };
struct dv_static *dv_static_new(int ncols, struct dv_error *err);
void dv_static_free(struct dv_static *st);
/* Appends the row src is on (its first ncols columns) as the next row. */
int dv_static_append(struct dv_static *st, sqlite3_stmt *src, struct dv_error *err);
long dv_static_rows(const struct dv_static *st);
/* A statement on row n whose columns 0..ncols-1 are the row's values (valid
 * until the next call on st), the row's state in *state; NULL on error. */
sqlite3_stmt *dv_static_row(struct dv_static *st, long n, int *state, struct dv_error *err);
int dv_static_set_state(struct dv_static *st, long n, int state, struct dv_error *err);
/* Replaces row n's values with the row src is on, and sets its state. */
int dv_static_replace(struct dv_static *st, long n, sqlite3_stmt *src, int state,
		      struct dv_error *err);

#endif
