/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl b4: the B4 (CPE) daemon. It runs a BFD initiator toward the
 * active AFTR inside the softwire and toward every standby AFTR directly
 * over IPv6, and fails over through dslite.ko when the active one dies.
 *
 * Subsystems (one .c each, in user/b4/):
 *   daemon.c    the object: "b4 run" (set-up, event loop and its
 *               watchers, signals, reload, clean stop)
 *   config.c    command line and config file: parse, check, resolve the
 *               candidates (aftr, aftr-name, the tunnel's remote)
 *   link.c      rtnetlink: read an ip6tnl device, re-point its remote,
 *               add the B4's 192.0.0.2
 *   bfd.c       one BFD session on top of <dslite/bfd.h>: transmit
 *               schedule, jitter, Poll Sequences, detection deadline
 *   net.c       the sockets: UDP inside the tunnel, raw IPv6 (next header
 *               4) for the direct path; packet build and parse
 *   health.c    the health methods as a table (b4_methods[]: one row
 *               of struct b4_health_ops each), the verdicts they record,
 *               and their evaluation once per turn of the event loop
 *   pcp.c       the PCP health method (a MAP kept through each AFTR)
 *   ping.c      the ping health method (ICMP echo to 192.0.0.1)
 *   echo.c      the echo health method (RFC 9747 BFD echo, reflected
 *               by the AFTR)
 *   mtu.c       the mtu health method (RFC 9764 padded probes of the
 *               BFD session: the softwire's path MTU)
 *   failover.c  the policy (which AFTR carries the tunnel) and its
 *               actuation: carrier through dslite.ko, repoint
 *   ctl.c       the control socket, and "b4 status" (its client)
 *   wan.c       the tunnel as it changes under the daemon: its local
 *               address moves (renumbering), it is deleted and created
 *               again, dslite.ko is unloaded and loaded again
 */
#ifndef DSLITECTL_B4_H
#define DSLITECTL_B4_H

#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>

#include <dslite/bfd.h>
#include <dslite/pcp.h>

#include "clock.h"
#include "ctl_server.h"
#include "genl.h"
#include "http.h"


#define B4_MAX_TUNNELS		8
#define B4_MAX_CANDIDATES	16

/* Interval limits, milliseconds (RFC 5880 allows less; a CPE does not). */
#define B4_INTERVAL_MIN_MS	10
/* pad: the inner IPv4 packet of a padded control packet, bytes (at least
 * IPv4 + UDP + BFD, at most a jumbo frame's) */
#define B4_PAD_MIN		(20 + 8 + 24)
#define B4_PAD_MAX		9000
/* the largest datagram the BFD sockets read whole */
#define B4_RX_MAX		(B4_PAD_MAX + 64)
#define B4_INTERVAL_MAX_MS	60000
#define B4_HOLD_DOWN_MAX_S	3600

/* Defaults. */
#define B4_DEF_INTERVAL_MS	1000
#define B4_DEF_MULTIPLIER	3
#define B4_DEF_STANDBY_MIN_MS	5000	/* standby-interval: max(this, interval) */
#define B4_DEF_HOLD_DOWN_S	10

/*
 * Health methods: what decides whether an AFTR is usable. A health
 * setting is a set of methods and how they combine: all of them must be
 * healthy, or any one of them suffices ("health" keyword, per AFTR or for
 * all; text forms in b4_health_parse()).
 *
 * B4_METHODS is the list of methods, one row each: X(NAME, name) gives
 * B4_METHOD_NAME (enum b4_method), its bit B4_M_NAME = 1 << B4_METHOD_NAME
 * in a health setting, the word "name" of the configuration and the logs,
 * and the ops b4_name_ops that its file (b4/name.c) defines (b4/health.c
 * puts them in b4_methods[]). A build may add rows with B4_METHODS_EXTRA
 * (the unit test of b4/health.c does).
 */
#ifndef B4_METHODS_EXTRA
#define B4_METHODS_EXTRA(X)
#endif
#define B4_METHODS(X)		\
	X(BFD, bfd)		\
	X(PCP, pcp)		\
	X(PING, ping)		\
	X(ECHO, echo)		\
	X(MTU, mtu)		\
	B4_METHODS_EXTRA(X)

enum b4_method {
#define B4_METHOD_ENUM(U, l)	B4_METHOD_##U,
	B4_METHODS(B4_METHOD_ENUM)
#undef B4_METHOD_ENUM
	B4_METHOD_NR
};

#define B4_M(m)			(1u << (m))
#define B4_M_BFD		B4_M(B4_METHOD_BFD)	/* the BFD session is Up */
#define B4_M_PCP		B4_M(B4_METHOD_PCP)	/* the PCP mapping is kept */
#define B4_M_PING		B4_M(B4_METHOD_PING)	/* ping loss below the
							 * threshold */
#define B4_M_ECHO		B4_M(B4_METHOD_ECHO)	/* BFD echo reflected
							 * (RFC 9747), needs
							 * B4_M_BFD */
#define B4_M_MTU		B4_M(B4_METHOD_MTU)	/* padded probes of the
							 * session answered
							 * (RFC 9764), needs
							 * B4_M_BFD */
#define B4_M_ALL		(B4_M_BFD | B4_M_PCP | B4_M_PING | B4_M_ECHO | \
				 B4_M_MTU)

struct b4_health {
	uint8_t methods;		/* B4_M(method)..., at least one */
	bool any;			/* one healthy method suffices */
};
#define B4_HEALTH_STR_MAX	32

#define B4_DEF_PING_INTERVAL_MS	1000
#define B4_DEF_PING_LOSS_N	3
#define B4_DEF_PING_LOSS_M	5
#define B4_PING_WINDOW_MAX	32

/* The echo method (b4/echo.c, RFC 9747): the interval once Up (the
 * AFTR's Required Min Echo RX may make it longer), 1 s until Up. */
#define B4_DEF_ECHO_INTERVAL_MS	1000
#define B4_DEF_ECHO_MULTIPLIER	3
#define B4_ECHO_SLOW_MS		1000

/* The mtu method (b4/mtu.c, RFC 9764): one padded probe of the BFD
 * session every mtu-interval, unhealthy when no answer as large came
 * within mtu-multiplier intervals. */
#define B4_DEF_MTU_INTERVAL_MS	1000
#define B4_DEF_MTU_MULTIPLIER	3

/* tunnel-wait: how long a tunnel that went away is waited for */
#define B4_WAIT_FOREVER		UINT32_MAX
#define B4_TUNNEL_WAIT_MAX_S	(7 * 24 * 3600)

/* The control sockets (b4/ctl.c): B4_CTL_DIR/IFNAME.sock in PID 1's
 * network namespace, B4_CTL_DIR/COOKIE/IFNAME.sock in any other. */
#define B4_CTL_DIR		"/run/dslite/b4"

/* The AFTR's and the B4's addresses inside the softwire (RFC 6333). */
#define B4_INNER_AFTR		DSLITE_AFTR_ADDR
#define B4_INNER_B4		DSLITE_B4_ADDR

enum b4_mode {
	B4_MODE_REPOINT,	/* one tunnel, its remote follows the AFTR */
	B4_MODE_CARRIER,	/* one tunnel per AFTR, only carriers change */
};

/* PCP defaults (pcp.h has the library's). */
#define B4_DEF_PCP_DEADLINE_MS	15000
#define B4_DEF_PCP_INTERVAL_MS	20000	/* a failed NAT found within 22 s */
#define B4_PCP_LIFETIME_MIN_S	2
#define B4_PCP_LIFETIME_MAX_S	86400

/* Per-AFTR options: "aftr ADDR,health=SPEC,pcp-server=ADDR". */
struct b4_aftr_opt {
	bool has_health;
	struct b4_health health;
	bool has_pcp_server;
	struct in6_addr pcp_server;
};

/* The configuration as given (command line and/or config file). */
struct b4_config {
	char dev[B4_MAX_TUNNELS][IFNAMSIZ];
	int n_dev;
	struct in6_addr aftr[B4_MAX_CANDIDATES];
	int n_aftr;
	char aftr_name[256];
	uint32_t interval_ms;
	uint32_t standby_ms;		/* 0: the default */
	uint8_t multiplier;
	uint8_t mode;			/* enum b4_mode */
	bool preempt;
	bool release;			/* on-stop release */
	uint32_t hold_down_s;
	struct b4_health health;	/* for AFTRs without their own */
	struct b4_aftr_opt aftr_opt[B4_MAX_CANDIDATES];	/* of aftr[i] */
	uint32_t pcp_lifetime_s;	/* requested lifetime */
	uint32_t pcp_deadline_ms;	/* an exchange unanswered: down */
	uint32_t pcp_retry_max_ms;	/* cap of the wait after an error */
	uint8_t pcp_failures;		/* NETWORK_FAILURE in a row: down */
	uint32_t pcp_interval_ms;	/* probe cadence, 0: by lifetime */
	uint8_t pcp_mode;		/* enum pcp_mode */
	uint16_t pcp_port;		/* internal port, 0: chosen at start */
	uint32_t tunnel_wait_s;		/* a tunnel gone: wait this long for
					 * it, B4_WAIT_FOREVER */
	bool has_pcp_server;
	struct in6_addr pcp_server;	/* plain mode, for AFTRs without one */
	uint32_t ping_interval_ms;
	uint8_t ping_loss_n, ping_loss_m;	/* unhealthy: N of the last M
						 * echoes lost */
	uint32_t echo_interval_ms;	/* BFD echo once Up (RFC 9747) */
	uint8_t echo_multiplier;	/* echoes missed: echo-failed */
	char file[PATH_MAX];		/* config FILE, "" without */
	struct http_listen metrics;	/* metrics ADDR:PORT, len 0: none */
	uint16_t pad;			/* pad BFD control to an inner IPv4
					 * packet of this many bytes (RFC
					 * 9764), 0: no padding */
	bool pad_mtu;			/* "pad mtu": to the tunnel's MTU */
	uint16_t mtu_size;		/* mtu method: the probes' inner IPv4
					 * size, 0: the tunnel's MTU */
	uint32_t mtu_interval_ms;	/* one probe per AFTR this often */
	uint8_t mtu_multiplier;		/* intervals without a large answer:
					 * unhealthy */
	uint8_t rt_priority;		/* SCHED_FIFO priority, 0: normal */
	uint64_t given;			/* bit i: b4_rows[i] seen */
};

/* rtnetlink view of one device (b4/link.c). */
struct b4_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[32];			/* rtnl link kind, "" for none */
	bool has_proto;
	uint8_t proto;			/* IFLA_IPTUN_PROTO */
	struct in6_addr local;
	struct in6_addr remote;
	unsigned int flags;		/* IFF_* */
};

