/* tvf_fetchxml.c - fetchxml('<fetch>..</fetch>'): FetchXML passthrough.
 *
 * Owns: the rewrite of fetchxml('<text>') in a statement into a table of
 * its own, "dv_fetchxml_<hash of the text>" (tvf_rewrite), the small XML
 * reader for FetchXML, the columns a FetchXML query returns (typed from the
 * metadata) and the "dv_fetchxml" virtual table module that reads them page
 * by page through the paging cookie.  The XML itself is read by fxml.c.
 *
 * COLUMNS, in the order the FetchXML names them:
 *  - <attribute name="x"/> of the query's entity: column x (its SQL name and
 *    type as in the entity's table; a lookup reads "_x_value"); with
 *    alias="a": column a;
 *  - <attribute name="x"/> of a <link-entity alias="l">: column "l.x" (or
 *    "l.a" with alias="a"): the service's JSON property names them so;
 *    a link-entity without alias gets <name><n> as the service does [U];
 *  - <all-attributes/>, or an entity with no <attribute> in a query that is
 *    not an aggregate: every column of that entity;
 *  - aggregate="true": each aggregate attribute is a column named by its
 *    alias: count and countcolumn BIGINT, avg of integers DOUBLE, the
 *    others the attribute's type; groupby attributes by alias (or name).
 * PAGING: unless the query has top= or aggregate="true", each request sets
 * count (the query's own, else the connection's PageSize, at most 5000) and
 * page on <fetch>, asks for the fetchxmlpagingcookie and morerecords
 * annotations, and the next page passes the returned cookie back
 * (paging-cookie, decoded twice, XML-escaped) until morerecords is absent.
 * FEW READS PER STATEMENT: when SQLite scans the table again in the same
 * statement (the inner side of a join, a correlated subquery), the second
 * scan keeps its rows and every later one replays them from memory instead
 * of asking the service again; the next statement reads afresh.  A table
 * scanned once (a plain extraction) keeps nothing: it streams page by page.
 * Sources: https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results
 *          https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/use-fetchxml-web-api
 *          /work/shared/dataverse-spec.md section 6. */
#include "engine/engine_int.h"
#include "engine/fxml.h"
#include "engine/tvf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "odata/odata.h"
#include "util/log.h"
#include "util/strutil.h"

#define FETCH_PAGE_MAX 5000

/* ---- the statement rewrite ------------------------------------------- */

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Past blanks and comments from p. */
static const char *skip_space(const char *p)
{
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
		} else {
			return p;
		}
	}
}

/* Past a quoted token starting at p (string, "name", [name], `name`). */
static const char *skip_quoted(const char *p)
{
	char close = *p == '[' ? ']' : *p;
	for (p++; *p; p++) {
		if (*p == close) {
			if (close != ']' && p[1] == close) {
				p++;
				continue;
			}
			return p + 1;
		}
	}
	return p;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

int tvf_rewrite(struct dv_engine *eng, const char *sql, char **out, struct dv_error *err)
{
	struct dv_buf b;
	const char *p = sql, *copied = sql;
	int changed = 0;
	*out = NULL;
	dv_buf_init(&b, 0);
	while (*p) {
		const char *q, *lit, *lend;
		struct dv_buf text;
		char name[40];
		if (*p == '\'' || *p == '"' || *p == '[' || *p == '`') {
			p = skip_quoted(p);
			continue;
		}
		if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) {
			p = skip_space(p);
			continue;
		}
		if (!is_ident(*p)) {
			p++;
			continue;
		}
		q = p;
		while (is_ident(*q))
			q++;
		if (q - p != 8 || dv_strncasecmp(p, "fetchxml", 8) != 0 ||
		    (p > sql && p[-1] == '.') || *skip_space(q) != '(') {
			p = q;
			continue;
		}
		lit = skip_space(skip_space(q) + 1);
		if (*lit != '\'') {
			dv_buf_free(&b);
			return dv_error_set(err, DV_S_42000, 0, "fetchxml() takes the FetchXML query "
					    "as one string literal, fetchxml('<fetch>...</fetch>'): its "
					    "columns must be known when the statement is prepared, so a "
					    "parameter or an expression cannot give it");
		}
		lend = skip_quoted(lit);
		if (*skip_space(lend) != ')') {
			dv_buf_free(&b);
			return dv_error_set(err, DV_S_42000, 0, "fetchxml() takes exactly one "
					    "argument, the FetchXML query as a string literal");
		}
		dv_buf_init(&text, 0);
		for (const char *c = lit + 1; c < lend - 1; c++) {
			dv_buf_appendc(&text, *c);
			if (*c == '\'' && c[1] == '\'')
				c++;
		}
		if (!dv_buf_str(&text)) {
			dv_buf_free(&b);
			return dv_error_nomem(err);
		}
		snprintf(name, sizeof(name), "dv_fetchxml_%016llx",
			 (unsigned long long)fnv1a(dv_buf_str(&text)));
		if (tvf_put_fetch(eng->tvf, name, dv_buf_str(&text)) != 0) {
			dv_buf_free(&text);
			dv_buf_free(&b);
			return dv_error_nomem(err);
		}
		dv_buf_free(&text);
		dv_buf_append(&b, copied, (size_t)(p - copied));
		dv_buf_appendf(&b, "\"%s\"", name);
		p = copied = skip_space(lend) + 1;
		changed = 1;
	}
	if (!changed) {
		dv_buf_free(&b);
		return 0;
	}
	dv_buf_appends(&b, copied);
	if (!dv_buf_str(&b))
		return dv_error_nomem(err);
	*out = dv_buf_steal(&b);
	return 0;
}

