// SPDX-License-Identifier: GPL-2.0
/*
 * dslite AFTR responder (XDP, on the AFTR's IPv6-facing interface).
 *
 * Answers, in place and with XDP_TX, inside every softwire (IPv6 next
 * header 4, RFC 6333):
 *   - BFD control (RFC 5880/5881) to the AFTR tunnel address, UDP 3784:
 *     one passive session per B4, keyed by the B4's outer IPv6 source,
 *     created from its first valid packet;
 *   - BFD echo (UDP 3785) of a B4 whose session is Up: reflected with the
 *     inner packet untouched. A BFD echo packet is one the B4 sent to
 *     itself (RFC 5880 6.4, RFC 9747): inner source = inner destination,
 *     one of the B4 addresses of the softwire's /29 (192.0.0.2..7), TTL
 *     255 (it never crossed a router: RFC 5881/5082). Anything else to
 *     port 3785, and echo from a B4 without an Up session, is ordinary
 *     subscriber traffic and passes untouched;
 *   - ICMP echo requests to the AFTR tunnel address;
 * and, outside the softwire, ICMPv6 echo requests to the AFTR's own IPv6
 * addresses (dslite_local). Every other frame passes to the kernel
 * untouched. The map, configuration, counter and event layout is
 * documented in dslite_aftr.h; the state machine is include/dslite/bfd.h.
 *
 * Replies: MACs swapped (VLAN tags kept), outer IPv6 addresses swapped
 * (the reply leaves from the address the B4 used; extension headers are
 * kept), outer hop limit 64. BFD control: inner IPv4 addresses swapped,
 * TTL 255, UDP from port 49152 + the low 14 bits of the local
 * discriminator to port 3784 (RFC 5881: a fixed source port per session),
 * UDP checksum computed in full. ICMP echo: type 0, inner addresses
 * swapped, TTL 64, checksums updated incrementally. ICMPv6: type 129,
 * hop limit 64, checksum updated incrementally.
 *
 * Checked before a BFD answer: inner IPv4 header checksum, UDP checksum
 * (when not 0), TTL 255, source port >= 49152, RFC 5880 6.8.6; the UDP
 * payload must be the 24-byte packet itself (no authentication, no
 * padding). A session being updated on another CPU at the same instant
 * (try-lock) drops the packet rather than wait.
 *
 * Sessions live in the slots of an array, found by the low bits of Your
 * Discriminator (no hash look-up on the steady path), or through a hash
 * of B4 addresses when the packet carries no discriminator of ours
 * (dslite_aftr.h, dslite_sessions and dslite_discrs).
 *
 * Sessions are never evicted by new ones. A sweeper (bpf_timer started
 * by dslite_aftr_arm, period cfg.sweep_interval_ms) takes Init/Up
 * sessions whose detection time expired Down with diag 1 (the detection
 * time honoured is at most BFD_DETECT_TIME_MAX_US, 5 min), deletes Down
 * sessions idle for cfg.down_idle_ms once they were Up, and deletes a
 * session that never reached Up cfg.embryonic_idle_ms after its creation,
 * whatever its B4 sends (RFC 9468 5.2 deletes a passive session that
 * does not come Up within a detection time); an established Up session
 * stays as long as its B4 keeps talking. Never-Up sessions thus number at
 * most new_sessions_per_sec x embryonic_idle_ms / 1000 (100,000 with the
 * defaults) and cannot fill the table.
 *
 * Anycast group members (dslite_anycast.member set) also record the B4s
 * whose softwire traffic reaches them on the anycast address, and sort
 * the ICMPv6 Packet Too Big messages sent to that address: those about a
 * B4 served here go to the kernel, the others are flagged (XDP metadata)
 * and dslite_ptb_relay (TC ingress) sends a copy to every other member.
 * The rules and the relay format are in dslite_aftr.h ("Anycast group").
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dslite_aftr.h"
#include "parse.h"
#include "csum.h"

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

char LICENSE[] SEC("license") = "GPL";

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

/* What the parser found; pointers into the frame. */
struct pkt {
	struct cursor	c;
	void		*data;		/* start of the frame */
	struct ethhdr	*eth;
	struct ipv6hdr	*ip6;
	void		*l3_end;	/* end of the IPv6 payload; in the
					 * handlers: end of the inner packet */
	struct iphdr	*iph;
};

/* Largest offset of the inner IPv4 header: 2 VLAN tags, IPv6 and
 * DSLITE_MAX_EXTHDRS extension headers of at most 2048 bytes. */
#define MAX_IPH_OFF	(ETH_HLEN + 8 + sizeof(struct ipv6hdr) + \
			 DSLITE_MAX_EXTHDRS * 2048)

/*
 * The handlers of packets addressed to the responder start from the
 * offsets of the outer IPv6 and inner IPv4 headers (the caller parsed them
 * and checked that the inner total length lies within the IPv6 payload)
 * and re-derive the pointers here. Pointers carried over from the parser
 * differ in the verifier's eyes for every parse path (VLAN tags, extension
 * headers, options) and the handler would be verified once per path, past
 * the verifier's limit; re-derived from bounded offsets, the states merge.
 * (Global functions would do the same, but a call costs as much as the
 * rest of the answer on CPUs that protect every return.) On return
 * p->c.pos is the inner L4 header and p->l3_end the end of the inner
 * packet.
 */
static __always_inline int pkt_load(struct xdp_md *ctx, __u32 ip6_off,
				    __u32 iph_off, struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	__u32 hlen;

	p->c.end = (void *)(long)ctx->data_end;
	if (ip6_off > ETH_HLEN + 8 || iph_off > MAX_IPH_OFF)
		return -1;
	p->eth = data;
	p->ip6 = data + ip6_off;
	p->iph = data + iph_off;
	if ((void *)(p->eth + 1) > p->c.end ||
	    (void *)(p->ip6 + 1) > p->c.end ||
	    (void *)(p->iph + 1) > p->c.end)
		return -1;
	hlen = p->iph->ihl * 4;
	p->c.pos = (void *)p->iph + hlen;
	p->l3_end = (void *)p->iph + ntohs_len(p->iph->tot_len);
	if (p->c.pos > p->c.end)
		return -1;
	return 0;
}

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

/* session try-lock (see struct dslite_aftr_session) */
static __always_inline int session_trylock(struct dslite_aftr_session *s)
{
	return __sync_lock_test_and_set(&s->busy, 1) == 0;
}

static __always_inline void session_unlock(struct dslite_aftr_session *s)
{
	/* an exchange, not a plain store: fully ordered on every arch */
	__sync_lock_test_and_set(&s->busy, 0);
}

static __always_inline void copy_in6(struct dslite_in6 *dst, const void *src)
{
	const __u32 *s = src;
	__u32 *d = (__u32 *)dst->addr;

	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
	d[3] = s[3];
}

static __always_inline void emit(const struct dslite_aftr_event *ev)
{
	if (bpf_ringbuf_output(&dslite_events, (void *)ev, sizeof(*ev), 0))
		count_event(DSLITE_CNT_EVENTS_LOST);
}

/* ---------------------------------------------------------------------
 * Reply helpers
 */
static __always_inline void swap_eth(struct ethhdr *eth)
{
	__u16 *m = (__u16 *)eth;
	__u16 t0 = m[0], t1 = m[1], t2 = m[2];

	m[0] = m[3];
	m[1] = m[4];
	m[2] = m[5];
	m[3] = t0;
	m[4] = t1;
	m[5] = t2;
}

