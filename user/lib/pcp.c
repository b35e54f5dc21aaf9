// SPDX-License-Identifier: GPL-2.0
/*
 * PCP (RFC 6887) MAP client: codec, state machine, socket. The API and the
 * behaviour are documented in include/dslite/pcp.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <dslite/pcp.h>

#include "clock.h"
#include "wire.h"

#define RX_BURST	64

/* ------------------------------------------------------------------------
 * Names
 */
static const char *const result_names[PCP_RES_MAX + 1] = {
	[PCP_RES_SUCCESS]		  = "SUCCESS",
	[PCP_RES_UNSUPP_VERSION]	  = "UNSUPP_VERSION",
	[PCP_RES_NOT_AUTHORIZED]	  = "NOT_AUTHORIZED",
	[PCP_RES_MALFORMED_REQUEST]	  = "MALFORMED_REQUEST",
	[PCP_RES_UNSUPP_OPCODE]		  = "UNSUPP_OPCODE",
	[PCP_RES_UNSUPP_OPTION]		  = "UNSUPP_OPTION",
	[PCP_RES_MALFORMED_OPTION]	  = "MALFORMED_OPTION",
	[PCP_RES_NETWORK_FAILURE]	  = "NETWORK_FAILURE",
	[PCP_RES_NO_RESOURCES]		  = "NO_RESOURCES",
	[PCP_RES_UNSUPP_PROTOCOL]	  = "UNSUPP_PROTOCOL",
	[PCP_RES_USER_EX_QUOTA]		  = "USER_EX_QUOTA",
	[PCP_RES_CANNOT_PROVIDE_EXTERNAL] = "CANNOT_PROVIDE_EXTERNAL",
	[PCP_RES_ADDRESS_MISMATCH]	  = "ADDRESS_MISMATCH",
	[PCP_RES_EXCESSIVE_REMOTE_PEERS]  = "EXCESSIVE_REMOTE_PEERS",
};

static const char *const bad_names[PCP_BAD__MAX] = {
	[PCP_OK]		= "ok",
	[PCP_BAD_SHORT]		= "short",
	[PCP_BAD_VERSION]	= "version",
	[PCP_BAD_R_BIT]		= "r-bit",
	[PCP_BAD_OPCODE]	= "opcode",
	[PCP_BAD_LENGTH]	= "length",
	[PCP_BAD_OPTION]	= "option",
	[PCP_BAD_NONCE]		= "nonce",
	[PCP_BAD_MAPPING]	= "mapping",
};

#define NAME_OF(table, i) \
	((i) < sizeof(table) / sizeof((table)[0]) ? (table)[i] : NULL)

const char *pcp_result_name(unsigned int result)
{
	return NAME_OF(result_names, result);
}

const char *pcp_bad_name(unsigned int bad)
{
	return NAME_OF(bad_names, bad);
}

const char *pcp_opcode_name(unsigned int opcode)
{
	static const char *const names[] = { "ANNOUNCE", "MAP", "PEER" };

	return NAME_OF(names, opcode);
}

const char *pcp_protocol_name(unsigned int protocol)
{
	switch (protocol) {
	case 0:
		return "all";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	}
	return NULL;
}

const char *pcp_epoch_name(unsigned int r)
{
	static const char *const names[] = {
		"valid", "first", "backwards", "slow", "fast",
	};

	return NAME_OF(names, r);
}

const char *pcp_state_name(unsigned int s)
{
	static const char *const names[] = {
		"idle", "requesting", "mapped", "renewing", "waiting",
		"releasing",
	};

	return NAME_OF(names, s);
}

const char *pcp_health_name(unsigned int h)
{
	static const char *const names[] = { "unknown", "up", "down" };

	return NAME_OF(names, h);
}

const char *pcp_down_name(unsigned int r)
{
	static const char *const names[] = {
		"none", "no-answer", "network-failure", "no-resources",
		"epoch", "expired",
	};

	return NAME_OF(names, r);
}

const char *pcp_mode_name(unsigned int mode)
{
	static const char *const names[] = { "encap", "plain" };

	return NAME_OF(names, mode);
}

