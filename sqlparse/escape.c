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

#include <stdlib.h>
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
	{"BIT_LENGTH", 1, 1, "(length(CAST($1 AS BLOB)) * 8)"},
	{"CHAR", 1, 1, "char($1)"},
	{"CHAR_LENGTH", 1, 1, "length($1)"},
	{"CHARACTER_LENGTH", 1, 1, "length($1)"},
	{"CONCAT", 2, 2, "($1 || $2)"},
	{"LCASE", 1, 1, "lower($1)"},
	{"LEFT", 2, 2, "substr($1, 1, $2)"},
	/* ODBC: LENGTH excludes trailing blanks. */
	{"LENGTH", 1, 1, "length(rtrim($1, ' '))"},
	{"INSERT", 4, 4, SQLPARSE_FN_INSERT "($*)"},
	{"LOCATE", 2, 3, SQLPARSE_FN_LOCATE "($*)"},
	{"LTRIM", 1, 1, "ltrim($1, ' ')"},
	{"OCTET_LENGTH", 1, 1, "length(CAST($1 AS BLOB))"},
	{"REPEAT", 2, 2, SQLPARSE_FN_REPEAT "($1, $2)"},
	{"REPLACE", 3, 3, "replace($1, $2, $3)"},
	{"RIGHT", 2, 2, SQLPARSE_FN_RIGHT "($1, $2)"},
	{"RTRIM", 1, 1, "rtrim($1, ' ')"},
	{"SPACE", 1, 1, SQLPARSE_FN_REPEAT "(' ', $1)"},
	{"SUBSTRING", 2, 3, "substr($*)"},
	{"UCASE", 1, 1, "upper($1)"},
	/* numeric */
	{"ABS", 1, 1, "abs($1)"},
	{"ACOS", 1, 1, "acos($1)"},
	{"ASIN", 1, 1, "asin($1)"},
	{"ATAN", 1, 1, "atan($1)"},
	{"ATAN2", 2, 2, "atan2($1, $2)"},
	{"CEILING", 1, 1, "ceil($1)"},
	{"COS", 1, 1, "cos($1)"},
	{"COT", 1, 1, "(1.0 / tan($1))"},
	{"DEGREES", 1, 1, "degrees($1)"},
	{"EXP", 1, 1, "exp($1)"},
	{"FLOOR", 1, 1, "floor($1)"},
	{"LOG", 1, 1, "ln($1)"},
	{"LOG10", 1, 1, "log10($1)"},
	{"MOD", 2, 2, "($1 % $2)"},
	{"PI", 0, 0, "pi()"},
	{"POWER", 2, 2, "pow($1, $2)"},
	{"RADIANS", 1, 1, "radians($1)"},
	/* ROUND and TRUNCATE work on the decimal digits; negative places too */
	{"ROUND", 1, 2, SQLPARSE_FN_ROUND "($*)"},
	{"SIGN", 1, 1, "sign($1)"},
	{"SIN", 1, 1, "sin($1)"},
	{"SQRT", 1, 1, "sqrt($1)"},
	{"TAN", 1, 1, "tan($1)"},
	{"TRUNCATE", 2, 2, SQLPARSE_FN_TRUNCATE "($1, $2)"},
	/* time and date (UTC, as the engine stores them) */
	{"CURDATE", 0, 0, "date('now')"},
	{"CURRENT_DATE", 0, 0, "date('now')"},
	{"CURRENT_TIME", 0, 1, "time('now')"},
	{"CURRENT_TIMESTAMP", 0, 1, "datetime('now')"},
	{"CURTIME", 0, 0, "time('now')"},
	{"DAYNAME", 1, 1, SQLPARSE_FN_DAYNAME "($1)"},
	{"DAYOFMONTH", 1, 1, "CAST(strftime('%d', $1) AS INTEGER)"},
	{"DAYOFWEEK", 1, 1, "(CAST(strftime('%w', $1) AS INTEGER) + 1)"},
	{"DAYOFYEAR", 1, 1, "CAST(strftime('%j', $1) AS INTEGER)"},
	{"HOUR", 1, 1, "CAST(strftime('%H', $1) AS INTEGER)"},
	{"MINUTE", 1, 1, "CAST(strftime('%M', $1) AS INTEGER)"},
	{"MONTH", 1, 1, "CAST(strftime('%m', $1) AS INTEGER)"},
	{"MONTHNAME", 1, 1, SQLPARSE_FN_MONTHNAME "($1)"},
	{"NOW", 0, 0, "datetime('now')"},
	{"QUARTER", 1, 1, "((CAST(strftime('%m', $1) AS INTEGER) + 2) / 3)"},
	{"SECOND", 1, 1, "CAST(strftime('%S', $1) AS INTEGER)"},
	{"WEEK", 1, 1, SQLPARSE_FN_WEEK "($1)"},
	{"YEAR", 1, 1, "CAST(strftime('%Y', $1) AS INTEGER)"},
	/* system */
	{"IFNULL", 2, 2, "ifnull($1, $2)"},
};

