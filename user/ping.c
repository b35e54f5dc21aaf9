// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl ping: ICMP echo to the AFTR's softwire end, 192.0.0.1, by
 * hand. Needs no daemon and no module.
 *
 * Through the tunnel (the default) or, for an AFTR other than the tunnel's
 * remote, no tunnel at all, or a tunnel without carrier, encapsulated
 * directly: see ping.h. The sockets, the packet and the reply check
 * (the ping_* functions) are shared with the B4 daemon's ping health
 * method.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include "clock.h"
#include "dslitectl.h"
#include "wire.h"
#include "json.h"
#include "ping.h"
#include "softwire.h"

#include <dslite/proto.h>
#include <linux/filter.h>

#define WHAT		"ping"
#define DATA_LEN	PING_DATA_LEN
#define DEF_COUNT	5
#define DEF_INTERVAL_MS	1000
#define DEF_TIMEOUT_MS	2000
#define MAX_MS		3600000

enum path { PATH_TUNNEL, PATH_DIRECT };

struct reply {
	uint32_t seq;
	uint8_t ttl;
	uint16_t bytes;
	uint64_t rtt_ns;
};

struct ping {
	/* arguments */
	struct softwire sw;
	bool have_sw;
	struct in6_addr aftr;
	uint64_t count;			/* 0: until interrupted */
	uint32_t interval_ms, timeout_ms;
	/* run */
	enum path path;
	const char *why_direct;
	int fd, sfd;
	uint16_t id;
	uint32_t sent, received, dups, late, others;
	uint64_t rtt_min, rtt_max, rtt_sum;
	uint64_t *sent_ns;		/* per seq, 0: not sent */
	uint8_t *seen;			/* per seq, bitmap */
	struct reply *replies;
	size_t n_replies, cap_replies;
	uint64_t start_ns;
};

static void ping_usage(FILE *f)
{
	fprintf(f,
		"Usage: dslitectl [-j] ping [dev IFNAME] [aftr ADDR] [count N]\n"
		"                           [interval MS] [timeout MS]\n"
		"\n"
		"ICMP echo to 192.0.0.1, the AFTR's end of the softwire: through the\n"
		"tunnel IFNAME (default: the only ip6tnl softwire), or encapsulated\n"
		"directly over IPv6 to ADDR when it is not the tunnel's remote (or\n"
		"the tunnel has no carrier). count 0 runs until interrupted.\n"
		"Defaults: count %d, interval %d ms, timeout %d ms.\n"
		"Exit status: 0 some reply came, 1 none (or a usage error), 2 error.\n",
		DEF_COUNT, DEF_INTERVAL_MS, DEF_TIMEOUT_MS);
}

