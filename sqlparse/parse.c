/* parse.c - recursive descent parser for single-table SELECTs (ast.h).
 *
 * HOW IT WORKS: a cursor over the lexer's tokens (blanks and comments
 * skipped; a comment containing "dvodbc:local" sets local_hint).  Grammar:
 *   select  := SELECT item {, item} FROM name [[AS] name] [WHERE or]
 *              [GROUP BY col {, col}] [ORDER BY key {, key}] [LIMIT int] [;]
 *   or      := and {OR and};   and := not {AND not};   not := NOT not | pred
 *   pred    := ( or ) | col cmp value | value cmp col | col [NOT] IN ( value {, value} )
 *            | col [NOT] LIKE value | col IS [NOT] NULL | col [NOT] BETWEEN value AND value
 *            | EXISTS ( sub ) | col [NOT] IN ( sub )
 *   sub     := SELECT (* | number | col) FROM name [[AS] name] [WHERE or]
 * and inside a sub, pred also takes col = col (a correlation); a sub in a sub
 * is not taken.  A sub's markers are numbered with the statement's.
 * An aggregate's column may carry the COLLATE DVNOCASE that collate.c attaches.
 * Anything outside it returns 1 ("not pushable"), which is not an error: the
 * statement then runs through the virtual tables.
 * Source: https://www.sqlite.org/lang_select.html, https://www.sqlite.org/lang_expr.html */
#include "sqlparse/ast.h"

#include <stdlib.h>
#include <string.h>

#include "sqlparse/lexer.h"
#include "util/strutil.h"

#define NOT_PUSHABLE 1
#define NOMEM (-1)
#define MAX_DEPTH 100

struct parser {
	const char *s;
	size_t len;
	size_t pos;            /* start of the current (meaningful) token */
	struct sql_token t;
	size_t prev_end;       /* end of the last token consumed */
	int depth;
	int in_sub;            /* parsing a subquery's WHERE */
	struct ast_select *out;
};

static void advance(struct parser *p)
{
	size_t pos = p->t.type == TOK_END ? p->pos : p->t.pos + p->t.len;
	p->prev_end = pos;
	for (;;) {
		sql_lex(p->s, p->len, pos, &p->t);
		if (p->t.type == TOK_COMMENT) {
			const char *c = p->s + p->t.pos;
			size_t i;
			for (i = 0; i + 12 <= p->t.len; i++)
				if (dv_strncasecmp(c + i, "dvodbc:local", 12) == 0)
					p->out->local_hint = 1;
		}
		if (!sql_tok_blank(&p->t))
			break;
		pos = p->t.pos + p->t.len;
	}
	p->pos = p->t.pos;
}

static int is_kw(struct parser *p, const char *kw)
{
	return sql_tok_is(p->s, &p->t, kw);
}

static int accept_kw(struct parser *p, const char *kw)
{
	if (!is_kw(p, kw))
		return 0;
	advance(p);
	return 1;
}

static int is_punct(struct parser *p, char c)
{
	return p->t.type != TOK_END && p->t.len == 1 && p->s[p->t.pos] == c &&
	       p->t.type != TOK_STRING && p->t.type != TOK_QIDENT;
}

static const char *const reserved[] = {
	"select", "from", "where", "group", "order", "by", "limit", "offset", "and", "or",
	"not", "in", "like", "is", "null", "between", "as", "asc", "desc", "having", "join",
	"on", "union", "distinct", "all", "case", "when", "escape", "glob", "inner", "left",
	"cross", "natural", "using", "exists", "collate", "except", "intersect", "window",
	"over", "values", "with", "natural", "outer", "right", "full", "regexp", "match", NULL
};

static int is_reserved(struct parser *p)
{
	size_t i;
	for (i = 0; reserved[i]; i++)
		if (is_kw(p, reserved[i]))
			return 1;
	return 0;
}

