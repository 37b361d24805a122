/* call_result.c - what a procedure call answers, as SQL (see call.h).
 *
 * Owns: the Edm types as SQL types, the shape of a return type (which rows
 * and columns its answer becomes), the parameter and result columns
 * SQLProcedureColumns lists (dv_call_describe), and turning the service's
 * JSON answer into the statement's result set:
 *   a complex type                      one row of its properties
 *   a complex type holding a collection one row per element
 *   a Keys/Values dictionary            rows of (Key, Value)
 *     (EntityRecordCountCollection)
 *   Collection(...)                     one row per element
 *   an entity                           (EntityName, Id)
 *   a primitive                         one row, column Value
 * Nested objects inside a row come as JSON text.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-functions */
#include "odbc/call_int.h"
#include "odbc/stmt.h"
#include "odbc/types.h"
#include "catalog/catalog_procs.h"
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

int call_is_edm(const char *type)
{
	return strncmp(type, "Edm.", 4) == 0;
}

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

/* "Collection(X)" -> 1 and X into inner. */
int call_collection_of(const char *type, char inner[TYPE_MAX])
{
	size_t n = strlen(type);
	if (n < 12 || strncmp(type, "Collection(", 11) != 0 || type[n - 1] != ')' ||
	    n - 12 >= TYPE_MAX)
		return 0;
	memcpy(inner, type + 11, n - 12);
	inner[n - 12] = '\0';
	return 1;
}

/* ---- the result's shape ------------------------------------------------------- */

enum shape_kind { SH_NONE, SH_VALUE, SH_OBJECT, SH_ARRAY, SH_DICT, SH_ENTITY };
enum elem_kind { EL_PRIMITIVE, EL_COMPLEX, EL_ENTITY };

struct shape {
	enum shape_kind kind;
	const char *member;                /* SH_ARRAY / SH_DICT: where in the answer */
	enum elem_kind elem;               /* SH_ARRAY */
	char elem_type[TYPE_MAX];          /* SH_VALUE, SH_ARRAY of primitives */
	const char *prim_name;             /* their column's name */
	const struct dv_complex_type *ct;  /* SH_OBJECT, SH_ARRAY of complex */
	char key_type[TYPE_MAX], value_type[TYPE_MAX]; /* SH_DICT */
};

static const struct dv_proc_item *prop(const struct dv_complex_type *ct, const char *name)
{
	for (size_t i = 0; i < ct->nprops; i++)
		if (strcmp(ct->props[i].name, name) == 0)
			return &ct->props[i];
	return NULL;
}

static void array_of(const struct dv_procs *procs, const char *inner, const char *member,
		     const char *prim_name, struct shape *sh)
{
	sh->kind = SH_ARRAY;
	sh->member = member;
	sh->prim_name = prim_name;
	dv_strlcpy(sh->elem_type, inner, sizeof(sh->elem_type));
	sh->ct = call_is_edm(inner) ? NULL : dv_procs_complex(procs, inner);
	sh->elem = call_is_edm(inner) ? EL_PRIMITIVE : sh->ct ? EL_COMPLEX : EL_ENTITY;
}

