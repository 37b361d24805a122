/* unicode.h - the one place where text crosses between the application and
 * the driver.
 *
 * Owns: SQLWCHAR <-> UTF-8 conversion, reading ANSI/W input strings (SQL_NTS
 * or a length) into malloc'd UTF-8, and writing UTF-8 results into
 * application buffers as ANSI or SQLWCHAR with truncation at a character
 * boundary.  SQLWCHAR is what the driver manager's sqltypes.h says, fixed at
 * build time (SIZEOF_SQLWCHAR): 2 bytes, UTF-16 with surrogate pairs
 * (unixODBC, Windows), or 4 bytes, UTF-32 (iODBC's wchar_t, configure
 * --with-iodbc).  Lengths "in characters" of W functions count SQLWCHAR
 * units.  The driver works in UTF-8 everywhere else; ANSI strings are taken
 * to be UTF-8. */
#ifndef DV_ODBC_UNICODE_H
#define DV_ODBC_UNICODE_H

#include <stddef.h>

#include <sql.h>
#include <sqlext.h>

/* Input: n characters/units or SQL_NTS.  Returns malloc'd UTF-8, or NULL
 * when s is NULL or memory runs out (*oom set to 1 in that case, if given). */
char *dv_in_str(const SQLCHAR *s, SQLINTEGER n, int *oom);
char *dv_in_wstr(const SQLWCHAR *s, SQLINTEGER n, int *oom);

/* UTF-8 -> malloc'd, 0-terminated SQLWCHAR text; *units = its length in
 * SQLWCHARs without the 0.  Invalid UTF-8 becomes U+FFFD. */
SQLWCHAR *dv_utf8_to_sqlwchar(const char *s, size_t len, size_t *units);
/* SQLWCHAR text of `units` SQLWCHARs -> malloc'd UTF-8; *len = byte length.
 * Lone surrogates (and UTF-32 values past U+10FFFF) become U+FFFD. */
char *dv_sqlwchar_to_utf8(const SQLWCHAR *w, size_t units, size_t *len);
/* Number of SQLWCHARs s would need. */
size_t dv_sqlwchar_len(const char *s, size_t len);
/* The names from before SQLWCHAR could be UTF-32: the same functions. */
#define dv_utf8_to_utf16 dv_utf8_to_sqlwchar
#define dv_utf16_to_utf8 dv_sqlwchar_to_utf8
#define dv_utf16_len dv_sqlwchar_len

/* Output: writes s (NULL = "") into buf of buflen BYTES, NUL-terminated,
 * truncated at a character boundary; *outlen (if set) gets the full length
 * in bytes.  Returns 1 when truncated (the caller reports 01004), else 0. */
int dv_out_str(const char *s, void *buf, SQLLEN buflen, SQLLEN *outlen);
/* Same into a SQLWCHAR buffer; buflen and *outlen are in characters when
 * in_chars is set, else in bytes. */
int dv_out_wstr(const char *s, void *buf, SQLLEN buflen, SQLLEN *outlen, int in_chars);

/* Offset of the first byte of s[0..len) that does not start a well-formed
 * UTF-8 character (overlong forms, surrogates and values past U+10FFFF are
 * not), or len when all of it is UTF-8. */
size_t dv_utf8_bad_at(const char *s, size_t len);
struct dv_diag;
/* Checks text an application passed in as UTF-8 (ANSI SQL text, SQL_C_CHAR
 * parameters, their SQLPutData pieces): 0, or -1 with 22018 on d naming
 * what (`what`, e.g. "the SQL text" or "parameter 2") and where. */
int dv_utf8_check(struct dv_diag *d, const char *s, size_t len, const char *what);

/* Small helpers for the SQLSMALLINT / SQLINTEGER length pointers. */
void dv_set_len_small(SQLSMALLINT *p, SQLLEN v);
void dv_set_len_int(SQLINTEGER *p, SQLLEN v);

#endif