/* An identifier (bare word that is not a keyword, or quoted), malloc'd. */
static int ident(struct parser *p, char **out)
{
	const char *s = p->s + p->t.pos;
	size_t n = p->t.len, i;
	struct sql_token *t = &p->t;
	char *r, *w;
	if (t->type == TOK_WORD) {
		if (is_reserved(p))
			return NOT_PUSHABLE;
		*out = dv_strndup(s, n);
		if (!*out)
			return NOMEM;
		advance(p);
		return 0;
	}
	if (t->type != TOK_QIDENT || n < 2)
		return NOT_PUSHABLE;
	r = w = malloc(n);
	if (!r)
		return NOMEM;
	for (i = 1; i + 1 < n; i++) {
		*w++ = s[i];
		if (s[0] != '[' && s[i] == s[n - 1] && i + 2 < n)
			i++;                   /* "" or `` inside */
	}
	*w = '\0';
	*out = r;
	advance(p);
	return 0;
}

static void colref_free(struct ast_colref *c)
{
	free(c->qualifier);
	free(c->name);
	c->qualifier = c->name = NULL;
}

/* name | qualifier.name */
static int colref(struct parser *p, struct ast_colref *c)
{
	int rc = ident(p, &c->name);
	if (rc)
		return rc;
	if (is_punct(p, '.')) {
		advance(p);
		c->qualifier = c->name;
		c->name = NULL;
		rc = ident(p, &c->name);
		if (rc)
			return rc;
	}
	return 0;
}

static int number_value(struct parser *p, int neg, struct ast_value *v)
{
	const char *s = p->s + p->t.pos;
	size_t n = p->t.len;
	int64_t i;
	v->text = malloc(n + 2);
	if (!v->text)
		return NOMEM;
	v->text[0] = '-';
	memcpy(v->text + 1, s, n);
	v->text[n + 1] = '\0';
	if (!neg)
		memmove(v->text, v->text + 1, n + 1);
	if (!memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n)) {
		if (dv_parse_int64(v->text, &i) != 0)
			return NOT_PUSHABLE;
		v->kind = AV_INT;
		v->i = i;
	} else {
		char *end;
		v->kind = AV_REAL;
		v->d = strtod(v->text, &end);
		if (*end)
			return NOT_PUSHABLE;
	}
	advance(p);
	return 0;
}

/* A literal: number (optionally signed), 'string', NULL, or '?'. */
static int value(struct parser *p, struct ast_value *v)
{
	memset(v, 0, sizeof(*v));
	if (p->t.type == TOK_PARAM) {
		v->kind = AV_PARAM;
		v->i = ++p->out->nparams;
		advance(p);
		/* ?NNN numbering is not followed by the rewriting: keep it local */
		return p->t.type == TOK_NUMBER && p->t.pos == p->pos &&
		       p->s[p->t.pos - 1] == '?' ? NOT_PUSHABLE : 0;
	}
	if (is_kw(p, "null")) {
		v->kind = AV_NULL;
		advance(p);
		return 0;
	}
	if (p->t.type == TOK_NUMBER)
		return number_value(p, 0, v);
	if (is_punct(p, '-') || is_punct(p, '+')) {
		int neg = is_punct(p, '-');
		advance(p);
		return p->t.type == TOK_NUMBER ? number_value(p, neg, v) : NOT_PUSHABLE;
	}
	if (p->t.type == TOK_STRING && p->s[p->t.pos] == '\'') {
		const char *s = p->s + p->t.pos;
		size_t n = p->t.len, i;
		char *w;
		v->kind = AV_TEXT;
		v->text = w = malloc(n);
		if (!w)
			return NOMEM;
		for (i = 1; i + 1 < n; i++) {
			*w++ = s[i];
			if (s[i] == '\'')
				i++;
		}
		*w = '\0';
		advance(p);
		return 0;
	}
	return NOT_PUSHABLE;
}

static int is_value_start(struct parser *p)
{
	return p->t.type == TOK_PARAM || p->t.type == TOK_NUMBER || is_kw(p, "null") ||
	       is_punct(p, '-') || is_punct(p, '+') ||
	       (p->t.type == TOK_STRING && p->s[p->t.pos] == '\'');
}

