/* vtab.c - the "dataverse" virtual table module: one entity set as a table.
 *
 * HOW IT WORKS: CREATE VIRTUAL TABLE temp."account" USING dataverse("account")
 * declares the entity's catalog columns (xCreate).  xBestIndex (plan.c)
 * writes the OData request into idxStr; xFilter resolves it with argv,
 * opens an odata_cursor and pages through @odata.nextLink as xNext asks.
 * xFilter calls with argv-dependent terms come from the inner side of a
 * join, a correlated subquery (a new cursor per outer row) or an IN
 * processed value by value.  They are counted per plan (idxNum + idxStr)
 * over every cursor of the running statement (struct plan_slot): the first
 * KEYS_BY_REQUEST send their own request; at the next one, instead of one
 * request per outer row, the rows are read once without those terms into
 * memory ("materialized", struct mat) and every cursor of that plan in the
 * statement replays them; SQLite checks the argv constraints itself
 * because they are never omitted.  The next statement reads afresh.
 * JOIN INDEX: replaying every cached row for every outer row would cost
 * N x M; instead the cached rows get a hash index on the column of the
 * first "<property> eq ?N" term (plan_eq_arg), keyed by the value as
 * SQLite's comparison sees it (text folded as DVNOCASE folds it, so
 * GUIDs of any case meet; integers as int64), and each xFilter replays
 * only the rows whose key hash equals the argv value's: O(matches).  The
 * index only narrows what SQLite then checks itself, so it can never add
 * a row; it never drops one because equal values have equal keys.  A
 * NULL argv matches nothing (NULL never equals); an argv value of another
 * kind (e.g. a number against a text column, where SQLite's affinity
 * rules decide) replays every row as before.  Rows are replayed in their
 * cached order, each at most once per xFilter.
 * WRITES (write.c): during a write statement a rowid is an index into the
 * engine's key list (the row's primary key, and an intersect row's two
 * ids), xColumn honours sqlite3_vtab_nochange() so xUpdate sees which
 * columns the UPDATE sets, and a scan whose whole filter is "<pk> eq <guid>"
 * sends nothing at all: the row is assumed with that key, and is read (one
 * request) only if SQLite asks for a column the statement does not set.
 * Source: https://www.sqlite.org/vtab.html (module methods), ext/misc/templatevtab.c */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>

#include "engine/textfold.h"
#include "http/http.h"
#include "odata/odata.h"
#include "util/log.h"
#include "util/strutil.h"

/* The inner side of a join sends its first KEYS_BY_REQUEST outer keys as
 * requests of their own (a selective outer side of a few rows then reads
 * only the matching inner rows), and materializes at the next one: the
 * outer side turned out large, and reading the inner side once is cheaper
 * than a request per outer row.  Measured by bench/bench-plans. */
#define KEYS_BY_REQUEST 8

/* Rows of one scan read whole (argv terms dropped), shared by every cursor
 * of the same plan during one statement: a correlated subquery opens a new
 * cursor for each outer row, and they all replay the one read. */
struct mat {
	unsigned refs;              /* the plan slot's and each cursor's */
	struct odata_cell *cells;   /* rows * nspecs cells, texts owned */
	size_t rows, cap, nspecs;
	/* the join index over the rows (see JOIN INDEX) */
	int ix_state;               /* 0 not built, 1 built, -1 not indexable */
	int ix_spec;                /* key cell: spec index */
	int ix_argv;                /* key value: argv index (1-based) */
	int ix_text;                /* 1 text key, 0 integer key */
	size_t ix_mask;             /* buckets - 1 */
	size_t *ix_head;            /* bucket -> first row + 1, 0 = none */
	size_t *ix_next;            /* row -> next row + 1 in its bucket */
	uint64_t *ix_hash;          /* row -> key hash */
};

/* What the table remembers of one plan (idxNum + idxStr) during one
 * statement: the xFilter calls with argv terms made on all its cursors
 * (KEYS_BY_REQUEST counts them all), and its rows once read. */
struct plan_slot {
	char *idx_str;
	int idx_num;
	unsigned long stmt;         /* the engine's statement it belongs to */
	unsigned filters;
	struct mat *mat;            /* or NULL */
	struct plan_slot *next;
};

struct dv_vtab {
	sqlite3_vtab base;          /* must come first */
	struct dv_engine *eng;
	const struct dv_entity *e;
	struct plan_slot *slots;
};

/* FIRST ROWS (plan.c "first=N"): a LIMIT SQLite applies itself over a
 * filter the service cannot say whole.  The first request asks for N rows
 * ($top: no next page, nothing prefetched beyond them); SQLite usually stops
 * within them.  Only when it asks for more and the service gave all N is the
 * query sent again without $top, and the records already handed out are
 * skipped by primary key, so each comes once and an ORDER BY's order holds
 * (the same order, the primary key breaking ties). */
struct first_rows {
	int stage;                  /* 0 off, 1 the first request, 2 the rest */
	long want, got;             /* N, rows the first request gave */
	int key;                    /* the primary key's cell */
	char (*seen)[37];           /* keys handed out (sorted for stage 2) */
	size_t nseen;
	struct plan_query rest;     /* the query without $top */
	int flags;
};

