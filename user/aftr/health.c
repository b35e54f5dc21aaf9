// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr health: the health of an anycast group member, and the
 * route that announces it (route health injection through the kernel).
 *
 *   aftr health run dev IFNAME anycast ADDR[/LEN] [CHECKS] [TIMERS] ...
 *	the supervisor, a long-running process: every interval it runs the
 *	checks the command line picks, judges the member fit or unfit
 *	(health.h: rise, fall, hold-down), and while it is fit and not
 *	drained keeps the route ADDR/LEN (dev lo, protocol 77 "dslite") in
 *	the kernel's main table; a BGP daemon (FRR's bgpd with "redistribute
 *	kernel", BIRD's "protocol kernel" with "learn") announces that
 *	route to the routers and withdraws it when it goes. The anycast
 *	address itself stays where it is: only the route comes and goes.
 *   aftr health status|drain|resume [dev IFNAME]
 *	the supervisor's report, and the drain mode for maintenance (the
 *	route is withdrawn, the checks go on), over its control socket.
 *
 * The checks (each named in the events, the report and the metrics):
 *   xdp      the responder's link on IFNAME is attached, and the program
 *	      answers an ICMPv6 echo request to the anycast address run
 *	      through it (BPF_PROG_TEST_RUN: nothing is sent; it counts in
 *	      tx_ping6)
 *   uplink   the uplink (IFNAME unless "uplink" names another) is up with
 *	      its carrier
 *   nat      "nat-dev": the NAT's external interface is up, with its
 *	      carrier and an IPv4 address
 *   probe    "probe IPV4": an ICMP echo to an external target, out of
 *	      nat-dev when given, answered within the interval
 *   pcp      "pcp IPV4": a PCP server answers an ANNOUNCE with SUCCESS
 *	      within the interval
 *
 * Events are lines on stdout (one JSON object each with -j). The control
 * socket follows the B4 daemon's (b4/ctl.c): HEALTH_CTL_DIR/IFNAME.sock
 * in PID 1's network namespace, HEALTH_CTL_DIR/COOKIE/IFNAME.sock in any
 * other, directories 0700 owned by root, the socket 0600, SO_PEERCRED
 * checked on both ends; IFNAME.lock held for the supervisor's life. One
 * line per request: "status", "status json", "status json pretty",
 * "metrics", "drain", "resume".
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"
#include "dslite/pcp.h"

#include "aftr.h"
#include "ctl_client.h"
#include "ctl_server.h"
#include "health.h"
#include "json.h"
#include "kw.h"
#include "metrics.h"

#define HEALTH_CTL_DIR		"/run/dslite/aftr-health"
#define PCP_PORT		5351

static const struct ctl_server health_ctl_server = {
	.name = "health supervisor",
	.short_name = "supervisor",
	.base = HEALTH_CTL_DIR,
	.unknown_ns_cookie = true,
};

enum health_check {
	HC_XDP,
	HC_UPLINK,
	HC_NAT,
	HC_PROBE,
	HC_PCP,
	HC__MAX,
};

static const char *const check_names[HC__MAX] = {
	[HC_XDP] = "xdp",
	[HC_UPLINK] = "uplink",
	[HC_NAT] = "nat",
	[HC_PROBE] = "probe",
	[HC_PCP] = "pcp",
};

struct health_args {
	char dev[DSLITECTL_IFNAMSIZ];
	char uplink[DSLITECTL_IFNAMSIZ];
	char nat_dev[DSLITECTL_IFNAMSIZ];
	char route_dev[DSLITECTL_IFNAMSIZ];
	struct in6_addr anycast;
	uint8_t plen;
	struct in_addr probe, pcp;
	uint32_t interval_ms, rise, fall, hold_down_ms;
	uint32_t proto, metric, table;
	uint8_t drain;
	char ready[256];
	uint64_t seen;
};

enum health_kw {
	H_DEV,
	H_ANYCAST,
	H_UPLINK,
	H_NAT_DEV,
	H_PROBE,
	H_PCP,
	H_INTERVAL,
	H_RISE,
	H_FALL,
	H_HOLD_DOWN,
	H_ROUTE_DEV,
	H_PROTO,
	H_METRIC,
	H_TABLE,
	H_DRAIN,
	H_READY,
	H__MAX,
};

#define GIVEN(a, k)	(((a)->seen >> (k)) & 1)

/* one check's state */
struct check {
	bool on;		/* picked on the command line */
	bool ok;		/* its last result */
	bool ran;		/* it ran at least once */
	char why[160];		/* why it failed */
	uint64_t failures;	/* failed rounds */
	uint64_t changes;
};

