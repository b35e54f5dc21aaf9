// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the mtu health method, RFC 9764 padded BFD as a check of
 * the softwire's path MTU.
 *
 * The BFD session itself stays small: it says whether the AFTR is there.
 * Beside it, every mtu-interval, the method sends one control packet of
 * the same session padded to an inner IPv4 packet of mtu-size bytes
 * (default: the tunnel device's MTU, read again for every probe, so an
 * MTU change or a re-created tunnel is followed) with DF set, on the
 * session's path (through the tunnel for the active AFTR, encapsulated
 * directly for the others); the padding builder is the padded session's
 * (b4/net.c, send_ctrl()). The AFTR's responder answers a padded packet
 * in place at its size (bpf/answer.h). Every valid control packet of
 * the session is looked at (b4/net.c, deliver()): one at least as large
 * as the probes is an answer.
 *
 * Healthy while such an answer came within mtu-multiplier x
 * mtu-interval; unhealthy at first until one came. The reason says what
 * the path does: "path MTU below N" when small answers still come (the
 * large ones are lost: a link with a smaller MTU, a Packet Too Big that
 * never reached its sender), with the send error when the probe cannot
 * even leave (EMSGSIZE: larger than the tunnel). A probe still
 * unanswered when the next is sent, while a smaller answer came after
 * it, counts as short.
 *
 * The probes are control packets of the session: their answers also
 * keep the session Up (RFC 9764 4: a padded packet is a valid control
 * packet). A probe never carries F (a Final belongs to the session's own
 * packet, which must not be lost to the path the probe tests); it
 * carries P while a Poll Sequence runs, as every packet of the session.
 * No probe while the session is not Up: a probe would not tell the MTU
 * from the AFTR's absence, and BFD already fails the candidate.
 */
#include <errno.h>
#include <string.h>

#include "dslitectl.h"
#include "b4.h"

/* ------------------------------------------------------------------
 * The logic: no sockets, no clock of its own
 */

void b4_mtu_init(struct b4_mtu *m, uint32_t ival_ms, uint8_t mult)
{
	memset(m, 0, sizeof(*m));
	m->ival_ms = ival_ms;
	m->mult = mult;
}

static uint64_t detect_ns(const struct b4_mtu *m)
{
	return (uint64_t)m->mult * m->ival_ms * 1000000;
}

void b4_mtu_sent(struct b4_mtu *m, uint16_t size, uint64_t now,
		 uint64_t small_rx_ns, int err)
{
	if (m->pending && small_rx_ns > m->last_tx_ns)
		m->short_answered++;
	m->pending = false;
	m->size = size;
	if (err) {
		m->tx_errors++;
		m->last_tx_errno = err;
		return;
	}
	m->last_tx_errno = 0;
	m->sent++;
	m->pending = true;
	m->last_tx_ns = now;
}

void b4_mtu_rx(struct b4_mtu *m, size_t len, uint64_t now)
{
	if (!m->size || len < m->size)
		return;
	if (m->pending)
		m->answered++;
	m->pending = false;
	m->last_ok_ns = now;
}

bool b4_mtu_judge(const struct b4_mtu *m, uint64_t now)
{
	return m->last_ok_ns && now >= m->last_ok_ns &&
	       now - m->last_ok_ns <= detect_ns(m);
}

void b4_mtu_why(const struct b4_mtu *m, uint64_t now, uint64_t small_rx_ns,
		char *buf, size_t size)
{
	bool small = small_rx_ns && now - small_rx_ns <= detect_ns(m) &&
		     small_rx_ns > m->last_ok_ns;

	if (b4_mtu_judge(m, now))
		snprintf(buf, size, "%s", "");
	else if (!m->size)
		snprintf(buf, size, "no probe sent yet");
	else if (m->last_tx_errno)
		snprintf(buf, size, "path MTU below %u: probes not sent (%s)",
			 m->size, strerror(m->last_tx_errno));
	else if (small)
		snprintf(buf, size,
			 "path MTU below %u: no answer that large within %u x %u ms, smaller ones come",
			 m->size, m->mult, m->ival_ms);
	else if (!m->last_ok_ns)
		snprintf(buf, size, "no answer of %u bytes yet", m->size);
	else
		snprintf(buf, size, "no answer at all within %u x %u ms",
			 m->mult, m->ival_ms);
}

/* ------------------------------------------------------------------
 * The daemon's side: the schedule and the verdicts
 */

/* the probes' size for c: mtu-size, or the tunnel's MTU (0: unknown) */
static uint16_t probe_size(const struct b4_daemon *d, const struct b4_cand *c)
{
	unsigned int mtu;

	if (d->cfg.mtu_size)
		return d->cfg.mtu_size;
	mtu = b4_net_tunnel_mtu(d, c);
	if (!mtu)
		return c->mtu.size;
	if (mtu < B4_PAD_MIN)
		return B4_PAD_MIN;
	return mtu > B4_PAD_MAX ? B4_PAD_MAX : mtu;
}

