/* auth_static.c - the flow for a token supplied in OAuthAccessToken.
 *
 * Used when InitiateOAuth=OFF or AuthScheme=None: the token is sent as given
 * and cannot be renewed, so a rejection (401) becomes 28000 telling the user
 * to supply a fresh token. */
#include "auth/auth_priv.h"
#include "config/config.h"

static int static_applies(const struct dv_config *cfg)
{
	return cfg->initiate_oauth == DV_OAUTH_OFF || cfg->auth_scheme == DV_AUTH_NONE;
}

static int static_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const char *tok = auth->cfg->oauth_access_token;
	if (!tok || !*tok)
		return dv_error_set(err, DV_S_28000, 0,
				    "no access token: set OAuthAccessToken, or set "
				    "InitiateOAuth=GETANDREFRESH with a sign-in method");
	return dv_auth_store_token(auth, tok, 0, err);
}

static int static_refresh(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	return dv_error_set(err, DV_S_28000, 401,
			    "the service rejected the token in OAuthAccessToken (expired or for "
			    "another organization URL): supply a new token, or set "
			    "InitiateOAuth=GETANDREFRESH so the driver gets its own");
}

const struct dv_auth_flow dv_auth_flow_static = {
	"static token", static_applies, static_acquire, static_refresh, 0, 1,
};
