// SPDX-License-Identifier: GPL-2.0
/*
 * Byte-exact unit tests of the packets the B4 builds and parses itself,
 * outside the BFD and PCP codecs (bfd_test, pcp_test):
 *
 *   user/b4/net.c     the IPv4/UDP packet around BFD (and PCP) on the
 *                     direct path and through the tunnel, the check of a
 *                     direct-path answer, the raw IPv6 socket's filter
 *   user/ping_wire.c  the echo request, the reply check, the ping
 *                     sockets' filter
 *
 * Every expected byte is written out here, so the same program run on a
 * big-endian or 32-bit target (selftests/host/cross.sh) checks the byte
 * order of every field. The socket filters run in the kernel on a
 * socketpair(AF_UNIX, SOCK_DGRAM), whose data starts where a raw
 * socket's does (the IPv4 header):
 *
 *   [ b4_wire_test ]  sv[1] --- crafted IPv4 packets ---> sv[0] + filter
 *                     delivered or dropped?
 *
 * user/b4/net.c is included (its builder and parser are static); the
 * daemon functions it calls are stubs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "../../user/b4/net.c"
#include "ping.h"
#include "tap.h"

/* ------------------------------------------------------------------------
 * Stubs of the daemon (nothing here sends BFD or decides)
 */
void b4_health_bfd_changed(struct b4_daemon *d, int i,
			   const struct b4_change *c)
{
	(void)d;
	(void)i;
	(void)c;
}

void b4_pcp_direct_input(struct b4_daemon *d, int i, const void *buf,
			 size_t len)
{
	(void)d;
	(void)i;
	(void)buf;
	(void)len;
}

void b4_mtu_input(struct b4_daemon *d, int i, size_t len)
{
	(void)d;
	(void)i;
	(void)len;
}

uint32_t b4_random(void)
{
	return 4;
}

void b4_session_rx(struct b4_session *s, const struct bfd_ctrl *p,
		   uint64_t now, struct b4_change *c)
{
	(void)s;
	(void)p;
	(void)now;
	memset(c, 0, sizeof(*c));
}

void b4_session_build(struct b4_session *s, struct bfd_ctrl *out,
		      uint64_t now)
{
	(void)s;
	(void)now;
	memset(out, 0, sizeof(*out));
}

/* b4_net_open_raw()'s filter, kept instead of attached to its socket */
static struct sock_filter raw_filter[32];
static unsigned short raw_filter_len;

int sock_filter_attach(int fd, const struct sock_filter *code,
		       unsigned short len)
{
	(void)fd;
	if (len > sizeof(raw_filter) / sizeof(raw_filter[0])) {
		errno = E2BIG;
		return -1;
	}
	memcpy(raw_filter, code, len * sizeof(*code));
	raw_filter_len = len;
	return 0;
}

/* user/util.c's, which this program does not link */
int raw_socket(int family, int protocol, const char *what, char *err,
	       size_t errlen)
{
	int fd;

	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return fd;
}

/* ------------------------------------------------------------------------
 * Helpers
 */
static void hexdiff(const uint8_t *got, const uint8_t *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			tap_diag("  byte %zu: got 0x%02x, want 0x%02x", i,
				 got[i], want[i]);
}

static int bytes_are(const uint8_t *got, const uint8_t *want, size_t n)
{
	if (!memcmp(got, want, n))
		return 1;
	hexdiff(got, want, n);
	return 0;
}

/* The 24-byte BFD packet of bfd_test's "build: exact bytes". */
static const uint8_t bfd_pkt[24] = {
	0x23, 0xd0, 3, 24,
	0x00, 0x00, 0x01, 0x01,
	0x12, 0x34, 0x56, 0x78,
	0x00, 0x04, 0x93, 0xe0,
	0x00, 0x04, 0x93, 0xe0,
	0x00, 0x00, 0xc3, 0x50,
};

/*
 * udp4(buf, ttl, frag, sport, dport, daddr_last): an IPv4/UDP packet
 * 192.0.0.1 -> 192.0.0.<daddr_last> carrying bfd_pkt, written byte by byte
 * (checksums 0: the parser and the filters do not look at them).
 */
static size_t udp4(uint8_t *b, uint8_t ttl, uint16_t frag, uint16_t sport,
		   uint16_t dport, uint8_t daddr_last)
{
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 52, 0x00, 0x00, 0x00, 0x00, 0, 17, 0, 0,
		192, 0, 0, 1, 192, 0, 0, 2,
	};

	memcpy(b, hdr, sizeof(hdr));
	put16(b + 6, frag);
	b[8] = ttl;
	b[19] = daddr_last;
	put16(b + 20, sport);
	put16(b + 22, dport);
	put16(b + 24, 32);
	put16(b + 26, 0);
	memcpy(b + 28, bfd_pkt, sizeof(bfd_pkt));
	return 52;
}

