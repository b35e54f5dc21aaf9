/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite AFTR responder: the per-softwire path MTU (dslite_aftr.h, "Path
 * MTU per softwire"; nothing here runs unless dslite_cfg.mtu_entries is
 * set: the verifier removes it all otherwise).
 *
 * The record is include/dslite/mtu.h's, in dslite_mtu (LRU hash, key the
 * B4's IPv6 address). It is learnt from the Packet Too Big messages about
 * this AFTR's own softwire packets (mtu_learn_ptb(), called from
 * handle_icmp6() and the anycast group's handle_ptb()), raised by
 * answered padded BFD (mtu_raise_bfd(), from handle_bfd()), and enforced
 * on the B4's TCP SYN and SYN-ACK in the softwire (mss_clamp()): the MSS
 * option lowered to what fits, the checksum updated incrementally.
 *
 * Not a translation unit of its own: included once from
 * dslite_aftr.bpf.c, after maps.h (dslite_mtu, now_ns(), counters) and
 * pkt.h (copy_in6()), before answer.h and anycast.h, which call it; uses
 * parse.h.
 */
#ifndef _DSLITE_BPF_MTU_H
#define _DSLITE_BPF_MTU_H

/* is the per-softwire MTU on? (a constant after load) */
static __always_inline int mtu_on(void)
{
	return dslite_cfg.mtu_entries != 0;
}

/* the XDP path's clock in whole seconds (the records' time) */
static __always_inline __u32 mtu_now_s(void)
{
	return now_ns() / NSEC_PER_SEC;
}

/*
 * A PTB whose MTU field is mtu and whose quote q (in the packet, the
 * outer header of a softwire packet this AFTR sent: the caller checked)
 * is about the B4 at q->daddr: dslite_mtu learns it (mtu.h rules).
 */
static __always_inline void mtu_learn(__be32 mtu_field,
				      const struct ipv6hdr *q, __u8 source)
{
	struct dslite_mtu_rec *r, nr = {};
	struct dslite_in6 key;
	__u32 mtu = bpf_ntohl(mtu_field);
	int res;

	if (!mtu_on() || mtu < DSLITE_MTU_MIN || mtu > DSLITE_MTU_MAX)
		return;
	copy_in6(&key, &q->daddr);
	r = bpf_map_lookup_elem(&dslite_mtu, &key);
	if (r) {
		nr = *r;
		res = dslite_mtu_learn(&nr, 1, mtu, source, mtu_now_s(),
				       dslite_cfg.mtu_expire_s);
		if (res != DSLITE_MTU_IGNORED)
			*(volatile __u64 *)r = *(__u64 *)&nr;	/* one store */
	} else {
		res = dslite_mtu_learn(&nr, 0, mtu, source, mtu_now_s(),
				       dslite_cfg.mtu_expire_s);
		if (res != DSLITE_MTU_IGNORED &&
		    bpf_map_update_elem(&dslite_mtu, &key, &nr, BPF_ANY))
			return;
	}
	if (res == DSLITE_MTU_LEARNT)
		count_event(DSLITE_CNT_MTU_LEARNT);
	else if (res == DSLITE_MTU_LOWERED)
		count_event(DSLITE_CNT_MTU_LOWERED);
}

/*
 * A PTB (the cursor past its ICMPv6 header, q its quote's IPv6 header,
 * already pulled) on an AFTR that is not an anycast member, or to a
 * member's unicast address: learnt when the quote is a softwire packet
 * of this AFTR, i.e. its source is the PTB's destination and one of the
 * AFTR's addresses (dslite_local) and its next header, after its
 * extension headers, is 4. The PTB itself goes on to the kernel as
 * before (pass_icmp6).
 */