struct b4_daemon;

/*
 * A watcher: one file descriptor in the daemon's epoll set, whose events
 * go to cb (epoll_event.data.ptr points at the watcher). It is embedded in
 * the object that owns the fd (a tunnel, a candidate, the daemon), so the
 * callback finds its object from w (b4_container_of) and no index has to
 * be kept in step with the objects. b4/daemon.c has the rules: what may
 * happen to a watcher while its events are being dispatched.
 */
struct b4_watch {
	void (*cb)(struct b4_daemon *d, struct b4_watch *w, uint32_t events);
	int fd;				/* -1: not in the epoll set */
};

#define b4_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* One tunnel the daemon drives. */
struct b4_tunnel {
	struct b4_link link;
	int rx_fd;			/* UDP :3784 bound to the device */
	struct b4_watch rx_w;		/* of rx_fd */
	bool forced;			/* carrier forced down by dslite.ko */
	uint8_t diag;			/* the module's diag */
	bool added_addr;		/* we added 192.0.0.2 to it */
	bool gone;			/* deleted, moved to another netns,
					 * renamed, or without a usable local
					 * address: waited for (b4/wan.c) */
	uint64_t gone_ns;		/* since when */
	char gone_why[128];
	/* the carrier the daemon wants, pushed again when dslite.ko comes
	 * back after an unload */
	bool want_forced;
	uint8_t want_diag;
	char want_reason[DSLITE_REASON_MAX];
};

