/* escape.c - ODBC escape bodies to SQLite text (see escape.h).
 *
 * Scalar functions: https://learn.microsoft.com/sql/odbc/reference/appendixes/scalar-functions
 * (string, numeric, time/date and system functions, and CONVERT in
 * https://learn.microsoft.com/sql/odbc/reference/appendixes/explicit-data-type-conversion-function).
 * Date, time and timestamp literals:
 * https://learn.microsoft.com/sql/odbc/reference/develop-app/date-time-and-timestamp-literals
 * The engine stores date-times as 'YYYY-MM-DD HH:MM:SS' (UTC), dates as
 * 'YYYY-MM-DD', so a literal becomes that text. */
#include "sqlparse/escape.h"

#include <string.h>

#include "sqlparse/lexer.h"
#include "util/strutil.h"

#define FN_MAX_ARGS 8

struct fn_arg {
	const char *p;
	size_t len;
};

/* $1..$9 = one argument, $* = all arguments joined by ", ". */
struct fn_map {
	const char *odbc;
	int min_args, max_args;
	const char *tmpl;
};

static const struct fn_map fn_table[] = {
	/* string */
	{"ASCII", 1, 1, "unicode($1)"},
	{"CHAR", 1, 1, "char($1)"},
	{"CHAR_LENGTH", 1, 1, "length($1)"},
	{"CHARACTER_LENGTH", 1, 1, "length($1)"},
	{"CONCAT", 2, 2, "($1 || $2)"},
	{"LCASE", 1, 1, "lower($1)"},
	{"LEFT", 2, 2, "substr($1, 1, $2)"},
	/* ODBC: LENGTH excludes trailing blanks. */
	{"LENGTH", 1, 1, "length(rtrim($1, ' '))"},
	{"LOCATE", 2, 2, "instr($2, $1)"},
	{"LTRIM", 1, 1, "ltrim($1, ' ')"},
	{"OCTET_LENGTH", 1, 1, "length(CAST($1 AS BLOB))"},
	{"REPLACE", 3, 3, "replace($1, $2, $3)"},
	{"RIGHT", 2, 2, SQLPARSE_FN_RIGHT "($1, $2)"},
	{"RTRIM", 1, 1, "rtrim($1, ' ')"},
	{"SUBSTRING", 2, 3, "substr($*)"},
	{"UCASE", 1, 1, "upper($1)"},
	/* numeric */
	{"ABS", 1, 1, "abs($1)"},
	{"CEILING", 1, 1, "ceil($1)"},
	{"EXP", 1, 1, "exp($1)"},
	{"FLOOR", 1, 1, "floor($1)"},
	{"LOG", 1, 1, "ln($1)"},
	{"LOG10", 1, 1, "log10($1)"},
	{"MOD", 2, 2, "($1 % $2)"},
	{"PI", 0, 0, "pi()"},
	{"POWER", 2, 2, "pow($1, $2)"},
	{"ROUND", 1, 2, "round($*)"},
	{"SIGN", 1, 1, "sign($1)"},
	{"SQRT", 1, 1, "sqrt($1)"},
	/* time and date (UTC, as the engine stores them) */
	{"CURDATE", 0, 0, "date('now')"},
	{"CURRENT_DATE", 0, 0, "date('now')"},
	{"CURRENT_TIME", 0, 1, "time('now')"},
	{"CURRENT_TIMESTAMP", 0, 1, "datetime('now')"},
	{"CURTIME", 0, 0, "time('now')"},
	{"DAYOFMONTH", 1, 1, "CAST(strftime('%d', $1) AS INTEGER)"},
	{"DAYOFWEEK", 1, 1, "(CAST(strftime('%w', $1) AS INTEGER) + 1)"},
	{"DAYOFYEAR", 1, 1, "CAST(strftime('%j', $1) AS INTEGER)"},
	{"HOUR", 1, 1, "CAST(strftime('%H', $1) AS INTEGER)"},
	{"MINUTE", 1, 1, "CAST(strftime('%M', $1) AS INTEGER)"},
	{"MONTH", 1, 1, "CAST(strftime('%m', $1) AS INTEGER)"},
	{"NOW", 0, 0, "datetime('now')"},
	{"QUARTER", 1, 1, "((CAST(strftime('%m', $1) AS INTEGER) + 2) / 3)"},
	{"SECOND", 1, 1, "CAST(strftime('%S', $1) AS INTEGER)"},
	{"YEAR", 1, 1, "CAST(strftime('%Y', $1) AS INTEGER)"},
	/* system */
	{"IFNULL", 2, 2, "ifnull($1, $2)"},
};

struct convert_map {
	const char *sql_type;
	const char *tmpl;
};

