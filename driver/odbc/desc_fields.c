/* desc_fields.c - reading and writing descriptor fields.
 *
 * Owns: SQLGetDescField/SQLSetDescField/SQLSetDescRec/SQLCopyDesc
 * internals: which fields exist and their types, the rule that an IRD is
 * read-only (HY016), the consistency checks setting SQL_DESC_TYPE or
 * SQL_DESC_CONCISE_TYPE implies, and SQL_DESC_COUNT growing with records.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetdescfield-function */
#include "odbc/desc_fields.h"
#include "odbc/types.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int dv_desc_field_kind(SQLSMALLINT field)
{
	switch (field) {
	case SQL_DESC_ALLOC_TYPE: case SQL_DESC_COUNT: case SQL_DESC_CONCISE_TYPE:
	case SQL_DESC_DATETIME_INTERVAL_CODE: case SQL_DESC_FIXED_PREC_SCALE:
	case SQL_DESC_NULLABLE: case SQL_DESC_PARAMETER_TYPE: case SQL_DESC_PRECISION:
	case SQL_DESC_ROWVER: case SQL_DESC_SCALE: case SQL_DESC_SEARCHABLE:
	case SQL_DESC_TYPE: case SQL_DESC_UNNAMED: case SQL_DESC_UNSIGNED:
	case SQL_DESC_UPDATABLE:
		return DV_F_SMALL;
	case SQL_DESC_BIND_TYPE: case SQL_DESC_AUTO_UNIQUE_VALUE: case SQL_DESC_CASE_SENSITIVE:
	case SQL_DESC_DATETIME_INTERVAL_PRECISION: case SQL_DESC_NUM_PREC_RADIX:
		return DV_F_INT;
	case SQL_DESC_DISPLAY_SIZE: case SQL_DESC_OCTET_LENGTH:
		return DV_F_LEN;
	case SQL_DESC_ARRAY_SIZE: case SQL_DESC_LENGTH:
		return DV_F_ULEN;
	case SQL_DESC_ARRAY_STATUS_PTR: case SQL_DESC_BIND_OFFSET_PTR:
	case SQL_DESC_ROWS_PROCESSED_PTR: case SQL_DESC_DATA_PTR: case SQL_DESC_INDICATOR_PTR:
	case SQL_DESC_OCTET_LENGTH_PTR:
		return DV_F_PTR;
	case SQL_DESC_BASE_COLUMN_NAME: case SQL_DESC_BASE_TABLE_NAME:
	case SQL_DESC_CATALOG_NAME: case SQL_DESC_LABEL: case SQL_DESC_LITERAL_PREFIX:
	case SQL_DESC_LITERAL_SUFFIX: case SQL_DESC_LOCAL_TYPE_NAME: case SQL_DESC_NAME:
	case SQL_DESC_SCHEMA_NAME: case SQL_DESC_TABLE_NAME: case SQL_DESC_TYPE_NAME:
		return DV_F_STR;
	default:
		return -1;
	}
}

static int is_header(SQLSMALLINT field)
{
	return field == SQL_DESC_ALLOC_TYPE || field == SQL_DESC_ARRAY_SIZE ||
	       field == SQL_DESC_ARRAY_STATUS_PTR || field == SQL_DESC_BIND_OFFSET_PTR ||
	       field == SQL_DESC_BIND_TYPE || field == SQL_DESC_COUNT ||
	       field == SQL_DESC_ROWS_PROCESSED_PTR;
}

static SQLRETURN get_header(struct dv_desc *d, SQLSMALLINT field, struct dv_field_val *o)
{
	switch (field) {
	case SQL_DESC_ALLOC_TYPE: o->num = d->alloc_type; break;
	case SQL_DESC_ARRAY_SIZE: o->num = (SQLLEN)d->array_size; break;
	case SQL_DESC_ARRAY_STATUS_PTR: o->ptr = d->array_status_ptr; break;
	case SQL_DESC_BIND_OFFSET_PTR: o->ptr = d->bind_offset_ptr; break;
	case SQL_DESC_BIND_TYPE: o->num = (SQLLEN)d->bind_type; break;
	case SQL_DESC_COUNT: o->num = d->count; break;
	default: o->ptr = d->rows_processed_ptr; break;
	}
	return SQL_SUCCESS;
}

