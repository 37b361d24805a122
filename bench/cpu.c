/* bench/cpu.c - CPU per fetched row: the driver, psqlODBC and the JSON parse floor.
 *
 * Owns: one measurement of instructions per row (valgrind's callgrind,
 * client process only, every thread), marginal between --rows-lo and
 * --rows-hi rows so that connecting, metadata and other fixed costs cancel:
 *     per row = (instructions(hi) - instructions(lo)) / (hi - lo)
 * for three clients, each run as its own process under callgrind:
 *   driver   - SELECT * FROM <entity> LIMIT n through unixODBC and libdvodbc
 *              against the emulator (started here with --rows hi), a bound
 *              block cursor of 1,000 rows, every column as SQL_C_CHAR;
 *   psqlodbc - the same statement, cursor and binding through unixODBC and
 *              psqlODBC (Debian's odbc-postgresql, its Unicode driver, default
 *              options) on a local PostgreSQL table with the same columns, SQL
 *              types and rows (the driver's own result, loaded with COPY),
 *              served by a server this program starts in a temp dir (initdb,
 *              pg_ctl; as user postgres when run as root);
 *   floor    - yajl alone (event callbacks touching every key and value) over
 *              the very pages the driver received (same URLs, same Prefer
 *              header), saved to files first so that no HTTP is counted.
 * It prints the three per-row figures side by side and the driver's as
 * ratios of the other two.  No figure is asserted: a program, not a test.
 * Row counts should be multiples of the page size (5,000) so both counts
 * read whole pages.  Needs valgrind, and postgresql + odbc-postgresql for
 * the psqlodbc run (tools/install-deps --bench).
 *
 * The driver runs with ParallelReads=1;Prefetch=false: one stream of pages
 * read as the floor reads them, and exactly the pages of n rows (with
 * prefetch the smaller run also parses part of the next page, which makes
 * the marginal figure too low).  --driver-keys replaces those keys.
 *
 * Usage: bench-cpu [--rows-lo 10000] [--rows-hi 20000] [--entity account]
 *                  [--only driver|psqlodbc|floor] [--keep-dir DIR]
 *                  [--driver-keys "ParallelReads=1;Prefetch=false"]
 *        (--keep-dir keeps the callgrind files for callgrind_annotate)
 *        bench-cpu --child driver|psqlodbc|floor ARG ROWS   (internal) */
#include <curl/curl.h>
#include <errno.h>
#include <pwd.h>
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "tests/unit/emu.h"
#include "bench/emu_token.h"

#define BLOCK 1000
#define CELL 512
#define PSQLODBC "/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so"
#define PG_BIN "/usr/lib/postgresql/15/bin"
#define MAX_PAGES 64

/* ---- the measured children ---------------------------------------------- */

/* SELECT * ... LIMIT rows through unixODBC, block cursor, all SQL_C_CHAR. */
static int child_odbc(const char *connstr, const char *table, long rows)
{
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT st;
	SQLSMALLINT ncols = 0;
	SQLULEN fetched = 0;
	SQLRETURN rc;
	char sql[512];
	char *cells;
	SQLLEN *ind;
	long got = 0;
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, NULL, 0,
					    NULL, SQL_DRIVER_NOPROMPT)))
		return 2;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	snprintf(sql, sizeof(sql), "SELECT * FROM %s LIMIT %ld", table, rows);
	if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)))
		return 3;
	SQLNumResultCols(st, &ncols);
	cells = malloc((size_t)ncols * BLOCK * CELL);
	ind = malloc((size_t)ncols * BLOCK * sizeof(SQLLEN));
	if (!cells || !ind)
		return 4;
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)BLOCK, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
	for (SQLSMALLINT i = 0; i < ncols; i++)
		SQLBindCol(st, (SQLUSMALLINT)(i + 1), SQL_C_CHAR, cells + (size_t)i * BLOCK * CELL,
			   CELL, ind + (size_t)i * BLOCK);
	while (SQL_SUCCEEDED(rc = SQLFetchScroll(st, SQL_FETCH_NEXT, 0)))
		got += (long)fetched;
	free(cells);
	free(ind);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	if (rc != SQL_NO_DATA || got != rows) {
		fprintf(stderr, "bench-cpu: %ld rows fetched, %ld expected\n", got, rows);
		return 5;
	}
	return 0;
}

/* The floor: yajl callbacks that look at every key and value. */
struct floor_ctx {
	int depth;
	long rows;
	long cells;
	size_t bytes;
};

