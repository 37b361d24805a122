/* test_auth_onprem.c - on-premises sign-in against the emulator's on-prem
 * modes: Windows authentication (--onprem ntlm: the NTLM handshake once per
 * kept-alive connection, DOMAIN\user and user@domain, a paged read through
 * odata_cursor with and without prefetch, a wrong password -> 28000 without
 * a second logon) and AD FS (--onprem adfs: authority found from the Web
 * API's 401 or AzureAuthorityHost, password grant, client credentials,
 * refresh from the token cache with resource=, wrong resource / password /
 * client error shapes), and no password, token or secret in a Verbosity=4
 * log. */
#include "test_auth_common.h"
#include "auth/auth_priv.h"
#include "odata/odata.h"

#include <unistd.h>

#define NTLM_USER "CONTOSO\\crmadmin"
#define NTLM_UPN "crmadmin@contoso.local"
#define ONPREM_PASSWORD "dvemu-onprem-pw"
#define ADFS_CLIENT "33333333-3333-4333-8333-333333333333"
#define ADFS_SECRET "dvemu-adfs-secret"
#define API "/contoso/api/data/v8.2"

static char log_path[400];
static char cache_path[400];

/* A client on the on-prem organization <emu>/<org> (Web API v8.2). */
static int onprem_open(struct client *c, const char *org, const char *connstr,
		       struct dv_error *e)
{
	char cs[2048];
	snprintf(cs, sizeof(cs), "URL=%s/%s;CRMVersion=CRM2016+;APIVersion=v8.2;%s", emu.url,
		 org, connstr);
	return client_open_cs(c, cs, e);
}

/* GET <emu><path> through the client: the HTTP status (0 on transport failure). */
static long get_status(struct client *c, const char *path, struct dv_error *e)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	char url[512];
	long status;

	snprintf(url, sizeof(url), "%s%s", emu.url, path);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	dv_http_send(c->http, &req, &resp, e);
	status = resp.status;
	dv_http_resp_free(&resp);
	return status;
}

static const struct odata_colspec cols[] = {
	{"accountid", NULL, ODATA_STRING},
	{"name", NULL, ODATA_STRING},
};

/* Reads all accounts in pages of 10: the number of rows, or -1. */
static long read_accounts(struct client *c, int prefetch, unsigned long *pages,
			  struct dv_error *e)
{
	char url[512];
	struct odata_cursor *cur;
	const struct odata_cell *row;
	long n = 0;
	int rc;

	snprintf(url, sizeof(url), "%s/contoso/api/data/v8.2/accounts?$select=accountid,name",
		 emu.url);
	cur = odata_cursor_open_ex(c->http, url, "odata.maxpagesize=10", cols, 2, prefetch, e);
	if (!cur)
		return -1;
	while ((rc = odata_cursor_next(cur, &row, e)) == 1)
		if (row[1].type == OC_TEXT && row[1].len > 0)
			n++;
	*pages = odata_cursor_pages(cur);
	odata_cursor_close(cur);
	return rc == 0 ? n : -1;
}

/* ---- NTLM ------------------------------------------------------------- */

static void test_ntlm_paged_read(void)
{
	struct client c;
	struct dv_error e;
	unsigned long pages = 0;
	char *log, want[512];
	const char *user = NULL, *pw = NULL;

	emu_reset(&emu);
	is_int(onprem_open(&c, "contoso", "AuthScheme=NTLM;User=" NTLM_USER ";Password="
			   ONPREM_PASSWORD, &e), 0, "ntlm: client opens");
	is_str(dv_auth_flow_name(c.auth), "Windows authentication (NTLM/Negotiate)",
	       "ntlm: the Windows flow is chosen");
	ok(dv_auth_http_login(c.auth, &user, &pw) == (long)CURLAUTH_NTLM && user &&
	   strcmp(user, NTLM_USER) == 0, "ntlm: libcurl NTLM with User");
	is_int(read_accounts(&c, 0, &pages, &e), 25, "ntlm: 25 accounts through odata_cursor");
	is_int((int)pages, 3, "ntlm: in 3 pages");
	log = emu_requests(&emu, 0);
	snprintf(want, sizeof(want), "GET %s/accounts?$select=accountid,name\n", API);
	/* libcurl with NTLM alone sends Type 1 at once: 401 with the Type 2
	 * challenge, then 200 after Type 3 */
	is_int(count_of(log, want), 2, "ntlm: one handshake (2 exchanges) for page 1");
	is_int(count_of(log, "GET "), 4, "ntlm: pages 2 and 3 on the authenticated connection");
	free(log);
	is_int(get_status(&c, API "/WhoAmI", &e), 200, "ntlm: WhoAmI on the same connection");
	client_close(&c);
}

