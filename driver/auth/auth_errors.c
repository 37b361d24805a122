/* auth_errors.c - identity-platform rejections rewritten into what to fix.
 *
 * Owns: the table from AADSTS number to SQLSTATE and a message naming the
 * connection key or the app-registration setting to change.  Codes not in
 * the table keep the platform's own first line (set by odata_error.c).
 * Messages never carry a secret, token, code or password: only the client
 * id, tenant, scope and URLs, which are not secret.
 * Source: spec section 15 error table;
 *         https://learn.microsoft.com/entra/identity-platform/reference-error-codes */
#include "auth/auth_priv.h"
#include "config/config.h"

#include "util/buf.h"

#include <stddef.h>
#include <string.h>

struct explanation {
	long code;
	int connect_failure; /* 08001 instead of 28000 */
	const char *text;    /* {cid} client id, {tenant}, {cb} CallbackURL are replaced */
};

#define RELOGIN "run dvodbc-login for this DSN again (or set InitiateOAuth=GETANDREFRESH)"

static const struct explanation table[] = {
	{7000215, 0, "the client secret was rejected: check OAuthClientSecret holds the "
		     "secret's Value, not its ID"},
	{7000222, 0, "the client secret has expired: create a new one for the app "
		     "registration and set OAuthClientSecret"},
	{7000218, 0, "the app registration {cid} is a confidential client and needs a credential: "
		     "set OAuthClientSecret or OAuthJWTCert, or turn on 'Allow public client "
		     "flows' in the app registration's Authentication page"},
	{700025, 0, "the app registration {cid} is a public client: remove OAuthClientSecret"},
	{700027, 0, "the certificate assertion was rejected: upload the certificate of "
		    "OAuthJWTCert to the app registration {cid} (Certificates & secrets) and check "
		    "that OAuthJWTCert holds its private key"},
	{700024, 0, "the certificate assertion is outside its validity period: check this "
		    "machine's clock"},
	{50012, 0, "the certificate was not accepted: upload the certificate of OAuthJWTCert "
		   "to the app registration {cid} again (it may have expired)"},
	{700016, 0, "no application with OAuthClientId {cid} in tenant {tenant}: check "
		    "OAuthClientId and AzureTenant"},
	{90002, 1, "tenant '{tenant}' was not found: check AzureTenant (and AzureEnvironment)"},
	{9001023, 0, "this sign-in cannot use the tenant 'common': set AzureTenant to the "
		     "tenant ID or domain"},
	{65001, 0, "consent is missing: an administrator must grant consent to the app "
		   "registration {cid} for Dynamics CRM user_impersonation (API permissions > "
		   "Grant admin consent), or the user must consent once with OAuthGrantType=CODE"},
	{70008, 0, "the stored sign-in has expired or was already used: " RELOGIN},
	{700082, 0, "the stored sign-in (refresh token) has expired after a period of "
		    "inactivity: " RELOGIN},
	{50173, 0, "the stored sign-in was revoked (password changed or sessions revoked): "
		   RELOGIN},
	{54005, 0, "the authorization code was already used: sign in again (remove "
		   "OAuthVerifier or supply a new code)"},
	{501481, 0, "the authorization code does not match this DSN's PKCE verifier: sign in "
		    "again"},
	{50011, 0, "the redirect URI {cb} is not registered: add it to the app registration "
		   "{cid} (Authentication > Mobile and desktop applications) or change CallbackURL"},
	{50126, 0, "the user name or password is wrong: check User and Password"},
	{50034, 0, "the user in User does not exist in tenant {tenant}: check User"},
	{50053, 0, "the account in User is locked after too many failed sign-ins: wait, or ask "
		   "an administrator"},
	{50055, 0, "the password of User has expired: change it, then update Password"},
	{50057, 0, "the account in User is disabled: ask an administrator"},
	{50076, 0, "multi-factor authentication is required, which OAuthGrantType=PASSWORD "
		   "cannot do: use OAuthGrantType=CODE (browser) or DEVICE"},
	{50079, 0, "the user must register for multi-factor authentication: sign in once in a "
		   "browser, then use OAuthGrantType=CODE or DEVICE"},
	{53003, 0, "a Conditional Access policy blocked the sign-in: ask an administrator to "
		   "allow this app or device"},
	{700022, 0, "the scope names more than one resource: check URL"},
};

int dv_auth_grant_is_gone(long aadsts)
{
	return aadsts == 70008 || aadsts == 700082 || aadsts == 50173 || aadsts == 54005 ||
	       aadsts == 501481 || aadsts == 70000;
}

/* Expands the {name} placeholders of an explanation (values cut at 200). */
static void expand(struct dv_buf *b, const char *text, const char *cid, const char *tenant,
		   const char *cb)
{
	static const char *const names[] = {"{cid}", "{tenant}", "{cb}"};
	const char *values[] = {cid, tenant, cb};
	while (*text) {
		size_t i, n = 3;
		for (i = 0; i < n; i++)
			if (strncmp(text, names[i], strlen(names[i])) == 0)
				break;
		if (i < n) {
			dv_buf_appendf(b, "%.200s", values[i]);
			text += strlen(names[i]);
		} else {
			dv_buf_appendc(b, *text++);
		}
	}
}

void dv_auth_explain(const struct dv_auth *auth, long status, struct dv_error *err)
{
	const struct dv_config *cfg = auth->cfg;
	long code = err->native;
	const char *cid = cfg->oauth_client_id ? cfg->oauth_client_id : "";
	const char *tenant = cfg->azure_tenant && *cfg->azure_tenant ? cfg->azure_tenant
								   : "organizations";
	const char *cb = cfg->callback_url ? cfg->callback_url : "";

	if (status == 0) {
		if (err->state == DV_S_08001 || err->state == DV_S_08S01)
			dv_error_prefix(err, "cannot reach the sign-in authority %s",
					dv_config_authority_host(cfg));
		return;
	}
	if (code == 500011 || code == 70011) {
		dv_error_set(err, DV_S_28000, code, "the sign-in authority refused the scope "
			     "%.300s: check URL is the organization URL (e.g. "
			     "https://contoso.crm.dynamics.com) of an environment in tenant %.128s "
			     "(AADSTS%ld)", auth->flow->delegated ? auth->user_scope : auth->scope,
			     tenant, code);
		return;
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct dv_buf text;
		if (table[i].code != code)
			continue;
		dv_buf_init(&text, DV_ERROR_MSG_MAX);
		expand(&text, table[i].text, cid, tenant, cb);
		dv_error_set(err, table[i].connect_failure ? DV_S_08001 : DV_S_28000, code,
			     "%s (AADSTS%ld)", dv_buf_str(&text), code);
		dv_buf_free(&text);
		return;
	}
}
