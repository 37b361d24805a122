/* values.c - values between SQLite and OData for one column.
 *
 * Owns: SQLite value -> $filter literal (quotes doubled, GUIDs and
 * date-times bare, date-times as UTC 'Z'), row cell -> SQLite result
 * (date-times as 'YYYY-MM-DD HH:MM:SS' UTC text, decimals as REAL when the
 * double is exact at the shown scale, else as their exact TEXT, images
 * base64-decoded to blobs) and the declared type of each virtual column.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api#filter-results
 * Decimal and Money: see decimal_result and docs/type-mapping.md.
 * Writes (value_to_json): a SQLite value -> the JSON of a create/update body
 * (docs/writes.md): decimal text is sent exactly as written, doubles as the
 * shortest text that reads back the same, date-times as UTC 'Z', date-only
 * values without a time, booleans true/false, multi-select as "1,3", blobs
 * base64. */
#include "engine/engine_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odata/odata.h"
#include "util/strutil.h"

int column_is_text(const struct dv_column *c)
{
	if (c->role != DV_COL_VALUE)
		return 1;
	switch (c->attr_type) {
	case DV_ATTR_STRING: case DV_ATTR_MEMO: case DV_ATTR_MULTISELECT:
	case DV_ATTR_GUID: case DV_ATTR_LOOKUP: case DV_ATTR_CUSTOMER: case DV_ATTR_OWNER:
		return 1;
	default:
		return 0;
	}
}

void column_decl(const struct dv_column *c, struct dv_buf *out)
{
	if (c->role != DV_COL_VALUE) {
		dv_buf_appendf(out, "NVARCHAR(%ld) COLLATE DVNOCASE", c->column_size);
		return;
	}
	switch (c->attr_type) {
	case DV_ATTR_STRING: case DV_ATTR_MULTISELECT:
		dv_buf_appendf(out, "NVARCHAR(%ld) COLLATE DVNOCASE", c->column_size);
		break;
	case DV_ATTR_MEMO:
		dv_buf_appends(out, "NTEXT COLLATE DVNOCASE");
		break;
	case DV_ATTR_GUID: case DV_ATTR_LOOKUP: case DV_ATTR_CUSTOMER: case DV_ATTR_OWNER:
		dv_buf_appends(out, "UNIQUEIDENTIFIER COLLATE DVNOCASE");
		break;
	case DV_ATTR_INTEGER: case DV_ATTR_PICKLIST: case DV_ATTR_STATE: case DV_ATTR_STATUS:
		dv_buf_appends(out, "INTEGER");
		break;
	case DV_ATTR_BIGINT:
		dv_buf_appends(out, "BIGINT");
		break;
	case DV_ATTR_DECIMAL: case DV_ATTR_MONEY:
		dv_buf_appendf(out, "DECIMAL(%ld,%d)", c->column_size, c->decimal_digits);
		break;
	case DV_ATTR_DOUBLE:
		dv_buf_appends(out, "DOUBLE");
		break;
	case DV_ATTR_BOOLEAN:
		dv_buf_appends(out, "BIT");
		break;
	case DV_ATTR_DATETIME:
		dv_buf_appends(out, "DATETIME");
		break;
	case DV_ATTR_DATEONLY:
		dv_buf_appends(out, "DATE");
		break;
	case DV_ATTR_IMAGE:
		dv_buf_appends(out, "IMAGE");
		break;
	default:
		dv_buf_appends(out, "TEXT");
		break;
	}
}

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static int is_guid(const char *s, size_t n)
{
	size_t i;
	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !is_hex(s[i]))
			return 0;
	}
	return 1;
}

