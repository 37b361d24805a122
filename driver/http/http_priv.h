/* http_priv.h - pieces of the HTTP layer shared between its files. */
#ifndef DV_HTTP_HTTP_PRIV_H
#define DV_HTTP_HTTP_PRIV_H

#include <stddef.h>

struct dv_buf;

/* Appends a form body (a=1&b=2) with the values of secret fields
 * (client_secret, password, client_assertion, refresh_token, code,
 * code_verifier, device_code, assertion) replaced by "***". */
int dv_http_mask_form(struct dv_buf *out, const char *body, size_t len);
/* Appends a JSON body with the string values of "access_token",
 * "refresh_token" and "id_token" replaced by "***". */
int dv_http_mask_json(struct dv_buf *out, const char *body, size_t len);
/* Parses a Retry-After value: delta seconds or an HTTP date (relative to
 * now).  Returns seconds >= 0, or -1 when unparsable. */
long dv_http_parse_retry_after(const char *value);
/* Backoff before retry number `retry` (1, 2, ...): capped exponential with
 * jitter, in milliseconds; *seed is the caller's PRNG state. */
long dv_http_backoff_ms(int retry, unsigned *seed);

#endif