static __always_inline void swap_ipv6(struct ipv6hdr *ip6)
{
	__u32 *a = (__u32 *)&ip6->saddr, *b = (__u32 *)&ip6->daddr, t;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
	ip6->hop_limit = DSLITE_REPLY_TTL;
}

static __always_inline void swap_ipv4(struct iphdr *iph)
{
	__be32 t = iph->saddr;

	iph->saddr = iph->daddr;
	iph->daddr = t;
}

/* sum of the UDP pseudo header and the UDP length field: the same for
 * the answer (the addresses are swapped, the length kept) */
static __always_inline __u64 udp4_pseudo_sum(const struct iphdr *iph,
					     const struct udphdr *udp)
{
	return (__u64)iph->saddr + iph->daddr + bpf_htons(IPPROTO_UDP) +
	       udp->len + udp->len;
}

/* ---------------------------------------------------------------------
 * Sessions
 */
static __always_inline int permitted(const struct ipv6hdr *ip6)
{
	struct dslite_lpm6_key k = { .prefixlen = 128 };

	if (!dslite_cfg.allowlist)
		return 1;
	copy_in6((struct dslite_in6 *)k.addr, &ip6->saddr);
	return bpf_map_lookup_elem(&dslite_allow, &k) != NULL;
}

/*
 * May the outer source of this packet get an answer? 0, or the drop
 * reason: DROP_BAD_SOURCE for a source no B4 can have (multicast,
 * unspecified, loopback, link-local, IPv4-mapped, one of the AFTR's own
 * addresses), whatever the allowlist says; DROP_NOT_PERMITTED outside
 * the allowlist.
 */
static __always_inline int source_check(const struct ipv6hdr *ip6)
{
	const __u32 *a = (const __u32 *)&ip6->saddr;
	struct dslite_in6 key;

	if ((a[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000) ||
	    (a[0] & bpf_htonl(0xffc00000)) == bpf_htonl(0xfe800000))
		return DSLITE_CNT_DROP_BAD_SOURCE;	/* multicast, link-local */
	if (!(a[0] | a[1]) &&
	    ((!a[2] && (!a[3] || a[3] == bpf_htonl(1))) ||
	     a[2] == bpf_htonl(0xffff)))
		return DSLITE_CNT_DROP_BAD_SOURCE;	/* ::, ::1, ::ffff:0:0/96 */
	copy_in6(&key, a);
	if (bpf_map_lookup_elem(&dslite_local, &key))
		return DSLITE_CNT_DROP_BAD_SOURCE;	/* ourselves */
	if (!permitted(ip6))
		return DSLITE_CNT_DROP_NOT_PERMITTED;
	return 0;
}

/*
 * The event of a received packet, within the session's budget (flags
 * bits, see dslite_aftr.h): 1 to send it, 0 when over (counted as
 * events_suppressed). Under the session's try-lock.
 */
static __always_inline int event_budget(struct dslite_aftr_session *s,
					__u64 now)
{
	__u32 f = s->flags, win, n;

	win = (__u32)(now >> DSLITE_EV_WINDOW_SHIFT) & 0xffffff;
	n = (f & DSLITE_SESS_EV_COUNT_MASK) >> DSLITE_SESS_EV_COUNT_SHIFT;
	if (f >> DSLITE_SESS_EV_WINDOW_SHIFT != win)
		n = 0;
	if (n >= DSLITE_EV_PER_WINDOW) {
		count_event(DSLITE_CNT_EVENTS_SUPPRESSED);
		return 0;
	}
	n++;
	s->flags = (f & ~(DSLITE_SESS_EV_COUNT_MASK | 0xffffff00U)) |
		   n << DSLITE_SESS_EV_COUNT_SHIFT |
		   win << DSLITE_SESS_EV_WINDOW_SHIFT;
	return 1;
}

/* the 16 bytes at a and b (packet or map, 4-byte aligned) are equal */
static __always_inline int same_in6(const void *a, const void *b)
{
	const __u32 *x = a, *y = b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]));
}

/* the mask of the slot bits of a discriminator */
static __always_inline __u32 slot_mask(void)
{
	__u32 bits = dslite_cfg.slot_bits;

	if (bits < 1 || bits > DSLITE_DISCR_NODE_SHIFT)
		bits = DSLITE_DISCR_NODE_SHIFT;
	return (1U << bits) - 1;
}

/* N, as the ring's modulus (never 0) */
static __always_inline __u32 table_size(void)
{
	__u32 n = dslite_cfg.sessions;

	return n ? n : 1;
}

/* a slot of dslite_sessions: an inlined array look-up; NULL beyond it */
static __always_inline struct dslite_aftr_session *slot_of(__u32 low)
{
	return bpf_map_lookup_elem(&dslite_sessions, &low);
}

/* is s the live session of the B4 at addr? (unlocked: a hint; again
 * under the try-lock to be sure) */
static __always_inline int slot_is(const struct dslite_aftr_session *s,
				   const void *addr)
{
	return (READ_ONCE(s->flags) & DSLITE_SESS_LIVE) &&
	       same_in6(s->b4.addr, addr);
}

/* The session of the B4 at addr (packet or map) by its address: the hash,
 * then the slot. Not locked. NULL: none (or one being created/deleted). */
static __always_inline struct dslite_aftr_session *
session_by_addr(const struct dslite_in6 *key)
{
	struct dslite_aftr_session *s;
	__u32 *d;

	d = bpf_map_lookup_elem(&dslite_discrs, key);
	if (!d)
		return NULL;
	s = slot_of(*d & slot_mask());
	if (!s || !slot_is(s, key->addr))
		return NULL;
	return s;
}

/* take the try-lock of the live session of addr found unlocked: 0, or a
 * drop reason (busy, or deleted/reused in between) */
static __always_inline int session_lock(struct dslite_aftr_session *s,
					const void *addr, int gone)
{
	if (!session_trylock(s))
		return DSLITE_CNT_DROP_BUSY;
	if (!(s->flags & DSLITE_SESS_LIVE) || !same_in6(s->b4.addr, addr)) {
		session_unlock(s);
		return gone;
	}
	return 0;
}

/* the slot that stores position pos of the free ring */
static __always_inline struct dslite_aftr_session *ring_slot(__u64 pos)
{
	return slot_of((__u32)(pos % table_size()) + 1);
}

/*
 * Give a slot the sweeper freed (flags and local_discr cleared, its
 * try-lock still held) to the tail of the free ring. The sweeper is the
 * only writer: it stores the entry, then publishes it under the lock.
 */
static __always_inline void slot_release(__u32 low)
{
	struct dslite_aftr_session *r;
	struct dslite_aftr_state *st;
	__u32 zero = 0;
	__u64 pos;

	st = bpf_map_lookup_elem(&dslite_state, &zero);
	if (!st)
		return;
	pos = READ_ONCE(st->free_tail);
	r = ring_slot(pos);
	if (!r)
		return;		/* a table smaller than cfg.sessions */
	WRITE_ONCE(r->free_next, low);
	bpf_spin_lock(&st->lock);
	st->free_tail = pos + 1;
	bpf_spin_unlock(&st->lock);
}

/* GCRA (dslite_aftr_state): may a session be created at now? Under the
 * lock; a state further ahead than the burst (a clock that jumped) is
 * reset first. */
static __always_inline int rate_take(struct dslite_aftr_state *st, __u64 now,
				     __u64 period, __u64 burst)
{
	__u64 tat;

	if (!period)
		return 1;
	if (st->tat_ns > now + burst * period)
		st->tat_ns = now;
	tat = st->tat_ns > now ? st->tat_ns : now;
	if (tat - now > (burst - 1) * period)
		return 0;
	st->tat_ns = tat + period;
	return 1;
}

