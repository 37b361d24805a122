/* exprtype.c - the SQL type of a result column that is an expression
 * (sqlfuncs_describe, see sqlfuncs.h).
 *
 * SQLite declares a type only for a result column that is a plain column
 * (sqlite3_column_decltype); for anything else the driver used to say
 * VARCHAR(255).  This file reads the statement SQLite prepared (its own
 * text, already rewritten by sqlparse) far enough to type each result
 * expression the way SQL does:
 *  - a column: the declared type of its table's column
 *    (sqlite3_table_column_metadata), or the type of the derived table's,
 *    view's or CTE's expression it names;
 *  - COUNT -> BIGINT (never NULL); SUM of integers -> BIGINT, of DECIMAL(p,s)
 *    -> DECIMAL(38,s), of doubles -> DOUBLE; AVG of DECIMAL(p,s) ->
 *    DECIMAL(38,s), else DOUBLE; MIN/MAX -> their argument's type;
 *  - arithmetic: integers -> BIGINT (INTEGER for / and % of INTEGERs),
 *    with DECIMALs -> DECIMAL (+,-: max scale; *: sum of scales), a DOUBLE
 *    or a division by a DECIMAL -> DOUBLE;
 *  - || -> NVARCHAR(sum of sizes); CASE, COALESCE, IFNULL, NULLIF -> the
 *    common type of their values; comparisons and predicates -> INTEGER;
 *  - literals: 5 -> INTEGER, 1.25 -> DECIMAL(3,2), 'abc' -> NVARCHAR(3);
 *  - functions: the table below; dv_cast(x, 'TYPE', p, s) -> TYPE(p,s).
 * Anything it cannot read leaves the column to the caller's default.
 * Source: https://www.sqlite.org/lang_expr.html (precedence), ISO SQL 6.27
 * (numeric result types), SQL Server's "Data type precedence". */
#include "engine/sqlfuncs.h"
#include "engine/engine_int.h"

#include <sql.h>
#include <sqlext.h>
#include <stdlib.h>
#include <string.h>

#include "sqlparse/lexer.h"
#include "util/strutil.h"

#define XT_MAX_TOKENS 20000
#define XT_MAX_DEPTH 32
#define XT_MAX_SOURCES 32
#define XT_TEXT_MAX 4000
#define XT_DEC_MAX 38

enum xk { XK_UNKNOWN, XK_NULL, XK_INT, XK_BIGINT, XK_DEC, XK_DOUBLE, XK_BIT, XK_TEXT,
	  XK_DATE, XK_TIME, XK_TS, XK_GUID, XK_BINARY };

struct xt {
	enum xk k;
	long size;      /* text characters, decimal precision, binary bytes */
	int scale;      /* decimal scale */
	int notnull;
};

struct tok {
	enum sql_tok type;
	const char *p;
	size_t len;
};

struct src {
	const char *name;          /* alias or table name (not NUL-terminated) */
	size_t name_len;
	const char *table;         /* table name, or NULL for a subquery */
	size_t table_len;
	int from, to;              /* subquery / CTE body tokens, or -1 */
	int cols_from, cols_to;    /* CTE column list tokens, or -1 */
	struct scope *def;         /* scope its body is typed in */
};

struct scope {
	struct src src[XT_MAX_SOURCES];
	int nsrc;
	struct src cte[XT_MAX_SOURCES];
	int ncte;
	struct scope *outer;
};

struct px {
	struct dv_engine *eng;
	struct tok *t;
	int n;
	int depth;
};

static int select_col(struct px *x, int from, int to, int col, const struct tok *name,
		      struct scope *outer, struct xt *out);
static int expr(struct px *x, struct scope *sc, int *i, int end, int prec, struct xt *out);

/* ---- tokens ---------------------------------------------------------------- */

static int is_kw(const struct tok *t, const char *kw)
{
	size_t n = strlen(kw);
	return t->type == TOK_WORD && t->len == n && dv_strncasecmp(t->p, kw, n) == 0;
}

static int is_op(const struct tok *t, const char *op)
{
	size_t n = strlen(op);
	return t->type == TOK_PUNCT && t->len == n && memcmp(t->p, op, n) == 0;
}

static int tokenize(const char *s, struct px *x)
{
	size_t len = strlen(s), pos = 0;
	struct sql_token t;
	int cap = 256;
	x->t = malloc(sizeof(*x->t) * (size_t)cap);
	x->n = 0;
	if (!x->t)
		return -1;
	for (;;) {
		sql_lex(s, len, pos, &t);
		if (t.type == TOK_END || t.type == TOK_BAD)
			break;
		pos = t.pos + t.len;
		if (sql_tok_blank(&t))
			continue;
		if (t.type == TOK_PUNCT && x->n > 0) {
			struct tok *prev = &x->t[x->n - 1];
			static const char *const two[] = {"||", "<=", ">=", "<>", "!=", "==", "<<",
							  ">>", "->", "->>"};
			size_t k;
			for (k = 0; k < sizeof(two) / sizeof(two[0]); k++) {
				size_t m = strlen(two[k]);
				if (prev->type == TOK_PUNCT && prev->p + prev->len == s + t.pos &&
				    prev->len + 1 == m && memcmp(prev->p, two[k], m - 1) == 0 &&
				    s[t.pos] == two[k][m - 1])
					break;
			}
			if (k < sizeof(two) / sizeof(two[0])) {
				prev->len++;
				continue;
			}
		}
		if (x->n == cap) {
			struct tok *nt;
			if (cap >= XT_MAX_TOKENS)
				return -1;
			cap *= 2;
			nt = realloc(x->t, sizeof(*x->t) * (size_t)cap);
			if (!nt)
				return -1;
			x->t = nt;
		}
		x->t[x->n].type = t.type;
		x->t[x->n].p = s + t.pos;
		x->t[x->n].len = t.len;
		x->n++;
	}
	return 0;
}

/* The token after the parenthesis that closes the one at i. */
static int skip_parens(struct px *x, int i, int end)
{
	int depth = 0;
	for (; i < end; i++) {
		if (x->t[i].type == TOK_LPAREN)
			depth++;
		else if (x->t[i].type == TOK_RPAREN && --depth == 0)
			return i + 1;
	}
	return end;
}

/* Identifier text without quotes. */
static void ident(const struct tok *t, const char **p, size_t *n)
{
	*p = t->p;
	*n = t->len;
	if (t->type == TOK_QIDENT && t->len >= 2) {
		(*p)++;
		*n -= 2;
	}
}

