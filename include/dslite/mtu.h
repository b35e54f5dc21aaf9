/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The AFTR's per-softwire path MTU record: one implementation for the XDP
 * responder (bpf/mtu.h, map dslite_mtu) and userspace (dslitectl aftr mtu,
 * selftests/unit/mtu_test.c). Pure C on fixed-width types: no helper
 * calls, no libc.
 *
 * A record holds the path MTU toward one B4 (the outer IPv6 path, AFTR ->
 * B4) and when it stops counting. Times are whole seconds of the XDP
 * path's CLOCK_MONOTONIC (bpf/maps.h now_ns() / 10^9), compared modulo
 * 2^32.
 *
 * The rules (Documentation/aftr-operations.md, "The per-softwire MTU"):
 *   - a Packet Too Big below DSLITE_MTU_MIN (1280, the IPv6 minimum) or
 *     above DSLITE_MTU_MAX teaches nothing: a record is never below 1280;
 *   - no record, or an expired one: the PTB's MTU is taken (learnt);
 *   - a valid record: a lower MTU replaces it (lowered), the same one
 *     refreshes its expiry, a higher one is ignored until it expires (as
 *     the kernel does: RFC 8201 section 4, a PTB never raises a path
 *     MTU; only time does);
 *   - every PTB taken sets expires_s = now + expire;
 *   - an answered RFC 9764 padded BFD control packet of outer size S from
 *     a B4 whose session is Up, and that reports Up itself, proves the
 *     path carries S (the B4 keeps its session up only while answers of
 *     that size reach it): a valid record below S is raised to S. No
 *     record is created that way (a path without one is not limited);
 *   - the inner TCP MSS that fits: mtu - DSLITE_MTU_TCP_OVERHEAD.
 */
#ifndef _DSLITE_MTU_H
#define _DSLITE_MTU_H

#include <linux/types.h>

#define DSLITE_MTU_MIN		1280	/* = DSLITE_IPV6_MIN_MTU */
#define DSLITE_MTU_MAX		65535
#define DSLITE_MTU_DEF_EXPIRE_S	600	/* the kernel's ip6_rt_mtu_expires */

/*
 * What a softwire packet spends besides the inner TCP payload: the outer
 * IPv6 header (40), the tunnel encapsulation limit destination option
 * Linux's ip6tnl adds by default (8, RFC 2473 4.1.1; "encaplimit none"
 * removes it: the clamp is then 8 bytes on the safe side), the inner
 * IPv4 header (20) and the TCP header (20). TCP options are the
 * sender's to subtract (RFC 6691), as for any MSS.
 */
#define DSLITE_MTU_OUTER_OVERHEAD	48
#define DSLITE_MTU_TCP_OVERHEAD		(DSLITE_MTU_OUTER_OVERHEAD + 20 + 20)

/* where a record's MTU came from (struct dslite_mtu_rec.source) */
enum dslite_mtu_source {
	DSLITE_MTU_SRC_PTB		= 1,	/* a PTB this node received */
	DSLITE_MTU_SRC_PTB_RELAYED	= 2,	/* a PTB a peer relayed */
	DSLITE_MTU_SRC_BFD_PADDED	= 3,	/* raised by padded BFD */
};

/* dslite_mtu's value: 8 bytes */
struct dslite_mtu_rec {
	__u16	mtu;		/* the path MTU, DSLITE_MTU_MIN..MAX */
	__u8	source;		/* enum dslite_mtu_source */
	__u8	flags;		/* 0 (reserved) */
	__u32	expires_s;	/* valid while now_s is before it */
};

/* what a PTB did to a record (dslite_mtu_learn()) */
enum dslite_mtu_result {
	DSLITE_MTU_IGNORED	= 0,	/* out of range, or higher than a
					 * valid record: nothing changed */
	DSLITE_MTU_LEARNT	= 1,	/* a new record (none, or expired) */
	DSLITE_MTU_LOWERED	= 2,	/* a valid record lowered */
	DSLITE_MTU_REFRESHED	= 3,	/* the same MTU: expiry moved on */
};

/* is r valid at now_s? */
static __inline int dslite_mtu_valid(const struct dslite_mtu_rec *r,
				     __u32 now_s)
{
	return r->mtu >= DSLITE_MTU_MIN && (__s32)(r->expires_s - now_s) > 0;
}

/*
 * dslite_mtu_learn(r, have, mtu, source, now_s, expire_s): a PTB saying
 * mtu (as received: 32 bits) to the record r (have: 0 when there is none;
 * r is then written from scratch). Returns enum dslite_mtu_result; r
 * changed unless DSLITE_MTU_IGNORED.
 */
static __inline int dslite_mtu_learn(struct dslite_mtu_rec *r, int have,
				     __u32 mtu, __u8 source, __u32 now_s,
				     __u32 expire_s)
{
	int res;

	if (mtu < DSLITE_MTU_MIN || mtu > DSLITE_MTU_MAX)
		return DSLITE_MTU_IGNORED;
	if (!have || !dslite_mtu_valid(r, now_s))
		res = DSLITE_MTU_LEARNT;
	else if (mtu < r->mtu)
		res = DSLITE_MTU_LOWERED;
	else if (mtu == r->mtu)
		res = DSLITE_MTU_REFRESHED;
	else
		return DSLITE_MTU_IGNORED;
	r->mtu = (__u16)mtu;
	r->source = source;
	r->flags = 0;
	r->expires_s = now_s + expire_s;
	return res;
}

/*
 * dslite_mtu_raise(r, size, now_s, expire_s): an answered padded BFD
 * control packet of outer size `size` (IPv6 header and payload) from a B4
 * that is Up and reports Up: a valid record below size is raised to it
 * (expiry moved on). 1 when raised, else 0.
 */
static __inline int dslite_mtu_raise(struct dslite_mtu_rec *r, __u32 size,
				     __u32 now_s, __u32 expire_s)
{
	if (!dslite_mtu_valid(r, now_s) || size <= r->mtu ||
	    size > DSLITE_MTU_MAX)
		return 0;
	r->mtu = (__u16)size;
	r->source = DSLITE_MTU_SRC_BFD_PADDED;
	r->expires_s = now_s + expire_s;
	return 1;
}

/* the inner TCP MSS that fits a path MTU of mtu (>= DSLITE_MTU_MIN) */
static __inline __u16 dslite_mtu_mss(__u32 mtu)
{
	if (mtu < DSLITE_MTU_MIN)
		mtu = DSLITE_MTU_MIN;
	return (__u16)(mtu - DSLITE_MTU_TCP_OVERHEAD);
}

/* a source's name, as "dslitectl aftr mtu" prints it */
static __inline const char *dslite_mtu_source_name(__u8 s)
{
	switch (s) {
	case DSLITE_MTU_SRC_PTB:
		return "ptb";
	case DSLITE_MTU_SRC_PTB_RELAYED:
		return "ptb-relayed";
	case DSLITE_MTU_SRC_BFD_PADDED:
		return "bfd-padded";
	}
	return "unknown";
}

#endif /* _DSLITE_MTU_H */
