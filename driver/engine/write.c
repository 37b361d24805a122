/* write.c - rows changed through the virtual table -> queued operations.
 *
 * HOW IT WORKS: SQLite calls xUpdate once per row (https://www.sqlite.org/vtab.html#xupdate):
 *   argc == 1                     DELETE of the row whose rowid is argv[0]
 *   argv[0] NULL                  INSERT (sqlite3_vtab_on_conflict says OR REPLACE)
 *   otherwise                     UPDATE of rowid argv[0]; argv[2..] the new values,
 *                                 sqlite3_value_nochange() on columns not in SET
 * Rowids handed out during a write statement index eng->keys, which holds
 * the primary key (and, for intersect rows, the two related ids) of the row.
 * Each row becomes one write_op (spec section 8):
 *   INSERT            POST <set> {body}; a given primary key is the new id,
 *                     else one the driver chooses (own_id: exactly-once creates)
 *   INSERT OR REPLACE PATCH <set>(<id>) without If-Match (upsert)
 *   UPDATE            PATCH <set>(<id>) + If-Match: * with only the SET columns
 *   DELETE            DELETE <set>(<id>)
 *   intersect INSERT  POST <set1>(<id1>)/<nav1>/$ref {"@odata.id":"<api><set2>(<id2>)"}
 *   intersect DELETE  DELETE <set1>(<id1>)/<nav1>(<id2>)/$ref
 * Lookups are written as "<nav>@odata.bind":"/<set>(<id>)", nav being the
 * relationship's case-sensitive ReferencingEntityNavigationPropertyName;
 * the target of a polymorphic lookup comes from the value written as
 * 'account(<guid>)' / 'accounts(<guid>)', else the companion <lookup>type
 * column of the same row, else the lookup's only target.
 * Refused before any request (42000, naming the column): columns not valid
 * for create/update, companion name columns, changing the primary key,
 * UPDATE of intersect rows; values that cannot be converted -> 22018. */
#include "engine/engine_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "http/http.h"
#include "odata/odata.h"
#include "util/strutil.h"

enum body_mode { BODY_CREATE, BODY_UPDATE };

/* ---- keys behind rowids ---- */

static uint32_t key_hash(const struct row_key *k)
{
	uint32_t h = 2166136261u; /* FNV-1a over the three key strings */
	const char *parts[3] = {k->pk, k->ref[0], k->ref[1]};
	for (int i = 0; i < 3; i++) {
		for (const char *c = parts[i]; *c; c++)
			h = (h ^ (unsigned char)*c) * 16777619u;
		h = (h ^ 0xff) * 16777619u;
	}
	return h;
}

static int key_same(const struct row_key *a, const struct row_key *b)
{
	return strcmp(a->pk, b->pk) == 0 && strcmp(a->ref[0], b->ref[0]) == 0 &&
	       strcmp(a->ref[1], b->ref[1]) == 0;
}

/* Slot of k in the index: its own (holding a rowid) or the empty one to use. */
static size_t key_slot(const struct dv_engine *eng, const struct row_key *k)
{
	size_t mask = eng->nslots - 1, i = key_hash(k) & mask;
	while (eng->key_slots[i] && !key_same(&eng->keys[eng->key_slots[i] - 1], k))
		i = (i + 1) & mask;
	return i;
}

/* Keeps the index at most half full (sizes are powers of two). */
static int key_index_grow(struct dv_engine *eng)
{
	size_t n = eng->nslots ? eng->nslots * 2 : 128;
	uint32_t *slots;
	if (eng->nslots && eng->nkeys * 2 < eng->nslots)
		return 0;
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -1;
	free(eng->key_slots);
	eng->key_slots = slots;
	eng->nslots = n;
	for (size_t r = 0; r < eng->nkeys; r++)
		if (eng->keys[r].pk[0] || eng->keys[r].ref[0][0])
			eng->key_slots[key_slot(eng, &eng->keys[r])] = (uint32_t)(r + 1);
	return 0;
}

void write_keys_reset_if_idle(struct dv_engine *eng, sqlite3_stmt *stmt)
{
	for (sqlite3_stmt *s = sqlite3_next_stmt(eng->db, NULL); s;
	     s = sqlite3_next_stmt(eng->db, s))
		if (s != stmt && sqlite3_stmt_busy(s))
			return; /* another statement may still use its rowids */
	eng->nkeys = 0;
	if (eng->key_slots)
		memset(eng->key_slots, 0, eng->nslots * sizeof(*eng->key_slots));
}

