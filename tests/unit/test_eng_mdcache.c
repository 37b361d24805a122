/* test_eng_mdcache.c - the metadata cache file (MetadataCacheLocation).
 *
 * A first connection fills the file (mode 0600); a second one within the
 * lifetime sends no EntityDefinitions request and sees the same columns;
 * after the lifetime the metadata is fetched again; invalidation removes
 * the file; the connection keys parse.  Against the emulator's request log. */
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

static int metadata_requests(void)
{
	char *all = emu_requests(&emu, 0), *p;
	int n = 0;
	for (p = all; p && (p = strstr(p, "EntityDefinitions")) != NULL; p++)
		n++;
	free(all);
	return n;
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
	ok(metadata_requests() >= 3, "first connection asks the service (%d requests)",
	   metadata_requests());
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
	ok(metadata_requests() >= 3, "stale cache: metadata fetched again (%d requests)",
	   metadata_requests());
	is_str(second, first, "same answer after refetching");
	conn_close(&c);

	/* no location: the default is no file */
	emu_reset(&emu);
	ok(conn_open(&c, "") == 0 && describe(&c, second, sizeof(second)) == 0,
	   "connection without a cache file");
	ok(c.cfg.metadata_cache_location == NULL || c.cfg.metadata_cache_location[0] == '\0',
	   "MetadataCacheLocation defaults to none");
	is_int(c.cfg.metadata_cache_ttl, 3600, "MetadataCacheTTL defaults to 3600");
	ok(metadata_requests() >= 3, "without the file every connection asks");
	conn_close(&c);

	unlink(path);
	rmdir(dir);
	emu_stop(&emu);
	return tap_done();
}
