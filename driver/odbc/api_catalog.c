/* api_catalog.c - entry points: the catalog functions, ANSI and W.
 * Each converts its name arguments to UTF-8 and calls catalog_funcs.c. */
#include "odbc/api.h"
#include "odbc/catalog_funcs.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 6

/* Converts n (pointer, length) pairs; returns SQL_SUCCESS or an error. */
static SQLRETURN read_args(struct dv_handle *h, int wide, int n, const void *const *ptrs,
			   const SQLSMALLINT *lens, char **out)
{
	SQLRETURN rc = SQL_SUCCESS;
	for (int i = 0; i < n; i++) {
		out[i] = wide ? dv_api_in_w(h, ptrs[i], lens[i], &rc)
			      : dv_api_in(h, ptrs[i], lens[i], &rc);
		if (rc != SQL_SUCCESS)
			break;
		/* ANSI text is UTF-8 unless ClientCharset converted it (api.c) */
		if (!wide && out[i] && !dv_handle_dbc(h)->charset &&
		    dv_utf8_check(&h->diag, out[i], strlen(out[i]),
				  "a catalog function's argument") != 0) {
			rc = SQL_ERROR;
			break;
		}
	}
	return rc;
}

static void free_args(char **a, int n)
{
	for (int i = 0; i < n; i++)
		free(a[i]);
}

