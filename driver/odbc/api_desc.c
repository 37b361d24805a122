/* api_desc.c - entry points: SQLGetDescField(W), SQLSetDescField(W),
 * SQLGetDescRec(W), SQLSetDescRec, SQLCopyDesc. */
#include "odbc/api.h"
#include "odbc/desc_fields.h"
#include "odbc/types.h"

#include <stdlib.h>

static SQLRETURN get_desc_field(SQLHDESC hdesc, SQLSMALLINT rec, SQLSMALLINT field,
				SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *outlen,
				int wide)
{
	struct dv_handle *h = dv_api_enter(hdesc, DV_H_DESC);
	struct dv_field_val v;
	if (!h)
		return SQL_INVALID_HANDLE;
	struct dv_desc *d = (struct dv_desc *)h;
	SQLRETURN rc = dv_desc_get_field(d, &h->diag, rec, field, &v);
	if (rc != SQL_SUCCESS)
		return dv_api_leave(h, rc);
	switch (v.kind) {
	case DV_F_STR:
		rc = dv_api_out_int(h, rc, v.str, value, buflen, outlen, wide, 0);
		break;
	case DV_F_SMALL:
		if (value)
			*(SQLSMALLINT *)value = (SQLSMALLINT)v.num;
		dv_set_len_int(outlen, sizeof(SQLSMALLINT));
		break;
	case DV_F_INT:
		if (value)
			*(SQLINTEGER *)value = (SQLINTEGER)v.num;
		dv_set_len_int(outlen, sizeof(SQLINTEGER));
		break;
	case DV_F_LEN:
	case DV_F_ULEN:
		if (value)
			*(SQLLEN *)value = v.num;
		dv_set_len_int(outlen, sizeof(SQLLEN));
		break;
	case DV_F_PTR:
		if (value)
			*(SQLPOINTER *)value = v.ptr;
		dv_set_len_int(outlen, sizeof(SQLPOINTER));
		break;
	}
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLGetDescField(SQLHDESC hdesc, SQLSMALLINT rec, SQLSMALLINT field,
				  SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *outlen)
{
	return get_desc_field(hdesc, rec, field, value, buflen, outlen, 0);
}

SQLRETURN SQL_API SQLGetDescFieldW(SQLHDESC hdesc, SQLSMALLINT rec, SQLSMALLINT field,
				   SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *outlen)
{
	return get_desc_field(hdesc, rec, field, value, buflen, outlen, 1);
}

static SQLRETURN set_desc_field(SQLHDESC hdesc, SQLSMALLINT rec, SQLSMALLINT field,
				SQLPOINTER value, SQLINTEGER len, int wide)
{
	struct dv_handle *h = dv_api_enter(hdesc, DV_H_DESC);
	SQLRETURN rc = SQL_SUCCESS;
	char *str = NULL;
	if (!h)
		return SQL_INVALID_HANDLE;
	if (dv_desc_field_kind(field) == DV_F_STR && value) {
		/* the W call's length is in bytes; dv_api_in_w counts characters */
		str = wide ? dv_api_in_w(h, value, dv_api_wlen_chars(len), &rc)
			   : dv_api_in(h, value, len, &rc);
		if (rc != SQL_SUCCESS)
			return dv_api_leave(h, rc);
	}
	rc = dv_desc_set_field((struct dv_desc *)h, &h->diag, rec, field, value, str);
	free(str);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLSetDescField(SQLHDESC hdesc, SQLSMALLINT rec, SQLSMALLINT field,
				  SQLPOINTER value, SQLINTEGER len)
{
	return set_desc_field(hdesc, rec, field, value, len, 0);
}

SQLRETURN SQL_API SQLSetDescFieldW(SQLHDESC hdesc, SQLSMALLINT rec, SQLSMALLINT field,
				   SQLPOINTER value, SQLINTEGER len)
{
	return set_desc_field(hdesc, rec, field, value, len, 1);
}

static SQLRETURN get_desc_rec(SQLHDESC hdesc, SQLSMALLINT rec, void *name, SQLSMALLINT max,
			      SQLSMALLINT *name_len, SQLSMALLINT *type, SQLSMALLINT *subtype,
			      SQLLEN *length, SQLSMALLINT *precision, SQLSMALLINT *scale,
			      SQLSMALLINT *nullable, int wide)
{
	struct dv_handle *h = dv_api_enter(hdesc, DV_H_DESC);
	if (!h)
		return SQL_INVALID_HANDLE;
	struct dv_desc *d = (struct dv_desc *)h;
	SQLRETURN rc;
	if (rec == 0)
		rc = dv_diag_error(&h->diag, DV_S_07009, "bookmarks are not supported");
	else if (rec < 0)
		rc = dv_diag_error(&h->diag, DV_S_07009, "record %d", (int)rec);
	else if (rec > d->count)
		rc = SQL_NO_DATA;
	else {
		const struct dv_desc_rec *r = &d->recs[rec];
		if (type)
			*type = r->type;
		if (subtype)
			*subtype = r->datetime_interval_code;
		if (length)
			*length = r->octet_length;
		if (precision)
			*precision = r->precision;
		if (scale)
			*scale = r->scale;
		if (nullable)
			*nullable = r->nullable;
		rc = dv_api_out_small(h, SQL_SUCCESS, r->name, name, max, name_len, wide, 1);
	}
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLGetDescRec(SQLHDESC hdesc, SQLSMALLINT rec, SQLCHAR *name,
				SQLSMALLINT max, SQLSMALLINT *name_len, SQLSMALLINT *type,
				SQLSMALLINT *subtype, SQLLEN *length, SQLSMALLINT *precision,
				SQLSMALLINT *scale, SQLSMALLINT *nullable)
{
	return get_desc_rec(hdesc, rec, name, max, name_len, type, subtype, length, precision,
			    scale, nullable, 0);
}

SQLRETURN SQL_API SQLGetDescRecW(SQLHDESC hdesc, SQLSMALLINT rec, SQLWCHAR *name,
				 SQLSMALLINT max, SQLSMALLINT *name_len, SQLSMALLINT *type,
				 SQLSMALLINT *subtype, SQLLEN *length, SQLSMALLINT *precision,
				 SQLSMALLINT *scale, SQLSMALLINT *nullable)
{
	return get_desc_rec(hdesc, rec, name, max, name_len, type, subtype, length, precision,
			    scale, nullable, 1);
}

SQLRETURN SQL_API SQLSetDescRec(SQLHDESC hdesc, SQLSMALLINT rec, SQLSMALLINT type,
				SQLSMALLINT subtype, SQLLEN length, SQLSMALLINT precision,
				SQLSMALLINT scale, SQLPOINTER data, SQLLEN *octet_length_ptr,
				SQLLEN *indicator_ptr)
{
	struct dv_handle *h = dv_api_enter(hdesc, DV_H_DESC);
	if (!h)
		return SQL_INVALID_HANDLE;
	return dv_api_leave(h, dv_desc_set_rec((struct dv_desc *)h, &h->diag, rec, type, subtype,
					       length, precision, scale, data,
					       octet_length_ptr, indicator_ptr));
}

SQLRETURN SQL_API SQLCopyDesc(SQLHDESC hsrc, SQLHDESC hdst)
{
	struct dv_handle *src = dv_handle_check(hsrc, DV_H_DESC);
	if (!src)
		return SQL_INVALID_HANDLE;
	struct dv_handle *h = dv_api_enter(hdst, DV_H_DESC);
	if (!h)
		return SQL_INVALID_HANDLE;
	if (src != h)
		dv_handle_lock(src);
	SQLRETURN rc = dv_desc_copy((struct dv_desc *)src, (struct dv_desc *)h, &h->diag);
	if (src != h)
		dv_handle_unlock(src);
	return dv_api_leave(h, rc);
}
