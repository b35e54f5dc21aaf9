// SPDX-License-Identifier: GPL-2.0
/*
 * Fixtures of the AFTR responder (bpf/dslite_aftr.bpf.c) through
 * BPF_PROG_TEST_RUN, loaded from its skeleton. Each row of a table gives
 * an input frame, the verdict, the exact output bytes (the answer, or the
 * input unchanged), the counters that must move (and no other), the
 * session event on the ring buffer, and the effect on the session table.
 * The rows of a table run in order against one loaded instance, so a
 * session goes through its states row after row. Then: a full table, the
 * new-session rate limit, a re-load with other timers that keeps the
 * sessions, and the sweeper in real time (timeout to Down with diag 1,
 * reaping, a restarted B4 heard within one detection time), and the
 * sessions' end as RFC 9468 section 2 words it (reap rfc9468). Then the
 * defences: the XDP clock (a constant rate; an old offset, a limiter
 * state and a stamp in the future), one packet that would pin a session,
 * the slot search behind live slots and the random discriminator tags,
 * the per-session event budget, and (without an allowlist) the sources
 * no B4 can have. Then the same responder as a member of an anycast group:
 * answers from the anycast address, the softwires it records, every kind
 * of ICMPv6 Packet Too Big (served, flagged for the relay with its
 * metadata, relayed in by a peer, rate limited, MTU < 1280, truncated
 * quotes, foreign sources), and the served-softwire timeout. TAP on
 * stdout.
 *
 *   B4 2001:db8:b4::N ==(IPv6, nh 4)==> [ XDP dslite_aftr ] AFTR 2001:db8:af::1
 *      192.0.0.2  --- UDP 3784 / 3785, ICMP --->  192.0.0.1
 *
 *   anycast group 2001:db8:ac::1: this node 2001:db8:af::1 (node id 0x2a),
 *   peers 2001:db8:af::2 and ::3; PTBs from a router 2001:db8:e::1
 *   quoting softwire packets 2001:db8:ac::1 -> B4 (next header 60, 4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"
#include <dslite/xdp_probe.h>
#include "dslite_aftr.skel.h"
#include "frames.h"
#include "clock.h"
#include "tap.h"

#define MS		1000U
#define NODE_ID		0x2a
#define AFTR_DISCR(n)	((uint32_t)NODE_ID << 24 | (n))
#define B4_DISCR(n)	(0xb4000000U | (n))
#define YOUR_SESSION	0xffffffffU	/* fixture: the session's discriminator */
#define NOT_PERMITTED	0xee		/* fixture b4: 2001:db8:bad::1 */
#define ANY		-1
#define FIX_SESSIONS	1000		/* table size unless a test sets one */

static const uint8_t b4_mac[6] = { 0x02, 0, 0, 0, 0, 0xb4 };
static const uint8_t aftr_mac[6] = { 0x02, 0, 0, 0, 0, 0xaf };

static struct in6_addr b4_addr(int n)
{
	struct in6_addr a;

	inet_pton(AF_INET6, n == NOT_PERMITTED ? "2001:db8:bad::1" :
		  "2001:db8:b4::", &a);
	if (n != NOT_PERMITTED)
		a.s6_addr[15] = n;
	return a;
}

static struct in6_addr aftr_addr6(int n)
{
	struct in6_addr a;

	inet_pton(AF_INET6, "2001:db8:af::", &a);
	a.s6_addr[15] = n;
	return a;
}

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

#define ANYCAST		"2001:db8:ac::1"
#define ROUTER		"2001:db8:e::1"
#define N_PEERS		2		/* aftr_addr6(2), aftr_addr6(3) */
#define RELAY_RATE	2		/* copies per second */
#define RELAY_BURST	6

/* ---------------------------------------------------------------------
 * One loaded responder
 */
struct inst {
	struct dslite_aftr *skel;
	struct ring_buffer *rb;
	struct dslite_aftr_event ev[16];
	int nev;
	int ncpu;
	int ev_b4[256];		/* every event, by the last byte of its B4 */
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct inst *in = ctx;
	const struct dslite_aftr_event *e = data;

	if (len == sizeof(struct dslite_aftr_event))
		in->ev_b4[e->b4.addr[15]]++;
	if (len == sizeof(struct dslite_aftr_event) && in->nev < 16)
		memcpy(&in->ev[in->nev++], data, len);
	return 0;
}

struct inst_cfg {
	uint32_t tx, rx, echo, rate, burst, sweep_ms, down_idle, emb_idle;
	uint32_t sessions;		/* 0: FIX_SESSIONS */
	uint8_t reap_mode;		/* DSLITE_REAP_* */
	uint32_t chunk_blocks, chunk_visits;	/* sweeper callbacks; 0: default */
	int allowlist;
	struct inst *reuse;	/* share sessions/discrs/state with it */
	int anycast;		/* a member of the group ANYCAST */
	uint32_t owner_idle_ms;	/* anycast: 0 for the default */
	uint32_t mtu_entries;	/* the per-softwire MTU; 0: off */
	uint32_t steady_test;	/* dslite_test_steady (answer.h); 0: as
				 * loaded in service */
};

static int inst_open(struct inst *in, const struct inst_cfg *c)
{
	struct dslite_aftr *s;
	struct dslite_lpm6_key k = { .prefixlen = 48 };
	struct in6_addr a;
	uint32_t one = 1, flags = DSLITE_LOCAL_PING;
	int err;

	memset(in, 0, sizeof(*in));
	in->ncpu = libbpf_num_possible_cpus();
	s = dslite_aftr__open();
	if (!s)
		return -errno;
	s->rodata->dslite_cfg.node_id = NODE_ID;
	s->rodata->dslite_cfg.desired_min_tx_us = c->tx;
	s->rodata->dslite_cfg.required_min_rx_us = c->rx;
	s->rodata->dslite_cfg.required_min_echo_rx_us = c->echo;
	s->rodata->dslite_cfg.new_sessions_per_sec = c->rate;
	s->rodata->dslite_cfg.new_sessions_burst = c->burst;
	s->rodata->dslite_cfg.allowlist = c->allowlist;
	if (c->sweep_ms)
		s->rodata->dslite_cfg.sweep_interval_ms = c->sweep_ms;
	if (c->down_idle)
		s->rodata->dslite_cfg.down_idle_ms = c->down_idle;
	if (c->emb_idle)
		s->rodata->dslite_cfg.embryonic_idle_ms = c->emb_idle;
	s->rodata->dslite_cfg.reap_mode = c->reap_mode;
	if (c->mtu_entries) {
		s->rodata->dslite_cfg.mtu_entries = c->mtu_entries;
		bpf_map__set_max_entries(s->maps.dslite_mtu, c->mtu_entries);
	}
	s->rodata->dslite_test_steady = c->steady_test;
	s->rodata->dslite_sweep_chunk_blocks = c->chunk_blocks;
	s->rodata->dslite_sweep_chunk_visits = c->chunk_visits;
	if (c->anycast) {
		struct dslite_anycast_cfg *ac = (void *)&s->rodata->dslite_anycast;
		struct in6_addr any = addr6(ANYCAST), self = aftr_addr6(1);

		ac->member = 1;
		memcpy(ac->addr.addr, &any, 16);
		memcpy(ac->source.addr, &self, 16);
		ac->n_peers = N_PEERS;
		ac->relay_rate = RELAY_RATE;
		ac->relay_burst = RELAY_BURST;
		if (c->owner_idle_ms)
			ac->owner_idle_ms = c->owner_idle_ms;
	}
	dslite_cfg_table((struct dslite_aftr_cfg *)&s->rodata->dslite_cfg,
			 c->sessions ? c->sessions : FIX_SESSIONS);
	/* N + 1 slots (slot 0 unused), N addresses */
	bpf_map__set_max_entries(s->maps.dslite_sessions,
				 (c->sessions ? c->sessions : FIX_SESSIONS) + 1);
	bpf_map__set_max_entries(s->maps.dslite_discrs,
				 c->sessions ? c->sessions : FIX_SESSIONS);
	bpf_map__set_max_entries(s->maps.dslite_deadlines,
				 dslite_deadline_blocks(c->sessions ? c->sessions :
							FIX_SESSIONS));
	if (c->reuse) {
		bpf_map__reuse_fd(s->maps.dslite_sessions,
				  bpf_map__fd(c->reuse->skel->maps.dslite_sessions));
		bpf_map__reuse_fd(s->maps.dslite_discrs,
				  bpf_map__fd(c->reuse->skel->maps.dslite_discrs));
		bpf_map__reuse_fd(s->maps.dslite_state,
				  bpf_map__fd(c->reuse->skel->maps.dslite_state));
		bpf_map__reuse_fd(s->maps.dslite_deadlines,
				  bpf_map__fd(c->reuse->skel->maps.dslite_deadlines));
	}
	err = dslite_aftr__load(s);
	if (err) {
		dslite_aftr__destroy(s);
		return err;
	}
	in->skel = s;
	inet_pton(AF_INET6, "2001:db8:b4::", &a);
	memcpy(k.addr, &a, 16);
	bpf_map_update_elem(bpf_map__fd(s->maps.dslite_allow), &k, &one, 0);
	a = aftr_addr6(1);
	bpf_map_update_elem(bpf_map__fd(s->maps.dslite_local), &a, &flags, 0);
	if (c->anycast) {
		uint32_t i;

		a = addr6(ANYCAST);
		bpf_map_update_elem(bpf_map__fd(s->maps.dslite_local), &a, &flags, 0);
		for (i = 0; i < N_PEERS; i++) {
			a = aftr_addr6(2 + i);
			bpf_map_update_elem(bpf_map__fd(s->maps.dslite_peers), &i, &a, 0);
		}
	}
	in->rb = ring_buffer__new(bpf_map__fd(s->maps.dslite_events), on_event,
				  in, NULL);
	return in->rb ? 0 : -errno;
}

static void inst_close(struct inst *in)
{
	ring_buffer__free(in->rb);
	dslite_aftr__destroy(in->skel);
}

static void counters(struct inst *in, uint64_t *out)
{
	uint64_t *v = calloc(in->ncpu, sizeof(uint64_t) * DSLITE_CNT__MAX);
	uint32_t zero = 0;
	int cpu, i;

	memset(out, 0, sizeof(uint64_t) * DSLITE_CNT__MAX);
	if (v && !bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.dslite_counters),
				      &zero, v))
		for (cpu = 0; cpu < in->ncpu; cpu++)
			for (i = 0; i < DSLITE_CNT__MAX; i++)
				out[i] += v[cpu * DSLITE_CNT__MAX + i];
	free(v);
}

/* the slot bits of a discriminator of this instance */
static uint32_t slot_mask(struct inst *in)
{
	return (1U << in->skel->rodata->dslite_cfg.slot_bits) - 1;
}

/* d is a discriminator of this node for slot n, with a random tag (not
 * 0) between the slot bits and the node id */
static int discr_is(struct inst *in, uint32_t d, uint32_t n)
{
	uint32_t m = slot_mask(in);

	return d >> 24 == NODE_ID && (d & m) == n &&
	       (m == DSLITE_DISCR_LOW_MASK || (d & DSLITE_DISCR_LOW_MASK & ~m));
}

/* the slot of B4 b4's session (its discriminator's low bits), 0: none */
static uint32_t session_slot(struct inst *in, int b4)
{
	struct in6_addr a = b4_addr(b4);
	uint32_t discr;

	if (bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.dslite_discrs), &a,
				&discr))
		return 0;
	return discr & slot_mask(in);
}

/* B4 b4's session: its address in dslite_discrs, then its live slot */
static int session_get(struct inst *in, int b4, struct dslite_aftr_session *v)
{
	struct in6_addr a = b4_addr(b4);
	uint32_t low = session_slot(in, b4);

	if (!low)
		return -1;
	if (bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.dslite_sessions),
				&low, v))
		return -1;
	if (!(v->flags & DSLITE_SESS_LIVE) || memcmp(&v->b4, &a, 16)) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* live slots of the array; slot 0 must stay free */
static int live_slots(struct inst *in)
{
	int fd = bpf_map__fd(in->skel->maps.dslite_sessions);
	uint32_t n = bpf_map__max_entries(in->skel->maps.dslite_sessions);
	struct dslite_aftr_session *v = calloc(n, sizeof(*v));
	uint32_t *keys = calloc(n, sizeof(*keys)), count = n, i, token;
	int live = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, o);

	if (!v || !keys ||
	    (bpf_map_lookup_batch(fd, NULL, &token, keys, v, &count, &o) &&
	     errno != ENOENT) || count != n)
		live = -1000000;
	for (i = 0; live >= 0 && i < count; i++)
		if (v[i].flags & DSLITE_SESS_LIVE)
			live += keys[i] ? 1 : 1000000;
	free(v);
	free(keys);
	return live;
}

/* the sessions: entries of dslite_discrs; -1 when the live slots of
 * dslite_sessions do not match them one to one */
static int session_count(struct inst *in)
{
	struct in6_addr k, next;
	int n = 0, fd = bpf_map__fd(in->skel->maps.dslite_discrs);
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return live_slots(in) == n ? n : -1;
}

/* the sweeper's deadline of slot low (dslite_deadlines), or 0 */
static uint32_t deadline_get(struct inst *in, uint32_t low)
{
	struct dslite_deadlines b;
	uint32_t blk = low / DSLITE_DL_PER_BLOCK;

	if (bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.dslite_deadlines),
				&blk, &b))
		return 0;
	return b.dl[low % DSLITE_DL_PER_BLOCK];
}

/* write it (what the data path would have written at another time) */
static void deadline_set(struct inst *in, uint32_t low, uint32_t dl)
{
	struct dslite_deadlines b;
	uint32_t blk = low / DSLITE_DL_PER_BLOCK;
	int fd = bpf_map__fd(in->skel->maps.dslite_deadlines);

	if (bpf_map_lookup_elem(fd, &blk, &b))
		return;
	b.dl[low % DSLITE_DL_PER_BLOCK] = dl;
	bpf_map_update_elem(fd, &blk, &b, BPF_EXIST);
}

static int run(int prog_fd, const uint8_t *frame, int len, uint8_t *out,
	       uint32_t *out_len, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = FRAME_MAX,
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	*out_len = o.data_size_out;
	*retval = o.retval;
	return err;
}

/* as run(), and *meta_len gets the XDP metadata's length (in front of
 * the frame in out) */
static int run_meta(int prog_fd, const uint8_t *frame, int len, uint8_t *out,
		    uint32_t *out_len, uint32_t *retval, uint32_t *meta_len)
{
	struct xdp_md ctx = { .data_end = len };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = FRAME_MAX,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.ctx_out = &ctx,
		.ctx_size_out = sizeof(ctx),
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	*out_len = o.data_size_out;
	*retval = o.retval;
	*meta_len = ctx.data;
	return err;
}

static int softwire_recorded(struct inst *in, int b4)
{
	struct in6_addr a = b4_addr(b4);
	struct dslite_softwire v;

	return !bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.dslite_softwires),
				    &a, &v);
}

/* ---------------------------------------------------------------------
 * Fixture rows
 */
enum kind {
	K_BFD,		/* BFD control from a B4 */
	K_ECHO,		/* BFD echo from a B4 */
	K_PING,		/* inner ICMP echo to 192.0.0.1 */
	K_PING6,	/* ICMPv6 echo to the AFTR */
	K_DATA_TCP,	/* ordinary softwire traffic */
	K_DATA_UDP,
	K_PTB,		/* Packet Too Big from a router to the anycast address,
			 * about a softwire packet to the B4 */
	K_RAW,		/* built by .make only */
};

#define SW_YES	1	/* the B4 is in dslite_softwires after the row */
#define SW_NO	2	/* it is not */

struct bfd_fields {
	uint8_t state, flags, diag, mult;
	uint32_t your, tx, rx;
};

struct expect_reply {
	int on;
	uint8_t state, flags, diag;
	uint32_t tx, rx;
};

struct row {
	const char *desc;
	enum kind kind;
	int b4;
	struct bfd_fields bfd;		/* K_BFD (mult 0 -> 3, tx/rx 0 -> 300 ms) */
	void (*make)(struct frame *f);	/* adjust the frame spec */
	void (*mangle)(uint8_t *buf, struct layout *l);	/* adjust bytes */
	int verdict;
	int reason;			/* the one reason counter */
	int extra[2];			/* event counters that move too (0: none) */
	struct expect_reply reply;	/* K_BFD answer fields */
	int ev_type;			/* ring buffer event, 0: none */
	int sessions;			/* sessions in the table after, ANY */
	int sess_state, sess_diag;	/* the B4's session after, ANY */
	uint32_t sess_discr;		/* its local discriminator, 0: no check */
	int relay_l4;			/* relay metadata expected in front of
					 * the frame, with this l4_off; 0: no
					 * metadata */
	int softwire;			/* SW_YES, SW_NO, 0: no check */
};

/* the softwire packet a PTB quotes: anycast -> B4 b4, as ip6tnl sends it
 * (encapsulation limit option), inner TCP from the Internet */
static void quoted_softwire(struct frame *q, const struct in6_addr *b4)
{
	memset(q, 0, sizeof(*q));
	q->src6 = addr6(ANYCAST);
	q->dst6 = *b4;
	q->n_ext = 1;
	q->ext[0] = IPPROTO_DSTOPTS;
	q->l4 = L4_INNER_RAW;
	q->proto = IPPROTO_TCP;
	q->src4 = 0xc6336401;		/* 198.51.100.1 */
	q->dst4 = DSLITE_B4_ADDR;
	q->ttl = 63;
	q->frag = 0x4000;
	q->plen = 240;
	memset(q->payload, 0x33, q->plen);
}

/* the frame of a row, before mangling */
static void row_frame(const struct row *r, struct inst *in, struct frame *f)
{
	struct dslite_aftr_session v;
	uint32_t your = r->bfd.your;

	memset(f, 0, sizeof(*f));
	memcpy(f->dmac, aftr_mac, 6);
	memcpy(f->smac, b4_mac, 6);
	f->src6 = b4_addr(r->b4);
	f->dst6 = aftr_addr6(1);
	f->hop_limit = 62;
	f->flow = 0x00012345;
	f->src4 = DSLITE_B4_ADDR;
	f->dst4 = DSLITE_AFTR_ADDR;
	f->ttl = 255;
	f->id = 0x4242;
	f->frag = 0x4000;	/* DF */
	switch (r->kind) {
	case K_BFD:
		if (your == YOUR_SESSION)
			your = session_get(in, r->b4, &v) ? 0 : v.bfd.local_discr;
		f->l4 = L4_UDP;
		f->sport = 49200 + r->b4;
		f->dport = BFD_PORT_CONTROL;
		frame_bfd(f, r->bfd.state, r->bfd.flags, r->bfd.diag,
			  r->bfd.mult ? r->bfd.mult : 3, B4_DISCR(r->b4), your,
			  r->bfd.tx ? r->bfd.tx : 300 * MS,
			  r->bfd.rx ? r->bfd.rx : 300 * MS, 0);
		break;
	case K_ECHO:
		f->l4 = L4_UDP;
		f->dst4 = DSLITE_B4_ADDR;	/* looped back to itself */
		f->src4 = DSLITE_B4_ADDR;
		f->sport = 49999;
		f->dport = BFD_PORT_ECHO;
		f->plen = 28;
		memset(f->payload, 0x5a, f->plen);
		break;
	case K_PING:
		f->l4 = L4_ICMP;
		f->ttl = 64;
		f->icmp_type = 8;
		f->icmp_id = 0x77;
		f->icmp_seq = 3;
		f->plen = 56;
		memset(f->payload, 0xa5, f->plen);
		break;
	case K_PING6:
		f->l4 = L4_ICMP6;
		f->icmp_type = 128;
		f->icmp_id = 0x66;
		f->icmp_seq = 9;
		f->plen = 40;
		memset(f->payload, 0x3c, f->plen);
		break;
	case K_DATA_TCP:
		f->l4 = L4_INNER_RAW;
		f->proto = IPPROTO_TCP;
		f->dst4 = 0xc6336401;	/* 198.51.100.1 */
		f->src4 = DSLITE_B4_ADDR;
		f->ttl = 64;
		f->plen = 40;
		memset(f->payload, 0x11, f->plen);
		break;
	case K_DATA_UDP:
		f->l4 = L4_UDP;
		f->dst4 = 0xc6336401;
		f->ttl = 64;
		f->sport = 40000;
		f->dport = 53;
		f->plen = 30;
		memset(f->payload, 0x22, f->plen);
		break;
	case K_PTB: {
		struct frame q;
		struct in6_addr b4 = b4_addr(r->b4);

		f->src6 = addr6(ROUTER);
		f->dst6 = addr6(ANYCAST);
		quoted_softwire(&q, &b4);
		frame_ptb(f, 1400, &q, 200);
		break;
	}
	case K_RAW:
		break;
	}
	if (r->make)
		r->make(f);
}

