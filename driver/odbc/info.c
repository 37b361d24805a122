/* info.c - what the driver says about itself.
 *
 * Owns: SQLGetInfo (every value true to what the driver does: a read-mostly,
 * single-result-set driver with forward-only and static cursors (scroll.c:
 * every fetch orientation, bookmarks, SQLSetPos) and without catalogs or
 * schemas, whose
 * scalar functions are the ODBC escapes sqlparse rewrites), SQLGetFunctions
 * (the ODBC 3 bitmap and the ODBC 2 array) and SQLGetTypeInfo.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlgetinfo-function */
#include "odbc/info.h"
#include "odbc/dbc.h"
#include "odbc/rowset.h"
#include "odbc/stmt.h"
#include "odbc/types.h"

#include <string.h>

#include "config.h"

#define DV_DRIVER_VER "00.01.0000"

static SQLRETURN str(struct dv_info_value *o, const char *s)
{
	o->kind = DV_INFO_STR;
	o->str = s;
	return SQL_SUCCESS;
}

static SQLRETURN u16(struct dv_info_value *o, SQLUINTEGER v)
{
	o->kind = DV_INFO_USMALLINT;
	o->num = v;
	return SQL_SUCCESS;
}

static SQLRETURN u32(struct dv_info_value *o, SQLUINTEGER v)
{
	o->kind = DV_INFO_UINTEGER;
	o->num = v;
	return SQL_SUCCESS;
}

/* CONVERT / CAST targets by source (sqlfuncs.c dv_cast): text converts to
 * anything (22018 when the value does not), numbers to text and numbers,
 * date-times to text and the date-time types that hold them, GUIDs to text,
 * binary values to binary and, when 16 bytes long, to GUIDs.
 * https://learn.microsoft.com/sql/odbc/reference/appendixes/explicit-data-type-conversion-function */
#define CVT_TEXT (SQL_CVT_CHAR | SQL_CVT_VARCHAR | SQL_CVT_LONGVARCHAR | SQL_CVT_WCHAR | \
		  SQL_CVT_WVARCHAR | SQL_CVT_WLONGVARCHAR)
#define CVT_NUM (SQL_CVT_INTEGER | SQL_CVT_BIGINT | SQL_CVT_SMALLINT | SQL_CVT_TINYINT | \
		 SQL_CVT_BIT | SQL_CVT_DOUBLE | SQL_CVT_FLOAT | SQL_CVT_REAL | SQL_CVT_DECIMAL | \
		 SQL_CVT_NUMERIC)
#define CVT_BIN (SQL_CVT_BINARY | SQL_CVT_VARBINARY | SQL_CVT_LONGVARBINARY)
#define CVT_ALL (CVT_TEXT | CVT_NUM | SQL_CVT_DATE | SQL_CVT_TIME | SQL_CVT_TIMESTAMP | \
		 CVT_BIN | SQL_CVT_GUID)

/* The escapes sqlparse/escape.c rewrites (every one tested by
 * tests/odbc/test_odbc_functions.c). */
#define STRING_FNS (SQL_FN_STR_ASCII | SQL_FN_STR_BIT_LENGTH | SQL_FN_STR_CHAR | \
		    SQL_FN_STR_CHAR_LENGTH | SQL_FN_STR_CHARACTER_LENGTH | SQL_FN_STR_CONCAT | \
		    SQL_FN_STR_INSERT | SQL_FN_STR_LCASE | SQL_FN_STR_LEFT | SQL_FN_STR_LENGTH | \
		    SQL_FN_STR_LOCATE | SQL_FN_STR_LOCATE_2 | SQL_FN_STR_LTRIM | \
		    SQL_FN_STR_OCTET_LENGTH | SQL_FN_STR_REPEAT | SQL_FN_STR_REPLACE | \
		    SQL_FN_STR_RIGHT | SQL_FN_STR_RTRIM | SQL_FN_STR_SPACE | \
		    SQL_FN_STR_SUBSTRING | SQL_FN_STR_UCASE)
#define NUMERIC_FNS (SQL_FN_NUM_ABS | SQL_FN_NUM_ACOS | SQL_FN_NUM_ASIN | SQL_FN_NUM_ATAN | \
		     SQL_FN_NUM_ATAN2 | SQL_FN_NUM_CEILING | SQL_FN_NUM_COS | SQL_FN_NUM_COT | \
		     SQL_FN_NUM_DEGREES | SQL_FN_NUM_EXP | SQL_FN_NUM_FLOOR | SQL_FN_NUM_LOG | \
		     SQL_FN_NUM_LOG10 | SQL_FN_NUM_MOD | SQL_FN_NUM_PI | SQL_FN_NUM_POWER | \
		     SQL_FN_NUM_RADIANS | SQL_FN_NUM_ROUND | SQL_FN_NUM_SIGN | SQL_FN_NUM_SIN | \
		     SQL_FN_NUM_SQRT | SQL_FN_NUM_TAN | SQL_FN_NUM_TRUNCATE)
