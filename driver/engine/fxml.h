/* fxml.h - private: a small XML reader for FetchXML (fxml.c).
 *
 * Owns: struct fx_node, the element tree of one text (elements and their
 * attributes; text content is ignored, as FetchXML keeps everything in
 * attributes), and looking attributes up. */
#ifndef DV_ENGINE_FXML_H
#define DV_ENGINE_FXML_H

#include <stddef.h>

#include "util/error.h"

struct fx_node {
	char *name;
	char **attrs;              /* name, value, name, value, ... */
	size_t nattrs;
	struct fx_node *child, *last, *next;
	size_t tag_end;            /* offset just past the start tag's attributes */
};

/* Reads the element tree of text: the root with its children, or NULL with
 * err (42000 "fetchxml(): the FetchXML is not well-formed: ..."; the root
 * must be <fetch>). */
struct fx_node *fx_parse(const char *text, struct dv_error *err);
/* The value of attribute name of n (entities decoded), or NULL. */
const char *fx_attr(const struct fx_node *n, const char *name);
void fx_free(struct fx_node *n);

#endif
