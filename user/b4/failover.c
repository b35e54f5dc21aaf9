// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl b4: failover. Decides which AFTR carries the traffic and makes
 * it so through dslite.ko (carrier) and rtnetlink (repoint).
 *
 * Candidates are ordered by preference (index 0 first). The "active" one
 * is the candidate the traffic tunnel points to; d->up says whether that
 * tunnel has its carrier. The active session runs inside the tunnel at
 * "interval"; every other session runs on the direct path at
 * "standby-interval".
 *
 *   active session leaves Up   carrier down at once with the session's
 *                              diag (control-expired, neighbor-down...),
 *                              then switch to the best candidate that is
 *                              Up: repoint (or, in carrier mode, give the
 *                              carrier to its own tunnel), carrier up;
 *                              none Up: stay down, keep probing
 *   a candidate comes Up       tunnel down: switch to it (recovery);
 *                              tunnel up, preempt on, more preferred than
 *                              the active one: switch after it has been
 *                              Up for hold-down seconds
 *
 * Hold-down: a candidate that went Down after being Up is only taken
 * again once it has been Up for hold-down seconds, unless no other
 * candidate is Up at all (a working AFTR is better than none).
 *
 * Start: the state dslite.ko reports is adopted, nothing is flapped. A
 * tunnel found with its carrier is kept up while its AFTR becomes healthy
 * (a grace of (max(multiplier, 3) + 1) seconds, or pcp-deadline when PCP
 * is used and that is longer), a forced-down one stays down until a
 * candidate is Up.
 */
#include <errno.h>
#include <string.h>

#include "dslitectl.h"
#include "b4.h"


static uint64_t hold_ns(const struct b4_daemon *d)
{
	return (uint64_t)d->cfg.hold_down_s * NSEC_PER_SEC;
}

static const char *addr_of(const struct b4_daemon *d, int i, char *buf)
{
	if (i < 0)
		return "none";
	return b4_addr_str(&d->cand[i].addr, buf);
}

static const char *const switch_names[] = {
	[B4_SWITCH_FAILOVER] = "failover",
	[B4_SWITCH_PREEMPT] = "preempt",
	[B4_SWITCH_RECOVERY] = "recovery",
};

const char *b4_switch_name(enum b4_switch_kind k)
{
	return switch_names[k];
}

static bool stable(const struct b4_daemon *d, int i, uint64_t now)
{
	const struct b4_cand *c = &d->cand[i];

	if (!b4_cand_usable(d, i))
		return false;
	return !c->flapped || now - c->up_since_ns >= hold_ns(d);
}

/* The best candidate that is Up: stable ones first, then any. */
static int pick(const struct b4_daemon *d, uint64_t now)
{
	int i;

	for (i = 0; i < d->n_cand; i++)
		if (stable(d, i, now))
			return i;
	for (i = 0; i < d->n_cand; i++)
		if (b4_cand_usable(d, i))
			return i;
	return -1;
}

/* the candidate's path or role changed: every method follows */
void b4_fo_apply_timers(struct b4_daemon *d, int i)
{
	if (d->tun[d->cand[i].tun].gone)
		return;		/* paused until it is back (b4/wan.c) */
	b4_health_path(d, i);
}

/*
 * b4_fo_carrier_nl: dslite.ko TUNNEL_SET on tunnel t; only a failure is logged
 * (the caller logs the change, after whatever is more urgent). Without
 * the module (unloaded) or the device (gone) nothing can be forced: the
 * state is only recorded, to be pushed when the module comes back.
 */