struct health {
	struct health_args a;
	struct aftr_health_fsm fsm;
	struct check c[HC__MAX];
	bool drained, announced;
	uint64_t announcements, withdrawals, route_errors, rounds;
	uint64_t since_rt_ms;		/* last change of announced */
	uint64_t started_rt_ms;
	char last_reason[160];		/* of the last withdrawal */
	/* sockets */
	int epfd, icmpfd, pcpfd, ioctlfd;
	struct mnl_socket *nl;
	unsigned int nl_seq;
	struct ctl_srv ctl;		/* the control socket */
	/* the probe and the PCP exchange of the current round */
	uint16_t probe_id, probe_seq;
	bool probe_answered, pcp_answered;
	int pcp_result;			/* -1: no answer */
	bool probe_sent, pcp_sent;
	char probe_err[96], pcp_err[96];
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

/* ------------------------------------------------------------------ */
/* Arguments                                                            */

static int kw_ifname(const struct kw_ctx *x, const struct kw *k,
		     const char *v, void *obj)
{
	char *field = (char *)obj + k->off;

	return parse_ifname(x->what, v, field) ? DSLITECTL_EXIT_USAGE : 0;
}

static int kw_anycast(const struct kw_ctx *x, const struct kw *k,
		      const char *v, void *obj)
{
	struct health_args *a = obj;
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(v, '/');
	uint64_t len = 128;

	(void)k;
	if (strlen(v) >= sizeof(buf))
		return kw_err(x, "anycast \"%s\" is not an IPv6 address or prefix", v);
	snprintf(buf, sizeof(buf), "%s", v);
	if (slash) {
		buf[slash - v] = '\0';
		if (parse_uint(slash + 1, 128, &len) || len == 0)
			return kw_err(x, "anycast \"%s\": the prefix length must be 1..128", v);
	}
	if (inet_pton(AF_INET6, buf, &a->anycast) != 1)
		return kw_err(x, "anycast \"%s\" is not an IPv6 address or prefix", v);
	if (IN6_IS_ADDR_MULTICAST(&a->anycast) ||
	    IN6_IS_ADDR_LINKLOCAL(&a->anycast) ||
	    IN6_IS_ADDR_LOOPBACK(&a->anycast) ||
	    IN6_IS_ADDR_UNSPECIFIED(&a->anycast) ||
	    IN6_IS_ADDR_V4MAPPED(&a->anycast))
		return kw_err(x, "anycast %s is not a global unicast address", buf);
	a->plen = len;
	return 0;
}

static int kw_ipv4(const struct kw_ctx *x, const struct kw *k, const char *v,
		   void *obj)
{
	struct in_addr *in = (struct in_addr *)((char *)obj + k->off);
	uint32_t h;

	if (inet_pton(AF_INET, v, in) != 1)
		return kw_err(x, "%s \"%s\" is not an IPv4 address", k->name, v);
	h = ntohl(in->s_addr);
	if (!h || IN_MULTICAST(h) || h == INADDR_BROADCAST || (h >> 24) == 127)
		return kw_err(x, "%s %s is not a unicast address", k->name, v);
	return 0;
}

static int kw_ready(const struct kw_ctx *x, const struct kw *k, const char *v,
		    void *obj)
{
	struct health_args *a = obj;

	(void)k;
	if (!v[0] || strlen(v) >= sizeof(a->ready))
		return kw_err(x, "ready \"%s\": not a usable file name", v);
	snprintf(a->ready, sizeof(a->ready), "%s", v);
	return 0;
}

#define H(member)	KW_FIELD(struct health_args, member)

static const struct kw health_rows[H__MAX] = {
	[H_DEV]		= { "dev", KW_CUSTOM, KW_REQ, H(dev), .parse = kw_ifname,
			    .arg = "IFNAME",
			    .help = "the device the responder is attached to" },
	[H_ANYCAST]	= { "anycast", KW_CUSTOM, KW_REQ, .parse = kw_anycast,
			    .arg = "ADDR[/LEN]",
			    .help = "the group's address: the route ADDR/LEN is announced\n(LEN default 128); the self-probe asks ADDR" },
	[H_UPLINK]	= { "uplink", KW_CUSTOM, 0, H(uplink), .parse = kw_ifname,
			    .arg = "IFNAME",
			    .help = "the device whose carrier is checked (default: dev)" },
	[H_NAT_DEV]	= { "nat-dev", KW_CUSTOM, 0, H(nat_dev),
			    .parse = kw_ifname, .arg = "IFNAME",
			    .help = "the NAT's external interface: up, carrier, an IPv4 address" },
	[H_PROBE]	= { "probe", KW_CUSTOM, 0, H(probe), .parse = kw_ipv4,
			    .arg = "IPV4",
			    .help = "an external target answering ICMP echo (out of nat-dev)" },
	[H_PCP]		= { "pcp", KW_CUSTOM, 0, H(pcp), .parse = kw_ipv4,
			    .arg = "IPV4",
			    .help = "a PCP server answering ANNOUNCE with SUCCESS" },
	[H_INTERVAL]	= { "interval", KW_UINT, KW_DEF, 100, 60000,
			    H(interval_ms), .unit = "ms", .arg = "MS",
			    .def = 1000,
			    .help = "between rounds of checks, {range} (default {def})" },
	[H_RISE]	= { "rise", KW_UINT, KW_DEF, 1, 100, H(rise),
			    .arg = "N", .def = 3,
			    .help = "good rounds in a row to become fit, {range} (default {def})" },
	[H_FALL]	= { "fall", KW_UINT, KW_DEF, 1, 100, H(fall),
			    .arg = "N", .def = 3,
			    .help = "bad rounds in a row to become unfit, {range} (default {def})" },
	[H_HOLD_DOWN]	= { "hold-down", KW_UINT, KW_DEF, 0, 3600000,
			    H(hold_down_ms), .unit = "ms", .arg = "MS",
			    .def = 30000,
			    .help = "unfit for at least this long, {range} (default {def})" },
	[H_ROUTE_DEV]	= { "route-dev", KW_CUSTOM, 0, H(route_dev),
			    .parse = kw_ifname, .arg = "IFNAME",
			    .help = "the device of the route (default lo)" },
	[H_PROTO]	= { "proto", KW_UINT, KW_DEF, 5, 255, H(proto),
			    .arg = "N", .def = 77,
			    .help = "the route's protocol number, {range} (default {def})" },
	[H_METRIC]	= { "metric", KW_UINT, KW_DEF, 0, UINT32_MAX, H(metric),
			    .arg = "N", .def = 1024,
			    .help = "the route's metric (default {def})" },
	[H_TABLE]	= { "table", KW_UINT, KW_DEF, 1, UINT32_MAX, H(table),
			    .arg = "N", .def = RT_TABLE_MAIN,
			    .help = "the routing table (default {def}, main)" },
	[H_DRAIN]	= { "drain", KW_BOOL, 0, H(drain), .arg = "on|off",
			    .help = "start drained (default off)" },
	[H_READY]	= { "ready", KW_CUSTOM, 0, .parse = kw_ready,
			    .arg = "FILE",
			    .help = "created once the control socket listens" },
};

static const struct kw_table health_kw = {
	KW_TABLE(health_rows),
	.number = "a number ",
	.quote = "\"",
	.unknown = "unexpected argument",
	.object = "aftr",
};

static int parse_health(const char *what, int argc, char **argv,
			struct health_args *a)
{
	struct kw_ctx x = { .what = what, .t = &health_kw, .seen = &a->seen };
	int ret;