static int ident_eq(const struct tok *t, const char *p, size_t n)
{
	const char *q;
	size_t m;
	ident(t, &q, &m);
	return m == n && dv_strncasecmp(q, p, n) == 0;
}

static int is_name(const struct tok *t)
{
	return t->type == TOK_WORD || t->type == TOK_QIDENT;
}

/* ---- types ------------------------------------------------------------------- */

static void set(struct xt *o, enum xk k, long size, int scale)
{
	o->k = k;
	o->size = size;
	o->scale = scale;
	o->notnull = 0;
}

/* A declared type ("NVARCHAR(160) COLLATE DVNOCASE", "DECIMAL(19,2)", ...). */
static void from_decl(const char *d, struct xt *o)
{
	long a = -1, b = 0;
	const char *paren = d ? strchr(d, '(') : NULL;
	set(o, XK_UNKNOWN, 0, 0);
	if (!d)
		return;
	if (paren) {
		char *end;
		a = strtol(paren + 1, &end, 10);
		if (*end == ',')
			b = strtol(end + 1, NULL, 10);
	}
	if (!dv_strncasecmp(d, "NVARCHAR", 8) || !dv_strncasecmp(d, "VARCHAR", 7))
		set(o, XK_TEXT, a > 0 ? a : XT_TEXT_MAX, 0);
	else if (!dv_strncasecmp(d, "NTEXT", 5) || !dv_strncasecmp(d, "TEXT", 4))
		set(o, XK_TEXT, 1048576, 0);
	else if (!dv_strncasecmp(d, "UNIQUEIDENTIFIER", 16))
		set(o, XK_GUID, 36, 0);
	else if (!dv_strncasecmp(d, "INTEGER", 7))
		set(o, XK_INT, 10, 0);
	else if (!dv_strncasecmp(d, "BIGINT", 6))
		set(o, XK_BIGINT, 19, 0);
	else if (!dv_strncasecmp(d, "DECIMAL", 7))
		set(o, XK_DEC, a > 0 ? a : 23, (int)b);
	else if (!dv_strncasecmp(d, "DOUBLE", 6))
		set(o, XK_DOUBLE, 15, 0);
	else if (!dv_strncasecmp(d, "BIT", 3))
		set(o, XK_BIT, 1, 0);
	else if (!dv_strncasecmp(d, "DATETIME", 8))
		set(o, XK_TS, 19, 0);
	else if (!dv_strncasecmp(d, "DATE", 4))
		set(o, XK_DATE, 10, 0);
	else if (!dv_strncasecmp(d, "IMAGE", 5))
		set(o, XK_BINARY, 2147483647L, 0);
}

static int numeric(enum xk k)
{
	return k == XK_INT || k == XK_BIGINT || k == XK_DEC || k == XK_DOUBLE || k == XK_BIT;
}

static int integral(enum xk k)
{
	return k == XK_INT || k == XK_BIGINT || k == XK_BIT;
}

/* Digits before the point of a numeric type. */
static long int_digits(const struct xt *t)
{
	return t->k == XK_DEC ? t->size - t->scale : t->k == XK_BIGINT ? 19 : 10;
}

/* The type of a value that is either a or b (CASE, COALESCE, UNION). */
static void unify(struct xt *a, const struct xt *b)
{
	int notnull = a->notnull || b->notnull;
	if (b->k == XK_NULL || a->k == XK_UNKNOWN)
		return;
	if (a->k == XK_NULL || b->k == XK_UNKNOWN) {
		*a = *b;
		return;
	}
	if (a->k == b->k) {
		if (b->size > a->size)
			a->size = b->size;
		if (a->k == XK_DEC) {
			long id = int_digits(a) > int_digits(b) ? int_digits(a) : int_digits(b);
			int sc = a->scale > b->scale ? a->scale : b->scale;
			a->scale = sc;
			a->size = id + sc > XT_DEC_MAX ? XT_DEC_MAX : id + sc;
		}
	} else if (numeric(a->k) && numeric(b->k)) {
		if (a->k == XK_DOUBLE || b->k == XK_DOUBLE) {
			set(a, XK_DOUBLE, 15, 0);
		} else if (a->k == XK_DEC || b->k == XK_DEC) {
			const struct xt *d = a->k == XK_DEC ? a : b, *o = a->k == XK_DEC ? b : a;
			long id = int_digits(d) > int_digits(o) ? int_digits(d) : int_digits(o);
			int sc = d->scale;
			set(a, XK_DEC, id + sc > XT_DEC_MAX ? XT_DEC_MAX : id + sc, sc);
		} else {
			set(a, XK_BIGINT, 19, 0);
		}
	} else if ((a->k == XK_DATE || a->k == XK_TS) && (b->k == XK_DATE || b->k == XK_TS)) {
		set(a, XK_TS, 19, 0);
	} else {
		long n = a->size > b->size ? a->size : b->size;
		set(a, XK_TEXT, n > 36 ? n : 36, 0);
	}
	a->notnull = notnull && a->notnull;
}

static void arith(struct xt *a, const struct xt *b, char op)
{
	if (a->k == XK_UNKNOWN || b->k == XK_UNKNOWN) {
		set(a, XK_UNKNOWN, 0, 0);
		return;
	}
	if (a->k == XK_NULL || b->k == XK_NULL) {
		set(a, XK_NULL, 0, 0);
		return;
	}
	if (integral(a->k) && integral(b->k)) {
		if ((op == '/' || op == '%') && a->k != XK_BIGINT && b->k != XK_BIGINT)
			set(a, XK_INT, 10, 0);
		else
			set(a, XK_BIGINT, 19, 0);
		return;
	}
	if ((a->k == XK_DEC || integral(a->k)) && (b->k == XK_DEC || integral(b->k)) &&
	    op != '/') {
		int sa = a->k == XK_DEC ? a->scale : 0, sb = b->k == XK_DEC ? b->scale : 0;
		int sc = op == '*' ? sa + sb : op == '%' ? (sa > sb ? sa : sb) : (sa > sb ? sa : sb);
		if (sc > 18)
			sc = 18;
		set(a, XK_DEC, XT_DEC_MAX, sc);
		return;
	}
	set(a, XK_DOUBLE, 15, 0);
}

/* ---- scopes -------------------------------------------------------------------- */

