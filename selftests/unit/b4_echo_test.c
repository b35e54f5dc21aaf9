// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the B4 daemon's echo health method (user/b4/echo.c, RFC
 * 9747 unaffiliated BFD echo), its logic without the daemon:
 *
 *   b4_echo_build() --- the packet, TTL 255 ---> "reflector" below
 *     reflect(): TTL 255 -> 254, the IPv4 checksum updated in place as
 *     the AFTR's XDP responder does it (RFC 1624)
 *   b4_echo_rx() <--- reflected / foreign / TTL 255 / late packets
 *   b4_echo_expire() at chosen times (no clock: every time is given)
 *   b4_echo_filter() attached to an AF_UNIX datagram socket: the same
 *     classic BPF program the daemon's sockets carry, run by the kernel
 *
 * Pacing (b4_echo_interval_us): 1 s until Up, then the larger of
 * echo-interval and the AFTR's Required Min Echo RX; 0 (nothing sent)
 * when the AFTR advertises 0. Detection: Up and no echo for multiplier x
 * interval: Down, diag echo-failed (2).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/filter.h>

#include "dslitectl.h"
#include "b4.h"
#include "wire.h"
#include "tap.h"

/* stubs of the daemon: echo.o's daemon side is linked, not run */
void b4_log(const struct b4_daemon *d, const char *fmt, ...)
{
	(void)d;
	(void)fmt;
}

static uint32_t rnd = 0x12345678;

uint32_t b4_random(void)
{
	rnd = rnd * 1103515245u + 12345u;
	return rnd;
}

#include "b4_unit_stubs.h"

#include "b4_watch_stubs.h"

int sock_filter_attach(int fd, const struct sock_filter *code,
		       unsigned short len)
{
	struct sock_fprog prog = {
		.len = len,
		.filter = (struct sock_filter *)code,
	};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog));
}

int raw_socket(int family, int protocol, const char *what, char *err,
	       size_t errlen)
{
	(void)family;
	(void)protocol;
	snprintf(err, errlen, "%s: stub", what);
	return -1;
}

#define MS	1000000ull		/* ns */
#define MULT	3

/* the forwarding hop: TTL - 1, the IPv4 checksum updated (RFC 1624) */
static void reflect(uint8_t *p)
{
	uint16_t old = get16(p + 8), new;
	uint32_t s;

	p[8]--;
	new = get16(p + 8);
	s = (uint16_t)~get16(p + 10) + (uint16_t)~old + new;
	put16(p + 10, inet_fold(s));
}

/* an echo e sent at now, reflected by one hop */
static size_t sent_back(struct b4_echo *e, uint8_t *buf, uint64_t now)
{
	size_t n = b4_echo_build(e, buf, MULT, now);

	reflect(buf);
	return n;
}

static void test_packet(void)
{
	struct b4_echo e;
	uint8_t p[B4_ECHO_LEN], q[B4_ECHO_LEN];
	uint32_t s;
	size_t n;

	b4_echo_init(&e);
	e.ival_us = 1000000;
	n = b4_echo_build(&e, p, MULT, 5 * MS);
	tap_result(n == 68, "packet: 68 bytes (IPv4 20, UDP 8, BFD 24, 16 of ours)");
	tap_result(p[0] == 0x45 && get16(p + 2) == 68 && p[8] == 255 &&
		   p[9] == IPPROTO_UDP && get16(p + 6) == 0x4000,
		   "IPv4: TTL 255, UDP, DF, total length 68");
	tap_result(get32(p + 12) == DSLITE_B4_ADDR &&
		   get32(p + 16) == DSLITE_B4_ADDR,
		   "source = destination = 192.0.0.2 (RFC 9747 2)");
	tap_result(inet_csum(p, 20) == 0, "IPv4 header checksum right");
	tap_result(get16(p + 22) == BFD_PORT_ECHO &&
		   get16(p + 20) >= BFD_SRC_PORT_MIN &&
		   get16(p + 20) == e.sport && get16(p + 24) == 48,
		   "UDP %u -> 3785, length 48", get16(p + 20));
	s = inet_sum(p + 12, 8, 0) + IPPROTO_UDP + 48;
	tap_result(inet_fold(inet_sum(p + 20, 48, s)) == 0,
		   "UDP checksum right (pseudo-header included)");
	tap_result(p[28] == (BFD_VERSION << 5) && p[29] >> 6 == BFD_STATE_DOWN &&
		   p[30] == MULT && p[31] == 24 &&
		   get32(p + 32) == e.discr && get32(p + 36) == e.discr &&
		   get32(p + 40) == 1000000,
		   "BFD: version 1, Down, Detect Mult 3, Length 24, My = Your Discriminator, Desired Min TX 1 s");
	tap_result(get32(p + 52) == 1 && get32(p + 60) == 0 &&
		   get32(p + 64) == 5 * MS, "sequence 1, sent at 5 ms");
	memcpy(q, p, sizeof(q));
	reflect(q);
	tap_result(q[8] == 254 && inet_csum(q, 20) == 0,
		   "one hop back: TTL 254, the incremental checksum update is right");
}