/* passes(fd_rx, fd_tx, pkt, len): the filter on fd_rx let pkt through */
static int passes(int rx, int tx, const uint8_t *pkt, size_t len)
{
	uint8_t buf[256];
	ssize_t n;

	if (send(tx, pkt, len, 0) != (ssize_t)len)
		return -1;
	n = recv(rx, buf, sizeof(buf), MSG_DONTWAIT);
	return n == (ssize_t)len && !memcmp(buf, pkt, len);
}

static int filtered_pair(int sv[2], const struct sock_filter *code,
			 unsigned short len)
{
	struct sock_fprog prog = {
		.len = len,
		.filter = (struct sock_filter *)code,
	};

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return -1;
	if (setsockopt(sv[0], SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog))) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * user/b4/net.c
 */
static void test_build_udp4(void)
{
	static const uint8_t want[52] = {
		/* IPv4: 52 bytes, DF, TTL 255, UDP, 192.0.0.2 -> 192.0.0.1 */
		0x45, 0x00, 0x00, 0x34, 0x00, 0x00, 0x40, 0x00,
		0xff, 0x11, 0xfb, 0xb4,
		0xc0, 0x00, 0x00, 0x02, 0xc0, 0x00, 0x00, 0x01,
		/* UDP 49152 -> 3784, 32 bytes, checksum */
		0xc0, 0x00, 0x0e, 0xc8, 0x00, 0x20, 0x35, 0x32,
		0x23, 0xd0, 3, 24, 0x00, 0x00, 0x01, 0x01,
		0x12, 0x34, 0x56, 0x78, 0x00, 0x04, 0x93, 0xe0,
		0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0xc3, 0x50,
	};
	uint8_t buf[64];
	size_t n;

	memset(buf, 0xee, sizeof(buf));
	n = build_udp4(buf, 49152, BFD_PORT_CONTROL, BFD_TTL, bfd_pkt,
		       sizeof(bfd_pkt));
	tap_eq(n, 52, "net: IPv4/UDP/BFD is 52 bytes");
	tap_result(bytes_are(buf, want, sizeof(want)),
		   "net: exact bytes (IPv4 header and checksum, UDP ports, length and checksum, BFD)");
	tap_eq(buf[52], 0xee, "net: nothing written past the packet");
	tap_eq(inet_csum(buf, 20), 0, "net: the IPv4 checksum verifies");
}

static void test_parse_inner(void)
{
	const uint8_t *payload = NULL;
	uint8_t b[64];
	size_t plen = 0, n;
	int r;

	n = udp4(b, 255, 0, 3784, 3784, 2);
	r = parse_inner(b, n, 49152, 0, &payload, &plen);
	tap_result(r == 0 && payload == b + 28 && plen == 24,
		   "parse: BFD to 3784, TTL 255: the 24-byte payload");
	n = udp4(b, 255, 0, 3784, 49152, 2);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), 0,
	       "parse: BFD to the session's source port");
	n = udp4(b, 255, 0, 3784, 49153, 2);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: another source port: dropped");
	n = udp4(b, 254, 0, 3784, 3784, 2);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: TTL 254: dropped (RFC 5881 GTSM)");
	n = udp4(b, 255, 0x2000, 3784, 3784, 2);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: a first fragment (MF): dropped");
	n = udp4(b, 255, 0x0001, 3784, 3784, 2);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: a later fragment (offset 8): dropped");
	n = udp4(b, 255, 0x4000, 3784, 3784, 2);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), 0,
	       "parse: DF set is fine");
	n = udp4(b, 255, 0, 3784, 3784, 3);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: to 192.0.0.3: dropped");
	n = udp4(b, 255, 0, 3784, 3784, 2);
	b[9] = 6;
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: TCP: dropped");
	n = udp4(b, 255, 0, 3784, 3784, 2);
	tap_eq(parse_inner(b, n - 1, 49152, 0, &payload, &plen), -1,
	       "parse: total length past the data read: dropped");
	n = udp4(b, 255, 0, 3784, 3784, 2);
	put16(b + 24, 33);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: UDP length past the IPv4 packet: dropped");
	n = udp4(b, 255, 0, 3784, 3784, 2);
	put16(b + 24, 7);
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: UDP length below its header: dropped");
	n = udp4(b, 255, 0, 3784, 3784, 2);
	b[0] = 0x65;
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: IP version 6: dropped");

	/* PCP: from 192.0.0.1:5351 to the daemon's PCP port, any TTL */
	n = udp4(b, 63, 0, PCP_SERVER_PORT, 40000, 2);
	r = parse_inner(b, n, 49152, 40000, &payload, &plen);
	tap_result(r == 1 && payload == b + 28 && plen == 24,
		   "parse: PCP answer 5351 -> the PCP port, TTL 63: 1 with the payload");
	tap_eq(parse_inner(b, n, 49152, 0, &payload, &plen), -1,
	       "parse: the same without PCP on the candidate: dropped");
	n = udp4(b, 63, 0, 5350, 40000, 2);
	tap_eq(parse_inner(b, n, 49152, 40000, &payload, &plen), -1,
	       "parse: from port 5350: not PCP, dropped");
	n = udp4(b, 63, 0, PCP_SERVER_PORT, 40000, 2);
	b[15] = 9;
	tap_eq(parse_inner(b, n, 49152, 40000, &payload, &plen), -1,
	       "parse: PCP from 192.0.0.9: dropped");
}

