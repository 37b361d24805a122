/* test_batch.c - $batch multipart build and response parse on canned bodies
 * (spec section 9): exact request bytes with and without a change set, the
 * documented response shapes (top-level parts, nested changesetresponse with
 * Content-ID, a failed change set holding only its failing part), quoted
 * boundaries, LF-only bodies, and cut bodies refused; and odata_batch_send
 * against a scripted server (URL, Prefer, Content-Type, body, parse). */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "http/http.h"
#include "odata/odata.h"
#include "tap.h"
#include "test_svc_server.h"
#include "util/buf.h"

#define BASE "http://org/api/data/v9.2/"

static void test_build_plain(void)
{
	static const char *const if_match[] = {"If-Match: *", NULL};
	struct odata_batch_op ops[2] = {
		{"POST", "accounts", "{\"name\":\"a\"}", NULL},
		{"PATCH", "accounts(00000000-0000-0000-0000-000000000001)", "{\"name\":\"b\"}",
		 if_match},
	};
	struct dv_buf b;
	dv_buf_init(&b, 0);
	is_int(odata_batch_build(BASE, ops, 2, 0, "B1", "C1", &b), 0, "build plain");
	is_str(dv_buf_str(&b),
	       "--batch_B1\r\n"
	       "Content-Type: application/http\r\n"
	       "Content-Transfer-Encoding: binary\r\n"
	       "\r\n"
	       "POST http://org/api/data/v9.2/accounts HTTP/1.1\r\n"
	       "Content-Type: application/json\r\n"
	       "\r\n"
	       "{\"name\":\"a\"}\r\n"
	       "--batch_B1\r\n"
	       "Content-Type: application/http\r\n"
	       "Content-Transfer-Encoding: binary\r\n"
	       "\r\n"
	       "PATCH http://org/api/data/v9.2/accounts(00000000-0000-0000-0000-000000000001)"
	       " HTTP/1.1\r\n"
	       "Content-Type: application/json\r\n"
	       "If-Match: *\r\n"
	       "\r\n"
	       "{\"name\":\"b\"}\r\n"
	       "--batch_B1--\r\n", "plain batch body exact");
	dv_buf_free(&b);
}

static void test_build_changeset(void)
{
	struct odata_batch_op ops[2] = {
		{"POST", "contacts", "{\"lastname\":\"x\"}", NULL},
		{"DELETE", "contacts(00000000-0000-0000-0000-000000000002)", NULL, NULL},
	};
	struct dv_buf b;
	dv_buf_init(&b, 0);
	odata_batch_build(BASE, ops, 2, 1, "B2", "C2", &b);
	is_str(dv_buf_str(&b),
	       "--batch_B2\r\n"
	       "Content-Type: multipart/mixed; boundary=changeset_C2\r\n"
	       "\r\n"
	       "--changeset_C2\r\n"
	       "Content-Type: application/http\r\n"
	       "Content-Transfer-Encoding: binary\r\n"
	       "Content-ID: 1\r\n"
	       "\r\n"
	       "POST http://org/api/data/v9.2/contacts HTTP/1.1\r\n"
	       "Content-Type: application/json; type=entry\r\n"
	       "\r\n"
	       "{\"lastname\":\"x\"}\r\n"
	       "--changeset_C2\r\n"
	       "Content-Type: application/http\r\n"
	       "Content-Transfer-Encoding: binary\r\n"
	       "Content-ID: 2\r\n"
	       "\r\n"
	       "DELETE http://org/api/data/v9.2/contacts(00000000-0000-0000-0000-000000000002)"
	       " HTTP/1.1\r\n"
	       "\r\n"
	       "\r\n"
	       "--changeset_C2--\r\n"
	       "--batch_B2--\r\n", "change set body exact");
	dv_buf_free(&b);
}

