/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl aftr attach ... anycast ADDR node-id N [peer ADDR]...
 * [relay-rate PPS] [relay-source ADDR]: the AFTR as a member of an anycast
 * group (bpf/dslite_aftr.h, "Anycast group"; Documentation/anycast.md).
 *
 * attach (user/aftr/attach.c) calls, in this order:
 *   aftr_anycast_parse()   for anycast, peer and relay-source (rows of
 *                          its keyword table);
 *   aftr_anycast_check()   once the command line is parsed: every
 *                          argument checked, the relay source chosen;
 *   aftr_anycast_setup()   right after the skeleton is opened: .rodata,
 *                          the size of dslite_softwires;
 *   aftr_anycast_fill()    after the load, before the XDP link: the peers,
 *                          the anycast address among the local ones;
 *   aftr_anycast_attach()  last, after the pins: the relay (TC ingress);
 *                          on failure nothing of it is left;
 * and detach calls aftr_anycast_detach() once the XDP link is gone.
 * Every function returns 0 or an exit code after printing why. Without
 * an anycast keyword on the command line they leave the node out of any
 * group (and remove a relay left behind). The anycast maps are pinned,
 * reused and removed with the others by user/aftr/attach.c.
 */
#ifndef DSLITECTL_AFTR_ANYCAST_H
#define DSLITECTL_AFTR_ANYCAST_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "dslite_aftr.h"

struct dslite_aftr;

/* The relay's tc filter on the device's clsact ingress. */
#define AFTR_RELAY_TC_HANDLE	0xd51e
#define AFTR_RELAY_TC_PRIO	1
#define AFTR_RELAY_PROG		"dslite_ptb_relay"

#define AFTR_MAX_RELAY_RATE	1000000U

struct aftr_anycast {
	bool member;			/* "anycast" given */
	struct in6_addr addr;
	struct in6_addr peers[DSLITE_MAX_PEERS];
	unsigned int n_peers;
	uint32_t relay_rate;		/* 0: not given (the default) */
	bool have_source;		/* "relay-source" given */
	struct in6_addr source;		/* given, or chosen by _check() */
};

/* anycast, peer or relay-source with its value into ac (relay-rate is a
 * plain number: attach's keyword table stores it in ac->relay_rate). */
int aftr_anycast_parse(const char *what, const char *kw, const char *val,
		       struct aftr_anycast *ac);

/*
 * The whole: peer, relay-rate and relay-source need anycast; anycast
 * needs node-id; the relay source (with peers) is relay-source, else the
 * address the kernel would send from to the first peer, else the first
 * global address of ifname that is not the anycast one.
 */
int aftr_anycast_check(const char *what, struct aftr_anycast *ac,
		       const char *ifname, bool node_id_given);

/*
 * Right after the skeleton is opened, before anything looks at the pinned
 * maps: .rodata and the size of dslite_softwires (a member: one per
 * session, sessions being the "sessions" argument or else the pinned
 * table's size; otherwise the small default). A pinned dslite_softwires
 * of another size is refused (membership or size changed: detach first).
 */
int aftr_anycast_setup(const char *what, const struct aftr_anycast *ac,
		       struct dslite_aftr *skel, const char *ifname,
		       uint32_t sessions);

/* After the load. */
int aftr_anycast_fill(const char *what, const struct aftr_anycast *ac,
		      struct dslite_aftr *skel);

/* The relay on ifindex (members with peers), or none. */
int aftr_anycast_attach(const char *what, const struct aftr_anycast *ac,
			struct dslite_aftr *skel, int ifindex);

/* Remove the relay of ifname, if any (no such device: nothing to do). */
int aftr_anycast_detach(const char *what, const char *ifname);

#endif /* DSLITECTL_AFTR_ANYCAST_H */
