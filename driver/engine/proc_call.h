/* proc_call.h - what a call of one of the service's functions or actions
 * sends and what its answer's rows are, shared by the ODBC procedure calls
 * (odbc/call.c, call_result.c) and the functions used as tables in a FROM
 * clause (tvf_function.c).
 *
 * Owns (proc_call.c): writing an argument as the parameter's Edm type wants
 * it (a JSON value for an action's body, a URL literal for a function's
 * parameter alias), the shape of a return type (which rows and columns its
 * answer becomes) and walking a JSON answer row by row:
 *   a complex type                      one row of its properties
 *   a complex type holding a collection one row per element
 *   a Keys/Values dictionary            rows of (Key, Value)
 *     (EntityRecordCountCollection)
 *   Collection(...)                     one row per element
 *   an entity                           (EntityName, Id)
 *   a primitive                         one row, column Value
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-functions */
#ifndef DV_ENGINE_PROC_CALL_H
#define DV_ENGINE_PROC_CALL_H

#include <yajl/yajl_tree.h>

#include "catalog/catalog_procs.h"
#include "util/buf.h"
#include "util/error.h"

#define PROC_TYPE_MAX 256

/* "Edm.*" */
int proc_is_edm(const char *type);
/* "Collection(X)" -> 1 and X into inner. */
int proc_collection_of(const char *type, char inner[PROC_TYPE_MAX]);
/* A JSON string literal of s.  0 or -1 (no memory). */
int proc_json_string(struct dv_buf *b, const char *s);
/* GUID text (braces and case ignored) -> 1 and its lower-case form. */
int proc_guid(const char *t, char out[37]);
/* A JSON value as JSON text. */
int proc_json_write(struct dv_buf *b, yajl_val v);

/* The argument text t of parameter it of p into json (an action's body)
 * and lit (a function's alias value, not yet URL-encoded): Edm scalars,
 * collections (a JSON array or a comma-separated list) and complex values
 * written as JSON.  0; -1 with err (22018 naming the parameter and what it
 * wants); 1 when the parameter is an entity reference (the caller's). */
int proc_arg_value(const struct dv_proc *p, const struct dv_proc_item *it, const char *t,
		   struct dv_buf *json, struct dv_buf *lit, struct dv_error *err);

enum proc_shape_kind { PSH_NONE, PSH_VALUE, PSH_OBJECT, PSH_ARRAY, PSH_DICT, PSH_ENTITY };
enum proc_elem_kind { PEL_PRIMITIVE, PEL_COMPLEX, PEL_ENTITY };

struct proc_shape {
	enum proc_shape_kind kind;
	const char *member;                /* PSH_ARRAY / PSH_DICT: where in the answer */
	enum proc_elem_kind elem;          /* PSH_ARRAY */
	char elem_type[PROC_TYPE_MAX];     /* PSH_VALUE, PSH_ARRAY of primitives */
	const char *prim_name;             /* their column's name */
	const struct dv_complex_type *ct;  /* PSH_OBJECT, PSH_ARRAY of complex */
	char key_type[PROC_TYPE_MAX], value_type[PROC_TYPE_MAX]; /* PSH_DICT */
};

/* The shape of return type ret (NULL: nothing). */
void proc_result_shape(const struct dv_procs *procs, const char *ret, struct proc_shape *sh);

/* Calls col(ctx, name, edm, nullable) for each result column of sh (names
 * point into procs or are static, edm types as the CSDL writes them).
 * 0, or the first non-zero col() returned. */
typedef int (*proc_col_fn)(void *ctx, const char *name, const char *edm, int nullable);
int proc_result_cols(const struct proc_shape *sh, proc_col_fn col, void *ctx);

/* Walks the answer root: row(ctx) starts each row, cell(ctx, i, v, text,
 * edm) gives its column i, either a JSON value v (NULL: null) or, for an
 * entity's EntityName, text.  0, or the first non-zero a callback returned. */
struct proc_rows_cb {
	int (*row)(void *ctx);
	int (*cell)(void *ctx, int col, yajl_val v, const char *text, const char *edm);
	void *ctx;
};
int proc_answer_rows(const struct proc_shape *sh, const char *ret, yajl_val root,
		     const struct proc_rows_cb *cb);

#endif
