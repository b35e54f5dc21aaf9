// SPDX-License-Identifier: GPL-2.0
/*
 * The B4 daemon's metrics: the answer to the control socket's "metrics"
 * request (b4/ctl.c dispatches it), in the Prometheus text format
 * (user/metrics.h; every family in Documentation/metrics.md). Only what
 * the daemon keeps for "b4 status" anyway. Every sample has the label
 * dev (the daemon's first tunnel, its name on the control socket); the
 * per-AFTR ones also aftr (its address) and role (active or standby).
 */
#include <arpa/inet.h>

#include "dslitectl.h"
#include "b4.h"
#include "metrics.h"

#define P	"dslite_b4_"

static const char *role(const struct b4_daemon *d, int i)
{
	return i == d->active ? "active" : "standby";
}

/* a per-AFTR counter family, one sample per AFTR from field() */
static void per_aftr(const struct b4_daemon *d, FILE *f, const char *name,
		     const char *type, const char *help,
		     uint64_t (*field)(const struct b4_cand *c), uint8_t only)
{
	char a[INET6_ADDRSTRLEN];
	int i;

	metrics_head(f, name, type, help);
	for (i = 0; i < d->n_cand; i++) {
		const struct b4_cand *c = &d->cand[i];

		if (only && !(c->health.methods & only))
			continue;
		metrics_u64(f, name, field(c), "dev", b4_dev_name(d), "aftr",
			    b4_addr_str(&c->addr, a), "role", role(d, i), NULL);
	}
}

static uint64_t bfd_sent(const struct b4_cand *c) { return c->s.tx_packets; }
static uint64_t bfd_received(const struct b4_cand *c) { return c->s.rx_packets; }
static uint64_t bfd_dropped(const struct b4_cand *c) { return c->s.rx_dropped; }
static uint64_t bfd_errors(const struct b4_cand *c) { return c->s.tx_errors; }
static uint64_t ping_sent(const struct b4_cand *c) { return c->ping.sent; }
static uint64_t ping_received(const struct b4_cand *c) { return c->ping.received; }
static uint64_t ping_lost(const struct b4_cand *c) { return c->ping.lost; }
static uint64_t echo_sent(const struct b4_cand *c) { return c->echo.sent; }
static uint64_t echo_received(const struct b4_cand *c) { return c->echo.received; }
static uint64_t echo_late(const struct b4_cand *c) { return c->echo.late; }
static uint64_t echo_ttl_refused(const struct b4_cand *c) { return c->echo.ttl_refused; }
static uint64_t echo_failures(const struct b4_cand *c) { return c->echo.failures; }
static uint64_t mtu_sent(const struct b4_cand *c) { return c->mtu.sent; }
static uint64_t mtu_answered(const struct b4_cand *c) { return c->mtu.answered; }
static uint64_t mtu_short(const struct b4_cand *c) { return c->mtu.short_answered; }
static uint64_t mtu_errors(const struct b4_cand *c) { return c->mtu.tx_errors; }
static uint64_t mtu_size(const struct b4_cand *c) { return c->mtu.size; }
static uint64_t pcp_requests(const struct b4_cand *c)
{
	return pcp_client_counters(&c->pcp.cl)->tx_requests;
}

static void sessions(const struct b4_daemon *d, FILE *f)
{
	static const char *const states[] = {
		[BFD_STATE_ADMIN_DOWN] = "admin_down",
		[BFD_STATE_DOWN] = "down",
		[BFD_STATE_INIT] = "init",
		[BFD_STATE_UP] = "up",
	};
	char a[INET6_ADDRSTRLEN];
	unsigned int s;
	int i;

	metrics_head(f, P "bfd_session_state", "gauge",
		     "BFD session state per AFTR: 1 for the state the session is in, 0 for the others.");
	for (i = 0; i < d->n_cand; i++)
		for (s = 0; s < 4; s++)
			metrics_u64(f, P "bfd_session_state",
				    d->cand[i].s.bfd.state == s, "dev",
				    b4_dev_name(d), "aftr",
				    b4_addr_str(&d->cand[i].addr, a), "role",
				    role(d, i), "state", states[s], NULL);
}

