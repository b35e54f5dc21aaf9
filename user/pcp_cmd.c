// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl pcp: run the PCP MAP client (include/dslite/pcp.h) in the
 * foreground and show every request, response and event, as a check of
 * an AFTR's PCP server by hand.
 *
 *   dslitectl [-j] pcp map [dev IFNAME] [server ADDR] [mode encap|plain]
 *       [lifetime S] [internal-port N] [protocol udp|tcp] [count N]
 *       [deadline S] [failures N] [retry-max S]
 *
 * Text prints one line per event; -j one JSON object per line (key
 * "event" first), then a "summary" object with the counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "clock.h"
#include "dslitectl.h"
#include "json.h"
#include "softwire.h"

#include <dslite/pcp.h>

#define WHAT		"pcp map"
#define RELEASE_WAIT_MS	1000
#define MAX_S		86400

struct pcp_cmd {
	struct pcp_client c;
	uint64_t count;			/* answers to stop after, 0: never */
	uint64_t answers;
	bool stop;			/* count reached or deadline passed */
	bool deadline_stop;
	uint32_t seen_epoch;		/* epoch of the last answer */
	uint32_t prev_epoch;		/* and of the one before */
	uint64_t start_ns;
};

static void pcp_usage(FILE *f)
{
	fprintf(f,
		"Usage: dslitectl [-j] pcp map [dev IFNAME] [server ADDR] [mode encap|plain]\n"
		"                               [lifetime S] [internal-port N] [protocol udp|tcp]\n"
		"                               [count N] [deadline S] [failures N] [retry-max S]\n"
		"\n"
		"Keep a PCP (RFC 6887) MAP mapping with a short lifetime and show every\n"
		"request, answer and event until interrupted, or until count N answers.\n"
		"encap (default): from 192.0.0.2 to 192.0.0.1:5351 inside the tunnel IFNAME\n"
		"(default: the only ip6tnl softwire); server A.B.C.D changes the inner\n"
		"destination. plain: over IPv6 to the PCP server (server ADDR required).\n"
		"Defaults: lifetime %d s, internal-port: the client's own UDP port,\n"
		"protocol udp, deadline %d s, failures %d, retry-max %d s.\n"
		"Exit status: 0 the last answer was SUCCESS, 1 an error answer or no\n"
		"answer by the deadline (with count), or a usage error, 2 error.\n",
		PCP_DEF_LIFETIME_S, PCP_DEF_DEADLINE_MS / 1000,
		PCP_DEF_FAIL_THRESHOLD, PCP_DEF_MRT_MS / 1000);
}

static void print_addr(const char *key, const char *fmt,
		       const struct in6_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	print_string(key, fmt, pcp_addr_str(a, buf));
}

static void print_result(const struct pcp_map_msg *m)
{
	const char *name = pcp_result_name(m->result);

	if (name)
		print_string("result", " %s", name);
	else
		print_null("result");
	if (!name)
		print_text(" result %u", m->result);
	print_uint("result-code", NULL, m->result);
}

static void nonce_hex(const uint8_t *n, char *buf)
{
	int i;

	for (i = 0; i < PCP_NONCE_LEN; i++)
		sprintf(buf + 2 * i, "%02x", n[i]);
}

/* One event: JSON keys "event" and "t-ms" (since the start) first. */
static void begin(const struct pcp_cmd *x, const char *event)
{
	print_open_object(NULL);
	print_string("event", "%s:", event);
	print_uint("t-ms", NULL, (mono_ns() - x->start_ns) / 1000000);
}

static void end(void)
{
	print_close_object();
	print_end();
}