SQLRETURN dv_desc_get_field(struct dv_desc *d, struct dv_diag *diag, SQLSMALLINT rec,
			    SQLSMALLINT field, struct dv_field_val *o)
{
	int kind = dv_desc_field_kind(field);
	memset(o, 0, sizeof(*o));
	if (kind < 0)
		return dv_diag_error(diag, DV_S_HY091, "descriptor field %d", (int)field);
	o->kind = (enum dv_field_kind)kind;
	if (is_header(field))
		return get_header(d, field, o);
	if (rec == 0)
		return dv_diag_error(diag, DV_S_07009, "bookmarks are not supported");
	if (rec < 0)
		return dv_diag_error(diag, DV_S_07009, "record %d", (int)rec);
	if (rec > d->count)
		return SQL_NO_DATA;
	const struct dv_desc_rec *r = &d->recs[rec];
	switch (field) {
	case SQL_DESC_AUTO_UNIQUE_VALUE: o->num = r->auto_unique_value; break;
	case SQL_DESC_BASE_COLUMN_NAME: o->str = r->base_column_name; break;
	case SQL_DESC_BASE_TABLE_NAME: o->str = r->base_table_name; break;
	case SQL_DESC_CASE_SENSITIVE: o->num = r->case_sensitive; break;
	case SQL_DESC_CATALOG_NAME: o->str = ""; break;
	case SQL_DESC_CONCISE_TYPE: o->num = r->concise_type; break;
	case SQL_DESC_DATA_PTR: o->ptr = r->data_ptr; break;
	case SQL_DESC_DATETIME_INTERVAL_CODE: o->num = r->datetime_interval_code; break;
	case SQL_DESC_DATETIME_INTERVAL_PRECISION: o->num = r->datetime_interval_precision; break;
	case SQL_DESC_DISPLAY_SIZE: o->num = r->display_size; break;
	case SQL_DESC_FIXED_PREC_SCALE: o->num = r->fixed_prec_scale; break;
	case SQL_DESC_INDICATOR_PTR: o->ptr = r->indicator_ptr; break;
	case SQL_DESC_LABEL: o->str = r->name; break;
	case SQL_DESC_LENGTH: o->num = (SQLLEN)r->length; break;
	case SQL_DESC_LITERAL_PREFIX: o->str = r->literal_prefix; break;
	case SQL_DESC_LITERAL_SUFFIX: o->str = r->literal_suffix; break;
	case SQL_DESC_LOCAL_TYPE_NAME: o->str = r->local_type_name; break;
	case SQL_DESC_NAME: o->str = r->name; break;
	case SQL_DESC_NULLABLE: o->num = r->nullable; break;
	case SQL_DESC_NUM_PREC_RADIX: o->num = r->num_prec_radix; break;
	case SQL_DESC_OCTET_LENGTH: o->num = r->octet_length; break;
	case SQL_DESC_OCTET_LENGTH_PTR: o->ptr = r->octet_length_ptr; break;
	case SQL_DESC_PARAMETER_TYPE: o->num = r->parameter_type; break;
	case SQL_DESC_PRECISION: o->num = r->precision; break;
	case SQL_DESC_ROWVER: o->num = SQL_FALSE; break;
	case SQL_DESC_SCALE: o->num = r->scale; break;
	case SQL_DESC_SCHEMA_NAME: o->str = ""; break;
	case SQL_DESC_SEARCHABLE: o->num = r->searchable; break;
	case SQL_DESC_TABLE_NAME: o->str = r->table_name; break;
	case SQL_DESC_TYPE: o->num = r->type; break;
	case SQL_DESC_TYPE_NAME: o->str = r->type_name; break;
	case SQL_DESC_UNNAMED: o->num = r->unnamed; break;
	case SQL_DESC_UNSIGNED: o->num = r->is_unsigned; break;
	case SQL_DESC_UPDATABLE: o->num = r->updatable; break;
	default: break;
	}
	if (o->kind == DV_F_STR && !o->str)
		o->str = "";
	return SQL_SUCCESS;
}

/* Setting TYPE or CONCISE_TYPE sets the other and the interval code. */
static void set_type(struct dv_desc_rec *r, SQLSMALLINT type, int concise)
{
	if (concise || type != SQL_DATETIME) {
		r->concise_type = type;
		r->type = dv_verbose_type(type);
		r->datetime_interval_code = dv_datetime_code(type);
	} else {
		r->type = SQL_DATETIME;
	}
	if (!concise && type == SQL_DATETIME && r->datetime_interval_code)
		r->concise_type = (SQLSMALLINT)(SQL_TYPE_DATE - SQL_CODE_DATE +
						r->datetime_interval_code);
}