/* ---- the columns ------------------------------------------------------ */

enum fx_type { FX_COLUMN, FX_BIGINT, FX_DOUBLE };

struct fx_col {
	char *sql_name;
	char *property;
	const struct dv_column *src;   /* type and conversion, or NULL (FX_BIGINT/DOUBLE) */
	enum fx_type type;
};

struct fx_query {
	struct fx_node *root;
	const struct dv_entity *entity;
	struct fx_col *cols;
	size_t ncols, cap;
	int aggregate, paged;
	long count, page;
};

static void query_free(struct fx_query *q)
{
	size_t i;
	for (i = 0; i < q->ncols; i++) {
		free(q->cols[i].sql_name);
		free(q->cols[i].property);
	}
	free(q->cols);
	fx_free(q->root);
	memset(q, 0, sizeof(*q));
}

static const struct dv_column *value_column(const struct dv_entity *e, const char *logical)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++)
		if (e->columns[i].role == DV_COL_VALUE &&
		    dv_strcasecmp(e->columns[i].logical_name, logical) == 0)
			return &e->columns[i];
	return NULL;
}

static int add_col(struct fx_query *q, const char *prefix, const char *name, const char *prop,
		   const struct dv_column *src, enum fx_type type, struct dv_error *err)
{
	struct fx_col *c;
	size_t i;
	char *sql_name = prefix ? sqlite3_mprintf("%s.%s", prefix, name) : sqlite3_mprintf("%s", name);
	char *property = prefix ? sqlite3_mprintf("%s.%s", prefix, prop) : sqlite3_mprintf("%s", prop);
	if (!sql_name || !property) {
		sqlite3_free(sql_name);
		sqlite3_free(property);
		return dv_error_nomem(err);
	}
	for (i = 0; i < q->ncols; i++) {
		if (dv_strcasecmp(q->cols[i].sql_name, sql_name) == 0) {
			dv_error_set(err, DV_S_42000, 0, "fetchxml(): the column %s is returned "
				     "twice; give one of them another alias", sql_name);
			sqlite3_free(sql_name);
			sqlite3_free(property);
			return -1;
		}
	}
	if (q->ncols == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct fx_col *grown = realloc(q->cols, cap * sizeof(*grown));
		if (!grown) {
			sqlite3_free(sql_name);
			sqlite3_free(property);
			return dv_error_nomem(err);
		}
		q->cols = grown;
		q->cap = cap;
	}
	c = &q->cols[q->ncols++];
	c->sql_name = dv_strdup(sql_name);
	c->property = dv_strdup(property);
	sqlite3_free(sql_name);
	sqlite3_free(property);
	c->src = src;
	c->type = type;
	if (!c->sql_name || !c->property)
		return dv_error_nomem(err);
	return 0;
}

static int is_integer_type(const struct dv_column *c)
{
	switch (c->attr_type) {
	case DV_ATTR_INTEGER: case DV_ATTR_BIGINT: case DV_ATTR_PICKLIST: case DV_ATTR_STATE:
	case DV_ATTR_STATUS:
		return 1;
	default:
		return 0;
	}
}

