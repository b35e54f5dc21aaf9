// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the BFD state machine (include/dslite/bfd.h), the same
 * code the AFTR's XDP responder and the B4 daemon run: every rule of
 * RFC 5880 6.8.6 validation, every cell of the 6.8.6 state table, remote
 * variables, Poll/Final, timer changes (6.8.3), detection time (6.8.4),
 * the expiry transition, transmit interval and jitter (6.8.7), the exact
 * bytes of a built packet, and a full three-way handshake between an
 * initiator and a responder. TAP on stdout.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <dslite/bfd.h>
#include <linux/dslite.h>

#include "tap.h"

#define MS	1000U		/* us */
#define SEC	1000000U	/* us */
#define NS_MS	1000000ULL

_Static_assert(sizeof(struct bfd_ctrl) == BFD_CTRL_LEN, "control packet size");
_Static_assert(sizeof(struct bfd_session) == 64, "session size");
_Static_assert((int)BFD_DIAG_NEIGHBOR_DOWN == (int)DSLITE_DIAG_NEIGHBOR_DOWN &&
	       (int)BFD_DIAG_REVERSE_CONCAT_PATH_DOWN ==
	       (int)DSLITE_DIAG_REVERSE_CONCAT_PATH_DOWN,
	       "diag codes agree with the genl UAPI");

/* a packet as a B4 in state st would send it */
static struct bfd_ctrl pkt(unsigned int st, uint32_t my, uint32_t your)
{
	struct bfd_ctrl p = {
		.vers_diag = BFD_VERSION << BFD_VERS_SHIFT,
		.flags = st << BFD_STATE_SHIFT,
		.detect_mult = 3,
		.length = BFD_CTRL_LEN,
		.my_discr = htonl(my),
		.your_discr = htonl(your),
		.desired_min_tx = htonl(300 * MS),
		.required_min_rx = htonl(300 * MS),
		.required_min_echo_rx = htonl(0),
	};
	return p;
}

static struct bfd_session aftr(void)
{
	struct bfd_session s;

	bfd_session_init(&s, 0x00000101, 300 * MS, 300 * MS, 50 * MS, 3,
			 BFD_SF_RESPONDER);
	return s;
}

static struct bfd_session b4(void)
{
	struct bfd_session s;

	bfd_session_init(&s, 0xb4b4b4b4, 300 * MS, 300 * MS, 0, 3, 0);
	return s;
}

static void test_init(void)
{
	struct bfd_session s = aftr(), i = b4();

	tap_eq(s.state, BFD_STATE_DOWN, "init: state Down");
	tap_eq(s.remote_state, BFD_STATE_DOWN, "init: remote state Down");
	tap_eq(s.remote_discr, 0, "init: remote discriminator 0");
	tap_eq(s.remote_rx, 1, "init: RemoteMinRxInterval 1 us (6.8.1)");
	tap_eq(s.diag, 0, "init: diag 0");
	tap_eq(s.tx, SEC, "init: Desired Min TX 1 s while not Up (6.8.3)");
	tap_eq(s.rx, 300 * MS, "init: Required Min RX as configured");
	tap_eq(s.flags, BFD_SF_RESPONDER, "init: no poll, no final, responder");
	tap_eq(s.last_rx_ns, 0, "init: detection not running");
	tap_eq(bfd_detect_time_us(&s), 0, "init: no detection time without a remote");
	tap_eq(i.flags, 0, "init: initiator flags 0");
	bfd_session_init(&i, 1, 2 * SEC, 3 * SEC, 0, 5, BFD_SF_POLL | BFD_SF_FINAL);
	tap_eq(i.tx, 2 * SEC, "init: a configured TX above 1 s is kept while Down");
	tap_eq(i.flags, 0, "init: only BFD_SF_RESPONDER is taken from flags");
}

