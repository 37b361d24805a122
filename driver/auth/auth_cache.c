/* auth_cache.c - the token cache at OAuthSettingsLocation.
 *
 * Owns: the cache file format, its locking and atomic replacement, and the
 * in-process store behind OAuthSettingsLocation=memory://.
 *
 * File format (JSON, mode 0600):
 *   {"version":1,"tokens":{"<key>":{"access_token":"..","expires_on":1700000000,
 *     "refresh_token":"..","pending_verifier":".."}, ...}}
 * One entry per connection key (URL, client id, tenant, flow, user: see
 * build_cache_key in auth.c) so DSNs sharing one file keep their own tokens;
 * entries of other keys are copied through untouched.
 *
 * Concurrency: the lock is flock(LOCK_EX) on "<file>.lock" (the data file
 * itself is replaced by rename, so it cannot carry the lock).  Writers write
 * "<file>.tmp.<pid>" (O_EXCL, 0600), fsync it and rename it over the file:
 * readers see the old or the new file, never half of one.
 *
 * The memory:// store is the one driver-wide mutable cache of this layer: a
 * list of entries keyed by location + key, guarded by a mutex that is also
 * the cache's lock; it lives as long as the process. */
#include "auth/auth_priv.h"
#include "config/config.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#define CACHE_FILE_MAX (4 * 1024 * 1024)

struct mem_entry {
	char *key;
	struct dv_auth_cache_entry e;
	struct mem_entry *next;
};

static pthread_mutex_t mem_mu = PTHREAD_MUTEX_INITIALIZER;
static struct mem_entry *mem_head;

static const char *location(const struct dv_auth *auth)
{
	const char *loc = auth->cfg->oauth_settings_location;
	return loc ? loc : "";
}

int dv_auth_cache_enabled(const struct dv_auth *auth)
{
	return *location(auth) != '\0';
}

static int is_memory(const struct dv_auth *auth)
{
	return dv_strncasecmp(location(auth), "memory:", 7) == 0;
}

/* The file path: "file://" removed, "~/" is $HOME. */
static int file_path(const struct dv_auth *auth, struct dv_buf *b)
{
	const char *loc = location(auth);
	const char *home = getenv("HOME");
	if (dv_strncasecmp(loc, "file://", 7) == 0)
		loc += 7;
	if (loc[0] == '~' && loc[1] == '/' && home && *home)
		return dv_buf_appendf(b, "%s%s", home, loc + 1);
	return dv_buf_appends(b, loc);
}

static int io_error(const struct dv_auth *auth, const char *what, struct dv_error *err)
{
	int e = errno;
	return dv_error_set(err, DV_S_HY000, e, "cannot %s the token cache "
			    "OAuthSettingsLocation=%.300s: %s", what, location(auth), strerror(e));
}

static char *dup_or_null(const char *s, int *fail)
{
	char *c;
	if (!s)
		return NULL;
	c = dv_strdup(s);
	if (!c)
		*fail = 1;
	return c;
}

void dv_auth_cache_entry_free(struct dv_auth_cache_entry *e)
{
	dv_auth_free_secret(e->access_token);
	dv_auth_free_secret(e->refresh_token);
	dv_auth_free_secret(e->pending_verifier);
	memset(e, 0, sizeof(*e));
}

static int entry_copy(struct dv_auth_cache_entry *dst, const struct dv_auth_cache_entry *src)
{
	int fail = 0;
	memset(dst, 0, sizeof(*dst));
	dst->access_token = dup_or_null(src->access_token, &fail);
	dst->refresh_token = dup_or_null(src->refresh_token, &fail);
	dst->pending_verifier = dup_or_null(src->pending_verifier, &fail);
	dst->expires_on = src->expires_on;
	if (fail)
		dv_auth_cache_entry_free(dst);
	return fail ? -1 : 0;
}

/* ---- lock ------------------------------------------------------------ */

int dv_auth_cache_lock(struct dv_auth *auth, struct dv_error *err)
{
	struct dv_buf path;
	int fd;

	if (is_memory(auth)) {
		pthread_mutex_lock(&mem_mu);
		auth->cache_locked = 1;
		return 0;
	}
	dv_buf_init(&path, 0);
	if (file_path(auth, &path) != 0 || dv_buf_appends(&path, ".lock") != 0) {
		dv_buf_free(&path);
		return dv_error_nomem(err);
	}
	fd = open(dv_buf_str(&path), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	dv_buf_free(&path);
	if (fd < 0)
		return io_error(auth, "lock", err);
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			io_error(auth, "lock", err);
			close(fd);
			return -1;
		}
	}
	auth->cache_fd = fd;
	return 0;
}