static int add_attribute(struct fx_query *q, const struct fx_node *n, const struct dv_entity *e,
			 const char *prefix, struct dv_error *err)
{
	const char *name = fx_attr(n, "name"), *alias = fx_attr(n, "alias");
	const char *agg = fx_attr(n, "aggregate"), *groupby = fx_attr(n, "groupby");
	const struct dv_column *c = name ? value_column(e, name) : NULL;
	if (!c)
		return dv_error_set(err, DV_S_42S22, 0, "fetchxml(): table %s has no column %s",
				    e->logical_name, name ? name : "(no name attribute)");
	if (q->aggregate) {
		if (!alias && agg)
			return dv_error_set(err, DV_S_42000, 0, "fetchxml(): the aggregate %s of "
					    "%s needs an alias", agg, name);
		if (agg && (strcmp(agg, "count") == 0 || strcmp(agg, "countcolumn") == 0))
			return add_col(q, NULL, alias, alias, NULL, FX_BIGINT, err);
		if (agg && strcmp(agg, "avg") == 0 && is_integer_type(c))
			return add_col(q, NULL, alias, alias, NULL, FX_DOUBLE, err);
		if (agg || (groupby && strcmp(groupby, "true") == 0))
			return add_col(q, NULL, alias ? alias : name, alias ? alias : name, c,
				       FX_COLUMN, err);
		return dv_error_set(err, DV_S_42000, 0, "fetchxml(): in an aggregate query, "
				    "attribute %s needs aggregate= or groupby=\"true\"", name);
	}
	if (prefix)
		return add_col(q, prefix, alias ? alias : c->logical_name,
			       alias ? alias : c->logical_name, c, FX_COLUMN, err);
	return add_col(q, NULL, alias ? alias : c->name, alias ? alias : c->select_name, c,
		       FX_COLUMN, err);
}

static int add_all(struct fx_query *q, const struct dv_entity *e, const char *prefix,
		   struct dv_error *err)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++) {
		const struct dv_column *c = &e->columns[i];
		if (c->role != DV_COL_VALUE)
			continue;
		if (add_col(q, prefix, prefix ? c->logical_name : c->name,
			    prefix ? c->logical_name : c->select_name, c, FX_COLUMN, err) != 0)
			return -1;
	}
	return 0;
}

static int walk(struct dv_engine *eng, struct fx_query *q, const struct fx_node *el,
		const char *prefix, int *links, struct dv_error *err)
{
	const char *ename = fx_attr(el, "name");
	const struct dv_entity *e;
	const struct fx_node *c;
	int attrs = 0, all = 0;
	if (!ename)
		return dv_error_set(err, DV_S_42000, 0, "fetchxml(): <%s> has no name", el->name);
	if (dv_catalog_entity(eng->cat, ename, &e, err) != 0)
		return -1;
	if (!prefix)
		q->entity = e;
	for (c = el->child; c; c = c->next) {
		if (strcmp(c->name, "attribute") == 0) {
			attrs++;
			if (add_attribute(q, c, e, prefix, err) != 0)
				return -1;
		} else if (strcmp(c->name, "all-attributes") == 0) {
			all = 1;
		}
	}
	if (all || (!prefix && !attrs && !q->aggregate))
		if (add_all(q, e, prefix, err) != 0)
			return -1;
	for (c = el->child; c; c = c->next) {
		char dflt[160];
		const char *alias;
		if (strcmp(c->name, "link-entity") != 0)
			continue;
		++*links;
		alias = fx_attr(c, "alias");
		if (!alias) {
			snprintf(dflt, sizeof(dflt), "%s%d",
				 fx_attr(c, "name") ? fx_attr(c, "name") : "link", *links);
			alias = dflt;
		}
		if (walk(eng, q, c, alias, links, err) != 0)
			return -1;
	}
	return 0;
}

