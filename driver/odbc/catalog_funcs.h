/* catalog_funcs.h - catalog function internals (catalog_funcs.c).
 * Arguments are UTF-8, NULL when the application passed NULL. */
#ifndef DV_ODBC_CATALOG_FUNCS_H
#define DV_ODBC_CATALOG_FUNCS_H

#include "odbc/handles.h"

/* LIKE-style search pattern match (%, _, \ escape), case-insensitive. */
int dv_pattern_match(const char *pattern, const char *s);

SQLRETURN dv_cat_tables(struct dv_stmt *s, const char *cat, const char *schem,
			const char *table, const char *types);
SQLRETURN dv_cat_columns(struct dv_stmt *s, const char *cat, const char *schem,
			 const char *table, const char *column);
SQLRETURN dv_cat_primary_keys(struct dv_stmt *s, const char *cat, const char *schem,
			      const char *table);
SQLRETURN dv_cat_foreign_keys(struct dv_stmt *s, const char *pkcat, const char *pkschem,
			      const char *pktable, const char *fkcat, const char *fkschem,
			      const char *fktable);
SQLRETURN dv_cat_statistics(struct dv_stmt *s, const char *cat, const char *schem,
			    const char *table, SQLUSMALLINT unique, SQLUSMALLINT reserved);
SQLRETURN dv_cat_special_columns(struct dv_stmt *s, SQLUSMALLINT type, const char *cat,
				 const char *schem, const char *table, SQLUSMALLINT scope,
				 SQLUSMALLINT nullable);
SQLRETURN dv_cat_column_privileges(struct dv_stmt *s);
SQLRETURN dv_cat_table_privileges(struct dv_stmt *s);
/* The service's functions and actions (call.c runs them). */
SQLRETURN dv_cat_procedures(struct dv_stmt *s, const char *cat, const char *schem,
			    const char *proc);
SQLRETURN dv_cat_procedure_columns(struct dv_stmt *s, const char *cat, const char *schem,
				   const char *proc, const char *column);

#endif
