/* charset.h - the character set of the ANSI entry points (ClientCharset).
 *
 * Owns: converting the text ANSI callers exchange with the driver between
 * the connection's ClientCharset (ISO-8859-1, windows-1252, any iconv name)
 * and UTF-8, the driver's text everywhere else, with glibc's iconv.  With
 * the default UTF-8 there is no dv_charset (NULL) and nothing is converted:
 * the callers keep their UTF-8 checks (22018).  Input that is not valid in
 * the character set is 22018 naming the byte; output characters the set
 * cannot hold are written as '?' and counted, so the caller can warn.
 * The W entry points and SQL_C_WCHAR never come here. */
#ifndef DV_ODBC_CHARSET_H
#define DV_ODBC_CHARSET_H

#include <stddef.h>

#include <sql.h>

#include "util/error.h"

struct dv_charset;

/* True when name means UTF-8 (no conversion needed). */
int dv_charset_is_utf8(const char *name);
/* Opens converters for name (an iconv name); NULL with err (HY024) when
 * iconv does not know it or memory runs out. */
struct dv_charset *dv_charset_open(const char *name, struct dv_error *err);
void dv_charset_free(struct dv_charset *cs);
const char *dv_charset_name(const struct dv_charset *cs);

/* Application text s[0..len) -> malloc'd, 0-terminated UTF-8 (*out_len its
 * length, may be NULL).  NULL with err: 22018 naming `what` and the byte
 * that is not valid in the character set, or HY001. */
char *dv_charset_to_utf8(struct dv_charset *cs, const char *s, size_t len, size_t *out_len,
			 const char *what, struct dv_error *err);
/* UTF-8 s[0..len) -> malloc'd, 0-terminated text in the character set
 * (*out_len its length); characters it cannot hold become '?' and are
 * counted in *lost (may be NULL).  NULL when memory runs out. */
char *dv_charset_from_utf8(struct dv_charset *cs, const char *s, size_t len,
			   size_t *out_len, size_t *lost);

/* Writes UTF-8 s (NULL = "") into an ANSI buffer of buflen bytes in the
 * character set, NUL-terminated and cut at a byte (the character sets
 * ClientCharset is for are single-byte); *outlen (if set) gets the full
 * length in bytes.  Returns 1 when truncated, 0 when not, -1 when memory
 * runs out (nothing written). */
int dv_charset_out(struct dv_charset *cs, const char *s, void *buf, SQLLEN buflen,
		   SQLLEN *outlen);

#endif
