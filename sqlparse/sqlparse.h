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

#endif