static void on_request(const struct pcp_cmd *x, const struct pcp_client *c,
		       unsigned int ev, const struct pcp_map_msg *m)
{
	char nonce[2 * PCP_NONCE_LEN + 1];
	const char *kind, *proto = pcp_protocol_name(m->protocol);

	if (c->state == PCP_ST_RELEASING)
		kind = "delete";
	else if (ev & PCP_EV_RETRANSMIT)
		kind = "retransmission";
	else if (c->remap)
		kind = "re-map";
	else if (c->renewal)
		kind = "renewal";
	else if (c->err_streak)
		kind = "retry";
	else
		kind = "initial";
	nonce_hex(m->nonce, nonce);
	begin(x, "request");
	print_string("kind", " %s", kind);
	print_string("opcode", " %s", "MAP");
	print_string("protocol", " %s", proto ? proto : "?");
	print_uint("internal-port", " internal-port %" PRIu64, m->internal_port);
	print_uint("lifetime", " lifetime %" PRIu64, m->lifetime);
	print_addr("client-address", " client %s", &m->client_addr);
	print_uint("suggested-port", NULL, m->external_port);
	print_addr("suggested-address", NULL, &m->external_addr);
	print_string("nonce", " nonce %s", nonce);
	if (ev & PCP_EV_RETRANSMIT) {
		print_uint("attempt", " (attempt %" PRIu64, c->tx_in_exch);
		print_uint("rt-ms", ", next in %" PRIu64 " ms)", c->rt_ms);
	}
	end();
}

static void on_response(struct pcp_cmd *x, const struct pcp_client *c,
			const struct pcp_map_msg *m)
{
	begin(x, "response");
	print_result(m);
	print_uint("lifetime", " lifetime %" PRIu64, m->lifetime);
	print_uint("epoch", " epoch %" PRIu64, m->epoch);
	if (m->result == PCP_RES_SUCCESS) {
		print_addr("external-address", " external %s", &m->external_addr);
		print_uint("external-port", ":%" PRIu64, m->external_port);
	} else {
		print_addr("external-address", NULL, &m->external_addr);
		print_uint("external-port", NULL, m->external_port);
	}
	print_uint("protocol-number", NULL, m->protocol);
	print_uint("internal-port", NULL, m->internal_port);
	if (c->state != PCP_ST_RELEASING)
		print_string("epoch-check", NULL, pcp_epoch_name(c->last_epoch));
	print_uint("rtt-us", NULL, c->last_rtt_ns / 1000);
	print_text(" (%.3f ms)", c->last_rtt_ns / 1e6);
	end();
	if (c->state != PCP_ST_RELEASING)
		x->answers++;
}

static void on_event(void *ctx, const struct pcp_client *c, unsigned int ev,
		     const struct pcp_map_msg *m)
{
	struct pcp_cmd *x = ctx;
	uint64_t now = mono_ns();

	if (ev & PCP_EV_TX) {
		on_request(x, c, ev, m);
		return;
	}
	switch (ev) {
	case PCP_EV_RESPONSE:
		on_response(x, c, m);
		if (c->state != PCP_ST_RELEASING) {
			x->prev_epoch = x->seen_epoch;
			x->seen_epoch = m->epoch;
		}
		break;
	case PCP_EV_MAPPED:
		begin(x, "mapped");
		print_addr("external-address", " %s", &c->map.external_addr);
		print_uint("external-port", ":%" PRIu64, c->map.external_port);
		print_uint("lifetime", " for %" PRIu64 " s", c->map.lifetime);
		print_uint("renew-in-ms", NULL, (c->map.renew_ns - now) / 1000000);
		print_text(", renewal in %.1f s", (c->map.renew_ns - now) / 1e9);
		end();
		break;
	case PCP_EV_ERROR:
		begin(x, "error");
		print_result(m);
		print_uint("retry-in-ms", NULL, (c->next_tx_ns - now) / 1000000);
		print_text(", next request in %.1f s", (c->next_tx_ns - now) / 1e9);
		end();
		break;
	case PCP_EV_MALFORMED:
		begin(x, "malformed");
		print_string("reason", " response dropped: %s",
			     pcp_bad_name(c->last_bad));
		end();
		break;
	case PCP_EV_EPOCH:
		begin(x, "epoch");
		print_string("check", " %s", pcp_epoch_name(c->last_epoch));
		print_uint("previous-epoch", " %" PRIu64, x->prev_epoch);
		print_uint("epoch", " -> %" PRIu64, m->epoch);
		print_text(": the server lost its state, mapping again");
		end();
		break;
	case PCP_EV_HEALTH:
		begin(x, "health");
		print_string("health", " %s", pcp_health_name(c->health));
		if (c->health == PCP_HEALTH_DOWN)
			print_string("reason", " (%s)", pcp_down_name(c->down_reason));
		else
			print_null("reason");
		end();
		break;
	case PCP_EV_DEADLINE:
		begin(x, "deadline");
		print_uint("after-ms", " no answer within %" PRIu64 " ms",
			   c->cfg.deadline_ms);
		end();
		if (x->count) {
			x->stop = true;
			x->deadline_stop = true;
		}
		break;
	case PCP_EV_EXPIRED:
		begin(x, "expired");
		print_text(" the mapping ran out");
		end();
		break;
	case PCP_EV_RELEASED:
		begin(x, "released");
		print_text(" the mapping is deleted");
		end();
		break;
	}
	if (ev == PCP_EV_MAPPED || ev == PCP_EV_ERROR)
		if (x->count && x->answers >= x->count)
			x->stop = true;
}

