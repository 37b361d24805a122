/* odata_page.c - one page of rows, parsed as it streams in.
 *
 * HOW IT WORKS: a yajl event parser (no DOM) reads
 *   {"@odata.context":..,"value":[{row},{row},..],"@odata.nextLink":".."}
 * Containers are counted: depth 1 is the page object, depth 2 the "value"
 * array, depth 3 a row object.  A key at depth 3 ("name",
 * "name@OData.Community.Display.V1.FormattedValue", "@odata.etag") is looked
 * up in a table built from the colspecs (predicted from the row before,
 * else hashed: struct key_slot); the scalar that follows
 * fills those cells.  Annotations arrive before their value; since each
 * full key maps to its own column the order does not matter.  Objects and
 * arrays inside a row (expanded navigation properties) are skipped.  Absent
 * properties leave the cell OC_NULL (FetchXML omits nulls).
 * Numbers come through yajl's number callback as their text, so decimals
 * keep their exact digits and big integers (9007199254740993) never pass
 * through a double.  Text lives in a per-page arena; while parsing, a text
 * cell holds its arena offset in .i, and pointers are fixed up when the page
 * is complete (the arena may move while it grows).  Arena, cell array and
 * parser are reused from page to page, so memory is bounded by one page.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api */
#include "odata/odata.h"
#include "odata/odata_priv.h"
#include "http/http.h"
#include "util/numfmt.h"
#include "util/strutil.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* Re-reads of one page whose body arrived complete at the HTTP level but
 * ended before the JSON did (a connection closed mid-body). */
#define PAGE_READ_ATTEMPTS 3

struct key_entry {
	char *key;   /* "property" or "property@annotation" */
	size_t len;
	size_t col;
};

/* A distinct row key, found by hash: the range of key-table entries it
 * fills (count 0 for a key no column reads, learned when first seen, e.g.
 * "@odata.etag" or an annotation nobody selected), and the slot of the key
 * that followed it in the last row that had it.  Rows repeat their keys in
 * order, so the key predicted that way usually matches (one comparison);
 * when the service leaves out a key (FetchXML leaves out null properties,
 * and the annotations of null values are never sent) the next key misses
 * once, is found by its hash and becomes the new prediction. */
struct key_slot {
	const char *key;   /* into keys[] for known keys, an owned copy for learned ones */
	size_t len;
	uint32_t hash;
	int32_t next;      /* predicted slot of the key after this one, -1 none */
	size_t first, count;
	int learned;
};

enum top_key { TOP_OTHER, TOP_VALUE, TOP_NEXT, TOP_DELTA, TOP_COUNT, TOP_COOKIE, TOP_MORE };

struct page_priv {
	yajl_handle parser;
	const struct odata_colspec *cols;
	size_t ncols;
	struct key_entry *keys;
	size_t nkeys;
	struct key_slot *slots;      /* distinct keys: known ones, then learned ones */
	size_t nslots, cap_slots;
	int32_t *index;              /* open addressing over slots, -1 empty */
	size_t index_mask;
	int32_t row_first;           /* predicted slot of a row's first key */
	int32_t prev;                /* slot of the previous key of this row, -1 at its start */
	struct dv_buf arena;
	size_t cap_rows;
	/* parse state */
	int depth;
	enum top_key top;
	int in_value;
	int in_row;
	size_t cur_first, cur_count; /* key table range of the current row key */
	int nomem;
	struct dv_error *err;
};

/* ---- key table ------------------------------------------------------- */

static int build_slots(struct page_priv *p);

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct key_entry *x = a, *y = b;
	int c = key_cmp(x->key, x->len, y->key, y->len);
	if (c)
		return c;
	return x->col < y->col ? -1 : x->col > y->col;
}

