/* proc_call.c - arguments and answers of the service's functions and
 * actions (see proc_call.h).
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-functions
 *         https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-actions */
#include "engine/proc_call.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

/* ---- small pieces ------------------------------------------------------------ */

int proc_is_edm(const char *type)
{
	return strncmp(type, "Edm.", 4) == 0;
}

int proc_collection_of(const char *type, char inner[PROC_TYPE_MAX])
{
	size_t n = strlen(type);
	if (n < 12 || strncmp(type, "Collection(", 11) != 0 || type[n - 1] != ')' ||
	    n - 12 >= PROC_TYPE_MAX)
		return 0;
	memcpy(inner, type + 11, n - 12);
	inner[n - 12] = '\0';
	return 1;
}

int proc_json_string(struct dv_buf *b, const char *s)
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

int proc_guid(const char *t, char out[37])
{
	size_t n = strlen(t);
	if (n == 38 && t[0] == '{' && t[37] == '}') {
		t++;
		n = 36;
	}
	if (n != 36)
		return 0;
	for (size_t i = 0; i < 36; i++) {
		char ch = t[i];
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
					 (ch >= 'A' && ch <= 'F')))
			return 0;
		out[i] = (char)(ch >= 'A' && ch <= 'F' ? ch + 32 : ch);
	}
	out[36] = '\0';
	return 1;
}

int proc_json_write(struct dv_buf *b, yajl_val v)
{
	int rc = 0;
	if (!v || YAJL_IS_NULL(v))
		return dv_buf_appends(b, "null");
	if (YAJL_IS_TRUE(v))
		return dv_buf_appends(b, "true");
	if (YAJL_IS_FALSE(v))
		return dv_buf_appends(b, "false");
	if (YAJL_IS_STRING(v))
		return proc_json_string(b, YAJL_GET_STRING(v));
	if (YAJL_IS_NUMBER(v))
		return dv_buf_appends(b, YAJL_GET_NUMBER(v));
	if (YAJL_IS_ARRAY(v)) {
		rc |= dv_buf_appendc(b, '[');
		for (size_t i = 0; i < v->u.array.len; i++)
			rc |= (i ? dv_buf_appendc(b, ',') : 0) | proc_json_write(b, v->u.array.values[i]);
		return rc | dv_buf_appendc(b, ']');
	}
	rc |= dv_buf_appendc(b, '{');
	for (size_t i = 0; i < v->u.object.len; i++)
		rc |= (i ? dv_buf_appendc(b, ',') : 0) | proc_json_string(b, v->u.object.keys[i]) |
		      dv_buf_appendc(b, ':') | proc_json_write(b, v->u.object.values[i]);
	return rc | dv_buf_appendc(b, '}');
}

/* ---- argument values --------------------------------------------------------------- */

/* An OData string literal: 'it''s'. */
static int odata_string(struct dv_buf *b, const char *s)
{
	int rc = dv_buf_appendc(b, '\'');
	for (; *s; s++)
		rc |= *s == '\'' ? dv_buf_appends(b, "''") : dv_buf_appendc(b, *s);
	return rc | dv_buf_appendc(b, '\'');
}

static int bad_value(struct dv_error *err, const struct dv_proc *p, const char *pname,
		     const char *type, const char *text, const char *want)
{
	return dv_error_set(err, DV_S_22018, 0, "%s: the value '%.60s' of %s (%s) is not %s",
			    p->sql_name, text, pname, type, want);
}

