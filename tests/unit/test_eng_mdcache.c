/* test_eng_mdcache.c - the metadata requests and the cache file
 * (MetadataCacheLocation, the per-user default of MetadataCache).
 *
 * One request per table used, batches for many (dv_catalog_load_columns);
 * a first connection fills the file (mode 0600); a second one within the
 * lifetime sends no EntityDefinitions request and sees the same columns;
 * after the lifetime the metadata is fetched again; a corrupt or truncated
 * file is read afresh; invalidation removes the file; the default path is
 * per user, org and identity, in a 0700 directory; the connection keys
 * parse.  Against the emulator's request log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "catalog/catalog.h"
#include "config/config.h"
#include "emu.h"
#include "http/http.h"
#include "tap.h"

static struct emu emu;

struct conn {
	struct dv_config cfg;
	struct dv_http *http;
	struct dv_auth *auth;
	struct dv_catalog *cat;
};

static int conn_open(struct conn *c, const char *extra)
{
	char cs[2048], base[160];
	struct dv_error e;
	memset(c, 0, sizeof(*c));
	dv_config_init(&c->cfg);
	snprintf(cs, sizeof(cs), "%s;%s", extra, emu_connstr(&emu));
	if (dv_config_from_connstr(&c->cfg, cs, &e) != 0 || dv_config_validate(&c->cfg, &e) != 0)
		goto fail;
	c->http = dv_http_new(&c->cfg, NULL, &e);
	c->auth = c->http ? dv_auth_new(&c->cfg, NULL, &e) : NULL;
	if (!c->auth)
		goto fail;
	dv_http_set_auth(c->http, c->auth);
	snprintf(base, sizeof(base), "%s/api/data/v9.2/", emu.url);
	c->cat = dv_catalog_new(c->http, base, 0, 1, NULL);
	if (!c->cat || dv_catalog_set_disk_cache(c->cat, c->cfg.metadata_cache_location,
						 c->cfg.metadata_cache_ttl) != 0)
		return -1;
	return 0;
fail:
	tap_diag("conn_open: %s", e.message);
	return -1;
}

static void conn_close(struct conn *c)
{
	dv_catalog_free(c->cat);
	dv_auth_free(c->auth);
	dv_http_free(c->http);
	dv_config_free(&c->cfg);
}

/* The metadata requests (EntityDefinitions) since the last emu_reset. */
static int metadata_requests(void)
{
	return emu_count_requests(&emu, 0, "EntityDefinitions", NULL);
}

/* "account:<ncolumns>,contact:<ncolumns>" or NULL. */
static int describe(struct conn *c, char *out, size_t size)
{
	const struct dv_entity *a, *k;
	struct dv_error e;
	if (dv_catalog_entity(c->cat, "account", &a, &e) != 0 ||
	    dv_catalog_entity(c->cat, "contact", &k, &e) != 0) {
		tap_diag("describe: %s", e.message);
		return -1;
	}
	snprintf(out, size, "account:%zu:%s,contact:%zu:%s", a->ncolumns, a->entity_set,
		 k->ncolumns, k->entity_set);
	return 0;
}

/* A corrupt or truncated file is ignored: metadata read afresh, file replaced. */
static void test_corrupt(const char *path, char *keys)
{
	static const char *const bodies[] = {
		"{\"format\":1,\"key\":\"", /* truncated */
		"\x01\x02 not json at all",
		"{\"format\":1,\"key\":42,\"created\":\"x\",\"entries\":[]}",
	};
	char first[128], second[128];
	struct conn c;
	struct stat st;
	snprintf(keys, 512, "MetadataCacheLocation=%s;MetadataCacheTTL=3600", path);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		FILE *f = fopen(path, "w");
		fputs(bodies[i], f);
		fclose(f);
		emu_reset(&emu);
		ok(conn_open(&c, keys) == 0 && describe(&c, first, sizeof(first)) == 0,
		   "bad cache file %zu: the connection works", i);
		is_int(metadata_requests(), 3, "bad cache file %zu: metadata read afresh", i);
		conn_close(&c);
		emu_reset(&emu);
		ok(conn_open(&c, keys) == 0 && describe(&c, second, sizeof(second)) == 0 &&
		   strcmp(first, second) == 0, "bad cache file %zu: replaced by a good one", i);
		is_int(metadata_requests(), 0, "bad cache file %zu: next connection sends none", i);
		conn_close(&c);
	}
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "replaced file is 0600");
	unlink(path);
}