static int digits_at(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int is_date_text(const char *s, size_t n)
{
	return n >= 10 && digits_at(s, 4) && s[4] == '-' && digits_at(s + 5, 2) && s[7] == '-' &&
	       digits_at(s + 8, 2);
}

/* 'YYYY-MM-DD HH:MM:SS[.fff][Z]' (or with 'T') -> YYYY-MM-DDTHH:MM:SS[.fff]Z */
static int datetime_literal(const char *s, size_t n, struct dv_buf *out)
{
	size_t end = n;
	if (end > 0 && s[end - 1] == 'Z')
		end--;
	if (end < 19 || !is_date_text(s, 10) || (s[10] != ' ' && s[10] != 'T') ||
	    !digits_at(s + 11, 2) || s[13] != ':' || !digits_at(s + 14, 2) || s[16] != ':' ||
	    !digits_at(s + 17, 2))
		return -1;
	if (end > 19 && (s[19] != '.' || end == 20 || !digits_at(s + 20, end - 20)))
		return -1;
	dv_buf_append(out, s, 10);
	dv_buf_appendc(out, 'T');
	dv_buf_append(out, s + 11, end - 11);
	return dv_buf_appendc(out, 'Z');
}

static int decimal_text_ok(const char *s, size_t n)
{
	size_t i = 0, digits = 0;
	int dot = 0;
	if (i < n && s[i] == '-')
		i++;
	for (; i < n; i++) {
		if (s[i] == '.' && !dot)
			dot = 1;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			return 0;
	}
	return digits > 0;
}

static int integer_literal(sqlite3_value *v, struct dv_buf *out)
{
	int64_t i;
	double d;
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		return dv_buf_appendf(out, "%lld", (long long)sqlite3_value_int64(v));
	case SQLITE_FLOAT:
		d = sqlite3_value_double(v);
		if (d != floor(d) || fabs(d) > 9e15)
			return -1;
		return dv_buf_appendf(out, "%lld", (long long)d);
	case SQLITE_TEXT:
		if (dv_parse_int64((const char *)sqlite3_value_text(v), &i) != 0)
			return -1;
		return dv_buf_appendf(out, "%lld", (long long)i);
	default:
		return -1;
	}
}

static int number_literal(sqlite3_value *v, struct dv_buf *out)
{
	const char *s;
	char tmp[64];
	double d;
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		return dv_buf_appendf(out, "%lld", (long long)sqlite3_value_int64(v));
	case SQLITE_FLOAT:
		d = sqlite3_value_double(v);
		if (!isfinite(d))
			return -1;
		snprintf(tmp, sizeof(tmp), "%.17g", d);
		if (strchr(tmp, 'e') || strchr(tmp, 'E') || strchr(tmp, 'n') || strchr(tmp, 'i'))
			return -1;
		return dv_buf_appends(out, tmp);
	case SQLITE_TEXT:
		s = (const char *)sqlite3_value_text(v);
		if (!decimal_text_ok(s, strlen(s)))
			return -1;
		return dv_buf_appends(out, s);
	default:
		return -1;
	}
}

/* "", " 00:00:00", "T00:00:00", with ".000..." and/or "Z" after it. */
static int midnight_or_nothing(const char *s, size_t n)
{
	size_t i;
	if (n == 0)
		return 1;
	if (n < 9 || (s[0] != ' ' && s[0] != 'T') || memcmp(s + 1, "00:00:00", 8) != 0)
		return 0;
	i = 9;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] == '0'; i++)
			;
	}
	if (i < n && s[i] == 'Z')
		i++;
	return i == n;
}