static void test_ntlm_upn_and_prefetch(void)
{
	struct client c;
	struct dv_error e;
	unsigned long pages = 0;

	emu_reset(&emu);
	is_int(onprem_open(&c, "contoso", "User=" NTLM_UPN ";Password=" ONPREM_PASSWORD, &e), 0,
	       "ntlm upn: client opens (AuthScheme defaults to NTLM on-premises)");
	is_int(get_status(&c, API "/WhoAmI", &e), 200, "ntlm upn: user@domain signs in");
	is_int(read_accounts(&c, 1, &pages, &e), 25, "ntlm prefetch: 25 accounts");
	is_int((int)pages, 3, "ntlm prefetch: 3 pages (the worker signs in on its connection)");
	client_close(&c);
}

static void test_ntlm_bad_password(void)
{
	struct client c;
	struct dv_error e;
	char *log, want[256];

	emu_reset(&emu);
	onprem_open(&c, "contoso", "AuthScheme=NTLM;User=" NTLM_USER ";Password=wrong", &e);
	is_int(get_status(&c, API "/WhoAmI", &e), 401, "ntlm bad password: 401");
	is_str(dv_sqlstate_code(e.state), "28000", "ntlm bad password: 28000");
	is_str(e.message, "the server rejected User/Password (NTLM): check User (DOMAIN\\user or "
	       "user@domain) and Password, and that the account is a CRM user",
	       "ntlm bad password: the message says what to fix");
	log = emu_requests(&emu, 0);
	snprintf(want, sizeof(want), "GET %s/WhoAmI\nGET %s/WhoAmI\n", API, API);
	is_str(log, want, "ntlm bad password: one handshake, no second logon");
	free(log);
	client_close(&c);
	is_int(onprem_open(&c, "contoso", "AuthScheme=NTLM;User=" NTLM_USER, &e), -1,
	       "ntlm: User without Password refused");
	is_str(dv_sqlstate_code(e.state), "28000", "ntlm: User without Password -> 28000");
	client_close(&c);
}

static void test_ntlm_log(void)
{
	struct client c;
	struct dv_error e;
	char cs[1200], *log;

	unlink(log_path);
	snprintf(cs, sizeof(cs), "AuthScheme=NTLM;User=" NTLM_USER ";Password=" ONPREM_PASSWORD
		 ";LogFile=%s;Verbosity=4", log_path);
	onprem_open(&c, "contoso", cs, &e);
	is_int(get_status(&c, API "/WhoAmI", &e), 200, "ntlm log: signed in with Verbosity=4");
	client_close(&c);
	log = read_file(log_path);
	ok(log && strstr(log, "/WhoAmI"), "ntlm log: the request was logged");
	ok(log && !strstr(log, ONPREM_PASSWORD), "ntlm log: no password in the log");
	free(log);
}

/* ---- AD FS ------------------------------------------------------------ */

#define ADFS_PASSWORD_DSN "AuthScheme=ADFS;OAuthClientId=" ADFS_CLIENT ";User=" NTLM_USER \
	";Password=" ONPREM_PASSWORD

static void test_adfs_password(void)
{
	struct client c;
	struct dv_error e;
	const char *tok = NULL;
	unsigned long pages = 0;
	char *log, want[512];

	emu_reset(&emu);
	is_int(onprem_open(&c, "contoso", ADFS_PASSWORD_DSN, &e), 0, "adfs: client opens");
	is_str(dv_auth_flow_name(c.auth), "AD FS user sign-in", "adfs: the AD FS user flow");
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "adfs: password grant");
	snprintf(want, sizeof(want), "%s/adfs/oauth2/token", emu.url);
	is_str(dv_auth_token_url(c.auth), want, "adfs: token endpoint from the 401 challenge");
	is_int(read_accounts(&c, 0, &pages, &e), 25, "adfs: 25 accounts with the AD FS token");
	log = emu_requests(&emu, 0);
	snprintf(want, sizeof(want), "GET /contoso/api/data/\nPOST /adfs/oauth2/token\nGET %s/"
		 "accounts?$select=accountid,name\n", API);
	ok(log && strncmp(log, want, strlen(want)) == 0,
	   "adfs: discovery, one token request, then the Web API");
	is_int(count_of(log, "GET "), 4, "adfs: 3 pages with a bearer token");
	free(log);
	client_close(&c);

	/* AzureAuthorityHost names AD FS: no discovery request */
	emu_reset(&emu);
	{
		char cs[600];
		snprintf(cs, sizeof(cs), "%s;AzureAuthorityHost=%s", ADFS_PASSWORD_DSN, emu.url);
		onprem_open(&c, "contoso", cs, &e);
	}
	is_int(get_status(&c, API "/WhoAmI", &e), 200, "adfs AzureAuthorityHost: signed in");
	log = emu_requests(&emu, 0);
	snprintf(want, sizeof(want), "POST /adfs/oauth2/token\nGET %s/WhoAmI\n", API);
	is_str(log, want, "adfs AzureAuthorityHost: no discovery");
	free(log);
	client_close(&c);
}

