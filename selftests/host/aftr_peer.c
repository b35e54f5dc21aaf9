// SPDX-License-Identifier: GPL-2.0
/*
 * aftr_peer: a minimal B4 for the AFTR responder's tests. It sends real
 * DS-Lite frames (Ethernet / IPv6 next header 4 / IPv4 / UDP or ICMP, and
 * ICMPv6 echo) through an AF_PACKET socket on one interface, runs a BFD
 * session with dslite's own state machine (include/dslite/bfd.h, active
 * role), and checks the bytes of every answer. No IPv6 address, route or
 * tunnel is needed on the interface: the outer source is whatever "src"
 * says.
 *
 *   aftr_peer xdp-pass IFNAME
 *	prepare IFNAME, the veth whose peer runs the responder: attach an
 *	XDP_PASS program (a veth receives what its peer sends with XDP_TX
 *	only while it runs an XDP program itself; enabling GRO instead does
 *	not deliver them on this 6.18 kernel) and switch TX checksum
 *	offload off (see tx_csum_off())
 *
 *   aftr_peer run dev IFNAME dmac MAC src IPV6 dst IPV6 [b4 IPV4]
 *		   [aftr IPV4] [interval MS] [multiplier N] [discr N] ACTION...
 *	actions, done in order while the BFD session (once started) keeps
 *	running in the background:
 *	  up             start the session, wait until Up (5 s at most);
 *	                 prints "up: replies S1 S2 ..." (the AFTR's states)
 *	  hold MS        keep the session going for MS milliseconds
 *	  poll TX RX     new intervals (ms): a Poll Sequence, answered with F
 *	  ping N         N ICMP echo requests to the AFTR tunnel address
 *	  ping6 N        N ICMPv6 echo requests to dst
 *	  echo N         N BFD echo packets (to ourselves, UDP 3785)
 *	  data N         N ordinary tunnel packets: none may be answered
 *	  ttl254 N       N BFD packets with inner TTL 254: none answered
 *	  flood N        N first BFD packets from N other sources
 *	                 (src with the last 16 bits 0x8000 + i); prints
 *	                 "flood: sent N answered M"
 *	  admin-down     send AdminDown (diag 7) until the answer says Down
 *	                 with diag 3; prints "admin-down: reply Down diag 3"
 *	and at the end one line
 *	  "summary bfd-sent N bfd-answered N ping N ping6 N echo N state S
 *	   last-tx-ns T" (T: CLOCK_MONOTONIC of the last BFD packet sent)
 *	Every answer is checked: MACs and outer addresses swapped, hop limit
 *	64, inner addresses swapped, TTL 255 (BFD) or 64 (ping), checksums,
 *	ports, a fixed BFD source port, payloads unchanged. Any failed check
 *	prints "FAIL: ..." on stderr and the exit status is 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <dslite/proto.h>
#include <dslite/bfd.h>

#include "clock.h"
#include "wire.h"

#define ETH_LEN		14
#define IP6_LEN		40
#define IP4_LEN		20
#define UDP_LEN		8
#define ICMP_LEN	8
#define PING_DATA	56
#define ECHO_DATA	16
#define WAIT_MS		1000	/* for one answer */
#define SETTLE_MS	300	/* for answers that must not come */
#define UP_MS		5000

enum kind { K_BFD, K_PING, K_PING6, K_ECHO, K_OTHER, K_NONE };

struct peer {
	int fd, ifindex;
	uint8_t smac[6], dmac[6];
	struct in6_addr src, dst;
	uint32_t b4, aftr;		/* network order */
	uint32_t interval_us;
	uint8_t mult;
	uint32_t discr;			/* our BFD discriminator */
	uint64_t last_tx_ns;		/* time of the last BFD packet sent */

	bool bfd_on;
	struct bfd_session s;
	uint64_t next_tx;
	bool tx_off;			/* no more periodic packets */
	uint16_t sport;			/* our BFD source port */
	int reply_sport;		/* the AFTR's, -1 until seen */
	uint64_t bfd_sent, bfd_answered;
	uint8_t last_state, last_diag, last_flags;

	uint16_t icmp_id, seq;		/* the request waited for */
	bool got;
	uint8_t sent[256];		/* that request, as sent */
	size_t sent_len;
	uint64_t pings, pings6, echoes;

	uint64_t other_answers;		/* answers to flood/data/ttl254 */
	unsigned int flooded;		/* sources used by flood */
	char states[256];
	int fail;
};