/*
 * The last WAN change of a tunnel (b4/wan.c): its local address moved
 * ("renumber") or it was deleted and created again ("recreated").
 */
struct b4_wan_change {
	bool valid;
	const char *kind;		/* "renumber", "recreated" */
	char dev[IFNAMSIZ];
	struct in6_addr old_local, new_local, old_remote, new_remote;
	int old_ifindex, new_ifindex;
	bool admin_down_sent;		/* AdminDown from the old address */
	uint64_t gone_ms;		/* recreated: how long it was away */
	uint64_t at_rt_ms;
};

enum b4_path {
	B4_PATH_DIRECT,		/* encapsulated directly over IPv6 (raw) */
	B4_PATH_TUNNEL,		/* UDP inside the ip6tnl device */
};

/* One BFD session and its transmit schedule (b4/bfd.c). */
struct b4_session {
	struct bfd_session bfd;
	uint16_t sport;			/* UDP source port, for its lifetime */
	int fd;				/* UDP socket bound to 192.0.0.2:sport */
	uint32_t tx_interval;		/* bfd_tx_interval_us() in use */
	uint64_t last_tx_ns;
	uint64_t next_tx_ns;		/* 0: nothing scheduled */
	uint64_t changed_ns;		/* last state change */
	uint64_t changed_rt_ms;		/* the same, realtime */
	uint64_t tx_packets, rx_packets, rx_dropped;
	int admin_down_left;		/* AdminDown packets still to send */
	bool repoll;			/* timers changed during a Poll */
	uint32_t want_tx, want_rx;	/* configured intervals, us */
	uint8_t want_mult;
	uint64_t last_rx_ns;		/* last valid packet, kept after a
					 * timeout (bfd.last_rx_ns is not) */
	uint64_t tx_errors;
	int last_tx_errno;
	uint64_t rx_short;		/* answers smaller than pad */
	uint16_t pad;			/* the padded size of the last packet
					 * sent (cfg.pad, or the tunnel's
					 * MTU with "pad mtu"), 0: none */
	/* the daemon's own stall (b4_session_timer()): one grace a silence */
	uint64_t grace_ns;		/* detection deferred until then */
	uint64_t grace_rx_ns;		/* the bfd.last_rx_ns it was given for */
	uint64_t late_ms;		/* how late our own packet was */
	uint64_t stalls;		/* graces given */
};

/* What b4_session_rx()/b4_session_timer() report. */
struct b4_change {
	bool changed;			/* the state changed */
	uint8_t old_state, new_state;
	bool send_now;			/* a Final is due */
	/* a health change (not BFD's own): Up is healthy, Down is not */
	uint8_t diag;			/* why, 0: the session's diag */
	const char *method;		/* "ping", "bfd"; NULL: a BFD change */
	const char *reason;		/* the health method's words */
	bool logged;			/* a BFD change already in the log */
};

/*
 * A BFD change of a candidate whose health is BFD alone, waiting for the
 * evaluation (b4/health.c): it becomes the failover's event there.
 */
struct b4_bfd_pending {
	bool valid;
	uint8_t first_old;		/* the state before the first change */
	uint8_t old_state, new_state;	/* the last change */
	bool logged;			/* the last change is in the log */
};

/*
 * The ping health method of one candidate (b4/ping.c): one echo every
 * ping-interval, a reply counts when it comes before the next echo is
 * due. window holds the last results, bit 0 the newest, 1 = lost.
 */
struct b4_ping {
	int fd;				/* -1: none */
	enum b4_path fd_path;		/* the path fd was opened for */
	uint16_t id, seq;
	bool pending;			/* seq is still unanswered */
	uint64_t pending_ns;		/* when it was sent */
	uint64_t next_tx_ns;		/* 0: not running */
	uint32_t window;
	uint8_t n_window;		/* results in the window, <= M */
	uint64_t sent, received, lost, others, tx_errors;
	uint64_t last_rx_ns, last_rtt_ns;
	char reason[96];		/* why not ok */
};

/*
 * The PCP health method of one candidate (b4/pcp.c): a MAP of
 * 192.0.0.2:pcp-port kept alive with a short lifetime by pcp.h's client.
 * Tunnel path: the library's UDP socket inside the tunnel (encap mode) or
 * to the server over IPv6 (plain mode, any path). Direct path: the
 * request rides the daemon's raw IPv6 socket like the BFD probes.
 */
struct b4_pcp {
	struct pcp_client cl;
	bool on;			/* this candidate uses PCP */
	bool running;
	enum b4_path fd_path;		/* the path cl's socket was opened
					 * for (cl.fd >= 0) */
	struct in6_addr server;		/* plain mode */
	uint64_t remaps;		/* Epoch failures seen (re-maps) */
	char reason[96];		/* why not ok */
};

/*
 * The echo health method of one candidate (b4/echo.c): RFC 9747
 * unaffiliated BFD echo, 192.0.0.2 -> 192.0.0.2 UDP 3785, TTL 255, which
 * the AFTR's responder reflects (TTL 254 back). The packet is a BFD
 * control packet of the echo's own session (My = Your Discriminator =
 * discr, Sta = state) followed by a sequence number and the time it was
 * sent; the looped packets drive the state machine (Down, Init, Up) as
 * RFC 5880 6.8.6 would a peer's.
 */
