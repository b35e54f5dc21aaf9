// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: the WAN side changing under the daemon. A CPE's WAN
 * address changes (a new delegated prefix after a reconnect, a DHCPv6
 * rebind, an operator renumbering), OpenWrt's netifd answers a WAN change
 * by deleting the ds-lite tunnel and creating it again, and a package
 * upgrade reloads dslite.ko. None of them is a reason to restart the
 * daemon:
 *
 *   the tunnel's local address moves   every candidate gets a new BFD
 *     (same device, "renumber")        session (new discriminator) from
 *                                      the new address at once, the old
 *                                      one is sent AdminDown from the old
 *                                      address when that still works
 *                                      (else it is abandoned: the AFTR
 *                                      times it out), ping sockets are
 *                                      opened again, PCP maps again. An
 *                                      active tunnel keeps its carrier
 *                                      while the new session comes up,
 *                                      under the start-up grace: no
 *                                      failover unless it does not
 *   the tunnel goes away (deleted,     its candidates are paused (nothing
 *     moved to another namespace,      is sent), dslite.ko is told
 *     renamed, or left without a       nothing; the daemon waits for a
 *     usable local address)            tunnel of the configured name, up
 *                                      to tunnel-wait seconds (default
 *                                      forever), then stops with exit 2
 *   a tunnel of that name is back      its new ifindex, local and remote
 *     ("recreated")                    are taken, 192.0.0.2 added if
 *                                      missing, new sessions, and the
 *                                      daemon goes on as at start (an up
 *                                      tunnel is adopted up, without the
 *                                      remote configured the new remote
 *                                      is the AFTR)
 *   dslite.ko unloaded (genl family    degraded mode: probing, health and
 *     "dslite" gone)                   failover by repoint go on; carrier
 *                                      forcing is skipped (recorded) and
 *                                      said once in the log and in "b4
 *                                      status"
 *   dslite.ko loaded again             the family is resolved anew, the
 *     (CTRL_CMD_NEWFAMILY)             module's view of each tunnel read,
 *                                      and the carrier the daemon wants
 *                                      pushed (a forced-down tunnel is
 *                                      forced down again with its diag
 *                                      and reason; an up one is left as
 *                                      the module finds it: up)
 *
 * Every change of the tunnel is one log line and one record in "b4
 * status" (last-wan-change, wan-changes); dslite.ko announces the new
 * endpoints itself (a "params" event, "new"/"del" for a re-created one).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dslitectl.h"
#include "b4.h"

/* dslite.ko back: its tunnels are tracked just after the family appears */
#define MODULE_RETRY_NS		(100 * NSEC_PER_MSEC)
#define MODULE_TRIES		50
/* an address event sends a waiting session's next packet now, unless
 * one left this recently */
#define KICK_GAP_NS		(100 * NSEC_PER_MSEC)

static const char *wait_str(const struct b4_daemon *d, char *buf, size_t n)
{
	if (d->cfg.tunnel_wait_s == B4_WAIT_FOREVER)
		snprintf(buf, n, "forever");
	else
		snprintf(buf, n, "%u s", d->cfg.tunnel_wait_s);
	return buf;
}

/* a fresh BFD session for candidate i, on the same socket and port */
static void new_session(struct b4_daemon *d, int i, uint64_t now)
{
	struct b4_cand *c = &d->cand[i];
	struct b4_session old = c->s;
	uint32_t us = b4_standby_ms(&d->cfg) * 1000;

	b4_session_init(&c->s, b4_session_new_discr(d), us, us,
			d->cfg.multiplier, now);
	/* the counters are the peer's, across its sessions */
	c->s.tx_packets = old.tx_packets;
	c->s.rx_packets = old.rx_packets;
	c->s.rx_dropped = old.rx_dropped;
	c->s.tx_errors = old.tx_errors;
	c->s.last_tx_errno = 0;
	c->v[B4_METHOD_BFD].ok = false;	/* Down, as the session is */
	/* the AFTR's side is new too: not an "AFTR changed" */
	c->up_remote_discr = 0;
	c->up_since_ns = 0;
	c->preempt_at_ns = 0;
}

