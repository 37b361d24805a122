/* fuzz_sql.c - libFuzzer target: the SQL front end (sqlparse/).
 *
 * The input is one statement as an application passes it to SQLPrepare or
 * SQLExecDirect (text up to the first NUL; the driver measures it with
 * strlen).  It goes through sqlparse_rewrite (ODBC escapes, TOP, parameter
 * markers, collations) and, as the pushdown planner does, sqlparse_select
 * on the text before and after rewriting; the statement.c helpers run on
 * it too when this tree has them.  Beyond memory errors the target checks
 * what the planner relies on: every text offset of the tree lies inside
 * the statement, and a statement the parser takes whole numbers as many
 * '?' markers as the rewriter counted. */
#include "sqlparse/sqlparse.h"
#include "sqlparse/ast.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *sql)
{
	fprintf(stderr, "fuzz_sql: %s\n  sql: %s\n", what, sql);
	abort();
}

static void check_span(size_t pos, size_t end, size_t len, const char *sql)
{
	if (pos > end || end > len)
		fail("a tree offset lies outside the statement", sql);
}

static void check_expr(const struct ast_expr *e, size_t len, const char *sql)
{
	if (!e)
		return;
	check_span(e->pos, e->end, len, sql);
	if (e->kind == AST_AND || e->kind == AST_OR || e->kind == AST_NOT) {
		check_expr(e->a, len, sql);
		check_expr(e->b, len, sql);
	} else if (!e->col.name) {
		fail("a predicate without a column", sql);
	}
}

/* Returns the parser's answer (0 parsed, 1 not pushable); *nparams = its
 * count of markers. */
static int parse(const char *sql, size_t len, int *nparams)
{
	struct ast_select s;
	int rc = sqlparse_select(sql, len, &s);
	if (rc == 0) {
		check_span(s.table_pos, s.table_end, len, sql);
		if (!s.table)
			fail("a parsed statement without a table", sql);
		if (s.nitems > AST_MAX_ITEMS || s.ngroup > AST_MAX_ITEMS ||
		    s.norder > AST_MAX_ITEMS)
			fail("more items than the tree holds", sql);
		for (size_t i = 0; i < s.nitems; i++)
			check_span(s.items[i].pos, s.items[i].pos + s.items[i].len, len, sql);
		for (size_t i = 0; i < s.norder; i++)
			if (s.order[i].position < 0 || (size_t)s.order[i].position > s.nitems)
				fail("ORDER BY position out of range", sql);
		check_expr(s.where, len, sql);
		*nparams = s.nparams;
	}
	ast_select_free(&s);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sql_rewrite rw;
	struct dv_error err;
	char *sql = malloc(size + 1);
	size_t len;
	int nparams;

	if (!sql)
		return 0;
	memcpy(sql, data, size);
	sql[size] = '\0';
	len = strlen(sql);
	dv_error_clear(&err);
	if (sqlparse_rewrite(sql, len, &rw, &err) == 0) {
		if (!rw.sql || rw.nparams < 0)
			fail("rewrite succeeded without text", sql);
		if (parse(rw.sql, strlen(rw.sql), &nparams) == 0 && nparams != rw.nparams)
			fail("parser and rewriter count different '?' markers", sql);
		sqlparse_rewrite_free(&rw);
	} else if (rw.sql) {
		fail("a failed rewrite left text", sql);
	}
	parse(sql, len, &nparams);
#ifdef SQLPARSE_WORD_MAX
	{
		char words[8][SQLPARSE_WORD_MAX], name[64];
		size_t at = 0, n;
		if (sqlparse_next_statement(sql, len, &at) && at > len)
			fail("the next statement starts past the end", sql);
		n = sqlparse_leading_words(sql, len, words, 8);
		for (size_t i = 0; i < n; i++)
			if (!memchr(words[i], '\0', SQLPARSE_WORD_MAX))
				fail("a leading word is not terminated", sql);
		if (sqlparse_find_name(sql, len, "sqlite_", 1, name, sizeof(name)) &&
		    !memchr(name, '\0', sizeof(name)))
			fail("a found name is not terminated", sql);
		sqlparse_find_name(sql, len, "pragma_", 0, name, sizeof(name));
	}
#endif
	free(sql);
	return 0;
}
