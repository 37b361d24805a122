/* call_result.c - what a procedure call answers, as SQL (see call.h).
 *
 * Owns: the Edm types as SQL types, the parameter and result columns
 * SQLProcedureColumns lists (dv_call_describe), and the service's JSON
 * answer as the statement's result set (the rows of each return type are
 * engine/proc_call.c's: a complex type one row, a complex type holding a
 * collection one row per element, a Keys/Values dictionary (Key, Value)
 * rows, an entity (EntityName, Id), a primitive one Value).  Nested
 * objects inside a row come as JSON text.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-functions */
#include "odbc/call_int.h"
#include "odbc/stmt.h"
#include "odbc/convert.h"
#include "odbc/types.h"
#include "catalog/catalog_procs.h"
#include "engine/proc_call.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* ---- Edm types as SQL types -------------------------------------------------- */

static const struct {
	const char *edm;
	SQLSMALLINT sql_type;
	SQLULEN size;
} edm_types[] = {
	{"Edm.String", SQL_WVARCHAR, 4000}, {"Edm.Guid", SQL_GUID, 36},
	{"Edm.Int32", SQL_INTEGER, 10}, {"Edm.Int64", SQL_BIGINT, 19},
	{"Edm.Int16", SQL_SMALLINT, 5}, {"Edm.Byte", SQL_TINYINT, 3},
	{"Edm.SByte", SQL_TINYINT, 3}, {"Edm.Boolean", SQL_BIT, 1},
	{"Edm.Double", SQL_DOUBLE, 15}, {"Edm.Single", SQL_REAL, 7},
	{"Edm.Decimal", SQL_DOUBLE, 15}, {"Edm.DateTimeOffset", SQL_TYPE_TIMESTAMP, 19},
	{"Edm.Date", SQL_TYPE_DATE, 10}, {"Edm.TimeOfDay", SQL_TYPE_TIME, 8},
};

/* Anything else (collections, entities, complex types, binary) is text:
 * JSON, a list, or base64. */
static void edm_sql(const char *edm, SQLSMALLINT *t, SQLULEN *size)
{
	for (size_t i = 0; i < sizeof(edm_types) / sizeof(edm_types[0]); i++)
		if (strcmp(edm, edm_types[i].edm) == 0) {
			*t = edm_types[i].sql_type;
			*size = edm_types[i].size;
			return;
		}
	*t = SQL_WVARCHAR;
	*size = 4000;
}

/* The table's own copy of an Edm type name (a column keeps the pointer);
 * "Edm.String" for anything not in the table. */
static const char *static_edm(const char *t)
{
	for (size_t i = 0; i < sizeof(edm_types) / sizeof(edm_types[0]); i++)
		if (strcmp(t, edm_types[i].edm) == 0)
			return edm_types[i].edm;
	return "Edm.String";
}

static int add_col(struct dv_call_col **cols, size_t *n, const char *name, const char *edm,
		   SQLSMALLINT column_type, int nullable)
{
	struct dv_call_col *c = realloc(*cols, (*n + 1) * sizeof(*c));
	if (!c)
		return -1;
	*cols = c;
	c += (*n)++;
	c->name = name;
	c->edm_type = edm;
	c->column_type = column_type;
	edm_sql(edm, &c->sql_type, &c->size);
	c->nullable = nullable ? SQL_NULLABLE : SQL_NO_NULLS;
	return 0;
}

struct cols_ctx {
	struct dv_call_col **cols;
	size_t *n;
	const struct proc_shape *sh;
};

/* A result column of the shape: its Edm type kept as a pointer, to the
 * table's own copy when it lives in the (stack) shape. */
static int result_col(void *ctx, const char *name, const char *edm, int nullable)
{
	struct cols_ctx *c = ctx;
	const char *lo = (const char *)c->sh, *hi = (const char *)(c->sh + 1);
	if (edm >= lo && edm < hi)
		edm = static_edm(edm);
	return add_col(c->cols, c->n, name, edm, SQL_RESULT_COL, nullable);
}

void call_outputs(const struct dv_procs *procs, const struct dv_proc *p, size_t *nout,
		  int *has_ret)
{
	struct proc_shape sh;
	proc_result_shape(procs, p->return_type, &sh);
	*nout = 0;
	*has_ret = sh.kind == PSH_VALUE;
	if (sh.kind != PSH_OBJECT || sh.ct->nprops == 0 || sh.ct->nprops > SQL_CALL_MAX_ARGS)
		return;
	for (size_t i = 0; i < sh.ct->nprops; i++)
		if (!proc_is_edm(sh.ct->props[i].type))
			return;
	*nout = sh.ct->nprops;
	*has_ret = sh.ct->nprops == 1;
}

