// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the BFD sockets.
 *
 * Tunnel path (the active AFTR): each session owns a UDP socket bound to
 * 192.0.0.2:SPORT (SPORT from 49152..65535, fixed for the session, RFC
 * 5881). The packets themselves, 192.0.0.2:SPORT to 192.0.0.1:3784 with
 * TTL 255, are built here, checksums included, and sent over a raw IPv4
 * socket (IP_HDRINCL) through the ip6tnl device (IP_PKTINFO's ifindex):
 * a UDP socket would leave the checksum to an offload that virtual
 * devices (veth) never complete, and an AFTR answering in XDP sees such
 * packets before anything completes it. Each tunnel has a UDP socket on
 * port 3784 bound to the device for the AFTR's packets; IP_RECVTTL checks
 * TTL 255.
 *
 * Direct path (standby AFTRs, or the active one while its tunnel is
 * forced down): the same IPv4/UDP/BFD packet, built here, sent over a raw
 * IPv6 socket of protocol 4 from the tunnel's local address to the AFTR:
 * on the wire it is exactly what the tunnel would send. A raw IPv6 socket
 * of protocol 4 gets a copy of every IPv4-in-IPv6 packet delivered to this
 * host, before ip6_tunnel looks for a device (so the answers of AFTRs that
 * no tunnel points to arrive too); a classic BPF filter keeps only
 * unfragmented UDP to port 3784 or to a BFD source port, so tunnelled data
 * is not copied to the daemon.
 *
 * A candidate's packets are accepted only from the path it uses at the
 * time (the answers of the active AFTR also reach the raw socket, and the
 * answers to direct probes of the AFTR a tunnel points to are also
 * decapsulated by that tunnel).
 *
 * Both raw sockets send with path MTU discovery in probe mode
 * (IP_PMTUDISC_PROBE, IPV6_PMTUDISC_PROBE): a packet goes out at the
 * size it was built, up to the device's MTU, whatever path MTU the
 * kernel learnt for the destination (a Packet Too Big is remembered for
 * ten minutes). A padded packet (RFC 9764) must test the path as it is
 * now: the size a path carried again is seen at once, and a path MTU
 * learnt through one AFTR does not refuse the probes of the next one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/filter.h>
#include <netinet/ip.h>
#include <netinet/udp.h>

#include "dslitectl.h"
#include "b4.h"
#include "wire.h"

#define RX_BURST	64

/*
 * build_udp4(buf, sport, dport, ttl, payload, len): the IPv4/UDP packet
 * 192.0.0.2:sport -> 192.0.0.1:dport around payload, checksums included.
 * Returns its length (buf holds B4_UDP4_HDR + len bytes).
 */
#define B4_UDP4_HDR	(sizeof(struct iphdr) + sizeof(struct udphdr))

static size_t build_udp4(uint8_t *buf, uint16_t sport, uint16_t dport,
			 uint8_t ttl, const void *payload, size_t len)
{
	struct iphdr *ip = (struct iphdr *)buf;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t ulen = sizeof(*udp) + len;
	uint32_t sum;

	memset(buf, 0, B4_UDP4_HDR);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + ulen);
	ip->frag_off = htons(IP_DF);
	ip->ttl = ttl;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(B4_INNER_B4);
	ip->daddr = htonl(B4_INNER_AFTR);
	ip->check = htons(inet_fold(inet_sum(ip, sizeof(*ip), 0)));
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(ulen);
	memcpy(udp + 1, payload, len);
	/* pseudo header, then header and payload */
	sum = inet_sum(&ip->saddr, 8, 0);
	sum += IPPROTO_UDP + ulen;
	sum = inet_sum(udp, ulen, sum);
	udp->check = htons(inet_fold(sum));
	if (!udp->check)
		udp->check = 0xffff;
	return sizeof(*ip) + ulen;
}