sqlite3_int64 write_key_rowid(struct dv_engine *eng, const struct dv_entity *e,
			      const char *pk, const char *ref1, const char *ref2)
{
	struct row_key key, *k;
	size_t slot = 0;
	int keyed;
	(void)e;
	memset(&key, 0, sizeof(key));
	dv_strlcpy(key.pk, pk ? pk : "", sizeof(key.pk));
	dv_strlcpy(key.ref[0], ref1 ? ref1 : "", sizeof(key.ref[0]));
	dv_strlcpy(key.ref[1], ref2 ? ref2 : "", sizeof(key.ref[1]));
	keyed = key.pk[0] || key.ref[0][0];
	if (keyed) {
		if (eng->nkeys >= UINT32_MAX - 1 || key_index_grow(eng) != 0)
			return 0;
		slot = key_slot(eng, &key);
		if (eng->key_slots[slot])
			return (sqlite3_int64)eng->key_slots[slot];
	}
	if (eng->nkeys == eng->capkeys) {
		size_t cap = eng->capkeys ? eng->capkeys * 2 : 64;
		struct row_key *p = realloc(eng->keys, cap * sizeof(*p));
		if (!p)
			return 0;
		eng->keys = p;
		eng->capkeys = cap;
	}
	k = &eng->keys[eng->nkeys++];
	*k = key;
	if (keyed)
		eng->key_slots[slot] = (uint32_t)eng->nkeys;
	return (sqlite3_int64)eng->nkeys;
}

static const struct row_key *key_of(struct dv_engine *eng, sqlite3_value *rowid)
{
	sqlite3_int64 r = sqlite3_value_int64(rowid);
	if (r < 1 || (size_t)r > eng->nkeys || !eng->keys[r - 1].pk[0])
		return NULL;
	return &eng->keys[r - 1];
}

/* ---- N:N relationships ---- */

static char *tree_str(yajl_val o, const char *name)
{
	const char *path[] = {name, NULL};
	yajl_val v = yajl_tree_get(o, path, yajl_t_string);
	return v ? dv_strdup(YAJL_GET_STRING(v)) : NULL;
}

static void nn_free(struct nn_rel *r)
{
	int i;
	free(r->intersect);
	for (i = 0; i < 2; i++) {
		free(r->entity[i]);
		free(r->attr[i]);
		free(r->nav[i]);
	}
	free(r);
}

static struct nn_rel *nn_parse(const char *body, const char *intersect)
{
	static const char *value_path[] = {"value", NULL};
	char errbuf[128];
	yajl_val root = yajl_tree_parse(body, errbuf, sizeof(errbuf));
	yajl_val list = root ? yajl_tree_get(root, value_path, yajl_t_array) : NULL;
	struct nn_rel *r = NULL;
	size_t i;
	for (i = 0; list && i < YAJL_GET_ARRAY(list)->len && !r; i++) {
		yajl_val o = YAJL_GET_ARRAY(list)->values[i];
		char *name = tree_str(o, "IntersectEntityName");
		if (name && dv_strcasecmp(name, intersect) == 0 && (r = calloc(1, sizeof(*r)))) {
			r->intersect = name;
			name = NULL;
			r->entity[0] = tree_str(o, "Entity1LogicalName");
			r->entity[1] = tree_str(o, "Entity2LogicalName");
			r->attr[0] = tree_str(o, "Entity1IntersectAttribute");
			r->attr[1] = tree_str(o, "Entity2IntersectAttribute");
			r->nav[0] = tree_str(o, "Entity1NavigationPropertyName");
			r->nav[1] = tree_str(o, "Entity2NavigationPropertyName");
			if (!r->entity[0] || !r->entity[1] || !r->attr[0] || !r->attr[1] ||
			    !r->nav[0] || !r->nav[1]) {
				nn_free(r);
				r = NULL;
			}
		}
		free(name);
	}
	yajl_tree_free(root);
	return r;
}