const char *call_output_name(const struct dv_procs *procs, const struct dv_proc *p, size_t i)
{
	const struct dv_complex_type *ct = p->return_type ? dv_procs_complex(procs, p->return_type)
							  : NULL;
	return ct && i < ct->nprops ? ct->props[i].name : "?";
}

int dv_call_describe(const struct dv_procs *procs, const struct dv_proc *p, const char *key_name,
		     struct dv_call_col **cols, size_t *n)
{
	struct proc_shape sh;
	*cols = NULL;
	*n = 0;
	if (p->bound_entity &&
	    add_col(cols, n, key_name, "Edm.Guid", SQL_PARAM_INPUT, 0) != 0)
		goto nomem;
	for (size_t i = 0; i < p->nparams; i++)
		if (add_col(cols, n, p->params[i].name, p->params[i].type, SQL_PARAM_INPUT,
			    p->params[i].nullable) != 0)
			goto nomem;
	proc_result_shape(procs, p->return_type, &sh);
	struct cols_ctx cc = {cols, n, &sh};
	if (proc_result_cols(&sh, result_col, &cc) != 0)
		goto nomem;
	/* the same values as output parameters / the return value */
	size_t nout;
	int has_ret;
	call_outputs(procs, p, &nout, &has_ret);
	for (size_t i = 0; i < nout; i++)
		if (add_col(cols, n, sh.ct->props[i].name, sh.ct->props[i].type, SQL_PARAM_OUTPUT,
			    sh.ct->props[i].nullable) != 0)
			goto nomem;
	if (has_ret && add_col(cols, n, "RETURN_VALUE", sh.kind == PSH_VALUE ?
			       static_edm(sh.elem_type) : sh.ct->props[0].type, SQL_RETURN_VALUE,
			       sh.kind == PSH_VALUE || sh.ct->props[0].nullable) != 0)
		goto nomem;
	return 0;
nomem:
	free(*cols);
	*cols = NULL;
	*n = 0;
	return -1;
}

SQLRETURN call_fill_ird(struct dv_stmt *s, const struct dv_call_col *cols, size_t n)
{
	size_t first = 0, count = 0;
	dv_desc_clear_records(&s->ird);
	for (size_t i = 0; i < n; i++)
		if (cols[i].column_type == SQL_RESULT_COL && count++ == 0)
			first = i;
	if (count == 0)
		return SQL_SUCCESS;
	if (dv_desc_ensure(&s->ird, (SQLSMALLINT)count) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	for (size_t i = 0; i < count; i++) {
		const struct dv_call_col *c = &cols[first + i];
		if (dv_type_fill_rec(&s->ird.recs[i + 1], c->name, "", "", c->sql_type, NULL,
				     c->size, 0, c->nullable) != 0)
			return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		s->ird.recs[i + 1].updatable = SQL_ATTR_READONLY;
	}
	return SQL_SUCCESS;
}

/* One cell from a JSON value. */
static int set_cell(struct dv_rowset *rs, int col, yajl_val v, const char *edm)
{
	if (!v || YAJL_IS_NULL(v)) {
		dv_rowset_set_null(rs, col);
		return 0;
	}
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		dv_rowset_set_int(rs, col, YAJL_IS_TRUE(v));
		return 0;
	}
	if (YAJL_IS_INTEGER(v)) {
		dv_rowset_set_int(rs, col, YAJL_GET_INTEGER(v));
		return 0;
	}
	if (YAJL_IS_NUMBER(v))
		return dv_rowset_set_text(rs, col, YAJL_GET_NUMBER(v));
	if (YAJL_IS_STRING(v)) {
		const char *t = YAJL_GET_STRING(v);
		char ts[40];
		/* "2024-01-31T10:00:00Z" as the engine writes date-times */
		if (strcmp(edm, "Edm.DateTimeOffset") == 0 && strlen(t) >= 19 && t[10] == 'T') {
			snprintf(ts, sizeof(ts), "%.10s %.8s", t, t + 11);
			return dv_rowset_set_text(rs, col, ts);
		}
		return dv_rowset_set_text(rs, col, t);
	}
	struct dv_buf b;
	dv_buf_init(&b, 0);
	int rc = proc_json_write(&b, v);
	if (rc == 0)
		rc = dv_rowset_set_text(rs, col, dv_buf_str(&b));
	dv_buf_free(&b);
	return rc;
}

static int rs_row(void *ctx)
{
	return dv_rowset_add_row(ctx);
}