/* the expected output for a row; returns its length */
static int row_expect(const struct row *r, struct inst *in, const struct frame *fin,
		      const uint8_t *inbuf, int inlen, uint8_t *exp)
{
	struct dslite_aftr_session v;
	struct frame f = *fin;
	struct layout l;
	int pad_plen;

	if (r->verdict != XDP_TX) {
		memcpy(exp, inbuf, inlen);
		return inlen;
	}
	frame_swap_outer(&f);
	switch (r->kind) {
	case K_BFD:
		if (session_get(in, r->b4, &v))
			return -1;
		frame_swap_inner(&f);
		f.ttl = 255;
		f.sport = BFD_SRC_PORT_MIN | (v.bfd.local_discr & 0x3fff);
		f.dport = BFD_PORT_CONTROL;
		pad_plen = f.plen;
		/* padded (RFC 9764): no checksum stays none */
		f.udp_csum_zero = pad_plen > BFD_CTRL_LEN && f.udp_csum_zero;
		frame_bfd(&f, r->reply.state, r->reply.flags, r->reply.diag, 3,
			  v.bfd.local_discr, B4_DISCR(r->b4), r->reply.tx,
			  r->reply.rx, 50 * MS);
		f.plen = pad_plen;	/* the padding as it came */
		break;
	case K_PING:
		frame_swap_inner(&f);
		f.ttl = DSLITE_REPLY_TTL;
		f.icmp_type = 0;
		break;
	case K_PING6:
		f.icmp_type = 129;
		break;
	case K_ECHO:
		/* reflected as one forwarding hop would (RFC 9747): TTL
		 * 254, the IPv4 checksum computed afresh here */
		f.ttl = BFD_TTL - 1;
		break;
	default:
		break;
	}
	l = frame_build(&f, exp);
	return l.len;
}

static void hexdump_diff(const uint8_t *got, int glen, const uint8_t *exp, int elen)
{
	int i, n = glen > elen ? glen : elen;
	char line[256];
	int pos = 0;

	for (i = 0; i < n; i++) {
		int g = i < glen ? got[i] : -1, e = i < elen ? exp[i] : -1;

		if (g != e) {
			pos += snprintf(line + pos, sizeof(line) - pos,
					" @%d got %02x want %02x;", i, g & 0xff, e & 0xff);
			if (pos > 200)
				break;
		}
	}
	tap_diag(" bytes differ:%s (len got %d want %d)", line, glen, elen);
}

static void run_row(struct inst *in, const struct row *r)
{
	uint64_t before[DSLITE_CNT__MAX], after[DSLITE_CNT__MAX];
	uint8_t buf[FRAME_MAX], out[FRAME_MAX], exp[FRAME_MAX];
	int prog = bpf_program__fd(in->skel->progs.dslite_aftr);
	struct dslite_aftr_session v;
	int i, ok, explen, vidx, nsess_before, had_session, has_session;
	uint32_t outlen = 0, retval = 0;
	struct frame f;
	struct layout l;
	char why[512] = "";
	int wpos = 0;
	uint32_t meta_len = 0;
	const uint8_t *frame_out = out;

	row_frame(r, in, &f);
	l = frame_build(&f, buf);
	if (r->mangle)
		r->mangle(buf, &l);
	counters(in, before);
	nsess_before = session_count(in);
	had_session = !session_get(in, r->b4, &v);
	in->nev = 0;
	if (run_meta(prog, buf, l.len, out, &outlen, &retval, &meta_len)) {
		tap_result(0, "%s", r->desc);
		tap_diag("  test run failed: %s", strerror(errno));
		return;
	}
	counters(in, after);
	ring_buffer__consume(in->rb);

#define WHY(...) (wpos += snprintf(why + wpos, sizeof(why) - wpos, __VA_ARGS__))
	ok = 1;
	if (retval != (uint32_t)r->verdict) {
		ok = 0;
		WHY(" verdict %u want %d;", retval, r->verdict);
	}
	/* counters: exactly the verdict, the reason and the extras */
	vidx = r->verdict == XDP_TX ? DSLITE_CNT_XDP_TX :
	       r->verdict == XDP_PASS ? DSLITE_CNT_XDP_PASS : DSLITE_CNT_XDP_DROP;
	for (i = 0; i < DSLITE_CNT__MAX; i++) {
		uint64_t want = before[i];

		if (i == vidx || i == r->reason)
			want++;
		if ((r->extra[0] && i == r->extra[0]) || (r->extra[1] && i == r->extra[1]))
			want++;
		if (after[i] != want) {
			ok = 0;
			WHY(" counter %s moved by %lld, want %lld;",
			    dslite_aftr_counter_names[i],
			    (long long)(after[i] - before[i]), (long long)(want - before[i]));
		}
	}
	/* session table */
	has_session = !session_get(in, r->b4, &v);
	if (r->sessions != ANY && session_count(in) != r->sessions) {
		ok = 0;
		WHY(" %d sessions, want %d;", session_count(in), r->sessions);
	}
	if (r->sess_state == ANY && r->sessions == ANY) {
		/* no expectation */
	} else if (r->sess_state == ANY) {
		if (has_session != had_session) {
			ok = 0;
			WHY(" a session %s;", has_session ? "appeared" : "vanished");
		}
	} else if (!has_session) {
		ok = 0;
		WHY(" no session;");
	} else {
		if (v.bfd.state != r->sess_state) {
			ok = 0;
			WHY(" session %s, want %s;", bfd_state_name(v.bfd.state),
			    bfd_state_name(r->sess_state));
		}
		if (r->sess_diag != ANY && v.bfd.diag != r->sess_diag) {
			ok = 0;
			WHY(" session diag %d, want %d;", v.bfd.diag, r->sess_diag);
		}
		if (r->sess_discr &&
		    !discr_is(in, v.bfd.local_discr, r->sess_discr & 0xffffff)) {
			ok = 0;
			WHY(" discriminator 0x%08x, want slot of 0x%08x;",
			    v.bfd.local_discr, r->sess_discr);
		}
	}
	(void)nsess_before;
	/* event */
	if (r->ev_type) {
		if (in->nev != 1 || in->ev[0].type != r->ev_type) {
			ok = 0;
			WHY(" %d events (first type %d), want one of type %d;",
			    in->nev, in->nev ? in->ev[0].type : 0, r->ev_type);
		} else if (memcmp(&in->ev[0].b4, &f.src6, 16) ||
			   memcmp(&in->ev[0].local, &f.dst6, 16) ||
			   !has_session || in->ev[0].new_state != v.bfd.state ||
			   in->ev[0].diag != v.bfd.diag ||
			   in->ev[0].local_discr != v.bfd.local_discr ||
			   in->ev[0].remote_discr != v.bfd.remote_discr) {
			ok = 0;
			WHY(" event fields do not match the session;");
		}
	} else if (in->nev) {
		ok = 0;
		WHY(" unexpected event type %d;", in->ev[0].type);
	}
	/* softwires recorded */
	if (r->softwire && softwire_recorded(in, r->b4) != (r->softwire == SW_YES)) {
		ok = 0;
		WHY(" B4 %d %s dslite_softwires;", r->b4,
		    r->softwire == SW_YES ? "not in" : "in");
	}
	/* relay metadata, then the frame */
	if (r->relay_l4) {
		struct dslite_relay_meta m;

		if (meta_len != sizeof(m) || outlen < sizeof(m)) {
			ok = 0;
			WHY(" metadata of %u bytes, want %zu;", meta_len, sizeof(m));
		} else {
			memcpy(&m, out, sizeof(m));
			if (m.magic != DSLITE_RELAY_MAGIC || m.l4_off != r->relay_l4 ||
			    m._pad) {
				ok = 0;
				WHY(" metadata magic 0x%08x l4_off %u pad %u, want 0x%08x %d 0;",
				    m.magic, m.l4_off, m._pad, DSLITE_RELAY_MAGIC,
				    r->relay_l4);
			}
		}
	} else if (meta_len) {
		ok = 0;
		WHY(" unexpected metadata (%u bytes);", meta_len);
	}
	if (meta_len <= outlen) {
		frame_out = out + meta_len;
		outlen -= meta_len;
	}
	/* bytes */
	explen = row_expect(r, in, &f, buf, l.len, exp);
	if (explen < 0 || (int)outlen != explen || memcmp(frame_out, exp, explen)) {
		ok = 0;
		WHY(" output bytes differ;");
	}
	tap_result(ok, "%s", r->desc);
	if (!ok) {
		tap_diag(" %s", why);
		if (explen >= 0 && ((int)outlen != explen ||
				    memcmp(frame_out, exp, explen)))
			hexdump_diff(frame_out, outlen, exp, explen);
	}
#undef WHY
}

/* ---------------------------------------------------------------------
 * Frame adjustments
 */
static void vlan1(struct frame *f) { f->vlans = 1; }
static void vlan2(struct frame *f) { f->vlans = 2; f->vlan_tpid[0] = 0x88a8; }
static void vlan3(struct frame *f) { f->vlans = 3; }
static void ext_hbh_dst(struct frame *f)
{
	f->n_ext = 2;
	f->ext[0] = 0;			/* hop-by-hop, 8 bytes */
	f->ext[1] = 60;			/* destination options: encap limit */
}
static void ext_rt0_dst(struct frame *f)
{
	f->n_ext = 2;
	f->ext[0] = 43;			/* routing, segments left 0 */
	f->ext_len[0] = 2;
	f->ext[1] = 60;
	f->ext_len[1] = 1;
}
static void ext_five(struct frame *f)
{
	int i;

	f->n_ext = 5;
	for (i = 0; i < 5; i++)
		f->ext[i] = 60;
}
static void ext_rt_segleft(struct frame *f)
{
	f->n_ext = 1;
	f->ext[0] = 43;
	f->ext_len[0] = 2;
	f->rt_segleft = 1;
}
static void ext_frag(struct frame *f) { f->n_ext = 1; f->ext[0] = 44; }
static void ipv4_opts(struct frame *f) { f->opt_words = 2; }
static void ipv4_opts_max(struct frame *f) { f->opt_words = 10; }
static void udp_csum0(struct frame *f) { f->udp_csum_zero = 1; }
static void inner_mf(struct frame *f) { f->frag = 0x2000; }
static void inner_offset(struct frame *f) { f->frag = 0x0010; }
static void ttl254(struct frame *f) { f->ttl = 254; }
static void ttl64(struct frame *f) { f->ttl = 64; }
static void sport_3784(struct frame *f) { f->sport = 3784; }
static void sport_49151(struct frame *f) { f->sport = 49151; }
static void sport_65535(struct frame *f) { f->sport = 65535; }
static void dst_192_0_0_3(struct frame *f) { f->dst4 = 0xc0000003; }
static void bfd_plen20(struct frame *f) { f->plen = 20; }
/* RFC 9764: BFD and padding after it in the UDP payload (a pattern, so
 * the answer shows it is kept byte for byte) */
static void bfd_pad_to(struct frame *f, int plen)
{
	int i;

	for (i = BFD_CTRL_LEN; i < plen; i++)
		f->payload[i] = (uint8_t)(i * 7 + 1);
	f->plen = plen;
}
static void bfd_pad1372(struct frame *f) { bfd_pad_to(f, 1400 - 28); }
static void bfd_pad33(struct frame *f) { bfd_pad_to(f, 33); }
static void bfd_pad64_csum0(struct frame *f)
{
	bfd_pad_to(f, 64);
	f->udp_csum_zero = 1;
}
/* inner sources outside the B4 addresses of 192.0.0.0/29 */
static void src4_aftr(struct frame *f) { f->src4 = DSLITE_AFTR_ADDR; }
static void src4_net(struct frame *f) { f->src4 = 0xc0000000; }
static void src4_outside(struct frame *f) { f->src4 = 0xc0000009; }
static void src4_lan(struct frame *f) { f->src4 = 0xc0a8010a; }
static void bfd_auth(struct frame *f)
{
	f->payload[1] |= BFD_FLAG_AUTH;
	f->payload[3] = 26;
	f->payload[24] = 1;	/* simple password, length 2 */
	f->payload[25] = 2;
	f->plen = 26;
}
static void bfd_version0(struct frame *f) { f->payload[0] &= BFD_DIAG_MASK; }
static void bfd_len20(struct frame *f) { f->payload[3] = 20; }
static void bfd_len30(struct frame *f) { f->payload[3] = 30; }
static void bfd_mult0(struct frame *f) { f->payload[2] = 0; }
static void bfd_mbit(struct frame *f) { f->payload[1] |= BFD_FLAG_MULTIPOINT; }
static void bfd_my0(struct frame *f) { memset(f->payload + 4, 0, 4); }
static void bfd_your_wrong(struct frame *f) { put32(f->payload + 8, 0x2a00beef); }
static void dst_aftr2(struct frame *f) { f->dst6 = aftr_addr6(2); }
static void icmp_timestamp(struct frame *f) { f->icmp_type = 13; }
static void ipv6_tcp(struct frame *f)
{
	f->l4 = L4_IPV6_RAW;
	f->proto = IPPROTO_TCP;
	f->plen = 20;
}
static void arp(struct frame *f)
{
	f->l4 = L4_ETH_RAW;
	f->ethertype = 0x0806;
	f->plen = 28;
}
static void ipv4_frame(struct frame *f)
{
	f->l4 = L4_ETH_RAW;
	f->ethertype = 0x0800;
	f->plen = 40;
	f->payload[0] = 0x45;
}
static void udp_pcp(struct frame *f)
{
	f->l4 = L4_UDP;
	f->sport = 5350;
	f->dport = PCP_SERVER_PORT;
	f->ttl = 64;
	f->plen = 24;
	f->payload[0] = PCP_VERSION;
}

/* subscriber traffic to UDP 3785 (the echo port) that is no echo */
static void to_port_3785(struct frame *f) { f->dport = BFD_PORT_ECHO; }
static void lan_to_3785(struct frame *f)
{
	f->src4 = 0xc0a8010a;		/* 192.168.1.10:40000 */
	f->dst4 = 0x08080808;		/* 8.8.8.8:3785, TTL 63 */
	f->sport = 40000;
	f->dport = BFD_PORT_ECHO;
	f->ttl = 63;
}
static void echo_ttl254(struct frame *f) { f->ttl = 254; }
static void echo_to_other_b4(struct frame *f) { f->dst4 = 0xc0000003; }
static void echo_to_aftr(struct frame *f) { f->dst4 = f->src4 = DSLITE_AFTR_ADDR; }
static void echo_outside_29(struct frame *f) { f->dst4 = f->src4 = 0xc0000009; }
/* impossible outer sources */
static void src_mcast(struct frame *f) { f->src6 = addr6("ff02::1"); }
static void src_unspec(struct frame *f) { f->src6 = addr6("::"); }
static void src_loop(struct frame *f) { f->src6 = addr6("::1"); }
static void src_ll(struct frame *f) { f->src6 = addr6("fe80::1"); }
static void src_mapped(struct frame *f) { f->src6 = addr6("::ffff:192.0.2.1"); }
static void src_self(struct frame *f) { f->src6 = aftr_addr6(1); }
static void bfd_predictable(struct frame *f)
{
	/* node id << 24 | slot, the form every discriminator had */
	put32(f->payload + 8, AFTR_DISCR(1));
}

/* anycast group */
static void dst_anycast(struct frame *f) { f->dst6 = addr6(ANYCAST); }
static void ptb_mtu_1279(struct frame *f) { f->icmp_id = 0; f->icmp_seq = 1279; }
static void ptb_mtu_1280(struct frame *f) { f->icmp_id = 0; f->icmp_seq = 1280; }
static void ptb_code1(struct frame *f) { f->icmp_code = 1; }
static void ptb_quote_30(struct frame *f) { f->plen = 30; }
/* the quote's IPv6 header, its encapsulation limit option, 4 bytes */
static void ptb_quote_52(struct frame *f) { f->plen = 40 + 8 + 4; }
static void ptb_foreign(struct frame *f)
{
	struct in6_addr a = aftr_addr6(1);

	memcpy(f->payload + 8, &a, 16);	/* the quote's source */
}
static void ptb_relayed_in(struct frame *f)
{
	f->src6 = aftr_addr6(2);
	f->dst6 = aftr_addr6(1);
}
static void ptb_from_stranger(struct frame *f) { f->dst6 = aftr_addr6(1); }
static void ptb_unicast(struct frame *f)
{
	ptb_foreign(f);
	f->dst6 = aftr_addr6(1);
}
static void ptb_vlan_hbh(struct frame *f)
{
	f->vlans = 1;
	f->n_ext = 1;
	f->ext[0] = IPPROTO_HOPOPTS;
}
/* quote another packet from the anycast address to the same B4 */
static void requote(struct frame *f, void (*adj)(struct frame *q))
{
	struct in6_addr b4;
	struct frame q;

	memcpy(&b4, f->payload + 24, 16);
	quoted_softwire(&q, &b4);
	adj(&q);
	frame_ptb(f, 1400, &q, 200);
}
static void q_echo_reply(struct frame *q)
{
	q->n_ext = 0;
	q->l4 = L4_ICMP6;
	q->icmp_type = DSLITE_ICMP6_ECHO_REPLY;
	q->plen = 200;
}
static void q_fragment(struct frame *q) { q->ext[0] = IPPROTO_FRAGMENT; }
static void ptb_quote_echo(struct frame *f) { requote(f, q_echo_reply); }
static void ptb_quote_frag(struct frame *f) { requote(f, q_fragment); }

/* byte manglers (l: layer offsets; the frame length may shrink) */
static void cut_vlan(uint8_t *b, struct layout *l) { (void)b; l->len = 16; }
static void cut_ipv6(uint8_t *b, struct layout *l) { (void)b; l->len = l->ip6 + 30; }
static void ipv6_version4(uint8_t *b, struct layout *l) { b[l->ip6] = 0x40; }
static void ipv6_plen_long(uint8_t *b, struct layout *l)
{
	put16(b + l->ip6 + 4, l->len - l->ip6 - 40 + 1);
}
static void cut_exthdr(uint8_t *b, struct layout *l)
{
	/* the IPv6 payload ends 4 bytes into the hop-by-hop header */
	put16(b + l->ip6 + 4, 4);
	l->len = l->ip6 + 44;
}
static void cut_ipv4(uint8_t *b, struct layout *l)
{
	put16(b + l->ip6 + 4, 10);
	l->len = l->iph + 10;
}
static void inner_version6(uint8_t *b, struct layout *l) { b[l->iph] = 0x65; }
static void inner_ihl4(uint8_t *b, struct layout *l) { b[l->iph] = 0x44; }
static void inner_totlen_long(uint8_t *b, struct layout *l)
{
	put16(b + l->iph + 2, l->len - l->iph + 4);
	/* keep the header checksum right so only the length is wrong */
	put16(b + l->iph + 10, 0);
	put16(b + l->iph + 10, inet_fold(inet_sum(b + l->iph, 20, 0)));
}
static void cut_udp(uint8_t *b, struct layout *l)
{
	/* IPv4 and IPv6 lengths end 4 bytes into the UDP header */
	int tot = l->l4 - l->iph + 4;

	put16(b + l->iph + 2, tot);
	put16(b + l->iph + 10, 0);
	put16(b + l->iph + 10, inet_fold(inet_sum(b + l->iph, 20, 0)));
	put16(b + l->ip6 + 4, l->iph + tot - l->ip6 - 40);
	l->len = l->iph + tot;
}
static void udp_len_long(uint8_t *b, struct layout *l)
{
	put16(b + l->l4 + 4, 8 + 24 + 1);
}
static void udp_len_short(uint8_t *b, struct layout *l) { put16(b + l->l4 + 4, 7); }
static void udp_csum_bad(uint8_t *b, struct layout *l) { b[l->l4 + 7] ^= 0x01; }
static void ipv4_csum_bad(uint8_t *b, struct layout *l) { b[l->iph + 11] ^= 0x01; }
static void cut_icmp(uint8_t *b, struct layout *l)
{
	int tot = l->l4 - l->iph + 4;

	put16(b + l->iph + 2, tot);
	put16(b + l->iph + 10, 0);
	put16(b + l->iph + 10, inet_fold(inet_sum(b + l->iph, 20, 0)));
	put16(b + l->ip6 + 4, l->iph + tot - l->ip6 - 40);
	l->len = l->iph + tot;
}
static void cut_icmp6(uint8_t *b, struct layout *l)
{
	put16(b + l->ip6 + 4, 4);
	l->len = l->l4 + 4;
}

#define B(st, fl, yr)	{ .state = BFD_STATE_##st, .flags = (fl), .your = (yr) }
#define UP_REPLY(fl, t)	{ 1, BFD_STATE_UP, (fl), 0, (t), 300 * MS }
#define F		BFD_FLAG_FINAL
#define P		BFD_FLAG_POLL
#define TX		XDP_TX
#define PASS		XDP_PASS
#define DROP		XDP_DROP
#define C(x)		DSLITE_CNT_##x
#define S(x)		BFD_STATE_##x
#define SEC		(1000 * MS)

