/* pushdown_semijoin.c - subqueries along a relationship, sent inside the
 * outer table's request, so that only the rows of the answer are read.
 *
 * Owns: recognising which subquery of a pushed statement's WHERE follows a
 * many-to-one relationship of the catalog, and the navigation property that
 * says it in OData.  pushdown_filter.c translates the subquery's own WHERE
 * with the same T()/F() rules as the outer one (tr_sub), pushdown.c drops an
 * exactly translated term from the statement SQLite runs.
 *
 * SHAPES (T = the statement's one table, with alias t; x = the subquery's
 * table C, y = its table P):
 *  1. EXISTS (SELECT .. FROM C x WHERE x.<lookup> = t.<T's key> [AND inner])
 *     where C's many-to-one relationship on <lookup> references T: the rows
 *     of C whose lookup is t's key are exactly the members of T's
 *     collection-valued navigation property (the relationship's
 *     ReferencedEntityNavigationPropertyName), so the term is TRUE exactly
 *     when  <nav>/any(x:T(inner))  is true, and it is exact when T(inner) is
 *     (without inner terms: any(x:x/<C's key> ne null), a key is never null).
 *     The correlation must be one of the subquery's AND-ed terms, written
 *     with both sides qualified or the inner side unqualified.
 *  2. NOT EXISTS (same): FALSE exactly when the any() is true, so
 *     not <nav>/any(..) -- only when T(inner) is exact (a superset inside a
 *     "not" would drop rows of the answer); otherwise it stays local.
 *  3. t.<T's key> IN (SELECT x.<lookup> FROM C x [WHERE inner]): TRUE exactly
 *     when some x has lookup = t's key and inner TRUE: as 1.  NOT IN is not
 *     sent: an IN is NULL (not FALSE) for a row without a match when the
 *     subquery yields a NULL lookup, so its complement is not a row filter.
 *  4. t.<lookup> IN (SELECT y.<P's key> FROM P y [WHERE inner]) where T's
 *     relationship on <lookup> references P: TRUE exactly when the row the
 *     lookup references exists and satisfies inner: <nav>/<P's key> ne null
 *     and T(inner) with <nav>/ before every property (the lookup's
 *     single-valued navigation property, ReferencingEntityNavigationProperty-
 *     Name).  The first term keeps a NULL lookup (and, for a polymorphic
 *     lookup, a row of another table) out, as SQL's IN does.
 * A polymorphic lookup (customer: parentcustomerid -> account or contact)
 * has one relationship per target; the one whose ReferencedEntity is T (or
 * P) is used.  A NULL lookup matches no key on either side, as in SQL.
 * GUIDs compare equal at the service exactly when they do locally.
 *
 * EXACT OR NOT (pushdown.c, pushdown_vtab.c): a top-level AND term whose
 * translation is exact is replaced by 1 in the statement SQLite runs, so
 * the subquery is never run locally.  A text = or IN inside the subquery
 * counts as exact (the service compares with DVNOCASE's rule, textfold.c;
 * docs/sql.md "Text inside a subquery" says where a real collation
 * differs); re-checking it would read the subquery's rows.  An inexact term
 * (LIKE; text ranges; values without an exact OData form) still narrows
 * the outer rows at the service, but
 * stays in the statement: SQLite then runs the subquery on the per-table
 * path over the rows read (a correlated EXISTS once per outer row that
 * arrives, which the per-table planner may batch or cache; an uncorrelated
 * IN once), so its table's matching rows are downloaded as well.  Terms
 * removed at prepare time were exact with parameter markers; when the
 * values at execution have no exact form, the table reads the outer rows
 * through the original WHERE on the per-table path instead (same rows).
 *
 * NOT SENT (the statement keeps the per-table path, as before): a
 * subquery whose correlation is not lookup = key along a catalog
 * relationship (another column, another relationship, two correlations,
 * the outer side unqualified), that names the outer table anywhere else, a
 * subquery with DISTINCT, GROUP BY, ORDER BY, LIMIT, an aggregate, a join
 * or its own subquery (the parser does not take them), NOT IN, more than
 * PUSH_MAX_SEMI subqueries, and any subquery in an aggregate statement.
 * The service takes lambdas only on the queried entity's collection-valued
 * navigation properties, not through a lookup first, so none is nested.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
 *         (filter using values of related collections; lookup property paths),
 *         https://www.sqlite.org/lang_expr.html#the_in_and_not_in_operators */