	kw_defaults(&health_kw, a);
	ret = kw_parse(&x, argc, argv, a);
	if (ret)
		return ret;
	if (!a->dev[0])
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "missing \"dev IFNAME\"");
	if (!GIVEN(a, H_ANYCAST))
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "missing \"anycast ADDR[/LEN]\"");
	if (!a->uplink[0])
		memcpy(a->uplink, a->dev, sizeof(a->dev));
	if (!a->route_dev[0])
		snprintf(a->route_dev, sizeof(a->route_dev), "lo");
	if (a->table == RT_TABLE_LOCAL || a->table == RT_TABLE_UNSPEC ||
	    a->table == RT_TABLE_COMPAT)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "table %u is reserved (use main, 254, or a table of your own)",
				     a->table);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events                                                               */

static void event_head(const struct health *h, const char *event)
{
	char ts[32];

	aftr_mono_to_real(mono_ns(), ts, sizeof(ts));
	print_open_object(NULL);
	print_name("dev", "%s: ", h->a.dev);
	print_string("event", "%s", event);
	print_string("time", NULL, ts);
	print_uint("at-ms", NULL, realtime_ms());
}

static void event_end(struct health *h)
{
	(void)h;
	print_close_object();
	print_end();
}

static const char *prefix_str(const struct health *h, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &h->a.anycast, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, h->a.plen);
	return buf;
}

/* ------------------------------------------------------------------ */
/* The route                                                            */

/* route_msg(h, type, flags): ADDR/LEN dev ROUTE_DEV proto N metric M */
static int route_msg(struct health *h, uint16_t type, uint16_t flags)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	unsigned int ifindex, seq, portid;
	struct in6_addr dst = h->a.anycast;
	unsigned int i;
	int r;

	ifindex = if_nametoindex(h->a.route_dev);
	if (!ifindex)
		return -ENODEV;
	/* the prefix, without the host bits */
	for (i = h->a.plen; i < 128; i++)
		dst.s6_addr[i / 8] &= ~(0x80 >> (i % 8));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq = ++h->nl_seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = h->a.plen;
	rtm->rtm_table = h->a.table < 256 ? h->a.table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = h->a.proto;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, sizeof(dst), &dst);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, h->a.metric);
	mnl_attr_put_u32(nlh, RTA_TABLE, h->a.table);

	portid = mnl_socket_get_portid(h->nl);
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		r = mnl_socket_recvfrom(h->nl, buf, sizeof(buf));
		if (r < 0)
			return -errno;
		r = mnl_cb_run(buf, r, seq, portid, NULL, NULL);
		if (r <= MNL_CB_STOP)
			return r < 0 ? -errno : 0;
	}
}

static void route_event(struct health *h, const char *event, int err,
			const char *reason)
{
	char p[INET6_ADDRSTRLEN + 8];

	event_head(h, event);
	print_name("prefix", " %s", prefix_str(h, p, sizeof(p)));
	print_name("route-dev", " dev %s", h->a.route_dev);
	print_uint("proto", " proto %" PRIu64, h->a.proto);
	print_uint("table", h->a.table == RT_TABLE_MAIN ? NULL :
		   " table %" PRIu64, h->a.table);
	print_name("reason", reason ? " (%s)" : NULL, reason);
	if (err)
		print_name("error", ": failed: %s", strerror(-err));
	event_end(h);
}

/* announce(h): the route in place; EEXIST is fine (it already is) */
static int announce(struct health *h, bool quiet)
{
	int err = route_msg(h, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);

	if (err == -EEXIST)
		return 0;
	if (err) {
		h->route_errors++;
		route_event(h, "announce-failed", err, NULL);
		return err;
	}
	if (!quiet)
		route_event(h, "announced", 0, NULL);
	else
		route_event(h, "re-announced", 0,
			    "the route was removed by someone else");
	return 0;
}

/* withdraw(h, reason): the route gone; ESRCH: it was not there */
static int withdraw(struct health *h, const char *reason, bool quiet)
{
	int err = route_msg(h, RTM_DELROUTE, 0);

	if (err == -ESRCH || err == -ENOENT)
		return quiet ? 0 : (route_event(h, "withdrawn", 0, reason), 0);
	if (err) {
		h->route_errors++;
		route_event(h, "withdraw-failed", err, reason);
		return err;
	}
	route_event(h, quiet ? "withdrawn-stale" : "withdrawn", 0, reason);
	return 0;
}

/* apply(h, reason): the route follows fit && !drained */
static void apply(struct health *h, const char *reason)
{
	bool want = h->fsm.fit && !h->drained;

	if (want == h->announced)
		return;
	if (want) {
		if (announce(h, false))
			return;
		h->announcements++;
	} else {
		snprintf(h->last_reason, sizeof(h->last_reason), "%s", reason);
		if (withdraw(h, reason, false))
			return;
		h->withdrawals++;
	}
	h->announced = want;
	h->since_rt_ms = realtime_ms();
}

/* ------------------------------------------------------------------ */
/* The checks                                                           */

static bool fail(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return false;
}

/* link_ok(h, c, ifname): up, with its carrier (IFF_RUNNING) */
static bool link_ok(struct health *h, struct check *c, const char *ifname)
{
	struct ifreq ifr = {};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(h->ioctlfd, SIOCGIFFLAGS, &ifr))
		return fail(c, "%s: %s", ifname, errno == ENODEV ?
			    "no such device" : strerror(errno));
	if (!(ifr.ifr_flags & IFF_UP))
		return fail(c, "%s is down", ifname);
	if (!(ifr.ifr_flags & IFF_RUNNING))
		return fail(c, "%s has no carrier", ifname);
	return true;
}