const char *pcp_addr_str(const struct in6_addr *a, char *buf)
{
	if (IN6_IS_ADDR_V4MAPPED(a))
		return inet_ntop(AF_INET, &a->s6_addr[12], buf,
				 INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

void pcp_addr_v4(struct in6_addr *a, uint32_t ipv4_be)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[10] = 0xff;
	a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], &ipv4_be, 4);
}

/* ------------------------------------------------------------------------
 * Codec
 */
size_t pcp_map_encode(const struct pcp_map_msg *m, void *buf, size_t size)
{
	struct pcp_map_body *body;
	uint8_t *b = buf;

	if (size < PCP_MAP_LEN)
		return 0;
	memset(b, 0, PCP_MAP_LEN);
	b[0] = m->version;
	b[1] = (m->response ? PCP_R_BIT : 0) | (m->opcode & PCP_OPCODE_MASK);
	if (m->response) {
		struct pcp_resp_hdr *h = (struct pcp_resp_hdr *)b;

		h->reserved = m->resp_reserved;
		h->result = m->result;
		put32((uint8_t *)&h->lifetime, m->lifetime);
		put32((uint8_t *)&h->epoch, m->epoch);
		memcpy(h->reserved2, m->resp_reserved2, sizeof(h->reserved2));
	} else {
		struct pcp_req_hdr *h = (struct pcp_req_hdr *)b;

		put16((uint8_t *)&h->reserved, m->req_reserved);
		put32((uint8_t *)&h->lifetime, m->lifetime);
		memcpy(h->client_addr, &m->client_addr, 16);
	}
	body = (struct pcp_map_body *)(b + PCP_HDR_LEN);
	memcpy(body->nonce, m->nonce, PCP_NONCE_LEN);
	body->protocol = m->protocol;
	memcpy(body->reserved, m->body_reserved, sizeof(body->reserved));
	put16((uint8_t *)&body->internal_port, m->internal_port);
	put16((uint8_t *)&body->external_port, m->external_port);
	memcpy(body->external_addr, &m->external_addr, 16);
	return PCP_MAP_LEN;
}

static enum pcp_bad parse(const uint8_t *b, size_t len, bool need_response,
			  struct pcp_map_msg *m)
{
	const struct pcp_map_body *body;
	size_t off;

	memset(m, 0, sizeof(*m));
	m->len = len;
	if (len < 2)
		return PCP_BAD_SHORT;
	m->version = b[0];
	m->response = b[1] & PCP_R_BIT;
	m->opcode = b[1] & PCP_OPCODE_MASK;
	if (m->version != PCP_VERSION)
		return PCP_BAD_VERSION;
	if (need_response && !m->response)
		return PCP_BAD_R_BIT;
	if (m->opcode != PCP_OP_MAP)
		return PCP_BAD_OPCODE;
	if (len < PCP_HDR_LEN)
		return PCP_BAD_SHORT;
	if (len % 4 || len > PCP_MAX_LEN)
		return PCP_BAD_LENGTH;

	if (m->response) {
		const struct pcp_resp_hdr *h = (const void *)b;

		m->resp_reserved = h->reserved;
		m->result = h->result;
		m->lifetime = get32((const uint8_t *)&h->lifetime);
		m->epoch = get32((const uint8_t *)&h->epoch);
		memcpy(m->resp_reserved2, h->reserved2,
		       sizeof(m->resp_reserved2));
	} else {
		const struct pcp_req_hdr *h = (const void *)b;

		m->req_reserved = get16((const uint8_t *)&h->reserved);
		m->lifetime = get32((const uint8_t *)&h->lifetime);
		memcpy(&m->client_addr, h->client_addr, 16);
	}

	if (len < PCP_MAP_LEN)
		return PCP_BAD_SHORT;
	body = (const void *)(b + PCP_HDR_LEN);
	memcpy(m->nonce, body->nonce, PCP_NONCE_LEN);
	m->protocol = body->protocol;
	memcpy(m->body_reserved, body->reserved, sizeof(m->body_reserved));
	m->internal_port = get16((const uint8_t *)&body->internal_port);
	m->external_port = get16((const uint8_t *)&body->external_port);
	memcpy(&m->external_addr, body->external_addr, 16);

