/* test_auth_user.c - the user and machine sign-ins against the emulator:
 * password (ROPC), device code (pending, slow_down, declined, expired), the
 * headless code flow (URL handed out, code back through OAuthVerifier),
 * InitiateOAuth=REFRESH with a stored refresh token (rotation saved, expired
 * grant), managed identity (IMDS), every platform error's SQLSTATE and
 * message, and no secret in a Verbosity=4 log. */
#include "test_auth_common.h"

#include <time.h>
#include <unistd.h>

#define PASSWORD_DSN "AuthScheme=AzureAD;OAuthGrantType=PASSWORD;User=" EMU_USER \
	";Password=" EMU_PASSWORD

static char cache_path[400];

static long long mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}
static char log_path[400];

static void test_password(void)
{
	struct client c;
	struct dv_error e;
	const char *tok;
	char want[256], *log;

	emu_reset(&emu);
	is_int(client_open(&c, PASSWORD_DSN, &e), 0, "password: client opens");
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "password: token");
	is_int(whoami_status(&c), 200, "password: the token works on the Web API");
	snprintf(want, sizeof(want), "POST /%s/oauth2/v2.0/token\nGET /api/data/v9.2/WhoAmI\n",
		 EMU_TENANT);
	log = emu_requests(&emu, 0);
	is_str(log, want, "password: one token request, then the Web API");
	free(log);
	client_close(&c);
}

struct error_case {
	const char *name;
	const char *connstr;
	const char *state;
	long native;
	const char *message;
};

static const struct error_case errors[] = {
	{"bad password", "AuthScheme=AzureAD;OAuthGrantType=PASSWORD;User=" EMU_USER
	 ";Password=wrong-pw", "28000", 50126,
	 "the user name or password is wrong: check User and Password (AADSTS50126)"},
	{"MFA required", "AuthScheme=AzureAD;OAuthGrantType=PASSWORD;"
	 "User=mfa@dvemu.onmicrosoft.com;Password=" EMU_PASSWORD, "28000", 50076,
	 "multi-factor authentication is required, which OAuthGrantType=PASSWORD cannot do: use "
	 "OAuthGrantType=CODE (browser) or DEVICE (AADSTS50076)"},
	{"unknown user", "AuthScheme=AzureAD;OAuthGrantType=PASSWORD;"
	 "User=nobody@dvemu.onmicrosoft.com;Password=x", "28000", 50034,
	 "the user in User does not exist in tenant 00000000-0000-0000-0000-00000000aaaa: check "
	 "User (AADSTS50034)"},
	{"locked user", "AuthScheme=AzureAD;OAuthGrantType=PASSWORD;"
	 "User=locked@dvemu.onmicrosoft.com;Password=" EMU_PASSWORD, "28000", 50053,
	 "the account in User is locked after too many failed sign-ins: wait, or ask an "
	 "administrator (AADSTS50053)"},
	{"consent missing", "OAuthClientId=44444444-4444-4444-4444-444444444444;" PASSWORD_DSN,
	 "28000", 65001,
	 "consent is missing: an administrator must grant consent to the app registration "
	 "44444444-4444-4444-4444-444444444444 for Dynamics CRM user_impersonation (API "
	 "permissions > Grant admin consent), or the user must consent once with "
	 "OAuthGrantType=CODE (AADSTS65001)"},
	{"unknown app", "OAuthClientId=99999999-1111-1111-1111-111111111111;" PASSWORD_DSN,
	 "28000", 700016,
	 "no application with OAuthClientId 99999999-1111-1111-1111-111111111111 in tenant "
	 "00000000-0000-0000-0000-00000000aaaa: check OAuthClientId and AzureTenant "
	 "(AADSTS700016)"},
	{"password on common", "AzureTenant=common;" PASSWORD_DSN, "28000", 9001023,
	 "this sign-in cannot use the tenant 'common': set AzureTenant to the tenant ID or "
	 "domain (AADSTS9001023)"},
	{"wrong tenant", "AzureTenant=contoso.example;" PASSWORD_DSN, "08001", 90002,
	 "tenant 'contoso.example' was not found: check AzureTenant (and AzureEnvironment) "
	 "(AADSTS90002)"},
	{"unknown managed identity", "AuthScheme=AzureMSI;"
	 "OAuthClientId=99999999-0000-0000-0000-000000000000", "28000", 0,
	 "the managed identity 99999999-0000-0000-0000-000000000000 is not attached to this "
	 "machine: check OAuthClientId (leave it empty for the system-assigned identity)"},
	{"no refresh token stored", "AuthScheme=AzureAD;OAuthGrantType=CODE;InitiateOAuth=REFRESH;"
	 "OAuthSettingsLocation=memory://empty", "28000", 0,
	 "InitiateOAuth=REFRESH but no refresh token is stored in OAuthSettingsLocation: run "
	 "dvodbc-login for this DSN once (or set InitiateOAuth=GETANDREFRESH to sign in now)"},
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		const struct error_case *t = &errors[i];
		struct dv_error e;
		char cs[1024];
		memset(&e, 0, sizeof(e));
		snprintf(cs, sizeof(cs), "%s;AzureMSIEndpoint=%s/metadata/identity/oauth2/token",
			 t->connstr, emu.url);
		emu_reset(&emu);
		is_int(client_token(cs, &e), -1, "%s: fails", t->name);
		is_str(dv_sqlstate_code(e.state), t->state, "%s: SQLSTATE", t->name);
		is_int(e.native, t->native, "%s: native code", t->name);
		is_str(e.message, t->message, "%s: message", t->name);
	}
	/* REFRESH never starts a sign-in: nothing reached the identity platform */
	is_int(emu_request_count(&emu), 0, "REFRESH without a stored token sent no request");
}

