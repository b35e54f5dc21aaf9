/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite AFTR responder: the session sweeper.
 *
 * A bpf_timer (dslite_timer, started by dslite_aftr_arm, period
 * cfg.sweep_interval_ms) walks the live sessions. It takes Init/Up
 * sessions whose detection time expired Down with diag 1 (the detection
 * time honoured is at most BFD_DETECT_TIME_MAX_US, 5 min), deletes Down
 * sessions idle for cfg.down_idle_ms once they were Up, and deletes a
 * session that never reached Up cfg.embryonic_idle_ms after its creation,
 * whatever its B4 sends (RFC 9468 5.2 deletes a passive session that
 * does not come Up within a detection time); an established Up session
 * stays as long as its B4 keeps talking. Never-Up sessions thus number at
 * most new_sessions_per_sec x embryonic_idle_ms / 1000 (100,000 with the
 * defaults) and cannot fill the table. Each sweep also keeps the XDP
 * path's clock (clock_sync(), maps.h).
 *
 * Not a translation unit of its own: included once from
 * dslite_aftr.bpf.c, after session.h (and the maps.h and pkt.h it
 * needs); defines the timer callback sweep() dslite_aftr_arm starts.
 */
#ifndef _DSLITE_BPF_SWEEP_H
#define _DSLITE_BPF_SWEEP_H

struct bpf_map;

struct sweep_ctx {
	__u64	now;
	__u64	now_rx;		/* now, less the XDP clock's error */
};

/*
 * Is the session to be deleted? One that was Up: when Down and idle
 * (no packet, no state change) for longer than down_idle_ms. One that
 * never was Up: embryonic_idle_ms after its creation (changed_ns),
 * whatever state it is in and whatever its B4 sends.
 */
static __always_inline int reapable(const struct dslite_aftr_session *s,
				    __u64 now)
{
	__u64 seen, limit;

	if (!(s->flags & DSLITE_SESS_WAS_UP)) {
		limit = dslite_cfg.embryonic_idle_ms;
		seen = s->changed_ns;
	} else {
		if (s->bfd.state != BFD_STATE_DOWN)
			return 0;
		limit = dslite_cfg.down_idle_ms;
		seen = s->last_seen_ns > s->changed_ns ? s->last_seen_ns :
							 s->changed_ns;
	}
	return limit && now > seen && now - seen > limit * NSEC_PER_MSEC;
}

/* a stamp of the session further in the future than a clock can be */
static __always_inline int stamp_ahead(const struct dslite_aftr_session *s,
				       __u64 now)
{
	__u64 lim = now + DSLITE_CLOCK_SLACK_NS;

	return s->bfd.last_rx_ns > lim || s->last_seen_ns > lim ||
	       s->changed_ns > lim;
}

/* clamp such stamps to now (under the try-lock) */
static __always_inline void stamp_clamp(struct dslite_aftr_session *s,
					__u64 now)
{
	__u64 lim = now + DSLITE_CLOCK_SLACK_NS;

	if (!stamp_ahead(s, now))
		return;
	if (s->bfd.last_rx_ns > lim)
		s->bfd.last_rx_ns = now;
	if (s->last_seen_ns > lim)
		s->last_seen_ns = now;
	if (s->changed_ns > lim)
		s->changed_ns = now;
	count_event(DSLITE_CNT_CLOCK_CLAMPED);
}

/*
 * One live session per call of bpf_for_each_map_elem() over dslite_discrs
 * (key the B4, value its discriminator: the slot). A first look without
 * the try-lock skips the sessions with nothing to do; a session busy on
 * another CPU (or being created: not live yet) waits for the next sweep.
 * Expiry is judged two jiffies late, the precision of the XDP path's
 * clock. Reaping deletes the dslite_discrs entry, then frees the slot,
 * both under the try-lock.
 */
static long sweep_one(struct bpf_map *map, struct dslite_in6 *key,
		      __u32 *val, struct sweep_ctx *ctx)
{
	struct dslite_aftr_event ev = {};
	struct dslite_aftr_session *s;
	__u64 now = ctx->now;
	__u32 low;
	int reap;

	low = *val & slot_mask();
	s = low ? slot_of(low) : NULL;
	if (!s || !slot_is(s, key->addr))
		return 0;
	if (!bfd_detect_expired(&s->bfd, ctx->now_rx) && !reapable(s, now) &&
	    !stamp_ahead(s, now))
		return 0;
	if (session_lock(s, key->addr, 1))
		return 0;
	stamp_clamp(s, now);
	if (bfd_detect_expired(&s->bfd, ctx->now_rx)) {
		ev.old_state = s->bfd.state;
		if (bfd_timeout(&s->bfd)) {
			if (s->flags & DSLITE_SESS_WAS_UP)
				s->changed_ns = now;
			ev.type = DSLITE_EV_TIMEOUT;
		}
	}
	reap = reapable(s, now);
	ev.local_discr = s->bfd.local_discr;
	ev.remote_discr = s->bfd.remote_discr;
	ev.new_state = s->bfd.state;
	ev.diag = s->bfd.diag;
	ev.remote_state = s->bfd.remote_state;
	ev.remote_diag = s->bfd.remote_diag;
	ev.local = s->local;
	ev.b4 = *key;
	if (reap) {
		/* the slot stays locked on the free ring (dslite_aftr.h) */
		bpf_map_delete_elem(&dslite_discrs, &ev.b4);
		s->flags = 0;
		s->bfd.local_discr = 0;
		slot_release(low);
	} else {
		session_unlock(s);
	}

	if (!ev.type && !reap)
		return 0;
	ev.ts_ns = now;
	if (ev.type) {
		count_event(DSLITE_CNT_SESS_TIMEOUT);
		emit(&ev);
	}
	if (reap) {
		count_event(DSLITE_CNT_SESS_REAPED);
		ev.type = DSLITE_EV_REAPED;
		ev.old_state = ev.new_state;
		emit(&ev);
	}
	return 0;
}

static __always_inline __u64 sweep_period_ns(void)
{
	__u32 ms = dslite_cfg.sweep_interval_ms;

	return (ms ? ms : DSLITE_DEF_SWEEP_MS) * NSEC_PER_MSEC;
}

/* the timer's callback: one walk of the live sessions, the clock kept,
 * the timer started again */
static int sweep(void *map, __u32 *key, struct sweep_timer *t)
{
	struct sweep_ctx ctx;

	ctx.now = clock_sync();
	ctx.now_rx = ctx.now - 2 * READ_ONCE(clk_ns_per_jiffy);

	bpf_for_each_map_elem(&dslite_discrs, sweep_one, &ctx, 0);
	count_event(DSLITE_CNT_SWEEPS);
	bpf_timer_start(&t->timer, sweep_period_ns(), 0);
	return 0;
}

#endif /* _DSLITE_BPF_SWEEP_H */
