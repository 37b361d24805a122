/* fxml.c - a small XML reader for FetchXML (see fxml.h).
 *
 * HOW IT WORKS: recursive descent over the text: an element is '<' name,
 * attributes name="value" or name='value' (the five predefined entities and
 * ASCII character references decoded), then '/>' or '>' children '</name>'.
 * Text between elements, comments and <?..?> are skipped: FetchXML keeps
 * everything in attributes.  Nesting is limited to FX_DEPTH_MAX levels.
 * Not read: CDATA, DTDs, namespaces (a prefix stays part of the name).
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/ */
#include "engine/fxml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"

#define FX_DEPTH_MAX 32

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

struct fx_parser {
	const char *s;
	size_t pos;
	char msg[200];
};

void fx_free(struct fx_node *n)
{
	while (n) {
		struct fx_node *next = n->next;
		size_t i;
		fx_free(n->child);
		for (i = 0; i < n->nattrs * 2; i++)
			free(n->attrs[i]);
		free(n->attrs);
		free(n->name);
		free(n);
		n = next;
	}
}

const char *fx_attr(const struct fx_node *n, const char *name)
{
	size_t i;
	for (i = 0; i < n->nattrs; i++)
		if (strcmp(n->attrs[2 * i], name) == 0)
			return n->attrs[2 * i + 1];
	return NULL;
}

static void fx_skip_misc(struct fx_parser *x)
{
	for (;;) {
		const char *p = x->s + x->pos;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
		       (*p && *p != '<'))
			p++;               /* blanks and text */
		x->pos = (size_t)(p - x->s);
		if (strncmp(p, "<!--", 4) == 0 || strncmp(p, "<?", 2) == 0) {
			const char *e = strstr(p, p[1] == '!' ? "-->" : "?>");
			x->pos = e ? (size_t)(e - x->s) + (p[1] == '!' ? 3 : 2) : strlen(x->s);
			continue;
		}
		return;
	}
}

/* An attribute value with the five predefined entities and &#n; decoded. */
static char *fx_value(const char *p, size_t n)
{
	static const struct { const char *ent; char c; } ents[] = {
		{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
	struct dv_buf b;
	size_t i, k;
	dv_buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		int done = 0;
		if (p[i] == '&') {
			for (k = 0; k < 5 && !done; k++) {
				size_t len = strlen(ents[k].ent);
				if (i + len <= n && strncmp(p + i, ents[k].ent, len) == 0) {
					dv_buf_appendc(&b, ents[k].c);
					i += len - 1;
					done = 1;
				}
			}
			if (!done && i + 2 < n && p[i + 1] == '#') {
				char *end;
				long cp = p[i + 2] == 'x' ? strtol(p + i + 3, &end, 16)
							   : strtol(p + i + 2, &end, 10);
				if (*end == ';' && cp > 0 && cp < 0x80) {
					dv_buf_appendc(&b, (char)cp);
					i = (size_t)(end - p);
					done = 1;
				}
			}
		}
		if (!done)
			dv_buf_appendc(&b, p[i]);
	}
	if (!dv_buf_str(&b))
		return NULL;
	return dv_buf_steal(&b);
}

static struct fx_node *fx_element(struct fx_parser *x, int depth)
{
	const char *s = x->s, *p;
	struct fx_node *n;
	size_t start;
	if (depth > FX_DEPTH_MAX) {
		snprintf(x->msg, sizeof(x->msg), "elements nested too deep");
		return NULL;
	}
	if (s[x->pos] != '<') {
		snprintf(x->msg, sizeof(x->msg), "'<' expected at character %zu", x->pos + 1);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	start = ++x->pos;
	while (s[x->pos] && (is_name_char(s[x->pos]) || s[x->pos] == '-' || s[x->pos] == ':' ||
			     s[x->pos] == '.'))
		x->pos++;
	n->name = dv_strndup(s + start, x->pos - start);
	if (!n->name || x->pos == start)
		goto bad;
	for (;;) {
		size_t an;
		char q, **grown;
		const char *v;
		p = s + x->pos;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		x->pos = (size_t)(p - s);
		if (*p == '/' || *p == '>')
			break;
		an = x->pos;
		while (s[x->pos] && (is_name_char(s[x->pos]) || s[x->pos] == '-' || s[x->pos] == ':'))
			x->pos++;
		if (x->pos == an)
			goto bad;
		p = s + x->pos;
		while (*p == ' ')
			p++;
		if (*p != '=')
			goto bad;
		p++;
		while (*p == ' ')
			p++;
		q = *p;
		if (q != '"' && q != '\'')
			goto bad;
		v = strchr(p + 1, q);
		if (!v)
			goto bad;
		grown = realloc(n->attrs, (n->nattrs + 1) * 2 * sizeof(char *));
		if (!grown)
			goto bad;
		n->attrs = grown;
		n->attrs[2 * n->nattrs] = dv_strndup(s + an, x->pos - an);
		n->attrs[2 * n->nattrs + 1] = fx_value(p + 1, (size_t)(v - p - 1));
		n->nattrs++;
		if (!n->attrs[2 * n->nattrs - 2] || !n->attrs[2 * n->nattrs - 1])
			goto bad;
		x->pos = (size_t)(v - s) + 1;
	}
	n->tag_end = x->pos;
	if (s[x->pos] == '/') {
		if (s[x->pos + 1] != '>')
			goto bad;
		x->pos += 2;
		return n;
	}
	x->pos++;
	for (;;) {
		struct fx_node *c;
		fx_skip_misc(x);
		if (s[x->pos] == '\0') {
			snprintf(x->msg, sizeof(x->msg), "<%s> is not closed", n->name);
			fx_free(n);
			return NULL;
		}
		if (s[x->pos + 1] == '/') {
			size_t len = strlen(n->name);
			if (strncmp(s + x->pos + 2, n->name, len) != 0) {
				snprintf(x->msg, sizeof(x->msg), "</%s> expected at character %zu",
					 n->name, x->pos + 1);
				fx_free(n);
				return NULL;
			}
			p = s + x->pos + 2 + len;
			while (*p == ' ')
				p++;
			if (*p != '>')
				goto bad;
			x->pos = (size_t)(p - s) + 1;
			return n;
		}
		c = fx_element(x, depth + 1);
		if (!c) {
			fx_free(n);
			return NULL;
		}
		if (n->last)
			n->last->next = c;
		else
			n->child = c;
		n->last = c;
	}
bad:
	if (!x->msg[0])
		snprintf(x->msg, sizeof(x->msg), "malformed XML near character %zu", x->pos + 1);
	fx_free(n);
	return NULL;
}

struct fx_node *fx_parse(const char *text, struct dv_error *err)
{
	struct fx_parser x;
	struct fx_node *root;
	memset(&x, 0, sizeof(x));
	x.s = text;
	fx_skip_misc(&x);
	root = fx_element(&x, 0);
	if (!root) {
		dv_error_set(err, DV_S_42000, 0, "fetchxml(): the FetchXML is not well-formed: %s",
			     x.msg[0] ? x.msg : "out of memory");
		return NULL;
	}
	if (strcmp(root->name, "fetch") != 0) {
		fx_free(root);
		dv_error_set(err, DV_S_42000, 0, "fetchxml(): the FetchXML must start with <fetch>");
		return NULL;
	}
	return root;
}

