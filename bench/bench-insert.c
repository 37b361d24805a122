/* bench/bench-insert.c - write benchmark: N inserts, single-row vs batched.
 *
 * Owns: one measurement run against the emulator.  It opens the engine
 * directly (config, HTTP, auth, catalog, engine: what a connection holds)
 * and inserts N contacts twice:
 *   single  - one INSERT statement per row, autocommit: one POST per row;
 *   batched - the same prepared INSERT run as a parameter array of N sets
 *             (dv_engine_array_begin / set_param_row / array_end, what the
 *             ODBC layer does for SQL_ATTR_PARAMSET_SIZE): $batch requests
 *             of at most 1000 operations with continue-on-error.
 * For each it prints rows, seconds, rows/s, the requests the emulator
 * received (its /_emu/requests log) and the rows that reached it.  The
 * emulator's request limit (6000 per 5 minutes, as the service's) is lifted
 * so the single-row run is not stopped by 429s: against the real service
 * 10,000 single-row inserts would be throttled, the batched run would not.
 * No figure is asserted: this is a program, not a test.
 *
 * --batch-latency-ms N makes the emulator wait N ms before each $batch (a
 * "delay" fault): the emulator applies writes one at a time under one lock,
 * in Python, so without it two batches in flight cannot overlap anything; the
 * real service spends most of a batch's time in its own processing (seconds
 * for 1000 creates), which this stands for.
 *
 * --request-ms N makes the emulator wait N ms before every Web API request
 * (single POSTs and $batch alike): the service's own time per request, the
 * figure the target is stated at (20 ms).  The ratio batched/single
 * of rows/s is printed.
 *
 * Usage: bench-insert [--rows N] [--batched-only] [--batch-latency-ms N]
 *                     [--request-ms N]
 *        (default 10000 rows, both runs, no added latency) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "catalog/catalog.h"
#include "config/config.h"
#include "engine/engine.h"
#include "http/http.h"
#include "tests/unit/emu.h"
#include "util/strutil.h"

struct conn {
	struct dv_config cfg;
	struct dv_http *http;
	struct dv_auth *auth;
	struct dv_catalog *cat;
	struct dv_engine *eng;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int conn_open(struct conn *c, struct emu *emu)
{
	struct dv_error e;
	char base[128];
	memset(c, 0, sizeof(*c));
	dv_config_init(&c->cfg);
	if (dv_config_from_connstr(&c->cfg, emu_connstr(emu), &e) != 0 ||
	    dv_config_validate(&c->cfg, &e) != 0)
		goto fail;
	c->http = dv_http_new(&c->cfg, NULL, &e);
	c->auth = c->http ? dv_auth_new(&c->cfg, NULL, &e) : NULL;
	if (!c->auth)
		goto fail;
	dv_http_set_auth(c->http, c->auth);
	snprintf(base, sizeof(base), "%s/api/data/v9.2/", emu->url);
	c->cat = dv_catalog_new(c->http, base, 0, 0, NULL);
	c->eng = c->cat ? dv_engine_new(c->cat, c->http, &c->cfg, NULL, &e) : NULL;
	if (!c->eng)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "bench-insert: %s\n", e.message);
	return -1;
}

static void conn_close(struct conn *c)
{
	dv_engine_free(c->eng);
	dv_catalog_free(c->cat);
	dv_auth_free(c->auth);
	dv_http_free(c->http);
	dv_config_free(&c->cfg);
}

static sqlite3_stmt *prepare(struct conn *c, const char *sql)
{
	sqlite3_stmt *st = NULL;
	struct dv_error e;
	if (dv_engine_prepare(c->eng, sql, &st, &e) != 0)
		fprintf(stderr, "bench-insert: %s\n", e.message);
	return st;
}

/* One statement (and so one request) per row. */
static long run_single(struct conn *c, long rows)
{
	sqlite3_stmt *st = prepare(c, "INSERT INTO contact (lastname, firstname) VALUES (?, ?)");
	struct dv_write_status ws;
	struct dv_error e;
	char name[32];
	long i, done = 0;
	if (!st)
		return -1;
	for (i = 0; i < rows; i++) {
		snprintf(name, sizeof(name), "single%06ld", i);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, "Bench", -1, SQLITE_STATIC);
		if (dv_engine_step(c->eng, st, &e) < 0) {
			fprintf(stderr, "bench-insert: row %ld: %s\n", i + 1, e.message);
			break;
		}
		dv_engine_write_status(c->eng, &ws);
		done += ws.changes;
	}
	sqlite3_finalize(st);
	return done;
}

