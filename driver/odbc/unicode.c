/* unicode.c - UTF-8 <-> SQLWCHAR (UTF-16 or UTF-32) and application string
 * buffers (see unicode.h). */
#include "config.h"
#include "odbc/unicode.h"
#include "odbc/diag.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT 0xFFFDu

/* Decodes one UTF-8 character at s[*i] (advancing *i); invalid bytes give
 * U+FFFD and advance by one. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	uint32_t cp;
	int extra;
	if (c < 0x80) {
		(*i)++;
		return c;
	} else if ((c & 0xE0) == 0xC0) {
		cp = c & 0x1F;
		extra = 1;
	} else if ((c & 0xF0) == 0xE0) {
		cp = c & 0x0F;
		extra = 2;
	} else if ((c & 0xF8) == 0xF0) {
		cp = c & 0x07;
		extra = 3;
	} else {
		(*i)++;
		return REPLACEMENT;
	}
	if (*i + (size_t)extra >= len) {
		(*i)++;
		return REPLACEMENT;
	}
	for (int k = 1; k <= extra; k++) {
		unsigned char cc = s[*i + (size_t)k];
		if ((cc & 0xC0) != 0x80) {
			(*i)++;
			return REPLACEMENT;
		}
		cp = (cp << 6) | (cc & 0x3F);
	}
	*i += (size_t)extra + 1;
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return REPLACEMENT;
	return cp;
}

/* SQLWCHAR is UTF-16 (2 bytes: unixODBC, Windows) or UTF-32 (4 bytes:
 * iODBC's wchar_t), fixed when the driver is built for its driver manager. */
#if SIZEOF_SQLWCHAR != 2 && SIZEOF_SQLWCHAR != 4
#error "SQLWCHAR is neither 2 nor 4 bytes: configure found no usable sqltypes.h"
#endif
#define WIDE_IS_UTF16 (SIZEOF_SQLWCHAR == 2)

size_t dv_sqlwchar_len(const char *s, size_t len)
{
	size_t i = 0, units = 0;
	while (i < len) {
		uint32_t cp = utf8_next((const unsigned char *)s, len, &i);
		units += WIDE_IS_UTF16 && cp >= 0x10000 ? 2 : 1;
	}
	return units;
}

SQLWCHAR *dv_utf8_to_sqlwchar(const char *s, size_t len, size_t *units)
{
	size_t n = dv_sqlwchar_len(s, len), i = 0, o = 0;
	SQLWCHAR *w = malloc((n + 1) * sizeof(SQLWCHAR));
	if (!w)
		return NULL;
	while (i < len) {
		uint32_t cp = utf8_next((const unsigned char *)s, len, &i);
		if (WIDE_IS_UTF16 && cp >= 0x10000) {
			cp -= 0x10000;
			w[o++] = (SQLWCHAR)(0xD800 + (cp >> 10));
			w[o++] = (SQLWCHAR)(0xDC00 + (cp & 0x3FF));
		} else {
			w[o++] = (SQLWCHAR)cp;
		}
	}
	w[o] = 0;
	if (units)
		*units = o;
	return w;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The code point of w[*i] (advancing *i past it): a UTF-16 surrogate pair
 * is one; a lone surrogate, and in UTF-32 anything past U+10FFFF (wchar_t
 * is signed: negative values too), is U+FFFD. */
static uint32_t wide_next(const SQLWCHAR *w, size_t units, size_t *i)
{
	uint32_t cp = (uint32_t)w[(*i)++];
	if (WIDE_IS_UTF16 && cp >= 0xD800 && cp <= 0xDBFF && *i < units &&
	    (uint32_t)w[*i] >= 0xDC00 && (uint32_t)w[*i] <= 0xDFFF)
		return 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)w[(*i)++] - 0xDC00u);
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return REPLACEMENT;
	return cp;
}

char *dv_sqlwchar_to_utf8(const SQLWCHAR *w, size_t units, size_t *len)
{
	/* a UTF-16 unit gives at most 3 bytes (a pair 4 for 2 units); a UTF-32
	 * unit at most 4 */
	char *out = malloc(units * (WIDE_IS_UTF16 ? 3 : 4) + 1);
	size_t o = 0, i = 0;
	if (!out)
		return NULL;
	while (i < units)
		o += put_utf8(out + o, wide_next(w, units, &i));
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
}

