/* catalog_disk.c - the metadata store: the metadata cache file
 * (MetadataCacheLocation, or the per-user file of MetadataCache) and the
 * process's shared copy of it.
 *
 * Issue 3: metadata "is cached for the connection, and optionally on disk
 * with a lifetime".  The file holds the bodies of the metadata GETs the
 * catalog sent (the entity list, each entity's attributes and relationships,
 * batches of them, keys) so that a later connection parses them instead of
 * asking again:
 *   {"format":1,"key":"<API base URL>","created":<unix seconds>,
 *    "stamp":"<ServerVersionStamp>","entries":{"<request path>":"<body>",...}}
 * "created" is when the bodies were last known current (written, or
 * confirmed by RetrieveMetadataChanges); "stamp" (optional) is a
 * ServerVersionStamp taken before any of the bodies was read.  A file whose
 * key differs (another org or API version) or whose format is unknown is
 * ignored and replaced.  A file older than MetadataCacheTTL is kept when it
 * has a stamp: the catalog asks the service once what changed since it
 * (catalog_stamp.c) and drops only what changed; without a stamp it is
 * read again in full, as before stamps existed.
 *
 * Issue 9: the stores are one of the driver's documented driver-wide caches
 * (docs/performance.md): one per file, API base URL and identity, shared
 * by the connections of the process, so a second connection to the same
 * environment reads neither the service nor the file.  A store lives while
 * a connection uses it and, after that, until the last environment handle
 * of the process is freed (dv_catalog_shared_hold/unhold, from env.c).  One
 * mutex guards the list of stores and every store's contents; callers get
 * copies of bodies, never pointers into a store.
 *
 * New bodies are kept in memory and the file is written by disk_cache_flush,
 * which the catalog calls once per catalog call (the entity list, one
 * entity, one sweep of many), not once per response (rewriting a growing file
 * per response made a first sweep over a real org 25 times slower).  Writes
 * go to "<path>.<pid>.tmp" created 0600 and are renamed over the file, so a
 * reader never sees half a file and other users never see the schema.  The
 * file is a cache: any failure to read or write it (a truncated or corrupt
 * file included) only costs the requests it would have saved.
 * Source: https://github.com/lloyd/yajl (yajl_tree, yajl_gen);
 * https://learn.microsoft.com/power-apps/developer/data-platform/cache-schema-data */
#include "catalog/catalog_disk.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "catalog/catalog.h"
#include "util/strutil.h"

#define CACHE_FORMAT 1
#define CACHE_MAX_BYTES (256L * 1024 * 1024)

struct entry {
	char *rel;
	char *body;
	size_t len;
};

struct disk_cache {
	char *path;
	char *key;                 /* API base URL, written in the file */
	char *ident;               /* path, key and identity: the store's name in the list */
	long ttl;
	long long created;         /* bodies known current at this time */
	char *stamp;               /* ServerVersionStamp older than every body, or NULL */
	int want_stamp;            /* a file existed: take a stamp before refilling */
	int validating;            /* a connection is asking what changed */
	struct entry *items;
	size_t n, cap;
	int dirty;                 /* entries not written yet */
	int refs;                  /* catalogs using it */
	struct disk_cache *next;
};

/* The driver-wide list of stores and the lock of everything in them. */
static pthread_mutex_t store_mu = PTHREAD_MUTEX_INITIALIZER;
static struct disk_cache *stores;
static long holds;             /* environment handles alive */

static int add_entry(struct disk_cache *dc, const char *rel, const char *body, size_t len)
{
	struct entry *e;
	if (dc->n == dc->cap) {
		size_t cap = dc->cap ? dc->cap * 2 : 16;
		struct entry *p = realloc(dc->items, cap * sizeof(*p));
		if (!p)
			return -1;
		dc->items = p;
		dc->cap = cap;
	}
	e = &dc->items[dc->n];
	e->rel = dv_strdup(rel);
	e->body = dv_strndup(body, len);
	e->len = len;
	if (!e->rel || !e->body) {
		free(e->rel);
		free(e->body);
		return -1;
	}
	dc->n++;
	return 0;
}

