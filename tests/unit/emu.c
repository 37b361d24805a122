/* emu.c - test helper: start, drive and stop the Dataverse emulator (see emu.h). */
#include "emu.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "util/buf.h"

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return (v && *v) ? v : dflt;
}

static int read_port(const char *path)
{
	FILE *fp = fopen(path, "r");
	int port = 0;
	if (!fp)
		return 0;
	if (fscanf(fp, "%d", &port) != 1)
		port = 0;
	fclose(fp);
	return port;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Splits extra args on blanks into argv (no quoting: tests pass simple flags). */
static int build_argv(char **argv, int max, char *copy, const char *emu, const char *portfile)
{
	int n = 0;
	argv[n++] = (char *)"/usr/bin/python3";
	argv[n++] = (char *)emu;
	argv[n++] = (char *)"--port-file";
	argv[n++] = (char *)portfile;
	for (char *tok = strtok(copy, " "); tok && n < max - 1; tok = strtok(NULL, " "))
		argv[n++] = tok;
	argv[n] = NULL;
	return n;
}

int emu_start(struct emu *e, const char *extra_args)
{
	char portfile[320], emu_path[512], copy[1024], logpath[320];
	char *argv[64];
	const char *srcdir = env_or("top_srcdir", TOP_SRCDIR);
	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "%s/dvtest.XXXXXX", env_or("TMPDIR", "/tmp"));
	if (!mkdtemp(e->dir)) {
		fprintf(stderr, "emu_start: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	/* the driver's per-user metadata cache (MetadataCache) of this test goes to
	 * this emulator's directory: never the real home, empty at each start */
	snprintf(portfile, sizeof(portfile), "%s/cache", e->dir);
	setenv("XDG_CACHE_HOME", portfile, 1);
	snprintf(portfile, sizeof(portfile), "%s/port", e->dir);
	snprintf(logpath, sizeof(logpath), "%s/dvemu.log", e->dir);
	snprintf(emu_path, sizeof(emu_path), "%s/tests/emulator/dvemu", srcdir);
	snprintf(copy, sizeof(copy), "%s", extra_args ? extra_args : "");
	build_argv(argv, 64, copy, emu_path, portfile);
	e->pid = fork();
	if (e->pid < 0)
		return -1;
	if (e->pid == 0) {
		FILE *lf = freopen(logpath, "a", stderr);
		(void)lf;
		execv(argv[0], argv);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) { /* up to 60 s for large --rows */
		int status;
		e->port = read_port(portfile);
		if (e->port > 0)
			break;
		if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
			fprintf(stderr, "emu_start: dvemu exited early (see %s)\n", logpath);
			e->pid = 0;
			return -1;
		}
		sleep_ms(100);
	}
	if (e->port <= 0) {
		fprintf(stderr, "emu_start: dvemu wrote no port file\n");
		emu_stop(e);
		return -1;
	}
	snprintf(e->url, sizeof(e->url), "http://127.0.0.1:%d", e->port);
	return 0;
}

static void remove_dir(const char *dir)
{
	char cmd[600];
	if (!dir[0] || getenv("DVTEST_KEEP"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "emu_stop: could not remove %s\n", dir);
}

void emu_stop(struct emu *e)
{
	if (e->pid > 0) {
		int status;
		kill(e->pid, SIGTERM);
		for (int i = 0; i < 50; i++) {
			if (waitpid(e->pid, &status, WNOHANG) == e->pid)
				break;
			sleep_ms(100);
			if (i == 49) {
				kill(e->pid, SIGKILL);
				waitpid(e->pid, &status, 0);
			}
		}
		e->pid = 0;
	}
	remove_dir(e->dir);
	e->dir[0] = '\0';
}

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	struct dv_buf *b = ctx;
	return dv_buf_append(b, data, size * n) == 0 ? size * n : 0;
}

/* method NULL: GET; "POST" (json body), "DELETE" to the emulator; body into out. */
static int emu_call(struct emu *e, const char *path, const char *method, const char *json,
		    struct dv_buf *out)
{
	int post = method && strcmp(method, "POST") == 0;
	char url[512];
	long status = -1;
	struct curl_slist *hdr = NULL;
	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	snprintf(url, sizeof(url), "%s%s", e->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (post) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json ? json : "{}");
	} else if (method) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	if (out) {
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return (int)status;
}

/* POSTs the client-credentials form to the emulator's token endpoint; the
 * access token into e->token ("" on failure). */
static void webapi_sign_in(struct emu *e)
{
	char url[256], form[512], errbuf[128];
	const char *path[] = {"access_token", NULL};
	struct dv_buf body;
	CURL *c = curl_easy_init();
	e->token[0] = '\0';
	if (!c)
		return;
	dv_buf_init(&body, 0);
	snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/token", e->url, EMU_TENANT);
	snprintf(form, sizeof(form), "grant_type=client_credentials&client_id=%s&client_secret=%s"
		 "&scope=%s/.default", EMU_CLIENT_ID, EMU_SECRET, e->url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(c) == CURLE_OK) {
		yajl_val root = yajl_tree_parse(dv_buf_str(&body), errbuf, sizeof(errbuf));
		yajl_val v = root ? yajl_tree_get(root, path, yajl_t_string) : NULL;
		snprintf(e->token, sizeof(e->token), "%s", v ? YAJL_GET_STRING(v) : "");
		yajl_tree_free(root);
	}
	curl_easy_cleanup(c);
	dv_buf_free(&body);
}

int emu_webapi(struct emu *e, const char *method, const char *rel, const char *json, char **out)
{
	struct dv_buf url, body;
	struct curl_slist *hdr = NULL;
	char auth[4200];
	long status = -1;
	CURL *c;
	if (out)
		*out = NULL;
	if (!e->token[0])
		webapi_sign_in(e);
	c = curl_easy_init();
	if (!c)
		return -1;
	dv_buf_init(&url, 0);
	dv_buf_init(&body, 0);
	dv_buf_appendf(&url, "%s/api/data/v9.2/", e->url);
	for (const char *p = rel; *p; p++)
		dv_buf_append(&url, *p == ' ' ? "%20" : p, *p == ' ' ? 3 : 1);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", e->token);
	hdr = curl_slist_append(hdr, auth);
	if (json) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		if (method && strcmp(method, "PATCH") == 0)
			hdr = curl_slist_append(hdr, "If-Match: *");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	}
	curl_easy_setopt(c, CURLOPT_URL, dv_buf_str(&url));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method ? method : "GET");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	dv_buf_free(&url);
	if (out)
		*out = dv_buf_steal(&body);
	dv_buf_free(&body);
	return (int)status;
}

