/* api.h - helpers shared by the exported entry points (api_*.c).
 *
 * Every SQLXxx: check the handle, lock it, clear its diagnostics, call the
 * internal UTF-8 function, record the return code, unlock.  Never call an
 * exported SQL* from inside the driver. */
#ifndef DV_ODBC_API_H
#define DV_ODBC_API_H

#include "odbc/handles.h"
#include "odbc/unicode.h"

/* NULL when h is not a live handle of the type (return SQL_INVALID_HANDLE). */
struct dv_handle *dv_api_enter(SQLHANDLE h, enum dv_htype type);
/* Same without clearing diagnostics (SQLGetDiagRec/Field). */
struct dv_handle *dv_api_enter_keep(SQLHANDLE h, enum dv_htype type);
/* Records rc, logs a failure (first diagnostic, with the entry point's name)
 * to the connection's log, unlocks. */
SQLRETURN dv_api_leave_at(struct dv_handle *h, SQLRETURN rc, const char *func);
#define dv_api_leave(h, rc) dv_api_leave_at((h), (rc), __func__)

/* Writes a UTF-8 result as ANSI (bytes) or UTF-16 (in_chars: lengths in
 * characters, else in bytes).  Adds 01004 and returns SQL_SUCCESS_WITH_INFO
 * when truncated, else rc unchanged. */
SQLRETURN dv_api_out(struct dv_handle *h, SQLRETURN rc, const char *s, void *buf,
		     SQLLEN buflen, SQLLEN *outlen, int wide, int in_chars);
/* dv_out_str in the connection's ClientCharset (UTF-8 without one):
 * returns 1 when truncated (the caller reports 01004), else 0. */
int dv_api_out_ansi(struct dv_handle *h, const char *s, void *buf, SQLLEN buflen,
		    SQLLEN *outlen);
/* Variants for SQLSMALLINT and SQLINTEGER length pointers. */
SQLRETURN dv_api_out_small(struct dv_handle *h, SQLRETURN rc, const char *s, void *buf,
			   SQLSMALLINT buflen, SQLSMALLINT *outlen, int wide, int in_chars);
SQLRETURN dv_api_out_int(struct dv_handle *h, SQLRETURN rc, const char *s, void *buf,
			 SQLINTEGER buflen, SQLINTEGER *outlen, int wide, int in_chars);

/* Input strings; on no memory returns NULL and sets *rc to SQL_ERROR with
 * HY001.  ANSI text of a connection with a ClientCharset is converted to
 * UTF-8 (22018 when it is not valid in that character set). */
char *dv_api_in(struct dv_handle *h, const SQLCHAR *s, SQLINTEGER n, SQLRETURN *rc);
char *dv_api_in_w(struct dv_handle *h, const SQLWCHAR *s, SQLINTEGER n, SQLRETURN *rc);

/* A W function's string length given in bytes (SQLSetConnectAttrW,
 * SQLSetDescFieldW) as the character count dv_api_in_w takes; SQL_NTS and
 * other negative values pass through. */
static inline SQLINTEGER dv_api_wlen_chars(SQLINTEGER bytes)
{
	return bytes < 0 ? bytes : bytes / (SQLINTEGER)sizeof(SQLWCHAR);
}

#endif