static int f_start_map(void *c)
{
	struct floor_ctx *f = c;
	if (++f->depth == 2)
		f->rows++;
	return 1;
}
static int f_end_map(void *c)
{
	((struct floor_ctx *)c)->depth--;
	return 1;
}
static int f_array(void *c)
{
	return 1;
}
static int f_key(void *c, const unsigned char *k, size_t len)
{
	((struct floor_ctx *)c)->bytes += len;
	return 1;
}
static int f_string(void *c, const unsigned char *s, size_t len)
{
	struct floor_ctx *f = c;
	f->cells++;
	f->bytes += len;
	return 1;
}
static int f_scalar(void *c)
{
	((struct floor_ctx *)c)->cells++;
	return 1;
}
static int f_number(void *c, const char *s, size_t len)
{
	struct floor_ctx *f = c;
	f->cells++;
	f->bytes += len;
	return 1;
}
static int f_bool(void *c, int b)
{
	return f_scalar(c);
}

static const yajl_callbacks floor_cb = {
	f_scalar, f_bool, NULL, NULL, f_number, f_string,
	f_start_map, f_key, f_end_map, f_array, f_array,
};

/* Parses dir/page-1.json, page-2.json, ... in 16 KB chunks (as libcurl
 * hands a body over) until rows rows have been seen. */
static int child_floor(const char *dir, long rows)
{
	struct floor_ctx f;
	static char chunk[16384];
	memset(&f, 0, sizeof(f));
	for (int i = 1; f.rows < rows && i <= MAX_PAGES; i++) {
		char path[512];
		FILE *fp;
		size_t n;
		yajl_handle yh = yajl_alloc(&floor_cb, NULL, &f);
		snprintf(path, sizeof(path), "%s/page-%d.json", dir, i);
		fp = fopen(path, "rb");
		if (!fp)
			break;
		f.depth = 0;
		while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			if (yajl_parse(yh, (unsigned char *)chunk, n) != yajl_status_ok)
				return 6;
		fclose(fp);
		if (yajl_complete_parse(yh) != yajl_status_ok)
			return 6;
		yajl_free(yh);
	}
	if (f.rows != rows) {
		fprintf(stderr, "bench-cpu: floor saw %ld rows, %ld expected\n", f.rows, rows);
		return 5;
	}
	return 0;
}

static int child_main(int argc, char **argv)
{
	long rows;
	if (argc < 5)
		return 2;
	rows = strtol(argv[4], NULL, 10);
	if (strcmp(argv[2], "floor") == 0)
		return child_floor(argv[3], rows);
	/* argv[3] is "table|connection string" */
	{
		char *bar = strchr(argv[3], '|');
		if (!bar)
			return 2;
		*bar = '\0';
		return child_odbc(bar + 1, argv[3], rows);
	}
}

/* ---- running a child under callgrind ------------------------------------ */

static const char *self_path;
static const char *work_dir;

/* Runs `self --child mode arg rows` under callgrind; returns its
 * instruction count (every thread) or -1. */
