// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the control socket, "b4 status" and "b4 metrics".
 *
 * The daemon listens on the UNIX stream socket B4_CTL_DIR/IFNAME.sock
 * (IFNAME: its first tunnel) when it runs in PID 1's network namespace,
 * and on B4_CTL_DIR/COOKIE/IFNAME.sock in any other (COOKIE: the
 * namespace's SO_NETNS_COOKIE, never reused), so "ip netns exec NS
 * dslitectl b4 status" finds the daemon of that namespace. The
 * directories are created 0700 and must be directories (not symbolic
 * links) owned by root or the daemon's user and writable by nobody else;
 * the socket is 0600. IFNAME.lock beside it, held with flock() for the
 * daemon's life, is the lock against a second daemon on the same tunnel;
 * the holder removes a stale socket of its own user (a daemon killed with
 * SIGKILL leaves one) and refuses anything else at that path. The server
 * itself is user/ctl_server.c, shared with the AFTR's health supervisor.
 *
 * Both ends check SO_PEERCRED: the daemon answers only root and its own
 * user; "b4 status" trusts only a daemon running as root or as itself.
 *
 * Protocol: the client sends one line, "status", "status json",
 * "status json pretty" or "metrics"; the daemon answers with the report
 * (the metrics: b4/metrics.c) or one line "error: WHY", and closes. A
 * request is buffered per client until its newline: at most
 * CTL_SRV_REQ_MAX bytes and CTL_SRV_TIMEOUT_NS after the connection, else the client is
 * dropped; when every slot is taken a new client takes the oldest one's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "dslitectl.h"
#include "ctl_client.h"
#include "ctl_server.h"
#include "b4.h"
#include "json.h"
#include "metrics.h"

static const struct ctl_server b4_ctl_server = {
	.name = "b4 daemon",
	.short_name = "daemon",
	.base = B4_CTL_DIR,
};

/* the daemon's side of the shared server (ctl_server.c) */
static int ctl_watch(struct ctl_srv *c, int slot, int fd)
{
	struct b4_daemon *d = c->owner;

	return b4_watch_add(d, &d->client_w[slot], fd, b4_ctl_client_cb);
}

static void ctl_unwatch(struct ctl_srv *c, int slot, int fd)
{
	struct b4_daemon *d = c->owner;

	(void)fd;
	b4_watch_del(d, &d->client_w[slot]);
}

static void ctl_answer(struct ctl_srv *c, const char *req, FILE *f);

static const struct ctl_srv_ops b4_ctl_ops = {
	.watch = ctl_watch,
	.unwatch = ctl_unwatch,
	.answer = ctl_answer,
};

int b4_ctl_listen(struct b4_daemon *d, char *e, size_t elen)
{
	d->ctl = calloc(1, sizeof(*d->ctl));
	if (!d->ctl) {
		snprintf(e, elen, "control socket: %s", strerror(ENOMEM));
		return -1;
	}
	ctl_srv_init(d->ctl, &b4_ctl_server, &b4_ctl_ops, d);
	if (ctl_srv_listen(d->ctl, d->tun[0].link.name, e, elen))
		return -1;
	d->ctlfd = d->ctl->fd;
	return 0;
}

void b4_ctl_accept(struct b4_daemon *d)
{
	ctl_srv_accept(d->ctl);
}

void b4_ctl_client_cb(struct b4_daemon *d, struct b4_watch *w,
		      uint32_t events)
{
	(void)events;
	ctl_srv_read(d->ctl, w - d->client_w);
}

void b4_ctl_expire(struct b4_daemon *d, uint64_t now)
{
	if (d->ctl)
		ctl_srv_expire(d->ctl, now);
}

void b4_ctl_close(struct b4_daemon *d)
{
	if (!d->ctl)
		return;
	ctl_srv_close(d->ctl);
	d->ctlfd = -1;
	free(d->ctl);
	d->ctl = NULL;
}

/* ------------------------------------------------------------------ */
/* The report: through json.h's print layer, one call per field for text
 * and JSON, as every other command prints. */

static void report_tunnel(struct b4_daemon *d, int t)
{
	struct b4_tunnel *tun = &d->tun[t];
	struct tunnel_info info = {};
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool found = false;

	if (!d->no_module && !tun->gone)
		b4_fo_tunnel_get(d, t, &info, &found);

	print_open_object(NULL);
	print_name("dev", "  tunnel %s:", tun->link.name);
	print_uint("ifindex", NULL, tun->link.ifindex);
	print_name("local", " local %s", b4_addr_str(&tun->link.local, a));
	print_name("remote", " remote %s", b4_addr_str(&tun->link.remote, b));
	if (found) {
		print_bool("carrier", " carrier %s", info.carrier, "up",
			   "down");
		print_name("forced", " forced %s", forced_name(info.forced));
		print_name("diagnostic", " diag %s",
			   bfd_diag_short(info.diag));
		/* quoted and escaped as tunnel show does */
		print_quoted("reason", " reason %s",
			     info.reason[0] ? info.reason : NULL);
		print_uint("transitions", " transitions %" PRIu64,
			   info.transitions);
	} else if (tun->gone) {
		/* the words of the kernel or of the daemon, with a name */
		print_text_name(" gone (%s): waiting for it", tun->gone_why);
	} else if (d->no_module) {
		print_text(" module not loaded: carrier not forced");
	} else {
		print_text(" (dslite.ko: %s)", strerror(d->genl.err.err));
	}
	print_bool("gone", NULL, tun->gone, NULL, NULL);
	print_bool("module-loaded", NULL, !d->no_module, NULL, NULL);
	print_text("\n");
	print_close_object();
}

/*
 * report_open(valid, key, text): a record, opened as object key when it
 * exists (valid: returns true); else JSON null, text "  TEXT: none"
 * (returns false).
 */
static bool report_open(bool valid, const char *key, const char *text)
{
	if (valid) {
		print_open_object(key);
		return true;
	}
	print_null(key);
	print_text("  %s: none\n", text);
	return false;
}

/* the last WAN change (b4/wan.c) */
static void report_wan(struct b4_daemon *d, uint64_t now_rt)
{
	const struct b4_wan_change *w = &d->last_wan;
	char a[INET6_ADDRSTRLEN];

	if (!report_open(w->valid, "last-wan-change", "last WAN change"))
		return;
	print_name("kind", "  last WAN change: %s", w->kind);
	print_name("dev", " of %s", w->dev);
	print_name("old-local", ": local %s", b4_addr_str(&w->old_local, a));
	print_name("new-local", " -> %s", b4_addr_str(&w->new_local, a));
	print_name("old-remote", ", remote %s",
		   b4_addr_str(&w->old_remote, a));
	print_name("new-remote", " -> %s", b4_addr_str(&w->new_remote, a));
	print_uint("old-ifindex", ", ifindex %" PRIu64, w->old_ifindex);
	print_uint("new-ifindex", " -> %" PRIu64, w->new_ifindex);
	print_bool("admin-down-sent", ", AdminDown to the old sessions %s",
		   w->admin_down_sent, "sent", "not sent");
	print_uint("gone-ms", NULL, w->gone_ms);
	print_uint("at-ms", NULL, w->at_rt_ms);
	print_uint("ago-ms", ", %" PRIu64 " ms ago", now_rt - w->at_rt_ms);
	print_text("\n");
	print_close_object();
}

static void report_switch(struct b4_daemon *d, uint64_t now_rt)
{
	const struct b4_switch *l = &d->last;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!report_open(l->valid, "last-failover", "last failover"))
		return;
	print_name("kind", "  last %s:", b4_switch_name(l->kind));
	print_name("from", " %s", l->from >= 0 ?
		   b4_addr_str(&l->from_addr, a) : NULL);
	print_name("to", " -> %s", l->up_ns ? b4_addr_str(&l->to_addr, b) :
		   NULL);
	print_name("diagnostic", ", diag %s", bfd_diag_short(l->diag));
	print_uint("ago-ms", ", %" PRIu64 " ms ago", now_rt - l->detect_rt_ms);
	if (l->last_rx_rt_ms) {
		print_uint("last-rx-at-ms", NULL, l->last_rx_rt_ms);
		print_uint("detection-ms", ", detected %" PRIu64
			   " ms after the last packet",
			   l->detect_rt_ms - l->last_rx_rt_ms);
	}
	print_uint("detected-at-ms", NULL, l->detect_rt_ms);
	print_uint("carrier-down-at-ms", NULL, l->down_rt_ms);
	print_uint("carrier-down-us", ", carrier down %" PRIu64 " us later",
		   (l->down_ns - l->detect_ns) / 1000);
	if (l->up_ns) {
		print_uint("carrier-up-at-ms", NULL, l->up_rt_ms);
		print_uint("outage-ms", ", outage %" PRIu64 " ms",
			   (l->up_ns - l->detect_ns) / 1000000 +
			   (l->last_rx_rt_ms ?
			    l->detect_rt_ms - l->last_rx_rt_ms : 0));
	} else {
		print_null("outage-ms");
		print_text(", still down");
	}
	print_text("\n");
	print_close_object();
}

