/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite AFTR responder: the answers inside the softwire, built in place
 * of the request: BFD control (handle_bfd(); bfd_steady() for the
 * periodic packet that changes nothing in its session, on the plain
 * frame), BFD echo (handle_echo()), ICMP echo (handle_ping()); the header
 * swaps the ICMPv6 echo answer of dslite_aftr.bpf.c shares, and
 * echo_genuine(), with which its dispatch tells a BFD echo packet from
 * subscriber traffic.
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
 * Checked before a BFD answer (bfd_check()): inner IPv4 header checksum,
 * UDP checksum (when not 0), TTL 255, inner source one of the B4
 * addresses of the softwire's /29 (softwire_b4_addr(), the subnet policy
 * of RFC 9468 section 2), source port >= 49152, RFC 5880
 * 6.8.6; no authentication. The UDP payload is the 24-byte packet, or
 * the packet and padding after it (RFC 9764: BFD in large packets, a
 * path MTU check): the answer is the same frame, its 24 bytes rewritten
 * and the padding left as it came, so it is exactly as large as the
 * request. A padded request's UDP checksum is not verified here (that
 * would need a pass over up to a whole MTU of padding in XDP): the
 * answer's checksum is the request's updated for the bytes that change
 * (RFC 1624), so a request corrupted on the way gets an answer whose
 * checksum fails at the B4 as well; a request without a checksum (0)
 * gets an answer without one.
 *
 * Not a translation unit of its own: included once from
 * dslite_aftr.bpf.c, after session.h and mtu.h (mtu_raise_bfd(): an
 * answered padded packet raises its B4's path MTU record) (and the maps.h
 * and pkt.h it needs); uses csum.h and include/dslite/bfd.h (through dslite_aftr.h).
 */
#ifndef _DSLITE_BPF_ANSWER_H
#define _DSLITE_BPF_ANSWER_H

/* ---------------------------------------------------------------------
 * Reply helpers: the headers rewritten in place
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

/*
 * Is a an address a B4 may have inside the softwire? 192.0.0.2..7, the
 * B4 addresses of the well-known 192.0.0.0/29 (RFC 6333 5.7), or with
 * another AFTR address (attach addr) one of the host addresses of its
 * /29; never the network address nor aftr_addr itself. The "subnet of
 * the interface" RFC 9468 section 2 requires of an unsolicited
 * session's source, the softwire being the interface here.
 */
static __always_inline int softwire_b4_addr(__be32 a)
{
	__be32 net = dslite_cfg.aftr_addr & bpf_htonl(0xfffffff8);
	__be32 wk = bpf_htonl(DSLITE_AFTR_ADDR & 0xfffffff8);

	if (a == dslite_cfg.aftr_addr || a == net || a == wk)
		return 0;
	return (a & bpf_htonl(0xfffffff8)) == net ||
	       ((a & bpf_htonl(0xfffffff8)) == wk &&
		a != bpf_htonl(DSLITE_AFTR_ADDR));
}

/* ---------------------------------------------------------------------
 * BFD control, inner destination = aftr_addr, UDP destination 3784:
 * bfd_check(), bfd_session(), bfd_session_rx(), then the answer in
 * handle_bfd().
 */

/*
 * The checks of a BFD control packet that need no session (the list is
 * at the top of this file). Loads *p; then *udpp and *bfdp point at the
 * UDP header and the control packet, and *psump is the sum of the UDP
 * pseudo header (the answer's as well, udp4_pseudo_sum()). 0, or the
 * drop reason.
 */
static __always_inline int bfd_check(struct xdp_md *ctx, __u32 ip6_off,
				     __u32 iph_off, struct pkt *p,
				     struct udphdr **udpp,
				     struct bfd_ctrl **bfdp, __u64 *psump,
				     __u32 *padp)
{
	struct bfd_ctrl *bfd;
	struct udphdr *udp;
	__u32 ulen, plen;
	__u64 sum, psum;
	int r;

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
	if (!softwire_b4_addr(p->iph->saddr))
		return DSLITE_CNT_DROP_BFD_INNER_SOURCE;
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
	*padp = 0;
	if (plen != BFD_CTRL_LEN) {
		/* RFC 9764 padding: the sum of the padding is what the
		 * request's checksum leaves over (the top of this file) */
		if (udp->check)
			*padp = 0xffff & ~csum_fold64(psum + *(__u32 *)udp +
				udp->check + csum_words32(bfd, BFD_CTRL_LEN / 4));
	}
	if (!ipv4_csum_ok(p->iph, p->iph->ihl * 4, p->c.end))
		return DSLITE_CNT_DROP_IPV4_CSUM;
	*udpp = udp;
	*bfdp = bfd;
	*psump = psum;
	return 0;
}