void dv_auth_cache_unlock(struct dv_auth *auth)
{
	if (auth->cache_locked) {
		auth->cache_locked = 0;
		pthread_mutex_unlock(&mem_mu);
	}
	if (auth->cache_fd >= 0) {
		flock(auth->cache_fd, LOCK_UN);
		close(auth->cache_fd);
		auth->cache_fd = -1;
	}
}

/* ---- memory:// -------------------------------------------------------- */

static struct mem_entry *mem_find(const struct dv_auth *auth, const char *key)
{
	for (struct mem_entry *m = mem_head; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

static int mem_key(const struct dv_auth *auth, struct dv_buf *b)
{
	return dv_buf_appendf(b, "%s\n%s", location(auth), auth->cache_key);
}

static int mem_load(struct dv_auth *auth, struct dv_auth_cache_entry *e, struct dv_error *err)
{
	struct dv_buf key;
	struct mem_entry *m;
	int rc = 0;
	dv_buf_init(&key, 0);
	if (mem_key(auth, &key) != 0) {
		dv_buf_free(&key);
		return dv_error_nomem(err);
	}
	m = mem_find(auth, dv_buf_str(&key));
	if (m && entry_copy(e, &m->e) != 0)
		rc = dv_error_nomem(err);
	dv_buf_free(&key);
	return rc;
}

static int mem_save(struct dv_auth *auth, const struct dv_auth_cache_entry *e,
		    struct dv_error *err)
{
	struct dv_buf key;
	struct dv_auth_cache_entry copy;
	struct mem_entry *m;

	dv_buf_init(&key, 0);
	if (mem_key(auth, &key) != 0 || entry_copy(&copy, e) != 0) {
		dv_buf_free(&key);
		return dv_error_nomem(err);
	}
	m = mem_find(auth, dv_buf_str(&key));
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m) {
			dv_auth_cache_entry_free(&copy);
			dv_buf_free(&key);
			return dv_error_nomem(err);
		}
		m->key = dv_buf_steal(&key);
		m->next = mem_head;
		mem_head = m;
	}
	dv_auth_cache_entry_free(&m->e);
	m->e = copy;
	dv_buf_free(&key);
	return 0;
}

/* ---- file ------------------------------------------------------------- */

/* Reads and parses the file; *root is NULL when it does not exist. */
static int file_read(struct dv_auth *auth, yajl_val *root, struct dv_error *err)
{
	struct dv_buf path, text;
	char chunk[4096], errbuf[128];
	ssize_t n;
	int fd, rc = 0;

	*root = NULL;
	dv_buf_init(&path, 0);
	dv_buf_init(&text, CACHE_FILE_MAX);
	if (file_path(auth, &path) != 0) {
		dv_buf_free(&path);
		return dv_error_nomem(err);
	}
	fd = open(dv_buf_str(&path), O_RDONLY | O_CLOEXEC);
	dv_buf_free(&path);
	if (fd < 0)
		return errno == ENOENT ? 0 : io_error(auth, "read", err);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || dv_buf_append(&text, chunk, (size_t)n) != 0) {
			rc = io_error(auth, "read", err);
			break;
		}
	}
	close(fd);
	if (rc == 0 && text.len) {
		*root = yajl_tree_parse(dv_buf_str(&text), errbuf, sizeof(errbuf));
		if (!*root)
			DV_LOG(auth->log, DV_LOG_ERROR, auth, "the token cache %s is not valid JSON "
			       "(%s): it will be rewritten", location(auth), errbuf);
	}
	if (text.data)
		memset(text.data, 0, text.len);
	dv_buf_free(&text);
	return rc;
}

static yajl_val tokens_of(yajl_val root)
{
	static const char *path[] = {"tokens", NULL};
	return root ? yajl_tree_get(root, path, yajl_t_object) : NULL;
}

