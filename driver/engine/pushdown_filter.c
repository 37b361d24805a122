/* pushdown_filter.c - a WHERE tree (AND/OR/NOT) as an OData $filter.
 *
 * HOW IT WORKS (why the answer stays the same): SQL's WHERE is three-valued
 * (TRUE / FALSE / NULL) and only TRUE rows pass; OData's $filter is
 * two-valued.  For every node we build two OData formulas:
 *   T(e): true for every row where e is TRUE,   F(e): true for every row where e is FALSE,
 * each either exact ("true exactly for those rows") or a superset.  Then
 *   T(a AND b) = T(a) and T(b)     F(a AND b) = F(a) or F(b)
 *   T(a OR b)  = T(a) or T(b)      F(a OR b)  = F(a) and F(b)
 *   T(NOT a)   = F(a)              F(NOT a)   = T(a)
 * keep both properties, and the $filter sent is T(where).  Atoms:
 *   - a non-text column compared with a literal the column type takes
 *     exactly (integers, booleans eq/ne, decimals, date-times written
 *     'YYYY-MM-DD HH:MM:SS', dates, GUIDs eq/ne): exact, and
 *     F(c eq v) = c ne v and c ne null (OData's ne is true for null),
 *     F(c lt v) = c ge v, ... (a comparison with null is false in OData);
 *     A date-time column against 'YYYY-MM-DD' (ODBC's midnight timestamp)
 *     compares as text in SQLite: > becomes ge <date>T00:00:00Z, <= lt, =
 *     and <> say nothing; decimal text against a number column is a number
 *     (NUMERIC affinity);
 *   - IS [NOT] NULL: exact (eq null / ne null);
 *   - IN (list): an or-chain of eq (exact for non-text values);
 *   - text columns: the service compares case- AND accent-insensitively and
 *     ignores trailing blanks, as DVNOCASE does (textfold.c); a real
 *     environment's collation may equate more (docs/sql.md), so at the top
 *     level, where re-checking costs nothing, c = 'x' is only a superset
 *     (T = c eq 'x', F = true) and c <> 'x' the mirror (T = true, F = c eq
 *     'x'); inside a subquery (text_final) = <> and IN are exact, as for
 *     other types, so that its table is not read to re-check them; text
 *     ranges say nothing (true);
 *   - LIKE p: startswith / endswith / contains with p's % and _ kept (the
 *     service hands them to SQL LIKE, where they mean the same) and '['
 *     escaped: a superset (SQLite's LIKE is ASCII-case-insensitive only);
 *   - anything else (functions of columns, NULL literals, a value the column
 *     cannot take): true, inexact.
 *   - a subquery along a relationship (pushdown_semijoin.c): its WHERE is
 *     translated by these same rules over its table, each property behind
 *     the lambda variable or the lookup's path (tr_sub); EXISTS and IN are
 *     T = <nav>/any(v:T(inner)) or <nav>/<key> ne null and T(inner), as
 *     exact as T(inner); F of EXISTS is "not" of that when exact; F of an
 *     IN says nothing (it is NULL, not FALSE, when the subquery has NULLs).
 * An inexact T is fine for plain rows, because the statement keeps its WHERE
 * and SQLite re-checks every row; an aggregate needs T(where) exact.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
 *         https://www.sqlite.org/lang_expr.html#like, https://www.sqlite.org/datatype3.html */
#include "engine/pushdown.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odata/odata.h"
#include "util/strutil.h"

enum prec { P_ATOM, P_AND, P_OR };

struct fml {                 /* one formula; text NULL = "true" */
	char *text;
	int exact;
	enum prec prec;
};

struct tf {
	struct fml t, f;
};

/* One subquery node's translation (T and F exactness), for push_cond.terms. */
struct semi_seen {
	const struct ast_expr *x;
	int t_exact, f_exact;
};

struct ctx {
	const struct dv_entity *e;
	const struct ast_select *s;
	sqlite3_value **argv;
	int argc;
	int bad;                 /* a column did not resolve */
	int nomem;
	const char *prefix;      /* before every property: "" or "o/" in a lambda */
	int text_final;          /* inside a subquery: text = and IN are exact */
	struct dv_catalog *cat;  /* NULL inside a subquery */
	const struct ast_expr *skip;  /* the subquery's correlation term */
	struct semi_seen seen[PUSH_MAX_SEMI];
	size_t nseen;
	size_t unsupported;
};

