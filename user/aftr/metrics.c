// SPDX-License-Identifier: GPL-2.0
/*
 * The AFTR's part of "dslitectl metrics": for every device with pins in
 * this network namespace, the responder's counters (dslite_counters,
 * summed over the CPUs) and its sessions by state (dslite_sessions), in
 * the Prometheus text format (user/metrics.h; the families are in
 * Documentation/metrics.md). Every sample has the label dev.
 *
 * The counters of bpf/dslite_aftr.h map to families by their names: the
 * verdicts (xdp_*) to dslite_aftr_packets_total{verdict}, the reasons of
 * each verdict (tx_*, pass_*, drop_*) to one family per verdict with the
 * rest of the name as the label, the events to a family each (events[]).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"

#include "aftr.h"
#include "metrics.h"

#define P	"dslite_aftr_"

/* the families of the event counters, in the enum's order */
static const struct {
	const char *name, *help;
} events[] = {
	[DSLITE_CNT_SESS_CREATED - DSLITE_CNT_SESS_CREATED] = {
		P "sessions_created_total", "BFD sessions created." },
	[DSLITE_CNT_SESS_UP - DSLITE_CNT_SESS_CREATED] = {
		P "sessions_up_total", "Session transitions to Up." },
	[DSLITE_CNT_SESS_DOWN - DSLITE_CNT_SESS_CREATED] = {
		P "sessions_down_total",
		"Session transitions from Up or Init to Down on a packet." },
	[DSLITE_CNT_SESS_TIMEOUT - DSLITE_CNT_SESS_CREATED] = {
		P "sessions_timed_out_total",
		"Sessions taken Down by the sweeper (detection time expired)." },
	[DSLITE_CNT_SESS_REAPED - DSLITE_CNT_SESS_CREATED] = {
		P "sessions_reaped_total",
		"Idle Down sessions (or never Up) deleted by the sweeper." },
	[DSLITE_CNT_SWEEPS - DSLITE_CNT_SESS_CREATED] = {
		P "sweeps_total", "Sweeper passes." },
	[DSLITE_CNT_EVENTS_LOST - DSLITE_CNT_SESS_CREATED] = {
		P "events_lost_total",
		"Session events lost: the event ring buffer was full." },
	[DSLITE_CNT_EVENTS_SUPPRESSED - DSLITE_CNT_SESS_CREATED] = {
		P "events_suppressed_total",
		"Session events not sent: over the session's event budget." },
	[DSLITE_CNT_CLOCK_CLAMPED - DSLITE_CNT_SESS_CREATED] = {
		P "clock_clamped_total",
		"Time stamps found in the future and clamped." },
	[DSLITE_CNT_PTB_SEEN - DSLITE_CNT_SESS_CREATED] = {
		P "ptb_seen_total",
		"ICMPv6 Packet Too Big messages the anycast logic looked at." },
	[DSLITE_CNT_PTB_RELAYED - DSLITE_CNT_SESS_CREATED] = {
		P "ptb_relayed_total",
		"Packet Too Big copies relayed to anycast peers." },
	[DSLITE_CNT_PTB_RELAY_FAILED - DSLITE_CNT_SESS_CREATED] = {
		P "ptb_relay_failed_total",
		"Packet Too Big copies not relayed (no route to the peer, clone failed)." },
	[DSLITE_CNT_MTU_LEARNT - DSLITE_CNT_SESS_CREATED] = {
		P "mtu_learnt_total",
		"Per-softwire path MTU records created from a Packet Too Big." },
	[DSLITE_CNT_MTU_LOWERED - DSLITE_CNT_SESS_CREATED] = {
		P "mtu_lowered_total",
		"Valid per-softwire path MTU records lowered by a Packet Too Big." },
	[DSLITE_CNT_MTU_RAISED_BFD - DSLITE_CNT_SESS_CREATED] = {
		P "mtu_raised_bfd_total",
		"Per-softwire path MTU records raised by answered padded BFD." },
	[DSLITE_CNT_MSS_CLAMPED - DSLITE_CNT_SESS_CREATED] = {
		P "mss_clamped_total",
		"TCP SYN and SYN-ACK MSS options lowered to the B4's path MTU." },
	[DSLITE_CNT_MTU_PTB_MADE - DSLITE_CNT_SESS_CREATED] = {
		P "mtu_ptb_made_total",
		"Packet Too Big messages made at egress of packets too big for their B4's path MTU." },
	[DSLITE_CNT_MTU_EGRESS_DROPPED - DSLITE_CNT_SESS_CREATED] = {
		P "mtu_egress_dropped_total",
		"Packets too big for their B4's path MTU dropped at egress without a Packet Too Big." },
};

_Static_assert(sizeof(events) / sizeof(events[0]) ==
	       DSLITE_CNT__MAX - DSLITE_CNT_SESS_CREATED,
	       "a family for every event counter of bpf/dslite_aftr.h");

/* the verdicts' reason families: counters named PREFIX* */
static const struct {
	const char *prefix, *name, *label, *help;
} reasons[] = {
	{ "tx_", P "answered_packets_total", "kind",
	  "Packets answered in place (XDP_TX), by what was answered." },
	{ "pass_", P "passed_packets_total", "reason",
	  "Packets passed to the kernel (XDP_PASS), by reason." },
	{ "drop_", P "dropped_packets_total", "reason",
	  "Packets addressed to the responder and dropped (XDP_DROP), by reason." },
};

