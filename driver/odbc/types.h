/* types.h - the SQL types the driver reports and what follows from each.
 *
 * Owns: the type table behind SQLGetTypeInfo, and the derived column
 * attributes (display size, octet length, precision, radix, literal
 * prefixes, searchability, verbose type and datetime subcode) used to fill
 * implementation row descriptors and catalog result sets, plus the ODBC 2
 * names of the datetime types.
 * Source: https://learn.microsoft.com/sql/odbc/reference/appendixes/column-size-decimal-digits-transfer-octet-length-and-display-size */
#ifndef DV_ODBC_TYPES_H
#define DV_ODBC_TYPES_H

#include <stddef.h>

#include <sql.h>
#include <sqlext.h>

struct dv_desc_rec;

struct dv_type_info {
	SQLSMALLINT sql_type;
	const char *name;
	SQLINTEGER column_size;
	const char *literal_prefix;
	const char *literal_suffix;
	const char *create_params;
	SQLSMALLINT case_sensitive;
	SQLSMALLINT searchable;
	SQLSMALLINT unsigned_attr;   /* -1 = NULL (not numeric) */
	SQLSMALLINT fixed_prec_scale;
	SQLSMALLINT min_scale;       /* -1 = NULL */
	SQLSMALLINT max_scale;
	SQLINTEGER num_prec_radix;   /* 0 = NULL */
};

/* Ordered by DATA_TYPE as SQLGetTypeInfo returns them. */
const struct dv_type_info *dv_types(size_t *n);
const struct dv_type_info *dv_type_find(SQLSMALLINT sql_type);

/* ODBC 3 <-> ODBC 2 datetime codes (91/92/93 <-> 9/10/11). */
SQLSMALLINT dv_sql_type_odbc2(SQLSMALLINT t);
SQLSMALLINT dv_sql_type_odbc3(SQLSMALLINT t);
/* SQL_DESC_TYPE (verbose) and SQL_DESC_DATETIME_INTERVAL_CODE. */
SQLSMALLINT dv_verbose_type(SQLSMALLINT t);
SQLSMALLINT dv_datetime_code(SQLSMALLINT t);
int dv_type_is_char(SQLSMALLINT t);
int dv_type_is_wchar(SQLSMALLINT t);
int dv_type_is_numeric(SQLSMALLINT t);

SQLLEN dv_type_display_size(SQLSMALLINT t, SQLULEN size, SQLSMALLINT digits);
SQLLEN dv_type_octet_length(SQLSMALLINT t, SQLULEN size, SQLSMALLINT digits);
/* SQL_DESC_PRECISION: digits for numerics, fractional digits for datetimes. */
SQLSMALLINT dv_type_precision(SQLSMALLINT t, SQLULEN size, SQLSMALLINT digits);
SQLINTEGER dv_type_radix(SQLSMALLINT t);   /* 0 when not numeric */
/* Default type name when the engine gives none. */
const char *dv_type_default_name(SQLSMALLINT t);

/* Fills an implementation record (IRD/IPD) for a column of the SQL type. */
int dv_type_fill_rec(struct dv_desc_rec *r, const char *name, const char *table,
		     const char *base_column, SQLSMALLINT sql_type, const char *type_name,
		     SQLULEN size, SQLSMALLINT digits, SQLSMALLINT nullable);

#endif
