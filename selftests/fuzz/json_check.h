/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON reader for the fuzz targets, written for them (RFC 8259:
 * no trailing commas, no control characters or invalid UTF-8 in strings,
 * no lone surrogates, numbers in the grammar's form, one value and only
 * white space around it). jcheck_value() validates; the strings it reads
 * are decoded into the caller's buffer so a target can compare what it
 * printed with what it meant to print.
 */
#ifndef DSLITE_FUZZ_JSON_CHECK_H
#define DSLITE_FUZZ_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jcheck {
	const unsigned char *p, *end;
	const char *why;	/* the first error */
	unsigned int depth;
	unsigned char *out;	/* decoded string (jcheck_string), or NULL */
	size_t out_len, out_size;
};

static inline bool jc_fail(struct jcheck *j, const char *why)
{
	if (!j->why)
		j->why = why;
	return false;
}

static inline void jc_ws(struct jcheck *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* The length of the valid UTF-8 sequence at s (at most len bytes), or 0. */
static inline size_t jc_utf8(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	uint32_t cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 2, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static inline void jc_put(struct jcheck *j, const unsigned char *s, size_t n)
{
	if (!j->out)
		return;
	if (j->out_len + n > j->out_size) {
		jc_fail(j, "decoded string larger than expected");
		return;
	}
	memcpy(j->out + j->out_len, s, n);
	j->out_len += n;
}

static inline void jc_put_cp(struct jcheck *j, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | cp >> 6, b[1] = 0x80 | (cp & 0x3f), n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | cp >> 12, b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f), n = 3;
	} else {
		b[0] = 0xf0 | cp >> 18, b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f), b[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	jc_put(j, b, n);
}

static inline bool jc_hex4(struct jcheck *j, uint32_t *v)
{
	int i;

	*v = 0;
	if (j->end - j->p < 4)
		return jc_fail(j, "short \\u escape");
	for (i = 0; i < 4; i++) {
		unsigned char c = *j->p++;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return jc_fail(j, "bad hex digit in \\u escape");
	}
	return true;
}

static inline bool jcheck_string(struct jcheck *j)
{
	if (j->p >= j->end || *j->p != '"')
		return jc_fail(j, "string expected");
	j->p++;
	while (j->p < j->end) {
		unsigned char c = *j->p;
		uint32_t cp, lo;
		size_t n;

		if (c == '"') {
			j->p++;
			return !j->why;
		}
		if (c < 0x20)
			return jc_fail(j, "control character in a string");
		if (c != '\\') {
			n = jc_utf8(j->p, j->end - j->p);
			if (!n)
				return jc_fail(j, "invalid UTF-8 in a string");
			jc_put(j, j->p, n);
			j->p += n;
			continue;
		}
		if (++j->p >= j->end)
			return jc_fail(j, "escape at the end");
		c = *j->p++;
		switch (c) {
		case '"': case '\\': case '/':
			jc_put(j, &c, 1);
			break;
		case 'b': jc_put_cp(j, '\b'); break;
		case 'f': jc_put_cp(j, '\f'); break;
		case 'n': jc_put_cp(j, '\n'); break;
		case 'r': jc_put_cp(j, '\r'); break;
		case 't': jc_put_cp(j, '\t'); break;
		case 'u':
			if (!jc_hex4(j, &cp))
				return false;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jc_fail(j, "lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 6 || j->p[0] != '\\' ||
				    j->p[1] != 'u')
					return jc_fail(j, "lone high surrogate");
				j->p += 2;
				if (!jc_hex4(j, &lo))
					return false;
				if (lo < 0xdc00 || lo > 0xdfff)
					return jc_fail(j, "bad low surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			jc_put_cp(j, cp);
			break;
		default:
			return jc_fail(j, "unknown escape");
		}
	}
	return jc_fail(j, "unterminated string");
}

static inline bool jc_digits(struct jcheck *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static inline bool jcheck_number(struct jcheck *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!jc_digits(j))
		return jc_fail(j, "bad number");
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jc_digits(j))
			return jc_fail(j, "bad fraction");
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jc_digits(j))
			return jc_fail(j, "bad exponent");
	}
	return true;
}

static inline bool jc_word(struct jcheck *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return jc_fail(j, "bad literal");
	j->p += n;
	return true;
}

static inline bool jcheck_value(struct jcheck *j)
{
	unsigned char open, close;
	bool first = true;

	jc_ws(j);
	if (j->p >= j->end)
		return jc_fail(j, "value expected");
	switch (*j->p) {
	case '"':
		return jcheck_string(j);
	case 't': return jc_word(j, "true");
	case 'f': return jc_word(j, "false");
	case 'n': return jc_word(j, "null");
	case '{': case '[':
		break;
	default:
		return jcheck_number(j);
	}
	open = *j->p++;
	close = open == '{' ? '}' : ']';
	if (++j->depth > 64)
		return jc_fail(j, "nested too deep");
	for (;;) {
		jc_ws(j);
		if (j->p < j->end && *j->p == close && first) {
			j->p++;
			break;
		}
		if (open == '{') {
			if (!jcheck_string(j))
				return false;
			jc_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return jc_fail(j, "':' expected");
		}
		if (!jcheck_value(j))
			return false;
		first = false;
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			break;
		}
		return jc_fail(j, "',' or end expected");
	}
	j->depth--;
	return true;
}

/* jcheck_document(s, len): one value and white space; NULL or why not. */
static inline const char *jcheck_document(const char *s, size_t len)
{
	struct jcheck j = { (const unsigned char *)s,
			    (const unsigned char *)s + len, NULL, 0, NULL, 0, 0 };

	if (jcheck_value(&j)) {
		jc_ws(&j);
		if (j.p != j.end)
			jc_fail(&j, "bytes after the value");
	}
	return j.why;
}

#endif
