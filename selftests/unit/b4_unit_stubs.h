/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's helpers that a health method's code calls around its own
 * work (user/b4/daemon.c, user/b4/net.c), for unit tests that link the
 * method alone: addresses printed as inet_ntop() does, and the verdicts
 * counted in unit_verdicts (the test reads the method's own state, this
 * only says whether it reported at all). Included once, after b4.h.
 */
#ifndef _DSLITE_B4_UNIT_STUBS_H
#define _DSLITE_B4_UNIT_STUBS_H

#include <arpa/inet.h>

static int unit_verdicts;

const char *b4_addr_str(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

void b4_verdict_set(struct b4_daemon *d, int i, enum b4_method m, bool ok)
{
	(void)d;
	(void)i;
	(void)m;
	(void)ok;
	unit_verdicts++;
}

#endif