int write_nn_rel(struct dv_engine *eng, const struct dv_entity *e,
		 const struct nn_rel **out, struct dv_error *err)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_buf url;
	struct nn_rel *r;
	int rc;
	for (r = eng->nn; r; r = r->next) {
		if (dv_strcasecmp(r->intersect, e->logical_name) == 0) {
			*out = r;
			return 0;
		}
	}
	dv_buf_init(&url, 0);
	dv_buf_appendf(&url, "%sEntityDefinitions(LogicalName='%s')/ManyToManyRelationships"
		       "?$select=IntersectEntityName,Entity1LogicalName,"
		       "Entity1IntersectAttribute,Entity1NavigationPropertyName,"
		       "Entity2LogicalName,Entity2IntersectAttribute,"
		       "Entity2NavigationPropertyName", eng->api_base, e->logical_name);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = dv_buf_str(&url);
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	rc = dv_http_send(eng->http, &req, &resp, err);
	r = rc == 0 ? nn_parse(dv_buf_str(&resp.body), e->logical_name) : NULL;
	dv_http_resp_free(&resp);
	dv_buf_free(&url);
	if (rc != 0)
		return -1;
	if (!r)
		return dv_error_set(err, DV_S_42000, 0, "table %s is an intersect table but its "
				    "many-to-many relationship is not in the metadata",
				    e->logical_name);
	r->next = eng->nn;
	eng->nn = r;
	*out = r;
	return 0;
}

void write_free_state(struct dv_engine *eng)
{
	size_t i;
	while (eng->nn) {
		struct nn_rel *next = eng->nn->next;
		nn_free(eng->nn);
		eng->nn = next;
	}
	for (i = 0; i < eng->nops; i++) {
		free(eng->ops[i].path);
		free(eng->ops[i].body);
		free(eng->ops[i].check);
	}
	free(eng->ops);
	free(eng->keys);
	free(eng->key_slots);
	flush_reset_outcomes(eng);
	free(eng->outcomes);
}

/* ---- the queue ---- */

/* Operations queued in autocommit before they go: WRITE_PARALLEL_BATCHES
 * $batch requests' worth, sent at once. */
#define WRITE_AUTOCOMMIT_FLUSH (WRITE_PARALLEL_BATCHES * WRITE_BATCH_MAX)

/* e: the record's entity (creates, updates, deletes), so that a lost answer
 * can be checked by id; check: the (dis)association's check query. */
static int queue_op(struct dv_engine *eng, enum wop_kind kind, long row, char *path,
		    char *body, const char *id, const struct dv_entity *e, char *check,
		    struct dv_error *err)
{
	struct write_op *op;
	if (!path || (eng->nops == eng->capops && eng->capops > ((size_t)-1) / 4)) {
		free(path);
		free(body);
		free(check);
		return dv_error_nomem(err);
	}
	if (eng->nops == eng->capops) {
		size_t cap = eng->capops ? eng->capops * 2 : 64;
		struct write_op *p = realloc(eng->ops, cap * sizeof(*p));
		if (!p) {
			free(path);
			free(body);
			free(check);
			return dv_error_nomem(err);
		}
		eng->ops = p;
		eng->capops = cap;
	}
	op = &eng->ops[eng->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->row = row;
	op->path = path;
	op->body = body;
	dv_strlcpy(op->id, id ? id : "", sizeof(op->id));
	op->set = e ? e->entity_set : NULL;
	op->pk_name = e ? e->primary_id : NULL;
	op->check = check;
	if (!eng->autocommit)
		eng->pending++;
	eng->changes++;   /* provisional: flush.c sets the true count */
	/* autocommit: two full batches go now (at once, flush.c), the statement
	 * or array goes on */
	if (eng->autocommit && eng->nops >= WRITE_AUTOCOMMIT_FLUSH)
		return flush_queue(eng, 0, err);
	return 0;
}

static char *record_path(const struct dv_entity *e, const char *id)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	dv_buf_appendf(&b, "%s(%s)", e->entity_set, id);
	return b.data ? dv_buf_steal(&b) : NULL;
}

/* ---- values ---- */

static int is_guid_text(const char *s, size_t n)
{
	size_t i;
	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		int hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
			  (ch >= 'A' && ch <= 'F');
		if (dash ? ch != '-' : !hex)
			return 0;
	}
	return 1;
}