/* One scalar of Edm type `type` from text into both forms. */
static int scalar(const struct dv_proc *p, const char *pname, const char *type, const char *t,
		  struct dv_buf *json, struct dv_buf *lit, struct dv_error *err)
{
	int rc = 0;
	if (strcmp(type, "Edm.String") == 0) {
		rc = proc_json_string(json, t) | odata_string(lit, t);
	} else if (strncmp(type, "Edm.Int", 7) == 0 || strcmp(type, "Edm.Byte") == 0 ||
		   strcmp(type, "Edm.SByte") == 0) {
		int64_t i;
		if (dv_parse_int64(t, &i) != 0)
			return bad_value(err, p, pname, type, t, "a whole number");
		rc = dv_buf_appendf(json, "%lld", (long long)i) |
		     dv_buf_appendf(lit, "%lld", (long long)i);
	} else if (strcmp(type, "Edm.Double") == 0 || strcmp(type, "Edm.Single") == 0 ||
		   strcmp(type, "Edm.Decimal") == 0) {
		char *end;
		strtod(t, &end);
		if (end == t || *end)
			return bad_value(err, p, pname, type, t, "a number");
		rc = dv_buf_appends(json, t) | dv_buf_appends(lit, t);
	} else if (strcmp(type, "Edm.Boolean") == 0) {
		int b;
		if (dv_strcasecmp(t, "true") == 0 || strcmp(t, "1") == 0)
			b = 1;
		else if (dv_strcasecmp(t, "false") == 0 || strcmp(t, "0") == 0)
			b = 0;
		else
			return bad_value(err, p, pname, type, t, "true/false or 1/0");
		rc = dv_buf_appends(json, b ? "true" : "false") |
		     dv_buf_appends(lit, b ? "true" : "false");
	} else if (strcmp(type, "Edm.Guid") == 0) {
		char g[37];
		if (!proc_guid(t, g))
			return bad_value(err, p, pname, type, t, "a GUID");
		rc = proc_json_string(json, g) | dv_buf_appends(lit, g);
	} else if (strcmp(type, "Edm.DateTimeOffset") == 0 || strcmp(type, "Edm.Date") == 0) {
		char d[32];
		size_t n = strlen(t);
		int date = type[4] == 'D' && type[8] == '\0';
		if (n < 10 || n > 29 || t[4] != '-' || t[7] != '-')
			return bad_value(err, p, pname, type, t, "a date-time (YYYY-MM-DD HH:MM:SS)");
		if (date || n == 10)
			snprintf(d, sizeof(d), "%.10s%s", t, date ? "" : "T00:00:00Z");
		else
			snprintf(d, sizeof(d), "%.10sT%.8sZ", t, t + 11);
		rc = proc_json_string(json, d) | dv_buf_appends(lit, d);
	} else {
		return bad_value(err, p, pname, type, t, "of a type a call can pass");
	}
	return rc ? dv_error_nomem(err) : 0;
}

/* Collection(X): a JSON array as given, or a comma-separated list. */
static int collection(const struct dv_proc *p, const char *pname, const char *inner,
		      const char *t, struct dv_buf *json, struct dv_buf *lit, struct dv_error *err)
{
	while (*t == ' ')
		t++;
	if (*t == '[') {
		char ebuf[64];
		yajl_val root = yajl_tree_parse(t, ebuf, sizeof(ebuf));
		int ok = root && YAJL_IS_ARRAY(root);
		yajl_tree_free(root);
		if (!ok)
			return bad_value(err, p, pname, "a collection", t, "a JSON array");
		if (dv_buf_appends(json, t) != 0 || dv_buf_appends(lit, t) != 0)
			return dv_error_nomem(err);
		return 0;
	}
	int rc = dv_buf_appendc(json, '[') | dv_buf_appendc(lit, '[');
	const char *s = t;
	int first = 1;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		char *item = dv_strndup(s, n);
		struct dv_buf oj, ol;
		if (!item)
			return dv_error_nomem(err);
		dv_buf_init(&oj, 0);
		dv_buf_init(&ol, 0);
		int r = scalar(p, pname, inner, item, &oj, &ol, err);
		free(item);
		if (r == 0) {
			if (!first)
				rc |= dv_buf_appendc(json, ',') | dv_buf_appendc(lit, ',');
			/* OData's collection literal is JSON: ["a","b"] */
			rc |= dv_buf_appends(json, dv_buf_str(&oj)) |
			      dv_buf_appends(lit, dv_buf_str(&oj));
		}
		dv_buf_free(&oj);
		dv_buf_free(&ol);
		if (r != 0)
			return -1;
		first = 0;
		if (!e)
			break;
		s = e + 1;
	}
	rc |= dv_buf_appendc(json, ']') | dv_buf_appendc(lit, ']');
	return rc ? dv_error_nomem(err) : 0;
}

