/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dslite: liveness and failover for DS-Lite (RFC 6333) softwires.
 *
 * Generic netlink family "dslite", version 1 (DSLITE_GENL_NAME,
 * DSLITE_GENL_VERSION). The family is network-namespace aware: every command
 * sees only the ip6tnl devices of the caller's namespace. Mutating commands
 * need CAP_NET_ADMIN in the namespace's user namespace; read-only commands
 * work for every user.
 *
 * The module tracks every ip6tnl device (rtnl kind "ip6tnl") in every
 * namespace, including devices created before it was loaded. ip6tnl has no
 * ndo_change_carrier, so this family is the way to mark such a tunnel down:
 * a forced carrier-down turns the routes through it "linkdown" and stays in
 * force across "ip link set dev X down/up" until it is cleared or the module
 * is unloaded (unloading gives every forced tunnel its carrier back).
 *
 * Moving a tunnel to another network namespace ("ip link set X netns NS")
 * clears a forced carrier-down as well: the old namespace gets a
 * DSLITE_EVENT_DEL and the device its carrier back; the new namespace gets
 * a DSLITE_EVENT_NEW for a tunnel with DSLITE_FORCED_NONE, diag none, no
 * reason and transitions 0, and routes through it are usable there at
 * once. Whoever wants it down in its new namespace sets it down again
 * there (the B4 daemon stops when its tunnel leaves its namespace).
 *
 * Commands
 * --------
 *
 * DSLITE_CMD_TUNNEL_GET
 *   Request: either DSLITE_A_IFINDEX or DSLITE_A_IFNAME selects one tunnel;
 *   with NLM_F_DUMP and no selector every tracked tunnel of the namespace is
 *   returned, one message each. Reply (DSLITE_CMD_TUNNEL_GET), per tunnel:
 *     DSLITE_A_IFINDEX       u32     interface index
 *     DSLITE_A_IFNAME        string  interface name
 *     DSLITE_A_LOCAL         binary  16 bytes, local IPv6 endpoint
 *     DSLITE_A_REMOTE        binary  16 bytes, remote IPv6 endpoint (the AFTR)
 *     DSLITE_A_CARRIER       u8      actual carrier, 0 or 1
 *     DSLITE_A_OPER_UP       u8      1 when the operational state is up
 *     DSLITE_A_ADMIN_UP      u8      1 when IFF_UP is set
 *     DSLITE_A_FORCED        u8      enum dslite_forced
 *     DSLITE_A_DIAG          u8      enum dslite_diag, the last reason code
 *     DSLITE_A_REASON        string  free text, at most DSLITE_REASON_MAX
 *                                    bytes including the NUL (absent if empty)
 *     DSLITE_A_TRANSITIONS   u64     carrier transitions seen by the module
 *     DSLITE_A_SINCE_MS      u64     milliseconds since the last change of
 *                                    carrier or forced state (64-bit, no
 *                                    wrap: a tunnel stable for years says so)
 *   Errors: ENODEV (no such device in this namespace), EOPNOTSUPP (the device
 *   is not an ip6tnl tunnel), EINVAL (both or no selector on a non-dump).
 *
 * DSLITE_CMD_TUNNEL_SET (CAP_NET_ADMIN)
 *   Request: DSLITE_A_IFINDEX or DSLITE_A_IFNAME, and
 *     DSLITE_A_CARRIER       u8      0: force carrier down, 1: clear the
 *                                    forced state and give the carrier back
 *     DSLITE_A_DIAG          u8      with carrier 0, required: 1..8
 *                                    (DSLITE_DIAG_CONTROL_EXPIRED ..
 *                                    DSLITE_DIAG_REVERSE_CONCAT_PATH_DOWN);
 *                                    with carrier 1, optional and only 0
 *     DSLITE_A_REASON        string  optional, at most DSLITE_REASON_MAX
 *                                    bytes including the NUL
 *   Errors: EINVAL with an extack message naming the attribute, ENODEV,
 *   EOPNOTSUPP (not an ip6tnl device), EPERM (no CAP_NET_ADMIN).
 *   A set that changes nothing is accepted and sends no event.
 *
 * DSLITE_CMD_TUNNEL_EVENT (multicast group DSLITE_MCGRP_EVENTS, "events")
 *   Sent in the tunnel's namespace with every attribute of TUNNEL_GET plus
 *     DSLITE_A_EVENT         u8      enum dslite_event
 *   on: a tunnel appearing (NEW: created, moved in, or found when the module
 *   loaded), disappearing (DEL), a carrier change from any cause (CARRIER),
 *   an administrative up/down (LINK), a change of diag or reason while the
 *   carrier stays as it is (STATE), and a change of the tunnel's endpoints
 *   (PARAMS).
 */
