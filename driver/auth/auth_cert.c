/* auth_cert.c - client credentials with a certificate (JWT client assertion).
 *
 * POST <authority>/<tenant>/oauth2/v2.0/token with grant_type=client_credentials&
 * client_id&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:
 * jwt-bearer&client_assertion=<JWT>&scope=<URL>/.default.  The JWT is signed
 * with the private key of OAuthJWTCert (a PEM file holding the certificate and
 * the key, or a PKCS#12 file; OAuthJWTCertPassword decrypts either):
 *   RS256: {"alg":"RS256","typ":"JWT","x5t":b64url(SHA-1(cert DER))}
 *   PS256: {"alg":"PS256","typ":"JWT","x5t#S256":b64url(SHA-256(cert DER))}
 *   claims aud = token URL, iss = sub = client id, jti (random GUID), nbf =
 *   iat = now, exp = now + 10 min.
 * A new assertion is made for every token request (they are short-lived).
 * Source: https://learn.microsoft.com/entra/identity-platform/certificate-credentials
 *         spec section 15; RFC 7515 (JWS), RFC 8017 (PKCS#1 v1.5, PSS). */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define ASSERTION_LIFETIME 600

struct credential {
	EVP_PKEY *key;
	X509 *cert;
};

static int cert_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_AZURE_SERVICE_PRINCIPAL && cfg->oauth_jwt_cert &&
	       *cfg->oauth_jwt_cert;
}

static int is_pfx(const struct dv_config *cfg)
{
	return cfg->oauth_jwt_cert_type && strcmp(cfg->oauth_jwt_cert_type, "PFXFILE") == 0;
}

static int pem_password(char *buf, int size, int rwflag, void *u)
{
	const char *pw = u;
	size_t len = pw ? strlen(pw) : 0;
	if (!pw || len >= (size_t)size)
		return 0;
	memcpy(buf, pw, len);
	return (int)len;
}

static int cert_error(const struct dv_config *cfg, const char *what, struct dv_error *err)
{
	char why[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	return dv_error_set(err, DV_S_28000, 0, "cannot %s from OAuthJWTCert=%.300s "
			    "(OAuthJWTCertType=%s): %s; check the file and OAuthJWTCertPassword",
			    what, cfg->oauth_jwt_cert, is_pfx(cfg) ? "PFXFILE" : "PEMKEY_FILE",
			    e ? why : "not found in the file");
}

static int load_pem(const struct dv_config *cfg, FILE *fp, struct credential *c,
		    struct dv_error *err)
{
	void *pw = cfg->oauth_jwt_cert_password;
	c->cert = PEM_read_X509(fp, NULL, pem_password, pw);
	if (!c->cert)
		return cert_error(cfg, "read the certificate", err);
	rewind(fp);
	c->key = PEM_read_PrivateKey(fp, NULL, pem_password, pw);
	if (!c->key)
		return cert_error(cfg, "read the private key", err);
	return 0;
}

static int load_pfx(const struct dv_config *cfg, FILE *fp, struct credential *c,
		    struct dv_error *err)
{
	const char *pw = cfg->oauth_jwt_cert_password ? cfg->oauth_jwt_cert_password : "";
	PKCS12 *p12 = d2i_PKCS12_fp(fp, NULL);
	int ok;
	if (!p12)
		return cert_error(cfg, "read the PKCS#12 file", err);
	ok = PKCS12_parse(p12, pw, &c->key, &c->cert, NULL);
	PKCS12_free(p12);
	if (!ok || !c->key || !c->cert)
		return cert_error(cfg, "decrypt the PKCS#12 file", err);
	return 0;
}

static void credential_free(struct credential *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
}

static int load_credential(const struct dv_config *cfg, struct credential *c,
			   struct dv_error *err)
{
	FILE *fp = fopen(cfg->oauth_jwt_cert, is_pfx(cfg) ? "rb" : "r");
	int rc;
	memset(c, 0, sizeof(*c));
	if (!fp)
		return dv_error_set(err, DV_S_28000, errno, "cannot open OAuthJWTCert=%.300s: %s",
				    cfg->oauth_jwt_cert, strerror(errno));
	rc = is_pfx(cfg) ? load_pfx(cfg, fp, c, err) : load_pem(cfg, fp, c, err);
	fclose(fp);
	if (rc == 0 && EVP_PKEY_base_id(c->key) != EVP_PKEY_RSA)
		rc = dv_error_set(err, DV_S_28000, 0, "the key in OAuthJWTCert=%.300s is not an "
				  "RSA key: the identity platform accepts RSA certificates",
				  cfg->oauth_jwt_cert);
	if (rc == 0 && X509_check_private_key(c->cert, c->key) != 1) {
		ERR_clear_error();
		rc = dv_error_set(err, DV_S_28000, 0, "the private key in OAuthJWTCert=%.300s does "
				  "not belong to its certificate", cfg->oauth_jwt_cert);
	}
	if (rc != 0)
		credential_free(c);
	return rc;
}

/* Appends the b64url thumbprint of the certificate (SHA-1 or SHA-256 of DER). */
static int thumbprint(struct dv_buf *b, X509 *cert, int sha256)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (X509_digest(cert, sha256 ? EVP_sha256() : EVP_sha1(), md, &len) != 1)
		return -1;
	return dv_auth_b64url(b, md, len);
}