static void free_keys(struct page_priv *p)
{
	for (size_t i = 0; i < p->nslots; i++)
		if (p->slots[i].learned)
			free((char *)p->slots[i].key);
	free(p->slots);
	free(p->index);
	p->slots = NULL;
	p->index = NULL;
	p->nslots = p->cap_slots = p->index_mask = 0;
	for (size_t i = 0; i < p->nkeys; i++)
		free(p->keys[i].key);
	free(p->keys);
	p->keys = NULL;
	p->nkeys = 0;
}

static int build_keys(struct page_priv *p, const struct odata_colspec *cols, size_t ncols)
{
	free_keys(p);
	p->keys = calloc(ncols ? ncols : 1, sizeof(*p->keys));
	if (!p->keys)
		return -1;
	for (size_t i = 0; i < ncols; i++) {
		struct dv_buf b;
		dv_buf_init(&b, 0);
		if (dv_buf_appends(&b, cols[i].property ? cols[i].property : "") != 0 ||
		    (cols[i].annotation &&
		     dv_buf_appendf(&b, "@%s", cols[i].annotation) != 0)) {
			dv_buf_free(&b);
			return -1;
		}
		p->keys[i].len = b.len;
		p->keys[i].key = dv_buf_steal(&b);
		p->keys[i].col = i;
		p->nkeys++;
		if (!p->keys[i].key)
			return -1;
	}
	qsort(p->keys, p->nkeys, sizeof(*p->keys), entry_cmp);
	if (build_slots(p) != 0)
		return -1;
	p->cols = cols;
	p->ncols = ncols;
	return 0;
}

static uint32_t key_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h;
}

/* The slot of key, or where it would go in the index (its value -1). */
static int32_t *index_probe(struct page_priv *p, const char *key, size_t len, uint32_t h)
{
	for (size_t i = h & p->index_mask;; i = (i + 1) & p->index_mask) {
		int32_t s = p->index[i];
		if (s < 0 || (p->slots[s].hash == h && p->slots[s].len == len &&
			      memcmp(p->slots[s].key, key, len) == 0))
			return &p->index[i];
	}
}

static int32_t add_slot(struct page_priv *p, int32_t *at, const char *key, size_t len,
			uint32_t h, size_t first, size_t count, int learned)
{
	struct key_slot *ks = &p->slots[p->nslots];
	ks->key = key;
	ks->len = len;
	ks->hash = h;
	ks->next = -1;
	ks->first = first;
	ks->count = count;
	ks->learned = learned;
	*at = (int32_t)p->nslots;
	return (int32_t)p->nslots++;
}

/* One slot per distinct key of the (sorted) key table, room for as many
 * learned keys again plus some, and an index at most half full. */
static int build_slots(struct page_priv *p)
{
	size_t isize = 64;
	p->cap_slots = 2 * p->nkeys + 64;
	while (isize < 2 * p->cap_slots)
		isize *= 2;
	p->slots = calloc(p->cap_slots, sizeof(*p->slots));
	p->index = malloc(isize * sizeof(*p->index));
	if (!p->slots || !p->index)
		return -1;
	memset(p->index, 0xff, isize * sizeof(*p->index));
	p->index_mask = isize - 1;
	p->row_first = p->prev = -1;
	for (size_t i = 0; i < p->nkeys;) {
		size_t n = 1;
		uint32_t h = key_hash(p->keys[i].key, p->keys[i].len);
		while (i + n < p->nkeys &&
		       key_cmp(p->keys[i + n].key, p->keys[i + n].len, p->keys[i].key,
			       p->keys[i].len) == 0)
			n++;
		add_slot(p, index_probe(p, p->keys[i].key, p->keys[i].len, h), p->keys[i].key,
			 p->keys[i].len, h, i, n, 0);
		i += n;
	}
	return 0;
}

/* The slot of a key not predicted: by hash, learned when new (-1 when the
 * table of learned keys is full or memory is short: the key fills nothing). */
static int32_t lookup_key(struct page_priv *p, const char *key, size_t len)
{
	uint32_t h = key_hash(key, len);
	int32_t *at = index_probe(p, key, len, h);
	char *copy;
	if (*at >= 0)
		return *at;
	if (p->nslots == p->cap_slots || !(copy = dv_strndup(key, len)))
		return -1;
	return add_slot(p, at, copy, len, h, 0, 0, 1);
}