/* ping_filter() (ping_wire.c) for identifier id. */
static int attach_filter(int fd, uint16_t id, char *err, size_t errlen)
{
	struct sock_filter code[PING_FILTER_LEN];

	ping_filter(code, id);
	/* What was queued before the filter (another prober's replies with
	 * the same sequence numbers) must not count as ours: dropped. */
	if (sock_filter_attach(fd, code, sizeof(code) / sizeof(code[0]))) {
		snprintf(err, errlen, "socket filter: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * filtered(fd, failed, id, err, errlen): fd with attach_filter() done once
 * its set-up went well (failed 0); else, or when the filter fails, fd
 * closed and -1 (err says why).
 */
static int filtered(int fd, int failed, uint16_t id, char *err,
		    size_t errlen)
{
	if (!failed && !attach_filter(fd, id, err, errlen))
		return fd;
	close(fd);
	return -1;
}

/* Bind fd to ifname and to 192.0.0.2: 0, or -1 with err. */
static int bind_tunnel(int fd, const char *ifname, char *err, size_t errlen)
{
	struct sockaddr_in src = { .sin_family = AF_INET };

	src.sin_addr.s_addr = htonl(DSLITE_B4_ADDR);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       strlen(ifname) + 1)) {
		snprintf(err, errlen, "%s: %s", ifname, strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		if (errno == EADDRNOTAVAIL)
			snprintf(err, errlen,
				 "192.0.0.2 is not configured (ip addr add 192.0.0.2/29 dev %s)",
				 ifname);
		else
			snprintf(err, errlen, "bind 192.0.0.2: %s",
				 strerror(errno));
		return -1;
	}
	return 0;
}

/* Bind fd to src6 (none when NULL or ::): 0, or -1 with err. */
static int bind_direct(int fd, const struct in6_addr *src6, char *err,
		       size_t errlen)
{
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	char buf[INET6_ADDRSTRLEN];

	if (!src6 || IN6_IS_ADDR_UNSPECIFIED(src6))
		return 0;
	src.sin6_addr = *src6;
	if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		inet_ntop(AF_INET6, src6, buf, sizeof(buf));
		snprintf(err, errlen, "bind %s: %s", buf, strerror(errno));
		return -1;
	}
	return 0;
}

int ping_open_tunnel(const char *ifname, uint16_t id, char *err,
		     size_t errlen)
{
	int fd;

	fd = raw_socket(AF_INET, IPPROTO_ICMP, "raw ICMP socket", err, errlen);
	if (fd < 0)
		return -1;
	return filtered(fd, bind_tunnel(fd, ifname, err, errlen), id, err,
			errlen);
}

int ping_open_direct(const struct in6_addr *src6, uint16_t id, char *err,
		     size_t errlen)
{
	int fd;

	fd = raw_socket(AF_INET6, IPPROTO_IPIP, "raw IPv6 socket (protocol 4)",
			err, errlen);
	if (fd < 0)
		return -1;
	return filtered(fd, bind_direct(fd, src6, err, errlen), id, err,
			errlen);
}

int ping_send(int fd, const struct in6_addr *aftr, uint16_t id, uint16_t seq,
	      uint64_t t, char *err, size_t errlen)
{
	uint8_t e[PING_PKT_LEN];
	ssize_t n;

	ping_build(e, id, seq, t);
	if (!aftr) {
		struct sockaddr_in dst = { .sin_family = AF_INET };

		dst.sin_addr.s_addr = htonl(DSLITE_AFTR_ADDR);
		/* the kernel writes the IPv4 header of a raw ICMP socket */
		n = sendto(fd, e + PING_IP_LEN, sizeof(e) - PING_IP_LEN, 0,
			   (struct sockaddr *)&dst, sizeof(dst));
		n = n < 0 ? n : n + PING_IP_LEN;
	} else {
		struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };

		dst.sin6_addr = *aftr;
		n = sendto(fd, e, sizeof(e), 0, (struct sockaddr *)&dst,
			   sizeof(dst));
	}
	if (n != (ssize_t)sizeof(e)) {
		snprintf(err, errlen, "send: %s", n < 0 ? strerror(errno) :
			 "short write");
		return -1;
	}
	return 0;
}

int ping_recv(int fd, const struct in6_addr *aftr, struct ping_echo *e)
{
	uint8_t buf[2048];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return -1;
	/* a copy of an answer to someone else's direct probe */
	if (aftr && (from.sin6_family != AF_INET6 ||
		     memcmp(&from.sin6_addr, aftr, sizeof(*aftr))))
		return 0;
	return ping_parse(buf, n, e);
}

static int send_one(struct ping *p, uint32_t seq, char *err, size_t errlen)
{
	uint64_t t = mono_ns();

	if (ping_send(p->fd, p->path == PATH_TUNNEL ? NULL : &p->aftr, p->id,
		      seq, t, err, errlen))
		return -1;
	p->sent_ns[seq & 0xffff] = t;
	p->seen[(seq & 0xffff) / 8] &= ~(1u << (seq & 7));
	p->sent++;
	return 0;
}

static void add_reply(struct ping *p, const struct reply *r)
{
	if (!print_is_json())
		return;
	if (p->n_replies == p->cap_replies) {
		size_t cap = p->cap_replies ? p->cap_replies * 2 : 16;
		struct reply *n = realloc(p->replies, cap * sizeof(*n));

		if (!n)
			return;
		p->replies = n;
		p->cap_replies = cap;
	}
	p->replies[p->n_replies++] = *r;
}

static void read_replies(struct ping *p, uint64_t now)
{
	const struct in6_addr *from = p->path == PATH_DIRECT ? &p->aftr : NULL;
	struct ping_echo e;
	int ret;

	while ((ret = ping_recv(p->fd, from, &e)) >= 0) {
		struct reply r;
		uint64_t sent;

		if (!ret) {
			p->others++;
			continue;
		}
		r.seq = e.seq;
		r.ttl = e.ttl;
		r.bytes = e.bytes;
		sent = p->sent_ns[r.seq];
		if (!sent) {
			p->others++;
			continue;
		}
		r.rtt_ns = now - sent;
		if (p->seen[r.seq / 8] & (1u << (r.seq & 7))) {
			p->dups++;
			print_text("%u bytes from 192.0.0.1: icmp_seq=%u ttl=%u time=%.3f ms (DUP!)\n",
				   r.bytes, r.seq, r.ttl, r.rtt_ns / 1e6);
			continue;
		}
		if (r.rtt_ns > (uint64_t)p->timeout_ms * 1000000) {
			p->late++;
			continue;
		}
		p->seen[r.seq / 8] |= 1u << (r.seq & 7);
		p->received++;
		p->rtt_sum += r.rtt_ns;
		if (p->received == 1 || r.rtt_ns < p->rtt_min)
			p->rtt_min = r.rtt_ns;
		if (r.rtt_ns > p->rtt_max)
			p->rtt_max = r.rtt_ns;
		print_text("%u bytes from 192.0.0.1: icmp_seq=%u ttl=%u time=%.3f ms\n",
			   r.bytes, r.seq, r.ttl, r.rtt_ns / 1e6);
		fflush(stdout);
		add_reply(p, &r);
	}
}