/* the main table: node id 0x2a, allowlist 2001:db8:b4::/48, 300 ms */
static const struct row rows[] = {
	/* B4 1: the life of a session */
	{ "new session: Down -> Init, answer bytes exact", K_BFD, 1,
	  { .state = S(DOWN), .tx = SEC },
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 1, .sess_state = S(INIT), .sess_diag = 0,
	  .sess_discr = AFTR_DISCR(1) },
	{ "Init -> Up", K_BFD, 1,
	  { .state = S(INIT), .your = YOUR_SESSION, .tx = SEC },
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_UP) },
	  .reply = UP_REPLY(0, SEC), .ev_type = DSLITE_EV_STATE,
	  .sessions = 1, .sess_state = S(UP), .sess_diag = 0 },
	{ "Poll -> Final (the B4 moves to 300 ms)", K_BFD, 1,
	  B(UP, P, YOUR_SESSION),
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(F, 300 * MS), .sessions = 1, .sess_state = S(UP) },
	{ "the AFTR polls for its own change", K_BFD, 1, B(UP, 0, YOUR_SESSION),
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(P, 300 * MS), .sessions = 1, .sess_state = S(UP) },
	{ "a Final ends the AFTR's Poll", K_BFD, 1, B(UP, F, YOUR_SESSION),
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(0, 300 * MS), .sessions = 1, .sess_state = S(UP) },
	{ "timer change: the B4 polls for 10 s", K_BFD, 1,
	  { .state = S(UP), .flags = P, .your = YOUR_SESSION, .tx = 10 * SEC,
	    .rx = 10 * SEC },
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(F, 10 * SEC), .sessions = 1, .sess_state = S(UP) },
	{ "timer change: the AFTR polls for 10 s", K_BFD, 1,
	  { .state = S(UP), .your = YOUR_SESSION, .tx = 10 * SEC, .rx = 10 * SEC },
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(P, 10 * SEC), .sessions = 1, .sess_state = S(UP) },
	{ "timer change: Final, 10 s in force", K_BFD, 1,
	  { .state = S(UP), .flags = F, .your = YOUR_SESSION, .tx = 10 * SEC,
	    .rx = 10 * SEC },
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(0, 10 * SEC), .sessions = 1, .sess_state = S(UP) },
	{ "the B4 signals Down: Up -> Down, diag 3", K_BFD, 1,
	  { .state = S(DOWN), .diag = BFD_DIAG_CONTROL_EXPIRED, .your = YOUR_SESSION },
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_DOWN) },
	  .reply = { 1, S(DOWN), 0, BFD_DIAG_NEIGHBOR_DOWN, SEC, 300 * MS },
	  .ev_type = DSLITE_EV_STATE, .sessions = 1, .sess_state = S(DOWN),
	  .sess_diag = BFD_DIAG_NEIGHBOR_DOWN },
	{ "re-established: Down -> Init, same discriminator", K_BFD, 1,
	  { .state = S(DOWN), .your = 0 },
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = { 1, S(INIT), 0, BFD_DIAG_NEIGHBOR_DOWN, SEC, 300 * MS },
	  .ev_type = DSLITE_EV_STATE, .sessions = 1, .sess_state = S(INIT),
	  .sess_diag = BFD_DIAG_NEIGHBOR_DOWN, .sess_discr = AFTR_DISCR(1) },
	{ "re-established: Init -> Up", K_BFD, 1, B(UP, 0, YOUR_SESSION),
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_UP) },
	  .reply = UP_REPLY(P, 300 * MS), .ev_type = DSLITE_EV_STATE,
	  .sessions = 1, .sess_state = S(UP), .sess_diag = 0 },

	/* a third party with B4 1's address (no discriminator, or a guessed
	 * one) cannot take its Up session down */
	{ "spoofed Down with Your Discriminator 0 to an Up session: dropped, still Up",
	  K_BFD, 1, { .state = S(DOWN), .diag = BFD_DIAG_CONTROL_EXPIRED },
	  .verdict = DROP, .reason = C(DROP_BFD_ZERO_DISCR_UP), .sessions = 1,
	  .sess_state = S(UP), .sess_diag = 0 },
	{ "spoofed AdminDown with Your Discriminator 0 to an Up session: dropped",
	  K_BFD, 1, { .state = S(ADMIN_DOWN), .diag = BFD_DIAG_ADMIN_DOWN },
	  .verdict = DROP, .reason = C(DROP_BFD_ZERO_DISCR_UP), .sessions = 1,
	  .sess_state = S(UP), .sess_diag = 0 },
	{ "spoofed Down with the predictable discriminator node << 24 | slot: dropped",
	  K_BFD, 1, B(DOWN, 0, 0), .make = bfd_predictable,
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 1,
	  .sess_state = S(UP), .sess_diag = 0 },
	{ "the B4's own packet is still answered", K_BFD, 1, B(UP, F, YOUR_SESSION),
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(0, 300 * MS), .sessions = 1, .sess_state = S(UP) },
	{ "RFC 9764: padded to an inner packet of 1400 bytes: the answer is as large, padding unchanged",
	  K_BFD, 1, B(UP, 0, YOUR_SESSION), .make = bfd_pad1372,
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(0, 300 * MS), .sessions = 1, .sess_state = S(UP) },
	{ "RFC 9764: an odd padding (33-byte payload): checksum right",
	  K_BFD, 1, B(UP, 0, YOUR_SESSION), .make = bfd_pad33,
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(0, 300 * MS), .sessions = 1, .sess_state = S(UP) },
	{ "RFC 9764: padded without a UDP checksum: answered without one",
	  K_BFD, 1, B(UP, 0, YOUR_SESSION), .make = bfd_pad64_csum0,
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = UP_REPLY(0, 300 * MS), .sessions = 1, .sess_state = S(UP) },

	/* B4 2: AdminDown */
	{ "B4 2: new session", K_BFD, 2, B(DOWN, 0, 0),
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 2, .sess_state = S(INIT), .sess_discr = AFTR_DISCR(2) },
	{ "B4 2: Up", K_BFD, 2, B(UP, 0, YOUR_SESSION),
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_UP) },
	  .reply = UP_REPLY(P, 300 * MS), .ev_type = DSLITE_EV_STATE,
	  .sessions = 2, .sess_state = S(UP) },
	{ "AdminDown from the B4: Down, diag 3", K_BFD, 2,
	  { .state = S(ADMIN_DOWN), .diag = BFD_DIAG_ADMIN_DOWN, .your = YOUR_SESSION },
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_DOWN) },
	  .reply = { 1, S(DOWN), 0, BFD_DIAG_NEIGHBOR_DOWN, SEC, 300 * MS },
	  .ev_type = DSLITE_EV_REMOTE_ADMIN_DOWN, .sessions = 2,
	  .sess_state = S(DOWN), .sess_diag = BFD_DIAG_NEIGHBOR_DOWN },
	{ "AdminDown again: no change, no event", K_BFD, 2,
	  { .state = S(ADMIN_DOWN), .diag = BFD_DIAG_ADMIN_DOWN, .your = YOUR_SESSION },
	  .verdict = TX, .reason = C(TX_BFD),
	  .reply = { 1, S(DOWN), 0, BFD_DIAG_NEIGHBOR_DOWN, SEC, 300 * MS },
	  .sessions = 2, .sess_state = S(DOWN), .sess_diag = BFD_DIAG_NEIGHBOR_DOWN },

	/* echo and ping */
	{ "BFD echo of an Up session reflected, TTL 255 -> 254 (RFC 9747)", K_ECHO, 1,
	  .verdict = TX, .reason = C(TX_ECHO), .sessions = 2, .sess_state = S(UP) },
	{ "BFD echo with IPv4 options reflected: TTL 254, header checksum updated",
	  K_ECHO, 1, .make = ipv4_opts,
	  .verdict = TX, .reason = C(TX_ECHO), .sessions = 2, .sess_state = S(UP) },
	{ "BFD echo port from a Down session passes untouched", K_ECHO, 2,
	  .verdict = PASS, .reason = C(PASS_ECHO_NO_SESSION), .sessions = 2,
	  .sess_state = S(DOWN), .sess_diag = BFD_DIAG_NEIGHBOR_DOWN },
	{ "BFD echo port without a session passes untouched", K_ECHO, 3,
	  .verdict = PASS, .reason = C(PASS_ECHO_NO_SESSION), .sessions = 2,
	  .sess_state = ANY },
	{ "Up B4's subscriber UDP to 198.51.100.1:3785 (TTL 64) is not echo: passes",
	  K_DATA_UDP, 1, .make = to_port_3785,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = S(UP) },
	{ "Up B4's subscriber 192.168.1.10:40000 -> 8.8.8.8:3785 TTL 63: passes",
	  K_ECHO, 1, .make = lan_to_3785,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = S(UP) },
	{ "echo to itself with TTL 254 (crossed a router): passes", K_ECHO, 1,
	  .make = echo_ttl254,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = S(UP) },
	{ "echo from 192.0.0.2 to 192.0.0.3 (not to itself): passes", K_ECHO, 1,
	  .make = echo_to_other_b4,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = S(UP) },
	{ "echo 192.0.0.1 to itself (the AFTR's address): passes", K_ECHO, 1,
	  .make = echo_to_aftr,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = S(UP) },
	{ "echo 192.0.0.9 to itself (outside the /29): passes", K_ECHO, 1,
	  .make = echo_outside_29,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = S(UP) },
	{ "inner ICMP echo to 192.0.0.1 answered", K_PING, 3,
	  .verdict = TX, .reason = C(TX_PING), .sessions = 2, .sess_state = ANY },
	{ "inner ICMP echo with IPv4 options answered", K_PING, 3, .make = ipv4_opts,
	  .verdict = TX, .reason = C(TX_PING), .sessions = 2, .sess_state = ANY },
	{ "outer ICMPv6 echo to the AFTR answered", K_PING6, 3,
	  .verdict = TX, .reason = C(TX_PING6), .sessions = 2, .sess_state = ANY },
	{ "ICMPv6 echo to another address passes", K_PING6, 3, .make = dst_aftr2,
	  .verdict = PASS, .reason = C(PASS_ICMP6), .sessions = 2, .sess_state = ANY },
	{ "ordinary tunnel data (TCP) passes untouched", K_DATA_TCP, 3,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = ANY },
	{ "ordinary tunnel data (UDP) passes untouched", K_DATA_UDP, 3,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = ANY },
	{ "PCP to 192.0.0.1 passes", K_DATA_UDP, 3, .make = udp_pcp,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 2,
	  .sess_state = ANY },
	{ "ICMP timestamp to 192.0.0.1 passes", K_PING, 3, .make = icmp_timestamp,
	  .verdict = PASS, .reason = C(PASS_ICMP), .sessions = 2, .sess_state = ANY },
	{ "IPv6 TCP passes", K_RAW, 3, .make = ipv6_tcp,
	  .verdict = PASS, .reason = C(PASS_OTHER_L4), .sessions = 2, .sess_state = ANY },
	{ "ARP passes", K_RAW, 3, .make = arp,
	  .verdict = PASS, .reason = C(PASS_NOT_IPV6), .sessions = 2, .sess_state = ANY },
	{ "IPv4 passes", K_RAW, 3, .make = ipv4_frame,
	  .verdict = PASS, .reason = C(PASS_NOT_IPV6), .sessions = 2, .sess_state = ANY },

	/* encapsulation variants that are answered */
	{ "BFD behind one VLAN tag answered", K_BFD, 4, B(DOWN, 0, 0), .make = vlan1,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 3, .sess_state = S(INIT), .sess_discr = AFTR_DISCR(3) },
	{ "BFD behind two VLAN tags (802.1ad) answered", K_BFD, 5, B(DOWN, 0, 0),
	  .make = vlan2,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 4, .sess_state = S(INIT) },
	{ "BFD after hop-by-hop + encap-limit headers answered", K_BFD, 6,
	  B(DOWN, 0, 0), .make = ext_hbh_dst,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 5, .sess_state = S(INIT) },
	{ "BFD after a routing header (0 left) answered", K_BFD, 7,
	  B(DOWN, 0, 0), .make = ext_rt0_dst,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 6, .sess_state = S(INIT) },
	{ "BFD with IPv4 options answered", K_BFD, 8, B(DOWN, 0, 0),
	  .make = ipv4_opts,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 7, .sess_state = S(INIT) },
	{ "BFD with 40 bytes of IPv4 options answered", K_BFD, 9, B(DOWN, 0, 0),
	  .make = ipv4_opts_max,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 8, .sess_state = S(INIT) },
	{ "BFD without UDP checksum answered with one", K_BFD, 10, B(DOWN, 0, 0),
	  .make = udp_csum0,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 9, .sess_state = S(INIT) },
	{ "BFD from source port 65535 answered", K_BFD, 10, B(INIT, 0, YOUR_SESSION),
	  .make = sport_65535,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_UP) },
	  .reply = UP_REPLY(P, 300 * MS), .ev_type = DSLITE_EV_STATE,
	  .sessions = 9, .sess_state = S(UP) },

	/* malformed and edge frames: verdict, the one counter, no session */
	{ "VLAN tag cut short", K_BFD, 20, B(DOWN, 0, 0), .make = vlan1,
	  .mangle = cut_vlan, .verdict = PASS, .reason = C(PASS_TRUNC_VLAN),
	  .sessions = 9, .sess_state = ANY },
	{ "three VLAN tags", K_BFD, 20, B(DOWN, 0, 0), .make = vlan3,
	  .verdict = PASS, .reason = C(PASS_NOT_IPV6), .sessions = 9, .sess_state = ANY },
	{ "IPv6 header cut short", K_BFD, 20, B(DOWN, 0, 0), .mangle = cut_ipv6,
	  .verdict = PASS, .reason = C(PASS_TRUNC_IPV6), .sessions = 9, .sess_state = ANY },
	{ "IPv6 version field 4", K_BFD, 20, B(DOWN, 0, 0), .mangle = ipv6_version4,
	  .verdict = PASS, .reason = C(PASS_TRUNC_IPV6), .sessions = 9, .sess_state = ANY },
	{ "IPv6 payload length beyond the frame", K_BFD, 20, B(DOWN, 0, 0),
	  .mangle = ipv6_plen_long,
	  .verdict = PASS, .reason = C(PASS_TRUNC_IPV6), .sessions = 9, .sess_state = ANY },
	{ "extension header cut short", K_BFD, 20, B(DOWN, 0, 0), .make = ext_hbh_dst,
	  .mangle = cut_exthdr,
	  .verdict = PASS, .reason = C(PASS_TRUNC_EXTHDR), .sessions = 9,
	  .sess_state = ANY },
	{ "five extension headers", K_BFD, 20, B(DOWN, 0, 0), .make = ext_five,
	  .verdict = PASS, .reason = C(PASS_EXTHDR), .sessions = 9, .sess_state = ANY },
	{ "routing header with segments left", K_BFD, 20, B(DOWN, 0, 0),
	  .make = ext_rt_segleft,
	  .verdict = PASS, .reason = C(PASS_EXTHDR), .sessions = 9, .sess_state = ANY },
	{ "outer IPv6 fragment", K_BFD, 20, B(DOWN, 0, 0), .make = ext_frag,
	  .verdict = PASS, .reason = C(PASS_OUTER_FRAG), .sessions = 9,
	  .sess_state = ANY },
	{ "inner IPv4 header cut short", K_BFD, 20, B(DOWN, 0, 0), .mangle = cut_ipv4,
	  .verdict = PASS, .reason = C(PASS_TRUNC_IPV4), .sessions = 9,
	  .sess_state = ANY },
	{ "inner version 6", K_BFD, 20, B(DOWN, 0, 0), .mangle = inner_version6,
	  .verdict = PASS, .reason = C(PASS_TRUNC_IPV4), .sessions = 9,
	  .sess_state = ANY },
	{ "inner IHL 4", K_BFD, 20, B(DOWN, 0, 0), .mangle = inner_ihl4,
	  .verdict = PASS, .reason = C(PASS_TRUNC_IPV4), .sessions = 9,
	  .sess_state = ANY },
	{ "inner fragment (MF)", K_BFD, 20, B(DOWN, 0, 0), .make = inner_mf,
	  .verdict = PASS, .reason = C(PASS_INNER_FRAG), .sessions = 9,
	  .sess_state = ANY },
	{ "inner fragment (offset)", K_BFD, 20, B(DOWN, 0, 0), .make = inner_offset,
	  .verdict = PASS, .reason = C(PASS_INNER_FRAG), .sessions = 9,
	  .sess_state = ANY },
	{ "wrong inner destination 192.0.0.3", K_BFD, 20, B(DOWN, 0, 0),
	  .make = dst_192_0_0_3,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA), .sessions = 9,
	  .sess_state = ANY },
	{ "inner total length beyond the IPv6 payload", K_BFD, 20, B(DOWN, 0, 0),
	  .mangle = inner_totlen_long,
	  .verdict = DROP, .reason = C(DROP_TRUNC_IPV4), .sessions = 9,
	  .sess_state = ANY },
	{ "UDP header cut short", K_BFD, 20, B(DOWN, 0, 0), .mangle = cut_udp,
	  .verdict = DROP, .reason = C(DROP_TRUNC_UDP), .sessions = 9,
	  .sess_state = ANY },
	{ "UDP length beyond the IPv4 payload", K_BFD, 20, B(DOWN, 0, 0),
	  .mangle = udp_len_long,
	  .verdict = DROP, .reason = C(DROP_TRUNC_UDP), .sessions = 9,
	  .sess_state = ANY },
	{ "UDP length 7", K_BFD, 20, B(DOWN, 0, 0), .mangle = udp_len_short,
	  .verdict = DROP, .reason = C(DROP_TRUNC_UDP), .sessions = 9,
	  .sess_state = ANY },
	{ "bad UDP checksum", K_BFD, 20, B(DOWN, 0, 0), .mangle = udp_csum_bad,
	  .verdict = DROP, .reason = C(DROP_UDP_CSUM), .sessions = 9, .sess_state = ANY },
	{ "bad inner IPv4 header checksum", K_BFD, 20, B(DOWN, 0, 0),
	  .mangle = ipv4_csum_bad,
	  .verdict = DROP, .reason = C(DROP_IPV4_CSUM), .sessions = 9,
	  .sess_state = ANY },
	{ "inner TTL 254 (RFC 5881)", K_BFD, 20, B(DOWN, 0, 0), .make = ttl254,
	  .verdict = DROP, .reason = C(DROP_TTL), .sessions = 9, .sess_state = ANY },
	{ "inner TTL 64", K_BFD, 20, B(DOWN, 0, 0), .make = ttl64,
	  .verdict = DROP, .reason = C(DROP_TTL), .sessions = 9, .sess_state = ANY },
	{ "UDP source port 3784", K_BFD, 20, B(DOWN, 0, 0), .make = sport_3784,
	  .verdict = DROP, .reason = C(DROP_SRC_PORT), .sessions = 9, .sess_state = ANY },
	{ "UDP source port 49151", K_BFD, 20, B(DOWN, 0, 0), .make = sport_49151,
	  .verdict = DROP, .reason = C(DROP_SRC_PORT), .sessions = 9, .sess_state = ANY },
	{ "BFD payload of 20 bytes", K_BFD, 20, B(DOWN, 0, 0), .make = bfd_plen20,
	  .verdict = DROP, .reason = C(DROP_BFD_TRUNC), .sessions = 9, .sess_state = ANY },
	{ "6.8.6: version 0", K_BFD, 20, B(DOWN, 0, 0), .make = bfd_version0,
	  .verdict = DROP, .reason = C(DROP_BFD_VERSION), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Length 20", K_BFD, 20, B(DOWN, 0, 0), .make = bfd_len20,
	  .verdict = DROP, .reason = C(DROP_BFD_LENGTH), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Length 30 beyond the payload", K_BFD, 20, B(DOWN, 0, 0),
	  .make = bfd_len30,
	  .verdict = DROP, .reason = C(DROP_BFD_LENGTH_PAYLOAD), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Detect Mult 0", K_BFD, 20, B(DOWN, 0, 0), .make = bfd_mult0,
	  .verdict = DROP, .reason = C(DROP_BFD_DETECT_MULT), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: M bit", K_BFD, 21, B(DOWN, 0, 0), .make = bfd_mbit,
	  .verdict = DROP, .reason = C(DROP_BFD_MULTIPOINT), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: My Discriminator 0", K_BFD, 21, B(DOWN, 0, 0), .make = bfd_my0,
	  .verdict = DROP, .reason = C(DROP_BFD_MY_DISCR), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator 0 in Up", K_BFD, 21, B(UP, 0, 0),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR_ZERO), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator 0 in Init", K_BFD, 21, B(INIT, 0, 0),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR_ZERO), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: A bit (authentication not supported)", K_BFD, 21, B(DOWN, 0, 0),
	  .make = bfd_auth,
	  .verdict = DROP, .reason = C(DROP_BFD_AUTH), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator of another B4's session (slot 1)", K_BFD, 21,
	  B(UP, 0, 0x2a000001),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator of a free slot", K_BFD, 21, B(UP, 0, AFTR_DISCR(500)),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator beyond the table", K_BFD, 21,
	  B(UP, 0, AFTR_DISCR(FIX_SESSIONS + 1)),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator with the low bits 0xffffff", K_BFD, 21,
	  B(UP, 0, AFTR_DISCR(0xffffff)),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator of slot 0 (never used)", K_BFD, 21,
	  B(DOWN, 0, AFTR_DISCR(0)),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator of another node id (B4 1's slot)", K_BFD, 1,
	  B(UP, 0, 0x2b000001),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 9,
	  .sess_state = S(UP) },
	{ "6.8.6: B4 1's Your Discriminator from B4 21 in Down", K_BFD, 21,
	  B(DOWN, 0, AFTR_DISCR(1)),
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 9,
	  .sess_state = ANY },
	{ "6.8.6: Your Discriminator not the session's", K_BFD, 1,
	  B(UP, 0, YOUR_SESSION), .make = bfd_your_wrong,
	  .verdict = DROP, .reason = C(DROP_BFD_YOUR_DISCR), .sessions = 9,
	  .sess_state = S(UP) },
	{ "AdminDown without a session", K_BFD, 21, B(ADMIN_DOWN, 0, 0),
	  .verdict = DROP, .reason = C(DROP_NO_SESSION), .sessions = 9,
	  .sess_state = ANY },
	{ "RFC 9468 2: inner source 192.0.0.1 (the AFTR's own) is no B4's", K_BFD, 21,
	  B(DOWN, 0, 0), .make = src4_aftr,
	  .verdict = DROP, .reason = C(DROP_BFD_INNER_SOURCE), .sessions = 9,
	  .sess_state = ANY },
	{ "RFC 9468 2: inner source 192.0.0.0 (the /29's network) is no B4's", K_BFD, 21,
	  B(DOWN, 0, 0), .make = src4_net,
	  .verdict = DROP, .reason = C(DROP_BFD_INNER_SOURCE), .sessions = 9,
	  .sess_state = ANY },
	{ "RFC 9468 2: inner source 192.0.0.9 (outside the /29) is no B4's", K_BFD, 21,
	  B(DOWN, 0, 0), .make = src4_outside,
	  .verdict = DROP, .reason = C(DROP_BFD_INNER_SOURCE), .sessions = 9,
	  .sess_state = ANY },
	{ "RFC 9468 2: inner source 192.168.1.10 (a subscriber's) is no B4's", K_BFD, 21,
	  B(DOWN, 0, 0), .make = src4_lan,
	  .verdict = DROP, .reason = C(DROP_BFD_INNER_SOURCE), .sessions = 9,
	  .sess_state = ANY },
	{ "source not permitted", K_BFD, NOT_PERMITTED, B(DOWN, 0, 0),
	  .verdict = DROP, .reason = C(DROP_NOT_PERMITTED), .sessions = 9,
	  .sess_state = ANY },
	{ "ping from a source not permitted", K_PING, NOT_PERMITTED,
	  .verdict = DROP, .reason = C(DROP_NOT_PERMITTED), .sessions = 9,
	  .sess_state = ANY },
	{ "ICMPv6 echo from a source not permitted: not answered, to the kernel",
	  K_PING6, NOT_PERMITTED,
	  .verdict = PASS, .reason = C(PASS_PING6_NOT_PERMITTED), .sessions = 9,
	  .sess_state = ANY },
	{ "ICMP header cut short", K_PING, 21, .mangle = cut_icmp,
	  .verdict = DROP, .reason = C(DROP_TRUNC_ICMP), .sessions = 9,
	  .sess_state = ANY },
	{ "ICMPv6 header cut short", K_PING6, 21, .mangle = cut_icmp6,
	  .verdict = PASS, .reason = C(PASS_ICMP6), .sessions = 9, .sess_state = ANY },
	{ "not a group member: PTB to an anycast address passes untouched", K_PTB, 21,
	  .verdict = PASS, .reason = C(PASS_ICMP6), .sessions = 9, .sess_state = ANY },
	{ "not a group member: PTB to the AFTR passes untouched", K_PTB, 21,
	  .make = ptb_unicast,
	  .verdict = PASS, .reason = C(PASS_ICMP6), .sessions = 9, .sess_state = ANY },
};

