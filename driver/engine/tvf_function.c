/* tvf_function.c - the service's functions as tables: SELECT * FROM
 * GetValidReferencedEntities('account').
 *
 * Owns: the "dv_function" virtual table module, which of the names SQLite
 * could not find are functions (tvf_function_sql) and the diagnostics for
 * the ones that cannot be read in a FROM clause (actions, bound functions,
 * unknown names called with arguments).
 *
 * HOW IT WORKS: temp."F" USING dv_function("F") declares the result
 * columns of F's return type (proc_call.c's shapes, typed from the CSDL:
 * a complex type's properties, a collection's elements, Key/Value of a
 * dictionary), then one HIDDEN column per parameter (in the CSDL's order,
 * so that SQLite's table-valued function syntax F(a, b) gives them as
 * equalities), then a few HIDDEN dv_extra_argN columns that only exist to
 * say "F takes N arguments" when a call gives more.  xBestIndex checks the
 * arguments against the declaration when the statement is prepared
 * (07001: too many, or a missing value for a parameter that is not
 * nullable); xFilter writes them as the Edm types want (22018 for a value
 * that is not of its parameter's type), sends GET F(P1=@p1,..)?@p1=..
 * (a read: retried as any read) and turns the answer into rows.
 * ONE REQUEST PER STATEMENT AND ARGUMENTS: SQLite scans the inner side of a
 * join once per outer row; the answer of the last call is kept with the
 * statement and the request it came from, and a scan of the same statement
 * with the same arguments replays it.
 * Actions change data: they are never run from a query (42000 saying to
 * use {call}).  EXPLAIN / SQLNativeSql show a scan as GET F(P1=@p1,..)
 * (the table is linked to a stand-in entity holding only that text).
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-functions */
#include "engine/engine_int.h"
#include "engine/proc_call.h"
#include "engine/tvf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "http/http.h"
#include "util/log.h"
#include "util/strutil.h"

#define EXTRA_ARGS 8
#define MAX_PARAMS 30         /* the given ones are bits of idxNum */

/* ---- which names are functions ------------------------------------------------- */

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* 1 when sql names `name` followed by '(' (a table-valued function call);
 * quoted text and comments are not looked into. */
static int called_in(const char *sql, const char *name)
{
	size_t n = strlen(name);
	const char *p = sql;
	if (!sql)
		return 0;
	while (*p) {
		if (*p == '\'' || *p == '"' || *p == '[' || *p == '`') {
			char close = *p == '[' ? ']' : *p;
			const char *q = p + 1;
			while (*q && *q != close)
				q++;
			if (*p != '\'' && (size_t)(q - p - 1) == n && dv_strncasecmp(p + 1, name, n) == 0) {
				const char *r = *q ? q + 1 : q;
				while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
					r++;
				if (*r == '(')
					return 1;
			}
			p = *q ? q + 1 : q;
			continue;
		}
		if (!is_ident(*p)) {
			p++;
			continue;
		}
		const char *q = p;
		while (is_ident(*q))
			q++;
		if ((size_t)(q - p) == n && dv_strncasecmp(p, name, n) == 0) {
			while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
				q++;
			if (*q == '(')
				return 1;
		}
		p = q;
	}
	return 0;
}

/* An operation by its name alone (an action, or one bound to a table). */
static const struct dv_proc *by_op_name(const struct dv_procs *procs, const char *name)
{
	for (size_t i = 0; i < procs->nprocs; i++)
		if (dv_strcasecmp(procs->procs[i].name, name) == 0)
			return &procs->procs[i];
	return NULL;
}

