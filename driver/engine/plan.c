/* plan.c - what a scan of one entity sends to the service (xBestIndex, xFilter).
 *
 * THE PLAN CONTRACT.  xBestIndex writes the whole plan into idxStr, readable
 * and complete, e.g.
 *     select=accountid,name;filter=statecode eq 0 and revenue gt ?1;
 *     orderby=name asc,accountid asc;top=10   (one line, no blank)
 * Sections appear in that order and are left out when empty.  In the filter,
 * terms are joined by " and "; a term whose value comes from xFilter's argv
 * (a parameter, a join key, an IN list) is exactly "<property> <op> ?N" with
 * N the argvIndex ("in" is the op of an IN list, expanded to an or-chain).
 * xFilter (plan_resolve) reads idxStr back and puts the argv values in.
 *  - constants (sqlite3_vtab_rhs_value) become literals now and are omitted
 *    from SQLite's re-check when SQLite would give the same answer: <> is
 *    sent as "p ne null and p ne v" (OData's "ne" alone keeps NULLs); not
 *    for text ranges (collations differ), not for non-ASCII text;
 *  - argv terms are never omitted, so a term whose argv value cannot be
 *    written as a literal can simply be left out at xFilter time;
 *  - LIKE with a constant pattern: 'abc%' startswith, '%abc' endswith,
 *    '%abc%' contains, 'abc' eq; any other '%' or an '_' keeps it local;
 *  - IS NULL / IS NOT NULL -> eq null / ne null;
 *  - an inner join of two tables along a relationship: the redundant
 *    semi-join term of this table (pushdown_semijoin.c, push_join_term;
 *    e.g. "contact_customer_accounts/any(c:c/statecode eq 0)") is one more
 *    filter term, which only narrows the rows to those with a partner
 *    (SQLite checks the join itself: nothing is omitted for it);
 *  - ORDER BY is consumed only when every term is a sortable value column
 *    (not lookups: the service sorts those by name; not GUIDs: SQL Server
 *    orders them by byte groups); the primary key is added as a tie-breaker
 *    so paging is deterministic;
 *  - an intersect entity's id columns are always selected (write.c needs
 *    them to disassociate a deleted row);
 *  - LIMIT becomes $top only when every other constraint is pushed and
 *    omitted, the order is consumed (or there is none) and the value is at
 *    most 5000; with OFFSET ($skip does not exist) $top is LIMIT + OFFSET
 *    ("top=n+m") and SQLite skips the OFFSET rows itself;
 *  - SQLite 3.40 hands over no LIMIT when the WHERE holds a <>, a LIKE, an
 *    IS NOT NULL (its "auxiliary" constraints) or a term it keeps to itself.
 *    For a single-table SELECT of plain rows (sqlparse/parse.c reads the
 *    statement being prepared: no aggregate, GROUP BY or DISTINCT, its
 *    ORDER BY consumed) the statement's own LIMIT n is used instead: $top
 *    when every WHERE term reached xBestIndex and is pushed and omitted
 *    (the same proof as above), else "first=2n": the first request asks
 *    for 2n rows ($top: no next page, nothing prefetched) and only if
 *    SQLite wants more after them does the scan read on without $top,
 *    skipping the rows it already handed out (vtab.c, FIRST ROWS);
 *  - a LIMIT (+ OFFSET) above 5000 gets no $top (the service's answer to
 *    $top > 5000 is undocumented) but becomes the scan's row budget:
 *    "rows=N" when the first N rows of the service's order are the answer
 *    (the same proof as for $top: the scan reads at most N rows, in pages
 *    sized so that N rows take the fewest pages, and is never partitioned),
 *    "least=N" when a term stays local (at least N rows are needed: the
 *    scan is not partitioned and prefetches no page once N rows are read;
 *    later pages come only when SQLite asks).  A LIMIT from argv ("top=?1")
 *    over 5000 becomes the same "rows" budget at xFilter time.
 * Source: https://www.sqlite.org/vtab.html#the_xbestindex_method
 *         https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>

#include "odata/odata.h"
#include "sqlparse/ast.h"
#include "util/strutil.h"

#define TOP_MAX 5000
#define ROWS_MAX 1000000000L   /* a LIMIT kept as a row budget, not $top */
#define IN_MAX PLAN_IN_MAX

struct best {
	const struct dv_entity *e;
	const struct sql_mentions *m;  /* names the statement mentions (or NULL) */
	sqlite3_index_info *info;
	struct dv_buf filter;
	int nargs;
	int pushed_all;      /* every constraint pushed and omitted */
	double rows;
	int unique;
	sqlite3_uint64 like_cols;  /* columns with a LIKE constraint (bit 63: any >= 63) */
};

static int filterable(const struct dv_column *c)
{
	return c->role == DV_COL_VALUE && c->attr_type != DV_ATTR_IMAGE &&
	       c->attr_type != DV_ATTR_MULTISELECT;
}

static int is_ascii(sqlite3_value *v)
{
	const unsigned char *s = sqlite3_value_text(v);
	int i, n = sqlite3_value_bytes(v);
	for (i = 0; s && i < n; i++)
		if (s[i] >= 0x80)
			return 0;
	return 1;
}

static const char *op_name(unsigned char op)
{
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ: return "eq";
	case SQLITE_INDEX_CONSTRAINT_NE: return "ne";
	case SQLITE_INDEX_CONSTRAINT_GT: return "gt";
	case SQLITE_INDEX_CONSTRAINT_GE: return "ge";
	case SQLITE_INDEX_CONSTRAINT_LT: return "lt";
	case SQLITE_INDEX_CONSTRAINT_LE: return "le";
	default: return NULL;
	}
}

static sqlite3_uint64 col_bit(int col)
{
	return (sqlite3_uint64)1 << (col < 63 ? col : 63);
}

static void add_term(struct best *b, const char *text)
{
	if (b->filter.len)
		dv_buf_appends(&b->filter, " and ");
	dv_buf_appends(&b->filter, text);
}

