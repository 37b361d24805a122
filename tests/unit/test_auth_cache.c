/* test_auth_cache.c - the token cache at OAuthSettingsLocation: file mode
 * 0600, no temporary file left, two DSNs in one file, memory://, and many
 * processes with the same DSN refreshing at once (one file, no corruption,
 * no lost rotated refresh token: the emulator accepts each refresh token
 * once). */
#include "test_auth_common.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#define PASSWORD_DSN "AuthScheme=AzureAD;OAuthGrantType=PASSWORD;User=" EMU_USER \
	";Password=" EMU_PASSWORD
#define PROCS 8

static char cache_path[400];

static int files_in_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "tokens.json.tmp", 15) == 0)
			n++;
	if (d)
		closedir(d);
	return n;
}

static int entries_in(const char *path)
{
	static const char *tokens[] = {"tokens", NULL};
	char *text = read_file(path), errbuf[128];
	yajl_val root = text ? yajl_tree_parse(text, errbuf, sizeof(errbuf)) : NULL;
	yajl_val t = root ? yajl_tree_get(root, tokens, yajl_t_object) : NULL;
	int n = t ? (int)t->u.object.len : -1;
	yajl_tree_free(root);
	free(text);
	return n;
}

static void test_file(void)
{
	struct dv_error e;
	struct stat st;
	char cs[1024], sp[1024], *text;

	emu_reset(&emu);
	unlink(cache_path);
	snprintf(cs, sizeof(cs), "%s;OAuthSettingsLocation=%s", PASSWORD_DSN, cache_path);
	is_int(client_token(cs, &e), 0, "file: user sign-in stored");
	is_int(stat(cache_path, &st), 0, "file: created");
	is_int(st.st_mode & 0777, 0600, "file: mode 0600");
	is_int(files_in_dir(emu.dir), 0, "file: no temporary file left");
	snprintf(sp, sizeof(sp), "AuthScheme=AzureServicePrincipal;OAuthClientSecret=%s;"
		 "OAuthSettingsLocation=%s", EMU_SECRET, cache_path);
	is_int(client_token(sp, &e), 0, "file: a second DSN in the same file");
	is_int(entries_in(cache_path), 2, "file: two entries, one per DSN");
	text = read_file(cache_path);
	ok(text && strstr(text, "client credentials (secret)") && strstr(text, " user " EMU_USER),
	   "file: entries keyed by URL, client, tenant, flow and user");
	free(text);
	emu_reset(&emu);
	is_int(client_token(cs, &e), 0, "file: first DSN again");
	is_int(client_token(sp, &e), 0, "file: second DSN again");
	is_int(emu_request_count(&emu), 0, "file: both served from the file, no token request");
	stat(cache_path, &st);
	is_int(st.st_mode & 0777, 0600, "file: still 0600 after rewrites");
}

static void test_memory(void)
{
	struct dv_error e;
	char cs[1024];
	emu_reset(&emu);
	snprintf(cs, sizeof(cs), "%s;OAuthSettingsLocation=memory://", PASSWORD_DSN);
	is_int(client_token(cs, &e), 0, "memory: first connection signs in");
	is_int(client_token(cs, &e), 0, "memory: second connection");
	is_int(emu_request_count(&emu), 1, "memory: the token was shared in the process");
	snprintf(cs, sizeof(cs), "%s;OAuthSettingsLocation=memory://other", PASSWORD_DSN);
	is_int(client_token(cs, &e), 0, "memory: another location");
	is_int(emu_request_count(&emu), 2, "memory: another location has its own tokens");
}

/* Child: one connection with InitiateOAuth=REFRESH, a token, a Web API call. */
static int child_run(const char *cs)
{
	struct client c;
	struct dv_error e;
	const char *tok;
	int rc = 1;
	if (client_open(&c, cs, &e) == 0 && dv_auth_token(c.auth, c.http, 0, &tok, &e) == 0 &&
	    whoami_status(&c) == 200)
		rc = 0;
	else
		fprintf(stderr, "child %d: %s\n", (int)getpid(), e.message);
	client_close(&c);
	return rc;
}

static void test_concurrent(void)
{
	struct dv_error e;
	char cs[1024], *stats;
	pid_t pids[PROCS];
	int failed = 0;

	emu_reset(&emu);
	unlink(cache_path);
	/* 30 s tokens: every process finds the stored one too close to expiry and
	 * must refresh, each with the refresh token the previous one saved */
	emu_post(&emu, "/_emu/config", "{\"token_lifetime\":30}");
	snprintf(cs, sizeof(cs), "%s;OAuthSettingsLocation=%s", PASSWORD_DSN, cache_path);
	is_int(client_token(cs, &e), 0, "concurrent: initial sign-in stored");
	snprintf(cs, sizeof(cs), "AuthScheme=AzureAD;OAuthGrantType=CODE;InitiateOAuth=REFRESH;"
		 "User=" EMU_USER ";OAuthSettingsLocation=%s", cache_path);
	fflush(stdout);
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(child_run(cs));
	}
	for (int i = 0; i < PROCS; i++) {
		int status = 0;
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	is_int(failed, 0, "concurrent: %d processes all connected", PROCS);
	stats = emu_get("/_emu/identity/stats");
	ok(stats && strstr(stats, "\"refresh_token\": 8") != NULL,
	   "concurrent: 8 refreshes, one after another: %s", stats ? stats : "-");
	ok(stats && strstr(stats, "\"ok\": 1,") != NULL,
	   "concurrent: exactly one live refresh token remains");
	free(stats);
	is_int(entries_in(cache_path), 1, "concurrent: the file is valid JSON with one entry");
	is_int(files_in_dir(emu.dir), 0, "concurrent: no temporary file left");
	is_int(client_token(cs, &e), 0, "concurrent: the last saved refresh token works: %s",
	       e.message);
	emu_post(&emu, "/_emu/config", "{\"token_lifetime\":3600}");
}

int main(void)
{
	if (emu_start(&emu, "--rows 5 --seed 1") != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	snprintf(cache_path, sizeof(cache_path), "%s/tokens.json", emu.dir);
	test_file();
	test_memory();
	test_concurrent();
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
