/* sqlfuncs.c - SQL functions for ODBC scalar functions, CAST and exact sums
 * (see sqlfuncs.h).
 *
 * HOW IT WORKS.  sqlparse turns {fn ...} escapes, {fn CONVERT(...)} and
 * CAST(x AS <type>) into calls of the functions below (escape.c); each
 * argument appears once, so '?' markers keep their numbers.  Values follow
 * the engine's storage: date-times are text 'YYYY-MM-DD HH:MM:SS[.f]' (UTC),
 * dates 'YYYY-MM-DD', times 'HH:MM:SS', decimals REAL when the double prints
 * back as the exact digits, else TEXT with the digits (values.c).
 *  - dv_cast(x, 'TYPE'[, p[, s]]) is CAST with SQL's rules: DATE and
 *    TIMESTAMP parse the value as a date-time, VARCHAR(n) keeps n
 *    characters, CHAR(n) pads, DECIMAL(p,s) rounds half away from zero,
 *    integers truncate; a value that does not convert is 22018, one that
 *    does not fit 22003.  Source: ISO SQL 6.13 <cast specification>, and
 *    https://learn.microsoft.com/sql/odbc/reference/appendixes/explicit-data-type-conversion-function
 *  - dv_round / dv_truncate work on the decimal digits, so ROUND(1234.5678, -2)
 *    is 1200 and ROUND(2.675, 2) is 2.68 (the digits, not the double).
 *  - dv_timestampadd / dv_timestampdiff implement TIMESTAMPADD/TIMESTAMPDIFF:
 *    https://learn.microsoft.com/sql/odbc/reference/appendixes/time-date-and-interval-functions
 *    DIFF counts whole intervals by which the second argument is greater
 *    than the first (truncated toward zero).
 *  - sum() and avg() replace SQLite's: integers add as integers (22003 past
 *    64 bits), anything else adds as exact decimals (up to 36 digits, then
 *    as doubles), so SUM(revenue) of money is 90309921031.93, not the
 *    double sum's ...031.930191.  They are window functions too.
 * Errors: the function stores the SQLSTATE in eng->scan_err, which
 * dv_engine_step reports instead of SQLite's generic error. */
#include "engine/sqlfuncs.h"
#include "engine/engine_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/strutil.h"

__extension__ typedef __int128 i128;

#define DEC_MAX_SCALE 30
#define DEC_MAX_DIGITS 36

/* ---- errors ------------------------------------------------------------- */

