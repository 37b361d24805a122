/* bench/extract.c - extraction benchmark: the driver against the floor.
 *
 * Owns: one measurement run.  It starts the emulator with --rows N, then in
 * child processes (so each has its own peak RSS):
 *   floor  - fetches the same pages the driver's one chain fetches (same
 *            $select, same Prefer: odata.maxpagesize) with libcurl and parses
 *            them with yajl callbacks, touching every value, without the
 *            driver: sequential paging, the no-driver baseline;
 *   driver - SELECT <columns> FROM <entity> through unixODBC and libdvodbc,
 *            a bound block cursor of 500 rows, every column as SQL_C_CHAR,
 *            default keys (Prefetch on, ParallelReads automatic);
 *   driver-serial - the same with ParallelReads=1 (one chain, prefetch on:
 *            the driver before partitioned reads), unless --serial-run 0;
 *   driver-noprefetch - ParallelReads=1 and Prefetch=false, with
 *            --no-prefetch-run 1.
 * Each is timed from its first request of the query on (the floor's token,
 * the driver's connect and metadata outside the clock, alike).  It prints
 * rows, seconds, rows/s, MB (the bytes of the answers this run received,
 * from the emulator's request log with log_rows: each run its own), peak
 * RSS, requests, and a checksum of column 1 (a sum of per-row hashes, so
 * partitions delivering rows in another order give the same figure): the
 * same checksum means the same rows.  --think-ms N starts the emulator with
 * --page-think-ms N: the service's time per page.  --warm-cache 1 first
 * reads every page once, untimed, so the timed runs are served from the
 * emulator's page cache and the ratio measures the driver's own cost.
 * --emu-db FILE keeps the generated data in FILE; when FILE does not exist
 * it is generated first (dvemu --generate-only, no start timeout), so
 * 1,000,000 rows are generated once and every later run starts at once.
 * --dop-hint N sets the x-ms-dop-hint the emulator sends (its config
 * dop_hint, 4 by default): the automatic ParallelReads follows it (at most
 * 8 partitions), as it follows the service's.  --page-cache-mb N sets the
 * emulator's page cache (256 MB by default): with --warm-cache 1 it must
 * hold the floor's and the driver's pages (the default columns: about
 * 520 bytes per row for each, so 1,000,000 rows need about 1,100 MB, more
 * with the serial runs); each run prints the cache's hits against the
 * pages it asked for, so a run that was not served warm shows it.  Each run also
 * prints the machine's load average (1 minute) at its start: the emulator,
 * the driver and the floor share the CPUs with whatever else runs.
 * No figure is asserted: this is a program, not a test.
 *
 * Usage: bench-extract [--rows N] [--entity account] [--set accounts]
 *                      [--columns "accountid,name,..."] [--page-size 5000]
 *                      [--think-ms N] [--parallel N (ParallelReads of the driver run)]
 *                      [--serial-run 0|1] [--no-prefetch-run 0|1]
 *                      [--warm-cache 0|1] [--emu-db FILE]
 *                      [--dop-hint N] [--page-cache-mb N] */
#include <curl/curl.h>
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "tests/unit/emu.h"
#include "bench/emu_token.h"

#ifndef TOP_SRCDIR_BENCH
#define TOP_SRCDIR_BENCH "."
#endif
#include "util/buf.h"
#include "util/strutil.h"