/* Looks up the next key of the current row: first the key that followed
 * the previous one last time, else by hash. */
static void find_row_key(struct page_priv *p, const char *key, size_t len)
{
	int32_t s = p->prev < 0 ? p->row_first : p->slots[p->prev].next;
	if (s < 0 || p->slots[s].len != len || memcmp(p->slots[s].key, key, len) != 0) {
		s = lookup_key(p, key, len);
		if (p->prev < 0)
			p->row_first = s;
		else
			p->slots[p->prev].next = s;
	}
	if (s < 0) {
		p->cur_count = 0;
		return;
	}
	p->prev = s;
	p->cur_first = p->slots[s].first;
	p->cur_count = p->slots[s].count;
}

/* ---- cells ----------------------------------------------------------- */

static struct odata_cell *row_cell(struct odata_page *page, size_t col)
{
	return &page->cells[page->nrows * page->ncols + col];
}

static int start_row(struct odata_page *page, struct page_priv *p)
{
	if (page->nrows >= p->cap_rows) {
		size_t cap = p->cap_rows ? p->cap_rows * 2 : 64;
		size_t n = cap * (page->ncols ? page->ncols : 1);
		struct odata_cell *c = realloc(page->cells, n * sizeof(*c));
		if (!c)
			return -1;
		page->cells = c;
		p->cap_rows = cap;
	}
	/* Cell by cell, not one memset: memset's `rep stosb` costs an
	 * instruction per byte of a wide row (s = "", not NULL, keeps the
	 * compiler from making this loop a memset again). */
	for (struct odata_cell *c = row_cell(page, 0), *end = c + page->ncols; c < end; c++)
		*c = (struct odata_cell){.type = OC_NULL, .s = ""};
	return 0;
}

/* The text and its terminator at the end of the arena: one reserve (the
 * arena grows by doubling through dv_buf_append), one copy. */
static int set_text_cell(struct page_priv *p, struct odata_cell *c, const char *s, size_t len)
{
	struct dv_buf *a = &p->arena;
	size_t off = a->len;
	if (a->cap - off > len + 1 && a->data) {
		memcpy(a->data + off, s, len);
		a->data[off + len] = '\0';
		a->len = off + len + 1;
		a->data[a->len] = '\0';
	} else if (dv_buf_append(a, s, len) != 0 || dv_buf_appendc(a, '\0') != 0) {
		return -1;
	}
	c->type = OC_TEXT;
	c->i = (int64_t)off;
	c->len = len;
	return 0;
}

static int parse_int_text(const char *s, size_t len, int64_t *out)
{
	char tmp[32];
	if (dv_scan_int64(s, len, out) == 0)
		return 0;
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return dv_parse_int64(tmp, out);
}

static int parse_double_text(const char *s, size_t len, double *out)
{
	char tmp[64], *end;
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	if (dv_scan_double(s, len, out) == 0)
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	return *end || end == tmp ? -1 : 0;
}

/* A JSON number (its exact text) into a cell of the column's kind. */
static int number_cell(struct page_priv *p, struct odata_cell *c, enum odata_kind kind,
		       const char *s, size_t len)
{
	int64_t i;
	double d;
	switch (kind) {
	case ODATA_INT:
	case ODATA_BOOL:
		if (parse_int_text(s, len, &i) == 0) {
			c->type = OC_INT;
			c->i = kind == ODATA_BOOL ? i != 0 : i;
			return 0;
		}
		/* 1.5 or 1e30 in an integer column stays a double */
		__attribute__((fallthrough));
	case ODATA_DOUBLE:
		if (parse_double_text(s, len, &d) != 0)
			return set_text_cell(p, c, s, len);
		c->type = OC_DOUBLE;
		c->d = d;
		return 0;
	default:
		return set_text_cell(p, c, s, len);
	}
}

