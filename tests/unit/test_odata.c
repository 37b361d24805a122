/* test_odata.c - OData client pieces on canned data: URLs, literals, page
 * parsing (annotations, nulls, decimals, big integers, unicode, nextLink,
 * truncation), error body mapping. */
#include "odata/odata.h"
#include "odata/odata_priv.h"
#include "util/buf.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void test_literals(void)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	odata_append_string_literal(&b, "O'Brian", 7);
	is_str(dv_buf_str(&b), "'O''Brian'", "string literal doubles quotes");
	dv_buf_reset(&b);
	odata_append_string_literal(&b, "", 0);
	is_str(dv_buf_str(&b), "''", "empty string literal");
	dv_buf_reset(&b);
	odata_append_like_literal(&b, "50%_[x]'s", 9);
	is_str(dv_buf_str(&b), "50[%][_][[]x]''s", "like literal escapes wildcards and quotes");
	dv_buf_free(&b);
}

static void test_query_url(void)
{
	struct odata_query q;
	char *url;
	memset(&q, 0, sizeof(q));
	q.base = "http://h/api/data/v9.2/";
	q.entity_set = "accounts";
	url = odata_query_url(&q);
	is_str(url, "http://h/api/data/v9.2/accounts", "bare entity set");
	free(url);
	q.select = "name,revenue";
	q.filter = "name eq 'A+B & C#1/2?;' and revenue ge 100";
	q.orderby = "name asc,accountid asc";
	q.top = 10;
	q.count = 1;
	q.expand = "primarycontactid($select=fullname)";
	url = odata_query_url(&q);
	is_str(url, "http://h/api/data/v9.2/accounts?$select=name,revenue"
	       "&$filter=name%20eq%20'A%2BB%20%26%20C%231%2F2%3F%3B'%20and%20revenue%20ge%20100"
	       "&$orderby=name%20asc,accountid%20asc&$top=10&$count=true"
	       "&$expand=primarycontactid($select%3Dfullname)", "all options encoded");
	free(url);
}

