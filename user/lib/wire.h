/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire helpers for dslitectl and the test programs that build or check
 * frames: big-endian fields read and written byte by byte (no alignment
 * needed), and the Internet checksum (RFC 1071; the BPF side has
 * bpf/csum.h).
 *
 *   get16(p), get32(p)    a network-order field at p, as a host value
 *   put16(p, v), put32    store v at p in network order
 *
 * Words are summed in network byte order read byte by byte, so the result
 * is a host-order value: store it with htons() or byte by byte, high first.
 *
 *   inet_sum(p, len, s)   add the 16-bit words of p[0..len) to s (an odd
 *                         last byte is the high half of a word)
 *   inet_fold(s)          fold the carries and complement: the checksum
 *   inet_csum(p, len)     inet_fold(inet_sum(p, len, 0)); 0 over a block
 *                         whose checksum field is right
 */
#ifndef DSLITE_WIRE_H
#define DSLITE_WIRE_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v & 0xff;
}

static inline uint32_t inet_sum(const void *p, size_t len, uint32_t s)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		s += (uint32_t)b[0] << 8 | b[1];
	if (len)
		s += (uint32_t)b[0] << 8;
	return s;
}

static inline uint16_t inet_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline uint16_t inet_csum(const void *p, size_t len)
{
	return inet_fold(inet_sum(p, len, 0));
}

#endif /* DSLITE_WIRE_H */
