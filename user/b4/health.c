// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the health methods as data.
 *
 * b4_methods[] holds one struct b4_health_ops per row of B4_METHODS
 * (b4.h): what the daemon does with a method at a candidate's start, a
 * path change, a timer, the stop. A method records its verdict on a
 * candidate with b4_verdict_set() and nothing else happens then: the
 * daemon's loop, once every event and timer of a turn was handled, calls
 * b4_health_eval(), which combines the verdicts of each candidate with a
 * fresh one (all/any) and turns a change of its health into the one event
 * the failover machinery consumes (b4_fo_session_changed()). So no method
 * is entered again from inside its own callback, and a socket is never
 * closed under the code reading it.
 *
 * A candidate whose health is BFD alone is evaluated the same way, from
 * the change its session recorded (b4/bfd.c): the event keeps the BFD
 * states, as the log and the failover record show them.
 *
 * Adding a health method:
 *   1. its file, user/b4/NAME.c: its state in struct b4_cand (or its
 *      own struct there), its sockets as watchers c->w[B4_METHOD_NAME],
 *      b4_verdict_set() where it decides, and
 *      const struct b4_health_ops b4_NAME_ops = { ... };
 *   2. one row X(NAME, name) in B4_METHODS (b4.h): the enum, the bit of
 *      the health setting, the configuration word and this table follow.
 */
#include <string.h>

#include "dslitectl.h"
#include "b4.h"

const struct b4_health_ops *const b4_methods[B4_METHOD_NR] = {
#define B4_METHOD_ROW(U, l)	[B4_METHOD_##U] = &b4_##l##_ops,
	B4_METHODS(B4_METHOD_ROW)
#undef B4_METHOD_ROW
};

void b4_verdict_set(struct b4_daemon *d, int i, enum b4_method m, bool ok)
{
	d->cand[i].v[m].ok = ok;
	d->cand[i].v[m].fresh = true;
}

unsigned int b4_ok_methods(const struct b4_cand *c)
{
	unsigned int ok = 0;
	int m;

	for (m = 0; m < B4_METHOD_NR; m++)
		if (c->v[m].ok)
			ok |= B4_M(m);
	return ok & c->health.methods;
}

/* all: every method of c healthy; any: one; never while its tunnel is gone */
bool b4_cand_usable(const struct b4_daemon *d, int i)
{
	const struct b4_cand *c = &d->cand[i];
	unsigned int ok = b4_ok_methods(c);

	if (d->tun[c->tun].gone)
		return false;
	return c->health.any ? ok != 0 : ok == c->health.methods;
}

const char *b4_down_name(int down)
{
	if (down >= 0 && down < B4_METHOD_NR)
		return b4_methods[down]->name;
	return down == B4_DOWN_TUNNEL ? "tunnel" : "bfd";
}

/*
 * The order a failure is named in: the table's, backwards (the specific
 * checks first, BFD, the first row, last). "bfd and ping", "pcp": the
 * names of the methods in m, in the table's order.
 */
static void join_methods(unsigned int m, char *buf, size_t size)
{
	int k;

	buf[0] = '\0';
	for (k = 0; k < B4_METHOD_NR; k++)
		if (m & B4_M(k))
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
				 buf[0] ? " and " : "", b4_methods[k]->name);
}

uint8_t b4_health_mark_down(struct b4_cand *c)
{
	unsigned int bad = c->health.methods & ~b4_ok_methods(c);
	int k;

	c->down = B4_METHOD_BFD;
	for (k = B4_METHOD_NR - 1; k >= 0; k--)
		if (bad & B4_M(k)) {
			c->down = k;
			break;
		}
	return b4_methods[c->down]->diag;
}

/* the reason of an unhealthy candidate: all, the method named; any, all */
static void down_reason(const struct b4_cand *c, char *reason, size_t size)
{
	unsigned int bad = c->health.methods & ~b4_ok_methods(c);
	char r[100];
	int k;

	reason[0] = '\0';
	for (k = B4_METHOD_NR - 1; k >= 0; k--) {
		if (!(bad & B4_M(k)))
			continue;
		b4_methods[k]->reason(c, r, sizeof(r));
		snprintf(reason + strlen(reason), size - strlen(reason),
			 "%s%s%s%s", reason[0] ? "; " : "",
			 c->health.any ? b4_methods[k]->name : "",
			 c->health.any ? ": " : "", r);
		if (!c->health.any)
			break;
	}
}