static void test_validate(void)
{
	struct bfd_ctrl p;
	unsigned int st;

	p = pkt(BFD_STATE_DOWN, 7, 0);
	tap_eq(bfd_validate(&p, 24), BFD_RX_OK, "validate: good Down packet");
	tap_eq(bfd_validate(&p, 23), BFD_RX_TRUNCATED, "validate: payload 23 bytes");
	tap_eq(bfd_validate(&p, 0), BFD_RX_TRUNCATED, "validate: empty payload");
	tap_eq(bfd_validate(&p, 40), BFD_RX_OK, "validate: payload longer than Length");

	p.vers_diag = 0 << BFD_VERS_SHIFT;
	tap_eq(bfd_validate(&p, 24), BFD_RX_BAD_VERSION, "validate: version 0");
	p.vers_diag = 2 << BFD_VERS_SHIFT;
	tap_eq(bfd_validate(&p, 24), BFD_RX_BAD_VERSION, "validate: version 2");
	p.vers_diag = 7 << BFD_VERS_SHIFT | BFD_DIAG_PATH_DOWN;
	p.length = 0;
	tap_eq(bfd_validate(&p, 24), BFD_RX_BAD_VERSION,
	       "validate: version checked before length");
	p = pkt(BFD_STATE_DOWN, 7, 0);
	p.vers_diag |= BFD_DIAG_MAX;
	tap_eq(bfd_validate(&p, 24), BFD_RX_OK, "validate: diag bits do not matter");

	p = pkt(BFD_STATE_DOWN, 7, 0);
	p.length = 23;
	tap_eq(bfd_validate(&p, 24), BFD_RX_BAD_LENGTH, "validate: Length 23");
	p.length = 0;
	tap_eq(bfd_validate(&p, 24), BFD_RX_BAD_LENGTH, "validate: Length 0");
	p.length = 25;
	p.flags |= BFD_FLAG_AUTH;
	tap_eq(bfd_validate(&p, 32), BFD_RX_BAD_LENGTH, "validate: Length 25 with A bit");
	p.length = 26;
	tap_eq(bfd_validate(&p, 26), BFD_RX_AUTH_UNSUPPORTED,
	       "validate: A bit with Length 26: authentication not supported");
	p = pkt(BFD_STATE_DOWN, 7, 0);
	p.length = 25;
	tap_eq(bfd_validate(&p, 24), BFD_RX_LENGTH_OVER_PAYLOAD, "validate: Length 25 > payload 24");
	tap_eq(bfd_validate(&p, 25), BFD_RX_OK, "validate: Length 25 = payload 25");
	p.length = 255;
	tap_eq(bfd_validate(&p, 254), BFD_RX_LENGTH_OVER_PAYLOAD, "validate: Length 255 > payload 254");

	p = pkt(BFD_STATE_DOWN, 7, 0);
	p.detect_mult = 0;
	tap_eq(bfd_validate(&p, 24), BFD_RX_ZERO_DETECT_MULT, "validate: Detect Mult 0");
	p.length = 20;
	tap_eq(bfd_validate(&p, 24), BFD_RX_BAD_LENGTH, "validate: length checked before Detect Mult");

	p = pkt(BFD_STATE_DOWN, 7, 0);
	p.flags |= BFD_FLAG_MULTIPOINT;
	tap_eq(bfd_validate(&p, 24), BFD_RX_MULTIPOINT, "validate: M bit");

	p = pkt(BFD_STATE_DOWN, 0, 0);
	tap_eq(bfd_validate(&p, 24), BFD_RX_ZERO_MY_DISCR, "validate: My Discriminator 0");
	p.flags |= BFD_FLAG_MULTIPOINT;
	tap_eq(bfd_validate(&p, 24), BFD_RX_MULTIPOINT, "validate: M checked before My Discriminator");

	for (st = 0; st < 4; st++) {
		int want = (st == BFD_STATE_INIT || st == BFD_STATE_UP) ?
			   BFD_RX_ZERO_YOUR_DISCR : BFD_RX_OK;

		p = pkt(st, 7, 0);
		tap_eq(bfd_validate(&p, 24), want,
		       "validate: Your Discriminator 0 in state %s", bfd_state_name(st));
		p = pkt(st, 7, 9);
		tap_eq(bfd_validate(&p, 24), BFD_RX_OK,
		       "validate: Your Discriminator set in state %s", bfd_state_name(st));
	}

	p = pkt(BFD_STATE_UP, 7, 9);
	p.flags |= BFD_FLAG_AUTH;
	p.length = 24;
	tap_eq(bfd_validate(&p, 24), BFD_RX_BAD_LENGTH, "validate: A bit with Length 24");
	p.length = 28;
	tap_eq(bfd_validate(&p, 28), BFD_RX_AUTH_UNSUPPORTED, "validate: A bit, Length 28");
	p = pkt(BFD_STATE_UP, 7, 9);
	p.flags |= BFD_FLAG_POLL | BFD_FLAG_FINAL | BFD_FLAG_CPI | BFD_FLAG_DEMAND;
	tap_eq(bfd_validate(&p, 24), BFD_RX_OK, "validate: P F C D bits are accepted");
}

/* one cell of the 6.8.6 state table */
struct cell {
	unsigned int local, recv, want;
	int diag;	/* expected diag, -1: unchanged */
};