struct convert_map {
	const char *sql_type;
	const char *tmpl;
};

/* CONVERT follows CAST's rules (sqlfuncs.c dv_cast): SQL_DECIMAL and
 * SQL_NUMERIC have no precision in the escape, so they are DECIMAL(18,0) as
 * SQL Server's default; the character types keep the whole value. */
static const struct convert_map convert_table[] = {
	{"SQL_BIGINT", "'BIGINT'"}, {"SQL_INTEGER", "'INTEGER'"},
	{"SQL_SMALLINT", "'SMALLINT'"}, {"SQL_TINYINT", "'TINYINT'"}, {"SQL_BIT", "'BIT'"},
	{"SQL_CHAR", "'VARCHAR'"}, {"SQL_VARCHAR", "'VARCHAR'"},
	{"SQL_LONGVARCHAR", "'VARCHAR'"}, {"SQL_WCHAR", "'VARCHAR'"},
	{"SQL_WVARCHAR", "'VARCHAR'"}, {"SQL_WLONGVARCHAR", "'VARCHAR'"},
	{"SQL_GUID", "'GUID'"},
	{"SQL_DOUBLE", "'DOUBLE'"}, {"SQL_FLOAT", "'DOUBLE'"}, {"SQL_REAL", "'DOUBLE'"},
	{"SQL_DECIMAL", "'DECIMAL', 18, 0"}, {"SQL_NUMERIC", "'DECIMAL', 18, 0"},
	{"SQL_DATE", "'DATE'"}, {"SQL_TYPE_DATE", "'DATE'"},
	{"SQL_TIME", "'TIME'"}, {"SQL_TYPE_TIME", "'TIME'"},
	{"SQL_TIMESTAMP", "'TIMESTAMP'"}, {"SQL_TYPE_TIMESTAMP", "'TIMESTAMP'"},
	{"SQL_BINARY", "'BINARY'"}, {"SQL_VARBINARY", "'BINARY'"},
	{"SQL_LONGVARBINARY", "'BINARY'"},
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
			if (dv_buf_appends(out, SQLPARSE_FN_CAST "(") != 0 ||
			    dv_buf_append(out, args[0].p, args[0].len) != 0 ||
			    dv_buf_appendf(out, ", %s)", convert_table[i].tmpl) != 0)
				return dv_error_nomem(err);
			return 0;
		}
	}
	return dv_error_set(err, DV_S_42000, 0,
			    "CONVERT to '%.*s' is not supported (escape at position %zu)",
			    (int)args[1].len, args[1].p, errpos);
}

/* TIMESTAMPADD(interval, n, ts), TIMESTAMPDIFF(interval, ts1, ts2): the
 * interval is a keyword (SQL_TSI_DAY, or DAY as some applications write
 * it), handed to the function as text. */