int value_to_odata(const struct dv_column *c, sqlite3_value *v, struct dv_buf *out)
{
	const char *s;
	size_t n;
	int t = sqlite3_value_type(v);
	if (t == SQLITE_NULL || t == SQLITE_BLOB || c->role != DV_COL_VALUE)
		return -1;
	s = (const char *)sqlite3_value_text(v);
	n = s ? (size_t)sqlite3_value_bytes(v) : 0;
	if (!s)
		return -1;
	switch (c->attr_type) {
	case DV_ATTR_STRING: case DV_ATTR_MEMO:
		return odata_append_string_literal(out, s, n);
	case DV_ATTR_GUID: case DV_ATTR_LOOKUP: case DV_ATTR_CUSTOMER: case DV_ATTR_OWNER:
		/* any case, with or without braces (SQL Server reads both) */
		if (t == SQLITE_TEXT && n == 38 && s[0] == '{' && s[37] == '}') {
			s++;
			n -= 2;
		}
		if (t != SQLITE_TEXT || !is_guid(s, n))
			return -1;
		for (size_t i = 0; i < n; i++)
			dv_buf_appendc(out, (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] + 32) : s[i]);
		return 0;
	case DV_ATTR_INTEGER: case DV_ATTR_BIGINT: case DV_ATTR_PICKLIST: case DV_ATTR_STATE:
	case DV_ATTR_STATUS:
		return integer_literal(v, out);
	case DV_ATTR_BOOLEAN:
		if (t != SQLITE_INTEGER || (sqlite3_value_int64(v) != 0 &&
					    sqlite3_value_int64(v) != 1))
			return -1;
		return dv_buf_appends(out, sqlite3_value_int64(v) ? "true" : "false");
	case DV_ATTR_DECIMAL: case DV_ATTR_MONEY: case DV_ATTR_DOUBLE:
		return number_literal(v, out);
	case DV_ATTR_DATETIME:
		return t == SQLITE_TEXT ? datetime_literal(s, n, out) : -1;
	case DV_ATTR_DATEONLY:
		/* a date, or a date-time at midnight ({ts '2025-02-01 00:00:00'})
		 * which is the same date; other times have no date equal to them */
		if (t != SQLITE_TEXT || !is_date_text(s, n) || !midnight_or_nothing(s + 10, n - 10))
			return -1;
		return dv_buf_append(out, s, 10);
	default:
		return -1;
	}
}

static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

/* Decodes base64 (padding and whitespace ignored) into a malloc'd blob. */
static unsigned char *base64_decode(const char *s, size_t n, size_t *outlen)
{
	unsigned char *out = malloc(n / 4 * 3 + 3);
	unsigned acc = 0;
	int bits = 0;
	size_t i, len = 0;
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	*outlen = len;
	return out;
}

/* Text for SQLite.  Given with its length, SQLite copies it without a
 * terminator, and sqlite3_column_text (every SQL_C_CHAR fetch) then grows
 * the copy, often by a realloc, to add one.  Text that is NUL-terminated
 * (page text is) and holds no NUL goes as a C string: copied once, with its
 * terminator. */
static void text_result(sqlite3_context *ctx, const char *s, size_t len)
{
	if (s[len] == '\0' && strlen(s) == len)
		sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_text(ctx, s, (int)len, SQLITE_TRANSIENT);
}

/* "2023-04-07T21:59:01Z" -> "2023-04-07 21:59:01" (fraction kept). */
static void datetime_result(const char *s, size_t n, sqlite3_context *ctx)
{
	char buf[40];
	size_t end = n;
	if (end > 0 && s[end - 1] == 'Z')
		end--;
	if (end < 19 || end >= sizeof(buf) || s[10] != 'T') {
		sqlite3_result_text(ctx, s, (int)n, SQLITE_TRANSIENT);
		return;
	}
	memcpy(buf, s, end);
	buf[10] = ' ';
	buf[end] = '\0';
	text_result(ctx, buf, end);
}

/* Decimal text split into its parts: sign, integer digits without leading
 * zeros, fraction digits without trailing zeros.  -1 when not plain. */
struct dec_parts {
	int neg;
	const char *ip, *fp;
	size_t ni, nf;
};

