/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The BFD state machine of dslite (RFC 5880 asynchronous mode, RFC 5881
 * single hop), written once as plain C and compiled both into the AFTR's
 * XDP responder (clang -target bpf) and into dslitectl (the B4 initiator,
 * gcc). Everything is static inline and free of calls, loops, allocation
 * and libc, so it runs inside a bpf_spin_lock section and is verified in
 * full. The caller supplies time (nanoseconds from one monotonic clock,
 * CLOCK_MONOTONIC in dslite) and does all I/O.
 *
 * What this file does, and what the roles add on top:
 *
 *   bfd_session_init()     state variables of RFC 5880 6.8.1
 *   bfd_validate()         the packet checks of 6.8.6 that need no session
 *   bfd_rx()               the session part of 6.8.6: Your Discriminator
 *                          match, remote variables, Final ends a Poll,
 *                          the state table, Poll -> answer with Final
 *   bfd_build()            an outgoing control packet from the session
 *                          (6.8.7): P while polling, F once after a Poll
 *   bfd_detect_time_us()   detection time (6.8.4, asynchronous mode),
 *                          at most BFD_DETECT_TIME_MAX_US
 *   bfd_detect_expired()   has it passed since the last valid packet?
 *   bfd_timeout()          the expiry transition: Down, diag 1, the
 *                          remote variables back to their 6.8.1 values
 *   bfd_tx_interval_us()   periodic transmission interval (6.8.2, 6.8.3)
 *   bfd_jitter_us()        the 6.8.7 jitter rule, given a random number
 *   bfd_set_timers(), bfd_start_poll(), bfd_set_admin_down/up()
 *
 * Active initiator (the B4, userspace): creates the session, schedules
 * periodic transmissions with bfd_tx_interval_us() and bfd_jitter_us(),
 * sends bfd_build() packets, sends one immediately whenever
 * bfd_final_pending() after bfd_rx(), and checks bfd_detect_expired()
 * from its timer.
 *
 * Passive responder (the AFTR, XDP; RFC 5880 6.1 passive role): the
 * session has BFD_SF_RESPONDER set, is created from the first valid
 * packet of a peer and transmits only one bfd_build() packet in answer to
 * every received one. Its transmission rate is therefore the remote's, so
 * it advertises max(configured TX, remote Desired Min TX, own Required Min
 * RX) as its Desired Min TX: the remote's detection time of this end
 * (6.8.4) then always covers the real gap between answers. A change of
 * that value while Up starts a Poll Sequence like any other timer change,
 * carried on the answers.
 *
 * Hardening beyond RFC 5880 (both ends; Documentation/design.md,
 * "Security"):
 *   - Your Discriminator 0 does not select a session that is Up
 *     (BFD_RX_ZERO_DISCR_UP): RFC 5880 lets a Down/AdminDown packet
 *     without our discriminator reach any session of its source, so one
 *     spoofed packet would take an Up session down. A restarted peer
 *     (which lost our discriminator) is heard once the old session's
 *     detection time has expired, that is within one detection time.
 *   - The detection time honoured is at most BFD_DETECT_TIME_MAX_US,
 *     whatever Detect Mult and Desired Min TX the remote advertises.
 *   - A Required Min RX of 0 from the remote stops periodic transmission
 *     only while the session is Up: a session that is not Up keeps
 *     sending (at least every second), so no single packet can silence
 *     an initiator for good.
 *
 * Not implemented (never advertised): authentication (packets with the A
 * bit are rejected), Demand mode (D is never sent; a remote's D is
 * honoured by bfd_tx_interval_us()), multipoint.
 *
 * Byte order: session fields are host order, struct bfd_ctrl (proto.h) is
 * network order.
 */
#ifndef _DSLITE_BFD_H
#define _DSLITE_BFD_H

#include <linux/types.h>
#include <dslite/proto.h>

