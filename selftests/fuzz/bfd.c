// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the BFD receive path. Every received control packet goes
 * through bfd_validate() and, when it passes, through the state machine
 * of include/dslite/bfd.h (the one the XDP responder runs too) twice: in
 * the B4's session (user/b4/bfd.c, b4_session_rx) and in a passive
 * responder session as the AFTR keeps it. Between packets the time
 * advances, timers run and the intervals or the admin state change.
 *
 * Input: records [op u8][delay_ms u16][...]; op & 3: 0 a packet
 * ([len u8][len bytes]; op bit 2 puts our discriminator in Your
 * Discriminator, so mutations get past the session selection), 1 a timer
 * run, 2 new intervals ([tx u32][rx u32][mult u8]), 3 admin down / up.
 *
 * Invariants: every packet we build passes bfd_validate(); a packet the
 * state machine discards changes nothing; Up never goes to Init; the
 * detection time stays within BFD_DETECT_TIME_MAX_US; the state and the
 * diag stay in range.
 */
#include <arpa/inet.h>

#include <dslite/bfd.h>

#include "dslitectl.h"
#include "b4.h"
#include "fuzz.h"

#define MS 1000000ULL
#define B4_DISCR 0x0b4b4b4bu
#define AFTR_DISCR 0x0af70001u

/*
 * The rest of user/b4/bfd.c (the daemon's side: sockets, logging) is not
 * reached from the session functions; these stand in for the daemon.
 */
#define UNREACHED() do { fprintf(stderr, "%s reached\n", __func__); abort(); } while (0)
/* the jitter's random source: deterministic, so a crash replays */
static uint32_t rnd_state;
uint32_t b4_random(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state;
}

void b4_log(const struct b4_daemon *d, const char *fmt, ...) { UNREACHED(); }
const char *b4_addr_str(const struct in6_addr *a, char *buf) { UNREACHED(); }
void b4_verdict_set(struct b4_daemon *d, int i, enum b4_method m, bool ok) { UNREACHED(); }
uint32_t b4_standby_ms(const struct b4_config *c) { UNREACHED(); }
int b4_net_open_session(struct b4_session *s, char *err, size_t errlen) { UNREACHED(); }
int b4_net_send(struct b4_daemon *d, struct b4_cand *c) { UNREACHED(); }
void b4_net_session_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t events) { UNREACHED(); }
int b4_watch_add(struct b4_daemon *d, struct b4_watch *w, int fd,
		 void (*cb)(struct b4_daemon *, struct b4_watch *, uint32_t)) { UNREACHED(); }
void b4_watch_del(struct b4_daemon *d, struct b4_watch *w) { UNREACHED(); }

static void check_session(const struct bfd_session *s, const char *who)
{
	struct bfd_ctrl out;
	struct bfd_session copy = *s;
	int r;

	fuzz_assert(s->state <= BFD_STATE_UP, "%s: state %u", who, s->state);
	fuzz_assert(s->diag <= BFD_DIAG_MAX, "%s: diag %u", who, s->diag);
	fuzz_assert(bfd_detect_time_us(s) <= BFD_DETECT_TIME_MAX_US,
		    "%s: detection time %llu us", who,
		    (unsigned long long)bfd_detect_time_us(s));
	bfd_build(&copy, &out);
	r = bfd_validate(&out, sizeof(out));
	fuzz_assert(r == BFD_RX_OK, "%s: our own packet is refused: %s", who,
		    bfd_rx_result_name(r));
	bfd_state_name(s->state);
	bfd_diag_name(s->diag);
	bfd_diag_name(s->remote_diag);
}

static void check_transition(uint8_t old, uint8_t now, const char *who)
{
	fuzz_assert(!(old == BFD_STATE_UP && now == BFD_STATE_INIT),
		    "%s: Up -> Init", who);
}

