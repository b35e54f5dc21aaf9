/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounds-checked packet parsing for the dslite XDP programs.
 *
 * A struct cursor walks the frame: every pull checks that the bytes it
 * hands out lie before the limit it is given, advances, and returns NULL
 * when they do not. Two limits matter: the end of the frame (data_end)
 * and, inside IPv6, the end of the IPv6 payload (which may lie before
 * data_end when the frame is padded). pull() checks data_end only;
 * pull_within() checks a protocol limit as well.
 */
#ifndef _DSLITE_BPF_PARSE_H
#define _DSLITE_BPF_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef ETH_P_8021AD
#define ETH_P_8021AD	0x88A8
#endif

/* Outer IPv6 extension headers skipped before giving up (XDP_PASS). */
#define DSLITE_MAX_EXTHDRS	4

struct cursor {
	void	*pos;
	void	*end;		/* data_end */
};

struct vlan_tag {
	__be16	tci;
	__be16	proto;		/* encapsulated EtherType */
};

/* Any generic extension header: next header, length in 8-octet units
 * beyond the first 8; routing headers then have type, segments left. */
struct ext_hdr {
	__u8	nexthdr;
	__u8	len;
	__u8	type;
	__u8	segments_left;
};

/*
 * ntohs() of a length that goes into pointer arithmetic. The 6.1 verifier
 * forgets the bounds of a byte-swapped value (later kernels track them);
 * the mask, hidden from the compiler, gives them back.
 */
static __always_inline __u32 ntohs_len(__be16 x)
{
	__u64 v = bpf_ntohs(x);

	asm volatile("%0 &= 0xffff" : "+r"(v));
	return v;
}

static __always_inline void cursor_init(struct cursor *c, struct xdp_md *ctx)
{
	c->pos = (void *)(long)ctx->data;
	c->end = (void *)(long)ctx->data_end;
}

/* len bytes at the cursor, or NULL if the frame is shorter */
static __always_inline void *pull(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* as pull(), and the bytes must also end at or before limit */
static __always_inline void *pull_within(struct cursor *c, __u32 len,
					 void *limit)
{
	void *p = c->pos;

	if (p + len > limit)
		return NULL;
	return pull(c, len);
}

enum parse_result {
	PARSE_OK,
	PARSE_TRUNC,		/* header cut short */
	PARSE_BAD,		/* not what it claims to be */
	PARSE_FRAG,		/* a fragment */
	PARSE_LIMIT,		/* too many headers / not the final hop */
};

/*
 * Ethernet with at most two VLAN tags (802.1Q or 802.1ad). *proto gets
 * the EtherType after the tags (network order). PARSE_TRUNC with
 * *vlan_trunc set when a tag was cut short.
 */
static __always_inline int parse_eth(struct cursor *c, struct ethhdr **eth,
				     __be16 *proto, int *vlan_trunc)
{
	struct vlan_tag *tag;
	int i;

	*vlan_trunc = 0;
	*eth = pull(c, sizeof(**eth));
	if (!*eth)
		return PARSE_TRUNC;
	*proto = (*eth)->h_proto;
#pragma unroll
	for (i = 0; i < 2; i++) {
		if (*proto != bpf_htons(ETH_P_8021Q) &&
		    *proto != bpf_htons(ETH_P_8021AD))
			break;
		tag = pull(c, sizeof(*tag));
		if (!tag) {
			*vlan_trunc = 1;
			return PARSE_TRUNC;
		}
		*proto = tag->proto;
	}
	return PARSE_OK;
}

/*
 * The IPv6 header. *l3_end gets the end of its payload, which must lie
 * within the frame (PARSE_TRUNC otherwise); version != 6 is PARSE_BAD.
 */
static __always_inline int parse_ipv6(struct cursor *c, struct ipv6hdr **ip6,
				      void **l3_end)
{
	void *e;

	*ip6 = pull(c, sizeof(**ip6));
	if (!*ip6)
		return PARSE_TRUNC;
	if ((*ip6)->version != 6)
		return PARSE_BAD;
	e = c->pos + ntohs_len((*ip6)->payload_len);
	if (e > c->end)
		return PARSE_TRUNC;
	*l3_end = e;
	return PARSE_OK;
}

/*
 * Skip hop-by-hop, routing and destination-options headers (at most
 * DSLITE_MAX_EXTHDRS). *nexthdr goes in as the IPv6 header's and comes out
 * as the upper-layer protocol. A fragment header is PARSE_FRAG; a routing
 * header with segments left (this node is not the final destination) or
 * too many headers is PARSE_LIMIT.
 */
static __always_inline int skip_ipv6_exthdrs(struct cursor *c, __u8 *nexthdr,
					     void *l3_end)
{
	struct ext_hdr *h;
	int i;

#pragma unroll
	for (i = 0; i < DSLITE_MAX_EXTHDRS; i++) {
		switch (*nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			break;
		case IPPROTO_FRAGMENT:
			return PARSE_FRAG;
		default:
			return PARSE_OK;
		}
		h = pull_within(c, sizeof(*h), l3_end);
		if (!h)
			return PARSE_TRUNC;
		if (*nexthdr == IPPROTO_ROUTING && h->segments_left)
			return PARSE_LIMIT;
		*nexthdr = h->nexthdr;
		/* the rest of this header: (len + 1) * 8 - 4 bytes */
		if (!pull_within(c, ((__u32)h->len + 1) * 8 - sizeof(*h), l3_end))
			return PARSE_TRUNC;
	}
	switch (*nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
		return PARSE_LIMIT;
	case IPPROTO_FRAGMENT:
		return PARSE_FRAG;
	}
	return PARSE_OK;
}

/*
 * An inner IPv4 header with its options. PARSE_TRUNC: the 20-byte header
 * or its options are cut short (by the frame or the IPv6 payload);
 * PARSE_BAD: version != 4 or IHL < 5. The total length is checked by the
 * caller, which knows whether the packet is addressed to the responder.
 */
static __always_inline int parse_ipv4(struct cursor *c, struct iphdr **iph,
				      void *l3_end)
{
	__u32 hlen;

	*iph = pull_within(c, sizeof(**iph), l3_end);
	if (!*iph)
		return PARSE_TRUNC;
	if ((*iph)->version != 4 || (*iph)->ihl < 5)
		return PARSE_BAD;
	hlen = (*iph)->ihl * 4;
	if (hlen > sizeof(**iph) &&
	    !pull_within(c, hlen - sizeof(**iph), l3_end))
		return PARSE_TRUNC;
	return PARSE_OK;
}

/* IPv4 fragment (MF set or offset non-zero) */
static __always_inline int ipv4_is_fragment(const struct iphdr *iph)
{
	return (iph->frag_off & bpf_htons(0x3fff)) != 0;
}

#endif /* _DSLITE_BPF_PARSE_H */
