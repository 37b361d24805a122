/* statement.c - where statements end and how they start (see sqlparse.h).
 *
 * Owns: finding a second statement in a text (top-level ';' followed by
 * anything but blanks, comments and more ';'), the leading keywords of a
 * statement, and identifiers with a given prefix (sqlite_master, pragma_*).
 * The engine uses them to refuse what the local SQL engine must not run
 * before anything is prepared or sent (driver/engine/guard.c). */
#include "sqlparse/sqlparse.h"

#include <string.h>

#include "sqlparse/lexer.h"
#include "util/strutil.h"

int sqlparse_next_statement(const char *sql, size_t len, size_t *at)
{
	struct sql_token t;
	size_t pos = 0;
	int depth = 0, ended = 0, seen = 0;
	for (;;) {
		sql_lex(sql, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			return 0;
		pos = t.pos + t.len;
		if (sql_tok_blank(&t))
			continue;
		if (t.type == TOK_SEMI && depth == 0) {
			ended = seen;
			continue;
		}
		if (ended) {
			*at = t.pos;
			return 1;
		}
		seen = 1;
		if (t.type == TOK_LPAREN)
			depth++;
		else if (t.type == TOK_RPAREN && depth > 0)
			depth--;
	}
}

size_t sqlparse_leading_words(const char *sql, size_t len, char words[][SQLPARSE_WORD_MAX],
			      size_t max)
{
	struct sql_token t;
	size_t pos = 0, n = 0, i;
	while (n < max) {
		sql_lex(sql, len, pos, &t);
		pos = t.pos + t.len;
		if (sql_tok_blank(&t))
			continue;
		if (t.type != TOK_WORD)
			break;
		for (i = 0; i < t.len && i + 1 < SQLPARSE_WORD_MAX; i++) {
			char c = sql[t.pos + i];
			words[n][i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
		}
		words[n][i] = '\0';
		n++;
	}
	return n;
}

/* The name a token spells: a word as is, a quoted identifier without its quotes. */
static void token_name(const char *sql, const struct sql_token *t, const char **name,
		       size_t *n)
{
	*name = sql + t->pos;
	*n = t->len;
	if (t->type == TOK_QIDENT && t->len >= 2) {
		(*name)++;
		*n -= 2;
	}
}

int sqlparse_find_name(const char *sql, size_t len, const char *prefix, int skip_calls,
		       char *out, size_t size)
{
	struct sql_token t, next;
	size_t pos = 0, plen = strlen(prefix);
	for (;;) {
		const char *name;
		size_t n;
		sql_lex(sql, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			return 0;
		pos = t.pos + t.len;
		if (t.type != TOK_WORD && t.type != TOK_QIDENT)
			continue;
		token_name(sql, &t, &name, &n);
		if (n < plen || dv_strncasecmp(name, prefix, plen) != 0)
			continue;
		if (skip_calls) {
			size_t after = pos;
			do {
				sql_lex(sql, len, after, &next);
				after = next.pos + next.len;
			} while (sql_tok_blank(&next));
			if (next.type == TOK_LPAREN)
				continue;      /* sqlite_version() and the like */
		}
		if (size > 0) {
			size_t k = n < size - 1 ? n : size - 1;
			memcpy(out, name, k);
			out[k] = '\0';
		}
		return 1;
	}
}

int sqlparse_first_where_marker(const char *sql, size_t len)
{
	struct sql_token t;
	size_t pos = 0;
	int depth = 0, markers = 0;
	for (;;) {
		sql_lex(sql, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			return 0;
		pos = t.pos + t.len;
		if (t.type == TOK_LPAREN)
			depth++;
		else if (t.type == TOK_RPAREN && depth > 0)
			depth--;
		else if (t.type == TOK_PARAM)
			markers++;
		else if (depth == 0 && sql_tok_is(sql, &t, "WHERE"))
			return markers + 1;
	}
}