static int query_build(struct dv_engine *eng, const char *text, struct fx_query *q,
		       struct dv_error *err)
{
	const struct fx_node *ent;
	const char *v;
	int links = 0;
	memset(q, 0, sizeof(q[0]));
	q->root = fx_parse(text, err);
	if (!q->root)
		return -1;
	for (ent = q->root->child; ent && strcmp(ent->name, "entity") != 0; ent = ent->next)
		;
	if (!ent) {
		query_free(q);
		return dv_error_set(err, DV_S_42000, 0, "fetchxml(): the FetchXML has no <entity>");
	}
	v = fx_attr(q->root, "aggregate");
	q->aggregate = v && strcmp(v, "true") == 0;
	q->paged = !q->aggregate && !fx_attr(q->root, "top");
	q->count = eng->page_size > 0 && eng->page_size < FETCH_PAGE_MAX ? eng->page_size
									 : FETCH_PAGE_MAX;
	q->page = 1;
	if ((v = fx_attr(q->root, "count")) && (dv_parse_long(v, &q->count) != 0 || q->count <= 0 ||
						 q->count > FETCH_PAGE_MAX)) {
		query_free(q);
		return dv_error_set(err, DV_S_42000, 0, "fetchxml(): count=\"%s\" is not a page size "
				    "from 1 to %d", v, FETCH_PAGE_MAX);
	}
	if ((v = fx_attr(q->root, "page")) && (dv_parse_long(v, &q->page) != 0 || q->page <= 0)) {
		query_free(q);
		return dv_error_set(err, DV_S_42000, 0, "fetchxml(): page=\"%s\" is not a page number",
				    v);
	}
	if (walk(eng, q, ent, NULL, &links, err) != 0) {
		query_free(q);
		return -1;
	}
	if (q->ncols == 0) {
		query_free(q);
		return dv_error_set(err, DV_S_42000, 0, "fetchxml(): the query returns no column");
	}
	return 0;
}

/* The request's FetchXML: the query's <fetch> with count, page and the
 * paging cookie set (when paged). */
static char *page_fetch(const char *text, const struct fx_query *q, long page, const char *cookie)
{
	const struct fx_node *r = q->root;
	struct dv_buf b;
	const char *open = strstr(text, "<fetch");
	size_t i;
	dv_buf_init(&b, 0);
	if (!q->paged || !open)
		return dv_strdup(text);
	dv_buf_appends(&b, "<fetch");
	for (i = 0; i < r->nattrs; i++) {
		const char *k = r->attrs[2 * i], *v = r->attrs[2 * i + 1];
		if (strcmp(k, "count") == 0 || strcmp(k, "page") == 0 ||
		    strcmp(k, "paging-cookie") == 0)
			continue;
		dv_buf_appendf(&b, " %s=\"", k);
		for (; *v; v++) {
			if (*v == '"')
				dv_buf_appends(&b, "&quot;");
			else if (*v == '&')
				dv_buf_appends(&b, "&amp;");
			else if (*v == '<')
				dv_buf_appends(&b, "&lt;");
			else
				dv_buf_appendc(&b, *v);
		}
		dv_buf_appendc(&b, '"');
	}
	dv_buf_appendf(&b, " count=\"%ld\" page=\"%ld\"", q->count, page);
	if (cookie) {
		dv_buf_appends(&b, " paging-cookie=\"");
		for (; *cookie; cookie++) {
			switch (*cookie) {
			case '<': dv_buf_appends(&b, "&lt;"); break;
			case '>': dv_buf_appends(&b, "&gt;"); break;
			case '&': dv_buf_appends(&b, "&amp;"); break;
			case '"': dv_buf_appends(&b, "&quot;"); break;
			default: dv_buf_appendc(&b, *cookie);
			}
		}
		dv_buf_appendc(&b, '"');
	}
	dv_buf_appends(&b, text + r->tag_end);
	if (!dv_buf_str(&b))
		return NULL;
	return dv_buf_steal(&b);
}

/* From <cookie pagenumber="2" pagingcookie="%253ccookie.." istracking="False" />:
 * the next page number and the inner cookie decoded twice. */
static int parse_cookie(const char *outer, long *page, char **inner)
{
	const char *p = strstr(outer, "pagenumber=\""), *v, *e;
	struct dv_buf once, twice;
	*inner = NULL;
	if (!p || !(v = strstr(outer, "pagingcookie=\"")))
		return -1;
	*page = strtol(p + 12, NULL, 10);
	v += 14;
	e = strchr(v, '"');
	if (!e || *page <= 0)
		return -1;
	dv_buf_init(&once, 0);
	dv_buf_init(&twice, 0);
	if (tvf_pct_decode(&once, v, (size_t)(e - v)) != 0 || !dv_buf_str(&once) ||
	    tvf_pct_decode(&twice, dv_buf_str(&once), once.len) != 0 || !dv_buf_str(&twice)) {
		dv_buf_free(&once);
		dv_buf_free(&twice);
		return -1;
	}
	dv_buf_free(&once);
	*inner = dv_buf_steal(&twice);
	return 0;
}