static int source_col(struct px *x, const struct src *s, const struct tok *col,
		      struct xt *out)
{
	if (s->from >= 0) {
		int i, k = 0;
		if (s->cols_from >= 0) { /* WITH c(a, b) AS (...): by position */
			for (i = s->cols_from; i < s->cols_to; i++) {
				if (x->t[i].type == TOK_COMMA)
					k++;
				else if (is_name(&x->t[i]) && ident_eq(col, x->t[i].p +
						 (x->t[i].type == TOK_QIDENT), x->t[i].len -
						 (x->t[i].type == TOK_QIDENT ? 2 : 0)))
					return select_col(x, s->from, s->to, k, NULL, s->def, out);
			}
			return -1;
		}
		return select_col(x, s->from, s->to, -1, col, s->def, out);
	} else {
		char table[256], name[256];
		const char *decl = NULL, *p;
		size_t n;
		if (s->table_len >= sizeof(table))
			return -1;
		memcpy(table, s->table, s->table_len);
		table[s->table_len] = '\0';
		ident(col, &p, &n);
		if (n >= sizeof(name))
			return -1;
		memcpy(name, p, n);
		name[n] = '\0';
		if (sqlite3_table_column_metadata(x->eng->db, NULL, table, name, &decl, NULL, NULL,
						  NULL, NULL) != SQLITE_OK)
			return -1;
		from_decl(decl, out);
		return out->k == XK_UNKNOWN ? -1 : 0;
	}
}

/* Types the column reference [q.]col in scope sc (then the outer ones). */
static int column_ref(struct px *x, struct scope *sc, const struct tok *q,
		      const struct tok *col, struct xt *out)
{
	for (; sc; sc = sc->outer) {
		int i;
		for (i = 0; i < sc->nsrc; i++) {
			const struct src *s = &sc->src[i];
			if (q && !ident_eq(q, s->name, s->name_len))
				continue;
			if (source_col(x, s, col, out) == 0)
				return 0;
		}
	}
	return -1;
}

static const struct src *find_cte(struct scope *sc, const char *p, size_t n)
{
	for (; sc; sc = sc->outer) {
		int i;
		for (i = 0; i < sc->ncte; i++)
			if (sc->cte[i].name_len == n && dv_strncasecmp(sc->cte[i].name, p, n) == 0)
				return &sc->cte[i];
	}
	return NULL;
}

/* ---- functions ------------------------------------------------------------------ */

#define MAX_ARGS 16

static void text_of(const struct xt *a, struct xt *out)
{
	set(out, XK_TEXT, a->k == XK_TEXT ? a->size : XT_TEXT_MAX, 0);
}

static int int_literal_at(struct px *x, int i, long *v)
{
	int neg = 0;
	char buf[24];
	const struct tok *t;
	if (i < 0 || i >= x->n)
		return -1;
	if (is_op(&x->t[i], "-")) {
		neg = 1;
		i++;
	}
	t = &x->t[i];
	if (t->type != TOK_NUMBER || t->len >= sizeof(buf))
		return -1;
	memcpy(buf, t->p, t->len);
	buf[t->len] = '\0';
	if (dv_parse_long(buf, v) != 0)
		return -1;
	if (neg)
		*v = -*v;
	return 0;
}

/* dv_cast(x, 'TYPE', p, s) */
static void cast_type(struct px *x, const int *argpos, int nargs, const struct xt *a,
		      struct xt *out)
{
	const struct tok *t = &x->t[argpos[1]];
	long p = -1, s = 0;
	char type[16];
	size_t n = t->len >= 2 ? t->len - 2 : 0;
	if (n >= sizeof(type))
		n = sizeof(type) - 1;
	memcpy(type, t->p + 1, n);
	type[n] = '\0';
	if (nargs > 2)
		int_literal_at(x, argpos[2], &p);
	if (nargs > 3)
		int_literal_at(x, argpos[3], &s);
	if (!strcmp(type, "DATE"))
		set(out, XK_DATE, 10, 0);
	else if (!strcmp(type, "TIME"))
		set(out, XK_TIME, 8, 0);
	else if (!strcmp(type, "TIMESTAMP"))
		set(out, XK_TS, 19, 0);
	else if (!strcmp(type, "VARCHAR") || !strcmp(type, "CHAR")) {
		if (p > 0)
			set(out, XK_TEXT, p, type[0] == 'C'); /* scale 1: fixed length */
		else
			text_of(&a[0], out);
	} else if (!strcmp(type, "DECIMAL"))
		set(out, XK_DEC, p > 0 ? p : 18, (int)s);
	else if (!strcmp(type, "DOUBLE"))
		set(out, XK_DOUBLE, 15, 0);
	else if (!strcmp(type, "GUID"))
		set(out, XK_GUID, 36, 0);
	else if (!strcmp(type, "BINARY"))
		set(out, XK_BINARY, p > 0 ? p : 8000, 0);
	else if (!strcmp(type, "BIGINT"))
		set(out, XK_BIGINT, 19, 0);
	else if (!strcmp(type, "BIT"))
		set(out, XK_BIT, 1, 0);
	else if (!strcmp(type, "SMALLINT"))
		set(out, XK_INT, 5, 0);
	else if (!strcmp(type, "TINYINT"))
		set(out, XK_INT, 3, 0);
	else
		set(out, XK_INT, 10, 0);
}