#define TIMEDATE_FNS (SQL_FN_TD_CURDATE | SQL_FN_TD_CURRENT_DATE | SQL_FN_TD_CURRENT_TIME | \
		      SQL_FN_TD_CURRENT_TIMESTAMP | SQL_FN_TD_CURTIME | SQL_FN_TD_DAYNAME | \
		      SQL_FN_TD_DAYOFMONTH | SQL_FN_TD_DAYOFWEEK | SQL_FN_TD_DAYOFYEAR | \
		      SQL_FN_TD_HOUR | SQL_FN_TD_MINUTE | SQL_FN_TD_MONTH | \
		      SQL_FN_TD_MONTHNAME | SQL_FN_TD_NOW | SQL_FN_TD_QUARTER | \
		      SQL_FN_TD_SECOND | SQL_FN_TD_TIMESTAMPADD | SQL_FN_TD_TIMESTAMPDIFF | \
		      SQL_FN_TD_WEEK | SQL_FN_TD_YEAR)
#define TSI_ALL (SQL_FN_TSI_FRAC_SECOND | SQL_FN_TSI_SECOND | SQL_FN_TSI_MINUTE | \
		 SQL_FN_TSI_HOUR | SQL_FN_TSI_DAY | SQL_FN_TSI_WEEK | SQL_FN_TSI_MONTH | \
		 SQL_FN_TSI_QUARTER | SQL_FN_TSI_YEAR)

static SQLRETURN info_strings(struct dv_dbc *dbc, SQLUSMALLINT type, struct dv_info_value *o)
{
	switch (type) {
	case SQL_ACCESSIBLE_PROCEDURES: return str(o, "N");
	case SQL_ACCESSIBLE_TABLES: return str(o, "Y");
	case SQL_CATALOG_NAME: return str(o, "N");
	case SQL_CATALOG_NAME_SEPARATOR: return str(o, "");
	case SQL_CATALOG_TERM: return str(o, "");
	case SQL_COLLATION_SEQ: return str(o, "");
	case SQL_COLUMN_ALIAS: return str(o, "Y");
	case SQL_DATA_SOURCE_NAME: return str(o, dbc->dsn ? dbc->dsn : "");
	case SQL_DATA_SOURCE_READ_ONLY: return str(o, "N");
	case SQL_DATABASE_NAME: return str(o, "");
	case SQL_DBMS_NAME: return str(o, "Microsoft Dataverse");
	case SQL_DBMS_VER: return str(o, dv_dbc_dbms_ver(dbc));
	case SQL_DESCRIBE_PARAMETER: return str(o, "Y");
	case SQL_DRIVER_NAME: return str(o, "libdvodbc.so");
	case SQL_DRIVER_ODBC_VER: return str(o, "03.80");
	case SQL_DRIVER_VER: return str(o, DV_DRIVER_VER);
	case SQL_EXPRESSIONS_IN_ORDERBY: return str(o, "Y");
	case SQL_IDENTIFIER_QUOTE_CHAR: return str(o, "\"");
	case SQL_INTEGRITY: return str(o, "N");
	case SQL_KEYWORDS: return str(o, "");
	case SQL_LIKE_ESCAPE_CLAUSE: return str(o, "Y");
	case SQL_MAX_ROW_SIZE_INCLUDES_LONG: return str(o, "N");
	case SQL_MULT_RESULT_SETS: return str(o, "N");
	case SQL_MULTIPLE_ACTIVE_TXN: return str(o, "Y");
	case SQL_NEED_LONG_DATA_LEN: return str(o, "N");
	case SQL_ORDER_BY_COLUMNS_IN_SELECT: return str(o, "N");
	case SQL_OUTER_JOINS: return str(o, "Y");
	case SQL_PROCEDURE_TERM: return str(o, "procedure");
	case SQL_PROCEDURES: return str(o, "Y"); /* functions and actions: call.c */
	case SQL_ROW_UPDATES: return str(o, "N");
	case SQL_SCHEMA_TERM: return str(o, "");
	case SQL_SEARCH_PATTERN_ESCAPE: return str(o, "\\");
	case SQL_SERVER_NAME: return str(o, dbc->server_name ? dbc->server_name : "");
	case SQL_SPECIAL_CHARACTERS: return str(o, "");
	case SQL_TABLE_TERM: return str(o, "table");
	case SQL_USER_NAME: return str(o, dbc->user_name ? dbc->user_name : "");
	case SQL_XOPEN_CLI_YEAR: return str(o, "1995");
	default: return SQL_NO_DATA;
	}
}

