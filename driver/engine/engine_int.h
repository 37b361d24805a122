/* engine_int.h - private: the engine's parts shared between its files.
 *
 * Owns: struct dv_engine, the plan text (idxStr) builder and reader
 * (plan.c), value conversion both ways (values.c), the virtual table
 * module (vtab.c), the rows changed by statements turned into queued
 * operations (write.c) and the queue sent as requests or $batch with
 * per-row outcomes, transactions (flush.c). */
#ifndef DV_ENGINE_ENGINE_INT_H
#define DV_ENGINE_ENGINE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "engine/engine.h"
#include "sqlparse/mentions.h"
#include "util/buf.h"
#include "util/error.h"

/* One queued change (write.c builds it, flush.c sends it). */
enum wop_kind { WOP_CREATE, WOP_UPDATE, WOP_UPSERT, WOP_DELETE, WOP_ASSOCIATE,
		WOP_DISASSOCIATE };

struct write_op {
	enum wop_kind kind;
	long row;            /* outcome row number */
	char *path;          /* relative to api_base: "accounts(<id>)", "accounts" */
	char *body;          /* JSON or NULL */
	char id[37];         /* the record's id: a create's own (given or chosen by the
				driver), "" when the service chooses it */
	/* How to find out afterwards whether the operation was applied
	 * (verify.c), relative to api_base.  Creates and deletes: the set and
	 * primary key to look the id up by; (dis)associations: a GET whose
	 * collection holds one row when the pair is associated. */
	const char *set;     /* entity set (catalog-owned) or NULL */
	const char *pk_name; /* its primary key attribute (catalog-owned) or NULL */
	char *check;         /* malloc'd query for (dis)associations, or NULL */
};

/* The key of a row handed to SQLite as a rowid during a write statement. */
struct row_key {
	char pk[37];
	char ref[2][37];     /* intersect rows: Entity1 and Entity2 ids */
};

/* An N:N relationship of an intersect entity (ManyToManyRelationships). */
struct nn_rel {
	char *intersect;     /* intersect entity logical name */
	char *entity[2];     /* Entity1LogicalName, Entity2LogicalName */
	char *attr[2];       /* Entity1IntersectAttribute, ... */
	char *nav[2];        /* Entity1NavigationPropertyName, ... */
	struct nn_rel *next;
};

#define WRITE_BATCH_MAX 1000   /* operations per $batch (service limit) */
#define WRITE_PARALLEL_BATCHES 4 /* $batch requests in flight at once (autocommit) */

/* The tables a statement being prepared plans, with their row counts
 * (rowcount.c). */
#define ROWCOUNT_TABLES 16
struct rowcounts {
	int noting;          /* xBestIndex records the tables it plans (the first planning) */
	int use;             /* xBestIndex starts from the counts (the second planning) */
	int replanned;       /* the statement last prepared was planned from the counts */
	size_t n;
	const struct dv_entity *e[ROWCOUNT_TABLES];
	long long count[ROWCOUNT_TABLES];  /* -1: unknown */
	double base[ROWCOUNT_TABLES];      /* the estimate's start: count scaled, or -1 */
};