static SQLRETURN set_header(struct dv_desc *d, struct dv_diag *diag, SQLSMALLINT field,
			    SQLPOINTER value)
{
	SQLLEN v = (SQLLEN)(intptr_t)value;
	switch (field) {
	case SQL_DESC_ALLOC_TYPE:
		return dv_diag_error(diag, DV_S_HY091, "SQL_DESC_ALLOC_TYPE is read-only");
	case SQL_DESC_ARRAY_SIZE:
		if (v <= 0)
			return dv_diag_error(diag, DV_S_HY024, "array size %ld", (long)v);
		d->array_size = (SQLULEN)v;
		return SQL_SUCCESS;
	case SQL_DESC_ARRAY_STATUS_PTR: d->array_status_ptr = value; return SQL_SUCCESS;
	case SQL_DESC_BIND_OFFSET_PTR: d->bind_offset_ptr = value; return SQL_SUCCESS;
	case SQL_DESC_BIND_TYPE: d->bind_type = (SQLULEN)v; return SQL_SUCCESS;
	case SQL_DESC_ROWS_PROCESSED_PTR: d->rows_processed_ptr = value; return SQL_SUCCESS;
	default: /* SQL_DESC_COUNT */
		if (v < 0 || v > 32767)
			return dv_diag_error(diag, DV_S_07009, "count %ld", (long)v);
		if (v > d->count && dv_desc_ensure(d, (SQLSMALLINT)v) != 0)
			return dv_diag_error(diag, DV_S_HY001, NULL);
		for (SQLSMALLINT i = (SQLSMALLINT)(v + 1); i <= d->count; i++)
			dv_desc_rec_reset(&d->recs[i], d->kind);
		d->count = (SQLSMALLINT)v;
		return SQL_SUCCESS;
	}
}

static SQLRETURN set_str(struct dv_diag *diag, char **slot, const char *str)
{
	char *copy = dv_strdup(str ? str : "");
	if (!copy)
		return dv_diag_error(diag, DV_S_HY001, NULL);
	free(*slot);
	*slot = copy;
	return SQL_SUCCESS;
}

SQLRETURN dv_desc_set_field(struct dv_desc *d, struct dv_diag *diag, SQLSMALLINT rec,
			    SQLSMALLINT field, SQLPOINTER value, const char *str)
{
	if (dv_desc_field_kind(field) < 0)
		return dv_diag_error(diag, DV_S_HY091, "descriptor field %d", (int)field);
	if (d->kind == DV_DESC_IRD && field != SQL_DESC_ARRAY_STATUS_PTR &&
	    field != SQL_DESC_ROWS_PROCESSED_PTR)
		return dv_diag_error(diag, DV_S_HY016, NULL);
	if (is_header(field))
		return set_header(d, diag, field, value);
	if (rec <= 0)
		return dv_diag_error(diag, DV_S_07009, "record %d", (int)rec);
	if (dv_desc_ensure(d, rec) != 0)
		return dv_diag_error(diag, DV_S_HY001, NULL);
	struct dv_desc_rec *r = &d->recs[rec];
	SQLLEN v = (SQLLEN)(intptr_t)value;
	switch (field) {
	case SQL_DESC_CONCISE_TYPE: set_type(r, (SQLSMALLINT)v, 1); break;
	case SQL_DESC_TYPE: set_type(r, (SQLSMALLINT)v, 0); break;
	case SQL_DESC_DATETIME_INTERVAL_CODE:
		r->datetime_interval_code = (SQLSMALLINT)v;
		if (r->type == SQL_DATETIME)
			set_type(r, SQL_DATETIME, 0);
		break;
	case SQL_DESC_DATETIME_INTERVAL_PRECISION: r->datetime_interval_precision =
		(SQLINTEGER)v; break;
	case SQL_DESC_DATA_PTR: r->data_ptr = value; break;
	case SQL_DESC_INDICATOR_PTR: r->indicator_ptr = value; break;
	case SQL_DESC_OCTET_LENGTH_PTR: r->octet_length_ptr = value; break;
	case SQL_DESC_LENGTH: r->length = (SQLULEN)v; break;
	case SQL_DESC_OCTET_LENGTH: r->octet_length = v; break;
	case SQL_DESC_PRECISION: r->precision = (SQLSMALLINT)v; break;
	case SQL_DESC_SCALE: r->scale = (SQLSMALLINT)v; break;
	case SQL_DESC_NUM_PREC_RADIX: r->num_prec_radix = (SQLINTEGER)v; break;
	case SQL_DESC_PARAMETER_TYPE:
		if (d->kind != DV_DESC_IPD)
			return dv_diag_error(diag, DV_S_HY091, "only in an IPD");
		if (v != SQL_PARAM_INPUT)
			return dv_diag_error(diag, DV_S_HYC00, "only input parameters");
		r->parameter_type = (SQLSMALLINT)v;
		break;
	case SQL_DESC_UNNAMED:
		if (v == SQL_NAMED)
			return dv_diag_error(diag, DV_S_HY091, "SQL_DESC_UNNAMED to SQL_NAMED");
		r->unnamed = (SQLSMALLINT)v;
		break;
	case SQL_DESC_NAME:
		r->unnamed = SQL_NAMED;
		return set_str(diag, &r->name, str);
	default:
		return dv_diag_error(diag, DV_S_HY091, "descriptor field %d cannot be set",
				     (int)field);
	}
	/* Changing a record's type or attributes unbinds its data; DATA_PTR is
	 * set last.  https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetdescfield-function */
	if (field != SQL_DESC_DATA_PTR && field != SQL_DESC_INDICATOR_PTR &&
	    field != SQL_DESC_OCTET_LENGTH_PTR &&
	    (d->kind == DV_DESC_ARD || d->kind == DV_DESC_APD))
		r->data_ptr = NULL;
	return SQL_SUCCESS;
}