#define BFD_INLINE static inline __attribute__((always_inline))

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define bfd_hton32(x)	((__u32)(x))
#else
#define bfd_hton32(x)	__builtin_bswap32((__u32)(x))
#endif
#define bfd_ntoh32(x)	bfd_hton32(x)

/*
 * bfd.Role (RFC 9468 section 3, the role of RFC 5880 6.1 kept as a state
 * variable): Active sends control packets whether or not it has heard
 * the remote (the B4), Passive sends only after it has received one and
 * so learnt the remote's discriminator (the AFTR's unsolicited sessions).
 * It is fixed when the session is initialised and held in the session's
 * flags (BFD_SF_RESPONDER), so the 64-byte session keeps its layout:
 * bfd_role() reads it.
 */
enum bfd_role {
	BFD_ROLE_ACTIVE = 0,
	BFD_ROLE_PASSIVE = 1,
};

/* Session flags (struct bfd_session.flags). */
#define BFD_SF_POLL		0x01	/* a Poll Sequence is running: send P
					 * until a packet with F arrives */
#define BFD_SF_FINAL		0x02	/* a Poll was received: the next built
					 * packet carries F (send it now) */
#define BFD_SF_RESPONDER	0x04	/* transmits only in answer to received
					 * packets (the AFTR; see above) */
#define BFD_SF_REMOTE_DEMAND	0x08	/* bfd.RemoteDemandMode */

/*
 * The longest detection time honoured, us: Detect Mult x interval of a
 * remote beyond it is cut to it. 5 minutes, three times the slowest
 * timers dslite is meant for (30 s x 3 = 90 s) with room to spare; a
 * remote that sends less often than this is declared down.
 */
#define BFD_DETECT_TIME_MAX_US	(300ULL * 1000000ULL)

/*
 * One BFD session: the state variables of RFC 5880 6.8.1 plus the
 * configuration they derive from. 64 bytes. Intervals in microseconds.
 */
struct bfd_session {
	__u64	last_rx_ns;	/* time of the last valid control packet;
				 * 0: none since creation or the last
				 * timeout (detection not running) */
	__u32	local_discr;	/* bfd.LocalDiscr, non-zero */
	__u32	remote_discr;	/* bfd.RemoteDiscr, 0 until known */

	__u32	cfg_tx;		/* configured Desired Min TX (used once Up) */
	__u32	cfg_rx;		/* configured Required Min RX */
	__u32	cfg_echo_rx;	/* advertised Required Min Echo RX, 0: no echo */

	__u32	tx;		/* bfd.DesiredMinTxInterval, advertised */
	__u32	rx;		/* bfd.RequiredMinRxInterval, advertised */
	__u32	poll_old_tx;	/* tx and rx before the running Poll
				 * Sequence (6.8.3), valid with BFD_SF_POLL */
	__u32	poll_old_rx;

	__u32	remote_tx;	/* last received Desired Min TX, 0: none */
	__u32	remote_rx;	/* bfd.RemoteMinRxInterval (initially 1) */
	__u32	remote_echo_rx;	/* last received Required Min Echo RX */

	__u8	state;		/* bfd.SessionState, enum bfd_state */
	__u8	remote_state;	/* bfd.RemoteSessionState */
	__u8	diag;		/* bfd.LocalDiag, enum bfd_diag */
	__u8	remote_diag;	/* diag of the last received packet */
	__u8	detect_mult;	/* bfd.DetectMult */
	__u8	remote_mult;	/* last received Detect Mult, 0: none */
	__u8	flags;		/* BFD_SF_* */
	__u8	_pad;
};

/*
 * Results of bfd_validate() and bfd_rx(): BFD_RX_OK, or why the packet
 * must be discarded (in the order RFC 5880 6.8.6 lists the checks).
 */