static void print_summary(const struct pcp_cmd *x)
{
	const struct pcp_client *c = &x->c;
	const struct pcp_counters *n = pcp_client_counters(c);
	unsigned int i;

	begin(x, "summary");
	print_uint("tx-requests", " sent %" PRIu64, n->tx_requests);
	print_uint("tx-retransmits", " (retransmissions %" PRIu64 ")",
		   n->tx_retransmits);
	print_uint("tx-errors", NULL, n->tx_errors);
	print_uint("rx-packets", NULL, n->rx_packets);
	print_uint("rx-responses", ", answers %" PRIu64, n->rx_responses);
	print_uint("rx-malformed", ", malformed %" PRIu64, n->rx_malformed);
	print_uint("rx-errors", NULL, n->rx_errors);
	print_uint("mappings", NULL, n->mappings);
	print_uint("renewals", ", renewals %" PRIu64, n->renewals);
	print_uint("epoch-resets", ", epoch resets %" PRIu64, n->epoch_resets);
	print_uint("deadlines", ", deadlines %" PRIu64, n->deadlines);
	print_uint("expired", NULL, n->expired);
	print_uint("down", NULL, n->down);
	print_open_object("malformed");
	for (i = 1; i < PCP_BAD__MAX; i++)
		print_uint(pcp_bad_name(i), NULL, n->rx_bad[i]);
	print_close_object();
	print_text(", results");
	print_open_object("results");
	for (i = 0; i <= PCP_RES_MAX + 1; i++) {
		const char *name = i <= PCP_RES_MAX ? pcp_result_name(i) : "other";

		print_uint(name, NULL, n->rx_result[i]);
		if (n->rx_result[i])
			print_text(" %s %" PRIu64, name, n->rx_result[i]);
	}
	print_close_object();
	print_string("health", ", health %s", pcp_health_name(c->health));
	if (c->health == PCP_HEALTH_DOWN)
		print_string("reason", " (%s)", pcp_down_name(c->down_reason));
	else
		print_null("reason");
	end();
}

struct args {
	const char *dev;
	bool have_server4, have_server6, have_mode, have_port;
	uint32_t server4;
	struct in6_addr server6;
	enum pcp_mode mode;
	uint64_t lifetime, port, count, deadline, failures, retry_max;
	uint8_t protocol;
};

static int bad_value(const char *kw, const char *v, const char *what)
{
	return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
			     "%s \"%s\" is not %s", kw, v, what);
}

