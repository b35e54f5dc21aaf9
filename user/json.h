/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl output: a small JSON writer and, on top of it, print_*()
 * helpers so that one code path prints either text or JSON.
 *
 * The writer (json_*) emits compact JSON, or indented JSON (4 spaces) when
 * pretty. It tracks commas and nesting itself; keys are given for members
 * of objects and NULL for array elements and the top-level value.
 * Strings are escaped (quote, backslash, control characters); bytes that
 * are not valid UTF-8 become U+FFFD, so the output is always valid JSON.
 *
 * The print layer (print_*) writes to stdout (print_init_stream:
 * elsewhere). In JSON mode a call with a NULL key prints nothing; in text
 * mode a call with a NULL fmt prints nothing. So one call prints a field
 * in both, and every command prints through it:
 *
 *	print_uint("transitions", " transitions %" PRIu64, n);	both
 *	print_uint("since-ms", NULL, ms);			JSON only
 *	print_text(" since %.1fs", ms / 1000.0);		text only
 */
#ifndef DSLITECTL_JSON_H
#define DSLITECTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	32

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* nothing written yet at this depth */
};

void json_init(struct json_writer *w, FILE *f, bool pretty);
void json_begin_object(struct json_writer *w, const char *key);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w, const char *key);
void json_end_array(struct json_writer *w);
void json_string(struct json_writer *w, const char *key, const char *s);
/* json_string_len: the same for a buffer that may hold NUL bytes. */
void json_string_len(struct json_writer *w, const char *key, const char *s,
		     size_t len);
void json_uint(struct json_writer *w, const char *key, uint64_t v);
void json_int(struct json_writer *w, const char *key, int64_t v);
void json_bool(struct json_writer *w, const char *key, bool v);
void json_null(struct json_writer *w, const char *key);
/* json_finish: after the top-level value, end the line. */
void json_finish(struct json_writer *w);

/*
 * json_escape(out, s, len): write s as a JSON string literal (with the
 * quotes) to out.
 */
void json_escape(FILE *out, const char *s, size_t len);

/* print layer, on stdout (or another stream: print_init_stream) */
void print_init(bool json, bool pretty);
void print_init_stream(FILE *f, bool json, bool pretty);
bool print_is_json(void);

/* print_open/close_*: JSON only (text has no structure to open). */
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

void print_string(const char *key, const char *fmt, const char *s);
void print_uint(const char *key, const char *fmt, uint64_t v);
void print_int(const char *key, const char *fmt, int64_t v);
/* print_bool: JSON true/false; text fmt gets yes or no as its %s. */
void print_bool(const char *key, const char *fmt, bool v, const char *yes,
		const char *no);
/*
 * print_quoted: free text (a reason): JSON string, null when s is NULL;
 * in text fmt gets s quoted and escaped by text_escape(), nothing when s
 * is NULL.
 */
void print_quoted(const char *key, const char *fmt, const char *s);
/*
 * print_name: a name or a word (an interface name, a state, an error):
 * JSON string, null when s is NULL; in text fmt gets s escaped by
 * text_escape() without quotes, "none" when s is NULL.
 */
void print_name(const char *key, const char *fmt, const char *s);
/* print_text_name: print_name() in text only (the "IFNAME:" heads). */
void print_text_name(const char *fmt, const char *s);
/*
 * text_escape(buf, size, s, quote): s for a terminal, in double quotes if
 * quote: \", \\, \n, \t, \r, and \xNN for every other control byte,
 * DEL and every byte above 0x7f (so nothing a name or reason holds can
 * move the cursor, fake a line or mix encodings). 4 bytes per input byte
 * and 3 more are enough; a string too long for buf is cut between
 * characters, never inside an escape, and still gets its closing quote.
 * Returns the length written. The one escaping of text output: tunnel
 * show, monitor and b4 status use it.
 */
size_t text_escape(char *buf, size_t size, const char *s, bool quote);
/* print_null: JSON null (nothing in text). */
void print_null(const char *key);
/* print_nulls: JSON null for every key up to the NULL (nothing in text). */
void print_nulls(const char *key, ...) __attribute__((sentinel));
/* print_text: text mode only. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * print_end: the end of one record. Text: newline. JSON: a newline only at
 * the top level (the end of a document). Then flush the stream.
 */
void print_end(void);

#endif /* DSLITECTL_JSON_H */