static SQLRETURN info_small(SQLUSMALLINT type, struct dv_info_value *o)
{
	switch (type) {
	case SQL_ACTIVE_ENVIRONMENTS: return u16(o, 0);
	case SQL_CATALOG_LOCATION: return u16(o, 0);
	case SQL_CONCAT_NULL_BEHAVIOR: return u16(o, SQL_CB_NULL);
	case SQL_CORRELATION_NAME: return u16(o, SQL_CN_ANY);
	case SQL_CURSOR_COMMIT_BEHAVIOR: return u16(o, SQL_CB_PRESERVE);
	case SQL_CURSOR_ROLLBACK_BEHAVIOR: return u16(o, SQL_CB_PRESERVE);
	case SQL_FILE_USAGE: return u16(o, SQL_FILE_NOT_SUPPORTED);
	case SQL_GROUP_BY: return u16(o, SQL_GB_GROUP_BY_CONTAINS_SELECT);
	case SQL_IDENTIFIER_CASE: return u16(o, SQL_IC_MIXED);
	case SQL_MAX_CATALOG_NAME_LEN: return u16(o, 0);
	case SQL_MAX_COLUMN_NAME_LEN: return u16(o, 128);
	case SQL_MAX_COLUMNS_IN_GROUP_BY: return u16(o, 0);
	case SQL_MAX_COLUMNS_IN_INDEX: return u16(o, 0);
	case SQL_MAX_COLUMNS_IN_ORDER_BY: return u16(o, 0);
	case SQL_MAX_COLUMNS_IN_SELECT: return u16(o, 0);
	case SQL_MAX_COLUMNS_IN_TABLE: return u16(o, 0);
	case SQL_MAX_CONCURRENT_ACTIVITIES: return u16(o, 0);
	case SQL_MAX_CURSOR_NAME_LEN: return u16(o, 128);
	case SQL_MAX_DRIVER_CONNECTIONS: return u16(o, 0);
	case SQL_MAX_IDENTIFIER_LEN: return u16(o, 128);
	case SQL_MAX_PROCEDURE_NAME_LEN: return u16(o, 0);
	case SQL_MAX_SCHEMA_NAME_LEN: return u16(o, 0);
	case SQL_MAX_TABLE_NAME_LEN: return u16(o, 128);
	case SQL_MAX_TABLES_IN_SELECT: return u16(o, 0);
	case SQL_MAX_USER_NAME_LEN: return u16(o, 0);
	case SQL_NON_NULLABLE_COLUMNS: return u16(o, SQL_NNC_NULL);
	case SQL_NULL_COLLATION: return u16(o, SQL_NC_LOW);
	case SQL_ODBC_API_CONFORMANCE: return u16(o, SQL_OAC_LEVEL1);
	case SQL_ODBC_SAG_CLI_CONFORMANCE: return u16(o, SQL_OSCC_COMPLIANT);
	case SQL_ODBC_SQL_CONFORMANCE: return u16(o, SQL_OSC_MINIMUM);
	case SQL_QUOTED_IDENTIFIER_CASE: return u16(o, SQL_IC_MIXED);
	/* Writes are transactional (SQLEndTran sends them as change sets, each
	 * atomic up to 1000 operations: docs/writes.md); no DDL. */
	case SQL_TXN_CAPABLE: return u16(o, SQL_TC_DML);
	default: return SQL_NO_DATA;
	}
}

