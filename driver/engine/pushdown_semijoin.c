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
 * JOINS (push_join_term): an inner join of two tables along a relationship
 *     SELECT .. FROM T t [INNER] JOIN C c ON c.<lookup> = t.<T's key> [WHERE ..]
 * (or "FROM T t, C c WHERE .."; ON and WHERE are one conjunction for an
 * inner join) has a row for a row of t only when some row of c has the
 * lookup equal to t's key and satisfies c's own AND-ed terms.  So adding
 *     EXISTS (SELECT 1 FROM C c WHERE c.<lookup> = t.<key> AND <c's terms>)
 * to t's scan, and its mirror to c's scan,
 *     c.<lookup> IN (SELECT t.<key> FROM T t WHERE <t's terms>)
 * leaves the join's answer unchanged: those are shapes 1 and 4 above,
 * translated by the same rules (T(), a superset when inexact), and the
 * per-table plan (plan.c) adds the translation to the scan's $filter as a
 * term SQLite knows nothing of: SQLite still checks the join and every
 * term itself, so the request may return more rows than the term says,
 * never fewer than the answer needs.  Whichever side is read first then
 * reads only the rows with a partner.  A plan that reads its table by the
 * other side's keys (a usable = on its join column whose value is no
 * constant: vtab.c KEY BATCHES) gets no term: those keys come from rows
 * that have a partner already.  No values exist at xBestIndex time: a term
 * with a parameter marker says nothing (true).  Only when the statement
 * has exactly these two FROM entries, two different tables of the service
 * (not a temp table), and nothing else that scans a table (no subquery,
 * UNION, WITH; each table's scans all get the term), joined
 * by JOIN / INNER JOIN / a comma (not LEFT, RIGHT, FULL, CROSS, NATURAL,
 * USING: an outer join keeps rows without a partner), with exactly one
 * column = column term across the two tables, along a relationship the
 * catalog knows; a term naming both tables otherwise is left out (the
 * semi-join holds without it); a statement with the dvodbc:local comment
 * gets none.  Conditions the parser (sqlparse/parse.c) does not take
 * leave the join as it was.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
 *         (filter using values of related collections; lookup property paths),
 *         https://www.sqlite.org/lang_expr.html#the_in_and_not_in_operators */
#include "engine/pushdown.h"

#include <stdlib.h>
#include <string.h>

#include "sqlparse/lexer.h"
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


/* ---- joins: a redundant semi-join term for each side (see JOINS above) ---- */

#define JOIN_MAX_TERMS 32

/* A two-table inner join as written: each FROM entry's text ("table [AS]
 * alias") and the texts of its ON and WHERE conditions ({0, 0}: none). */
struct join_text {
	size_t side[2][2];
	size_t cond[2][2];
};

/* The join once parsed (through the synthesized EXISTS, see join_parse). */
struct join {
	struct dv_buf text;                  /* the synthesized statement parsed */
	struct ast_select s;
	const struct ast_select *sel[2];     /* side 0: s, side 1: its subquery */
	const struct dv_entity *e[2];
	const struct ast_expr *corr;         /* the one x.col = y.col across the sides */
	size_t ncorr;
	const struct ast_expr *terms[2][JOIN_MAX_TERMS];  /* each side's own AND terms */
	size_t nterms[2];
};

/* The next meaningful token at or after *pos; *pos moves past it. */
static void join_tok(const char *sql, size_t len, size_t *pos, struct sql_token *t)
{
	for (;;) {
		sql_lex(sql, len, *pos, t);
		*pos = t->pos + t->len;
		if (!sql_tok_blank(t))
			return;
	}
}

static int word_in(const char *sql, const struct sql_token *t, const char *const *words)
{
	for (; *words; words++)
		if (sql_tok_is(sql, t, *words))
			return 1;
	return 0;
}

/* Words that end a condition; with those of entry_ends, never an alias. */
static const char *const cond_ends[] = {
	"where", "group", "order", "limit", "having", "window", NULL
};
static const char *const entry_ends[] = {
	"join", "inner", "on", "indexed", "not", NULL
};
/* What a statement of two FROM entries joined inside must not hold
 * anywhere but its first word: another query (a subquery's or a compound
 * member's table would get the term too), an outer or natural join, USING. */
static const char *const join_refused[] = {
	"select", "union", "intersect", "except", "with", "values", "left", "right", "full",
	"outer", "cross", "natural", "using", NULL
};

static int is_name(const char *sql, const struct sql_token *t)
{
	return t->type == TOK_QIDENT || (t->type == TOK_WORD && !word_in(sql, t, cond_ends) &&
					 !word_in(sql, t, entry_ends));
}

/* "table [[AS] alias]" from *pos: its text into span; 0 or 1 (not one). */
static int join_entry(const char *sql, size_t len, size_t *pos, size_t span[2])
{
	struct sql_token t;
	size_t at;
	join_tok(sql, len, pos, &t);
	if (!is_name(sql, &t))
		return 1;
	span[0] = t.pos;
	span[1] = t.pos + t.len;
	at = *pos;
	join_tok(sql, len, pos, &t);
	if (sql_tok_is(sql, &t, "as")) {
		join_tok(sql, len, pos, &t);
		if (!is_name(sql, &t))
			return 1;
	} else if (!is_name(sql, &t)) {
		*pos = at;             /* no alias */
		return 0;
	}
	span[1] = t.pos + t.len;
	return 0;
}

/* A condition after ON or WHERE, up to the next clause at depth 0 (t is
 * left on the token that ended it): 0, or 1 (empty, or a third entry). */
static int join_cond(const char *sql, size_t len, size_t *pos, size_t span[2],
		     struct sql_token *t)
{
	int depth = 0;
	span[0] = span[1] = *pos;
	for (;;) {
		join_tok(sql, len, pos, t);
		if (t->type == TOK_END || t->type == TOK_SEMI)
			break;
		if (t->type == TOK_LPAREN)
			depth++;
		else if (t->type == TOK_RPAREN && --depth < 0)
			return 1;
		else if (depth == 0 && (t->type == TOK_COMMA || sql_tok_is(sql, t, "join")))
			return 1;
		else if (depth == 0 && word_in(sql, t, cond_ends))
			break;
		span[1] = t->pos + t->len;
	}
	return span[1] > span[0] ? 0 : 1;
}

/* Reads "SELECT .. FROM a [[AS] x] {, | [INNER] JOIN} b [[AS] y] [ON ..]
 * [WHERE ..] ..", with nothing of join_refused after the first SELECT: 0,
 * or 1 (not such a statement). */
static int join_read(const char *sql, struct join_text *jt)
{
	size_t len = strlen(sql), pos = 0;
	struct sql_token t;
	int depth = 0, first = 1;
	memset(jt, 0, sizeof(*jt));
	for (;;) {
		join_tok(sql, len, &pos, &t);
		if (t.type == TOK_END)
			break;
		if (t.type == TOK_BAD || (first && !sql_tok_is(sql, &t, "select")) ||
		    (!first && word_in(sql, &t, join_refused)))
			return 1;
		first = 0;
	}
	pos = 0;
	join_tok(sql, len, &pos, &t);  /* SELECT */
	do {                           /* the select list, up to FROM at depth 0 */
		join_tok(sql, len, &pos, &t);
		if (t.type == TOK_END)
			return 1;
		depth += t.type == TOK_LPAREN ? 1 : t.type == TOK_RPAREN ? -1 : 0;
	} while (depth != 0 || !sql_tok_is(sql, &t, "from"));
	if (join_entry(sql, len, &pos, jt->side[0]) != 0)
		return 1;
	join_tok(sql, len, &pos, &t);
	if (sql_tok_is(sql, &t, "inner"))
		join_tok(sql, len, &pos, &t);
	if (t.type != TOK_COMMA && !sql_tok_is(sql, &t, "join"))
		return 1;
	if (join_entry(sql, len, &pos, jt->side[1]) != 0)
		return 1;
	join_tok(sql, len, &pos, &t);
	if (sql_tok_is(sql, &t, "on") && join_cond(sql, len, &pos, jt->cond[0], &t) != 0)
		return 1;
	if (sql_tok_is(sql, &t, "where") && join_cond(sql, len, &pos, jt->cond[1], &t) != 0)
		return 1;
	if (t.type != TOK_END && t.type != TOK_SEMI && !word_in(sql, &t, cond_ends))
		return 1;              /* a third entry, INDEXED BY, ... */
	return jt->cond[0][1] || jt->cond[1][1] ? 0 : 1;
}

/* The side (0, 1) whose entry a column reference names, or -1 (none, or
 * an unqualified name both tables have). */
static int join_ref_side(const struct join *j, const struct ast_colref *ref)
{
	int k, in[2];
	if (ref->qualifier) {
		for (k = 0; k < 2; k++) {
			const struct ast_select *s = j->sel[k];
			if (dv_strcasecmp(ref->qualifier, s->alias ? s->alias : s->table) == 0)
				return k;
		}
		return -1;
	}
	for (k = 0; k < 2; k++)
		in[k] = dv_entity_column(j->e[k], ref->name) != NULL;
	return in[0] == in[1] ? -1 : in[0] ? 0 : 1;
}

/* The sides x names: bit 0, bit 1; 4 when a column's side cannot be told. */
static int join_sides(const struct join *j, const struct ast_expr *x)
{
	int k, m;
	if (!x)
		return 0;
	if (x->kind == AST_AND || x->kind == AST_OR || x->kind == AST_NOT)
		return join_sides(j, x->a) | join_sides(j, x->b);
	if (x->kind == AST_EXISTS || x->kind == AST_INSUB)
		return 4;
	k = join_ref_side(j, &x->col);
	m = k < 0 ? 4 : 1 << k;
	if (x->kind == AST_COLEQ) {
		k = join_ref_side(j, &x->col2);
		m |= k < 0 ? 4 : 1 << k;
	}
	return m;
}

/* Sorts the top-level AND terms of the join's conditions: the correlation
 * (a column of each side compared with =) and each side's own terms; any
 * other term stays out (the semi-join holds without it). */
static void join_split(struct join *j, const struct ast_expr *x)
{
	int m;
	if (!x)
		return;
	if (x->kind == AST_AND) {
		join_split(j, x->a);
		join_split(j, x->b);
		return;
	}
	m = join_sides(j, x);
	if (x->kind == AST_COLEQ && m == 3) {
		j->corr = x;
		j->ncorr++;
	} else if (x->kind != AST_COLEQ && (m == 1 || m == 2) &&
		   j->nterms[m - 1] < JOIN_MAX_TERMS) {
		j->terms[m - 1][j->nterms[m - 1]++] = x;
	}
}

static void join_free(struct join *j)
{
	ast_select_free(&j->s);
	dv_buf_free(&j->text);
}

static int append_text(struct dv_buf *b, const char *sql, const size_t span[2])
{
	return dv_buf_append(b, sql + span[0], span[1] - span[0]);
}

/* Parses the join through the parser's subquery grammar, as
 *   SELECT * FROM <entry 0> WHERE EXISTS (SELECT 1 FROM <entry 1> WHERE (<ON>) AND (<WHERE>))
 * (only its parse is used: both entries and their terms), and sorts the
 * terms.  0 (free with join_free), 1 not a join this applies to, -1 no memory. */
/* The entity of the table `name` when it is one of the engine's tables of
 * the same module as self (a "dataverse" table SQLite resolves the name
 * to), else NULL: a temp table or a view of that name is no entity, and
 * no name is looked up in the catalog (xBestIndex sends no request). */
static const struct dv_entity *join_entity(const struct dv_engine *eng,
					   const sqlite3_vtab *self, const char *name)
{
	const struct vtab_ref *r;
	for (r = eng->vtabs; r; r = r->next) {
		const struct dv_entity *e = r->e;
		if (e && ((const sqlite3_vtab *)r->vtab)->pModule == self->pModule &&
		    (dv_strcasecmp(name, e->logical_name) == 0 ||
		     (e->entity_set && dv_strcasecmp(name, e->entity_set) == 0)))
			return e;
	}
	return NULL;
}

static int join_parse(const struct dv_engine *eng, const sqlite3_vtab *self, const char *sql,
		      struct join *j)
{
	struct join_text jt;
	int k, rc = 0;
	memset(j, 0, sizeof(*j));
	if (join_read(sql, &jt) != 0)
		return 1;
	dv_buf_init(&j->text, 0);
	rc |= dv_buf_appends(&j->text, "SELECT * FROM ");
	rc |= append_text(&j->text, sql, jt.side[0]);
	rc |= dv_buf_appends(&j->text, " WHERE EXISTS (SELECT 1 FROM ");
	rc |= append_text(&j->text, sql, jt.side[1]);
	rc |= dv_buf_appends(&j->text, " WHERE ");
	for (k = 0; k < 2; k++) {
		if (!jt.cond[k][1])
			continue;
		rc |= dv_buf_appends(&j->text, k && jt.cond[0][1] ? " AND (" : "(");
		rc |= append_text(&j->text, sql, jt.cond[k]);
		rc |= dv_buf_appendc(&j->text, ')');
	}
	rc |= dv_buf_appendc(&j->text, ')');
	if (rc == 0)
		rc = sqlparse_select(j->text.data, j->text.len, &j->s);
	if (rc != 0) {
		dv_buf_free(&j->text);
		return rc;
	}
	j->sel[0] = &j->s;
	j->sel[1] = j->s.where && j->s.where->kind == AST_EXISTS ? j->s.where->sub : NULL;
	for (k = 0; k < 2 && j->sel[1]; k++) {
		j->e[k] = join_entity(eng, self, j->sel[k]->table);
		if (!j->e[k])
			break;
	}
	if (k < 2 || j->e[0] == j->e[1]) {
		join_free(j);
		return 1;              /* not two tables of the service; a self join */
	}
	join_split(j, j->sel[1]->where);
	if (j->ncorr != 1) {
		join_free(j);
		return 1;
	}
	return 0;
}

/* "name" as a quoted identifier. */
static int append_ident(struct dv_buf *b, const char *name)
{
	int rc = dv_buf_appendc(b, '"');
	for (; *name; name++) {
		if (*name == '"')
			rc |= dv_buf_appendc(b, '"');
		rc |= dv_buf_appendc(b, *name);
	}
	return rc | dv_buf_appendc(b, '"');
}

/* "table" AS "q" */
static int append_entry(struct dv_buf *b, const struct ast_select *s)
{
	int rc = append_ident(b, s->table);
	rc |= dv_buf_appends(b, " AS ");
	return rc | append_ident(b, s->alias ? s->alias : s->table);
}

/* "q"."name" */
static int append_qualified(struct dv_buf *b, const struct ast_select *s, const char *name)
{
	int rc = append_ident(b, s->alias ? s->alias : s->table);
	rc |= dv_buf_appendc(b, '.');
	return rc | append_ident(b, name);
}

/* Side t's rows that have a partner on side o, as a statement over t with
 * o in a subquery (the shapes pushdown_semijoin.c sends):
 *   t's key = o's lookup:   SELECT * FROM t WHERE EXISTS (SELECT 1 FROM o
 *                           WHERE o.lookup = t.key AND (<o's terms>)..)
 *   t's lookup = o's key:   SELECT * FROM t WHERE t.lookup IN (SELECT o.key
 *                           FROM o WHERE (<o's terms>) AND ..)
 * 0 written, 1 neither shape, -1 no memory. */
static int join_semi_sql(const struct join *j, int t, struct dv_buf *out)
{
	int o = 1 - t, tfirst = join_ref_side(j, &j->corr->col) == t, exists, rc;
	const struct ast_colref *ct = tfirst ? &j->corr->col : &j->corr->col2;
	const struct ast_colref *co = tfirst ? &j->corr->col2 : &j->corr->col;
	const struct dv_column *c = dv_entity_column(j->e[t], ct->name);
	size_t i;
	if (!is_key(c) && !is_lookup(c))
		return 1;
	exists = is_key(c);
	rc = dv_buf_appends(out, "SELECT * FROM ");
	rc |= append_entry(out, j->sel[t]);
	rc |= dv_buf_appends(out, " WHERE ");
	if (exists) {
		rc |= dv_buf_appends(out, "EXISTS (SELECT 1");
	} else {
		rc |= append_qualified(out, j->sel[t], ct->name);
		rc |= dv_buf_appends(out, " IN (SELECT ");
		rc |= append_qualified(out, j->sel[o], co->name);
	}
	rc |= dv_buf_appends(out, " FROM ");
	rc |= append_entry(out, j->sel[o]);
	if (exists) {
		rc |= dv_buf_appends(out, " WHERE ");
		rc |= append_qualified(out, j->sel[o], co->name);
		rc |= dv_buf_appends(out, " = ");
		rc |= append_qualified(out, j->sel[t], ct->name);
	}
	for (i = 0; i < j->nterms[o]; i++) {
		const struct ast_expr *x = j->terms[o][i];
		rc |= dv_buf_appends(out, exists || i ? " AND (" : " WHERE (");
		rc |= dv_buf_append(out, j->text.data + x->pos, x->end - x->pos);
		rc |= dv_buf_appendc(out, ')');
	}
	rc |= dv_buf_appendc(out, ')');
	return rc ? -1 : 0;
}

/* True when this plan of e's scan (side t) takes its correlation column's
 * value from the other side (a usable = constraint whose value is no
 * constant): e is read second, by the keys of rows the other side's own
 * term already narrowed. */
static int keyed_by_partner(const struct join *j, int t, const struct dv_entity *e,
			    sqlite3_index_info *info)
{
	const struct ast_colref *ref = join_ref_side(j, &j->corr->col) == t ? &j->corr->col :
				       &j->corr->col2;
	const struct dv_column *c = dv_entity_column(e, ref->name);
	sqlite3_value *v;
	int i;
	for (i = 0; c && info && i < info->nConstraint; i++)
		if (info->aConstraint[i].usable &&
		    info->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ &&
		    info->aConstraint[i].iColumn == (int)(c - e->columns) &&
		    sqlite3_vtab_rhs_value(info, i, &v) != SQLITE_OK)
			return 1;
	return 0;
}

int push_join_term(struct dv_engine *eng, const sqlite3_vtab *self, const struct dv_entity *e,
		   sqlite3_index_info *info, char **out)
{
	const char *sql = eng->plan_sql;
	struct join j;
	struct ast_select s2;
	struct push_cond cond;
	struct dv_buf b;
	sqlite3_value *none[1] = {NULL};  /* no values: a marker's term says nothing */
	int t, rc;
	*out = NULL;
	if (!sql || strstr(sql, "dvodbc:local"))
		return 0;
	rc = join_parse(eng, self, sql, &j);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (t = 0; t < 2 && j.e[t] != e; t++)
		;
	dv_buf_init(&b, 0);
	rc = t < 2 && !keyed_by_partner(&j, t, e, info) ? join_semi_sql(&j, t, &b) : 1;
	if (rc == 0)
		rc = sqlparse_select(b.data, b.len, &s2);
	if (rc == 0) {
		rc = push_filter(eng->cat, j.e[t], &s2, none, 0, &cond);
		if (rc == 0 && cond.nsemi == 1 && !cond.unsupported && cond.text)
			*out = cond.text;
		else if (rc == 0)
			free(cond.text);
		ast_select_free(&s2);
	}
	dv_buf_free(&b);
	join_free(&j);
	return rc < 0 ? -1 : 0;
}
