/* call.c - procedure calls: the service's functions and actions.
 *
 * Owns: preparing a call ({call name(..)}, EXEC name .., CALL name(..);
 * sqlparse/call.c splits it), checking its arguments against the CSDL's
 * declaration (catalog_procs.h), sending it (a function as GET with its
 * arguments as parameter aliases, an action as POST with a JSON body, a
 * bound one on <entityset>(<id>)/Microsoft.Dynamics.CRM.<Name>), and turning
 * the answer into a result set (call_result.c).
 *
 * HOW IT WORKS
 * - Arguments are SQL expressions: the call is prepared as the engine
 *   statement "SELECT <a1>, <a2>, ..", so '?' markers bind through the
 *   usual path (SQLBindParameter, data at execution) and literals and
 *   escapes evaluate as anywhere else; stepping it once gives the values,
 *   which are then written as the parameter's Edm type wants them.
 * - A bound procedure "<entity>.<Name>" takes the record's id (a GUID) as
 *   its first argument.  EXEC also takes "@Name = value" arguments.
 * - The answer becomes rows by the return type: call_result.c.
 * - Output parameters: {? = call F(..)} puts a return value (a primitive, or
 *   the one property of the complex type returned) into parameter 1, and
 *   '?' arguments after the inputs receive the properties of a complex type
 *   of primitives (WhoAmI's BusinessUnitId, UserId, OrganizationId); a call
 *   with any of these has no result set (call_result.c writes the values as
 *   ODBC converts SQL data to C).
 * - Actions change data: they run only from an explicit call, and are sent
 *   once.  When the answer to an action is lost (connection failure after
 *   sending, timeout, 502/504, an unreadable 2xx), the call ends with 08007
 *   "outcome unknown" instead of sending it again (as writes do, verify.c).
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-functions
 *         https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-actions
 *         https://learn.microsoft.com/sql/odbc/reference/develop-app/procedure-calls */
#include "odbc/call_int.h"
#include "odbc/params.h"
#include "odbc/stmt.h"
#include "odbc/types.h"
#include "catalog/catalog.h"
#include "catalog/catalog_procs.h"
#include "engine/engine.h"
#include "engine/guard.h"
#include "http/http.h"
#include "sqlparse/call.h"
#include "sqlparse/sqlparse.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* ---- preparing ------------------------------------------------------------------ */

static SQLRETURN find_proc(struct dv_stmt *s, const char *name, const struct dv_procs **procs,
			   const struct dv_proc **out)
{
	struct dv_error err;
	dv_error_clear(&err);
	if (dv_catalog_procs(s->dbc->catalog, procs, &err) != 0) {
		dv_diag_add_error(&s->h.diag, &err);
		return SQL_ERROR;
	}
	*out = dv_procs_find(*procs, name);
	if (!*out)
		return dv_diag_error(&s->h.diag, DV_S_42000,
				     "'%s' is not a function or action of this environment: "
				     "SQLProcedures lists them (one bound to a table is called as "
				     "<table>.<Name> with the record's id first)", name);
	return SQL_SUCCESS;
}

/* What each argument of a call is for. */
struct call_map {
	int argof[SQL_CALL_MAX_ARGS];  /* per parameter: the argument's column of the argument
					* statement (-1: none) */
	int key;                       /* the column holding a bound procedure's record id */
	struct call_outs outs;         /* the markers receiving values */
	int has_outs;                  /* any: the call has no result set */
	int input_marker[SQL_CALL_MAX_ARGS + 1]; /* markers that are inputs (0-terminated) */
};

/* An argument in the position of output property o: it must be a '?'. */
static SQLRETURN map_output(struct dv_stmt *s, const struct dv_procs *procs,
			    const struct dv_proc *p, const struct sql_call *c, int a, size_t o,
			    struct call_map *m)
{
	if (!c->arg_marker[a])
		return dv_diag_error(&s->h.diag, DV_S_42000, "argument %d of %s is its output "
				     "parameter %s: give it as a ? marker bound with "
				     "SQL_PARAM_OUTPUT", a + 1, p->sql_name,
				     call_output_name(procs, p, o));
	m->outs.marker[o] = c->arg_marker[a];
	m->has_outs = 1;
	return SQL_SUCCESS;
}

