// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: configuration. The same keywords come from the command
 * line or from a file ("config FILE": one or more "KEY VALUE" per line,
 * '#' starts a comment). Everything is checked here, before the daemon
 * touches anything.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dslitectl.h"
#include "kw.h"
#include "b4.h"

#define MAX_LINE	1024
#define MAX_WORDS	64

/* the methods in the order they are written: B4_METHODS' (b4.h) */
static const struct {
	const char *name;
	uint8_t m;
} methods[] = {
#define B4_METHOD_WORD(U, l)	{ #l, B4_M(B4_METHOD_##U) },
	B4_METHODS(B4_METHOD_WORD)
#undef B4_METHOD_WORD
};
#define N_METHODS	(sizeof(methods) / sizeof(methods[0]))

static uint8_t method_of(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < N_METHODS; i++)
		if (strlen(methods[i].name) == len &&
		    !strncmp(s, methods[i].name, len))
			return methods[i].m;
	return 0;
}

int b4_health_parse(const char *s, struct b4_health *h)
{
	const char *p, *plus;
	uint8_t m;

	memset(h, 0, sizeof(*h));
	m = method_of(s, strlen(s));
	if (m) {
		/* echo rides on the BFD session: the AFTR reflects echo
		 * only for a B4 whose session is Up; "echo" is all:bfd+echo.
		 * The mtu probes are packets of the session: "mtu" is
		 * all:bfd+mtu */
		h->methods = m == B4_M_ECHO || m == B4_M_MTU ? B4_M_BFD | m : m;
		return 0;
	}
	if (!strcmp(s, "all") || !strcmp(s, "any")) {
		h->methods = B4_M_BFD | B4_M_PING;
		h->any = s[1] == 'n';
		return 0;
	}
	if (strncmp(s, "all:", 4) && strncmp(s, "any:", 4))
		return -1;
	h->any = s[1] == 'n';
	for (p = s + 4;; p = plus + 1) {
		plus = strchr(p, '+');
		m = method_of(p, plus ? (size_t)(plus - p) : strlen(p));
		if (!m || (h->methods & m))
			return -1;
		h->methods |= m;
		if (!plus)
			break;
	}
	if (__builtin_popcount(h->methods) < 2)
		return -1;
	if ((h->methods & (B4_M_ECHO | B4_M_MTU)) && !(h->methods & B4_M_BFD))
		return -1;
	return 0;
}

const char *b4_health_str(const struct b4_health *h, char *buf)
{
	size_t i, off;

	for (i = 0; i < N_METHODS; i++)
		if (h->methods == methods[i].m)
			return methods[i].name;
	if (h->methods == (B4_M_BFD | B4_M_PING))
		return h->any ? "any" : "all";
	off = snprintf(buf, B4_HEALTH_STR_MAX, "%s:", h->any ? "any" : "all");
	for (i = 0; i < N_METHODS; i++)
		if (h->methods & methods[i].m)
			off += snprintf(buf + off, B4_HEALTH_STR_MAX - off,
					"%s%s", buf[off - 1] == ':' ? "" : "+",
					methods[i].name);
	return buf;
}

void b4_config_cand(const struct b4_config *c, const struct in6_addr *a,
		    struct b4_health *h, struct in6_addr *server)
{
	int i;

	*h = c->health;
	*server = c->has_pcp_server ? c->pcp_server : *a;
	for (i = 0; i < c->n_aftr; i++) {
		if (memcmp(&c->aftr[i], a, sizeof(*a)))
			continue;
		if (c->aftr_opt[i].has_health)
			*h = c->aftr_opt[i].health;
		if (c->aftr_opt[i].has_pcp_server)
			*server = c->aftr_opt[i].pcp_server;
	}
}

bool b4_config_uses(const struct b4_config *c, uint8_t m)
{
	int i;

	if (c->health.methods & m)
		return true;
	for (i = 0; i < c->n_aftr; i++)
		if (c->aftr_opt[i].has_health &&
		    (c->aftr_opt[i].health.methods & m))
			return true;
	return false;
}

#define HEALTH_FORMS "bfd, pcp, ping, echo, mtu, all, any, all:M+M[+M] or any:M+M[+M] (M: bfd, pcp, ping, echo, mtu; echo and mtu only with bfd)"