struct dv_cur {
	sqlite3_vtab_cursor base;   /* must come first */
	struct dv_vtab *vt;
	struct odata_colspec *specs;
	size_t nspecs;
	int *colmap;                /* vtab column -> spec index, -1 when not read */
	struct odata_cursor *oc;
	const struct odata_cell *row;
	int eof;
	unsigned nfilter;           /* xFilter calls on this cursor */
	/* by-key write without a request (see WRITES) */
	int lazy;                   /* row assumed, not read */
	int ghost;                  /* read after all: the record does not exist */
	int lazy_flags;             /* idxNum for the read */
	sqlite3_int64 key_rowid;    /* rowid given for the current row, 0 = none yet */
	char lazy_pk[37];
	struct plan_query lazy_q;
	/* the later batches of a long IN list (plan.c), one request each */
	struct plan_query batch_q;  /* select/orderby/top and more[] */
	size_t batch_next;          /* next index into batch_q.more */
	int batch_flags;
	struct first_rows first;    /* a LIMIT's first rows (see FIRST ROWS) */
	/* materialized rows (see HOW IT WORKS), shared through the plan slot */
	struct mat *mat;            /* NULL: rows come from requests */
	size_t pos;
	int probing;                /* this xFilter walks one bucket */
	uint64_t probe_hash;
	size_t probe_next;          /* next row + 1 of the bucket, 0 = end */
};

static int vtab_error(struct dv_vtab *vt, const struct dv_error *err)
{
	vt->eng->scan_err = *err;
	sqlite3_free(vt->base.zErrMsg);
	vt->base.zErrMsg = sqlite3_mprintf("%s", err->message);
	return SQLITE_ERROR;
}

/* xCreate / xConnect: argv[3] names the entity. */
static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **pzErr)
{
	struct dv_engine *eng = aux;
	const struct dv_entity *e;
	struct dv_error err;
	struct dv_vtab *vt;
	struct vtab_ref *ref;
	struct dv_buf sql, name;
	size_t i, n;
	int rc;
	if (argc < 4) {
		*pzErr = sqlite3_mprintf("dataverse: USING dataverse(<entity>)");
		return SQLITE_ERROR;
	}
	dv_buf_init(&name, 0);
	n = strlen(argv[3]);
	if (n >= 2 && (argv[3][0] == '"' || argv[3][0] == '\''))
		dv_buf_append(&name, argv[3] + 1, n - 2);
	else
		dv_buf_append(&name, argv[3], n);
	dv_error_clear(&err);
	rc = dv_catalog_entity(eng->cat, dv_buf_str(&name), &e, &err);
	dv_buf_free(&name);
	if (rc != 0) {
		eng->scan_err = err;
		*pzErr = sqlite3_mprintf("%s", err.message);
		return SQLITE_ERROR;
	}
	dv_buf_init(&sql, 0);
	dv_buf_appends(&sql, "CREATE TABLE x(");
	for (i = 0; i < e->ncolumns; i++) {
		const char *p;
		dv_buf_appends(&sql, i ? ", \"" : "\"");
		for (p = e->columns[i].name; *p; p++) {
			if (*p == '"')
				dv_buf_appendc(&sql, '"');
			dv_buf_appendc(&sql, *p);
		}
		dv_buf_appends(&sql, "\" ");
		column_decl(&e->columns[i], &sql);
	}
	dv_buf_appendc(&sql, ')');
	rc = sqlite3_declare_vtab(db, dv_buf_str(&sql));
	dv_buf_free(&sql);
	if (rc != SQLITE_OK) {
		*pzErr = sqlite3_mprintf("dataverse: cannot declare %s", e->logical_name);
		return rc;
	}
	/* lets xUpdate see INSERT OR REPLACE (sqlite3_vtab_on_conflict) */
	sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->eng = eng;
	vt->e = e;
	ref = malloc(sizeof(*ref));
	if (!ref) {
		sqlite3_free(vt);
		return SQLITE_NOMEM;
	}
	ref->vtab = vt;
	ref->e = e;
	ref->next = eng->vtabs;
	eng->vtabs = ref;
	*out = &vt->base;
	return SQLITE_OK;
}

static void mat_unref(struct mat *m)
{
	size_t i;
	if (!m || --m->refs > 0)
		return;
	for (i = 0; i < m->rows * m->nspecs; i++)
		if (m->cells[i].type == OC_TEXT)
			free((char *)m->cells[i].s);
	free(m->cells);
	free(m->ix_head);
	free(m->ix_next);
	free(m->ix_hash);
	free(m);
}

static void slot_free(struct plan_slot *slot)
{
	mat_unref(slot->mat);
	free(slot->idx_str);
	free(slot);
}

/* The slot of a plan in the running statement (slots of earlier
 * statements are dropped: their rows may have changed since). */