static void health(const struct b4_daemon *d, FILE *f)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int m;
	int i;

	metrics_head(f, P "aftr_healthy", "gauge",
		     "1 when the AFTR is usable by its health setting (all or any of its methods).");
	for (i = 0; i < d->n_cand; i++)
		metrics_u64(f, P "aftr_healthy", b4_cand_usable(d, i), "dev",
			    b4_dev_name(d), "aftr",
			    b4_addr_str(&d->cand[i].addr, a), "role",
			    role(d, i), NULL);
	metrics_head(f, P "health_ok", "gauge",
		     "1 when the health method finds the AFTR healthy, per method the AFTR uses.");
	for (i = 0; i < d->n_cand; i++)
		for (m = 0; m < B4_METHOD_NR; m++)
			if (d->cand[i].health.methods & B4_M(m))
				metrics_u64(f, P "health_ok",
					    b4_ok(&d->cand[i], m), "dev",
					    b4_dev_name(d), "aftr",
					    b4_addr_str(&d->cand[i].addr, a),
					    "role", role(d, i), "method",
					    b4_methods[m]->name, NULL);
}

static void pcp_results(const struct b4_daemon *d, FILE *f)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int k;
	int i;

	metrics_head(f, P "pcp_results_total", "counter",
		     "Valid PCP answers per result code (RFC 6887 names, \"other\" for unknown codes).");
	for (i = 0; i < d->n_cand; i++) {
		const struct pcp_counters *n;

		if (!(d->cand[i].health.methods & B4_M_PCP))
			continue;
		n = pcp_client_counters(&d->cand[i].pcp.cl);
		for (k = 0; k < PCP_RES_MAX + 2; k++) {
			const char *name = k <= PCP_RES_MAX ?
					   pcp_result_name(k) : NULL;

			if (k <= PCP_RES_MAX && !name)
				continue;	/* a code RFC 6887 leaves unused */
			metrics_u64(f, P "pcp_results_total", n->rx_result[k],
				    "dev", b4_dev_name(d), "aftr",
				    b4_addr_str(&d->cand[i].addr, a), "role",
				    role(d, i), "result", name ? name : "other",
				    NULL);
		}
	}
}

/* the last failover's detection time and outage, while there is one */
static void last_switch(const struct b4_daemon *d, FILE *f)
{
	const struct b4_switch *l = &d->last;
	const char *dev = b4_dev_name(d);

	metrics_head(f, P "last_failover_timestamp_seconds", "gauge",
		     "When the last failover (or preemption, or recovery) was detected, Unix time.");
	if (l->valid)
		metrics_sec(f, P "last_failover_timestamp_seconds",
			    l->detect_rt_ms / 1000.0, "dev", dev, "kind",
			    b4_switch_name(l->kind), NULL);
	metrics_head(f, P "last_detection_seconds", "gauge",
		     "Time from the last packet of the AFTR left to the detection of its failure, last failover.");
	if (l->valid && l->last_rx_rt_ms)
		metrics_sec(f, P "last_detection_seconds",
			    (l->detect_rt_ms - l->last_rx_rt_ms) / 1000.0,
			    "dev", dev, NULL);
	metrics_head(f, P "last_outage_seconds", "gauge",
		     "Time without a usable AFTR at the last failover, from the last packet of the old one to the carrier up via the new one.");
	if (l->valid && l->up_ns)
		metrics_sec(f, P "last_outage_seconds",
			    (l->up_ns - l->detect_ns) / 1e9 +
			    (l->last_rx_rt_ms ?
			     (l->detect_rt_ms - l->last_rx_rt_ms) / 1000.0 : 0),
			    "dev", dev, NULL);
}

