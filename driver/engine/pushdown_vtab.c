/* pushdown_vtab.c - the "dv_pushed" virtual table module: runs a pushed
 * statement (pushdown.c) as one request and hands its rows to SQLite.
 *
 * Two shapes, both with hidden columns dv_sql (the original statement) and
 * dv_p1..dv_p32 (its parameters), given as table-valued-function arguments:
 *   main."<entity>" USING dv_pushed(rows, "<entity>"): the entity's columns,
 *     declared as the "dataverse" table declares them.  xBestIndex turns
 *     colUsed into $select; xFilter parses dv_sql with the parameter values,
 *     sends $select + $filter and pages like the per-table scan.
 *   temp."dvpush_<hash>" USING dv_pushed(agg, '<hex of the column list>'):
 *     one column per result column; xFilter sends the $apply request; AVG
 *     is SUM / COUNT divided here (the engine's avg() is a double division;
 *     the service's average of integers is not documented to be).  Without
 *     GROUP BY an empty answer still yields one row (COUNT 0, others NULL).
 * FALLBACK: when the service answers 0x8004E023 (aggregate input over
 * 50,000 rows) or refuses the $apply request otherwise (400: 42000, 42S22,
 * 22003), or a parameter value has no exact OData form, the original
 * statement is prepared on the per-table path (PUSH_LOCAL_HINT) and its rows
 * are handed out instead: same rows, same values, no error.  A rows table
 * whose statement lost subquery terms sent exactly (pushdown_semijoin.c)
 * checks that they are still exact with the values; if not, it hands out
 * the outer table's rows that satisfy the whole WHERE, read on the
 * per-table path (push_local_rows_sql).
 * Source: https://www.sqlite.org/vtab.html#tabfunc2 (table-valued functions) */
#include "engine/pushdown.h"

#include <stdlib.h>
#include <string.h>

#include "odata/odata.h"
#include "util/log.h"
#include "util/strutil.h"

#define AGGREGATE_LIMIT_EXCEEDED ((long)(int)0x8004E023u)

struct pvt {
	sqlite3_vtab base;             /* must come first */
	struct dv_engine *eng;
	int agg;
	const struct dv_entity *e;     /* rows */
	int ncols;                     /* visible columns */
};

struct pcur {
	sqlite3_vtab_cursor base;      /* must come first */
	struct pvt *vt;
	struct odata_cursor *oc;
	const struct odata_cell *row;
	struct odata_cell empty[2 * AST_MAX_ITEMS];  /* the synthesized row */
	int eof;
	sqlite3_int64 rowid;
	/* rows */
	struct odata_colspec *specs;
	int *colmap;
	/* agg */
	struct push_plan plan;
	int have_plan;
	/* fallback */
	sqlite3_stmt *local;
};

static int pvt_error(struct pvt *vt, const struct dv_error *err)
{
	vt->eng->scan_err = *err;
	sqlite3_free(vt->base.zErrMsg);
	vt->base.zErrMsg = sqlite3_mprintf("%s", err->message);
	return SQLITE_ERROR;
}

void push_out_decl(const struct push_out *o, struct dv_buf *out)
{
	switch (o->kind) {
	case PO_COUNT:
		dv_buf_appends(out, "BIGINT");
		break;
	case PO_AVG:
		dv_buf_appends(out, "DOUBLE");
		break;
	case PO_SUM: /* as a local SUM is typed (exprtype.c): integers add up to BIGINT */
		if (o->col && (o->col->attr_type == DV_ATTR_DECIMAL ||
			       o->col->attr_type == DV_ATTR_MONEY))
			dv_buf_appendf(out, "DECIMAL(38,%d)", o->col->decimal_digits);
		else if (o->col && o->col->attr_type == DV_ATTR_DOUBLE)
			dv_buf_appends(out, "DOUBLE");
		else
			dv_buf_appends(out, "BIGINT");
		break;
	default:
		column_decl(o->col, out);
		break;
	}
}