/* A JSON string into a cell: text, except that numeric kinds parse it
 * (v1 endpoints and IEEE754Compatible=true send numbers as strings). */
static int string_cell(struct page_priv *p, struct odata_cell *c, enum odata_kind kind,
		       const char *s, size_t len)
{
	if (kind == ODATA_BOOL && len == 4 && memcmp(s, "true", 4) == 0) {
		c->type = OC_INT;
		c->i = 1;
		return 0;
	}
	if (kind == ODATA_BOOL && len == 5 && memcmp(s, "false", 5) == 0) {
		c->type = OC_INT;
		c->i = 0;
		return 0;
	}
	if (kind == ODATA_INT || kind == ODATA_DOUBLE)
		return number_cell(p, c, kind, s, len); /* text when it is no number */
	return set_text_cell(p, c, s, len);
}

/* ---- yajl callbacks -------------------------------------------------- */

enum scalar { S_NULL, S_BOOL, S_NUMBER, S_STRING };

static int top_scalar(struct odata_page *page, struct page_priv *p, enum scalar t,
		      const char *s, size_t len)
{
	char **slot = NULL;
	int64_t n;
	if (p->top == TOP_COUNT && t == S_NUMBER && parse_int_text(s, len, &n) == 0)
		page->count = n;
	if (p->top == TOP_NEXT)
		slot = &page->next_link;
	else if (p->top == TOP_DELTA)
		slot = &page->delta_link;
	else if (p->top == TOP_COOKIE)
		slot = &page->paging_cookie;
	if (slot && t == S_STRING) {
		free(*slot);
		*slot = dv_strndup(s, len);
		if (!*slot)
			return -1;
	}
	return 0;
}

/* Inlined into each callback below, so that each gets its own copy for
 * its scalar type (one call per value instead of two, the type known). */
static inline __attribute__((always_inline)) int on_scalar(void *ctx, enum scalar t,
							   const char *s, size_t len, int b)
{
	struct odata_page *page = ctx;
	struct page_priv *p = page->priv;

	if (p->depth == 1) {
		if (p->top == TOP_MORE && t == S_BOOL)
			page->more_records = b;
		if (top_scalar(page, p, t, s, len) == 0)
			return 1;
		p->nomem = 1;
		return 0;
	}
	if (p->depth != 3 || !p->in_row)
		return 1;
	for (size_t k = 0; k < p->cur_count; k++) {
		size_t col = p->keys[p->cur_first + k].col;
		struct odata_cell *c = row_cell(page, col);
		enum odata_kind kind = p->cols[col].kind;
		int rc = 0;
		memset(c, 0, sizeof(*c));
		if (t == S_BOOL && kind == ODATA_STRING)
			rc = set_text_cell(p, c, b ? "true" : "false", b ? 4 : 5);
		else if (t == S_BOOL) {
			c->type = OC_INT;
			c->i = b;
		} else if (t == S_NUMBER)
			rc = number_cell(p, c, kind, s, len);
		else if (t == S_STRING)
			rc = string_cell(p, c, kind, s, len);
		if (rc != 0) {
			p->nomem = 1;
			return 0;
		}
	}
	p->cur_count = 0;
	return 1;
}

static int cb_null(void *ctx)
{
	return on_scalar(ctx, S_NULL, NULL, 0, 0);
}

static int cb_boolean(void *ctx, int b)
{
	return on_scalar(ctx, S_BOOL, NULL, 0, b);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	return on_scalar(ctx, S_NUMBER, s, len, 0);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return on_scalar(ctx, S_STRING, (const char *)s, len, 0);
}