static int parse_args(struct args *a, int argc, char **argv)
{
	char name[DSLITECTL_IFNAMSIZ];

	while (argc > 0) {
		const char *kw = argv[0], *v;

		if (need_arg(WHAT, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		v = argv[1];
		if (kw_is(kw, "dev")) {
			if (parse_ifname(WHAT, v, name))
				return DSLITECTL_EXIT_USAGE;
			a->dev = v;
		} else if (kw_is(kw, "server")) {
			if (inet_pton(AF_INET, v, &a->server4) == 1)
				a->have_server4 = true;
			else if (inet_pton(AF_INET6, v, &a->server6) == 1)
				a->have_server6 = true;
			else
				return bad_value(kw, v, "an IPv4 or IPv6 address");
		} else if (kw_is(kw, "mode")) {
			if (kw_is(v, "encap"))
				a->mode = PCP_MODE_ENCAP;
			else if (kw_is(v, "plain"))
				a->mode = PCP_MODE_PLAIN;
			else
				return bad_value(kw, v, "encap or plain");
			a->have_mode = true;
		} else if (kw_is(kw, "lifetime")) {
			if (parse_uint(v, MAX_S, &a->lifetime) || !a->lifetime)
				return bad_value(kw, v, "1..86400 seconds");
		} else if (kw_is(kw, "internal-port")) {
			if (parse_uint(v, 65535, &a->port) || !a->port)
				return bad_value(kw, v, "a port 1..65535");
			a->have_port = true;
		} else if (kw_is(kw, "protocol")) {
			if (kw_is(v, "udp"))
				a->protocol = IPPROTO_UDP;
			else if (kw_is(v, "tcp"))
				a->protocol = IPPROTO_TCP;
			else
				return bad_value(kw, v, "udp or tcp");
		} else if (kw_is(kw, "count")) {
			if (parse_uint(v, UINT32_MAX, &a->count))
				return bad_value(kw, v, "a number");
		} else if (kw_is(kw, "deadline")) {
			if (parse_uint(v, 3600, &a->deadline) || !a->deadline)
				return bad_value(kw, v, "1..3600 seconds");
		} else if (kw_is(kw, "failures")) {
			if (parse_uint(v, 100, &a->failures) || !a->failures)
				return bad_value(kw, v, "1..100");
		} else if (kw_is(kw, "retry-max")) {
			if (parse_uint(v, 1024, &a->retry_max) || !a->retry_max)
				return bad_value(kw, v, "1..1024 seconds");
		} else {
			return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
					     "unknown argument \"%s\" (try \"dslitectl pcp help\")",
					     kw);
		}
		argc -= 2;
		argv += 2;
	}
	if (!a->have_mode)
		a->mode = a->have_server6 ? PCP_MODE_PLAIN : PCP_MODE_ENCAP;
	if (a->mode == PCP_MODE_PLAIN && !a->have_server6)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
				     "plain mode needs \"server\" with the PCP server's IPv6 address");
	if (a->mode == PCP_MODE_ENCAP && a->have_server6)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
				     "encap mode takes an IPv4 server (inside the tunnel)");
	return 0;
}

/* Poll until the client has nothing to wait for, a signal, or a stop. */
static int loop(struct pcp_cmd *x, int sfd, uint64_t until)
{
	struct pcp_client *c = &x->c;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = pcp_client_fd(c), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		uint64_t now = mono_ns(), t = pcp_client_next_timeout(c);
		int ms = -1;

		if (t && t <= now) {
			pcp_client_handle_timeout(c, now);
			if (x->stop && !c->remap)
				return 0;
			continue;
		}
		if (until && now >= until)
			return 0;
		if (until && (!t || t > until))
			t = until;
		if (t)
			ms = (int)((t - now + 999999) / 1000000);
		if (poll(pfd, 2, ms) < 0 && errno != EINTR)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT,
					     "poll: %s", strerror(errno));
		if (pfd[1].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) < 0)
				return 1;
			return 1;
		}
		if (pfd[0].revents) {
			pcp_client_handle_readable(c, mono_ns());
			if (c->state == PCP_ST_IDLE)
				return 0;
			if (x->stop && !c->remap)
				return 0;
		}
	}
}