static int unhex(const char *s, struct dv_buf *out)
{
	size_t i, n = strlen(s);
	for (i = 0; i + 1 < n; i += 2) {
		char pair[3] = {s[i], s[i + 1], 0};
		dv_buf_appendc(out, (char)strtol(pair, NULL, 16));
	}
	return 0;
}

static int atoi_safe(const char *s)
{
	long v;
	return dv_parse_long(s, &v) == 0 && v > 0 && v <= AST_MAX_ITEMS ? (int)v : 0;
}

static void strip_quotes(const char *arg, struct dv_buf *out)
{
	size_t n = strlen(arg);
	if (n >= 2 && (arg[0] == '"' || arg[0] == '\''))
		dv_buf_append(out, arg + 1, n - 2);
	else
		dv_buf_append(out, arg, n);
}

/* xCreate / xConnect: argv[3] = rows | agg, argv[4] = entity | hex columns. */
static int pvt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		       sqlite3_vtab **out, char **pzErr)
{
	struct dv_engine *eng = aux;
	struct dv_buf decl, arg;
	struct dv_error err;
	struct pvt *vt;
	const struct dv_entity *e = NULL;
	int agg, ncols = 0, i, rc;
	if (argc < 5 || (strcmp(argv[3], "agg") == 0 && argc < 6)) {
		*pzErr = sqlite3_mprintf("dv_pushed: USING dv_pushed(rows, entity | agg, n, hex)");
		return SQLITE_ERROR;
	}
	agg = strcmp(argv[3], "agg") == 0;
	dv_buf_init(&decl, 0);
	dv_buf_init(&arg, 0);
	strip_quotes(argv[agg ? 5 : 4], &arg);
	dv_buf_appends(&decl, "CREATE TABLE x(");
	if (agg) {
		ncols = atoi_safe(argv[4]);
		unhex(dv_buf_str(&arg), &decl);
	} else {
		size_t k;
		dv_error_clear(&err);
		if (dv_catalog_entity(eng->cat, dv_buf_str(&arg), &e, &err) != 0) {
			*pzErr = sqlite3_mprintf("%s", err.message);
			dv_buf_free(&decl);
			dv_buf_free(&arg);
			return SQLITE_ERROR;
		}
		for (k = 0; k < e->ncolumns; k++) {
			const char *p;
			dv_buf_appends(&decl, k ? ", \"" : "\"");
			for (p = e->columns[k].name; *p; p++) {
				if (*p == '"')
					dv_buf_appendc(&decl, '"');
				dv_buf_appendc(&decl, *p);
			}
			dv_buf_appends(&decl, "\" ");
			column_decl(&e->columns[k], &decl);
		}
		ncols = (int)e->ncolumns;
	}
	dv_buf_appends(&decl, ", dv_sql HIDDEN");
	for (i = 1; i <= PUSH_MAX_PARAMS; i++)
		dv_buf_appendf(&decl, ", dv_p%d HIDDEN", i);
	dv_buf_appendc(&decl, ')');
	rc = sqlite3_declare_vtab(db, dv_buf_str(&decl));
	dv_buf_free(&decl);
	dv_buf_free(&arg);
	if (rc != SQLITE_OK) {
		*pzErr = sqlite3_mprintf("dv_pushed: cannot declare the table");
		return rc;
	}
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->eng = eng;
	vt->agg = agg;
	vt->e = e;
	vt->ncols = ncols;
	*out = &vt->base;
	return SQLITE_OK;
}

static int pvt_disconnect(sqlite3_vtab *base)
{
	sqlite3_free(base);
	return SQLITE_OK;
}

/* $select from colUsed (rows): the primary key, then each used column's
 * property once; companions ask for annotations. */