static void device_tell(void *ctx, const char *text)
{
	struct dv_buf *b = ctx;
	dv_buf_appendf(b, "%s\n", text);
}

static int device_run(const char *mode, int pending_polls, struct dv_buf *told,
		      struct dv_error *e)
{
	struct client c;
	const char *tok;
	char cfg[128];
	int rc;
	emu_reset(&emu);
	snprintf(cfg, sizeof(cfg), "{\"interval\":1,\"mode\":\"%s\",\"pending_polls\":%d}", mode,
		 pending_polls);
	emu_post(&emu, "/_emu/identity/device", cfg);
	if (client_open(&c, "AuthScheme=AzureAD;OAuthGrantType=DEVICE", e) != 0)
		return -2;
	dv_auth_set_notify(c.auth, device_tell, told);
	rc = dv_auth_token(c.auth, c.http, 0, &tok, e);
	if (rc == 0 && whoami_status(&c) != 200)
		rc = -3;
	client_close(&c);
	return rc;
}

static void test_device(void)
{
	struct dv_buf told;
	struct dv_error e;
	char *log;
	char want[600];

	dv_buf_init(&told, 0);
	is_int(device_run("approve", 2, &told, &e), 0, "device: signed in after two pending polls");
	ok(strncmp(dv_buf_str(&told), "To sign in, use a web browser to open the page ", 47) == 0,
	   "device: the platform's message is told: %s", dv_buf_str(&told));
	snprintf(want, sizeof(want), "open the page %s/devicelogin and enter the code ", emu.url);
	ok(strstr(dv_buf_str(&told), want) != NULL, "device: URL and code told");
	log = emu_requests(&emu, 0);
	snprintf(want, sizeof(want), "POST /%s/oauth2/v2.0/devicecode\n"
		 "POST /%s/oauth2/v2.0/token\nPOST /%s/oauth2/v2.0/token\n"
		 "POST /%s/oauth2/v2.0/token\nGET /api/data/v9.2/WhoAmI\n",
		 EMU_TENANT, EMU_TENANT, EMU_TENANT, EMU_TENANT);
	is_str(log, want, "device: devicecode, three polls, Web API");
	free(log);

	is_int(device_run("decline", 0, &told, &e), -1, "device: declined fails");
	is_str(dv_sqlstate_code(e.state), "28000", "device declined -> 28000");
	is_str(e.message, "the sign-in with the device code was declined: connect again to get a "
	       "new code", "device declined message");
	is_int(device_run("expire", 0, &told, &e), -1, "device: expired fails");
	is_str(e.message, "the device code expired before the sign-in was completed (900 s): "
	       "connect again and enter the new code sooner", "device expired message");
	is_int(e.native, 70019, "device expired: AADSTS70019");

	long long t0 = mono_seconds();
	is_int(device_run("slow_down", 0, &told, &e), 0, "device: slow_down then signed in");
	ok(mono_seconds() - t0 >= 6, "device: slow_down added 5 s to the 1 s interval");
	dv_buf_free(&told);
}

/* The URL in "sign-in needed: open <URL> in a browser, ..." (caller frees). */
static char *url_in_message(const char *msg)
{
	const char *p = strstr(msg, "open "), *q = p ? strstr(p, " in a browser") : NULL;
	return q ? strndup(p + 5, (size_t)(q - p - 5)) : NULL;
}

