/* auth_ntlm.c - Windows authentication of on-premises CRM (AuthScheme=NTLM).
 *
 * No bearer token: IIS answers an unauthenticated request with 401 and
 * "WWW-Authenticate: Negotiate" + "WWW-Authenticate: NTLM", and libcurl runs
 * the handshake on the connection (dv_http asks dv_auth_http_login for the
 * method and credentials).  The connection stays authenticated while it is
 * kept alive, as IIS's connection-based authentication does.
 *
 * Which method: with User and Password, NTLM (curl splits "DOMAIN\user" into
 * domain and user; "user@domain" is sent as is, which Windows accepts).  Not
 * Negotiate as well: libcurl prefers Negotiate when the server offers both,
 * and its GSS-API Negotiate cannot use a password - without a Kerberos ticket
 * it fails and never falls back to NTLM.  Without User, Negotiate with the
 * Kerberos ticket of the process (kinit; SPN HTTP/<server>).
 * A 401 after the handshake means the credentials were refused: no retry
 * (a second failed logon counts against the account's lockout threshold).
 * Source: spec section 16; https://curl.se/libcurl/c/CURLOPT_HTTPAUTH.html */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "util/strutil.h"

#include <curl/curl.h>
#include <string.h>

static int ntlm_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_NTLM;
}

/* Nothing to fetch: the handshake happens inside each HTTP exchange. */
static int ntlm_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	return 0;
}

const struct dv_auth_flow dv_auth_flow_ntlm = {
	"Windows authentication (NTLM/Negotiate)", ntlm_applies, ntlm_acquire, NULL, 0, 1,
};

int dv_auth_ntlm_init(struct dv_auth *auth, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	int has_user = cfg->user && *cfg->user;

	if (has_user && (!cfg->password || !*cfg->password))
		return dv_error_set(err, DV_S_28000, 0, "AuthScheme=NTLM with User needs Password "
				    "(or leave User empty to use the Kerberos ticket of kinit)");
	auth->http_auth_mask = has_user ? (long)CURLAUTH_NTLM : (long)CURLAUTH_NEGOTIATE;
	/* Source: CURLOPT_USERPWD: ":" makes Negotiate use the ticket cache. */
	auth->http_user = dv_strdup(has_user ? cfg->user : "");
	auth->http_password = dv_strdup(has_user ? cfg->password : "");
	if (!auth->http_user || !auth->http_password)
		return dv_error_nomem(err);
	return 0;
}

long dv_auth_http_login(const struct dv_auth *auth, const char **user, const char **password)
{
	if (!auth || !auth->http_auth_mask)
		return 0;
	if (user)
		*user = auth->http_user;
	if (password)
		*password = auth->http_password;
	return auth->http_auth_mask;
}

int dv_auth_explain_401(const struct dv_auth *auth, struct dv_error *err)
{
	if (!auth || !auth->http_auth_mask)
		return 0;
	if (auth->http_auth_mask == (long)CURLAUTH_NEGOTIATE)
		dv_error_set(err, DV_S_28000, 0, "the server rejected the Kerberos sign-in "
			     "(Negotiate): run kinit for a user of the CRM domain, or set User "
			     "(DOMAIN\\user or user@domain) and Password for NTLM");
	else
		dv_error_set(err, DV_S_28000, 0, "the server rejected User/Password (NTLM): check "
			     "User (DOMAIN\\user or user@domain) and Password, and that the account "
			     "is a CRM user");
	return 1;
}
