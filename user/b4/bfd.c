// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: one BFD session of the initiator. The state machine,
 * packet checks and packet building are <dslite/bfd.h> (shared with the
 * AFTR's XDP responder); this file adds what an active sender needs on
 * top of it (RFC 5880 6.8.7):
 *
 *   - the intervals while not Up: Desired Min TX exactly 1 s (bfd.h
 *     keeps a slower configured value, so a session at 10 s or 30 s
 *     would take minutes to come up) and Required Min RX at most 1 s
 *     (the AFTR may answer as fast); the configured values once Up, by a
 *     Poll Sequence;
 *   - the transmit schedule: every bfd_tx_interval_us() (at least 1 s
 *     while not Up, the larger of our Desired Min TX and the remote's
 *     Required Min RX, an increase only after its Poll Sequence), reduced
 *     by the jitter of bfd_jitter_us() (75-100 %, 75-90 % with a
 *     multiplier of 1), recomputed from the last transmission whenever
 *     that interval changes;
 *   - an immediate packet with F when a Poll was received;
 *   - a second Poll Sequence when the timers change again while one is
 *     running, so that every change is acknowledged by a Final;
 *   - the detection deadline for the event loop's timer;
 *   - a short burst of AdminDown packets on a clean stop.
 *
 * It is also the BFD health method (b4_bfd_ops, health.c's table): a
 * session's change is recorded as the candidate's BFD verdict and, when
 * BFD alone is its health, as the change the failover will see.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dslitectl.h"
#include "b4.h"

/* AdminDown packets sent on a clean stop, and their spacing cap. */
#define ADMIN_DOWN_PACKETS	3
#define ADMIN_DOWN_GAP_NS	(100 * 1000 * 1000ULL)

static uint64_t jittered_ns(const struct b4_session *s, uint32_t interval_us)
{
	return (uint64_t)bfd_jitter_us(interval_us, s->bfd.detect_mult,
				       b4_random()) * 1000;
}

/*
 * reschedule: the periodic interval may have changed (received timers,
 * our own change, the end of a Poll Sequence, a state change). The next
 * packet is due one jittered interval after the last one sent.
 */
static void reschedule(struct b4_session *s, uint64_t now)
{
	uint32_t interval;

	if (s->admin_down_left)
		return;
	interval = bfd_tx_interval_us(&s->bfd);
	if (interval == s->tx_interval && (s->next_tx_ns || !interval))
		return;
	s->tx_interval = interval;
	if (!interval) {
		s->next_tx_ns = 0;
		return;
	}
	s->next_tx_ns = (s->last_tx_ns ? s->last_tx_ns : now) +
			jittered_ns(s, interval);
	if (s->next_tx_ns < now)
		s->next_tx_ns = now;
}

static void note_change(struct b4_session *s, uint8_t old, uint64_t now,
			struct b4_change *c)
{
	c->old_state = old;
	c->new_state = s->bfd.state;
	c->changed = old != s->bfd.state;
	if (c->changed) {
		s->changed_ns = now;
		s->changed_rt_ms = realtime_ms();
	}
}

/*
 * apply: give bfd.h the intervals for the current state (1 s while not
 * Up, see above). A change while Up starts a Poll Sequence there; one
 * during a running Poll is polled again once it ends.
 */
static void apply(struct b4_session *s)
{
	struct bfd_session *b = &s->bfd;
	uint32_t tx = s->want_tx, rx = s->want_rx;
	uint32_t old_tx = b->tx, old_rx = b->rx;
	bool polling = b->flags & BFD_SF_POLL;

	if (b->state != BFD_STATE_UP) {
		tx = BFD_SLOW_TX_US;
		rx = bfd_min32(rx, BFD_SLOW_TX_US);
	}
	if (tx == b->cfg_tx && rx == b->cfg_rx && s->want_mult == b->detect_mult)
		return;
	bfd_set_timers(b, tx, rx, 0, s->want_mult);
	if (polling && (b->tx != old_tx || b->rx != old_rx))
		s->repoll = true;
}

void b4_session_init(struct b4_session *s, uint32_t discr, uint32_t tx_us,
		     uint32_t rx_us, uint8_t mult, uint64_t now)
{
	s->want_tx = tx_us;
	s->want_rx = rx_us;
	s->want_mult = mult;
	bfd_session_init(&s->bfd, discr, BFD_SLOW_TX_US,
			 bfd_min32(rx_us, BFD_SLOW_TX_US), 0, mult, 0);
	s->repoll = false;
	s->tx_interval = bfd_tx_interval_us(&s->bfd);
	s->last_tx_ns = 0;
	/* the first packet right away, the next on the schedule */
	s->next_tx_ns = now;
	s->changed_ns = now;
	s->changed_rt_ms = realtime_ms();
	s->tx_packets = s->rx_packets = s->rx_dropped = 0;
	s->tx_errors = 0;
	s->rx_short = 0;
	s->last_tx_errno = 0;
	s->last_rx_ns = 0;
	s->admin_down_left = 0;
	s->grace_ns = s->grace_rx_ns = s->late_ms = s->stalls = 0;
}

void b4_session_set_timers(struct b4_session *s, uint32_t tx_us,
			   uint32_t rx_us, uint8_t mult, uint64_t now)
{
	s->want_tx = tx_us;
	s->want_rx = rx_us;
	s->want_mult = mult;
	apply(s);
	reschedule(s, now);
}

void b4_session_rx(struct b4_session *s, const struct bfd_ctrl *p,
		   uint64_t now, struct b4_change *c)
{
	struct bfd_session *b = &s->bfd;
	uint8_t old = b->state;
	int r;

	memset(c, 0, sizeof(*c));
	r = bfd_rx(b, p, now);
	if (r == BFD_RX_BAD_YOUR_DISCR || r == BFD_RX_ZERO_DISCR_UP) {
		s->rx_dropped++;
		return;
	}
	s->rx_packets++;
	s->last_rx_ns = now;
	if (b->state != old)
		apply(s);
	if (s->repoll && !(b->flags & BFD_SF_POLL)) {
		s->repoll = false;
		if (b->state == BFD_STATE_UP)
			bfd_start_poll(b);
	}
	note_change(s, old, now, c);
	c->send_now = bfd_final_pending(b) && !s->admin_down_left;
	reschedule(s, now);
}

/*
 * The daemon's own stall: the detection time found expired while our own
 * packet is overdue by more than half a transmission interval means that
 * the process did not run (a starved CPU, a stopped or migrated VM), and
 * an AFTR that only answers (dslite's XDP responder) could not answer
 * what was never sent. The packets that did arrive meanwhile were read
 * before the timers (daemon.c, dispatch()). Once per silence the session
 * gets one more transmission interval: the overdue packet leaves in this
 * turn, and if nothing is heard by then the session goes down as it would
 * have. A loop that runs on time never takes this path: its packet is
 * never that late.
 */
static bool stalled(struct b4_session *s, uint64_t now)
{
	uint64_t half = (uint64_t)s->tx_interval * 500;

	if (!s->next_tx_ns || now <= s->next_tx_ns + half ||
	    s->grace_rx_ns == s->bfd.last_rx_ns)
		return false;
	s->grace_rx_ns = s->bfd.last_rx_ns;
	s->grace_ns = now + (uint64_t)s->tx_interval * 1000;
	s->late_ms = (now - s->next_tx_ns) / 1000000;
	s->stalls++;
	return true;
}

static bool in_grace(const struct b4_session *s)
{
	return s->grace_ns && s->grace_rx_ns == s->bfd.last_rx_ns;
}

void b4_session_timer(struct b4_session *s, uint64_t now, struct b4_change *c)
{
	uint8_t old = s->bfd.state;

	memset(c, 0, sizeof(*c));
	if (!bfd_detect_expired(&s->bfd, now))
		return;
	if (in_grace(s) && now < s->grace_ns)
		return;
	if (stalled(s, now))
		return;
	bfd_timeout(&s->bfd);
	s->repoll = false;
	apply(s);
	note_change(s, old, now, c);
	reschedule(s, now);
}

bool b4_session_tx_due(const struct b4_session *s, uint64_t now)
{
	return s->next_tx_ns && now >= s->next_tx_ns;
}

void b4_session_build(struct b4_session *s, struct bfd_ctrl *out,
		      uint64_t now)
{
	uint64_t gap;

	bfd_build(&s->bfd, out);
	s->last_tx_ns = now;
	s->tx_packets++;
	if (s->admin_down_left) {
		s->admin_down_left--;
		gap = (uint64_t)s->tx_interval * 1000;
		if (!gap || gap > ADMIN_DOWN_GAP_NS)
			gap = ADMIN_DOWN_GAP_NS;
		s->next_tx_ns = s->admin_down_left ? now + gap : 0;
		return;
	}
	s->tx_interval = bfd_tx_interval_us(&s->bfd);
	s->next_tx_ns = s->tx_interval ?
			now + jittered_ns(s, s->tx_interval) : 0;
}

uint64_t b4_session_detect_deadline(const struct b4_session *s)
{
	uint64_t dt = bfd_detect_time_us(&s->bfd) * 1000;

	if (!s->bfd.last_rx_ns || !dt || s->admin_down_left ||
	    s->bfd.state == BFD_STATE_ADMIN_DOWN)
		return 0;
	/* bfd_detect_expired() wants strictly more than dt */
	if (in_grace(s) && s->grace_ns > s->bfd.last_rx_ns + dt)
		return s->grace_ns;
	return s->bfd.last_rx_ns + dt + 1;
}

uint64_t b4_session_deadline(const struct b4_session *s)
{
	uint64_t t = s->next_tx_ns, d = b4_session_detect_deadline(s);

	if (!t || (d && d < t))
		t = d;
	return t;
}

void b4_session_admin_down(struct b4_session *s, uint64_t now)
{
	bfd_set_admin_down(&s->bfd, BFD_DIAG_ADMIN_DOWN);
	s->repoll = false;
	s->admin_down_left = ADMIN_DOWN_PACKETS;
	s->next_tx_ns = now;
	s->changed_ns = now;
	s->changed_rt_ms = realtime_ms();
}

uint32_t b4_session_new_discr(const struct b4_daemon *d)
{
	uint32_t v;
	int i;

again:
	v = b4_random();
	if (!v)
		goto again;
	for (i = 0; i < d->n_cand; i++)
		if (d->cand[i].s.bfd.local_discr == v)
			goto again;
	return v;
}

/* ------------------------------------------------------------------ */
/* The BFD health method. */

void b4_bfd_log(struct b4_daemon *d, int i, uint8_t old_state,
		uint8_t new_state)
{
	const struct b4_cand *c = &d->cand[i];
	char a[INET6_ADDRSTRLEN];
	uint64_t now = mono_ns();

	b4_log(d, "aftr %s (%s): %s -> %s, diag %s, remote diag %s, last packet %llu ms ago",
	       b4_addr_str(&c->addr, a), i == d->active ? "active" : "standby",
	       bfd_state_name(old_state), bfd_state_name(new_state),
	       bfd_diag_short(c->s.bfd.diag), bfd_diag_short(c->s.bfd.remote_diag),
	       (unsigned long long)(c->s.last_rx_ns ?
				    (now - c->s.last_rx_ns) / 1000000 : 0));
}

/*
 * BFD alone decides candidate i: a change to or from Up waits for the
 * evaluation, which makes it the failover's event (and logs it after the
 * carrier went down, when it has to); any other change is only logged,
 * in its order among the pending one's.
 */
static void pend(struct b4_daemon *d, int i, const struct b4_change *ch)
{
	struct b4_bfd_pending *p = &d->cand[i].bfd_pending;
	bool health = ch->old_state == BFD_STATE_UP ||
		      ch->new_state == BFD_STATE_UP;

	if (!p->valid && !health) {
		b4_bfd_log(d, i, ch->old_state, ch->new_state);
		return;
	}
	if (p->valid && !p->logged)
		b4_bfd_log(d, i, p->old_state, p->new_state);
	if (!p->valid) {
		p->valid = true;
		p->first_old = ch->old_state;
	}
	p->old_state = ch->old_state;
	p->new_state = ch->new_state;
	p->logged = !health;
	if (p->logged)
		b4_bfd_log(d, i, p->old_state, p->new_state);
}

void b4_bfd_changed(struct b4_daemon *d, int i, const struct b4_change *ch)
{
	struct b4_cand *c = &d->cand[i];
	char a[INET6_ADDRSTRLEN];

	b4_verdict_set(d, i, B4_METHOD_BFD, ch->new_state == BFD_STATE_UP);
	if (c->health.methods == B4_M_BFD) {
		pend(d, i, ch);
		return;
	}
	b4_log(d, "aftr %s (%s): bfd %s -> %s, diag %s",
	       b4_addr_str(&c->addr, a), i == d->active ? "active" : "standby",
	       bfd_state_name(ch->old_state), bfd_state_name(ch->new_state),
	       bfd_diag_short(c->s.bfd.diag));
}

static int bfd_open(struct b4_daemon *d, struct b4_cand *c, char *e,
		    size_t elen)
{
	uint32_t us = b4_standby_ms(&d->cfg) * 1000;

	if (b4_net_open_session(&c->s, e, elen))
		return -1;
	b4_session_init(&c->s, b4_session_new_discr(d), us, us,
			d->cfg.multiplier, mono_ns());
	c->s.pad = d->cfg.pad;
	if (b4_watch_add(d, &c->w[B4_METHOD_BFD], c->s.fd, b4_net_session_cb)) {
		snprintf(e, elen, "epoll: %s", strerror(errno));
		close(c->s.fd);
		c->s.fd = -1;
		return -1;
	}
	return 0;
}

static void bfd_close(struct b4_daemon *d, struct b4_cand *c)
{
	b4_watch_del(d, &c->w[B4_METHOD_BFD]);
	if (c->s.fd >= 0)
		close(c->s.fd);
	c->s.fd = -1;
}

/* every candidate's session, BFD or not ("b4 status" shows its timers):
 * the active one inside the tunnel at interval, the others at
 * standby-interval */
static void bfd_path(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	uint32_t ms;

	if (i == d->active && c->path == B4_PATH_TUNNEL)
		ms = d->cfg.interval_ms;
	else
		ms = b4_standby_ms(&d->cfg);
	b4_session_set_timers(&c->s, ms * 1000, ms * 1000, d->cfg.multiplier,
			      mono_ns());
}

/* stop: AdminDown (a gone tunnel's candidates are paused: nothing to end) */
static void bfd_stop(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];

	if (!(c->health.methods & B4_M_BFD) || d->tun[c->tun].gone)
		return;
	b4_session_admin_down(&c->s, mono_ns());
	c->v[B4_METHOD_BFD].ok = false;	/* as the session says, no event */
}

static uint64_t bfd_deadline(const struct b4_daemon *d)
{
	uint64_t t = 0, x;
	int i;

	for (i = 0; i < d->n_cand; i++) {
		x = (d->cand[i].health.methods & B4_M_BFD) ?
		    b4_session_deadline(&d->cand[i].s) : 0;
		if (x && (!t || x < t))
			t = x;
	}
	return t;
}

static void bfd_timer(struct b4_daemon *d, uint64_t now)
{
	struct b4_change ch;
	int i;

	for (i = 0; i < d->n_cand; i++) {
		struct b4_session *s = &d->cand[i].s;
		uint64_t stalls = s->stalls;
		char a[INET6_ADDRSTRLEN];

		b4_session_timer(s, now, &ch);
		if (s->stalls != stalls)
			b4_log(d, "aftr %s: detection time expired while our own packet was %llu ms overdue (the daemon did not run): one more interval",
			       b4_addr_str(&d->cand[i].addr, a),
			       (unsigned long long)s->late_ms);
		if (ch.changed)
			b4_bfd_changed(d, i, &ch);
	}
}

static void bfd_tx(struct b4_daemon *d, uint64_t now)
{
	int i;

	for (i = 0; i < d->n_cand; i++)
		if ((d->cand[i].health.methods & B4_M_BFD) &&
		    b4_session_tx_due(&d->cand[i].s, now))
			b4_net_send(d, &d->cand[i]);
}

/*
 * The session's state; padded (RFC 9764) and not Up, what the padding
 * says about the path: sends refused as larger than the tunnel's MTU
 * (EMSGSIZE), or no answer of the padded size heard.
 */
void b4_bfd_reason(const struct b4_cand *c, char *buf, size_t size)
{
	const struct b4_session *s = &c->s;

	if (!s->pad || s->bfd.state == BFD_STATE_UP)
		snprintf(buf, size, "session %s", bfd_state_name(s->bfd.state));
	else if (s->last_tx_errno == EMSGSIZE)
		snprintf(buf, size, "session %s, padded to %u bytes: path MTU too small (sends fail: %s)",
			 bfd_state_name(s->bfd.state), s->pad,
			 strerror(s->last_tx_errno));
	else
		snprintf(buf, size, "session %s, padded to %u bytes: no answer of that size (path MTU too small?)",
			 bfd_state_name(s->bfd.state), s->pad);
}

static uint64_t bfd_last_rx(const struct b4_cand *c)
{
	return c->s.last_rx_ns;
}

const struct b4_health_ops b4_bfd_ops = {
	.name		= "bfd",
	.diag		= 0,
	.open		= bfd_open,
	.close		= bfd_close,
	.path		= bfd_path,
	.stop		= bfd_stop,
	.deadline	= bfd_deadline,
	.timer		= bfd_timer,
	.tx		= bfd_tx,
	.reason		= b4_bfd_reason,
	.last_rx	= bfd_last_rx,
};