static struct plan_slot *slot_for(struct dv_vtab *vt, int idx_num, const char *idx_str)
{
	struct plan_slot **pp = &vt->slots, *slot;
	unsigned long stmt = vt->eng->stmt_seq;
	while (*pp) {
		slot = *pp;
		if (slot->stmt != stmt) {
			*pp = slot->next;
			slot_free(slot);
			continue;
		}
		if (slot->idx_num == idx_num && strcmp(slot->idx_str, idx_str) == 0)
			return slot;
		pp = &slot->next;
	}
	slot = calloc(1, sizeof(*slot));
	if (!slot || !(slot->idx_str = dv_strdup(idx_str))) {
		free(slot);
		return NULL;
	}
	slot->idx_num = idx_num;
	slot->stmt = stmt;
	slot->next = vt->slots;
	vt->slots = slot;
	return slot;
}

static int vt_disconnect(sqlite3_vtab *base)
{
	struct dv_vtab *vt = (struct dv_vtab *)base;
	struct vtab_ref **pp;
	while (vt->slots) {
		struct plan_slot *next = vt->slots->next;
		slot_free(vt->slots);
		vt->slots = next;
	}
	for (pp = &vt->eng->vtabs; *pp; pp = &(*pp)->next) {
		if ((*pp)->vtab == vt) {
			struct vtab_ref *dead = *pp;
			*pp = dead->next;
			free(dead);
			break;
		}
	}
	sqlite3_free(base);
	return SQLITE_OK;
}

const struct dv_entity *vtab_entity(const struct dv_engine *eng, const void *vtab)
{
	const struct vtab_ref *r;
	for (r = eng->vtabs; r; r = r->next)
		if (r->vtab == vtab)
			return r->e;
	return NULL;
}

static int vt_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct dv_vtab *vt = (struct dv_vtab *)base;
	return plan_best_index(vt->e, engine_mentions(vt->eng), vt->eng->plan_sql, info);
}

static int vt_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct dv_vtab *vt = (struct dv_vtab *)base;
	struct dv_cur *cur = sqlite3_malloc(sizeof(*cur));
	if (!cur)
		return SQLITE_NOMEM;
	memset(cur, 0, sizeof(*cur));
	cur->vt = vt;
	cur->colmap = calloc(vt->e->ncolumns + 1, sizeof(int));
	if (!cur->colmap) {
		sqlite3_free(cur);
		return SQLITE_NOMEM;
	}
	cur->eof = 1;
	*out = &cur->base;
	return SQLITE_OK;
}

static void index_free(struct mat *m)
{
	free(m->ix_head);
	free(m->ix_next);
	free(m->ix_hash);
	m->ix_head = m->ix_next = NULL;
	m->ix_hash = NULL;
	m->ix_state = 0;
}

static void cache_free(struct dv_cur *cur)
{
	mat_unref(cur->mat);
	cur->mat = NULL;
	cur->probing = 0;
}

static void first_rows_reset(struct first_rows *f)
{
	free(f->seen);
	plan_query_free(&f->rest);
	memset(f, 0, sizeof(*f));
}

static int vt_close(sqlite3_vtab_cursor *base)
{
	struct dv_cur *cur = (struct dv_cur *)base;
	odata_cursor_close(cur->oc);
	cache_free(cur);
	plan_query_free(&cur->lazy_q);
	plan_query_free(&cur->batch_q);
	first_rows_reset(&cur->first);
	free(cur->specs);
	free(cur->colmap);
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* One spec per entity column whose property is in $select. */
static int build_specs(struct dv_cur *cur, const char *select)
{
	const struct dv_entity *e = cur->vt->e;
	size_t i;
	free(cur->specs);
	cur->specs = calloc(e->ncolumns + 1, sizeof(*cur->specs));
	cur->nspecs = 0;
	if (!cur->specs)
		return -1;
	for (i = 0; i < e->ncolumns; i++) {
		cur->colmap[i] = -1;
		if (!in_list(select, e->columns[i].select_name))
			continue;
		cur->colmap[i] = (int)cur->nspecs;
		cur->specs[cur->nspecs++] = e->columns[i].spec;
	}
	return 0;
}

/* The page size for a scan whose answer is its first rows rows (a LIMIT
 * above 5000, plan.c "rows="): as many pages as the configured size needs
 * for them, each as full as the others (LIMIT 7000 with 5000-row pages:
 * two pages of 3500, not 5000 + 5000).  The same on every page of the
 * chain: the service documents the nextLink as read with the same Prefer
 * header; a smaller last page would change it mid-chain. */
static long budget_page_size(long configured, long rows)
{
	long size = configured > 0 && configured < 5000 ? configured : 5000;
	long pages = (rows + size - 1) / size;
	return rows > 0 ? (rows + pages - 1) / pages : configured;
}

static char *build_prefer(const struct dv_engine *eng, int flags, long top, long rows)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	/* $top is ignored when odata.maxpagesize is sent too (spec section 4) */
	if (!top && rows > 0)
		dv_buf_appendf(&b, "odata.maxpagesize=%ld", budget_page_size(eng->page_size, rows));
	else if (!top && eng->page_size > 0)
		dv_buf_appendf(&b, "odata.maxpagesize=%ld", eng->page_size);
	if (flags & (PLAN_WANT_FORMATTED | PLAN_WANT_LOOKUPTYPE)) {
		dv_buf_appendf(&b, "%sodata.include-annotations=\"", b.len ? "," : "");
		if (flags & PLAN_WANT_FORMATTED)
			dv_buf_appends(&b, "OData.Community.Display.V1.FormattedValue");
		if (flags & PLAN_WANT_LOOKUPTYPE)
			dv_buf_appendf(&b, "%sMicrosoft.Dynamics.CRM.lookuplogicalname",
				       (flags & PLAN_WANT_FORMATTED) ? "," : "");
		dv_buf_appendc(&b, '"');
	}
	if (b.len == 0) {
		dv_buf_free(&b);
		return NULL;
	}
	return dv_buf_steal(&b);
}