static void test_pacing(void)
{
	struct b4_echo e;

	b4_echo_init(&e);
	tap_result(b4_echo_interval_us(&e, 200, false, 0) == 1000000,
		   "pacing: 1 packet a second until Up (echo-interval 200 ms)");
	tap_result(b4_echo_interval_us(&e, 2000, true, 50000) == 2000000,
		   "pacing: until Up, echo-interval when slower than 1 s");
	e.state = BFD_STATE_UP;
	tap_result(b4_echo_interval_us(&e, 200, true, 500000) == 500000,
		   "pacing: Up, the AFTR's Required Min Echo RX 500 ms > 200 ms");
	tap_result(b4_echo_interval_us(&e, 300, true, 50000) == 300000,
		   "pacing: Up, echo-interval 300 ms > the AFTR's 50 ms");
	tap_result(b4_echo_interval_us(&e, 300, true, 0) == 0,
		   "the AFTR advertises Required Min Echo RX 0: nothing sent");
	tap_result(b4_echo_interval_us(&e, 300, false, 0) == 1000000,
		   "Up, but no control packet from the AFTR (timed out): 1 s");
	e.state = BFD_STATE_DOWN;
	tap_result(b4_echo_interval_us(&e, 300, true, 0) == 0,
		   "Down, the AFTR advertises 0: nothing sent either");
}

static void test_rx(void)
{
	struct b4_echo e, other;
	uint8_t p[B4_ECHO_LEN];
	uint64_t t = 1000 * MS;
	char why[128];
	size_t n;
	int r;

	b4_echo_init(&e);
	b4_echo_init(&other);
	e.ival_us = 1000000;
	other.ival_us = 1000000;

	/* our packet back unchanged: TTL 255, refused */
	n = b4_echo_build(&e, p, MULT, t);
	r = b4_echo_rx(&e, p, n, MULT, t + 5 * MS);
	tap_result(r == B4_ECHO_RX_TTL && e.ttl_refused == 1 &&
		   e.received == 0 && e.state == BFD_STATE_DOWN,
		   "our echo back with TTL 255 (no hop): refused, counted, no state change");
	b4_echo_why(&e, MULT, why, sizeof(why));
	tap_result(strstr(why, "TTL 255, not 254") != NULL,
		   "the reason says so: \"%s\"", why);

	/* TTL 253: two hops, refused as well */
	n = sent_back(&e, p, t);
	reflect(p);
	r = b4_echo_rx(&e, p, n, MULT, t + 5 * MS);
	tap_result(r == B4_ECHO_RX_TTL && e.ttl_refused == 2 &&
		   e.last_bad_ttl == 253, "TTL 253 refused too");

	/* another prober's echo (another discriminator and port) */
	n = sent_back(&other, p, t);
	r = b4_echo_rx(&e, p, n, MULT, t + 5 * MS);
	tap_result(r == B4_ECHO_RX_FOREIGN && e.others == 1 &&
		   e.ttl_refused == 2 && e.received == 0,
		   "an echo of another discriminator: others, ignored");
	/* only the discriminator differs */
	n = sent_back(&e, p, t);
	put32(p + 32, e.discr ^ 1);
	put32(p + 36, e.discr ^ 1);
	put16(p + 26, 0);		/* no UDP checksum */
	r = b4_echo_rx(&e, p, n, MULT, t + 5 * MS);
	tap_result(r == B4_ECHO_RX_FOREIGN, "our port, another discriminator: ignored");
	/* a corrupted payload */
	n = sent_back(&e, p, t);
	p[60] ^= 0x40;
	r = b4_echo_rx(&e, p, n, MULT, t + 5 * MS);
	tap_result(r == B4_ECHO_RX_FOREIGN, "bad UDP checksum: ignored");
	/* a bad IPv4 checksum */
	n = sent_back(&e, p, t);
	p[10] ^= 1;
	r = b4_echo_rx(&e, p, n, MULT, t + 5 * MS);
	tap_result(r == B4_ECHO_RX_FOREIGN, "bad IPv4 checksum: ignored");
	/* truncated */
	n = sent_back(&e, p, t);
	r = b4_echo_rx(&e, p, 40, MULT, t + 5 * MS);
	tap_result(r == B4_ECHO_RX_FOREIGN && e.others == 5,
		   "truncated: ignored (5 others)");

	/* Down: the looped Down packet -> Init, the looped Init -> Up */
	n = sent_back(&e, p, t);
	r = b4_echo_rx(&e, p, n, MULT, t + 5 * MS);
	tap_result(r == B4_ECHO_RX_OK && e.state == BFD_STATE_INIT &&
		   e.received == 1 && e.last_rtt_ns == 5 * MS,
		   "reflected (TTL 254): Down -> Init, rtt 5 ms");
	tap_result(e.detect_ns == t + 5 * MS + 3000 * MS,
		   "detection armed: 3 x 1 s");
	t += 1000 * MS;
	n = sent_back(&e, p, t);
	r = b4_echo_rx(&e, p, n, MULT, t + 2 * MS);
	tap_result(r == B4_ECHO_RX_OK && e.state == BFD_STATE_UP &&
		   e.diag == 0, "the looped Init: Init -> Up");

	/* Up at 200 ms: detection after 3 x 200 ms without an echo */
	e.ival_us = b4_echo_interval_us(&e, 200, true, 100000);
	tap_result(e.ival_us == 200000, "Up: interval 200 ms");
	t += 200 * MS;
	n = sent_back(&e, p, t);
	r = b4_echo_rx(&e, p, n, MULT, t + 1 * MS);
	tap_result(r == B4_ECHO_RX_OK && e.detect_ns == t + 601 * MS,
		   "an echo while Up: detection at +600 ms");
	/* an echo sent long ago comes back now: late, not counted */
	n = b4_echo_build(&e, p, MULT, t - 700 * MS);
	reflect(p);
	r = b4_echo_rx(&e, p, n, MULT, t + 1 * MS);
	tap_result(r == B4_ECHO_RX_LATE && e.late == 1 &&
		   e.detect_ns == t + 601 * MS,
		   "an echo back after its detection time: late, detection not moved");
	tap_result(!b4_echo_expire(&e, t + 600 * MS) &&
		   e.state == BFD_STATE_UP, "not expired 1 ms before");
	tap_result(b4_echo_expire(&e, t + 601 * MS) &&
		   e.state == BFD_STATE_DOWN &&
		   e.diag == BFD_DIAG_ECHO_FAILED && e.failures == 1,
		   "3 intervals without an echo: Down, diag echo-failed (2)");
	b4_echo_why(&e, MULT, why, sizeof(why));
	tap_result(strstr(why, "echo-failed") != NULL, "reason: \"%s\"", why);
	tap_result(!b4_echo_expire(&e, t + 2000 * MS),
		   "Down: no detection running");
	e.ival_us = b4_echo_interval_us(&e, 200, true, 100000);
	tap_result(e.ival_us == 1000000, "Down again: 1 packet a second");
	/* the path heals: Down, Init, Up again */
	t += 2000 * MS;
	n = sent_back(&e, p, t);
	b4_echo_rx(&e, p, n, MULT, t + 1 * MS);
	tap_result(e.state == BFD_STATE_INIT && e.diag == BFD_DIAG_ECHO_FAILED,
		   "reflected again: Init (diag kept until Up)");
	n = sent_back(&e, p, t + 1000 * MS);
	b4_echo_rx(&e, p, n, MULT, t + 1001 * MS);
	tap_result(e.state == BFD_STATE_UP && e.diag == 0,
		   "then Up, diag cleared");

	/* the AFTR refuses echo */
	e.refused = true;
	e.state = BFD_STATE_DOWN;
	b4_echo_why(&e, MULT, why, sizeof(why));
	tap_result(strstr(why, "Required Min Echo RX 0") != NULL,
		   "refused by the AFTR: \"%s\"", why);
}