int tvf_function_sql(struct dv_engine *eng, const char *name, char **sql, struct dv_error *err)
{
	const struct dv_procs *procs;
	const struct dv_proc *p;
	struct dv_error ignored;
	struct proc_shape sh;
	const char *dot = strrchr(name, '.');
	*sql = NULL;
	if (!called_in(eng->plan_sql, dot ? dot + 1 : name))
		return 1;                 /* a table name: the catalog's 42S02 stands */
	dv_error_clear(&ignored);
	if (dv_catalog_procs(eng->cat, &procs, &ignored) != 0)
		return 1;
	p = dv_procs_find(procs, name);
	if (!p && !(p = by_op_name(procs, name)))
		return dv_error_set(err, DV_S_42S02, 0, "%s is neither a table nor a function of "
				    "this environment: SQLTables lists the tables, SQLProcedures "
				    "the functions (PROCEDURE_TYPE 2) that SELECT * FROM "
				    "<function>(...) reads", name);
	if (p->is_action)
		return dv_error_set(err, DV_S_42000, 0, "%s is an action: it may change data, so a "
				    "query never runs it; run it with {call %s(...)}", p->name,
				    p->sql_name);
	if (p->bound_entity)
		return dv_error_set(err, DV_S_42000, 0, "%s is bound to a %s record: call it with "
				    "{call %s(<the record's id>, ...)}; only unbound functions can be "
				    "read in a FROM clause", p->name, p->bound_entity, p->sql_name);
	proc_result_shape(procs, p->return_type, &sh);
	if (sh.kind == PSH_NONE)
		return dv_error_set(err, DV_S_42000, 0, "%s returns nothing, so it has no rows to "
				    "read: run it with {call %s(...)}", p->name, p->sql_name);
	if (p->nparams > MAX_PARAMS)
		return dv_error_set(err, DV_S_HYC00, 0, "%s has %zu parameters; a function in a "
				    "FROM clause takes at most %d: run it with {call %s(...)}",
				    p->name, p->nparams, MAX_PARAMS, p->sql_name);
	*sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.\"%w\" USING dv_function(\"%w\")",
			       p->sql_name, p->sql_name);
	return *sql ? 0 : dv_error_nomem(err);
}

/* ---- one answer ------------------------------------------------------------------ */

struct fn_cell {
	yajl_val v;                   /* into the answer's tree, NULL: null */
	const char *text;             /* static or into the procs: EntityName */
};

/* The rows of one answer, shared by the scans that replay it. */
struct fn_answer {
	int refs;
	unsigned long stmt;           /* the engine's statement it was read for */
	char *url;
	yajl_val root;
	struct fn_cell *cells;        /* rows * ncols */
	size_t rows, cap, ncols;
	char **edm;                   /* per column, the Edm type (copies) */
};

static void answer_unref(struct fn_answer *a)
{
	if (!a || --a->refs > 0)
		return;
	for (size_t i = 0; a->edm && i < a->ncols; i++)
		free(a->edm[i]);
	free(a->edm);
	free(a->cells);
	free(a->url);
	yajl_tree_free(a->root);
	free(a);
}

static int ans_row(void *ctx)
{
	struct fn_answer *a = ctx;
	if (a->rows == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct fn_cell *c = realloc(a->cells, cap * (a->ncols ? a->ncols : 1) * sizeof(*c));
		if (!c)
			return -1;
		a->cells = c;
		a->cap = cap;
	}
	memset(&a->cells[a->rows * a->ncols], 0, a->ncols * sizeof(*a->cells));
	a->rows++;
	return 0;
}

static int ans_cell(void *ctx, int col, yajl_val v, const char *text, const char *edm)
{
	struct fn_answer *a = ctx;
	(void)edm;
	if (a->rows == 0 || col < 0 || (size_t)col >= a->ncols)
		return 0;
	a->cells[(a->rows - 1) * a->ncols + (size_t)col].v = v;
	a->cells[(a->rows - 1) * a->ncols + (size_t)col].text = text;
	return 0;
}

/* ---- the module -------------------------------------------------------------------- */

struct fn_vtab {
	sqlite3_vtab base;            /* must come first */
	struct dv_engine *eng;
	char *sql_name;               /* the function, to find it again in the procs */
	size_t ncols, nparams;        /* result columns, then the parameters' hidden ones */
	char **edm;                   /* result columns' Edm types */
	struct fn_answer *last;       /* the last answer read, for replays */
	struct dv_entity shown;       /* only entity_set: "F(P1=@p1,..)", what EXPLAIN and
				       * SQLNativeSql show for this table's scans */
};