/* A column's property, prefixed: the arguments of a "%s%s". */
#define PN(c, col) (c)->prefix, (col)->select_name

static void fml_free(struct fml *f)
{
	free(f->text);
	f->text = NULL;
}

static struct fml fml_true(int exact)
{
	struct fml f = {NULL, exact, P_ATOM};
	return f;
}

static struct fml fml_text(struct ctx *c, struct dv_buf *b, int exact, enum prec prec)
{
	struct fml f = {NULL, exact, prec};
	f.text = dv_buf_steal(b);
	if (!f.text)
		c->nomem = 1;
	return f;
}

static void append_operand(struct dv_buf *b, const struct fml *f, enum prec max)
{
	if (f->prec > max)
		dv_buf_appendf(b, "(%s)", f->text);
	else
		dv_buf_appends(b, f->text);
}

/* a and b / a or b (both consumed). */
static struct fml combine(struct ctx *c, struct fml a, struct fml b, int is_or)
{
	struct dv_buf out;
	int exact = a.exact && b.exact;
	if (!a.text || !b.text) {
		if (is_or) {             /* true or x = true */
			fml_free(&a);
			fml_free(&b);
			return fml_true(exact);
		}
		if (!a.text) {
			b.exact = exact;
			return b;
		}
		a.exact = exact;
		return a;
	}
	dv_buf_init(&out, 0);
	append_operand(&out, &a, is_or ? P_OR : P_AND);
	dv_buf_appends(&out, is_or ? " or " : " and ");
	append_operand(&out, &b, is_or ? P_OR : P_AND);
	fml_free(&a);
	fml_free(&b);
	return fml_text(c, &out, exact, is_or ? P_OR : P_AND);
}

static struct tf tf_relaxed(void)
{
	struct tf r = {fml_true(0), fml_true(0)};
	return r;
}

const struct dv_column *push_column(const struct dv_entity *e, const struct ast_select *s,
				    const struct ast_colref *ref)
{
	if (ref->qualifier && dv_strcasecmp(ref->qualifier, s->alias ? s->alias : s->table) != 0)
		return NULL;
	return dv_entity_column(e, ref->name);
}

/* The statement's literal or the parameter's value as an ast_value (no
 * allocation: text points into the value).  0, or -1 when it has no form. */
static int actual_value(struct ctx *c, const struct ast_value *v, struct ast_value *out)
{
	sqlite3_value *a;
	*out = *v;
	if (v->kind != AV_PARAM)
		return 0;
	if (!c->argv) {
		return 1;                /* prepare time: "?N", assumed to fit */
	}
	if (v->i < 1 || v->i > c->argc)
		return -1;
	a = c->argv[v->i - 1];
	switch (sqlite3_value_type(a)) {
	case SQLITE_INTEGER:
		out->kind = AV_INT;
		out->i = sqlite3_value_int64(a);
		return 0;
	case SQLITE_FLOAT:
		out->kind = AV_REAL;
		out->d = sqlite3_value_double(a);
		out->text = NULL;
		return 0;
	case SQLITE_TEXT:
		out->kind = AV_TEXT;
		out->text = (char *)sqlite3_value_text(a);
		return out->text ? 0 : -1;
	case SQLITE_NULL:
		out->kind = AV_NULL;
		return 0;
	default:
		return -1;
	}
}

static int is_digits(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int is_date(const char *s)
{
	return is_digits(s, 4) && s[4] == '-' && is_digits(s + 5, 2) && s[7] == '-' &&
	       is_digits(s + 8, 2);
}

static int is_guid_text(const char *s)
{
	size_t i;
	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = s[i];
		int hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
			  (ch >= 'A' && ch <= 'F');
		if (dash ? ch != '-' : !hex)
			return 0;
	}
	return 1;
}

