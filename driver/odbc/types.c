/* types.c - SQL types, their metadata and derived attributes (see types.h). */
#include "odbc/types.h"
#include "odbc/handles.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

/* Type names match driver/catalog's column type names.  Strings compare
 * case-insensitively in the service, so no character type is case
 * sensitive.  Date-times carry whole seconds (UTC). */
static const struct dv_type_info types[] = {
	{SQL_GUID, "uniqueidentifier", 36, "'", "'", NULL, SQL_FALSE, SQL_SEARCHABLE, -1,
	 SQL_FALSE, -1, -1, 0},
	{SQL_WLONGVARCHAR, "ntext", 1073741823, "'", "'", NULL, SQL_FALSE, SQL_SEARCHABLE, -1,
	 SQL_FALSE, -1, -1, 0},
	{SQL_WVARCHAR, "nvarchar", 4000, "'", "'", "max length", SQL_FALSE, SQL_SEARCHABLE, -1,
	 SQL_FALSE, -1, -1, 0},
	{SQL_BIT, "bit", 1, NULL, NULL, NULL, SQL_FALSE, SQL_PRED_BASIC, -1, SQL_FALSE, 0, 0,
	 0},
	{SQL_BIGINT, "bigint", 19, NULL, NULL, NULL, SQL_FALSE, SQL_PRED_BASIC, SQL_FALSE,
	 SQL_FALSE, 0, 0, 10},
	{SQL_LONGVARBINARY, "image", 2147483647, "X'", "'", NULL, SQL_FALSE, SQL_PRED_NONE, -1,
	 SQL_FALSE, -1, -1, 0},
	{SQL_DECIMAL, "decimal", 38, NULL, NULL, "precision,scale", SQL_FALSE, SQL_PRED_BASIC,
	 SQL_FALSE, SQL_FALSE, 0, 38, 10},
	{SQL_DECIMAL, "money", 19, NULL, NULL, NULL, SQL_FALSE, SQL_PRED_BASIC, SQL_FALSE,
	 SQL_TRUE, 4, 4, 10},
	{SQL_INTEGER, "int", 10, NULL, NULL, NULL, SQL_FALSE, SQL_PRED_BASIC, SQL_FALSE,
	 SQL_FALSE, 0, 0, 10},
	{SQL_DOUBLE, "float", 15, NULL, NULL, NULL, SQL_FALSE, SQL_PRED_BASIC, SQL_FALSE,
	 SQL_FALSE, -1, -1, 10},
	{SQL_TYPE_DATE, "date", 10, "'", "'", NULL, SQL_FALSE, SQL_PRED_BASIC, -1, SQL_FALSE,
	 -1, -1, 0},
	{SQL_TYPE_TIMESTAMP, "datetime", 19, "'", "'", NULL, SQL_FALSE, SQL_PRED_BASIC, -1,
	 SQL_FALSE, 0, 0, 0},
};

const struct dv_type_info *dv_types(size_t *n)
{
	*n = sizeof(types) / sizeof(types[0]);
	return types;
}

const struct dv_type_info *dv_type_find(SQLSMALLINT sql_type)
{
	sql_type = dv_sql_type_odbc3(sql_type);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].sql_type == sql_type)
			return &types[i];
	return NULL;
}

SQLSMALLINT dv_sql_type_odbc2(SQLSMALLINT t)
{
	switch (t) {
	case SQL_TYPE_DATE: return SQL_DATE;
	case SQL_TYPE_TIME: return SQL_TIME;
	case SQL_TYPE_TIMESTAMP: return SQL_TIMESTAMP;
	default: return t;
	}
}

SQLSMALLINT dv_sql_type_odbc3(SQLSMALLINT t)
{
	switch (t) {
	case SQL_DATE: return SQL_TYPE_DATE;
	case SQL_TIME: return SQL_TYPE_TIME;
	case SQL_TIMESTAMP: return SQL_TYPE_TIMESTAMP;
	default: return t;
	}
}

SQLSMALLINT dv_verbose_type(SQLSMALLINT t)
{
	switch (t) {
	case SQL_TYPE_DATE: case SQL_TYPE_TIME: case SQL_TYPE_TIMESTAMP:
	case SQL_TIME: case SQL_TIMESTAMP:
		return SQL_DATETIME;
	default:
		return t;
	}
}

SQLSMALLINT dv_datetime_code(SQLSMALLINT t)
{
	switch (t) {
	case SQL_TYPE_DATE: case SQL_DATE: return SQL_CODE_DATE;
	case SQL_TYPE_TIME: case SQL_TIME: return SQL_CODE_TIME;
	case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP: return SQL_CODE_TIMESTAMP;
	default: return 0;
	}
}

int dv_type_is_wchar(SQLSMALLINT t)
{
	return t == SQL_WCHAR || t == SQL_WVARCHAR || t == SQL_WLONGVARCHAR;
}

int dv_type_is_char(SQLSMALLINT t)
{
	return t == SQL_CHAR || t == SQL_VARCHAR || t == SQL_LONGVARCHAR || dv_type_is_wchar(t);
}

int dv_type_is_numeric(SQLSMALLINT t)
{
	switch (t) {
	case SQL_DECIMAL: case SQL_NUMERIC: case SQL_INTEGER: case SQL_SMALLINT:
	case SQL_TINYINT: case SQL_BIGINT: case SQL_DOUBLE: case SQL_FLOAT: case SQL_REAL:
		return 1;
	default:
		return 0;
	}
}

