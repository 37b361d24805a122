/* auth_device.c - the device code flow (OAuthGrantType=DEVICE), for machines
 * without a browser.
 *
 * POST <authority>/devicecode (client_id&scope) -> {"device_code","user_code",
 * "verification_uri","expires_in","interval","message"}; the user is told the
 * message (log at every Verbosity, and the notify callback), then the token
 * endpoint is polled every `interval` seconds with grant_type=urn:ietf:params:
 * oauth:grant-type:device_code&client_id&device_code:
 *   authorization_pending -> poll again; slow_down -> interval + 5 s (RFC 8628;
 *   undocumented by Entra); authorization_declined, expired_token,
 *   bad_verification_code -> 28000; anything else -> dv_auth_explain.
 * The v1 reply's verification_url and string numbers are accepted too.
 * Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
 *         RFC 8628 section 3.5; spec section 15. */
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

#define DEFAULT_INTERVAL 5
#define SLOW_DOWN_STEP 5

#define GRANT_DEVICE "urn:ietf:params:oauth:grant-type:device_code"

struct device {
	char *device_code; /* secret */
	char *user_code;
	char *uri;
	char *message;
	long expires_in;
	long interval;
};

static int device_applies(const struct dv_config *cfg)
{
	return cfg->auth_scheme == DV_AUTH_AZUREAD && cfg->grant_type == DV_GRANT_DEVICE;
}