static int integer_value(const struct ast_value *v, long long *out)
{
	int64_t i;
	if (v->kind == AV_INT) {
		*out = v->i;
		return 0;
	}
	if (v->kind == AV_REAL && v->d == floor(v->d) && fabs(v->d) < 9e15) {
		*out = (long long)v->d;
		return 0;
	}
	if (v->kind == AV_TEXT && dv_parse_int64(v->text, &i) == 0) {
		*out = (long long)i;
		return 0;
	}
	return -1;
}

#define VT_ORDERED 1     /* the operator is <, <=, >, >= */
#define VT_DATE_OK 2     /* a date-time column may take 'YYYY-MM-DD' (see tr_cmp) */

static int plain_decimal(const char *s)
{
	size_t i = s[0] == '-', digits = 0;
	int dot = 0;
	for (; s[i]; i++) {
		if (s[i] == '.' && !dot)
			dot = 1;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			return 0;
	}
	return digits > 0 && s[strlen(s) - 1] != '.' && s[s[0] == '-'] != '.';
}

/* The shortest %g text that reads back as d, without an exponent. */
static int shortest_double(double d, struct dv_buf *out)
{
	char tmp[64];
	int prec;
	if (!isfinite(d))
		return -1;
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	if (strpbrk(tmp, "eEni"))
		return -1;
	return dv_buf_appends(out, tmp);
}

/* Appends the OData literal of v for a non-text column when SQLite's
 * comparison of that column with v means the same as the service's.
 * flags: VT_*.  0 or -1 (no exact form). */
static int exact_literal(const struct dv_column *col, const struct ast_value *v, int flags,
			 struct dv_buf *out)
{
	int ordered = flags & VT_ORDERED;
	long long i;
	switch (col->attr_type) {
	case DV_ATTR_INTEGER: case DV_ATTR_BIGINT: case DV_ATTR_PICKLIST: case DV_ATTR_STATE:
	case DV_ATTR_STATUS:
		if (integer_value(v, &i) != 0)
			return -1;
		return dv_buf_appendf(out, "%lld", i);
	case DV_ATTR_BOOLEAN:
		if (ordered || v->kind != AV_INT || (v->i != 0 && v->i != 1))
			return -1;
		return dv_buf_appends(out, v->i ? "true" : "false");
	case DV_ATTR_DECIMAL: case DV_ATTR_MONEY: case DV_ATTR_DOUBLE:
		if (v->kind == AV_INT)
			return dv_buf_appendf(out, "%lld", v->i);
		/* the engine compares doubles (decimal text has NUMERIC affinity):
		 * send the shortest text of the same double, so that a value the
		 * engine finds equal is equal at the service too (0.1, never
		 * 0.10000000000000001) */
		if (v->kind == AV_TEXT && plain_decimal(v->text))
			return shortest_double(strtod(v->text, NULL), out);
		if (v->kind != AV_REAL)
			return -1;
		return shortest_double(v->d, out);
	case DV_ATTR_DATETIME:
		/* the engine holds 'YYYY-MM-DD HH:MM:SS' text: only that exact form
		 * compares as text the way instants compare (a date: see tr_cmp) */
		if ((flags & VT_DATE_OK) && v->kind == AV_TEXT && strlen(v->text) == 10 &&
		    is_date(v->text))
			return dv_buf_appendf(out, "%sT00:00:00Z", v->text);
		if (v->kind != AV_TEXT || strlen(v->text) != 19 || !is_date(v->text) ||
		    v->text[10] != ' ' || !is_digits(v->text + 11, 2) || v->text[13] != ':' ||
		    !is_digits(v->text + 14, 2) || v->text[16] != ':' || !is_digits(v->text + 17, 2))
			return -1;
		return dv_buf_appendf(out, "%.10sT%sZ", v->text, v->text + 11);
	case DV_ATTR_DATEONLY:
		if (v->kind != AV_TEXT || strlen(v->text) != 10 || !is_date(v->text))
			return -1;
		return dv_buf_appends(out, v->text);
	case DV_ATTR_GUID: case DV_ATTR_LOOKUP: case DV_ATTR_CUSTOMER: case DV_ATTR_OWNER:
		if (ordered || v->kind != AV_TEXT || !is_guid_text(v->text))
			return -1;
		for (i = 0; i < 36; i++) {
			char ch = v->text[i];
			dv_buf_appendc(out, ch >= 'A' && ch <= 'F' ? (char)(ch + 32) : ch);
		}
		return 0;
	default:
		return -1;
	}
}