/* the self-probe: an ICMPv6 echo request to the anycast address */
static int self_probe(struct health *h, int prog_fd, const struct aftr_dev *d)
{
	struct {
		uint8_t eth[14];
		uint8_t ip6[40];
		uint8_t icmp[16];
	} __attribute__((packed)) f = {};
	struct dslite_lpm6_key key;
	uint32_t sum = 0, plen = sizeof(f.icmp);
	uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	unsigned int i;
	int fd;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = &f,
		.data_size_in = sizeof(f),
		.repeat = 1,
	);

	/* a source the allowlist permits: its first prefix, if it has one */
	fd = aftr_dev_map(d, DSLITE_MAP_ALLOW);
	if (fd >= 0) {
		if (!bpf_map_get_next_key(fd, NULL, &key)) {
			memcpy(src, key.addr, 16);
			src[15] |= 1;
		}
		close(fd);
	}
	f.eth[0] = 0x02;
	f.eth[6 + 0] = 0x02;
	f.eth[11] = 1;
	f.eth[12] = 0x86;
	f.eth[13] = 0xdd;
	f.ip6[0] = 0x60;
	f.ip6[5] = sizeof(f.icmp);
	f.ip6[6] = IPPROTO_ICMPV6;
	f.ip6[7] = 64;
	memcpy(f.ip6 + 8, src, 16);
	memcpy(f.ip6 + 24, &h->a.anycast, 16);
	f.icmp[0] = 128;			/* echo request */
	f.icmp[4] = 0x64;			/* identifier */
	f.icmp[5] = 0x73;
	memcpy(f.icmp + 8, "dslitehc", 8);
	/* checksum over the pseudo-header and the message */
	for (i = 0; i < 32; i += 2)
		sum += (f.ip6[8 + i] << 8) | f.ip6[8 + i + 1];
	sum += plen + IPPROTO_ICMPV6;
	for (i = 0; i < sizeof(f.icmp); i += 2)
		sum += (f.icmp[i] << 8) | f.icmp[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	f.icmp[2] = sum >> 8;
	f.icmp[3] = sum & 0xff;
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	return opts.retval;
}

static bool check_xdp(struct health *h, struct check *c)
{
	struct aftr_dev d;
	int prog_fd, r;
	bool ok = false;
	char a[INET6_ADDRSTRLEN];

	char dir[PATH_MAX];
	struct stat st;

	/* aftr_dev_open() prints when there are no pins: ask first */
	aftr_pin_path(h->a.dev, NULL, dir, sizeof(dir));
	if (stat(dir, &st) || aftr_dev_open("aftr health", h->a.dev, &d))
		return fail(c, "no responder attached to %s", h->a.dev);
	if (!d.live) {
		fail(c, "the responder's link on %s is not attached", h->a.dev);
		goto out;
	}
	prog_fd = bpf_prog_get_fd_by_id(d.prog_id);
	if (prog_fd < 0) {
		fail(c, "the responder's program %u: %s", d.prog_id,
		     strerror(errno));
		goto out;
	}
	r = self_probe(h, prog_fd, &d);
	close(prog_fd);
	inet_ntop(AF_INET6, &h->a.anycast, a, sizeof(a));
	if (r < 0)
		fail(c, "self-probe: %s", strerror(-r));
	else if (r != XDP_TX)
		fail(c, "the responder does not answer an echo request to %s (verdict %d)",
		     a, r);
	else
		ok = true;
out:
	aftr_dev_close(&d);
	return ok;
}

static bool check_nat(struct health *h, struct check *c)
{
	struct ifaddrs *ifa, *p;
	bool found = false;

	if (!link_ok(h, c, h->a.nat_dev))
		return false;
	if (getifaddrs(&ifa))
		return fail(c, "listing addresses: %s", strerror(errno));
	for (p = ifa; p && !found; p = p->ifa_next)
		found = p->ifa_addr && p->ifa_addr->sa_family == AF_INET &&
			!strcmp(p->ifa_name, h->a.nat_dev);
	freeifaddrs(ifa);
	if (!found)
		return fail(c, "%s has no IPv4 address", h->a.nat_dev);
	return true;
}

static uint16_t csum16(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* the probe's and the PCP exchange's requests of this round */
static void send_probes(struct health *h)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (h->icmpfd >= 0) {
		struct icmphdr ic = { .type = ICMP_ECHO };

		ic.un.echo.id = htons(h->probe_id);
		ic.un.echo.sequence = htons(++h->probe_seq);
		ic.checksum = csum16(&ic, sizeof(ic));
		sin.sin_addr = h->a.probe;
		h->probe_answered = false;
		h->probe_sent = sendto(h->icmpfd, &ic, sizeof(ic), 0,
				       (struct sockaddr *)&sin, sizeof(sin)) > 0;
		if (!h->probe_sent)
			snprintf(h->probe_err, sizeof(h->probe_err), "%s",
				 strerror(errno));
	}
	if (h->pcpfd >= 0) {
		uint8_t req[24] = { 2, 0 };		/* version 2, ANNOUNCE */
		struct sockaddr_in me;
		socklen_t len = sizeof(me);

		/* the client address: the source the kernel picked */
		if (!getsockname(h->pcpfd, (struct sockaddr *)&me, &len)) {
			req[18] = req[19] = 0xff;
			memcpy(req + 20, &me.sin_addr, 4);
		}
		h->pcp_answered = false;
		h->pcp_result = -1;
		h->pcp_sent = send(h->pcpfd, req, sizeof(req), 0) > 0;
		if (!h->pcp_sent)
			snprintf(h->pcp_err, sizeof(h->pcp_err), "%s",
				 strerror(errno));
	}
}