static const struct convert_map convert_table[] = {
	{"SQL_BIGINT", "CAST($1 AS INTEGER)"}, {"SQL_INTEGER", "CAST($1 AS INTEGER)"},
	{"SQL_SMALLINT", "CAST($1 AS INTEGER)"}, {"SQL_TINYINT", "CAST($1 AS INTEGER)"},
	{"SQL_BIT", "CAST($1 AS INTEGER)"},
	{"SQL_CHAR", "CAST($1 AS TEXT)"}, {"SQL_VARCHAR", "CAST($1 AS TEXT)"},
	{"SQL_LONGVARCHAR", "CAST($1 AS TEXT)"}, {"SQL_WCHAR", "CAST($1 AS TEXT)"},
	{"SQL_WVARCHAR", "CAST($1 AS TEXT)"}, {"SQL_WLONGVARCHAR", "CAST($1 AS TEXT)"},
	{"SQL_GUID", "CAST($1 AS TEXT)"},
	{"SQL_DOUBLE", "CAST($1 AS REAL)"}, {"SQL_FLOAT", "CAST($1 AS REAL)"},
	{"SQL_REAL", "CAST($1 AS REAL)"},
	{"SQL_DECIMAL", "CAST($1 AS NUMERIC)"}, {"SQL_NUMERIC", "CAST($1 AS NUMERIC)"},
	{"SQL_DATE", "date($1)"}, {"SQL_TYPE_DATE", "date($1)"},
	{"SQL_TIME", "time($1)"}, {"SQL_TYPE_TIME", "time($1)"},
	{"SQL_TIMESTAMP", "datetime($1)"}, {"SQL_TYPE_TIMESTAMP", "datetime($1)"},
	{"SQL_BINARY", "CAST($1 AS BLOB)"}, {"SQL_VARBINARY", "CAST($1 AS BLOB)"},
	{"SQL_LONGVARBINARY", "CAST($1 AS BLOB)"},
};

static int expand_template(const char *tmpl, const struct fn_arg *args, int nargs,
			   struct dv_buf *out)
{
	const char *p;
	int i, rc = 0;
	for (p = tmpl; *p && rc == 0; p++) {
		if (p[0] != '$' || !p[1]) {
			rc = dv_buf_appendc(out, *p);
			continue;
		}
		p++;
		if (*p == '*') {
			for (i = 0; i < nargs && rc == 0; i++) {
				if (i)
					rc = dv_buf_appends(out, ", ");
				if (rc == 0)
					rc = dv_buf_append(out, args[i].p, args[i].len);
			}
		} else {
			i = *p - '1';
			if (i >= 0 && i < nargs)
				rc = dv_buf_append(out, args[i].p, args[i].len);
		}
	}
	return rc;
}

/* Skips blanks; returns the next meaningful token's start. */
static size_t skip_blank(const char *s, size_t len, size_t pos, struct sql_token *t)
{
	for (;;) {
		sql_lex(s, len, pos, t);
		if (!sql_tok_blank(t))
			return pos;
		pos += t->len;
	}
}

/* Trims blank tokens from both ends of [from, to). */
static struct fn_arg trim_arg(const char *s, size_t from, size_t to)
{
	struct fn_arg a;
	struct sql_token t;
	size_t last = from, pos = from;
	from = skip_blank(s, to, from, &t);
	for (pos = from; pos < to; pos += t.len) {
		sql_lex(s, to, pos, &t);
		if (!sql_tok_blank(&t))
			last = pos + t.len;
	}
	a.p = s + from;
	a.len = last > from ? last - from : 0;
	return a;
}

