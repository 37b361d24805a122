/* test_eng_decimal.c - Decimal and Money values reach the client exactly.
 *
 * Through the driver manager: a money value whose service text does not
 * survive a double ("922337203685476.6000": the nearest double is
 * ...476.625) comes back digit for digit as SQL_C_CHAR (at the column's
 * scale, 2) and SQL_C_NUMERIC, while an ordinary decimal stays a REAL in
 * the engine and prints the same.  The old mapping (always REAL) printed
 * "922337203685476.62".  Values: docs/type-mapping.md. */
#include "odbc_test.h"

static struct emu emu;

static SQLHSTMT exec(SQLHDBC dbc, const char *sql)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, sql);
	return st;
}

static unsigned long long numeric_value(const SQL_NUMERIC_STRUCT *ns)
{
	unsigned long long v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | ns->val[i];
	return v;
}

int main(void)
{
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT st;
	SQLHDESC ard = NULL;
	SQL_NUMERIC_STRUCT ns;
	SQLLEN ind = 0;
	char *rows;
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	env = new_env(SQL_OV_ODBC3);
	dbc = connect_dsn(env);

	st = exec(dbc, "INSERT INTO new_project (new_name, new_budget, new_ratio) "
		  "VALUES ('decimal test', '922337203685476.58', '12.3456')");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	st = exec(dbc, "SELECT new_budget, new_ratio, typeof(new_budget), typeof(new_ratio) "
		  "FROM new_project WHERE new_name = 'decimal test'");
	rows = fetch_all(st, 4);
	/* the service (emulator) keeps a double and sends it as
	 * "922337203685476.6000"; the driver hands out exactly that, at scale 2 */
	is_str(rows, "922337203685476.60|12.3456|text|real\n",
	       "exact text at the column's scale; REAL where the double is exact");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* SQL_C_NUMERIC with precision 19, scale 2 through the ARD */
	st = exec(dbc, "SELECT new_budget FROM new_project WHERE new_name = 'decimal test'");
	memset(&ns, 0, sizeof(ns));
	SQLBindCol(st, 1, SQL_C_NUMERIC, &ns, sizeof(ns), &ind);
	SQLGetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, &ard, 0, NULL);
	SQLSetDescField(ard, 1, SQL_DESC_TYPE, (SQLPOINTER)SQL_C_NUMERIC, 0);
	SQLSetDescField(ard, 1, SQL_DESC_PRECISION, (SQLPOINTER)19, 0);
	SQLSetDescField(ard, 1, SQL_DESC_SCALE, (SQLPOINTER)2, 0);
	SQLSetDescField(ard, 1, SQL_DESC_DATA_PTR, &ns, 0);
	SQLSetDescField(ard, 1, SQL_DESC_INDICATOR_PTR, &ind, 0);
	SQLSetDescField(ard, 1, SQL_DESC_OCTET_LENGTH_PTR, &ind, 0);
	rc_ok(SQLFetch(st), SQL_HANDLE_STMT, st, "fetch as SQL_C_NUMERIC");
	is_int(ns.scale, 2, "numeric scale");
	is_int(ns.sign, 1, "numeric sign");
	ok(numeric_value(&ns) == 92233720368547660ULL, "numeric digits exact (%llu)",
	   numeric_value(&ns));
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* an ordinary money value prints at its scale */
	st = exec(dbc, "SELECT revenue FROM account WHERE name = 'VanArsdel S.A. 19'");
	rows = fetch_all(st, 1);
	is_str(rows, "1362000.65\n", "money at scale 2");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	disconnect(env, dbc);
	emu_stop(&emu);
	return tap_done();
}