static const char *addr6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static void print_head(const struct ping *p)
{
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];

	if (p->path == PATH_TUNNEL)
		print_text("PING 192.0.0.1 through %s (AFTR %s): %d data bytes\n",
			   p->sw.name, addr6(&p->aftr, a), DATA_LEN);
	else
		print_text("PING 192.0.0.1 encapsulated to AFTR %s from %s (%s): %d data bytes\n",
			   addr6(&p->aftr, a),
			   p->have_sw ? addr6(&p->sw.local, s) : "the kernel's choice",
			   p->why_direct, DATA_LEN);
	fflush(stdout);
}

static void print_summary(const struct ping *p, uint64_t elapsed_ns)
{
	char a[INET6_ADDRSTRLEN];
	uint64_t loss = p->sent ? (p->sent - p->received) * 100 / p->sent : 0;
	size_t i;

	if (!print_is_json()) {
		printf("\n--- 192.0.0.1 ping statistics (AFTR %s, %s) ---\n",
		       addr6(&p->aftr, a),
		       p->path == PATH_TUNNEL ? "through the tunnel" : "direct");
		printf("%u packets transmitted, %u received", p->sent, p->received);
		if (p->dups)
			printf(", +%u duplicates", p->dups);
		if (p->late)
			printf(", %u late", p->late);
		printf(", %" PRIu64 "%% packet loss, time %" PRIu64 "ms\n", loss,
		       elapsed_ns / 1000000);
		if (p->received)
			printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n",
			       p->rtt_min / 1e6,
			       p->rtt_sum / (double)p->received / 1e6,
			       p->rtt_max / 1e6);
		fflush(stdout);
		return;
	}
	print_open_object(NULL);
	print_string("target", NULL, "192.0.0.1");
	print_string("aftr", NULL, addr6(&p->aftr, a));
	print_string("path", NULL, p->path == PATH_TUNNEL ? "tunnel" : "direct");
	if (p->have_sw)
		print_string("dev", NULL, p->sw.name);
	else
		print_null("dev");
	if (p->path == PATH_DIRECT && p->have_sw)
		print_string("source", NULL, addr6(&p->sw.local, a));
	else
		print_null("source");
	print_uint("transmitted", NULL, p->sent);
	print_uint("received", NULL, p->received);
	print_uint("duplicates", NULL, p->dups);
	print_uint("late", NULL, p->late);
	print_uint("loss-percent", NULL, loss);
	print_uint("time-ms", NULL, elapsed_ns / 1000000);
	if (p->received) {
		print_uint("rtt-min-us", NULL, p->rtt_min / 1000);
		print_uint("rtt-avg-us", NULL, p->rtt_sum / p->received / 1000);
		print_uint("rtt-max-us", NULL, p->rtt_max / 1000);
	} else {
		print_null("rtt-min-us");
		print_null("rtt-avg-us");
		print_null("rtt-max-us");
	}
	print_open_array("replies");
	for (i = 0; i < p->n_replies; i++) {
		print_open_object(NULL);
		print_uint("seq", NULL, p->replies[i].seq);
		print_uint("ttl", NULL, p->replies[i].ttl);
		print_uint("bytes", NULL, p->replies[i].bytes);
		print_uint("rtt-us", NULL, p->replies[i].rtt_ns / 1000);
		print_close_object();
	}
	print_close_array();
	print_close_object();
	print_end();
}

static int parse_args(struct ping *p, int argc, char **argv, const char **dev,
		      bool *have_aftr)
{
	uint64_t v;

	while (argc > 0) {
		if (need_arg(WHAT, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		if (kw_is(argv[0], "dev")) {
			char name[DSLITECTL_IFNAMSIZ];

			if (parse_ifname(WHAT, argv[1], name))
				return DSLITECTL_EXIT_USAGE;
			*dev = argv[1];
		} else if (kw_is(argv[0], "aftr")) {
			if (inet_pton(AF_INET6, argv[1], &p->aftr) != 1)
				return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
						     "\"%s\" is not an IPv6 address",
						     argv[1]);
			*have_aftr = true;
		} else if (kw_is(argv[0], "count")) {
			if (parse_uint(argv[1], UINT32_MAX, &p->count))
				return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
						     "count \"%s\" is not a number 0..%u",
						     argv[1], UINT32_MAX);
		} else if (kw_is(argv[0], "interval")) {
			if (parse_uint(argv[1], MAX_MS, &v) || !v)
				return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
						     "interval \"%s\" is not 1..%d ms",
						     argv[1], MAX_MS);
			p->interval_ms = v;
		} else if (kw_is(argv[0], "timeout")) {
			if (parse_uint(argv[1], MAX_MS, &v) || !v)
				return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
						     "timeout \"%s\" is not 1..%d ms",
						     argv[1], MAX_MS);
			p->timeout_ms = v;
		} else {
			return dslitectl_err(DSLITECTL_EXIT_USAGE, WHAT,
					     "unknown argument \"%s\" (try \"dslitectl ping help\")",
					     argv[0]);
		}
		argc -= 2;
		argv += 2;
	}
	return 0;
}