/* A table missing from the cached entity list (made after the file was
 * written): the list is read again, the file dropped and rewritten. */
static void test_new_table(const char *path, const char *keys)
{
	const struct dv_entity *e;
	struct dv_error err;
	struct conn c;
	struct stat st;
	char *text = NULL, *p;
	long len;
	FILE *f;
	unlink(path);
	ok(conn_open(&c, keys) == 0 && dv_catalog_entity(c.cat, "account", &e, &err) == 0,
	   "a cache file with the list and account");
	conn_close(&c);
	/* rename contact in the file's list: as if contact were made after it */
	f = fopen(path, "rb");
	if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		text = calloc(1, (size_t)len + 1);
		if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
			free(text);
			text = NULL;
		}
	}
	if (f)
		fclose(f);
	p = text ? strstr(text, "\\\"LogicalName\\\":\\\"contact\\\"") : NULL;
	ok(p != NULL, "contact is in the cached list");
	if (p) {
		memcpy(strstr(p, "contact"), "cntact_", 7);
		f = fopen(path, "wb");
		fputs(text, f);
		fclose(f);
	}
	free(text);
	emu_reset(&emu);
	ok(conn_open(&c, keys) == 0 && dv_catalog_entity(c.cat, "account", &e, &err) == 0,
	   "account from the file");
	is_int(metadata_requests(), 0, "no request for it");
	ok(dv_catalog_entity(c.cat, "contact", &e, &err) == 0 && e->ncolumns > 10,
	   "contact, not in the cached list, is found");
	is_int(metadata_requests(), 2, "the list read again, then contact");
	ok(dv_catalog_entity(c.cat, "nosuchtable", &e, &err) != 0 && err.state == DV_S_42S02,
	   "a table that is none: 42S02");
	is_int(metadata_requests(), 2, "without reading the list a third time");
	conn_close(&c);
	emu_reset(&emu);
	ok(conn_open(&c, keys) == 0 && dv_catalog_entity(c.cat, "contact", &e, &err) == 0 &&
	   dv_catalog_entity(c.cat, "account", &e, &err) == 0, "next connection");
	is_int(metadata_requests(), 1, "the rewritten file has the list and contact; account "
	       "(dropped with the old file) is read again");
	conn_close(&c);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file rewritten, 0600");
	unlink(path);
}

