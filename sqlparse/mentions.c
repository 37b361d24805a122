/* mentions.c - the names a statement mentions, for tables wider than SQLite's
 * 64-bit colUsed mask.
 *
 * Owns: scanning SQL text once into the set of identifiers it contains and
 * whether it reads whole rows.  SQLite tells a virtual table which columns a
 * statement uses in a 64-bit mask whose last bit stands for "some column
 * from the 64th on" (https://www.sqlite.org/vtab.html#colUsed); real
 * entities have 200-500 columns.  A column from the 64th on is used only if
 * the statement names it somewhere (a word or a quoted identifier) or reads
 * whole rows: `*` or `t.*` in a select list, NATURAL JOIN (joins on every
 * column of the same name), or a statement that is not a query (an UPDATE
 * hands SQLite every column of the row).  So the set is a safe
 * over-approximation of the columns used. */
#include "sqlparse/mentions.h"

#include <stdlib.h>
#include <string.h>

#include "sqlparse/lexer.h"
#include "util/strutil.h"

/* The previous meaningful token before a `*` decides: select-all after
 * SELECT, DISTINCT, ALL, a comma or a dot; multiplication or count(*)
 * otherwise. */
static int star_selects_all(const char *s, const struct sql_token *prev)
{
	if (prev->type == TOK_COMMA)
		return 1;
	if (prev->type == TOK_PUNCT && prev->len == 1 && s[prev->pos] == '.')
		return 1;
	return sql_tok_is(s, prev, "select") || sql_tok_is(s, prev, "distinct") ||
	       sql_tok_is(s, prev, "all");
}

static int add_name(struct sql_mentions *m, const char *p, size_t n)
{
	char *copy;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		char **names = realloc(m->names, cap * sizeof(*names));
		if (!names)
			return -1;
		m->names = names;
		m->cap = cap;
	}
	copy = malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, p, n);
	copy[n] = '\0';
	m->names[m->n++] = copy;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return dv_strcasecmp(*(char *const *)a, *(char *const *)b);
}

int sql_mentions_scan(const char *sql, struct sql_mentions *m)
{
	size_t len = sql ? strlen(sql) : 0, pos = 0;
	struct sql_token t, prev;
	int first = 1;
	memset(m, 0, sizeof(*m));
	memset(&prev, 0, sizeof(prev));
	prev.type = TOK_END;
	for (;;) {
		sql_lex(sql, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			break;
		pos = t.pos + t.len;
		if (sql_tok_blank(&t))
			continue;
		if (first && !sql_tok_is(sql, &t, "select") && !sql_tok_is(sql, &t, "with") &&
		    !sql_tok_is(sql, &t, "values") && t.type != TOK_LPAREN)
			m->whole_rows = 1; /* not a query */
		first = 0;
		if (t.type == TOK_WORD && sql_tok_is(sql, &t, "natural"))
			m->whole_rows = 1;
		if (t.type == TOK_PUNCT && t.len == 1 && sql[t.pos] == '*' &&
		    star_selects_all(sql, &prev))
			m->whole_rows = 1;
		if (t.type == TOK_WORD && add_name(m, sql + t.pos, t.len) != 0)
			return -1;
		if (t.type == TOK_QIDENT && t.len >= 2 &&
		    add_name(m, sql + t.pos + 1, t.len - 2) != 0)
			return -1;
		prev = t;
	}
	if (t.type == TOK_BAD)
		m->whole_rows = 1; /* cannot tell: everything */
	if (m->n)
		qsort(m->names, m->n, sizeof(*m->names), cmp_name);
	return 0;
}

int sql_mentions_has(const struct sql_mentions *m, const char *name)
{
	size_t lo = 0, hi;
	if (!m || m->whole_rows)
		return 1;
	hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = dv_strcasecmp(m->names[mid], name);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void sql_mentions_free(struct sql_mentions *m)
{
	size_t i;
	for (i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	memset(m, 0, sizeof(*m));
}
