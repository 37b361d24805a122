/* pushdown.c - whole single-table SELECTs sent to the service (design
 * decision 2): what SQLite never shows a virtual table (OR, NOT, aggregates,
 * GROUP BY) goes into one request.
 *
 * HOW IT WORKS.  dv_engine_prepare calls pushdown_prepare first (the one
 * hook in engine.c).  The statement is parsed (sqlparse/parse.c); when it is
 *  - a plain SELECT whose WHERE has an OR, a NOT or a subquery: the statement is kept,
 *    only its FROM entity becomes main."<entity>"('<sql>', ?1, .., ?N), a
 *    "dv_pushed" virtual table declared with the entity's columns (same
 *    names, types, collations, so the result describes exactly as before)
 *    that sends $select (SQLite's colUsed) + $filter = the translated WHERE
 *    (pushdown_filter.c).  SQLite still evaluates the WHERE, ORDER BY and
 *    LIMIT over those rows, so a superset filter is enough.  A subquery
 *    along a relationship goes into the $filter as a lambda or a lookup
 *    path (pushdown_semijoin.c); an AND-ed one translated exactly is
 *    replaced by 1 in the statement SQLite runs (rows_sql), so SQLite never
 *    runs it;
 *  - an aggregate (GROUP BY and/or COUNT/SUM/AVG/MIN/MAX): every key and
 *    aggregate must map and the filter must be exact; the statement
 *    becomes SELECT "c0" AS <name>, ... FROM temp."dvpush_<hash>"('<sql>',
 *    ?1, ..) [ORDER BY ..] [LIMIT n], a "dv_pushed" table declared with the
 *    result's types (COUNT BIGINT, SUM/MIN/MAX the column's, AVG DOUBLE),
 *    that sends $apply=[filter(..)/]groupby((keys),aggregate(..)).
 * The markers '?' become ?1..?N, so parameters bind exactly as before.  At
 * execution the vtab parses the statement again with the parameter values
 * (pushdown_vtab.c); when the service answers 0x8004E023 (more than 50,000
 * input rows) or a parameter has no exact OData form, it runs the original
 * statement on the per-table path instead and hands out its rows.
 *  - MIN or MAX of one text column alone (no GROUP BY), with an exact
 *    filter: the first value in the service's order, "$select=<col>&
 *    $filter=(<where>) and <col> ne null&$orderby=<col> asc|desc&$top=1",
 *    read as the aggregate's one row (none: NULL).  The service orders
 *    text by its collation (case- and accent-insensitive, trailing blanks
 *    ignored), which is the order of the column's DVNOCASE collation that
 *    a local MIN/MAX compares with; among values equal under it either
 *    answer is the minimum (ORDER BY <text> is consumed the same way).
 *    ($apply's min/max is documented for numbers and dates only.)
 * Not pushed (per-table path as before): joins, subqueries not along a
 * relationship (pushdown_semijoin.c), aggregates over subqueries, expressions,
 * HAVING, OFFSET, text GROUP BY keys (the service groups case- and
 * accent-insensitively; SELECT DISTINCT is GROUP BY of its plain column
 * items, parse.c, under the same rules), date-time keys (the
 * service refuses them), SUM/AVG of decimals (the service sums exact
 * decimals, the engine adds doubles), MIN/MAX of text next to other
 * items, MIN/MAX of GUIDs or booleans.
 * A comment "dvodbc:local" in a statement keeps it on the per-table path.
 * Source:
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/aggregate-data */
#include "engine/pushdown.h"

#include <sql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odata/odata.h"
#include "sqlparse/lexer.h"
#include "util/log.h"
#include "util/strutil.h"

static int int_family(const struct dv_column *c)
{
	if (!c || c->role != DV_COL_VALUE)
		return 0;
	switch (c->attr_type) {
	case DV_ATTR_INTEGER: case DV_ATTR_BIGINT: case DV_ATTR_PICKLIST: case DV_ATTR_STATE:
	case DV_ATTR_STATUS:
		return 1;
	default:
		return 0;
	}
}

