// SPDX-License-Identifier: GPL-2.0
/*
 * The server side of a control socket: see ctl_server.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl_server.h"
#include "clock.h"

void ctl_srv_init(struct ctl_srv *c, const struct ctl_server *srv,
		  const struct ctl_srv_ops *ops, void *owner)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->srv = srv;
	c->ops = ops;
	c->owner = owner;
	c->fd = -1;
	c->lockfd = -1;
	for (i = 0; i < CTL_SRV_CLIENTS; i++)
		c->clients[i] = -1;
}

/*
 * safe_dir(path, e, elen): path exists (created 0700 if it did not) as a
 * directory, not a symbolic link, owned by root or us, writable by nobody
 * else. Returns 0, or -1 with the reason in e.
 */
static int safe_dir(const char *path, char *e, size_t elen)
{
	struct stat st;

	if ((mkdir(path, 0700) && errno != EEXIST) || lstat(path, &st)) {
		snprintf(e, elen, "control socket: %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(e, elen, "control socket: %s is %s, not a directory: refusing",
			 path, S_ISLNK(st.st_mode) ? "a symbolic link" :
			 "something else");
		return -1;
	}
	if (!ctl_ours(st.st_uid)) {
		snprintf(e, elen, "control socket: %s is owned by uid %u, not root: refusing",
			 path, (unsigned int)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(e, elen, "control socket: %s is writable by others (mode %03o): refusing",
			 path, (unsigned int)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

/* take_lock(c, dev, e, elen): the server's lock, or -1 with why in e */
static int take_lock(struct ctl_srv *c, const char *dev, char *e, size_t elen)
{
	struct stat st, now;
	int fd, tries;

	for (tries = 0;; tries++) {
		if (safe_dir(CTL_SRV_RUN_DIR, e, elen) ||
		    safe_dir(c->srv->base, e, elen) ||
		    (c->ns_dir && safe_dir(c->dir, e, elen)))
			return -1;
		fd = open(c->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			  0600);
		if (fd < 0 && errno == ENOENT && tries < 5)
			continue;	/* a server removed the directory */
		if (fd < 0) {
			snprintf(e, elen, "control socket: %s: %s%s", c->lock,
				 strerror(errno), errno == ELOOP ?
				 " (a symbolic link): refusing" : "");
			return -1;
		}
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
		    !ctl_ours(st.st_uid)) {
			snprintf(e, elen, "control socket: %s is not a regular file of root: refusing",
				 c->lock);
			close(fd);
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			if (errno == EWOULDBLOCK)
				snprintf(e, elen, "a %s already runs for %s in this network namespace",
					 c->srv->name, dev);
			else
				snprintf(e, elen, "control socket: lock %s: %s",
					 c->lock, strerror(errno));
			close(fd);
			return -1;
		}
		/* a server that stopped meanwhile removed the file we locked */
		if (!lstat(c->lock, &now) && now.st_ino == st.st_ino &&
		    now.st_dev == st.st_dev)
			break;
		close(fd);
		if (tries >= 5) {
			snprintf(e, elen, "control socket: %s keeps changing",
				 c->lock);
			return -1;
		}
	}
	c->lockfd = fd;
	return 0;
}

int ctl_srv_listen(struct ctl_srv *c, const char *dev, char *e, size_t elen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t um;
	int fd, r;

	r = ctl_dir(c->srv, c->dir, sizeof(c->dir), &c->ns_dir);
	if (r) {
		snprintf(e, elen, "control socket: which network namespace: %s",
			 strerror(-r));
		return -1;
	}
	snprintf(c->name, sizeof(c->name), "%s/%s.sock", c->dir, dev);
	snprintf(c->lock, sizeof(c->lock), "%s/%s.lock", c->dir, dev);
	if (take_lock(c, dev, e, elen))
		return -1;

	/* the lock is ours: what is at the path is a stale socket of ours
	 * (its server was killed), or not ours to remove */
	if (!lstat(c->name, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(e, elen, "control socket: %s exists and is not a socket: refusing (remove it)",
				 c->name);
			return -1;
		}
		if (!ctl_ours(st.st_uid)) {
			snprintf(e, elen, "control socket: %s is owned by uid %u: refusing (remove it)",
				 c->name, (unsigned int)st.st_uid);
			return -1;
		}
		if (unlink(c->name)) {
			snprintf(e, elen, "control socket: %s: %s", c->name,
				 strerror(errno));
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(e, elen, "control socket: %s: %s", c->name,
			 strerror(errno));
		return -1;
	}

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", c->name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(e, elen, "control socket: %s", strerror(errno));
		return -1;
	}
	um = umask(0177);	/* the socket is created 0600 */
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(um);
	if (r) {
		snprintf(e, elen, "control socket %s: %s", c->name,
			 strerror(errno));
		close(fd);
		return -1;
	}
	c->bound = true;
	if (listen(fd, CTL_SRV_CLIENTS)) {
		snprintf(e, elen, "control socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	c->fd = fd;
	return 0;
}

static void drop_client(struct ctl_srv *c, int slot)
{
	if (c->clients[slot] < 0)
		return;
	c->ops->unwatch(c, slot, c->clients[slot]);
	close(c->clients[slot]);
	c->clients[slot] = -1;
	c->deadline[slot] = 0;
	c->len[slot] = 0;
}

/* peer_ok(fd): the client is root or our user */
static bool peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) &&
	       ctl_ours(cr.uid);
}

void ctl_srv_accept(struct ctl_srv *c)
{
	static const char denied[] = "error: permission denied\n";
	int fd, slot, i;

	for (;;) {
		fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (!peer_ok(fd)) {
			send(fd, denied, sizeof(denied) - 1,
			     MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		/* a free slot, or the oldest client's: it had its time */
		for (slot = 0, i = 0; i < CTL_SRV_CLIENTS; i++) {
			if (c->clients[i] < 0) {
				slot = i;
				break;
			}
			if (c->deadline[i] < c->deadline[slot])
				slot = i;
		}
		drop_client(c, slot);
		if (c->ops->watch(c, slot, fd)) {
			close(fd);
			continue;
		}
		c->clients[slot] = fd;
		c->deadline[slot] = mono_ns() + CTL_SRV_TIMEOUT_NS;
		c->len[slot] = 0;
	}
}

void ctl_srv_read(struct ctl_srv *c, int slot)
{
	char *req = c->req[slot], *buf = NULL, *nl;
	int fd = c->clients[slot];
	size_t size = 0, off;
	ssize_t n;
	FILE *f;

	if (slot < 0 || slot >= CTL_SRV_CLIENTS || fd < 0)
		return;
	/* take what came (level-triggered epoll: leaving it queued would
	 * wake the loop again at once) */
	n = recv(fd, req + c->len[slot], CTL_SRV_REQ_MAX - c->len[slot],
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		goto out;
	c->len[slot] += n;
	nl = memchr(req, '\n', c->len[slot]);
	if (!nl) {
		if (c->len[slot] == CTL_SRV_REQ_MAX)
			goto out;	/* no request is that long */
		return;		/* the rest of the line, until the deadline */
	}
	*nl = '\0';

	f = open_memstream(&buf, &size);
	if (!f)
		goto out;
	c->ops->answer(c, req, f);
	fclose(f);
	for (off = 0; off < size; off += n) {
		n = send(fd, buf + off, size - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0)
			break;
	}
	free(buf);
out:
	drop_client(c, slot);
}

void ctl_srv_expire(struct ctl_srv *c, uint64_t now)
{
	int i;

	for (i = 0; i < CTL_SRV_CLIENTS; i++)
		if (c->clients[i] >= 0 && now >= c->deadline[i])
			drop_client(c, i);
}

uint64_t ctl_srv_deadline(const struct ctl_srv *c)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < CTL_SRV_CLIENTS; i++)
		if (c->clients[i] >= 0 && (!t || c->deadline[i] < t))
			t = c->deadline[i];
	return t;
}

void ctl_srv_close(struct ctl_srv *c)
{
	int i;

	for (i = 0; i < CTL_SRV_CLIENTS; i++)
		drop_client(c, i);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->bound)
		unlink(c->name);
	c->bound = false;
	if (c->lockfd >= 0) {
		/* still holding the lock: nobody else uses these */
		unlink(c->lock);
		if (c->ns_dir)
			rmdir(c->dir);	/* fails while another server runs */
		close(c->lockfd);
	}
	c->lockfd = -1;
}
