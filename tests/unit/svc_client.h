/* svc_client.h - test helper: the service client (config, HTTP, auth) on
 * the emulator, as a connection builds it.
 *
 * Owns: struct svc_client and its open/close.  The emulator's connection
 * string (emu_connstr: URL, fixed identity, AzureAuthorityHost) follows the
 * override keys; the first occurrence of a key wins, so overrides go first.
 * Header-only like tap.h. */
#ifndef DV_TESTS_SVC_CLIENT_H
#define DV_TESTS_SVC_CLIENT_H

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "config/config.h"
#include "emu.h"
#include "http/http.h"

struct svc_client {
	struct dv_config cfg;
	struct dv_http *http;
	struct dv_auth *auth;
};

/* override: keys that replace the emulator's ("OAuthClientSecret=wrong"), or NULL. */
static inline int svc_client_open(struct svc_client *c, struct emu *em, const char *override,
				  struct dv_error *e)
{
	char cs[2048];
	memset(c, 0, sizeof(*c));
	dv_config_init(&c->cfg);
	snprintf(cs, sizeof(cs), "%s;%s", override ? override : "", emu_connstr(em));
	if (dv_config_from_connstr(&c->cfg, cs, e) != 0 || dv_config_validate(&c->cfg, e) != 0)
		return -1;
	c->http = dv_http_new(&c->cfg, NULL, e);
	c->auth = c->http ? dv_auth_new(&c->cfg, NULL, e) : NULL;
	if (!c->auth)
		return -1;
	dv_http_set_auth(c->http, c->auth);
	return 0;
}

static inline void svc_client_close(struct svc_client *c)
{
	dv_auth_free(c->auth);
	dv_http_free(c->http);
	dv_config_free(&c->cfg);
}

#endif