/* The documented continue-on-error answer: a created record, then a failure. */
static const char resp_plain[] =
	"--batchresponse_R1\r\n"
	"Content-Type: application/http\r\n"
	"Content-Transfer-Encoding: binary\r\n"
	"\r\n"
	"HTTP/1.1 204 No Content\r\n"
	"OData-Version: 4.0\r\n"
	"Location: http://org/api/data/v9.2/accounts(11111111-0000-0000-0000-000000000001)\r\n"
	"OData-EntityId: http://org/api/data/v9.2/accounts(11111111-0000-0000-0000-000000000001)\r\n"
	"\r\n"
	"\r\n"
	"--batchresponse_R1\r\n"
	"Content-Type: application/http\r\n"
	"Content-Transfer-Encoding: binary\r\n"
	"\r\n"
	"HTTP/1.1 400 Bad Request\r\n"
	"REQ_ID: 5ecd1cb3-1730-4ffc-909c-d44c22270026\r\n"
	"Content-Type: application/json; odata.metadata=minimal\r\n"
	"OData-Version: 4.0\r\n"
	"\r\n"
	"{\"error\":{\"code\":\"0x8004431A\",\"message\":\"bad option\"}}\r\n"
	"--batchresponse_R1--\r\n";

static void test_parse_plain(void)
{
	struct odata_batch_result *r;
	struct dv_error err;
	size_t n;
	int rc = odata_batch_parse("multipart/mixed; boundary=batchresponse_R1", resp_plain,
				   strlen(resp_plain), &r, &n, &err);
	is_int(rc, 0, "parse plain response");
	is_int(n, 2, "two results");
	if (n != 2)
		return;
	is_int(r[0].status, 204, "first 204");
	is_str(r[0].entity_id,
	       "http://org/api/data/v9.2/accounts(11111111-0000-0000-0000-000000000001)",
	       "first OData-EntityId");
	ok(r[0].body == NULL, "204 has no body");
	is_int(r[1].status, 400, "second 400");
	is_str(r[1].body, "{\"error\":{\"code\":\"0x8004431A\",\"message\":\"bad option\"}}",
	       "error body kept exactly");
	ok(r[1].entity_id == NULL, "no entity id on failure");
	odata_batch_results_free(r, n);
}

/* A change set that succeeded, then (quoted boundary, LF only) a failed one. */
static const char resp_cs[] =
	"--batchresponse_R2\n"
	"Content-Type: multipart/mixed; boundary=\"changesetresponse_S1\"\n"
	"\n"
	"--changesetresponse_S1\n"
	"Content-Type: application/http\n"
	"Content-Transfer-Encoding: binary\n"
	"Content-ID: 1\n"
	"\n"
	"HTTP/1.1 204 No Content\n"
	"OData-EntityId: http://org/api/data/v9.2/contacts(22222222-0000-0000-0000-000000000001)\n"
	"\n"
	"\n"
	"--changesetresponse_S1\n"
	"Content-Type: application/http\n"
	"Content-Transfer-Encoding: binary\n"
	"Content-ID: 2\n"
	"\n"
	"HTTP/1.1 204 No Content\n"
	"\n"
	"\n"
	"--changesetresponse_S1--\n"
	"--batchresponse_R2\n"
	"Content-Type: multipart/mixed; boundary=changesetresponse_S2\n"
	"\n"
	"--changesetresponse_S2\n"
	"Content-Type: application/http\n"
	"Content-Transfer-Encoding: binary\n"
	"Content-ID: 3\n"
	"\n"
	"HTTP/1.1 412 Precondition Failed\n"
	"Content-Type: application/json\n"
	"\n"
	"{\"error\":{\"code\":\"0x80040237\",\"message\":\"dup\"}}\n"
	"--changesetresponse_S2--\n"
	"--batchresponse_R2--\n";

