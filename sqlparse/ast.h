/* ast.h - the parsed form of a single-table SELECT (sqlparse/parse.c).
 *
 * Owns: the tree that the pushdown planner (driver/engine/pushdown*.c)
 * translates into one OData request.  The parser accepts only
 *     SELECT [DISTINCT] item[, item...] FROM entity [[AS] alias] [WHERE expr]
 *     [GROUP BY col[, col...]] [ORDER BY key [ASC|DESC][, ...]] [LIMIT n]
 * where an item is *, a column, COUNT(*) (or COUNT(1)), COUNT([DISTINCT] col) or
 * SUM/AVG/MIN/MAX(col), optionally aliased, and expr is AND/OR/NOT and
 * parentheses over comparisons of a column with a literal or '?', IN lists,
 * LIKE, IS [NOT] NULL and BETWEEN, and subqueries: [NOT] EXISTS (SELECT ..)
 * and col [NOT] IN (SELECT ..), whose SELECT has one item (*, a number or a
 * column), one table and a WHERE of the same predicates plus col = col (no
 * DISTINCT, GROUP BY, ORDER BY, LIMIT or nested subquery; the planner,
 * pushdown_semijoin.c, decides what it can send).  Anything else is "not pushable" (the
 * statement runs through the virtual tables as before).  Every node keeps
 * the offsets of its text so the planner can quote the original SQL.
 * Names are kept as written (quotes removed); the planner resolves them. */
#ifndef DV_SQLPARSE_AST_H
#define DV_SQLPARSE_AST_H

#include <stddef.h>

#define AST_MAX_ITEMS 64
#define AST_MAX_LIST 200      /* values in one IN list */

enum ast_op { AST_EQ, AST_NE, AST_LT, AST_LE, AST_GT, AST_GE };

enum ast_val_kind { AV_INT, AV_REAL, AV_TEXT, AV_NULL, AV_PARAM };

struct ast_value {
	enum ast_val_kind kind;
	long long i;          /* AV_INT; AV_PARAM: 1-based marker number */
	double d;             /* AV_REAL */
	char *text;           /* AV_TEXT (quotes removed), AV_REAL/AV_INT: as written */
};

struct ast_colref {
	char *qualifier;      /* "a" of a.name, or NULL */
	char *name;
};

enum ast_kind {
	AST_AND, AST_OR, AST_NOT,       /* a, b (b unused for NOT) */
	AST_CMP,                        /* col op v[0] */
	AST_IN,                         /* col IN (v[0..nv-1]) */
	AST_LIKE,                       /* col LIKE v[0] */
	AST_ISNULL,                     /* col IS NULL */
	AST_BETWEEN,                    /* col BETWEEN v[0] AND v[1] */
	AST_EXISTS,                     /* EXISTS (sub) */
	AST_INSUB,                      /* col IN (sub) */
	AST_COLEQ                       /* col = col2 (only inside a subquery) */
};

struct ast_select;

struct ast_expr {
	enum ast_kind kind;
	struct ast_expr *a, *b;
	enum ast_op op;
	struct ast_colref col;
	struct ast_value *v;
	size_t nv;
	struct ast_colref col2;         /* AST_COLEQ */
	struct ast_select *sub;         /* AST_EXISTS, AST_INSUB (owned) */
	size_t pos, end;      /* the node's text (without enclosing parentheses) */
};

enum ast_agg { AGG_NONE, AGG_COUNT_STAR, AGG_COUNT, AGG_COUNT_DISTINCT, AGG_SUM, AGG_AVG,
	       AGG_MIN, AGG_MAX };

struct ast_item {
	enum ast_agg agg;
	struct ast_colref col;      /* unused for COUNT(*); name NULL for [q.]* */
	int star;                   /* SELECT * or q.* (plain rows only) */
	char *alias;                /* or NULL */
	size_t pos, len;            /* the expression's text (without the alias) */
};

struct ast_order {
	int position;               /* ORDER BY 2: 1-based select item, else 0 */
	struct ast_colref col;      /* ORDER BY col or alias (position == 0) */
	int desc;
};

struct ast_select {
	struct ast_item items[AST_MAX_ITEMS];
	size_t nitems;
	char *table;
	char *alias;                /* or NULL */
	size_t table_pos, table_end;  /* text of "entity [AS alias]" */
	struct ast_expr *where;     /* or NULL */
	size_t where_pos, where_end;  /* its text (after WHERE) */
	struct ast_colref group[AST_MAX_ITEMS];
	size_t ngroup;
	struct ast_order order[AST_MAX_ITEMS];
	size_t norder;
	long long limit;            /* -1 = none */
	int nparams;                /* '?' markers, numbered in order of appearance */
	int has_aggregate;          /* an aggregate item or GROUP BY */
	int local_hint;             /* a comment says dvodbc:local */
};

/* Parses sql.  0 = parsed (free with ast_select_free), 1 = not a statement
 * the parser takes (out is left empty), -1 = out of memory. */
int sqlparse_select(const char *sql, size_t len, struct ast_select *out);
void ast_select_free(struct ast_select *s);

#endif