static int cb_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct odata_page *page = ctx;
	struct page_priv *p = page->priv;
	const char *k = (const char *)key;

	if (p->depth == 1) {
		p->top = TOP_OTHER;
		if (len == 5 && memcmp(k, "value", 5) == 0)
			p->top = TOP_VALUE;
		else if (len == 15 && memcmp(k, "@odata.nextLink", 15) == 0)
			p->top = TOP_NEXT;
		else if (len == 16 && memcmp(k, "@odata.deltaLink", 16) == 0)
			p->top = TOP_DELTA;
		else if (len == 12 && memcmp(k, "@odata.count", 12) == 0)
			p->top = TOP_COUNT;
		else if (len == 44 && memcmp(k, "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie", 44) == 0)
			p->top = TOP_COOKIE;
		else if (len == 35 && memcmp(k, "@Microsoft.Dynamics.CRM.morerecords", 35) == 0)
			p->top = TOP_MORE;
	} else if (p->depth == 3 && p->in_row) {
		find_row_key(p, k, len);
	}
	return 1;
}

static int cb_start_map(void *ctx)
{
	struct odata_page *page = ctx;
	struct page_priv *p = page->priv;

	p->depth++;
	if (p->depth == 3 && p->in_value) {
		if (start_row(page, p) != 0) {
			p->nomem = 1;
			return 0;
		}
		p->in_row = 1;
		p->prev = -1;
	}
	p->cur_count = 0;
	return 1;
}

static int cb_end_map(void *ctx)
{
	struct odata_page *page = ctx;
	struct page_priv *p = page->priv;

	if (p->depth == 3 && p->in_row) {
		page->nrows++;
		p->in_row = 0;
	}
	p->depth--;
	p->cur_count = 0;
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct odata_page *page = ctx;
	struct page_priv *p = page->priv;

	p->depth++;
	if (p->depth == 2 && p->top == TOP_VALUE)
		p->in_value = 1;
	p->cur_count = 0;
	return 1;
}

static int cb_end_array(void *ctx)
{
	struct odata_page *page = ctx;
	struct page_priv *p = page->priv;

	if (p->depth == 2)
		p->in_value = 0;
	p->depth--;
	p->cur_count = 0;
	return 1;
}