static void drop_entries(struct disk_cache *dc)
{
	size_t i;
	for (i = 0; i < dc->n; i++) {
		free(dc->items[i].rel);
		free(dc->items[i].body);
	}
	dc->n = 0;
}

static void drop_entry(struct disk_cache *dc, size_t i)
{
	free(dc->items[i].rel);
	free(dc->items[i].body);
	dc->items[i] = dc->items[--dc->n];
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct dv_buf b;
	char chunk[65536];
	size_t n;
	if (!f)
		return NULL;
	dv_buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > (size_t)CACHE_MAX_BYTES || dv_buf_append(&b, chunk, n) != 0) {
			fclose(f);
			dv_buf_free(&b);
			return NULL;
		}
	}
	fclose(f);
	*len = b.len;
	return b.data ? dv_buf_steal(&b) : NULL;
}

/* Replaces the store's entries with those of the file when it is this key's,
 * newer than what the store holds, and either fresh or stamped (a stale file
 * with a stamp is validated by the catalog; without one it is read again).
 * Any existing file that is not used sets want_stamp. */
static void load(struct disk_cache *dc, time_t now)
{
	static const char *k_format[] = {"format", NULL}, *k_key[] = {"key", NULL};
	static const char *k_created[] = {"created", NULL}, *k_entries[] = {"entries", NULL};
	static const char *k_stamp[] = {"stamp", NULL};
	size_t len = 0, i;
	char *text = read_file(dc->path, &len);
	yajl_val root, v, entries, st;
	long long created;
	if (!text) {
		if (access(dc->path, F_OK) == 0)
			dc->want_stamp = 1;
		return;
	}
	dc->want_stamp = 1;          /* cleared below when the file is used */
	root = yajl_tree_parse(text, NULL, 0);
	free(text);
	if (!root)
		return;
	v = yajl_tree_get(root, k_format, yajl_t_number);
	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) != CACHE_FORMAT)
		goto done;
	v = yajl_tree_get(root, k_key, yajl_t_string);
	if (!v || !v->u.string || strcmp(v->u.string, dc->key) != 0)
		goto done;
	v = yajl_tree_get(root, k_created, yajl_t_number);
	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) > (long long)now)
		goto done;                 /* from the future: refetch */
	created = YAJL_GET_INTEGER(v);
	st = yajl_tree_get(root, k_stamp, yajl_t_string);
	if ((long long)now - created >= dc->ttl && (!st || !st->u.string || !*st->u.string))
		goto done;                 /* expired and nothing to validate it with */
	if (dc->n > 0 && created <= dc->created) {
		dc->want_stamp = 0;        /* what the store holds is as new */
		goto done;
	}
	entries = yajl_tree_get(root, k_entries, yajl_t_object);
	if (!entries)
		goto done;
	drop_entries(dc);
	free(dc->stamp);
	dc->stamp = st && st->u.string && *st->u.string ? dv_strdup(st->u.string) : NULL;
	dc->created = created;
	dc->want_stamp = 0;
	for (i = 0; i < entries->u.object.len; i++) {
		yajl_val b = entries->u.object.values[i];
		if (!YAJL_IS_STRING(b))
			continue;
		if (add_entry(dc, entries->u.object.keys[i], b->u.string,
			      strlen(b->u.string)) != 0)
			break;
	}
done:
	yajl_tree_free(root);
}

static void store_free(struct disk_cache *dc)
{
	drop_entries(dc);
	free(dc->items);
	free(dc->path);
	free(dc->key);
	free(dc->ident);
	free(dc->stamp);
	free(dc);
}

static struct disk_cache *store_new(const char *path, const char *key, const char *name,
				    long ttl, time_t now)
{
	struct disk_cache *dc = calloc(1, sizeof(*dc));
	if (!dc)
		return NULL;
	dc->path = dv_strdup(path);
	dc->key = dv_strdup(key);
	dc->ident = dv_strdup(name);
	if (!dc->path || !dc->key || !dc->ident) {
		store_free(dc);
		return NULL;
	}
	dc->ttl = ttl;
	dc->created = (long long)now;
	load(dc, now);
	return dc;
}

