/* api.c - entry point helpers (see api.h). */
#include "odbc/api.h"
#include "odbc/charset.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

struct dv_handle *dv_api_enter_keep(SQLHANDLE handle, enum dv_htype type)
{
	struct dv_handle *h = dv_handle_check(handle, type);
	if (h)
		dv_handle_lock(h);
	return h;
}

struct dv_handle *dv_api_enter(SQLHANDLE handle, enum dv_htype type)
{
	struct dv_handle *h = dv_api_enter_keep(handle, type);
	if (h)
		dv_diag_clear(&h->diag);
	return h;
}

SQLRETURN dv_api_leave_at(struct dv_handle *h, SQLRETURN rc, const char *func)
{
	h->diag.retcode = rc;
	if (rc == SQL_ERROR && h->diag.n > 0) {
		struct dv_dbc *dbc = dv_handle_dbc(h);
		if (dbc && dv_log_enabled(dbc->log, DV_LOG_ERROR))
			dv_logf(dbc->log, DV_LOG_ERROR, h, func, "%s %s",
				dv_sqlstate_code(h->diag.recs[0].state), h->diag.recs[0].message);
	}
	dv_handle_unlock(h);
	return rc;
}

/* The connection's ClientCharset converter, NULL for UTF-8. */
static struct dv_charset *handle_charset(struct dv_handle *h)
{
	struct dv_dbc *dbc = h ? dv_handle_dbc(h) : NULL;
	return dbc ? dbc->charset : NULL;
}

int dv_api_out_ansi(struct dv_handle *h, const char *s, void *buf, SQLLEN buflen,
		    SQLLEN *outlen)
{
	struct dv_charset *cs = handle_charset(h);
	int truncated;
	if (!cs)
		return dv_out_str(s, buf, buflen, outlen);
	truncated = dv_charset_out(cs, s, buf, buflen, outlen);
	return truncated < 0 ? dv_out_str(s, buf, buflen, outlen) : truncated;
}

SQLRETURN dv_api_out(struct dv_handle *h, SQLRETURN rc, const char *s, void *buf,
		     SQLLEN buflen, SQLLEN *outlen, int wide, int in_chars)
{
	int truncated = wide ? dv_out_wstr(s, buf, buflen, outlen, in_chars)
			     : dv_api_out_ansi(h, s, buf, buflen, outlen);
	if (truncated && SQL_SUCCEEDED(rc)) {
		dv_diag_add(&h->diag, DV_S_01004, 0, NULL, SQL_NO_ROW_NUMBER,
			    SQL_NO_COLUMN_NUMBER);
		return SQL_SUCCESS_WITH_INFO;
	}
	return rc;
}

SQLRETURN dv_api_out_small(struct dv_handle *h, SQLRETURN rc, const char *s, void *buf,
			   SQLSMALLINT buflen, SQLSMALLINT *outlen, int wide, int in_chars)
{
	SQLLEN len = 0;
	rc = dv_api_out(h, rc, s, buf, buflen, &len, wide, in_chars);
	dv_set_len_small(outlen, len);
	return rc;
}

SQLRETURN dv_api_out_int(struct dv_handle *h, SQLRETURN rc, const char *s, void *buf,
			 SQLINTEGER buflen, SQLINTEGER *outlen, int wide, int in_chars)
{
	SQLLEN len = 0;
	rc = dv_api_out(h, rc, s, buf, buflen, &len, wide, in_chars);
	dv_set_len_int(outlen, len);
	return rc;
}

char *dv_api_in(struct dv_handle *h, const SQLCHAR *s, SQLINTEGER n, SQLRETURN *rc)
{
	int oom = 0;
	char *r = dv_in_str(s, n, &oom);
	struct dv_charset *cs = handle_charset(h);
	if (oom)
		*rc = dv_diag_error(&h->diag, DV_S_HY001, NULL);
	if (r && cs) {
		struct dv_error err;
		char *u = dv_charset_to_utf8(cs, r, strlen(r), NULL, "a text argument", &err);
		free(r);
		r = u;
		if (!u) {
			dv_diag_add_error(&h->diag, &err);
			*rc = SQL_ERROR;
		}
	}
	return r;
}

char *dv_api_in_w(struct dv_handle *h, const SQLWCHAR *s, SQLINTEGER n, SQLRETURN *rc)
{
	int oom = 0;
	char *r = dv_in_wstr(s, n, &oom);
	if (oom)
		*rc = dv_diag_error(&h->diag, DV_S_HY001, NULL);
	return r;
}
