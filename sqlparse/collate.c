/* collate.c - text compares as the service compares it, after any expression.
 *
 * The service compares text with its collation (case- and accent-
 * insensitive) wherever it compares, and so must the local engine (design
 * decision 1).  Entity text columns are declared COLLATE DVNOCASE, but
 * SQLite applies a collation only to an operand that is such a column or
 * carries an explicit COLLATE somewhere inside it: TRIM(name) = 'x',
 * name || '' = 'x', ORDER BY upper(name), DISTINCT coalesce(city, ''),
 * MIN(name) in HAVING or a UNION of CASE results all compared bytes.  An
 * explicit COLLATE propagates up through every operator, function argument,
 * CASE and CAST (https://www.sqlite.org/datatype3.html#collation), so this
 * pass attaches " COLLATE DVNOCASE" to the leaves of such expressions:
 *  - inside a function's argument list and inside CASE ... END: every
 *    column reference, string literal and parameter (not in the arguments
 *    of functions that return numbers or date-times: count(), length(), ...);
 *  - around "||": the operand next to it on each side;
 *  - a string literal or parameter compared (= == <> != < <= > >= IS) with
 *    something that is not a bare column (MIN(name) = 'x', ? = 'x').
 * It leaves alone what already compares right and what the pushdown reads:
 * bare columns (their declared collation applies), literals compared with a
 * bare column ("name = 'x'" stays a constant SQLite hands the virtual table),
 * IN lists, BETWEEN bounds, LIKE patterns (like() folds by itself), the
 * table-valued function arguments of a FROM clause, INSERT column lists,
 * CTE column lists, the type in CAST(x AS type), collation names, aliases,
 * and statements other than SELECT/VALUES/WITH/INSERT/UPDATE/DELETE.
 * A select-list item without an alias that was changed gets its old text as
 * alias (AS "upper(name)"), so result column names stay as before.  The pass
 * is idempotent (a leaf already followed by COLLATE is left alone).
 * LIMIT: a comparison of two parenthesized bare columns or subquery results
 * with no literal, e.g. (SELECT name ...) = (SELECT fullname ...), compares
 * bytes; LIKE with a parameter or expression pattern is unaffected anyway. */
#include "sqlparse/collate.h"

#include <stdlib.h>
#include <string.h>

#include "sqlparse/lexer.h"
#include "util/strutil.h"

#define COLLATE_TEXT " COLLATE DVNOCASE"
#define MAX_NEST 200

struct ctok {
	enum sql_tok type;
	size_t pos, len;
	unsigned char mark;        /* insert COLLATE after this token */
	size_t alias_from, alias_to;   /* alias after this token: text span, from < to */
};

struct cpass {
	const char *s;
	size_t len;
	struct ctok *t;
	size_t n;
	int depth;
	int failed;
};

enum frame { FR_STMT, FR_PAREN, FR_FUNC, FR_CAST, FR_CASE, FR_SKIP };

/* Words that are never a column reference inside an expression. */
static const char *const keywords[] = {
	"all", "and", "as", "asc", "between", "by", "case", "cast", "collate", "cross",
	"current", "current_date", "current_time", "current_timestamp", "default", "desc",
	"distinct", "else", "end", "escape", "except", "exclude", "exists", "false", "filter",
	"first", "following", "from", "full", "glob", "group", "groups", "having", "in",
	"inner", "intersect", "into", "is", "isnull", "join", "last", "left", "like", "limit",
	"match", "natural", "no", "not", "notnull", "null", "nulls", "offset", "on", "or",
	"order", "others", "outer", "over", "partition", "preceding", "range", "recursive",
	"regexp", "returning", "right", "row", "rows", "select", "set", "then", "ties", "true",
	"unbounded", "union", "using", "values", "when", "where", "window", "with", "materialized",
	"do", "nothing", "conflict", "update", "delete", "insert", "replace", "table", NULL
};

/* Functions whose result never compares differently under the collation
 * (numbers, counts, date-time text): their arguments are left alone, which
 * keeps COUNT/SUM/AVG items as the pushdown parser reads them. */
static const char *const plain_functions[] = {
	"count", "sum", "avg", "total", "abs", "round", "floor", "ceil", "ceiling", "length",
	"octet_length", "instr", "odbc_locate", "sign", "sqrt", "exp", "ln", "log", "log10",
	"log2", "pow", "power", "mod", "pi", "random", "date", "time", "datetime", "julianday",
	"unixepoch", "strftime", "typeof", "last_insert_rowid", "changes", "total_changes",
	"dv_round", NULL
};