struct fn_cur {
	sqlite3_vtab_cursor base;     /* must come first */
	struct fn_vtab *vt;
	struct fn_answer *ans;
	sqlite3_value **args;         /* per parameter, NULL when not given */
	size_t row;
};

static int fn_error(struct fn_vtab *vt, const struct dv_error *err)
{
	vt->eng->scan_err = *err;
	sqlite3_free(vt->base.zErrMsg);
	vt->base.zErrMsg = sqlite3_mprintf("%s", err->message);
	return SQLITE_ERROR;
}

/* The function this table reads, as the connection's CSDL declares it now. */
static int find_fn(struct dv_engine *eng, const char *sql_name, const struct dv_procs **procs,
		   const struct dv_proc **p, struct dv_error *err)
{
	if (dv_catalog_procs(eng->cat, procs, err) != 0)
		return -1;
	*p = dv_procs_find(*procs, sql_name);
	if (!*p)
		return dv_error_set(err, DV_S_42S02, 0, "%s is no longer a function of this "
				    "environment", sql_name);
	return 0;
}

/* The declared SQLite type of an Edm type. */
static const char *edm_decl(const char *edm)
{
	static const struct { const char *edm, *decl; } map[] = {
		{"Edm.Guid", "UNIQUEIDENTIFIER COLLATE DVNOCASE"}, {"Edm.Int32", "INTEGER"},
		{"Edm.Int16", "INTEGER"}, {"Edm.Byte", "INTEGER"}, {"Edm.SByte", "INTEGER"},
		{"Edm.Int64", "BIGINT"}, {"Edm.Boolean", "BIT"}, {"Edm.Double", "DOUBLE"},
		{"Edm.Single", "DOUBLE"}, {"Edm.Decimal", "DOUBLE"},
		{"Edm.DateTimeOffset", "DATETIME"}, {"Edm.Date", "DATE"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(edm, map[i].edm) == 0)
			return map[i].decl;
	return "NVARCHAR(4000) COLLATE DVNOCASE";
}

static void quoted(struct dv_buf *b, const char *name)
{
	dv_buf_appendc(b, '"');
	for (; *name; name++) {
		if (*name == '"')
			dv_buf_appendc(b, '"');
		dv_buf_appendc(b, *name);
	}
	dv_buf_appendc(b, '"');
}

struct decl_ctx {
	struct fn_vtab *vt;
	struct dv_buf *sql;
	int nomem;
};

static int decl_col(void *ctx, const char *name, const char *edm, int nullable)
{
	struct decl_ctx *d = ctx;
	struct fn_vtab *vt = d->vt;
	char **grown = realloc(vt->edm, (vt->ncols + 1) * sizeof(*grown));
	(void)nullable;
	if (!grown)
		return -1;
	vt->edm = grown;
	if (!(vt->edm[vt->ncols] = dv_strdup(edm)))
		return -1;
	dv_buf_appends(d->sql, vt->ncols ? ", " : "");
	quoted(d->sql, name);
	dv_buf_appendf(d->sql, " %s", edm_decl(edm));
	vt->ncols++;
	return 0;
}

static void vtab_free(struct fn_vtab *vt)
{
	for (size_t i = 0; vt->edm && i < vt->ncols; i++)
		free(vt->edm[i]);
	free(vt->edm);
	free(vt->sql_name);
	free(vt->shown.entity_set);
	answer_unref(vt->last);
	sqlite3_free(vt);
}

/* A parameter's hidden column: its name, "arg_<name>" when a result
 * column has that name. */
static int param_col(struct dv_buf *sql, const char *name)
{
	char *key = sqlite3_mprintf("\"%s\" ", name);
	int clash = key && dv_buf_str(sql) && strstr(dv_buf_str(sql), key) != NULL;
	sqlite3_free(key);
	dv_buf_appends(sql, ", ");
	if (clash) {
		char *alt = sqlite3_mprintf("arg_%s", name);
		if (!alt)
			return -1;
		quoted(sql, alt);
		sqlite3_free(alt);
	} else {
		quoted(sql, name);
	}
	return dv_buf_appends(sql, " HIDDEN");
}

static int fn_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **pzErr)
{
	struct tvf_state *st = aux;
	struct dv_engine *eng = tvf_engine(st);
	const struct dv_procs *procs;
	const struct dv_proc *p;
	struct proc_shape sh;
	struct dv_error err;
	struct dv_buf sql, name;
	struct fn_vtab *vt;
	size_t n;
	int rc;
	if (argc < 4) {
		*pzErr = sqlite3_mprintf("dv_function: USING dv_function(<function>)");
		return SQLITE_ERROR;
	}
	dv_buf_init(&name, 0);
	n = strlen(argv[3]);
	if (n >= 2 && argv[3][0] == '"')
		dv_buf_append(&name, argv[3] + 1, n - 2);
	else
		dv_buf_append(&name, argv[3], n);
	dv_error_clear(&err);
	if (!dv_buf_str(&name) || find_fn(eng, dv_buf_str(&name), &procs, &p, &err) != 0) {
		if (err.state == DV_S_00000)
			dv_error_nomem(&err);
		dv_buf_free(&name);
		eng->scan_err = err;
		*pzErr = sqlite3_mprintf("%s", err.message);
		return SQLITE_ERROR;
	}
	dv_buf_free(&name);
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->eng = eng;
	vt->nparams = p->nparams;
	vt->sql_name = dv_strdup(p->sql_name);
	proc_result_shape(procs, p->return_type, &sh);
	dv_buf_init(&sql, 0);
	dv_buf_appends(&sql, "CREATE TABLE x(");
	struct decl_ctx dc = {vt, &sql, 0};
	rc = vt->sql_name && proc_result_cols(&sh, decl_col, &dc) == 0 ? SQLITE_OK : SQLITE_NOMEM;
	for (size_t i = 0; rc == SQLITE_OK && i < p->nparams; i++)
		if (param_col(&sql, p->params[i].name) != 0)
			rc = SQLITE_NOMEM;
	for (int i = 1; rc == SQLITE_OK && i <= EXTRA_ARGS; i++)
		dv_buf_appendf(&sql, ", dv_extra_arg%d HIDDEN", i);
	dv_buf_appendc(&sql, ')');
	if (rc == SQLITE_OK)
		rc = dv_buf_str(&sql) ? sqlite3_declare_vtab(db, dv_buf_str(&sql)) : SQLITE_NOMEM;
	dv_buf_free(&sql);
	dv_buf_init(&sql, 0);
	dv_buf_appendf(&sql, "%s(", p->name);
	for (size_t i = 0; i < p->nparams; i++)
		dv_buf_appendf(&sql, "%s%s=@p%zu", i ? "," : "", p->params[i].name, i + 1);
	dv_buf_appendc(&sql, ')');
	if (rc == SQLITE_OK && (!(vt->shown.entity_set = dv_buf_steal(&sql)) ||
				tvf_link_vtab(eng, vt, &vt->shown) != 0))
		rc = SQLITE_NOMEM;
	dv_buf_free(&sql);
	if (rc != SQLITE_OK) {
		*pzErr = sqlite3_mprintf("dv_function: cannot declare the columns of %s",
					 p->sql_name);
		vtab_free(vt);
		return rc;
	}
	*out = &vt->base;
	return SQLITE_OK;
}