/* The property of a plain column of e named name, or NULL. */
static const char *plain_column(const struct dv_entity *e, const char *name, int pk)
{
	for (size_t i = 0; i < e->ncolumns; i++)
		if (e->columns[i].role == DV_COL_VALUE &&
		    (pk ? e->columns[i].is_primary_id : strcmp(e->columns[i].select_name, name) == 0))
			return e->columns[i].select_name;
	return NULL;
}

/* Opens the OData cursor for a resolved plan (the first page is read); a
 * large scan may be read as partitions (odata_cursor_open_scan). */
static int open_resolved(struct dv_cur *cur, int flags, struct plan_query *pq,
			 struct dv_error *err)
{
	struct dv_engine *eng = cur->vt->eng;
	const struct dv_entity *e = cur->vt->e;
	struct odata_query q;
	struct odata_scan scan;
	char *url, *prefer;
	memset(&q, 0, sizeof(q));
	q.base = eng->api_base;
	q.entity_set = cur->vt->e->entity_set;
	q.select = pq->select;
	q.filter = pq->filter;
	q.orderby = pq->orderby;
	q.top = pq->top;
	url = odata_query_url(&q);
	prefer = build_prefer(eng, flags, pq->top, pq->rows);
	if (!url) {
		free(prefer);
		return dv_error_nomem(err);
	}
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "scan %s", url);
	scan.q = &q;
	scan.key = e->is_intersect ? NULL : plain_column(e, NULL, 1);
	scan.created = plain_column(e, "createdon", 0);
	scan.budget = pq->rows > 0 ? pq->rows : pq->least;
	scan.budget_exact = pq->rows > 0;
	cur->oc = odata_cursor_open_scan(eng->http, &scan, prefer, cur->specs, cur->nspecs, err);
	eng->scans++;
	free(url);
	free(prefer);
	return cur->oc ? 0 : -1;
}

/* The primary key column of e, or NULL. */
static const struct dv_column *pk_column(const struct dv_entity *e, size_t *index)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++) {
		if (e->columns[i].is_primary_id && e->columns[i].role == DV_COL_VALUE) {
			if (index)
				*index = i;
			return &e->columns[i];
		}
	}
	return NULL;
}

/* During a write, a plan that only says "<pk> eq <guid>" needs no request
 * yet (see WRITES). */
static int lazy_eligible(struct dv_cur *cur, const struct plan_query *pq)
{
	const struct dv_entity *e = cur->vt->e;
	const struct dv_column *pk = pk_column(e, NULL);
	size_t n;
	if (!cur->vt->eng->writing || e->is_intersect || !pk || !pq->filter || pq->empty)
		return 0;
	n = strlen(pk->select_name);
	return strncmp(pq->filter, pk->select_name, n) == 0 &&
	       strncmp(pq->filter + n, " eq ", 4) == 0 && strlen(pq->filter + n + 4) == 36 &&
	       !strchr(pq->filter + n + 4, ' ');
}

/* Opens the first request of a FIRST ROWS scan; takes pq. */
static int first_rows_open(struct dv_cur *cur, int flags, struct plan_query *pq,
			   struct dv_error *err)
{
	struct first_rows *f = &cur->first;
	struct plan_query q = *pq;
	size_t pk;
	int rc;
	first_rows_reset(f);
	if (!pk_column(cur->vt->e, &pk) || cur->colmap[pk] < 0) {
		pq->first = 0;             /* no key to skip by: one scan as before */
		rc = open_resolved(cur, flags, pq, err);
		plan_query_free(pq);
		return rc;
	}
	f->seen = calloc((size_t)pq->first, sizeof(*f->seen));
	if (!f->seen) {
		plan_query_free(pq);
		return dv_error_nomem(err);
	}
	f->stage = 1;
	f->want = pq->first;
	f->key = cur->colmap[pk];
	f->flags = flags;
	f->rest = *pq;
	f->rest.first = 0;
	if (!f->rest.rows && !f->rest.least)
		f->rest.least = f->want;   /* read on, but not partitioned or far ahead */
	memset(pq, 0, sizeof(*pq));
	q.top = f->want;
	return open_resolved(cur, flags, &q, err);
}

