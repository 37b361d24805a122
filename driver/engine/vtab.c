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
 * KEY BATCHES: before any of that, when the key term is on a GUID column
 * (a join on a lookup or a primary key) and another open cursor of the
 * statement holds the key in its current row (the outer row it came
 * from), the inner side is read by batches of keys instead: the keys of
 * that cursor's coming rows (read ahead into the cursor's own buffer,
 * which it then hands out first, in the same order) go into requests
 * "(<key> eq k1 or <key> eq k2 ...)" as long as the URL allows, with the
 * plan's other argv terms left out (SQLite checks them), and each batch's
 * rows get the join index.  An xFilter whose key a batch holds replays
 * that batch's rows of the key; one whose key no batch holds reads the
 * next batch.  A key's rows all come from the one request that named it,
 * so the replay gives SQLite every row the key's own request would have:
 * the answer is the same whichever cursor the keys were taken from (a
 * wrong guess costs a request, never a row).  A NULL key matches nothing.
 * Where no cursor holds the key, the key is not a GUID, a LIMIT applies
 * per outer row or the statement writes, the first KEYS_BY_REQUEST way
 * above applies.
 * SPILL: the rows one plan reads whole stay in the heap up to JoinMemoryMB
 * (eng->join_memory, cells plus texts); past it, they and the rest of the
 * scan go to a temporary SQLite store of their own (spill.c) with the join
 * key's hash as an indexed column, and each replay reads one key's rows (or
 * every row) through a statement of its own, in the order they were read:
 * the heap then holds the store's bounded page cache whatever the table's
 * size, and SQLite sees the same rows in the same order.  What a statement
 * read whole or by key batches is dropped when the connection's next
 * statement starts (vtab_release_rows).  A spilled plan's
 * rows give key batches their keys from the store (spill_keys).  Key
 * batches themselves are bounded by KEY_CELLS_MAX.
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

#include "engine/pushdown.h"
#include "engine/spill.h"
#include "engine/textfold.h"
#include "http/http.h"
#include "odata/odata.h"
#include "util/log.h"
#include "util/strutil.h"

/* KEYS_BY_REQUEST and the KEY BATCHES sizes are the plan's (engine_int.h:
 * EXPLAIN shows them).  The batches of one plan keep at most KEY_CELLS_MAX
 * cells (rows times the columns read: 80 MB of cells plus their texts)
 * before they are dropped and read again as needed. */
#define KEY_CELLS_MAX 2000000

/* Rows of one scan read whole (argv terms dropped), shared by every cursor
 * of the same plan during one statement: a correlated subquery opens a new
 * cursor for each outer row, and they all replay the one read. */
struct mat {
	unsigned refs;              /* the plan slot's and each cursor's */
	struct odata_cell *cells;   /* rows * nspecs cells, texts owned */
	size_t rows, cap, nspecs;
	size_t bytes;               /* heap the cells and their texts take */
	struct dv_spill *spill;     /* NULL, or the rows are there (see SPILL), cells none */
	struct dv_engine *eng;      /* with spill: whose stores_open counts it */
	int batch;                  /* the rows of one key batch (see KEY BATCHES) */
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
/* Keys (canonical lowercase GUIDs) -> the batch whose rows hold them. */
struct keyset {
	char (*keys)[37];           /* "" = free entry */
	unsigned *batch;
	size_t cap, n;              /* cap is a power of two (or 0) */
};

/* A plan's key batches (see KEY BATCHES). */
struct key_batches {
	int state;                  /* 0 not looked at, 1 batched, -1 the old way */
	size_t key_col;             /* entity column of the "<key> eq ?N" term */
	int key_argv;               /* N */
	struct keyset keys;
	struct mat **mats;          /* one per batch, each with its join index */
	size_t nmats, capmats, cells;
	size_t chunk;               /* outer rows to read ahead for the next one */
	size_t per;                 /* keys one request holds (0 = not known yet) */
};

struct plan_slot {
	char *idx_str;
	int idx_num;
	unsigned long stmt;         /* the engine's statement it belongs to */
	unsigned filters;
	struct mat *mat;            /* or NULL */
	struct key_batches kb;
	struct plan_slot *next;
};

struct dv_vtab {
	sqlite3_vtab base;          /* must come first */
	struct dv_engine *eng;
	const struct dv_entity *e;
	struct plan_slot *slots;
	struct dv_cur *open;        /* its open cursors (a key batch's outer rows) */
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
	struct dv_spill_scan *sscan; /* this replay of a spilled mat, NULL = no row */
	/* rows read ahead for another cursor's key batch (see KEY BATCHES) */
	struct mat *ahead;          /* NULL, or rows [ahead_pos, rows) still to come */
	size_t ahead_pos;
	int ahead_end;              /* the scan ends after them */
	unsigned long stmt_seq;     /* the statement of the last xFilter */
	struct dv_cur *next_open;   /* the vtab's list of open cursors */
};

static sqlite3_module dataverse_module;

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
	for (i = 0; m->cells && i < m->rows * m->nspecs; i++)
		if (m->cells[i].type == OC_TEXT)
			free((char *)m->cells[i].s);
	free(m->cells);
	free(m->ix_head);
	free(m->ix_next);
	free(m->ix_hash);
	if (m->spill) {
		spill_free(m->spill);
		m->eng->stores_open--;
	}
	free(m);
}

