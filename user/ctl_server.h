/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The server side of a control socket (user/ctl_server.c), shared by the
 * B4 daemon (b4/ctl.c) and the AFTR's health supervisor (aftr/health.c);
 * the directory and the client are user/ctl_client.c.
 *
 * BASE/IFNAME.sock (BASE/COOKIE/IFNAME.sock outside PID 1's network
 * namespace), 0600, in directories created 0700 that must be directories
 * (not symbolic links) of root or of our user, writable by nobody else.
 * IFNAME.lock beside it, flock()ed for the server's life, keeps a second
 * server of the same interface out; its holder removes a stale socket of
 * its own user (a server killed with SIGKILL leaves one) and refuses
 * anything else at that path.
 *
 * Only root and our own user are answered (SO_PEERCRED). A client sends
 * one line (at most CTL_SRV_REQ_MAX bytes, within CTL_SRV_TIMEOUT_NS of
 * connecting, else it is dropped); the server's answer callback writes
 * the whole answer, which is sent and the connection closed. When every
 * slot is taken, a new client takes the oldest one's.
 *
 * The server lives in its owner's event loop: ops->watch and
 * ops->unwatch add and remove a client's socket there (readable: call
 * ctl_srv_read() with its slot); the listening socket (fd) is the
 * owner's to watch (readable: ctl_srv_accept()); ctl_srv_expire() from
 * the owner's timer.
 */
#ifndef DSLITECTL_CTL_SERVER_H
#define DSLITECTL_CTL_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl_client.h"

#define CTL_SRV_RUN_DIR		"/run/dslite"	/* every BASE's parent */
#define CTL_SRV_CLIENTS		4
#define CTL_SRV_REQ_MAX		64
#define CTL_SRV_TIMEOUT_NS	(2 * 1000000000ULL)

struct ctl_srv;

struct ctl_srv_ops {
	/* watch/unwatch client slot's socket fd in the owner's loop */
	int (*watch)(struct ctl_srv *c, int slot, int fd);
	void (*unwatch)(struct ctl_srv *c, int slot, int fd);
	/* write the answer to one request line (without its newline) */
	void (*answer)(struct ctl_srv *c, const char *req, FILE *f);
};

struct ctl_srv {
	const struct ctl_server *srv;	/* its directory, its names */
	const struct ctl_srv_ops *ops;
	void *owner;			/* the ops' context */
	int fd;				/* listening; -1 */
	int lockfd;			/* IFNAME.lock, flock()ed; -1 */
	bool bound;			/* the socket is ours: unlink at close */
	bool ns_dir;			/* dir is this namespace's own */
	char dir[64];			/* BASE or BASE/COOKIE */
	char name[108];			/* the socket's path */
	char lock[128];
	int clients[CTL_SRV_CLIENTS];	/* -1: free */
	uint64_t deadline[CTL_SRV_CLIENTS];
	char req[CTL_SRV_CLIENTS][CTL_SRV_REQ_MAX];	/* partial requests */
	size_t len[CTL_SRV_CLIENTS];
};

/* ctl_srv_init(c, srv, ops, owner): nothing open yet */
void ctl_srv_init(struct ctl_srv *c, const struct ctl_server *srv,
		  const struct ctl_srv_ops *ops, void *owner);

/* ctl_srv_listen(c, dev, e, elen): the lock taken, the socket of dev
 * listening (c->fd). 0, or -1 with the reason in e. */
int ctl_srv_listen(struct ctl_srv *c, const char *dev, char *e, size_t elen);

/* ctl_srv_accept(c): every pending connection taken (or refused) */
void ctl_srv_accept(struct ctl_srv *c);

/* ctl_srv_read(c, slot): what client slot sent; answered once a line is
 * whole */
void ctl_srv_read(struct ctl_srv *c, int slot);

/* ctl_srv_expire(c, now): clients past their deadline dropped */
void ctl_srv_expire(struct ctl_srv *c, uint64_t now);

/* ctl_srv_deadline(c): the earliest client deadline, 0 without clients */
uint64_t ctl_srv_deadline(const struct ctl_srv *c);

/* ctl_srv_close(c): clients dropped, socket and lock removed */
void ctl_srv_close(struct ctl_srv *c);

#endif
