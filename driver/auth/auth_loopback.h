/* auth_loopback.h - the loopback redirect listener and the browser launcher
 * of the authorization code flow (auth_loopback.c). */
#ifndef DV_AUTH_AUTH_LOOPBACK_H
#define DV_AUTH_AUTH_LOOPBACK_H

#include "util/error.h"

struct dv_log;

struct dv_loopback {
	int fd;              /* listening socket, -1 when closed */
	int port;            /* the port actually bound */
	char *path;          /* path the redirect arrives on ("/" by default) */
	char *redirect_uri;  /* CallbackURL, with the bound port when it said :0 */
};

/* Listens on CallbackURL's loopback port (http://localhost:PORT/path or
 * http://127.0.0.1:PORT/path; port 0 = any free port).  0 / -1 with err. */
int dv_loopback_open(struct dv_loopback *lb, const char *callback_url, struct dv_error *err);
/* Waits up to timeout_s for the browser's redirect; answers it with a small
 * page and returns the code (caller frees) when it carries `state`.  Other
 * requests (favicon...) get a 404 and the wait goes on. */
int dv_loopback_wait(struct dv_loopback *lb, const char *state, long timeout_s, char **code,
		     struct dv_error *err);
void dv_loopback_close(struct dv_loopback *lb);

/* The browser command: OAuthBrowser, else $BROWSER, else xdg-open when a
 * display is available; NULL when none ("none" included). */
const char *dv_browser_command(const char *configured);
/* Starts command (split on blanks) with url as its last argument, detached
 * (no zombie left).  0, or -1 when it could not be started. */
int dv_browser_open(const char *command, const char *url, struct dv_log *log);

/* Percent-decodes the value of name in a query string ("a=1&b=2"); NULL when
 * absent.  Caller frees. */
char *dv_query_param(const char *query, const char *name);

#endif