static void fn_error(sqlite3_context *ctx, enum dv_sqlstate state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fn_error(sqlite3_context *ctx, enum dv_sqlstate state, const char *fmt, ...)
{
	struct dv_engine *eng = sqlite3_user_data(ctx);
	struct dv_error e;
	va_list ap;
	va_start(ap, fmt);
	dv_error_vset(&e, state, 0, fmt, ap);
	va_end(ap);
	if (eng)
		eng->scan_err = e;
	sqlite3_result_error(ctx, e.message, -1);
}

/* ---- exact decimals ------------------------------------------------------ */

struct xdec {
	i128 m;      /* value = m / 10^scale */
	int scale;
};

static i128 pow10_i128(int n)
{
	i128 p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

/* Parses [+-]digits[.digits][e[+-]n] (blanks around); 0 or -1. */
static int xdec_parse(const char *s, size_t n, struct xdec *out)
{
	size_t i = 0;
	int neg = 0, digits = 0, frac = 0, seen_point = 0, any = 0;
	long ex = 0;
	i128 m = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n; i++) {
		if (s[i] == '.' && !seen_point) {
			seen_point = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			break;
		any = 1;
		if (digits == 0 && s[i] == '0') {
			if (seen_point)
				frac++;
			continue;
		}
		if (digits >= DEC_MAX_DIGITS)
			return -1;
		m = m * 10 + (s[i] - '0');
		digits++;
		if (seen_point)
			frac++;
	}
	if (!any)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		char *end;
		char tmp[16];
		size_t k = n - i - 1;
		if (k == 0 || k >= sizeof(tmp))
			return -1;
		memcpy(tmp, s + i + 1, k);
		tmp[k] = '\0';
		ex = strtol(tmp, &end, 10);
		if (*end || ex > 60 || ex < -60)
			return -1;
		i = n;
	}
	if (i != n)
		return -1;
	frac -= (int)ex;
	if (frac < 0) {
		if (digits - frac > DEC_MAX_DIGITS)
			return -1;
		m *= pow10_i128(-frac);
		frac = 0;
	}
	while (frac > DEC_MAX_SCALE) { /* tiny: drop digits (rounded) */
		m = (m + 5) / 10;
		frac--;
	}
	out->m = neg ? -m : m;
	out->scale = frac;
	return 0;
}

/* The shortest text that reads back as d ("%.15g" .. "%.17g"). */
static void double_text(double d, char *buf, size_t size)
{
	int prec;
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

/* The common case without printing: d is m / 10^k for the smallest k <= 6
 * whose quotient reads back as d (the same digits double_text finds). */
static int xdec_from_double_fast(double d, struct xdec *out)
{
	static const double p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	int k;
	for (k = 0; k < 7; k++) {
		double v = d * p10[k];
		long long m;
		if (fabs(v) >= 9007199254740992.0)
			return -1;
		m = llround(v);
		if ((double)m / p10[k] == d) {
			out->m = m;
			out->scale = k;
			return 0;
		}
	}
	return -1;
}

/* A value as an exact decimal: 0, 1 when it is not a number, -1 when it
 * is a number without an exact form (too many digits, inf). */
static int xdec_from_value(sqlite3_value *v, struct xdec *out)
{
	char buf[64];
	const char *s;
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		out->m = sqlite3_value_int64(v);
		out->scale = 0;
		return 0;
	case SQLITE_FLOAT:
		if (!isfinite(sqlite3_value_double(v)))
			return -1;
		if (xdec_from_double_fast(sqlite3_value_double(v), out) == 0)
			return 0;
		double_text(sqlite3_value_double(v), buf, sizeof(buf));
		return xdec_parse(buf, strlen(buf), out) == 0 ? 0 : -1;
	case SQLITE_TEXT:
		s = (const char *)sqlite3_value_text(v);
		if (s && xdec_parse(s, (size_t)sqlite3_value_bytes(v), out) == 0)
			return 0;
		if (s && sqlite3_value_numeric_type(v) != SQLITE_TEXT)
			return -1;
		return 1;
	default:
		return 1;
	}
}

static void xdec_rescale(struct xdec *d, int scale)
{
	if (scale > d->scale) {
		d->m *= pow10_i128(scale - d->scale);
		d->scale = scale;
	}
}

/* Rounds (half away from zero) or truncates to `scale` digits (negative:
 * tens, hundreds, ...); the result's scale is max(scale, 0). */
static void xdec_round(struct xdec *d, int scale, int truncate)
{
	i128 p, q, r;
	if (scale >= d->scale)
		return;
	if (d->scale - scale > DEC_MAX_DIGITS + 2) {
		d->m = 0;
		d->scale = scale > 0 ? scale : 0;
		return;
	}
	p = pow10_i128(d->scale - scale);
	q = d->m / p;
	r = d->m % p;
	if (!truncate && (r < 0 ? -r : r) * 2 >= p)
		q += d->m < 0 ? -1 : 1;
	if (scale < 0) {
		q *= pow10_i128(-scale);
		scale = 0;
	}
	d->m = q;
	d->scale = scale;
}

static int i128_digits(i128 m)
{
	int n = 1;
	if (m < 0)
		m = -m;
	while (m >= 10) {
		m /= 10;
		n++;
	}
	return n;
}

static void xdec_text(const struct xdec *d, char *buf, size_t size)
{
	char tmp[64];
	int n = 0, i, pos = 0;
	i128 m = d->m < 0 ? -d->m : d->m;
	do {
		tmp[n++] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m > 0);
	while (n <= d->scale)
		tmp[n++] = '0';
	if (d->m < 0 && (size_t)pos + 1 < size)
		buf[pos++] = '-';
	for (i = n - 1; i >= 0 && (size_t)pos + 2 < size; i--) {
		buf[pos++] = tmp[i];
		if (i == d->scale && i > 0)
			buf[pos++] = '.';
	}
	buf[pos] = '\0';
}

/* Hands SQLite a decimal the way values.c stores one: a REAL when the
 * double prints back as exactly these digits, else the digits as TEXT. */
static void xdec_result(sqlite3_context *ctx, const struct xdec *d)
{
	char text[80], back[400];
	double v;
	xdec_text(d, text, sizeof(text));
	v = strtod(text, NULL);
	snprintf(back, sizeof(back), "%.*f", d->scale, v);
	if (strcmp(back, text) == 0)
		sqlite3_result_double(ctx, v);
	else
		sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
}

/* ---- date-times ---------------------------------------------------------- */

struct dt {
	long long y;
	int mo, d, h, mi, s;
	long ns;                 /* fraction in nanoseconds */
	int has_date, has_time;
};

static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, struct dt *t)
{
	long long era, doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	t->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->y = yoe + era * 400 + (t->mo <= 2);
}

static int month_days(long long y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : days[m - 1];
}

static int num_at(const char *s, size_t n, size_t at, int width, int *out)
{
	int i, v = 0;
	if (at + (size_t)width > n)
		return -1;
	for (i = 0; i < width; i++) {
		if (s[at + i] < '0' || s[at + i] > '9')
			return -1;
		v = v * 10 + (s[at + i] - '0');
	}
	*out = v;
	return 0;
}

/* "HH:MM[:SS[.f]]" at s[at..n): 0 and *end, or -1. */
static int parse_time_part(const char *s, size_t n, size_t at, struct dt *t)
{
	int frac = 0;
	if (num_at(s, n, at, 2, &t->h) != 0 || at + 2 >= n || s[at + 2] != ':' ||
	    num_at(s, n, at + 3, 2, &t->mi) != 0)
		return -1;
	at += 5;
	if (at < n && s[at] == ':') {
		if (num_at(s, n, at + 1, 2, &t->s) != 0)
			return -1;
		at += 3;
		if (at < n && s[at] == '.') {
			long scale = 100000000;
			at++;
			while (at < n && s[at] >= '0' && s[at] <= '9') {
				t->ns += (s[at] - '0') * scale;
				scale /= 10;
				at++;
				frac++;
			}
			if (frac == 0)
				return -1;
		}
	}
	if (at < n && s[at] == 'Z')
		at++;
	t->has_time = 1;
	return at == n && t->h < 24 && t->mi < 60 && t->s < 60 ? 0 : -1;
}

/* 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.f]]' (or 'T', trailing 'Z'),
 * 'HH:MM[:SS[.f]]'; blanks around.  0 or -1. */
