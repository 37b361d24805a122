/* params.c - parameter values: SQLBindParameter as descriptor writes, and
 * binding one parameter set's values (from the APD/IPD, row-wise or
 * column-wise, or from data sent with SQLPutData) into the SQLite statement.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlbindparameter-function
 *         https://learn.microsoft.com/sql/odbc/reference/develop-app/binding-arrays-of-parameters */
#include "odbc/params.h"
#include "odbc/call.h"
#include "odbc/charset.h"
#include "odbc/stmt.h"
#include "odbc/convert.h"
#include "odbc/types.h"
#include "odbc/unicode.h"
#include "sqlparse/sqlparse.h"
#include "util/strutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SQLRETURN dv_stmt_bind_param(struct dv_stmt *s, SQLUSMALLINT n, SQLSMALLINT io_type,
			     SQLSMALLINT c_type, SQLSMALLINT sql_type, SQLULEN size,
			     SQLSMALLINT digits, SQLPOINTER ptr, SQLLEN buflen, SQLLEN *ind)
{
	if (n < 1)
		return dv_diag_error(&s->h.diag, DV_S_07009, "parameter number %u", (unsigned)n);
	if (io_type != SQL_PARAM_INPUT && io_type != SQL_PARAM_OUTPUT &&
	    io_type != SQL_PARAM_INPUT_OUTPUT)
		return dv_diag_error(&s->h.diag, DV_S_HY105, "InputOutputType %d: parameters are "
				     "SQL_PARAM_INPUT, or SQL_PARAM_OUTPUT / SQL_PARAM_INPUT_OUTPUT "
				     "in a procedure call", (int)io_type);
	if (!dv_c_type_valid(c_type))
		return dv_diag_error(&s->h.diag, DV_S_HY003, "C type %d", (int)c_type);
	if (dv_desc_ensure(s->apd, (SQLSMALLINT)n) != 0 ||
	    dv_desc_ensure(&s->ipd, (SQLSMALLINT)n) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	struct dv_desc_rec *a = &s->apd->recs[n];
	struct dv_desc_rec *i = &s->ipd.recs[n];
	a->concise_type = c_type;
	a->type = dv_verbose_type(c_type);
	a->datetime_interval_code = dv_datetime_code(c_type);
	a->data_ptr = ptr;
	a->octet_length = buflen;
	a->octet_length_ptr = ind;
	a->indicator_ptr = ind;
	sql_type = dv_sql_type_odbc3(sql_type);
	i->concise_type = sql_type;
	i->type = dv_verbose_type(sql_type);
	i->datetime_interval_code = dv_datetime_code(sql_type);
	i->length = size;
	i->precision = dv_type_is_numeric(sql_type) ? (SQLSMALLINT)size : digits;
	i->scale = digits;
	i->parameter_type = io_type;
	return SQL_SUCCESS;
}

static char *elem_addr(const struct dv_desc *d, const struct dv_desc_rec *r, void *base,
		       SQLULEN row, SQLLEN elem_size)
{
	if (!base)
		return NULL;
	char *p = base;
	if (d->bind_offset_ptr)
		p += *d->bind_offset_ptr;
	if (d->bind_type == SQL_BIND_BY_COLUMN)
		p += (SQLLEN)row * elem_size;
	else
		p += (SQLLEN)row * (SQLLEN)d->bind_type;
	return p;
}

/* GUID text in any case, with or without braces -> lowercase, 36 chars. */
static int guid_text(const char *s, size_t n, char out[37])
{
	static const char hex[] = "0123456789abcdefABCDEF";
	size_t i;
	if (n == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		n -= 2;
	}
	if (n != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !s[i] || !strchr(hex, s[i]))
			return -1;
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
	}
	out[36] = '\0';
	return 0;
}

/* 16 bytes as a GUID: the memory of an SQLGUID (Data1, Data2 and Data3 in
 * the machine's byte order, then Data4 as it is), which is what reading a
 * uniqueidentifier as SQL_C_BINARY gives (convert.c, as SQL Server's driver
 * returns the GUID structure), so the bytes an application read come back
 * as the same GUID.  On x86 this is also SQL Server's binary(16) order.
 * https://learn.microsoft.com/sql/t-sql/data-types/uniqueidentifier-transact-sql */
static void guid_from_bytes(const unsigned char *b, char out[37])
{
	SQLGUID g;
	memcpy(&g, b, sizeof(g));
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned)g.Data1,
		 g.Data2, g.Data3, g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4],
		 g.Data4[5], g.Data4[6], g.Data4[7]);
}