/*
 * The session of a checked control packet, its try-lock taken: the one
 * Your Discriminator names, else the B4's found by its address, else a
 * new one (session_create(), *created = 1) for a packet in state Down.
 * 0 and *sp, or the drop reason.
 */
static __always_inline int bfd_session(struct pkt *p,
				       const struct bfd_ctrl *bfd, __u64 now,
				       struct dslite_aftr_session **sp,
				       int *created)
{
	struct dslite_aftr_session *s;
	struct dslite_in6 key;
	__u32 your;
	int r;

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
		if (!s) {
			if (bfd_ctrl_state(bfd) != BFD_STATE_DOWN)
				return DSLITE_CNT_DROP_NO_SESSION;
			return session_create(p, &key, now, sp, created);
		}
		r = session_lock(s, key.addr, DSLITE_CNT_DROP_BUSY);
		if (r)
			return r;
	}
	*sp = s;
	return 0;
}

/*
 * The control packet bfd to its session s, whose try-lock is held and
 * released here: the configured timers, the state machine (bfd_rx()),
 * the packet rewritten into the answer's control packet (bfd_build()),
 * the event and the counters of a change. 0 and *discrp, the session's
 * local discriminator, or the drop reason.
 *
 * ev is room for the event in the caller's frame: an event local to
 * this function lives only while it runs, the compiler then lays it out
 * over stack bytes the steps before it used, and the verifier, which
 * compares stack contents when it prunes, processes some 40% more
 * instructions.
 */
static __always_inline int bfd_session_rx(struct dslite_aftr_session *s,
					  const struct pkt *p,
					  struct bfd_ctrl *bfd, __u64 now,
					  int created,
					  struct dslite_aftr_event *ev,
					  __u32 *discrp)
{
	__u8 old_state, old_rstate, new_state, type;
	__u32 discr;
	int r;

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
	/* when the sweeper must look at it next */
	dl_write(discr & slot_mask(), dl_units(session_due(s, now)));

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
		__builtin_memset(ev, 0, sizeof(*ev));
		ev->type = type;
		ev->old_state = old_state;
		ev->local_discr = discr;
		ev->remote_discr = s->bfd.remote_discr;
		ev->new_state = new_state;
		ev->diag = s->bfd.diag;
		ev->remote_state = s->bfd.remote_state;
		ev->remote_diag = s->bfd.remote_diag;
		ev->ts_ns = now;
		copy_in6(&ev->b4, &p->ip6->saddr);
		copy_in6(&ev->local, &p->ip6->daddr);
		emit(ev);
	}
	session_unlock(s);
	if (new_state != old_state) {
		if (new_state == BFD_STATE_UP)
			count_event(DSLITE_CNT_SESS_UP);
		else if (new_state == BFD_STATE_DOWN)
			count_event(DSLITE_CNT_SESS_DOWN);
	}
	*discrp = discr;
	return 0;
}

/*
 * The steady answer: most control packets are the B4's periodic one,
 * the same as its last (same state, discriminators, timers and flags),
 * to a session it leaves as it is. For such a packet RFC 5880 6.8.6
 * changes nothing but the time of the last packet, so the session
 * itself tells, from the fields bfd_rx() would store, whether a packet
 * is one (bfd_steady_rx()). bfd_steady() answers it on the plain frame
 * layout (dslite_aftr.bpf.c, plain(): no VLAN tag, no IPv6 extension
 * header, no IPv4 option) with exactly one 24-byte control packet, from
 * fixed offsets, each check of bfd_check() and bfd_session() done once,
 * and the state machine replaced by that comparison. Everything it
 * writes is what the general path (handle_bfd()) writes for the packet:
 * the session (time, counters, deadline), the answer's bytes, the
 * counter returned. A packet it does not take (a failed check, a busy
 * session, a change) goes on to the general path as it came, which
 * repeats every check and gives the drop reason.
 */