static __always_inline void mtu_learn_ptb(struct pkt *p,
					  const struct icmp6hdr *icmp6,
					  const struct ipv6hdr *q, __u8 source)
{
	struct dslite_in6 key;
	__u8 nh;

	if (!mtu_on() || !q || icmp6->icmp6_code != 0)
		return;
	if (source == DSLITE_MTU_SRC_PTB) {
		if (!same_in6(&q->saddr, &p->ip6->daddr))
			return;
		copy_in6(&key, &q->saddr);
		if (!bpf_map_lookup_elem(&dslite_local, &key))
			return;
	}
	nh = q->nexthdr;
	if (skip_ipv6_exthdrs(&p->c, &nh, p->l3_end) != PARSE_OK ||
	    nh != DSLITE_NEXTHDR_IPIP)
		return;
	mtu_learn(icmp6->icmp6_mtu, q, source);
}

/*
 * An answered padded BFD control packet (RFC 9764) of outer size size
 * from the B4 b4 (in the packet), whose session s is Up and reports Up:
 * the path carries size; a smaller valid record is raised to it.
 */
static __always_inline void mtu_raise_bfd(const void *b4, __u32 size,
					  const struct dslite_aftr_session *s)
{
	struct dslite_mtu_rec *r, nr;
	struct dslite_in6 key;

	if (!mtu_on() || READ_ONCE(s->bfd.state) != BFD_STATE_UP ||
	    READ_ONCE(s->bfd.remote_state) != BFD_STATE_UP)
		return;
	copy_in6(&key, b4);
	r = bpf_map_lookup_elem(&dslite_mtu, &key);
	if (!r)
		return;
	nr = *r;
	if (!dslite_mtu_raise(&nr, size, mtu_now_s(), dslite_cfg.mtu_expire_s))
		return;
	*(volatile __u64 *)r = *(__u64 *)&nr;
	count_event(DSLITE_CNT_MTU_RAISED_BFD);
}

/* TCP: the header's first 14 bytes are enough to find SYN and the
 * options; the MSS option is kind 2, length 4 (RFC 9293 3.2) */
#define TCP_FLAG_SYN_BYTE	0x02	/* in byte 13 */
#define TCP_OPT_EOL		0
#define TCP_OPT_NOP		1
#define TCP_OPT_MSS		2
#define TCP_MAX_OPT_STEPS	10	/* options looked at before the MSS */

/*
 * May the TCP header at the cursor carry an MSS option to clamp? A SYN
 * (or SYN-ACK) with options: the test an ordinary data segment pays,
 * on the pointer the parser has (mss_clamp() re-derives its own, which
 * costs a data segment as much again).
 */
static __always_inline int tcp_syn_with_options(const struct cursor *c)
{
	const __u8 *tcp = c->pos;

	if ((void *)(tcp + 14) > c->end)
		return 0;
	return (tcp[13] & TCP_FLAG_SYN_BYTE) && (tcp[12] >> 4) > 5;
}

/*
 * The inner TCP segment at tcp_off of a softwire packet from the B4 at
 * ip6_off: a SYN (or SYN-ACK) whose MSS option is larger than the B4's
 * record allows gets it lowered, the TCP checksum updated (RFC 1624; an
 * option at an odd offset contributes its bytes swapped). Only SYNs look
 * up the record. Pointers are re-derived from the two bounded offsets
 * (pkt.h explains why).
 */