static void test_raw_filter(void)
{
	char err[128];
	uint8_t b[64];
	int fd, sv[2];

	fd = b4_net_open_raw(err, sizeof(err));
	if (fd < 0 || !raw_filter_len) {
		tap_skip(err, "raw socket filter: b4_net_open_raw()");
		return;
	}
	close(fd);
	if (filtered_pair(sv, raw_filter, raw_filter_len)) {
		tap_result(0, "raw filter: attach to a socketpair: %s",
			   strerror(errno));
		return;
	}
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 255, 0, 3784, 3784, 2)), 1,
	       "raw filter: UDP to 3784 passes");
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 255, 0, 3784, 49152, 2)), 1,
	       "raw filter: UDP to 49152 (a BFD source port) passes");
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 255, 0, 3784, 65535, 2)), 1,
	       "raw filter: UDP to 65535 passes");
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 64, 0, 5351, 1024, 2)), 1,
	       "raw filter: UDP from 5351 (PCP) passes");
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 255, 0, 53, 49151, 2)), 0,
	       "raw filter: UDP 53 -> 49151 dropped");
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 255, 0, 3784, 3785, 2)), 0,
	       "raw filter: UDP to 3785 (echo) dropped");
	udp4(b, 255, 0, 3784, 3784, 2);
	b[9] = 6;
	tap_eq(passes(sv[0], sv[1], b, 52), 0, "raw filter: TCP dropped");
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 255, 0x2000, 3784, 3784, 2)), 0,
	       "raw filter: first fragment (MF) dropped");
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 255, 0x0010, 3784, 3784, 2)), 0,
	       "raw filter: later fragment dropped");
	tap_eq(passes(sv[0], sv[1], b, udp4(b, 255, 0x4000, 3784, 3784, 2)), 1,
	       "raw filter: DF set passes");
	/* a 24-byte IPv4 header (one option word): ports at 24 */
	udp4(b, 255, 0, 0, 0, 2);
	memmove(b + 24, b + 20, 32);
	b[0] = 0x46;
	memset(b + 20, 1, 4);	/* NOPs */
	put16(b + 24, 53);
	put16(b + 26, 3784);
	tap_eq(passes(sv[0], sv[1], b, 56), 1,
	       "raw filter: IPv4 options: the ports are read past them");
	close(sv[0]);
	close(sv[1]);
}

/* ------------------------------------------------------------------------
 * user/ping_wire.c
 */
static void test_ping_build(void)
{
	static const uint8_t head[28] = {
		/* IPv4: 84 bytes, id = seq 7, DF, TTL 64, ICMP */
		0x45, 0x00, 0x00, 0x54, 0x00, 0x07, 0x40, 0x00,
		0x40, 0x01, 0xba, 0x9e,
		0xc0, 0x00, 0x00, 0x02, 0xc0, 0x00, 0x00, 0x01,
		/* echo request, checksum, id 0x1234, seq 7 */
		0x08, 0x00, 0xfa, 0xc1, 0x12, 0x34, 0x00, 0x07,
	};
	uint8_t b[PING_PKT_LEN + 4], data[PING_DATA_LEN];
	int i;

	tap_eq(PING_PKT_LEN, 84, "ping: the request is 84 bytes (ping(8)'s)");
	memset(b, 0xee, sizeof(b));
	/* stamp 0: the stamp is in host order, the rest is the wire's */
	ping_build(b, 0x1234, 7, 0);
	tap_result(bytes_are(b, head, sizeof(head)),
		   "ping: exact IPv4 and ICMP headers, checksums included");
	memset(data, 0, 8);
	for (i = 8; i < PING_DATA_LEN; i++)
		data[i] = i;
	tap_result(bytes_are(b + 28, data, sizeof(data)),
		   "ping: data: 8 bytes of stamp, then 8, 9, ... 55");
	tap_eq(b[PING_PKT_LEN], 0xee, "ping: nothing written past 84 bytes");
}

