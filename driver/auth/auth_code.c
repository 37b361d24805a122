/* auth_code.c - authorization code + PKCE (AuthScheme=AzureAD, OAuthGrantType=CODE).
 *
 * HOW IT WORKS
 *  1. A PKCE verifier (43 chars of base64url from 32 random bytes), its S256
 *     challenge and a random state are made.
 *  2. The listener opens on CallbackURL's loopback port (auth_loopback.c),
 *     the browser is sent to <authority>/authorize?client_id&response_type=
 *     code&redirect_uri&response_mode=query&scope&state&code_challenge&
 *     code_challenge_method=S256[&login_hint=User].  Without a browser the
 *     URL is told to the user (log + notify callback) and the listener waits.
 *  3. The redirect brings ?code&state; the state is checked, the browser gets
 *     a "you may close this window" page, and the code is exchanged:
 *     grant_type=authorization_code&client_id&code&redirect_uri&code_verifier
 *     &scope[&client_secret].
 *  Headless (OAuthBrowser=none): no listener; the verifier is kept in the
 *  token cache and the connection fails with the URL to open elsewhere; the
 *  code from the address the browser lands on is then given in OAuthVerifier
 *  (the whole address is accepted too) and exchanged with that verifier.
 * Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 *         RFC 7636 (PKCE); spec section 15. */
#include "auth/auth_loopback.h"
#include "auth/auth_priv.h"
#include "config/config.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

#define SIGN_IN_WAIT_DEFAULT 300 /* seconds a person gets to sign in */

struct pkce {
	char *verifier; /* secret */
	char *challenge;
	char *state;
};

static int code_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_AZUREAD && cfg->grant_type == DV_GRANT_CODE;
}

static void pkce_free(struct pkce *p)
{
	dv_auth_free_secret(p->verifier);
	free(p->challenge);
	free(p->state);
	memset(p, 0, sizeof(*p));
}

static int pkce_make(struct pkce *p, struct dv_error *err)
{
	struct dv_buf b;
	memset(p, 0, sizeof(*p));
	dv_buf_init(&b, 0);
	if (dv_auth_random_b64url(&b, 32) != 0 || !(p->verifier = dv_buf_steal(&b)) ||
	    dv_auth_sha256_b64url(&b, p->verifier) != 0 || !(p->challenge = dv_buf_steal(&b)) ||
	    dv_auth_random_b64url(&b, 16) != 0 || !(p->state = dv_buf_steal(&b))) {
		dv_buf_free(&b);
		pkce_free(p);
		return dv_error_set(err, DV_S_HY000, 0, "cannot make the PKCE values (no "
				    "randomness from OpenSSL)");
	}
	return 0;
}

static int need_client_id(const struct dv_auth *auth, struct dv_error *err)
{
	const char *cid = auth->cfg->oauth_client_id;
	if (cid && *cid)
		return 0;
	return dv_error_set(err, DV_S_28000, 0, "OAuthClientId is required for AuthScheme=AzureAD: "
			    "set it to the application (client) ID of an app registration with "
			    "the Dynamics CRM user_impersonation permission");
}

char *dv_auth_code_url(struct dv_auth *auth, const char *redirect_uri, const char *challenge,
		       const char *state)
{
	const struct dv_config *cfg = auth->cfg;
	struct dv_buf b, url;
	int rc = 0;
	dv_buf_init(&b, 0);
	dv_buf_init(&url, 0);
	rc |= dv_auth_form_add(&b, "client_id", cfg->oauth_client_id);
	rc |= dv_auth_form_add(&b, "response_type", "code");
	rc |= dv_auth_form_add(&b, "redirect_uri", redirect_uri);
	rc |= dv_auth_form_add(&b, "response_mode", "query");
	rc |= dv_auth_form_add(&b, "scope", auth->user_scope);
	rc |= dv_auth_form_add(&b, "state", state);
	rc |= dv_auth_form_add(&b, "code_challenge", challenge);
	rc |= dv_auth_form_add(&b, "code_challenge_method", "S256");
	if (cfg->user && *cfg->user)
		rc |= dv_auth_form_add(&b, "login_hint", cfg->user);
	rc |= dv_buf_appendf(&url, "%s/authorize?%s", auth->authority, dv_buf_str(&b));
	dv_buf_free(&b);
	if (rc) {
		dv_buf_free(&url);
		return NULL;
	}
	return dv_buf_steal(&url);
}

static int exchange(struct dv_auth *auth, struct dv_http *http, const char *code,
		    const char *redirect_uri, const char *verifier, struct dv_error *err)
{
	const char *fields[15];
	size_t n = 0;

	fields[n++] = "grant_type";
	fields[n++] = "authorization_code";
	fields[n++] = "client_id";
	fields[n++] = auth->cfg->oauth_client_id;
	fields[n++] = "code";
	fields[n++] = code;
	fields[n++] = "redirect_uri";
	fields[n++] = redirect_uri;
	if (verifier) {
		fields[n++] = "code_verifier";
		fields[n++] = verifier;
	}
	fields[n++] = "scope";
	fields[n++] = auth->user_scope;
	fields[n] = NULL;
	return dv_auth_request_token(auth, http, fields, 1, err);
}

