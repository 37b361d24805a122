/* call.c - procedure calls in SQL text (see call.h). */
#include "sqlparse/call.h"
#include "sqlparse/lexer.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *s;
	size_t len, pos;
};

/* The next token that is not blank; pos moves past it. */
static void next(struct cursor *c, struct sql_token *t)
{
	do {
		sql_lex(c->s, c->len, c->pos, t);
		c->pos = t->pos + t->len;
	} while (sql_tok_blank(t));
}

static void peek(const struct cursor *c, struct sql_token *t)
{
	struct cursor k = *c;
	next(&k, t);
}

/* An identifier's text without its quotes (a doubled quote inside kept single). */
static int append_ident(struct dv_buf *b, const char *s, const struct sql_token *t)
{
	if (t->type == TOK_WORD)
		return dv_buf_append(b, s + t->pos, t->len);
	char close = s[t->pos] == '[' ? ']' : s[t->pos];
	for (size_t i = t->pos + 1; i + 1 < t->pos + t->len; i++) {
		if (s[i] == close && s[i + 1] == close)
			i++;
		if (dv_buf_appendc(b, s[i]) != 0)
			return -1;
	}
	return 0;
}

static int is_name_tok(const struct sql_token *t)
{
	return t->type == TOK_WORD || t->type == TOK_QIDENT;
}

/* name or entity.name */
static int parse_name(struct cursor *c, struct sql_call *out, struct dv_error *err)
{
	struct sql_token t;
	struct dv_buf b;
	next(c, &t);
	if (!is_name_tok(&t))
		return dv_error_set(err, DV_S_42000, 0,
				    "a procedure call needs the procedure's name at position %zu",
				    t.pos + 1);
	dv_buf_init(&b, 0);
	int rc = append_ident(&b, c->s, &t);
	peek(c, &t);
	if (t.type == TOK_PUNCT && t.len == 1 && c->s[t.pos] == '.') {
		next(c, &t);
		next(c, &t);
		if (!is_name_tok(&t)) {
			dv_buf_free(&b);
			return dv_error_set(err, DV_S_42000, 0,
					    "a name must follow '.' at position %zu", t.pos + 1);
		}
		rc |= dv_buf_appendc(&b, '.');
		rc |= append_ident(&b, c->s, &t);
	}
	if (rc != 0) {
		dv_buf_free(&b);
		return dv_error_nomem(err);
	}
	out->name = dv_buf_steal(&b);
	dv_buf_free(&b);
	return out->name ? 0 : dv_error_nomem(err);
}

/* "@Name =" at the cursor: its name into out->arg_names[i]. */
static int arg_name(struct cursor *c, struct sql_call *out, int i, struct dv_error *err)
{
	struct sql_token t, eq;
	struct cursor k = *c;
	next(&k, &t);
	if (t.type != TOK_PUNCT || c->s[t.pos] != '@' || t.len != 1)
		return 0;
	next(&k, &t);
	next(&k, &eq);
	if (!is_name_tok(&t) || eq.type != TOK_PUNCT || eq.len != 1 || c->s[eq.pos] != '=')
		return 0;
	struct dv_buf b;
	dv_buf_init(&b, 0);
	if (append_ident(&b, c->s, &t) != 0 || !(out->arg_names[i] = dv_buf_steal(&b))) {
		dv_buf_free(&b);
		return dv_error_nomem(err);
	}
	dv_buf_free(&b);
	*c = k;
	return 0;
}

/* Arguments up to a top-level ')' (in_parens) or the end; each one's text is
 * appended to sel.  Leaves the cursor after ')' or at the end token. */
static int parse_args(struct cursor *c, int in_parens, int allow_names, struct sql_call *out,
		      struct dv_buf *sel, struct dv_error *err)
{
	struct sql_token t;
	peek(c, &t);
	if ((in_parens && t.type == TOK_RPAREN) ||
	    (!in_parens && (t.type == TOK_END || t.type == TOK_SEMI || t.type == TOK_RBRACE))) {
		if (in_parens)
			next(c, &t);
		return 0;
	}
	for (;;) {
		if (out->nargs == SQL_CALL_MAX_ARGS)
			return dv_error_set(err, DV_S_42000, 0, "a procedure call takes at most %d "
					    "arguments", SQL_CALL_MAX_ARGS);
		if (allow_names && arg_name(c, out, out->nargs, err) != 0)
			return -1;
		int depth = 0, ntok = 0, marker = 0;
		size_t start = c->pos, end = c->pos;
		for (;;) {
			struct cursor before = *c;
			next(c, &t);
			if (t.type == TOK_PARAM)
				marker = ++out->nmarkers;
			if (t.type == TOK_END || t.type == TOK_BAD || t.type == TOK_SEMI ||
			    t.type == TOK_RBRACE) {
				if (in_parens || depth > 0)
					return dv_error_set(err, DV_S_42000, 0,
							    "the procedure call's argument list is not "
							    "closed with ')'");
				*c = before;
				break;
			}
			if (t.type == TOK_LPAREN || t.type == TOK_LBRACE)
				depth++;
			if ((t.type == TOK_RPAREN || t.type == TOK_RBRACE) && depth > 0) {
				depth--;
				end = c->pos;
				continue;
			}
			if (depth == 0 && (t.type == TOK_COMMA || t.type == TOK_RPAREN)) {
				if (t.type == TOK_RPAREN && !in_parens)
					return dv_error_set(err, DV_S_42000, 0,
							    "unexpected ')' at position %zu", t.pos + 1);
				*c = before;
				next(c, &t);
				break;
			}
			end = c->pos;
			ntok++;
		}
		out->arg_marker[out->nargs] = ntok == 1 && marker ? marker : 0;
		if (end <= start || strspn(c->s + start, " \t\r\n") >= end - start)
			return dv_error_set(err, DV_S_42000, 0, "argument %d of the procedure call "
					    "is empty", out->nargs + 1);
		if ((out->nargs + out->ret_marker > 0 && dv_buf_appends(sel, ", ") != 0) ||
		    dv_buf_append(sel, c->s + start, end - start) != 0)
			return dv_error_nomem(err);
		out->nargs++;
		if (t.type != TOK_COMMA)
			return 0;
	}
}