int b4_fo_carrier_nl(struct b4_daemon *d, int t, bool up, uint8_t diag,
		     const char *reason)
{
	struct b4_tunnel *tun = &d->tun[t];
	struct nlmsghdr *nlh;
	int ret;

	tun->want_forced = !up;
	tun->want_diag = up ? 0 : diag;
	snprintf(tun->want_reason, sizeof(tun->want_reason), "%s",
		 up ? "" : reason);
	if (d->no_module || tun->gone) {
		tun->forced = !up;
		tun->diag = up ? 0 : diag;
		return 0;
	}
	nlh = genl_request(&d->genl, DSLITE_CMD_TUNNEL_SET, 0);
	mnl_attr_put_u32(nlh, DSLITE_A_IFINDEX, tun->link.ifindex);
	mnl_attr_put_u8(nlh, DSLITE_A_CARRIER, up);
	if (!up) {
		char r[DSLITE_REASON_MAX];

		mnl_attr_put_u8(nlh, DSLITE_A_DIAG, diag);
		snprintf(r, sizeof(r), "%s", reason);
		mnl_attr_put_strz(nlh, DSLITE_A_REASON, r);
	}
	ret = genl_talk(&d->genl, nlh, NULL, NULL);
	if (ret) {
		b4_log(d, "%s: carrier %s failed: %s%s%s", tun->link.name,
		       up ? "up" : "down", strerror(d->genl.err.err),
		       d->genl.err.msg[0] ? ": " : "", d->genl.err.msg);
		return ret;
	}
	tun->forced = !up;
	tun->diag = up ? 0 : diag;
	return 0;
}

static void log_carrier(struct b4_daemon *d, int t, bool up, uint8_t diag,
			const char *reason)
{
	const char *not = d->tun[t].gone ? " (not forced: the tunnel is gone)" :
			  d->no_module ? " (not forced: module not loaded)" : "";

	if (up)
		b4_log(d, "%s: carrier up%s", d->tun[t].link.name, not);
	else
		b4_log(d, "%s: carrier down, diag %s (%s)%s", d->tun[t].link.name,
		       bfd_diag_short(diag), reason, not);
}

/* set_carrier: TUNNEL_SET and its log line. */
static int set_carrier(struct b4_daemon *d, int t, bool up, uint8_t diag,
		       const char *reason)
{
	int ret = b4_fo_carrier_nl(d, t, up, diag, reason);

	if (!ret)
		log_carrier(d, t, up, diag, reason);
	return ret;
}

static int traffic_tunnel(const struct b4_daemon *d, int i)
{
	return d->cfg.mode == B4_MODE_REPOINT ? 0 : d->cand[i].tun;
}

/*
 * switch_to(d, j, kind): make candidate j (Up) carry the traffic:
 * repoint (repoint mode), move the paths and timers, carrier up; in
 * carrier mode the previous tunnel is then forced down as a standby.
 */
