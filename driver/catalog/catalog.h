/* catalog.h - entity metadata as SQL tables and columns.
 *
 * Owns: struct dv_catalog (per connection, cached): the entity list from one
 * EntityDefinitions request, each entity's attributes and relationships (one
 * request per entity on first use, or batched for many: catalog.c), and the mapping of every Dataverse
 * attribute type to a SQL column (docs/type-mapping.md), including the
 * companion columns SQL users of Dataverse know from Microsoft's SQL endpoint:
 * <lookup>name (the referenced primary name), <lookup>type (a polymorphic
 * lookup's entity), <choice>name (an option's label).
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api */
#ifndef DV_CATALOG_CATALOG_H
#define DV_CATALOG_CATALOG_H

#include <stddef.h>

#include "odata/odata.h"
#include "util/error.h"

struct dv_http;
struct dv_log;

enum dv_attr_type {
	DV_ATTR_STRING, DV_ATTR_MEMO, DV_ATTR_INTEGER, DV_ATTR_BIGINT, DV_ATTR_DECIMAL,
	DV_ATTR_DOUBLE, DV_ATTR_MONEY, DV_ATTR_BOOLEAN, DV_ATTR_DATETIME,
	DV_ATTR_DATEONLY, DV_ATTR_GUID, DV_ATTR_LOOKUP, DV_ATTR_CUSTOMER,
	DV_ATTR_OWNER, DV_ATTR_PICKLIST, DV_ATTR_STATE, DV_ATTR_STATUS,
	DV_ATTR_MULTISELECT, DV_ATTR_IMAGE, DV_ATTR_FILE, DV_ATTR_OTHER
};

enum dv_col_role {
	DV_COL_VALUE,       /* the attribute's own value */
	DV_COL_NAME,        /* companion: FormattedValue (label / lookup primary name) */
	DV_COL_TYPE         /* companion: lookuplogicalname of a polymorphic lookup */
};

struct dv_column {
	char *name;            /* SQL column name (logical name, or display name with UseDisplayNames) */
	char *logical_name;    /* attribute logical name this column comes from */
	char *display_name;    /* for REMARKS */
	enum dv_attr_type attr_type;
	enum dv_col_role role;
	short sql_type;        /* SQL_VARCHAR, SQL_WVARCHAR, SQL_INTEGER, SQL_TYPE_TIMESTAMP, SQL_GUID... */
	const char *type_name; /* "nvarchar", "int", "datetime", "uniqueidentifier", ... */
	long column_size;
	short decimal_digits;
	short nullable;        /* SQL_NULLABLE / SQL_NO_NULLS */
	int is_primary_id;
	int is_primary_name;
	int readable;          /* IsValidForRead */
	int creatable;         /* IsValidForCreate */
	int updatable;         /* IsValidForUpdate */
	char **targets;        /* lookup targets (entity logical names) */
	size_t ntargets;
	struct odata_colspec spec; /* how to read it from a row */
	char *select_name;     /* what goes in $select for it (e.g. "_ownerid_value") */
	int ordinal;           /* 1-based position */
};

struct dv_relationship {     /* many-to-one: this entity's lookup -> referenced entity */
	char *schema_name;
	char *referencing_attribute;
	char *referenced_entity;
	char *referenced_attribute;
	char *navigation_property; /* ReferencingEntityNavigationPropertyName (case-sensitive) */
	char *collection_property; /* ReferencedEntityNavigationPropertyName: the referenced
				    * entity's collection of these rows (case-sensitive), or NULL */
};

/* An alternate key (EntityDefinitions(...)/Keys, EntityKeyIndexStatus Active):
 * the logical names of its attributes, in KeyAttributes order. */
struct dv_alt_key {
	char *logical_name;
	char **attributes;
	size_t nattributes;
};

struct dv_entity {
	char *logical_name;
	char *entity_set;      /* EntitySetName, never guessed */
	char *schema_name;
	char *display_name;
	char *description;
	char *primary_id;
	char *primary_name;
	int object_type_code;
	int is_intersect;
	int is_activity;
	int is_custom;
	int change_tracking;
	/* loaded by dv_catalog_entity_columns */
	int columns_loaded;
	struct dv_column *columns;
	size_t ncolumns;
	struct dv_relationship *many_to_one;
	size_t nmany_to_one;
	/* loaded by dv_catalog_entity_keys */
	int keys_loaded;
	struct dv_alt_key *alt_keys;
	size_t nalt_keys;
};

