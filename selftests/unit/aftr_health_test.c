// SPDX-License-Identifier: GPL-2.0
/*
 * The judgement of "dslitectl aftr health run" (user/aftr/health.h),
 * round by round: rise, fall, hold-down, and the transitions counted.
 * Each round is one character: '+' every check passed, '-' one failed;
 * the expected outcome of each round: '.' nothing, 'F' became fit, 'U'
 * became unfit, 'H' good enough but held down.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "aftr/health.h"

#define MS	1000000ULL

/* run(name, rise, fall, hold_ms, interval_ms, rounds, want) */
static void run(const char *name, unsigned int rise, unsigned int fall,
		uint64_t hold_ms, uint64_t step_ms, const char *rounds,
		const char *want)
{
	static const char code[] = { [AFTR_HEALTH_SAME] = '.',
				     [AFTR_HEALTH_FIT] = 'F',
				     [AFTR_HEALTH_UNFIT] = 'U',
				     [AFTR_HEALTH_HELD] = 'H' };
	struct aftr_health_fsm f;
	char got[128] = "";
	size_t i;

	aftr_health_init(&f, rise, fall, hold_ms * MS);
	for (i = 0; rounds[i] && i < sizeof(got) - 1; i++)
		got[i] = code[aftr_health_step(&f, rounds[i] == '+',
					       (i + 1) * step_ms * MS)];
	got[i] = '\0';
	if (!tap_result(!strcmp(got, want), "%s", name)) {
		tap_diag("  rounds %s", rounds);
		tap_diag("  got    %s", got);
		tap_diag("  want   %s", want);
	}
}

int main(void)
{
	struct aftr_health_fsm f;

	tap_start();
	run("starts unfit: fit after rise good rounds",
	    3, 3, 0, 1000, "+++++", "..F..");
	run("a bad round restarts the rise",
	    3, 3, 0, 1000, "++-+++", ".....F");
	run("unfit after fall bad rounds in a row, not before",
	    2, 3, 0, 1000, "++--+---", ".F.....U");
	run("rise 1, fall 1: every change at once",
	    1, 1, 0, 1000, "+-+-", "FUFU");
	run("no hold-down before the first announcement",
	    1, 1, 5000, 1000, "+", "F");
	/* unfit at t=3 s; good from t=4 s; held until t=3+5=8 s */
	run("hold-down: good again, held until hold-down after unfit",
	    2, 1, 5000, 1000, "++-++++++", ".FU.HHHF.");
	/* a failure while held resets the rise, not the hold-down */
	run("hold-down: a bad round while held restarts the rise only",
	    2, 1, 5000, 1000, "++-++-+++", ".FU.H..F.");
	run("hold-down: over before rise is reached: fit at rise",
	    3, 1, 1500, 1000, "+++-+++", "..FU..F");
	run("flapping: announced at most once per hold-down",
	    1, 1, 4000, 1000, "+-+-+-+-+", "FUH.H.FUH");

	aftr_health_init(&f, 2, 2, 3000 * MS);
	aftr_health_step(&f, true, 1 * MS);
	aftr_health_step(&f, true, 2 * MS);
	aftr_health_step(&f, false, 3 * MS);
	aftr_health_step(&f, false, 4 * MS);
	tap_eq(f.to_fit, 1, "transitions to fit counted");
	tap_eq(f.to_unfit, 1, "transitions to unfit counted");
	tap_eq(aftr_health_hold_left(&f, 1004 * MS), 2000 * MS,
	       "hold-down left: 3000 ms from the transition");
	tap_eq(aftr_health_hold_left(&f, 3004 * MS), 0,
	       "hold-down left: none once over");
	aftr_health_init(&f, 0, 0, 0);
	tap_eq(f.rise * 10 + f.fall, 11, "rise and fall of 0 are taken as 1");
	return tap_done();
}