static void test_state_table(void)
{
	static const struct cell table[] = {
		{ BFD_STATE_DOWN, BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, -1 },
		{ BFD_STATE_DOWN, BFD_STATE_DOWN, BFD_STATE_INIT, -1 },
		{ BFD_STATE_DOWN, BFD_STATE_INIT, BFD_STATE_UP, BFD_DIAG_NONE },
		{ BFD_STATE_DOWN, BFD_STATE_UP, BFD_STATE_DOWN, -1 },
		{ BFD_STATE_INIT, BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN },
		{ BFD_STATE_INIT, BFD_STATE_DOWN, BFD_STATE_INIT, -1 },
		{ BFD_STATE_INIT, BFD_STATE_INIT, BFD_STATE_UP, BFD_DIAG_NONE },
		{ BFD_STATE_INIT, BFD_STATE_UP, BFD_STATE_UP, BFD_DIAG_NONE },
		{ BFD_STATE_UP, BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN },
		{ BFD_STATE_UP, BFD_STATE_DOWN, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN },
		{ BFD_STATE_UP, BFD_STATE_INIT, BFD_STATE_UP, -1 },
		{ BFD_STATE_UP, BFD_STATE_UP, BFD_STATE_UP, -1 },
	};
	struct bfd_session s, before;
	struct bfd_ctrl p;
	unsigned int i, st;
	int r;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct cell *c = &table[i];

		s = aftr();
		s.state = c->local;
		s.diag = BFD_DIAG_PATH_DOWN;	/* a marker: kept unless set */
		/* Down/AdminDown without our discriminator, except to an Up
		 * session (BFD_RX_ZERO_DISCR_UP, test_zero_discr_up) */
		p = pkt(c->recv, 0x1234, (c->recv == BFD_STATE_DOWN ||
			c->recv == BFD_STATE_ADMIN_DOWN) &&
			c->local != BFD_STATE_UP ? 0 : s.local_discr);
		r = bfd_rx(&s, &p, 5 * NS_MS);
		tap_result(r == BFD_RX_OK && s.state == c->want &&
			   s.diag == (c->diag < 0 ? BFD_DIAG_PATH_DOWN : c->diag) &&
			   s.last_rx_ns == 5 * NS_MS,
			   "state table: %s + received %s -> %s, diag %d",
			   bfd_state_name(c->local), bfd_state_name(c->recv),
			   bfd_state_name(c->want),
			   c->diag < 0 ? BFD_DIAG_PATH_DOWN : c->diag);
		if (r != BFD_RX_OK || s.state != c->want)
			tap_diag("  r=%d state=%s diag=%d", r,
				 bfd_state_name(s.state), s.diag);
	}

	/* local AdminDown: every received state is discarded (after the
	 * remote variables are taken) */
	for (st = 0; st < 4; st++) {
		s = aftr();
		bfd_set_admin_down(&s, BFD_DIAG_ADMIN_DOWN);
		before = s;
		p = pkt(st, 0x1234, 0);
		p.flags |= BFD_FLAG_POLL;
		r = bfd_rx(&s, &p, 5 * NS_MS);
		tap_result(r == BFD_RX_ADMIN_DOWN && s.state == BFD_STATE_ADMIN_DOWN &&
			   s.diag == BFD_DIAG_ADMIN_DOWN && s.last_rx_ns == 0 &&
			   !bfd_final_pending(&s) && s.remote_discr == 0x1234 &&
			   s.remote_state == st && before.state == s.state,
			   "state table: AdminDown + received %s: discarded, no Final, "
			   "remote variables taken", bfd_state_name(st));
	}
}

static void test_your_discr(void)
{
	struct bfd_session s = aftr(), before;
	struct bfd_ctrl p = pkt(BFD_STATE_INIT, 0x1234, 0x999);

	before = s;
	tap_eq(bfd_rx(&s, &p, 1), BFD_RX_BAD_YOUR_DISCR,
	       "rx: Your Discriminator of another session is refused");
	tap_result(!memcmp(&s, &before, sizeof(s)), "rx: a refused packet changes nothing");
	p = pkt(BFD_STATE_INIT, 0x1234, s.local_discr);
	tap_eq(bfd_rx(&s, &p, 1), BFD_RX_OK, "rx: matching Your Discriminator accepted");
}

static void test_remote_vars(void)
{
	struct bfd_session s = aftr();
	struct bfd_ctrl p = pkt(BFD_STATE_DOWN, 0xabcdef01, 0);

	p.vers_diag |= BFD_DIAG_ADMIN_DOWN;
	p.detect_mult = 7;
	p.desired_min_tx = htonl(2 * SEC);
	p.required_min_rx = htonl(500 * MS);
	p.required_min_echo_rx = htonl(20 * MS);
	p.flags |= BFD_FLAG_DEMAND;
	bfd_rx(&s, &p, 42);
	tap_eq(s.remote_discr, 0xabcdef01, "rx: bfd.RemoteDiscr from My Discriminator");
	tap_eq(s.remote_state, BFD_STATE_DOWN, "rx: bfd.RemoteSessionState");
	tap_eq(s.remote_diag, BFD_DIAG_ADMIN_DOWN, "rx: remote diag kept");
	tap_eq(s.remote_mult, 7, "rx: remote Detect Mult");
	tap_eq(s.remote_tx, 2 * SEC, "rx: remote Desired Min TX");
	tap_eq(s.remote_rx, 500 * MS, "rx: bfd.RemoteMinRxInterval");
	tap_eq(s.remote_echo_rx, 20 * MS, "rx: remote Required Min Echo RX");
	tap_result(s.flags & BFD_SF_REMOTE_DEMAND, "rx: bfd.RemoteDemandMode from D");
	tap_eq(s.last_rx_ns, 42, "rx: reception time recorded");
	p.flags &= ~BFD_FLAG_DEMAND;
	bfd_rx(&s, &p, 43);
	tap_result(!(s.flags & BFD_SF_REMOTE_DEMAND), "rx: D clear clears RemoteDemandMode");
	tap_eq(s.tx, 2 * SEC, "responder: advertises the remote's slower Desired Min TX");
}

