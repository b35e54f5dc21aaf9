// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the B4 daemon ("b4 run") and its status ("b4 status").
 *
 * "b4 run" is a foreground daemon with one epoll loop: the BFD sockets,
 * one timerfd armed at the earliest deadline (a transmission, a
 * detection, a hold-down or grace expiry), a signalfd (SIGTERM/SIGINT:
 * clean stop; SIGHUP: reload), and the control socket. Everything that can
 * be refused (configuration, devices, dslite.ko, permissions, a second
 * daemon) is checked before the first change is made.
 *
 * One turn of the loop: the events epoll returned, each to its watcher's
 * callback; the timers that are due (the health methods', the WAN's);
 * then the health evaluation (b4_health_eval(): the verdicts the methods
 * recorded in this turn, combined) and the failover step (b4_fo_timer());
 * then what is due to be sent; the timerfd armed at the next deadline.
 *
 * Clean stop: every session sends AdminDown (diag 7) so that the AFTRs
 * record an administrative shutdown rather than a timeout; the tunnels'
 * carrier is left as it is ("on-stop keep", the default: a forced-down
 * tunnel stays down, an up one stays up) or every forced-down tunnel gets
 * its carrier back ("on-stop release").
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "dslitectl.h"
#include "b4.h"

#define STOP_TIMEOUT_NS	(2 * NSEC_PER_SEC)

/* xorshift64*, seeded from getrandom(): jitter, ports, discriminators. */
uint32_t b4_random(void)
{
	static uint64_t x;

	while (!x) {
		if (getrandom(&x, sizeof(x), 0) != sizeof(x))
			x = mono_ns() ^ ((uint64_t)getpid() << 32);
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return (x * 0x2545f4914f6cdd1dULL) >> 32;
}

const char *b4_addr_str(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

const char *b4_dev_name(const struct b4_daemon *d)
{
	return d->n_tun ? d->tun[0].link.name : d->cfg.dev[0];
}

void b4_log(const struct b4_daemon *d, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld b4 %s: ", stamp, ts.tv_nsec / 1000000,
		b4_dev_name(d));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Watchers. epoll_event.data.ptr is the watcher, which lives in the
 * object owning the fd. Two things can happen to a watcher while the
 * events of one epoll_wait() are dispatched: it is removed (its fd closed:
 * a path change, a tunnel gone, a client dropped, a candidate removed by
 * a reload), or it is moved (a reload copies the candidates to their new
 * places; b4_watch_moved() points epoll at the copy). Either way an event
 * fetched before may point at a watcher that is gone, or at memory that
 * now holds another one. So both set d->watch_moved, the dispatch of the
 * events fetched stops there, and epoll_wait() (level-triggered, no
 * wait) returns what is still pending, with the right pointers
 * (dispatch()). Adding a watcher needs nothing of the kind.
 */
int b4_watch_add(struct b4_daemon *d, struct b4_watch *w, int fd,
		 void (*cb)(struct b4_daemon *, struct b4_watch *, uint32_t))
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	w->cb = cb;
	w->fd = -1;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	w->fd = fd;
	return 0;
}

void b4_watch_del(struct b4_daemon *d, struct b4_watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1;
	d->watch_moved = true;
}

void b4_watch_moved(struct b4_daemon *d, struct b4_watch *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	if (w->fd < 0)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_MOD, w->fd, &ev);
	d->watch_moved = true;
}

int b4_watch_cand(const struct b4_daemon *d, const struct b4_watch *w,
		  enum b4_method m)
{
	const struct b4_cand *c = (const void *)((const char *)(w - m) -
						 offsetof(struct b4_cand, w));

	return c - d->cand;
}