static int groupable(const struct dv_column *c)
{
	return int_family(c) || (c && c->role == DV_COL_VALUE &&
				 c->attr_type == DV_ATTR_BOOLEAN);
}

static int minmax_ok(const struct dv_column *c)
{
	if (int_family(c))
		return 1;
	if (!c || c->role != DV_COL_VALUE)
		return 0;
	switch (c->attr_type) {
	case DV_ATTR_DECIMAL: case DV_ATTR_MONEY: case DV_ATTR_DOUBLE: case DV_ATTR_DATETIME:
	case DV_ATTR_DATEONLY:
		return 1;
	default:
		return 0;
	}
}

static int not_null(const struct dv_column *c)
{
	return c->is_primary_id || c->nullable == SQL_NO_NULLS;
}

void push_plan_free(struct push_plan *p)
{
	dv_buf_free(&p->query);
	free(p->url);
	memset(p, 0, sizeof(*p));
}

/* Adds a cell read from the aggregate row: property `a<n>`. */
static int add_spec(struct push_plan *p, enum odata_kind kind)
{
	int n = (int)p->nspecs++;
	snprintf(p->aliases[n], sizeof(p->aliases[n]), "a%d", n);
	p->specs[n].property = p->aliases[n];
	p->specs[n].annotation = NULL;
	p->specs[n].kind = kind;
	return n;
}

/* The column every aggregate of s reads when they all read one nullable
 * column and there is no GROUP BY and no COUNT(*): rows where it is NULL
 * change none of them, so "col ne null" lets $count count it. */
static const struct dv_column *single_column(const struct ast_select *s,
					     const struct dv_entity *e)
{
	const struct dv_column *one = NULL;
	size_t i;
	if (s->ngroup)
		return NULL;
	for (i = 0; i < s->nitems; i++) {
		const struct dv_column *c;
		if (s->items[i].agg == AGG_NONE || s->items[i].agg == AGG_COUNT_STAR)
			return NULL;
		c = push_column(e, s, &s->items[i].col);
		if (!c || (one && one != c))
			return NULL;
		one = c;
	}
	return one;
}

/* One select item of an aggregate statement; 0 or 1 (not pushable). */
static int plan_item(struct push_plan *p, const struct ast_select *s, const struct ast_item *it,
		     const struct dv_column *nonnull_col, struct dv_buf *aggs, int *count_cell)
{
	struct push_out *o = &p->outs[p->nouts++];
	const struct dv_column *c = it->agg == AGG_COUNT_STAR || it->star ? NULL :
				    push_column(p->e, s, &it->col);
	size_t k;
	int counted;
	if (it->agg != AGG_COUNT_STAR && !c)
		return 1;               /* also SELECT * with an aggregate */
	o->col = c;
	counted = c && (not_null(c) || c == nonnull_col);
	if (it->agg == AGG_COUNT_STAR || it->agg == AGG_COUNT || it->agg == AGG_AVG) {
		if (it->agg != AGG_COUNT_STAR && !counted)
			return 1;
		if (*count_cell < 0) {
			*count_cell = add_spec(p, ODATA_INT);
			dv_buf_appendf(aggs, "%s$count as %s", aggs->len ? "," : "",
				       p->aliases[*count_cell]);
		}
	}
	switch (it->agg) {
	case AGG_NONE:
		for (k = 0; k < s->ngroup; k++)
			if (push_column(p->e, s, &s->group[k]) == c)
				break;
		if (k == s->ngroup)
			return 1;
		o->kind = PO_KEY;
		o->cell = (int)k;
		return 0;
	case AGG_COUNT_STAR: case AGG_COUNT:
		o->kind = PO_COUNT;
		o->cell = *count_cell;
		return 0;
	case AGG_COUNT_DISTINCT: case AGG_SUM: case AGG_MIN: case AGG_MAX: case AGG_AVG:
		break;
	}
	if (it->agg == AGG_MIN || it->agg == AGG_MAX ? !minmax_ok(c) : !int_family(c))
		return 1;
	o->kind = it->agg == AGG_COUNT_DISTINCT ? PO_COUNT : it->agg == AGG_SUM ? PO_SUM :
		  it->agg == AGG_AVG ? PO_AVG : PO_MINMAX;
	o->cell = add_spec(p, o->kind == PO_MINMAX ? c->spec.kind : ODATA_INT);
	o->cell2 = *count_cell;
	dv_buf_appendf(aggs, "%s%s with %s as %s", aggs->len ? "," : "", c->select_name,
		       it->agg == AGG_COUNT_DISTINCT ? "countdistinct" :
		       it->agg == AGG_MIN ? "min" : it->agg == AGG_MAX ? "max" : "sum",
		       p->aliases[o->cell]);
	return 0;
}

