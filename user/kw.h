/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keyword tables: the "KEYWORD VALUE" arguments of a command described
 * once, as rows, from which the parsing, the range errors and the usage
 * text all come ("b4 run" and its config file in user/b4/config.c, "aftr
 * attach" in user/aftr/attach.c).
 *
 * A row names the keyword, the type of its value, its range, the field it
 * fills (an offset into the command's configuration struct) and its usage
 * text:
 *
 *	static const struct kw rows[] = {
 *		{ "interval", KW_UINT, .min = 10, .max = 60000, .unit = "ms",
 *		  KW_FIELD(struct cfg, interval_ms), .arg = "MS",
 *		  .help = "active session, {range} (default {def})",
 *		  .def = 1000, .flags = KW_DEF },
 *		...
 *	};
 *
 * Types (the value is stored in the field's own width, 1, 2, 4 or 8 bytes):
 *   KW_UINT    a decimal number min..max; error "KW must be [a number ]
 *              MIN..MAX[ UNIT], not "VAL""
 *   KW_BOOL    on or off, into a bool
 *   KW_ENUM    one of names[] (NULL-terminated), its value into the field;
 *              error "KW must be A, B or C, not "VAL""
 *   KW_IPV6    an IPv6 address (struct in6_addr) that check() accepts;
 *              error "KW "VAL" is not a UNIT" (UNIT default "IPv6 address")
 *   KW_STRING  a string shorter than the field that check() accepts;
 *              error as KW_IPV6 (UNIT default "valid value")
 *   KW_CUSTOM  parse() does it all (it prints its own errors)
 *
 * Every keyword is taken once ("KW" given twice), unless KW_MULTI (or
 * KW_SELF: its parser says when a repeat is wrong); which
 * were given is a bit per row (its index) in the caller's seen mask, so it
 * spans several calls (a command line and the lines of a config file).
 * Errors are "dslitectl: WHAT: [WHERE: ]WHY" with exit code 1.
 */
#ifndef DSLITECTL_KW_H
#define DSLITECTL_KW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum kw_type {
	KW_UINT,
	KW_BOOL,
	KW_ENUM,
	KW_IPV6,
	KW_STRING,
	KW_CUSTOM,
};

/* flags of a row */
#define KW_MULTI	0x01	/* may be given more than once */
#define KW_ARGV		0x02	/* command line only: refused in a file */
#define KW_DEF		0x04	/* kw_defaults() stores .def in the field */
#define KW_REQ		0x08	/* usage: not in brackets (required) */
#define KW_SELF		0x10	/* the row's parser refuses repeats itself */

/* The most rows a table may have (one bit each in the seen mask). */
#define KW_MAX_ROWS	64

struct kw_name {
	const char *name;
	uint64_t value;
};

struct kw;
struct kw_ctx;

/* KW_CUSTOM: 0 or an exit code after printing why (kw_err()). */
typedef int (*kw_parse_fn)(const struct kw_ctx *x, const struct kw *k,
			   const char *val, void *obj);
/* KW_IPV6, KW_STRING: is the parsed value acceptable? */
typedef bool (*kw_check_fn)(const void *field);

/* KW_FIELD(type, member): where a row's value goes */
#define KW_FIELD(type, member)					\
	.off = offsetof(type, member),				\
	.size = sizeof(((type *)0)->member)

struct kw {
	const char *name;
	enum kw_type type;
	unsigned int flags;		/* KW_* */
	uint64_t min, max;		/* KW_UINT */
	size_t off, size;		/* the field (KW_FIELD); size 0: none */
	const char *unit;		/* KW_UINT: "ms", "seconds", ...;
					 * KW_IPV6/KW_STRING: what it must be */
	const struct kw_name *names;	/* KW_ENUM, KW_BOOL (default on/off) */
	kw_check_fn check;		/* KW_IPV6, KW_STRING; NULL: any */
	kw_parse_fn parse;		/* KW_CUSTOM */
	uint64_t def;			/* KW_DEF: the default */
	const char *arg;		/* usage: the value, "MS", "on|off" */
	const char *help;		/* usage: its line(s); "{range}" is
					 * MIN..MAX, "{def}" the default;
					 * NULL: only in the synopsis */
};

struct kw_table {
	const struct kw *rows;
	size_t n;
	const char *number;		/* before a range: "" or "a number " */
	const char *quote;		/* around enum names: "" or "\"" */
	const char *unknown;		/* "unknown keyword" */
	const char *object;		/* in "(try "dslitectl OBJECT help")" */
};

#define KW_TABLE(r) .rows = (r), .n = sizeof(r) / sizeof((r)[0])

/* One parse: the command, the file line if any, the table, the mask. */
struct kw_ctx {
	const char *what;		/* "b4 run" */
	const char *where;		/* "FILE:LINE", or NULL */
	const struct kw_table *t;
	uint64_t *seen;			/* bit i: rows[i] given */
};

/* kw_err(x, fmt, ...): print "dslitectl: WHAT: [WHERE: ]..."; returns 1 */
int kw_err(const struct kw_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* kw_what(x, buf, len): "WHAT[: WHERE]", for helpers taking a what */
const char *kw_what(const struct kw_ctx *x, char *buf, size_t len);

/* kw_find(t, name): the row of name, or NULL */
const struct kw *kw_find(const struct kw_table *t, const char *name);

/* kw_given(t, seen, name): was the keyword name given? */
bool kw_given(const struct kw_table *t, uint64_t seen, const char *name);

/*
 * kw_parse(x, argc, argv, obj): argv holds KEYWORD VALUE pairs; each
 * value into obj. Checks, in this order: an unknown keyword, a missing
 * value, a KW_ARGV keyword in a file, a keyword given twice; then the
 * value. Returns 0 or the exit code of the first error (printed).
 */
int kw_parse(const struct kw_ctx *x, int argc, char **argv, void *obj);

/* kw_value(x, k, val, obj): one value of row k into obj (no checks on
 * the keyword itself). 0 or an exit code. */
int kw_value(const struct kw_ctx *x, const struct kw *k, const char *val,
	     void *obj);

/* kw_defaults(t, obj): the .def of every KW_DEF row into obj */
void kw_defaults(const struct kw_table *t, void *obj);

/*
 * kw_synopsis(f, t, head, col, width): head, then "[name ARG]" for every
 * row (KW_REQ without brackets, KW_MULTI followed by "..."), wrapped at
 * width; lines after the first start at column col.
 */
void kw_synopsis(FILE *f, const struct kw_table *t, const char *head,
		 int col, int width);

/*
 * kw_usage(f, t, col): "  name ARG" then its help from column col, for
 * every row with help text; a help text's own lines ('\n') continue at
 * column col.
 */
void kw_usage(FILE *f, const struct kw_table *t, int col);

#endif /* DSLITECTL_KW_H */
