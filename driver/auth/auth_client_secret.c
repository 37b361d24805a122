/* auth_client_secret.c - client credentials with a client secret.
 *
 * POST <authority>/<tenant>/oauth2/v2.0/token with
 * grant_type=client_credentials&client_id&client_secret&scope=<URL>/.default
 * (form values URL-encoded).  Rejections are rewritten by dv_auth_explain
 * (auth_errors.c) into messages that say which key to fix.
 * Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 *         https://learn.microsoft.com/entra/identity-platform/reference-error-codes */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "util/buf.h"

#include <string.h>

static int secret_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_AZURE_SERVICE_PRINCIPAL &&
	       cfg->oauth_client_secret && *cfg->oauth_client_secret;
}

static int secret_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	const char *const fields[] = {
		"grant_type", "client_credentials",
		"client_id", cfg->oauth_client_id,
		"client_secret", cfg->oauth_client_secret,
		"scope", auth->scope,
		NULL,
	};

	return dv_auth_request_token(auth, http, fields, 0, err);
}

const struct dv_auth_flow dv_auth_flow_client_secret = {
	"client credentials (secret)", secret_applies, secret_acquire, NULL, 0, 0,
};