/* = == <> != < <= > >= ; the two-character ones are adjacent characters. */
static int cmp_op(struct parser *p, enum ast_op *op)
{
	char c = p->t.type == TOK_PUNCT ? p->s[p->t.pos] : 0;
	char d = p->t.pos + 1 < p->len ? p->s[p->t.pos + 1] : 0;
	int two = 0;
	switch (c) {
	case '=': *op = AST_EQ; two = d == '='; break;
	case '!': if (d != '=') return NOT_PUSHABLE; *op = AST_NE; two = 1; break;
	case '<':
		*op = d == '=' ? AST_LE : d == '>' ? AST_NE : AST_LT;
		two = d == '=' || d == '>';
		break;
	case '>': *op = d == '=' ? AST_GE : AST_GT; two = d == '='; break;
	default: return NOT_PUSHABLE;
	}
	if (two)
		advance(p);
	advance(p);
	return 0;
}

static enum ast_op flip(enum ast_op op)
{
	switch (op) {
	case AST_LT: return AST_GT;
	case AST_LE: return AST_GE;
	case AST_GT: return AST_LT;
	case AST_GE: return AST_LE;
	default: return op;
	}
}

static struct ast_expr *node(enum ast_kind kind)
{
	struct ast_expr *e = calloc(1, sizeof(*e));
	if (e)
		e->kind = kind;
	return e;
}

static void expr_free(struct ast_expr *e)
{
	size_t i;
	if (!e)
		return;
	expr_free(e->a);
	expr_free(e->b);
	colref_free(&e->col);
	colref_free(&e->col2);
	if (e->sub) {
		ast_select_free(e->sub);
		free(e->sub);
	}
	for (i = 0; i < e->nv; i++)
		free(e->v[i].text);
	free(e->v);
	free(e);
}

static int values_alloc(struct ast_expr *e, size_t n)
{
	e->v = calloc(n, sizeof(*e->v));
	return e->v ? 0 : NOMEM;
}

/* Wraps *e in NOT when `negate`. */
static int maybe_not(struct ast_expr **e, int negate)
{
	struct ast_expr *n;
	if (!negate)
		return 0;
	n = node(AST_NOT);
	if (!n)
		return NOMEM;
	n->a = *e;
	*e = n;
	return 0;
}

static int subquery(struct parser *p, struct ast_select **out);

static int in_list(struct parser *p, struct ast_expr *e)
{
	int rc;
	if (!is_punct(p, '('))
		return NOT_PUSHABLE;
	advance(p);
	if (is_kw(p, "select")) {
		e->kind = AST_INSUB;
		return subquery(p, &e->sub);
	}
	if (values_alloc(e, AST_MAX_LIST) != 0)
		return NOMEM;
	e->kind = AST_IN;
	for (;;) {
		if (e->nv == AST_MAX_LIST)
			return NOT_PUSHABLE;
		rc = value(p, &e->v[e->nv++]);
		if (rc)
			return rc;
		if (p->t.type != TOK_COMMA)
			break;
		advance(p);
	}
	if (p->t.type != TOK_RPAREN)
		return NOT_PUSHABLE;
	advance(p);
	return 0;
}