static long long callgrind(const char *mode, const char *arg, long rows)
{
	char out[512], rowbuf[32], line[256];
	long long total = -1;
	pid_t pid;
	int status;
	FILE *fp;
	snprintf(out, sizeof(out), "--callgrind-out-file=%s/callgrind.%s.%ld", work_dir, mode,
		 rows);
	snprintf(rowbuf, sizeof(rowbuf), "%ld", rows);
	pid = fork();
	if (pid == 0) {
		execlp("valgrind", "valgrind", "-q", "--tool=callgrind", out, self_path, "--child",
		       mode, arg, rowbuf, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-cpu: the %s run of %ld rows failed\n", mode, rows);
		return -1;
	}
	fp = fopen(out + strlen("--callgrind-out-file="), "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0)
			total = strtoll(line + (line[0] == 's' ? 8 : 7), NULL, 10);
	fclose(fp);
	return total;
}

struct figure {
	const char *name;
	long long lo, hi;
	double per_row;
	int ok;
};

static void measure(struct figure *f, const char *mode, const char *arg, long lo, long hi)
{
	f->name = mode;
	f->lo = callgrind(mode, arg, lo);
	f->hi = f->lo >= 0 ? callgrind(mode, arg, hi) : -1;
	f->ok = f->lo >= 0 && f->hi >= 0;
	f->per_row = f->ok ? (double)(f->hi - f->lo) / (double)(hi - lo) : 0;
}

/* ---- preparing the data ------------------------------------------------- */

static int sh(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "bench-cpu: failed (%d): %s\n", rc, cmd);
	return rc == 0 ? 0 : -1;
}

/* The PostgreSQL type for a column the driver describes. */
static void pg_type(SQLSMALLINT t, SQLULEN size, SQLSMALLINT digits, char *out, size_t cap)
{
	switch (t) {
	case SQL_GUID: snprintf(out, cap, "uuid"); break;
	case SQL_BIT: snprintf(out, cap, "boolean"); break;
	case SQL_TINYINT:
	case SQL_SMALLINT:
	case SQL_INTEGER: snprintf(out, cap, "integer"); break;
	case SQL_BIGINT: snprintf(out, cap, "bigint"); break;
	case SQL_REAL: snprintf(out, cap, "real"); break;
	case SQL_FLOAT:
	case SQL_DOUBLE: snprintf(out, cap, "double precision"); break;
	case SQL_DECIMAL:
	case SQL_NUMERIC:
		snprintf(out, cap, "numeric(%lu,%d)", (unsigned long)(size ? size : 38), digits);
		break;
	case SQL_TYPE_DATE: snprintf(out, cap, "date"); break;
	case SQL_TYPE_TIMESTAMP: snprintf(out, cap, "timestamp(%d)", digits > 6 ? 6 : digits); break;
	default: snprintf(out, cap, "text"); break;
	}
}

static void csv_field(FILE *fp, const char *s, SQLLEN ind)
{
	if (ind == SQL_NULL_DATA)
		return; /* unquoted empty: NULL for COPY csv */
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* Reads the driver's own result for SELECT * ... LIMIT rows: writes the
 * PostgreSQL table definition and COPY into work_dir/load.sql and the rows
 * into work_dir/rows.csv.  Prints the width. */
static int dump_driver_result(const char *entity, const char *keys, long rows, int *width)
{
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT st;
	SQLSMALLINT ncols = 0;
	char sql[512], path[512], conn[512];
	static char val[65536];
	FILE *def, *csv;
	long n = 0;
	int rc = -1;
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	snprintf(conn, sizeof(conn), "DSN=dvtest;%s", keys);
	if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)conn, SQL_NTS, NULL, 0, NULL,
					    SQL_DRIVER_NOPROMPT)))
		return -1;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	snprintf(sql, sizeof(sql), "SELECT * FROM %s LIMIT %ld", entity, rows);
	if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)))
		return -1;
	SQLNumResultCols(st, &ncols);
	*width = ncols;
	snprintf(path, sizeof(path), "%s/load.sql", work_dir);
	def = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/rows.csv", work_dir);
	csv = fopen(path, "w");
	if (!def || !csv)
		goto out;
	fprintf(def, "CREATE TABLE %s (", entity);
	for (SQLSMALLINT i = 1; i <= ncols; i++) {
		SQLCHAR name[256];
		SQLSMALLINT nlen, type, digits, nullable;
		SQLULEN size;
		char t[64];
		SQLDescribeCol(st, i, name, sizeof(name), &nlen, &type, &size, &digits, &nullable);
		pg_type(type, size, digits, t, sizeof(t));
		fprintf(def, "%s\"%s\" %s", i > 1 ? ", " : "", (char *)name, t);
	}
	fprintf(def, ");\n\\copy %s FROM '%s/rows.csv' WITH (FORMAT csv)\nANALYZE %s;\n", entity,
		work_dir, entity);
	while (SQL_SUCCEEDED(SQLFetch(st))) {
		for (SQLSMALLINT i = 1; i <= ncols; i++) {
			SQLLEN ind = 0;
			val[0] = '\0';
			SQLGetData(st, i, SQL_C_CHAR, val, sizeof(val), &ind);
			if (i > 1)
				fputc(',', csv);
			csv_field(csv, val, ind);
		}
		fputc('\n', csv);
		n++;
	}
	rc = n == rows ? 0 : -1;
	if (rc)
		fprintf(stderr, "bench-cpu: the emulator gave %ld rows, %ld wanted\n", n, rows);
out:
	if (def)
		fclose(def);
	if (csv)
		fclose(csv);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return rc;
}

static size_t file_write(char *data, size_t size, size_t n, void *c)
{
	return fwrite(data, size, n, c);
}

/* Saves the data pages the driver read (the GETs of the entity set in the
 * emulator's log since `since`, with their Prefer header) as page-N.json. */