static int is_text_col(const struct dv_column *col)
{
	return col->role == DV_COL_VALUE &&
	       (col->attr_type == DV_ATTR_STRING || col->attr_type == DV_ATTR_MEMO);
}

static int pushable_col(const struct dv_column *col)
{
	return col && col->role == DV_COL_VALUE && col->attr_type != DV_ATTR_IMAGE &&
	       col->attr_type != DV_ATTR_MULTISELECT && col->attr_type != DV_ATTR_FILE &&
	       col->attr_type != DV_ATTR_OTHER;
}

static const char *const op_text[] = {"eq", "ne", "lt", "le", "gt", "ge"};
static const enum ast_op op_not[] = {AST_NE, AST_EQ, AST_GE, AST_GT, AST_LE, AST_LT};

static const struct dv_column *resolve(struct ctx *c, const struct ast_colref *ref)
{
	const struct dv_column *col = push_column(c->e, c->s, ref);
	if (!col)
		c->bad = 1;
	return col;
}

/* "?N" at prepare time, else the literal; 1 = placeholder written. */
static int value_text(struct ctx *c, const struct dv_column *col, const struct ast_value *v,
		      int flags, struct dv_buf *out)
{
	struct ast_value a;
	int rc = actual_value(c, v, &a);
	if (rc == 1)
		return dv_buf_appendf(out, "?%lld", v->i);
	if (rc != 0 || a.kind == AV_NULL)
		return -1;
	if (is_text_col(col)) {
		if (a.kind != AV_TEXT || (flags & VT_ORDERED))
			return -1;
		return odata_append_string_literal(out, a.text, strlen(a.text));
	}
	return exact_literal(col, &a, flags, out);
}

static struct tf tr_cmp(struct ctx *c, const struct dv_column *col, enum ast_op op,
			const struct ast_value *v)
{
	struct dv_buf t, f;
	struct tf r;
	struct ast_value a;
	int ordered = op != AST_EQ && op != AST_NE;
	int text = is_text_col(col) && !(c->text_final && !ordered);
	int flags = ordered ? VT_ORDERED : 0;
	/* A date-time column against 'YYYY-MM-DD' (how ODBC binds a midnight
	 * timestamp): SQLite compares the texts, so the value at midnight is
	 * greater than the date: > means >= midnight, <= means < midnight, and
	 * = is never true (nothing exact to send). */
	if (col->attr_type == DV_ATTR_DATETIME && actual_value(c, v, &a) == 0 &&
	    a.kind == AV_TEXT && strlen(a.text) == 10 && is_date(a.text)) {
		if (!ordered)
			return tf_relaxed();
		op = op == AST_GT ? AST_GE : op == AST_LE ? AST_LT : op;
		flags |= VT_DATE_OK;
	}
	dv_buf_init(&t, 0);
	dv_buf_init(&f, 0);
	dv_buf_appendf(&t, "%s%s %s ", PN(c, col), op_text[op]);
	dv_buf_appendf(&f, "%s%s %s ", PN(c, col), op_text[op_not[op]]);
	if (value_text(c, col, v, flags, &t) != 0 || value_text(c, col, v, flags, &f) != 0) {
		dv_buf_free(&t);
		dv_buf_free(&f);
		return tf_relaxed();
	}
	/* OData's ne keeps or drops NULLs depending on whom you ask (plan.c):
	 * both sides say "and ne null" so that they are exact either way */
	if (op == AST_EQ && !text)
		dv_buf_appendf(&f, " and %s%s ne null", PN(c, col));
	if (op == AST_NE && !text)
		dv_buf_appendf(&t, " and %s%s ne null", PN(c, col));
	if (text) {          /* eq: T superset; ne: F superset (see the top) */
		struct dv_buf *keep = op == AST_EQ ? &t : &f;
		struct fml k;
		if (op == AST_NE) {     /* F(c <> 'x') = c eq 'x' */
			dv_buf_reset(&f);
			dv_buf_appendf(&f, "%s%s eq ", PN(c, col));
			value_text(c, col, v, 0, &f);
		}
		k = fml_text(c, keep, 0, P_ATOM);
		dv_buf_free(&t);
		dv_buf_free(&f);
		r.t = op == AST_EQ ? k : fml_true(0);
		r.f = op == AST_EQ ? fml_true(0) : k;
		return r;
	}
	r.t = fml_text(c, &t, 1, op == AST_NE ? P_AND : P_ATOM);
	r.f = fml_text(c, &f, 1, op == AST_EQ ? P_AND : P_ATOM);
	return r;
}