static void lower_guid(char out[37], const char *s)
{
	size_t i;
	for (i = 0; i < 36; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] + 32) : s[i];
	out[36] = '\0';
}

/* A GUID value (text), lowercased into out; -1 when it is not one. */
static int guid_value(sqlite3_value *v, char out[37])
{
	const char *s = (const char *)sqlite3_value_text(v);
	if (sqlite3_value_type(v) != SQLITE_TEXT || !s || !is_guid_text(s, strlen(s)))
		return -1;
	lower_guid(out, s);
	return 0;
}

static const struct dv_entity *entity_named(struct dv_engine *eng, const char *name,
					    size_t n)
{
	const struct dv_entity *const *list;
	size_t count, i;
	struct dv_error err;
	if (dv_catalog_entities(eng->cat, &list, &count, &err) != 0)
		return NULL;
	for (i = 0; i < count; i++) {
		const struct dv_entity *e = list[i];
		if ((strlen(e->logical_name) == n && dv_strncasecmp(e->logical_name, name, n) == 0) ||
		    (strlen(e->entity_set) == n && dv_strncasecmp(e->entity_set, name, n) == 0))
			return e;
	}
	return NULL;
}

static const struct dv_relationship *relationship_of(const struct dv_entity *e,
						     const char *attr, const char *target)
{
	size_t i;
	for (i = 0; i < e->nmany_to_one; i++) {
		const struct dv_relationship *r = &e->many_to_one[i];
		if (dv_strcasecmp(r->referencing_attribute, attr) == 0 &&
		    (!target || dv_strcasecmp(r->referenced_entity, target) == 0))
			return r;
	}
	return NULL;
}

/* The target entity of a lookup value: "account(<guid>)" form, the type
 * hint, or the only target. */
static const char *lookup_target(struct dv_engine *eng, const struct dv_entity *e,
				 const struct dv_column *c, const char **text, size_t *n,
				 const char *hint, struct dv_error *err)
{
	const char *paren = memchr(*text, '(', *n);
	const struct dv_entity *t;
	const struct dv_relationship *only = NULL;
	size_t i, rels = 0;
	if (paren && (*text)[*n - 1] == ')') {
		const char *name = *text;
		size_t len = (size_t)(paren - name);
		if (len > 0 && name[0] == '/')
			name++, len--;
		t = entity_named(eng, name, len);
		if (!t) {
			dv_error_set(err, DV_S_42000, 0, "column %s: '%.*s' is not a table",
				     c->name, (int)len, name);
			return NULL;
		}
		*n = (size_t)(*text + *n - 1 - (paren + 1));
		*text = paren + 1;
		return t->logical_name;
	}
	if (hint)
		return hint;
	if (c->ntargets == 1)
		return c->targets[0];
	for (i = 0; i < e->nmany_to_one; i++) {
		if (dv_strcasecmp(e->many_to_one[i].referencing_attribute, c->logical_name) == 0) {
			if (!only || dv_strcasecmp(only->referenced_entity,
						   e->many_to_one[i].referenced_entity) != 0)
				rels++;
			only = &e->many_to_one[i];
		}
	}
	if (rels == 1)
		return only->referenced_entity;
	dv_error_set(err, DV_S_42000, 0, "column %s can reference several tables: write the "
		     "value as '<table>(<guid>)' (e.g. 'account(%s)') or set %stype in the same "
		     "statement", c->name, "00000000-0000-0000-0000-000000000000", c->name);
	return NULL;
}