int b4_net_open_raw(char *e, size_t elen)
{
	/* Offsets are from the inner IPv4 header (the raw socket's data). */
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),		/* protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 9),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),		/* fragment */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 7, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),		/* header len */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),		/* UDP sport */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PCP_SERVER_PORT, 3, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),		/* UDP dport */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BFD_PORT_CONTROL, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, BFD_SRC_PORT_MIN, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	int fd, one = 1, probe = IPV6_PMTUDISC_PROBE;

	fd = raw_socket(AF_INET6, IPPROTO_IPIP, "raw IPv6 socket", e, elen);
	if (fd < 0)
		return -1;
	if (sock_filter_attach(fd, code, sizeof(code) / sizeof(code[0])) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		       sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe,
		       sizeof(probe))) {
		snprintf(e, elen, "raw IPv6 socket options: %s",
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int b4_net_open_raw4(char *e, size_t elen)
{
	int fd, one = 1, probe = IP_PMTUDISC_PROBE;

	fd = raw_socket(AF_INET, IPPROTO_RAW, "raw IPv4 socket", e, elen);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe,
		       sizeof(probe))) {
		snprintf(e, elen, "raw IPv4 socket options: %s",
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int udp_socket(char *e, size_t elen)
{
	int fd, one = 1, ttl = BFD_TTL;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(e, elen, "UDP socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) {
		snprintf(e, elen, "UDP socket options: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int b4_net_open_tunnel_rx(const struct b4_tunnel *t, char *e, size_t elen)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(BFD_PORT_CONTROL),
	};
	int fd = udp_socket(e, elen);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->link.name,
		       strlen(t->link.name) + 1) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		snprintf(e, elen, "UDP port %u on %s: %s", BFD_PORT_CONTROL,
			 t->link.name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int b4_net_open_session(struct b4_session *s, char *e, size_t elen)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(B4_INNER_B4),
	};
	int fd = udp_socket(e, elen), one = 1, tries;

	if (fd < 0)
		return -1;
	/* 192.0.0.2 need not be configured yet when the socket is made */
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	for (tries = 0; tries < 256; tries++) {
		uint16_t port = BFD_SRC_PORT_MIN +
			b4_random() % (BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1);

		sin.sin_port = htons(port);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			s->fd = fd;
			s->sport = port;
			return 0;
		}
		if (errno != EADDRINUSE)
			break;
	}
	snprintf(e, elen, "UDP source port for BFD: %s", strerror(errno));
	close(fd);
	return -1;
}

static void tx_result(struct b4_session *s, ssize_t n)
{
	if (n >= 0) {
		s->last_tx_errno = 0;
		return;
	}
	s->tx_errors++;
	s->last_tx_errno = errno;
}

/*
 * put_cmsg(msg, level, type, len): msg's one control message, of level
 * and type with len bytes of data (msg_control zeroed and large enough).
 * Returns its data.
 */
static void *put_cmsg(struct msghdr *msg, int level, int type, size_t len)
{
	struct cmsghdr *cm;

	msg->msg_controllen = CMSG_SPACE(len);
	cm = CMSG_FIRSTHDR(msg);
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	return CMSG_DATA(cm);
}

/*
 * one IPv4 packet on c's path: through the tunnel or encapsulated (from
 * src, NULL: the tunnel's local address)
 */
static ssize_t send_ip_from(struct b4_daemon *d, const struct b4_cand *c,
			    enum b4_path path, const struct in6_addr *src,
			    void *pkt, size_t len)
{
	const struct b4_tunnel *t = &d->tun[c->tun];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { pkt, len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
	};

	memset(&cbuf, 0, sizeof(cbuf));
	if (path == B4_PATH_TUNNEL) {
		struct sockaddr_in to = {
			.sin_family = AF_INET,
			.sin_addr.s_addr = htonl(B4_INNER_AFTR),
		};
		struct in_pktinfo *pi;

		msg.msg_name = &to;
		msg.msg_namelen = sizeof(to);
		pi = put_cmsg(&msg, IPPROTO_IP, IP_PKTINFO, sizeof(*pi));
		pi->ipi_ifindex = t->link.ifindex;
		return sendmsg(d->raw4fd, &msg, MSG_DONTWAIT);
	} else {
		struct sockaddr_in6 to = {
			.sin6_family = AF_INET6,
			.sin6_addr = c->addr,
		};
		struct in6_pktinfo *pi;

		msg.msg_name = &to;
		msg.msg_namelen = sizeof(to);
		pi = put_cmsg(&msg, IPPROTO_IPV6, IPV6_PKTINFO, sizeof(*pi));
		pi->ipi6_addr = src ? *src : t->link.local;
		return sendmsg(d->rawfd, &msg, MSG_DONTWAIT);
	}
}

static ssize_t send_ip(struct b4_daemon *d, const struct b4_cand *c,
		       enum b4_path path, void *pkt, size_t len)
{
	return send_ip_from(d, c, path, NULL, pkt, len);
}

unsigned int b4_net_tunnel_mtu(const struct b4_daemon *d,
			       const struct b4_cand *c)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		 d->tun[c->tun].link.name);
	if (ioctl(d->raw4fd, SIOCGIFMTU, &ifr) < 0 || ifr.ifr_mtu <= 0)
		return 0;
	return ifr.ifr_mtu;
}

