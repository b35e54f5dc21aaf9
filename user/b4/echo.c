// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the echo health method, RFC 9747 unaffiliated BFD echo.
 *
 * The B4 sends BFD echo packets to itself, 192.0.0.2 -> 192.0.0.2 UDP
 * 3785, TTL 255; the AFTR's responder reflects them (bpf/answer.h,
 * handle_echo(): only for a B4 whose BFD control session is Up there) as
 * a router forwarding them would, TTL 254. Nothing but the forwarding
 * path is tested: the AFTR's control plane never sees them.
 *
 * Sockets. A packet to our own 192.0.0.2 through the normal stack is
 * delivered locally and never enters the tunnel, and the reflected one
 * (source: a local address) would be dropped as a martian. So:
 *   tunnel  an AF_PACKET socket (SOCK_DGRAM, ETH_P_IP) bound to the ip6tnl
 *           device: what is written there the kernel encapsulates toward
 *           the tunnel's remote, and the reflected packet is seen before
 *           IP input drops it;
 *   direct  a raw IPv6 socket of protocol 4 bound to the tunnel's local
 *           address, as ping.h's direct path: the IPv4 packet is built
 *           here; the reflected one is taken only from the AFTR's address.
 * Both carry a classic BPF filter (b4_echo_filter()): incoming,
 * unfragmented UDP 192.0.0.2 -> 192.0.0.2 to port 3785.
 *
 * The packet (RFC 5880 5: its contents are the sender's business; RFC
 * 9747 2: a BFD control packet of the echo's own session): IPv4, UDP from
 * a port of the echo's own, BFD control with My Discriminator = Your
 * Discriminator = the echo's discriminator and Sta = the echo's state,
 * then the sequence number and the time it was sent (16 bytes; the BFD
 * Length stays 24). A packet is ours when the checksums, the port and
 * the discriminator match; the TTL is checked after that, so another
 * prober's traffic is "others" and our own packet back with a TTL other
 * than 254 is "ttl-refused" (RFC 9747 5, the GTSM check of a looped
 * packet: sent with 255, one hop back).
 *
 * The state follows RFC 5880 6.8.6 with the looped packet as the
 * peer's: Down + Down -> Init, Down + Init -> Up, Init + Init/Up -> Up.
 * Up and no accepted echo for echo-multiplier x the interval in use:
 * Down with diag echo-failed (2) (RFC 5880 6.8.5, RFC 9747 2). Pacing:
 * one packet a second until Up (RFC 9747 2), then echo-interval or the
 * AFTR's Required Min Echo RX when it is larger (RFC 5880 6.8.9); the
 * slow rate again while no control packet of the AFTR says what it takes
 * (its session timed out). An AFTR that advertises 0 takes no echo:
 * nothing is sent, the method says so.
 *
 * The verdict (b4_verdict_set()) is healthy while Up; the daemon's loop
 * evaluates it with the other methods (b4/health.c). The socket is a
 * watcher, c->w[B4_METHOD_ECHO].
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "dslitectl.h"
#include "b4.h"
#include "wire.h"

/* packets read from an echo socket per wake-up of the daemon's loop */
#define B4_ECHO_RX_BURST	32

#define IP_LEN		20
#define UDP_LEN		8
#define BFD_OFF		(IP_LEN + UDP_LEN)
#define TRAILER_OFF	(BFD_OFF + BFD_CTRL_LEN)

/* ------------------------------------------------------------------
 * The logic: no sockets, no clock of its own
 */

void b4_echo_init(struct b4_echo *e)
{
	memset(e, 0, sizeof(*e));
	e->fd = -1;
	e->state = BFD_STATE_DOWN;
	do
		e->discr = b4_random();
	while (!e->discr);
	e->sport = BFD_SRC_PORT_MIN +
		   b4_random() % (BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1);
}

/* the UDP checksum of the datagram at udp (len bytes), src = dst = ip */
static uint16_t udp_csum(const uint8_t *ip, const uint8_t *udp, size_t len)
{
	uint32_t s = 0;

	s = inet_sum(ip + 12, 8, s);		/* source, destination */
	s += IPPROTO_UDP;
	s += len;
	return inet_fold(inet_sum(udp, len, s));
}

size_t b4_echo_build(struct b4_echo *e, uint8_t *buf, uint8_t mult,
		     uint64_t now)
{
	uint8_t *ip = buf, *udp = buf + IP_LEN, *bfd = buf + BFD_OFF;
	uint8_t *t = buf + TRAILER_OFF;
	uint16_t c;

	memset(buf, 0, B4_ECHO_LEN);
	e->seq++;
	ip[0] = 0x45;
	put16(ip + 2, B4_ECHO_LEN);
	put16(ip + 4, e->seq & 0xffff);
	put16(ip + 6, 0x4000);			/* DF */
	ip[8] = BFD_TTL;
	ip[9] = IPPROTO_UDP;
	put32(ip + 12, DSLITE_B4_ADDR);
	put32(ip + 16, DSLITE_B4_ADDR);
	put16(ip + 10, inet_csum(ip, IP_LEN));
	put16(udp, e->sport);
	put16(udp + 2, BFD_PORT_ECHO);
	put16(udp + 4, B4_ECHO_LEN - IP_LEN);
	bfd[0] = BFD_VERSION << BFD_VERS_SHIFT | (e->diag & BFD_DIAG_MASK);
	bfd[1] = e->state << BFD_STATE_SHIFT;
	bfd[2] = mult;
	bfd[3] = BFD_CTRL_LEN;
	put32(bfd + 4, e->discr);
	put32(bfd + 8, e->discr);
	put32(bfd + 12, e->ival_us);		/* Desired Min TX */
	put32(t, e->seq);
	put32(t + 8, now >> 32);
	put32(t + 12, now & 0xffffffff);
	c = udp_csum(ip, udp, B4_ECHO_LEN - IP_LEN);
	put16(udp + 6, c ? c : 0xffff);
	return B4_ECHO_LEN;
}

uint32_t b4_echo_interval_us(const struct b4_echo *e, uint32_t cfg_ms,
			     bool remote_known, uint32_t remote_echo_rx_us)
{
	uint32_t cfg = cfg_ms * 1000, slow = B4_ECHO_SLOW_MS * 1000;

	if (remote_known && !remote_echo_rx_us)
		return 0;
	/* until Up, and while the AFTR has not said (again) what it takes:
	 * the slow rate */
	if (e->state != BFD_STATE_UP || !remote_known)
		return cfg > slow ? cfg : slow;
	return cfg > remote_echo_rx_us ? cfg : remote_echo_rx_us;
}

static uint64_t detect_ns(const struct b4_echo *e, uint8_t mult)
{
	return (uint64_t)mult * e->ival_us * 1000;
}

enum b4_echo_rx b4_echo_rx(struct b4_echo *e, const uint8_t *buf, size_t n,
			   uint8_t mult, uint64_t now)
{
	const uint8_t *udp, *bfd, *t;
	size_t ihl, ulen;
	uint64_t sent;
	uint8_t rstate;

	if (n < IP_LEN || buf[0] >> 4 != 4)
		goto foreign;
	ihl = (buf[0] & 0xf) * 4;
	if (ihl < IP_LEN || n < ihl + UDP_LEN || inet_csum(buf, ihl) ||
	    buf[9] != IPPROTO_UDP || get32(buf + 12) != DSLITE_B4_ADDR ||
	    get32(buf + 16) != DSLITE_B4_ADDR ||
	    (get16(buf + 6) & 0x3fff) || get16(buf + 2) > n)
		goto foreign;
	udp = buf + ihl;
	ulen = get16(udp + 4);
	if (get16(udp + 2) != BFD_PORT_ECHO || get16(udp) != e->sport ||
	    ulen < UDP_LEN + BFD_CTRL_LEN + B4_ECHO_TRAILER ||
	    ihl + ulen > n ||
	    (get16(udp + 6) && udp_csum(buf, udp, ulen)))
		goto foreign;
	bfd = udp + UDP_LEN;
	t = bfd + BFD_CTRL_LEN;
	if (bfd[0] >> BFD_VERS_SHIFT != BFD_VERSION ||
	    bfd[3] != BFD_CTRL_LEN || get32(bfd + 4) != e->discr ||
	    get32(bfd + 8) != e->discr)
		goto foreign;
	/* ours: the TTL of a packet looped back by one forwarding hop */
	if (buf[8] != B4_ECHO_TTL_BACK) {
		e->ttl_refused++;
		e->last_bad_ttl = buf[8];
		e->last_bad_ns = now;
		return B4_ECHO_RX_TTL;
	}
	sent = (uint64_t)get32(t + 8) << 32 | get32(t + 12);
	if (sent > now || get32(t) > e->seq ||
	    now - sent > detect_ns(e, mult)) {
		e->late++;
		return B4_ECHO_RX_LATE;
	}
	e->received++;
	e->last_rx_ns = now;
	e->last_rtt_ns = now - sent;
	rstate = bfd[1] >> BFD_STATE_SHIFT;
	if (e->state == BFD_STATE_DOWN) {
		if (rstate == BFD_STATE_DOWN)
			e->state = BFD_STATE_INIT;
		else if (rstate == BFD_STATE_INIT)
			e->state = BFD_STATE_UP;
	} else if (e->state == BFD_STATE_INIT) {
		if (rstate == BFD_STATE_INIT || rstate == BFD_STATE_UP)
			e->state = BFD_STATE_UP;
	}
	if (e->state == BFD_STATE_UP)
		e->diag = BFD_DIAG_NONE;
	if (e->state != BFD_STATE_DOWN)
		e->detect_ns = now + detect_ns(e, mult);
	return B4_ECHO_RX_OK;
foreign:
	e->others++;
	return B4_ECHO_RX_FOREIGN;
}

bool b4_echo_expire(struct b4_echo *e, uint64_t now)
{
	if (!e->detect_ns || now < e->detect_ns)
		return false;
	e->detect_ns = 0;
	if (e->state == BFD_STATE_DOWN)
		return false;
	if (e->state == BFD_STATE_UP)
		e->failures++;
	e->state = BFD_STATE_DOWN;
	e->diag = BFD_DIAG_ECHO_FAILED;
	return true;
}

void b4_echo_why(const struct b4_echo *e, uint8_t mult, char *buf,
		 size_t size)
{
	if (e->state == BFD_STATE_UP)
		snprintf(buf, size, "%s", "");
	else if (e->refused)
		snprintf(buf, size,
			 "the AFTR takes no echo (Required Min Echo RX 0)");
	else if (e->ttl_refused && e->last_bad_ns > e->last_rx_ns)
		snprintf(buf, size,
			 "echoes came back with TTL %u, not %u: refused",
			 e->last_bad_ttl, B4_ECHO_TTL_BACK);
	else if (e->diag == BFD_DIAG_ECHO_FAILED)
		snprintf(buf, size,
			 "echo-failed: no reflected echo within %u x %u ms",
			 mult, e->ival_us / 1000);
	else if (e->state == BFD_STATE_INIT)
		snprintf(buf, size, "echo Init: one more reflected echo");
	else
		snprintf(buf, size, "no reflected echo yet");
}

/* Incoming (not our own outgoing copy on the device), unfragmented UDP
 * 192.0.0.2 -> 192.0.0.2 to port 3785; the data starts at the IPv4
 * header on both kinds of socket. */
void b4_echo_filter(struct sock_filter *code)
{
	const struct sock_filter f[B4_ECHO_FILTER_LEN] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 15, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 12),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 10),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DSLITE_B4_ADDR, 0, 8),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DSLITE_B4_ADDR, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BFD_PORT_ECHO, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};

	memcpy(code, f, sizeof(f));
}