SQLLEN dv_type_display_size(SQLSMALLINT t, SQLULEN size, SQLSMALLINT digits)
{
	switch (t) {
	case SQL_DECIMAL: case SQL_NUMERIC: return (SQLLEN)size + 2;
	case SQL_BIT: return 1;
	case SQL_TINYINT: return 4;
	case SQL_SMALLINT: return 6;
	case SQL_INTEGER: return 11;
	case SQL_BIGINT: return 20;
	case SQL_REAL: return 14;
	case SQL_DOUBLE: case SQL_FLOAT: return 24;
	case SQL_TYPE_DATE: case SQL_DATE: return 10;
	case SQL_TYPE_TIME: case SQL_TIME: return 8;
	case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP: return digits > 0 ? 20 + digits : 19;
	case SQL_GUID: return 36;
	case SQL_BINARY: case SQL_VARBINARY: case SQL_LONGVARBINARY:
		return size > 1073741823 ? 2147483647 : (SQLLEN)size * 2;
	default: return (SQLLEN)size;
	}
}

SQLLEN dv_type_octet_length(SQLSMALLINT t, SQLULEN size, SQLSMALLINT digits)
{
	switch (t) {
	case SQL_DECIMAL: case SQL_NUMERIC: return (SQLLEN)size + 2;
	case SQL_BIT: case SQL_TINYINT: return 1;
	case SQL_SMALLINT: return 2;
	case SQL_INTEGER: case SQL_REAL: return 4;
	case SQL_BIGINT: case SQL_DOUBLE: case SQL_FLOAT: return 8;
	case SQL_TYPE_DATE: case SQL_DATE: return 6;
	case SQL_TYPE_TIME: case SQL_TIME: return 6;
	case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP: return 16;
	case SQL_GUID: return 16;
	case SQL_WCHAR: case SQL_WVARCHAR: case SQL_WLONGVARCHAR: /* in SQLWCHARs */
		return size > 2147483647 / sizeof(SQLWCHAR) ? 2147483647
							    : (SQLLEN)(size * sizeof(SQLWCHAR));
	default: return (SQLLEN)size;
	}
}

SQLSMALLINT dv_type_precision(SQLSMALLINT t, SQLULEN size, SQLSMALLINT digits)
{
	switch (t) {
	case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP: case SQL_TYPE_TIME: case SQL_TIME:
		return digits;
	case SQL_TYPE_DATE: case SQL_DATE: return 0;
	case SQL_DOUBLE: case SQL_FLOAT: return 15;
	default: return (SQLSMALLINT)(size > 32767 ? 32767 : size);
	}
}

SQLINTEGER dv_type_radix(SQLSMALLINT t)
{
	return dv_type_is_numeric(t) ? 10 : 0;
}

const char *dv_type_default_name(SQLSMALLINT t)
{
	const struct dv_type_info *ti = dv_type_find(t);
	if (ti)
		return ti->name;
	switch (t) {
	case SQL_VARCHAR: case SQL_CHAR: return "varchar";
	case SQL_LONGVARCHAR: return "text";
	case SQL_SMALLINT: return "smallint";
	default: return "";
	}
}

static int set_str(char **dst, const char *s)
{
	char *copy = dv_strdup(s ? s : "");
	if (!copy)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

int dv_type_fill_rec(struct dv_desc_rec *r, const char *name, const char *table,
		     const char *base_column, SQLSMALLINT sql_type, const char *type_name,
		     SQLULEN size, SQLSMALLINT digits, SQLSMALLINT nullable)
{
	const struct dv_type_info *ti = dv_type_find(sql_type);
	sql_type = dv_sql_type_odbc3(sql_type);
	r->concise_type = sql_type;
	r->type = dv_verbose_type(sql_type);
	r->datetime_interval_code = dv_datetime_code(sql_type);
	r->length = dv_type_is_char(sql_type) || sql_type == SQL_LONGVARBINARY ||
				    sql_type == SQL_VARBINARY || sql_type == SQL_BINARY
			    ? size
			    : (SQLULEN)dv_type_display_size(sql_type, size, digits);
	if (dv_type_is_numeric(sql_type))
		r->length = size;
	r->octet_length = dv_type_octet_length(sql_type, size, digits);
	r->precision = dv_type_precision(sql_type, size, digits);
	r->scale = dv_type_is_numeric(sql_type) ? digits : 0;
	r->nullable = nullable;
	r->display_size = dv_type_display_size(sql_type, size, digits);
	r->num_prec_radix = dv_type_radix(sql_type);
	r->is_unsigned = dv_type_is_numeric(sql_type) ? SQL_FALSE : SQL_TRUE;
	r->fixed_prec_scale = type_name && strcmp(type_name, "money") == 0 ? SQL_TRUE : SQL_FALSE;
	r->case_sensitive = SQL_FALSE;
	r->searchable = ti ? ti->searchable : SQL_PRED_SEARCHABLE;
	r->updatable = SQL_ATTR_READWRITE_UNKNOWN;
	r->auto_unique_value = SQL_FALSE;
	r->unnamed = name && *name ? SQL_NAMED : SQL_UNNAMED;
	if (set_str(&r->name, name) || set_str(&r->base_column_name, base_column) ||
	    set_str(&r->base_table_name, table) || set_str(&r->table_name, table) ||
	    set_str(&r->type_name, type_name && *type_name ? type_name
							   : dv_type_default_name(sql_type)) ||
	    set_str(&r->local_type_name, "") ||
	    set_str(&r->literal_prefix, ti && ti->literal_prefix ? ti->literal_prefix : "") ||
	    set_str(&r->literal_suffix, ti && ti->literal_suffix ? ti->literal_suffix : ""))
		return -1;
	return 0;
}
