/* convert.c - the SQL -> C conversion matrix (see convert.h).
 *
 * HOW IT WORKS: a value is first classified by the SQL type of its column
 * (character, exact numeric, approximate numeric, bit, date, time, timestamp,
 * GUID, binary).  The matrix decides whether the C type may receive it
 * (07006 otherwise).  Character and binary targets get a rendering of the
 * value (text, UTF-16 or bytes) handed out from an offset so SQLGetData can
 * return it in parts; fixed-size targets are parsed from the value.
 * Source: https://learn.microsoft.com/sql/odbc/reference/appendixes/converting-data-from-sql-to-c-data-types
 * DATETIME values are text 'YYYY-MM-DD HH:MM:SS[.fff]' (UTC); DECIMAL values
 * are shown with the column's scale.
 * The per-cell path avoids the printf family and the heap: integers,
 * timestamps and decimals are formatted by hand into a stack buffer (a
 * `struct sink`, which moves to the heap only for very long text), SQLite
 * text is handed out from its own bytes, ASCII text is widened to UTF-16
 * on the stack.  Doubles print by hand too ("%.15g" when its digits read
 * back, a decimal column's scale) unless a rounding is too close to call;
 * those few still use snprintf ("%.15g"/"%.17g" are the rounding rules the
 * output is defined by). */
#include "odbc/charset.h"
#include "odbc/convert.h"
#include "odbc/unicode.h"
#include "util/buf.h"
#include "util/numfmt.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- a text buffer on the stack ------------------------------------------ */

#define SINK_STACK 320

/* Text being rendered: in `stack` until it outgrows it, then in `heap`;
 * or borrowed (p points at the value's own bytes, not NUL-terminated). */
struct sink {
	const char *p;
	size_t len;
	int failed;       /* out of memory */
	int on_heap;
	struct dv_buf heap;
	char stack[SINK_STACK];
};

static void sink_init(struct sink *k)
{
	k->p = k->stack;
	k->len = 0;
	k->failed = 0;
	k->on_heap = 0;
	k->stack[0] = '\0';
}

static void sink_free(struct sink *k)
{
	if (k->on_heap)
		dv_buf_free(&k->heap);
}

static void sink_put(struct sink *k, const char *s, size_t n)
{
	if (k->failed)
		return;
	if (!k->on_heap && k->len + n < SINK_STACK) {
		memcpy(k->stack + k->len, s, n);
		k->len += n;
		k->stack[k->len] = '\0';
		return;
	}
	if (!k->on_heap) {
		dv_buf_init(&k->heap, 0);
		k->on_heap = 1;
		if (dv_buf_append(&k->heap, k->stack, k->len) != 0) {
			k->failed = 1;
			return;
		}
	}
	if (dv_buf_append(&k->heap, s, n) != 0) {
		k->failed = 1;
		return;
	}
	k->p = dv_buf_str(&k->heap);
	k->len = k->heap.len;
}

static void sink_putc(struct sink *k, char c)
{
	if (!k->on_heap && k->len + 1 < SINK_STACK) {
		k->stack[k->len++] = c;
		k->stack[k->len] = '\0';
		return;
	}
	sink_put(k, &c, 1);
}

static void sink_puts(struct sink *k, const char *s)
{
	sink_put(k, s, strlen(s));
}

/* Points the sink at bytes it does not own (the value's text). */
static void sink_borrow(struct sink *k, const char *s, size_t n)
{
	k->p = s;
	k->len = n;
}

/* v in decimal (what "%" PRId64 writes) into out[21]; returns the length. */
static size_t format_int64(int64_t v, char *out)
{
	return dv_fmt_int64(v, out);
}

/* v in decimal into the sink: straight onto the stack when it has room. */
static void sink_put_int64(struct sink *k, int64_t v)
{
	char tmp[DV_FMT_INT64_MAX];
	if (!k->on_heap && !k->failed && k->len + DV_FMT_INT64_MAX < SINK_STACK) {
		k->len += dv_fmt_int64(v, k->stack + k->len);
		k->stack[k->len] = '\0';
		return;
	}
	sink_put(k, tmp, dv_fmt_int64(v, tmp));
}

enum sql_class {
	SC_CHAR, SC_EXACT, SC_APPROX, SC_BIT, SC_DATE, SC_TIME, SC_TIMESTAMP, SC_GUID, SC_BINARY
};

static enum sql_class classify(SQLSMALLINT sql_type)
{
	switch (sql_type) {
	case SQL_DECIMAL: case SQL_NUMERIC: case SQL_INTEGER: case SQL_SMALLINT:
	case SQL_TINYINT: case SQL_BIGINT:
		return SC_EXACT;
	case SQL_DOUBLE: case SQL_FLOAT: case SQL_REAL:
		return SC_APPROX;
	case SQL_BIT:
		return SC_BIT;
	case SQL_TYPE_DATE: case SQL_DATE:
		return SC_DATE;
	case SQL_TYPE_TIME: case SQL_TIME:
		return SC_TIME;
	case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP:
		return SC_TIMESTAMP;
	case SQL_GUID:
		return SC_GUID;
	case SQL_BINARY: case SQL_VARBINARY: case SQL_LONGVARBINARY:
		return SC_BINARY;
	default:
		return SC_CHAR;
	}
}

SQLSMALLINT dv_default_c_type(SQLSMALLINT sql_type)
{
	switch (sql_type) {
	case SQL_WCHAR: case SQL_WVARCHAR: case SQL_WLONGVARCHAR: return SQL_C_WCHAR;
	case SQL_INTEGER: return SQL_C_SLONG;
	case SQL_SMALLINT: return SQL_C_SSHORT;
	case SQL_TINYINT: return SQL_C_STINYINT;
	case SQL_BIGINT: return SQL_C_SBIGINT;
	case SQL_DOUBLE: case SQL_FLOAT: return SQL_C_DOUBLE;
	case SQL_REAL: return SQL_C_FLOAT;
	case SQL_BIT: return SQL_C_BIT;
	case SQL_TYPE_DATE: case SQL_DATE: return SQL_C_TYPE_DATE;
	case SQL_TYPE_TIME: case SQL_TIME: return SQL_C_TYPE_TIME;
	case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP: return SQL_C_TYPE_TIMESTAMP;
	case SQL_GUID: return SQL_C_GUID;
	case SQL_BINARY: case SQL_VARBINARY: case SQL_LONGVARBINARY: return SQL_C_BINARY;
	default: return SQL_C_CHAR;
	}
}