/* "<nav>@odata.bind":"/<set>(<guid>)" or null. */
static int lookup_bind(struct dv_engine *eng, const struct dv_entity *e,
		       const struct dv_column *c, sqlite3_value *v, const char *hint,
		       struct dv_buf *body, struct dv_error *err)
{
	const struct dv_relationship *r;
	const struct dv_entity *t;
	const char *text, *target;
	size_t n;
	char id[37];
	if (sqlite3_value_type(v) == SQLITE_NULL) {
		r = relationship_of(e, c->logical_name, hint);
		if (!r)
			return dv_error_set(err, DV_S_42000, 0, "column %s: no relationship "
					    "found for the lookup", c->name);
		dv_buf_appendf(body, "\"%s@odata.bind\":null", r->navigation_property);
		return 0;
	}
	text = (const char *)sqlite3_value_text(v);
	n = text ? strlen(text) : 0;
	if (!text || sqlite3_value_type(v) != SQLITE_TEXT)
		return dv_error_set(err, DV_S_22018, 0, "column %s: a lookup takes a GUID",
				    c->name);
	target = lookup_target(eng, e, c, &text, &n, hint, err);
	if (!target)
		return -1;
	if (!is_guid_text(text, n))
		return dv_error_set(err, DV_S_22018, 0, "column %s: '%.*s' is not a GUID",
				    c->name, (int)n, text);
	lower_guid(id, text);
	r = relationship_of(e, c->logical_name, target);
	t = entity_named(eng, target, strlen(target));
	if (!r || !t)
		return dv_error_set(err, DV_S_42000, 0, "column %s cannot reference table %s",
				    c->name, target);
	dv_buf_appendf(body, "\"%s@odata.bind\":\"/%s(%s)\"", r->navigation_property,
		       t->entity_set, id);
	return 0;
}

/* The companion <lookup>type value of the same row, or NULL. */
static const char *type_hint(const struct dv_entity *e, const struct dv_column *c,
			     sqlite3_value **vals, enum body_mode mode)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++) {
		const struct dv_column *o = &e->columns[i];
		if (o->role != DV_COL_TYPE || strcmp(o->logical_name, c->logical_name) != 0)
			continue;
		if (sqlite3_value_type(vals[i]) == SQLITE_NULL ||
		    (mode == BODY_UPDATE && sqlite3_value_nochange(vals[i])))
			return NULL;
		return (const char *)sqlite3_value_text(vals[i]);
	}
	return NULL;
}

static int read_only(const struct dv_entity *e, const struct dv_column *c, enum body_mode mode,
		     struct dv_error *err)
{
	const char *what = mode == BODY_CREATE ? "create" : "update";
	if (c->role == DV_COL_NAME)
		return dv_error_set(err, DV_S_42000, 0, "column %s of table %s cannot be set: it "
				    "is the display name of %s (read-only)", c->name,
				    e->logical_name, c->logical_name);
	return dv_error_set(err, DV_S_42000, 0, "column %s of table %s cannot be set: it is "
			    "read-only (not valid for %s)", c->name, e->logical_name, what);
}

/* Appends ,"prop":value for every column to send. *pk gets the primary key
 * value when one is given. */
static int build_body(struct dv_engine *eng, const struct dv_entity *e, sqlite3_value **vals,
		      enum body_mode mode, int pk_in_body, char pk[37], struct dv_buf *body,
		      struct dv_error *err)
{
	size_t i, start;
	pk[0] = '\0';
	dv_buf_appendc(body, '{');
	for (i = 0; i < e->ncolumns; i++) {
		const struct dv_column *c = &e->columns[i];
		sqlite3_value *v = vals[i];
		int null = sqlite3_value_type(v) == SQLITE_NULL;
		if (mode == BODY_UPDATE && sqlite3_value_nochange(v))
			continue;
		if (c->role == DV_COL_TYPE || (mode == BODY_CREATE && null))
			continue;  /* a type is only a hint; NULL on create = not set */
		if (c->is_primary_id && c->role == DV_COL_VALUE) {
			if (mode == BODY_UPDATE)
				return dv_error_set(err, DV_S_42000, 0, "column %s of table %s is "
						    "the primary key and cannot be changed",
						    c->name, e->logical_name);
			if (guid_value(v, pk) != 0)
				return dv_error_set(err, DV_S_22018, 0, "column %s: not a GUID",
						    c->name);
			if (!pk_in_body)
				continue;
		} else if (c->role == DV_COL_NAME ||
			   !(mode == BODY_CREATE ? c->creatable : c->updatable)) {
			return read_only(e, c, mode, err);
		}
		start = body->len;
		if (body->len > 1)
			dv_buf_appendc(body, ',');
		if (c->attr_type == DV_ATTR_LOOKUP || c->attr_type == DV_ATTR_CUSTOMER ||
		    c->attr_type == DV_ATTR_OWNER) {
			if (lookup_bind(eng, e, c, v, type_hint(e, c, vals, mode), body, err) != 0)
				return -1;
			continue;
		}
		value_json_string(body, c->logical_name, strlen(c->logical_name));
		dv_buf_appendc(body, ':');
		if (value_to_json(c, v, body) != 0) {
			body->len = start;
			return dv_error_set(err, DV_S_22018, 0, "column %s of table %s: the value "
					    "'%s' cannot be written as %s", c->name,
					    e->logical_name,
					    sqlite3_value_type(v) == SQLITE_BLOB
						    ? "(binary)"
						    : (const char *)sqlite3_value_text(v),
					    c->type_name);
		}
	}
	return dv_buf_appendc(body, '}');
}

