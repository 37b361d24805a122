/* auth_adfs.c - OAuth 2.0 against AD FS for on-premises / IFD CRM (AuthScheme=ADFS).
 *
 * HOW IT WORKS
 *  Authority: AzureAuthorityHost, when set, names the AD FS server
 *  (https://adfs.contoso.com -> https://adfs.contoso.com/adfs/oauth2/...);
 *  otherwise it is discovered once per connection from the Web API's
 *  unauthenticated 401: "WWW-Authenticate: Bearer authorization_uri=
 *  https://<adfs>/adfs/oauth2/authorize, resource_id=..." (the authority is
 *  the URI without "/authorize").
 *  Grants (AD FS has no scopes: every request names resource=<URL>):
 *   - password (AD FS 2016+): grant_type=password&client_id&username&password
 *     &resource - OAuthGrantType=PASSWORD, or the default when User and
 *     Password are set and OAuthGrantType is not;
 *   - authorization code: the browser to <authority>/authorize?client_id&
 *     response_type=code&redirect_uri&resource&state&code_challenge (the
 *     loopback listener of auth_loopback.c), then grant_type=
 *     authorization_code&client_id&code&redirect_uri&code_verifier;
 *   - refresh: grant_type=refresh_token&client_id&refresh_token&resource
 *     (tokens kept in OAuthSettingsLocation like the Entra flows);
 *   - client credentials (OAuthGrantType=CLIENT): client_id&client_secret&
 *     resource, for a server application registered with Add-AdfsClient.
 *  Reply {"access_token","token_type":"bearer","expires_in":3600,
 *  "refresh_token"}; errors {"error","error_description":"MSISnnnn: ..."}
 *  become 28000 messages naming the key to fix (no AADSTS numbers here).
 * Source: spec section 16 and 15 "Authority discovery";
 *   https://learn.microsoft.com/windows-server/identity/ad-fs/overview/ad-fs-openid-connect-oauth-flows-scenarios
 *   [MS-OAPX] 2.2.4.1 (invalid_resource). */
#include "auth/auth_loopback.h"
#include "auth/auth_priv.h"
#include "config/config.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#define ADFS_SIGN_IN_WAIT 300 /* seconds a person gets to sign in */

enum adfs_grant { G_PASSWORD, G_CODE, G_REFRESH, G_CLIENT };

static int uses_password(const struct dv_config *cfg)
{
	if (cfg->grant_type == DV_GRANT_PASSWORD)
		return 1;
	return !dv_config_key_is_set(cfg, "OAuthGrantType") && cfg->user && *cfg->user &&
	       cfg->password && *cfg->password;
}

static int adfs_user_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_ADFS && cfg->grant_type != DV_GRANT_CLIENT;
}

static int adfs_client_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_ADFS && cfg->grant_type == DV_GRANT_CLIENT;
}

/* ---- the authority --------------------------------------------------- */

static int set_authority(struct dv_auth *auth, const char *authority, struct dv_error *err)
{
	struct dv_buf b;
	free(auth->authority);
	free(auth->token_url);
	auth->token_url = NULL;
	auth->authority = dv_strdup(authority);
	dv_buf_init(&b, 0);
	if (!auth->authority || dv_buf_appendf(&b, "%s/token", authority) != 0 ||
	    !(auth->token_url = dv_buf_steal(&b))) {
		dv_buf_free(&b);
		return dv_error_nomem(err);
	}
	return 0;
}

int dv_auth_adfs_init(struct dv_auth *auth, struct dv_error *err)
{
	const char *host = auth->cfg->azure_authority_host;
	struct dv_buf b;
	int rc;

	free(auth->authority);
	free(auth->token_url);
	auth->authority = auth->token_url = NULL;
	if (!host || !*host)
		return 0; /* discovered from the Web API's 401 on first use */
	dv_buf_init(&b, 0);
	if (dv_buf_appendf(&b, "%s/adfs/oauth2", host) != 0) {
		dv_buf_free(&b);
		return dv_error_nomem(err);
	}
	rc = set_authority(auth, dv_buf_str(&b), err);
	dv_buf_free(&b);
	return rc;
}

/* "Bearer authorization_uri=https://adfs/adfs/oauth2/authorize, resource_id=.."
 * -> "https://adfs/adfs/oauth2" (caller frees), NULL when absent. */
char *dv_auth_adfs_authority_of(const char *challenge)
{
	static const char key[] = "authorization_uri=";
	static const char tail[] = "/authorize";
	const char *p = challenge ? strstr(challenge, key) : NULL;
	size_t n;

	if (!p)
		return NULL;
	p += sizeof(key) - 1;
	if (*p == '"')
		p++;
	n = strcspn(p, "\", \t");
	if (n > sizeof(tail) - 1 && memcmp(p + n - (sizeof(tail) - 1), tail, sizeof(tail) - 1) == 0)
		n -= sizeof(tail) - 1;
	return n ? dv_strndup(p, n) : NULL;
}