static void icmp_input(struct health *h)
{
	uint8_t buf[256];
	ssize_t n;

	while ((n = recv(h->icmpfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		const struct iphdr *ip = (const struct iphdr *)buf;
		const struct icmphdr *ic;
		size_t hl;

		if ((size_t)n < sizeof(*ip))
			continue;
		hl = ip->ihl * 4;
		if ((size_t)n < hl + sizeof(*ic))
			continue;
		ic = (const struct icmphdr *)(buf + hl);
		if (ic->type == ICMP_ECHOREPLY &&
		    ip->saddr == h->a.probe.s_addr &&
		    ntohs(ic->un.echo.id) == h->probe_id &&
		    ntohs(ic->un.echo.sequence) == h->probe_seq)
			h->probe_answered = true;
	}
}

static void pcp_input(struct health *h)
{
	uint8_t buf[1100];
	ssize_t n;

	while ((n = recv(h->pcpfd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0 ||
	       errno == ECONNREFUSED) {
		if (n < 0) {
			snprintf(h->pcp_err, sizeof(h->pcp_err),
				 "nothing listens on port %d", PCP_PORT);
			continue;
		}
		if (n < 24 || buf[0] != 2 || buf[1] != 0x80)
			continue;
		h->pcp_answered = true;
		h->pcp_result = buf[3];
	}
}

static bool check_probe(struct health *h, struct check *c)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &h->a.probe, a, sizeof(a));
	if (!h->probe_seq)
		return fail(c, "no echo request sent to %s yet", a);
	if (!h->probe_sent)
		return fail(c, "echo request to %s: %s", a, h->probe_err);
	if (!h->probe_answered)
		return fail(c, "%s did not answer within %u ms", a,
			    h->a.interval_ms);
	return true;
}

static bool check_pcp(struct health *h, struct check *c)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &h->a.pcp, a, sizeof(a));
	if (!h->pcp_sent)
		return fail(c, "PCP ANNOUNCE to %s: %s", a,
			    h->pcp_err[0] ? h->pcp_err : "not sent yet");
	if (!h->pcp_answered)
		return fail(c, "PCP server %s did not answer within %u ms%s%s", a,
			    h->a.interval_ms, h->pcp_err[0] ? ": " : "",
			    h->pcp_err);
	if (h->pcp_result)
		return fail(c, "PCP server %s answered %s", a,
			    pcp_result_name(h->pcp_result) ?
			    pcp_result_name(h->pcp_result) : "an unknown result");
	return true;
}

static void check_event(struct health *h, enum health_check i)
{
	struct check *c = &h->c[i];

	event_head(h, c->ok ? "check-ok" : "check-failing");
	print_name("check", " %s", check_names[i]);
	print_name("reason", c->ok ? NULL : ": %s", c->ok ? NULL : c->why);
	event_end(h);
}

static void fsm_event(struct health *h, const char *event, uint64_t now)
{
	char why[200] = "";
	unsigned int i;

	for (i = 0; i < HC__MAX; i++)
		if (h->c[i].on && !h->c[i].ok) {
			snprintf(why, sizeof(why), "%s: %s", check_names[i],
				 h->c[i].why);
			break;
		}
	event_head(h, event);
	if (!strcmp(event, "fit")) {
		print_uint("rise", " after %" PRIu64 " good rounds",
			   h->fsm.rise);
	} else if (!strcmp(event, "unfit")) {
		print_uint("fall", " after %" PRIu64 " bad rounds",
			   h->fsm.fall);
		print_name("reason", " (%s)", why);
	} else {
		print_uint("hold-down-left-ms",
			   ": good again, held down for %" PRIu64 " ms",
			   aftr_health_hold_left(&h->fsm, now) / NSEC_PER_MSEC);
	}
	event_end(h);
}

/* round(h): every check, the judgement, the route */
static void health_round(struct health *h)
{
	uint64_t now = mono_ns();
	bool all = true, was_held;
	enum aftr_health_change ch;
	unsigned int i;

	if (h->icmpfd >= 0)
		icmp_input(h);
	if (h->pcpfd >= 0)
		pcp_input(h);
	for (i = 0; i < HC__MAX; i++) {
		struct check *c = &h->c[i];
		bool ok;

		if (!c->on)
			continue;
		switch (i) {
		case HC_XDP:
			ok = check_xdp(h, c);
			break;
		case HC_UPLINK:
			ok = link_ok(h, c, h->a.uplink);
			break;
		case HC_NAT:
			ok = check_nat(h, c);
			break;
		case HC_PROBE:
			ok = check_probe(h, c);
			break;
		default:
			ok = check_pcp(h, c);
			break;
		}
		if (!ok)
			c->failures++;
		if (!c->ran || ok != c->ok) {
			bool first = !c->ran;

			c->ok = ok;
			c->ran = true;
			if (!first)
				c->changes++;
			/* the first round says only what fails */
			if (!first || !ok)
				check_event(h, i);
		}
		all &= ok;
	}
	h->rounds++;
	was_held = h->fsm.ok_run >= h->fsm.rise;
	ch = aftr_health_step(&h->fsm, all, now);
	if (ch == AFTR_HEALTH_FIT)
		fsm_event(h, "fit", now);
	else if (ch == AFTR_HEALTH_UNFIT)
		fsm_event(h, "unfit", now);
	else if (ch == AFTR_HEALTH_HELD && !was_held)
		fsm_event(h, "held-down", now);
	apply(h, "unfit");
	/* the route stays while announced, whoever removed it */
	if (h->announced && ch == AFTR_HEALTH_SAME)
		announce(h, true);
	send_probes(h);
}

/* ------------------------------------------------------------------ */
/* The control socket                                                   */

/* the supervisor's side of the shared server (ctl_server.c): epoll keys
 * CTL_KEY for the listening socket, CTL_KEY + 1 + slot for the clients */
#define CTL_KEY	1000

static int ctl_watch(struct ctl_srv *c, int slot, int fd)
{
	struct health *h = c->owner;
	struct epoll_event ev = { .events = EPOLLIN,
				  .data.u64 = CTL_KEY + 1 + slot };

	return epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void ctl_unwatch(struct ctl_srv *c, int slot, int fd)
{
	struct health *h = c->owner;

	(void)slot;
	epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void ctl_answer(struct ctl_srv *c, const char *req, FILE *f);

static const struct ctl_srv_ops health_ctl_ops = {
	.watch = ctl_watch,
	.unwatch = ctl_unwatch,
	.answer = ctl_answer,
};

static int ctl_listen(const char *what, struct health *h)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = CTL_KEY };
	char e[256];

	if (ctl_srv_listen(&h->ctl, h->a.dev, e, sizeof(e)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s", e);
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->ctl.fd, &ev))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "epoll: %s",
				     strerror(errno));
	return 0;
}