static SQLRETURN bind_text(struct dv_stmt *s, int idx, const char *txt, size_t len,
			   SQLSMALLINT ipd_type)
{
	char what[32], g[37];
	snprintf(what, sizeof(what), "parameter %d", idx);
	if (dv_utf8_check(&s->h.diag, txt, len, what) != 0)
		return SQL_ERROR;
	/* a GUID compares as the engine stores it: lowercase, no braces (a
	 * braced GUID too when a SELECT compares it with any type) */
	if ((ipd_type == SQL_GUID || (s->kind == SQL_KIND_SELECT && len == 38 &&
				      txt[0] == '{')) && guid_text(txt, len, g) == 0) {
		sqlite3_bind_text(s->vm, idx, g, 36, SQLITE_TRANSIENT);
		return SQL_SUCCESS;
	}
	if (dv_type_is_numeric(ipd_type) || ipd_type == SQL_BIT) {
		char *copy = dv_strndup(txt, len);
		int64_t iv;
		char *end;
		if (copy && dv_parse_int64(copy, &iv) == 0) {
			free(copy);
			sqlite3_bind_int64(s->vm, idx, iv);
			return SQL_SUCCESS;
		}
		if (copy && ipd_type != SQL_DECIMAL && ipd_type != SQL_NUMERIC) {
			double d = strtod(copy, &end);
			if (end != copy && *end == '\0') {
				free(copy);
				sqlite3_bind_double(s->vm, idx, d);
				return SQL_SUCCESS;
			}
		}
		free(copy);
	}
	sqlite3_bind_text(s->vm, idx, txt, (int)len, SQLITE_TRANSIENT);
	return SQL_SUCCESS;
}

/* SQL_NUMERIC_STRUCT (little-endian magnitude, sign 1 = positive) as text. */
static void numeric_to_text(const SQL_NUMERIC_STRUCT *ns, char *out, size_t size)
{
	unsigned __int128 acc = 0;
	char rev[64], digits[96];
	int nd = 0;
	for (int k = SQL_MAX_NUMERIC_LEN - 1; k >= 0; k--)
		acc = (acc << 8) | ns->val[k];
	do {
		rev[nd++] = (char)('0' + (int)(acc % 10));
		acc /= 10;
	} while (acc > 0 && nd < 60);
	int scale = ns->scale;
	while (scale > 0 && nd <= scale)
		rev[nd++] = '0';
	size_t o = 0;
	for (int k = nd - 1; k >= 0; k--) {
		digits[o++] = rev[k];
		if (scale > 0 && k == scale)
			digits[o++] = '.';
	}
	for (int k = 0; k < -scale && o < sizeof(digits) - 1; k++)
		digits[o++] = '0';
	digits[o] = '\0';
	snprintf(out, size, "%s%s", ns->sign ? "" : "-", digits);
}

/* Where parameter n's element of parameter set `set` lives. */
struct param_at {
	struct dv_desc_rec *a, *ip;
	SQLSMALLINT c;         /* C type, SQL_C_DEFAULT resolved */
	char *data;
	SQLLEN *ind, *lenp;
};

static int param_at(struct dv_stmt *s, int n, SQLULEN set, struct param_at *p)
{
	struct dv_desc *apd = s->apd;
	if (n > apd->count || n > s->ipd.count ||
	    (!apd->recs[n].data_ptr && !apd->recs[n].indicator_ptr))
		return -1;
	p->a = &apd->recs[n];
	p->ip = &s->ipd.recs[n];
	p->c = p->a->concise_type;
	if (p->c == SQL_C_DEFAULT)
		p->c = dv_default_c_type(p->ip->concise_type);
	SQLLEN esize = dv_c_type_size(p->c);
	if (esize == 0)
		esize = p->a->octet_length;
	p->data = elem_addr(apd, p->a, p->a->data_ptr, set, esize);
	p->ind = (SQLLEN *)elem_addr(apd, p->a, p->a->indicator_ptr, set, sizeof(SQLLEN));
	p->lenp = (SQLLEN *)elem_addr(apd, p->a, p->a->octet_length_ptr, set, sizeof(SQLLEN));
	return 0;
}

static int is_dae(const SQLLEN *ind)
{
	return ind && (*ind == SQL_DATA_AT_EXEC || *ind <= SQL_LEN_DATA_AT_EXEC_OFFSET);
}

int dv_param_is_dae(struct dv_stmt *s, int n, SQLULEN set)
{
	struct param_at p;
	return param_at(s, n, set, &p) == 0 && is_dae(p.lenp ? p.lenp : p.ind);
}

SQLPOINTER dv_param_token(struct dv_stmt *s, int n, SQLULEN set)
{
	struct param_at p;
	return param_at(s, n, set, &p) == 0 ? p.data : NULL;
}

SQLSMALLINT dv_param_c_type(struct dv_stmt *s, int n)
{
	struct param_at p;
	return param_at(s, n, 0, &p) == 0 ? p.c : SQL_C_DEFAULT;
}

/* SQL_C_CHAR text in the connection's ClientCharset: converted to UTF-8
 * first (22018 naming the parameter when a byte is not of that set). */
