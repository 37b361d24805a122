/* auth_priv.h - the auth object and the flow table, shared by the flow files.
 *
 * A flow is one way to obtain a bearer token (curl's TLS backends are the
 * model: a struct of function pointers per file).  dv_auth_new picks the
 * first flow whose applies() accepts the configuration; adding a flow is
 * adding a file and a line to the table in auth.c. */
#ifndef DV_AUTH_AUTH_PRIV_H
#define DV_AUTH_AUTH_PRIV_H

#include "auth/auth.h"

struct dv_buf;

struct dv_auth_flow {
	const char *name;
	/* Does this flow serve cfg? */
	int (*applies)(const struct dv_config *cfg);
	/* Gets a new token (dv_auth_store_token); 0 or -1 with err set. */
	int (*acquire)(struct dv_auth *auth, struct dv_http *http, struct dv_error *err);
	/* Renews the token (after expiry or a 401); NULL = acquire again. */
	int (*refresh)(struct dv_auth *auth, struct dv_http *http, struct dv_error *err);
};

struct dv_auth {
	const struct dv_config *cfg;
	struct dv_log *log;
	const struct dv_auth_flow *flow;
	char *token;           /* secret */
	long long expires_at;  /* monotonic seconds; 0 = no known expiry */
	long long refresh_at;  /* monotonic seconds to renew at; 0 = never */
	char *token_url;       /* "<authority>/<tenant>/oauth2/v2.0/token" */
	char *scope;           /* "<URL>/.default" */
};

extern const struct dv_auth_flow dv_auth_flow_static;
extern const struct dv_auth_flow dv_auth_flow_client_secret;

/* Keeps token (copied) valid for expires_in seconds (<= 0: unknown).  The
 * renewal time is 5 minutes before expiry, or half the lifetime when that is
 * shorter (test servers hand out short tokens). */
int dv_auth_store_token(struct dv_auth *auth, const char *token, long expires_in,
			struct dv_error *err);
/* Appends "&name=<value url-encoded>" (no '&' when b is empty). */
int dv_auth_form_add(struct dv_buf *b, const char *name, const char *value);
/* POSTs a form to the token endpoint and stores the token of the reply.  On
 * an error reply err carries the identity platform's message and the AADSTS
 * number as native; *status is the HTTP status (0 on transport failure). */
int dv_auth_post_token_form(struct dv_auth *auth, struct dv_http *http, const char *form,
			    long *status, struct dv_error *err);
long long dv_auth_now(void);

#endif
