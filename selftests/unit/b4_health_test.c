// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the B4 daemon's health table and evaluation
 * (user/b4/health.c), with a health method that exists only here:
 * "manual", whose verdict is a byte the test writes to its socket ('1'
 * healthy, '0' not). It plugs in the way any method does: this file (its
 * state, its watcher callback, its ops) and one row of B4_METHODS, given
 * below as B4_METHODS_EXTRA; health.c is compiled here with that row.
 *
 *   [ b4_health_test ]  socketpair(AF_UNIX, SOCK_DGRAM)
 *     sv[1] --- '0' / '1' ---> sv[0] = candidate 0's "manual" socket
 *     manual_cb() (its input) -> b4_verdict_set()
 *     one turn = the callbacks, then b4_health_eval() once
 *     b4_fo_session_changed() below counts the failover's events
 *
 * Checked: the row gives the enum, the bit, the name and the table entry;
 * a verdict set from inside the input calls nothing back (no evaluation,
 * no failover, no op of the method) until the turn's evaluation; two
 * changes in one turn are evaluated once; all and any; a change is
 * exactly one failover event, with the method's name, diag and reason.
 */
#define B4_METHODS_EXTRA(X)	X(MANUAL, manual)

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "health.c"
#include "tap.h"

/* ------------------------------------------------------------------ */
/* the test-only method: one file (this part) + one row (above) */

static int in_input;		/* inside manual_cb() */
static int reentered;		/* an op or the failover ran from inside it */
static int path_calls;
static char manual_reason[32] = "not yet";

static void manual_cb(struct b4_daemon *d, struct b4_watch *w,
		      uint32_t events)
{
	int i = b4_container_of(w - B4_METHOD_MANUAL, struct b4_cand, w) -
		d->cand;
	char v;

	(void)events;
	in_input++;
	while (read(w->fd, &v, 1) == 1) {
		snprintf(manual_reason, sizeof(manual_reason), "%s",
			 v == '1' ? "" : "the test said so");
		b4_verdict_set(d, i, B4_METHOD_MANUAL, v == '1');
	}
	in_input--;
}

static int manual_open(struct b4_daemon *d, struct b4_cand *c, char *e,
		       size_t elen)
{
	(void)d;
	(void)c;
	(void)e;
	(void)elen;
	return 0;
}

static void manual_close(struct b4_daemon *d, struct b4_cand *c)
{
	(void)d;
	(void)c;
}

static void manual_path(struct b4_daemon *d, int i)
{
	(void)d;
	(void)i;
	reentered += in_input > 0;
	path_calls++;
}

static void manual_stop(struct b4_daemon *d, int i)
{
	(void)d;
	(void)i;
}

static uint64_t manual_deadline(const struct b4_daemon *d)
{
	(void)d;
	return 0;
}

static void manual_timer(struct b4_daemon *d, uint64_t now)
{
	(void)d;
	(void)now;
}

static void manual_reason_of(const struct b4_cand *c, char *buf,
			     size_t size)
{
	(void)c;
	snprintf(buf, size, "%s", manual_reason);
}

static uint64_t manual_last_rx(const struct b4_cand *c)
{
	(void)c;
	return 0;
}

const struct b4_health_ops b4_manual_ops = {
	.name		= "manual",
	.diag		= BFD_DIAG_PATH_DOWN,
	.open		= manual_open,
	.close		= manual_close,
	.path		= manual_path,
	.stop		= manual_stop,
	.deadline	= manual_deadline,
	.timer		= manual_timer,
	.reason		= manual_reason_of,
	.last_rx	= manual_last_rx,
};

/* ------------------------------------------------------------------ */
/* the other methods and the rest of the daemon: stubs */

static void stub_reason(const struct b4_cand *c, char *buf, size_t size)
{
	(void)c;
	snprintf(buf, size, "stub down");
}

#define STUB_OPS(l)							\
	const struct b4_health_ops b4_##l##_ops = {			\
		.name = #l, .open = manual_open, .close = manual_close,	\
		.path = manual_stop, .stop = manual_stop,		\
		.deadline = manual_deadline, .timer = manual_timer,	\
		.reason = stub_reason, .last_rx = manual_last_rx,	\
	}
STUB_OPS(bfd);
STUB_OPS(pcp);
STUB_OPS(ping);
STUB_OPS(echo);
STUB_OPS(mtu);

static int events;
static struct b4_change last;
static char last_method[48], last_reason[160];

/* the failover machinery: counts, and acts as it does (a path change) */
void b4_fo_session_changed(struct b4_daemon *d, int i,
			   const struct b4_change *ch)
{
	reentered += in_input > 0;
	events++;
	last = *ch;
	snprintf(last_method, sizeof(last_method), "%s",
		 ch->method ? ch->method : "");
	snprintf(last_reason, sizeof(last_reason), "%s",
		 ch->reason ? ch->reason : "");
	b4_health_path(d, i);
}

