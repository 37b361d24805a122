/* catalog_disk.c - the metadata cache file (MetadataCacheLocation).
 *
 * Issue 3: metadata "is cached for the connection, and optionally on disk
 * with a lifetime".  The file holds the bodies of the metadata GETs the
 * catalog sent (the entity list, each entity's attributes, facet casts and
 * relationships) so that a later connection parses them instead of asking
 * again:
 *   {"format":1,"key":"<API base URL>","created":<unix seconds>,
 *    "entries":{"<request path>":"<response body>",...}}
 * A file whose key differs (another org or API version), whose format is
 * unknown or whose age is MetadataCacheTTL seconds or more is ignored and
 * replaced.  New bodies are kept in memory and the file is written by
 * disk_cache_flush, which the catalog calls once per catalog call (the entity
 * list, one entity, one sweep of many), not once per response (rewriting a
 * growing file per response made a first sweep over a real org 25 times
 * slower).  Writes go to "<path>.<pid>.tmp" created 0600 and are renamed
 * over the file, so a reader never sees half a file and other users never
 * see the schema.  The file is a cache: any failure to read or write it
 * (a truncated or corrupt file included) only costs the requests it would
 * have saved.
 * Source: https://github.com/lloyd/yajl (yajl_tree, yajl_gen) */
#include "catalog/catalog_disk.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

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
	char *key;
	long long created;
	struct entry *items;
	size_t n, cap;
	int dirty;                 /* entries not written yet */
};

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

/* Loads the entries of a valid, fresh file of this key. */
static void load(struct disk_cache *dc, long ttl, time_t now)
{
	static const char *k_format[] = {"format", NULL}, *k_key[] = {"key", NULL};
	static const char *k_created[] = {"created", NULL}, *k_entries[] = {"entries", NULL};
	size_t len = 0, i;
	char *text = read_file(dc->path, &len);
	yajl_val root, v, entries;
	if (!text)
		return;
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
	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) > (long long)now ||
	    (long long)now - YAJL_GET_INTEGER(v) >= ttl)
		goto done;                 /* expired (or from the future): refetch */
	dc->created = YAJL_GET_INTEGER(v);
	entries = yajl_tree_get(root, k_entries, yajl_t_object);
	if (!entries)
		goto done;
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

struct disk_cache *disk_cache_open(const char *path, const char *key, long ttl, time_t now)
{
	struct disk_cache *dc = calloc(1, sizeof(*dc));
	if (!dc)
		return NULL;
	dc->path = dv_strdup(path);
	dc->key = dv_strdup(key);
	if (!dc->path || !dc->key) {
		disk_cache_free(dc);
		return NULL;
	}
	dc->created = (long long)now;
	if (ttl > 0)
		load(dc, ttl, now);
	return dc;
}

void disk_cache_free(struct disk_cache *dc)
{
	if (!dc)
		return;
	drop_entries(dc);
	free(dc->items);
	free(dc->path);
	free(dc->key);
	free(dc);
}

int disk_cache_get(const struct disk_cache *dc, const char *rel, struct dv_buf *out)
{
	size_t i;
	for (i = 0; i < dc->n; i++) {
		if (strcmp(dc->items[i].rel, rel) == 0) {
			dv_buf_init(out, 0);
			if (dv_buf_append(out, dc->items[i].body, dc->items[i].len) != 0) {
				dv_buf_free(out);
				return -1;
			}
			return 0;
		}
	}
	return -1;
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
	for (i = 0; i < dc->n; i++) {
		if (strcmp(dc->items[i].rel, rel) == 0) {
			char *copy = dv_strndup(body, len);
			if (!copy)
				return 0;
			free(dc->items[i].body);
			dc->items[i].body = copy;
			dc->items[i].len = len;
			dc->dirty = 1;
			return 0;
		}
	}
	if (add_entry(dc, rel, body, len) == 0)
		dc->dirty = 1;
	return 0;
}

void disk_cache_flush(struct disk_cache *dc)
{
	if (dc->dirty)
		save(dc);
	dc->dirty = 0;
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

void disk_cache_clear(struct disk_cache *dc)
{
	drop_entries(dc);
	dc->created = (long long)time(NULL);
	unlink(dc->path);
}