/*
 * Create the session of a B4 whose first valid packet (state Down, Your
 * Discriminator 0) just arrived. Returns 0 and *sp with its try-lock
 * held (*created = 0 when another CPU created it at the same time), or a
 * drop reason. The order is in dslite_aftr.h (dslite_sessions).
 */
static __always_inline int session_create(struct pkt *p,
					  const struct dslite_in6 *key,
					  __u64 now,
					  struct dslite_aftr_session **sp,
					  int *created)
{
	struct dslite_aftr_session *s, *r;
	struct dslite_aftr_state *st;
	__u64 period = 0, burst, tat, pos = 0;
	__u32 zero = 0, low = 0, discr, mask, tag, *d;
	int allowed, from_ring = 0;
	long err;

	err = source_check(p->ip6);
	if (err)
		return err;

	st = bpf_map_lookup_elem(&dslite_state, &zero);
	if (!st)
		return DSLITE_CNT_DROP_TABLE_FULL;
	if (dslite_cfg.new_sessions_per_sec)
		period = NSEC_PER_SEC / dslite_cfg.new_sessions_per_sec;
	burst = dslite_cfg.new_sessions_burst ? dslite_cfg.new_sessions_burst : 1;
	/* a first look without the lock: a flood costs no insertion */
	tat = READ_ONCE(st->tat_ns);
	if (period && tat > now && tat - now > (burst - 1) * period &&
	    tat <= now + burst * period)
		return DSLITE_CNT_DROP_RATE_LIMITED;

	/* claim the address (slot 0: no session yet) */
	err = bpf_map_update_elem(&dslite_discrs, key, &zero, BPF_NOEXIST);
	if (err) {
		if (err != -EEXIST)
			return DSLITE_CNT_DROP_TABLE_FULL;
		/* another CPU created it meanwhile: use that one */
		s = session_by_addr(key);
		if (!s)
			return DSLITE_CNT_DROP_BUSY;	/* still being set up */
		err = session_lock(s, key->addr, DSLITE_CNT_DROP_BUSY);
		if (err)
			return err;
		*created = 0;
		*sp = s;
		return 0;
	}

	/* a slot: never used ones first, then the free ring */
	mask = slot_mask();
	bpf_spin_lock(&st->lock);
	allowed = rate_take(st, now, period, burst);
	if (allowed) {
		if (st->next_discr < dslite_cfg.sessions && st->next_discr < mask) {
			low = ++st->next_discr;
		} else if (st->free_head != st->free_tail) {
			pos = st->free_head++;
			from_ring = 1;
		}
	}
	bpf_spin_unlock(&st->lock);
	if (from_ring) {
		r = ring_slot(pos);
		low = r ? READ_ONCE(r->free_next) & mask : 0;
	}
	s = low ? slot_of(low) : NULL;
	/* a slot from the ring arrives locked; a never-used one is free */
	if (!allowed || !s || (!from_ring && !session_trylock(s))) {
		bpf_map_delete_elem(&dslite_discrs, key);
		return allowed ? DSLITE_CNT_DROP_TABLE_FULL :
				 DSLITE_CNT_DROP_RATE_LIMITED;
	}

	/* a random tag above the slot bits, never 0 (none at 24 bits) */
	tag = bpf_get_prandom_u32() & (DSLITE_DISCR_LOW_MASK & ~mask);
	if (!tag)
		tag = (mask + 1) & DSLITE_DISCR_LOW_MASK;
	discr = (__u32)dslite_cfg.node_id << DSLITE_DISCR_NODE_SHIFT | tag | low;
	bfd_session_init(&s->bfd, discr, dslite_cfg.desired_min_tx_us,
			 dslite_cfg.required_min_rx_us,
			 dslite_cfg.required_min_echo_rx_us,
			 dslite_cfg.detect_mult, BFD_SF_RESPONDER);
	copy_in6(&s->b4, key);
	copy_in6(&s->local, &p->ip6->daddr);
	s->changed_ns = now;
	s->rx_packets = 0;
	s->last_seen_ns = 0;
	s->flags = DSLITE_SESS_LIVE;
	d = bpf_map_lookup_elem(&dslite_discrs, key);
	if (d)
		WRITE_ONCE(*d, discr);
	count_event(DSLITE_CNT_SESS_CREATED);
	*created = 1;
	*sp = s;
	return 0;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST16(b0, b1)	((__u32)(b0) | (__u32)(b1) << 8)
#else
#define HOST16(b0, b1)	((__u32)(b0) << 8 | (__u32)(b1))
#endif

/*
 * The sum of the 24-byte control packet bfd_build() just wrote at b (as
 * csum_words32() would give it), without loading its first word:
 * bfd_build() writes that one a byte at a time, and a 32-bit load of
 * bytes still in the store buffer cannot be forwarded from them; it
 * waits until they reach the cache (about 1 ns per answer, measured).
 * The bytes are loaded one by one (volatile: not merged into one load),
 * the other words were stored whole.
 */
static __always_inline __u64 bfd_answer_sum(const struct bfd_ctrl *b)
{
	const volatile __u8 *c = (const volatile __u8 *)b;
	const __u32 *w = (const __u32 *)b;

	return (__u64)HOST16(c[0], c[1]) + HOST16(c[2], c[3]) + w[1] + w[2] +
	       w[3] + w[4] + w[5];
}

static __always_inline int bfd_drop_reason(int r)
{
	switch (r) {
	case BFD_RX_TRUNCATED:		return DSLITE_CNT_DROP_BFD_TRUNC;
	case BFD_RX_BAD_VERSION:	return DSLITE_CNT_DROP_BFD_VERSION;
	case BFD_RX_BAD_LENGTH:		return DSLITE_CNT_DROP_BFD_LENGTH;
	case BFD_RX_LENGTH_OVER_PAYLOAD: return DSLITE_CNT_DROP_BFD_LENGTH_PAYLOAD;
	case BFD_RX_ZERO_DETECT_MULT:	return DSLITE_CNT_DROP_BFD_DETECT_MULT;
	case BFD_RX_MULTIPOINT:		return DSLITE_CNT_DROP_BFD_MULTIPOINT;
	case BFD_RX_ZERO_MY_DISCR:	return DSLITE_CNT_DROP_BFD_MY_DISCR;
	case BFD_RX_ZERO_YOUR_DISCR:	return DSLITE_CNT_DROP_BFD_YOUR_DISCR_ZERO;
	case BFD_RX_AUTH_UNSUPPORTED:	return DSLITE_CNT_DROP_BFD_AUTH;
	}
	return DSLITE_CNT_DROP_BFD_YOUR_DISCR;
}

/* ---------------------------------------------------------------------
 * BFD control, inner destination = aftr_addr, UDP destination 3784.
 */
static __always_inline int handle_bfd(struct xdp_md *ctx, __u32 ip6_off,
				      __u32 iph_off)
{
	struct dslite_aftr_event ev;
	struct dslite_aftr_session *s = NULL;
	struct dslite_in6 key;
	struct bfd_ctrl *bfd;
	struct udphdr *udp;
	__u32 ulen, plen, discr, your;
	__u8 old_state, old_rstate, new_state, type;
	int created = 0, r;
	__u64 now, sum, psum;
	__u16 sport, check;
	struct pkt pk, *p = &pk;

	if (pkt_load(ctx, ip6_off, iph_off, p))
		return DSLITE_CNT_DROP_TRUNC_UDP;
	udp = pull(&p->c, sizeof(*udp));
	if (!udp)
		return DSLITE_CNT_DROP_TRUNC_UDP;
	ulen = bpf_ntohs(udp->len);
	if (ulen < sizeof(*udp) ||
	    ulen > bpf_ntohs(p->iph->tot_len) - p->iph->ihl * 4)
		return DSLITE_CNT_DROP_TRUNC_UDP;
	if (p->iph->ttl != BFD_TTL)
		return DSLITE_CNT_DROP_TTL;
	if (bpf_ntohs(udp->source) < BFD_SRC_PORT_MIN)
		return DSLITE_CNT_DROP_SRC_PORT;
	plen = ulen - sizeof(*udp);
	if (plen < BFD_CTRL_LEN)
		return DSLITE_CNT_DROP_BFD_TRUNC;
	bfd = (void *)(udp + 1);
	if ((void *)(bfd + 1) > p->c.end)
		return DSLITE_CNT_DROP_TRUNC_UDP;

	psum = udp4_pseudo_sum(p->iph, udp);
	if (plen == BFD_CTRL_LEN && udp->check) {
		sum = psum + *(__u32 *)udp + udp->check +
		      csum_words32(bfd, BFD_CTRL_LEN / 4);
		if (csum_fold64(sum) != 0xffff)
			return DSLITE_CNT_DROP_UDP_CSUM;
	}
	r = bfd_validate(bfd, plen);
	if (r != BFD_RX_OK)
		return bfd_drop_reason(r);
	if (plen != BFD_CTRL_LEN)
		return DSLITE_CNT_DROP_BFD_PADDING;
	if (!ipv4_csum_ok(p->iph, p->iph->ihl * 4, p->c.end))
		return DSLITE_CNT_DROP_IPV4_CSUM;

	now = now_ns();
	your = bpf_ntohl(bfd->your_discr);
	if (your) {
		/* RFC 5880 6.8.6: the session is the one Your Discriminator
		 * names; its slot must be live and belong to this B4 */
		if (your >> DSLITE_DISCR_NODE_SHIFT != dslite_cfg.node_id)
			return DSLITE_CNT_DROP_BFD_YOUR_DISCR;
		s = slot_of(your & slot_mask());
		if (!s || !(your & slot_mask()) ||
		    !slot_is(s, &p->ip6->saddr))
			return DSLITE_CNT_DROP_BFD_YOUR_DISCR;
		r = session_lock(s, &p->ip6->saddr,
				 DSLITE_CNT_DROP_BFD_YOUR_DISCR);
		if (r)
			return r;
	} else {
		/* a new B4, or one in Down that lost our discriminator */
		copy_in6(&key, &p->ip6->saddr);
		s = session_by_addr(&key);
		if (s) {
			r = session_lock(s, key.addr, DSLITE_CNT_DROP_BUSY);
			if (r)
				return r;
		} else {
			if (bfd_ctrl_state(bfd) != BFD_STATE_DOWN)
				return DSLITE_CNT_DROP_NO_SESSION;
			r = session_create(p, &key, now, &s, &created);
			if (r)
				return r;
		}
	}

	/* the try-lock is held */
	if (s->bfd.cfg_tx != dslite_cfg.desired_min_tx_us ||
	    s->bfd.cfg_rx != dslite_cfg.required_min_rx_us ||
	    s->bfd.cfg_echo_rx != dslite_cfg.required_min_echo_rx_us ||
	    s->bfd.detect_mult != dslite_cfg.detect_mult)
		bfd_set_timers(&s->bfd, dslite_cfg.desired_min_tx_us,
			       dslite_cfg.required_min_rx_us,
			       dslite_cfg.required_min_echo_rx_us,
			       dslite_cfg.detect_mult);
	old_state = s->bfd.state;
	old_rstate = s->bfd.remote_state;
	r = bfd_rx(&s->bfd, bfd, now);
	if (r == BFD_RX_BAD_YOUR_DISCR || r == BFD_RX_ZERO_DISCR_UP) {
		session_unlock(s);
		return r == BFD_RX_BAD_YOUR_DISCR ? DSLITE_CNT_DROP_BFD_YOUR_DISCR :
						    DSLITE_CNT_DROP_BFD_ZERO_DISCR_UP;
	}
	s->rx_packets++;	/* each one answered */
	s->last_seen_ns = now;
	if (s->bfd.state != old_state) {
		/* a session never Up keeps its creation time: its life is
		 * bounded from there (reapable()) */
		if (s->bfd.state == BFD_STATE_UP)
			s->flags |= DSLITE_SESS_WAS_UP;
		if (s->flags & DSLITE_SESS_WAS_UP)
			s->changed_ns = now;
	}
	copy_in6(&s->local, &p->ip6->daddr);
	bfd_build(&s->bfd, bfd);
	discr = s->bfd.local_discr;
	new_state = s->bfd.state;

	/* events (rare): built and sent before the session is released */
	type = 0;
	if (created)
		type = DSLITE_EV_NEW;
	else if (s->bfd.remote_state == BFD_STATE_ADMIN_DOWN &&
		 old_rstate != BFD_STATE_ADMIN_DOWN)
		type = DSLITE_EV_REMOTE_ADMIN_DOWN;
	else if (new_state != old_state)
		type = DSLITE_EV_STATE;
	if (type && event_budget(s, now)) {
		__builtin_memset(&ev, 0, sizeof(ev));
		ev.type = type;
		ev.old_state = old_state;
		ev.local_discr = discr;
		ev.remote_discr = s->bfd.remote_discr;
		ev.new_state = new_state;
		ev.diag = s->bfd.diag;
		ev.remote_state = s->bfd.remote_state;
		ev.remote_diag = s->bfd.remote_diag;
		ev.ts_ns = now;
		copy_in6(&ev.b4, &p->ip6->saddr);
		copy_in6(&ev.local, &p->ip6->daddr);
		emit(&ev);
	}
	session_unlock(s);
	if (new_state != old_state) {
		if (new_state == BFD_STATE_UP)
			count_event(DSLITE_CNT_SESS_UP);
		else if (new_state == BFD_STATE_DOWN)
			count_event(DSLITE_CNT_SESS_DOWN);
	}

	/* the answer: the control packet is in place, now the headers */
	swap_eth(p->eth);
	swap_ipv6(p->ip6);
	swap_ipv4(p->iph);	/* TTL is 255 already: checksum unchanged */
	sport = bpf_htons(BFD_SRC_PORT_MIN | (discr & 0x3fff));
	udp->source = sport;
	udp->dest = bpf_htons(BFD_PORT_CONTROL);
	sum = psum + sport + bpf_htons(BFD_PORT_CONTROL) + bfd_answer_sum(bfd);
	check = csum_finish(sum);
	udp->check = check ? check : 0xffff;
	return DSLITE_CNT_TX_BFD;
}

/* BFD echo (a genuine one, echo_genuine()) of a B4 with an Up session:
 * loop it back. */
static __always_inline int handle_echo(struct xdp_md *ctx, __u32 ip6_off,
				      __u32 iph_off)
{
	struct dslite_aftr_session *s;
	struct dslite_in6 key;
	struct pkt pk, *p = &pk;

	if (pkt_load(ctx, ip6_off, iph_off, p))
		return DSLITE_CNT_DROP_TRUNC_UDP;
	if (!dslite_cfg.required_min_echo_rx_us)
		return DSLITE_CNT_PASS_ECHO_DISABLED;
	copy_in6(&key, &p->ip6->saddr);
	s = session_by_addr(&key);
	if (!s || READ_ONCE(s->bfd.state) != BFD_STATE_UP)
		return DSLITE_CNT_PASS_ECHO_NO_SESSION;
	swap_eth(p->eth);
	swap_ipv6(p->ip6);
	return DSLITE_CNT_TX_ECHO;
}

/* ICMP to aftr_addr: answer echo requests. */
static __always_inline int handle_ping(struct xdp_md *ctx, __u32 ip6_off,
				      __u32 iph_off)
{
	struct icmphdr *icmp;
	__u16 old, *w;
	struct pkt pk, *p = &pk;
	int r;

	if (pkt_load(ctx, ip6_off, iph_off, p))
		return DSLITE_CNT_DROP_TRUNC_ICMP;
	icmp = pull_within(&p->c, sizeof(*icmp), p->l3_end);
	if (!icmp)
		return DSLITE_CNT_DROP_TRUNC_ICMP;
	if (icmp->type != ICMP_ECHO)
		return DSLITE_CNT_PASS_ICMP;
	r = source_check(p->ip6);
	if (r)
		return r;
	if (!ipv4_csum_ok(p->iph, p->iph->ihl * 4, p->c.end))
		return DSLITE_CNT_DROP_IPV4_CSUM;

	w = (__u16 *)icmp;
	old = *w;
	icmp->type = ICMP_ECHOREPLY;
	csum_replace2(&icmp->checksum, old, *w);
	w = (__u16 *)&p->iph->ttl;
	old = *w;
	p->iph->ttl = DSLITE_REPLY_TTL;
	csum_replace2(&p->iph->check, old, *w);
	swap_ipv4(p->iph);
	swap_ipv6(p->ip6);
	swap_eth(p->eth);
	return DSLITE_CNT_TX_PING;
}

/* ---------------------------------------------------------------------
 * Anycast group (dslite_aftr.h, "Anycast group")
 */

/* a member of an anycast group? (a constant after load) */
static __always_inline int anycast_member(void)
{
	return dslite_anycast.member;
}

/* is the address at p (packet or map) the anycast address? */
static __always_inline int is_anycast(const void *p)
{
	const volatile __u32 *a = (const volatile __u32 *)dslite_anycast.addr.addr;
	const __u32 *w = p;

	return ((w[0] ^ a[0]) | (w[1] ^ a[1]) | (w[2] ^ a[2]) |
		(w[3] ^ a[3])) == 0;
}

static __always_inline __u64 owner_idle_ns(void)
{
	return (__u64)dslite_anycast.owner_idle_ms * NSEC_PER_MSEC;
}

/*
 * Softwire traffic from a B4 to the anycast address: record the B4 in
 * dslite_softwires, at most every owner_idle_ms / 8 per CPU (the per-CPU
 * dslite_sw_seen slot says when this CPU last did).
 */
static __always_inline void softwire_seen(const struct ipv6hdr *ip6)
{
	struct dslite_softwire *sw, nsw;
	struct dslite_sw_seen *slot;
	struct dslite_in6 key;
	__u64 now, seen, refresh = owner_idle_ns() / 8;
	__u32 idx, *k = (__u32 *)key.addr, *sk;

	if (!is_anycast(&ip6->daddr))
		return;
	copy_in6(&key, &ip6->saddr);
	idx = dslite_sw_hash(k);
	slot = bpf_map_lookup_elem(&dslite_sw_seen, &idx);
	if (!slot)
		return;
	now = now_ns();
	sk = (__u32 *)slot->b4.addr;
	if (!((sk[0] ^ k[0]) | (sk[1] ^ k[1]) | (sk[2] ^ k[2]) | (sk[3] ^ k[3])) &&
	    (__s64)(now - slot->seen_ns) < (__s64)refresh)
		return;

	sw = bpf_map_lookup_elem(&dslite_softwires, &key);
	if (sw) {
		seen = READ_ONCE(sw->seen_ns);
		if ((__s64)(now - seen) >= (__s64)refresh) {
			WRITE_ONCE(sw->seen_ns, now);
			seen = now;
		}
	} else {
		nsw.seen_ns = now;
		seen = now;
		bpf_map_update_elem(&dslite_softwires, &key, &nsw, BPF_ANY);
	}
	slot->b4 = key;
	slot->seen_ns = seen;
}

/* Ordinary softwire traffic: what the softwire path returns for it. */
static __always_inline int tunnel_data(const struct pkt *p)
{
	if (anycast_member())
		softwire_seen(p->ip6);
	return DSLITE_CNT_PASS_TUNNEL_DATA;
}

/* Is the B4 b4 (an address in the packet) served by this node? */
static __always_inline int served(const void *b4, __u64 now)
{
	struct dslite_aftr_session *s;
	struct dslite_softwire *sw;
	struct dslite_in6 key;

	copy_in6(&key, b4);
	s = session_by_addr(&key);
	if (s && is_anycast(s->local.addr))
		return READ_ONCE(s->bfd.state) >= BFD_STATE_INIT;
	sw = bpf_map_lookup_elem(&dslite_softwires, &key);
	return sw && (__s64)(now - READ_ONCE(sw->seen_ns)) <= (__s64)owner_idle_ns();
}

/* Take one token per peer from the relay's bucket (GCRA). */
static __always_inline int relay_allowed(__u64 now)
{
	struct dslite_relay_state *st;
	__u64 period, n, burst, tat;
	__u32 zero = 0;
	int ok = 1;

	st = bpf_map_lookup_elem(&dslite_relay, &zero);
	if (!st)
		return 0;
	period = NSEC_PER_SEC / (dslite_anycast.relay_rate ?
				 dslite_anycast.relay_rate : 1);
	n = dslite_anycast.n_peers;
	burst = dslite_anycast.relay_burst > n ? dslite_anycast.relay_burst : n;
	bpf_spin_lock(&st->lock);
	if (st->tat_ns > now + burst * period)
		st->tat_ns = now;	/* a clock that jumped */
	tat = st->tat_ns > now ? st->tat_ns : now;
	if (tat - now > (burst - n) * period)
		ok = 0;
	else
		st->tat_ns = tat + n * period;
	bpf_spin_unlock(&st->lock);
	return ok;
}

/* Is the address at p (in the packet) one of the peers'? */
static __always_inline int is_peer(const void *p)
{
	const __u32 *w = p;
	struct dslite_in6 *peer;
	__u32 i, key, *a;

	for (i = 0; i < DSLITE_MAX_PEERS; i++) {
		if (i >= dslite_anycast.n_peers)
			break;
		key = i;	/* the loop counter stays in a register */
		peer = bpf_map_lookup_elem(&dslite_peers, &key);
		if (!peer)
			break;
		a = (__u32 *)peer->addr;
		if (!((w[0] ^ a[0]) | (w[1] ^ a[1]) | (w[2] ^ a[2]) |
		      (w[3] ^ a[3])))
			return 1;
	}
	return 0;
}

/*
 * ICMPv6 Packet Too Big (type 2) on a member: the cursor is past the
 * ICMPv6 header. See dslite_aftr.h for the verdicts.
 */
static __always_inline int handle_ptb(struct xdp_md *ctx, struct pkt *p,
				      struct icmp6hdr *icmp6)
{
	struct dslite_relay_meta *m;
	struct ipv6hdr *q;
	__u32 l4_off;
	__u8 nh;

	if (icmp6->icmp6_code != 0)
		return DSLITE_CNT_PASS_ICMP6;
	q = pull_within(&p->c, sizeof(*q), p->l3_end);
	if (!is_anycast(&p->ip6->daddr)) {
		/* to another address: a copy relayed by a peer? */
		if (!q || !is_anycast(&q->saddr))
			return DSLITE_CNT_PASS_ICMP6;
		count_event(DSLITE_CNT_PTB_SEEN);
		if (!is_peer(&p->ip6->saddr))
			return DSLITE_CNT_DROP_PTB_NOT_PEER;
		return DSLITE_CNT_PASS_PTB_PEER;
	}

	count_event(DSLITE_CNT_PTB_SEEN);
	if (bpf_ntohl(icmp6->icmp6_mtu) < DSLITE_IPV6_MIN_MTU)
		return DSLITE_CNT_DROP_PTB_MTU;
	if (!q)
		return DSLITE_CNT_DROP_PTB_TRUNC;
	if (!is_anycast(&q->saddr))
		return DSLITE_CNT_DROP_PTB_FOREIGN;
	nh = q->nexthdr;
	switch (skip_ipv6_exthdrs(&p->c, &nh, p->l3_end)) {
	case PARSE_OK:
		break;
	case PARSE_TRUNC:
		return DSLITE_CNT_DROP_PTB_TRUNC;
	default:
		return DSLITE_CNT_PASS_PTB_OTHER;	/* fragment, routing */
	}
	if (nh != DSLITE_NEXTHDR_IPIP)
		return DSLITE_CNT_PASS_PTB_OTHER;
	if (!pull_within(&p->c, 8, p->l3_end))
		return DSLITE_CNT_DROP_PTB_TRUNC;

	if (served(&q->daddr, now_ns()))
		return DSLITE_CNT_PASS_PTB_OWNED;
	if (!dslite_anycast.n_peers)
		return DSLITE_CNT_PASS_PTB_UNOWNED;
	if (!relay_allowed(now_ns()))
		return DSLITE_CNT_DROP_PTB_RATE_LIMITED;

	/* flag it: the packet pointers are invalid from here on */
	l4_off = (void *)icmp6 - (void *)p->ip6;
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return DSLITE_CNT_DROP_PTB_NO_META;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return DSLITE_CNT_DROP_PTB_NO_META;
	m->magic = DSLITE_RELAY_MAGIC;
	m->l4_off = l4_off;
	m->_pad = 0;
	return DSLITE_CNT_PASS_PTB_RELAY;
}

/*
 * Is this inner packet a BFD echo packet (its UDP port aside)? One a B4
 * sent to itself (RFC 5880 6.4, RFC 9747 2): source = destination = one
 * of the B4 addresses of aftr_addr's /29 (not the network address, not
 * aftr_addr), TTL 255: a packet that crossed a router (the B4 forwarding
 * a subscriber's traffic) has a lower one (RFC 5881 5, RFC 5082).
 */
static __always_inline int echo_genuine(const struct iphdr *iph)
{
	__be32 net = dslite_cfg.aftr_addr & bpf_htonl(0xfffffff8);

	return iph->saddr == iph->daddr && iph->ttl == BFD_TTL &&
	       (iph->saddr & bpf_htonl(0xfffffff8)) == net &&
	       iph->saddr != net && iph->saddr != dslite_cfg.aftr_addr;
}

/* IPv6 next header 4: the softwire. */
static __always_inline int handle_ipip(struct xdp_md *ctx, struct pkt *p)
{
	__u32 ip6_off, iph_off;
	struct iphdr *iph;
	struct udphdr *udp;
	__u32 hlen, tot;
	int r;

	r = parse_ipv4(&p->c, &p->iph, p->l3_end);
	if (r != PARSE_OK)
		return DSLITE_CNT_PASS_TRUNC_IPV4;
	iph = p->iph;
	if (ipv4_is_fragment(iph))
		return DSLITE_CNT_PASS_INNER_FRAG;

	if (iph->daddr != dslite_cfg.aftr_addr) {
		/* ordinary traffic, unless it is a BFD echo */
		if (iph->protocol != IPPROTO_UDP || !echo_genuine(iph))
			return tunnel_data(p);
		udp = pull_within(&p->c, sizeof(*udp), p->l3_end);
		if (!udp || udp->dest != bpf_htons(BFD_PORT_ECHO))
			return tunnel_data(p);
	} else if (iph->protocol == IPPROTO_UDP) {
		udp = pull_within(&p->c, sizeof(*udp), p->l3_end);
		if (!udp)
			return DSLITE_CNT_DROP_TRUNC_UDP;
		if (udp->dest != bpf_htons(BFD_PORT_CONTROL))
			return tunnel_data(p);
	} else if (iph->protocol == IPPROTO_ICMP) {
		udp = NULL;
	} else {
		return tunnel_data(p);
	}

	/* addressed to the responder: the total length must fit */
	hlen = iph->ihl * 4;
	tot = ntohs_len(iph->tot_len);
	if (tot < hlen || (void *)iph + tot > p->l3_end)
		return DSLITE_CNT_DROP_TRUNC_IPV4;

	ip6_off = (void *)p->ip6 - p->data;
	iph_off = (void *)iph - p->data;
	if (!udp)
		return handle_ping(ctx, ip6_off, iph_off);
	if (udp->dest == bpf_htons(BFD_PORT_ECHO))
		return handle_echo(ctx, ip6_off, iph_off);
	return handle_bfd(ctx, ip6_off, iph_off);
}

/* ICMPv6 echo request to one of the AFTR's addresses; on an anycast
 * group member, Packet Too Big as well. */
static __always_inline int handle_icmp6(struct xdp_md *ctx, struct pkt *p)
{
	struct icmp6hdr *icmp6;
	struct dslite_in6 key;
	__u32 *flags;
	__u16 old, *w;
	int r;

	icmp6 = pull_within(&p->c, sizeof(*icmp6), p->l3_end);
	if (!icmp6)
		return DSLITE_CNT_PASS_ICMP6;
	if (icmp6->icmp6_type != DSLITE_ICMP6_ECHO_REQUEST) {
		if (anycast_member() &&
		    icmp6->icmp6_type == DSLITE_ICMP6_PKT_TOO_BIG)
			return handle_ptb(ctx, p, icmp6);
		return DSLITE_CNT_PASS_ICMP6;
	}
	copy_in6(&key, &p->ip6->daddr);
	flags = bpf_map_lookup_elem(&dslite_local, &key);
	if (!flags || !(*flags & DSLITE_LOCAL_PING))
		return DSLITE_CNT_PASS_ICMP6;
	/* the allowlist covers every answer: the others are the kernel's */
	r = source_check(p->ip6);
	if (r)
		return r == DSLITE_CNT_DROP_NOT_PERMITTED ?
		       DSLITE_CNT_PASS_PING6_NOT_PERMITTED : r;

	w = (__u16 *)icmp6;
	old = *w;
	icmp6->icmp6_type = DSLITE_ICMP6_ECHO_REPLY;
	csum_replace2(&icmp6->icmp6_cksum, old, *w);
	swap_ipv6(p->ip6);
	swap_eth(p->eth);
	return DSLITE_CNT_TX_PING6;
}

static __always_inline int handle(struct xdp_md *ctx)
{
	struct pkt p;
	__be16 proto;
	__u8 nexthdr;
	int r, vlan_trunc;

	cursor_init(&p.c, ctx);
	p.data = p.c.pos;
	r = parse_eth(&p.c, &p.eth, &proto, &vlan_trunc);
	if (r != PARSE_OK)
		return vlan_trunc ? DSLITE_CNT_PASS_TRUNC_VLAN :
				    DSLITE_CNT_PASS_TRUNC_ETH;
	if (proto != bpf_htons(ETH_P_IPV6))
		return DSLITE_CNT_PASS_NOT_IPV6;
	if (parse_ipv6(&p.c, &p.ip6, &p.l3_end) != PARSE_OK)
		return DSLITE_CNT_PASS_TRUNC_IPV6;

	nexthdr = p.ip6->nexthdr;
	switch (skip_ipv6_exthdrs(&p.c, &nexthdr, p.l3_end)) {
	case PARSE_OK:
		break;
	case PARSE_FRAG:
		return DSLITE_CNT_PASS_OUTER_FRAG;
	case PARSE_TRUNC:
		return DSLITE_CNT_PASS_TRUNC_EXTHDR;
	default:
		return DSLITE_CNT_PASS_EXTHDR;
	}
	if (nexthdr == DSLITE_NEXTHDR_IPIP)
		return handle_ipip(ctx, &p);
	if (nexthdr == IPPROTO_ICMPV6)
		return handle_icmp6(ctx, &p);
	return DSLITE_CNT_PASS_OTHER_L4;
}

SEC("xdp")
int dslite_aftr(struct xdp_md *ctx)
{
	struct dslite_counters *cnt;
	__u32 zero = 0, r, v, vi;

	r = handle(ctx);
	if (r < DSLITE_CNT_PASS_NOT_IPV6) {
		v = XDP_TX;
		vi = DSLITE_CNT_XDP_TX;
	} else if (r < DSLITE_CNT_DROP_TRUNC_IPV4) {
		v = XDP_PASS;
		vi = DSLITE_CNT_XDP_PASS;
	} else {
		v = XDP_DROP;
		vi = DSLITE_CNT_XDP_DROP;
	}
	cnt = bpf_map_lookup_elem(&dslite_counters, &zero);
	if (cnt) {
		cnt->c[vi]++;
		if (r < DSLITE_CNT__MAX)
			cnt->c[r]++;
	}
	return v;
}

/* ---------------------------------------------------------------------
 * Sweeper
 */
struct bpf_map;

struct sweep_ctx {
	__u64	now;
	__u64	now_rx;		/* now, less the XDP clock's error */
};

/*
 * Is the session to be deleted? One that was Up: when Down and idle
 * (no packet, no state change) for longer than down_idle_ms. One that
 * never was Up: embryonic_idle_ms after its creation (changed_ns),
 * whatever state it is in and whatever its B4 sends.
 */
static __always_inline int reapable(const struct dslite_aftr_session *s,
				    __u64 now)
{
	__u64 seen, limit;

	if (!(s->flags & DSLITE_SESS_WAS_UP)) {
		limit = dslite_cfg.embryonic_idle_ms;
		seen = s->changed_ns;
	} else {
		if (s->bfd.state != BFD_STATE_DOWN)
			return 0;
		limit = dslite_cfg.down_idle_ms;
		seen = s->last_seen_ns > s->changed_ns ? s->last_seen_ns :
							 s->changed_ns;
	}
	return limit && now > seen && now - seen > limit * NSEC_PER_MSEC;
}

/* a stamp of the session further in the future than a clock can be */
static __always_inline int stamp_ahead(const struct dslite_aftr_session *s,
				       __u64 now)
{
	__u64 lim = now + DSLITE_CLOCK_SLACK_NS;

	return s->bfd.last_rx_ns > lim || s->last_seen_ns > lim ||
	       s->changed_ns > lim;
}

/* clamp such stamps to now (under the try-lock) */
static __always_inline void stamp_clamp(struct dslite_aftr_session *s,
					__u64 now)
{
	__u64 lim = now + DSLITE_CLOCK_SLACK_NS;

	if (!stamp_ahead(s, now))
		return;
	if (s->bfd.last_rx_ns > lim)
		s->bfd.last_rx_ns = now;
	if (s->last_seen_ns > lim)
		s->last_seen_ns = now;
	if (s->changed_ns > lim)
		s->changed_ns = now;
	count_event(DSLITE_CNT_CLOCK_CLAMPED);
}

/*
 * One live session per call of bpf_for_each_map_elem() over dslite_discrs
 * (key the B4, value its discriminator: the slot). A first look without
 * the try-lock skips the sessions with nothing to do; a session busy on
 * another CPU (or being created: not live yet) waits for the next sweep.
 * Expiry is judged two jiffies late, the precision of the XDP path's
 * clock. Reaping deletes the dslite_discrs entry, then frees the slot,
 * both under the try-lock.
 */
static long sweep_one(struct bpf_map *map, struct dslite_in6 *key,
		      __u32 *val, struct sweep_ctx *ctx)
{
	struct dslite_aftr_event ev = {};
	struct dslite_aftr_session *s;
	__u64 now = ctx->now;
	__u32 low;
	int reap;

	low = *val & slot_mask();
	s = low ? slot_of(low) : NULL;
	if (!s || !slot_is(s, key->addr))
		return 0;
	if (!bfd_detect_expired(&s->bfd, ctx->now_rx) && !reapable(s, now) &&
	    !stamp_ahead(s, now))
		return 0;
	if (session_lock(s, key->addr, 1))
		return 0;
	stamp_clamp(s, now);
	if (bfd_detect_expired(&s->bfd, ctx->now_rx)) {
		ev.old_state = s->bfd.state;
		if (bfd_timeout(&s->bfd)) {
			if (s->flags & DSLITE_SESS_WAS_UP)
				s->changed_ns = now;
			ev.type = DSLITE_EV_TIMEOUT;
		}
	}
	reap = reapable(s, now);
	ev.local_discr = s->bfd.local_discr;
	ev.remote_discr = s->bfd.remote_discr;
	ev.new_state = s->bfd.state;
	ev.diag = s->bfd.diag;
	ev.remote_state = s->bfd.remote_state;
	ev.remote_diag = s->bfd.remote_diag;
	ev.local = s->local;
	ev.b4 = *key;
	if (reap) {
		/* the slot stays locked on the free ring (dslite_aftr.h) */
		bpf_map_delete_elem(&dslite_discrs, &ev.b4);
		s->flags = 0;
		s->bfd.local_discr = 0;
		slot_release(low);
	} else {
		session_unlock(s);
	}

	if (!ev.type && !reap)
		return 0;
	ev.ts_ns = now;
	if (ev.type) {
		count_event(DSLITE_CNT_SESS_TIMEOUT);
		emit(&ev);
	}
	if (reap) {
		count_event(DSLITE_CNT_SESS_REAPED);
		ev.type = DSLITE_EV_REAPED;
		ev.old_state = ev.new_state;
		emit(&ev);
	}
	return 0;
}

static __always_inline __u64 sweep_period_ns(void)
{
	__u32 ms = dslite_cfg.sweep_interval_ms;

	return (ms ? ms : DSLITE_DEF_SWEEP_MS) * NSEC_PER_MSEC;
}

static int sweep(void *map, __u32 *key, struct sweep_timer *t)
{
	struct sweep_ctx ctx;

	ctx.now = clock_sync();
	ctx.now_rx = ctx.now - 2 * READ_ONCE(clk_ns_per_jiffy);

	bpf_for_each_map_elem(&dslite_discrs, sweep_one, &ctx, 0);
	count_event(DSLITE_CNT_SWEEPS);
	bpf_timer_start(&t->timer, sweep_period_ns(), 0);
	return 0;
}

SEC("xdp")
int dslite_aftr_arm(struct xdp_md *ctx)
{
	struct sweep_timer *t;
	__u32 zero = 0;
	long err;

	t = bpf_map_lookup_elem(&dslite_timer, &zero);
	if (!t)
		return XDP_ABORTED;
	err = bpf_timer_init(&t->timer, &dslite_timer, CLOCK_MONOTONIC);
	if (err && err != -EBUSY)
		return XDP_ABORTED;
	if (bpf_timer_set_callback(&t->timer, sweep))
		return XDP_ABORTED;
	if (bpf_timer_start(&t->timer, sweep_period_ns(), 0))
		return XDP_ABORTED;
	return XDP_PASS;
}

/* ---------------------------------------------------------------------
 * The PTB relay (TC ingress of the responder's device, anycast members
 * with peers): a copy of every flagged PTB to every peer, the original
 * dropped. Unflagged packets cost a bounds check and go on to the next
 * filter (TC_ACT_UNSPEC), if there is one.
 */
#define MAX_L4_OFF	(sizeof(struct ipv6hdr) + DSLITE_MAX_EXTHDRS * 2048)

/* The relay format (dslite_aftr.h): readdress the frame to peer, with the
 * next hop's MACs when fib is given. */
static __always_inline int relay_rewrite(struct __sk_buff *skb, __u32 l4_off,
					 const struct dslite_in6 *peer,
					 const struct bpf_fib_lookup *fib)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	const volatile __u32 *src = (const volatile __u32 *)dslite_anycast.source.addr;
	const __u32 *dst = (const __u32 *)peer->addr;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = data + ETH_HLEN;
	struct icmp6hdr *icmp6;
	__u64 sum, off = l4_off;
	__u32 *a;
	int i;

	/* the 6.1 verifier loses the bound of a spilled offset: give it
	 * one it can see (MAX_L4_OFF < 0x3fff) */
	asm volatile("%0 &= 0x3fff" : "+r"(off));
	if (off > MAX_L4_OFF)
		return -1;
	icmp6 = (void *)ip6 + off;
	if ((void *)(ip6 + 1) > end || (void *)(icmp6 + 1) > end)
		return -1;
	/* RFC 1624 over the pseudo header's addresses */
	a = (__u32 *)&ip6->saddr;		/* saddr, then daddr */
	sum = (__u16)~icmp6->icmp6_cksum;
#pragma unroll
	for (i = 0; i < 8; i++)
		sum += (__u32)~a[i];
#pragma unroll
	for (i = 0; i < 4; i++) {
		a[i] = src[i];
		a[4 + i] = dst[i];
	}
#pragma unroll
	for (i = 0; i < 8; i++)
		sum += a[i];
	icmp6->icmp6_cksum = csum_finish(sum);
	ip6->hop_limit = DSLITE_REPLY_TTL;
	if (fib) {
		__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
	}
	return 0;
}