#ifndef _UAPI_LINUX_DSLITE_H
#define _UAPI_LINUX_DSLITE_H

#define DSLITE_GENL_NAME	"dslite"
#define DSLITE_GENL_VERSION	1
#define DSLITE_MCGRP_EVENTS	"events"

/* Longest reason text, including the terminating NUL. */
#define DSLITE_REASON_MAX	64

enum dslite_cmd {
	DSLITE_CMD_UNSPEC,
	DSLITE_CMD_TUNNEL_GET,
	DSLITE_CMD_TUNNEL_SET,
	DSLITE_CMD_TUNNEL_EVENT,

	__DSLITE_CMD_MAX
};
#define DSLITE_CMD_MAX (__DSLITE_CMD_MAX - 1)

enum dslite_attr {
	DSLITE_A_UNSPEC,
	DSLITE_A_PAD,
	DSLITE_A_IFINDEX,	/* u32 */
	DSLITE_A_IFNAME,	/* string */
	DSLITE_A_LOCAL,		/* binary, struct in6_addr */
	DSLITE_A_REMOTE,	/* binary, struct in6_addr */
	DSLITE_A_CARRIER,	/* u8 */
	DSLITE_A_OPER_UP,	/* u8 */
	DSLITE_A_ADMIN_UP,	/* u8 */
	DSLITE_A_FORCED,	/* u8, enum dslite_forced */
	DSLITE_A_DIAG,		/* u8, enum dslite_diag */
	DSLITE_A_REASON,	/* string */
	DSLITE_A_TRANSITIONS,	/* u64 */
	DSLITE_A_SINCE_MS,	/* u64 */
	DSLITE_A_EVENT,		/* u8, enum dslite_event */

	__DSLITE_A_MAX
};
#define DSLITE_A_MAX (__DSLITE_A_MAX - 1)

enum dslite_forced {
	DSLITE_FORCED_NONE,
	DSLITE_FORCED_CARRIER_DOWN,
};

/* The BFD diagnostic codes (RFC 5880 section 4.1), used as the reason. */
enum dslite_diag {
	DSLITE_DIAG_NONE,
	DSLITE_DIAG_CONTROL_EXPIRED,
	DSLITE_DIAG_ECHO_FAILED,
	DSLITE_DIAG_NEIGHBOR_DOWN,
	DSLITE_DIAG_FWD_RESET,
	DSLITE_DIAG_PATH_DOWN,
	DSLITE_DIAG_CONCAT_PATH_DOWN,
	DSLITE_DIAG_ADMIN_DOWN,
	DSLITE_DIAG_REVERSE_CONCAT_PATH_DOWN,

	__DSLITE_DIAG_MAX
};
#define DSLITE_DIAG_MAX (__DSLITE_DIAG_MAX - 1)

enum dslite_event {
	DSLITE_EVENT_NONE,
	DSLITE_EVENT_NEW,
	DSLITE_EVENT_DEL,
	DSLITE_EVENT_CARRIER,
	DSLITE_EVENT_LINK,
	DSLITE_EVENT_STATE,
	DSLITE_EVENT_PARAMS,

	__DSLITE_EVENT_MAX
};
#define DSLITE_EVENT_MAX (__DSLITE_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_DSLITE_H */
