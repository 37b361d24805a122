/* config_priv.h - helpers shared by config.c and config_connstr.c only. */
#ifndef DV_CONFIG_CONFIG_PRIV_H
#define DV_CONFIG_CONFIG_PRIV_H

#include <stddef.h>

struct dv_buf;
struct dv_config;

/* Index of key name in dv_config_keys() (case-insensitive), or -1. */
int dv_config_key_index(const char *name);
/* The known key closest to name (edit distance), or NULL when none is close. */
const char *dv_config_suggest_key(const char *name);
/* Appends key idx's current value as text; returns 1 when unset/empty, 0 when
 * appended, -1 when out of memory. */
int dv_config_format_value(const struct dv_config *cfg, size_t idx, struct dv_buf *b);
/* True for another driver's key that tools add to connection strings
 * (Trusted_Connection, APP, WSID, Server, Database...): ignored here. */
int dv_config_is_foreign_key(const char *key);

#endif