static void func_type(struct px *x, const struct tok *name, const int *argpos, int nargs,
		      const struct xt *a, int star, struct xt *out)
{
	static const char *const dbl[] = {"exp", "ln", "log", "log10", "log2", "pow", "power",
					  "sqrt", "pi", "sin", "cos", "tan", "asin", "acos",
					  "atan", "atan2", "degrees", "radians", "total",
					  "julianday", "random_double", NULL};
	static const char *const ints[] = {"length", "char_length", "character_length", "instr",
					   "unicode", "odbc_locate", "sign", "octet_length",
					   "dv_week", NULL};
	static const char *const texts[] = {"upper", "lower", "trim", "ltrim", "rtrim",
					    "replace", "substr", "substring", "odbc_right",
					    "dv_repeat", "dv_insert", "printf", "format",
					    "quote", "hex", "group_concat", "string_agg",
					    "strftime", "char", NULL};
	int i;
	set(out, XK_UNKNOWN, 0, 0);
	if (is_kw(name, "count")) {
		set(out, XK_BIGINT, 19, 0);
		out->notnull = 1;
		return;
	}
	if (is_kw(name, "sum")) {
		if (nargs != 1)
			return;
		if (integral(a[0].k))
			set(out, XK_BIGINT, 19, 0);
		else if (a[0].k == XK_DEC)
			set(out, XK_DEC, XT_DEC_MAX, a[0].scale);
		else if (a[0].k != XK_UNKNOWN)
			set(out, XK_DOUBLE, 15, 0);
		return;
	}
	if (is_kw(name, "avg")) {
		if (nargs == 1 && a[0].k == XK_DEC)
			set(out, XK_DEC, XT_DEC_MAX, a[0].scale);
		else if (nargs == 1 && a[0].k != XK_UNKNOWN)
			set(out, XK_DOUBLE, 15, 0);
		return;
	}
	if (is_kw(name, "min") || is_kw(name, "max") || is_kw(name, "coalesce") ||
	    is_kw(name, "ifnull") || is_kw(name, "nullif") || is_kw(name, "iif") ||
	    is_kw(name, "first_value") || is_kw(name, "last_value") || is_kw(name, "lag") ||
	    is_kw(name, "lead") || is_kw(name, "nth_value")) {
		int first = is_kw(name, "iif") ? 1 : 0;
		int last = is_kw(name, "nullif") || is_kw(name, "lag") || is_kw(name, "lead") ||
			   is_kw(name, "nth_value") || is_kw(name, "first_value") ||
			   is_kw(name, "last_value") ? first + 1 : nargs;
		if (nargs == 0)
			return;
		set(out, XK_NULL, 0, 0);
		for (i = first; i < last && i < nargs; i++)
			unify(out, &a[i]);
		if (out->k == XK_NULL && nargs == 1)
			set(out, XK_UNKNOWN, 0, 0);
		return;
	}
	if (is_kw(name, "dv_cast") && nargs >= 2 && x->t[argpos[1]].type == TOK_STRING) {
		cast_type(x, argpos, nargs, a, out);
		return;
	}
	if (is_kw(name, "abs") || is_kw(name, "dv_round") || is_kw(name, "dv_truncate") ||
	    is_kw(name, "round") || is_kw(name, "ceil") || is_kw(name, "ceiling") ||
	    is_kw(name, "floor")) {
		long n = 0;
		if (nargs < 1)
			return;
		*out = a[0];
		out->notnull = 0;
		if (out->k == XK_TEXT || out->k == XK_NULL)
			set(out, XK_DOUBLE, 15, 0);
		if (out->k == XK_DEC && !is_kw(name, "abs")) {
			/* ROUND(x, n): n digits are left; CEILING, FLOOR: none */
			if (nargs > 1 && int_literal_at(x, argpos[1], &n) != 0)
				return;
			if (n < 0)
				n = 0;
			if (n < out->scale) {
				out->size -= out->scale - n;
				out->scale = (int)n;
				if (is_kw(name, "dv_round") || is_kw(name, "round") ||
				    is_kw(name, "ceil") || is_kw(name, "ceiling") ||
				    is_kw(name, "floor"))
					out->size++; /* 9.5 -> 10 */
			}
		}
		if (is_kw(name, "round") && out->k == XK_DEC && out->scale > 0)
			set(out, XK_DOUBLE, 15, 0); /* SQLite's own round() returns a double */
		return;
	}
	if (is_kw(name, "mod") && nargs == 2) {
		*out = a[0];
		arith(out, &a[1], '%');
		return;
	}
	if (is_kw(name, "dv_timestampadd") || is_kw(name, "datetime")) {
		set(out, XK_TS, 19, 0);
		return;
	}
	if (is_kw(name, "date")) {
		set(out, XK_DATE, 10, 0);
		return;
	}
	if (is_kw(name, "time")) {
		set(out, XK_TIME, 8, 0);
		return;
	}
	if (is_kw(name, "dv_timestampdiff") || is_kw(name, "random") ||
	    is_kw(name, "row_number") || is_kw(name, "rank") || is_kw(name, "dense_rank") ||
	    is_kw(name, "ntile") || is_kw(name, "changes") || is_kw(name, "total_changes")) {
		set(out, XK_BIGINT, 19, 0);
		return;
	}
	if (is_kw(name, "dv_dayname") || is_kw(name, "dv_monthname")) {
		set(out, XK_TEXT, 9, 0);
		return;
	}
	if (is_kw(name, "last_insert_id")) {
		set(out, XK_GUID, 36, 0);
		return;
	}
	for (i = 0; dbl[i]; i++)
		if (is_kw(name, dbl[i])) {
			set(out, XK_DOUBLE, 15, 0);
			return;
		}
	for (i = 0; ints[i]; i++)
		if (is_kw(name, ints[i])) {
			set(out, XK_INT, 10, 0);
			return;
		}
	for (i = 0; texts[i]; i++)
		if (is_kw(name, texts[i])) {
			long size = XT_TEXT_MAX;
			if (nargs > 0 && a[0].k == XK_TEXT && !is_kw(name, "replace") &&
			    !is_kw(name, "dv_repeat") && !is_kw(name, "dv_insert") &&
			    !is_kw(name, "group_concat") && !is_kw(name, "string_agg") &&
			    !is_kw(name, "printf") && !is_kw(name, "format") &&
			    !is_kw(name, "quote") && !is_kw(name, "hex"))
				size = a[0].size;
			if (is_kw(name, "char") || is_kw(name, "unicode"))
				size = nargs > 0 ? nargs : 1;
			set(out, XK_TEXT, size, 0);
			return;
		}
	(void)star;
}

/* name( [DISTINCT] args | * ) [FILTER (...)] [OVER ...] at *i (name). */
static int call(struct px *x, struct scope *sc, int *i, int end, struct xt *out)
{
	const struct tok *name = &x->t[*i];
	struct xt a[MAX_ARGS];
	int argpos[MAX_ARGS], nargs = 0, star = 0, j = *i + 2;
	if (j < end && is_kw(&x->t[j], "DISTINCT"))
		j++;
	if (j < end && is_op(&x->t[j], "*")) {
		star = 1;
		j++;
	}
	while (j < end && x->t[j].type != TOK_RPAREN) {
		struct xt v;
		int at = j;
		if (expr(x, sc, &j, end, 0, &v) != 0)
			return -1;
		if (nargs < MAX_ARGS) {
			a[nargs] = v;
			argpos[nargs++] = at;
		}
		if (j < end && is_kw(&x->t[j], "ORDER")) { /* group_concat(x ORDER BY y) */
			while (j < end && x->t[j].type != TOK_RPAREN && x->t[j].type != TOK_COMMA)
				j = x->t[j].type == TOK_LPAREN ? skip_parens(x, j, end) : j + 1;
		}
		if (j < end && x->t[j].type == TOK_COMMA)
			j++;
		else if (j < end && x->t[j].type != TOK_RPAREN)
			return -1;
	}
	if (j >= end)
		return -1;
	j++;
	if (j < end && is_kw(&x->t[j], "FILTER"))
		j = skip_parens(x, j + 1, end);
	if (j < end && is_kw(&x->t[j], "OVER"))
		j = j + 1 < end && x->t[j + 1].type == TOK_LPAREN ? skip_parens(x, j + 1, end)
								 : j + 2;
	*i = j;
	func_type(x, name, argpos, nargs, a, star, out);
	return 0;
}

