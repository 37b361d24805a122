/* spill.c - rows a join reads whole, kept in SQLite's temporary store.
 *
 * Owns: struct dv_spill and struct dv_spill_scan (spill.h).  The store is
 * a database of its own opened with the empty file name: SQLite keeps its
 * pages in the connection's page cache (cache_size, SPILL_CACHE_KB) and
 * writes the rest to a temporary file in SQLITE_TMPDIR, TMPDIR, /var/tmp
 * or /tmp, deleted when the store is closed.  So the heap holds a bounded
 * cache whatever the number of rows.  One table r(h, c0..cN): rowid n is
 * the n-th row added, h its join-index key hash (NULL: no key), each cell
 * a column without a type, so a value comes back with the storage class it
 * went in with (integer, real, text, NULL): the cells read back are the
 * cells written.  h is indexed once the rows are in (spill_finish), and a
 * replay of one key reads "WHERE h = ?1 ORDER BY rowid" through that index
 * in the order the rows were added.  Like static.c's store, it is no table
 * of the engine's connection: the application's SQL cannot reach it.
 * Source: https://www.sqlite.org/inmemorydb.html (temporary databases)
 *         https://www.sqlite.org/tempfiles.html (where temporary files go) */
#include "engine/spill.h"

#include <stdlib.h>
#include <string.h>

/* The store's page cache: the heap a spilled scan keeps, whatever its size. */
#define SPILL_CACHE_KB 4096

struct dv_spill {
	sqlite3 *db;
	size_t ncols;
	sqlite3_stmt *ins;          /* INSERT INTO r(h, c0..cN) VALUES (...) */
	int open_tx;                /* the adding transaction is open */
};

struct dv_spill_scan {
	sqlite3_stmt *st;           /* SELECT rowid, c0..cN FROM r ... */
	size_t ncols;
	struct odata_cell *cells;   /* the current row; texts are the statement's */
	sqlite3_int64 rowid;
};

static int spill_error(sqlite3 *db, struct dv_error *err)
{
	return dv_error_set(err, DV_S_HY000, 0, "the temporary store of a join's rows failed: "
			    "%s (SQLite writes it in SQLITE_TMPDIR, TMPDIR, /var/tmp or /tmp: "
			    "make room there, or raise JoinMemoryMB)",
			    db ? sqlite3_errmsg(db) : "cannot open a temporary database");
}

/* Runs or prepares the SQL built in str (freed). */
static int spill_sql(struct dv_spill *s, sqlite3_str *str, sqlite3_stmt **out,
		     struct dv_error *err)
{
	char *sql = sqlite3_str_finish(str);
	int rc;
	if (!sql)
		return dv_error_nomem(err);
	rc = out ? sqlite3_prepare_v2(s->db, sql, -1, out, NULL)
		 : sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	return rc == SQLITE_OK ? 0 : spill_error(s->db, err);
}

/* each of the ncols cell columns after what str holds: ", c0, c1, ..., cN"
 * (each: the column, with `each` "" to name them, "?" to bind them) */
static void column_list(sqlite3_str *str, size_t ncols, const char *each)
{
	for (size_t i = 0; i < ncols; i++)
		if (*each)
			sqlite3_str_appendf(str, ", %s", each);
		else
			sqlite3_str_appendf(str, ", c%d", (int)i);
}

static int spill_build(struct dv_spill *s, struct dv_error *err)
{
	sqlite3_str *str = sqlite3_str_new(s->db);
	sqlite3_str_appendf(str, "PRAGMA cache_size = -%d; CREATE TABLE r(h INTEGER",
			    SPILL_CACHE_KB);
	column_list(str, s->ncols, "");
	sqlite3_str_appendall(str, "); BEGIN");
	if (spill_sql(s, str, NULL, err) != 0)
		return -1;
	s->open_tx = 1;
	str = sqlite3_str_new(s->db);
	sqlite3_str_appendall(str, "INSERT INTO r(h");
	column_list(str, s->ncols, "");
	sqlite3_str_appendall(str, ") VALUES (?");
	column_list(str, s->ncols, "?");
	sqlite3_str_appendall(str, ")");
	return spill_sql(s, str, &s->ins, err);
}

struct dv_spill *spill_new(size_t ncols, struct dv_error *err)
{
	struct dv_spill *s = calloc(1, sizeof(*s));
	if (!s) {
		dv_error_nomem(err);
		return NULL;
	}
	s->ncols = ncols;
	if (sqlite3_open_v2("", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		spill_error(s->db, err);
		spill_free(s);
		return NULL;
	}
	if (spill_build(s, err) != 0) {
		spill_free(s);
		return NULL;
	}
	return s;
}

void spill_free(struct dv_spill *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->ins);
	sqlite3_close_v2(s->db);
	free(s);
}