static void use_argv(struct best *b, int i)
{
	b->info->aConstraintUsage[i].argvIndex = ++b->nargs;
	b->info->aConstraintUsage[i].omit = 0;
	b->pushed_all = 0;
	b->rows /= 10;
}

/* A value from argv (a join key, a parameter): equality on the primary key
 * finds one row; on a lookup, the few rows of one parent (a join's fan-out);
 * SQLite compares these estimates to choose which side of a join to read
 * first, so they must say that a key lookup is cheap (use_argv already
 * divided by 10). */
static void argv_estimate(struct best *b, const struct dv_column *c, unsigned char op)
{
	if (op != SQLITE_INDEX_CONSTRAINT_EQ)
		return;
	if (c->is_primary_id)
		b->unique = 1;
	else if (c->attr_type == DV_ATTR_LOOKUP || c->attr_type == DV_ATTR_CUSTOMER ||
		 c->attr_type == DV_ATTR_OWNER)
		b->rows /= 1000;
}

/* col op constant-or-argv */
static void plan_compare(struct best *b, int i, const struct dv_column *c, unsigned char op)
{
	sqlite3_value *v = NULL;
	struct dv_buf t;
	dv_buf_init(&t, 0);
	if (op == SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(b->info, i, -1)) {
		sqlite3_vtab_in(b->info, i, 1);
		use_argv(b, i);
		dv_buf_appendf(&t, "%s in ?%d", c->select_name, b->nargs);
		add_term(b, dv_buf_str(&t));
	} else if (column_is_text(c) && op != SQLITE_INDEX_CONSTRAINT_EQ &&
		   op != SQLITE_INDEX_CONSTRAINT_NE &&
		   (b->like_cols & col_bit(b->info->aConstraint[i].iColumn))) {
		/* the range SQLite derives from LIKE 'abc%' on a NOCASE column:
		 * startswith says it better, SQLite checks it anyway */
		b->pushed_all = 0;
	} else if (sqlite3_vtab_rhs_value(b->info, i, &v) == SQLITE_OK && v) {
		/* a date-only column holds 'YYYY-MM-DD' text, which SQLite would
		 * compare with '2025-02-01 00:00:00' as text: the service compares
		 * it as a date, and SQLite must not check it again (nor "ne",
		 * whose NULLs are excluded here as SQL says) */
		/* "<>": OData's ne keeps NULLs, SQL's <> does not, so the NULLs are
		 * excluded in the request and the term needs no second check */
		int dateonly = c->attr_type == DV_ATTR_DATEONLY;
		int ne = op == SQLITE_INDEX_CONSTRAINT_NE;
		if (ne)
			dv_buf_appendf(&t, "%s ne null and %s ne ", c->select_name,
				       c->select_name);
		else
			dv_buf_appendf(&t, "%s %s ", c->select_name, op_name(op));
		if (value_to_odata(c, v, &t) != 0) {
			b->pushed_all = 0;
		} else {
			int text = column_is_text(c);
			int omit = dateonly || !text ||
				   ((op == SQLITE_INDEX_CONSTRAINT_EQ || ne) && is_ascii(v));
			add_term(b, dv_buf_str(&t));
			b->info->aConstraintUsage[i].omit = (unsigned char)omit;
			/* argvIndex is needed for omit to take effect */
			b->info->aConstraintUsage[i].argvIndex = ++b->nargs;
			if (!omit)
				b->pushed_all = 0;
			if (op == SQLITE_INDEX_CONSTRAINT_EQ && c->is_primary_id)
				b->unique = 1;
			b->rows /= op == SQLITE_INDEX_CONSTRAINT_EQ ? 10 : 3;
		}
	} else {
		use_argv(b, i);
		dv_buf_appendf(&t, "%s %s ?%d", c->select_name, op_name(op), b->nargs);
		add_term(b, dv_buf_str(&t));
		argv_estimate(b, c, op);
	}
	dv_buf_free(&t);
}

/* LIKE with a constant pattern -> startswith / endswith / contains / eq. */
static void plan_like(struct best *b, int i, const struct dv_column *c)
{
	sqlite3_value *v = NULL;
	const char *p;
	size_t n;
	int lead, trail;
	struct dv_buf t;
	if (c->attr_type != DV_ATTR_STRING && c->attr_type != DV_ATTR_MEMO)
		goto local;
	if (sqlite3_vtab_rhs_value(b->info, i, &v) != SQLITE_OK || !v ||
	    sqlite3_value_type(v) != SQLITE_TEXT)
		goto local;
	p = (const char *)sqlite3_value_text(v);
	n = (size_t)sqlite3_value_bytes(v);
	lead = n > 0 && p[0] == '%';
	trail = n > (size_t)lead && p[n - 1] == '%';
	if (lead) {
		p++;
		n--;
	}
	if (trail)
		n--;
	if (n == 0 || memchr(p, '%', n) || memchr(p, '_', n))
		goto local;
	dv_buf_init(&t, 0);
	if (lead && trail)
		dv_buf_appendf(&t, "contains(%s,'", c->select_name);
	else if (lead)
		dv_buf_appendf(&t, "endswith(%s,'", c->select_name);
	else if (trail)
		dv_buf_appendf(&t, "startswith(%s,'", c->select_name);
	if (lead || trail) {
		odata_append_like_literal(&t, p, n);
		dv_buf_appends(&t, "')");
	} else {
		dv_buf_appendf(&t, "%s eq ", c->select_name);
		odata_append_string_literal(&t, p, n);
	}
	add_term(b, dv_buf_str(&t));
	dv_buf_free(&t);
	b->info->aConstraintUsage[i].argvIndex = ++b->nargs;
	/* a pattern without wildcards is sent as eq, which ignores trailing
	 * blanks at the service ('abc  ' eq 'abc') where LIKE does not: SQLite
	 * checks it again */
	b->info->aConstraintUsage[i].omit = (unsigned char)(is_ascii(v) && (lead || trail));
	if (!b->info->aConstraintUsage[i].omit)
		b->pushed_all = 0;
	b->rows /= 5;
	return;
local:
	b->pushed_all = 0;
}

