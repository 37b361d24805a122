/* auth_password.c - the resource owner password grant (OAuthGrantType=PASSWORD).
 *
 * POST <authority>/<tenant>/oauth2/v2.0/token with grant_type=password&
 * client_id&username&password&scope[&client_secret].  Only for tenants that
 * still allow it: it fails with MFA, federation and Conditional Access, and
 * cannot use the tenant 'common' (the driver's default is 'organizations').
 * Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "util/buf.h"

#include <string.h>

static int password_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_AZUREAD && cfg->grant_type == DV_GRANT_PASSWORD;
}

static int password_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	const char *const fields[] = {
		"grant_type", "password",
		"client_id", cfg->oauth_client_id,
		"username", cfg->user,
		"password", cfg->password,
		"scope", auth->user_scope,
		NULL,
	};

	if (!cfg->user || !*cfg->user || !cfg->password || !*cfg->password)
		return dv_error_set(err, DV_S_28000, 0,
				    "OAuthGrantType=PASSWORD needs User and Password");
	return dv_auth_request_token(auth, http, fields, 1, err);
}

const struct dv_auth_flow dv_auth_flow_password = {
	"password", password_applies, password_acquire, NULL, 1, 0,
};
