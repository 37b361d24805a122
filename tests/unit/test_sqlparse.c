/* test_sqlparse.c - sqlparse_rewrite: a table of ODBC SQL -> SQLite SQL cases,
 * parameter counts, statement kinds and the errors for bad escapes. */
#include <stdlib.h>
#include <string.h>

#include "sqlparse/collate.h"
#include "sqlparse/sqlparse.h"
#include "tap.h"

struct ok_case {
	const char *in;
	const char *out;
	int nparams;
	enum sql_kind kind;
};

static const struct ok_case ok_cases[] = {
	{"SELECT name FROM account", "SELECT name FROM account", 0, SQL_KIND_SELECT},
	{"select {fn UCASE(name)} from account", "select upper(name) from account", 0,
	 SQL_KIND_SELECT},
	{"SELECT {fn LCASE(name)}", "SELECT lower(name)", 0, SQL_KIND_SELECT},
	{"SELECT {fn CONCAT(a, 'x')}", "SELECT (a || 'x')", 0, SQL_KIND_SELECT},
	{"SELECT {fn CONCAT({fn UCASE(a)}, {fn LCASE(b)})}", "SELECT (upper(a) || lower(b))", 0,
	 SQL_KIND_SELECT},
	{"SELECT {fn LENGTH(name)}", "SELECT length(rtrim(name, ' '))", 0, SQL_KIND_SELECT},
	{"SELECT {fn CHAR_LENGTH(name)}", "SELECT length(name)", 0, SQL_KIND_SELECT},
	{"SELECT {fn SUBSTRING(name, 2, 3)}", "SELECT substr(name, 2, 3)", 0, SQL_KIND_SELECT},
	{"SELECT {fn SUBSTRING(name,2)}", "SELECT substr(name, 2)", 0, SQL_KIND_SELECT},
	{"SELECT {fn LTRIM(a)}, {fn RTRIM(b)}", "SELECT ltrim(a, ' '), rtrim(b, ' ')", 0,
	 SQL_KIND_SELECT},
	{"SELECT {fn LEFT(a, ?)}", "SELECT substr(a, 1, ?)", 1, SQL_KIND_SELECT},
	{"SELECT {fn RIGHT(a, ?)}", "SELECT odbc_right(a, ?)", 1, SQL_KIND_SELECT},
	{"SELECT {fn LOCATE('b', a)}", "SELECT odbc_locate('b', a)", 0, SQL_KIND_SELECT},
	{"SELECT {fn LOCATE('b', a, ?)}", "SELECT odbc_locate('b', a, ?)", 1, SQL_KIND_SELECT},
	{"SELECT {fn TIMESTAMPADD(SQL_TSI_DAY, 1, d)}", "SELECT dv_timestampadd('DAY', 1, d)", 0,
	 SQL_KIND_SELECT},
	{"SELECT {fn TIMESTAMPDIFF(SQL_TSI_FRAC_SECOND, ?, d)}",
	 "SELECT dv_timestampdiff('FRAC_SECOND', ?, d)", 1, SQL_KIND_SELECT},
	{"SELECT {fn NOW()}, {fn CURDATE()}, {fn CURTIME()}",
	 "SELECT datetime('now'), date('now'), time('now')", 0, SQL_KIND_SELECT},
	/* CAST(... AS INTEGER) becomes dv_cast (SQL's CAST) and keeps its name
	 * as a column; collate.c attaches its collation to the arguments */
	{"SELECT {fn YEAR(createdon)}",
	 "SELECT dv_cast(strftime('%Y' COLLATE DVNOCASE, createdon COLLATE DVNOCASE), "
	 "'INTEGER' COLLATE DVNOCASE) AS \"CAST(strftime('%Y', createdon) AS INTEGER)\"", 0,
	 SQL_KIND_SELECT},
	{"SELECT CAST(a AS DATE), CAST(b AS VARCHAR(5)), CAST(c AS DECIMAL(10, 2)), "
	 "CAST(d AS TEXT)",
	 "SELECT dv_cast(a COLLATE DVNOCASE, 'DATE' COLLATE DVNOCASE) AS "
	 "\"CAST(a AS DATE)\", dv_cast(b COLLATE DVNOCASE, 'VARCHAR' COLLATE DVNOCASE, 5) AS "
	 "\"CAST(b AS VARCHAR(5))\", dv_cast(c COLLATE DVNOCASE, 'DECIMAL' COLLATE DVNOCASE, "
	 "10, 2) AS \"CAST(c AS DECIMAL(10, 2))\", CAST(d AS TEXT)", 0, SQL_KIND_SELECT},
	{"SELECT CAST(a AS DATE) AS d, CAST(b AS INT) x FROM t WHERE CAST(c AS DATE) = ?",
	 "SELECT dv_cast(a COLLATE DVNOCASE, 'DATE' COLLATE DVNOCASE) AS d, dv_cast(b COLLATE "
	 "DVNOCASE, 'INTEGER' COLLATE DVNOCASE) x FROM t WHERE dv_cast(c, 'DATE') = ?", 1,
	 SQL_KIND_SELECT},
	{"SELECT {fn IFNULL(a, 0)}", "SELECT ifnull(a, 0)", 0, SQL_KIND_SELECT},
	{"SELECT {fn ABS(x)}, {fn ROUND(x, 2)}, {fn FLOOR(x)}, {fn CEILING(x)}",
	 "SELECT abs(x), dv_round(x, 2), floor(x), ceil(x)", 0, SQL_KIND_SELECT},
	{"SELECT {fn CONVERT(x, SQL_INTEGER)} AS i", "SELECT dv_cast(x COLLATE DVNOCASE, "
	 "'INTEGER' COLLATE DVNOCASE) AS i", 0, SQL_KIND_SELECT},
	{"SELECT {fn CONVERT(x, SQL_DECIMAL)} AS d", "SELECT dv_cast(x COLLATE DVNOCASE, "
	 "'DECIMAL' COLLATE DVNOCASE, 18, 0) AS d", 0, SQL_KIND_SELECT},
	{"SELECT {FN ucase(name)}", "SELECT upper(name)", 0, SQL_KIND_SELECT},
	{"SELECT {fn SOUNDEX(name)}", "SELECT SOUNDEX(name)", 0, SQL_KIND_SELECT},
	{"SELECT * FROM t WHERE d = {d '2024-01-31'}", "SELECT * FROM t WHERE d = '2024-01-31'",
	 0, SQL_KIND_SELECT},
	{"SELECT * FROM t WHERE d > {ts '2024-01-31 10:20:30'}",
	 "SELECT * FROM t WHERE d > '2024-01-31 10:20:30'", 0, SQL_KIND_SELECT},
	{"SELECT {ts '2024-01-31 10:20:30.000'}", "SELECT '2024-01-31 10:20:30'", 0,
	 SQL_KIND_SELECT},
	{"SELECT {ts '2024-01-31 10:20:30.120'}", "SELECT '2024-01-31 10:20:30.12'", 0,
	 SQL_KIND_SELECT},
	{"SELECT {t '10:20:30'}", "SELECT '10:20:30'", 0, SQL_KIND_SELECT},
	{"SELECT a.name FROM {oj account a LEFT OUTER JOIN contact c ON c.x = a.y}",
	 "SELECT a.name FROM account a LEFT OUTER JOIN contact c ON c.x = a.y", 0,
	 SQL_KIND_SELECT},
	{"SELECT * FROM t WHERE a LIKE 'x\\%%' {escape '\\'}",
	 "SELECT * FROM t WHERE a LIKE 'x\\%%' ESCAPE '\\'", 0, SQL_KIND_SELECT},
	/* literals, identifiers and comments are left alone */
	{"SELECT '{fn x}', \"{d\", [a?b], `c?` FROM t -- {oj ?\n",
	 "SELECT '{fn x}', \"{d\", [a?b], `c?` FROM t -- {oj ?\n", 0, SQL_KIND_SELECT},
	{"SELECT 'it''s ?' /* ? { */ FROM t WHERE a = ? AND b = ?",
	 "SELECT 'it''s ?' /* ? { */ FROM t WHERE a = ? AND b = ?", 2, SQL_KIND_SELECT},
	/* TOP n */
	{"SELECT TOP 10 name FROM account", "SELECT name FROM account LIMIT 10", 0,
	 SQL_KIND_SELECT},
	{"select top (5) * from t order by a", "select * from t order by a LIMIT 5", 0,
	 SQL_KIND_SELECT},
	{"SELECT DISTINCT TOP 3 name FROM t;", "SELECT DISTINCT name FROM t LIMIT 3;", 0,
	 SQL_KIND_SELECT},
	{"SELECT TOP 2 a FROM t -- trailing\n", "SELECT a FROM t LIMIT 2 -- trailing\n", 0,
	 SQL_KIND_SELECT},
	{"SELECT * FROM (SELECT TOP 4 a FROM t ORDER BY a) x WHERE a > 1",
	 "SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 4) x WHERE a > 1", 0,
	 SQL_KIND_SELECT},
	{"SELECT TOP 1 a FROM t WHERE b IN (SELECT TOP 2 c FROM u)",
	 "SELECT a FROM t WHERE b IN (SELECT c FROM u LIMIT 2) LIMIT 1", 0, SQL_KIND_SELECT},
	{"SELECT top FROM t", "SELECT top FROM t", 0, SQL_KIND_SELECT},
	/* statement kinds */
	{"  insert into t values (?, ?, ?)", "  insert into t values (?, ?, ?)", 3,
	 SQL_KIND_INSERT},
	{"UPDATE t SET a = ?", "UPDATE t SET a = ?", 1, SQL_KIND_UPDATE},
	{"/* c */ DELETE FROM t", "/* c */ DELETE FROM t", 0, SQL_KIND_DELETE},
	{"WITH x AS (SELECT 1) SELECT * FROM x", "WITH x AS (SELECT 1) SELECT * FROM x", 0,
	 SQL_KIND_SELECT},
	{"(SELECT 1)", "(SELECT 1)", 0, SQL_KIND_SELECT},
	{"PRAGMA x", "PRAGMA x", 0, SQL_KIND_OTHER},
	{"  -- only a comment\n", "  -- only a comment\n", 0, SQL_KIND_EMPTY},
	{"", "", 0, SQL_KIND_EMPTY},
};