/* The responder's side, as bpf/ does it: select, receive, answer. */
static void aftr_rx(struct bfd_session *s, const struct bfd_ctrl *p,
		    uint64_t now)
{
	struct bfd_session before = *s;
	uint8_t old = s->state;
	struct bfd_ctrl out;
	int r;

	r = bfd_rx(s, p, now);
	if (r == BFD_RX_BAD_YOUR_DISCR || r == BFD_RX_ZERO_DISCR_UP) {
		fuzz_assert(!memcmp(&before, s, sizeof(*s)),
			    "aftr: a discarded packet (%s) changed the session",
			    bfd_rx_result_name(r));
		return;
	}
	check_transition(old, s->state, "aftr");
	if (bfd_final_pending(s))
		bfd_build(s, &out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct b4_session b4;
	struct bfd_session aftr;
	uint64_t now = 1000 * MS;
	int steps = 0;

	rnd_state = 1;
	memset(&b4, 0, sizeof(b4));
	b4_session_init(&b4, B4_DISCR, 300000, 300000, 3, now);
	bfd_session_init(&aftr, AFTR_DISCR, 1000000, 1000000, 0, 3,
			 BFD_SF_RESPONDER);

	while (in.left && steps++ < 256) {
		uint8_t op = fuzz_u8(&in);
		struct b4_change ch;
		uint8_t old;

		now += (uint64_t)fuzz_u16(&in) * MS;
		switch (op & 3) {
		case 0: {
			uint8_t len = fuzz_u8(&in);
			size_t got;
			const uint8_t *p = fuzz_bytes(&in, len, &got);
			struct b4_session before;
			uint8_t *pkt;
			int r;

			/* exact size: a read past the datagram is an ASan report */
			pkt = malloc(got ? got : 1);
			if (!pkt)
				return 0;
			memcpy(pkt, p, got);
			r = bfd_validate((const struct bfd_ctrl *)pkt, got);
			bfd_rx_result_name(r);
			if (r != BFD_RX_OK) {
				free(pkt);
				break;
			}
			if (op & 4)
				((struct bfd_ctrl *)pkt)->your_discr = htonl(B4_DISCR);
			before = b4;
			old = b4.bfd.state;
			if (old != BFD_STATE_ADMIN_DOWN) {
				b4_session_rx(&b4, (const struct bfd_ctrl *)pkt,
					      now, &ch);
				if (b4.rx_dropped != before.rx_dropped)
					fuzz_assert(!memcmp(&before.bfd, &b4.bfd,
							    sizeof(b4.bfd)),
						    "b4: a discarded packet changed the session");
				check_transition(old, b4.bfd.state, "b4");
				fuzz_assert(ch.changed == (old != b4.bfd.state),
					    "b4: change %d for %u -> %u",
					    ch.changed, old, b4.bfd.state);
			}
			if (op & 4)
				((struct bfd_ctrl *)pkt)->your_discr = htonl(AFTR_DISCR);
			aftr_rx(&aftr, (const struct bfd_ctrl *)pkt, now);
			free(pkt);
			break;
		}
		case 1:
			old = b4.bfd.state;
			b4_session_timer(&b4, now, &ch);
			check_transition(old, b4.bfd.state, "b4 timer");
			if (bfd_detect_expired(&aftr, now))
				bfd_timeout(&aftr);
			if (b4_session_tx_due(&b4, now)) {
				struct bfd_ctrl out;

				b4_session_build(&b4, &out, now);
				fuzz_assert(bfd_validate(&out, sizeof(out)) ==
					    BFD_RX_OK, "b4: built packet refused");
				aftr_rx(&aftr, &out, now);
			}
			break;
		case 2: {
			uint32_t tx = fuzz_u32(&in), rx = fuzz_u32(&in);
			uint8_t mult = fuzz_u8(&in);

			if (!mult)
				mult = 1;
			/* the range the keywords accept: 10 ms .. 60 s */
			tx = 10000 + tx % 60000000;
			rx = 10000 + rx % 60000000;
			b4_session_set_timers(&b4, tx, rx, mult, now);
			bfd_set_timers(&aftr, tx, rx, 0, mult);
			break;
		}
		case 3:
			if (op & 4) {
				bfd_set_admin_down(&b4.bfd, BFD_DIAG_ADMIN_DOWN);
				bfd_set_admin_down(&aftr, BFD_DIAG_ADMIN_DOWN);
			} else {
				bfd_set_admin_up(&b4.bfd);
				bfd_set_admin_up(&aftr);
			}
			break;
		}
		check_session(&b4.bfd, "b4");
		check_session(&aftr, "aftr");
	}
	return 0;
}
