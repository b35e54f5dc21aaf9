/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite PCP (RFC 6887) MAP client: codec, client state machine, socket.
 * Userspace only (implementation: user/lib/pcp.c). Wire layouts and constants
 * are in <dslite/proto.h>.
 *
 * The client keeps one mapping alive with a short lifetime and turns what
 * the server says (or does not say) into a health state, so that PCP can
 * serve as a liveness check of an AFTR: it exercises the AFTR's NAT and
 * its routing, not only its reachability.
 *
 * Layers:
 *
 *   codec     pcp_map_encode(), pcp_parse(), pcp_parse_response(): a MAP
 *             message <-> struct pcp_map_msg, every field; strict checks
 *             with a precise reason (enum pcp_bad).
 *   core      struct pcp_client without I/O: pcp_client_timer() and
 *             pcp_client_input() take the time and the received bytes and
 *             leave the request to send in the client (pcp_client_tx()).
 *             Deterministic with a random source of your own (cfg.random).
 *   socket    pcp_client_open() and pcp_client_handle_*(): the same core
 *             on a non-blocking UDP socket, for an epoll loop.
 *
 * No global state: everything lives in struct pcp_client, which the
 * caller allocates (embed it in a per-AFTR structure). Times are
 * CLOCK_MONOTONIC nanoseconds, as the caller passes them ("now").
 *
 * Driving it from an epoll loop (one client per AFTR):
 *
 *	struct pcp_client_cfg cfg;
 *	struct pcp_transport t = { .mode = PCP_MODE_ENCAP, .ifname = "ds0" };
 *
 *	pcp_client_cfg_init(&cfg);	defaults, then change what you need
 *	cfg.internal_port = 5000;
 *	pcp_client_init(&c, &cfg);
 *	if (pcp_client_open(&c, &t, err, sizeof(err)))
 *		fail(err);
 *	epoll_ctl(ep, EPOLL_CTL_ADD, pcp_client_fd(&c), EPOLLIN);
 *	pcp_client_start(&c, now);
 *	loop:
 *		arm the timerfd at pcp_client_next_timeout(&c) (0: none)
 *		on EPOLLIN:      ev = pcp_client_handle_readable(&c, now);
 *		on the timer:    ev = pcp_client_handle_timeout(&c, now);
 *		if (ev & PCP_EV_HEALTH)
 *			react to pcp_client_health(&c) / pcp_client_down_reason(&c)
 *	on stop:
 *		pcp_client_release(&c, now);	one delete (lifetime 0), optional
 *		pcp_client_close(&c);
 *
 * handle_timeout() does nothing when called early, so a shared timer may
 * call it whenever it fires. For a path the library has no socket for
 * (a standby AFTR reached by encapsulating IPv4 in IPv6 directly), skip
 * pcp_client_open() and use the core: call pcp_client_timer() and
 * pcp_client_input() yourself and send pcp_client_tx()'s bytes as the UDP
 * payload from 192.0.0.2 to 192.0.0.1:5351 whenever PCP_EV_TX is set.
 *
 * Behaviour (RFC 6887 sections in brackets):
 *   - One MAP request (opcode 1) with the configured protocol, internal
 *     port and requested lifetime (default 120 s); a 96-bit random nonce
 *     chosen by pcp_client_init() and kept for the client's life: across
 *     retransmissions, renewals and re-maps [11.1, 11.2].
 *   - Retransmission [8.1.1]: RT = (1 + RAND) * IRT for the first, then
 *     RT = (1 + RAND) * MIN(2 * RTprev, MRT), RAND uniform in -0.1..+0.1;
 *     IRT 3 s, MRT 1024 s, no count limit. The exchange has a deadline
 *     (default 15 s from its first transmission): passing it raises
 *     PCP_EV_DEADLINE and marks the client down (no-answer); transmissions
 *     go on, and the next answer brings it up again.
 *   - Renewal [11.2.1]: after a SUCCESS with lifetime L, the next request
 *     is sent at a uniformly random point in 1/2..5/8 of min(L, the
 *     requested lifetime) (a server that grants far more than asked,
 *     up to 0xffffffff, never stops the probing), and no later than
 *     cfg.interval_ms +-10 % when that is set. A mapping not renewed by
 *     L expires (PCP_EV_EXPIRED): the client is down (expired) and
 *     requests it anew.
 *   - Error responses [8.3]: while NETWORK_FAILURE/NO_RESOURCES answers
 *     are being counted toward their threshold, the request is repeated
 *     on the retransmission pace (IRT +-10 %, at most error_wait_max_ms),
 *     so N answers take about N x 3 s. Otherwise (other errors, or already down) it is repeated
 *     after the error's Lifetime, but not sooner than the retransmission
 *     schedule (IRT doubling per consecutive error) and not later than
 *     cfg.error_wait_max_ms nor cfg.interval_ms.
 *   - Epoch [8.5]: the first response's Epoch is taken as it is; after
 *     that an Epoch more than 1 s below the previous one (backwards), or
 *     one whose advance differs from the local elapsed time beyond
 *     2 s + 1/16 (slow: less than elapsed; fast: more) means the server
 *     lost its state: PCP_EV_EPOCH, the client is down (epoch) and sends
 *     a new MAP at once; the answer to it brings it up again.
 *   - Health: UNKNOWN until the first answer; UP after any valid answer
 *     other than NETWORK_FAILURE (7) / NO_RESOURCES (8) that passed the
 *     Epoch check. DOWN (the reason in brackets):
 *       - after cfg.fail_threshold (default 1) NETWORK_FAILURE answers in
 *         a row (network-failure): the server states that it cannot
 *         reach its external network, for the error's lifetime [7.4];
 *       - after max(nr_threshold, fail_threshold) (default 3) 7/8
 *         answers in a row of which the last is NO_RESOURCES
 *         (no-resources): NO_RESOURCES may be a per-subscriber port
 *         quota while the NAT still carries the subscriber's existing
 *         flows, and moving to another AFTR drops all of them; three
 *         answers on the retransmission pace (about 9 s) confirm that
 *         the server is out of resources, not that one request hit a
 *         limit;
 *       - when the exchange's deadline passes without an answer
 *         (no-answer), when the mapping expires unrenewed (expired), or
 *         on an Epoch failure (epoch).
 *   - A response that fails pcp_parse_response() changes nothing; it is
 *     counted by reason (struct pcp_counters.rx_malformed) and raises
 *     PCP_EV_MALFORMED.
 */