static void test_adfs_client_credentials(void)
{
	struct client c;
	struct dv_error e;

	emu_reset(&emu);
	onprem_open(&c, "contoso", "AuthScheme=ADFS;OAuthGrantType=CLIENT;OAuthClientId="
		    ADFS_CLIENT ";OAuthClientSecret=" ADFS_SECRET, &e);
	is_str(dv_auth_flow_name(c.auth), "AD FS client credentials", "adfs client: flow");
	is_int(get_status(&c, API "/WhoAmI", &e), 200, "adfs client: the Web API answers");
	client_close(&c);
}

static void test_adfs_refresh_from_cache(void)
{
	struct client c;
	struct dv_error e;
	const char *tok;
	char cs[1200], first[2048], *log, want[512];
	int since;

	emu_reset(&emu);
	unlink(cache_path);
	snprintf(cs, sizeof(cs), "%s;OAuthSettingsLocation=%s", ADFS_PASSWORD_DSN, cache_path);
	onprem_open(&c, "contoso", cs, &e);
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "adfs cache: signed in");
	snprintf(first, sizeof(first), "%s", tok);
	client_close(&c);

	/* a scheduled job: REFRESH, no password; adopts the stored token first
	 * (no reset: it would forget the refresh tokens AD FS issued) */
	since = emu_request_count(&emu);
	snprintf(cs, sizeof(cs), "AuthScheme=ADFS;OAuthClientId=" ADFS_CLIENT ";User=" NTLM_USER
		 ";OAuthGrantType=PASSWORD;Password=unused;InitiateOAuth=REFRESH;"
		 "OAuthSettingsLocation=%s", cache_path);
	is_int(onprem_open(&c, "contoso", cs, &e), 0, "adfs cache: REFRESH client opens");
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "adfs cache: stored token");
	is_str(tok, first, "adfs cache: the stored access token is adopted");
	is_int(dv_auth_token(c.auth, c.http, 1, &tok, &e), 0, "adfs cache: refresh grant");
	if (e.state != DV_S_00000)
		tap_diag("%s", e.message);
	ok(strcmp(tok, first) != 0, "adfs cache: a new access token");
	is_int(get_status(&c, API "/WhoAmI", &e), 200, "adfs cache: the refreshed token works");
	log = emu_requests(&emu, since);
	snprintf(want, sizeof(want), "GET /contoso/api/data/\nPOST /adfs/oauth2/token\nGET %s/"
		 "WhoAmI\n", API);
	is_str(log, want, "adfs cache: discovery, one refresh, the Web API");
	free(log);
	client_close(&c);

	unlink(cache_path);
	onprem_open(&c, "contoso", cs, &e);
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), -1, "adfs REFRESH: nothing stored");
	is_str(dv_sqlstate_code(e.state), "28000", "adfs REFRESH: nothing stored -> 28000");
	client_close(&c);
}

struct adfs_error {
	const char *name;
	const char *org;
	const char *connstr;
	const char *message;
};

static const struct adfs_error adfs_errors[] = {
	{"wrong resource", "wrongorg", ADFS_PASSWORD_DSN ";AzureAuthorityHost={emu}",
	 "AD FS does not know the resource {emu}/wrongorg: URL must be the organization URL "
	 "registered in AD FS as a relying party (CRM claims-based authentication / IFD setup) "
	 "(MSIS9602: The received 'resource' parameter value '{emu}/wrongorg' is not a registered "
	 "relying party identifier.)"},
	{"wrong password", "contoso", "AuthScheme=ADFS;OAuthClientId=" ADFS_CLIENT ";User="
	 NTLM_USER ";Password=wrong",
	 "AD FS rejected User/Password: check User (DOMAIN\\user or user@domain) and Password "
	 "(MSIS9659: Invalid 'username' or 'password'.)"},
	{"unknown client", "contoso", "AuthScheme=ADFS;OAuthClientId=99999999-0000-0000-0000-"
	 "000000000000;User=" NTLM_USER ";Password=" ONPREM_PASSWORD,
	 "AD FS rejected the client 99999999-0000-0000-0000-000000000000: register it with "
	 "Add-AdfsClient (with a secret for OAuthGrantType=CLIENT) and check OAuthClientId and "
	 "OAuthClientSecret (MSIS9223: The received client_id '99999999-0000-0000-0000-"
	 "000000000000' is not registered (Add-AdfsClient).)"},
};

