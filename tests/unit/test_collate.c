/* test_collate.c - collate.c: where sqlparse_rewrite attaches COLLATE DVNOCASE.
 *
 * Two tables of cases: the rewritten text of statements (what is collated,
 * what is left alone for the pushdown, aliases that keep result names), and
 * answers of rewritten statements over a table whose text column is
 * declared COLLATE DVNOCASE as the engine declares entity columns, each of
 * which compared bytes before (see collate.c). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/textfold.h"
#include "sqlparse/collate.h"
#include "sqlparse/sqlparse.h"
#include "util/buf.h"
#include "tap.h"

static const struct { const char *in, *out; } texts[] = {
	/* bare columns and what the pushdown reads: unchanged */
	{"SELECT name FROM account WHERE name = 'x' AND city LIKE 'L%'",
	 "SELECT name FROM account WHERE name = 'x' AND city LIKE 'L%'"},
	{"SELECT name FROM account WHERE 'x' = a.name OR name IN ('a', 'b')",
	 "SELECT name FROM account WHERE 'x' = a.name OR name IN ('a', 'b')"},
	{"SELECT name FROM account WHERE name BETWEEN 'a' AND 'b' ORDER BY name",
	 "SELECT name FROM account WHERE name BETWEEN 'a' AND 'b' ORDER BY name"},
	{"SELECT statecode, COUNT(*), SUM(revenue) FROM account GROUP BY statecode",
	 "SELECT statecode, COUNT(*), SUM(revenue) FROM account GROUP BY statecode"},
	{"INSERT INTO account (name, city) VALUES ('a', ?)",
	 "INSERT INTO account (name, city) VALUES ('a', ?)"},
	{"WITH x(a, b) AS (SELECT 1, 2) SELECT a FROM x",
	 "WITH x(a, b) AS (SELECT 1, 2) SELECT a FROM x"},
	{"SELECT c0 FROM temp.\"t\"('SELECT 1', ?1)",
	 "SELECT c0 FROM temp.\"t\"('SELECT 1', ?1)"},
	{"PRAGMA table_info(upper('x'))", "PRAGMA table_info(upper('x'))"},
	/* functions, CASE, || and compared literals */
	{"SELECT * FROM account WHERE TRIM(name) = 'x'",
	 "SELECT * FROM account WHERE TRIM(name COLLATE DVNOCASE) = 'x' COLLATE DVNOCASE"},
	{"SELECT * FROM account WHERE coalesce(a.city, '') = 'LONDON'",
	 "SELECT * FROM account WHERE coalesce(a.city COLLATE DVNOCASE, '' COLLATE DVNOCASE)"
	 " = 'LONDON' COLLATE DVNOCASE"},
	{"SELECT name || '' FROM account ORDER BY name || ''",
	 "SELECT name COLLATE DVNOCASE || '' COLLATE DVNOCASE AS \"name || ''\" FROM account"
	 " ORDER BY name COLLATE DVNOCASE || '' COLLATE DVNOCASE"},
	{"SELECT upper(name) AS u, lower(city) c FROM account",
	 "SELECT upper(name COLLATE DVNOCASE) AS u, lower(city COLLATE DVNOCASE) c FROM account"},
	{"SELECT CASE WHEN x = 1 THEN name ELSE city END FROM t",
	 "SELECT CASE WHEN x COLLATE DVNOCASE = 1 THEN name COLLATE DVNOCASE ELSE city COLLATE"
	 " DVNOCASE END AS \"CASE WHEN x = 1 THEN name ELSE city END\" FROM t"},
	{"SELECT substr(upper(name), 1, 2) FROM t",
	 "SELECT substr(upper(name COLLATE DVNOCASE), 1, 2) AS"
	 " \"substr(upper(name), 1, 2)\" FROM t"},
	{"SELECT statecode FROM t GROUP BY statecode HAVING MIN(name) = ?",
	 "SELECT statecode FROM t GROUP BY statecode HAVING MIN(name COLLATE DVNOCASE) = ?"
	 " COLLATE DVNOCASE"},
	{"SELECT 1 WHERE ? = 'a' OR 'b' IS ?",
	 "SELECT 1 WHERE ? COLLATE DVNOCASE = 'a' COLLATE DVNOCASE OR 'b' COLLATE DVNOCASE IS ?"
	 " COLLATE DVNOCASE"},
	{"SELECT \"x\"\"y\"(a) FROM t", "SELECT \"x\"\"y\"(a COLLATE DVNOCASE) AS \"\"\"x\"\"\"\"y\"\"(a)\" FROM t"},
	{"SELECT length(name), count(DISTINCT name) FROM t WHERE upper(name) COLLATE BINARY = 'X'",
	 "SELECT length(name), count(DISTINCT name) FROM t WHERE upper(name COLLATE DVNOCASE)"
	 " COLLATE BINARY = 'X' COLLATE DVNOCASE"},
	{"SELECT a FROM t WHERE a IN (SELECT upper(b) FROM u WHERE b LIKE 'x%')",
	 "SELECT a FROM t WHERE a IN (SELECT upper(b COLLATE DVNOCASE) AS \"upper(b)\" FROM u"
	 " WHERE b LIKE 'x%')"},
	/* idempotent */
	{"SELECT upper(name COLLATE DVNOCASE) AS \"upper(name)\" FROM t",
	 "SELECT upper(name COLLATE DVNOCASE) AS \"upper(name)\" FROM t"},
};

