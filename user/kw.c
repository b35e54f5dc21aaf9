// SPDX-License-Identifier: GPL-2.0
/*
 * Keyword tables (kw.h): one engine for the KEYWORD VALUE arguments of
 * "b4 run" (and its config file) and "aftr attach".
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "dslitectl.h"
#include "kw.h"

static const struct kw_name on_off[] = {
	{ "on", 1 },
	{ "off", 0 },
	{ NULL, 0 },
};

int kw_err(const struct kw_ctx *x, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (x->where)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, x->what, "%s: %s",
				     x->where, why);
	return dslitectl_err(DSLITECTL_EXIT_USAGE, x->what, "%s", why);
}

const char *kw_what(const struct kw_ctx *x, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", x->what, x->where ? ": " : "",
		 x->where ? x->where : "");
	return buf;
}

const struct kw *kw_find(const struct kw_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (kw_is(name, t->rows[i].name))
			return &t->rows[i];
	return NULL;
}

bool kw_given(const struct kw_table *t, uint64_t seen, const char *name)
{
	const struct kw *k = kw_find(t, name);

	return k && (seen & (1ULL << (k - t->rows)));
}

static void store(void *obj, const struct kw *k, uint64_t v)
{
	char *p = (char *)obj + k->off;

	switch (k->size) {
	case 1: {
		uint8_t u = v;

		memcpy(p, &u, 1);
		break;
	}
	case 2: {
		uint16_t u = v;

		memcpy(p, &u, 2);
		break;
	}
	case 4: {
		uint32_t u = v;

		memcpy(p, &u, 4);
		break;
	}
	case 8:
		memcpy(p, &v, 8);
		break;
	}
}

/* "A or B", "A, B or C", each name in the table's quotes */
static void names_list(const struct kw_table *t, const struct kw_name *n,
		       char *buf, size_t len)
{
	const char *q = t->quote ? t->quote : "";
	size_t off = 0, i, cnt = 0;

	while (n[cnt].name)
		cnt++;
	buf[0] = '\0';
	for (i = 0; i < cnt && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s%s%s",
				i == 0 ? "" : i + 1 == cnt ? " or " : ", ",
				q, n[i].name, q);
}

static int parse_uint_row(const struct kw_ctx *x, const struct kw *k,
			  const char *val, void *obj)
{
	const char *unit = k->unit ? k->unit : "";
	uint64_t v;

	if (parse_uint(val, UINT64_MAX, &v) || v < k->min || v > k->max)
		return kw_err(x, "%s must be %s%" PRIu64 "..%" PRIu64 "%s%s, not \"%s\"",
			      k->name, x->t->number ? x->t->number : "",
			      k->min, k->max, unit[0] ? " " : "", unit, val);
	store(obj, k, v);
	return 0;
}

static int parse_enum_row(const struct kw_ctx *x, const struct kw *k,
			  const char *val, void *obj)
{
	const struct kw_name *n = k->names ? k->names : on_off;
	char list[256];

	for (; n->name; n++) {
		if (kw_is(val, n->name)) {
			store(obj, k, n->value);
			return 0;
		}
	}
	names_list(x->t, k->names ? k->names : on_off, list, sizeof(list));
	return kw_err(x, "%s must be %s, not \"%s\"", k->name, list, val);
}

static int parse_text_row(const struct kw_ctx *x, const struct kw *k,
			  const char *val, void *obj)
{
	char *p = (char *)obj + k->off;
	bool ok;

	if (k->type == KW_IPV6) {
		struct in6_addr a;

		ok = inet_pton(AF_INET6, val, &a) == 1 &&
		     (!k->check || k->check(&a));
		if (ok)
			memcpy(p, &a, sizeof(a));
	} else {
		ok = strlen(val) < k->size && (!k->check || k->check(val));
		if (ok)
			memcpy(p, val, strlen(val) + 1);
	}
	if (!ok)
		return kw_err(x, "%s \"%s\" is not a%s %s", k->name, val,
			      k->unit ? "" : "n",
			      k->unit ? k->unit : k->type == KW_IPV6 ?
			      "IPv6 address" : "acceptable value");
	return 0;
}

