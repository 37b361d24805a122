/* diag.h - the list of diagnostic records every handle carries.
 *
 * Owns: struct dv_diag (header fields and records), adding records (errors
 * ranked before warnings, each message prefixed "[dvodbc]", row and column
 * numbers kept), and the ODBC 2 SQLSTATE names an ODBC 2 application sees.
 * SQLSTATEs come only from util/sqlstate.def.
 * Source: https://learn.microsoft.com/sql/odbc/reference/develop-app/sequence-of-status-records */
#ifndef DV_ODBC_DIAG_H
#define DV_ODBC_DIAG_H

#include <sql.h>
#include <sqlext.h>

#include "util/error.h"

#define DV_DIAG_PREFIX "[dvodbc]"
#define DV_DIAG_MAX_RECS 256

struct dv_diag_rec {
	enum dv_sqlstate state;
	long native;
	char *message;         /* with the prefix */
	SQLLEN row;            /* SQL_NO_ROW_NUMBER when none */
	SQLINTEGER column;     /* SQL_NO_COLUMN_NUMBER when none */
};

struct dv_diag {
	struct dv_diag_rec *recs;
	int n, cap;
	SQLRETURN retcode;     /* SQL_DIAG_RETURNCODE */
	SQLLEN row_count;      /* SQL_DIAG_ROW_COUNT */
	SQLLEN cursor_row_count;
	const char *dynamic_function;  /* "SELECT CURSOR", "" ... */
	SQLINTEGER dynamic_function_code;
	SQLLEN default_row;    /* row number for records added without one (0 = none):
				  the parameter set being run */
};

void dv_diag_init(struct dv_diag *d);
void dv_diag_free(struct dv_diag *d);
/* Forgets the records (each entry point does this first). */
void dv_diag_clear(struct dv_diag *d);
/* Adds a record; msg NULL means the state's default text. */
void dv_diag_add(struct dv_diag *d, enum dv_sqlstate state, long native, const char *msg,
		 SQLLEN row, SQLINTEGER column);
void dv_diag_addf(struct dv_diag *d, enum dv_sqlstate state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dv_diag_add_error(struct dv_diag *d, const struct dv_error *err);
/* SQL_SUCCESS_WITH_INFO when warnings exist, for a function that succeeded. */
SQLRETURN dv_diag_success(const struct dv_diag *d);
/* Adds a record and returns SQL_ERROR (for `return dv_diag_error(...)`). */
SQLRETURN dv_diag_error(struct dv_diag *d, enum dv_sqlstate state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The five-character state to show: ODBC 3 names, or ODBC 2 names when odbc2. */
const char *dv_diag_state_code(enum dv_sqlstate state, int odbc2);
/* SQL_DIAG_CLASS_ORIGIN / SQL_DIAG_SUBCLASS_ORIGIN for a state code. */
const char *dv_diag_class_origin(const char *code);
const char *dv_diag_subclass_origin(const char *code);

#endif