static void report_aftr_change(struct b4_daemon *d, uint64_t now_rt)
{
	const struct b4_aftr_change *l = &d->last_change;
	char a[INET6_ADDRSTRLEN];

	if (!report_open(l->valid, "last-aftr-change", "last AFTR change"))
		return;
	print_name("peer", "  last AFTR change: aftr %s",
		   b4_addr_str(&l->addr, a));
	print_uint("old-node-id", ", node %" PRIu64, B4_NODE_ID(l->old_discr));
	print_uint("new-node-id", " -> node %" PRIu64,
		   B4_NODE_ID(l->new_discr));
	print_uint("old-remote-id", " (remote-id %" PRIu64, l->old_discr);
	print_uint("new-remote-id", " -> %" PRIu64 ")", l->new_discr);
	print_uint("at-ms", NULL, l->at_rt_ms);
	print_uint("ago-ms", ", %" PRIu64 " ms ago", now_rt - l->at_rt_ms);
	print_text("\n");
	print_close_object();
}

/* the window of the ping health method, oldest first: '.' answered,
 * 'x' lost */
static void ping_window(const struct b4_ping *p, char *buf)
{
	int k, n = p->n_window;

	for (k = 0; k < n; k++)
		buf[k] = p->window & (1u << (n - 1 - k)) ? 'x' : '.';
	buf[n] = '\0';
}

