/* dvodbc-login.c - runs the sign-in of a DSN once and stores its tokens.
 *
 *   dvodbc-login [--no-browser] DSN
 *
 * Reads the DSN from odbc.ini, signs in with its flow (browser for
 * OAuthGrantType=CODE, device code for DEVICE, ...) and writes the tokens to
 * the DSN's OAuthSettingsLocation, so that a scheduled job using the DSN with
 * InitiateOAuth=REFRESH never needs a person.  --no-browser prints the
 * sign-in address instead and reads back the address the browser ends on (or
 * its code) from standard input.  Messages go to stderr; no secret is
 * printed.  Exit status 0 when signed in. */
#include "auth/auth.h"
#include "config/config.h"
#include "http/http.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tell(void *ctx, const char *text)
{
	fprintf(stderr, "%s\n", text);
}

static int fail(const char *dsn, const struct dv_error *err)
{
	fprintf(stderr, "dvodbc-login: %s: [%s] %s\n", dsn, dv_sqlstate_code(err->state),
		err->message);
	return 1;
}

static int sign_in(struct dv_config *cfg, struct dv_log *log, struct dv_error *err)
{
	struct dv_http *http = dv_http_new(cfg, log, err);
	struct dv_auth *auth = http ? dv_auth_new(cfg, log, err) : NULL;
	int rc = -1;
	if (auth) {
		dv_auth_set_notify(auth, tell, NULL);
		rc = dv_auth_sign_in(auth, http, err);
	}
	dv_auth_free(auth);
	dv_http_free(http);
	return rc;
}

/* Reads one line (the code or the whole address) from stdin. */
static int read_code(char *buf, size_t size)
{
	size_t n;
	fprintf(stderr, "Paste the address the browser ended on (or its code) and press "
			"Enter:\n");
	if (!fgets(buf, (int)size, stdin))
		return -1;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return n ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct dv_config cfg;
	struct dv_error err;
	struct dv_log *log = NULL;
	int no_browser = argc == 3 && strcmp(argv[1], "--no-browser") == 0;
	const char *dsn = argv[argc - 1];
	char code[4096];
	int rc;

	if (argc != 2 && !no_browser) {
		fprintf(stderr, "usage: dvodbc-login [--no-browser] DSN\n");
		return 2;
	}
	dv_config_init(&cfg);
	dv_error_clear(&err);
	rc = dv_config_from_dsn(&cfg, dsn, &err);
	if (rc == 0)
		rc = dv_config_set(&cfg, "InitiateOAuth", "GETANDREFRESH", &err);
	if (rc == 0 && no_browser)
		rc = dv_config_set(&cfg, "OAuthBrowser", "none", &err);
	if (rc == 0)
		rc = dv_config_validate(&cfg, &err);
	if (rc == 0 && (!cfg.oauth_settings_location || !*cfg.oauth_settings_location ||
			strncmp(cfg.oauth_settings_location, "memory:", 7) == 0))
		rc = dv_error_set(&err, DV_S_HY024, 0, "set OAuthSettingsLocation in the DSN to a "
				  "file: the tokens must be stored for the DSN's later "
				  "connections");
	if (rc == 0 && cfg.log_file && *cfg.log_file)
		log = dv_log_open(cfg.log_file, cfg.verbosity);
	if (rc == 0)
		rc = sign_in(&cfg, log, &err);
	if (rc != 0 && no_browser && err.state == DV_S_28000 &&
	    strncmp(err.message, "sign-in needed", 14) == 0) {
		rc = read_code(code, sizeof(code));
		if (rc == 0)
			rc = dv_config_set(&cfg, "OAuthVerifier", code, &err);
		else
			dv_error_set(&err, DV_S_HY000, 0, "no code was entered");
		memset(code, 0, sizeof(code));
		if (rc == 0)
			rc = sign_in(&cfg, log, &err);
	}
	if (rc == 0)
		fprintf(stderr, "dvodbc-login: %s: signed in; tokens stored in %s\n", dsn,
			cfg.oauth_settings_location);
	else
		fail(dsn, &err);
	dv_log_close(log);
	dv_config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
