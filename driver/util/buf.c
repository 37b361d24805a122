/* buf.c - growable byte buffer with a ceiling (see buf.h). */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dv_buf_init(struct dv_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : DV_BUF_DEFAULT_MAX;
}

void dv_buf_free(struct dv_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void dv_buf_reset(struct dv_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_reserve(struct dv_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;
	if (extra > b->max || b->len > b->max - extra)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int dv_buf_append(struct dv_buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) != 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int dv_buf_appends(struct dv_buf *b, const char *s)
{
	return dv_buf_append(b, s, strlen(s));
}

int dv_buf_appendc(struct dv_buf *b, char c)
{
	return dv_buf_append(b, &c, 1);
}

int dv_buf_vappendf(struct dv_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_reserve(b, (size_t)n) != 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int dv_buf_appendf(struct dv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = dv_buf_vappendf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *dv_buf_str(const struct dv_buf *b)
{
	return b->data ? b->data : "";
}

char *dv_buf_steal(struct dv_buf *b)
{
	char *s = b->data;
	if (!s) {
		s = malloc(1);
		if (s)
			s[0] = '\0';
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return s;
}