#define STEADY_IP6	ETH_HLEN
#define STEADY_IPH	(STEADY_IP6 + sizeof(struct ipv6hdr))
#define STEADY_UDP	(STEADY_IPH + sizeof(struct iphdr))

/* For the fixtures (selftests/bpf/xdp_fixtures.c), which compare the
 * steady answer with the general path's; 0 in every other load, where
 * the verifier then drops what it guards: 1 counts the steady answers in
 * steady_answers, 2 turns the steady answer off. */
#define STEADY_TEST_COUNT	1
#define STEADY_TEST_OFF		2
const volatile __u32 dslite_test_steady = 0;
__u64 steady_answers;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST32(b0, b1, b2, b3)	((__u32)(b0) | (__u32)(b1) << 8 | \
				 (__u32)(b2) << 16 | (__u32)(b3) << 24)
#else
#define HOST32(b0, b1, b2, b3)	((__u32)(b0) << 24 | (__u32)(b1) << 16 | \
				 (__u32)(b2) << 8 | (__u32)(b3))
#endif

/*
 * Would bfd_validate() accept the 24-byte control packet b, and bfd_rx()
 * return BFD_RX_OK and leave s as it is (bfd.last_rx_ns aside)? Under
 * the session's try-lock. It is so when s is Up and b is what bfd_rx()
 * already holds from the packet before: version 1, the remote's diag,
 * state (Init or Up: an Up session stays Up), Demand bit, Detect Mult,
 * Length 24, discriminators, timers; neither P, F, A nor M (C is not
 * looked at). bfd_validate()'s other conditions (Detect Mult and My
 * Discriminator not 0, Your Discriminator set) follow, as the remote's
 * values are not 0. bfd_rx() would then store the same values again and
 * leave the state, the Poll and Final flags alone; the intervals it
 * recomputes (bfd_refresh_intervals()) are recomputed by the caller. The
 * configured timers must be the session's (else bfd_set_timers() is
 * due), and no Final pending (never, between two packets: bfd_build()
 * sends it with the answer to the Poll).
 */
static __always_inline int bfd_steady_rx(const struct dslite_aftr_session *s,
					 const struct bfd_ctrl *b)
{
	const struct bfd_session *x = &s->bfd;
	const __u32 *w = (const __u32 *)b;
	__u32 flags = x->remote_state << BFD_STATE_SHIFT, d;

	if (x->flags & BFD_SF_REMOTE_DEMAND)
		flags |= BFD_FLAG_DEMAND;
	d = (w[0] & ~HOST32(0, BFD_FLAG_CPI, 0, 0)) ^
	    HOST32(BFD_VERSION << BFD_VERS_SHIFT | x->remote_diag, flags,
		   x->remote_mult, BFD_CTRL_LEN);
	d |= (w[1] ^ bpf_htonl(x->remote_discr)) |
	     (w[2] ^ bpf_htonl(x->local_discr)) |
	     (w[3] ^ bpf_htonl(x->remote_tx)) |
	     (w[4] ^ bpf_htonl(x->remote_rx)) |
	     (w[5] ^ bpf_htonl(x->remote_echo_rx));
	d |= (x->flags & BFD_SF_FINAL) |
	     (x->cfg_tx ^ dslite_cfg.desired_min_tx_us) |
	     (x->cfg_rx ^ dslite_cfg.required_min_rx_us) |
	     (x->cfg_echo_rx ^ dslite_cfg.required_min_echo_rx_us) |
	     (x->detect_mult ^ dslite_cfg.detect_mult) |
	     (x->state ^ BFD_STATE_UP);
	return !d && x->remote_mult && x->remote_discr &&
	       (x->remote_state == BFD_STATE_UP ||
		x->remote_state == BFD_STATE_INIT);
}

/*
 * bfd_build() for a steady packet b (bfd_steady_rx() held, Final not
 * pending): the same 24 bytes, written over b; the discriminators are
 * b's own, swapped. Returns their sum, as csum_words32() would give it,
 * from the values written rather than read back (bfd_answer_sum()).
 */