static int discover(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_buf url;
	char *authority = NULL;
	int rc;

	dv_buf_init(&url, 0);
	if (dv_buf_appendf(&url, "%s/api/data/", auth->cfg->url ? auth->cfg->url : "") != 0)
		return dv_buf_free(&url), dv_error_nomem(err);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = dv_buf_str(&url);
	req.idempotent = 1;
	req.no_auth = 1;
	dv_http_resp_init(&resp);
	rc = dv_http_send(http, &req, &resp, err);
	if (resp.status == 401)
		authority = dv_auth_adfs_authority_of(resp.www_authenticate);
	if (authority && !strstr(authority, "/adfs/"))
		rc = dv_error_set(err, DV_S_08001, 0, "the organization %s signs in with %s, not "
				  "AD FS: use AuthScheme=AzureAD (or AzureServicePrincipal)",
				  auth->cfg->url, authority);
	else if (authority && !auth->cfg->allow_insecure_http &&
		 dv_url_cleartext(authority, NULL, 0))
		rc = dv_error_set(err, DV_S_08001, 0,
				  "the AD FS authority named by %s is http:// (%s): the password "
				  "would cross the network unencrypted. Use https://, or set "
				  "AllowInsecureHttp=1 to accept that (unsafe)", auth->cfg->url,
				  authority);
	else if (authority)
		rc = set_authority(auth, authority, err);
	else if (resp.status != 0)
		rc = dv_error_set(err, DV_S_08001, 0, "the Web API at %s answered %ld without naming "
				  "an AD FS authority: set AzureAuthorityHost to the AD FS server "
				  "(e.g. https://adfs.contoso.com)", req.url, resp.status);
	if (rc == 0) {
		dv_error_clear(err);
		DV_LOG(auth->log, DV_LOG_INFO, auth, "AD FS authority %s (from the Web API's 401)",
		       auth->authority);
	}
	free(authority);
	dv_http_resp_free(&resp);
	dv_buf_free(&url);
	return rc;
}

static int need_authority(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	if (auth->token_url)
		return 0;
	return discover(auth, http, err);
}

/* ---- errors ------------------------------------------------------------ */

static const char *json_str(yajl_val root, const char *name)
{
	const char *path[] = {name, NULL};
	yajl_val v = root ? yajl_tree_get(root, path, yajl_t_string) : NULL;
	return v ? YAJL_GET_STRING(v) : "";
}

/* Rewrites err from an AD FS error reply into what to fix; returns 1 when
 * the grant itself was refused (invalid_grant). */
static int explain(const struct dv_auth *auth, enum adfs_grant g,
		    const struct dv_http_resp *resp, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	char ebuf[128];
	yajl_val root;
	const char *code, *desc;

	int refused;

	if (resp->status == 0)
		return 0; /* transport failure: dv_http's 08001 / 08S01 stands */
	root = yajl_tree_parse(dv_buf_str((struct dv_buf *)&resp->body), ebuf, sizeof(ebuf));
	code = json_str(root, "error");
	desc = json_str(root, "error_description");
	refused = strcmp(code, "invalid_grant") == 0;
	if (strcmp(code, "invalid_resource") == 0)
		dv_error_set(err, DV_S_28000, 0, "AD FS does not know the resource %s: URL must be "
			     "the organization URL registered in AD FS as a relying party (CRM "
			     "claims-based authentication / IFD setup) (%s)", cfg->url, desc);
	else if (strcmp(code, "invalid_client") == 0)
		dv_error_set(err, DV_S_28000, 0, "AD FS rejected the client %s: register it with "
			     "Add-AdfsClient (with a secret for OAuthGrantType=CLIENT) and check "
			     "OAuthClientId and OAuthClientSecret (%s)", cfg->oauth_client_id, desc);
	else if (strcmp(code, "invalid_grant") == 0 && g == G_PASSWORD)
		dv_error_set(err, DV_S_28000, 0, "AD FS rejected User/Password: check User "
			     "(DOMAIN\\user or user@domain) and Password (%s)", desc);
	else if (strcmp(code, "invalid_grant") == 0 && g == G_REFRESH)
		dv_error_set(err, DV_S_28000, 0, "the stored AD FS sign-in has expired or was "
			     "revoked: run dvodbc-login for this DSN again (or set "
			     "InitiateOAuth=GETANDREFRESH) (%s)", desc);
	else
		dv_error_set(err, DV_S_28000, 0, "AD FS at %s refused the sign-in: %s%s%s",
			     auth->authority, *code ? code : "no error code", *desc ? ": " : "", desc);
	yajl_tree_free(root);
	return refused;
}

