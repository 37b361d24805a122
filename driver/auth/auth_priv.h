/* auth_priv.h - the auth object and the flow table, shared by the flow files.
 *
 * A flow is one way to obtain a bearer token (curl's TLS backends are the
 * model: a struct of function pointers per file).  dv_auth_new picks the
 * first flow whose applies() accepts the configuration; adding a flow is
 * adding a file and a line to the table in auth.c. */
#ifndef DV_AUTH_AUTH_PRIV_H
#define DV_AUTH_AUTH_PRIV_H

#include "auth/auth.h"

#include <stddef.h>

struct dv_buf;
struct dv_http_resp;

struct dv_auth_flow {
	const char *name;
	/* Does this flow serve cfg? */
	int (*applies)(const struct dv_config *cfg);
	/* Gets a new token (dv_auth_store_token); 0 or -1 with err set. */
	int (*acquire)(struct dv_auth *auth, struct dv_http *http, struct dv_error *err);
	/* Renews the token (after expiry or a 401); NULL = acquire again.  For a
	 * delegated flow: the refresh-token grant (NULL = the Entra one). */
	int (*refresh)(struct dv_auth *auth, struct dv_http *http, struct dv_error *err);
	/* A signed-in user: tokens come with a refresh token, and acquire needs the
	 * user (browser, device code, password) so InitiateOAuth=REFRESH never
	 * calls it. */
	int delegated;
	/* Never touches the token cache (a token supplied as is). */
	int no_cache;
};

struct dv_auth {
	const struct dv_config *cfg;
	struct dv_log *log;
	const struct dv_auth_flow *flow;
	char *token;           /* secret */
	long long expires_at;  /* monotonic seconds; 0 = no known expiry */
	long long refresh_at;  /* monotonic seconds to renew at; 0 = never */
	char *token_url;       /* "<authority>/<tenant>/oauth2/v2.0/token" */
	char *scope;           /* "<URL>/.default" */
	char *authority;       /* "<authority>/<tenant>/oauth2/v2.0" (authorize, devicecode) */
	char *user_scope;      /* "<URL>/user_impersonation offline_access openid profile" */
	char *refresh_token;   /* secret; NULL when none */
	long long expires_on;  /* wall-clock seconds (time(NULL)) of expiry; 0 = unknown */
	char *cache_key;       /* this connection's entry in the token cache */
	int cache_fd;          /* lock file of the token cache while locked, else -1 */
	int cache_locked;      /* memory:// store locked */
	dv_auth_notify_fn notify;
	void *notify_ctx;
	/* Windows authentication (auth_ntlm.c): libcurl CURLAUTH_* mask, 0 = bearer */
	long http_auth_mask;
	char *http_user;
	char *http_password;   /* secret */
};

extern const struct dv_auth_flow dv_auth_flow_static;
extern const struct dv_auth_flow dv_auth_flow_client_secret;
extern const struct dv_auth_flow dv_auth_flow_cert;
extern const struct dv_auth_flow dv_auth_flow_code;
extern const struct dv_auth_flow dv_auth_flow_device;
extern const struct dv_auth_flow dv_auth_flow_password;
extern const struct dv_auth_flow dv_auth_flow_msi;
extern const struct dv_auth_flow dv_auth_flow_ntlm;
extern const struct dv_auth_flow dv_auth_flow_adfs_user;
extern const struct dv_auth_flow dv_auth_flow_adfs_client;

/* Keeps token (copied) valid for expires_in seconds (<= 0: unknown).  The
 * renewal time is 5 minutes before expiry, or half the lifetime when that is
 * shorter (test servers hand out short tokens). */
int dv_auth_store_token(struct dv_auth *auth, const char *token, long expires_in,
			struct dv_error *err);
/* Appends "&name=<value url-encoded>" (no '&' when b is empty). */
int dv_auth_form_add(struct dv_buf *b, const char *name, const char *value);
/* POSTs a form to the token endpoint and stores the token of the reply.  On
 * an error reply err carries the identity platform's message and the AADSTS
 * number as native; *status is the HTTP status (0 on transport failure). */
int dv_auth_post_token_form(struct dv_auth *auth, struct dv_http *http, const char *form,
			    long *status, struct dv_error *err);
/* The whole token request of the Microsoft identity platform flows: builds
 * the form from fields (name, value, name, value, ..., NULL; a NULL value is
 * sent empty), adds client_secret when add_client_secret is set and one is
 * configured, POSTs it with dv_auth_post_token_form, wipes the form (it may
 * hold secrets) and on failure rewrites err with dv_auth_explain.  0 / -1. */
int dv_auth_request_token(struct dv_auth *auth, struct dv_http *http,
			  const char *const *fields, int add_client_secret, struct dv_error *err);
