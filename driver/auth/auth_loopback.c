/* auth_loopback.c - the loopback redirect of the authorization code flow.
 *
 * Owns: listening on CallbackURL's port on 127.0.0.1, receiving the
 * browser's "GET /path?code=..&state=.." (or "?error=..&error_description="),
 * answering it with a plain page ("you may close this window"), and starting
 * the system browser detached.  Only http on localhost / 127.0.0.1 is
 * accepted (the identity platform allows http only there and ignores the
 * port when it matches loopback redirect URIs; [::1] is unsupported).
 * Source: https://learn.microsoft.com/entra/identity-platform/reply-url
 *         ("Localhost exceptions"); RFC 8252 section 7.3; spec section 15. */
#include "auth/auth_loopback.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MAX 8192
#define REQUEST_READ_MS 5000
#define MAX_ARGS 32

static const char page_ok[] =
	"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>dvodbc sign-in</title></head>"
	"<body><h1 id=\"dvodbc-done\">Signed in</h1><p>dvodbc has received the sign-in. You may "
	"close this window.</p></body></html>";
static const char page_failed[] =
	"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>dvodbc sign-in</title></head>"
	"<body><h1 id=\"dvodbc-failed\">Sign-in failed</h1><p>See the application's error "
	"message. You may close this window.</p></body></html>";

static int bad_callback(const char *url, struct dv_error *err)
{
	return dv_error_set(err, DV_S_08001, 0, "CallbackURL=%.300s cannot receive the sign-in: "
			    "use http://localhost:PORT/ or http://127.0.0.1:PORT/ (registered in "
			    "the app registration as a redirect URI)", url);
}

/* Splits "http://host[:port][/path]" into port and path. */
static int parse_callback(const char *url, long *port, char **path, size_t *host_end)
{
	const char *p, *host;
	size_t hl;
	if (dv_strncasecmp(url, "http://", 7) != 0)
		return -1;
	host = url + 7;
	hl = strcspn(host, ":/?#");
	if (!((hl == 9 && dv_strncasecmp(host, "localhost", 9) == 0) ||
	      (hl == 9 && strncmp(host, "127.0.0.1", 9) == 0)))
		return -1;
	p = host + hl;
	*port = 80;
	if (*p == ':') {
		char digits[8];
		size_t n = strspn(p + 1, "0123456789");
		if (n == 0 || n >= sizeof(digits))
			return -1;
		memcpy(digits, p + 1, n);
		digits[n] = '\0';
		if (dv_parse_long(digits, port) != 0 || *port < 0 || *port > 65535)
			return -1;
		p += 1 + n;
	}
	*host_end = (size_t)(host + hl - url);
	*path = dv_strndup(*p == '/' ? p : "/", *p == '/' ? strcspn(p, "?#") : 1);
	return *path ? 0 : -1;
}

int dv_loopback_open(struct dv_loopback *lb, const char *callback_url, struct dv_error *err)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	size_t host_end = 0;
	long port = 0;
	int one = 1;
	struct dv_buf uri;

	memset(lb, 0, sizeof(*lb));
	lb->fd = -1;
	if (!callback_url || parse_callback(callback_url, &port, &lb->path, &host_end) != 0)
		return bad_callback(callback_url ? callback_url : "", err);
	lb->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lb->fd < 0)
		return dv_error_set(err, DV_S_08001, errno, "cannot listen for the sign-in: %s",
				    strerror(errno));
	setsockopt(lb->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lb->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lb->fd, 8) != 0) {
		int e = errno;
		dv_loopback_close(lb);
		return dv_error_set(err, DV_S_08001, e, "cannot listen on port %ld of CallbackURL="
				    "%.300s for the sign-in: %s (another sign-in running? change "
				    "CallbackURL's port here and in the app registration)", port,
				    callback_url, strerror(e));
	}
	getsockname(lb->fd, (struct sockaddr *)&sa, &len);
	lb->port = ntohs(sa.sin_port);
	dv_buf_init(&uri, 0);
	if (port == 0)
		dv_buf_appendf(&uri, "%.*s:%d%s", (int)host_end, callback_url, lb->port, lb->path);
	else
		dv_buf_appends(&uri, callback_url);
	lb->redirect_uri = dv_buf_steal(&uri);
	if (!lb->redirect_uri) {
		dv_loopback_close(lb);
		return dv_error_nomem(err);
	}
	return 0;
}

void dv_loopback_close(struct dv_loopback *lb)
{
	if (lb->fd >= 0)
		close(lb->fd);
	lb->fd = -1;
	dv_freep(&lb->path);
	dv_freep(&lb->redirect_uri);
}

/* ---- query strings --------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *url_decode(const char *s, size_t len)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
			 hexval(s[i + 2]) >= 0) {
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if (dv_buf_appendc(&b, c) != 0) {
			dv_buf_free(&b);
			return NULL;
		}
	}
	return dv_buf_steal(&b);
}

char *dv_query_param(const char *query, const char *name)
{
	size_t nl = strlen(name);
	const char *p = query;
	while (p && *p) {
		size_t seg = strcspn(p, "&#");
		if (seg > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
			return url_decode(p + nl + 1, seg - nl - 1);
		if (seg == nl && strncmp(p, name, nl) == 0)
			return dv_strdup("");
		p += seg;
		if (*p != '&')
			break;
		p++;
	}
	return NULL;
}

/* ---- one HTTP exchange ------------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the request head (up to the blank line) into b. */
static int read_head(int fd, struct dv_buf *b)
{
	long long deadline = now_ms() + REQUEST_READ_MS;
	char chunk[1024];
	while (!b->data || !strstr(b->data, "\r\n\r\n")) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long long left = deadline - now_ms();
		ssize_t n;
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0 || dv_buf_append(b, chunk, (size_t)n) != 0)
			return -1;
	}
	return 0;
}