static struct tf tr_in(struct ctx *c, const struct dv_column *col, const struct ast_expr *x)
{
	struct dv_buf t, f;
	size_t i;
	struct tf r;
	int text = is_text_col(col) && !c->text_final;
	dv_buf_init(&t, 0);
	dv_buf_init(&f, 0);
	for (i = 0; i < x->nv; i++) {
		dv_buf_appendf(&t, "%s%s%s eq ", i ? " or " : "", PN(c, col));
		dv_buf_appendf(&f, "%s%s ne ", PN(c, col));
		if (value_text(c, col, &x->v[i], 0, &t) != 0 ||
		    value_text(c, col, &x->v[i], 0, &f) != 0) {
			dv_buf_free(&t);
			dv_buf_free(&f);
			return tf_relaxed();
		}
		dv_buf_appends(&f, " and ");
	}
	dv_buf_appendf(&f, "%s%s ne null", PN(c, col));
	r.t = fml_text(c, &t, !text, x->nv > 1 ? P_OR : P_ATOM);
	if (text) {
		dv_buf_free(&f);
		r.f = fml_true(0);
	} else {
		r.f = fml_text(c, &f, 1, P_AND);
	}
	return r;
}

/* LIKE pattern -> startswith/endswith/contains; '[' escaped, % _ kept. */
static struct tf tr_like(struct ctx *c, const struct dv_column *col, const struct ast_value *v)
{
	struct ast_value a;
	struct dv_buf t;
	const char *p;
	size_t n, i;
	int lead, trail;
	struct tf r = tf_relaxed();
	if (!is_text_col(col) || actual_value(c, v, &a) != 0 || a.kind != AV_TEXT)
		return r;        /* a parameter pattern is read at execution */
	p = a.text;
	n = strlen(p);
	lead = n > 0 && p[0] == '%';
	trail = n > (size_t)lead && p[n - 1] == '%';
	p += lead;
	n -= (size_t)lead + (size_t)trail;
	while (n > 0 && p[n - 1] == '%')
		n--;
	if (n == 0)
		return r;
	dv_buf_init(&t, 0);
	dv_buf_appendf(&t, "%s(%s%s,'", lead && trail ? "contains" : lead ? "endswith" :
		       "startswith", PN(c, col));
	for (i = 0; i < n; i++) {
		if (p[i] == '[')
			dv_buf_appends(&t, "[[]");
		else if (p[i] == '\'')
			dv_buf_appends(&t, "''");
		else
			dv_buf_appendc(&t, p[i]);
	}
	dv_buf_appends(&t, "')");
	r.t = fml_text(c, &t, 0, P_ATOM);
	return r;
}

static struct tf tr_isnull(struct ctx *c, const struct dv_column *col)
{
	struct dv_buf t, f;
	struct tf r;
	dv_buf_init(&t, 0);
	dv_buf_init(&f, 0);
	dv_buf_appendf(&t, "%s%s eq null", PN(c, col));
	dv_buf_appendf(&f, "%s%s ne null", PN(c, col));
	r.t = fml_text(c, &t, 1, P_ATOM);
	r.f = fml_text(c, &f, 1, P_ATOM);
	return r;
}

static struct tf tr(struct ctx *c, const struct ast_expr *x);
static void check_columns(struct ctx *c, const struct ast_expr *x);

/* The inner WHERE of a subquery, translated over its entity with the lambda
 * variable (or the lookup's path) before every property: T only. */