long long dv_auth_now(void);
/* Sends an OAuth form to url (the token or devicecode endpoint); the reply
 * body (2xx or error) lands in resp, err is set on a non-2xx.  0 / -1. */
int dv_auth_post_form(struct dv_auth *auth, struct dv_http *http, const char *url,
		      const char *form, struct dv_http_resp *resp, struct dv_error *err);
/* Stores the token of a 2xx token-endpoint reply (access_token, expires_in,
 * and refresh_token when present: a rotated one replaces the old). */
int dv_auth_store_token_reply(struct dv_auth *auth, const char *body, struct dv_error *err);
/* Tells the user something (device code, URL to open): the notify callback
 * when set, and the log at the ERROR level so it shows with any Verbosity. */
void dv_auth_tell(struct dv_auth *auth, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The shared refresh-token grant of the delegated flows. */
int dv_auth_refresh_grant(struct dv_auth *auth, struct dv_http *http, struct dv_error *err);
/* Adds client_secret (confidential app) to a delegated form when configured. */
int dv_auth_form_add_client_secret(struct dv_auth *auth, struct dv_buf *form);

/* ---- auth_errors.c ---- */
/* Rewrites err (an identity-platform rejection, AADSTS number in native, or a
 * transport failure when status is 0) into a message saying what to fix. */
void dv_auth_explain(const struct dv_auth *auth, long status, struct dv_error *err);
/* True for AADSTS codes meaning the stored grant is gone (expired, revoked,
 * used): the user must sign in again. */
int dv_auth_grant_is_gone(long aadsts);

/* ---- auth_crypto.c ---- */
/* Appends base64url (no padding) of data. */
int dv_auth_b64url(struct dv_buf *b, const unsigned char *data, size_t len);
/* Appends base64url of n random bytes (OpenSSL RAND_bytes).  0 / -1. */
int dv_auth_random_b64url(struct dv_buf *b, size_t n);
/* Appends base64url(SHA-256(text)) (PKCE S256 challenge). */
int dv_auth_sha256_b64url(struct dv_buf *b, const char *text);
/* Overwrites and frees a secret string. */
void dv_auth_free_secret(char *s);

/* ---- auth_cert.c ---- */
/* Builds a signed client assertion from OAuthJWTCert (caller frees *out with
 * dv_auth_free_secret); also used by the tests to check its shape. */
int dv_auth_cert_assertion(struct dv_auth *auth, char **out, struct dv_error *err);

/* ---- auth_code.c ---- */
/* The authorization URL of the code flow (caller frees; NULL: no memory). */
char *dv_auth_code_url(struct dv_auth *auth, const char *redirect_uri, const char *challenge,
		       const char *state);

/* ---- auth_ntlm.c ---- */
/* Keeps the method and credentials libcurl uses for AuthScheme=NTLM. */
int dv_auth_ntlm_init(struct dv_auth *auth, struct dv_error *err);

/* ---- auth_adfs.c ---- */
/* AuthScheme=ADFS: the AD FS endpoints from AzureAuthorityHost, or none yet
 * (discovered from the Web API's 401 at the first sign-in). */
int dv_auth_adfs_init(struct dv_auth *auth, struct dv_error *err);
/* The AD FS authority ("https://adfs/adfs/oauth2") named by a 401's
 * WWW-Authenticate "Bearer authorization_uri=.../authorize"; caller frees;
 * NULL when absent. */
char *dv_auth_adfs_authority_of(const char *challenge);

/* ---- auth_cache.c: the token cache at OAuthSettingsLocation ---- */
struct dv_auth_cache_entry {
	char *access_token;      /* secret */
	long long expires_on;    /* wall-clock seconds */
	char *refresh_token;     /* secret */
	char *pending_verifier;  /* secret: PKCE verifier of an URL handed out for OAuthVerifier */
};
/* True when OAuthSettingsLocation is set. */
int dv_auth_cache_enabled(const struct dv_auth *auth);
/* Takes the cache's lock (flock on "<file>.lock", or the memory:// mutex);
 * held across read, token request and write so that processes sharing the
 * file refresh one after another with the newest refresh token. */
int dv_auth_cache_lock(struct dv_auth *auth, struct dv_error *err);
void dv_auth_cache_unlock(struct dv_auth *auth);
/* Reads this connection's entry (all fields NULL/0 when none). */
int dv_auth_cache_load(struct dv_auth *auth, struct dv_auth_cache_entry *e,
		       struct dv_error *err);
/* Replaces this connection's entry, keeping the others; the file is written
 * to a temporary file (mode 0600) and renamed over the old one. */
int dv_auth_cache_save(struct dv_auth *auth, const struct dv_auth_cache_entry *e,
		       struct dv_error *err);
void dv_auth_cache_entry_free(struct dv_auth_cache_entry *e);

#endif
