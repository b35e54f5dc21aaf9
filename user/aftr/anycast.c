// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr: the anycast group membership of an attached AFTR (the
 * arguments, the .rodata and maps of bpf/dslite_aftr.h's "Anycast group",
 * and the PTB relay's tc filter). The order of the calls is in
 * anycast.h.
 *
 * The relay is a tc filter (cls_bpf, direct action) on the device's
 * clsact ingress, handle AFTR_RELAY_TC_HANDLE, priority
 * AFTR_RELAY_TC_PRIO: the filter holds the program, nothing is pinned
 * for it, and it goes with the device. It lets every packet it does not
 * relay continue to the next filter (TC_ACT_UNSPEC), so it coexists with
 * other tc programs.
 */
#include <errno.h>
#include <limits.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"
#include <dslite/xdp_probe.h>
#include "dslite_aftr.skel.h"

#include "aftr.h"
#include "anycast.h"
#include "dslitectl.h"

/* a unicast address a group member can have */
static bool unicast6(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	       !IN6_IS_ADDR_V4MAPPED(a);
}

static int parse_addr(const char *what, const char *kw, const char *val,
		      struct in6_addr *a)
{
	if (inet_pton(AF_INET6, val, a) != 1)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "%s \"%s\" is not an IPv6 address", kw, val);
	if (!unicast6(a))
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "%s %s is not a global unicast address",
				     kw, val);
	return 0;
}

int aftr_anycast_parse(const char *what, const char *kw, const char *val,
		       struct aftr_anycast *ac)
{
	struct in6_addr a;
	unsigned int i;
	int ret;

	if (kw_is(kw, "anycast")) {
		if (ac->member)
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "\"anycast\" given twice");
		ret = parse_addr(what, kw, val, &ac->addr);
		if (ret)
			return ret;
		ac->member = true;
	} else if (kw_is(kw, "peer")) {
		ret = parse_addr(what, kw, val, &a);
		if (ret)
			return ret;
		for (i = 0; i < ac->n_peers; i++)
			if (!memcmp(&ac->peers[i], &a, sizeof(a)))
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "peer %s given twice", val);
		if (ac->n_peers >= DSLITE_MAX_PEERS)
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "at most %d peers", DSLITE_MAX_PEERS);
		ac->peers[ac->n_peers++] = a;
	} else if (kw_is(kw, "relay-source")) {
		if (ac->have_source)
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "\"relay-source\" given twice");
		ret = parse_addr(what, kw, val, &ac->source);
		if (ret)
			return ret;
		ac->have_source = true;
	} else {
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "unexpected argument \"%s\"", kw);
	}
	return 0;
}

/*
 * each_addr6(ifname, fn, arg): fn(addr, arg) for each IPv6 address of this
 * host (ifname: of that device only), in getifaddrs() order, until one
 * returns nonzero. Returns that, 0 when none did, or -errno.
 */
static int each_addr6(const char *ifname,
		      int (*fn)(const struct in6_addr *addr, void *arg),
		      void *arg)
{
	struct ifaddrs *ifa, *p;
	int found = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (p = ifa; p && !found; p = p->ifa_next) {
		const struct sockaddr_in6 *sin6 = (const void *)p->ifa_addr;

		if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET6 ||
		    (ifname && strcmp(p->ifa_name, ifname)))
			continue;
		found = fn(&sin6->sin6_addr, arg);
	}
	freeifaddrs(ifa);
	return found;
}

static int same_addr(const struct in6_addr *addr, void *arg)
{
	return !memcmp(addr, arg, sizeof(*addr));
}

/* Is a an address of this host (ifname: of that device only)? */
static int local_addr(const struct in6_addr *a, const char *ifname)
{
	return each_addr6(ifname, same_addr, (void *)a);
}

struct other_addr {
	const struct in6_addr *skip;
	struct in6_addr *out;
};

static int other_global(const struct in6_addr *addr, void *arg)
{
	struct other_addr *o = arg;

	if (!unicast6(addr) || !memcmp(addr, o->skip, sizeof(*addr)))
		return 0;
	*o->out = *addr;
	return 1;
}