/* without an allowlist: sources no B4 can have are refused all the same */
#define BAD_SRC(desc, k, mk)	{ desc, k, 50, B(DOWN, 0, 0), .make = mk, \
	.verdict = DROP, .reason = C(DROP_BAD_SOURCE), .sessions = 1, \
	.sess_state = ANY }
static const struct row noallow_rows[] = {
	{ "no allowlist: a B4 gets a session", K_BFD, 1, B(DOWN, 0, 0),
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 1, .sess_state = S(INIT) },
	BAD_SRC("no allowlist: BFD from ff02::1 (multicast) refused", K_BFD, src_mcast),
	BAD_SRC("no allowlist: BFD from :: (unspecified) refused", K_BFD, src_unspec),
	BAD_SRC("no allowlist: BFD from ::1 (loopback) refused", K_BFD, src_loop),
	BAD_SRC("no allowlist: BFD from fe80::1 (link-local) refused", K_BFD, src_ll),
	BAD_SRC("no allowlist: BFD from ::ffff:192.0.2.1 (IPv4-mapped) refused",
		K_BFD, src_mapped),
	BAD_SRC("no allowlist: BFD from the AFTR's own address refused", K_BFD, src_self),
	BAD_SRC("no allowlist: inner ping from fe80::1 refused", K_PING, src_ll),
	BAD_SRC("no allowlist: inner ping from ff02::1 refused", K_PING, src_mcast),
	BAD_SRC("no allowlist: ICMPv6 echo from ff02::1 refused", K_PING6, src_mcast),
	BAD_SRC("no allowlist: ICMPv6 echo from the AFTR's own address refused",
		K_PING6, src_self),
	BAD_SRC("no allowlist: ICMPv6 echo from ::1 refused", K_PING6, src_loop),
	{ "no allowlist: ICMPv6 echo from a B4 answered", K_PING6, 2,
	  .verdict = TX, .reason = C(TX_PING6), .sessions = 1, .sess_state = ANY },
	{ "no allowlist: inner ping from a B4 answered", K_PING, 2,
	  .verdict = TX, .reason = C(TX_PING), .sessions = 1, .sess_state = ANY },
};

/*
 * The anycast group member: answers from the anycast address, softwires
 * recorded, then every kind of PTB. B4 1: Up session via the anycast
 * address; B4 2: session via the unicast address, traffic via the
 * anycast one; B4 5: traffic only; B4 6: never seen; B4 7: session via
 * the anycast address taken Down by the B4, traffic seen.
 */
#define PTB_ROW(b)	K_PTB, (b), .sessions = 3, .sess_state = ANY
#define SEEN		.extra = { C(PTB_SEEN) }
static const struct row anycast_rows[] = {
	{ "anycast: BFD to the anycast address: new session (node id 0x2a), answered from it",
	  K_BFD, 1, { .state = S(DOWN), .tx = SEC }, .make = dst_anycast,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 1, .sess_state = S(INIT), .sess_diag = 0,
	  .sess_discr = AFTR_DISCR(1) },
	{ "anycast: Init -> Up, answered from the anycast address", K_BFD, 1,
	  { .state = S(INIT), .your = YOUR_SESSION, .tx = SEC }, .make = dst_anycast,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_UP) },
	  .reply = UP_REPLY(0, SEC), .ev_type = DSLITE_EV_STATE,
	  .sessions = 1, .sess_state = S(UP), .sess_diag = 0 },
	{ "anycast: BFD echo reflected from the anycast address", K_ECHO, 1,
	  .make = dst_anycast, .verdict = TX, .reason = C(TX_ECHO),
	  .sessions = 1, .sess_state = S(UP) },
	{ "anycast: inner ping answered from the anycast address", K_PING, 3,
	  .make = dst_anycast, .verdict = TX, .reason = C(TX_PING),
	  .sessions = 1, .sess_state = ANY },
	{ "anycast: ICMPv6 echo to the anycast address answered from it", K_PING6, 3,
	  .make = dst_anycast, .verdict = TX, .reason = C(TX_PING6),
	  .sessions = 1, .sess_state = ANY },
	{ "anycast: tunnel data to the anycast address records its B4", K_DATA_TCP, 5,
	  .make = dst_anycast, .verdict = PASS, .reason = C(PASS_TUNNEL_DATA),
	  .sessions = 1, .sess_state = ANY, .softwire = SW_YES },
	{ "anycast: tunnel data to the unicast address does not", K_DATA_TCP, 6,
	  .verdict = PASS, .reason = C(PASS_TUNNEL_DATA),
	  .sessions = 1, .sess_state = ANY, .softwire = SW_NO },
	{ "anycast: B4 2's session via the unicast address", K_BFD, 2, B(DOWN, 0, 0),
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 2, .sess_state = S(INIT), .sess_discr = AFTR_DISCR(2) },
	{ "anycast: B4 2's tunnel data via the anycast address", K_DATA_UDP, 2,
	  .make = dst_anycast, .verdict = PASS, .reason = C(PASS_TUNNEL_DATA),
	  .sessions = 2, .sess_state = S(INIT), .softwire = SW_YES },
	{ "anycast: B4 7's session via the anycast address", K_BFD, 7, B(DOWN, 0, 0),
	  .make = dst_anycast,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_CREATED) },
	  .reply = { 1, S(INIT), 0, 0, SEC, 300 * MS }, .ev_type = DSLITE_EV_NEW,
	  .sessions = 3, .sess_state = S(INIT), .sess_discr = AFTR_DISCR(3) },
	{ "anycast: B4 7 signals AdminDown: Down", K_BFD, 7,
	  { .state = S(ADMIN_DOWN), .diag = BFD_DIAG_ADMIN_DOWN, .your = YOUR_SESSION },
	  .make = dst_anycast,
	  .verdict = TX, .reason = C(TX_BFD), .extra = { C(SESS_DOWN) },
	  .reply = { 1, S(DOWN), 0, BFD_DIAG_NEIGHBOR_DOWN, SEC, 300 * MS },
	  .ev_type = DSLITE_EV_REMOTE_ADMIN_DOWN, .sessions = 3,
	  .sess_state = S(DOWN), .sess_diag = BFD_DIAG_NEIGHBOR_DOWN },
	{ "anycast: B4 7's tunnel data via the anycast address", K_DATA_TCP, 7,
	  .make = dst_anycast, .verdict = PASS, .reason = C(PASS_TUNNEL_DATA),
	  .sessions = 3, .sess_state = S(DOWN), .sess_diag = BFD_DIAG_NEIGHBOR_DOWN,
	  .softwire = SW_YES },

	/* Packet Too Big */
	{ "PTB about B4 1 (Up session via the anycast address): served, to the kernel",
	  PTB_ROW(1), .verdict = PASS, .reason = C(PASS_PTB_OWNED), SEEN },
	{ "PTB about B4 5 (recent softwire traffic): served", PTB_ROW(5),
	  .verdict = PASS, .reason = C(PASS_PTB_OWNED), SEEN },
	{ "PTB about B4 2 (session via the unicast address, recent traffic): served",
	  PTB_ROW(2), .verdict = PASS, .reason = C(PASS_PTB_OWNED), SEEN },
	{ "PTB with MTU 1280, the minimum: accepted", PTB_ROW(5), .make = ptb_mtu_1280,
	  .verdict = PASS, .reason = C(PASS_PTB_OWNED), SEEN },
	{ "PTB about B4 7 (session Down, traffic seen): not served, flagged for the relay",
	  PTB_ROW(7), .verdict = PASS, .reason = C(PASS_PTB_RELAY), SEEN,
	  .relay_l4 = 40 },
	{ "PTB about B4 6 (never seen): flagged for the relay", PTB_ROW(6),
	  .verdict = PASS, .reason = C(PASS_PTB_RELAY), SEEN, .relay_l4 = 40 },
	{ "PTB behind a VLAN tag and a hop-by-hop header: flagged, l4_off 48",
	  PTB_ROW(8), .make = ptb_vlan_hbh,
	  .verdict = PASS, .reason = C(PASS_PTB_RELAY), SEEN, .relay_l4 = 48 },
	{ "relay bucket empty (2 copies/s, burst 6, 2 peers): rate limited", PTB_ROW(9),
	  .verdict = DROP, .reason = C(DROP_PTB_RATE_LIMITED), SEEN },
	{ "PTB with MTU 1279 dropped", PTB_ROW(6), .make = ptb_mtu_1279,
	  .verdict = DROP, .reason = C(DROP_PTB_MTU), SEEN },
	{ "PTB quoting 30 bytes (no whole IPv6 header) dropped", PTB_ROW(6),
	  .make = ptb_quote_30,
	  .verdict = DROP, .reason = C(DROP_PTB_TRUNC), SEEN },
	{ "PTB quoting the headers and 4 bytes of the softwire packet dropped",
	  PTB_ROW(6), .make = ptb_quote_52,
	  .verdict = DROP, .reason = C(DROP_PTB_TRUNC), SEEN },
	{ "PTB quoting a packet from another source dropped", PTB_ROW(6),
	  .make = ptb_foreign,
	  .verdict = DROP, .reason = C(DROP_PTB_FOREIGN), SEEN },
	{ "PTB quoting an ICMPv6 echo reply from the anycast address: to the kernel",
	  PTB_ROW(6), .make = ptb_quote_echo,
	  .verdict = PASS, .reason = C(PASS_PTB_OTHER), SEEN },
	{ "PTB quoting a fragment: to the kernel", PTB_ROW(6), .make = ptb_quote_frag,
	  .verdict = PASS, .reason = C(PASS_PTB_OTHER), SEEN },
	{ "PTB relayed by a peer: delivered, not relayed again", PTB_ROW(6),
	  .make = ptb_relayed_in,
	  .verdict = PASS, .reason = C(PASS_PTB_PEER), SEEN },
	{ "'relayed' PTB from a non-peer dropped", PTB_ROW(6), .make = ptb_from_stranger,
	  .verdict = DROP, .reason = C(DROP_PTB_NOT_PEER), SEEN },
	{ "PTB about unicast traffic untouched", PTB_ROW(6), .make = ptb_unicast,
	  .verdict = PASS, .reason = C(PASS_ICMP6) },
	{ "ICMPv6 type 2 code 1 is not a PTB", PTB_ROW(6), .make = ptb_code1,
	  .verdict = PASS, .reason = C(PASS_ICMP6) },
};

/* ---------------------------------------------------------------------
 * Scenarios outside the main table
 */
static int send_bfd(struct inst *in, int b4, struct bfd_fields bf, uint32_t *retval,
		    uint8_t *out, uint32_t *outlen)
{
	struct row r = { .kind = K_BFD, .b4 = b4, .bfd = bf };
	uint8_t buf[FRAME_MAX], o[FRAME_MAX];
	uint32_t ol;
	struct frame f;
	struct layout l;

	row_frame(&r, in, &f);
	l = frame_build(&f, buf);
	return run(bpf_program__fd(in->skel->progs.dslite_aftr), buf, l.len,
		   out ? out : o, outlen ? outlen : &ol, retval);
}

static uint64_t counter(struct inst *in, int idx)
{
	uint64_t c[DSLITE_CNT__MAX];

	counters(in, c);
	return c[idx];
}