	for (off = PCP_MAP_LEN; off < len;) {
		const struct pcp_opt_hdr *o = (const void *)(b + off);
		size_t dlen, padded;

		if (len - off < PCP_OPT_HDR_LEN)
			return PCP_BAD_OPTION;
		dlen = get16((const uint8_t *)&o->length);
		padded = (dlen + 3) & ~(size_t)3;
		if (padded > len - off - PCP_OPT_HDR_LEN)
			return PCP_BAD_OPTION;
		if (m->n_options < PCP_MAX_OPTIONS) {
			struct pcp_option *po = &m->options[m->n_options];

			po->code = o->code;
			po->reserved = o->reserved;
			po->length = dlen;
			po->offset = off + PCP_OPT_HDR_LEN;
		}
		m->n_options++;
		off += PCP_OPT_HDR_LEN + padded;
	}
	return PCP_OK;
}

enum pcp_bad pcp_parse(const void *buf, size_t len, struct pcp_map_msg *m)
{
	return parse(buf, len, false, m);
}

enum pcp_bad pcp_parse_response(const void *buf, size_t len,
				const struct pcp_map_msg *req,
				struct pcp_map_msg *m)
{
	enum pcp_bad bad = parse(buf, len, true, m);

	if (bad)
		return bad;
	if (memcmp(m->nonce, req->nonce, PCP_NONCE_LEN))
		return PCP_BAD_NONCE;
	if (m->protocol != req->protocol ||
	    m->internal_port != req->internal_port)
		return PCP_BAD_MAPPING;
	return PCP_OK;
}

/* ------------------------------------------------------------------------
 * Timing
 */
uint64_t pcp_renew_delay_ms(uint32_t lifetime_s, uint32_t r)
{
	uint64_t l_ms = (uint64_t)lifetime_s * 1000;

	return l_ms / 2 + ((l_ms / 8) * r >> 32);
}

uint32_t pcp_rt_ms(uint32_t base_ms, uint32_t r)
{
	/* factor in 1/100000: 0.9 + 0.2 * r / 2^32 */
	uint64_t f = 90000 + ((uint64_t)20000 * r >> 32);
	uint64_t v = (uint64_t)base_ms * f / 100000;

	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

enum pcp_epoch_result pcp_epoch_check(uint32_t prev_epoch, uint64_t prev_ns,
				      uint32_t epoch, uint64_t now_ns)
{
	int64_t client_delta, server_delta;

	if (epoch < prev_epoch) {
		if (prev_epoch - epoch > 1)
			return PCP_EPOCH_BACKWARDS;
		server_delta = 0;
	} else {
		server_delta = (int64_t)epoch - prev_epoch;
	}
	client_delta = now_ns > prev_ns ? (int64_t)((now_ns - prev_ns) /
						    NSEC_PER_SEC) : 0;
	if (client_delta + 2 < server_delta - server_delta / 16)
		return PCP_EPOCH_FAST;
	if (server_delta + 2 < client_delta - client_delta / 16)
		return PCP_EPOCH_SLOW;
	return PCP_EPOCH_VALID;
}

/* ------------------------------------------------------------------------
 * Client core
 */
static uint32_t rnd(struct pcp_client *c)
{
	uint32_t v;

	if (c->cfg.random)
		return c->cfg.random(c->cfg.random_ctx);
	while (getrandom(&v, sizeof(v), 0) != sizeof(v))
		;
	return v;
}

void pcp_client_cfg_init(struct pcp_client_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->protocol = IPPROTO_UDP;
	pcp_addr_v4(&cfg->suggested_addr, 0);
	cfg->lifetime_s = PCP_DEF_LIFETIME_S;
	cfg->irt_ms = PCP_DEF_IRT_MS;
	cfg->mrt_ms = PCP_DEF_MRT_MS;
	cfg->deadline_ms = PCP_DEF_DEADLINE_MS;
	cfg->error_wait_max_ms = PCP_DEF_ERROR_WAIT_MAX_MS;
	cfg->fail_threshold = PCP_DEF_FAIL_THRESHOLD;
	cfg->nr_threshold = PCP_DEF_NR_THRESHOLD;
	cfg->interval_ms = PCP_DEF_INTERVAL_MS;
}

void pcp_client_init(struct pcp_client *c, const struct pcp_client_cfg *cfg)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	if (!c->cfg.fail_threshold)
		c->cfg.fail_threshold = 1;
	if (c->cfg.nr_threshold < c->cfg.fail_threshold)
		c->cfg.nr_threshold = c->cfg.fail_threshold;
	if (!c->cfg.irt_ms)
		c->cfg.irt_ms = 1;
	if (c->cfg.mrt_ms < c->cfg.irt_ms)
		c->cfg.mrt_ms = c->cfg.irt_ms;
	c->fd = -1;
	for (i = 0; i < PCP_NONCE_LEN; i += 4) {
		uint32_t v = rnd(c);

		memcpy(&c->nonce[i], &v, 4);
	}
	c->map.external_addr = c->cfg.suggested_addr;
	c->map.external_port = c->cfg.suggested_port;
}