static void report_ping(struct b4_daemon *d, int i, uint64_t now)
{
	const struct b4_ping *p = &d->cand[i].ping;
	bool ok = b4_ok(&d->cand[i], B4_METHOD_PING);
	char w[B4_PING_WINDOW_MAX + 1];

	ping_window(p, w);
	print_open_object("ping");
	print_bool("ok", "    ping %s", ok, "ok", "failing");
	print_name("reason", ok ? NULL : " (%s)", ok ? NULL : p->reason);
	print_uint("sent", ": sent %" PRIu64, p->sent);
	print_uint("received", " received %" PRIu64, p->received);
	print_uint("lost", " lost %" PRIu64, p->lost);
	print_uint("others", " others %" PRIu64, p->others);
	print_uint("send-errors", " send errors %" PRIu64, p->tx_errors);
	print_text("\n");
	print_name("window", "    ping window [%s]", w);
	print_uint("window-lost", " lost %" PRIu64,
		   __builtin_popcount(p->window & (p->n_window >= 32 ? ~0u :
						   (1u << p->n_window) - 1)));
	print_uint("window-size", " of %" PRIu64, p->n_window);
	print_uint("loss-threshold", " (unhealthy at %" PRIu64,
		   d->cfg.ping_loss_n);
	print_uint("loss-window", "/%" PRIu64 ")", d->cfg.ping_loss_m);
	if (p->received) {
		print_uint("last-rtt-us", ", last rtt %" PRIu64 " us",
			   p->last_rtt_ns / 1000);
		print_uint("last-reply-ago-ms",
			   ", last reply %" PRIu64 " ms ago",
			   (now - p->last_rx_ns) / 1000000);
	} else {
		print_nulls("last-rtt-us", "last-reply-ago-ms", NULL);
	}
	print_text("\n");
	print_close_object();
}

/* the echo health method (RFC 9747): "    echo up: sent ... ttl-refused N" */
static void report_echo(struct b4_daemon *d, int i, uint64_t now)
{
	const struct b4_echo *e = &d->cand[i].echo;
	bool ok = b4_ok(&d->cand[i], B4_METHOD_ECHO);
	char why[128];

	b4_echo_why(e, e->mult, why, sizeof(why));
	print_open_object("echo");
	print_bool("ok", "    echo %s", ok, "ok", "failing");
	print_name("state", " (%s", bfd_status_name(e->state));
	print_name("diagnostic", ", diag %s)", bfd_diag_short(e->diag));
	print_name("reason", ok ? NULL : " (%s)", ok ? NULL : why);
	print_uint("interval-ms", ", interval %" PRIu64 " ms",
		   e->ival_us / 1000);
	print_uint("remote-min-echo-rx-us", ", AFTR's min echo rx %" PRIu64
		   " us", d->cand[i].s.bfd.remote_echo_rx);
	print_bool("refused-by-aftr", NULL, e->refused, "", "");
	print_text("\n");
	print_uint("sent", "    echo sent %" PRIu64, e->sent);
	print_uint("received", " received %" PRIu64, e->received);
	print_uint("late", " late %" PRIu64, e->late);
	print_uint("ttl-refused", " ttl-refused %" PRIu64, e->ttl_refused);
	print_uint("others", " others %" PRIu64, e->others);
	print_uint("failures", " failures %" PRIu64, e->failures);
	print_uint("send-errors", " send errors %" PRIu64, e->tx_errors);
	print_name("last-send-error", e->tx_errors ? " (%s)" : NULL,
		   e->tx_errors ? strerror(e->last_tx_errno) : NULL);
	if (e->received) {
		print_uint("last-rtt-us", ", last rtt %" PRIu64 " us",
			   e->last_rtt_ns / 1000);
		print_uint("last-rx-ago-ms", ", last %" PRIu64 " ms ago",
			   (now - e->last_rx_ns) / 1000000);
	} else {
		print_nulls("last-rtt-us", "last-rx-ago-ms", NULL);
	}
	print_text("\n");
	print_close_object();
}

static uint64_t ms_left(uint64_t t, uint64_t now)
{
	return t > now ? (t - now) / 1000000 : 0;
}