/* nothing is sent for candidate i until its tunnel is back */
static void pause_cand(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	uint64_t now = mono_ns();

	new_session(d, i, now);
	c->s.next_tx_ns = 0;
	b4_ping_close(d, c);
	c->ping.next_tx_ns = 0;
	if (c->pcp.running)
		b4_pcp_stop(d, c);
}

static void record(struct b4_daemon *d, int t, const char *kind,
		   const struct b4_link *old, const struct b4_link *new)
{
	struct b4_wan_change *w = &d->last_wan;

	memset(w, 0, sizeof(*w));
	w->valid = true;
	w->kind = kind;
	snprintf(w->dev, sizeof(w->dev), "%s", d->tun[t].link.name);
	w->old_local = old->local;
	w->new_local = new->local;
	w->old_remote = old->remote;
	w->new_remote = new->remote;
	w->old_ifindex = old->ifindex;
	w->new_ifindex = new->ifindex;
	w->at_rt_ms = realtime_ms();
	d->n_wan_changes++;
}

/*
 * The local address of tunnel t moved (same device). New sessions from
 * the new address at once; the active tunnel stays up while its session
 * comes up again (the start-up grace bounds that).
 */
static void renumber(struct b4_daemon *d, int t, const struct b4_link *l)
{
	struct b4_tunnel *tun = &d->tun[t];
	struct b4_link old = tun->link;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint64_t now = mono_ns();
	int i, sent = 0, tried = 0, err = 0;
	bool pcp = false;

	record(d, t, "renumber", &old, l);
	tun->link.local = l->local;
	tun->link.remote = l->remote;
	tun->link.flags = l->flags;
	for (i = 0; i < d->n_cand; i++) {
		struct b4_cand *c = &d->cand[i];

		if (c->tun != t)
			continue;
		if ((c->health.methods & B4_M_BFD) &&
		    c->s.bfd.state != BFD_STATE_ADMIN_DOWN) {
			tried++;
			if (b4_net_send_admin_down(d, c, &old.local) == 0)
				sent++;
			else
				err = errno;
		}
		new_session(d, i, now);
		b4_ping_close(d, c);
		b4_fo_apply_timers(d, i);	/* reopens ping on the new path */
		b4_pcp_restart(d, i);
		pcp |= c->pcp.on;
	}
	d->last_wan.admin_down_sent = tried && sent == tried;
	if (d->up && d->active >= 0 && d->cand[d->active].tun == t)
		d->grace_until_ns = now + b4_fo_grace_ns(d);
	b4_log(d, "%s: local address %s -> %s (ifindex %d): new sessions from the new address, %s%s%s%s%s",
	       tun->link.name, b4_addr_str(&old.local, a),
	       b4_addr_str(&l->local, b), tun->link.ifindex,
	       !tried ? "" : sent == tried ?
	       "AdminDown to the old ones, " :
	       "the old ones abandoned (",
	       !tried || sent == tried ? "" : strerror(err),
	       !tried || sent == tried ? "" : "), ",
	       pcp ? "PCP mapped again, " : "",
	       d->up && d->grace_until_ns ?
	       "carrier kept up while the session comes up" :
	       d->up ? "carrier kept up" : "the tunnel stays down until an AFTR is up");
}

static void gone(struct b4_daemon *d, int t, const char *why)
{
	struct b4_tunnel *tun = &d->tun[t];
	char w[32];
	int i;

	if (tun->gone)
		return;
	tun->gone = true;
	tun->gone_ns = mono_ns();
	snprintf(tun->gone_why, sizeof(tun->gone_why), "%s", why);
	if (tun->rx_fd >= 0) {
		b4_watch_del(d, &tun->rx_w);
		close(tun->rx_fd);
		tun->rx_fd = -1;
	}
	for (i = 0; i < d->n_cand; i++)
		if (d->cand[i].tun == t)
			pause_cand(d, i);
	b4_log(d, "%s: the tunnel is gone (%s): waiting for it (tunnel-wait %s)",
	       tun->link.name, why, wait_str(d, w, sizeof(w)));
	b4_fo_tunnel_gone(d, t);
}

