/* log.c - level-gated log file (see log.h). */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

struct dv_log {
	FILE *fp;
	int level;
	pthread_mutex_t mu;
};

struct dv_log *dv_log_open(const char *path, int level)
{
	struct dv_log *log;
	FILE *fp = fopen(path, "a");
	if (!fp)
		return NULL;
	log = calloc(1, sizeof(*log));
	if (!log) {
		fclose(fp);
		return NULL;
	}
	log->fp = fp;
	log->level = level;
	pthread_mutex_init(&log->mu, NULL);
	return log;
}

void dv_log_close(struct dv_log *log)
{
	if (!log)
		return;
	fclose(log->fp);
	pthread_mutex_destroy(&log->mu);
	free(log);
}

int dv_log_enabled(const struct dv_log *log, int level)
{
	return log && level <= log->level;
}

void dv_logf(struct dv_log *log, int level, const void *handle, const char *func,
	     const char *fmt, ...)
{
	static const char *names[] = {"", "ERROR", "INFO", "DEBUG", "TRACE"};
	struct timeval tv;
	struct tm tm;
	char ts[32];
	va_list ap;
	if (!dv_log_enabled(log, level))
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log->mu);
	fprintf(log->fp, "%s.%03ldZ %-5s %p %s: ", ts, (long)(tv.tv_usec / 1000),
		names[level >= 1 && level <= 4 ? level : 0], handle, func);
	va_start(ap, fmt);
	vfprintf(log->fp, fmt, ap);
	va_end(ap);
	fputc('\n', log->fp);
	fflush(log->fp);
	pthread_mutex_unlock(&log->mu);
}
