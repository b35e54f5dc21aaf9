// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the JSON output (user/json.c), which prints strings that
 * come from the network and the kernel (reasons, device names, AFTR
 * names): json_escape() round-trips through a strict JSON reader
 * (json_check.h), the writer's documents with such strings as keys and
 * values parse, and text_escape() (the text output's quoting) stays in
 * its buffer and reads back to the string it was given.
 *
 * Input: [pretty/depth u8][text buffer size u8][the string].
 *
 * Invariants: the decoded JSON string is the input with every byte that
 * does not start a valid UTF-8 sequence replaced by U+FFFD; the document
 * is valid JSON; the text form is printable ASCII, NUL-terminated within
 * its buffer, and decodes to a prefix of the input (all of it when the
 * buffer is large enough).
 */
#include "json.h"
#include "fuzz.h"
#include "json_check.h"

/* What json_escape(s) must decode to: s, invalid UTF-8 as U+FFFD. */
static size_t expected(const unsigned char *s, size_t len, unsigned char *out)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = jc_utf8(s + i, len - i);
		if (!n) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	return o;
}

static void round_trip(const unsigned char *s, size_t len)
{
	unsigned char *want = malloc(3 * len + 1), *got = malloc(3 * len + 1);
	struct jcheck j = { 0 };
	size_t olen, wlen;
	char *out = NULL;
	FILE *f;

	f = open_memstream(&out, &olen);
	if (!f || !want || !got)
		abort();
	json_escape(f, (const char *)s, len);
	fclose(f);
	j.p = (const unsigned char *)out;
	j.end = j.p + olen;
	j.out = got;
	j.out_size = 3 * len + 1;
	fuzz_assert(jcheck_string(&j) && j.p == j.end, "json_escape: %s: %s",
		    j.why ? j.why : "bytes after the string", out);
	wlen = expected(s, len, want);
	fuzz_assert(j.out_len == wlen && !memcmp(got, want, wlen),
		    "json_escape: decodes to %zu bytes, %zu expected",
		    j.out_len, wlen);
	free(out);
	free(want);
	free(got);
}

static void document(const char *s, unsigned int shape)
{
	struct json_writer w;
	const char *why, *key;
	unsigned int i, depth = shape & 15;
	char *out = NULL;
	size_t olen;
	FILE *f;

	f = open_memstream(&out, &olen);
	if (!f)
		abort();
	json_init(&w, f, shape & 64);
	json_begin_object(&w, NULL);
	json_string(&w, s, s);
	/* objects and arrays in turn; members of an array have no key */
	for (i = 0; i < depth; i++) {
		const char *key = i && !(i & 1) ? NULL : s;
		const char *in = i & 1 ? NULL : s;

		if (i & 1)
			json_begin_array(&w, key);
		else
			json_begin_object(&w, key);
		json_string(&w, in, s);
		json_uint(&w, in, i);
	}
	key = depth && !(depth & 1) ? NULL : s;
	json_int(&w, key ? "int" : NULL, -(int64_t)depth);
	json_bool(&w, key ? "bool" : NULL, shape & 128);
	json_null(&w, key);
	while (i--) {
		if (i & 1)
			json_end_array(&w);
		else
			json_end_object(&w);
	}
	json_end_object(&w);
	json_finish(&w);
	fclose(f);
	why = jcheck_document(out, olen);
	fuzz_assert(!why, "document (depth %u): %s", depth, why);
	free(out);
}

static int unhex(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void text(const char *s, size_t size, bool quote)
{
	char *buf = malloc(size ? size : 1), dec[4096];
	size_t n, i, d = 0, slen = strlen(s);

	if (!buf)
		abort();
	n = text_escape(buf, size, s, quote);
	if (size < 3) {
		fuzz_assert(n == 0 && (!size || !buf[0]), "size %zu: %zu", size, n);
		free(buf);
		return;
	}
	fuzz_assert(n < size && strlen(buf) == n, "n %zu size %zu", n, size);
	for (i = 0; i < n; i++)
		fuzz_assert(buf[i] >= 0x20 && buf[i] < 0x7f,
			    "byte 0x%02x in the text form", (unsigned char)buf[i]);
	i = 0;
	if (quote) {
		fuzz_assert(n >= 2 && buf[0] == '"' && buf[n - 1] == '"',
			    "not quoted: %s", buf);
		i = 1, n--;
	}
	while (i < n) {
		if (buf[i] != '\\') {
			dec[d++] = buf[i++];
			continue;
		}
		fuzz_assert(i + 1 < n, "escape at the end: %s", buf);
		switch (buf[i + 1]) {
		case 'n': dec[d++] = '\n'; i += 2; break;
		case 't': dec[d++] = '\t'; i += 2; break;
		case 'r': dec[d++] = '\r'; i += 2; break;
		case '"': case '\\': dec[d++] = buf[i + 1]; i += 2; break;
		case 'x':
			fuzz_assert(i + 3 < n, "short \\x: %s", buf);
			dec[d++] = unhex(buf[i + 2]) << 4 | unhex(buf[i + 3]);
			i += 4;
			break;
		default:
			fuzz_assert(0, "unknown escape in %s", buf);
		}
	}
	fuzz_assert(d <= slen && !memcmp(dec, s, d), "text form is not the string");
	if (size >= 4 * slen + 3)
		fuzz_assert(d == slen, "cut at %zu of %zu with room", d, slen);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t shape, tsize;
	char *s;

	if (size < 2)
		return 0;
	shape = data[0];
	tsize = data[1];
	data += 2, size -= 2;
	/* names and reasons are shorter (255 bytes, 64) */
	if (size > 300)
		size = 300;
	round_trip(data, size);
	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	document(s, shape);
	text(s, tsize, shape & 1);
	text(s, 4 * strlen(s) + 3, !(shape & 1));
	free(s);
	return 0;
}
