/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite AFTR responder: the anycast group (dslite_aftr.h, "Anycast
 * group"; nothing here runs unless dslite_anycast.member is set).
 *
 * Members also record the B4s whose softwire traffic reaches them on the
 * anycast address (softwire_seen()), and sort the ICMPv6 Packet Too Big
 * messages sent to that address (handle_ptb()): those about a B4 served
 * here go to the kernel, the others are flagged (XDP metadata) and
 * dslite_ptb_relay (TC ingress, dslite_aftr.bpf.c) sends a copy to every
 * other member (relay()). The rules and the relay format are in
 * dslite_aftr.h.
 *
 * Not a translation unit of its own: included once from
 * dslite_aftr.bpf.c, after session.h (session_by_addr()), mtu.h
 * (mtu_learn(), mtu_learn_ptb()) and the maps.h and pkt.h it needs; uses
 * parse.h and csum.h.
 */
#ifndef _DSLITE_BPF_ANYCAST_H
#define _DSLITE_BPF_ANYCAST_H

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
		if (!q || !is_anycast(&q->saddr)) {
			/* or about a softwire of this node's own address */
			mtu_learn_ptb(p, icmp6, q, DSLITE_MTU_SRC_PTB);
			return DSLITE_CNT_PASS_ICMP6;
		}
		count_event(DSLITE_CNT_PTB_SEEN);
		if (!is_peer(&p->ip6->saddr))
			return DSLITE_CNT_DROP_PTB_NOT_PEER;
		mtu_learn_ptb(p, icmp6, q, DSLITE_MTU_SRC_PTB_RELAYED);
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
	/* whoever serves the B4, the path toward it is this group's */
	mtu_learn(icmp6->icmp6_mtu, q, DSLITE_MTU_SRC_PTB);

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

#endif /* _DSLITE_BPF_ANYCAST_H */