static void emit(struct pcp_client *c, unsigned int *ev, unsigned int bit,
		 const struct pcp_map_msg *msg)
{
	*ev |= bit;
	if (c->cfg.on_event)
		c->cfg.on_event(c->cfg.event_ctx, c, bit, msg);
}

static void set_health(struct pcp_client *c, unsigned int *ev,
		       enum pcp_health h, enum pcp_down_reason why,
		       uint64_t now)
{
	if (h != PCP_HEALTH_DOWN)
		why = PCP_DOWN_NONE;
	if (h == c->health && why == c->down_reason)
		return;
	if (h == PCP_HEALTH_DOWN && c->health != PCP_HEALTH_DOWN)
		c->cnt.down++;
	c->health = h;
	c->down_reason = why;
	c->health_ns = now;
	emit(c, ev, PCP_EV_HEALTH, NULL);
}

/* The request as it is (or was last) sent, for sending and matching. */
static void request_msg(const struct pcp_client *c, struct pcp_map_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->version = PCP_VERSION;
	m->opcode = PCP_OP_MAP;
	m->lifetime = c->tx_lifetime;
	m->client_addr = c->cfg.client_addr;
	memcpy(m->nonce, c->nonce, PCP_NONCE_LEN);
	m->protocol = c->cfg.protocol;
	m->internal_port = c->cfg.internal_port;
	/* Renewals suggest what was assigned (RFC 6887 11.2). */
	m->external_port = c->map.external_port;
	m->external_addr = c->map.external_addr;
	m->len = PCP_MAP_LEN;
}

static void reset_exchange(struct pcp_client *c)
{
	c->exch_start_ns = 0;
	c->tx_in_exch = 0;
	c->deadline_hit = false;
}

void pcp_client_start(struct pcp_client *c, uint64_t now)
{
	c->state = PCP_ST_REQUESTING;
	c->map.valid = false;
	c->renewal = false;
	c->remap = false;
	c->err_streak = 0;
	c->fail_streak = 0;
	c->tx_lifetime = c->cfg.lifetime_s;
	c->health = PCP_HEALTH_UNKNOWN;
	c->down_reason = PCP_DOWN_NONE;
	c->health_ns = now;
	reset_exchange(c);
	c->next_tx_ns = now;
}

void pcp_client_stop(struct pcp_client *c)
{
	c->state = PCP_ST_IDLE;
	c->map.valid = false;
	c->next_tx_ns = 0;
	reset_exchange(c);
}

static bool in_exchange(const struct pcp_client *c)
{
	return (c->state == PCP_ST_REQUESTING ||
		c->state == PCP_ST_RENEWING) && c->exch_start_ns;
}

uint64_t pcp_client_next_timeout(const struct pcp_client *c)
{
	uint64_t t = 0, d;

	if (c->state == PCP_ST_IDLE || c->state == PCP_ST_RELEASING)
		return 0;
	if (c->next_tx_ns)
		t = c->next_tx_ns;
	if (in_exchange(c) && !c->deadline_hit) {
		d = c->exch_start_ns + c->cfg.deadline_ms * NSEC_PER_MSEC;
		if (!t || d < t)
			t = d;
	}
	if (c->map.valid && (!t || c->map.expires_ns < t))
		t = c->map.expires_ns;
	return t;
}

static void build_tx(struct pcp_client *c, struct pcp_map_msg *m)
{
	request_msg(c, m);
	c->tx_len = pcp_map_encode(m, c->tx, sizeof(c->tx));
}