int proc_arg_value(const struct dv_proc *p, const struct dv_proc_item *it, const char *t,
		   struct dv_buf *json, struct dv_buf *lit, struct dv_error *err)
{
	char inner[PROC_TYPE_MAX];
	if (proc_collection_of(it->type, inner))
		return collection(p, it->name, inner, t, json, lit, err);
	if (proc_is_edm(it->type))
		return scalar(p, it->name, it->type, t, json, lit, err);
	if (*t == '{') {
		/* a complex type (or an entity written out): JSON as given */
		if (dv_buf_appends(json, t) != 0 || dv_buf_appends(lit, t) != 0)
			return dv_error_nomem(err);
		return 0;
	}
	return 1;
}

/* ---- the result's shape ------------------------------------------------------- */

static const struct dv_proc_item *prop(const struct dv_complex_type *ct, const char *name)
{
	for (size_t i = 0; i < ct->nprops; i++)
		if (strcmp(ct->props[i].name, name) == 0)
			return &ct->props[i];
	return NULL;
}

static void array_of(const struct dv_procs *procs, const char *inner, const char *member,
		     const char *prim_name, struct proc_shape *sh)
{
	sh->kind = PSH_ARRAY;
	sh->member = member;
	sh->prim_name = prim_name;
	dv_strlcpy(sh->elem_type, inner, sizeof(sh->elem_type));
	sh->ct = proc_is_edm(inner) ? NULL : dv_procs_complex(procs, inner);
	sh->elem = proc_is_edm(inner) ? PEL_PRIMITIVE : sh->ct ? PEL_COMPLEX : PEL_ENTITY;
}

void proc_result_shape(const struct dv_procs *procs, const char *ret, struct proc_shape *sh)
{
	char inner[PROC_TYPE_MAX];
	memset(sh, 0, sizeof(*sh));
	if (!ret)
		return;
	if (proc_collection_of(ret, inner)) {
		array_of(procs, inner, "value", "Value", sh);
		return;
	}
	if (proc_is_edm(ret)) {
		sh->kind = PSH_VALUE;
		sh->prim_name = "Value";
		dv_strlcpy(sh->elem_type, ret, sizeof(sh->elem_type));
		return;
	}
	const struct dv_complex_type *ct = dv_procs_complex(procs, ret);
	if (!ct) {
		sh->kind = PSH_ENTITY;
		return;
	}
	sh->kind = PSH_OBJECT;
	sh->ct = ct;
	if (ct->nprops != 1)
		return;
	const struct dv_proc_item *p = &ct->props[0];
	if (proc_collection_of(p->type, inner)) {
		array_of(procs, inner, p->name, p->name, sh);
		return;
	}
	const struct dv_complex_type *d = dv_procs_complex(procs, p->type);
	const struct dv_proc_item *k = d ? prop(d, "Keys") : NULL, *v = d ? prop(d, "Values") : NULL;
	if (k && v && proc_collection_of(k->type, sh->key_type) &&
	    proc_collection_of(v->type, sh->value_type)) {
		sh->kind = PSH_DICT;
		sh->member = p->name;
	}
}

static int complex_cols(const struct dv_complex_type *ct, proc_col_fn col, void *ctx)
{
	for (size_t i = 0; i < ct->nprops; i++) {
		int rc = col(ctx, ct->props[i].name, ct->props[i].type, ct->props[i].nullable);
		if (rc)
			return rc;
	}
	return 0;
}

static int entity_cols(proc_col_fn col, void *ctx)
{
	int rc = col(ctx, "EntityName", "Edm.String", 0);
	return rc ? rc : col(ctx, "Id", "Edm.Guid", 0);
}