/* The CSDL read again (the catalog was refreshed) still declares the
 * parameters this table was made with. */
static int same_shape(const struct fn_vtab *vt, const struct dv_proc *p, struct dv_error *err)
{
	if (p->nparams == vt->nparams)
		return 0;
	return dv_error_set(err, DV_S_HY000, 0, "%s now has %zu parameters, %zu when this "
			    "connection first used it: reconnect to use its new declaration",
			    p->sql_name, p->nparams, vt->nparams);
}

static int fn_disconnect(sqlite3_vtab *base)
{
	struct fn_vtab *vt = (struct fn_vtab *)base;
	tvf_unlink_vtab(vt->eng, vt);
	vtab_free(vt);
	return SQLITE_OK;
}

/* The arguments are equalities on the hidden columns; which ones are given
 * is idxNum's bits.  Checked against the declaration here, at prepare. */
static int fn_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct fn_vtab *vt = (struct fn_vtab *)base;
	const struct dv_procs *procs;
	const struct dv_proc *p;
	struct dv_error err;
	int given = 0, argv_index = 0, extra = 0;
	dv_error_clear(&err);
	if (find_fn(vt->eng, vt->sql_name, &procs, &p, &err) != 0 || same_shape(vt, p, &err) != 0)
		return fn_error(vt, &err);
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		int k = c->iColumn - (int)vt->ncols;
		if (k < 0 || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
			continue;
		if ((size_t)k >= vt->nparams) {
			extra = extra > k - (int)vt->nparams + 1 ? extra : k - (int)vt->nparams + 1;
			continue;
		}
		if (given & (1 << k))
			continue;
		if (!c->usable)
			return SQLITE_CONSTRAINT;  /* the argument must be known before the scan */
		given |= 1 << k;
		info->aConstraintUsage[i].argvIndex = ++argv_index;
		info->aConstraintUsage[i].omit = 1;
	}
	if (extra > 0)
		return fn_error(vt, (dv_error_set(&err, DV_S_07001, 0, "%s takes %zu argument%s, the "
						  "query gives %zu or more; SQLProcedureColumns "
						  "lists them", p->sql_name, p->nparams,
						  p->nparams == 1 ? "" : "s",
						  p->nparams + (size_t)extra), &err));
	for (size_t k = 0; k < vt->nparams; k++)
		if (!(given & (1 << k)) && !p->params[k].nullable)
			return fn_error(vt, (dv_error_set(&err, DV_S_07001, 0, "%s needs a value for "
							  "parameter %s (%s, argument %zu)",
							  p->sql_name, p->params[k].name,
							  p->params[k].type, k + 1), &err));
	info->idxNum = given;
	info->idxStr = sqlite3_mprintf("%s", "");  /* EXPLAIN shows vt->shown */
	info->needToFreeIdxStr = 1;
	info->estimatedCost = 1e5;
	info->estimatedRows = 100;
	return SQLITE_OK;
}