static int save_driver_pages(struct emu *e, int since, const char *set)
{
	static char token[4096], auth[4200];
	char want[300];
	yajl_val log = emu_requests_tree(e, since);
	int pages = 0;
	if (!log || !YAJL_IS_ARRAY(log) || bench_emu_token(e, token, sizeof(token)) != 0)
		return -1;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	snprintf(want, sizeof(want), "/api/data/v9.2/%s?", set);
	for (size_t i = 0; i < YAJL_GET_ARRAY(log)->len; i++) {
		yajl_val ent = YAJL_GET_ARRAY(log)->values[i];
		static const char *pm[] = {"method", NULL}, *pu[] = {"url", NULL},
				  *ph[] = {"headers", NULL};
		yajl_val m = yajl_tree_get(ent, pm, yajl_t_string);
		yajl_val u = yajl_tree_get(ent, pu, yajl_t_string);
		yajl_val h = yajl_tree_get(ent, ph, yajl_t_object);
		struct curl_slist *hl = NULL;
		char url[8192], path[512], prefer[512] = "";
		FILE *fp;
		CURL *c;
		if (!m || !u || strcmp(m->u.string, "GET") != 0 ||
		    !strstr(u->u.string, want))
			continue;
		for (size_t k = 0; h && k < YAJL_GET_OBJECT(h)->len; k++)
			if (strcasecmp(YAJL_GET_OBJECT(h)->keys[k], "Prefer") == 0 &&
			    YAJL_IS_STRING(YAJL_GET_OBJECT(h)->values[k]))
				snprintf(prefer, sizeof(prefer), "Prefer: %s",
					 YAJL_GET_OBJECT(h)->values[k]->u.string);
		snprintf(url, sizeof(url), "%s%s", e->url, u->u.string);
		snprintf(path, sizeof(path), "%s/page-%d.json", work_dir, ++pages);
		fp = fopen(path, "wb");
		if (!fp)
			break;
		hl = curl_slist_append(hl, auth);
		if (prefer[0])
			hl = curl_slist_append(hl, prefer);
		hl = curl_slist_append(hl, "Accept: application/json");
		hl = curl_slist_append(hl, "OData-MaxVersion: 4.0");
		hl = curl_slist_append(hl, "OData-Version: 4.0");
		c = curl_easy_init();
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, file_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, fp);
		curl_easy_perform(c);
		curl_easy_cleanup(c);
		curl_slist_free_all(hl);
		fclose(fp);
		if (pages == 1)
			printf("floor pages: GET %.150s%s\n         %s\n", u->u.string,
			       strlen(u->u.string) > 150 ? "..." : "",
			       prefer[0] ? prefer : "(no Prefer header)");
	}
	yajl_tree_free(log);
	return pages > 0 ? 0 : -1;
}

/* initdb + pg_ctl start in work_dir/pg (socket there, no TCP), as postgres
 * when root; loads load.sql.  Fills the psqlODBC connection string. */
static int start_postgres(char *connstr, size_t cap)
{
	char cmd[2048], as[64] = "";
	int port = 20000 + (int)(getpid() % 20000);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("postgres");
		if (!pw) {
			fprintf(stderr, "bench-cpu: running as root needs a user postgres\n");
			return -1;
		}
		snprintf(as, sizeof(as), "runuser -u postgres --");
		snprintf(cmd, sizeof(cmd), "mkdir -p %s/pg && chown postgres %s/pg", work_dir,
			 work_dir);
		if (sh(cmd) != 0)
			return -1;
		chmod(work_dir, 0755);
	}
	snprintf(cmd, sizeof(cmd),
		 "%s %s/initdb -D %s/pg/data -A trust -U bench --no-sync -E UTF8 >%s/pg.log 2>&1"
		 " && %s %s/pg_ctl -D %s/pg/data -l %s/pg/server.log -w -o \"-k %s/pg -p %d"
		 " -c listen_addresses= -c fsync=off\" start >>%s/pg.log 2>&1",
		 as, PG_BIN, work_dir, work_dir, as, PG_BIN, work_dir, work_dir, work_dir, port,
		 work_dir);
	if (sh(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "psql -q -X -v ON_ERROR_STOP=1 -h %s/pg -p %d -U bench -d postgres -f %s/load.sql"
		 " >>%s/pg.log 2>&1", work_dir, port, work_dir, work_dir);
	if (sh(cmd) != 0)
		return -1;
	snprintf(connstr, cap,
		 "Driver=%s;Servername=%s/pg;Port=%d;Database=postgres;Username=bench", PSQLODBC,
		 work_dir, port);
	return 0;
}

static void stop_postgres(void)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s %s/pg_ctl -D %s/pg/data -m fast -w stop >>%s/pg.log 2>&1",
		 geteuid() == 0 ? "runuser -u postgres --" : "", PG_BIN, work_dir, work_dir);
	sh(cmd);
}

