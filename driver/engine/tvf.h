/* tvf.h - private: the engine's table-valued functions over service
 * features that are not plain entity reads.
 *
 * Owns (tvf.c): the per-connection state both share (the tokens of the
 * last change reads, the FetchXML texts of the statements), the name ->
 * CREATE VIRTUAL TABLE mapping engine.c uses when SQLite reports "no such
 * table", and percent-decoding.
 *  - <entity>_changes(token): change tracking (tvf_changes.c), module
 *    "dv_changes", and the SQL function dv_last_change_token([entity]).
 *  - fetchxml('<fetch>..</fetch>'): FetchXML passthrough (tvf_fetchxml.c),
 *    module "dv_fetchxml"; the statement text is rewritten before it is
 *    prepared so that each FetchXML text is a table of its own,
 *    "dv_fetchxml_<hash>", whose columns come from the FetchXML.
 *  - <function>(args): one of the service's unbound functions as a table
 *    (tvf_function.c), module "dv_function", columns from the CSDL.
 * Why tables named by the entity and by the FetchXML instead of one
 * changes('account', ?) function: SQLite asks a virtual table for its
 * columns once, when the table is first named, before any argument is
 * known, so a function whose columns depend on an argument cannot be one
 * table (see docs/sql.md, "Incremental reads"). */
#ifndef DV_ENGINE_TVF_H
#define DV_ENGINE_TVF_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

struct dv_engine;
struct dv_entity;
struct tvf_state;
struct odata_cell;

/* The rows of one complete read kept for the rest of its statement, so
 * that later scans of it (the inner side of a join) replay them instead of
 * sending the request again: ncols cells a row, their texts owned. */
struct tvf_rows {
	struct odata_cell *cells;
	size_t rows, cap;
};
/* Frees the rows; r is empty after. */
void tvf_rows_clear(struct tvf_rows *r, size_t ncols);
/* Keeps a copy of row (ncols cells); -1 when out of memory. */
int tvf_rows_add(struct tvf_rows *r, const struct odata_cell *row, size_t ncols);

/* Registers both modules and dv_last_change_token() on eng->db, and sets
 * eng->tvf (freed with the database). */
int tvf_register(struct dv_engine *eng);

/* For a name SQLite could not find: 1 when it is none of ours; 0 with *sql
 * (sqlite3_mprintf'd) the CREATE VIRTUAL TABLE to run in trusted mode; -1
 * with err (e.g. an entity without change tracking). */
int tvf_table_sql(struct dv_engine *eng, const char *name, char **sql, struct dv_error *err);

/* Rewrites every fetchxml('<text>') of sql into "dv_fetchxml_<hash>" and
 * remembers the text: 0 with *out malloc'd (NULL when nothing changed), -1
 * with err (42000 when fetchxml( is not followed by one string literal). */
int tvf_rewrite(struct dv_engine *eng, const char *sql, char **out, struct dv_error *err);

/* ---- between the tvf files ---- */

/* The engine the state belongs to. */
struct dv_engine *tvf_engine(const struct tvf_state *st);
/* The FetchXML text registered under table name, or NULL. */
const char *tvf_fetch_text(const struct tvf_state *st, const char *name);
/* Remembers the token of the last complete change read of entity (NULL
 * forgets it: a read started).  -1 when out of memory. */
int tvf_set_token(struct tvf_state *st, const char *entity, const char *token);
const char *tvf_get_token(const struct tvf_state *st, const char *entity);
/* Remembers the FetchXML text of table name (tvf_rewrite).  -1 when out
 * of memory. */
int tvf_put_fetch(struct tvf_state *st, const char *name, const char *text);
/* Frees the state (the dv_changes module's destructor). */
void tvf_state_free(void *p);
/* Names vtab as a scan of e in EXPLAIN / SQLNativeSql (engine.c reads
 * eng->vtabs); tvf_unlink_vtab forgets it.  -1 when out of memory. */
int tvf_link_vtab(struct dv_engine *eng, const void *vtab, const struct dv_entity *e);
void tvf_unlink_vtab(struct dv_engine *eng, const void *vtab);
/* Appends s percent-decoded. */
int tvf_pct_decode(struct dv_buf *out, const char *s, size_t len);

/* tvf_changes.c / tvf_fetchxml.c / tvf_function.c */
int tvf_changes_register(struct dv_engine *eng, struct tvf_state *st);
int tvf_fetchxml_register(struct dv_engine *eng, struct tvf_state *st);
int tvf_function_register(struct dv_engine *eng, struct tvf_state *st);
/* For a name the statement calls as F(...) that is one of the service's
 * functions: as tvf_table_sql (1: not a call, or nothing known of it). */
int tvf_function_sql(struct dv_engine *eng, const char *name, char **sql, struct dv_error *err);

#endif