/* Drops every batch (cursors replaying one keep it until they move on). */
static void kb_clear(struct key_batches *kb)
{
	size_t i;
	for (i = 0; i < kb->nmats; i++)
		mat_unref(kb->mats[i]);
	kb->nmats = kb->cells = 0;
	free(kb->keys.keys);
	free(kb->keys.batch);
	memset(&kb->keys, 0, sizeof(kb->keys));
}

static void slot_free(struct plan_slot *slot)
{
	kb_clear(&slot->kb);
	free(slot->kb.mats);
	mat_unref(slot->mat);
	free(slot->idx_str);
	free(slot);
}

/* Drops the slots of earlier statements (their rows may have changed
 * since); a cursor still replaying their rows keeps its reference. */
static void slots_prune(struct dv_vtab *vt)
{
	struct plan_slot **pp = &vt->slots, *slot;
	while (*pp) {
		slot = *pp;
		if (slot->stmt != vt->eng->stmt_seq) {
			*pp = slot->next;
			slot_free(slot);
			continue;
		}
		pp = &slot->next;
	}
}

/* The slot of a plan in the running statement. */
static struct plan_slot *slot_for(struct dv_vtab *vt, int idx_num, const char *idx_str)
{
	struct plan_slot *slot;
	slots_prune(vt);
	for (slot = vt->slots; slot; slot = slot->next)
		if (slot->idx_num == idx_num && strcmp(slot->idx_str, idx_str) == 0)
			return slot;
	slot = calloc(1, sizeof(*slot));
	if (!slot || !(slot->idx_str = dv_strdup(idx_str))) {
		free(slot);
		return NULL;
	}
	slot->idx_num = idx_num;
	slot->stmt = vt->eng->stmt_seq;
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

void vtab_release_rows(struct dv_engine *eng)
{
	const struct vtab_ref *r;
	for (r = eng->vtabs; r; r = r->next)
		if (((const sqlite3_vtab *)r->vtab)->pModule == &dataverse_module)
			slots_prune((struct dv_vtab *)(uintptr_t)r->vtab);
}

const struct dv_entity *vtab_entity(const struct dv_engine *eng, const void *vtab)
{
	const struct vtab_ref *r;
	for (r = eng->vtabs; r; r = r->next)
		if (r->vtab == vtab)
			return r->e;
	return NULL;
}

/* The plan (plan.c), with the join's semi-join term (pushdown_semijoin.c). */
static int vt_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct dv_vtab *vt = (struct dv_vtab *)base;
	char *join = NULL;
	int rc;
	if (push_join_term(vt->eng, base, vt->e, info, &join) != 0)
		return SQLITE_NOMEM;
	rc = plan_best_index(vt->e, engine_mentions(vt->eng), vt->eng->plan_sql, join,
			     rowcount_base(vt->eng, vt->e), info);
	free(join);
	return rc;
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
	cur->next_open = vt->open;
	vt->open = cur;
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
	spill_scan_close(cur->sscan);
	cur->sscan = NULL;
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
	struct dv_cur **pp;
	for (pp = &cur->vt->open; *pp; pp = &(*pp)->next_open)
		if (*pp == cur) {
			*pp = cur->next_open;
			break;
		}
	odata_cursor_close(cur->oc);
	cache_free(cur);
	mat_unref(cur->ahead);
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
	/* no text_cmp: an ORDER BY on text is never merged.  The real service
	 * orders text by its collation's Windows sort weights, which DVNOCASE
	 * follows for letters but not for punctuation (a hyphen or apostrophe
	 * is ignored there: "co-op" sorts after "coo"), and merging pages
	 * sorted one way by comparing them the other gives neither order. */
	scan.text_cmp = NULL;
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
			m->bytes += row[i].len + 1;
		}
	}
	m->rows++;
	return 0;
}