/* The first global address of ifname other than skip, in *out. */
static int device_addr(const char *ifname, const struct in6_addr *skip,
		       struct in6_addr *out)
{
	struct other_addr o = { skip, out };

	return each_addr6(ifname, other_global, &o);
}

/* The source address the kernel would choose toward dst, in *out. */
static int route_source(const struct in6_addr *dst, struct in6_addr *out)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(9),
				   .sin6_addr = *dst };
	socklen_t len = sizeof(sa);
	int fd, ok;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = !connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	     !getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	if (ok)
		*out = sa.sin6_addr;
	return ok;
}

/* net.ipv6.conf.IFNAME.forwarding: 1, 0, or -errno */
static int forwarding(const char *ifname)
{
	char path[128], v[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding",
		 ifname);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(v, sizeof(v), f))
		v[0] = '\0';
	fclose(f);
	return v[0] == '1';
}

static int check_group(const char *what, struct aftr_anycast *ac,
		       const char *ifname, bool node_id_given)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned int i;
	int r;

	if (!ac->member) {
		if (ac->n_peers || ac->relay_rate || ac->have_source)
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "\"%s\" needs \"anycast ADDR\"",
					     ac->n_peers ? "peer" : ac->relay_rate ?
					     "relay-rate" : "relay-source");
		return 0;
	}
	if (!node_id_given)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "\"anycast\" needs \"node-id N\" (0..255, a different one on each member)");
	for (i = 0; i < ac->n_peers; i++)
		if (!memcmp(&ac->peers[i], &ac->addr, sizeof(ac->addr)))
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "peer %s is the anycast address (peers are the other members' unicast addresses)",
					     inet_ntop(AF_INET6, &ac->addr, buf,
						       sizeof(buf)));
	if (!ac->n_peers)
		return 0;
	if (ac->n_peers > 1) {
		/* the copies but the last leave through bpf_fib_lookup(), which
		 * answers only for devices with forwarding on */
		r = forwarding(ifname);
		if (r < 0)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "reading net.ipv6.conf.%s.forwarding: %s",
					     ifname, strerror(-r));
		if (!r)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "relaying to more than one peer needs net.ipv6.conf.%s.forwarding=1 (the kernel looks up next hops for BPF only on forwarding devices; this setting alone forwards nothing)",
					     ifname);
	}

	if (ac->have_source) {
		if (!memcmp(&ac->source, &ac->addr, sizeof(ac->addr)))
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "relay-source must be this node's unicast address, not the anycast one");
		r = local_addr(&ac->source, NULL);
		if (r < 0)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "listing the addresses: %s",
					     strerror(-r));
		if (!r)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "relay-source %s is not an address of this host",
					     inet_ntop(AF_INET6, &ac->source, buf,
						       sizeof(buf)));
		return 0;
	}
	if (route_source(&ac->peers[0], &ac->source) &&
	    memcmp(&ac->source, &ac->addr, sizeof(ac->addr)))
		return 0;
	r = device_addr(ifname, &ac->addr, &ac->source);
	if (r < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "listing the addresses of %s: %s", ifname,
				     strerror(-r));
	if (!r)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s has no unicast IPv6 address besides the anycast one, and there is no route to peer %s: the relayed copies need a source (\"relay-source ADDR\")",
				     ifname, inet_ntop(AF_INET6, &ac->peers[0],
						       buf, sizeof(buf)));
	return 0;
}

int aftr_anycast_check(const char *what, struct aftr_anycast *ac,
		       const char *ifname, bool node_id_given)
{
	int r = check_group(what, ac, ifname, node_id_given);

	if (r || !ac->n_peers)
		return r;
	/* the relay flags a PTB for TC in the XDP metadata area */
	if (!dslite_probe_xdp_adjust_meta())
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "this kernel does not let XDP programs call bpf_xdp_adjust_meta(), which relaying Packet Too Big to a peer needs (attach without \"peer\" to answer BFD and ping only)");
	return 0;
}

