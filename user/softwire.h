/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl: find a DS-Lite softwire (an ip6tnl device) and read its
 * endpoints and state over rtnetlink, for the commands that work without
 * the daemon or the module (ping, pcp).
 */
#ifndef DSLITECTL_SOFTWIRE_H
#define DSLITECTL_SOFTWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "dslitectl.h"

struct softwire {
	int ifindex;
	char name[DSLITECTL_IFNAMSIZ];
	struct in6_addr local;		/* the B4's IPv6 end */
	struct in6_addr remote;		/* the AFTR */
	uint8_t proto;			/* IFLA_IPTUN_PROTO: 4 ipip6, 0 any */
	bool up;			/* IFF_UP */
	bool carrier;			/* IFLA_CARRIER (the module may force
					 * it off) */
};

/*
 * softwire_get(name, sw, err, errlen): the ip6tnl device name, or with
 * name NULL the only ip6tnl device of the namespace that carries IPv4
 * (mode ipip6 or any) and has a remote address. Returns 0, or -1 with
 * the reason in err (no such device, not an ip6tnl device, none or
 * several softwires).
 */
int softwire_get(const char *name, struct softwire *sw, char *err,
		 size_t errlen);

#endif /* DSLITECTL_SOFTWIRE_H */