/* Many tables in batches; a handful one request each; then no more requests. */
static void test_batches(const char *path)
{
	static const char *const all[] = {"account", "contact", "lead", "opportunity",
					  "systemuser", "team", "new_project", "nosuchtable"};
	static const char *const two[] = {"account", "contact"};
	const struct dv_entity *e;
	struct dv_error err;
	struct conn c;
	char *reqs;
	unlink(path);
	emu_reset(&emu);
	ok(conn_open(&c, "") == 0 && dv_catalog_load_columns(c.cat, all, 8, &err) == 0,
	   "seven tables (and a name that is none) loaded together");
	is_int(metadata_requests(), 2, "the list and one batch request");
	reqs = emu_requests(&emu, 0);
	ok(reqs && strstr(reqs, "EntityDefinitions?$select=LogicalName&$filter=LogicalName%20eq"
			  "%20%27account%27%20or%20LogicalName%20eq%20%27businessunit%27") != NULL,
	   "the batch filters on the logical names, sorted, all of the list's slice");
	ok(reqs && strstr(reqs, "&$expand=Attributes,ManyToOneRelationships($select=") != NULL,
	   "and expands attributes and relationships");
	free(reqs);
	ok(dv_catalog_entity(c.cat, "new_project", &e, &err) == 0 && e->ncolumns > 40 &&
	   e->nmany_to_one > 0, "a batched table has its columns and relationships");
	is_int(metadata_requests(), 2, "no request for a batched table");
	conn_close(&c);

	emu_reset(&emu);
	ok(conn_open(&c, "") == 0 && dv_catalog_load_columns(c.cat, two, 2, &err) == 0,
	   "two tables loaded");
	is_int(metadata_requests(), 3, "two tables: one request each");
	reqs = emu_requests(&emu, 0);
	ok(reqs && strstr(reqs, "EntityDefinitions(LogicalName='account')?$select=LogicalName"
			  "&$expand=Attributes,ManyToOneRelationships($select=") != NULL,
	   "one table: EntityDefinitions(LogicalName=...) with the expansions");
	free(reqs);
	/* a walk, one table per call: two more single requests, then the batch */
	ok(dv_catalog_load_columns(c.cat, &all[2], 1, &err) == 0 &&
	   dv_catalog_load_columns(c.cat, &all[3], 1, &err) == 0, "third and fourth table");
	is_int(metadata_requests(), 5, "still one request each up to the fourth table");
	ok(dv_catalog_load_columns(c.cat, &all[4], 1, &err) == 0, "fifth table");
	is_int(metadata_requests(), 6, "the fifth loads its batch (all the emulator's tables)");
	ok(dv_catalog_load_columns(c.cat, &all[5], 1, &err) == 0 &&
	   dv_catalog_load_columns(c.cat, &all[6], 1, &err) == 0 &&
	   dv_catalog_entity(c.cat, "team", &e, &err) == 0, "the rest of the walk");
	is_int(metadata_requests(), 6, "no request for the rest");
	conn_close(&c);
}