static int dt_parse(const char *s, size_t n, struct dt *t)
{
	int y;
	memset(t, 0, sizeof(*t));
	while (n > 0 && s[0] == ' ') {
		s++;
		n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n >= 5 && s[2] == ':')
		return parse_time_part(s, n, 0, t);
	if (num_at(s, n, 0, 4, &y) != 0 || n < 10 || s[4] != '-' ||
	    num_at(s, n, 5, 2, &t->mo) != 0 || s[7] != '-' || num_at(s, n, 8, 2, &t->d) != 0)
		return -1;
	t->y = y;
	t->has_date = 1;
	if (t->y < 1 || t->mo < 1 || t->mo > 12 || t->d < 1 || t->d > month_days(t->y, t->mo))
		return -1;
	if (n == 10)
		return 0;
	if (s[10] != ' ' && s[10] != 'T')
		return -1;
	return parse_time_part(s, n, 11, t);
}

static int dt_from_value(sqlite3_value *v, struct dt *t)
{
	const char *s = (const char *)sqlite3_value_text(v);
	if (sqlite3_value_type(v) != SQLITE_TEXT || !s)
		return -1;
	return dt_parse(s, (size_t)sqlite3_value_bytes(v), t);
}

static void fmt_date(const struct dt *t, char *buf, size_t size)
{
	snprintf(buf, size, "%04lld-%02d-%02d", t->y, t->mo, t->d);
}

static void fmt_time(const struct dt *t, char *buf, size_t size)
{
	snprintf(buf, size, "%02d:%02d:%02d", t->h, t->mi, t->s);
}

/* 'YYYY-MM-DD HH:MM:SS' and the fraction without trailing zeros, if any. */
static void fmt_timestamp(const struct dt *t, char *buf, size_t size)
{
	size_t n;
	snprintf(buf, size, "%04lld-%02d-%02d %02d:%02d:%02d", t->y, t->mo, t->d, t->h, t->mi,
		 t->s);
	if (t->ns == 0)
		return;
	n = strlen(buf);
	snprintf(buf + n, size - n, ".%09ld", t->ns);
	n = strlen(buf);
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
}

#define NS_PER_SEC 1000000000LL

static long long dt_seconds(const struct dt *t)
{
	return days_from_civil(t->y, t->mo, t->d) * 86400LL + t->h * 3600LL + t->mi * 60LL + t->s;
}

static void dt_from_seconds(long long secs, long ns, struct dt *t)
{
	long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	long long rest = secs - days * 86400;
	civil_from_days(days, t);
	t->h = (int)(rest / 3600);
	t->mi = (int)(rest % 3600 / 60);
	t->s = (int)(rest % 60);
	t->ns = ns;
	t->has_date = t->has_time = 1;
}

/* A time-only value takes today's date (UTC) as ODBC says for time
 * arguments of TIMESTAMPADD / TIMESTAMPDIFF. */
static void dt_fill_date(struct dt *t)
{
	if (!t->has_date) {
		long long days = (long long)time(NULL) / 86400;
		struct dt today;
		civil_from_days(days, &today);
		t->y = today.y;
		t->mo = today.mo;
		t->d = today.d;
		t->has_date = 1;
	}
}

/* ---- dv_cast --------------------------------------------------------------- */

static const char *value_text(sqlite3_value *v, char *buf, size_t size)
{
	if (sqlite3_value_type(v) == SQLITE_FLOAT) {
		double_text(sqlite3_value_double(v), buf, size);
		return buf;
	}
	return (const char *)sqlite3_value_text(v);
}

static void cast_datetime(sqlite3_context *ctx, sqlite3_value *x, char kind)
{
	struct dt t;
	char buf[64];
	if (dt_from_value(x, &t) != 0 || (kind != 'T' && kind != 'S' && !t.has_date) ||
	    (kind == 'T' && !t.has_time && t.has_date)) {
		char tmp[64];
		const char *s = value_text(x, tmp, sizeof(tmp));
		fn_error(ctx, DV_S_22018, "cannot convert '%.40s' to %s", s ? s : "",
			 kind == 'D' ? "DATE" : kind == 'T' ? "TIME" : "TIMESTAMP");
		return;
	}
	if (kind == 'D')
		fmt_date(&t, buf, sizeof(buf));
	else if (kind == 'T')
		fmt_time(&t, buf, sizeof(buf));
	else {
		dt_fill_date(&t);
		fmt_timestamp(&t, buf, sizeof(buf));
	}
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/* Byte length of the first `chars` UTF-8 characters of s[0..n). */
static size_t utf8_prefix(const char *s, size_t n, long long chars, long long *have)
{
	size_t i;
	long long c = 0;
	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (c == chars)
				break;
			c++;
		}
	}
	*have = c;
	return i;
}

static void cast_char(sqlite3_context *ctx, sqlite3_value *x, long long len, int pad)
{
	char tmp[64];
	const char *s = value_text(x, tmp, sizeof(tmp));
	size_t n, keep;
	long long have;
	char *out;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	n = s == tmp ? strlen(tmp) : (size_t)sqlite3_value_bytes(x);
	if (len < 0) {
		sqlite3_result_text(ctx, s, (int)n, SQLITE_TRANSIENT);
		return;
	}
	if (len > 100000000LL) {
		sqlite3_result_error_toobig(ctx);
		return;
	}
	keep = utf8_prefix(s, n, len, &have);
	if (!pad || have >= len) {
		sqlite3_result_text(ctx, s, (int)keep, SQLITE_TRANSIENT);
		return;
	}
	out = sqlite3_malloc64(keep + (size_t)(len - have) + 1);
	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	memcpy(out, s, keep);
	memset(out + keep, ' ', (size_t)(len - have));
	sqlite3_result_text(ctx, out, (int)(keep + (size_t)(len - have)), sqlite3_free);
}

