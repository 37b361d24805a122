/* test_docs_keys.c - docs/connection-keys.md and the code's key table agree.
 *
 * Owns: the check that every key of dv_config_keys() has a "### <Key>" section
 * in docs/connection-keys.md with a "- Default:" line that states the code's
 * default (`value`, or "none"/"automatic" when the code's default is empty),
 * an "- Example: `<Key> = ...`" line, and a "**Secret**" line exactly when the
 * key is secret; and that every "### " section of that page names a key the
 * code knows.  The page is found through $top_srcdir (set by make check). */
#include "config/config.h"
#include "util/strutil.h"

#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECTIONS 128

struct section {
	char name[64];
	const char *body;  /* text after the heading line */
	size_t body_len;   /* up to the next heading */
	int matched;
};

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		text = malloc((size_t)len + 1);
		if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
			free(text);
			text = NULL;
		} else if (text) {
			text[len] = '\0';
		}
	}
	fclose(f);
	return text;
}

/* Splits the page into "### " sections; returns their number. */
static size_t find_sections(const char *text, struct section *out, size_t max)
{
	size_t n = 0;
	struct section *cur = NULL;

	for (const char *line = text; *line; ) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (line[0] == '#') {
			if (cur)
				cur->body_len = (size_t)(line - cur->body);
			cur = NULL;
			if (strncmp(line, "### ", 4) == 0 && n < max) {
				cur = &out[n++];
				memset(cur, 0, sizeof(*cur));
				snprintf(cur->name, sizeof(cur->name), "%.*s", (int)(len - 4), line + 4);
				cur->body = eol ? eol + 1 : line + len;
			}
		}
		line = eol ? eol + 1 : line + len;
	}
	if (cur)
		cur->body_len = strlen(cur->body);
	return n;
}

/* The rest of the first line of the section that starts with prefix, or NULL. */
static char *section_line(const struct section *s, const char *prefix)
{
	size_t plen = strlen(prefix);
	for (const char *p = s->body; p < s->body + s->body_len; ) {
		const char *eol = memchr(p, '\n', (size_t)(s->body + s->body_len - p));
		size_t len = eol ? (size_t)(eol - p) : (size_t)(s->body + s->body_len - p);
		if (len >= plen && strncmp(p, prefix, plen) == 0)
			return dv_strndup(p + plen, len - plen);
		p = eol ? eol + 1 : p + len;
	}
	return NULL;
}

static void check_default(const struct section *s, const struct dv_config_key_info *k)
{
	char *line = section_line(s, "- Default: ");
	char want[256];
	int good;

	if (k->default_value[0]) {
		snprintf(want, sizeof(want), "`%s`", k->default_value);
		good = line && strncmp(line, want, strlen(want)) == 0;
	} else {
		snprintf(want, sizeof(want), "none... or automatic...");
		good = line && (strncmp(line, "none", 4) == 0 || strncmp(line, "automatic", 9) == 0);
	}
	if (!ok(good, "%s: documented default matches the code", k->name))
		printf("#   got: '%s'\n#  want: '%s'\n", line ? line : "(no '- Default: ' line)",
		       want);
	free(line);
}

static void check_example(const struct section *s, const struct dv_config_key_info *k)
{
	char *line = section_line(s, "- Example: `");
	char want[80];

	snprintf(want, sizeof(want), "%s = ", k->name);
	if (!ok(line && strncmp(line, want, strlen(want)) == 0, "%s: has an example", k->name))
		printf("#   got: '%s'\n#  want: '`%s...`'\n", line ? line : "(no line)", want);
	free(line);
}

static void check_secret(const struct section *s, const struct dv_config_key_info *k)
{
	char *line = section_line(s, "- **Secret**");
	is_int(line != NULL, k->secret != 0, "%s: marked secret exactly when the code says so",
	       k->name);
	free(line);
}

static struct section *find_section(struct section *secs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(secs[i].name, name) == 0)
			return &secs[i];
	return NULL;
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	struct section secs[MAX_SECTIONS];
	size_t nkeys, nsecs;
	const struct dv_config_key_info *keys = dv_config_keys(&nkeys);
	char path[4096];
	char *text;

	snprintf(path, sizeof(path), "%s/docs/connection-keys.md", top ? top : TOP_SRCDIR);
	text = read_file(path);
	if (!ok(text != NULL, "read %s", path))
		return tap_done();
	nsecs = find_sections(text, secs, MAX_SECTIONS);
	ok(nkeys > 30, "the code lists its keys (%zu)", nkeys);
	for (size_t i = 0; i < nkeys; i++) {
		struct section *s = find_section(secs, nsecs, keys[i].name);
		if (!ok(s != NULL, "%s: documented (### %s)", keys[i].name, keys[i].name))
			continue;
		s->matched = 1;
		check_default(s, &keys[i]);
		check_example(s, &keys[i]);
		check_secret(s, &keys[i]);
	}
	for (size_t i = 0; i < nsecs; i++)
		if (!secs[i].matched)
			ok(0, "docs section '### %s' names a key the code does not have", secs[i].name);
	is_int(nsecs, nkeys, "as many key sections in the docs as keys in the code");
	free(text);
	return tap_done();
}