enum bfd_rx_result {
	BFD_RX_OK = 0,
	BFD_RX_TRUNCATED,		/* payload < 24 bytes */
	BFD_RX_BAD_VERSION,		/* version != 1 */
	BFD_RX_BAD_LENGTH,		/* Length < 24 (< 26 with A) */
	BFD_RX_LENGTH_OVER_PAYLOAD,	/* Length > payload */
	BFD_RX_ZERO_DETECT_MULT,	/* Detect Mult == 0 */
	BFD_RX_MULTIPOINT,		/* M bit set */
	BFD_RX_ZERO_MY_DISCR,		/* My Discriminator == 0 */
	BFD_RX_ZERO_YOUR_DISCR,		/* Your Discr 0 and state Init/Up */
	BFD_RX_AUTH_UNSUPPORTED,	/* A bit set: no authentication here */
	BFD_RX_BAD_YOUR_DISCR,		/* Your Discr != bfd.LocalDiscr */
	BFD_RX_ADMIN_DOWN,		/* local session is AdminDown: remote
					 * variables taken, packet discarded */
	BFD_RX_ZERO_DISCR_UP,		/* Your Discr 0 and the session is Up
					 * (a restarted or a spoofed peer):
					 * discarded, nothing changed */
	BFD_RX__MAX,
};

BFD_INLINE const char *bfd_rx_result_name(int r)
{
	switch (r) {
	case BFD_RX_OK:			return "ok";
	case BFD_RX_TRUNCATED:		return "truncated";
	case BFD_RX_BAD_VERSION:	return "bad version";
	case BFD_RX_BAD_LENGTH:		return "bad length";
	case BFD_RX_LENGTH_OVER_PAYLOAD: return "length exceeds payload";
	case BFD_RX_ZERO_DETECT_MULT:	return "detect multiplier zero";
	case BFD_RX_MULTIPOINT:		return "multipoint bit set";
	case BFD_RX_ZERO_MY_DISCR:	return "my discriminator zero";
	case BFD_RX_ZERO_YOUR_DISCR:	return "your discriminator zero when not down";
	case BFD_RX_AUTH_UNSUPPORTED:	return "authentication not supported";
	case BFD_RX_BAD_YOUR_DISCR:	return "your discriminator unknown";
	case BFD_RX_ADMIN_DOWN:		return "session administratively down";
	case BFD_RX_ZERO_DISCR_UP:	return "your discriminator zero for an up session";
	}
	return "?";
}

/*
 * The names of BFD states and diagnostics: one table of each, for every
 * program that prints them (dslitectl's commands and daemon, the tests).
 * A state has RFC 5880's name ("AdminDown", logs and tests) and FRR's
 * status word ("shutdown": "status" in FRR's `show bfd peers json`, as
 * aftr sessions and b4 status print it); a diagnostic has dslitectl's
 * name ("control-expired": the command line, text output) and FRR's text
 * ("control detection time expired": "diagnostic" in the same JSON).
 */
struct bfd_names {
	const char *name;	/* RFC 5880's state, dslitectl's diag */
	const char *frr;	/* FRR's status word, FRR's diag text */
	const char *iana;	/* the enum of iana-bfd-types (RFC 9127,
				 * the YANG modules of RFC 9314 and RFC
				 * 9468 use it): "up", "controlExpiry" */
};

/* bfd_state_names(state): the names of a state, NULL beyond Up. */
BFD_INLINE const struct bfd_names *bfd_state_names(unsigned int state)
{
	static const struct bfd_names tbl[] = {
		[BFD_STATE_ADMIN_DOWN]	= { "AdminDown", "shutdown", "adminDown" },
		[BFD_STATE_DOWN]	= { "Down",	"down",	"down" },
		[BFD_STATE_INIT]	= { "Init",	"init",	"init" },
		[BFD_STATE_UP]		= { "Up",	"up",	"up" },
	};

	return state < sizeof(tbl) / sizeof(tbl[0]) ? &tbl[state] : 0;
}