static __always_inline int relay(struct __sk_buff *skb, __u32 l4_off)
{
	__u32 i, key, n = dslite_anycast.n_peers;
	struct bpf_fib_lookup fib;
	struct dslite_in6 *peer;
	struct ethhdr *eth;
	long rc;

	/* untagged Ethernet / IPv6, headers and ICMPv6 in the linear part */
	for (i = 0; i < 3; i++) {
		if (!skb->vlan_present &&
		    skb->protocol != bpf_htons(ETH_P_8021Q) &&
		    skb->protocol != bpf_htons(ETH_P_8021AD))
			break;
		if (bpf_skb_vlan_pop(skb))
			goto fail;
	}
	if (l4_off > MAX_L4_OFF ||
	    bpf_skb_pull_data(skb, ETH_HLEN + l4_off + sizeof(struct icmp6hdr)))
		goto fail;
	eth = (void *)(long)skb->data;
	if ((void *)(eth + 1) > (void *)(long)skb->data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IPV6))
		goto fail;
	/* the copies are new packets: let the receivers check the sum */
	bpf_csum_level(skb, BPF_CSUM_LEVEL_RESET);

	/* every peer but the last: a clone out of the FIB's next hop */
	for (i = 0; i < DSLITE_MAX_PEERS - 1; i++) {
		if (i + 1 >= n)
			break;
		key = i;	/* the loop counter stays in a register */
		peer = bpf_map_lookup_elem(&dslite_peers, &key);
		if (!peer)
			break;
		__builtin_memset(&fib, 0, sizeof(fib));
		fib.family = AF_INET6;
		fib.l4_protocol = IPPROTO_ICMPV6;
		fib.tot_len = skb->len - ETH_HLEN;
		fib.ifindex = skb->ingress_ifindex;
		__builtin_memcpy(fib.ipv6_src, (const void *)dslite_anycast.source.addr, 16);
		__builtin_memcpy(fib.ipv6_dst, peer->addr, 16);
		rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
		if (rc != BPF_FIB_LKUP_RET_SUCCESS ||
		    relay_rewrite(skb, l4_off, peer, &fib) ||
		    bpf_clone_redirect(skb, fib.ifindex, 0)) {
			count_event(DSLITE_CNT_PTB_RELAY_FAILED);
			continue;
		}
		count_event(DSLITE_CNT_PTB_RELAYED);
	}

	/* the last peer: the packet itself, the neighbour resolved if need be */
	key = n - 1;
	peer = bpf_map_lookup_elem(&dslite_peers, &key);
	if (!peer || relay_rewrite(skb, l4_off, peer, NULL)) {
		count_event(DSLITE_CNT_PTB_RELAY_FAILED);
		return TC_ACT_SHOT;
	}
	count_event(DSLITE_CNT_PTB_RELAYED);
	return bpf_redirect_neigh(skb->ingress_ifindex, NULL, 0, 0);
