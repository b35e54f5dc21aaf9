// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl output: JSON writer and the text/JSON print layer.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "json.h"

void json_init(struct json_writer *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
}

static void indent(struct json_writer *w)
{
	int i;

	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("    ", w->f);
}

/* utf8_len(s, len): length of a valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	/* no overlong forms, no surrogates, nothing above U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void json_escape(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', out);
	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(out, "\\u%04x", c);
				break;
			}
			n = utf8_len(s + i, len - i);
			if (!n) {
				fputs("\\ufffd", out);
				break;
			}
			fwrite(s + i, 1, n, out);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', out);
}

/* member: separator, indentation and key before a value at this depth. */
static void member(struct json_writer *w, const char *key)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	if (w->pretty && w->depth > 0)
		indent(w);
	w->first[w->depth] = false;
	if (key && w->depth > 0) {
		json_escape(w->f, key, strlen(key));
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void begin(struct json_writer *w, const char *key, char open)
{
	member(w, key);
	fputc(open, w->f);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void end(struct json_writer *w, char close)
{
	bool empty = w->first[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (w->pretty && !empty)
		indent(w);
	fputc(close, w->f);
}

void json_begin_object(struct json_writer *w, const char *key)
{
	begin(w, key, '{');
}

void json_end_object(struct json_writer *w)
{
	end(w, '}');
}

void json_begin_array(struct json_writer *w, const char *key)
{
	begin(w, key, '[');
}

void json_end_array(struct json_writer *w)
{
	end(w, ']');
}

void json_string_len(struct json_writer *w, const char *key, const char *s,
		     size_t len)
{
	member(w, key);
	json_escape(w->f, s, len);
}

void json_string(struct json_writer *w, const char *key, const char *s)
{
	json_string_len(w, key, s, strlen(s));
}

void json_uint(struct json_writer *w, const char *key, uint64_t v)
{
	member(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void json_int(struct json_writer *w, const char *key, int64_t v)
{
	member(w, key);
	fprintf(w->f, "%" PRId64, v);
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
	member(w, key);
	fputs(v ? "true" : "false", w->f);
}

void json_null(struct json_writer *w, const char *key)
{
	member(w, key);
	fputs("null", w->f);
}

void json_finish(struct json_writer *w)
{
	fputc('\n', w->f);
	w->depth = 0;
	w->first[0] = true;
}

/* print layer */

static struct json_writer out;
static bool out_json;

void print_init_stream(FILE *f, bool json, bool pretty)
{
	out_json = json;
	json_init(&out, f, pretty);
}

void print_init(bool json, bool pretty)
{
	print_init_stream(stdout, json, pretty);
}

bool print_is_json(void)
{
	return out_json;
}

void print_open_object(const char *key)
{
	if (out_json)
		json_begin_object(&out, key);
}

void print_close_object(void)
{
	if (out_json)
		json_end_object(&out);
}

void print_open_array(const char *key)
{
	if (out_json)
		json_begin_array(&out, key);
}

void print_close_array(void)
{
	if (out_json)
		json_end_array(&out);
}

/*
 * The format strings below come from the callers' literals; the pragmas
 * let them be passed through without -Wformat-nonliteral noise.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void print_string(const char *key, const char *fmt, const char *s)
{
	if (out_json) {
		if (key)
			json_string(&out, key, s);
	} else if (fmt) {
		fprintf(out.f, fmt, s);
	}
}

void print_uint(const char *key, const char *fmt, uint64_t v)
{
	if (out_json) {
		if (key)
			json_uint(&out, key, v);
	} else if (fmt) {
		fprintf(out.f, fmt, v);
	}
}

void print_int(const char *key, const char *fmt, int64_t v)
{
	if (out_json) {
		if (key)
			json_int(&out, key, v);
	} else if (fmt) {
		fprintf(out.f, fmt, v);
	}
}

void print_bool(const char *key, const char *fmt, bool v, const char *yes,
		const char *no)
{
	if (out_json) {
		if (key)
			json_bool(&out, key, v);
	} else if (fmt) {
		fprintf(out.f, fmt, v ? yes : no);
	}
}

void print_null(const char *key)
{
	if (out_json && key)
		json_null(&out, key);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (out_json)
		return;
	va_start(ap, fmt);
	vfprintf(out.f, fmt, ap);
	va_end(ap);
}

#pragma GCC diagnostic pop

size_t text_escape(char *buf, size_t size, const char *s, bool quote)
{
	static const char hex[] = "0123456789abcdef";
	/* room kept for one more: its escape, the closing quote, the NUL */
	size_t n = 0, room = 4 + quote + 1;

	if (size < 3) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	if (quote)
		buf[n++] = '"';
	for (; *s && n + room <= size; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"':
		case '\\':
			buf[n++] = '\\';
			buf[n++] = c;
			break;
		case '\n':
			buf[n++] = '\\';
			buf[n++] = 'n';
			break;
		case '\t':
			buf[n++] = '\\';
			buf[n++] = 't';
			break;
		case '\r':
			buf[n++] = '\\';
			buf[n++] = 'r';
			break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				buf[n++] = '\\';
				buf[n++] = 'x';
				buf[n++] = hex[c >> 4];
				buf[n++] = hex[c & 15];
			} else {
				buf[n++] = c;
			}
		}
	}
	if (quote)
		buf[n++] = '"';
	buf[n] = '\0';
	return n;
}

/*
 * print_escaped: JSON string (null for NULL); text: fmt gets s as
 * text_escape() writes it, with or without quotes; NULL: none.
 */
static void print_escaped(const char *key, const char *fmt, const char *s,
			  bool quote, const char *none)
{
	/* 4 bytes per input byte at most, plus quotes and NUL */
	char buf[4 * 256 + 3];

	if (out_json) {
		if (key && s)
			json_string(&out, key, s);
		else if (key)
			json_null(&out, key);
		return;
	}
	if (!fmt || (!s && !none))
		return;
	text_escape(buf, sizeof(buf), s ? s : none, quote);
	print_string(NULL, fmt, buf);
}

void print_quoted(const char *key, const char *fmt, const char *s)
{
	print_escaped(key, fmt, s, true, NULL);
}

void print_name(const char *key, const char *fmt, const char *s)
{
	print_escaped(key, fmt, s, false, "none");
}

void print_text_name(const char *fmt, const char *s)
{
	print_name(NULL, fmt, s);
}

void print_nulls(const char *key, ...)
{
	va_list ap;

	if (!out_json)
		return;
	va_start(ap, key);
	for (; key; key = va_arg(ap, const char *))
		json_null(&out, key);
	va_end(ap);
}

void print_end(void)
{
	if (out_json) {
		if (out.depth == 0)
			json_finish(&out);
	} else {
		fputc('\n', out.f);
	}
	fflush(out.f);
}