/* SELECT MIN(text) / MAX(text) alone: 1 with its column, else 0. */
static const struct dv_column *text_minmax(const struct ast_select *s,
					   const struct dv_entity *e)
{
	const struct dv_column *c;
	if (s->ngroup || s->nitems != 1 || s->items[0].star ||
	    (s->items[0].agg != AGG_MIN && s->items[0].agg != AGG_MAX))
		return NULL;
	c = push_column(e, s, &s->items[0].col);
	return c && c->role == DV_COL_VALUE && c->attr_type == DV_ATTR_STRING ? c : NULL;
}

/* The request of text_minmax (see the top): filter, orderby, top in q. */
static int plan_text_minmax(struct push_plan *p, const struct ast_select *s,
			    const struct dv_column *c, const struct push_cond *cond,
			    struct dv_buf *filter, struct dv_buf *orderby, struct odata_query *q)
{
	struct push_out *o = &p->outs[0];
	if (!cond->exact)
		return 1;
	p->nouts = 1;
	o->kind = PO_MINMAX;
	o->col = c;
	o->cell = 0;
	p->specs[0] = c->spec;
	p->nspecs = 1;
	if (cond->text)
		dv_buf_appendf(filter, "(%s) and ", cond->text);
	dv_buf_appendf(filter, "%s ne null", c->select_name);
	dv_buf_appendf(orderby, "%s %s", c->select_name,
		       s->items[0].agg == AGG_MAX ? "desc" : "asc");
	q->select = c->select_name;
	q->filter = dv_buf_str(filter);
	q->orderby = dv_buf_str(orderby);
	q->top = 1;
	dv_buf_appendf(&p->query, "$select=%s&$filter=%s&$orderby=%s&$top=1", q->select,
		       q->filter, q->orderby);
	return 0;
}

/* $apply for an aggregate statement; 0, 1 not pushable. */
static int plan_aggregate(struct push_plan *p, const struct ast_select *s,
			  const struct push_cond *cond, struct dv_buf *apply)
{
	const struct dv_column *nn = single_column(s, p->e);
	struct dv_buf aggs;
	size_t i;
	int count_cell = -1, rc = 0;
	if (!cond->exact)
		return 1;
	if (nn && not_null(nn))
		nn = NULL;
	p->grouped = s->ngroup > 0;
	for (i = 0; i < s->ngroup; i++) {
		const struct dv_column *c = push_column(p->e, s, &s->group[i]);
		size_t k;
		if (!groupable(c))
			return 1;
		for (k = 0; k < i; k++)
			if (push_column(p->e, s, &s->group[k]) == c)
				return 1;
		p->specs[p->nspecs++] = c->spec;
	}
	dv_buf_init(&aggs, 0);
	for (i = 0; i < s->nitems && rc == 0; i++)
		rc = plan_item(p, s, &s->items[i], nn, &aggs, &count_cell);
	if (rc == 0) {
		if (cond->text || nn) {
			dv_buf_appends(apply, "filter(");
			if (cond->text)
				dv_buf_appendf(apply, nn ? "(%s) and " : "%s", cond->text);
			if (nn)
				dv_buf_appendf(apply, "%s ne null", nn->select_name);
			dv_buf_appends(apply, ")/");
		}
		if (s->ngroup) {
			dv_buf_appends(apply, "groupby((");
			for (i = 0; i < s->ngroup; i++)
				dv_buf_appendf(apply, "%s%s", i ? "," : "",
					       push_column(p->e, s, &s->group[i])->select_name);
			dv_buf_appendc(apply, ')');
			if (aggs.len)
				dv_buf_appendf(apply, ",aggregate(%s)", dv_buf_str(&aggs));
			dv_buf_appendc(apply, ')');
		} else {
			dv_buf_appendf(apply, "aggregate(%s)", dv_buf_str(&aggs));
		}
	}
	dv_buf_free(&aggs);
	return rc;
}

