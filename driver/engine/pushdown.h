/* pushdown.h - private: whole statements sent to the service as one request
 * (design decision 2).  See pushdown.c for the overview.
 *
 * Owns: the plan of a pushed statement (struct push_plan, built from the
 * sqlparse AST and the catalog), the $filter translation of a WHERE tree
 * (pushdown_filter.c), subqueries along a relationship as lambda and path
 * filters (pushdown_semijoin.c), and the "dv_pushed" virtual table module
 * that runs a plan (pushdown_vtab.c). */
#ifndef DV_ENGINE_PUSHDOWN_H
#define DV_ENGINE_PUSHDOWN_H

#include <sqlite3.h>

#include "engine/engine_int.h"
#include "sqlparse/ast.h"
#include "util/buf.h"
#include "util/error.h"

#define PUSH_MAX_PARAMS 32
#define PUSH_MAX_CONDITIONS 400   /* the service refuses more than 500 */
#define PUSH_MAX_SEMI 8           /* subqueries in one WHERE */
/* A comment containing this keeps a statement on the per-table path. */
#define PUSH_LOCAL_HINT "/* dvodbc:local */ "

/* ---- pushdown_filter.c ---- */

/* One translated condition: `text` is an OData boolean expression, or
 * NULL meaning "true" (no condition).  exact = the formula holds exactly for
 * the rows the SQL condition is TRUE for; otherwise it holds for at least
 * those rows (a superset: SQLite re-checks the original WHERE). */
/* A top-level AND term of the WHERE that is a subquery ([NOT] EXISTS, IN):
 * its text, and whether T(term) is exact (then SQLite need not run it). */
struct push_term {
	size_t pos, end;
	int exact;
};

struct push_cond {
	char *text;
	int exact;
	size_t nsemi;                 /* subqueries sent along a relationship */
	size_t unsupported;           /* subqueries that cannot be (not pushed) */
	struct push_term terms[PUSH_MAX_SEMI];
	size_t nterms;
};

/* Translates where (resolved against entity e; qualifier `alias` or the
 * table name accepted) into *out.  argv holds the statement's parameter
 * values (argv[i] = marker i + 1) or is NULL at prepare time, when a
 * marker is written "?N" and assumed exact.  cat resolves subqueries'
 * tables (NULL: every subquery is unsupported).  Returns 0, -1 out of
 * memory, 1 when a column cannot be resolved (not pushable). */
int push_filter(struct dv_catalog *cat, const struct dv_entity *e, const struct ast_select *s,
		sqlite3_value **argv, int argc, struct push_cond *out);
/* The column a reference names (value columns and companions), or NULL. */
const struct dv_column *push_column(const struct dv_entity *e, const struct ast_select *s,
				    const struct ast_colref *ref);
/* True when the tree has an OR or a NOT (what xBestIndex never sees). */
int push_tree_needs_push(const struct ast_expr *x);

/* ---- pushdown_semijoin.c ---- */

/* A subquery of the WHERE along one relationship of the outer entity T. */
struct push_semi {
	int collection;               /* 1: nav is T's collection of inner rows, sent as
				       * nav/any(v:..); 0: nav is T's lookup, nav/<col> */
	const struct dv_entity *inner;
	const struct ast_select *sub;
	const char *nav;              /* navigation property name (case-sensitive) */
	const struct ast_expr *corr;  /* EXISTS: the x.lookup = T.key term, else NULL */
	const struct dv_column *inner_pk;
	char var[2];                  /* the lambda variable */
};

/* Resolves the subquery node x (AST_EXISTS or AST_INSUB) of s (over e):
 * 0 = *out set, 1 = not along a relationship, -1 = out of memory. */
int push_semi_resolve(struct dv_catalog *cat, const struct dv_entity *e,
		      const struct ast_select *s, const struct ast_expr *x, struct push_semi *out);
/* The subquery x of s as a statement of its own on the per-table path, its
 * correlation (if any) as "<lookup> = ?" (the outer row's key): what SQLite
 * runs over the rows read when x stays in the statement (EXPLAIN). */
void push_semi_sub_sql(const char *sql, const struct ast_select *s, const struct ast_expr *x,
		       struct dv_buf *out);
/* The redundant semi-join term for the plan `info` (xBestIndex; NULL: any)
 * of the scan of table self (entity e) while eng prepares a statement that
 * is an inner join of two tables along a relationship, when this plan does
 * not read e by the other side's keys: the per-table plan adds it to the
 * scan's $filter.  *out is malloc'd, or NULL for none.  0, or -1 out of
 * memory. */
int push_join_term(struct dv_engine *eng, const sqlite3_vtab *self, const struct dv_entity *e,
		   sqlite3_index_info *info, char **out);
/* 1 when every term removed at prepare time (exact with markers) is still
 * exact with the values in `now`. */
int push_semi_still_exact(const struct push_cond *prepared, const struct push_cond *now);

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
	struct push_cond semi;        /* subquery terms (text unused) */
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
/* The outer table's rows that satisfy the whole WHERE, on the per-table
 * path: "SELECT <q>.* FROM <table> WHERE <where>" with the dvodbc:local hint
 * (a rows plan whose parameter values made a removed subquery term inexact). */
void push_local_rows_sql(const char *sql, const struct ast_select *s, struct dv_buf *out);

/* The hook in dv_engine_prepare: 0 = *out is the pushed statement, 1 = not
 * pushed (prepare as before), -1 = error (err set). */
int pushdown_prepare(struct dv_engine *eng, const char *sql, sqlite3_stmt **out,
		     struct dv_error *err);
/* "GET <url>" of a pushed statement (?N for parameters), or NULL when the
 * statement is not pushed (dv_engine_explain can show it).  select: the
 * rows' $select (the pushed table's xBestIndex decides it from the columns
 * SQLite reads; dv_engine_explain reads it from the program), or NULL. */
char *pushdown_explain(struct dv_engine *eng, const char *sql, const char *select,
		       struct dv_error *err);

/* ---- pushdown_vtab.c ---- */

/* Registers the "dv_pushed" module on eng's database once. */
int push_module_ensure(struct dv_engine *eng, struct dv_error *err);

/* The SQLite declared type of an aggregate result. */
void push_out_decl(const struct push_out *o, struct dv_buf *out);

#endif