static int dec_split(const char *s, size_t n, struct dec_parts *d)
{
	size_t i = 0;
	memset(d, 0, sizeof(*d));
	if (i < n && (s[i] == '-' || s[i] == '+'))
		d->neg = s[i++] == '-';
	while (i < n && s[i] == '0')
		i++;
	d->ip = s + i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, d->ni++;
	if (i < n && s[i] == '.') {
		d->fp = s + ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, d->nf++;
	}
	if (i != n || (d->ni == 0 && i == (size_t)d->neg))
		return -1;
	while (d->nf > 0 && d->fp[d->nf - 1] == '0')
		d->nf--;
	if (d->ni == 0 && d->nf == 0)
		d->neg = 0;                /* "-0.00" is zero */
	return 0;
}

/* A decimal of at most 15 significant digits at `scale` (DBL_DIG: such a
 * decimal reads back from its nearest double, so the "%.*f" check below
 * always passes): *v = its digits as an integer over 10^scale, both exact
 * in a double, so the one rounding is the division's, as strtod's is. */
static int small_decimal(const struct dec_parts *d, size_t scale, double *v)
{
	static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
				       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	int64_t m = 0;
	if (d->ni + scale > 15)
		return 0;
	for (size_t i = 0; i < d->ni; i++)
		m = m * 10 + (d->ip[i] - '0');
	for (size_t i = 0; i < scale; i++)
		m = m * 10 + (i < d->nf ? d->fp[i] - '0' : 0);
	*v = (double)m / pow10[scale];
	if (d->neg)
		*v = -*v;
	return 1;
}

/* A Decimal/Money value for SQLite.  The service sends exact decimal text
 * (spec section 3: "parse as exact decimal text").  It becomes a REAL only
 * when the double reads back as exactly that value at the scale shown
 * (the column's scale, or the value's own when it has more digits):
 * "%.*f" of the double equals the text.  Otherwise it stays TEXT with
 * exactly those digits ("922337203685477.6000", "1234567890123456.7891"),
 * so no digit the service sent is lost.  docs/type-mapping.md gives the
 * rule and its limit (a TEXT value compares and sorts after every number
 * in SQLite). */
static void decimal_result(const struct dv_column *c, const struct odata_cell *cell,
			   sqlite3_context *ctx)
{
	struct dec_parts d;
	struct dv_buf t;
	char back[400];
	size_t scale, i;
	double v;
	if (cell->type != OC_TEXT) {
		if (cell->type == OC_INT && (cell->i > (1LL << 53) || cell->i < -(1LL << 53)))
			sqlite3_result_int64(ctx, cell->i);
		else
			sqlite3_result_double(ctx, cell->type == OC_INT ? (double)cell->i : cell->d);
		return;
	}
	if (dec_split(cell->s, cell->len, &d) != 0) {
		sqlite3_result_text(ctx, cell->s, (int)cell->len, SQLITE_TRANSIENT);
		return;
	}
	scale = c->decimal_digits > 0 ? (size_t)c->decimal_digits : 0;
	if (d.nf > scale)
		scale = d.nf;
	if (small_decimal(&d, scale, &v)) {
		sqlite3_result_double(ctx, v);
		return;
	}
	dv_buf_init(&t, 0);
	if (d.neg)
		dv_buf_appendc(&t, '-');
	if (d.ni)
		dv_buf_append(&t, d.ip, d.ni);
	else
		dv_buf_appendc(&t, '0');
	if (scale > 0) {
		dv_buf_appendc(&t, '.');
		dv_buf_append(&t, d.fp ? d.fp : "", d.nf);
		for (i = d.nf; i < scale; i++)
			dv_buf_appendc(&t, '0');
	}
	if (!t.data) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	v = strtod(dv_buf_str(&t), NULL);
	if (t.len < sizeof(back) - 8 && isfinite(v) &&
	    snprintf(back, sizeof(back), "%.*f", (int)scale, v) == (int)t.len &&
	    memcmp(back, t.data, t.len) == 0)
		sqlite3_result_double(ctx, v);
	else
		sqlite3_result_text(ctx, dv_buf_str(&t), (int)t.len, SQLITE_TRANSIENT);
	dv_buf_free(&t);
}

