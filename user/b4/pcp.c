// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the PCP health method (RFC 6887). Each candidate that uses
 * it keeps one MAP of 192.0.0.2:pcp-port alive on its AFTR with a short
 * lifetime, through <dslite/pcp.h>'s client: renewal at 1/2..5/8 of the
 * granted lifetime, retransmission from 3 s doubling, one nonce for the
 * daemon's life, the Epoch checked on every answer.
 *
 * Where the requests go:
 *   pcp-mode encap (default)  inside the softwire, 192.0.0.2 ->
 *                             192.0.0.1:5351: for the active AFTR through
 *                             the tunnel (the library's UDP socket bound
 *                             to the device), for a standby encapsulated
 *                             directly over IPv6 on the daemon's raw
 *                             socket, exactly as the BFD probes go
 *   pcp-mode plain            over native IPv6 to the AFTR's PCP server
 *                             (pcp-server, else the AFTR's address),
 *                             whatever the path
 *
 * The internal port of the mappings is the same for every AFTR: pcp-port,
 * or one the daemon draws at start; a UDP socket bound to 192.0.0.2:port
 * (receiving nothing) holds it so that nothing else on the B4 takes it.
 * On the direct path it is also the requests' source port, which is how
 * the raw socket's filter (b4/net.c) lets the answers through.
 *
 * Health: the client's own verdict (pcp.h "Health"): down after
 * pcp-failures NETWORK_FAILURE answers in a row (default one), three
 * NO_RESOURCES, when an exchange stays unanswered for pcp-deadline, when
 * the mapping expires unrenewed, or when the Epoch shows that the server
 * lost its state (then the mapping is requested again at
 * once and its answer makes the AFTR healthy again). Until the first
 * answer the AFTR is not healthy by PCP. A change is recorded as the
 * candidate's PCP verdict (b4_verdict_set()); the daemon's loop evaluates
 * it after the turn (b4/health.c), where it acts like a BFD session going
 * Up or Down. A malformed answer changes nothing; it is counted. The
 * library's socket is a watcher, c->w[B4_METHOD_PCP].
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/filter.h>

#include "dslitectl.h"
#include "b4.h"

static uint32_t rnd(void *ctx)
{
	(void)ctx;
	return b4_random();
}

int b4_pcp_setup(struct b4_daemon *d, char *e, size_t elen)
{
	static struct sock_filter drop_all[] = {
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(B4_INNER_B4),
	};
	int fd, one = 1, tries;

	d->pcp_port_fd = -1;
	d->pcp_port = 0;
	if (!b4_config_uses(&d->cfg, B4_M_PCP))
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(e, elen, "PCP port: socket: %s", strerror(errno));
		return -1;
	}
	/* 192.0.0.2 need not be configured yet */
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (sock_filter_attach(fd, drop_all, 1)) {
		snprintf(e, elen, "PCP port: filter: %s", strerror(errno));
		close(fd);
		return -1;
	}
	for (tries = 0; tries < 256; tries++) {
		uint16_t port = d->cfg.pcp_port;

		if (!port)
			port = BFD_SRC_PORT_MIN + b4_random() %
				(BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1);
		sin.sin_port = htons(port);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			d->pcp_port_fd = fd;
			d->pcp_port = port;
			return 0;
		}
		if (errno != EADDRINUSE || d->cfg.pcp_port)
			break;
	}
	snprintf(e, elen, "PCP internal port 192.0.0.2:%u: %s",
		 d->cfg.pcp_port, strerror(errno));
	close(fd);
	return -1;
}

void b4_pcp_cleanup(struct b4_daemon *d)
{
	if (d->pcp_port_fd >= 0)
		close(d->pcp_port_fd);
	d->pcp_port_fd = -1;
}

