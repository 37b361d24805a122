/* auth.c - the dv_auth object: flow choice, the current token, renewal.
 *
 * Owns: the table of flows, picking one from the configuration, keeping the
 * token and when to renew it, the token cache protocol (below), and the
 * token-endpoint plumbing shared by the OAuth flows (form building, POST,
 * parsing {"access_token","expires_in","refresh_token"}).
 *
 * HOW THE CACHE IS USED (OAuthSettingsLocation set): getting a token takes
 * the cache lock, re-reads this connection's entry, and adopts a stored
 * access token that is valid for more than a minute and is not the one just
 * rejected; else it refreshes with the stored refresh token (the newest one:
 * another process may have rotated it), else it runs the flow's sign-in
 * (never with InitiateOAuth=REFRESH for a user flow).  The new tokens are
 * written before the lock is released, so processes sharing one file
 * refresh one after another and no rotated refresh token is lost.
 * expires_in may be a number (v2 endpoint) or a string (v1, managed
 * identity); lifetimes vary (60-90 min), so it is always read, never assumed.
 * Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#define RENEW_AHEAD_SECONDS 300
#define CACHE_MIN_VALIDITY 60 /* seconds a stored access token must still be valid */

/* First match wins: Windows authentication (no token at all), a supplied
 * token, then the certificate before the secret (both may be set while a
 * secret is being replaced). */
static const struct dv_auth_flow *const flows[] = {
	&dv_auth_flow_ntlm,
	&dv_auth_flow_static,
	&dv_auth_flow_adfs_client,
	&dv_auth_flow_adfs_user,
	&dv_auth_flow_cert,
	&dv_auth_flow_client_secret,
	&dv_auth_flow_msi,
	&dv_auth_flow_password,
	&dv_auth_flow_device,
	&dv_auth_flow_code,
	NULL,
};

long long dv_auth_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