static __always_inline void mss_clamp(struct xdp_md *ctx, __u32 ip6_off,
				      __u32 tcp_off)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct dslite_mtu_rec *r;
	struct ipv6hdr *ip6;
	struct dslite_in6 key;
	__u8 *tcp, *o;
	__u32 optlen, off = 0, i, kind, len, mss, old, new, sum;
	__u16 *check;

	if (ip6_off > ETH_HLEN + 8 || tcp_off > MAX_IPH_OFF + 60)
		return;
	ip6 = data + ip6_off;
	tcp = data + tcp_off;
	if ((void *)(ip6 + 1) > end || (void *)(tcp + 20) > end)
		return;
	if (!(tcp[13] & TCP_FLAG_SYN_BYTE) || (tcp[12] >> 4) <= 5)
		return;
	copy_in6(&key, &ip6->saddr);
	r = bpf_map_lookup_elem(&dslite_mtu, &key);
	if (!r || !dslite_mtu_valid(r, mtu_now_s()))
		return;
	mss = dslite_mtu_mss(r->mtu);
	optlen = (tcp[12] >> 4) * 4 - 20;

	for (i = 0; i < TCP_MAX_OPT_STEPS; i++) {
		if (off >= optlen)
			return;
		off &= 63;
		o = tcp + 20 + off;
		if ((void *)(o + 1) > end)
			return;
		kind = o[0];
		if (kind == TCP_OPT_EOL)
			return;
		if (kind == TCP_OPT_NOP) {
			off++;
			continue;
		}
		if ((void *)(o + 2) > end)
			return;
		len = o[1];
		if (len < 2)
			return;
		if (kind == TCP_OPT_MSS)
			break;
		off += len;
	}
	if (i == TCP_MAX_OPT_STEPS || len != 4 || off + 4 > optlen ||
	    (void *)(o + 4) > end)
		return;
	old = (__u32)o[2] << 8 | o[3];
	if (old <= mss)
		return;
	new = mss;
	o[2] = new >> 8;
	o[3] = new & 0xff;
	if (off & 1) {
		/* the option's value straddles two checksum words */
		old = (old >> 8 | old << 8) & 0xffff;
		new = (new >> 8 | new << 8) & 0xffff;
	}
	check = (__u16 *)(tcp + 16);
	sum = (~(__u32)bpf_ntohs(*check) & 0xffff) + (~old & 0xffff) + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*check = bpf_htons(~sum & 0xffff);
	count_event(DSLITE_CNT_MSS_CLAMPED);
}

/* ---------------------------------------------------------------------
 * Egress (dslite_mtu_egress, TC clsact egress of the responder's device):
 * a softwire packet larger than its B4's record becomes, in place, the
 * ICMPv6 Packet Too Big the path would have sent (from the B4's address
 * to the AFTR's, quoting the first DSLITE_MTU_PTB_QUOTE bytes of the
 * packet: a PTB of 1280 bytes, RFC 4443 2.4 (c)), and is handed to the
 * device's ingress: the kernel's ip6tnl error handler lowers the route's
 * MTU toward the B4 and sends the ICMPv4 fragmentation-needed to the
 * sender itself, through its NAT, at the moment it is needed.
 */
#define DSLITE_MTU_PTB_HDR	(sizeof(struct ipv6hdr) + 8)	/* 48 */
#define DSLITE_MTU_PTB_QUOTE	(DSLITE_MTU_MIN - DSLITE_MTU_PTB_HDR)	/* 1232 */
#define CSUM_CHUNK		512	/* bpf_csum_diff()'s most */

/* is the IPv6 packet at off of skb a softwire packet (next header 4,
 * directly or behind one destination options header: ip6tnl's
 * encapsulation limit)? */
static __always_inline int egress_softwire(struct __sk_buff *skb,
					   struct ipv6hdr *ip6, void *end)
{
	__u8 *opt;

	if (ip6->nexthdr == DSLITE_NEXTHDR_IPIP)
		return 1;
	if (ip6->nexthdr != IPPROTO_DSTOPTS)
		return 0;
	opt = (void *)(ip6 + 1);
	if ((void *)(opt + 2) > end)
		return 0;
	return opt[0] == DSLITE_NEXTHDR_IPIP;
}

/* the packet at skb (Ethernet, IPv6 from b4 (the PTB's source) to the
 * AFTR) as the PTB of mtu: 0 or -1 (it could not be made) */
