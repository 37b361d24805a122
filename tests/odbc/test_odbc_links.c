/* test_odbc_links.c - where the driver sends credentials, through unixODBC.
 *
 *   - A page whose @odata.nextLink names another origin (here: the same
 *     host, another port, where this test listens) is not followed: the
 *     statement fails with HY000 naming that origin as soon as the page
 *     arrives (SQLExecDirect reads the first page), rather than hand out a
 *     result that would end early; nothing connects to the listener (with
 *     and without prefetch).
 *   - URL, AzureAuthorityHost and an authenticated Proxy that are http://
 *     to a non-loopback host fail the connect with 08001 before any
 *     request is sent; AllowInsecureHttp=1 lets the connect go on. */
#include "odbc_test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* A TCP listener on 127.0.0.1 (the "foreign" origin); returns the socket. */
static int listen_local(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		bail_out("cannot listen on 127.0.0.1");
	*port = ntohs(a.sin_port);
	return fd;
}

/* 1 when someone connected to the listener. */
static int anyone_came(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 0) > 0;
}

static SQLHDBC connect_str(SQLHENV env, const char *connstr, SQLRETURN *rc)
{
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	*rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, NULL, 0, NULL,
			       SQL_DRIVER_NOPROMPT);
	return dbc;
}

static void test_foreign_next_link(struct emu *e, SQLHENV env, int prefetch)
{
	int port, lfd = listen_local(&port);
	char cfg[160], connstr[1024], origin[64];
	snprintf(origin, sizeof(origin), "http://127.0.0.1:%d", port);
	snprintf(cfg, sizeof(cfg), "{\"next_link_base\":\"%s\"}", origin);
	emu_reset(e); /* no page (and its link) from the emulator's page cache */
	is_int(emu_post(e, "/_emu/config", cfg), 200, "emulator: nextLinks name %s", origin);
	snprintf(connstr, sizeof(connstr), "%s;PageSize=7;Prefetch=%s", emu_connstr(e),
		 prefetch ? "true" : "false");
	SQLRETURN rc;
	SQLHDBC dbc = connect_str(env, connstr, &rc);
	if (!rc_ok(rc, SQL_HANDLE_DBC, dbc, "connect"))
		bail_out("cannot connect");
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	const char *sql = "SELECT name FROM account ORDER BY name";
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	is_int(rc, SQL_ERROR, "prefetch %d: the statement fails (no result that ends early)",
	       prefetch);
	char state[6], msg[512];
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_str(state, "HY000", "prefetch %d: HY000", prefetch);
	ok(strstr(msg, origin) && strstr(msg, "@odata.nextLink") && strstr(msg, "token"),
	   "prefetch %d: the message names the link and its origin: %s", prefetch, msg);
	ok(!anyone_came(lfd), "prefetch %d: nothing connected to %s", prefetch, origin);
	/* the knob off, the same statement handle runs the query whole */
	emu_reset(e);
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	char *rows = SQL_SUCCEEDED(rc) ? fetch_all(st, 1) : NULL;
	int n = 0;
	for (const char *p = rows ? rows : ""; *p; p++)
		n += *p == '\n';
	is_int(n, 20, "prefetch %d: with the service's own links all 20 rows come", prefetch);
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	ok(!anyone_came(lfd), "prefetch %d: still nothing connected", prefetch);
	close(lfd);
}

static void test_cleartext(struct emu *e, SQLHENV env)
{
	char connstr[1024];
	static const struct {
		const char *url;        /* NULL: the emulator's */
		const char *authority;  /* NULL: the emulator's */
		const char *extra;
		const char *says;
	} refused[] = {
		{"http://dvodbc-test.invalid", NULL, "", "URL is http:// to dvodbc-test.invalid"},
		{NULL, "http://login.dvodbc-test.invalid", "",
		 "AzureAuthorityHost is http:// to login.dvodbc-test.invalid"},
		{NULL, NULL, "Proxy=http://proxy.dvodbc-test.invalid:8080;ProxyUser=u;ProxyPassword=p",
		 "Proxy is http:// to proxy.dvodbc-test.invalid"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int before = emu_request_count(e);
		snprintf(connstr, sizeof(connstr),
			 "DRIVER=dvodbc;URL=%s;AuthScheme=AzureServicePrincipal;AzureTenant=t;"
			 "OAuthClientId=c;OAuthClientSecret=s;AzureAuthorityHost=%s;%s",
			 refused[i].url ? refused[i].url : e->url,
			 refused[i].authority ? refused[i].authority : e->url, refused[i].extra);
		SQLRETURN rc;
		SQLHDBC dbc = connect_str(env, connstr, &rc);
		char state[6], msg[512];
		diag1(SQL_HANDLE_DBC, dbc, state, msg, sizeof(msg));
		is_int(rc, SQL_ERROR, "%s: refused", refused[i].says);
		is_str(state, "08001", "  08001");
		ok(strstr(msg, refused[i].says) && strstr(msg, "AllowInsecureHttp=1"),
		   "  says what to fix: %s", msg);
		is_int(emu_request_count(e), before, "  no request was sent");
		SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	}
	/* the same with AllowInsecureHttp=1 gets as far as the network */
	snprintf(connstr, sizeof(connstr), "DRIVER=dvodbc;URL=http://dvodbc-test.invalid;"
		 "AuthScheme=None;OAuthAccessToken=x;AllowInsecureHttp=1;Timeout=5");
	SQLRETURN rc;
	SQLHDBC dbc = connect_str(env, connstr, &rc);
	char state[6], msg[512];
	diag1(SQL_HANDLE_DBC, dbc, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "AllowInsecureHttp=1: the connect goes on (and fails to resolve)");
	ok(!strstr(msg, "AllowInsecureHttp") && strstr(msg, "dvodbc-test.invalid"),
	   "  a network error, not the refusal: %s", msg);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
}

int main(void)
{
	struct emu e;
	start_emulator(&e, "--rows 20 --seed 1", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	test_foreign_next_link(&e, env, 1);
	test_foreign_next_link(&e, env, 0);
	test_cleartext(&e, env);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	emu_stop(&e);
	return tap_done();
}