/*
 * The padded size of c's control packets: cfg.pad, or with "pad mtu" the
 * tunnel's MTU as it is now (read at every packet: a changed MTU, a
 * re-created tunnel are followed), within B4_PAD_MIN..B4_PAD_MAX; 0: no
 * padding.
 */
static unsigned int pad_size(const struct b4_daemon *d,
			     const struct b4_cand *c)
{
	unsigned int mtu;

	if (!d->cfg.pad_mtu)
		return d->cfg.pad;
	mtu = b4_net_tunnel_mtu(d, c);
	if (!mtu)
		return c->s.pad;	/* as before, until it can be read */
	if (mtu < B4_PAD_MIN)
		return B4_PAD_MIN;
	return mtu > B4_PAD_MAX ? B4_PAD_MAX : mtu;
}

/*
 * send_ctrl(d, c, ctrl, size): the control packet ctrl of c, padded
 * (RFC 9764) when size is larger than IPv4 + UDP + BFD: the BFD packet
 * (Length 24) and zero bytes after it in the UDP payload, up to an inner
 * IPv4 packet of size bytes, DF set as on every packet here: through a
 * path whose MTU is smaller it is not sent (EMSGSIZE from the tunnel) or
 * never arrives. The direct path (raw IPv6) does not go through the
 * tunnel device, so its MTU is checked here: a padded packet must not
 * pass on the direct path when the tunnel it stands for cannot carry it.
 * The padded session and the mtu method's probes both come here.
 */
static ssize_t send_ctrl(struct b4_daemon *d, const struct b4_cand *c,
			 const struct bfd_ctrl *ctrl, size_t size)
{
	static uint8_t pkt[B4_PAD_MAX], payload[B4_PAD_MAX];
	size_t len, plen = sizeof(*ctrl);
	unsigned int mtu;

	if (size > B4_PAD_MAX)
		size = B4_PAD_MAX;
	if (size > B4_UDP4_HDR + sizeof(*ctrl))
		plen = size - B4_UDP4_HDR;
	if (size && c->path == B4_PATH_DIRECT) {
		mtu = b4_net_tunnel_mtu(d, c);
		if (mtu && size > mtu) {
			/* as the tunnel itself would refuse it */
			errno = EMSGSIZE;
			return -1;
		}
	}
	memset(payload + sizeof(*ctrl), 0, plen - sizeof(*ctrl));
	memcpy(payload, ctrl, sizeof(*ctrl));
	len = build_udp4(pkt, c->s.sport, BFD_PORT_CONTROL, BFD_TTL, payload,
			 plen);
	return send_ip(d, c, c->path, pkt, len);
}

/* A control packet of candidate c's session, on its schedule. */
int b4_net_send(struct b4_daemon *d, struct b4_cand *c)
{
	struct bfd_ctrl ctrl;
	ssize_t n;

	b4_session_build(&c->s, &ctrl, mono_ns());
	c->s.pad = pad_size(d, c);
	n = send_ctrl(d, c, &ctrl, c->s.pad);
	tx_result(&c->s, n);
	return n < 0 ? -1 : 0;
}

int b4_net_send_probe(struct b4_daemon *d, struct b4_cand *c, size_t size)
{
	struct bfd_session s = c->s.bfd;
	struct bfd_ctrl ctrl;

	/* a Final is the session's own packet's: never on a probe that
	 * may be lost to the path it tests */
	s.flags &= ~BFD_SF_FINAL;
	bfd_build(&s, &ctrl);
	return send_ctrl(d, c, &ctrl, size) < 0 ? -1 : 0;
}

int b4_net_send_admin_down(struct b4_daemon *d, const struct b4_cand *c,
			   const struct in6_addr *src)
{
	uint8_t pkt[B4_UDP4_HDR + sizeof(struct bfd_ctrl)];
	struct bfd_session s = c->s.bfd;
	struct bfd_ctrl ctrl;
	size_t len;

	bfd_set_admin_down(&s, BFD_DIAG_ADMIN_DOWN);
	bfd_build(&s, &ctrl);
	len = build_udp4(pkt, c->s.sport, BFD_PORT_CONTROL, BFD_TTL, &ctrl,
			 sizeof(ctrl));
	return send_ip_from(d, c, B4_PATH_DIRECT, src, pkt, len) < 0 ? -1 : 0;
}