#include "engine/pushdown.h"

#include <string.h>

#include "util/strutil.h"

static int is_lookup(const struct dv_column *c)
{
	return c && c->role == DV_COL_VALUE &&
	       (c->attr_type == DV_ATTR_LOOKUP || c->attr_type == DV_ATTR_CUSTOMER ||
		c->attr_type == DV_ATTR_OWNER);
}

static int is_key(const struct dv_column *c)
{
	return c && c->role == DV_COL_VALUE && c->is_primary_id;
}

static const struct dv_column *key_column(const struct dv_entity *e)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++)
		if (is_key(&e->columns[i]))
			return &e->columns[i];
	return NULL;
}

/* from's many-to-one relationship on `lookup` that references `to`'s key. */
static const struct dv_relationship *relationship(const struct dv_entity *from,
						  const struct dv_column *lookup,
						  const struct dv_entity *to)
{
	size_t i;
	for (i = 0; i < from->nmany_to_one; i++) {
		const struct dv_relationship *r = &from->many_to_one[i];
		if (dv_strcasecmp(r->referencing_attribute, lookup->logical_name) == 0 &&
		    dv_strcasecmp(r->referenced_entity, to->logical_name) == 0 &&
		    (!r->referenced_attribute || !to->primary_id ||
		     dv_strcasecmp(r->referenced_attribute, to->primary_id) == 0))
			return r;
	}
	return NULL;
}

/* q names the outer table (its alias, or its name without one) and not the
 * subquery's table, which would hide it. */
static int names_outer(const struct ast_select *s, const struct ast_select *sub, const char *q)
{
	if (!q || dv_strcasecmp(q, sub->alias ? sub->alias : sub->table) == 0)
		return 0;
	return dv_strcasecmp(q, s->alias ? s->alias : s->table) == 0;
}

/* x.lookup = t.key (either way round): the inner lookup column, or NULL. */
static const struct dv_column *correlation(const struct dv_entity *e,
					   const struct ast_select *s,
					   const struct dv_entity *in,
					   const struct ast_select *sub,
					   const struct ast_expr *x)
{
	const struct ast_colref *inner = &x->col, *outer = &x->col2;
	const struct dv_column *ic, *oc;
	if (names_outer(s, sub, inner->qualifier)) {
		inner = &x->col2;
		outer = &x->col;
	}
	if (!names_outer(s, sub, outer->qualifier))
		return NULL;
	ic = push_column(in, sub, inner);
	oc = push_column(e, s, outer);
	return is_lookup(ic) && is_key(oc) ? ic : NULL;
}

/* The one correlation among the top-level AND terms of the sub's WHERE. */
static const struct ast_expr *find_correlation(const struct ast_expr *x, size_t *n)
{
	const struct ast_expr *a, *b;
	if (!x)
		return NULL;
	if (x->kind == AST_AND) {
		a = find_correlation(x->a, n);
		b = find_correlation(x->b, n);
		return a ? a : b;
	}
	if (x->kind != AST_COLEQ)
		return NULL;
	(*n)++;
	return x;
}

static int resolve_exists(const struct dv_entity *e, const struct ast_select *s,
			  struct push_semi *out)
{
	size_t n = 0;
	const struct ast_expr *corr = find_correlation(out->sub->where, &n);
	const struct dv_column *lookup;
	const struct dv_relationship *r;
	if (!corr || n != 1)
		return 1;
	lookup = correlation(e, s, out->inner, out->sub, corr);
	r = lookup ? relationship(out->inner, lookup, e) : NULL;
	if (!r || !r->collection_property)
		return 1;
	out->collection = 1;
	out->nav = r->collection_property;
	out->corr = corr;
	return 0;
}