struct disk_cache *disk_cache_acquire(const char *path, const char *key, const char *identity,
				      long ttl, time_t now)
{
	struct disk_cache *dc;
	struct dv_buf name;
	if (ttl <= 0)
		return NULL;
	dv_buf_init(&name, 0);
	if (dv_buf_appendf(&name, "%s\n%s\n%s", path, key, identity ? identity : "") != 0) {
		dv_buf_free(&name);
		return NULL;
	}
	pthread_mutex_lock(&store_mu);
	for (dc = stores; dc; dc = dc->next)
		if (strcmp(dc->ident, dv_buf_str(&name)) == 0)
			break;
	if (dc) {
		dc->ttl = ttl;
		/* past its lifetime: another process may have refreshed the file */
		if ((long long)now - dc->created >= ttl)
			load(dc, now);
	} else {
		dc = store_new(path, key, dv_buf_str(&name), ttl, now);
		if (dc) {
			dc->next = stores;
			stores = dc;
		}
	}
	if (dc)
		dc->refs++;
	pthread_mutex_unlock(&store_mu);
	dv_buf_free(&name);
	return dc;
}

/* Frees the stores no catalog uses (under store_mu). */
static void free_unused(void)
{
	struct disk_cache **pp = &stores;
	while (*pp) {
		struct disk_cache *dc = *pp;
		if (dc->refs > 0) {
			pp = &dc->next;
			continue;
		}
		*pp = dc->next;
		store_free(dc);
	}
}

void disk_cache_release(struct disk_cache *dc)
{
	if (!dc)
		return;
	pthread_mutex_lock(&store_mu);
	dc->refs--;
	if (holds <= 0)
		free_unused();  /* no environment keeps the stores (unit tests, bench) */
	pthread_mutex_unlock(&store_mu);
}

void dv_catalog_shared_hold(void)
{
	pthread_mutex_lock(&store_mu);
	holds++;
	pthread_mutex_unlock(&store_mu);
}

void dv_catalog_shared_unhold(void)
{
	pthread_mutex_lock(&store_mu);
	if (--holds <= 0) {
		holds = 0;
		free_unused();
	}
	pthread_mutex_unlock(&store_mu);
}

int disk_cache_get(struct disk_cache *dc, const char *rel, struct dv_buf *out)
{
	size_t i;
	int rc = -1;
	pthread_mutex_lock(&store_mu);
	for (i = 0; i < dc->n; i++) {
		if (strcmp(dc->items[i].rel, rel) == 0) {
			dv_buf_init(out, 0);
			rc = 0;
			if (dv_buf_append(out, dc->items[i].body, dc->items[i].len) != 0) {
				dv_buf_free(out);
				rc = -1;
			}
			break;
		}
	}
	pthread_mutex_unlock(&store_mu);
	return rc;
}

static void gen_str(yajl_gen g, const char *s, size_t n)
{
	yajl_gen_string(g, (const unsigned char *)s, n);
}

static void gen_key_str(yajl_gen g, const char *key, const char *s)
{
	gen_str(g, key, strlen(key));
	gen_str(g, s, strlen(s));
}

