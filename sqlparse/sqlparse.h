/* sqlparse.h - the SQL front end: what SQLite cannot see or does not accept.
 *
 * Owns: a tokenizer that knows quoted identifiers ("x", [x], `x`), string
 * literals and comments; rewriting of ODBC escapes ({fn f(..)}, {d '..'},
 * {t '..'}, {ts '..'}, {oj ..}, {escape '..'}, {call ..}) and of
 * "SELECT TOP n" into SQLite syntax; counting parameter markers; and the
 * statement kind.  The parser for single-table SELECTs that go to the
 * service whole is in ast.h (sqlparse_select). */
#ifndef DV_SQLPARSE_SQLPARSE_H
#define DV_SQLPARSE_SQLPARSE_H

#include <stddef.h>

#include "util/error.h"

enum sql_kind {
	SQL_KIND_SELECT, SQL_KIND_INSERT, SQL_KIND_UPDATE, SQL_KIND_DELETE,
	SQL_KIND_UPSERT, SQL_KIND_OTHER, SQL_KIND_EMPTY
};

struct sql_rewrite {
	char *sql;            /* rewritten text for SQLite (malloc'd) */
	enum sql_kind kind;
	int nparams;          /* number of '?' markers */
};

/* Rewrites ODBC SQL into SQLite SQL.  42000 with the position on a bad escape. */
int sqlparse_rewrite(const char *sql, size_t len, struct sql_rewrite *out,
		     struct dv_error *err);
void sqlparse_rewrite_free(struct sql_rewrite *rw);

/* statement.c: where statements end and how they start. */

/* 1 when the text holds a second statement: a top-level ';' followed by
 * more than blanks, comments and ';' (*at = the offset of its first
 * token); 0 for one statement, with or without a trailing ';'. */
int sqlparse_next_statement(const char *sql, size_t len, size_t *at);

/* The 1-based number of the first '?' marker after the statement's
 * top-level WHERE (outside parentheses, literals and comments), or 0 when
 * there is no such WHERE.  Markers from it on are in the search condition of
 * an UPDATE or DELETE, not values to write. */
int sqlparse_first_where_marker(const char *sql, size_t len);

#define SQLPARSE_WORD_MAX 24
/* The statement's leading keywords (at most max), upper-cased: for
 * "create temp table x(a)" CREATE, TEMP, TABLE, X.  Stops at the first
 * token that is not a word.  Returns how many were written. */
size_t sqlparse_leading_words(const char *sql, size_t len, char words[][SQLPARSE_WORD_MAX],
			      size_t max);

/* 1 when a word or quoted identifier outside literals and comments starts
 * with prefix (ASCII case-insensitive), its name (unquoted) into out;
 * skip_calls: names followed by '(' do not count (function calls). */
int sqlparse_find_name(const char *sql, size_t len, const char *prefix, int skip_calls,
		       char *out, size_t size);

#endif