static const yajl_callbacks callbacks = {
	cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

/* ---- page lifecycle -------------------------------------------------- */

static void reset_page(struct odata_page *page)
{
	struct page_priv *p = page->priv;
	page->nrows = 0;
	page->count = -1;
	dv_freep(&page->next_link);
	dv_freep(&page->delta_link);
	dv_freep(&page->paging_cookie);
	page->more_records = 0;
	dv_buf_reset(&p->arena);
	p->depth = 0;
	p->top = TOP_OTHER;
	p->in_value = 0;
	p->in_row = 0;
	p->cur_count = 0;
	p->nomem = 0;
}

int odata_page_begin(struct odata_page *page, const struct odata_colspec *cols, size_t ncols,
		     struct dv_error *err)
{
	struct page_priv *p = page->priv;
	if (!p) {
		memset(page, 0, sizeof(*page));
		p = calloc(1, sizeof(*p));
		if (!p)
			return dv_error_nomem(err);
		dv_buf_init(&p->arena, 0);
		page->priv = p;
	}
	if (p->cols != cols || p->ncols != ncols) {
		if (build_keys(p, cols, ncols) != 0)
			return dv_error_nomem(err);
		page->ncols = ncols;
		free(page->cells);
		page->cells = NULL;
		p->cap_rows = 0;
	}
	if (p->parser)
		yajl_free(p->parser);
	p->parser = yajl_alloc(&callbacks, NULL, page);
	if (!p->parser)
		return dv_error_nomem(err);
	p->err = err;
	reset_page(page);
	return 0;
}

static int parse_failure(struct odata_page *page, const char *json, size_t len,
			 struct dv_error *err)
{
	struct page_priv *p = page->priv;
	unsigned char *msg;
	if (p->nomem)
		return dv_error_nomem(err);
	msg = yajl_get_error(p->parser, 0, (const unsigned char *)json, len);
	dv_error_set(err, DV_S_HY000, 0, "invalid JSON in the service response: %.*s",
		     msg ? (int)strcspn((const char *)msg, "\r\n") : 1,
		     msg ? (const char *)msg : "?");
	yajl_free_error(p->parser, msg);
	return -1;
}

int odata_page_feed(struct odata_page *page, const char *data, size_t len,
		    struct dv_error *err)
{
	struct page_priv *p = page->priv;
	if (yajl_parse(p->parser, (const unsigned char *)data, len) != yajl_status_ok)
		return parse_failure(page, data, len, err);
	return 0;
}

/* Returns 0, -1 on invalid JSON, or 1 when the body ended early. */
int odata_page_finish(struct odata_page *page, struct dv_error *err)
{
	struct page_priv *p = page->priv;
	if (yajl_complete_parse(p->parser) != yajl_status_ok || p->depth != 0) {
		dv_error_set(err, DV_S_08S01, 0, "the service response ended in the middle of "
			     "the JSON body (connection closed early)");
		return 1;
	}
	for (size_t r = 0; r < page->nrows; r++)
		for (size_t c = 0; c < page->ncols; c++) {
			struct odata_cell *cell = &page->cells[r * page->ncols + c];
			if (cell->type == OC_TEXT) {
				cell->s = p->arena.data + cell->i;
				cell->i = 0;
			}
		}
	return 0;
}

int odata_page_parse(const char *json, size_t len, const struct odata_colspec *cols,
		     size_t ncols, struct odata_page *page, struct dv_error *err)
{
	if (odata_page_begin(page, cols, ncols, err) != 0)
		return -1;
	if (odata_page_feed(page, json, len, err) != 0)
		return -1;
	return odata_page_finish(page, err) == 0 ? 0 : -1;
}

void odata_page_free(struct odata_page *page)
{
	struct page_priv *p = page->priv;
	if (p) {
		if (p->parser)
			yajl_free(p->parser);
		free_keys(p);
		dv_buf_free(&p->arena);
		free(p);
	}
	free(page->cells);
	free(page->next_link);
	free(page->delta_link);
	free(page->paging_cookie);
	memset(page, 0, sizeof(*page));
}

/* ---- reading a page over HTTP --------------------------------------- */

struct read_ctx {
	struct odata_page *page;
	const struct odata_colspec *cols;
	size_t ncols;
	struct dv_error *err;
	int failed;
};

static int read_body(void *ctx, const char *data, size_t len)
{
	struct read_ctx *rc = ctx;
	if (odata_page_feed(rc->page, data, len, rc->err) != 0) {
		rc->failed = 1;
		return -1;
	}
	return 0;
}

static void read_restart(void *ctx)
{
	struct read_ctx *rc = ctx;
	odata_page_begin(rc->page, rc->cols, rc->ncols, rc->err);
}

static int read_once(struct dv_http *http, const char *url, const char *prefer,
		     struct read_ctx *ctx, struct dv_error *err)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_buf prefer_line;
	const char *headers[2] = {NULL, NULL};
	int rc;

	dv_buf_init(&prefer_line, 0);
	if (prefer && *prefer) {
		if (dv_buf_appendf(&prefer_line, "Prefer: %s", prefer) != 0)
			return dv_error_nomem(err);
		headers[0] = dv_buf_str(&prefer_line);
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.on_body = read_body;
	req.on_restart = read_restart;
	req.ctx = ctx;
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	rc = odata_page_begin(ctx->page, ctx->cols, ctx->ncols, err);
	if (rc == 0)
		rc = dv_http_send(http, &req, &resp, err);
	if (rc == 0)
		rc = odata_page_finish(ctx->page, err);
	dv_http_resp_free(&resp);
	dv_buf_free(&prefer_line);
	return rc;
}

int odata_page_read(struct dv_http *http, const char *url, const char *prefer,
		    const struct odata_colspec *cols, size_t ncols,
		    struct odata_page *page, struct dv_error *err)
{
	struct read_ctx ctx = {page, cols, ncols, err, 0};
	int rc = 1;
	for (int attempt = 0; attempt < PAGE_READ_ATTEMPTS && rc == 1; attempt++)
		rc = read_once(http, url, prefer, &ctx, err);
	return rc == 0 ? 0 : -1;
}