static void test_table_full(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 0, .burst = 1, .sessions = 1, .allowlist = 1 };
	struct inst in;
	uint32_t rv = 0;

	if (inst_open(&in, &c)) {
		tap_result(0, "table full: load with 1 session");
		return;
	}
	send_bfd(&in, 1, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	tap_result(rv == XDP_TX && session_count(&in) == 1,
		   "table full: the first session fits");
	send_bfd(&in, 2, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	tap_result(rv == XDP_DROP && counter(&in, C(DROP_TABLE_FULL)) == 1 &&
		   session_count(&in) == 1 && counter(&in, C(SESS_CREATED)) == 1,
		   "table full: the second is dropped (drop_table_full), no session");
	send_bfd(&in, 1, (struct bfd_fields)B(INIT, 0, YOUR_SESSION), &rv, NULL, NULL);
	tap_result(rv == XDP_TX, "table full: the established session still answers");
	inst_close(&in);
}

static void test_rate_limit(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 0,
			      .rate = 1, .burst = 1, .allowlist = 0 };
	struct row echo = { .kind = K_ECHO, .b4 = 1 };
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	struct inst in;
	uint32_t rv = 0, ol;
	struct frame f;
	struct layout l;

	if (inst_open(&in, &c)) {
		tap_result(0, "rate limit: load");
		return;
	}
	send_bfd(&in, NOT_PERMITTED, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	tap_result(rv == XDP_TX && session_count(&in) == 1,
		   "empty allowlist (flag off): any source gets a session");
	send_bfd(&in, 2, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	tap_result(rv == XDP_DROP && counter(&in, C(DROP_RATE_LIMITED)) == 1 &&
		   session_count(&in) == 1,
		   "rate limit (1/s): the second new session within 1 s is dropped");
	row_frame(&echo, &in, &f);
	l = frame_build(&f, buf);
	run(bpf_program__fd(in.skel->progs.dslite_aftr), buf, l.len, out, &ol, &rv);
	tap_result(rv == XDP_PASS && counter(&in, C(PASS_ECHO_DISABLED)) == 1 &&
		   ol == (uint32_t)l.len && !memcmp(buf, out, ol),
		   "echo disabled (Required Min Echo RX 0): echo passes untouched");
	inst_close(&in);
}

/* a session held by another CPU (try-lock taken): the packet is dropped */
static void test_busy(struct inst *in)
{
	int fd = bpf_map__fd(in->skel->maps.dslite_sessions);
	uint32_t key = session_slot(in, 1);
	struct dslite_aftr_session v, after;
	uint64_t before_busy = counter(in, C(DROP_BUSY));
	uint32_t rv = 0;

	if (!key || bpf_map_lookup_elem(fd, &key, &v)) {
		tap_result(0, "busy: B4 1 has a session");
		return;
	}
	v.busy = 1;
	bpf_map_update_elem(fd, &key, &v, BPF_EXIST);
	send_bfd(in, 1, (struct bfd_fields)B(UP, 0, YOUR_SESSION), &rv, NULL, NULL);
	bpf_map_lookup_elem(fd, &key, &after);
	tap_result(rv == XDP_DROP && counter(in, C(DROP_BUSY)) == before_busy + 1 &&
		   after.rx_packets == v.rx_packets && after.busy == 1,
		   "busy: a session locked by another CPU drops the packet (drop_busy), untouched");
	send_bfd(in, 1, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	bpf_map_lookup_elem(fd, &key, &after);
	tap_result(rv == XDP_DROP && counter(in, C(DROP_BUSY)) == before_busy + 2 &&
		   after.rx_packets == v.rx_packets && after.busy == 1 &&
		   session_count(in) == 9,
		   "busy: also when found by its address (Your Discriminator 0), no new session");
	v.busy = 0;
	bpf_map_update_elem(fd, &key, &v, BPF_EXIST);
	send_bfd(in, 1, (struct bfd_fields)B(UP, 0, YOUR_SESSION), &rv, NULL, NULL);
	bpf_map_lookup_elem(fd, &key, &after);
	tap_result(rv == XDP_TX && after.rx_packets == v.rx_packets + 1 && after.busy == 0,
		   "busy: released, the next packet is answered and the lock is free again");
}

/* a re-load with other timers keeps the sessions and polls for the change */
static void test_reload(struct inst *old)
{
	struct inst_cfg c = { .tx = 500 * MS, .rx = 500 * MS, .echo = 50 * MS,
			      .rate = 10000, .burst = 100, .allowlist = 1, .reuse = old };
	struct dslite_aftr_session v;
	uint8_t out[FRAME_MAX];
	struct bfd_ctrl *b;
	struct inst in;
	uint32_t rv = 0, ol = 0;
	int n = session_count(old);

	if (inst_open(&in, &c)) {
		tap_result(0, "re-load: load with the old maps");
		return;
	}
	tap_eq(session_count(&in), n, "re-load: the sessions are still there");
	send_bfd(&in, 1, (struct bfd_fields)B(UP, 0, YOUR_SESSION), &rv, out, &ol);
	b = (struct bfd_ctrl *)(out + ol - BFD_CTRL_LEN);
	tap_result(rv == XDP_TX && bfd_ctrl_state(b) == BFD_STATE_UP &&
		   (b->flags & BFD_FLAG_POLL) && ntohl(b->desired_min_tx) == 500 * MS &&
		   ntohl(b->required_min_rx) == 500 * MS &&
		   discr_is(&in, ntohl(b->my_discr), 1),
		   "re-load: the Up session stays Up and polls for 500 ms");
	send_bfd(&in, 30, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	if (session_get(&in, 30, &v))
		memset(&v, 0, sizeof(v));
	tap_result(rv == XDP_TX && discr_is(&in, v.bfd.local_discr, 10),
		   "re-load: slots continue (0x%08x)", v.bfd.local_discr);
	inst_close(&in);
}

/* slot discr & 0xffffff is free: not live, discriminator cleared */
static int slot_free(struct inst *in, uint32_t discr)
{
	uint32_t low = discr & slot_mask(in);
	struct dslite_aftr_session v;

	return !bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.dslite_sessions),
				    &low, &v) &&
	       !(v.flags & DSLITE_SESS_LIVE) && !v.bfd.local_discr;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int arm(struct inst *in)
{
	uint8_t frame[64] = { 0 };
	uint32_t ol, rv = 0;

	if (run(bpf_program__fd(in->skel->progs.dslite_aftr_arm), frame,
		sizeof(frame), frame, &ol, &rv))
		return -1;
	return rv;
}

static void test_sweeper(void)
{
	struct inst_cfg c = { .tx = 10 * MS, .rx = 10 * MS, .echo = 50 * MS,
			      .rate = 0, .burst = 1, .allowlist = 1, .sweep_ms = 20,
			      .down_idle = 300, .emb_idle = 300 };
	struct bfd_fields fast = { .state = S(DOWN), .tx = 10 * MS, .rx = 10 * MS };
	struct dslite_aftr_session v;
	struct inst in;
	double t0, t_down = -1, t_reap = -1, t, t2, stamp;
	unsigned long long nspj;
	uint32_t rv, discr, d;
	struct in6_addr owner;
	int i, up_ok, timeout_ev = 0, reap_ev = 0, alive;

	if (inst_open(&in, &c)) {
		tap_result(0, "sweeper: load");
		return;
	}
	tap_eq(arm(&in), XDP_PASS, "sweeper: dslite_aftr_arm starts the timer");
	tap_eq(arm(&in), XDP_PASS, "sweeper: arming twice is harmless");
	t0 = mono_s();
	while (counter(&in, C(SWEEPS)) < 3 && mono_s() - t0 < 3)
		sleep_ms(5);
	tap_result(counter(&in, C(SWEEPS)) >= 3, "sweeper: runs every 20 ms (%llu sweeps in %.0f ms)",
		   (unsigned long long)counter(&in, C(SWEEPS)), (mono_s() - t0) * 1000);
	/* the XDP path's clock: jiffies, calibrated by the sweeper */
	while (!in.skel->bss->clk_ns_per_jiffy && mono_s() - t0 < 6)
		sleep_ms(10);
	nspj = in.skel->bss->clk_ns_per_jiffy;
	tap_result(nspj >= 1000000 && nspj <= 100000000,
		   "sweeper: calibrates the XDP clock (%llu ns per jiffy, after %.0f ms)",
		   (unsigned long long)nspj, (mono_s() - t0) * 1000);
	t = mono_s();
	send_bfd(&in, 9, fast, &rv, NULL, NULL);
	t2 = mono_s();
	if (session_get(&in, 9, &v))
		memset(&v, 0, sizeof(v));
	stamp = v.last_seen_ns / 1e9;
	tap_result(stamp > t - 2.0 * nspj / 1e9 && stamp < t2 + 2.0 * nspj / 1e9,
		   "sweeper: XDP timestamps are CLOCK_MONOTONIC within two jiffies "
		   "(%+.1f ms from the call)", (stamp - t) * 1000);
	fast.state = S(ADMIN_DOWN);
	send_bfd(&in, 9, fast, &rv, NULL, NULL);
	fast.state = S(DOWN);

	/* B4 1: Up at 10 ms x 3, then silent */
	send_bfd(&in, 1, fast, &rv, NULL, NULL);
	fast.state = S(INIT);
	fast.your = YOUR_SESSION;
	send_bfd(&in, 1, fast, &rv, NULL, NULL);
	up_ok = !session_get(&in, 1, &v) && v.bfd.state == BFD_STATE_UP;
	discr = v.bfd.local_discr;
	/* B4 2: only one packet (Init, never Up) */
	fast.state = S(DOWN);
	fast.your = 0;
	send_bfd(&in, 2, fast, &rv, NULL, NULL);
	/* B4 3: Up (5 x 100 ms) and kept alive every 5 ms */
	fast.tx = 100 * MS;
	fast.mult = 5;
	send_bfd(&in, 3, fast, &rv, NULL, NULL);
	fast.state = S(INIT);
	fast.your = YOUR_SESSION;
	send_bfd(&in, 3, fast, &rv, NULL, NULL);
	fast.state = S(UP);
	tap_result(up_ok, "sweeper: session Up with 30 ms detection time");
	in.nev = 0;
	ring_buffer__consume(in.rb);
	in.nev = 0;

	t0 = mono_s();
	alive = 1;
	while ((t = mono_s() - t0) < 5) {
		send_bfd(&in, 3, fast, &rv, NULL, NULL);
		if (session_get(&in, 3, &v) || v.bfd.state != BFD_STATE_UP)
			alive = 0;
		if (t_down < 0 && !session_get(&in, 1, &v) &&
		    v.bfd.state == BFD_STATE_DOWN)
			t_down = t;
		if (t_down >= 0 && t_reap < 0 && session_get(&in, 1, &v))
			t_reap = t;
		ring_buffer__consume(in.rb);
		for (i = 0; i < in.nev; i++) {
			struct in6_addr a = b4_addr(1);

			if (memcmp(&in.ev[i].b4, &a, 16))
				continue;
			if (in.ev[i].type == DSLITE_EV_TIMEOUT &&
			    in.ev[i].old_state == BFD_STATE_UP &&
			    in.ev[i].new_state == BFD_STATE_DOWN &&
			    in.ev[i].diag == BFD_DIAG_CONTROL_EXPIRED &&
			    in.ev[i].local_discr == discr)
				timeout_ev++;
			if (in.ev[i].type == DSLITE_EV_REAPED)
				reap_ev++;
		}
		in.nev = 0;
		if (t_reap >= 0 && session_get(&in, 2, &v))
			break;
		sleep_ms(5);
	}
	tap_result(t_down >= 0 && t_down < 0.030 + 1.0,
		   "sweeper: silent B4 Down within detection time + 1 s (%.0f ms)",
		   t_down * 1000);
	tap_eq(timeout_ev, 1, "sweeper: one timeout event Up -> Down, diag 1 (control detection time expired)");
	tap_result(t_reap >= 0 && t_reap - t_down >= 0.25,
		   "sweeper: idle Down session reaped after 300 ms (%.0f ms after Down)",
		   (t_reap - t_down) * 1000);
	tap_eq(reap_ev, 1, "sweeper: one reaped event");
	owner = b4_addr(1);
	tap_result(bpf_map_lookup_elem(bpf_map__fd(in.skel->maps.dslite_discrs),
				       &owner, &d) && errno == ENOENT &&
		   slot_free(&in, discr),
		   "sweeper: its address and its slot are released");
	tap_result(session_get(&in, 2, &v) && errno == ENOENT,
		   "sweeper: a never-Up session times out and is reaped");
	tap_result(alive, "sweeper: a B4 that keeps talking stays Up");
	tap_eq(counter(&in, C(SESS_TIMEOUT)), 2, "sweeper: sessions_timeout counts both timeouts");
	tap_eq(counter(&in, C(SESS_REAPED)), 3,
	       "sweeper: sessions_reaped counts all three (B4 1, 2 and the AdminDown one)");
	owner = b4_addr(2);
	tap_result(bpf_map_lookup_elem(bpf_map__fd(in.skel->maps.dslite_discrs),
				       &owner, &d) && errno == ENOENT &&
		   slot_free(&in, AFTR_DISCR(3)),
		   "sweeper: the never-Up session's address and slot are released");
	tap_eq(session_count(&in), 1, "sweeper: one session left (B4 3), slots consistent");
	fast = (struct bfd_fields){ .state = S(DOWN), .tx = 10 * MS, .rx = 10 * MS };
	send_bfd(&in, 4, fast, &rv, NULL, NULL);
	if (session_get(&in, 4, &v))
		memset(&v, 0, sizeof(v));
	tap_result(rv == XDP_TX && discr_is(&in, v.bfd.local_discr, 5),
		   "sweeper: a new session takes a never-used slot before a "
		   "freed one (0x%08x)", v.bfd.local_discr);

	/* B4 3 restarts: it lost the AFTR's discriminator and sends Down
	 * with Your Discriminator 0; its Up session (5 x 100 ms) ignores
	 * that until it times out, then the B4 is heard */
	{
		uint64_t zd0 = counter(&in, C(DROP_BFD_ZERO_DISCR_UP));
		struct bfd_fields rs = { .state = S(DOWN), .tx = SEC, .rx = 10 * MS };
		int first_dropped = -1;

		t0 = mono_s();
		while (mono_s() - t0 < 5) {
			send_bfd(&in, 3, rs, &rv, NULL, NULL);
			if (first_dropped < 0)
				first_dropped = rv == XDP_DROP;
			if (rv == XDP_TX)
				break;
			sleep_ms(5);
		}
		t = mono_s() - t0;
		if (session_get(&in, 3, &v))
			memset(&v, 0, sizeof(v));
		tap_result(first_dropped == 1 && rv == XDP_TX &&
			   v.bfd.state == BFD_STATE_INIT &&
			   counter(&in, C(DROP_BFD_ZERO_DISCR_UP)) > zd0 &&
			   t >= 0.4 && t < 0.5 + 1.0,
			   "sweeper: a restarted B4 (Your Discriminator 0) is heard "
			   "once its Up session timed out: %.0f ms (detection time "
			   "500 ms)", t * 1000);
	}
	inst_close(&in);
}


/*
 * The deadlines: a pass cut into many small callbacks still looks at
 * every slot whose deadline came; the answer path writes a session's
 * deadline with every packet (a B4 that keeps talking is never looked
 * at); a silent session goes Down after its detection time, never
 * before, and at most one sweep interval after (the sweeper's own
 * stamps); the first pass of a newly loaded program looks at every slot
 * (a deadline never written is found).
 */
static void test_deadlines(void)
{
	struct inst_cfg c = { .tx = 10 * MS, .rx = 10 * MS, .echo = 50 * MS,
			      .rate = 0, .burst = 1, .allowlist = 1, .sweep_ms = 100,
			      .chunk_blocks = 2, .chunk_visits = 4 };
	struct bfd_fields bf = { .state = S(DOWN), .tx = 100 * MS, .rx = 10 * MS };
	struct dslite_aftr_session v;
	struct inst in, in2;
	uint64_t calls, passes, late_ns = 0, gap_ns = 0;
	uint32_t rv, low, dl, want;
	int i, n = 200, made = 0, down = 0, wrote = 1, early = 0, ev_ok = 0;
	double t0;

	if (inst_open(&in, &c)) {
		tap_result(0, "deadlines: load");
		return;
	}
	arm(&in);
	/* B4 1..200 (not NOT_PERMITTED): Up at 100 ms x 3 (300 ms) */
	for (i = 1; i <= n; i++) {
		if (i == NOT_PERMITTED)
			continue;
		bf.state = S(DOWN);
		bf.your = 0;
		send_bfd(&in, i, bf, &rv, NULL, NULL);
		bf.state = S(INIT);
		bf.your = YOUR_SESSION;
		send_bfd(&in, i, bf, &rv, NULL, NULL);
		low = session_slot(&in, i);
		if (session_get(&in, i, &v) || v.bfd.state != BFD_STATE_UP)
			continue;
		made++;
		/* the answer path's deadline: the detection time's end */
		want = (uint32_t)((v.bfd.last_rx_ns + 300ULL * 1000000) >> DSLITE_DL_SHIFT);
		dl = deadline_get(&in, low);
		wrote &= dl == want;
	}
	tap_result(made == n && wrote,
		   "deadlines: %d sessions Up, each with the deadline its last answer "
		   "wrote (last packet + detection time)", made);
	ring_buffer__consume(in.rb);
	in.nev = 0;
	memset(in.ev_b4, 0, sizeof(in.ev_b4));
	t0 = mono_s();
	while (mono_s() - t0 < 5 && down < n) {
		sleep_ms(20);
		ring_buffer__consume(in.rb);
		for (down = 0, i = 1; i <= n; i++)
			if (i != NOT_PERMITTED && !session_get(&in, i, &v) &&
			    v.bfd.state == BFD_STATE_DOWN &&
			    v.bfd.diag == BFD_DIAG_CONTROL_EXPIRED)
				down++;
	}
	/* a session seen Down after the last read: its event is in the ring */
	ring_buffer__consume(in.rb);
	for (ev_ok = 0, i = 1; i <= n; i++)
		ev_ok += i != NOT_PERMITTED && in.ev_b4[i] == 1;
	calls = in.skel->bss->sweep_calls;
	passes = in.skel->bss->sweep_passes;
	tap_result(down == n && ev_ok == n &&
		   counter(&in, C(SESS_TIMEOUT)) == (uint64_t)n,
		   "deadlines: passes of callbacks of 2 blocks and 4 sessions reach every "
		   "slot: %d of %d silent sessions timed out, one event each", down, n);
	tap_result(calls > 2 * passes,
		   "deadlines: a pass is cut into callbacks (%llu callbacks, %llu passes)",
		   (unsigned long long)calls, (unsigned long long)passes);
	inst_close(&in);

	/* one B4 talking, one silent: expiry within [detection time,
	 * detection time + one interval], by the sweeper's stamps */
	c.chunk_blocks = c.chunk_visits = 0;
	if (inst_open(&in, &c)) {
		tap_result(0, "deadlines: load");
		return;
	}
	arm(&in);
	for (i = 1; i <= 2; i++) {
		bf.state = S(DOWN);
		bf.your = 0;
		send_bfd(&in, i, bf, &rv, NULL, NULL);
		bf.state = S(INIT);
		bf.your = YOUR_SESSION;
		send_bfd(&in, i, bf, &rv, NULL, NULL);
	}
	bf.state = S(UP);
	ring_buffer__consume(in.rb);
	in.nev = 0;
	t0 = mono_s();
	while (mono_s() - t0 < 3) {
		send_bfd(&in, 1, bf, &rv, NULL, NULL);	/* B4 1 talks */
		if (session_get(&in, 1, &v) || v.bfd.state != BFD_STATE_UP)
			early = 1;
		ring_buffer__consume(in.rb);
		sleep_ms(20);
	}
	for (i = 0; i < in.nev; i++) {
		struct in6_addr a = b4_addr(2);

		if (in.ev[i].type != DSLITE_EV_TIMEOUT || memcmp(&in.ev[i].b4, &a, 16))
			continue;
		if (!session_get(&in, 2, &v))
			gap_ns = in.ev[i].ts_ns - v.last_seen_ns;
	}
	late_ns = gap_ns > 300000000ULL ? gap_ns - 300000000ULL : 0;
	tap_result(!early && counter(&in, C(SESS_TIMEOUT)) == 1 &&
		   in.ev_b4[1] == 2,
		   "deadlines: a B4 that keeps talking (its deadline moved by every "
		   "answer) is never timed out");
	tap_result(gap_ns > 300000000ULL &&
		   late_ns <= 100000000ULL + 2 * in.skel->bss->clk_ns_per_jiffy + 200000000ULL,
		   "deadlines: the silent one times out %.1f ms after its last packet: "
		   "after its detection time (300 ms), within one sweep interval "
		   "(100 ms, and the timer's latency)", gap_ns / 1e6);

	/* a deadline never written (maps of an earlier version): a newly
	 * loaded program's first pass finds it */
	bf.state = S(DOWN);
	bf.your = 0;
	send_bfd(&in, 3, bf, &rv, NULL, NULL);
	bf.state = S(INIT);
	bf.your = YOUR_SESSION;
	send_bfd(&in, 3, bf, &rv, NULL, NULL);
	deadline_set(&in, session_slot(&in, 3), 0);
	sleep_ms(600);
	i = !session_get(&in, 3, &v) && v.bfd.state == BFD_STATE_UP;
	c.reuse = &in;
	if (inst_open(&in2, &c)) {
		tap_result(0, "deadlines: re-load");
		inst_close(&in);
		return;
	}
	arm(&in2);
	t0 = mono_s();
	while (mono_s() - t0 < 3 && !session_get(&in, 3, &v) &&
	       v.bfd.state == BFD_STATE_UP)
		sleep_ms(10);
	tap_result(i && !session_get(&in, 3, &v) && v.bfd.state == BFD_STATE_DOWN &&
		   v.bfd.diag == BFD_DIAG_CONTROL_EXPIRED,
		   "deadlines: a session without a deadline is not looked at, until a "
		   "newly loaded program's first pass finds it and times it out");
	inst_close(&in2);
	inst_close(&in);
}

/* the state map's entry (the rate limiter, the slot cursor, the ring) */
static int state_get(struct inst *in, struct dslite_aftr_state *st)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.dslite_state),
				   &zero, st);
}

/* wait (polling, up to max_s) until pred(in, arg) holds; 1 if it did */
static int wait_for(struct inst *in, int (*pred)(struct inst *, int), int arg,
		    double max_s)
{
	double t0 = mono_s();

	while (!pred(in, arg)) {
		if (mono_s() - t0 > max_s)
			return 0;
		sleep_ms(5);
	}
	return 1;
}

static int has_session(struct inst *in, int b4)
{
	struct dslite_aftr_session v;

	return !session_get(in, b4, &v);
}

static int no_session(struct inst *in, int b4)
{
	return !has_session(in, b4);
}

static int calibrated(struct inst *in, int unused)
{
	(void)unused;
	return in->skel->bss->clk_ns_per_jiffy && in->skel->bss->clk_offset_ns;
}

static int n_sessions_is(struct inst *in, int n)
{
	return session_count(in) == n;
}

/*
 * The XDP clock. The rate must never change once published, so that no
 * reader can pair one calibration's rate with another's offset (the old
 * clock did at nearly every sweep: jiffies x the rate difference is
 * seconds to hours). The pair a reader can see at worst (the rate now,
 * an offset of an earlier sweep) gives the right time. A stamp or a rate
 * limiter state left in the future (a clock that jumped) is clamped.
 */