static struct fml tr_inner(struct ctx *c, const struct push_semi *sj, const char *prefix,
			  int *bad)
{
	struct ctx in;
	struct tf r;
	memset(&in, 0, sizeof(in));
	in.e = sj->inner;
	in.s = sj->sub;
	in.argv = c->argv;
	in.argc = c->argc;
	in.prefix = prefix;
	in.text_final = 1;
	in.skip = sj->corr;
	if (!sj->sub->where)
		return fml_true(1);
	check_columns(&in, sj->sub->where);
	if (in.bad) {
		*bad = 1;
		return fml_true(0);
	}
	r = tr(&in, sj->sub->where);
	fml_free(&r.f);
	if (in.nomem)
		c->nomem = 1;
	return r.t;
}

/* EXISTS (SELECT .. FROM C x WHERE x.lookup = T.key AND inner), T.key IN
 * (SELECT x.lookup FROM C x WHERE inner): some member of T's collection
 * satisfies inner: T = nav/any(v:T(inner)), as exact as T(inner); F (for
 * NOT EXISTS) = not T when exact.  T.lookup IN (SELECT y.key FROM P y WHERE
 * inner): the referenced row exists and satisfies inner: T = nav/key ne null
 * and T(inner) with nav/ before each property.  An IN is NULL, not FALSE,
 * for a row without a match when the subquery yields a NULL, so F of an IN
 * says nothing (NOT IN stays local).  See pushdown_semijoin.c. */
static struct tf tr_sub(struct ctx *c, const struct ast_expr *x)
{
	struct push_semi sj;
	struct dv_buf t, pre;
	struct fml inner;
	struct tf r = tf_relaxed();
	int bad = 0;
	int rc = c->cat && c->nseen < PUSH_MAX_SEMI ?
		 push_semi_resolve(c->cat, c->e, c->s, x, &sj) : 1;
	if (rc != 0) {
		if (rc < 0)
			c->nomem = 1;
		c->unsupported++;
		return r;
	}
	dv_buf_init(&pre, 0);
	dv_buf_init(&t, 0);
	if (sj.collection)
		dv_buf_appendf(&pre, "%s/", sj.var);
	else
		dv_buf_appendf(&pre, "%s/", sj.nav);
	inner = tr_inner(c, &sj, dv_buf_str(&pre), &bad);
	if (bad) {                   /* a column the subquery names is not its table's */
		c->unsupported++;
		fml_free(&inner);
		dv_buf_free(&pre);
		return r;
	}
	if (sj.collection) {
		dv_buf_appendf(&t, "%s/any(%s:", sj.nav, sj.var);
		if (inner.text)
			dv_buf_appends(&t, inner.text);
		else
			dv_buf_appendf(&t, "%s%s ne null", dv_buf_str(&pre),
				       sj.inner_pk->select_name);
		dv_buf_appendc(&t, ')');
	} else {
		dv_buf_appendf(&t, "%s%s ne null", dv_buf_str(&pre), sj.inner_pk->select_name);
		if (inner.text) {
			dv_buf_appends(&t, " and ");
			append_operand(&t, &inner, P_AND);
		}
	}
	r.t = fml_text(c, &t, inner.exact, sj.collection ? P_ATOM : P_AND);
	if (x->kind == AST_EXISTS && inner.exact && r.t.text) {
		dv_buf_appendf(&t, "not %s", r.t.text);
		r.f = fml_text(c, &t, 1, P_ATOM);
	}
	c->seen[c->nseen].x = x;
	c->seen[c->nseen].t_exact = r.t.exact;
	c->seen[c->nseen].f_exact = r.f.exact;
	c->nseen++;
	fml_free(&inner);
	dv_buf_free(&pre);
	return r;
}

