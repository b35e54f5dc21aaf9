// SPDX-License-Identifier: GPL-2.0
/*
 * The "dslite" generic netlink family: see include/uapi/linux/dslite.h for
 * the commands and attributes.
 */
#include <linux/jiffies.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ip6_tunnel.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "dslite.h"

static const struct nla_policy get_policy[DSLITE_A_MAX + 1] = {
	[DSLITE_A_IFINDEX]	= { .type = NLA_U32 },
	[DSLITE_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static const struct nla_policy set_policy[DSLITE_A_MAX + 1] = {
	[DSLITE_A_IFINDEX]	= { .type = NLA_U32 },
	[DSLITE_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[DSLITE_A_CARRIER]	= NLA_POLICY_MAX(NLA_U8, 1),
	[DSLITE_A_DIAG]		= { .type = NLA_U8 },
	/* Length checked by hand, for an error message that names it. */
	[DSLITE_A_REASON]	= { .type = NLA_NUL_STRING },
};

static struct genl_family dslite_family;

enum { DSLITE_MCGRP_EVENTS_ID };

static const struct genl_multicast_group dslite_mcgrps[] = {
	[DSLITE_MCGRP_EVENTS_ID] = { .name = DSLITE_MCGRP_EVENTS },
};

/*
 * since_ms(now, then): milliseconds between two jiffies64 values,
 * in 64 bits. jiffies_to_msecs() returns an unsigned int and wrapped after
 * 2^32 ms (49.7 days), and an unsigned long of jiffies wraps as soon on
 * 32-bit CPEs.
 */
static u64 since_ms(u64 now, u64 then)
{
	return jiffies64_to_msecs(now - then);
}

static int fill_tunnel(struct sk_buff *skb, const struct dslite_tunnel *t)
{
	const struct net_device *dev = t->dev;
	const struct ip6_tnl *tnl = netdev_priv(dev);

	if (nla_put_u32(skb, DSLITE_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, DSLITE_A_IFNAME, dev->name) ||
	    nla_put_in6_addr(skb, DSLITE_A_LOCAL, &tnl->parms.laddr) ||
	    nla_put_in6_addr(skb, DSLITE_A_REMOTE, &tnl->parms.raddr) ||
	    nla_put_u8(skb, DSLITE_A_CARRIER, netif_carrier_ok(dev)) ||
	    nla_put_u8(skb, DSLITE_A_OPER_UP,
		       netif_running(dev) && netif_oper_up(dev)) ||
	    nla_put_u8(skb, DSLITE_A_ADMIN_UP, !!(dev->flags & IFF_UP)) ||
	    nla_put_u8(skb, DSLITE_A_FORCED, t->forced) ||
	    nla_put_u8(skb, DSLITE_A_DIAG, t->diag) ||
	    (t->reason[0] && nla_put_string(skb, DSLITE_A_REASON, t->reason)) ||
	    nla_put_u64_64bit(skb, DSLITE_A_TRANSITIONS, t->transitions,
			      DSLITE_A_PAD) ||
	    nla_put_u64_64bit(skb, DSLITE_A_SINCE_MS,
			      since_ms(get_jiffies_64(), t->changed),
			      DSLITE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int put_tunnel(struct sk_buff *skb, const struct dslite_tunnel *t,
		      u32 portid, u32 seq, int flags, u8 cmd, u8 event,
		      struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dslite_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (fill_tunnel(skb, t) ||
	    (event && nla_put_u8(skb, DSLITE_A_EVENT, event))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The tracked tunnel selected by ifindex or name, or an ERR_PTR. */
static struct dslite_tunnel *lookup(struct net *net, struct nlattr **attrs,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *idx = attrs[DSLITE_A_IFINDEX];
	struct nlattr *name = attrs[DSLITE_A_IFNAME];
	struct dslite_tunnel *t;
	struct net_device *dev;

	if (idx && name) {
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "give either DSLITE_A_IFINDEX or DSLITE_A_IFNAME, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!idx && !name) {
		NL_SET_ERR_MSG(extack,
			       "missing DSLITE_A_IFINDEX or DSLITE_A_IFNAME");
		return ERR_PTR(-EINVAL);
	}
	dev = idx ? __dev_get_by_index(net, nla_get_u32(idx))
		  : __dev_get_by_name(net, nla_data(name));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, idx ?: name, "no such device");
		return ERR_PTR(-ENODEV);
	}
	t = dslite_tunnel_find(dev);
	if (!t) {
		NL_SET_ERR_MSG_ATTR(extack, idx ?: name,
				    "device is not an ip6tnl tunnel");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return t;
}

static int dslite_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_tunnel *t;
	struct sk_buff *msg;
	int err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	t = lookup(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto err_unlock;
	}
	err = put_tunnel(msg, t, info->snd_portid, info->snd_seq, 0,
			 DSLITE_CMD_TUNNEL_GET, 0, NULL);
	if (err)
		goto err_unlock;
	rtnl_unlock();
	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return err;
}

static int dslite_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct net *net = sock_net(skb->sk);
	struct dslite_tunnel *t = NULL;
	long skip = cb->args[0], n = 0;
	int err = 0;

	if (info->attrs[DSLITE_A_IFINDEX] || info->attrs[DSLITE_A_IFNAME]) {
		NL_SET_ERR_MSG(cb->extack,
			       "a dump takes no selector; ask for one tunnel without NLM_F_DUMP");
		return -EINVAL;
	}

	rtnl_lock();
	cb->seq = dslite_tunnels_gen();
	while ((t = dslite_tunnel_next(t, net))) {
		if (n++ < skip)
			continue;
		err = put_tunnel(skb, t, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq, NLM_F_MULTI,
				 DSLITE_CMD_TUNNEL_GET, 0, cb);
		if (err) {
			n--;
			break;
		}
	}
	rtnl_unlock();
	cb->args[0] = n;
	/* A full skb ends this round; the next call resumes after @n. */
	return err ? skb->len : 0;
}

static int dslite_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *diag_attr = attrs[DSLITE_A_DIAG];
	struct nlattr *reason_attr = attrs[DSLITE_A_REASON];
	const char *reason = "";
	struct dslite_tunnel *t;
	u8 carrier, diag;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DSLITE_A_CARRIER))
		return -EINVAL;
	carrier = nla_get_u8(attrs[DSLITE_A_CARRIER]);
	diag = diag_attr ? nla_get_u8(diag_attr) : 0;

	if (carrier) {
		if (diag) {
			NL_SET_ERR_MSG_ATTR(extack, diag_attr,
					    "DSLITE_A_DIAG must be 0 (none) with carrier up");
			return -EINVAL;
		}
		if (reason_attr) {
			NL_SET_ERR_MSG_ATTR(extack, reason_attr,
					    "DSLITE_A_REASON is only taken with carrier down");
			return -EINVAL;
		}
	} else {
		if (!diag_attr) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[DSLITE_A_CARRIER],
					    "carrier down needs DSLITE_A_DIAG (1..8)");
			return -EINVAL;
		}
		if (diag < DSLITE_DIAG_CONTROL_EXPIRED || diag > DSLITE_DIAG_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, diag_attr,
					    "DSLITE_A_DIAG must be a BFD diagnostic 1..8 with carrier down");
			return -EINVAL;
		}
	}
	if (reason_attr) {
		if (nla_len(reason_attr) > DSLITE_REASON_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, reason_attr,
					    "DSLITE_A_REASON is longer than 63 bytes");
			return -EINVAL;
		}
		reason = nla_data(reason_attr);
	}

	rtnl_lock();
	t = lookup(genl_info_net(info), attrs, extack);
	if (IS_ERR(t))
		err = PTR_ERR(t);
	else if (carrier)
		err = dslite_tunnel_set_up(t);
	else
		err = dslite_tunnel_set_down(t, diag, reason);
	rtnl_unlock();
	return err;
}