/* Writes the whole cache to "<path>.<pid>.tmp" (0600), then renames it. */
static void save(const struct disk_cache *dc)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *text;
	size_t len, i;
	struct dv_buf tmp;
	int fd, ok = 0;
	if (!g)
		return;
	yajl_gen_map_open(g);
	gen_str(g, "format", 6);
	yajl_gen_integer(g, CACHE_FORMAT);
	gen_key_str(g, "key", dc->key);
	gen_str(g, "created", 7);
	yajl_gen_integer(g, dc->created);
	if (dc->stamp)
		gen_key_str(g, "stamp", dc->stamp);
	gen_str(g, "entries", 7);
	yajl_gen_map_open(g);
	for (i = 0; i < dc->n; i++) {
		gen_str(g, dc->items[i].rel, strlen(dc->items[i].rel));
		gen_str(g, dc->items[i].body, dc->items[i].len);
	}
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	dv_buf_init(&tmp, 0);
	if (yajl_gen_get_buf(g, &text, &len) != yajl_gen_status_ok ||
	    dv_buf_appendf(&tmp, "%s.%ld.tmp", dc->path, (long)getpid()) != 0)
		goto out;
	fd = open(dv_buf_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	ok = fchmod(fd, 0600) == 0;
	for (i = 0; ok && i < len;) {
		ssize_t w = write(fd, text + i, len - i);
		if (w <= 0)
			ok = 0;
		else
			i += (size_t)w;
	}
	if (close(fd) != 0)
		ok = 0;
	if (!ok || rename(dv_buf_str(&tmp), dc->path) != 0)
		unlink(dv_buf_str(&tmp));
out:
	dv_buf_free(&tmp);
	yajl_gen_free(g);
}

int disk_cache_put(struct disk_cache *dc, const char *rel, const char *body, size_t len)
{
	size_t i;
	pthread_mutex_lock(&store_mu);
	for (i = 0; i < dc->n; i++) {
		if (strcmp(dc->items[i].rel, rel) == 0) {
			char *copy = dv_strndup(body, len);
			if (copy) {
				free(dc->items[i].body);
				dc->items[i].body = copy;
				dc->items[i].len = len;
				dc->dirty = 1;
			}
			pthread_mutex_unlock(&store_mu);
			return 0;
		}
	}
	if (add_entry(dc, rel, body, len) == 0)
		dc->dirty = 1;
	pthread_mutex_unlock(&store_mu);
	return 0;
}

void disk_cache_flush(struct disk_cache *dc)
{
	pthread_mutex_lock(&store_mu);
	if (dc->dirty)
		save(dc);
	dc->dirty = 0;
	pthread_mutex_unlock(&store_mu);
}

/* Forgets every entry (under store_mu); the next refill takes a stamp first. */
static void clear_locked(struct disk_cache *dc, time_t now)
{
	drop_entries(dc);
	free(dc->stamp);
	dc->stamp = NULL;
	dc->want_stamp = 1;
	dc->created = (long long)now;
	dc->dirty = 0;
}

void disk_cache_clear(struct disk_cache *dc)
{
	pthread_mutex_lock(&store_mu);
	clear_locked(dc, time(NULL));
	unlink(dc->path);
	pthread_mutex_unlock(&store_mu);
}

/* ---- version stamps (catalog_stamp.c sends the requests) ---- */

int disk_cache_take_stamp_turn(struct disk_cache *dc)
{
	int turn;
	pthread_mutex_lock(&store_mu);
	turn = dc->want_stamp && !dc->stamp;
	dc->want_stamp = 0;
	pthread_mutex_unlock(&store_mu);
	return turn;
}

void disk_cache_set_stamp(struct disk_cache *dc, const char *stamp)
{
	char *copy = dv_strdup(stamp);
	pthread_mutex_lock(&store_mu);
	if (copy && !dc->stamp) {
		dc->stamp = copy;
		copy = NULL;
		dc->dirty = 1;
	}
	pthread_mutex_unlock(&store_mu);
	free(copy);
}

char *disk_cache_take_validation(struct disk_cache *dc, time_t now)
{
	char *stamp = NULL;
	pthread_mutex_lock(&store_mu);
	if (!dc->validating && dc->n > 0 && (long long)now - dc->created >= dc->ttl) {
		if (dc->stamp) {
			stamp = dv_strdup(dc->stamp);
			dc->validating = stamp != NULL;
		} else {
			clear_locked(dc, now);  /* nothing to ask with: read again */
		}
	}
	pthread_mutex_unlock(&store_mu);
	return stamp;
}

/* True when rel is a request about entity name: EntityDefinitions(LogicalName='x')...
 * or a batch whose filter names it (LogicalName eq 'x', URL-encoded). */
static int names_entity(const char *rel, const char *name)
{
	char one[300], batch[300];
	snprintf(one, sizeof(one), "LogicalName='%s')", name);
	snprintf(batch, sizeof(batch), "LogicalName%%20eq%%20%%27%s%%27", name);
	return strstr(rel, one) != NULL || strstr(rel, batch) != NULL;
}