static SQLRETURN cat_tables(SQLHSTMT hstmt, const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *table, SQLSMALLINT table_len,
			const void *types, SQLSMALLINT types_len,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, table, types};
	const SQLSMALLINT lens[] = {cat_len, schem_len, table_len, types_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 4, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_tables(s, a[0], a[1], a[2], a[3]);
	free_args(a, 4);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLTables(SQLHSTMT hstmt, SQLCHAR *cat, SQLSMALLINT cat_len,
		SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *table, SQLSMALLINT table_len,
		SQLCHAR *types, SQLSMALLINT types_len)
{
	return cat_tables(hstmt, cat, cat_len, schem, schem_len, table, table_len, types,
			types_len, 0);
}

SQLRETURN SQL_API SQLTablesW(SQLHSTMT hstmt, SQLWCHAR *cat, SQLSMALLINT cat_len,
		SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *table, SQLSMALLINT table_len,
		SQLWCHAR *types, SQLSMALLINT types_len)
{
	return cat_tables(hstmt, cat, cat_len, schem, schem_len, table, table_len, types,
			types_len, 1);
}

static SQLRETURN cat_columns(SQLHSTMT hstmt, const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *table, SQLSMALLINT table_len,
			const void *column, SQLSMALLINT column_len,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, table, column};
	const SQLSMALLINT lens[] = {cat_len, schem_len, table_len, column_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 4, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_columns(s, a[0], a[1], a[2], a[3]);
	free_args(a, 4);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLColumns(SQLHSTMT hstmt, SQLCHAR *cat, SQLSMALLINT cat_len,
		SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *table, SQLSMALLINT table_len,
		SQLCHAR *column, SQLSMALLINT column_len)
{
	return cat_columns(hstmt, cat, cat_len, schem, schem_len, table, table_len, column,
			column_len, 0);
}

SQLRETURN SQL_API SQLColumnsW(SQLHSTMT hstmt, SQLWCHAR *cat, SQLSMALLINT cat_len,
		SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *table, SQLSMALLINT table_len,
		SQLWCHAR *column, SQLSMALLINT column_len)
{
	return cat_columns(hstmt, cat, cat_len, schem, schem_len, table, table_len, column,
			column_len, 1);
}

static SQLRETURN cat_primarykeys(SQLHSTMT hstmt, const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *table, SQLSMALLINT table_len,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, table};
	const SQLSMALLINT lens[] = {cat_len, schem_len, table_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 3, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_primary_keys(s, a[0], a[1], a[2]);
	free_args(a, 3);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLPrimaryKeys(SQLHSTMT hstmt, SQLCHAR *cat, SQLSMALLINT cat_len,
		SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *table, SQLSMALLINT table_len)
{
	return cat_primarykeys(hstmt, cat, cat_len, schem, schem_len, table, table_len, 0);
}

SQLRETURN SQL_API SQLPrimaryKeysW(SQLHSTMT hstmt, SQLWCHAR *cat, SQLSMALLINT cat_len,
		SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *table, SQLSMALLINT table_len)
{
	return cat_primarykeys(hstmt, cat, cat_len, schem, schem_len, table, table_len, 1);
}

static SQLRETURN cat_foreignkeys(SQLHSTMT hstmt, const void *pkcat, SQLSMALLINT pkcat_len,
			const void *pkschem, SQLSMALLINT pkschem_len,
			const void *pktable, SQLSMALLINT pktable_len,
			const void *fkcat, SQLSMALLINT fkcat_len,
			const void *fkschem, SQLSMALLINT fkschem_len,
			const void *fktable, SQLSMALLINT fktable_len,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {pkcat, pkschem, pktable, fkcat, fkschem, fktable};
	const SQLSMALLINT lens[] = {pkcat_len, pkschem_len, pktable_len,
				    fkcat_len, fkschem_len, fktable_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 6, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_foreign_keys(s, a[0], a[1], a[2], a[3], a[4], a[5]);
	free_args(a, 6);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLForeignKeys(SQLHSTMT hstmt, SQLCHAR *pkcat, SQLSMALLINT pkcat_len,
		SQLCHAR *pkschem, SQLSMALLINT pkschem_len,
		SQLCHAR *pktable, SQLSMALLINT pktable_len,
		SQLCHAR *fkcat, SQLSMALLINT fkcat_len,
		SQLCHAR *fkschem, SQLSMALLINT fkschem_len,
		SQLCHAR *fktable, SQLSMALLINT fktable_len)
{
	return cat_foreignkeys(hstmt, pkcat, pkcat_len, pkschem, pkschem_len, pktable,
			pktable_len, fkcat, fkcat_len, fkschem, fkschem_len, fktable,
			fktable_len, 0);
}

SQLRETURN SQL_API SQLForeignKeysW(SQLHSTMT hstmt, SQLWCHAR *pkcat, SQLSMALLINT pkcat_len,
		SQLWCHAR *pkschem, SQLSMALLINT pkschem_len,
		SQLWCHAR *pktable, SQLSMALLINT pktable_len,
		SQLWCHAR *fkcat, SQLSMALLINT fkcat_len,
		SQLWCHAR *fkschem, SQLSMALLINT fkschem_len,
		SQLWCHAR *fktable, SQLSMALLINT fktable_len)
{
	return cat_foreignkeys(hstmt, pkcat, pkcat_len, pkschem, pkschem_len, pktable,
			pktable_len, fkcat, fkcat_len, fkschem, fkschem_len, fktable,
			fktable_len, 1);
}

static SQLRETURN cat_statistics(SQLHSTMT hstmt, const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *table, SQLSMALLINT table_len,
			SQLUSMALLINT unique,
			SQLUSMALLINT reserved,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, table};
	const SQLSMALLINT lens[] = {cat_len, schem_len, table_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 3, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_statistics(s, a[0], a[1], a[2], unique, reserved);
	free_args(a, 3);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLStatistics(SQLHSTMT hstmt, SQLCHAR *cat, SQLSMALLINT cat_len,
		SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *table, SQLSMALLINT table_len,
		SQLUSMALLINT unique, SQLUSMALLINT reserved)
{
	return cat_statistics(hstmt, cat, cat_len, schem, schem_len, table, table_len, unique,
			reserved, 0);
}

SQLRETURN SQL_API SQLStatisticsW(SQLHSTMT hstmt, SQLWCHAR *cat, SQLSMALLINT cat_len,
		SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *table, SQLSMALLINT table_len,
		SQLUSMALLINT unique, SQLUSMALLINT reserved)
{
	return cat_statistics(hstmt, cat, cat_len, schem, schem_len, table, table_len, unique,
			reserved, 1);
}

static SQLRETURN cat_specialcolumns(SQLHSTMT hstmt, SQLUSMALLINT type,
			const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *table, SQLSMALLINT table_len,
			SQLUSMALLINT scope,
			SQLUSMALLINT nullable,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, table};
	const SQLSMALLINT lens[] = {cat_len, schem_len, table_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 3, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_special_columns(s, type, a[0], a[1], a[2], scope, nullable);
	free_args(a, 3);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLSpecialColumns(SQLHSTMT hstmt, SQLUSMALLINT type, SQLCHAR *cat,
		SQLSMALLINT cat_len, SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *table,
		SQLSMALLINT table_len, SQLUSMALLINT scope, SQLUSMALLINT nullable)
{
	return cat_specialcolumns(hstmt, type, cat, cat_len, schem, schem_len, table, table_len,
			scope, nullable, 0);
}

SQLRETURN SQL_API SQLSpecialColumnsW(SQLHSTMT hstmt, SQLUSMALLINT type, SQLWCHAR *cat,
		SQLSMALLINT cat_len, SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *table,
		SQLSMALLINT table_len, SQLUSMALLINT scope, SQLUSMALLINT nullable)
{
	return cat_specialcolumns(hstmt, type, cat, cat_len, schem, schem_len, table, table_len,
			scope, nullable, 1);
}

static SQLRETURN cat_columnprivileges(SQLHSTMT hstmt, const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *table, SQLSMALLINT table_len,
			const void *column, SQLSMALLINT column_len,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, table, column};
	const SQLSMALLINT lens[] = {cat_len, schem_len, table_len, column_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 4, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_column_privileges(s);
	free_args(a, 4);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLColumnPrivileges(SQLHSTMT hstmt, SQLCHAR *cat, SQLSMALLINT cat_len,
		SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *table, SQLSMALLINT table_len,
		SQLCHAR *column, SQLSMALLINT column_len)
{
	return cat_columnprivileges(hstmt, cat, cat_len, schem, schem_len, table, table_len,
			column, column_len, 0);
}

SQLRETURN SQL_API SQLColumnPrivilegesW(SQLHSTMT hstmt, SQLWCHAR *cat, SQLSMALLINT cat_len,
		SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *table, SQLSMALLINT table_len,
		SQLWCHAR *column, SQLSMALLINT column_len)
{
	return cat_columnprivileges(hstmt, cat, cat_len, schem, schem_len, table, table_len,
			column, column_len, 1);
}

static SQLRETURN cat_tableprivileges(SQLHSTMT hstmt, const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *table, SQLSMALLINT table_len,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, table};
	const SQLSMALLINT lens[] = {cat_len, schem_len, table_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 3, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_table_privileges(s);
	free_args(a, 3);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLTablePrivileges(SQLHSTMT hstmt, SQLCHAR *cat, SQLSMALLINT cat_len,
		SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *table, SQLSMALLINT table_len)
{
	return cat_tableprivileges(hstmt, cat, cat_len, schem, schem_len, table, table_len, 0);
}

SQLRETURN SQL_API SQLTablePrivilegesW(SQLHSTMT hstmt, SQLWCHAR *cat, SQLSMALLINT cat_len,
		SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *table, SQLSMALLINT table_len)
{
	return cat_tableprivileges(hstmt, cat, cat_len, schem, schem_len, table, table_len, 1);
}

static SQLRETURN cat_procedures(SQLHSTMT hstmt, const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *proc, SQLSMALLINT proc_len,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, proc};
	const SQLSMALLINT lens[] = {cat_len, schem_len, proc_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 3, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_procedures(s, a[0], a[1], a[2]);
	free_args(a, 3);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLProcedures(SQLHSTMT hstmt, SQLCHAR *cat, SQLSMALLINT cat_len,
		SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *proc, SQLSMALLINT proc_len)
{
	return cat_procedures(hstmt, cat, cat_len, schem, schem_len, proc, proc_len, 0);
}

SQLRETURN SQL_API SQLProceduresW(SQLHSTMT hstmt, SQLWCHAR *cat, SQLSMALLINT cat_len,
		SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *proc, SQLSMALLINT proc_len)
{
	return cat_procedures(hstmt, cat, cat_len, schem, schem_len, proc, proc_len, 1);
}

static SQLRETURN cat_procedurecolumns(SQLHSTMT hstmt, const void *cat, SQLSMALLINT cat_len,
			const void *schem, SQLSMALLINT schem_len,
			const void *proc, SQLSMALLINT proc_len,
			const void *column, SQLSMALLINT column_len,
			int wide)
{
	struct dv_handle *h = dv_api_enter(hstmt, DV_H_STMT);
	const void *const ptrs[] = {cat, schem, proc, column};
	const SQLSMALLINT lens[] = {cat_len, schem_len, proc_len, column_len};
	char *a[MAX_ARGS] = {NULL};
	struct dv_stmt *s = (struct dv_stmt *)h;
	if (!h)
		return SQL_INVALID_HANDLE;
	SQLRETURN rc = read_args(h, wide, 4, ptrs, lens, a);
	if (rc == SQL_SUCCESS)
		rc = dv_cat_procedure_columns(s, a[0], a[1], a[2], a[3]);
	free_args(a, 4);
	return dv_api_leave(h, rc);
}

SQLRETURN SQL_API SQLProcedureColumns(SQLHSTMT hstmt, SQLCHAR *cat, SQLSMALLINT cat_len,
		SQLCHAR *schem, SQLSMALLINT schem_len, SQLCHAR *proc, SQLSMALLINT proc_len,
		SQLCHAR *column, SQLSMALLINT column_len)
{
	return cat_procedurecolumns(hstmt, cat, cat_len, schem, schem_len, proc, proc_len, column,
			column_len, 0);
}

SQLRETURN SQL_API SQLProcedureColumnsW(SQLHSTMT hstmt, SQLWCHAR *cat, SQLSMALLINT cat_len,
		SQLWCHAR *schem, SQLSMALLINT schem_len, SQLWCHAR *proc, SQLSMALLINT proc_len,
		SQLWCHAR *column, SQLSMALLINT column_len)
{
	return cat_procedurecolumns(hstmt, cat, cat_len, schem, schem_len, proc, proc_len, column,
			column_len, 1);
}