static const struct odata_colspec cols[] = {
	{"accountid", NULL, ODATA_STRING},
	{"name", NULL, ODATA_STRING},
	{"revenue", NULL, ODATA_DECIMAL},
	{"revenue", "OData.Community.Display.V1.FormattedValue", ODATA_STRING},
	{"numberofemployees", NULL, ODATA_INT},
	{"bigcount", NULL, ODATA_INT},
	{"ratio", NULL, ODATA_DOUBLE},
	{"donotemail", NULL, ODATA_BOOL},
	{"_parentid_value", "Microsoft.Dynamics.CRM.lookuplogicalname", ODATA_STRING},
	{"_parentid_value", NULL, ODATA_STRING},
	{"statecode", NULL, ODATA_STRING},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static const char page1[] =
	"{\"@odata.context\":\"http://h/api/data/v9.2/$metadata#accounts\",\"value\":["
	"{\"@odata.etag\":\"W/\\\"1\\\"\",\"accountid\":\"a1\",\"name\":\"Caf\\u00e9 \\ud83d\\ude00\","
	"\"revenue@OData.Community.Display.V1.FormattedValue\":\"$20,000.00\","
	"\"revenue\":20000.0000,\"numberofemployees\":42,\"bigcount\":9007199254740993,"
	"\"ratio\":0.25,\"donotemail\":true,"
	"\"_parentid_value@Microsoft.Dynamics.CRM.lookuplogicalname\":\"account\","
	"\"_parentid_value\":\"p1\",\"statecode\":0,"
	"\"primarycontactid\":{\"name\":\"nested\",\"revenue\":1,\"x\":[1,2,{\"a\":3}]},"
	"\"tags\":[\"a\",\"b\"]},"
	"{\"accountid\":\"a2\",\"name\":null,\"revenue\":-0.000000001,\"numberofemployees\":null,"
	"\"bigcount\":-9223372036854775808,\"ratio\":1e300,\"donotemail\":false},"
	"{\"accountid\":\"a3\"}"
	"],\"@odata.count\":3,\"@odata.nextLink\":\"http://h/api/data/v9.2/accounts?"
	"$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E\"}";

static const struct odata_cell *cell(const struct odata_page *p, size_t r, size_t c)
{
	return &p->cells[r * p->ncols + c];
}

static void check_page1(const struct odata_page *p, const char *how)
{
	is_int(p->nrows, 3, "%s: rows", how);
	is_int(p->ncols, NCOLS, "%s: cols", how);
	is_int(p->count, 3, "%s: @odata.count", how);
	is_str(p->next_link, "http://h/api/data/v9.2/accounts?$skiptoken=%3Ccookie%20pagenumber"
	       "=%222%22%20/%3E", "%s: nextLink kept unchanged", how);
	is_str(cell(p, 0, 0)->s, "a1", "%s: id", how);
	is_str(cell(p, 0, 1)->s, "Caf\xc3\xa9 \xf0\x9f\x98\x80", "%s: \\u00e9 and surrogate pair",
	       how);
	is_int(cell(p, 0, 1)->len, 10, "%s: utf-8 length", how);
	is_int(cell(p, 0, 2)->type, OC_TEXT, "%s: decimal is text", how);
	is_str(cell(p, 0, 2)->s, "20000.0000", "%s: decimal scale kept", how);
	is_str(cell(p, 0, 3)->s, "$20,000.00", "%s: annotation before value", how);
	is_int(cell(p, 0, 4)->type, OC_INT, "%s: int type", how);
	is_int(cell(p, 0, 4)->i, 42, "%s: int value", how);
	ok(cell(p, 0, 5)->i == 9007199254740993LL, "%s: 9007199254740993 exact", how);
	is_int(cell(p, 0, 6)->type, OC_DOUBLE, "%s: double type", how);
	ok(cell(p, 0, 6)->d == 0.25, "%s: double value", how);
	is_int(cell(p, 0, 7)->i, 1, "%s: true", how);
	is_str(cell(p, 0, 8)->s, "account", "%s: lookuplogicalname", how);
	is_str(cell(p, 0, 9)->s, "p1", "%s: lookup value", how);
	is_str(cell(p, 0, 10)->s, "0", "%s: number into a text column", how);
	is_int(cell(p, 1, 1)->type, OC_NULL, "%s: null", how);
	is_str(cell(p, 1, 2)->s, "-0.000000001", "%s: small decimal exact", how);
	is_int(cell(p, 1, 3)->type, OC_NULL, "%s: missing annotation is null", how);
	is_int(cell(p, 1, 4)->type, OC_NULL, "%s: null int", how);
	ok(cell(p, 1, 5)->i == INT64_MIN, "%s: int64 min", how);
	ok(cell(p, 1, 6)->d == 1e300, "%s: 1e300", how);
	is_int(cell(p, 1, 7)->type, OC_INT, "%s: false type", how);
	is_int(cell(p, 1, 7)->i, 0, "%s: false", how);
	is_str(cell(p, 2, 0)->s, "a3", "%s: sparse row id", how);
	int nulls = 1;
	for (size_t c = 1; c < NCOLS; c++)
		nulls &= cell(p, 2, c)->type == OC_NULL;
	ok(nulls, "%s: missing properties are null", how);
}

static void test_page_parse(void)
{
	struct odata_page p;
	struct dv_error e;
	memset(&p, 0, sizeof(p));
	is_int(odata_page_parse(page1, strlen(page1), cols, NCOLS, &p, &e), 0, "page parses");
	check_page1(&p, "whole");

	/* the same page fed one byte at a time, reusing the page */
	int rc = odata_page_begin(&p, cols, NCOLS, &e);
	for (size_t i = 0; rc == 0 && i < strlen(page1); i++)
		rc = odata_page_feed(&p, page1 + i, 1, &e);
	is_int(rc, 0, "bytewise feed");
	is_int(odata_page_finish(&p, &e), 0, "bytewise finish");
	check_page1(&p, "bytewise");

	/* last page: no nextLink, no count */
	const char last[] = "{\"value\":[{\"accountid\":\"z\"}]}";
	is_int(odata_page_parse(last, strlen(last), cols, NCOLS, &p, &e), 0, "last page");
	is_str(p.next_link, NULL, "last page has no nextLink");
	is_int(p.count, -1, "no count");
	is_int(p.nrows, 1, "reused page has only the new rows");
	is_str(cell(&p, 0, 0)->s, "z", "reused page value");

	const char empty[] = "{\"@odata.context\":\"x\",\"value\":[]}";
	is_int(odata_page_parse(empty, strlen(empty), cols, NCOLS, &p, &e), 0, "empty page");
	is_int(p.nrows, 0, "empty page rows");

	/* truncated mid-row */
	size_t cut = strlen(page1) / 2;
	is_int(odata_page_parse(page1, cut, cols, NCOLS, &p, &e), -1, "truncated body fails");
	is_str(dv_sqlstate_code(e.state), "08S01", "truncated -> 08S01");
	is_str(e.message, "the service response ended in the middle of the JSON body "
	       "(connection closed early)", "truncated message");

	const char bad[] = "{\"value\":[{\"name\":tru}]}";
	is_int(odata_page_parse(bad, strlen(bad), cols, NCOLS, &p, &e), -1, "invalid JSON fails");
	is_str(dv_sqlstate_code(e.state), "HY000", "invalid JSON -> HY000");
	ok(strncmp(e.message, "invalid JSON in the service response: ", 38) == 0,
	   "invalid JSON message: %s", e.message);

	/* string numbers (IEEE754Compatible / v1) into numeric columns */
	const char strnum[] = "{\"value\":[{\"numberofemployees\":\"17\",\"ratio\":\"INF\","
			      "\"donotemail\":\"true\",\"bigcount\":\"n/a\"}]}";
	is_int(odata_page_parse(strnum, strlen(strnum), cols, NCOLS, &p, &e), 0, "string numbers");
	is_int(cell(&p, 0, 4)->i, 17, "string int");
	is_int(cell(&p, 0, 5)->type, OC_TEXT, "non-number string stays text");
	is_int(cell(&p, 0, 7)->i, 1, "string bool");
	odata_page_free(&p);

	/* many rows: the cell array and arena grow */
	struct dv_buf big;
	dv_buf_init(&big, 0);
	dv_buf_appends(&big, "{\"value\":[");
	for (int i = 0; i < 1000; i++)
		dv_buf_appendf(&big, "%s{\"accountid\":\"id-%d\",\"numberofemployees\":%d}",
			       i ? "," : "", i, i);
	dv_buf_appends(&big, "]}");
	memset(&p, 0, sizeof(p));
	is_int(odata_page_parse(big.data, big.len, cols, NCOLS, &p, &e), 0, "1000 rows parse");
	is_int(p.nrows, 1000, "1000 rows");
	is_str(cell(&p, 999, 0)->s, "id-999", "last row text survives arena growth");
	is_str(cell(&p, 0, 0)->s, "id-0", "first row text survives arena growth");
	is_int(cell(&p, 500, 4)->i, 500, "row 500 int");
	odata_page_free(&p);
	dv_buf_free(&big);
}

struct err_case {
	long status;
	const char *body;
	const char *state;
	long native;
	const char *message;
};

static const struct err_case err_cases[] = {
	{404, "{\"error\":{\"code\":\"0x80040217\",\"message\":\"Entity 'account' With Id = "
	 "x Does Not Exist\"}}", "HY000", -2147220969L,
	 "Entity 'account' With Id = x Does Not Exist (Dataverse error 0x80040217, HTTP 404)"},
	{404, "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Resource not found for the "
	 "segment 'acounts'.\"}}", "42S02", -2147088248L,
	 "Resource not found for the segment 'acounts'. (Dataverse error 0x80060888, HTTP 404)"},
	{400, "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Could not find a property named "
	 "'nme' on type 'Microsoft.Dynamics.CRM.account'.\"}}", "42S22", -2147088248L,
	 "Could not find a property named 'nme' on type 'Microsoft.Dynamics.CRM.account'. "
	 "(Dataverse error 0x80060888, HTTP 400)"},
	{400, "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Syntax error at position 5\"}}",
	 "42000", -2147088248L, "Syntax error at position 5 (Dataverse error 0x80060888, HTTP 400)"},
	{412, "{\"error\":{\"code\":\"0x80040237\",\"message\":\"A record with matching key values "
	 "already exists.\"}}", "23000", -2147220937L,
	 "A record with matching key values already exists. (Dataverse error 0x80040237, HTTP 412)"},
	{412, "{\"error\":{\"code\":\"0x80040333\",\"message\":\"dup\"}}", "23000", -2147220685L,
	 "dup (Dataverse error 0x80040333, HTTP 412)"},
	{412, "{\"error\":{\"code\":\"0x80060882\",\"message\":\"The version of the existing "
	 "record doesn't match the RowVersion property provided.\"}}", "40001", -2147088254L,
	 "The version of the existing record doesn't match the RowVersion property provided. "
	 "(Dataverse error 0x80060882, HTTP 412)"},
	{400, "{\"error\":{\"code\":\"0x80044331\",\"message\":\"too long\"}}", "22001",
	 -2147204303L, "too long (Dataverse error 0x80044331, HTTP 400)"},
	{403, "{\"error\":{\"code\":\"0x80040220\",\"message\":\"Principal user is missing "
	 "prvReadAccount privilege\"}}", "42000", -2147220960L,
	 "Principal user is missing prvReadAccount privilege (Dataverse error 0x80040220, "
	 "HTTP 403)"},
	{429, "{\"error\":{\"code\":\"0x80072322\",\"message\":\"Number of requests exceeded the "
	 "limit of 6000 over time window of 300 seconds.\"}}", "HY000", -2147015902L,
	 "Number of requests exceeded the limit of 6000 over time window of 300 seconds. "
	 "(Dataverse error 0x80072322, HTTP 429)"},
	{503, "{\"error\":{\"code\":\"\",\"message\":\"Service Unavailable\"}}", "08S01", 503,
	 "Service Unavailable (HTTP 503)"},
	{500, "<html>oops</html>", "HY000", 500, "HTTP 500 from the service: <html>oops</html>"},
	{401, "", "28000", 401, "the service rejected the access token (HTTP 401): it is missing, "
	 "expired or for another organization URL"},
	{401, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
	 "client secret provided. Ensure the secret being sent in the request is the client "
	 "secret value, not the client secret ID.\\r\\nTrace ID: 1\\r\\nCorrelation ID: 2\","
	 "\"error_codes\":[7000215],\"timestamp\":\"2016-01-09 02:02:12Z\"}", "28000", 7000215,
	 "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
	 "request is the client secret value, not the client secret ID (sign-in error "
	 "invalid_client, HTTP 401)"},
	{400, "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS90002: Tenant 'x' "
	 "not found.\\r\\nTrace ID: 1\"}", "08001", 90002,
	 "AADSTS90002: Tenant 'x' not found (sign-in error invalid_request, HTTP 400)"},
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *t = &err_cases[i];
		struct dv_error e;
		dv_error_clear(&e);
		is_int(odata_error_from_response(t->status, t->body, strlen(t->body), &e), -1,
		       "error %zu returns -1", i);
		is_str(dv_sqlstate_code(e.state), t->state, "error %zu state", i);
		is_int(e.native, t->native, "error %zu native", i);
		is_str(e.message, t->message, "error %zu message", i);
	}
}

int main(void)
{
	test_literals();
	test_query_url();
	test_page_parse();
	test_errors();
	return tap_done();
}
