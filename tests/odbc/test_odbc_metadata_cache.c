/* test_odbc_metadata_cache.c - what a connection costs in metadata requests
 * with the metadata cache (MetadataCache / MetadataCacheLocation), through
 * the driver manager, against the emulator's request log (issue 9).
 *
 * Pinned:
 *  - two connections of one process to the same environment: the second
 *    sends no metadata request and does not read the cache file (the file is
 *    made garbage in between; reading it would have cost requests);
 *  - a second process with a fresh cache file: no metadata request;
 *  - a cache file past MetadataCacheTTL without a version stamp: a stamp
 *    request (RetrieveMetadataChanges without ClientVersionStamp), then
 *    everything read again; with a stamp and no schema change: exactly one
 *    RetrieveMetadataChanges with ClientVersionStamp and nothing else;
 *  - a column added to account since the stamp: that request plus account's
 *    one EntityDefinitions request, the new column listed by SQLColumns,
 *    contact still from the file;
 *  - an expired stamp (ExpiredVersionStamp): the validation, a new stamp,
 *    then everything read again;
 *  - connections of 4 threads at once (one environment, the process's shared
 *    metadata, run under ThreadSanitizer too): the same columns in every
 *    thread, no metadata request with a fresh file, and exactly one
 *    RetrieveMetadataChanges between them when it is past its lifetime. */
#include "odbc_test.h"

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static struct emu emu;
static char dir[] = "/tmp/dvmdodbc.XXXXXX";

/* Requests since mark whose line holds what (and, if not NULL, also also). */
static int count(int mark, const char *what, const char *also)
{
	return emu_count_requests(&emu, mark, what, also);
}

/* The metadata requests since mark: entity definitions and validations. */
static int metadata(int mark)
{
	return count(mark, "EntityDefinitions", NULL) + count(mark, "RetrieveMetadataChanges", NULL);
}

