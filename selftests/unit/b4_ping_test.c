// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the B4 daemon's ping receive path (user/b4/ping.c): a
 * burst of packets queued on a candidate's ping socket is read at most
 * B4_PING_RX_BURST (32) at a time, so a flood cannot hold the daemon's
 * loop; the rest waits for the next wake-up (level-triggered epoll).
 *
 *   [ b4_ping_test ]  socketpair(AF_UNIX, SOCK_DGRAM)
 *     sv[1] --- 100 datagrams ---> sv[0] = the candidate's ping socket
 *     b4_ping_input(d, 0); ping_recv() below reads one datagram a call
 *
 * The daemon's other parts are stubs: nothing here sends or decides.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "dslitectl.h"
#include "b4.h"
#include "ping.h"
#include "tap.h"

/* stubs of the daemon */
void b4_log(const struct b4_daemon *d, const char *fmt, ...)
{
	(void)d;
	(void)fmt;
}

uint32_t b4_random(void)
{
	return 4;
}

#include "b4_unit_stubs.h"

/* the watchers: no epoll here */
#include "b4_watch_stubs.h"

/* stubs of ping.h: one datagram is one packet, "not an echo reply" */
int ping_recv(int fd, const struct in6_addr *aftr, struct ping_echo *e)
{
	char buf[64];

	(void)aftr;
	memset(e, 0, sizeof(*e));
	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 ? -1 : 0;
}

int ping_open_tunnel(const char *ifname, uint16_t id, char *err,
		     size_t errlen)
{
	(void)ifname;
	(void)id;
	snprintf(err, errlen, "stub");
	return -1;
}

int ping_open_direct(const struct in6_addr *src, uint16_t id, char *err,
		     size_t errlen)
{
	(void)src;
	(void)id;
	snprintf(err, errlen, "stub");
	return -1;
}

int ping_send(int fd, const struct in6_addr *aftr, uint16_t id, uint16_t seq,
	      uint64_t stamp_ns, char *err, size_t errlen)
{
	(void)fd;
	(void)aftr;
	(void)id;
	(void)seq;
	(void)stamp_ns;
	snprintf(err, errlen, "stub");
	return -1;
}

/* queued(fd): datagrams left on fd (read and dropped) */
static int queued(int fd)
{
	char buf[64];
	int n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

int main(void)
{
	struct b4_daemon *d;
	struct b4_ping *p;
	int sv[2], i, sent = 0;

	tap_start();
	d = calloc(1, sizeof(*d));
	if (!d || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv)) {
		tap_result(0, "set-up: %s", strerror(errno));
		return tap_done();
	}
	d->n_cand = 1;
	d->epfd = -1;
	p = &d->cand[0].ping;
	b4_ping_init(p);
	p->fd = sv[0];
	p->fd_path = B4_PATH_TUNNEL;
	for (i = 0; i < 100; i++)
		sent += send(sv[1], "x", 1, MSG_DONTWAIT) == 1;
	tap_eq(sent, 100, "100 packets queued on the ping socket");

	b4_ping_input(d, 0);
	tap_eq(p->others, 32, "one wake-up reads 32 packets");
	b4_ping_input(d, 0);
	tap_eq(p->others, 64, "the next wake-up 32 more");
	b4_ping_input(d, 0);
	b4_ping_input(d, 0);
	tap_eq(p->others, 100, "then the last 36, and it stops when the socket is empty");
	tap_eq(queued(sv[0]), 0, "nothing left queued");
	tap_eq(p->received, 0, "none counted as a reply");
	tap_eq(unit_verdicts, 0, "no health verdict from packets that are not replies");

	close(sv[0]);
	close(sv[1]);
	free(d);
	return tap_done();
}