void b4_pcp_init(struct b4_daemon *d, struct b4_cand *c)
{
	struct b4_pcp *p = &c->pcp;
	struct in6_addr server = p->server;
	struct pcp_client_cfg cfg;

	memset(p, 0, sizeof(*p));
	p->server = server;
	p->on = (c->health.methods & B4_M_PCP) && d->pcp_port;
	pcp_client_cfg_init(&cfg);
	if (d->cfg.pcp_mode == PCP_MODE_ENCAP)
		pcp_addr_v4(&cfg.client_addr, htonl(B4_INNER_B4));
	else
		cfg.client_addr = d->tun[c->tun].link.local;
	cfg.internal_port = d->pcp_port;
	cfg.lifetime_s = d->cfg.pcp_lifetime_s;
	cfg.deadline_ms = d->cfg.pcp_deadline_ms;
	cfg.error_wait_max_ms = d->cfg.pcp_retry_max_ms;
	cfg.fail_threshold = d->cfg.pcp_failures;
	cfg.interval_ms = d->cfg.pcp_interval_ms;
	cfg.random = rnd;
	pcp_client_init(&p->cl, &cfg);
	snprintf(p->reason, sizeof(p->reason), "no answer yet");
}

void b4_pcp_close(struct b4_daemon *d, struct b4_cand *c)
{
	b4_watch_del(d, &c->w[B4_METHOD_PCP]);
	pcp_client_close(&c->pcp.cl);
}

static void pcp_cb(struct b4_daemon *d, struct b4_watch *w, uint32_t events)
{
	(void)events;
	b4_pcp_input(d, b4_watch_cand(d, w, B4_METHOD_PCP));
}

/* the socket candidate i needs on its path now: open it (or none) */
static void transport(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_pcp *p = &c->pcp;
	struct pcp_transport t = { .mode = d->cfg.pcp_mode };
	const struct b4_tunnel *tun = &d->tun[c->tun];
	char e[256], a[INET6_ADDRSTRLEN];
	bool want;

	if (d->cfg.pcp_mode == PCP_MODE_PLAIN)
		want = true;
	else
		want = c->path == B4_PATH_TUNNEL;
	if (p->cl.fd >= 0 && (!want || (d->cfg.pcp_mode == PCP_MODE_ENCAP &&
					 p->fd_path != c->path)))
		b4_pcp_close(d, c);
	if (!want || p->cl.fd >= 0)
		return;
	if (d->cfg.pcp_mode == PCP_MODE_ENCAP) {
		snprintf(t.ifname, sizeof(t.ifname), "%s", tun->link.name);
	} else {
		t.server = p->server;
		t.source = tun->link.local;
	}
	if (pcp_client_open(&p->cl, &t, e, sizeof(e))) {
		b4_log(d, "aftr %s: pcp %s: %s", b4_addr_str(&c->addr, a),
		       d->cfg.pcp_mode == PCP_MODE_PLAIN ? "plain" :
		       "through the tunnel", e);
		return;
	}
	p->fd_path = c->path;
	b4_watch_add(d, &c->w[B4_METHOD_PCP], p->cl.fd, pcp_cb);
}

void b4_pcp_path(struct b4_daemon *d, int i)
{
	struct b4_pcp *p = &d->cand[i].pcp;

	if (!p->on || d->stopping)
		return;
	transport(d, i);
	if (!p->running) {
		pcp_client_start(&p->cl, mono_ns());
		p->running = true;
	}
}

/* send what the client asks for on candidate i's path */
static unsigned int send_request(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_pcp *p = &c->pcp;
	const void *buf;
	size_t len;

	if (p->cl.fd >= 0)
		return pcp_client_send(&p->cl);
	if (d->cfg.pcp_mode == PCP_MODE_ENCAP && c->path == B4_PATH_DIRECT) {
		buf = pcp_client_tx(&p->cl, &len);
		if (!b4_net_send_udp(d, c, d->pcp_port, PCP_SERVER_PORT, 64,
				     buf, len))
			return 0;
	} else {
		errno = ENOTCONN;	/* the socket could not be opened */
	}
	p->cl.tx_errno = errno;
	p->cl.cnt.tx_errors++;
	return PCP_EV_TX_ERROR;
}