/* SQLColumns of table (column pattern col or all): the rows, -1 on failure. */
static long columns(SQLHDBC dbc, const char *table, const char *col)
{
	SQLHSTMT st;
	long n = -1;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (SQL_SUCCEEDED(SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)table, SQL_NTS,
				     (SQLCHAR *)col, col ? SQL_NTS : 0))) {
		n = 0;
		while (SQLFetch(st) == SQL_SUCCESS)
			n++;
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The child process: one connection, SQLColumns of account. */
static int child(const char *keys)
{
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn_keys(env, keys);
	long n = columns(dbc, "account", NULL);
	close_dbc(dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return n > 10 ? 0 : 1;
}

static int run_child(const char *self, const char *keys)
{
	int status = -1;
	pid_t pid = fork();
	if (pid == 0) { /* its checks are not this test's TAP lines */
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execl(self, self, "child", keys, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Two connections of one process, then a second process. */
static void test_shared(const char *self)
{
	char keys[512], path[300];
	long acc, con;
	snprintf(path, sizeof(path), "%s/shared.json", dir);
	snprintf(keys, sizeof(keys), "MetadataCacheLocation=%s;MetadataCacheTTL=3600", path);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	int mark = emu_request_count(&emu);
	SQLHDBC a = connect_dsn_keys(env, keys);
	acc = columns(a, "account", NULL);
	con = columns(a, "contact", NULL);
	ok(acc > 10 && con > 10, "first connection: account %ld and contact %ld columns", acc, con);
	is_int(count(mark, "EntityDefinitions", NULL), 3, "first connection: the list, account, "
	       "contact");
	is_int(count(mark, "RetrieveMetadataChanges", NULL), 0, "no stamp for a cache made from "
	       "nothing");

	write_file(path, "garbage: reading it would cost the metadata requests again");
	mark = emu_request_count(&emu);
	SQLHDBC b = connect_dsn_keys(env, keys);
	is_int(columns(b, "account", NULL), acc, "second connection: the same account columns");
	is_int(columns(b, "contact", NULL), con, "and contact columns");
	is_int(metadata(mark), 0, "second connection of the process: no metadata request, "
	       "and the file (garbage now) was not read");
	close_dbc(b);
	close_dbc(a);
	SQLFreeHandle(SQL_HANDLE_ENV, env);

	/* a fresh file, then a second process */
	unlink(path);
	env = new_env(SQL_OV_ODBC3);
	a = connect_dsn_keys(env, keys);
	ok(columns(a, "account", NULL) == acc, "a new file written");
	close_dbc(a);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	mark = emu_request_count(&emu);
	is_int(run_child(self, keys), 0, "a second process reads account");
	is_int(metadata(mark), 0, "second process, fresh file: no metadata request");
	unlink(path);
}

/* One connection in its own environment: SQLColumns of account and contact. */
static void one_connection(const char *keys, long *acc, long *con, long *added)
{
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn_keys(env, keys);
	*acc = columns(dbc, "account", NULL);
	*con = columns(dbc, "contact", NULL);
	*added = columns(dbc, "account", "new_added");
	close_dbc(dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
}

/* Past the lifetime: the version stamp decides what is read again. */
static void test_stamps(void)
{
	char keys[512], path[300];
	long acc, con, added, acc2, con2;
	int mark;
	snprintf(path, sizeof(path), "%s/stamps.json", dir);
	snprintf(keys, sizeof(keys), "MetadataCacheLocation=%s;MetadataCacheTTL=1", path);
	unlink(path);
	mark = emu_request_count(&emu);
	one_connection(keys, &acc, &con, &added);
	is_int(count(mark, "EntityDefinitions", NULL), 3, "cold: the list, account, contact");
	is_int(added, 0, "no new_added column yet");

	sleep(2);
	mark = emu_request_count(&emu);
	one_connection(keys, &acc2, &con2, &added);
	is_int(count(mark, "RetrieveMetadataChanges", NULL), 1, "stale file without a stamp: "
	       "one stamp request");
	is_int(count(mark, "ClientVersionStamp", NULL), 0, "without ClientVersionStamp");
	is_int(count(mark, "EntityDefinitions", NULL), 3, "then everything read again");
	ok(acc2 == acc && con2 == con, "same columns");

	sleep(2);
	mark = emu_request_count(&emu);
	one_connection(keys, &acc2, &con2, &added);
	is_int(metadata(mark), 1, "stale file with a stamp, schema unchanged: one request");
	is_int(count(mark, "RetrieveMetadataChanges(Query=@q,ClientVersionStamp=@s,"
		     "DeletedMetadataFilters=@d)", "&@s=%27"), 1,
	       "RetrieveMetadataChanges with the stored ClientVersionStamp");
	ok(acc2 == acc && con2 == con, "same columns from the file");

	/* a column added to account since the stamp */
	ok(emu_post(&emu, "/_emu/metadata/columns",
		    "{\"entity\":\"account\",\"name\":\"new_added\",\"kind\":\"string\"}") == 200,
	   "the emulator adds account.new_added");
	sleep(2);
	mark = emu_request_count(&emu);
	one_connection(keys, &acc2, &con2, &added);
	is_int(count(mark, "ClientVersionStamp", NULL), 1, "account changed: the validation");
	is_int(count(mark, "EntityDefinitions", NULL), 1, "and one metadata request more");
	is_int(count(mark, "EntityDefinitions(LogicalName='account')", NULL), 1,
	       "account's, nothing for contact or the list");
	is_int(metadata(mark), 2, "two requests in all");
	is_int(added, 1, "SQLColumns lists account.new_added");
	ok(acc2 == acc + 1 && con2 == con, "account has one column more (%ld), contact the same",
	   acc2);

	sleep(2);
	mark = emu_request_count(&emu);
	one_connection(keys, &acc2, &con2, &added);
	is_int(metadata(mark), 1, "the next validation: one request, no change");

	/* every stamp expires */
	ok(emu_post(&emu, "/_emu/metadata/expire", "{}") == 200, "the emulator expires the stamps");
	sleep(2);
	mark = emu_request_count(&emu);
	one_connection(keys, &acc2, &con2, &added);
	is_int(count(mark, "ClientVersionStamp", NULL), 1, "expired stamp: the validation fails");
	is_int(count(mark, "RetrieveMetadataChanges", NULL), 2, "a new stamp is taken");
	is_int(count(mark, "EntityDefinitions", NULL), 3, "everything read again");
	ok(acc2 == acc + 1 && con2 == con && added == 1, "columns as the service has them");

	sleep(2);
	mark = emu_request_count(&emu);
	one_connection(keys, &acc2, &con2, &added);
	is_int(metadata(mark), 1, "the new stamp validates the reloaded file: one request");
	/* the file (stamped, just validated) is test_threads' */
}

#define THREADS 4
#define ROUNDS 3

struct worker {
	pthread_t t;
	SQLHENV env;
	const char *keys;
	long acc, con;
	int bad;
};

/* ROUNDS connections one after the other, each SQLColumns of two tables. */
static void *work(void *arg)
{
	struct worker *w = arg;
	for (int r = 0; r < ROUNDS; r++) {
		char cs[1024];
		SQLHDBC dbc = SQL_NULL_HDBC;
		snprintf(cs, sizeof(cs), "DSN=dvtest;%s", w->keys);
		SQLAllocHandle(SQL_HANDLE_DBC, w->env, &dbc);
		if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL,
						    SQL_DRIVER_NOPROMPT))) {
			w->bad++;
			SQLFreeHandle(SQL_HANDLE_DBC, dbc);
			continue;
		}
		if (columns(dbc, "account", NULL) != w->acc || columns(dbc, "contact", NULL) != w->con)
			w->bad++;
		close_dbc(dbc);
	}
	return NULL;
}

/* THREADS threads connecting at once; 0 when every thread saw acc / con. */
static int run_threads(SQLHENV env, const char *keys, long acc, long con)
{
	struct worker w[THREADS];
	int bad = 0;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.env = env, .keys = keys, .acc = acc, .con = con};
		if (pthread_create(&w[i].t, NULL, work, &w[i]) != 0)
			return -1;
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].t, NULL);
		bad += w[i].bad;
	}
	return bad;
}

static void test_threads(void)
{
	char keys[512], path[300];
	long acc, con, added;
	int mark;
	/* test_stamps' file, stamped and validated a moment ago; a lifetime
	 * longer than the threads take (a validation makes it current again) */
	snprintf(path, sizeof(path), "%s/stamps.json", dir);
	snprintf(keys, sizeof(keys), "MetadataCacheLocation=%s;MetadataCacheTTL=8", path);
	one_connection(keys, &acc, &con, &added);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC hold = connect_dsn_keys(env, keys);     /* keeps the shared metadata */
	mark = emu_request_count(&emu);
	is_int(run_threads(env, keys, acc, con), 0, "%d threads x %d connections: the same "
	       "columns in each", THREADS, ROUNDS);
	is_int(metadata(mark), 0, "no metadata request from any of them");
	sleep(9);
	mark = emu_request_count(&emu);
	is_int(run_threads(env, keys, acc, con), 0, "past the lifetime: the same columns");
	is_int(count(mark, "ClientVersionStamp", NULL), 1, "one validation between the threads");
	is_int(metadata(mark), 1, "and no other metadata request");
	close_dbc(hold);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	unlink(path);
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	if (!mkdtemp(dir))
		bail_out("cannot make a directory");
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	test_shared(argv[0]);
	test_stamps();
	test_threads();
	rmdir(dir);
	emu_stop(&emu);
	return tap_done();
}