static struct tf tr(struct ctx *c, const struct ast_expr *x)
{
	struct tf a, b, r;
	const struct dv_column *col;
	switch (x->kind) {
	case AST_AND: case AST_OR:
		a = tr(c, x->a);
		b = tr(c, x->b);
		r.t = combine(c, a.t, b.t, x->kind == AST_OR);
		r.f = combine(c, a.f, b.f, x->kind == AST_AND);
		return r;
	case AST_NOT:
		a = tr(c, x->a);
		r.t = a.f;           /* no "not" needed: F is written positively */
		r.f = a.t;
		return r;
	case AST_EXISTS: case AST_INSUB:
		return tr_sub(c, x);
	case AST_COLEQ:         /* the correlation: true for every member of nav */
		r.t = fml_true(x == c->skip);
		r.f = fml_true(0);
		return r;
	default:
		break;
	}
	col = resolve(c, &x->col);
	if (!pushable_col(col))
		return tf_relaxed();
	switch (x->kind) {
	case AST_CMP:
		return tr_cmp(c, col, x->op, &x->v[0]);
	case AST_IN:
		return tr_in(c, col, x);
	case AST_LIKE:
		return tr_like(c, col, &x->v[0]);
	case AST_ISNULL:
		return tr_isnull(c, col);
	case AST_BETWEEN:
		a = tr_cmp(c, col, AST_GE, &x->v[0]);
		b = tr_cmp(c, col, AST_LE, &x->v[1]);
		r.t = combine(c, a.t, b.t, 0);
		r.f = combine(c, a.f, b.f, 1);
		return r;
	default:
		return tf_relaxed();
	}
}

/* Every column the tree names must exist (else SQLite reports it); in a
 * subquery, a column comparison other than the correlation is refused. */
static void check_columns(struct ctx *c, const struct ast_expr *x)
{
	if (!x)
		return;
	if (x->kind == AST_AND || x->kind == AST_OR || x->kind == AST_NOT) {
		check_columns(c, x->a);
		check_columns(c, x->b);
		return;
	}
	if (x->kind == AST_EXISTS)
		return;              /* tr_sub resolves it */
	if (x->kind == AST_COLEQ) {  /* the correlation was resolved by tr_sub */
		if (x != c->skip)
			c->bad = 1;
		return;
	}
	resolve(c, &x->col);
}

/* The translation recorded for subquery node x, or NULL. */
static const struct semi_seen *seen_of(const struct ctx *c, const struct ast_expr *x)
{
	size_t i;
	for (i = 0; i < c->nseen; i++)
		if (c->seen[i].x == x)
			return &c->seen[i];
	return NULL;
}

/* The top-level AND terms that are subqueries, with T(term)'s exactness. */
static void collect_terms(const struct ctx *c, const struct ast_expr *x, struct push_cond *out)
{
	const struct semi_seen *sn;
	int neg = x->kind == AST_NOT;
	if (x->kind == AST_AND) {
		collect_terms(c, x->a, out);
		collect_terms(c, x->b, out);
		return;
	}
	sn = seen_of(c, neg ? x->a : x);
	if (!sn || out->nterms == PUSH_MAX_SEMI)
		return;
	out->terms[out->nterms].pos = x->pos;
	out->terms[out->nterms].end = x->end;
	out->terms[out->nterms].exact = neg ? sn->f_exact : sn->t_exact;
	out->nterms++;
}

int push_filter(struct dv_catalog *cat, const struct dv_entity *e, const struct ast_select *s,
		sqlite3_value **argv, int argc, struct push_cond *out)
{
	struct ctx c;
	struct tf r;
	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	c.e = e;
	c.s = s;
	c.argv = argv;
	c.argc = argc;
	c.prefix = "";
	c.cat = cat;
	out->exact = 1;
	if (!s->where)
		return 0;
	check_columns(&c, s->where);
	if (c.bad)
		return 1;
	r = tr(&c, s->where);
	fml_free(&r.f);
	if (c.nomem) {
		fml_free(&r.t);
		return -1;
	}
	out->text = r.t.text;
	out->exact = r.t.exact;
	out->nsemi = c.nseen;
	out->unsupported = c.unsupported;
	collect_terms(&c, s->where, out);
	return 0;
}

int push_tree_needs_push(const struct ast_expr *x)
{
	if (!x)
		return 0;
	if (x->kind == AST_OR || x->kind == AST_EXISTS || x->kind == AST_INSUB)
		return 1;
	if (x->kind == AST_NOT)      /* IS NOT NULL: xBestIndex sees it */
		return x->a->kind != AST_ISNULL;
	if (x->kind == AST_AND)
		return push_tree_needs_push(x->a) || push_tree_needs_push(x->b);
	return 0;
}
