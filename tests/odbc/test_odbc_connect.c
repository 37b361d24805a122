/* test_odbc_connect.c - connecting through unixODBC, connection attributes,
 * SQLGetInfo, SQLGetFunctions, SQLGetTypeInfo, and the connect failures:
 * unknown key (01S00: a warning, an error when strict), bad secret (28000),
 * unreachable service (08001). */
#include "odbc_test.h"

static void test_connect_dsn(struct emu *e)
{
	SQLHENV env = new_env(SQL_OV_ODBC3);
	int before = emu_request_count(e);
	SQLHDBC dbc = connect_dsn(env);
	char *reqs = emu_requests(e, before);
	/* A token and the entity list: bad credentials fail at connect time. */
	ok(reqs && strstr(reqs, "POST /" EMU_TENANT "/oauth2/v2.0/token") == reqs,
	   "connect asks for a token first");
	ok(reqs && strstr(reqs, "GET /api/data/v9.2/EntityDefinitions") != NULL,
	   "connect reads the entity list");
	is_int(emu_request_count(e) - before, 2, "connect sends exactly two requests");
	if (reqs)
		tap_diag("connect requests:\n%s", reqs);
	free(reqs);

	SQLUINTEGER u = 99;
	SQLRETURN rc = SQLGetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, &u, 0, NULL);
	is_int(rc, SQL_SUCCESS, "get autocommit");
	is_int(u, SQL_AUTOCOMMIT_ON, "autocommit is on");
	rc = SQLGetConnectAttr(dbc, SQL_ATTR_CONNECTION_DEAD, &u, 0, NULL);
	is_int(rc, SQL_SUCCESS, "get connection dead");
	is_int(u, SQL_CD_FALSE, "connection is alive");
	rc = SQLSetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE, (SQLPOINTER)SQL_MODE_READ_ONLY, 0);
	is_int(rc, SQL_SUCCESS, "set access mode");
	rc = SQLGetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE, &u, 0, NULL);
	is_int(u, SQL_MODE_READ_ONLY, "access mode read back");
	rc = SQLSetConnectAttr(dbc, SQL_ATTR_TXN_ISOLATION, (SQLPOINTER)SQL_TXN_SERIALIZABLE, 0);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "serializable isolation is changed");
	is_str(state_of(SQL_HANDLE_DBC, dbc), "01S02", "isolation change is 01S02");
	rc = SQLSetConnectAttr(dbc, 12345, (SQLPOINTER)1, 0);
	is_int(rc, SQL_ERROR, "unknown connection attribute");
	is_str(state_of(SQL_HANDLE_DBC, dbc), "HY092", "unknown attribute is HY092");

	/* SQLGetInfo: strings, truncation, numbers. */
	char buf[256];
	SQLSMALLINT len = 0;
	struct {
		SQLUSMALLINT type;
		const char *want;
	} strs[] = {
		{SQL_DBMS_NAME, "Microsoft Dataverse"}, {SQL_DRIVER_NAME, "libdvodbc.so"},
		{SQL_DRIVER_ODBC_VER, "03.80"}, {SQL_IDENTIFIER_QUOTE_CHAR, "\""},
		{SQL_CATALOG_NAME, "N"}, {SQL_MULT_RESULT_SETS, "N"},
		{SQL_DATA_SOURCE_NAME, "dvtest"}, {SQL_DATA_SOURCE_READ_ONLY, "N"},
		{SQL_SEARCH_PATTERN_ESCAPE, "\\"}, {SQL_DRIVER_VER, "00.01.0000"},
		{SQL_SERVER_NAME, e->url}, {SQL_TABLE_TERM, "table"},
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		rc = SQLGetInfo(dbc, strs[i].type, buf, sizeof(buf), &len);
		is_int(rc, SQL_SUCCESS, "SQLGetInfo %u", (unsigned)strs[i].type);
		is_str(buf, strs[i].want, "SQLGetInfo %u value", (unsigned)strs[i].type);
		is_int(len, strlen(strs[i].want), "SQLGetInfo %u length", (unsigned)strs[i].type);
	}
	rc = SQLGetInfo(dbc, SQL_DBMS_VER, buf, sizeof(buf), &len);
	is_int(rc, SQL_SUCCESS, "DBMS_VER");
	ok(strlen(buf) >= 10 && buf[2] == '.' && buf[5] == '.', "DBMS_VER is ##.##.#### (%s)",
	   buf);
	rc = SQLGetInfo(dbc, SQL_DBMS_NAME, buf, 5, &len);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "DBMS_NAME into 5 bytes");
	is_str(buf, "Micr", "DBMS_NAME truncated");
	if (DV_TEST_IODBC) /* its W->A copy (dm_StrCopyOut2_W2A) reports what it copied */
		is_int(len, 4, "iODBC 3.52: DBMS_NAME length of the truncated copy");
	else
		is_int(len, 19, "DBMS_NAME full length");
	is_str(state_of(SQL_HANDLE_DBC, dbc), "01004", "truncation is 01004");

	struct {
		SQLUSMALLINT type;
		SQLUINTEGER want;
		int small;
	} nums[] = {
		/* static cursors (scroll.c): every orientation, bookmarks, SQLSetPos */
		{SQL_GETDATA_EXTENSIONS, SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER | SQL_GD_BLOCK |
		 SQL_GD_BOUND, 0},
		{SQL_SCROLL_OPTIONS, SQL_SO_FORWARD_ONLY | SQL_SO_STATIC, 0},
		{SQL_FETCH_DIRECTION, SQL_FD_FETCH_NEXT | SQL_FD_FETCH_FIRST | SQL_FD_FETCH_LAST |
		 SQL_FD_FETCH_PRIOR | SQL_FD_FETCH_ABSOLUTE | SQL_FD_FETCH_RELATIVE |
		 SQL_FD_FETCH_BOOKMARK, 0},
		{SQL_STATIC_CURSOR_ATTRIBUTES1, SQL_CA1_NEXT | SQL_CA1_ABSOLUTE | SQL_CA1_RELATIVE |
		 SQL_CA1_BOOKMARK | SQL_CA1_LOCK_NO_CHANGE | SQL_CA1_POS_POSITION |
		 SQL_CA1_POS_UPDATE | SQL_CA1_POS_DELETE | SQL_CA1_POS_REFRESH, 0},
		{SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1, SQL_CA1_NEXT, 0},
		{SQL_SCHEMA_USAGE, 0, 0}, {SQL_CATALOG_USAGE, 0, 0},
		{SQL_TXN_CAPABLE, SQL_TC_DML, 1},
		{SQL_CURSOR_COMMIT_BEHAVIOR, SQL_CB_PRESERVE, 1},
		{SQL_IDENTIFIER_CASE, SQL_IC_MIXED, 1},
		{SQL_MAX_COLUMN_NAME_LEN, 128, 1},
		{SQL_CONCAT_NULL_BEHAVIOR, SQL_CB_NULL, 1},
		{SQL_STRING_FUNCTIONS, 0, 2},
		{SQL_OJ_CAPABILITIES, SQL_OJ_LEFT | SQL_OJ_RIGHT | SQL_OJ_FULL | SQL_OJ_NESTED |
					      SQL_OJ_NOT_ORDERED | SQL_OJ_INNER |
					      SQL_OJ_ALL_COMPARISON_OPS, 0},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		SQLUINTEGER v32 = 0xdead;
		SQLUSMALLINT v16 = 0xbe;
		if (nums[i].small == 1) {
			rc = SQLGetInfo(dbc, nums[i].type, &v16, sizeof(v16), &len);
			is_int(v16, nums[i].want, "SQLGetInfo %u (16 bit)",
			       (unsigned)nums[i].type);
		} else {
			rc = SQLGetInfo(dbc, nums[i].type, &v32, sizeof(v32), &len);
			if (nums[i].small == 2)
				ok((v32 & SQL_FN_STR_UCASE) && (v32 & SQL_FN_STR_SUBSTRING) &&
					   !(v32 & SQL_FN_STR_SOUNDEX),
				   "string functions are sqlparse's escapes");
			else
				is_int(v32, nums[i].want, "SQLGetInfo %u", (unsigned)nums[i].type);
		}
		is_int(rc, SQL_SUCCESS, "SQLGetInfo %u rc", (unsigned)nums[i].type);
	}
	rc = SQLGetInfo(dbc, 9999, buf, sizeof(buf), &len);
	is_int(rc, SQL_ERROR, "unknown info type");
	is_str(state_of(SQL_HANDLE_DBC, dbc), "HY096", "unknown info type is HY096");

	SQLUSMALLINT fns[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE];
	rc = SQLGetFunctions(dbc, SQL_API_ODBC3_ALL_FUNCTIONS, fns);
	is_int(rc, SQL_SUCCESS, "SQLGetFunctions bitmap");
	ok(SQL_FUNC_EXISTS(fns, SQL_API_SQLFETCHSCROLL), "SQLFetchScroll exists");
	ok(SQL_FUNC_EXISTS(fns, SQL_API_SQLCOLUMNS), "SQLColumns exists");
	ok(SQL_FUNC_EXISTS(fns, SQL_API_SQLGETDESCFIELD), "SQLGetDescField exists");
	ok(!SQL_FUNC_EXISTS(fns, SQL_API_SQLBROWSECONNECT), "no SQLBrowseConnect");
	ok(SQL_FUNC_EXISTS(fns, SQL_API_SQLPUTDATA), "SQLPutData exists");
	ok(SQL_FUNC_EXISTS(fns, SQL_API_SQLPARAMDATA), "SQLParamData exists");
	SQLUSMALLINT one = 7;
	rc = SQLGetFunctions(dbc, SQL_API_SQLTABLES, &one);
	is_int(one, SQL_TRUE, "SQLTables exists (single id)");

	/* SQLGetTypeInfo: one row per type, all 19 columns. */
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc = SQLGetTypeInfo(st, SQL_ALL_TYPES);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLGetTypeInfo(SQL_ALL_TYPES)");
	SQLSMALLINT ncols = 0;
	SQLNumResultCols(st, &ncols);
	is_int(ncols, 19, "19 type info columns");
	char *rows = fetch_all(st, 3);
	is_str(rows, "uniqueidentifier|-11|36\nntext|-10|1073741823\nnvarchar|-9|4000\n"
		     "bit|-7|1\nbigint|-5|19\nimage|-4|2147483647\ndecimal|3|38\nmoney|3|19\n"
		     "int|4|10\nfloat|8|15\ndate|91|10\ndatetime|93|19\n",
	       "type info rows (name, type, size)");
	free(rows);
	SQLCloseCursor(st);
	rc = SQLGetTypeInfo(st, SQL_TYPE_TIMESTAMP);
	rows = fetch_all(st, 19);
	is_str(rows, "datetime|93|19|'|'|NULL|1|0|2|NULL|0|NULL|datetime|0|0|9|3|NULL|NULL\n",
	       "SQLGetTypeInfo(SQL_TYPE_TIMESTAMP) row");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	is_int(SQLDisconnect(dbc), SQL_SUCCESS, "disconnect");
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
}