static SQLRETURN map_args(struct dv_stmt *s, const struct dv_procs *procs, const struct dv_proc *p,
			  const struct sql_call *c, struct call_map *m)
{
	int bound = p->bound_entity != NULL, pos = 0, nin = 0, base = c->ret_marker;
	size_t nout;
	int has_ret;
	call_outputs(procs, p, &nout, &has_ret);
	int total = (int)p->nparams + bound + (int)nout;
	memset(m, 0, sizeof(*m));
	if (p->nparams > SQL_CALL_MAX_ARGS)
		return dv_diag_error(&s->h.diag, DV_S_HYC00, "%s has %zu parameters; a call "
				     "takes at most %d", p->sql_name, p->nparams, SQL_CALL_MAX_ARGS);
	for (size_t i = 0; i < p->nparams; i++)
		m->argof[i] = -1;
	m->key = -1;
	m->outs.n = nout;
	if (c->ret_marker) {
		if (!has_ret)
			return dv_diag_error(&s->h.diag, DV_S_42000, "%s has no return value "
					     "(SQLProcedureColumns lists none): write {call %s(...)}%s",
					     p->sql_name, p->sql_name, nout ? " and bind its output "
					     "parameters, or read its result set" : " and read its "
					     "result set");
		m->outs.ret = 1;
		m->has_outs = 1;
	}
	if (c->nargs > total)
		return dv_diag_error(&s->h.diag, DV_S_07001,
				     "%s takes %d argument%s, the call gives %d; SQLProcedureColumns "
				     "lists them", p->sql_name, total, total == 1 ? "" : "s", c->nargs);
	for (int a = 0; a < c->nargs; a++) {
		if (!c->arg_names[a]) {
			if (bound && pos == 0) {
				m->key = a + base;
			} else if (pos - bound < (int)p->nparams) {
				m->argof[pos - bound] = a + base;
				if (c->arg_marker[a])
					m->input_marker[nin++] = c->arg_marker[a];
			} else {
				SQLRETURN rc = map_output(s, procs, p, c, a,
							  (size_t)(pos - bound) - p->nparams, m);
				if (rc != SQL_SUCCESS)
					return rc;
			}
			pos++;
			continue;
		}
		size_t i;
		for (i = 0; i < p->nparams; i++)
			if (dv_strcasecmp(p->params[i].name, c->arg_names[a]) == 0)
				break;
		if (i == p->nparams)
			return dv_diag_error(&s->h.diag, DV_S_42000, "%s has no parameter @%s; "
					     "SQLProcedureColumns lists its parameters", p->sql_name,
					     c->arg_names[a]);
		if (m->argof[i] >= 0)
			return dv_diag_error(&s->h.diag, DV_S_42000, "parameter @%s of %s is given "
					     "twice", p->params[i].name, p->sql_name);
		m->argof[i] = a + base;
		if (c->arg_marker[a])
			m->input_marker[nin++] = c->arg_marker[a];
	}
	if (bound && m->key < 0)
		return dv_diag_error(&s->h.diag, DV_S_07001, "%s needs the id of the %s record as "
				     "its first argument", p->sql_name, p->bound_entity);
	for (size_t i = 0; i < p->nparams; i++)
		if (m->argof[i] < 0 && !p->params[i].nullable)
			return dv_diag_error(&s->h.diag, DV_S_07001,
					     "%s needs a value for parameter %s (%s, argument %zu)",
					     p->sql_name, p->params[i].name, p->params[i].type,
					     i + 1 + (size_t)bound);
	return SQL_SUCCESS;
}

/* Parses the call and checks it against the procedure's declaration. */
static SQLRETURN check_call(struct dv_stmt *s, const char *sql, struct sql_call *c,
			    const struct dv_procs **procs, const struct dv_proc **p,
			    struct call_map *m)
{
	struct dv_error err;
	dv_error_clear(&err);
	int r = sqlparse_call(sql, strlen(sql), c, &err);
	if (r < 0) {
		dv_diag_add_error(&s->h.diag, &err);
		return SQL_ERROR;
	}
	if (r == 0)
		return SQL_NO_DATA;
	SQLRETURN rc = find_proc(s, c->name, procs, p);
	if (rc == SQL_SUCCESS)
		rc = map_args(s, *procs, *p, c, m);
	if (rc != SQL_SUCCESS)
		sqlparse_call_free(c);
	return rc;
}

