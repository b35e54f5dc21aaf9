// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the PCP MAP client (include/dslite/pcp.h, user/lib/pcp.c):
 * the exact bytes of an encoded request, every field of a parsed
 * response, options, every result code name, every malformed case and
 * its reason, the renewal window, the retransmission schedule and its
 * deadline, the Epoch rules of RFC 6887 8.5, the health rules, the
 * counters, the release, and the socket layer against a UDP server on
 * ::1. The client runs on a synthetic clock with a random source the
 * test controls. TAP on stdout.
 *
 *   [ pcp_test ]  struct pcp_client  <-- bytes in memory -->  fake server
 *                 (the socket checks: UDP over ::1 to a socket of the test)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <dslite/pcp.h>

#include "tap.h"

#define MS	1000000ULL		/* ns */
#define SEC	1000000000ULL		/* ns */
#define T0	(1000 * SEC)		/* the synthetic clock starts here */
#define HALF	0x80000000U		/* r giving RAND = 0 exactly */

/* ------------------------------------------------------------------------
 * Helpers
 */

/* A random source that returns what the test says. */
struct rng {
	uint32_t value;
	unsigned int calls;
};

static uint32_t rng_fixed(void *ctx)
{
	struct rng *r = ctx;

	r->calls++;
	return r->value;
}

/* Events seen through on_event, in order. */
struct evlog {
	unsigned int n;
	unsigned int ev[64];
};

static void log_event(void *ctx, const struct pcp_client *c, unsigned int ev,
		      const struct pcp_map_msg *msg)
{
	struct evlog *l = ctx;

	(void)c;
	(void)msg;
	if (l->n < 64)
		l->ev[l->n++] = ev;
}

static struct rng rng;
static struct evlog evl;

static void client(struct pcp_client *c, void (*tune)(struct pcp_client_cfg *))
{
	struct pcp_client_cfg cfg;

	pcp_client_cfg_init(&cfg);
	pcp_addr_v4(&cfg.client_addr, htonl(0xc0000002));
	cfg.internal_port = 5000;
	cfg.random = rng_fixed;
	cfg.random_ctx = &rng;
	cfg.on_event = log_event;
	cfg.event_ctx = &evl;
	if (tune)
		tune(&cfg);
	rng.value = 0x11223344;
	pcp_client_init(c, &cfg);
	rng.value = HALF;
	memset(&evl, 0, sizeof(evl));
}

/* A response to c's current request, as a server would send it. */
static size_t resp(const struct pcp_client *c, uint8_t *buf, uint8_t result,
		   uint32_t lifetime, uint32_t epoch, uint16_t eport,
		   uint32_t eaddr)
{
	struct pcp_map_msg m;

	memset(&m, 0, sizeof(m));
	m.version = PCP_VERSION;
	m.response = true;
	m.opcode = PCP_OP_MAP;
	m.result = result;
	m.lifetime = lifetime;
	m.epoch = epoch;
	memcpy(m.nonce, c->nonce, PCP_NONCE_LEN);
	m.protocol = c->cfg.protocol;
	m.internal_port = c->cfg.internal_port;
	m.external_port = eport;
	pcp_addr_v4(&m.external_addr, htonl(eaddr));
	return pcp_map_encode(&m, buf, PCP_MAX_LEN);
}

static unsigned int answer(struct pcp_client *c, uint64_t now, uint8_t result,
			   uint32_t lifetime, uint32_t epoch)
{
	uint8_t buf[PCP_MAX_LEN];
	size_t n = resp(c, buf, result, lifetime, epoch, 5000, 0x0b000001);

	return pcp_client_input(c, buf, n, now);
}

/* The nonce in the request the client wants to send. */
static bool tx_nonce_is(const struct pcp_client *c, const uint8_t *nonce)
{
	size_t len;
	const uint8_t *b = pcp_client_tx(c, &len);

	return len == PCP_MAP_LEN && !memcmp(b + 24, nonce, PCP_NONCE_LEN);
}

static uint32_t tx_lifetime(const struct pcp_client *c)
{
	size_t len;
	const uint8_t *b = pcp_client_tx(c, &len);

	return (uint32_t)b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7];
}

/* ------------------------------------------------------------------------
 * Codec
 */