static void plan_null(struct best *b, int i, const struct dv_column *c, int is_null)
{
	struct dv_buf t;
	dv_buf_init(&t, 0);
	dv_buf_appendf(&t, "%s %s null", c->select_name, is_null ? "eq" : "ne");
	add_term(b, dv_buf_str(&t));
	dv_buf_free(&t);
	b->info->aConstraintUsage[i].argvIndex = ++b->nargs;
	b->info->aConstraintUsage[i].omit = 1;
	b->rows /= 2;
}

static int is_limit_op(unsigned char op)
{
	return op == SQLITE_INDEX_CONSTRAINT_LIMIT || op == SQLITE_INDEX_CONSTRAINT_OFFSET;
}

static void plan_constraints(struct best *b)
{
	sqlite3_index_info *info = b->info;
	int i;
	for (i = 0; i < info->nConstraint; i++)
		if (info->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_LIKE &&
		    info->aConstraint[i].usable && info->aConstraint[i].iColumn >= 0)
			b->like_cols |= col_bit(info->aConstraint[i].iColumn);
	for (i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *k = &info->aConstraint[i];
		const struct dv_column *c;
		if (is_limit_op(k->op))
			continue;
		if (!k->usable || k->iColumn < 0 || (size_t)k->iColumn >= b->e->ncolumns) {
			b->pushed_all = 0;
			continue;
		}
		c = &b->e->columns[k->iColumn];
		if (!filterable(c)) {
			b->pushed_all = 0;
			continue;
		}
		if (op_name(k->op))
			plan_compare(b, i, c, k->op);
		else if (k->op == SQLITE_INDEX_CONSTRAINT_LIKE)
			plan_like(b, i, c);
		else if (k->op == SQLITE_INDEX_CONSTRAINT_ISNULL)
			plan_null(b, i, c, 1);
		else if (k->op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL)
			plan_null(b, i, c, 0);
		else
			b->pushed_all = 0;
	}
}

int plan_sortable(const struct dv_column *c)
{
	if (c->role != DV_COL_VALUE)
		return 0;
	switch (c->attr_type) {
	case DV_ATTR_STRING: case DV_ATTR_INTEGER: case DV_ATTR_BIGINT: case DV_ATTR_DECIMAL:
	case DV_ATTR_DOUBLE: case DV_ATTR_MONEY: case DV_ATTR_BOOLEAN: case DV_ATTR_DATETIME:
	case DV_ATTR_DATEONLY: case DV_ATTR_PICKLIST: case DV_ATTR_STATE: case DV_ATTR_STATUS:
		return 1;
	default:
		return 0;
	}
}

/* Fills out with "$orderby" text when ORDER BY can be consumed. */
static int plan_orderby(struct best *b, struct dv_buf *out)
{
	sqlite3_index_info *info = b->info;
	const struct dv_column *pk = NULL;
	int i, has_pk = 0;
	size_t k;
	if (info->nOrderBy == 0)
		return 0;
	for (i = 0; i < info->nOrderBy; i++) {
		int col = info->aOrderBy[i].iColumn;
		if (col < 0 || (size_t)col >= b->e->ncolumns || !plan_sortable(&b->e->columns[col]))
			return 0;
	}
	for (i = 0; i < info->nOrderBy; i++) {
		const struct dv_column *c = &b->e->columns[info->aOrderBy[i].iColumn];
		dv_buf_appendf(out, "%s%s %s", i ? "," : "", c->select_name,
			       info->aOrderBy[i].desc ? "desc" : "asc");
		has_pk |= c->is_primary_id;
	}
	for (k = 0; k < b->e->ncolumns; k++)
		if (b->e->columns[k].is_primary_id && b->e->columns[k].role == DV_COL_VALUE)
			pk = &b->e->columns[k];
	if (pk && !has_pk)
		dv_buf_appendf(out, ",%s asc", pk->select_name);
	info->orderByConsumed = 1;
	return 1;
}

static void buf_truncate(struct dv_buf *b, size_t len);
static long resolve_limit(const char *t, size_t n, int argc, sqlite3_value **argv,
			  int drop_args);

/* One LIMIT or OFFSET value for $top: the constant, or "?N" (argv). */
static int limit_value(struct best *b, int i, struct dv_buf *top)
{
	sqlite3_value *v = NULL;
	if (sqlite3_vtab_rhs_value(b->info, i, &v) == SQLITE_OK && v) {
		sqlite3_int64 n = sqlite3_value_int64(v);
		if (sqlite3_value_type(v) != SQLITE_INTEGER || n < 0 || n > ROWS_MAX)
			return -1;
		dv_buf_appendf(top, "%lld", (long long)n);
	} else {
		dv_buf_appendf(top, "?%d", b->nargs + 1);
	}
	b->info->aConstraintUsage[i].argvIndex = ++b->nargs;
	b->info->aConstraintUsage[i].omit = 0; /* SQLite still applies them itself */
	return 0;
}

/* $top from LIMIT when it is safe (see the contract above): LIMIT n OFFSET m
 * asks for the first n + m rows ("top=n+m"; $skip does not exist) and
 * SQLite skips the m itself, as it always does unless OFFSET is omitted.
 * Constants summing above 5000 go to rows instead (the row budget). */
