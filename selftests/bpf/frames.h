/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test frame builder for the AFTR responder's fixtures and benchmark:
 * Ethernet (0-2 VLAN tags) / IPv6 (+ extension headers) / inner IPv4
 * (+ options) / UDP or ICMP, or IPv6 / ICMPv6 (echo, or a Packet Too Big
 * quoting another frame), with every checksum computed here in full
 * (independently of the data path, which updates them incrementally or
 * in its own way). Fixtures describe a frame as a
 * struct frame, build it, optionally mangle the bytes, and build the
 * expected answer the same way.
 */
#ifndef _DSLITE_TEST_FRAMES_H
#define _DSLITE_TEST_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <dslite/proto.h>

#include "wire.h"

#define FRAME_MAX	2048

enum frame_l4 {
	L4_UDP,		/* inner IPv4 / UDP / payload */
	L4_ICMP,	/* inner IPv4 / ICMP echo */
	L4_INNER_RAW,	/* inner IPv4 / payload (protocol = proto) */
	L4_ICMP6,	/* IPv6 / ICMPv6 echo (no softwire) */
	L4_IPV6_RAW,	/* IPv6 / payload (next header = proto) */
	L4_ETH_RAW,	/* Ethernet / payload (EtherType = ethertype) */
};

struct frame {
	uint8_t		dmac[6], smac[6];
	int		vlans;			/* 0..3 */
	uint16_t	vlan_tpid[3];		/* 0: 0x8100 */
	uint16_t	ethertype;		/* 0: IPv6 */
	struct in6_addr	src6, dst6;
	uint8_t		hop_limit;		/* 0: 64 */
	uint32_t	flow;			/* traffic class + flow label */
	int		n_ext;			/* extension headers, in order */
	uint8_t		ext[6];			/* IPPROTO_HOPOPTS/ROUTING/DSTOPTS/FRAGMENT */
	uint8_t		ext_len[6];		/* Hdr Ext Len (8-octet units) */
	uint8_t		rt_segleft;		/* routing header segments left */
	enum frame_l4	l4;
	uint8_t		proto;			/* for the RAW kinds */
	/* inner IPv4 */
	uint32_t	src4, dst4;		/* host order */
	uint8_t		ttl, tos;
	uint16_t	id, frag;		/* frag: host order flags|offset */
	int		opt_words;		/* IPv4 option words (NOPs), 0..10 */
	/* UDP */
	uint16_t	sport, dport;
	int		udp_csum_zero;
	/* ICMP / ICMPv6 echo */
	uint8_t		icmp_type, icmp_code;
	uint16_t	icmp_id, icmp_seq;	/* PTB: the MTU */
	/* payload (after UDP / ICMP header / IPv4 / IPv6 / Ethernet) */
	uint8_t		payload[1500];
	int		plen;
};

/* offsets of the layers in a built frame (-1: absent) */
struct layout {
	int	len;
	int	ip6;
	int	iph;
	int	l4;
	int	payload;
};

