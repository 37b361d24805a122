/* test_http.c - the HTTP choke point and client-credentials auth against a
 * scripted in-process server: headers, token, 429/503/401 retries, truncated
 * bodies, error mapping, timeout, cancel, masking in the log. */
#include "auth/auth.h"
#include "config/config.h"
#include "http/http.h"
#include "http/http_priv.h"
#include "odata/odata.h"
#include "util/log.h"
#include "tap.h"
#include "test_svc_server.h"

#include <curl/curl.h>
#include <time.h>

static struct ts_server srv;

struct rig {
	struct dv_config cfg;
	struct dv_http *http;
	struct dv_auth *auth;
	struct dv_log *log;
};

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int rig_open(struct rig *r, const char *extra, const char *logpath)
{
	char cs[1024];
	struct dv_error e;
	memset(r, 0, sizeof(*r));
	dv_config_init(&r->cfg);
	/* extra first: the first occurrence of a key wins */
	snprintf(cs, sizeof(cs), "%s;URL=%s/;AzureAuthorityHost=%s;AzureTenant=t;OAuthClientId=cid;"
		 "OAuthClientSecret={s3cret&x};Timeout=20", extra ? extra : "", srv.url, srv.url);
	if (dv_config_from_connstr(&r->cfg, cs, &e) != 0 || dv_config_validate(&r->cfg, &e) != 0) {
		tap_diag("config: %s", e.message);
		return -1;
	}
	if (logpath)
		r->log = dv_log_open(logpath, 4);
	r->http = dv_http_new(&r->cfg, r->log, &e);
	r->auth = dv_auth_new(&r->cfg, r->log, &e);
	if (!r->http || !r->auth)
		return -1;
	dv_http_set_auth(r->http, r->auth);
	return 0;
}

static void rig_close(struct rig *r)
{
	dv_auth_free(r->auth);
	dv_http_free(r->http);
	dv_log_close(r->log);
	dv_config_free(&r->cfg);
}

static char token1[256], token2[256];

static void make_token_responses(void)
{
	const char *b1 = "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"tok1\"}";
	const char *b2 = "{\"token_type\":\"Bearer\",\"expires_in\":\"3600\",\"access_token\":\"tok2\"}";
	snprintf(token1, sizeof(token1), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(b1), b1);
	snprintf(token2, sizeof(token2), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(b2), b2);
}

static const char ok_body[] =
	"HTTP/1.1 200 OK\r\nContent-Type: application/json; odata.metadata=minimal\r\n"
	"OData-EntityId: http://x/accounts(1)\r\nETag: W/\"7\"\r\n"
	"Preference-Applied: odata.maxpagesize=2\r\n"
	"Preference-Applied: odata.include-annotations=\"*\"\r\n"
	"Content-Length: 12\r\n\r\n{\"value\":[]}";

static int get(struct rig *r, const char *path, int idempotent, struct dv_http_resp *resp,
	       struct dv_error *e)
{
	struct dv_http_req req;
	char url[256];
	snprintf(url, sizeof(url), "%s%s", srv.url, path);
	memset(&req, 0, sizeof(req));
	req.method = idempotent ? "GET" : "POST";
	req.url = url;
	req.idempotent = idempotent;
	if (!idempotent) {
		req.body = "{}";
		req.body_len = 2;
	}
	return dv_http_send(r->http, &req, resp, e);
}

static void test_util(void)
{
	struct dv_buf b;
	unsigned seed = 1;
	int in_range = 1;
	dv_buf_init(&b, 0);
	const char *form = "grant_type=client_credentials&client_id=a&client_secret=abc%26d&"
			   "scope=x&password=p&code=c";
	dv_http_mask_form(&b, form, strlen(form));
	is_str(dv_buf_str(&b), "grant_type=client_credentials&client_id=a&client_secret=***&"
	       "scope=x&password=***&code=***", "form secrets masked");
	dv_buf_reset(&b);
	const char *json = "{\"token_type\":\"Bearer\",\"access_token\":\"ey\\\"J\",\"expires_in\":1,"
			   "\"refresh_token\" : \"r\"}";
	dv_http_mask_json(&b, json, strlen(json));
	is_str(dv_buf_str(&b), "{\"token_type\":\"Bearer\",\"access_token\":\"***\",\"expires_in\":1,"
	       "\"refresh_token\" : \"***\"}", "json tokens masked");
	dv_buf_free(&b);
	is_int(dv_http_parse_retry_after("7"), 7, "Retry-After seconds");
	is_int(dv_http_parse_retry_after(" 0 "), 0, "Retry-After 0");
	is_int(dv_http_parse_retry_after("soon"), -1, "Retry-After junk");
	is_int(dv_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0,
	       "Retry-After date in the past");
	for (int i = 0; i < 200; i++) {
		long d1 = dv_http_backoff_ms(1, &seed), d3 = dv_http_backoff_ms(3, &seed);
		long d9 = dv_http_backoff_ms(9, &seed);
		in_range &= d1 >= 125 && d1 <= 250 && d3 >= 500 && d3 <= 1000 && d9 >= 4000 &&
			    d9 <= 8000;
	}
	ok(in_range, "backoff grows, is capped at 8 s, and jitters within half");
}

