/* convert.h - SQL data to the application's C buffers.
 *
 * Owns: the ODBC conversion matrix from each SQL type the driver reports
 * (character, exact and approximate numeric, bit, date, timestamp, GUID,
 * binary) to every SQL_C_* type, with the warnings and errors the ODBC
 * reference lists: 01004 string truncation, 01S07 fractional truncation,
 * 22003 out of range, 22018 bad characters, 22002 NULL without indicator,
 * 07006 restricted conversion, HY003 unknown C type.  Used by bound fetches
 * (whole values) and SQLGetData (in parts, with an offset).
 * Source: https://learn.microsoft.com/sql/odbc/reference/appendixes/converting-data-from-sql-to-c-data-types */
#ifndef DV_ODBC_CONVERT_H
#define DV_ODBC_CONVERT_H

#include <stddef.h>

#include <sql.h>
#include <sqlext.h>

#include "odbc/value.h"
#include "util/error.h"

/* Where a value goes. */
struct dv_charset;

struct dv_conv_dst {
	SQLSMALLINT c_type;     /* SQL_C_* (SQL_C_DEFAULT resolved by the converter) */
	void *ptr;              /* may be NULL: only the length is returned */
	SQLLEN buflen;          /* bytes, for character and binary targets */
	SQLLEN *len_ptr;        /* octet length out (may be NULL) */
	SQLLEN *ind_ptr;        /* indicator out (may be NULL or equal to len_ptr) */
	SQLSMALLINT precision;  /* SQL_C_NUMERIC */
	SQLSMALLINT scale;      /* SQL_C_NUMERIC */
};

/* The SQL side of the value. */
struct dv_conv_src {
	SQLSMALLINT sql_type;   /* ODBC 3 concise type from the IRD */
	SQLSMALLINT scale;      /* decimal digits (DECIMAL formatting) */
};

#define DV_CONV_DONE ((size_t)-1)

/* Converts v.  offset: NULL for a whole-value conversion (bound columns);
 * for SQLGetData the position reached by earlier calls on this column
 * (0 first), updated here, DV_CONV_DONE once all was returned.
 * Returns SQL_SUCCESS, SQL_SUCCESS_WITH_INFO (err has the warning),
 * SQL_NO_DATA (nothing left for SQLGetData) or SQL_ERROR (err set). */
SQLRETURN dv_convert(const struct dv_value *v, const struct dv_conv_src *src,
		     const struct dv_conv_dst *dst, size_t *offset, struct dv_error *err);
/* dv_convert for a connection whose ClientCharset is cs (NULL = UTF-8):
 * text into SQL_C_CHAR is written in that character set, characters it
 * cannot hold as '?' with 01000 (SQL_SUCCESS_WITH_INFO). */
SQLRETURN dv_convert_cs(const struct dv_value *v, const struct dv_conv_src *src,
			const struct dv_conv_dst *dst, struct dv_charset *cs, size_t *offset,
			struct dv_error *err);

/* The common case of a bound column, without the matrix's checks: a whole
 * value into a SQL_C_CHAR buffer (dst->c_type resolved) that holds it and
 * its terminator, or NULL into an indicator.  Writes exactly what
 * dv_convert_cs(v, src, dst, cs, NULL, ...) writes and returns 1; returns
 * 0, writing nothing, for everything else (truncation, errors, warnings,
 * other C types, ClientCharset text), which then takes dv_convert_cs. */
int dv_convert_char_whole(const struct dv_value *v, const struct dv_conv_src *src,
			  const struct dv_conv_dst *dst, struct dv_charset *cs);

/* The C type SQL_C_DEFAULT means for a SQL type. */
SQLSMALLINT dv_default_c_type(SQLSMALLINT sql_type);
/* Size of the fixed-length C type, or 0 for character/binary ones. */
SQLLEN dv_c_type_size(SQLSMALLINT c_type);
/* 1 when c_type is a C type the driver knows. */
int dv_c_type_valid(SQLSMALLINT c_type);

#endif