/* Keywords after which a '(' is not a function's argument list. */
static const char *const paren_keywords[] = {
	"in", "exists", "values", "using", "as", "over", "filter", "on", "where", "and", "or",
	"not", "select", "from", "by", "when", "then", "else", "case", "between", "is", "like",
	"glob", "match", "regexp", "escape", "having", "join", "into", "table", "recursive",
	"with", "union", "all", "distinct", "intersect", "except", "limit", "offset", "set",
	"returning", "default", "check", "collate", "conflict", "materialized", "window",
	"partition", "do", NULL
};

static int is_word(const struct cpass *p, size_t i, const char *kw)
{
	return i < p->n && sql_tok_is(p->s, &(struct sql_token){p->t[i].type, p->t[i].pos,
							    p->t[i].len}, kw);
}

static int in_list(const struct cpass *p, size_t i, const char *const *list)
{
	size_t k;
	if (i >= p->n || p->t[i].type != TOK_WORD)
		return 0;
	for (k = 0; list[k]; k++)
		if (is_word(p, i, list[k]))
			return 1;
	return 0;
}

static int is_punct(const struct cpass *p, size_t i, char c)
{
	return i < p->n && p->t[i].type == TOK_PUNCT && p->s[p->t[i].pos] == c;
}

/* Two one-character tokens written together ("||", "<=", ...). */
static int adjacent(const struct cpass *p, size_t i)
{
	return i + 1 < p->n && p->t[i].pos + 1 == p->t[i + 1].pos;
}

static int is_concat(const struct cpass *p, size_t i)
{
	return is_punct(p, i, '|') && is_punct(p, i + 1, '|') && adjacent(p, i);
}

/* An identifier: a bare word that is not a keyword, or a quoted one. */
static int is_ident(const struct cpass *p, size_t i)
{
	if (i >= p->n)
		return 0;
	if (p->t[i].type == TOK_QIDENT)
		return 1;
	return p->t[i].type == TOK_WORD && !in_list(p, i, keywords);
}

static int is_text_literal(const struct cpass *p, size_t i)
{
	return i < p->n && p->t[i].type == TOK_STRING && p->s[p->t[i].pos] == '\'';
}

/* The last token of a value leaf starting at i ('x', ?, ?12), or i - 1... as
 * (size_t)-1 when i is not one. */
static size_t value_end(const struct cpass *p, size_t i)
{
	if (is_text_literal(p, i))
		return i;
	if (i < p->n && p->t[i].type == TOK_PARAM) {
		if (i + 1 < p->n && p->t[i + 1].type == TOK_NUMBER && adjacent(p, i))
			return i + 1;
		return i;
	}
	return (size_t)-1;
}

/* The last token of a column reference a[.b[.c]] starting at i, or -1 when
 * i does not start one (a function call, a keyword). */
static size_t column_end(const struct cpass *p, size_t i)
{
	if (!is_ident(p, i))
		return (size_t)-1;
	while (is_punct(p, i + 1, '.') && is_ident(p, i + 2))
		i += 2;
	if (i + 1 < p->n && p->t[i + 1].type == TOK_LPAREN)
		return (size_t)-1;
	return i;
}

/* The first token of a column reference ending at e, or -1. */
static size_t column_start(const struct cpass *p, size_t e)
{
	if (e >= p->n || !is_ident(p, e))
		return (size_t)-1;
	while (e >= 2 && is_punct(p, e - 1, '.') && is_ident(p, e - 2))
		e -= 2;
	if (e >= 1 && (is_word(p, e - 1, "as") || is_word(p, e - 1, "collate")))
		return (size_t)-1;
	return e;
}

static int higher_op(const struct cpass *p, size_t i)
{
	static const char ops[] = "|+-*/%&~";
	return i < p->n && p->t[i].type == TOK_PUNCT && strchr(ops, p->s[p->t[i].pos]) &&
	       p->s[p->t[i].pos] != '\0';
}

static void mark(struct cpass *p, size_t i)
{
	if (i + 1 < p->n && is_word(p, i + 1, "collate"))
		return;                         /* already has one (the user's or ours) */
	p->t[i].mark = 1;
}