static void test_clock(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 1000, .burst = 10, .allowlist = 1,
			      .sweep_ms = 2 };
	struct bfd_fields fast = { .state = S(DOWN), .tx = 10 * MS, .rx = 10 * MS };
	unsigned long long r0, r, o0, o, changes = 0, samples = 0;
	struct dslite_aftr_state st;
	struct dslite_aftr_session v;
	uint32_t rv = 0, key;
	uint64_t t, sweeps;
	double t0;
	int64_t err_ns;
	struct inst in;
	int i;

	if (inst_open(&in, &c)) {
		tap_result(0, "clock: load");
		return;
	}
	arm(&in);
	i = wait_for(&in, calibrated, 0, 10);
	tap_result(i, "clock: calibrated (%llu ns per jiffy)",
		   (unsigned long long)in.skel->bss->clk_ns_per_jiffy);
	r0 = in.skel->bss->clk_ns_per_jiffy;
	o0 = in.skel->bss->clk_offset_ns;
	sweeps = counter(&in, C(SWEEPS));
	t0 = mono_s();
	while (mono_s() - t0 < 0.5) {
		r = in.skel->bss->clk_ns_per_jiffy;
		changes += r != r0;
		samples++;
		sleep_ms(1);
	}
	tap_result(!changes && counter(&in, C(SWEEPS)) > sweeps + 20,
		   "clock: the rate never changes after calibration (%llu of %llu "
		   "samples over %llu sweeps differ)", changes, samples,
		   (unsigned long long)(counter(&in, C(SWEEPS)) - sweeps));
	/* the worst pair a reader can see: this rate, an old offset */
	r = in.skel->bss->clk_ns_per_jiffy;
	in.skel->bss->clk_offset_ns = o0;
	t = mono_ns();
	send_bfd(&in, 1, fast, &rv, NULL, NULL);
	o = in.skel->bss->clk_offset_ns;
	if (session_get(&in, 1, &v))
		memset(&v, 0, sizeof(v));
	err_ns = (int64_t)(v.last_seen_ns - t);
	tap_result(rv == XDP_TX && err_ns > -2 * (int64_t)r && err_ns < 2 * (int64_t)r + 50000000,
		   "clock: the current rate with an earlier sweep's offset is right "
		   "(%+.1f ms; offsets %llu and %llu, rates %llu and %llu)",
		   err_ns / 1e6, o0, o, r0, r);

	/* a limiter state 3 hours ahead: reset, new sessions still come */
	if (!state_get(&in, &st)) {
		st.tat_ns = mono_ns() + 10800ULL * 1000000000ULL;
		bpf_map_update_elem(bpf_map__fd(in.skel->maps.dslite_state), &(uint32_t){0},
				    &st, 0);
	}
	send_bfd(&in, 2, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	state_get(&in, &st);
	tap_result(rv == XDP_TX && has_session(&in, 2) &&
		   st.tat_ns < mono_ns() + 10 * 1000000000ULL,
		   "clock: a rate limiter 3 h in the future is reset, the new B4 gets a session");

	/* an Up session whose last packet is stamped 3 h ahead (and so is
	 * the deadline the data path wrote with it: the stamps of a clock
	 * that jumped): clamped at once, and it times out within its
	 * detection time */
	fast.state = S(INIT);
	fast.your = YOUR_SESSION;
	send_bfd(&in, 1, fast, &rv, NULL, NULL);
	key = session_slot(&in, 1);
	if (!session_get(&in, 1, &v) && v.bfd.state == BFD_STATE_UP) {
		v.bfd.last_rx_ns += 10800ULL * 1000000000ULL;
		v.last_seen_ns += 10800ULL * 1000000000ULL;
		bpf_map_update_elem(bpf_map__fd(in.skel->maps.dslite_sessions), &key,
				    &v, BPF_EXIST);
		deadline_set(&in, key, deadline_get(&in, key) +
			     (uint32_t)((10800ULL * 1000000000ULL) >> DSLITE_DL_SHIFT));
	}
	t0 = mono_s();
	while (mono_s() - t0 < 5 && has_session(&in, 1) &&
	       !session_get(&in, 1, &v) && v.bfd.state == BFD_STATE_UP)
		sleep_ms(5);
	tap_result(!session_get(&in, 1, &v) && v.bfd.state == BFD_STATE_DOWN &&
		   v.bfd.diag == BFD_DIAG_CONTROL_EXPIRED &&
		   counter(&in, C(CLOCK_CLAMPED)) == 1 && mono_s() - t0 < 1.5,
		   "clock: a stamp 3 h ahead is clamped (clock_clamped %llu), the "
		   "silent session times out after %.0f ms",
		   (unsigned long long)counter(&in, C(CLOCK_CLAMPED)),
		   (mono_s() - t0) * 1000);
	inst_close(&in);
}

/*
 * One packet must not pin a session: Detect Mult 255 x 4295 s is
 * honoured as 5 minutes, and a session that never comes Up is deleted
 * embryonic_idle_ms after its creation however often its source sends.
 */
static void test_pinning(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 0, .burst = 1, .allowlist = 1, .sessions = 2,
			      .sweep_ms = 20, .emb_idle = 300 };
	struct bfd_fields pin = { .state = S(DOWN), .tx = 0xffffffffU,
				  .rx = 0xffffffffU, .mult = 255 };
	struct dslite_aftr_session v;
	uint32_t rv = 0;
	struct inst in;
	double t0;
	int held = 1;

	if (inst_open(&in, &c)) {
		tap_result(0, "pinning: load");
		return;
	}
	arm(&in);
	send_bfd(&in, 1, pin, &rv, NULL, NULL);
	send_bfd(&in, 2, pin, &rv, NULL, NULL);
	if (session_get(&in, 1, &v))
		memset(&v, 0, sizeof(v));
	tap_result(v.bfd.state == BFD_STATE_INIT &&
		   bfd_detect_time_us(&v.bfd) == BFD_DETECT_TIME_MAX_US,
		   "pinning: Detect Mult 255 x 4295 s honoured as %llu s",
		   (unsigned long long)(bfd_detect_time_us(&v.bfd) / 1000000));
	send_bfd(&in, 3, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	tap_result(rv == XDP_DROP && counter(&in, C(DROP_TABLE_FULL)) == 1,
		   "pinning: both slots taken, a third B4 is refused");
	/* the pinning sources keep sending */
	t0 = mono_s();
	while (mono_s() - t0 < 5 && (has_session(&in, 1) || has_session(&in, 2))) {
		send_bfd(&in, 1, pin, &rv, NULL, NULL);
		send_bfd(&in, 2, pin, &rv, NULL, NULL);
		if (mono_s() - t0 < 0.25 && !(has_session(&in, 1) && has_session(&in, 2)))
			held = 0;
		sleep_ms(10);
		/* the window between the reap and the next packet */
		if (no_session(&in, 1) || no_session(&in, 2))
			break;
	}
	tap_result(held && mono_s() - t0 < 1.5,
		   "pinning: never-Up sessions deleted %.0f ms after creation (300 ms "
		   "embryonic idle) although their sources keep sending",
		   (mono_s() - t0) * 1000);
	send_bfd(&in, 3, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	tap_result(rv == XDP_TX && has_session(&in, 3),
		   "pinning: then the third B4 gets a slot");
	inst_close(&in);
}

/*
 * The slot search always finds a free slot while one exists: a 32-slot
 * table whose first 16 slots stay Up and whose last 16 were freed takes
 * 16 new B4s, then refuses the 17th.
 */
static void test_slot_search(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 0, .burst = 1, .allowlist = 1, .sessions = 32,
			      .sweep_ms = 20, .emb_idle = 100 };
	struct bfd_fields slow = { .state = S(DOWN), .tx = 10 * SEC, .rx = 10 * SEC };
	uint32_t rv = 0, tags[64], slots_seen = 0, tag, mask;
	struct dslite_aftr_session v;
	int i, ok = 1, created = 0, distinct = 0, j, nonzero = 1;
	struct inst in;

	if (inst_open(&in, &c)) {
		tap_result(0, "slot search: load a 32-slot table");
		return;
	}
	arm(&in);
	mask = slot_mask(&in);
	for (i = 1; i <= 32; i++) {
		slow.state = S(DOWN);
		slow.your = 0;
		send_bfd(&in, i, slow, &rv, NULL, NULL);
		if (i <= 16) {		/* B4 1..16: Up, 30 s detection */
			slow.state = S(INIT);
			slow.your = YOUR_SESSION;
			send_bfd(&in, i, slow, &rv, NULL, NULL);
		}
		if (session_get(&in, i, &v))
			ok = 0;
		else {
			tags[i - 1] = v.bfd.local_discr & DSLITE_DISCR_LOW_MASK & ~mask;
			slots_seen |= 1U << ((v.bfd.local_discr & mask) - 1);
		}
	}
	for (i = 0; i < 32; i++) {
		nonzero &= tags[i] != 0;
		for (j = 0; j < i && tags[j] != tags[i]; j++)
			;
		distinct += j == i;
	}
	tap_result(ok && session_count(&in) == 32 && slots_seen == 0xffffffffU,
		   "slot search: 32 B4s fill the 32 slots");
	tap_result(nonzero && distinct >= 24,
		   "slot search: discriminators carry random tags (%d distinct of 32, "
		   "none 0; slot bits %u)", distinct, in.skel->rodata->dslite_cfg.slot_bits);
	tap_result(wait_for(&in, n_sessions_is, 16, 5),
		   "slot search: the 16 never-Up sessions (slots 17..32) are reaped");
	for (i = 33; i <= 48; i++) {
		slow.state = S(DOWN);
		slow.your = 0;
		send_bfd(&in, i, slow, &rv, NULL, NULL);
		created += rv == XDP_TX && has_session(&in, i);
	}
	tap_result(created == 16 && counter(&in, C(DROP_TABLE_FULL)) == 0,
		   "slot search: 16 new B4s get the 16 free slots behind 16 live ones "
		   "(%d, drop_table_full %llu)", created,
		   (unsigned long long)counter(&in, C(DROP_TABLE_FULL)));
	send_bfd(&in, 49, slow, &rv, NULL, NULL);
	tap_result(rv == XDP_DROP && counter(&in, C(DROP_TABLE_FULL)) == 1 &&
		   session_count(&in) == 32,
		   "slot search: the 33rd is refused (drop_table_full), slots consistent");
	tag = 0;
	if (!session_get(&in, 33, &v))
		tag = v.bfd.local_discr;
	tap_result(tag && (tag & mask) >= 17 && tag != tags[(tag & mask) - 1],
		   "slot search: a freed slot comes back with a new tag (0x%08x)", tag);
	inst_close(&in);
}

/* a B4 flapping its session cannot flood the events of everyone else */
static void test_event_flood(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 0, .burst = 1, .allowlist = 1 };
	uint32_t rv = 0;
	struct inst in;
	int i, changes = 0, before;
	uint64_t sup;

	if (inst_open(&in, &c)) {
		tap_result(0, "event flood: load");
		return;
	}
	send_bfd(&in, 1, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	ring_buffer__consume(in.rb);
	before = in.ev_b4[1];
	for (i = 0; i < 400; i++) {
		/* Init -> Down (AdminDown), Down -> Init (Down) */
		send_bfd(&in, 1, i & 1 ? (struct bfd_fields)B(DOWN, 0, 0) :
			 (struct bfd_fields)B(ADMIN_DOWN, 0, 0), &rv, NULL, NULL);
		changes += rv == XDP_TX;
		if (i == 200)
			send_bfd(&in, 2, (struct bfd_fields)B(DOWN, 0, 0), &rv, NULL, NULL);
	}
	ring_buffer__consume(in.rb);
	sup = counter(&in, C(EVENTS_SUPPRESSED));
	tap_result(changes == 400 && in.ev_b4[1] - before <= 2 * DSLITE_EV_PER_WINDOW &&
		   (uint64_t)(in.ev_b4[1] - before) + sup == 400,
		   "event flood: 400 flaps of one B4 send %d events, %llu suppressed "
		   "(events_suppressed)", in.ev_b4[1] - before, (unsigned long long)sup);
	tap_result(in.ev_b4[2] == 1 && counter(&in, C(EVENTS_LOST)) == 0,
		   "event flood: another B4's event in the middle is delivered");
	inst_close(&in);
}

/* one row of a table run on its own (a scenario outside the tables) */
static uint32_t ptb_verdict(struct inst *in, int b4, uint32_t *meta_len)
{
	struct row r = { .kind = K_PTB, .b4 = b4 };
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	uint32_t ol, rv = 0;
	struct frame f;
	struct layout l;

	row_frame(&r, in, &f);
	l = frame_build(&f, buf);
	run_meta(bpf_program__fd(in->skel->progs.dslite_aftr), buf, l.len, out,
		 &ol, &rv, meta_len);
	return rv;
}

static void send_data(struct inst *in, int b4)
{
	struct row r = { .kind = K_DATA_TCP, .b4 = b4, .make = dst_anycast };
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	uint32_t ol, rv;
	struct frame f;
	struct layout l;

	row_frame(&r, in, &f);
	l = frame_build(&f, buf);
	run(bpf_program__fd(in->skel->progs.dslite_aftr), buf, l.len, out, &ol, &rv);
}

/* a softwire is served for owner_idle_ms after its last packet */
static void test_owner_idle(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 100, .burst = 10, .anycast = 1,
			      .owner_idle_ms = 1000 };
	uint64_t owned0, relay0;
	double t0, t1, t2;
	struct inst in;
	uint32_t meta = 0, rv;

	if (inst_open(&in, &c)) {
		tap_result(0, "owner idle: load a member with a 1 s idle time");
		return;
	}
	t0 = mono_s();
	send_data(&in, 5);
	rv = ptb_verdict(&in, 5, &meta);
	tap_result(rv == XDP_PASS && !meta && counter(&in, C(PASS_PTB_OWNED)) == 1,
		   "owner idle: served right after its traffic");
	sleep_ms(600);
	t1 = mono_s();
	send_data(&in, 5);	/* refreshes: more than 1000 / 8 ms later */
	sleep_ms(600);
	owned0 = counter(&in, C(PASS_PTB_OWNED));
	t2 = mono_s();
	rv = ptb_verdict(&in, 5, &meta);
	tap_result(rv == XDP_PASS && !meta &&
		   counter(&in, C(PASS_PTB_OWNED)) == owned0 + 1 && t2 - t0 > 1.0,
		   "owner idle: still served %.0f ms after the first packet, %.0f ms "
		   "after the last", (t2 - t0) * 1000, (t2 - t1) * 1000);
	sleep_ms(1100);
	relay0 = counter(&in, C(PASS_PTB_RELAY));
	t2 = mono_s();
	rv = ptb_verdict(&in, 5, &meta);
	tap_result(rv == XDP_PASS && meta == sizeof(struct dslite_relay_meta) &&
		   counter(&in, C(PASS_PTB_RELAY)) == relay0 + 1,
		   "owner idle: not served %.0f ms after its last packet: flagged "
		   "for the relay", (t2 - t1) * 1000);
	inst_close(&in);
}

/* the relay program leaves every packet without the flag alone */
static void test_relay_unflagged(struct inst *in)
{
	struct row r = { .kind = K_PTB, .b4 = 6 };
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	struct frame f;
	struct layout l;
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = buf,
		.data_out = out,
		.data_size_out = FRAME_MAX,
		.repeat = 1,
	);
	uint64_t relayed = counter(in, C(PTB_RELAYED)),
		 failed = counter(in, C(PTB_RELAY_FAILED));
	int err;

	row_frame(&r, in, &f);
	l = frame_build(&f, buf);
	o.data_size_in = l.len;
	err = bpf_prog_test_run_opts(bpf_program__fd(in->skel->progs.dslite_ptb_relay), &o);
	tap_result(!err && o.retval == (uint32_t)TC_ACT_UNSPEC &&
		   o.data_size_out == (uint32_t)l.len &&
		   !memcmp(buf, out, l.len) && counter(in, C(PTB_RELAYED)) == relayed &&
		   counter(in, C(PTB_RELAY_FAILED)) == failed,
		   "dslite_ptb_relay: a PTB without the XDP flag goes on untouched (TC_ACT_UNSPEC)");
}

/*
 * RFC 9468 section 2 on the passive side, reap rfc9468: a session that
 * is not Up within one detection time of its creation is deleted although
 * its B4 keeps sending (Down, never Init), one that goes Down is deleted
 * at the sweeper's next pass (the B4 signals Down; the B4 falls silent),
 * an Up session whose B4 keeps talking stays, and a deleted session's
 * B4 gets a new one (a new discriminator chosen by the AFTR) with its
 * next packet with Your Discriminator 0. Generous bounds: the sweeper
 * runs every 20 ms, the host may be loaded.
 */
static void test_reap_rfc9468(void)
{
	struct inst_cfg c = { .tx = 10 * MS, .rx = 10 * MS, .echo = 0,
			      .rate = 0, .burst = 1, .allowlist = 1, .sweep_ms = 20,
			      .down_idle = 600000, .emb_idle = 600000,
			      .reap_mode = DSLITE_REAP_RFC9468 };
	/* 100 ms x 3: a detection time of 300 ms */
	struct bfd_fields down = { .state = S(DOWN), .tx = 100 * MS, .rx = 10 * MS };
	struct bfd_fields bf;
	struct dslite_aftr_session v;
	struct inst in;
	double t0, t, t_gone = -1, t_down = -1;
	uint32_t rv, d1, d2, d3, old;
	int alive;

	if (inst_open(&in, &c)) {
		tap_result(0, "rfc9468: load with reap rfc9468");
		return;
	}
	tap_eq(arm(&in), XDP_PASS, "rfc9468: sweeper armed");

	/* B4 1: Down every 50 ms, never Init: not Up within 300 ms */
	send_bfd(&in, 1, down, &rv, NULL, NULL);
	d1 = session_get(&in, 1, &v) ? 0 : v.bfd.local_discr;
	tap_result(rv == XDP_TX && d1 && v.bfd.state == S(INIT) &&
		   bfd_role(&v.bfd) == BFD_ROLE_PASSIVE &&
		   d1 >> DSLITE_DISCR_NODE_SHIFT == NODE_ID,
		   "rfc9468: a B4's first packet creates a passive session (bfd.Role Passive) with the AFTR's own discriminator 0x%08x",
		   d1);
	t0 = mono_s();
	while ((t = mono_s() - t0) < 5) {
		if (session_get(&in, 1, &v) || v.bfd.local_discr != d1) {
			t_gone = t;
			break;
		}
		send_bfd(&in, 1, down, &rv, NULL, NULL);
		sleep_ms(50);
	}
	tap_result(t_gone >= 0.25 && t_gone < 2.0,
		   "rfc9468: a session not Up within one detection time (300 ms) is deleted although its B4 keeps sending (after %.0f ms)",
		   t_gone * 1000);
	send_bfd(&in, 1, down, &rv, NULL, NULL);
	old = session_get(&in, 1, &v) ? 0 : v.bfd.local_discr;
	tap_result(rv == XDP_TX && old && old != d1,
		   "rfc9468: the B4's next packet creates a new session (0x%08x, was 0x%08x)",
		   old, d1);

	/* B4 2: Up, kept alive for 1 s, then it signals Down */
	send_bfd(&in, 2, down, &rv, NULL, NULL);
	bf = down;
	bf.state = S(INIT);
	bf.your = YOUR_SESSION;
	send_bfd(&in, 2, bf, &rv, NULL, NULL);
	bf.state = S(UP);
	d2 = session_get(&in, 2, &v) ? 0 : v.bfd.local_discr;
	alive = d2 && v.bfd.state == S(UP);
	t0 = mono_s();
	while (mono_s() - t0 < 1.0) {
		send_bfd(&in, 2, bf, &rv, NULL, NULL);
		if (session_get(&in, 2, &v) || v.bfd.state != S(UP) ||
		    v.bfd.local_discr != d2)
			alive = 0;
		send_bfd(&in, 1, down, &rv, NULL, NULL);	/* B4 1 talks too */
		sleep_ms(50);
	}
	tap_result(alive, "rfc9468: an Up session whose B4 keeps talking stays (1 s)");
	old = counter(&in, C(SESS_REAPED));
	bf.state = S(DOWN);
	bf.diag = BFD_DIAG_PATH_DOWN;
	send_bfd(&in, 2, bf, &rv, NULL, NULL);
	tap_result(rv == XDP_TX && !session_get(&in, 2, &v) &&
		   v.bfd.state == S(DOWN) && v.bfd.diag == BFD_DIAG_NEIGHBOR_DOWN,
		   "rfc9468: the B4 signals Down: the session goes Down (neighbor-down)");
	t0 = mono_s();
	t_gone = -1;
	while ((t = mono_s() - t0) < 3) {
		if (session_get(&in, 2, &v)) {
			t_gone = t;
			break;
		}
		sleep_ms(5);
	}
	tap_result(t_gone >= 0 && t_gone < 1.0,
		   "rfc9468: a session that went Down is deleted at the next pass (%.0f ms)",
		   t_gone * 1000);
	tap_result(counter(&in, C(SESS_REAPED)) > old,
		   "rfc9468: counted in sessions_reaped");
	send_bfd(&in, 2, (struct bfd_fields){ .state = S(DOWN), .your = d2,
					     .tx = 100 * MS, .rx = 10 * MS },
		 &rv, NULL, NULL);
	tap_result(rv == XDP_DROP && session_get(&in, 2, &v),
		   "rfc9468: its old discriminator selects nothing any more (dropped)");

	/* B4 3: Up, then silent: Down by timeout, deleted in the same pass */
	send_bfd(&in, 3, down, &rv, NULL, NULL);
	bf = down;
	bf.state = S(INIT);
	bf.your = YOUR_SESSION;
	send_bfd(&in, 3, bf, &rv, NULL, NULL);
	d3 = session_get(&in, 3, &v) ? 0 : v.bfd.local_discr;
	tap_result(d3 && v.bfd.state == S(UP), "rfc9468: B4 3 Up (300 ms detection time)");
	t0 = mono_s();
	t_gone = -1;
	while ((t = mono_s() - t0) < 5) {
		if (t_down < 0 && !session_get(&in, 3, &v) &&
		    v.bfd.state == S(DOWN))
			t_down = t;
		if (session_get(&in, 3, &v)) {
			t_gone = t;
			break;
		}
		sleep_ms(5);
	}
	tap_result(t_gone >= 0.25 && t_gone < 2.0,
		   "rfc9468: a silent B4's session times out and is deleted (%.0f ms after its last packet, Down seen %s)",
		   t_gone * 1000, t_down < 0 ? "never: same pass" : "first");
	inst_close(&in);
}

/* ---------------------------------------------------------------------
 * The per-softwire path MTU (bpf/mtu.h): learnt from PTBs, raised by
 * padded BFD, enforced on SYN / SYN-ACK by the MSS clamp.
 *
 *   router 2001:db8:e::1 --PTB(mtu, quote: AFTR -> B4, nh 60, 4)--> AFTR
 *   B4 --(IPv6, nh 4)--> [ TCP SYN, MSS option ] --> XDP: MSS lowered to
 *                                                    record - 88
 */

