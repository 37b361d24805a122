/* odbc_test.h - helpers for the ODBC-level tests (tests/odbc/test_odbc_*.c).
 *
 * Owns: starting the emulator with the test-local odbc.ini, connecting
 * through the real driver manager, reading diagnostics, small
 * ASCII <-> SQLWCHAR helpers (SQLWCHAR of 2 or 4 bytes), running a
 * statement for its rows (with integer parameters; as written and again
 * behind the dvodbc:local comment, with the requests each sent), and a
 * growing list of strings (struct ids) for the values a read returned.
 * The tests link the driver manager the build is for (unixODBC's -lodbc,
 * or iODBC's -liodbc with configure --with-iodbc) and go through it
 * exactly as applications do. */
#ifndef DV_TESTS_ODBC_TEST_H
#define DV_TESTS_ODBC_TEST_H

#include <sql.h>
#include <sqlext.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"
#include "tap.h"

/* 1 when built against iODBC's headers (configure --with-iodbc). */
#ifdef _IODBCUNIX_H
#define DV_TEST_IODBC 1
#else
#define DV_TEST_IODBC 0
#endif

/* The names of the emulator's 20 accounts (--rows 20 --seed 1) in name
 * order, an initializer: static const char *const names[] = ...; */
#define EMU20_ACCOUNT_NAMES                                                                 \
	{"Adventure Works Pty Ltd 17", "Alpine Ski GmbH 1", "Alpine Ski Pty Ltd 5",          \
	 "Bellows Ltd 8", "Best For You LLC 18", "City Power LLC 7", "Fabrikam Pty Ltd 6",    \
	 "Fourth Coffee Ltd 12", "Fourth Coffee Systems 4", "Graphic Design S.A. 14",         \
	 "Lamna Co 11", "Lamna LLC 10", "Proseware Ltd 15", "Relecloud Inc 3",                \
	 "School of Fine Art GmbH 9", "School of Fine Art Partners 16",                       \
	 "Tailspin Industries 13", "Tailspin Traders 2", "Trey Research Pty Ltd 20",          \
	 "VanArsdel S.A. 19"}

/* Reports one check as skipped, with the reason (TAP "ok N # SKIP ..."):
 * for what a driver manager answers itself, never the driver. */
static inline void skip_check(const char *what, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, what, why);
}

/* First diagnostic record of a handle: state and message. */
static inline void diag1(SQLSMALLINT type, SQLHANDLE h, char state[6], char *msg,
			 size_t msg_size)
{
	SQLINTEGER native = 0;
	SQLSMALLINT len = 0;
	state[0] = '\0';
	if (msg && msg_size)
		msg[0] = '\0';
	SQLRETURN rc = SQLGetDiagRec(type, h, 1, (SQLCHAR *)state, &native, (SQLCHAR *)msg,
				     (SQLSMALLINT)msg_size, &len);
	if (!SQL_SUCCEEDED(rc))
		state[0] = '\0';
}

/* The first record's SQLSTATE (static buffer).  With a message buffer:
 * iODBC 3.52 answers an ANSI SQLGetDiagRec through the driver's
 * SQLGetDiagRecW and copies the SQLSTATE back only when the application
 * gave a buffer for the message (with NULL it returns success and an
 * empty state). */
static inline const char *state_of(SQLSMALLINT type, SQLHANDLE h)
{
	static char state[6];
	char msg[512];
	diag1(type, h, state, msg, sizeof(msg));
	return state;
}

/* ok() on a return code, printing the diagnostic when it fails. */
static inline int rc_ok(SQLRETURN rc, SQLSMALLINT type, SQLHANDLE h, const char *what)
{
	int good = SQL_SUCCEEDED(rc);
	ok(good, "%s", what);
	if (!good) {
		char state[6], msg[512];
		diag1(type, h, state, msg, sizeof(msg));
		printf("#   rc %d: [%s] %s\n", (int)rc, state, msg);
	}
	return good;
}

/* The running emulator, stopped by bail_out. */
static struct emu *test_emu;

/* Stops the emulator (no orphan process) and ends the test. */
static inline void bail_out(const char *why)
{
	printf("Bail out! %s\n", why);
	if (test_emu)
		emu_stop(test_emu);
	exit(1);
}