static const char *const state_names[] = {
	[BFD_STATE_ADMIN_DOWN] = "admin_down",
	[BFD_STATE_DOWN] = "down",
	[BFD_STATE_INIT] = "init",
	[BFD_STATE_UP] = "up",
};

static int count_state(const struct dslite_in6 *key,
		       const struct dslite_aftr_session *s, void *data)
{
	(void)key;
	((uint64_t *)data)[s->bfd.state & 3]++;
	return 0;
}

/* read_counters(d, sum): dslite_counters summed over the CPUs */
static int read_counters(const struct aftr_dev *d, uint64_t *sum)
{
	int ncpu, fd, c, i, err = 0;
	__u64 *vals;
	__u32 zero = 0;

	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(__u64) * DSLITE_CNT__MAX);
	if (!vals)
		return -ENOMEM;
	fd = aftr_dev_map(d, DSLITE_MAP_COUNTERS);
	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, vals))
		err = -errno;
	if (fd >= 0)
		close(fd);
	for (c = 0; !err && c < ncpu; c++)
		for (i = 0; i < DSLITE_CNT__MAX; i++)
			sum[i] += vals[c * DSLITE_CNT__MAX + i];
	free(vals);
	return err;
}

static void render(FILE *f, const char *dev, bool live, const uint64_t *sum,
		   const uint64_t *states, uint64_t max)
{
	const char *const *names = dslite_aftr_counter_names;
	unsigned int i, k;

	metrics_head(f, P "attached", "gauge",
		     "1 when the responder's XDP link is attached to the device.");
	metrics_u64(f, P "attached", live, "dev", dev, NULL);
	metrics_head(f, P "packets_total", "counter",
		     "Packets the responder saw, by XDP verdict (pass, tx, drop).");
	for (i = DSLITE_CNT_XDP_PASS; i <= DSLITE_CNT_XDP_DROP; i++)
		metrics_u64(f, P "packets_total", sum[i], "dev", dev,
			    "verdict", names[i] + 4, NULL);
	for (k = 0; k < sizeof(reasons) / sizeof(reasons[0]); k++) {
		size_t pl = strlen(reasons[k].prefix);

		metrics_head(f, reasons[k].name, "counter", reasons[k].help);
		for (i = DSLITE_CNT_XDP_DROP + 1; i < DSLITE_CNT_SESS_CREATED;
		     i++)
			if (!strncmp(names[i], reasons[k].prefix, pl))
				metrics_u64(f, reasons[k].name, sum[i], "dev",
					    dev, reasons[k].label,
					    names[i] + pl, NULL);
	}
	metrics_head(f, P "sessions", "gauge",
		     "BFD sessions in the table, by state.");
	for (i = 0; i < 4; i++)
		metrics_u64(f, P "sessions", states[i], "dev", dev, "state",
			    state_names[i], NULL);
	metrics_head(f, P "sessions_max", "gauge",
		     "Sessions the table holds at most.");
	metrics_u64(f, P "sessions_max", max, "dev", dev, NULL);
	for (i = DSLITE_CNT_SESS_CREATED; i < DSLITE_CNT__MAX; i++) {
		const char *name = events[i - DSLITE_CNT_SESS_CREATED].name;

		metrics_head(f, name, "counter",
			     events[i - DSLITE_CNT_SESS_CREATED].help);
		metrics_u64(f, name, sum[i], "dev", dev, NULL);
	}
}

/* one device's rendering into t */
static int dev_metrics(const char *what, const char *ifname,
		       struct metrics_texts *t)
{
	uint64_t sum[DSLITE_CNT__MAX] = {}, states[4] = {};
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	struct aftr_dev d;
	char *buf = NULL;
	size_t blen = 0;
	int fd, err, ret;
	FILE *f;

	ret = aftr_dev_open(what, ifname, &d);
	if (ret)
		return ret;
	err = read_counters(&d, sum);
	if (err) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "reading %s/%s: %s",
				    d.dir, DSLITE_MAP_COUNTERS, strerror(-err));
		goto out;
	}
	fd = aftr_dev_map(&d, DSLITE_MAP_SESSIONS);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s/%s: %s",
				    d.dir, DSLITE_MAP_SESSIONS, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	err = aftr_for_each_session(&d, fd, count_state, states);
	close(fd);
	if (err) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "counting the sessions of %s: %s", ifname,
				    strerror(-err));
		goto out;
	}
	f = open_memstream(&buf, &blen);
	if (!f) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				    strerror(errno));
		goto out;
	}
	/* slot 0 is never used */
	render(f, ifname, d.live, sum, states,
	       info.max_entries ? info.max_entries - 1 : 0);
	fclose(f);
	if (!buf || metrics_texts_add(t, buf))
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				    strerror(ENOMEM));
out:
	aftr_dev_close(&d);
	return ret;
}

int aftr_metrics_collect(const char *what, struct metrics_texts *t,
			 unsigned int *n_src)
{
	char (*names)[DSLITECTL_IFNAMSIZ] = NULL;
	size_t n = 0, i;
	int err, r, ret = 0;

	err = aftr_list_devs(&names, &n);
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				     aftr_ns_dir(), strerror(-err));
	if (n)
		aftr_set_libbpf_print();
	for (i = 0; i < n; i++) {
		r = dev_metrics(what, names[i], t);
		if (!r)
			(*n_src)++;
		else if (!ret)
			ret = r;
	}
	free(names);
	/* the health supervisors' families (health.c), when any runs */
	r = aftr_health_metrics_collect(what, t);
	if (r && !ret)
		ret = r;
	return ret;
}