/* By the cell's type first: most cells are plain text, integers or NULL. */
void cell_to_result(const struct dv_column *c, const struct odata_cell *cell,
		    sqlite3_context *ctx)
{
	int value = c->role == DV_COL_VALUE;
	switch (cell->type) {
	case OC_NULL:
		sqlite3_result_null(ctx);
		return;
	case OC_TEXT:
		if (!value) {
			text_result(ctx, cell->s, cell->len);
			return;
		}
		switch (c->attr_type) {
		case DV_ATTR_DATETIME:
			datetime_result(cell->s, cell->len, ctx);
			return;
		case DV_ATTR_DATEONLY:
			sqlite3_result_text(ctx, cell->s, cell->len > 10 ? 10 : (int)cell->len,
					    SQLITE_TRANSIENT);
			return;
		case DV_ATTR_IMAGE: {
			size_t len = 0;
			unsigned char *blob = base64_decode(cell->s, cell->len, &len);
			if (!blob)
				sqlite3_result_error_nomem(ctx);
			else
				sqlite3_result_blob(ctx, blob, (int)len, free);
			return;
		}
		case DV_ATTR_DECIMAL: case DV_ATTR_MONEY:
			decimal_result(c, cell, ctx);
			return;
		default:
			text_result(ctx, cell->s, cell->len);
			return;
		}
	default:
		if (value && (c->attr_type == DV_ATTR_DECIMAL || c->attr_type == DV_ATTR_MONEY))
			decimal_result(c, cell, ctx);
		else if (cell->type == OC_INT)
			sqlite3_result_int64(ctx, cell->i);
		else
			sqlite3_result_double(ctx, cell->d);
		return;
	}
}

/* ---- values for create/update bodies ---- */

static int json_string(struct dv_buf *out, const char *s, size_t n)
{
	size_t i;
	dv_buf_appendc(out, '"');
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			dv_buf_appendf(out, "\\%c", ch);
		else if (ch == '\n')
			dv_buf_appends(out, "\\n");
		else if (ch == '\r')
			dv_buf_appends(out, "\\r");
		else if (ch == '\t')
			dv_buf_appends(out, "\\t");
		else if (ch < 0x20)
			dv_buf_appendf(out, "\\u%04x", ch);
		else
			dv_buf_appendc(out, (char)ch);
	}
	return dv_buf_appendc(out, '"');
}

int value_json_string(struct dv_buf *out, const char *s, size_t n)
{
	return json_string(out, s, n);
}

/* Shortest %g text that reads back as d. */
static int double_json(double d, struct dv_buf *out)
{
	char tmp[64];
	int prec;
	if (!isfinite(d))
		return -1;
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	return dv_buf_appends(out, tmp);
}

/* Decimal text as a JSON number: optional sign, digits, optional fraction. */
static int decimal_json(const char *s, struct dv_buf *out)
{
	while (*s == ' ')
		s++;
	if (*s == '+')
		s++;
	if (!decimal_text_ok(s, strlen(s)))
		return -1;
	if (*s == '.' || (s[0] == '-' && s[1] == '.')) {   /* ".5" is not JSON */
		if (*s == '-')
			dv_buf_appendc(out, *s++);
		dv_buf_appendc(out, '0');
	}
	dv_buf_appends(out, s);
	if (s[strlen(s) - 1] == '.')
		dv_buf_appendc(out, '0');
	return 0;
}

static int bool_json(sqlite3_value *v, struct dv_buf *out)
{
	const char *s;
	int b;
	if (sqlite3_value_type(v) == SQLITE_INTEGER || sqlite3_value_type(v) == SQLITE_FLOAT) {
		double d = sqlite3_value_double(v);
		if (d != 0 && d != 1)
			return -1;
		return dv_buf_appends(out, d != 0 ? "true" : "false");
	}
	s = (const char *)sqlite3_value_text(v);
	if (!s || dv_parse_bool(s, &b) != 0)
		return -1;
	return dv_buf_appends(out, b ? "true" : "false");
}