#ifndef _DSLITE_PCP_H
#define _DSLITE_PCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <dslite/proto.h>

/* Defaults (struct pcp_client_cfg). */
#define PCP_DEF_LIFETIME_S	120
#define PCP_DEF_IRT_MS		3000		/* RFC 6887 8.1.1 IRT */
#define PCP_DEF_MRT_MS		1024000		/* RFC 6887 8.1.1 MRT */
#define PCP_DEF_DEADLINE_MS	15000
#define PCP_DEF_FAIL_THRESHOLD	1	/* NETWORK_FAILURE: one is a statement */
#define PCP_DEF_NR_THRESHOLD	3	/* NO_RESOURCES: see "Health" */
#define PCP_DEF_INTERVAL_MS	0	/* library: renew by the lifetime only */
#define PCP_DEF_ERROR_WAIT_MAX_MS PCP_DEF_MRT_MS

/* Options kept per parsed message (more are counted, not kept). */
#define PCP_MAX_OPTIONS		8

/* ------------------------------------------------------------------------
 * Codec
 */

/* One option as found in a message. */
struct pcp_option {
	uint8_t code;
	uint8_t reserved;
	uint16_t length;	/* data bytes */
	uint16_t offset;	/* of the data, from the start of the message */
};

/*
 * A MAP message, request or response, every field in host order (the
 * address fields as struct in6_addr, IPv4 ones IPv4-mapped).
 */
