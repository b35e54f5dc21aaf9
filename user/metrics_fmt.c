// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text format (user/metrics.h): the writer and the merge,
 * apart from the command (metrics.c) so that the unit tests link them
 * alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

void metrics_head(FILE *f, const char *name, const char *type,
		  const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

size_t metrics_escape(char *buf, size_t size, const char *s)
{
	size_t o = 0;

	if (!size)
		return 0;
	for (; *s; s++) {
		const char *e = NULL;
		size_t l;

		if (*s == '\\')
			e = "\\\\";
		else if (*s == '"')
			e = "\\\"";
		else if (*s == '\n')
			e = "\\n";
		l = e ? 2 : 1;
		if (o + l >= size)
			break;
		if (e)
			memcpy(buf + o, e, 2);
		else
			buf[o] = *s;
		o += l;
	}
	buf[o] = '\0';
	return o;
}

static void labels(FILE *f, va_list ap)
{
	const char *k, *v;
	char buf[512];
	bool first = true;

	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		metrics_escape(buf, sizeof(buf), v ? v : "");
		fprintf(f, "%s%s=\"%s\"", first ? "{" : ",", k, buf);
		first = false;
	}
	if (!first)
		fputc('}', f);
}

void metrics_u64(FILE *f, const char *name, uint64_t v, ...)
{
	va_list ap;

	fputs(name, f);
	va_start(ap, v);
	labels(f, ap);
	va_end(ap);
	fprintf(f, " %" PRIu64 "\n", v);
}

void metrics_sec(FILE *f, const char *name, double v, ...)
{
	va_list ap;

	fputs(name, f);
	va_start(ap, v);
	labels(f, ap);
	va_end(ap);
	fprintf(f, " %.3f\n", v);
}

/* ------------------------------------------------------------------ */
/* the merge */

struct family {
	char *name;
	char *head, *body;	/* HELP and TYPE lines; samples */
	size_t head_len, body_len;
	FILE *hf, *bf;
};

/* family_of(fams, n, name, len, is_new): the family name, added when new
 * (each one allocated alone: its memstreams keep pointers into it) */
static struct family *family_of(struct family ***fams, size_t *n,
				const char *name, size_t len, bool *is_new)
{
	struct family **v, *fa;
	size_t i;

	*is_new = false;
	for (i = 0; i < *n; i++)
		if (strlen((*fams)[i]->name) == len &&
		    !memcmp((*fams)[i]->name, name, len))
			return (*fams)[i];
	v = realloc(*fams, (*n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*fams = v;
	fa = calloc(1, sizeof(*fa));
	if (!fa)
		return NULL;
	v[(*n)++] = fa;
	fa->name = strndup(name, len);
	fa->hf = open_memstream(&fa->head, &fa->head_len);
	fa->bf = open_memstream(&fa->body, &fa->body_len);
	if (!fa->name || !fa->hf || !fa->bf)
		return NULL;
	*is_new = true;
	return fa;
}

int metrics_merge(FILE *out, char *const *texts, size_t n)
{
	struct family **fams = NULL, *cur;
	size_t nf = 0, i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		const char *p = texts[i], *nl;
		bool fresh = false;

		cur = NULL;
		for (; *p; p = nl + 1) {
			size_t len;

			nl = strchr(p, '\n');
			if (!nl)
				nl = p + strlen(p) - 1;	/* a last line cut */
			len = nl - p + 1;
			if (!strncmp(p, "# HELP ", 7)) {
				const char *name = p + 7;

				cur = family_of(&fams, &nf, name,
						strcspn(name, " \n"), &fresh);
				if (!cur) {
					ret = -ENOMEM;
					break;
				}
			}
			if (!cur)
				continue;	/* nothing before a family */
			if (p[0] == '#') {
				if (fresh)
					fwrite(p, 1, len, cur->hf);
			} else {
				fwrite(p, 1, len, cur->bf);
			}
			if (*nl != '\n')
				fputc('\n', p[0] == '#' ? cur->hf : cur->bf);
			if (!nl[1])
				break;
		}
	}
	for (i = 0; i < nf; i++) {
		struct family *fa = fams[i];

		if (!fa)
			continue;
		if (fa->hf)
			fclose(fa->hf);
		if (fa->bf)
			fclose(fa->bf);
		if (!ret && fa->head && fa->body) {
			fwrite(fa->head, 1, fa->head_len, out);
			fwrite(fa->body, 1, fa->body_len, out);
		}
		free(fa->name);
		free(fa->head);
		free(fa->body);
		free(fa);
	}
	free(fams);
	return ret;
}

int metrics_texts_add(struct metrics_texts *t, char *text)
{
	char **v = realloc(t->v, (t->n + 1) * sizeof(*v));

	if (!v) {
		free(text);
		return -ENOMEM;
	}
	t->v = v;
	t->v[t->n++] = text;
	return 0;
}
