/* test_odbc_catalog_scale.c - the catalog at the scale of a real organisation,
 * through the driver manager, against dvemu --real-schema (the 831 entity
 * sets of a real org's $metadata, tests/emulator/data/realorg/).
 *
 * Pinned: SQLTables lists every entity set (832 with the emulator's own
 * new_project); SQLColumns of every table sends the entity list and one
 * batched EntityDefinitions request per 40 tables (21), not ~10 per table;
 * SQLPrimaryKeys and SQLForeignKeys after it send none; the columns and types
 * of three real entities match the CSDL capture; the per-user default cache
 * file (MetadataCache, XDG_CACHE_HOME set by emu_start) is 0600 in a 0700
 * directory, so a second connection and a second process send no metadata
 * request; a truncated file is read afresh (with a version stamp taken
 * first); once expired, that stamp makes it cost one RetrieveMetadataChanges;
 * a client that calls SQLColumns once per table gets the batches too after
 * its fourth table; MetadataCache=false keeps every connection to itself. */
#include "odbc_test.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "util/buf.h"

#define SETS 832
#define SWEEP_BATCHES 21 /* ceil(832 / 40) */

static struct emu emu;

/* The metadata requests (EntityDefinitions) since index since. */
static int metadata_requests(int since)
{
	return emu_count_requests(&emu, since, "EntityDefinitions", NULL);
}

static long count_rows(SQLHSTMT st)
{
	long n = 0;
	while (SQLFetch(st) == SQL_SUCCESS)
		n++;
	SQLFreeStmt(st, SQL_CLOSE);
	return n;
}

/* FNV-1a of every field of every SQLColumns row of the last sweep. */
static unsigned long long sweep_hash;

/* Adds every field of the rows of st to sweep_hash: the number of rows. */
static long hash_rows(SQLHSTMT st)
{
	char buf[4200];
	SQLLEN ind;
	long n = 0;
	while (SQLFetch(st) == SQL_SUCCESS) {
		for (SQLUSMALLINT c = 1; c <= 18; c++) {
			if (SQLGetData(st, c, SQL_C_CHAR, buf, sizeof(buf), &ind) != SQL_SUCCESS ||
			    ind == SQL_NULL_DATA)
				snprintf(buf, sizeof(buf), "<null>");
			for (char *q = buf; *q; q++)
				sweep_hash = (sweep_hash ^ (unsigned char)*q) * 1099511628211ULL;
			sweep_hash = (sweep_hash ^ '|') * 1099511628211ULL;
		}
		n++;
	}
	return n;
}

/* SQLColumns of every table in one call: the number of rows (-1 on
 * failure); the rows' hash in sweep_hash. */
static long sweep(SQLHDBC dbc)
{
	SQLHSTMT st;
	long n = -1;
	sweep_hash = 14695981039346656037ULL;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (SQLColumns(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0) == SQL_SUCCESS)
		n = hash_rows(st);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return n;
}

/* The same as most tools do it: SQLTables, then SQLColumns of each table in
 * its own call (the same rows in the same order as sweep). */
static long walk(SQLHDBC dbc)
{
	static char names[SETS + 8][130];
	SQLHSTMT st;
	SQLLEN ind;
	long ntables = 0, n = 0;
	sweep_hash = 14695981039346656037ULL;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (SQLTables(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0) != SQL_SUCCESS)
		return -1;
	while (ntables < SETS + 8 && SQLFetch(st) == SQL_SUCCESS)
		SQLGetData(st, 3, SQL_C_CHAR, names[ntables++], sizeof(names[0]), &ind);
	SQLFreeStmt(st, SQL_CLOSE);
	for (long i = 0; i < ntables; i++) {
		if (SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)names[i], SQL_NTS, NULL, 0) !=
		    SQL_SUCCESS)
			return -1;
		n += hash_rows(st);
		SQLFreeStmt(st, SQL_CLOSE);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The child process of test_second_process: one connection, one sweep. */
static int child(void)
{
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (SQLConnect(dbc, (SQLCHAR *)"dvtest", SQL_NTS, NULL, 0, NULL, 0) != SQL_SUCCESS &&
	    SQLConnect(dbc, (SQLCHAR *)"dvtest", SQL_NTS, NULL, 0, NULL, 0) != SQL_SUCCESS_WITH_INFO)
		return 2;
	long n = sweep(dbc);
	disconnect(env, dbc);
	printf("%ld %llx\n", n, sweep_hash);
	return n > 0 ? 0 : 1;
}