/* A comparison operator ending just before k: its first token, or -1. */
static size_t cmp_before(const struct cpass *p, size_t k)
{
	size_t e;
	if (k == 0)
		return (size_t)-1;
	e = k - 1;
	if (is_word(p, e, "is"))
		return e;
	if (is_word(p, e, "not") && e > 0 && is_word(p, e - 1, "is"))
		return e - 1;
	if (p->t[e].type != TOK_PUNCT)
		return (size_t)-1;
	switch (p->s[p->t[e].pos]) {
	case '=':
		if (e > 0 && adjacent(p, e - 1) && p->t[e - 1].type == TOK_PUNCT &&
		    strchr("=!<>", p->s[p->t[e - 1].pos]))
			return e - 1;
		return e;
	case '>':
		if (e > 0 && adjacent(p, e - 1) && is_punct(p, e - 1, '>'))
			return (size_t)-1;         /* >> */
		return (e > 0 && adjacent(p, e - 1) && is_punct(p, e - 1, '<')) ? e - 1 : e;
	case '<':
		if (e > 0 && adjacent(p, e - 1) && is_punct(p, e - 1, '<'))
			return (size_t)-1;         /* << */
		return e;
	default:
		return (size_t)-1;
	}
}

/* A comparison operator starting at k: the token after it, or -1. */
static size_t cmp_after(const struct cpass *p, size_t k)
{
	char c, d;
	if (is_word(p, k, "is"))
		return is_word(p, k + 1, "not") ? k + 2 : k + 1;
	if (k >= p->n || p->t[k].type != TOK_PUNCT)
		return (size_t)-1;
	c = p->s[p->t[k].pos];
	d = adjacent(p, k) && p->t[k + 1].type == TOK_PUNCT ? p->s[p->t[k + 1].pos] : '\0';
	if (c == '=')
		return d == '=' ? k + 2 : k + 1;
	if (c == '!')
		return d == '=' ? k + 2 : (size_t)-1;
	if (c == '<' || c == '>') {
		if (d == c)
			return (size_t)-1;         /* << >> */
		return (d == '=' || (c == '<' && d == '>')) ? k + 2 : k + 1;
	}
	return (size_t)-1;
}

/* Statement mode: the literal or parameter first..last is compared with
 * something that is not a bare column -> it carries the collation. */
static void compared_value(struct cpass *p, size_t first, size_t last)
{
	size_t op = cmp_before(p, first), other;
	if (op != (size_t)-1) {
		size_t s = op > 0 ? column_start(p, op - 1) : (size_t)-1;
		if (s == (size_t)-1 || (s > 0 && higher_op(p, s - 1)))
			mark(p, last);
		return;
	}
	other = cmp_after(p, last + 1);
	if (other != (size_t)-1) {
		size_t e = column_end(p, other);
		if (e == (size_t)-1 || higher_op(p, e + 1))
			mark(p, last);
	}
}

/* Statement mode: the operands next to "||" at k, k + 1. */
static void concat_operands(struct cpass *p, size_t k)
{
	size_t e;
	if (k > 0 && (value_end(p, k - 1) == k - 1 || column_start(p, k - 1) != (size_t)-1))
		mark(p, k - 1);
	if (k > 1 && p->t[k - 1].type == TOK_NUMBER && p->t[k - 2].type == TOK_PARAM)
		mark(p, k - 1);                 /* ?12 */
	e = value_end(p, k + 2);
	if (e == (size_t)-1)
		e = column_end(p, k + 2);
	if (e != (size_t)-1)
		mark(p, e);
}

/* The index of the ')' matching the '(' at i, or p->n. */
static size_t matching(const struct cpass *p, size_t i)
{
	int d = 0;
	for (; i < p->n; i++) {
		if (p->t[i].type == TOK_LPAREN)
			d++;
		else if (p->t[i].type == TOK_RPAREN && --d == 0)
			return i;
	}
	return p->n;
}

/* What the '(' at i opens; from_clause: a FROM clause of this statement. */
static enum frame paren_kind(const struct cpass *p, size_t i, int from_clause)
{
	size_t close;
	if (is_word(p, i + 1, "select") || is_word(p, i + 1, "with") ||
	    is_word(p, i + 1, "values"))
		return FR_STMT;
	if (i == 0)
		return FR_PAREN;
	if (is_word(p, i - 1, "cast"))
		return FR_CAST;
	if (p->t[i - 1].type != TOK_QIDENT &&
	    (p->t[i - 1].type != TOK_WORD || in_list(p, i - 1, paren_keywords)))
		return FR_PAREN;
	/* name( : a function, unless a table-valued function in FROM, the
	 * column list of INSERT INTO t(..) or of a CTE x(..) AS (..) */
	if (from_clause)
		return FR_SKIP;
	if ((i >= 2 && is_word(p, i - 2, "into")) ||
	    (i >= 4 && is_punct(p, i - 2, '.') && is_word(p, i - 4, "into")))
		return FR_SKIP;
	close = matching(p, i);
	if (is_word(p, close + 1, "as") &&
	    (close + 2 < p->n && (p->t[close + 2].type == TOK_LPAREN ||
				  is_word(p, close + 2, "materialized") ||
				  is_word(p, close + 2, "not"))))
		return FR_SKIP;
	return in_list(p, i - 1, plain_functions) ? FR_PAREN : FR_FUNC;
}

