/* test_odbc_exactly_once.c - writes whose answers are lost, through the real
 * driver manager against the emulator: the emulator carries a write out in
 * full and then loses its answer (RST with no byte back, a gateway's 504,
 * a garbled 200), or refuses it outright, and the test then counts what
 * the service holds, read straight from the Web API (not through the
 * driver): every row exactly once, none lost, and every row's reported
 * outcome true (SQLRowCount, the parameter status array, SQLSTATEs).
 * Shapes: single-row INSERT, parameter arrays of one and two $batch
 * requests, INSERT ... SELECT, searched UPDATE and DELETE, a single
 * DELETE, N:N associate and disassociate, a committed transaction (one
 * change set), a lost answer whose
 * read-back also fails (08007 naming the record), and a real refusal
 * (nothing applied, reported as failed). */
#include <curl/curl.h>
#include <yajl/yajl_tree.h>

#include "odbc_test.h"

static struct emu emu;

/* ---- the service's side, read straight from the Web API ---- */

/* What the service holds of accounts whose name starts with prefix: the
 * number of records, of distinct names, and of those with telephone1 =
 * phone (when phone is not NULL). */
struct held {
	long records, names, phones;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct held service_holds(const char *prefix, const char *phone)
{
	struct held h = {0, 0, 0};
	char rel[512], errbuf[128], *body;
	const char *vpath[] = {"value", NULL}, *npath[] = {"name", NULL},
		   *ppath[] = {"telephone1", NULL};
	snprintf(rel, sizeof(rel), "accounts?$select=name,telephone1&"
		 "$filter=startswith(name,'%s')", prefix);
	emu_webapi(&emu, NULL, rel, NULL, &body);
	yajl_val root = yajl_tree_parse(body, errbuf, sizeof(errbuf));
	yajl_val rows = root ? yajl_tree_get(root, vpath, yajl_t_array) : NULL;
	size_t n = rows ? YAJL_GET_ARRAY(rows)->len : 0;
	const char **names = calloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		yajl_val r = YAJL_GET_ARRAY(rows)->values[i];
		yajl_val nm = yajl_tree_get(r, npath, yajl_t_string);
		yajl_val ph = yajl_tree_get(r, ppath, yajl_t_string);
		names[i] = nm ? YAJL_GET_STRING(nm) : "";
		const char *pv = ph ? YAJL_GET_STRING(ph) : NULL;
		if (phone && pv && strcmp(pv, phone) == 0)
			h.phones++;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	h.records = (long)n;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			h.names++;
	if (!root)
		printf("# unreadable service answer: %.200s\n", body);
	free(names);
	yajl_tree_free(root);
	free(body);
	return h;
}

/* ---- ODBC helpers ---- */

static SQLRETURN exec_rc(SQLHDBC dbc, const char *sql, SQLLEN *count, char state[6],
			 char *msg, size_t msize)
{
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	*count = -99;
	if (SQL_SUCCEEDED(rc))
		SQLRowCount(st, count);
	diag1(SQL_HANDLE_STMT, st, state, msg, msize);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return rc;
}

static void fault(const char *json)
{
	if (emu_fault(&emu, json) != 204)
		bail_out("the emulator refused a fault");
}

static char *one_value(SQLHDBC dbc, const char *sql)
{
	SQLHSTMT st;
	char buf[256] = "";
	SQLLEN ind = 0;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)) &&
	    SQL_SUCCEEDED(SQLFetch(st)))
		SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return strdup(buf);
}

/* ---- single rows ---- */

static void test_single_insert(SQLHDBC dbc, const char *kind, const char *name)
{
	char sql[256], fj[256], state[6], msg[512];
	SQLLEN n;
	snprintf(fj, sizeof(fj), "{\"count\":1,\"kind\":\"%s\",\"method\":\"POST\","
		 "\"match\":\"/accounts\"}", kind);
	fault(fj);
	snprintf(sql, sizeof(sql), "INSERT INTO account (name) VALUES ('%s')", name);
	SQLRETURN rc = exec_rc(dbc, sql, &n, state, msg, sizeof(msg));
	is_int(rc, SQL_SUCCESS, "%s: single INSERT whose answer was lost succeeds [%s] %s",
	       kind, state, msg);
	is_int(n, 1, "%s: SQLRowCount 1", kind);
	struct held h = service_holds(name, NULL);
	is_int(h.records, 1, "%s: the service holds the row once", kind);
	char *id = one_value(dbc, "SELECT last_insert_id()");
	snprintf(sql, sizeof(sql), "SELECT name FROM account WHERE accountid = '%s'", id);
	char *back = one_value(dbc, sql);
	is_str(back, name, "%s: last_insert_id() names the one record", kind);
	free(id);
	free(back);
}