static __always_inline int egress_make_ptb(struct __sk_buff *skb, __u32 mtu)
{
	struct ethhdr *eth;
	struct ipv6hdr *ip6, *q;
	struct icmp6hdr *icmp6;
	__u8 mac[ETH_ALEN];
	__u64 sum;
	__u32 i;
	void *end;
	__s64 s;

	/* room for the new IPv6 and ICMPv6 headers in front of the quote,
	 * then the quote cut to 1232 bytes, all of it linear */
	if (bpf_skb_adjust_room(skb, DSLITE_MTU_PTB_HDR, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_change_tail(skb, ETH_HLEN + DSLITE_MTU_MIN, 0) ||
	    bpf_skb_pull_data(skb, ETH_HLEN + DSLITE_MTU_MIN))
		return -1;
	eth = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip6 = (void *)(eth + 1);
	icmp6 = (void *)(ip6 + 1);
	q = (void *)icmp6 + 8;
	if ((void *)q + DSLITE_MTU_PTB_QUOTE > end)
		return -1;
	/* back to where it came from: the device's own MAC as destination */
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	*(__be32 *)ip6 = bpf_htonl(0x60000000);
	ip6->payload_len = bpf_htons(DSLITE_MTU_MIN - sizeof(*ip6));
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = 64;
	ip6->saddr = q->daddr;		/* from the B4 ... */
	ip6->daddr = q->saddr;		/* ... to the AFTR */
	icmp6->icmp6_type = DSLITE_ICMP6_PKT_TOO_BIG;
	icmp6->icmp6_code = 0;
	icmp6->icmp6_cksum = 0;
	icmp6->icmp6_mtu = bpf_htonl(mtu);
	/* the checksum: pseudo header, then the message in chunks */
	sum = bpf_htons(DSLITE_MTU_MIN - sizeof(*ip6)) +
	      bpf_htons(IPPROTO_ICMPV6);
	s = bpf_csum_diff(NULL, 0, (void *)&ip6->saddr, 32, 0);
	if (s < 0)
		return -1;
	sum += (__u32)s;
#pragma unroll
	for (i = 0; i < 3; i++) {
		__u32 len = i < 2 ? CSUM_CHUNK : DSLITE_MTU_MIN -
			    sizeof(*ip6) - 2 * CSUM_CHUNK;	/* 216 */
		void *p = (void *)icmp6 + i * CSUM_CHUNK;

		if (p + len > end)
			return -1;
		s = bpf_csum_diff(NULL, 0, p, len, 0);
		if (s < 0)
			return -1;
		sum += (__u32)s;
	}
	icmp6->icmp6_cksum = csum_finish(sum);
	/* a new packet: let the receiver check its sum */
	bpf_csum_level(skb, BPF_CSUM_LEVEL_RESET);
	return 0;
}

/*
 * A packet leaving the responder's device:
 *   not IPv6 (untagged), not a softwire packet, GSO (its segments are
 *   checked as they are made, not here), no valid record of its B4, or
 *   not larger than the record                     on to the next filter,
 *                                                  if any (TC_ACT_UNSPEC)
 *   larger: turned into the PTB, to the device's ingress
 *                                                  mtu_ptb_made
 *   larger, and the PTB could not be made           mtu_egress_dropped
 */
static __always_inline int mtu_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct dslite_mtu_rec *r;
	struct ipv6hdr *ip6;
	struct dslite_in6 key;
	__u32 len, mtu;

	if (!mtu_on())
		return TC_ACT_UNSPEC;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6) ||
	    skb->gso_segs > 1 || !egress_softwire(skb, ip6, end))
		return TC_ACT_UNSPEC;
	len = skb->len - ETH_HLEN;
	if (len <= DSLITE_MTU_MIN)
		return TC_ACT_UNSPEC;	/* fits every path */
	copy_in6(&key, &ip6->daddr);
	r = bpf_map_lookup_elem(&dslite_mtu, &key);
	if (!r || !dslite_mtu_valid(r, mtu_now_s()) || len <= r->mtu)
		return TC_ACT_UNSPEC;
	mtu = r->mtu;
	if (egress_make_ptb(skb, mtu)) {
		count_event(DSLITE_CNT_MTU_EGRESS_DROPPED);
		return TC_ACT_SHOT;
	}
	count_event(DSLITE_CNT_MTU_PTB_MADE);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

#endif /* _DSLITE_BPF_MTU_H */