/* a counter whose JSON key is its word in text: " PREFIXKEY N" */
static void print_counter(const char *prefix, const char *key, uint64_t v)
{
	char fmt[64];

	snprintf(fmt, sizeof(fmt), " %s%s %%" PRIu64, prefix, key);
	print_uint(key, fmt, v);
}

/* the PCP client's state and its mapping: "    pcp ok: ... epoch N" */
static void report_pcp_mapping(struct b4_daemon *d, int i, uint64_t now)
{
	const struct b4_pcp *p = &d->cand[i].pcp;
	bool ok = b4_ok(&d->cand[i], B4_METHOD_PCP);
	const struct pcp_client *cl = &p->cl;
	const struct pcp_mapping *m = pcp_client_mapping(cl);
	bool plain = d->cfg.pcp_mode == PCP_MODE_PLAIN;
	char a[INET6_ADDRSTRLEN];

	print_bool("ok", "    pcp %s", ok, "ok", "failing");
	print_name("reason", ok ? NULL : " (%s)", ok ? NULL : p->reason);
	print_name("state", ": %s", pcp_state_name(pcp_client_state(cl)));
	print_name("health", NULL, pcp_health_name(pcp_client_health(cl)));
	print_name("down-reason", NULL,
		   pcp_client_health(cl) == PCP_HEALTH_DOWN ?
		   pcp_down_name(pcp_client_down_reason(cl)) : NULL);
	print_name("mode", ", %s", pcp_mode_name(d->cfg.pcp_mode));
	print_name("server", plain ? " to %s" : NULL,
		   plain ? b4_addr_str(&p->server, a) : NULL);
	print_uint("internal-port", ", 192.0.0.2:%" PRIu64, d->pcp_port);
	if (m->valid) {
		print_name("external-address", " -> %s",
			   pcp_addr_str(&m->external_addr, a));
		print_uint("external-port", ":%" PRIu64, m->external_port);
		print_uint("lifetime", " lifetime %" PRIu64 " s", m->lifetime);
		print_uint("lifetime-left-ms", " (%" PRIu64 " ms left",
			   ms_left(m->expires_ns, now));
		print_uint("renew-in-ms", ", renewal in %" PRIu64 " ms)",
			   ms_left(m->renew_ns, now));
		print_uint("epoch", " epoch %" PRIu64, m->epoch);
	} else {
		print_text(" not mapped");
		print_nulls("external-address", "external-port", "lifetime",
			    "lifetime-left-ms", "renew-in-ms", "epoch", NULL);
	}
	print_text("\n");
}

/* the mtu health method (RFC 9764): "    mtu ok: probes 1452 bytes ..." */
static void report_mtu(struct b4_daemon *d, int i, uint64_t now)
{
	const struct b4_cand *c = &d->cand[i];
	const struct b4_mtu *m = &c->mtu;
	bool ok = b4_ok(c, B4_METHOD_MTU);
	char why[128];

	b4_mtu_why(m, now, c->s.last_rx_ns, why, sizeof(why));
	print_open_object("mtu");
	print_bool("ok", "    mtu %s", ok, "ok", "failing");
	print_quoted("reason", ok ? NULL : " (%s)", ok ? NULL : why);
	print_uint("size", ": probes %" PRIu64 " bytes", m->size);
	print_bool("size-from-tunnel", NULL, !d->cfg.mtu_size, "", "");
	print_uint("interval-ms", ", interval %" PRIu64 " ms", m->ival_ms);
	print_uint("multiplier", ", multiplier %" PRIu64, m->mult);
	print_text("\n");
	print_uint("sent", "    mtu probes sent %" PRIu64, m->sent);
	print_uint("answered", " answered %" PRIu64, m->answered);
	print_uint("short", " short %" PRIu64, m->short_answered);
	print_uint("send-errors", " send errors %" PRIu64, m->tx_errors);
	print_name("last-send-error", m->last_tx_errno ? " (%s)" : NULL,
		   m->last_tx_errno ? strerror(m->last_tx_errno) : NULL);
	if (m->last_ok_ns)
		print_uint("last-answer-ago-ms", ", last answer %" PRIu64
			   " ms ago", (now - m->last_ok_ns) / 1000000);
	else
		print_null("last-answer-ago-ms");
	print_text("\n");
	print_close_object();
}

