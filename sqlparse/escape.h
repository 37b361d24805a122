/* escape.h - private: translation of one ODBC escape's body to SQLite text.
 *
 * Owns: the scalar function table ({fn ...}) and the date/time literal
 * checks ({d}, {t}, {ts}).  The body handed in has already been rewritten
 * (nested escapes are gone), so these functions only see SQLite syntax. */
#ifndef DV_SQLPARSE_ESCAPE_H
#define DV_SQLPARSE_ESCAPE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

/* Functions the engine registers for ODBC scalar functions that have no
 * single-use SQLite spelling (each argument must appear exactly once, or a
 * '?' marker inside it would be counted twice). */
#define SQLPARSE_FN_RIGHT "odbc_right"
#define SQLPARSE_FN_LOCATE "odbc_locate"
/* driver/engine/sqlfuncs.c */
#define SQLPARSE_FN_CAST "dv_cast"
#define SQLPARSE_FN_ROUND "dv_round"
#define SQLPARSE_FN_TRUNCATE "dv_truncate"
#define SQLPARSE_FN_TSADD "dv_timestampadd"
#define SQLPARSE_FN_TSDIFF "dv_timestampdiff"
#define SQLPARSE_FN_DAYNAME "dv_dayname"
#define SQLPARSE_FN_MONTHNAME "dv_monthname"
#define SQLPARSE_FN_WEEK "dv_week"
#define SQLPARSE_FN_REPEAT "dv_repeat"
#define SQLPARSE_FN_INSERT "dv_insert"

/* {fn name(args)}: body is "name(args)".  errpos is the escape's 1-based
 * position for messages. */
int escape_fn(const char *body, size_t len, size_t errpos, struct dv_buf *out,
	      struct dv_error *err);
/* Rewrites CAST(x AS <type>) in SQLite text (escapes already gone) where
 * SQLite's CAST differs from SQL's: DATE, TIME, TIMESTAMP/DATETIME,
 * [N]VARCHAR(n), [N]CHAR(n), DECIMAL/NUMERIC(p,s), the integer types, BIT,
 * FLOAT/REAL/DOUBLE, UNIQUEIDENTIFIER, [VAR]BINARY(n) become
 * dv_cast(x, 'TYPE'[, n[, s]]).  Other types are left to SQLite. */
int escape_casts(struct dv_buf *sql, struct dv_error *err);
/* {d 'x'} (kind 'd'), {t 'x'} ('t'), {ts 'x'} ('s'): body is the literal. */
int escape_datetime(char kind, const char *body, size_t len, size_t errpos,
		    struct dv_buf *out, struct dv_error *err);

#endif
