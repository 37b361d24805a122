/* auth_refresh.c - the refresh-token grant shared by the user (delegated) flows.
 *
 * POST <authority>/<tenant>/oauth2/v2.0/token with
 * grant_type=refresh_token&client_id&refresh_token&scope[&client_secret].
 * The reply may carry a new refresh token: it replaces the old one at once
 * (dv_auth_store_token_reply; auth.c saves it to the cache before anything
 * else happens).
 * Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 *         ("Refresh the access token"); spec section 15. */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "util/buf.h"

#include <string.h>

int dv_auth_form_add_client_secret(struct dv_auth *auth, struct dv_buf *form)
{
	const char *secret = auth->cfg->oauth_client_secret;
	if (!secret || !*secret)
		return 0;
	return dv_auth_form_add(form, "client_secret", secret);
}

int dv_auth_refresh_grant(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	const char *const fields[] = {
		"grant_type", "refresh_token",
		"client_id", auth->cfg->oauth_client_id,
		"refresh_token", auth->refresh_token,
		"scope", auth->user_scope,
		NULL,
	};

	return dv_auth_request_token(auth, http, fields, 1, err);
}