/* ---- the operations ---- */

static long next_row(struct dv_engine *eng)
{
	eng->stmt_rows++;
	return eng->param_row > 0 ? eng->param_row : eng->stmt_rows;
}

/* Value of column `attr` (logical name) among vals, as a GUID. */
static int intersect_id(const struct dv_entity *e, sqlite3_value **vals, const char *attr,
			char out[37], struct dv_error *err)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++) {
		const struct dv_column *c = &e->columns[i];
		if (c->role != DV_COL_VALUE || dv_strcasecmp(c->logical_name, attr) != 0)
			continue;
		if (guid_value(vals[i], out) != 0)
			return dv_error_set(err, DV_S_22018, 0, "column %s of intersect table %s "
					    "needs a GUID", c->name, e->logical_name);
		return 0;
	}
	return dv_error_set(err, DV_S_42S22, 0, "intersect table %s has no column %s",
			    e->logical_name, attr);
}

/* The query that finds the pair (id1, id2) in the intersect entity's own
 * (read-only) entity set: one row when they are associated, none when not. */
static char *pair_check(const struct dv_entity *x, const struct nn_rel *r, const char *id1,
			const char *id2)
{
	struct dv_buf q;
	dv_buf_init(&q, 0);
	dv_buf_appendf(&q, "%s?$select=%s&$filter=%s%%20eq%%20%s%%20and%%20%s%%20eq%%20%s",
		       x->entity_set, r->attr[0], r->attr[0], id1, r->attr[1], id2);
	return q.data ? dv_buf_steal(&q) : NULL;
}

static int queue_associate(struct dv_engine *eng, const struct dv_entity *e,
			   sqlite3_value **vals, long row, struct dv_error *err)
{
	const struct nn_rel *r;
	const struct dv_entity *e1, *e2;
	char id1[37], id2[37];
	struct dv_buf path, body;
	if (write_nn_rel(eng, e, &r, err) != 0 || intersect_id(e, vals, r->attr[0], id1, err) ||
	    intersect_id(e, vals, r->attr[1], id2, err))
		return -1;
	e1 = entity_named(eng, r->entity[0], strlen(r->entity[0]));
	e2 = entity_named(eng, r->entity[1], strlen(r->entity[1]));
	if (!e1 || !e2)
		return dv_error_set(err, DV_S_42S02, 0, "the tables of %s are unknown",
				    e->logical_name);
	dv_buf_init(&path, 0);
	dv_buf_init(&body, 0);
	dv_buf_appendf(&path, "%s(%s)/%s/$ref", e1->entity_set, id1, r->nav[0]);
	dv_buf_appendf(&body, "{\"@odata.id\":\"%s%s(%s)\"}", eng->api_base, e2->entity_set,
		       id2);
	return queue_op(eng, WOP_ASSOCIATE, row, dv_buf_steal(&path), dv_buf_steal(&body),
			"", NULL, pair_check(e, r, id1, id2), err);
}

/* ---- upsert by alternate key ---- */

/* The value column of attribute attr in e, or NULL. */
static const struct dv_column *value_column(const struct dv_entity *e, const char *attr,
					    size_t *index)
{
	size_t i;
	for (i = 0; i < e->ncolumns; i++) {
		if (e->columns[i].role == DV_COL_VALUE &&
		    dv_strcasecmp(e->columns[i].logical_name, attr) == 0) {
			*index = i;
			return &e->columns[i];
		}
	}
	return NULL;
}

/* One key part "attr=<literal>" of an alternate-key segment: strings quoted
 * with '' doubled (URL-encoded), GUIDs and numbers bare.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-entity-using-web-api#retrieve-using-an-alternate-key */