unsigned int pcp_client_timer(struct pcp_client *c, uint64_t now)
{
	struct pcp_map_msg m;
	unsigned int ev = 0;
	bool first;

	if (c->state == PCP_ST_IDLE || c->state == PCP_ST_RELEASING)
		return 0;

	if (c->map.valid && now >= c->map.expires_ns) {
		c->map.valid = false;
		c->cnt.expired++;
		if (c->state == PCP_ST_RENEWING || c->state == PCP_ST_MAPPED)
			c->state = PCP_ST_REQUESTING;
		c->renewal = false;
		emit(c, &ev, PCP_EV_EXPIRED, NULL);
		/* nothing answered for a whole lifetime and the server no
		 * longer holds the B4's state */
		if (c->health != PCP_HEALTH_DOWN)
			set_health(c, &ev, PCP_HEALTH_DOWN, PCP_DOWN_EXPIRED,
				   now);
	}

	if (in_exchange(c) && !c->deadline_hit &&
	    now >= c->exch_start_ns + c->cfg.deadline_ms * NSEC_PER_MSEC) {
		c->deadline_hit = true;
		c->cnt.deadlines++;
		emit(c, &ev, PCP_EV_DEADLINE, NULL);
		set_health(c, &ev, PCP_HEALTH_DOWN, PCP_DOWN_NO_ANSWER, now);
	}

	if (!c->next_tx_ns || now < c->next_tx_ns)
		return ev;

	switch (c->state) {
	case PCP_ST_MAPPED:
		c->state = PCP_ST_RENEWING;
		c->renewal = true;
		c->cnt.renewals++;
		reset_exchange(c);
		break;
	case PCP_ST_WAITING:
		c->state = c->map.valid ? PCP_ST_RENEWING : PCP_ST_REQUESTING;
		reset_exchange(c);
		break;
	default:
		break;
	}

	first = !c->exch_start_ns;
	if (first) {
		c->exch_start_ns = now;
		c->deadline_hit = false;
		c->rt_ms = pcp_rt_ms(c->cfg.irt_ms, rnd(c));
	} else {
		uint64_t base = (uint64_t)c->rt_ms * 2;

		if (base > c->cfg.mrt_ms)
			base = c->cfg.mrt_ms;
		c->rt_ms = pcp_rt_ms(base, rnd(c));
		c->cnt.tx_retransmits++;
	}
	c->tx_lifetime = c->cfg.lifetime_s;
	c->tx_in_exch++;
	c->cnt.tx_requests++;
	c->last_tx_ns = now;
	c->next_tx_ns = now + c->rt_ms * NSEC_PER_MSEC;
	build_tx(c, &m);
	emit(c, &ev, first ? PCP_EV_TX : PCP_EV_TX | PCP_EV_RETRANSMIT, &m);
	return ev;
}

unsigned int pcp_client_release(struct pcp_client *c, uint64_t now)
{
	struct pcp_map_msg m;
	unsigned int ev = 0;

	if (c->state == PCP_ST_IDLE)
		return 0;
	c->state = PCP_ST_RELEASING;
	c->next_tx_ns = 0;
	reset_exchange(c);
	c->tx_lifetime = 0;
	c->cnt.tx_requests++;
	c->last_tx_ns = now;
	build_tx(c, &m);
	emit(c, &ev, PCP_EV_TX, &m);
	return ev;
}

const void *pcp_client_tx(const struct pcp_client *c, size_t *len)
{
	*len = c->tx_len;
	return c->tx;
}

/* How long to wait after the n-th error answer in a row. */
static uint64_t error_wait_ms(struct pcp_client *c, uint32_t lifetime_s)
{
	uint64_t backoff = c->cfg.irt_ms, wait;
	uint32_t i;

	for (i = 1; i < c->err_streak && backoff < c->cfg.mrt_ms; i++)
		backoff *= 2;
	if (backoff > c->cfg.mrt_ms)
		backoff = c->cfg.mrt_ms;
	backoff = pcp_rt_ms(backoff, rnd(c));
	wait = (uint64_t)lifetime_s * 1000;
	if (wait < backoff)
		wait = backoff;
	if (c->cfg.interval_ms && wait > c->cfg.interval_ms)
		wait = pcp_rt_ms(c->cfg.interval_ms, rnd(c));
	if (wait > c->cfg.error_wait_max_ms)
		wait = c->cfg.error_wait_max_ms;
	return wait;
}

