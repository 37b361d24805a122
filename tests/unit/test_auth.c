/* test_auth.c - the service client against the Dataverse emulator: client
 * credentials, paged reads through odata_cursor, and faults (429, 503,
 * truncated body, connection reset, 401) absorbed without losing or
 * repeating a row; bad secret / client / tenant messages. */
#include "odata/odata.h"
#include "svc_client.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define ROWS 23
#define PAGE 5

static struct emu emu;

static const struct odata_colspec cols[] = {
	{"accountid", NULL, ODATA_STRING},
	{"name", NULL, ODATA_STRING},
	{"", "odata.etag", ODATA_STRING},
};

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Reads every account; returns rows (-1 on error) and checks ids are unique. */
static long read_all(struct svc_client *c, unsigned long *pages, int *unique, struct dv_error *e)
{
	struct odata_query q;
	struct odata_cursor *cur;
	const struct odata_cell *row;
	char *root = dv_config_api_root(&c->cfg), *url, *seen[1000];
	long n = 0;
	int rc;

	memset(&q, 0, sizeof(q));
	q.base = root;
	q.entity_set = "accounts";
	q.select = "accountid,name";
	q.orderby = "accountid asc";
	url = odata_query_url(&q);
	*unique = 1;
	cur = odata_cursor_open(c->http, url, "odata.maxpagesize=5", cols, 3, e);
	free(url);
	free(root);
	if (!cur)
		return -1;
	while ((rc = odata_cursor_next(cur, &row, e)) == 1) {
		if (row[0].type != OC_TEXT || row[2].type != OC_TEXT)
			*unique = 0;
		for (long i = 0; i < n && i < 1000; i++)
			if (row[0].type == OC_TEXT && strcmp(seen[i], row[0].s) == 0)
				*unique = 0;
		if (n < 1000)
			seen[n] = strdup(row[0].type == OC_TEXT ? row[0].s : "");
		n++;
	}
	*pages = odata_cursor_pages(cur);
	odata_cursor_close(cur);
	for (long i = 0; i < n && i < 1000; i++)
		free(seen[i]);
	return rc < 0 ? -1 : n;
}

static void test_token(void)
{
	struct svc_client c;
	struct dv_error e;
	const char *tok = NULL;
	char want[256], *log;

	emu_reset(&emu);
	if (svc_client_open(&c, &emu, NULL, &e) != 0) {
		ok(0, "client opens: %s", e.message);
		return;
	}
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "client credentials token");
	ok(tok && strlen(tok) > 20, "token received");
	snprintf(want, sizeof(want), "POST /%s/oauth2/v2.0/token\n", EMU_TENANT);
	log = emu_requests(&emu, 0);
	is_str(log, want, "one token request to the tenant's v2 endpoint");
	free(log);
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), 0, "second call");
	is_int(emu_request_count(&emu), 1, "token reused, not requested again");
	svc_client_close(&c);
}

static void test_paging(void)
{
	struct svc_client c;
	struct dv_error e;
	unsigned long pages = 0;
	int unique = 0;
	char *log;

	emu_reset(&emu);
	svc_client_open(&c, &emu, NULL, &e);
	is_int(read_all(&c, &pages, &unique, &e), ROWS, "all %d rows across pages", ROWS);
	ok(unique, "each row once, with its etag");
	is_int(pages, (ROWS + PAGE - 1) / PAGE, "pages");
	log = emu_requests(&emu, 0);
	is_int(count_lines_with(log, "GET /api/data/v9.2/accounts?"), 5, "five page requests");
	is_int(count_lines_with(log, "$skiptoken="), 4, "four follow the nextLink");
	ok(strstr(log, "GET /api/data/v9.2/accounts?$select=accountid,name&$orderby=accountid%20asc\n")
	   != NULL, "first page URL as built");
	free(log);
	svc_client_close(&c);
}

struct fault_case {
	const char *name;
	const char *fault;
	int extra_requests; /* requests beyond token + 5 pages */
};

static const struct fault_case fault_cases[] = {
	{"429 with Retry-After", "{\"count\":1,\"kind\":\"429\",\"retry_after\":1}", 1},
	{"two 503s", "{\"count\":2,\"kind\":\"503\"}", 2},
	{"truncated body on page 2", "{\"count\":1,\"kind\":\"truncate\",\"match\":\"skiptoken\"}", 1},
	{"connection reset", "{\"count\":1,\"kind\":\"reset\",\"match\":\"skiptoken\"}", 1},
	{"401 mid-paging", "{\"count\":1,\"kind\":\"401\",\"match\":\"skiptoken\"}", 2},
};