int kw_value(const struct kw_ctx *x, const struct kw *k, const char *val,
	     void *obj)
{
	switch (k->type) {
	case KW_UINT:
		return parse_uint_row(x, k, val, obj);
	case KW_BOOL:
	case KW_ENUM:
		return parse_enum_row(x, k, val, obj);
	case KW_IPV6:
	case KW_STRING:
		return parse_text_row(x, k, val, obj);
	case KW_CUSTOM:
		return k->parse(x, k, val, obj);
	}
	return kw_err(x, "%s: no parser", k->name);
}

int kw_parse(const struct kw_ctx *x, int argc, char **argv, void *obj)
{
	const struct kw_table *t = x->t;
	int ret;

	for (; argc > 0; argc -= 2, argv += 2) {
		const struct kw *k = kw_find(t, argv[0]);
		uint64_t bit;

		if (!k)
			return kw_err(x, "%s \"%s\" (try \"dslitectl %s help\")",
				      t->unknown, argv[0], t->object);
		if (argc < 2)
			return kw_err(x, "\"%s\" needs a value", argv[0]);
		if ((k->flags & KW_ARGV) && x->where)
			return kw_err(x, "\"%s\" inside a config file",
				      k->name);
		bit = 1ULL << (k - t->rows);
		if ((*x->seen & bit) && !(k->flags & (KW_MULTI | KW_SELF)))
			return kw_err(x, "\"%s\" given twice", k->name);
		*x->seen |= bit;
		ret = kw_value(x, k, argv[1], obj);
		if (ret)
			return ret;
	}
	return 0;
}

void kw_defaults(const struct kw_table *t, void *obj)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if ((t->rows[i].flags & KW_DEF) && t->rows[i].size)
			store(obj, &t->rows[i], t->rows[i].def);
}

void kw_synopsis(FILE *f, const struct kw_table *t, const char *head,
		 int col, int width)
{
	int pos = fprintf(f, "%s", head);
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct kw *k = &t->rows[i];
		bool opt = !(k->flags & KW_REQ);
		char item[128];
		int len;

		len = snprintf(item, sizeof(item), "%s%s%s%s%s%s",
			       opt ? "[" : "", k->name, k->arg ? " " : "",
			       k->arg ? k->arg : "", opt ? "]" : "",
			       (k->flags & KW_MULTI) ? "..." : "");
		if (i && pos + 1 + len > width) {
			fprintf(f, "\n%*s", col, "");
			pos = col;
		} else if (i) {
			fputc(' ', f);
			pos++;
		}
		fputs(item, f);
		pos += len;
	}
	fputc('\n', f);
}

/* one help text, "{range}" and "{def}" filled in, lines at column col */
static void help_text(FILE *f, const struct kw *k, int col)
{
	const char *p;

	for (p = k->help; *p; p++) {
		if (!strncmp(p, "{range}", 7)) {
			fprintf(f, "%" PRIu64 "..%" PRIu64, k->min, k->max);
			p += 6;
		} else if (!strncmp(p, "{def}", 5)) {
			fprintf(f, "%" PRIu64, k->def);
			p += 4;
		} else if (*p == '\n') {
			fprintf(f, "\n%*s", col, "");
		} else {
			fputc(*p, f);
		}
	}
	fputc('\n', f);
}

void kw_usage(FILE *f, const struct kw_table *t, int col)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct kw *k = &t->rows[i];
		int len;

		if (!k->help)
			continue;
		len = fprintf(f, "  %s%s%s", k->name, k->arg ? " " : "",
			      k->arg ? k->arg : "");
		fprintf(f, "%*s", len < col ? col - len : 1, "");
		help_text(f, k, col);
	}
}
