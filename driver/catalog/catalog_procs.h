/* catalog_procs.h - the service's functions and actions as procedures.
 *
 * Owns: struct dv_procs, what the CSDL ($metadata) declares about Function,
 * Action and ComplexType elements: each operation's name, binding (an
 * entity for bound operations), parameters and return type, and the
 * properties of the complex types they return.  The CSDL of a real org is
 * megabytes of entity types; catalog_actions.c reads it as a stream and
 * keeps only these elements, once per connection (dv_catalog_procs).
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-service-documents
 *         https://docs.oasis-open.org/odata/odata-csdl-xml/v4.01/odata-csdl-xml-v4.01.html#sec_Action */
#ifndef DV_CATALOG_CATALOG_PROCS_H
#define DV_CATALOG_CATALOG_PROCS_H

#include <stddef.h>

#include "util/error.h"

struct dv_http;
struct dv_log;
struct dv_catalog;

/* A parameter or a complex type's property.  type as the CSDL writes it:
 * "Edm.String", "mscrm.lead", "Collection(Edm.String)". */
struct dv_proc_item {
	char *name;
	char *type;
	int nullable;
};

struct dv_complex_type {
	char *name;                  /* without the namespace: "WhoAmIResponse" */
	struct dv_proc_item *props;
	size_t nprops;
};

struct dv_proc {
	char *sql_name;              /* "WhoAmI"; bound: "<entity>.<Name>" ("lead.QualifyLead") */
	char *name;                  /* the operation's name: "QualifyLead" */
	char *bound_entity;          /* the binding parameter's entity ("lead"), or NULL */
	int is_action;               /* Action (POST, may change data) or Function (GET) */
	struct dv_proc_item *params; /* the binding parameter left out */
	size_t nparams;
	char *return_type;           /* NULL: returns nothing */
};

struct dv_procs {
	struct dv_proc *procs;       /* sorted by sql_name */
	size_t nprocs;
	struct dv_complex_type *types;
	size_t ntypes;
};

/* The procedures of the connection's service (one streamed GET $metadata on
 * first call, cached with the catalog until it is invalidated). */
int dv_catalog_procs(struct dv_catalog *cat, const struct dv_procs **out, struct dv_error *err);

/* The procedure named name (case-insensitive), or NULL. */
const struct dv_proc *dv_procs_find(const struct dv_procs *p, const char *name);
/* The complex type a type name ("mscrm.X", "Microsoft.Dynamics.CRM.X" or
 * "X") names, or NULL. */
const struct dv_complex_type *dv_procs_complex(const struct dv_procs *p, const char *type);

/* ---- catalog_actions.c internals, reachable from unit tests ---- */

/* A streaming reader of CSDL text: feed it the body in pieces of any size. */
struct csdl_reader;
struct csdl_reader *csdl_reader_new(void);
/* 0, or -1 (no memory / malformed; err set). */
int csdl_reader_feed(struct csdl_reader *r, const char *data, size_t len, struct dv_error *err);
/* Hands the result over (sorted) and frees the reader. */
int csdl_reader_finish(struct csdl_reader *r, struct dv_procs **out, struct dv_error *err);
void csdl_reader_free(struct csdl_reader *r);

/* Loads the procedures with one GET <api_base>$metadata. */
int catalog_load_procs(struct dv_http *http, const char *api_base, struct dv_log *log,
		       struct dv_procs **out, struct dv_error *err);
void catalog_procs_free(struct dv_procs *p);

#endif
