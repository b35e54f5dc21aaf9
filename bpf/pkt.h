/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite AFTR responder: what the parser found in a frame (struct pkt),
 * how a handler re-derives it from two header offsets (pkt_load()), and
 * the IPv6 address helpers every part uses (copy_in6(), same_in6()).
 *
 * Not a translation unit of its own: included once from
 * dslite_aftr.bpf.c, after maps.h (it needs none of it); uses parse.h
 * (struct cursor, ntohs_len(), DSLITE_MAX_EXTHDRS) and dslite_aftr.h
 * (struct dslite_in6).
 */
#ifndef _DSLITE_BPF_PKT_H
#define _DSLITE_BPF_PKT_H

/* What the parser found; pointers into the frame. */
struct pkt {
	struct cursor	c;
	void		*data;		/* start of the frame */
	struct ethhdr	*eth;
	struct ipv6hdr	*ip6;
	void		*l3_end;	/* end of the IPv6 payload; in the
					 * handlers: end of the inner packet */
	struct iphdr	*iph;
};

/* Largest offset of the inner IPv4 header: 2 VLAN tags, IPv6 and
 * DSLITE_MAX_EXTHDRS extension headers of at most 2048 bytes. */
#define MAX_IPH_OFF	(ETH_HLEN + 8 + sizeof(struct ipv6hdr) + \
			 DSLITE_MAX_EXTHDRS * 2048)

/*
 * The handlers of packets addressed to the responder start from the
 * offsets of the outer IPv6 and inner IPv4 headers (the caller parsed them
 * and checked that the inner total length lies within the IPv6 payload)
 * and re-derive the pointers here. Pointers carried over from the parser
 * differ in the verifier's eyes for every parse path (VLAN tags, extension
 * headers, options) and the handler would be verified once per path, past
 * the verifier's limit; re-derived from bounded offsets, the states merge.
 * (Global functions would do the same, but a call costs as much as the
 * rest of the answer on CPUs that protect every return.) On return
 * p->c.pos is the inner L4 header and p->l3_end the end of the inner
 * packet.
 */
static __always_inline int pkt_load(struct xdp_md *ctx, __u32 ip6_off,
				    __u32 iph_off, struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	__u32 hlen;

	p->c.end = (void *)(long)ctx->data_end;
	if (ip6_off > ETH_HLEN + 8 || iph_off > MAX_IPH_OFF)
		return -1;
	p->eth = data;
	p->ip6 = data + ip6_off;
	p->iph = data + iph_off;
	if ((void *)(p->eth + 1) > p->c.end ||
	    (void *)(p->ip6 + 1) > p->c.end ||
	    (void *)(p->iph + 1) > p->c.end)
		return -1;
	hlen = p->iph->ihl * 4;
	p->c.pos = (void *)p->iph + hlen;
	p->l3_end = (void *)p->iph + ntohs_len(p->iph->tot_len);
	if (p->c.pos > p->c.end)
		return -1;
	return 0;
}

/* the 16 bytes at src (packet or map, 4-byte aligned) to dst */
static __always_inline void copy_in6(struct dslite_in6 *dst, const void *src)
{
	const __u32 *s = src;
	__u32 *d = (__u32 *)dst->addr;

	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
	d[3] = s[3];
}

/* the 16 bytes at a and b (packet or map, 4-byte aligned) are equal */
static __always_inline int same_in6(const void *a, const void *b)
{
	const __u32 *x = a, *y = b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]));
}

#endif /* _DSLITE_BPF_PKT_H */