struct dv_engine {
	sqlite3 *db;
	struct dv_catalog *cat;
	struct dv_http *http;
	struct dv_log *log;
	struct dv_guard *guard;  /* guard.c: what user SQL may not do, timeout, cancel */
	char *api_base;          /* ".../api/data/v9.2/" */
	long page_size;          /* odata.maxpagesize */
	size_t join_memory;      /* bytes of a materialized scan's rows in the heap (vtab.c) */
	int include_formatted;
	struct dv_error scan_err; /* the service error that stopped a scan */
	unsigned long scans;     /* scans started (cursor opens that sent a request) */
	unsigned long stmt_seq;  /* statements started: scope of shared join rows (vtab.c) */
	/* materialized join sides (vtab.c): rows handed to SQLite for its
	 * own check, and index lookups; tests read them to see O(N+M) work */
	unsigned long cache_rows_visited;
	unsigned long cache_probes;
	unsigned long spilled_rows; /* of them, rows kept in the temporary store (spill.c) */
	unsigned long stores_open;  /* temporary stores alive now (vtab.c SPILL) */
	struct vtab_ref *vtabs;  /* every connected virtual table (for EXPLAIN) */
	struct tvf_state *tvf;   /* tvf.c: change tokens and FetchXML texts (SQLite frees it) */
	/* writes */
	int writing;             /* the statement being stepped changes rows */
	int autocommit;          /* 1: send at the end of each statement / array */
	int in_array;            /* between dv_engine_array_begin and _end */
	long param_row;          /* row number given by the ODBC layer, 0 = none */
	long stmt_rows;          /* rows changed so far by this statement */
	struct write_op *ops;    /* queued operations */
	size_t nops, capops;
	size_t stmt_first_op;    /* first op of the running statement */
	struct row_key *keys;    /* rowid - 1 -> key of a row SQLite asked a rowid for */
	size_t nkeys, capkeys;
	uint32_t *key_slots;     /* open-addressing index over keys (by key text), 0 = empty */
	size_t nslots;
	struct dv_write_outcome *outcomes;
	size_t noutcomes, capoutcomes;
	long changes, failed, warnings, pending;
	struct dv_error first_failure;
	char last_id[37];
	struct nn_rel *nn;       /* N:N relationships read so far */
	/* columns past SQLite's 64-bit colUsed mask (engine_mentions) */
	const char *plan_sql;    /* the statement being prepared, or NULL */
	struct sql_mentions mentions; /* the names it mentions */
	char *mentions_sql;      /* the text mentions was read from */
	struct rowcounts rowcounts; /* rowcount.c: the tables' counts a join is planned from */
};

/* The names the statement being prepared mentions, or NULL when no
 * statement is being prepared (then every column may be used). */
const struct sql_mentions *engine_mentions(struct dv_engine *eng);

/* Links a sqlite3_vtab to its entity so EXPLAIN's "vtab:%p" can be named. */
struct vtab_ref {
	const void *vtab;
	const struct dv_entity *e;
	struct vtab_ref *next;
};

/* idxNum bits: annotations the scan's Prefer header asks for. */
#define PLAN_WANT_FORMATTED 1
#define PLAN_WANT_LOOKUPTYPE 2

/* ---- plan.c ---- */
/* xBestIndex body for entity e (vtab columns = e->columns); sql is the
 * statement being prepared (its LIMIT when SQLite keeps it), or NULL;
 * join_term: an OData term added to the filter (push_join_term), or NULL;
 * table_rows: the rows the estimates start from (rowcount.c: the table's
 * count, scaled to the statement's largest table), or < 0 (1,000,000). */
int plan_best_index(const struct dv_entity *e, const struct sql_mentions *m,
		    const char *sql, const char *join_term, double table_rows,
		    sqlite3_index_info *info);

/* A plan read back from idxStr at xFilter time, placeholders resolved. */
struct plan_query {
	char *select;    /* "accountid,name" */
	char *filter;    /* OData $filter or NULL */
	char *orderby;   /* or NULL */
	long top;        /* 0 = none */
	long first;      /* > 0: the first request asks for this many rows, the
			  * rest goes without $top (vtab.c, FIRST ROWS) */
	long rows;       /* > 0: a LIMIT above $top's 5000: the answer is the first
			  * rows rows, no more are read (plan.c "rows=") */
	long least;      /* > 0: at least this many rows are needed (a LIMIT over a
			  * local term): no page prefetched past them ("least=") */
	int empty;       /* an argv comparison value is NULL: no row can match */
	/* an IN list longer than one request holds: filter asks for the first
	 * batch of keys, more[i] for the next ones (same select, one request each) */
	char **more;
	size_t nmore;
};
/* Resolves idxStr with argv.  drop_args: leave out every term that takes a
 * value from argv (materializing a join's inner side).  A term whose argv
 * value cannot be written as an OData literal is left out too (argv terms
 * are never omitted, so SQLite still checks them). */
int plan_resolve(const struct dv_entity *e, const char *idx_str, int argc,
		 sqlite3_value **argv, int drop_args, struct plan_query *out,
		 struct dv_error *err);
void plan_query_free(struct plan_query *q);
/* True when idxStr has terms that take argv values (join keys, parameters, IN). */
int plan_has_args(const char *idx_str);
/* The first "<property> eq ?N" term of idxStr: 1 with the entity column
 * index and N, else 0 (vtab.c keys its join index on it). */
int plan_eq_arg(const struct dv_entity *e, const char *idx_str, size_t *col,
		int *argv_index);