static __always_inline __u64 bfd_steady_build(const struct bfd_session *x,
					      struct bfd_ctrl *b)
{
	__u32 *w = (__u32 *)b, w0, my = w[2], your = w[1], tx, rx, echo;
	__u32 flags = x->state << BFD_STATE_SHIFT;

	if (x->flags & BFD_SF_POLL)
		flags |= BFD_FLAG_POLL;
	w0 = HOST32(BFD_VERSION << BFD_VERS_SHIFT | (x->diag & BFD_DIAG_MASK),
		    flags, x->detect_mult, BFD_CTRL_LEN);
	tx = bpf_htonl(x->tx);
	rx = bpf_htonl(x->rx);
	echo = bpf_htonl(x->cfg_echo_rx);
	w[0] = w0;
	w[1] = my;
	w[2] = your;
	w[3] = tx;
	w[4] = rx;
	w[5] = echo;
	return (__u64)w0 + my + your + tx + rx + echo;
}

/* The steady answer (above) of the plain frame at ctx whose inner UDP
 * destination is 3784: the counter, or -1 for the general path. */
static __always_inline int bfd_steady(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + STEADY_IP6;
	struct iphdr *iph = data + STEADY_IPH;
	struct udphdr *udp = data + STEADY_UDP;
	struct bfd_ctrl *bfd = (void *)(udp + 1);
	struct dslite_aftr_session *s;
	__u32 your, low, discr, d;
	__u64 now, psum, sum;
	__u16 sport, check;

	if (dslite_test_steady == STEADY_TEST_OFF || (void *)(bfd + 1) > end)
		return -1;
	/* bfd_check(): exactly one control packet, then each check once */
	d = (iph->tot_len ^ bpf_htons(sizeof(*iph) + sizeof(*udp) +
				      BFD_CTRL_LEN)) |
	    (udp->len ^ bpf_htons(sizeof(*udp) + BFD_CTRL_LEN)) |
	    (iph->ttl ^ BFD_TTL) |
	    ((udp->source & bpf_htons(BFD_SRC_PORT_MIN)) ^
	     bpf_htons(BFD_SRC_PORT_MIN));
	psum = udp4_pseudo_sum(iph, udp);
	if (udp->check)
		d |= csum_fold64(psum + *(__u32 *)udp + udp->check +
				 csum_words32(bfd, BFD_CTRL_LEN / 4)) ^ 0xffff;
	d |= csum_fold64(csum_words32(iph, 5)) ^ 0xffff;
	if (d || !softwire_b4_addr(iph->saddr))
		return -1;
	/* bfd_session(): the slot Your Discriminator names */
	your = bpf_ntohl(bfd->your_discr);
	low = your & slot_mask();
	if (your >> DSLITE_DISCR_NODE_SHIFT != dslite_cfg.node_id || !low)
		return -1;
	s = slot_of(low);
	if (!s || !slot_is(s, &ip6->saddr) || session_lock(s, &ip6->saddr, -1))
		return -1;
	if (!bfd_steady_rx(s, bfd)) {
		session_unlock(s);
		return -1;
	}
	/* bfd_session_rx() for this packet */
	now = now_ns();
	bfd_refresh_intervals(&s->bfd);
	s->bfd.last_rx_ns = now;
	s->rx_packets++;
	s->last_seen_ns = now;
	copy_in6(&s->local, &ip6->daddr);
	sum = bfd_steady_build(&s->bfd, bfd);
	discr = s->bfd.local_discr;
	dl_write(low, dl_units(session_due(s, now)));
	session_unlock(s);

	/* handle_bfd()'s answer */
	swap_eth(data);
	swap_ipv6(ip6);
	swap_ipv4(iph);
	sport = bpf_htons(BFD_SRC_PORT_MIN | (discr & 0x3fff));
	udp->source = sport;
	udp->dest = bpf_htons(BFD_PORT_CONTROL);
	sum += psum + sport + bpf_htons(BFD_PORT_CONTROL);
	check = csum_finish(sum);
	udp->check = check ? check : 0xffff;
	if (dslite_test_steady == STEADY_TEST_COUNT)
		steady_answers++;
	return DSLITE_CNT_TX_BFD;
}

