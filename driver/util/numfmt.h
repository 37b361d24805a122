/* numfmt.h - numbers to and from text without the C library's printf and
 * strto* family, for the per-value paths (page parsing, SQL_C_CHAR).
 *
 * Owns: integer formatting, and exact fast paths for reading a counted
 * (not NUL-terminated) JSON integer or decimal number.  The readers only
 * answer when they are certainly exact; they return -1 otherwise and the
 * caller takes its general (strtoll/strtod) way, so results never differ
 * from that way's. */
#ifndef DV_UTIL_NUMFMT_H
#define DV_UTIL_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

/* Characters dv_fmt_int64 writes at most (sign and 19 digits), no NUL. */
#define DV_FMT_INT64_MAX 20

/* v in decimal, as "%" PRId64 writes it, into out (at least
 * DV_FMT_INT64_MAX bytes; no terminator).  Returns the length. */
size_t dv_fmt_int64(int64_t v, char *out);

/* s[0..len) of the form -?[0-9]{1,18} (no blanks, no '+') as an integer:
 * 0, or -1 for anything else (longer, other characters), which the caller
 * reads its general way.  18 digits never overflow. */
int dv_scan_int64(const char *s, size_t len, int64_t *out);

/* s[0..len) of the form -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)? as the
 * double strtod reads from it, when that takes one exact operation: at
 * most 19 significant digits, the digits below 2^53 and a power of ten
 * between 10^-22 and 10^22 (Clinger's fast path: both operands are exact
 * doubles, so the product or quotient is the correctly rounded value).
 * 0, or -1 when it cannot say (then strtod). */
int dv_scan_double(const char *s, size_t len, double *out);

#endif
