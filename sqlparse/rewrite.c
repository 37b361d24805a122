/* rewrite.c - ODBC SQL to SQLite SQL (sqlparse_rewrite, see sqlparse.h).
 *
 * HOW IT WORKS: one pass over the tokens copies the text through, except:
 *  - '{' starts an ODBC escape.  Its body is rewritten recursively up to the
 *    matching '}' into a scratch buffer (so nested escapes are already gone),
 *    then escape.c turns the body into SQLite text.
 *    Source: https://learn.microsoft.com/sql/odbc/reference/develop-app/escape-sequences-in-odbc
 *  - "SELECT [DISTINCT|ALL] TOP n" loses "TOP n" and gets " LIMIT n" after
 *    the last meaningful token of the same parenthesis level (the end of the
 *    statement, or just before the ')' closing a subquery).  TOP n PERCENT
 *    and WITH TIES have no SQLite form: 42000.
 *  - '?' outside literals, identifiers and comments is counted.
 * Then collate.c attaches COLLATE DVNOCASE where an expression would
 * otherwise compare text as bytes (text compares as the service does). */
#include "sqlparse/sqlparse.h"

#include <stdlib.h>
#include <string.h>

#include "sqlparse/collate.h"
#include "sqlparse/escape.h"
#include "sqlparse/lexer.h"
#include "util/buf.h"
#include "util/strutil.h"

#define RW_MAX_DEPTH 64

struct rw {
	const char *s;
	size_t len;
	size_t pos;
	int nparams;
	struct dv_error *err;
};

/* The state of one output buffer: pending TOP limits per paren level. */
struct rw_out {
	struct dv_buf *buf;
	size_t last_sig;                /* buf->len after the last meaningful token */
	int depth;
	char limit[RW_MAX_DEPTH][24];   /* "" = none pending at that level */
};

static int rw_seq(struct rw *r, struct dv_buf *out, int in_escape);

static int nomem(struct rw *r)
{
	return dv_error_nomem(r->err);
}

/* Inserts text at offset `at` of b. */
static int buf_insert(struct dv_buf *b, size_t at, const char *text)
{
	size_t n = strlen(text), tail = b->len - at;
	if (dv_buf_append(b, text, n) != 0)
		return -1;
	memmove(b->data + at + n, b->data + at, tail);
	memcpy(b->data + at, text, n);
	return 0;
}

static int flush_limit(struct rw *r, struct rw_out *o)
{
	char text[40];
	char *lim = o->limit[o->depth];
	if (!lim[0])
		return 0;
	memcpy(text, " LIMIT ", 7);
	dv_strlcpy(text + 7, lim, sizeof(text) - 7);
	if (buf_insert(o->buf, o->last_sig, text) != 0)
		return nomem(r);
	o->last_sig += strlen(text);
	lim[0] = '\0';
	return 0;
}

static void next_sig(struct rw *r, size_t pos, struct sql_token *t)
{
	for (;;) {
		sql_lex(r->s, r->len, pos, t);
		if (!sql_tok_blank(t))
			return;
		pos += t->len;
	}
}

/* At "TOP": reads "n" or "(n)", rejects PERCENT / WITH TIES, records the limit.
 * r->pos is left after the consumed text. */
static int take_top(struct rw *r, struct rw_out *o, const struct sql_token *top)
{
	struct sql_token t, close;
	int paren = 0;
	size_t errpos = top->pos + 1;
	next_sig(r, top->pos + top->len, &t);
	if (t.type == TOK_LPAREN) {
		paren = 1;
		next_sig(r, t.pos + 1, &t);
	}
	if (t.type != TOK_NUMBER || memchr(r->s + t.pos, '.', t.len) ||
	    t.len >= sizeof(o->limit[0]))
		return dv_error_set(r->err, DV_S_42000, 0,
				    "TOP needs a whole number at position %zu", errpos);
	memcpy(o->limit[o->depth], r->s + t.pos, t.len);
	o->limit[o->depth][t.len] = '\0';
	r->pos = t.pos + t.len;
	if (paren) {
		next_sig(r, r->pos, &close);
		if (close.type != TOK_RPAREN)
			return dv_error_set(r->err, DV_S_42000, 0,
					    "missing ')' after TOP at position %zu", errpos);
		r->pos = close.pos + 1;
	}
	next_sig(r, r->pos, &t);
	if (sql_tok_is(r->s, &t, "PERCENT"))
		return dv_error_set(r->err, DV_S_42000, 0,
				    "TOP n PERCENT is not supported (position %zu)", errpos);
	if (sql_tok_is(r->s, &t, "WITH"))
		return dv_error_set(r->err, DV_S_42000, 0,
				    "TOP n WITH TIES is not supported (position %zu)", errpos);
	return 0;
}