struct b4_echo {
	int fd;				/* -1: none */
	enum b4_path fd_path;		/* the path fd was opened for */
	int fd_ifindex;			/* tunnel path: the device bound */
	uint32_t discr;			/* non-zero */
	uint16_t sport;
	uint32_t seq;			/* of the last echo sent */
	uint8_t state;			/* BFD_STATE_DOWN, _INIT, _UP */
	uint8_t diag;			/* BFD_DIAG_ECHO_FAILED after a failure */
	bool refused;			/* the AFTR advertises Required Min
					 * Echo RX 0: nothing is sent */
	uint32_t ival_us;		/* the transmit interval in use */
	uint8_t mult;			/* echo-multiplier in use */
	uint64_t next_tx_ns;		/* 0: not running */
	uint64_t detect_ns;		/* detection deadline, 0: none */
	uint64_t last_rx_ns, last_rtt_ns;
	uint64_t changed_rt_ms;		/* last state change, realtime */
	uint64_t sent, received, late, ttl_refused, others, tx_errors;
	uint64_t failures;		/* Up -> Down (echo-failed) */
	uint8_t last_bad_ttl;		/* the TTL of the last refused one */
	uint64_t last_bad_ns;		/* when it came */
	int last_tx_errno;
};

/*
 * The mtu health method of one candidate (b4/mtu.c): every mtu-interval
 * a control packet of the candidate's BFD session, padded (RFC 9764) to
 * an inner IPv4 packet of size bytes with DF, on the session's path; the
 * AFTR's responder answers it in place at the same size. Healthy while
 * an answer at least that large came within mtu-multiplier intervals.
 */
struct b4_mtu {
	uint16_t size;			/* the probes' size in use, 0: none
					 * sent yet */
	uint32_t ival_ms;		/* mtu-interval in use */
	uint8_t mult;			/* mtu-multiplier in use */
	uint64_t next_tx_ns;		/* 0: not running */
	uint64_t last_tx_ns;		/* the last probe sent */
	bool pending;			/* it is not answered yet */
	uint64_t last_ok_ns;		/* the last answer >= size, 0: none */
	uint64_t sent, answered, short_answered, tx_errors;
	int last_tx_errno;		/* of the last attempt, 0: sent */
	bool ok;			/* the last verdict */
};

/* the echo packet: IPv4, UDP, BFD control, sequence, zero, send time */
#define B4_ECHO_TRAILER		16
#define B4_ECHO_LEN		(20 + 8 + BFD_CTRL_LEN + B4_ECHO_TRAILER)
/* RFC 9747: sent with TTL 255, back through one forwarding hop */
#define B4_ECHO_TTL_BACK	(BFD_TTL - 1)

/* What b4_echo_rx() made of a packet. */
enum b4_echo_rx {
	B4_ECHO_RX_OK,			/* ours, accepted */
	B4_ECHO_RX_FOREIGN,		/* not ours (another discriminator,
					 * a bad checksum, not an echo) */
	B4_ECHO_RX_TTL,			/* ours, TTL not 254: refused */
	B4_ECHO_RX_LATE,		/* ours, after its detection time */
};

/*
 * The verdict of one health method on one candidate. A method records it
 * (b4_verdict_set) and does nothing else: the daemon's loop evaluates the
 * candidates whose verdicts are fresh once per turn (b4_health_eval),
 * after every event and timer of the turn was handled.
 */
struct b4_verdict {
	bool ok;			/* healthy by this method */
	bool fresh;			/* recorded since the last evaluation */
};

/* What failed a candidate (b4_cand.down): one of its methods, or: */
#define B4_DOWN_NONE		(-1)		/* nothing named (BFD alone) */
#define B4_DOWN_TUNNEL		B4_METHOD_NR	/* its tunnel went away */

struct b4_cand {
	struct in6_addr addr;		/* the AFTR's IPv6 address */
	const char *origin;		/* "aftr", "aftr-name", "remote", "dev" */
	int tun;			/* index of the tunnel that carries it */
	enum b4_path path;
	struct b4_session s;
	uint64_t up_since_ns;		/* 0: not Up */
	bool flapped;			/* went Down from Up: hold-down applies */
	uint64_t preempt_at_ns;		/* preempt check due, 0: none */
	bool keep;			/* reload: still configured */
	uint32_t up_remote_discr;	/* the AFTR's discriminator the last
					 * time the session was Up, 0: never */
	struct b4_ping ping;
	struct b4_pcp pcp;
	struct b4_echo echo;
	struct b4_mtu mtu;
	struct b4_health health;	/* what decides this AFTR's health */
	struct b4_verdict v[B4_METHOD_NR];	/* per method */
	struct b4_watch w[B4_METHOD_NR];	/* a method's socket (BFD: s.fd) */
	struct b4_bfd_pending bfd_pending;
	bool healthy;			/* the last evaluation's verdict */
	int down;			/* what failed it: enum b4_method,
					 * B4_DOWN_NONE or B4_DOWN_TUNNEL */
};

static inline bool b4_ok(const struct b4_cand *c, enum b4_method m)
{
	return c->v[m].ok;
}

/* What a switch to another AFTR (or back to the same one) was. */
enum b4_switch_kind {
	B4_SWITCH_FAILOVER,
	B4_SWITCH_PREEMPT,
	B4_SWITCH_RECOVERY,
};

/* The last failover (or preemption, or recovery). */
struct b4_switch {
	bool valid;
	enum b4_switch_kind kind;	/* b4_switch_name(): "failover"... */
	int from, to;			/* candidate indexes, -1: none */
	struct in6_addr from_addr, to_addr;
	uint8_t diag;			/* why the old one was left */
	uint64_t last_rx_rt_ms;		/* last packet from the old AFTR */
	uint64_t detect_rt_ms;		/* detection (realtime ms) */
	uint64_t down_rt_ms;		/* carrier went down */
	uint64_t up_rt_ms;		/* carrier back up via the new one */
	uint64_t detect_ns, down_ns, up_ns;
};