static uint32_t mtu_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* the record of B4 b4; 0 or -1 (none) */
static int mtu_get(struct inst *in, int b4, struct dslite_mtu_rec *r)
{
	struct in6_addr a = b4_addr(b4);

	return bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.dslite_mtu), &a, r);
}

/* a PTB from the router to dst about a softwire packet src -> B4 b4 whose
 * inner packet is proto (4 for a softwire's) */
static int mtu_ptb_frame(uint8_t *buf, const struct in6_addr *dst,
			 const struct in6_addr *src, int b4, uint32_t mtu,
			 int softwire)
{
	struct frame f, q;
	struct in6_addr b = b4_addr(b4);

	memset(&f, 0, sizeof(f));
	memcpy(f.dmac, aftr_mac, 6);
	memcpy(f.smac, b4_mac, 6);
	f.src6 = addr6(ROUTER);
	f.dst6 = *dst;
	f.hop_limit = 60;
	quoted_softwire(&q, &b);
	q.src6 = *src;
	if (!softwire) {
		q.n_ext = 0;
		q.l4 = L4_IPV6_RAW;
		q.proto = IPPROTO_TCP;
	}
	frame_ptb(&f, mtu, &q, 200);
	return frame_build(&f, buf).len;
}

/*
 * A TCP segment from B4 b4 in its softwire: flags (0x02 SYN, 0x12
 * SYN-ACK, 0x10 ACK), an MSS option of mss (0: none) after nops NOPs, a
 * window scale option after it, the checksum computed in full. *tcp_off
 * gets the TCP header's offset.
 */
static int mtu_tcp_frame(uint8_t *buf, int b4, uint8_t flags, uint16_t mss,
			 int nops, int *tcp_off)
{
	struct frame f;
	struct layout l;
	uint8_t *t = f.payload, *o;
	int optlen = 0, hlen, i;
	uint32_t sum;

	memset(&f, 0, sizeof(f));
	memcpy(f.dmac, aftr_mac, 6);
	memcpy(f.smac, b4_mac, 6);
	f.src6 = b4_addr(b4);
	f.dst6 = aftr_addr6(1);
	f.hop_limit = 62;
	f.l4 = L4_INNER_RAW;
	f.proto = IPPROTO_TCP;
	f.src4 = DSLITE_B4_ADDR;
	f.dst4 = 0xc6336401;
	f.ttl = 64;
	f.frag = 0x4000;
	o = t + 20;
	for (i = 0; i < nops; i++)
		o[optlen++] = 1;
	if (mss) {
		o[optlen++] = 2;
		o[optlen++] = 4;
		put16(o + optlen, mss);
		optlen += 2;
	}
	o[optlen++] = 3;		/* window scale 7 */
	o[optlen++] = 3;
	o[optlen++] = 7;
	while (optlen % 4)
		o[optlen++] = 0;	/* end of options */
	hlen = 20 + optlen;
	put16(t, 40000);
	put16(t + 2, 443);
	put32(t + 4, 0x01020304);
	put32(t + 8, flags & 0x10 ? 0x0a0b0c0d : 0);
	t[12] = (hlen / 4) << 4;
	t[13] = flags;
	put16(t + 14, 64240);
	f.plen = hlen + (flags & 0x02 ? 0 : 100);
	for (i = hlen; i < f.plen; i++)
		t[i] = (uint8_t)(i * 13);
	/* the pseudo header and the segment */
	sum = (f.src4 >> 16) + (f.src4 & 0xffff) + (f.dst4 >> 16) +
	      (f.dst4 & 0xffff) + IPPROTO_TCP + f.plen;
	put16(t + 16, inet_fold(inet_sum(t, f.plen, sum)));
	l = frame_build(&f, buf);
	*tcp_off = l.l4;
	return l.len;
}

/* does the TCP checksum of the segment at tcp_off of buf (len) verify? */
static int tcp_csum_ok(const uint8_t *buf, int len, int tcp_off)
{
	const uint8_t *iph = buf + tcp_off - 20;
	int tl = len - tcp_off;
	uint32_t sum = inet_sum(iph + 12, 8, 0) + IPPROTO_TCP + tl;

	return inet_fold(inet_sum(buf + tcp_off, tl, sum)) == 0;
}

struct mtu_step {
	uint32_t ret;
	uint64_t moved[DSLITE_CNT__MAX];
};

/* run buf through the responder; the verdict and the counters moved */
static int mtu_run(struct inst *in, const uint8_t *buf, int len, uint8_t *out,
		   uint32_t *outlen, struct mtu_step *st)
{
	uint64_t before[DSLITE_CNT__MAX], after[DSLITE_CNT__MAX];
	int i, err;

	counters(in, before);
	err = run(bpf_program__fd(in->skel->progs.dslite_aftr), buf, len, out,
		  outlen, &st->ret);
	counters(in, after);
	for (i = 0; i < DSLITE_CNT__MAX; i++)
		st->moved[i] = after[i] - before[i];
	return err;
}

/* exactly the counters a, b, c (0: none) and the verdict's moved by one */
static int moved_only(const struct mtu_step *st, int verdict, int a, int b,
		      int c)
{
	int i, ok = 1;

	for (i = 0; i < DSLITE_CNT__MAX; i++) {
		uint64_t want = (i == verdict) + (a && i == a) + (b && i == b) +
				(c && i == c);

		if (st->moved[i] != want) {
			tap_diag("  counter %s moved by %llu, want %llu",
				 dslite_aftr_counter_names[i],
				 (unsigned long long)st->moved[i],
				 (unsigned long long)want);
			ok = 0;
		}
	}
	return ok;
}

static void test_mtu_ptb(struct inst *in)
{
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	struct in6_addr self = aftr_addr6(1), other = aftr_addr6(9);
	struct dslite_mtu_rec r;
	struct mtu_step st;
	uint32_t outlen, t0;
	int len, ok;

	t0 = mtu_mono_s();
	len = mtu_ptb_frame(buf, &self, &self, 1, 1400, 1);
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS &&
	     outlen == (uint32_t)len && !memcmp(out, buf, len);
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_ICMP6), C(MTU_LEARNT), 0);
	tap_check(ok, "mtu: a PTB (1400) about a softwire packet of this AFTR passes unchanged, pass_icmp6 + mtu_learnt");
	ok = !mtu_get(in, 1, &r) && r.mtu == 1400 &&
	     r.source == DSLITE_MTU_SRC_PTB && r.flags == 0 &&
	     r.expires_s >= t0 + DSLITE_MTU_DEF_EXPIRE_S &&
	     r.expires_s <= mtu_mono_s() + DSLITE_MTU_DEF_EXPIRE_S;
	tap_check(ok, "mtu: the record read back: mtu 1400, source ptb, flags 0, expires in 600 s");
	if (!ok)
		tap_diag("  mtu %u source %u flags %u expires %u (now %u)", r.mtu,
			 r.source, r.flags, r.expires_s, mtu_mono_s());

	len = mtu_ptb_frame(buf, &self, &self, 2, 1279, 1);
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS;
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_ICMP6), 0, 0);
	tap_check(ok && mtu_get(in, 2, &r), "mtu: a PTB of 1279: passed, not learnt");

	len = mtu_ptb_frame(buf, &self, &other, 3, 1300, 1);
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS;
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_ICMP6), 0, 0);
	tap_check(ok && mtu_get(in, 3, &r), "mtu: a PTB quoting another source than its destination: not learnt");

	len = mtu_ptb_frame(buf, &other, &other, 3, 1300, 1);
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS;
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_ICMP6), 0, 0);
	tap_check(ok && mtu_get(in, 3, &r), "mtu: a PTB quoting an address that is not the AFTR's: not learnt");

	len = mtu_ptb_frame(buf, &self, &self, 4, 1300, 0);
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS;
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_ICMP6), 0, 0);
	tap_check(ok && mtu_get(in, 4, &r), "mtu: a PTB quoting a packet that is not a softwire's (TCP over IPv6): not learnt");

	len = mtu_ptb_frame(buf, &self, &self, 1, 1300, 1);
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS;
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_ICMP6), C(MTU_LOWERED), 0);
	tap_check(ok && !mtu_get(in, 1, &r) && r.mtu == 1300 &&
		  r.source == DSLITE_MTU_SRC_PTB,
		  "mtu: a lower PTB (1300): mtu_lowered, the record holds 1300");

	len = mtu_ptb_frame(buf, &self, &self, 1, 1450, 1);
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS;
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_ICMP6), 0, 0);
	tap_check(ok && !mtu_get(in, 1, &r) && r.mtu == 1300,
		  "mtu: a higher PTB (1450) while the record is valid: ignored, 1300 stays");
}

/* one SYN case: the output must be expect_mss (0: the input unchanged) */
static void mtu_syn_case(struct inst *in, const char *desc, int b4,
			 uint8_t flags, uint16_t mss, int nops,
			 uint16_t expect_mss)
{
	uint8_t buf[FRAME_MAX], out[FRAME_MAX], exp[FRAME_MAX];
	struct mtu_step st;
	uint32_t outlen;
	int len, elen, off, ok;

	len = mtu_tcp_frame(buf, b4, flags, mss, nops, &off);
	if (expect_mss)
		elen = mtu_tcp_frame(exp, b4, flags, expect_mss, nops, &off);
	else
		memcpy(exp, buf, (elen = len));
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS;
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_TUNNEL_DATA),
			 expect_mss ? C(MSS_CLAMPED) : 0, 0);
	ok &= outlen == (uint32_t)elen && !memcmp(out, exp, elen) &&
	      tcp_csum_ok(out, outlen, off);
	tap_check(ok, desc);
	if (!ok && outlen == (uint32_t)elen)
		hexdump_diff(out, outlen, exp, elen);
}

static void test_mtu_clamp(struct inst *in)
{
	struct dslite_mtu_rec r;
	struct in6_addr a = b4_addr(1);
	int fd = bpf_map__fd(in->skel->maps.dslite_mtu);

	/* B4 1 holds 1300: MSS 1300 - 48 - 20 - 20 = 1212 */
	mtu_syn_case(in, "mtu: a SYN with MSS 1460 from a B4 of 1300 leaves with MSS 1212, exact bytes, checksum verifies",
		     1, 0x02, 1460, 0, 1212);
	mtu_syn_case(in, "mtu: a SYN-ACK with MSS 1460 after a NOP (odd offset): MSS 1212, checksum verifies",
		     1, 0x12, 1460, 1, 1212);
	mtu_syn_case(in, "mtu: a SYN with MSS 1000 (below 1212): untouched",
		     1, 0x02, 1000, 0, 0);
	mtu_syn_case(in, "mtu: a SYN with MSS 1212 exactly: untouched",
		     1, 0x02, 1212, 2, 0);
	mtu_syn_case(in, "mtu: a SYN without an MSS option: untouched",
		     1, 0x02, 0, 0, 0);
	mtu_syn_case(in, "mtu: data (ACK, 100 bytes) from the B4: untouched",
		     1, 0x10, 0, 0, 0);
	mtu_syn_case(in, "mtu: a SYN from a B4 without a record: untouched",
		     5, 0x02, 1460, 0, 0);
	if (mtu_get(in, 1, &r)) {
		tap_check(0, "mtu: the record of B4 1 is there");
		return;
	}
	r.expires_s = mtu_mono_s() - 1;
	bpf_map_update_elem(fd, &a, &r, BPF_EXIST);
	mtu_syn_case(in, "mtu: a SYN from a B4 whose record expired: untouched",
		     1, 0x02, 1460, 0, 0);
}

/* the padded-BFD raise: B4 7 Up, a record of 1300, a padded packet of
 * outer size 1440 answered: raised to 1440 */
static void test_mtu_raise(struct inst *in)
{
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	struct in6_addr self = aftr_addr6(1);
	struct dslite_mtu_rec r;
	struct mtu_step st;
	struct frame f;
	uint32_t outlen;
	int len, ok;
	struct row down = { .kind = K_BFD, .b4 = 7,
			    .bfd = { .state = S(DOWN), .tx = SEC } };
	struct row init = { .kind = K_BFD, .b4 = 7,
			    .bfd = { .state = S(INIT), .your = YOUR_SESSION,
				     .tx = SEC } };
	struct row up_pad = { .kind = K_BFD, .b4 = 7,
			      .bfd = B(UP, 0, YOUR_SESSION),
			      .make = bfd_pad1372 };

	len = mtu_ptb_frame(buf, &self, &self, 7, 1300, 1);
	mtu_run(in, buf, len, out, &outlen, &st);
	row_frame(&down, in, &f);
	len = frame_build(&f, buf).len;
	mtu_run(in, buf, len, out, &outlen, &st);
	row_frame(&init, in, &f);
	len = frame_build(&f, buf).len;
	mtu_run(in, buf, len, out, &outlen, &st);
	tap_check(!mtu_get(in, 7, &r) && r.mtu == 1300,
		  "mtu: B4 7 Up with a record of 1300");
	row_frame(&up_pad, in, &f);
	len = frame_build(&f, buf).len;
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_TX &&
	     len == 14 + 1440;
	ok &= moved_only(&st, C(XDP_TX), C(TX_BFD), C(MTU_RAISED_BFD), 0);
	tap_check(ok && !mtu_get(in, 7, &r) && r.mtu == 1440 &&
		  r.source == DSLITE_MTU_SRC_BFD_PADDED,
		  "mtu: a padded BFD of 1440 bytes from the Up B4, answered: raised to 1440 (bfd-padded)");
	ok = !mtu_run(in, buf, len, out, &outlen, &st) && st.ret == XDP_TX;
	ok &= moved_only(&st, C(XDP_TX), C(TX_BFD), 0, 0);
	tap_check(ok, "mtu: the same size again: no raise");
}

/* a softwire packet of ip_len bytes (IPv6 header and payload) from the
 * AFTR to B4 b4, as ip6tnl sends it (encapsulation limit option) */
static int mtu_egress_frame(uint8_t *buf, struct frame *f, int b4, int ip_len)
{
	struct in6_addr b = b4_addr(b4);
	int i;

	quoted_softwire(f, &b);
	f->src6 = aftr_addr6(1);
	memcpy(f->dmac, b4_mac, 6);
	memcpy(f->smac, aftr_mac, 6);
	f->proto = IPPROTO_UDP;
	f->plen = ip_len - 40 - 8 - 20;
	for (i = 0; i < f->plen; i++)
		f->payload[i] = (uint8_t)(i * 11 + 3);
	return frame_build(f, buf).len;
}

/* TC egress (dslite_mtu_egress): a packet larger than its B4's record
 * becomes the PTB the path would have sent, redirected to ingress */
static void test_mtu_egress(struct inst *in)
{
	uint8_t buf[FRAME_MAX], out[FRAME_MAX], exp[FRAME_MAX];
	int prog = bpf_program__fd(in->skel->progs.dslite_mtu_egress);
	int fd = bpf_map__fd(in->skel->maps.dslite_mtu);
	uint64_t before[DSLITE_CNT__MAX], after[DSLITE_CNT__MAX];
	struct dslite_mtu_rec r = { .mtu = 1300, .source = DSLITE_MTU_SRC_PTB };
	struct in6_addr a = b4_addr(8);
	struct frame f, p;
	uint32_t outlen, ret;
	int len, elen, ok, i;

	r.expires_s = mtu_mono_s() + 600;
	bpf_map_update_elem(fd, &a, &r, BPF_ANY);

	len = mtu_egress_frame(buf, &f, 8, 1400);
	counters(in, before);
	ok = !run(prog, buf, len, out, &outlen, &ret) && ret == TC_ACT_REDIRECT;
	counters(in, after);
	/* what a router would have sent: from the B4 to the AFTR, the
	 * packet's first 1232 bytes quoted, 1280 bytes in all */
	memset(&p, 0, sizeof(p));
	memcpy(p.dmac, aftr_mac, 6);
	memcpy(p.smac, b4_mac, 6);
	p.src6 = b4_addr(8);
	p.dst6 = aftr_addr6(1);
	p.hop_limit = 64;
	frame_ptb(&p, 1300, &f, 1232);
	elen = frame_build(&p, exp).len;
	ok &= outlen == (uint32_t)elen && elen == 14 + 1280 &&
	      !memcmp(out, exp, elen);
	for (i = 0; i < DSLITE_CNT__MAX; i++)
		ok &= after[i] - before[i] == (i == C(MTU_PTB_MADE));
	tap_check(ok, "mtu egress: 1400 bytes to a B4 of 1300: the PTB (1300) from the B4 to the AFTR, 1232 bytes quoted, exact bytes, redirected to ingress, mtu_ptb_made");
	if (!ok) {
		tap_diag("  ret %u len %u want %d", ret, outlen, elen);
		if (outlen == (uint32_t)elen)
			hexdump_diff(out, outlen, exp, elen);
	}

	len = mtu_egress_frame(buf, &f, 8, 1300);
	ok = !run(prog, buf, len, out, &outlen, &ret) && ret == (uint32_t)TC_ACT_UNSPEC &&
	     outlen == (uint32_t)len && !memcmp(out, buf, len);
	tap_check(ok, "mtu egress: exactly the record's 1300 bytes: on, unchanged");

	len = mtu_egress_frame(buf, &f, 9, 1400);
	ok = !run(prog, buf, len, out, &outlen, &ret) && ret == (uint32_t)TC_ACT_UNSPEC &&
	     outlen == (uint32_t)len && !memcmp(out, buf, len);
	tap_check(ok, "mtu egress: 1400 bytes to a B4 without a record: on, unchanged");

	r.expires_s = mtu_mono_s() - 1;
	bpf_map_update_elem(fd, &a, &r, BPF_ANY);
	len = mtu_egress_frame(buf, &f, 8, 1400);
	ok = !run(prog, buf, len, out, &outlen, &ret) && ret == (uint32_t)TC_ACT_UNSPEC &&
	     outlen == (uint32_t)len && !memcmp(out, buf, len);
	tap_check(ok, "mtu egress: a record that expired: on, unchanged");
}

static void test_mtu(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 10000, .burst = 100, .allowlist = 1,
			      .mtu_entries = 64 };
	struct inst in;
	int err;

	err = inst_open(&in, &c);
	if (err) {
		tap_result(0, "load dslite_aftr with mtu-entries 64 (%s)", strerror(-err));
		return;
	}
	tap_result(1, "load dslite_aftr with mtu-entries 64 (verifier passed)");
	test_mtu_ptb(&in);
	test_mtu_clamp(&in);
	test_mtu_raise(&in);
	test_mtu_egress(&in);
	inst_close(&in);
}

/* an anycast member: the PTBs of the group learn, the relayed copies as
 * ptb-relayed */
static void test_mtu_anycast(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 10000, .burst = 100, .allowlist = 1,
			      .anycast = 1, .mtu_entries = 64 };
	uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	struct in6_addr any = addr6(ANYCAST), self = aftr_addr6(1);
	struct dslite_mtu_rec r;
	struct mtu_step st;
	struct frame f;
	uint32_t outlen, meta;
	int len, ok, err;
	struct inst in;

	err = inst_open(&in, &c);
	if (err) {
		tap_result(0, "load dslite_aftr as a member with mtu-entries 64 (%s)",
			   strerror(-err));
		return;
	}
	/* B4 1 not served, peers: flagged for the relay, and learnt */
	len = mtu_ptb_frame(buf, &any, &any, 1, 1400, 1);
	ok = !run_meta(bpf_program__fd(in.skel->progs.dslite_aftr), buf, len,
		       out, &outlen, &st.ret, &meta) && st.ret == XDP_PASS;
	tap_check(ok && !mtu_get(&in, 1, &r) && r.mtu == 1400 &&
		  r.source == DSLITE_MTU_SRC_PTB,
		  "mtu: member: a PTB to the anycast address about a B4 served elsewhere: learnt (1400, ptb) and flagged for the relay");
	/* a copy relayed in by peer 2 */
	memset(&f, 0, sizeof(f));
	{
		struct in6_addr peer = aftr_addr6(2);
		struct frame q;
		struct in6_addr b = b4_addr(2);

		memcpy(f.dmac, aftr_mac, 6);
		memcpy(f.smac, b4_mac, 6);
		f.src6 = peer;
		f.dst6 = self;
		quoted_softwire(&q, &b);
		frame_ptb(&f, 1350, &q, 200);
		len = frame_build(&f, buf).len;
	}
	ok = !mtu_run(&in, buf, len, out, &outlen, &st) && st.ret == XDP_PASS;
	ok &= moved_only(&st, C(XDP_PASS), C(PASS_PTB_PEER), C(PTB_SEEN),
			 C(MTU_LEARNT));
	tap_check(ok && !mtu_get(&in, 2, &r) && r.mtu == 1350 &&
		  r.source == DSLITE_MTU_SRC_PTB_RELAYED,
		  "mtu: member: a copy relayed by a peer: pass_ptb_peer, learnt (1350, ptb-relayed)");
	/* below 1280 to the anycast address: dropped as before, not learnt */
	len = mtu_ptb_frame(buf, &any, &any, 3, 1200, 1);
	ok = !mtu_run(&in, buf, len, out, &outlen, &st) && st.ret == XDP_DROP;
	ok &= moved_only(&st, C(XDP_DROP), C(DROP_PTB_MTU), C(PTB_SEEN), 0);
	tap_check(ok && mtu_get(&in, 3, &r),
		  "mtu: member: a PTB below 1280: drop_ptb_mtu, not learnt");
	inst_close(&in);
}