static SQLRETURN info_masks(SQLUSMALLINT type, struct dv_info_value *o)
{
	switch (type) {
	case SQL_AGGREGATE_FUNCTIONS: return u32(o, SQL_AF_ALL);
	case SQL_ALTER_DOMAIN: case SQL_ALTER_TABLE: case SQL_CREATE_ASSERTION:
	case SQL_CREATE_CHARACTER_SET: case SQL_CREATE_COLLATION: case SQL_CREATE_DOMAIN:
	case SQL_CREATE_SCHEMA: case SQL_CREATE_TABLE: case SQL_CREATE_TRANSLATION:
	case SQL_CREATE_VIEW: case SQL_DROP_ASSERTION: case SQL_DROP_CHARACTER_SET:
	case SQL_DROP_COLLATION: case SQL_DROP_DOMAIN: case SQL_DROP_SCHEMA:
	case SQL_DROP_TABLE: case SQL_DROP_TRANSLATION: case SQL_DROP_VIEW:
	case SQL_DDL_INDEX: case SQL_INDEX_KEYWORDS: case SQL_INFO_SCHEMA_VIEWS:
		return u32(o, 0);
	case SQL_ASYNC_MODE: return u32(o, SQL_AM_NONE);
	case SQL_MAX_ASYNC_CONCURRENT_STATEMENTS: return u32(o, 0);
	case SQL_BATCH_ROW_COUNT: case SQL_BATCH_SUPPORT: return u32(o, 0);
	/* A bookmark is the row's number in the static cursor's store: valid
	 * while the cursor is open, whatever is fetched, updated, deleted or
	 * committed meanwhile. */
	case SQL_BOOKMARK_PERSISTENCE:
		return u32(o, SQL_BP_DELETE | SQL_BP_SCROLL | SQL_BP_TRANSACTION | SQL_BP_UPDATE);
	case SQL_CATALOG_USAGE: case SQL_SCHEMA_USAGE: return u32(o, 0);
	case SQL_CONVERT_CHAR: case SQL_CONVERT_VARCHAR: case SQL_CONVERT_LONGVARCHAR:
	case SQL_CONVERT_WCHAR: case SQL_CONVERT_WVARCHAR: case SQL_CONVERT_WLONGVARCHAR:
		return u32(o, CVT_ALL);
	case SQL_CONVERT_BIGINT: case SQL_CONVERT_BIT: case SQL_CONVERT_DECIMAL:
	case SQL_CONVERT_DOUBLE: case SQL_CONVERT_FLOAT: case SQL_CONVERT_INTEGER:
	case SQL_CONVERT_NUMERIC: case SQL_CONVERT_REAL: case SQL_CONVERT_SMALLINT:
	case SQL_CONVERT_TINYINT:
		return u32(o, CVT_TEXT | CVT_NUM);
	case SQL_CONVERT_DATE: return u32(o, CVT_TEXT | SQL_CVT_DATE | SQL_CVT_TIMESTAMP);
	case SQL_CONVERT_TIME: return u32(o, CVT_TEXT | SQL_CVT_TIME | SQL_CVT_TIMESTAMP);
	case SQL_CONVERT_TIMESTAMP:
		return u32(o, CVT_TEXT | SQL_CVT_DATE | SQL_CVT_TIME | SQL_CVT_TIMESTAMP);
	case SQL_CONVERT_GUID: return u32(o, CVT_TEXT | SQL_CVT_GUID);
	case SQL_CONVERT_BINARY: case SQL_CONVERT_VARBINARY: case SQL_CONVERT_LONGVARBINARY:
		return u32(o, CVT_BIN | SQL_CVT_GUID);
	case SQL_CONVERT_INTERVAL_DAY_TIME: case SQL_CONVERT_INTERVAL_YEAR_MONTH:
		return u32(o, 0);
	case SQL_CONVERT_FUNCTIONS: return u32(o, SQL_FN_CVT_CAST | SQL_FN_CVT_CONVERT);
	case SQL_CURSOR_SENSITIVITY: return u32(o, SQL_INSENSITIVE);
	case SQL_DATETIME_LITERALS:
		return u32(o, SQL_DL_SQL92_DATE | SQL_DL_SQL92_TIME | SQL_DL_SQL92_TIMESTAMP);
	/* Reads see only committed data (others' and this connection's own
	 * committed changes; never its queued, uncommitted ones). */
	case SQL_DEFAULT_TXN_ISOLATION: return u32(o, SQL_TXN_READ_COMMITTED);
	case SQL_TXN_ISOLATION_OPTION: return u32(o, SQL_TXN_READ_COMMITTED);
	/* Keyset-driven and dynamic cursors become static (01S02).  unixODBC
	 * loads its cursor library for SQL_CUR_USE_IF_NEEDED unless
	 * STATIC_CURSOR_ATTRIBUTES1 has SQL_CA1_ABSOLUTE (ODBC 3 drivers) or
	 * FETCH_DIRECTION has SQL_FD_FETCH_PRIOR (DriverManager/SQLConnect.c). */
	case SQL_DYNAMIC_CURSOR_ATTRIBUTES1: case SQL_DYNAMIC_CURSOR_ATTRIBUTES2:
	case SQL_KEYSET_CURSOR_ATTRIBUTES1: case SQL_KEYSET_CURSOR_ATTRIBUTES2:
		return u32(o, 0);
	case SQL_STATIC_CURSOR_ATTRIBUTES1:
		return u32(o, SQL_CA1_NEXT | SQL_CA1_ABSOLUTE | SQL_CA1_RELATIVE |
				      SQL_CA1_BOOKMARK | SQL_CA1_LOCK_NO_CHANGE |
				      SQL_CA1_POS_POSITION | SQL_CA1_POS_UPDATE |
				      SQL_CA1_POS_DELETE | SQL_CA1_POS_REFRESH);
	case SQL_STATIC_CURSOR_ATTRIBUTES2:
		return u32(o, SQL_CA2_READ_ONLY_CONCURRENCY | SQL_CA2_LOCK_CONCURRENCY |
				      SQL_CA2_SENSITIVITY_DELETIONS | SQL_CA2_SENSITIVITY_UPDATES |
				      SQL_CA2_MAX_ROWS_SELECT);
	case SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1: return u32(o, SQL_CA1_NEXT);
	case SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2:
		return u32(o, SQL_CA2_READ_ONLY_CONCURRENCY | SQL_CA2_MAX_ROWS_SELECT);
	case SQL_FETCH_DIRECTION:
		return u32(o, SQL_FD_FETCH_NEXT | SQL_FD_FETCH_FIRST | SQL_FD_FETCH_LAST |
				      SQL_FD_FETCH_PRIOR | SQL_FD_FETCH_ABSOLUTE |
				      SQL_FD_FETCH_RELATIVE | SQL_FD_FETCH_BOOKMARK);
	/* SQL_GD_BLOCK: after SQLSetPos(SQL_POSITION) on a static cursor. */
	case SQL_GETDATA_EXTENSIONS:
		return u32(o, SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER | SQL_GD_BOUND | SQL_GD_BLOCK);
	case SQL_INSERT_STATEMENT:
		return u32(o, SQL_IS_INSERT_LITERALS | SQL_IS_INSERT_SEARCHED);
	case SQL_LOCK_TYPES: return u32(o, SQL_LCK_NO_CHANGE);
	case SQL_MAX_BINARY_LITERAL_LEN: case SQL_MAX_CHAR_LITERAL_LEN:
	case SQL_MAX_INDEX_SIZE: case SQL_MAX_ROW_SIZE: case SQL_MAX_STATEMENT_LEN:
		return u32(o, 0);
	case SQL_NUMERIC_FUNCTIONS: return u32(o, NUMERIC_FNS);
	case SQL_ODBC_INTERFACE_CONFORMANCE: return u32(o, SQL_OIC_CORE);
	case SQL_OJ_CAPABILITIES:
		return u32(o, SQL_OJ_LEFT | SQL_OJ_RIGHT | SQL_OJ_FULL | SQL_OJ_NESTED |
				      SQL_OJ_NOT_ORDERED | SQL_OJ_INNER |
				      SQL_OJ_ALL_COMPARISON_OPS);
	case SQL_PARAM_ARRAY_ROW_COUNTS: return u32(o, SQL_PARC_NO_BATCH);
	/* One result set per parameter set, SQLMoreResults moves to the next. */
	case SQL_PARAM_ARRAY_SELECTS: return u32(o, SQL_PAS_BATCH);
	case SQL_POS_OPERATIONS:
		return u32(o, SQL_POS_POSITION | SQL_POS_REFRESH | SQL_POS_UPDATE | SQL_POS_DELETE);
	case SQL_POSITIONED_STATEMENTS: return u32(o, 0);
	case SQL_SCROLL_CONCURRENCY: return u32(o, SQL_SCCO_READ_ONLY | SQL_SCCO_LOCK);
	case SQL_SCROLL_OPTIONS: return u32(o, SQL_SO_FORWARD_ONLY | SQL_SO_STATIC);
	case SQL_SQL_CONFORMANCE: return u32(o, SQL_SC_SQL92_ENTRY);
	case SQL_SQL92_DATETIME_FUNCTIONS:
		return u32(o, SQL_SDF_CURRENT_DATE | SQL_SDF_CURRENT_TIME |
				      SQL_SDF_CURRENT_TIMESTAMP);
	case SQL_SQL92_FOREIGN_KEY_DELETE_RULE: case SQL_SQL92_FOREIGN_KEY_UPDATE_RULE:
	case SQL_SQL92_GRANT: case SQL_SQL92_REVOKE:
		return u32(o, 0);
	case SQL_SQL92_NUMERIC_VALUE_FUNCTIONS:
		return u32(o, SQL_SNVF_CHAR_LENGTH | SQL_SNVF_CHARACTER_LENGTH |
				      SQL_SNVF_OCTET_LENGTH);
	case SQL_SQL92_PREDICATES:
		return u32(o, SQL_SP_BETWEEN | SQL_SP_COMPARISON | SQL_SP_EXISTS | SQL_SP_IN |
				      SQL_SP_ISNOTNULL | SQL_SP_ISNULL | SQL_SP_LIKE |
				      SQL_SP_QUANTIFIED_COMPARISON);
	case SQL_SQL92_RELATIONAL_JOIN_OPERATORS:
		return u32(o, SQL_SRJO_CROSS_JOIN | SQL_SRJO_INNER_JOIN |
				      SQL_SRJO_LEFT_OUTER_JOIN | SQL_SRJO_RIGHT_OUTER_JOIN |
				      SQL_SRJO_FULL_OUTER_JOIN | SQL_SRJO_NATURAL_JOIN |
				      SQL_SRJO_EXCEPT_JOIN | SQL_SRJO_INTERSECT_JOIN |
				      SQL_SRJO_UNION_JOIN);
	case SQL_SQL92_ROW_VALUE_CONSTRUCTOR:
		return u32(o, SQL_SRVC_VALUE_EXPRESSION | SQL_SRVC_NULL);
	/* SQLite has no TRIM(BOTH x FROM y) form: only the functions */
	case SQL_SQL92_STRING_FUNCTIONS: return u32(o, SQL_SSF_LOWER | SQL_SSF_UPPER);
	case SQL_SQL92_VALUE_EXPRESSIONS:
		return u32(o, SQL_SVE_CASE | SQL_SVE_CAST | SQL_SVE_COALESCE | SQL_SVE_NULLIF);
	case SQL_STANDARD_CLI_CONFORMANCE: return u32(o, SQL_SCC_ISO92_CLI);
	/* A static cursor shows its own SQLSetPos updates and deletions. */
	case SQL_STATIC_SENSITIVITY: return u32(o, SQL_SS_DELETIONS | SQL_SS_UPDATES);
	case SQL_STRING_FUNCTIONS: return u32(o, STRING_FNS);
	case SQL_SUBQUERIES:
		return u32(o, SQL_SQ_COMPARISON | SQL_SQ_EXISTS | SQL_SQ_IN |
				      SQL_SQ_QUANTIFIED | SQL_SQ_CORRELATED_SUBQUERIES);
	case SQL_SYSTEM_FUNCTIONS: return u32(o, SQL_FN_SYS_IFNULL);
	case SQL_TIMEDATE_ADD_INTERVALS: case SQL_TIMEDATE_DIFF_INTERVALS: return u32(o, TSI_ALL);
	case SQL_TIMEDATE_FUNCTIONS: return u32(o, TIMEDATE_FNS);
	case SQL_UNION: return u32(o, SQL_U_UNION | SQL_U_UNION_ALL);
	default: return SQL_NO_DATA;
	}
}

