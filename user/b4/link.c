// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: rtnetlink over libmnl. Reads an ip6tnl device (kind, mode,
 * endpoints), re-points its remote (RTM_NEWLINK with the device's whole
 * IFLA_INFO_DATA echoed back: ip6tnl's changelink resets every parameter
 * it is not given), adds the B4's 192.0.0.2 when the tunnel lacks it, and
 * watches the link events for a tunnel that goes away.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* glibc's <net/if.h> (through b4.h) before the uapi headers */
#include "dslitectl.h"
#include "b4.h"
#include "genl.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define RTNL_BUF	16384

struct mnl_socket *b4_rtnl_open(char *e, size_t elen)
{
	struct mnl_socket *nl;
	int one = 1;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl) {
		snprintf(e, elen, "rtnetlink socket: %s", strerror(errno));
		return NULL;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(e, elen, "rtnetlink bind: %s", strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

struct mnl_socket *b4_rtnl_watch_open(char *e, size_t elen)
{
	struct mnl_socket *nl;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!nl) {
		snprintf(e, elen, "rtnetlink socket: %s", strerror(errno));
		return NULL;
	}
	/* links (a tunnel deleted, created, its endpoints changed) and
	 * IPv6 addresses (the tunnel's local address added or removed) */
	if (mnl_socket_bind(nl, RTMGRP_LINK | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0) {
		snprintf(e, elen, "rtnetlink link events: %s", strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

struct watch_ctx {
	const int *ifindex;
	char (*names)[IFNAMSIZ];
	int n;
	unsigned int what;
};

static int watch_name(const struct nlattr *a, void *data)
{
	const char **name = data;

	if (mnl_attr_get_type(a) == IFLA_IFNAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*name = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static int watch_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct watch_ctx *w = data;
	const char *name = NULL;
	int i;

	if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR) {
		w->what |= B4_WATCH_ADDR;
		return MNL_CB_OK;
	}
	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), watch_name, &name);
	for (i = 0; i < w->n; i++)
		if (ifi->ifi_index == w->ifindex[i] ||
		    (name && !strcmp(name, w->names[i])))
			w->what |= B4_WATCH_LINK;
	return MNL_CB_OK;
}

unsigned int b4_rtnl_watch_read(struct mnl_socket *nl, const int *ifindex,
				char (*names)[IFNAMSIZ], int n)
{
	struct watch_ctx w = { .ifindex = ifindex, .names = names, .n = n };
	char buf[RTNL_BUF];
	ssize_t len;

	for (;;) {
		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len < 0)
			return errno == ENOBUFS ? w.what | B4_WATCH_LOST :
			       w.what;
		mnl_cb_run(buf, len, 0, 0, watch_cb, &w);
	}
}

static int extack_attr(const struct nlattr *a, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/*
 * talk(nl, nlh, cb, data, e, elen): send a request and run cb on every
 * reply until the ACK or the end of the dump. Returns 0 or -errno with
 * the kernel's message in e.
 */
static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data, char *e, size_t elen)
{
	static uint32_t seq;
	uint32_t portid = mnl_socket_get_portid(nl);
	char *buf;
	int ret = 0;

	if (!seq)
		seq = time(NULL);
	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		snprintf(e, elen, "%s", strerror(errno));
		return ret;
	}
	buf = malloc(RTNL_BUF);
	if (!buf) {
		snprintf(e, elen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (;;) {
		const struct nlmsghdr *h;
		ssize_t n = mnl_socket_recvfrom(nl, buf, RTNL_BUF);
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			snprintf(e, elen, "%s", strerror(errno));
			goto out;
		}
		len = n;
		for (h = (void *)buf; genl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq || h->nlmsg_pid != portid)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *er = mnl_nlmsg_get_payload(h);
				const char *msg = NULL;
				unsigned int off = sizeof(*er);

				if (er->error == 0)
					goto out;
				if (!(h->nlmsg_flags & NLM_F_CAPPED))
					off += er->msg.nlmsg_len - NLMSG_HDRLEN;
				if ((h->nlmsg_flags & NLM_F_ACK_TLVS) &&
				    NLMSG_HDRLEN + MNL_ALIGN(off) < h->nlmsg_len)
					mnl_attr_parse(h, off, extack_attr, &msg);
				ret = er->error;
				if (msg)
					snprintf(e, elen, "%s: %s",
						 strerror(-ret), msg);
				else
					snprintf(e, elen, "%s", strerror(-ret));
				goto out;
			}
			if (cb && cb(h, data) < 0) {
				ret = -EBADMSG;
				snprintf(e, elen, "malformed rtnetlink reply");
				goto out;
			}
			if (!(nlh->nlmsg_flags & (NLM_F_DUMP | NLM_F_ACK)))
				goto out;
		}
	}
out:
	free(buf);
	return ret;
}

