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

/* {fn name(args)}: body is "name(args)".  errpos is the escape's 1-based
 * position for messages. */
int escape_fn(const char *body, size_t len, size_t errpos, struct dv_buf *out,
	      struct dv_error *err);
/* {d 'x'} (kind 'd'), {t 'x'} ('t'), {ts 'x'} ('s'): body is the literal. */
int escape_datetime(char kind, const char *body, size_t len, size_t errpos,
		    struct dv_buf *out, struct dv_error *err);

#endif