struct dv_catalog;

/* api_base: ".../api/data/v9.2/" with the trailing slash. */
struct dv_catalog *dv_catalog_new(struct dv_http *http, const char *api_base,
				  int use_display_names, int include_formatted_values,
				  struct dv_log *log);
void dv_catalog_free(struct dv_catalog *cat);

/* All entities (one request on first call, cached). */
int dv_catalog_entities(struct dv_catalog *cat, const struct dv_entity *const **list,
			size_t *n, struct dv_error *err);
/* One entity by logical name (case-insensitive) with its columns loaded.
 * 42S02 "[table] is not a table in this environment" when absent. */
int dv_catalog_entity(struct dv_catalog *cat, const char *name,
		      const struct dv_entity **out, struct dv_error *err);
/* The active alternate keys of e (one Keys request on first call, cached with
 * the entity). Source:
 * https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity */
int dv_catalog_entity_keys(struct dv_catalog *cat, const struct dv_entity *e,
			   const struct dv_alt_key **keys, size_t *n, struct dv_error *err);
/* Column by SQL name (case-insensitive), or NULL. */
const struct dv_column *dv_entity_column(const struct dv_entity *e, const char *name);
/* Forgets everything cached, the cache file too (next call re-reads the
 * service). */
void dv_catalog_invalidate(struct dv_catalog *cat);
/* MetadataCacheLocation / MetadataCacheTTL: keep the metadata responses in
 * the file at path (0600, replaced atomically, keyed by the API base URL)
 * and reuse them for ttl_seconds from the file's creation.  path NULL or
 * "" or ttl_seconds <= 0: no file.  Call before the first lookup.  -1 only
 * when out of memory. */
int dv_catalog_set_disk_cache(struct dv_catalog *cat, const char *path, long ttl_seconds);
/* The same, shared by the connections of the process that name the same
 * file, API base URL and identity (User or OAuthClientId): a second one
 * reads neither the service nor the file while the metadata is younger than
 * ttl_seconds; older metadata with a version stamp is checked by one
 * RetrieveMetadataChanges request (catalog_stamp.c). */
int dv_catalog_set_shared_cache(struct dv_catalog *cat, const char *path, const char *identity,
				long ttl_seconds);
/* The shared metadata stays after its last connection while something holds
 * it: each environment handle does (env.c), so the stores are freed with
 * the process's last environment handle. */
void dv_catalog_shared_hold(void);
void dv_catalog_shared_unhold(void);
/* The per-user default cache file (MetadataCache=true without
 * MetadataCacheLocation): $XDG_CACHE_HOME/dvodbc/metadata-<hash>.json, else
 * ~/.cache/dvodbc/..., one file per API base URL and identity (hash of both),
 * the dvodbc directory created 0700 (an existing one must be this user's).
 * NULL when there is no usable directory (then no file).  Caller frees. */
char *dv_catalog_default_cache_path(const char *api_base, const char *identity);
/* The row counts of the named tables (logical names) for a join's plan:
 * counts[i] = the count of names[i], or -1 when unknown.  What the metadata
 * store holds (read less than MetadataCacheTTL seconds ago), or the
 * connection without a store, is used as it is; the rest is asked for in
 * one RetrieveTotalRecordCount request (a snapshot up to 24 hours old).
 * Never fails: a failed request leaves the counts unknown and is not sent
 * again on this connection (catalog_counts.c).  Returns how many are known. */
size_t dv_catalog_row_counts(struct dv_catalog *cat, const char *const *names, size_t n,
			     long long *counts);
/* Loads the columns and relationships of the named entities not loaded yet:
 * 4 or more in batched EntityDefinitions requests with
 * $expand=Attributes,ManyToOneRelationships (catalog.c), fewer one request
 * each until this catalog was asked for more than 4 tables in all (then a
 * miss loads its batch: a client walking the tables one call each).  Names
 * that are not tables are skipped.  For the catalog functions (SQLColumns,
 * SQLPrimaryKeys, SQLForeignKeys...), not for queries. */
int dv_catalog_load_columns(struct dv_catalog *cat, const char *const *names, size_t n,
			    struct dv_error *err);

#endif