static size_t scan(struct cpass *p, size_t i, enum frame kind, int coll);

/* Statement-level select-list bookkeeping. */
struct stmt_state {
	int in_list;
	size_t item;             /* first token of the current item */
	int from_clause;
};

static int clause_word(const struct cpass *p, size_t i)
{
	static const char *const w[] = {"from", "where", "group", "having", "order", "limit",
					 "window", "union", "intersect", "except", NULL};
	return in_list(p, i, w);
}

/* Ends the select-list item item..end-1: a changed item without an alias
 * gets its old text as one. */
static void end_item(struct cpass *p, size_t item, size_t end)
{
	size_t k, last;
	int changed = 0;
	if (end <= item)
		return;
	last = end - 1;
	for (k = item; k < last; k++)        /* a mark on the last token is on the item too */
		changed |= p->t[k].mark;
	changed |= p->t[last].mark;
	if (!changed)
		return;
	if (end - item >= 2 && is_ident(p, last) &&
	    (is_word(p, last - 1, "as") || is_word(p, last - 1, "end") || is_ident(p, last - 1) ||
	     p->t[last - 1].type == TOK_RPAREN || p->t[last - 1].type == TOK_STRING ||
	     p->t[last - 1].type == TOK_NUMBER || p->t[last - 1].type == TOK_PARAM))
		return;                         /* "expr AS x" or "expr x" */
	p->t[last].alias_from = p->t[item].pos;
	p->t[last].alias_to = p->t[last].pos + p->t[last].len;
}

static void stmt_token(struct cpass *p, struct stmt_state *st, size_t i)
{
	if (is_word(p, i, "select")) {
		st->in_list = 1;
		st->from_clause = 0;
		st->item = i + 1;
		if (is_word(p, i + 1, "distinct") || is_word(p, i + 1, "all"))
			st->item = i + 2;
		return;
	}
	if (st->in_list && (clause_word(p, i) || p->t[i].type == TOK_SEMI ||
			    p->t[i].type == TOK_COMMA)) {
		end_item(p, st->item, i);
		st->item = i + 1;
		if (p->t[i].type != TOK_COMMA)
			st->in_list = 0;
	}
	if (is_word(p, i, "from"))
		st->from_clause = 1;
	else if (clause_word(p, i) || is_word(p, i, "on") || is_word(p, i, "using") ||
		 is_word(p, i, "set"))
		st->from_clause = 0;
}

/* One leaf in collating mode. */
static size_t leaf(struct cpass *p, size_t i)
{
	size_t e = value_end(p, i);
	if (e == (size_t)-1 && column_start(p, i) == i &&
	    !(i > 0 && is_punct(p, i - 1, '.')))
		e = column_end(p, i);
	if (e != (size_t)-1) {
		mark(p, e);
		return e + 1;
	}
	return i + 1;
}

/* Scans tokens from i up to the end of a frame of the given kind: ')' for
 * parentheses (returned), END for CASE (returned), the end of input or an
 * unmatched ')' for a statement.  coll: leaves collate. */
