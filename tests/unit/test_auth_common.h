/* test_auth_common.h - helpers shared by the test_auth_*.c programs: a
 * service client (config + http + auth) built from a connection string
 * pointing at the emulator, small HTTP calls to the emulator's login pages,
 * and file helpers.  Header-only (static functions) so each test stays one
 * program. */
#ifndef DV_TESTS_TEST_AUTH_COMMON_H
#define DV_TESTS_TEST_AUTH_COMMON_H

#include "auth/auth.h"
#include "config/config.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "emu.h"
#include "tap.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMU_USER "user@dvemu.onmicrosoft.com"
#define EMU_PASSWORD "dvemu-password"

static struct emu emu;

struct client {
	struct dv_config cfg;
	struct dv_log *log;
	struct dv_http *http;
	struct dv_auth *auth;
};

/* Opens a client with the whole connection string cs.  Returns 0 or -1
 * with e set. */
static inline int client_open_cs(struct client *c, const char *cs, struct dv_error *e)
{
	memset(c, 0, sizeof(*c));
	dv_config_init(&c->cfg);
	if (dv_config_from_connstr(&c->cfg, cs, e) != 0 || dv_config_validate(&c->cfg, e) != 0)
		return -1;
	if (c->cfg.log_file && *c->cfg.log_file)
		c->log = dv_log_open(c->cfg.log_file, c->cfg.verbosity);
	c->http = dv_http_new(&c->cfg, c->log, e);
	c->auth = c->http ? dv_auth_new(&c->cfg, c->log, e) : NULL;
	if (!c->auth)
		return -1;
	dv_http_set_auth(c->http, c->auth);
	return 0;
}

/* Opens a client on the emulator with connstr (URL and AzureAuthorityHost
 * are added).  Returns 0 or -1 with e set. */
static inline int client_open(struct client *c, const char *connstr, struct dv_error *e)
{
	char cs[4096];
	snprintf(cs, sizeof(cs), "%s;URL=%s;AzureAuthorityHost=%s;AzureTenant=%s;"
		 "OAuthClientId=%s", connstr, emu.url, emu.url, EMU_TENANT, EMU_CLIENT_ID);
	return client_open_cs(c, cs, e);
}

static inline void client_close(struct client *c)
{
	dv_auth_free(c->auth);
	dv_http_free(c->http);
	dv_log_close(c->log);
	dv_config_free(&c->cfg);
	memset(c, 0, sizeof(*c));
}

/* Opens a client and gets a token; returns dv_auth_token's result. */
static inline int client_token(const char *connstr, struct dv_error *e)
{
	struct client c;
	const char *tok;
	int rc = client_open(&c, connstr, e);
	if (rc == 0)
		rc = dv_auth_token(c.auth, c.http, 0, &tok, e);
	client_close(&c);
	return rc;
}

static inline size_t collect_body(char *data, size_t size, size_t n, void *ctx)
{
	return dv_buf_append(ctx, data, size * n) == 0 ? size * n : 0;
}

/* A Web API GET with the client's token: the HTTP status (200 = the token works). */
static inline long whoami_status(struct client *c)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_error e;
	char url[256];
	long status;
	snprintf(url, sizeof(url), "%s/api/data/v9.2/WhoAmI", emu.url);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	dv_http_resp_init(&resp);
	dv_http_send(c->http, &req, &resp, &e);
	status = resp.status;
	dv_http_resp_free(&resp);
	return status;
}

/* Completes the emulator's login page for an authorization URL like a browser
 * would (POST of the form), returning the redirect Location (caller frees). */
static inline char *emu_login(const char *auth_url, const char *user, const char *password)
{
	const char *q = strchr(auth_url, '?');
	char *location = NULL, *loc_info = NULL, *eu, *ep;
	struct dv_buf body, sink;
	CURL *curl = curl_easy_init();
	if (!q || !curl)
		return NULL;
	dv_buf_init(&body, 0);
	dv_buf_init(&sink, 0);
	eu = curl_easy_escape(curl, user, 0);
	ep = curl_easy_escape(curl, password, 0);
	dv_buf_appendf(&body, "%s&username=%s&password=%s", q + 1, eu, ep);
	curl_free(eu);
	curl_free(ep);
	curl_easy_setopt(curl, CURLOPT_URL, auth_url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, dv_buf_str(&body));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	if (curl_easy_perform(curl) == CURLE_OK &&
	    curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &loc_info) == CURLE_OK && loc_info)
		location = strdup(loc_info);
	curl_easy_cleanup(curl);
	dv_buf_free(&body);
	dv_buf_free(&sink);
	return location;
}

/* GET of an emulator control path; the body (caller frees) or NULL. */
static inline char *emu_get(const char *path)
{
	struct dv_buf out;
	char url[512];
	CURL *curl = curl_easy_init();
	long status = 0;
	if (!curl)
		return NULL;
	dv_buf_init(&out, 0);
	snprintf(url, sizeof(url), "%s%s", emu.url, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (status != 200) {
		dv_buf_free(&out);
		return NULL;
	}
	return dv_buf_steal(&out);
}

static inline char *read_file(const char *path)
{
	struct dv_buf b;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	dv_buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		dv_buf_append(&b, chunk, n);
	fclose(fp);
	return dv_buf_steal(&b);
}

static inline int count_of(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; p && (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

#endif