/* "N/M": 1 <= N <= M <= B4_PING_WINDOW_MAX */
static int parse_loss(const char *v, uint8_t *n, uint8_t *m)
{
	char buf[32], *slash;
	uint64_t a, b;

	if (strlen(v) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", v);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (parse_uint(buf, B4_PING_WINDOW_MAX, &a) ||
	    parse_uint(slash + 1, B4_PING_WINDOW_MAX, &b) || !a || a > b)
		return -1;
	*n = a;
	*m = b;
	return 0;
}

uint32_t b4_standby_ms(const struct b4_config *c)
{
	if (c->standby_ms)
		return c->standby_ms;
	return c->interval_ms > B4_DEF_STANDBY_MIN_MS ? c->interval_ms :
						       B4_DEF_STANDBY_MIN_MS;
}

/* err(where, fmt...): "dslitectl: b4 run: [where: ]why", exit code 1. */
static int __attribute__((format(printf, 2, 3)))
err(const char *where, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (where)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, B4_WHAT, "%s: %s",
				     where, why);
	return dslitectl_err(DSLITECTL_EXIT_USAGE, B4_WHAT, "%s", why);
}

/* A unicast IPv6 address an AFTR can have. */
static bool aftr_addr_ok(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	       !IN6_IS_ADDR_V4MAPPED(a) && !IN6_IS_ADDR_V4COMPAT(a);
}

