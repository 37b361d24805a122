/* auth_msi.c - managed identity (AuthScheme=AzureMSI) from the instance
 * metadata service (IMDS).
 *
 * GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=
 * 2018-02-01&resource=<URL>[&client_id=<OAuthClientId>] with "Metadata: true",
 * never through a proxy.  The reply has string numbers ("expires_in":"3599")
 * and an empty refresh_token: renewal asks IMDS again.  404, 410 (identity
 * being updated), 429 and 5xx are retried with backoff; other 4xx are final.
 * AzureMSIEndpoint replaces the IMDS URL (tests, private setups).
 * Source: https://learn.microsoft.com/entra/identity/
 *         managed-identities-azure-resources/how-to-use-vm-token
 *         spec section 15 "Managed identity". */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define IMDS_URL "http://169.254.169.254/metadata/identity/oauth2/token"
#define IMDS_TRIES 4

static int msi_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_AZURE_MSI;
}

static int build_url(const struct dv_auth *auth, struct dv_buf *b)
{
	const struct dv_config *cfg = auth->cfg;
	const char *base = cfg->azure_msi_endpoint && *cfg->azure_msi_endpoint
				   ? cfg->azure_msi_endpoint : IMDS_URL;
	const char *url = cfg->url ? cfg->url : "";
	int rc = dv_buf_appendf(b, "%s%capi-version=2018-02-01&resource=", base,
				strchr(base, '?') ? '&' : '?');
	rc |= dv_url_encode(b, url, strlen(url));
	if (cfg->oauth_client_id && *cfg->oauth_client_id) {
		rc |= dv_buf_appends(b, "&client_id=");
		rc |= dv_url_encode(b, cfg->oauth_client_id, strlen(cfg->oauth_client_id));
	}
	return rc ? -1 : 0;
}

static int retryable(long status)
{
	return status == 404 || status == 410 || status == 429 || status >= 500;
}

static void sleep_seconds(long s)
{
	struct timespec ts = {s, 0};
	nanosleep(&ts, NULL);
}

static int explain(const struct dv_auth *auth, long status, const char *url,
		   struct dv_error *err)
{
	char why[DV_ERROR_MSG_MAX];
	if (status == 0) {
		snprintf(why, sizeof(why), "%s", err->message);
		return dv_error_set(err, DV_S_08001, 0, "no managed identity endpoint answered at "
				    "%.300s: AuthScheme=AzureMSI works on an Azure VM, scale set or "
				    "container with a managed identity (AzureMSIEndpoint overrides "
				    "the address) (%.300s)", url, why);
	}
	if (status == 400 && strstr(err->message, "Identity not found"))
		return dv_error_set(err, DV_S_28000, 0, "the managed identity %.64s is not "
				    "attached to this machine: check OAuthClientId (leave it empty "
				    "for the system-assigned identity)",
				    auth->cfg->oauth_client_id ? auth->cfg->oauth_client_id : "");
	dv_error_prefix(err, "the managed identity endpoint refused the token request");
	return -1;
}

static int msi_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	static const char *const headers[] = {"Metadata: true", NULL};
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_buf url;
	int rc = -1;

	dv_buf_init(&url, 0);
	if (build_url(auth, &url) != 0) {
		dv_buf_free(&url);
		return dv_error_nomem(err);
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = dv_buf_str(&url);
	req.headers = headers;
	req.idempotent = 1;
	req.no_auth = 1;
	req.no_proxy = 1;
	dv_http_resp_init(&resp);
	for (int attempt = 1; attempt <= IMDS_TRIES; attempt++) {
		rc = dv_http_send(http, &req, &resp, err);
		if (rc == 0 || !retryable(resp.status) || attempt == IMDS_TRIES)
			break;
		DV_LOG(auth->log, DV_LOG_INFO, auth, "managed identity endpoint answered %ld: "
		       "retrying in %d s", resp.status, 1 << (attempt - 1));
		sleep_seconds(1L << (attempt - 1));
	}
	if (rc == 0)
		rc = dv_auth_store_token_reply(auth, dv_buf_str(&resp.body), err);
	else
		explain(auth, resp.status, dv_buf_str(&url), err);
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	dv_http_resp_free(&resp);
	dv_buf_free(&url);
	return rc;
}

const struct dv_auth_flow dv_auth_flow_msi = {
	"managed identity", msi_applies, msi_acquire, NULL, 0, 0,
};