static void report_check(struct health *h, unsigned int i)
{
	struct check *c = &h->c[i];

	print_open_object(NULL);
	print_name("check", "  check %s:", check_names[i]);
	if (!c->ran) {
		print_nulls("ok", "reason", NULL);
		print_text(" not run yet");
	} else {
		print_bool("ok", " %s", c->ok, "ok", "failing");
		print_name("reason", c->ok ? NULL : " (%s)",
			   c->ok ? NULL : c->why);
	}
	print_uint("failures", ", failed rounds %" PRIu64, c->failures);
	print_uint("changes", ", changes %" PRIu64, c->changes);
	print_text("\n");
	print_close_object();
}

static void report(struct health *h)
{
	uint64_t now = mono_ns(), now_rt = realtime_ms();
	char p[INET6_ADDRSTRLEN + 8];
	unsigned int i;

	print_open_object(NULL);
	print_name("dev", "%s:", h->a.dev);
	print_bool("fit", " %s", h->fsm.fit, "fit", "unfit");
	print_bool("drained", h->drained ? ", drained" : NULL, h->drained,
		   "", "");
	print_bool("announced", ", route %s", h->announced, "announced",
		   "withdrawn");
	print_name("prefix", " %s", prefix_str(h, p, sizeof(p)));
	print_name("route-dev", " dev %s", h->a.route_dev);
	print_uint("proto", " proto %" PRIu64, h->a.proto);
	print_uint("table", " table %" PRIu64, h->a.table);
	print_uint("since-ms", NULL, h->since_rt_ms);
	print_uint("for-ms", ", for %" PRIu64 " ms", now_rt - h->since_rt_ms);
	print_text("\n");
	print_uint("rise", "  rise %" PRIu64, h->fsm.rise);
	print_uint("fall", " fall %" PRIu64, h->fsm.fall);
	print_uint("interval", " interval %" PRIu64 " ms", h->a.interval_ms);
	print_uint("hold-down", " hold-down %" PRIu64 " ms",
		   h->a.hold_down_ms);
	print_uint("hold-down-left-ms", " (left %" PRIu64 " ms)",
		   aftr_health_hold_left(&h->fsm, now) / NSEC_PER_MSEC);
	print_uint("good-rounds", ", good rounds in a row %" PRIu64,
		   h->fsm.ok_run);
	print_uint("bad-rounds", ", bad %" PRIu64, h->fsm.bad_run);
	print_uint("rounds", ", rounds %" PRIu64, h->rounds);
	print_text("\n");
	print_uint("to-fit", "  transitions to fit %" PRIu64, h->fsm.to_fit);
	print_uint("to-unfit", ", to unfit %" PRIu64, h->fsm.to_unfit);
	print_uint("announcements", ", announcements %" PRIu64,
		   h->announcements);
	print_uint("withdrawals", ", withdrawals %" PRIu64, h->withdrawals);
	print_uint("route-errors", ", route errors %" PRIu64, h->route_errors);
	print_name("last-withdrawal", h->withdrawals ?
		   ", last withdrawal: %s" : NULL,
		   h->withdrawals ? h->last_reason : NULL);
	print_uint("pid", ", pid %" PRIu64, (uint64_t)getpid());
	print_text("\n");
	print_open_array("checks");
	for (i = 0; i < HC__MAX; i++)
		if (h->c[i].on)
			report_check(h, i);
	print_close_array();
	print_close_object();
	if (print_is_json())
		print_end();
}

#define MP	"dslite_aftr_health_"

static void render_metrics(struct health *h, FILE *f)
{
	const char *dev = h->a.dev;
	char p[INET6_ADDRSTRLEN + 8];
	unsigned int i;

	prefix_str(h, p, sizeof(p));
	metrics_head(f, MP "fit", "gauge",
		     "1 when the health supervisor judges this member fit to serve.");
	metrics_u64(f, MP "fit", h->fsm.fit, "dev", dev, "prefix", p, NULL);
	metrics_head(f, MP "drained", "gauge",
		     "1 while the member is drained for maintenance.");
	metrics_u64(f, MP "drained", h->drained, "dev", dev, "prefix", p, NULL);
	metrics_head(f, MP "announced", "gauge",
		     "1 while the anycast route is in the kernel for the BGP daemon to announce.");
	metrics_u64(f, MP "announced", h->announced, "dev", dev, "prefix", p,
		    NULL);
	metrics_head(f, MP "transitions_total", "counter",
		     "Judgement changes, by the state reached.");
	metrics_u64(f, MP "transitions_total", h->fsm.to_fit, "dev", dev,
		    "prefix", p, "to", "fit", NULL);
	metrics_u64(f, MP "transitions_total", h->fsm.to_unfit, "dev", dev,
		    "prefix", p, "to", "unfit", NULL);
	metrics_head(f, MP "route_changes_total", "counter",
		     "Anycast route announcements and withdrawals.");
	metrics_u64(f, MP "route_changes_total", h->announcements, "dev", dev,
		    "prefix", p, "action", "announce", NULL);
	metrics_u64(f, MP "route_changes_total", h->withdrawals, "dev", dev,
		    "prefix", p, "action", "withdraw", NULL);
	metrics_head(f, MP "route_errors_total", "counter",
		     "Route changes the kernel refused.");
	metrics_u64(f, MP "route_errors_total", h->route_errors, "dev", dev,
		    "prefix", p, NULL);
	metrics_head(f, MP "check_ok", "gauge",
		     "1 when the check passed in the last round, by check.");
	for (i = 0; i < HC__MAX; i++)
		if (h->c[i].on)
			metrics_u64(f, MP "check_ok", h->c[i].ran && h->c[i].ok,
				    "dev", dev, "check", check_names[i], NULL);
	metrics_head(f, MP "check_failures_total", "counter",
		     "Rounds in which the check failed, by check.");
	for (i = 0; i < HC__MAX; i++)
		if (h->c[i].on)
			metrics_u64(f, MP "check_failures_total",
				    h->c[i].failures, "dev", dev, "check",
				    check_names[i], NULL);
	metrics_head(f, MP "rounds_total", "counter", "Rounds of checks.");
	metrics_u64(f, MP "rounds_total", h->rounds, "dev", dev, NULL);
}

