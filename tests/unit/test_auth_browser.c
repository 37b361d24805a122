/* test_auth_browser.c - the authorization code + PKCE flow end to end: the
 * driver listens on the loopback CallbackURL, starts the "browser" named by
 * OAuthBrowser, which completes the emulator's sign-in page and is sent back
 * to the driver, which exchanges the code and stores the tokens.  Once with a
 * scripted HTTP browser (tests/auth/fake-browser.py) and once with headless
 * Chromium driven through chromedriver (tests/auth/chromium-login.py; SKIP
 * when Chromium is not installed). */
#include "test_auth_common.h"

#include <unistd.h>

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");
	return s && *s ? s : TOP_SRCDIR;
}

/* Signs in with browser_script; returns dv_auth_token's result. */
static int sign_in(const char *browser_script, const char *cache, struct dv_error *e,
		   long *whoami)
{
	struct client c;
	const char *tok;
	char cs[2048];
	int rc;

	snprintf(cs, sizeof(cs), "AuthScheme=AzureAD;OAuthGrantType=CODE;"
		 "CallbackURL=http://localhost:0/;Timeout=90;OAuthSettingsLocation=%s;"
		 "OAuthBrowser=/usr/bin/python3 %s/tests/auth/%s", cache, srcdir(), browser_script);
	if (client_open(&c, cs, e) != 0)
		return -2;
	rc = dv_auth_token(c.auth, c.http, 0, &tok, e);
	*whoami = rc == 0 ? whoami_status(&c) : 0;
	client_close(&c);
	return rc;
}

static void check_requests(const char *who)
{
	char *log = emu_requests(&emu, 0), want[512];
	snprintf(want, sizeof(want), "GET /%s/oauth2/v2.0/authorize?client_id=%s&response_type="
		 "code&redirect_uri=http%%3A%%2F%%2Flocalhost%%3A", EMU_TENANT, EMU_CLIENT_ID);
	ok(log && strncmp(log, want, strlen(want)) == 0, "%s: the browser opened the authorize "
	   "URL with the bound loopback port", who);
	snprintf(want, sizeof(want), "POST /%s/oauth2/v2.0/authorize\nPOST /%s/oauth2/v2.0/token\n"
		 "GET /api/data/v9.2/WhoAmI\n", EMU_TENANT, EMU_TENANT);
	ok(log && strstr(log, want) != NULL, "%s: login form posted, code exchanged, Web API "
	   "called", who);
	if (log && !strstr(log, want))
		tap_diag("requests:\n%s", log);
	free(log);
}

static void test_scripted_browser(void)
{
	struct dv_error e;
	char cache[400], *file;
	long whoami = 0;

	emu_reset(&emu);
	snprintf(cache, sizeof(cache), "%s/browser-tokens.json", emu.dir);
	is_int(sign_in("fake-browser.py", cache, &e, &whoami), 0, "scripted browser: signed in: "
	       "%s", e.message);
	is_int(whoami, 200, "scripted browser: the token works");
	check_requests("scripted browser");
	file = read_file(cache);
	ok(file && strstr(file, "\"refresh_token\": \"dvemu-rt.") != NULL,
	   "scripted browser: tokens stored");
	free(file);
	/* a second connection uses the stored token: no browser, no request */
	emu_reset(&emu);
	is_int(sign_in("does-not-exist.py", cache, &e, &whoami), 0, "stored token reused");
	is_int(emu_request_count(&emu), 1, "only the Web API call was made");
}

static void test_chromium(void)
{
	struct dv_error e;
	char cache[400], out[400], *page;
	long whoami = 0;

	if (access("/usr/bin/chromium", X_OK) != 0 || access("/usr/bin/chromedriver", X_OK) != 0) {
		printf("ok %d - chromium sign-in # SKIP chromium/chromedriver not installed\n",
		       ++tap_n);
		return;
	}
	emu_reset(&emu);
	snprintf(cache, sizeof(cache), "%s/chromium-tokens.json", emu.dir);
	snprintf(out, sizeof(out), "%s/chromium-page.html", emu.dir);
	setenv("DVTEST_BROWSER_OUT", out, 1);
	is_int(sign_in("chromium-login.py", cache, &e, &whoami), 0, "chromium: signed in: %s",
	       e.message);
	is_int(whoami, 200, "chromium: the token works");
	check_requests("chromium");
	/* the script writes the page (whole, by a rename) after the driver
	 * answered; Chromium on a loaded machine may take a while to render it,
	 * and the script itself gives up after about 15 s */
	for (int i = 0; i < 600 && access(out, R_OK) != 0; i++)
		usleep(100000);
	page = read_file(out);
	ok(page && strstr(page, "You may close this window.") != NULL,
	   "chromium: the browser shows the driver's closing page");
	free(page);
	unsetenv("DVTEST_BROWSER_OUT");
}

int main(void)
{
	if (emu_start(&emu, "--rows 5 --seed 1") != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	test_scripted_browser();
	test_chromium();
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