SQLRETURN dv_get_info(struct dv_dbc *dbc, SQLUSMALLINT type, struct dv_info_value *out)
{
	memset(out, 0, sizeof(*out));
	if (info_strings(dbc, type, out) == SQL_SUCCESS || info_small(type, out) == SQL_SUCCESS ||
	    info_masks(type, out) == SQL_SUCCESS)
		return SQL_SUCCESS;
	return dv_diag_error(&dbc->h.diag, DV_S_HY096, "information type %u is not supported",
			     (unsigned)type);
}

/* ---- SQLGetFunctions ------------------------------------------------------ */

static const SQLUSMALLINT supported_functions[] = {
	SQL_API_SQLALLOCCONNECT, SQL_API_SQLALLOCENV, SQL_API_SQLALLOCHANDLE,
	SQL_API_SQLALLOCSTMT, SQL_API_SQLBINDCOL, SQL_API_SQLBINDPARAMETER,
	SQL_API_SQLCANCEL, SQL_API_SQLCLOSECURSOR, SQL_API_SQLCOLATTRIBUTE,
	SQL_API_SQLCOLUMNPRIVILEGES, SQL_API_SQLCOLUMNS, SQL_API_SQLCONNECT,
	SQL_API_SQLCOPYDESC, SQL_API_SQLDESCRIBECOL, SQL_API_SQLDESCRIBEPARAM,
	SQL_API_SQLDISCONNECT, SQL_API_SQLDRIVERCONNECT, SQL_API_SQLENDTRAN,
	SQL_API_SQLERROR, SQL_API_SQLEXECDIRECT, SQL_API_SQLEXECUTE,
	SQL_API_SQLEXTENDEDFETCH, SQL_API_SQLFETCH, SQL_API_SQLFETCHSCROLL,
	SQL_API_SQLFOREIGNKEYS, SQL_API_SQLFREECONNECT, SQL_API_SQLFREEENV,
	SQL_API_SQLFREEHANDLE, SQL_API_SQLFREESTMT, SQL_API_SQLGETCONNECTATTR,
	SQL_API_SQLGETCONNECTOPTION, SQL_API_SQLGETCURSORNAME, SQL_API_SQLGETDATA,
	SQL_API_SQLGETDESCFIELD, SQL_API_SQLGETDESCREC, SQL_API_SQLGETDIAGFIELD,
	SQL_API_SQLGETDIAGREC, SQL_API_SQLGETENVATTR, SQL_API_SQLGETFUNCTIONS,
	SQL_API_SQLGETINFO, SQL_API_SQLGETSTMTATTR, SQL_API_SQLGETSTMTOPTION,
	SQL_API_SQLGETTYPEINFO, SQL_API_SQLMORERESULTS, SQL_API_SQLNATIVESQL,
	SQL_API_SQLNUMPARAMS, SQL_API_SQLNUMRESULTCOLS, SQL_API_SQLPARAMDATA,
	SQL_API_SQLPREPARE, SQL_API_SQLPUTDATA,
	SQL_API_SQLPRIMARYKEYS, SQL_API_SQLPROCEDURECOLUMNS, SQL_API_SQLPROCEDURES,
	SQL_API_SQLROWCOUNT, SQL_API_SQLSETCONNECTATTR, SQL_API_SQLSETCONNECTOPTION,
	SQL_API_SQLSETCURSORNAME, SQL_API_SQLSETDESCFIELD, SQL_API_SQLSETPOS, SQL_API_SQLSETDESCREC,
	SQL_API_SQLSETENVATTR, SQL_API_SQLSETPARAM, SQL_API_SQLSETSTMTATTR,
	SQL_API_SQLSETSTMTOPTION, SQL_API_SQLSPECIALCOLUMNS, SQL_API_SQLSTATISTICS,
	SQL_API_SQLTABLEPRIVILEGES, SQL_API_SQLTABLES, SQL_API_SQLTRANSACT,
};