/* The properties of one entity of the CSDL capture: [[name, edm], ...]. */
static yajl_val capture;
static yajl_val capture_props(const char *entity)
{
	static const char *k_ent[] = {"entities", NULL}, *k_name[] = {"name", NULL};
	static const char *k_props[] = {"props", NULL};
	yajl_val list = yajl_tree_get(capture, k_ent, yajl_t_array);
	for (size_t i = 0; list && i < list->u.array.len; i++) {
		yajl_val e = list->u.array.values[i];
		yajl_val n = yajl_tree_get(e, k_name, yajl_t_string);
		if (n && n->u.string && strcmp(n->u.string, entity) == 0)
			return yajl_tree_get(e, k_props, yajl_t_array);
	}
	return NULL;
}

static int load_capture(void)
{
	char cmd[600], errbuf[128];
	struct dv_buf b;
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s/tests/emulator/data/realorg/realschema.json.gz'",
		 getenv("top_srcdir") ? getenv("top_srcdir") : TOP_SRCDIR);
	FILE *p = popen(cmd, "r");
	char chunk[65536];
	size_t n;
	if (!p)
		return -1;
	dv_buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		dv_buf_append(&b, chunk, n);
	pclose(p);
	capture = b.data ? yajl_tree_parse(dv_buf_str(&b), errbuf, sizeof(errbuf)) : NULL;
	dv_buf_free(&b);
	return capture ? 0 : -1;
}

/* The SQL type a CSDL property gets (docs/type-mapping.md, realschema.py). */
static int sql_type_of(const char *edm)
{
	if (strcmp(edm, "String") == 0)
		return SQL_WVARCHAR;
	if (strcmp(edm, "Int32") == 0)
		return SQL_INTEGER;
	if (strcmp(edm, "Int64") == 0)
		return SQL_BIGINT;
	if (strcmp(edm, "Guid") == 0)
		return SQL_GUID;
	if (strcmp(edm, "Boolean") == 0)
		return SQL_BIT;
	if (strcmp(edm, "DateTimeOffset") == 0)
		return SQL_TYPE_TIMESTAMP;
	if (strcmp(edm, "Date") == 0)
		return SQL_TYPE_DATE;
	if (strcmp(edm, "Double") == 0)
		return SQL_DOUBLE;
	if (strcmp(edm, "Binary") == 0)
		return SQL_LONGVARBINARY;
	if (strcmp(edm, "Decimal") == 0) /* Decimal and Money alike */
		return SQL_DECIMAL;
	return 0;
}

/* Every CSDL property of entity is a column of its SQL type (a lookup
 * _x_value is column x); the other columns are the companions of lookups
 * and choices (<x>name, <x>yominame, <x>type). */
static void check_entity(SQLHDBC dbc, const char *entity)
{
	yajl_val props = capture_props(entity);
	SQLHSTMT st;
	char name[130], cols[16384] = "|";
	SQLSMALLINT type;
	SQLLEN ind1, ind2;
	int ncols = 0, bad = 0;
	if (!props) {
		ok(0, "%s is in the capture", entity);
		return;
	}
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLBindCol(st, 4, SQL_C_CHAR, name, sizeof(name), &ind1);
	SQLBindCol(st, 5, SQL_C_SSHORT, &type, 0, &ind2);
	SQLRETURN rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)entity, SQL_NTS, NULL, 0);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLColumns of one real table");
	struct { char name[130]; int type; } got[600];
	while (SQLFetch(st) == SQL_SUCCESS && ncols < 600) {
		snprintf(got[ncols].name, sizeof(got[ncols].name), "%s", name);
		got[ncols++].type = type;
		if (strlen(cols) + strlen(name) + 2 < sizeof(cols)) {
			strcat(cols, name);
			strcat(cols, "|");
		}
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	int nprops = (int)props->u.array.len, matched = 0;
	for (int i = 0; i < nprops; i++) {
		yajl_val p = props->u.array.values[i];
		char prop[160];
		const char *pn = p->u.array.values[0]->u.string;
		const char *edm = p->u.array.values[1]->u.string;
		int want = sql_type_of(edm);
		size_t len = strlen(pn);
		if (want == 0)
			continue;
		if (pn[0] == '_' && len > 7 && strcmp(pn + len - 6, "_value") == 0)
			snprintf(prop, sizeof(prop), "%.*s", (int)len - 7, pn + 1);
		else
			snprintf(prop, sizeof(prop), "%s", pn);
		int found = 0;
		for (int k = 0; k < ncols; k++)
			if (strcmp(got[k].name, prop) == 0) {
				found = 1;
				if (got[k].type != want) {
					bad++;
					tap_diag("%s.%s: type %d, want %d (%s)", entity, prop,
						 got[k].type, want, edm);
				}
			}
		if (!found) {
			bad++;
			tap_diag("%s.%s (%s) is not a column", entity, prop, edm);
		}
		matched += found;
	}
	/* the rest are companions of a column that is there */
	int companions = 0;
	for (int k = 0; k < ncols; k++) {
		char base[160];
		size_t len = strlen(got[k].name);
		int is_comp = 0;
		static const char *const suffixes[] = {"yominame", "name", "type"};
		for (size_t s = 0; s < 3 && !is_comp; s++) {
			size_t sl = strlen(suffixes[s]);
			if (len > sl && strcmp(got[k].name + len - sl, suffixes[s]) == 0) {
				snprintf(base, sizeof(base), "|%.*s|", (int)(len - sl), got[k].name);
				is_comp = strstr(cols, base) != NULL;
			}
		}
		companions += is_comp;
	}
	is_int(bad, 0, "%s: every CSDL property is a column of its type", entity);
	is_int(matched + companions, ncols, "%s: %d columns = %d properties + %d companions",
	       entity, ncols, matched, companions);
}