static int rs_cell(void *ctx, int col, yajl_val v, const char *text, const char *edm)
{
	return text ? dv_rowset_set_text(ctx, col, text) : set_cell(ctx, col, v, edm);
}

/* A rowset and its column table in one allocation, so that dv_rowset_free
 * (which frees the rowset block) releases both. */
static struct dv_rowset *new_rowset(const struct dv_call_col *cols, size_t n)
{
	size_t head = (sizeof(struct dv_rowset) + 15) / 16 * 16, names = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		if (cols[i].column_type == SQL_RESULT_COL)
			names += strlen(cols[i].name) + 1;
	char *block = calloc(1, head + n * sizeof(struct dv_rs_col) + names);
	if (!block)
		return NULL;
	struct dv_rowset *rs = (struct dv_rowset *)(void *)block;
	struct dv_rs_col *rc = (struct dv_rs_col *)(void *)(block + head);
	char *p = (char *)(rc + n);
	for (size_t i = 0; i < n; i++) {
		if (cols[i].column_type != SQL_RESULT_COL)
			continue;
		size_t l = strlen(cols[i].name) + 1;
		memcpy(p, cols[i].name, l);
		rc[k].name = p;
		rc[k].sql_type = cols[i].sql_type;
		rc[k].size = cols[i].size;
		rc[k].nullable = cols[i].nullable;
		p += l;
		k++;
	}
	rs->cols = rc;
	rs->ncols = (int)k;
	return rs;
}

/* ---- output parameters ------------------------------------------------------------- */

#define OUT_MAX (SQL_CALL_MAX_ARGS + 1)

struct first_row {
	int rows;
	yajl_val v[OUT_MAX];
};

static int first_row(void *ctx)
{
	((struct first_row *)ctx)->rows++;
	return 0;
}

static int first_cell(void *ctx, int col, yajl_val v, const char *text, const char *edm)
{
	struct first_row *f = ctx;
	(void)text;
	(void)edm;
	if (f->rows == 1 && col >= 0 && col < OUT_MAX)
		f->v[col] = v;
	return 0;
}

/* Writes v (of Edm type edm) into parameter n's buffers, as ODBC converts
 * SQL data to C: 01004 truncation, 22003 out of range, 22002 NULL without
 * an indicator.  SQL_SUCCESS, _WITH_INFO or SQL_ERROR (diagnostic added). */
static SQLRETURN write_param(struct dv_stmt *s, const struct dv_proc *p, int n, const char *what,
			     yajl_val v, const char *edm)
{
	struct dv_desc *apd = s->apd;
	struct dv_desc_rec *a = &apd->recs[n];
	SQLLEN off = apd->bind_offset_ptr ? *apd->bind_offset_ptr : 0;
	SQLSMALLINT sql_type;
	SQLULEN size;
	struct dv_value val;
	struct dv_buf text;
	struct dv_error err;
	char ts[40];
	edm_sql(edm, &sql_type, &size);
	memset(&val, 0, sizeof(val));
	dv_buf_init(&text, 0);
	if (!v || YAJL_IS_NULL(v)) {
		val.type = DV_V_NULL;
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		val.type = DV_V_INT;
		val.i = YAJL_IS_TRUE(v);
	} else if (YAJL_IS_INTEGER(v)) {
		val.type = DV_V_INT;
		val.i = YAJL_GET_INTEGER(v);
	} else if (YAJL_IS_DOUBLE(v)) {
		val.type = DV_V_DOUBLE;
		val.d = YAJL_GET_DOUBLE(v);
	} else if (YAJL_IS_STRING(v)) {
		const char *t = YAJL_GET_STRING(v);
		val.type = DV_V_TEXT;
		val.s = t;
		if (strcmp(edm, "Edm.DateTimeOffset") == 0 && strlen(t) >= 19 && t[10] == 'T') {
			snprintf(ts, sizeof(ts), "%.10s %.8s", t, t + 11);
			val.s = ts;
		}
		val.len = strlen(val.s);
	} else {
		if (proc_json_write(&text, v) != 0 || !dv_buf_str(&text))
			return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		val.type = DV_V_TEXT;
		val.s = dv_buf_str(&text);
		val.len = text.len;
	}
	SQLSMALLINT c = a->concise_type == SQL_C_DEFAULT ? dv_default_c_type(sql_type)
							 : a->concise_type;
	struct dv_conv_dst dst = {
		c, a->data_ptr ? (char *)a->data_ptr + off : NULL, a->octet_length,
		a->octet_length_ptr ? (SQLLEN *)(void *)((char *)a->octet_length_ptr + off) : NULL,
		a->indicator_ptr ? (SQLLEN *)(void *)((char *)a->indicator_ptr + off) : NULL,
		a->precision, a->scale};
	struct dv_conv_src src = {sql_type, 0};
	dv_error_clear(&err);
	SQLRETURN rc = dv_convert_cs(&val, &src, &dst, s->dbc->charset, NULL, &err);
	dv_buf_free(&text);
	if (rc != SQL_SUCCESS && rc != SQL_NO_DATA) {
		char msg[DV_ERROR_MSG_MAX + 200];
		snprintf(msg, sizeof(msg), "%s: output parameter %d (%s, %s): %s", p->sql_name, n,
			 what, edm, err.message[0] ? err.message : dv_sqlstate_text(err.state));
		dv_diag_add(&s->h.diag, err.state, err.native, msg, SQL_NO_ROW_NUMBER,
			    SQL_NO_COLUMN_NUMBER);
	}
	return rc == SQL_NO_DATA ? SQL_SUCCESS : rc;
}