static int switch_to(struct b4_daemon *d, int j, enum b4_switch_kind kind)
{
	struct b4_cand *n = &d->cand[j];
	int old = d->active, t = traffic_tunnel(d, j);
	struct b4_tunnel *tun = &d->tun[t];
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], e[256];
	uint64_t now = mono_ns();

	if (d->cfg.mode == B4_MODE_REPOINT &&
	    memcmp(&tun->link.remote, &n->addr, sizeof(n->addr))) {
		if (b4_link_set_remote(d->rtnl, tun->link.ifindex, &n->addr, e,
				       sizeof(e))) {
			b4_log(d, "%s: repoint to %s failed: %s", tun->link.name,
			       addr_of(d, j, a), e);
			return -1;
		}
		b4_log(d, "%s: repoint remote %s -> %s", tun->link.name,
		       b4_addr_str(&tun->link.remote, b), addr_of(d, j, a));
		tun->link.remote = n->addr;
	}
	if (old >= 0 && old != j) {
		d->cand[old].path = B4_PATH_DIRECT;
		b4_fo_apply_timers(d, old);
	}
	d->active = j;
	n->path = B4_PATH_TUNNEL;
	n->preempt_at_ns = 0;
	b4_fo_apply_timers(d, j);
	d->grace_until_ns = 0;
	if (tun->forced && set_carrier(d, t, true, 0, NULL))
		return -1;
	d->up = true;
	d->down_diag = 0;

	if (d->cfg.mode == B4_MODE_CARRIER && old >= 0 && old != j &&
	    !d->tun[d->cand[old].tun].forced) {
		char r[DSLITE_REASON_MAX];

		snprintf(r, sizeof(r), "standby: %s took over",
			 addr_of(d, j, a));
		set_carrier(d, d->cand[old].tun, false, BFD_DIAG_ADMIN_DOWN, r);
	}

	if (d->last.valid && !d->last.up_ns) {
		/* the end of the outage that active_down_carrier() recorded */
		d->last.kind = kind;
	} else {
		/* a switch that did not start with a failure */
		memset(&d->last, 0, sizeof(d->last));
		d->last.kind = kind;
		d->last.from = old;
		if (old >= 0)
			d->last.from_addr = d->cand[old].addr;
		d->last.detect_ns = d->last.down_ns = now;
		d->last.detect_rt_ms = d->last.down_rt_ms = realtime_ms();
	}
	d->last.valid = true;
	d->last.to = j;
	d->last.to_addr = n->addr;
	d->last.up_ns = mono_ns();
	d->last.up_rt_ms = realtime_ms();
	if (kind != B4_SWITCH_PREEMPT)
		d->n_failovers++;
	b4_log(d, "%s: %s to %s done, via %s (%s, outage %llu ms)",
	       tun->link.name, b4_switch_name(kind), addr_of(d, j, a),
	       tun->link.name,
	       d->cfg.mode == B4_MODE_REPOINT ? "repoint" : "carrier",
	       (unsigned long long)((d->last.up_ns - d->last.detect_ns) /
				    1000000));
	return 0;
}

/*
 * The active candidate failed with diag, detected at now. First of all
 * the carrier goes down (active_down_carrier: nothing is logged before
 * it), then the rest (active_down_move: log, move to another AFTR).
 */
static void active_down_carrier(struct b4_daemon *d, int i, uint8_t diag,
				uint64_t now)
{
	struct b4_cand *c = &d->cand[i];
	int t = traffic_tunnel(d, i);
	char a[INET6_ADDRSTRLEN], r[DSLITE_REASON_MAX];
	uint64_t last_rx = c->s.changed_ns, x;
	int m;

	memset(&d->last, 0, sizeof(d->last));
	d->last.valid = true;
	d->last.kind = B4_SWITCH_FAILOVER;
	d->last.from = i;
	d->last.from_addr = c->addr;
	d->last.to = -1;
	d->last.diag = diag;
	d->last.detect_ns = now;
	d->last.detect_rt_ms = realtime_ms() - (mono_ns() - now) / 1000000;
	/* the last sign of life the method that failed it saw */
	m = c->down >= 0 && c->down < B4_METHOD_NR ? c->down : B4_METHOD_BFD;
	x = b4_methods[m]->last_rx(c);
	if (x && x <= now)
		last_rx = x;
	d->last.last_rx_rt_ms = d->last.detect_rt_ms - (now - last_rx) / 1000000;

	snprintf(r, sizeof(r), "%s down: %s", b4_down_name(c->down),
		 addr_of(d, i, a));
	d->last_carrier_ok = false;
	if (!d->tun[t].forced || d->tun[t].diag != diag)
		d->last_carrier_ok = b4_fo_carrier_nl(d, t, false, diag, r) == 0;
	d->last.down_ns = mono_ns();
	d->last.down_rt_ms = realtime_ms();
	d->up = false;
	d->down_diag = diag;
	d->grace_until_ns = 0;
}