static int cmp_seen(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* A row of a FIRST ROWS scan: 1 when it was handed out already (skip it). */
static int first_rows_skip(struct first_rows *f, const struct odata_cell *row)
{
	const struct odata_cell *k = &row[f->key];
	int key = k->type == OC_TEXT && k->len == 36;
	if (f->stage == 1) {
		if (key && f->nseen < (size_t)f->want)
			memcpy(f->seen[f->nseen++], k->s, 37);
		f->got++;
		return 0;
	}
	return f->stage == 2 && key &&
	       bsearch(k->s, f->seen, f->nseen, sizeof(f->seen[0]), cmp_seen) != NULL;
}

/* The first request is over and SQLite wants more: when it gave all it
 * was asked for, the rest.  1 opened, 0 nothing more, -1 error. */
static int first_rows_rest(struct dv_cur *cur, struct dv_error *err)
{
	struct first_rows *f = &cur->first;
	if (f->stage != 1)
		return 0;
	if (f->got < f->want) {
		f->stage = 0;
		return 0;
	}
	qsort(f->seen, f->nseen, sizeof(f->seen[0]), cmp_seen);
	f->stage = 2;
	odata_cursor_close(cur->oc);
	cur->oc = NULL;
	return open_resolved(cur, f->flags, &f->rest, err) == 0 ? 1 : -1;
}

/* Resolves the plan and opens the OData cursor (or a lazy row). */
static int open_scan(struct dv_cur *cur, int flags, const char *idx_str, int argc,
		     sqlite3_value **argv, int drop_args, struct dv_error *err)
{
	struct plan_query pq;
	int rc;
	if (plan_resolve(cur->vt->e, idx_str, argc, argv, drop_args, &pq, err) != 0)
		return -1;
	if (build_specs(cur, pq.select) != 0) {
		plan_query_free(&pq);
		return dv_error_nomem(err);
	}
	if (pq.empty) {                    /* no request: nothing can match */
		plan_query_free(&pq);
		return 0;
	}
	if (!drop_args && lazy_eligible(cur, &pq)) {
		const struct dv_column *pk = pk_column(cur->vt->e, NULL);
		dv_strlcpy(cur->lazy_pk, pq.filter + strlen(pk->select_name) + 4,
			   sizeof(cur->lazy_pk));
		plan_query_free(&cur->lazy_q);
		cur->lazy_q = pq;
		cur->lazy_flags = flags;
		cur->lazy = 1;
		return 0;
	}
	if (pq.first > 0)
		return first_rows_open(cur, flags, &pq, err);
	rc = open_resolved(cur, flags, &pq, err);
	if (rc == 0 && pq.nmore > 0) {    /* the other batches go when this one ends */
		plan_query_free(&cur->batch_q);
		cur->batch_q = pq;
		cur->batch_next = 0;
		cur->batch_flags = flags;
		return 0;
	}
	plan_query_free(&pq);
	return rc;
}

/* The current request is over: the next batch of keys, if any. 1 when one
 * was opened, 0 when none is left, -1 on error. */
static int next_batch(struct dv_cur *cur, struct dv_error *err)
{
	struct plan_query q = cur->batch_q;
	if (cur->batch_next >= cur->batch_q.nmore)
		return 0;
	q.filter = cur->batch_q.more[cur->batch_next++];
	odata_cursor_close(cur->oc);
	cur->oc = NULL;
	return open_resolved(cur, cur->batch_flags, &q, err) == 0 ? 1 : -1;
}

/* A lazy row's column is needed after all: read the record. */
static int lazy_fetch(struct dv_cur *cur, struct dv_error *err)
{
	cur->lazy = 0;
	int rc;
	if (open_resolved(cur, cur->lazy_flags, &cur->lazy_q, err) != 0)
		return -1;
	rc = odata_cursor_next(cur->oc, &cur->row, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		cur->row = NULL;
		cur->ghost = 1;
	}
	return 0;
}

static int cache_row(struct mat *m, const struct odata_cell *row)
{
	size_t i, n = m->nspecs;
	struct odata_cell *dst;
	if (m->rows == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct odata_cell *p = realloc(m->cells, cap * (n ? n : 1) * sizeof(*p));
		if (!p)
			return -1;
		m->cells = p;
		m->cap = cap;
	}
	dst = &m->cells[m->rows * n];
	for (i = 0; i < n; i++) {
		dst[i] = row[i];
		if (row[i].type == OC_TEXT) {
			dst[i].s = dv_strndup(row[i].s, row[i].len);
			if (!dst[i].s) {
				for (; i > 0; i--)
					if (dst[i - 1].type == OC_TEXT)
						free((char *)dst[i - 1].s);
				return -1;
			}
		}
	}
	m->rows++;
	return 0;
}

/* Reads the whole scan (argv terms dropped) into cur->mat, shared through
 * the plan's slot from then on. */
static int materialize(struct dv_cur *cur, struct plan_slot *slot, int flags,
		       const char *idx_str, int argc, sqlite3_value **argv,
		       struct dv_error *err)
{
	const struct odata_cell *row;
	struct mat *m;
	int rc = 0;
	if (open_scan(cur, flags, idx_str, argc, argv, 1, err) != 0)
		return -1;
	m = calloc(1, sizeof(*m));
	if (!m) {
		odata_cursor_close(cur->oc);
		cur->oc = NULL;
		return dv_error_nomem(err);
	}
	m->refs = 1;
	m->nspecs = cur->nspecs;
	while (cur->oc && (rc = odata_cursor_next(cur->oc, &row, err)) == 1) {
		if (cache_row(m, row) != 0) {
			rc = dv_error_nomem(err);
			break;
		}
	}
	odata_cursor_close(cur->oc);
	cur->oc = NULL;
	if (rc != 0) {
		mat_unref(m);
		return -1;
	}
	cur->mat = m;
	slot->mat = m;
	m->refs++;
	DV_LOG(cur->vt->eng->log, DV_LOG_DEBUG, cur->vt->eng,
	       "materialized %zu rows of %s", m->rows, cur->vt->e->logical_name);
	return 0;
}

/* A cursor joins rows another cursor of the same plan read: it needs only
 * its column layout (the same select list, so the same cells). */
static int attach(struct dv_cur *cur, struct plan_slot *slot, const char *idx_str, int argc,
		  sqlite3_value **argv, struct dv_error *err)
{
	struct plan_query pq;
	if (plan_resolve(cur->vt->e, idx_str, argc, argv, 1, &pq, err) != 0)
		return -1;
	if (build_specs(cur, pq.select) != 0) {
		plan_query_free(&pq);
		return dv_error_nomem(err);
	}
	plan_query_free(&pq);
	if (cur->nspecs != slot->mat->nspecs)
		return dv_error_set(err, DV_S_HY000, 0, "internal: shared rows of %s have another "
				    "layout", cur->vt->e->logical_name);
	cur->mat = slot->mat;
	cur->mat->refs++;
	return 0;
}

/* ---- the join index (see JOIN INDEX) ---- */

static uint64_t int_key_hash(int64_t v)
{
	uint64_t h = (uint64_t)v;
	h ^= h >> 33;                      /* splitmix64 finalizer */
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* The key hash of a cached cell: 0 with *h, -1 when NULL. */
static int cell_key(const struct mat *m, const struct odata_cell *c, uint64_t *h)
{
	if (m->ix_text && c->type == OC_TEXT) {
		*h = textfold_hash(c->s, c->len);
		return 0;
	}
	if (!m->ix_text && c->type == OC_INT) {
		*h = int_key_hash(c->i);
		return 0;
	}
	return -1;
}

/* The kind of key column c can give: 1 text, 0 integer, -1 none. */
static int key_kind(const struct dv_column *c)
{
	if (c->role != DV_COL_VALUE)
		return c->spec.kind == ODATA_STRING ? 1 : -1;
	switch (c->attr_type) {
	case DV_ATTR_STRING: case DV_ATTR_MEMO: case DV_ATTR_GUID: case DV_ATTR_LOOKUP:
	case DV_ATTR_CUSTOMER: case DV_ATTR_OWNER:
		return 1;
	case DV_ATTR_INTEGER: case DV_ATTR_BIGINT: case DV_ATTR_PICKLIST: case DV_ATTR_STATE:
	case DV_ATTR_STATUS: case DV_ATTR_BOOLEAN:
		return 0;
	default:
		return -1;
	}
}

/* Builds the index for idxStr's key term; ix_state -1 when there is none. */
static int index_build(struct dv_cur *cur, const char *idx_str)
{
	const struct dv_entity *e = cur->vt->e;
	struct mat *m = cur->mat;
	size_t col, nb = 16, r;
	int argv_index, kind;
	m->ix_state = -1;
	if (!plan_eq_arg(e, idx_str, &col, &argv_index) || cur->colmap[col] < 0)
		return 0;
	kind = key_kind(&e->columns[col]);
	if (kind < 0)
		return 0;
	m->ix_spec = cur->colmap[col];
	m->ix_argv = argv_index;
	m->ix_text = kind;
	while (nb < m->rows * 2)
		nb *= 2;
	m->ix_head = calloc(nb, sizeof(size_t));
	m->ix_next = calloc(m->rows + 1, sizeof(size_t));
	m->ix_hash = calloc(m->rows + 1, sizeof(uint64_t));
	if (!m->ix_head || !m->ix_next || !m->ix_hash) {
		index_free(m);
		return -1;
	}
	m->ix_mask = nb - 1;
	/* backwards, prepending: every bucket lists its rows in cached order */
	for (r = m->rows; r > 0; r--) {
		const struct odata_cell *c = &m->cells[(r - 1) * m->nspecs + m->ix_spec];
		uint64_t h;
		if (cell_key(m, c, &h) != 0)
			continue;          /* NULL: never equal, never in a bucket */
		m->ix_hash[r - 1] = h;
		m->ix_next[r - 1] = m->ix_head[h & m->ix_mask];
		m->ix_head[h & m->ix_mask] = r;
	}
	m->ix_state = 1;
	return 0;
}

/* The hash of argv value v for the index: 1 with *h, 0 when v matches no
 * row (NULL), -1 when the index cannot answer (replay every row). */
static int argv_key(const struct mat *m, sqlite3_value *v, uint64_t *h)
{
	double d;
	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		return 0;
	case SQLITE_TEXT:
		if (!m->ix_text)
			return -1;
		*h = textfold_hash((const char *)sqlite3_value_text(v),
				   (size_t)sqlite3_value_bytes(v));
		return 1;
	case SQLITE_INTEGER:
		if (m->ix_text)
			return -1;
		*h = int_key_hash(sqlite3_value_int64(v));
		return 1;
	case SQLITE_FLOAT:
		d = sqlite3_value_double(v);
		if (m->ix_text || d != (double)(int64_t)d || d < -9.2e18 || d > 9.2e18)
			return -1;
		*h = int_key_hash((int64_t)d);
		return 1;
	default:
		return -1;
	}
}

/* Sets up this xFilter's replay: one bucket, nothing, or every row. */
static int replay_start(struct dv_cur *cur, const char *idx_str, int argc,
			sqlite3_value **argv, struct dv_error *err)
{
	struct mat *m = cur->mat;
	int rc;
	cur->pos = 0;
	cur->probing = 0;
	if (m->ix_state == 0 && index_build(cur, idx_str) != 0)
		return dv_error_nomem(err);
	if (m->ix_state != 1 || m->ix_argv > argc)
		return 0;
	rc = argv_key(m, argv[m->ix_argv - 1], &cur->probe_hash);
	if (rc < 0)
		return 0;
	cur->vt->eng->cache_probes++;
	cur->probing = 1;
	cur->probe_next = rc ? m->ix_head[cur->probe_hash & m->ix_mask] : 0;
	return 0;
}

/* The next cached row of this replay (NULL at the end). */
static const struct odata_cell *replay_next(struct dv_cur *cur)
{
	const struct mat *m = cur->mat;
	if (!cur->probing) {
		if (cur->pos >= m->rows)
			return NULL;
		cur->vt->eng->cache_rows_visited++;
		return &m->cells[cur->pos++ * m->nspecs];
	}
	while (cur->probe_next) {
		size_t r = cur->probe_next - 1;
		cur->probe_next = m->ix_next[r];
		if (m->ix_hash[r] == cur->probe_hash) {
			cur->vt->eng->cache_rows_visited++;
			return &m->cells[r * m->nspecs];
		}
	}
	return NULL;
}

static int advance(struct dv_cur *cur, struct dv_error *err)
{
	int rc;
	cur->key_rowid = 0;
	if (cur->lazy || cur->ghost) {     /* the one assumed row is over */
		cur->lazy = cur->ghost = 0;
		cur->row = NULL;
		cur->eof = 1;
		return 0;
	}
	if (cur->mat) {
		const struct odata_cell *row = replay_next(cur);
		if (row)
			cur->row = row;
		cur->eof = row == NULL;
		return 0;
	}
	if (!cur->oc) {
		cur->eof = 1;
		return 0;
	}
	do {
		rc = odata_cursor_next(cur->oc, &cur->row, err);
		while (rc == 0) {          /* a batch is over: the next one */
			int more = next_batch(cur, err);
			if (more == 0)
				more = first_rows_rest(cur, err);
			if (more <= 0) {
				if (more < 0)
					return -1;
				break;
			}
			rc = odata_cursor_next(cur->oc, &cur->row, err);
		}
	} while (rc == 1 && cur->first.stage && first_rows_skip(&cur->first, cur->row));
	if (rc < 0)
		return -1;
	cur->eof = rc == 0;
	return 0;
}

static int vt_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct dv_cur *cur = (struct dv_cur *)base;
	struct dv_error err;
	dv_error_clear(&err);
	odata_cursor_close(cur->oc);
	cur->oc = NULL;
	cur->eof = 1;
	cur->lazy = cur->ghost = 0;
	cur->row = NULL;
	cur->key_rowid = 0;
	plan_query_free(&cur->batch_q);
	cur->batch_next = 0;
	first_rows_reset(&cur->first);
	cur->nfilter++;
	if (!cur->mat && plan_has_args(idx_str)) {
		struct plan_slot *slot = slot_for(cur->vt, idx_num, idx_str);
		if (!slot)
			return vtab_error(cur->vt, (dv_error_nomem(&err), &err));
		slot->filters++;
		if (slot->mat ? attach(cur, slot, idx_str, argc, argv, &err) != 0
			      : slot->filters > KEYS_BY_REQUEST &&
				materialize(cur, slot, idx_num, idx_str, argc, argv, &err) != 0)
			return vtab_error(cur->vt, &err);
	}
	if (cur->mat) {
		if (replay_start(cur, idx_str, argc, argv, &err) != 0)
			return vtab_error(cur->vt, &err);
	} else if (open_scan(cur, idx_num, idx_str, argc, argv, 0, &err) != 0) {
		return vtab_error(cur->vt, &err);
	}
	if (cur->lazy) {
		cur->eof = 0;
		return SQLITE_OK;
	}
	if (advance(cur, &err) != 0)
		return vtab_error(cur->vt, &err);
	return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *base)
{
	struct dv_cur *cur = (struct dv_cur *)base;
	struct dv_error err;
	dv_error_clear(&err);
	if (advance(cur, &err) != 0)
		return vtab_error(cur->vt, &err);
	return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *base)
{
	return ((struct dv_cur *)base)->eof;
}

