/* strutil.c - small string helpers (see strutil.h). */
#include "util/strutil.h"
#include "util/buf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

char *dv_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *dv_strndup(const char *s, size_t n)
{
	char *p;
	if (!s)
		return NULL;
	p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t dv_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int dv_strcasecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = lower((unsigned char)*a), cb = lower((unsigned char)*b);
		if (ca != cb || !ca)
			return ca - cb;
	}
}

int dv_strncasecmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		int ca = lower((unsigned char)*a), cb = lower((unsigned char)*b);
		if (ca != cb || !ca)
			return ca - cb;
	}
	return 0;
}

int dv_parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;
	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int dv_parse_long(const char *s, long *out)
{
	int64_t v;
	if (dv_parse_int64(s, &v) != 0 || v < LONG_MIN || v > LONG_MAX)
		return -1;
	*out = (long)v;
	return 0;
}

int dv_parse_bool(const char *s, int *out)
{
	static const char *yes[] = {"1", "true", "yes", "on", NULL};
	static const char *no[] = {"0", "false", "no", "off", NULL};
	if (!s)
		return -1;
	for (int i = 0; yes[i]; i++)
		if (dv_strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
	for (int i = 0; no[i]; i++)
		if (dv_strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

int dv_url_encode(struct dv_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			if (dv_buf_appendc(b, (char)c) != 0)
				return -1;
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			if (dv_buf_append(b, e, 3) != 0)
				return -1;
		}
	}
	return 0;
}

void dv_freep(char **p)
{
	free(*p);
	*p = NULL;
}