static void active_down_move(struct b4_daemon *d, int i, uint8_t diag,
			     uint64_t now)
{
	struct b4_cand *c = &d->cand[i];
	int t = traffic_tunnel(d, i), j;
	char a[INET6_ADDRSTRLEN], r[DSLITE_REASON_MAX];

	if (d->last_carrier_ok) {
		snprintf(r, sizeof(r), "%s down: %s", b4_down_name(c->down),
			 addr_of(d, i, a));
		log_carrier(d, t, false, diag, r);
	}
	c->path = B4_PATH_DIRECT;
	b4_fo_apply_timers(d, i);

	j = pick(d, now);
	if (j >= 0 && switch_to(d, j, B4_SWITCH_FAILOVER) == 0)
		return;
	b4_log(d, "%s: no AFTR is up: stays down (%s), probing %d candidate%s",
	       d->tun[t].link.name, bfd_diag_short(diag), d->n_cand,
	       d->n_cand == 1 ? "" : "s");
	snprintf(r, sizeof(r), "no AFTR up, probing %d", d->n_cand);
	set_carrier(d, t, false, diag, r);
}

/*
 * A session came Up: is it the same AFTR session as the last time it was
 * Up? Another discriminator means another node of an anycast group (the
 * node id changed) or a session the AFTR started anew: "AFTR changed".
 */
static void check_aftr_changed(struct b4_daemon *d, int i)
{
	struct b4_cand *c = &d->cand[i];
	uint32_t old = c->up_remote_discr, new = c->s.bfd.remote_discr;
	char a[INET6_ADDRSTRLEN];

	c->up_remote_discr = new;
	if (!old || old == new)
		return;
	d->n_aftr_changes++;
	d->last_change.valid = true;
	d->last_change.addr = c->addr;
	d->last_change.old_discr = old;
	d->last_change.new_discr = new;
	d->last_change.at_rt_ms = realtime_ms();
	b4_log(d, "aftr %s: AFTR changed: node %u -> node %u (remote-id %u -> %u%s): the subscriber's NAT state is lost",
	       addr_of(d, i, a), B4_NODE_ID(old), B4_NODE_ID(new), old, new,
	       B4_NODE_ID(old) == B4_NODE_ID(new) ? ", a new session" : "");
}

void b4_fo_session_changed(struct b4_daemon *d, int i,
			   const struct b4_change *ch)
{
	struct b4_cand *c = &d->cand[i];
	char a[INET6_ADDRSTRLEN];
	uint64_t now = mono_ns();
	uint8_t diag = ch->diag ? ch->diag : c->s.bfd.diag ? c->s.bfd.diag :
		       BFD_DIAG_CONTROL_EXPIRED;
	char h[B4_HEALTH_STR_MAX];
	bool failed = ch->old_state == BFD_STATE_UP &&
		      ch->new_state != BFD_STATE_UP && i == d->active &&
		      d->up && !d->stopping;
	int j;

	/* the tunnel goes down before anything else is done, even a log */
	if (failed)
		active_down_carrier(d, i, diag, now);
	if (ch->method) {
		b4_log(d, "aftr %s (%s): %s by %s (health %s)%s%s%s%s",
		       addr_of(d, i, a), i == d->active ? "active" : "standby",
		       ch->new_state == BFD_STATE_UP ? "healthy" : "unhealthy",
		       ch->method, b4_health_str(&c->health, h),
		       ch->new_state == BFD_STATE_UP ? "" : ", diag ",
		       ch->new_state == BFD_STATE_UP ? "" : bfd_diag_short(diag),
		       ch->reason && ch->reason[0] ? ": " : "",
		       ch->reason ? ch->reason : "");
	} else if (!ch->logged) {
		b4_bfd_log(d, i, ch->old_state, ch->new_state);
	}
	if (ch->new_state == BFD_STATE_UP &&
	    c->s.bfd.state == BFD_STATE_UP)
		check_aftr_changed(d, i);
	if (d->stopping)
		return;

	if (ch->new_state == BFD_STATE_UP) {
		c->up_since_ns = now;
		if (!d->up) {
			if (d->grace_until_ns && i != d->active)
				return;	/* the adopted one may still come Up */
			j = pick(d, now);
			if (j >= 0)
				switch_to(d, j, j == d->active ?
					  B4_SWITCH_RECOVERY :
					  B4_SWITCH_FAILOVER);
			return;
		}
		if (i == d->active) {
			d->grace_until_ns = 0;
			return;
		}
		if (d->cfg.preempt && i < d->active)
			c->preempt_at_ns = now + hold_ns(d);
		return;
	}
	if (ch->old_state != BFD_STATE_UP)
		return;
	c->up_since_ns = 0;
	c->flapped = true;
	c->preempt_at_ns = 0;
	if (failed)
		active_down_move(d, i, diag, now);
}

