/* catalog_actions.c - the CSDL's functions and actions (catalog_procs.h).
 *
 * Owns: reading $metadata as a stream and keeping only its ComplexType,
 * Function and Action elements (a real org's CSDL is ~8.5 MB of entity
 * types, read once per connection and never held whole), and lookups in
 * the result.
 *
 * HOW IT WORKS: the body is scanned tag by tag as it arrives; text between
 * tags is skipped, a tag is buffered only until its '>' (quotes respected).
 *   <ComplexType Name=..>  <Property Name Type Nullable/>  </ComplexType>
 *   <Function|Action Name=.. IsBound=..>  <Parameter Name Type Nullable/>
 *   <ReturnType Type=../>  </Function|Action>
 * A bound operation's first parameter is its binding: "mscrm.lead" makes
 * the procedure "lead.<Name>"; operations bound to a collection
 * ("Collection(mscrm.lead)") or to the abstract crmbaseentity/principal
 * are left out (they name no record a call could give).
 * Source: https://docs.oasis-open.org/odata/odata-csdl-xml/v4.01/odata-csdl-xml-v4.01.html */
#include "catalog/catalog_procs.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#define TAG_MAX (64 * 1024)

struct csdl_reader {
	struct dv_buf tag;           /* the tag being read, without '<' */
	int in_tag, quote, overflow;
	struct dv_procs *out;
	size_t cap_procs, cap_types;
	struct dv_complex_type *complex; /* open ComplexType, or NULL */
	struct dv_proc *op;          /* open Function/Action, or NULL */
	int op_bound, op_skip, op_saw_binding;
};

/* ---- freeing ---------------------------------------------------------------- */

static void items_free(struct dv_proc_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(it[i].name);
		free(it[i].type);
	}
	free(it);
}

static void proc_clear(struct dv_proc *p)
{
	free(p->sql_name);
	free(p->name);
	free(p->bound_entity);
	free(p->return_type);
	items_free(p->params, p->nparams);
	memset(p, 0, sizeof(*p));
}

void catalog_procs_free(struct dv_procs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nprocs; i++)
		proc_clear(&p->procs[i]);
	free(p->procs);
	for (size_t i = 0; i < p->ntypes; i++) {
		free(p->types[i].name);
		items_free(p->types[i].props, p->types[i].nprops);
	}
	free(p->types);
	free(p);
}

struct csdl_reader *csdl_reader_new(void)
{
	struct csdl_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->out = calloc(1, sizeof(*r->out));
	if (!r->out) {
		free(r);
		return NULL;
	}
	dv_buf_init(&r->tag, 0);
	return r;
}

void csdl_reader_free(struct csdl_reader *r)
{
	if (!r)
		return;
	if (r->op) {
		proc_clear(r->op);
		free(r->op);
	}
	catalog_procs_free(r->out);
	dv_buf_free(&r->tag);
	free(r);
}

/* ---- attributes ---------------------------------------------------------------- */

/* XML-unescapes the five predefined entities. */
static char *unescape(const char *s, size_t n)
{
	static const struct { const char *ent; char c; } ents[] = {
		{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
	const size_t nents = sizeof(ents) / sizeof(ents[0]);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t k = nents, l = 0;
		if (s[i] == '&')
			for (k = 0; k < nents; k++) {
				l = strlen(ents[k].ent);
				if (i + l <= n && memcmp(s + i, ents[k].ent, l) == 0)
					break;
			}
		if (k < nents) {
			*o++ = ents[k].c;
			i += l;
		} else {
			*o++ = s[i++];
		}
	}
	*o = '\0';
	return out;
}

/* The value of attribute name in the tag text t (after the element name), as
 * a new string; NULL when absent (or no memory: *nomem set). */
static char *attr(const char *t, size_t n, const char *name, int *nomem)
{
	size_t nl = strlen(name), i = 0;
	while (i < n) {
		while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n' ||
				 t[i] == '/'))
			i++;
		size_t ks = i;
		while (i < n && t[i] != '=' && t[i] != ' ' && t[i] != '\t' && t[i] != '\r' &&
		       t[i] != '\n' && t[i] != '/')
			i++;
		size_t ke = i;
		while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
			i++;
		if (i >= n || t[i] != '=') {
			if (i == ks)
				i++;
			continue;
		}
		i++;
		while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
			i++;
		if (i >= n || (t[i] != '"' && t[i] != '\''))
			return NULL;
		char q = t[i++];
		size_t vs = i;
		while (i < n && t[i] != q)
			i++;
		if (ke - ks == nl && memcmp(t + ks, name, nl) == 0) {
			char *v = unescape(t + vs, i - vs);
			if (!v)
				*nomem = 1;
			return v;
		}
		i++;
	}
	return NULL;
}

static int attr_true(const char *t, size_t n, const char *name, int dflt, int *nomem)
{
	char *v = attr(t, n, name, nomem);
	int r = v ? strcmp(v, "true") == 0 : dflt;
	free(v);
	return r;
}

