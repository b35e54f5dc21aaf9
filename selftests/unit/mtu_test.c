// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the per-softwire path MTU record (include/dslite/mtu.h),
 * the code the AFTR's XDP responder runs on every PTB it learns from and
 * on every answered padded BFD packet: learn, lower, a higher MTU ignored
 * until expiry, expiry (modulo 2^32 seconds), never below 1280, the
 * padded-BFD raise, the MSS arithmetic. TAP on stdout.
 *
 *   PTB(mtu) ---> dslite_mtu_learn() ---> struct dslite_mtu_rec
 *   padded BFD(S), B4 Up ---> dslite_mtu_raise() --^       |
 *                                   dslite_mtu_mss(mtu) <--'
 */
#include <stdint.h>
#include <string.h>

#include <dslite/mtu.h>
#include <dslite/proto.h>

#include "tap.h"

_Static_assert(sizeof(struct dslite_mtu_rec) == 8, "the record is 8 bytes");
_Static_assert(DSLITE_MTU_MIN == DSLITE_IPV6_MIN_MTU, "1280");

#define EXP	600U

int main(void)
{
	struct dslite_mtu_rec r, keep;
	char names[64];
	uint32_t now = 1000;

	tap_start();
	memset(&r, 0xa5, sizeof(r));

	/* learn */
	tap_eq(dslite_mtu_learn(&r, 0, 1400, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_LEARNT, "a PTB with no record: learnt");
	tap_check(r.mtu == 1400 && r.source == DSLITE_MTU_SRC_PTB &&
		  r.flags == 0 && r.expires_s == now + EXP,
		  "the record: mtu 1400, source ptb, flags 0, expires now + 600");
	tap_check(dslite_mtu_valid(&r, now) && dslite_mtu_valid(&r, now + EXP - 1),
		  "valid until its last second");
	tap_check(!dslite_mtu_valid(&r, now + EXP), "expired at now + 600");

	/* lower */
	now += 10;
	tap_eq(dslite_mtu_learn(&r, 1, 1300, DSLITE_MTU_SRC_PTB_RELAYED, now, EXP),
	       DSLITE_MTU_LOWERED, "a lower MTU: lowered");
	tap_check(r.mtu == 1300 && r.source == DSLITE_MTU_SRC_PTB_RELAYED &&
		  r.expires_s == now + EXP,
		  "lowered to 1300, source ptb-relayed, expiry refreshed");

	/* higher: ignored, nothing changes (not even the expiry) */
	now += 10;
	keep = r;
	tap_eq(dslite_mtu_learn(&r, 1, 1450, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_IGNORED, "a higher MTU on a valid record: ignored");
	tap_check(!memcmp(&keep, &r, sizeof(r)), "the record is unchanged");

	/* the same MTU refreshes */
	tap_eq(dslite_mtu_learn(&r, 1, 1300, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_REFRESHED, "the same MTU: refreshed");
	tap_eq(r.expires_s, now + EXP, "refreshed: expires now + 600");

	/* higher after expiry: learnt */
	now = r.expires_s;
	tap_eq(dslite_mtu_learn(&r, 1, 1450, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_LEARNT, "a higher MTU once the record expired: learnt");
	tap_eq(r.mtu, 1450, "the expired record replaced: 1450");

	/* never below 1280 */
	keep = r;
	tap_eq(dslite_mtu_learn(&r, 1, 1279, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_IGNORED, "a PTB of 1279: ignored");
	tap_eq(dslite_mtu_learn(&r, 1, 0, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_IGNORED, "a PTB of 0: ignored");
	tap_eq(dslite_mtu_learn(&r, 0, 68, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_IGNORED, "a PTB of 68 without a record: ignored");
	tap_eq(dslite_mtu_learn(&r, 1, 65536, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_IGNORED, "a PTB of 65536: ignored");
	tap_check(!memcmp(&keep, &r, sizeof(r)), "the record is unchanged");
	tap_eq(dslite_mtu_learn(&r, 1, 1280, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_LOWERED, "a PTB of exactly 1280: lowered");
	tap_eq(r.mtu, 1280, "the record holds 1280");
	memset(&r, 0, sizeof(r));
	tap_check(!dslite_mtu_valid(&r, 0) && !dslite_mtu_valid(&r, 5),
		  "a zero record is never valid");

	/* expiry across the 32-bit wrap of the seconds */
	now = 0xffffff00U;
	tap_eq(dslite_mtu_learn(&r, 0, 1400, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_LEARNT, "learnt 256 s before the seconds wrap");
	tap_check(dslite_mtu_valid(&r, now + 500) && !dslite_mtu_valid(&r, now + 600),
		  "valid across the wrap, expired 600 s later");

	/* the padded-BFD raise */
	now = 5000;
	dslite_mtu_learn(&r, 0, 1300, DSLITE_MTU_SRC_PTB, now, EXP);
	keep = r;
	tap_eq(dslite_mtu_raise(&r, 1300, now + 1, EXP), 0,
	       "padded BFD of the record's size: no raise");
	tap_eq(dslite_mtu_raise(&r, 1290, now + 1, EXP), 0,
	       "padded BFD smaller than the record: no raise");
	tap_check(!memcmp(&keep, &r, sizeof(r)), "the record is unchanged");
	tap_eq(dslite_mtu_raise(&r, 1400, now + 1, EXP), 1,
	       "padded BFD of 1400 over a record of 1300: raised");
	tap_check(r.mtu == 1400 && r.source == DSLITE_MTU_SRC_BFD_PADDED &&
		  r.expires_s == now + 1 + EXP,
		  "raised to 1400, source bfd-padded, expiry refreshed");
	tap_eq(dslite_mtu_raise(&r, 70000, now + 1, EXP), 0,
	       "an outer size beyond 65535: no raise");
	r.expires_s = now;
	tap_eq(dslite_mtu_raise(&r, 1500, now, EXP), 0,
	       "an expired record is not raised");
	tap_eq(dslite_mtu_learn(&r, 1, 1280, DSLITE_MTU_SRC_PTB, now, EXP),
	       DSLITE_MTU_LEARNT, "after a raise, a PTB still lowers (learnt anew once expired)");

	/* MSS */
	tap_eq(dslite_mtu_mss(1280), 1192, "MSS for 1280: 1280 - 48 - 20 - 20 = 1192");
	tap_eq(dslite_mtu_mss(1500), 1412, "MSS for 1500: 1412");
	tap_eq(dslite_mtu_mss(1400), 1312, "MSS for 1400: 1312");
	tap_eq(dslite_mtu_mss(100), 1192, "MSS for an MTU below 1280: that of 1280");

	/* names */
	snprintf(names, sizeof(names), "%s %s %s %s",
		 dslite_mtu_source_name(DSLITE_MTU_SRC_PTB),
		 dslite_mtu_source_name(DSLITE_MTU_SRC_PTB_RELAYED),
		 dslite_mtu_source_name(DSLITE_MTU_SRC_BFD_PADDED),
		 dslite_mtu_source_name(0));
	tap_str("source names", "ptb ptb-relayed bfd-padded unknown", names);
	return tap_done();
}