/* A value as a number for a numeric cast: 0, or -1 after an error. */
static int cast_number(sqlite3_context *ctx, sqlite3_value *x, struct xdec *d, double *dbl,
		       const char *type)
{
	char tmp[64];
	const char *s;
	int rc;
	*dbl = sqlite3_value_double(x);
	if (sqlite3_value_type(x) == SQLITE_TEXT) {
		s = (const char *)sqlite3_value_text(x);
		if (s && (!dv_strcasecmp(s, "true") || !dv_strcasecmp(s, "false"))) {
			d->m = s[0] == 't' || s[0] == 'T';
			d->scale = 0;
			*dbl = (double)d->m;
			return 0;
		}
	}
	rc = xdec_from_value(x, d);
	if (rc == 1 || (sqlite3_value_type(x) == SQLITE_BLOB)) {
		s = value_text(x, tmp, sizeof(tmp));
		fn_error(ctx, DV_S_22018, "cannot convert '%.40s' to %s",
			 sqlite3_value_type(x) == SQLITE_BLOB ? "<binary>" : s ? s : "", type);
		return -1;
	}
	if (rc != 0) {
		d->m = 0;
		d->scale = -1; /* no exact form: use *dbl */
	}
	return 0;
}

static void cast_integer(sqlite3_context *ctx, sqlite3_value *x, const char *type)
{
	long long lo, hi, v;
	struct xdec d;
	double dbl;
	if (!strcmp(type, "BIGINT"))
		lo = INT64_MIN, hi = INT64_MAX;
	else if (!strcmp(type, "SMALLINT"))
		lo = -32768, hi = 32767;
	else if (!strcmp(type, "TINYINT"))
		lo = 0, hi = 255;
	else if (!strcmp(type, "BIT"))
		lo = 0, hi = 1;
	else
		lo = INT32_MIN, hi = INT32_MAX;
	if (sqlite3_value_type(x) == SQLITE_INTEGER) {
		v = sqlite3_value_int64(x);
		if (!strcmp(type, "BIT"))
			v = v != 0;
	} else {
		if (cast_number(ctx, x, &d, &dbl, type) != 0)
			return;
		if (d.scale < 0) {
			fn_error(ctx, DV_S_22003, "%.17g is out of the range of %s", dbl, type);
			return;
		}
		if (!strcmp(type, "BIT")) {
			sqlite3_result_int(ctx, d.m != 0);
			return;
		}
		xdec_round(&d, 0, 1);
		if (d.m < (i128)lo || d.m > (i128)hi) {
			char t[80];
			xdec_text(&d, t, sizeof(t));
			fn_error(ctx, DV_S_22003, "%s is out of the range of %s", t, type);
			return;
		}
		v = (long long)d.m;
	}
	if (v < lo || v > hi) {
		fn_error(ctx, DV_S_22003, "%lld is out of the range of %s", v, type);
		return;
	}
	sqlite3_result_int64(ctx, v);
}

static void cast_decimal(sqlite3_context *ctx, sqlite3_value *x, int p, int s)
{
	struct xdec d;
	double dbl;
	if (p < 1 || p > 38)
		p = 38;
	if (s < 0 || s > p)
		s = 0;
	if (cast_number(ctx, x, &d, &dbl, "DECIMAL") != 0)
		return;
	if (d.scale < 0) {
		fn_error(ctx, DV_S_22003, "%.17g does not fit DECIMAL(%d,%d)", dbl, p, s);
		return;
	}
	xdec_round(&d, s, 0);
	if (d.m != 0 && i128_digits(d.m) + (s > d.scale ? s - d.scale : 0) > p) {
		char t[80];
		xdec_text(&d, t, sizeof(t));
		fn_error(ctx, DV_S_22003, "%s does not fit DECIMAL(%d,%d)", t, p, s);
		return;
	}
	xdec_rescale(&d, s);
	if (i128_digits(d.m) > p) {
		char t[80];
		xdec_text(&d, t, sizeof(t));
		fn_error(ctx, DV_S_22003, "%s does not fit DECIMAL(%d,%d)", t, p, s);
		return;
	}
	xdec_result(ctx, &d);
}

static void cast_double(sqlite3_context *ctx, sqlite3_value *x)
{
	struct xdec d;
	double dbl;
	if (sqlite3_value_type(x) == SQLITE_INTEGER || sqlite3_value_type(x) == SQLITE_FLOAT) {
		sqlite3_result_double(ctx, sqlite3_value_double(x));
		return;
	}
	if (cast_number(ctx, x, &d, &dbl, "DOUBLE") != 0)
		return;
	sqlite3_result_double(ctx, dbl);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* GUID text in any case, with or without braces -> lowercase 36 chars. */
static int guid_text(const char *s, size_t n, char out[37])
{
	size_t i, k = 0;
	if (n == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		n -= 2;
	}
	if (n != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hexval(s[i]) < 0)
			return -1;
		out[k++] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
	}
	out[36] = '\0';
	return 0;
}

/* 16 bytes as SQL Server converts binary(16) to uniqueidentifier: the
 * first three groups little-endian (Data1, Data2, Data3), then bytes. */
static void guid_from_bytes(const unsigned char *b, char out[37])
{
	static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	static const char hex[] = "0123456789abcdef";
	int i, k = 0;
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[b[order[i]] >> 4];
		out[k++] = hex[b[order[i]] & 15];
	}
	out[36] = '\0';
}