static void test_parse_changesets(void)
{
	struct odata_batch_result *r;
	struct dv_error err;
	size_t n;
	int rc = odata_batch_parse("multipart/mixed; boundary=\"batchresponse_R2\"", resp_cs,
				   strlen(resp_cs), &r, &n, &err);
	is_int(rc, 0, "parse change set response");
	is_int(n, 3, "three results (nested flattened)");
	if (n != 3)
		return;
	is_int(r[0].content_id, 1, "Content-ID 1");
	is_str(r[0].entity_id,
	       "http://org/api/data/v9.2/contacts(22222222-0000-0000-0000-000000000001)",
	       "entity id in change set");
	is_int(r[1].content_id, 2, "Content-ID 2");
	is_int(r[1].status, 204, "second 204");
	is_int(r[2].content_id, 3, "failed change set part keeps Content-ID 3");
	is_int(r[2].status, 412, "412");
	is_str(r[2].body, "{\"error\":{\"code\":\"0x80040237\",\"message\":\"dup\"}}",
	       "412 body");
	odata_batch_results_free(r, n);
}

static void test_parse_bad(void)
{
	struct odata_batch_result *r;
	struct dv_error err;
	size_t n;
	size_t cut = strlen(resp_plain) / 2;
	is_int(odata_batch_parse("multipart/mixed; boundary=batchresponse_R1", resp_plain, cut,
				 &r, &n, &err), -1, "cut body refused");
	is_str(dv_sqlstate_code(err.state), "08S01", "cut body is 08S01");
	is_int(odata_batch_parse("application/json", "{}", 2, &r, &n, &err), -1,
	       "non-multipart refused");
}

static void test_guid(void)
{
	char a[37], b[37];
	odata_new_guid(a);
	odata_new_guid(b);
	is_int(strlen(a), 36, "guid length");
	ok(a[8] == '-' && a[13] == '-' && a[14] == '4' && a[18] == '-' && a[23] == '-',
	   "guid shape v4: %s", a);
	ok(strcmp(a, b) != 0, "two guids differ");
}

static void test_send(void)
{
	static char resp[2048];
	const char *script[2] = {resp, NULL};
	struct odata_batch_op ops[2] = {
		{"POST", "accounts", "{\"name\":\"a\"}", NULL},
		{"POST", "accounts", "{\"name\":\"b\"}", NULL},
	};
	struct ts_server srv;
	struct dv_config cfg;
	struct dv_http *http;
	struct odata_batch_result *r = NULL;
	struct dv_error err;
	char base[128], cs[256], ct[256];
	size_t n = 0;
	int rc;
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: multipart/mixed; "
		 "boundary=batchresponse_R1\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(resp_plain), resp_plain);
	if (ts_start(&srv) != 0) {
		ok(0, "scripted server starts");
		return;
	}
	ts_script(&srv, script);
	dv_config_init(&cfg);
	snprintf(cs, sizeof(cs), "URL=%s/;Timeout=10", srv.url);
	dv_config_from_connstr(&cfg, cs, &err);
	http = dv_http_new(&cfg, NULL, &err);
	snprintf(base, sizeof(base), "%s/api/data/v9.2/", srv.url);
	rc = http ? odata_batch_send(http, base, ops, 2, 0, NULL, &r, &n, &err) : -1;
	is_int(rc, 0, "send: %s", rc ? err.message : "");
	is_int(n, 2, "two results back");
#define SENT_PREFIX "POST /api/data/v9.2/$batch HTTP/1.1||odata.continue-on-error|--batch_"
	ok(strncmp(srv.log, SENT_PREFIX, strlen(SENT_PREFIX)) == 0, "POST $batch with Prefer: odata.continue-on-error: %.80s", srv.log);
	ts_header(srv.last_head, "Content-Type", ct, sizeof(ct));
	ok(strncmp(ct, "multipart/mixed; boundary=batch_", 32) == 0 && strlen(ct) == 32 + 36,
	   "Content-Type with a batch_<guid> boundary: %s", ct);
	ok(strstr(srv.log, "\r\nPOST http://127.0.0.1:") != NULL, "absolute URLs in parts");
	if (n == 2)
		is_int(r[1].status, 400, "second part failed");
	odata_batch_results_free(r, n);
	dv_http_free(http);
	dv_config_free(&cfg);
	ts_stop(&srv);
}

int main(void)
{
	test_build_plain();
	test_build_changeset();
	test_parse_plain();
	test_parse_changesets();
	test_parse_bad();
	test_guid();
	test_send();
	return tap_done();
}
