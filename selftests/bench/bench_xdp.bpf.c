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
 *   dslite_b_lookup  only looks the outer IPv6 source up in the B4 address
 *                    hash (dslite_b_sess is given dslite_discrs' fd): the
 *                    cost of the hash look-up that BFD echo and control
 *                    packets with Your Discriminator 0 need (the steady
 *                    BFD answer uses the discriminator's array slot)
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

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