struct figures {
	unsigned long long checksum; /* sum of FNV-1a of the first column: order-free */
	long long rows;
	double seconds;
	double mbytes;
	long peak_rss_kb;
	int requests;
	int ok;
	double load;                 /* 1-minute load average at the start */
	long cache_hits, cache_misses; /* the emulator's page cache during the run */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 64-bit FNV-1a of one value; the checksum of a result is the sum of its
 * rows' hashes, so it does not depend on the order rows come in. */
static unsigned long long fnv1a(const char *s, size_t len)
{
	unsigned long long h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- floor: libcurl + yajl, no driver ---------------------------------- */

struct floor_ctx {
	yajl_handle yh;
	int depth;
	int in_value;
	long long rows;
	long long cells;
	double bytes;
	char next[8192];
	int want_next;
	int want_value;
	const char *sum_key;     /* the first column: hashed into checksum */
	int want_sum;
	unsigned long long checksum;
};

static int f_start_map(void *c)
{
	struct floor_ctx *f = c;
	f->depth++;
	if (f->in_value && f->depth == 2)
		f->rows++;
	return 1;
}
static int f_end_map(void *c)
{
	((struct floor_ctx *)c)->depth--;
	return 1;
}
static int f_start_array(void *c)
{
	struct floor_ctx *f = c;
	if (f->want_value && f->depth == 1)
		f->in_value = 1;
	f->want_value = 0;
	return 1;
}
static int f_end_array(void *c)
{
	struct floor_ctx *f = c;
	if (f->depth == 1)
		f->in_value = 0;
	return 1;
}
static int f_key(void *c, const unsigned char *k, size_t len)
{
	struct floor_ctx *f = c;
	if (f->depth == 1) {
		f->want_value = (len == 5 && memcmp(k, "value", 5) == 0);
		f->want_next = (len == 15 && memcmp(k, "@odata.nextLink", 15) == 0);
	}
	f->want_sum = f->in_value && f->depth == 2 && strlen(f->sum_key) == len &&
		      memcmp(k, f->sum_key, len) == 0;
	return 1;
}
static int f_string(void *c, const unsigned char *s, size_t len)
{
	struct floor_ctx *f = c;
	f->cells++;
	if (f->want_sum) {
		f->checksum += fnv1a((const char *)s, len);
		f->want_sum = 0;
	}
	if (f->want_next && f->depth == 1) {
		size_t n = len < sizeof(f->next) - 1 ? len : sizeof(f->next) - 1;
		memcpy(f->next, s, n);
		f->next[n] = '\0';
		f->want_next = 0;
	}
	return 1;
}
static int f_scalar(void *c)
{
	((struct floor_ctx *)c)->cells++;
	return 1;
}
static int f_number(void *c, const char *s, size_t len)
{
	((struct floor_ctx *)c)->cells++;
	return 1;
}
static int f_bool(void *c, int b)
{
	return f_scalar(c);
}

static const yajl_callbacks floor_cb = {
	f_scalar, f_bool, NULL, NULL, f_number, f_string,
	f_start_map, f_key, f_end_map, f_start_array, f_end_array,
};

static size_t floor_write(char *data, size_t size, size_t n, void *c)
{
	struct floor_ctx *f = c;
	f->bytes += (double)(size * n);
	if (yajl_parse(f->yh, (unsigned char *)data, size * n) != yajl_status_ok)
		return 0;
	return size * n;
}

static size_t buf_write(char *data, size_t size, size_t n, void *c)
{
	return dv_buf_append(c, data, size * n) == 0 ? size * n : 0;
}

static size_t buf_discard(char *data, size_t size, size_t n, void *c)
{
	return size * n;
}

static int run_floor(struct emu *e, const char *set, const char *cols, long page,
		     struct figures *fig)
{
	char token[4096], auth[4200], prefer[64], url[8192];
	struct floor_ctx f;
	struct curl_slist *h = NULL;
	struct dv_buf q;
	CURL *c;
	double t0;
	if (bench_emu_token(e, token, sizeof(token)) != 0)
		return -1;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	snprintf(prefer, sizeof(prefer), "Prefer: odata.maxpagesize=%ld", page);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, prefer);
	h = curl_slist_append(h, "Accept: application/json");
	h = curl_slist_append(h, "OData-MaxVersion: 4.0");
	h = curl_slist_append(h, "OData-Version: 4.0");
	dv_buf_init(&q, 0);
	dv_url_encode(&q, cols, strlen(cols));
	snprintf(url, sizeof(url), "%s/api/data/v9.2/%s?$select=%s", e->url, set, dv_buf_str(&q));
	dv_buf_free(&q);
	memset(&f, 0, sizeof(f));
	static char first[128];
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(cols, ","), cols);
	f.sum_key = first;
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, floor_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	t0 = now_s();
	while (url[0]) {
		long status = 0;
		f.yh = yajl_alloc(&floor_cb, NULL, &f);
		f.next[0] = '\0';
		f.depth = 0;
		curl_easy_setopt(c, CURLOPT_URL, url);
		if (curl_easy_perform(c) != CURLE_OK)
			break;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		yajl_complete_parse(f.yh);
		yajl_free(f.yh);
		if (status != 200)
			break;
		dv_strlcpy(url, f.next, sizeof(url));
	}
	fig->seconds = now_s() - t0;
	fig->rows = f.rows;
	fig->checksum = f.checksum;
	fig->mbytes = f.bytes / 1e6;
	fig->ok = url[0] == '\0';
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return fig->ok ? 0 : -1;
}