/* ---- expressions ----------------------------------------------------------------- */

static void literal_number(const struct tok *t, struct xt *out)
{
	size_t k, digits = 0, frac = 0;
	int point = 0;
	for (k = 0; k < t->len; k++) {
		char c = t->p[k];
		if (c == 'e' || c == 'E' || c == 'x' || c == 'X') {
			set(out, c == 'x' || c == 'X' ? XK_BIGINT : XK_DOUBLE,
			    c == 'x' || c == 'X' ? 19 : 15, 0);
			return;
		}
		if (c == '.') {
			point = 1;
			continue;
		}
		digits++;
		if (point)
			frac++;
	}
	if (point) {
		size_t lead = 0;
		for (k = 0; k < t->len && t->p[k] != '.'; k++)
			if (lead > 0 || t->p[k] != '0')
				lead++;
		set(out, XK_DEC, (long)(lead + frac) > 0 ? (long)(lead + frac) : 1, (int)frac);
		out->notnull = 1;
		return;
	}
	if (digits > 10 || (digits == 10 && memcmp(t->p, "2147483647", 10) > 0))
		set(out, XK_BIGINT, 19, 0);
	else
		set(out, XK_INT, 10, 0);
	out->notnull = 1;
}

static long text_chars(const struct tok *t)
{
	long n = 0;
	size_t k;
	for (k = 1; k + 1 < t->len; k++) {
		if (((unsigned char)t->p[k] & 0xC0) == 0x80)
			continue;
		if (t->p[k] == '\'' && t->p[k + 1] == '\'')
			k++;
		n++;
	}
	return n;
}

/* SQLite's CAST(x AS type) (the ones sqlparse does not rewrite). */
static void sqlite_cast(const struct tok *t, const struct xt *a, struct xt *out)
{
	char u[32];
	size_t k, n = t->len < sizeof(u) - 1 ? t->len : sizeof(u) - 1;
	for (k = 0; k < n; k++)
		u[k] = (char)(t->p[k] >= 'a' && t->p[k] <= 'z' ? t->p[k] - 32 : t->p[k]);
	u[n] = '\0';
	if (strstr(u, "INT"))
		set(out, XK_BIGINT, 19, 0);
	else if (strstr(u, "CHAR") || strstr(u, "CLOB") || strstr(u, "TEXT"))
		text_of(a, out);
	else if (strstr(u, "BLOB"))
		set(out, XK_BINARY, 8000, 0);
	else if (strstr(u, "REAL") || strstr(u, "FLOA") || strstr(u, "DOUB"))
		set(out, XK_DOUBLE, 15, 0);
	else if (integral(a->k) || a->k == XK_DEC)
		*out = *a;
	else
		set(out, XK_DOUBLE, 15, 0);
}

static int primary(struct px *x, struct scope *sc, int *i, int end, struct xt *out)
{
	const struct tok *t;
	if (*i >= end)
		return -1;
	t = &x->t[*i];
	set(out, XK_UNKNOWN, 0, 0);
	if (t->type == TOK_NUMBER) {
		literal_number(t, out);
		(*i)++;
		return 0;
	}
	if (t->type == TOK_STRING) {
		if (t->p[0] == 'x' || t->p[0] == 'X')
			set(out, XK_BINARY, (long)(t->len - 3) / 2, 0);
		else
			set(out, XK_TEXT, text_chars(t) > 0 ? text_chars(t) : 1, 0);
		out->notnull = 1;
		(*i)++;
		return 0;
	}
	if (t->type == TOK_PARAM) {
		(*i)++;
		return 0; /* unknown */
	}
	if (is_op(t, "-") || is_op(t, "+") || is_op(t, "~")) {
		(*i)++;
		if (expr(x, sc, i, end, 12, out) != 0)
			return -1;
		if (!numeric(out->k) && out->k != XK_NULL && out->k != XK_UNKNOWN)
			set(out, XK_DOUBLE, 15, 0);
		if (is_op(t, "~"))
			set(out, XK_BIGINT, 19, 0);
		return 0;
	}
	if (t->type == TOK_LPAREN) {
		int close = skip_parens(x, *i, end);
		if (*i + 1 < end && (is_kw(&x->t[*i + 1], "SELECT") ||
				     is_kw(&x->t[*i + 1], "WITH") ||
				     is_kw(&x->t[*i + 1], "VALUES"))) {
			if (select_col(x, *i + 1, close - 1, 0, NULL, sc, out) != 0)
				set(out, XK_UNKNOWN, 0, 0);
			out->notnull = 0;
		} else {
			int j = *i + 1;
			if (expr(x, sc, &j, close - 1, 0, out) != 0)
				return -1;
		}
		*i = close;
		return 0;
	}
	if (t->type == TOK_WORD) {
		if (is_kw(t, "NULL")) {
			set(out, XK_NULL, 0, 0);
			(*i)++;
			return 0;
		}
		if (is_kw(t, "TRUE") || is_kw(t, "FALSE")) {
			set(out, XK_INT, 10, 0);
			(*i)++;
			return 0;
		}
		if (is_kw(t, "CURRENT_TIMESTAMP") || is_kw(t, "CURRENT_DATE") ||
		    is_kw(t, "CURRENT_TIME")) {
			if (is_kw(t, "CURRENT_DATE"))
				set(out, XK_DATE, 10, 0);
			else if (is_kw(t, "CURRENT_TIME"))
				set(out, XK_TIME, 8, 0);
			else
				set(out, XK_TS, 19, 0);
			(*i)++;
			return 0;
		}
		if (is_kw(t, "NOT")) {
			(*i)++;
			if (expr(x, sc, i, end, 3, out) != 0)
				return -1;
			set(out, XK_INT, 10, 0);
			return 0;
		}
		if (is_kw(t, "EXISTS")) {
			*i = skip_parens(x, *i + 1, end);
			set(out, XK_INT, 10, 0);
			out->notnull = 1;
			return 0;
		}
		if (is_kw(t, "CAST") && *i + 1 < end && x->t[*i + 1].type == TOK_LPAREN) {
			int close = skip_parens(x, *i + 1, end), j = *i + 2;
			struct xt a;
			if (expr(x, sc, &j, close - 1, 0, &a) != 0 || j >= close - 1 ||
			    !is_kw(&x->t[j], "AS"))
				return -1;
			sqlite_cast(&x->t[j + 1], &a, out);
			*i = close;
			return 0;
		}
		if (is_kw(t, "CASE")) {
			struct xt v;
			int j = *i + 1;
			set(out, XK_NULL, 0, 0);
			if (j < end && !is_kw(&x->t[j], "WHEN") && expr(x, sc, &j, end, 0, &v) != 0)
				return -1;
			while (j < end && is_kw(&x->t[j], "WHEN")) {
				j++;
				if (expr(x, sc, &j, end, 0, &v) != 0 || j >= end ||
				    !is_kw(&x->t[j], "THEN"))
					return -1;
				j++;
				if (expr(x, sc, &j, end, 0, &v) != 0)
					return -1;
				unify(out, &v);
			}
			if (j < end && is_kw(&x->t[j], "ELSE")) {
				j++;
				if (expr(x, sc, &j, end, 0, &v) != 0)
					return -1;
				unify(out, &v);
			}
			if (j >= end || !is_kw(&x->t[j], "END"))
				return -1;
			*i = j + 1;
			return 0;
		}
	}
	if (is_name(t) && *i + 1 < end && x->t[*i + 1].type == TOK_LPAREN && t->type == TOK_WORD)
		return call(x, sc, i, end, out);
	if (is_name(t)) {
		const struct tok *q = NULL, *col = t;
		int j = *i + 1;
		while (j + 1 < end && is_op(&x->t[j], ".") && is_name(&x->t[j + 1])) {
			q = col;
			col = &x->t[j + 1];
			j += 2;
		}
		*i = j;
		if (column_ref(x, sc, q, col, out) != 0)
			set(out, XK_UNKNOWN, 0, 0);
		return 0;
	}
	return -1;
}