static void result_shape(const struct dv_procs *procs, const char *ret, struct shape *sh)
{
	char inner[TYPE_MAX];
	memset(sh, 0, sizeof(*sh));
	if (!ret)
		return;
	if (call_collection_of(ret, inner)) {
		array_of(procs, inner, "value", "Value", sh);
		return;
	}
	if (call_is_edm(ret)) {
		sh->kind = SH_VALUE;
		sh->prim_name = "Value";
		dv_strlcpy(sh->elem_type, ret, sizeof(sh->elem_type));
		return;
	}
	const struct dv_complex_type *ct = dv_procs_complex(procs, ret);
	if (!ct) {
		sh->kind = SH_ENTITY;
		return;
	}
	sh->kind = SH_OBJECT;
	sh->ct = ct;
	if (ct->nprops != 1)
		return;
	const struct dv_proc_item *p = &ct->props[0];
	if (call_collection_of(p->type, inner)) {
		array_of(procs, inner, p->name, p->name, sh);
		return;
	}
	const struct dv_complex_type *d = dv_procs_complex(procs, p->type);
	const struct dv_proc_item *k = d ? prop(d, "Keys") : NULL, *v = d ? prop(d, "Values") : NULL;
	if (k && v && call_collection_of(k->type, sh->key_type) &&
	    call_collection_of(v->type, sh->value_type)) {
		sh->kind = SH_DICT;
		sh->member = p->name;
	}
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

static int complex_cols(const struct dv_complex_type *ct, struct dv_call_col **cols, size_t *n)
{
	for (size_t i = 0; i < ct->nprops; i++)
		if (add_col(cols, n, ct->props[i].name, ct->props[i].type, SQL_RESULT_COL,
			    ct->props[i].nullable) != 0)
			return -1;
	return 0;
}

static int entity_cols(struct dv_call_col **cols, size_t *n)
{
	if (add_col(cols, n, "EntityName", "Edm.String", SQL_RESULT_COL, 0) != 0)
		return -1;
	return add_col(cols, n, "Id", "Edm.Guid", SQL_RESULT_COL, 0);
}

/* The result columns of a shape (names point into the shape's procs or are static). */
static int shape_cols(const struct shape *sh, struct dv_call_col **cols, size_t *n)
{
	switch (sh->kind) {
	case SH_NONE:
		return 0;
	case SH_VALUE:
		return add_col(cols, n, sh->prim_name, static_edm(sh->elem_type), SQL_RESULT_COL, 1);
	case SH_OBJECT:
		return complex_cols(sh->ct, cols, n);
	case SH_DICT:
		if (add_col(cols, n, "Key", static_edm(sh->key_type), SQL_RESULT_COL, 0) != 0)
			return -1;
		return add_col(cols, n, "Value", static_edm(sh->value_type), SQL_RESULT_COL, 1);
	case SH_ARRAY:
		if (sh->elem == EL_PRIMITIVE)
			return add_col(cols, n, sh->prim_name, static_edm(sh->elem_type),
				       SQL_RESULT_COL, 1);
		if (sh->elem == EL_COMPLEX)
			return complex_cols(sh->ct, cols, n);
		return entity_cols(cols, n);
	case SH_ENTITY:
		return entity_cols(cols, n);
	}
	return 0;
}

int dv_call_describe(const struct dv_procs *procs, const struct dv_proc *p, const char *key_name,
		     struct dv_call_col **cols, size_t *n)
{
	struct shape sh;
	*cols = NULL;
	*n = 0;
	if (p->bound_entity &&
	    add_col(cols, n, key_name, "Edm.Guid", SQL_PARAM_INPUT, 0) != 0)
		goto nomem;
	for (size_t i = 0; i < p->nparams; i++)
		if (add_col(cols, n, p->params[i].name, p->params[i].type, SQL_PARAM_INPUT,
			    p->params[i].nullable) != 0)
			goto nomem;
	result_shape(procs, p->return_type, &sh);
	if (shape_cols(&sh, cols, n) != 0)
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

/* The procedure a call names, or a diagnostic. */

int call_json_string(struct dv_buf *b, const char *s)
{
	int rc = dv_buf_appendc(b, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			rc |= dv_buf_appendc(b, '\\') | dv_buf_appendc(b, (char)ch);
		else if (ch < 0x20)
			rc |= dv_buf_appendf(b, "\\u%04x", ch);
		else
			rc |= dv_buf_appendc(b, (char)ch);
	}
	return rc | dv_buf_appendc(b, '"');
}

/* An OData string literal: 'it''s'. */

/* ---- the answer as rows ------------------------------------------------------------- */

static yajl_val member(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

static int json_write(struct dv_buf *b, yajl_val v)
{
	int rc = 0;
	if (!v || YAJL_IS_NULL(v))
		return dv_buf_appends(b, "null");
	if (YAJL_IS_TRUE(v))
		return dv_buf_appends(b, "true");
	if (YAJL_IS_FALSE(v))
		return dv_buf_appends(b, "false");
	if (YAJL_IS_STRING(v))
		return call_json_string(b, YAJL_GET_STRING(v));
	if (YAJL_IS_NUMBER(v))
		return dv_buf_appends(b, YAJL_GET_NUMBER(v));
	if (YAJL_IS_ARRAY(v)) {
		rc |= dv_buf_appendc(b, '[');
		for (size_t i = 0; i < v->u.array.len; i++)
			rc |= (i ? dv_buf_appendc(b, ',') : 0) | json_write(b, v->u.array.values[i]);
		return rc | dv_buf_appendc(b, ']');
	}
	rc |= dv_buf_appendc(b, '{');
	for (size_t i = 0; i < v->u.object.len; i++)
		rc |= (i ? dv_buf_appendc(b, ',') : 0) | call_json_string(b, v->u.object.keys[i]) |
		      dv_buf_appendc(b, ':') | json_write(b, v->u.object.values[i]);
	return rc | dv_buf_appendc(b, '}');
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
	int rc = json_write(&b, v);
	if (rc == 0)
		rc = dv_rowset_set_text(rs, col, dv_buf_str(&b));
	dv_buf_free(&b);
	return rc;
}

/* An entity's row: (EntityName from @odata.type, Id = its <name>id). */
static int entity_row(struct dv_rowset *rs, yajl_val e, const char *fallback)
{
	yajl_val t = member(e, "@odata.type");
	const char *name = YAJL_IS_STRING(t) ? YAJL_GET_STRING(t) : fallback;
	char key[TYPE_MAX];
	if (name[0] == '#')
		name++;
	if (strncmp(name, "Microsoft.Dynamics.CRM.", 23) == 0)
		name += 23;
	if (strncmp(name, "mscrm.", 6) == 0)
		name += 6;
	snprintf(key, sizeof(key), "%sid", name);
	if (dv_rowset_add_row(rs) != 0 || dv_rowset_set_text(rs, 0, name) != 0)
		return -1;
	return set_cell(rs, 1, member(e, key), "Edm.Guid");
}

static int complex_row(struct dv_rowset *rs, const struct dv_complex_type *ct, yajl_val obj)
{
	if (dv_rowset_add_row(rs) != 0)
		return -1;
	for (size_t i = 0; i < ct->nprops; i++)
		if (set_cell(rs, (int)i, member(obj, ct->props[i].name), ct->props[i].type) != 0)
			return -1;
	return 0;
}

static int fill_rows(struct dv_rowset *rs, const struct shape *sh, const char *ret, yajl_val root)
{
	switch (sh->kind) {
	case SH_NONE:
		return 0;
	case SH_VALUE:
		if (dv_rowset_add_row(rs) != 0)
			return -1;
		return set_cell(rs, 0, member(root, "value"), sh->elem_type);
	case SH_OBJECT:
		return complex_row(rs, sh->ct, root);
	case SH_ENTITY:
		return entity_row(rs, root, ret);
	case SH_DICT: {
		yajl_val d = member(root, sh->member);
		yajl_val k = member(d, "Keys"), v = member(d, "Values");
		size_t n = YAJL_IS_ARRAY(k) ? k->u.array.len : 0;
		for (size_t i = 0; i < n; i++) {
			yajl_val vi = YAJL_IS_ARRAY(v) && i < v->u.array.len ? v->u.array.values[i]
									     : NULL;
			if (dv_rowset_add_row(rs) != 0 ||
			    set_cell(rs, 0, k->u.array.values[i], sh->key_type) != 0 ||
			    set_cell(rs, 1, vi, sh->value_type) != 0)
				return -1;
		}
		return 0;
	}
	case SH_ARRAY: {
		yajl_val a = member(root, sh->member);
		size_t n = YAJL_IS_ARRAY(a) ? a->u.array.len : 0;
		for (size_t i = 0; i < n; i++) {
			yajl_val e = a->u.array.values[i];
			int rc;
			if (sh->elem == EL_PRIMITIVE)
				rc = dv_rowset_add_row(rs) != 0 ? -1 : set_cell(rs, 0, e, sh->elem_type);
			else if (sh->elem == EL_COMPLEX)
				rc = complex_row(rs, sh->ct, e);
			else
				rc = entity_row(rs, e, sh->elem_type);
			if (rc != 0)
				return -1;
		}
		return 0;
	}
	}
	return 0;
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

/* The answer's rows become the open cursor (the prepared call stays prepared). */
SQLRETURN call_take_answer(struct dv_stmt *s, const struct dv_procs *procs,
			     const struct dv_proc *p, struct dv_buf *body, struct dv_error *err)
{
	struct shape sh;
	struct dv_call_col *cols;
	size_t n;
	char ebuf[128];
	result_shape(procs, p->return_type, &sh);
	if (sh.kind == SH_NONE) {
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
	if (dv_call_describe(procs, p, "", &cols, &n) != 0) {
		yajl_tree_free(root);
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	}
	struct dv_rowset *rs = new_rowset(cols, n);
	SQLRETURN rc = rs ? call_fill_ird(s, cols, n) : SQL_ERROR;
	free(cols);
	if (!rs || rc != SQL_SUCCESS || fill_rows(rs, &sh, p->return_type, root) != 0) {
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