static SQLRETURN bind_charset_text(struct dv_stmt *s, int idx, const char *txt, size_t len,
				   SQLSMALLINT ipd_type)
{
	char what[32];
	struct dv_error err;
	size_t ulen = 0;
	snprintf(what, sizeof(what), "parameter %d", idx);
	char *u = dv_charset_to_utf8(s->dbc->charset, txt, len, &ulen, what, &err);
	if (!u) {
		dv_diag_add_error(&s->h.diag, &err);
		return SQL_ERROR;
	}
	SQLRETURN rc = bind_text(s, idx, u, ulen, ipd_type);
	free(u);
	return rc;
}

static SQLRETURN bind_value(struct dv_stmt *s, int n, SQLSMALLINT c, char *data,
			    SQLLEN *lenp, const struct dv_desc_rec *a,
			    const struct dv_desc_rec *ip);

/* Binds parameter n (1-based) of parameter set `set` (0-based). */
static SQLRETURN bind_one(struct dv_stmt *s, int n, SQLULEN set)
{
	struct param_at p;
	if (param_at(s, n, set, &p) != 0)
		return dv_diag_error(&s->h.diag, DV_S_07002,
				     "parameter %d is not bound (%d markers)", n, s->nparams);
	if (p.ip->parameter_type != SQL_PARAM_INPUT && s->kind != DV_KIND_CALL)
		return dv_diag_error(&s->h.diag, DV_S_HY105, "parameter %d is bound as an output "
				     "parameter; only a procedure call ({? = call ...}) returns "
				     "values into parameters", n);
	if (p.ip->parameter_type == SQL_PARAM_OUTPUT) {
		sqlite3_bind_null(s->vm, n);   /* receives a value (call.c): nothing to read */
		return SQL_SUCCESS;
	}
	if (p.ind && *p.ind == SQL_NULL_DATA) {
		sqlite3_bind_null(s->vm, n);
		return SQL_SUCCESS;
	}
	if (is_dae(p.lenp ? p.lenp : p.ind)) {
		/* The value came with SQLPutData (dae.c). */
		const struct dv_dae_val *v = dv_dae_value(s, n, set);
		if (!v || v->is_null || !v->data.data) {
			if (v && !v->is_null && (p.c == SQL_C_CHAR || p.c == SQL_C_WCHAR ||
						 p.c == SQL_C_BINARY))
			{
				char empty[1] = "";
				SQLLEN zero = 0;
				return bind_value(s, n, p.c, empty, &zero, p.a, p.ip);
			}
			sqlite3_bind_null(s->vm, n);
			return SQL_SUCCESS;
		}
		SQLLEN len = (SQLLEN)v->data.len;
		return bind_value(s, n, p.c, v->data.data, &len, p.a, p.ip);
	}
	if (!p.data) {
		sqlite3_bind_null(s->vm, n);
		return SQL_SUCCESS;
	}
	return bind_value(s, n, p.c, p.data, p.lenp, p.a, p.ip);
}

SQLRETURN dv_params_bind_set(struct dv_stmt *s, SQLULEN set)
{
	sqlite3_reset(s->vm);
	sqlite3_clear_bindings(s->vm);
	for (int n = 1; n <= s->nparams; n++) {
		SQLRETURN rc = bind_one(s, n, set);
		if (rc != SQL_SUCCESS)
			return rc;
	}
	return SQL_SUCCESS;
}