/* Connects with a connection string; returns the rc, the first state and
 * message in state/msg, and the completed string in out. */
static SQLRETURN driver_connect(const char *cs, char *state, char *msg, size_t msg_size,
				char *out, size_t out_size)
{
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc;
	SQLSMALLINT len = 0;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)cs, SQL_NTS, (SQLCHAR *)out,
					(SQLSMALLINT)out_size, &len, SQL_DRIVER_NOPROMPT);
	diag1(SQL_HANDLE_DBC, dbc, state, msg, msg_size);
	if (SQL_SUCCEEDED(rc))
		SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return rc;
}

/* SQLDriverConnect: 01S00 is a warning, the key is ignored and the
 * connection opens (SQLAlchemy's SQL Server URL adds Trusted_Connection=Yes,
 * Microsoft tools APP and WSID); the out string echoes none of them. */
static void test_ignored_keys(void)
{
	static const char *const want[] = {
		"unknown connection key 'Bogus' was ignored (see the driver's list of "
		"connection keys)",
		"connection key 'Trusted_Connection' is not used by this driver and was ignored",
		"connection key 'APP' is not used by this driver and was ignored",
		"unknown connection key 'PageSise' was ignored: did you mean PageSize?",
		"an attribute after the value of Password is not a connection key and was "
		"ignored: if the value holds ';', write it in braces (Password={...}); no part "
		"of the value is shown",
	};
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc;
	SQLCHAR out[1024], st[6], msg[512];
	SQLSMALLINT len = 0, mlen;
	SQLINTEGER native;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)"DSN=dvtest;Bogus=1;"
					"Trusted_Connection=Yes;APP={Microsoft Office};"
					"PageSise=3;PWD=not;shown=1",
					SQL_NTS, out, sizeof(out), &len, SQL_DRIVER_NOPROMPT);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "unknown keys: connected with a warning");
	SQLSMALLINT i;
	if (DV_TEST_IODBC) {
		/* after the driver's connect iODBC 3.52 itself calls its
		 * SQLGetInfoW (SQL_CURSOR_COMMIT_BEHAVIOR, _iodbcdm_getInfo_init),
		 * which clears the driver's diagnostics as every call does */
		rc = SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 1, st, &native, msg, sizeof(msg), &mlen);
		is_int(rc, SQL_NO_DATA, "iODBC 3.52: the warnings are gone");
	}
	for (i = 1; i <= 5 && !DV_TEST_IODBC; i++) {
		rc = SQLGetDiagRec(SQL_HANDLE_DBC, dbc, i, st, &native, msg, sizeof(msg), &mlen);
		is_str(SQL_SUCCEEDED(rc) ? (char *)st : "", "01S00", "warning %d is 01S00", i);
		is_str(SQL_SUCCEEDED(rc) ? (char *)msg + 8 : "", want[i - 1],
		       "warning %d names the key", i);
	}
	ok(strstr((char *)out, "Bogus") == NULL && strstr((char *)out, "Trusted") == NULL &&
	   strstr((char *)out, "APP") == NULL && strstr((char *)out, "PageSise") == NULL &&
	   strstr((char *)out, "shown") == NULL && strstr((char *)out, "Password") == NULL,
	   "the out string has no ignored key nor secret (%s)", out);
	ok(strncmp((char *)out, "DSN=dvtest;", 11) == 0, "out string starts with the DSN");
	SQLHSTMT stmt;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &stmt);
	rc = SQLExecDirect(stmt, (SQLCHAR *)"SELECT count(*) FROM account", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, stmt, "the connection works");
	SQLFreeHandle(SQL_HANDLE_STMT, stmt);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
}