static int random_guid(char out[37])
{
	unsigned char r[16];
	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
	return 0;
}

/* Appends "<b64url header>.<b64url claims>" to b. */
static int signing_input(struct dv_auth *auth, X509 *cert, int pss, struct dv_buf *b)
{
	const char *cid = auth->cfg->oauth_client_id;
	struct dv_buf json;
	char jti[37];
	long long now = (long long)time(NULL);
	int rc = 0;

	dv_buf_init(&json, 0);
	rc |= dv_buf_appendf(&json, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"%s\":\"",
			     pss ? "PS256" : "RS256", pss ? "x5t#S256" : "x5t");
	rc |= thumbprint(&json, cert, pss);
	rc |= dv_buf_appends(&json, "\"}");
	rc |= dv_auth_b64url(b, (const unsigned char *)json.data, json.len);
	rc |= dv_buf_appendc(b, '.');
	dv_buf_reset(&json);
	rc |= random_guid(jti);
	/* token URL and client id are URL/GUID text: no JSON escaping needed */
	rc |= dv_buf_appendf(&json, "{\"aud\":\"%s\",\"iss\":\"%s\",\"sub\":\"%s\",\"jti\":\"%s\","
			     "\"nbf\":%lld,\"iat\":%lld,\"exp\":%lld}", auth->token_url, cid, cid,
			     jti, now, now, now + ASSERTION_LIFETIME);
	rc |= dv_auth_b64url(b, (const unsigned char *)json.data, json.len);
	dv_buf_free(&json);
	return rc ? -1 : 0;
}

/* Appends ".<b64url signature>" of the text in b. */
static int sign(EVP_PKEY *key, int pss, struct dv_buf *b)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig = NULL;
	size_t len = 0;
	int rc = -1;

	if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1)
		goto out;
	/* Source: RFC 7518 section 3.5: PS256 = RSASSA-PSS, SHA-256, MGF1 SHA-256,
	 * salt as long as the hash. */
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto out;
	if (EVP_DigestSign(md, NULL, &len, (const unsigned char *)b->data, b->len) != 1)
		goto out;
	sig = OPENSSL_malloc(len);
	if (!sig || EVP_DigestSign(md, sig, &len, (const unsigned char *)b->data, b->len) != 1)
		goto out;
	if (dv_buf_appendc(b, '.') == 0 && dv_auth_b64url(b, sig, len) == 0)
		rc = 0;
out:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return rc;
}

int dv_auth_cert_assertion(struct dv_auth *auth, char **out, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	int pss = cfg->oauth_jwt_algorithm && strcmp(cfg->oauth_jwt_algorithm, "PS256") == 0;
	struct credential c;
	struct dv_buf jwt;
	int rc;

	if (load_credential(cfg, &c, err) != 0)
		return -1;
	dv_buf_init(&jwt, 0);
	rc = signing_input(auth, c.cert, pss, &jwt);
	if (rc == 0)
		rc = sign(c.key, pss, &jwt);
	credential_free(&c);
	if (rc != 0) {
		dv_buf_free(&jwt);
		return dv_error_set(err, DV_S_HY000, 0, "cannot sign the certificate assertion "
				    "with the key of OAuthJWTCert=%.300s", cfg->oauth_jwt_cert);
	}
	*out = dv_buf_steal(&jwt);
	return *out ? 0 : dv_error_nomem(err);
}

static int cert_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	char *assertion = NULL;
	int rc;

	if (dv_auth_cert_assertion(auth, &assertion, err) != 0)
		return -1;
	const char *const fields[] = {
		"grant_type", "client_credentials",
		"client_id", auth->cfg->oauth_client_id,
		"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
		"client_assertion", assertion,
		"scope", auth->scope,
		NULL,
	};
	rc = dv_auth_request_token(auth, http, fields, 0, err);
	dv_auth_free_secret(assertion);
	return rc;
}

const struct dv_auth_flow dv_auth_flow_cert = {
	"client credentials (certificate)", cert_applies, cert_acquire, NULL, 0, 0,
};