/* Adds resource=<URL>, the client and its optional secret, posts, stores the
 * tokens.  0, -1 with err explained, or -2 when AD FS refused the grant
 * itself (invalid_grant: wrong password, refresh token gone). */
static int post_grant(struct dv_auth *auth, struct dv_http *http, enum adfs_grant g,
		      struct dv_buf *form, struct dv_error *err)
{
	struct dv_http_resp resp;
	int rc = 0;

	rc |= dv_auth_form_add(form, "client_id", auth->cfg->oauth_client_id);
	rc |= dv_auth_form_add(form, "resource", auth->cfg->url);
	rc |= dv_auth_form_add_client_secret(auth, form);
	if (rc) {
		memset(form->data, 0, form->len);
		return dv_error_nomem(err);
	}
	dv_http_resp_init(&resp);
	rc = dv_auth_post_form(auth, http, auth->token_url, dv_buf_str(form), &resp, err);
	memset(form->data, 0, form->len);
	if (rc == 0)
		rc = dv_auth_store_token_reply(auth, dv_buf_str(&resp.body), err);
	else if (explain(auth, g, &resp, err))
		rc = -2;
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	dv_http_resp_free(&resp);
	return rc;
}

static int need_client_id(const struct dv_auth *auth, struct dv_error *err)
{
	const char *cid = auth->cfg->oauth_client_id;
	if (cid && *cid)
		return 0;
	return dv_error_set(err, DV_S_28000, 0, "OAuthClientId is required for AuthScheme=ADFS: "
			    "set it to the client id registered with Add-AdfsClient");
}

/* ---- grants ------------------------------------------------------------ */

static int password_grant(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	struct dv_buf form;
	int rc = 0;

	if (!cfg->user || !*cfg->user || !cfg->password || !*cfg->password)
		return dv_error_set(err, DV_S_28000, 0, "AuthScheme=ADFS with OAuthGrantType="
				    "PASSWORD needs User and Password");
	dv_buf_init(&form, 0);
	rc |= dv_auth_form_add(&form, "grant_type", "password");
	rc |= dv_auth_form_add(&form, "username", cfg->user);
	rc |= dv_auth_form_add(&form, "password", cfg->password);
	if (rc == 0)
		rc = post_grant(auth, http, G_PASSWORD, &form, err);
	else
		rc = dv_error_nomem(err);
	memset(form.data, 0, form.len);
	dv_buf_free(&form);
	return rc;
}

static char *authorize_url(struct dv_auth *auth, const char *redirect_uri,
			   const char *challenge, const char *state)
{
	const struct dv_config *cfg = auth->cfg;
	struct dv_buf q, url;
	int rc = 0;

	dv_buf_init(&q, 0);
	dv_buf_init(&url, 0);
	rc |= dv_auth_form_add(&q, "client_id", cfg->oauth_client_id);
	rc |= dv_auth_form_add(&q, "response_type", "code");
	rc |= dv_auth_form_add(&q, "redirect_uri", redirect_uri);
	rc |= dv_auth_form_add(&q, "resource", cfg->url);
	rc |= dv_auth_form_add(&q, "state", state);
	rc |= dv_auth_form_add(&q, "code_challenge", challenge);
	rc |= dv_auth_form_add(&q, "code_challenge_method", "S256");
	if (cfg->user && *cfg->user)
		rc |= dv_auth_form_add(&q, "login_hint", cfg->user);
	rc |= dv_buf_appendf(&url, "%s/authorize?%s", auth->authority, dv_buf_str(&q));
	dv_buf_free(&q);
	if (rc) {
		dv_buf_free(&url);
		return NULL;
	}
	return dv_buf_steal(&url);
}

static int exchange_code(struct dv_auth *auth, struct dv_http *http, const char *code,
			 const char *redirect_uri, const char *verifier, struct dv_error *err)
{
	struct dv_buf form;
	int rc = 0;

	dv_buf_init(&form, 0);
	rc |= dv_auth_form_add(&form, "grant_type", "authorization_code");
	rc |= dv_auth_form_add(&form, "code", code);
	rc |= dv_auth_form_add(&form, "redirect_uri", redirect_uri);
	rc |= dv_auth_form_add(&form, "code_verifier", verifier);
	if (rc == 0)
		rc = post_grant(auth, http, G_CODE, &form, err);
	else
		rc = dv_error_nomem(err);
	dv_buf_free(&form);
	return rc;
}

static long wait_seconds(const struct dv_config *cfg)
{
	if (dv_config_key_is_set(cfg, "Timeout") && cfg->timeout > 0)
		return cfg->timeout;
	return ADFS_SIGN_IN_WAIT;
}