static int escape_timestamp_fn(const struct fn_arg *name, const struct fn_arg *args,
			       int nargs, size_t errpos, struct dv_buf *out,
			       struct dv_error *err)
{
	static const char *const intervals[] = {"FRAC_SECOND", "SECOND", "MINUTE", "HOUR",
						"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"};
	int add = name->len == 12;
	struct fn_arg iv = args[0];
	size_t i;
	if (nargs != 3)
		return dv_error_set(err, DV_S_42000, 0,
				    "wrong number of arguments to %s (escape at position %zu)",
				    add ? "TIMESTAMPADD" : "TIMESTAMPDIFF", errpos);
	if (iv.len > 8 && dv_strncasecmp(iv.p, "SQL_TSI_", 8) == 0) {
		iv.p += 8;
		iv.len -= 8;
	}
	for (i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++)
		if (name_is(&iv, intervals[i]))
			break;
	if (i == sizeof(intervals) / sizeof(intervals[0]))
		return dv_error_set(err, DV_S_42000, 0,
				    "'%.*s' is not an interval of %s: use SQL_TSI_FRAC_SECOND, "
				    "_SECOND, _MINUTE, _HOUR, _DAY, _WEEK, _MONTH, _QUARTER or "
				    "_YEAR (escape at position %zu)", (int)args[0].len, args[0].p,
				    add ? "TIMESTAMPADD" : "TIMESTAMPDIFF", errpos);
	if (dv_buf_appendf(out, "%s('%s', ", add ? SQLPARSE_FN_TSADD : SQLPARSE_FN_TSDIFF,
			   intervals[i]) != 0 ||
	    dv_buf_append(out, args[1].p, args[1].len) != 0 || dv_buf_appends(out, ", ") != 0 ||
	    dv_buf_append(out, args[2].p, args[2].len) != 0 || dv_buf_appendc(out, ')') != 0)
		return dv_error_nomem(err);
	return 0;
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
	if (name_is(&name, "TIMESTAMPADD") || name_is(&name, "TIMESTAMPDIFF"))
		return escape_timestamp_fn(&name, args, nargs, errpos, out, err);
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

/* ---- CAST ------------------------------------------------------------------
 *
 * SQLite's CAST knows storage classes, not SQL types: CAST(x AS DATE) is a
 * NUMERIC cast (2022-11-22 -> 2022), VARCHAR(5) does not truncate, DECIMAL
 * does not round.  Source: https://www.sqlite.org/lang_expr.html#castexpr */

struct cast_type {
	const char *names;       /* type names, '|' separated, "A B" two words */
	const char *fn_type;
	int sized;               /* 1: (n) is kept; 2: (p, s) */
};

static const struct cast_type cast_types[] = {
	{"DATE|", "DATE", 0},
	{"TIME|", "TIME", 0},
	{"TIMESTAMP|DATETIME|DATETIME2|SMALLDATETIME|", "TIMESTAMP", 0},
	{"VARCHAR|NVARCHAR|CHARACTER VARYING|CHAR VARYING|NATIONAL VARCHAR|", "VARCHAR", 1},
	{"CHAR|NCHAR|CHARACTER|NATIONAL CHAR|NATIONAL CHARACTER|", "CHAR", 1},
	{"DECIMAL|NUMERIC|DEC|", "DECIMAL", 2},
	{"INT|INTEGER|", "INTEGER", 0},
	{"BIGINT|", "BIGINT", 0},
	{"SMALLINT|", "SMALLINT", 0},
	{"TINYINT|", "TINYINT", 0},
	{"BIT|", "BIT", 0},
	{"FLOAT|REAL|DOUBLE|DOUBLE PRECISION|", "DOUBLE", 0},
	{"UNIQUEIDENTIFIER|GUID|", "GUID", 0},
	{"BINARY|VARBINARY|", "BINARY", 1},
};

static int words_are(const char *s, const struct sql_token *w, int nw, const char *name,
		     size_t n)
{
	size_t at = 0;
	int i;
	for (i = 0; i < nw; i++) {
		size_t len = w[i].len;
		if (i > 0) {
			if (at >= n || name[at] != ' ')
				return 0;
			at++;
		}
		if (at + len > n || dv_strncasecmp(s + w[i].pos, name + at, len) != 0)
			return 0;
		at += len;
	}
	return at == n;
}

static const struct cast_type *find_cast(const char *s, const struct sql_token *w, int nw)
{
	size_t i;
	for (i = 0; i < sizeof(cast_types) / sizeof(cast_types[0]); i++) {
		const char *p = cast_types[i].names, *bar;
		for (; (bar = strchr(p, '|')) != NULL; p = bar + 1)
			if (words_are(s, w, nw, p, (size_t)(bar - p)))
				return &cast_types[i];
	}
	return NULL;
}

static int casts_in(const char *s, size_t len, struct dv_buf *out, int depth);

/* "CAST ( expr AS type )" starting at `at` (the CAST word): 1 = rewritten
 * (*next = after ')'), 0 = leave it. */
static int cast_at(const char *s, size_t len, size_t at, struct dv_buf *out, size_t *next,
		   int depth)
{
	struct sql_token t, w[3];
	size_t pos = skip_blank(s, len, at + 4, &t), lp, as = 0, rp, tpos;
	int lvl = 0, nw = 0;
	long n1 = -1, n2 = -1;
	const struct cast_type *ct;
	if (t.type != TOK_LPAREN)
		return 0;
	lp = pos;
	for (pos = lp; ; pos += t.len) {
		sql_lex(s, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			return 0;
		if (t.type == TOK_LPAREN)
			lvl++;
		else if (t.type == TOK_RPAREN && --lvl == 0)
			break;
		else if (lvl == 1 && sql_tok_is(s, &t, "AS"))
			as = pos;
	}
	rp = pos;
	if (!as)
		return 0;
	tpos = skip_blank(s, rp, as + 2, &t);
	while (t.type == TOK_WORD && nw < 3) {
		w[nw++] = t;
		tpos = skip_blank(s, rp, tpos + t.len, &t);
	}
	if (nw == 0 || nw == 3)
		return 0;
	if (t.type == TOK_LPAREN) {
		tpos = skip_blank(s, rp, tpos + 1, &t);
		if (t.type == TOK_NUMBER)
			n1 = strtol(s + t.pos, NULL, 10);
		else if (!sql_tok_is(s, &t, "MAX"))
			return 0;
		tpos = skip_blank(s, rp, tpos + t.len, &t);
		if (t.type == TOK_COMMA) {
			tpos = skip_blank(s, rp, tpos + 1, &t);
			if (t.type != TOK_NUMBER)
				return 0;
			n2 = strtol(s + t.pos, NULL, 10);
			tpos = skip_blank(s, rp, tpos + t.len, &t);
		}
		if (t.type != TOK_RPAREN)
			return 0;
		tpos = skip_blank(s, rp, tpos + 1, &t);
	}
	if (t.type != TOK_END)
		return 0;
	ct = find_cast(s, w, nw);
	if (!ct)
		return 0;
	if (dv_buf_appends(out, SQLPARSE_FN_CAST "(") != 0 ||
	    casts_in(s + lp + 1, as - lp - 1, out, depth + 1) != 0)
		return -1;
	while (out->len > 0 && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\n'))
		out->len--;
	if (dv_buf_appendf(out, ", '%s'", ct->fn_type) != 0)
		return -1;
	if (ct->sized == 2) {
		if (dv_buf_appendf(out, ", %ld, %ld", n1 > 0 ? n1 : 18, n2 >= 0 ? n2 : 0) != 0)
			return -1;
	} else if (ct->sized == 1 && n1 > 0) {
		if (dv_buf_appendf(out, ", %ld", n1) != 0)
			return -1;
	}
	if (dv_buf_appendc(out, ')') != 0)
		return -1;
	*next = rp + 1;
	return 1;
}

static int casts_in(const char *s, size_t len, struct dv_buf *out, int depth)
{
	struct sql_token t;
	size_t pos = 0;
	if (depth > 64)
		return dv_buf_append(out, s, len);
	while (pos < len) {
		sql_lex(s, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD) {
			return dv_buf_append(out, s + pos, len - pos);
		}
		if (sql_tok_is(s, &t, "CAST")) {
			size_t next;
			int rc = cast_at(s, len, pos, out, &next, depth);
			if (rc < 0)
				return -1;
			if (rc == 1) {
				pos = next;
				continue;
			}
		}
		if (dv_buf_append(out, s + t.pos, t.len) != 0)
			return -1;
		pos = t.pos + t.len;
	}
	return 0;
}

/* Select-list items of the statement's own SELECTs (parenthesis depth 0)
 * keep the name SQLite gave them before the rewrite: an item without an
 * alias that contains a rewritten CAST gets AS "<its text>" (SQLite names
 * an unaliased expression by its text, so CAST(createdon AS DATE) stays
 * the column's name). */
#define CAST_MAX_ITEMS 256

struct item_span {
	size_t from, to;       /* bytes of the item */
};

static int is_end_kw(const char *s, const struct sql_token *t)
{
	static const char *const kws[] = {"FROM", "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER",
					  "LIMIT", "UNION", "EXCEPT", "INTERSECT", "INTO", NULL};
	int k;
	for (k = 0; kws[k]; k++)
		if (sql_tok_is(s, t, kws[k]))
			return 1;
	return 0;
}

/* True when the item [from, to) ends with an alias. */
static int item_has_alias(const char *s, size_t from, size_t to)
{
	struct sql_token t, prev = {TOK_END, 0, 0}, last = {TOK_END, 0, 0};
	size_t pos;
	for (pos = from; pos < to; pos += t.len) {
		sql_lex(s, to, pos, &t);
		if (t.type == TOK_END)
			break;
		if (sql_tok_blank(&t))
			continue;
		prev = last;
		last = t;
	}
	if (last.type != TOK_WORD && last.type != TOK_QIDENT)
		return 0;
	if (sql_tok_is(s, &last, "END") || prev.type == TOK_END)
		return 0;
	return sql_tok_is(s, &prev, "AS") || prev.type == TOK_RPAREN || prev.type == TOK_WORD ||
	       prev.type == TOK_QIDENT || prev.type == TOK_NUMBER || prev.type == TOK_STRING;
}

/* The items of depth-0 select lists into items[]; returns their number. */
static size_t top_items(const char *s, size_t len, struct item_span *items, size_t max)
{
	struct sql_token t;
	size_t pos = 0, n = 0, start = 0;
	int depth = 0, in_list = 0, first = 0;
	for (;; pos += t.len) {
		sql_lex(s, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			break;
		if (sql_tok_blank(&t))
			continue;
		if (t.type == TOK_LPAREN)
			depth++;
		else if (t.type == TOK_RPAREN)
			depth--;
		if (depth != 0 || t.type == TOK_RPAREN) {
			first = 0;
			continue;
		}
		if (!in_list) {
			if (sql_tok_is(s, &t, "SELECT")) {
				in_list = 1;
				first = 1;
				start = pos + t.len;
			}
			continue;
		}
		if (first && (sql_tok_is(s, &t, "DISTINCT") || sql_tok_is(s, &t, "ALL"))) {
			start = pos + t.len;
			continue;
		}
		first = 0;
		if (t.type == TOK_COMMA || t.type == TOK_SEMI || is_end_kw(s, &t)) {
			if (n < max) {
				items[n].from = start;
				items[n++].to = pos;
			}
			start = pos + t.len;
			if (t.type != TOK_COMMA)
				in_list = 0;
		}
	}
	if (in_list && n < max) {
		items[n].from = start;
		items[n++].to = len;
	}
	return n;
}

static int append_alias(struct dv_buf *out, const char *s, size_t from, size_t to)
{
	size_t i;
	while (from < to && (s[from] == ' ' || s[from] == '\n' || s[from] == '\t'))
		from++;
	while (to > from && (s[to - 1] == ' ' || s[to - 1] == '\n' || s[to - 1] == '\t'))
		to--;
	if (dv_buf_appends(out, " AS \"") != 0)
		return -1;
	for (i = from; i < to; i++)
		if ((s[i] == '"' && dv_buf_appendc(out, '"') != 0) || dv_buf_appendc(out, s[i]) != 0)
			return -1;
	return dv_buf_appendc(out, '"');
}

int escape_casts(struct dv_buf *sql, struct dv_error *err)
{
	struct item_span items[CAST_MAX_ITEMS];
	struct dv_buf out;
	const char *s = sql->data;
	size_t i, n, at = 0;
	/* quick exit: no CAST word at all */
	for (i = 0; i + 4 <= sql->len; i++)
		if (dv_strncasecmp(sql->data + i, "CAST", 4) == 0)
			break;
	if (i + 4 > sql->len)
		return 0;
	n = top_items(s, sql->len, items, CAST_MAX_ITEMS);
	dv_buf_init(&out, 0);
	for (i = 0; i < n; i++) {
		/* the alias goes after the item's last character, before blanks */
		while (items[i].to > items[i].from &&
		       (s[items[i].to - 1] == ' ' || s[items[i].to - 1] == '\n' ||
			s[items[i].to - 1] == '\t' || s[items[i].to - 1] == '\r'))
			items[i].to--;
		if (casts_in(s + at, items[i].to - at, &out, 0) != 0)
			goto nomem;
		at = items[i].to;
		/* changed and unnamed: keep SQLite's name for it */
		{
			struct dv_buf item;
			int changed;
			dv_buf_init(&item, 0);
			if (casts_in(s + items[i].from, items[i].to - items[i].from, &item, 0) != 0) {
				dv_buf_free(&item);
				goto nomem;
			}
			changed = item.len != items[i].to - items[i].from ||
				  (item.len && memcmp(item.data, s + items[i].from, item.len) != 0);
			dv_buf_free(&item);
			if (changed && !item_has_alias(s, items[i].from, items[i].to) &&
			    append_alias(&out, s, items[i].from, items[i].to) != 0)
				goto nomem;
		}
	}
	if (casts_in(s + at, sql->len - at, &out, 0) != 0)
		goto nomem;
	dv_buf_free(sql);
	*sql = out;
	return 0;
nomem:
	dv_buf_free(&out);
	return dv_error_nomem(err);
}