static void rows_select(const struct dv_entity *e, sqlite3_uint64 used,
			const struct sql_mentions *m, struct dv_buf *sel, int *flags)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++)
		if (e->columns[i].is_primary_id && e->columns[i].role == DV_COL_VALUE)
			dv_buf_appends(sel, e->columns[i].select_name);
	for (i = 0; i < e->ncolumns; i++) {
		const struct dv_column *c = &e->columns[i];
		sqlite3_uint64 bit = (sqlite3_uint64)1 << (i < 63 ? i : 63);
		const char *p = dv_buf_str(sel);
		size_t n = strlen(c->select_name);
		int dup = 0;
		if (!(used & bit) || (i >= 63 && !sql_mentions_has(m, c->name)))
			continue;
		if (c->role == DV_COL_NAME)
			*flags |= PLAN_WANT_FORMATTED;
		if (c->role == DV_COL_TYPE)
			*flags |= PLAN_WANT_LOOKUPTYPE;
		while (p && *p && !dup) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			dup = len == n && strncmp(p, c->select_name, n) == 0;
			p = comma ? comma + 1 : NULL;
		}
		if (!dup)
			dv_buf_appendf(sel, "%s%s", sel->len ? "," : "", c->select_name);
	}
}

static int pvt_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct pvt *vt = (struct pvt *)base;
	int i, have_sql = 0, maxp = 0, flags = 0;
	unsigned long long seen = 0;
	struct dv_buf sel;
	for (i = 0; i < info->nConstraint; i++) {
		int col = info->aConstraint[i].iColumn - vt->ncols;
		if (col < 0 || info->aConstraint[i].op != SQLITE_INDEX_CONSTRAINT_EQ)
			continue;
		if (!info->aConstraint[i].usable)
			return SQLITE_CONSTRAINT;
		info->aConstraintUsage[i].argvIndex = col + 1;
		info->aConstraintUsage[i].omit = 1;
		seen |= 1ULL << col;
		have_sql |= col == 0;
		if (col > maxp)
			maxp = col;
	}
	if (!have_sql || seen != (maxp == 63 ? ~0ULL : (1ULL << (maxp + 1)) - 1))
		return SQLITE_CONSTRAINT;
	info->estimatedCost = 1;
	info->estimatedRows = 1000;
	if (vt->agg)
		return SQLITE_OK;
	dv_buf_init(&sel, 0);
	rows_select(vt->e, info->colUsed, engine_mentions(vt->eng), &sel, &flags);
	info->idxNum = flags;
	info->idxStr = sqlite3_mprintf("%s", dv_buf_str(&sel));
	info->needToFreeIdxStr = 1;
	dv_buf_free(&sel);
	return info->idxStr ? SQLITE_OK : SQLITE_NOMEM;
}

static int pvt_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct pcur *cur = sqlite3_malloc(sizeof(*cur));
	if (!cur)
		return SQLITE_NOMEM;
	memset(cur, 0, sizeof(*cur));
	cur->vt = (struct pvt *)base;
	cur->eof = 1;
	*out = &cur->base;
	return SQLITE_OK;
}

static void cur_reset(struct pcur *cur)
{
	odata_cursor_close(cur->oc);
	cur->oc = NULL;
	sqlite3_finalize(cur->local);
	cur->local = NULL;
	if (cur->have_plan)
		push_plan_free(&cur->plan);
	cur->have_plan = 0;
	free(cur->specs);
	free(cur->colmap);
	cur->specs = NULL;
	cur->colmap = NULL;
	cur->row = NULL;
	cur->eof = 1;
	cur->rowid = 0;
}

static int pvt_close(sqlite3_vtab_cursor *base)
{
	cur_reset((struct pcur *)base);
	sqlite3_free(base);
	return SQLITE_OK;
}