struct pcp_map_msg {
	/* common header */
	uint8_t version;
	bool response;			/* R bit */
	uint8_t opcode;			/* without the R bit */
	uint16_t req_reserved;		/* request: the 16 reserved bits */
	uint8_t resp_reserved;		/* response: the 8 reserved bits */
	uint8_t result;			/* response: enum pcp_result */
	uint32_t lifetime;		/* requested / granted / error, s */
	uint32_t epoch;			/* response: Epoch Time, s */
	struct in6_addr client_addr;	/* request: PCP Client's IP Address */
	uint8_t resp_reserved2[12];	/* response: the 96 reserved bits */
	/* MAP body */
	uint8_t nonce[PCP_NONCE_LEN];
	uint8_t protocol;
	uint8_t body_reserved[3];
	uint16_t internal_port;
	uint16_t external_port;		/* suggested / assigned */
	struct in6_addr external_addr;	/* suggested / assigned */
	/* options */
	unsigned int n_options;		/* all of them, even beyond the array */
	struct pcp_option options[PCP_MAX_OPTIONS];
	size_t len;			/* bytes parsed */
};

/* Why a message was refused, in the order the checks run. */
enum pcp_bad {
	PCP_OK = 0,
	PCP_BAD_SHORT,		/* shorter than 2 bytes, than the 24-byte
				 * header, or than header + MAP body (60) */
	PCP_BAD_VERSION,	/* version != 2 */
	PCP_BAD_R_BIT,		/* a response with the R bit clear */
	PCP_BAD_OPCODE,		/* not MAP */
	PCP_BAD_LENGTH,		/* not a multiple of 4, or over 1100 bytes */
	PCP_BAD_OPTION,		/* an option header or its data (with
				 * padding) runs past the end */
	PCP_BAD_NONCE,		/* not the nonce of our request */
	PCP_BAD_MAPPING,	/* protocol or internal port not ours */
	PCP_BAD__MAX
};

/*
 * pcp_map_encode(m, buf, size): write m as a 60-byte MAP message (request
 * or response after m->response; options are not written). Returns the
 * length, or 0 if size is below PCP_MAP_LEN.
 */
size_t pcp_map_encode(const struct pcp_map_msg *m, void *buf, size_t size);

/*
 * pcp_parse(buf, len, m): parse a MAP message, request or response, and
 * check its framing: length, version, opcode, options. Returns PCP_OK or
 * the first check that failed (m is then partly filled).
 */
enum pcp_bad pcp_parse(const void *buf, size_t len, struct pcp_map_msg *m);

/*
 * pcp_parse_response(buf, len, req, m): pcp_parse() plus the checks a
 * client makes on an answer to its request req: R bit set, the same nonce,
 * protocol and internal port. Order: short (< 2 bytes), version, R bit,
 * opcode, short (< 24), length, short (< 60), option, nonce, mapping.
 */
enum pcp_bad pcp_parse_response(const void *buf, size_t len,
				const struct pcp_map_msg *req,
				struct pcp_map_msg *m);

/* Names: "SUCCESS" ... "EXCESSIVE_REMOTE_PEERS", NULL above 13. */
const char *pcp_result_name(unsigned int result);
/* "short", "version", "r-bit", "opcode", "length", "option", "nonce",
 * "mapping"; "ok" for PCP_OK, NULL for anything else. */
const char *pcp_bad_name(unsigned int bad);
/* "ANNOUNCE", "MAP", "PEER", NULL for others. */
const char *pcp_opcode_name(unsigned int opcode);
/* "udp", "tcp", "all" (0), NULL for others. */
const char *pcp_protocol_name(unsigned int protocol);

/*
 * pcp_addr_str(a, buf): an address field as text: dotted quad when
 * IPv4-mapped, IPv6 otherwise. buf holds INET6_ADDRSTRLEN bytes.
 */
