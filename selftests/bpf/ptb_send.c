// SPDX-License-Identifier: GPL-2.0
/*
 * ptb_send: send ICMPv6 Packet Too Big messages such as a router on the
 * path toward a B4 sends them, about a softwire packet from an AFTR's
 * anycast address: the tests of the anycast PTB relay use it for exact
 * counts and for floods.
 *
 *   ptb_send -d DST -q QUOTED_SRC -b B4 [-B NUMBER] [-s SRC] [-m MTU]
 *            [-n COUNT] [-t SECONDS] [-r PER_SECOND]
 *
 * Each message goes to DST (from SRC, or the address the kernel picks),
 * reports MTU (default 1400) and quotes the first 1232 bytes of a
 * 1500-byte packet QUOTED_SRC -> B4 as ip6tnl sends it: IPv6, the
 * encapsulation limit option, IPv4 (198.51.100.1 -> 192.0.0.2, TCP, DF).
 * COUNT messages (default 1), or as many as fit in SECONDS; PER_SECOND
 * paces them (default: as fast as the socket takes them). With -B, the
 * messages are about NUMBER B4s in turn: B4, B4 + 1, ... B4 + NUMBER - 1
 * (the address as a 128-bit number), then B4 again: the PTBs of a busy
 * access network, one per B4 (-n NUMBER) or cycling (-t). The kernel
 * fills in the IPv6 header and the ICMPv6 checksum. Prints
 * "sent N in MS ms" on stdout; exit 1 on any error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "wire.h"

#define QUOTE_LEN	1232	/* 1280 - IPv6 header - ICMPv6 header */
#define QUOTED_LEN	1500	/* the packet that was too big */

static void die(const char *what)
{
	fprintf(stderr, "ptb_send: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: ptb_send -d DST -q QUOTED_SRC -b B4 [-B NUMBER] [-s SRC]\n"
		"                [-m MTU] [-n COUNT] [-t SECONDS] [-r PER_SECOND]\n");
	exit(1);
}

static void addr(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1) {
		fprintf(stderr, "ptb_send: \"%s\" is not an IPv6 address\n", s);
		exit(1);
	}
}

/* a = base + i, the address as a 128-bit big-endian number */
static void addr_add(struct in6_addr *a, const struct in6_addr *base, unsigned long i)
{
	unsigned int carry = 0, j;

	for (j = 16; j-- > 0;) {
		unsigned int v = base->s6_addr[j] + (i & 0xff) + carry;

		a->s6_addr[j] = v & 0xff;
		carry = v >> 8;
		i >>= 8;
	}
}

/* the ICMPv6 message: header, then the quote */
static int build(uint8_t *m, uint32_t mtu, const struct in6_addr *qsrc,
		 const struct in6_addr *b4)
{
	uint8_t *q = m + 8, *ip4 = q + 48;
	uint16_t c;
	int i;

	memset(m, 0, 8 + QUOTE_LEN);
	m[0] = ICMP6_PACKET_TOO_BIG;
	m[4] = mtu >> 24;
	m[5] = mtu >> 16;
	m[6] = mtu >> 8;
	m[7] = mtu;
	/* IPv6: payload length of the 1500-byte packet, next header 60 */
	q[0] = 0x60;
	q[4] = (QUOTED_LEN - 40) >> 8;
	q[5] = (QUOTED_LEN - 40) & 0xff;
	q[6] = IPPROTO_DSTOPTS;
	q[7] = 64;
	memcpy(q + 8, qsrc, 16);
	memcpy(q + 24, b4, 16);
	/* tunnel encapsulation limit 4 (RFC 2473), PadN, next header 4 */
	q[40] = IPPROTO_IPIP;
	q[42] = 4;
	q[43] = 1;
	q[44] = 4;
	q[45] = 1;
	q[46] = 1;
	/* IPv4 198.51.100.1 -> 192.0.0.2, TCP, DF */
	ip4[0] = 0x45;
	ip4[2] = (QUOTED_LEN - 48) >> 8;
	ip4[3] = (QUOTED_LEN - 48) & 0xff;
	ip4[6] = 0x40;
	ip4[8] = 63;
	ip4[9] = IPPROTO_TCP;
	ip4[12] = 198, ip4[13] = 51, ip4[14] = 100, ip4[15] = 1;
	ip4[16] = 192, ip4[17] = 0, ip4[18] = 0, ip4[19] = 2;
	c = inet_csum(ip4, 20);
	ip4[10] = c >> 8;
	ip4[11] = c & 0xff;
	for (i = 20; ip4 + i < m + 8 + QUOTE_LEN; i++)
		ip4[i] = i;
	return 8 + QUOTE_LEN;
}

int main(int argc, char **argv)
{
	const char *dst = NULL, *src = NULL, *qsrc = NULL, *b4 = NULL;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 from = { .sin6_family = AF_INET6 };
	struct in6_addr qa, ba;
	uint8_t msg[8 + QUOTE_LEN];
	double seconds = 0, rate = 0, t0, next;
	long count = 1, sent = 0, number = 1;
	char *end;
	uint32_t mtu = 1400;
	int c, fd, len;

	while ((c = getopt(argc, argv, "d:s:q:b:B:m:n:t:r:")) != -1) {
		switch (c) {
		case 'd': dst = optarg; break;
		case 's': src = optarg; break;
		case 'q': qsrc = optarg; break;
		case 'b': b4 = optarg; break;
		case 'B':
			errno = 0;
			number = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || number < 1 || number > 100000000) {
				fprintf(stderr, "ptb_send: -B \"%s\": a number of B4s, 1..100000000\n",
					optarg);
				exit(1);
			}
			break;
		case 'm': mtu = strtoul(optarg, NULL, 10); break;
		case 'n': count = atol(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		default: usage();
		}
	}
	if (!dst || !qsrc || !b4 || optind != argc)
		usage();
	addr(dst, &to.sin6_addr);
	addr(qsrc, &qa);
	addr(b4, &ba);
	len = build(msg, mtu, &qa, &ba);

	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd < 0)
		die("raw ICMPv6 socket");
	if (src) {
		addr(src, &from.sin6_addr);
		if (bind(fd, (struct sockaddr *)&from, sizeof(from)))
			die("bind");
	}
	t0 = next = mono_s();
	for (;;) {
		if (seconds > 0 ? mono_s() - t0 >= seconds : sent >= count)
			break;
		if (rate > 0) {
			while (mono_s() < next)
				usleep(100);
			next += 1 / rate;
		}
		if (number > 1) {
			struct in6_addr b;

			/* the quoted destination: 8 (ICMPv6) + 24 (IPv6 dst) */
			addr_add(&b, &ba, sent % number);
			memcpy(msg + 8 + 24, &b, 16);
		}
		if (sendto(fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) != len) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			die("sendto");
		}
		sent++;
	}
	printf("sent %ld in %.0f ms\n", sent, (mono_s() - t0) * 1000);
	close(fd);
	return 0;
}
