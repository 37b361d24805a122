/* auth.h - bearer tokens for the Web API.
 *
 * Owns: struct dv_auth, one per connection: picks the flow from the config
 * (supplied OAuthAccessToken, client credentials with a secret or a
 * certificate assertion, authorization code + PKCE, refresh token, device
 * code, password, managed identity; each flow one file under driver/auth/
 * behind a table of function pointers), keeps the current token and its
 * expiry, refreshes it ahead of expiry, and the token cache file at
 * OAuthSettingsLocation (mode 0600, atomic writes, file locking; memory://
 * keeps tokens in the process).  Token requests go through dv_http with
 * req.no_auth set.  Identity-platform errors become 28000 (bad credentials,
 * consent, expired grant) or 08001 (unknown tenant, unreachable authority)
 * with a message that says what to fix; no secret or token appears in any
 * message or log line. */
#ifndef DV_AUTH_AUTH_H
#define DV_AUTH_AUTH_H

#include "util/error.h"

struct dv_config;
struct dv_http;
struct dv_log;
struct dv_auth;

struct dv_auth *dv_auth_new(const struct dv_config *cfg, struct dv_log *log,
			    struct dv_error *err);
void dv_auth_free(struct dv_auth *auth);

/* Returns in *token the current access token (owned by auth, valid until the
 * next call), acquiring or refreshing it through http first when there is
 * none, it expires within a minute, or force_refresh is set (after a 401).
 * Returns 0, or -1 with err set. */
int dv_auth_token(struct dv_auth *auth, struct dv_http *http, int force_refresh,
		  const char **token, struct dv_error *err);

/* The token endpoint and scope in use, for tests and the log. */
const char *dv_auth_token_url(const struct dv_auth *auth);

/* Receives what the user must see during a sign-in (the device code and its
 * URL, an authorization URL to open by hand); text has no secret. */
typedef void (*dv_auth_notify_fn)(void *ctx, const char *text);
void dv_auth_set_notify(struct dv_auth *auth, dv_auth_notify_fn fn, void *ctx);

/* Runs the sign-in of the configured flow now, ignoring any stored token,
 * and stores the tokens (token cache at OAuthSettingsLocation) - what
 * dvodbc-login does.  0, or -1 with err set. */
int dv_auth_sign_in(struct dv_auth *auth, struct dv_http *http, struct dv_error *err);

/* The name of the flow in use ("authorization code", ...), for messages. */
const char *dv_auth_flow_name(const struct dv_auth *auth);

/* Windows authentication (AuthScheme=NTLM): returns the libcurl CURLAUTH_*
 * mask to set with *user and *password (secret; either pointer may be NULL)
 * instead of a bearer header, or 0 when the connection uses bearer tokens. */
long dv_auth_http_login(const struct dv_auth *auth, const char **user, const char **password);
/* A Web API 401 on a Windows-authentication connection: sets err to the
 * 28000 that says the credentials were refused and returns 1 (do not retry);
 * 0 for bearer-token connections (refresh the token and retry once). */
int dv_auth_explain_401(const struct dv_auth *auth, struct dv_error *err);

#endif