/* Found by tests/fuzz/fuzz_sql: an unclosed '(' or CASE in the select
 * list ended the list one token past the end of the token array.  64
 * tokens fill the array exactly, so the sanitizer build sees the read. */
static void test_unclosed(void)
{
	static const char *const heads[] = {"SELECT (", "SELECT CASE ", "SELECT f("};
	size_t i;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		struct dv_buf in, out;
		int k;
		dv_buf_init(&in, 0);
		dv_buf_init(&out, 0);
		dv_buf_appends(&in, heads[i]);
		for (k = 0; k < 31; k++)
			dv_buf_appends(&in, "a,");
		is_int(sqlparse_collate(dv_buf_str(&in), in.len, &out), 0,
		       "unclosed at the end of a full token array: %s...", heads[i]);
		ok(out.len >= in.len, "its text is kept");
		dv_buf_free(&in);
		dv_buf_free(&out);
	}
}

static sqlite3 *db;

/* The rows of a rewritten query, one value per line, "|" between columns. */
static char *answer(const char *sql)
{
	struct sql_rewrite rw;
	struct dv_error err;
	sqlite3_stmt *st;
	static char out[2048];
	size_t n = 0;
	dv_error_clear(&err);
	if (sqlparse_rewrite(sql, strlen(sql), &rw, &err) != 0)
		return "rewrite failed";
	if (sqlite3_prepare_v2(db, rw.sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, sizeof(out), "error: %s", sqlite3_errmsg(db));
		sqlparse_rewrite_free(&rw);
		return out;
	}
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i;
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? "|" : "",
					      v ? v : "NULL");
			if (n >= sizeof(out))
				n = sizeof(out) - 1;
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, ";");
		if (n >= sizeof(out))
			n = sizeof(out) - 1;
	}
	sqlite3_finalize(st);
	sqlparse_rewrite_free(&rw);
	return out;
}

static const struct { const char *sql, *want; } answers[] = {
	{"SELECT count(*) FROM a WHERE coalesce(city, '') = 'LONDON'", "3;"},
	{"SELECT count(*) FROM a WHERE trim(name) = 'ÉLAN'", "3;"},
	{"SELECT count(*) FROM a WHERE name || '' = 'elan'", "3;"},
	{"SELECT count(*) FROM a WHERE upper(city) = 'ZÜRICH'", "2;"},
	{"SELECT count(*) FROM a WHERE lower(city) = 'zurich'", "2;"},
	{"SELECT count(*) FROM a WHERE name = 'élan'", "3;"},
	{"SELECT count(*) FROM a WHERE name <> 'élan'", "3;"},
	{"SELECT count(*) FROM a WHERE name LIKE 'él%'", "3;"},
	{"SELECT count(*) FROM a WHERE CASE WHEN id > 0 THEN name END = 'ELAN'", "3;"},
	{"SELECT count(DISTINCT upper(name)) FROM a", "4;"},
	{"SELECT count(*) FROM (SELECT DISTINCT trim(city) FROM a)", "3;"},
	{"SELECT count(*) FROM (SELECT city || '' FROM a GROUP BY 1)", "3;"},
	{"SELECT id FROM a ORDER BY name || '', id", "5;4;6;1;2;3;"},
	{"SELECT max(name || '') = 'elan' FROM a", "1;"},
	{"SELECT count(*) FROM (SELECT upper(name) FROM a UNION SELECT lower(name) FROM a)", "4;"},
	{"SELECT count(*) FROM (SELECT trim(name) FROM a INTERSECT SELECT 'ELAN')", "1;"},
	{"SELECT count(*) FROM a x JOIN a y ON upper(x.city) = lower(y.city)", "14;"},
	{"SELECT count(*) FROM a WHERE lower(name) IN ('elan', 'zoe')", "3;"},
	{"SELECT upper('José Zürich'), lower('ÉCOLE')", "JOSÉ ZÜRICH|école;"},
	{"SELECT count(*) FROM a WHERE 'a' = 'A'", "6;"},
};

int main(void)
{
	size_t i;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct sql_rewrite rw;
		struct dv_error err;
		dv_error_clear(&err);
		if (!ok(sqlparse_rewrite(texts[i].in, strlen(texts[i].in), &rw, &err) == 0,
			"text case %zu rewrites", i))
			continue;
		is_str(rw.sql, texts[i].out, "text case %zu", i);
		sqlparse_rewrite_free(&rw);
	}
	test_unclosed();
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || textfold_register(db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE a (id INTEGER, name TEXT COLLATE DVNOCASE, "
			 "city TEXT COLLATE DVNOCASE);"
			 "INSERT INTO a VALUES (1, 'élan', 'London'), (2, 'ÉLAN', 'LONDON '),"
			 " (3, 'Elan', 'london'), (4, 'Able', 'Zürich'), (5, 'abe', 'ZURICH'),"
			 " (6, 'Acme', 'Paris')", NULL, NULL, NULL) != SQLITE_OK) {
		ok(0, "test table");
		return tap_done();
	}
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		is_str(answer(answers[i].sql), answers[i].want, "%s", answers[i].sql);
	sqlite3_close(db);
	return tap_done();
}