SQLLEN dv_c_type_size(SQLSMALLINT c_type)
{
	switch (c_type) {
	case SQL_C_SHORT: case SQL_C_SSHORT: case SQL_C_USHORT: return sizeof(SQLSMALLINT);
	case SQL_C_LONG: case SQL_C_SLONG: case SQL_C_ULONG: return sizeof(SQLINTEGER);
	case SQL_C_TINYINT: case SQL_C_STINYINT: case SQL_C_UTINYINT: return 1;
	case SQL_C_BIT: return 1;
	case SQL_C_SBIGINT: case SQL_C_UBIGINT: return sizeof(SQLBIGINT);
	case SQL_C_FLOAT: return sizeof(SQLREAL);
	case SQL_C_DOUBLE: return sizeof(SQLDOUBLE);
	case SQL_C_NUMERIC: return sizeof(SQL_NUMERIC_STRUCT);
	case SQL_C_TYPE_DATE: case SQL_C_DATE: return sizeof(SQL_DATE_STRUCT);
	case SQL_C_TYPE_TIME: case SQL_C_TIME: return sizeof(SQL_TIME_STRUCT);
	case SQL_C_TYPE_TIMESTAMP: case SQL_C_TIMESTAMP: return sizeof(SQL_TIMESTAMP_STRUCT);
	case SQL_C_GUID: return sizeof(SQLGUID);
	default: return 0;
	}
}

int dv_c_type_valid(SQLSMALLINT c_type)
{
	return c_type == SQL_C_CHAR || c_type == SQL_C_WCHAR || c_type == SQL_C_BINARY ||
	       c_type == SQL_C_DEFAULT || dv_c_type_size(c_type) > 0;
}

static int is_numeric_c(SQLSMALLINT c)
{
	switch (c) {
	case SQL_C_SHORT: case SQL_C_SSHORT: case SQL_C_USHORT: case SQL_C_LONG:
	case SQL_C_SLONG: case SQL_C_ULONG: case SQL_C_TINYINT: case SQL_C_STINYINT:
	case SQL_C_UTINYINT: case SQL_C_BIT: case SQL_C_SBIGINT: case SQL_C_UBIGINT:
	case SQL_C_FLOAT: case SQL_C_DOUBLE: case SQL_C_NUMERIC:
		return 1;
	default:
		return 0;
	}
}

/* The matrix: may a value of class sc go to c_type? */
static int allowed(enum sql_class sc, SQLSMALLINT c)
{
	if (c == SQL_C_CHAR || c == SQL_C_WCHAR || c == SQL_C_BINARY)
		return 1;
	if (is_numeric_c(c))
		return sc == SC_CHAR || sc == SC_EXACT || sc == SC_APPROX || sc == SC_BIT;
	switch (c) {
	case SQL_C_TYPE_DATE: case SQL_C_DATE:
		return sc == SC_CHAR || sc == SC_DATE || sc == SC_TIMESTAMP;
	case SQL_C_TYPE_TIME: case SQL_C_TIME:
		return sc == SC_CHAR || sc == SC_TIME || sc == SC_TIMESTAMP;
	case SQL_C_TYPE_TIMESTAMP: case SQL_C_TIMESTAMP:
		return sc == SC_CHAR || sc == SC_DATE || sc == SC_TIME || sc == SC_TIMESTAMP;
	case SQL_C_GUID:
		return sc == SC_CHAR || sc == SC_GUID;
	default:
		return 0;
	}
}

/* ---- decimal text ------------------------------------------------------ */

/* A number as digit strings: [-]int.frac (no exponent). */
struct dec {
	int neg;
	char digits[80];  /* integer digits, no leading zeros ("" for 0) */
	char frac[80];    /* fraction digits */
};

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Parses plain decimal text.  Returns 0, or -1 when it is not a number of
 * that form (then the caller tries strtod for exponents). */
static int dec_parse(const char *s, size_t len, struct dec *d)
{
	char tmp[200];
	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	const char *p = skip_blank(tmp);
	memset(d, 0, sizeof(*d));
	if (*p == '+' || *p == '-') {
		d->neg = *p == '-';
		p++;
	}
	size_t ni = 0, nf = 0;
	int any = 0;
	while (isdigit((unsigned char)*p)) {
		if (ni > 0 || *p != '0') {
			if (ni + 1 >= sizeof(d->digits))
				return -1;
			d->digits[ni++] = *p;
		}
		any = 1;
		p++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (nf + 1 >= sizeof(d->frac))
				return -1;
			d->frac[nf++] = *p++;
			any = 1;
		}
	}
	p = skip_blank(p);
	if (!any || *p)
		return -1;
	while (nf > 0 && d->frac[nf - 1] == '0')
		d->frac[--nf] = '\0';
	if (ni == 0 && nf == 0)
		d->neg = 0;
	return 0;
}

/* d from an integer: the same as parsing its "%" PRId64 text. */
static void dec_from_int64(int64_t v, struct dec *d)
{
	char tmp[24];
	size_t n = format_int64(v, tmp);
	dec_parse(tmp, n, d);
}

/* Whole numbers below 10^15 print the same under "%.15g", "%.17g" and
 * "%" PRId64 (no exponent, no fraction). */
static int is_small_whole(double v)
{
	return isfinite(v) && fabs(v) < 1e15 && v == trunc(v);
}

static void dec_from_double(double v, struct dec *d)
{
	char tmp[400];
	if (is_small_whole(v)) {
		/* "%.17g" of -0.0 is "-0", which parses as 0 too. */
		dec_from_int64((int64_t)v, d);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.17g", v);
	if (strchr(tmp, 'e') || strchr(tmp, 'E') || dec_parse(tmp, strlen(tmp), d) != 0) {
		snprintf(tmp, sizeof(tmp), "%.6f", v);
		if (dec_parse(tmp, strlen(tmp), d) != 0)
			memset(d, 0, sizeof(*d));
	}
}

/* Rounds the fraction to `scale` digits (half away from zero). */
static void dec_round(struct dec *d, int scale)
{
	size_t nf = strlen(d->frac);
	if (scale < 0 || nf <= (size_t)scale)
		return;
	int up = d->frac[scale] >= '5';
	d->frac[scale] = '\0';
	if (!up)
		return;
	for (int i = scale - 1; i >= 0; i--) {
		if (d->frac[i] < '9') {
			d->frac[i]++;
			return;
		}
		d->frac[i] = '0';
	}
	size_t ni = strlen(d->digits);
	for (size_t i = ni; i > 0; i--) {
		if (d->digits[i - 1] < '9') {
			d->digits[i - 1]++;
			return;
		}
		d->digits[i - 1] = '0';
	}
	if (ni + 1 < sizeof(d->digits)) {
		memmove(d->digits + 1, d->digits, ni + 1);
		d->digits[0] = '1';
	}
}

/* Writes d with exactly `scale` fraction digits (scale < 0: as many as it has). */
static void dec_format(const struct dec *in, int scale, struct sink *out)
{
	struct dec d = *in;
	if (scale >= 0)
		dec_round(&d, scale);
	size_t nf = strlen(d.frac);
	int zero = d.digits[0] == '\0';
	for (size_t i = 0; i < nf; i++)
		zero = zero && d.frac[i] == '0';
	if (d.neg && !zero)
		sink_putc(out, '-');
	sink_puts(out, d.digits[0] ? d.digits : "0");
	size_t want = scale >= 0 ? (size_t)scale : nf;
	if (want > 0) {
		sink_putc(out, '.');
		if (want <= nf) {
			sink_put(out, d.frac, want);
			return;
		}
		sink_put(out, d.frac, nf);
		for (size_t i = nf; i < want; i++)
			sink_putc(out, '0');
	}
}

/* dec_format(dec_from_double(v), scale) without printf, for the usual
 * decimals and money (|v| from 1e-4, below 1e15 at the scale, scale 0-15):
 * v * 10^scale rounded half away from zero.  That product is off the exact
 * one by at most 1.1e-16 of itself and "%.17g" by 5e-17, so the two agree
 * unless the fraction is within 1e-14 of a half: those, and every other
 * value, return -1 and take the printf way.  Written into a local buffer
 * and put into the sink at once. */
static int dec_text_from_double(double v, int scale, struct sink *out)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
				     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	static const uint64_t u10[] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
				       1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
				       10000000000ULL, 100000000000ULL, 1000000000000ULL,
				       10000000000000ULL, 100000000000000ULL,
				       1000000000000000ULL};
	char buf[48], *q = buf;
	double a = fabs(v), p, fl;
	uint64_t m;
	if (scale < 0 || scale > 15 || !isfinite(v) || (a != 0 && a < 1e-4))
		return -1;
	p = a * p10[scale];
	if (!(p < 1e15))
		return -1;
	fl = floor(p);
	if (fabs((p - fl) - 0.5) <= p * 1e-14)
		return -1;
	m = (uint64_t)fl + (p - fl > 0.5);
	if (v < 0 && m != 0)
		*q++ = '-';
	q += dv_fmt_int64((int64_t)(m / u10[scale]), q);
	if (scale > 0) {
		uint64_t f = m % u10[scale];
		*q++ = '.';
		for (int i = scale - 1; i >= 0; i--, f /= 10)
			q[i] = (char)('0' + f % 10);
		q += scale;
	}
	sink_put(out, buf, (size_t)(q - buf));
	return 0;
}