/* The $orderby of a rows statement's ORDER BY, the primary key appended
 * as plan.c does: 0, or 1 when a term is not a plain sortable column. */
static int rows_orderby(const struct ast_select *s, const struct dv_entity *e,
			struct dv_buf *out)
{
	const struct dv_column *pk = NULL;
	int has_pk = 0;
	size_t i;
	for (i = 0; i < s->norder; i++) {
		const struct ast_order *o = &s->order[i];
		const struct ast_colref *ref = &o->col;
		const struct dv_column *c;
		if (o->position > 0) {
			if ((size_t)o->position > s->nitems || s->items[o->position - 1].star)
				return 1;
			ref = &s->items[o->position - 1].col;
		} else if (!ref->qualifier) {
			/* a name is first a result column's alias (SQLite's rule) */
			for (size_t k = 0; k < s->nitems; k++) {
				const struct ast_item *it = &s->items[k];
				if (!it->alias || dv_strcasecmp(it->alias, ref->name) != 0)
					continue;
				if (it->star || it->agg != AGG_NONE || !it->col.name)
					return 1;
				ref = &it->col;
				break;
			}
		}
		c = push_column(e, s, ref);
		if (!c || !plan_sortable(c))
			return 1;
		dv_buf_appendf(out, "%s%s %s", i ? "," : "", c->select_name,
			       o->desc ? "desc" : "asc");
		has_pk |= c->is_primary_id;
	}
	for (i = 0; i < e->ncolumns; i++)
		if (e->columns[i].is_primary_id && e->columns[i].role == DV_COL_VALUE)
			pk = &e->columns[i];
	if (pk && !has_pk)
		dv_buf_appendf(out, "%s%s asc", out->len ? "," : "", pk->select_name);
	return 0;
}

int push_plan_build(struct dv_engine *eng, const struct ast_select *s,
		    const struct dv_entity *e, sqlite3_value **argv, int argc,
		    const char *select, struct push_plan *out, struct dv_error *err)
{
	struct push_cond cond;
	struct odata_query q;
	struct dv_buf apply, filter, orderby;
	const struct dv_column *minmax;
	int rc;
	memset(out, 0, sizeof(*out));
	dv_buf_init(&out->query, 0);
	out->e = e;
	rc = push_filter(eng->cat, e, s, argv, argc, &cond);
	if (rc == 0 && s->has_aggregate && (cond.nsemi || cond.unsupported)) {
		free(cond.text);
		rc = 1;                 /* aggregates over subqueries: per-table path */
	}
	if (rc != 0) {
		push_plan_free(out);
		return rc < 0 ? dv_error_nomem(err) : 1;
	}
	out->exact = cond.exact;
	out->semi = cond;
	out->semi.text = NULL;
	memset(&q, 0, sizeof(q));
	q.base = eng->api_base;
	q.entity_set = e->entity_set;
	dv_buf_init(&apply, 0);
	dv_buf_init(&filter, 0);
	dv_buf_init(&orderby, 0);
	if (!s->has_aggregate) {
		out->kind = PUSH_ROWS;
		q.select = select;
		q.filter = cond.text;
		dv_buf_appendf(&out->query, "$select=%s", select ? select : "");
		if (cond.text)
			dv_buf_appendf(&out->query, "&$filter=%s", cond.text);
		/* an exact WHERE: the service's first LIMIT rows in the
		 * statement's order are the answer (SQLite sorts them again) */
		if (cond.exact && s->limit > 0 && s->limit <= 5000 &&
		    rows_orderby(s, e, &orderby) == 0) {
			q.orderby = orderby.len ? dv_buf_str(&orderby) : NULL;
			q.top = (long)s->limit;
			if (q.orderby)
				dv_buf_appendf(&out->query, "&$orderby=%s", q.orderby);
			dv_buf_appendf(&out->query, "&$top=%ld", q.top);
		}
	} else if ((minmax = text_minmax(s, e)) != NULL) {
		out->kind = PUSH_AGGREGATE;
		rc = plan_text_minmax(out, s, minmax, &cond, &filter, &orderby, &q);
	} else {
		out->kind = PUSH_AGGREGATE;
		rc = plan_aggregate(out, s, &cond, &apply);
		q.apply = dv_buf_str(&apply);
		dv_buf_appendf(&out->query, "$apply=%s", q.apply);
	}
	if (rc == 0) {
		out->url = odata_query_url(&q);
		if (!out->url)
			rc = dv_error_nomem(err);
	}
	free(cond.text);
	dv_buf_free(&apply);
	dv_buf_free(&filter);
	dv_buf_free(&orderby);
	if (rc != 0)
		push_plan_free(out);
	return rc;
}