/* A plan whose xFilter runs once per outer row (a join's inner side, a
 * correlated subquery) is read one of two ways (vtab.c), which EXPLAIN
 * shows from the same rules:
 *  - KEY BATCHES, when plan_key_batches says the plan can be and another
 *    open cursor of the statement holds the key in its current row (a
 *    dataverse table's GUID column, vtab_key_source): the outer rows' keys
 *    go into requests "(<key> eq k1 or <key> eq k2 ...)", the plan's other
 *    argv terms left out; the first batch takes the keys of up to
 *    KEYS_FIRST_CHUNK outer rows (a LIMIT may need no more), the next one
 *    as many as one request holds, the later ones KEYS_CHUNK_REQUESTS
 *    requests' worth; a request's URL stays under KEY_URL_MAX (the service
 *    takes GET URLs up to 32,768 characters);
 *  - else the first KEYS_BY_REQUEST outer rows send requests of their own
 *    (a selective outer side of a few rows then reads only the matching
 *    inner rows), and at the next one the plan is read once without its
 *    argv terms and kept ("materialized"): the outer side turned out large,
 *    and reading the inner side once is cheaper than a request per outer
 *    row.  Measured by bench/bench-plans. */
#define KEYS_BY_REQUEST 8
#define KEYS_FIRST_CHUNK 100
#define KEYS_CHUNK_REQUESTS 4
#define KEY_URL_MAX 30000
/* A primary key or lookup column (a GUID): the only keys batched. */
int plan_guid_column(const struct dv_column *c);
/* 1 when ORDER BY c can be sent as $orderby: a value column of a type the
 * service orders as the engine does (not lookups: ordered by name there;
 * not GUIDs: SQL Server's byte-group order). */
int plan_sortable(const struct dv_column *c);
/* Can the plan be read by key batches?  Its first "<key> eq ?N" term is on
 * a GUID column and no LIMIT applies per outer row: 1 with *col (entity
 * column) and *argv_index (N), else 0.  Whether it is also takes a cursor
 * holding the key, known only at run time (vtab.c) or from the program
 * (EXPLAIN). */
int plan_key_batches(const struct dv_entity *e, const char *idx_str, size_t *col,
		     int *argv_index);
/* How many keys one request of a key batch holds, pq being the plan
 * resolved without its argv terms and prop the key's property. */
size_t plan_keys_per_request(const char *api_base, const struct dv_entity *e,
			     const struct plan_query *pq, const char *prop);
/* For EXPLAIN: the plan as one request of its key batches sends it ("keyed":
 * the argv terms left out, "(<key> eq @k1 or <key> eq @k2 or ...)" added,
 * *per the keys a request holds), or as it is read once when materialized
 * (!keyed: the argv terms left out).  idxStr text (malloc'd), or NULL. */
char *plan_unkeyed(const char *api_base, const struct dv_entity *e, const char *idx_str,
		   int keyed, size_t *per);
/* The values of an IN list one request holds. */
#define PLAN_IN_MAX 200
/* For EXPLAIN: idxStr with each "<p> in ?N" term (an IN list handed over
 * whole) written as the or-chain it is sent as, "(<p> eq @v1 or <p> eq @v2
 * or ...)"; *batched 1 when a list longer than PLAN_IN_MAX values goes
 * as a request for each PLAN_IN_MAX of them (plan_resolve), 0 when such a
 * list is left to SQLite to check.  malloc'd; NULL (*batched -1) when there
 * is no list. */
char *plan_explain_in(const struct dv_entity *e, const char *idx_str, int *batched);

/* ---- rowcount.c ---- */
/* A SELECT of two dataverse tables or more is planned twice: the first
 * planning records the tables (rowcount_base from xBestIndex), their row
 * counts are read (dv_catalog_row_counts: cached, or one request for all),
 * and when they differ the statement is prepared again with each estimate
 * starting from its table's count, scaled so that the largest is 1,000,000.
 * Starts the first planning of sql (not for the pushdown's own statements). */
void rowcount_begin(struct dv_engine *eng, const char *sql);
/* From xBestIndex: records e during a first planning; the count to start
 * from during a second one (or EXPLAIN's), else -1. */
double rowcount_base(struct dv_engine *eng, const struct dv_entity *e);
/* After the first planning of stmt: 1 when it is to be planned again from
 * the counts (a read-only statement of 2 tables or more whose known counts
 * differ). */
int rowcount_ready(struct dv_engine *eng, sqlite3_stmt *stmt);

/* ---- values.c ---- */
/* Appends v as an OData literal for column c: 0, or -1 when it cannot be
 * expressed (wrong type, not a GUID/date, ...). */
