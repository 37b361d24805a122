/* test_odbc_direct.c - rules the driver manager would hide, on the driver itself.
 *
 * unixODBC answers some function sequence errors itself (SQLFetch before
 * SQLExecute, freeing an environment with connections) and never calls the
 * driver, so these tests load libdvodbc.so with dlopen and call its entry
 * points directly, as a driver manager does:
 *   - SQLFreeHandle of an environment with a connection: HY010, env kept;
 *   - SQLFetch / SQLGetData on a statement never executed: HY010 (not
 *     24000); SQLGetData before the first fetch: 24000;
 *   - SQLGetData into a buffer smaller than one character: HY090, and a
 *     loop on 01004 with a usable buffer ends with the whole value;
 *   - a DECIMAL column as SQL_C_BINARY: an SQL_NUMERIC_STRUCT's bytes, equal
 *     to what SQL_C_NUMERIC gives. */
#include "odbc_test.h"

#include <dlfcn.h>

typedef SQLRETURN (*alloc_fn)(SQLSMALLINT, SQLHANDLE, SQLHANDLE *);
typedef SQLRETURN (*free_fn)(SQLSMALLINT, SQLHANDLE);
typedef SQLRETURN (*setenv_fn)(SQLHENV, SQLINTEGER, SQLPOINTER, SQLINTEGER);
typedef SQLRETURN (*diag_fn)(SQLSMALLINT, SQLHANDLE, SQLSMALLINT, SQLCHAR *, SQLINTEGER *,
			     SQLCHAR *, SQLSMALLINT, SQLSMALLINT *);
typedef SQLRETURN (*drvconn_fn)(SQLHDBC, SQLHWND, SQLCHAR *, SQLSMALLINT, SQLCHAR *,
				SQLSMALLINT, SQLSMALLINT *, SQLUSMALLINT);
typedef SQLRETURN (*disc_fn)(SQLHDBC);
typedef SQLRETURN (*stmt_fn)(SQLHSTMT);
typedef SQLRETURN (*text_fn)(SQLHSTMT, SQLCHAR *, SQLINTEGER);
typedef SQLRETURN (*getdata_fn)(SQLHSTMT, SQLUSMALLINT, SQLSMALLINT, SQLPOINTER, SQLLEN,
				SQLLEN *);

static struct {
	alloc_fn alloc;
	free_fn free;
	setenv_fn set_env;
	diag_fn diag;
	drvconn_fn connect;
	disc_fn disconnect;
	stmt_fn fetch, close;
	text_fn exec, prepare;
	getdata_fn get_data;
} d;

static void *sym(void *lib, const char *name)
{
	void *p = dlsym(lib, name);
	if (!p)
		bail_out(name);
	return p;
}

static void load_driver(void)
{
	char path[512];
	const char *top = getenv("top_builddir");
	snprintf(path, sizeof(path), "%s/driver/.libs/libdvodbc.so", top ? top : ".");
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		printf("# %s\n", dlerror());
		bail_out("cannot load the driver");
	}
	d.alloc = (alloc_fn)sym(lib, "SQLAllocHandle");
	d.free = (free_fn)sym(lib, "SQLFreeHandle");
	d.set_env = (setenv_fn)sym(lib, "SQLSetEnvAttr");
	d.diag = (diag_fn)sym(lib, "SQLGetDiagRec");
	d.connect = (drvconn_fn)sym(lib, "SQLDriverConnect");
	d.disconnect = (disc_fn)sym(lib, "SQLDisconnect");
	d.fetch = (stmt_fn)sym(lib, "SQLFetch");
	d.close = (stmt_fn)sym(lib, "SQLCloseCursor");
	d.exec = (text_fn)sym(lib, "SQLExecDirect");
	d.prepare = (text_fn)sym(lib, "SQLPrepare");
	d.get_data = (getdata_fn)sym(lib, "SQLGetData");
}