/* After SELECT: copies [DISTINCT|ALL] and handles a following TOP. */
static int after_select(struct rw *r, struct rw_out *o)
{
	struct sql_token t;
	size_t from = r->pos;
	next_sig(r, r->pos, &t);
	if (sql_tok_is(r->s, &t, "DISTINCT") || sql_tok_is(r->s, &t, "ALL")) {
		next_sig(r, t.pos + t.len, &t);
		if (!sql_tok_is(r->s, &t, "TOP"))
			return 0;
		/* copy " DISTINCT" through, then the TOP */
		{
			struct sql_token d;
			next_sig(r, from, &d);
			if (dv_buf_append(o->buf, r->s + from, d.pos + d.len - from) != 0)
				return nomem(r);
			o->last_sig = o->buf->len;
			from = d.pos + d.len;
		}
	}
	if (!sql_tok_is(r->s, &t, "TOP"))
		return 0;
	{
		/* "SELECT top FROM t" selects a column named top */
		struct sql_token n;
		next_sig(r, t.pos + t.len, &n);
		if (n.type != TOK_NUMBER && n.type != TOK_LPAREN)
			return 0;
	}
	if (o->limit[o->depth][0])
		return dv_error_set(r->err, DV_S_42000, 0, "two TOP clauses at one level");
	r->pos = from;
	return take_top(r, o, &t);
}

static int escape_keyword(const char *s, const struct sql_token *t, char *kw, size_t size)
{
	if (t->type != TOK_WORD || t->len >= size)
		return -1;
	memcpy(kw, s + t->pos, t->len);
	kw[t->len] = '\0';
	return 0;
}

static int is_blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Dispatches one escape on its keyword; body holds the rewritten body. */
static int escape_emit(struct rw *r, const char *kw, const struct dv_buf *body,
		       size_t errpos, struct dv_buf *out)
{
	const char *b = dv_buf_str(body);
	size_t n = body->len;
	while (n > 0 && is_blank_char(*b)) {
		b++;
		n--;
	}
	while (n > 0 && is_blank_char(b[n - 1]))
		n--;
	if (dv_strcasecmp(kw, "fn") == 0)
		return escape_fn(b, n, errpos, out, r->err);
	if (dv_strcasecmp(kw, "d") == 0)
		return escape_datetime('d', b, n, errpos, out, r->err);
	if (dv_strcasecmp(kw, "t") == 0)
		return escape_datetime('t', b, n, errpos, out, r->err);
	if (dv_strcasecmp(kw, "ts") == 0)
		return escape_datetime('s', b, n, errpos, out, r->err);
	if (dv_strcasecmp(kw, "oj") == 0)
		return dv_buf_append(out, b, n) == 0 ? 0 : nomem(r);
	if (dv_strcasecmp(kw, "escape") == 0) {
		if (dv_buf_appends(out, "ESCAPE ") != 0 || dv_buf_append(out, b, n) != 0)
			return nomem(r);
		return 0;
	}
	if (dv_strcasecmp(kw, "guid") == 0)
		return dv_buf_append(out, b, n) == 0 ? 0 : nomem(r);
	if (dv_strcasecmp(kw, "call") == 0)
		return dv_error_set(r->err, DV_S_HYC00, 0,
				    "a procedure call ({call ...}) must be the whole statement "
				    "(position %zu)",
				    errpos);
	return dv_error_set(r->err, DV_S_42000, 0, "unknown ODBC escape '{%s' at position %zu",
			    kw, errpos);
}

/* At '{' (r->pos just after it): rewrites the escape into out. */
static int rw_escape(struct rw *r, struct dv_buf *out, size_t brace)
{
	struct sql_token t;
	struct dv_buf body;
	char kw[16];
	size_t errpos = brace + 1;
	int rc;
	next_sig(r, r->pos, &t);
	if (t.type == TOK_PARAM)
		return dv_error_set(r->err, DV_S_HYC00, 0,
				    "a procedure call ({?= call ...}) must be the whole statement, "
				    "and its result comes as a result set (position %zu)",
				    errpos);
	if (escape_keyword(r->s, &t, kw, sizeof(kw)) != 0)
		return dv_error_set(r->err, DV_S_42000, 0,
				    "malformed ODBC escape at position %zu", errpos);
	r->pos = t.pos + t.len;
	dv_buf_init(&body, 0);
	rc = rw_seq(r, &body, 1);
	if (rc == 0)
		rc = escape_emit(r, kw, &body, errpos, out);
	dv_buf_free(&body);
	return rc;
}