static void plan_limit(struct best *b, int order_ok, struct dv_buf *top, struct dv_buf *rows)
{
	sqlite3_index_info *info = b->info;
	int i, lim = -1, off = -1;
	for (i = 0; i < info->nConstraint; i++) {
		if (info->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
			if (!info->aConstraint[i].usable)
				return; /* an OFFSET we cannot see: no $top */
			off = i;
		}
		if (info->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_LIMIT &&
		    info->aConstraint[i].usable)
			lim = i;
	}
	if (lim < 0 || !b->pushed_all || !order_ok)
		return;
	if (limit_value(b, lim, top) != 0 ||
	    (off >= 0 && (dv_buf_appendc(top, '+') != 0 || limit_value(b, off, top) != 0))) {
		buf_truncate(top, 0);
		return;
	}
	if (!memchr(dv_buf_str(top), '?', top->len)) { /* constants: the sum */
		long n = resolve_limit(dv_buf_str(top), top->len, 0, NULL, 0);
		buf_truncate(top, 0);
		if (n > TOP_MAX)
			dv_buf_appendf(rows, "%ld", n);
		else if (n > 0)
			dv_buf_appendf(top, "%ld", n);
	}
}

/* The constraints SQLite hands xBestIndex for an AND-only WHERE: one per
 * comparison, LIKE, IN and IS [NOT] NULL, two for BETWEEN (>= and <=); -1
 * when the tree has an OR or another NOT, which SQLite keeps to itself. */
static int where_constraints(const struct ast_expr *x)
{
	int a, b;
	if (!x)
		return 0;
	switch (x->kind) {
	case AST_AND:
		a = where_constraints(x->a);
		b = where_constraints(x->b);
		return a < 0 || b < 0 ? -1 : a + b;
	case AST_NOT:
		return x->a && x->a->kind == AST_ISNULL ? 1 : -1;
	case AST_OR:
	case AST_EXISTS:   /* subqueries are never handed to a table as constraints */
	case AST_INSUB:
	case AST_COLEQ:
		return -1;
	case AST_BETWEEN:
		return 2;
	default:
		return 1;
	}
}

static int names_entity(const char *name, const struct dv_entity *e)
{
	return name && (dv_strcasecmp(name, e->logical_name) == 0 ||
			(e->entity_set && dv_strcasecmp(name, e->entity_set) == 0));
}

/* The statement's own LIMIT when SQLite did not hand it over (see the
 * contract): $top, or "first=" rows for the first request; above 5000 the
 * row budget, "rows=" (exact) or "least=" (a term stays local). */
static void plan_statement_limit(struct best *b, const char *sql, struct dv_buf *top,
				 struct dv_buf *first, struct dv_buf *rows, struct dv_buf *least)
{
	sqlite3_index_info *info = b->info;
	struct ast_select s;
	int i, nc = 0, whole;
	size_t k;
	for (i = 0; i < info->nConstraint; i++) {
		if (info->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_OFFSET)
			return;
		if (!is_limit_op(info->aConstraint[i].op))
			nc++;
	}
	if (!sql || sqlparse_select(sql, strlen(sql), &s) != 0)
		return;
	whole = where_constraints(s.where) == nc;
	if (!s.has_aggregate && s.limit > 0 && s.limit <= ROWS_MAX && names_entity(s.table, b->e) &&
	    (size_t)info->nOrderBy == s.norder && (s.norder == 0 || info->orderByConsumed)) {
		for (k = 0; k < b->e->ncolumns; k++)
			if (b->e->columns[k].is_primary_id && b->e->columns[k].role == DV_COL_VALUE)
				break;
		if (s.limit > TOP_MAX)
			dv_buf_appendf(b->pushed_all && whole ? rows : least, "%lld", s.limit);
		else if (b->pushed_all && whole)
			dv_buf_appendf(top, "%lld", s.limit);
		else if (k < b->e->ncolumns)  /* the rest skips rows by key */
			dv_buf_appendf(first, "%lld",
				       2 * s.limit < TOP_MAX ? 2 * s.limit : (long long)TOP_MAX);
	}
	ast_select_free(&s);
}

/* Does the statement use column i?  SQLite's colUsed has a bit for each
 * of the first 63 columns and one for all the others; for those the
 * statement's own text decides (sqlparse/mentions.c). */
static int column_used(const struct best *b, size_t i)
{
	if (i < 63)
		return (b->info->colUsed & ((sqlite3_uint64)1 << i)) != 0;
	return (b->info->colUsed & ((sqlite3_uint64)1 << 63)) != 0 &&
	       sql_mentions_has(b->m, b->e->columns[i].name);
}

/* $select: the primary key, then every used column's property once. */
static void plan_select(struct best *b, struct dv_buf *sel, int *flags)
{
	const struct dv_entity *e = b->e;
	size_t i, k;
	for (i = 0; i < e->ncolumns; i++)
		if (e->columns[i].is_primary_id && e->columns[i].role == DV_COL_VALUE)
			dv_buf_appends(sel, e->columns[i].select_name);
	for (i = 0; i < e->ncolumns; i++) {
		const struct dv_column *c = &e->columns[i];
		int dup = 0;
		/* an intersect row's two ids are its identity for DELETE ($ref) */
		if (e->is_intersect && c->role == DV_COL_VALUE && c->attr_type == DV_ATTR_GUID &&
		    !c->is_primary_id) {
			dv_buf_appendf(sel, "%s%s", sel->len ? "," : "", c->select_name);
			continue;
		}
		if (!column_used(b, i))
			continue;
		if (c->role == DV_COL_NAME)
			*flags |= PLAN_WANT_FORMATTED;
		if (c->role == DV_COL_TYPE)
			*flags |= PLAN_WANT_LOOKUPTYPE;
		for (k = 0; k < e->ncolumns && !dup; k++) {
			const struct dv_column *o = &e->columns[k];
			if (strcmp(o->select_name, c->select_name) != 0)
				continue;
			if (o->is_primary_id && o->role == DV_COL_VALUE)
				dup = 1;
			else if (k < i && column_used(b, k))
				dup = 1;
		}
		if (!dup)
			dv_buf_appendf(sel, "%s%s", sel->len ? "," : "", c->select_name);
	}
}