int emu_post(struct emu *e, const char *path, const char *json)
{
	struct dv_buf sink;
	int rc;
	dv_buf_init(&sink, 0);
	rc = emu_call(e, path, "POST", json, &sink);
	dv_buf_free(&sink);
	return rc;
}

int emu_reset(struct emu *e)
{
	return emu_post(e, "/_emu/reset", NULL);
}

int emu_fault(struct emu *e, const char *json)
{
	return emu_post(e, "/_emu/faults", json);
}

int emu_clear_faults(struct emu *e)
{
	return emu_call(e, "/_emu/faults", "DELETE", NULL, NULL);
}

yajl_val emu_requests_tree(struct emu *e, int since)
{
	struct dv_buf body;
	char path[64], errbuf[256];
	yajl_val tree = NULL;
	dv_buf_init(&body, 0);
	snprintf(path, sizeof(path), "/_emu/requests?since=%d", since);
	if (emu_call(e, path, NULL, NULL, &body) == 200)
		tree = yajl_tree_parse(dv_buf_str(&body), errbuf, sizeof(errbuf));
	dv_buf_free(&body);
	return tree;
}

char *emu_requests(struct emu *e, int since)
{
	static const char *method_path[] = {"method", NULL};
	static const char *url_path[] = {"url", NULL};
	struct dv_buf out;
	yajl_val tree = emu_requests_tree(e, since);
	dv_buf_init(&out, 0);
	if (tree && YAJL_IS_ARRAY(tree)) {
		for (size_t i = 0; i < tree->u.array.len; i++) {
			yajl_val r = tree->u.array.values[i];
			yajl_val m = yajl_tree_get(r, method_path, yajl_t_string);
			yajl_val u = yajl_tree_get(r, url_path, yajl_t_string);
			dv_buf_appendf(&out, "%s %s\n", m ? YAJL_GET_STRING(m) : "?",
				       u ? YAJL_GET_STRING(u) : "?");
		}
	}
	yajl_tree_free(tree);
	return dv_buf_steal(&out);
}

char *emu_data_requests(struct emu *e, int since)
{
	char *all = emu_requests(e, since), *out = calloc(1, strlen(all ? all : "") + 1);
	char *save = NULL;
	if (!out) {
		free(all);
		return NULL;
	}
	for (char *l = strtok_r(all ? all : "", "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strstr(l, "/api/data/") || strstr(l, "EntityDefinitions") ||
		    strstr(l, "$metadata") || strstr(l, "WhoAmI") ||
		    strstr(l, "RelationshipDefinitions") || strstr(l, "RetrieveMetadataChanges") ||
		    strstr(l, "RetrieveTotalRecordCount"))
			continue;
		strcat(out, l);
		strcat(out, "\n");
	}
	free(all);
	return out;
}