static const char *down_text(const struct pcp_client *cl, char *buf,
			     size_t size)
{
	const struct pcp_map_msg *m = pcp_client_last(cl);

	switch (pcp_client_down_reason(cl)) {
	case PCP_DOWN_NO_ANSWER:
		snprintf(buf, size, "no-answer: no answer within %u ms",
			 cl->cfg.deadline_ms);
		break;
	case PCP_DOWN_NETWORK_FAILURE:
	case PCP_DOWN_NO_RESOURCES:
		snprintf(buf, size, "%s: %s %u time%s in a row",
			 pcp_down_name(pcp_client_down_reason(cl)),
			 m ? pcp_result_name(m->result) : "?",
			 cl->fail_streak, cl->fail_streak == 1 ? "" : "s");
		break;
	case PCP_DOWN_EXPIRED:
		snprintf(buf, size, "expired: the mapping ran out unrenewed");
		break;
	case PCP_DOWN_EPOCH:
		snprintf(buf, size, "epoch: the server lost its state (%s), re-mapping",
			 pcp_epoch_name(cl->last_epoch));
		break;
	default:
		snprintf(buf, size, "no answer yet");
		break;
	}
	return buf;
}

/*
 * what a timer or an answer brought: logs, the verdict; prev_epoch: the
 * Epoch of the answer before (the client keeps only the newest)
 */
static void handle(struct b4_daemon *d, int i, unsigned int ev,
		   uint32_t prev_epoch)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_pcp *p = &c->pcp;
	const struct pcp_map_msg *m = pcp_client_last(&p->cl);
	const struct pcp_mapping *map = pcp_client_mapping(&p->cl);
	char a[INET6_ADDRSTRLEN], x[INET6_ADDRSTRLEN];
	bool ok;

	if (ev & PCP_EV_EPOCH) {
		p->remaps++;
		b4_log(d, "aftr %s: pcp: the server lost its state (epoch %u after %u, %s): mapping again",
		       b4_addr_str(&c->addr, a), m ? m->epoch : 0,
		       prev_epoch, pcp_epoch_name(p->cl.last_epoch));
	}
	if ((ev & PCP_EV_ERROR) && m)
		b4_log(d, "aftr %s: pcp: %s (result %u), lifetime %u s",
		       b4_addr_str(&c->addr, a), pcp_result_name(m->result) ?
		       pcp_result_name(m->result) : "unknown", m->result,
		       m->lifetime);
	if ((ev & PCP_EV_MAPPED) && map->valid && p->cl.cnt.mappings == 1)
		b4_log(d, "aftr %s: pcp: mapped 192.0.0.2:%u to %s:%u for %u s",
		       b4_addr_str(&c->addr, a), d->pcp_port,
		       pcp_addr_str(&map->external_addr, x),
		       map->external_port, map->lifetime);
	if (ev & PCP_EV_EXPIRED)
		b4_log(d, "aftr %s: pcp: the mapping expired unrenewed",
		       b4_addr_str(&c->addr, a));
	if (!(ev & PCP_EV_HEALTH))
		return;
	ok = pcp_client_health(&p->cl) == PCP_HEALTH_UP;
	if (ok)
		p->reason[0] = '\0';
	else
		down_text(&p->cl, p->reason, sizeof(p->reason));
	if (ok == b4_ok(c, B4_METHOD_PCP))
		return;
	b4_verdict_set(d, i, B4_METHOD_PCP, ok);
}

void b4_pcp_input(struct b4_daemon *d, int i)
{
	struct b4_pcp *p = &d->cand[i].pcp;
	uint32_t prev = p->cl.prev_epoch;
	unsigned int ev;

	if (p->cl.fd < 0)
		return;
	ev = pcp_client_handle_readable(&p->cl, mono_ns());
	handle(d, i, ev, prev);
}

