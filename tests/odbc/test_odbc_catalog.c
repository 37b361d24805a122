/* test_odbc_catalog.c - the catalog functions through unixODBC: SQLTables
 * (and its enumerations), SQLColumns, SQLPrimaryKeys, SQLForeignKeys,
 * SQLStatistics, SQLSpecialColumns, the empty privilege result sets, the
 * shape of the procedure ones (their rows: test_odbc_procedures.c), and the
 * W entry points. */
#include "odbc_test.h"

static SQLSMALLINT ncols(SQLHSTMT st)
{
	SQLSMALLINT n = 0;
	SQLNumResultCols(st, &n);
	return n;
}

static char *colname(SQLHSTMT st, SQLUSMALLINT c)
{
	static char name[64];
	SQLDescribeCol(st, c, (SQLCHAR *)name, sizeof(name), NULL, NULL, NULL, NULL, NULL);
	return name;
}

#define ALL_TABLES \
	"NULL|NULL|account|TABLE|Account\n" \
	"NULL|NULL|businessunit|TABLE|Business Unit\n" \
	"NULL|NULL|contact|TABLE|Contact\n" \
	"NULL|NULL|lead|TABLE|Lead\n" \
	"NULL|NULL|new_project|TABLE|Project\n" \
	"NULL|NULL|opportunity|TABLE|Opportunity\n" \
	"NULL|NULL|role|TABLE|Security Role\n" \
	"NULL|NULL|systemuser|TABLE|User\n" \
	"NULL|NULL|systemuserroles|TABLE|User Roles\n" \
	"NULL|NULL|team|TABLE|Team\n" \
	"NULL|NULL|transactioncurrency|TABLE|Currency\n"

static void tables(SQLHSTMT st, const char *cat, const char *sch, const char *tab,
		   const char *type, const char *want, const char *what)
{
	SQLRETURN rc = SQLTables(st, (SQLCHAR *)cat, SQL_NTS, (SQLCHAR *)sch, SQL_NTS,
				 (SQLCHAR *)tab, SQL_NTS, (SQLCHAR *)type, SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, what);
	char *rows = fetch_all(st, 5);
	is_str(rows, want, "%s: rows", what);
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
}