static int spill_start(struct dv_cur *cur, struct mat *m, const char *idx_str,
		       struct dv_error *err);
static int spill_row(struct mat *m, const struct odata_cell *row, struct dv_error *err);

/* The heap m's rows take. */
static size_t mat_heap(const struct mat *m)
{
	return m->bytes + m->cap * (m->nspecs ? m->nspecs : 1) * sizeof(*m->cells);
}

/* Reads the whole scan (argv terms dropped) into cur->mat, shared through
 * the plan's slot from then on: in memory up to JoinMemoryMB, then in the
 * temporary store (see SPILL). */
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
		if (m->spill ? spill_row(m, row, err) != 0
			     : cache_row(m, row) != 0 && dv_error_nomem(err)) {
			rc = -1;
			break;
		}
		if (!m->spill && mat_heap(m) > cur->vt->eng->join_memory &&
		    spill_start(cur, m, idx_str, err) != 0) {
			rc = -1;
			break;
		}
	}
	odata_cursor_close(cur->oc);
	cur->oc = NULL;
	if (rc == 0 && m->spill && spill_finish(m->spill, err) != 0)
		rc = -1;
	if (rc != 0) {
		mat_unref(m);
		return -1;
	}
	cur->mat = m;
	slot->mat = m;
	m->refs++;
	if (m->spill)
		cur->vt->eng->spilled_rows += m->rows;
	DV_LOG(cur->vt->eng->log, DV_LOG_DEBUG, cur->vt->eng, "materialized %zu rows of %s%s",
	       m->rows, cur->vt->e->logical_name,
	       m->spill ? " in the temporary store (over JoinMemoryMB)" : "");
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

/* The key of idxStr's key term into m's ix_spec, ix_argv and ix_text: 1,
 * or 0 when the rows cannot be indexed. */
static int index_key(const struct dv_cur *cur, const char *idx_str, struct mat *m)
{
	const struct dv_entity *e = cur->vt->e;
	size_t col;
	int argv_index, kind;
	if (!plan_eq_arg(e, idx_str, &col, &argv_index) || cur->colmap[col] < 0)
		return 0;
	kind = key_kind(&e->columns[col]);
	if (kind < 0)
		return 0;
	m->ix_spec = cur->colmap[col];
	m->ix_argv = argv_index;
	m->ix_text = kind;
	return 1;
}

/* Builds the index for idxStr's key term; ix_state -1 when there is none. */
static int index_build(struct dv_cur *cur, const char *idx_str)
{
	struct mat *m = cur->mat;
	size_t nb = 16, r;
	m->ix_state = -1;
	if (!index_key(cur, idx_str, m))
		return 0;
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
	uint64_t h = 0;
	int rc;
	cur->pos = 0;
	cur->probing = 0;
	spill_scan_close(cur->sscan);
	cur->sscan = NULL;
	if (m->ix_state == 0 && index_build(cur, idx_str) != 0)
		return dv_error_nomem(err);
	rc = m->ix_state == 1 && m->ix_argv <= argc ? argv_key(m, argv[m->ix_argv - 1], &h) : -1;
	if (rc >= 0) {
		cur->vt->eng->cache_probes++;
		cur->probing = 1;
		cur->probe_hash = h;
	}
	if (m->spill) {                        /* rc 0: no row, sscan stays NULL */
		if (rc != 0 && !(cur->sscan = spill_scan_open(m->spill, rc > 0 ? &h : NULL, 0, err)))
			return -1;
		return 0;
	}
	if (rc >= 0)
		cur->probe_next = rc ? m->ix_head[h & m->ix_mask] : 0;
	return 0;
}