#define NSUPPORTED (sizeof(supported_functions) / sizeof(supported_functions[0]))

static int is_supported(SQLUSMALLINT id)
{
	for (size_t i = 0; i < NSUPPORTED; i++)
		if (supported_functions[i] == id)
			return 1;
	return 0;
}

SQLRETURN dv_get_functions(struct dv_dbc *dbc, SQLUSMALLINT id, SQLUSMALLINT *out)
{
	if (!out)
		return SQL_SUCCESS;
	if (id == SQL_API_ODBC3_ALL_FUNCTIONS) {
		memset(out, 0, SQL_API_ODBC3_ALL_FUNCTIONS_SIZE * sizeof(SQLUSMALLINT));
		for (size_t i = 0; i < NSUPPORTED; i++) {
			SQLUSMALLINT f = supported_functions[i];
			out[f >> 4] |= (SQLUSMALLINT)(1 << (f & 0xF));
		}
		return SQL_SUCCESS;
	}
	if (id == SQL_API_ALL_FUNCTIONS) {
		/* The ODBC 2 form: 100 flags indexed by function id. */
		memset(out, 0, 100 * sizeof(SQLUSMALLINT));
		for (size_t i = 0; i < NSUPPORTED; i++)
			if (supported_functions[i] < 100)
				out[supported_functions[i]] = SQL_TRUE;
		return SQL_SUCCESS;
	}
	*out = is_supported(id) ? SQL_TRUE : SQL_FALSE;
	return SQL_SUCCESS;
}