static void test_code_headless(void)
{
	struct client c;
	struct dv_error e;
	const char *tok;
	char *url, *location, cs[2048], want[512];
	const char *dsn = "AuthScheme=AzureAD;OAuthGrantType=CODE;OAuthBrowser=none;"
			  "OAuthSettingsLocation=memory://headless";

	emu_reset(&emu);
	is_int(client_token(dsn, &e), -1, "headless code: no token yet");
	is_str(dv_sqlstate_code(e.state), "28000", "headless code: 28000");
	url = url_in_message(e.message);
	snprintf(want, sizeof(want), "%s/%s/oauth2/v2.0/authorize?client_id=%s&response_type=code"
		 "&redirect_uri=http%%3A%%2F%%2Flocalhost%%3A33333&response_mode=query&scope=",
		 emu.url, EMU_TENANT, EMU_CLIENT_ID);
	ok(url && strncmp(url, want, strlen(want)) == 0, "headless code: the URL is handed out: "
	   "%s", url ? url : e.message);
	ok(url && strstr(url, "&code_challenge_method=S256") && strstr(url, "&state="),
	   "headless code: PKCE S256 and state in the URL");
	location = url ? emu_login(url, EMU_USER, EMU_PASSWORD) : NULL;
	/* (libcurl normalises the Location to ".../?code=") */
	ok(location && strncmp(location, "http://localhost:33333/?code=", 29) == 0,
	   "headless code: the login page redirects with a code: %s", location ? location : "-");
	snprintf(cs, sizeof(cs), "%s;OAuthVerifier={%s}", dsn, location ? location : "");
	is_int(client_open(&c, cs, &e), 0, "headless code: client with OAuthVerifier");
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "headless code: code exchanged: %s",
	       e.message);
	is_int(whoami_status(&c), 200, "headless code: the token works");
	client_close(&c);
	free(url);
	free(location);
}

static void test_refresh(void)
{
	struct client c;
	struct dv_error e;
	const char *tok;
	char cs[1024], *before, *after;
	int n0;

	emu_reset(&emu);
	unlink(cache_path);
	snprintf(cs, sizeof(cs), "%s;OAuthSettingsLocation=%s", PASSWORD_DSN, cache_path);
	is_int(client_token(cs, &e), 0, "refresh: password sign-in stored");
	before = read_file(cache_path);
	ok(before && strstr(before, "\"refresh_token\": \"dvemu-rt.") != NULL,
	   "refresh: the refresh token is in the cache file");

	/* a REFRESH DSN with another grant: same user entry, never a browser */
	snprintf(cs, sizeof(cs), "AuthScheme=AzureAD;OAuthGrantType=CODE;InitiateOAuth=REFRESH;"
		 "User=" EMU_USER ";OAuthSettingsLocation=%s", cache_path);
	n0 = emu_request_count(&emu);
	is_int(client_open(&c, cs, &e), 0, "refresh: REFRESH client opens");
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "refresh: stored access token used");
	is_int(emu_request_count(&emu), n0, "refresh: no token request for a valid stored token");
	is_int(dv_auth_token(c.auth, c.http, 1, &tok, &e), 0, "refresh: forced renewal: %s",
	       e.message);
	is_int(whoami_status(&c), 200, "refresh: the renewed token works");
	client_close(&c);
	after = read_file(cache_path);
	ok(after && before && strcmp(before, after) != 0 &&
	   strstr(after, "\"refresh_token\": \"dvemu-rt.") != NULL,
	   "refresh: the rotated refresh token was saved");
	free(before);
	free(after);
	/* the saved (rotated) token works: the emulator rejects used ones */
	is_int(client_open(&c, cs, &e), 0, "refresh: second REFRESH client");
	dv_auth_token(c.auth, c.http, 0, &tok, &e);
	is_int(dv_auth_token(c.auth, c.http, 1, &tok, &e), 0, "refresh: rotated token accepted");
	client_close(&c);

	emu_post(&emu, "/_emu/identity/refresh", "{\"set_all\":\"expired\"}");
	is_int(client_open(&c, cs, &e), 0, "refresh: third REFRESH client");
	dv_auth_token(c.auth, c.http, 0, &tok, &e);
	is_int(dv_auth_token(c.auth, c.http, 1, &tok, &e), -1, "refresh: expired grant fails");
	is_str(dv_sqlstate_code(e.state), "28000", "refresh: expired grant -> 28000");
	is_str(e.message, "the stored sign-in (refresh token) has expired after a period of "
	       "inactivity: run dvodbc-login for this DSN again (or set "
	       "InitiateOAuth=GETANDREFRESH) (AADSTS700082)", "refresh: expired grant message");
	client_close(&c);
}