/* DELETE on an emulator control endpoint. */
static int emu_delete(struct emu *e, const char *path)
{
	char url[128];
	long status = 0;
	CURL *c = curl_easy_init();
	snprintf(url, sizeof(url), "%s%s", e->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status >= 200 && status < 300 ? 0 : -1;
}

/* The emulator's page cache counters (GET /_emu/pagecache); -1 unknown. */
static void cache_stats(struct emu *e, long *hits, long *misses)
{
	static const char *hp[] = {"hits", NULL}, *mp[] = {"misses", NULL};
	char url[128], errbuf[128];
	struct dv_buf body;
	yajl_val tree, h, m;
	CURL *c = curl_easy_init();
	*hits = *misses = -1;
	dv_buf_init(&body, 0);
	snprintf(url, sizeof(url), "%s/_emu/pagecache", e->url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(c) == CURLE_OK) {
		tree = yajl_tree_parse(dv_buf_str(&body), errbuf, sizeof(errbuf));
		h = yajl_tree_get(tree, hp, yajl_t_number);
		m = yajl_tree_get(tree, mp, yajl_t_number);
		if (h && m) {
			*hits = (long)YAJL_GET_INTEGER(h);
			*misses = (long)YAJL_GET_INTEGER(m);
		}
		yajl_tree_free(tree);
	}
	curl_easy_cleanup(c);
	dv_buf_free(&body);
}

/* The 1-minute load average, -1 when it cannot be read. */
static double load_1min(void)
{
	double l[1];
	return getloadavg(l, 1) == 1 ? l[0] : -1.0;
}

/* Every run starts alike: an empty request log and a cold emulator page
 * cache (else a later run is served pages an earlier one left cached).
 * Not emu_reset: it regenerates the data, slow for big row counts. */
static void fresh_start(struct emu *e, int warm)
{
	emu_delete(e, "/_emu/requests");
	if (!warm)
		emu_delete(e, "/_emu/pagecache");
}

/* ---- driver: unixODBC + libdvodbc --------------------------------------- */

#define BLOCK 500
#define CELL 256

static int run_driver(const char *connstr, const char *entity, const char *cols,
		      struct figures *fig)
{
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT st;
	SQLSMALLINT ncols = 0;
	SQLULEN fetched = 0;
	char sql[8192];
	char *cells;
	SQLLEN *ind;
	double t0;
	SQLRETURN rc;
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, NULL, 0, NULL,
			      SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc))
		return -1;
	/* timed as the floor is: from the first query on, the token and the
	 * connect (metadata) outside the clock */
	t0 = now_s();
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s", cols, entity);
	if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)))
		return -1;
	SQLNumResultCols(st, &ncols);
	cells = malloc((size_t)ncols * BLOCK * CELL);
	ind = malloc((size_t)ncols * BLOCK * sizeof(SQLLEN));
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)BLOCK, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
	for (SQLSMALLINT i = 0; i < ncols; i++)
		SQLBindCol(st, (SQLUSMALLINT)(i + 1), SQL_C_CHAR, cells + (size_t)i * BLOCK * CELL,
			   CELL, ind + (size_t)i * BLOCK);
	fig->rows = 0;
	while (SQL_SUCCEEDED(rc = SQLFetchScroll(st, SQL_FETCH_NEXT, 0))) {
		for (SQLULEN r = 0; r < fetched; r++)
			if (ind[r] >= 0)
				fig->checksum += fnv1a(cells + r * CELL, strlen(cells + r * CELL));
		fig->rows += (long long)fetched;
	}
	fig->seconds = now_s() - t0;
	fig->ok = rc == SQL_NO_DATA;
	free(cells);
	free(ind);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return fig->ok ? 0 : -1;
}

/* Runs fn in a child; its figures come back through a pipe, its peak RSS
 * through wait4. */
static int measure(struct figures *fig, int (*fn)(void *), void *arg)
{
	int fd[2];
	pid_t pid;
	struct rusage ru;
	int status;
	if (pipe(fd) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		memset(fig, 0, sizeof(*fig));
		fn(arg);
		if (write(fd[1], fig, sizeof(*fig)) != (ssize_t)sizeof(*fig))
			_exit(2);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], fig, sizeof(*fig)) != (ssize_t)sizeof(*fig))
		fig->ok = 0;
	close(fd[0]);
	wait4(pid, &status, 0, &ru);
	fig->peak_rss_kb = ru.ru_maxrss;
	return fig->ok ? 0 : -1;
}

/* measure() for a timed run: the load at its start and the emulator's
 * page cache hits and misses during it. */
static int measure_timed(struct emu *e, struct figures *fig, int (*fn)(void *), void *arg)
{
	long h0, m0, h1, m1;
	double load = load_1min();
	int rc;
	cache_stats(e, &h0, &m0);
	rc = measure(fig, fn, arg);
	cache_stats(e, &h1, &m1);
	fig->load = load;
	fig->cache_hits = h0 >= 0 && h1 >= 0 ? h1 - h0 : -1;
	fig->cache_misses = m0 >= 0 && m1 >= 0 ? m1 - m0 : -1;
	return rc;
}

