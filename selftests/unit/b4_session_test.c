// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the B4's BFD session schedule (user/b4/bfd.c) when the
 * daemon itself did not run: the stall guard of b4_session_timer().
 *
 *   [ b4_session_test ]  struct b4_session (300 ms x 3)
 *        b4_session_build() --- packet ---> peer (struct bfd_session,
 *        b4_session_rx()   <--- answer ---   include/dslite/bfd.h, as the
 *                                             XDP responder answers)
 *   the clock is the test's: 1 ms steps, or a jump (the stall)
 *
 * Checked: a session whose AFTR stops answering goes Down one detection
 * time after its last answer while the daemon runs on time, and no grace
 * is given; after a stall of 5 s (no packet sent, none answered) the
 * session is not declared Down at the first turn, its overdue packet
 * leaves, the answer keeps it Up; after a stall with a dead AFTR, Down
 * one transmission interval later, with diag 1; a second stall in the
 * same silence gets no second grace; the detection deadline the event
 * loop arms follows the grace.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../user/b4/bfd.c"
#include "tap.h"

/* ------------------------------------------------------------------------
 * Stubs of the daemon (the session functions use none of them)
 */
uint32_t b4_random(void) { return 0x12345678; }
void b4_log(const struct b4_daemon *d, const char *fmt, ...)
{ (void)d; (void)fmt; }
const char *b4_addr_str(const struct in6_addr *a, char *buf)
{
	(void)a;
	strcpy(buf, "::");
	return buf;
}
int b4_net_open_session(struct b4_session *x, char *e, size_t elen)
{ (void)x; (void)e; (void)elen; return -1; }
int b4_net_send(struct b4_daemon *d, struct b4_cand *c)
{ (void)d; (void)c; return -1; }
void b4_net_session_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{ (void)d; (void)w; (void)ev; }
uint32_t b4_standby_ms(const struct b4_config *c) { (void)c; return 0; }
void b4_verdict_set(struct b4_daemon *d, int i, enum b4_method m, bool ok)
{ (void)d; (void)i; (void)m; (void)ok; }
int b4_watch_add(struct b4_daemon *d, struct b4_watch *w, int fd,
		 void (*cb)(struct b4_daemon *, struct b4_watch *, uint32_t))
{ (void)d; (void)w; (void)fd; (void)cb; return -1; }
void b4_watch_del(struct b4_daemon *d, struct b4_watch *w)
{ (void)d; (void)w; }

/* ------------------------------------------------------------------------ */

#define MS	1000000ULL
#define US	300000		/* 300 ms */

static struct b4_session s;
static struct bfd_session peer;
static uint64_t now;
static int downs;
static uint8_t down_diag;

/* send what is due; the peer answers when alive */
static void tx_turn(bool alive)
{
	struct bfd_ctrl out, ans;
	struct b4_change c;

	if (!b4_session_tx_due(&s, now))
		return;
	b4_session_build(&s, &out, now);
	if (!alive)
		return;
	if (bfd_validate(&out, sizeof(out)) != BFD_RX_OK)
		return;
	bfd_rx(&peer, &out, now);
	bfd_build(&peer, &ans);
	b4_session_rx(&s, &ans, now, &c);
}

/* one turn of the daemon's loop: timers, then transmissions */
static void turn(bool alive)
{
	struct b4_change c;

	b4_session_timer(&s, now, &c);
	if (c.changed && c.new_state == BFD_STATE_DOWN) {
		downs++;
		down_diag = s.bfd.diag;
	}
	tx_turn(alive);
}

/* run in 1 ms steps for ms milliseconds; the time of the first Down */
static uint64_t run(uint64_t ms, bool alive)
{
	uint64_t end = now + ms * MS, first = 0;
	int d0 = downs;

	for (; now < end; now += MS) {
		turn(alive);
		if (!first && downs != d0)
			first = now;
	}
	return first;
}

static void up(void)
{
	memset(&s, 0, sizeof(s));
	now = 1000 * MS;
	b4_session_init(&s, 0x1111, US, US, 3, now);
	bfd_session_init(&peer, 0x2222, US, US, 0, 3, 0);
	downs = 0;
	run(5000, true);
}

int main(void)
{
	uint64_t last_rx, t, stall_end;

	tap_start();

	/* 1. on time, the AFTR dies: Down after the detection time */
	up();
	tap_eq(s.bfd.state, BFD_STATE_UP, "Up against the answering peer");
	tap_eq(bfd_detect_time_us(&s.bfd), 900000, "detection time 900 ms");
	last_rx = s.bfd.last_rx_ns;
	t = run(3000, false);
	tap_result(t > last_rx + 900 * MS && t <= last_rx + 902 * MS,
		   "on time: Down %llu ms after the last answer (detection time 900 ms)",
		   (unsigned long long)((t - last_rx) / MS));
	tap_eq(down_diag, BFD_DIAG_CONTROL_EXPIRED, "diag 1 (control detection time expired)");
	tap_eq(s.stalls, 0, "on time: no grace given");

	/* 2. a stall of 5 s, the AFTR alive: stays Up */
	up();
	now += 5000 * MS;
	turn(true);
	tap_eq(s.bfd.state, BFD_STATE_UP, "after a 5 s stall: still Up at the first turn");
	tap_eq(s.stalls, 1, "one grace given");
	tap_result(s.late_ms >= 4000, "the overdue packet was %llu ms late",
		   (unsigned long long)s.late_ms);
	tap_eq(s.bfd.last_rx_ns, now, "the overdue packet left and was answered in that turn");
	run(3000, true);
	tap_eq(downs, 0, "no Down after the stall");

	/* 3. a stall of 5 s, the AFTR dead: Down one interval later */
	up();
	now += 5000 * MS;
	stall_end = now;
	t = run(3000, false);
	tap_result(t > stall_end && t <= stall_end + 301 * MS,
		   "stall, dead AFTR: Down %llu ms after the daemon ran again (one interval: 300 ms)",
		   (unsigned long long)((t - stall_end) / MS));
	tap_eq(down_diag, BFD_DIAG_CONTROL_EXPIRED, "diag 1");
	tap_eq(s.stalls, 1, "one grace");

	/* 4. a second stall in the same silence: no second grace */
	up();
	now += 5000 * MS;
	turn(false);
	tap_eq(s.stalls, 1, "first stall: grace");
	tap_eq(b4_session_detect_deadline(&s), s.grace_ns,
	       "the loop's deadline is the end of the grace");
	now += 5000 * MS;
	turn(false);
	tap_eq(s.bfd.state, BFD_STATE_DOWN, "second stall, nothing heard: Down");
	tap_eq(s.stalls, 1, "no second grace in one silence");

	/* 5. a new silence after answers: a grace again */
	up();
	now += 5000 * MS;
	turn(true);
	run(1000, true);
	now += 5000 * MS;
	turn(true);
	tap_eq(s.stalls, 2, "a later stall (answers heard between): a grace again");
	tap_eq(s.bfd.state, BFD_STATE_UP, "and Up");

	return tap_done();
}
