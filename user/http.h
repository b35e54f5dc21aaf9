/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics over HTTP: one endpoint, GET /metrics, served by
 * libmicrohttpd in the caller's own event loop (no thread of its own).
 *
 * The server is MHD's "external epoll" mode: MHD keeps its listening
 * socket and its connections in an epoll set of its own, whose file
 * descriptor (http_fd()) the caller adds to its epoll set; when that is
 * readable, or when http_deadline() has passed, the caller calls
 * http_run(), which does what is ready without blocking (reads what has
 * come, answers complete requests, closes timed-out connections) and
 * returns. The page is rendered inside http_run() by the caller's
 * render function, from the caller's own state, in the caller's thread:
 * no lock, no copy, no snapshot that could be stale.
 *
 * Limits (a slow or malformed client costs a bounded amount and nothing
 * else): HTTP_CONN_MAX connections, HTTP_PER_IP_MAX of them from one
 * address, HTTP_TIMEOUT_S of inactivity before a connection is closed,
 * HTTP_MEM_MAX bytes of memory per connection for the request (a
 * request whose headers do not fit is answered 431 and closed, never
 * buffered further). Documentation/metrics.md has the reasons.
 *
 * Answers: GET (and HEAD) /metrics: 200, Content-Type
 * HTTP_CONTENT_TYPE, the render function's text (500 when it fails);
 * another path: 404; another method on /metrics: 405 with Allow.
 *
 * A build without libmicrohttpd (HTTP=0, the default of the B4-only
 * build) has the address parser but no server: http_available() is
 * false and http_open() says so.
 */
#ifndef DSLITECTL_HTTP_H
#define DSLITECTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define HTTP_CONN_MAX		128
#define HTTP_PER_IP_MAX		16
#define HTTP_TIMEOUT_S		30
#define HTTP_MEM_MAX		(16 * 1024)
#define HTTP_BACKLOG		64
#define HTTP_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define HTTP_PATH		"/metrics"

/* A listening address, "[V6]:PORT" or "V4:PORT" (http_addr.c). */
struct http_listen {
	struct sockaddr_storage ss;
	socklen_t len;			/* 0: none */
};

/*
 * http_listen_parse(s, l, err, errlen): s as a numeric address and port:
 * "[2001:db8::1]:9100", "[::]:9100", "192.0.2.1:9100", "0.0.0.0:9100"
 * (an IPv6 address needs its brackets; a link-local one may carry its
 * zone, "[fe80::1%eth0]:9100"). Port 1..65535, no names. 0, or -1 with
 * the reason in err.
 */
int http_listen_parse(const char *s, struct http_listen *l, char *err,
		      size_t errlen);
/* "[V6]:PORT" or "V4:PORT" (buf of HTTP_LISTEN_STR_MAX bytes) */
#define HTTP_LISTEN_STR_MAX	80
const char *http_listen_str(const struct http_listen *l, char *buf);

/* http_available(): this build has the server */
bool http_available(void);
#define HTTP_NONE_MSG "this dslitectl was built without the HTTP server (HTTP=0); rebuild with HTTP=1 (libmicrohttpd)"

/*
 * The page: render(arg, f) writes the exposition to f and returns 0, or
 * non-zero when it could not (the answer is then 500).
 */
typedef int (*http_render_fn)(void *arg, FILE *f);

struct http_server;

/*
 * http_open(l, render, arg, err, errlen): bind and listen on l (refused
 * at once when the address cannot be had: in use, not local), then
 * start the server. NULL with the reason in err.
 */
struct http_server *http_open(const struct http_listen *l,
			      http_render_fn render, void *arg, char *err,
			      size_t errlen);
void http_close(struct http_server *s);
/* the fd to watch for reading (MHD's epoll set) */
int http_fd(const struct http_server *s);
/* what is ready, without blocking */
void http_run(struct http_server *s);
/* when http_run() is due even without an event (CLOCK_MONOTONIC ns,
 * 0: none) */
uint64_t http_deadline(const struct http_server *s);

/*
 * http_serve(what, l, render, arg): a foreground server until SIGTERM
 * or SIGINT ("dslitectl metrics serve"). Returns an exit code (errors
 * printed as "dslitectl: WHAT: ...").
 */
int http_serve(const char *what, const struct http_listen *l,
	       http_render_fn render, void *arg);

#endif /* DSLITECTL_HTTP_H */