static void test_encode_request(void)
{
	static const uint8_t expect[PCP_MAP_LEN] = {
		/* version 2, R=0 opcode 1, reserved 0x0000 */
		0x02, 0x01, 0x00, 0x00,
		/* requested lifetime 120 */
		0x00, 0x00, 0x00, 0x78,
		/* client ::ffff:192.0.0.2 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 0, 2,
		/* nonce */
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xab,
		/* protocol 17, reserved */
		0x11, 0x00, 0x00, 0x00,
		/* internal port 5000, suggested external port 6001 */
		0x13, 0x88, 0x17, 0x71,
		/* suggested ::ffff:0.0.0.0 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0,
	};
	struct pcp_map_msg m = {
		.version = PCP_VERSION, .opcode = PCP_OP_MAP, .lifetime = 120,
		.protocol = IPPROTO_UDP, .internal_port = 5000,
		.external_port = 6001,
	};
	uint8_t buf[PCP_MAP_LEN + 8];
	size_t n;
	int i;

	pcp_addr_v4(&m.client_addr, htonl(0xc0000002));
	pcp_addr_v4(&m.external_addr, 0);
	for (i = 0; i < PCP_NONCE_LEN; i++)
		m.nonce[i] = 0xa0 + i;
	memset(buf, 0xee, sizeof(buf));
	n = pcp_map_encode(&m, buf, sizeof(buf));
	tap_eq(n, 60, "encode: a MAP request is 60 bytes");
	tap_result(!memcmp(buf, expect, sizeof(expect)),
		   "encode: request bytes (header, client address, nonce, protocol, ports, address)");
	tap_eq(buf[60], 0xee, "encode: nothing written past 60 bytes");
	tap_eq(pcp_map_encode(&m, buf, 59), 0, "encode: refuses a 59-byte buffer");
}

/* A response built byte by byte, parsed field by field. */
static void test_parse_response_fields(void)
{
	uint8_t b[PCP_MAP_LEN] = {
		0x02, 0x81, 0x5a, 0x00,			/* v2, R|MAP, rsvd 0x5a, SUCCESS */
		0x00, 0x00, 0x1c, 0x20,			/* lifetime 7200 */
		0x00, 0x01, 0x02, 0x03,			/* epoch 66051 */
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,	/* reserved 96 bits */
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xab,			/* nonce */
		0x06, 0x01, 0x02, 0x03,			/* TCP, reserved 010203 */
		0x00, 0x50, 0xc3, 0x51,			/* int 80, ext 50001 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 11, 0, 0, 7,
	};
	struct pcp_map_msg req = { .protocol = IPPROTO_TCP, .internal_port = 80 };
	char abuf[INET6_ADDRSTRLEN];
	struct pcp_map_msg m;
	int i, ok;

	for (i = 0; i < PCP_NONCE_LEN; i++)
		req.nonce[i] = 0xa0 + i;
	tap_eq(pcp_parse_response(b, sizeof(b), &req, &m), PCP_OK,
	       "parse: a well-formed MAP response is accepted");
	tap_eq(m.version, 2, "parse: version");
	tap_eq(m.response, 1, "parse: R bit");
	tap_eq(m.opcode, PCP_OP_MAP, "parse: opcode");
	tap_eq(m.resp_reserved, 0x5a, "parse: header reserved byte");
	tap_eq(m.result, PCP_RES_SUCCESS, "parse: result code");
	tap_eq(m.lifetime, 7200, "parse: lifetime");
	tap_eq(m.epoch, 66051, "parse: epoch time");
	for (ok = 1, i = 0; i < 12; i++)
		ok &= m.resp_reserved2[i] == i + 1;
	tap_result(ok, "parse: 96 reserved bits");
	tap_result(!memcmp(m.nonce, req.nonce, 12), "parse: nonce");
	tap_eq(m.protocol, IPPROTO_TCP, "parse: protocol");
	tap_result(m.body_reserved[0] == 1 && m.body_reserved[1] == 2 &&
		   m.body_reserved[2] == 3, "parse: body reserved bytes");
	tap_eq(m.internal_port, 80, "parse: internal port");
	tap_eq(m.external_port, 50001, "parse: assigned external port");
	tap_result(!strcmp(pcp_addr_str(&m.external_addr, abuf), "11.0.0.7"),
		   "parse: assigned external address (IPv4-mapped shown dotted)");
	tap_eq(m.n_options, 0, "parse: no options");
	tap_eq(m.len, 60, "parse: length");
}

static void test_request_roundtrip(void)
{
	struct pcp_map_msg in = {
		.version = 2, .opcode = PCP_OP_MAP, .req_reserved = 0x1234,
		.lifetime = 4000000000U, .protocol = 0, .internal_port = 0,
		.external_port = 65535,
	}, out;
	uint8_t buf[PCP_MAP_LEN];
	char abuf[INET6_ADDRSTRLEN];

	inet_pton(AF_INET6, "2001:db8::2", &in.client_addr);
	inet_pton(AF_INET6, "2001:db8:ffff::9", &in.external_addr);
	memset(in.nonce, 0x5c, sizeof(in.nonce));
	in.body_reserved[1] = 0x77;
	pcp_map_encode(&in, buf, sizeof(buf));
	tap_eq(pcp_parse(buf, sizeof(buf), &out), PCP_OK,
	       "parse: a request (R clear) is a valid MAP message");
	tap_eq(out.response, 0, "request: R bit clear");
	tap_eq(out.req_reserved, 0x1234, "request: 16 reserved bits");
	tap_eq(out.lifetime, 4000000000U, "request: lifetime (32 bits)");
	tap_result(!strcmp(pcp_addr_str(&out.client_addr, abuf), "2001:db8::2"),
		   "request: client address (IPv6)");
	tap_result(!memcmp(out.nonce, in.nonce, 12), "request: nonce");
	tap_eq(out.protocol, 0, "request: protocol 0 (all)");
	tap_eq(out.body_reserved[1], 0x77, "request: body reserved bytes");
	tap_eq(out.external_port, 65535, "request: suggested port");
	tap_result(!strcmp(pcp_addr_str(&out.external_addr, abuf),
			   "2001:db8:ffff::9"), "request: suggested address");
}

static void test_options(void)
{
	struct pcp_map_msg req = { .protocol = 17, .internal_port = 5000 }, m;
	uint8_t b[PCP_MAX_LEN];
	size_t n;
	int i;

	memset(b, 0, sizeof(b));
	{
		struct pcp_map_msg r = {
			.version = 2, .response = true, .opcode = PCP_OP_MAP,
			.protocol = 17, .internal_port = 5000,
		};
		n = pcp_map_encode(&r, b, sizeof(b));
	}
	/* PREFER_FAILURE, no data */
	b[n] = PCP_OPT_PREFER_FAILURE; b[n + 1] = 0; b[n + 2] = 0; b[n + 3] = 0;
	n += 4;
	/* FILTER, 20 bytes */
	b[n] = PCP_OPT_FILTER; b[n + 1] = 0x42; b[n + 2] = 0; b[n + 3] = 20;
	n += 4 + 20;
	/* an optional option with 1 byte of data and 3 of padding */
	b[n] = 0x80 | 9; b[n + 1] = 0; b[n + 2] = 0; b[n + 3] = 1; b[n + 4] = 0xaa;
	n += 8;
	tap_eq(pcp_parse_response(b, n, &req, &m), PCP_OK,
	       "options: three well-formed options accepted");
	tap_eq(m.n_options, 3, "options: counted");
	tap_result(m.options[0].code == PCP_OPT_PREFER_FAILURE &&
		   m.options[0].length == 0 && m.options[0].offset == 64,
		   "options: PREFER_FAILURE code, length 0, data at 64");
	tap_result(m.options[1].code == PCP_OPT_FILTER &&
		   m.options[1].reserved == 0x42 &&
		   m.options[1].length == 20 && m.options[1].offset == 68,
		   "options: FILTER code, reserved byte, length 20, data at 68");
	tap_result(m.options[2].code == (0x80 | 9) && m.options[2].length == 1 &&
		   m.options[2].offset == 92 && b[m.options[2].offset] == 0xaa,
		   "options: optional code 137, length 1 (padded), data at 92");

	/* Ten empty options: all counted, eight kept. */
	n = PCP_MAP_LEN;
	memset(b + n, 0, 40);
	for (i = 0; i < 10; i++)
		b[n + 4 * i] = 128 + i;
	tap_eq(pcp_parse_response(b, n + 40, &req, &m), PCP_OK,
	       "options: ten options accepted");
	tap_result(m.n_options == 10 && m.options[7].code == 135,
		   "options: ten counted, the first eight kept");

	/* The largest message: 1100 bytes, one option filling it. */
	memset(b + PCP_MAP_LEN, 0, PCP_MAX_LEN - PCP_MAP_LEN);
	b[PCP_MAP_LEN] = 200;
	b[PCP_MAP_LEN + 2] = (PCP_MAX_LEN - PCP_MAP_LEN - 4) >> 8;
	b[PCP_MAP_LEN + 3] = (PCP_MAX_LEN - PCP_MAP_LEN - 4) & 0xff;
	tap_eq(pcp_parse_response(b, PCP_MAX_LEN, &req, &m), PCP_OK,
	       "options: a 1100-byte message is accepted");
	tap_eq(m.options[0].length, 1036, "options: 1036 bytes of option data");
}

static void test_names(void)
{
	static const char *const expect[] = {
		"SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED",
		"MALFORMED_REQUEST", "UNSUPP_OPCODE", "UNSUPP_OPTION",
		"MALFORMED_OPTION", "NETWORK_FAILURE", "NO_RESOURCES",
		"UNSUPP_PROTOCOL", "USER_EX_QUOTA", "CANNOT_PROVIDE_EXTERNAL",
		"ADDRESS_MISMATCH", "EXCESSIVE_REMOTE_PEERS",
	};
	static const char *const bad[] = {
		"ok", "short", "version", "r-bit", "opcode", "length",
		"option", "nonce", "mapping",
	};
	unsigned int i;

	for (i = 0; i < 14; i++) {
		const char *n = pcp_result_name(i);

		tap_result(n && !strcmp(n, expect[i]), "result %u is %s", i,
			   expect[i]);
	}
	tap_result(!pcp_result_name(14) && !pcp_result_name(255),
		   "results 14 and 255 have no name");
	for (i = 0; i < PCP_BAD__MAX; i++)
		tap_result(pcp_bad_name(i) && !strcmp(pcp_bad_name(i), bad[i]),
			   "malformed reason %u is %s", i, bad[i]);
	tap_result(!pcp_bad_name(PCP_BAD__MAX), "no reason past the last");
	tap_result(!strcmp(pcp_opcode_name(0), "ANNOUNCE") &&
		   !strcmp(pcp_opcode_name(1), "MAP") &&
		   !strcmp(pcp_opcode_name(2), "PEER") && !pcp_opcode_name(3),
		   "opcode names");
	tap_result(!strcmp(pcp_protocol_name(17), "udp") &&
		   !strcmp(pcp_protocol_name(6), "tcp") &&
		   !strcmp(pcp_protocol_name(0), "all") &&
		   !pcp_protocol_name(132), "protocol names");
	tap_result(!strcmp(pcp_epoch_name(PCP_EPOCH_BACKWARDS), "backwards") &&
		   !strcmp(pcp_epoch_name(PCP_EPOCH_SLOW), "slow") &&
		   !strcmp(pcp_epoch_name(PCP_EPOCH_FAST), "fast") &&
		   !strcmp(pcp_epoch_name(PCP_EPOCH_FIRST), "first") &&
		   !strcmp(pcp_epoch_name(PCP_EPOCH_VALID), "valid"),
		   "epoch check names");
	tap_result(!strcmp(pcp_down_name(PCP_DOWN_NO_ANSWER), "no-answer") &&
		   !strcmp(pcp_down_name(PCP_DOWN_NETWORK_FAILURE), "network-failure") &&
		   !strcmp(pcp_down_name(PCP_DOWN_NO_RESOURCES), "no-resources") &&
		   !strcmp(pcp_down_name(PCP_DOWN_EPOCH), "epoch") &&
		   !strcmp(pcp_down_name(PCP_DOWN_NONE), "none"),
		   "down reason names");
	tap_result(!strcmp(pcp_health_name(PCP_HEALTH_UNKNOWN), "unknown") &&
		   !strcmp(pcp_health_name(PCP_HEALTH_UP), "up") &&
		   !strcmp(pcp_health_name(PCP_HEALTH_DOWN), "down"),
		   "health names");
	tap_result(!strcmp(pcp_state_name(PCP_ST_RENEWING), "renewing") &&
		   !strcmp(pcp_state_name(PCP_ST_WAITING), "waiting") &&
		   !pcp_state_name(PCP_ST_RELEASING + 1), "state names");
}

/* Every malformed case, and the reason it gets. */
static void test_malformed(void)
{
	struct pcp_map_msg req = { .protocol = 17, .internal_port = 5000 }, m;
	uint8_t good[PCP_MAX_LEN + 8], b[PCP_MAX_LEN + 8];
	struct pcp_map_msg r = {
		.version = 2, .response = true, .opcode = PCP_OP_MAP,
		.protocol = 17, .internal_port = 5000,
	};
	int i;

	for (i = 0; i < PCP_NONCE_LEN; i++)
		req.nonce[i] = r.nonce[i] = 0x30 + i;
	memset(good, 0, sizeof(good));
	pcp_map_encode(&r, good, sizeof(good));

#define BAD(len, want, what) do {					\
		tap_eq(pcp_parse_response(b, len, &req, &m), want,	\
		       "malformed: %s -> %s", what, pcp_bad_name(want)); \
	} while (0)

	memcpy(b, good, sizeof(b));
	BAD(0, PCP_BAD_SHORT, "empty datagram");
	BAD(1, PCP_BAD_SHORT, "1 byte");
	b[0] = 1;
	BAD(60, PCP_BAD_VERSION, "version 1");
	b[0] = 3;
	BAD(60, PCP_BAD_VERSION, "version 3");
	b[0] = 0;
	BAD(12, PCP_BAD_VERSION, "a 12-byte NAT-PMP answer (version 0)");
	memcpy(b, good, sizeof(b));
	b[1] = PCP_OP_MAP;
	BAD(60, PCP_BAD_R_BIT, "R bit clear (a request)");
	b[1] = PCP_R_BIT | PCP_OP_PEER;
	BAD(60, PCP_BAD_OPCODE, "PEER opcode");
	b[1] = PCP_R_BIT | PCP_OP_ANNOUNCE;
	BAD(60, PCP_BAD_OPCODE, "ANNOUNCE opcode");
	b[1] = PCP_R_BIT | 0x7f;
	BAD(60, PCP_BAD_OPCODE, "opcode 127");
	memcpy(b, good, sizeof(b));
	BAD(20, PCP_BAD_SHORT, "20 bytes (header cut)");
	BAD(23, PCP_BAD_SHORT, "23 bytes");
	BAD(24, PCP_BAD_SHORT, "header only, no MAP body");
	BAD(56, PCP_BAD_SHORT, "MAP body cut at 56");
	BAD(62, PCP_BAD_LENGTH, "62 bytes (not a multiple of 4)");
	BAD(61, PCP_BAD_LENGTH, "61 bytes");
	BAD(1104, PCP_BAD_LENGTH, "1104 bytes (over 1100)");
	/* options running past the end */
	b[60] = 1; b[61] = 0; b[62] = 0; b[63] = 16;
	BAD(64, PCP_BAD_OPTION, "option of 16 bytes with none present");
	b[63] = 5;
	memset(b + 64, 0, 8);
	BAD(68, PCP_BAD_OPTION, "option of 5 bytes needs 8 with padding, 4 present");
	BAD(72, PCP_OK, "the same with its 8 bytes");
	b[63] = 0;
	memset(b + 64, 0xff, 4);	/* second option: length 0xffff */
	BAD(68, PCP_BAD_OPTION, "second option of 65535 bytes");
	memcpy(b, good, sizeof(b));
	b[24 + 11] ^= 1;
	BAD(60, PCP_BAD_NONCE, "last nonce bit flipped");
	memcpy(b, good, sizeof(b));
	b[24] ^= 0x80;
	BAD(60, PCP_BAD_NONCE, "first nonce bit flipped");
	memcpy(b, good, sizeof(b));
	b[36] = IPPROTO_TCP;
	BAD(60, PCP_BAD_MAPPING, "protocol TCP for a UDP request");
	memcpy(b, good, sizeof(b));
	b[41] ^= 1;
	BAD(60, PCP_BAD_MAPPING, "internal port 5001 for 5000");
	memcpy(b, good, sizeof(b));
	BAD(60, PCP_OK, "the unchanged response");
	/* the order of the checks: the first failing one is reported */
	b[0] = 0;
	b[1] = 0;
	BAD(22, PCP_BAD_VERSION, "version 0, R clear, short: version first");
	b[0] = 2;
	BAD(22, PCP_BAD_R_BIT, "R clear and short: R bit before length");
	b[1] = PCP_R_BIT | 2;
	BAD(22, PCP_BAD_OPCODE, "PEER and short: opcode before length");
#undef BAD
	tap_eq(pcp_parse(b, 1, &m), PCP_BAD_SHORT, "pcp_parse: 1 byte is short");
	memcpy(b, good, sizeof(b));
	b[1] = PCP_OP_MAP;
	tap_eq(pcp_parse(b, 60, &m), PCP_OK, "pcp_parse: a request needs no R bit");
}

/* ------------------------------------------------------------------------
 * Timing
 */
static void test_renew_window(void)
{
	struct pcp_client c;
	uint64_t d, lo = ~0ULL, hi = 0;
	int i, inside = 1;

	tap_eq(pcp_renew_delay_ms(120, 0), 60000, "renewal: r=0 gives exactly 1/2 of 120 s");
	tap_eq(pcp_renew_delay_ms(120, UINT32_MAX), 74999,
	       "renewal: r=max gives just under 5/8 of 120 s (74.999 s)");
	tap_eq(pcp_renew_delay_ms(120, HALF), 67500, "renewal: r=2^31 gives 9/16");
	tap_eq(pcp_renew_delay_ms(1, 0), 500, "renewal: 1 s lifetime, earliest 500 ms");
	tap_eq(pcp_renew_delay_ms(1, UINT32_MAX), 624, "renewal: 1 s lifetime, latest 624 ms");
	tap_eq(pcp_renew_delay_ms(86400, UINT32_MAX), 53999999,
	       "renewal: a day, latest just under 15 h");

	/* The client uses the window: 2000 grants with real randomness. */
	client(&c, NULL);
	c.cfg.random = NULL;
	for (i = 0; i < 2000; i++) {
		uint64_t now = T0 + i * SEC;

		pcp_client_start(&c, now);
		pcp_client_timer(&c, now);
		answer(&c, now, PCP_RES_SUCCESS, 120, 5 + i);
		d = c.map.renew_ns - now;
		if (d < 60 * SEC || d >= 75 * SEC)
			inside = 0;
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	tap_result(inside, "renewal: 2000 random renewal points all in [60 s, 75 s)");
	tap_result(lo < 61 * SEC && hi > 74 * SEC,
		   "renewal: they spread over the window (min %.3f s, max %.3f s)",
		   lo / 1e9, hi / 1e9);

	/* The renewal is sent at that point, not before, same nonce. */
	client(&c, NULL);
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	rng.value = 0;
	answer(&c, T0 + 10 * MS, PCP_RES_SUCCESS, 120, 7);
	tap_eq(pcp_client_next_timeout(&c), T0 + 10 * MS + 60 * SEC,
	       "renewal: next timeout is the renewal point (r=0: +60 s)");
	tap_eq(pcp_client_timer(&c, T0 + 10 * MS + 60 * SEC - 1), 0,
	       "renewal: nothing 1 ns before");
	tap_eq(pcp_client_timer(&c, T0 + 10 * MS + 60 * SEC), PCP_EV_TX,
	       "renewal: the request goes out at the renewal point");
	tap_result(c.state == PCP_ST_RENEWING && c.cnt.renewals == 1,
		   "renewal: state renewing, one renewal counted");
	tap_result(tx_nonce_is(&c, c.nonce) && tx_lifetime(&c) == 120,
		   "renewal: same nonce, lifetime 120 requested again");
	{
		size_t len;
		const uint8_t *b = pcp_client_tx(&c, &len);

		tap_result(b[42] == 0x13 && b[43] == 0x88 && b[56] == 11 &&
			   b[59] == 1, "renewal: suggests the assigned 11.0.0.1:5000");
	}
}

static void test_retransmit(void)
{
	static const uint64_t at_ms[] = { 0, 3000, 9000, 21000, 45000, 93000 };
	static const uint32_t rt_lo[] = { 2700, 4860, 8748 };
	struct pcp_client c;
	uint64_t now, t;
	unsigned int ev;
	int i, ok;

	tap_eq(pcp_rt_ms(3000, 0), 2700, "RT: RAND = -0.1 gives 2.7 s");
	tap_eq(pcp_rt_ms(3000, HALF), 3000, "RT: RAND = 0 gives 3 s");
	tap_eq(pcp_rt_ms(3000, UINT32_MAX), 3299, "RT: RAND = +0.1 gives 3.299 s");

	/* RAND = 0: 0, 3, 9, 21, 45, 93 s (RT 3, 6, 12, 24, 48). */
	client(&c, NULL);
	c.cfg.deadline_ms = 1000000;
	pcp_client_start(&c, T0);
	for (ok = 1, i = 0; i < 6; i++) {
		now = T0 + at_ms[i] * MS;
		if (i) {
			ok &= pcp_client_next_timeout(&c) == now;
			ok &= pcp_client_timer(&c, now - 1) == 0;
		}
		ev = pcp_client_timer(&c, now);
		ok &= ev == (i ? (PCP_EV_TX | PCP_EV_RETRANSMIT) : PCP_EV_TX);
		ok &= tx_nonce_is(&c, c.nonce);
	}
	tap_result(ok, "RT: transmissions at 0, 3, 9, 21, 45, 93 s, same nonce");
	tap_result(c.cnt.tx_requests == 6 && c.cnt.tx_retransmits == 5,
		   "RT: 6 requests counted, 5 of them retransmissions");

	/* RAND = -0.1 each time: RT 2.7, then 0.9 * 2 * RTprev. */
	client(&c, NULL);
	c.cfg.deadline_ms = 1000000;
	rng.value = 0;
	pcp_client_start(&c, T0);
	now = T0;
	for (ok = 1, i = 0; i < 3; i++) {
		pcp_client_timer(&c, now);
		ok &= c.rt_ms == rt_lo[i];
		now = pcp_client_next_timeout(&c);
	}
	tap_result(ok, "RT: with RAND = -0.1: 2.7, 4.86, 8.748 s (doubling the jittered RT)");

	/* MRT caps the doubling. */
	client(&c, NULL);
	c.cfg.deadline_ms = 1000000;
	c.cfg.mrt_ms = 10000;
	pcp_client_start(&c, T0);
	now = T0;
	for (i = 0; i < 5; i++) {
		pcp_client_timer(&c, now);
		now = pcp_client_next_timeout(&c);
	}
	tap_eq((now - T0) / MS, 3000 + 6000 + 10000 + 10000 + 10000,
	       "RT: MRT 10 s caps RT at 10 s (3, 6, 10, 10, 10)");

	/* The deadline: 15 s after the first transmission. */
	client(&c, NULL);
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	pcp_client_timer(&c, T0 + 3 * SEC);
	pcp_client_timer(&c, T0 + 9 * SEC);
	t = pcp_client_next_timeout(&c);
	tap_eq(t, T0 + 15 * SEC, "deadline: next timeout is the deadline (15 s)");
	tap_eq(c.health, PCP_HEALTH_UNKNOWN, "deadline: health unknown before it");
	evl.n = 0;
	ev = pcp_client_timer(&c, t);
	tap_eq(ev, PCP_EV_DEADLINE | PCP_EV_HEALTH,
	       "deadline: passing it raises deadline and health, sends nothing");
	tap_result(evl.n == 2 && evl.ev[0] == PCP_EV_DEADLINE &&
		   evl.ev[1] == PCP_EV_HEALTH, "deadline: callback order deadline, health");
	tap_result(c.health == PCP_HEALTH_DOWN &&
		   c.down_reason == PCP_DOWN_NO_ANSWER && c.cnt.deadlines == 1 &&
		   c.cnt.down == 1, "deadline: down (no-answer), counted once");
	tap_eq(pcp_client_next_timeout(&c), T0 + 21 * SEC,
	       "deadline: retransmissions go on (next at 21 s)");
	ev = pcp_client_timer(&c, T0 + 21 * SEC);
	tap_eq(ev, PCP_EV_TX | PCP_EV_RETRANSMIT, "deadline: no second deadline event");
	ev = answer(&c, T0 + 22 * SEC, PCP_RES_SUCCESS, 120, 50);
	tap_eq(ev, PCP_EV_RESPONSE | PCP_EV_MAPPED | PCP_EV_HEALTH,
	       "deadline: a late answer maps and raises health");
	tap_result(c.health == PCP_HEALTH_UP && c.down_reason == PCP_DOWN_NONE,
		   "deadline: up again after the answer");

	/* A renewal exchange has its deadline too; the mapping outlives it. */
	t = c.map.renew_ns;
	pcp_client_timer(&c, t);
	ev = pcp_client_timer(&c, t + 15 * SEC);
	tap_result((ev & PCP_EV_DEADLINE) && c.health == PCP_HEALTH_DOWN &&
		   c.map.valid && c.state == PCP_ST_RENEWING,
		   "deadline: an unanswered renewal is down (no-answer), mapping still valid");

	/* ... and expires at its lifetime. */
	t = c.map.expires_ns;
	while ((now = pcp_client_next_timeout(&c)) < t)
		pcp_client_timer(&c, now);
	tap_eq(now, t, "expiry: the expiry time is a timeout of its own");
	evl.n = 0;
	ev = pcp_client_timer(&c, t);
	tap_result((ev & PCP_EV_EXPIRED) && !c.map.valid &&
		   c.state == PCP_ST_REQUESTING && c.cnt.expired == 1 &&
		   evl.ev[0] == PCP_EV_EXPIRED,
		   "expiry: expired event, mapping gone, requesting");
}

/* ------------------------------------------------------------------------
 * Epoch (RFC 6887 8.5)
 */
static void test_epoch_rules(void)
{
	const uint64_t t = T0;

#define EP(pe, ce, dt, want, what)					\
	tap_eq(pcp_epoch_check(pe, t, ce, t + (dt)), want, "epoch: %s -> %s", \
	       what, pcp_epoch_name(want))

	EP(100, 90, 0, PCP_EPOCH_BACKWARDS, "100 then 90");
	EP(100, 98, 0, PCP_EPOCH_BACKWARDS, "100 then 98 (2 s back)");
	EP(100, 99, 0, PCP_EPOCH_VALID, "100 then 99 at once (1 s back is reordering)");
	EP(100, 100, 0, PCP_EPOCH_VALID, "100 then 100 at once");
	EP(5, 0, 0, PCP_EPOCH_BACKWARDS, "5 then 0 (server restarted)");
	EP(100, 110, 10 * SEC, PCP_EPOCH_VALID, "+10 after 10 s");
	EP(100, 108, 10 * SEC, PCP_EPOCH_VALID, "+8 after 10 s (8 + 2 = 10, not < 10)");
	EP(100, 107, 10 * SEC, PCP_EPOCH_SLOW, "+7 after 10 s (9 < 10)");
	EP(100, 100, 10 * SEC, PCP_EPOCH_SLOW, "+0 after 10 s");
	EP(100, 99, 10 * SEC, PCP_EPOCH_SLOW, "-1 after 10 s");
	EP(1, 0, 4 * SEC, PCP_EPOCH_SLOW, "1 then 0 after 4 s (reset near zero)");
	EP(100, 112, 10 * SEC, PCP_EPOCH_VALID, "+12 after 10 s (12 < 12 is false)");
	EP(100, 113, 10 * SEC, PCP_EPOCH_FAST, "+13 after 10 s");
	EP(100, 100 + 936, 1000 * SEC, PCP_EPOCH_VALID,
	   "+936 after 1000 s (938 < 1000 - 62 is false)");
	EP(100, 100 + 935, 1000 * SEC, PCP_EPOCH_SLOW, "+935 after 1000 s");
	EP(100, 100 + 1068, 1000 * SEC, PCP_EPOCH_VALID,
	   "+1068 after 1000 s (1002 < 1068 - 66 is false)");
	EP(100, 100 + 1069, 1000 * SEC, PCP_EPOCH_FAST, "+1069 after 1000 s");
	EP(100, 102, 2 * SEC + 999 * MS, PCP_EPOCH_VALID,
	   "+2 after 2.999 s (whole seconds)");
	EP(4000000000U, 4000000060U, 60 * SEC, PCP_EPOCH_VALID, "large epochs");
#undef EP
}

static void test_epoch_client(void)
{
	struct pcp_client c;
	uint64_t now, t;
	unsigned int ev;

	client(&c, NULL);
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	ev = answer(&c, T0 + 1 * MS, PCP_RES_SUCCESS, 120, 1000);
	tap_result(c.last_epoch == PCP_EPOCH_FIRST && c.health == PCP_HEALTH_UP,
		   "epoch: the first answer's epoch is taken as valid");

	/* Renewal answered with an epoch that went back: server lost state. */
	t = c.map.renew_ns;
	pcp_client_timer(&c, t);
	evl.n = 0;
	ev = answer(&c, t + 1 * MS, PCP_RES_SUCCESS, 120, 3);
	tap_eq(ev, PCP_EV_RESPONSE | PCP_EV_MAPPED | PCP_EV_EPOCH | PCP_EV_HEALTH,
	       "epoch: backwards -> response, mapped, epoch, health");
	tap_result(evl.n == 4 && evl.ev[2] == PCP_EV_EPOCH && evl.ev[3] == PCP_EV_HEALTH,
		   "epoch: events in order (epoch before health)");
	tap_result(c.health == PCP_HEALTH_DOWN && c.down_reason == PCP_DOWN_EPOCH &&
		   c.cnt.epoch_resets == 1 && c.last_epoch == PCP_EPOCH_BACKWARDS,
		   "epoch: down (epoch), one reset counted");
	now = pcp_client_next_timeout(&c);
	tap_eq(now, t + 1 * MS, "epoch: the re-map is due at once");
	ev = pcp_client_timer(&c, now);
	tap_result(ev == PCP_EV_TX && tx_nonce_is(&c, c.nonce) && c.remap,
		   "epoch: re-map request sent with the same nonce");
	ev = answer(&c, now + 2 * MS, PCP_RES_SUCCESS, 120, 3);
	tap_eq(ev, PCP_EV_RESPONSE | PCP_EV_MAPPED | PCP_EV_HEALTH,
	       "epoch: re-map answered, mapped, health up");
	tap_result(c.health == PCP_HEALTH_UP && !c.remap &&
		   c.last_epoch == PCP_EPOCH_VALID && c.state == PCP_ST_MAPPED,
		   "epoch: up, re-map done, epoch valid again");

	/* An epoch that did not advance with time (restart near zero). */
	t = c.map.renew_ns;
	pcp_client_timer(&c, t);
	ev = answer(&c, t + 1 * MS, PCP_RES_SUCCESS, 120, 4);
	tap_result((ev & PCP_EV_EPOCH) && c.last_epoch == PCP_EPOCH_SLOW &&
		   c.cnt.epoch_resets == 2,
		   "epoch: +1 s over a renewal interval is slow: state lost");
	pcp_client_timer(&c, pcp_client_next_timeout(&c));
	now = c.last_tx_ns;
	answer(&c, now + 1 * MS, PCP_RES_SUCCESS, 120, 4);
	/* a normal renewal keeps it up */
	t = c.map.renew_ns;
	pcp_client_timer(&c, t);
	ev = answer(&c, t + 1 * MS, PCP_RES_SUCCESS, 120,
		    4 + (uint32_t)((t - now) / SEC));
	tap_result(!(ev & PCP_EV_EPOCH) && c.health == PCP_HEALTH_UP &&
		   c.cnt.epoch_resets == 2, "epoch: an epoch that follows the clock is valid");

	/* An error answer with a bad epoch is a state loss as well. */
	t = c.map.renew_ns;
	pcp_client_timer(&c, t);
	ev = answer(&c, t + 1 * MS, PCP_RES_NOT_AUTHORIZED, 0, 0);
	tap_result((ev & PCP_EV_EPOCH) && (ev & PCP_EV_ERROR) &&
		   c.down_reason == PCP_DOWN_EPOCH,
		   "epoch: checked on error answers too");
}

/* ------------------------------------------------------------------------
 * Health, errors, counters
 */
static void test_health(void)
{
	struct pcp_client c;
	unsigned int ev;
	uint64_t now;
	int i;

	/* One NETWORK_FAILURE is a statement: down at once (RFC 6887 7.4). */
	client(&c, NULL);
	pcp_client_start(&c, T0);
	tap_result(c.health == PCP_HEALTH_UNKNOWN && c.state == PCP_ST_REQUESTING,
		   "health: unknown and requesting after start");
	pcp_client_timer(&c, T0);
	ev = answer(&c, T0 + MS, PCP_RES_NETWORK_FAILURE, 30, 10);
	tap_eq(ev, PCP_EV_RESPONSE | PCP_EV_ERROR | PCP_EV_HEALTH,
	       "health: one NETWORK_FAILURE: an error and a health change");
	tap_result(c.health == PCP_HEALTH_DOWN &&
		   c.down_reason == PCP_DOWN_NETWORK_FAILURE &&
		   c.state == PCP_ST_WAITING && c.fail_streak == 1,
		   "health: down (network-failure) after the first NETWORK_FAILURE");
	tap_eq(pcp_client_next_timeout(&c), T0 + MS + 30 * SEC,
	       "errors: once down, retried after the error lifetime (30 s)");
	now = pcp_client_next_timeout(&c);
	ev = pcp_client_timer(&c, now);
	tap_result(ev == PCP_EV_TX && c.state == PCP_ST_REQUESTING,
		   "errors: the retry is a new exchange (not a retransmission)");
	ev = answer(&c, now + MS, PCP_RES_SUCCESS, 120, 40);
	tap_result((ev & PCP_EV_HEALTH) && c.health == PCP_HEALTH_UP &&
		   c.fail_streak == 0, "health: SUCCESS brings it up, streak reset");

	/* The interval caps the wait after an error once down. */
	client(&c, NULL);
	c.cfg.interval_ms = 10000;
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	answer(&c, T0 + MS, PCP_RES_NETWORK_FAILURE, 30, 10);
	tap_eq(pcp_client_next_timeout(&c), T0 + MS + 10 * SEC,
	       "errors: the probe interval (10 s) caps the 30 s error lifetime");

	/* The retry ceiling holds over the interval's jitter (+10 %). */
	client(&c, NULL);
	c.cfg.interval_ms = 20000;
	c.cfg.error_wait_max_ms = 21000;
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	rng.value = UINT32_MAX;
	answer(&c, T0 + MS, PCP_RES_NETWORK_FAILURE, 30, 10);
	rng.value = HALF;
	tap_eq(pcp_client_next_timeout(&c), T0 + MS + 21 * SEC,
	       "errors: the interval's +10 %% jitter (22 s) stays under the 21 s retry ceiling");

	/* pcp-failures 3: counted on the retransmission pace, ~3 s apart. */
	client(&c, NULL);
	c.cfg.fail_threshold = 3;
	pcp_client_start(&c, T0);
	now = T0;
	{
		int ok_pace = 1, ok_health = 1;

		for (i = 0; i < 2; i++) {
			pcp_client_timer(&c, now);
			answer(&c, now + MS, PCP_RES_NETWORK_FAILURE, 30,
			       10 + 3 * i);
			ok_health &= c.health == PCP_HEALTH_UNKNOWN;
			ok_pace &= pcp_client_next_timeout(&c) ==
				   now + MS + 3 * SEC;
			now = pcp_client_next_timeout(&c);
		}
		tap_result(ok_health && c.fail_streak == 2,
			   "health: pcp-failures 3: two NETWORK_FAILUREs counted, not down yet");
		tap_result(ok_pace,
			   "errors: while counting, asked again after IRT (3 s), not the 30 s error lifetime");
	}
	pcp_client_timer(&c, now);
	ev = answer(&c, now + MS, PCP_RES_NETWORK_FAILURE, 30, 16);
	tap_result((ev & PCP_EV_HEALTH) && c.health == PCP_HEALTH_DOWN &&
		   c.down_reason == PCP_DOWN_NETWORK_FAILURE &&
		   now + MS - T0 <= 7 * SEC,
		   "health: the third in a row: down, %llu ms after the first",
		   (unsigned long long)((now + MS - T0) / MS));
	now = pcp_client_next_timeout(&c);
	pcp_client_timer(&c, now);
	ev = answer(&c, now + MS, PCP_RES_NO_RESOURCES, 30, 50);
	tap_result((ev & PCP_EV_HEALTH) && c.down_reason == PCP_DOWN_NO_RESOURCES &&
		   c.cnt.down == 1,
		   "health: then NO_RESOURCES: reason follows, still one down transition");

	/* NO_RESOURCES alone: three in a row (a quota is not a dead NAT). */
	client(&c, NULL);
	pcp_client_start(&c, T0);
	now = T0;
	for (i = 0; i < 2; i++) {
		pcp_client_timer(&c, now);
		answer(&c, now + MS, PCP_RES_NO_RESOURCES, 30, 10 + 3 * i);
		now = pcp_client_next_timeout(&c);
	}
	tap_result(c.health == PCP_HEALTH_UNKNOWN && c.fail_streak == 2 &&
		   now == T0 + 2 * MS + 6 * SEC,
		   "health: two NO_RESOURCES: counted on the 3 s pace, not down");
	pcp_client_timer(&c, now);
	ev = answer(&c, now + MS, PCP_RES_NO_RESOURCES, 30, 16);
	tap_result((ev & PCP_EV_HEALTH) && c.health == PCP_HEALTH_DOWN &&
		   c.down_reason == PCP_DOWN_NO_RESOURCES,
		   "health: the third NO_RESOURCES in a row: down (no-resources)");

	/* Not in a row: another result in between resets the streak. */
	client(&c, NULL);
	c.cfg.fail_threshold = 3;
	c.cfg.error_wait_max_ms = 2000;
	pcp_client_start(&c, T0);
	now = T0;
	{
		static const uint8_t seq[] = {
			PCP_RES_NETWORK_FAILURE, PCP_RES_NETWORK_FAILURE,
			PCP_RES_NOT_AUTHORIZED, PCP_RES_NETWORK_FAILURE,
			PCP_RES_NETWORK_FAILURE,
		};
		int ok = 1, ok_wait = 1;

		for (i = 0; i < 5; i++) {
			pcp_client_timer(&c, now);
			answer(&c, now + MS, seq[i], 30, 10 + 2 * i);
			ok &= c.health != PCP_HEALTH_DOWN;
			if (seq[i] == PCP_RES_NOT_AUTHORIZED)
				ok_wait &= pcp_client_next_timeout(&c) ==
					   now + MS + 2 * SEC;
			now = pcp_client_next_timeout(&c);
		}
		tap_result(ok, "health: 7, 7, NOT_AUTHORIZED, 7, 7 is never 3 in a row");
		tap_result(ok_wait, "errors: error_wait_max 2 s caps the 30 s error lifetime");
		tap_eq(c.health, PCP_HEALTH_UP, "health: NOT_AUTHORIZED means the server is alive: up");
	}

	/* NO_RESOURCES threshold 1 */
	client(&c, NULL);
	c.cfg.nr_threshold = 1;
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	answer(&c, T0 + MS, PCP_RES_NO_RESOURCES, 30, 10);
	tap_result(c.health == PCP_HEALTH_DOWN && c.down_reason == PCP_DOWN_NO_RESOURCES,
		   "health: NO_RESOURCES threshold 1: the first one is down");

	/* Long-lifetime errors with lifetime 0: backoff from IRT. */
	client(&c, NULL);
	pcp_client_start(&c, T0);
	now = T0;
	{
		static const uint64_t wait_s[] = { 3, 6, 12, 24 };
		int ok = 1;

		for (i = 0; i < 4; i++) {
			pcp_client_timer(&c, now);
			answer(&c, now, PCP_RES_NOT_AUTHORIZED, 0,
			       10 + (uint32_t)((now - T0) / SEC));
			ok &= pcp_client_next_timeout(&c) == now + wait_s[i] * SEC;
			now = pcp_client_next_timeout(&c);
		}
		tap_result(ok, "errors: NOT_AUTHORIZED (lifetime 0) retried after 3, 6, 12, 24 s");
	}
}

/*
 * The probe cadence: renewal from min(granted, requested) and no later
 * than the interval; an unrenewed mapping's expiry is down.
 */
static void test_cadence(void)
{
	struct pcp_client c;
	uint64_t d;
	unsigned int ev;

	/* a server that grants far more than asked (120 s) */
	client(&c, NULL);
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	answer(&c, T0 + MS, PCP_RES_SUCCESS, 0xffffffffu, 10);
	d = c.map.renew_ns - (T0 + MS);
	tap_result(c.map.valid && d >= 60 * SEC && d <= 75 * SEC,
		   "cadence: lifetime 0xffffffff granted for 120 s asked: renewed after %llu s (1/2..5/8 of 120 s)",
		   (unsigned long long)(d / SEC));
	client(&c, NULL);
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	answer(&c, T0 + MS, PCP_RES_SUCCESS, 86400, 10);
	d = c.map.renew_ns - (T0 + MS);
	tap_result(d <= 75 * SEC,
		   "cadence: a 24 h grant is renewed after %llu s, not 12 h",
		   (unsigned long long)(d / SEC));

	/* the interval: a 120 s grant renewed every ~20 s */
	client(&c, NULL);
	c.cfg.interval_ms = 20000;
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	answer(&c, T0 + MS, PCP_RES_SUCCESS, 120, 10);
	d = c.map.renew_ns - (T0 + MS);
	tap_result(d >= 18 * SEC && d <= 22 * SEC,
		   "cadence: interval 20 s, 120 s granted: renewed after %llu ms (20 s +-10 %%)",
		   (unsigned long long)(d / MS));
	pcp_client_timer(&c, c.map.renew_ns);
	answer(&c, c.map.renew_ns + MS, PCP_RES_SUCCESS, 120, 10 + d / SEC);
	tap_result(c.cnt.renewals == 1 && c.cnt.mappings == 2 &&
		   c.map.renew_ns - c.map.granted_ns <= 22 * SEC,
		   "cadence: the renewal's answer schedules the next one at the interval too");
	client(&c, NULL);
	c.cfg.interval_ms = 20000;
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	answer(&c, T0 + MS, PCP_RES_SUCCESS, 4, 10);
	d = c.map.renew_ns - (T0 + MS);
	tap_result(d >= 2 * SEC && d <= 2500 * MS,
		   "cadence: a 4 s grant is renewed by its lifetime (%llu ms), sooner than the interval",
		   (unsigned long long)(d / MS));

	/* expiry unrenewed: down at that moment */
	client(&c, NULL);
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	answer(&c, T0 + MS, PCP_RES_SUCCESS, 120, 10);
	tap_eq(c.health, PCP_HEALTH_UP, "expiry: up while mapped");
	ev = pcp_client_timer(&c, c.map.expires_ns);
	tap_result((ev & PCP_EV_EXPIRED) && (ev & PCP_EV_HEALTH) &&
		   c.health == PCP_HEALTH_DOWN &&
		   c.down_reason == PCP_DOWN_EXPIRED &&
		   !strcmp(pcp_down_name(c.down_reason), "expired"),
		   "expiry: a mapping that runs out unrenewed is down (expired) at that moment");
}

static void test_counters(void)
{
	struct pcp_client c;
	uint8_t b[PCP_MAX_LEN];
	unsigned int i, ev;
	size_t n;
	int ok = 1;

	client(&c, NULL);
	c.cfg.error_wait_max_ms = 1000;
	pcp_client_start(&c, T0);
	for (i = 0; i <= 14; i++) {
		uint64_t now = T0 + i * 2 * SEC;

		pcp_client_timer(&c, now);
		n = resp(&c, b, i == 14 ? 200 : i, 120, 10 + 2 * i, 0, 0);
		pcp_client_input(&c, b, n, now + MS);
		if (!c.map.valid && i == 0)
			ok = 0;
	}
	for (i = 0; i <= 14; i++)
		ok &= c.cnt.rx_result[i] == 1;
	tap_result(ok, "counters: one answer per result code 0..13 and one of 200, counted per code");
	tap_result(c.cnt.rx_responses == 15 && c.cnt.rx_packets == 15 &&
		   c.cnt.mappings == 1, "counters: 15 responses, 15 packets, 1 mapping");

	/* Malformed answers change nothing and are counted by reason. */
	client(&c, NULL);
	pcp_client_start(&c, T0);
	pcp_client_timer(&c, T0);
	answer(&c, T0 + MS, PCP_RES_SUCCESS, 120, 10);
	{
		struct pcp_client before = c;
		uint64_t next = pcp_client_next_timeout(&c);
		struct {
			int off;
			uint8_t xor;
			size_t len;
			enum pcp_bad why;
		} cases[] = {
			{ 0, 0, 1, PCP_BAD_SHORT },
			{ 0, 0x01, 60, PCP_BAD_VERSION },
			{ 1, 0x80, 60, PCP_BAD_R_BIT },
			{ 1, 0x03, 60, PCP_BAD_OPCODE },
			{ 0, 0, 62, PCP_BAD_LENGTH },
			{ 0, 0, 40, PCP_BAD_SHORT },
			{ 30, 0x10, 60, PCP_BAD_NONCE },
			{ 41, 0x02, 60, PCP_BAD_MAPPING },
			{ 63, 0x08, 64, PCP_BAD_OPTION },
		};
		size_t k;

		ok = 1;
		for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			n = resp(&c, b, PCP_RES_NETWORK_FAILURE, 30, 0, 0, 0);
			memset(b + n, 0, 8);
			b[cases[k].off] ^= cases[k].xor;
			evl.n = 0;
			ev = pcp_client_input(&c, b, cases[k].len, T0 + 2 * SEC);
			ok &= ev == PCP_EV_MALFORMED && evl.n == 1;
			ok &= c.last_bad == cases[k].why;
		}
		tap_result(ok, "malformed: each case raises only PCP_EV_MALFORMED with its reason");
		tap_result(c.state == before.state && c.health == before.health &&
			   !memcmp(&c.map, &before.map, sizeof(c.map)) &&
			   pcp_client_next_timeout(&c) == next &&
			   c.prev_epoch == before.prev_epoch &&
			   c.fail_streak == before.fail_streak,
			   "malformed: state, mapping, timers, epoch and streak unchanged");
		tap_result(c.cnt.rx_malformed == 9 && c.cnt.rx_bad[PCP_BAD_SHORT] == 2 &&
			   c.cnt.rx_bad[PCP_BAD_VERSION] == 1 &&
			   c.cnt.rx_bad[PCP_BAD_R_BIT] == 1 &&
			   c.cnt.rx_bad[PCP_BAD_OPCODE] == 1 &&
			   c.cnt.rx_bad[PCP_BAD_LENGTH] == 1 &&
			   c.cnt.rx_bad[PCP_BAD_NONCE] == 1 &&
			   c.cnt.rx_bad[PCP_BAD_MAPPING] == 1 &&
			   c.cnt.rx_bad[PCP_BAD_OPTION] == 1 &&
			   c.cnt.rx_responses == 1 && c.cnt.rx_packets == 10,
			   "malformed: counted by reason (9), responses still 1");
	}
}

static void test_nonce_and_release(void)
{
	struct pcp_client a, b;
	struct pcp_client_cfg cfg;
	unsigned int ev;
	uint8_t buf[PCP_MAX_LEN];
	size_t n;

	pcp_client_cfg_init(&cfg);
	tap_result(cfg.lifetime_s == 120 && cfg.irt_ms == 3000 &&
		   cfg.mrt_ms == 1024000 && cfg.deadline_ms == 15000 &&
		   cfg.fail_threshold == 1 && cfg.nr_threshold == 3 &&
		   cfg.interval_ms == 0 && cfg.protocol == IPPROTO_UDP &&
		   IN6_IS_ADDR_V4MAPPED(&cfg.suggested_addr),
		   "defaults: 120 s, IRT 3 s, MRT 1024 s, deadline 15 s, 1 NETWORK_FAILURE / 3 NO_RESOURCES, no interval, UDP");
	pcp_client_init(&a, &cfg);
	pcp_client_init(&b, &cfg);
	tap_result(memcmp(a.nonce, b.nonce, PCP_NONCE_LEN) != 0,
		   "nonce: two clients draw different 96-bit nonces");
	client(&a, NULL);
	{
		/*
		 * Each draw fills 4 bytes in memory order: a nonce has no byte
		 * order, so compare with the drawn word as this host stores
		 * it, not with its bytes on one kind of host.
		 */
		uint32_t w = 0x11223344;	/* what client() draws */
		uint8_t three[PCP_NONCE_LEN];
		int i;

		for (i = 0; i < PCP_NONCE_LEN; i += 4)
			memcpy(three + i, &w, 4);
		tap_result(!memcmp(a.nonce, three, PCP_NONCE_LEN) &&
			   rng.calls >= 3, "nonce: 96 bits from three 32-bit draws");
	}

	tap_eq(pcp_client_release(&a, T0), 0, "release: nothing to release when idle");
	pcp_client_start(&a, T0);
	pcp_client_timer(&a, T0);
	answer(&a, T0 + MS, PCP_RES_SUCCESS, 120, 10);
	ev = pcp_client_release(&a, T0 + SEC);
	tap_result(ev == PCP_EV_TX && tx_lifetime(&a) == 0 &&
		   tx_nonce_is(&a, a.nonce) && a.state == PCP_ST_RELEASING &&
		   pcp_client_next_timeout(&a) == 0,
		   "release: one request with lifetime 0, same nonce, no timer");
	n = resp(&a, buf, PCP_RES_SUCCESS, 0, 11, 0, 0);
	ev = pcp_client_input(&a, buf, n, T0 + SEC + MS);
	tap_result(ev == (PCP_EV_RESPONSE | PCP_EV_RELEASED) &&
		   a.state == PCP_ST_IDLE && !a.map.valid,
		   "release: answered with lifetime 0: released, idle");
	ev = pcp_client_input(&a, buf, n, T0 + 2 * SEC);
	tap_result(ev == 0 && pcp_client_timer(&a, T0 + 500 * SEC) == 0,
		   "idle: input and timers do nothing");
}

/* ------------------------------------------------------------------------
 * Socket layer: plain mode over ::1 against a socket of the test
 */
static void test_socket(void)
{
	struct sockaddr_in6 srv = { .sin6_family = AF_INET6 }, peer;
	struct pcp_transport t = { .mode = PCP_MODE_PLAIN };
	struct pcp_client c;
	struct pcp_map_msg req;
	socklen_t sl = sizeof(srv);
	uint8_t buf[PCP_MAX_LEN];
	char abuf[INET6_ADDRSTRLEN], err[256];
	struct pollfd pfd;
	unsigned int ev;
	ssize_t n;
	int s;

	s = socket(AF_INET6, SOCK_DGRAM, 0);
	srv.sin6_addr = in6addr_loopback;
	if (s < 0 || bind(s, (struct sockaddr *)&srv, sizeof(srv)) ||
	    getsockname(s, (struct sockaddr *)&srv, &sl)) {
		tap_skip("no IPv6 loopback", "socket: plain mode over ::1");
		if (s >= 0)
			close(s);
		return;
	}
	client(&c, NULL);
	memset(&c.cfg.client_addr, 0, sizeof(c.cfg.client_addr));
	t.server = in6addr_loopback;
	t.port = ntohs(srv.sin6_port);
	err[0] = 0;
	if (!tap_eq(pcp_client_open(&c, &t, err, sizeof(err)), 0,
		    "socket: plain mode opens"))
		tap_diag("%s", err);
	tap_result(IN6_IS_ADDR_LOOPBACK(&c.cfg.client_addr),
		   "socket: client address field filled from the socket (::1)");
	pcp_client_start(&c, T0);
	ev = pcp_client_handle_timeout(&c, T0);
	tap_eq(ev, PCP_EV_TX, "socket: the first request is sent");
	sl = sizeof(peer);
	n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &sl);
	tap_eq(n, 60, "socket: the server gets 60 bytes");
	tap_result(n == 60 && pcp_parse(buf, n, &req) == PCP_OK && !req.response &&
		   req.lifetime == 120 && req.internal_port == 5000 &&
		   req.protocol == 17 &&
		   !strcmp(pcp_addr_str(&req.client_addr, abuf), "::1"),
		   "socket: a MAP request: lifetime 120, UDP 5000, client ::1");
	/* answer: one malformed datagram, then the real answer */
	n = resp(&c, buf, PCP_RES_SUCCESS, 120, 77, 5000, 0x0b000001);
	buf[30] ^= 1;
	sendto(s, buf, n, 0, (struct sockaddr *)&peer, sl);
	buf[30] ^= 1;
	sendto(s, buf, n, 0, (struct sockaddr *)&peer, sl);
	pfd.fd = pcp_client_fd(&c);
	pfd.events = POLLIN;
	poll(&pfd, 1, 2000);
	usleep(20000);
	ev = pcp_client_handle_readable(&c, T0 + MS);
	tap_eq(ev, PCP_EV_MALFORMED | PCP_EV_RESPONSE | PCP_EV_MAPPED | PCP_EV_HEALTH,
	       "socket: both datagrams read in one call: malformed, then mapped");
	tap_result(c.map.valid && c.map.external_port == 5000 &&
		   c.cnt.rx_bad[PCP_BAD_NONCE] == 1 && c.cnt.rx_packets == 2,
		   "socket: mapping 11.0.0.1:5000, one nonce mismatch counted");

	/* The server goes away: its port answers with ICMPv6 unreachable. */
	close(s);
	ev = pcp_client_handle_timeout(&c, c.map.renew_ns);
	tap_result(ev & PCP_EV_TX, "socket: renewal sent to a closed port");
	poll(&pfd, 1, 2000);
	ev = pcp_client_handle_readable(&c, c.map.renew_ns + MS);
	tap_result(ev == 0 && c.cnt.rx_errors == 1 && c.state == PCP_ST_RENEWING,
		   "socket: the port unreachable is counted (rx_errors 1), nothing else changes");
	pcp_client_close(&c);
	tap_eq(pcp_client_fd(&c), -1, "socket: closed");

	/* Encapsulation mode needs the tunnel device. */
	t.mode = PCP_MODE_ENCAP;
	t.ifname[0] = 0;
	tap_result(pcp_client_open(&c, &t, err, sizeof(err)) == -1 &&
		   strstr(err, "tunnel device"),
		   "socket: encapsulation mode without a device is refused (%s)", err);
	snprintf(t.ifname, sizeof(t.ifname), "nosuchdev0");
	tap_result(pcp_client_open(&c, &t, err, sizeof(err)) == -1 &&
		   strstr(err, "nosuchdev0"),
		   "socket: an unknown device is refused (%s)", err);
}

int main(void)
{
	tap_start();
	test_encode_request();
	test_parse_response_fields();
	test_request_roundtrip();
	test_options();
	test_names();
	test_malformed();
	test_renew_window();
	test_retransmit();
	test_epoch_rules();
	test_epoch_client();
	test_health();
	test_cadence();
	test_counters();
	test_nonce_and_release();
	test_socket();
	return tap_done();
}