void b4_metrics_render(struct b4_daemon *d, FILE *f)
{
	const char *dev = b4_dev_name(d);

	metrics_head(f, P "up", "gauge",
		     "1 when the softwire has its carrier through an AFTR.");
	metrics_u64(f, P "up", d->up, "dev", dev, NULL);
	metrics_head(f, P "failovers_total", "counter",
		     "Switches to another AFTR (failovers, preemptions, recoveries) since the daemon started.");
	metrics_u64(f, P "failovers_total", d->n_failovers, "dev", dev, NULL);
	metrics_head(f, P "aftr_changes_total", "counter",
		     "Sessions that came Up again with another AFTR discriminator (another anycast node, or a new session).");
	metrics_u64(f, P "aftr_changes_total", d->n_aftr_changes, "dev", dev,
		    NULL);
	metrics_head(f, P "wan_changes_total", "counter",
		     "WAN changes the daemon followed (renumbering, tunnel re-created).");
	metrics_u64(f, P "wan_changes_total", d->n_wan_changes, "dev", dev,
		    NULL);
	last_switch(d, f);
	sessions(d, f);
	health(d, f);
	per_aftr(d, f, P "bfd_packets_sent_total", "counter",
		 "BFD control packets sent to the AFTR.", bfd_sent, 0);
	per_aftr(d, f, P "bfd_packets_received_total", "counter",
		 "Valid BFD control packets received from the AFTR.",
		 bfd_received, 0);
	per_aftr(d, f, P "bfd_packets_dropped_total", "counter",
		 "BFD control packets from the AFTR dropped as invalid.",
		 bfd_dropped, 0);
	per_aftr(d, f, P "bfd_send_errors_total", "counter",
		 "BFD control packets that could not be sent.", bfd_errors, 0);
	per_aftr(d, f, P "ping_sent_total", "counter",
		 "Pings sent to the AFTR (ping health method).", ping_sent,
		 B4_M_PING);
	per_aftr(d, f, P "ping_received_total", "counter",
		 "Ping replies received from the AFTR.", ping_received,
		 B4_M_PING);
	per_aftr(d, f, P "ping_lost_total", "counter",
		 "Pings without a reply in time.", ping_lost, B4_M_PING);
	per_aftr(d, f, P "echo_sent_total", "counter",
		 "BFD echo packets sent (echo health method, RFC 9747).",
		 echo_sent, B4_M_ECHO);
	per_aftr(d, f, P "echo_received_total", "counter",
		 "BFD echo packets reflected back and accepted.",
		 echo_received, B4_M_ECHO);
	per_aftr(d, f, P "echo_late_total", "counter",
		 "Reflected echo packets back after their detection time.",
		 echo_late, B4_M_ECHO);
	per_aftr(d, f, P "echo_ttl_refused_total", "counter",
		 "Reflected echo packets refused: TTL not 254.",
		 echo_ttl_refused, B4_M_ECHO);
	per_aftr(d, f, P "echo_failures_total", "counter",
		 "Echo Up -> Down (diag echo-failed).", echo_failures,
		 B4_M_ECHO);
	per_aftr(d, f, P "mtu_probes_sent_total", "counter",
		 "Padded BFD probes sent (mtu health method, RFC 9764).",
		 mtu_sent, B4_M_MTU);
	per_aftr(d, f, P "mtu_probes_answered_total", "counter",
		 "Padded probes answered at their size.", mtu_answered,
		 B4_M_MTU);
	per_aftr(d, f, P "mtu_probes_short_total", "counter",
		 "Padded probes not answered while smaller answers came.",
		 mtu_short, B4_M_MTU);
	per_aftr(d, f, P "mtu_probe_send_errors_total", "counter",
		 "Padded probes that could not be sent (EMSGSIZE: larger than the tunnel).",
		 mtu_errors, B4_M_MTU);
	per_aftr(d, f, P "mtu_probe_bytes", "gauge",
		 "The size of the padded probes (inner IPv4 packet), 0 before the first.",
		 mtu_size, B4_M_MTU);
	per_aftr(d, f, P "pcp_requests_total", "counter",
		 "PCP MAP requests sent to the AFTR (PCP health method).",
		 pcp_requests, B4_M_PCP);
	pcp_results(d, f);
}