static const char *scheme_name(enum dv_auth_scheme s)
{
	static const char *const names[] = {"AzureAD", "AzureServicePrincipal", "AzureMSI",
					    "NTLM", "ADFS", "None"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int build_endpoints(struct dv_auth *auth, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	const char *url = cfg->url ? cfg->url : "";
	struct dv_buf b;
	const char *tenant = cfg->azure_tenant && *cfg->azure_tenant ? cfg->azure_tenant
								     : "organizations";
	dv_buf_init(&b, 0);
	if (dv_buf_appendf(&b, "%s/", dv_config_authority_host(cfg)) != 0 ||
	    dv_url_encode(&b, tenant, strlen(tenant)) != 0 ||
	    dv_buf_appends(&b, "/oauth2/v2.0") != 0)
		goto nomem;
	auth->authority = dv_buf_steal(&b);
	if (!auth->authority || dv_buf_appendf(&b, "%s/token", auth->authority) != 0)
		goto nomem;
	auth->token_url = dv_buf_steal(&b);
	if (dv_buf_appendf(&b, "%s/.default", url) != 0)
		goto nomem;
	auth->scope = dv_buf_steal(&b);
	/* Source: spec section 15: delegated ORG/user_impersonation + offline_access
	 * (a refresh token) + openid profile. */
	if (dv_buf_appendf(&b, "%s/user_impersonation offline_access openid profile", url) != 0)
		goto nomem;
	auth->user_scope = dv_buf_steal(&b);
	if (!auth->token_url || !auth->scope || !auth->user_scope)
		goto nomem;
	return 0;
nomem:
	dv_buf_free(&b);
	return dv_error_nomem(err);
}

/* "<URL> <client id> <tenant> <flow> <user>": two DSNs share a cache file
 * without overwriting each other's tokens.  The user flows share "user": a
 * refresh token from dvodbc-login's browser sign-in serves a DSN whatever
 * its OAuthGrantType. */
static int build_cache_key(struct dv_auth *auth, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	struct dv_buf b;
	dv_buf_init(&b, 0);
	if (dv_buf_appendf(&b, "%s %s %s %s %s", cfg->url ? cfg->url : "",
			   cfg->oauth_client_id ? cfg->oauth_client_id : "",
			   cfg->azure_tenant ? cfg->azure_tenant : "",
			   auth->flow->delegated ? "user" : auth->flow->name,
			   cfg->user ? cfg->user : "") != 0) {
		dv_buf_free(&b);
		return dv_error_nomem(err);
	}
	auth->cache_key = dv_buf_steal(&b);
	return auth->cache_key ? 0 : dv_error_nomem(err);
}

struct dv_auth *dv_auth_new(const struct dv_config *cfg, struct dv_log *log,
			    struct dv_error *err)
{
	struct dv_auth *auth = calloc(1, sizeof(*auth));
	if (!auth) {
		dv_error_nomem(err);
		return NULL;
	}
	auth->cfg = cfg;
	auth->log = log;
	auth->cache_fd = -1;
	for (size_t i = 0; flows[i] && !auth->flow; i++)
		if (flows[i]->applies(cfg))
			auth->flow = flows[i];
	if (!auth->flow) {
		dv_error_set(err, DV_S_HYC00, 0,
			     "AuthScheme=%s is not supported by this build of the driver: use "
			     "AzureAD, AzureServicePrincipal, AzureMSI, NTLM, ADFS or OAuthAccessToken",
			     scheme_name(cfg->auth_scheme));
		free(auth);
		return NULL;
	}
	if (build_endpoints(auth, err) != 0 || build_cache_key(auth, err) != 0 ||
	    (auth->flow == &dv_auth_flow_ntlm && dv_auth_ntlm_init(auth, err) != 0) ||
	    (cfg->auth_scheme == DV_AUTH_ADFS && dv_auth_adfs_init(auth, err) != 0)) {
		dv_auth_free(auth);
		return NULL;
	}
	DV_LOG(log, DV_LOG_INFO, auth, "auth flow %s, token endpoint %s, scope %s",
	       auth->flow->name, auth->token_url ? auth->token_url : "(from the Web API's 401)",
	       cfg->auth_scheme == DV_AUTH_ADFS ? "(resource=URL)" : auth->scope);
	return auth;
}

void dv_auth_free(struct dv_auth *auth)
{
	if (!auth)
		return;
	if (auth->cache_fd >= 0 || auth->cache_locked)
		dv_auth_cache_unlock(auth);
	dv_auth_free_secret(auth->token);
	dv_auth_free_secret(auth->refresh_token);
	free(auth->token_url);
	free(auth->scope);
	free(auth->authority);
	free(auth->user_scope);
	free(auth->cache_key);
	free(auth->http_user);
	dv_auth_free_secret(auth->http_password);
	free(auth);
}

void dv_auth_set_notify(struct dv_auth *auth, dv_auth_notify_fn fn, void *ctx)
{
	auth->notify = fn;
	auth->notify_ctx = ctx;
}

const char *dv_auth_flow_name(const struct dv_auth *auth)
{
	return auth->flow->name;
}

void dv_auth_tell(struct dv_auth *auth, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	DV_LOG(auth->log, DV_LOG_ERROR, auth, "%s", text);
	if (auth->notify)
		auth->notify(auth->notify_ctx, text);
}

const char *dv_auth_token_url(const struct dv_auth *auth)
{
	return auth->token_url;
}

int dv_auth_store_token(struct dv_auth *auth, const char *token, long expires_in,
			struct dv_error *err)
{
	char *copy = dv_strdup(token);
	long ahead;
	if (!copy)
		return dv_error_nomem(err);
	dv_auth_free_secret(auth->token);
	auth->token = copy;
	if (expires_in <= 0) {
		auth->expires_at = 0;
		auth->refresh_at = 0;
		auth->expires_on = 0;
		return 0;
	}
	ahead = expires_in / 2 < RENEW_AHEAD_SECONDS ? expires_in / 2 : RENEW_AHEAD_SECONDS;
	auth->expires_at = dv_auth_now() + expires_in;
	auth->refresh_at = auth->expires_at - ahead;
	auth->expires_on = (long long)time(NULL) + expires_in;
	return 0;
}

/* ---- getting a token through the cache -------------------------------- */

static int set_refresh_token(struct dv_auth *auth, const char *rt, struct dv_error *err)
{
	char *copy = NULL;
	if (rt && *rt && !(copy = dv_strdup(rt)))
		return dv_error_nomem(err);
	dv_auth_free_secret(auth->refresh_token);
	auth->refresh_token = copy;
	return 0;
}

/* Adopts a stored access token valid for more than a minute that is not the
 * token in hand (which is due or was just rejected).  1 adopted, 0 not. */
static int adopt_stored(struct dv_auth *auth, const struct dv_auth_cache_entry *e,
			struct dv_error *err)
{
	long long left = e->expires_on - (long long)time(NULL);
	if (!e->access_token || left <= CACHE_MIN_VALIDITY)
		return 0;
	if (auth->token && strcmp(auth->token, e->access_token) == 0)
		return 0;
	if (dv_auth_store_token(auth, e->access_token, (long)left, err) != 0)
		return -1;
	DV_LOG(auth->log, DV_LOG_INFO, auth, "using the access token stored in "
	       "OAuthSettingsLocation (valid for %lld s)", left);
	return 1;
}

static int save_tokens(struct dv_auth *auth, struct dv_error *err)
{
	struct dv_auth_cache_entry e = {auth->token, auth->expires_on, auth->refresh_token, NULL};
	return dv_auth_cache_save(auth, &e, err);
}

static int no_stored_sign_in(struct dv_auth *auth, struct dv_error *err)
{
	return dv_error_set(err, DV_S_28000, 0,
			    "InitiateOAuth=REFRESH but no refresh token is stored%s: run "
			    "dvodbc-login for this DSN once (or set InitiateOAuth=GETANDREFRESH to "
			    "sign in now)",
			    dv_auth_cache_enabled(auth) ? " in OAuthSettingsLocation"
							: " (set OAuthSettingsLocation)");
}

/* Renews with the refresh token; when the grant is gone and a sign-in is
 * allowed, falls back to it.  Returns 0, -1 (err set). */
static int renew_or_sign_in(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const struct dv_auth_flow *f = auth->flow;
	int interactive_ok = auth->cfg->initiate_oauth == DV_OAUTH_GETANDREFRESH;

	if (f->delegated && auth->refresh_token) {
		/* a delegated flow's own refresh (AD FS: resource=) replaces the Entra grant */
		if ((f->refresh ? f->refresh(auth, http, err) : dv_auth_refresh_grant(auth, http, err))
		    == 0)
			return 0;
		if (!interactive_ok || !dv_auth_grant_is_gone(err->native))
			return -1;
		DV_LOG(auth->log, DV_LOG_INFO, auth, "the stored sign-in is gone (AADSTS%ld): "
		       "signing in again", err->native);
		set_refresh_token(auth, NULL, err);
	}
	if (f->delegated && !interactive_ok)
		return no_stored_sign_in(auth, err);
	if (auth->token && f->refresh && !f->delegated)
		return f->refresh(auth, http, err);
	return f->acquire(auth, http, err);
}

static int obtain(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	struct dv_auth_cache_entry e;
	int rc, cached = dv_auth_cache_enabled(auth) && !auth->flow->no_cache;

	memset(&e, 0, sizeof(e));
	if (!cached)
		return renew_or_sign_in(auth, http, err);
	if (dv_auth_cache_lock(auth, err) != 0)
		return -1;
	rc = dv_auth_cache_load(auth, &e, err);
	if (rc == 0 && e.refresh_token)
		rc = set_refresh_token(auth, e.refresh_token, err);
	if (rc == 0)
		rc = adopt_stored(auth, &e, err);
	if (rc == 0) {
		rc = renew_or_sign_in(auth, http, err);
		/* saved before unlocking: a rotated refresh token is never lost */
		if (rc == 0)
			rc = save_tokens(auth, err);
	}
	dv_auth_cache_entry_free(&e);
	dv_auth_cache_unlock(auth);
	return rc < 0 ? -1 : 0;
}

int dv_auth_sign_in(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	int rc, cached = dv_auth_cache_enabled(auth) && !auth->flow->no_cache;
	if (cached && dv_auth_cache_lock(auth, err) != 0)
		return -1;
	rc = auth->flow->acquire(auth, http, err);
	if (rc == 0 && cached)
		rc = save_tokens(auth, err);
	if (cached)
		dv_auth_cache_unlock(auth);
	return rc;
}

int dv_auth_token(struct dv_auth *auth, struct dv_http *http, int force_refresh,
		  const char **token, struct dv_error *err)
{
	int rc = 0;
	if (auth->flow->no_cache) {
		if (!auth->token)
			rc = auth->flow->acquire(auth, http, err);
		else if (force_refresh || (auth->refresh_at && dv_auth_now() >= auth->refresh_at))
			rc = auth->flow->refresh(auth, http, err);
	} else if (!auth->token) {
		rc = obtain(auth, http, err);
	} else if (force_refresh || (auth->refresh_at && dv_auth_now() >= auth->refresh_at)) {
		DV_LOG(auth->log, DV_LOG_INFO, auth, "renewing the access token (%s)",
		       force_refresh ? "rejected by the service" : "about to expire");
		rc = obtain(auth, http, err);
	}
	if (rc != 0)
		return -1;
	*token = auth->token;
	return 0;
}

/* ---- token endpoint plumbing ---------------------------------------- */

int dv_auth_form_add(struct dv_buf *b, const char *name, const char *value)
{
	if (b->len && dv_buf_appendc(b, '&') != 0)
		return -1;
	if (dv_buf_appendf(b, "%s=", name) != 0)
		return -1;
	if (!value)
		value = "";
	return dv_url_encode(b, value, strlen(value));
}

int dv_auth_request_token(struct dv_auth *auth, struct dv_http *http,
			  const char *const *fields, int add_client_secret, struct dv_error *err)
{
	struct dv_buf form;
	long status = 0;
	int rc = 0;

	dv_buf_init(&form, 0);
	for (size_t i = 0; fields[i] && rc == 0; i += 2)
		rc = dv_auth_form_add(&form, fields[i], fields[i + 1]);
	if (rc == 0 && add_client_secret)
		rc = dv_auth_form_add_client_secret(auth, &form);
	if (rc != 0) {
		if (form.data)
			memset(form.data, 0, form.len);
		dv_buf_free(&form);
		return dv_error_nomem(err);
	}
	rc = dv_auth_post_token_form(auth, http, dv_buf_str(&form), &status, err);
	memset(form.data, 0, form.len);
	dv_buf_free(&form);
	if (rc != 0)
		dv_auth_explain(auth, status, err);
	return rc;
}

static long expires_in_of(yajl_val root)
{
	static const char *path[] = {"expires_in", NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);
	long secs = 0;
	if (v && YAJL_IS_INTEGER(v))
		return (long)YAJL_GET_INTEGER(v);
	if (v && YAJL_IS_STRING(v) && dv_parse_long(YAJL_GET_STRING(v), &secs) == 0)
		return secs;
	return 0;
}

int dv_auth_store_token_reply(struct dv_auth *auth, const char *body, struct dv_error *err)
{
	static const char *token_path[] = {"access_token", NULL};
	static const char *rt_path[] = {"refresh_token", NULL};
	char errbuf[128];
	yajl_val root = yajl_tree_parse(body, errbuf, sizeof(errbuf));
	yajl_val tok = root ? yajl_tree_get(root, token_path, yajl_t_string) : NULL;
	yajl_val rt = root ? yajl_tree_get(root, rt_path, yajl_t_string) : NULL;
	int rc;

	if (!tok || !*YAJL_GET_STRING(tok)) {
		yajl_tree_free(root);
		return dv_error_set(err, DV_S_28000, 0, "the token endpoint %s answered without "
				    "an access_token", auth->token_url);
	}
	rc = dv_auth_store_token(auth, YAJL_GET_STRING(tok), expires_in_of(root), err);
	/* Source: spec section 15: a refresh may return a new refresh token:
	 * replace the stored one (the caller saves it before anything else). */
	if (rc == 0 && rt && *YAJL_GET_STRING(rt))
		rc = set_refresh_token(auth, YAJL_GET_STRING(rt), err);
	if (rc == 0)
		DV_LOG(auth->log, DV_LOG_INFO, auth, "got an access token valid for %ld s%s",
		       expires_in_of(root), rt && *YAJL_GET_STRING(rt) ? " and a refresh token" : "");
	yajl_tree_free(root);
	return rc;
}

int dv_auth_post_form(struct dv_auth *auth, struct dv_http *http, const char *url,
		      const char *form, struct dv_http_resp *resp, struct dv_error *err)
{
	struct dv_http_req req;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.body = form;
	req.body_len = strlen(form);
	req.content_type = "application/x-www-form-urlencoded";
	req.idempotent = 1;  /* a token request changes nothing: safe to resend */
	req.no_auth = 1;
	return dv_http_send(http, &req, resp, err);
}

int dv_auth_post_token_form(struct dv_auth *auth, struct dv_http *http, const char *form,
			    long *status, struct dv_error *err)
{
	struct dv_http_resp resp;
	int rc;

	dv_http_resp_init(&resp);
	rc = dv_auth_post_form(auth, http, auth->token_url, form, &resp, err);
	*status = resp.status;
	if (rc == 0)
		rc = dv_auth_store_token_reply(auth, dv_buf_str(&resp.body), err);
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	dv_http_resp_free(&resp);
	return rc;
}