/* Binds one value: data with length *lenp (SQL_NTS, bytes; NULL = none). */
static SQLRETURN bind_value(struct dv_stmt *s, int n, SQLSMALLINT c, char *data,
			    SQLLEN *lenp, const struct dv_desc_rec *a,
			    const struct dv_desc_rec *ip)
{
	char tmp[64];
	switch (c) {
	case SQL_C_CHAR: {
		size_t len = !lenp || *lenp == SQL_NTS ? strlen(data) : (size_t)*lenp;
		if (s->dbc->charset)
			return bind_charset_text(s, n, data, len, ip->concise_type);
		return bind_text(s, n, data, len, ip->concise_type);
	}
	case SQL_C_WCHAR: {
		size_t units = 0;
		if (!lenp || *lenp == SQL_NTS)
			while (((SQLWCHAR *)data)[units])
				units++;
		else
			units = (size_t)*lenp / sizeof(SQLWCHAR);
		size_t len;
		char *u = dv_utf16_to_utf8((SQLWCHAR *)data, units, &len);
		if (!u)
			return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		SQLRETURN rc = bind_text(s, n, u, len, ip->concise_type);
		free(u);
		return rc;
	}
	case SQL_C_BINARY: {
		size_t len = lenp ? (size_t)*lenp : (size_t)a->octet_length;
		/* 16 bytes for a GUID (LibreOffice Base refetches rows by their
		 * uniqueidentifier read as binary): the GUID's text, so that it
		 * compares with GUID columns here and at the service.  For a
		 * BINARY/VARBINARY parameter only in a SELECT or in the WHERE of
		 * an UPDATE/DELETE (LibreOffice writes an edited row back with
		 * WHERE "accountid" = ? bound so); a value to write may be 16
		 * bytes of an image. */
		if (len == 16 && (ip->concise_type == SQL_GUID ||
				  ((s->kind == SQL_KIND_SELECT ||
				    (s->where_param > 0 && n >= s->where_param)) &&
				   (ip->concise_type == SQL_BINARY ||
				    ip->concise_type == SQL_VARBINARY ||
				    ip->concise_type == SQL_LONGVARBINARY)))) {
			guid_from_bytes((const unsigned char *)data, tmp);
			break;
		}
		sqlite3_bind_blob(s->vm, n, data, (int)len, SQLITE_TRANSIENT);
		return SQL_SUCCESS;
	}
	case SQL_C_STINYINT: case SQL_C_TINYINT:
		sqlite3_bind_int64(s->vm, n, *(SQLSCHAR *)data); return SQL_SUCCESS;
	case SQL_C_UTINYINT: case SQL_C_BIT:
		sqlite3_bind_int64(s->vm, n, *(SQLCHAR *)data); return SQL_SUCCESS;
	case SQL_C_SSHORT: case SQL_C_SHORT:
		sqlite3_bind_int64(s->vm, n, *(SQLSMALLINT *)data); return SQL_SUCCESS;
	case SQL_C_USHORT:
		sqlite3_bind_int64(s->vm, n, *(SQLUSMALLINT *)data); return SQL_SUCCESS;
	case SQL_C_SLONG: case SQL_C_LONG:
		sqlite3_bind_int64(s->vm, n, *(SQLINTEGER *)data); return SQL_SUCCESS;
	case SQL_C_ULONG:
		sqlite3_bind_int64(s->vm, n, *(SQLUINTEGER *)data); return SQL_SUCCESS;
	case SQL_C_SBIGINT:
		sqlite3_bind_int64(s->vm, n, *(SQLBIGINT *)data); return SQL_SUCCESS;
	case SQL_C_UBIGINT:
		if (*(SQLUBIGINT *)data > INT64_MAX)
			return dv_diag_error(&s->h.diag, DV_S_22003, "parameter %d", n);
		sqlite3_bind_int64(s->vm, n, (sqlite3_int64)*(SQLUBIGINT *)data);
		return SQL_SUCCESS;
	case SQL_C_FLOAT:
		sqlite3_bind_double(s->vm, n, *(SQLREAL *)data); return SQL_SUCCESS;
	case SQL_C_DOUBLE:
		sqlite3_bind_double(s->vm, n, *(SQLDOUBLE *)data); return SQL_SUCCESS;
	case SQL_C_NUMERIC: {
		char num[128];
		numeric_to_text((const SQL_NUMERIC_STRUCT *)data, num, sizeof(num));
		return bind_text(s, n, num, strlen(num), SQL_DECIMAL);
	}
	case SQL_C_TYPE_DATE: case SQL_C_DATE: {
		const SQL_DATE_STRUCT *d = (const SQL_DATE_STRUCT *)data;
		snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u", d->year, d->month, d->day);
		break;
	}
	case SQL_C_TYPE_TIME: case SQL_C_TIME: {
		const SQL_TIME_STRUCT *t = (const SQL_TIME_STRUCT *)data;
		snprintf(tmp, sizeof(tmp), "%02u:%02u:%02u", t->hour, t->minute, t->second);
		break;
	}
	case SQL_C_TYPE_TIMESTAMP: case SQL_C_TIMESTAMP: {
		const SQL_TIMESTAMP_STRUCT *t = (const SQL_TIMESTAMP_STRUCT *)data;
		if (ip->concise_type == SQL_TYPE_DATE)
			snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u", t->year, t->month, t->day);
		else if (t->fraction)
			snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u %02u:%02u:%02u.%03u", t->year,
				 t->month, t->day, t->hour, t->minute, t->second,
				 (unsigned)(t->fraction / 1000000));
		else
			snprintf(tmp, sizeof(tmp), "%04d-%02u-%02u %02u:%02u:%02u", t->year,
				 t->month, t->day, t->hour, t->minute, t->second);
		break;
	}
	case SQL_C_GUID:
		guid_from_bytes((const unsigned char *)data, tmp);
		break;
	default:
		return dv_diag_error(&s->h.diag, DV_S_HYC00, "parameter C type %d", (int)c);
	}
	sqlite3_bind_text(s->vm, n, tmp, -1, SQLITE_TRANSIENT);
	return SQL_SUCCESS;
}

