/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dslite AFTR responder: the contract between the XDP object
 * (bpf/dslite_aftr.bpf.c, skeleton build/dslite_aftr.skel.h) and its
 * loader (dslitectl aftr ...). Compiles for the BPF target and userspace;
 * fixed-width types, explicit padding, no pointers.
 *
 * Programs (both SEC("xdp"), names as shown by `bpftool prog show`):
 *   dslite_aftr      the responder, attached to the AFTR's IPv6 uplink.
 *   dslite_aftr_arm  never attached: run it once with BPF_PROG_TEST_RUN
 *                    after every load (any frame of >= 14 bytes, e.g. 64
 *                    zero bytes). It starts the session sweeper, a
 *                    bpf_timer in dslite_timer that starts a pass every
 *                    cfg.sweep_interval_ms over dslite_deadlines (the
 *                    sessions whose deadline came; timeouts, reaping), in
 *                    bounded chunks. retval XDP_PASS (2): armed;
 *                    XDP_ABORTED (0): the timer could not be started. Running
 *                    it again (e.g. after a re-load that reused the pinned
 *                    maps) moves the timer to the newly loaded program.
 *   dslite_ptb_relay SEC("tc"), for anycast group members only: attached
 *                    to the clsact ingress of the same device, it sends
 *                    the copies of the Packet Too Big messages the XDP
 *                    program flagged (see "Anycast group" below).
 *
 * Loading, in this order:
 *   1. open the skeleton; set every field of rodata->dslite_cfg that
 *      differs from the defaults (struct dslite_aftr_cfg below), among
 *      them allowlist = 1 when any permitted prefix is given;
 *   2. bpf_map__set_max_entries(dslite_sessions, N + 1), N for
 *      dslite_discrs and dslite_deadline_blocks(N) for dslite_deadlines
 *      (N sessions, default 1,000,000, at most DSLITE_MAX_SESSIONS; slot
 *      0 of dslite_sessions is never used),
 *      and dslite_cfg_table(&rodata->dslite_cfg, N) (the slot bits of
 *      the discriminators and the free ring's size);
 *      optionally dslite_allow
 *      (default 65536 prefixes), dslite_events (ring bytes, power of 2);
 *   3. to keep sessions across a restart, bpf_map__reuse_fd() or
 *      bpf_map__set_pin_path() the pinned maps before load;
 *   4. load; fill dslite_allow (struct dslite_lpm6_key -> __u32 1) with
 *      the permitted B4 prefixes and dslite_local with the AFTR's own
 *      IPv6 addresses (struct dslite_in6 -> __u32 DSLITE_LOCAL_* flags)
 *      for ICMPv6 echo;
 *   5. run dslite_aftr_arm once (see above);
 *   6. attach dslite_aftr with a bpf_link (native or generic XDP);
 *   7. anycast group members with peers: attach dslite_ptb_relay to the
 *      device's clsact ingress (the anycast steps are listed below).
 *
 * Pin layout (recommended): /sys/fs/bpf/dslite/IFNAME/ holds the link as
 * "link" and every map under its own name (dslite_sessions, dslite_discrs,
 * dslite_deadlines, dslite_counters, dslite_events, dslite_allow, dslite_local,
 * dslite_timer, dslite_state, and the anycast group's dslite_peers,
 * dslite_softwires, dslite_sw_seen, dslite_relay). dslite_timer MUST
 * stay pinned (or open) while the responder runs: the kernel cancels a
 * bpf_timer when the last user reference to its map goes, and the sweeper
 * stops. Unpinning everything and closing the link stops all of it.
 *
 * Time: every timestamp is CLOCK_MONOTONIC in nanoseconds (userspace
 * compares with clock_gettime(CLOCK_MONOTONIC)). The sweeper reads it with
 * bpf_ktime_get_ns(); the XDP path, where a helper call costs as much as
 * the rest of the answer, derives it from jiffies (an inlined load):
 * jiffies x the kernel's tick length + an offset. The tick length is
 * measured once by the sweeper (about a second after arming), rounded to
 * the tick of the kernel's HZ (100, 250, 300 or 1000) and never changes
 * afterwards; the sweeper then only rewrites the offset, one 64-bit word.
 * So a reader never pairs values of two calibrations: the clock is
 * accurate to a jiffy (1-10 ms), and the sweeper allows two jiffies before
 * declaring a detection time expired. Until the sweeper has calibrated,
 * or when it is not armed, the XDP path calls bpf_ktime_get_ns(). Should
 * a stamp still be found in the future (more than DSLITE_CLOCK_SLACK_NS
 * ahead of the sweeper's clock: a clock that jumped), the sweeper clamps
 * it to its present and counts clock_clamped, and the new-session limiter
 * drops a state that lies further ahead than its burst allows.
 */
#ifndef _DSLITE_AFTR_H
#define _DSLITE_AFTR_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <dslite/proto.h>
#include <dslite/bfd.h>
#include <dslite/mtu.h>

/* Map names (also the recommended pin names). */
#define DSLITE_MAP_SESSIONS	"dslite_sessions"
#define DSLITE_MAP_DISCRS	"dslite_discrs"
#define DSLITE_MAP_DEADLINES	"dslite_deadlines"
#define DSLITE_MAP_COUNTERS	"dslite_counters"
#define DSLITE_MAP_EVENTS	"dslite_events"
#define DSLITE_MAP_ALLOW	"dslite_allow"
#define DSLITE_MAP_LOCAL	"dslite_local"
#define DSLITE_MAP_TIMER	"dslite_timer"
#define DSLITE_MAP_STATE	"dslite_state"
#define DSLITE_MAP_MTU		"dslite_mtu"
#define DSLITE_PIN_ROOT		"/sys/fs/bpf/dslite"

/* Default sizes (max_entries; the loader may change them before load). */
#define DSLITE_DEF_SESSIONS	1000000
#define DSLITE_DEF_ALLOW	65536
#define DSLITE_DEF_LOCAL	64
#define DSLITE_DEF_EVENTS	(1 << 20)	/* ring buffer bytes */

/* An IPv6 address as stored in maps (network order bytes). */
struct dslite_in6 {
	__u8	addr[16];
};

/*
 * Load-time configuration: `const volatile struct dslite_aftr_cfg
 * dslite_cfg` in .rodata (skel->rodata->dslite_cfg), fixed at load.
 * Intervals are what the AFTR advertises in its BFD packets.
 */
struct dslite_aftr_cfg {
	/* Inner IPv4 address of the AFTR's softwire end, network order.
	 * BFD control and ICMP echo to it are answered. 192.0.0.1. */
	__be32	aftr_addr;
	/* Desired Min TX advertised once Up, us. While not Up 1 s is
	 * advertised (RFC 5880 6.8.3); the AFTR answers at the B4's pace and
	 * never advertises less than the B4's own Desired Min TX. 300000. */
	__u32	desired_min_tx_us;
	/* Required Min RX advertised, us (the fastest the AFTR accepts
	 * control packets from a B4); not 0 (0 would ask the B4s to stop
	 * sending). 300000. */
	__u32	required_min_rx_us;
	/* Required Min Echo RX advertised, us; 0: BFD echo is not
	 * reflected (echo packets then pass to the kernel). 50000. */
	__u32	required_min_echo_rx_us;
	/* New sessions per second over the whole node (token bucket shared
	 * by all CPUs); 0: unlimited. 10000. */
	__u32	new_sessions_per_sec;
	/* Token bucket depth: sessions that may be created at once after a
	 * quiet period. At least 1. 1000. */
	__u32	new_sessions_burst;
	/* Sweeper period, ms (timeouts are noticed at most this late). 250. */
	__u32	sweep_interval_ms;
	/* A Down session that once was Up is deleted after this long
	 * without a valid packet and without a state change, ms; 0: never.
	 * 600000 (10 min). */
	__u32	down_idle_ms;
	/* A Down session that never reached Up (a B4 that never completed
	 * the three-way handshake, or a spoofed source) is deleted after
	 * this long idle, ms; 0: never. 10000. */
	__u32	embryonic_idle_ms;
	/* Node id: the top 8 bits of every local discriminator (the low 24
	 * bits are the session's slot, see dslite_sessions). 0. */
	__u8	node_id;
	/* Detect Mult advertised, 1..255. 3. */
	__u8	detect_mult;
	/* 1: only B4s whose outer source matches a prefix in dslite_allow
	 * get sessions, echo and ping answers; 0: every source. 0.
	 * Whatever it says, multicast, unspecified, loopback, link-local,
	 * IPv4-mapped sources and the AFTR's own addresses (dslite_local)
	 * never get an answer (drop_bad_source). */
	__u8	allowlist;
	/* Bits of the discriminator that hold the slot (1..24): the
	 * sessions table's size N needs dslite_slot_bits(N); the bits above
	 * them up to bit 23 hold a random tag. dslite_cfg_table() sets it. 20. */
	__u8	slot_bits;
	/* N: the number of sessions dslite_sessions holds (its max_entries
	 * less one). dslite_cfg_table() sets it. 1,000,000. */
	__u32	sessions;
	/* How sessions end (DSLITE_REAP_*). DSLITE_REAP_IDLE: after
	 * down_idle_ms / embryonic_idle_ms as above. DSLITE_REAP_RFC9468
	 * (RFC 9468 section 2): a session not Up within one detection time
	 * of its creation, and a session that goes Down, are deleted at the
	 * sweeper's next pass (down_idle_ms and embryonic_idle_ms are then
	 * not used). DSLITE_REAP_IDLE. */
	__u8	reap_mode;
	__u8	_pad_reap[3];
	/* The per-softwire path MTU ("Path MTU per softwire" below): the
	 * max_entries the loader gave dslite_mtu; 0: the feature is off
	 * (nothing learnt, nothing clamped; dslite_mtu then has 1 entry).
	 * 0 in the object (dslitectl's default: the session table's size). */
	__u32	mtu_entries;
	/* A record's life after the PTB that set it, s. 600. */
	__u32	mtu_expire_s;
};

#define DSLITE_REAP_IDLE		0
#define DSLITE_REAP_RFC9468		1

#define DSLITE_DEF_TX_US		300000
#define DSLITE_DEF_RX_US		300000
#define DSLITE_DEF_ECHO_RX_US		50000
#define DSLITE_DEF_NEW_PER_SEC		10000
#define DSLITE_DEF_NEW_BURST		1000
#define DSLITE_DEF_SWEEP_MS		250
#define DSLITE_DEF_DOWN_IDLE_MS		600000
#define DSLITE_DEF_EMBRYONIC_IDLE_MS	10000
#define DSLITE_DEF_DETECT_MULT		3
#define DSLITE_DEF_SLOT_BITS		20	/* for DSLITE_DEF_SESSIONS */

/*
 * dslite_sessions: BPF_MAP_TYPE_ARRAY of N + 1 slots (N = the number of
 * sessions, default DSLITE_DEF_SESSIONS, at most DSLITE_MAX_SESSIONS),
 * value below (128 bytes). A session's local discriminator is
 * node_id << 24 | tag << slot_bits | slot: the slot (1..N, never 0; slot
 * 0 is never used) in the low cfg.slot_bits bits, and above it, up to bit
 * 23, a random tag drawn when the session is created (never 0; none when
 * slot_bits is 24). A control packet whose Your Discriminator is not 0
 * (RFC 5880 6.8.6: the session is selected by it) is matched with one
 * inlined array look-up, no hash: its low bits give the slot, and it is
 * dropped (drop_bfd_your_discr) when its node id bits are not this
 * node's, the slot is 0 or beyond the table, the slot is free, the slot's
 * B4 address is not the packet's outer source, or the whole
 * discriminator (with the tag) is not the session's. So a third party
 * must know a B4's address and guess its tag and slot to reach its
 * session. The array is preallocated: N x 128 bytes (128 MB for a
 * million sessions), from the attach on.
 *
 * A slot is live when flags has DSLITE_SESS_LIVE; b4 is then its B4's
 * outer IPv6 address and dslite_discrs maps that address to
 * bfd.local_discr. A free slot has flags 0 and local_discr 0.
 *
 * busy is a try-lock taken with an atomic exchange by whoever updates the
 * slot (the XDP program for one packet or to create a session there, or
 * the sweeper), for a few dozen instructions; a packet that finds it
 * taken is dropped (drop_busy: another CPU is answering the same B4 at
 * that instant), the sweeper retries at its next run. (bpf_spin_lock
 * would cost two helper calls and an interrupt save/restore per packet.)
 * Creating a session: the B4's address is inserted into dslite_discrs
 * first with BPF_NOEXIST and the value 0 (slot 0: no session yet; if
 * another CPU created the same B4 meanwhile, that session is used), then
 * a slot is taken under dslite_state's lock, in O(1): the never-used
 * slots first (next_discr + 1, up to N), then the free ring (below), so a
 * free slot is always found while one exists; none counts
 * drop_table_full (and the address is removed again). The slot is
 * filled, marked live, its discriminator written into the dslite_discrs
 * entry, and the try-lock released after the answer. Deleting one (the
 * sweeper) happens under the try-lock: the dslite_discrs entry goes
 * first, then flags and local_discr are cleared, and the slot goes to
 * the tail of the free ring with its try-lock still held: a free slot
 * stays locked until it is handed out again, so nobody else ever takes
 * its lock.
 *
 * The free ring: positions free_head..free_tail - 1 of dslite_state
 * (64-bit counters that never wrap) hold the freed slots in the order
 * they were freed; position p is stored in the free_next field of slot
 * p % N + 1 (every slot lends 4 bytes to the ring, live or not). Only
 * the sweeper appends (one writer: it stores the entry, then advances
 * free_tail under the lock); creation takes free_head under the lock and
 * reads the entry after it. Slots are thus reused in the order they were
 * freed, as late as possible, and with a new tag: a B4 that still sends
 * a released discriminator finds its slot free, or owned by another
 * address or tag, and is dropped until it falls back to Your
 * Discriminator 0 (RFC 5880: on its detection timeout).
 *
 * Userspace reads slots without locking (a copy may mix two updates) and
 * must not write either map: sessions come and go through the XDP
 * program and the sweeper only (detach removes the maps as a whole).
 */
#define DSLITE_SESS_WAS_UP	0x01	/* reached Up at least once */
#define DSLITE_SESS_LIVE	0x02	/* the slot holds a session */
/* The rest of flags is the session's event budget (see dslite_events):
 * bits 4-7 the events sent in the current window, bits 8-31 the window
 * (CLOCK_MONOTONIC >> DSLITE_EV_WINDOW_SHIFT, 24 bits). */
#define DSLITE_SESS_EV_COUNT_SHIFT	4
#define DSLITE_SESS_EV_COUNT_MASK	0xf0
#define DSLITE_SESS_EV_WINDOW_SHIFT	8

/* The slot bits of a discriminator for a table of n sessions: the
 * fewest that hold n (1..24). */
static __inline __u8 dslite_slot_bits(__u32 n)
{
	__u8 b = 1;

	while (b < 24 && (1U << b) <= n)
		b++;
	return b;
}

/* What the loader (and anything else that sizes dslite_sessions) sets in
 * rodata->dslite_cfg for a table of n sessions. */
static __inline void dslite_cfg_table(struct dslite_aftr_cfg *cfg, __u32 n)
{
	cfg->sessions = n;
	cfg->slot_bits = dslite_slot_bits(n);
}

struct dslite_aftr_session {
	__u32	busy;			/* try-lock, see above */
	__u32	flags;			/* DSLITE_SESS_* */
	struct bfd_session bfd;		/* state machine, include/dslite/bfd.h */
	struct dslite_in6 b4;		/* the B4's outer IPv6 source (the key
					 * of its dslite_discrs entry) */
	struct dslite_in6 local;	/* outer destination the B4 used: the
					 * AFTR address replies leave from */
	__u64	changed_ns;		/* last state change (uptime/downtime);
					 * for a session never Up: its creation */
	__u32	rx_packets;		/* valid control packets received; each
					 * is answered, so also the answers */
	__u32	free_next;		/* an entry of the free ring (see above),
					 * not this slot's: written by the
					 * sweeper only, never by a session */
	__u64	last_seen_ns;		/* last valid control packet (unlike
					 * bfd.last_rx_ns, kept on timeout):
					 * idle time for reaping */
#ifdef DSLITE_TEST_SESSION_PAD
	/* a test build only (make test-pad): a later layout that appends
	 * a field, to test the migration of "aftr attach" on a live link */
	__u64	test_pad[2];
#endif
};

#ifdef DSLITE_TEST_SESSION_PAD
_Static_assert(sizeof(struct dslite_aftr_session) == 144,
	       "the test layout appends 16 bytes");
#else
_Static_assert(sizeof(struct dslite_aftr_session) == 128,
	       "a session slot is 128 bytes (the table is preallocated)");
#endif

/*
 * dslite_meta: BPF_MAP_TYPE_ARRAY, one entry (key 0), value below, written
 * by the loader only: the layout of the maps pinned with it, so that a
 * later loader decides from data whether it can reuse them, must migrate
 * them or cannot ("aftr attach" on a live link, Documentation/
 * aftr-operations.md "Upgrading"). Pins without it are of layout 1.
 *
 * DSLITE_LAYOUT_VERSION grows whenever a map's key or value changes its
 * meaning; a change that only appends fields to a value (the session, the
 * counters) keeps every older field where it was, so a newer loader
 * copies the old values into new maps and zeroes what they lack. A
 * loader never migrates maps of a layout newer than its own (it does not
 * know what the added fields hold): that needs a detach.
 */
#ifdef DSLITE_TEST_SESSION_PAD
#define DSLITE_LAYOUT_VERSION	4
#else
#define DSLITE_LAYOUT_VERSION	3
#endif
/*
 * The layouts' history:
 *   1  the first (pins without dslite_meta);
 *   2  DSLITE_CNT_DROP_BFD_INNER_SOURCE inserted among the drop counters
 *      (every later counter one further): a layout-1 counter at or after
 *      DSLITE_CNT_LAYOUT2_AT is carried over one index further;
 *   3  the per-softwire MTU: the counters DSLITE_CNT_MTU_LEARNT.. appended
 *      (a layout-2 counter keeps its index), the map dslite_mtu added
 *      (created empty by the loader that upgrades);
 *   4  make test-pad only: 16 bytes appended to the session.
 */
#define DSLITE_CNT_LAYOUT2_AT	DSLITE_CNT_DROP_BFD_INNER_SOURCE
#define DSLITE_MAP_META		"dslite_meta"

struct dslite_aftr_meta {
	__u32	layout;			/* DSLITE_LAYOUT_VERSION of the writer */
	__u32	session_size;		/* sizeof(struct dslite_aftr_session) */
	__u32	counters;		/* DSLITE_CNT__MAX */
	__u32	_pad;
	__u64	upgrades;		/* in-place upgrades since the attach */
};

/*
 * dslite_discrs: BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC, N entries, key
 * struct dslite_in6 = a B4's outer IPv6 source, value __u32 its session's
 * local discriminator (host order; the low 24 bits are the slot in
 * dslite_sessions). Holds the live sessions only. Used where no
 * discriminator is at hand: control packets with Your Discriminator 0 (a
 * new B4, or one in Down that lost ours), BFD echo, the anycast owner
 * check, and the sweeper when it deletes a session.
 * An entry whose slot is not live or holds another address (a session
 * being created or deleted at that instant) counts as no session.
 */
#define DSLITE_DISCR_NODE_SHIFT	24
#define DSLITE_DISCR_LOW_MASK	0x00ffffffU
#define DSLITE_MAX_SESSIONS	DSLITE_DISCR_LOW_MASK	/* 16,777,215 */

/*
 * dslite_deadlines: BPF_MAP_TYPE_ARRAY of dslite_deadline_blocks(N)
 * blocks (key __u32, value below), the sweeper's dense index: one 32-bit
 * deadline per slot of dslite_sessions, slot s at dl[s %
 * DSLITE_DL_PER_BLOCK] of block s / DSLITE_DL_PER_BLOCK. A deadline is
 * CLOCK_MONOTONIC >> DSLITE_DL_SHIFT (units of about 1.05 ms, compared
 * modulo 2^32) no later than the first moment the sweeper has something
 * to do with the slot's session: its detection time expires, it may be
 * reaped (down_idle_ms, embryonic_idle_ms), and in any case
 * DSLITE_DL_HORIZON_NS from when it was written. 0: nothing (a free
 * slot). Written under the session's try-lock by whoever changed the
 * session: the XDP program after every packet it processed (and at
 * creation), the sweeper after every session it looked at (0 when it
 * deletes one). The sweeper reads 64 bytes per 16 slots, sequentially,
 * up to the highest slot ever used (dslite_state.next_discr), and looks
 * at the slots only of deadlines that came (or that lie further ahead
 * than the horizon: a clock that jumped). The first pass of a newly
 * loaded program looks at every slot, so deadlines written under other
 * timers (a re-attach with other settings) or never written (maps of an
 * earlier version) are set right. Preallocated: 4 bytes per session
 * (4 MB for a million).
 */
#define DSLITE_DL_PER_BLOCK	16
#define DSLITE_DL_SHIFT		20
#define DSLITE_DL_HORIZON_NS	(1ULL << 40)	/* about 18.3 min */

struct dslite_deadlines {
	__u32	dl[DSLITE_DL_PER_BLOCK];
};

/* blocks of dslite_deadlines for a table of n sessions (slots 0..n) */
static __inline __u32 dslite_deadline_blocks(__u32 n)
{
	return n / DSLITE_DL_PER_BLOCK + 1;
}

/* dslite_allow: BPF_MAP_TYPE_LPM_TRIE, key below, value __u32 (1). */
struct dslite_lpm6_key {
	__u32	prefixlen;		/* 0..128 */
	__u8	addr[16];
};

/* dslite_local: BPF_MAP_TYPE_HASH, key struct dslite_in6 (an IPv6
 * address of this AFTR), value __u32 flags: */
#define DSLITE_LOCAL_PING	0x01	/* answer ICMPv6 echo requests to it */

/*
 * dslite_state: BPF_MAP_TYPE_ARRAY, one entry (key 0), node-wide state
 * that must survive a re-load (pin and reuse it with the sessions):
 *   tat_ns      the new-session rate limiter, GCRA: with period
 *               T = 1 s / new_sessions_per_sec, a session may be created
 *               at time t when tat_ns - t <= (burst - 1) * T; then
 *               tat_ns = max(tat_ns, t) + T.
 *               A tat_ns further ahead than burst x T (only a clock
 *               that jumped leaves one) is reset to the present.
 *   next_discr  the highest slot ever handed out (slots above it were
 *               never used).
 *   free_head, free_tail  the free ring (see dslite_sessions).
 */
struct dslite_aftr_state {
	struct bpf_spin_lock lock;
	__u32	next_discr;
	__u64	tat_ns;
	__u64	free_head;
	__u64	free_tail;
};

/* A stamp more than this ahead of the sweeper's clock is clamped. */
#define DSLITE_CLOCK_SLACK_NS	1000000000ULL

/*
 * Anycast group (DESIGN.md "Anycast AFTR group", RFC 7690).
 *
 * Several AFTRs receive on one anycast address behind ECMP; each is a
 * member with its own node id (dslite_cfg.node_id: the top 8 bits of
 * every discriminator it hands out, so a B4 sees which node answers) and
 * its own unicast address. Configuration: const volatile struct
 * dslite_anycast_cfg dslite_anycast in .rodata (member 0: not a member;
 * everything below is then removed by the verifier and costs nothing).
 *
 * Answers: BFD, BFD echo and ping inside a softwire leave from the outer
 * address the B4 used (the anycast one, if it asked that); ICMPv6 echo to
 * the anycast address is answered from it when the loader puts it in
 * dslite_local (it does).
 *
 * Softwires served: a softwire packet (next header 4, ordinary tunnel
 * data) to the anycast address records its B4 in dslite_softwires (LRU,
 * key the B4's address, value the time of its last packet). To keep that
 * cheap, each CPU remembers in dslite_sw_seen (a direct-mapped table
 * indexed by a hash of the B4's address) which B4s it recorded and when:
 * a B4 recorded less than owner_idle_ms / 8 ago costs one inlined array
 * look-up and a compare. A B4 is served by this node when its BFD
 * session to the anycast address is Init or Up, or, without such a
 * session (a session to the anycast address that is Down says it is
 * not), when its last softwire packet is at most owner_idle_ms old.
 *
 * Packet Too Big (ICMPv6 type 2 code 0), checked only after the other
 * paths (ICMPv6 echo first):
 *   to the anycast address:
 *     MTU < 1280                          drop_ptb_mtu
 *     quote shorter than an IPv6 header,
 *     its extension headers and 8 bytes   drop_ptb_trunc
 *     quoted source not the anycast addr  drop_ptb_foreign
 *     quoted packet not a softwire packet
 *     (next header after the extension
 *     headers not 4, or a fragment)       pass_ptb_other (the kernel's)
 *     the B4 (quoted destination) served  pass_ptb_owned (the kernel
 *                                         lowers the path MTU)
 *     not served, no peers                pass_ptb_unowned
 *     not served, relay bucket empty      drop_ptb_rate_limited
 *     not served: flagged for the relay   pass_ptb_relay (XDP metadata
 *                                         struct dslite_relay_meta; if
 *                                         the driver has no metadata
 *                                         room: drop_ptb_no_meta)
 *   to another address, quoting a packet from the anycast address:
 *     outer source a peer                 pass_ptb_peer (a relayed copy:
 *                                         delivered, never relayed again)
 *     otherwise                           drop_ptb_not_peer
 *   every other PTB                       pass_icmp6, as before
 * Each PTB the group logic looked at also counts ptb_seen.
 *
 * The relay (dslite_ptb_relay, TC ingress) acts only on packets that carry
 * the metadata and still are a PTB to the anycast address (metadata can
 * outlive its packet's trip: an skb crossing a veth into another network
 * namespace keeps it; a copy, addressed to a peer, is never relayed
 * again). It removes VLAN tags; every peer but the last gets a clone,
 * rewritten and sent out of the next hop bpf_fib_lookup() gives (output
 * mode; the kernel answers only for a device with
 * net.ipv6.conf.DEV.forwarding=1, which alone forwards nothing); the last
 * peer gets the packet itself through bpf_redirect_neigh() on the same
 * device, which resolves the neighbour if need be. So a group of two
 * needs no setting at all. Copies sent count ptb_relayed, copies that
 * could not be sent ptb_relay_failed. Relay output is limited by a token
 * bucket in XDP (dslite_relay, GCRA like dslite_state): a PTB is flagged
 * only if the bucket holds one token per peer, so a flood is dropped in
 * XDP.
 *
 * Relayed copy ("the relay format"): the PTB as received, ICMPv6 body and
 * quoted packet unchanged, except
 *   Ethernet: next-hop MACs toward the peer, no VLAN tag of the input;
 *   IPv6: source = dslite_anycast.source (this node's unicast address),
 *         destination = the peer's unicast address, hop limit 64;
 *   ICMPv6 checksum updated for the new pseudo header.
 * Outer extension headers are kept. The receiving member recognises it
 * as a PTB to an address that is not the anycast one, quoting a packet
 * from the anycast address, from one of its peers (pass_ptb_peer); a
 * kernel without dslite processes it like any PTB: the quoted packet
 * names the tunnel and the path (anycast -> B4) whose MTU drops.
 *
 * Loading a member (after step 2 and 4 above):
 *   - rodata->dslite_anycast: member = 1, addr, source (required with
 *     peers), n_peers,
 *     relay_rate (>= 1), relay_burst (>= n_peers), owner_idle_ms;
 *   - bpf_map__set_max_entries(dslite_softwires, N): the number of B4s
 *     served (default DSLITE_DEF_SOFTWIRES; preallocated, about 80 bytes
 *     each);
 *   - after load: dslite_peers[0..n_peers-1] = the peers' unicast
 *     addresses; the anycast address in dslite_local (DSLITE_LOCAL_PING);
 *   - attach dslite_ptb_relay (clsact ingress) when n_peers > 0.
 * A node that is not a member may still load everything: dslite_softwires
 * then keeps its small default size and dslite_ptb_relay stays detached.
 * dslite_softwires' size thus follows the membership (and the session
 * table): a loader that reuses pinned maps must not reuse one of another
 * size. The relay is attached to clsact ingress as a direct-action
 * filter; packets it does not relay go on to the next filter
 * (TC_ACT_UNSPEC).
 */
#define DSLITE_MAP_PEERS	"dslite_peers"
#define DSLITE_MAP_SOFTWIRES	"dslite_softwires"
#define DSLITE_MAP_SW_SEEN	"dslite_sw_seen"
#define DSLITE_MAP_RELAY	"dslite_relay"

#define DSLITE_MAX_PEERS		16
#define DSLITE_DEF_SOFTWIRES		4096
#define DSLITE_SW_SEEN_BITS		12
#define DSLITE_SW_SEEN_SLOTS		(1U << DSLITE_SW_SEEN_BITS)	/* per CPU */
#define DSLITE_DEF_RELAY_RATE		100	/* copies per second */
#define DSLITE_DEF_OWNER_IDLE_MS	60000

struct dslite_anycast_cfg {
	/* The group's anycast address; all zero: not a member. */
	struct dslite_in6 addr;
	/* This node's unicast address: the source of relayed copies (and
	 * the address the other members list as this node's). */
	struct dslite_in6 source;
	/* Relayed copies per second (token bucket), >= 1. 100. */
	__u32	relay_rate;
	/* Token bucket depth, copies; at least n_peers. */
	__u32	relay_burst;
	/* A B4 without a BFD session to the anycast address is served for
	 * this long after its last softwire packet, ms. 60000. */
	__u32	owner_idle_ms;
	/* 1: a member (addr set); 0: everything anycast is compiled out. */
	__u8	member;
	/* Entries 0..n_peers-1 of dslite_peers are the other members. */
	__u8	n_peers;
	__u8	_pad[2];
};

/* dslite_peers: BPF_MAP_TYPE_ARRAY, DSLITE_MAX_PEERS entries of
 * struct dslite_in6 (the other members' unicast addresses). */

/* dslite_softwires: BPF_MAP_TYPE_LRU_HASH, key struct dslite_in6 (a B4),
 * value below. */
struct dslite_softwire {
	__u64	seen_ns;		/* its last softwire packet (about) */
};

/* dslite_sw_seen: BPF_MAP_TYPE_PERCPU_ARRAY, DSLITE_SW_SEEN_SLOTS entries
 * of this, indexed by dslite_sw_hash(): what this CPU last recorded. */
struct dslite_sw_seen {
	struct dslite_in6 b4;
	__u64	seen_ns;		/* the time written to dslite_softwires */
};

/* the slot of a B4 (its address as four 32-bit words, as stored) */
static __inline __u32 dslite_sw_hash(const __u32 *w)
{
	return ((w[0] ^ w[1] ^ w[2] ^ w[3]) * 0x9e3779b1U) >>
	       (32 - DSLITE_SW_SEEN_BITS);
}

/* dslite_relay: BPF_MAP_TYPE_ARRAY, one entry: the relay's token bucket
 * (GCRA, period T = 1 s / relay_rate: n copies may go at time t when
 * tat_ns - t <= (relay_burst - n) * T; then tat_ns = max(tat_ns, t) + n T). */
struct dslite_relay_state {
	struct bpf_spin_lock lock;
	__u32	_pad;
	__u64	tat_ns;
};

/* XDP metadata of a PTB flagged for the relay (in front of the frame). */
#define DSLITE_RELAY_MAGIC	0x64737270U	/* "dsrp" */
struct dslite_relay_meta {
	__u32	magic;
	__u16	l4_off;			/* ICMPv6 header, from the IPv6 header */
	__u16	_pad;
};

/*
 * Path MTU per softwire (Documentation/aftr-operations.md, "The
 * per-softwire MTU"; include/dslite/mtu.h holds the record and its rules).
 *
 * dslite_mtu: BPF_MAP_TYPE_LRU_HASH, key struct dslite_in6 (a B4's outer
 * address), value struct dslite_mtu_rec (8 bytes): the path MTU toward
 * that B4. The loader sets its max_entries and cfg.mtu_entries to the
 * same M (dslitectl: the session table's size; 0 turns the feature off:
 * max_entries 1, cfg.mtu_entries 0). Written by the XDP program only:
 *   - learnt from every ICMPv6 Packet Too Big (code 0, MTU 1280..65535)
 *     about a softwire packet this AFTR sent: on a node that is not an
 *     anycast member (or to a member's other addresses) when the quoted
 *     packet's source is the PTB's destination and one of dslite_local's
 *     addresses and its next header is 4 (source ptb); on a member, every
 *     PTB to the anycast address that reaches the owned/unowned/relay
 *     verdicts (source ptb) and the copies relayed in by a peer (source
 *     ptb-relayed). The PTB's verdict and counters are unchanged;
 *   - raised by an answered RFC 9764 padded BFD control packet from a B4
 *     whose session is Up and that reports Up (source bfd-padded);
 *   - read by every inner TCP segment with SYN from a B4: an MSS option
 *     above mtu - DSLITE_MTU_TCP_OVERHEAD is lowered to it (mss_clamped).
 * A record counts until expires_s (cfg.mtu_expire_s after the PTB that
 * set it, seconds of the XDP path's clock, now_ns() / 10^9); userspace
 * compares with CLOCK_MONOTONIC seconds. The LRU evicts the records of
 * the B4s least recently heard of when the map is full.
 */

/*
 * dslite_events: BPF_MAP_TYPE_RINGBUF of struct dslite_aftr_event. When the
 * ring is full the event is lost and DSLITE_CNT_EVENTS_LOST counts it.
 * The events of received packets are limited per session: at most
 * DSLITE_EV_PER_WINDOW in a window of 2^DSLITE_EV_WINDOW_SHIFT ns (about
 * 1.07 s); the rest are not sent and DSLITE_CNT_EVENTS_SUPPRESSED counts
 * them (the session table still shows the current state). A B4 flapping
 * its session thus cannot drown the other B4s' events. The sweeper's
 * events (timeout, reaped: at most two per session life) are not limited.
 */
#define DSLITE_EV_PER_WINDOW		8
#define DSLITE_EV_WINDOW_SHIFT		30
enum dslite_aftr_event_type {
	DSLITE_EV_NEW		= 1,	/* session created (old_state Down) */
	DSLITE_EV_STATE		= 2,	/* state changed on a received packet */
	DSLITE_EV_REMOTE_ADMIN_DOWN = 3,/* the B4 signalled AdminDown (the
					 * session went Down, diag 3, unless
					 * it already was Down) */
	DSLITE_EV_TIMEOUT	= 4,	/* detection time expired: Down, diag 1 */
	DSLITE_EV_REAPED	= 5,	/* idle Down session deleted */
};

struct dslite_aftr_event {
	__u64	ts_ns;			/* CLOCK_MONOTONIC */
	struct dslite_in6 b4;		/* outer IPv6 source: the softwire */
	struct dslite_in6 local;	/* outer IPv6 destination it used */
	__u32	local_discr;
	__u32	remote_discr;
	__u8	type;			/* enum dslite_aftr_event_type */
	__u8	old_state;		/* enum bfd_state */
	__u8	new_state;
	__u8	diag;			/* local diag after the event */
	__u8	remote_state;		/* state in the B4's last packet */
	__u8	remote_diag;		/* diag in the B4's last packet */
	__u8	_pad[2];
};

/*
 * dslite_counters: BPF_MAP_TYPE_PERCPU_ARRAY with ONE entry (key 0) whose
 * per-CPU value is __u64[DSLITE_CNT__MAX]: sum over CPUs per index.
 *
 * Every packet the responder sees moves exactly one verdict counter
 * (DSLITE_CNT_XDP_*) and exactly one reason counter of that verdict
 * (DSLITE_CNT_TX_*, DSLITE_CNT_PASS_*, DSLITE_CNT_DROP_*), so the reasons
 * of a verdict add up to it. DSLITE_CNT_SESS_* and the last ones are
 * events, not packets.
 *
 * A frame that cannot be recognised as addressed to the responder (bad or
 * truncated outer headers, fragments, other traffic) passes to the kernel
 * untouched; a frame addressed to it (inner destination = aftr_addr, BFD
 * echo port, ICMPv6 echo to a local address) that is malformed is dropped.
 */
enum dslite_aftr_counter {
	/* verdicts */
	DSLITE_CNT_XDP_PASS,
	DSLITE_CNT_XDP_TX,
	DSLITE_CNT_XDP_DROP,

	/* XDP_TX: answers sent */
	DSLITE_CNT_TX_BFD,		/* BFD control answered */
	DSLITE_CNT_TX_ECHO,		/* BFD echo reflected */
	DSLITE_CNT_TX_PING,		/* inner ICMP echo answered */
	DSLITE_CNT_TX_PING6,		/* ICMPv6 echo answered */

	/* XDP_PASS: why the frame went to the kernel */
	DSLITE_CNT_PASS_NOT_IPV6,	/* not IPv6 (after 0-2 VLAN tags) */
	DSLITE_CNT_PASS_TRUNC_ETH,	/* shorter than an Ethernet header */
	DSLITE_CNT_PASS_TRUNC_VLAN,	/* VLAN tag cut short */
	DSLITE_CNT_PASS_TRUNC_IPV6,	/* IPv6 header cut short / bad
					 * version / payload beyond frame */
	DSLITE_CNT_PASS_TRUNC_EXTHDR,	/* extension header cut short */
	DSLITE_CNT_PASS_EXTHDR,		/* > 4 extension headers, or a
					 * routing header with segments left */
	DSLITE_CNT_PASS_OUTER_FRAG,	/* IPv6 fragment */
	DSLITE_CNT_PASS_OTHER_L4,	/* IPv6 next header not 4/58 */
	DSLITE_CNT_PASS_ICMP6,		/* ICMPv6 not an echo request to a
					 * local address */
	DSLITE_CNT_PASS_TRUNC_IPV4,	/* inner IPv4 header cut short or
					 * not IPv4 (version/IHL) */
	DSLITE_CNT_PASS_INNER_FRAG,	/* inner IPv4 fragment */
	DSLITE_CNT_PASS_TUNNEL_DATA,	/* ordinary softwire traffic */
	DSLITE_CNT_PASS_ICMP,		/* ICMP to aftr_addr, not echo req */
	DSLITE_CNT_PASS_ECHO_DISABLED,	/* BFD echo, echo not enabled */
	DSLITE_CNT_PASS_ECHO_NO_SESSION,/* a BFD echo packet from a B4
					 * without an Up session */
	DSLITE_CNT_PASS_PTB_OWNED,	/* PTB about a softwire served here */
	DSLITE_CNT_PASS_PTB_RELAY,	/* PTB flagged for dslite_ptb_relay */
	DSLITE_CNT_PASS_PTB_PEER,	/* PTB relayed by a peer */
	DSLITE_CNT_PASS_PTB_UNOWNED,	/* not served here, no peers */
	DSLITE_CNT_PASS_PTB_OTHER,	/* PTB to the anycast address about a
					 * packet that is not a softwire's */
	DSLITE_CNT_PASS_PING6_NOT_PERMITTED,/* ICMPv6 echo from a source not
					 * in dslite_allow: not answered here,
					 * the kernel's rules apply */

	/* XDP_DROP: addressed to the responder but refused */
	DSLITE_CNT_DROP_TRUNC_IPV4,	/* inner total length beyond packet */
	DSLITE_CNT_DROP_IPV4_CSUM,	/* inner IPv4 header checksum */
	DSLITE_CNT_DROP_TRUNC_UDP,	/* UDP header/length beyond packet */
	DSLITE_CNT_DROP_UDP_CSUM,	/* UDP checksum wrong */
	DSLITE_CNT_DROP_TRUNC_ICMP,	/* ICMP/ICMPv6 header cut short */
	DSLITE_CNT_DROP_TTL,		/* BFD inner TTL != 255 (RFC 5881) */
	DSLITE_CNT_DROP_SRC_PORT,	/* BFD UDP source port < 49152 */
	DSLITE_CNT_DROP_BFD_TRUNC,	/* UDP payload < 24 bytes */
	DSLITE_CNT_DROP_BFD_VERSION,	/* RFC 5880 6.8.6 checks ... */
	DSLITE_CNT_DROP_BFD_LENGTH,
	DSLITE_CNT_DROP_BFD_LENGTH_PAYLOAD,
	DSLITE_CNT_DROP_BFD_DETECT_MULT,
	DSLITE_CNT_DROP_BFD_MULTIPOINT,
	DSLITE_CNT_DROP_BFD_MY_DISCR,
	DSLITE_CNT_DROP_BFD_YOUR_DISCR_ZERO,
	DSLITE_CNT_DROP_BFD_AUTH,	/* A bit: authentication unsupported */
	DSLITE_CNT_DROP_BFD_YOUR_DISCR,	/* Your Discr names no session of this
					 * B4: another node id, slot 0, beyond
					 * the table, a free slot, another
					 * B4's slot, or != the session's */
	DSLITE_CNT_DROP_BFD_PADDING,	/* never counted since padded packets
					 * are answered (RFC 9764); the slot
					 * and name stay. Was: UDP payload != 24 bytes
					 * (not answered in place) */
	DSLITE_CNT_DROP_NO_SESSION,	/* AdminDown with Your Discr 0 and no
					 * session for this B4 */
	DSLITE_CNT_DROP_NOT_PERMITTED,	/* source not in dslite_allow */
	DSLITE_CNT_DROP_BAD_SOURCE,	/* outer source multicast, unspecified,
					 * loopback, link-local, IPv4-mapped
					 * or one of the AFTR's own */
	DSLITE_CNT_DROP_BFD_ZERO_DISCR_UP,/* Your Discr 0 for an Up session
					 * (a restarted B4, or spoofed): not
					 * heard until the session times out */
	DSLITE_CNT_DROP_TABLE_FULL,	/* no free slot, or dslite_discrs
					 * full */
	DSLITE_CNT_DROP_RATE_LIMITED,	/* new-session bucket empty */
	DSLITE_CNT_DROP_BUSY,		/* session being updated (created,
					 * deleted) by another CPU at this
					 * instant */
	DSLITE_CNT_DROP_PTB_MTU,	/* PTB with an MTU below 1280 */
	DSLITE_CNT_DROP_PTB_TRUNC,	/* PTB whose quote is cut short */
	DSLITE_CNT_DROP_PTB_FOREIGN,	/* PTB to the anycast address quoting a
					 * packet from another source */
	DSLITE_CNT_DROP_PTB_NOT_PEER,	/* "relayed" PTB from a non-peer */
	DSLITE_CNT_DROP_PTB_RATE_LIMITED,/* relay token bucket empty */
	DSLITE_CNT_DROP_PTB_NO_META,	/* no room for the relay metadata */
	DSLITE_CNT_DROP_BFD_INNER_SOURCE,/* BFD control whose inner source is
					 * not a B4 address of the softwire's
					 * /29 (RFC 9468 section 2, RFC 6333
					 * 5.7): the subnet policy */

	/* events */
	DSLITE_CNT_SESS_CREATED,
	DSLITE_CNT_SESS_UP,		/* transitions to Up */
	DSLITE_CNT_SESS_DOWN,		/* Up/Init -> Down on a packet */
	DSLITE_CNT_SESS_TIMEOUT,	/* Up/Init -> Down by the sweeper */
	DSLITE_CNT_SESS_REAPED,		/* idle Down sessions deleted */
	DSLITE_CNT_SWEEPS,		/* sweeper runs */
	DSLITE_CNT_EVENTS_LOST,		/* ring buffer full */
	DSLITE_CNT_EVENTS_SUPPRESSED,	/* over a session's event budget */
	DSLITE_CNT_CLOCK_CLAMPED,	/* stamps found in the future, clamped */
	DSLITE_CNT_PTB_SEEN,		/* PTBs the anycast logic looked at */
	DSLITE_CNT_PTB_RELAYED,		/* relayed copies sent (TC) */
	DSLITE_CNT_PTB_RELAY_FAILED,	/* copies not sent: no route to the
					 * peer, or the clone failed (TC) */
	/* the per-softwire MTU (layout 3) */
	DSLITE_CNT_MTU_LEARNT,		/* records created from a PTB (none
					 * or an expired one before) */
	DSLITE_CNT_MTU_LOWERED,		/* valid records lowered by a PTB */
	DSLITE_CNT_MTU_RAISED_BFD,	/* records raised by padded BFD */
	DSLITE_CNT_MSS_CLAMPED,		/* SYN/SYN-ACK MSS options lowered */
	DSLITE_CNT_MTU_PTB_MADE,	/* egress: PTBs made of packets too
					 * big for their B4's record (TC) */
	DSLITE_CNT_MTU_EGRESS_DROPPED,	/* egress: packets too big for their
					 * B4's record that no PTB could be
					 * made of, dropped (TC) */

	DSLITE_CNT__MAX
};

#ifndef __bpf__
/* Counter names for dslitectl (stable: they are JSON keys). */
static const char *const dslite_aftr_counter_names[DSLITE_CNT__MAX]
	__attribute__((unused)) = {
	[DSLITE_CNT_XDP_PASS]			= "xdp_pass",
	[DSLITE_CNT_XDP_TX]			= "xdp_tx",
	[DSLITE_CNT_XDP_DROP]			= "xdp_drop",
	[DSLITE_CNT_TX_BFD]			= "tx_bfd",
	[DSLITE_CNT_TX_ECHO]			= "tx_echo",
	[DSLITE_CNT_TX_PING]			= "tx_ping",
	[DSLITE_CNT_TX_PING6]			= "tx_ping6",
	[DSLITE_CNT_PASS_NOT_IPV6]		= "pass_not_ipv6",
	[DSLITE_CNT_PASS_TRUNC_ETH]		= "pass_trunc_eth",
	[DSLITE_CNT_PASS_TRUNC_VLAN]		= "pass_trunc_vlan",
	[DSLITE_CNT_PASS_TRUNC_IPV6]		= "pass_trunc_ipv6",
	[DSLITE_CNT_PASS_TRUNC_EXTHDR]		= "pass_trunc_exthdr",
	[DSLITE_CNT_PASS_EXTHDR]		= "pass_exthdr",
	[DSLITE_CNT_PASS_OUTER_FRAG]		= "pass_outer_frag",
	[DSLITE_CNT_PASS_OTHER_L4]		= "pass_other_l4",
	[DSLITE_CNT_PASS_ICMP6]			= "pass_icmp6",
	[DSLITE_CNT_PASS_TRUNC_IPV4]		= "pass_trunc_ipv4",
	[DSLITE_CNT_PASS_INNER_FRAG]		= "pass_inner_frag",
	[DSLITE_CNT_PASS_TUNNEL_DATA]		= "pass_tunnel_data",
	[DSLITE_CNT_PASS_ICMP]			= "pass_icmp",
	[DSLITE_CNT_PASS_ECHO_DISABLED]		= "pass_echo_disabled",
	[DSLITE_CNT_PASS_ECHO_NO_SESSION]	= "pass_echo_no_session",
	[DSLITE_CNT_PASS_PTB_OWNED]		= "pass_ptb_owned",
	[DSLITE_CNT_PASS_PTB_RELAY]		= "pass_ptb_relay",
	[DSLITE_CNT_PASS_PTB_PEER]		= "pass_ptb_peer",
	[DSLITE_CNT_PASS_PTB_UNOWNED]		= "pass_ptb_unowned",
	[DSLITE_CNT_PASS_PTB_OTHER]		= "pass_ptb_other",
	[DSLITE_CNT_PASS_PING6_NOT_PERMITTED]	= "pass_ping6_not_permitted",
	[DSLITE_CNT_DROP_TRUNC_IPV4]		= "drop_trunc_ipv4",
	[DSLITE_CNT_DROP_IPV4_CSUM]		= "drop_ipv4_csum",
	[DSLITE_CNT_DROP_TRUNC_UDP]		= "drop_trunc_udp",
	[DSLITE_CNT_DROP_UDP_CSUM]		= "drop_udp_csum",
	[DSLITE_CNT_DROP_TRUNC_ICMP]		= "drop_trunc_icmp",
	[DSLITE_CNT_DROP_TTL]			= "drop_ttl",
	[DSLITE_CNT_DROP_SRC_PORT]		= "drop_src_port",
	[DSLITE_CNT_DROP_BFD_TRUNC]		= "drop_bfd_trunc",
	[DSLITE_CNT_DROP_BFD_VERSION]		= "drop_bfd_version",
	[DSLITE_CNT_DROP_BFD_LENGTH]		= "drop_bfd_length",
	[DSLITE_CNT_DROP_BFD_LENGTH_PAYLOAD]	= "drop_bfd_length_payload",
	[DSLITE_CNT_DROP_BFD_DETECT_MULT]	= "drop_bfd_detect_mult",
	[DSLITE_CNT_DROP_BFD_MULTIPOINT]	= "drop_bfd_multipoint",
	[DSLITE_CNT_DROP_BFD_MY_DISCR]		= "drop_bfd_my_discr",
	[DSLITE_CNT_DROP_BFD_YOUR_DISCR_ZERO]	= "drop_bfd_your_discr_zero",
	[DSLITE_CNT_DROP_BFD_AUTH]		= "drop_bfd_auth",
	[DSLITE_CNT_DROP_BFD_YOUR_DISCR]	= "drop_bfd_your_discr",
	[DSLITE_CNT_DROP_BFD_PADDING]		= "drop_bfd_padding",
	[DSLITE_CNT_DROP_NO_SESSION]		= "drop_no_session",
	[DSLITE_CNT_DROP_NOT_PERMITTED]		= "drop_not_permitted",
	[DSLITE_CNT_DROP_BAD_SOURCE]		= "drop_bad_source",
	[DSLITE_CNT_DROP_BFD_ZERO_DISCR_UP]	= "drop_bfd_zero_discr_up",
	[DSLITE_CNT_DROP_TABLE_FULL]		= "drop_table_full",
	[DSLITE_CNT_DROP_RATE_LIMITED]		= "drop_rate_limited",
	[DSLITE_CNT_DROP_BUSY]			= "drop_busy",
	[DSLITE_CNT_DROP_PTB_MTU]		= "drop_ptb_mtu",
	[DSLITE_CNT_DROP_PTB_TRUNC]		= "drop_ptb_trunc",
	[DSLITE_CNT_DROP_PTB_FOREIGN]		= "drop_ptb_foreign",
	[DSLITE_CNT_DROP_PTB_NOT_PEER]		= "drop_ptb_not_peer",
	[DSLITE_CNT_DROP_PTB_RATE_LIMITED]	= "drop_ptb_rate_limited",
	[DSLITE_CNT_DROP_PTB_NO_META]		= "drop_ptb_no_meta",
	[DSLITE_CNT_DROP_BFD_INNER_SOURCE]	= "drop_bfd_inner_source",
	[DSLITE_CNT_SESS_CREATED]		= "sessions_created",
	[DSLITE_CNT_SESS_UP]			= "sessions_up",
	[DSLITE_CNT_SESS_DOWN]			= "sessions_down",
	[DSLITE_CNT_SESS_TIMEOUT]		= "sessions_timeout",
	[DSLITE_CNT_SESS_REAPED]		= "sessions_reaped",
	[DSLITE_CNT_SWEEPS]			= "sweeps",
	[DSLITE_CNT_EVENTS_LOST]		= "events_lost",
	[DSLITE_CNT_EVENTS_SUPPRESSED]		= "events_suppressed",
	[DSLITE_CNT_CLOCK_CLAMPED]		= "clock_clamped",
	[DSLITE_CNT_PTB_SEEN]			= "ptb_seen",
	[DSLITE_CNT_PTB_RELAYED]		= "ptb_relayed",
	[DSLITE_CNT_PTB_RELAY_FAILED]		= "ptb_relay_failed",
	[DSLITE_CNT_MTU_LEARNT]			= "mtu_learnt",
	[DSLITE_CNT_MTU_LOWERED]		= "mtu_lowered",
	[DSLITE_CNT_MTU_RAISED_BFD]		= "mtu_raised_bfd",
	[DSLITE_CNT_MSS_CLAMPED]		= "mss_clamped",
	[DSLITE_CNT_MTU_PTB_MADE]		= "mtu_ptb_made",
	[DSLITE_CNT_MTU_EGRESS_DROPPED]		= "mtu_egress_dropped",
};
#endif

#endif /* _DSLITE_AFTR_H */