/* ---- the module -------------------------------------------------------- */

/* The rows of one complete read, for the rest of its statement. */
struct fx_rows {
	unsigned long stmt;            /* the engine's statement, 0 = none */
	int complete;
	struct tvf_rows kept;          /* rows * ncols */
};

struct fx_vtab {
	sqlite3_vtab base;             /* must come first */
	struct dv_engine *eng;
	char *text;
	struct fx_query q;
	struct odata_colspec *specs;
	struct fx_rows saved;
	void *recorder;                /* the cursor filling saved, or NULL */
	unsigned long scans_stmt;      /* the statement scans counts */
	unsigned scans;
};

struct fx_cur {
	sqlite3_vtab_cursor base;      /* must come first */
	struct fx_vtab *vt;
	struct odata_page page;
	size_t next_row;
	const struct odata_cell *row;
	long page_no;
	int more;                      /* another page follows this one */
	char *cookie;
	sqlite3_int64 rowid;
	int eof;
	size_t replay;                 /* next saved row + 1 while replaying, 0 = reading */
};

static void rows_clear(struct fx_rows *r, size_t ncols)
{
	tvf_rows_clear(&r->kept, ncols);
	r->stmt = 0;
	r->complete = 0;
}

static int fx_error(struct fx_vtab *vt, const struct dv_error *err)
{
	vt->eng->scan_err = *err;
	sqlite3_free(vt->base.zErrMsg);
	vt->base.zErrMsg = sqlite3_mprintf("%s", err->message);
	return SQLITE_ERROR;
}

static int fx_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **pzErr)
{
	struct tvf_state *st = aux;
	struct dv_engine *eng = tvf_engine(st);
	struct fx_vtab *vt;
	struct dv_error err;
	struct dv_buf sql, name;
	const char *text;
	size_t i, n;
	int rc;
	if (argc < 4)
		return SQLITE_ERROR;
	dv_buf_init(&name, 0);
	n = strlen(argv[3]);
	dv_buf_append(&name, argv[3] + (n >= 2 && argv[3][0] == '"'), n >= 2 && argv[3][0] == '"' ? n - 2 : n);
	text = dv_buf_str(&name) ? tvf_fetch_text(st, dv_buf_str(&name)) : NULL;
	dv_buf_free(&name);
	if (!text) {
		*pzErr = sqlite3_mprintf("dv_fetchxml: unknown FetchXML table");
		return SQLITE_ERROR;
	}
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->eng = eng;
	dv_error_clear(&err);
	if (!(vt->text = dv_strdup(text)) || query_build(eng, text, &vt->q, &err) != 0) {
		if (err.state == DV_S_00000)
			dv_error_nomem(&err);
		eng->scan_err = err;
		*pzErr = sqlite3_mprintf("%s", err.message);
		free(vt->text);
		sqlite3_free(vt);
		return SQLITE_ERROR;
	}
	vt->specs = calloc(vt->q.ncols, sizeof(*vt->specs));
	dv_buf_init(&sql, 0);
	dv_buf_appends(&sql, "CREATE TABLE x(");
	for (i = 0; vt->specs && i < vt->q.ncols; i++) {
		const struct fx_col *c = &vt->q.cols[i];
		const char *p;
		vt->specs[i].property = c->property;
		vt->specs[i].kind = c->type == FX_BIGINT ? ODATA_INT :
				    c->type == FX_DOUBLE ? ODATA_DOUBLE : c->src->spec.kind;
		dv_buf_appends(&sql, i ? ", \"" : "\"");
		for (p = c->sql_name; *p; p++) {
			if (*p == '"')
				dv_buf_appendc(&sql, '"');
			dv_buf_appendc(&sql, *p);
		}
		dv_buf_appends(&sql, "\" ");
		if (c->type == FX_BIGINT)
			dv_buf_appends(&sql, "BIGINT");
		else if (c->type == FX_DOUBLE)
			dv_buf_appends(&sql, "DOUBLE");
		else
			column_decl(c->src, &sql);
	}
	dv_buf_appendc(&sql, ')');
	rc = vt->specs && dv_buf_str(&sql) ? sqlite3_declare_vtab(db, dv_buf_str(&sql)) : SQLITE_NOMEM;
	dv_buf_free(&sql);
	if (rc == SQLITE_OK && tvf_link_vtab(eng, vt, vt->q.entity) != 0)
		rc = SQLITE_NOMEM;
	if (rc != SQLITE_OK) {
		*pzErr = sqlite3_mprintf("dv_fetchxml: cannot declare the FetchXML's columns");
		query_free(&vt->q);
		free(vt->specs);
		free(vt->text);
		sqlite3_free(vt);
		return rc;
	}
	*out = &vt->base;
	return SQLITE_OK;
}

