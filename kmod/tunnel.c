// SPDX-License-Identifier: GPL-2.0
/*
 * Tracking of ip6tnl devices and their forced carrier state.
 *
 * A netdevice notifier creates a struct dslite_tunnel for every ip6tnl
 * device when it registers (registering the notifier replays that for the
 * devices that already exist, in every namespace) and frees it when the
 * device unregisters or leaves its namespace. Carrier changes, whoever makes
 * them, show up as NETDEV_CHANGE (or, for a device that is administratively
 * down, at the next NETDEV_UP) and are compared against the last carrier the
 * module saw, so every transition is counted once and announced once.
 *
 * Everything here runs under the RTNL.
 */
#include <linux/jiffies.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/version.h>
#include <net/ip6_tunnel.h>
#include <net/net_namespace.h>

#include "dslite.h"

static LIST_HEAD(tunnels);
static unsigned int tunnels_gen = 1;	/* bumped when the list changes */
static bool unloading;

static bool is_fallback(const struct net_device *dev)
{
	/* Each namespace's "ip6tnl0" is pinned to its namespace. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	return dev->netns_immutable;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return dev->netns_local;
#else
	return dev->features & NETIF_F_NETNS_LOCAL;
#endif
}

bool dslite_dev_is_tunnel(const struct net_device *dev)
{
	return dev->rtnl_link_ops && !strcmp(dev->rtnl_link_ops->kind, "ip6tnl") &&
	       !is_fallback(dev);
}

struct dslite_tunnel *dslite_tunnel_find(const struct net_device *dev)
{
	struct dslite_tunnel *t;

	ASSERT_RTNL();
	list_for_each_entry(t, &tunnels, list)
		if (t->dev == dev)
			return t;
	return NULL;
}

/* A dump that saw two generations may have skipped or repeated a tunnel. */
unsigned int dslite_tunnels_gen(void)
{
	ASSERT_RTNL();
	return tunnels_gen;
}

/* The tunnel after @pos (or the first one) in namespace @net, or NULL. */
struct dslite_tunnel *dslite_tunnel_next(struct dslite_tunnel *pos,
					 const struct net *net)
{
	ASSERT_RTNL();
	pos = pos ? list_next_entry(pos, list)
		  : list_first_entry(&tunnels, struct dslite_tunnel, list);
	list_for_each_entry_from(pos, &tunnels, list)
		if (net_eq(dev_net(pos->dev), net))
			return pos;
	return NULL;
}

static void notify(const struct dslite_tunnel *t, u8 event)
{
	if (!READ_ONCE(unloading))
		dslite_genl_notify(t, event);
}

static void read_params(struct dslite_tunnel *t)
{
	const struct ip6_tnl *tnl = netdev_priv(t->dev);

	t->local = tnl->parms.laddr;
	t->remote = tnl->parms.raddr;
	strscpy(t->ifname, t->dev->name, sizeof(t->ifname));
}

/*
 * Bring the cached view in line with the device and announce what changed.
 * A forced carrier-down is re-asserted if anything turned the carrier on.
 * Returns true if a carrier change was announced.
 */
static bool sync_tunnel(struct dslite_tunnel *t)
{
	bool carrier_event = false;
	struct net_device *dev = t->dev;
	bool admin_up = dev->flags & IFF_UP;
	const struct ip6_tnl *tnl = netdev_priv(dev);

	if (t->forced == DSLITE_FORCED_CARRIER_DOWN && netif_carrier_ok(dev))
		netif_carrier_off(dev);

	if (admin_up != t->admin_up) {
		t->admin_up = admin_up;
		notify(t, DSLITE_EVENT_LINK);
	}
	if (netif_carrier_ok(dev) != t->carrier) {
		t->carrier = netif_carrier_ok(dev);
		t->transitions++;
		t->changed = get_jiffies_64();
		notify(t, DSLITE_EVENT_CARRIER);
		carrier_event = true;
	}
	if (!ipv6_addr_equal(&tnl->parms.laddr, &t->local) ||
	    !ipv6_addr_equal(&tnl->parms.raddr, &t->remote) ||
	    strcmp(dev->name, t->ifname)) {
		read_params(t);
		notify(t, DSLITE_EVENT_PARAMS);
	}
	return carrier_event;
}

static int track(struct net_device *dev)
{
	struct dslite_tunnel *t;

	if (dslite_tunnel_find(dev))
		return 0;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->dev = dev;
	netdev_hold(dev, &t->dev_tracker, GFP_KERNEL);
	t->carrier = netif_carrier_ok(dev);
	t->admin_up = dev->flags & IFF_UP;
	t->changed = get_jiffies_64();
	read_params(t);
	list_add_tail(&t->list, &tunnels);
	tunnels_gen++;
	notify(t, DSLITE_EVENT_NEW);
	return 0;
}

static void untrack(struct dslite_tunnel *t)
{
	struct net_device *dev = t->dev;

	/*
	 * A device that lives on (moving to another namespace, or the module
	 * going away) must not be left without its carrier.
	 */
	if (t->forced == DSLITE_FORCED_CARRIER_DOWN &&
	    dev->reg_state == NETREG_REGISTERED)
		netif_carrier_on(dev);
	notify(t, DSLITE_EVENT_DEL);
	list_del(&t->list);
	tunnels_gen++;
	netdev_put(dev, &t->dev_tracker);
	kfree(t);
}

int dslite_tunnel_set_down(struct dslite_tunnel *t, u8 diag, const char *reason)
{
	bool changed = t->forced != DSLITE_FORCED_CARRIER_DOWN ||
		       t->diag != diag || strcmp(t->reason, reason);

	ASSERT_RTNL();
	if (!changed)
		return 0;
	if (t->forced != DSLITE_FORCED_CARRIER_DOWN)
		t->changed = get_jiffies_64();
	t->forced = DSLITE_FORCED_CARRIER_DOWN;
	t->diag = diag;
	strscpy(t->reason, reason, sizeof(t->reason));
	/* A carrier change is announced with the new diag and reason. */
	if (!sync_tunnel(t))
		notify(t, DSLITE_EVENT_STATE);
	return 0;
}

int dslite_tunnel_set_up(struct dslite_tunnel *t)
{
	ASSERT_RTNL();
	if (t->forced == DSLITE_FORCED_NONE)
		return 0;
	t->forced = DSLITE_FORCED_NONE;
	t->diag = DSLITE_DIAG_NONE;
	t->reason[0] = '\0';
	t->changed = get_jiffies_64();
	if (!netif_carrier_ok(t->dev))
		netif_carrier_on(t->dev);
	if (!sync_tunnel(t))
		notify(t, DSLITE_EVENT_STATE);
	return 0;
}

static int dslite_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct dslite_tunnel *t;

	if (!dslite_dev_is_tunnel(dev))
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_REGISTER:
		if (!READ_ONCE(unloading) && track(dev))
			return notifier_from_errno(-ENOMEM);
		break;
	case NETDEV_UNREGISTER:
		t = dslite_tunnel_find(dev);
		if (t)
			untrack(t);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
	case NETDEV_CHANGENAME:
		if (READ_ONCE(unloading))
			break;
		t = dslite_tunnel_find(dev);
		if (t)
			sync_tunnel(t);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block dslite_netdev_nb = {
	.notifier_call = dslite_netdev_event,
};

int dslite_tunnel_init(void)
{
	return register_netdevice_notifier(&dslite_netdev_nb);
}

void dslite_tunnel_exit(void)
{
	/*
	 * Unregistering replays NETDEV_UNREGISTER for every device, which
	 * untracks each tunnel and gives forced ones their carrier back.
	 */
	WRITE_ONCE(unloading, true);
	unregister_netdevice_notifier(&dslite_netdev_nb);
	WARN_ON(!list_empty(&tunnels));
}