/* cand_init: a new candidate, every method opened (BFD: standby timers). */
static int cand_init(struct b4_daemon *d, struct b4_cand *c,
		     const struct in6_addr *addr, const char *origin, int tun,
		     char *e, size_t elen)
{
	int m;

	memset(c, 0, sizeof(*c));
	c->addr = *addr;
	c->origin = origin;
	c->tun = tun;
	c->path = B4_PATH_DIRECT;
	c->s.fd = -1;
	c->ping.fd = -1;
	c->down = B4_DOWN_NONE;
	for (m = 0; m < B4_METHOD_NR; m++)
		c->w[m].fd = -1;
	b4_config_cand(&d->cfg, addr, &c->health, &c->pcp.server);
	for (m = 0; m < B4_METHOD_NR; m++)
		if (b4_methods[m]->open(d, c, e, elen))
			break;
	if (m == B4_METHOD_NR)
		return 0;
	while (m--)
		b4_methods[m]->close(d, c);
	return -1;
}

static void cand_close(struct b4_daemon *d, struct b4_cand *c)
{
	int m;

	for (m = 0; m < B4_METHOD_NR; m++)
		b4_methods[m]->close(d, c);
}

/* candidate *from is d->cand[i] from now on: its watchers follow it */
static void cand_move(struct b4_daemon *d, int i, const struct b4_cand *from)
{
	struct b4_cand *c = &d->cand[i];
	int m;

	if (c != from)
		*c = *from;
	for (m = 0; m < B4_METHOD_NR; m++)
		b4_watch_moved(d, &c->w[m]);
}

static void resolve_cancel(struct b4_daemon *d)
{
	if (d->resolve_pid > 0) {
		kill(d->resolve_pid, SIGKILL);
		waitpid(d->resolve_pid, NULL, 0);
	}
	d->resolve_pid = 0;
	if (d->resolve_fd >= 0) {
		b4_watch_del(d, &d->resolve_w);
		close(d->resolve_fd);
	}
	d->resolve_fd = -1;
}

static void daemon_close(struct b4_daemon *d)
{
	int i;

	resolve_cancel(d);
	if (d->http) {
		b4_watch_del(d, &d->http_w);
		http_close(d->http);
		d->http = NULL;
	}
	b4_ctl_close(d);
	for (i = 0; i < d->n_cand; i++)
		cand_close(d, &d->cand[i]);
	b4_pcp_cleanup(d);
	for (i = 0; i < d->n_tun; i++)
		if (d->tun[i].rx_fd >= 0)
			close(d->tun[i].rx_fd);
	if (d->rawfd >= 0)
		close(d->rawfd);
	if (d->raw4fd >= 0)
		close(d->raw4fd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->genl.nl)
		genl_close(&d->genl);
	if (d->ctrl.nl)
		genl_close(&d->ctrl);
	if (d->rtnl)
		mnl_socket_close(d->rtnl);
	if (d->rtnl_watch)
		mnl_socket_close(d->rtnl_watch);
}

static void timer_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{
	uint64_t junk;

	(void)d;
	(void)ev;
	if (read(w->fd, &junk, sizeof(junk)) < 0)
		return;		/* the turn's timers run anyway */
}

static void signal_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev);
static void resolve_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev);

static void raw_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{
	(void)w;
	(void)ev;
	b4_net_raw_input(d);
}

static void ctl_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{
	(void)w;
	(void)ev;
	b4_ctl_accept(d);
}

static void link_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{
	(void)w;
	(void)ev;
	b4_wan_link_events(d);
}

static void genl_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{
	(void)w;
	(void)ev;
	b4_wan_genl_events(d);
}

/*
 * metrics ADDR:PORT: libmicrohttpd's epoll set is one more watcher here
 * (Documentation/metrics.md, "Serving them"); the page is rendered from
 * the daemon's state inside http_run(), in this thread, between events.
 */
static void http_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{
	(void)w;
	(void)ev;
	http_run(d->http);
}

static int http_render(void *arg, FILE *f)
{
	b4_metrics_render(arg, f);
	return 0;
}

/*
 * setup: everything that can fail, before anything is changed. Returns
 * 0 or an exit code (the message is printed).
 */