fail:
	/* none of the copies could be made */
	count_add(DSLITE_CNT_PTB_RELAY_FAILED, n);
	return TC_ACT_SHOT;
}

/*
 * Is the flagged packet what XDP flagged: a PTB to the anycast address?
 * Metadata can outlive its packet's trip: an skb that crosses a veth
 * into another network namespace keeps it. A relayed copy is addressed
 * to a peer, so a copy that comes back with stale metadata is never
 * relayed again.
 */
static __always_inline int flagged_ptb(struct __sk_buff *skb, __u32 l4_off)
{
	struct ethhdr *eth = (void *)(long)skb->data;
	struct vlan_tag *tag;
	__u8 type, daddr[16];
	__be16 proto;
	__u32 off = ETH_HLEN;
	int i;

	if ((void *)(eth + 1) > (void *)(long)skb->data_end)
		return 0;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		tag = (void *)(long)skb->data + off;
		if ((void *)(tag + 1) > (void *)(long)skb->data_end)
			return 0;
		proto = tag->proto;
		off += sizeof(*tag);
	}
	if (proto != bpf_htons(ETH_P_IPV6) || l4_off > MAX_L4_OFF ||
	    bpf_skb_load_bytes(skb, off + offsetof(struct ipv6hdr, daddr),
			       daddr, sizeof(daddr)) ||
	    bpf_skb_load_bytes(skb, off + l4_off, &type, 1))
		return 0;
	return is_anycast(daddr) && type == DSLITE_ICMP6_PKT_TOO_BIG;
}

SEC("tc")
int dslite_ptb_relay(struct __sk_buff *skb)
{
	struct dslite_relay_meta *m = (void *)(long)skb->data_meta;
	__u32 l4_off;

	/* not flagged: on to the next filter, if any */
	if ((void *)(m + 1) > (void *)(long)skb->data ||
	    m->magic != DSLITE_RELAY_MAGIC)
		return TC_ACT_UNSPEC;
	l4_off = m->l4_off;
	if (!flagged_ptb(skb, l4_off))
		return TC_ACT_UNSPEC;
	return relay(skb, l4_off);
}