/* bfd_diag_names(diag): the names of a diagnostic, NULL beyond 8. */
BFD_INLINE const struct bfd_names *bfd_diag_names(unsigned int diag)
{
	static const struct bfd_names tbl[] = {
		[BFD_DIAG_NONE]			= { "none", "ok", "none" },
		[BFD_DIAG_CONTROL_EXPIRED]	= { "control-expired",
			"control detection time expired", "controlExpiry" },
		[BFD_DIAG_ECHO_FAILED]		= { "echo-failed",
			"echo-function failed", "echoFailed" },
		[BFD_DIAG_NEIGHBOR_DOWN]	= { "neighbor-down",
			"neighbor signaled session down", "neighborDown" },
		[BFD_DIAG_FWD_RESET]		= { "fwd-reset",
			"forwarding-plane reset", "forwardingReset" },
		[BFD_DIAG_PATH_DOWN]		= { "path-down", "path down",
			"pathDown" },
		[BFD_DIAG_CONCAT_PATH_DOWN]	= { "concat-path-down",
			"concatenated path down", "concatPathDown" },
		[BFD_DIAG_ADMIN_DOWN]		= { "admin-down",
			"administratively down", "adminDown" },
		[BFD_DIAG_REVERSE_CONCAT_PATH_DOWN] = {
			"reverse-concat-path-down",
			"reverse concatenated path down",
			"reverseConcatPathDown" },
	};

	_Static_assert(sizeof(tbl) / sizeof(tbl[0]) == BFD_DIAG_MAX + 1,
		       "a name for every diag");

	return diag < sizeof(tbl) / sizeof(tbl[0]) ? &tbl[diag] : 0;
}

/* bfd_name_of(n, frr, none): n's name, or FRR's (frr); none without n */
BFD_INLINE const char *bfd_name_of(const struct bfd_names *n, int frr,
				   const char *none)
{
	return !n ? none : frr ? n->frr : n->name;
}

/* RFC 5880's state name ("Up"), "?" for none. */
BFD_INLINE const char *bfd_state_name(unsigned int state)
{
	return bfd_name_of(bfd_state_names(state), 0, "?");
}

/* FRR's status word ("up", "shutdown"), "unknown" for none. */
BFD_INLINE const char *bfd_status_name(unsigned int state)
{
	return bfd_name_of(bfd_state_names(state), 1, "unknown");
}

/* dslitectl's diag name ("control-expired"), "?" for none (9..31). */
BFD_INLINE const char *bfd_diag_short(unsigned int diag)
{
	return bfd_name_of(bfd_diag_names(diag), 0, "?");
}

/* iana-bfd-types' names of a state ("adminDown") and a diag
 * ("controlExpiry"), "?" for none. */
BFD_INLINE const char *bfd_state_iana(unsigned int state)
{
	const struct bfd_names *n = bfd_state_names(state);

	return n ? n->iana : "?";
}

BFD_INLINE const char *bfd_diag_iana(unsigned int diag)
{
	const struct bfd_names *n = bfd_diag_names(diag);

	return n ? n->iana : "?";
}

/* FRR's diag text ("control detection time expired"), "?" for none. */
BFD_INLINE const char *bfd_diag_name(unsigned int diag)
{
	return bfd_name_of(bfd_diag_names(diag), 1, "?");
}

/* bfd.Role of a session (RFC 9468 section 3). */
BFD_INLINE enum bfd_role bfd_role(const struct bfd_session *s)
{
	return (s->flags & BFD_SF_RESPONDER) ? BFD_ROLE_PASSIVE :
					       BFD_ROLE_ACTIVE;
}

/* bfd.Role's name, as the sessions' "role" prints it: "active",
 * "passive" (the values of RFC 9468's YANG leaf, lower case). */
BFD_INLINE const char *bfd_role_name(unsigned int role)
{
	return role == BFD_ROLE_PASSIVE ? "passive" :
	       role == BFD_ROLE_ACTIVE ? "active" : "?";
}

BFD_INLINE __u32 bfd_max32(__u32 a, __u32 b)
{
	return a > b ? a : b;
}

