/* rowset.c - in-memory result sets (see rowset.h). */
#include "odbc/rowset.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

struct dv_rowset *dv_rowset_new(const struct dv_rs_col *cols, int ncols)
{
	struct dv_rowset *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->cols = cols;
	rs->ncols = ncols;
	return rs;
}

void dv_rowset_free(struct dv_rowset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nrows * (size_t)rs->ncols; i++)
		if (rs->cells[i].type == DV_V_TEXT)
			free((char *)rs->cells[i].s);
	free(rs->cells);
	free(rs);
}

int dv_rowset_add_row(struct dv_rowset *rs)
{
	if (rs->nrows == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		size_t bytes = cap * (size_t)rs->ncols * sizeof(struct dv_value);
		struct dv_value *cells = realloc(rs->cells, bytes);
		if (!cells)
			return -1;
		rs->cells = cells;
		rs->cap = cap;
	}
	memset(&rs->cells[rs->nrows * (size_t)rs->ncols], 0,
	       (size_t)rs->ncols * sizeof(rs->cells[0]));
	rs->nrows++;
	return 0;
}

static struct dv_value *last_cell(struct dv_rowset *rs, int col)
{
	struct dv_value *v = &rs->cells[(rs->nrows - 1) * (size_t)rs->ncols + (size_t)col];
	if (v->type == DV_V_TEXT)
		free((char *)v->s);
	memset(v, 0, sizeof(*v));
	return v;
}

int dv_rowset_set_text(struct dv_rowset *rs, int col, const char *text)
{
	struct dv_value *v = last_cell(rs, col);
	if (!text)
		return 0;
	char *copy = dv_strdup(text);
	if (!copy)
		return -1;
	v->type = DV_V_TEXT;
	v->s = copy;
	v->len = strlen(copy);
	return 0;
}

void dv_rowset_set_int(struct dv_rowset *rs, int col, int64_t i)
{
	struct dv_value *v = last_cell(rs, col);
	v->type = DV_V_INT;
	v->i = i;
}

void dv_rowset_set_null(struct dv_rowset *rs, int col)
{
	last_cell(rs, col);
}

const struct dv_value *dv_rowset_cell(const struct dv_rowset *rs, size_t row, int col)
{
	return &rs->cells[row * (size_t)rs->ncols + (size_t)col];
}

static int cmp_value(const struct dv_value *a, const struct dv_value *b)
{
	if (a->type != b->type)
		return a->type == DV_V_NULL ? -1 : b->type == DV_V_NULL ? 1 : 0;
	if (a->type == DV_V_TEXT)
		return strcmp(a->s, b->s);
	if (a->type == DV_V_INT)
		return a->i < b->i ? -1 : a->i > b->i;
	return 0;
}

/* Insertion sort of row indices: catalog result sets are small, and it is
 * stable. */
int dv_rowset_sort(struct dv_rowset *rs, const int *cols, int ncols)
{
	size_t n = rs->nrows, w = (size_t)rs->ncols;
	if (n < 2)
		return 0;
	struct dv_value *sorted = malloc(n * w * sizeof(*sorted));
	size_t *idx = malloc(n * sizeof(*idx));
	if (!sorted || !idx) {
		free(sorted);
		free(idx);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0) {
			int c = 0;
			for (int k = 0; k < ncols && c == 0; k++)
				c = cmp_value(dv_rowset_cell(rs, idx[j - 1], cols[k]),
					      dv_rowset_cell(rs, i, cols[k]));
			if (c <= 0)
				break;
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(&sorted[i * w], &rs->cells[idx[i] * w], w * sizeof(*sorted));
	free(rs->cells);
	free(idx);
	rs->cells = sorted;
	rs->cap = n;
	return 0;
}