static void print_figure(const struct figure *f, long lo, long hi)
{
	if (!f->name)
		return;
	if (!f->ok) {
		printf("%-9s  FAILED\n", f->name);
		return;
	}
	printf("%-9s  instructions/row=%8.0f   (%lld at %ld rows, %lld at %ld rows)\n", f->name,
	       f->per_row, f->lo, lo, f->hi, hi);
}

int main(int argc, char **argv)
{
	struct emu e;
	struct figure drv = {0}, pg = {0}, fl = {0};
	long lo = 10000, hi = 20000;
	const char *entity = "account", *set = NULL, *only = NULL, *keep = NULL;
	const char *keys = "ParallelReads=1;Prefetch=false";
	char emu_args[256], arg[1024], dir[] = "/tmp/dvbench-cpu.XXXXXX", pgconn[768];
	int width = 0, since;

	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return child_main(argc, argv);
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rows-lo") == 0)
			lo = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rows-hi") == 0)
			hi = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--entity") == 0)
			entity = argv[i + 1];
		else if (strcmp(argv[i], "--set") == 0)
			set = argv[i + 1];
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
		else if (strcmp(argv[i], "--keep-dir") == 0)
			keep = argv[i + 1];
		else if (strcmp(argv[i], "--driver-keys") == 0)
			keys = argv[i + 1];
		else {
			fprintf(stderr, "usage: bench-cpu [--rows-lo N] [--rows-hi N] [--entity E]"
				" [--set S] [--only driver|psqlodbc|floor] [--keep-dir DIR]"
				" [--driver-keys K=V;..]\n");
			return 2;
		}
	}
	if (lo <= 0 || hi <= lo)
		return 2;
	if (!set) {
		static char s[128];
		snprintf(s, sizeof(s), "%ss", entity);
		set = s;
	}
	if (system("valgrind --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "bench-cpu: needs valgrind (tools/install-deps --bench)\n");
		return 1;
	}
	self_path = realpath("/proc/self/exe", NULL);
	if (keep) {
		mkdir(keep, 0755);
		work_dir = realpath(keep, NULL);
	} else {
		work_dir = mkdtemp(dir);
	}
	if (!self_path || !work_dir)
		return 1;
	snprintf(emu_args, sizeof(emu_args), "--rows %ld --seed 1", hi);
	if (emu_start(&e, emu_args) != 0)
		return 1;
	emu_write_odbc_ini(&e, NULL);
	since = emu_request_count(&e);
	if (dump_driver_result(entity, keys, hi, &width) != 0 ||
	    save_driver_pages(&e, since, set) != 0) {
		emu_stop(&e);
		return 1;
	}
	printf("bench-cpu: SELECT * FROM %s LIMIT n, %d columns, block cursor of %d rows, every"
	       " column SQL_C_CHAR;\ninstructions (callgrind, client process) per row, marginal "
	       "between %ld and %ld rows\n", entity, width, BLOCK, lo, hi);
	fflush(stdout);
	if (!only || strcmp(only, "driver") == 0) {
		snprintf(arg, sizeof(arg), "%s|DSN=dvtest;%s", entity, keys);
		measure(&drv, "driver", arg, lo, hi);
	}
	if (!only || strcmp(only, "floor") == 0)
		measure(&fl, "floor", work_dir, lo, hi);
	emu_stop(&e);
	if (!only || strcmp(only, "psqlodbc") == 0) {
		if (access(PSQLODBC, R_OK) != 0)
			fprintf(stderr, "bench-cpu: no %s (tools/install-deps --bench)\n", PSQLODBC);
		else if (start_postgres(pgconn, sizeof(pgconn)) == 0) {
			snprintf(arg, sizeof(arg), "%s|%s", entity, pgconn);
			measure(&pg, "psqlodbc", arg, lo, hi);
		}
		snprintf(arg, sizeof(arg), "%s/pg/data/postmaster.pid", work_dir);
		if (access(arg, F_OK) == 0)
			stop_postgres();
	}
	print_figure(&drv, lo, hi);
	print_figure(&pg, lo, hi);
	print_figure(&fl, lo, hi);
	if (drv.ok && pg.ok)
		printf("ratio      driver/psqlodbc=%.2f\n", drv.per_row / pg.per_row);
	if (drv.ok && fl.ok)
		printf("ratio      driver/floor=%.2f\n", drv.per_row / fl.per_row);
	if (pg.ok && fl.ok)
		printf("ratio      psqlodbc/floor=%.2f\n", pg.per_row / fl.per_row);
	if (!keep) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", work_dir);
		sh(cmd);
	}
	return (drv.name && !drv.ok) || (pg.name && !pg.ok) || (fl.name && !fl.ok);
}
