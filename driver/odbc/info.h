/* info.h - SQLGetInfo, SQLGetFunctions and SQLGetTypeInfo internals. */
#ifndef DV_ODBC_INFO_H
#define DV_ODBC_INFO_H

#include "odbc/handles.h"

enum dv_info_kind { DV_INFO_STR, DV_INFO_USMALLINT, DV_INFO_UINTEGER };

struct dv_info_value {
	enum dv_info_kind kind;
	const char *str;
	SQLUINTEGER num;
};

SQLRETURN dv_get_info(struct dv_dbc *dbc, SQLUSMALLINT type, struct dv_info_value *out);
SQLRETURN dv_get_functions(struct dv_dbc *dbc, SQLUSMALLINT id, SQLUSMALLINT *out);
SQLRETURN dv_get_type_info(struct dv_stmt *s, SQLSMALLINT type);

#endif