/* ---------------------------------------------------------------------
 * The steady answer (answer.h, bfd_steady()): the control packet that
 * changes nothing in its session, answered on a short path. Two
 * responders get the same packets: A with the steady answer (its
 * answers counted, dslite_test_steady 1), B without (2: the general path
 * answers every packet). Both hold the same session in the same slot
 * (A's is copied to B after the first packet), so after every packet
 * the verdict, the frame, every counter, the events and the session
 * (its time stamps aside) must be the same in both, and A must have
 * taken the short path exactly for the packets that change nothing.
 * The packets interleave steady ones with every kind of change: a Poll
 * and a Final either way, the B4's diag, Detect Mult, timers, Demand
 * and C bits, a busy session, each failed check, the layouts the short
 * path leaves to the general one, the sweeper's timeout, and a re-load
 * with other timers.
 */
struct steady_step {
	const char *desc;
	struct bfd_fields bfd;
	void (*make)(struct frame *f);
	void (*mangle)(uint8_t *buf, struct layout *l);
	int verdict;
	int steady;		/* answered by the steady path in A */
};

#define SU(fl)	{ .state = BFD_STATE_UP, .flags = (fl), .your = YOUR_SESSION, \
		  .tx = 10 * MS, .rx = 10 * MS }
#define SUX(fl, ...)	{ .state = BFD_STATE_UP, .flags = (fl), \
			  .your = YOUR_SESSION, __VA_ARGS__ }
/* Up after the B4 moved to a Desired Min TX of 20 ms */
#define ST(fl)	SUX(fl, .tx = 20 * MS, .rx = 10 * MS)

#define STEADY_COUNT	1	/* dslite_test_steady (answer.h) */
#define STEADY_OFF	2

static void ipv4_id_7(struct frame *f) { f->id = 7; }
static void ipv4_id_8(struct frame *f) { f->id = 8; }
static void sport_other(struct frame *f) { f->sport = 50000; }

/* the session of B4 1 in in, its time stamps and the event window (which
 * follow the clock) cleared, and its deadline */
static int steady_session(struct inst *in, struct dslite_aftr_session *v,
			  uint32_t *dl)
{
	if (session_get(in, 1, v))
		return -1;
	*dl = deadline_get(in, v->bfd.local_discr & slot_mask(in));
	v->bfd.last_rx_ns = !!v->bfd.last_rx_ns;
	v->last_seen_ns = !!v->last_seen_ns;
	v->changed_ns = !!v->changed_ns;
	v->flags &= 0xff;
	return 0;
}

/* one packet to A and B; 1 when both did the same and A took the path
 * the step says */
static int steady_run(struct inst *a, struct inst *b, const struct steady_step *st)
{
	struct row r = { .kind = K_BFD, .b4 = 1, .bfd = st->bfd, .make = st->make };
	uint64_t a0[DSLITE_CNT__MAX], a1[DSLITE_CNT__MAX], b0[DSLITE_CNT__MAX],
		 b1[DSLITE_CNT__MAX];
	uint8_t buf[FRAME_MAX], oa[FRAME_MAX], ob[FRAME_MAX];
	struct dslite_aftr_session va, vb;
	uint32_t la = 0, lb = 0, ra = 0, rb = 0, da = 0, db = 0;
	uint64_t sa = a->skel->bss->steady_answers;
	uint64_t sb = b->skel->bss->steady_answers;
	char why[512] = "";
	int i, ok = 1, wpos = 0, na, nb;
	uint32_t slack;
	double t0;
	struct frame f;
	struct layout l;

#define SWHY(...) (wpos += snprintf(why + wpos, sizeof(why) - wpos, __VA_ARGS__))
	row_frame(&r, a, &f);
	l = frame_build(&f, buf);
	if (st->mangle)
		st->mangle(buf, &l);
	counters(a, a0);
	counters(b, b0);
	a->nev = b->nev = 0;
	t0 = mono_s();
	if (run(bpf_program__fd(a->skel->progs.dslite_aftr), buf, l.len, oa, &la, &ra) ||
	    run(bpf_program__fd(b->skel->progs.dslite_aftr), buf, l.len, ob, &lb, &rb)) {
		tap_result(0, "steady: %s", st->desc);
		tap_diag("  test run failed: %s", strerror(errno));
		return 0;
	}
	/* B ran this long after A: its deadline may be that much later */
	slack = (uint32_t)((mono_s() - t0) * 1e9 / (1ULL << DSLITE_DL_SHIFT)) + 2;
	counters(a, a1);
	counters(b, b1);
	ring_buffer__consume(a->rb);
	ring_buffer__consume(b->rb);
	if (ra != (uint32_t)st->verdict || rb != ra) {
		ok = 0;
		SWHY(" verdict %u and %u, want %d;", ra, rb, st->verdict);
	}
	if (la != lb || memcmp(oa, ob, la)) {
		ok = 0;
		SWHY(" the frames differ;");
	}
	for (i = 0; i < DSLITE_CNT__MAX; i++)
		if (a1[i] - a0[i] != b1[i] - b0[i]) {
			ok = 0;
			SWHY(" counter %s moved by %llu and %llu;",
			     dslite_aftr_counter_names[i],
			     (unsigned long long)(a1[i] - a0[i]),
			     (unsigned long long)(b1[i] - b0[i]));
		}
	na = a->nev;
	nb = b->nev;
	if (na != nb || (na && (a->ev[0].type != b->ev[0].type ||
				a->ev[0].new_state != b->ev[0].new_state))) {
		ok = 0;
		SWHY(" events %d and %d;", na, nb);
	}
	if (steady_session(a, &va, &da) || steady_session(b, &vb, &db)) {
		ok = 0;
		SWHY(" no session;");
	} else {
		if (memcmp(&va, &vb, sizeof(va))) {
			ok = 0;
			SWHY(" the sessions differ (state %d/%d flags %x/%x tx %u/%u rx_packets %u/%u);",
			     va.bfd.state, vb.bfd.state, va.bfd.flags, vb.bfd.flags,
			     va.bfd.tx, vb.bfd.tx, va.rx_packets, vb.rx_packets);
		}
		/* deadlines from two clock readings: B's no earlier */
		if (!da || !db || da > db || db - da > slack) {
			ok = 0;
			SWHY(" deadlines %u and %u;", da, db);
		}
	}
	if (a->skel->bss->steady_answers - sa != (uint64_t)st->steady ||
	    b->skel->bss->steady_answers != sb) {
		ok = 0;
		SWHY(" steady answers %llu (want %d) and %llu;",
		     (unsigned long long)(a->skel->bss->steady_answers - sa),
		     st->steady,
		     (unsigned long long)(b->skel->bss->steady_answers - sb));
	}
	tap_result(ok, "steady: %s", st->desc);
	if (!ok)
		tap_diag(" %s", why);
#undef SWHY
	return ok;
}

/* B's session of B4 1 made A's (slot, discriminator, deadline) */
static int steady_copy(struct inst *a, struct inst *b)
{
	struct dslite_aftr_session v;
	struct in6_addr k = b4_addr(1);
	uint32_t low;

	if (session_get(a, 1, &v))
		return -1;
	low = v.bfd.local_discr & slot_mask(a);
	if (session_slot(b, 1) != low ||
	    bpf_map_update_elem(bpf_map__fd(b->skel->maps.dslite_sessions), &low,
				&v, BPF_EXIST) ||
	    bpf_map_update_elem(bpf_map__fd(b->skel->maps.dslite_discrs), &k,
				&v.bfd.local_discr, BPF_EXIST))
		return -1;
	deadline_set(b, low, deadline_get(a, low));
	return 0;
}

/* the try-lock of B4 1's session in in taken (1) or released (0) */
static void steady_busy(struct inst *in, uint32_t busy)
{
	int fd = bpf_map__fd(in->skel->maps.dslite_sessions);
	uint32_t low = session_slot(in, 1);
	struct dslite_aftr_session v;

	if (low && !bpf_map_lookup_elem(fd, &low, &v)) {
		v.busy = busy;
		bpf_map_update_elem(fd, &low, &v, BPF_EXIST);
	}
}

static int session_down(struct inst *in, int b4)
{
	struct dslite_aftr_session v;

	return !session_get(in, b4, &v) && v.bfd.state == BFD_STATE_DOWN;
}

static const struct steady_step steady_steps[] = {
	{ "Init -> Up (general)", { .state = S(INIT), .your = YOUR_SESSION,
	  .tx = 10 * MS, .rx = 10 * MS }, .verdict = TX },
	{ "the B4 Up: its state changes (general; the AFTR polls)", SU(0),
	  .verdict = TX },
	{ "the same packet again: steady, answered with P", SU(0),
	  .verdict = TX, .steady = 1 },
	{ "and again", SU(0), .verdict = TX, .steady = 1 },
	{ "a Final ends the AFTR's Poll (general)", SU(F), .verdict = TX },
	{ "steady, no flags", SU(0), .verdict = TX, .steady = 1 },
	{ "steady, another IPv4 identification", SU(0), .make = ipv4_id_7,
	  .verdict = TX, .steady = 1 },
	{ "steady, and another", SU(0), .make = ipv4_id_8, .verdict = TX,
	  .steady = 1 },
	{ "steady with the C bit (not looked at)", SU(BFD_FLAG_CPI),
	  .verdict = TX, .steady = 1 },
	{ "the B4 polls (general: Final)", SU(P), .verdict = TX },
	{ "steady after the B4's Poll", SU(0), .verdict = TX, .steady = 1 },
	{ "a Poll once more (general)", SU(P), .verdict = TX },
	{ "a Final without a Poll running (general)", SU(F), .verdict = TX },
	{ "steady", SU(0), .verdict = TX, .steady = 1 },
	{ "the B4's diag changes (general)", SUX(0, .diag = 1, .tx = 10 * MS,
	  .rx = 10 * MS), .verdict = TX },
	{ "steady with that diag", SUX(0, .diag = 1, .tx = 10 * MS,
	  .rx = 10 * MS), .verdict = TX,
	  .steady = 1 },
	{ "Detect Mult 5 (general)", SUX(0, .mult = 5, .tx = 10 * MS,
	  .rx = 10 * MS), .verdict = TX },
	{ "steady with Detect Mult 5", SUX(0, .mult = 5, .tx = 10 * MS,
	  .rx = 10 * MS), .verdict = TX,
	  .steady = 1 },
	{ "the B4's Desired Min TX 20 ms (general: the AFTR polls)",
	  ST(0), .verdict = TX },
	{ "steady, answered with P", ST(0), .verdict = TX,
	  .steady = 1 },
	{ "Final (general)", ST(F), .verdict = TX },
	{ "the B4's Required Min RX 5 ms (general)",
	  SUX(0, .tx = 20 * MS, .rx = 5 * MS), .verdict = TX },
	{ "steady with it", SUX(0, .tx = 20 * MS, .rx = 5 * MS), .verdict = TX,
	  .steady = 1 },
	{ "Demand bit (general)", ST(BFD_FLAG_DEMAND),
	  .verdict = TX },
	{ "steady with the Demand bit", ST(BFD_FLAG_DEMAND),
	  .verdict = TX, .steady = 1 },
	{ "without it again (general)", ST(0), .verdict = TX },
	{ "steady", ST(0), .verdict = TX, .steady = 1 },
	{ "another source port (general checks, same answer)",
	  ST(0), .make = sport_other, .verdict = TX,
	  .steady = 1 },
	{ "no UDP checksum: steady, the answer's computed", ST(0),
	  .make = udp_csum0, .verdict = TX, .steady = 1 },
	{ "UDP checksum wrong: dropped (general)", ST(0),
	  .mangle = udp_csum_bad, .verdict = DROP },
	{ "IPv4 checksum wrong: dropped (general)", ST(0),
	  .mangle = ipv4_csum_bad, .verdict = DROP },
	{ "TTL 254: dropped (general)", ST(0), .make = ttl254,
	  .verdict = DROP },
	{ "source port 49151: dropped (general)", ST(0),
	  .make = sport_49151, .verdict = DROP },
	{ "inner source outside the softwire: dropped (general)",
	  ST(0), .make = src4_outside, .verdict = DROP },
	{ "a wrong Your Discriminator: dropped (general)",
	  ST(0), .make = bfd_your_wrong, .verdict = DROP },
	{ "version 0: dropped (general)", ST(0),
	  .make = bfd_version0, .verdict = DROP },
	{ "Length 30 beyond the payload: dropped (general)",
	  ST(0), .make = bfd_len30, .verdict = DROP },
	{ "UDP length longer than the packet: dropped (general)",
	  ST(0), .mangle = udp_len_long, .verdict = DROP },
	{ "padded to 33 bytes (general: RFC 9764)", ST(0),
	  .make = bfd_pad33, .verdict = TX },
	{ "a VLAN tag (general)", ST(0), .make = vlan1,
	  .verdict = TX },
	{ "IPv6 extension headers (general)", ST(0),
	  .make = ext_hbh_dst, .verdict = TX },
	{ "IPv4 options (general)", ST(0), .make = ipv4_opts,
	  .verdict = TX },
	{ "steady once more", ST(0), .verdict = TX, .steady = 1 },
	{ "the B4 signals Down: Up -> Down (general)",
	  { .state = S(DOWN), .your = YOUR_SESSION, .tx = 20 * MS, .rx = 10 * MS },
	  .verdict = TX },
	{ "the same Down again: Down -> Init (general)",
	  { .state = S(DOWN), .your = YOUR_SESSION, .tx = 20 * MS, .rx = 10 * MS },
	  .verdict = TX },
	{ "Up: Init -> Up (general)", ST(0), .verdict = TX },
	{ "Final: the AFTR's Poll ends (general)", ST(F),
	  .verdict = TX },
	{ "steady", ST(0), .verdict = TX, .steady = 1 },
};

static const struct steady_step steady_busy_step = {
	"a busy session: dropped (drop_busy) by both", ST(0),
	.verdict = DROP
};
static const struct steady_step steady_after_busy = {
	"released: steady again", ST(0), .verdict = TX,
	.steady = 1
};
static const struct steady_step steady_reloaded[] = {
	{ "re-loaded with 50 ms: the configured timers change (general: P)",
	  ST(0), .verdict = TX },
	{ "steady with the new timers, answered with P", ST(0),
	  .verdict = TX, .steady = 1 },
	{ "Final (general)", ST(F), .verdict = TX },
	{ "steady", ST(0), .verdict = TX, .steady = 1 },
};
static const struct steady_step steady_timed_out = {
	"after the sweeper's timeout: the same packet (general: Down, diag 1)",
	ST(0), .verdict = TX
};

static void test_steady(void)
{
	struct inst_cfg c = { .tx = 10 * MS, .rx = 10 * MS, .echo = 50 * MS,
			      .rate = 0, .burst = 1, .allowlist = 1, .sweep_ms = 20,
			      .down_idle = 60000, .emb_idle = 60000 };
	struct inst a, b, a2, b2;
	uint32_t ra = 0, rb = 0;
	unsigned int i;
	int ok;

	c.steady_test = STEADY_COUNT;
	if (inst_open(&a, &c)) {
		tap_result(0, "steady: load A");
		return;
	}
	c.steady_test = STEADY_OFF;
	if (inst_open(&b, &c)) {
		inst_close(&a);
		tap_result(0, "steady: load B");
		return;
	}
	send_bfd(&a, 1, (struct bfd_fields){ .state = S(DOWN), .tx = 10 * MS,
		 .rx = 10 * MS }, &ra, NULL, NULL);
	send_bfd(&b, 1, (struct bfd_fields){ .state = S(DOWN), .tx = 10 * MS,
		 .rx = 10 * MS }, &rb, NULL, NULL);
	ok = ra == XDP_TX && rb == XDP_TX && !steady_copy(&a, &b);
	tap_result(ok, "steady: a new session in A and B, the same in both");
	if (!ok) {
		inst_close(&a);
		inst_close(&b);
		return;
	}
	for (i = 0; i < sizeof(steady_steps) / sizeof(steady_steps[0]); i++)
		steady_run(&a, &b, &steady_steps[i]);
	steady_busy(&a, 1);
	steady_busy(&b, 1);
	steady_run(&a, &b, &steady_busy_step);
	steady_busy(&a, 0);
	steady_busy(&b, 0);
	steady_run(&a, &b, &steady_after_busy);

	/* a re-load of each with other timers, keeping the sessions */
	c.tx = c.rx = 50 * MS;
	c.steady_test = STEADY_COUNT;
	c.reuse = &a;
	ok = !inst_open(&a2, &c);
	c.steady_test = STEADY_OFF;
	c.reuse = &b;
	if (ok && inst_open(&b2, &c)) {
		inst_close(&a2);
		ok = 0;
	}
	inst_close(&a);
	inst_close(&b);
	tap_result(ok, "steady: A and B re-loaded with 50 ms");
	if (!ok)
		return;
	for (i = 0; i < sizeof(steady_reloaded) / sizeof(steady_reloaded[0]); i++)
		steady_run(&a2, &b2, &steady_reloaded[i]);

	/* the sweepers: a detection time of 3 x 50 ms */
	ok = arm(&a2) == XDP_PASS && arm(&b2) == XDP_PASS &&
	     wait_for(&a2, session_down, 1, 10) && wait_for(&b2, session_down, 1, 10);
	tap_result(ok, "steady: both sweepers time the session out");
	if (ok)
		steady_run(&a2, &b2, &steady_timed_out);
	inst_close(&a2);
	inst_close(&b2);
}

int main(void)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 10000, .burst = 100, .allowlist = 1 };
	struct inst in;
	unsigned int i;
	int err, bad = 0;

	tap_start();
	/* DSLITE_TEST_VERBOSE=1: libbpf messages (verifier log) on stderr */
	if (!getenv("DSLITE_TEST_VERBOSE"))
		libbpf_set_print(NULL);
	if (getuid() != 0)
		tap_skip_all("needs root (BPF_PROG_TEST_RUN)");
	err = inst_open(&in, &c);
	if (err) {
		tap_result(0, "load dslite_aftr (%s)", strerror(-err));
		return tap_done();
	}
	tap_result(1, "load dslite_aftr and dslite_aftr_arm (verifier passed)");
	for (i = 0; i < DSLITE_CNT__MAX; i++)
		bad += !dslite_aftr_counter_names[i] || !*dslite_aftr_counter_names[i];
	tap_eq(bad, 0, "every counter has a name");

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&in, &rows[i]);

	test_busy(&in);
	test_reload(&in);
	inst_close(&in);
	test_table_full();
	test_rate_limit();
	test_sweeper();
	test_reap_rfc9468();
	test_deadlines();
	test_clock();
	test_pinning();
	test_slot_search();
	test_event_flood();
	test_mtu();
	test_steady();

	c.allowlist = 0;
	err = inst_open(&in, &c);
	if (err) {
		tap_result(0, "load dslite_aftr without an allowlist (%s)", strerror(-err));
		return tap_done();
	}
	for (i = 0; i < sizeof(noallow_rows) / sizeof(noallow_rows[0]); i++)
		run_row(&in, &noallow_rows[i]);
	inst_close(&in);
	c.allowlist = 1;

	/* the PTB relay flags packets in the XDP metadata area: a kernel that
	 * refuses bpf_xdp_adjust_meta() to XDP cannot run a relaying member
	 * (the VM's Debian kernel runs these rows: kernel/bpf_fixtures.sh) */
	if (!dslite_probe_xdp_adjust_meta()) {
		tap_skip("this kernel refuses bpf_xdp_adjust_meta() to XDP programs",
			 "the anycast group member's rows");
		return tap_done();
	}
	c.anycast = 1;
	err = inst_open(&in, &c);
	if (err) {
		tap_result(0, "load dslite_aftr as an anycast group member (%s)",
			   strerror(-err));
		return tap_done();
	}
	tap_result(1, "load dslite_aftr as an anycast group member (verifier passed)");
	for (i = 0; i < sizeof(anycast_rows) / sizeof(anycast_rows[0]); i++)
		run_row(&in, &anycast_rows[i]);
	test_relay_unflagged(&in);
	inst_close(&in);
	test_owner_idle();
	test_mtu_anycast();
	return tap_done();
}
