// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the ping health method. Every ping-interval one ICMP echo
 * to 192.0.0.1 per candidate: inside the tunnel for the active AFTR,
 * encapsulated directly over IPv6 for the standbys (the sockets and the
 * packet are ping.h's, shared with "dslitectl ping").
 *
 * An echo counts as answered when its reply comes before the next echo
 * is due (so the timeout is ping-interval); at that moment an unanswered
 * one counts as lost, and so does an echo that could not be sent. The
 * last M results make the window of "ping-loss N/M": the candidate is
 * healthy by ping when the window holds at least one answer and fewer
 * than N losses. Every result records that verdict (b4_verdict_set());
 * the daemon's loop evaluates it after the turn (b4/health.c), where a
 * change acts like a BFD session going Up or Down. The socket is a
 * watcher, c->w[B4_METHOD_PING].
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dslitectl.h"
#include "b4.h"
#include "ping.h"

/* packets read from a ping socket per wake-up of the daemon's loop */
#define B4_PING_RX_BURST	32

static uint32_t mask_of(uint8_t m)
{
	return m >= 32 ? 0xffffffffu : (1u << m) - 1;
}

void b4_ping_init(struct b4_ping *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	snprintf(p->reason, sizeof(p->reason), "no reply yet");
}

void b4_ping_close(struct b4_daemon *d, struct b4_cand *c)
{
	struct b4_ping *p = &c->ping;

	b4_watch_del(d, &c->w[B4_METHOD_PING]);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->pending = false;
}

static void ping_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t events)
{
	(void)events;
	b4_ping_input(d, b4_watch_cand(d, w, B4_METHOD_PING));
}

void b4_ping_path(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_ping *p = &c->ping;
	struct b4_tunnel *t = &d->tun[c->tun];
	char e[256], a[INET6_ADDRSTRLEN];
	uint16_t id;

	if (!(c->health.methods & B4_M_PING) || d->stopping)
		return;
	if (p->fd >= 0 && p->fd_path == c->path)
		return;
	b4_ping_close(d, c);
	if (!p->id) {
		do
			id = b4_random();
		while (!id);
		p->id = id;
	}
	if (c->path == B4_PATH_TUNNEL)
		p->fd = ping_open_tunnel(t->link.name, p->id, e, sizeof(e));
	else
		p->fd = ping_open_direct(&t->link.local, p->id, e, sizeof(e));
	if (p->fd < 0) {
		b4_log(d, "aftr %s: ping %s: %s", b4_addr_str(&c->addr, a),
		       c->path == B4_PATH_TUNNEL ? "through the tunnel" :
						   "direct", e);
	} else {
		p->fd_path = c->path;
		b4_watch_add(d, &c->w[B4_METHOD_PING], p->fd, ping_cb);
	}
	if (!p->next_tx_ns)
		p->next_tx_ns = mono_ns();
}

/* one result into the window, then the verdict */
static void record(struct b4_daemon *d, int i, bool lost)
{
	struct b4_ping *p = &d->cand[i].ping;
	uint8_t m = d->cfg.ping_loss_m, n = d->cfg.ping_loss_n;
	uint32_t w;
	int losses, answers;
	bool ok;

	p->window = ((p->window << 1) | lost) & mask_of(m);
	if (p->n_window < m)
		p->n_window++;
	if (p->n_window > m)		/* a reload made the window smaller */
		p->n_window = m;
	w = p->window & mask_of(p->n_window);
	losses = __builtin_popcount(w);
	answers = p->n_window - losses;
	ok = answers > 0 && losses < n;
	if (!answers)
		snprintf(p->reason, sizeof(p->reason),
			 "no reply to the last %d echo%s", p->n_window,
			 p->n_window == 1 ? "" : "es");
	else if (!ok)
		snprintf(p->reason, sizeof(p->reason),
			 "%d of the last %d echoes lost", losses, p->n_window);
	else
		p->reason[0] = '\0';
	b4_verdict_set(d, i, B4_METHOD_PING, ok);
}

void b4_ping_input(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_ping *p = &c->ping;
	struct ping_echo e;
	uint64_t now;
	int ret, burst = 0;

	if (p->fd < 0)
		return;
	/* at most B4_PING_RX_BURST packets a wake-up: a flood of echo
	 * replies (or anything else the socket gets) must not keep the loop
	 * from BFD, PCP and the timers; epoll (level-triggered) comes back
	 * for the rest */
	while (burst++ < B4_PING_RX_BURST &&
	       (ret = ping_recv(p->fd, p->fd_path == B4_PATH_DIRECT ?
				&c->addr : NULL, &e)) >= 0) {
		if (!ret || !p->pending || e.seq != p->seq) {
			p->others++;
			continue;
		}
		now = mono_ns();
		p->pending = false;
		p->received++;
		p->last_rx_ns = now;
		p->last_rtt_ns = now - p->pending_ns;
		record(d, i, false);
	}
}

static void tx(struct b4_daemon *d, int i, uint64_t now)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_ping *p = &c->ping;
	uint64_t ival = (uint64_t)d->cfg.ping_interval_ms * 1000000;
	char e[256];

	p->next_tx_ns += ival;
	if (p->next_tx_ns <= now)
		p->next_tx_ns = now + ival;
	if (p->pending) {
		p->pending = false;
		p->lost++;
		record(d, i, true);
	}
	if (p->fd < 0 || p->fd_path != c->path)
		b4_ping_path(d, i);
	p->seq++;
	if (p->fd < 0 ||
	    ping_send(p->fd, p->fd_path == B4_PATH_TUNNEL ? NULL : &c->addr,
		      p->id, p->seq, now, e, sizeof(e))) {
		p->tx_errors++;
		p->lost++;
		record(d, i, true);
		return;
	}
	p->sent++;
	p->pending = true;
	p->pending_ns = now;
}

static void ping_timer(struct b4_daemon *d, uint64_t now)
{
	int i;

	if (d->stopping)
		return;
	for (i = 0; i < d->n_cand; i++) {
		struct b4_ping *p = &d->cand[i].ping;

		if (!(d->cand[i].health.methods & B4_M_PING))
			continue;
		if (p->next_tx_ns && now >= p->next_tx_ns)
			tx(d, i, now);
	}
}

static uint64_t ping_deadline(const struct b4_daemon *d)
{
	uint64_t t = 0;
	int i;

	if (d->stopping)
		return 0;
	for (i = 0; i < d->n_cand; i++) {
		uint64_t x = d->cand[i].health.methods & B4_M_PING ?
			     d->cand[i].ping.next_tx_ns : 0;

		if (x && (!t || x < t))
			t = x;
	}
	return t;
}

static int ping_open(struct b4_daemon *d, struct b4_cand *c, char *e,
		     size_t elen)
{
	(void)d;
	(void)e;
	(void)elen;
	b4_ping_init(&c->ping);
	return 0;
}

/* stop: no echo after the stop began */
static void ping_stop(struct b4_daemon *d, int i)
{
	b4_ping_close(d, &d->cand[i]);
}

static void ping_reason(const struct b4_cand *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s", c->ping.reason);
}

static uint64_t ping_last_rx(const struct b4_cand *c)
{
	return c->ping.last_rx_ns;
}

const struct b4_health_ops b4_ping_ops = {
	.name		= "ping",
	.diag		= BFD_DIAG_PATH_DOWN,
	.open		= ping_open,
	.close		= b4_ping_close,
	.path		= b4_ping_path,
	.stop		= ping_stop,
	.deadline	= ping_deadline,
	.timer		= ping_timer,
	.reason		= ping_reason,
	.last_rx	= ping_last_rx,
};