static void fail(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	p->fail = 1;
}

/* ---- checksums */

/* UDP or ICMP checksum over IPv4 at ip (header) with l4 of len bytes */
static uint16_t l4_csum4(const uint8_t *ip, const uint8_t *l4, size_t len,
			 uint8_t proto)
{
	uint32_t s = inet_sum(ip + 12, 8, 0);

	s += proto + len;
	return inet_fold(inet_sum(l4, len, s));
}

static uint16_t l4_csum6(const uint8_t *ip6, const uint8_t *l4, size_t len,
			 uint8_t proto)
{
	uint32_t s = inet_sum(ip6 + 8, 32, 0);

	s += proto + len;
	return inet_fold(inet_sum(l4, len, s));
}

/* ---- frames */

static size_t outer(struct peer *p, uint8_t *f, const struct in6_addr *src,
		    uint8_t nh, size_t plen)
{
	memcpy(f, p->dmac, 6);
	memcpy(f + 6, p->smac, 6);
	put16(f + 12, ETH_P_IPV6);
	f += ETH_LEN;
	memset(f, 0, IP6_LEN);
	f[0] = 0x60;
	put16(f + 4, plen);
	f[6] = nh;
	f[7] = 64;
	memcpy(f + 8, src, 16);
	memcpy(f + 24, &p->dst, 16);
	return ETH_LEN + IP6_LEN;
}

static size_t inner4(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto,
		     uint8_t ttl, size_t l4len)
{
	static uint16_t id;

	memset(f, 0, IP4_LEN);
	f[0] = 0x45;
	put16(f + 2, IP4_LEN + l4len);
	put16(f + 4, ++id);
	f[8] = ttl;
	f[9] = proto;
	memcpy(f + 12, &src, 4);
	memcpy(f + 16, &dst, 4);
	put16(f + 10, inet_fold(inet_sum(f, IP4_LEN, 0)));
	return IP4_LEN;
}

static void udp_finish(uint8_t *ip, uint8_t *udp, size_t len)
{
	uint16_t c;

	put16(udp + 6, 0);
	c = l4_csum4(ip, udp, len, 17);
	put16(udp + 6, c ? c : 0xffff);
}