int plan_best_index(const struct dv_entity *e, const struct sql_mentions *m,
		    const char *sql, const char *join_term, double table_rows,
		    sqlite3_index_info *info)
{
	struct best b;
	struct dv_buf idx, order, top, sel, first, rows, least;
	int flags = 0, order_ok;
	memset(&b, 0, sizeof(b));
	b.e = e;
	b.m = m;
	b.info = info;
	b.pushed_all = 1;
	/* a million rows, or in a statement of several tables its count scaled
	 * to the largest one's million (rowcount.c): the pushed terms divide it
	 * (SQLite compares the estimates to order a join) */
	b.rows = table_rows >= 0 ? table_rows : 1e6;
	dv_buf_init(&b.filter, 0);
	dv_buf_init(&idx, 0);
	dv_buf_init(&order, 0);
	dv_buf_init(&top, 0);
	dv_buf_init(&sel, 0);
	dv_buf_init(&first, 0);
	dv_buf_init(&rows, 0);
	dv_buf_init(&least, 0);
	plan_constraints(&b);
	if (join_term)
		add_term(&b, join_term);
	order_ok = info->nOrderBy == 0 || plan_orderby(&b, &order);
	plan_limit(&b, order_ok, &top, &rows);
	if (!top.len && !rows.len && order_ok)
		plan_statement_limit(&b, sql, &top, &first, &rows, &least);
	plan_select(&b, &sel, &flags);
	dv_buf_appendf(&idx, "select=%s", dv_buf_str(&sel));
	if (b.filter.len)
		dv_buf_appendf(&idx, ";filter=%s", dv_buf_str(&b.filter));
	if (order.len)
		dv_buf_appendf(&idx, ";orderby=%s", dv_buf_str(&order));
	if (top.len)
		dv_buf_appendf(&idx, ";top=%s", dv_buf_str(&top));
	if (first.len)
		dv_buf_appendf(&idx, ";first=%s", dv_buf_str(&first));
	if (rows.len)
		dv_buf_appendf(&idx, ";rows=%s", dv_buf_str(&rows));
	if (least.len)
		dv_buf_appendf(&idx, ";least=%s", dv_buf_str(&least));
	info->idxNum = flags;
	info->idxStr = sqlite3_mprintf("%s", dv_buf_str(&idx));
	info->needToFreeIdxStr = 1;
	if (b.unique) {
		b.rows = 1;
		info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
	}
	if (b.rows < 1)
		b.rows = 1;
	info->estimatedRows = (sqlite3_int64)b.rows;
	/* one request costs as much as reading a thousand rows */
	info->estimatedCost = 1000.0 + b.rows;
	dv_buf_free(&b.filter);
	dv_buf_free(&idx);
	dv_buf_free(&order);
	dv_buf_free(&top);
	dv_buf_free(&sel);
	dv_buf_free(&first);
	dv_buf_free(&rows);
	dv_buf_free(&least);
	return info->idxStr ? SQLITE_OK : SQLITE_NOMEM;
}

/* ---- reading idxStr back (xFilter) ---- */

/* Length of s up to the first `stop` outside '...' quotes. */
static size_t span_unquoted(const char *s, const char *stop)
{
	size_t i, n = strlen(stop);
	int quoted = 0;
	for (i = 0; s[i]; i++) {
		if (s[i] == '\'')
			quoted = !quoted;
		else if (!quoted && strncmp(s + i, stop, n) == 0)
			return i;
	}
	return i;
}

int plan_has_args(const char *idx_str)
{
	size_t i;
	int quoted = 0;
	for (i = 0; idx_str && idx_str[i]; i++) {
		if (idx_str[i] == '\'')
			quoted = !quoted;
		else if (!quoted && idx_str[i] == '?')
			return 1;
	}
	return 0;
}

static const struct dv_column *column_by_property(const struct dv_entity *e, const char *p,
						  size_t n)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++) {
		const struct dv_column *c = &e->columns[i];
		if (c->role == DV_COL_VALUE && strlen(c->select_name) == n &&
		    strncmp(c->select_name, p, n) == 0)
			return c;
	}
	return NULL;
}

static void buf_truncate(struct dv_buf *b, size_t len)
{
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
}

/* The keys of an IN list longer than IN_MAX, sent as several requests of
 * IN_MAX keys each (vtab.c reads them one after the other).  Only for keys
 * whose OData literal is canonical (GUIDs lowercase, integers), so that no
 * two batches can name the same record: the literals are sorted and made
 * unique first.  Text keys (the service compares them case- and
 * accent-insensitively) stay local as before. */
struct in_batches {
	const struct dv_column *c;
	char **keys;
	size_t n;
};

#define IN_MARK "\001"   /* where the batch's or-chain goes in the filter */