int value_to_odata(const struct dv_column *c, sqlite3_value *v, struct dv_buf *out);
/* Sets the SQLite result from a cell of column c. */
void cell_to_result(const struct dv_column *c, const struct odata_cell *cell,
		    sqlite3_context *ctx);
/* The declared SQLite type of c ("NVARCHAR(100) COLLATE DVNOCASE", ...). */
void column_decl(const struct dv_column *c, struct dv_buf *out);
/* True when text comparisons on c agree between the service and SQLite. */
int column_is_text(const struct dv_column *c);

/* Appends v as the JSON value of column c in a create/update body: 0, or
 * -1 when it cannot be converted. */
int value_to_json(const struct dv_column *c, sqlite3_value *v, struct dv_buf *out);
int value_json_string(struct dv_buf *out, const char *s, size_t n);

/* ---- write.c ---- */
/* xUpdate: queues the operation for one row (argc/argv as SQLite gives
 * them); read-only columns and bad values are refused here, before any
 * request.  Flushes when the queue is full in autocommit mode. */
int write_row(struct dv_engine *eng, const struct dv_entity *e, int argc,
	      sqlite3_value **argv, struct dv_error *err);
/* Records the key of a row SQLite asks a rowid for; returns the rowid.  The
 * same key always gets the same rowid within a statement (SQLite's OR
 * optimization scans a table once per OR term and removes duplicates by
 * rowid, so a per-scan counter would drop rows); a row without a key gets a
 * rowid of its own.  Returns 0 when out of memory. */
/* Forgets every key when no statement but stmt is running (statement start). */
void write_keys_reset_if_idle(struct dv_engine *eng, sqlite3_stmt *stmt);
sqlite3_int64 write_key_rowid(struct dv_engine *eng, const struct dv_entity *e,
			      const char *pk, const char *ref1, const char *ref2);
/* The N:N relationship of intersect entity e (cached). */
int write_nn_rel(struct dv_engine *eng, const struct dv_entity *e,
		 const struct nn_rel **out, struct dv_error *err);
void write_free_state(struct dv_engine *eng);

/* ---- flush.c ---- */
/* Statement boundaries (dv_engine_step). */
void flush_statement_begin(struct dv_engine *eng);
int flush_statement_end(struct dv_engine *eng, struct dv_error *err);
void flush_statement_abort(struct dv_engine *eng);
/* Sends every queued op: autocommit = independent parts with
 * continue-on-error; else change sets.  0, or -1 when the requests
 * themselves failed or (change sets) a change set was rolled back. */
int flush_queue(struct dv_engine *eng, int changesets, struct dv_error *err);

/* ---- verify.c ---- */
/* What became of an operation whose answer was lost. */
enum verify_state {
	VS_APPLIED,      /* the service holds its effect */
	VS_NOT_APPLIED,  /* it does not */
	VS_REDO,         /* cannot be told, but sending it again is harmless (updates) */
	VS_UNKNOWN       /* cannot be told (the look-up failed, no id) */
};
/* True when a failed write request may have been applied all the same (the
 * answer was lost: 08S01/HYT00 without a status, 502, 504, an unreadable 2xx). */
int write_answer_lost(const struct dv_error *e, long status);
/* True when op's answer (error e, HTTP status) is what an applied earlier
 * copy of op causes: a duplicate create or association, a 404 delete. */
int write_answer_of_earlier_copy(const struct write_op *op, const struct dv_error *e,
				 long status);
/* Reads back whether each of ops was applied: st[i] for ops[i]. */
void write_verify(struct dv_engine *eng, const struct write_op *ops, size_t n,
		  enum verify_state *st);
void flush_reset_outcomes(struct dv_engine *eng);

/* ---- vtab.c ---- */
int vtab_register(struct dv_engine *eng);
/* Drops what earlier statements read whole or by key batches (their
 * rows, in memory or in the temporary store): called as a statement starts. */
void vtab_release_rows(struct dv_engine *eng);
/* The entity of a connected virtual table, or NULL. */
const struct dv_entity *vtab_entity(const struct dv_engine *eng, const void *vtab);
/* Can a cursor of this virtual table reading column col give a key batch
 * its keys (KEY BATCHES: a dataverse table, a GUID column)? */
int vtab_key_source(const struct dv_engine *eng, const void *vtab, int col);

#endif