static int resolve_in(const struct dv_entity *e, const struct ast_select *s,
		      const struct ast_expr *x, struct push_semi *out)
{
	const struct ast_item *it = &out->sub->items[0];
	const struct dv_column *oc, *ic;
	const struct dv_relationship *r;
	if (it->star || !it->col.name || it->agg != AGG_NONE)
		return 1;
	oc = push_column(e, s, &x->col);
	ic = push_column(out->inner, out->sub, &it->col);
	if (is_key(oc) && is_lookup(ic)) {            /* t.key IN (SELECT x.lookup ..) */
		r = relationship(out->inner, ic, e);
		if (!r || !r->collection_property)
			return 1;
		out->collection = 1;
		out->nav = r->collection_property;
		return 0;
	}
	if (is_lookup(oc) && is_key(ic)) {            /* t.lookup IN (SELECT y.key ..) */
		r = relationship(e, oc, out->inner);
		if (!r || !r->navigation_property)
			return 1;
		out->collection = 0;
		out->nav = r->navigation_property;
		return 0;
	}
	return 1;
}

int push_semi_resolve(struct dv_catalog *cat, const struct dv_entity *e,
		      const struct ast_select *s, const struct ast_expr *x, struct push_semi *out)
{
	struct dv_error err;
	const struct dv_entity *in;
	char v;
	memset(out, 0, sizeof(*out));
	if (!x->sub || x->sub->nitems != 1 || x->sub->has_aggregate)
		return 1;
	dv_error_clear(&err);
	if (dv_catalog_entity(cat, x->sub->table, &in, &err) != 0)
		return 1;              /* SQLite reports an unknown table */
	out->inner = in;
	out->sub = x->sub;
	out->inner_pk = key_column(in);
	if (!out->inner_pk)
		return 1;
	v = in->logical_name[0];
	out->var[0] = v >= 'a' && v <= 'z' ? v : v >= 'A' && v <= 'Z' ? (char)(v + 32) : 'x';
	out->var[1] = '\0';
	return x->kind == AST_EXISTS ? resolve_exists(e, s, out) : resolve_in(e, s, x, out);
}

static void append_colref(struct dv_buf *b, const struct ast_colref *c)
{
	const char *p;
	int i;
	for (i = 0; i < 2; i++) {
		const char *name = i ? c->name : c->qualifier;
		if (!name)
			continue;
		dv_buf_appends(b, i && c->qualifier ? ".\"" : "\"");
		for (p = name; *p; p++) {
			if (*p == '"')
				dv_buf_appendc(b, '"');
			dv_buf_appendc(b, *p);
		}
		dv_buf_appendc(b, '"');
	}
}

void push_semi_sub_sql(const char *sql, const struct ast_select *s, const struct ast_expr *x,
		       struct dv_buf *out)
{
	const struct ast_select *sub = x->sub;
	const struct ast_expr *corr = NULL;
	size_t n = 0, at = sub->where_pos;
	if (x->kind == AST_EXISTS)
		corr = find_correlation(sub->where, &n);
	dv_buf_appends(out, PUSH_LOCAL_HINT "SELECT ");
	dv_buf_append(out, sql + sub->items[0].pos, sub->items[0].len);
	dv_buf_appends(out, " FROM ");
	dv_buf_append(out, sql + sub->table_pos, sub->table_end - sub->table_pos);
	if (!sub->where)
		return;
	dv_buf_appends(out, " WHERE ");
	if (corr && n == 1) {          /* x.lookup = t.key: the outer row's key */
		dv_buf_append(out, sql + at, corr->pos - at);
		append_colref(out, names_outer(s, sub, corr->col.qualifier) ? &corr->col2 :
			      &corr->col);
		dv_buf_appends(out, " = ?");
		at = corr->end;
	}
	dv_buf_append(out, sql + at, sub->where_end - at);
}

int push_semi_still_exact(const struct push_cond *prepared, const struct push_cond *now)
{
	size_t i;
	for (i = 0; i < prepared->nterms; i++) {
		if (!prepared->terms[i].exact)
			continue;
		if (i >= now->nterms || now->terms[i].pos != prepared->terms[i].pos ||
		    !now->terms[i].exact)
			return 0;
	}
	return 1;
}