char *dv_in_str(const SQLCHAR *s, SQLINTEGER n, int *oom)
{
	if (oom)
		*oom = 0;
	if (!s)
		return NULL;
	size_t len = n == SQL_NTS || n < 0 ? strlen((const char *)s) : (size_t)n;
	char *r = dv_strndup((const char *)s, len);
	if (!r && oom)
		*oom = 1;
	return r;
}

char *dv_in_wstr(const SQLWCHAR *s, SQLINTEGER n, int *oom)
{
	if (oom)
		*oom = 0;
	if (!s)
		return NULL;
	size_t units = 0;
	if (n == SQL_NTS || n < 0) {
		while (s[units])
			units++;
	} else {
		units = (size_t)n;
	}
	char *r = dv_sqlwchar_to_utf8(s, units, NULL);
	if (!r && oom)
		*oom = 1;
	return r;
}

/* Longest prefix of s (bytes) not longer than max that ends on a character
 * boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t cut = max;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	return cut;
}

int dv_out_str(const char *s, void *buf, SQLLEN buflen, SQLLEN *outlen)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	if (outlen)
		*outlen = (SQLLEN)len;
	if (!buf)
		return 0;
	if (buflen <= 0)
		return len > 0;
	size_t n = utf8_cut(s, len, (size_t)buflen - 1);
	memcpy(buf, s, n);
	((char *)buf)[n] = '\0';
	return n < len;
}

int dv_out_wstr(const char *s, void *buf, SQLLEN buflen, SQLLEN *outlen, int in_chars)
{
	size_t units = 0;
	if (!s)
		s = "";
	SQLWCHAR *w = dv_utf8_to_sqlwchar(s, strlen(s), &units);
	if (!w) {
		if (outlen)
			*outlen = 0;
		return 0;
	}
	if (outlen)
		*outlen = (SQLLEN)(in_chars ? units : units * sizeof(SQLWCHAR));
	SQLLEN cap = in_chars ? buflen : buflen / (SQLLEN)sizeof(SQLWCHAR);
	int truncated = 0;
	if (buf && cap > 0) {
		size_t n = units < (size_t)cap ? units : (size_t)cap - 1;
		if (WIDE_IS_UTF16 && n < units && n > 0 && w[n - 1] >= 0xD800 &&
		    w[n - 1] <= 0xDBFF)
			n--; /* never half a surrogate pair */
		memcpy(buf, w, n * sizeof(SQLWCHAR));
		((SQLWCHAR *)buf)[n] = 0;
		truncated = n < units;
	} else if (buf) {
		truncated = units > 0;
	}
	free(w);
	return truncated;
}

void dv_set_len_small(SQLSMALLINT *p, SQLLEN v)
{
	if (p)
		*p = (SQLSMALLINT)(v > 32767 ? 32767 : v);
}

void dv_set_len_int(SQLINTEGER *p, SQLLEN v)
{
	if (p)
		*p = (SQLINTEGER)v;
}

/* Well-formed UTF-8: Unicode 15, table 3-7.
 * https://www.unicode.org/versions/Unicode15.0.0/ch03.pdf#G27506 */
size_t dv_utf8_bad_at(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xBF;
		int extra, k;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			extra = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			extra = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			extra = 3;
		else
			return i;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		else if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		if (i + (size_t)extra >= len)
			return i;
		for (k = 1; k <= extra; k++) {
			unsigned char b = s[i + (size_t)k];
			if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
				return i;
		}
		i += (size_t)extra + 1;
	}
	return len;
}

int dv_utf8_check(struct dv_diag *d, const char *s, size_t len, const char *what)
{
	size_t bad = dv_utf8_bad_at(s, len), chars = 0, i;
	if (bad == len)
		return 0;
	for (i = 0; i < bad; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			chars++;
	dv_diag_addf(d, DV_S_22018,
		     "%s is not UTF-8: byte 0x%02X at character %zu (byte %zu) does not start a "
		     "UTF-8 character; ANSI functions take UTF-8 text: set the connection key "
		     "ClientCharset to the application's character set (e.g. "
		     "ClientCharset=windows-1252), or use the W functions", what,
		     (unsigned char)s[bad], chars + 1, bad + 1);
	return -1;
}