/* The per-user default: $XDG_CACHE_HOME/dvodbc, else ~/.cache/dvodbc. */
static void test_default_path(const char *dir)
{
	char xdg[300], want[400], home[300];
	struct stat st;
	char *p1, *p2, *p3, *p4;
	const char *old_home = getenv("HOME");
	char *saved_home = old_home ? strdup(old_home) : NULL;
	snprintf(xdg, sizeof(xdg), "%s/xdg", dir);
	setenv("XDG_CACHE_HOME", xdg, 1);
	p1 = dv_catalog_default_cache_path("https://a.example/api/data/v9.2/", "u1");
	p2 = dv_catalog_default_cache_path("https://a.example/api/data/v9.2/", "u1");
	p3 = dv_catalog_default_cache_path("https://a.example/api/data/v9.2/", "u2");
	p4 = dv_catalog_default_cache_path("https://b.example/api/data/v9.2/", "u1");
	snprintf(want, sizeof(want), "%s/dvodbc/metadata-", xdg);
	ok(p1 && strncmp(p1, want, strlen(want)) == 0 && strstr(p1, ".json"),
	   "default file under $XDG_CACHE_HOME/dvodbc");
	ok(p1 && p2 && strcmp(p1, p2) == 0, "same org and identity: same file");
	ok(p1 && p3 && strcmp(p1, p3) != 0, "another identity: another file");
	ok(p1 && p4 && strcmp(p1, p4) != 0, "another org: another file");
	snprintf(want, sizeof(want), "%s/dvodbc", xdg);
	ok(stat(want, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	   "the dvodbc directory is 0700");
	chmod(want, 0755);
	free(p2);
	p2 = dv_catalog_default_cache_path("https://a.example/api/data/v9.2/", "u1");
	ok(stat(want, &st) == 0 && (st.st_mode & 0777) == 0700, "a 0755 directory is made 0700");
	free(p1), free(p2), free(p3), free(p4);
	/* a relative XDG_CACHE_HOME is invalid: ~/.cache */
	snprintf(home, sizeof(home), "%s/home", dir);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	setenv("XDG_CACHE_HOME", "relative/dir", 1);
	p1 = dv_catalog_default_cache_path("https://a.example/api/data/v9.2/", "u1");
	snprintf(want, sizeof(want), "%s/.cache/dvodbc/metadata-", home);
	ok(p1 && strncmp(p1, want, strlen(want)) == 0, "relative XDG_CACHE_HOME: ~/.cache/dvodbc");
	free(p1);
	unsetenv("HOME");
	unsetenv("XDG_CACHE_HOME");
	p1 = dv_catalog_default_cache_path("https://a.example/api/data/v9.2/", "u1");
	ok(p1 == NULL, "no home: no default file");
	free(p1);
	if (saved_home)
		setenv("HOME", saved_home, 1);
	free(saved_home);
	snprintf(want, sizeof(want), "rm -rf '%s/xdg' '%s/home'", dir, dir);
	if (system(want) != 0)
		tap_diag("could not clean %s", dir);
}

int main(void)
{
	char dir[] = "/tmp/dvmdcache.XXXXXX", keys[512], first[128], second[128];
	char path[300];
	struct conn c;
	struct stat st;
	if (!mkdtemp(dir) || emu_start(&emu, "--rows 20 --seed 1") != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	snprintf(keys, sizeof(keys), "MetadataCacheLocation=%s;MetadataCacheTTL=3600", path);

	emu_reset(&emu);
	ok(conn_open(&c, keys) == 0 && describe(&c, first, sizeof(first)) == 0,
	   "first connection reads metadata");
	is_int(c.cfg.metadata_cache_ttl, 3600, "MetadataCacheTTL parsed");
	/* the entity list, then one request per table */
	is_int(metadata_requests(), 3, "first connection: list + account + contact");
	conn_close(&c);
	ok(stat(path, &st) == 0, "cache file written");
	is_int(st.st_mode & 0777, 0600, "cache file is 0600");

	emu_reset(&emu);
	ok(conn_open(&c, keys) == 0 && describe(&c, second, sizeof(second)) == 0,
	   "second connection reads metadata");
	is_int(metadata_requests(), 0, "warm cache: no EntityDefinitions request");
	is_str(second, first, "same tables and columns from the file");
	dv_catalog_invalidate(c.cat);
	ok(stat(path, &st) != 0, "invalidation removes the file");
	conn_close(&c);

	/* a stale file: lifetime 1 s, read 2 s after it was written */
	snprintf(keys, sizeof(keys), "MetadataCacheLocation=%s;MetadataCacheTTL=1", path);
	ok(conn_open(&c, keys) == 0 && describe(&c, first, sizeof(first)) == 0,
	   "short-lived cache filled");
	conn_close(&c);
	sleep(2);
	emu_reset(&emu);
	ok(conn_open(&c, keys) == 0 && describe(&c, second, sizeof(second)) == 0,
	   "connection after the lifetime");
	is_int(metadata_requests(), 3, "stale cache: metadata fetched again");
	is_str(second, first, "same answer after refetching");
	conn_close(&c);

	/* no location: the default is no file */
	emu_reset(&emu);
	ok(conn_open(&c, "") == 0 && describe(&c, second, sizeof(second)) == 0,
	   "connection without a cache file");
	ok(c.cfg.metadata_cache_location == NULL || c.cfg.metadata_cache_location[0] == '\0',
	   "MetadataCacheLocation defaults to none");
	is_int(c.cfg.metadata_cache_ttl, 3600, "MetadataCacheTTL defaults to 3600");
	is_int(metadata_requests(), 3, "without the file every connection asks");
	conn_close(&c);

	test_corrupt(path, keys);
	test_new_table(path, keys);
	test_batches(path);
	test_default_path(dir);

	unlink(path);
	rmdir(dir);
	emu_stop(&emu);
	return tap_done();
}