/* The next cached row of this replay: 1 with *row, 0 at the end, -1. */
static int replay_next(struct dv_cur *cur, const struct odata_cell **row, struct dv_error *err)
{
	const struct mat *m = cur->mat;
	if (m->spill) {
		int rc = cur->sscan ? spill_scan_next(cur->sscan, row, err) : 0;
		cur->vt->eng->cache_rows_visited += rc == 1;
		return rc;
	}
	if (!cur->probing) {
		if (cur->pos >= m->rows)
			return 0;
		cur->vt->eng->cache_rows_visited++;
		*row = &m->cells[cur->pos++ * m->nspecs];
		return 1;
	}
	while (cur->probe_next) {
		size_t r = cur->probe_next - 1;
		cur->probe_next = m->ix_next[r];
		if (m->ix_hash[r] == cur->probe_hash) {
			cur->vt->eng->cache_rows_visited++;
			*row = &m->cells[r * m->nspecs];
			return 1;
		}
	}
	return 0;
}

/* ---- spill (see SPILL) ---- */

/* Adds one row to m's store, with its join-index key. */
static int spill_row(struct mat *m, const struct odata_cell *row, struct dv_error *err)
{
	uint64_t h;
	int keyed = m->ix_state == 1 && cell_key(m, &row[m->ix_spec], &h) == 0;
	if (spill_add(m->spill, row, keyed ? &h : NULL, err) != 0)
		return -1;
	m->rows++;
	return 0;
}

/* Moves m's rows so far into a new store; the rest of the scan goes there. */
static int spill_start(struct dv_cur *cur, struct mat *m, const char *idx_str,
		       struct dv_error *err)
{
	size_t r, n = m->rows, i;
	m->ix_state = index_key(cur, idx_str, m) ? 1 : -1;
	m->spill = spill_new(m->nspecs, err);
	if (!m->spill)
		return -1;
	m->eng = cur->vt->eng;
	m->eng->stores_open++;
	m->rows = 0;
	for (r = 0; r < n; r++)
		if (spill_row(m, &m->cells[r * m->nspecs], err) != 0) {
			m->rows = n;               /* mat_unref frees the cells */
			return -1;
		}
	for (i = 0; i < n * m->nspecs; i++)
		if (m->cells[i].type == OC_TEXT)
			free((char *)m->cells[i].s);
	free(m->cells);
	m->cells = NULL;
	m->cap = 0;
	m->bytes = 0;
	return 0;
}

/* The next row read ahead (see KEY BATCHES): 1 handed out (or the end
 * reached), 0 when none is buffered. */
static int ahead_next(struct dv_cur *cur)
{
	struct mat *a = cur->ahead;
	if (a->rows > cur->ahead_pos) {
		cur->row = &a->cells[cur->ahead_pos++ * a->nspecs];
		cur->eof = 0;
		return 1;
	}
	if (!cur->ahead_end)
		return 0;
	cur->row = NULL;
	cur->eof = 1;
	return 1;
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
	if (cur->ahead && ahead_next(cur))
		return 0;
	if (cur->mat) {
		const struct odata_cell *row = NULL;
		rc = replay_next(cur, &row, err);
		if (rc < 0)
			return -1;
		if (rc)
			cur->row = row;
		cur->eof = rc == 0;
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

/* ---- key batches (see KEY BATCHES) ---- */

int vtab_key_source(const struct dv_engine *eng, const void *vtab, int col)
{
	const struct dv_entity *e = vtab_entity(eng, vtab);
	return e && ((const sqlite3_vtab *)vtab)->pModule == &dataverse_module && col >= 0 &&
	       (size_t)col < e->ncolumns && plan_guid_column(&e->columns[col]);
}

/* s as a canonical GUID (36 characters, lowercase) in out: 1, else 0. */
static int guid_canon(const char *s, size_t n, char out[37])
{
	size_t i;
	if (!s || n != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		char ch = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (ch != '-')
				return 0;
		} else if (ch >= 'A' && ch <= 'F') {
			ch = (char)(ch + 32);
		} else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
			return 0;
		}
		out[i] = ch;
	}
	out[36] = '\0';
	return 1;
}

static size_t key_slot(const char *k, size_t mask)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	int i;
	for (i = 0; i < 36; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 29)) & mask;
}