static const struct genl_ops dslite_ops[] = {
	{
		.cmd = DSLITE_CMD_TUNNEL_GET,
		.doit = dslite_nl_get_doit,
		.dumpit = dslite_nl_get_dumpit,
		.policy = get_policy,
		.maxattr = DSLITE_A_MAX,
	},
	{
		.cmd = DSLITE_CMD_TUNNEL_SET,
		.doit = dslite_nl_set_doit,
		.policy = set_policy,
		.maxattr = DSLITE_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family dslite_family __ro_after_init = {
	.name = DSLITE_GENL_NAME,
	.version = DSLITE_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = false,
	.module = THIS_MODULE,
	.ops = dslite_ops,
	.n_ops = ARRAY_SIZE(dslite_ops),
	.resv_start_op = DSLITE_CMD_TUNNEL_GET,
	.mcgrps = dslite_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dslite_mcgrps),
};

void dslite_genl_notify(const struct dslite_tunnel *t, u8 event)
{
	struct net *net = dev_net(t->dev);
	struct sk_buff *msg;

	if (!genl_has_listeners(&dslite_family, net, DSLITE_MCGRP_EVENTS_ID))
		return;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (put_tunnel(msg, t, 0, 0, 0, DSLITE_CMD_TUNNEL_EVENT, event, NULL)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&dslite_family, net, msg, 0,
				DSLITE_MCGRP_EVENTS_ID, GFP_KERNEL);
}

int __init dslite_genl_init(void)
{
	return genl_register_family(&dslite_family);
}

void dslite_genl_exit(void)
{
	genl_unregister_family(&dslite_family);
}