/* What follows a column in a predicate. */
static int predicate_rest(struct parser *p, struct ast_expr *e, int *negate)
{
	int rc;
	if (accept_kw(p, "is")) {
		*negate = accept_kw(p, "not");
		e->kind = AST_ISNULL;
		return accept_kw(p, "null") ? 0 : NOT_PUSHABLE;
	}
	*negate = accept_kw(p, "not");
	if (accept_kw(p, "in"))
		return in_list(p, e);
	if (accept_kw(p, "like")) {
		e->kind = AST_LIKE;
		if (values_alloc(e, 1) != 0)
			return NOMEM;
		e->nv = 1;
		rc = value(p, &e->v[0]);
		return rc ? rc : is_kw(p, "escape") ? NOT_PUSHABLE : 0;
	}
	if (accept_kw(p, "between")) {
		e->kind = AST_BETWEEN;
		if (values_alloc(e, 2) != 0)
			return NOMEM;
		e->nv = 2;
		if ((rc = value(p, &e->v[0])) != 0)
			return rc;
		if (!accept_kw(p, "and"))
			return NOT_PUSHABLE;
		return value(p, &e->v[1]);
	}
	if (*negate)
		return NOT_PUSHABLE;
	e->kind = AST_CMP;
	if ((rc = cmp_op(p, &e->op)) != 0)
		return rc;
	if (p->in_sub && !is_value_start(p)) {     /* x.lookup = t.key */
		if (e->op != AST_EQ)
			return NOT_PUSHABLE;
		e->kind = AST_COLEQ;
		return colref(p, &e->col2);
	}
	if (values_alloc(e, 1) != 0)
		return NOMEM;
	e->nv = 1;
	return value(p, &e->v[0]);
}

static int parse_or(struct parser *p, struct ast_expr **out);

static int predicate(struct parser *p, struct ast_expr **out)
{
	struct ast_expr *e;
	int rc, negate = 0;
	if (p->t.type == TOK_LPAREN) {
		advance(p);
		if ((rc = parse_or(p, out)) != 0)
			return rc;
		if (p->t.type != TOK_RPAREN)
			return NOT_PUSHABLE;
		advance(p);
		return 0;
	}
	if (is_kw(p, "exists")) {
		advance(p);
		*out = e = node(AST_EXISTS);
		if (!e)
			return NOMEM;
		if (!is_punct(p, '('))
			return NOT_PUSHABLE;
		advance(p);
		return subquery(p, &e->sub);
	}
	*out = e = node(AST_CMP);
	if (!e)
		return NOMEM;
	if (is_value_start(p)) {            /* 5 < col */
		if (values_alloc(e, 1) != 0)
			return NOMEM;
		e->nv = 1;
		if ((rc = value(p, &e->v[0])) != 0 || (rc = cmp_op(p, &e->op)) != 0 ||
		    (rc = colref(p, &e->col)) != 0)
			return rc;
		e->op = flip(e->op);
		return 0;
	}
	if ((rc = colref(p, &e->col)) != 0 || (rc = predicate_rest(p, e, &negate)) != 0)
		return rc;
	return maybe_not(out, negate);
}

static int parse_not(struct parser *p, struct ast_expr **out)
{
	int rc;
	size_t start = p->pos;
	if (++p->depth > MAX_DEPTH)
		return NOT_PUSHABLE;
	if (accept_kw(p, "not")) {
		struct ast_expr *e = node(AST_NOT);
		if (!e)
			return NOMEM;
		*out = e;
		rc = parse_not(p, &e->a);
	} else {
		rc = predicate(p, out);
	}
	p->depth--;
	if (rc == 0 && (*out)->kind != AST_AND && (*out)->kind != AST_OR) {
		(*out)->pos = start;         /* a parenthesized AND/OR keeps its own span */
		(*out)->end = p->prev_end;
	}
	return rc;
}

/* left {kw right} with `sub` parsing each operand. */
static int parse_chain(struct parser *p, struct ast_expr **out, const char *kw,
		       enum ast_kind kind, int (*sub)(struct parser *, struct ast_expr **))
{
	int rc = sub(p, out);
	while (rc == 0 && accept_kw(p, kw)) {
		struct ast_expr *e = node(kind);
		if (!e)
			return NOMEM;
		e->a = *out;
		*out = e;
		rc = sub(p, &e->b);
		e->pos = e->a->pos;
		e->end = p->prev_end;
	}
	return rc;
}

static int parse_and(struct parser *p, struct ast_expr **out)
{
	return parse_chain(p, out, "and", AST_AND, parse_not);
}

