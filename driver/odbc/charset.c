/* charset.c - ClientCharset conversions with iconv (see charset.h).
 *
 * HOW IT WORKS: a connection whose ClientCharset is not UTF-8 opens two
 * iconv descriptors, charset -> UTF-8 and UTF-8 -> charset.  A descriptor
 * keeps shift state and is not safe to share between threads, and the
 * statements of one connection may run on several threads, so each
 * direction has its own mutex, held for one string.  The output direction
 * never fails on a character: EILSEQ (not representable) writes '?', skips
 * that UTF-8 character and goes on, as SQL Server's driver does when it
 * translates to the client code page.
 * Source: https://www.gnu.org/software/libc/manual/html_node/Generic-Conversion-Interface.html */
#include "odbc/charset.h"
#include "util/strutil.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct dv_charset {
	char *name;
	iconv_t in;            /* charset -> UTF-8 */
	iconv_t out;           /* UTF-8 -> charset */
	pthread_mutex_t in_lock, out_lock;
};

int dv_charset_is_utf8(const char *name)
{
	return !name || !*name || dv_strcasecmp(name, "UTF-8") == 0 ||
	       dv_strcasecmp(name, "UTF8") == 0;
}

struct dv_charset *dv_charset_open(const char *name, struct dv_error *err)
{
	struct dv_charset *cs = calloc(1, sizeof(*cs));
	if (!cs || !(cs->name = dv_strdup(name))) {
		free(cs);
		dv_error_nomem(err);
		return NULL;
	}
	cs->in = iconv_open("UTF-8", name);
	cs->out = iconv_open(name, "UTF-8");
	if (cs->in == (iconv_t)-1 || cs->out == (iconv_t)-1) {
		dv_error_set(err, DV_S_HY024, 0,
			     "ClientCharset '%.100s' is not a character set iconv knows", name);
		if (cs->in != (iconv_t)-1)
			iconv_close(cs->in);
		if (cs->out != (iconv_t)-1)
			iconv_close(cs->out);
		free(cs->name);
		free(cs);
		return NULL;
	}
	pthread_mutex_init(&cs->in_lock, NULL);
	pthread_mutex_init(&cs->out_lock, NULL);
	return cs;
}

void dv_charset_free(struct dv_charset *cs)
{
	if (!cs)
		return;
	iconv_close(cs->in);
	iconv_close(cs->out);
	pthread_mutex_destroy(&cs->in_lock);
	pthread_mutex_destroy(&cs->out_lock);
	free(cs->name);
	free(cs);
}

const char *dv_charset_name(const struct dv_charset *cs)
{
	return cs ? cs->name : "UTF-8";
}

/* Grows *buf (capacity *cap) so that `need` more bytes fit after used. */
static int grow(char **buf, size_t *cap, size_t used, size_t need)
{
	size_t c = *cap;
	char *p;
	if (used + need <= c)
		return 0;
	while (used + need > c)
		c = c * 2 + 16;
	p = realloc(*buf, c);
	if (!p)
		return -1;
	*buf = p;
	*cap = c;
	return 0;
}

char *dv_charset_to_utf8(struct dv_charset *cs, const char *s, size_t len, size_t *out_len,
			 const char *what, struct dv_error *err)
{
	size_t cap = len * 2 + 16, used = 0, left = len;
	char *out = malloc(cap), *in = (char *)s;
	int bad = 0;
	if (!out) {
		dv_error_nomem(err);
		return NULL;
	}
	pthread_mutex_lock(&cs->in_lock);
	iconv(cs->in, NULL, NULL, NULL, NULL);
	while (left > 0) {
		char *o = out + used;
		size_t room = cap - used - 1;
		size_t r = iconv(cs->in, &in, &left, &o, &room);
		used = (size_t)(o - out);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG && grow(&out, &cap, used, cap) == 0)
			continue;
		bad = errno == E2BIG ? -1 : 1;
		break;
	}
	pthread_mutex_unlock(&cs->in_lock);
	if (bad) {
		size_t at = (size_t)(in - s);
		free(out);
		if (bad < 0)
			dv_error_nomem(err);
		else
			dv_error_set(err, DV_S_22018, 0,
				     "%s is not %s text: byte 0x%02X at byte %zu is not a character "
				     "of that character set (ClientCharset); set ClientCharset to "
				     "the application's character set, or use the W functions",
				     what, cs->name, (unsigned char)s[at], at + 1);
		return NULL;
	}
	out[used] = '\0';
	if (out_len)
		*out_len = used;
	return out;
}

/* Length of the UTF-8 character starting with byte c (1 for a bad byte). */
static size_t utf8_char_len(unsigned char c)
{
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	if (c >= 0xE0)
		return c <= 0xEF ? 3 : 1;
	if (c >= 0xC2)
		return 2;
	return 1;
}

char *dv_charset_from_utf8(struct dv_charset *cs, const char *s, size_t len,
			   size_t *out_len, size_t *lost)
{
	size_t cap = len + 16, used = 0, left = len, nlost = 0;
	char *out = malloc(cap), *in = (char *)s;
	int oom = 0;
	if (!out)
		return NULL;
	pthread_mutex_lock(&cs->out_lock);
	iconv(cs->out, NULL, NULL, NULL, NULL);
	while (left > 0) {
		char *o = out + used;
		size_t room = cap - used - 1;
		size_t r = iconv(cs->out, &in, &left, &o, &room);
		used = (size_t)(o - out);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG) {
			if (grow(&out, &cap, used, cap) != 0) {
				oom = 1;
				break;
			}
			continue;
		}
		/* EILSEQ: not representable (or not UTF-8); EINVAL: cut short */
		if (grow(&out, &cap, used, 2) != 0) {
			oom = 1;
			break;
		}
		out[used++] = '?';
		nlost++;
		size_t skip = utf8_char_len((unsigned char)*in);
		if (skip > left)
			skip = left;
		in += skip;
		left -= skip;
	}
	/* the final shift sequence of a stateful character set */
	if (!oom && grow(&out, &cap, used, 16) == 0) {
		char *o = out + used;
		size_t room = cap - used - 1;
		iconv(cs->out, NULL, NULL, &o, &room);
		used = (size_t)(o - out);
	}
	pthread_mutex_unlock(&cs->out_lock);
	if (oom) {
		free(out);
		return NULL;
	}
	out[used] = '\0';
	if (out_len)
		*out_len = used;
	if (lost)
		*lost = nlost;
	return out;
}

int dv_charset_out(struct dv_charset *cs, const char *s, void *buf, SQLLEN buflen,
		   SQLLEN *outlen)
{
	size_t len = 0, n;
	char *t;
	if (!s)
		s = "";
	t = dv_charset_from_utf8(cs, s, strlen(s), &len, NULL);
	if (!t)
		return -1;
	if (outlen)
		*outlen = (SQLLEN)len;
	if (!buf || buflen <= 0) {
		free(t);
		return buf && len > 0;
	}
	n = len < (size_t)buflen ? len : (size_t)buflen - 1;
	memcpy(buf, t, n);
	((char *)buf)[n] = '\0';
	free(t);
	return n < len;
}