/* Which AFTR, which path; fills p->sw, p->aftr, p->path. */
static int choose_path(struct ping *p, const char *dev, bool have_aftr)
{
	char err[256];

	if (softwire_get(dev, &p->sw, err, sizeof(err)) == 0) {
		p->have_sw = true;
	} else if (dev || !have_aftr) {
		return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT, "%s", err);
	}
	if (!have_aftr)
		p->aftr = p->sw.remote;
	p->path = PATH_DIRECT;
	if (!p->have_sw)
		p->why_direct = "no tunnel";
	else if (memcmp(&p->aftr, &p->sw.remote, sizeof(p->aftr)))
		p->why_direct = "not the tunnel's remote";
	else if (!p->sw.up)
		p->why_direct = "the tunnel is down";
	else if (!p->sw.carrier)
		p->why_direct = "the tunnel has no carrier";
	else
		p->path = PATH_TUNNEL;
	return 0;
}

static int run(struct ping *p)
{
	uint64_t next_tx, end = 0, now;
	char err[256];
	sigset_t mask;
	uint16_t id;

	while (getrandom(&id, sizeof(id), 0) != sizeof(id))
		;
	p->id = id;
	p->sent_ns = calloc(65536, sizeof(*p->sent_ns));
	p->seen = calloc(65536 / 8, 1);
	if (!p->sent_ns || !p->seen)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT, "out of memory");
	if (p->path == PATH_TUNNEL)
		p->fd = ping_open_tunnel(p->sw.name, p->id, err, sizeof(err));
	else
		p->fd = ping_open_direct(p->have_sw ? &p->sw.local : NULL,
					 p->id, err, sizeof(err));
	if (p->fd < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT, "%s", err);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	p->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p->sfd < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT, "signalfd: %s",
				     strerror(errno));

	print_head(p);
	p->start_ns = next_tx = mono_ns();
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = p->fd, .events = POLLIN },
			{ .fd = p->sfd, .events = POLLIN },
		};
		uint64_t wake;
		int ms;

		now = mono_ns();
		if (next_tx && now >= next_tx) {
			if (send_one(p, p->sent + 1, err, sizeof(err)))
				return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT,
						     "%s", err);
			if (p->count && p->sent >= p->count) {
				next_tx = 0;
				end = now + (uint64_t)p->timeout_ms * 1000000;
			} else {
				next_tx += (uint64_t)p->interval_ms * 1000000;
			}
		}
		if (end && (now >= end || p->received + p->late >= p->sent))
			break;
		wake = next_tx ? next_tx : end;
		ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		if (poll(pfd, 2, ms) < 0 && errno != EINTR)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, WHAT,
					     "poll: %s", strerror(errno));
		if (pfd[0].revents)
			read_replies(p, mono_ns());
		if (pfd[1].revents)
			break;
	}
	print_summary(p, mono_ns() - p->start_ns);
	return p->received ? DSLITECTL_EXIT_OK : 1;
}

static int ping_run(int argc, char **argv)
{
	struct ping p;
	const char *dev = NULL;
	bool have_aftr = false;
	int ret;

	memset(&p, 0, sizeof(p));
	p.fd = -1;
	p.sfd = -1;
	p.count = DEF_COUNT;
	p.interval_ms = DEF_INTERVAL_MS;
	p.timeout_ms = DEF_TIMEOUT_MS;
	ret = parse_args(&p, argc, argv, &dev, &have_aftr);
	if (ret)
		return ret;
	ret = choose_path(&p, dev, have_aftr);
	if (ret)
		return ret;
	ret = run(&p);
	if (p.fd >= 0)
		close(p.fd);
	if (p.sfd >= 0)
		close(p.sfd);
	free(p.sent_ns);
	free(p.seen);
	free(p.replies);
	return ret;
}

const struct dslitectl_object obj_ping = {
	.name		= "ping",
	.summary	= "ICMP echo to the AFTR, through the tunnel or directly",
	.run		= ping_run,
	.usage		= ping_usage,
};
