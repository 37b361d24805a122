/* lexer.h - private: the SQL tokenizer shared by the sqlparse units.
 *
 * Owns: splitting SQL text into tokens that know string literals ('it''s'),
 * quoted identifiers ("x", [x], `x`), comments (-- and slash-star), numbers,
 * words, parameter markers and punctuation.  The lexer never allocates: a
 * token is an offset and a length into the caller's text. */
#ifndef DV_SQLPARSE_LEXER_H
#define DV_SQLPARSE_LEXER_H

#include <stddef.h>

enum sql_tok {
	TOK_END,      /* end of input */
	TOK_SPACE,    /* blanks and newlines */
	TOK_COMMENT,  /* -- to end of line, or a block comment */
	TOK_STRING,   /* 'literal' with '' escapes (also X'..' blobs) */
	TOK_QIDENT,   /* "x", [x] or `x` */
	TOK_WORD,     /* keyword or bare identifier */
	TOK_NUMBER,   /* 12, 1.5, 1e3, .5 */
	TOK_PARAM,    /* ? */
	TOK_LPAREN, TOK_RPAREN, TOK_LBRACE, TOK_RBRACE, TOK_COMMA, TOK_SEMI,
	TOK_PUNCT,    /* any other operator character(s) */
	TOK_BAD       /* unterminated literal or quoted identifier */
};

struct sql_token {
	enum sql_tok type;
	size_t pos;   /* offset of the first byte */
	size_t len;   /* bytes */
};

/* Reads the token starting at pos (pos <= len). */
void sql_lex(const char *s, size_t len, size_t pos, struct sql_token *t);

/* True when the token is a WORD equal to kw (ASCII case-insensitive). */
int sql_tok_is(const char *s, const struct sql_token *t, const char *kw);

/* True for tokens that carry no meaning (blanks, comments). */
static inline int sql_tok_blank(const struct sql_token *t)
{
	return t->type == TOK_SPACE || t->type == TOK_COMMENT;
}

#endif