/* A tunnel of the configured name is usable again: go on as at start. */
static void back(struct b4_daemon *d, int t, const struct b4_link *l)
{
	struct b4_tunnel *tun = &d->tun[t];
	struct b4_link old = tun->link;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], e[512];
	uint64_t now = mono_ns();
	int i, r;

	record(d, t, "recreated", &old, l);
	d->last_wan.gone_ms = (now - tun->gone_ns) / NSEC_PER_MSEC;
	tun->link = *l;
	tun->gone = false;
	tun->forced = false;
	tun->diag = 0;
	tun->rx_fd = b4_net_open_tunnel_rx(tun, e, sizeof(e));
	if (tun->rx_fd < 0)
		b4_log(d, "%s: %s", tun->link.name, e);
	else
		b4_watch_add(d, &tun->rx_w, tun->rx_fd, b4_net_tunnel_cb);
	r = b4_link_has_addr4(d->rtnl, l->ifindex, B4_INNER_B4);
	if (r == 0) {
		if (b4_link_add_addr4(d->rtnl, l->ifindex, B4_INNER_B4,
				      DSLITE_WK_PREFIX_LEN, e, sizeof(e)))
			b4_log(d, "%s: add 192.0.0.2/29: %s", l->name, e);
		else
			b4_log(d, "%s: added 192.0.0.2/29 (the B4's softwire address)",
			       l->name);
	}
	if (!d->no_module && b4_fo_read_tunnel(d, t, e, sizeof(e)))
		b4_log(d, "%s (taken as not forced)", e);

	/* without aftr/aftr-name the AFTR is the tunnel's remote */
	if (d->cfg.mode == B4_MODE_REPOINT && !d->cfg.n_aftr &&
	    !d->cfg.aftr_name[0] && d->n_cand == 1 &&
	    memcmp(&d->cand[0].addr, &l->remote, sizeof(l->remote)) &&
	    !IN6_IS_ADDR_UNSPECIFIED(&l->remote)) {
		struct b4_cand *c = &d->cand[0];
		struct in6_addr server;

		b4_log(d, "aftr %s -> %s (the new tunnel's remote)",
		       b4_addr_str(&c->addr, a), b4_addr_str(&l->remote, b));
		c->addr = l->remote;
		b4_config_cand(&d->cfg, &c->addr, &c->health, &server);
		c->pcp.server = server;
	}
	for (i = 0; i < d->n_cand; i++) {
		struct b4_cand *c = &d->cand[i];

		if (c->tun != t && d->cfg.mode != B4_MODE_REPOINT)
			continue;
		new_session(d, i, now);
		b4_ping_close(d, c);
		b4_ping_init(&c->ping);
		/* every method starts again: nothing healthy, nothing to
		 * evaluate (the start-up rules decide, as at start) */
		memset(c->v, 0, sizeof(c->v));
		memset(&c->bfd_pending, 0, sizeof(c->bfd_pending));
		c->healthy = false;
		c->down = B4_DOWN_NONE;
		c->flapped = false;
	}
	b4_log(d, "%s: the tunnel is back after %llu ms (ifindex %d -> %d, local %s, remote %s): going on as at start",
	       l->name, (unsigned long long)d->last_wan.gone_ms, old.ifindex,
	       l->ifindex, b4_addr_str(&l->local, a),
	       b4_addr_str(&l->remote, b));
	if (b4_fo_tunnel_back(d, t, e, sizeof(e)))
		b4_log(d, "%s: %s", l->name, e);
	for (i = 0; i < d->n_cand; i++)
		if (d->cand[i].tun == t || d->cfg.mode == B4_MODE_REPOINT)
			b4_pcp_restart(d, i);
}