/* the wait between the 7/8 answers being counted toward down */
static uint64_t counting_wait_ms(struct pcp_client *c)
{
	uint64_t w = pcp_rt_ms(c->cfg.irt_ms, rnd(c));

	return w < c->cfg.error_wait_max_ms ? w : c->cfg.error_wait_max_ms;
}

/* the 7/8 answers in a row that make the client down after this one */
static uint32_t fail_threshold(const struct pcp_client *c, uint8_t result)
{
	return result == PCP_RES_NETWORK_FAILURE ? c->cfg.fail_threshold :
	       c->cfg.nr_threshold;
}

/* when a granted mapping is renewed: from min(granted, requested), and
 * no later than the probe interval */
static uint64_t renew_delay_ms(struct pcp_client *c, uint32_t granted_s)
{
	uint32_t l = granted_s;
	uint64_t d;

	if (c->tx_lifetime && l > c->tx_lifetime)
		l = c->tx_lifetime;
	d = pcp_renew_delay_ms(l, rnd(c));
	if (c->cfg.interval_ms) {
		uint64_t i = pcp_rt_ms(c->cfg.interval_ms, rnd(c));

		if (i < d)
			d = i;
	}
	return d;
}

static bool epoch_failed(enum pcp_epoch_result r)
{
	return r == PCP_EPOCH_BACKWARDS || r == PCP_EPOCH_SLOW ||
	       r == PCP_EPOCH_FAST;
}

/* input_mapped(): a SUCCESS that grants a mapping */
static void input_mapped(struct pcp_client *c, unsigned int *ev,
			 const struct pcp_map_msg *m, uint64_t now)
{
	c->err_streak = 0;
	c->fail_streak = 0;
	c->map.valid = true;
	c->map.external_addr = m->external_addr;
	c->map.external_port = m->external_port;
	c->map.lifetime = m->lifetime;
	c->map.epoch = m->epoch;
	c->map.granted_ns = now;
	c->map.expires_ns = now + m->lifetime * NSEC_PER_SEC;
	c->map.renew_ns = now + renew_delay_ms(c, m->lifetime) * NSEC_PER_MSEC;
	c->state = PCP_ST_MAPPED;
	c->next_tx_ns = c->map.renew_ns;
	c->cnt.mappings++;
	emit(c, ev, PCP_EV_MAPPED, m);
}

/*
 * input_error(): an error, or a SUCCESS that grants nothing (lifetime 0);
 * fail: NETWORK_FAILURE or NO_RESOURCES. Returns whether the answer is
 * being counted (7/8 answers still short of down).
 */
static bool input_error(struct pcp_client *c, unsigned int *ev,
			const struct pcp_map_msg *m, bool fail, uint64_t now)
{
	bool counting;

	c->err_streak++;
	c->fail_streak = fail ? c->fail_streak + 1 : 0;
	c->state = PCP_ST_WAITING;
	counting = fail && c->health != PCP_HEALTH_DOWN &&
		   c->fail_streak < fail_threshold(c, m->result);
	if (counting)
		/* ask again at once, on the retransmission pace (at most the
		 * retry ceiling), not after the error lifetime */
		c->next_tx_ns = now + counting_wait_ms(c) * NSEC_PER_MSEC;
	else
		c->next_tx_ns = now + error_wait_ms(c, m->lifetime) *
				NSEC_PER_MSEC;
	if (m->result != PCP_RES_SUCCESS)
		emit(c, ev, PCP_EV_ERROR, m);
	return counting;
}

/* input_epoch_reset(): the server lost its state: map again at once (8.5) */
static void input_epoch_reset(struct pcp_client *c, unsigned int *ev,
			      const struct pcp_map_msg *m, uint64_t now)
{
	c->cnt.epoch_resets++;
	c->remap = true;
	emit(c, ev, PCP_EV_EPOCH, m);
	set_health(c, ev, PCP_HEALTH_DOWN, PCP_DOWN_EPOCH, now);
	c->state = c->map.valid ? PCP_ST_RENEWING : PCP_ST_REQUESTING;
	reset_exchange(c);
	c->next_tx_ns = now;
}

