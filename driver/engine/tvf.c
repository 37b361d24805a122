/* tvf.c - the state the table-valued functions share on one connection, and
 * which missing table names are theirs (see tvf.h).
 *
 * The state lives as long as the connection's SQLite database: it is the
 * aux data of the "dv_changes" module, freed by SQLite when the database
 * closes.  It holds, per entity, the token of the last change read that
 * reached its end (dv_last_change_token), and every FetchXML text a
 * statement of this connection named (a few per application: they are the
 * definitions of the tables "dv_fetchxml_<hash>", kept while those tables
 * exist, i.e. for the connection). */
#include "engine/engine_int.h"
#include "engine/tvf.h"

#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

struct tvf_item {
	char *key;        /* entity logical name, or dv_fetchxml_<hash> */
	char *value;      /* token, or FetchXML text */
	struct tvf_item *next;
};

struct tvf_state {
	struct dv_engine *eng;
	struct tvf_item *tokens;
	struct tvf_item *fetches;
};

static void items_free(struct tvf_item *it)
{
	while (it) {
		struct tvf_item *next = it->next;
		free(it->key);
		free(it->value);
		free(it);
		it = next;
	}
}

static void state_free(void *p)
{
	struct tvf_state *st = p;
	if (!st)
		return;
	items_free(st->tokens);
	items_free(st->fetches);
	free(st);
}

static struct tvf_item *find(struct tvf_item *it, const char *key)
{
	for (; it; it = it->next)
		if (dv_strcasecmp(it->key, key) == 0)
			return it;
	return NULL;
}

static int put(struct tvf_item **list, const char *key, const char *value)
{
	struct tvf_item *it = find(*list, key);
	char *v = value ? dv_strdup(value) : NULL;
	if (value && !v)
		return -1;
	if (!it) {
		it = calloc(1, sizeof(*it));
		if (!it || !(it->key = dv_strdup(key))) {
			free(it);
			free(v);
			return -1;
		}
		it->next = *list;
		*list = it;
	}
	free(it->value);
	it->value = v;
	return 0;
}

int tvf_set_token(struct tvf_state *st, const char *entity, const char *token)
{
	return put(&st->tokens, entity, token);
}

const char *tvf_get_token(const struct tvf_state *st, const char *entity)
{
	const struct tvf_item *it = find(st->tokens, entity);
	return it ? it->value : NULL;
}

struct dv_engine *tvf_engine(const struct tvf_state *st)
{
	return st->eng;
}

const char *tvf_fetch_text(const struct tvf_state *st, const char *name)
{
	const struct tvf_item *it = find(st->fetches, name);
	return it ? it->value : NULL;
}

int tvf_put_fetch(struct tvf_state *st, const char *name, const char *text)
{
	return put(&st->fetches, name, text);
}

int tvf_link_vtab(struct dv_engine *eng, const void *vtab, const struct dv_entity *e)
{
	struct vtab_ref *ref = malloc(sizeof(*ref));
	if (!ref)
		return -1;
	ref->vtab = vtab;
	ref->e = e;
	ref->next = eng->vtabs;
	eng->vtabs = ref;
	return 0;
}

void tvf_unlink_vtab(struct dv_engine *eng, const void *vtab)
{
	struct vtab_ref **pp;
	for (pp = &eng->vtabs; *pp; pp = &(*pp)->next) {
		if ((*pp)->vtab == vtab) {
			struct vtab_ref *dead = *pp;
			*pp = dead->next;
			free(dead);
			return;
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tvf_pct_decode(struct dv_buf *out, const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
			if (dv_buf_appendc(out, (char)(hi * 16 + lo)) != 0)
				return -1;
			i += 2;
		} else if (dv_buf_appendc(out, s[i]) != 0) {
			return -1;
		}
	}
	return 0;
}

int tvf_register(struct dv_engine *eng)
{
	struct tvf_state *st = calloc(1, sizeof(*st));
	int rc;
	if (!st)
		return SQLITE_NOMEM;
	st->eng = eng;
	/* the changes module owns st from here: freed when the database closes
	 * (also by sqlite3_create_module_v2 itself when it fails) */
	rc = tvf_changes_register(eng, st);
	if (rc != SQLITE_OK)
		return rc;
	eng->tvf = st;
	rc = tvf_fetchxml_register(eng, st);
	return rc != SQLITE_OK ? rc : tvf_function_register(eng, st);
}

void tvf_state_free(void *p)
{
	state_free(p);
}

int tvf_table_sql(struct dv_engine *eng, const char *name, char **sql, struct dv_error *err)
{
	static const char sfx[] = "_changes", fx[] = "dv_fetchxml_";
	size_t n = strlen(name), ns = sizeof(sfx) - 1;
	*sql = NULL;
	if (dv_strncasecmp(name, fx, sizeof(fx) - 1) == 0) {
		if (!eng->tvf || !tvf_fetch_text(eng->tvf, name))
			return 1;
		*sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.\"%w\" USING dv_fetchxml(\"%w\")",
				       name, name);
		return *sql ? 0 : dv_error_nomem(err);
	}
	if (n > ns && dv_strcasecmp(name + n - ns, sfx) == 0) {
		const struct dv_entity *e;
		char *entity = dv_strndup(name, n - ns);
		struct dv_error ignored;
		int rc;
		if (!entity)
			return dv_error_nomem(err);
		dv_error_clear(&ignored);
		rc = dv_catalog_entity(eng->cat, entity, &e, &ignored);
		free(entity);
		if (rc != 0)
			return 1;
		if (!e->change_tracking)
			return dv_error_set(err, DV_S_42000, 0, "%s: change tracking is not enabled "
					    "for table %s, so the service cannot tell what changed; "
					    "turn on ChangeTrackingEnabled (\"Track changes\" under the "
					    "table's Advanced options in make.powerapps.com), or read the "
					    "whole table with SELECT ... FROM %s", name,
					    e->logical_name, e->logical_name);
		*sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.\"%w\" USING dv_changes(\"%w\")",
				       name, e->logical_name);
		return *sql ? 0 : dv_error_nomem(err);
	}
	return tvf_function_sql(eng, name, sql, err);
}

void tvf_rows_clear(struct tvf_rows *r, size_t ncols)
{
	for (size_t i = 0; i < r->rows * ncols; i++)
		if (r->cells[i].type == OC_TEXT)
			free((char *)r->cells[i].s);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

int tvf_rows_add(struct tvf_rows *r, const struct odata_cell *row, size_t ncols)
{
	struct odata_cell *dst;
	if (r->rows == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct odata_cell *p = realloc(r->cells, cap * (ncols ? ncols : 1) * sizeof(*p));
		if (!p)
			return -1;
		r->cells = p;
		r->cap = cap;
	}
	dst = &r->cells[r->rows * ncols];
	for (size_t i = 0; i < ncols; i++) {
		dst[i] = row[i];
		if (row[i].type == OC_TEXT && !(dst[i].s = dv_strndup(row[i].s, row[i].len))) {
			while (i-- > 0)
				if (dst[i].type == OC_TEXT)
					free((char *)dst[i].s);
			return -1;
		}
	}
	r->rows++;
	return 0;
}