static void test_build(void)
{
	static const uint8_t want[BFD_CTRL_LEN] = {
		0x20 | 3, 0xc0 | BFD_FLAG_FINAL, 3, 24,
		0x00, 0x00, 0x01, 0x01,		/* my: 0x101 */
		0x12, 0x34, 0x56, 0x78,		/* your */
		0x00, 0x04, 0x93, 0xe0,		/* 300000 */
		0x00, 0x04, 0x93, 0xe0,		/* 300000 */
		0x00, 0x00, 0xc3, 0x50,		/* 50000 */
	};
	struct bfd_session s = aftr();
	struct bfd_ctrl p, out;

	s.state = BFD_STATE_UP;
	s.diag = BFD_DIAG_NEIGHBOR_DOWN;
	bfd_refresh_intervals(&s);	/* Up: 300 ms, starts a poll */
	p = pkt(BFD_STATE_UP, 0x12345678, s.local_discr);
	p.flags |= BFD_FLAG_POLL;
	bfd_rx(&s, &p, 1);
	tap_result(bfd_final_pending(&s), "poll: a received P makes a Final pending");
	s.diag = BFD_DIAG_NEIGHBOR_DOWN;
	memset(&out, 0xee, sizeof(out));
	bfd_build(&s, &out);
	tap_result(!memcmp(&out, want, sizeof(want)),
		   "build: exact bytes (Up, diag 3, F, mult 3, discriminators, 300/300/50 ms)");
	if (memcmp(&out, want, sizeof(want))) {
		const uint8_t *b = (const uint8_t *)&out;
		char hex[3 * BFD_CTRL_LEN + 1];
		int i;

		for (i = 0; i < BFD_CTRL_LEN; i++)
			sprintf(hex + 3 * i, "%02x ", b[i]);
		tap_diag("  got %s", hex);
	}
	tap_result(!bfd_final_pending(&s), "build: the Final is consumed");
	bfd_build(&s, &out);
	tap_eq(out.flags, 0xc0 | BFD_FLAG_POLL,
	       "build: after the Final, the running Poll Sequence sends P");
}

static void test_poll_final(void)
{
	struct bfd_session s = b4();
	struct bfd_ctrl p, out;

	s.state = BFD_STATE_UP;
	bfd_refresh_intervals(&s);
	tap_result(s.flags & BFD_SF_POLL, "poll: going Up with faster timers starts a Poll");
	s.flags &= ~BFD_SF_POLL;
	bfd_start_poll(&s);
	tap_result(s.flags & BFD_SF_POLL, "poll: bfd_start_poll");
	bfd_build(&s, &out);
	tap_eq(out.flags & (BFD_FLAG_POLL | BFD_FLAG_FINAL), BFD_FLAG_POLL,
	       "poll: packets carry P while polling");
	p = pkt(BFD_STATE_UP, 5, s.local_discr);
	p.flags |= BFD_FLAG_POLL;
	bfd_rx(&s, &p, 1);
	bfd_build(&s, &out);
	tap_eq(out.flags & (BFD_FLAG_POLL | BFD_FLAG_FINAL), BFD_FLAG_FINAL,
	       "poll: answering a Poll while polling sends F only, never P and F");
	bfd_build(&s, &out);
	tap_eq(out.flags & (BFD_FLAG_POLL | BFD_FLAG_FINAL), BFD_FLAG_POLL,
	       "poll: the next packet polls again");
	p = pkt(BFD_STATE_UP, 5, s.local_discr);
	p.flags |= BFD_FLAG_FINAL;
	bfd_rx(&s, &p, 2);
	tap_result(!(s.flags & BFD_SF_POLL), "poll: a received F terminates the Poll Sequence");
	bfd_build(&s, &out);
	tap_eq(out.flags & (BFD_FLAG_POLL | BFD_FLAG_FINAL), 0,
	       "poll: no P and no F after the sequence");
	p = pkt(BFD_STATE_UP, 5, s.local_discr);
	p.flags |= BFD_FLAG_FINAL;
	bfd_rx(&s, &p, 3);
	tap_result(!(s.flags & (BFD_SF_POLL | BFD_SF_FINAL)), "poll: a stray F changes nothing");
}

static void test_timer_change(void)
{
	struct bfd_session s = b4();
	struct bfd_ctrl p;

	/* bring it Up and finish the poll that going Up starts */
	s.state = BFD_STATE_UP;
	bfd_refresh_intervals(&s);
	s.flags &= ~BFD_SF_POLL;
	p = pkt(BFD_STATE_UP, 5, s.local_discr);
	p.desired_min_tx = htonl(100 * MS);
	p.required_min_rx = htonl(100 * MS);
	bfd_rx(&s, &p, 1);
	tap_eq(bfd_tx_interval_us(&s), 300 * MS, "timers: TX interval max(Desired Min TX, remote RX)");
	tap_eq(bfd_detect_time_us(&s), 900 * MS, "timers: detection 3 x max(RX, remote TX)");

	bfd_set_timers(&s, 2 * SEC, 50 * MS, 0, 3);
	tap_result(s.flags & BFD_SF_POLL, "timers: a change while Up starts a Poll Sequence");
	tap_eq(s.tx, 2 * SEC, "timers: new Desired Min TX advertised at once");
	tap_eq(s.rx, 50 * MS, "timers: new Required Min RX advertised at once");
	tap_eq(bfd_tx_interval_us(&s), 300 * MS,
	       "timers: an increased TX is not used before the Final (6.8.3)");
	tap_eq(bfd_detect_time_us(&s), 900 * MS,
	       "timers: a reduced RX is not used for detection before the Final (6.8.3)");
	p.flags |= BFD_FLAG_FINAL;
	bfd_rx(&s, &p, 2);
	tap_eq(bfd_tx_interval_us(&s), 2 * SEC, "timers: new TX interval after the Final");
	tap_eq(bfd_detect_time_us(&s), 300 * MS, "timers: new detection time after the Final");

	bfd_set_timers(&s, 100 * MS, 50 * MS, 0, 3);
	tap_eq(bfd_tx_interval_us(&s), 100 * MS, "timers: a reduced TX applies at once");
	bfd_set_timers(&s, 100 * MS, 50 * MS, 0, 3);
	p.flags = BFD_STATE_UP << BFD_STATE_SHIFT | BFD_FLAG_FINAL;
	bfd_rx(&s, &p, 3);
	bfd_set_timers(&s, 100 * MS, 50 * MS, 0, 3);
	tap_result(!(s.flags & BFD_SF_POLL), "timers: setting the same values starts no Poll");
	bfd_set_timers(&s, 100 * MS, 50 * MS, 0, 5);
	tap_eq(s.detect_mult, 5, "timers: Detect Mult changed");

	s = b4();
	bfd_set_timers(&s, 100 * MS, 100 * MS, 0, 3);
	tap_result(!(s.flags & BFD_SF_POLL) && s.tx == SEC,
		   "timers: a change while Down starts no Poll; TX stays 1 s");
}