static void cast_guid(sqlite3_context *ctx, sqlite3_value *x)
{
	char g[37];
	if (sqlite3_value_type(x) == SQLITE_BLOB && sqlite3_value_bytes(x) == 16) {
		guid_from_bytes(sqlite3_value_blob(x), g);
	} else if (sqlite3_value_type(x) != SQLITE_TEXT ||
		   guid_text((const char *)sqlite3_value_text(x), (size_t)sqlite3_value_bytes(x),
			     g) != 0) {
		char tmp[64];
		const char *s = sqlite3_value_type(x) == SQLITE_BLOB ? "<binary>"
				: value_text(x, tmp, sizeof(tmp));
		fn_error(ctx, DV_S_22018, "cannot convert '%.40s' to GUID", s ? s : "");
		return;
	}
	sqlite3_result_text(ctx, g, 36, SQLITE_TRANSIENT);
}

static void cast_binary(sqlite3_context *ctx, sqlite3_value *x, long long len)
{
	const void *b;
	int n;
	if (sqlite3_value_type(x) == SQLITE_BLOB) {
		b = sqlite3_value_blob(x);
	} else {
		b = sqlite3_value_text(x);
	}
	n = sqlite3_value_bytes(x);
	if (len >= 0 && n > len)
		n = (int)len;
	sqlite3_result_blob(ctx, b ? b : "", n, SQLITE_TRANSIENT);
}

/* dv_cast(x, 'TYPE'[, p[, s]]) */
static void fn_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *type = (const char *)sqlite3_value_text(argv[1]);
	long long p = argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL
		      ? sqlite3_value_int64(argv[2]) : -1;
	long long s = argc > 3 ? sqlite3_value_int64(argv[3]) : 0;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || !type) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!strcmp(type, "DATE"))
		cast_datetime(ctx, argv[0], 'D');
	else if (!strcmp(type, "TIME"))
		cast_datetime(ctx, argv[0], 'T');
	else if (!strcmp(type, "TIMESTAMP"))
		cast_datetime(ctx, argv[0], 'S');
	else if (!strcmp(type, "VARCHAR") || !strcmp(type, "CHAR"))
		cast_char(ctx, argv[0], p, type[0] == 'C');
	else if (!strcmp(type, "DECIMAL"))
		cast_decimal(ctx, argv[0], (int)(p < 0 ? 18 : p), (int)s);
	else if (!strcmp(type, "DOUBLE"))
		cast_double(ctx, argv[0]);
	else if (!strcmp(type, "GUID"))
		cast_guid(ctx, argv[0]);
	else if (!strcmp(type, "BINARY"))
		cast_binary(ctx, argv[0], p);
	else
		cast_integer(ctx, argv[0], type);
}

/* ---- numeric --------------------------------------------------------------- */

/* dv_round(x, n) / dv_truncate(x, n): on the decimal digits. */
static void round_or_truncate(sqlite3_context *ctx, sqlite3_value **argv, int truncate)
{
	struct xdec d;
	long long n;
	int t = sqlite3_value_type(argv[0]);
	if (t == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	n = sqlite3_value_int64(argv[1]);
	if (n > DEC_MAX_SCALE)
		n = DEC_MAX_SCALE;
	if (n < -(DEC_MAX_DIGITS + 2))
		n = -(DEC_MAX_DIGITS + 2);
	if (xdec_from_value(argv[0], &d) != 0) {
		double x = sqlite3_value_double(argv[0]), p = pow(10.0, (double)n);
		double r = truncate ? trunc(x * p) / p : round(x * p) / p;
		sqlite3_result_double(ctx, isfinite(r) ? r : x);
		return;
	}
	xdec_round(&d, (int)n, truncate);
	if (t == SQLITE_INTEGER) {
		if (d.m < (i128)INT64_MIN || d.m > (i128)INT64_MAX) {
			fn_error(ctx, DV_S_22003, "ROUND result is out of range");
			return;
		}
		sqlite3_result_int64(ctx, (sqlite3_int64)d.m);
		return;
	}
	xdec_result(ctx, &d);
}

static void fn_round(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct xdec d;
	int t = sqlite3_value_type(argv[0]);
	if (argc == 2) {
		round_or_truncate(ctx, argv, 0);
		return;
	}
	/* ROUND(x) = ROUND(x, 0) */
	if (t == SQLITE_NULL) {
		sqlite3_result_null(ctx);
	} else if (xdec_from_value(argv[0], &d) != 0) {
		sqlite3_result_double(ctx, round(sqlite3_value_double(argv[0])));
	} else {
		xdec_round(&d, 0, 0);
		if (t == SQLITE_INTEGER)
			sqlite3_result_int64(ctx, (sqlite3_int64)d.m);
		else
			xdec_result(ctx, &d);
	}
}

static void fn_truncate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	round_or_truncate(ctx, argv, 1);
}

/* ---- date and time ----------------------------------------------------------- */

