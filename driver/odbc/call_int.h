/* call_int.h - private: what call.c (arguments, requests) and call_result.c
 * (types, result shapes, answers) share. */
#ifndef DV_ODBC_CALL_INT_H
#define DV_ODBC_CALL_INT_H

#include "odbc/call.h"
#include "util/buf.h"
#include "util/error.h"

#define TYPE_MAX 256

/* "Edm.*" */
int call_is_edm(const char *type);
/* "Collection(X)" -> 1 and X into inner. */
int call_collection_of(const char *type, char inner[TYPE_MAX]);
/* A JSON string literal of s. 0 or -1 (no memory). */
int call_json_string(struct dv_buf *b, const char *s);
/* The IRD from the result columns among cols (parameters skipped). */
SQLRETURN call_fill_ird(struct dv_stmt *s, const struct dv_call_col *cols, size_t n);
/* The answer body of p as the open cursor (none when p returns nothing). */
SQLRETURN call_take_answer(struct dv_stmt *s, const struct dv_procs *procs,
			   const struct dv_proc *p, struct dv_buf *body, struct dv_error *err);

#endif
