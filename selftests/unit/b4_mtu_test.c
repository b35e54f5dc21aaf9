// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the B4 daemon's mtu health method (user/b4/mtu.c, RFC
 * 9764 padded probes of the BFD session), its logic without the daemon,
 * and the keywords that configure it:
 *
 *   b4_mtu_sent() --- a probe of SIZE bytes, or its send error --->
 *   b4_mtu_rx()   <--- the session's answers: LEN bytes (large / small)
 *   b4_mtu_judge(), b4_mtu_why() at chosen times (no clock)
 *
 * Judging: answered (an answer >= SIZE within multiplier x interval:
 * healthy), short (only smaller answers: "path MTU below SIZE", counted
 * short), none at all, the send failing (EMSGSIZE: "probes not sent").
 * Keywords (b4_config_parse, b4_health_parse): "pad mtu", "pad BYTES",
 * "health mtu" (all:bfd+mtu), mtu-size / mtu-interval / mtu-multiplier
 * and their defaults; bad values refused with the message that says why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "dslitectl.h"
#include "b4.h"
#include "tap.h"
#include "err_capture.h"

/* stubs of the daemon: mtu.o's daemon side is linked, not run */
void b4_log(const struct b4_daemon *d, const char *fmt, ...)
{
	(void)d;
	(void)fmt;
}

#include "b4_unit_stubs.h"

unsigned int b4_net_tunnel_mtu(const struct b4_daemon *d,
			       const struct b4_cand *c)
{
	(void)d;
	(void)c;
	return 1452;
}

int b4_net_send_probe(struct b4_daemon *d, struct b4_cand *c, size_t size)
{
	(void)d;
	(void)c;
	(void)size;
	errno = EMSGSIZE;
	return -1;
}

#define MS	1000000ULL
#define SIZE	1452
#define SMALL	(20 + 8 + 24)

static void why(const struct b4_mtu *m, uint64_t now, uint64_t small,
		char *buf)
{
	b4_mtu_why(m, now, small, buf, 128);
}