static void test_single_delete(SQLHDBC dbc)
{
	char state[6], msg[512];
	SQLLEN n;
	fault("{\"count\":1,\"kind\":\"applied-reset\",\"method\":\"DELETE\"}");
	SQLRETURN rc = exec_rc(dbc, "DELETE FROM account WHERE name = 'EO single reset'", &n,
			       state, msg, sizeof(msg));
	is_int(rc, SQL_SUCCESS, "DELETE whose answer was lost succeeds [%s] %s", state, msg);
	is_int(n, 1, "DELETE whose answer was lost (re-sent: 404): SQLRowCount 1");
	is_int(service_holds("EO single reset", NULL).records, 0, "the row is gone");
}

/* ---- parameter arrays ---- */

#define NAME_LEN 32

/* INSERT of n rows "<prefix> 0001".. as one parameter array: the return
 * code; *count, and *good = sets reported SQL_PARAM_SUCCESS. */
static SQLRETURN array_insert(SQLHDBC dbc, const char *prefix, int n, SQLLEN *count, int *good)
{
	SQLHSTMT st;
	char (*names)[NAME_LEN] = calloc((size_t)n, NAME_LEN);
	SQLLEN *ind = calloc((size_t)n, sizeof(*ind));
	SQLUSMALLINT *status = calloc((size_t)n, sizeof(*status));
	SQLULEN processed = 0;
	for (int i = 0; i < n; i++) {
		snprintf(names[i], NAME_LEN, "%s %04d", prefix, i + 1);
		ind[i] = SQL_NTS;
	}
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)(SQLULEN)n, 0);
	SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
	SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, NAME_LEN, 0, names,
			 NAME_LEN, ind);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO account (name) VALUES (?)",
				     SQL_NTS);
	*count = -99;
	SQLRowCount(st, count);
	*good = 0;
	for (int i = 0; i < n; i++)
		*good += status[i] == SQL_PARAM_SUCCESS;
	if (!SQL_SUCCEEDED(rc)) {
		char state[6], msg[512];
		diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
		printf("#   array insert: rc %d [%s] %s\n", (int)rc, state, msg);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	free(names);
	free(ind);
	free(status);
	return rc;
}

static void test_array(SQLHDBC dbc, const char *fault_json, const char *prefix, int n,
		       const char *what)
{
	SQLLEN count;
	int good;
	fault(fault_json);
	SQLRETURN rc = array_insert(dbc, prefix, n, &count, &good);
	is_int(rc, SQL_SUCCESS, "%s: SQL_SUCCESS", what);
	is_int(count, n, "%s: SQLRowCount %d", what, n);
	is_int(good, n, "%s: every set SQL_PARAM_SUCCESS", what);
	struct held h = service_holds(prefix, NULL);
	is_int(h.records, n, "%s: the service holds %d records (0 duplicates)", what, n);
	is_int(h.names, n, "%s: every row once (0 lost)", what);
}

static void test_insert_select(SQLHDBC dbc)
{
	char state[6], msg[512];
	SQLLEN n;
	fault("{\"count\":1,\"kind\":\"applied-reset\",\"method\":\"POST\",\"match\":\"$batch\"}");
	SQLRETURN rc = exec_rc(dbc, "INSERT INTO account (name) SELECT 'EO copy ' || name FROM "
			       "account WHERE name LIKE 'EO array one %'", &n, state, msg,
			       sizeof(msg));
	is_int(rc, SQL_SUCCESS, "INSERT ... SELECT whose $batch answer was lost [%s] %s", state,
	       msg);
	is_int(n, 1000, "INSERT ... SELECT: SQLRowCount 1000");
	struct held h = service_holds("EO copy ", NULL);
	is_int(h.records, 1000, "INSERT ... SELECT: 1000 records, 0 duplicates");
	is_int(h.names, 1000, "INSERT ... SELECT: 0 lost");
}

static void test_searched_update(SQLHDBC dbc)
{
	char state[6], msg[512];
	SQLLEN n;
	fault("{\"count\":1,\"kind\":\"applied-504\",\"method\":\"POST\",\"match\":\"$batch\"}");
	SQLRETURN rc = exec_rc(dbc, "UPDATE account SET telephone1 = '555-0100' WHERE name LIKE "
			       "'EO array one %'", &n, state, msg, sizeof(msg));
	is_int(rc, SQL_SUCCESS, "UPDATE whose $batch answer was a gateway's 504 [%s] %s", state,
	       msg);
	is_int(n, 1000, "UPDATE: SQLRowCount 1000");
	struct held h = service_holds("EO array one ", "555-0100");
	is_int(h.phones, 1000, "UPDATE: all 1000 records changed");
	is_int(h.records, 1000, "UPDATE: still 1000 records");
}