static int fn_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct fn_vtab *vt = (struct fn_vtab *)base;
	struct fn_cur *cur = sqlite3_malloc(sizeof(*cur));
	if (!cur)
		return SQLITE_NOMEM;
	memset(cur, 0, sizeof(*cur));
	cur->vt = vt;
	cur->args = calloc(vt->nparams ? vt->nparams : 1, sizeof(*cur->args));
	if (!cur->args) {
		sqlite3_free(cur);
		return SQLITE_NOMEM;
	}
	*out = &cur->base;
	return SQLITE_OK;
}

static void cur_reset(struct fn_cur *cur)
{
	for (size_t i = 0; i < cur->vt->nparams; i++) {
		sqlite3_value_free(cur->args[i]);
		cur->args[i] = NULL;
	}
	answer_unref(cur->ans);
	cur->ans = NULL;
	cur->row = 0;
}

static int fn_close(sqlite3_vtab_cursor *base)
{
	struct fn_cur *cur = (struct fn_cur *)base;
	cur_reset(cur);
	free(cur->args);
	sqlite3_free(cur);
	return SQLITE_OK;
}

/* GET <Name>(P1=@p1,..)?@p1=<literal>..: arguments left out or NULL are
 * left out of the request (the service's default). */
static char *function_url(struct fn_cur *cur, const struct dv_proc *p, struct dv_error *err)
{
	struct dv_engine *eng = cur->vt->eng;
	struct dv_buf url, aliases;
	int nfn = 0, rc = 0;
	dv_buf_init(&url, 0);
	dv_buf_init(&aliases, 0);
	rc |= dv_buf_appendf(&url, "%s%s(", eng->api_base, p->name);
	for (size_t i = 0; i < p->nparams && rc == 0; i++) {
		const char *t = cur->args[i] ? (const char *)sqlite3_value_text(cur->args[i]) : NULL;
		struct dv_buf json, lit;
		if (cur->args[i] && sqlite3_value_type(cur->args[i]) == SQLITE_NULL)
			t = NULL;
		if (!t) {
			if (!p->params[i].nullable) {
				dv_buf_free(&url);
				dv_buf_free(&aliases);
				dv_error_set(err, DV_S_22018, 0, "%s: parameter %s (%s) cannot be NULL",
					     p->sql_name, p->params[i].name, p->params[i].type);
				return NULL;
			}
			continue;
		}
		dv_buf_init(&json, 0);
		dv_buf_init(&lit, 0);
		int r = proc_arg_value(p, &p->params[i], t, &json, &lit, err);
		if (r == 1)
			dv_error_set(err, DV_S_HYC00, 0, "%s: parameter %s is a record (%s); a "
				     "function in a FROM clause takes values only", p->sql_name,
				     p->params[i].name, p->params[i].type);
		if (r != 0) {
			dv_buf_free(&json);
			dv_buf_free(&lit);
			dv_buf_free(&url);
			dv_buf_free(&aliases);
			return NULL;
		}
		nfn++;
		rc |= dv_buf_appendf(&url, "%s%s=@p%d", nfn > 1 ? "," : "", p->params[i].name, nfn);
		rc |= dv_buf_appendf(&aliases, "%s@p%d=", nfn > 1 ? "&" : "?", nfn);
		rc |= dv_url_encode(&aliases, dv_buf_str(&lit), lit.len);
		dv_buf_free(&json);
		dv_buf_free(&lit);
	}
	rc |= dv_buf_appendc(&url, ')');
	if (aliases.len)
		rc |= dv_buf_append(&url, aliases.data, aliases.len);
	dv_buf_free(&aliases);
	if (rc != 0 || !dv_buf_str(&url)) {
		dv_buf_free(&url);
		dv_error_nomem(err);
		return NULL;
	}
	return dv_buf_steal(&url);
}