/* reply(b, id, seq, stamp): our request to 192.0.0.1 turned into its reply */
static void reply(uint8_t *b, uint16_t id, uint16_t seq, uint64_t stamp)
{
	ping_build(b, id, seq, stamp);
	memcpy(b + 12, (const uint8_t[]){ 192, 0, 0, 1, 192, 0, 0, 2 }, 8);
	b[20] = 0;				/* echo reply */
	put16(b + 22, 0);
	put16(b + 22, inet_csum(b + 20, PING_PKT_LEN - 20));
}

static void test_ping_parse(void)
{
	const uint64_t stamp = 0x0102030405060708ULL;
	struct ping_echo e;
	uint8_t b[PING_PKT_LEN + 4];

	reply(b, 0x1234, 0xbeef, stamp);
	memset(&e, 0, sizeof(e));
	tap_result(ping_parse(b, PING_PKT_LEN, &e) == 1 && e.seq == 0xbeef &&
		   e.ttl == 64 && e.bytes == 64 && e.sent_ns == stamp,
		   "ping parse: seq 0xbeef, TTL 64, 64 bytes, the stamp back");
	b[40] ^= 1;
	tap_eq(ping_parse(b, PING_PKT_LEN, &e), 0,
	       "ping parse: a flipped data bit fails the checksum");
	reply(b, 0x1234, 1, stamp);
	tap_eq(ping_parse(b, 19, &e), 0, "ping parse: 19 bytes: not a packet");
	tap_eq(ping_parse(b, 27, &e), 0, "ping parse: no room for the ICMP header");
	b[0] = 0x44;
	tap_eq(ping_parse(b, PING_PKT_LEN, &e), 0,
	       "ping parse: IHL 4: not a packet");
	reply(b, 0x1234, 1, stamp);
	b[0] = 0x46;	/* the ICMP message now starts 4 bytes later */
	tap_eq(ping_parse(b, PING_PKT_LEN, &e), 0,
	       "ping parse: the header length decides where ICMP starts");
}

static void test_ping_filter(void)
{
	struct sock_filter code[PING_FILTER_LEN];
	uint8_t b[PING_PKT_LEN + 4];
	int sv[2];

	ping_filter(code, 0x1234);
	if (filtered_pair(sv, code, PING_FILTER_LEN)) {
		tap_result(0, "ping filter: attach to a socketpair: %s",
			   strerror(errno));
		return;
	}
	reply(b, 0x1234, 3, 0);
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN), 1,
	       "ping filter: our reply passes");
	reply(b, 0x1235, 3, 0);
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN), 0,
	       "ping filter: another identifier dropped");
	ping_build(b, 0x1234, 3, 0);
	memcpy(b + 12, (const uint8_t[]){ 192, 0, 0, 1, 192, 0, 0, 2 }, 8);
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN), 0,
	       "ping filter: an echo request dropped");
	reply(b, 0x1234, 3, 0);
	b[15] = 9;
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN), 0,
	       "ping filter: from 192.0.0.9 dropped");
	reply(b, 0x1234, 3, 0);
	b[19] = 3;
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN), 0,
	       "ping filter: to 192.0.0.3 dropped");
	reply(b, 0x1234, 3, 0);
	b[9] = 17;
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN), 0,
	       "ping filter: UDP dropped");
	reply(b, 0x1234, 3, 0);
	put16(b + 6, 0x2000);
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN), 0,
	       "ping filter: a fragment dropped");
	reply(b, 0x1234, 3, 0);
	b[0] = 0x65;
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN), 0,
	       "ping filter: IP version 6 dropped");
	/* options: the ICMP header is read past them */
	reply(b, 0x1234, 3, 0);
	memmove(b + 24, b + 20, PING_PKT_LEN - 20);
	memset(b + 20, 1, 4);
	b[0] = 0x46;
	tap_eq(passes(sv[0], sv[1], b, PING_PKT_LEN + 4), 1,
	       "ping filter: a reply with IPv4 options passes");
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	tap_start();
	test_build_udp4();
	test_parse_inner();
	test_raw_filter();
	test_ping_build();
	test_ping_parse();
	test_ping_filter();
	return tap_done();
}