/* ---- SQLGetTypeInfo ------------------------------------------------------- */

/* Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlgettypeinfo-function */
static const struct dv_rs_col typeinfo_cols[] = {
	{"TYPE_NAME", SQL_VARCHAR, 128, SQL_NO_NULLS},
	{"DATA_TYPE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"COLUMN_SIZE", SQL_INTEGER, 10, SQL_NULLABLE},
	{"LITERAL_PREFIX", SQL_VARCHAR, 128, SQL_NULLABLE},
	{"LITERAL_SUFFIX", SQL_VARCHAR, 128, SQL_NULLABLE},
	{"CREATE_PARAMS", SQL_VARCHAR, 128, SQL_NULLABLE},
	{"NULLABLE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"CASE_SENSITIVE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"SEARCHABLE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"UNSIGNED_ATTRIBUTE", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"FIXED_PREC_SCALE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"AUTO_UNIQUE_VALUE", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"LOCAL_TYPE_NAME", SQL_VARCHAR, 128, SQL_NULLABLE},
	{"MINIMUM_SCALE", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"MAXIMUM_SCALE", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"SQL_DATA_TYPE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"SQL_DATETIME_SUB", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"NUM_PREC_RADIX", SQL_INTEGER, 10, SQL_NULLABLE},
	{"INTERVAL_PRECISION", SQL_SMALLINT, 5, SQL_NULLABLE},
};

/* ODBC 2 names of the renamed columns. */
static const struct dv_rs_col typeinfo_cols2[] = {
	{"TYPE_NAME", SQL_VARCHAR, 128, SQL_NO_NULLS},
	{"DATA_TYPE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"PRECISION", SQL_INTEGER, 10, SQL_NULLABLE},
	{"LITERAL_PREFIX", SQL_VARCHAR, 128, SQL_NULLABLE},
	{"LITERAL_SUFFIX", SQL_VARCHAR, 128, SQL_NULLABLE},
	{"CREATE_PARAMS", SQL_VARCHAR, 128, SQL_NULLABLE},
	{"NULLABLE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"CASE_SENSITIVE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"SEARCHABLE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"UNSIGNED_ATTRIBUTE", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"MONEY", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"AUTO_INCREMENT", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"LOCAL_TYPE_NAME", SQL_VARCHAR, 128, SQL_NULLABLE},
	{"MINIMUM_SCALE", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"MAXIMUM_SCALE", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"SQL_DATA_TYPE", SQL_SMALLINT, 5, SQL_NO_NULLS},
	{"SQL_DATETIME_SUB", SQL_SMALLINT, 5, SQL_NULLABLE},
	{"NUM_PREC_RADIX", SQL_INTEGER, 10, SQL_NULLABLE},
	{"INTERVAL_PRECISION", SQL_SMALLINT, 5, SQL_NULLABLE},
};

static void set_small_or_null(struct dv_rowset *rs, int col, SQLSMALLINT v)
{
	if (v < 0)
		dv_rowset_set_null(rs, col);
	else
		dv_rowset_set_int(rs, col, v);
}

static int add_type_row(struct dv_rowset *rs, const struct dv_type_info *t, int odbc2)
{
	if (dv_rowset_add_row(rs) != 0 || dv_rowset_set_text(rs, 0, t->name) != 0)
		return -1;
	dv_rowset_set_int(rs, 1, odbc2 ? dv_sql_type_odbc2(t->sql_type) : t->sql_type);
	dv_rowset_set_int(rs, 2, t->column_size);
	if (dv_rowset_set_text(rs, 3, t->literal_prefix) ||
	    dv_rowset_set_text(rs, 4, t->literal_suffix) ||
	    dv_rowset_set_text(rs, 5, t->create_params) ||
	    dv_rowset_set_text(rs, 12, t->name))
		return -1;
	dv_rowset_set_int(rs, 6, SQL_NULLABLE);
	dv_rowset_set_int(rs, 7, t->case_sensitive);
	dv_rowset_set_int(rs, 8, t->searchable);
	set_small_or_null(rs, 9, t->unsigned_attr);
	dv_rowset_set_int(rs, 10, t->fixed_prec_scale);
	if (dv_type_is_numeric(t->sql_type))
		dv_rowset_set_int(rs, 11, SQL_FALSE);
	set_small_or_null(rs, 13, t->min_scale);
	set_small_or_null(rs, 14, t->max_scale);
	dv_rowset_set_int(rs, 15, odbc2 ? dv_sql_type_odbc2(t->sql_type)
				       : dv_verbose_type(t->sql_type));
	if (dv_datetime_code(t->sql_type))
		dv_rowset_set_int(rs, 16, dv_datetime_code(t->sql_type));
	if (t->num_prec_radix)
		dv_rowset_set_int(rs, 17, t->num_prec_radix);
	return 0;
}

SQLRETURN dv_get_type_info(struct dv_stmt *s, SQLSMALLINT type)
{
	int odbc2 = dv_stmt_odbc2(s);
	size_t n;
	const struct dv_type_info *types = dv_types(&n);
	struct dv_rowset *rs = dv_rowset_new(odbc2 ? typeinfo_cols2 : typeinfo_cols, 19);
	if (!rs)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	SQLSMALLINT want = dv_sql_type_odbc3(type);
	for (size_t i = 0; i < n; i++) {
		if (type != SQL_ALL_TYPES && types[i].sql_type != want)
			continue;
		if (add_type_row(rs, &types[i], odbc2) != 0) {
			dv_rowset_free(rs);
			return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		}
	}
	return dv_stmt_set_rowset(s, rs);
}