static int key_part(const struct dv_column *c, sqlite3_value *v, struct dv_buf *path)
{
	struct dv_buf json;
	char guid[37];
	const char *t;
	int rc = 0;
	dv_buf_appendf(path, "%s=", c->logical_name);
	switch (c->attr_type) {
	case DV_ATTR_STRING: case DV_ATTR_MEMO:
		dv_buf_appendc(path, '\'');
		for (t = (const char *)sqlite3_value_text(v); t && *t; t++) {
			if (*t == '\'')
				dv_buf_appends(path, "''");
			else
				dv_url_encode(path, t, 1);
		}
		return dv_buf_appendc(path, '\'');
	case DV_ATTR_GUID: case DV_ATTR_LOOKUP: case DV_ATTR_CUSTOMER: case DV_ATTR_OWNER:
		if (guid_value(v, guid) != 0)
			return -1;
		return dv_buf_appends(path, guid);
	default:
		dv_buf_init(&json, 0);
		rc = value_to_json(c, v, &json);
		t = dv_buf_str(&json);
		if (rc == 0 && t[0] == '"') /* dates: bare in a key */
			rc = dv_url_encode(path, t + 1, json.len - 2);
		else if (rc == 0)
			rc = dv_url_encode(path, t, json.len);
		dv_buf_free(&json);
		return rc;
	}
}

/* "<set>(a='x',b=2)" for the first active alternate key whose attributes all
 * have a value in the row; NULL (42000 in err) when no key is complete. */
static char *alt_key_path(const struct dv_entity *e, const struct dv_alt_key *keys, size_t nkeys,
			  sqlite3_value **vals, struct dv_error *err)
{
	struct dv_buf path;
	size_t k, a, idx;
	for (k = 0; k < nkeys; k++) {
		const struct dv_alt_key *key = &keys[k];
		dv_buf_init(&path, 0);
		dv_buf_appendf(&path, "%s(", e->entity_set);
		for (a = 0; a < key->nattributes; a++) {
			const struct dv_column *c = value_column(e, key->attributes[a], &idx);
			if (!c || sqlite3_value_type(vals[idx]) == SQLITE_NULL)
				break;
			if (a > 0)
				dv_buf_appendc(&path, ',');
			if (key_part(c, vals[idx], &path) != 0) {
				dv_buf_free(&path);
				dv_error_set(err, DV_S_22018, 0, "column %s of table %s: the "
					     "value cannot be used in the alternate key %s",
					     c->name, e->logical_name, key->logical_name);
				return NULL;
			}
		}
		if (a == key->nattributes && dv_buf_appendc(&path, ')') == 0)
			return dv_buf_steal(&path);
		dv_buf_free(&path);
	}
	dv_error_set(err, DV_S_42000, 0, "INSERT OR REPLACE into %s (upsert) needs the primary "
		     "key column %s or every column of an alternate key", e->logical_name,
		     e->primary_id);
	return NULL;
}

/* Upsert without the primary key: PATCH <set>(<alternate key>) without If-Match. */
static int queue_upsert_by_alt_key(struct dv_engine *eng, const struct dv_entity *e,
				   sqlite3_value **vals, long row, char *body,
				   struct dv_error *err)
{
	const struct dv_alt_key *keys;
	size_t nkeys;
	char *path;
	if (dv_catalog_entity_keys(eng->cat, e, &keys, &nkeys, err) != 0) {
		free(body);
		return -1;
	}
	path = alt_key_path(e, keys, nkeys, vals, err);
	if (!path) {
		free(body);
		return -1;
	}
	return queue_op(eng, WOP_UPSERT, row, path, body, "", e, NULL, err);
}

/* A create without a given primary key gets one chosen here, in its body
 * (the service takes a primary key on create), so the record's id is known
 * before the request goes: a re-sent create can never make a second record,
 * and after a lost answer the record can be looked up (verify.c).
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api
 * body is "{...}"; 0, or -1 when out of memory. */
static int own_id(const struct dv_entity *e, char pk[37], struct dv_buf *body)
{
	odata_new_guid(pk);
	body->len--; /* the closing brace */
	if (body->len > 1)
		dv_buf_appendc(body, ',');
	value_json_string(body, e->primary_id, strlen(e->primary_id));
	dv_buf_appendf(body, ":\"%s\"}", pk);
	return body->data ? 0 : -1;
}