static void test_judging(void)
{
	struct b4_mtu m;
	char w[128];
	uint64_t t;

	b4_mtu_init(&m, 1000, 3);
	tap_check(!b4_mtu_judge(&m, 0), "new: not healthy before an answer");
	why(&m, 0, 0, w);
	tap_str("new: reason", "no probe sent yet", w);

	/* answered: a probe, its answer as large */
	t = 1000 * MS;
	b4_mtu_sent(&m, SIZE, t, 0, 0);
	why(&m, t, 0, w);
	tap_str("sent, no answer yet: reason", "no answer of 1452 bytes yet", w);
	b4_mtu_rx(&m, SMALL, t + 5 * MS);
	tap_check(!b4_mtu_judge(&m, t + 5 * MS), "a small answer is not one");
	b4_mtu_rx(&m, SIZE, t + 10 * MS);
	tap_check(b4_mtu_judge(&m, t + 10 * MS), "answered at its size: healthy");
	tap_eq(m.answered, 1, "answered counted");
	why(&m, t + 10 * MS, t + 5 * MS, w);
	tap_str("healthy: no reason", "", w);
	b4_mtu_rx(&m, SIZE + 8, t + 20 * MS);
	tap_eq(m.answered, 1, "a second large answer of the same probe: not counted again");
	tap_check(b4_mtu_judge(&m, t + 20 * MS + 3000 * MS),
		  "healthy up to multiplier x interval after the last answer");
	tap_check(!b4_mtu_judge(&m, t + 20 * MS + 3000 * MS + 1),
		  "unhealthy just after");

	/* short: the next probes are answered only by small packets */
	t = 2000 * MS;
	b4_mtu_sent(&m, SIZE, t, 0, 0);
	b4_mtu_rx(&m, SMALL, t + 100 * MS);
	b4_mtu_sent(&m, SIZE, t + 1000 * MS, t + 100 * MS, 0);
	tap_eq(m.short_answered, 1, "a probe overtaken by a small answer: short");
	b4_mtu_rx(&m, SMALL, t + 1100 * MS);
	b4_mtu_sent(&m, SIZE, t + 2000 * MS, t + 1100 * MS, 0);
	b4_mtu_rx(&m, SMALL, t + 2100 * MS);
	b4_mtu_sent(&m, SIZE, t + 3000 * MS, t + 2100 * MS, 0);
	b4_mtu_rx(&m, SMALL, t + 3100 * MS);
	tap_eq(m.short_answered, 3, "three short probes");
	tap_eq(m.sent, 5, "five probes sent");
	tap_check(!b4_mtu_judge(&m, t + 3100 * MS),
		  "short: unhealthy after 3 x 1000 ms without a large answer");
	why(&m, t + 3100 * MS, t + 3100 * MS, w);
	tap_str("short: reason",
		"path MTU below 1452: no answer that large within 3 x 1000 ms, smaller ones come",
		w);

	/* none: nothing at all comes back */
	why(&m, t + 9000 * MS, t + 3100 * MS, w);
	tap_str("none: reason", "no answer at all within 3 x 1000 ms", w);
	b4_mtu_sent(&m, SIZE, t + 9000 * MS, t + 3100 * MS, 0);
	tap_eq(m.short_answered, 4, "the last probe with a small answer after it: short");

	/* the send fails: EMSGSIZE (larger than the tunnel) */
	b4_mtu_sent(&m, SIZE, t + 10000 * MS, t + 3100 * MS, EMSGSIZE);
	tap_eq(m.short_answered, 4,
	       "a probe without any answer after it: not short");
	tap_eq(m.tx_errors, 1, "send error counted");
	tap_eq(m.sent, 6, "a failed send is not sent");
	why(&m, t + 10000 * MS, t + 3100 * MS, w);
	tap_str("send fails: reason",
		"path MTU below 1452: probes not sent (Message too long)", w);
	b4_mtu_rx(&m, SIZE, t + 10100 * MS);
	tap_check(b4_mtu_judge(&m, t + 10100 * MS),
		  "an answer as large (the session padded too): healthy");
	tap_eq(m.answered, 1, "not counted: no probe was pending");

	/* the size grows (the tunnel's MTU raised): old answers too small */
	b4_mtu_sent(&m, 1500, t + 11000 * MS, 0, 0);
	tap_eq(m.last_tx_errno, 0, "a send that works clears the error");
	b4_mtu_rx(&m, SIZE, t + 11100 * MS);
	tap_eq(m.answered, 1, "an answer of the old size is not an answer");
	b4_mtu_rx(&m, 1500, t + 11200 * MS);
	tap_eq(m.answered, 2, "one of the new size is");
}

/* parse "dev ds0 KW VAL [KW2 VAL2]" into c: the exit code */
static int parse(struct b4_config *c, const char *kw, const char *val,
		 const char *kw2, const char *val2)
{
	char *argv[6] = { "dev", "ds0", (char *)kw, (char *)val,
			  (char *)kw2, (char *)val2 };

	b4_config_init(c);
	return b4_config_parse(c, kw2 ? 6 : 4, argv);
}

static void refused(const char *kw, const char *val, const char *msg)
{
	struct b4_config c;
	char name[128];
	const char *e;
	int r;

	err_start();
	r = parse(&c, kw, val, NULL, NULL);
	e = err_end();
	snprintf(name, sizeof(name), "%s \"%s\" refused (exit %d)", kw, val,
		 DSLITECTL_EXIT_USAGE);
	tap_eq(r, DSLITECTL_EXIT_USAGE, "%s", name);
	snprintf(name, sizeof(name), "%s \"%s\": the error says why", kw, val);
	if (!tap_check(strstr(e, msg) != NULL, name)) {
		tap_diag("  want: ...%s...", msg);
		tap_diag("  got:  %s", e);
	}
}