/* A parameter array of `rows` sets: $batch requests of <= 1000. */
static long run_batched(struct conn *c, long rows)
{
	sqlite3_stmt *st = prepare(c, "INSERT INTO contact (lastname, firstname) VALUES (?, ?)");
	struct dv_write_status ws;
	struct dv_error e;
	char name[32];
	long i;
	if (!st)
		return -1;
	dv_engine_array_begin(c->eng);
	for (i = 0; i < rows; i++) {
		snprintf(name, sizeof(name), "batched%06ld", i);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, "Bench", -1, SQLITE_STATIC);
		dv_engine_set_param_row(c->eng, i + 1);
		if (dv_engine_step(c->eng, st, &e) < 0) {
			fprintf(stderr, "bench-insert: set %ld: %s\n", i + 1, e.message);
			break;
		}
	}
	sqlite3_finalize(st);
	if (dv_engine_array_end(c->eng, &e) != 0)
		fprintf(stderr, "bench-insert: %s\n", e.message);
	dv_engine_write_status(c->eng, &ws);
	return ws.changes;
}

/* Rows of contact whose lastname starts with prefix, as the service has them. */
static long stored(struct conn *c, const char *prefix)
{
	char sql[160];
	sqlite3_stmt *st;
	struct dv_error e;
	long n = -1;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM contact WHERE lastname LIKE '%s%%'",
		 prefix);
	st = prepare(c, sql);
	if (st && dv_engine_step(c->eng, st, &e) == 1)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void report(const char *mode, long rows, long changed, double secs, int requests,
		   long in_service)
{
	printf("%-8s rows %6ld  changed %6ld  %7.2f s  %9.0f rows/s  requests %6d  stored %6ld\n",
	       mode, rows, changed, secs, secs > 0 ? (double)changed / secs : 0.0, requests,
	       in_service);
}

int main(int argc, char **argv)
{
	struct emu emu;
	struct conn c;
	long rows = 10000, changed;
	int i, before, requests, batched_only = 0;
	long latency_ms = 0, request_ms = 0;
	double single_rate = 0;
	char fault[160];
	double t0, secs;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--batched-only") == 0)
			batched_only = 1;
		else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc &&
			 dv_parse_long(argv[++i], &rows) != 0)
			rows = 10000;
		else if (strcmp(argv[i], "--batch-latency-ms") == 0 && i + 1 < argc &&
			 dv_parse_long(argv[++i], &latency_ms) != 0)
			latency_ms = 0;
		else if (strcmp(argv[i], "--request-ms") == 0 && i + 1 < argc &&
			 dv_parse_long(argv[++i], &request_ms) != 0)
			request_ms = 0;
	}
	if (emu_start(&emu, "--rows 20 --quiet") != 0)
		return 1;
	/* the service allows 6000 requests per 5 minutes per user: single-row
	 * inserts of more rows than that would wait minutes on 429s, so the
	 * limit is lifted to measure the request cost itself */
	emu_post(&emu, "/_emu/config", "{\"requests_per_window\":100000000}");
	if (conn_open(&c, &emu) != 0) {
		emu_stop(&emu);
		return 1;
	}
	stored(&c, "warmup");             /* token and metadata outside the timings */
	if (request_ms > 0) {
		snprintf(fault, sizeof(fault), "{\"kind\":\"delay\",\"ms\":%ld,"
			 "\"count\":100000000}", request_ms);
		emu_post(&emu, "/_emu/faults", fault);
		printf("(every Web API request waits %ld ms at the emulator)\n", request_ms);
	}
	if (!batched_only) {
		before = emu_request_count(&emu);
		t0 = now_s();
		changed = run_single(&c, rows);
		secs = now_s() - t0;
		requests = emu_request_count(&emu) - before;
		report("single", rows, changed, secs, requests, stored(&c, "single"));
		single_rate = secs > 0 ? (double)changed / secs : 0;
	}
	if (latency_ms > 0) {
		snprintf(fault, sizeof(fault), "{\"kind\":\"delay\",\"match\":\"$batch\","
			 "\"ms\":%ld,\"count\":1000000}", latency_ms);
		emu_post(&emu, "/_emu/faults", fault);
		printf("(each $batch waits %ld ms at the emulator)\n", latency_ms);
	}
	before = emu_request_count(&emu);
	t0 = now_s();
	changed = run_batched(&c, rows);
	secs = now_s() - t0;
	requests = emu_request_count(&emu) - before;
	report("batched", rows, changed, secs, requests, stored(&c, "batched"));
	if (single_rate > 0 && secs > 0)
		printf("ratio    batched/single rows/s: %.1f\n", (double)changed / secs / single_rate);
	conn_close(&c);
	emu_stop(&emu);
	return 0;
}