static void test_msi(void)
{
	struct client c;
	struct dv_error e;
	const char *tok;
	char cs[512], want[512], *log;

	emu_reset(&emu);
	snprintf(cs, sizeof(cs), "AuthScheme=AzureMSI;OAuthClientId=;AzureMSIEndpoint=%s/metadata/"
		 "identity/oauth2/token", emu.url);
	is_int(client_open(&c, cs, &e), 0, "msi: client opens");
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "msi: token: %s", e.message);
	is_int(whoami_status(&c), 200, "msi: the token works");
	client_close(&c);
	log = emu_requests(&emu, 0);
	snprintf(want, sizeof(want), "GET /metadata/identity/oauth2/token?api-version=2018-02-01"
		 "&resource=http%%3A%%2F%%2F127.0.0.1%%3A%d\nGET /api/data/v9.2/WhoAmI\n", emu.port);
	is_str(log, want, "msi: IMDS request as documented");
	free(log);
	snprintf(cs, sizeof(cs), "AuthScheme=AzureMSI;OAuthClientId=55555555-5555-5555-5555-"
		 "555555555555;AzureMSIEndpoint=%s/metadata/identity/oauth2/token", emu.url);
	is_int(client_token(cs, &e), 0, "msi: user-assigned identity by client id");
	snprintf(cs, sizeof(cs), "AuthScheme=AzureMSI;OAuthClientId=;AzureMSIEndpoint="
		 "http://127.0.0.1:1/metadata/identity/oauth2/token;Timeout=2");
	is_int(client_token(cs, &e), -1, "msi: no endpoint fails");
	is_str(dv_sqlstate_code(e.state), "08001", "msi: no endpoint -> 08001");
	ok(strncmp(e.message, "no managed identity endpoint answered at http://127.0.0.1:1/", 60)
	   == 0, "msi: no endpoint message: %s", e.message);
}

static void test_log_has_no_secret(void)
{
	struct dv_error e;
	struct dv_buf told;
	char cs[1024], *log;
	static const char *const secrets[] = {EMU_PASSWORD, "dvemu-rt.", "dvemu-dc.",
					      "dvemu-code.", "eyJ0eXAi", EMU_SECRET, NULL};

	emu_reset(&emu);
	unlink(log_path);
	snprintf(cs, sizeof(cs), "%s;LogFile=%s;Verbosity=4;OAuthSettingsLocation=%s",
		 PASSWORD_DSN, log_path, cache_path);
	unlink(cache_path);
	is_int(client_token(cs, &e), 0, "log: password sign-in with Verbosity=4");
	snprintf(cs, sizeof(cs), "AuthScheme=AzureAD;OAuthGrantType=CODE;InitiateOAuth=REFRESH;"
		 "User=" EMU_USER ";OAuthSettingsLocation=%s;LogFile=%s;Verbosity=4", cache_path,
		 log_path);
	{
		struct client c;
		const char *tok;
		client_open(&c, cs, &e);
		dv_auth_token(c.auth, c.http, 0, &tok, &e);
		is_int(dv_auth_token(c.auth, c.http, 1, &tok, &e), 0, "log: refresh grant logged");
		client_close(&c);
	}
	snprintf(cs, sizeof(cs), "AuthScheme=AzureServicePrincipal;OAuthClientSecret=%s;"
		 "LogFile=%s;Verbosity=4", EMU_SECRET, log_path);
	is_int(client_token(cs, &e), 0, "log: client secret with Verbosity=4");
	dv_buf_init(&told, 0);
	emu_post(&emu, "/_emu/identity/device", "{\"interval\":1,\"pending_polls\":1}");
	snprintf(cs, sizeof(cs), "AuthScheme=AzureAD;OAuthGrantType=DEVICE;LogFile=%s;"
		 "Verbosity=4", log_path);
	is_int(client_token(cs, &e), 0, "log: device code with Verbosity=4");
	dv_buf_free(&told);
	log = read_file(log_path);
	ok(log && count_of(log, "/oauth2/v2.0/token") >= 5, "log: token requests were logged");
	ok(log && strstr(log, "password=***") && strstr(log, "refresh_token=***") &&
	   strstr(log, "device_code=***") && strstr(log, "\"access_token\": \"***\""),
	   "log: bodies logged with secrets masked");
	ok(log && strstr(log, "and enter the code "), "log: the device code message is logged");
	for (size_t i = 0; secrets[i]; i++)
		ok(log && !strstr(log, secrets[i]), "log: no '%s...' in the log", secrets[i]);
	free(log);
}

int main(void)
{
	if (emu_start(&emu, "--rows 5 --seed 1") != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	snprintf(cache_path, sizeof(cache_path), "%s/tokens.json", emu.dir);
	snprintf(log_path, sizeof(log_path), "%s/driver.log", emu.dir);
	test_password();
	test_errors();
	test_device();
	test_code_headless();
	test_refresh();
	test_msi();
	test_log_has_no_secret();
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