static int vt_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int i)
{
	struct dv_cur *cur = (struct dv_cur *)base;
	const struct dv_entity *e = cur->vt->e;
	struct dv_error err;
	/* an UPDATE asks this of every column it does not set (WRITES) */
	if (sqlite3_vtab_nochange(ctx))
		return SQLITE_OK;
	if (cur->lazy) {
		size_t pk;
		if (pk_column(e, &pk) && (size_t)i == pk) {
			sqlite3_result_text(ctx, cur->lazy_pk, -1, SQLITE_TRANSIENT);
			return SQLITE_OK;
		}
		dv_error_clear(&err);
		if (lazy_fetch(cur, &err) != 0)
			return vtab_error(cur->vt, &err);
	}
	if (i < 0 || (size_t)i >= e->ncolumns || cur->colmap[i] < 0 || !cur->row) {
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	cell_to_result(&e->columns[i], &cur->row[cur->colmap[i]], ctx);
	return SQLITE_OK;
}

/* Text of column `logical` (a value column) in the current row, or NULL. */
static const char *row_text(struct dv_cur *cur, const char *logical)
{
	const struct dv_entity *e = cur->vt->e;
	size_t i;
	for (i = 0; i < e->ncolumns; i++) {
		const struct dv_column *c = &e->columns[i];
		int k;
		if (c->role != DV_COL_VALUE || dv_strcasecmp(c->logical_name, logical) != 0)
			continue;
		k = cur->colmap[i];
		if (k < 0 || !cur->row || cur->row[k].type != OC_TEXT)
			return NULL;
		return cur->row[k].s;
	}
	return NULL;
}

static int vt_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	struct dv_cur *cur = (struct dv_cur *)base;
	struct dv_engine *eng = cur->vt->eng;
	const struct dv_entity *e = cur->vt->e;
	const struct dv_column *pk;
	const struct nn_rel *rel = NULL;
	struct dv_error err;
	const char *key;
	if (cur->key_rowid) {              /* asked again for the same row */
		*rowid = cur->key_rowid;
		return SQLITE_OK;
	}
	pk = pk_column(e, NULL);
	key = cur->lazy ? cur->lazy_pk : pk ? row_text(cur, pk->logical_name) : NULL;
	if (!eng->writing) {
		/* A rowid names the record, not the position in this scan: SQLite's OR
		 * optimization scans a table once per OR term and drops rows whose
		 * rowid it has seen, so a per-scan counter lost rows. */
		*rowid = write_key_rowid(eng, e, key, NULL, NULL);
		cur->key_rowid = *rowid;
		return *rowid ? SQLITE_OK : SQLITE_NOMEM;
	}
	dv_error_clear(&err);
	if (e->is_intersect && write_nn_rel(eng, e, &rel, &err) != 0)
		return vtab_error(cur->vt, &err);
	*rowid = write_key_rowid(eng, e, key, rel ? row_text(cur, rel->attr[0]) : NULL,
				 rel ? row_text(cur, rel->attr[1]) : NULL);
	cur->key_rowid = *rowid;
	return *rowid ? SQLITE_OK : SQLITE_NOMEM;
}