static char *build_prefer(const struct dv_engine *eng, int flags)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	if (eng->page_size > 0)
		dv_buf_appendf(&b, "odata.maxpagesize=%ld", eng->page_size);
	if (flags & (PLAN_WANT_FORMATTED | PLAN_WANT_LOOKUPTYPE))
		dv_buf_appendf(&b, "%sodata.include-annotations=\"%s%s%s\"", b.len ? "," : "",
			       flags & PLAN_WANT_FORMATTED ?
			       "OData.Community.Display.V1.FormattedValue" : "",
			       (flags & PLAN_WANT_FORMATTED) && (flags & PLAN_WANT_LOOKUPTYPE) ?
			       "," : "",
			       flags & PLAN_WANT_LOOKUPTYPE ?
			       "Microsoft.Dynamics.CRM.lookuplogicalname" : "");
	if (!b.len) {
		dv_buf_free(&b);
		return NULL;
	}
	return dv_buf_steal(&b);
}

/* rows: one spec per entity column whose property is in $select. */
static int rows_specs(struct pcur *cur, const char *select)
{
	const struct dv_entity *e = cur->vt->e;
	size_t i, n = 0;
	cur->specs = calloc(e->ncolumns + 1, sizeof(*cur->specs));
	cur->colmap = calloc(e->ncolumns + 1, sizeof(int));
	if (!cur->specs || !cur->colmap)
		return -1;
	for (i = 0; i < e->ncolumns; i++) {
		const char *p = select;
		size_t len = strlen(e->columns[i].select_name);
		cur->colmap[i] = -1;
		while (p && *p) {
			const char *comma = strchr(p, ',');
			size_t l = comma ? (size_t)(comma - p) : strlen(p);
			if (l == len && strncmp(p, e->columns[i].select_name, len) == 0) {
				cur->colmap[i] = (int)n;
				cur->specs[n++] = e->columns[i].spec;
				break;
			}
			p = comma ? comma + 1 : NULL;
		}
	}
	return (int)n;
}

/* Runs the original statement on the per-table path (see FALLBACK); for a
 * rows table, the outer table's rows that satisfy its WHERE. */
static int open_local(struct pcur *cur, const char *sql, const struct ast_select *s,
		      int argc, sqlite3_value **argv, struct dv_error *err)
{
	struct dv_buf b;
	int i, rc;
	dv_buf_init(&b, 0);
	if (cur->vt->agg)
		push_local_sql(sql, s, &b);
	else
		push_local_rows_sql(sql, s, &b);
	rc = dv_engine_prepare(cur->vt->eng, dv_buf_str(&b), &cur->local, err);
	DV_LOG(cur->vt->eng->log, DV_LOG_DEBUG, cur->vt->eng, "pushdown: evaluated locally: %s",
	       dv_buf_str(&b));
	dv_buf_free(&b);
	if (rc != 0)
		return -1;
	for (i = 0; i < argc; i++)
		sqlite3_bind_value(cur->local, i + 1, argv[i]);
	return 0;
}

static int advance(struct pcur *cur, struct dv_error *err)
{
	int rc;
	if (cur->local) {
		rc = sqlite3_step(cur->local);
		if (rc == SQLITE_ROW) {
			cur->eof = 0;
			return 0;
		}
		cur->eof = 1;
		if (rc == SQLITE_DONE)
			return 0;
		if (cur->vt->eng->scan_err.state != DV_S_00000) {
			*err = cur->vt->eng->scan_err;
			return -1;
		}
		return dv_error_set(err, DV_S_HY000, 0, "%s", sqlite3_errmsg(cur->vt->eng->db));
	}
	if (cur->row == cur->empty) {          /* the synthesized row is over */
		cur->eof = 1;
		return 0;
	}
	rc = cur->oc ? odata_cursor_next(cur->oc, &cur->row, err) : 0;
	if (rc < 0)
		return -1;
	if (rc == 0 && cur->vt->agg && cur->rowid == 0 && !cur->plan.grouped) {
		memset(cur->empty, 0, sizeof(cur->empty));
		cur->row = cur->empty;         /* no GROUP BY: always one row */
		rc = 1;
	}
	cur->eof = rc == 0;
	return 0;
}