static void respond(int fd, int status, const char *body)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	dv_buf_appendf(&b, "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
		       "Content-Length: %zu\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n%s",
		       status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request",
		       strlen(body), body);
	if (b.data && write(fd, b.data, b.len) < 0)
		(void)0; /* the browser went away: nothing to do */
	dv_buf_free(&b);
}

/* Splits "GET /path?query HTTP/1.1" of the head; returns the target (malloc). */
static char *request_target(const char *head)
{
	const char *sp;
	if (strncmp(head, "GET ", 4) != 0)
		return NULL;
	sp = strchr(head + 4, ' ');
	return sp ? dv_strndup(head + 4, (size_t)(sp - head - 4)) : NULL;
}

/* Handles one connection: 1 = answered with the result (code/error), 0 =
 * not the redirect (keep waiting), -1 = err set. */
static int handle_one(struct dv_loopback *lb, int fd, const char *state, char **code,
		      struct dv_error *err)
{
	struct dv_buf head;
	char *target, *query, *got_state = NULL, *error = NULL, *desc = NULL;
	size_t plen;
	int rc = 0;

	dv_buf_init(&head, REQUEST_MAX);
	if (read_head(fd, &head) != 0 || !(target = request_target(head.data))) {
		dv_buf_free(&head);
		respond(fd, 400, page_failed);
		return 0;
	}
	dv_buf_free(&head);
	plen = strcspn(target, "?");
	query = target[plen] == '?' ? target + plen + 1 : NULL;
	if (plen != strlen(lb->path) || strncmp(target, lb->path, plen) != 0 || !query) {
		respond(fd, 404, page_failed);
		free(target);
		return 0;
	}
	*code = dv_query_param(query, "code");
	error = dv_query_param(query, "error");
	got_state = dv_query_param(query, "state");
	if (!*code && !error) {
		respond(fd, 404, page_failed);
		rc = 0;
	} else if (!got_state || strcmp(got_state, state) != 0) {
		respond(fd, 400, page_failed);
		rc = dv_error_set(err, DV_S_28000, 0, "the browser's answer does not belong to this "
				  "sign-in (state differs): sign in again");
	} else if (error) {
		respond(fd, 200, page_failed);
		desc = dv_query_param(query, "error_description");
		rc = dv_error_set(err, DV_S_28000, 0, "the sign-in was not completed: %.64s%s%.300s",
				  error, desc ? ": " : "", desc ? desc : "");
	} else {
		respond(fd, 200, page_ok);
		rc = 1;
	}
	if (rc != 1)
		dv_freep(code);
	free(got_state);
	free(error);
	free(desc);
	free(target);
	return rc;
}

int dv_loopback_wait(struct dv_loopback *lb, const char *state, long timeout_s, char **code,
		     struct dv_error *err)
{
	long long deadline = now_ms() + timeout_s * 1000;
	*code = NULL;
	for (;;) {
		struct pollfd pfd = {lb->fd, POLLIN, 0};
		long long left = deadline - now_ms();
		int fd, rc;
		if (left <= 0)
			return dv_error_set(err, DV_S_HYT00, 0, "no sign-in arrived on %s within %ld "
					    "s: complete the sign-in in the browser, or use "
					    "OAuthGrantType=DEVICE on a machine without one",
					    lb->redirect_uri, timeout_s);
		rc = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno != EINTR)
			return dv_error_set(err, DV_S_08001, errno, "waiting for the sign-in: %s",
					    strerror(errno));
		if (rc <= 0)
			continue;
		fd = accept(lb->fd, NULL, NULL);
		if (fd < 0)
			continue;
		rc = handle_one(lb, fd, state, code, err);
		close(fd);
		if (rc != 0)
			return rc > 0 ? 0 : -1;
	}
}

/* ---- the browser ------------------------------------------------------ */

const char *dv_browser_command(const char *configured)
{
	const char *env = getenv("BROWSER");
	if (configured && *configured)
		return dv_strcasecmp(configured, "none") == 0 ? NULL : configured;
	if (env && *env)
		return env;
	if ((getenv("DISPLAY") && *getenv("DISPLAY")) ||
	    (getenv("WAYLAND_DISPLAY") && *getenv("WAYLAND_DISPLAY")))
		return access("/usr/bin/xdg-open", X_OK) == 0 ? "xdg-open" : NULL;
	return NULL;
}

int dv_browser_open(const char *command, const char *url, struct dv_log *log)
{
	char *copy = dv_strdup(command), *argv[MAX_ARGS + 2], *save = NULL;
	int argc = 0, status;
	pid_t child;

	if (!copy)
		return -1;
	for (char *tok = strtok_r(copy, " \t", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (argc == 0) {
		free(copy);
		return -1;
	}
	argv[argc++] = (char *)url;
	argv[argc] = NULL;
	/* double fork: the browser is re-parented to init, no zombie is left */
	child = fork();
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			execvp(argv[0], argv);
			_exit(127);
		}
		_exit(grandchild < 0 ? 1 : 0);
	}
	free(copy);
	if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	DV_LOG(log, DV_LOG_INFO, NULL, "started the browser (%s) for the sign-in", command);
	return 0;
}
