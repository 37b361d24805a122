/* buf.h - growable byte buffer with a ceiling (after curl's dynbuf).
 *
 * Owns: struct dv_buf.  The data is always NUL-terminated so text can be
 * used as a C string.  A buffer refuses to grow past its max (0 = the
 * default ceiling DV_BUF_DEFAULT_MAX); appends then fail with -1 and the
 * buffer keeps its old contents. */
#ifndef DV_UTIL_BUF_H
#define DV_UTIL_BUF_H

#include <stddef.h>
#include <stdarg.h>

#define DV_BUF_DEFAULT_MAX ((size_t)256 * 1024 * 1024)

struct dv_buf {
	char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;
};

void dv_buf_init(struct dv_buf *b, size_t max);
void dv_buf_free(struct dv_buf *b);
/* Empties the buffer, keeping its memory. */
void dv_buf_reset(struct dv_buf *b);
int dv_buf_append(struct dv_buf *b, const void *data, size_t len);
int dv_buf_appends(struct dv_buf *b, const char *s);
int dv_buf_appendc(struct dv_buf *b, char c);
int dv_buf_appendf(struct dv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int dv_buf_vappendf(struct dv_buf *b, const char *fmt, va_list ap);
/* Returns the text ("" when empty); never NULL. */
const char *dv_buf_str(const struct dv_buf *b);
/* Hands the malloc'd text to the caller (never NULL on success) and resets b. */
char *dv_buf_steal(struct dv_buf *b);

#endif