/* The batch holding key k, or -1. */
static long keyset_find(const struct keyset *s, const char *k)
{
	size_t i;
	if (!s->cap)
		return -1;
	for (i = key_slot(k, s->cap - 1); s->keys[i][0]; i = (i + 1) & (s->cap - 1))
		if (memcmp(s->keys[i], k, 36) == 0)
			return (long)s->batch[i];
	return -1;
}

/* Adds key k (not in s yet): 0, or -1 (no memory). */
static int keyset_put(struct keyset *s, const char *k, unsigned batch)
{
	size_t i;
	if ((s->n + 1) * 2 > s->cap) {
		struct keyset g;
		memset(&g, 0, sizeof(g));
		g.cap = s->cap ? s->cap * 2 : 256;
		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.batch = calloc(g.cap, sizeof(*g.batch));
		if (!g.keys || !g.batch) {
			free(g.keys);
			free(g.batch);
			return -1;
		}
		for (i = 0; i < s->cap; i++)
			if (s->keys[i][0])
				keyset_put(&g, s->keys[i], s->batch[i]); /* room enough */
		free(s->keys);
		free(s->batch);
		*s = g;
	}
	for (i = key_slot(k, s->cap - 1); s->keys[i][0]; i = (i + 1) & (s->cap - 1))
		;
	memcpy(s->keys[i], k, 36);
	s->keys[i][36] = '\0';
	s->batch[i] = batch;
	s->n++;
	return 0;
}

/* The keys of the next batch: each once, none a batch holds already. */
struct key_list {
	char (*k)[37];
	size_t n, cap;
	struct keyset seen;
};

static void key_list_free(struct key_list *l)
{
	free(l->k);
	free(l->seen.keys);
	free(l->seen.batch);
}

/* Adds the key text s unless it is no GUID or known: 0, or -1 (no memory). */
static int key_list_add(struct key_list *l, const struct keyset *known, const char *s, size_t n)
{
	char k[37];
	if (!guid_canon(s, n, k) || keyset_find(known, k) >= 0 || keyset_find(&l->seen, k) >= 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 128;
		char (*p)[37] = realloc(l->k, cap * sizeof(*p));
		if (!p)
			return -1;
		l->k = p;
		l->cap = cap;
	}
	memcpy(l->k[l->n++], k, 37);
	return keyset_put(&l->seen, k, 0);
}

/* Frees rows [0, k) of m and moves the others to the front. */
static void mat_drop_front(struct mat *m, size_t k)
{
	size_t i;
	if (k == 0)
		return;
	for (i = 0; i < k * m->nspecs; i++)
		if (m->cells[i].type == OC_TEXT)
			free((char *)m->cells[i].s);
	memmove(m->cells, m->cells + k * m->nspecs, (m->rows - k) * m->nspecs * sizeof(*m->cells));
	m->rows -= k;
}

/* The spec of a GUID column whose value in x's current row is key, or -1. */
static int source_spec(const struct dv_cur *x, const char *key)
{
	const struct dv_entity *e = x->vt->e;
	size_t i;
	for (i = 0; i < e->ncolumns; i++) {
		const struct odata_cell *c;
		char k[37];
		if (x->colmap[i] < 0 || !plan_guid_column(&e->columns[i]))
			continue;
		c = &x->row[x->colmap[i]];
		if (c->type == OC_TEXT && guid_canon(c->s, c->len, k) && memcmp(k, key, 36) == 0)
			return x->colmap[i];
	}
	return -1;
}

/* Another open cursor of the running statement whose current row holds
 * key: where the key most likely came from (the outer row).  NULL if none. */
static struct dv_cur *find_source(struct dv_cur *cur, const char *key, int *spec)
{
	struct dv_engine *eng = cur->vt->eng;
	const struct vtab_ref *r;
	for (r = eng->vtabs; r; r = r->next) {
		const sqlite3_vtab *base = r->vtab;
		struct dv_cur *x;
		if (base->pModule != &dataverse_module)
			continue;                  /* a table-valued function's (tvf.c) */
		for (x = ((const struct dv_vtab *)base)->open; x; x = x->next_open) {
			if (x == cur || x->eof || !x->row || x->lazy || x->ghost ||
			    x->stmt_seq != eng->stmt_seq)
				continue;
			*spec = source_spec(x, key);
			if (*spec >= 0)
				return x;
		}
	}
	return NULL;
}