static int setup(struct b4_daemon *d)
{
	struct b4_link links[B4_MAX_TUNNELS];
	struct in6_addr addrs[B4_MAX_CANDIDATES];
	const char *origins[B4_MAX_CANDIDATES];
	int tun_of[B4_MAX_CANDIDATES], n_links, n, i;
	sigset_t mask;
	char e[512];

	d->rtnl = b4_rtnl_open(e, sizeof(e));
	if (!d->rtnl)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s", e);
	/* before the tunnels are read: a deletion after it is seen */
	d->rtnl_watch = b4_rtnl_watch_open(e, sizeof(e));
	if (!d->rtnl_watch)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s", e);
	if (b4_config_resolve(&d->cfg, d->rtnl, links, &n_links, addrs,
			      origins, tun_of, &n, NULL, 0, e, sizeof(e)))
		return dslitectl_err(DSLITECTL_EXIT_USAGE, B4_WHAT, "%s", e);
	for (i = 0; i < n_links; i++)
		d->tun[i].link = links[i];
	d->n_tun = n_links;

	if (genl_open(&d->genl, DSLITE_GENL_NAME)) {
		if (d->genl.err.no_family)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT,
					     "generic netlink family %s not found (is the dslite module loaded?)",
					     DSLITE_GENL_NAME);
		return genl_perror(&d->genl, B4_WHAT);
	}
	/* dslite.ko unloaded and loaded again under the daemon */
	if (genl_watch_open(&d->ctrl))
		return genl_perror(&d->ctrl, B4_WHAT);
	if (b4_fo_read_state(d, e, sizeof(e)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s", e);
	if (b4_ctl_listen(d, e, sizeof(e)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s", e);

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC,
				    TFD_NONBLOCK | TFD_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->epfd < 0 || d->timerfd < 0 || d->sigfd < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s",
				     strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	d->rawfd = b4_net_open_raw(e, sizeof(e));
	if (d->rawfd < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s", e);
	d->raw4fd = b4_net_open_raw4(e, sizeof(e));
	if (d->raw4fd < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s", e);
	if (b4_pcp_setup(d, e, sizeof(e)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s", e);
	for (i = 0; i < d->n_tun; i++) {
		d->tun[i].rx_fd = b4_net_open_tunnel_rx(&d->tun[i], e,
							 sizeof(e));
		if (d->tun[i].rx_fd < 0)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT,
					     "%s", e);
	}
	for (i = 0; i < n; i++) {
		if (cand_init(d, &d->cand[i], &addrs[i], origins[i], tun_of[i],
			      e, sizeof(e)))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT,
					     "%s", e);
		d->n_cand++;
	}

	if (b4_watch_add(d, &d->timer_w, d->timerfd, timer_cb) ||
	    b4_watch_add(d, &d->sig_w, d->sigfd, signal_cb) ||
	    b4_watch_add(d, &d->raw_w, d->rawfd, raw_cb) ||
	    b4_watch_add(d, &d->ctl_w, d->ctlfd, ctl_cb) ||
	    b4_watch_add(d, &d->link_w, mnl_socket_get_fd(d->rtnl_watch),
			 link_cb) ||
	    b4_watch_add(d, &d->genl_w, genl_fd(&d->ctrl), genl_cb))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "epoll: %s",
				     strerror(errno));
	for (i = 0; i < d->n_tun; i++)
		if (b4_watch_add(d, &d->tun[i].rx_w, d->tun[i].rx_fd,
				 b4_net_tunnel_cb))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT,
					     "epoll: %s", strerror(errno));
	if (d->cfg.metrics.len) {
		d->http = http_open(&d->cfg.metrics, http_render, d, e,
				    sizeof(e));
		if (!d->http)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT,
					     "%s", e);
		if (b4_watch_add(d, &d->http_w, http_fd(d->http), http_cb))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT,
					     "epoll: %s", strerror(errno));
	}
	return 0;
}

/*
 * rt-priority N: the loop (timers, sends, receives) at SCHED_FIFO N with
 * its memory locked, so that a busy CPU delays neither a transmission
 * nor a detection deadline; children (the resolver) go back to the
 * normal policy.
 */
static int set_rt_priority(struct b4_daemon *d)
{
	struct sched_param sp = { .sched_priority = d->cfg.rt_priority };

	if (!d->cfg.rt_priority)
		return 0;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT,
				     "rt-priority %u: %s", d->cfg.rt_priority,
				     strerror(errno));
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		b4_log(d, "rt-priority: memory not locked: %s",
		       strerror(errno));
	b4_log(d, "rt-priority: SCHED_FIFO %u", d->cfg.rt_priority);
	return 0;
}