const char *pcp_addr_str(const struct in6_addr *a, char *buf);
/* pcp_addr_v4(a, ipv4): ::ffff:ipv4 (ipv4 in network order). */
void pcp_addr_v4(struct in6_addr *a, uint32_t ipv4_be);

/* ------------------------------------------------------------------------
 * Epoch check (RFC 6887 section 8.5)
 */
enum pcp_epoch_result {
	PCP_EPOCH_VALID = 0,
	PCP_EPOCH_FIRST,	/* no previous response: valid */
	PCP_EPOCH_BACKWARDS,	/* more than 1 s below the previous one */
	PCP_EPOCH_SLOW,		/* advanced less than the elapsed time */
	PCP_EPOCH_FAST,		/* advanced more than the elapsed time */
};

/*
 * pcp_epoch_check(prev_epoch, prev_ns, epoch, now_ns): the check of a new
 * Epoch Time against the previous one and the local times they arrived.
 * client_delta and server_delta in whole seconds; invalid if
 * client_delta + 2 < server_delta - server_delta / 16 (fast) or
 * server_delta + 2 < client_delta - client_delta / 16 (slow). Going back
 * by up to 1 s counts as no advance.
 */
enum pcp_epoch_result pcp_epoch_check(uint32_t prev_epoch, uint64_t prev_ns,
				      uint32_t epoch, uint64_t now_ns);
/* "valid", "first", "backwards", "slow", "fast" */
const char *pcp_epoch_name(unsigned int r);

/* ------------------------------------------------------------------------
 * Client
 */
struct pcp_client;

struct pcp_client_cfg {
	/* The request. */
	struct in6_addr client_addr;	/* PCP Client's IP Address; :: lets
					 * pcp_client_open() fill it in */
	uint8_t protocol;		/* IPPROTO_UDP (default) or TCP */
	uint16_t internal_port;		/* default 0: set it */
	uint16_t suggested_port;	/* 0: none */
	struct in6_addr suggested_addr;	/* default ::ffff:0.0.0.0 (IPv4) */
	uint32_t lifetime_s;		/* requested, PCP_DEF_LIFETIME_S */

	/* Timers, ms. */
	uint32_t irt_ms;		/* PCP_DEF_IRT_MS */
	uint32_t mrt_ms;		/* PCP_DEF_MRT_MS */
	uint32_t deadline_ms;		/* PCP_DEF_DEADLINE_MS */
	uint32_t error_wait_max_ms;	/* PCP_DEF_ERROR_WAIT_MAX_MS */

	/*
	 * Answers in a row that mean down: NETWORK_FAILURE (fail_threshold)
	 * and NO_RESOURCES (the larger of nr_threshold and fail_threshold).
	 */
	uint32_t fail_threshold;	/* PCP_DEF_FAIL_THRESHOLD, >= 1 */
	uint32_t nr_threshold;		/* PCP_DEF_NR_THRESHOLD, >= 1 */

	/*
	 * Probe cadence: a mapping is renewed at most this long (+-10 %)
	 * after it was granted, whatever lifetime the server gave; 0: by
	 * the lifetime alone (1/2..5/8 of it).
	 */
	uint32_t interval_ms;		/* PCP_DEF_INTERVAL_MS */

	/*
	 * Random source for the nonce and the jitter, uniform 32 bits; NULL
	 * (default): getrandom(2). Tests pass their own to pin the timers.
	 */
	uint32_t (*random)(void *ctx);
	void *random_ctx;

	/*
	 * Optional: called for every event as it happens, with the message
	 * it concerns (the request sent for PCP_EV_TX, the response for
	 * PCP_EV_RESPONSE/MAPPED/ERROR/EPOCH/RELEASED, NULL otherwise; for
	 * PCP_EV_MALFORMED msg is NULL and pcp_client_last_bad() says why).
	 * One event bit per call, except a retransmission, which comes as
	 * PCP_EV_TX | PCP_EV_RETRANSMIT. It must not call back into the
	 * client.
	 */
	void (*on_event)(void *ctx, const struct pcp_client *c,
			 unsigned int ev, const struct pcp_map_msg *msg);
	void *event_ctx;
};