/* Tunnel t as it is now, against what the daemon knows of it. */
static void check(struct b4_daemon *d, int t)
{
	struct b4_tunnel *tun = &d->tun[t];
	const char *name = d->cfg.dev[t];
	char e[512], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct b4_link l;
	int r;

	if (!tun->gone) {
		r = b4_link_get(d->rtnl, NULL, tun->link.ifindex, &l, e,
				sizeof(e));
		if (r == -ENODEV) {
			gone(d, t, "deleted or moved to another network namespace");
		} else if (r) {
			return;		/* cannot tell: keep it */
		} else if (strcmp(l.name, name)) {
			gone(d, t, "renamed");
		} else if (IN6_IS_ADDR_UNSPECIFIED(&l.local)) {
			gone(d, t, "no local address");
		} else if (memcmp(&l.local, &tun->link.local,
				  sizeof(l.local))) {
			renumber(d, t, &l);
		} else if (memcmp(&l.remote, &tun->link.remote,
				  sizeof(l.remote))) {
			b4_log(d, "%s: remote changed outside the daemon: %s -> %s",
			       name, b4_addr_str(&tun->link.remote, a),
			       b4_addr_str(&l.remote, b));
			tun->link.remote = l.remote;
		}
		if (!tun->gone)
			return;
	}
	r = b4_tunnel_check(d->rtnl, name, &l, e, sizeof(e));
	if (r == -ENODEV)
		return;
	if (!r && !(l.flags & IFF_UP)) {
		/* created, not yet up: wait for its "up" */
		snprintf(e, sizeof(e), "%s is administratively down", name);
		r = -1;
	}
	if (r) {
		e[sizeof(tun->gone_why) - 1] = '\0';
		if (strcmp(tun->gone_why, e)) {
			b4_log(d, "%s: not usable yet: %s", name, e);
			memcpy(tun->gone_why, e, sizeof(tun->gone_why));
		}
		return;
	}
	back(d, t, &l);
}

void b4_wan_link_events(struct b4_daemon *d)
{
	int idx[B4_MAX_TUNNELS], i;
	unsigned int what;
	uint64_t now;

	for (i = 0; i < d->n_tun; i++)
		idx[i] = d->tun[i].link.ifindex;
	what = b4_rtnl_watch_read(d->rtnl_watch, idx, d->cfg.dev, d->n_tun);
	if (!what || d->stopping)
		return;
	for (i = 0; i < d->n_tun && !d->stopping; i++)
		check(d, i);
	if (!(what & (B4_WATCH_ADDR | B4_WATCH_LOST)))
		return;
	/* an address came or went (one that was tentative during DAD is
	 * usable now): a session that is not Up sends now rather than at
	 * its next interval (1 s while not Up), once */
	now = mono_ns();
	for (i = 0; i < d->n_cand; i++) {
		struct b4_session *s = &d->cand[i].s;

		if (s->next_tx_ns && s->bfd.state != BFD_STATE_UP &&
		    !s->admin_down_left && now - s->last_tx_ns > KICK_GAP_NS)
			s->next_tx_ns = now;
	}
}

/*
 * dslite.ko is back: bind to the family again, check that the module
 * tracks every tunnel (it finds them just after the family appears) and
 * push the carrier the daemon wants. 0, or -1 to try again later.
 */
static int module_resync(struct b4_daemon *d)
{
	char e[512];
	int t;

	if (d->genl.nl)
		genl_close(&d->genl);
	if (genl_open(&d->genl, DSLITE_GENL_NAME)) {
		genl_close(&d->genl);
		return -1;
	}
	for (t = 0; t < d->n_tun; t++) {
		struct b4_tunnel *tun = &d->tun[t];
		bool want = tun->want_forced;
		uint8_t diag = tun->want_diag;
		char reason[DSLITE_REASON_MAX];

		if (tun->gone)
			continue;
		memcpy(reason, tun->want_reason, sizeof(reason));
		if (b4_fo_read_tunnel(d, t, e, sizeof(e)))
			return -1;
		tun->want_forced = want;
		tun->want_diag = diag;
		memcpy(tun->want_reason, reason, sizeof(reason));
	}
	d->no_module = false;
	for (t = 0; t < d->n_tun; t++) {
		struct b4_tunnel *tun = &d->tun[t];
		char reason[DSLITE_REASON_MAX];

		if (tun->gone)
			continue;
		if (!tun->want_forced) {
			b4_log(d, "%s: dslite.ko back: carrier %s, nothing to push",
			       tun->link.name, tun->forced ?
			       "forced down by someone else" : "up");
			continue;
		}
		/* the wanted state is recorded again from these copies */
		memcpy(reason, tun->want_reason, sizeof(reason));
		if (b4_fo_carrier_nl(d, t, false, tun->want_diag, reason))
			continue;	/* logged */
		b4_log(d, "%s: dslite.ko back: carrier down again, diag %s (%s)",
		       tun->link.name, bfd_diag_short(tun->want_diag),
		       tun->want_reason);
	}
	return 0;
}

