/* lexer.c - the SQL tokenizer (see lexer.h).
 *
 * Quoting follows SQLite's tokenizer, which is also what ODBC applications
 * send: 'string' with '' for a quote, "identifier" with "" for a quote,
 * [identifier] (no escape), `identifier` with `` for a backtick.
 * Source: https://www.sqlite.org/lang_keywords.html */
#include "sqlparse/lexer.h"

#include "util/strutil.h"

static int is_word_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_word_char(unsigned char c)
{
	return is_word_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Quoted run that ends at `close`; a doubled close is an escape when
 * doubling is allowed.  Returns the length including both quotes, or 0 when
 * the input ends first. */
static size_t lex_quoted(const char *s, size_t len, size_t pos, char close, int doubling)
{
	size_t i = pos + 1;
	while (i < len) {
		if (s[i] == close) {
			if (doubling && i + 1 < len && s[i + 1] == close) {
				i += 2;
				continue;
			}
			return i + 1 - pos;
		}
		i++;
	}
	return 0;
}

static size_t lex_number(const char *s, size_t len, size_t pos)
{
	size_t i = pos;
	while (i < len && is_digit((unsigned char)s[i]))
		i++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (j < len && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < len && is_digit((unsigned char)s[j])) {
			while (j < len && is_digit((unsigned char)s[j]))
				j++;
			i = j;
		}
	}
	return i - pos;
}

static size_t lex_comment(const char *s, size_t len, size_t pos)
{
	size_t i = pos + 2;
	if (s[pos] == '-') {
		while (i < len && s[i] != '\n')
			i++;
		return i - pos;
	}
	while (i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'))
		i++;
	return (i + 1 < len ? i + 2 : len) - pos;
}

static void lex_quote_token(const char *s, size_t len, size_t pos, struct sql_token *t)
{
	char c = s[pos];
	char close = c == '[' ? ']' : c;
	size_t n = lex_quoted(s, len, pos, close, c != '[');
	if (n == 0) {
		t->type = TOK_BAD;
		t->len = len - pos;
		return;
	}
	t->type = c == '\'' ? TOK_STRING : TOK_QIDENT;
	t->len = n;
}

static enum sql_tok punct_type(char c)
{
	switch (c) {
	case '(': return TOK_LPAREN;
	case ')': return TOK_RPAREN;
	case '{': return TOK_LBRACE;
	case '}': return TOK_RBRACE;
	case ',': return TOK_COMMA;
	case ';': return TOK_SEMI;
	case '?': return TOK_PARAM;
	default: return TOK_PUNCT;
	}
}

void sql_lex(const char *s, size_t len, size_t pos, struct sql_token *t)
{
	unsigned char c;
	size_t i;
	t->pos = pos;
	t->len = 0;
	if (pos >= len) {
		t->type = TOK_END;
		return;
	}
	c = (unsigned char)s[pos];
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
		for (i = pos; i < len; i++) {
			c = (unsigned char)s[i];
			if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'))
				break;
		}
		t->type = TOK_SPACE;
		t->len = i - pos;
		return;
	}
	if (pos + 1 < len && ((c == '-' && s[pos + 1] == '-') || (c == '/' && s[pos + 1] == '*'))) {
		t->type = TOK_COMMENT;
		t->len = lex_comment(s, len, pos);
		return;
	}
	if ((c == 'x' || c == 'X') && pos + 1 < len && s[pos + 1] == '\'') {
		lex_quote_token(s, len, pos + 1, t);
		t->pos = pos;
		t->len += 1;
		return;
	}
	if (c == '\'' || c == '"' || c == '[' || c == '`') {
		lex_quote_token(s, len, pos, t);
		return;
	}
	if (is_digit(c) || (c == '.' && pos + 1 < len && is_digit((unsigned char)s[pos + 1]))) {
		t->type = TOK_NUMBER;
		t->len = lex_number(s, len, pos);
		return;
	}
	if (is_word_start(c)) {
		for (i = pos; i < len && is_word_char((unsigned char)s[i]); i++)
			;
		t->type = TOK_WORD;
		t->len = i - pos;
		return;
	}
	t->type = punct_type((char)c);
	t->len = 1;
}

int sql_tok_is(const char *s, const struct sql_token *t, const char *kw)
{
	size_t i;
	if (t->type != TOK_WORD)
		return 0;
	for (i = 0; i < t->len; i++) {
		if (!kw[i])
			return 0;
		if (dv_strncasecmp(s + t->pos + i, kw + i, 1) != 0)
			return 0;
	}
	return kw[i] == '\0';
}