/* Splits "name(a, b)" into the name and its arguments. */
static int split_call(const char *s, size_t len, struct fn_arg *name, struct fn_arg *args,
		      int *nargs)
{
	struct sql_token t;
	size_t pos = skip_blank(s, len, 0, &t), start;
	int depth = 0;
	if (t.type != TOK_WORD)
		return -1;
	name->p = s + t.pos;
	name->len = t.len;
	pos = skip_blank(s, len, pos + t.len, &t);
	if (t.type != TOK_LPAREN)
		return -1;
	*nargs = 0;
	start = pos + 1;
	for (pos = start; ; pos += t.len) {
		sql_lex(s, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			return -1;
		if (t.type == TOK_LPAREN)
			depth++;
		if ((t.type == TOK_COMMA && depth == 0) || (t.type == TOK_RPAREN && depth == 0)) {
			struct fn_arg a = trim_arg(s, start, pos);
			if (*nargs == FN_MAX_ARGS)
				return -1;
			if (a.len > 0 || t.type == TOK_COMMA || *nargs > 0)
				args[(*nargs)++] = a;
			start = pos + 1;
			if (t.type == TOK_RPAREN)
				break;
		} else if (t.type == TOK_RPAREN) {
			depth--;
		}
	}
	skip_blank(s, len, pos + 1, &t);
	return t.type == TOK_END ? 0 : -1;
}

static int name_is(const struct fn_arg *name, const char *want)
{
	return strlen(want) == name->len && dv_strncasecmp(name->p, want, name->len) == 0;
}

static int escape_convert(const struct fn_arg *args, int nargs, size_t errpos,
			  struct dv_buf *out, struct dv_error *err)
{
	size_t i;
	if (nargs != 2)
		return dv_error_set(err, DV_S_42000, 0,
				    "CONVERT takes 2 arguments (escape at position %zu)", errpos);
	for (i = 0; i < sizeof(convert_table) / sizeof(convert_table[0]); i++) {
		if (name_is(&args[1], convert_table[i].sql_type)) {
			if (expand_template(convert_table[i].tmpl, args, 1, out) != 0)
				return dv_error_nomem(err);
			return 0;
		}
	}
	return dv_error_set(err, DV_S_42000, 0,
			    "CONVERT to '%.*s' is not supported (escape at position %zu)",
			    (int)args[1].len, args[1].p, errpos);
}

int escape_fn(const char *body, size_t len, size_t errpos, struct dv_buf *out,
	      struct dv_error *err)
{
	struct fn_arg name, args[FN_MAX_ARGS];
	int nargs = 0;
	size_t i;
	if (split_call(body, len, &name, args, &nargs) != 0)
		return dv_error_set(err, DV_S_42000, 0,
				    "malformed {fn ...} escape at position %zu", errpos);
	if (name_is(&name, "CONVERT"))
		return escape_convert(args, nargs, errpos, out, err);
	for (i = 0; i < sizeof(fn_table) / sizeof(fn_table[0]); i++) {
		const struct fn_map *m = &fn_table[i];
		if (!name_is(&name, m->odbc))
			continue;
		if (nargs < m->min_args || nargs > m->max_args)
			return dv_error_set(err, DV_S_42000, 0,
					    "wrong number of arguments to %s (escape at position %zu)",
					    m->odbc, errpos);
		if (expand_template(m->tmpl, args, nargs, out) != 0)
			return dv_error_nomem(err);
		return 0;
	}
	/* Not an ODBC function we translate: SQLite may know it by this name. */
	if (dv_buf_append(out, body, len) != 0)
		return dv_error_nomem(err);
	return 0;
}

static int all_digits(const char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* Checks "YYYY-MM-DD" at p. */
static int is_date(const char *p, size_t n)
{
	return n == 10 && all_digits(p, 4) && p[4] == '-' && all_digits(p + 5, 2) &&
	       p[7] == '-' && all_digits(p + 8, 2);
}

/* Checks "HH:MM:SS" at p. */
static int is_time(const char *p, size_t n)
{
	return n == 8 && all_digits(p, 2) && p[2] == ':' && all_digits(p + 3, 2) &&
	       p[5] == ':' && all_digits(p + 6, 2);
}

/* Length of the fraction ".ddd" to keep: trailing zeros dropped. */
static size_t fraction_keep(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (p[0] != '.' || n < 2 || !all_digits(p + 1, n - 1))
		return (size_t)-1;
	while (n > 1 && p[n - 1] == '0')
		n--;
	return n == 1 ? 0 : n;
}

int escape_datetime(char kind, const char *body, size_t len, size_t errpos,
		    struct dv_buf *out, struct dv_error *err)
{
	struct sql_token t;
	const char *v;
	size_t n, frac, pos = skip_blank(body, len, 0, &t);
	int good = 0;
	if (t.type == TOK_STRING && body[t.pos] == '\'') {
		struct sql_token rest;
		skip_blank(body, len, pos + t.len, &rest);
		v = body + t.pos + 1;
		n = t.len - 2;
		if (rest.type != TOK_END || memchr(v, '\'', n))
			good = 0;
		else if (kind == 'd')
			good = is_date(v, n);
		else if (kind == 't')
			good = is_time(v, n);
		else if (n >= 19 && is_date(v, 10) && v[10] == ' ' && is_time(v + 11, 8)) {
			frac = fraction_keep(v + 19, n - 19);
			if (frac != (size_t)-1) {
				n = 19 + frac;
				good = 1;
			}
		}
	}
	if (!good)
		return dv_error_set(err, DV_S_22007, 0,
				    "invalid {%s '...'} literal at position %zu",
				    kind == 'd' ? "d" : kind == 't' ? "t" : "ts", errpos);
	if (dv_buf_appendc(out, '\'') != 0 || dv_buf_append(out, v, n) != 0 ||
	    dv_buf_appendc(out, '\'') != 0)
		return dv_error_nomem(err);
	return 0;
}
