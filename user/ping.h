/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl: ICMP echo to the AFTR's softwire end, 192.0.0.1, from the
 * B4's 192.0.0.2. The sockets, the packet and the reply check shared by
 * the manual "dslitectl ping" (ping.c) and the ping health method of the
 * B4 daemon.
 *
 * Two paths:
 *   tunnel  a raw ICMP socket bound to the ip6tnl device and to
 *           192.0.0.2; the kernel encapsulates toward the tunnel's remote
 *   direct  the IPv4 packet is built here and sent on a raw IPv6 socket
 *           of protocol 4 (from the tunnel's local address when given),
 *           so on the wire it is what a tunnel to that AFTR would send;
 *           every such socket gets a copy of each IPv4-in-IPv6 packet,
 *           so the reply arrives whether or not a tunnel decapsulates it
 *
 * Both sockets carry a classic BPF filter that keeps only unfragmented
 * echo replies 192.0.0.1 -> 192.0.0.2 with the prober's identifier.
 */
#ifndef DSLITECTL_PING_H
#define DSLITECTL_PING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/filter.h>

#define PING_DATA_LEN	56		/* ICMP data bytes, as ping(8) */
#define PING_IP_LEN	20		/* IPv4 header, no options */
#define PING_PKT_LEN	(PING_IP_LEN + 8 + PING_DATA_LEN)
#define PING_FILTER_LEN	18		/* instructions of ping_filter() */

/* One echo reply that passed the checks. */
struct ping_echo {
	uint16_t seq;
	uint8_t ttl;
	uint16_t bytes;			/* ICMP header and data */
	uint64_t sent_ns;		/* the timestamp the request carried */
};

/* A raw ICMP socket on device ifname (non-blocking, filtered for id). */
int ping_open_tunnel(const char *ifname, uint16_t id, char *err,
		     size_t errlen);
/* A raw IPv6 socket of protocol 4, bound to src unless it is NULL or
 * unspecified (non-blocking, filtered for id). */
int ping_open_direct(const struct in6_addr *src, uint16_t id, char *err,
		     size_t errlen);
/*
 * ping_send(fd, aftr, id, seq, stamp_ns, err, errlen): one echo request
 * carrying stamp_ns; through the tunnel when aftr is NULL, else
 * encapsulated to aftr. Returns 0 or -1 with the reason in err.
 */
int ping_send(int fd, const struct in6_addr *aftr, uint16_t id, uint16_t seq,
	      uint64_t stamp_ns, char *err, size_t errlen);
/*
 * ping_recv(fd, aftr, e): read one packet. Returns 1 with e filled for an
 * echo reply (on the direct path, aftr not NULL, only from aftr), 0 for
 * a packet that is not one (someone else's direct probe, a bad checksum),
 * -1 when nothing is left to read.
 */
int ping_recv(int fd, const struct in6_addr *aftr, struct ping_echo *e);

/*
 * The bytes (ping_wire.c, no sockets):
 *
 * ping_build(buf, id, seq, stamp_ns): the echo request 192.0.0.2 ->
 * 192.0.0.1 as it leaves, IPv4 header and checksums included, the stamp
 * in the first 8 data bytes (host order: only this host reads it back),
 * PING_PKT_LEN bytes.
 *
 * ping_parse(buf, n, e): an IPv4 packet that passed ping_filter(): 1 and
 * *e filled when its ICMP checksum is right, 0 otherwise.
 *
 * ping_filter(code, id): the classic BPF socket filter (PING_FILTER_LEN
 * instructions) that keeps only unfragmented echo replies 192.0.0.1 ->
 * 192.0.0.2 with identifier id; its data starts at the IPv4 header.
 */
void ping_build(uint8_t *buf, uint16_t id, uint16_t seq, uint64_t stamp_ns);
int ping_parse(const uint8_t *buf, size_t n, struct ping_echo *e);
void ping_filter(struct sock_filter *code, uint16_t id);

#endif /* DSLITECTL_PING_H */
