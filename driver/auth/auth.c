/* auth.c - the dv_auth object: flow choice, the current token, renewal.
 *
 * Owns: the table of flows, picking one from the configuration, keeping the
 * token and when to renew it, and the token-endpoint plumbing shared by the
 * OAuth flows (form building, POST, parsing {"access_token","expires_in"}).
 * expires_in may be a number (v2 endpoint) or a string (v1, managed
 * identity); lifetimes vary (60-90 min), so it is always read, never assumed.
 * Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#define RENEW_AHEAD_SECONDS 300

static const struct dv_auth_flow *const flows[] = {
	&dv_auth_flow_static,
	&dv_auth_flow_client_secret,
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
	struct dv_buf b;
	const char *tenant = cfg->azure_tenant && *cfg->azure_tenant ? cfg->azure_tenant
								     : "organizations";
	dv_buf_init(&b, 0);
	if (dv_buf_appendf(&b, "%s/", dv_config_authority_host(cfg)) != 0 ||
	    dv_url_encode(&b, tenant, strlen(tenant)) != 0 ||
	    dv_buf_appends(&b, "/oauth2/v2.0/token") != 0)
		goto nomem;
	auth->token_url = dv_buf_steal(&b);
	if (dv_buf_appendf(&b, "%s/.default", cfg->url ? cfg->url : "") != 0)
		goto nomem;
	auth->scope = dv_buf_steal(&b);
	if (!auth->token_url || !auth->scope)
		goto nomem;
	return 0;
nomem:
	dv_buf_free(&b);
	return dv_error_nomem(err);
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
	for (size_t i = 0; flows[i] && !auth->flow; i++)
		if (flows[i]->applies(cfg))
			auth->flow = flows[i];
	if (!auth->flow) {
		dv_error_set(err, DV_S_HYC00, 0,
			     "AuthScheme=%s is not supported by this build of the driver yet: use "
			     "AzureServicePrincipal with OAuthClientSecret, or OAuthAccessToken",
			     scheme_name(cfg->auth_scheme));
		free(auth);
		return NULL;
	}
	if (build_endpoints(auth, err) != 0) {
		dv_auth_free(auth);
		return NULL;
	}
	DV_LOG(log, DV_LOG_INFO, auth, "auth flow %s, token endpoint %s, scope %s",
	       auth->flow->name, auth->token_url, auth->scope);
	return auth;
}

void dv_auth_free(struct dv_auth *auth)
{
	if (!auth)
		return;
	if (auth->token)
		memset(auth->token, 0, strlen(auth->token));
	free(auth->token);
	free(auth->token_url);
	free(auth->scope);
	free(auth);
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
	if (auth->token)
		memset(auth->token, 0, strlen(auth->token));
	free(auth->token);
	auth->token = copy;
	if (expires_in <= 0) {
		auth->expires_at = 0;
		auth->refresh_at = 0;
		return 0;
	}
	ahead = expires_in / 2 < RENEW_AHEAD_SECONDS ? expires_in / 2 : RENEW_AHEAD_SECONDS;
	auth->expires_at = dv_auth_now() + expires_in;
	auth->refresh_at = auth->expires_at - ahead;
	return 0;
}

int dv_auth_token(struct dv_auth *auth, struct dv_http *http, int force_refresh,
		  const char **token, struct dv_error *err)
{
	int rc = 0;
	if (!auth->token) {
		rc = auth->flow->acquire(auth, http, err);
	} else if (force_refresh || (auth->refresh_at && dv_auth_now() >= auth->refresh_at)) {
		DV_LOG(auth->log, DV_LOG_INFO, auth, "renewing the access token (%s)",
		       force_refresh ? "rejected by the service" : "about to expire");
		rc = auth->flow->refresh ? auth->flow->refresh(auth, http, err)
					 : auth->flow->acquire(auth, http, err);
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

static int store_token_reply(struct dv_auth *auth, const struct dv_buf *body,
			     struct dv_error *err)
{
	static const char *token_path[] = {"access_token", NULL};
	char errbuf[128];
	yajl_val root = yajl_tree_parse(dv_buf_str(body), errbuf, sizeof(errbuf));
	yajl_val tok = root ? yajl_tree_get(root, token_path, yajl_t_string) : NULL;
	int rc;

	if (!tok || !*YAJL_GET_STRING(tok)) {
		yajl_tree_free(root);
		return dv_error_set(err, DV_S_28000, 0, "the token endpoint %s answered without "
				    "an access_token", auth->token_url);
	}
	rc = dv_auth_store_token(auth, YAJL_GET_STRING(tok), expires_in_of(root), err);
	if (rc == 0)
		DV_LOG(auth->log, DV_LOG_INFO, auth, "got an access token valid for %ld s",
		       expires_in_of(root));
	yajl_tree_free(root);
	return rc;
}

int dv_auth_post_token_form(struct dv_auth *auth, struct dv_http *http, const char *form,
			    long *status, struct dv_error *err)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = auth->token_url;
	req.body = form;
	req.body_len = strlen(form);
	req.content_type = "application/x-www-form-urlencoded";
	req.idempotent = 1;  /* a token request changes nothing: safe to resend */
	req.no_auth = 1;
	dv_http_resp_init(&resp);
	rc = dv_http_send(http, &req, &resp, err);
	*status = resp.status;
	if (rc == 0)
		rc = store_token_reply(auth, &resp.body, err);
	dv_http_resp_free(&resp);
	return rc;
}