static void test_token_and_headers(void)
{
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	char want[2048];
	const char *script[] = {token1, ok_body, NULL};

	ts_script(&srv, script);
	if (rig_open(&r, "CallerId=u1", NULL) != 0) {
		ok(0, "rig");
		return;
	}
	snprintf(want, sizeof(want), "%s/t/oauth2/v2.0/token", srv.url);
	is_str(dv_auth_token_url(r.auth), want, "token URL from AzureAuthorityHost + tenant");
	dv_http_resp_init(&resp);
	is_int(get(&r, "/api/data/v9.2/accounts", 1, &resp, &e), 0, "GET with token succeeds");
	is_int(resp.status, 200, "status 200");
	is_str(dv_buf_str(&resp.body), "{\"value\":[]}", "buffered body");
	is_str(resp.odata_entity_id, "http://x/accounts(1)", "OData-EntityId captured");
	is_str(resp.etag, "W/\"7\"", "ETag captured");
	is_str(resp.preference_applied, "odata.maxpagesize=2,odata.include-annotations=\"*\"",
	       "Preference-Applied joined");
	is_str(resp.content_type, "application/json; odata.metadata=minimal", "Content-Type");
	is_int(resp.attempts, 1, "one attempt");
	is_int(dv_http_requests_sent(r.http), 2, "two requests sent (token + GET)");
	snprintf(want, sizeof(want),
		 "POST /t/oauth2/v2.0/token HTTP/1.1|||grant_type=client_credentials&client_id=cid"
		 "&client_secret=s3cret%%26x&scope=http%%3A%%2F%%2F127.0.0.1%%3A%d%%2F.default\n"
		 "GET /api/data/v9.2/accounts HTTP/1.1|Bearer tok1||\n", srv.port);
	is_str(srv.log, want, "token form URL-encoded, then the bearer request");
	dv_http_resp_free(&resp);
	rig_close(&r);
}

static void test_standard_headers(void)
{
	static const char *const want[] = {
		"GET /h HTTP/1.1\r\n", "\r\nAuthorization: Bearer tok1\r\n",
		"\r\nAccept: application/json\r\n", "\r\nOData-MaxVersion: 4.0\r\n",
		"\r\nOData-Version: 4.0\r\n", "\r\nIf-None-Match: null\r\n",
		"\r\nMSCRMCallerID: u1\r\n", "\r\nUser-Agent: dvodbc/", "\r\nAccept-Encoding: ",
		"\r\nPrefer: odata.maxpagesize=7\r\n", NULL};
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	struct dv_http_req req;
	const char *extra[] = {"Prefer: odata.maxpagesize=7", NULL};
	const char *script[] = {token1, ok_body, ok_body, NULL};
	char url[128];

	ts_script(&srv, script);
	if (rig_open(&r, "CallerId=u1", NULL) != 0)
		return;
	snprintf(url, sizeof(url), "%s/h", srv.url);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = extra;
	dv_http_resp_init(&resp);
	is_int(dv_http_send(r.http, &req, &resp, &e), 0, "GET with extra header");
	for (int i = 0; want[i]; i++) {
		const char *name = want[i] + (want[i][0] == '\r' ? 2 : 0);
		ok(strstr(srv.last_head, want[i]) != NULL, "request has %.*s",
		   (int)strcspn(name, "\r"), name);
	}
	ok(strstr(srv.last_head, "Content-Type") == NULL, "no Content-Type without a body");
	req.method = "PATCH";
	req.body = "{\"name\":\"x\"}";
	req.body_len = strlen(req.body);
	req.headers = NULL;
	is_int(dv_http_send(r.http, &req, &resp, &e), 0, "PATCH with a body");
	ok(strncmp(srv.last_head, "PATCH /h HTTP/1.1\r\n", 19) == 0, "PATCH method");
	ok(strstr(srv.last_head, "\r\nContent-Type: application/json\r\n") != NULL,
	   "Content-Type on a body");
	ok(strstr(srv.log, "|{\"name\":\"x\"}\n") != NULL, "body sent");
	dv_http_resp_free(&resp);
	rig_close(&r);
}