static void test_faults(void)
{
	for (size_t i = 0; i < sizeof(fault_cases) / sizeof(fault_cases[0]); i++) {
		const struct fault_case *t = &fault_cases[i];
		struct svc_client c;
		struct dv_error e;
		unsigned long pages = 0;
		int unique = 0, status;

		emu_reset(&emu);
		status = emu_fault(&emu, t->fault);
		is_int(status, 204, "%s: fault accepted", t->name);
		svc_client_open(&c, &emu, NULL, &e);
		long n = read_all(&c, &pages, &unique, &e);
		is_int(n, ROWS, "%s: exactly %d rows", t->name, ROWS);
		if (n < 0)
			tap_diag("%s: %s %s", t->name, dv_sqlstate_code(e.state), e.message);
		ok(unique, "%s: no row repeated", t->name);
		is_int(pages, 5, "%s: 5 pages read", t->name);
		is_int(emu_request_count(&emu), 6 + t->extra_requests, "%s: requests in the log",
		       t->name);
		svc_client_close(&c);
	}
	/* the 401 case refreshed the token: two token requests */
	char *log = emu_requests(&emu, 0);
	is_int(count_lines_with(log, "/oauth2/v2.0/token"), 2, "401: token requested again once");
	free(log);
}

static void test_errors(void)
{
	struct svc_client c;
	struct dv_error e;
	const char *tok;
	char bad_tenant[128];

	emu_reset(&emu);
	svc_client_open(&c, &emu, "OAuthClientSecret=wrong-secret", &e);
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), -1, "bad secret fails");
	is_str(dv_sqlstate_code(e.state), "28000", "bad secret -> 28000");
	is_str(e.message, "the client secret was rejected: check OAuthClientSecret holds the "
	       "secret's Value, not its ID (AADSTS7000215)", "bad secret message");
	ok(strstr(e.message, "wrong-secret") == NULL, "secret not echoed");
	svc_client_close(&c);

	svc_client_open(&c, &emu, "OAuthClientId=22222222-2222-2222-2222-222222222222", &e);
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), -1, "unknown client fails");
	is_str(dv_sqlstate_code(e.state), "28000", "unknown client -> 28000");
	is_str(e.message, "no application with OAuthClientId 22222222-2222-2222-2222-222222222222 "
	       "in tenant 00000000-0000-0000-0000-00000000aaaa: check OAuthClientId and "
	       "AzureTenant (AADSTS700016)", "unknown client message");
	svc_client_close(&c);

	snprintf(bad_tenant, sizeof(bad_tenant), "AzureTenant=00000000-0000-0000-0000-00000000bbbb");
	svc_client_open(&c, &emu, bad_tenant, &e);
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), -1, "bad tenant fails");
	is_str(dv_sqlstate_code(e.state), "08001", "bad tenant -> 08001");
	is_str(e.message, "tenant '00000000-0000-0000-0000-00000000bbbb' was not found: check "
	       "AzureTenant (and AzureEnvironment) (AADSTS90002)", "bad tenant message");
	is_int(e.native, 90002, "AADSTS90002 native");
	svc_client_close(&c);

	svc_client_open(&c, &emu, "AzureAuthorityHost=http://127.0.0.1:1;Timeout=3", &e);
	is_int(dv_auth_token(c.auth, c.http, 0, &tok, &e), -1, "unreachable authority fails");
	is_str(dv_sqlstate_code(e.state), "08001", "unreachable authority -> 08001");
	ok(strncmp(e.message, "cannot reach the sign-in authority http://127.0.0.1:1: cannot "
		   "connect to 127.0.0.1: ", 79) == 0, "unreachable message: %s", e.message);
	svc_client_close(&c);

	/* a Web API error through the choke point */
	svc_client_open(&c, &emu, NULL, &e);
	struct odata_page page;
	char *root = dv_config_api_root(&c.cfg), url[512];
	memset(&page, 0, sizeof(page));
	snprintf(url, sizeof(url), "%saccountz", root);
	is_int(odata_page_read(c.http, url, NULL, cols, 3, &page, &e), -1, "unknown entity set");
	is_str(dv_sqlstate_code(e.state), "42S02", "unknown entity set -> 42S02");
	snprintf(url, sizeof(url), "%saccounts?$select=nmae", root);
	is_int(odata_page_read(c.http, url, NULL, cols, 3, &page, &e), -1, "unknown column");
	is_str(dv_sqlstate_code(e.state), "42S22", "unknown column -> 42S22: %s", e.message);
	odata_page_free(&page);
	free(root);
	svc_client_close(&c);
}

int main(void)
{
	char args[64];
	snprintf(args, sizeof(args), "--rows %d --seed 1", ROWS);
	if (emu_start(&emu, args) != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	test_token();
	test_paging();
	test_faults();
	test_errors();
	emu_stop(&emu);
	return tap_done();
}