/* Starts the emulator and writes the DSN "dvtest"; bails out on failure. */
static inline void start_emulator(struct emu *e, const char *args, const char *extra)
{
	if (emu_start(e, args) != 0)
		bail_out("cannot start the emulator");
	test_emu = e;
	if (emu_write_odbc_ini(e, extra) != 0)
		bail_out("cannot write odbc.ini");
	if (DV_TEST_IODBC) {
		/* iODBC reads the drivers from $ODBCINSTINI, a file (unixODBC
		 * takes ODBCINSTINI as a name inside $ODBCSYSINI: never set it there) */
		char path[512];
		snprintf(path, sizeof(path), "%s/odbcinst.ini", e->dir);
		setenv("ODBCINSTINI", path, 1);
	}
}

static inline SQLHENV new_env(SQLINTEGER version)
{
	SQLHENV env = SQL_NULL_HENV;
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)(intptr_t)version, 0);
	return env;
}

/* Connects to DSN dvtest; bails out on failure. */
static inline SQLHDBC connect_dsn(SQLHENV env)
{
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLRETURN rc = SQLConnect(dbc, (SQLCHAR *)"dvtest", SQL_NTS, NULL, 0, NULL, 0);
	if (!rc_ok(rc, SQL_HANDLE_DBC, dbc, "connect to DSN dvtest"))
		bail_out("cannot connect");
	return dbc;
}

/* Connects with connection string cs (SQLDriverConnect, no prompt), the
 * check named what; bails out on failure. */
static inline SQLHDBC connect_string(SQLHENV env, const char *cs, const char *what)
{
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL,
					SQL_DRIVER_NOPROMPT);
	if (!rc_ok(rc, SQL_HANDLE_DBC, dbc, what))
		bail_out("cannot connect");
	return dbc;
}

/* Connects to DSN dvtest with keys ("Key=Value;...") added, the check
 * named "connect"; bails out on failure. */
static inline SQLHDBC connect_dsn_keys(SQLHENV env, const char *keys)
{
	char cs[1024];
	snprintf(cs, sizeof(cs), "DSN=dvtest;%s", keys);
	return connect_string(env, cs, "connect");
}

/* Disconnects and frees a connection (its environment stays). */
static inline void close_dbc(SQLHDBC dbc)
{
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
}

static inline void disconnect(SQLHENV env, SQLHDBC dbc)
{
	close_dbc(dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
}

/* ASCII -> SQLWCHAR into a static-sized caller buffer. */
static inline SQLWCHAR *to_w(const char *s, SQLWCHAR *out, size_t n)
{
	size_t i = 0;
	for (; s[i] && i + 1 < n; i++)
		out[i] = (SQLWCHAR)(unsigned char)s[i];
	out[i] = 0;
	return out;
}

/* SQLWCHAR (ASCII range) -> char. */
static inline char *from_w(const SQLWCHAR *w, char *out, size_t n)
{
	size_t i = 0;
	for (; w[i] && i + 1 < n; i++)
		out[i] = w[i] < 128 ? (char)w[i] : '?';
	out[i] = '\0';
	return out;
}

/* Runs sql on a new statement (the caller frees it), its return code into
 * *rc. */
static inline SQLHSTMT exec_direct(SQLHDBC dbc, const char *sql, SQLRETURN *rc)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	*rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	return st;
}

/* Prepares sql on a new statement (the caller frees it) and executes it with
 * value as its one parameter (SQL_C_CHAR as SQL_VARCHAR(size)), the return
 * code of SQLExecute into *rc. */
static inline SQLHSTMT exec_char_param(SQLHDBC dbc, const char *sql, const char *value,
				       SQLULEN size, SQLRETURN *rc)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS);
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, size, 0,
			 (SQLPOINTER)value, 0, NULL);
	*rc = SQLExecute(st);
	return st;
}

/* Fetches every row of column col as text, joined with '|' per row and
 * '\n' between rows (caller frees). */
static inline char *fetch_all(SQLHSTMT st, int ncols)
{
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	while (SQL_SUCCEEDED(SQLFetch(st))) {
		for (int c = 1; c <= ncols; c++) {
			char buf[1024];
			SQLLEN ind = 0;
			SQLRETURN rc = SQLGetData(st, (SQLUSMALLINT)c, SQL_C_CHAR, buf,
						  sizeof(buf), &ind);
			const char *v = !SQL_SUCCEEDED(rc) ? "<error>"
					: ind == SQL_NULL_DATA ? "NULL" : buf;
			size_t need = strlen(v) + 2;
			if (len + need + 1 > cap) {
				cap = (len + need + 1) * 2;
				out = realloc(out, cap);
			}
			len += (size_t)snprintf(out + len, cap - len, "%s%s", v,
						c == ncols ? "\n" : "|");
		}
	}
	return out;
}