static int batchable(const struct dv_column *c)
{
	switch (c->attr_type) {
	case DV_ATTR_GUID: case DV_ATTR_LOOKUP: case DV_ATTR_CUSTOMER: case DV_ATTR_OWNER:
	case DV_ATTR_INTEGER: case DV_ATTR_BIGINT: case DV_ATTR_PICKLIST: case DV_ATTR_STATE:
	case DV_ATTR_STATUS:
		return c->role == DV_COL_VALUE;
	default:
		return 0;
	}
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void in_batches_free(struct in_batches *bx)
{
	size_t i;
	for (i = 0; i < bx->n; i++)
		free(bx->keys[i]);
	free(bx->keys);
	memset(bx, 0, sizeof(*bx));
}

/* Collects the list's literals into bx, sorted and unique: 0, or -1. */
static int collect_in(const struct dv_column *c, sqlite3_value *list, struct in_batches *bx)
{
	sqlite3_value *v = NULL;
	size_t cap = 0, i, u;
	int rc;
	bx->c = c;
	for (rc = sqlite3_vtab_in_first(list, &v); rc == SQLITE_OK && v;
	     rc = sqlite3_vtab_in_next(list, &v)) {
		struct dv_buf lit;
		if (sqlite3_value_type(v) == SQLITE_NULL)
			continue;
		dv_buf_init(&lit, 0);
		if (value_to_odata(c, v, &lit) != 0 || !lit.data) {
			dv_buf_free(&lit);
			return -1;
		}
		if (bx->n == cap) {
			char **k = realloc(bx->keys, (cap ? cap * 2 : 256) * sizeof(*k));
			if (!k) {
				dv_buf_free(&lit);
				return -1;
			}
			bx->keys = k;
			cap = cap ? cap * 2 : 256;
		}
		bx->keys[bx->n++] = dv_buf_steal(&lit);
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		return -1;
	qsort(bx->keys, bx->n, sizeof(*bx->keys), cmp_key);
	for (i = u = 0; i < bx->n; i++) {
		if (u > 0 && strcmp(bx->keys[i], bx->keys[u - 1]) == 0)
			free(bx->keys[i]);
		else
			bx->keys[u++] = bx->keys[i];
	}
	bx->n = u;
	return bx->n > 0 ? 0 : -1;
}

/* "(p eq 1 or p eq 2)" from an all-at-once IN argument.  A list longer
 * than IN_MAX goes into bx when one is given (and still empty) and leaves
 * IN_MARK in out; else it cannot be sent (-1). */
static int expand_in(const struct dv_column *c, sqlite3_value *list, struct dv_buf *out,
		     struct in_batches *bx)
{
	sqlite3_value *v = NULL;
	size_t start = out->len;
	int rc, n = 0;
	dv_buf_appendc(out, '(');
	for (rc = sqlite3_vtab_in_first(list, &v); rc == SQLITE_OK && v;
	     rc = sqlite3_vtab_in_next(list, &v)) {
		if (sqlite3_value_type(v) == SQLITE_NULL)
			continue;
		if (++n > IN_MAX)
			break;
		dv_buf_appendf(out, "%s%s eq ", n > 1 ? " or " : "", c->select_name);
		if (value_to_odata(c, v, out) != 0)
			break;
	}
	if (n > IN_MAX && bx && !bx->keys && batchable(c)) {
		buf_truncate(out, start);
		if (collect_in(c, list, bx) != 0) {
			in_batches_free(bx);
			return -1;
		}
		return dv_buf_appends(out, IN_MARK);
	}
	if (n == 0 || n > IN_MAX || (rc != SQLITE_OK && rc != SQLITE_DONE) ||
	    (rc == SQLITE_OK && v)) {
		buf_truncate(out, start);
		return -1;
	}
	return dv_buf_appendc(out, ')');
}

/* The filter of batch k: IN_MARK replaced by keys [k * IN_MAX, ...). */
static char *batch_filter(const char *filter, const struct in_batches *bx, size_t k)
{
	const char *mark = strstr(filter, IN_MARK);
	size_t i, end = (k + 1) * IN_MAX < bx->n ? (k + 1) * IN_MAX : bx->n;
	struct dv_buf f;
	dv_buf_init(&f, 0);
	dv_buf_append(&f, filter, (size_t)(mark - filter));
	dv_buf_appendc(&f, '(');
	for (i = k * IN_MAX; i < end; i++)
		dv_buf_appendf(&f, "%s%s eq %s", i > k * IN_MAX ? " or " : "", bx->c->select_name,
			       bx->keys[i]);
	dv_buf_appendc(&f, ')');
	dv_buf_appends(&f, mark + 1);
	return f.data ? dv_buf_steal(&f) : NULL;
}

/* Splits out->filter into one filter per batch of keys. */
static int split_batches(struct plan_query *out, const struct in_batches *bx)
{
	size_t k, nb = (bx->n + IN_MAX - 1) / IN_MAX;
	char *first = batch_filter(out->filter, bx, 0);
	if (!first)
		return -1;
	out->more = nb > 1 ? calloc(nb - 1, sizeof(*out->more)) : NULL;
	if (nb > 1 && !out->more) {
		free(first);
		return -1;
	}
	for (k = 1; k < nb; k++) {
		out->more[k - 1] = batch_filter(out->filter, bx, k);
		if (!out->more[k - 1])
			return -1;
		out->nmore = k;
	}
	free(out->filter);
	out->filter = first;
	return 0;
}

/* True when term is "<property> <op> ?N" (no quotes anywhere); *q = the '?'. */
static int argv_term(const char *term, size_t n, size_t *q)
{
	size_t i = n;
	if (memchr(term, '\'', n))
		return 0;
	while (i > 0 && term[i - 1] >= '0' && term[i - 1] <= '9')
		i--;
	if (i == n || i < 4 || term[i - 1] != '?' || term[i - 2] != ' ')
		return 0;
	*q = i - 1;
	return 1;
}

/* Appends one filter term, its ?N resolved; nothing when it cannot be. */
static void resolve_term(const struct dv_entity *e, const char *term, size_t n, int argc,
			 sqlite3_value **argv, int drop_args, struct dv_buf *out, int *empty,
			 struct in_batches *bx)
{
	const struct dv_column *c;
	size_t q, start = out->len, sp1, sp2;
	long idx;
	char num[16];
	if (!argv_term(term, n, &q)) {
		if (out->len)
			dv_buf_appends(out, " and ");
		dv_buf_append(out, term, n);
		return;
	}
	if (drop_args || n - q - 1 >= sizeof(num))
		return;
	memcpy(num, term + q + 1, n - q - 1);
	num[n - q - 1] = '\0';
	if (dv_parse_long(num, &idx) != 0 || idx < 1 || idx > argc)
		return;
	sp2 = q - 1;                       /* the space before "?N" */
	for (sp1 = sp2 - 1; sp1 > 0 && term[sp1] != ' '; sp1--)
		;
	c = column_by_property(e, term, sp1);
	if (!c)
		return;
	if (sqlite3_value_type(argv[idx - 1]) == SQLITE_NULL &&
	    !(sp2 - sp1 - 1 == 2 && strncmp(term + sp1 + 1, "in", 2) == 0)) {
		*empty = 1;                /* x op NULL is never true */
		return;
	}
	if (out->len)
		dv_buf_appends(out, " and ");
	if (sp2 - sp1 - 1 == 2 && strncmp(term + sp1 + 1, "in", 2) == 0) {
		if (expand_in(c, argv[idx - 1], out, bx) == 0)
			return;
	} else {
		dv_buf_append(out, term, sp2 + 1);
		if (value_to_odata(c, argv[idx - 1], out) == 0)
			return;
	}
	buf_truncate(out, start);          /* cannot be written: SQLite checks it */
}

static char *resolve_filter(const struct dv_entity *e, const char *f, size_t n, int argc,
			    sqlite3_value **argv, int drop_args, int *empty,
			    struct in_batches *bx)
{
	struct dv_buf out;
	char *copy = dv_strndup(f, n), *p;
	dv_buf_init(&out, 0);
	if (!copy)
		return NULL;
	for (p = copy; *p;) {
		size_t len = span_unquoted(p, " and ");
		resolve_term(e, p, len, argc, argv, drop_args, &out, empty, bx);
		p += len;
		if (*p)
			p += 5;
	}
	free(copy);
	if (out.len == 0) {
		dv_buf_free(&out);
		return NULL;
	}
	return dv_buf_steal(&out);
}

/* The first filter term "<property> eq ?N" whose column can key a local
 * index: 1 with *col (entity column) and *argv_index (N), else 0. */
int plan_eq_arg(const struct dv_entity *e, const char *idx_str, size_t *col,
		int *argv_index)
{
	const char *p = idx_str ? strstr(idx_str, "filter=") : NULL;
	size_t end;
	if (!p)
		return 0;
	p += 7;
	end = span_unquoted(p, ";");
	while (end > 0) {
		size_t len = span_unquoted(p, " and "), q;
		const struct dv_column *c;
		long n;
		char num[16];
		if (len > end)
			len = end;
		if (argv_term(p, len, &q) && q >= 5 && strncmp(p + q - 4, " eq ", 4) == 0 &&
		    len - q - 1 < sizeof(num)) {
			memcpy(num, p + q + 1, len - q - 1);
			num[len - q - 1] = '\0';
			c = column_by_property(e, p, q - 4);
			if (c && dv_parse_long(num, &n) == 0 && n > 0 && n < 1000) {
				*col = (size_t)(c - e->columns);
				*argv_index = (int)n;
				return 1;
			}
		}
		if (len + 5 > end)
			break;
		p += len + 5;
		end -= len + 5;
	}
	return 0;
}

/* One addend of "top=": a number or "?N"; -1 when it cannot be had. */
static long top_addend(const char *t, size_t n, int argc, sqlite3_value **argv, int drop_args)
{
	char num[24];
	long v;
	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, t, n);
	num[n] = '\0';
	if (num[0] == '?') {
		if (drop_args || dv_parse_long(num + 1, &v) != 0 || v < 1 || v > argc)
			return -1;
		if (sqlite3_value_type(argv[v - 1]) != SQLITE_INTEGER)
			return -1;
		if (sqlite3_value_int64(argv[v - 1]) < 0 ||
		    sqlite3_value_int64(argv[v - 1]) > ROWS_MAX)
			return -1;
		return (long)sqlite3_value_int64(argv[v - 1]);
	}
	return dv_parse_long(num, &v) == 0 && v >= 0 && v <= ROWS_MAX ? v : -1;
}

/* "n" or "n+m" (LIMIT, OFFSET) -> the rows the statement needs, 0 = none
 * known (a value that cannot be had). */
static long resolve_limit(const char *t, size_t n, int argc, sqlite3_value **argv,
			  int drop_args)
{
	const char *plus = memchr(t, '+', n);
	long lim, off = 0;
	lim = top_addend(t, plus ? (size_t)(plus - t) : n, argc, argv, drop_args);
	if (plus)
		off = top_addend(plus + 1, n - (size_t)(plus + 1 - t), argc, argv, drop_args);
	if (lim <= 0 || off < 0)
		return 0;
	return lim + off;
}

/* "top=": $top up to 5000, above that the exact row budget. */
static void resolve_top(const char *t, size_t n, int argc, sqlite3_value **argv,
			int drop_args, struct plan_query *out)
{
	long v = resolve_limit(t, n, argc, argv, drop_args);
	if (v > TOP_MAX)
		out->rows = v;
	else
		out->top = v;
}

int plan_resolve(const struct dv_entity *e, const char *idx_str, int argc,
		 sqlite3_value **argv, int drop_args, struct plan_query *out,
		 struct dv_error *err)
{
	const char *p = idx_str ? idx_str : "";
	struct in_batches bx = {NULL, NULL, 0};
	/* keys in batches give rows batch after batch: no order, no $top */
	int may_batch = !strstr(p, ";orderby=") && !strstr(p, ";top=") && !strstr(p, ";first=") &&
			!strstr(p, ";rows=") && !strstr(p, ";least=");
	memset(out, 0, sizeof(*out));
	while (*p) {
		size_t len = span_unquoted(p, ";");
		if (strncmp(p, "select=", 7) == 0)
			out->select = dv_strndup(p + 7, len - 7);
		else if (strncmp(p, "filter=", 7) == 0)
			out->filter = resolve_filter(e, p + 7, len - 7, argc, argv, drop_args,
						     &out->empty, may_batch ? &bx : NULL);
		else if (strncmp(p, "orderby=", 8) == 0)
			out->orderby = dv_strndup(p + 8, len - 8);
		else if (strncmp(p, "top=", 4) == 0)
			resolve_top(p + 4, len - 4, argc, argv, drop_args, out);
		else if (strncmp(p, "first=", 6) == 0 && !drop_args)
			out->first = resolve_limit(p + 6, len - 6, 0, NULL, 1);
		else if (strncmp(p, "rows=", 5) == 0 && !drop_args)
			out->rows = resolve_limit(p + 5, len - 5, 0, NULL, 1);
		else if (strncmp(p, "least=", 6) == 0 && !drop_args)
			out->least = resolve_limit(p + 6, len - 6, 0, NULL, 1);
		p += len;
		if (*p)
			p++;
	}
	if (bx.keys && out->filter && split_batches(out, &bx) != 0) {
		in_batches_free(&bx);
		plan_query_free(out);
		return dv_error_nomem(err);
	}
	in_batches_free(&bx);
	if (!out->select) {
		plan_query_free(out);
		return dv_error_set(err, DV_S_HY000, 0, "internal: plan without a select list");
	}
	return 0;
}

/* ---- a plan read once per outer row (KEY BATCHES, engine_int.h) ---- */

int plan_guid_column(const struct dv_column *c)
{
	return c->role == DV_COL_VALUE &&
	       (c->attr_type == DV_ATTR_GUID || c->attr_type == DV_ATTR_LOOKUP ||
		c->attr_type == DV_ATTR_CUSTOMER || c->attr_type == DV_ATTR_OWNER);
}

int plan_key_batches(const struct dv_entity *e, const char *idx_str, size_t *col,
		     int *argv_index)
{
	if (!idx_str || strstr(idx_str, ";top=") || strstr(idx_str, ";rows=") ||
	    !plan_eq_arg(e, idx_str, col, argv_index))
		return 0;
	return plan_guid_column(&e->columns[*col]);
}

/* The URL of pq, each key's "<key> eq <guid> or " encoded, stays under
 * KEY_URL_MAX. */
size_t plan_keys_per_request(const char *api_base, const struct dv_entity *e,
			     const struct plan_query *pq, const char *prop)
{
	struct odata_query q;
	size_t base = KEY_URL_MAX, per = strlen(prop) + 36 + 16;
	char *url;
	memset(&q, 0, sizeof(q));
	q.base = api_base;
	q.entity_set = e->entity_set;
	q.select = pq->select;
	q.filter = pq->filter;
	q.orderby = pq->orderby;
	url = odata_query_url(&q);
	if (url)
		base = strlen(url);
	free(url);
	if (base + 32 + per >= KEY_URL_MAX)
		return 1;
	return (KEY_URL_MAX - base - 32) / per;
}

char *plan_unkeyed(const char *api_base, const struct dv_entity *e, const char *idx_str,
		   int keyed, size_t *per)
{
	struct plan_query pq;
	struct dv_error err;
	struct dv_buf out;
	size_t col = 0;
	int n;
	if (keyed && !plan_key_batches(e, idx_str, &col, &n))
		return NULL;
	dv_error_clear(&err);
	if (plan_resolve(e, idx_str, 0, NULL, 1, &pq, &err) != 0)
		return NULL;
	dv_buf_init(&out, 0);
	dv_buf_appendf(&out, "select=%s", pq.select);
	if (keyed) {
		const char *prop = e->columns[col].select_name;
		*per = plan_keys_per_request(api_base, e, &pq, prop);
		dv_buf_appendf(&out, ";filter=%s%s(%s eq @k1 or %s eq @k2 or ...)",
			       pq.filter ? pq.filter : "", pq.filter ? " and " : "", prop, prop);
	} else if (pq.filter) {
		dv_buf_appendf(&out, ";filter=%s", pq.filter);
	}
	if (pq.orderby)
		dv_buf_appendf(&out, ";orderby=%s", pq.orderby);
	if (!keyed && pq.top > 0)
		dv_buf_appendf(&out, ";top=%ld", pq.top);
	plan_query_free(&pq);
	return out.data ? dv_buf_steal(&out) : NULL;
}

char *plan_explain_in(const struct dv_entity *e, const char *idx_str, int *batched)
{
	const char *f = strstr(idx_str, "filter="), *p;
	int may_batch = !strstr(idx_str, ";orderby=") && !strstr(idx_str, ";top=") &&
			!strstr(idx_str, ";first=") && !strstr(idx_str, ";rows=") &&
			!strstr(idx_str, ";least=");
	size_t end;
	struct dv_buf out;
	*batched = -1;
	if (!f || (f != idx_str && f[-1] != ';'))
		return NULL;
	dv_buf_init(&out, 0);
	dv_buf_append(&out, idx_str, (size_t)(f + 7 - idx_str));
	p = f + 7;
	end = span_unquoted(p, ";");
	while (end > 0) {
		size_t len = span_unquoted(p, " and "), q;
		const struct dv_column *c;
		if (len > end)
			len = end;
		if (out.len > (size_t)(f + 7 - idx_str))
			dv_buf_appends(&out, " and ");
		if (argv_term(p, len, &q) && q >= 5 && strncmp(p + q - 4, " in ", 4) == 0 &&
		    (c = column_by_property(e, p, q - 4)) != NULL) {
			dv_buf_appendf(&out, "(%s eq @v1 or %s eq @v2 or ...)", c->select_name,
				       c->select_name);
			/* plan_resolve: the first list longer than IN_MAX only */
			*batched = *batched < 0 && may_batch && batchable(c);
		} else {
			dv_buf_append(&out, p, len);
		}
		if (len + 5 > end) {
			p += len;
			break;
		}
		p += len + 5;
		end -= len + 5;
	}
	dv_buf_appends(&out, p);
	if (*batched < 0) {
		dv_buf_free(&out);
		return NULL;
	}
	return out.data ? dv_buf_steal(&out) : NULL;
}

void plan_query_free(struct plan_query *q)
{
	size_t i;
	free(q->select);
	free(q->filter);
	free(q->orderby);
	for (i = 0; i < q->nmore; i++)
		free(q->more[i]);
	free(q->more);
	memset(q, 0, sizeof(*q));
}