/* Buffers x's current row and up to n rows after it, read from its scan
 * as SQLite would read them (advance), so that their keys can be batched;
 * x hands them out before reading on (ahead_next).  No request for a
 * LIMIT's later rows (FIRST ROWS) is sent early.  0 or -1. */
static int read_ahead(struct dv_cur *x, size_t n, struct dv_error *err)
{
	struct mat *a = x->ahead;
	sqlite3_int64 rowid = x->key_rowid;
	size_t have;
	int rc = 0;
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			return dv_error_nomem(err);
		a->refs = 1;
		a->nspecs = x->nspecs;
		x->ahead = a;
	}
	if (x->ahead_pos > 0 && x->row == &a->cells[(x->ahead_pos - 1) * a->nspecs]) {
		mat_drop_front(a, x->ahead_pos - 1);   /* the current row is buffered */
	} else {                               /* it came from the scan */
		mat_drop_front(a, a->rows);
		x->ahead_end = 0;
		if (cache_row(a, x->row) != 0)
			return dv_error_nomem(err);
	}
	x->ahead_pos = 1;
	x->row = a->cells;
	have = a->rows - 1;
	if (x->first.stage == 1) {
		long left = x->first.want - x->first.got;
		if (left < 0)
			left = 0;
		if (n > have + (size_t)left)
			n = have + (size_t)left;
	}
	x->ahead = NULL;                       /* advance reads the scan */
	while (have < n && !x->ahead_end) {
		if (advance(x, err) != 0) {
			rc = -1;
			break;
		}
		if (x->eof) {
			x->ahead_end = 1;
			break;
		}
		if (cache_row(a, x->row) != 0) {
			rc = dv_error_nomem(err);
			break;
		}
		have++;
	}
	x->ahead = a;
	x->row = a->cells;
	x->eof = 0;
	x->key_rowid = rowid;
	return rc;
}

/* Adds the keys in spec of rows [r, m->rows) of m to l, up to chunk keys. */
static int rows_keys(const struct mat *m, size_t r, int spec, size_t chunk,
		     const struct keyset *known, struct key_list *l, struct dv_error *err)
{
	for (; r < m->rows && l->n < chunk; r++) {
		const struct odata_cell *c = &m->cells[r * m->nspecs + (size_t)spec];
		if (c->type == OC_TEXT && key_list_add(l, known, c->s, c->len) != 0)
			return dv_error_nomem(err);
	}
	return 0;
}

/* Adds the keys in spec of the rows of x's spilled mat from its current
 * one on to l, up to chunk keys, as rows_keys does in memory (a replay of
 * one key's rows guesses the rows stored after it). */
static int spill_keys(struct dv_cur *x, int spec, size_t chunk, const struct keyset *known,
		      struct key_list *l, struct dv_error *err)
{
	sqlite3_int64 at = x->sscan ? spill_scan_rowid(x->sscan) : 1;
	struct dv_spill_scan *sc = spill_scan_open(x->mat->spill, NULL, at > 0 ? at - 1 : 0, err);
	const struct odata_cell *row;
	int rc = 0;
	if (!sc)
		return -1;
	while (l->n < chunk && (rc = spill_scan_next(sc, &row, err)) == 1) {
		const struct odata_cell *c = &row[spec];
		if (c->type == OC_TEXT && key_list_add(l, known, c->s, c->len) != 0) {
			rc = dv_error_nomem(err);
			break;
		}
	}
	spill_scan_close(sc);
	return rc < 0 ? -1 : 0;
}

/* Adds the keys in spec of x's coming rows to l, up to chunk keys: a scan
 * reads ahead until it has them (rows of known or repeated keys, or NULL
 * ones, give none), at most KEYS_CHUNK_REQUESTS times chunk rows. */