static void module_back(struct b4_daemon *d)
{
	if (module_resync(d) == 0) {
		d->module_retry_ns = 0;
		b4_log(d, "dslite.ko loaded again (generic netlink family %s, id %u): bound to it again, carrier forcing resumes",
		       DSLITE_GENL_NAME, d->genl.family_id);
		return;
	}
	if (++d->module_tries >= MODULE_TRIES) {
		d->module_retry_ns = 0;
		b4_log(d, "dslite.ko is back but does not answer for the tunnels: %s; waiting for it to be loaded again",
		       strerror(d->genl.err.err));
		return;
	}
	d->module_retry_ns = mono_ns() + MODULE_RETRY_NS;
}

static void module_gone(struct b4_daemon *d)
{
	if (d->no_module)
		return;
	d->no_module = true;
	d->module_retry_ns = 0;
	b4_log(d, "dslite.ko unloaded (generic netlink family %s gone): module not loaded: carrier not forced; probing, health and %s go on, the state is pushed again when it is back",
	       DSLITE_GENL_NAME, d->cfg.mode == B4_MODE_REPOINT ?
	       "failover by repoint" :
	       "the choice of AFTR (failover carrier needs the module to act)");
}

/* is the family there? (after notifications were lost) */
static bool family_present(void)
{
	struct genl_sock s;
	bool ok = genl_open(&s, DSLITE_GENL_NAME) == 0;

	genl_close(&s);
	return ok;
}

void b4_wan_genl_events(struct b4_daemon *d)
{
	int ev = genl_watch_event(&d->ctrl, DSLITE_GENL_NAME);

	if (d->stopping)
		return;
	/* notifications lost: ask; a family that is there is bound to
	 * again (harmless if it never went away) */
	if (ev == GENL_WATCH_LOST)
		ev = family_present() ? GENL_WATCH_NEW : GENL_WATCH_GONE;
	/* NEW also when the DEL before it came in the same read (a quick
	 * rmmod/insmod): the id changed and the carriers were given back */
	if (ev == GENL_WATCH_GONE) {
		module_gone(d);
	} else if (ev == GENL_WATCH_NEW) {
		d->no_module = true;
		d->module_tries = 0;
		module_back(d);
	}
}

void b4_wan_timer(struct b4_daemon *d, uint64_t now)
{
	int t;

	if (d->stopping)
		return;
	if (d->module_retry_ns && now >= d->module_retry_ns)
		module_back(d);
	if (d->cfg.tunnel_wait_s == B4_WAIT_FOREVER)
		return;
	for (t = 0; t < d->n_tun; t++) {
		struct b4_tunnel *tun = &d->tun[t];

		if (!tun->gone || now < tun->gone_ns +
		    (uint64_t)d->cfg.tunnel_wait_s * NSEC_PER_SEC)
			continue;
		d->exit_code = DSLITECTL_EXIT_ERROR;
		b4_log(d, "%s: the tunnel did not come back within %u s (tunnel-wait): stopping",
		       tun->link.name, d->cfg.tunnel_wait_s);
		b4_begin_stop(d, 0);
		return;
	}
}

uint64_t b4_wan_deadline(const struct b4_daemon *d)
{
	uint64_t t = d->module_retry_ns, x;
	int i;

	if (d->cfg.tunnel_wait_s == B4_WAIT_FOREVER)
		return t;
	for (i = 0; i < d->n_tun; i++) {
		if (!d->tun[i].gone)
			continue;
		x = d->tun[i].gone_ns +
		    (uint64_t)d->cfg.tunnel_wait_s * NSEC_PER_SEC;
		if (!t || x < t)
			t = x;
	}
	return t;
}