static int rw_paren(struct rw *r, struct rw_out *o, enum sql_tok type)
{
	if (type == TOK_LPAREN) {
		if (o->depth + 1 >= RW_MAX_DEPTH)
			return dv_error_set(r->err, DV_S_42000, 0, "statement nested too deeply");
		o->depth++;
		o->limit[o->depth][0] = '\0';
		return 0;
	}
	if (flush_limit(r, o) != 0)
		return -1;
	if (o->depth > 0)
		o->depth--;
	return 0;
}

/* Copies tokens to out until the end (or, in an escape, the closing '}'). */
static int rw_seq(struct rw *r, struct dv_buf *out, int in_escape)
{
	struct rw_out o;
	struct sql_token t;
	memset(&o, 0, sizeof(o));
	o.buf = out;
	for (;;) {
		sql_lex(r->s, r->len, r->pos, &t);
		if (t.type == TOK_END) {
			if (in_escape)
				return dv_error_set(r->err, DV_S_42000, 0, "missing '}' at the end");
			return flush_limit(r, &o);
		}
		if (t.type == TOK_BAD)
			return dv_error_set(r->err, DV_S_42000, 0,
					    "unterminated quoted text at position %zu", t.pos + 1);
		r->pos = t.pos + t.len;
		if (t.type == TOK_RBRACE) {
			if (!in_escape)
				return dv_error_set(r->err, DV_S_42000, 0,
						    "unexpected '}' at position %zu", t.pos + 1);
			return flush_limit(r, &o);
		}
		if (t.type == TOK_LBRACE) {
			if (rw_escape(r, out, t.pos) != 0)
				return -1;
			o.last_sig = out->len;
			continue;
		}
		if ((t.type == TOK_RPAREN || t.type == TOK_SEMI) && flush_limit(r, &o) != 0)
			return -1;
		if ((t.type == TOK_LPAREN || t.type == TOK_RPAREN) && rw_paren(r, &o, t.type) != 0)
			return -1;
		if (t.type == TOK_PARAM)
			r->nparams++;
		if (dv_buf_append(out, r->s + t.pos, t.len) != 0)
			return nomem(r);
		if (!sql_tok_blank(&t))
			o.last_sig = out->len;
		if (sql_tok_is(r->s, &t, "SELECT") && after_select(r, &o) != 0)
			return -1;
	}
}

static enum sql_kind statement_kind(const char *s, size_t len)
{
	static const struct { const char *kw; enum sql_kind kind; } kinds[] = {
		{"SELECT", SQL_KIND_SELECT}, {"WITH", SQL_KIND_SELECT},
		{"VALUES", SQL_KIND_SELECT}, {"INSERT", SQL_KIND_INSERT},
		{"UPDATE", SQL_KIND_UPDATE}, {"DELETE", SQL_KIND_DELETE},
		{"UPSERT", SQL_KIND_UPSERT},
	};
	struct sql_token t;
	size_t pos = 0, i;
	for (;;) {
		sql_lex(s, len, pos, &t);
		if (t.type == TOK_END)
			return SQL_KIND_EMPTY;
		if (!sql_tok_blank(&t) && t.type != TOK_SEMI && t.type != TOK_LPAREN)
			break;
		pos += t.len;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (sql_tok_is(s, &t, kinds[i].kw))
			return kinds[i].kind;
	return SQL_KIND_OTHER;
}

/* The text of b with collations attached (collate.c); frees b. */
static char *collated(struct dv_buf *b)
{
	struct dv_buf out;
	int rc;
	dv_buf_init(&out, 0);
	rc = sqlparse_collate(dv_buf_str(b), b->len, &out);
	dv_buf_free(b);
	if (rc != 0) {
		dv_buf_free(&out);
		return NULL;
	}
	return dv_buf_steal(&out);
}

int sqlparse_rewrite(const char *sql, size_t len, struct sql_rewrite *out,
		     struct dv_error *err)
{
	struct rw r = {sql, len, 0, 0, err};
	struct dv_buf buf;
	out->sql = NULL;
	out->nparams = 0;
	out->kind = SQL_KIND_EMPTY;
	dv_buf_init(&buf, 0);
	if (rw_seq(&r, &buf, 0) != 0 || escape_casts(&buf, err) != 0) {
		dv_buf_free(&buf);
		return -1;
	}
	out->sql = collated(&buf);
	if (!out->sql)
		return dv_error_nomem(err);
	out->kind = statement_kind(out->sql, strlen(out->sql));
	out->nparams = r.nparams;
	return 0;
}

void sqlparse_rewrite_free(struct sql_rewrite *rw)
{
	if (!rw)
		return;
	free(rw->sql);
	rw->sql = NULL;
}