int b4_net_send_udp(struct b4_daemon *d, const struct b4_cand *c,
		    uint16_t sport, uint16_t dport, uint8_t ttl,
		    const void *payload, size_t len)
{
	uint8_t pkt[B4_UDP4_HDR + 1100];

	if (len > sizeof(pkt) - B4_UDP4_HDR) {
		errno = EMSGSIZE;
		return -1;
	}
	len = build_udp4(pkt, sport, dport, ttl, payload, len);
	return send_ip(d, c, B4_PATH_DIRECT, pkt, len) < 0 ? -1 : 0;
}

/* A valid-looking control packet for candidate i: run the session. */
static void deliver(struct b4_daemon *d, int i, const void *payload,
		    size_t len)
{
	struct b4_cand *c = &d->cand[i];
	const struct bfd_ctrl *p = payload;
	struct b4_change ch;

	if (bfd_validate(p, len) != BFD_RX_OK) {
		c->s.rx_dropped++;
		return;
	}
	/* the mtu method: is it as large as its probes? */
	if (c->health.methods & B4_M_MTU)
		b4_mtu_input(d, i, len + B4_UDP4_HDR);
	/* padded (RFC 9764): only an answer as large as ours proves the
	 * path carries that size back */
	if (c->s.pad && len + B4_UDP4_HDR < c->s.pad) {
		c->s.rx_short++;
		return;
	}
	if (c->s.bfd.state == BFD_STATE_ADMIN_DOWN)
		return;
	b4_session_rx(&c->s, p, mono_ns(), &ch);
	if (ch.send_now)
		b4_net_send(d, c);
	if (ch.changed)
		b4_bfd_changed(d, i, &ch);
}

static int cand_by_addr(const struct b4_daemon *d, const struct in6_addr *a)
{
	int i;

	for (i = 0; i < d->n_cand; i++)
		if (!memcmp(&d->cand[i].addr, a, sizeof(*a)))
			return i;
	return -1;
}

/*
 * parse_inner(buf, n, sport, payload, plen): the inner IPv4/UDP of a
 * direct-path packet: to 192.0.0.2, TTL 255, UDP to 3784 or to the
 * session's source port. Returns 0, -1, or 1 for a PCP answer (from
 * 192.0.0.1:5351 to pcp_port, any TTL).
 */
static int parse_inner(const uint8_t *buf, size_t n, uint16_t sport,
		       uint16_t pcp_port, const uint8_t **payload,
		       size_t *plen)
{
	const struct iphdr *ip = (const void *)buf;
	const struct udphdr *udp;
	size_t hl, tot, ul;
	uint16_t dport;

	if (n < sizeof(*ip) || ip->version != 4)
		return -1;
	hl = ip->ihl * 4;
	tot = ntohs(ip->tot_len);
	if (hl < sizeof(*ip) || tot < hl + sizeof(*udp) || tot > n)
		return -1;
	if (ip->protocol != IPPROTO_UDP || (ntohs(ip->frag_off) & 0x3fff) ||
	    ip->daddr != htonl(B4_INNER_B4))
		return -1;
	udp = (const void *)(buf + hl);
	ul = ntohs(udp->len);
	dport = ntohs(udp->dest);
	if (ul < sizeof(*udp) || ul > tot - hl)
		return -1;
	*payload = (const uint8_t *)(udp + 1);
	*plen = ul - sizeof(*udp);
	if (pcp_port && dport == pcp_port &&
	    ntohs(udp->source) == PCP_SERVER_PORT &&
	    ip->saddr == htonl(B4_INNER_AFTR))
		return 1;
	if (ip->ttl != BFD_TTL)
		return -1;
	if (dport != BFD_PORT_CONTROL && dport != sport)
		return -1;
	return 0;
}

/*
 * One datagram as recvmsg() gives it, with what its control messages say:
 * the input sockets ask for IPV6_PKTINFO (the raw IPv6 socket), or for
 * IP_PKTINFO and IP_TTL (the UDP sockets).
 */
struct rx_msg {
	struct msghdr msg;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) +
			 CMSG_SPACE(sizeof(int))];
		char buf6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	const void *pktinfo;	/* the (last) PKTINFO's data, NULL: none */
	int ttl;		/* IP_TTL, -1: none */
};

/*
 * rx_one(fd, level, m, buf, len, from, fromlen): receive one datagram
 * without waiting: up to len bytes into buf, its source into from, its
 * control messages of level (IPPROTO_IPV6: IPV6_PKTINFO; IPPROTO_IP:
 * IP_PKTINFO, IP_TTL) into m. Returns recvmsg()'s answer: the length, or
 * -1 when none is waiting.
 */