/* Events: bits returned by pcp_client_timer/input/handle_*(). */
#define PCP_EV_TX		(1u << 0)	/* a request is to be sent / was
						 * sent (first or renewal) */
#define PCP_EV_RETRANSMIT	(1u << 1)	/* the same, a retransmission
						 * (PCP_EV_TX is set too) */
#define PCP_EV_RESPONSE		(1u << 2)	/* a valid answer (any result) */
#define PCP_EV_MAPPED		(1u << 3)	/* SUCCESS: mapping granted */
#define PCP_EV_ERROR		(1u << 4)	/* an error result code */
#define PCP_EV_MALFORMED	(1u << 5)	/* a response was refused */
#define PCP_EV_EPOCH		(1u << 6)	/* server lost state: re-mapping */
#define PCP_EV_HEALTH		(1u << 7)	/* the health state changed */
#define PCP_EV_DEADLINE		(1u << 8)	/* no answer by the deadline */
#define PCP_EV_EXPIRED		(1u << 9)	/* the mapping ran out */
#define PCP_EV_RELEASED		(1u << 10)	/* the delete was answered */
#define PCP_EV_TX_ERROR		(1u << 11)	/* send() failed (errno kept) */

enum pcp_state {
	PCP_ST_IDLE = 0,	/* not started, stopped or released */
	PCP_ST_REQUESTING,	/* no mapping; request sent, retransmitting */
	PCP_ST_MAPPED,		/* mapping valid; renewal scheduled */
	PCP_ST_RENEWING,	/* mapping valid; renewal sent */
	PCP_ST_WAITING,		/* after an error answer, until the retry */
	PCP_ST_RELEASING,	/* delete (lifetime 0) sent */
};

enum pcp_health {
	PCP_HEALTH_UNKNOWN = 0,	/* no answer yet, deadline not passed */
	PCP_HEALTH_UP,
	PCP_HEALTH_DOWN,
};

enum pcp_down_reason {
	PCP_DOWN_NONE = 0,
	PCP_DOWN_NO_ANSWER,	/* no answer by the deadline */
	PCP_DOWN_NETWORK_FAILURE, /* NETWORK_FAILURE (7) repeatedly */
	PCP_DOWN_NO_RESOURCES,	/* NO_RESOURCES (8) repeatedly */
	PCP_DOWN_EPOCH,		/* the server lost its state */
	PCP_DOWN_EXPIRED,	/* the mapping ran out unrenewed */
};

struct pcp_counters {
	uint64_t tx_requests;		/* requests sent, all of them */
	uint64_t tx_retransmits;	/* of which retransmissions */
	uint64_t tx_errors;		/* send() failures */
	uint64_t rx_packets;		/* datagrams received */
	uint64_t rx_errors;		/* ICMP errors the socket reported
					 * (port unreachable: no server) */
	uint64_t rx_responses;		/* valid answers */
	uint64_t rx_malformed;		/* refused, all reasons */
	uint64_t rx_bad[PCP_BAD__MAX];	/* refused, by enum pcp_bad */
	uint64_t rx_result[PCP_RES_MAX + 2]; /* valid answers by result
					 * code; the last slot: codes > 13 */
	uint64_t mappings;		/* SUCCESS answers */
	uint64_t renewals;		/* renewal exchanges started */
	uint64_t epoch_resets;		/* Epoch check failures */
	uint64_t deadlines;		/* exchanges past the deadline */
	uint64_t expired;		/* mappings that ran out */
	uint64_t down;			/* transitions to DOWN */
};

/* The mapping the server granted. */
struct pcp_mapping {
	bool valid;
	struct in6_addr external_addr;
	uint16_t external_port;
	uint32_t lifetime;		/* granted, s */
	uint32_t epoch;			/* Epoch Time of that answer */
	uint64_t granted_ns;
	uint64_t renew_ns;		/* the renewal is sent then */
	uint64_t expires_ns;
};