static int xmit(struct peer *p, const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = p->ifindex,
		.sll_halen = 6,
	};

	memcpy(sll.sll_addr, p->dmac, 6);
	if (sendto(p->fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
	    (ssize_t)len) {
		fail(p, "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* a BFD control frame from src with the given inner TTL */
static size_t bfd_frame(struct peer *p, uint8_t *f, const struct in6_addr *src,
			const struct bfd_ctrl *c, uint8_t ttl, uint16_t sport)
{
	size_t o = outer(p, f, src, DSLITE_NEXTHDR_IPIP,
			 IP4_LEN + UDP_LEN + BFD_CTRL_LEN);
	uint8_t *ip = f + o, *udp = ip + IP4_LEN;

	inner4(ip, p->b4, p->aftr, 17, ttl, UDP_LEN + BFD_CTRL_LEN);
	put16(udp, sport);
	put16(udp + 2, BFD_PORT_CONTROL);
	put16(udp + 4, UDP_LEN + BFD_CTRL_LEN);
	memcpy(udp + UDP_LEN, c, BFD_CTRL_LEN);
	udp_finish(ip, udp, UDP_LEN + BFD_CTRL_LEN);
	return o + IP4_LEN + UDP_LEN + BFD_CTRL_LEN;
}

static void bfd_send(struct peer *p)
{
	struct bfd_ctrl c;
	uint8_t f[256];
	size_t len;

	bfd_build(&p->s, &c);
	len = bfd_frame(p, f, &p->src, &c, BFD_TTL, p->sport);
	if (!xmit(p, f, len)) {
		p->bfd_sent++;
		p->last_tx_ns = mono_ns();
	}
}

static void schedule(struct peer *p, uint64_t now)
{
	uint32_t iv = bfd_tx_interval_us(&p->s);

	if (!iv)
		iv = BFD_SLOW_TX_US;
	p->next_tx = now + (uint64_t)bfd_jitter_us(iv, p->s.detect_mult,
						   (uint32_t)random()) * 1000;
}

/* ---- answers */

/* the parts every answer shares: Ethernet and the outer IPv6 header */
static bool check_outer(struct peer *p, const uint8_t *f, size_t len,
			const struct in6_addr *to, const char *what)
{
	if (len < ETH_LEN + IP6_LEN)
		return false;
	if (memcmp(f, p->smac, 6) || memcmp(f + 6, p->dmac, 6)) {
		fail(p, "%s: MAC addresses not swapped", what);
		return false;
	}
	if (memcmp(f + ETH_LEN + 8, &p->dst, 16) ||
	    memcmp(f + ETH_LEN + 24, to, 16)) {
		fail(p, "%s: outer addresses not swapped", what);
		return false;
	}
	if (f[ETH_LEN + 7] != DSLITE_REPLY_TTL) {
		fail(p, "%s: hop limit %u, not %u", what, f[ETH_LEN + 7],
		     DSLITE_REPLY_TTL);
		return false;
	}
	if (get16(f + ETH_LEN + 4) != len - ETH_LEN - IP6_LEN) {
		fail(p, "%s: IPv6 payload length %u for %zu bytes", what,
		     get16(f + ETH_LEN + 4), len - ETH_LEN - IP6_LEN);
		return false;
	}
	return true;
}

static bool check_ip4(struct peer *p, const uint8_t *ip, size_t len,
		      uint32_t src, uint32_t dst, uint8_t ttl, const char *what)
{
	if (len < IP4_LEN || ip[0] != 0x45 || get16(ip + 2) != len) {
		fail(p, "%s: inner IPv4 header or length wrong", what);
		return false;
	}
	if (memcmp(ip + 12, &src, 4) || memcmp(ip + 16, &dst, 4)) {
		fail(p, "%s: inner addresses not swapped", what);
		return false;
	}
	if (ip[8] != ttl) {
		fail(p, "%s: inner TTL %u, not %u", what, ip[8], ttl);
		return false;
	}
	if (inet_fold(inet_sum(ip, IP4_LEN, 0)) != 0) {
		fail(p, "%s: inner IPv4 checksum wrong", what);
		return false;
	}
	return true;
}

static void bfd_answer(struct peer *p, const uint8_t *f, size_t len,
		       const struct in6_addr *to)
{
	const uint8_t *ip = f + ETH_LEN + IP6_LEN, *udp = ip + IP4_LEN;
	const struct bfd_ctrl *c = (const void *)(udp + UDP_LEN);
	uint8_t old;
	int r;

	if (memcmp(to, &p->src, 16)) {
		p->other_answers++;	/* to a flooded source */
		return;
	}
	if (len != ETH_LEN + IP6_LEN + IP4_LEN + UDP_LEN + BFD_CTRL_LEN) {
		fail(p, "BFD answer of %zu bytes", len);
		return;
	}
	if (!check_ip4(p, ip, IP4_LEN + UDP_LEN + BFD_CTRL_LEN, p->aftr, p->b4,
		       BFD_TTL, "BFD answer"))
		return;
	if (get16(udp + 2) != BFD_PORT_CONTROL || get16(udp) < BFD_SRC_PORT_MIN ||
	    get16(udp + 4) != UDP_LEN + BFD_CTRL_LEN) {
		fail(p, "BFD answer: UDP ports %u -> %u, length %u", get16(udp),
		     get16(udp + 2), get16(udp + 4));
		return;
	}
	if (p->reply_sport >= 0 && get16(udp) != p->reply_sport)
		fail(p, "BFD answer: source port changed %d -> %u",
		     p->reply_sport, get16(udp));
	p->reply_sport = get16(udp);
	if (get16(udp + 6) == 0 ||
	    l4_csum4(ip, udp, UDP_LEN + BFD_CTRL_LEN, 17) != 0) {
		fail(p, "BFD answer: UDP checksum wrong");
		return;
	}
	r = bfd_validate(c, BFD_CTRL_LEN);
	if (r != BFD_RX_OK) {
		fail(p, "BFD answer invalid: %s", bfd_rx_result_name(r));
		return;
	}
	if (c->length != BFD_CTRL_LEN) {
		fail(p, "BFD answer: length %u", c->length);
		return;
	}
	p->bfd_answered++;
	p->last_state = bfd_ctrl_state(c);
	p->last_diag = bfd_ctrl_diag(c);
	p->last_flags = c->flags;
	if (!p->bfd_on)
		return;
	/* the state sequence of the AFTR, without repeats */
	{
		const char *n = bfd_state_name(p->last_state);
		const char *lastw = strrchr(p->states, ' ');

		lastw = lastw ? lastw + 1 : p->states;
		if (strcmp(lastw, n) && strlen(p->states) + strlen(n) + 2 <
		    sizeof(p->states)) {
			if (p->states[0])
				strcat(p->states, " ");
			strcat(p->states, n);
		}
	}
	old = p->s.state;
	r = bfd_rx(&p->s, c, mono_ns());
	if (r != BFD_RX_OK && r != BFD_RX_ADMIN_DOWN) {
		fail(p, "BFD answer refused by the session: %s",
		     bfd_rx_result_name(r));
		return;
	}
	if (!p->tx_off && (p->s.state != old || bfd_final_pending(&p->s))) {
		/* answer a Poll, and tell a change at once */
		bfd_send(p);
		schedule(p, mono_ns());
	}
}

static void ping_answer(struct peer *p, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH_LEN + IP6_LEN, *icmp = ip + IP4_LEN;
	const uint8_t *req = p->sent + ETH_LEN + IP6_LEN + IP4_LEN;
	size_t ilen = len - ETH_LEN - IP6_LEN;

	if (len != p->sent_len || get16(icmp + 4) != p->icmp_id ||
	    get16(icmp + 6) != p->seq) {
		p->other_answers++;
		return;
	}
	if (!check_ip4(p, ip, ilen, p->aftr, p->b4, DSLITE_REPLY_TTL,
		       "ping answer"))
		return;
	if (icmp[0] != DSLITE_ICMP_ECHO_REPLY || icmp[1] != 0 ||
	    inet_fold(inet_sum(icmp, ilen - IP4_LEN, 0)) != 0 ||
	    memcmp(icmp + 4, req + 4, ilen - IP4_LEN - 4)) {
		fail(p, "ping answer: ICMP header, checksum or data wrong");
		return;
	}
	p->got = true;
}

static void ping6_answer(struct peer *p, const uint8_t *f, size_t len)
{
	const uint8_t *ip6 = f + ETH_LEN, *icmp = ip6 + IP6_LEN;
	const uint8_t *req = p->sent + ETH_LEN + IP6_LEN;
	size_t ilen = len - ETH_LEN - IP6_LEN;

	if (len != p->sent_len || icmp[0] != DSLITE_ICMP6_ECHO_REPLY ||
	    get16(icmp + 4) != p->icmp_id || get16(icmp + 6) != p->seq) {
		p->other_answers++;
		return;
	}
	if (icmp[1] != 0 || l4_csum6(ip6, icmp, ilen, 58) != 0 ||
	    memcmp(icmp + 4, req + 4, ilen - 4)) {
		fail(p, "ping6 answer: ICMPv6 header, checksum or data wrong");
		return;
	}
	p->got = true;
}

static void echo_answer(struct peer *p, const uint8_t *f, size_t len)
{
	size_t off = ETH_LEN + IP6_LEN;

	if (len != p->sent_len) {
		fail(p, "echo answer of %zu bytes, sent %zu", len, p->sent_len);
		return;
	}
	/* the inner packet comes back as one forwarding hop leaves it
	 * (RFC 9747): TTL 255 -> 254, the IPv4 checksum right, the rest
	 * exactly as it was sent */
	if (f[off + 8] != BFD_TTL - 1 || inet_csum(f + off, IP4_LEN)) {
		fail(p, "echo answer: TTL %u (not 254) or a bad IPv4 checksum",
		     f[off + 8]);
		return;
	}
	if (memcmp(f + off, p->sent + off, 8) ||
	    memcmp(f + off + 9, p->sent + off + 9, 1) ||
	    memcmp(f + off + 12, p->sent + off + 12, len - off - 12)) {
		fail(p, "echo answer: inner packet changed");
		return;
	}
	p->got = true;
}

/* ours(p, a): a is our source, or one of the sources of our flood */
static bool ours(const struct peer *p, const struct in6_addr *a)
{
	unsigned int low = a->s6_addr[14] << 8 | a->s6_addr[15];

	if (!memcmp(a, &p->src, 16))
		return true;
	return !memcmp(a, &p->src, 14) && low >= 0x8000 &&
	       low < 0x8000 + p->flooded;
}

/* classify and check one received frame */
static void receive(struct peer *p, const uint8_t *f, size_t len)
{
	const uint8_t *ip6 = f + ETH_LEN, *ip;
	struct in6_addr to;

	if (len < ETH_LEN + IP6_LEN || get16(f + 12) != ETH_P_IPV6 ||
	    memcmp(ip6 + 8, &p->dst, 16))
		return;		/* not from the AFTR address */
	memcpy(&to, ip6 + 24, 16);
	if (!ours(p, &to))
		return;		/* another B4 on the same link */
	if (ip6[6] == 58) {
		if (len >= ETH_LEN + IP6_LEN + ICMP_LEN &&
		    ip6[IP6_LEN] == DSLITE_ICMP6_ECHO_REPLY &&
		    check_outer(p, f, len, &to, "ping6 answer"))
			ping6_answer(p, f, len);
		return;
	}
	if (ip6[6] != DSLITE_NEXTHDR_IPIP)
		return;
	if (!check_outer(p, f, len, &to, "softwire answer"))
		return;
	ip = ip6 + IP6_LEN;
	if (len < ETH_LEN + IP6_LEN + IP4_LEN + UDP_LEN) {
		fail(p, "short softwire answer");
		return;
	}
	if (ip[9] == 17 && get16(ip + IP4_LEN + 2) == BFD_PORT_ECHO)
		echo_answer(p, f, len);
	else if (ip[9] == 17 && get16(ip + IP4_LEN + 2) == BFD_PORT_CONTROL)
		bfd_answer(p, f, len, &to);
	else if (ip[9] == 1)
		ping_answer(p, f, len);
	else
		p->other_answers++;
}

/*
 * run_until(p, ms, done): service the socket and the BFD session for ms
 * milliseconds, or until done(p) holds. Returns true if done held.
 */
static bool run_until(struct peer *p, unsigned int ms, bool (*done)(struct peer *))
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000;
	uint8_t f[2048];

	for (;;) {
		uint64_t now = mono_ns(), wake = end;
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t n;
		int r;

		if (done && done(p))
			return true;
		if (p->fail)
			return false;
		if (now >= end)
			return false;
		if (p->bfd_on) {
			if (bfd_detect_expired(&p->s, now)) {
				fail(p, "the B4's detection time expired (state %s)",
				     bfd_state_name(p->s.state));
				return false;
			}
			if (!p->tx_off && now >= p->next_tx) {
				bfd_send(p);
				schedule(p, now);
			}
			if (!p->tx_off && p->next_tx < wake)
				wake = p->next_tx;
		}
		r = poll(&pfd, 1, (int)((wake - now + 999999) / 1000000));
		if (r < 0 && errno != EINTR) {
			fail(p, "poll: %s", strerror(errno));
			return false;
		}
		if (r <= 0)
			continue;
		while ((n = recvfrom(p->fd, f, sizeof(f), MSG_DONTWAIT,
				     (struct sockaddr *)&sll, &sl)) > 0) {
			if (sll.sll_pkttype != PACKET_OUTGOING)
				receive(p, f, n);
			sl = sizeof(sll);
		}
	}
}

static bool is_up(struct peer *p)
{
	return p->s.state == BFD_STATE_UP && p->last_state == BFD_STATE_UP;
}

static bool all_answered(struct peer *p)
{
	return p->bfd_answered >= p->bfd_sent;
}

static bool got(struct peer *p)
{
	return p->got;
}

static bool final_seen(struct peer *p)
{
	return (p->last_flags & BFD_FLAG_FINAL) && !(p->s.flags & BFD_SF_POLL);
}

static bool down3(struct peer *p)
{
	return p->last_state == BFD_STATE_DOWN &&
	       p->last_diag == BFD_DIAG_NEIGHBOR_DOWN;
}

/* ---- actions */

static void act_up(struct peer *p)
{
	uint64_t t0 = mono_ns();

	bfd_session_init(&p->s, p->discr, p->interval_us, p->interval_us, 0, p->mult, 0);
	p->bfd_on = true;
	p->states[0] = '\0';
	bfd_send(p);
	schedule(p, mono_ns());
	if (!run_until(p, UP_MS, is_up)) {
		fail(p, "session not Up (B4 %s, AFTR replies: %s)",
		     bfd_state_name(p->s.state), p->states);
		return;
	}
	printf("up: replies %s (%llu ms)\n", p->states,
	       (unsigned long long)((mono_ns() - t0) / 1000000));
}

static void act_poll(struct peer *p, uint32_t tx_ms, uint32_t rx_ms)
{
	bfd_set_timers(&p->s, tx_ms * 1000, rx_ms * 1000, 0, p->mult);
	if (!(p->s.flags & BFD_SF_POLL)) {
		fail(p, "poll: no Poll Sequence started (same intervals?)");
		return;
	}
	p->last_flags = 0;
	bfd_send(p);
	schedule(p, mono_ns());
	if (!run_until(p, WAIT_MS + 2 * tx_ms, final_seen)) {
		fail(p, "poll: no Final");
		return;
	}
	printf("poll: final, AFTR tx %u ms rx %u ms\n", p->s.remote_tx / 1000,
	       p->s.remote_rx / 1000);
}

static void act_ping(struct peer *p, int n, bool v6)
{
	int i;

	for (i = 0; i < n && !p->fail; i++) {
		uint8_t *f = p->sent, *icmp;
		size_t o;

		p->icmp_id = 0xd5 + v6;
		p->seq = i + 1;
		p->got = false;
		if (v6) {
			o = outer(p, f, &p->src, 58, ICMP_LEN + PING_DATA);
			icmp = f + o;
		} else {
			o = outer(p, f, &p->src, DSLITE_NEXTHDR_IPIP,
				  IP4_LEN + ICMP_LEN + PING_DATA);
			o += inner4(f + o, p->b4, p->aftr, 1, 64,
				    ICMP_LEN + PING_DATA);
			icmp = f + o;
		}
		memset(icmp, 0, ICMP_LEN);
		icmp[0] = v6 ? DSLITE_ICMP6_ECHO_REQUEST : DSLITE_ICMP_ECHO_REQUEST;
		put16(icmp + 4, p->icmp_id);
		put16(icmp + 6, p->seq);
		for (o = 0; o < PING_DATA; o++)
			icmp[ICMP_LEN + o] = (uint8_t)(o + i);
		if (v6)
			put16(icmp + 2, l4_csum6(f + ETH_LEN, icmp,
						 ICMP_LEN + PING_DATA, 58));
		else
			put16(icmp + 2, inet_fold(inet_sum(icmp, ICMP_LEN + PING_DATA, 0)));
		p->sent_len = (icmp - f) + ICMP_LEN + PING_DATA;
		if (xmit(p, f, p->sent_len))
			return;
		if (!run_until(p, WAIT_MS, got)) {
			fail(p, "%s %d: no answer", v6 ? "ping6" : "ping", i + 1);
			return;
		}
		if (v6)
			p->pings6++;
		else
			p->pings++;
	}
}

static void act_echo(struct peer *p, int n)
{
	int i;

	for (i = 0; i < n && !p->fail; i++) {
		uint8_t *f = p->sent, *ip, *udp;
		size_t o;

		o = outer(p, f, &p->src, DSLITE_NEXTHDR_IPIP,
			  IP4_LEN + UDP_LEN + ECHO_DATA);
		ip = f + o;
		inner4(ip, p->b4, p->b4, 17, BFD_TTL, UDP_LEN + ECHO_DATA);
		udp = ip + IP4_LEN;
		put16(udp, 50000);
		put16(udp + 2, BFD_PORT_ECHO);
		put16(udp + 4, UDP_LEN + ECHO_DATA);
		for (o = 0; o < ECHO_DATA; o++)
			udp[UDP_LEN + o] = (uint8_t)(0xe0 + o + i);
		udp_finish(ip, udp, UDP_LEN + ECHO_DATA);
		p->sent_len = (udp - f) + UDP_LEN + ECHO_DATA;
		p->got = false;
		if (xmit(p, f, p->sent_len))
			return;
		if (!run_until(p, WAIT_MS, got)) {
			fail(p, "echo %d: not reflected", i + 1);
			return;
		}
		p->echoes++;
	}
}

/* frames that must not be answered: tunnel data, TTL 254 */
static void act_unanswered(struct peer *p, int n, bool ttl254)
{
	uint64_t before = p->other_answers, bfd_before = p->bfd_answered;
	uint8_t f[256];
	int i;

	for (i = 0; i < n; i++) {
		size_t len;

		if (ttl254) {
			struct bfd_ctrl c;

			bfd_build(&p->s, &c);
			len = bfd_frame(p, f, &p->src, &c, BFD_TTL - 1, p->sport);
		} else {
			size_t o = outer(p, f, &p->src, DSLITE_NEXTHDR_IPIP,
					 IP4_LEN + UDP_LEN + 8);
			uint8_t *ip = f + o, *udp = ip + IP4_LEN;

			inner4(ip, p->b4, htonl(0xc6336401), 17, 64, UDP_LEN + 8);
			put16(udp, 40000);
			put16(udp + 2, 9);
			put16(udp + 4, UDP_LEN + 8);
			memset(udp + UDP_LEN, 0x55, 8);
			udp_finish(ip, udp, UDP_LEN + 8);
			len = o + IP4_LEN + UDP_LEN + 8;
		}
		if (xmit(p, f, len))
			return;
	}
	/* the session's own packets go on meanwhile; count only strays */
	run_until(p, SETTLE_MS, NULL);
	if (p->other_answers != before)
		fail(p, "%s: %llu answered", ttl254 ? "ttl254" : "data",
		     (unsigned long long)(p->other_answers - before));
	/* a TTL 254 packet answered would count as one answer too many */
	if (ttl254 && p->bfd_answered - bfd_before > p->bfd_sent)
		fail(p, "ttl254: answered");
	printf("%s: sent %d answered %llu\n", ttl254 ? "ttl254" : "data", n,
	       (unsigned long long)(p->other_answers - before));
}

static void act_flood(struct peer *p, int n)
{
	uint64_t before = p->other_answers;
	uint8_t f[256];
	int i;

	if (n > 0x7fff)
		n = 0x7fff;
	if ((unsigned int)n > p->flooded)
		p->flooded = n;
	for (i = 0; i < n; i++) {
		struct in6_addr src = p->src;
		struct bfd_ctrl c;
		struct bfd_session s;
		size_t len;

		src.s6_addr[14] = (0x8000 + i) >> 8;
		src.s6_addr[15] = (0x8000 + i) & 0xff;
		bfd_session_init(&s, 0x0f100000 + i, 1000000, 1000000, 0, 3, 0);
		bfd_build(&s, &c);
		len = bfd_frame(p, f, &src, &c, BFD_TTL,
				BFD_SRC_PORT_MIN + (i & 0x3fff));
		if (xmit(p, f, len))
			return;
	}
	run_until(p, SETTLE_MS, NULL);
	printf("flood: sent %d answered %llu\n", n,
	       (unsigned long long)(p->other_answers - before));
}

static void act_admin_down(struct peer *p)
{
	bfd_set_admin_down(&p->s, BFD_DIAG_ADMIN_DOWN);
	bfd_send(p);
	schedule(p, mono_ns());
	if (!run_until(p, WAIT_MS + 2000, down3)) {
		fail(p, "admin-down: the AFTR answered %s diag %u",
		     bfd_state_name(p->last_state), p->last_diag);
		return;
	}
	printf("admin-down: reply %s diag %u\n", bfd_state_name(p->last_state),
	       p->last_diag);
}

/* ---- setup */

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int m[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = m[i];
	return 0;
}

/*
 * tx_csum_off(ifname): no checksum offload when sending. A veth hands its
 * peer the packets of local sockets with their UDP checksum unfinished
 * (CHECKSUM_PARTIAL, only the pseudo-header sum in the field); an XDP
 * program sees those bytes and the responder drops them as bad
 * checksums. Without the offload the kernel finishes every checksum
 * before the packet leaves, as a real NIC would on the wire.
 */
static int tx_csum_off(const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr = {};
	int fd, r;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	if (r)
		fprintf(stderr, "aftr_peer: %s: checksum offload off: %s\n",
			ifname, strerror(errno));
	close(fd);
	return r ? 1 : 0;
}

/*
 * xdp_pass(ifname): attach a two-instruction XDP_PASS program in native
 * mode. A veth only receives the frames its peer's XDP program sends
 * with XDP_TX while it runs an XDP program itself (its NAPI ring).
 */
static int xdp_pass(const char *ifname)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int ifindex = if_nametoindex(ifname), fd;

	if (!ifindex) {
		fprintf(stderr, "aftr_peer: %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "aftr_peer_pass", "GPL", insns,
			   2, NULL);
	if (fd < 0) {
		fprintf(stderr, "aftr_peer: loading XDP_PASS: %s\n",
			strerror(errno));
		return 1;
	}
	if (bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "aftr_peer: %s: attaching XDP_PASS: %s\n",
			ifname, strerror(errno));
		return 1;
	}
	return tx_csum_off(ifname);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: aftr_peer xdp-pass IFNAME\n"
		"       aftr_peer run dev IFNAME dmac MAC src IPV6 dst IPV6 [b4 IPV4]\n"
		"                 [aftr IPV4] [interval MS] [multiplier N] [discr N]\n"
		"                 ACTION...\n");
	exit(2);
}