/* ---- the statement SQLite runs instead ---- */

static void append_sql_literal(struct dv_buf *b, const char *s)
{
	dv_buf_appendc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			dv_buf_appendc(b, '\'');
		dv_buf_appendc(b, *s);
	}
	dv_buf_appendc(b, '\'');
}

static void append_ident(struct dv_buf *b, const char *s)
{
	dv_buf_appendc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			dv_buf_appendc(b, '"');
		dv_buf_appendc(b, *s);
	}
	dv_buf_appendc(b, '"');
}

/* ('<sql>', ?1, .., ?N) */
static void append_args(struct dv_buf *b, const char *sql, int nparams)
{
	int i;
	dv_buf_appendc(b, '(');
	append_sql_literal(b, sql);
	for (i = 1; i <= nparams; i++)
		dv_buf_appendf(b, ", ?%d", i);
	dv_buf_appendc(b, ')');
}

/* The exact subquery term starting at pos, or NULL. */
static const struct push_term *removed_term(const struct push_cond *c, size_t pos)
{
	size_t i;
	for (i = 0; i < c->nterms; i++)
		if (c->terms[i].exact && c->terms[i].pos == pos)
			return &c->terms[i];
	return NULL;
}

/* The original text with FROM <entity> [alias] replaced, '?' numbered, and
 * each exactly sent subquery term replaced by 1 (pushdown_semijoin.c; its
 * markers keep their numbers: the table still receives every value). */
static void rows_sql(const char *sql, const struct ast_select *s, const struct dv_entity *e,
		     const struct push_cond *semi, struct dv_buf *out)
{
	size_t len = strlen(sql), pos = 0;
	int n = 0;
	struct sql_token t;
	while (pos < len) {
		const struct push_term *gone;
		sql_lex(sql, len, pos, &t);
		if (t.type == TOK_END)
			break;
		if ((gone = removed_term(semi, t.pos)) != NULL) {
			while (pos < gone->end) {       /* count its markers */
				sql_lex(sql, len, pos, &t);
				if (t.type == TOK_END)
					break;
				if (t.type == TOK_PARAM)
					n++;
				pos = t.pos + (t.len ? t.len : 1);
			}
			dv_buf_appends(out, "1");
			continue;
		}
		if (t.pos == s->table_pos) {
			dv_buf_appends(out, "main.");
			append_ident(out, e->logical_name);
			append_args(out, sql, s->nparams);
			dv_buf_appends(out, " AS ");
			append_ident(out, s->alias ? s->alias : s->table);
			pos = s->table_end;
			continue;
		}
		if (t.type == TOK_PARAM)
			dv_buf_appendf(out, "?%d", ++n);
		else
			dv_buf_append(out, sql + t.pos, t.len);
		pos = t.pos + (t.len ? t.len : 1);
	}
}