struct err_case {
	const char *in;
	const char *state;
	const char *message;
};

static const struct err_case err_cases[] = {
	{"SELECT TOP 10 PERCENT a FROM t", "42000",
	 "TOP n PERCENT is not supported (position 8)"},
	{"SELECT TOP 5 WITH TIES a FROM t", "42000",
	 "TOP n WITH TIES is not supported (position 8)"},
	{"SELECT TOP (x) a FROM t", "42000", "TOP needs a whole number at position 8"},
	{"SELECT TOP 1.5 a FROM t", "42000", "TOP needs a whole number at position 8"},
	{"{call myproc(?)}", "HYC00",
	 "a procedure call ({call ...}) must be the whole statement (position 1)"},
	{"{? = call myproc(?)}", "HYC00",
	 "a procedure call ({?= call ...}) must be the whole statement, and its result comes "
	 "as a result set (position 1)"},
	{"SELECT {zz 1}", "42000", "unknown ODBC escape '{zz' at position 8"},
	{"SELECT {fn UCASE(a)", "42000", "missing '}' at the end"},
	{"SELECT a }", "42000", "unexpected '}' at position 10"},
	{"SELECT 'abc", "42000", "unterminated quoted text at position 8"},
	{"SELECT {d '2024-1-31'}", "22007", "invalid {d '...'} literal at position 8"},
	{"SELECT {ts '2024-01-31'}", "22007", "invalid {ts '...'} literal at position 8"},
	{"SELECT {fn UCASE(a, b)}", "42000",
	 "wrong number of arguments to UCASE (escape at position 8)"},
	{"SELECT {fn CONVERT(a, SQL_INTERVAL_DAY)}", "42000",
	 "CONVERT to 'SQL_INTERVAL_DAY' is not supported (escape at position 8)"},
	{"SELECT {fn 12}", "42000", "malformed {fn ...} escape at position 8"},
};