static int parse_or(struct parser *p, struct ast_expr **out)
{
	int rc;
	if (++p->depth > MAX_DEPTH)
		return NOT_PUSHABLE;
	rc = parse_chain(p, out, "or", AST_OR, parse_and);
	p->depth--;
	return rc;
}

/* "COLLATE DVNOCASE", which sqlparse_rewrite attaches to an aggregate's
 * column (collate.c): the service's comparison, so the translation holds. */
static void skip_own_collate(struct parser *p)
{
	struct sql_token next;
	if (!is_kw(p, "collate"))
		return;
	sql_lex(p->s, p->len, p->t.pos + p->t.len, &next);
	while (sql_tok_blank(&next))
		sql_lex(p->s, p->len, next.pos + next.len, &next);
	if (sql_tok_is(p->s, &next, "dvnocase")) {
		advance(p);
		advance(p);
	}
}

static const struct { const char *name; enum ast_agg agg; } aggs[] = {
	{"count", AGG_COUNT}, {"sum", AGG_SUM}, {"avg", AGG_AVG}, {"min", AGG_MIN},
	{"max", AGG_MAX},
};

/* COUNT(*) | COUNT([DISTINCT] col) | SUM/AVG/MIN/MAX(col) | col */
static int item_expr(struct parser *p, struct ast_item *it)
{
	size_t k;
	struct sql_token next;
	sql_lex(p->s, p->len, p->t.pos + p->t.len, &next);
	for (k = 0; p->t.type == TOK_WORD && next.type == TOK_LPAREN &&
		    k < sizeof(aggs) / sizeof(aggs[0]); k++) {
		if (!is_kw(p, aggs[k].name))
			continue;
		it->agg = aggs[k].agg;
		advance(p);
		advance(p);                         /* ( */
		if (it->agg == AGG_COUNT && (is_punct(p, '*') || (p->t.type == TOK_NUMBER &&
							      p->t.len == 1 && p->s[p->pos] == '1'))) {
			it->agg = AGG_COUNT_STAR;      /* COUNT(1) counts rows too */
			advance(p);
		} else {
			int rc;
			if (accept_kw(p, "distinct")) {
				if (it->agg != AGG_COUNT)
					return NOT_PUSHABLE;
				it->agg = AGG_COUNT_DISTINCT;
			}
			if ((rc = colref(p, &it->col)) != 0)
				return rc;
			skip_own_collate(p);
		}
		if (p->t.type != TOK_RPAREN)
			return NOT_PUSHABLE;
		advance(p);
		p->out->has_aggregate = 1;
		return 0;
	}
	if (is_punct(p, '*')) {
		it->star = 1;
		advance(p);
		return 0;
	}
	if (p->t.type == TOK_WORD || p->t.type == TOK_QIDENT) {   /* q.* */
		sql_lex(p->s, p->len, p->t.pos + p->t.len, &next);
		if (next.type == TOK_PUNCT && p->s[next.pos] == '.') {
			struct sql_token star;
			sql_lex(p->s, p->len, next.pos + 1, &star);
			if (star.type == TOK_PUNCT && p->s[star.pos] == '*') {
				int rc = ident(p, &it->col.qualifier);
				if (rc)
					return rc;
				advance(p);            /* . */
				it->star = 1;
				advance(p);            /* * */
				return 0;
			}
		}
	}
	return colref(p, &it->col);
}

static int select_list(struct parser *p)
{
	struct ast_select *s = p->out;
	int rc;
	for (;;) {
		struct ast_item *it;
		size_t end;
		if (s->nitems == AST_MAX_ITEMS)
			return NOT_PUSHABLE;
		it = &s->items[s->nitems++];
		it->pos = p->pos;
		if ((rc = item_expr(p, it)) != 0)
			return rc;
		end = p->prev_end;
		it->len = end - it->pos;
		if (accept_kw(p, "as") || p->t.type == TOK_QIDENT ||
		    (p->t.type == TOK_WORD && !is_reserved(p))) {
			if ((rc = ident(p, &it->alias)) != 0)
				return rc;
		}
		if (p->t.type != TOK_COMMA)
			return 0;
		advance(p);
	}
}