static void test_searched_delete(SQLHDBC dbc)
{
	char state[6], msg[512];
	SQLLEN n;
	fault("{\"count\":1,\"kind\":\"applied-reset\",\"method\":\"POST\",\"match\":\"$batch\"}");
	SQLRETURN rc = exec_rc(dbc, "DELETE FROM account WHERE name LIKE 'EO array two %'", &n,
			       state, msg, sizeof(msg));
	is_int(rc, SQL_SUCCESS, "DELETE whose $batch answer was lost [%s] %s", state, msg);
	is_int(n, 1500, "DELETE: SQLRowCount 1500 (the rows it removed, not 0)");
	is_int(service_holds("EO array two ", NULL).records, 0, "DELETE: every row gone");
}

/* ---- N:N pairs ---- */

/* How many systemuserroles rows pair uid and rid, read from the Web API. */
static long pairs_held(const char *uid, const char *rid)
{
	char rel[512], errbuf[128], *body;
	const char *vpath[] = {"value", NULL};
	snprintf(rel, sizeof(rel), "systemuserrolescollection?$select=roleid&"
		 "$filter=systemuserid eq %s and roleid eq %s", uid, rid);
	emu_webapi(&emu, NULL, rel, NULL, &body);
	yajl_val root = yajl_tree_parse(body, errbuf, sizeof(errbuf));
	yajl_val rows = root ? yajl_tree_get(root, vpath, yajl_t_array) : NULL;
	long n = rows ? (long)YAJL_GET_ARRAY(rows)->len : -1;
	yajl_tree_free(root);
	free(body);
	return n;
}

static void test_pairs(SQLHDBC dbc)
{
	char sql[512], uid[40], rid[40], state[6], msg[512];
	SQLLEN n;
	char *u = one_value(dbc, "SELECT u.systemuserid || '|' || r.roleid FROM systemuser u, "
			    "role r WHERE NOT EXISTS (SELECT 1 FROM systemuserroles x WHERE "
			    "x.systemuserid = u.systemuserid AND x.roleid = r.roleid) LIMIT 1");
	if (!ok(strlen(u) == 73, "a user and a role not associated")) {
		free(u);
		return;
	}
	snprintf(uid, sizeof(uid), "%.36s", u);
	snprintf(rid, sizeof(rid), "%.36s", u + 37);
	free(u);
	fault("{\"count\":1,\"kind\":\"applied-reset\",\"method\":\"POST\",\"match\":\"$ref\"}");
	snprintf(sql, sizeof(sql), "INSERT INTO systemuserroles (systemuserid, roleid) VALUES "
		 "('%s', '%s')", uid, rid);
	SQLRETURN rc = exec_rc(dbc, sql, &n, state, msg, sizeof(msg));
	is_int(rc, SQL_SUCCESS, "N:N associate whose answer was lost [%s] %s", state, msg);
	is_int(n, 1, "N:N associate: SQLRowCount 1 (the re-sent copy's duplicate read back)");
	is_int(pairs_held(uid, rid), 1, "N:N associate: the service holds the pair");
	fault("{\"count\":1,\"kind\":\"applied-504\",\"method\":\"DELETE\",\"match\":\"$ref\"}");
	snprintf(sql, sizeof(sql), "DELETE FROM systemuserroles WHERE systemuserid = '%s' AND "
		 "roleid = '%s'", uid, rid);
	rc = exec_rc(dbc, sql, &n, state, msg, sizeof(msg));
	is_int(rc, SQL_SUCCESS, "N:N disassociate answered by a gateway's 504 [%s] %s", state,
	       msg);
	is_int(n, 1, "N:N disassociate: SQLRowCount 1");
	is_int(pairs_held(uid, rid), 0, "N:N disassociate: the pair is gone");
}

/* ---- a transaction: one change set ---- */

