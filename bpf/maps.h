/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite AFTR responder: the maps and globals (dslite_cfg and
 * dslite_anycast in .rodata, the clock in .bss), the counters
 * (count_add(), count_event()), the event ring buffer (emit()) and the
 * clock of the XDP path (now_ns(), clock_sync()).
 *
 * Not a translation unit of its own: included once, first of the role
 * headers, from dslite_aftr.bpf.c, after the kernel and libbpf headers
 * and dslite_aftr.h, the contract with the loader that documents every
 * map, configuration field, counter and event defined here. The order
 * of the definitions below is the order of the skeleton's maps and of
 * its .rodata and .bss members.
 */
#ifndef _DSLITE_BPF_MAPS_H
#define _DSLITE_BPF_MAPS_H

/* what the kernel's userspace headers do not give a BPF program */
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC	1
#endif
#define EEXIST		17
#define EBUSY		16
#ifndef AF_INET6
#define AF_INET6	10
#endif

#ifndef READ_ONCE
#define READ_ONCE(x)	(*(volatile typeof(x) *)&(x))
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))
#endif

#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

const volatile struct dslite_aftr_cfg dslite_cfg = {
	.aftr_addr		= bpf_htonl(DSLITE_AFTR_ADDR),
	.desired_min_tx_us	= DSLITE_DEF_TX_US,
	.required_min_rx_us	= DSLITE_DEF_RX_US,
	.required_min_echo_rx_us = DSLITE_DEF_ECHO_RX_US,
	.new_sessions_per_sec	= DSLITE_DEF_NEW_PER_SEC,
	.new_sessions_burst	= DSLITE_DEF_NEW_BURST,
	.sweep_interval_ms	= DSLITE_DEF_SWEEP_MS,
	.down_idle_ms		= DSLITE_DEF_DOWN_IDLE_MS,
	.embryonic_idle_ms	= DSLITE_DEF_EMBRYONIC_IDLE_MS,
	.node_id		= 0,
	.detect_mult		= DSLITE_DEF_DETECT_MULT,
	.allowlist		= 0,
	.slot_bits		= DSLITE_DEF_SLOT_BITS,
	.sessions		= DSLITE_DEF_SESSIONS,
	.mtu_entries		= 0,
	.mtu_expire_s		= DSLITE_MTU_DEF_EXPIRE_S,
};

/* Anycast group membership; member 0: not a member (the default). */
const volatile struct dslite_anycast_cfg dslite_anycast = {
	.relay_rate		= DSLITE_DEF_RELAY_RATE,
	.relay_burst		= DSLITE_DEF_RELAY_RATE / 10,
	.owner_idle_ms		= DSLITE_DEF_OWNER_IDLE_MS,
};

/* One BFD session per B4, in the slot its discriminator names (slot 0
 * unused). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSLITE_DEF_SESSIONS + 1);
	__type(key, __u32);
	__type(value, struct dslite_aftr_session);
} dslite_sessions SEC(".maps");

/* B4 address -> its session's discriminator (the live sessions). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DSLITE_DEF_SESSIONS);
	__type(key, struct dslite_in6);
	__type(value, __u32);
} dslite_discrs SEC(".maps");

/* The sweeper's dense index: a deadline per slot (dslite_aftr.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSLITE_DEF_SESSIONS / DSLITE_DL_PER_BLOCK + 1);
	__type(key, __u32);
	__type(value, struct dslite_deadlines);
} dslite_deadlines SEC(".maps");

struct dslite_counters {
	__u64	c[DSLITE_CNT__MAX];
};

/* Per-CPU counters, enum dslite_aftr_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dslite_counters);
} dslite_counters SEC(".maps");

/* Session events for `dslitectl aftr monitor`. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DSLITE_DEF_EVENTS);
} dslite_events SEC(".maps");

/* Permitted B4 prefixes (used when cfg.allowlist is set). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DSLITE_DEF_ALLOW);
	__type(key, struct dslite_lpm6_key);
	__type(value, __u32);
} dslite_allow SEC(".maps");

/* The AFTR's own IPv6 addresses (ICMPv6 echo). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DSLITE_DEF_LOCAL);
	__type(key, struct dslite_in6);
	__type(value, __u32);
} dslite_local SEC(".maps");

/* Rate limiter and discriminator counter. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dslite_aftr_state);
} dslite_state SEC(".maps");

/* The other members of the anycast group (their unicast addresses). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSLITE_MAX_PEERS);
	__type(key, __u32);
	__type(value, struct dslite_in6);
} dslite_peers SEC(".maps");

/* B4s whose softwire traffic reached the anycast address here. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DSLITE_DEF_SOFTWIRES);
	__type(key, struct dslite_in6);
	__type(value, struct dslite_softwire);
} dslite_softwires SEC(".maps");

/* Per CPU: which B4s were recorded in dslite_softwires, and when. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSLITE_SW_SEEN_SLOTS);
	__type(key, __u32);
	__type(value, struct dslite_sw_seen);
} dslite_sw_seen SEC(".maps");

/* The relay's token bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dslite_relay_state);
} dslite_relay SEC(".maps");

struct sweep_timer {
	struct bpf_timer timer;
};

/* The sweeper's timer. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sweep_timer);
} dslite_timer SEC(".maps");

/* The layout of the maps pinned with it (dslite_aftr.h), loader only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dslite_aftr_meta);
} dslite_meta SEC(".maps");

/* The path MTU toward each B4 (dslite_aftr.h, "Path MTU per softwire"):
 * 1 entry unless the loader turns the feature on. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct dslite_in6);
	__type(value, struct dslite_mtu_rec);
} dslite_mtu SEC(".maps");

/* add n to counter idx (enum dslite_aftr_counter) of this CPU */
static __always_inline void count_add(__u32 idx, __u64 n)
{
	__u32 zero = 0;
	struct dslite_counters *cnt;

	cnt = bpf_map_lookup_elem(&dslite_counters, &zero);
	if (cnt && idx < DSLITE_CNT__MAX)
		cnt->c[idx] += n;
}