static int queue_insert(struct dv_engine *eng, const struct dv_entity *e,
			sqlite3_value **vals, long row, struct dv_error *err)
{
	int upsert = sqlite3_vtab_on_conflict(eng->db) == SQLITE_REPLACE;
	struct dv_buf body;
	char pk[37];
	if (e->is_intersect)
		return queue_associate(eng, e, vals, row, err);
	dv_buf_init(&body, 0);
	if (build_body(eng, e, vals, BODY_CREATE, !upsert, pk, &body, err) != 0) {
		dv_buf_free(&body);
		return -1;
	}
	if (!upsert) {
		if (!pk[0] && e->primary_id && own_id(e, pk, &body) != 0) {
			dv_buf_free(&body);
			return dv_error_nomem(err);
		}
		return queue_op(eng, WOP_CREATE, row, dv_strdup(e->entity_set),
				dv_buf_steal(&body), pk, e, NULL, err);
	}
	if (!pk[0])
		return queue_upsert_by_alt_key(eng, e, vals, row, dv_buf_steal(&body), err);
	return queue_op(eng, WOP_UPSERT, row, record_path(e, pk), dv_buf_steal(&body), pk, e,
			NULL, err);
}

static int queue_update(struct dv_engine *eng, const struct dv_entity *e,
			const struct row_key *k, sqlite3_value **vals, long row,
			struct dv_error *err)
{
	struct dv_buf body;
	char pk[37];
	if (e->is_intersect)
		return dv_error_set(err, DV_S_42000, 0, "rows of the intersect table %s cannot be "
				    "updated: DELETE and INSERT them", e->logical_name);
	dv_buf_init(&body, 0);
	if (build_body(eng, e, vals, BODY_UPDATE, 0, pk, &body, err) != 0) {
		dv_buf_free(&body);
		return -1;
	}
	return queue_op(eng, WOP_UPDATE, row, record_path(e, k->pk), dv_buf_steal(&body), k->pk,
			e, NULL, err);
}

static int queue_delete(struct dv_engine *eng, const struct dv_entity *e,
			const struct row_key *k, long row, struct dv_error *err)
{
	const struct nn_rel *r;
	const struct dv_entity *e1;
	struct dv_buf path;
	if (!e->is_intersect)
		return queue_op(eng, WOP_DELETE, row, record_path(e, k->pk), NULL, k->pk, e, NULL,
				err);
	if (write_nn_rel(eng, e, &r, err) != 0)
		return -1;
	e1 = entity_named(eng, r->entity[0], strlen(r->entity[0]));
	if (!e1 || !k->ref[0][0] || !k->ref[1][0])
		return dv_error_set(err, DV_S_HY000, 0, "intersect row of %s without its ids",
				    e->logical_name);
	dv_buf_init(&path, 0);
	dv_buf_appendf(&path, "%s(%s)/%s(%s)/$ref", e1->entity_set, k->ref[0], r->nav[0],
		       k->ref[1]);
	return queue_op(eng, WOP_DISASSOCIATE, row, dv_buf_steal(&path), NULL, k->pk, NULL,
			pair_check(e, r, k->ref[0], k->ref[1]), err);
}

int write_row(struct dv_engine *eng, const struct dv_entity *e, int argc,
	      sqlite3_value **argv, struct dv_error *err)
{
	const struct row_key *k = NULL;
	long row = next_row(eng);
	if (argc > 1 && sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		if ((size_t)argc != e->ncolumns + 2)
			return dv_error_set(err, DV_S_HY000, 0, "internal: xUpdate column count");
		return queue_insert(eng, e, argv + 2, row, err);
	}
	k = key_of(eng, argv[0]);
	if (!k)
		return dv_error_set(err, DV_S_HY000, 0, "internal: the row to change in %s has "
				    "no known key", e->logical_name);
	if (argc == 1)
		return queue_delete(eng, e, k, row, err);
	if (sqlite3_value_int64(argv[0]) != sqlite3_value_int64(argv[1]))
		return dv_error_set(err, DV_S_42000, 0, "the rowid of %s cannot be changed",
				    e->logical_name);
	return queue_update(eng, e, k, argv + 2, row, err);
}