static void test_commit(SQLHDBC dbc)
{
	char state[6], msg[512];
	SQLLEN n;
	SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0);
	exec_rc(dbc, "INSERT INTO account (name) VALUES ('EO tx 1')", &n, state, msg, sizeof(msg));
	exec_rc(dbc, "INSERT INTO account (name) VALUES ('EO tx 2')", &n, state, msg, sizeof(msg));
	exec_rc(dbc, "INSERT INTO account (name) VALUES ('EO tx 3')", &n, state, msg, sizeof(msg));
	fault("{\"count\":1,\"kind\":\"applied-reset\",\"method\":\"POST\",\"match\":\"$batch\"}");
	SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT);
	diag1(SQL_HANDLE_DBC, dbc, state, msg, sizeof(msg));
	is_int(rc, SQL_SUCCESS, "COMMIT whose change set answer was lost [%s] %s", state, msg);
	struct held h = service_holds("EO tx ", NULL);
	is_int(h.records, 3, "COMMIT: 3 records, 0 duplicates");
	is_int(h.names, 3, "COMMIT: 0 lost");
	SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0);
}

/* ---- when the truth cannot be had, and real refusals ---- */

static void test_unknown(SQLHDBC dbc)
{
	char state[6], msg[512];
	SQLLEN n;
	/* the create is applied and its answer lost; the re-sent copy is refused
	 * as a duplicate; every read-back fails */
	fault("{\"count\":1,\"kind\":\"applied-reset\",\"method\":\"POST\",\"match\":\"/accounts\"}");
	fault("{\"count\":12,\"kind\":\"500\",\"method\":\"GET\",\"match\":\"accountid%20eq\"}");
	SQLRETURN rc = exec_rc(dbc, "INSERT INTO account (name) VALUES ('EO unknown')", &n, state,
			       msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "lost answer, failed read-back: SQL_ERROR");
	is_str(state, "08007", "lost answer, failed read-back: 08007 (outcome unknown)");
	ok(strstr(msg, "outcome unknown") && strstr(msg, "got no answer") &&
	   strstr(msg, "accounts record "),
	   "the message says the outcome is unknown, why, and names the record: %s", msg);
	is_int(service_holds("EO unknown", NULL).records, 1, "the service holds it once");
	emu_clear_faults(&emu); /* the read-back faults not used up */
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLRETURN d = SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS);
	is_int(d, SQL_SUCCESS, "the connection goes on");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_refusal(SQLHDBC dbc)
{
	char state[6], msg[512];
	SQLLEN n;
	fault("{\"count\":1,\"kind\":\"500\",\"method\":\"POST\",\"match\":\"/accounts\"}");
	SQLRETURN rc = exec_rc(dbc, "INSERT INTO account (name) VALUES ('EO refused')", &n, state,
			       msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "a service error (500) is a failure");
	is_str(state, "HY000", "a service error: HY000");
	is_int(service_holds("EO refused", NULL).records, 0, "nothing applied");
	fault("{\"count\":1,\"kind\":\"reset\",\"method\":\"POST\",\"match\":\"/accounts\"}");
	rc = exec_rc(dbc, "INSERT INTO account (name) VALUES ('EO reset first')", &n, state, msg,
		     sizeof(msg));
	is_int(rc, SQL_SUCCESS, "a connection dropped before the service saw the create: "
	       "sent again [%s] %s", state, msg);
	is_int(service_holds("EO reset first", NULL).records, 1, "and applied once");
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	ok(emu_webapi(&emu, NULL, "WhoAmI", NULL, NULL) == 200, "the service can be read directly (Web API, its own token)");
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);
	test_single_insert(dbc, "applied-reset", "EO single reset");
	test_single_insert(dbc, "applied-504", "EO single 504");
	test_single_insert(dbc, "applied-garble", "EO single garble");
	test_single_delete(dbc);
	test_array(dbc, "{\"count\":1,\"kind\":\"applied-reset\",\"method\":\"POST\","
		   "\"match\":\"$batch\"}", "EO array one", 1000,
		   "1,000-row array, $batch answer lost (RST)");
	test_array(dbc, "{\"count\":1,\"kind\":\"applied-garble\",\"method\":\"POST\","
		   "\"match\":\"$batch\"}", "EO array two", 1500,
		   "1,500-row array (two $batch at once), one answer garbled");
	test_array(dbc, "{\"count\":1,\"kind\":\"503\",\"method\":\"POST\",\"match\":\"$batch\"}",
		   "EO array three", 1500, "1,500-row array, 503 on one of two $batch");
	test_array(dbc, "{\"count\":1,\"kind\":\"truncate\",\"method\":\"POST\","
		   "\"match\":\"$batch\"}", "EO array four", 700, "700-row array, answer cut short");
	test_insert_select(dbc);
	test_searched_update(dbc);
	test_searched_delete(dbc);
	test_commit(dbc);
	test_pairs(dbc);
	test_unknown(dbc);
	test_refusal(dbc);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