/* Sends the request and reads the answer into rows. */
static struct fn_answer *read_answer(struct fn_vtab *vt, const struct dv_procs *procs,
				     const struct dv_proc *p, char *url, struct dv_error *err)
{
	struct dv_engine *eng = vt->eng;
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct proc_shape sh;
	struct fn_answer *a = calloc(1, sizeof(*a));
	char ebuf[128];
	if (!a) {
		free(url);
		dv_error_nomem(err);
		return NULL;
	}
	a->refs = 1;
	a->url = url;
	a->ncols = vt->ncols;
	a->stmt = eng->stmt_seq;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "function %s", p->name);
	eng->scans++;
	if (dv_http_send(eng->http, &req, &resp, err) != 0) {
		dv_http_resp_free(&resp);
		answer_unref(a);
		return NULL;
	}
	a->root = resp.body.len ? yajl_tree_parse(dv_buf_str(&resp.body), ebuf, sizeof(ebuf))
				: NULL;
	dv_http_resp_free(&resp);
	if (!a->root || !YAJL_IS_OBJECT(a->root)) {
		answer_unref(a);
		dv_error_set(err, DV_S_HY000, 0, "%s: the service's answer is not JSON",
			     p->sql_name);
		return NULL;
	}
	proc_result_shape(procs, p->return_type, &sh);
	struct proc_rows_cb cb = {ans_row, ans_cell, a};
	if (proc_answer_rows(&sh, p->return_type, a->root, &cb) != 0) {
		answer_unref(a);
		dv_error_nomem(err);
		return NULL;
	}
	return a;
}

