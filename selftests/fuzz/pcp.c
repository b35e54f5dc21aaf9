// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the PCP response decoder and the client that consumes it
 * (user/lib/pcp.c): pcp_parse() and pcp_parse_response() on the raw
 * bytes, then the same bytes as a sequence of datagrams fed to a running
 * client between timer runs.
 *
 * Input: [flags u8][delay_ms u16][len u8][len bytes] repeated. flags bit
 * 0: copy the request's nonce into the datagram, bit 1: its protocol and
 * internal port (so mutations reach the checks after the nonce), bit 2:
 * release instead of receiving.
 *
 * Invariants: a parse that says PCP_OK read no more than it was given,
 * and a refused datagram changes neither the state, the health nor the
 * mapping of the client.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <dslite/pcp.h>

#include "fuzz.h"

#define MS 1000000ULL

static uint32_t rnd_state;

static uint32_t rng(void *ctx)
{
	(void)ctx;
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state;
}

static void parse_all(const uint8_t *data, size_t size)
{
	struct pcp_map_msg m, req, r;
	enum pcp_bad bad;

	bad = pcp_parse(data, size, &m);
	if (bad == PCP_OK) {
		fuzz_assert(m.len <= size, "len %zu > %zu", m.len, size);
		fuzz_assert(m.version == PCP_VERSION, "version %u", m.version);
	}
	pcp_bad_name(bad);
	pcp_result_name(m.result);
	memset(&req, 0, sizeof(req));
	if (size >= 60) {
		memcpy(req.nonce, data + 24, sizeof(req.nonce));
		req.protocol = data[36];
		req.internal_port = (uint16_t)(data[40] << 8 | data[41]);
	}
	bad = pcp_parse_response(data, size, &req, &r);
	if (bad == PCP_OK) {
		fuzz_assert(r.response, "a response without the R bit");
		fuzz_assert(r.len <= size, "len %zu > %zu", r.len, size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct pcp_client_cfg cfg;
	static struct pcp_client c;
	uint64_t now = 1000 * MS;
	int n = 0;

	parse_all(data, size);

	rnd_state = 1;
	pcp_client_cfg_init(&cfg);
	pcp_addr_v4(&cfg.client_addr, htonl(0xc0000002));
	cfg.internal_port = 5000;
	cfg.random = rng;
	pcp_client_init(&c, &cfg);
	pcp_client_start(&c, now);
	pcp_client_timer(&c, now);

	while (in.left && n++ < 64) {
		uint8_t flags = fuzz_u8(&in), buf[1100];
		uint16_t delay = fuzz_u16(&in);
		size_t len = fuzz_u8(&in) * 4 + (flags >> 6), got;
		const uint8_t *p = fuzz_bytes(&in, len, &got);
		enum pcp_state st;
		enum pcp_health h;
		struct pcp_mapping map;
		unsigned int ev;
		size_t txlen;
		const uint8_t *tx;

		now += (uint64_t)delay * MS;
		pcp_client_timer(&c, now);
		if (flags & 4) {
			pcp_client_release(&c, now);
			continue;
		}
		memcpy(buf, p, got);
		tx = pcp_client_tx(&c, &txlen);
		if (tx && txlen >= 60 && got >= 60) {
			if (flags & 1)
				memcpy(buf + 24, tx + 24, 12);
			if (flags & 2) {
				buf[36] = tx[36];
				memcpy(buf + 40, tx + 40, 2);
			}
		}
		/* an exact-size copy, so ASan sees a read past its end */
		uint8_t *dg = malloc(got ? got : 1);
		if (!dg)
			return 0;
		memcpy(dg, buf, got);
		st = pcp_client_state(&c);
		h = pcp_client_health(&c);
		memcpy(&map, pcp_client_mapping(&c), sizeof(map));
		ev = pcp_client_input(&c, dg, got, now);
		if (ev & PCP_EV_MALFORMED) {
			fuzz_assert(st == pcp_client_state(&c) &&
				    h == pcp_client_health(&c) &&
				    !memcmp(&map, pcp_client_mapping(&c), sizeof(map)),
				    "a refused datagram (%s) changed the client",
				    pcp_bad_name(pcp_client_last_bad(&c)));
		}
		free(dg);
		pcp_state_name(pcp_client_state(&c));
		pcp_health_name(pcp_client_health(&c));
		pcp_down_name(pcp_client_down_reason(&c));
	}
	pcp_client_stop(&c);
	return 0;
}