/* Binary operators: precedence (SQLite's), 0 = not an operator here. */
static int binop(const struct tok *t)
{
	if (is_kw(t, "OR"))
		return 1;
	if (is_kw(t, "AND"))
		return 2;
	if (is_op(t, "=") || is_op(t, "==") || is_op(t, "!=") || is_op(t, "<>") ||
	    is_kw(t, "IS") || is_kw(t, "IN") || is_kw(t, "LIKE") || is_kw(t, "GLOB") ||
	    is_kw(t, "MATCH") || is_kw(t, "REGEXP") || is_kw(t, "BETWEEN") ||
	    is_kw(t, "ISNULL") || is_kw(t, "NOTNULL") || is_kw(t, "NOT"))
		return 4;
	if (is_op(t, "<") || is_op(t, "<=") || is_op(t, ">") || is_op(t, ">="))
		return 5;
	if (is_op(t, "&") || is_op(t, "|") || is_op(t, "<<") || is_op(t, ">>"))
		return 7;
	if (is_op(t, "+") || is_op(t, "-"))
		return 8;
	if (is_op(t, "*") || is_op(t, "/") || is_op(t, "%"))
		return 9;
	if (is_op(t, "||") || is_op(t, "->") || is_op(t, "->>"))
		return 10;
	if (is_kw(t, "COLLATE") || is_kw(t, "ESCAPE"))
		return 11;
	return 0;
}

static int expr(struct px *x, struct scope *sc, int *i, int end, int prec, struct xt *out)
{
	if (++x->depth > XT_MAX_DEPTH * 8 || primary(x, sc, i, end, out) != 0) {
		x->depth--;
		return -1;
	}
	while (*i < end) {
		const struct tok *t = &x->t[*i];
		int p = binop(t);
		struct xt b;
		if (p == 0 || p <= prec)
			break;
		(*i)++;
		if (is_kw(t, "COLLATE")) {
			(*i)++;
			continue;
		}
		if (p == 4 || p == 5 || p <= 2) {
			/* predicates: consume the right side, the result is 0/1 */
			if (is_kw(t, "NOT") && *i < end && (is_kw(&x->t[*i], "NULL"))) {
				(*i)++;
			} else if (is_kw(t, "ISNULL") || is_kw(t, "NOTNULL")) {
				/* postfix */
			} else {
				int between = is_kw(t, "BETWEEN");
				if (is_kw(t, "NOT") || is_kw(t, "IS")) {
					if (*i < end && is_kw(&x->t[*i], "NOT"))
						(*i)++;
					if (*i < end && is_kw(&x->t[*i], "DISTINCT"))
						*i += 2; /* IS [NOT] DISTINCT FROM */
					if (*i < end && is_kw(&x->t[*i], "BETWEEN")) {
						between = 1;
						(*i)++;
					} else if (*i < end && (is_kw(&x->t[*i], "IN") ||
							       is_kw(&x->t[*i], "LIKE") ||
							       is_kw(&x->t[*i], "GLOB") ||
							       is_kw(&x->t[*i], "MATCH") ||
							       is_kw(&x->t[*i], "REGEXP"))) {
						t = &x->t[*i];
						(*i)++;
					}
				}
				if (is_kw(t, "IN")) {
					if (*i < end && x->t[*i].type == TOK_LPAREN)
						*i = skip_parens(x, *i, end);
					else
						while (*i < end && (is_name(&x->t[*i]) ||
								    is_op(&x->t[*i], ".")))
							(*i)++;
				} else if (expr(x, sc, i, end, between ? 5 : p, &b) != 0) {
					x->depth--;
					return -1;
				}
				if (between) {
					if (*i >= end || !is_kw(&x->t[*i], "AND") ||
					    (++(*i), expr(x, sc, i, end, 5, &b)) != 0) {
						x->depth--;
						return -1;
					}
				}
			}
			set(out, XK_INT, 10, 0);
			continue;
		}
		if (is_kw(t, "ESCAPE")) {
			if (expr(x, sc, i, end, p, &b) != 0)
				break;
			continue;
		}
		if (expr(x, sc, i, end, p, &b) != 0) {
			x->depth--;
			return -1;
		}
		if (is_op(t, "||")) {
			long n = (out->k == XK_TEXT ? out->size : 36) + (b.k == XK_TEXT ? b.size : 36);
			if (out->k == XK_UNKNOWN || b.k == XK_UNKNOWN)
				set(out, XK_TEXT, XT_TEXT_MAX, 0);
			else
				set(out, XK_TEXT, n > XT_TEXT_MAX ? XT_TEXT_MAX : n, 0);
		} else if (p == 7) {
			set(out, XK_BIGINT, 19, 0);
		} else if (p == 8 || p == 9) {
			arith(out, &b, t->p[0]);
		} else {
			set(out, XK_UNKNOWN, 0, 0); /* -> and ->> (JSON) */
		}
	}
	x->depth--;
	return 0;
}

/* ---- SELECT -------------------------------------------------------------------- */