/*
 * The last "AFTR changed": the session came Up again with another
 * discriminator on the AFTR side, without the B4 taking it down itself:
 * another node of an anycast group answers (the node id, the top 8 bits,
 * changed) or the AFTR started a new session. The subscriber's NAT state
 * is gone either way.
 */
struct b4_aftr_change {
	bool valid;
	struct in6_addr addr;		/* the candidate (its AFTR address) */
	uint32_t old_discr, new_discr;	/* the AFTR's discriminators */
	uint64_t at_rt_ms;		/* when (realtime) */
};

/* The node id in an AFTR's discriminator (dslite's AFTR responder). */
#define B4_NODE_ID(discr)	((discr) >> 24)

#define B4_MAX_CLIENTS	CTL_SRV_CLIENTS

struct b4_daemon {
	struct b4_config cfg;
	char **argv;			/* for reload */
	int argc;

	struct b4_tunnel tun[B4_MAX_TUNNELS];
	int n_tun;
	struct b4_cand cand[B4_MAX_CANDIDATES];
	int n_cand;

	/* failover state */
	int active;			/* candidate the traffic tunnel points
					 * to, -1: none */
	bool up;			/* the traffic tunnel has its carrier */
	uint8_t down_diag;		/* why it is down */
	uint64_t grace_until_ns;	/* adopted carrier-up at start: the
					 * session may come Up until then */
	struct b4_switch last;
	bool last_carrier_ok;		/* the failure's carrier-down worked */
	uint64_t n_failovers;
	struct b4_aftr_change last_change;
	uint64_t n_aftr_changes;
	uint64_t started_ns;

	/* I/O */
	int epfd, timerfd, sigfd, rawfd, raw4fd, ctlfd;
	struct b4_watch timer_w, sig_w, raw_w, ctl_w, resolve_w, link_w,
			genl_w, client_w[B4_MAX_CLIENTS];
	bool watch_moved;		/* a watcher was removed or moved while
					 * events were dispatched */
	int pcp_port_fd;		/* holds 192.0.0.2:pcp_port, -1 */
	uint16_t pcp_port;		/* the mappings' internal port */
	struct ctl_srv *ctl;		/* the control socket (b4/ctl.c) */
	struct genl_sock genl;
	struct genl_sock ctrl;		/* nlctrl "notify": dslite.ko unloaded */
	bool no_module;			/* it was: degraded mode (b4/wan.c) */
	uint64_t module_retry_ns;	/* dslite.ko back: resync due, 0 */
	int module_tries;
	struct b4_wan_change last_wan;
	uint64_t n_wan_changes;
	struct mnl_socket *rtnl;
	struct mnl_socket *rtnl_watch;	/* link and address events */
	uint32_t rtnl_seq;
	int exit_code;			/* of the loop once stopped */
	bool stopping;

	/* metrics ADDR:PORT: the HTTP endpoint (user/http.h), NULL */
	struct http_server *http;
	struct b4_watch http_w;

	/* SIGHUP with aftr-name: the name is resolved in a child process
	 * (a resolver may block for seconds, the sessions may not) */
	int resolve_pid;
	int resolve_fd;
	struct b4_config pending;
};

/* What the resolver child writes to its pipe (one atomic write). */
struct b4_resolved {
	int ok;
	int n;
	struct in6_addr addr[B4_MAX_CANDIDATES];
	char err[256];
};