/* the PCP client's last answer and counters */
static void report_pcp_counters(const struct pcp_client *cl, uint64_t now)
{
	const struct pcp_counters *n = pcp_client_counters(cl);
	const struct pcp_map_msg *last = pcp_client_last(cl);
	unsigned int k;

	if (last) {
		print_name("last-result", "    pcp last answer %s",
			   pcp_result_name(last->result) ?
			   pcp_result_name(last->result) : "unknown");
		print_uint("last-result-code", " (%" PRIu64 ")", last->result);
		print_uint("last-epoch", " epoch %" PRIu64, last->epoch);
		print_uint("last-rtt-us", ", rtt %" PRIu64 " us",
			   cl->last_rtt_ns / 1000);
		print_uint("last-answer-ago-ms", ", %" PRIu64 " ms ago",
			   (now - cl->last_rx_ns) / 1000000);
		print_text("\n");
	} else {
		print_nulls("last-result", "last-result-code", "last-epoch",
			    "last-rtt-us", "last-answer-ago-ms", NULL);
	}
	print_uint("requests", "    pcp requests %" PRIu64, n->tx_requests);
	print_uint("retransmits", " (retransmits %" PRIu64, n->tx_retransmits);
	print_uint("send-errors", ", send errors %" PRIu64 ")", n->tx_errors);
	print_uint("answers", " answers %" PRIu64, n->rx_responses);
	print_uint("malformed", " malformed %" PRIu64, n->rx_malformed);
	print_uint("icmp-errors", " icmp errors %" PRIu64, n->rx_errors);
	print_uint("mappings", " mappings %" PRIu64, n->mappings);
	print_uint("renewals", " renewals %" PRIu64, n->renewals);
	print_uint("epoch-resets", " epoch resets %" PRIu64, n->epoch_resets);
	print_uint("deadlines", " deadlines %" PRIu64, n->deadlines);
	print_uint("expired", " expired %" PRIu64, n->expired);
	print_uint("down", " down %" PRIu64, n->down);
	print_text("\n");
	/* the non-zero per-result and per-reason counters */
	print_open_object("results");
	print_text("    pcp results:%s", n->rx_responses ? "" : " none");
	for (k = 0; k < PCP_RES_MAX + 2; k++) {
		const char *name = k <= PCP_RES_MAX ? pcp_result_name(k) : NULL;

		if (n->rx_result[k])
			print_counter("", name ? name : "other",
				      n->rx_result[k]);
	}
	print_close_object();
	print_open_object("malformed-by-reason");
	for (k = 1; k < PCP_BAD__MAX; k++)
		if (n->rx_bad[k])
			print_counter("malformed-", pcp_bad_name(k),
				      n->rx_bad[k]);
	print_close_object();
	print_text("\n");
}

static void report_pcp(struct b4_daemon *d, int i, uint64_t now)
{
	print_open_object("pcp");
	report_pcp_mapping(d, i, now);
	report_pcp_counters(&d->cand[i].pcp.cl, now);
	print_close_object();
}

static void report_health(struct b4_daemon *d, int i, uint64_t now)
{
	const struct b4_cand *c = &d->cand[i];
	char h[B4_HEALTH_STR_MAX];

	print_bool("healthy", "    health %s", b4_cand_usable(d, i),
		   "healthy", "unhealthy");
	print_name("health", " (%s)", b4_health_str(&c->health, h));
	print_text("\n");
	if (c->health.methods & B4_M_PING)
		report_ping(d, i, now);
	else
		print_null("ping");
	if (c->health.methods & B4_M_PCP)
		report_pcp(d, i, now);
	else
		print_null("pcp");
	if (c->health.methods & B4_M_ECHO)
		report_echo(d, i, now);
	else
		print_null("echo");
	if (c->health.methods & B4_M_MTU)
		report_mtu(d, i, now);
	else
		print_null("mtu");
}

/* a peer's BFD session: "    id ... diag NAME remote-diag NAME" */
static void report_session(const struct b4_cand *c, uint64_t now)
{
	const struct bfd_session *b = &c->s.bfd;
	uint64_t since = (now - c->s.changed_ns) / 1000000000ULL;

	print_uint("id", "    id %" PRIu64, b->local_discr);
	print_uint("remote-id", " remote-id %" PRIu64, b->remote_discr);
	if (b->remote_discr)
		print_uint("node-id", " (node %" PRIu64 ")",
			   b->remote_discr >> 24);
	print_name("status", " status %s", bfd_status_name(b->state));
	print_name("remote-status", " remote-status %s",
		   b->remote_discr ? bfd_status_name(b->remote_state) : NULL);
	if (b->state == BFD_STATE_UP)
		print_uint("uptime", " uptime %" PRIu64 "s", since);
	else
		print_uint("downtime", " downtime %" PRIu64 "s", since);
	print_uint("last-change-at-ms", NULL, c->s.changed_rt_ms);
	/* FRR's texts in JSON, dslitectl's names in text */
	print_string("diagnostic", NULL, bfd_diag_name(b->diag));
	print_string("remote-diagnostic", NULL, bfd_diag_name(b->remote_diag));
	print_text(" diag %s remote-diag %s", bfd_diag_short(b->diag),
		   bfd_diag_short(b->remote_diag));
	print_text("\n");
}