/* The service refused the aggregate request itself: over 50,000 input rows,
 * or another 400 answer about the query (a shape or an overflow it cannot
 * do); the per-table path can still answer. */
static int refused(const struct dv_error *err)
{
	return err->native == AGGREGATE_LIMIT_EXCEEDED || err->state == DV_S_42000 ||
	       err->state == DV_S_42S22 || err->state == DV_S_22003;
}

/* 1 when the subquery terms that the statement SQLite runs no longer has
 * (exact with markers at prepare time) are exact with these values too. */
static int removed_terms_exact(struct dv_engine *eng, const struct dv_entity *e,
			       const struct ast_select *s, const struct push_plan *p)
{
	struct push_cond prepared;
	int ok;
	if (p->semi.nterms == 0)
		return 1;
	if (push_filter(eng->cat, e, s, NULL, 0, &prepared) != 0)
		return 0;
	free(prepared.text);
	ok = push_semi_still_exact(&prepared, &p->semi);
	return ok;
}

/* Plans the statement with its parameter values and opens the request. */
static int open_plan(struct pcur *cur, int flags, const char *select, const char *sql,
		     const struct ast_select *s, int argc, sqlite3_value **argv,
		     struct dv_error *err)
{
	struct pvt *vt = cur->vt;
	struct dv_engine *eng = vt->eng;
	const struct dv_entity *e;
	char *prefer = NULL;
	int rc = dv_catalog_entity(eng->cat, s->table, &e, err);
	if (rc == 0)
		rc = push_plan_build(eng, s, e, argv, argc, select, &cur->plan, err);
	if (rc < 0)
		return -1;
	cur->have_plan = rc == 0;
	if (rc > 0 && !vt->agg)
		return dv_error_set(err, DV_S_HY000, 0, "internal: pushed statement not planned");
	if (rc > 0 || (vt->agg && !cur->plan.exact) ||
	    (!vt->agg && !removed_terms_exact(eng, e, s, &cur->plan)))
		return open_local(cur, sql, s, argc, argv, err);
	if (vt->agg) {
		cur->oc = odata_cursor_open(eng->http, cur->plan.url, NULL, cur->plan.specs,
					    cur->plan.nspecs, err);
	} else {
		int n = rows_specs(cur, select);
		if (n < 0)
			return dv_error_nomem(err);
		prefer = build_prefer(eng, flags);
		cur->oc = odata_cursor_open(eng->http, cur->plan.url, prefer, cur->specs,
					    (size_t)n, err);
		free(prefer);
	}
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "pushed scan %s", cur->plan.url);
	eng->scans++;
	if (cur->oc)
		return 0;
	if (vt->agg && refused(err)) {
		DV_LOG(eng->log, DV_LOG_INFO, eng, "pushdown: the service refused the aggregate "
		       "(%s); evaluating locally", err->message);
		dv_error_clear(err);
		return open_local(cur, sql, s, argc, argv, err);
	}
	return -1;
}

static int open_pushed(struct pcur *cur, int flags, const char *select, const char *sql,
		       int argc, sqlite3_value **argv, struct dv_error *err)
{
	struct ast_select s;
	int rc = sqlparse_select(sql, strlen(sql), &s);
	if (rc != 0)
		return rc < 0 ? dv_error_nomem(err) :
		       dv_error_set(err, DV_S_HY000, 0, "internal: pushed statement not parsed");
	rc = open_plan(cur, flags, select, sql, &s, argc, argv, err);
	ast_select_free(&s);
	return rc;
}

static int pvt_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
		      sqlite3_value **argv)
{
	struct pcur *cur = (struct pcur *)base;
	struct dv_error err;
	const char *sql = argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
	dv_error_clear(&err);
	cur_reset(cur);
	if (!sql) {
		dv_error_set(&err, DV_S_HY000, 0, "internal: pushed statement without its SQL");
		return pvt_error(cur->vt, &err);
	}
	if (open_pushed(cur, idx_num, idx_str, sql, argc - 1, argv + 1, &err) != 0 ||
	    advance(cur, &err) != 0)
		return pvt_error(cur->vt, &err);
	return SQLITE_OK;
}