/* The output column an ORDER BY key names, or -1. */
static int order_column(const struct ast_select *s, const struct push_plan *p,
			const struct ast_order *o)
{
	const struct dv_column *c;
	size_t i;
	if (o->position)
		return o->position - 1;
	for (i = 0; i < s->nitems; i++)
		if (!o->col.qualifier && s->items[i].alias &&
		    dv_strcasecmp(s->items[i].alias, o->col.name) == 0)
			return (int)i;
	c = push_column(p->e, s, &o->col);
	for (i = 0; c && i < p->nouts; i++)
		if (p->outs[i].kind == PO_KEY && p->outs[i].col == c)
			return (int)i;
	return -1;
}

static unsigned long long fnv1a(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* CREATE VIRTUAL TABLE for an aggregate's result; its name into name. */
static int create_agg_table(struct dv_engine *eng, const struct push_plan *p,
			    char name[32], struct dv_error *err)
{
	struct dv_buf decl, sql;
	size_t i;
	char *msg = NULL;
	int rc;
	dv_buf_init(&decl, 0);
	dv_buf_init(&sql, 0);
	for (i = 0; i < p->nouts; i++) {
		dv_buf_appendf(&decl, "%s\"c%zu\" ", i ? ", " : "", i);
		push_out_decl(&p->outs[i], &decl);
	}
	snprintf(name, 32, "dvpush_%016llx", fnv1a(dv_buf_str(&decl)));
	dv_buf_appendf(&sql, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.\"%s\" USING "
		       "dv_pushed(agg, %zu, '", name, p->nouts);
	for (i = 0; i < decl.len; i++)
		dv_buf_appendf(&sql, "%02x", (unsigned char)decl.data[i]);
	dv_buf_appends(&sql, "')");
	rc = sqlite3_exec(eng->db, dv_buf_str(&sql), NULL, NULL, &msg);
	dv_buf_free(&decl);
	dv_buf_free(&sql);
	if (rc != SQLITE_OK) {
		dv_error_set(err, DV_S_HY000, 0, "pushdown: %s", msg ? msg : "");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int agg_sql(struct dv_engine *eng, const char *sql, const struct ast_select *s,
		   const struct push_plan *p, struct dv_buf *out, struct dv_error *err)
{
	char name[32];
	size_t i;
	if (create_agg_table(eng, p, name, err) != 0)
		return -1;
	dv_buf_appends(out, "SELECT ");
	for (i = 0; i < s->nitems; i++) {
		const struct ast_item *it = &s->items[i];
		char *expr = dv_strndup(sql + it->pos, it->len);
		dv_buf_appendf(out, "%s\"c%zu\" AS ", i ? ", " : "", i);
		append_ident(out, it->alias ? it->alias :
			     it->agg == AGG_NONE ? p->outs[i].col->name : expr ? expr : "");
		free(expr);
	}
	dv_buf_appendf(out, " FROM temp.\"%s\"", name);
	append_args(out, sql, s->nparams);
	for (i = 0; i < s->norder; i++) {
		int col = order_column(s, p, &s->order[i]);
		if (col < 0)
			return 1;
		dv_buf_appendf(out, "%s\"c%d\"%s", i ? ", " : " ORDER BY ", col,
			       s->order[i].desc ? " DESC" : "");
	}
	if (s->limit >= 0)
		dv_buf_appendf(out, " LIMIT %lld", s->limit);
	return 0;
}

static int create_rows_table(struct dv_engine *eng, const struct dv_entity *e,
			     struct dv_error *err)
{
	char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE IF NOT EXISTS main.\"%w\" USING "
				    "dv_pushed(rows, \"%w\")", e->logical_name, e->logical_name);
	char *msg = NULL;
	int rc;
	if (!sql)
		return dv_error_nomem(err);
	rc = sqlite3_exec(eng->db, sql, NULL, NULL, &msg);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		dv_error_set(err, DV_S_HY000, 0, "pushdown: %s", msg ? msg : "");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Appends x's top-level AND terms to out as text, each OR term wrapped in
 * +( ): SQLite then evaluates it row by row instead of as a union of
 * per-term scans of the "dataverse" table (whose rowids are row counters,
 * not record identities, so the union's de-duplication would drop rows). */
static void and_terms(const char *sql, const struct ast_expr *x, size_t *at,
		      struct dv_buf *out)
{
	if (x->kind == AST_AND) {
		and_terms(sql, x->a, at, out);
		and_terms(sql, x->b, at, out);
		return;
	}
	if (x->kind != AST_OR)
		return;
	dv_buf_append(out, sql + *at, x->pos - *at);
	dv_buf_appends(out, "+(");
	dv_buf_append(out, sql + x->pos, x->end - x->pos);
	dv_buf_appendc(out, ')');
	*at = x->end;
}

void push_local_sql(const char *sql, const struct ast_select *s, struct dv_buf *out)
{
	size_t at = 0;
	dv_buf_appends(out, PUSH_LOCAL_HINT);
	if (s->where)
		and_terms(sql, s->where, &at, out);
	dv_buf_appends(out, sql + at);
}

void push_local_rows_sql(const char *sql, const struct ast_select *s, struct dv_buf *out)
{
	size_t at = s->where_pos;
	dv_buf_appends(out, PUSH_LOCAL_HINT "SELECT ");
	append_ident(out, s->alias ? s->alias : s->table);
	dv_buf_appends(out, ".* FROM ");
	dv_buf_append(out, sql + s->table_pos, s->table_end - s->table_pos);
	if (!s->where)
		return;
	dv_buf_appends(out, " WHERE ");
	and_terms(sql, s->where, &at, out);
	dv_buf_append(out, sql + at, s->where_end - at);
}

/* The original statement compiles on the per-table path (this creates its
 * table and reports unknown columns exactly as without pushdown). */
static int check_locally(struct dv_engine *eng, const char *sql, struct dv_error *err)
{
	struct dv_buf b;
	sqlite3_stmt *st = NULL;
	int rc;
	dv_buf_init(&b, 0);
	dv_buf_appends(&b, PUSH_LOCAL_HINT);
	dv_buf_appends(&b, sql);
	rc = dv_engine_prepare(eng, dv_buf_str(&b), &st, err);
	sqlite3_finalize(st);
	dv_buf_free(&b);
	return rc;
}

/* Conditions the service will count (<= 500 per query, 0x8004430C). */
static size_t count_conditions(const struct ast_expr *x)
{
	if (!x)
		return 0;
	if (x->kind == AST_AND || x->kind == AST_OR || x->kind == AST_NOT)
		return count_conditions(x->a) + count_conditions(x->b);
	if (x->sub)                           /* the lambda or path and its body */
		return 2 + count_conditions(x->sub->where);
	return x->nv ? x->nv * 2 + 1 : 2;     /* a term and its complement */
}

/* Parses and plans sql; 0 = pushable (s, e, plan set), 1 = not, -1 error. */
static int plan_statement(struct dv_engine *eng, const char *sql, struct ast_select *s,
			  const struct dv_entity **e, const char *select, struct push_plan *plan,
			  struct dv_error *err)
{
	struct dv_error ignored;
	int rc = sqlparse_select(sql, strlen(sql), s);
	if (rc < 0)
		return dv_error_nomem(err);
	if (rc > 0)
		return 1;
	if (s->local_hint || s->nparams > PUSH_MAX_PARAMS ||
	    count_conditions(s->where) > PUSH_MAX_CONDITIONS ||
	    (!s->has_aggregate && !push_tree_needs_push(s->where)) ||
	    dv_catalog_entity(eng->cat, s->table, e, &ignored) != 0) {
		ast_select_free(s);
		return 1;
	}
	rc = push_plan_build(eng, s, *e, NULL, 0, select, plan, err);
	if (rc == 0 && plan->kind == PUSH_ROWS && !strstr(dv_buf_str(&plan->query), "$filter="))
		rc = 1;                 /* nothing of the WHERE could be said */
	if (rc == 0 && plan->semi.unsupported)
		rc = 1;                 /* a subquery not along a relationship */
	if (rc != 0) {
		push_plan_free(plan);
		ast_select_free(s);
	}
	return rc;
}

int pushdown_prepare(struct dv_engine *eng, const char *sql, sqlite3_stmt **out,
		     struct dv_error *err)
{
	struct ast_select s;
	const struct dv_entity *e;
	struct push_plan plan;
	struct dv_buf text;
	int rc;
	if (strstr(sql, "dvodbc:local"))
		return 1;
	rc = plan_statement(eng, sql, &s, &e, NULL, &plan, err);
	if (rc != 0)
		return rc;
	dv_buf_init(&text, 0);
	rc = check_locally(eng, sql, err);
	if (rc == 0)
		rc = push_module_ensure(eng, err);
	if (rc == 0 && plan.kind == PUSH_ROWS) {
		rc = create_rows_table(eng, e, err);
		rows_sql(sql, &s, e, &plan.semi, &text);
	} else if (rc == 0) {
		rc = agg_sql(eng, sql, &s, &plan, &text, err);
	}
	if (rc == 0 && sqlite3_prepare_v2(eng->db, dv_buf_str(&text), -1, out, NULL) != SQLITE_OK) {
		DV_LOG(eng->log, DV_LOG_DEBUG, eng, "pushdown: not pushed: %s",
		       sqlite3_errmsg(eng->db));
		rc = 1;              /* the per-table path answers */
	}
	if (rc == 0)
		DV_LOG(eng->log, DV_LOG_DEBUG, eng, "pushed: %s", dv_buf_str(&text));
	dv_buf_free(&text);
	push_plan_free(&plan);
	ast_select_free(&s);
	return rc;
}

/* The requests of each subquery that stays in the statement (inexact, or
 * not an AND-ed term): its own plan on the per-table path, run by SQLite
 * over the rows read. */
static void explain_subs(struct dv_engine *eng, const char *sql, const struct ast_select *s,
			 const struct ast_expr *x, const struct push_cond *semi,
			 struct dv_buf *out)
{
	struct dv_buf q;
	struct dv_error ignored;
	char *ex, *line, *save = NULL;
	if (!x)
		return;
	if (x->kind == AST_AND || x->kind == AST_OR) {
		explain_subs(eng, sql, s, x->a, semi, out);
		explain_subs(eng, sql, s, x->b, semi, out);
		return;
	}
	if (removed_term(semi, x->pos))
		return;                 /* sent exactly: SQLite never runs it */
	if (x->kind == AST_NOT) {
		explain_subs(eng, sql, s, x->a, semi, out);
		return;
	}
	if (x->kind != AST_EXISTS && x->kind != AST_INSUB)
		return;
	dv_buf_init(&q, 0);
	push_semi_sub_sql(sql, s, x, &q);
	dv_error_clear(&ignored);
	ex = dv_engine_explain(eng, dv_buf_str(&q), &ignored);
	for (line = ex ? strtok_r(ex, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		dv_buf_appendf(out, "\n%s (the subquery, checked by SQLite over the rows read)",
			       line);
	free(ex);
	dv_buf_free(&q);
}

char *pushdown_explain(struct dv_engine *eng, const char *sql, const char *select,
		       struct dv_error *err)
{
	struct ast_select s;
	const struct dv_entity *e;
	struct push_plan plan;
	struct dv_buf out;
	if (strstr(sql, "dvodbc:local") ||
	    plan_statement(eng, sql, &s, &e, select, &plan, err) != 0)
		return NULL;
	dv_buf_init(&out, 0);
	dv_buf_appendf(&out, "GET %s%s?%s", eng->api_base, e->entity_set,
		       dv_buf_str(&plan.query));
	if (plan.semi.nsemi)
		explain_subs(eng, sql, &s, s.where, &plan.semi, &out);
	push_plan_free(&plan);
	ast_select_free(&s);
	return dv_buf_steal(&out);
}