void b4_pcp_direct_input(struct b4_daemon *d, int i, const void *buf,
			 size_t len)
{
	struct b4_pcp *p = &d->cand[i].pcp;
	uint32_t prev = p->cl.prev_epoch;
	unsigned int ev;

	if (!p->running || p->cl.fd >= 0)
		return;
	ev = pcp_client_input(&p->cl, buf, len, mono_ns());
	if (ev & PCP_EV_TX)
		ev |= send_request(d, i);
	handle(d, i, ev, prev);
}

static void pcp_timer(struct b4_daemon *d, uint64_t now)
{
	int i;

	if (d->stopping)
		return;
	for (i = 0; i < d->n_cand; i++) {
		struct b4_pcp *p = &d->cand[i].pcp;
		uint64_t t = pcp_client_next_timeout(&p->cl);
		unsigned int ev;

		if (!p->running || !t || t > now)
			continue;
		/* a socket that could not be opened: try again */
		transport(d, i);
		ev = pcp_client_timer(&p->cl, now);
		if (ev & PCP_EV_TX)
			ev |= send_request(d, i);
		handle(d, i, ev, p->cl.prev_epoch);
	}
}

static uint64_t pcp_deadline(const struct b4_daemon *d)
{
	uint64_t t = 0;
	int i;

	if (d->stopping)
		return 0;
	for (i = 0; i < d->n_cand; i++) {
		uint64_t x;

		if (!d->cand[i].pcp.running)
			continue;
		x = pcp_client_next_timeout(&d->cand[i].pcp.cl);
		if (x && (!t || x < t))
			t = x;
	}
	return t;
}

/* stop: delete the mapping (one request, not waited for) */
static void pcp_release(struct b4_daemon *d, int i)
{
	struct b4_pcp *p = &d->cand[i].pcp;

	if (!p->running)
		return;
	if (pcp_client_mapping(&p->cl)->valid &&
	    (pcp_client_release(&p->cl, mono_ns()) & PCP_EV_TX))
		send_request(d, i);
	b4_pcp_stop(d, &d->cand[i]);
}

void b4_pcp_stop(struct b4_daemon *d, struct b4_cand *c)
{
	b4_pcp_close(d, c);
	pcp_client_stop(&c->pcp.cl);
	c->pcp.running = false;
}

/*
 * The B4's address changed (a WAN renumbering, a tunnel created again):
 * the AFTR's NAT state, the mapping among it, was keyed by the old one.
 * Forget it and map again from the tunnel as it is now; the verdict stays
 * until the new answer (or pcp-deadline) changes it.
 */
void b4_pcp_restart(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_pcp old = c->pcp;

	if (!old.on)
		return;
	b4_pcp_close(d, c);
	b4_pcp_init(d, c);
	c->pcp.remaps = old.remaps;
	memcpy(c->pcp.reason, old.reason, sizeof(old.reason));
	b4_pcp_path(d, i);
}

static int pcp_open(struct b4_daemon *d, struct b4_cand *c, char *e,
		    size_t elen)
{
	(void)e;
	(void)elen;
	b4_pcp_init(d, c);
	return 0;
}

static void pcp_reason(const struct b4_cand *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s", c->pcp.reason);
}

static uint64_t pcp_last_rx(const struct b4_cand *c)
{
	return c->pcp.cl.last_rx_ns;
}

const struct b4_health_ops b4_pcp_ops = {
	.name		= "pcp",
	.diag		= BFD_DIAG_PATH_DOWN,
	.open		= pcp_open,
	.close		= b4_pcp_close,
	.path		= b4_pcp_path,
	.stop		= pcp_release,
	.deadline	= pcp_deadline,
	.timer		= pcp_timer,
	.reason		= pcp_reason,
	.last_rx	= pcp_last_rx,
};
