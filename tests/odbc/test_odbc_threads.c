/* test_odbc_threads.c - one connection shared by threads, through unixODBC.
 *
 * ODBC lets an application use a connection, and the statements of a
 * connection, from several threads; the driver must serialise what they
 * share (https://learn.microsoft.com/sql/odbc/reference/develop-app/multithreading).
 * On a fresh connection (no metadata cached yet), so table metadata loads
 * while other threads query:
 *   - 4 threads, each with statements of its own, run the same queries in
 *     different orders (every table's first use races with the others);
 *   - 2 threads take turns on one shared statement (the application orders
 *     the turns; the driver keeps the statement consistent), while a third
 *     thread reads that statement's and the connection's attributes without
 *     waiting for its turn.
 * Every result is compared, row for row, with the same query run alone on
 * a second connection afterwards.  PageSize=7 makes results span pages, so
 * prefetch workers run too.  The driver manager is told not to serialise
 * (Threading = 0, the default since unixODBC 2.3.1), so the driver's own
 * locks are what is tested; `tools/check --tsan` runs this test under
 * ThreadSanitizer. */
#include "odbc_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static const char *const queries[] = {
	"SELECT name FROM account ORDER BY name",
	"SELECT fullname FROM contact ORDER BY fullname, contactid",
	"SELECT name FROM opportunity ORDER BY name, opportunityid",
	"SELECT fullname FROM lead ORDER BY fullname, leadid",
	"SELECT new_name FROM new_project ORDER BY new_name, new_projectid",
	"SELECT fullname FROM systemuser ORDER BY fullname, systemuserid",
	"SELECT name FROM team ORDER BY name, teamid",
	"SELECT COUNT(*) FROM account",
};
#define NQ ((int)(sizeof(queries) / sizeof(queries[0])))
#define NOWN 4      /* threads with statements of their own */
#define ROUNDS 3
#define NSHARED 2   /* threads taking turns on one statement */
#define SHARED_TURNS 6

/* Runs sql on st and returns its rows as text (caller frees), or NULL with
 * why filled. */
static char *run(SQLHSTMT st, const char *sql, char *why, size_t why_size)
{
	SQLSMALLINT ncols = 0;
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (!SQL_SUCCEEDED(rc)) {
		char state[6], msg[300];
		diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
		snprintf(why, why_size, "%s: rc %d [%s] %s", sql, (int)rc, state, msg);
		return NULL;
	}
	if (!SQL_SUCCEEDED(SQLNumResultCols(st, &ncols)) || ncols < 1) {
		snprintf(why, why_size, "%s: no result columns", sql);
		return NULL;
	}
	char *rows = fetch_all(st, ncols);
	SQLCloseCursor(st);
	return rows;
}

/* ---- threads with statements of their own ------------------------------ */

struct own_job {
	SQLHDBC dbc;
	int id;
	pthread_t thread;
	char *got[ROUNDS][NQ];
	int failures;
	char why[512];
};

static void *own_worker(void *arg)
{
	struct own_job *j = arg;
	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < NQ; k++) {
			/* each thread starts at another table, so first uses race */
			int q = (k + j->id * 2 + r) % NQ;
			SQLHSTMT st = SQL_NULL_HSTMT;
			if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, j->dbc, &st))) {
				j->failures++;
				snprintf(j->why, sizeof(j->why), "SQLAllocHandle(STMT) failed");
				continue;
			}
			j->got[r][q] = run(st, queries[q], j->why, sizeof(j->why));
			if (!j->got[r][q])
				j->failures++;
			SQLFreeHandle(SQL_HANDLE_STMT, st);
		}
	}
	return NULL;
}

/* ---- threads sharing one statement ------------------------------------- */

struct shared_stmt {
	SQLHDBC dbc;
	SQLHSTMT st;
	pthread_mutex_t turn;   /* the application's order of turns */
	atomic_int done;        /* sharing threads finished */
};

struct shared_job {
	struct shared_stmt *sh;
	int id;
	pthread_t thread;
	char *got[SHARED_TURNS];
	int qof[SHARED_TURNS];
	int failures;
	char why[512];
};