/* a peer's timers and counters */
static void report_timers(const struct b4_cand *c)
{
	const struct bfd_session *b = &c->s.bfd;

	print_uint("receive-interval", "    receive-interval %" PRIu64 " ms",
		   b->rx / 1000);
	print_uint("transmit-interval", " transmit-interval %" PRIu64 " ms",
		   b->tx / 1000);
	print_uint("detect-multiplier", " detect-multiplier %" PRIu64,
		   b->detect_mult);
	print_text("\n");
	print_uint("remote-receive-interval",
		   "    remote: receive-interval %" PRIu64 " ms",
		   b->remote_rx / 1000);
	print_uint("remote-transmit-interval",
		   " transmit-interval %" PRIu64 " ms", b->remote_tx / 1000);
	print_uint("remote-detect-multiplier", " detect-multiplier %" PRIu64,
		   b->remote_mult);
	print_text("\n");
	print_uint("negotiated-transmit-interval",
		   "    negotiated: transmit-interval %" PRIu64 " ms",
		   bfd_tx_interval_us(b) / 1000);
	print_uint("detection-time", " detection-time %" PRIu64 " ms",
		   bfd_detect_time_us(b) / 1000);
	print_bool("poll", " poll %s", b->flags & BFD_SF_POLL, "running",
		   "idle");
	print_text("\n");
	print_uint("packets-sent", "    packets sent %" PRIu64,
		   c->s.tx_packets);
	print_uint("packets-received", " received %" PRIu64, c->s.rx_packets);
	print_uint("packets-dropped", " dropped %" PRIu64, c->s.rx_dropped);
	print_uint("send-errors", " send errors %" PRIu64, c->s.tx_errors);
	if (c->s.last_tx_errno)
		print_name("last-send-error", " (%s)",
			   strerror(c->s.last_tx_errno));
	print_uint("stalls", " stalls %" PRIu64, c->s.stalls);
	print_text("\n");
	print_string("role", "    role %s", bfd_role_name(bfd_role(b)));
	if (c->s.pad) {
		char r[120];

		print_uint("pad", " pad %" PRIu64 " bytes", c->s.pad);
		print_uint("answers-short", " answers short %" PRIu64,
			   c->s.rx_short);
		b4_bfd_reason(c, r, sizeof(r));
		print_quoted("bfd-reason", " (%s)", r);
	}
	print_text("\n");
}

static void report_peer(struct b4_daemon *d, int i, uint64_t now)
{
	const struct b4_cand *c = &d->cand[i];
	char a[INET6_ADDRSTRLEN], l[INET6_ADDRSTRLEN];

	print_open_object(NULL);
	print_name("peer", "aftr %s", b4_addr_str(&c->addr, a));
	print_name("local", NULL, b4_addr_str(&d->tun[c->tun].link.local, l));
	print_name("interface", NULL, d->tun[c->tun].link.name);
	print_bool("active", ": %s", i == d->active, "active", "standby");
	print_name("path", ", %s path",
		   c->path == B4_PATH_TUNNEL ? "tunnel" : "direct");
	print_uint("preference", " (preference %" PRIu64, (uint64_t)i + 1);
	print_name("origin", ", from %s)", c->origin);
	print_text("\n");
	report_session(c, now);
	report_timers(c);
	report_health(d, i, now);
	print_close_object();
}

/* the daemon's configuration, the second line */
static void report_config(struct b4_daemon *d)
{
	print_uint("interval", "  timers: interval %" PRIu64 " ms",
		   d->cfg.interval_ms);
	print_uint("standby-interval", ", standby-interval %" PRIu64 " ms",
		   b4_standby_ms(&d->cfg));
	print_uint("detect-multiplier", ", multiplier %" PRIu64,
		   d->cfg.multiplier);
	if (b4_config_uses(&d->cfg, B4_M_PING)) {
		print_uint("ping-interval", ", ping-interval %" PRIu64 " ms",
			   d->cfg.ping_interval_ms);
		print_uint("ping-loss", ", ping-loss %" PRIu64,
			   d->cfg.ping_loss_n);
		print_uint("ping-loss-window", "/%" PRIu64,
			   d->cfg.ping_loss_m);
	} else {
		print_nulls("ping-interval", "ping-loss", "ping-loss-window",
			    NULL);
	}
	if (b4_config_uses(&d->cfg, B4_M_ECHO)) {
		print_uint("echo-interval", ", echo-interval %" PRIu64 " ms",
			   d->cfg.echo_interval_ms);
		print_uint("echo-multiplier", ", echo-multiplier %" PRIu64,
			   d->cfg.echo_multiplier);
	} else {
		print_nulls("echo-interval", "echo-multiplier", NULL);
	}
	if (b4_config_uses(&d->cfg, B4_M_MTU)) {
		if (d->cfg.mtu_size)
			print_uint("mtu-size", ", mtu-size %" PRIu64,
				   d->cfg.mtu_size);
		else
			print_string("mtu-size", ", mtu-size %s", "mtu");
		print_uint("mtu-interval", ", mtu-interval %" PRIu64 " ms",
			   d->cfg.mtu_interval_ms);
		print_uint("mtu-multiplier", ", mtu-multiplier %" PRIu64,
			   d->cfg.mtu_multiplier);
	} else {
		print_nulls("mtu-size", "mtu-interval", "mtu-multiplier",
			    NULL);
	}
	if (d->pcp_port) {
		print_name("pcp-mode", ", pcp-mode %s",
			   pcp_mode_name(d->cfg.pcp_mode));
		print_uint("pcp-port", ", pcp-port %" PRIu64, d->pcp_port);
		print_uint("pcp-lifetime", ", pcp-lifetime %" PRIu64 " s",
			   d->cfg.pcp_lifetime_s);
		print_uint("pcp-deadline", ", pcp-deadline %" PRIu64 " ms",
			   d->cfg.pcp_deadline_ms);
		print_uint("pcp-failures", ", pcp-failures %" PRIu64,
			   d->cfg.pcp_failures);
		print_uint("pcp-interval", ", pcp-interval %" PRIu64 " ms",
			   d->cfg.pcp_interval_ms);
	} else {
		print_nulls("pcp-mode", "pcp-port", "pcp-lifetime",
			    "pcp-deadline", "pcp-failures", "pcp-interval",
			    NULL);
	}
}