static int pcp_map(int argc, char **argv)
{
	struct args a = { .lifetime = PCP_DEF_LIFETIME_S, .protocol = IPPROTO_UDP };
	struct pcp_transport t;
	struct pcp_client_cfg cfg;
	struct pcp_cmd x;
	struct softwire sw;
	char err[256];
	sigset_t mask;
	int sfd, ret;

	ret = parse_args(&a, argc, argv);
	if (ret)
		return ret;

	memset(&t, 0, sizeof(t));
	t.mode = a.mode;
	if (a.mode == PCP_MODE_ENCAP) {
		if (softwire_get(a.dev, &sw, err, sizeof(err)))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT, "%s", err);
		snprintf(t.ifname, sizeof(t.ifname), "%s", sw.name);
		if (a.have_server4)
			t.inner_dst = a.server4;
	} else {
		if (a.dev)
			snprintf(t.ifname, sizeof(t.ifname), "%s", a.dev);
		t.server = a.server6;
	}

	memset(&x, 0, sizeof(x));
	x.count = a.count;
	pcp_client_cfg_init(&cfg);
	cfg.lifetime_s = a.lifetime;
	cfg.protocol = a.protocol;
	if (a.deadline)
		cfg.deadline_ms = a.deadline * 1000;
	if (a.failures)
		cfg.fail_threshold = a.failures;
	if (a.retry_max) {
		cfg.mrt_ms = a.retry_max * 1000;
		cfg.error_wait_max_ms = a.retry_max * 1000;
		if (cfg.irt_ms > cfg.mrt_ms)
			cfg.irt_ms = cfg.mrt_ms;
	}
	cfg.on_event = on_event;
	cfg.event_ctx = &x;
	pcp_client_init(&x.c, &cfg);
	if (pcp_client_open(&x.c, &t, err, sizeof(err)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT, "%s", err);
	if (a.have_port) {
		x.c.cfg.internal_port = a.port;
	} else {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		getsockname(pcp_client_fd(&x.c), (struct sockaddr *)&ss, &sl);
		x.c.cfg.internal_port = ntohs(ss.ss_family == AF_INET ?
			((struct sockaddr_in *)&ss)->sin_port :
			((struct sockaddr_in6 *)&ss)->sin6_port);
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		pcp_client_close(&x.c);
		return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT, "signalfd: %s",
				     strerror(errno));
	}

	x.start_ns = mono_ns();
	pcp_client_start(&x.c, x.start_ns);
	ret = loop(&x, sfd, 0);
	if (ret <= 1) {
		/* 0: the last answer granted the mapping we still hold */
		ret = x.deadline_stop || !x.c.map.valid || !x.c.have_last ||
		      x.c.last.result != PCP_RES_SUCCESS;
		/* delete what we hold, wait a moment for the answer */
		if (x.c.map.valid &&
		    (pcp_client_release_send(&x.c, mono_ns()) & PCP_EV_TX))
			loop(&x, sfd, mono_ns() + RELEASE_WAIT_MS * 1000000ULL);
		print_summary(&x);
	}
	close(sfd);
	pcp_client_close(&x.c);
	return ret;
}

static int pcp_run(int argc, char **argv)
{
	if (argc == 0 || !kw_is(argv[0], "map")) {
		if (argc == 0)
			pcp_usage(stderr);
		else
			dslitectl_err(DSLITECTL_EXIT_USAGE, "pcp",
				      "unknown command \"%s\" (try \"dslitectl pcp help\")",
				      argv[0]);
		return DSLITECTL_EXIT_USAGE;
	}
	return pcp_map(argc - 1, argv + 1);
}

const struct dslitectl_object obj_pcp = {
	.name		= "pcp",
	.summary	= "PCP MAP client: check an AFTR's PCP server",
	.run		= pcp_run,
	.usage		= pcp_usage,
};