static const char *field(yajl_val obj, const char *name)
{
	const char *path[] = {name, NULL};
	yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
	return v && *YAJL_GET_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static int file_load(struct dv_auth *auth, struct dv_auth_cache_entry *e, struct dv_error *err)
{
	static const char *exp_path[] = {"expires_on", NULL};
	yajl_val root, tokens, mine = NULL, exp;
	int fail = 0;

	if (file_read(auth, &root, err) != 0)
		return -1;
	tokens = tokens_of(root);
	for (size_t i = 0; tokens && i < tokens->u.object.len; i++)
		if (strcmp(tokens->u.object.keys[i], auth->cache_key) == 0)
			mine = tokens->u.object.values[i];
	if (mine && YAJL_IS_OBJECT(mine)) {
		e->access_token = dup_or_null(field(mine, "access_token"), &fail);
		e->refresh_token = dup_or_null(field(mine, "refresh_token"), &fail);
		e->pending_verifier = dup_or_null(field(mine, "pending_verifier"), &fail);
		exp = yajl_tree_get(mine, exp_path, yajl_t_number);
		e->expires_on = exp && YAJL_IS_INTEGER(exp) ? YAJL_GET_INTEGER(exp) : 0;
	}
	yajl_tree_free(root);
	if (fail) {
		dv_auth_cache_entry_free(e);
		return dv_error_nomem(err);
	}
	return 0;
}

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* Copies a parsed value (another DSN's entry) into the generator as is. */
static void gen_value(yajl_gen g, yajl_val v)
{
	if (YAJL_IS_STRING(v)) {
		gen_str(g, YAJL_GET_STRING(v));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			gen_str(g, v->u.object.keys[i]);
			gen_value(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_value(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else {
		yajl_gen_null(g);
	}
}

static void gen_entry(yajl_gen g, const struct dv_auth_cache_entry *e)
{
	yajl_gen_map_open(g);
	if (e->access_token) {
		gen_str(g, "access_token");
		gen_str(g, e->access_token);
		gen_str(g, "expires_on");
		yajl_gen_integer(g, e->expires_on);
	}
	if (e->refresh_token) {
		gen_str(g, "refresh_token");
		gen_str(g, e->refresh_token);
	}
	if (e->pending_verifier) {
		gen_str(g, "pending_verifier");
		gen_str(g, e->pending_verifier);
	}
	yajl_gen_map_close(g);
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes text to "<path>.tmp.<pid>" (0600) and renames it over path. */
static int replace_file(struct dv_auth *auth, const unsigned char *text, size_t len,
			struct dv_error *err)
{
	struct dv_buf path, tmp;
	int fd, rc = -1;

	dv_buf_init(&path, 0);
	dv_buf_init(&tmp, 0);
	if (file_path(auth, &path) != 0 ||
	    dv_buf_appendf(&tmp, "%s.tmp.%ld", dv_buf_str(&path), (long)getpid()) != 0) {
		rc = dv_error_nomem(err);
		goto out;
	}
	unlink(dv_buf_str(&tmp));
	fd = open(dv_buf_str(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		io_error(auth, "write", err);
		goto out;
	}
	if (write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		io_error(auth, "write", err);
		close(fd);
		unlink(dv_buf_str(&tmp));
		goto out;
	}
	close(fd);
	if (rename(dv_buf_str(&tmp), dv_buf_str(&path)) != 0) {
		io_error(auth, "replace", err);
		unlink(dv_buf_str(&tmp));
		goto out;
	}
	rc = 0;
out:
	dv_buf_free(&path);
	dv_buf_free(&tmp);
	return rc;
}

static int file_save(struct dv_auth *auth, const struct dv_auth_cache_entry *e,
		     struct dv_error *err)
{
	yajl_val root, tokens;
	yajl_gen g;
	const unsigned char *text;
	size_t len;
	int rc;

	if (file_read(auth, &root, err) != 0)
		return -1;
	tokens = tokens_of(root);
	g = yajl_gen_alloc(NULL);
	if (!g) {
		yajl_tree_free(root);
		return dv_error_nomem(err);
	}
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	gen_str(g, "version");
	yajl_gen_integer(g, 1);
	gen_str(g, "tokens");
	yajl_gen_map_open(g);
	for (size_t i = 0; tokens && i < tokens->u.object.len; i++) {
		if (strcmp(tokens->u.object.keys[i], auth->cache_key) == 0)
			continue;
		gen_str(g, tokens->u.object.keys[i]);
		gen_value(g, tokens->u.object.values[i]);
	}
	gen_str(g, auth->cache_key);
	gen_entry(g, e);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_tree_free(root);
	if (yajl_gen_get_buf(g, &text, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return dv_error_set(err, DV_S_HY000, 0, "cannot encode the token cache");
	}
	rc = replace_file(auth, text, len, err);
	memset((void *)text, 0, len);
	yajl_gen_free(g);
	if (rc == 0)
		DV_LOG(auth->log, DV_LOG_INFO, auth, "tokens saved to %s", location(auth));
	return rc;
}

int dv_auth_cache_load(struct dv_auth *auth, struct dv_auth_cache_entry *e,
		       struct dv_error *err)
{
	memset(e, 0, sizeof(*e));
	return is_memory(auth) ? mem_load(auth, e, err) : file_load(auth, e, err);
}

int dv_auth_cache_save(struct dv_auth *auth, const struct dv_auth_cache_entry *e,
		       struct dv_error *err)
{
	return is_memory(auth) ? mem_save(auth, e, err) : file_save(auth, e, err);
}