/* The most integer parameters run_rows_params binds. */
#define RUN_MAX_PARAMS 4

/* Runs sql on a statement of its own with nparams integer parameters
 * (params[i], SQL NULL where nulls[i]; nulls may be NULL) and returns its
 * rows (fetch_all), or NULL after printing the diagnostic as a TAP comment. */
static inline char *run_rows_params(SQLHDBC dbc, const char *sql, int nparams,
				    const long *params, const int *nulls, int ncols)
{
	SQLHSTMT st;
	SQLINTEGER value[RUN_MAX_PARAMS];
	SQLLEN ind[RUN_MAX_PARAMS];
	char *out = NULL;
	if (nparams > RUN_MAX_PARAMS)
		bail_out("run_rows_params: too many parameters");
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	for (int i = 0; i < nparams; i++) {
		value[i] = (SQLINTEGER)params[i];
		ind[i] = nulls && nulls[i] ? SQL_NULL_DATA : 0;
		SQLBindParameter(st, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, SQL_C_SLONG,
				 SQL_INTEGER, 0, 0, &value[i], 0, &ind[i]);
	}
	if (SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS))) {
		out = fetch_all(st, ncols);
	} else {
		char state[6], msg[512];
		diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
		printf("#   %s: [%s] %s\n", sql, state, msg);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return out;
}

/* Runs sql on a statement of its own and returns its rows (fetch_all), or
 * NULL after printing the diagnostic as a TAP comment. */
static inline char *run_rows(SQLHDBC dbc, const char *sql, int ncols)
{
	return run_rows_params(dbc, sql, 0, NULL, NULL, ncols);
}

/* One statement run as written, then again behind the dvodbc:local comment
 * (each table read on its own, nothing pushed down across tables): the rows
 * of each run (NULL when it failed) and the data requests each sent
 * (emu_data_requests). */
struct local_run {
	char *rows, *req;
	char *local, *local_req;
};

static inline void local_run(struct emu *e, SQLHDBC dbc, const char *sql, int nparams,
			     const long *params, const int *nulls, int ncols,
			     struct local_run *r)
{
	char local_sql[1024];
	int since = emu_request_count(e);
	r->rows = run_rows_params(dbc, sql, nparams, params, nulls, ncols);
	r->req = emu_data_requests(e, since);
	snprintf(local_sql, sizeof(local_sql), "/* dvodbc:local */ %s", sql);
	since = emu_request_count(e);
	r->local = run_rows_params(dbc, local_sql, nparams, params, nulls, ncols);
	r->local_req = emu_data_requests(e, since);
}

/* The checks of every local_run: both runs gave the same rows ("<what>: the
 * same rows as <other>"), and those are want (NULL: only that it answered). */
static inline void local_run_rows(const struct local_run *r, const char *what,
				  const char *other, const char *want)
{
	ok(r->rows && r->local && strcmp(r->rows, r->local) == 0, "%s: the same rows as %s",
	   what, other);
	if (want)
		is_str(r->rows ? r->rows : "(failed)", want, "  the rows");
	else
		ok(r->rows != NULL, "  answered");
}

static inline void local_run_free(struct local_run *r)
{
	free(r->rows);
	free(r->req);
	free(r->local);
	free(r->local_req);
	memset(r, 0, sizeof(*r));
}

static inline int sorted_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of s sorted, as a new string of "\n"-terminated lines ("" for
 * NULL; empty lines dropped): rows whose order is SQLite's choice. */
static inline char *sorted_lines(const char *s)
{
	char *copy = strdup(s ? s : ""), **lines, *save = NULL, *out;
	size_t n = 0, len = 0;
	lines = calloc(strlen(copy) + 1, sizeof(*lines));
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(*lines), sorted_cmp);
	out = calloc(1, strlen(s ? s : "") + 2);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(out + len, "%s\n", lines[i]);
	free(lines);
	free(copy);
	return out;
}

/* The lines of s ("\n"-terminated rows, requests), 0 for NULL. */
static inline int count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* A growing list of copied strings: the values of one column, row by row. */
struct ids {
	char **v;
	size_t n, cap;
};

static inline void ids_free(struct ids *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Appends a copy of v. */
static inline void ids_add(struct ids *s, const char *v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = strdup(v);
}

#endif