struct run_args {
	struct emu *e;
	const char *connstr;
	const char *entity, *set, *cols;
	long page;
	struct figures *fig;
};

static int floor_child(void *a)
{
	struct run_args *r = a;
	return run_floor(r->e, r->set, r->cols, r->page, r->fig);
}

static int driver_child(void *a)
{
	struct run_args *r = a;
	return run_driver(r->connstr, r->entity, r->cols, r->fig);
}

static void print_fig(const char *name, const struct figures *f)
{
	printf("%-7s rows=%lld  seconds=%.2f  rows/s=%.0f  MB=%.1f  peak_rss_kb=%ld  requests=%d"
	       "  checksum=%016llx  load=%.2f  emu_cache=%ld/%ld%s\n",
	       name, f->rows, f->seconds, f->seconds > 0 ? f->rows / f->seconds : 0.0, f->mbytes,
	       f->peak_rss_kb, f->requests, f->checksum, f->load, f->cache_hits,
	       f->cache_hits + f->cache_misses, f->ok ? "" : "  (FAILED)");
}

/* What the run received, from the emulator's request log (config log_rows):
 * requests and the bytes of every answer, the run's own. */
static void log_totals(struct emu *e, struct figures *f)
{
	yajl_val log = emu_requests_tree(e, 0);
	double bytes = 0;
	f->requests = 0;
	for (size_t i = 0; log && YAJL_IS_ARRAY(log) && i < log->u.array.len; i++) {
		const char *path[] = {"bytes", NULL};
		yajl_val b = yajl_tree_get(log->u.array.values[i], path, yajl_t_number);
		f->requests++;
		if (b)
			bytes += YAJL_GET_DOUBLE(b);
	}
	f->mbytes = bytes / 1e6;
	yajl_tree_free(log);
}

/* --emu-db FILE that does not exist yet: the emulator generates it once,
 * without a start timeout, and exits (dvemu --generate-only). */