/* After a reload: the preemption checks that the configuration asks for. */
void b4_fo_reconsider(struct b4_daemon *d)
{
	uint64_t now = mono_ns();
	int i;

	for (i = 0; i < d->n_cand; i++) {
		struct b4_cand *c = &d->cand[i];

		if (!d->cfg.preempt || !d->up || i >= d->active ||
		    !b4_cand_usable(d, i)) {
			c->preempt_at_ns = 0;
			continue;
		}
		c->preempt_at_ns = c->up_since_ns + hold_ns(d);
		if (c->preempt_at_ns < now)
			c->preempt_at_ns = now;
	}
}

/* reload dropped the active AFTR (repoint mode): d->active is -1. */
void b4_fo_removed_active(struct b4_daemon *d)
{
	uint64_t now = mono_ns();
	int j;

	memset(&d->last, 0, sizeof(d->last));
	d->last.valid = true;
	d->last.kind = B4_SWITCH_FAILOVER;
	d->last.from = -1;
	d->last.to = -1;
	d->last.diag = BFD_DIAG_ADMIN_DOWN;
	d->last.detect_ns = now;
	d->last.detect_rt_ms = realtime_ms();
	set_carrier(d, 0, false, BFD_DIAG_ADMIN_DOWN, "aftr removed by reload");
	d->last.down_ns = mono_ns();
	d->last.down_rt_ms = realtime_ms();
	d->up = false;
	d->down_diag = BFD_DIAG_ADMIN_DOWN;
	j = pick(d, now);
	if (j < 0 || switch_to(d, j, B4_SWITCH_FAILOVER))
		b4_log(d, "%s: no AFTR is up: stays down (admin-down)",
		       d->tun[0].link.name);
}

void b4_fo_timer(struct b4_daemon *d, uint64_t now)
{
	int i;

	if (d->stopping)
		return;
	if (d->grace_until_ns && now >= d->grace_until_ns) {
		d->grace_until_ns = 0;
		if (d->up && d->active >= 0 && !b4_cand_usable(d, d->active)) {
			struct b4_cand *c = &d->cand[d->active];
			char a[INET6_ADDRSTRLEN], h[B4_HEALTH_STR_MAX];
			uint8_t diag = b4_health_mark_down(c);

			if (!diag)
				diag = BFD_DIAG_CONTROL_EXPIRED;
			active_down_carrier(d, d->active, diag, now);
			b4_log(d, "aftr %s (active): not healthy within the start-up grace (health %s)",
			       addr_of(d, d->active, a),
			       b4_health_str(&c->health, h));
			active_down_move(d, d->active, diag, now);
		} else if (!d->up) {
			i = pick(d, now);
			if (i >= 0)
				switch_to(d, i, B4_SWITCH_RECOVERY);
		}
	}
	for (i = 0; i < d->n_cand; i++) {
		struct b4_cand *c = &d->cand[i];

		if (!c->preempt_at_ns || now < c->preempt_at_ns)
			continue;
		c->preempt_at_ns = 0;
		if (d->up && d->cfg.preempt && i < d->active &&
		    b4_cand_usable(d, i) && now - c->up_since_ns >= hold_ns(d))
			switch_to(d, i, B4_SWITCH_PREEMPT);
	}
}

uint64_t b4_fo_deadline(const struct b4_daemon *d)
{
	uint64_t t = d->grace_until_ns;
	int i;

	for (i = 0; i < d->n_cand; i++) {
		uint64_t p = d->cand[i].preempt_at_ns;

		if (p && (!t || p < t))
			t = p;
	}
	return t;
}