/* The answer's values into the return value and output parameters. */
static SQLRETURN take_outputs(struct dv_stmt *s, const struct dv_procs *procs,
			      const struct dv_proc *p, const struct proc_shape *sh, yajl_val root,
			      const struct call_outs *outs)
{
	struct first_row f;
	struct proc_rows_cb cb = {first_row, first_cell, &f};
	SQLRETURN rc = SQL_SUCCESS;
	memset(&f, 0, sizeof(f));
	if (proc_answer_rows(sh, p->return_type, root, &cb) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	const char *edm0 = sh->kind == PSH_VALUE ? sh->elem_type : sh->ct->props[0].type;
	if (outs->ret)
		rc = write_param(s, p, outs->ret, "RETURN_VALUE", f.v[0], edm0);
	for (size_t i = 0; i < outs->n && rc != SQL_ERROR; i++) {
		SQLRETURN r;
		if (!outs->marker[i])
			continue;
		r = write_param(s, p, outs->marker[i], call_output_name(procs, p, i), f.v[i],
				sh->ct->props[i].type);
		if (r != SQL_SUCCESS)
			rc = r;
	}
	s->state = DV_ST_EXECUTED;
	s->row_count = -1;
	s->h.diag.row_count = -1;
	return rc;
}

/* The answer's rows become the open cursor (the prepared call stays prepared),
 * or, with outs, its values go into the output parameters. */
SQLRETURN call_take_answer(struct dv_stmt *s, const struct dv_procs *procs,
			   const struct dv_proc *p, struct dv_buf *body, const struct call_outs *outs,
			   struct dv_error *err)
{
	struct proc_shape sh;
	struct dv_call_col *cols;
	size_t n;
	char ebuf[128];
	proc_result_shape(procs, p->return_type, &sh);
	if (sh.kind == PSH_NONE) {
		s->state = DV_ST_EXECUTED;
		s->row_count = -1;
		s->h.diag.row_count = -1;
		return dv_diag_success(&s->h.diag);
	}
	yajl_val root = body->len ? yajl_tree_parse(dv_buf_str(body), ebuf, sizeof(ebuf)) : NULL;
	if (!root || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		if (p->is_action)
			return dv_diag_error(&s->h.diag, DV_S_08007, "outcome unknown: the service's "
					     "answer to the action %s could not be read; it may have "
					     "run: check before calling it again", p->sql_name);
		dv_error_set(err, DV_S_HY000, 0, "%s: the service's answer is not JSON",
			     p->sql_name);
		dv_diag_add_error(&s->h.diag, err);
		return SQL_ERROR;
	}
	if (outs) {
		SQLRETURN orc = take_outputs(s, procs, p, &sh, root, outs);
		yajl_tree_free(root);
		return orc;
	}
	if (dv_call_describe(procs, p, "", &cols, &n) != 0) {
		yajl_tree_free(root);
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	}
	struct dv_rowset *rs = new_rowset(cols, n);
	struct proc_rows_cb cb = {rs_row, rs_cell, rs};
	SQLRETURN rc = rs ? call_fill_ird(s, cols, n) : SQL_ERROR;
	free(cols);
	if (!rs || rc != SQL_SUCCESS || proc_answer_rows(&sh, p->return_type, root, &cb) != 0) {
		yajl_tree_free(root);
		dv_rowset_free(rs);
		return rc != SQL_SUCCESS ? rc : dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	}
	yajl_tree_free(root);
	s->rowset = rs;
	s->state = DV_ST_CURSOR;
	s->row_count = -1;
	s->h.diag.row_count = -1;
	return dv_diag_success(&s->h.diag);
}