struct pcp_client {
	struct pcp_client_cfg cfg;
	int fd;				/* -1 without a socket */
	enum pcp_state state;
	uint8_t nonce[PCP_NONCE_LEN];

	/* The exchange in progress (one request and its retransmissions). */
	uint64_t exch_start_ns;		/* 0: none sent yet */
	uint64_t next_tx_ns;		/* next (re)transmission, 0: none */
	uint32_t rt_ms;			/* RT of the last transmission */
	uint32_t tx_in_exch;		/* transmissions in this exchange */
	bool deadline_hit;
	bool renewal;			/* the exchange renews a mapping */
	bool remap;			/* the exchange follows an Epoch failure */
	uint32_t err_streak;		/* consecutive error answers */
	uint32_t fail_streak;		/* consecutive 7/8 answers */
	uint32_t tx_lifetime;		/* lifetime in the request */

	struct pcp_mapping map;

	/* The last valid answer. */
	bool have_last;
	struct pcp_map_msg last;
	uint64_t last_rx_ns;
	uint64_t last_rtt_ns;		/* from the exchange's last send */
	uint64_t last_tx_ns;
	enum pcp_bad last_bad;
	enum pcp_epoch_result last_epoch;

	/* Epoch state (RFC 6887 8.5). */
	bool have_epoch;
	uint32_t prev_epoch;
	uint64_t prev_epoch_ns;

	enum pcp_health health;
	enum pcp_down_reason down_reason;
	uint64_t health_ns;		/* last health change */

	struct pcp_counters cnt;
	int tx_errno;			/* of the last failed send() */

	uint8_t tx[PCP_MAP_LEN];	/* the request to send */
	size_t tx_len;
};

/* Defaults: every field documented in struct pcp_client_cfg. */
void pcp_client_cfg_init(struct pcp_client_cfg *cfg);
/* Copy cfg, draw the nonce; IDLE, no socket. */
void pcp_client_init(struct pcp_client *c, const struct pcp_client_cfg *cfg);
/* Start (or restart after IDLE): the first request is due now. */
void pcp_client_start(struct pcp_client *c, uint64_t now);
/* Back to IDLE without sending anything; the mapping is forgotten. */
void pcp_client_stop(struct pcp_client *c);

/* The earliest time pcp_client_timer() has work, 0: nothing scheduled. */
uint64_t pcp_client_next_timeout(const struct pcp_client *c);
/*
 * pcp_client_timer(c, now): run what is due (deadline, expiry, a
 * transmission). PCP_EV_TX in the result: send pcp_client_tx() now.
 */
unsigned int pcp_client_timer(struct pcp_client *c, uint64_t now);
/* pcp_client_input(c, buf, len, now): one received datagram. */
unsigned int pcp_client_input(struct pcp_client *c, const void *buf,
			      size_t len, uint64_t now);
/*
 * pcp_client_release(c, now): prepare one delete (the request with
 * lifetime 0; not retransmitted) and go to RELEASING; PCP_EV_TX. Its
 * answer gives PCP_EV_RELEASED and IDLE. Returns 0 if there was nothing
 * to delete (IDLE: nothing to send).
 */
unsigned int pcp_client_release(struct pcp_client *c, uint64_t now);
/* The request to send after PCP_EV_TX. */
const void *pcp_client_tx(const struct pcp_client *c, size_t *len);