static int source_keys(struct dv_cur *x, int spec, size_t chunk, const struct keyset *known,
		       struct key_list *l, struct dv_error *err)
{
	size_t rows = 0, done = 0;
	if (x->mat && x->mat->spill)
		return spill_keys(x, spec, chunk, known, l, err);
	if (x->mat)                            /* rows read whole: from the current one */
		return rows_keys(x->mat, x->mat->batch ? 0 : (size_t)(x->row - x->mat->cells) /
				 (x->mat->nspecs ? x->mat->nspecs : 1), spec, chunk, known, l, err);
	while (l->n < chunk && rows < KEYS_CHUNK_REQUESTS * chunk) {
		rows += chunk - l->n;
		if (read_ahead(x, rows, err) != 0 ||
		    rows_keys(x->ahead, done, spec, chunk, known, l, err) != 0)
			return -1;
		done = x->ahead->rows;
		if (x->ahead_end || x->ahead->rows < rows + 1)
			break;                 /* the scan has no more (or stops early) */
	}
	return 0;
}

/* Reads the rows of l's keys (the plan's other argv terms left out:
 * SQLite checks them) into a new batch of slot, in as few requests as the
 * URL length allows.  0 or -1. */
static int kb_fetch(struct dv_cur *cur, struct plan_slot *slot, int flags, const char *idx_str,
		    int argc, sqlite3_value **argv, const struct key_list *l, struct dv_error *err)
{
	struct key_batches *kb = &slot->kb;
	const char *prop = cur->vt->e->columns[kb->key_col].select_name;
	struct plan_query pq;
	struct mat *m;
	size_t i = 0, per;
	int rc = 0;
	if (plan_resolve(cur->vt->e, idx_str, argc, argv, 1, &pq, err) != 0)
		return -1;
	m = calloc(1, sizeof(*m));
	if (!m || build_specs(cur, pq.select) != 0) {
		free(m);
		plan_query_free(&pq);
		return dv_error_nomem(err);
	}
	m->refs = 1;
	m->nspecs = cur->nspecs;
	m->batch = 1;
	per = plan_keys_per_request(cur->vt->eng->api_base, cur->vt->e, &pq, prop);
	kb->per = per;
	while (rc == 0 && i < l->n) {
		struct plan_query q = pq;
		const struct odata_cell *row;
		size_t start = i, end = i + per < l->n ? i + per : l->n;
		struct dv_buf f;
		int more = 0;
		dv_buf_init(&f, 0);
		if (pq.filter)
			dv_buf_appendf(&f, "%s and ", pq.filter);
		dv_buf_appendc(&f, '(');
		for (; i < end; i++)
			dv_buf_appendf(&f, "%s%s eq %s", i > start ? " or " : "", prop, l->k[i]);
		dv_buf_appendc(&f, ')');
		q.filter = f.data;
		q.more = NULL;
		q.nmore = 0;
		if (!f.data)
			rc = dv_error_nomem(err);
		else if (open_resolved(cur, flags, &q, err) != 0)
			rc = -1;
		while (rc == 0 && cur->oc && (more = odata_cursor_next(cur->oc, &row, err)) == 1)
			if (cache_row(m, row) != 0)
				rc = dv_error_nomem(err);
		if (more < 0)
			rc = -1;
		odata_cursor_close(cur->oc);
		cur->oc = NULL;
		dv_buf_free(&f);
	}
	plan_query_free(&pq);
	if (rc == 0 && kb->cells + m->rows * m->nspecs > KEY_CELLS_MAX)
		kb_clear(kb);                  /* memory stays bounded: read again as needed */
	if (rc == 0 && kb->nmats == kb->capmats) {
		size_t cap = kb->capmats ? kb->capmats * 2 : 8;
		struct mat **p = realloc(kb->mats, cap * sizeof(*p));
		if (!p)
			rc = dv_error_nomem(err);
		else {
			kb->mats = p;
			kb->capmats = cap;
		}
	}
	for (i = 0; rc == 0 && i < l->n; i++)
		if (keyset_put(&kb->keys, l->k[i], (unsigned)kb->nmats) != 0)
			rc = dv_error_nomem(err);
	if (rc != 0) {
		mat_unref(m);
		kb_clear(kb);                  /* no key may point at a missing batch */
		return -1;
	}
	kb->mats[kb->nmats++] = m;
	kb->cells += m->rows * m->nspecs;
	DV_LOG(cur->vt->eng->log, DV_LOG_DEBUG, cur->vt->eng,
	       "key batch of %zu keys: %zu rows of %s", l->n, m->rows, cur->vt->e->logical_name);
	return 0;
}