/* The first changes: 192.0.0.2 on the tunnels, then the adoption. */
static int start(struct b4_daemon *d)
{
	char e[512], a[INET6_ADDRSTRLEN], h[B4_HEALTH_STR_MAX];
	int i, r;

	if (set_rt_priority(d))
		return DSLITECTL_EXIT_ERROR;

	for (i = 0; i < d->n_tun; i++) {
		struct b4_tunnel *t = &d->tun[i];

		r = b4_link_has_addr4(d->rtnl, t->link.ifindex, B4_INNER_B4);
		if (r)
			continue;
		if (b4_link_add_addr4(d->rtnl, t->link.ifindex, B4_INNER_B4,
				      DSLITE_WK_PREFIX_LEN, e, sizeof(e)))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT,
					     "%s: add 192.0.0.2/29: %s",
					     t->link.name, e);
		t->added_addr = true;
		b4_log(d, "%s: added 192.0.0.2/29 (the B4's softwire address)",
		       t->link.name);
	}
	for (i = 0; i < d->n_cand; i++)
		b4_log(d, "aftr %s (%s, %s): health %s, BFD id %u, source port %u%s",
		       b4_addr_str(&d->cand[i].addr, a), d->cand[i].origin,
		       d->tun[d->cand[i].tun].link.name,
		       b4_health_str(&d->cand[i].health, h),
		       d->cand[i].s.bfd.local_discr, d->cand[i].s.sport,
		       d->cand[i].health.methods & B4_M_BFD ? "" :
		       " (no BFD sent)");
	/* it starts every method of every candidate (b4_fo_apply_timers) */
	if (b4_fo_start(d, e, sizeof(e)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s", e);
	if (b4_config_uses(&d->cfg, B4_M_PING))
		b4_log(d, "ping: ping-interval %u ms, ping-loss %u/%u",
		       d->cfg.ping_interval_ms, d->cfg.ping_loss_n,
		       d->cfg.ping_loss_m);
	if (b4_config_uses(&d->cfg, B4_M_ECHO))
		b4_log(d, "echo: echo-interval %u ms, echo-multiplier %u (1 a second until Up)",
		       d->cfg.echo_interval_ms, d->cfg.echo_multiplier);
	if (b4_config_uses(&d->cfg, B4_M_MTU)) {
		char sz[32];

		snprintf(sz, sizeof(sz), "%u bytes", d->cfg.mtu_size);
		b4_log(d, "mtu: probes of %s every %u ms, unhealthy after %u without an answer that large",
		       d->cfg.mtu_size ? sz : "the tunnel's MTU",
		       d->cfg.mtu_interval_ms, d->cfg.mtu_multiplier);
	}
	if (d->pcp_port)
		b4_log(d, "pcp: %s mode, mapping 192.0.0.2:%u, lifetime %u s, interval %u ms, deadline %u ms, %u failures",
		       pcp_mode_name(d->cfg.pcp_mode), d->pcp_port,
		       d->cfg.pcp_lifetime_s, d->cfg.pcp_interval_ms,
		       d->cfg.pcp_deadline_ms, d->cfg.pcp_failures);
	if (d->http) {
		char l[HTTP_LISTEN_STR_MAX];

		b4_log(d, "metrics: serving http://%s%s",
		       http_listen_str(&d->cfg.metrics, l), HTTP_PATH);
	}
	b4_log(d, "running: %d AFTR%s, failover %s, interval %u ms x %u, standby-interval %u ms, control %s",
	       d->n_cand, d->n_cand == 1 ? "" : "s",
	       d->cfg.mode == B4_MODE_REPOINT ? "repoint" : "carrier",
	       d->cfg.interval_ms, d->cfg.multiplier, b4_standby_ms(&d->cfg),
	       d->ctl->name);
	return 0;
}

/* ------------------------------------------------------------------ */
/* SIGHUP: read the configuration again and apply what may change. */

/*
 * reload_apply(d, cfg, named, n_named): the new configuration, checked
 * and with the AFTR name resolved (named[]), replaces the running one.
 * Sessions of AFTRs that stay are kept as they are.
 */
static void reload_apply(struct b4_daemon *d, const struct b4_config *cfg,
			 const struct in6_addr *named, int n_named)
{
	struct b4_link links[B4_MAX_TUNNELS];
	struct in6_addr addrs[B4_MAX_CANDIDATES];
	const char *origins[B4_MAX_CANDIDATES];
	int tun_of[B4_MAX_CANDIDATES], n_links, n, i, j;
	struct b4_cand old[B4_MAX_CANDIDATES];
	int n_old = d->n_cand, old_active = d->active, new_active = -1;
	char e[512], a[INET6_ADDRSTRLEN];

	if (b4_config_resolve(cfg, d->rtnl, links, &n_links, addrs, origins,
			      tun_of, &n, named, n_named, e, sizeof(e))) {
		b4_log(d, "reload refused: %s", e);
		return;
	}
	/* Without aftr/aftr-name the AFTR stays the remote found at start
	 * (the tunnel's remote now may be one we re-pointed to). */
	if (cfg->mode == B4_MODE_REPOINT && !cfg->n_aftr && !cfg->aftr_name[0]) {
		for (i = 0; i < n_old; i++) {
			addrs[i] = d->cand[i].addr;
			origins[i] = d->cand[i].origin;
			tun_of[i] = d->cand[i].tun;
		}
		n = n_old;
	}

	d->cfg = *cfg;
	memcpy(old, d->cand, sizeof(old));
	d->n_cand = 0;
	for (i = 0; i < n; i++) {
		struct b4_cand *c = &d->cand[i];

		for (j = 0; j < n_old; j++)
			if (!old[j].keep &&
			    !memcmp(&old[j].addr, &addrs[i], sizeof(addrs[i])))
				break;
		if (j < n_old) {
			*c = old[j];
			old[j].keep = true;
			c->origin = origins[i];
			/* its place once moved: d->n_cand, not i, which is
			 * larger when an AFTR before it was left out */
			if (j == old_active)
				new_active = d->n_cand;
		} else if (cand_init(d, c, &addrs[i], origins[i], tun_of[i], e,
				     sizeof(e))) {
			b4_log(d, "reload: aftr %s left out: %s",
			       b4_addr_str(&addrs[i], a), e);
			continue;
		} else {
			b4_log(d, "reload: new aftr %s (%s)",
			       b4_addr_str(&addrs[i], a), origins[i]);
		}
		cand_move(d, d->n_cand, c);
		d->n_cand++;
	}
	for (j = 0; j < n_old; j++) {
		struct b4_cand *c = &old[j];

		if (c->keep) {
			continue;
		}
		/* one AdminDown so the AFTR does not wait for a timeout */
		if (c->health.methods & B4_M_BFD) {
			b4_session_admin_down(&c->s, mono_ns());
			b4_net_send(d, c);
		}
		b4_log(d, "reload: aftr %s removed", b4_addr_str(&c->addr, a));
		cand_close(d, c);
	}
	for (i = 0; i < d->n_cand; i++)
		d->cand[i].keep = false;
	d->active = new_active;
	if (old_active >= 0 && new_active < 0 && d->up) {
		/* the active AFTR is no longer configured: fail over */
		b4_log(d, "reload: the active AFTR was removed");
		b4_fo_removed_active(d);
	}
	for (i = 0; i < d->n_cand; i++)
		b4_fo_apply_timers(d, i);
	b4_fo_reconsider(d);
	b4_log(d, "reloaded: %d AFTR%s, interval %u ms x %u, standby-interval %u ms, preempt %s, hold-down %us",
	       d->n_cand, d->n_cand == 1 ? "" : "s", d->cfg.interval_ms,
	       d->cfg.multiplier, b4_standby_ms(&d->cfg),
	       d->cfg.preempt ? "on" : "off", d->cfg.hold_down_s);
}

/* The resolver child: resolve the name, write the result, exit. */
static void __attribute__((noreturn)) resolver(const char *name, int fd)
{
	struct b4_resolved r = {};

	r.ok = b4_resolve_name(name, r.addr, &r.n, r.err, sizeof(r.err)) == 0;
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

/*
 * The health settings of a and b are the same: what each AFTR uses
 * (sockets, the PCP port) was set up at start. AFTRs that come or go keep
 * their own setting; one already running cannot get another.
 */
static bool health_same(const struct b4_config *a, const struct b4_config *b)
{
	int i, j;

	if (memcmp(&a->health, &b->health, sizeof(a->health)) ||
	    a->pcp_lifetime_s != b->pcp_lifetime_s ||
	    a->pcp_deadline_ms != b->pcp_deadline_ms ||
	    a->pcp_retry_max_ms != b->pcp_retry_max_ms ||
	    a->pcp_failures != b->pcp_failures ||
	    a->pcp_interval_ms != b->pcp_interval_ms ||
	    a->pcp_mode != b->pcp_mode || a->pcp_port != b->pcp_port ||
	    a->has_pcp_server != b->has_pcp_server ||
	    (a->has_pcp_server &&
	     memcmp(&a->pcp_server, &b->pcp_server, sizeof(a->pcp_server))))
		return false;
	for (i = 0; i < a->n_aftr; i++)
		for (j = 0; j < b->n_aftr; j++)
			if (!memcmp(&a->aftr[i], &b->aftr[j],
				    sizeof(a->aftr[i])) &&
			    memcmp(&a->aftr_opt[i], &b->aftr_opt[j],
				   sizeof(a->aftr_opt[i])))
				return false;
	/* a new AFTR that needs PCP while none did */
	return b4_config_uses(a, B4_M_PCP) == b4_config_uses(b, B4_M_PCP);
}

static void reload(struct b4_daemon *d)
{
	struct b4_config cfg;
	int i, fds[2];
	pid_t pid;

	b4_log(d, "SIGHUP: reloading the configuration");
	b4_config_init(&cfg);
	if (b4_config_parse(&cfg, d->argc, d->argv)) {
		b4_log(d, "reload refused: the configuration is not valid");
		return;
	}
	if (cfg.n_dev != d->cfg.n_dev || cfg.mode != d->cfg.mode ||
	    !health_same(&cfg, &d->cfg) ||
	    cfg.rt_priority != d->cfg.rt_priority ||
	    memcmp(&cfg.metrics, &d->cfg.metrics, sizeof(cfg.metrics)))
		goto fixed;
	for (i = 0; i < cfg.n_dev; i++)
		if (strcmp(cfg.dev[i], d->cfg.dev[i]))
			goto fixed;
	resolve_cancel(d);
	if (!cfg.aftr_name[0]) {
		reload_apply(d, &cfg, NULL, 0);
		return;
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK)) {
		b4_log(d, "reload refused: pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		b4_log(d, "reload refused: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		resolver(cfg.aftr_name, fds[1]);
	}
	close(fds[1]);
	d->resolve_pid = pid;
	d->resolve_fd = fds[0];
	d->pending = cfg;
	b4_watch_add(d, &d->resolve_w, d->resolve_fd, resolve_cb);
	b4_log(d, "resolving %s", cfg.aftr_name);
	return;
fixed:
	b4_log(d, "reload refused: dev, failover, health, pcp-*, metrics and rt-priority cannot change (restart instead)");
}

static void resolved(struct b4_daemon *d)
{
	struct b4_resolved r;
	ssize_t n = read(d->resolve_fd, &r, sizeof(r));

	if (n < 0 && errno == EAGAIN)
		return;
	resolve_cancel(d);
	if (n != sizeof(r)) {
		b4_log(d, "reload refused: the resolver of %s failed",
		       d->pending.aftr_name);
		return;
	}
	if (!r.ok) {
		r.err[sizeof(r.err) - 1] = '\0';
		b4_log(d, "reload refused: %s", r.err);
		return;
	}
	reload_apply(d, &d->pending, r.addr, r.n);
}

static void resolve_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{
	(void)w;
	(void)ev;
	resolved(d);
}

/* ------------------------------------------------------------------ */

void b4_begin_stop(struct b4_daemon *d, int sig)
{
	if (d->stopping)
		return;
	b4_log(d, "%s: stopping, AdminDown to every AFTR",
	       sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" :
	       "giving up");
	d->stopping = true;
	b4_health_stop(d);
}

static void signal_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t ev)
{
	struct signalfd_siginfo si;

	(void)ev;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP && !d->stopping)
			reload(d);
		else if (si.ssi_signo != SIGHUP)
			b4_begin_stop(d, si.ssi_signo);
	}
}