static void *shared_worker(void *arg)
{
	struct shared_job *j = arg;
	for (int t = 0; t < SHARED_TURNS; t++) {
		int q = (t * 3 + j->id) % NQ;
		j->qof[t] = q;
		pthread_mutex_lock(&j->sh->turn);
		j->got[t] = run(j->sh->st, queries[q], j->why, sizeof(j->why));
		pthread_mutex_unlock(&j->sh->turn);
		if (!j->got[t])
			j->failures++;
	}
	atomic_fetch_add(&j->sh->done, 1);
	return NULL;
}

struct prober {
	struct shared_stmt *sh;
	pthread_t thread;
	long probes;
	int failures;
};

/* Reads attributes of the shared statement and of the connection while the
 * sharing threads use them (no turn taken: reads are always allowed). */
static void *probe_worker(void *arg)
{
	struct prober *p = arg;
	while (atomic_load(&p->sh->done) < NSHARED) {
		SQLULEN size = 0;
		SQLUINTEGER ac = 0;
		/* iODBC 3.52 refuses any call on a statement while another
		 * thread's call on it is in progress (its stmt_cip flag), with
		 * S1010 -- in both directions: a sharing thread's SQLExecDirect
		 * or SQLFetch is refused while this read is in iODBC.  An
		 * application on iODBC must serialise every call on a shared
		 * statement, so here the read takes a turn too. */
		if (DV_TEST_IODBC)
			pthread_mutex_lock(&p->sh->turn);
		SQLRETURN rc = SQLGetStmtAttr(p->sh->st, SQL_ATTR_ROW_ARRAY_SIZE, &size, 0, NULL);
		if (DV_TEST_IODBC)
			pthread_mutex_unlock(&p->sh->turn);
		if (rc != SQL_SUCCESS || size != 1)
			p->failures++;
		if (SQLGetConnectAttr(p->sh->dbc, SQL_ATTR_AUTOCOMMIT, &ac, 0, NULL) !=
			    SQL_SUCCESS || ac != SQL_AUTOCOMMIT_ON)
			p->failures++;
		p->probes++;
		struct timespec ts = {0, 2000000}; /* let the others at the lock */
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* Allows several threads into the driver at once (Threading = 0). */
static void driver_unserialised(struct emu *e)
{
	char path[320];
	char *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/odbcinst.ini", e->dir);
	/* the [dvodbc] section comes first: its key goes before [ODBC] */
	FILE *fp = fopen(path, "r");
	if (fp) {
		fseek(fp, 0, SEEK_END);
		len = (size_t)ftell(fp);
		rewind(fp);
		text = calloc(1, len + 1);
		if (text && fread(text, 1, len, fp) != len)
			len = 0;
		fclose(fp);
	}
	const char *odbc = text ? strstr(text, "[ODBC]") : NULL;
	if (!odbc)
		bail_out("unexpected odbcinst.ini");
	fp = fopen(path, "w");
	if (!fp)
		bail_out("cannot rewrite odbcinst.ini");
	fprintf(fp, "%.*sThreading = 0\n\n%s", (int)(odbc - text), text, odbc);
	fclose(fp);
	free(text);
}

int main(void)
{
	struct emu e;
	start_emulator(&e, "--rows 20 --seed 1", "PageSize = 7\n");
	driver_unserialised(&e);

	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);

	/* phase 1: everything at once on one fresh connection */
	struct own_job own[NOWN];
	struct shared_stmt sh;
	struct shared_job shj[NSHARED];
	struct prober pr;
	memset(own, 0, sizeof(own));
	memset(shj, 0, sizeof(shj));
	memset(&pr, 0, sizeof(pr));
	sh.dbc = dbc;
	sh.st = SQL_NULL_HSTMT;
	pthread_mutex_init(&sh.turn, NULL);
	atomic_init(&sh.done, 0);
	rc_ok(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &sh.st), SQL_HANDLE_DBC, dbc,
	      "the shared statement");
	for (int i = 0; i < NOWN; i++) {
		own[i].dbc = dbc;
		own[i].id = i;
		if (pthread_create(&own[i].thread, NULL, own_worker, &own[i]) != 0)
			bail_out("pthread_create");
	}
	for (int i = 0; i < NSHARED; i++) {
		shj[i].sh = &sh;
		shj[i].id = i;
		if (pthread_create(&shj[i].thread, NULL, shared_worker, &shj[i]) != 0)
			bail_out("pthread_create");
	}
	pr.sh = &sh;
	if (pthread_create(&pr.thread, NULL, probe_worker, &pr) != 0)
		bail_out("pthread_create");
	for (int i = 0; i < NOWN; i++)
		pthread_join(own[i].thread, NULL);
	for (int i = 0; i < NSHARED; i++)
		pthread_join(shj[i].thread, NULL);
	pthread_join(pr.thread, NULL);

	for (int i = 0; i < NOWN; i++) {
		is_int(own[i].failures, 0, "thread %d: %d queries on statements of its own ran",
		       i, ROUNDS * NQ);
		if (own[i].failures)
			tap_diag("%s", own[i].why);
	}
	for (int i = 0; i < NSHARED; i++) {
		is_int(shj[i].failures, 0, "sharing thread %d: %d turns on the shared statement",
		       i, SHARED_TURNS);
		if (shj[i].failures)
			tap_diag("%s", shj[i].why);
	}
	is_int(pr.failures, 0, "attribute reads %s (%ld) all answered",
	       DV_TEST_IODBC ? "between the turns (iODBC)" : "during the turns", pr.probes);
	is_int(SQLFreeHandle(SQL_HANDLE_STMT, sh.st), SQL_SUCCESS, "free the shared statement");
	is_int(SQLDisconnect(dbc), SQL_SUCCESS, "disconnect the shared connection");
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);

	/* phase 2: the same queries alone, on a connection of their own */
	SQLHDBC ref_dbc = connect_dsn(env);
	char *want[NQ];
	for (int q = 0; q < NQ; q++) {
		SQLHSTMT st;
		char why[512] = "";
		SQLAllocHandle(SQL_HANDLE_STMT, ref_dbc, &st);
		want[q] = run(st, queries[q], why, sizeof(why));
		if (!want[q]) {
			tap_diag("%s", why);
			bail_out("a reference query failed");
		}
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}
	/* the reference itself: 20 accounts, first and last by name */
	const char *acc = want[0];
	int lines = 0;
	for (const char *p = acc; *p; p++)
		lines += *p == '\n';
	is_int(lines, 20, "reference: 20 accounts");
	ok(strncmp(acc, "Adventure Works Pty Ltd 17\n", 27) == 0 &&
	   strstr(acc, "VanArsdel S.A. 19\n") != NULL, "reference: the account names");
	is_str(want[NQ - 1], "20\n", "reference: COUNT(*) of account");
	for (int q = 1; q < NQ - 1; q++) {
		int n = 0;
		for (const char *p = want[q]; *p; p++)
			n += *p == '\n';
		ok(n >= 5, "reference: %s has rows (%d)", queries[q], n);
	}

	for (int q = 0; q < NQ; q++) {
		int same = 1;
		for (int i = 0; i < NOWN; i++)
			for (int r = 0; r < ROUNDS; r++)
				same = same && own[i].got[r][q] &&
				       strcmp(own[i].got[r][q], want[q]) == 0;
		ok(same, "own statements, all threads and rounds: %s", queries[q]);
	}
	int shared_same = 1;
	for (int i = 0; i < NSHARED; i++)
		for (int t = 0; t < SHARED_TURNS; t++)
			shared_same = shared_same && shj[i].got[t] &&
				      strcmp(shj[i].got[t], want[shj[i].qof[t]]) == 0;
	ok(shared_same, "shared statement: every turn's rows are exact");

	for (int q = 0; q < NQ; q++)
		free(want[q]);
	for (int i = 0; i < NOWN; i++)
		for (int r = 0; r < ROUNDS; r++)
			for (int q = 0; q < NQ; q++)
				free(own[i].got[r][q]);
	for (int i = 0; i < NSHARED; i++)
		for (int t = 0; t < SHARED_TURNS; t++)
			free(shj[i].got[t]);
	pthread_mutex_destroy(&sh.turn);
	disconnect(env, ref_dbc);
	emu_stop(&e);
	return tap_done();
}
