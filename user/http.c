// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics over HTTP (http.h): libmicrohttpd in external epoll mode,
 * driven by the caller's event loop (the B4 daemon's, or http_serve()'s
 * own for "dslitectl metrics serve"). Without libmicrohttpd (HTTP=0)
 * only the stubs at the end are built.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "dslitectl.h"
#include "clock.h"
#include "http.h"

#ifdef DSLITE_HTTP

#include <microhttpd.h>

struct http_server {
	struct MHD_Daemon *mhd;
	int fd;				/* MHD's epoll set */
	int lfd;			/* the listening socket (MHD's) */
	http_render_fn render;
	void *arg;
	uint64_t deadline_ns;		/* http_run() due, 0: none */
};

/* a fixed answer: status and a one-line text */
static enum MHD_Result answer(struct MHD_Connection *c, unsigned int status,
			      const char *text, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * One request. MHD calls this when the headers are complete (errors are
 * answered then, and the connection closed), then again when the body,
 * which a GET has not, was read: the page is rendered at that second
 * call, from the caller's state as it is, and the connection may stay
 * open for the next scrape (MHD closes a connection whose answer was
 * queued at the first call). A body, which a GET should not have, is
 * read and dropped as it comes (MHD's buffer, never more).
 */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int bad;

	(void)version;
	(void)upload_data;
	if (strcmp(url, HTTP_PATH))
		return answer(c, MHD_HTTP_NOT_FOUND,
			      "not found: the metrics are at " HTTP_PATH "\n",
			      NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			      "method not allowed: GET " HTTP_PATH "\n",
			      "GET, HEAD");
	if (!*con_cls) {
		*con_cls = s;		/* the headers are in: wait for the end */
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body: read and dropped */
		return MHD_YES;
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return answer(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			      "out of memory\n", NULL);
	bad = s->render(s->arg, f);
	if (fclose(f) || !buf)
		bad = 1;
	if (bad) {
		free(buf);
		return answer(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			      "the metrics could not be collected (see the server's log)\n",
			      NULL);
	}
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				HTTP_CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void set_deadline(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(s->mhd, &ms) == MHD_YES)
		s->deadline_ns = mono_ns() + (uint64_t)ms * 1000000ULL;
	else
		s->deadline_ns = 0;
}

/* the listening socket, bound: what can be refused is refused here */
static int listen_on(const struct http_listen *l, char *err, size_t errlen)
{
	char a[HTTP_LISTEN_STR_MAX];
	int fd, one = 1;

	fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		snprintf(err, errlen, "metrics %s: socket: %s",
			 http_listen_str(l, a), strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&l->ss, l->len) ||
	    listen(fd, HTTP_BACKLOG)) {
		snprintf(err, errlen, "metrics %s: %s", http_listen_str(l, a),
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct http_server *http_open(const struct http_listen *l,
			      http_render_fn render, void *arg, char *err,
			      size_t errlen)
{
	struct http_server *s;
	const union MHD_DaemonInfo *info;
	char a[HTTP_LISTEN_STR_MAX];

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "metrics: %s", strerror(ENOMEM));
		return NULL;
	}
	s->render = render;
	s->arg = arg;
	s->lfd = listen_on(l, err, errlen);
	if (s->lfd < 0) {
		free(s);
		return NULL;
	}
	s->mhd = MHD_start_daemon(MHD_USE_EPOLL |
				  (l->ss.ss_family == AF_INET6 ?
				   MHD_USE_IPv6 : 0),
				  0, NULL, NULL, handler, s,
				  MHD_OPTION_LISTEN_SOCKET, s->lfd,
				  MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned int)HTTP_CONN_MAX,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				  (unsigned int)HTTP_PER_IP_MAX,
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)HTTP_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				  (size_t)HTTP_MEM_MAX,
				  MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
				  MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, errlen, "metrics %s: the HTTP server did not start",
			 http_listen_str(l, a));
		close(s->lfd);
		free(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		snprintf(err, errlen, "metrics %s: no epoll set from the HTTP server",
			 http_listen_str(l, a));
		http_close(s);
		return NULL;
	}
	s->fd = info->epoll_fd;
	set_deadline(s);
	return s;
}

void http_close(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);	/* closes the listening socket too */
	free(s);
}

int http_fd(const struct http_server *s)
{
	return s->fd;
}

void http_run(struct http_server *s)
{
	MHD_run(s->mhd);
	set_deadline(s);
}

uint64_t http_deadline(const struct http_server *s)
{
	return s->deadline_ns;
}

int http_serve(const char *what, const struct http_listen *l,
	       http_render_fn render, void *arg)
{
	char err[512], a[HTTP_LISTEN_STR_MAX];
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	struct http_server *s;
	int ep = -1, sfd = -1, ret = DSLITECTL_EXIT_ERROR, n, i;
	bool stop = false;
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s = http_open(l, render, arg, err, sizeof(err));
	if (!s)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s", err);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = sfd;
	if (sfd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
		goto fail;
	ev.data.fd = http_fd(s);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, http_fd(s), &ev))
		goto fail;
	setvbuf(stderr, NULL, _IOLBF, 0);
	fprintf(stderr, "dslitectl: %s: serving http://%s%s\n", what,
		http_listen_str(l, a), HTTP_PATH);
	while (!stop) {
		uint64_t dl = http_deadline(s), now = mono_ns();
		int timeout = -1;

		if (dl)
			timeout = dl <= now ? 0 :
				  (int)((dl - now + 999999) / 1000000);
		n = epoll_wait(ep, evs, 4, timeout);
		if (n < 0 && errno != EINTR)
			goto fail;
		for (i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (evs[i].data.fd == sfd &&
			    read(sfd, &si, sizeof(si)) == sizeof(si))
				stop = true;
		}
		http_run(s);
	}
	ret = 0;
	goto out;
fail:
	ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s", strerror(errno));
out:
	http_close(s);
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

#else /* !DSLITE_HTTP: the build without libmicrohttpd */

struct http_server *http_open(const struct http_listen *l,
			      http_render_fn render, void *arg, char *err,
			      size_t errlen)
{
	(void)l;
	(void)render;
	(void)arg;
	snprintf(err, errlen, "metrics: %s", HTTP_NONE_MSG);
	return NULL;
}

void http_close(struct http_server *s)
{
	(void)s;
}

int http_fd(const struct http_server *s)
{
	(void)s;
	return -1;
}

void http_run(struct http_server *s)
{
	(void)s;
}

uint64_t http_deadline(const struct http_server *s)
{
	(void)s;
	return 0;
}

int http_serve(const char *what, const struct http_listen *l,
	       http_render_fn render, void *arg)
{
	(void)l;
	(void)render;
	(void)arg;
	return dslitectl_err(DSLITECTL_EXIT_USAGE, what, "%s", HTTP_NONE_MSG);
}

#endif /* DSLITE_HTTP */
