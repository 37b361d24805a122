/* strutil.h - small string helpers used by every layer.
 *
 * Owns: copying, case-insensitive comparison, strict number parsing and
 * percent-encoding.  No function here allocates unless its name says dup. */
#ifndef DV_UTIL_STRUTIL_H
#define DV_UTIL_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

struct dv_buf;

/* strdup that accepts NULL (returns NULL). */
char *dv_strdup(const char *s);
char *dv_strndup(const char *s, size_t n);
/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t dv_strlcpy(char *dst, const char *src, size_t size);
/* ASCII case-insensitive comparisons (locale independent). */
int dv_strcasecmp(const char *a, const char *b);
int dv_strncasecmp(const char *a, const char *b, size_t n);
/* Whole-string integer parse: leading/trailing blanks allowed, nothing else.
 * Returns 0 on success, -1 on junk or overflow. */
int dv_parse_int64(const char *s, int64_t *out);
int dv_parse_long(const char *s, long *out);
/* Parses yes/no/true/false/on/off/1/0 (case-insensitive); -1 on junk. */
int dv_parse_bool(const char *s, int *out);
/* Appends s percent-encoded for a URL query value (RFC 3986 unreserved kept). */
int dv_url_encode(struct dv_buf *b, const char *s, size_t len);
/* Frees *p and sets it to NULL. */
void dv_freep(char **p);

#endif
