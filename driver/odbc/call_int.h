/* call_int.h - private: what call.c (arguments, requests) and call_result.c
 * (types, result shapes, answers) share. */
#ifndef DV_ODBC_CALL_INT_H
#define DV_ODBC_CALL_INT_H

#include "odbc/call.h"
#include "util/buf.h"
#include "util/error.h"

#include "engine/proc_call.h"

#define TYPE_MAX PROC_TYPE_MAX
/* The IRD from the result columns among cols (parameters skipped). */
SQLRETURN call_fill_ird(struct dv_stmt *s, const struct dv_call_col *cols, size_t n);
/* The answer body of p as the open cursor (none when p returns nothing). */
SQLRETURN call_take_answer(struct dv_stmt *s, const struct dv_procs *procs,
			   const struct dv_proc *p, struct dv_buf *body, struct dv_error *err);

#endif