/* A string at a path of one or two names in o, or NULL. */
static const char *tree_str(yajl_val o, const char *a, const char *b)
{
	const char *path[] = {a, b, NULL};
	yajl_val v = yajl_tree_get(o, path, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : NULL;
}

char *emu_requests_detail(struct emu *e, int since, int bodies)
{
	struct dv_buf out;
	yajl_val tree = emu_requests_tree(e, since);
	dv_buf_init(&out, 0);
	for (size_t i = 0; tree && YAJL_IS_ARRAY(tree) && i < tree->u.array.len; i++) {
		yajl_val r = tree->u.array.values[i];
		const char *u = tree_str(r, "url", NULL), *b = tree_str(r, "body", NULL);
		const char *im = tree_str(r, "headers", "if-match");
		const char *pf = tree_str(r, "headers", "prefer");
		if (!u || strstr(u, "/oauth2/") || strstr(u, "EntityDefinitions") ||
		    strstr(u, "RelationshipDefinitions"))
			continue;
		dv_buf_appendf(&out, "%s %s", tree_str(r, "method", NULL), u);
		if (im)
			dv_buf_appendf(&out, " [If-Match: %s]", im);
		if (pf && strstr(pf, "continue-on-error"))
			dv_buf_appendf(&out, " [Prefer: %s]", pf);
		dv_buf_appendc(&out, '\n');
		if (bodies && b)
			dv_buf_appendf(&out, "  %s\n", b);
	}
	yajl_tree_free(tree);
	return dv_buf_steal(&out);
}

char *emu_last_api_request(struct emu *e, int since)
{
	char *all = emu_requests(e, since), *line, *last = NULL, *save = NULL;
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "/api/data/") && !strstr(line, "EntityDefinitions"))
			last = line;
	last = strdup(last ? last : "");
	free(all);
	return last;
}

int emu_count_lines(const char *log, const char *prefix)
{
	int n = 0;
	size_t k = strlen(prefix);
	for (const char *p = log; p && *p;) {
		if (strncmp(p, prefix, k) == 0)
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

int emu_count_requests(struct emu *e, int since, const char *what, const char *also)
{
	char *all = emu_requests(e, since), *save = NULL;
	int n = 0;
	for (char *l = strtok_r(all ? all : "", "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strstr(l, what) && (!also || strstr(l, also)))
			n++;
	free(all);
	return n;
}

int emu_request_count(struct emu *e)
{
	yajl_val tree = emu_requests_tree(e, 0);
	int n = (tree && YAJL_IS_ARRAY(tree)) ? (int)tree->u.array.len : -1;
	yajl_tree_free(tree);
	return n;
}

static char connstr_buf[1024];

const char *emu_connstr(struct emu *e)
{
	snprintf(connstr_buf, sizeof(connstr_buf),
		 "DRIVER=dvodbc;URL=%s;AuthScheme=AzureServicePrincipal;"
		 "OAuthGrantType=CLIENT;AzureTenant=%s;OAuthClientId=%s;"
		 "OAuthClientSecret=%s;AzureAuthorityHost=%s",
		 e->url, EMU_TENANT, EMU_CLIENT_ID, EMU_SECRET, e->url);
	return connstr_buf;
}

int emu_write_odbc_ini(struct emu *e, const char *extra_dsn_lines)
{
	char path[320];
	const char *builddir = env_or("top_builddir", TOP_BUILDDIR);
	FILE *fp;
	snprintf(path, sizeof(path), "%s/odbcinst.ini", e->dir);
	fp = fopen(path, "w");
	if (!fp)
		return -1;
	fprintf(fp, "[dvodbc]\nDescription = dvodbc test build\n"
		    "Driver = %s/driver/.libs/libdvodbc.so\n\n"
		    "[ODBC]\nTrace = %s\nTraceFile = %s/trace.log\n",
		builddir, getenv("DVTEST_TRACE") ? "Yes" : "No", e->dir);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/odbc.ini", e->dir);
	fp = fopen(path, "w");
	if (!fp)
		return -1;
	fprintf(fp, "[dvtest]\nDriver = dvodbc\nURL = %s\nAuthScheme = AzureServicePrincipal\n"
		    "OAuthGrantType = CLIENT\nAzureTenant = %s\nOAuthClientId = %s\n"
		    "OAuthClientSecret = %s\nAzureAuthorityHost = %s\n%s",
		e->url, EMU_TENANT, EMU_CLIENT_ID, EMU_SECRET, e->url,
		extra_dsn_lines ? extra_dsn_lines : "");
	fclose(fp);
	setenv("ODBCSYSINI", e->dir, 1);
	setenv("ODBCINI", path, 1);
	return 0;
}