static void report(struct b4_daemon *d)
{
	uint64_t now = mono_ns(), now_rt = realtime_ms();
	char a[INET6_ADDRSTRLEN], h[B4_HEALTH_STR_MAX];
	int i;

	print_open_object(NULL);
	print_name("dev", "%s:", b4_dev_name(d));
	print_bool("up", " %s", d->up, "up", "down");
	print_name("active", " via %s", d->active >= 0 ?
		   b4_addr_str(&d->cand[d->active].addr, a) : NULL);
	/* JSON has it always ("none" while up), text only while down */
	print_name("diagnostic", d->up ? NULL : ", diag %s",
		   bfd_diag_short(d->up ? BFD_DIAG_NONE : d->down_diag));
	print_name("failover", ", failover %s",
		   d->cfg.mode == B4_MODE_REPOINT ? "repoint" : "carrier");
	print_bool("preempt", ", preempt %s", d->cfg.preempt, "on", "off");
	print_uint("hold-down", ", hold-down %" PRIu64 "s",
		   d->cfg.hold_down_s);
	print_name("health", ", health %s", b4_health_str(&d->cfg.health, h));
	print_text("\n");
	report_config(d);
	print_uint("failovers", ", failovers %" PRIu64, d->n_failovers);
	print_uint("aftr-changes", ", AFTR changes %" PRIu64,
		   d->n_aftr_changes);
	print_uint("wan-changes", ", WAN changes %" PRIu64, d->n_wan_changes);
	print_bool("module-loaded", d->no_module ?
		   ", module not loaded: carrier not forced" : NULL,
		   !d->no_module, "", "");
	print_uint("pid", ", pid %" PRIu64, (uint64_t)getpid());
	print_text("\n");
	report_switch(d, now_rt);
	report_aftr_change(d, now_rt);
	report_wan(d, now_rt);

	print_open_array("tunnels");
	for (i = 0; i < d->n_tun; i++)
		report_tunnel(d, i);
	print_close_array();
	print_open_array("peers");
	for (i = 0; i < d->n_cand; i++)
		report_peer(d, i, now);
	print_close_array();
	print_close_object();
	if (print_is_json())
		print_end();
}

/*
 * ctl_answer(d, req, f): the answer to one request, written to f. The
 * print layer writes to f meanwhile and goes back to stdout after.
 */
static void ctl_answer(struct ctl_srv *c, const char *req, FILE *f)
{
	struct b4_daemon *d = c->owner;

	if (kw_is(req, "metrics")) {
		b4_metrics_render(d, f);
		return;
	}
	if (kw_is(req, "status")) {
		print_init_stream(f, false, false);
	} else if (kw_is(req, "status json") ||
		   kw_is(req, "status json pretty")) {
		print_init_stream(f, true, strstr(req, "pretty") != NULL);
	} else {
		fprintf(f, "error: unknown request\n");
		return;
	}
	report(d);
	print_init(dslitectl_opts.json, dslitectl_opts.pretty);
}

/* ------------------------------------------------------------------ */
/* The client: dslitectl [-j] b4 status [dev IFNAME] */

/* status_args(what, argc, argv, dev): "dev IFNAME", if given. */
static int status_args(const char *what, int argc, char **argv,
		       char dev[IFNAMSIZ])
{
	for (; argc > 0; argc -= 2, argv += 2) {
		if (!kw_is(argv[0], "dev"))
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "unexpected argument \"%s\" (try \"dslitectl b4 help\")",
					     argv[0]);
		if (need_arg(what, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		if (dev[0])
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "\"dev\" given twice");
		if (parse_ifname(what, argv[1], dev))
			return DSLITECTL_EXIT_USAGE;
	}
	return 0;
}