static void bind_cell(sqlite3_stmt *st, int i, const struct odata_cell *c)
{
	switch (c->type) {
	case OC_INT:
		sqlite3_bind_int64(st, i, c->i);
		break;
	case OC_DOUBLE:
		sqlite3_bind_double(st, i, c->d);
		break;
	case OC_TEXT:
		sqlite3_bind_text64(st, i, c->s, c->len, SQLITE_STATIC, SQLITE_UTF8);
		break;
	default:
		sqlite3_bind_null(st, i);
		break;
	}
}

int spill_add(struct dv_spill *s, const struct odata_cell *row, const uint64_t *key,
	      struct dv_error *err)
{
	int rc;
	if (key)
		sqlite3_bind_int64(s->ins, 1, (sqlite3_int64)*key);
	else
		sqlite3_bind_null(s->ins, 1);
	for (size_t i = 0; i < s->ncols; i++)
		bind_cell(s->ins, (int)i + 2, &row[i]);
	rc = sqlite3_step(s->ins);
	sqlite3_reset(s->ins);
	sqlite3_clear_bindings(s->ins);
	return rc == SQLITE_DONE ? 0 : spill_error(s->db, err);
}

int spill_finish(struct dv_spill *s, struct dv_error *err)
{
	if (!s->open_tx)
		return 0;
	if (sqlite3_exec(s->db, "CREATE INDEX r_h ON r(h) WHERE h IS NOT NULL; COMMIT", NULL,
			 NULL, NULL) != SQLITE_OK)
		return spill_error(s->db, err);
	s->open_tx = 0;
	return 0;
}

struct dv_spill_scan *spill_scan_open(struct dv_spill *s, const uint64_t *key,
				      sqlite3_int64 after, struct dv_error *err)
{
	struct dv_spill_scan *sc = calloc(1, sizeof(*sc));
	sqlite3_str *str;
	if (!sc || !(sc->cells = calloc(s->ncols + 1, sizeof(*sc->cells)))) {
		free(sc);
		dv_error_nomem(err);
		return NULL;
	}
	sc->ncols = s->ncols;
	str = sqlite3_str_new(s->db);
	sqlite3_str_appendall(str, "SELECT rowid");
	column_list(str, s->ncols, "");
	sqlite3_str_appendall(str, key ? " FROM r WHERE h = ?1 ORDER BY rowid"
				       : " FROM r WHERE rowid > ?1 ORDER BY rowid");
	if (spill_sql(s, str, &sc->st, err) != 0) {
		spill_scan_close(sc);
		return NULL;
	}
	sqlite3_bind_int64(sc->st, 1, key ? (sqlite3_int64)*key : after);
	return sc;
}

/* Cell i of the current row, as it was added. */
static void read_cell(sqlite3_stmt *st, int col, struct odata_cell *c)
{
	memset(c, 0, sizeof(*c));
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		c->type = OC_INT;
		c->i = sqlite3_column_int64(st, col);
		break;
	case SQLITE_FLOAT:
		c->type = OC_DOUBLE;
		c->d = sqlite3_column_double(st, col);
		break;
	case SQLITE_TEXT:
		c->type = OC_TEXT;
		c->s = (const char *)sqlite3_column_text(st, col);
		c->len = (size_t)sqlite3_column_bytes(st, col);
		if (!c->s)
			c->type = OC_NULL;
		break;
	default:
		c->type = OC_NULL;
		break;
	}
}

int spill_scan_next(struct dv_spill_scan *sc, const struct odata_cell **row,
		    struct dv_error *err)
{
	int rc = sqlite3_step(sc->st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return spill_error(sqlite3_db_handle(sc->st), err);
	sc->rowid = sqlite3_column_int64(sc->st, 0);
	for (size_t i = 0; i < sc->ncols; i++)
		read_cell(sc->st, (int)i + 1, &sc->cells[i]);
	*row = sc->cells;
	return 1;
}

sqlite3_int64 spill_scan_rowid(const struct dv_spill_scan *sc)
{
	return sc->rowid;
}

void spill_scan_close(struct dv_spill_scan *sc)
{
	if (!sc)
		return;
	sqlite3_finalize(sc->st);
	free(sc->cells);
	free(sc);
}