/* "mscrm.lead" / "Microsoft.Dynamics.CRM.lead" -> "lead"; other namespaces as is. */
static const char *short_type(const char *type)
{
	if (strncmp(type, "mscrm.", 6) == 0)
		return type + 6;
	if (strncmp(type, "Microsoft.Dynamics.CRM.", 23) == 0)
		return type + 23;
	return type;
}

/* ---- elements ------------------------------------------------------------------ */

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, nc * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = nc;
	return 0;
}

static int add_item(struct dv_proc_item **items, size_t *n, const char *t, size_t len)
{
	int nomem = 0;
	struct dv_proc_item it;
	it.name = attr(t, len, "Name", &nomem);
	it.type = attr(t, len, "Type", &nomem);
	it.nullable = attr_true(t, len, "Nullable", 1, &nomem);
	if (nomem || !it.name || !it.type) {
		free(it.name);
		free(it.type);
		return nomem ? -1 : 0; /* an item without a name or type: ignored */
	}
	struct dv_proc_item *p = realloc(*items, (*n + 1) * sizeof(*p));
	if (!p) {
		free(it.name);
		free(it.type);
		return -1;
	}
	p[(*n)++] = it;
	*items = p;
	return 0;
}

static int open_complex(struct csdl_reader *r, const char *t, size_t len, int closed)
{
	int nomem = 0;
	char *name = attr(t, len, "Name", &nomem);
	if (!name)
		return nomem ? -1 : 0;
	struct dv_procs *o = r->out;
	if (grow((void **)&o->types, &r->cap_types, o->ntypes, sizeof(o->types[0])) != 0) {
		free(name);
		return -1;
	}
	struct dv_complex_type *c = &o->types[o->ntypes++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	r->complex = closed ? NULL : c;
	return 0;
}

static int close_op(struct csdl_reader *r)
{
	struct dv_proc *p = r->op;
	int rc = 0;
	r->op = NULL;
	if (!r->op_skip && (!r->op_bound || p->bound_entity)) {
		struct dv_buf b;
		dv_buf_init(&b, 0);
		if (p->bound_entity)
			rc |= dv_buf_appendf(&b, "%s.", p->bound_entity);
		rc |= dv_buf_appends(&b, p->name);
		p->sql_name = dv_buf_steal(&b);
		dv_buf_free(&b);
		struct dv_procs *o = r->out;
		if (rc == 0 && p->sql_name &&
		    grow((void **)&o->procs, &r->cap_procs, o->nprocs, sizeof(*p)) == 0) {
			o->procs[o->nprocs++] = *p;
			free(p);
			return 0;
		}
		rc = -1;
	}
	proc_clear(p);
	free(p);
	return rc;
}

static int open_op(struct csdl_reader *r, const char *t, size_t len, int is_action, int closed)
{
	int nomem = 0;
	struct dv_proc *p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->name = attr(t, len, "Name", &nomem);
	p->is_action = is_action;
	r->op = p;
	r->op_bound = attr_true(t, len, "IsBound", 0, &nomem);
	r->op_skip = p->name == NULL;
	r->op_saw_binding = 0;
	if (nomem)
		return -1;
	return closed ? close_op(r) : 0;
}

static int op_parameter(struct csdl_reader *r, const char *t, size_t len)
{
	struct dv_proc *p = r->op;
	if (r->op_bound && !r->op_saw_binding) {
		int nomem = 0;
		char *type = attr(t, len, "Type", &nomem);
		r->op_saw_binding = 1;
		if (!type)
			return nomem ? -1 : (r->op_skip = 1, 0);
		const char *ent = short_type(type);
		if (strncmp(type, "Collection(", 11) == 0 || strcmp(ent, "crmbaseentity") == 0 ||
		    strcmp(ent, "principal") == 0 || ent == type)
			r->op_skip = 1;
		else if (!(p->bound_entity = dv_strdup(ent)))
			nomem = 1;
		free(type);
		return nomem ? -1 : 0;
	}
	return add_item(&p->params, &p->nparams, t, len);
}

static int is_name(const char *t, size_t n, const char *name)
{
	size_t l = strlen(name);
	return n == l && memcmp(t, name, l) == 0;
}

/* One tag's text (between '<' and '>'). */
static int on_tag(struct csdl_reader *r, const char *t, size_t n)
{
	int closing = n > 0 && t[0] == '/';
	int closed = n > 0 && t[n - 1] == '/';
	size_t s = closing ? 1 : 0, e = s;
	if (n == 0 || t[0] == '?' || t[0] == '!')
		return 0;
	while (e < n && t[e] != ' ' && t[e] != '\t' && t[e] != '\r' && t[e] != '\n' && t[e] != '/')
		e++;
	const char *name = t + s;
	size_t nl = e - s;
	const char *rest = t + e;
	size_t rl = n - e - (closed ? 1 : 0);
	if (closing) {
		if (is_name(name, nl, "ComplexType"))
			r->complex = NULL;
		else if ((is_name(name, nl, "Function") || is_name(name, nl, "Action")) && r->op)
			return close_op(r);
		return 0;
	}
	if (is_name(name, nl, "ComplexType"))
		return open_complex(r, rest, rl, closed);
	if (is_name(name, nl, "Property") && r->complex)
		return add_item(&r->complex->props, &r->complex->nprops, rest, rl);
	if ((is_name(name, nl, "Function") || is_name(name, nl, "Action")) && !r->op)
		return open_op(r, rest, rl, name[0] == 'A', closed);
	if (is_name(name, nl, "Parameter") && r->op)
		return op_parameter(r, rest, rl);
	if (is_name(name, nl, "ReturnType") && r->op && !r->op->return_type) {
		int nomem = 0;
		r->op->return_type = attr(rest, rl, "Type", &nomem);
		return nomem ? -1 : 0;
	}
	return 0;
}

int csdl_reader_feed(struct csdl_reader *r, const char *data, size_t len, struct dv_error *err)
{
	size_t i = 0;
	while (i < len) {
		if (!r->in_tag) {
			const char *lt = memchr(data + i, '<', len - i);
			if (!lt)
				return 0;
			i = (size_t)(lt - data) + 1;
			r->in_tag = 1;
			r->quote = 0;
			r->overflow = 0;
			dv_buf_reset(&r->tag);
			continue;
		}
		size_t start = i;
		while (i < len) {
			char c = data[i];
			if (r->quote) {
				if (c == r->quote)
					r->quote = 0;
			} else if (c == '"' || c == '\'') {
				r->quote = c;
			} else if (c == '>') {
				break;
			}
			i++;
		}
		if (!r->overflow) {
			if (r->tag.len + (i - start) > TAG_MAX)
				r->overflow = 1; /* an annotation of no interest; skipped */
			else if (dv_buf_append(&r->tag, data + start, i - start) != 0)
				return dv_error_nomem(err);
		}
		if (i < len) { /* at '>' */
			i++;
			r->in_tag = 0;
			if (!r->overflow &&
			    on_tag(r, r->tag.data ? r->tag.data : "", r->tag.len) != 0)
				return dv_error_nomem(err);
		}
	}
	return 0;
}

static int cmp_proc(const void *a, const void *b)
{
	return strcmp(((const struct dv_proc *)a)->sql_name, ((const struct dv_proc *)b)->sql_name);
}

int csdl_reader_finish(struct csdl_reader *r, struct dv_procs **out, struct dv_error *err)
{
	(void)err;
	struct dv_procs *p = r->out;
	if (p->nprocs > 1)
		qsort(p->procs, p->nprocs, sizeof(p->procs[0]), cmp_proc);
	r->out = NULL;
	csdl_reader_free(r);
	*out = p;
	return 0;
}

/* ---- lookups --------------------------------------------------------------------- */

const struct dv_proc *dv_procs_find(const struct dv_procs *p, const char *name)
{
	for (size_t i = 0; p && i < p->nprocs; i++)
		if (dv_strcasecmp(p->procs[i].sql_name, name) == 0)
			return &p->procs[i];
	return NULL;
}

const struct dv_complex_type *dv_procs_complex(const struct dv_procs *p, const char *type)
{
	const char *want = short_type(type);
	for (size_t i = 0; p && i < p->ntypes; i++)
		if (strcmp(p->types[i].name, want) == 0)
			return &p->types[i];
	return NULL;
}

/* ---- loading ----------------------------------------------------------------------- */

struct load_ctx {
	struct csdl_reader *r;
	struct dv_error *err;
	int nomem;
};

static int on_body(void *ctx, const char *data, size_t len)
{
	struct load_ctx *c = ctx;
	if (!c->r)
		return 1;
	return csdl_reader_feed(c->r, data, len, c->err) == 0 ? 0 : 1;
}

static void on_restart(void *ctx)
{
	struct load_ctx *c = ctx;
	csdl_reader_free(c->r);
	c->r = csdl_reader_new();
}

int catalog_load_procs(struct dv_http *http, const char *api_base, struct dv_log *log,
		       struct dv_procs **out, struct dv_error *err)
{
	static const char *const headers[] = {"Accept: application/xml", NULL};
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_buf url;
	struct load_ctx ctx;
	int rc;
	*out = NULL;
	ctx.r = csdl_reader_new();
	ctx.err = err;
	dv_buf_init(&url, 0);
	if (!ctx.r || dv_buf_appendf(&url, "%s$metadata", api_base) != 0) {
		csdl_reader_free(ctx.r);
		dv_buf_free(&url);
		return dv_error_nomem(err);
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = dv_buf_str(&url);
	req.headers = headers;
	req.on_body = on_body;
	req.on_restart = on_restart;
	req.ctx = &ctx;
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	rc = dv_http_send(http, &req, &resp, err);
	if (rc == 0 && !ctx.r)
		rc = dv_error_nomem(err);
	if (rc == 0)
		rc = csdl_reader_finish(ctx.r, out, err);
	else
		csdl_reader_free(ctx.r);
	if (rc == 0)
		DV_LOG(log, DV_LOG_DEBUG, http, "catalog: $metadata declares %zu procedures",
		       (*out)->nprocs);
	dv_http_resp_free(&resp);
	dv_buf_free(&url);
	return rc;
}