static int fx_disconnect(sqlite3_vtab *base)
{
	struct fx_vtab *vt = (struct fx_vtab *)base;
	tvf_unlink_vtab(vt->eng, vt);
	rows_clear(&vt->saved, vt->q.ncols);
	query_free(&vt->q);
	free(vt->specs);
	free(vt->text);
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* Nothing is pushed: SQLite filters the rows.  idxStr is the request as
 * EXPLAIN / SQLNativeSql show it. */
static int fx_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct fx_vtab *vt = (struct fx_vtab *)base;
	info->idxStr = sqlite3_mprintf("fetchXml=%s", vt->text);
	info->needToFreeIdxStr = 1;
	info->estimatedCost = 1e6;
	info->estimatedRows = 5000;
	return SQLITE_OK;
}

static int fx_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct fx_cur *cur = sqlite3_malloc(sizeof(*cur));
	if (!cur)
		return SQLITE_NOMEM;
	memset(cur, 0, sizeof(*cur));
	cur->vt = (struct fx_vtab *)base;
	cur->eof = 1;
	*out = &cur->base;
	return SQLITE_OK;
}

static int fx_close(sqlite3_vtab_cursor *base)
{
	struct fx_cur *cur = (struct fx_cur *)base;
	if (cur->vt->recorder == cur)
		cur->vt->recorder = NULL;   /* closed before its end: nothing to replay */
	odata_page_free(&cur->page);
	free(cur->cookie);
	sqlite3_free(cur);
	return SQLITE_OK;
}

/* Reads page cur->page_no (with cur->cookie). */
static int read_page(struct fx_cur *cur, struct dv_error *err)
{
	struct fx_vtab *vt = cur->vt;
	struct dv_engine *eng = vt->eng;
	struct dv_buf url;
	char *fetch = page_fetch(vt->text, &vt->q, cur->page_no, cur->cookie);
	int rc;
	if (!fetch)
		return dv_error_nomem(err);
	dv_buf_init(&url, 0);
	dv_buf_appendf(&url, "%s%s?fetchXml=", eng->api_base, vt->q.entity->entity_set);
	dv_url_encode(&url, fetch, strlen(fetch));
	free(fetch);
	if (!dv_buf_str(&url))
		return dv_error_nomem(err);
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "fetchxml page %ld of %s", cur->page_no,
	       vt->q.entity->logical_name);
	rc = odata_page_read(eng->http, dv_buf_str(&url),
			     "odata.include-annotations=\"Microsoft.Dynamics.CRM.fetchxmlpagingcookie,"
			     "Microsoft.Dynamics.CRM.morerecords\"",
			     vt->specs, vt->q.ncols, &cur->page, err);
	dv_buf_free(&url);
	eng->scans++;
	if (rc != 0)
		return -1;
	cur->next_row = 0;
	cur->more = vt->q.paged && cur->page.more_records;
	free(cur->cookie);
	cur->cookie = NULL;
	if (cur->more && cur->page.paging_cookie) {
		long next = 0;
		if (parse_cookie(cur->page.paging_cookie, &next, &cur->cookie) == 0)
			cur->page_no = next;
		else
			cur->page_no++;
	} else if (cur->more) {
		cur->page_no++;
	}
	return 0;
}