static ssize_t rx_one(int fd, int level, struct rx_msg *m, void *buf,
		      size_t len, void *from, socklen_t fromlen)
{
	struct cmsghdr *cm;
	ssize_t n;

	m->iov.iov_base = buf;
	m->iov.iov_len = len;
	memset(&m->msg, 0, sizeof(m->msg));
	m->msg.msg_name = from;
	m->msg.msg_namelen = fromlen;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = &m->ctl;
	m->msg.msg_controllen = level == IPPROTO_IPV6 ? sizeof(m->ctl.buf6) :
				sizeof(m->ctl.buf);
	m->pktinfo = NULL;
	m->ttl = -1;
	n = recvmsg(fd, &m->msg, MSG_DONTWAIT);
	if (n < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&m->msg); cm; cm = CMSG_NXTHDR(&m->msg, cm)) {
		if (cm->cmsg_level != level)
			continue;
		if (level == IPPROTO_IPV6 ? cm->cmsg_type == IPV6_PKTINFO :
		    cm->cmsg_type == IP_PKTINFO)
			m->pktinfo = CMSG_DATA(cm);
		else if (level == IPPROTO_IP && cm->cmsg_type == IP_TTL)
			memcpy(&m->ttl, CMSG_DATA(cm), sizeof(m->ttl));
	}
	return n;
}

void b4_net_raw_input(struct b4_daemon *d)
{
	int burst;

	for (burst = 0; burst < RX_BURST; burst++) {
		const struct in6_pktinfo *pi;
		struct sockaddr_in6 from;
		const uint8_t *payload;
		uint8_t buf[B4_RX_MAX];
		struct b4_cand *c;
		struct rx_msg m;
		size_t plen;
		ssize_t n;
		int i, r;

		n = rx_one(d->rawfd, IPPROTO_IPV6, &m, buf, sizeof(buf), &from,
			   sizeof(from));
		if (n < 0)
			return;
		pi = m.pktinfo;
		i = cand_by_addr(d, &from.sin6_addr);
		if (i < 0)
			continue;
		c = &d->cand[i];
		if (c->path != B4_PATH_DIRECT)
			continue;
		if (!pi || memcmp(&pi->ipi6_addr, &d->tun[c->tun].link.local,
				  sizeof(pi->ipi6_addr)))
			continue;
		r = parse_inner(buf, n, c->s.sport,
				c->pcp.on ? d->pcp_port : 0, &payload, &plen);
		if (r == 1) {
			b4_pcp_direct_input(d, i, payload, plen);
			continue;
		}
		if (r) {
			c->s.rx_dropped++;
			continue;
		}
		deliver(d, i, payload, plen);
	}
}

void b4_net_udp_input(struct b4_daemon *d, int fd, int tun)
{
	int burst;

	for (burst = 0; burst < RX_BURST; burst++) {
		const struct in_pktinfo *pi;
		struct sockaddr_in from;
		uint8_t buf[B4_RX_MAX];
		struct rx_msg m;
		ssize_t n;
		int t, i;

		n = rx_one(fd, IPPROTO_IP, &m, buf, sizeof(buf), &from,
			   sizeof(from));
		if (n < 0)
			return;
		pi = m.pktinfo;
		if (!pi)
			continue;
		t = tun;
		if (t < 0) {
			for (t = 0; t < d->n_tun; t++)
				if (d->tun[t].link.ifindex == pi->ipi_ifindex)
					break;
			if (t == d->n_tun)
				continue;
		} else if (d->tun[t].link.ifindex != pi->ipi_ifindex) {
			continue;
		}
		for (i = 0; i < d->n_cand; i++)
			if (d->cand[i].path == B4_PATH_TUNNEL &&
			    d->cand[i].tun == t)
				break;
		if (i == d->n_cand)
			continue;
		if (m.ttl != BFD_TTL || pi->ipi_addr.s_addr != htonl(B4_INNER_B4)) {
			d->cand[i].s.rx_dropped++;
			continue;
		}
		deliver(d, i, buf, n);
	}
}

void b4_net_tunnel_cb(struct b4_daemon *d, struct b4_watch *w,
		      uint32_t events)
{
	struct b4_tunnel *t = b4_container_of(w, struct b4_tunnel, rx_w);

	(void)events;
	b4_net_udp_input(d, w->fd, t - d->tun);
}

void b4_net_session_cb(struct b4_daemon *d, struct b4_watch *w,
		       uint32_t events)
{
	(void)events;
	b4_net_udp_input(d, w->fd, -1);
}