static int pregenerate(const char *db, long rows)
{
	char cmd[1200];
	const char *src = getenv("top_srcdir");
	if (access(db, F_OK) == 0)
		return 0;
	fprintf(stderr, "bench-extract: generating %ld rows into %s (once)\n", rows, db);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/emulator/dvemu' --rows %ld --seed 1 "
		 "--db '%s' --generate-only", src ? src : TOP_SRCDIR_BENCH, rows, db);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct emu e;
	struct figures fl, dr, np, se;
	struct run_args ra;
	char emu_args[1200];
	const char *emu_db = NULL;
	long rows = 100000, page = 5000, think_ms = 0, noprefetch_run = 0, serial_run = 1;
	long warm = 0, parallel = 0, dop_hint = 0, cache_mb = 0;
	char dr_connstr[64] = "DSN=dvtest";
	const char *entity = "account", *set = "accounts";
	const char *cols = "accountid,name,accountnumber,revenue,numberofemployees,"
			   "telephone1,emailaddress1,address1_city,address1_country,"
			   "createdon,modifiedon,statecode,statuscode,industrycode";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rows") == 0)
			rows = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--entity") == 0)
			entity = argv[i + 1];
		else if (strcmp(argv[i], "--set") == 0)
			set = argv[i + 1];
		else if (strcmp(argv[i], "--columns") == 0)
			cols = argv[i + 1];
		else if (strcmp(argv[i], "--page-size") == 0)
			page = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--think-ms") == 0)
			think_ms = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--warm-cache") == 0)
			warm = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--emu-db") == 0)
			emu_db = argv[i + 1];
		else if (strcmp(argv[i], "--no-prefetch-run") == 0)
			noprefetch_run = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--serial-run") == 0)
			serial_run = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--parallel") == 0)
			parallel = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--dop-hint") == 0)
			dop_hint = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--page-cache-mb") == 0)
			cache_mb = strtol(argv[i + 1], NULL, 10);
		else {
			fprintf(stderr, "bench-extract: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (emu_db && pregenerate(emu_db, rows) != 0)
		return 1;
	snprintf(emu_args, sizeof(emu_args), "--rows %ld --seed 1 --page-think-ms %ld%s%s", rows,
		 think_ms, emu_db ? " --db " : "", emu_db ? emu_db : "");
	if (emu_start(&e, emu_args) != 0)
		return 1;
	emu_write_odbc_ini(&e, NULL);
	emu_post(&e, "/_emu/config", "{\"log_rows\":true}");
	if (dop_hint > 0) {
		char cfg[64];
		snprintf(cfg, sizeof(cfg), "{\"dop_hint\":%ld}", dop_hint);
		emu_post(&e, "/_emu/config", cfg);
	}
	if (cache_mb > 0) {
		char cfg[64];
		snprintf(cfg, sizeof(cfg), "{\"page_cache_mb\":%ld}", cache_mb);
		emu_post(&e, "/_emu/config", cfg);
	}
	fresh_start(&e, 0);
	if (parallel > 0)
		snprintf(dr_connstr, sizeof(dr_connstr), "DSN=dvtest;ParallelReads=%ld", parallel);
	ra = (struct run_args){&e, dr_connstr, entity, set, cols, page, &fl};
	if (warm) { /* untimed passes fill the emulator's page cache for every URL set */
		measure(&fl, floor_child, &ra);
		ra.fig = &dr;
		measure(&dr, driver_child, &ra);
		if (serial_run || noprefetch_run) { /* one chain: its own URLs */
			ra.connstr = "DSN=dvtest;ParallelReads=1";
			measure(&dr, driver_child, &ra);
		}
		ra.connstr = dr_connstr;
		ra.fig = &fl;
		fresh_start(&e, warm);
	}
	measure_timed(&e, &fl, floor_child, &ra);
	log_totals(&e, &fl);
	fresh_start(&e, warm);
	ra.fig = &dr;
	measure_timed(&e, &dr, driver_child, &ra);
	log_totals(&e, &dr);
	memset(&se, 0, sizeof(se));
	se.ok = 1;
	if (serial_run) {
		fresh_start(&e, warm);
		ra.connstr = "DSN=dvtest;ParallelReads=1";
		ra.fig = &se;
		measure_timed(&e, &se, driver_child, &ra);
		log_totals(&e, &se);
	}
	memset(&np, 0, sizeof(np));
	np.ok = 1;
	if (noprefetch_run) {
		fresh_start(&e, warm);
		ra.connstr = "DSN=dvtest;Prefetch=false;ParallelReads=1";
		ra.fig = &np;
		measure_timed(&e, &np, driver_child, &ra);
		log_totals(&e, &np);
	}
	printf("extract %s: %ld rows requested, columns: %s\n", entity, rows, cols);
	printf("service think time per page: %ld ms (emulator --page-think-ms)%s\n", think_ms,
	       warm ? "; pages served from the emulator's warm page cache" : "");
	printf("x-ms-dop-hint: %ld (emulator config dop_hint%s); page cache %ld MB; "
	       "load = 1-minute load average at the run's start; emu_cache = page cache "
	       "hits/pages asked during the run\n", dop_hint > 0 ? dop_hint : 4,
	       dop_hint > 0 ? ", --dop-hint" : ", its default", cache_mb > 0 ? cache_mb : 256);
	printf("timed from the first request of the query (token and connect outside); MB = "
	       "answers' bytes in the emulator's log, each run its own; checksum = sum of "
	       "FNV-1a of column 1 (order-free)\n");
	print_fig("floor", &fl);
	printf("driver: %s\n", dr_connstr);
	print_fig("driver", &dr);
	if (serial_run)
		print_fig("driver-serial", &se);
	if (noprefetch_run)
		print_fig("driver-noprefetch", &np);
	printf("checksums: %s\n", fl.checksum == dr.checksum && fl.rows == dr.rows &&
	       (!serial_run || (se.checksum == fl.checksum && se.rows == fl.rows))
	       ? "the same rows" : "DIFFERENT ROWS");
	if (fl.seconds > 0 && dr.seconds > 0)
		printf("ratio   driver/floor: time=%.2f  rows/s=%.2f  peak_rss=%.2f\n",
		       dr.seconds / fl.seconds, (dr.rows / dr.seconds) / (fl.rows / fl.seconds),
		       (double)dr.peak_rss_kb / (double)fl.peak_rss_kb);
	if (serial_run && se.seconds > 0 && dr.seconds > 0)
		printf("ratio   driver/driver-serial: time=%.2f  peak_rss=%.2f\n",
		       dr.seconds / se.seconds, (double)dr.peak_rss_kb / (double)se.peak_rss_kb);
	if (noprefetch_run && np.seconds > 0 && se.seconds > 0)
		printf("ratio   prefetch on/off (serial): time=%.2f  rows/s=%.2f  peak_rss=%.2f\n",
		       se.seconds / np.seconds, (se.rows / se.seconds) / (np.rows / np.seconds),
		       (double)se.peak_rss_kb / (double)np.peak_rss_kb);
	emu_stop(&e);
	return fl.ok && dr.ok && np.ok && se.ok && fl.checksum == dr.checksum ? 0 : 1;
}