static __always_inline void count_event(__u32 idx)
{
	count_add(idx, 1);
}

/* a session event to dslite_events; one that finds the ring full is
 * counted (events_lost) */
static __always_inline void emit(const struct dslite_aftr_event *ev)
{
	if (bpf_ringbuf_output(&dslite_events, (void *)ev, sizeof(*ev), 0))
		count_event(DSLITE_CNT_EVENTS_LOST);
}

/*
 * The clock of the XDP path: CLOCK_MONOTONIC from jiffies (bpf_jiffies64()
 * is inlined by the verifier; a helper call such as bpf_ktime_get_ns()
 * costs more than the rest of a BFD answer on CPUs that protect every
 * return): jiffies * clk_ns_per_jiffy + clk_offset_ns.
 *
 * The kernel advances jiffies by one tick of a fixed length (TICK_NSEC,
 * 10^9 / HZ) of CLOCK_MONOTONIC, so the rate is a constant: the sweeper
 * measures it once against bpf_ktime_get_ns() over at least
 * CLK_CALIB_JIFFIES, rounds it to the tick of HZ 100, 250, 300 or 1000
 * when it is within 1% of one (else keeps the measured value), publishes
 * it once and never changes it. Afterwards it only rewrites the offset,
 * one 64-bit word. A reader therefore never combines the values of two
 * calibrations (the rate of one sweep with the offset of another put the
 * clock off by jiffies x the difference, seconds to hours).
 *
 * The offset: jiffies = (CLOCK_MONOTONIC - base) / tick, rounded down,
 * with a base fixed at boot, so every sample t - jiffies x tick lies in
 * [base, base + tick), or above when jiffies lag behind (an idle CPU
 * catches up late). With a rounded tick the sweeper keeps the smallest
 * sample (taken only when jiffies did not move while the time was read):
 * the start of the current jiffy, never ahead of CLOCK_MONOTONIC. With a
 * measured tick it takes the latest sample (its rounding error then
 * stays within a sweep interval). Uncalibrated (rate or offset still 0):
 * bpf_ktime_get_ns().
 */
#define CLK_CALIB_JIFFIES	256

__u64 clk_ns_per_jiffy;		/* 0: not calibrated yet; then constant */
__u64 clk_offset_ns;		/* 0: not published yet */
__u64 clk_t0_ns, clk_j0;	/* calibration start */

static __always_inline __u64 now_ns(void)
{
	__u64 nspj = READ_ONCE(clk_ns_per_jiffy), off = READ_ONCE(clk_offset_ns);

	if (!nspj || !off)
		return bpf_ktime_get_ns();
	return bpf_jiffies64() * nspj + off;
}

/* the tick length of the HZ whose tick nspj is within 1% of, or nspj */
static __always_inline __u64 clock_snap(__u64 nspj)
{
	static const __u64 ticks[4] = { 10000000, 4000000, 3333333, 1000000 };
	__u64 d;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		d = nspj > ticks[i] ? nspj - ticks[i] : ticks[i] - nspj;
		if (d * 100 <= ticks[i])
			return ticks[i];
	}
	return nspj;
}

/* is nspj the tick of one of those HZ? */
static __always_inline int clock_is_tick(__u64 nspj)
{
	return nspj == 10000000 || nspj == 4000000 || nspj == 3333333 ||
	       nspj == 1000000;
}

/* in the sweeper: calibrate once, then move the offset; return the
 * precise time */
static __always_inline __u64 clock_sync(void)
{
	__u64 j0 = bpf_jiffies64(), t = bpf_ktime_get_ns(), j = bpf_jiffies64();
	__u64 nspj, off, old;

	nspj = READ_ONCE(clk_ns_per_jiffy);
	if (!nspj) {
		if (!clk_j0 || j < clk_j0) {
			clk_t0_ns = t;
			clk_j0 = j;
			return t;
		}
		if (j - clk_j0 < CLK_CALIB_JIFFIES)
			return t;
		nspj = clock_snap((t - clk_t0_ns) / (j - clk_j0));
		if (!nspj)
			return t;
		WRITE_ONCE(clk_ns_per_jiffy, nspj);	/* once */
	}
	if (j != j0)
		return t;	/* a tick in between: which one is t's? */
	off = t - j * nspj;
	off = off ? off : 1;
	old = READ_ONCE(clk_offset_ns);
	if (old && old <= off && clock_is_tick(nspj))
		return t;
	WRITE_ONCE(clk_offset_ns, off);
	return t;
}

#endif /* _DSLITE_BPF_MAPS_H */
