// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the ping reply parser (user/ping_wire.c, ping_parse()),
 * which reads what the raw socket's filter let through: any IPv4 packet
 * as far as the bytes go.
 *
 * Invariants: an accepted reply has a 20..60 byte header inside the
 * datagram, reports the ICMP length that is really there, and a
 * request we build ourselves parses back with its sequence and stamp.
 */
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include "ping.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t own[PING_PKT_LEN];
	struct ping_echo e;
	uint8_t *buf;
	size_t ihl;
	uint64_t t;

	/* exact size: a read past the datagram is an ASan report */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (ping_parse(buf, size, &e)) {
		ihl = (buf[0] & 15) * 4;
		fuzz_assert(ihl >= 20 && size >= ihl + 8, "ihl %zu of %zu", ihl,
			    size);
		fuzz_assert(e.bytes == size - ihl, "bytes %zu, expected %zu",
			    (size_t)e.bytes, size - ihl);
	}
	free(buf);

	/* our own request, with the first bytes as identifier and stamp */
	memcpy(&t, data, size < sizeof(t) ? size : sizeof(t));
	ping_build(own, size, (uint16_t)t, t);
	fuzz_assert(ping_parse(own, sizeof(own), &e) == 1,
		    "our own echo request does not parse");
	fuzz_assert(e.seq == (uint16_t)t && e.sent_ns == t &&
		    e.bytes == PING_PKT_LEN - sizeof(struct iphdr),
		    "our own echo request parses as seq %u", e.seq);
	return 0;
}