/* ---- numbers from a value ---------------------------------------------- */

struct num {
	int is_int;       /* exact integer in i */
	int64_t i;
	double d;         /* otherwise */
	int has_dec;      /* dec holds the exact text form */
	struct dec dec;
};

/* 0 ok, -1 not a number (22018). */
static int value_number(const struct dv_value *v, struct num *n)
{
	n->is_int = 0;
	n->i = 0;
	n->d = 0;
	n->has_dec = 0; /* dec is read only when has_dec is set */
	switch (v->type) {
	case DV_V_INT:
		n->is_int = 1;
		n->i = v->i;
		n->d = (double)v->i;
		return 0;
	case DV_V_DOUBLE:
		n->d = v->d;
		return isfinite(v->d) ? 0 : -1;
	case DV_V_TEXT: {
		int64_t i;
		char small[128];
		char *copy = small;
		if (v->len < sizeof(small)) {
			memcpy(small, v->s, v->len);
			small[v->len] = '\0';
		} else if (!(copy = dv_strndup(v->s, v->len))) {
			return -1;
		}
		int rc = -1;
		if (dv_parse_int64(copy, &i) == 0) {
			n->is_int = 1;
			n->i = i;
			n->d = (double)i;
			rc = 0;
		} else if (dec_parse(copy, strlen(copy), &n->dec) == 0) {
			n->has_dec = 1;
			n->d = strtod(copy, NULL);
			rc = 0;
		} else {
			char *end;
			const char *p = skip_blank(copy);
			errno = 0;
			double d = strtod(p, &end);
			end = (char *)skip_blank(end);
			if (end != p && *end == '\0' && isfinite(d) && *p != '\0' &&
			    (isdigit((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.')) {
				n->d = d;
				rc = 0;
			}
		}
		if (copy != small)
			free(copy);
		return rc;
	}
	default:
		return -1;
	}
}

/* Integer part of n within [lo, hi]: 0 ok, 1 fractional part dropped (01S07),
 * -1 out of range (22003).  Unsigned ranges use u. */
static int num_to_int(const struct num *n, int64_t lo, int64_t hi, int64_t *out)
{
	if (n->is_int) {
		if (n->i < lo || n->i > hi)
			return -1;
		*out = n->i;
		return 0;
	}
	if (n->has_dec) {
		const struct dec *d = &n->dec;
		if (strlen(d->digits) > 19)
			return -1;
		uint64_t acc = 0;
		for (const char *p = d->digits; *p; p++) {
			uint64_t next = acc * 10 + (uint64_t)(*p - '0');
			if (acc > UINT64_MAX / 10 || next < acc)
				return -1;
			acc = next;
		}
		if (d->neg) {
			if (acc > (uint64_t)INT64_MAX + 1)
				return -1;
			int64_t s = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
			if (s < lo)
				return -1;
			*out = s;
		} else {
			if (acc > (uint64_t)INT64_MAX || (int64_t)acc > hi)
				return -1;
			*out = (int64_t)acc;
		}
		return d->frac[0] ? 1 : 0;
	}
	double t = trunc(n->d);
	if (t < (double)lo || t > (double)hi || t >= 9223372036854775808.0)
		return -1;
	*out = (int64_t)t;
	return t != n->d ? 1 : 0;
}

/* Same for SQL_C_UBIGINT (beyond INT64_MAX). */
static int num_to_u64(const struct num *n, uint64_t *out)
{
	if (n->is_int) {
		if (n->i < 0)
			return -1;
		*out = (uint64_t)n->i;
		return 0;
	}
	if (n->has_dec) {
		const struct dec *d = &n->dec;
		if (d->neg && d->digits[0])
			return -1;
		if (strlen(d->digits) > 20)
			return -1;
		uint64_t acc = 0;
		for (const char *p = d->digits; *p; p++) {
			if (acc > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				return -1;
			acc = acc * 10 + (uint64_t)(*p - '0');
		}
		*out = acc;
		return d->frac[0] ? 1 : 0;
	}
	double t = trunc(n->d);
	if (t < 0 || t >= 18446744073709551616.0)
		return -1;
	*out = (uint64_t)t;
	return t != n->d ? 1 : 0;
}

/* ---- datetime text ------------------------------------------------------ */

struct ts {
	int y, mo, d, h, mi, s;
	unsigned long frac; /* nanoseconds */
	int has_date, has_time;
};

static int read_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int parse_time_part(const char **pp, struct ts *t)
{
	const char *p = *pp;
	if (read_digits(&p, 2, &t->h) || *p++ != ':' || read_digits(&p, 2, &t->mi))
		return -1;
	t->s = 0;
	if (*p == ':') {
		p++;
		if (read_digits(&p, 2, &t->s))
			return -1;
		if (*p == '.') {
			p++;
			unsigned long f = 0;
			int nd = 0;
			while (isdigit((unsigned char)*p)) {
				if (nd < 9) {
					f = f * 10 + (unsigned long)(*p - '0');
					nd++;
				}
				p++;
			}
			while (nd++ < 9)
				f *= 10;
			t->frac = f;
		}
	}
	if (t->h > 23 || t->mi > 59 || t->s > 61)
		return -1;
	t->has_time = 1;
	*pp = p;
	return 0;
}

/* 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.f]]', ISO 'T' and 'Z', or 'HH:MM:SS'. */
static int parse_ts(const char *s, size_t len, struct ts *t)
{
	char tmp[64];
	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(t, 0, sizeof(*t));
	const char *p = skip_blank(tmp);
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':') {
		if (parse_time_part(&p, t))
			return -1;
	} else {
		if (read_digits(&p, 4, &t->y) || *p++ != '-' || read_digits(&p, 2, &t->mo) ||
		    *p++ != '-' || read_digits(&p, 2, &t->d))
			return -1;
		if (t->mo < 1 || t->mo > 12 || t->d < 1 || t->d > days_in_month(t->y, t->mo))
			return -1;
		t->has_date = 1;
		if (*p == ' ' || *p == 'T') {
			p++;
			if (parse_time_part(&p, t))
				return -1;
			if (*p == 'Z')
				p++;
		}
	}
	p = skip_blank(p);
	return *p ? -1 : 0;
}

/* v (0 <= v < 10^width) with leading zeros, like "%0*d", at p. */
static char *put_padded(char *p, unsigned long v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* parse_ts bounds the fields: year 4 digits, the others 2, frac < 10^9.
 * Written into a local buffer and put into the sink at once. */
static void format_ts(const struct ts *t, enum sql_class sc, struct sink *out)
{
	char buf[40], *p = buf;
	if (sc != SC_TIME) {
		p = put_padded(p, (unsigned long)t->y, 4);
		*p++ = '-';
		p = put_padded(p, (unsigned long)t->mo, 2);
		*p++ = '-';
		p = put_padded(p, (unsigned long)t->d, 2);
		if (sc == SC_DATE) {
			sink_put(out, buf, (size_t)(p - buf));
			return;
		}
		*p++ = ' ';
	}
	p = put_padded(p, (unsigned long)t->h, 2);
	*p++ = ':';
	p = put_padded(p, (unsigned long)t->mi, 2);
	*p++ = ':';
	p = put_padded(p, (unsigned long)t->s, 2);
	if (sc != SC_TIME && t->frac) {
		/* Nine digits, trailing zeros dropped (at least one kept). */
		unsigned long f = t->frac % 1000000000ul;
		int width = 9;
		while (width > 1 && f % 10 == 0) {
			f /= 10;
			width--;
		}
		*p++ = '.';
		p = put_padded(p, f, width);
	}
	sink_put(out, buf, (size_t)(p - buf));
}

static int digits_ok(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* 1 when format_ts(parse_ts(s)) is s itself, so the text can be handed out
 * as it is: 'YYYY-MM-DD' for a date, 'YYYY-MM-DD HH:MM:SS' with 1 to 9
 * fraction digits not ending in 0 (or none) for a timestamp, every field in
 * the range parse_ts accepts.  Other forms ('T', 'Z', a trailing zero, a
 * date alone as a timestamp) are rewritten by the two, not here. */
static int ts_canonical(const char *s, size_t len, enum sql_class sc)
{
	int y, mo, d;
	if (len < 10 || !digits_ok(s, 4) || s[4] != '-' || !digits_ok(s + 5, 2) || s[7] != '-' ||
	    !digits_ok(s + 8, 2))
		return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + two(s + 2);
	mo = two(s + 5);
	d = two(s + 8);
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return 0;
	if (sc == SC_DATE)
		return len == 10;
	if (sc != SC_TIMESTAMP || len < 19 || s[10] != ' ' || !digits_ok(s + 11, 2) ||
	    s[13] != ':' || !digits_ok(s + 14, 2) || s[16] != ':' || !digits_ok(s + 17, 2) ||
	    two(s + 11) > 23 || two(s + 14) > 59 || two(s + 17) > 61)
		return 0;
	if (len == 19)
		return 1;
	return s[19] == '.' && len >= 21 && len <= 29 && digits_ok(s + 20, (int)(len - 20)) &&
	       s[len - 1] != '0';
}

/* ---- GUID ---------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_guid(const char *s, size_t len, SQLGUID *g)
{
	char hex[33];
	size_t n = 0;
	if (len > 0 && s[0] == '{') {
		if (len < 2 || s[len - 1] != '}')
			return -1;
		s++;
		len -= 2;
	}
	if (len != 36)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		if (hexval((unsigned char)s[i]) < 0)
			return -1;
		hex[n++] = s[i];
	}
	hex[n] = '\0';
	unsigned char b[16];
	for (int i = 0; i < 16; i++)
		b[i] = (unsigned char)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
	g->Data1 = (SQLUINTEGER)b[0] << 24 | (SQLUINTEGER)b[1] << 16 |
		   (SQLUINTEGER)b[2] << 8 | b[3];
	g->Data2 = (SQLUSMALLINT)(b[4] << 8 | b[5]);
	g->Data3 = (SQLUSMALLINT)(b[6] << 8 | b[7]);
	memcpy(g->Data4, b + 8, 8);
	return 0;
}

/* ---- text rendering ------------------------------------------------------ */

static void hex_bytes(const char *p, size_t len, struct sink *out)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		char pair[2] = {digits[c >> 4], digits[c & 15]};
		sink_put(out, pair, 2);
	}
}

/* "%.15g" of d when it reads back as d, without printf, for 1e-4 <= |d| <
 * 1e15: the 15 digits are |d| * 10^k rounded to an integer m (fma gives the
 * product's exact remainder, so the rounding is exact; a fraction within
 * 1e-9 of a half returns -1), and m / 10^k, exact operands and one
 * rounding, is what strtod reads back from those digits.  -1 when d is
 * outside that range or the 15 digits do not read back (the caller then
 * takes the printf way, "%.17g"). */
static int format_double_15(double d, struct sink *out)
{
	static const uint64_t u10[] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
		100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
		1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
		1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL};
	char tmp[24], frac[20];
	double a = fabs(d), p, fl, t;
	int e = -4, k;
	uint64_t m;
	size_t nf;
	if (!(a >= 1e-4 && a < 1e15))
		return -1;
	while (e < 14 && a >= (double)u10[e + 5] / 1e4)
		e++; /* 10^e <= a, give or take the rounding checked below */
	k = 14 - e;
	p = a * (double)u10[k];
	fl = floor(p);
	t = (p - fl) - 0.5 + fma(a, (double)u10[k], -p);
	if (fabs(t) < 1e-9)
		return -1;
	m = (uint64_t)fl + (t > 0);
	if (m < u10[14] || m >= u10[15] || (double)m / (double)u10[k] != a)
		return -1;
	if (d < 0)
		sink_putc(out, '-');
	sink_put(out, tmp, format_int64((int64_t)(m / u10[k]), tmp));
	m %= u10[k];
	for (int i = k - 1; i >= 0; i--, m /= 10)
		frac[i] = (char)('0' + m % 10);
	for (nf = (size_t)k; nf > 0 && frac[nf - 1] == '0'; nf--)
		;
	if (nf > 0) {
		sink_putc(out, '.');
		sink_put(out, frac, nf);
	}
	return 0;
}

static void format_double(double d, struct sink *out)
{
	char tmp[64];
	if (is_small_whole(d) && !(d == 0 && signbit(d))) {
		/* "%.15g" of a whole number below 10^15 is its integer digits. */
		sink_put(out, tmp, format_int64((int64_t)d, tmp));
		return;
	}
	if (format_double_15(d, out) == 0)
		return;
	snprintf(tmp, sizeof(tmp), "%.15g", d);
	if (strtod(tmp, NULL) != d)
		snprintf(tmp, sizeof(tmp), "%.17g", d);
	sink_puts(out, tmp);
}

/* The text form of a value of class sc (what SQL_C_CHAR receives).
 * Text shown as stored is borrowed, not copied. */
static int render_text(const struct dv_value *v, const struct dv_conv_src *src,
		       enum sql_class sc, struct sink *out)
{
	int is_dec = src->sql_type == SQL_DECIMAL || src->sql_type == SQL_NUMERIC;
	struct dec d;
	struct ts t;
	switch (v->type) {
	case DV_V_INT:
		if (is_dec && src->scale > 0) {
			dec_from_int64(v->i, &d);
			dec_format(&d, src->scale, out);
		} else {
			sink_put_int64(out, v->i);
		}
		break;
	case DV_V_DOUBLE:
		if (is_dec && dec_text_from_double(v->d, src->scale, out) == 0)
			break;
		if (is_dec) {
			dec_from_double(v->d, &d);
			dec_format(&d, src->scale, out);
		} else {
			format_double(v->d, out);
		}
		break;
	case DV_V_TEXT:
		if (is_dec && dec_parse(v->s, v->len, &d) == 0)
			dec_format(&d, src->scale, out);
		else if ((sc == SC_DATE || sc == SC_TIMESTAMP) && ts_canonical(v->s, v->len, sc))
			sink_borrow(out, v->s, v->len);
		else if ((sc == SC_DATE || sc == SC_TIMESTAMP || sc == SC_TIME) &&
			 parse_ts(v->s, v->len, &t) == 0 && (t.has_date || sc == SC_TIME))
			format_ts(&t, sc, out);
		else
			sink_borrow(out, v->s, v->len);
		break;
	case DV_V_BLOB:
		hex_bytes(v->s, v->len, out);
		break;
	default:
		break;
	}
	return out->failed ? -1 : 0;
}

/* ---- writing results ----------------------------------------------------- */

static void set_len(const struct dv_conv_dst *dst, SQLLEN len)
{
	if (dst->len_ptr)
		*dst->len_ptr = len;
	if (dst->ind_ptr && dst->ind_ptr != dst->len_ptr)
		*dst->ind_ptr = 0;
}

/* Hands out bytes[offset..] into a character (nul = 1 unit of `unit` bytes)
 * or binary (nul = 0) buffer. */
static SQLRETURN put_parts_at(const char *bytes, size_t total, size_t unit, int nul,
			      int utf8, const struct dv_conv_dst *dst, size_t *offset,
			      struct dv_error *err)
{
	size_t start = offset ? *offset : 0;
	if (offset && start == DV_CONV_DONE)
		return SQL_NO_DATA;
	if (offset && start > 0 && start >= total)
		return SQL_NO_DATA;
	size_t remain = total - start;
	set_len(dst, (SQLLEN)remain);
	size_t room = dst->buflen > 0 ? (size_t)dst->buflen : 0;
	size_t term = nul ? unit : 0;
	if (!dst->ptr) {
		/* Only the length was asked for: nothing consumed. */
		return SQL_SUCCESS;
	}
	if (room >= remain + term) {
		memcpy(dst->ptr, bytes + start, remain);
		if (nul)
			memset((char *)dst->ptr + remain, 0, unit);
		if (offset)
			*offset = total > 0 ? total : DV_CONV_DONE;
		return SQL_SUCCESS;
	}
	size_t n = room >= term ? room - term : 0;
	n -= n % unit;
	if (unit == 2 && n >= 2) {
		/* Do not split a UTF-16 surrogate pair (UTF-32 SQLWCHARs,
		 * unit 4, have none). */
		unsigned short last;
		memcpy(&last, bytes + start + n - 2, 2);
		if (last >= 0xD800 && last <= 0xDBFF)
			n -= 2;
	} else if (unit == 1 && nul && utf8) {
		/* UTF-8: at a character boundary (a ClientCharset is single-byte) */
		while (n > 0 && ((unsigned char)bytes[start + n] & 0xC0) == 0x80)
			n--;
	}
	if (n == 0 && offset && room > 0) {
		/* SQLGetData in parts would return 01004 forever without moving
		 * on: the buffer holds no whole character plus the terminator.
		 * (BufferLength 0 stays a request for the length alone.) */
		size_t ch = unit;
		unsigned short first = 0;
		if (unit == 1 && utf8) {
			while (start + ch < total &&
			       ((unsigned char)bytes[start + ch] & 0xC0) == 0x80)
				ch++;
		} else if (unit == 2 && remain >= 4) {
			memcpy(&first, bytes + start, 2);
			if (first >= 0xD800 && first <= 0xDBFF)
				ch = 4; /* a surrogate pair is one character */
		}
		dv_error_set(err, DV_S_HY090, 0,
			     "a buffer of %zu bytes cannot hold the next character of the value "
			     "and the null terminator: give at least %zu bytes", room, ch + term);
		return SQL_ERROR;
	}
	memcpy(dst->ptr, bytes + start, n);
	if (nul && room >= term)
		memset((char *)dst->ptr + n, 0, unit);
	if (offset)
		*offset = start + n;
	dv_error_set(err, DV_S_01004, 0, NULL);
	return SQL_SUCCESS_WITH_INFO;
}

/* put_parts_at for UTF-8 text (cut at a character boundary) and bytes. */
static SQLRETURN put_parts(const char *bytes, size_t total, size_t unit, int nul,
			   const struct dv_conv_dst *dst, size_t *offset, struct dv_error *err)
{
	return put_parts_at(bytes, total, unit, nul, 1, dst, offset, err);
}

/* 1 when a buffer of room units holds the part before the '.' and the NUL,
 * so only fraction digits are cut (01004 rather than 22003).  The text ends
 * at len or at a NUL byte, whichever comes first. */
static int has_fraction_room(const char *text, size_t len, size_t room)
{
	const char *dot = memchr(text, '.', strnlen(text, len));
	if (!dot)
		return 0;
	return room >= (size_t)(dot - text) + 1;
}

/* 1 when a whole number would not fit a buffer of room units (22003). */
static int whole_does_not_fit(int whole_only, const struct sink *text, size_t need,
			      SQLLEN buflen, size_t room)
{
	return whole_only && (size_t)(buflen > 0 ? buflen : 0) < need &&
	       !has_fraction_room(text->p, text->len, room);
}

#define WIDE_STACK 256

/* The text as SQLWCHARs (UTF-16, or UTF-32 where SQLWCHAR is 4 bytes) into
 * dst: ASCII text of up to WIDE_STACK characters is widened on the stack
 * (what dv_utf8_to_sqlwchar gives for it), the rest goes through
 * dv_utf8_to_sqlwchar.  dst->buflen is in bytes. */
static SQLRETURN put_wide(const struct sink *text, int whole_only,
			  const struct dv_conv_dst *dst, size_t *offset, struct dv_error *err)
{
	SQLWCHAR small[WIDE_STACK];
	SQLWCHAR *w = small;
	size_t units = text->len;
	int ascii = units <= WIDE_STACK;
	for (size_t i = 0; ascii && i < units; i++) {
		unsigned char ch = (unsigned char)text->p[i];
		ascii = ch < 0x80;
		small[i] = ch;
	}
	if (!ascii && !(w = dv_utf8_to_sqlwchar(text->p, text->len, &units)))
		return dv_error_nomem(err), SQL_ERROR;
	SQLRETURN rc;
	size_t need = (units + 1) * sizeof(SQLWCHAR);
	if (whole_does_not_fit(whole_only, text, need, dst->buflen,
			       (size_t)dst->buflen / sizeof(SQLWCHAR))) {
		rc = SQL_ERROR;
		dv_error_set(err, DV_S_22003, 0, NULL);
	} else {
		rc = put_parts((const char *)w, units * sizeof(SQLWCHAR), sizeof(SQLWCHAR), 1,
			       dst, offset, err);
	}
	if (w != small)
		free(w);
	return rc;
}

/* SQL_C_CHAR text in the connection's ClientCharset (charset.c): converted
 * whole on every call, so that SQLGetData's offsets count the application's
 * bytes.  Characters the set cannot hold are written as '?'; the call that
 * hands out the last part says so with 01000, as ODBC has no SQLSTATE of
 * its own for it (01004 is truncation, 22018 an invalid cast). */
static SQLRETURN put_charset(const char *s, size_t len, const struct dv_conv_dst *dst,
			     struct dv_charset *cs, size_t *offset, struct dv_error *err)
{
	size_t n = 0, lost = 0;
	char *t;
	SQLRETURN rc;
	if (offset && *offset == DV_CONV_DONE)
		return SQL_NO_DATA;
	t = dv_charset_from_utf8(cs, s, len, &n, &lost);
	if (!t)
		return dv_error_nomem(err), SQL_ERROR;
	rc = put_parts_at(t, n, 1, 1, 0, dst, offset, err);
	free(t);
	if (rc == SQL_SUCCESS && lost > 0 && dst->ptr) {
		dv_error_set(err, DV_S_01000, 0,
			     "%zu character%s of the value cannot be written in ClientCharset "
			     "%s: replaced by '?' (use SQL_C_WCHAR or ClientCharset=UTF-8 for "
			     "every character)", lost, lost == 1 ? "" : "s",
			     dv_charset_name(cs));
		return SQL_SUCCESS_WITH_INFO;
	}
	return rc;
}

/* Character/binary targets from the value's text or bytes. */
static SQLRETURN to_chars(const struct dv_value *v, const struct dv_conv_src *src,
			  enum sql_class sc, SQLSMALLINT c, const struct dv_conv_dst *dst,
			  size_t *offset, struct dv_error *err)
{
	struct sink text;
	SQLRETURN rc;
	if (c == SQL_C_BINARY && (v->type == DV_V_BLOB || sc == SC_CHAR)) {
		const char *p = v->type == DV_V_TEXT || v->type == DV_V_BLOB ? v->s : NULL;
		if (p)
			return put_parts(p, v->len, 1, 0, dst, offset, err);
	}
	if (c == SQL_C_CHAR && sc == SC_CHAR && v->type == DV_V_TEXT)
		return put_parts(v->s, v->len, 1, 1, dst, offset, err); /* as stored */
	sink_init(&text);
	if (render_text(v, src, sc, &text) != 0) {
		sink_free(&text);
		return dv_error_nomem(err), SQL_ERROR;
	}
	/* A whole number that does not fit is 22003, not a truncation:
	 * https://learn.microsoft.com/sql/odbc/reference/appendixes/sql-to-c-numeric */
	int whole_only = (sc == SC_EXACT || sc == SC_APPROX || sc == SC_BIT || sc == SC_DATE ||
			  sc == SC_TIMESTAMP || sc == SC_TIME || sc == SC_GUID) &&
			 (!offset || *offset == 0) && dst->ptr;
	if (c == SQL_C_WCHAR) {
		rc = put_wide(&text, whole_only, dst, offset, err);
	} else {
		int nul = c != SQL_C_BINARY;
		if (whole_does_not_fit(whole_only, &text, text.len + nul, dst->buflen,
				       (size_t)dst->buflen)) {
			rc = SQL_ERROR;
			dv_error_set(err, DV_S_22003, 0, NULL);
		} else {
			rc = put_parts(text.p, text.len, 1, nul, dst, offset, err);
		}
	}
	sink_free(&text);
	return rc;
}

/* ---- fixed-size targets -------------------------------------------------- */

static SQLRETURN put_fixed(const void *data, size_t size, const struct dv_conv_dst *dst,
			   size_t *offset, int warn_state, struct dv_error *err)
{
	if (offset && *offset == DV_CONV_DONE)
		return SQL_NO_DATA;
	if (dst->ptr)
		memcpy(dst->ptr, data, size);
	set_len(dst, (SQLLEN)size);
	if (offset)
		*offset = DV_CONV_DONE;
	if (warn_state) {
		dv_error_set(err, DV_S_01S07, 0, NULL);
		return SQL_SUCCESS_WITH_INFO;
	}
	return SQL_SUCCESS;
}

static SQLRETURN out_of_range(struct dv_error *err)
{
	dv_error_set(err, DV_S_22003, 0, NULL);
	return SQL_ERROR;
}

static SQLRETURN bad_chars(struct dv_error *err, const struct dv_value *v)
{
	dv_error_set(err, DV_S_22018, 0, NULL);
	return SQL_ERROR;
}

static SQLRETURN to_integer(const struct num *n, SQLSMALLINT c, const struct dv_conv_dst *dst,
			    size_t *offset, struct dv_error *err)
{
	int64_t lo, hi, iv = 0;
	uint64_t uv = 0;
	int rc;
	switch (c) {
	case SQL_C_STINYINT: case SQL_C_TINYINT: lo = INT8_MIN; hi = INT8_MAX; break;
	case SQL_C_UTINYINT: lo = 0; hi = UINT8_MAX; break;
	case SQL_C_SSHORT: case SQL_C_SHORT: lo = INT16_MIN; hi = INT16_MAX; break;
	case SQL_C_USHORT: lo = 0; hi = UINT16_MAX; break;
	case SQL_C_SLONG: case SQL_C_LONG: lo = INT32_MIN; hi = INT32_MAX; break;
	case SQL_C_ULONG: lo = 0; hi = UINT32_MAX; break;
	case SQL_C_BIT: lo = 0; hi = 1; break;
	case SQL_C_SBIGINT: lo = INT64_MIN; hi = INT64_MAX; break;
	default: lo = 0; hi = INT64_MAX; break; /* UBIGINT below */
	}
	if (c == SQL_C_UBIGINT)
		rc = num_to_u64(n, &uv);
	else
		rc = num_to_int(n, lo, hi, &iv);
	if (c == SQL_C_BIT && rc < 0 && !n->is_int && n->d > 0 && n->d < 2) {
		/* 0 < v < 2, not 1: truncated to 0 or 1 with 01S07. */
		iv = (int64_t)n->d;
		rc = 1;
	}
	if (rc < 0)
		return out_of_range(err);
	switch (c) {
	case SQL_C_STINYINT: case SQL_C_TINYINT: {
		SQLSCHAR x = (SQLSCHAR)iv;
		return put_fixed(&x, sizeof(x), dst, offset, rc, err);
	}
	case SQL_C_UTINYINT: case SQL_C_BIT: {
		SQLCHAR x = (SQLCHAR)iv;
		return put_fixed(&x, sizeof(x), dst, offset, rc, err);
	}
	case SQL_C_SSHORT: case SQL_C_SHORT: {
		SQLSMALLINT x = (SQLSMALLINT)iv;
		return put_fixed(&x, sizeof(x), dst, offset, rc, err);
	}
	case SQL_C_USHORT: {
		SQLUSMALLINT x = (SQLUSMALLINT)iv;
		return put_fixed(&x, sizeof(x), dst, offset, rc, err);
	}
	case SQL_C_SLONG: case SQL_C_LONG: {
		SQLINTEGER x = (SQLINTEGER)iv;
		return put_fixed(&x, sizeof(x), dst, offset, rc, err);
	}
	case SQL_C_ULONG: {
		SQLUINTEGER x = (SQLUINTEGER)iv;
		return put_fixed(&x, sizeof(x), dst, offset, rc, err);
	}
	case SQL_C_SBIGINT: {
		SQLBIGINT x = iv;
		return put_fixed(&x, sizeof(x), dst, offset, rc, err);
	}
	default: {
		SQLUBIGINT x = uv;
		return put_fixed(&x, sizeof(x), dst, offset, rc, err);
	}
	}
}

static SQLRETURN to_float(const struct num *n, SQLSMALLINT c, const struct dv_conv_dst *dst,
			  size_t *offset, struct dv_error *err)
{
	double d = n->is_int ? (double)n->i : n->d;
	if (c == SQL_C_FLOAT) {
		if (fabs(d) > 3.402823466e38)
			return out_of_range(err);
		SQLREAL f = (SQLREAL)d;
		return put_fixed(&f, sizeof(f), dst, offset, 0, err);
	}
	return put_fixed(&d, sizeof(d), dst, offset, 0, err);
}

/* SQL_NUMERIC_STRUCT: precision/scale from the descriptor; the value is
 * scaled to `scale` digits (01S07 when digits are dropped).
 * https://learn.microsoft.com/sql/odbc/reference/appendixes/retrieve-numeric-data-sql-numeric-struct-kb222831 */
static SQLRETURN to_numeric(const struct num *n, const struct dv_conv_dst *dst, size_t *offset,
			    struct dv_error *err)
{
	struct dec d;
	int scale = dst->scale;
	int precision = dst->precision > 0 ? dst->precision : 38;
	if (n->has_dec) {
		d = n->dec;
	} else if (n->is_int) {
		dec_from_int64(n->i, &d);
	} else {
		dec_from_double(n->d, &d);
	}
	if (scale < 0 || scale > precision)
		scale = 0;
	int truncated = strlen(d.frac) > (size_t)scale;
	unsigned __int128 acc = 0;
	size_t ndigits = 0;
	for (const char *p = d.digits; *p; p++, ndigits++)
		acc = acc * 10 + (unsigned)(*p - '0');
	for (int i = 0; i < scale; i++, ndigits++) {
		char ch = (size_t)i < strlen(d.frac) ? d.frac[i] : '0';
		acc = acc * 10 + (unsigned)(ch - '0');
	}
	if (ndigits > (size_t)precision && acc != 0) {
		/* Leading zeros of a pure fraction do not count. */
		unsigned __int128 limit = 1;
		for (int i = 0; i < precision; i++)
			limit *= 10;
		if (acc >= limit)
			return out_of_range(err);
	}
	SQL_NUMERIC_STRUCT ns;
	memset(&ns, 0, sizeof(ns));
	ns.precision = (SQLCHAR)precision;
	ns.scale = (SQLSCHAR)scale;
	ns.sign = d.neg ? 0 : 1;
	for (int i = 0; i < SQL_MAX_NUMERIC_LEN; i++) {
		ns.val[i] = (SQLCHAR)(acc & 0xFF);
		acc >>= 8;
	}
	return put_fixed(&ns, sizeof(ns), dst, offset, truncated, err);
}

static SQLRETURN to_datetime(const struct dv_value *v, enum sql_class sc, SQLSMALLINT c,
			     const struct dv_conv_dst *dst, size_t *offset, struct dv_error *err)
{
	struct ts t;
	if (v->type != DV_V_TEXT || parse_ts(v->s, v->len, &t) != 0) {
		dv_error_set(err, sc == SC_CHAR ? DV_S_22018 : DV_S_22007, 0, NULL);
		return SQL_ERROR;
	}
	int trunc_warn = 0;
	if (c == SQL_C_TYPE_DATE || c == SQL_C_DATE) {
		if (!t.has_date)
			return bad_chars(err, v);
		trunc_warn = t.h || t.mi || t.s || t.frac;
		SQL_DATE_STRUCT ds = {(SQLSMALLINT)t.y, (SQLUSMALLINT)t.mo, (SQLUSMALLINT)t.d};
		return put_fixed(&ds, sizeof(ds), dst, offset, trunc_warn, err);
	}
	if (c == SQL_C_TYPE_TIME || c == SQL_C_TIME) {
		if (!t.has_time && sc != SC_TIMESTAMP)
			return bad_chars(err, v);
		trunc_warn = t.frac != 0;
		SQL_TIME_STRUCT tms = {(SQLUSMALLINT)t.h, (SQLUSMALLINT)t.mi, (SQLUSMALLINT)t.s};
		return put_fixed(&tms, sizeof(tms), dst, offset, trunc_warn, err);
	}
	SQL_TIMESTAMP_STRUCT tss;
	memset(&tss, 0, sizeof(tss));
	if (!t.has_date) {
		/* A time gets today's date (UTC). */
		time_t now = time(NULL);
		struct tm tmv;
		gmtime_r(&now, &tmv);
		t.y = tmv.tm_year + 1900;
		t.mo = tmv.tm_mon + 1;
		t.d = tmv.tm_mday;
	}
	tss.year = (SQLSMALLINT)t.y;
	tss.month = (SQLUSMALLINT)t.mo;
	tss.day = (SQLUSMALLINT)t.d;
	tss.hour = (SQLUSMALLINT)t.h;
	tss.minute = (SQLUSMALLINT)t.mi;
	tss.second = (SQLUSMALLINT)t.s;
	tss.fraction = (SQLUINTEGER)t.frac;
	return put_fixed(&tss, sizeof(tss), dst, offset, 0, err);
}

static SQLRETURN to_guid(const struct dv_value *v, const struct dv_conv_dst *dst,
			 size_t *offset, struct dv_error *err)
{
	SQLGUID g;
	if (v->type != DV_V_TEXT || parse_guid(v->s, v->len, &g) != 0)
		return bad_chars(err, v);
	return put_fixed(&g, sizeof(g), dst, offset, 0, err);
}

/* Non-character sources into SQL_C_BINARY: "the data as stored", i.e. the
 * bytes of the value's C form: the default C type, and for DECIMAL and
 * NUMERIC (whose default C type is text) an SQL_NUMERIC_STRUCT with
 * precision 38 and the column's scale.  22003 when the buffer is smaller.
 * https://learn.microsoft.com/sql/odbc/reference/appendixes/sql-to-c-numeric */
static SQLRETURN to_binary_fixed(const struct dv_value *v, const struct dv_conv_src *src,
				 const struct dv_conv_dst *dst, size_t *offset,
				 struct dv_error *err)
{
	SQLSMALLINT c = dv_default_c_type(src->sql_type);
	if (src->sql_type == SQL_DECIMAL || src->sql_type == SQL_NUMERIC)
		c = SQL_C_NUMERIC;
	unsigned char tmp[64];
	SQLLEN size = dv_c_type_size(c);
	struct dv_conv_dst inner = {c, tmp, sizeof(tmp), NULL, NULL, 38, src->scale};
	if (size <= 0 || (size_t)size > sizeof(tmp)) {
		dv_error_set(err, DV_S_07006, 0,
			     "a value of SQL type %d cannot be converted to SQL_C_BINARY",
			     (int)src->sql_type);
		return SQL_ERROR;
	}
	SQLRETURN rc = dv_convert(v, src, &inner, NULL, err);
	if (rc == SQL_ERROR)
		return rc;
	if (offset && *offset == DV_CONV_DONE)
		return SQL_NO_DATA;
	if (dst->ptr && dst->buflen < size)
		return out_of_range(err);
	return put_fixed(tmp, (size_t)size, dst, offset, 0, err);
}

SQLRETURN dv_convert(const struct dv_value *v, const struct dv_conv_src *src,
		     const struct dv_conv_dst *dst, size_t *offset, struct dv_error *err)
{
	SQLSMALLINT c = dst->c_type;
	enum sql_class sc = classify(src->sql_type);
	if (c == SQL_C_DEFAULT)
		c = dv_default_c_type(src->sql_type);
	if (!dv_c_type_valid(c)) {
		dv_error_set(err, DV_S_HY003, 0, "C type %d is not a valid application type",
			     (int)c);
		return SQL_ERROR;
	}
	if (!allowed(sc, c)) {
		dv_error_set(err, DV_S_07006, 0,
			     "a value of SQL type %d cannot be converted to C type %d",
			     (int)src->sql_type, (int)c);
		return SQL_ERROR;
	}
	if (v->type == DV_V_NULL) {
		if (offset && *offset == DV_CONV_DONE)
			return SQL_NO_DATA;
		if (!dst->ind_ptr) {
			dv_error_set(err, DV_S_22002, 0, NULL);
			return SQL_ERROR;
		}
		*dst->ind_ptr = SQL_NULL_DATA;
		if (offset)
			*offset = DV_CONV_DONE;
		return SQL_SUCCESS;
	}
	if (c == SQL_C_CHAR || c == SQL_C_WCHAR)
		return to_chars(v, src, sc, c, dst, offset, err);
	if (c == SQL_C_BINARY) {
		if (sc == SC_CHAR || sc == SC_BINARY)
			return to_chars(v, src, sc, c, dst, offset, err);
		return to_binary_fixed(v, src, dst, offset, err);
	}
	if (is_numeric_c(c)) {
		struct num n;
		if (value_number(v, &n) != 0)
			return bad_chars(err, v);
		if (c == SQL_C_FLOAT || c == SQL_C_DOUBLE)
			return to_float(&n, c, dst, offset, err);
		if (c == SQL_C_NUMERIC)
			return to_numeric(&n, dst, offset, err);
		return to_integer(&n, c, dst, offset, err);
	}
	if (c == SQL_C_GUID)
		return to_guid(v, dst, offset, err);
	return to_datetime(v, sc, c, dst, offset, err);
}

/* The text of a value of this SQL type is handed out as stored (render_text
 * borrows it): every class but decimals and dates/times. */
static int text_as_stored(SQLSMALLINT sql_type, enum sql_class sc)
{
	return sql_type != SQL_DECIMAL && sql_type != SQL_NUMERIC && sc != SC_DATE &&
	       sc != SC_TIME && sc != SC_TIMESTAMP;
}

int dv_convert_char_whole(const struct dv_value *v, const struct dv_conv_src *src,
			  const struct dv_conv_dst *dst, struct dv_charset *cs)
{
	enum sql_class sc;
	struct sink text;
	const char *p;
	size_t n;
	if (dst->c_type != SQL_C_CHAR || !dst->ptr || dst->buflen <= 0)
		return 0;
	if (v->type == DV_V_NULL) {
		if (!dst->ind_ptr)
			return 0;
		*dst->ind_ptr = SQL_NULL_DATA;
		return 1;
	}
	sc = classify(src->sql_type);
	if (cs && sc == SC_CHAR)
		return 0;           /* put_charset's conversion */
	if (v->type == DV_V_TEXT && text_as_stored(src->sql_type, sc)) {
		p = v->s;
		n = v->len;
	} else if (v->type == DV_V_TEXT || v->type == DV_V_INT || v->type == DV_V_DOUBLE) {
		sink_init(&text);
		if (render_text(v, src, sc, &text) != 0 || text.on_heap) {
			sink_free(&text);
			return 0;
		}
		p = text.p;
		n = text.len;
	} else {
		return 0;
	}
	if ((size_t)dst->buflen <= n)
		return 0;           /* truncation (01004) or 22003: the full way */
	memcpy(dst->ptr, p, n);
	((char *)dst->ptr)[n] = '\0';
	set_len(dst, (SQLLEN)n);
	return 1;
}

SQLRETURN dv_convert_cs(const struct dv_value *v, const struct dv_conv_src *src,
			const struct dv_conv_dst *dst, struct dv_charset *cs, size_t *offset,
			struct dv_error *err)
{
	if (cs && dst->c_type == SQL_C_CHAR && v->type == DV_V_TEXT &&
	    classify(src->sql_type) == SC_CHAR)
		return put_charset(v->s, v->len, dst, cs, offset, err);
	return dv_convert(v, src, dst, offset, err);
}