/* Where an UPDATE's or DELETE's search condition starts, in markers. */
struct where_case {
	const char *sql;
	int first;
};

static const struct where_case where_cases[] = {
	{"UPDATE \"account\" SET \"name\" = ? WHERE \"accountid\" = ?", 2},
	{"DELETE FROM account WHERE accountid = ?", 1},
	{"update t set a = ?, b = ? where c = ? and d = ?", 3},
	{"UPDATE t SET a = (SELECT x FROM u WHERE y = ?) WHERE k = ?", 2},
	{"UPDATE t SET a = 'WHERE ?', b = ? -- WHERE ?\n WHERE k = ?", 2},
	{"UPDATE t SET a = ? /* where */", 0},
	{"UPDATE t SET \"where\" = ? WHERE k = 1", 2},
	{"DELETE FROM t", 0},
};

int main(void)
{
	size_t i;
	for (i = 0; i < sizeof(where_cases) / sizeof(where_cases[0]); i++)
		is_int(sqlparse_first_where_marker(where_cases[i].sql, strlen(where_cases[i].sql)),
		       where_cases[i].first, "first WHERE marker of: %s", where_cases[i].sql);
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct sql_rewrite rw;
		struct dv_error err;
		dv_error_clear(&err);
		if (!ok(sqlparse_rewrite(c->in, strlen(c->in), &rw, &err) == 0,
			"rewrite case %zu succeeds", i)) {
			tap_diag("%s: %s", c->in, err.message);
			continue;
		}
		{
			/* the table says what the escapes become; collate.c then
			 * attaches collations to that (tests/unit/test_collate.c) */
			struct dv_buf want;
			dv_buf_init(&want, 0);
			sqlparse_collate(c->out, strlen(c->out), &want);
			is_str(rw.sql, dv_buf_str(&want), "case %zu text", i);
			dv_buf_free(&want);
		}
		is_int(rw.nparams, c->nparams, "case %zu parameter count", i);
		is_int(rw.kind, c->kind, "case %zu kind", i);
		sqlparse_rewrite_free(&rw);
	}
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct sql_rewrite rw;
		struct dv_error err;
		dv_error_clear(&err);
		is_int(sqlparse_rewrite(c->in, strlen(c->in), &rw, &err), -1, "error case %zu fails",
		       i);
		is_str(dv_sqlstate_code(err.state), c->state, "error case %zu state", i);
		is_str(err.message, c->message, "error case %zu message", i);
		ok(rw.sql == NULL, "error case %zu leaves no text", i);
	}
	return tap_done();
}