/* max_entries of the map name pinned for ifname, 0 if none */
static uint32_t pinned_size(const char *ifname, const char *name)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	aftr_pin_path(ifname, name, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.max_entries = 0;
	close(fd);
	return info.max_entries;
}

int aftr_anycast_setup(const char *what, const struct aftr_anycast *ac,
		       struct dslite_aftr *skel, const char *ifname,
		       uint32_t sessions)
{
	uint32_t rate, burst, softwires = DSLITE_DEF_SOFTWIRES, pinned;
	struct dslite_anycast_cfg *c;

	if (ac->member) {
		c = (struct dslite_anycast_cfg *)&skel->rodata->dslite_anycast;
		rate = ac->relay_rate ? ac->relay_rate : DSLITE_DEF_RELAY_RATE;
		/* a tenth of a second of copies, and at least one PTB's */
		burst = rate / 10;
		if (burst < ac->n_peers)
			burst = ac->n_peers;
		if (!burst)
			burst = 1;
		c->member = 1;
		memcpy(c->addr.addr, &ac->addr, 16);
		memcpy(c->source.addr, &ac->source, 16);
		c->n_peers = ac->n_peers;
		c->relay_rate = rate;
		c->relay_burst = burst;
		c->owner_idle_ms = DSLITE_DEF_OWNER_IDLE_MS;
		/* one softwire per B4: as many as sessions */
		if (!sessions)
			sessions = pinned_size(ifname, DSLITE_MAP_DISCRS);
		softwires = sessions ? sessions : DSLITE_DEF_SESSIONS;
	}
	pinned = pinned_size(ifname, DSLITE_MAP_SOFTWIRES);
	if (pinned && pinned != softwires)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: the pinned %s holds %u softwires, %s needs %u (the group membership or the sessions changed: \"dslitectl aftr detach dev %s\" first, which drops the sessions)",
				     ifname, DSLITE_MAP_SOFTWIRES, pinned,
				     ac->member ? "a member" : "a node outside any group",
				     softwires, ifname);
	if (bpf_map__set_max_entries(skel->maps.dslite_softwires, softwires))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "sizing %s: %s", DSLITE_MAP_SOFTWIRES,
				     strerror(errno));
	return 0;
}

int aftr_anycast_fill(const char *what, const struct aftr_anycast *ac,
		      struct dslite_aftr *skel)
{
	__u32 i, flags = DSLITE_LOCAL_PING;

	if (!ac->member)
		return 0;
	for (i = 0; i < ac->n_peers; i++)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.dslite_peers), &i,
					&ac->peers[i], BPF_ANY))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "filling %s: %s", DSLITE_MAP_PEERS,
					     strerror(errno));
	/* ICMPv6 echo to the anycast address is answered from it */
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.dslite_local), &ac->addr,
				&flags, BPF_ANY))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "adding the anycast address to %s: %s",
				     DSLITE_MAP_LOCAL, strerror(errno));
	return 0;
}

static const struct aftr_tc relay_filter = {
	.what = "PTB relay", .prog = AFTR_RELAY_PROG,
	.handle = AFTR_RELAY_TC_HANDLE, .prio = AFTR_RELAY_TC_PRIO,
};

int aftr_anycast_attach(const char *what, const struct aftr_anycast *ac,
			struct dslite_aftr *skel, int ifindex)
{
	char ifname[IF_NAMESIZE] = "?";

	if_indextoname(ifindex, ifname);
	if (!ac->member || !ac->n_peers)
		return aftr_tc_remove(what, &relay_filter, ifindex, ifname);
	return aftr_tc_put(what, &relay_filter, ifindex, ifname,
			   bpf_program__fd(skel->progs.dslite_ptb_relay));
}

int aftr_anycast_detach(const char *what, const char *ifname)
{
	int ifindex = if_nametoindex(ifname);

	/* no device: it and its filters are gone */
	return aftr_tc_remove(what, &relay_filter, ifindex, ifname);
}