unsigned int pcp_client_input(struct pcp_client *c, const void *buf,
			      size_t len, uint64_t now)
{
	struct pcp_map_msg req, m;
	enum pcp_epoch_result er;
	unsigned int ev = 0;
	enum pcp_bad bad;
	bool fail, counting = false;

	c->cnt.rx_packets++;
	if (c->state == PCP_ST_IDLE)
		return 0;
	request_msg(c, &req);
	bad = pcp_parse_response(buf, len, &req, &m);
	if (bad) {
		c->cnt.rx_malformed++;
		c->cnt.rx_bad[bad]++;
		c->last_bad = bad;
		emit(c, &ev, PCP_EV_MALFORMED, NULL);
		return ev;
	}

	c->cnt.rx_responses++;
	c->cnt.rx_result[m.result <= PCP_RES_MAX ? m.result : PCP_RES_MAX + 1]++;
	c->have_last = true;
	c->last = m;
	c->last_rx_ns = now;
	c->last_rtt_ns = now - c->last_tx_ns;

	if (c->state == PCP_ST_RELEASING) {
		emit(c, &ev, PCP_EV_RESPONSE, &m);
		if (m.lifetime == 0) {
			c->state = PCP_ST_IDLE;
			c->map.valid = false;
			emit(c, &ev, PCP_EV_RELEASED, &m);
		}
		return ev;
	}

	er = c->have_epoch ? pcp_epoch_check(c->prev_epoch, c->prev_epoch_ns,
					     m.epoch, now) : PCP_EPOCH_FIRST;
	c->have_epoch = true;
	c->prev_epoch = m.epoch;
	c->prev_epoch_ns = now;
	c->last_epoch = er;

	reset_exchange(c);
	c->renewal = false;
	emit(c, &ev, PCP_EV_RESPONSE, &m);

	fail = m.result == PCP_RES_NETWORK_FAILURE ||
	       m.result == PCP_RES_NO_RESOURCES;
	if (m.result == PCP_RES_SUCCESS && m.lifetime)
		input_mapped(c, &ev, &m, now);
	else
		counting = input_error(c, &ev, &m, fail, now);
	if (epoch_failed(er)) {
		input_epoch_reset(c, &ev, &m, now);
		return ev;
	}
	c->remap = false;
	if (fail) {
		enum pcp_down_reason why =
			m.result == PCP_RES_NETWORK_FAILURE ?
			PCP_DOWN_NETWORK_FAILURE : PCP_DOWN_NO_RESOURCES;

		if (!counting)
			set_health(c, &ev, PCP_HEALTH_DOWN, why, now);
	} else {
		set_health(c, &ev, PCP_HEALTH_UP, PCP_DOWN_NONE, now);
	}
	return ev;
}

/* ------------------------------------------------------------------------
 * Socket
 */
static int fail(char *err, size_t errlen, const char *fmt, const char *arg,
		int e)
{
	char what[160];

	snprintf(what, sizeof(what), fmt, arg);
	if (e)
		snprintf(err, errlen, "%s: %s", what, strerror(e));
	else
		snprintf(err, errlen, "%s", what);
	return -1;
}

