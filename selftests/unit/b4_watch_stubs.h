/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's watchers (user/b4/daemon.c) for unit tests that run a
 * method's code without an event loop: a watch just records its fd and
 * callback, the test calls the callback itself. Included once, after
 * b4.h.
 */
#ifndef _DSLITE_B4_WATCH_STUBS_H
#define _DSLITE_B4_WATCH_STUBS_H

int b4_watch_add(struct b4_daemon *d, struct b4_watch *w, int fd,
		 void (*cb)(struct b4_daemon *, struct b4_watch *, uint32_t))
{
	(void)d;
	w->cb = cb;
	w->fd = fd;
	return 0;
}

void b4_watch_del(struct b4_daemon *d, struct b4_watch *w)
{
	(void)d;
	w->fd = -1;
}

int b4_watch_cand(const struct b4_daemon *d, const struct b4_watch *w,
		  enum b4_method m)
{
	(void)d;
	(void)w;
	(void)m;
	return 0;
}

#endif