static int open_socket(struct peer *p, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = {};

	p->ifindex = if_nametoindex(ifname);
	if (!p->ifindex) {
		fprintf(stderr, "aftr_peer: %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	p->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IPV6));
	if (p->fd < 0) {
		perror("aftr_peer: AF_PACKET");
		return -1;
	}
	sll.sll_protocol = htons(ETH_P_IPV6);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("aftr_peer: bind");
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(p->fd, SIOCGIFHWADDR, &ifr)) {
		perror("aftr_peer: SIOCGIFHWADDR");
		return -1;
	}
	memcpy(p->smac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int main(int argc, char **argv)
{
	struct peer p = {
		.b4 = htonl(DSLITE_B4_ADDR),
		.aftr = htonl(DSLITE_AFTR_ADDR),
		.interval_us = 300000,
		.mult = 3,
		.reply_sport = -1,
	};
	const char *ifname = NULL;
	bool have_dmac = false, have_src = false, have_dst = false;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "xdp-pass"))
		return xdp_pass(argv[2]);
	if (argc < 2 || strcmp(argv[1], "run"))
		usage();
	for (i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "dev"))
			ifname = v;
		else if (!strcmp(k, "dmac"))
			have_dmac = !parse_mac(v, p.dmac);
		else if (!strcmp(k, "src"))
			have_src = inet_pton(AF_INET6, v, &p.src) == 1;
		else if (!strcmp(k, "dst"))
			have_dst = inet_pton(AF_INET6, v, &p.dst) == 1;
		else if (!strcmp(k, "b4"))
			inet_pton(AF_INET, v, &p.b4);
		else if (!strcmp(k, "aftr"))
			inet_pton(AF_INET, v, &p.aftr);
		else if (!strcmp(k, "interval"))
			p.interval_us = atoi(v) * 1000;
		else if (!strcmp(k, "multiplier"))
			p.mult = atoi(v);
		else if (!strcmp(k, "discr"))
			p.discr = strtoul(v, NULL, 0);
		else
			break;
	}
	if (!ifname || !have_dmac || !have_src || !have_dst || !p.interval_us ||
	    !p.mult)
		usage();
	if (open_socket(&p, ifname))
		return 2;
	srandom(getpid());
	if (!p.discr)
		p.discr = 0x0b400000 | (getpid() & 0xffff);
	p.sport = BFD_SRC_PORT_MIN + (getpid() & 0x3fff);

	for (; i < argc && !p.fail; i++) {
		const char *a = argv[i];
		int n = i + 1 < argc ? atoi(argv[i + 1]) : 0;

		if (!strcmp(a, "up")) {
			act_up(&p);
			continue;
		}
		if (!strcmp(a, "admin-down")) {
			if (!p.bfd_on)
				usage();
			act_admin_down(&p);
			continue;
		}
		if (i + 1 >= argc)
			usage();
		i++;
		if (!strcmp(a, "hold")) {
			run_until(&p, n, NULL);
		} else if (!strcmp(a, "poll")) {
			if (!p.bfd_on || i + 1 >= argc)
				usage();
			act_poll(&p, n, atoi(argv[++i]));
		} else if (!strcmp(a, "ping") || !strcmp(a, "ping6")) {
			act_ping(&p, n, !strcmp(a, "ping6"));
		} else if (!strcmp(a, "echo")) {
			act_echo(&p, n);
		} else if (!strcmp(a, "data")) {
			act_unanswered(&p, n, false);
		} else if (!strcmp(a, "ttl254")) {
			if (!p.bfd_on)
				usage();
			act_unanswered(&p, n, true);
		} else if (!strcmp(a, "flood")) {
			act_flood(&p, n);
		} else {
			usage();
		}
	}
	/* the last answers still on their way */
	p.tx_off = true;
	if (p.bfd_on && !p.fail)
		run_until(&p, SETTLE_MS, all_answered);
	printf("summary bfd-sent %llu bfd-answered %llu ping %llu ping6 %llu echo %llu state %s last-tx-ns %llu\n",
	       (unsigned long long)p.bfd_sent,
	       (unsigned long long)p.bfd_answered,
	       (unsigned long long)p.pings, (unsigned long long)p.pings6,
	       (unsigned long long)p.echoes,
	       p.bfd_on ? bfd_state_name(p.s.state) : "none",
	       (unsigned long long)p.last_tx_ns);
	return p.fail ? 1 : 0;
}
