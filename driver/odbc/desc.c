/* desc.c - descriptors: records, their defaults, explicit descriptors.
 *
 * Owns: the lifetime of descriptor records (growing, resetting, freeing
 * their strings) and of explicit (SQL_DESC_ALLOC_USER) descriptors.  Field
 * access for SQLGetDescField/SQLSetDescField is in desc_fields.c.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqlsetdescfield-function */
#include "odbc/handles.h"
#include "odbc/stmt.h"

#include <stdlib.h>
#include <string.h>

void dv_desc_rec_free(struct dv_desc_rec *r)
{
	free(r->name);
	free(r->base_column_name);
	free(r->base_table_name);
	free(r->table_name);
	free(r->type_name);
	free(r->local_type_name);
	free(r->literal_prefix);
	free(r->literal_suffix);
}

void dv_desc_rec_reset(struct dv_desc_rec *r, enum dv_desc_kind kind)
{
	dv_desc_rec_free(r);
	memset(r, 0, sizeof(*r));
	r->attr_type = -1;
	r->unnamed = SQL_UNNAMED;
	r->nullable = SQL_NULLABLE_UNKNOWN;
	if (kind == DV_DESC_ARD || kind == DV_DESC_APD) {
		r->type = SQL_C_DEFAULT;
		r->concise_type = SQL_C_DEFAULT;
	}
	if (kind == DV_DESC_IPD)
		r->parameter_type = SQL_PARAM_INPUT;
}

void dv_desc_init(struct dv_desc *d, enum dv_desc_kind kind, struct dv_dbc *dbc,
		  struct dv_stmt *stmt)
{
	d->kind = kind;
	d->dbc = dbc;
	d->stmt = stmt;
	d->alloc_type = stmt ? SQL_DESC_ALLOC_AUTO : SQL_DESC_ALLOC_USER;
	d->array_size = 1;
	d->bind_type = SQL_BIND_BY_COLUMN;
	d->array_status_ptr = NULL;
	d->bind_offset_ptr = NULL;
	d->rows_processed_ptr = NULL;
	d->count = 0;
	d->recs = NULL;
	d->cap = 0;
}

void dv_desc_clear_records(struct dv_desc *d)
{
	for (SQLSMALLINT i = 0; i <= d->count && i < d->cap; i++)
		dv_desc_rec_reset(&d->recs[i], d->kind);
	d->count = 0;
}

void dv_desc_destroy(struct dv_desc *d)
{
	for (SQLSMALLINT i = 0; i < d->cap; i++)
		dv_desc_rec_free(&d->recs[i]);
	free(d->recs);
	d->recs = NULL;
	d->cap = 0;
	d->count = 0;
}

int dv_desc_ensure(struct dv_desc *d, SQLSMALLINT n)
{
	if (n < 0)
		return -1;
	if (n >= d->cap) {
		int cap = d->cap ? d->cap : 8;
		while (cap <= n)
			cap *= 2;
		if (cap > 32767)
			cap = 32767;
		if (cap <= n)
			return -1;
		struct dv_desc_rec *recs = realloc(d->recs, (size_t)cap * sizeof(*recs));
		if (!recs)
			return -1;
		memset(recs + d->cap, 0, (size_t)(cap - d->cap) * sizeof(*recs));
		for (int i = d->cap; i < cap; i++)
			dv_desc_rec_reset(&recs[i], d->kind);
		d->recs = recs;
		d->cap = (SQLSMALLINT)cap;
	}
	if (n > d->count)
		d->count = n;
	return 0;
}

void dv_desc_trim(struct dv_desc *d)
{
	while (d->count > 0 && d->recs[d->count].data_ptr == NULL &&
	       d->recs[d->count].indicator_ptr == NULL &&
	       d->recs[d->count].octet_length_ptr == NULL)
		d->count--;
}

SQLRETURN dv_desc_alloc_explicit(struct dv_dbc *dbc, struct dv_desc **out)
{
	struct dv_desc *d = calloc(1, sizeof(*d));
	if (!d)
		return dv_diag_error(&dbc->h.diag, DV_S_HY001, NULL);
	if (dv_handle_init(&d->h, DV_H_DESC, &dbc->h) != 0) {
		free(d);
		return dv_diag_error(&dbc->h.diag, DV_S_HY001, NULL);
	}
	dv_desc_init(d, DV_DESC_ARD, dbc, NULL);
	*out = d;
	return SQL_SUCCESS;
}

SQLRETURN dv_desc_free_explicit(struct dv_desc *d)
{
	if (d->alloc_type != SQL_DESC_ALLOC_USER)
		return dv_diag_error(&d->h.diag, DV_S_HY024,
				     "an implicitly allocated descriptor cannot be freed");
	/* Statements that used it fall back to their implicit descriptors. */
	for (size_t i = 0; i < d->dbc->nstmts; i++) {
		struct dv_stmt *s = d->dbc->stmts[i];
		if (s->ard == d)
			s->ard = &s->ard_impl;
		if (s->apd == d)
			s->apd = &s->apd_impl;
	}
	dv_desc_destroy(d);
	dv_handle_destroy(&d->h);
	free(d);
	return SQL_SUCCESS;
}
