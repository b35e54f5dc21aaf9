// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: configure and watch dslite (DS-Lite softwire liveness).
 *
 * Entry point: global options, then the object table.
 */
#include <getopt.h>
#include <string.h>

#include "dslitectl.h"
#include "json.h"

#ifndef DSLITE_VERSION
#error "DSLITE_VERSION must be defined by the build (-DDSLITE_VERSION=...)"
#endif

/*
 * The objects, in the order "dslitectl help" lists them. To add one, write
 * user/NAME.c defining "const struct dslitectl_object obj_NAME" and add
 * X(NAME) here (see user/dslitectl.h).
 */
#define DSLITECTL_OBJECTS(X)	\
	X(tunnel)		\
	X(monitor)		\
	X(aftr)			\
	X(b4)			\
	X(ping)			\
	X(pcp)			\
	X(metrics)		\
	X(help)

#define DECLARE_OBJECT(name)	extern const struct dslitectl_object obj_##name;
#define OBJECT_REF(name)	&obj_##name,

DSLITECTL_OBJECTS(DECLARE_OBJECT)

static const struct dslitectl_object *const objects[] = {
	DSLITECTL_OBJECTS(OBJECT_REF)
};

#define N_OBJECTS	(sizeof(objects) / sizeof(objects[0]))

#ifdef DSLITE_B4_ONLY
/*
 * The B4-only build (make b4, B4_ONLY=1: the CPE's dslitectl, no libbpf)
 * has no user/aftr/: "aftr" stays a known object that says so.
 */
#define BUILD_NAME	" (B4-only build)"

static int aftr_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return dslitectl_err(DSLITECTL_EXIT_USAGE, "aftr",
			     "this is the B4-only build of dslitectl: it has no AFTR role (use the full build on an AFTR)");
}

static void aftr_usage(FILE *f)
{
	fprintf(f,
		"dslitectl aftr: not in this build (the B4-only build has no AFTR role;\n"
		"the full build of dslitectl loads the AFTR's XDP responder)\n");
}

const struct dslitectl_object obj_aftr = {
	.name		= "aftr",
	.summary	= "not in this build (B4-only): the AFTR role is in the full build",
	.run		= aftr_run,
	.usage		= aftr_usage,
};
#else
#define BUILD_NAME	""
#endif

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: dslitectl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n"
		"       dslitectl help [OBJECT]\n"
		"       dslitectl OBJECT help\n"
		"\n"
		"Options:\n"
		"  -j, --json      JSON output\n"
		"  -p, --pretty    indented JSON (implies -j)\n"
		"  -v, --verbose   more detail on errors (libbpf's log)\n"
		"  -V, --version   print the version and exit\n"
		"  -h, --help      print this help and exit\n"
		"\n"
		"Objects:\n");
	for (i = 0; i < N_OBJECTS; i++)
		fprintf(f, "  %-9s %s\n", objects[i]->name, objects[i]->summary);
	fprintf(f,
		"\n"
		"Exit status: 0 success, 1 usage error, 2 kernel or system error.\n");
}

static const struct dslitectl_object *find_object(const char *name)
{
	size_t i;

	for (i = 0; i < N_OBJECTS; i++)
		if (kw_is(name, objects[i]->name))
			return objects[i];
	return NULL;
}

static int unknown_object(const char *name)
{
	return dslitectl_err(DSLITECTL_EXIT_USAGE, name,
			     "unknown object (try \"dslitectl help\")");
}

static int help_run(int argc, char **argv)
{
	const struct dslitectl_object *o;

	if (argc == 0) {
		usage(stdout);
		return DSLITECTL_EXIT_OK;
	}
	if (argc > 1)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, "help",
				     "too many arguments");
	o = find_object(argv[0]);
	if (!o)
		return unknown_object(argv[0]);
	o->usage(stdout);
	return DSLITECTL_EXIT_OK;
}

static void help_usage(FILE *f)
{
	fprintf(f,
		"Usage: dslitectl help [OBJECT]\n"
		"       dslitectl OBJECT help\n");
}

const struct dslitectl_object obj_help = {
	.name		= "help",
	.summary	= "this help, or an object's",
	.run		= help_run,
	.usage		= help_usage,
};

static const struct option long_opts[] = {
	{ "json",	no_argument, NULL, 'j' },
	{ "pretty",	no_argument, NULL, 'p' },
	{ "verbose",	no_argument, NULL, 'v' },
	{ "version",	no_argument, NULL, 'V' },
	{ "help",	no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* bad_option(last): last is the argument getopt_long just looked at. */
static int bad_option(const char *last)
{
	char opt[3] = { '-', (char)optopt, '\0' };

	/* an unknown long option, or a known one given a value */
	if (!optopt || strchr("jpvVh", optopt))
		return dslitectl_err(DSLITECTL_EXIT_USAGE, last,
				     "unknown option (try \"dslitectl help\")");
	return dslitectl_err(DSLITECTL_EXIT_USAGE, opt,
			     "unknown option (try \"dslitectl help\")");
}

int main(int argc, char **argv)
{
	const struct dslitectl_object *o;
	int c;

	opterr = 0;
	/* "+": stop at the object; options come before it, as with ip. */
	while ((c = getopt_long(argc, argv, "+jpvVh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			dslitectl_opts.json = true;
			break;
		case 'p':
			dslitectl_opts.json = true;
			dslitectl_opts.pretty = true;
			break;
		case 'v':
			dslitectl_opts.verbose = true;
			break;
		case 'V':
			printf("dslitectl %s%s\n", DSLITE_VERSION, BUILD_NAME);
			return DSLITECTL_EXIT_OK;
		case 'h':
			usage(stdout);
			return DSLITECTL_EXIT_OK;
		default:
			return bad_option(argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		usage(stderr);
		return DSLITECTL_EXIT_USAGE;
	}
	o = find_object(argv[0]);
	if (!o)
		return unknown_object(argv[0]);
	if (argc > 1 && kw_is(argv[1], "help") && o != &obj_help) {
		o->usage(stdout);
		return DSLITECTL_EXIT_OK;
	}
	print_init(dslitectl_opts.json, dslitectl_opts.pretty);
	return o->run(argc - 1, argv + 1);
}