/* a candidate with more than BFD: its combined verdict */
static void eval_combined(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	bool now_ok = b4_cand_usable(d, i);
	struct b4_change ch = { .changed = true };
	unsigned int ok = b4_ok_methods(c);
	char method[48], reason[160];

	if (now_ok == c->healthy)
		return;
	/* the active AFTR under the grace (a WAN change restarted its
	 * checks): the end of the grace decides a failure */
	if (!now_ok && d->grace_until_ns && i == d->active && d->up)
		return;
	ch.old_state = c->healthy ? BFD_STATE_UP : BFD_STATE_DOWN;
	ch.new_state = now_ok ? BFD_STATE_UP : BFD_STATE_DOWN;
	reason[0] = '\0';
	c->down = B4_DOWN_NONE;
	if (now_ok) {
		/* all: every method; any: those that are healthy */
		join_methods(ok, method, sizeof(method));
	} else {
		/*
		 * all: the first failing method (ping, pcp, then bfd) is the
		 * one named; any: all of them failed. A failure of ping or
		 * PCP is a path failure; a BFD one keeps the session's diag.
		 */
		ch.diag = b4_health_mark_down(c);
		down_reason(c, reason, sizeof(reason));
		if (c->health.any)
			join_methods(c->health.methods & ~ok, method,
				     sizeof(method));
		else
			snprintf(method, sizeof(method), "%s",
				 b4_down_name(c->down));
	}
	ch.method = method;
	ch.reason = reason;
	c->healthy = now_ok;
	b4_fo_session_changed(d, i, &ch);
}

/*
 * BFD alone: the session's change is the event. Its state before the
 * first change of the turn and after the last decide; a change that was
 * undone within the turn (Up, Down, Up) is none, its lines are logged.
 */
static void eval_bfd(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_bfd_pending p = c->bfd_pending;
	struct b4_change ch = {
		.changed = true,
		.old_state = p.old_state,
		.new_state = p.new_state,
		.logged = p.logged,
	};

	memset(&c->bfd_pending, 0, sizeof(c->bfd_pending));
	if (!p.valid)
		return;
	if ((p.first_old == BFD_STATE_UP) == (p.new_state == BFD_STATE_UP)) {
		if (!p.logged)
			b4_bfd_log(d, i, p.old_state, p.new_state);
		return;
	}
	c->healthy = p.new_state == BFD_STATE_UP;
	c->down = B4_DOWN_NONE;
	b4_fo_session_changed(d, i, &ch);
}

void b4_health_eval(struct b4_daemon *d)
{
	int i, m;

	for (i = 0; i < d->n_cand; i++) {
		struct b4_cand *c = &d->cand[i];
		bool fresh = c->bfd_pending.valid;

		for (m = 0; m < B4_METHOD_NR; m++) {
			fresh |= c->v[m].fresh;
			c->v[m].fresh = false;
		}
		if (!fresh)
			continue;
		if (c->health.methods == B4_M_BFD)
			eval_bfd(d, i);
		else
			eval_combined(d, i);
	}
}

void b4_health_path(struct b4_daemon *d, int i)
{
	int m;

	for (m = 0; m < B4_METHOD_NR; m++)
		b4_methods[m]->path(d, i);
}

uint64_t b4_health_deadline(const struct b4_daemon *d)
{
	uint64_t t = 0, x;
	int m;

	for (m = 0; m < B4_METHOD_NR; m++) {
		x = b4_methods[m]->deadline(d);
		if (x && (!t || x < t))
			t = x;
	}
	return t;
}

void b4_health_timer(struct b4_daemon *d, uint64_t now)
{
	int m;

	for (m = 0; m < B4_METHOD_NR; m++)
		b4_methods[m]->timer(d, now);
}

void b4_health_tx(struct b4_daemon *d, uint64_t now)
{
	int m;

	for (m = 0; m < B4_METHOD_NR; m++)
		if (b4_methods[m]->tx)
			b4_methods[m]->tx(d, now);
}

void b4_health_stop(struct b4_daemon *d)
{
	int i, m;

	for (m = B4_METHOD_NR - 1; m >= 0; m--)
		for (i = 0; i < d->n_cand; i++)
			b4_methods[m]->stop(d, i);
}
