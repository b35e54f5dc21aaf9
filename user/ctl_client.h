/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control sockets' common part (user/ctl_client.c): the directory of
 * a network namespace's sockets and the client that asks one of them.
 * Two servers use it: the B4 daemon (b4/ctl.c: "b4 status", "b4
 * metrics") and the AFTR's health supervisor (aftr/health.c: "aftr health
 * status|drain|resume").
 *
 * BASE/IFNAME.sock in PID 1's network namespace, BASE/COOKIE/IFNAME.sock
 * in any other; a server answers root and its own user only, and a client
 * believes only a server run by root or by itself (SO_PEERCRED).
 */
#ifndef DSLITECTL_CTL_CLIENT_H
#define DSLITECTL_CTL_CLIENT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "dslitectl.h"

/* a server, as its clients' messages name it */
struct ctl_server {
	const char *name;	/* "b4 daemon": "no b4 daemon runs ..." */
	const char *short_name;	/* "daemon": "the daemon of ds0 refused" */
	const char *base;	/* its directory in PID 1's namespace */
	bool unknown_ns_cookie;	/* a namespace that cannot be told uses
				 * the cookie's directory (else -EACCES) */
};

/* ctl_ours(uid): a file or peer of root or of this process's user */
bool ctl_ours(uid_t uid);

/* ctl_dir(s, buf, len, ns_dir): the directory of this network
 * namespace's sockets of s; *ns_dir when it is the namespace's own (not
 * PID 1's). 0 or -errno. */
int ctl_dir(const struct ctl_server *s, char *buf, size_t len, bool *ns_dir);

/* ctl_find(dir, names, max): the interfaces whose sockets in dir answer a
 * connection (a server killed with SIGKILL leaves its socket behind).
 * How many, or -errno. */
int ctl_find(const char *dir, char names[][DSLITECTL_IFNAMSIZ], int max);

/* ctl_no_access(what, s, path, err): the error of a socket or directory
 * this user may not use; returns the exit code */
int ctl_no_access(const char *what, const struct ctl_server *s,
		  const char *path, int err);

/* ctl_connect(what, s, dir, dev, fd): connected to the server of dev and
 * sure it runs as root or as us. 0 with *fd, or an exit code (printed). */
int ctl_connect(const char *what, const struct ctl_server *s, const char *dir,
		const char *dev, int *fdp);

/* ctl_relay(what, s, dev, fd, req, out): send req, copy the answer to
 * out ("error: WHY" as the first line: refused). An exit code (printed). */
int ctl_relay(const char *what, const struct ctl_server *s, const char *dev,
	      int fd, const char *req, FILE *out);

/* ctl_ask(what, s, dir, dev, req, out): ctl_connect(), ctl_relay() */
int ctl_ask(const char *what, const struct ctl_server *s, const char *dir,
	    const char *dev, const char *req, FILE *out);

#endif
