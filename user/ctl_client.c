// SPDX-License-Identifier: GPL-2.0
/*
 * The control sockets' common part: see ctl_client.h.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "ctl_client.h"

#define CTL_CLIENT_TIMEOUT_S	5

bool ctl_ours(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

int ctl_dir(const struct ctl_server *s, char *buf, size_t len, bool *ns_dir)
{
	uint64_t cookie;
	int r;

	r = netns_is_pid1();
	if (r < 0 && s->unknown_ns_cookie && (r == -EACCES || r == -EPERM))
		r = 0;
	if (r < 0)
		return r;
	*ns_dir = !r;
	if (r) {
		snprintf(buf, len, "%s", s->base);
		return 0;
	}
	r = netns_cookie(&cookie);
	if (r)
		return r;
	snprintf(buf, len, "%s/%" PRIu64, s->base, cookie);
	return 0;
}

int ctl_find(const char *dir, char names[][DSLITECTL_IFNAMSIZ], int max)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct dirent *de;
	int n = 0, fd;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dp)) && n < max) {
		size_t len = strlen(de->d_name);

		if (de->d_type != DT_SOCK || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".sock") ||
		    len - 5 >= DSLITECTL_IFNAMSIZ)
			continue;
		if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir,
			     de->d_name) >= (int)sizeof(sun.sun_path))
			continue;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
		if (fd < 0)
			break;
		/* EAGAIN: a listener whose backlog is full, alive all the same */
		if (!connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
		    errno == EAGAIN) {
			memcpy(names[n], de->d_name, len - 5);
			names[n++][len - 5] = '\0';
		}
		close(fd);
	}
	closedir(dp);
	return n;
}

int ctl_no_access(const char *what, const struct ctl_server *s,
		  const char *path, int err)
{
	return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
			     "%s: %s (the %s answers root and its own user only)",
			     path, strerror(err), s->name);
}

int ctl_connect(const char *what, const struct ctl_server *s, const char *dir,
		const char *dev, int *fdp)
{
	struct timeval tv = { .tv_sec = CTL_CLIENT_TIMEOUT_S };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock", dir, dev);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "socket: %s",
				     strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int err = errno;

		close(fd);
		if (err == ECONNREFUSED || err == ENOENT)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "no %s runs for %s in this network namespace",
					     s->name, dev);
		if (err == EACCES || err == EPERM)
			return ctl_no_access(what, s, sun.sun_path, err);
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "connect to the %s of %s: %s",
				     s->short_name, dev, strerror(err));
	}
	/* whoever listens there must be root (or us): nobody else may put
	 * words in the server's mouth */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) ||
	    !ctl_ours(cr.uid)) {
		close(fd);
		if (crlen != sizeof(cr))
			cr.uid = (uid_t)-1;
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s is served by uid %d (pid %d), not by root: refusing its answer",
				     sun.sun_path, (int)cr.uid, (int)cr.pid);
	}
	*fdp = fd;
	return 0;
}

int ctl_relay(const char *what, const struct ctl_server *s, const char *dev,
	      int fd, const char *req, FILE *out)
{
	bool first = true;
	char buf[4096];
	ssize_t n = 0, r;

	/* a server that refuses at once has closed already: its one line
	 * "error: WHY" is queued all the same */
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "send: %s",
				     strerror(errno));
	for (;;) {
		r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECONNRESET && n)
			break;
		if (r < 0)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "no answer from the %s of %s: %s",
					     s->short_name, dev, strerror(errno));
		if (r == 0)
			break;
		/* "error: WHY" instead of an answer */
		if (first && r >= 7 && !memcmp(buf, "error: ", 7)) {
			buf[r] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "the %s of %s refused: %s",
					     s->short_name, dev, buf + 7);
		}
		first = false;
		fwrite(buf, 1, r, out);
		n += r;
	}
	if (n == 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "the %s of %s closed the connection",
				     s->short_name, dev);
	fflush(out);
	return DSLITECTL_EXIT_OK;
}

int ctl_ask(const char *what, const struct ctl_server *s, const char *dir,
	    const char *dev, const char *req, FILE *out)
{
	int fd, r;

	r = ctl_connect(what, s, dir, dev, &fd);
	if (r)
		return r;
	r = ctl_relay(what, s, dev, fd, req, out);
	close(fd);
	return r;
}