static void base64_encode(const unsigned char *p, size_t n, struct dv_buf *out)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	dv_buf_appendc(out, '"');
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], tbl[v & 63]};
		dv_buf_append(out, q, 4);
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63],
			     i + 1 < n ? tbl[(v >> 6) & 63] : '=', '='};
		dv_buf_append(out, q, 4);
	}
	dv_buf_appendc(out, '"');
}

/* 'YYYY-MM-DD' or 'YYYY-MM-DD 00:00:00[.000]' -> "YYYY-MM-DD" */
static int dateonly_json(const char *s, size_t n, struct dv_buf *out)
{
	size_t i;
	if (n < 10 || !is_date_text(s, 10))
		return -1;
	if (n > 10) {
		if ((s[10] != ' ' && s[10] != 'T') || n < 19 || strncmp(s + 11, "00:00:00", 8) != 0)
			return -1;
		for (i = 19; i < n; i++)
			if (s[i] != '0' && s[i] != '.' && s[i] != 'Z')
				return -1;
	}
	dv_buf_appendc(out, '"');
	dv_buf_append(out, s, 10);
	return dv_buf_appendc(out, '"');
}

static int datetime_json(const char *s, size_t n, struct dv_buf *out)
{
	struct dv_buf t;
	int rc;
	dv_buf_init(&t, 0);
	if (n == 10 && is_date_text(s, n))
		rc = dv_buf_appendf(&t, "%.10sT00:00:00Z", s);
	else
		rc = datetime_literal(s, n, &t);
	if (rc == 0)
		rc = json_string(out, dv_buf_str(&t), t.len);
	dv_buf_free(&t);
	return rc;
}

int value_to_json(const struct dv_column *c, sqlite3_value *v, struct dv_buf *out)
{
	int t = sqlite3_value_type(v);
	const char *s;
	size_t n, i;
	if (t == SQLITE_NULL)
		return dv_buf_appends(out, "null");
	if (c->attr_type == DV_ATTR_IMAGE) {
		if (t != SQLITE_BLOB)
			return -1;
		base64_encode(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), out);
		return 0;
	}
	if (t == SQLITE_BLOB)
		return -1;
	s = (const char *)sqlite3_value_text(v);
	n = s ? (size_t)sqlite3_value_bytes(v) : 0;
	if (!s)
		return -1;
	switch (c->attr_type) {
	case DV_ATTR_STRING: case DV_ATTR_MEMO: case DV_ATTR_MULTISELECT:
		return json_string(out, s, n);
	case DV_ATTR_GUID: case DV_ATTR_LOOKUP: case DV_ATTR_CUSTOMER: case DV_ATTR_OWNER:
		if (!is_guid(s, n))
			return -1;
		dv_buf_appendc(out, '"');
		for (i = 0; i < n; i++)
			dv_buf_appendc(out, (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] + 32) : s[i]);
		return dv_buf_appendc(out, '"');
	case DV_ATTR_INTEGER: case DV_ATTR_BIGINT: case DV_ATTR_PICKLIST: case DV_ATTR_STATE:
	case DV_ATTR_STATUS:
		return integer_literal(v, out);
	case DV_ATTR_DECIMAL: case DV_ATTR_MONEY: case DV_ATTR_DOUBLE:
		if (t == SQLITE_INTEGER)
			return dv_buf_appendf(out, "%lld", (long long)sqlite3_value_int64(v));
		if (t == SQLITE_FLOAT)
			return double_json(sqlite3_value_double(v), out);
		return decimal_json(s, out);
	case DV_ATTR_BOOLEAN:
		return bool_json(v, out);
	case DV_ATTR_DATETIME:
		return t == SQLITE_TEXT ? datetime_json(s, n, out) : -1;
	case DV_ATTR_DATEONLY:
		return t == SQLITE_TEXT ? dateonly_json(s, n, out) : -1;
	default:
		return -1;
	}
}
