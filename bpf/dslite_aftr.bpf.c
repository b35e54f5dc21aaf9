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
 * One object, one translation unit: this file holds the dispatch of a
 * parsed frame (and, before the parser, of the plain softwire frame from
 * fixed offsets: plain()) and the entry points; the parts are headers, included
 * below once each, in this order (each one's first lines say what it
 * is for and what it uses):
 *   maps.h     maps, configuration, counters, events, the XDP path's clock
 *   pkt.h      the parsed frame (struct pkt, pkt_load()), address helpers
 *   session.h  the session table: look-up, try-lock, creation, free slots
 *   mtu.h      the per-softwire path MTU: learning, padded-BFD raise, the
 *              TCP MSS clamp
 *   answer.h   the answers: BFD control, BFD echo, ICMP echo
 *   anycast.h  the anycast group: softwires seen, Packet Too Big, TC relay
 *   sweep.h    the sweeper (bpf_timer): timeouts, reaping
 *
 * Programs: dslite_aftr (XDP, the responder), dslite_aftr_arm (XDP, run
 * once after a load: starts the sweeper), dslite_ptb_relay (TC ingress,
 * anycast group members with peers).
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

#include "maps.h"
#include "pkt.h"
#include "session.h"
#include "mtu.h"
#include "answer.h"
#include "anycast.h"
#include "sweep.h"

char LICENSE[] SEC("license") = "GPL";

/* Ordinary softwire traffic: what the softwire path returns for it. */
static __always_inline int tunnel_data(struct ipv6hdr *ip6)
{
	if (anycast_member())
		softwire_seen(ip6);
	return DSLITE_CNT_PASS_TUNNEL_DATA;
}

/* IPv6 next header 4: the softwire. plain() below repeats this dispatch
 * for the plain frame on fixed offsets: a change here goes there too. */
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
	if (iph->protocol == IPPROTO_TCP) {
		/* the only test ordinary data pays when the MTU is on */
		if (mtu_on() && tcp_syn_with_options(&p->c))
			mss_clamp(ctx, (void *)p->ip6 - p->data,
				  p->c.pos - p->data);
		return tunnel_data(p->ip6);
	}

	if (iph->daddr != dslite_cfg.aftr_addr) {
		/* ordinary traffic, unless it is a BFD echo */
		if (iph->protocol != IPPROTO_UDP || !echo_genuine(iph))
			return tunnel_data(p->ip6);
		udp = pull_within(&p->c, sizeof(*udp), p->l3_end);
		if (!udp || udp->dest != bpf_htons(BFD_PORT_ECHO))
			return tunnel_data(p->ip6);
	} else if (iph->protocol == IPPROTO_UDP) {
		udp = pull_within(&p->c, sizeof(*udp), p->l3_end);
		if (!udp)
			return DSLITE_CNT_DROP_TRUNC_UDP;
		if (udp->dest != bpf_htons(BFD_PORT_CONTROL))
			return tunnel_data(p->ip6);
	} else if (iph->protocol == IPPROTO_ICMP) {
		udp = NULL;
	} else {
		return tunnel_data(p->ip6);
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

/*
 * The plain softwire frame, nearly all of them: Ethernet without VLAN
 * tags, IPv6 without extension headers, next header 4, an inner IPv4
 * header without options within the IPv6 payload. Recognised from fixed
 * offsets with one bounds check, and, for what it takes, handled as
 * handle() and handle_ipip() would (the same checks and answers, without
 * the general parser's cursor): inner fragments, tunnel data, the steady
 * BFD answer (answer.h, bfd_steady()). -1 for everything else (BFD echo,
 * ICMP, other control packets, frames of another layout), which the
 * general parser then takes from the start: a packet this function
 * declines has not been changed.
 */
static __always_inline int plain(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct iphdr *iph = (void *)(ip6 + 1);
	struct udphdr *udp = (void *)(iph + 1);
	struct cursor c;
	void *l3_end;

	if ((void *)(iph + 1) > end)
		return -1;
	/* EtherType IPv6 and IPv6 version 6: bytes 12-14, in one load */
	if ((*(__u32 *)(data + offsetof(struct ethhdr, h_proto)) &
	     HOST32(0xff, 0xff, 0xf0, 0)) !=
	    HOST32(0x86, 0xdd, 0x60, 0) ||
	    ip6->nexthdr != DSLITE_NEXTHDR_IPIP || *(__u8 *)iph != 0x45)
		return -1;
	l3_end = (void *)iph + ntohs_len(ip6->payload_len);
	if ((void *)(iph + 1) > l3_end || l3_end > end)
		return -1;
	/* handle_ipip() from here */
	if (ipv4_is_fragment(iph))
		return DSLITE_CNT_PASS_INNER_FRAG;
	if (iph->protocol == IPPROTO_TCP) {
		c.pos = iph + 1;
		c.end = end;
		if (mtu_on() && tcp_syn_with_options(&c))
			mss_clamp(ctx, ETH_HLEN, ETH_HLEN + sizeof(*ip6) +
				  sizeof(*iph));
		return tunnel_data(ip6);
	}
	if (iph->daddr != dslite_cfg.aftr_addr) {
		if (iph->protocol != IPPROTO_UDP || !echo_genuine(iph))
			return tunnel_data(ip6);
		return -1;	/* perhaps BFD echo */
	}
	if (iph->protocol != IPPROTO_UDP || (void *)(udp + 1) > l3_end ||
	    (void *)(udp + 1) > end || udp->dest != bpf_htons(BFD_PORT_CONTROL) ||
	    (void *)iph + ntohs_len(iph->tot_len) > l3_end)
		return -1;
	return bfd_steady(ctx);
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
		if (icmp6->icmp6_type != DSLITE_ICMP6_PKT_TOO_BIG)
			return DSLITE_CNT_PASS_ICMP6;
		if (anycast_member())
			return handle_ptb(ctx, p, icmp6);
		/* a plain AFTR: the kernel's, learnt on the way */
		mtu_learn_ptb(p, icmp6, pull_within(&p->c,
			      sizeof(struct ipv6hdr), p->l3_end),
			      DSLITE_MTU_SRC_PTB);
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

/* One frame: the counter of what was done with it (enum
 * dslite_aftr_counter; its range gives the XDP verdict). */
static __always_inline int handle(struct xdp_md *ctx)
{
	struct pkt p;
	__be16 proto;
	__u8 nexthdr;
	int r, vlan_trunc;

	r = plain(ctx);
	if (r >= 0)
		return r;
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

/* Run once after a load (BPF_PROG_TEST_RUN, dslite_aftr.h): starts the
 * sweeper (sweep.h), or moves its timer to this program. */
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

/* The per-softwire MTU at egress (mtu.h): TC egress of the responder's
 * device, attached when the feature is on. */
SEC("tc")
int dslite_mtu_egress(struct __sk_buff *skb)
{
	return mtu_egress(skb);
}

/* The PTB relay (anycast.h): TC ingress of the responder's device. */
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