/* Build f into buf (FRAME_MAX bytes); returns the layout. */
static inline struct layout frame_build(const struct frame *f, uint8_t *buf)
{
	struct layout l = { .ip6 = -1, .iph = -1, .l4 = -1, .payload = -1 };
	uint8_t *p = buf, *ip6, *iph = NULL, *l4 = NULL, nh;
	int i, n, hlen, l4len;
	uint32_t s;

	memset(buf, 0, FRAME_MAX);
	memcpy(p, f->dmac, 6);
	memcpy(p + 6, f->smac, 6);
	p += 12;
	for (i = 0; i < f->vlans; i++) {
		put16(p, f->vlan_tpid[i] ? f->vlan_tpid[i] : 0x8100);
		put16(p + 2, 100 + i);
		p += 4;
	}
	put16(p, f->l4 == L4_ETH_RAW ? f->ethertype :
		 f->ethertype ? f->ethertype : 0x86dd);
	p += 2;
	if (f->l4 == L4_ETH_RAW) {
		memcpy(p, f->payload, f->plen);
		l.payload = p - buf;
		l.len = p + f->plen - buf;
		return l;
	}

	/* IPv6 header; payload length filled in at the end */
	ip6 = p;
	l.ip6 = p - buf;
	put32(p, 6u << 28 | (f->flow & 0x0fffffff));
	p[7] = f->hop_limit ? f->hop_limit : 64;
	memcpy(p + 8, &f->src6, 16);
	memcpy(p + 24, &f->dst6, 16);
	p += 40;
	switch (f->l4) {
	case L4_UDP:
	case L4_ICMP:
	case L4_INNER_RAW:
		nh = DSLITE_NEXTHDR_IPIP;
		break;
	case L4_ICMP6:
		nh = 58;
		break;
	default:
		nh = f->proto;
	}
	ip6[6] = f->n_ext ? f->ext[0] : nh;
	for (i = 0; i < f->n_ext; i++) {
		n = f->ext[i] == 44 ? 0 : f->ext_len[i];
		p[0] = i + 1 < f->n_ext ? f->ext[i + 1] : nh;
		p[1] = n;
		if (f->ext[i] == 43) {		/* routing: type 4 (SRH-like) */
			p[2] = 4;
			p[3] = f->rt_segleft;
		} else if (f->ext[i] == 44) {	/* fragment: offset 0, M */
			put16(p + 2, 1);
			put32(p + 4, 0x12345678);
		} else if (f->ext[i] == 60 && n == 0) {
			/* tunnel encapsulation limit (RFC 2473), then PadN */
			p[2] = 4;
			p[3] = 1;
			p[4] = 4;
			p[5] = 1;
			p[6] = 1;
			p[7] = 0;
		} else {
			p[2] = 1;		/* PadN over the rest */
			p[3] = (n + 1) * 8 - 4;
		}
		p += (n + 1) * 8;
	}

	if (f->l4 == L4_UDP || f->l4 == L4_ICMP || f->l4 == L4_INNER_RAW) {
		iph = p;
		l.iph = p - buf;
		hlen = 20 + 4 * f->opt_words;
		p[0] = 0x40 | (hlen / 4);
		p[1] = f->tos;
		put16(p + 4, f->id);
		put16(p + 6, f->frag);
		p[8] = f->ttl;
		p[9] = f->l4 == L4_UDP ? IPPROTO_UDP :
		       f->l4 == L4_ICMP ? IPPROTO_ICMP : f->proto;
		put32(p + 12, f->src4);
		put32(p + 16, f->dst4);
		for (i = 0; i < f->opt_words; i++)
			put32(p + 20 + 4 * i, i + 1 < f->opt_words ? 0x01010101 : 0x01010100);
		p += hlen;
		l4 = p;
		l.l4 = p - buf;
		if (f->l4 == L4_UDP) {
			l4len = 8 + f->plen;
			put16(p, f->sport);
			put16(p + 2, f->dport);
			put16(p + 4, l4len);
			memcpy(p + 8, f->payload, f->plen);
			l.payload = l.l4 + 8;
			s = inet_sum(iph + 12, 8, 0) + IPPROTO_UDP + l4len;
			s = inet_sum(p, l4len, s);
			if (!f->udp_csum_zero)
				put16(p + 6, inet_fold(s) ? inet_fold(s) : 0xffff);
		} else if (f->l4 == L4_ICMP) {
			l4len = 8 + f->plen;
			p[0] = f->icmp_type;
			p[1] = f->icmp_code;
			put16(p + 4, f->icmp_id);
			put16(p + 6, f->icmp_seq);
			memcpy(p + 8, f->payload, f->plen);
			l.payload = l.l4 + 8;
			put16(p + 2, inet_fold(inet_sum(p, l4len, 0)));
		} else {
			l4len = f->plen;
			memcpy(p, f->payload, f->plen);
			l.payload = l.l4;
		}
		put16(iph + 2, hlen + l4len);
		put16(iph + 10, inet_fold(inet_sum(iph, hlen, 0)));
		p += l4len;
	} else if (f->l4 == L4_ICMP6) {
		l.l4 = p - buf;
		l4len = 8 + f->plen;
		p[0] = f->icmp_type;
		p[1] = f->icmp_code;
		put16(p + 4, f->icmp_id);
		put16(p + 6, f->icmp_seq);
		memcpy(p + 8, f->payload, f->plen);
		l.payload = l.l4 + 8;
		s = inet_sum(ip6 + 8, 32, 0) + l4len + 58;
		put16(p + 2, inet_fold(inet_sum(p, l4len, s)));
		p += l4len;
	} else {
		memcpy(p, f->payload, f->plen);
		l.payload = p - buf;
		p += f->plen;
	}
	put16(ip6 + 4, p - ip6 - 40);
	l.len = p - buf;
	(void)l4;
	return l;
}

/* a BFD control packet as the payload of f */
static inline void frame_bfd(struct frame *f, unsigned int state,
			     uint8_t flags, uint8_t diag, uint8_t mult,
			     uint32_t my, uint32_t your, uint32_t tx_us,
			     uint32_t rx_us, uint32_t echo_us)
{
	uint8_t *b = f->payload;

	b[0] = BFD_VERSION << BFD_VERS_SHIFT | diag;
	b[1] = state << BFD_STATE_SHIFT | flags;
	b[2] = mult;
	b[3] = BFD_CTRL_LEN;
	put32(b + 4, my);
	put32(b + 8, your);
	put32(b + 12, tx_us);
	put32(b + 16, rx_us);
	put32(b + 20, echo_us);
	f->plen = BFD_CTRL_LEN;
}

/*
 * f becomes an ICMPv6 Packet Too Big (type 2, code 0) reporting mtu and
 * quoting the packet q from its IPv6 header, at most qmax bytes of it (as
 * a router does: the quote keeps q's own payload length).
 */
static inline void frame_ptb(struct frame *f, uint32_t mtu,
			     const struct frame *q, int qmax)
{
	uint8_t buf[FRAME_MAX];
	struct layout l = frame_build(q, buf);
	int n = l.len - l.ip6;

	if (n > qmax)
		n = qmax;
	if (n > (int)sizeof(f->payload))
		n = sizeof(f->payload);
	f->l4 = L4_ICMP6;
	f->icmp_type = DSLITE_ICMP6_PKT_TOO_BIG;
	f->icmp_code = 0;
	f->icmp_id = mtu >> 16;		/* the MTU field: id and seq */
	f->icmp_seq = mtu & 0xffff;
	memcpy(f->payload, buf + l.ip6, n);
	f->plen = n;
}

static inline void frame_swap_outer(struct frame *f)
{
	uint8_t mac[6];
	struct in6_addr a;

	memcpy(mac, f->dmac, 6);
	memcpy(f->dmac, f->smac, 6);
	memcpy(f->smac, mac, 6);
	a = f->src6;
	f->src6 = f->dst6;
	f->dst6 = a;
	f->hop_limit = DSLITE_REPLY_TTL;
}

static inline void frame_swap_inner(struct frame *f)
{
	uint32_t a = f->src4;

	f->src4 = f->dst4;
	f->dst4 = a;
}

#endif /* _DSLITE_TEST_FRAMES_H */