static void test_tables(SQLHSTMT st)
{
	SQLRETURN rc = SQLTables(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
	is_int(rc, SQL_SUCCESS, "SQLTables with NULL arguments");
	is_int(ncols(st), 5, "SQLTables has 5 columns");
	is_str(colname(st, 1), "TABLE_CAT", "ODBC 3 name TABLE_CAT");
	is_str(colname(st, 2), "TABLE_SCHEM", "ODBC 3 name TABLE_SCHEM");
	SQLFreeStmt(st, SQL_CLOSE);
	tables(st, NULL, NULL, NULL, NULL, ALL_TABLES, "all tables");
	tables(st, NULL, NULL, "%", "TABLE,VIEW", ALL_TABLES, "type list with TABLE");
	tables(st, NULL, NULL, "%", "'VIEW'", "", "type list without TABLE");
	tables(st, NULL, NULL, "%user%", NULL,
	       "NULL|NULL|systemuser|TABLE|User\nNULL|NULL|systemuserroles|TABLE|User Roles\n",
	       "pattern %user%");
	tables(st, NULL, NULL, "ACCOUNT", NULL, "NULL|NULL|account|TABLE|Account\n",
	       "case-insensitive name");
	tables(st, NULL, NULL, "new\\_project", NULL, "NULL|NULL|new_project|TABLE|Project\n",
	       "escaped underscore");
	tables(st, NULL, NULL, "te_m", NULL, "NULL|NULL|team|TABLE|Team\n", "underscore wildcard");
	tables(st, "", "", "", "%", "NULL|NULL|NULL|TABLE|NULL\n", "SQL_ALL_TABLE_TYPES");
	tables(st, "%", "", "", NULL, "", "SQL_ALL_CATALOGS (none)");
	tables(st, "", "%", "", NULL, "", "SQL_ALL_SCHEMAS (none)");
	tables(st, NULL, "dbo", "%", NULL, "", "a schema that does not exist");

	SQLWCHAR wt[16];
	rc = SQLTablesW(st, NULL, 0, NULL, 0, to_w("contact", wt, 16), SQL_NTS, NULL, 0);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLTablesW");
	char *rows = fetch_all(st, 5);
	is_str(rows, "NULL|NULL|contact|TABLE|Contact\n", "SQLTablesW rows");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
}

static void test_columns(SQLHSTMT st)
{
	SQLRETURN rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS, NULL, 0);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLColumns account");
	is_int(ncols(st), 18, "SQLColumns has 18 columns");
	is_str(colname(st, 7), "COLUMN_SIZE", "ODBC 3 name COLUMN_SIZE");
	is_str(colname(st, 18), "IS_NULLABLE", "18th column");
	char *rows = fetch_all(st, 18);
	/* octet lengths of text: characters times sizeof(SQLWCHAR) (2, or 4 for iODBC) */
	const int wb = (int)sizeof(SQLWCHAR);
	char want[1024];
	snprintf(want, sizeof(want),
		 "NULL|NULL|account|accountid|-11|uniqueidentifier|36|16|NULL|NULL|0|Account|NULL|"
		 "-11|NULL|NULL|1|NO\n"
		 "NULL|NULL|account|name|-9|nvarchar|160|%d|NULL|NULL|1|Account Name|NULL|-9|NULL|"
		 "%d|2|YES\n"
		 "NULL|NULL|account|accountnumber|-9|nvarchar|20|%d|NULL|NULL|1|Account Number|"
		 "NULL|-9|NULL|%d|3|YES\n"
		 "NULL|NULL|account|description|-10|ntext|2000|%d|NULL|NULL|1|Description|NULL|"
		 "-10|NULL|%d|4|YES\n",
		 160 * wb, 160 * wb, 20 * wb, 20 * wb, 2000 * wb, 2000 * wb);
	ok(rows && strncmp(rows, want, strlen(want)) == 0, "first four columns of account");
	if (rows && strncmp(rows, want, strlen(want)) != 0)
		tap_diag("got:\n%.600s", rows);
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS,
			(SQLCHAR *)"createdon", SQL_NTS);
	rows = fetch_all(st, 18);
	ok(rows && strstr(rows, "|createdon|93|datetime|19|16|0|NULL|") != NULL &&
		   strstr(rows, "|9|3|NULL|") != NULL,
	   "datetime column: type 93, size 19, SQL_DATA_TYPE 9, subcode 3");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS,
			(SQLCHAR *)"revenue", SQL_NTS);
	rows = fetch_all(st, 18);
	ok(rows && strstr(rows, "|revenue|3|money|19|21|2|10|1|") != NULL,
	   "money column: decimal(19,2), radix 10");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"%", SQL_NTS,
			(SQLCHAR *)"address1\\_city", SQL_NTS);
	rows = fetch_all(st, 4);
	ok(rows && strstr(rows, "NULL|NULL|account|address1_city\n") == rows &&
		   strstr(rows, "NULL|NULL|contact|address1_city\n") != NULL,
	   "one column across tables");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	SQLWCHAR wt[16], wc[16];
	rc = SQLColumnsW(st, NULL, 0, NULL, 0, to_w("contact", wt, 16), SQL_NTS,
			 to_w("fullname", wc, 16), SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLColumnsW");
	rows = fetch_all(st, 6);
	is_str(rows, "NULL|NULL|contact|fullname|-9|nvarchar\n", "SQLColumnsW row");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
}