/* True for the entity list's request (EntityDefinitions?$select=LogicalName,EntitySetName...). */
static int is_list(const char *rel)
{
	return strncmp(rel, "EntityDefinitions?$select=LogicalName,EntitySetName", 51) == 0;
}

/* True when the cached list names entity name. */
static int list_has(const struct disk_cache *dc, const char *name)
{
	char pat[300];
	size_t i;
	snprintf(pat, sizeof(pat), "\"LogicalName\":\"%s\"", name);
	for (i = 0; i < dc->n; i++)
		if (is_list(dc->items[i].rel))
			return strstr(dc->items[i].body, pat) != NULL;
	return 0;
}

void disk_cache_validated(struct disk_cache *dc, const struct disk_change *c, time_t now,
			  size_t *dropped)
{
	size_t i, k;
	*dropped = 0;
	pthread_mutex_lock(&store_mu);
	dc->validating = 0;
	if (c->outcome != DISK_CHANGES) {
		*dropped = dc->n;
		clear_locked(dc, now);
		if (c->outcome == DISK_RELOAD && c->stamp) {
			dc->stamp = dv_strdup(c->stamp);
			dc->want_stamp = dc->stamp == NULL;
		}
		unlink(dc->path);
		pthread_mutex_unlock(&store_mu);
		return;
	}
	for (k = 0; k < c->nchanged; k++) {
		int list_too = c->own[k] || !list_has(dc, c->changed[k]);
		for (i = dc->n; i-- > 0;)
			if (names_entity(dc->items[i].rel, c->changed[k]) ||
			    (list_too && is_list(dc->items[i].rel))) {
				drop_entry(dc, i);
				(*dropped)++;
			}
	}
	if (c->stamp) {
		char *s = dv_strdup(c->stamp);
		if (s) {
			free(dc->stamp);
			dc->stamp = s;
		}
	}
	dc->created = (long long)now;
	save(dc);             /* the new time (and stamp), atomically */
	dc->dirty = 0;
	pthread_mutex_unlock(&store_mu);
}

/* mkdir path 0700, or accept an existing directory of this user (made 0700). */
static int private_dir(const char *path)
{
	struct stat st;
	if (mkdir(path, 0700) == 0)
		return 0;
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return -1;
	if ((st.st_mode & 077) != 0 && chmod(path, 0700) != 0)
		return -1;
	return 0;
}

char *dv_catalog_default_cache_path(const char *api_base, const char *identity)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	unsigned long long h = 14695981039346656037ULL; /* FNV-1a 64 */
	const char *parts[2] = {api_base ? api_base : "", identity ? identity : ""};
	struct dv_buf dir;
	size_t i;
	int k;
	for (k = 0; k < 2; k++) {
		for (i = 0; parts[k][i]; i++) {
			h ^= (unsigned char)parts[k][i];
			h *= 1099511628211ULL;
		}
		h ^= '\n';
		h *= 1099511628211ULL;
	}
	dv_buf_init(&dir, 0);
	if (xdg && xdg[0] == '/') {          /* relative values are invalid: ignored */
		if (dv_buf_appends(&dir, xdg) != 0 || (mkdir(xdg, 0700) != 0 && access(xdg, W_OK) != 0))
			goto fail;
	} else if (home && home[0] == '/') {
		if (dv_buf_appendf(&dir, "%s/.cache", home) != 0 ||
		    (mkdir(dv_buf_str(&dir), 0700) != 0 && access(dv_buf_str(&dir), W_OK) != 0))
			goto fail;
	} else {
		goto fail;
	}
	if (dv_buf_appends(&dir, "/dvodbc") != 0 || private_dir(dv_buf_str(&dir)) != 0 ||
	    dv_buf_appendf(&dir, "/metadata-%016llx.json", h) != 0)
		goto fail;
	return dv_buf_steal(&dir);
fail:
	dv_buf_free(&dir);
	return NULL;
}