int proc_result_cols(const struct proc_shape *sh, proc_col_fn col, void *ctx)
{
	int rc;
	switch (sh->kind) {
	case PSH_NONE:
		return 0;
	case PSH_VALUE:
		return col(ctx, sh->prim_name, sh->elem_type, 1);
	case PSH_OBJECT:
		return complex_cols(sh->ct, col, ctx);
	case PSH_DICT:
		rc = col(ctx, "Key", sh->key_type, 0);
		return rc ? rc : col(ctx, "Value", sh->value_type, 1);
	case PSH_ARRAY:
		if (sh->elem == PEL_PRIMITIVE)
			return col(ctx, sh->prim_name, sh->elem_type, 1);
		if (sh->elem == PEL_COMPLEX)
			return complex_cols(sh->ct, col, ctx);
		return entity_cols(col, ctx);
	case PSH_ENTITY:
		return entity_cols(col, ctx);
	}
	return 0;
}

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

/* An entity's row: (EntityName from @odata.type, Id = its <name>id). */
static int entity_row(const struct proc_rows_cb *cb, yajl_val e, const char *fallback)
{
	yajl_val t = member(e, "@odata.type");
	const char *name = YAJL_IS_STRING(t) ? YAJL_GET_STRING(t) : fallback;
	char key[PROC_TYPE_MAX];
	int rc;
	if (name[0] == '#')
		name++;
	if (strncmp(name, "Microsoft.Dynamics.CRM.", 23) == 0)
		name += 23;
	if (strncmp(name, "mscrm.", 6) == 0)
		name += 6;
	snprintf(key, sizeof(key), "%sid", name);
	if ((rc = cb->row(cb->ctx)) != 0 || (rc = cb->cell(cb->ctx, 0, NULL, name, "Edm.String")) != 0)
		return rc;
	return cb->cell(cb->ctx, 1, member(e, key), NULL, "Edm.Guid");
}

static int complex_row(const struct proc_rows_cb *cb, const struct dv_complex_type *ct,
		       yajl_val obj)
{
	int rc = cb->row(cb->ctx);
	for (size_t i = 0; rc == 0 && i < ct->nprops; i++)
		rc = cb->cell(cb->ctx, (int)i, member(obj, ct->props[i].name), NULL,
			      ct->props[i].type);
	return rc;
}

static int array_rows(const struct proc_shape *sh, yajl_val a, const struct proc_rows_cb *cb)
{
	size_t n = YAJL_IS_ARRAY(a) ? a->u.array.len : 0;
	for (size_t i = 0; i < n; i++) {
		yajl_val e = a->u.array.values[i];
		int rc;
		if (sh->elem == PEL_PRIMITIVE) {
			rc = cb->row(cb->ctx);
			if (rc == 0)
				rc = cb->cell(cb->ctx, 0, e, NULL, sh->elem_type);
		} else if (sh->elem == PEL_COMPLEX) {
			rc = complex_row(cb, sh->ct, e);
		} else {
			rc = entity_row(cb, e, sh->elem_type);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int proc_answer_rows(const struct proc_shape *sh, const char *ret, yajl_val root,
		     const struct proc_rows_cb *cb)
{
	int rc;
	switch (sh->kind) {
	case PSH_NONE:
		return 0;
	case PSH_VALUE:
		if ((rc = cb->row(cb->ctx)) != 0)
			return rc;
		return cb->cell(cb->ctx, 0, member(root, "value"), NULL, sh->elem_type);
	case PSH_OBJECT:
		return complex_row(cb, sh->ct, root);
	case PSH_ENTITY:
		return entity_row(cb, root, ret);
	case PSH_DICT: {
		yajl_val d = member(root, sh->member);
		yajl_val k = member(d, "Keys"), v = member(d, "Values");
		size_t n = YAJL_IS_ARRAY(k) ? k->u.array.len : 0;
		for (size_t i = 0; i < n; i++) {
			yajl_val vi = YAJL_IS_ARRAY(v) && i < v->u.array.len ? v->u.array.values[i]
									     : NULL;
			if ((rc = cb->row(cb->ctx)) != 0 ||
			    (rc = cb->cell(cb->ctx, 0, k->u.array.values[i], NULL, sh->key_type)) != 0 ||
			    (rc = cb->cell(cb->ctx, 1, vi, NULL, sh->value_type)) != 0)
				return rc;
		}
		return 0;
	}
	case PSH_ARRAY:
		return array_rows(sh, member(root, sh->member), cb);
	}
	return 0;
}
