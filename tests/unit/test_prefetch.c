/* test_prefetch.c - the cursor's page prefetch against the Dataverse
 * emulator: the same rows in the same order with and without prefetch over
 * many pages, faults on the 3rd page (a prefetched one) absorbed by the HTTP
 * layer's retries or reported when the reader reaches that page with the
 * SQLSTATE of a direct read, a cancel while the reader waits for a
 * prefetched page (HY008, promptly), and a close while a prefetch is in
 * flight (prompt, nothing leaked). */
#include "odata/odata.h"
#include "svc_client.h"
#include "tap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROWS 523
#define PAGE 10
#define PAGES ((ROWS + PAGE - 1) / PAGE)
/* how the emulator's nextLink to page 3 shows in its URL */
#define PAGE3 "pagenumber=%223%22"

static struct emu emu;

static const struct odata_colspec cols[] = {
	{"accountid", NULL, ODATA_STRING},
	{"name", NULL, ODATA_STRING},
};

/* What one read of all accounts saw. */
struct result {
	char *ids[ROWS + 1];
	long rows;              /* rows delivered before the end or the error */
	int rc;                 /* last odata_cursor_next: 0 end, -1 error */
	int prefetching;
	unsigned long pages;
	struct dv_error err;
	double seconds;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *accounts_url(struct svc_client *c)
{
	struct odata_query q;
	char *root = dv_config_api_root(&c->cfg), *url;
	memset(&q, 0, sizeof(q));
	q.base = root;
	q.entity_set = "accounts";
	q.select = "accountid,name";
	q.orderby = "accountid asc";
	url = odata_query_url(&q);
	free(root);
	return url;
}

/* prefetch: 0/1 = odata_cursor_open_ex, -1 = odata_cursor_open (the key) */
static struct odata_cursor *open_cursor(struct svc_client *c, int prefetch, const char *prefer,
					struct dv_error *e)
{
	char *url = accounts_url(c);
	struct odata_cursor *cur;
	if (prefetch < 0)
		cur = odata_cursor_open(c->http, url, prefer, cols, 2, e);
	else
		cur = odata_cursor_open_ex(c->http, url, prefer, cols, 2, prefetch, e);
	free(url);
	return cur;
}

static void read_all(struct svc_client *c, int prefetch, struct result *r)
{
	struct odata_cursor *cur;
	const struct odata_cell *row;
	double t0 = now_s();

	memset(r, 0, sizeof(*r));
	cur = open_cursor(c, prefetch, "odata.maxpagesize=10", &r->err);
	if (!cur) {
		r->rc = -1;
		return;
	}
	while ((r->rc = odata_cursor_next(cur, &row, &r->err)) == 1) {
		if (r->rows < ROWS)
			r->ids[r->rows] = strdup(row[0].type == OC_TEXT ? row[0].s : "(not text)");
		r->rows++;
	}
	r->prefetching = odata_cursor_prefetching(cur);
	r->pages = odata_cursor_pages(cur);
	odata_cursor_close(cur);
	r->seconds = now_s() - t0;
}

static void result_free(struct result *r)
{
	for (long i = 0; i < ROWS; i++)
		free(r->ids[i]);
}

/* 1 when a and b delivered the same ids in the same order, all distinct. */
/* The order the service pages a GUID key in: SQL Server compares a
 * uniqueidentifier by its last byte group first (characters 25-36), then
 * 20-23, then the bytes of the first three groups from the back. */
static void guid_order_key(const char *id, char out[33])
{
	static const int at[] = {24, 26, 28, 30, 32, 34, 19, 21, 16, 14, 11, 9, 6, 4, 2, 0};
	size_t n = strlen(id) == 36 ? sizeof(at) / sizeof(at[0]) : 0;
	for (size_t k = 0; k < n; k++) {
		out[2 * k] = id[at[k]];
		out[2 * k + 1] = id[at[k] + 1];
	}
	out[2 * n] = '\0';
}

static int same_rows(const struct result *a, const struct result *b)
{
	char prev[33], cur[33];
	if (a->rows != b->rows)
		return 0;
	for (long i = 0; i < a->rows && i < ROWS; i++) {
		if (!a->ids[i] || !b->ids[i] || strcmp(a->ids[i], b->ids[i]) != 0)
			return 0;
		guid_order_key(a->ids[i], cur);
		if (i > 0 && strcmp(prev, cur) >= 0)
			return 0; /* in the service's accountid order: each later one is greater */
		memcpy(prev, cur, sizeof(prev));
	}
	return 1;
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static struct result baseline; /* prefetch off, no fault */

static void test_many_pages(void)
{
	struct svc_client c;
	struct dv_error e;
	struct result r;

	emu_reset(&emu);
	svc_client_open(&c, &emu, NULL, &e);
	read_all(&c, 0, &baseline);
	is_int(baseline.rc, 0, "prefetch off: ends normally");
	is_int(baseline.rows, ROWS, "prefetch off: %d rows", ROWS);
	is_int(baseline.prefetching, 0, "prefetch off: no worker");
	is_int(baseline.pages, PAGES, "prefetch off: %d pages", PAGES);

	emu_reset(&emu);
	read_all(&c, 1, &r);
	is_int(r.rc, 0, "prefetch on: ends normally");
	is_int(r.rows, ROWS, "prefetch on: %d rows", ROWS);
	ok(same_rows(&r, &baseline), "prefetch on: same rows in the same order, each once");
	is_int(r.prefetching, 1, "prefetch on: the worker ran");
	is_int(r.pages, PAGES, "prefetch on: %d pages", PAGES);
	/* the token was already held: one GET per page, nothing more */
	is_int(emu_request_count(&emu), PAGES, "prefetch on: one request per page");
	result_free(&r);
	svc_client_close(&c);

	/* the connection key decides for odata_cursor_open */
	svc_client_open(&c, &emu, NULL, &e);
	emu_reset(&emu);
	read_all(&c, -1, &r);
	is_int(r.prefetching, 1, "Prefetch default: on");
	ok(same_rows(&r, &baseline), "Prefetch default: same rows");
	result_free(&r);
	svc_client_close(&c);
	svc_client_open(&c, &emu, "Prefetch=false", &e);
	read_all(&c, -1, &r);
	is_int(r.prefetching, 0, "Prefetch=false: off");
	ok(same_rows(&r, &baseline), "Prefetch=false: same rows");
	result_free(&r);
	svc_client_close(&c);
}

static void test_single_page(void)
{
	struct svc_client c;
	struct dv_error e;
	struct odata_cursor *cur;
	const struct odata_cell *row;
	int n = 0, rc;

	emu_reset(&emu);
	svc_client_open(&c, &emu, NULL, &e);
	cur = open_cursor(&c, 1, NULL, &e); /* pages of 5000 */
	while ((rc = odata_cursor_next(cur, &row, &e)) == 1)
		n++;
	is_int(rc, 0, "one page: ends");
	is_int(n, ROWS, "one page: %d rows", ROWS);
	is_int(odata_cursor_pages(cur), 1, "one page: one request");
	is_int(odata_cursor_prefetching(cur), 0, "one page: no worker started");
	odata_cursor_close(cur);
	svc_client_close(&c);
}

struct fault_case {
	const char *name;
	const char *fault;
	int extra_requests; /* beyond the token request and one GET per page */
	int extra_tokens;
};

static const struct fault_case retried[] = {
	{"429 on page 3", "{\"count\":1,\"kind\":\"429\",\"retry_after\":1,\"match\":\"" PAGE3
	 "\"}", 1, 0},
	{"two 503s on page 3", "{\"count\":2,\"kind\":\"503\",\"match\":\"" PAGE3 "\"}", 2, 0},
	{"truncated page 3", "{\"count\":1,\"kind\":\"truncate\",\"match\":\"" PAGE3 "\"}", 1, 0},
	{"reset on page 3", "{\"count\":1,\"kind\":\"reset\",\"match\":\"" PAGE3 "\"}", 1, 0},
	{"401 on page 3", "{\"count\":1,\"kind\":\"401\",\"match\":\"" PAGE3 "\"}", 2, 1},
};

static void test_retried_faults(void)
{
	for (size_t i = 0; i < sizeof(retried) / sizeof(retried[0]); i++) {
		const struct fault_case *t = &retried[i];
		struct svc_client c;
		struct dv_error e;
		struct result r;
		char *log;

		emu_reset(&emu);
		is_int(emu_fault(&emu, t->fault), 204, "%s: fault accepted", t->name);
		svc_client_open(&c, &emu, NULL, &e);
		read_all(&c, 1, &r);
		is_int(r.rc, 0, "%s: ends normally", t->name);
		if (r.rc != 0)
			tap_diag("%s: %s %s", t->name, dv_sqlstate_code(r.err.state), r.err.message);
		is_int(r.rows, ROWS, "%s: exactly %d rows", t->name, ROWS);
		ok(same_rows(&r, &baseline), "%s: same rows in the same order", t->name);
		is_int(r.pages, PAGES, "%s: %d pages", t->name, PAGES);
		log = emu_requests(&emu, 0);
		is_int(count_lines_with(log, "/oauth2/v2.0/token"), 1 + t->extra_tokens,
		       "%s: token requests", t->name);
		is_int(count_lines_with(log, PAGE3), 1 + t->extra_requests - t->extra_tokens,
		       "%s: page 3 requests", t->name);
		is_int(emu_request_count(&emu), 1 + PAGES + t->extra_requests,
		       "%s: requests in the log", t->name);
		free(log);
		result_free(&r);
		svc_client_close(&c);
	}
}

/* A failure the HTTP layer does not retry: rows of pages 1 and 2, then the
 * error a direct read gives, at the same row, and again on the next call. */
static void test_failed_page(void)
{
	static const char fault[] = "{\"count\":1,\"kind\":\"500\",\"match\":\"" PAGE3 "\"}";
	struct svc_client c;
	struct dv_error e;
	struct result off, on;

	emu_reset(&emu);
	emu_fault(&emu, fault);
	svc_client_open(&c, &emu, NULL, &e);
	read_all(&c, 0, &off);
	emu_reset(&emu);
	emu_fault(&emu, fault);
	read_all(&c, 1, &on);
	is_int(off.rc, -1, "500 on page 3, prefetch off: error");
	is_int(on.rc, -1, "500 on page 3, prefetch on: error");
	is_int(on.rows, 2 * PAGE, "prefetch on: the rows of pages 1 and 2 first");
	is_int(off.rows, 2 * PAGE, "prefetch off: the rows of pages 1 and 2 first");
	is_str(dv_sqlstate_code(on.err.state), dv_sqlstate_code(off.err.state),
	       "same SQLSTATE as a direct read (%s)", dv_sqlstate_code(off.err.state));
	is_str(on.err.message, off.err.message, "same message");
	is_int(on.err.native, off.err.native, "same native code");
	result_free(&off);
	result_free(&on);
	svc_client_close(&c);
}

struct canceller {
	struct dv_http *http;
	int ms;
};

static void *cancel_later(void *arg)
{
	struct canceller *k = arg;
	usleep((useconds_t)k->ms * 1000);
	dv_http_cancel(k->http);
	return NULL;
}

/* The reader waits for page 3, which the service holds for 5 s; SQLCancel
 * (dv_http_cancel on the connection's handle) stops the worker's transfer. */
static void test_cancel(void)
{
	struct svc_client c;
	struct dv_error e;
	struct odata_cursor *cur;
	const struct odata_cell *row;
	struct canceller k;
	pthread_t t;
	double t0;
	int n = 0, rc;

	emu_reset(&emu);
	emu_fault(&emu, "{\"count\":1,\"kind\":\"delay\",\"ms\":5000,\"match\":\"" PAGE3 "\"}");
	svc_client_open(&c, &emu, NULL, &e);
	cur = open_cursor(&c, 1, "odata.maxpagesize=10", &e);
	k.http = c.http;
	k.ms = 300;
	t0 = now_s();
	pthread_create(&t, NULL, cancel_later, &k);
	while ((rc = odata_cursor_next(cur, &row, &e)) == 1)
		n++;
	pthread_join(t, NULL);
	is_int(rc, -1, "cancel: the read fails");
	is_str(dv_sqlstate_code(e.state), "HY008", "cancel: HY008");
	is_int(n, 2 * PAGE, "cancel: every row before page 3, each once");
	ok(now_s() - t0 < 2.5, "cancel: prompt (%.2f s, the page takes 5 s)", now_s() - t0);
	is_int(odata_cursor_next(cur, &row, &e), -1, "cancel: stays failed");
	odata_cursor_close(cur);
	dv_http_reset_cancel(c.http);
	svc_client_close(&c);
}

/* Closing while the worker waits for a slow page returns at once. */
static void test_close_in_flight(void)
{
	struct svc_client c;
	struct dv_error e;
	struct odata_cursor *cur;
	const struct odata_cell *row;
	double t0;

	emu_reset(&emu);
	emu_fault(&emu, "{\"count\":1,\"kind\":\"delay\",\"ms\":5000,\"match\":\"skiptoken\"}");
	svc_client_open(&c, &emu, NULL, &e);
	cur = open_cursor(&c, 1, "odata.maxpagesize=10", &e);
	is_int(odata_cursor_next(cur, &row, &e), 1, "close in flight: first row");
	is_int(odata_cursor_prefetching(cur), 1, "close in flight: page 2 being fetched");
	usleep(200 * 1000);
	t0 = now_s();
	odata_cursor_close(cur);
	ok(now_s() - t0 < 2.0, "close in flight: prompt (%.2f s)", now_s() - t0);
	/* the connection's own handle is not cancelled by the close */
	cur = open_cursor(&c, 1, NULL, &e);
	ok(cur != NULL, "close in flight: the connection still works");
	odata_cursor_close(cur);
	svc_client_close(&c);
}

/* The parser guesses each row's keys from the row before (odata_page.c);
 * rows that leave keys out or change their order must still land right. */
static void test_key_order(void)
{
	static const struct odata_colspec kcols[] = {
		{"a", NULL, ODATA_INT},
		{"b", NULL, ODATA_STRING},
		{"b", "OData.Community.Display.V1.FormattedValue", ODATA_STRING},
		{"c", NULL, ODATA_STRING},
	};
	static const char body[] =
		"{\"value\":["
		"{\"a\":1,\"b\":\"x1\",\"b@OData.Community.Display.V1.FormattedValue\":\"X1\","
		"\"zz\":0,\"c\":\"c1\"},"
		"{\"a\":2,\"c\":\"c2\"},"
		"{\"c\":\"c3\",\"b@OData.Community.Display.V1.FormattedValue\":\"X3\","
		"\"b\":\"x3\",\"a\":3},"
		"{\"a\":4,\"b\":\"x4\",\"b@OData.Community.Display.V1.FormattedValue\":\"X4\","
		"\"zz\":0,\"c\":\"c4\"}]}";
	static const char *want[4][4] = {
		{"1", "x1", "X1", "c1"}, {"2", NULL, NULL, "c2"},
		{"3", "x3", "X3", "c3"}, {"4", "x4", "X4", "c4"},
	};
	struct odata_page page;
	struct dv_error e;
	int good = 1;

	memset(&page, 0, sizeof(page));
	for (int round = 0; round < 2; round++) { /* the second page reuses what was learned */
		is_int(odata_page_parse(body, sizeof(body) - 1, kcols, 4, &page, &e), 0,
		       "key order: parses (page %d)", round + 1);
		is_int(page.nrows, 4, "key order: 4 rows (page %d)", round + 1);
		for (size_t r = 0; r < 4 && page.nrows == 4; r++) {
			const struct odata_cell *row = &page.cells[r * 4];
			if (row[0].type != OC_INT || row[0].i != (int64_t)r + 1)
				good = 0;
			for (int c = 1; c < 4; c++) {
				if (!want[r][c])
					good &= row[c].type == OC_NULL;
				else
					good &= row[c].type == OC_TEXT && strcmp(row[c].s, want[r][c]) == 0;
			}
		}
	}
	ok(good, "key order: every cell where it belongs, nulls where keys were left out");
	odata_page_free(&page);
}

/* With service think time per page, prefetch overlaps it with reading. */
static void test_overlap(void)
{
	struct svc_client c;
	struct dv_error e;
	struct odata_cursor *cur;
	const struct odata_cell *row;
	double t0, with = 0, without = 0;
	int rc, overlapped = 0;

	emu_reset(&emu);
	emu_post(&emu, "/_emu/config", "{\"page_think_ms\":100}");
	svc_client_open(&c, &emu, NULL, &e);
	for (int prefetch = 0; prefetch <= 1; prefetch++) {
		char *url = accounts_url(&c);
		t0 = now_s();
		cur = odata_cursor_open_ex(c.http, url, "odata.maxpagesize=100", cols, 2, prefetch,
					   &e);
		free(url);
		while ((rc = odata_cursor_next(cur, &row, &e)) == 1) {
			usleep(1000); /* the application's own work: 100 ms a page */
			if (prefetch && odata_cursor_prefetching(cur))
				overlapped = 1; /* the next page is on its way meanwhile */
		}
		odata_cursor_close(cur);
		if (prefetch)
			with = now_s() - t0;
		else
			without = now_s() - t0;
	}
	/* 6 pages: ~6 x (100 think + 100 work) sequential, ~100 + 6 x 100 overlapped.
	 * Times are reported, never asserted (a loaded machine would make a timed
	 * check flaky; bench/bench-extract measures it): what is asserted is that
	 * the next page was being fetched while the application read this one. */
	ok(overlapped, "think 100 ms: the next page is fetched while this one is read");
	tap_diag("think 100 ms: prefetch %.2f s vs %.2f s without", with, without);
	emu_post(&emu, "/_emu/config", "{\"page_think_ms\":0}");
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
	test_key_order();
	test_many_pages();
	test_single_page();
	test_retried_faults();
	test_failed_page();
	test_cancel();
	test_close_in_flight();
	test_overlap();
	result_free(&baseline);
	emu_stop(&emu);
	return tap_done();
}
