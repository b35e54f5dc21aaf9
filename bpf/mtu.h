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

#endif /* _DSLITE_BPF_MTU_H */