static void drain_event(struct health *h, bool on)
{
	event_head(h, on ? "drain" : "resume");
	print_text(on ? ": withdrawing for maintenance" :
		   ": announced again when fit");
	event_end(h);
}

static void ctl_answer(struct ctl_srv *c, const char *req, FILE *f)
{
	struct health *h = c->owner;

	if (kw_is(req, "metrics")) {
		render_metrics(h, f);
		return;
	}
	if (kw_is(req, "drain") || kw_is(req, "resume")) {
		bool on = kw_is(req, "drain");

		if (on != h->drained) {
			h->drained = on;
			drain_event(h, on);
			apply(h, on ? "drained" : "resumed");
		}
		fprintf(f, "%s: %s, route %s\n", h->a.dev,
			on ? "drained" : "not drained",
			h->announced ? "announced" : "withdrawn");
		return;
	}
	if (kw_is(req, "status")) {
		print_init_stream(f, false, false);
	} else if (kw_is(req, "status json") ||
		   kw_is(req, "status json pretty")) {
		print_init_stream(f, true, strstr(req, "pretty") != NULL);
	} else {
		fprintf(f, "error: unknown request\n");
		return;
	}
	report(h);
	print_init(dslitectl_opts.json, dslitectl_opts.pretty);
}

/* ------------------------------------------------------------------ */
/* aftr health run                                                      */

static int open_sockets(const char *what, struct health *h)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char err[160];

	h->ioctlfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (h->ioctlfd < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "socket: %s",
				     strerror(errno));
	h->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!h->nl || mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "rtnetlink: %s",
				     strerror(errno));
	if (GIVEN(&h->a, H_PROBE)) {
		h->icmpfd = raw_socket(AF_INET, IPPROTO_ICMP, "probe", err,
				       sizeof(err));
		if (h->icmpfd < 0)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s", err);
		if (h->a.nat_dev[0] &&
		    setsockopt(h->icmpfd, SOL_SOCKET, SO_BINDTODEVICE,
			       h->a.nat_dev, strlen(h->a.nat_dev) + 1))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "probe: binding to %s: %s",
					     h->a.nat_dev, strerror(errno));
		h->probe_id = (getpid() ^ 0x6473) & 0xffff;
		ev.data.u64 = 10;
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->icmpfd, &ev))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "epoll: %s", strerror(errno));
	}
	if (GIVEN(&h->a, H_PCP)) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons(PCP_PORT),
					   .sin_addr = h->a.pcp };

		h->pcpfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK |
				  SOCK_CLOEXEC, 0);
		if (h->pcpfd < 0 ||
		    connect(h->pcpfd, (struct sockaddr *)&sin, sizeof(sin)))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "pcp: %s", strerror(errno));
		ev.data.u64 = 11;
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->pcpfd, &ev))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "epoll: %s", strerror(errno));
	}
	return 0;
}

static int check_devices(const char *what, struct health *h)
{
	const char *devs[] = { h->a.dev, h->a.uplink, h->a.route_dev,
			       h->a.nat_dev[0] ? h->a.nat_dev : NULL };
	unsigned int i;

	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (devs[i] && !if_nametoindex(devs[i]))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
					     devs[i], errno == ENODEV ?
					     "no such device" : strerror(errno));
	return 0;
}

static void start_event(struct health *h)
{
	char p[INET6_ADDRSTRLEN + 8], checks[64] = "";
	unsigned int i;

	for (i = 0; i < HC__MAX; i++)
		if (h->c[i].on) {
			strcat(checks, checks[0] ? "," : "");
			strcat(checks, check_names[i]);
		}
	event_head(h, "start");
	print_name("prefix", " %s", prefix_str(h, p, sizeof(p)));
	print_name("checks", " checks %s", checks);
	print_uint("rise", " rise %" PRIu64, h->a.rise);
	print_uint("fall", " fall %" PRIu64, h->a.fall);
	print_uint("interval", " interval %" PRIu64 " ms", h->a.interval_ms);
	print_uint("hold-down", " hold-down %" PRIu64 " ms", h->a.hold_down_ms);
	print_bool("drained", h->drained ? " drained" : NULL, h->drained, "",
		   "");
	print_uint("pid", " pid %" PRIu64, (uint64_t)getpid());
	event_end(h);
}

static int health_run(int argc, char **argv)
{
	const char *what = "aftr health run";
	struct health h = { .epfd = -1, .icmpfd = -1, .pcpfd = -1,
			    .ioctlfd = -1 };
	struct epoll_event evs[8];
	uint64_t next;
	sigset_t orig;
	int ret, i, n;

	ctl_srv_init(&h.ctl, &health_ctl_server, &health_ctl_ops, &h);
	ret = parse_health(what, argc, argv, &h.a);
	if (ret)
		return ret;
	ret = check_devices(what, &h);
	if (ret)
		return ret;
	aftr_set_libbpf_print();
	h.c[HC_XDP].on = h.c[HC_UPLINK].on = true;
	h.c[HC_NAT].on = h.a.nat_dev[0] != 0;
	h.c[HC_PROBE].on = GIVEN(&h.a, H_PROBE);
	h.c[HC_PCP].on = GIVEN(&h.a, H_PCP);
	h.drained = h.a.drain;
	aftr_health_init(&h.fsm, h.a.rise, h.a.fall,
			 (uint64_t)h.a.hold_down_ms * NSEC_PER_MSEC);

	watch_signals(on_signal, &orig);
	h.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h.epfd < 0) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "epoll: %s",
				    strerror(errno));
		goto out;
	}
	ret = open_sockets(what, &h);
	if (!ret)
		ret = ctl_listen(what, &h);
	if (ret)
		goto out;
	h.started_rt_ms = h.since_rt_ms = realtime_ms();
	start_event(&h);
	/* a route left by a supervisor that was killed: not fit yet */
	withdraw(&h, "starting", true);
	if (h.a.ready[0]) {
		struct watch_opts o = { .ready = h.a.ready };

		ret = watch_ready(what, &o);
		if (ret)
			goto out;
	}

	next = mono_ns();
	while (!stop_sig) {
		uint64_t now = mono_ns();
		int timeout;

		if (now >= next) {
			health_round(&h);
			next += (uint64_t)h.a.interval_ms * NSEC_PER_MSEC;
			if (next <= now)	/* suspended, or very late */
				next = now + (uint64_t)h.a.interval_ms *
					     NSEC_PER_MSEC;
			ctl_srv_expire(&h.ctl, now);
			continue;
		}
		timeout = (next - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
		n = epoll_pwait(h.epfd, evs, 8, timeout, &orig);
		if (n < 0 && errno != EINTR) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "epoll: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			uint64_t k = evs[i].data.u64;

			if (k == 10)
				icmp_input(&h);
			else if (k == 11)
				pcp_input(&h);
			else if (k == CTL_KEY)
				ctl_srv_accept(&h.ctl);
			else if (k > CTL_KEY && k <= CTL_KEY + CTL_SRV_CLIENTS)
				ctl_srv_read(&h.ctl, k - CTL_KEY - 1);
		}
	}
	if (stop_sig) {
		event_head(&h, "stop");
		print_text(": %s", stop_sig == SIGTERM ? "SIGTERM" : "SIGINT");
		event_end(&h);
	}
	/* whatever the reason we stop, the route goes with us */
	if (h.announced) {
		if (!withdraw(&h, "stopping", false))
			h.withdrawals++;
		h.announced = false;
	}