/* the socket filter, run by the kernel on an AF_UNIX datagram socket */
static void test_filter(void)
{
	struct sock_filter code[B4_ECHO_FILTER_LEN];
	struct b4_echo e;
	uint8_t p[B4_ECHO_LEN], buf[256];
	int sv[2], passed, k;
	struct {
		const char *what;
		int off, val;		/* byte p[off] = val, -1: none */
		bool pass;
	} rows[] = {
		{ "our echo, TTL 254", -1, 0, true },
		{ "TTL 255 (the filter leaves the TTL to the daemon)", 8, 255, true },
		{ "UDP to 3784, not an echo", 23, 0xc8, false },
		{ "TCP", 9, IPPROTO_TCP, false },
		{ "source 192.0.0.3", 15, 3, false },
		{ "destination 192.0.0.1", 19, 1, false },
		{ "a fragment (MF)", 6, 0x60, false },
		{ "IPv6", 0, 0x65, false },
	};

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv)) {
		tap_skip(strerror(errno), "socket filter");
		return;
	}
	b4_echo_filter(code);
	tap_result(sock_filter_attach(sv[0], code, B4_ECHO_FILTER_LEN) == 0,
		   "filter: the kernel accepts the program");
	b4_echo_init(&e);
	for (k = 0; k < (int)(sizeof(rows) / sizeof(rows[0])); k++) {
		sent_back(&e, p, 1);
		if (rows[k].off >= 0)
			p[rows[k].off] = rows[k].val;
		if (send(sv[1], p, sizeof(p), 0) != (ssize_t)sizeof(p)) {
			tap_result(0, "filter: send: %s", strerror(errno));
			continue;
		}
		passed = recv(sv[0], buf, sizeof(buf), 0) == (ssize_t)sizeof(p);
		tap_result(passed == rows[k].pass, "filter: %s: %s", rows[k].what,
			   rows[k].pass ? "kept" : "dropped");
	}
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	tap_start();
	test_packet();
	test_pacing();
	test_rx();
	test_filter();
	return tap_done();
}
