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
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dslitectl.h"
#include "b4.h"

enum {
	K_DEV,
	K_AFTR,
	K_AFTR_NAME,
	K_INTERVAL,
	K_MULTIPLIER,
	K_STANDBY,
	K_FAILOVER,
	K_PREEMPT,
	K_HOLD_DOWN,
	K_ON_STOP,
	K_CONFIG,
	K_HEALTH,
	K_PING_INTERVAL,
	K_PING_LOSS,
	K_PCP_LIFETIME,
	K_PCP_DEADLINE,
	K_PCP_RETRY_MAX,
	K_PCP_FAILURES,
	K_PCP_INTERVAL,
	K_PCP_MODE,
	K_PCP_PORT,
	K_PCP_SERVER,
	K_TUNNEL_WAIT,
	K__MAX,
};

static const char *const keywords[K__MAX] = {
	[K_DEV]		= "dev",
	[K_AFTR]	= "aftr",
	[K_AFTR_NAME]	= "aftr-name",
	[K_INTERVAL]	= "interval",
	[K_MULTIPLIER]	= "multiplier",
	[K_STANDBY]	= "standby-interval",
	[K_FAILOVER]	= "failover",
	[K_PREEMPT]	= "preempt",
	[K_HOLD_DOWN]	= "hold-down",
	[K_ON_STOP]	= "on-stop",
	[K_CONFIG]	= "config",
	[K_HEALTH]	= "health",
	[K_PING_INTERVAL] = "ping-interval",
	[K_PING_LOSS]	= "ping-loss",
	[K_PCP_LIFETIME] = "pcp-lifetime",
	[K_PCP_DEADLINE] = "pcp-deadline",
	[K_PCP_RETRY_MAX] = "pcp-retry-max",
	[K_PCP_FAILURES] = "pcp-failures",
	[K_PCP_INTERVAL] = "pcp-interval",
	[K_PCP_MODE]	= "pcp-mode",
	[K_PCP_PORT]	= "pcp-port",
	[K_PCP_SERVER]	= "pcp-server",
	[K_TUNNEL_WAIT]	= "tunnel-wait",
};

/* Keywords that may be repeated. */
#define K_REPEATABLE	((1u << K_DEV) | (1u << K_AFTR))

#define MAX_LINE	1024
#define MAX_WORDS	64

void b4_config_init(struct b4_config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_ms = B4_DEF_INTERVAL_MS;
	c->multiplier = B4_DEF_MULTIPLIER;
	c->mode = B4_MODE_REPOINT;
	c->hold_down_s = B4_DEF_HOLD_DOWN_S;
	c->health.methods = B4_M_BFD;
	c->ping_interval_ms = B4_DEF_PING_INTERVAL_MS;
	c->ping_loss_n = B4_DEF_PING_LOSS_N;
	c->ping_loss_m = B4_DEF_PING_LOSS_M;
	c->pcp_lifetime_s = PCP_DEF_LIFETIME_S;
	c->pcp_deadline_ms = B4_DEF_PCP_DEADLINE_MS;
	c->pcp_retry_max_ms = PCP_DEF_ERROR_WAIT_MAX_MS;
	c->pcp_failures = PCP_DEF_FAIL_THRESHOLD;
	c->pcp_interval_ms = B4_DEF_PCP_INTERVAL_MS;
	c->pcp_mode = PCP_MODE_ENCAP;
	c->tunnel_wait_s = B4_WAIT_FOREVER;
}

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
		h->methods = m;
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

#define HEALTH_FORMS "bfd, pcp, ping, all, any, all:M+M[+M] or any:M+M[+M] (M: bfd, pcp, ping)"

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

