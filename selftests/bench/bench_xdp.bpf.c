// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only XDP programs for `make bench` (never loaded in production):
 *
 *   dslite_b_pass    empty program, XDP_PASS: the pass-through baseline
 *   dslite_b_refl    swaps the MAC addresses, XDP_TX: the reflector baseline
 *   dslite_b_gen     XDP_TX unchanged: the live-frames traffic generator
 *   dslite_b_sink    counts and drops what comes back to the generator
 *   dslite_b_replay  writes replay_frame over the packet, then tail-calls
 *                    dslite_b_jmp[0]: runs a responder path that changes
 *                    the frame (ping) on the same input every repetition
 *   dslite_b_bfd_floor   the floor of a BFD answer inside a softwire: parses
 *                    Ethernet / IPv6 (next header 4) / IPv4 / UDP 3784
 *                    with bounds checks, swaps every address (MAC, IPv6,
 *                    IPv4), sets the ports and the state byte, XDP_TX; no
 *                    validation, no session
 *   dslite_b_data_floor  the floor of passing softwire data on: the same
 *                    parse down to the inner IPv4 header, then XDP_PASS
 *   dslite_b_mkses   makes sessions with real BFD frames: writes the
 *                    template mk_tmpl over the packet, from B4 number
 *                    mk_next (outer source 2001:db8:1::/64 + the number),
 *                    Down with Your Discriminator 0, or with mk_up Init
 *                    with the AFTR's discriminator of that B4 (looked up
 *                    in dslite_b_sess), and tail-calls dslite_b_jmp[0]
 *                    (the responder); every mk_fast-th B4 advertises 300
 *                    ms instead of the template's interval
 *   dslite_b_lookup  only looks the outer IPv6 source up in the B4 address
 *                    hash (dslite_b_sess is given dslite_discrs' fd): the
 *                    cost of the hash look-up that BFD echo and control
 *                    packets with Your Discriminator 0 need (the steady
 *                    BFD answer uses the discriminator's array slot)
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define REPLAY_MAX	256

__u64 replay_frame[REPLAY_MAX / 8];	/* set by the bench before a run */
__u64 sink_packets;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} dslite_b_jmp SEC(".maps");

/* same definition as dslite_discrs; the bench reuses that map's fd */
struct b_in6 {
	__u8	addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct b_in6);
	__type(value, __u32);
} dslite_b_sess SEC(".maps");

SEC("xdp")
int dslite_b_lookup(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct b_in6 key;
	__u32 *s = data + ETH_HLEN + 8, *k = (__u32 *)key.addr;

	if ((void *)(s + 4) > end)
		return XDP_ABORTED;
	k[0] = s[0];
	k[1] = s[1];
	k[2] = s[2];
	k[3] = s[3];
	return bpf_map_lookup_elem(&dslite_b_sess, &key) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int dslite_b_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int dslite_b_refl(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u16 *m = data, t0, t1, t2;

	if (data + ETH_HLEN > end)
		return XDP_PASS;
	t0 = m[0];
	t1 = m[1];
	t2 = m[2];
	m[0] = m[3];
	m[1] = m[4];
	m[2] = m[5];
	m[3] = t0;
	m[4] = t1;
	m[5] = t2;
	return XDP_TX;
}

SEC("xdp")
int dslite_b_gen(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("xdp")
int dslite_b_sink(struct xdp_md *ctx)
{
	__sync_fetch_and_add(&sink_packets, 1);
	return XDP_DROP;
}

SEC("xdp")
int dslite_b_replay(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 *w = data;
	int i;

	/* frames used here are multiples of 8 bytes */
#pragma unroll
	for (i = 0; i < REPLAY_MAX / 8; i++) {
		if ((void *)(w + i + 1) > end)
			break;
		w[i] = replay_frame[i];
	}
	bpf_tail_call(ctx, &dslite_b_jmp, 0);
	return XDP_ABORTED;
}

/* Ethernet / IPv6 (next header 4) / IPv4, bounds checked; NULL: not that */
static __always_inline struct iphdr *floor_parse(struct xdp_md *ctx,
						 struct ethhdr **ethp,
						 struct ipv6hdr **ip6p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6;
	struct iphdr *iph;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return NULL;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end || ip6->nexthdr != 4)
		return NULL;
	iph = (void *)(ip6 + 1);
	if ((void *)(iph + 1) > end || iph->ihl < 5)
		return NULL;
	*ethp = eth;
	*ip6p = ip6;
	return iph;
}

SEC("xdp")
int dslite_b_bfd_floor(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	struct iphdr *iph;
	struct udphdr *udp;
	__u8 *bfd, m[6];
	struct in6_addr a;
	__be32 t;

	iph = floor_parse(ctx, &eth, &ip6);
	if (!iph || iph->protocol != IPPROTO_UDP)
		return XDP_PASS;
	udp = (void *)iph + (iph->ihl & 0xf) * 4;
	if ((void *)(udp + 1) > end || udp->dest != bpf_htons(3784))
		return XDP_PASS;
	bfd = (void *)(udp + 1);
	if ((void *)(bfd + 24) > end)
		return XDP_PASS;
	__builtin_memcpy(m, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, m, 6);
	a = ip6->saddr;
	ip6->saddr = ip6->daddr;
	ip6->daddr = a;
	t = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = t;
	udp->source = bpf_htons(49152);
	udp->dest = bpf_htons(3784);
	bfd[1] = (bfd[1] & 0x3f) | 3 << 6;	/* Up */
	return XDP_TX;
}

SEC("xdp")
int dslite_b_data_floor(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct ipv6hdr *ip6;

	if (!floor_parse(ctx, &eth, &ip6))
		return XDP_DROP;
	return XDP_PASS;
}

#define MK_LEN		112	/* the template: 106 bytes and padding */
#define MK_SRC_LOW	(ETH_HLEN + 8 + 12)	/* low word of the outer source */
#define MK_BFD		(ETH_HLEN + 40 + 20 + 8)

__u64 mk_tmpl[MK_LEN / 8];
__u32 mk_next, mk_up, mk_fast;

SEC("xdp")
int dslite_b_mkses(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 *w = data;
	struct b_in6 key;
	__u8 *p = data, *bfd;
	__u32 n = mk_next++, *d;
	int i;

	if (data + MK_LEN > end)
		return XDP_ABORTED;
#pragma unroll
	for (i = 0; i < MK_LEN / 8; i++)
		w[i] = mk_tmpl[i];
	*(__u32 *)(p + MK_SRC_LOW) = bpf_htonl(n + 1);
	bfd = p + MK_BFD;
	*(__u32 *)(bfd + 4) = bpf_htonl(n + 1);		/* My Discriminator */
	if (mk_fast && n % mk_fast == 0)
		*(__u32 *)(bfd + 8 + 4) = bpf_htonl(300000);	/* Desired Min TX */
	if (mk_up) {
		__builtin_memcpy(key.addr, p + ETH_HLEN + 8, 16);
		d = bpf_map_lookup_elem(&dslite_b_sess, &key);
		if (!d)
			return XDP_ABORTED;
		bfd[1] = (bfd[1] & 0x3f) | 2 << 6;	/* Init */
		*(__u32 *)(bfd + 8) = bpf_htonl(*d);	/* Your Discriminator */
	}
	bpf_tail_call(ctx, &dslite_b_jmp, 0);
	return XDP_ABORTED;
}