static void test_driver_connect(struct emu *e)
{
	char state[6], msg[512], out[1024], cs[1024];
	SQLRETURN rc = driver_connect(emu_connstr(e), state, msg, sizeof(msg), out, sizeof(out));
	is_int(rc, SQL_SUCCESS, "SQLDriverConnect with a full string");
	ok(strstr(out, "URL=") != NULL, "completed string has the URL (%s)", out);
	ok(strstr(out, EMU_SECRET) == NULL, "completed string has no secret");

	rc = driver_connect("DSN=dvtest", state, msg, sizeof(msg), out, sizeof(out));
	is_int(rc, SQL_SUCCESS, "SQLDriverConnect DSN=dvtest");
	ok(strncmp(out, "DSN=dvtest;", 11) == 0, "completed string starts with the DSN (%s)",
	   out);
	ok(strstr(out, EMU_SECRET) == NULL, "DSN completed string has no secret");

	rc = driver_connect("DSN=dvtest;Bogus=1;StrictConnectionString=1", state, msg,
			    sizeof(msg), out, sizeof(out));
	is_int(rc, SQL_ERROR, "strict: unknown key fails");
	is_str(state, "01S00", "strict: unknown key is 01S00");
	is_str(msg, "[dvodbc]unknown connection key 'Bogus' (see the driver's list of "
		    "connection keys)",
	       "strict: unknown key message");

	test_ignored_keys();

	rc = driver_connect("DSN=dvtest;OAuthClientSecret=wrong", state, msg, sizeof(msg), out,
			    sizeof(out));
	is_int(rc, SQL_ERROR, "bad secret fails");
	is_str(state, "28000", "bad secret is 28000");
	ok(strstr(msg, "wrong") == NULL, "the message does not show the secret");

	snprintf(cs, sizeof(cs),
		 "DRIVER=dvodbc;URL=http://127.0.0.1:1;AuthScheme=AzureServicePrincipal;"
		 "OAuthGrantType=CLIENT;AzureTenant=%s;OAuthClientId=%s;OAuthClientSecret=%s;"
		 "AzureAuthorityHost=http://127.0.0.1:1",
		 EMU_TENANT, EMU_CLIENT_ID, EMU_SECRET);
	rc = driver_connect(cs, state, msg, sizeof(msg), out, sizeof(out));
	is_int(rc, SQL_ERROR, "unreachable service fails");
	is_str(state, "08001", "unreachable service is 08001");

	/* Unreachable Web API with a supplied token (no sign-in request). */
	rc = driver_connect("DRIVER=dvodbc;URL=http://127.0.0.1:1;OAuthAccessToken=abc", state,
			    msg, sizeof(msg), out, sizeof(out));
	is_int(rc, SQL_ERROR, "unreachable Web API fails");
	is_str(state, "08001", "unreachable Web API is 08001");
}