static int iptun_attr(const struct nlattr *a, void *data)
{
	struct b4_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IPTUN_LOCAL:
		if (mnl_attr_get_payload_len(a) == sizeof(l->local))
			memcpy(&l->local, mnl_attr_get_payload(a),
			       sizeof(l->local));
		break;
	case IFLA_IPTUN_REMOTE:
		if (mnl_attr_get_payload_len(a) == sizeof(l->remote))
			memcpy(&l->remote, mnl_attr_get_payload(a),
			       sizeof(l->remote));
		break;
	case IFLA_IPTUN_PROTO:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0) {
			l->proto = mnl_attr_get_u8(a);
			l->has_proto = true;
		}
		break;
	}
	return MNL_CB_OK;
}

static int linkinfo_attr(const struct nlattr *a, void *data)
{
	struct b4_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_INFO_KIND:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 ||
		    mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->kind, sizeof(l->kind), "%.*s",
				 (int)mnl_attr_get_payload_len(a),
				 (const char *)mnl_attr_get_payload(a));
		break;
	case IFLA_INFO_DATA:
		mnl_attr_parse_nested(a, iptun_attr, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
	struct b4_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s",
				 mnl_attr_get_str(a));
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, linkinfo_attr, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct b4_link *l = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr, l);
}

static struct nlmsghdr *getlink_req(char *buf, const char *name, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (!ifindex)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nlh;
}

int b4_link_get(struct mnl_socket *nl, const char *name, int ifindex,
		struct b4_link *l, char *e, size_t elen)
{
	char buf[512], why[256];
	int ret;

	ret = talk(nl, getlink_req(buf, name, ifindex), link_cb, l, why,
		   sizeof(why));
	if (ret == -ENODEV) {
		snprintf(e, elen, "dev %s does not exist", name ? name : "?");
		return -ENODEV;
	}
	if (ret) {
		snprintf(e, elen, "dev %s: %s", name ? name : "?", why);
		return -1;
	}
	return 0;
}

/* The raw IFLA_INFO_DATA nest of a device, for changelink. */
struct info_data {
	char data[1024];
	size_t len;
	bool found;
};

static int copy_linkinfo(const struct nlattr *a, void *data)
{
	struct info_data *d = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_DATA &&
	    a->nla_len <= sizeof(d->data)) {
		memcpy(d->data, a, a->nla_len);
		d->len = a->nla_len;
		d->found = true;
	}
	return MNL_CB_OK;
}

static int copy_link(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO)
		mnl_attr_parse_nested(a, copy_linkinfo, data);
	return MNL_CB_OK;
}

static int info_data_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), copy_link, data);
}

int b4_link_set_remote(struct mnl_socket *nl, int ifindex,
		       const struct in6_addr *remote, char *e, size_t elen)
{
	struct info_data old = {};
	const struct nlattr *a;
	struct nlattr *li, *id;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	char buf[2048];
	int ret;

	ret = talk(nl, getlink_req(buf, NULL, ifindex), info_data_cb, &old, e,
		   elen);
	if (ret)
		return ret;
	if (!old.found) {
		snprintf(e, elen, "the device reports no tunnel parameters");
		return -EOPNOTSUPP;
	}

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ip6tnl");
	id = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_for_each_nested(a, (const struct nlattr *)old.data) {
		if (mnl_attr_get_type(a) == IFLA_IPTUN_REMOTE)
			continue;
		mnl_attr_put(nlh, a->nla_type, mnl_attr_get_payload_len(a),
			     mnl_attr_get_payload(a));
	}
	mnl_attr_put(nlh, IFLA_IPTUN_REMOTE, sizeof(*remote), remote);
	mnl_attr_nest_end(nlh, id);
	mnl_attr_nest_end(nlh, li);
	return talk(nl, nlh, NULL, NULL, e, elen);
}

struct addr_query {
	int ifindex;
	uint32_t addr;		/* network order */
	bool found;
};

static int addr_attr(const struct nlattr *a, void *data)
{
	struct addr_query *q = data;

	if (mnl_attr_get_type(a) == IFA_LOCAL &&
	    mnl_attr_get_payload_len(a) == 4 &&
	    !memcmp(mnl_attr_get_payload(a), &q->addr, 4))
		q->found = true;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_query *q = data;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != q->ifindex)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, q);
}

int b4_link_has_addr4(struct mnl_socket *nl, int ifindex, uint32_t addr)
{
	struct addr_query q = { .ifindex = ifindex, .addr = htonl(addr) };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	char buf[256], e[128];

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	if (talk(nl, nlh, addr_cb, &q, e, sizeof(e)))
		return -1;
	return q.found;
}

int b4_link_add_addr4(struct mnl_socket *nl, int ifindex, uint32_t addr,
		      int prefixlen, char *e, size_t elen)
{
	uint32_t a = htonl(addr);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	char buf[256];
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 4, &a);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &a);
	ret = talk(nl, nlh, NULL, NULL, e, elen);
	return ret == -EEXIST ? 0 : ret;
}