/* After the call: only ';', blanks and comments (and '}' for the escape). */
static int parse_end(struct cursor *c, int escape, struct dv_error *err)
{
	struct sql_token t;
	next(c, &t);
	if (escape) {
		if (t.type != TOK_RBRACE)
			return dv_error_set(err, DV_S_42000, 0, "the {call ...} escape is not closed "
					    "with '}' at position %zu", t.pos + 1);
		next(c, &t);
	}
	while (t.type == TOK_SEMI)
		next(c, &t);
	if (t.type != TOK_END)
		return dv_error_set(err, DV_S_42000, 0, "unexpected text after the procedure call at "
				    "position %zu; a call is a statement of its own", t.pos + 1);
	return 0;
}

int sqlparse_call(const char *sql, size_t len, struct sql_call *out, struct dv_error *err)
{
	struct cursor c = {sql, len, 0};
	struct sql_token t;
	struct dv_buf sel;
	int escape = 0, parens = 0, names = 0;
	memset(out, 0, sizeof(*out));
	next(&c, &t);
	if (t.type == TOK_LBRACE) {
		struct sql_token kw;
		peek(&c, &kw);
		if (kw.type == TOK_PARAM) {
			/* {? = call ...}: the return value into parameter 1 */
			struct sql_token eq;
			next(&c, &kw);
			next(&c, &eq);
			peek(&c, &kw);
			if (eq.type != TOK_PUNCT || eq.len != 1 || sql[eq.pos] != '=' ||
			    !sql_tok_is(sql, &kw, "call"))
				return dv_error_set(err, DV_S_42000, 0, "a procedure call with a return "
						    "value is written {? = call name(...)}");
			out->ret_marker = 1;
			out->nmarkers = 1;
		} else if (!sql_tok_is(sql, &kw, "call")) {
			return 0;
		}
		next(&c, &kw);
		escape = 1;
	} else if (sql_tok_is(sql, &t, "EXEC") || sql_tok_is(sql, &t, "EXECUTE")) {
		names = 1;
	} else if (sql_tok_is(sql, &t, "CALL")) {
		parens = 1;
	} else {
		return 0;
	}
	if (parse_name(&c, out, err) != 0)
		goto fail;
	dv_buf_init(&sel, 0);
	if (dv_buf_appends(&sel, out->ret_marker ? "SELECT ?" : "SELECT ") != 0) {
		dv_buf_free(&sel);
		dv_error_nomem(err);
		goto fail;
	}
	peek(&c, &t);
	int rc;
	if (t.type == TOK_LPAREN) {
		next(&c, &t);
		rc = parse_args(&c, 1, 0, out, &sel, err);
	} else if (escape || parens) {
		rc = 0; /* {call name} / CALL name without arguments */
		if (parens && t.type != TOK_END && t.type != TOK_SEMI)
			rc = dv_error_set(err, DV_S_42000, 0, "CALL needs its arguments in "
					  "parentheses: CALL name(a, b)");
	} else {
		rc = parse_args(&c, 0, names, out, &sel, err);
	}
	if (rc == 0 && out->nargs == 0 && !out->ret_marker && dv_buf_appends(&sel, "NULL") != 0)
		rc = dv_error_nomem(err);
	if (rc == 0)
		rc = parse_end(&c, escape, err);
	if (rc != 0) {
		dv_buf_free(&sel);
		goto fail;
	}
	out->select_sql = dv_buf_steal(&sel);
	dv_buf_free(&sel);
	if (!out->select_sql) {
		dv_error_nomem(err);
		goto fail;
	}
	return 1;
fail:
	sqlparse_call_free(out);
	return -1;
}

void sqlparse_call_free(struct sql_call *c)
{
	free(c->name);
	free(c->select_sql);
	for (int i = 0; i < SQL_CALL_MAX_ARGS; i++)
		free(c->arg_names[i]);
	memset(c, 0, sizeof(*c));
}