static int core_end_kw(const struct tok *t)
{
	static const char *const kws[] = {"FROM", "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER",
					  "LIMIT", "UNION", "EXCEPT", "INTERSECT", NULL};
	int k;
	for (k = 0; kws[k]; k++)
		if (is_kw(t, kws[k]))
			return 1;
	return 0;
}

/* Reads "WITH name [(cols)] AS [NOT] [MATERIALIZED] (body), ..." at *i. */
static int read_with(struct px *x, int *i, int to, struct scope *sc)
{
	int j = *i + 1;
	if (j < to && is_kw(&x->t[j], "RECURSIVE"))
		j++;
	for (;;) {
		struct src *c;
		if (j >= to || !is_name(&x->t[j]) || sc->ncte >= XT_MAX_SOURCES)
			return -1;
		c = &sc->cte[sc->ncte++];
		memset(c, 0, sizeof(*c));
		ident(&x->t[j], &c->name, &c->name_len);
		c->cols_from = c->cols_to = -1;
		c->def = sc;
		j++;
		if (j < to && x->t[j].type == TOK_LPAREN) {
			c->cols_from = j + 1;
			j = skip_parens(x, j, to);
			c->cols_to = j - 1;
		}
		if (j >= to || !is_kw(&x->t[j], "AS"))
			return -1;
		j++;
		while (j < to && (is_kw(&x->t[j], "NOT") || is_kw(&x->t[j], "MATERIALIZED")))
			j++;
		if (j >= to || x->t[j].type != TOK_LPAREN)
			return -1;
		c->from = j + 1;
		j = skip_parens(x, j, to);
		c->to = j - 1;
		if (j < to && x->t[j].type == TOK_COMMA) {
			j++;
			continue;
		}
		break;
	}
	*i = j;
	return 0;
}

static int join_kw(const struct tok *t)
{
	return is_kw(t, "JOIN") || is_kw(t, "LEFT") || is_kw(t, "RIGHT") || is_kw(t, "FULL") ||
	       is_kw(t, "INNER") || is_kw(t, "CROSS") || is_kw(t, "OUTER") ||
	       is_kw(t, "NATURAL");
}

/* Reads the FROM list [i, to) into sc->src. */
static void read_from(struct px *x, int i, int to, struct scope *sc, struct scope *def)
{
	while (i < to && sc->nsrc < XT_MAX_SOURCES) {
		const struct tok *t = &x->t[i];
		struct src *s;
		if (t->type == TOK_COMMA || join_kw(t)) {
			i++;
			continue;
		}
		if (is_kw(t, "ON")) { /* skip the condition up to the next source */
			i++;
			while (i < to && x->t[i].type != TOK_COMMA && !join_kw(&x->t[i]))
				i = x->t[i].type == TOK_LPAREN ? skip_parens(x, i, to) : i + 1;
			continue;
		}
		if (is_kw(t, "USING")) {
			i = skip_parens(x, i + 1, to);
			continue;
		}
		s = &sc->src[sc->nsrc];
		memset(s, 0, sizeof(*s));
		s->from = s->to = s->cols_from = s->cols_to = -1;
		s->def = def;
		if (t->type == TOK_LPAREN) {
			int close = skip_parens(x, i, to);
			if (i + 1 < to && (is_kw(&x->t[i + 1], "SELECT") ||
					   is_kw(&x->t[i + 1], "WITH") ||
					   is_kw(&x->t[i + 1], "VALUES"))) {
				s->from = i + 1;
				s->to = close - 1;
			} else {
				read_from(x, i + 1, close - 1, sc, def); /* (a JOIN b) */
				i = close;
				continue;
			}
			i = close;
		} else if (is_name(t)) {
			const struct src *cte;
			ident(t, &s->table, &s->table_len);
			i++;
			while (i + 1 < to && is_op(&x->t[i], ".") && is_name(&x->t[i + 1])) {
				ident(&x->t[i + 1], &s->table, &s->table_len); /* schema.table */
				i += 2;
			}
			if (i < to && x->t[i].type == TOK_LPAREN)
				i = skip_parens(x, i, to); /* table-valued function */
			s->name = s->table;
			s->name_len = s->table_len;
			cte = find_cte(def, s->table, s->table_len);
			if (cte) {
				s->from = cte->from;
				s->to = cte->to;
				s->cols_from = cte->cols_from;
				s->cols_to = cte->cols_to;
				s->def = cte->def;
			}
		} else {
			i++;
			continue;
		}
		if (i < to && is_kw(&x->t[i], "AS"))
			i++;
		if (i < to && is_name(&x->t[i]) && !join_kw(&x->t[i]) && !is_kw(&x->t[i], "ON") &&
		    !is_kw(&x->t[i], "USING") && !is_kw(&x->t[i], "INDEXED") &&
		    !is_kw(&x->t[i], "NOT")) {
			ident(&x->t[i], &s->name, &s->name_len);
			i++;
		}
		sc->nsrc++;
	}
}

/* An item's alias: the name after AS, or a bare name ending the item. */
static const struct tok *item_alias(struct px *x, int from, int to, int *expr_end)
{
	*expr_end = to;
	if (to - from >= 3 && is_kw(&x->t[to - 2], "AS") && is_name(&x->t[to - 1])) {
		*expr_end = to - 2;
		return &x->t[to - 1];
	}
	if (to - from >= 2 && is_name(&x->t[to - 1]) && !is_op(&x->t[to - 2], ".") &&
	    !is_kw(&x->t[to - 1], "END") && (x->t[to - 2].type == TOK_RPAREN ||
					     is_name(&x->t[to - 2]) ||
					     x->t[to - 2].type == TOK_NUMBER ||
					     x->t[to - 2].type == TOK_STRING) &&
	    !binop(&x->t[to - 2]) && !is_kw(&x->t[to - 2], "CASE") &&
	    !is_kw(&x->t[to - 2], "ELSE") && !is_kw(&x->t[to - 2], "THEN")) {
		*expr_end = to - 1;
		return &x->t[to - 1];
	}
	return NULL;
}

/* Does an unaliased item's text equal the column name SQLite gave it? */
static int item_text_is(struct px *x, int from, int to, const struct tok *name)
{
	const char *a = x->t[from].p, *b = x->t[to - 1].p + x->t[to - 1].len, *p;
	size_t n;
	ident(name, &p, &n);
	if ((size_t)(b - a) == n && dv_strncasecmp(a, p, n) == 0)
		return 1;
	/* a bare column "t.col" is named "col" */
	return to - from == 1 ? ident_eq(&x->t[from], p, n)
	       : to - from == 3 && is_op(&x->t[from + 1], ".") ? ident_eq(&x->t[to - 1], p, n) : 0;
}