/* OAuthVerifier holds the code, or the whole address the browser landed on. */
static char *verifier_code(const char *given)
{
	const char *q = strchr(given, '?');
	char *code;
	if (q && (code = dv_query_param(q + 1, "code")) != NULL)
		return code;
	return dv_strdup(given);
}

static int exchange_supplied_code(struct dv_auth *auth, struct dv_http *http,
				  struct dv_error *err)
{
	struct dv_auth_cache_entry e;
	char *code;
	int rc;

	memset(&e, 0, sizeof(e));
	if (dv_auth_cache_enabled(auth) && dv_auth_cache_load(auth, &e, err) != 0)
		return -1;
	code = verifier_code(auth->cfg->oauth_verifier);
	if (!code) {
		dv_auth_cache_entry_free(&e);
		return dv_error_nomem(err);
	}
	DV_LOG(auth->log, DV_LOG_INFO, auth, "exchanging the code of OAuthVerifier (%s PKCE "
	       "verifier)", e.pending_verifier ? "with the stored" : "without a");
	rc = exchange(auth, http, code, auth->cfg->callback_url, e.pending_verifier, err);
	dv_auth_free_secret(code);
	dv_auth_cache_entry_free(&e);
	return rc;
}

/* No browser wanted: keep the verifier, give the URL, fail the connection. */
static int hand_out_url(struct dv_auth *auth, const struct pkce *p, struct dv_error *err)
{
	struct dv_auth_cache_entry e = {NULL, 0, NULL, p->verifier};
	char *url;

	if (!dv_auth_cache_enabled(auth))
		return dv_error_set(err, DV_S_28000, 0, "OAuthBrowser=none needs "
				    "OAuthSettingsLocation to keep the sign-in between the URL and "
				    "OAuthVerifier: set it (a file, or memory://)");
	if (dv_auth_cache_save(auth, &e, err) != 0)
		return -1;
	url = dv_auth_code_url(auth, auth->cfg->callback_url, p->challenge, p->state);
	if (!url)
		return dv_error_nomem(err);
	dv_auth_tell(auth, "To sign in, open this address in a browser: %s", url);
	dv_error_set(err, DV_S_28000, 0, "sign-in needed: open %.700s in a browser, sign in, "
		     "then set OAuthVerifier to the address the browser ends on (or its code "
		     "parameter)", url);
	free(url);
	return -1;
}

static long wait_seconds(const struct dv_config *cfg)
{
	if (dv_config_key_is_set(cfg, "Timeout") && cfg->timeout > 0)
		return cfg->timeout;
	return SIGN_IN_WAIT_DEFAULT;
}

static int browser_sign_in(struct dv_auth *auth, struct dv_http *http, const struct pkce *p,
			   const char *browser, struct dv_error *err)
{
	struct dv_loopback lb;
	char *url, *code = NULL;
	int rc;

	if (dv_loopback_open(&lb, auth->cfg->callback_url, err) != 0)
		return -1;
	url = dv_auth_code_url(auth, lb.redirect_uri, p->challenge, p->state);
	if (!url) {
		dv_loopback_close(&lb);
		return dv_error_nomem(err);
	}
	if (!browser || dv_browser_open(browser, url, auth->log) != 0)
		dv_auth_tell(auth, "To sign in, open this address in a browser on this machine: "
			     "%s", url);
	else
		DV_LOG(auth->log, DV_LOG_INFO, auth, "waiting for the sign-in on %s",
		       lb.redirect_uri);
	free(url);
	rc = dv_loopback_wait(&lb, p->state, wait_seconds(auth->cfg), &code, err);
	if (rc == 0)
		rc = exchange(auth, http, code, lb.redirect_uri, p->verifier, err);
	dv_auth_free_secret(code);
	dv_loopback_close(&lb);
	return rc;
}

static int code_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	const char *browser = dv_browser_command(cfg->oauth_browser);
	struct pkce p;
	int rc;

	if (need_client_id(auth, err) != 0)
		return -1;
	if (cfg->oauth_verifier && *cfg->oauth_verifier)
		return exchange_supplied_code(auth, http, err);
	if (pkce_make(&p, err) != 0)
		return -1;
	if (cfg->oauth_browser && dv_strcasecmp(cfg->oauth_browser, "none") == 0)
		rc = hand_out_url(auth, &p, err);
	else
		rc = browser_sign_in(auth, http, &p, browser, err);
	pkce_free(&p);
	return rc;
}

const struct dv_auth_flow dv_auth_flow_code = {
	"authorization code", code_applies, code_acquire, NULL, 1, 0,
};
