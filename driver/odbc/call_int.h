/* call_int.h - private: what call.c (arguments, requests) and call_result.c
 * (types, result shapes, answers) share. */
#ifndef DV_ODBC_CALL_INT_H
#define DV_ODBC_CALL_INT_H

#include "odbc/call.h"
#include "util/buf.h"
#include "util/error.h"

#include "engine/proc_call.h"
#include "sqlparse/call.h"

#define TYPE_MAX PROC_TYPE_MAX
/* Where a call's return value and output parameters go. */
struct call_outs {
	int ret;                          /* the return value's marker (0: none) */
	int marker[SQL_CALL_MAX_ARGS];    /* per output property: its marker (0: not asked for) */
	size_t n;                         /* output properties the procedure has */
};

/* The outputs p has: *nout primitive properties of the complex type it
 * returns (0: none), *has_ret when a single value is its return value. */
void call_outputs(const struct dv_procs *procs, const struct dv_proc *p, size_t *nout,
		  int *has_ret);
/* The name of output property i. */
const char *call_output_name(const struct dv_procs *procs, const struct dv_proc *p, size_t i);
/* The IRD from the result columns among cols (parameters skipped). */
SQLRETURN call_fill_ird(struct dv_stmt *s, const struct dv_call_col *cols, size_t n);
/* The answer body of p as the open cursor (none when p returns nothing),
 * or, with outs, into the output parameters. */
SQLRETURN call_take_answer(struct dv_stmt *s, const struct dv_procs *procs,
			   const struct dv_proc *p, struct dv_buf *body, const struct call_outs *outs,
			   struct dv_error *err);

#endif