/* xUpdate: INSERT, UPDATE, DELETE of one row (write.c). */
static int vt_update(sqlite3_vtab *base, int argc, sqlite3_value **argv,
		     sqlite3_int64 *rowid)
{
	struct dv_vtab *vt = (struct dv_vtab *)base;
	struct dv_error err;
	(void)rowid;
	dv_error_clear(&err);
	if (write_row(vt->eng, vt->e, argc, argv, &err) != 0)
		return vtab_error(vt, &err);
	return SQLITE_OK;
}

static sqlite3_module dataverse_module = {
	0,              /* iVersion */
	vt_connect,     /* xCreate: same as xConnect, nothing to store */
	vt_connect,     /* xConnect */
	vt_best_index,  /* xBestIndex: plan.c */
	vt_disconnect,  /* xDisconnect */
	vt_disconnect,  /* xDestroy */
	vt_open,        /* xOpen */
	vt_close,       /* xClose */
	vt_filter,      /* xFilter */
	vt_next,        /* xNext */
	vt_eof,         /* xEof */
	vt_column,      /* xColumn */
	vt_rowid,       /* xRowid */
	vt_update,      /* xUpdate: write.c */
	NULL,           /* xBegin */
	NULL,           /* xSync */
	NULL,           /* xCommit */
	NULL,           /* xRollback */
	NULL,           /* xFindFunction */
	NULL,           /* xRename */
	NULL,           /* xSavepoint */
	NULL,           /* xRelease */
	NULL,           /* xRollbackTo */
	NULL,           /* xShadowName */
};

/* The module, and the DVNOCASE collation and like() its text columns use
 * (textfold.c). */
int vtab_register(struct dv_engine *eng)
{
	int rc = textfold_register(eng->db);
	if (rc != SQLITE_OK)
		return rc;
	return sqlite3_create_module(eng->db, "dataverse", &dataverse_module, eng);
}