int dv_call_try_prepare(struct dv_stmt *s, const char *sql, SQLRETURN *rc)
{
	struct sql_call c;
	struct sql_rewrite rw;
	struct dv_error err;
	const struct dv_procs *procs;
	const struct dv_proc *p;
	struct call_map m;
	dv_error_clear(&err);
	*rc = check_call(s, sql, &c, &procs, &p, &m);
	if (*rc == SQL_NO_DATA)
		return 0;
	if (*rc != SQL_SUCCESS)
		return 1;
	memset(&rw, 0, sizeof(rw));
	if (sqlparse_rewrite(c.select_sql, strlen(c.select_sql), &rw, &err) != 0) {
		sqlparse_call_free(&c);
		dv_diag_add_error(&s->h.diag, &err);
		*rc = SQL_ERROR;
		return 1;
	}
	sqlparse_call_free(&c);
	dv_engine_guard_user_sql(s->dbc->engine);
	int prep = dv_engine_prepare(s->dbc->engine, rw.sql, &s->vm, &err);
	sqlparse_rewrite_free(&rw);
	if (prep != 0 || !s->vm || !(s->sql = dv_strdup(sql))) {
		if (prep != 0)
			dv_diag_add_error(&s->h.diag, &err);
		else
			dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		dv_stmt_unprepare(s);
		*rc = SQL_ERROR;
		return 1;
	}
	s->kind = DV_KIND_CALL;
	s->nparams = sqlite3_bind_parameter_count(s->vm);
	struct dv_call_col *cols;
	size_t n;
	if (dv_call_describe(procs, p, "", &cols, &n) != 0) {
		dv_stmt_unprepare(s);
		*rc = dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
		return 1;
	}
	*rc = call_fill_ird(s, m.has_outs ? NULL : cols, m.has_outs ? 0 : n);
	free(cols);
	if (*rc != SQL_SUCCESS) {
		dv_stmt_unprepare(s);
		return 1;
	}
	s->h.diag.dynamic_function = "CALL";
	s->h.diag.dynamic_function_code = SQL_DIAG_CALL;
	s->state = DV_ST_PREPARED;
	return 1;
}

/* ---- argument values --------------------------------------------------------------- */

struct argval {
	struct dv_buf json;          /* as a JSON value (action bodies) */
	struct dv_buf lit;           /* as a URL literal (function aliases), not yet URL-encoded */
};

static int bad_value(struct dv_error *err, const struct dv_proc *p, const char *pname,
		     const char *type, const char *text, const char *want)
{
	return dv_error_set(err, DV_S_22018, 0, "%s: the value '%.60s' of %s (%s) is not %s",
			    p->sql_name, text, pname, type, want);
}

/* An entity by logical name from the entity list (its set name and primary
 * id are there: no attribute requests). */
