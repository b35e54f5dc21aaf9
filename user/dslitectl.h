/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl: shared declarations for every user/ source file.
 *
 * Command line: dslitectl [OPTIONS] OBJECT [COMMAND [ARGS]...]
 *
 * Exit codes (documented in dslitectl(8) as well):
 *   0  success
 *   1  usage error: unknown object, command, option or argument, a value
 *      that does not parse (DSLITECTL_EXIT_USAGE)
 *   2  the kernel or the system refused: netlink errors (with the
 *      kernel's extack message), a missing generic netlink family,
 *      socket or memory failures (DSLITECTL_EXIT_ERROR)
 *
 * Errors are one line on stderr: "dslitectl: <what>: <why>".
 *
 * Adding an object (aftr, b4, ping, ...):
 *   1. In user/NAME.c define
 *
 *	const struct dslitectl_object obj_NAME = {
 *		.name	 = "NAME",
 *		.summary = "one line for 'dslitectl help'",
 *		.run	 = NAME_run,	(argc/argv start at the COMMAND)
 *		.usage	 = NAME_usage,	(prints "Usage: ..." lines to a FILE)
 *	};
 *
 *   2. Add X(NAME) to DSLITECTL_OBJECTS in user/main.c. That is all:
 *      user/user.mk compiles every .c file in user/, and main.c declares
 *      obj_NAME from the list and gives it "dslitectl NAME help" and a
 *      place in "dslitectl help".
 *
 *   run() gets the arguments after the object name (argc may be 0) and
 *   returns an exit code. "help" as the first argument never reaches it:
 *   main.c prints the object's usage to stdout and exits 0. The usage
 *   starts with "Usage: dslitectl " and names the object
 *   (selftests/host/dslitectl_cli.sh checks that for every object that
 *   "dslitectl help" lists).
 *   Print results through json.h (one code path for text and -j) and
 *   report errors with dslitectl_err()/genl_perror().
 *
 *   3. Libraries, generated headers and sources outside user/: append to
 *      DSLITECTL_LIBS, DSLITECTL_DEPS, DSLITECTL_SRCS (see user/user.mk).
 *      The man page has a marked place per object in
 *      Documentation/dslitectl.8.
 */
#ifndef DSLITECTL_H
#define DSLITECTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <netinet/in.h>

#include <linux/dslite.h>

/*
 * IFNAMSIZ without <net/if.h>, which cannot follow <linux/if.h> (files
 * that include both kinds of headers include this one too).
 */
#define DSLITECTL_IFNAMSIZ	16

#define DSLITECTL_EXIT_OK	0
#define DSLITECTL_EXIT_USAGE	1
#define DSLITECTL_EXIT_ERROR	2

struct dslitectl_object {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
};

/* Global options (util.c), set by main.c before an object runs. */
struct dslitectl_opts {
	bool json;	/* -j: JSON output */
	bool pretty;	/* -p: indented JSON (implies -j) */
	bool verbose;	/* -v: library logs (libbpf) on stderr */
};
extern struct dslitectl_opts dslitectl_opts;

/*
 * dslitectl_err(code, what, fmt, ...): print "dslitectl: what: <fmt>" on
 * stderr and return code, so that "return dslitectl_err(...)" ends a
 * command.
 */
int dslitectl_err(int code, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Argument helpers (util.c). All comparisons are exact: no abbreviations. */

/* kw_is(arg, kw): arg is exactly the keyword kw. */
static inline bool kw_is(const char *arg, const char *kw)
{
	return strcmp(arg, kw) == 0;
}

/*
 * parse_uint(s, max, out): strict unsigned decimal (no sign, no spaces, no
 * trailing garbage, no empty string) not above max. Returns 0 or -1.
 */
int parse_uint(const char *s, uint64_t max, uint64_t *out);

/*
 * sock_filter_attach(fd, code, len): attach a classic BPF filter of len
 * instructions to socket fd, then drop what the socket queued before it
 * was in place. Returns 0 or -1 (errno set).
 */
struct sock_filter;
int sock_filter_attach(int fd, const struct sock_filter *code,
		       unsigned short len);

/*
 * raw_socket(family, protocol, what, err, errlen): a raw socket of family
 * and protocol, non-blocking and close-on-exec. Returns it, or -1 with
 * "WHAT: strerror(errno)" in err.
 */
int raw_socket(int family, int protocol, const char *what, char *err,
	       size_t errlen);

/*
 * netns_cookie(out): the cookie of this process's network namespace
 * (SO_NETNS_COOKIE): unique for the life of the system and never reused,
 * unlike the namespace's inode number. Returns 0 or -errno.
 */
int netns_cookie(uint64_t *out);

/*
 * netns_is_pid1(): 1 if this process's network namespace is the one of
 * PID 1 (the host's, or the container's own), 0 if not, -errno when it
 * cannot be told (/proc/1/ns/net needs the right to inspect PID 1).
 */
int netns_is_pid1(void);

/*
 * parse_ifname(what, s, out): copy an interface name, checking that it is
 * non-empty, shorter than DSLITECTL_IFNAMSIZ and free of '/' and white space.
 * Prints the usage error and returns DSLITECTL_EXIT_USAGE, or 0.
 */
int parse_ifname(const char *what, const char *s, char out[DSLITECTL_IFNAMSIZ]);

/*
 * need_arg(what, argc, argv, kw): the keyword argv[0] == kw needs a value
 * in argv[1]. Prints the usage error and returns DSLITECTL_EXIT_USAGE when
 * it is missing, else 0.
 */
int need_arg(const char *what, int argc, char **argv);

/*
 * Event watchers (monitor, aftr monitor): the "count N" and "ready FILE"
 * keywords, SIGINT/SIGTERM handling and the ready file, in one place.
 */
struct watch_opts {
	uint64_t count;		/* stop after this many events; 0: never */
	const char *ready;	/* file to create once listening, or NULL */
};

/* watch_kw_is(kw): kw is "count" or "ready". */
bool watch_kw_is(const char *kw);

/*
 * watch_kw(what, kw, val, o): take "count N" or "ready FILE" into o.
 * Prints the usage error (bad count, keyword given twice) and returns
 * DSLITECTL_EXIT_USAGE, or 0.
 */
int watch_kw(const char *what, const char *kw, const char *val,
	     struct watch_opts *o);

/*
 * watch_signals(handler, orig): block SIGINT and SIGTERM (orig gets the
 * previous mask, for ppoll/epoll_pwait) and route them to handler, so a
 * signal that arrives between two waits is not lost.
 */
void watch_signals(void (*handler)(int), sigset_t *orig);

/* watch_ready(what, o): create o->ready if set. Returns 0 or an exit code. */
int watch_ready(const char *what, const struct watch_opts *o);

/* diag.c: BFD diagnostic codes (RFC 5880 4.1) <-> names. */

/* diag_name(code): the name, or NULL for a code without one (9..255). */
const char *diag_name(unsigned int code);

/*
 * diag_parse(s, out): a name or a decimal number 0..255. Numbers are
 * returned as they are, even without a name, so that the kernel's own
 * validation sees them. Returns 0, or -1 if s is neither.
 */
int diag_parse(const char *s, uint8_t *out);

/* diag_list(): every name, separated by ", ". */
const char *diag_list(void);

/* tunnel.c: one tunnel as TUNNEL_GET replies and TUNNEL_EVENTs carry it. */
struct tunnel_info {
	uint32_t present;	/* bit 1 << DSLITE_A_* per attribute seen */
	uint32_t ifindex;
	char ifname[DSLITECTL_IFNAMSIZ];
	struct in6_addr local;
	struct in6_addr remote;
	uint8_t carrier;
	uint8_t oper_up;
	uint8_t admin_up;
	uint8_t forced;
	uint8_t diag;
	char reason[DSLITE_REASON_MAX];
	uint64_t transitions;
	uint64_t since_ms;
	uint8_t event;
};

#define TUNNEL_HAS(t, attr)	(((t)->present >> (attr)) & 1)

struct nlmsghdr;

/*
 * tunnel_parse(nlh, t): fill t from a dslite genl message (TUNNEL_GET reply
 * or TUNNEL_EVENT). Unknown attributes are ignored; a known attribute of
 * the wrong size is an error. Returns 0 or -EBADMSG.
 */
int tunnel_parse(const struct nlmsghdr *nlh, struct tunnel_info *t);

/* Text fields for tunnel_print_fields(), printed in this order. */
#define TF_REMOTE	(1u << 0)	/* remote ADDR */
#define TF_LOCAL	(1u << 1)	/* local ADDR */
#define TF_CARRIER	(1u << 2)	/* carrier up|down */
#define TF_FORCED	(1u << 3)	/* forced none|carrier-down */
#define TF_DIAG		(1u << 4)	/* diag NAME */
#define TF_REASON	(1u << 5)	/* reason "TEXT", only when set */
#define TF_TRANSITIONS	(1u << 6)	/* transitions N */
#define TF_SINCE	(1u << 7)	/* since 12.3s */
#define TF_ADMIN	(1u << 8)	/* admin up|down */
#define TF_OPER		(1u << 9)	/* oper up|down */
#define TF_TRANS_PAREN	(1u << 10)	/* (transitions N), last */
#define TF_SHOW		(TF_REMOTE | TF_LOCAL | TF_CARRIER | TF_FORCED | \
			 TF_DIAG | TF_REASON | TF_TRANSITIONS | TF_SINCE | \
			 TF_ADMIN | TF_OPER)

/*
 * tunnel_print_fields(t, text): the tunnel's state through json.h, inside
 * an object the caller opened. JSON gets every present attribute (ifindex,
 * ifname, local, remote, carrier, admin-up, oper-up, forced, diagnostic,
 * diag-code, reason (null when unset), transitions, since-ms); text gets the
 * TF_* fields in text, each as " key value" (the caller prints the
 * "IFNAME:" head).
 */
void tunnel_print_fields(const struct tunnel_info *t, unsigned int text);

/* forced_name(v): "none", "carrier-down", or NULL for an unknown value. */
const char *forced_name(unsigned int v);

/*
 * monitor_print_event(t): one TUNNEL_EVENT as a line of text, or one JSON
 * object ("event" first, then the tunnel_print_fields() keys) on a line.
 * Text: "IFNAME: new remote .. local .. carrier .. forced .. diag ..
 * [reason ..] (transitions N)", "IFNAME: del", "IFNAME: carrier up|down
 * diag .. [reason ..] (transitions N)", "IFNAME: link up|down carrier ..
 * (transitions N)", "IFNAME: state carrier .. forced .. diag .. [reason
 * ..] (transitions N)", "IFNAME: params remote .. local ..".
 */
void monitor_print_event(const struct tunnel_info *t);

#endif /* DSLITECTL_H */
