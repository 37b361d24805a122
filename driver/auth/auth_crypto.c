/* auth_crypto.c - the small cryptographic helpers of the OAuth flows (OpenSSL).
 *
 * Owns: base64url without padding (JWT, PKCE), random values (PKCE verifier,
 * state, jti) from RAND_bytes, the PKCE S256 challenge, and wiping secrets
 * before they are freed.
 * Source: RFC 7636 section 4.1-4.2 (verifier 43-128 chars of [A-Za-z0-9-._~],
 *         challenge = BASE64URL(SHA256(ASCII(verifier)))); RFC 7515 appendix C. */
#include "auth/auth_priv.h"
#include "util/buf.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

int dv_auth_b64url(struct dv_buf *b, const unsigned char *data, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
		char out[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63],
			       alphabet[v & 63]};
		if (dv_buf_append(b, out, 4) != 0)
			return -1;
	}
	if (len - i == 1) {
		unsigned v = (unsigned)data[i] << 16;
		char out[2] = {alphabet[v >> 18], alphabet[(v >> 12) & 63]};
		return dv_buf_append(b, out, 2);
	}
	if (len - i == 2) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8;
		char out[3] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63]};
		return dv_buf_append(b, out, 3);
	}
	return 0;
}

int dv_auth_random_b64url(struct dv_buf *b, size_t n)
{
	unsigned char bytes[64];
	int rc;
	if (n > sizeof(bytes) || RAND_bytes(bytes, (int)n) != 1)
		return -1;
	rc = dv_auth_b64url(b, bytes, n);
	OPENSSL_cleanse(bytes, sizeof(bytes));
	return rc;
}

int dv_auth_sha256_b64url(struct dv_buf *b, const char *text)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)text, strlen(text), md);
	return dv_auth_b64url(b, md, sizeof(md));
}

void dv_auth_free_secret(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}