static int list_entity(struct dv_stmt *s, const char *name, const struct dv_entity **out,
		       struct dv_error *err)
{
	const struct dv_entity *const *list;
	size_t n;
	if (dv_catalog_entities(s->dbc->catalog, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (dv_strcasecmp(list[i]->logical_name, name) == 0) {
			*out = list[i];
			return 0;
		}
	return dv_error_set(err, DV_S_42S02, 0, "%s is not a table in this environment", name);
}

/* An entity parameter of an action: "<guid>" for a concrete entity type,
 * "<entity>(<guid>)" for any: {"@odata.type":"Microsoft.Dynamics.CRM.x","xid":".."}. */
static int entity_ref(struct dv_stmt *s, const struct dv_proc *p, const char *pname,
		      const char *type, const char *t, struct argval *v, struct dv_error *err)
{
	char ent[TYPE_MAX], g[37];
	const char *name = strncmp(type, "mscrm.", 6) == 0 ? type + 6 : type;
	const char *paren = strchr(t, '(');
	size_t n = strlen(t);
	if (!p->is_action)
		return dv_error_set(err, DV_S_HYC00, 0, "%s: entity parameters of functions (%s) "
				    "are not supported", p->sql_name, pname);
	if (paren && t[n - 1] == ')' && (size_t)(paren - t) < sizeof(ent)) {
		memcpy(ent, t, (size_t)(paren - t));
		ent[paren - t] = '\0';
		char id[64];
		snprintf(id, sizeof(id), "%.*s", (int)(n - (size_t)(paren - t) - 2), paren + 1);
		if (!proc_guid(id, g))
			return bad_value(err, p, pname, type, t, "<table>(<id>)");
	} else {
		if (strcmp(name, "crmbaseentity") == 0 || !proc_guid(t, g))
			return bad_value(err, p, pname, type, t, strcmp(name, "crmbaseentity") == 0 ?
					 "<table>(<id>), e.g. account(00000000-...)" : "a GUID");
		dv_strlcpy(ent, name, sizeof(ent));
	}
	const struct dv_entity *e;
	if (list_entity(s, ent, &e, err) != 0)
		return -1;
	int rc = dv_buf_appendf(&v->json, "{\"@odata.type\":\"Microsoft.Dynamics.CRM.%s\",",
				e->logical_name) |
		 proc_json_string(&v->json, e->primary_id) | dv_buf_appendc(&v->json, ':') |
		 proc_json_string(&v->json, g) | dv_buf_appendc(&v->json, '}');
	return rc ? dv_error_nomem(err) : 0;
}

/* The value of column col of the stepped argument statement as text (NULL: SQL NULL). */
static const char *arg_text(sqlite3_stmt *vm, int col)
{
	if (sqlite3_column_type(vm, col) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_column_text(vm, col);
}

static int arg_value(struct dv_stmt *s, const struct dv_proc *p, const struct dv_proc_item *it,
		     const char *t, struct argval *v, struct dv_error *err)
{
	int rc = proc_arg_value(p, it, t, &v->json, &v->lit, err);
	return rc == 1 ? entity_ref(s, p, it->name, it->type, t, v, err) : rc;
}

/* ---- the request ------------------------------------------------------------------- */

struct request {
	struct dv_buf url, body;
	char key[37];
};

static int build_request(struct dv_stmt *s, const struct dv_proc *p, const int *argof, int key,
			 struct request *r, struct dv_error *err)
{
	sqlite3_stmt *vm = s->vm;
	int rc = dv_buf_appends(&r->url, s->dbc->api_base);
	if (p->bound_entity) {
		const char *k = arg_text(vm, key);
		const struct dv_entity *e;
		if (!k || !proc_guid(k, r->key))
			return dv_error_set(err, DV_S_22018, 0, "%s: the first argument is the id of "
					    "the %s record (a GUID), not '%.60s'", p->sql_name,
					    p->bound_entity, k ? k : "NULL");
		if (list_entity(s, p->bound_entity, &e, err) != 0)
			return -1;
		rc |= dv_buf_appendf(&r->url, "%s(%s)/Microsoft.Dynamics.CRM.", e->entity_set,
				     r->key);
	}
	rc |= dv_buf_appends(&r->url, p->name);
	struct dv_buf aliases;
	dv_buf_init(&aliases, 0);
	int nfn = 0;
	if (!p->is_action)
		rc |= dv_buf_appendc(&r->url, '(');
	else
		rc |= dv_buf_appendc(&r->body, '{');
	for (size_t i = 0; i < p->nparams && rc == 0; i++) {
		const char *t = argof[i] >= 0 ? arg_text(vm, argof[i]) : NULL;
		if (!t) {
			if (argof[i] >= 0 && !p->params[i].nullable) {
				dv_buf_free(&aliases);
				return dv_error_set(err, DV_S_22018, 0, "%s: parameter %s (%s) cannot "
						    "be NULL", p->sql_name, p->params[i].name,
						    p->params[i].type);
			}
			continue; /* left out: the service's default */
		}
		struct argval v;
		dv_buf_init(&v.json, 0);
		dv_buf_init(&v.lit, 0);
		if (arg_value(s, p, &p->params[i], t, &v, err) != 0) {
			dv_buf_free(&v.json);
			dv_buf_free(&v.lit);
			dv_buf_free(&aliases);
			return -1;
		}
		if (p->is_action) {
			if (r->body.len > 1)
				rc |= dv_buf_appendc(&r->body, ',');
			rc |= proc_json_string(&r->body, p->params[i].name) |
			      dv_buf_appendc(&r->body, ':') |
			      dv_buf_appends(&r->body, dv_buf_str(&v.json));
		} else {
			nfn++;
			rc |= dv_buf_appendf(&r->url, "%s%s=@p%d", nfn > 1 ? "," : "",
					     p->params[i].name, nfn);
			rc |= dv_buf_appendf(&aliases, "%s@p%d=", nfn > 1 ? "&" : "?", nfn);
			rc |= dv_url_encode(&aliases, dv_buf_str(&v.lit), v.lit.len);
		}
		dv_buf_free(&v.json);
		dv_buf_free(&v.lit);
	}
	if (!p->is_action)
		rc |= dv_buf_appendc(&r->url, ')') |
		      dv_buf_append(&r->url, aliases.data ? aliases.data : "", aliases.len);
	else
		rc |= dv_buf_appendc(&r->body, '}');
	dv_buf_free(&aliases);
	return rc ? dv_error_nomem(err) : 0;
}

/* The answer to an action may have been lost after the service ran it
 * (see verify.c's write_answer_lost). */
static int answer_lost(const struct dv_error *e, long status)
{
	if (status == 502 || status == 504)
		return 1;
	return status == 0 && (e->state == DV_S_08S01 || e->state == DV_S_HYT00);
}

static SQLRETURN send_call(struct dv_stmt *s, const struct dv_procs *procs,
			   const struct dv_proc *p, const struct call_map *m, struct request *r)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_error err;
	SQLRETURN rc;
	dv_error_clear(&err);
	memset(&req, 0, sizeof(req));
	req.method = p->is_action ? "POST" : "GET";
	req.url = dv_buf_str(&r->url);
	if (p->is_action) {
		req.body = dv_buf_str(&r->body);
		req.body_len = r->body.len;
	}
	req.idempotent = !p->is_action; /* an action is sent once (see the header) */
	dv_http_resp_init(&resp);
	if (dv_http_send(s->dbc->http, &req, &resp, &err) != 0) {
		if (s->cancelled && err.state != DV_S_HY008)
			dv_error_set(&err, DV_S_HY008, 0, NULL);
		if (p->is_action && answer_lost(&err, resp.status))
			rc = dv_diag_error(&s->h.diag, DV_S_08007, "outcome unknown: the answer to "
					   "the action %s was lost (%s); the service may have run "
					   "it: check %s%s%s before calling it again", p->sql_name,
					   err.message, p->bound_entity ? "the " : "its effects",
					   p->bound_entity ? p->bound_entity : "",
					   p->bound_entity ? " record" : "");
		else {
			dv_diag_add_error(&s->h.diag, &err);
			rc = SQL_ERROR;
		}
	} else {
		rc = call_take_answer(s, procs, p, &resp.body, m->has_outs ? &m->outs : NULL, &err);
	}
	dv_http_resp_free(&resp);
	return rc;
}

/* Markers receiving values are bound SQL_PARAM_OUTPUT or _INPUT_OUTPUT,
 * argument markers SQL_PARAM_INPUT or _INPUT_OUTPUT (HY105). */
static SQLRETURN check_param_types(struct dv_stmt *s, const struct dv_proc *p,
				   const struct call_map *m)
{
	for (size_t o = 0; o <= m->outs.n; o++) {
		int n = o < m->outs.n ? m->outs.marker[o] : m->outs.ret;
		if (n > 0 && n <= s->ipd.count && s->ipd.recs[n].parameter_type == SQL_PARAM_INPUT)
			return dv_diag_error(&s->h.diag, DV_S_HY105, "parameter %d of the call of %s "
					     "receives %s: bind it with SQL_PARAM_OUTPUT (or "
					     "SQL_PARAM_INPUT_OUTPUT)", n, p->sql_name, o < m->outs.n ?
					     "an output value" : "its return value");
	}
	for (size_t i = 0; m->input_marker[i]; i++) {
		int n = m->input_marker[i];
		if (n <= s->ipd.count && s->ipd.recs[n].parameter_type == SQL_PARAM_OUTPUT)
			return dv_diag_error(&s->h.diag, DV_S_HY105, "parameter %d of the call of %s "
					     "is an input argument: bind it with SQL_PARAM_INPUT", n,
					     p->sql_name);
	}
	return SQL_SUCCESS;
}

SQLRETURN dv_call_run(struct dv_stmt *s)
{
	struct sql_call c;
	struct request r;
	struct dv_error err;
	const struct dv_procs *procs;
	const struct dv_proc *p;
	struct call_map m;
	if (s->psets > 1)
		return dv_diag_error(&s->h.diag, DV_S_HYC00, "a procedure call runs with one set "
				     "of parameters (SQL_ATTR_PARAMSET_SIZE 1): call it once per set");
	SQLRETURN rc = check_call(s, s->sql, &c, &procs, &p, &m);
	if (rc != SQL_SUCCESS)
		return rc == SQL_NO_DATA ? dv_diag_error(&s->h.diag, DV_S_HY010, "no call") : rc;
	sqlparse_call_free(&c);
	rc = dv_params_bind_set(s, 0);
	if (rc == SQL_SUCCESS)
		rc = check_param_types(s, p, &m);
	if (rc != SQL_SUCCESS)
		return rc;
	if (sqlite3_step(s->vm) != SQLITE_ROW) {
		sqlite3_reset(s->vm);
		return dv_diag_error(&s->h.diag, DV_S_HY000, "%s: the arguments could not be "
				     "evaluated: %s", p->sql_name,
				     sqlite3_errmsg(sqlite3_db_handle(s->vm)));
	}
	dv_error_clear(&err);
	dv_buf_init(&r.url, 0);
	dv_buf_init(&r.body, 0);
	if (build_request(s, p, m.argof, m.key, &r, &err) != 0) {
		dv_diag_add_error(&s->h.diag, &err);
		rc = SQL_ERROR;
	} else {
		rc = send_call(s, procs, p, &m, &r);
	}
	sqlite3_reset(s->vm);
	dv_buf_free(&r.url);
	dv_buf_free(&r.body);
	return rc;
}