/* Accessors. */
static inline enum pcp_state pcp_client_state(const struct pcp_client *c)
{ return c->state; }
static inline enum pcp_health pcp_client_health(const struct pcp_client *c)
{ return c->health; }
static inline enum pcp_down_reason
pcp_client_down_reason(const struct pcp_client *c)
{ return c->down_reason; }
static inline const struct pcp_mapping *
pcp_client_mapping(const struct pcp_client *c)
{ return &c->map; }
/* The last valid answer, NULL before the first. */
static inline const struct pcp_map_msg *
pcp_client_last(const struct pcp_client *c)
{ return c->have_last ? &c->last : NULL; }
static inline enum pcp_bad pcp_client_last_bad(const struct pcp_client *c)
{ return c->last_bad; }
static inline const struct pcp_counters *
pcp_client_counters(const struct pcp_client *c)
{ return &c->cnt; }
static inline int pcp_client_fd(const struct pcp_client *c)
{ return c->fd; }

/* "idle", "requesting", "mapped", "renewing", "waiting", "releasing" */
const char *pcp_state_name(unsigned int s);
/* "unknown", "up", "down" */
const char *pcp_health_name(unsigned int h);
/* "none", "no-answer", "network-failure", "no-resources", "epoch" */
const char *pcp_down_name(unsigned int r);

/*
 * pcp_renew_delay_ms(lifetime_s, r): the renewal point for a 32-bit
 * random r: L/2 + (L/8) * r / 2^32, in ms (so L/2 <= d < 5L/8).
 * pcp_rt_ms(base_ms, r): (1 + RAND) * base, RAND = -0.1 + 0.2 * r / 2^32.
 */
uint64_t pcp_renew_delay_ms(uint32_t lifetime_s, uint32_t r);
uint32_t pcp_rt_ms(uint32_t base_ms, uint32_t r);

/* ------------------------------------------------------------------------
 * Socket
 */
enum pcp_mode {
	PCP_MODE_ENCAP = 0,	/* inside the softwire: 192.0.0.2 -> 192.0.0.1 */
	PCP_MODE_PLAIN,		/* native IPv6 to the server */
};

struct pcp_transport {
	enum pcp_mode mode;
	/* ENCAP: the tunnel device (required). PLAIN: optional. */
	char ifname[16];
	/* PLAIN: the server (required) and the source (:: for the
	 * kernel's choice). */
	struct in6_addr server;
	struct in6_addr source;
	/* ENCAP: the B4's and the AFTR's inner IPv4 addresses, network
	 * order; 0: 192.0.0.2 and 192.0.0.1. */
	uint32_t inner_src;
	uint32_t inner_dst;
	/* The server's port; 0: 5351. */
	uint16_t port;
};

/* Text of the encapsulation modes: "encap", "plain". */
const char *pcp_mode_name(unsigned int mode);

/*
 * pcp_client_open(c, t, err, errlen): a non-blocking UDP socket connected
 * to the server. ENCAP: AF_INET bound to the device (SO_BINDTODEVICE) and
 * to 192.0.0.2, to 192.0.0.1:5351. PLAIN: AF_INET6 to [server]:5351. An
 * unset cfg.client_addr becomes the socket's local address (IPv4-mapped
 * in ENCAP mode). Returns 0, or -1 with the reason in err.
 */
int pcp_client_open(struct pcp_client *c, const struct pcp_transport *t,
		    char *err, size_t errlen);
void pcp_client_close(struct pcp_client *c);

/*
 * pcp_client_send(c): send pcp_client_tx() on the client's socket (after a
 * port unreachable reported for an earlier request, once more). Returns 0
 * or PCP_EV_TX_ERROR (errno in c->tx_errno, counted).
 */
unsigned int pcp_client_send(struct pcp_client *c);
/* pcp_client_timer() and the send it asks for. */
unsigned int pcp_client_handle_timeout(struct pcp_client *c, uint64_t now);
/*
 * Read every queued datagram (up to 64) through pcp_client_input(), and
 * send what that asks for (a re-map after an Epoch failure).
 */
unsigned int pcp_client_handle_readable(struct pcp_client *c, uint64_t now);
/* pcp_client_release() and its send. */
unsigned int pcp_client_release_send(struct pcp_client *c, uint64_t now);

#endif /* _DSLITE_PCP_H */