SQLRETURN dv_desc_set_rec(struct dv_desc *d, struct dv_diag *diag, SQLSMALLINT rec,
			  SQLSMALLINT type, SQLSMALLINT subtype, SQLLEN length,
			  SQLSMALLINT precision, SQLSMALLINT scale, SQLPOINTER data,
			  SQLLEN *octet_length_ptr, SQLLEN *indicator_ptr)
{
	if (d->kind == DV_DESC_IRD)
		return dv_diag_error(diag, DV_S_HY016, NULL);
	if (rec <= 0)
		return dv_diag_error(diag, DV_S_07009, "record %d", (int)rec);
	if (dv_desc_ensure(d, rec) != 0)
		return dv_diag_error(diag, DV_S_HY001, NULL);
	struct dv_desc_rec *r = &d->recs[rec];
	if (type == SQL_DATETIME) {
		r->datetime_interval_code = subtype;
		set_type(r, SQL_DATETIME, 0);
	} else {
		set_type(r, type, 1);
	}
	r->octet_length = length;
	r->length = (SQLULEN)length;
	r->precision = precision;
	r->scale = scale;
	r->data_ptr = data;
	r->octet_length_ptr = octet_length_ptr;
	r->indicator_ptr = indicator_ptr;
	return SQL_SUCCESS;
}

static int copy_rec(struct dv_desc_rec *dst, const struct dv_desc_rec *src)
{
	*dst = *src;
	char **fields[] = {&dst->name, &dst->base_column_name, &dst->base_table_name,
			   &dst->table_name, &dst->type_name, &dst->local_type_name,
			   &dst->literal_prefix, &dst->literal_suffix};
	int rc = 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (*fields[i]) {
			*fields[i] = dv_strdup(*fields[i]);
			if (!*fields[i])
				rc = -1;
		}
	}
	return rc;
}

SQLRETURN dv_desc_copy(struct dv_desc *src, struct dv_desc *dst, struct dv_diag *diag)
{
	if (dst->kind == DV_DESC_IRD)
		return dv_diag_error(diag, DV_S_HY016, NULL);
	if (src == dst)
		return SQL_SUCCESS;
	dv_desc_clear_records(dst);
	if (src->count > 0 && dv_desc_ensure(dst, src->count) != 0)
		return dv_diag_error(diag, DV_S_HY001, NULL);
	for (SQLSMALLINT i = 1; i <= src->count; i++) {
		dv_desc_rec_free(&dst->recs[i]);
		if (copy_rec(&dst->recs[i], &src->recs[i]) != 0)
			return dv_diag_error(diag, DV_S_HY001, NULL);
	}
	dst->count = src->count;
	dst->array_size = src->array_size;
	dst->array_status_ptr = src->array_status_ptr;
	dst->bind_offset_ptr = src->bind_offset_ptr;
	dst->bind_type = src->bind_type;
	dst->rows_processed_ptr = src->rows_processed_ptr;
	return SQL_SUCCESS;
}