static void test_429_retry(void)
{
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	long long t0;
	const char *script[] = {
		token1,
		"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json"
		"\r\nContent-Length: 88\r\n\r\n{\"error\":{\"code\":\"0x80072322\",\"message\":\"Number"
		" of requests exceeded the limit\"}}",
		ok_body, NULL};
	ts_script(&srv, script);
	rig_open(&r, NULL, NULL);
	dv_http_resp_init(&resp);
	t0 = ms_now();
	is_int(get(&r, "/a", 1, &resp, &e), 0, "429 then 200 succeeds");
	ok(ms_now() - t0 >= 1000, "waited Retry-After (%lld ms)", ms_now() - t0);
	is_int(resp.attempts, 2, "two attempts");
	is_int(resp.status, 200, "final status 200");
	ok(strstr(srv.log, "GET /a HTTP/1.1|Bearer tok1||\nGET /a HTTP/1.1|Bearer tok1||\n") != NULL,
	   "request log shows the retry");
	dv_http_resp_free(&resp);
	rig_close(&r);
}

static void test_5xx(void)
{
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	static const char s503[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
	const char *script[] = {token1, s503, s503, ok_body, NULL};
	const char *script2[] = {s503, ok_body, NULL};

	ts_script(&srv, script);
	rig_open(&r, NULL, NULL);
	dv_http_resp_init(&resp);
	is_int(get(&r, "/b", 1, &resp, &e), 0, "503, 503, 200 succeeds for a GET");
	is_int(resp.attempts, 3, "three attempts");
	ts_script(&srv, script2);
	is_int(get(&r, "/b", 0, &resp, &e), -1, "503 on a POST is not retried");
	is_int(resp.attempts, 1, "POST: one attempt");
	is_str(dv_sqlstate_code(e.state), "08S01", "503 -> 08S01");
	is_str(e.message, "HTTP 503 from the service", "503 message");
	dv_http_resp_free(&resp);
	rig_close(&r);
}

static void test_401_refresh(void)
{
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	static const char s401[] = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer "
				   "authorization_uri=x\r\nContent-Length: 0\r\n\r\n";
	const char *script[] = {token1, s401, token2, ok_body, NULL};
	const char *script2[] = {s401, token1, s401, NULL};
	char want[512];

	ts_script(&srv, script);
	rig_open(&r, NULL, NULL);
	dv_http_resp_init(&resp);
	is_int(get(&r, "/c", 1, &resp, &e), 0, "401 -> refresh -> 200");
	snprintf(want, sizeof(want), "GET /c HTTP/1.1|Bearer tok1||\n");
	ok(strstr(srv.log, want) != NULL, "first with tok1");
	ok(strstr(srv.log, "GET /c HTTP/1.1|Bearer tok2||\n") != NULL, "retried with tok2");
	is_int(dv_http_requests_sent(r.http), 4, "token, GET, token, GET");
	ts_script(&srv, script2);
	is_int(get(&r, "/c", 1, &resp, &e), -1, "401 twice fails");
	is_str(dv_sqlstate_code(e.state), "28000", "401 -> 28000");
	is_str(resp.www_authenticate, "Bearer authorization_uri=x", "WWW-Authenticate kept");
	is_int(srv.next, 3, "exactly one refresh per request");
	dv_http_resp_free(&resp);
	rig_close(&r);
}

static const struct odata_colspec cols[] = {{"id", NULL, ODATA_INT}};

static void test_truncated_page(void)
{
	struct rig r;
	struct dv_error e;
	struct odata_page page;
	static const char full[] = "{\"value\":[{\"id\":1},{\"id\":2},{\"id\":3}]}";
	char good[256], cut_len[256], cut_close[256];
	snprintf(good, sizeof(good), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(full), full);
	/* Content-Length promises more than is sent: curl reports a partial file */
	snprintf(cut_len, sizeof(cut_len), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%.20s",
		 strlen(full), full);
	/* no length, connection closed cleanly mid-JSON: only the parser notices */
	snprintf(cut_close, sizeof(cut_close), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n%.25s",
		 full);
	const char *script[] = {token1, cut_len, good, cut_close, good, NULL};

	ts_script(&srv, script);
	rig_open(&r, NULL, NULL);
	memset(&page, 0, sizeof(page));
	char url[128];
	snprintf(url, sizeof(url), "%s/p", srv.url);
	is_int(odata_page_read(r.http, url, "odata.maxpagesize=3", cols, 1, &page, &e), 0,
	       "page re-read after a partial transfer");
	is_int(page.nrows, 3, "exactly 3 rows, none repeated");
	is_int(page.cells[2].i, 3, "third row");
	is_int(odata_page_read(r.http, url, "odata.maxpagesize=3", cols, 1, &page, &e), 0,
	       "page re-read after a clean close mid-JSON");
	is_int(page.nrows, 3, "exactly 3 rows again");
	ok(strstr(srv.log, "GET /p HTTP/1.1|Bearer tok1|odata.maxpagesize=3|") != NULL,
	   "Prefer header sent");
	odata_page_free(&page);
	rig_close(&r);
}

static void test_errors_and_auth(void)
{
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	static const char body404[] = "{\"error\":{\"code\":\"0x80060888\",\"message\":"
				      "\"Resource not found for the segment 'acounts'.\"}}";
	static const char bodysecret[] = "{\"error\":\"invalid_client\",\"error_description\":"
		"\"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: x\","
		"\"error_codes\":[7000215]}";
	static const char bodytenant[] = "{\"error\":\"invalid_request\",\"error_description\":"
		"\"AADSTS90002: Tenant 't' not found.\",\"error_codes\":[90002]}";
	char r404[512], rsecret[512], rtenant[512];
	snprintf(r404, sizeof(r404), "HTTP/1.1 404 Not Found\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body404), body404);
	snprintf(rsecret, sizeof(rsecret), "HTTP/1.1 401 Unauthorized\r\nContent-Length: %zu\r\n"
		 "\r\n%s", strlen(bodysecret), bodysecret);
	snprintf(rtenant, sizeof(rtenant), "HTTP/1.1 400 Bad Request\r\nContent-Length: %zu\r\n"
		 "\r\n%s", strlen(bodytenant), bodytenant);
	const char *script[] = {token1, r404, NULL};
	const char *script_secret[] = {rsecret, NULL};
	const char *script_tenant[] = {rtenant, NULL};

	ts_script(&srv, script);
	rig_open(&r, NULL, NULL);
	dv_http_resp_init(&resp);
	is_int(get(&r, "/api/data/v9.2/acounts", 1, &resp, &e), -1, "404 fails");
	is_str(dv_sqlstate_code(e.state), "42S02", "unknown entity set -> 42S02");
	is_int(resp.status, 404, "status kept");
	rig_close(&r);

	ts_script(&srv, script_secret);
	rig_open(&r, NULL, NULL);
	is_int(get(&r, "/x", 1, &resp, &e), -1, "bad secret fails");
	is_str(dv_sqlstate_code(e.state), "28000", "bad secret -> 28000");
	is_str(e.message, "the client secret was rejected: check OAuthClientSecret holds the "
	       "secret's Value, not its ID (AADSTS7000215)", "bad secret message");
	is_int(e.native, 7000215, "AADSTS native");
	ok(strstr(e.message, "s3cret") == NULL, "secret not in the message");
	rig_close(&r);

	ts_script(&srv, script_tenant);
	rig_open(&r, NULL, NULL);
	is_int(get(&r, "/x", 1, &resp, &e), -1, "bad tenant fails");
	is_str(dv_sqlstate_code(e.state), "08001", "bad tenant -> 08001");
	is_str(e.message, "tenant 't' was not found: check AzureTenant (and AzureEnvironment) "
	       "(AADSTS90002)", "bad tenant message");
	rig_close(&r);
	dv_http_resp_free(&resp);
}

static void test_transport(void)
{
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	struct dv_http_req req;
	const char *script[] = {token1, "@sleep", NULL};

	/* a closed port: connection refused, retried, then 08001 naming the host */
	struct dv_config cfg;
	dv_config_init(&cfg);
	dv_config_set(&cfg, "URL", "http://127.0.0.1:1", &e);
	dv_config_set(&cfg, "Timeout", "3", &e);
	struct dv_http *h = dv_http_new(&cfg, NULL, &e);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = "http://127.0.0.1:1/api/data/v9.2/";
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	is_int(dv_http_send(h, &req, &resp, &e), -1, "connection refused fails");
	is_str(dv_sqlstate_code(e.state), "08001", "refused -> 08001");
	ok(strncmp(e.message, "cannot connect to 127.0.0.1: ", 29) == 0, "names the host: %s",
	   e.message);
	ok(resp.attempts > 1, "connect failures are retried (%d attempts)", resp.attempts);
	dv_http_cancel(h);
	is_int(dv_http_send(h, &req, &resp, &e), -1, "canceled before sending");
	is_str(dv_sqlstate_code(e.state), "HY008", "cancel -> HY008");
	dv_http_free(h);
	dv_config_free(&cfg);

	ts_script(&srv, script);
	rig_open(&r, "Timeout=1", NULL);
	long long t0 = ms_now();
	is_int(get(&r, "/slow", 1, &resp, &e), -1, "slow server times out");
	is_str(dv_sqlstate_code(e.state), "HYT00", "timeout -> HYT00");
	ok(ms_now() - t0 < 2500, "within the Timeout (%lld ms)", ms_now() - t0);
	rig_close(&r);
	dv_http_resp_free(&resp);
}

struct canceler {
	struct dv_http *http;
};

static void *cancel_later(void *arg)
{
	struct canceler *c = arg;
	struct timespec ts = {0, 300 * 1000000L};
	nanosleep(&ts, NULL);
	dv_http_cancel(c->http);
	return NULL;
}

static void test_cancel_during_backoff(void)
{
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	pthread_t t;
	const char *script[] = {token1, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10\r\n"
				"Content-Length: 0\r\n\r\n", NULL};
	ts_script(&srv, script);
	rig_open(&r, NULL, NULL);
	struct canceler c = {r.http};
	dv_http_resp_init(&resp);
	pthread_create(&t, NULL, cancel_later, &c);
	long long t0 = ms_now();
	is_int(get(&r, "/z", 1, &resp, &e), -1, "canceled while waiting for Retry-After");
	pthread_join(t, NULL);
	is_str(dv_sqlstate_code(e.state), "HY008", "cancel during backoff -> HY008");
	ok(ms_now() - t0 < 2000, "cancel is prompt (%lld ms)", ms_now() - t0);
	dv_http_resp_free(&resp);
	rig_close(&r);
}

static void test_log_masking(void)
{
	struct rig r;
	struct dv_http_resp resp;
	struct dv_error e;
	char path[] = "/tmp/dvhttplogXXXXXX", buf[65536];
	int fd = mkstemp(path);
	const char *script[] = {token1, ok_body, NULL};
	FILE *f;
	size_t n;

	close(fd);
	ts_script(&srv, script);
	rig_open(&r, NULL, path);
	dv_http_resp_init(&resp);
	get(&r, "/logged", 1, &resp, &e);
	dv_http_resp_free(&resp);
	rig_close(&r);
	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(path);
	ok(n > 0, "log written");
	ok(strstr(buf, "s3cret") == NULL, "client secret not logged");
	ok(strstr(buf, "tok1") == NULL, "access token not logged");
	ok(strstr(buf, "client_secret=***") != NULL, "form secret masked");
	ok(strstr(buf, "Authorization: Bearer ***") != NULL, "Authorization masked");
	ok(strstr(buf, "\"access_token\":\"***\"") != NULL, "token reply masked");
	ok(strstr(buf, "/logged -> 200") != NULL, "response line logged");
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	make_token_responses();
	if (ts_start(&srv) != 0) {
		ok(0, "test server starts");
		return tap_done();
	}
	test_util();
	test_token_and_headers();
	test_standard_headers();
	test_429_retry();
	test_5xx();
	test_401_refresh();
	test_truncated_page();
	test_errors_and_auth();
	test_transport();
	test_cancel_during_backoff();
	test_log_masking();
	ts_stop(&srv);
	curl_global_cleanup();
	return tap_done();
}
