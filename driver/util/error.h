/* error.h - the error value every layer below the ODBC API returns.
 *
 * Owns: enum dv_sqlstate (generated from sqlstate.def, the one list of
 * SQLSTATEs) and struct dv_error, one failure with its SQLSTATE, a native
 * code (the Dataverse error code such as 0x80040217, an AADSTS number, or an
 * HTTP status) and a message for a person.  Lower layers fill a dv_error and
 * return -1; the ODBC layer turns it into a diagnostic record (adding the
 * "[dvodbc]" prefix).  Messages never carry secrets or tokens. */
#ifndef DV_UTIL_ERROR_H
#define DV_UTIL_ERROR_H

#include <stdarg.h>

enum dv_sqlstate {
#define DV_SQLSTATE(name, code, text) name,
#include "util/sqlstate.def"
#undef DV_SQLSTATE
	DV_SQLSTATE_COUNT
};

#define DV_ERROR_MSG_MAX 1024

struct dv_error {
	enum dv_sqlstate state; /* DV_S_00000 while no error */
	long native;            /* service error code, AADSTS code, HTTP status or 0 */
	char message[DV_ERROR_MSG_MAX];
};

const char *dv_sqlstate_code(enum dv_sqlstate state);
const char *dv_sqlstate_text(enum dv_sqlstate state);
/* Looks up a five-character state; returns DV_S_HY000 when unknown. */
enum dv_sqlstate dv_sqlstate_from_code(const char *code);

void dv_error_clear(struct dv_error *err);
/* Sets err (if not NULL); fmt may be NULL for the state's default text.
 * Always returns -1 so callers can write `return dv_error_set(...)`. */
int dv_error_set(struct dv_error *err, enum dv_sqlstate state, long native,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int dv_error_vset(struct dv_error *err, enum dv_sqlstate state, long native,
		  const char *fmt, va_list ap);
/* Out of memory: HY001. Returns -1. */
int dv_error_nomem(struct dv_error *err);
/* Adds context before the existing message: "<prefix>: <old message>". */
void dv_error_prefix(struct dv_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
