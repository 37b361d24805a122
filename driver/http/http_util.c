/* http_util.c - pure helpers of the HTTP layer: secret masking for the log,
 * Retry-After parsing and the retry backoff schedule (kept apart from the
 * libcurl code so unit tests reach them directly). */
#include "http/http.h"
#include "http/http_priv.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <time.h>

#define BACKOFF_BASE_MS 250
#define BACKOFF_CAP_MS 8000

static int is_secret_field(const char *name, size_t len)
{
	static const char *const secret[] = {"client_secret", "password", "client_assertion",
					     "refresh_token", "code", "code_verifier",
					     "device_code", "assertion", "access_token", NULL};
	for (size_t i = 0; secret[i]; i++)
		if (strlen(secret[i]) == len && dv_strncasecmp(secret[i], name, len) == 0)
			return 1;
	return 0;
}

int dv_http_mask_form(struct dv_buf *out, const char *body, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t start = i, eq;
		while (i < len && body[i] != '&')
			i++;
		eq = start;
		while (eq < i && body[eq] != '=')
			eq++;
		if (start > 0 && dv_buf_appendc(out, '&') != 0)
			return -1;
		if (eq < i && is_secret_field(body + start, eq - start)) {
			if (dv_buf_append(out, body + start, eq - start + 1) != 0 ||
			    dv_buf_appends(out, "***") != 0)
				return -1;
		} else if (dv_buf_append(out, body + start, i - start) != 0) {
			return -1;
		}
		i++;
	}
	return 0;
}

/* Masks "key": "value" pairs whose key is a token name.  Not a full JSON
 * parser: it only needs to catch token responses, which are flat objects. */
int dv_http_mask_json(struct dv_buf *out, const char *body, size_t len)
{
	static const char *const keys[] = {"\"access_token\"", "\"refresh_token\"",
					   "\"id_token\"", "\"device_code\"", NULL};
	size_t i = 0;
	while (i < len) {
		size_t klen = 0;
		for (size_t k = 0; keys[k] && !klen; k++) {
			size_t n = strlen(keys[k]);
			if (len - i >= n && memcmp(body + i, keys[k], n) == 0)
				klen = n;
		}
		if (!klen) {
			if (dv_buf_appendc(out, body[i++]) != 0)
				return -1;
			continue;
		}
		if (dv_buf_append(out, body + i, klen) != 0)
			return -1;
		i += klen;
		while (i < len && (body[i] == ' ' || body[i] == ':'))
			if (dv_buf_appendc(out, body[i++]) != 0)
				return -1;
		if (i < len && body[i] == '"') {
			i++;
			while (i < len && body[i] != '"')
				i += body[i] == '\\' ? 2 : 1;
			i++;
			if (dv_buf_appends(out, "\"***\"") != 0)
				return -1;
		}
	}
	return 0;
}

long dv_http_parse_retry_after(const char *value)
{
	long secs;
	time_t when;
	if (!value)
		return -1;
	if (dv_parse_long(value, &secs) == 0)
		return secs < 0 ? 0 : secs;
	/* Retry-After may be an HTTP-date (RFC 9110 section 10.2.3) */
	when = curl_getdate(value, NULL);
	if (when == (time_t)-1)
		return -1;
	secs = (long)(when - time(NULL));
	return secs < 0 ? 0 : secs;
}

long dv_http_backoff_ms(int retry, unsigned *seed)
{
	long d = BACKOFF_BASE_MS;
	for (int i = 1; i < retry && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_MS)
		d = BACKOFF_CAP_MS;
	/* "equal jitter": half fixed, half random, so retries of many clients spread */
	return d / 2 + (long)(rand_r(seed) % (unsigned)(d / 2 + 1));
}

/* ---- origins --------------------------------------------------------- */

/* The origin of an absolute http(s) URL as "scheme://host:port" with the
 * scheme and host in lower case and the port explicit, so that equal
 * origins compare equal as text (RFC 6454 section 4). */
int dv_url_origin(const char *url, char *out, size_t size, char *host, size_t host_size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *port = NULL;
	int rc = -1;

	if (!u || !url)
		goto done;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto done;
	for (char *p = scheme; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = h; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (out && (size_t)snprintf(out, size, "%s://%s:%s", scheme, h, port) >= size)
		goto done;
	if (host)
		dv_strlcpy(host, h, host_size);
	rc = 0;
done:
	curl_free(scheme);
	curl_free(h);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int dv_url_same_origin(const char *a, const char *b)
{
	char oa[512], ob[512];
	if (dv_url_origin(a, oa, sizeof(oa), NULL, 0) != 0 ||
	    dv_url_origin(b, ob, sizeof(ob), NULL, 0) != 0)
		return 0;
	return strcmp(oa, ob) == 0;
}

/* Loopback: 127.0.0.0/8, ::1 and the name localhost (RFC 6761 section
 * 6.3 lets resolvers keep "localhost" on the loopback interface). */
static int host_is_loopback(const char *h)
{
	int dots = 0;
	if (dv_strcasecmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0 ||
	    strcmp(h, "::1") == 0)
		return 1;
	if (strncmp(h, "127.", 4) != 0)
		return 0;
	for (const char *p = h; *p; p++) {
		if (*p == '.')
			dots++;
		else if (*p < '0' || *p > '9')
			return 0;
	}
	return dots == 3;
}

int dv_url_cleartext(const char *url, char *host, size_t host_size)
{
	char h[256] = "";
	const char *p = url ? url : "";
	while (*p == ' ' || *p == '\t')
		p++;
	if (dv_strncasecmp(p, "https://", 8) == 0)
		return 0;
	/* a proxy given as host:port is an http:// proxy to libcurl */
	if (dv_url_origin(p, NULL, 0, h, sizeof(h)) != 0) {
		struct dv_buf b;
		dv_buf_init(&b, 0);
		dv_buf_appendf(&b, "http://%s", p);
		int rc = dv_url_origin(dv_buf_str(&b), NULL, 0, h, sizeof(h));
		dv_buf_free(&b);
		if (rc != 0)
			return 0; /* not a URL at all: the caller's validation says so */
	} else if (dv_strncasecmp(p, "http://", 7) != 0 && strstr(p, "://")) {
		return 0; /* socks5:// and the like: not HTTP */
	}
	if (host)
		dv_strlcpy(host, h, host_size);
	return !host_is_loopback(h);
}