static const char *str_at(yajl_val root, const char *name)
{
	const char *path[] = {name, NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : NULL;
}

static long num_at(yajl_val root, const char *name, long dflt)
{
	const char *path[] = {name, NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);
	long n;
	if (v && YAJL_IS_INTEGER(v))
		return (long)YAJL_GET_INTEGER(v);
	if (v && YAJL_IS_STRING(v) && dv_parse_long(YAJL_GET_STRING(v), &n) == 0)
		return n;
	return dflt;
}

static void device_free(struct device *d)
{
	dv_auth_free_secret(d->device_code);
	free(d->user_code);
	free(d->uri);
	free(d->message);
}

static int parse_device(const char *body, struct device *d, struct dv_error *err)
{
	char errbuf[128];
	yajl_val root = yajl_tree_parse(body, errbuf, sizeof(errbuf));
	const char *uri;
	memset(d, 0, sizeof(*d));
	if (!root || !str_at(root, "device_code") || !str_at(root, "user_code")) {
		yajl_tree_free(root);
		return dv_error_set(err, DV_S_28000, 0, "the devicecode endpoint answered without "
				    "a device code");
	}
	uri = str_at(root, "verification_uri") ? str_at(root, "verification_uri")
					       : str_at(root, "verification_url");
	d->device_code = dv_strdup(str_at(root, "device_code"));
	d->user_code = dv_strdup(str_at(root, "user_code"));
	d->uri = dv_strdup(uri ? uri : "https://microsoft.com/devicelogin");
	d->message = dv_strdup(str_at(root, "message"));
	d->expires_in = num_at(root, "expires_in", 900);
	d->interval = num_at(root, "interval", DEFAULT_INTERVAL);
	if (d->interval < 1)
		d->interval = 1;
	yajl_tree_free(root);
	if (!d->device_code || !d->user_code || !d->uri) {
		device_free(d);
		return dv_error_nomem(err);
	}
	return 0;
}

static int start(struct dv_auth *auth, struct dv_http *http, struct device *d,
		 struct dv_error *err)
{
	struct dv_buf form, url;
	struct dv_http_resp resp;
	int rc;

	dv_buf_init(&form, 0);
	dv_buf_init(&url, 0);
	dv_http_resp_init(&resp);
	if (dv_auth_form_add(&form, "client_id", auth->cfg->oauth_client_id) != 0 ||
	    dv_auth_form_add(&form, "scope", auth->user_scope) != 0 ||
	    dv_buf_appendf(&url, "%s/devicecode", auth->authority) != 0) {
		rc = dv_error_nomem(err);
	} else {
		rc = dv_auth_post_form(auth, http, dv_buf_str(&url), dv_buf_str(&form), &resp,
				       err);
		if (rc == 0)
			rc = parse_device(dv_buf_str(&resp.body), d, err);
		else
			dv_auth_explain(auth, resp.status, err);
	}
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	dv_http_resp_free(&resp);
	dv_buf_free(&form);
	dv_buf_free(&url);
	return rc;
}

/* The "error" of a token-endpoint error body ("" when none). */
static void error_name(const struct dv_buf *body, char *out, size_t size)
{
	char errbuf[64];
	yajl_val root = yajl_tree_parse(dv_buf_str(body), errbuf, sizeof(errbuf));
	const char *e = root ? str_at(root, "error") : NULL;
	dv_strlcpy(out, e ? e : "", size);
	yajl_tree_free(root);
}

enum poll_result { P_DONE, P_PENDING, P_SLOW_DOWN, P_FAILED };

static enum poll_result poll_once(struct dv_auth *auth, struct dv_http *http,
				  const struct device *d, struct dv_error *err)
{
	struct dv_buf form;
	struct dv_http_resp resp;
	char error[64] = "";
	enum poll_result r = P_FAILED;

	dv_buf_init(&form, 0);
	if (dv_auth_form_add(&form, "grant_type", GRANT_DEVICE) != 0 ||
	    dv_auth_form_add(&form, "client_id", auth->cfg->oauth_client_id) != 0 ||
	    dv_auth_form_add(&form, "device_code", d->device_code) != 0 ||
	    dv_auth_form_add_client_secret(auth, &form) != 0) {
		dv_buf_free(&form);
		dv_error_nomem(err);
		return P_FAILED;
	}
	dv_http_resp_init(&resp);
	if (dv_auth_post_form(auth, http, auth->token_url, dv_buf_str(&form), &resp, err) == 0) {
		r = dv_auth_store_token_reply(auth, dv_buf_str(&resp.body), err) == 0 ? P_DONE
										       : P_FAILED;
	} else if (resp.status == 400) {
		error_name(&resp.body, error, sizeof(error));
		if (strcmp(error, "authorization_pending") == 0)
			r = P_PENDING;
		else if (strcmp(error, "slow_down") == 0)
			r = P_SLOW_DOWN;
		else if (strcmp(error, "authorization_declined") == 0)
			dv_error_set(err, DV_S_28000, err->native, "the sign-in with the device "
				     "code was declined: connect again to get a new code");
		else if (strcmp(error, "expired_token") == 0)
			dv_error_set(err, DV_S_28000, err->native, "the device code expired before "
				     "the sign-in was completed (%ld s): connect again and enter "
				     "the new code sooner", d->expires_in);
		else if (strcmp(error, "bad_verification_code") == 0)
			dv_error_set(err, DV_S_28000, err->native, "the identity platform no longer "
				     "knows the device code: connect again");
		else
			dv_auth_explain(auth, resp.status, err);
	} else {
		dv_auth_explain(auth, resp.status, err);
	}
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	dv_http_resp_free(&resp);
	memset(form.data, 0, form.len);
	dv_buf_free(&form);
	return r;
}

static void sleep_seconds(long s)
{
	struct timespec ts = {s, 0};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static int device_acquire(struct dv_auth *auth, struct dv_http *http, struct dv_error *err)
{
	struct device d;
	long long deadline;
	int rc = -1;

	if (!auth->cfg->oauth_client_id || !*auth->cfg->oauth_client_id)
		return dv_error_set(err, DV_S_28000, 0, "OAuthClientId is required for "
				    "OAuthGrantType=DEVICE: set it to the application (client) ID of "
				    "an app registration that allows public client flows");
	if (start(auth, http, &d, err) != 0)
		return -1;
	if (d.message && *d.message)
		dv_auth_tell(auth, "%s", d.message);
	else
		dv_auth_tell(auth, "To sign in, open %s and enter the code %s", d.uri,
			     d.user_code);
	deadline = dv_auth_now() + d.expires_in;
	for (;;) {
		enum poll_result r;
		if (dv_auth_now() > deadline) {
			rc = dv_error_set(err, DV_S_28000, 70019, "the device code expired before "
					  "the sign-in was completed (%ld s): connect again and "
					  "enter the new code sooner", d.expires_in);
			break;
		}
		sleep_seconds(d.interval);
		r = poll_once(auth, http, &d, err);
		if (r == P_DONE) {
			rc = 0;
			break;
		}
		if (r == P_FAILED)
			break;
		if (r == P_SLOW_DOWN) {
			d.interval += SLOW_DOWN_STEP;
			DV_LOG(auth->log, DV_LOG_INFO, auth, "asked to slow down: polling every "
			       "%ld s", d.interval);
		}
	}
	device_free(&d);
	return rc;
}

const struct dv_auth_flow dv_auth_flow_device = {
	"device code", device_applies, device_acquire, NULL, 1, 0,
};
