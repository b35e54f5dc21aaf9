// SPDX-License-Identifier: GPL-2.0
/*
 * The bytes of dslitectl's ping (ping.h): the echo request as it leaves,
 * the check of a reply, and the socket filter that lets only our replies
 * through. No sockets here, so the unit tests check them byte by byte on
 * every target (selftests/unit/b4_wire_test.c).
 */
#include <arpa/inet.h>
#include <string.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include "ping.h"
#include "wire.h"

#include <dslite/proto.h>

struct echo_pkt {
	struct iphdr ip;
	struct icmphdr icmp;
	uint8_t data[PING_DATA_LEN];
} __attribute__((packed));

_Static_assert(sizeof(struct echo_pkt) == PING_PKT_LEN, "echo packet size");

void ping_build(uint8_t *buf, uint16_t id, uint16_t seq, uint64_t t)
{
	struct echo_pkt *e = (struct echo_pkt *)buf;
	int i;

	memset(e, 0, sizeof(*e));
	e->ip.version = 4;
	e->ip.ihl = 5;
	e->ip.tot_len = htons(sizeof(*e));
	e->ip.id = htons(seq);
	e->ip.frag_off = htons(IP_DF);
	e->ip.ttl = 64;
	e->ip.protocol = IPPROTO_ICMP;
	e->ip.saddr = htonl(DSLITE_B4_ADDR);
	e->ip.daddr = htonl(DSLITE_AFTR_ADDR);
	e->ip.check = htons(inet_csum(&e->ip, sizeof(e->ip)));
	e->icmp.type = ICMP_ECHO;
	e->icmp.un.echo.id = htons(id);
	e->icmp.un.echo.sequence = htons(seq);
	memcpy(e->data, &t, sizeof(t));
	for (i = sizeof(t); i < PING_DATA_LEN; i++)
		e->data[i] = i;
	e->icmp.checksum = htons(inet_csum(&e->icmp,
					   sizeof(e->icmp) + PING_DATA_LEN));
}

int ping_parse(const uint8_t *buf, size_t n, struct ping_echo *e)
{
	const struct iphdr *ip = (const void *)buf;
	const struct icmphdr *icmp;
	size_t ihl;

	if (n < sizeof(*ip))
		return 0;
	ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip) || n < ihl + sizeof(*icmp))
		return 0;
	icmp = (const void *)(buf + ihl);
	if (inet_csum(icmp, n - ihl) != 0)
		return 0;
	e->seq = ntohs(icmp->un.echo.sequence);
	e->ttl = ip->ttl;
	e->bytes = n - ihl;
	e->sent_ns = 0;
	if (n >= ihl + sizeof(*icmp) + sizeof(e->sent_ns))
		memcpy(&e->sent_ns, buf + ihl + sizeof(*icmp),
		       sizeof(e->sent_ns));
	return 1;
}

/* Only echo replies 192.0.0.1 -> 192.0.0.2 with identifier id, unfragmented;
 * the data starts at the IPv4 header on both kinds of raw socket. */
void ping_filter(struct sock_filter *code, uint16_t id)
{
	const struct sock_filter f[PING_FILTER_LEN] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 14),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 0, 12),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DSLITE_AFTR_ADDR, 0, 10),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DSLITE_B4_ADDR, 0, 8),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 6, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ICMP_ECHOREPLY, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};

	memcpy(code, f, sizeof(f));
}
