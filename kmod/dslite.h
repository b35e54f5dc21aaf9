/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite.ko: carrier control and state reporting for ip6tnl softwires.
 *
 * Every ip6tnl device (except each namespace's fallback "ip6tnl0") gets a
 * struct dslite_tunnel while it is registered. All tunnel state is guarded by
 * the RTNL: the netdevice notifier runs under it and every netlink handler
 * takes it, so no other lock is needed.
 */
#ifndef _DSLITE_H
#define _DSLITE_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/in6.h>
#include <linux/dslite.h>

struct dslite_tunnel {
	struct list_head list;
	struct net_device *dev;
	netdevice_tracker dev_tracker;

	u8 forced;		/* enum dslite_forced */
	u8 diag;		/* enum dslite_diag */
	char reason[DSLITE_REASON_MAX];

	/* What the module last saw, to tell which notifications are changes. */
	bool carrier;
	bool admin_up;
	struct in6_addr local;
	struct in6_addr remote;
	char ifname[IFNAMSIZ];

	u64 transitions;
	u64 changed;		/* jiffies64 of the last carrier/forced change */
};

/* tunnel.c */
int dslite_tunnel_init(void);
void dslite_tunnel_exit(void);
struct dslite_tunnel *dslite_tunnel_find(const struct net_device *dev);
bool dslite_dev_is_tunnel(const struct net_device *dev);
int dslite_tunnel_set_down(struct dslite_tunnel *t, u8 diag, const char *reason);
int dslite_tunnel_set_up(struct dslite_tunnel *t);
unsigned int dslite_tunnels_gen(void);
struct dslite_tunnel *dslite_tunnel_next(struct dslite_tunnel *pos,
					 const struct net *net);

/* netlink.c */
int dslite_genl_init(void);
void dslite_genl_exit(void);
void dslite_genl_notify(const struct dslite_tunnel *t, u8 event);

#endif /* _DSLITE_H */