/* Types result column col (0-based; or the one named `name` when col < 0)
 * of the SELECT in tokens [from, to). */
static int select_col(struct px *x, int from, int to, int col, const struct tok *name,
		      struct scope *outer, struct xt *out)
{
	struct scope *sc;
	int i = from, start, k = 0, rc = -1, item_from, from_kw = -1, end;
	if (++x->depth > XT_MAX_DEPTH) {
		x->depth--;
		return -1;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		x->depth--;
		return -1;
	}
	sc->outer = outer;
	if (i < to && is_kw(&x->t[i], "WITH") && read_with(x, &i, to, sc) != 0)
		goto done;
	if (i >= to || !is_kw(&x->t[i], "SELECT"))
		goto done; /* VALUES: unknown */
	i++;
	if (i < to && (is_kw(&x->t[i], "DISTINCT") || is_kw(&x->t[i], "ALL")))
		i++;
	start = i;
	/* the end of the result list and of the core */
	for (end = i; end < to; end++) {
		if (x->t[end].type == TOK_LPAREN) {
			end = skip_parens(x, end, to) - 1;
			continue;
		}
		if (core_end_kw(&x->t[end]))
			break;
	}
	if (end < to && is_kw(&x->t[end], "FROM")) {
		int f = end + 1, fe;
		from_kw = end;
		for (fe = f; fe < to; fe++) {
			if (x->t[fe].type == TOK_LPAREN) {
				fe = skip_parens(x, fe, to) - 1;
				continue;
			}
			if (core_end_kw(&x->t[fe]))
				break;
		}
		read_from(x, f, fe, sc, sc);
	}
	(void)from_kw;
	/* walk the items */
	item_from = start;
	for (i = start; i <= end; i++) {
		const struct tok *alias;
		int expr_end, j;
		if (i < end && x->t[i].type == TOK_LPAREN) {
			i = skip_parens(x, i, end) - 1;
			continue;
		}
		if (i < end && x->t[i].type != TOK_COMMA)
			continue;
		/* item [item_from, i) */
		if (i - item_from >= 1 && is_op(&x->t[i - 1], "*")) {
			/* * or t.*: columns are found by name from here on */
			if (!name)
				goto done;
			col = -1;
			if (column_ref(x, sc, NULL, name, out) == 0) {
				rc = 0;
				goto done;
			}
			item_from = i + 1;
			continue;
		}
		alias = item_alias(x, item_from, i, &expr_end);
		if (col >= 0 ? k == col
		    : alias ? ident_eq(alias, name->p + (name->type == TOK_QIDENT),
				       name->len - (name->type == TOK_QIDENT ? 2 : 0))
			    : item_text_is(x, item_from, expr_end, name)) {
			j = item_from;
			rc = expr(x, sc, &j, expr_end, 0, out);
			if (rc == 0 && j != expr_end)
				rc = -1;
			if (rc == 0 && out->k == XK_UNKNOWN)
				rc = -1;
			goto done;
		}
		k++;
		item_from = i + 1;
	}
done:
	free(sc);
	x->depth--;
	return rc;
}

/* ---- entry ----------------------------------------------------------------------- */

static void fill(const struct xt *t, struct dv_colinfo *o)
{
	o->decimal_digits = 0;
	switch (t->k) {
	case XK_INT: /* CAST to SMALLINT / TINYINT keep their types */
		o->sql_type = t->size == 5 ? SQL_SMALLINT : t->size == 3 ? SQL_TINYINT : SQL_INTEGER;
		o->type_name = t->size == 5 ? "smallint" : t->size == 3 ? "tinyint" : "int";
		o->column_size = t->size == 5 || t->size == 3 ? t->size : 10;
		break;
	case XK_BIGINT:
		o->sql_type = SQL_BIGINT; o->type_name = "bigint"; o->column_size = 19; break;
	case XK_DEC:
		o->sql_type = SQL_DECIMAL;
		o->type_name = "decimal";
		o->column_size = t->size > XT_DEC_MAX ? XT_DEC_MAX : t->size < 1 ? 1 : t->size;
		o->decimal_digits = (short)t->scale;
		break;
	case XK_DOUBLE:
		o->sql_type = SQL_DOUBLE; o->type_name = "float"; o->column_size = 15; break;
	case XK_BIT: o->sql_type = SQL_BIT; o->type_name = "bit"; o->column_size = 1; break;
	case XK_DATE:
		o->sql_type = SQL_TYPE_DATE; o->type_name = "date"; o->column_size = 10; break;
	case XK_TIME:
		o->sql_type = SQL_TYPE_TIME; o->type_name = "time"; o->column_size = 8; break;
	case XK_TS:
		o->sql_type = SQL_TYPE_TIMESTAMP; o->type_name = "datetime"; o->column_size = 19;
		break;
	case XK_GUID:
		o->sql_type = SQL_GUID; o->type_name = "uniqueidentifier"; o->column_size = 36;
		break;
	case XK_BINARY:
		o->sql_type = SQL_VARBINARY; o->type_name = "varbinary";
		o->column_size = t->size > 0 ? t->size : 8000;
		break;
	default:
		o->sql_type = t->scale == 1 ? SQL_WCHAR : SQL_WVARCHAR;
		o->type_name = t->scale == 1 ? "nchar" : "nvarchar";
		o->column_size = t->size > 0 ? t->size : XT_TEXT_MAX;
		break;
	}
	o->nullable = t->notnull ? SQL_NO_NULLS : SQL_NULLABLE;
}

int sqlfuncs_describe(struct dv_engine *eng, sqlite3_stmt *stmt, int i,
		      struct dv_colinfo *out)
{
	const char *sql = sqlite3_sql(stmt);
	struct px x;
	struct xt t;
	struct tok name;
	int rc, start = 0;
	if (!sql)
		return -1;
	memset(&x, 0, sizeof(x));
	x.eng = eng;
	if (tokenize(sql, &x) != 0) {
		free(x.t);
		return -1;
	}
	while (start < x.n && x.t[start].type == TOK_LPAREN)
		start++;
	set(&t, XK_UNKNOWN, 0, 0);
	name.type = TOK_WORD;
	name.p = sqlite3_column_name(stmt, i);
	name.len = name.p ? strlen(name.p) : 0;
	rc = select_col(&x, start, x.n, i, name.p ? &name : NULL, NULL, &t);
	free(x.t);
	if (rc != 0 || t.k == XK_UNKNOWN || t.k == XK_NULL)
		return -1;
	fill(&t, out);
	return 0;
}
