/* engine_int.h - private: the engine's parts shared between its files.
 *
 * Owns: struct dv_engine, the plan text (idxStr) builder and reader
 * (plan.c), value conversion both ways (values.c) and the virtual table
 * module (vtab.c). */
#ifndef DV_ENGINE_ENGINE_INT_H
#define DV_ENGINE_ENGINE_INT_H

#include <sqlite3.h>

#include "catalog/catalog.h"
#include "engine/engine.h"
#include "util/buf.h"
#include "util/error.h"

struct dv_engine {
	sqlite3 *db;
	struct dv_catalog *cat;
	struct dv_http *http;
	struct dv_log *log;
	char *api_base;          /* ".../api/data/v9.2/" */
	long page_size;          /* odata.maxpagesize */
	int include_formatted;
	struct dv_error scan_err; /* the service error that stopped a scan */
	unsigned long scans;     /* scans started (cursor opens that sent a request) */
	struct vtab_ref *vtabs;  /* every connected virtual table (for EXPLAIN) */
};

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
/* xBestIndex body for entity e (vtab columns = e->columns). */
int plan_best_index(const struct dv_entity *e, sqlite3_index_info *info);

/* A plan read back from idxStr at xFilter time, placeholders resolved. */
struct plan_query {
	char *select;    /* "accountid,name" */
	char *filter;    /* OData $filter or NULL */
	char *orderby;   /* or NULL */
	long top;        /* 0 = none */
	int empty;       /* an argv comparison value is NULL: no row can match */
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

/* ---- values.c ---- */
/* Appends v as an OData literal for column c: 0, or -1 when it cannot be
 * expressed (wrong type, not a GUID/date, ...). */
int value_to_odata(const struct dv_column *c, sqlite3_value *v, struct dv_buf *out);
/* Sets the SQLite result from a cell of column c. */
void cell_to_result(const struct dv_column *c, const struct odata_cell *cell,
		    sqlite3_context *ctx);
/* The declared SQLite type of c ("NVARCHAR(100) COLLATE NOCASE", ...). */
void column_decl(const struct dv_column *c, struct dv_buf *out);
/* True when text comparisons on c agree between the service and SQLite. */
int column_is_text(const struct dv_column *c);

/* ---- vtab.c ---- */
int vtab_register(struct dv_engine *eng);
/* The entity of a connected virtual table, or NULL. */
const struct dv_entity *vtab_entity(const struct dv_engine *eng, const void *vtab);

#endif