out:
	ctl_srv_close(&h.ctl);
	if (h.nl)
		mnl_socket_close(h.nl);
	if (h.icmpfd >= 0)
		close(h.icmpfd);
	if (h.pcpfd >= 0)
		close(h.pcpfd);
	if (h.ioctlfd >= 0)
		close(h.ioctlfd);
	if (h.epfd >= 0)
		close(h.epfd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The clients: status, drain, resume, and the metrics                  */

static int client_dir(const char *what, char *dir, size_t len)
{
	bool ns_dir;
	int r = ctl_dir(&health_ctl_server, dir, len, &ns_dir);

	if (r == -EACCES || r == -EPERM)
		return ctl_no_access(what, &health_ctl_server, "/proc/1/ns/net", -r);
	if (r)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "which network namespace: %s",
				     strerror(-r));
	return 0;
}

static int health_client(const char *what, int argc, char **argv,
			 const char *req)
{
	char dev[DSLITECTL_IFNAMSIZ] = "", dir[64];
	char names[8][DSLITECTL_IFNAMSIZ];
	int r, n;

	for (; argc > 0; argc -= 2, argv += 2) {
		if (!kw_is(argv[0], "dev"))
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "unexpected argument \"%s\" (try \"dslitectl aftr help\")",
					     argv[0]);
		if (need_arg(what, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		if (dev[0])
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "\"dev\" given twice");
		if (parse_ifname(what, argv[1], dev))
			return DSLITECTL_EXIT_USAGE;
	}
	r = client_dir(what, dir, sizeof(dir));
	if (r)
		return r;
	if (!dev[0]) {
		n = ctl_find(dir, names, 8);
		if (n == -EACCES)
			return ctl_no_access(what, &health_ctl_server, dir, EACCES);
		if (n <= 0)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "no health supervisor runs in this network namespace");
		if (n > 1)
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "several health supervisors run: give \"dev IFNAME\"");
		memcpy(dev, names[0], sizeof(dev));
	}
	return ctl_ask(what, &health_ctl_server, dir, dev, req, stdout);
}

int aftr_health_metrics_collect(const char *what, struct metrics_texts *t)
{
	char names[8][DSLITECTL_IFNAMSIZ], dir[64];
	bool ns_dir;
	int n, i, r, ret = 0;

	r = ctl_dir(&health_ctl_server, dir, sizeof(dir), &ns_dir);
	if (r)
		return 0;	/* no supervisor can have bound here either */
	n = ctl_find(dir, names, 8);
	if (n < 0)
		return ctl_no_access(what, &health_ctl_server, dir, -n);
	for (i = 0; i < n; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
					     strerror(errno));
		r = ctl_ask(what, &health_ctl_server, dir, names[i], "metrics\n", f);
		fclose(f);
		if (r || !buf || metrics_texts_add(t, buf)) {
			free(buf);
			if (!ret)
				ret = r ? r : DSLITECTL_EXIT_ERROR;
		}
	}
	return ret;
}

int aftr_health(int argc, char **argv)
{
	const char *req;

	if (argc == 0) {
		aftr_health_usage(stderr);
		return DSLITECTL_EXIT_USAGE;
	}
	if (kw_is(argv[0], "run"))
		return health_run(argc - 1, argv + 1);
	if (kw_is(argv[0], "status")) {
		if (!dslitectl_opts.json)
			req = "status\n";
		else if (dslitectl_opts.pretty)
			req = "status json pretty\n";
		else
			req = "status json\n";
		return health_client("aftr health status", argc - 1, argv + 1,
				     req);
	}
	if (kw_is(argv[0], "drain"))
		return health_client("aftr health drain", argc - 1, argv + 1,
				     "drain\n");
	if (kw_is(argv[0], "resume"))
		return health_client("aftr health resume", argc - 1, argv + 1,
				     "resume\n");
	return dslitectl_err(DSLITECTL_EXIT_USAGE, "aftr health",
			     "unknown command \"%s\" (try \"dslitectl aftr help\")",
			     argv[0]);
}

void aftr_health_usage(FILE *f)
{
	kw_synopsis(f, &health_kw, "       dslitectl aftr health run ", 30, 80);
	fprintf(f,
		"       dslitectl [-j] aftr health status [dev IFNAME]\n"
		"       dslitectl aftr health drain|resume [dev IFNAME]\n");
}

void aftr_health_usage_long(FILE *f)
{
	fprintf(f, "aftr health run: the member's health, and its anycast route\n");
	kw_usage(f, &health_kw, 24);
}
