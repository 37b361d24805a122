/* coldesc.c - describing result columns and parameters from the IRD/IPD.
 *
 * Owns: SQLDescribeCol, SQLColAttribute (every field BI tools read) and
 * SQLDescribeParam internals.  ODBC 2 environments see SQL_DATE/SQL_TIMESTAMP
 * codes for the datetime types.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlcolattribute-function */
#include "odbc/stmt.h"
#include "odbc/types.h"

static SQLRETURN check_col(struct dv_stmt *s, SQLUSMALLINT col)
{
	if (s->state == DV_ST_ALLOCATED && !s->rowset)
		return dv_diag_error(&s->h.diag, DV_S_HY010, "no statement is prepared");
	if (col == 0 || col > s->ird.count)
		return dv_diag_error(&s->h.diag, DV_S_07009, "column %u does not exist",
				     (unsigned)col);
	return SQL_SUCCESS;
}

static SQLSMALLINT env_type(struct dv_stmt *s, SQLSMALLINT t)
{
	return dv_stmt_odbc2(s) ? dv_sql_type_odbc2(t) : t;
}

/* Column size as SQLDescribeCol and SQLColumns report it. */
static SQLULEN column_size(const struct dv_desc_rec *r)
{
	if (dv_type_is_numeric(r->concise_type) || dv_type_is_char(r->concise_type) ||
	    r->concise_type == SQL_LONGVARBINARY || r->concise_type == SQL_VARBINARY ||
	    r->concise_type == SQL_BINARY)
		return r->length;
	return (SQLULEN)r->display_size;
}

SQLRETURN dv_stmt_describe_col(struct dv_stmt *s, SQLUSMALLINT col, const char **name,
			       SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits,
			       SQLSMALLINT *nullable)
{
	SQLRETURN rc = check_col(s, col);
	if (rc != SQL_SUCCESS)
		return rc;
	const struct dv_desc_rec *r = &s->ird.recs[col];
	*name = r->name ? r->name : "";
	if (type)
		*type = env_type(s, r->concise_type);
	if (size)
		*size = column_size(r);
	if (digits)
		*digits = dv_type_is_numeric(r->concise_type) ? r->scale
			  : dv_datetime_code(r->concise_type) ? r->precision : 0;
	if (nullable)
		*nullable = r->nullable;
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_col_attribute(struct dv_stmt *s, SQLUSMALLINT col, SQLUSMALLINT field,
				SQLLEN *num, const char **str)
{
	*num = 0;
	*str = NULL;
	if (field == SQL_DESC_COUNT || field == SQL_COLUMN_COUNT) {
		if (s->state == DV_ST_ALLOCATED && !s->rowset)
			return dv_diag_error(&s->h.diag, DV_S_HY010, "no statement is prepared");
		*num = s->ird.count;
		return SQL_SUCCESS;
	}
	SQLRETURN rc = check_col(s, col);
	if (rc != SQL_SUCCESS)
		return rc;
	const struct dv_desc_rec *r = &s->ird.recs[col];
	switch (field) {
	case SQL_DESC_AUTO_UNIQUE_VALUE: *num = r->auto_unique_value; break;
	case SQL_DESC_BASE_COLUMN_NAME: *str = r->base_column_name; break;
	case SQL_DESC_BASE_TABLE_NAME: *str = r->base_table_name; break;
	case SQL_DESC_CASE_SENSITIVE: *num = r->case_sensitive; break;
	case SQL_DESC_CATALOG_NAME: *str = ""; break;
	case SQL_DESC_CONCISE_TYPE: *num = env_type(s, r->concise_type); break;
	case SQL_DESC_TYPE: *num = dv_stmt_odbc2(s) ? env_type(s, r->concise_type) : r->type;
		break;
	case SQL_DESC_DISPLAY_SIZE: *num = r->display_size; break;
	case SQL_DESC_FIXED_PREC_SCALE: *num = r->fixed_prec_scale; break;
	case SQL_DESC_LABEL: *str = r->name; break;
	case SQL_DESC_NAME: case SQL_COLUMN_NAME: *str = r->name; break;
	case SQL_DESC_LENGTH: *num = (SQLLEN)r->length; break;
	case SQL_COLUMN_LENGTH: *num = r->octet_length; break;
	case SQL_DESC_LITERAL_PREFIX: *str = r->literal_prefix; break;
	case SQL_DESC_LITERAL_SUFFIX: *str = r->literal_suffix; break;
	case SQL_DESC_LOCAL_TYPE_NAME: *str = r->local_type_name; break;
	case SQL_DESC_NULLABLE: case SQL_COLUMN_NULLABLE: *num = r->nullable; break;
	case SQL_DESC_NUM_PREC_RADIX: *num = r->num_prec_radix; break;
	case SQL_DESC_OCTET_LENGTH: *num = r->octet_length; break;
	case SQL_DESC_PRECISION: *num = r->precision; break;
	case SQL_COLUMN_PRECISION: *num = (SQLLEN)column_size(r); break;
	case SQL_DESC_SCALE: case SQL_COLUMN_SCALE: *num = r->scale; break;
	case SQL_DESC_SCHEMA_NAME: *str = ""; break;
	case SQL_DESC_SEARCHABLE: *num = r->searchable; break;
	case SQL_DESC_TABLE_NAME: *str = r->table_name; break;
	case SQL_DESC_TYPE_NAME: *str = r->type_name; break;
	case SQL_DESC_UNNAMED: *num = r->unnamed; break;
	case SQL_DESC_UNSIGNED: *num = r->is_unsigned; break;
	case SQL_DESC_UPDATABLE: *num = r->updatable; break;
	default:
		return dv_diag_error(&s->h.diag, DV_S_HY091,
				     "column attribute %u is not supported", (unsigned)field);
	}
	int text = field == SQL_DESC_BASE_COLUMN_NAME || field == SQL_DESC_LABEL ||
		   field == SQL_DESC_NAME || field == SQL_COLUMN_NAME ||
		   field == SQL_DESC_BASE_TABLE_NAME || field == SQL_DESC_TABLE_NAME ||
		   field == SQL_DESC_TYPE_NAME || field == SQL_DESC_LITERAL_PREFIX ||
		   field == SQL_DESC_LITERAL_SUFFIX || field == SQL_DESC_LOCAL_TYPE_NAME;
	if (*str == NULL && text)
		*str = "";
	return SQL_SUCCESS;
}

SQLRETURN dv_stmt_describe_param(struct dv_stmt *s, SQLUSMALLINT n, SQLSMALLINT *type,
				 SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable)
{
	if (!s->vm)
		return dv_diag_error(&s->h.diag, DV_S_HY010, "no statement is prepared");
	if (n == 0 || (int)n > s->nparams)
		return dv_diag_error(&s->h.diag, DV_S_07009, "parameter %u does not exist",
				     (unsigned)n);
	/* The engine does not type markers: report what was bound, else a
	 * Unicode string, which every value converts from. */
	SQLSMALLINT t = SQL_WVARCHAR;
	SQLULEN sz = 4000;
	SQLSMALLINT dg = 0;
	if (n <= s->ipd.count && s->ipd.recs[n].concise_type != 0) {
		const struct dv_desc_rec *r = &s->ipd.recs[n];
		t = r->concise_type;
		sz = r->length;
		dg = r->scale;
	}
	if (type)
		*type = env_type(s, t);
	if (size)
		*size = sz;
	if (digits)
		*digits = dg;
	if (nullable)
		*nullable = SQL_NULLABLE;
	return SQL_SUCCESS;
}