static int interval_code(const char *s)
{
	static const char *const names[] = {"FRAC_SECOND", "SECOND", "MINUTE", "HOUR", "DAY",
					    "WEEK", "MONTH", "QUARTER", "YEAR"};
	int i;
	for (i = 0; s && i < 9; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static const long long interval_ns[] = {1, NS_PER_SEC, 60 * NS_PER_SEC, 3600 * NS_PER_SEC,
					86400 * NS_PER_SEC, 7 * 86400 * NS_PER_SEC};

static int bad_datetime(sqlite3_context *ctx, sqlite3_value *v, const char *fn)
{
	char tmp[64];
	const char *s = value_text(v, tmp, sizeof(tmp));
	fn_error(ctx, DV_S_22007, "%s: '%.40s' is not a date, time or timestamp", fn,
		 s ? s : "");
	return -1;
}

/* dv_timestampadd('DAY', n, ts) */
static void fn_timestampadd(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int iv = interval_code((const char *)sqlite3_value_text(argv[0]));
	struct dt t;
	long long n, secs;
	long ns;
	char buf[64];
	(void)argc;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	n = sqlite3_value_int64(argv[1]);
	if (dt_from_value(argv[2], &t) != 0) {
		bad_datetime(ctx, argv[2], "TIMESTAMPADD");
		return;
	}
	dt_fill_date(&t);
	if (n > 100000000000LL || n < -100000000000LL)
		goto overflow;
	if (iv >= 6) { /* MONTH, QUARTER, YEAR: the day is kept, at most the month's last */
		long long months = t.y * 12 + (t.mo - 1) + n * (iv == 6 ? 1 : iv == 7 ? 3 : 12);
		t.y = months >= 0 ? months / 12 : (months - 11) / 12;
		t.mo = (int)(months - t.y * 12) + 1;
		if (t.y < 1 || t.y > 9999)
			goto overflow;
		if (t.d > month_days(t.y, t.mo))
			t.d = month_days(t.y, t.mo);
	} else if (iv >= 0) {
		long long add_s, add_ns;
		if (iv == 0) {
			add_s = n / NS_PER_SEC;
			add_ns = n % NS_PER_SEC;
		} else {
			add_s = n * (interval_ns[iv] / NS_PER_SEC);
			add_ns = 0;
		}
		secs = dt_seconds(&t) + add_s;
		ns = t.ns + (long)add_ns;
		if (ns < 0) {
			ns += NS_PER_SEC;
			secs--;
		} else if (ns >= NS_PER_SEC) {
			ns -= NS_PER_SEC;
			secs++;
		}
		dt_from_seconds(secs, ns, &t);
		if (t.y < 1 || t.y > 9999)
			goto overflow;
	} else {
		fn_error(ctx, DV_S_HY000, "TIMESTAMPADD: unknown interval");
		return;
	}
	fmt_timestamp(&t, buf, sizeof(buf));
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
	return;
overflow:
	fn_error(ctx, DV_S_22008, "TIMESTAMPADD: the result is outside years 1 to 9999");
}

/* dv_timestampdiff('DAY', ts1, ts2): whole intervals from ts1 to ts2. */
static void fn_timestampdiff(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int iv = interval_code((const char *)sqlite3_value_text(argv[0]));
	struct dt a, b;
	long long r;
	(void)argc;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (dt_from_value(argv[1], &a) != 0) {
		bad_datetime(ctx, argv[1], "TIMESTAMPDIFF");
		return;
	}
	if (dt_from_value(argv[2], &b) != 0) {
		bad_datetime(ctx, argv[2], "TIMESTAMPDIFF");
		return;
	}
	dt_fill_date(&a);
	dt_fill_date(&b);
	if (iv >= 6) {
		long long months = (b.y * 12 + b.mo) - (a.y * 12 + a.mo);
		/* the rest of each value within its month */
		long long ra = ((a.d * 86400LL + a.h * 3600 + a.mi * 60 + a.s) * NS_PER_SEC) + a.ns;
		long long rb = ((b.d * 86400LL + b.h * 3600 + b.mi * 60 + b.s) * NS_PER_SEC) + b.ns;
		if (months > 0 && rb < ra)
			months--;
		else if (months < 0 && rb > ra)
			months++;
		r = iv == 6 ? months : iv == 7 ? months / 3 : months / 12;
	} else if (iv >= 0) {
		long long ds = dt_seconds(&b) - dt_seconds(&a);
		long long dns = (long long)b.ns - a.ns;
		if (iv == 0) {
			if (ds > INT64_MAX / NS_PER_SEC - 1 || ds < INT64_MIN / NS_PER_SEC + 1) {
				fn_error(ctx, DV_S_22003, "TIMESTAMPDIFF: the result is out of range");
				return;
			}
			r = ds * NS_PER_SEC + dns;
		} else {
			long long unit = interval_ns[iv] / NS_PER_SEC;
			/* whole units of ds seconds + dns nanoseconds, toward zero */
			if (ds > 0 && dns < 0)
				r = (ds - 1) / unit;
			else if (ds < 0 && dns > 0)
				r = (ds + 1) / unit;
			else
				r = ds / unit;
		}
	} else {
		fn_error(ctx, DV_S_HY000, "TIMESTAMPDIFF: unknown interval");
		return;
	}
	sqlite3_result_int64(ctx, r);
}

static int date_arg(sqlite3_context *ctx, sqlite3_value *v, struct dt *t, const char *fn)
{
	if (sqlite3_value_type(v) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return -1;
	}
	if (dt_from_value(v, t) != 0 || !t->has_date)
		return bad_datetime(ctx, v, fn);
	return 0;
}

static int weekday(const struct dt *t) /* 0 = Sunday */
{
	long long z = days_from_civil(t->y, t->mo, t->d);
	return (int)(((z + 4) % 7 + 7) % 7);
}

static void fn_dayname(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	static const char *const names[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
					    "Thursday", "Friday", "Saturday"};
	struct dt t;
	(void)argc;
	if (date_arg(ctx, argv[0], &t, "DAYNAME") == 0)
		sqlite3_result_text(ctx, names[weekday(&t)], -1, SQLITE_STATIC);
}

static void fn_monthname(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	static const char *const names[] = {"January", "February", "March", "April", "May",
					    "June", "July", "August", "September", "October",
					    "November", "December"};
	struct dt t;
	(void)argc;
	if (date_arg(ctx, argv[0], &t, "MONTHNAME") == 0)
		sqlite3_result_text(ctx, names[t.mo - 1], -1, SQLITE_STATIC);
}

/* WEEK: 1-53, weeks starting on Sunday, week 1 holding January 1st (as
 * SQL Server's DATEPART(week, x) with its default DATEFIRST 7). */
static void fn_week(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct dt t, jan1;
	long long doy;
	(void)argc;
	if (date_arg(ctx, argv[0], &t, "WEEK") != 0)
		return;
	jan1 = t;
	jan1.mo = 1;
	jan1.d = 1;
	doy = days_from_civil(t.y, t.mo, t.d) - days_from_civil(t.y, 1, 1);
	sqlite3_result_int64(ctx, (doy + weekday(&jan1)) / 7 + 1);
}

/* ---- string -------------------------------------------------------------------- */

/* dv_repeat(s, n): s n times (REPEAT; SPACE(n) is dv_repeat(' ', n)). */
static void fn_repeat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	long long n = sqlite3_value_int64(argv[1]), i;
	size_t len;
	char *out;
	(void)argc;
	if (!s || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	len = (size_t)sqlite3_value_bytes(argv[0]);
	if (n <= 0 || len == 0) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	if (n > 100000000LL || (unsigned long long)n * len > 100000000ULL) {
		sqlite3_result_error_toobig(ctx);
		return;
	}
	out = sqlite3_malloc64(len * (size_t)n + 1);
	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	for (i = 0; i < n; i++)
		memcpy(out + (size_t)i * len, s, len);
	sqlite3_result_text(ctx, out, (int)(len * (size_t)n), sqlite3_free);
}

/* dv_insert(s, start, length, s2): length characters of s from start
 * replaced by s2 (ODBC INSERT). */
static void fn_insert(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	const char *s2 = (const char *)sqlite3_value_text(argv[3]);
	long long start = sqlite3_value_int64(argv[1]), len = sqlite3_value_int64(argv[2]);
	long long have;
	size_t n, a, b;
	struct dv_buf out;
	(void)argc;
	if (!s || !s2 || sqlite3_value_type(argv[1]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	n = (size_t)sqlite3_value_bytes(argv[0]);
	if (start < 1 || len < 0) {
		fn_error(ctx, DV_S_22003, "INSERT: start must be at least 1, length at least 0");
		return;
	}
	a = utf8_prefix(s, n, start - 1, &have);
	b = a + utf8_prefix(s + a, n - a, len, &have);
	dv_buf_init(&out, 0);
	dv_buf_append(&out, s, a);
	dv_buf_append(&out, s2, (size_t)sqlite3_value_bytes(argv[3]));
	dv_buf_append(&out, s + b, n - b);
	sqlite3_result_text(ctx, dv_buf_str(&out), (int)out.len, SQLITE_TRANSIENT);
	dv_buf_free(&out);
}

/* odbc_locate(needle, hay, start) with start counted in characters; 0 when
 * absent (ODBC LOCATE).  Replaces the engine's older version, which could
 * not start past a multibyte character correctly. */
static void fn_locate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *needle = (const char *)sqlite3_value_text(argv[0]);
	const char *hay = (const char *)sqlite3_value_text(argv[1]);
	long long start = argc > 2 ? sqlite3_value_int64(argv[2]) : 1, have, pos;
	size_t n, at;
	const char *hit;
	if (!needle || !hay || (argc > 2 && sqlite3_value_type(argv[2]) == SQLITE_NULL)) {
		sqlite3_result_null(ctx);
		return;
	}
	if (start < 1) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	n = (size_t)sqlite3_value_bytes(argv[1]);
	at = utf8_prefix(hay, n, start - 1, &have);
	if (have < start - 1) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	hit = strstr(hay + at, needle);
	if (!hit) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	utf8_prefix(hay, (size_t)(hit - hay), (long long)n, &pos);
	sqlite3_result_int64(ctx, pos + 1);
}

/* char_length(s), character_length(s): characters; octet_length(s): bytes
 * of its UTF-8 form (SQL-92 forms SQLGetInfo advertises). */
static void fn_char_length(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	long long n;
	(void)argc;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	utf8_prefix(s, (size_t)sqlite3_value_bytes(argv[0]), -1, &n);
	sqlite3_result_int64(ctx, n);
}

static void fn_octet_length(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB)
		sqlite3_value_text(argv[0]);
	sqlite3_result_int(ctx, sqlite3_value_bytes(argv[0]));
}

/* log10(x) with the C library's log10, exact for powers of ten (SQLite's
 * own gives 2.9999999999999996 for 1000). */
static void fn_log10(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	double x = sqlite3_value_double(argv[0]);
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || x <= 0) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_double(ctx, log10(x));
}

/* ---- exact sum() and avg() ---------------------------------------------------- */

struct sumacc {
	i128 m;          /* exact sum at `scale` */
	int scale;
	long long n;     /* non-NULL values */
	int any_real;    /* a non-integer value was added */
	int inexact;     /* a value had no exact form: use dsum */
	double dsum;
};

/* SQLite's aggregate context is only 8-byte aligned, an i128 wants 16:
 * the accumulator is copied in and out. */
static void sum_add_to(struct sumacc *a, sqlite3_value *v, int sign);

static void sum_add(sqlite3_context *ctx, sqlite3_value *v, int sign)
{
	void *raw = sqlite3_aggregate_context(ctx, sizeof(struct sumacc));
	struct sumacc a;
	if (!raw || sqlite3_value_type(v) == SQLITE_NULL)
		return;
	memcpy(&a, raw, sizeof(a));
	sum_add_to(&a, v, sign);
	memcpy(raw, &a, sizeof(a));
}

static void sum_add_to(struct sumacc *a, sqlite3_value *v, int sign)
{
	struct xdec d;
	int t = sqlite3_value_type(v);
	a->n += sign;
	a->dsum += sign * sqlite3_value_double(v);
	if (t != SQLITE_INTEGER)
		a->any_real = 1;
	if (a->inexact)
		return;
	if (xdec_from_value(v, &d) < 0) {
		a->inexact = 1;
		return;
	}
	if (t != SQLITE_INTEGER && t != SQLITE_FLOAT && xdec_from_value(v, &d) == 1)
		return; /* text that is no number adds 0, as in SQLite */
	if (d.scale > a->scale) {
		if (i128_digits(a->m) + d.scale - a->scale > DEC_MAX_DIGITS) {
			a->inexact = 1;
			return;
		}
		a->m *= pow10_i128(d.scale - a->scale);
		a->scale = d.scale;
	} else {
		if (i128_digits(d.m) + a->scale - d.scale > DEC_MAX_DIGITS) {
			a->inexact = 1;
			return;
		}
		xdec_rescale(&d, a->scale);
	}
	a->m += sign * d.m;
	if (i128_digits(a->m) > DEC_MAX_DIGITS)
		a->inexact = 1;
}

static void sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sum_add(ctx, argv[0], 1);
}