static int from_clause(struct parser *p)
{
	struct ast_select *s = p->out;
	int rc;
	if (!accept_kw(p, "from"))
		return NOT_PUSHABLE;
	s->table_pos = p->pos;
	if ((rc = ident(p, &s->table)) != 0)
		return rc;
	if (is_punct(p, '.'))
		return NOT_PUSHABLE;                /* schema.table */
	if (accept_kw(p, "as") || p->t.type == TOK_QIDENT ||
	    (p->t.type == TOK_WORD && !is_reserved(p))) {
		if ((rc = ident(p, &s->alias)) != 0)
			return rc;
	}
	s->table_end = p->prev_end;
	return 0;
}

static int group_by(struct parser *p)
{
	struct ast_select *s = p->out;
	int rc;
	if (!accept_kw(p, "group"))
		return 0;
	if (!accept_kw(p, "by"))
		return NOT_PUSHABLE;
	s->has_aggregate = 1;
	for (;;) {
		if (s->ngroup == AST_MAX_ITEMS)
			return NOT_PUSHABLE;
		if ((rc = colref(p, &s->group[s->ngroup++])) != 0)
			return rc;
		if (p->t.type != TOK_COMMA)
			return 0;
		advance(p);
	}
}

static int order_by(struct parser *p)
{
	struct ast_select *s = p->out;
	int rc;
	if (!accept_kw(p, "order"))
		return 0;
	if (!accept_kw(p, "by"))
		return NOT_PUSHABLE;
	for (;;) {
		struct ast_order *o;
		if (s->norder == AST_MAX_ITEMS)
			return NOT_PUSHABLE;
		o = &s->order[s->norder++];
		if (p->t.type == TOK_NUMBER) {
			long v;
			char num[16];
			if (p->t.len >= sizeof(num))
				return NOT_PUSHABLE;
			memcpy(num, p->s + p->t.pos, p->t.len);
			num[p->t.len] = '\0';
			if (dv_parse_long(num, &v) != 0 || v < 1 || (size_t)v > s->nitems)
				return NOT_PUSHABLE;
			o->position = (int)v;
			advance(p);
		} else if ((rc = colref(p, &o->col)) != 0) {
			return rc;
		}
		if (accept_kw(p, "desc"))
			o->desc = 1;
		else
			accept_kw(p, "asc");
		if (p->t.type != TOK_COMMA)
			return 0;
		advance(p);
	}
}

static int limit(struct parser *p)
{
	struct ast_select *s = p->out;
	int64_t v;
	char num[24];
	s->limit = -1;
	if (!accept_kw(p, "limit"))
		return 0;
	if (p->t.type != TOK_NUMBER || p->t.len >= sizeof(num))
		return NOT_PUSHABLE;
	memcpy(num, p->s + p->t.pos, p->t.len);
	num[p->t.len] = '\0';
	if (dv_parse_int64(num, &v) != 0 || v < 0)
		return NOT_PUSHABLE;
	s->limit = v;
	advance(p);
	return 0;
}

/* SELECT DISTINCT a, b ... is SELECT a, b ... GROUP BY a, b: the same rows
 * (NULLs form one group as they are one distinct value), so the pushdown
 * can send it as $apply=groupby((a,b)) under the GROUP BY rules.  Only for
 * plain column items; anything else is not pushable. */
static int distinct_as_group_by(struct ast_select *s)
{
	size_t i;
	if (s->has_aggregate || s->ngroup > 0)
		return NOT_PUSHABLE;
	for (i = 0; i < s->nitems; i++) {
		const struct ast_item *it = &s->items[i];
		if (it->star || it->agg != AGG_NONE || !it->col.name)
			return NOT_PUSHABLE;
		s->group[i].name = dv_strdup(it->col.name);
		s->group[i].qualifier = it->col.qualifier ? dv_strdup(it->col.qualifier) : NULL;
		s->ngroup = i + 1;
		if (!s->group[i].name || (it->col.qualifier && !s->group[i].qualifier))
			return -1;
	}
	s->has_aggregate = 1;
	return 0;
}