static void test_keywords(void)
{
	struct b4_config c;
	struct b4_health h;
	char buf[B4_HEALTH_STR_MAX];

	b4_config_init(&c);
	tap_check(!c.pad && !c.pad_mtu && !c.mtu_size &&
		  c.mtu_interval_ms == B4_DEF_MTU_INTERVAL_MS &&
		  c.mtu_multiplier == B4_DEF_MTU_MULTIPLIER,
		  "defaults: no padding, mtu-size mtu, mtu-interval 1000, mtu-multiplier 3");
	tap_eq(B4_DEF_MTU_INTERVAL_MS, 1000, "the default interval is 1000 ms");
	tap_check(parse(&c, "pad", "mtu", NULL, NULL) == 0 && c.pad_mtu &&
		  !c.pad, "pad mtu");
	tap_check(parse(&c, "pad", "1400", NULL, NULL) == 0 && !c.pad_mtu &&
		  c.pad == 1400, "pad 1400");
	tap_check(parse(&c, "pad", "52", NULL, NULL) == 0 && c.pad == 52,
		  "pad 52 (the smallest: IPv4 + UDP + BFD)");
	tap_check(parse(&c, "pad", "9000", NULL, NULL) == 0 && c.pad == 9000,
		  "pad 9000 (the largest)");
	tap_check(parse(&c, "mtu-size", "1280", "mtu-interval", "200") == 0 &&
		  c.mtu_size == 1280 && c.mtu_interval_ms == 200,
		  "mtu-size 1280 mtu-interval 200");
	tap_check(parse(&c, "mtu-size", "mtu", "mtu-multiplier", "5") == 0 &&
		  c.mtu_size == 0 && c.mtu_multiplier == 5,
		  "mtu-size mtu mtu-multiplier 5");
	tap_check(parse(&c, "health", "mtu", NULL, NULL) == 0 &&
		  c.health.methods == (B4_M_BFD | B4_M_MTU) && !c.health.any,
		  "health mtu: BFD and mtu, both");
	tap_str("health mtu written", "all:bfd+mtu",
		b4_health_str(&c.health, buf));
	tap_check(b4_health_parse("any:ping+mtu+bfd", &h) == 0 &&
		  h.methods == (B4_M_BFD | B4_M_PING | B4_M_MTU) && h.any,
		  "health any:ping+mtu+bfd");
	tap_check(b4_health_parse("all:bfd+pcp+ping+echo+mtu", &h) == 0 &&
		  h.methods == B4_M_ALL, "health with every method");
	tap_str("every method written", "all:bfd+pcp+ping+echo+mtu",
		b4_health_str(&h, buf));
	tap_check(parse(&c, "aftr", "2001:db8::1,health=mtu", NULL, NULL) == 0 &&
		  c.aftr_opt[0].health.methods == (B4_M_BFD | B4_M_MTU) &&
		  b4_config_uses(&c, B4_M_MTU),
		  "aftr ADDR,health=mtu");

	refused("pad", "MTU", "pad must be mtu or a number 52..9000 bytes");
	refused("pad", "51", "pad must be mtu or a number 52..9000 bytes");
	refused("pad", "9001", "not \"9001\"");
	refused("pad", "mtu+8", "not \"mtu+8\"");
	refused("mtu-size", "0", "mtu-size must be mtu or a number 52..9000 bytes");
	refused("mtu-size", "-1", "not \"-1\"");
	refused("mtu-interval", "5", "mtu-interval must be");
	refused("mtu-interval", "60001", "mtu-interval must be");
	refused("mtu-multiplier", "0", "mtu-multiplier must be");
	refused("mtu-multiplier", "256", "mtu-multiplier must be");
	refused("health", "all:mtu+ping", "echo and mtu only with bfd");
	refused("health", "mtus", "health must be");
	tap_check(b4_health_parse("any:mtu+pcp", &h) == -1,
		  "health any:mtu+pcp refused (mtu needs bfd)");
	tap_check(b4_health_parse("all:mtu+mtu+bfd", &h) == -1,
		  "health all:mtu+mtu+bfd refused");
}

int main(void)
{
	tap_start();
	test_judging();
	test_keywords();
	return tap_done();
}