/* The driver's first diagnostic of a handle: its SQLSTATE (static). */
static const char *dstate(SQLSMALLINT type, SQLHANDLE h, char *msg, size_t size)
{
	static char state[6];
	SQLINTEGER native;
	SQLSMALLINT len;
	char m[512];
	state[0] = '\0';
	if (d.diag(type, h, 1, (SQLCHAR *)state, &native, (SQLCHAR *)m, sizeof(m), &len) !=
	    SQL_SUCCESS)
		state[0] = '\0';
	if (msg)
		snprintf(msg, size, "%s", m);
	return state;
}

static void test_env_with_connection(void)
{
	SQLHENV env;
	SQLHDBC dbc;
	is_int(d.alloc(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env), SQL_SUCCESS, "driver env");
	d.set_env(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	is_int(d.alloc(SQL_HANDLE_DBC, env, &dbc), SQL_SUCCESS, "driver dbc");
	is_int(d.free(SQL_HANDLE_ENV, env), SQL_ERROR, "free env with a connection: error");
	char msg[512];
	is_str(dstate(SQL_HANDLE_ENV, env, msg, sizeof(msg)), "HY010", "  HY010: %s", msg);
	is_int(d.free(SQL_HANDLE_DBC, dbc), SQL_SUCCESS, "free the connection");
	is_int(d.free(SQL_HANDLE_ENV, env), SQL_SUCCESS, "then the env frees");
}

static void test_sequence(SQLHDBC dbc)
{
	SQLHSTMT st;
	char buf[64], msg[512];
	SQLLEN ind;
	d.alloc(SQL_HANDLE_STMT, dbc, &st);
	is_int(d.fetch(st), SQL_ERROR, "SQLFetch on a new statement: error");
	is_str(dstate(SQL_HANDLE_STMT, st, msg, sizeof(msg)), "HY010", "  HY010: %s", msg);
	is_int(d.get_data(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_ERROR,
	       "SQLGetData on a new statement: error");
	is_str(dstate(SQL_HANDLE_STMT, st, NULL, 0), "HY010", "  HY010");
	d.prepare(st, (SQLCHAR *)"SELECT name FROM account", SQL_NTS);
	is_int(d.fetch(st), SQL_ERROR, "SQLFetch on a prepared, unexecuted statement: error");
	is_str(dstate(SQL_HANDLE_STMT, st, NULL, 0), "HY010", "  HY010");
	is_int(d.exec(st, (SQLCHAR *)"SELECT name FROM account ORDER BY name", SQL_NTS),
	       SQL_SUCCESS, "execute");
	is_int(d.get_data(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_ERROR,
	       "SQLGetData before the first fetch: error");
	is_str(dstate(SQL_HANDLE_STMT, st, NULL, 0), "24000", "  24000 (cursor open, no row)");
	d.close(st);
	is_int(d.fetch(st), SQL_ERROR, "SQLFetch after SQLCloseCursor: error");
	is_str(dstate(SQL_HANDLE_STMT, st, NULL, 0), "HY010", "  HY010");
	d.free(SQL_HANDLE_STMT, st);
}

static void test_small_buffers(SQLHDBC dbc)
{
	SQLHSTMT st;
	char one[1], msg[512];
	SQLLEN ind;
	d.alloc(SQL_HANDLE_STMT, dbc, &st);
	d.exec(st, (SQLCHAR *)"SELECT name FROM account ORDER BY name", SQL_NTS);
	is_int(d.fetch(st), SQL_SUCCESS, "fetch the first account");
	is_int(d.get_data(st, 1, SQL_C_CHAR, one, 1, &ind), SQL_ERROR,
	       "SQLGetData into 1 byte: an error, not 01004 forever");
	is_str(dstate(SQL_HANDLE_STMT, st, msg, sizeof(msg)), "HY090", "  HY090: %s", msg);
	char part[3], whole[128] = "";
	SQLRETURN rc;
	int calls = 0;
	while ((rc = d.get_data(st, 1, SQL_C_CHAR, part, sizeof(part), &ind)) != SQL_NO_DATA &&
	       calls < 100) {
		if (!SQL_SUCCEEDED(rc))
			break;
		strncat(whole, part, sizeof(whole) - strlen(whole) - 1);
		calls++;
	}
	is_int(rc, SQL_NO_DATA, "3-byte parts end with SQL_NO_DATA");
	is_str(whole, "Adventure Works Pty Ltd 17", "  and make the whole value (%d calls)",
	       calls);
	d.free(SQL_HANDLE_STMT, st);
}

static void test_decimal_binary(SQLHDBC dbc)
{
	SQLHSTMT st;
	unsigned char bin[64];
	SQL_NUMERIC_STRUCT ns;
	SQLLEN ind = 0, nind = 0;
	char msg[512] = "";
	d.alloc(SQL_HANDLE_STMT, dbc, &st);
	d.exec(st, (SQLCHAR *)"SELECT revenue, revenue FROM account WHERE revenue IS NOT NULL "
	       "ORDER BY name LIMIT 1", SQL_NTS);
	is_int(d.fetch(st), SQL_SUCCESS, "fetch a revenue (DECIMAL)");
	SQLRETURN rc = d.get_data(st, 1, SQL_C_BINARY, bin, sizeof(bin), &ind);
	if (rc != SQL_SUCCESS)
		dstate(SQL_HANDLE_STMT, st, msg, sizeof(msg));
	is_int(rc, SQL_SUCCESS, "DECIMAL as SQL_C_BINARY succeeds %s", msg);
	is_int(ind, sizeof(SQL_NUMERIC_STRUCT), "  the bytes of an SQL_NUMERIC_STRUCT");
	char text[64] = "";
	is_int(d.get_data(st, 2, SQL_C_CHAR, text, sizeof(text), &nind), SQL_SUCCESS,
	       "the same column as text: %s", text);
	SQL_NUMERIC_STRUCT fromb;
	memcpy(&fromb, bin, sizeof(fromb));
	unsigned long long want = 0, got = 0;
	for (const char *p = text; *p; p++)
		if (*p >= '0' && *p <= '9')
			want = want * 10 + (unsigned)(*p - '0');
	for (int i = 7; i >= 0; i--)
		got = got << 8 | fromb.val[i];
	ok(fromb.precision == 38 && fromb.scale == 2 && fromb.sign == (text[0] != '-') &&
	   got == want, "  precision 38, scale 2, the value's sign and digits (%llu)", got);
	(void)ns;
	unsigned char small[4];
	is_int(d.get_data(st, 1, SQL_C_BINARY, small, sizeof(small), &ind), SQL_ERROR,
	       "into 4 bytes: an error");
	is_str(dstate(SQL_HANDLE_STMT, st, NULL, 0), "22003", "  with a diagnostic (22003)");
	d.free(SQL_HANDLE_STMT, st);
}

int main(void)
{
	struct emu e;
	start_emulator(&e, "--rows 20 --seed 1", NULL);
	load_driver();
	test_env_with_connection();

	SQLHENV env;
	SQLHDBC dbc;
	d.alloc(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	d.set_env(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	d.alloc(SQL_HANDLE_DBC, env, &dbc);
	SQLRETURN rc = d.connect(dbc, NULL, (SQLCHAR *)emu_connstr(&e), SQL_NTS, NULL, 0, NULL,
				 SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc)) {
		char msg[512];
		printf("# %s %s\n", dstate(SQL_HANDLE_DBC, dbc, msg, sizeof(msg)), msg);
		bail_out("cannot connect the driver directly");
	}
	test_sequence(dbc);
	test_small_buffers(dbc);
	test_decimal_binary(dbc);
	is_int(d.free(SQL_HANDLE_ENV, env), SQL_ERROR, "free env while connected: error");
	is_int(d.disconnect(dbc), SQL_SUCCESS, "disconnect");
	d.free(SQL_HANDLE_DBC, dbc);
	is_int(d.free(SQL_HANDLE_ENV, env), SQL_SUCCESS, "free env");
	emu_stop(&e);
	return tap_done();
}