struct get_state {
	struct tunnel_info *info;
	bool *found;
};

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_state *st = data;

	if (tunnel_parse(nlh, st->info))
		return -EBADMSG;
	*st->found = true;
	return 0;
}

int b4_fo_tunnel_get(struct b4_daemon *d, int t, struct tunnel_info *info,
		     bool *found)
{
	struct get_state st = { info, found };
	struct nlmsghdr *nlh;

	memset(info, 0, sizeof(*info));
	*found = false;
	nlh = genl_request(&d->genl, DSLITE_CMD_TUNNEL_GET, 0);
	mnl_attr_put_u32(nlh, DSLITE_A_IFINDEX, d->tun[t].link.ifindex);
	return genl_talk(&d->genl, nlh, get_cb, &st);
}

int b4_fo_read_tunnel(struct b4_daemon *d, int t, char *e, size_t elen)
{
	struct b4_tunnel *tun = &d->tun[t];
	struct tunnel_info info;
	bool found;

	if (b4_fo_tunnel_get(d, t, &info, &found) || !found) {
		snprintf(e, elen, "%s: dslite.ko: %s%s%s", tun->link.name,
			 strerror(d->genl.err.err ? d->genl.err.err : EBADMSG),
			 d->genl.err.msg[0] ? ": " : "", d->genl.err.msg);
		return -1;
	}
	tun->forced = info.forced == DSLITE_FORCED_CARRIER_DOWN;
	tun->diag = info.diag;
	tun->want_forced = tun->forced;
	tun->want_diag = tun->diag;
	snprintf(tun->want_reason, sizeof(tun->want_reason), "%s",
		 info.reason);
	return 0;
}

/* Read the module's state of every tunnel: before anything is changed. */
int b4_fo_read_state(struct b4_daemon *d, char *e, size_t elen)
{
	int t;

	for (t = 0; t < d->n_tun; t++)
		if (b4_fo_read_tunnel(d, t, e, elen))
			return -1;
	return 0;
}

uint64_t b4_fo_grace_ns(const struct b4_daemon *d)
{
	uint64_t grace = (uint64_t)((d->cfg.multiplier > 3 ?
				     d->cfg.multiplier : 3) + 1) * NSEC_PER_SEC;

	/* PCP gives up on a first request only at its deadline */
	if (b4_config_uses(&d->cfg, B4_M_PCP) &&
	    (uint64_t)d->cfg.pcp_deadline_ms * 1000000 > grace)
		grace = (uint64_t)d->cfg.pcp_deadline_ms * 1000000;
	return grace;
}

int b4_fo_start(struct b4_daemon *d, char *e, size_t elen)
{
	char a[INET6_ADDRSTRLEN];
	uint64_t now = mono_ns();
	uint64_t grace = b4_fo_grace_ns(d);
	int i, t;

	(void)e;
	(void)elen;
	d->active = -1;
	d->up = false;
	for (i = 0; i < d->n_cand; i++)
		d->cand[i].path = B4_PATH_DIRECT;

	if (d->cfg.mode == B4_MODE_REPOINT) {
		struct b4_tunnel *tun = &d->tun[0];

		for (i = 0; i < d->n_cand; i++)
			if (!memcmp(&d->cand[i].addr, &tun->link.remote,
				    sizeof(tun->link.remote)))
				break;
		if (tun->forced) {
			d->active = i < d->n_cand ? i : -1;
			d->down_diag = tun->diag;
			b4_log(d, "%s: found forced down (%s): stays down until an AFTR is up",
			       tun->link.name, bfd_diag_short(tun->diag));
		} else {
			if (i == d->n_cand) {
				if (b4_link_set_remote(d->rtnl, tun->link.ifindex,
						       &d->cand[0].addr, e, elen))
					return -1;
				b4_log(d, "%s: repoint remote %s -> %s (the first AFTR)",
				       tun->link.name,
				       b4_addr_str(&tun->link.remote, a),
				       addr_of(d, 0, a));
				tun->link.remote = d->cand[0].addr;
				i = 0;
			}
			d->active = i;
			d->up = true;
			d->cand[i].path = B4_PATH_TUNNEL;
			d->grace_until_ns = now + grace;
			b4_log(d, "%s: found with its carrier: kept up via %s while the session comes up",
			       tun->link.name, addr_of(d, i, a));
		}
	} else {
		for (i = 0; i < d->n_cand; i++) {
			t = d->cand[i].tun;
			if (d->tun[t].forced)
				continue;
			if (d->active < 0) {
				d->active = i;
				d->up = true;
				d->cand[i].path = B4_PATH_TUNNEL;
				d->grace_until_ns = now + grace;
				b4_log(d, "%s: found with its carrier: kept up via %s while the session comes up",
				       d->tun[t].link.name, addr_of(d, i, a));
				continue;
			}
			set_carrier(d, t, false, BFD_DIAG_ADMIN_DOWN,
				    "standby");
		}
		if (d->active < 0)
			b4_log(d, "all tunnels found forced down: they stay down until an AFTR is up");
	}
	for (i = 0; i < d->n_cand; i++)
		b4_fo_apply_timers(d, i);
	return 0;
}