/* ------------------------------------------------------------------
 * The daemon's side: sockets, timers, verdicts
 */

static void echo_close(struct b4_daemon *d, struct b4_cand *c)
{
	struct b4_echo *e = &c->echo;

	b4_watch_del(d, &c->w[B4_METHOD_ECHO]);
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

static void echo_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t events);

/* the socket of candidate c's path: fd, or -1 with err */
static int echo_socket(struct b4_daemon *d, struct b4_cand *c, char *err,
		       size_t errlen)
{
	const struct b4_tunnel *t = &d->tun[c->tun];
	struct sock_filter code[B4_ECHO_FILTER_LEN];
	int fd;

	if (c->path == B4_PATH_TUNNEL) {
		struct sockaddr_ll ll = {
			.sll_family = AF_PACKET,
			.sll_protocol = htons(ETH_P_IP),
			.sll_ifindex = t->link.ifindex,
		};

		fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, htons(ETH_P_IP));
		if (fd < 0) {
			snprintf(err, errlen, "packet socket: %s",
				 strerror(errno));
			return -1;
		}
		if (bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
			snprintf(err, errlen, "packet socket on %s: %s",
				 t->link.name, strerror(errno));
			close(fd);
			return -1;
		}
	} else {
		struct sockaddr_in6 src = { .sin6_family = AF_INET6 };

		fd = raw_socket(AF_INET6, IPPROTO_IPIP,
				"raw IPv6 socket (protocol 4)", err, errlen);
		if (fd < 0)
			return -1;
		src.sin6_addr = t->link.local;
		if (!IN6_IS_ADDR_UNSPECIFIED(&src.sin6_addr) &&
		    bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			snprintf(err, errlen, "bind the tunnel's local address: %s",
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	b4_echo_filter(code);
	if (sock_filter_attach(fd, code, B4_ECHO_FILTER_LEN)) {
		snprintf(err, errlen, "socket filter: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void echo_path(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_echo *e = &c->echo;
	const struct b4_tunnel *t = &d->tun[c->tun];
	char err[256], a[INET6_ADDRSTRLEN];

	if (!(c->health.methods & B4_M_ECHO) || d->stopping)
		return;
	if (e->fd >= 0 && e->fd_path == c->path &&
	    (c->path == B4_PATH_DIRECT || e->fd_ifindex == t->link.ifindex))
		return;
	echo_close(d, c);
	if (!t->gone) {
		e->fd = echo_socket(d, c, err, sizeof(err));
		if (e->fd < 0) {
			b4_log(d, "aftr %s: echo %s: %s",
			       b4_addr_str(&c->addr, a),
			       c->path == B4_PATH_TUNNEL ?
			       "through the tunnel" : "direct", err);
		} else {
			e->fd_path = c->path;
			e->fd_ifindex = t->link.ifindex;
			b4_watch_add(d, &c->w[B4_METHOD_ECHO], e->fd, echo_cb);
		}
	}
	if (!e->next_tx_ns)
		e->next_tx_ns = mono_ns();
}

/* e changed state (or was refused): log it, record the verdict */
static void changed(struct b4_daemon *d, int i, uint8_t old)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_echo *e = &c->echo;
	char a[INET6_ADDRSTRLEN], why[128];

	e->changed_rt_ms = realtime_ms();
	/* Up: the faster interval from the next packet on, sent now */
	if (e->state == BFD_STATE_UP && e->next_tx_ns)
		e->next_tx_ns = mono_ns();
	b4_echo_why(e, d->cfg.echo_multiplier, why, sizeof(why));
	b4_log(d, "aftr %s: echo %s -> %s%s%s", b4_addr_str(&c->addr, a),
	       bfd_state_name(old), bfd_state_name(e->state),
	       why[0] ? ": " : "", why);
	b4_verdict_set(d, i, B4_METHOD_ECHO, e->state == BFD_STATE_UP);
}

static void echo_input(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_echo *e = &c->echo;
	uint8_t buf[B4_RX_MAX];
	union {
		struct sockaddr_ll ll;
		struct sockaddr_in6 in6;
	} from;
	socklen_t flen;
	ssize_t n;
	uint8_t old;
	int burst = 0;

	if (e->fd < 0)
		return;
	while (burst++ < B4_ECHO_RX_BURST) {
		flen = sizeof(from);
		n = recvfrom(e->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			break;
		if (e->fd_path == B4_PATH_DIRECT ?
		    memcmp(&from.in6.sin6_addr, &c->addr, sizeof(c->addr)) :
		    from.ll.sll_pkttype == PACKET_OUTGOING) {
			e->others++;
			continue;
		}
		old = e->state;
		b4_echo_rx(e, buf, n, d->cfg.echo_multiplier, mono_ns());
		if (e->state != old)
			changed(d, i, old);
	}
}

static void echo_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t events)
{
	(void)events;
	echo_input(d, b4_watch_cand(d, w, B4_METHOD_ECHO));
}

static void tx(struct b4_daemon *d, int i, uint64_t now)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_echo *e = &c->echo;
	const struct b4_tunnel *t = &d->tun[c->tun];
	uint8_t pkt[B4_ECHO_LEN], old = e->state;
	char a[INET6_ADDRSTRLEN];
	uint32_t ival;
	ssize_t n;

	ival = b4_echo_interval_us(e, d->cfg.echo_interval_ms,
				   c->s.bfd.remote_mult != 0,
				   c->s.bfd.remote_echo_rx);
	if (!ival) {
		/* the AFTR takes no echo: nothing sent, looked at again
		 * once a second (its next control packet may change it) */
		e->next_tx_ns = now + (uint64_t)B4_ECHO_SLOW_MS * 1000000;
		if (!e->refused) {
			e->refused = true;
			e->state = BFD_STATE_DOWN;
			e->detect_ns = 0;
			changed(d, i, old);
		}
		return;
	}
	if (e->refused) {
		e->refused = false;
		b4_log(d, "aftr %s: echo: the AFTR takes echo again (Required Min Echo RX %u us)",
		       b4_addr_str(&c->addr, a), c->s.bfd.remote_echo_rx);
	}
	e->ival_us = ival;
	e->mult = d->cfg.echo_multiplier;
	e->next_tx_ns += (uint64_t)ival * 1000;
	if (e->next_tx_ns <= now)
		e->next_tx_ns = now + (uint64_t)ival * 1000;
	if (t->gone)
		return;
	echo_path(d, i);
	if (e->fd < 0) {
		e->tx_errors++;
		e->last_tx_errno = EBADF;
		return;
	}
	b4_echo_build(e, pkt, d->cfg.echo_multiplier, now);
	if (e->fd_path == B4_PATH_TUNNEL) {
		/* to the device and protocol bound: a sockaddr_ll would
		 * need room for the ip6tnl's 16-byte "hardware" address
		 * (more than the struct has), else EINVAL */
		n = send(e->fd, pkt, sizeof(pkt), 0);
	} else {
		struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };

		dst.sin6_addr = c->addr;
		n = sendto(e->fd, pkt, sizeof(pkt), 0,
			   (struct sockaddr *)&dst, sizeof(dst));
	}
	if (n != (ssize_t)sizeof(pkt)) {
		int err = n < 0 ? errno : EMSGSIZE;

		/* logged when the error changes, not every interval */
		if (err != e->last_tx_errno)
			b4_log(d, "aftr %s: echo %s: send: %s",
			       b4_addr_str(&c->addr, a),
			       e->fd_path == B4_PATH_TUNNEL ?
			       "through the tunnel" : "direct", strerror(err));
		e->tx_errors++;
		e->last_tx_errno = err;
		return;
	}
	e->last_tx_errno = 0;
	e->sent++;
}

static void echo_timer(struct b4_daemon *d, uint64_t now)
{
	int i;

	if (d->stopping)
		return;
	for (i = 0; i < d->n_cand; i++) {
		struct b4_echo *e = &d->cand[i].echo;
		uint8_t old = e->state;

		if (!(d->cand[i].health.methods & B4_M_ECHO))
			continue;
		if (b4_echo_expire(e, now))
			changed(d, i, old);
		if (e->next_tx_ns && now >= e->next_tx_ns)
			tx(d, i, now);
	}
}

static uint64_t echo_deadline(const struct b4_daemon *d)
{
	uint64_t t = 0;
	int i;

	if (d->stopping)
		return 0;
	for (i = 0; i < d->n_cand; i++) {
		const struct b4_echo *e = &d->cand[i].echo;
		uint64_t x[2] = { e->next_tx_ns, e->detect_ns };
		int k;

		if (!(d->cand[i].health.methods & B4_M_ECHO))
			continue;
		for (k = 0; k < 2; k++)
			if (x[k] && (!t || x[k] < t))
				t = x[k];
	}
	return t;
}

static int echo_open(struct b4_daemon *d, struct b4_cand *c, char *err,
		     size_t errlen)
{
	(void)d;
	(void)err;
	(void)errlen;
	b4_echo_init(&c->echo);
	return 0;
}

/* stop: no echo after the stop began */
static void echo_stop(struct b4_daemon *d, int i)
{
	echo_close(d, &d->cand[i]);
}

static void echo_reason(const struct b4_cand *c, char *buf, size_t size)
{
	b4_echo_why(&c->echo, c->echo.mult, buf, size);
}

static uint64_t echo_last_rx(const struct b4_cand *c)
{
	return c->echo.last_rx_ns;
}

const struct b4_health_ops b4_echo_ops = {
	.name		= "echo",
	.diag		= BFD_DIAG_ECHO_FAILED,
	.open		= echo_open,
	.close		= echo_close,
	.path		= echo_path,
	.stop		= echo_stop,
	.deadline	= echo_deadline,
	.timer		= echo_timer,
	.reason		= echo_reason,
	.last_rx	= echo_last_rx,
};