static void check_types(SQLHDBC dbc)
{
	if (load_capture() != 0) {
		ok(0, "the CSDL capture reads");
		return;
	}
	check_entity(dbc, "email");
	check_entity(dbc, "campaign");
	check_entity(dbc, "msdyn_iotalert");
	yajl_tree_free(capture);
}

static char cache_file[700];

/* The one file of the per-user default cache directory. */
static int find_cache_file(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ls %s/cache/dvodbc/metadata-*.json 2>/dev/null", emu.dir);
	FILE *p = popen(cmd, "r");
	cache_file[0] = '\0';
	if (p) {
		if (fgets(cache_file, sizeof(cache_file), p))
			cache_file[strcspn(cache_file, "\n")] = '\0';
		pclose(p);
	}
	return cache_file[0] ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child();
	start_emulator(&emu, "--rows 5 --seed 1 --real-schema", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	int before = emu_request_count(&emu);
	SQLHDBC dbc = connect_dsn(env);
	SQLHSTMT st;
	is_int(metadata_requests(before), 1, "connect: the entity list only");

	/* SQLTables: every entity set */
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc_ok(SQLTables(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0), SQL_HANDLE_STMT, st, "SQLTables");
	is_int(count_rows(st), SETS, "SQLTables: 831 real entity sets + new_project");
	is_int(metadata_requests(before), 1, "SQLTables sends nothing more");

	/* the sweep: a few tens of requests, not ~10 per table */
	double t0 = now();
	long ncols = sweep(dbc);
	double t1 = now();
	unsigned long long first_hash = sweep_hash;
	ok(ncols > 25000, "SQLColumns of every table: %ld columns", ncols);
	is_int(metadata_requests(before), 1 + SWEEP_BATCHES,
	       "sweep: one batched request per 40 tables");
	char *reqs = emu_requests(&emu, before);
	int batches = 0, longest = 0;
	for (char *line = reqs; line && *line;) {
		char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		if (strstr(line, "$filter=LogicalName") && strstr(line, "$expand=Attributes,") &&
		    (!nl || strstr(line, "$filter=LogicalName") < nl)) {
			batches++;
			if (len > longest)
				longest = len;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(reqs);
	is_int(batches, SWEEP_BATCHES, "every sweep request is a batch");
	ok(longest < 8200, "batch URLs stay short (%d bytes, limit 32 KB)", longest);
	tap_diag("sweep: %ld columns of %d tables, %d metadata requests, %.2f s", ncols, SETS,
		 metadata_requests(before), t1 - t0);

	/* keys after the sweep: no request */
	int mid = emu_request_count(&emu);
	rc_ok(SQLPrimaryKeys(st, NULL, 0, NULL, 0, (SQLCHAR *)"msdyn_iotalert", SQL_NTS),
	      SQL_HANDLE_STMT, st, "SQLPrimaryKeys");
	is_int(count_rows(st), 1, "one primary key column");
	rc_ok(SQLForeignKeys(st, NULL, 0, NULL, 0, (SQLCHAR *)"msdyn_customerasset", SQL_NTS, NULL,
			     0, NULL, 0, NULL, 0), SQL_HANDLE_STMT, st, "SQLForeignKeys to a table");
	ok(count_rows(st) >= 2, "tables referencing msdyn_customerasset");
	rc_ok(SQLForeignKeys(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, (SQLCHAR *)"email",
			     SQL_NTS), SQL_HANDLE_STMT, st, "SQLForeignKeys of email");
	ok(count_rows(st) > 20, "email's many-to-one relationships");
	is_int(metadata_requests(mid), 0, "keys after the sweep send nothing");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	check_types(dbc);
	disconnect(env, dbc);

	/* the per-user default cache file */
	struct stat sb;
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/cache/dvodbc", emu.dir);
	ok(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "cache directory is 0700");
	ok(find_cache_file() == 0 && stat(cache_file, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	   "one cache file, 0600");

	/* a second connection */
	env = new_env(SQL_OV_ODBC3);
	before = emu_request_count(&emu);
	dbc = connect_dsn(env);
	t0 = now();
	is_int(sweep(dbc), ncols, "second connection: same columns");
	t1 = now();
	ok(sweep_hash == first_hash, "second connection: every field the same (from the file)");
	is_int(metadata_requests(before), 0, "second connection: no metadata request");
	tap_diag("cached sweep: %.2f s", t1 - t0);
	disconnect(env, dbc);

	/* a second process */
	char cmd[700], out[64] = "";
	before = emu_request_count(&emu);
	snprintf(cmd, sizeof(cmd), "'%s' child", argv[0]);
	FILE *p = popen(cmd, "r");
	if (p) {
		if (!fgets(out, sizeof(out), p))
			out[0] = '\0';
		ok(pclose(p) == 0, "second process sweeps");
	}
	is_int(atol(out), ncols, "second process: same columns");
	ok(strchr(out, ' ') && strtoull(strchr(out, ' ') + 1, NULL, 16) == first_hash,
	   "second process: every field the same");
	is_int(metadata_requests(before), 0, "second process: no metadata request");

	/* a truncated file: read afresh (one table here), no crash, rewritten */
	if (stat(cache_file, &sb) == 0 && truncate(cache_file, sb.st_size / 2) == 0) {
		env = new_env(SQL_OV_ODBC3);
		before = emu_request_count(&emu);
		dbc = connect_dsn(env);
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		rc_ok(SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"campaign", SQL_NTS, NULL, 0),
		      SQL_HANDLE_STMT, st, "SQLColumns after a truncated cache file");
		ok(count_rows(st) > 50, "truncated cache file: campaign's columns");
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		is_int(metadata_requests(before), 2, "truncated file: list and table read afresh");
		disconnect(env, dbc);
		ok(stat(cache_file, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_size < 1000000,
		   "file rewritten (the list and campaign), 0600");
	} else {
		ok(0, "truncate the cache file");
	}

	/* an expired file, by a client walking the tables one SQLColumns call
	 * each: the stamp taken when the truncated file was read afresh is
	 * checked by one RetrieveMetadataChanges; nothing changed, so the list
	 * (and campaign) stay; 4 tables one request each, then batches */
	sleep(2);
	env = new_env(SQL_OV_ODBC3);
	before = emu_request_count(&emu);
	dbc = connect_dsn_keys(env, "MetadataCacheTTL=1");
	is_int(walk(dbc), ncols, "expired cache file, table by table: same columns");
	ok(sweep_hash == first_hash, "table by table: every field the same");
	is_int(metadata_requests(before), 4 + SWEEP_BATCHES,
	       "expired file checked; table by table: 4 single requests, then the batches");
	reqs = emu_requests(&emu, before);
	int checks = emu_count_requests(&emu, before, "RetrieveMetadataChanges", NULL);
	ok(checks == 1 && strstr(reqs, "RetrieveMetadataChanges(Query=@q,ClientVersionStamp=@s,"),
	   "one RetrieveMetadataChanges, with the file's stamp (%d)", checks);
	free(reqs);
	disconnect(env, dbc);

	/* MetadataCache=false: no file read */
	env = new_env(SQL_OV_ODBC3);
	before = emu_request_count(&emu);
	dbc = connect_dsn_keys(env, "MetadataCache=false");
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc_ok(SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"email", SQL_NTS, NULL, 0),
	      SQL_HANDLE_STMT, st, "SQLColumns of one table");
	ok(count_rows(st) > 100, "email's columns");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	is_int(metadata_requests(before), 2, "MetadataCache=false: list + one table, no file");
	disconnect(env, dbc);

	emu_stop(&emu);
	return tap_done();
}
