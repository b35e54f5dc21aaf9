// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl metrics: every metric of this network namespace, printed once
 * in the Prometheus text exposition format (for node_exporter's textfile
 * collector): the AFTR families of every device with the responder's pins
 * here, the B4 families of every daemon answering here, and two gauges
 * that say how many of each were found (so an empty namespace prints
 * dslite_aftr_devices 0 and dslite_b4_daemons 0, not nothing). The
 * writer and the merge are in metrics_fmt.c. "dslitectl metrics serve
 * ADDR:PORT" serves the same over HTTP (user/http.c), collected again at
 * every scrape.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dslitectl.h"
#include "http.h"
#include "metrics.h"

/* ------------------------------------------------------------------ */
/* dslitectl metrics */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dslitectl metrics\n"
		"       dslitectl metrics serve ADDR:PORT\n"
		"       dslitectl metrics help\n"
		"\n"
		"Print every metric of this network namespace once, in the Prometheus\n"
		"text format (for node_exporter's textfile collector): the AFTR\n"
		"responder's of every attached device, the B4 daemon's of every daemon\n"
		"running.\n"
		"serve: the same, collected again at every GET /metrics, over HTTP on\n"
		"ADDR:PORT ([V6]:PORT or V4:PORT), in the foreground until SIGTERM.\n"
		"See Documentation/metrics.md.\n");
}

/*
 * collect(what, f): every source of this namespace into f as one
 * exposition. 0, or the exit code of the first source that failed (its
 * error printed; what could be read is written all the same).
 */
static int collect(const char *what, FILE *out)
{
	struct metrics_texts t = {};
	unsigned int n_b4 = 0;
#ifndef DSLITE_B4_ONLY
	unsigned int n_aftr = 0;
#endif
	char *own = NULL;
	size_t len = 0, i;
	int ret = 0, r;
	FILE *f;

#ifndef DSLITE_B4_ONLY
	ret = aftr_metrics_collect(what, &t, &n_aftr);
#endif
	r = b4_metrics_collect(what, NULL, &t, &n_b4);
	if (r && !ret)
		ret = r;

	f = open_memstream(&own, &len);
	if (!f)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				     strerror(errno));
#ifndef DSLITE_B4_ONLY
	metrics_head(f, "dslite_aftr_devices", "gauge",
		     "Devices with the AFTR responder's pins in this network namespace.");
	metrics_u64(f, "dslite_aftr_devices", n_aftr, NULL);
#endif
	metrics_head(f, "dslite_b4_daemons", "gauge",
		     "B4 daemons that answered in this network namespace.");
	metrics_u64(f, "dslite_b4_daemons", n_b4, NULL);
	fclose(f);
	r = own ? metrics_texts_add(&t, own) : -ENOMEM;
	if (!r)
		r = metrics_merge(out, t.v, t.n);
	if (r)
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				    strerror(-r));
	for (i = 0; i < t.n; i++)
		free(t.v[i]);
	free(t.v);
	return ret;
}

/* serve: a scrape gets what "dslitectl metrics" prints, or 500 when
 * that would exit non-zero (the textfile way keeps the last good file;
 * Prometheus marks the scrape failed, up == 0) */
static int serve_render(void *arg, FILE *f)
{
	return collect(arg, f);
}

static int serve(int argc, char **argv)
{
	const char *what = "metrics serve";
	struct http_listen l;
	char e[256];

	if (!http_available())
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what, "%s",
				     HTTP_NONE_MSG);
	if (argc == 0)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "ADDR:PORT is required ([V6]:PORT or V4:PORT)");
	if (argc > 1)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "unexpected argument \"%s\" (try \"dslitectl metrics help\")",
				     argv[1]);
	if (http_listen_parse(argv[0], &l, e, sizeof(e)))
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what, "%s", e);
	return http_serve(what, &l, serve_render, (void *)what);
}

static int run(int argc, char **argv)
{
	const char *what = "metrics";
	int ret;

	if (argc > 0 && kw_is(argv[0], "serve"))
		return serve(argc - 1, argv + 1);
	if (argc > 0)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "unexpected argument \"%s\" (try \"dslitectl metrics help\")",
				     argv[0]);
	ret = collect(what, stdout);
	fflush(stdout);
	return ret;
}

const struct dslitectl_object obj_metrics = {
	.name		= "metrics",
	.summary	= "every metric of this namespace once, Prometheus text format",
	.run		= run,
	.usage		= usage,
};
