/* desc_fields.h - descriptor field access (desc_fields.c). */
#ifndef DV_ODBC_DESC_FIELDS_H
#define DV_ODBC_DESC_FIELDS_H

#include "odbc/handles.h"

enum dv_field_kind { DV_F_SMALL, DV_F_INT, DV_F_LEN, DV_F_ULEN, DV_F_PTR, DV_F_STR };

struct dv_field_val {
	enum dv_field_kind kind;
	SQLLEN num;
	SQLPOINTER ptr;
	const char *str;
};

/* The kind of a field, or -1 when unknown. */
int dv_desc_field_kind(SQLSMALLINT field);
/* Diagnostics go to diag (the descriptor's). SQL_NO_DATA past COUNT. */
SQLRETURN dv_desc_get_field(struct dv_desc *d, struct dv_diag *diag, SQLSMALLINT rec,
			    SQLSMALLINT field, struct dv_field_val *out);
/* value: the application's ValuePtr; str: UTF-8 text for string fields. */
SQLRETURN dv_desc_set_field(struct dv_desc *d, struct dv_diag *diag, SQLSMALLINT rec,
			    SQLSMALLINT field, SQLPOINTER value, const char *str);
SQLRETURN dv_desc_set_rec(struct dv_desc *d, struct dv_diag *diag, SQLSMALLINT rec,
			  SQLSMALLINT type, SQLSMALLINT subtype, SQLLEN length,
			  SQLSMALLINT precision, SQLSMALLINT scale, SQLPOINTER data,
			  SQLLEN *octet_length_ptr, SQLLEN *indicator_ptr);
SQLRETURN dv_desc_copy(struct dv_desc *src, struct dv_desc *dst, struct dv_diag *diag);

#endif
