/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics in the Prometheus text exposition format (version 0.0.4):
 * the writer every role renders its families with, and the merge of
 * several renderings into one exposition ("dslitectl metrics").
 *
 * A rendering is a sequence of families, each a "# HELP NAME TEXT"
 * line, a "# TYPE NAME TYPE" line and its samples. The format wants
 * every family once, so several renderings (one per AFTR device, one per
 * B4 daemon) go through metrics_merge(), which puts the samples of a
 * family together under one HELP and TYPE (both in metrics_fmt.c).
 * Documentation/metrics.md is the reference of the families.
 */
#ifndef DSLITECTL_METRICS_H
#define DSLITECTL_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* metrics_head(f, name, type, help): a family's HELP and TYPE lines
 * (help is plain text: no backslash, no newline). */
void metrics_head(FILE *f, const char *name, const char *type,
		  const char *help);

/*
 * metrics_escape(buf, size, s): s as a label value without its quotes:
 * backslash, double quote and newline escaped (\\, \", \n), as the
 * format asks. A value too long for buf is cut before an escape, never
 * inside one. Returns the length written (buf is always terminated).
 */
size_t metrics_escape(char *buf, size_t size, const char *s);

/*
 * metrics_u64(f, name, v, label, value, ..., NULL) and metrics_sec(f,
 * name, seconds, ...): one sample, with the label pairs given (values
 * escaped). metrics_sec prints seconds with millisecond precision.
 */
void metrics_u64(FILE *f, const char *name, uint64_t v, ...)
	__attribute__((sentinel));
void metrics_sec(FILE *f, const char *name, double v, ...)
	__attribute__((sentinel));

/*
 * metrics_merge(out, texts, n): write the renderings texts[0..n-1] as
 * one exposition: every family once, in the order of its first
 * appearance, with the samples of every rendering. Returns 0 or -errno.
 */
int metrics_merge(FILE *out, char *const *texts, size_t n);

/*
 * The collectors of "dslitectl metrics": each appends one rendering per
 * source (a malloc'ed string) to *texts, counts its sources in *n_src
 * and returns 0, or an exit code after printing why (what it appended
 * stays valid).
 */
struct metrics_texts {
	char **v;
	size_t n;
};
int metrics_texts_add(struct metrics_texts *t, char *text);
int b4_metrics_collect(const char *what, const char *dev,
		       struct metrics_texts *t, unsigned int *n_src);
#ifndef DSLITE_B4_ONLY
int aftr_metrics_collect(const char *what, struct metrics_texts *t,
			 unsigned int *n_src);
#endif

#endif /* DSLITECTL_METRICS_H */