static bool stop_done(const struct b4_daemon *d)
{
	int i;

	for (i = 0; i < d->n_cand; i++)
		if (d->cand[i].s.admin_down_left)
			return false;
	return true;
}

/*
 * The end of a turn: the timers that are due (a method's verdicts are
 * only recorded), then the evaluation of every fresh verdict and the
 * failover step, then what is due to be sent.
 */
static void run_due(struct b4_daemon *d)
{
	uint64_t now = mono_ns();

	b4_health_timer(d, now);
	b4_health_eval(d);
	b4_fo_timer(d, now);
	b4_wan_timer(d, now);
	now = mono_ns();
	b4_health_tx(d, now);
	b4_ctl_expire(d, now);
	if (d->http && http_deadline(d->http) &&
	    http_deadline(d->http) <= mono_ns())
		http_run(d->http);
}

static void arm_timer(struct b4_daemon *d)
{
	struct itimerspec its = {};
	uint64_t t = b4_fo_deadline(d), x;

	x = b4_health_deadline(d);
	if (x && (!t || x < t))
		t = x;
	x = b4_wan_deadline(d);
	if (x && (!t || x < t))
		t = x;
	x = d->http ? http_deadline(d->http) : 0;
	if (x && (!t || x < t))
		t = x;
	x = d->ctl ? ctl_srv_deadline(d->ctl) : 0;
	if (x && (!t || x < t))
		t = x;
	if (!t)
		t = mono_ns() + 1000000000ULL;
	its.it_value.tv_sec = t / 1000000000ULL;
	its.it_value.tv_nsec = t % 1000000000ULL;
	timerfd_settime(d->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/*
 * dispatch(d, evs, n): the n events to their watchers. A watcher removed
 * or moved ends the batch (the rest may point at what is gone); the
 * events still pending are fetched again at once, so that every packet
 * that came is read before the turn's timers (a detection deadline must
 * not pass over a reply that is waiting in its socket).
 */
#define REFETCH_MAX	8

static void dispatch(struct b4_daemon *d, struct epoll_event *evs, int n,
		     int size)
{
	int i, round;

	for (round = 0;; round++) {
		d->watch_moved = false;
		for (i = 0; i < n && !d->watch_moved; i++) {
			struct b4_watch *w = evs[i].data.ptr;

			if (w->fd >= 0)
				w->cb(d, w, evs[i].events);
		}
		if (!d->watch_moved || round == REFETCH_MAX)
			return;
		n = epoll_wait(d->epfd, evs, size, 0);
		if (n <= 0)
			return;
	}
}

static int loop(struct b4_daemon *d)
{
	struct epoll_event evs[16];
	uint64_t stop_deadline = 0;
	int n;

	for (;;) {
		run_due(d);
		if (d->stopping) {
			if (!stop_deadline)
				stop_deadline = mono_ns() + STOP_TIMEOUT_NS;
			if (stop_done(d) || mono_ns() >= stop_deadline)
				break;
		}
		arm_timer(d);
		n = epoll_wait(d->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			b4_log(d, "epoll: %s", strerror(errno));
			return DSLITECTL_EXIT_ERROR;
		}
		dispatch(d, evs, n, 16);
	}
	b4_fo_stop(d);
	b4_log(d, "stopped%s", d->exit_code ? " (exit 2)" : "");
	return d->exit_code;
}

static int b4_run(int argc, char **argv)
{
	struct b4_daemon *d;
	int ret, i;

	d = calloc(1, sizeof(*d));
	if (!d)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, B4_WHAT, "%s",
				     strerror(ENOMEM));
	d->epfd = d->timerfd = d->sigfd = d->rawfd = d->raw4fd = -1;
	d->ctlfd = d->resolve_fd = d->pcp_port_fd = -1;
	d->active = -1;
	for (i = 0; i < B4_MAX_TUNNELS; i++)
		d->tun[i].rx_fd = d->tun[i].rx_w.fd = -1;
	for (i = 0; i < B4_MAX_CLIENTS; i++)
		d->client_w[i].fd = -1;
	d->timer_w.fd = d->sig_w.fd = d->raw_w.fd = d->ctl_w.fd = -1;
	d->resolve_w.fd = d->link_w.fd = d->genl_w.fd = d->http_w.fd = -1;
	d->argc = argc;
	d->argv = argv;
	b4_config_init(&d->cfg);
	ret = b4_config_parse(&d->cfg, argc, argv);
	if (ret)
		goto out;
	ret = setup(d);
	if (ret)
		goto out;
	d->started_ns = mono_ns();
	setvbuf(stderr, NULL, _IOLBF, 0);
	ret = start(d);
	if (ret)
		goto out;
	ret = loop(d);
out:
	daemon_close(d);
	free(d);
	return ret;
}

/* The keywords' synopsis and list come from their table (b4/config.c). */
static void usage(FILE *f)
{
	b4_config_usage(f);
	fprintf(f,
		"       dslitectl b4 run dev IFNAME dev IFNAME... failover carrier [...]\n"
		"       dslitectl b4 run config FILE [KEYWORD VALUE]...\n"
		"       dslitectl [-j] b4 status [dev IFNAME]\n"
		"       dslitectl b4 metrics [dev IFNAME]\n"
		"       dslitectl b4 help\n"
		"\n"
		"run: the B4 daemon, in the foreground (logs on stderr). Health checks\n"
		"(BFD, PCP, ping) of the active AFTR inside the tunnel, of standby AFTRs\n"
		"directly over IPv6; carrier down through dslite.ko and failover when\n"
		"the active one fails.\n"
		"Without aftr or aftr-name the AFTR is the tunnel's remote.\n"
		"\"aftr ADDR,health=SPEC,pcp-server=ADDR\": one AFTR's own settings.\n"
		"SIGTERM or SIGINT: stop (AdminDown to every AFTR); SIGHUP: reload.\n");
	b4_config_options(f);
	fprintf(f,
		"status: ask the daemon of this network namespace (-j: JSON).\n"
		"metrics: the metrics of the daemon (of every daemon without dev) in the\n"
		"Prometheus text format (Documentation/metrics.md).\n");
}

static int run(int argc, char **argv)
{
	if (argc == 0) {
		usage(stderr);
		return DSLITECTL_EXIT_USAGE;
	}
	if (kw_is(argv[0], "run"))
		return b4_run(argc - 1, argv + 1);
	if (kw_is(argv[0], "status"))
		return b4_status(argc - 1, argv + 1);
	if (kw_is(argv[0], "metrics"))
		return b4_metrics(argc - 1, argv + 1);
	return dslitectl_err(DSLITECTL_EXIT_USAGE, "b4",
			     "unknown command \"%s\" (try \"dslitectl b4 help\")",
			     argv[0]);
}

const struct dslitectl_object obj_b4 = {
	.name		= "b4",
	.summary	= "the B4 daemon: health checks of the AFTRs, failover (run, status, metrics)",
	.run		= run,
	.usage		= usage,
};