/* sub := SELECT (* | number | col) FROM name [[AS] name] [WHERE or], then
 * the ')' that closes it. */
static int sub_statement(struct parser *p)
{
	struct ast_select *s = p->out;
	struct ast_item *it = &s->items[0];
	int rc;
	if (!accept_kw(p, "select"))
		return NOT_PUSHABLE;
	s->nitems = 1;
	it->pos = p->pos;
	if (is_punct(p, '*')) {
		it->star = 1;
		advance(p);
	} else if (p->t.type == TOK_NUMBER) {
		advance(p);                         /* SELECT 1: no column */
	} else if ((rc = colref(p, &it->col)) != 0) {
		return rc;
	}
	it->len = p->prev_end - it->pos;
	if ((rc = from_clause(p)) != 0)
		return rc;
	if (accept_kw(p, "where")) {
		s->where_pos = p->pos;
		if ((rc = parse_or(p, &s->where)) != 0)
			return rc;
		s->where_end = p->prev_end;
	}
	if (p->t.type != TOK_RPAREN)
		return NOT_PUSHABLE;
	advance(p);
	return 0;
}

/* At SELECT after '(': the subquery into a new *out (owned by the node). */
static int subquery(struct parser *p, struct ast_select **out)
{
	struct ast_select *outer = p->out, *sub;
	int rc;
	if (p->in_sub)
		return NOT_PUSHABLE;
	sub = calloc(1, sizeof(*sub));
	if (!sub)
		return NOMEM;
	*out = sub;
	sub->limit = -1;
	sub->nparams = outer->nparams;
	p->out = sub;
	p->in_sub = 1;
	rc = sub_statement(p);
	p->in_sub = 0;
	p->out = outer;
	outer->nparams = sub->nparams;
	outer->local_hint |= sub->local_hint;
	return rc;
}

static int statement(struct parser *p)
{
	int rc, distinct;
	if (!accept_kw(p, "select"))
		return NOT_PUSHABLE;
	distinct = accept_kw(p, "distinct");
	if ((rc = select_list(p)) != 0 || (rc = from_clause(p)) != 0)
		return rc;
	if (accept_kw(p, "where")) {
		p->out->where_pos = p->pos;
		if ((rc = parse_or(p, &p->out->where)) != 0)
			return rc;
		p->out->where_end = p->prev_end;
	}
	if ((rc = group_by(p)) != 0 || (rc = order_by(p)) != 0 || (rc = limit(p)) != 0)
		return rc;
	if (p->t.type == TOK_SEMI)
		advance(p);
	if (p->t.type != TOK_END)
		return NOT_PUSHABLE;
	return distinct ? distinct_as_group_by(p->out) : 0;
}

int sqlparse_select(const char *sql, size_t len, struct ast_select *out)
{
	struct parser p;
	int rc;
	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.s = sql;
	p.len = len;
	p.out = out;
	p.t.type = TOK_END;
	p.pos = 0;
	advance(&p);
	rc = statement(&p);
	if (rc != 0) {
		int hint = out->local_hint;
		ast_select_free(out);
		out->local_hint = hint;
	}
	return rc;
}

void ast_select_free(struct ast_select *s)
{
	size_t i;
	for (i = 0; i < s->nitems; i++) {
		colref_free(&s->items[i].col);
		free(s->items[i].alias);
	}
	for (i = 0; i < s->ngroup; i++)
		colref_free(&s->group[i]);
	for (i = 0; i < s->norder; i++)
		colref_free(&s->order[i].col);
	free(s->table);
	free(s->alias);
	expr_free(s->where);
	memset(s, 0, sizeof(*s));
	s->limit = -1;
}
