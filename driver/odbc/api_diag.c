/* api_diag.c - entry points: SQLGetDiagRec(W), SQLGetDiagField(W).
 * These read a handle's diagnostics without clearing them.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlgetdiagfield-function */
#include "odbc/api.h"
#include "odbc/dbc.h"

#include <string.h>

static enum dv_htype htype(SQLSMALLINT type)
{
	switch (type) {
	case SQL_HANDLE_ENV: return DV_H_ENV;
	case SQL_HANDLE_DBC: return DV_H_DBC;
	case SQL_HANDLE_STMT: return DV_H_STMT;
	case SQL_HANDLE_DESC: return DV_H_DESC;
	default: return (enum dv_htype)0;
	}
}

static int odbc2(struct dv_handle *h)
{
	struct dv_env *env = dv_handle_env(h);
	return env && env->odbc_version == SQL_OV_ODBC2;
}

static SQLRETURN get_diag_rec(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT recno,
			      void *state, SQLINTEGER *native, void *msg, SQLSMALLINT msg_max,
			      SQLSMALLINT *msg_len, int wide)
{
	struct dv_handle *h = dv_api_enter_keep(handle, htype(type));
	if (!h)
		return SQL_INVALID_HANDLE;
	if (recno <= 0 || msg_max < 0) {
		dv_handle_unlock(h);
		return SQL_ERROR;
	}
	if (recno > h->diag.n) {
		dv_handle_unlock(h);
		return SQL_NO_DATA;
	}
	const struct dv_diag_rec *r = &h->diag.recs[recno - 1];
	const char *code = dv_diag_state_code(r->state, odbc2(h));
	if (state) {
		if (wide) {
			for (int i = 0; i < 6; i++)
				((SQLWCHAR *)state)[i] = (SQLWCHAR)(unsigned char)code[i];
		} else {
			memcpy(state, code, 6);
		}
	}
	if (native)
		*native = (SQLINTEGER)r->native;
	SQLLEN len = 0;
	int truncated = wide ? dv_out_wstr(r->message, msg, msg_max, &len, 1)
			     : dv_api_out_ansi(h, r->message, msg, msg_max, &len);
	dv_set_len_small(msg_len, len);
	dv_handle_unlock(h);
	return truncated ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

SQLRETURN SQL_API SQLGetDiagRec(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT recno,
				SQLCHAR *state, SQLINTEGER *native, SQLCHAR *msg,
				SQLSMALLINT msg_max, SQLSMALLINT *msg_len)
{
	return get_diag_rec(type, handle, recno, state, native, msg, msg_max, msg_len, 0);
}

SQLRETURN SQL_API SQLGetDiagRecW(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT recno,
				 SQLWCHAR *state, SQLINTEGER *native, SQLWCHAR *msg,
				 SQLSMALLINT msg_max, SQLSMALLINT *msg_len)
{
	return get_diag_rec(type, handle, recno, state, native, msg, msg_max, msg_len, 1);
}

static SQLRETURN out_text(const char *s, void *buf, SQLSMALLINT max, SQLSMALLINT *len,
			  int wide)
{
	SQLLEN l = 0;
	int truncated = wide ? dv_out_wstr(s, buf, max, &l, 0) : dv_out_str(s, buf, max, &l);
	dv_set_len_small(len, l);
	return truncated ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

static SQLRETURN header_field(struct dv_handle *h, SQLSMALLINT field, void *buf,
			      SQLSMALLINT max, SQLSMALLINT *len, int wide)
{
	const struct dv_diag *d = &h->diag;
	switch (field) {
	case SQL_DIAG_NUMBER:
		if (buf)
			*(SQLINTEGER *)buf = d->n;
		return SQL_SUCCESS;
	case SQL_DIAG_RETURNCODE:
		if (buf)
			*(SQLRETURN *)buf = d->retcode;
		return SQL_SUCCESS;
	case SQL_DIAG_ROW_COUNT:
	case SQL_DIAG_CURSOR_ROW_COUNT:
	case SQL_DIAG_DYNAMIC_FUNCTION:
	case SQL_DIAG_DYNAMIC_FUNCTION_CODE:
		if (h->type != DV_H_STMT)
			return SQL_ERROR;
		if (field == SQL_DIAG_DYNAMIC_FUNCTION)
			return out_text(d->dynamic_function ? d->dynamic_function : "", buf, max,
					len, wide);
		if (buf && field == SQL_DIAG_DYNAMIC_FUNCTION_CODE)
			*(SQLINTEGER *)buf = d->dynamic_function_code;
		else if (buf && field == SQL_DIAG_ROW_COUNT)
			*(SQLLEN *)buf = d->row_count;
		else if (buf)
			*(SQLLEN *)buf = -1;
		return SQL_SUCCESS;
	default:
		return SQL_NO_DATA;
	}
}

static SQLRETURN get_diag_field(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT recno,
				SQLSMALLINT field, SQLPOINTER buf, SQLSMALLINT max,
				SQLSMALLINT *len, int wide)
{
	struct dv_handle *h = dv_api_enter_keep(handle, htype(type));
	SQLRETURN rc;
	if (!h)
		return SQL_INVALID_HANDLE;
	rc = header_field(h, field, buf, max, len, wide);
	if (rc != SQL_NO_DATA) {
		dv_handle_unlock(h);
		return rc;
	}
	if (recno <= 0) {
		dv_handle_unlock(h);
		return SQL_ERROR;
	}
	if (recno > h->diag.n) {
		dv_handle_unlock(h);
		return SQL_NO_DATA;
	}
	const struct dv_diag_rec *r = &h->diag.recs[recno - 1];
	const char *code = dv_diag_state_code(r->state, odbc2(h));
	struct dv_dbc *dbc = dv_handle_dbc(h);
	const char *dsn = dbc && dbc->dsn ? dbc->dsn : "";
	switch (field) {
	case SQL_DIAG_SQLSTATE: rc = out_text(code, buf, max, len, wide); break;
	case SQL_DIAG_MESSAGE_TEXT:
		if (wide) {
			rc = out_text(r->message, buf, max, len, wide);
		} else {
			SQLLEN l = 0; /* in the connection's ClientCharset */
			rc = dv_api_out_ansi(h, r->message, buf, max, &l) ? SQL_SUCCESS_WITH_INFO
									 : SQL_SUCCESS;
			dv_set_len_small(len, l);
		}
		break;
	case SQL_DIAG_CLASS_ORIGIN:
		rc = out_text(dv_diag_class_origin(code), buf, max, len, wide);
		break;
	case SQL_DIAG_SUBCLASS_ORIGIN:
		rc = out_text(dv_diag_subclass_origin(code), buf, max, len, wide);
		break;
	case SQL_DIAG_CONNECTION_NAME: rc = out_text(dsn, buf, max, len, wide); break;
	case SQL_DIAG_SERVER_NAME: rc = out_text(dsn, buf, max, len, wide); break;
	case SQL_DIAG_NATIVE:
		if (buf)
			*(SQLINTEGER *)buf = (SQLINTEGER)r->native;
		rc = SQL_SUCCESS;
		break;
	case SQL_DIAG_ROW_NUMBER:
		if (buf)
			*(SQLLEN *)buf = h->type == DV_H_STMT ? r->row : SQL_NO_ROW_NUMBER;
		rc = SQL_SUCCESS;
		break;
	case SQL_DIAG_COLUMN_NUMBER:
		if (buf)
			*(SQLINTEGER *)buf = h->type == DV_H_STMT ? r->column
								  : SQL_NO_COLUMN_NUMBER;
		rc = SQL_SUCCESS;
		break;
	default:
		rc = SQL_ERROR;
		break;
	}
	dv_handle_unlock(h);
	return rc;
}

SQLRETURN SQL_API SQLGetDiagField(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT recno,
				  SQLSMALLINT field, SQLPOINTER buf, SQLSMALLINT max,
				  SQLSMALLINT *len)
{
	return get_diag_field(type, handle, recno, field, buf, max, len, 0);
}

SQLRETURN SQL_API SQLGetDiagFieldW(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT recno,
				   SQLSMALLINT field, SQLPOINTER buf, SQLSMALLINT max,
				   SQLSMALLINT *len)
{
	return get_diag_field(type, handle, recno, field, buf, max, len, 1);
}
