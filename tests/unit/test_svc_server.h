/* test_svc_server.h - a scripted in-process HTTP/1.1 server for HTTP-layer tests.
 *
 * Owns: a loopback listener on a free port served by one thread.  Each
 * accepted connection gets the next scripted raw response (status line,
 * headers, body exactly as written; after it the connection is closed), so a
 * test dictates 429s, 503s, 401s, truncated bodies and dropped connections
 * byte for byte.  Every request's first line and a few headers are logged
 * for the test to compare.  Header-only: static functions, one server per
 * test program. */
#ifndef DV_TESTS_SVC_SERVER_H
#define DV_TESTS_SVC_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TS_MAX_SCRIPT 32

struct ts_server {
	int fd;
	int port;
	char url[64];
	pthread_t thread;
	pthread_mutex_t mu;
	const char *script[TS_MAX_SCRIPT]; /* raw responses; "" = close at once,
					      "@sleep" = close after 3 s */
	int nscript, next;
	char log[16384];   /* "METHOD PATH|Authorization|Prefer|body\n" per request */
	char last_head[8192]; /* header block of the last request */
	int stop;
};

static const char *ts_header(const char *req, const char *name, char *out, size_t size)
{
	const char *p = req;
	size_t n = strlen(name);
	out[0] = '\0';
	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *end = strstr(v, "\r\n");
			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)(end ? end - v : (long)strlen(v)), v);
			break;
		}
	}
	return out;
}

static void *ts_sleeper(void *arg)
{
	int c = (int)(long)arg;
	sleep(3);
	close(c);
	return NULL;
}

/* Returns 1 when the connection was handed to a sleeper thread. */
static int ts_serve_one(struct ts_server *s, int c)
{
	char req[16384], line[1024], auth[2048], prefer[512], clen[32];
	size_t got = 0;
	const char *hdr_end = NULL, *resp;
	long body_len = 0;

	while (got < sizeof(req) - 1) {
		ssize_t n = read(c, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
		hdr_end = strstr(req, "\r\n\r\n");
		if (hdr_end) {
			body_len = atol(ts_header(req, "Content-Length", clen, sizeof(clen)));
			if ((long)(got - (size_t)(hdr_end + 4 - req)) >= body_len)
				break;
		}
	}
	req[got] = '\0';
	if (!hdr_end)
		return 0;
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(req, "\r\n"), req);
	ts_header(req, "Authorization", auth, sizeof(auth));
	ts_header(req, "Prefer", prefer, sizeof(prefer));
	pthread_mutex_lock(&s->mu);
	snprintf(s->last_head, sizeof(s->last_head), "%.*s", (int)(hdr_end + 2 - req), req);
	snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log), "%s|%s|%s|%s\n",
		 line, auth, prefer, hdr_end + 4);
	resp = s->next < s->nscript ? s->script[s->next++] : "HTTP/1.1 500 No Script\r\n"
				       "Content-Length: 0\r\n\r\n";
	pthread_mutex_unlock(&s->mu);
	if (strncmp(resp, "@sleep", 6) == 0) { /* answer nothing for 3 s */
		pthread_t t;
		if (pthread_create(&t, NULL, ts_sleeper, (void *)(long)c) != 0)
			return 0;
		pthread_detach(t);
		return 1;
	}
	if (*resp && write(c, resp, strlen(resp)) < 0)
		return 0;
	return 0;
}

static void *ts_run(void *arg)
{
	struct ts_server *s = arg;
	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0 || s->stop) {
			if (c >= 0)
				close(c);
			return NULL;
		}
		if (ts_serve_one(s, c))
			continue;
		shutdown(c, SHUT_RDWR);
		close(c);
	}
}

static int ts_start(struct ts_server *s)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s->fd, 16) != 0 || getsockname(s->fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
	pthread_mutex_init(&s->mu, NULL);
	return pthread_create(&s->thread, NULL, ts_run, s) == 0 ? 0 : -1;
}

/* Replaces the script and clears the log. */
static void ts_script(struct ts_server *s, const char *const *responses)
{
	pthread_mutex_lock(&s->mu);
	s->nscript = 0;
	s->next = 0;
	for (int i = 0; responses[i] && i < TS_MAX_SCRIPT; i++)
		s->script[s->nscript++] = responses[i];
	s->log[0] = '\0';
	pthread_mutex_unlock(&s->mu);
}

static void ts_stop(struct ts_server *s)
{
	struct sockaddr_in a;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	s->stop = 1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)s->port);
	if (c >= 0) { /* wake accept() */
		if (connect(c, (struct sockaddr *)&a, sizeof(a)) != 0)
			perror("ts_stop");
		close(c);
	}
	pthread_join(s->thread, NULL);
	close(s->fd);
	pthread_mutex_destroy(&s->mu);
}

#endif
