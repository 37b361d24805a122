/* static.c - the rows of a static (scrollable) cursor, kept by the engine.
 *
 * Owns: struct dv_static, one per open static cursor: a table in a private
 * temporary SQLite database (opened with the empty file name: SQLite keeps
 * it in its page cache, bounded, and spills it to a temporary file that is
 * deleted when the cursor closes it), never in the application's heap.  Row n of the result is rowid n; each column is
 * declared without a type, so SQLite stores every value with the storage
 * class it had (integer, real, text, blob, NULL) and reading it back gives
 * the value exactly as the forward-only cursor would have.  A last column
 * holds the row's state (0 = as fetched, 1 = updated, 2 = deleted through
 * SQLSetPos).
 *
 * The store is a database of its own, not a table of the engine's
 * connection: the application's SQL cannot name, read or change it, and
 * the guard (guard.c), which refuses CREATE TABLE in user SQL, never sees
 * these statements.
 * Source: https://www.sqlite.org/inmemorydb.html (temporary databases)
 *         https://www.sqlite.org/datatype3.html (columns without affinity) */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"


struct dv_static {
	sqlite3 *db;           /* the cursor's own temporary database */
	int ncols;
	long rows;
	sqlite3_stmt *ins;     /* INSERT INTO r(rowid, c1..cN) VALUES (...) */
	sqlite3_stmt *get;     /* SELECT c1..cN, st FROM r WHERE rowid = ?1 */
	sqlite3_stmt *mark;    /* UPDATE r SET st = ?2 WHERE rowid = ?1 */
	long at;               /* row get is on, 0 = none */
};

static int store_error(sqlite3 *db, struct dv_error *err)
{
	return dv_error_set(err, DV_S_HY000, 0, "the static cursor's store failed: %s",
			    db ? sqlite3_errmsg(db) : "cannot open a temporary database");
}

/* Prepares the text built in str (freed): 0 or -1. */
static int prepare_str(struct dv_static *st, sqlite3_str *str, sqlite3_stmt **out,
		       struct dv_error *err)
{
	char *sql = sqlite3_str_finish(str);
	int rc;
	if (!sql)
		return dv_error_nomem(err);
	rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
	sqlite3_free(sql);
	return rc == SQLITE_OK ? 0 : store_error(st->db, err);
}

static int build(struct dv_static *st, struct dv_error *err)
{
	sqlite3_str *s = sqlite3_str_new(st->db);
	char *sql;
	int rc;
	sqlite3_str_appendall(s, "CREATE TABLE r(");
	for (int i = 1; i <= st->ncols; i++)
		sqlite3_str_appendf(s, "c%d, ", i);
	sqlite3_str_appendall(s, "st INTEGER NOT NULL DEFAULT 0)");
	sql = sqlite3_str_finish(s);
	if (!sql)
		return dv_error_nomem(err);
	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return store_error(st->db, err);

	s = sqlite3_str_new(st->db);
	sqlite3_str_appendall(s, "INSERT INTO r(rowid");
	for (int i = 1; i <= st->ncols; i++)
		sqlite3_str_appendf(s, ", c%d", i);
	sqlite3_str_appendall(s, ") VALUES (?");
	for (int i = 1; i <= st->ncols; i++)
		sqlite3_str_appendall(s, ", ?");
	sqlite3_str_appendall(s, ")");
	if (prepare_str(st, s, &st->ins, err) != 0)
		return -1;

	s = sqlite3_str_new(st->db);
	sqlite3_str_appendall(s, "SELECT ");
	for (int i = 1; i <= st->ncols; i++)
		sqlite3_str_appendf(s, "c%d, ", i);
	sqlite3_str_appendall(s, "st FROM r WHERE rowid = ?1");
	if (prepare_str(st, s, &st->get, err) != 0)
		return -1;

	s = sqlite3_str_new(st->db);
	sqlite3_str_appendall(s, "UPDATE r SET st = ?2 WHERE rowid = ?1");
	return prepare_str(st, s, &st->mark, err);
}

struct dv_static *dv_static_new(int ncols, struct dv_error *err)
{
	struct dv_static *st = calloc(1, sizeof(*st));
	if (!st) {
		dv_error_nomem(err);
		return NULL;
	}
	st->ncols = ncols;
	if (sqlite3_open_v2("", &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		store_error(st->db, err);
		dv_static_free(st);
		return NULL;
	}
	if (build(st, err) != 0) {
		dv_static_free(st);
		return NULL;
	}
	return st;
}

void dv_static_free(struct dv_static *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->ins);
	sqlite3_finalize(st->get);
	sqlite3_finalize(st->mark);
	sqlite3_close_v2(st->db);
	free(st);
}

int dv_static_append(struct dv_static *st, sqlite3_stmt *src, struct dv_error *err)
{
	int rc;
	sqlite3_reset(st->ins);
	sqlite3_bind_int64(st->ins, 1, st->rows + 1);
	for (int i = 0; i < st->ncols; i++)
		sqlite3_bind_value(st->ins, i + 2, sqlite3_column_value(src, i));
	rc = sqlite3_step(st->ins);
	sqlite3_reset(st->ins);
	sqlite3_clear_bindings(st->ins);
	if (rc != SQLITE_DONE)
		return store_error(st->db, err);
	st->rows++;
	return 0;
}

long dv_static_rows(const struct dv_static *st)
{
	return st->rows;
}

sqlite3_stmt *dv_static_row(struct dv_static *st, long n, int *state, struct dv_error *err)
{
	if (n < 1 || n > st->rows) {
		dv_error_set(err, DV_S_HY000, 0, "row %ld is not in the static cursor", n);
		return NULL;
	}
	if (st->at != n) {
		sqlite3_reset(st->get);
		sqlite3_bind_int64(st->get, 1, n);
		st->at = 0;
		if (sqlite3_step(st->get) != SQLITE_ROW) {
			store_error(st->db, err);
			sqlite3_reset(st->get);
			return NULL;
		}
		st->at = n;
	}
	if (state)
		*state = sqlite3_column_int(st->get, st->ncols);
	return st->get;
}

int dv_static_set_state(struct dv_static *st, long n, int state, struct dv_error *err)
{
	int rc;
	sqlite3_reset(st->get);
	st->at = 0;
	sqlite3_reset(st->mark);
	sqlite3_bind_int64(st->mark, 1, n);
	sqlite3_bind_int(st->mark, 2, state);
	rc = sqlite3_step(st->mark);
	sqlite3_reset(st->mark);
	if (rc != SQLITE_DONE)
		return store_error(st->db, err);
	return 0;
}

int dv_static_replace(struct dv_static *st, long n, sqlite3_stmt *src, int state,
		      struct dv_error *err)
{
	sqlite3_str *s = sqlite3_str_new(st->db);
	sqlite3_stmt *up = NULL;
	int rc;
	sqlite3_reset(st->get);
	st->at = 0;
	sqlite3_str_appendall(s, "UPDATE r SET st = ?2");
	for (int i = 1; i <= st->ncols; i++)
		sqlite3_str_appendf(s, ", c%d = ?%d", i, i + 2);
	sqlite3_str_appendall(s, " WHERE rowid = ?1");
	if (prepare_str(st, s, &up, err) != 0)
		return -1;
	sqlite3_bind_int64(up, 1, n);
	sqlite3_bind_int(up, 2, state);
	for (int i = 0; i < st->ncols; i++)
		sqlite3_bind_value(up, i + 3, sqlite3_column_value(src, i));
	rc = sqlite3_step(up);
	sqlite3_finalize(up);
	if (rc != SQLITE_DONE)
		return store_error(st->db, err);
	return 0;
}