static int fn_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct fn_cur *cur = (struct fn_cur *)base;
	struct fn_vtab *vt = cur->vt;
	const struct dv_procs *procs;
	const struct dv_proc *p;
	struct dv_error err;
	char *url;
	int a = 0;
	(void)idx_str;
	dv_error_clear(&err);
	cur_reset(cur);
	for (size_t k = 0; k < vt->nparams && a < argc; k++)
		if ((idx_num & (1 << k)) && !(cur->args[k] = sqlite3_value_dup(argv[a++])))
			return fn_error(vt, (dv_error_nomem(&err), &err));
	if (find_fn(vt->eng, vt->sql_name, &procs, &p, &err) != 0 || same_shape(vt, p, &err) != 0 ||
	    !(url = function_url(cur, p, &err)))
		return fn_error(vt, &err);
	if (vt->last && vt->last->stmt == vt->eng->stmt_seq && strcmp(vt->last->url, url) == 0) {
		free(url);                  /* read already in this statement: replayed */
	} else {
		struct fn_answer *ans = read_answer(vt, procs, p, url, &err);
		if (!ans)
			return fn_error(vt, &err);
		answer_unref(vt->last);
		vt->last = ans;
	}
	cur->ans = vt->last;
	cur->ans->refs++;
	return SQLITE_OK;
}

static int fn_next(sqlite3_vtab_cursor *base)
{
	((struct fn_cur *)base)->row++;
	return SQLITE_OK;
}

static int fn_eof(sqlite3_vtab_cursor *base)
{
	struct fn_cur *cur = (struct fn_cur *)base;
	return !cur->ans || cur->row >= cur->ans->rows;
}

/* One JSON value as its column's SQL value. */
static void json_result(sqlite3_context *ctx, yajl_val v, const char *edm)
{
	if (!v || YAJL_IS_NULL(v)) {
		sqlite3_result_null(ctx);
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		sqlite3_result_int(ctx, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_INTEGER(v)) {
		sqlite3_result_int64(ctx, YAJL_GET_INTEGER(v));
	} else if (YAJL_IS_NUMBER(v)) {
		sqlite3_result_double(ctx, YAJL_GET_DOUBLE(v));
	} else if (YAJL_IS_STRING(v)) {
		const char *t = YAJL_GET_STRING(v);
		char ts[40];
		/* "2024-01-31T10:00:00Z" as the engine writes date-times */
		if (strcmp(edm, "Edm.DateTimeOffset") == 0 && strlen(t) >= 19 && t[10] == 'T') {
			snprintf(ts, sizeof(ts), "%.10s %.8s", t, t + 11);
			sqlite3_result_text(ctx, ts, -1, SQLITE_TRANSIENT);
		} else {
			sqlite3_result_text(ctx, t, -1, SQLITE_TRANSIENT);
		}
	} else {
		struct dv_buf b;
		dv_buf_init(&b, 0);
		if (proc_json_write(&b, v) == 0 && dv_buf_str(&b))
			sqlite3_result_text(ctx, dv_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
		else
			sqlite3_result_error_nomem(ctx);
		dv_buf_free(&b);
	}
}

static int fn_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int i)
{
	struct fn_cur *cur = (struct fn_cur *)base;
	struct fn_vtab *vt = cur->vt;
	if (i < 0 || fn_eof(base)) {
		sqlite3_result_null(ctx);
	} else if ((size_t)i < vt->ncols) {
		const struct fn_cell *c = &cur->ans->cells[cur->row * cur->ans->ncols + (size_t)i];
		if (c->text)
			sqlite3_result_text(ctx, c->text, -1, SQLITE_TRANSIENT);
		else
			json_result(ctx, c->v, vt->edm[i]);
	} else if ((size_t)i - vt->ncols < vt->nparams && cur->args[(size_t)i - vt->ncols]) {
		sqlite3_result_value(ctx, cur->args[(size_t)i - vt->ncols]);
	} else {
		sqlite3_result_null(ctx);
	}
	return SQLITE_OK;
}

static int fn_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct fn_cur *)base)->row + 1;
	return SQLITE_OK;
}

static sqlite3_module function_module = {
	0, fn_connect, fn_connect, fn_best_index, fn_disconnect, fn_disconnect,
	fn_open, fn_close, fn_filter, fn_next, fn_eof, fn_column, fn_rowid,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

int tvf_function_register(struct dv_engine *eng, struct tvf_state *st)
{
	return sqlite3_create_module(eng->db, "dv_function", &function_module, st);
}