static int pvt_next(sqlite3_vtab_cursor *base)
{
	struct pcur *cur = (struct pcur *)base;
	struct dv_error err;
	dv_error_clear(&err);
	cur->rowid++;
	if (advance(cur, &err) != 0)
		return pvt_error(cur->vt, &err);
	return SQLITE_OK;
}

static int pvt_eof(sqlite3_vtab_cursor *base)
{
	return ((struct pcur *)base)->eof;
}

static double cell_number(const struct odata_cell *c)
{
	if (c->type == OC_INT)
		return (double)c->i;
	if (c->type == OC_DOUBLE)
		return c->d;
	return c->type == OC_TEXT ? strtod(c->s, NULL) : 0;
}

static void agg_column(struct pcur *cur, sqlite3_context *ctx, int i)
{
	const struct push_out *o = &cur->plan.outs[i];
	const struct odata_cell *v = &cur->row[o->cell];
	switch (o->kind) {
	case PO_KEY: case PO_MINMAX:
		cell_to_result(o->col, v, ctx);
		return;
	case PO_COUNT:
		sqlite3_result_int64(ctx, v->type == OC_INT ? v->i : v->type == OC_NULL ? 0 :
				     (sqlite3_int64)cell_number(v));
		return;
	case PO_SUM:
		if (v->type == OC_INT)
			sqlite3_result_int64(ctx, v->i);
		else if (v->type == OC_NULL)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_double(ctx, cell_number(v));
		return;
	case PO_AVG: {
		const struct odata_cell *n = &cur->row[o->cell2];
		double cnt = n->type == OC_NULL ? 0 : cell_number(n);
		if (v->type == OC_NULL || cnt == 0)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_double(ctx, cell_number(v) / cnt);
		return;
	}
	}
}

static int pvt_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int i)
{
	struct pcur *cur = (struct pcur *)base;
	struct pvt *vt = cur->vt;
	if (i >= vt->ncols || !cur->row) {
		if (cur->local && i < vt->ncols)
			sqlite3_result_value(ctx, sqlite3_column_value(cur->local, i));
		else
			sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	if (vt->agg) {
		if ((size_t)i < cur->plan.nouts)
			agg_column(cur, ctx, i);
		return SQLITE_OK;
	}
	if (cur->colmap[i] < 0)
		sqlite3_result_null(ctx);
	else
		cell_to_result(&vt->e->columns[i], &cur->row[cur->colmap[i]], ctx);
	return SQLITE_OK;
}

static int pvt_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	*rowid = ((struct pcur *)base)->rowid;
	return SQLITE_OK;
}

static sqlite3_module pushed_module = {
	0,               /* iVersion */
	pvt_connect,     /* xCreate */
	pvt_connect,     /* xConnect */
	pvt_best_index,  /* xBestIndex */
	pvt_disconnect,  /* xDisconnect */
	pvt_disconnect,  /* xDestroy */
	pvt_open,        /* xOpen */
	pvt_close,       /* xClose */
	pvt_filter,      /* xFilter */
	pvt_next,        /* xNext */
	pvt_eof,         /* xEof */
	pvt_column,      /* xColumn */
	pvt_rowid,       /* xRowid */
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

int push_module_ensure(struct dv_engine *eng, struct dv_error *err)
{
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_prepare_v2(eng->db, "SELECT 1 FROM pragma_module_list WHERE name = "
			       "'dv_pushed'", -1, &st, NULL) == SQLITE_OK) {
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	if (found || sqlite3_create_module(eng->db, "dv_pushed", &pushed_module, eng) ==
		     SQLITE_OK)
		return 0;
	return dv_error_set(err, DV_S_HY000, 0, "cannot register the pushdown module");
}