/* b4/daemon.c */
void b4_log(const struct b4_daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint32_t b4_random(void);
const char *b4_addr_str(const struct in6_addr *a, char *buf);
const char *b4_dev_name(const struct b4_daemon *d);
/* stop: AdminDown to every AFTR, then the loop ends (sig 0: no signal) */
void b4_begin_stop(struct b4_daemon *d, int sig);

/* b4/config.c */
#define B4_WHAT		"b4 run"
void b4_config_init(struct b4_config *c);
/* the keywords of "b4 run" and its config file (kw.h) */
struct kw_table;
const struct kw_table *b4_config_keywords(void);
/* usage, from that table: the synopsis line(s), the option list */
void b4_config_usage(FILE *f);
void b4_config_options(FILE *f);
/* parse and check the keywords; prints the error, returns an exit code */
int b4_config_parse(struct b4_config *c, int argc, char **argv);
/* the derived standby interval */
uint32_t b4_standby_ms(const struct b4_config *c);
/*
 * b4_config_resolve(c, rtnl, links, n_links, addrs, origins, tun_of, n,
 * named, n_named, err, errlen): read the tunnels, check them, and list the
 * candidate AFTRs in order: aftr, then aftr-name (named[] when given,
 * else resolved now), else the tunnel's remote. Returns 0, or -1 with the
 * reason in err.
 */
int b4_config_resolve(const struct b4_config *c, struct mnl_socket *rtnl,
		      struct b4_link *links, int *n_links,
		      struct in6_addr *addrs, const char **origins,
		      int *tun_of, int *n, const struct in6_addr *named,
		      int n_named, char *err, size_t errlen);
/* read tunnel dev and check that it can be a B4's softwire: 0, -ENODEV
 * (no such device) or -1, with the reason in err */
int b4_tunnel_check(struct mnl_socket *rtnl, const char *dev,
		    struct b4_link *l, char *err, size_t errlen);
/* every usable AAAA record of name, in the resolver's order (blocks) */
int b4_resolve_name(const char *name, struct in6_addr *out, int *n,
		    char *err, size_t errlen);

/*
 * Health settings as text: "bfd", "pcp", "ping"; "all" and "any" (BFD
 * and ping); "all:M+M[+M]", "any:M+M[+M]" (M one of bfd, pcp, ping, echo,
 * mtu; echo and mtu only with bfd; "echo", "mtu": all:bfd+echo, all:bfd+mtu).
 * b4_health_parse() returns 0 or -1; b4_health_str() gives the canonical
 * form (buf of B4_HEALTH_STR_MAX bytes).
 */
int b4_health_parse(const char *s, struct b4_health *h);
const char *b4_health_str(const struct b4_health *h, char *buf);
/* the health setting of AFTR a and its PCP server (plain mode) */
void b4_config_cand(const struct b4_config *c, const struct in6_addr *a,
		    struct b4_health *h, struct in6_addr *pcp_server);
/* does any AFTR of the configuration use method m (B4_M_*)? */
bool b4_config_uses(const struct b4_config *c, uint8_t m);

/* b4/link.c */
struct mnl_socket *b4_rtnl_open(char *err, size_t errlen);
int b4_link_get(struct mnl_socket *nl, const char *name, int ifindex,
		struct b4_link *l, char *err, size_t errlen);
/* a non-blocking socket on the link and IPv6 address events */
struct mnl_socket *b4_rtnl_watch_open(char *err, size_t errlen);
/*
 * b4_rtnl_watch_read(nl, ifindex, names, n): read the queued events; what
 * they were about: B4_WATCH_LINK, a device with one of the n ifindexes or
 * names (created, changed, deleted); B4_WATCH_ADDR, an IPv6 address added
 * or removed; B4_WATCH_LOST, events were lost. The caller reads the
 * tunnels again (b4_wan_check()).
 */
#define B4_WATCH_LINK	0x1
#define B4_WATCH_ADDR	0x2
#define B4_WATCH_LOST	0x4
unsigned int b4_rtnl_watch_read(struct mnl_socket *nl, const int *ifindex,
				char (*names)[IFNAMSIZ], int n);
int b4_link_set_remote(struct mnl_socket *nl, int ifindex,
		       const struct in6_addr *remote, char *err, size_t errlen);
/* 1 if the device has the IPv4 address, 0 if not, -1 on error */
int b4_link_has_addr4(struct mnl_socket *nl, int ifindex, uint32_t addr);
int b4_link_add_addr4(struct mnl_socket *nl, int ifindex, uint32_t addr,
		      int prefixlen, char *err, size_t errlen);

/* b4/bfd.c */
void b4_session_init(struct b4_session *s, uint32_t discr, uint32_t tx_us,
		     uint32_t rx_us, uint8_t mult, uint64_t now);
void b4_session_set_timers(struct b4_session *s, uint32_t tx_us,
			   uint32_t rx_us, uint8_t mult, uint64_t now);
void b4_session_rx(struct b4_session *s, const struct bfd_ctrl *p,
		   uint64_t now, struct b4_change *c);
/* a timer fired: detection; a state change is reported in *c */
void b4_session_timer(struct b4_session *s, uint64_t now,
		      struct b4_change *c);
bool b4_session_tx_due(const struct b4_session *s, uint64_t now);
/* build the next packet and schedule the one after */
void b4_session_build(struct b4_session *s, struct bfd_ctrl *out,
		      uint64_t now);
uint64_t b4_session_deadline(const struct b4_session *s);
uint64_t b4_session_detect_deadline(const struct b4_session *s);
void b4_session_admin_down(struct b4_session *s, uint64_t now);
uint32_t b4_session_new_discr(const struct b4_daemon *d);

/* b4/net.c */
int b4_net_open_raw(char *err, size_t errlen);
int b4_net_open_raw4(char *err, size_t errlen);
int b4_net_open_tunnel_rx(const struct b4_tunnel *t, char *err,
			  size_t errlen);
int b4_net_open_session(struct b4_session *s, char *err, size_t errlen);
int b4_net_send(struct b4_daemon *d, struct b4_cand *c);
/*
 * b4_net_send_probe(d, c, size): one control packet of c's session as it
 * is (no Final, the schedule untouched) padded to an inner IPv4 packet of
 * size bytes, on c's path: the mtu method's probe. 0 or -1 (errno).
 */
int b4_net_send_probe(struct b4_daemon *d, struct b4_cand *c, size_t size);
/* the MTU of c's tunnel device, 0 when it cannot be read */
unsigned int b4_net_tunnel_mtu(const struct b4_daemon *d,
			       const struct b4_cand *c);
/*
 * b4_net_send_admin_down(d, c, src): one AdminDown of c's session (as it
 * is, not changed) on the direct path from src: the end of a session the
 * AFTR knows by an old address. 0 or -1 (errno).
 */
int b4_net_send_admin_down(struct b4_daemon *d, const struct b4_cand *c,
			   const struct in6_addr *src);
void b4_net_raw_input(struct b4_daemon *d);
void b4_net_udp_input(struct b4_daemon *d, int fd, int tun);
/* watcher callbacks: a tunnel's rx socket, a candidate's session socket */
void b4_net_tunnel_cb(struct b4_daemon *d, struct b4_watch *w,
		      uint32_t events);
void b4_net_session_cb(struct b4_daemon *d, struct b4_watch *w,
		       uint32_t events);

/* b4/failover.c */
int b4_fo_read_state(struct b4_daemon *d, char *err, size_t errlen);
int b4_fo_start(struct b4_daemon *d, char *err, size_t errlen);
void b4_fo_session_changed(struct b4_daemon *d, int i,
			   const struct b4_change *c);
void b4_fo_timer(struct b4_daemon *d, uint64_t now);
uint64_t b4_fo_deadline(const struct b4_daemon *d);
void b4_fo_apply_timers(struct b4_daemon *d, int i);
void b4_fo_stop(struct b4_daemon *d);
void b4_fo_removed_active(struct b4_daemon *d);
void b4_fo_reconsider(struct b4_daemon *d);
/* the start-up grace: how long an adopted tunnel stays up unhealthy */
uint64_t b4_fo_grace_ns(const struct b4_daemon *d);
/*
 * dslite.ko's state of tunnel t into info (zeroed first), *found when the
 * module answered with it; returns genl_talk()'s answer
 */
int b4_fo_tunnel_get(struct b4_daemon *d, int t, struct tunnel_info *info,
		     bool *found);
/* dslite.ko's state of tunnel t into d->tun[t] */
int b4_fo_read_tunnel(struct b4_daemon *d, int t, char *err, size_t errlen);
/* dslite.ko: carrier of tunnel t (recorded as wanted either way) */
int b4_fo_carrier_nl(struct b4_daemon *d, int t, bool up, uint8_t diag,
		     const char *reason);
/* tunnel t went away (its candidates are paused) / is back */
void b4_fo_tunnel_gone(struct b4_daemon *d, int t);
int b4_fo_tunnel_back(struct b4_daemon *d, int t, char *err, size_t errlen);

/* b4/ping.c */
void b4_ping_init(struct b4_ping *p);
/* open (or reopen for a new path) candidate i's socket, start probing */
void b4_ping_path(struct b4_daemon *d, int i);
void b4_ping_close(struct b4_daemon *d, struct b4_cand *c);
void b4_ping_input(struct b4_daemon *d, int i);

/* b4/echo.c: the daemon's side is b4_echo_ops; the logic, without sockets
 * (selftests/unit/b4_echo_test.c): */
/* a new echo: discriminator and source port drawn, Down, not running */
void b4_echo_init(struct b4_echo *e);
/* the packet to send now (B4_ECHO_LEN bytes into buf), e->seq advanced */
size_t b4_echo_build(struct b4_echo *e, uint8_t *buf, uint8_t mult,
		     uint64_t now);
/*
 * the transmit interval (us) for e's state: until Up (or while no control
 * packet of the AFTR is known) max(1 s, cfg_ms), once Up max(cfg_ms, the
 * AFTR's Required Min Echo RX); 0 when the AFTR
 * said it takes no echo (remote_known: a control packet of its came, and
 * it advertised 0)
 */
uint32_t b4_echo_interval_us(const struct b4_echo *e, uint32_t cfg_ms,
			     bool remote_known, uint32_t remote_echo_rx_us);
/* a packet read from the echo socket (the IPv4 packet), at now */
enum b4_echo_rx b4_echo_rx(struct b4_echo *e, const uint8_t *buf, size_t n,
			   uint8_t mult, uint64_t now);
/* detection: true when e went Down now (diag echo-failed) */
bool b4_echo_expire(struct b4_echo *e, uint64_t now);
/* why e is not Up, for the log and the status */
void b4_echo_why(const struct b4_echo *e, uint8_t mult, char *buf,
		 size_t size);
/* the classic BPF filter of an echo socket (B4_ECHO_FILTER_LEN) */
#define B4_ECHO_FILTER_LEN	18
struct sock_filter;
void b4_echo_filter(struct sock_filter *code);

/* b4/mtu.c: the daemon's side is b4_mtu_ops; the logic, without sockets
 * or clock (selftests/unit/b4_mtu_test.c): */
void b4_mtu_init(struct b4_mtu *m, uint32_t ival_ms, uint8_t mult);
/*
 * b4_mtu_sent(m, size, now, small_rx_ns, err): a probe of size bytes was
 * sent at now (err 0) or its send failed with errno err. The previous
 * probe, still unanswered while the session heard a smaller answer after
 * it (small_rx_ns: the session's last valid packet), counts as short.
 */
void b4_mtu_sent(struct b4_mtu *m, uint16_t size, uint64_t now,
		 uint64_t small_rx_ns, int err);
/* a valid control packet of the session came: an inner IPv4 packet of
 * len bytes */
void b4_mtu_rx(struct b4_mtu *m, size_t len, uint64_t now);
/* the verdict at now: an answer of the probes' size within mult x ival */
bool b4_mtu_judge(const struct b4_mtu *m, uint64_t now);
/* why m is not healthy at now (small_rx_ns as above), "" when it is */
void b4_mtu_why(const struct b4_mtu *m, uint64_t now, uint64_t small_rx_ns,
		char *buf, size_t size);

/* the daemon's side: a valid control packet of candidate i's session, an
 * inner IPv4 packet of len bytes (b4/net.c) */
void b4_mtu_input(struct b4_daemon *d, int i, size_t len);

/* b4/pcp.c */
/* the daemon-wide port of the mappings (reserved); 0 or -1 */
int b4_pcp_setup(struct b4_daemon *d, char *err, size_t errlen);
void b4_pcp_cleanup(struct b4_daemon *d);
/* the client of candidate c (c->health and c->pcp.server, its PCP
 * server in plain mode, set), not started */
void b4_pcp_init(struct b4_daemon *d, struct b4_cand *c);
/* open (or reopen for a new path) candidate i's transport, start */
void b4_pcp_path(struct b4_daemon *d, int i);
void b4_pcp_close(struct b4_daemon *d, struct b4_cand *c);
/* close and stop a running client (nothing is sent) */
void b4_pcp_stop(struct b4_daemon *d, struct b4_cand *c);
/* the library socket of candidate i is readable */
void b4_pcp_input(struct b4_daemon *d, int i);
/* a direct-path answer (UDP payload from 192.0.0.1:5351) for i */
void b4_pcp_direct_input(struct b4_daemon *d, int i, const void *buf,
			 size_t len);
/* the B4's address changed: map again from the tunnel as it is now */
void b4_pcp_restart(struct b4_daemon *d, int i);

/* b4/net.c, shared with b4/pcp.c */
/*
 * b4_net_send_udp(d, c, sport, dport, ttl, payload, len): an IPv4/UDP
 * packet 192.0.0.2:sport -> 192.0.0.1:dport on candidate c's direct path
 * (encapsulated over IPv6 from the tunnel's local address). 0 or -1.
 */
int b4_net_send_udp(struct b4_daemon *d, const struct b4_cand *c,
		    uint16_t sport, uint16_t dport, uint8_t ttl,
		    const void *payload, size_t len);

/* b4/bfd.c, the BFD health method */
/* candidate i's session changed state (b4_session_rx/timer said so) */
void b4_bfd_changed(struct b4_daemon *d, int i, const struct b4_change *c);
/* the log line of a change of candidate i's session */
void b4_bfd_log(struct b4_daemon *d, int i, uint8_t old_state,
		uint8_t new_state);
struct b4_cand;
/* the session's state in words; padded (pad) and not Up: what the
 * padding found out about the path (its health method's reason) */
void b4_bfd_reason(const struct b4_cand *c, char *buf, size_t size);

/*
 * b4/health.c: the health methods as data. Each method is one file and
 * one row of B4_METHODS; its ops say what the daemon does with it. i is
 * a candidate's index; a method checks itself whether candidate i uses
 * it (c->health.methods) where it says so. Input is not an op: a method's
 * sockets are watchers (c->w[method]) whose callbacks read them.
 */
struct b4_health_ops {
	const char *name;		/* "bfd": the word of its B4_METHODS row */
	uint8_t diag;			/* its failure's diag, 0: BFD's own */
	/* a new candidate (c->health set, not yet in d->cand[]): the
	 * method's state and what it keeps for the candidate's life */
	int (*open)(struct b4_daemon *d, struct b4_cand *c, char *err,
		    size_t errlen);
	/* the candidate goes: close everything (c need not be in d->cand) */
	void (*close)(struct b4_daemon *d, struct b4_cand *c);
	/* every candidate, at start and when its path or role changed:
	 * (re)open for the path, (re)start */
	void (*path)(struct b4_daemon *d, int i);
	/* the daemon stops: the method's goodbye (d->stopping is set) */
	void (*stop)(struct b4_daemon *d, int i);
	/* its earliest deadline (0: none), and what is due at now */
	uint64_t (*deadline)(const struct b4_daemon *d);
	void (*timer)(struct b4_daemon *d, uint64_t now);
	/* optional: after the evaluation and the failover step, send what
	 * is due (the timers the failover step changed apply) */
	void (*tx)(struct b4_daemon *d, uint64_t now);
	/* why the method fails c, for the log; its last sign of life */
	void (*reason)(const struct b4_cand *c, char *buf, size_t size);
	uint64_t (*last_rx)(const struct b4_cand *c);
};

#define B4_METHOD_OPS(U, l)	extern const struct b4_health_ops b4_##l##_ops;
B4_METHODS(B4_METHOD_OPS)
#undef B4_METHOD_OPS

extern const struct b4_health_ops *const b4_methods[B4_METHOD_NR];

/* record method m's verdict on candidate i: nothing else happens now */
void b4_verdict_set(struct b4_daemon *d, int i, enum b4_method m, bool ok);
/* the methods of c that are healthy now (B4_M bits) */
unsigned int b4_ok_methods(const struct b4_cand *c);
/* is candidate i healthy (all/any of its methods), its tunnel there? */
bool b4_cand_usable(const struct b4_daemon *d, int i);
/*
 * Once per turn of the loop: every candidate with a fresh verdict is
 * evaluated (all/any); a change of its health is one event for the
 * failover machinery (b4_fo_session_changed).
 */
void b4_health_eval(struct b4_daemon *d);
/* c fails: name the method that failed it (c->down), return its diag */
uint8_t b4_health_mark_down(struct b4_cand *c);
/* the word of c->down for the carrier's reason: "ping", "tunnel" */
const char *b4_down_name(int down);
/* every method, for every candidate or for candidate i */
void b4_health_path(struct b4_daemon *d, int i);
uint64_t b4_health_deadline(const struct b4_daemon *d);
void b4_health_timer(struct b4_daemon *d, uint64_t now);
void b4_health_tx(struct b4_daemon *d, uint64_t now);
void b4_health_stop(struct b4_daemon *d);

/* b4/daemon.c: watchers (0, or -1 with errno) */
int b4_watch_add(struct b4_daemon *d, struct b4_watch *w, int fd,
		 void (*cb)(struct b4_daemon *, struct b4_watch *, uint32_t));
void b4_watch_del(struct b4_daemon *d, struct b4_watch *w);
/* the object holding w was copied to where w is now */
void b4_watch_moved(struct b4_daemon *d, struct b4_watch *w);
/* the candidate index of c->w[m] */
int b4_watch_cand(const struct b4_daemon *d, const struct b4_watch *w,
		  enum b4_method m);
const char *b4_switch_name(enum b4_switch_kind k);

/* b4/wan.c */
void b4_wan_link_events(struct b4_daemon *d);
void b4_wan_genl_events(struct b4_daemon *d);
void b4_wan_timer(struct b4_daemon *d, uint64_t now);
uint64_t b4_wan_deadline(const struct b4_daemon *d);

/* b4/ctl.c */
int b4_ctl_listen(struct b4_daemon *d, char *err, size_t errlen);
void b4_ctl_accept(struct b4_daemon *d);
void b4_ctl_client_cb(struct b4_daemon *d, struct b4_watch *w,
		      uint32_t events);
void b4_ctl_expire(struct b4_daemon *d, uint64_t now);
void b4_ctl_close(struct b4_daemon *d);
int b4_status(int argc, char **argv);
int b4_metrics(int argc, char **argv);
/* b4/metrics.c: the answer to the control socket's "metrics" */
void b4_metrics_render(struct b4_daemon *d, FILE *f);

#endif /* DSLITECTL_B4_H */
