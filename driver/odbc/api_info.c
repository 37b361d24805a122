/* api_info.c - entry points: SQLGetInfo(W), SQLGetFunctions, SQLGetTypeInfo(W). */
#include "odbc/api.h"
#include "odbc/info.h"

static SQLRETURN get_info(SQLHDBC hdbc, SQLUSMALLINT type, SQLPOINTER buf, SQLSMALLINT max,
			  SQLSMALLINT *len, int wide)
{
	struct dv_handle *h = dv_api_enter(hdbc, DV_H_DBC);
	struct dv_info_value v;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = dv_get_info((struct dv_dbc *)h, type, &v);
	if (rc == SQL_SUCCESS) {
		if (v.kind == DV_INFO_STR) {
			rc = dv_api_out_small(h, rc, v.str, buf, max, len, wide, 0);
		} else if (v.kind == DV_INFO_USMALLINT) {
			if (buf)
				*(SQLUSMALLINT *)buf = (SQLUSMALLINT)v.num;
			dv_set_len_small(len, sizeof(SQLUSMALLINT));
		} else {
			if (buf)
				*(SQLUINTEGER *)buf = v.num;
			dv_set_len_small(len, sizeof(SQLUINTEGER));
		}
	}
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLGetInfo(SQLHDBC hdbc, SQLUSMALLINT type, SQLPOINTER buf,
			     SQLSMALLINT max, SQLSMALLINT *len)
{
	return get_info(hdbc, type, buf, max, len, 0);
}

SQLRETURN SQL_API SQLGetInfoW(SQLHDBC hdbc, SQLUSMALLINT type, SQLPOINTER buf,
			      SQLSMALLINT max, SQLSMALLINT *len)
{
	return get_info(hdbc, type, buf, max, len, 1);
}

SQLRETURN SQL_API SQLGetFunctions(SQLHDBC hdbc, SQLUSMALLINT id, SQLUSMALLINT *out)
{
	struct dv_handle *h = dv_api_enter(hdbc, DV_H_DBC);
	if (!h)
		return SQL_INVALID_HANDLE;
	return dv_api_leave(h, dv_get_functions((struct dv_dbc *)h, id, out));
}

static SQLRETURN get_type_info(SQLHSTMT hstmt, SQLSMALLINT type)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	if (!h)
		return SQL_INVALID_HANDLE;
	return dv_api_leave(h, dv_get_type_info((struct dv_stmt *)h, type));
}

SQLRETURN SQL_API SQLGetTypeInfo(SQLHSTMT hstmt, SQLSMALLINT type)
{
	return get_type_info(hstmt, type);
}

SQLRETURN SQL_API SQLGetTypeInfoW(SQLHSTMT hstmt, SQLSMALLINT type)
{
	return get_type_info(hstmt, type);
}