static void test_responder(void)
{
	struct bfd_session s = aftr();
	struct bfd_ctrl p = pkt(BFD_STATE_DOWN, 0x77, 0);

	p.desired_min_tx = htonl(SEC);
	bfd_rx(&s, &p, 1);
	tap_eq(s.state, BFD_STATE_INIT, "responder: Down -> Init on a Down packet");
	tap_eq(s.tx, SEC, "responder: 1 s while Init");
	p = pkt(BFD_STATE_INIT, 0x77, s.local_discr);
	p.desired_min_tx = htonl(SEC);
	bfd_rx(&s, &p, 2);
	tap_eq(s.state, BFD_STATE_UP, "responder: Init -> Up");
	tap_eq(s.tx, SEC, "responder: advertises the remote's 1 s while the remote sends at 1 s");
	tap_result(!(s.flags & BFD_SF_POLL), "responder: no change, no Poll");
	p = pkt(BFD_STATE_UP, 0x77, s.local_discr);
	p.flags |= BFD_FLAG_POLL;	/* the B4 moves to 300 ms */
	bfd_rx(&s, &p, 3);
	tap_eq(s.tx, 300 * MS, "responder: follows the remote down to 300 ms");
	tap_result((s.flags & BFD_SF_POLL) && bfd_final_pending(&s),
		   "responder: answers the remote's Poll and polls for its own change");
	p = pkt(BFD_STATE_UP, 0x77, s.local_discr);
	p.desired_min_tx = htonl(10 * SEC);
	p.flags |= BFD_FLAG_FINAL;
	bfd_rx(&s, &p, 4);
	tap_eq(s.tx, 10 * SEC, "responder: slow remote (10 s) -> advertises 10 s");
	tap_eq(bfd_detect_time_us(&s), 30 * SEC, "responder: detection 3 x 10 s");
	bfd_set_timers(&s, 300 * MS, 2 * SEC, 50 * MS, 3);
	p = pkt(BFD_STATE_UP, 0x77, s.local_discr);
	p.desired_min_tx = htonl(100 * MS);
	bfd_rx(&s, &p, 5);
	tap_eq(s.tx, 2 * SEC, "responder: never below its own Required Min RX");
}

static void test_detection(void)
{
	struct bfd_session s = aftr();
	struct bfd_ctrl p = pkt(BFD_STATE_DOWN, 0x77, 0);
	uint64_t t0 = 1000 * NS_MS;

	p.detect_mult = 4;
	p.desired_min_tx = htonl(SEC);
	bfd_rx(&s, &p, t0);
	tap_eq(bfd_detect_time_us(&s), 4 * SEC, "detect: remote mult 4 x max(300 ms, 1 s)");
	tap_result(!bfd_detect_expired(&s, t0 + 4000 * NS_MS),
		   "detect: not expired at exactly the detection time");
	tap_result(bfd_detect_expired(&s, t0 + 4000 * NS_MS + 1),
		   "detect: expired 1 ns later");
	tap_result(!bfd_detect_expired(&s, t0 - 1), "detect: a clock behind the reception never expires");
	p = pkt(BFD_STATE_INIT, 0x77, s.local_discr);
	p.desired_min_tx = htonl(100 * MS);
	p.detect_mult = 2;
	bfd_rx(&s, &p, t0);
	tap_eq(bfd_detect_time_us(&s), 600 * MS, "detect: remote mult 2 x max(300 ms, 100 ms)");

	tap_eq(s.state, BFD_STATE_UP, "detect: session Up for the timeout test");
	tap_eq(bfd_timeout(&s), 1, "timeout: Up -> Down reported");
	tap_eq(s.state, BFD_STATE_DOWN, "timeout: state Down");
	tap_eq(s.diag, BFD_DIAG_CONTROL_EXPIRED, "timeout: diag 1 control detection time expired");
	tap_eq(s.remote_discr, 0, "timeout: bfd.RemoteDiscr reset (6.8.1)");
	tap_result(!bfd_detect_expired(&s, ~0ULL), "timeout: detection stops until the next packet");
	tap_eq(s.tx, SEC, "timeout: back to 1 s Desired Min TX");

	s = aftr();
	p = pkt(BFD_STATE_DOWN, 0x77, 0);
	bfd_rx(&s, &p, t0);
	tap_eq(bfd_timeout(&s), 1, "timeout: Init -> Down reported");
	tap_eq(s.diag, BFD_DIAG_CONTROL_EXPIRED, "timeout: Init -> Down diag 1");
	s = aftr();
	p = pkt(BFD_STATE_ADMIN_DOWN, 0x77, 0);
	bfd_rx(&s, &p, t0);
	tap_eq(bfd_timeout(&s), 0, "timeout: a Down session does not change state");
	tap_eq(s.remote_discr, 0, "timeout: but forgets the remote discriminator");
}