/* record the verdict at now when it changed (or was never recorded) */
static void judge(struct b4_daemon *d, int i, uint64_t now, bool first)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_mtu *m = &c->mtu;
	bool ok = b4_mtu_judge(m, now);
	char a[INET6_ADDRSTRLEN], why[128];

	if (ok == m->ok && !first)
		return;
	m->ok = ok;
	b4_mtu_why(m, now, c->s.last_rx_ns, why, sizeof(why));
	if (!first || ok)
		b4_log(d, "aftr %s: mtu %s%s%s", b4_addr_str(&c->addr, a),
		       ok ? "ok" : "failing", why[0] ? ": " : "", why);
	b4_verdict_set(d, i, B4_METHOD_MTU, ok);
}

static void tx(struct b4_daemon *d, int i, uint64_t now)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_mtu *m = &c->mtu;
	uint16_t size = probe_size(d, c), old = m->size;
	int err = 0;
	char a[INET6_ADDRSTRLEN];

	/* a reload's mtu-interval and mtu-multiplier from this probe on */
	m->ival_ms = d->cfg.mtu_interval_ms;
	m->mult = d->cfg.mtu_multiplier;
	m->next_tx_ns += (uint64_t)m->ival_ms * 1000000;
	if (m->next_tx_ns <= now)
		m->next_tx_ns = now + (uint64_t)m->ival_ms * 1000000;
	if (d->tun[c->tun].gone || c->s.bfd.state != BFD_STATE_UP || !size)
		return;
	if (old && size != old)
		b4_log(d, "aftr %s: mtu probes now %u bytes (were %u)",
		       b4_addr_str(&c->addr, a), size, old);
	if (b4_net_send_probe(d, c, size))
		err = errno ? errno : EIO;
	if (err && err != m->last_tx_errno)
		b4_log(d, "aftr %s: mtu probe of %u bytes %s: send: %s",
		       b4_addr_str(&c->addr, a), size,
		       c->path == B4_PATH_TUNNEL ? "through the tunnel" :
		       "direct", strerror(err));
	b4_mtu_sent(m, size, now, c->s.last_rx_ns, err);
}

static void mtu_timer(struct b4_daemon *d, uint64_t now)
{
	int i;

	if (d->stopping)
		return;
	for (i = 0; i < d->n_cand; i++) {
		struct b4_mtu *m = &d->cand[i].mtu;

		if (!(d->cand[i].health.methods & B4_M_MTU))
			continue;
		judge(d, i, now, false);
		if (m->next_tx_ns && now >= m->next_tx_ns)
			tx(d, i, now);
	}
}

/* the next probe, or the moment the last good answer gets too old */
static uint64_t mtu_deadline(const struct b4_daemon *d)
{
	uint64_t t = 0;
	int i;

	if (d->stopping)
		return 0;
	for (i = 0; i < d->n_cand; i++) {
		const struct b4_mtu *m = &d->cand[i].mtu;
		uint64_t x[2] = { m->next_tx_ns, 0 };
		int k;

		if (!(d->cand[i].health.methods & B4_M_MTU))
			continue;
		if (m->ok && m->last_ok_ns)
			x[1] = m->last_ok_ns + detect_ns(m) + 1;
		for (k = 0; k < 2; k++)
			if (x[k] && (!t || x[k] < t))
				t = x[k];
	}
	return t;
}

void b4_mtu_input(struct b4_daemon *d, int i, size_t len)
{
	struct b4_cand *c = &d->cand[i];
	uint64_t now = mono_ns();

	b4_mtu_rx(&c->mtu, len, now);
	/* healthy again at once; failures are the timer's */
	if (!c->mtu.ok && b4_mtu_judge(&c->mtu, now))
		judge(d, i, now, false);
}

static int mtu_open(struct b4_daemon *d, struct b4_cand *c, char *err,
		    size_t errlen)
{
	(void)err;
	(void)errlen;
	b4_mtu_init(&c->mtu, d->cfg.mtu_interval_ms, d->cfg.mtu_multiplier);
	return 0;
}

static void mtu_close(struct b4_daemon *d, struct b4_cand *c)
{
	(void)d;
	c->mtu.next_tx_ns = 0;
}

/* start probing (the shared sockets follow the path by themselves) */
static void mtu_path(struct b4_daemon *d, int i)
{
	struct b4_mtu *m = &d->cand[i].mtu;

	if (!(d->cand[i].health.methods & B4_M_MTU) || d->stopping)
		return;
	if (!m->next_tx_ns) {
		m->next_tx_ns = mono_ns();
		judge(d, i, m->next_tx_ns, true);
	}
}

static void mtu_stop(struct b4_daemon *d, int i)
{
	d->cand[i].mtu.next_tx_ns = 0;
}

static void mtu_reason(const struct b4_cand *c, char *buf, size_t size)
{
	b4_mtu_why(&c->mtu, mono_ns(), c->s.last_rx_ns, buf, size);
}

static uint64_t mtu_last_rx(const struct b4_cand *c)
{
	return c->mtu.last_ok_ns;
}

const struct b4_health_ops b4_mtu_ops = {
	.name		= "mtu",
	.diag		= BFD_DIAG_PATH_DOWN,
	.open		= mtu_open,
	.close		= mtu_close,
	.path		= mtu_path,
	.stop		= mtu_stop,
	.deadline	= mtu_deadline,
	.timer		= mtu_timer,
	.reason		= mtu_reason,
	.last_rx	= mtu_last_rx,
};