/* Copies text with each "{emu}" replaced by the emulator's base URL. */
static void with_emu_url(char *out, size_t size, const char *text)
{
	struct dv_buf b;
	const char *p;
	dv_buf_init(&b, 0);
	while ((p = strstr(text, "{emu}")) != NULL) {
		dv_buf_append(&b, text, (size_t)(p - text));
		dv_buf_appends(&b, emu.url);
		text = p + 5;
	}
	dv_buf_appends(&b, text);
	snprintf(out, size, "%s", dv_buf_str(&b));
	dv_buf_free(&b);
}

static void test_adfs_errors(void)
{
	for (size_t i = 0; i < sizeof(adfs_errors) / sizeof(adfs_errors[0]); i++) {
		const struct adfs_error *t = &adfs_errors[i];
		struct client c;
		struct dv_error e;
		const char *tok;
		char cs[600], want[1024];

		with_emu_url(cs, sizeof(cs), t->connstr);
		with_emu_url(want, sizeof(want), t->message);
		onprem_open(&c, t->org, cs, &e);
		is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), -1, "adfs %s: fails", t->name);
		is_str(dv_sqlstate_code(e.state), "28000", "adfs %s: 28000", t->name);
		is_str(e.message, want, "adfs %s: message", t->name);
		client_close(&c);
	}
}

static void test_adfs_authority_parse(void)
{
	char *a = dv_auth_adfs_authority_of(
		"Bearer authorization_uri=https://adfs.contoso.com/adfs/oauth2/authorize, "
		"resource_id=https://crm.contoso.com/");
	is_str(a, "https://adfs.contoso.com/adfs/oauth2", "adfs: authority from a challenge");
	free(a);
	a = dv_auth_adfs_authority_of("Negotiate,NTLM");
	ok(a == NULL, "adfs: no authority in a Windows challenge");
	free(a);
}

static void test_adfs_log(void)
{
	struct client c;
	struct dv_error e;
	const char *tok;
	char cs[1200], *log;
	static const char *const secrets[] = {ONPREM_PASSWORD, ADFS_SECRET, "dvemu-adfs-rt.",
					      "eyJ0eXAi", NULL};

	emu_reset(&emu);
	unlink(log_path);
	unlink(cache_path);
	snprintf(cs, sizeof(cs), "%s;LogFile=%s;Verbosity=4;OAuthSettingsLocation=%s",
		 ADFS_PASSWORD_DSN, log_path, cache_path);
	onprem_open(&c, "contoso", cs, &e);
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "adfs log: password grant");
	is_int(dv_auth_token(c.auth, c.http, 1, &tok, &e), 0, "adfs log: refresh grant");
	is_int(get_status(&c, API "/WhoAmI", &e), 200, "adfs log: Web API");
	client_close(&c);
	snprintf(cs, sizeof(cs), "AuthScheme=ADFS;OAuthGrantType=CLIENT;OAuthClientId="
		 ADFS_CLIENT ";OAuthClientSecret=" ADFS_SECRET ";LogFile=%s;Verbosity=4",
		 log_path);
	onprem_open(&c, "contoso", cs, &e);
	is_int(get_status(&c, API "/WhoAmI", &e), 200, "adfs log: client credentials");
	client_close(&c);
	log = read_file(log_path);
	is_int(count_of(log, "/adfs/oauth2/token ("), 3, "adfs log: 3 token requests logged");
	for (size_t i = 0; secrets[i]; i++)
		ok(log && !strstr(log, secrets[i]), "adfs log: no '%s...' in the log", secrets[i]);
	free(log);
}

int main(void)
{
	if (emu_start(&emu, "--onprem ntlm --rows 25 --seed 1") != 0) {
		ok(0, "emulator starts (--onprem ntlm)");
		return tap_done();
	}
	snprintf(log_path, sizeof(log_path), "%s/driver-ntlm.log", emu.dir);
	test_ntlm_paged_read();
	test_ntlm_upn_and_prefetch();
	test_ntlm_bad_password();
	test_ntlm_log();
	unlink(log_path);
	emu_stop(&emu);

	if (emu_start(&emu, "--onprem adfs --rows 25 --seed 1") != 0) {
		ok(0, "emulator starts (--onprem adfs)");
		return tap_done();
	}
	snprintf(log_path, sizeof(log_path), "%s/driver-adfs.log", emu.dir);
	snprintf(cache_path, sizeof(cache_path), "%s/tokens.json", emu.dir);
	test_adfs_authority_parse();
	test_adfs_password();
	test_adfs_client_credentials();
	test_adfs_refresh_from_cache();
	test_adfs_errors();
	test_adfs_log();
	unlink(log_path);
	unlink(cache_path);
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