static void test_tx_interval(void)
{
	struct bfd_session s = b4();
	struct bfd_ctrl p;
	uint32_t lo = ~0U, hi = 0, v, r;

	tap_eq(bfd_tx_interval_us(&s), SEC, "tx: 1 s before anything is known");
	s.remote_rx = 0;
	tap_eq(bfd_tx_interval_us(&s), SEC,
	       "tx: remote Required Min RX 0 while not Up: still 1 s (no packet silences it)");
	s.state = BFD_STATE_UP;
	tap_eq(bfd_tx_interval_us(&s), 0,
	       "tx: remote Required Min RX 0 while Up: no periodic packets");
	s = b4();
	s.state = BFD_STATE_UP;
	bfd_refresh_intervals(&s);
	s.flags &= ~BFD_SF_POLL;
	p = pkt(BFD_STATE_UP, 5, s.local_discr);
	p.flags |= BFD_FLAG_DEMAND;
	bfd_rx(&s, &p, 1);
	tap_eq(bfd_tx_interval_us(&s), 0, "tx: remote Demand mode with both Up: no periodic packets");
	p.flags &= ~BFD_FLAG_DEMAND;
	p.required_min_rx = htonl(700 * MS);
	bfd_rx(&s, &p, 2);
	tap_eq(bfd_tx_interval_us(&s), 700 * MS, "tx: slower remote Required Min RX wins");

	for (r = 0; r < 100; r++) {
		v = bfd_jitter_us(1000 * MS, 3, r * 2654435761U);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	tap_result(lo >= 750 * MS && hi <= 1000 * MS && lo < 760 * MS && hi > 990 * MS,
		   "jitter: 75%%..100%% of the interval (got %u..%u us)", lo, hi);
	lo = ~0U;
	hi = 0;
	for (r = 0; r < 100; r++) {
		v = bfd_jitter_us(1000 * MS, 1, r * 2654435761U);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	tap_result(lo >= 750 * MS && hi <= 900 * MS && hi > 880 * MS,
		   "jitter: 75%%..90%% with Detect Mult 1 (got %u..%u us)", lo, hi);
	tap_eq(bfd_jitter_us(4000 * SEC, 3, 25), 4000U * SEC,
	       "jitter: no overflow on long intervals");
}

static void test_admin(void)
{
	struct bfd_session s = b4();
	struct bfd_ctrl out;

	s.state = BFD_STATE_UP;
	bfd_set_admin_down(&s, BFD_DIAG_ADMIN_DOWN);
	tap_eq(s.state, BFD_STATE_ADMIN_DOWN, "admin: AdminDown");
	bfd_build(&s, &out);
	tap_result(bfd_ctrl_state(&out) == BFD_STATE_ADMIN_DOWN &&
		   bfd_ctrl_diag(&out) == BFD_DIAG_ADMIN_DOWN &&
		   ntohl(out.desired_min_tx) == SEC,
		   "admin: sends AdminDown, diag 7, 1 s");
	bfd_set_admin_up(&s);
	tap_result(s.state == BFD_STATE_DOWN && s.diag == 0, "admin: up again: Down, diag 0");
}

/* An initiator (B4) and a responder (AFTR) talk until both are Up and
 * every Poll Sequence is over. */
static void test_handshake(void)
{
	struct bfd_session i = b4(), a = aftr();
	struct bfd_ctrl p;
	uint64_t now = NS_MS;
	int steps = 0;

	while (steps < 10) {
		bfd_build(&i, &p);
		tap_eq(bfd_validate(&p, 24), BFD_RX_OK, "handshake %d: B4 packet valid", steps);
		bfd_rx(&a, &p, now);
		bfd_build(&a, &p);	/* the answer */
		tap_eq(bfd_validate(&p, 24), BFD_RX_OK, "handshake %d: AFTR answer valid", steps);
		bfd_rx(&i, &p, now);
		now += 300 * NS_MS;
		steps++;
		if (i.state == BFD_STATE_UP && a.state == BFD_STATE_UP &&
		    !((i.flags | a.flags) & (BFD_SF_POLL | BFD_SF_FINAL)))
			break;
	}
	tap_result(i.state == BFD_STATE_UP && a.state == BFD_STATE_UP,
		   "handshake: both Up after %d exchanges", steps);
	tap_result(steps <= 5, "handshake: settled within 5 exchanges (took %d)", steps);
	tap_eq(i.remote_discr, a.local_discr, "handshake: B4 knows the AFTR's discriminator");
	tap_eq(a.remote_discr, i.local_discr, "handshake: AFTR knows the B4's discriminator");
	tap_eq(bfd_tx_interval_us(&i), 300 * MS, "handshake: B4 transmits every 300 ms");
	tap_eq(a.tx, 300 * MS, "handshake: AFTR advertises 300 ms");
	tap_eq(bfd_detect_time_us(&i), 900 * MS, "handshake: B4 detection 900 ms");
	tap_eq(bfd_detect_time_us(&a), 900 * MS, "handshake: AFTR detection 900 ms");
}

static void test_names(void)
{
	int i, bad = 0;

	for (i = 0; i < BFD_RX__MAX; i++)
		bad += !strcmp(bfd_rx_result_name(i), "?");
	for (i = 0; i < 4; i++)
		bad += !strcmp(bfd_state_name(i), "?");
	for (i = 0; i <= BFD_DIAG_MAX; i++)
		bad += !strcmp(bfd_diag_name(i), "?");
	tap_eq(bad, 0, "names: every result, state and diag has a name");
	tap_result(!strcmp(bfd_diag_name(1), "control detection time expired") &&
		   !strcmp(bfd_diag_name(3), "neighbor signaled session down"),
		   "names: diag texts as FRR prints them");
}


/* the remote variables are back to their 6.8.1 values, detection stopped */
static int remote_reset(const struct bfd_session *s)
{
	return s->remote_discr == 0 && s->remote_rx == 1 && s->remote_tx == 0 &&
	       s->remote_mult == 0 && s->remote_echo_rx == 0 &&
	       !(s->flags & (BFD_SF_REMOTE_DEMAND | BFD_SF_POLL | BFD_SF_FINAL)) &&
	       s->last_rx_ns == 0 && bfd_detect_time_us(s) == 0;
}

/* a packet that asks this end to stop sending: Required Min RX 0, slow
 * and demanding everything else */
static struct bfd_ctrl silencer(unsigned int st, uint32_t your)
{
	struct bfd_ctrl p = pkt(st, 0x5150, your);

	p.required_min_rx = 0;
	p.desired_min_tx = htonl(0xffffffffU);
	p.detect_mult = 255;
	p.flags |= BFD_FLAG_DEMAND;
	p.required_min_echo_rx = htonl(7);
	return p;
}

/* an initiator Up with the AFTR (remote discriminator 0x77) */
static struct bfd_session b4_up(uint64_t t)
{
	struct bfd_session s = b4();
	struct bfd_ctrl p = pkt(BFD_STATE_INIT, 0x77, s.local_discr);

	bfd_rx(&s, &p, t);
	p = pkt(BFD_STATE_UP, 0x77, s.local_discr);
	p.flags |= BFD_FLAG_FINAL;
	bfd_rx(&s, &p, t);
	return s;
}

/*
 * Every way to Down, and what each leaves: the timeout resets the remote
 * variables (6.8.1) so the session transmits again; the received Down
 * paths keep what the packet said but never stop a session that is not
 * Up from sending; the detection time of whatever the remote advertised
 * is at most BFD_DETECT_TIME_MAX_US.
 */
static void test_down_paths(void)
{
	uint64_t t0 = 1000 * NS_MS, dt;
	struct bfd_session s, before;
	struct bfd_ctrl p;
	unsigned int st;
	int r;

	/* timeout from each state */
	for (st = BFD_STATE_DOWN; st <= BFD_STATE_UP; st++) {
		s = st == BFD_STATE_UP ? b4_up(t0) : b4();
		if (st != BFD_STATE_UP) {
			p = silencer(st == BFD_STATE_INIT ? BFD_STATE_DOWN :
				     BFD_STATE_ADMIN_DOWN, 0);
			bfd_rx(&s, &p, t0);
		} else {
			p = silencer(BFD_STATE_UP, s.local_discr);
			bfd_rx(&s, &p, t0);
		}
		tap_eq(s.state, st, "down paths: %s with a remote asking for silence",
		       bfd_state_name(st));
		tap_eq(bfd_detect_time_us(&s), BFD_DETECT_TIME_MAX_US,
		       "down paths: %s: 255 x 4295 s honoured as %llu s at most",
		       bfd_state_name(st), BFD_DETECT_TIME_MAX_US / SEC);
		dt = bfd_detect_time_us(&s) * 1000;
		tap_result(!bfd_detect_expired(&s, t0 + dt) &&
			   bfd_detect_expired(&s, t0 + dt + 1),
			   "down paths: %s: expires 1 ns after the capped time",
			   bfd_state_name(st));
		tap_eq(bfd_timeout(&s), st != BFD_STATE_DOWN,
		       "down paths: timeout from %s %s", bfd_state_name(st),
		       st != BFD_STATE_DOWN ? "goes Down" : "stays Down");
		tap_result(s.state == BFD_STATE_DOWN &&
			   (st == BFD_STATE_DOWN || s.diag == BFD_DIAG_CONTROL_EXPIRED),
			   "down paths: timeout from %s: Down, diag %d",
			   bfd_state_name(st), s.diag);
		tap_result(remote_reset(&s),
			   "down paths: timeout from %s: remote variables reset (6.8.1)",
			   bfd_state_name(st));
		tap_eq(bfd_tx_interval_us(&s), SEC,
		       "down paths: timeout from %s: transmits again, every 1 s",
		       bfd_state_name(st));
	}

	/* received Down and AdminDown (with our discriminator) on Up */
	for (st = BFD_STATE_ADMIN_DOWN; st <= BFD_STATE_DOWN; st++) {
		s = b4_up(t0);
		p = silencer(st, s.local_discr);
		r = bfd_rx(&s, &p, t0 + NS_MS);
		tap_result(r == BFD_RX_OK && s.state == BFD_STATE_DOWN &&
			   s.diag == BFD_DIAG_NEIGHBOR_DOWN,
			   "down paths: Up + received %s: Down, diag 3",
			   bfd_state_name(st));
		tap_result(s.remote_rx == 0 && bfd_tx_interval_us(&s) == SEC,
			   "down paths: Up + received %s asking for silence: keeps sending every 1 s",
			   bfd_state_name(st));
		tap_result(bfd_detect_expired(&s, t0 + NS_MS + BFD_DETECT_TIME_MAX_US * 1000 + 1) &&
			   !bfd_timeout(&s) && remote_reset(&s),
			   "down paths: Up + received %s: detection still bounded, then reset",
			   bfd_state_name(st));
	}
	/* Init + AdminDown */
	s = b4();
	p = pkt(BFD_STATE_DOWN, 0x77, 0);
	bfd_rx(&s, &p, t0);
	p = silencer(BFD_STATE_ADMIN_DOWN, 0);
	r = bfd_rx(&s, &p, t0);
	tap_result(r == BFD_RX_OK && s.state == BFD_STATE_DOWN &&
		   s.diag == BFD_DIAG_NEIGHBOR_DOWN && bfd_tx_interval_us(&s) == SEC,
		   "down paths: Init + received AdminDown: Down, diag 3, keeps sending");

	/* local AdminDown, and back */
	s = b4_up(t0);
	bfd_set_admin_down(&s, BFD_DIAG_ADMIN_DOWN);
	tap_result(s.state == BFD_STATE_ADMIN_DOWN && bfd_tx_interval_us(&s) == SEC,
		   "down paths: local AdminDown sends every 1 s");
	p = silencer(BFD_STATE_DOWN, s.local_discr);
	bfd_rx(&s, &p, t0);
	tap_result(s.state == BFD_STATE_ADMIN_DOWN && bfd_tx_interval_us(&s) == SEC,
		   "down paths: AdminDown + a packet asking for silence: still every 1 s");
	bfd_set_admin_up(&s);
	tap_result(s.state == BFD_STATE_DOWN && bfd_tx_interval_us(&s) == SEC,
		   "down paths: AdminDown -> Down: every 1 s");

	/* the sequence: a Down with Your Discriminator 0 and Required
	 * Min RX 0 delivered to an Up initiator changes nothing */
	s = b4_up(t0);
	before = s;
	p = silencer(BFD_STATE_DOWN, 0);
	r = bfd_rx(&s, &p, t0 + NS_MS);
	tap_result(r == BFD_RX_ZERO_DISCR_UP && !memcmp(&s, &before, sizeof(s)),
		   "down paths: Up + Down without Your Discriminator: discarded, unchanged");
	tap_result(bfd_tx_interval_us(&s) == 300 * MS, "down paths: ... and it keeps sending every 300 ms");
}

/* Your Discriminator 0 never selects an Up session; a restarted peer is
 * heard once the session timed out (within one detection time) */
static void test_zero_discr_up(void)
{
	uint64_t t0 = 1000 * NS_MS, dt;
	struct bfd_session s = aftr(), before;
	struct bfd_ctrl p = pkt(BFD_STATE_DOWN, 0x77, 0);
	unsigned int st;

	bfd_rx(&s, &p, t0);
	p = pkt(BFD_STATE_UP, 0x77, s.local_discr);
	bfd_rx(&s, &p, t0);
	tap_eq(s.state, BFD_STATE_UP, "zero discr: responder Up");
	for (st = BFD_STATE_ADMIN_DOWN; st <= BFD_STATE_DOWN; st++) {
		before = s;
		p = pkt(st, 0x99, 0);
		p.flags |= BFD_FLAG_POLL;
		tap_result(bfd_rx(&s, &p, t0 + NS_MS) == BFD_RX_ZERO_DISCR_UP &&
			   !memcmp(&s, &before, sizeof(s)),
			   "zero discr: %s with Your Discriminator 0 to an Up session: "
			   "discarded, nothing changed (no Final, no refresh)",
			   bfd_state_name(st));
	}
	/* its own packets keep it Up */
	p = pkt(BFD_STATE_UP, 0x77, s.local_discr);
	tap_eq(bfd_rx(&s, &p, t0 + 100 * NS_MS), BFD_RX_OK,
	       "zero discr: the peer's own packet is still accepted");
	dt = bfd_detect_time_us(&s) * 1000;
	/* the peer restarts: new discriminator, Down, Your Discriminator 0 */
	p = pkt(BFD_STATE_DOWN, 0x88, 0);
	tap_eq(bfd_rx(&s, &p, t0 + 100 * NS_MS + dt / 2), BFD_RX_ZERO_DISCR_UP,
	       "zero discr: a restarted peer is not heard while the session is Up");
	tap_result(bfd_detect_expired(&s, t0 + 100 * NS_MS + dt + 1) && bfd_timeout(&s),
		   "zero discr: the session times out one detection time after the last packet");
	tap_eq(bfd_rx(&s, &p, t0 + 100 * NS_MS + dt + 2), BFD_RX_OK,
	       "zero discr: then the restarted peer's Down is accepted");
	tap_result(s.state == BFD_STATE_INIT && s.remote_discr == 0x88,
		   "zero discr: Init with the new remote discriminator");
	tap_result(!strcmp(bfd_rx_result_name(BFD_RX_ZERO_DISCR_UP),
			   "your discriminator zero for an up session"),
		   "zero discr: result name");
}

int main(void)
{
	tap_start();
	test_init();
	test_validate();
	test_state_table();
	test_your_discr();
	test_remote_vars();
	test_build();
	test_poll_final();
	test_timer_change();
	test_responder();
	test_detection();
	test_tx_interval();
	test_admin();
	test_down_paths();
	test_zero_discr_up();
	test_handshake();
	test_names();
	return tap_done();
}