void b4_bfd_log(struct b4_daemon *d, int i, uint8_t old_state,
		uint8_t new_state)
{
	(void)d;
	(void)i;
	(void)old_state;
	(void)new_state;
}

/* ------------------------------------------------------------------ */

static int sv[2];

/* what the probe hears: a verdict byte on its socket */
static void say(char v)
{
	if (send(sv[1], &v, 1, 0) != 1)
		tap_result(0, "send: %s", strerror(errno));
}

/* one turn of the loop: the event to its watcher, then one evaluation */
static void turn(struct b4_daemon *d)
{
	struct b4_watch *w = &d->cand[0].w[B4_METHOD_MANUAL];

	w->cb(d, w, 0);
	b4_health_eval(d);
}

static void test_table(void)
{
	tap_eq(B4_METHOD_NR, 6, "the row adds one method to the enum");
	tap_eq(B4_M(B4_METHOD_MANUAL), 0x20, "and its bit after mtu's");
	tap_check(b4_methods[B4_METHOD_MANUAL] == &b4_manual_ops,
	       "b4_methods[] holds its ops");
	tap_str("its name from the ops", "manual",
		b4_down_name(B4_METHOD_MANUAL));
	tap_eq(B4_M_BFD | B4_M_PCP | B4_M_PING, 0x07,
	       "the configuration's bits stay 1, 2, 4");
}

static void test_all(struct b4_daemon *d)
{
	struct b4_cand *c = &d->cand[0];

	c->health.methods = B4_M(B4_METHOD_MANUAL) | B4_M_PING;
	c->health.any = false;
	b4_verdict_set(d, 0, B4_METHOD_PING, true);
	b4_health_eval(d);
	tap_eq(events, 0, "all: ping alone healthy is no event");

	say('1');
	turn(d);
	tap_eq(events, 1, "all: manual healthy too: one event");
	tap_eq(last.new_state, BFD_STATE_UP, "the event says Up");
	tap_str("named by both methods, in the table's order",
		"ping and manual", last_method);
	tap_eq(reentered, 0, "nothing ran from inside the probe's input");

	say('0');
	say('1');
	say('0');
	turn(d);
	tap_eq(events, 2,
	       "three verdicts in one turn: one evaluation, one event");
	tap_eq(last.new_state, BFD_STATE_DOWN, "the last verdict counts: Down");
	tap_str("all: the failing method is named", "manual", last_method);
	tap_str("with its reason", "the test said so", last_reason);
	tap_eq(last.diag, BFD_DIAG_PATH_DOWN, "and its diag");
	tap_eq(c->down, B4_METHOD_MANUAL, "c->down is the method");

	say('1');
	say('0');
	turn(d);
	tap_eq(events, 2, "a change undone within the turn is no event");
	b4_health_eval(d);
	tap_eq(events, 2, "an evaluation without fresh verdicts does nothing");
}

static void test_any(struct b4_daemon *d)
{
	struct b4_cand *c = &d->cand[0];

	c->health.any = true;
	b4_verdict_set(d, 0, B4_METHOD_PING, false);
	b4_health_eval(d);
	tap_eq(events, 2, "any: still down, no event");

	say('1');
	turn(d);
	tap_eq(events, 3, "any: manual healthy suffices: one event");
	tap_str("named by the healthy one", "manual", last_method);

	b4_verdict_set(d, 0, B4_METHOD_PING, true);
	say('0');
	turn(d);
	tap_eq(events, 3, "any: ping healthy, manual not: no event");

	b4_verdict_set(d, 0, B4_METHOD_PING, false);
	b4_health_eval(d);
	tap_eq(events, 4, "any: both down: one event");
	tap_str("both named", "ping and manual", last_method);
	tap_str("each with its reason",
		"manual: the test said so; ping: stub down", last_reason);
	tap_eq(reentered, 0, "nothing ran from inside the probe's input");
	tap_check(path_calls > 0,
		  "the failover's path change reached the method (after the input)");
}

int main(void)
{
	struct b4_daemon *d;

	tap_start();
	d = calloc(1, sizeof(*d));
	if (!d || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv)) {
		tap_result(0, "set-up: %s", strerror(errno));
		return tap_done();
	}
	d->n_tun = 1;
	d->n_cand = 1;
	d->active = 0;
	d->up = true;
	d->cand[0].w[B4_METHOD_MANUAL].fd = sv[0];
	d->cand[0].w[B4_METHOD_MANUAL].cb = manual_cb;

	test_table();
	test_all(d);
	test_any(d);

	close(sv[0]);
	close(sv[1]);
	free(d);
	return tap_done();
}