void b4_fo_stop(struct b4_daemon *d)
{
	int t;

	if (!d->cfg.release || d->no_module)
		return;
	for (t = 0; t < d->n_tun; t++)
		if (d->tun[t].forced && !d->tun[t].gone)
			set_carrier(d, t, true, 0, NULL);
}

/*
 * Tunnel t went away (b4/wan.c paused its candidates). Repoint mode: the
 * one tunnel is gone, nothing carries traffic until it is back. Carrier
 * mode: when it carried the traffic, fail over to another tunnel as if
 * its AFTR had died (path-down).
 */
void b4_fo_tunnel_gone(struct b4_daemon *d, int t)
{
	uint64_t now = mono_ns();
	int i, a = d->active;

	for (i = 0; i < d->n_cand; i++) {
		if (d->cand[i].tun != t && d->cfg.mode != B4_MODE_REPOINT)
			continue;
		d->cand[i].path = B4_PATH_DIRECT;
		d->cand[i].preempt_at_ns = 0;
		d->cand[i].up_since_ns = 0;
	}
	if (d->cfg.mode == B4_MODE_REPOINT) {
		d->active = -1;
		d->up = false;
		d->down_diag = BFD_DIAG_PATH_DOWN;
		d->grace_until_ns = 0;
		return;
	}
	if (a < 0 || d->cand[a].tun != t)
		return;
	d->grace_until_ns = 0;
	if (!d->up)
		return;
	d->cand[a].down = B4_DOWN_TUNNEL;
	active_down_carrier(d, a, BFD_DIAG_PATH_DOWN, now);
	active_down_move(d, a, BFD_DIAG_PATH_DOWN, now);
}

/*
 * Tunnel t is back (a new device of the same name, its candidates with
 * new sessions): go on as at start. Repoint mode: adopt it (b4_fo_start).
 * Carrier mode: it is a standby (forced down) unless nothing else is up.
 */
int b4_fo_tunnel_back(struct b4_daemon *d, int t, char *e, size_t elen)
{
	char r[DSLITE_REASON_MAX];
	int i;

	if (d->cfg.mode == B4_MODE_REPOINT)
		return b4_fo_start(d, e, elen);
	for (i = 0; i < d->n_cand; i++)
		if (d->cand[i].tun == t)
			b4_fo_apply_timers(d, i);
	if (d->up) {
		set_carrier(d, t, false, BFD_DIAG_ADMIN_DOWN, "standby");
	} else {
		snprintf(r, sizeof(r), "no AFTR up, probing %d", d->n_cand);
		set_carrier(d, t, false, d->down_diag ? d->down_diag :
			    BFD_DIAG_ADMIN_DOWN, r);
	}
	return 0;
}