/*
 * status_find(what, dir, dev): the tunnel of the one daemon whose socket
 * is in dir. Returns 0 or an exit code (the error printed).
 */
static int status_find(const char *what, const char *dir, char dev[IFNAMSIZ])
{
	char names[8][IFNAMSIZ], list[8 * (IFNAMSIZ + 2)] = "";
	int n, i;

	n = ctl_find(dir, names, 8);
	if (n == -EACCES)
		return ctl_no_access(what, &b4_ctl_server, dir, EACCES);
	if (n <= 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "no b4 daemon runs in this network namespace");
	if (n > 1) {
		for (i = 0; i < n; i++) {
			strcat(list, i ? ", " : "");
			strcat(list, names[i]);
		}
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "several b4 daemons run (%s): give \"dev IFNAME\"",
				     list);
	}
	snprintf(dev, IFNAMSIZ, "%s", names[0]);
	return 0;
}

int b4_status(int argc, char **argv)
{
	const char *what = "b4 status";
	char dev[IFNAMSIZ] = "", dir[64];
	const char *req;
	bool ns_dir;
	int r;

	r = status_args(what, argc, argv, dev);
	if (r)
		return r;
	if (!dslitectl_opts.json)
		req = "status\n";
	else if (dslitectl_opts.pretty)
		req = "status json pretty\n";
	else
		req = "status json\n";
	r = ctl_dir(&b4_ctl_server, dir, sizeof(dir), &ns_dir);
	if (r == -EACCES || r == -EPERM)
		return ctl_no_access(what, &b4_ctl_server, "/proc/1/ns/net", -r);
	if (r)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "which network namespace: %s",
				     strerror(-r));
	r = dev[0] ? 0 : status_find(what, dir, dev);
	if (r)
		return r;
	return ctl_ask(what, &b4_ctl_server, dir, dev, req, stdout);
}

/* ------------------------------------------------------------------ */
/* The client of "metrics": dslitectl b4 metrics [dev IFNAME], and the
 * B4 part of dslitectl metrics */

/* fetch_metrics(what, dir, dev, t): one daemon's metrics into t */
static int fetch_metrics(const char *what, const char *dir, const char *dev,
			 struct metrics_texts *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int fd, r;

	r = ctl_connect(what, &b4_ctl_server, dir, dev, &fd);
	if (r)
		return r;
	f = open_memstream(&buf, &len);
	if (!f) {
		close(fd);
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				     strerror(errno));
	}
	r = ctl_relay(what, &b4_ctl_server, dev, fd, "metrics\n", f);
	close(fd);
	fclose(f);
	if (!buf)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				     strerror(ENOMEM));
	if (r) {
		free(buf);
		return r;
	}
	if (metrics_texts_add(t, buf))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				     strerror(ENOMEM));
	return 0;
}

int b4_metrics_collect(const char *what, const char *dev,
		       struct metrics_texts *t, unsigned int *n_src)
{
	char names[8][IFNAMSIZ], dir[64];
	bool ns_dir;
	int n, i, r, ret = 0;

	r = ctl_dir(&b4_ctl_server, dir, sizeof(dir), &ns_dir);
	/* root that cannot tell its namespace (a confined container): no
	 * daemon can have bound a socket here either (b4_ctl_listen) */
	if ((r == -EACCES || r == -EPERM) && !geteuid() && !dev)
		return 0;
	if (r == -EACCES || r == -EPERM)
		return ctl_no_access(what, &b4_ctl_server, "/proc/1/ns/net", -r);
	if (r)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "which network namespace: %s",
				     strerror(-r));
	if (dev) {
		r = fetch_metrics(what, dir, dev, t);
		if (!r)
			(*n_src)++;
		return r;
	}
	n = ctl_find(dir, names, 8);
	if (n < 0)
		return ctl_no_access(what, &b4_ctl_server, dir, -n);
	for (i = 0; i < n; i++) {
		r = fetch_metrics(what, dir, names[i], t);
		if (!r)
			(*n_src)++;
		else if (!ret)
			ret = r;
	}
	return ret;
}

int b4_metrics(int argc, char **argv)
{
	const char *what = "b4 metrics";
	struct metrics_texts t = {};
	char dev[IFNAMSIZ] = "";
	unsigned int n = 0;
	size_t i;
	int r;

	r = status_args(what, argc, argv, dev);
	if (r)
		return r;
	r = b4_metrics_collect(what, dev[0] ? dev : NULL, &t, &n);
	if (!r && !n)
		r = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				  "no b4 daemon runs in this network namespace");
	if (t.n && metrics_merge(stdout, t.v, t.n) && !r)
		r = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				  strerror(ENOMEM));
	fflush(stdout);
	for (i = 0; i < t.n; i++)
		free(t.v[i]);
	free(t.v);
	return r;
}