static int fx_advance(struct fx_cur *cur, struct dv_error *err)
{
	struct fx_vtab *vt = cur->vt;
	size_t n = vt->q.ncols;
	if (cur->replay) {
		if (cur->replay > vt->saved.kept.rows) {
			cur->eof = 1;
			return 0;
		}
		cur->row = &vt->saved.kept.cells[(cur->replay++ - 1) * n];
		cur->rowid++;
		cur->eof = 0;
		return 0;
	}
	while (cur->next_row >= cur->page.nrows) {
		if (!cur->more) {
			cur->eof = 1;
			if (vt->recorder == cur) {
				vt->saved.complete = 1;
				vt->recorder = NULL;
			}
			return 0;
		}
		if (read_page(cur, err) != 0)
			return -1;
	}
	cur->row = &cur->page.cells[cur->next_row++ * n];
	if (vt->recorder == cur && tvf_rows_add(&vt->saved.kept, cur->row, n) != 0) {
		rows_clear(&vt->saved, n);    /* too big to keep: later scans read again */
		vt->recorder = NULL;
	}
	cur->rowid++;
	cur->eof = 0;
	return 0;
}

static int fx_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct fx_cur *cur = (struct fx_cur *)base;
	struct dv_error err;
	(void)idx_num;
	(void)idx_str;
	(void)argc;
	(void)argv;
	struct fx_vtab *vt = cur->vt;
	unsigned long stmt = vt->eng->stmt_seq;
	dv_error_clear(&err);
	free(cur->cookie);
	cur->cookie = NULL;
	cur->page_no = vt->q.page;
	cur->rowid = 0;
	cur->row = NULL;
	cur->replay = 0;
	if (vt->recorder == cur)
		vt->recorder = NULL;
	if (vt->scans_stmt != stmt) {
		vt->scans_stmt = stmt;
		vt->scans = 0;
	}
	vt->scans++;
	if (vt->saved.complete && vt->saved.stmt == stmt) {
		cur->replay = 1;            /* read already in this statement */
	} else if (vt->scans >= 2 && !vt->recorder) {
		rows_clear(&vt->saved, vt->q.ncols);
		vt->saved.stmt = stmt;
		vt->recorder = cur;
	}
	if ((!cur->replay && read_page(cur, &err) != 0) || fx_advance(cur, &err) != 0)
		return fx_error(vt, &err);
	return SQLITE_OK;
}

static int fx_next(sqlite3_vtab_cursor *base)
{
	struct fx_cur *cur = (struct fx_cur *)base;
	struct dv_error err;
	dv_error_clear(&err);
	if (fx_advance(cur, &err) != 0)
		return fx_error(cur->vt, &err);
	return SQLITE_OK;
}

static int fx_eof(sqlite3_vtab_cursor *base)
{
	return ((struct fx_cur *)base)->eof;
}

static int fx_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int i)
{
	struct fx_cur *cur = (struct fx_cur *)base;
	const struct fx_query *q = &cur->vt->q;
	const struct odata_cell *cell;
	if (!cur->row || i < 0 || (size_t)i >= q->ncols) {
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	cell = &cur->row[i];
	if (q->cols[i].src && q->cols[i].type == FX_COLUMN) {
		cell_to_result(q->cols[i].src, cell, ctx);
	} else if (cell->type == OC_INT) {
		sqlite3_result_int64(ctx, cell->i);
	} else if (cell->type == OC_DOUBLE) {
		if (q->cols[i].type == FX_BIGINT)
			sqlite3_result_int64(ctx, (sqlite3_int64)cell->d);
		else
			sqlite3_result_double(ctx, cell->d);
	} else if (cell->type == OC_TEXT) {
		sqlite3_result_text(ctx, cell->s, (int)cell->len, SQLITE_TRANSIENT);
	} else {
		sqlite3_result_null(ctx);
	}
	return SQLITE_OK;
}

static int fx_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	*rowid = ((struct fx_cur *)base)->rowid;
	return SQLITE_OK;
}

static sqlite3_module fetchxml_module = {
	0, fx_connect, fx_connect, fx_best_index, fx_disconnect, fx_disconnect,
	fx_open, fx_close, fx_filter, fx_next, fx_eof, fx_column, fx_rowid,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

int tvf_fetchxml_register(struct dv_engine *eng, struct tvf_state *st)
{
	return sqlite3_create_module(eng->db, "dv_fetchxml", &fetchxml_module, st);
}
