// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: the softwire lookup of ping and pcp (see softwire.h): one
 * RTM_GETLINK dump, ip6tnl devices picked by IFLA_INFO_KIND.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "softwire.h"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>

#define MAX_FOUND	8

struct dump {
	const char *name;		/* wanted, or NULL */
	struct softwire found[MAX_FOUND];
	int n;				/* candidates seen (may exceed) */
	bool named_seen;		/* a device of that name exists */
	char named_kind[32];		/* its kind */
};

static void parse_info_data(const struct nlattr *data, struct softwire *sw)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, data) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IPTUN_LOCAL:
			if (mnl_attr_get_payload_len(a) == 16)
				memcpy(&sw->local, mnl_attr_get_payload(a), 16);
			break;
		case IFLA_IPTUN_REMOTE:
			if (mnl_attr_get_payload_len(a) == 16)
				memcpy(&sw->remote, mnl_attr_get_payload(a), 16);
			break;
		case IFLA_IPTUN_PROTO:
			if (mnl_attr_get_payload_len(a) >= 1)
				sw->proto = mnl_attr_get_u8(a);
			break;
		}
	}
}

static int link_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *info = NULL, *data = NULL;
	struct dump *d = arg;
	struct softwire sw;
	char kind[32] = "";

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(&sw, 0, sizeof(sw));
	sw.ifindex = ifm->ifi_index;
	sw.up = ifm->ifi_flags & IFF_UP;
	sw.carrier = ifm->ifi_flags & IFF_LOWER_UP;
	mnl_attr_for_each(a, nlh, sizeof(*ifm)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			snprintf(sw.name, sizeof(sw.name), "%s",
				 mnl_attr_get_str(a));
			break;
		case IFLA_CARRIER:
			sw.carrier = mnl_attr_get_u8(a);
			break;
		case IFLA_LINKINFO:
			info = a;
			break;
		}
	}
	if (info) {
		mnl_attr_for_each_nested(a, info) {
			if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
				snprintf(kind, sizeof(kind), "%s",
					 mnl_attr_get_str(a));
			else if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
				data = a;
		}
	}
	if (d->name) {
		if (strcmp(d->name, sw.name))
			return MNL_CB_OK;
		d->named_seen = true;
		snprintf(d->named_kind, sizeof(d->named_kind), "%s", kind);
	}
	if (strcmp(kind, "ip6tnl"))
		return MNL_CB_OK;
	if (data)
		parse_info_data(data, &sw);
	if (!d->name && (IN6_IS_ADDR_UNSPECIFIED(&sw.remote) ||
			 (sw.proto != IPPROTO_IPIP && sw.proto != 0)))
		return MNL_CB_OK;
	if (d->n < MAX_FOUND)
		d->found[d->n] = sw;
	d->n++;
	return MNL_CB_OK;
}

static int dump_links(struct dump *d, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 2];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	uint32_t seq, portid;
	int ret;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return -1;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq = time(NULL);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(errno));
		mnl_socket_close(nl);
		return -1;
	}
	while ((ret = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, ret, seq, portid, link_cb, d);
		if (ret <= MNL_CB_STOP)
			break;
	}
	mnl_socket_close(nl);
	if (ret < 0) {
		snprintf(err, errlen, "rtnetlink link dump: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int softwire_get(const char *name, struct softwire *sw, char *err,
		 size_t errlen)
{
	struct dump d;
	size_t off;
	int i;

	memset(&d, 0, sizeof(d));
	d.name = name;
	if (dump_links(&d, err, errlen))
		return -1;
	if (name) {
		if (!d.named_seen) {
			snprintf(err, errlen, "%s: no such device", name);
			return -1;
		}
		if (!d.n) {
			snprintf(err, errlen, "%s: not an ip6tnl device (kind %s)",
				 name, d.named_kind[0] ? d.named_kind : "none");
			return -1;
		}
		if (d.found[0].proto != IPPROTO_IPIP && d.found[0].proto != 0) {
			snprintf(err, errlen,
				 "%s: does not carry IPv4 (ip6tnl mode ip6ip6)",
				 name);
			return -1;
		}
		*sw = d.found[0];
		return 0;
	}
	if (d.n == 1) {
		*sw = d.found[0];
		return 0;
	}
	if (!d.n) {
		snprintf(err, errlen, "no ip6tnl softwire with a remote address in this namespace (give dev IFNAME)");
		return -1;
	}
	off = snprintf(err, errlen, "%d softwires (", d.n);
	for (i = 0; i < d.n && i < MAX_FOUND && off < errlen; i++)
		off += snprintf(err + off, errlen - off, "%s%s", i ? ", " : "",
				d.found[i].name);
	if (off < errlen)
		snprintf(err + off, errlen - off, "): give dev IFNAME");
	return -1;
}