static __always_inline int handle_bfd(struct xdp_md *ctx, __u32 ip6_off,
				      __u32 iph_off)
{
	struct dslite_aftr_event ev;	/* bfd_session_rx()'s */
	struct dslite_aftr_session *s = NULL;
	struct bfd_ctrl *bfd;
	struct udphdr *udp;
	__u32 discr, pad;
	int created = 0, r;
	__u64 now, sum, psum;
	__u16 sport, check;
	struct pkt pk, *p = &pk;

	r = bfd_check(ctx, ip6_off, iph_off, p, &udp, &bfd, &psum, &pad);
	if (r)
		return r;
	now = now_ns();
	r = bfd_session(p, bfd, now, &s, &created);
	if (r)
		return r;
	r = bfd_session_rx(s, p, bfd, now, created, &ev, &discr);
	if (r)
		return r;
	/* RFC 9764: a padded packet answered at its size (mtu.h) */
	if (udp->len != bpf_htons(sizeof(*udp) + BFD_CTRL_LEN))
		mtu_raise_bfd(&p->ip6->saddr, sizeof(struct ipv6hdr) +
			      bpf_ntohs(p->ip6->payload_len), s);

	/* the answer: the control packet is in place, now the headers */
	swap_eth(p->eth);
	swap_ipv6(p->ip6);
	swap_ipv4(p->iph);	/* TTL is 255 already: checksum unchanged */
	sport = bpf_htons(BFD_SRC_PORT_MIN | (discr & 0x3fff));
	udp->source = sport;
	udp->dest = bpf_htons(BFD_PORT_CONTROL);
	/* the request's checksum field is still in place: a padded one
	 * without a checksum is answered without one (pad is not branched
	 * on: the verifier would then keep the session path apart per
	 * value of it) */
	if (!udp->check && udp->len != bpf_htons(sizeof(*udp) + BFD_CTRL_LEN))
		return DSLITE_CNT_TX_BFD;
	sum = psum + sport + bpf_htons(BFD_PORT_CONTROL) + bfd_answer_sum(bfd) +
	      pad;
	check = csum_finish(sum);
	udp->check = check ? check : 0xffff;
	return DSLITE_CNT_TX_BFD;
}

/* ---------------------------------------------------------------------
 * BFD echo, ICMP echo
 */

/*
 * Is this inner packet a BFD echo packet (its UDP port aside)? One a B4
 * sent to itself (RFC 5880 6.4, RFC 9747 2): source = destination = one
 * of the B4 addresses of aftr_addr's /29 (not the network address, not
 * aftr_addr), TTL 255: a packet that crossed a router (the B4 forwarding
 * a subscriber's traffic) has a lower one (RFC 5881 5, RFC 5082).
 */
static __always_inline int echo_genuine(const struct iphdr *iph)
{
	return iph->saddr == iph->daddr && iph->ttl == BFD_TTL &&
	       softwire_b4_addr(iph->saddr);
}

/*
 * BFD echo (a genuine one, echo_genuine()) of a B4 with an Up session:
 * loop it back as the forwarding hop RFC 9747 (2, 5) describes: the
 * inner packet unchanged but its TTL, 255 -> 254, with the IPv4 header
 * checksum updated (RFC 1624; the UDP checksum does not cover the TTL).
 * The B4 takes back only echoes with TTL 254.
 */
static __always_inline int handle_echo(struct xdp_md *ctx, __u32 ip6_off,
				      __u32 iph_off)
{
	struct dslite_aftr_session *s;
	struct dslite_in6 key;
	struct pkt pk, *p = &pk;
	__u16 *ttl_proto, old;

	if (pkt_load(ctx, ip6_off, iph_off, p))
		return DSLITE_CNT_DROP_TRUNC_UDP;
	if (!dslite_cfg.required_min_echo_rx_us)
		return DSLITE_CNT_PASS_ECHO_DISABLED;
	copy_in6(&key, &p->ip6->saddr);
	s = session_by_addr(&key);
	if (!s || READ_ONCE(s->bfd.state) != BFD_STATE_UP)
		return DSLITE_CNT_PASS_ECHO_NO_SESSION;
	ttl_proto = (__u16 *)&p->iph->ttl;	/* TTL, protocol: one word */
	old = *ttl_proto;
	p->iph->ttl--;
	csum_replace2(&p->iph->check, old, *ttl_proto);
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

#endif /* _DSLITE_BPF_ANSWER_H */