/* Can this plan be read by key batches (plan_key_batches)? */
static void kb_setup(struct dv_cur *cur, struct key_batches *kb, const char *idx_str)
{
	size_t col;
	int n;
	kb->state = -1;
	if (!plan_key_batches(cur->vt->e, idx_str, &col, &n))
		return;
	kb->key_col = col;
	kb->key_argv = n;
	kb->chunk = KEYS_FIRST_CHUNK;
	kb->state = 1;
}

/* xFilter of a plan with a key from the outer row: the batch holding the
 * key (read now, with the keys of the outer side's coming rows, when no
 * batch holds it).  1 cur->mat is that batch, 2 no row can match (a NULL
 * key), 0 not by key batches (the old way), -1 on error. */
static int keys_filter(struct dv_cur *cur, struct plan_slot *slot, int flags, const char *idx_str,
		       int argc, sqlite3_value **argv, struct dv_error *err)
{
	struct key_batches *kb = &slot->kb;
	struct key_list l;
	struct dv_cur *src;
	sqlite3_value *v;
	char key[37];
	long b;
	int spec, rc;
	if (kb->state == 0)
		kb_setup(cur, kb, idx_str);
	if (kb->state < 0 || slot->mat || cur->vt->eng->writing || kb->key_argv > argc)
		return 0;
	v = argv[kb->key_argv - 1];
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return 2;                      /* = NULL is never true */
	if (sqlite3_value_type(v) != SQLITE_TEXT ||
	    !guid_canon((const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v), key))
		return 0;
	b = keyset_find(&kb->keys, key);
	if (b < 0) {
		src = find_source(cur, key, &spec);
		if (!src)
			return 0;
		memset(&l, 0, sizeof(l));
		rc = key_list_add(&l, &kb->keys, key, 36) != 0 ? dv_error_nomem(err) : 0;
		if (rc == 0)
			rc = source_keys(src, spec, kb->chunk, &kb->keys, &l, err);
		if (rc == 0)
			rc = kb_fetch(cur, slot, flags, idx_str, argc, argv, &l, err);
		key_list_free(&l);
		if (rc != 0)
			return -1;
		kb->chunk = kb->chunk < kb->per ? kb->per : kb->per * KEYS_CHUNK_REQUESTS;
		b = keyset_find(&kb->keys, key);
		if (b < 0)
			return dv_error_set(err, DV_S_HY000, 0, "internal: a key batch of %s lost "
					    "its key", cur->vt->e->logical_name);
	} else if (!cur->specs) {              /* this cursor's first xFilter */
		struct plan_query pq;
		if (plan_resolve(cur->vt->e, idx_str, argc, argv, 1, &pq, err) != 0)
			return -1;
		rc = build_specs(cur, pq.select);
		plan_query_free(&pq);
		if (rc != 0)
			return dv_error_nomem(err);
	}
	if (cur->nspecs != kb->mats[b]->nspecs)
		return dv_error_set(err, DV_S_HY000, 0, "internal: a key batch of %s has another "
				    "layout", cur->vt->e->logical_name);
	cache_free(cur);
	cur->mat = kb->mats[b];
	cur->mat->refs++;
	return 1;
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
	cur->stmt_seq = cur->vt->eng->stmt_seq;
	mat_unref(cur->ahead);
	cur->ahead = NULL;
	cur->ahead_pos = 0;
	cur->ahead_end = 0;
	if (cur->mat && cur->mat->batch)       /* the batch of the last key */
		cache_free(cur);
	if (!cur->mat && plan_has_args(idx_str)) {
		struct plan_slot *slot = slot_for(cur->vt, idx_num, idx_str);
		int rc;
		if (!slot)
			return vtab_error(cur->vt, (dv_error_nomem(&err), &err));
		rc = keys_filter(cur, slot, idx_num, idx_str, argc, argv, &err);
		if (rc < 0)
			return vtab_error(cur->vt, &err);
		if (rc == 2)
			return SQLITE_OK;          /* eof */
		if (rc == 0) {
			slot->filters++;
			if (slot->mat ? attach(cur, slot, idx_str, argc, argv, &err) != 0
				      : slot->filters > KEYS_BY_REQUEST &&
					materialize(cur, slot, idx_num, idx_str, argc, argv, &err) != 0)
				return vtab_error(cur->vt, &err);
		}
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