int pcp_client_open(struct pcp_client *c, const struct pcp_transport *t,
		    char *err, size_t errlen)
{
	uint16_t port = t->port ? t->port : PCP_SERVER_PORT;
	char buf[INET6_ADDRSTRLEN];
	int fd, e;

	if (t->mode == PCP_MODE_ENCAP) {
		struct sockaddr_in src = { .sin_family = AF_INET };
		struct sockaddr_in dst = { .sin_family = AF_INET };

		src.sin_addr.s_addr = t->inner_src ? t->inner_src :
				      htonl(DSLITE_B4_ADDR);
		dst.sin_addr.s_addr = t->inner_dst ? t->inner_dst :
				      htonl(DSLITE_AFTR_ADDR);
		dst.sin_port = htons(port);
		if (!t->ifname[0])
			return fail(err, errlen, "encapsulation mode needs the tunnel device",
				    NULL, 0);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail(err, errlen, "socket", NULL, errno);
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->ifname,
			       strlen(t->ifname) + 1)) {
			e = errno;
			close(fd);
			return fail(err, errlen, "%s", t->ifname, e);
		}
		if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			e = errno;
			close(fd);
			inet_ntop(AF_INET, &src.sin_addr, buf, sizeof(buf));
			if (e == EADDRNOTAVAIL)
				return fail(err, errlen,
					    "%s is not an address of this host (the tunnel needs it)",
					    buf, 0);
			return fail(err, errlen, "bind %s", buf, e);
		}
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			e = errno;
			close(fd);
			return fail(err, errlen, "connect via %s", t->ifname, e);
		}
		if (IN6_IS_ADDR_UNSPECIFIED(&c->cfg.client_addr))
			pcp_addr_v4(&c->cfg.client_addr, src.sin_addr.s_addr);
	} else {
		struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
		struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
		socklen_t sl = sizeof(src);

		if (IN6_IS_ADDR_UNSPECIFIED(&t->server))
			return fail(err, errlen, "plain mode needs the PCP server address",
				    NULL, 0);
		dst.sin6_addr = t->server;
		dst.sin6_port = htons(port);
		src.sin6_addr = t->source;
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail(err, errlen, "socket", NULL, errno);
		if (t->ifname[0] &&
		    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->ifname,
			       strlen(t->ifname) + 1)) {
			e = errno;
			close(fd);
			return fail(err, errlen, "%s", t->ifname, e);
		}
		if (!IN6_IS_ADDR_UNSPECIFIED(&t->source) &&
		    bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			e = errno;
			close(fd);
			inet_ntop(AF_INET6, &t->source, buf, sizeof(buf));
			return fail(err, errlen, "bind %s", buf, e);
		}
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			e = errno;
			close(fd);
			inet_ntop(AF_INET6, &t->server, buf, sizeof(buf));
			return fail(err, errlen, "connect to %s", buf, e);
		}
		if (getsockname(fd, (struct sockaddr *)&src, &sl)) {
			e = errno;
			close(fd);
			return fail(err, errlen, "getsockname", NULL, e);
		}
		if (IN6_IS_ADDR_UNSPECIFIED(&c->cfg.client_addr))
			c->cfg.client_addr = src.sin6_addr;
	}
	c->fd = fd;
	return 0;
}

void pcp_client_close(struct pcp_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

unsigned int pcp_client_send(struct pcp_client *c)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (send(c->fd, c->tx, c->tx_len, 0) == (ssize_t)c->tx_len)
			return 0;
		/* a pending ICMP error of an earlier packet: report it, retry */
		if (errno != ECONNREFUSED)
			break;
		c->cnt.rx_errors++;
	}
	c->tx_errno = errno;
	c->cnt.tx_errors++;
	return PCP_EV_TX_ERROR;
}

/* ev, and the request sent (on a socket) when ev asks for it */
static unsigned int send_if_tx(struct pcp_client *c, unsigned int ev)
{
	if ((ev & PCP_EV_TX) && c->fd >= 0)
		ev |= pcp_client_send(c);
	return ev;
}

unsigned int pcp_client_handle_timeout(struct pcp_client *c, uint64_t now)
{
	return send_if_tx(c, pcp_client_timer(c, now));
}

unsigned int pcp_client_handle_readable(struct pcp_client *c, uint64_t now)
{
	uint8_t buf[PCP_MAX_LEN + 4];
	unsigned int ev = 0;
	uint64_t t;
	ssize_t n;
	int i;

	for (i = 0; i < RX_BURST; i++) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH) {
				c->cnt.rx_errors++;
				continue;
			}
			break;
		}
		/* MSG_TRUNC: n is the datagram's real length */
		if ((size_t)n > sizeof(buf))
			n = sizeof(buf);
		ev |= pcp_client_input(c, buf, n, now);
	}
	t = pcp_client_next_timeout(c);
	if (t && t <= now)
		ev |= pcp_client_handle_timeout(c, now);
	return ev;
}

unsigned int pcp_client_release_send(struct pcp_client *c, uint64_t now)
{
	return send_if_tx(c, pcp_client_release(c, now));
}
