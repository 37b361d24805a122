/* auth_client_secret.c - client credentials with a client secret.
 *
 * POST <authority>/<tenant>/oauth2/v2.0/token with
 * grant_type=client_credentials&client_id&client_secret&scope=<URL>/.default
 * (form values URL-encoded).  The common identity-platform rejections are
 * rewritten into messages that say which key to fix.
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

/* Replaces err's message for the AADSTS codes a user can act on. */
static void explain_rejection(const struct dv_auth *auth, long status, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	long code = err->native;

	if (status == 0) {
		if (err->state == DV_S_08001 || err->state == DV_S_08S01)
			dv_error_prefix(err, "cannot reach the sign-in authority %s",
					dv_config_authority_host(cfg));
		return;
	}
	if (code == 7000215)
		dv_error_set(err, DV_S_28000, code, "the client secret was rejected: check "
			     "OAuthClientSecret holds the secret's Value, not its ID "
			     "(AADSTS7000215)");
	else if (code == 7000222)
		dv_error_set(err, DV_S_28000, code, "the client secret has expired: create a new "
			     "one for the app registration and set OAuthClientSecret "
			     "(AADSTS7000222)");
	else if (code == 700016)
		dv_error_set(err, DV_S_28000, code, "no application with OAuthClientId %.64s in "
			     "tenant %.128s: check OAuthClientId and AzureTenant (AADSTS700016)",
			     cfg->oauth_client_id, cfg->azure_tenant);
	else if (code == 90002)
		dv_error_set(err, DV_S_08001, code, "tenant '%.128s' was not found: check "
			     "AzureTenant (and AzureEnvironment) (AADSTS90002)", cfg->azure_tenant);
	else if (code == 500011 || code == 70011)
		dv_error_set(err, DV_S_28000, code, "the sign-in authority refused the scope "
			     "%.300s: check URL is the organization URL (e.g. "
			     "https://contoso.crm.dynamics.com) of an environment in tenant %.128s "
			     "(AADSTS%ld)", auth->scope, cfg->azure_tenant, code);
}

static int secret_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	struct dv_buf form;
	long status = 0;
	int rc;

	dv_buf_init(&form, 0);
	if (dv_auth_form_add(&form, "grant_type", "client_credentials") != 0 ||
	    dv_auth_form_add(&form, "client_id", cfg->oauth_client_id) != 0 ||
	    dv_auth_form_add(&form, "client_secret", cfg->oauth_client_secret) != 0 ||
	    dv_auth_form_add(&form, "scope", auth->scope) != 0) {
		dv_buf_free(&form);
		return dv_error_nomem(err);
	}
	rc = dv_auth_post_token_form(auth, http, dv_buf_str(&form), &status, err);
	memset(form.data, 0, form.len);
	dv_buf_free(&form);
	if (rc != 0)
		explain_rejection(auth, status, err);
	return rc;
}

const struct dv_auth_flow dv_auth_flow_client_secret = {
	"client credentials (secret)", secret_applies, secret_acquire, NULL,
};