static void sum_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sum_add(ctx, argv[0], -1);
}

static void sum_result(sqlite3_context *ctx, int avg)
{
	void *raw = sqlite3_aggregate_context(ctx, 0);
	struct sumacc acc, *a = &acc;
	struct xdec d;
	if (raw)
		memcpy(&acc, raw, sizeof(acc));
	if (!raw || a->n == 0) {
		sqlite3_result_null(ctx);
		return;
	}
	if (avg && !a->any_real) {
		sqlite3_result_double(ctx, (double)a->m / (double)a->n);
		return;
	}
	if (a->inexact) {
		sqlite3_result_double(ctx, avg ? a->dsum / (double)a->n : a->dsum);
		return;
	}
	d.m = a->m;
	d.scale = a->scale;
	if (!a->any_real) {
		if (d.m < (i128)INT64_MIN || d.m > (i128)INT64_MAX) {
			fn_error(ctx, DV_S_22003, "SUM is out of the range of BIGINT");
			return;
		}
		sqlite3_result_int64(ctx, (sqlite3_int64)d.m);
		return;
	}
	if (avg) {
		/* exact quotient to 10 more digits, rounded half away from zero */
		int extra = DEC_MAX_SCALE - d.scale < 10 ? DEC_MAX_SCALE - d.scale : 10;
		while (extra > 0 && i128_digits(d.m) + 1 < DEC_MAX_DIGITS) {
			d.m *= 10;
			d.scale++;
			extra--;
		}
		i128 q = d.m / a->n, r = d.m % a->n;
		if ((r < 0 ? -r : r) * 2 >= (i128)a->n)
			q += d.m < 0 ? -1 : 1;
		d.m = q;
	}
	xdec_result(ctx, &d);
}