static size_t scan(struct cpass *p, size_t i, enum frame kind, int coll)
{
	struct stmt_state st = {0, 0, 0};
	int after_as = 0;
	if (++p->depth > MAX_NEST) {
		p->failed = 1;
		p->depth--;
		return p->n;
	}
	while (i < p->n) {
		const struct ctok *t = &p->t[i];
		if (t->type == TOK_RPAREN && kind != FR_CASE)
			break;
		if (kind == FR_CASE && is_word(p, i, "end"))
			break;
		if (kind == FR_STMT)
			stmt_token(p, &st, i);
		if (kind == FR_CAST && is_word(p, i, "as"))
			after_as = 1;
		if (after_as) {
			if (t->type == TOK_LPAREN)
				i = matching(p, i);
			i++;
			continue;
		}
		if (t->type == TOK_LPAREN) {
			enum frame k = paren_kind(p, i, kind == FR_STMT && st.from_clause);
			size_t close;
			if (k == FR_SKIP) {
				i = matching(p, i) + 1;
				continue;
			}
			close = scan(p, i + 1, k, k == FR_FUNC ? 1 : k == FR_STMT ? 0 : coll);
			i = close + 1;
			continue;
		}
		if (t->type == TOK_RPAREN) {    /* an unmatched one in CASE: let the caller see it */
			break;
		}
		if (is_word(p, i, "case")) {
			i = scan(p, i + 1, FR_CASE, 1) + 1;
			continue;
		}
		if (coll) {
			i = leaf(p, i);
			continue;
		}
		if (is_concat(p, i)) {
			concat_operands(p, i);
			i += 2;
			continue;
		}
		if (value_end(p, i) != (size_t)-1) {
			size_t e = value_end(p, i);
			compared_value(p, i, e);
			i = e + 1;
			continue;
		}
		i++;
	}
	if (i > p->n)   /* past an unclosed '(' or CASE: the end of input */
		i = p->n;
	if (kind == FR_STMT && st.in_list)
		end_item(p, st.item, i);
	p->depth--;
	return i;
}

static int collated_kind(const char *s, size_t len)
{
	static const char *const kinds[] = {"select", "with", "values", "insert", "update",
					    "delete", "replace", NULL};
	struct sql_token t;
	size_t pos = 0, k;
	for (;;) {
		sql_lex(s, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			return 0;
		if (!sql_tok_blank(&t) && t.type != TOK_LPAREN && t.type != TOK_SEMI)
			break;
		pos = t.pos + t.len;
	}
	for (k = 0; kinds[k]; k++)
		if (sql_tok_is(s, &t, kinds[k]))
			return 1;
	return 0;
}

static int tokenize(struct cpass *p)
{
	size_t pos = 0, cap = 64;
	struct sql_token t;
	p->t = malloc(cap * sizeof(*p->t));
	if (!p->t)
		return -1;
	for (;;) {
		sql_lex(p->s, p->len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			return t.type == TOK_BAD ? 1 : 0;
		pos = t.pos + t.len;
		if (sql_tok_blank(&t))
			continue;
		if (p->n == cap) {
			struct ctok *n = realloc(p->t, cap * 2 * sizeof(*p->t));
			if (!n)
				return -1;
			p->t = n;
			cap *= 2;
		}
		memset(&p->t[p->n], 0, sizeof(p->t[p->n]));
		p->t[p->n].type = t.type;
		p->t[p->n].pos = t.pos;
		p->t[p->n].len = t.len;
		p->n++;
	}
}

static int append_alias(struct dv_buf *out, const char *s, size_t from, size_t to)
{
	size_t i;
	if (dv_buf_appends(out, " AS \"") != 0)
		return -1;
	for (i = from; i < to; i++)
		if ((s[i] == '"' && dv_buf_appendc(out, '"') != 0) || dv_buf_appendc(out, s[i]) != 0)
			return -1;
	return dv_buf_appendc(out, '"');
}

int sqlparse_collate(const char *sql, size_t len, struct dv_buf *out)
{
	struct cpass p;
	size_t i, at = 0;
	int rc;
	memset(&p, 0, sizeof(p));
	p.s = sql;
	p.len = len;
	if (!collated_kind(sql, len))
		return dv_buf_append(out, sql, len);
	rc = tokenize(&p);
	if (rc == 0) {
		i = 0;
		while (i < p.n && !p.failed)
			i = scan(&p, i, FR_STMT, 0) + 1;   /* an unmatched ')' ends a round */
	}
	if (rc != 0 || p.failed) {
		free(p.t);
		return rc < 0 ? -1 : dv_buf_append(out, sql, len);
	}
	for (i = 0; i < p.n; i++) {
		size_t end = p.t[i].pos + p.t[i].len;
		if (!p.t[i].mark && p.t[i].alias_to == 0)
			continue;
		if (dv_buf_append(out, sql + at, end - at) != 0)
			goto nomem;
		at = end;
		if (p.t[i].mark && dv_buf_appends(out, COLLATE_TEXT) != 0)
			goto nomem;
		if (p.t[i].alias_to &&
		    append_alias(out, sql, p.t[i].alias_from, p.t[i].alias_to) != 0)
			goto nomem;
	}
	free(p.t);
	return dv_buf_append(out, sql + at, len - at);
nomem:
	free(p.t);
	return -1;
}