static void test_handles(void)
{
	SQLHENV env = new_env(SQL_OV_ODBC3_80);
	SQLINTEGER v = 0;
	if (DV_TEST_IODBC) {
		/* iODBC 3.52 knows ODBC versions up to 3.51: it refuses 3.80 itself */
		SQLINTEGER v3 = 0;
		SQLGetEnvAttr(env, SQL_ATTR_ODBC_VERSION, &v3, 0, NULL);
		is_int(v3, 0, "iODBC 3.52 refuses SQL_OV_ODBC3_80 (no version set)");
		SQLFreeHandle(SQL_HANDLE_ENV, env);
		env = new_env(SQL_OV_ODBC3);
	}
	is_int(SQLGetEnvAttr(env, SQL_ATTR_ODBC_VERSION, &v, 0, NULL), SQL_SUCCESS,
	       "get ODBC version");
	if (DV_TEST_IODBC)
		is_int(v, SQL_OV_ODBC3, "ODBC version 3 (iODBC)");
	else
		is_int(v, SQL_OV_ODBC3_80, "ODBC version 3.80");
	SQLHDBC dbc;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLHSTMT st;
	if (DV_TEST_IODBC) {
		/* the call never reaches the driver: libiodbc 3.52.9 itself crashes */
		skip_check("no statement before connecting",
			   "iODBC 3.52 crashes in SQLAllocHandle(SQL_HANDLE_STMT) on an "
			   "unconnected handle");
	} else {
		SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		is_int(rc, SQL_ERROR, "no statement before connecting");
		is_str(state_of(SQL_HANDLE_DBC, dbc), "08003",
		       "statement before connecting is 08003");
	}
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
}

int main(void)
{
	struct emu e;
	start_emulator(&e, "--rows 20 --seed 1", NULL);
	test_handles();
	test_connect_dsn(&e);
	test_driver_connect(&e);
	emu_stop(&e);
	return tap_done();
}