static int find_keyword(const char *s)
{
	int i;

	for (i = 0; i < K__MAX; i++)
		if (kw_is(s, keywords[i]))
			return i;
	return -1;
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

static int read_file(struct b4_config *c, const char *path);

/*
 * "aftr ADDR[,health=SPEC][,pcp-server=ADDR]": an AFTR and the options
 * that are its own.
 */
static int parse_aftr(struct b4_config *c, const char *where, const char *v)
{
	struct b4_aftr_opt opt = {};
	char buf[256], *o, *next, *eq;
	struct in6_addr a;
	int n;

	if (strlen(v) >= sizeof(buf))
		return err(where, "aftr \"%s\": too long", v);
	snprintf(buf, sizeof(buf), "%s", v);
	next = strchr(buf, ',');
	if (next)
		*next++ = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return err(where, "aftr \"%s\" is not an IPv6 address", buf);
	if (!aftr_addr_ok(&a))
		return err(where, "aftr %s is not a global unicast IPv6 address",
			   buf);
	for (n = 0; n < c->n_aftr; n++)
		if (!memcmp(&c->aftr[n], &a, sizeof(a)))
			return err(where, "aftr %s given twice", buf);
	if (c->n_aftr >= B4_MAX_CANDIDATES)
		return err(where, "at most %d AFTRs", B4_MAX_CANDIDATES);
	while ((o = next)) {
		next = strchr(o, ',');
		if (next)
			*next++ = '\0';
		eq = strchr(o, '=');
		if (!eq)
			return err(where, "aftr %s: option \"%s\" is not KEY=VALUE (health=SPEC, pcp-server=ADDR)",
				   buf, o);
		*eq++ = '\0';
		if (!strcmp(o, "health") && !opt.has_health) {
			if (b4_health_parse(eq, &opt.health))
				return err(where, "aftr %s: health must be %s, not \"%s\"",
					   buf, HEALTH_FORMS, eq);
			opt.has_health = true;
		} else if (!strcmp(o, "pcp-server") && !opt.has_pcp_server) {
			if (inet_pton(AF_INET6, eq, &opt.pcp_server) != 1 ||
			    !aftr_addr_ok(&opt.pcp_server))
				return err(where, "aftr %s: pcp-server \"%s\" is not a global unicast IPv6 address",
					   buf, eq);
			opt.has_pcp_server = true;
		} else if (!strcmp(o, "health") || !strcmp(o, "pcp-server")) {
			return err(where, "aftr %s: %s given twice", buf, o);
		} else {
			return err(where, "aftr %s: unknown option \"%s\" (health=SPEC, pcp-server=ADDR)",
				   buf, o);
		}
	}
	c->aftr_opt[c->n_aftr] = opt;
	c->aftr[c->n_aftr++] = a;
	return 0;
}

static int parse_ms(const char *where, const char *kw, const char *v,
		    uint32_t *out)
{
	uint64_t n;

	if (parse_uint(v, UINT32_MAX, &n) || n < B4_INTERVAL_MIN_MS ||
	    n > B4_INTERVAL_MAX_MS)
		return err(where, "%s must be %u..%u ms, not \"%s\"", kw,
			   B4_INTERVAL_MIN_MS, B4_INTERVAL_MAX_MS, v);
	*out = n;
	return 0;
}

static int on_off(const char *where, const char *kw, const char *v, bool *out)
{
	if (kw_is(v, "on"))
		*out = true;
	else if (kw_is(v, "off"))
		*out = false;
	else
		return err(where, "%s must be on or off, not \"%s\"", kw, v);
	return 0;
}

/* parse_words: keyword/value pairs; where names the file line, or NULL. */
static int parse_words(struct b4_config *c, int argc, char **argv,
		       const char *where)
{
	char what[PATH_MAX + 64];
	uint64_t n;
	int k, ret;

	for (; argc > 0; argc -= 2, argv += 2) {
		const char *kw = argv[0], *v;

		k = find_keyword(kw);
		if (k < 0)
			return err(where, "unknown keyword \"%s\" (try \"dslitectl b4 help\")",
				   kw);
		if (argc < 2)
			return err(where, "\"%s\" needs a value", kw);
		v = argv[1];
		if (k == K_CONFIG && where)
			return err(where, "\"config\" inside a config file");
		if ((c->given & (1u << k)) && !(K_REPEATABLE & (1u << k)))
			return err(where, "\"%s\" given twice", kw);
		c->given |= 1u << k;

		switch (k) {
		case K_DEV:
			if (c->n_dev >= B4_MAX_TUNNELS)
				return err(where, "at most %d devices",
					   B4_MAX_TUNNELS);
			snprintf(what, sizeof(what), "%s%s%s", B4_WHAT,
				 where ? ": " : "", where ? where : "");
			if (parse_ifname(what, v, c->dev[c->n_dev]))
				return DSLITECTL_EXIT_USAGE;
			for (n = 0; n < (uint64_t)c->n_dev; n++)
				if (kw_is(c->dev[n], v))
					return err(where, "dev %s given twice",
						   v);
			c->n_dev++;
			break;
		case K_AFTR:
			ret = parse_aftr(c, where, v);
			if (ret)
				return ret;
			break;
		case K_AFTR_NAME:
			if (!fqdn_ok(v))
				return err(where, "aftr-name \"%s\" is not a domain name",
					   v);
			snprintf(c->aftr_name, sizeof(c->aftr_name), "%s", v);
			break;
		case K_INTERVAL:
			ret = parse_ms(where, kw, v, &c->interval_ms);
			if (ret)
				return ret;
			break;
		case K_STANDBY:
			ret = parse_ms(where, kw, v, &c->standby_ms);
			if (ret)
				return ret;
			break;
		case K_MULTIPLIER:
			if (parse_uint(v, 255, &n) || n == 0)
				return err(where, "multiplier must be 1..255, not \"%s\"",
					   v);
			c->multiplier = n;
			break;
		case K_FAILOVER:
			if (kw_is(v, "repoint"))
				c->mode = B4_MODE_REPOINT;
			else if (kw_is(v, "carrier"))
				c->mode = B4_MODE_CARRIER;
			else
				return err(where, "failover must be repoint or carrier, not \"%s\"",
					   v);
			break;
		case K_PREEMPT:
			ret = on_off(where, kw, v, &c->preempt);
			if (ret)
				return ret;
			break;
		case K_HOLD_DOWN:
			if (parse_uint(v, B4_HOLD_DOWN_MAX_S, &n))
				return err(where, "hold-down must be 0..%u seconds, not \"%s\"",
					   B4_HOLD_DOWN_MAX_S, v);
			c->hold_down_s = n;
			break;
		case K_ON_STOP:
			if (kw_is(v, "keep"))
				c->release = false;
			else if (kw_is(v, "release"))
				c->release = true;
			else
				return err(where, "on-stop must be keep or release, not \"%s\"",
					   v);
			break;
		case K_HEALTH:
			if (b4_health_parse(v, &c->health))
				return err(where, "health must be %s, not \"%s\"",
					   HEALTH_FORMS, v);
			break;
		case K_PING_INTERVAL:
			ret = parse_ms(where, kw, v, &c->ping_interval_ms);
			if (ret)
				return ret;
			break;
		case K_PING_LOSS:
			if (parse_loss(v, &c->ping_loss_n, &c->ping_loss_m))
				return err(where, "ping-loss must be N/M with 1 <= N <= M <= %d, not \"%s\"",
					   B4_PING_WINDOW_MAX, v);
			break;
		case K_PCP_LIFETIME:
			if (parse_uint(v, B4_PCP_LIFETIME_MAX_S, &n) ||
			    n < B4_PCP_LIFETIME_MIN_S)
				return err(where, "pcp-lifetime must be %u..%u seconds, not \"%s\"",
					   B4_PCP_LIFETIME_MIN_S,
					   B4_PCP_LIFETIME_MAX_S, v);
			c->pcp_lifetime_s = n;
			break;
		case K_PCP_DEADLINE:
			if (parse_uint(v, UINT32_MAX, &n) || n < 1000 ||
			    n > 600000)
				return err(where, "pcp-deadline must be 1000..600000 ms, not \"%s\"",
					   v);
			c->pcp_deadline_ms = n;
			break;
		case K_PCP_RETRY_MAX:
			if (parse_uint(v, UINT32_MAX, &n) || n < 100 ||
			    n > PCP_DEF_MRT_MS)
				return err(where, "pcp-retry-max must be 100..%u ms, not \"%s\"",
					   PCP_DEF_MRT_MS, v);
			c->pcp_retry_max_ms = n;
			break;
		case K_PCP_FAILURES:
			if (parse_uint(v, 100, &n) || n == 0)
				return err(where, "pcp-failures must be 1..100, not \"%s\"",
					   v);
			c->pcp_failures = n;
			break;
		case K_PCP_INTERVAL:
			if (parse_uint(v, UINT32_MAX, &n) ||
			    (n && (n < 1000 || n > 3600000)))
				return err(where, "pcp-interval must be 0 (by the lifetime) or 1000..3600000 ms, not \"%s\"",
					   v);
			c->pcp_interval_ms = n;
			break;
		case K_PCP_MODE:
			if (kw_is(v, "encap"))
				c->pcp_mode = PCP_MODE_ENCAP;
			else if (kw_is(v, "plain"))
				c->pcp_mode = PCP_MODE_PLAIN;
			else
				return err(where, "pcp-mode must be encap or plain, not \"%s\"",
					   v);
			break;
		case K_PCP_PORT:
			if (parse_uint(v, 65535, &n) || n == 0)
				return err(where, "pcp-port must be 1..65535, not \"%s\"",
					   v);
			c->pcp_port = n;
			break;
		case K_PCP_SERVER:
			if (inet_pton(AF_INET6, v, &c->pcp_server) != 1 ||
			    !aftr_addr_ok(&c->pcp_server))
				return err(where, "pcp-server \"%s\" is not a global unicast IPv6 address",
					   v);
			c->has_pcp_server = true;
			break;
		case K_TUNNEL_WAIT:
			if (kw_is(v, "forever"))
				c->tunnel_wait_s = B4_WAIT_FOREVER;
			else if (parse_uint(v, B4_TUNNEL_WAIT_MAX_S, &n))
				return err(where, "tunnel-wait must be 0..%u seconds or forever, not \"%s\"",
					   B4_TUNNEL_WAIT_MAX_S, v);
			else
				c->tunnel_wait_s = n;
			break;
		case K_CONFIG:
			if (strlen(v) >= sizeof(c->file))
				return err(where, "config: path too long");
			snprintf(c->file, sizeof(c->file), "%s", v);
			ret = read_file(c, v);
			if (ret)
				return ret;
			break;
		}
	}
	return 0;
}

/* read_file: the keywords of a config file, line by line. */
static int read_file(struct b4_config *c, const char *path)
{
	char line[MAX_LINE + 2], where[PATH_MAX + 32];
	char *words[MAX_WORDS];
	unsigned int lineno = 0;
	int ret = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return err(NULL, "config %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *hash;
		int n = 0;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (strlen(line) > MAX_LINE) {
			ret = err(where, "line too long");
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (;;) {
			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			if (n == MAX_WORDS) {
				ret = err(where, "too many words");
				goto out;
			}
			words[n++] = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			if (*p)
				*p++ = '\0';
		}
		if (n % 2) {
			ret = err(where, "\"%s\" needs a value", words[n - 1]);
			break;
		}
		ret = parse_words(c, n, words, where);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = err(NULL, "config %s: read error", path);
out:
	fclose(f);
	return ret;
}

int b4_config_parse(struct b4_config *c, int argc, char **argv)
{
	int ret;

	ret = parse_words(c, argc, argv, NULL);
	if (ret)
		return ret;
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
