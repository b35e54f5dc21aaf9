/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internet checksum helpers (RFC 1071, RFC 1624) for the dslite XDP
 * programs. Sums are accumulated in host order over words read straight
 * from the packet: the one's complement sum is byte-order independent, so
 * the folded result can be stored back as it is.
 */
#ifndef _DSLITE_BPF_CSUM_H
#define _DSLITE_BPF_CSUM_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* fold a 64-bit accumulator to 16 bits (not complemented) */
static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* the checksum field value for an accumulated sum */
static __always_inline __u16 csum_finish(__u64 sum)
{
	return (__u16)~csum_fold64(sum);
}

/* sum of n 32-bit words at p (n a compile-time constant) */
#define csum_words32(p, n) ({					\
	const __u32 *__w = (const __u32 *)(p);			\
	__u64 __s = 0;						\
	_Pragma("unroll")					\
	for (int __i = 0; __i < (n); __i++)			\
		__s += __w[__i];				\
	__s;							\
})

/*
 * RFC 1624 eqn. 3: update a checksum field when one 16-bit word of the
 * covered data changes from old to new (both as stored in the packet).
 */
static __always_inline void csum_replace2(__u16 *csum, __u16 old, __u16 new)
{
	__u64 s = (__u16)~*csum;

	s += (__u16)~old;
	s += new;
	*csum = csum_finish(s);
}

/*
 * Is the IPv4 header checksum right? iph must have been pulled with its
 * options (hlen = IHL * 4 bytes readable, 20..60).
 */
static __always_inline int ipv4_csum_ok(const void *iph, __u32 hlen,
					void *data_end)
{
	const __u32 *w = iph;
	__u32 nopt = hlen / 4 - 5;	/* option words, 0..10 */
	__u64 s;
	int i;

	if ((void *)(w + 5) > data_end)
		return 0;
	s = csum_words32(w, 5);
	if (!nopt)
		return csum_fold64(s) == 0xffff;
#pragma unroll
	for (i = 0; i < 10; i++) {
		if ((__u32)i < nopt) {
			if ((void *)(w + 6 + i) > data_end)
				s = 0;	/* cannot happen: pulled by the caller */
			else
				s += w[5 + i];
		}
	}
	return csum_fold64(s) == 0xffff;
}

#endif /* _DSLITE_BPF_CSUM_H */
