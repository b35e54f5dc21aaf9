/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The judgement of "dslitectl aftr health run" (user/aftr/health.c): is
 * this member fit to serve, from one round of checks after another. A
 * pure function of the rounds and the clock, so that the unit test
 * (selftests/unit/aftr_health_test.c) drives it exactly.
 *
 *   - A member starts unfit: it is announced only after rise rounds in a
 *     row with every check passing.
 *   - A fit member becomes unfit after fall failed rounds in a row.
 *   - Hold-down: once unfit, a member stays unfit for at least hold_down_ns
 *     after it became so, however many good rounds it has (a member that
 *     fails and recovers again and again is announced at most once per
 *     hold-down). The first announcement after start has no hold-down.
 *
 * Draining is not the judgement's business: the route is announced when
 * the member is fit and not drained (health.c).
 */
#ifndef DSLITECTL_AFTR_HEALTH_H
#define DSLITECTL_AFTR_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

struct aftr_health_fsm {
	unsigned int rise, fall;	/* rounds in a row, at least 1 */
	uint64_t hold_down_ns;
	bool fit;
	unsigned int ok_run, bad_run;	/* current runs of good/bad rounds */
	bool was_unfit;			/* became unfit at least once */
	uint64_t unfit_at_ns;		/* when it last became unfit */
	uint64_t to_fit, to_unfit;	/* transitions, each way */
};

enum aftr_health_change {
	AFTR_HEALTH_SAME,
	AFTR_HEALTH_FIT,	/* became fit in this round */
	AFTR_HEALTH_UNFIT,	/* became unfit in this round */
	AFTR_HEALTH_HELD,	/* rise rounds reached, hold-down running */
};

static inline void aftr_health_init(struct aftr_health_fsm *f,
				    unsigned int rise, unsigned int fall,
				    uint64_t hold_down_ns)
{
	*f = (struct aftr_health_fsm){
		.rise = rise ? rise : 1,
		.fall = fall ? fall : 1,
		.hold_down_ns = hold_down_ns,
	};
}

/* aftr_health_hold_left(f, now): ns of hold-down left (0: none) */
static inline uint64_t aftr_health_hold_left(const struct aftr_health_fsm *f,
					     uint64_t now)
{
	uint64_t end;

	if (f->fit || !f->was_unfit)
		return 0;
	end = f->unfit_at_ns + f->hold_down_ns;
	return now < end ? end - now : 0;
}

/* aftr_health_step(f, ok, now): one round; ok when every check passed */
static inline enum aftr_health_change
aftr_health_step(struct aftr_health_fsm *f, bool ok, uint64_t now)
{
	if (!ok) {
		f->ok_run = 0;
		if (f->bad_run < UINT32_MAX)
			f->bad_run++;
		if (f->fit && f->bad_run >= f->fall) {
			f->fit = false;
			f->was_unfit = true;
			f->unfit_at_ns = now;
			f->to_unfit++;
			return AFTR_HEALTH_UNFIT;
		}
		return AFTR_HEALTH_SAME;
	}
	f->bad_run = 0;
	if (f->ok_run < UINT32_MAX)
		f->ok_run++;
	if (f->fit || f->ok_run < f->rise)
		return AFTR_HEALTH_SAME;
	if (aftr_health_hold_left(f, now))
		return AFTR_HEALTH_HELD;
	f->fit = true;
	f->to_fit++;
	return AFTR_HEALTH_FIT;
}

#endif /* DSLITECTL_AFTR_HEALTH_H */