static void sum_value(sqlite3_context *ctx)
{
	sum_result(ctx, 0);
}

static void avg_value(sqlite3_context *ctx)
{
	sum_result(ctx, 1);
}

/* ---- install ----------------------------------------------------------------- */

struct fn_def {
	const char *name;
	int nargs;
	void (*fn)(sqlite3_context *, int, sqlite3_value **);
};

static const struct fn_def fns[] = {
	{"dv_cast", 2, fn_cast},
	{"dv_cast", 3, fn_cast},
	{"dv_cast", 4, fn_cast},
	{"dv_round", 1, fn_round},
	{"dv_round", 2, fn_round},
	{"dv_truncate", 2, fn_truncate},
	{"dv_timestampadd", 3, fn_timestampadd},
	{"dv_timestampdiff", 3, fn_timestampdiff},
	{"dv_dayname", 1, fn_dayname},
	{"dv_monthname", 1, fn_monthname},
	{"dv_week", 1, fn_week},
	{"dv_repeat", 2, fn_repeat},
	{"dv_insert", 4, fn_insert},
	{"char_length", 1, fn_char_length},
	{"character_length", 1, fn_char_length},
	{"octet_length", 1, fn_octet_length},
	{"log10", 1, fn_log10},
	{"odbc_locate", 2, fn_locate},
	{"odbc_locate", 3, fn_locate},
};

int sqlfuncs_install(struct dv_engine *eng)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC, rc = SQLITE_OK;
	size_t i;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]) && rc == SQLITE_OK; i++)
		rc = sqlite3_create_function(eng->db, fns[i].name, fns[i].nargs, flags, eng,
					     fns[i].fn, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_window_function(eng->db, "sum", 1, flags, eng, sum_step,
						    sum_value, sum_value, sum_inverse, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_window_function(eng->db, "avg", 1, flags, eng, sum_step,
						    avg_value, avg_value, sum_inverse, NULL);
	return rc;
}