static void test_keys(SQLHSTMT st)
{
	SQLRETURN rc = SQLPrimaryKeys(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLPrimaryKeys");
	char *rows = fetch_all(st, 6);
	is_str(rows, "NULL|NULL|account|accountid|1|PK_account\n", "primary key row");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLPrimaryKeys(st, NULL, 0, NULL, 0, (SQLCHAR *)"acc%", SQL_NTS);
	rows = fetch_all(st, 6);
	is_str(rows, "", "the table argument is not a pattern");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLForeignKeys(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
			    (SQLCHAR *)"contact", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLForeignKeys of contact");
	is_int(ncols(st), 14, "SQLForeignKeys has 14 columns");
	rows = fetch_all(st, 14);
	is_str(rows,
	       "NULL|NULL|account|accountid|NULL|NULL|contact|parentcustomerid|1|3|3|"
	       "contact_customer_accounts|PK_account|7\n"
	       "NULL|NULL|businessunit|businessunitid|NULL|NULL|contact|owningbusinessunit|1|3|3|"
	       "business_unit_contact|PK_businessunit|7\n"
	       "NULL|NULL|contact|contactid|NULL|NULL|contact|parentcustomerid|1|3|3|"
	       "contact_customer_contacts|PK_contact|7\n"
	       "NULL|NULL|systemuser|systemuserid|NULL|NULL|contact|createdby|1|3|3|"
	       "lk_contactbase_createdby|PK_systemuser|7\n"
	       "NULL|NULL|systemuser|systemuserid|NULL|NULL|contact|modifiedby|1|3|3|"
	       "lk_contactbase_modifiedby|PK_systemuser|7\n"
	       "NULL|NULL|systemuser|systemuserid|NULL|NULL|contact|ownerid|1|3|3|"
	       "user_contact|PK_systemuser|7\n"
	       "NULL|NULL|team|teamid|NULL|NULL|contact|ownerid|1|3|3|team_contact|PK_team|7\n"
	       "NULL|NULL|transactioncurrency|transactioncurrencyid|NULL|NULL|contact|"
	       "transactioncurrencyid|1|3|3|TransactionCurrency_contact|"
	       "PK_transactioncurrency|7\n",
	       "contact's foreign keys ordered by PKTABLE_NAME");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLForeignKeys(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS, NULL, 0, NULL,
			    0, (SQLCHAR *)"contact", SQL_NTS);
	rows = fetch_all(st, 14);
	is_str(rows, "NULL|NULL|account|accountid|NULL|NULL|contact|parentcustomerid|1|3|3|"
		     "contact_customer_accounts|PK_account|7\n",
	       "contact -> account only");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLStatistics(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS, SQL_INDEX_ALL,
			   SQL_QUICK);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLStatistics");
	is_int(ncols(st), 13, "SQLStatistics has 13 columns");
	rows = fetch_all(st, 13);
	is_str(rows, "NULL|NULL|account|0|NULL|PK_account|3|1|accountid|A|NULL|NULL|NULL\n",
	       "primary key as a unique index");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLSpecialColumns(st, SQL_BEST_ROWID, NULL, 0, NULL, 0, (SQLCHAR *)"account",
			       SQL_NTS, SQL_SCOPE_SESSION, SQL_NULLABLE);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLSpecialColumns");
	rows = fetch_all(st, 8);
	is_str(rows, "2|accountid|-11|uniqueidentifier|36|16|NULL|1\n", "best row id");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
	rc = SQLSpecialColumns(st, SQL_ROWVER, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS,
			       SQL_SCOPE_SESSION, SQL_NULLABLE);
	rows = fetch_all(st, 8);
	is_str(rows, "", "no row version columns");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
}

static void test_empty_sets(SQLHSTMT st)
{
	struct {
		SQLRETURN rc;
		int ncols;
		const char *what;
	} cases[4];
	cases[0].rc = SQLTablePrivileges(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS);
	cases[0].ncols = ncols(st);
	cases[0].what = "SQLTablePrivileges";
	is_int(SQLFetch(st), SQL_NO_DATA, "no table privileges");
	SQLFreeStmt(st, SQL_CLOSE);
	cases[1].rc = SQLColumnPrivileges(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS,
					  NULL, 0);
	cases[1].ncols = ncols(st);
	cases[1].what = "SQLColumnPrivileges";
	is_int(SQLFetch(st), SQL_NO_DATA, "no column privileges");
	SQLFreeStmt(st, SQL_CLOSE);
	cases[2].rc = SQLProcedures(st, NULL, 0, NULL, 0, NULL, 0);
	cases[2].ncols = ncols(st);
	cases[2].what = "SQLProcedures";
	/* the service's functions and actions: test_odbc_procedures.c checks the rows */
	is_int(SQLFetch(st), SQL_SUCCESS, "procedures listed");
	SQLFreeStmt(st, SQL_CLOSE);
	cases[3].rc = SQLProcedureColumns(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
	cases[3].ncols = ncols(st);
	cases[3].what = "SQLProcedureColumns";
	SQLFreeStmt(st, SQL_CLOSE);
	const int want[] = {7, 8, 8, 19};
	for (int i = 0; i < 4; i++) {
		is_int(cases[i].rc, SQL_SUCCESS, "%s succeeds", cases[i].what);
		is_int(cases[i].ncols, want[i], "%s columns", cases[i].what);
	}
}

/* Sizes applications allocate by (rows x column size): an image column is
 * its MaxSizeInKB x 1024 bytes, a memo and a string their MaxLength, the
 * same in SQLColumns (COLUMN_SIZE, BUFFER_LENGTH, CHAR_OCTET_LENGTH),
 * SQLDescribeCol and SQLColAttribute. */
static void test_sizes(SQLHSTMT st)
{
	static const struct {
		const char *table, *column;
		SQLSMALLINT type;
		SQLULEN size;
		SQLLEN octets;
	} cases[] = {
		{"account", "entityimage", SQL_LONGVARBINARY, 10485760, 10485760},
		{"new_project", "new_image", SQL_LONGVARBINARY, 31457280, 31457280},
		{"account", "description", SQL_WLONGVARCHAR, 2000, 2000 * sizeof(SQLWCHAR)},
		{"account", "name", SQL_WVARCHAR, 160, 160 * sizeof(SQLWCHAR)},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[160], sql[128], name[64];
		SQLRETURN rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)cases[i].table, SQL_NTS,
					  (SQLCHAR *)cases[i].column, SQL_NTS);
		char *rows = fetch_all(st, 16);
		snprintf(want, sizeof(want), "|%s|%d|", cases[i].column, (int)cases[i].type);
		ok(rows && strstr(rows, want), "SQLColumns %s.%s (%s)", cases[i].table,
		   cases[i].column, rows ? rows : "none");
		const char *p = rows ? strstr(rows, want) : NULL;
		long size = -1, buflen = -1, octets = -1;
		if (p)
			sscanf(p + strlen(want), "%*[^|]|%ld|%ld|%*[^|]|%*[^|]|%*[^|]|%*[^|]|%*[^|]|"
			       "%*[^|]|%*[^|]|%ld", &size, &buflen, &octets);
		is_int(size, (long)cases[i].size, "  COLUMN_SIZE");
		is_int(buflen, (long)cases[i].octets, "  BUFFER_LENGTH");
		is_int(octets, (long)cases[i].octets, "  CHAR_OCTET_LENGTH");
		free(rows);
		SQLFreeStmt(st, SQL_CLOSE);

		snprintf(sql, sizeof(sql), "SELECT %s FROM %s", cases[i].column, cases[i].table);
		rc = SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS);
		rc_ok(rc, SQL_HANDLE_STMT, st, sql);
		SQLSMALLINT type = 0, nlen, dig, nul;
		SQLULEN csize = 0;
		SQLLEN len = 0, oct = 0;
		SQLDescribeCol(st, 1, (SQLCHAR *)name, sizeof(name), &nlen, &type, &csize, &dig,
			       &nul);
		is_int(type, cases[i].type, "  SQLDescribeCol type");
		is_int((long)csize, (long)cases[i].size, "  SQLDescribeCol size");
		SQLColAttribute(st, 1, SQL_DESC_LENGTH, NULL, 0, NULL, &len);
		SQLColAttribute(st, 1, SQL_DESC_OCTET_LENGTH, NULL, 0, NULL, &oct);
		is_int((long)len, (long)cases[i].size, "  SQL_DESC_LENGTH");
		is_int((long)oct, (long)cases[i].octets, "  SQL_DESC_OCTET_LENGTH");
		SQLFreeStmt(st, SQL_CLOSE);
	}
}

static void test_fetch_into_bound(SQLHSTMT st)
{
	/* Catalog results go through the same descriptors as query results. */
	char name[64];
	SQLSMALLINT type = 0;
	SQLLEN ind1, ind2;
	SQLBindCol(st, 4, SQL_C_CHAR, name, sizeof(name), &ind1);
	SQLBindCol(st, 5, SQL_C_SSHORT, &type, 0, &ind2);
	SQLRETURN rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"team", SQL_NTS,
				  (SQLCHAR *)"name", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLColumns with bound columns");
	is_int(SQLFetch(st), SQL_SUCCESS, "fetch the column row");
	is_str(name, "name", "bound COLUMN_NAME");
	is_int(type, SQL_WVARCHAR, "bound DATA_TYPE");
	SQLFreeStmt(st, SQL_CLOSE);
	SQLFreeStmt(st, SQL_UNBIND);
}

int main(void)
{
	struct emu e;
	start_emulator(&e, "--rows 20 --seed 1", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	test_tables(st);
	test_columns(st);
	test_keys(st);
	test_sizes(st);
	test_empty_sets(st);
	test_fetch_into_bound(st);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	disconnect(env, dbc);
	emu_stop(&e);
	return tap_done();
}
