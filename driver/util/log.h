/* log.h - the driver's level-gated log (LogFile / Verbosity keys).
 *
 * Owns: struct dv_log, one per connection (or NULL: logging off).  Every line
 * carries a timestamp, the level, the handle and the function that wrote it.
 * Nothing passed here may contain a secret: the HTTP layer masks
 * Authorization headers and form secrets before it calls dv_logf. */
#ifndef DV_UTIL_LOG_H
#define DV_UTIL_LOG_H

enum dv_log_level {
	DV_LOG_ERROR = 1, /* failures reported to the application */
	DV_LOG_INFO = 2,  /* one line per request sent and per connect */
	DV_LOG_DEBUG = 3, /* headers, plans, pushdown decisions */
	DV_LOG_TRACE = 4, /* bodies (secrets masked) */
};

struct dv_log;

/* Opens (appends to) path; level is Verbosity (1..4).  Returns NULL with
 * errno set when the file cannot be opened. */
struct dv_log *dv_log_open(const char *path, int level);
void dv_log_close(struct dv_log *log);
/* True when a line of this level would be written (log may be NULL). */
int dv_log_enabled(const struct dv_log *log, int level);
void dv_logf(struct dv_log *log, int level, const void *handle, const char *func,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define DV_LOG(log, level, handle, ...) \
	do { \
		if (dv_log_enabled((log), (level))) \
			dv_logf((log), (level), (handle), __func__, __VA_ARGS__); \
	} while (0)

#endif