/* The browser sign-in on the loopback listener (PKCE S256, AD FS 2019+;
 * older AD FS ignores the challenge). */
static int code_grant(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const char *browser = dv_browser_command(auth->cfg->oauth_browser);
	struct dv_buf b;
	struct dv_loopback lb;
	char *verifier = NULL, *challenge = NULL, *state = NULL, *url = NULL, *code = NULL;
	int rc = -1;

	dv_buf_init(&b, 0);
	if (dv_auth_random_b64url(&b, 32) != 0 || !(verifier = dv_buf_steal(&b)) ||
	    dv_auth_sha256_b64url(&b, verifier) != 0 || !(challenge = dv_buf_steal(&b)) ||
	    dv_auth_random_b64url(&b, 16) != 0 || !(state = dv_buf_steal(&b))) {
		dv_error_set(err, DV_S_HY000, 0, "cannot make the PKCE values");
		goto out;
	}
	if (dv_loopback_open(&lb, auth->cfg->callback_url, err) != 0)
		goto out;
	url = authorize_url(auth, lb.redirect_uri, challenge, state);
	if (!url) {
		dv_error_nomem(err);
	} else {
		if (!browser || dv_browser_open(browser, url, auth->log) != 0)
			dv_auth_tell(auth, "To sign in to AD FS, open this address in a browser on "
				     "this machine: %s", url);
		rc = dv_loopback_wait(&lb, state, wait_seconds(auth->cfg), &code, err);
		if (rc == 0)
			rc = exchange_code(auth, http, code, lb.redirect_uri, verifier, err);
	}
	dv_loopback_close(&lb);
out:
	dv_buf_free(&b);
	dv_auth_free_secret(code);
	dv_auth_free_secret(verifier);
	free(challenge);
	free(state);
	free(url);
	return rc;
}

static int adfs_user_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	if (need_client_id(auth, err) != 0 || need_authority(auth, http, err) != 0)
		return -1;
	if (uses_password(auth->cfg))
		return password_grant(auth, http, err) == 0 ? 0 : -1;
	if (auth->cfg->grant_type == DV_GRANT_CODE)
		return code_grant(auth, http, err) == 0 ? 0 : -1;
	return dv_error_set(err, DV_S_HYC00, 0, "AuthScheme=ADFS supports OAuthGrantType=CODE, "
			    "PASSWORD and CLIENT");
}

/* The refresh grant with resource= (auth.c calls it for a stored refresh
 * token); a grant AD FS no longer honours falls back to a sign-in when
 * InitiateOAuth=GETANDREFRESH allows one. */
static int adfs_user_refresh(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	struct dv_buf form;
	int rc = 0;

	if (need_client_id(auth, err) != 0 || need_authority(auth, http, err) != 0)
		return -1;
	dv_buf_init(&form, 0);
	rc |= dv_auth_form_add(&form, "grant_type", "refresh_token");
	rc |= dv_auth_form_add(&form, "refresh_token", auth->refresh_token);
	if (rc == 0)
		rc = post_grant(auth, http, G_REFRESH, &form, err);
	else
		rc = dv_error_nomem(err);
	dv_buf_free(&form);
	if (rc == -2 && auth->cfg->initiate_oauth == DV_OAUTH_GETANDREFRESH) {
		DV_LOG(auth->log, DV_LOG_INFO, auth, "the stored AD FS sign-in was refused: "
		       "signing in again");
		return adfs_user_acquire(auth, http, err);
	}
	return rc == 0 ? 0 : -1;
}

static int adfs_client_acquire(struct dv_auth *auth, struct dv_http *http,
			       struct dv_error *err)
{
	struct dv_buf form;
	int rc;

	if (need_client_id(auth, err) != 0 || need_authority(auth, http, err) != 0)
		return -1;
	if (!auth->cfg->oauth_client_secret || !*auth->cfg->oauth_client_secret)
		return dv_error_set(err, DV_S_28000, 0, "AuthScheme=ADFS with OAuthGrantType=CLIENT "
				    "needs OAuthClientSecret (the secret of the Add-AdfsClient "
				    "registration)");
	dv_buf_init(&form, 0);
	rc = dv_auth_form_add(&form, "grant_type", "client_credentials");
	rc = rc == 0 ? post_grant(auth, http, G_CLIENT, &form, err) : dv_error_nomem(err);
	dv_buf_free(&form);
	return rc == 0 ? 0 : -1;
}

const struct dv_auth_flow dv_auth_flow_adfs_user = {
	"AD FS user sign-in", adfs_user_applies, adfs_user_acquire, adfs_user_refresh, 1, 0,
};

const struct dv_auth_flow dv_auth_flow_adfs_client = {
	"AD FS client credentials", adfs_client_applies, adfs_client_acquire, NULL, 0, 0,
};