BFD_INLINE __u32 bfd_min32(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

/*
 * Recompute the advertised intervals from the configuration, the state
 * and (responder) the remote's, and start a Poll Sequence when they change
 * while Up (6.8.3). Called by every function that changes an input.
 */
BFD_INLINE void bfd_refresh_intervals(struct bfd_session *s)
{
	__u32 tx = s->cfg_tx, rx = s->cfg_rx;

	/* 6.8.3: at least one second while not Up */
	if (s->state != BFD_STATE_UP)
		tx = bfd_max32(tx, BFD_SLOW_TX_US);
	/* a responder sends at the remote's pace: advertise that pace */
	if (s->flags & BFD_SF_RESPONDER)
		tx = bfd_max32(tx, bfd_max32(s->remote_tx, rx));
	if (tx == s->tx && rx == s->rx)
		return;
	if (s->state == BFD_STATE_UP && !(s->flags & BFD_SF_POLL)) {
		s->poll_old_tx = s->tx;
		s->poll_old_rx = s->rx;
		s->flags |= BFD_SF_POLL;
	}
	s->tx = tx;
	s->rx = rx;
}

/*
 * Initialise a session (6.8.1): Down, no remote, diag 0. local_discr must
 * be non-zero and unique on this system; tx_us/rx_us/echo_rx_us are the
 * configured intervals (tx_us is only used once Up, 1 s before);
 * detect_mult >= 1; flags: BFD_SF_RESPONDER for the passive responder.
 */
BFD_INLINE void bfd_session_init(struct bfd_session *s, __u32 local_discr,
				 __u32 tx_us, __u32 rx_us, __u32 echo_rx_us,
				 __u8 detect_mult, __u8 flags)
{
	s->last_rx_ns = 0;
	s->local_discr = local_discr;
	s->remote_discr = 0;
	s->cfg_tx = tx_us;
	s->cfg_rx = rx_us;
	s->cfg_echo_rx = echo_rx_us;
	s->tx = 0;
	s->rx = 0;
	s->poll_old_tx = 0;
	s->poll_old_rx = 0;
	s->remote_tx = 0;
	s->remote_rx = 1;	/* 6.8.1: bfd.RemoteMinRxInterval starts at 1 */
	s->remote_echo_rx = 0;
	s->state = BFD_STATE_DOWN;
	s->remote_state = BFD_STATE_DOWN;
	s->diag = BFD_DIAG_NONE;
	s->remote_diag = BFD_DIAG_NONE;
	s->detect_mult = detect_mult;
	s->remote_mult = 0;
	s->flags = flags & BFD_SF_RESPONDER;
	s->_pad = 0;
	bfd_refresh_intervals(s);
}

/*
 * The session-independent checks of RFC 5880 6.8.6 on a received control
 * packet. payload_len is the UDP payload length; at least
 * min(payload_len, BFD_CTRL_LEN) bytes at p must be readable (nothing is
 * read when payload_len < BFD_CTRL_LEN). Returns BFD_RX_OK or the reason
 * to discard. After BFD_RX_OK the caller selects the session: by Your
 * Discriminator when it is non-zero, otherwise by the packet's addresses
 * (RFC 5881: the source address; dslite: the outer IPv6 source).
 */
BFD_INLINE int bfd_validate(const struct bfd_ctrl *p, __u32 payload_len)
{
	__u32 min_len;

	if (payload_len < BFD_CTRL_LEN)
		return BFD_RX_TRUNCATED;
	if (bfd_ctrl_version(p) != BFD_VERSION)
		return BFD_RX_BAD_VERSION;
	min_len = (p->flags & BFD_FLAG_AUTH) ? BFD_CTRL_LEN_AUTH_MIN : BFD_CTRL_LEN;
	if (p->length < min_len)
		return BFD_RX_BAD_LENGTH;
	if (p->length > payload_len)
		return BFD_RX_LENGTH_OVER_PAYLOAD;
	if (p->detect_mult == 0)
		return BFD_RX_ZERO_DETECT_MULT;
	if (p->flags & BFD_FLAG_MULTIPOINT)
		return BFD_RX_MULTIPOINT;
	if (p->my_discr == 0)
		return BFD_RX_ZERO_MY_DISCR;
	if (p->your_discr == 0 && bfd_ctrl_state(p) != BFD_STATE_DOWN &&
	    bfd_ctrl_state(p) != BFD_STATE_ADMIN_DOWN)
		return BFD_RX_ZERO_YOUR_DISCR;
	if (p->flags & BFD_FLAG_AUTH)
		return BFD_RX_AUTH_UNSUPPORTED;
	return BFD_RX_OK;
}

/*
 * Reception (RFC 5880 6.8.6, after bfd_validate() returned BFD_RX_OK and
 * the session was selected), at time now_ns (never 0). Returns:
 *   BFD_RX_BAD_YOUR_DISCR  Your Discriminator is non-zero and is not this
 *                          session's: discard, nothing changed.
 *   BFD_RX_ZERO_DISCR_UP   Your Discriminator is 0 and the session is Up:
 *                          discard, nothing changed (see the top of this
 *                          file: the session stays until its detection
 *                          time expires, then the peer is heard).
 *   BFD_RX_ADMIN_DOWN      the session is AdminDown: the remote variables
 *                          were taken, the packet is otherwise discarded
 *                          (no state change, no Final, not counted as
 *                          received for detection).
 *   BFD_RX_OK              processed: compare s->state with its old value
 *                          for a transition; bfd_final_pending(s) says an
 *                          answer with F is due now.
 */
BFD_INLINE int bfd_rx(struct bfd_session *s, const struct bfd_ctrl *p,
		      __u64 now_ns)
{
	__u8 rstate = bfd_ctrl_state(p);
	__u8 old_state = s->state;

	if (p->your_discr != 0 && bfd_ntoh32(p->your_discr) != s->local_discr)
		return BFD_RX_BAD_YOUR_DISCR;
	if (p->your_discr == 0 && s->state == BFD_STATE_UP)
		return BFD_RX_ZERO_DISCR_UP;

	s->remote_discr = bfd_ntoh32(p->my_discr);
	s->remote_state = rstate;
	s->remote_diag = bfd_ctrl_diag(p);
	if (p->flags & BFD_FLAG_DEMAND)
		s->flags |= BFD_SF_REMOTE_DEMAND;
	else
		s->flags &= ~BFD_SF_REMOTE_DEMAND;
	s->remote_rx = bfd_ntoh32(p->required_min_rx);
	s->remote_tx = bfd_ntoh32(p->desired_min_tx);
	s->remote_echo_rx = bfd_ntoh32(p->required_min_echo_rx);
	s->remote_mult = p->detect_mult;
	/* a Final ends our Poll Sequence */
	if ((p->flags & BFD_FLAG_FINAL) && (s->flags & BFD_SF_POLL))
		s->flags &= ~BFD_SF_POLL;

	if (s->state == BFD_STATE_ADMIN_DOWN) {
		bfd_refresh_intervals(s);
		return BFD_RX_ADMIN_DOWN;
	}

	if (rstate == BFD_STATE_ADMIN_DOWN) {
		if (s->state != BFD_STATE_DOWN) {
			s->diag = BFD_DIAG_NEIGHBOR_DOWN;
			s->state = BFD_STATE_DOWN;
		}
	} else if (s->state == BFD_STATE_DOWN) {
		if (rstate == BFD_STATE_DOWN)
			s->state = BFD_STATE_INIT;
		else if (rstate == BFD_STATE_INIT)
			s->state = BFD_STATE_UP;
	} else if (s->state == BFD_STATE_INIT) {
		if (rstate == BFD_STATE_INIT || rstate == BFD_STATE_UP)
			s->state = BFD_STATE_UP;
	} else { /* Up */
		if (rstate == BFD_STATE_DOWN) {
			s->diag = BFD_DIAG_NEIGHBOR_DOWN;
			s->state = BFD_STATE_DOWN;
		}
	}

	if (s->state != old_state) {
		if (s->state == BFD_STATE_UP)
			s->diag = BFD_DIAG_NONE;
		else if (old_state == BFD_STATE_UP)
			s->flags &= ~BFD_SF_POLL;	/* moot once down */
	}
	bfd_refresh_intervals(s);

	if (p->flags & BFD_FLAG_POLL)
		s->flags |= BFD_SF_FINAL;
	s->last_rx_ns = now_ns;
	return BFD_RX_OK;
}

/* An answer with the F bit is due (6.8.7: as soon as practicable). */
BFD_INLINE int bfd_final_pending(const struct bfd_session *s)
{
	return !!(s->flags & BFD_SF_FINAL);
}

/*
 * Fill the 24 bytes of an outgoing control packet (6.8.7). F when a Poll
 * was received (the flag is consumed), otherwise P while a Poll Sequence
 * runs; never both. No authentication, C = D = M = 0.
 */
BFD_INLINE void bfd_build(struct bfd_session *s, struct bfd_ctrl *out)
{
	__u8 flags = s->state << BFD_STATE_SHIFT;

	if (s->flags & BFD_SF_FINAL) {
		flags |= BFD_FLAG_FINAL;
		s->flags &= ~BFD_SF_FINAL;
	} else if (s->flags & BFD_SF_POLL) {
		flags |= BFD_FLAG_POLL;
	}
	out->vers_diag = BFD_VERSION << BFD_VERS_SHIFT | (s->diag & BFD_DIAG_MASK);
	out->flags = flags;
	out->detect_mult = s->detect_mult;
	out->length = BFD_CTRL_LEN;
	out->my_discr = bfd_hton32(s->local_discr);
	out->your_discr = bfd_hton32(s->remote_discr);
	out->desired_min_tx = bfd_hton32(s->tx);
	out->required_min_rx = bfd_hton32(s->rx);
	out->required_min_echo_rx = bfd_hton32(s->cfg_echo_rx);
}

/*
 * Detection time in microseconds (6.8.4, asynchronous mode): the remote's
 * Detect Mult times the greater of our Required Min RX and the remote's
 * last Desired Min TX. While a Poll Sequence runs, a reduced Required Min
 * RX is not used yet (6.8.3). 0 when nothing was received (no detection).
 * At most BFD_DETECT_TIME_MAX_US.
 */
BFD_INLINE __u64 bfd_detect_time_us(const struct bfd_session *s)
{
	__u32 rx = s->rx;
	__u64 dt;

	if (s->flags & BFD_SF_POLL)
		rx = bfd_max32(rx, s->poll_old_rx);
	dt = (__u64)s->remote_mult * bfd_max32(rx, s->remote_tx);
	return dt > BFD_DETECT_TIME_MAX_US ? BFD_DETECT_TIME_MAX_US : dt;
}

/* Has the detection time passed without a valid packet? */
BFD_INLINE int bfd_detect_expired(const struct bfd_session *s, __u64 now_ns)
{
	__u64 dt = bfd_detect_time_us(s) * 1000;

	if (s->last_rx_ns == 0 || dt == 0)
		return 0;
	return now_ns > s->last_rx_ns && now_ns - s->last_rx_ns > dt;
}

/*
 * The detection time expired (6.8.4): Init/Up go Down with diag 1. The
 * remote is gone, so what it last said is forgotten: bfd.RemoteDiscr 0
 * (6.8.1), bfd.RemoteMinRxInterval back to its initial 1 (6.8.1; a 0
 * received before must not keep this end silent), no remote Desired Min
 * TX, Detect Mult, Required Min Echo RX or Demand mode. The last remote
 * state and diag are kept for display. Detection stops until the next
 * valid packet. Returns 1 when the state changed.
 */
BFD_INLINE int bfd_timeout(struct bfd_session *s)
{
	int changed = 0;

	if (s->state == BFD_STATE_INIT || s->state == BFD_STATE_UP) {
		s->state = BFD_STATE_DOWN;
		s->diag = BFD_DIAG_CONTROL_EXPIRED;
		changed = 1;
	}
	s->remote_discr = 0;
	s->remote_rx = 1;
	s->remote_tx = 0;
	s->remote_echo_rx = 0;
	s->remote_mult = 0;
	s->last_rx_ns = 0;
	s->flags &= ~(BFD_SF_POLL | BFD_SF_FINAL | BFD_SF_REMOTE_DEMAND);
	bfd_refresh_intervals(s);
	return changed;
}

/*
 * Interval between periodic transmissions before jitter (6.8.2, 6.8.3):
 * the greater of our Desired Min TX and the remote's Required Min RX;
 * an increase of Desired Min TX waits for the end of its Poll Sequence.
 * 0: do not transmit periodically (remote Required Min RX is 0 while the
 * session is Up, or the remote is in Demand mode and both ends are Up,
 * 6.8.7). A session that is not Up ignores a remote Required Min RX of 0
 * and keeps sending at 1 s (hardening, see the top of this file).
 */
BFD_INLINE __u32 bfd_tx_interval_us(const struct bfd_session *s)
{
	__u32 tx = s->tx;

	if (s->remote_rx == 0 && s->state == BFD_STATE_UP)
		return 0;
	if ((s->flags & BFD_SF_REMOTE_DEMAND) && s->state == BFD_STATE_UP &&
	    s->remote_state == BFD_STATE_UP)
		return 0;
	if (s->flags & BFD_SF_POLL)
		tx = bfd_min32(tx, s->poll_old_tx);
	return bfd_max32(tx, s->remote_rx);
}

/*
 * Apply the jitter of 6.8.7 to an interval: reduce it by a random 0-25%,
 * or 10-25% when bfd.DetectMult is 1. rnd is a uniformly random 32-bit
 * number supplied by the caller.
 */
BFD_INLINE __u32 bfd_jitter_us(__u32 interval_us, __u8 detect_mult, __u32 rnd)
{
	__u64 pct = detect_mult == 1 ? 75 + rnd % 16 : 75 + rnd % 26;

	return (__u32)((__u64)interval_us * pct / 100);
}

/*
 * Change the configured intervals and multiplier; advertised values that
 * change while Up start a Poll Sequence (6.8.3).
 */
BFD_INLINE void bfd_set_timers(struct bfd_session *s, __u32 tx_us,
			       __u32 rx_us, __u32 echo_rx_us, __u8 detect_mult)
{
	s->cfg_tx = tx_us;
	s->cfg_rx = rx_us;
	s->cfg_echo_rx = echo_rx_us;
	s->detect_mult = detect_mult;
	bfd_refresh_intervals(s);
}

/* Start a Poll Sequence without a parameter change (verification). */
BFD_INLINE void bfd_start_poll(struct bfd_session *s)
{
	if (!(s->flags & BFD_SF_POLL)) {
		s->poll_old_tx = s->tx;
		s->poll_old_rx = s->rx;
		s->flags |= BFD_SF_POLL;
	}
}

/* Take the session administratively down (6.8.16) with a diag (7 by
 * default for an operator action). */
BFD_INLINE void bfd_set_admin_down(struct bfd_session *s, __u8 diag)
{
	s->state = BFD_STATE_ADMIN_DOWN;
	s->diag = diag;
	s->flags &= ~(BFD_SF_POLL | BFD_SF_FINAL);
	bfd_refresh_intervals(s);
}

/* Leave AdminDown: Down, diag 0 (6.8.16). */
BFD_INLINE void bfd_set_admin_up(struct bfd_session *s)
{
	if (s->state != BFD_STATE_ADMIN_DOWN)
		return;
	s->state = BFD_STATE_DOWN;
	s->diag = BFD_DIAG_NONE;
	bfd_refresh_intervals(s);
}

#endif /* _DSLITE_BFD_H */