/* An FQDN as DHCPv6 option 64 hands it over: labels of [A-Za-z0-9-_]. */
static bool fqdn_ok(const char *s)
{
	size_t len = strlen(s), label = 0;
	const char *p;

	if (len == 0 || len > 253 + 1)
		return false;
	for (p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/* "b4 run" and config-file keywords: the table is at the end of them. */

static int read_file(const struct kw_ctx *x, struct b4_config *c,
		     const char *path);

static int kw_dev(const struct kw_ctx *x, const struct kw *k, const char *v,
		  void *obj)
{
	struct b4_config *c = obj;
	char what[PATH_MAX + 64];
	int n;

	(void)k;
	if (c->n_dev >= B4_MAX_TUNNELS)
		return kw_err(x, "at most %d devices", B4_MAX_TUNNELS);
	if (parse_ifname(kw_what(x, what, sizeof(what)), v, c->dev[c->n_dev]))
		return DSLITECTL_EXIT_USAGE;
	for (n = 0; n < c->n_dev; n++)
		if (kw_is(c->dev[n], v))
			return kw_err(x, "dev %s given twice", v);
	c->n_dev++;
	return 0;
}

/* aftr_opts(x, addr, opts, opt): ",health=SPEC,pcp-server=ADDR" of aftr */
static int aftr_opts(const struct kw_ctx *x, const char *addr, char *next,
		     struct b4_aftr_opt *opt)
{
	char *o, *eq;

	while ((o = next)) {
		next = strchr(o, ',');
		if (next)
			*next++ = '\0';
		eq = strchr(o, '=');
		if (!eq)
			return kw_err(x, "aftr %s: option \"%s\" is not KEY=VALUE (health=SPEC, pcp-server=ADDR)",
				      addr, o);
		*eq++ = '\0';
		if (!strcmp(o, "health") && !opt->has_health) {
			if (b4_health_parse(eq, &opt->health))
				return kw_err(x, "aftr %s: health must be %s, not \"%s\"",
					      addr, HEALTH_FORMS, eq);
			opt->has_health = true;
		} else if (!strcmp(o, "pcp-server") && !opt->has_pcp_server) {
			if (inet_pton(AF_INET6, eq, &opt->pcp_server) != 1 ||
			    !aftr_addr_ok(&opt->pcp_server))
				return kw_err(x, "aftr %s: pcp-server \"%s\" is not a global unicast IPv6 address",
					      addr, eq);
			opt->has_pcp_server = true;
		} else if (!strcmp(o, "health") || !strcmp(o, "pcp-server")) {
			return kw_err(x, "aftr %s: %s given twice", addr, o);
		} else {
			return kw_err(x, "aftr %s: unknown option \"%s\" (health=SPEC, pcp-server=ADDR)",
				      addr, o);
		}
	}
	return 0;
}

/*
 * "aftr ADDR[,health=SPEC][,pcp-server=ADDR]": an AFTR and the options
 * that are its own.
 */
static int kw_aftr(const struct kw_ctx *x, const struct kw *k, const char *v,
		   void *obj)
{
	struct b4_config *c = obj;
	struct b4_aftr_opt opt = {};
	char buf[256], *next;
	struct in6_addr a;
	int n, ret;

	(void)k;
	if (strlen(v) >= sizeof(buf))
		return kw_err(x, "aftr \"%s\": too long", v);
	snprintf(buf, sizeof(buf), "%s", v);
	next = strchr(buf, ',');
	if (next)
		*next++ = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return kw_err(x, "aftr \"%s\" is not an IPv6 address", buf);
	if (!aftr_addr_ok(&a))
		return kw_err(x, "aftr %s is not a global unicast IPv6 address",
			      buf);
	for (n = 0; n < c->n_aftr; n++)
		if (!memcmp(&c->aftr[n], &a, sizeof(a)))
			return kw_err(x, "aftr %s given twice", buf);
	if (c->n_aftr >= B4_MAX_CANDIDATES)
		return kw_err(x, "at most %d AFTRs", B4_MAX_CANDIDATES);
	ret = aftr_opts(x, buf, next, &opt);
	if (ret)
		return ret;
	c->aftr_opt[c->n_aftr] = opt;
	c->aftr[c->n_aftr++] = a;
	return 0;
}

static int kw_health(const struct kw_ctx *x, const struct kw *k,
		     const char *v, void *obj)
{
	struct b4_config *c = obj;

	(void)k;
	if (b4_health_parse(v, &c->health))
		return kw_err(x, "health must be %s, not \"%s\"", HEALTH_FORMS,
			      v);
	return 0;
}

static int kw_ping_loss(const struct kw_ctx *x, const struct kw *k,
			const char *v, void *obj)
{
	struct b4_config *c = obj;

	(void)k;
	if (parse_loss(v, &c->ping_loss_n, &c->ping_loss_m))
		return kw_err(x, "ping-loss must be N/M with 1 <= N <= M <= %d, not \"%s\"",
			      B4_PING_WINDOW_MAX, v);
	return 0;
}

/* pcp-interval: 0 (by the lifetime) or a range */
static int kw_pcp_interval(const struct kw_ctx *x, const struct kw *k,
			   const char *v, void *obj)
{
	struct b4_config *c = obj;
	uint64_t n;

	if (parse_uint(v, UINT32_MAX, &n) || (n && (n < k->min || n > k->max)))
		return kw_err(x, "pcp-interval must be 0 (by the lifetime) or %" PRIu64 "..%" PRIu64 " ms, not \"%s\"",
			      k->min, k->max, v);
	c->pcp_interval_ms = n;
	return 0;
}

/* tunnel-wait: seconds in a range, or forever */
static int kw_tunnel_wait(const struct kw_ctx *x, const struct kw *k,
			  const char *v, void *obj)
{
	struct b4_config *c = obj;
	uint64_t n;

	if (kw_is(v, "forever"))
		c->tunnel_wait_s = B4_WAIT_FOREVER;
	else if (parse_uint(v, k->max, &n))
		return kw_err(x, "tunnel-wait must be 0..%" PRIu64 " seconds or forever, not \"%s\"",
			      k->max, v);
	else
		c->tunnel_wait_s = n;
	return 0;
}

/*
 * "pad" and "mtu-size": mtu (the tunnel's MTU, read while running) or
 * BYTES, B4_PAD_MIN..B4_PAD_MAX; *bytes 0 and *mtu true for mtu
 */
static int parse_size(const struct kw_ctx *x, const struct kw *k,
		      const char *v, uint16_t *bytes, bool *mtu)
{
	uint64_t n;

	if (kw_is(v, "mtu")) {
		*bytes = 0;
		*mtu = true;
		return 0;
	}
	if (parse_uint(v, B4_PAD_MAX, &n) || n < B4_PAD_MIN)
		return kw_err(x, "%s must be mtu or a number %u..%u bytes (an inner IPv4 packet), not \"%s\"",
			      k->name, B4_PAD_MIN, B4_PAD_MAX, v);
	*bytes = n;
	*mtu = false;
	return 0;
}

static int kw_pad(const struct kw_ctx *x, const struct kw *k, const char *v,
		  void *obj)
{
	struct b4_config *c = obj;

	return parse_size(x, k, v, &c->pad, &c->pad_mtu);
}

static int kw_mtu_size(const struct kw_ctx *x, const struct kw *k,
		       const char *v, void *obj)
{
	struct b4_config *c = obj;
	bool mtu;

	return parse_size(x, k, v, &c->mtu_size, &mtu);
}

/* metrics ADDR:PORT: checked now, bound in the daemon's set-up */
static int kw_metrics(const struct kw_ctx *x, const struct kw *k,
		      const char *v, void *obj)
{
	struct b4_config *c = obj;
	char e[256];

	(void)k;
	if (!http_available())
		return kw_err(x, "metrics: %s", HTTP_NONE_MSG);
	if (http_listen_parse(v, &c->metrics, e, sizeof(e)))
		return kw_err(x, "metrics %s", e);
	return 0;
}

static int kw_config(const struct kw_ctx *x, const struct kw *k,
		     const char *v, void *obj)
{
	struct b4_config *c = obj;

	(void)k;
	if (strlen(v) >= sizeof(c->file))
		return kw_err(x, "config: path too long");
	snprintf(c->file, sizeof(c->file), "%s", v);
	return read_file(x, c, v);
}

static bool aftr_addr_check(const void *a)
{
	return aftr_addr_ok(a);
}

static bool fqdn_check(const void *s)
{
	return fqdn_ok(s);
}

static const struct kw_name failover_names[] = {
	{ "repoint", B4_MODE_REPOINT },
	{ "carrier", B4_MODE_CARRIER },
	{ NULL, 0 },
};

static const struct kw_name on_stop_names[] = {
	{ "keep", false },
	{ "release", true },
	{ NULL, 0 },
};

static const struct kw_name pcp_mode_names[] = {
	{ "encap", PCP_MODE_ENCAP },
	{ "plain", PCP_MODE_PLAIN },
	{ NULL, 0 },
};

#define C(member)	KW_FIELD(struct b4_config, member)
#define STR_(x)		#x
#define STR(x)		STR_(x)

/* In the order of the usage text. */
static const struct kw b4_rows[] = {
	{ "dev", KW_CUSTOM, KW_MULTI | KW_REQ, .parse = kw_dev,
	  .arg = "IFNAME" },
	{ "aftr", KW_CUSTOM, KW_MULTI, .parse = kw_aftr, .arg = "ADDR" },
	{ "aftr-name", KW_STRING, 0, C(aftr_name), .check = fqdn_check,
	  .unit = "domain name", .arg = "FQDN" },
	{ "interval", KW_UINT, KW_DEF, B4_INTERVAL_MIN_MS, B4_INTERVAL_MAX_MS,
	  C(interval_ms), .unit = "ms", .def = B4_DEF_INTERVAL_MS,
	  .arg = "MS", .help = "active session, {range} (default {def})" },
	{ "multiplier", KW_UINT, KW_DEF, 1, 255, C(multiplier),
	  .def = B4_DEF_MULTIPLIER, .arg = "N",
	  .help = "detection multiplier, {range} (default {def})" },
	{ "pad", KW_CUSTOM, 0, .parse = kw_pad, .arg = "mtu|BYTES",
	  .help = "pad BFD control packets to an inner IPv4 packet\n"
		  "of this size with DF set, and accept only answers\n"
		  "as large: the session checks the softwire's path\n"
		  "MTU (RFC 9764); mtu: the tunnel's MTU, followed\n"
		  "when it changes; 52..9000 bytes (default: no\n"
		  "padding)" },
	{ "standby-interval", KW_UINT, 0, B4_INTERVAL_MIN_MS,
	  B4_INTERVAL_MAX_MS, C(standby_ms), .unit = "ms", .arg = "MS",
	  .help = "standby probes (default max(interval, "
		  STR(B4_DEF_STANDBY_MIN_MS) "))" },
	{ "failover", KW_ENUM, KW_DEF, C(mode), .names = failover_names,
	  .def = B4_MODE_REPOINT, .arg = "repoint|carrier",
	  .help = "repoint: one tunnel, its remote follows the AFTR\n"
		  "(default); carrier: one tunnel per AFTR (give dev\n"
		  "for each)" },
	{ "preempt", KW_BOOL, 0, C(preempt), .arg = "on|off",
	  .help = "go back to a preferred AFTR (default off)" },
	{ "hold-down", KW_UINT, KW_DEF, 0, B4_HOLD_DOWN_MAX_S, C(hold_down_s),
	  .unit = "seconds", .def = B4_DEF_HOLD_DOWN_S, .arg = "SEC",
	  .help = "a recovered AFTR must be up this long (default {def})" },
	{ "on-stop", KW_ENUM, 0, C(release), .names = on_stop_names,
	  .arg = "keep|release",
	  .help = "carrier on a clean stop (default keep)" },
	{ "health", KW_CUSTOM, 0, .parse = kw_health, .arg = "SPEC",
	  .help = "what decides that an AFTR is usable: bfd, its\n"
		  "BFD session (default); pcp, a PCP mapping kept\n"
		  "alive; ping, ICMP echo to 192.0.0.1; all / any:\n"
		  "bfd and ping, both or either; all:M+M[+M],\n"
		  "any:M+M[+M]: those methods (BFD is sent only\n"
		  "to AFTRs whose health uses it); echo, BFD echo\n"
		  "reflected by the AFTR (RFC 9747) with its BFD\n"
		  "session: all:bfd+echo; mtu, padded probes of the\n"
		  "session answered at their size (RFC 9764):\n"
		  "all:bfd+mtu" },
	{ "echo-interval", KW_UINT, KW_DEF, B4_INTERVAL_MIN_MS,
	  B4_INTERVAL_MAX_MS, C(echo_interval_ms), .unit = "ms",
	  .def = B4_DEF_ECHO_INTERVAL_MS, .arg = "MS",
	  .help = "one BFD echo per AFTR this often once Up, or\n"
		  "the AFTR's Required Min Echo RX if larger; one\n"
		  "a second until Up (default {def})" },
	{ "echo-multiplier", KW_UINT, KW_DEF, 1, 255, C(echo_multiplier),
	  .def = B4_DEF_ECHO_MULTIPLIER, .arg = "N",
	  .help = "echo-failed when N intervals pass without a\n"
		  "reflected echo (default {def})" },
	{ "mtu-size", KW_CUSTOM, 0, .parse = kw_mtu_size, .arg = "mtu|BYTES",
	  .help = "health mtu: the probes' inner IPv4 size (default\n"
		  "mtu: the tunnel's MTU, followed when it changes)" },
	{ "mtu-interval", KW_UINT, KW_DEF, B4_INTERVAL_MIN_MS,
	  B4_INTERVAL_MAX_MS, C(mtu_interval_ms), .unit = "ms",
	  .def = B4_DEF_MTU_INTERVAL_MS, .arg = "MS",
	  .help = "one padded probe per AFTR this often (default\n"
		  "{def})" },
	{ "mtu-multiplier", KW_UINT, KW_DEF, 1, 255, C(mtu_multiplier),
	  .def = B4_DEF_MTU_MULTIPLIER, .arg = "N",
	  .help = "unhealthy when N intervals pass without an\n"
		  "answer as large as the probes (default {def})" },
	{ "ping-interval", KW_UINT, KW_DEF, B4_INTERVAL_MIN_MS,
	  B4_INTERVAL_MAX_MS, C(ping_interval_ms), .unit = "ms",
	  .def = B4_DEF_PING_INTERVAL_MS, .arg = "MS",
	  .help = "one echo per AFTR this often; an echo not\n"
		  "answered by the next one is lost (default {def})" },
	{ "ping-loss", KW_CUSTOM, 0, .parse = kw_ping_loss, .arg = "N/M",
	  .help = "unhealthy when N of the last M echoes are\n"
		  "lost, M <= " STR(B4_PING_WINDOW_MAX) " (default "
		  STR(B4_DEF_PING_LOSS_N) "/" STR(B4_DEF_PING_LOSS_M) ")" },
	{ "pcp-lifetime", KW_UINT, KW_DEF, B4_PCP_LIFETIME_MIN_S,
	  B4_PCP_LIFETIME_MAX_S, C(pcp_lifetime_s), .unit = "seconds",
	  .def = PCP_DEF_LIFETIME_S, .arg = "SEC",
	  .help = "the mapping's requested lifetime (default {def})" },
	{ "pcp-deadline", KW_UINT, KW_DEF, 1000, 600000, C(pcp_deadline_ms),
	  .unit = "ms", .def = B4_DEF_PCP_DEADLINE_MS, .arg = "MS",
	  .help = "unhealthy when a request stays unanswered this\n"
		  "long (default {def})" },
	{ "pcp-failures", KW_UINT, KW_DEF, 1, 100, C(pcp_failures),
	  .def = PCP_DEF_FAIL_THRESHOLD, .arg = "N",
	  .help = "unhealthy after N NETWORK_FAILURE answers in a\n"
		  "row (default {def}; NO_RESOURCES: max(N, "
		  STR(PCP_DEF_NR_THRESHOLD) ")),\n"
		  "asked again every ~3 s while counting" },
	{ "pcp-interval", KW_CUSTOM, KW_DEF, 1000, 3600000,
	  C(pcp_interval_ms), .parse = kw_pcp_interval,
	  .def = B4_DEF_PCP_INTERVAL_MS, .arg = "MS",
	  .help = "renew the mapping at least this often, whatever\n"
		  "lifetime was granted; 0: by the lifetime\n"
		  "(default {def})" },
	{ "pcp-retry-max", KW_UINT, KW_DEF, 100, PCP_DEF_MRT_MS,
	  C(pcp_retry_max_ms), .unit = "ms", .def = PCP_DEF_ERROR_WAIT_MAX_MS,
	  .arg = "MS",
	  .help = "the longest wait after an error answer (default\n"
		  "{def}: the server's error lifetime decides)" },
	{ "pcp-mode", KW_ENUM, KW_DEF, C(pcp_mode), .names = pcp_mode_names,
	  .def = PCP_MODE_ENCAP, .arg = "encap|plain",
	  .help = "inside the softwire to 192.0.0.1:5351 (default),\n"
		  "or over IPv6 to pcp-server (default: the AFTR)" },
	{ "pcp-port", KW_UINT, 0, 1, 65535, C(pcp_port), .arg = "PORT",
	  .help = "the mapping's internal port (default: random)" },
	{ "pcp-server", KW_IPV6, 0, C(pcp_server), .check = aftr_addr_check,
	  .unit = "global unicast IPv6 address", .arg = "ADDR" },
	{ "tunnel-wait", KW_CUSTOM, KW_DEF, 0, B4_TUNNEL_WAIT_MAX_S,
	  C(tunnel_wait_s), .parse = kw_tunnel_wait, .def = B4_WAIT_FOREVER,
	  .arg = "SEC|forever",
	  .help = "a tunnel that goes away (deleted, re-created\n"
		  "by a network manager) is waited for this long,\n"
		  "then the daemon stops with exit 2 (default\n"
		  "forever)" },
	{ "rt-priority", KW_UINT, 0, 0, 99, C(rt_priority), .arg = "N",
	  .help = "run at real-time priority N (SCHED_FIFO), memory\n"
		  "locked, so that a busy CPU cannot delay the\n"
		  "timers; 0: the normal policy (default 0)" },
	{ "metrics", KW_CUSTOM, 0, .parse = kw_metrics, .arg = "ADDR:PORT",
	  .help = "serve the metrics over HTTP, GET /metrics:\n"
		  "[V6]:PORT or V4:PORT (default: no listener)" },
	{ "config", KW_CUSTOM, KW_ARGV, .parse = kw_config, .arg = "FILE",
	  .help = "the same keywords from a file, \"KEY VALUE\" lines" },
};

static const struct kw_table b4_kw = {
	KW_TABLE(b4_rows),
	.unknown = "unknown keyword",
	.object = "b4",
};

const struct kw_table *b4_config_keywords(void)
{
	return &b4_kw;
}

void b4_config_init(struct b4_config *c)
{
	memset(c, 0, sizeof(*c));
	kw_defaults(&b4_kw, c);
	c->health.methods = B4_M_BFD;
	c->ping_loss_n = B4_DEF_PING_LOSS_N;
	c->ping_loss_m = B4_DEF_PING_LOSS_M;
}

void b4_config_usage(FILE *f)
{
	kw_synopsis(f, &b4_kw, "Usage: dslitectl b4 run ", 24, 80);
}

void b4_config_options(FILE *f)
{
	kw_usage(f, &b4_kw, 23);
}

/*
 * split_words(line, words, n): the white-space separated words of line
 * (cut in place), at most MAX_WORDS. Returns the count, or -1.
 */
static int split_words(char *p, char **words)
{
	int n = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return n;
		if (n == MAX_WORDS)
			return -1;
		words[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

/* read_file: the keywords of a config file, line by line. */
static int read_file(const struct kw_ctx *from, struct b4_config *c,
		     const char *path)
{
	char line[MAX_LINE + 2], where[PATH_MAX + 32];
	struct kw_ctx x = *from;
	char *words[MAX_WORDS];
	unsigned int lineno = 0;
	int ret = 0, n;
	char *hash;
	FILE *f;

	x.where = NULL;
	f = fopen(path, "re");
	if (!f)
		return kw_err(&x, "config %s: %s", path, strerror(errno));
	x.where = where;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (strlen(line) > MAX_LINE) {
			ret = kw_err(&x, "line too long");
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		n = split_words(line, words);
		if (n < 0) {
			ret = kw_err(&x, "too many words");
			break;
		}
		if (n % 2) {
			ret = kw_err(&x, "\"%s\" needs a value", words[n - 1]);
			break;
		}
		ret = kw_parse(&x, n, words, c);
		if (ret)
			break;
	}
	x.where = NULL;
	if (!ret && ferror(f))
		ret = kw_err(&x, "config %s: read error", path);
	fclose(f);
	return ret;
}

int b4_config_parse(struct b4_config *c, int argc, char **argv)
{
	uint64_t seen = c->given;
	struct kw_ctx x = { .what = B4_WHAT, .t = &b4_kw, .seen = &seen };
	int ret;

	ret = kw_parse(&x, argc, argv, c);
	c->given = seen;
	if (ret)
		return ret;
	c->has_pcp_server = kw_given(&b4_kw, seen, "pcp-server");
	if (c->n_dev == 0)
		return err(NULL, "no tunnel: \"dev IFNAME\" is required");
	if (c->n_dev > 1 && c->mode != B4_MODE_CARRIER)
		return err(NULL, "several devices need \"failover carrier\" (one tunnel per AFTR)");
	if (c->mode == B4_MODE_CARRIER && (c->n_aftr || c->aftr_name[0]))
		return err(NULL, "with \"failover carrier\" the AFTRs are the tunnels' remotes: give one \"dev\" per AFTR instead of aftr/aftr-name");
	if (c->pcp_mode == PCP_MODE_ENCAP) {
		bool server = c->has_pcp_server;
		int i;

		for (i = 0; i < c->n_aftr; i++)
			server |= c->aftr_opt[i].has_pcp_server;
		if (server)
			return err(NULL, "pcp-server is for \"pcp-mode plain\" (encap sends to 192.0.0.1 inside the softwire)");
	}
	return 0;
}

/* Append a candidate unless it is already listed. */
static int add_cand(struct in6_addr *addrs, const char **origins, int *tun_of,
		    int *n, const struct in6_addr *a, const char *origin,
		    int tun)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!memcmp(&addrs[i], a, sizeof(*a)))
			return 0;
	if (*n >= B4_MAX_CANDIDATES)
		return -1;
	addrs[*n] = *a;
	origins[*n] = origin;
	tun_of[*n] = tun;
	(*n)++;
	return 0;
}

int b4_resolve_name(const char *name, struct in6_addr *out, int *n, char *e,
		    size_t elen)
{
	struct addrinfo hints = {
		.ai_family = AF_INET6,
		.ai_socktype = SOCK_DGRAM,
	};
	struct addrinfo *res, *ai;
	const char *origins[B4_MAX_CANDIDATES];
	int tun_of[B4_MAX_CANDIDATES];
	int r;

	*n = 0;
	r = getaddrinfo(name, NULL, &hints, &res);
	if (r) {
		snprintf(e, elen, "aftr-name %s: %s", name,
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		const struct sockaddr_in6 *sin6 = (void *)ai->ai_addr;

		if (ai->ai_family != AF_INET6 || !aftr_addr_ok(&sin6->sin6_addr))
			continue;
		if (add_cand(out, origins, tun_of, n, &sin6->sin6_addr,
			     "aftr-name", 0)) {
			snprintf(e, elen, "aftr-name %s: more than %d AFTRs",
				 name, B4_MAX_CANDIDATES);
			freeaddrinfo(res);
			return -1;
		}
	}
	freeaddrinfo(res);
	if (*n == 0) {
		snprintf(e, elen, "aftr-name %s: no usable IPv6 address", name);
		return -1;
	}
	return 0;
}

int b4_tunnel_check(struct mnl_socket *rtnl, const char *dev,
		    struct b4_link *l, char *e, size_t elen)
{
	char buf[INET6_ADDRSTRLEN];
	int ret;

	ret = b4_link_get(rtnl, dev, 0, l, e, elen);
	if (ret)
		return ret;
	if (strcmp(l->kind, "ip6tnl")) {
		snprintf(e, elen, "%s is not an ip6tnl tunnel (%s%s)", dev,
			 l->kind[0] ? "kind " : "no tunnel kind",
			 l->kind);
		return -1;
	}
	if (l->has_proto && l->proto != IPPROTO_IPIP && l->proto != 0) {
		snprintf(e, elen, "%s is not a DS-Lite softwire: mode ip6ip6 carries no IPv4 (use mode ipip6)",
			 dev);
		return -1;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&l->local)) {
		snprintf(e, elen, "%s has no local address (the B4's IPv6 address is needed to probe standby AFTRs)",
			 dev);
		return -1;
	}
	if (!aftr_addr_ok(&l->local)) {
		snprintf(e, elen, "%s: local %s is not a global unicast address",
			 dev, inet_ntop(AF_INET6, &l->local, buf, sizeof(buf)));
		return -1;
	}
	return 0;
}

int b4_config_resolve(const struct b4_config *c, struct mnl_socket *rtnl,
		      struct b4_link *links, int *n_links,
		      struct in6_addr *addrs, const char **origins,
		      int *tun_of, int *n, const struct in6_addr *named,
		      int n_named, char *e, size_t elen)
{
	struct in6_addr resolved[B4_MAX_CANDIDATES];
	char buf[INET6_ADDRSTRLEN];
	int i;

	*n = 0;
	*n_links = 0;
	for (i = 0; i < c->n_dev; i++) {
		if (b4_tunnel_check(rtnl, c->dev[i], &links[i], e, elen))
			return -1;
		(*n_links)++;
	}

	if (c->mode == B4_MODE_CARRIER) {
		for (i = 0; i < c->n_dev; i++) {
			const struct b4_link *l = &links[i];
			int j;

			if (!aftr_addr_ok(&l->remote)) {
				snprintf(e, elen, "%s has no usable remote (AFTR) address",
					 l->name);
				return -1;
			}
			for (j = 0; j < i; j++) {
				if (memcmp(&links[j].remote, &l->remote,
					   sizeof(l->remote)))
					continue;
				snprintf(e, elen, "%s and %s lead to the same AFTR %s",
					 links[j].name, l->name,
					 inet_ntop(AF_INET6, &l->remote, buf,
						   sizeof(buf)));
				return -1;
			}
			add_cand(addrs, origins, tun_of, n, &l->remote, "dev",
				 i);
		}
		return 0;
	}

	for (i = 0; i < c->n_aftr; i++)
		add_cand(addrs, origins, tun_of, n, &c->aftr[i], "aftr", 0);
	if (c->aftr_name[0] && !named) {
		if (b4_resolve_name(c->aftr_name, resolved, &n_named, e, elen))
			return -1;
		named = resolved;
	}
	for (i = 0; c->aftr_name[0] && i < n_named; i++) {
		if (add_cand(addrs, origins, tun_of, n, &named[i], "aftr-name",
			     0)) {
			snprintf(e, elen, "more than %d AFTRs",
				 B4_MAX_CANDIDATES);
			return -1;
		}
	}
	if (*n == 0) {
		if (!aftr_addr_ok(&links[0].remote)) {
			snprintf(e, elen, "no AFTR: %s has no remote address; give \"aftr ADDR\" or \"aftr-name FQDN\"",
				 links[0].name);
			return -1;
		}
		add_cand(addrs, origins, tun_of, n, &links[0].remote, "remote",
			 0);
	}
	return 0;
}
