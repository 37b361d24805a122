/* pushdown.h - private: whole statements sent to the service as one request
 * (design decision 2).  See pushdown.c for the overview.
 *
 * Owns: the plan of a pushed statement (struct push_plan, built from the
 * sqlparse AST and the catalog), the $filter translation of a WHERE tree
 * (pushdown_filter.c), and the "dv_pushed" virtual table module that runs a
 * plan (pushdown_vtab.c). */
#ifndef DV_ENGINE_PUSHDOWN_H
#define DV_ENGINE_PUSHDOWN_H

#include <sqlite3.h>

#include "engine/engine_int.h"
#include "sqlparse/ast.h"
#include "util/buf.h"
#include "util/error.h"

#define PUSH_MAX_PARAMS 32
#define PUSH_MAX_CONDITIONS 400   /* the service refuses more than 500 */
/* A comment containing this keeps a statement on the per-table path. */
#define PUSH_LOCAL_HINT "/* dvodbc:local */ "

/* ---- pushdown_filter.c ---- */

/* One translated condition: `text` is an OData boolean expression, or
 * NULL meaning "true" (no condition).  exact = the formula holds exactly for
 * the rows the SQL condition is TRUE for; otherwise it holds for at least
 * those rows (a superset: SQLite re-checks the original WHERE). */
struct push_cond {
	char *text;
	int exact;
};

/* Translates where (resolved against entity e; qualifier `alias` or the
 * table name accepted) into *out.  argv holds the statement's parameter
 * values (argv[i] = marker i + 1) or is NULL at prepare time, when a
 * marker is written "?N" and assumed exact.  Returns 0, -1 out of memory,
 * 1 when a column cannot be resolved (not pushable). */
int push_filter(const struct dv_entity *e, const struct ast_select *s,
		sqlite3_value **argv, int argc, struct push_cond *out);
/* The column a reference names (value columns and companions), or NULL. */
const struct dv_column *push_column(const struct dv_entity *e, const struct ast_select *s,
				    const struct ast_colref *ref);
/* True when the tree has an OR or a NOT (what xBestIndex never sees). */
int push_tree_needs_push(const struct ast_expr *x);

/* ---- pushdown.c: the plan ---- */

enum push_kind { PUSH_ROWS, PUSH_AGGREGATE };

enum push_out_kind { PO_KEY, PO_COUNT, PO_SUM, PO_MINMAX, PO_AVG };

/* One result column of an aggregate plan. */
struct push_out {
	enum push_out_kind kind;
	const struct dv_column *col;  /* key / aggregated column, NULL for COUNT(*) */
	int cell;                     /* its cell in the row read */
	int cell2;                    /* PO_AVG: the count's cell */
};

struct push_plan {
	enum push_kind kind;
	const struct dv_entity *e;
	struct dv_buf query;          /* the query options, unencoded (explain) */
	char *url;                    /* absolute URL, encoded; NULL until resolved */
	int exact;                    /* the filter is exact (needed for aggregates) */
	/* aggregates */
	struct push_out outs[AST_MAX_ITEMS];
	size_t nouts;
	struct odata_colspec specs[2 * AST_MAX_ITEMS];
	char aliases[2 * AST_MAX_ITEMS][8];
	size_t nspecs;
	int grouped;                  /* GROUP BY: no row when no group */
};

/* Builds the plan of an already-parsed statement with parameter values
 * (argv NULL at prepare time).  select: for PUSH_ROWS, the $select list.
 * Returns 0, 1 not pushable, -1 error. */
int push_plan_build(struct dv_engine *eng, const struct ast_select *s,
		    const struct dv_entity *e, sqlite3_value **argv, int argc,
		    const char *select, struct push_plan *out, struct dv_error *err);
void push_plan_free(struct push_plan *p);
/* The statement for local evaluation: the dvodbc:local hint, and each OR
 * among the WHERE's AND terms as +(...) (see pushdown.c). */
void push_local_sql(const char *sql, const struct ast_select *s, struct dv_buf *out);

/* The hook in dv_engine_prepare: 0 = *out is the pushed statement, 1 = not
 * pushed (prepare as before), -1 = error (err set). */
int pushdown_prepare(struct dv_engine *eng, const char *sql, sqlite3_stmt **out,
		     struct dv_error *err);
/* "GET <url>" of a pushed statement (?N for parameters), or NULL when the
 * statement is not pushed (dv_engine_explain can show it). */
char *pushdown_explain(struct dv_engine *eng, const char *sql, struct dv_error *err);

/* ---- pushdown_vtab.c ---- */

/* Registers the "dv_pushed" module on eng's database once. */
int push_module_ensure(struct dv_engine *eng, struct dv_error *err);

/* The SQLite declared type of an aggregate result. */
void push_out_decl(const struct push_out *o, struct dv_buf *out);

#endif
