/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite AFTR responder: the session sweeper.
 *
 * A bpf_timer (dslite_timer, started by dslite_aftr_arm, a pass every
 * cfg.sweep_interval_ms) looks after the sessions. It takes Init/Up
 * sessions whose detection time expired Down with diag 1 (the detection
 * time honoured is at most BFD_DETECT_TIME_MAX_US, 5 min), deletes Down
 * sessions idle for cfg.down_idle_ms once they were Up, and deletes a
 * session that never reached Up cfg.embryonic_idle_ms after its creation,
 * whatever its B4 sends; an established Up session
 * stays as long as its B4 keeps talking. Never-Up sessions thus number at
 * most new_sessions_per_sec x embryonic_idle_ms / 1000 (100,000 with the
 * defaults) and cannot fill the table. With cfg.reap_mode
 * DSLITE_REAP_RFC9468 it deletes instead what RFC 9468 section 2 says
 * the passive side may delete: a session not Up within one detection
 * time of its creation, and one that goes Down (reapable_rfc9468()).
 * Each callback also keeps the XDP
 * path's clock (clock_sync(), maps.h).
 *
 * What it reads is dslite_deadlines (dslite_aftr.h): a deadline per slot,
 * 4 bytes, written by whoever last changed the session (the XDP program
 * after every packet, with session_due()). A pass reads them in order,
 * 16 to a block, up to the highest slot ever used, and looks at a
 * session only when its deadline came: its cost is about a nanosecond
 * per slot for the scan plus the sessions that need attention, not a
 * random read of every session. A pass is cut into timer callbacks of
 * at most SWEEP_CHUNK_BLOCKS blocks and SWEEP_CHUNK_VISITS sessions, so
 * no callback holds its CPU's softirq for long; a session is still
 * looked at once per sweep interval, so a timeout is noticed at most one
 * interval after the detection time, as before.
 *
 * Not a translation unit of its own: included once from
 * dslite_aftr.bpf.c, after session.h (and the maps.h and pkt.h it
 * needs); defines the timer callback sweep() dslite_aftr_arm starts.
 */
#ifndef _DSLITE_BPF_SWEEP_H
#define _DSLITE_BPF_SWEEP_H

/*
 * Is the session to be deleted, in the mode of RFC 9468 section 2 ("If
 * the BFD session fails to get established within a certain specified
 * time, or if an established BFD session goes down, the passive side
 * SHOULD stop sending BFD Control packets and MAY delete the BFD
 * session")? One that was Up: as soon as it is Down. One never Up: one
 * detection time (bfd_detect_time_us(): the B4's Detect Mult x its
 * Desired Min TX, at least 1 s while not Up) after its creation, or at
 * once when nothing is heard any more (its detection time expired).
 * The responder sends only answers, so a deleted session is silent; the
 * B4's next packet with Your Discriminator 0 creates a new one.
 */
static __always_inline int reapable_rfc9468(const struct dslite_aftr_session *s,
					    __u64 now)
{
	__u64 dt;

	if (s->flags & DSLITE_SESS_WAS_UP)
		return s->bfd.state == BFD_STATE_DOWN;
	dt = bfd_detect_time_us(&s->bfd) * 1000;
	return !dt || (now > s->changed_ns && now - s->changed_ns > dt);
}

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

	if (dslite_cfg.reap_mode == DSLITE_REAP_RFC9468)
		return reapable_rfc9468(s, now);
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
 * Look at the session in slot low (its deadline came, or this is a full
 * pass): a session whose detection time expired goes Down (diag 1, a
 * timeout event), one that may be reaped is deleted (its dslite_discrs
 * entry, then the slot, both under the try-lock; a reaped event), and
 * any other gets its next deadline. A free slot, or a session busy on
 * another CPU (which writes its deadline itself), is left alone. Expiry
 * is judged two jiffies late, the precision of the XDP path's clock.
 * Returns 1 (a slot was read). A global function: verified once, called
 * for the rare slots that need attention only.
 */
__attribute__((noinline)) int sweep_slot(__u32 low, __u64 now, __u64 now_rx)
{
	struct dslite_aftr_event ev = {};
	struct dslite_aftr_session *s;
	int reap;

	if (!low || low > dslite_cfg.sessions)
		return 0;
	s = slot_of(low);
	if (!s)
		return 0;
	if (!(READ_ONCE(s->flags) & DSLITE_SESS_LIVE))
		return 1;
	if (!session_trylock(s))
		return 1;
	if (!(s->flags & DSLITE_SESS_LIVE)) {
		session_unlock(s);
		return 1;
	}
	stamp_clamp(s, now);
	if (bfd_detect_expired(&s->bfd, now_rx)) {
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
	ev.b4 = s->b4;
	if (reap) {
		/* the slot stays locked on the free ring (dslite_aftr.h) */
		dl_write(low, 0);
		bpf_map_delete_elem(&dslite_discrs, &ev.b4);
		s->flags = 0;
		s->bfd.local_discr = 0;
		slot_release(low);
	} else {
		dl_write(low, dl_units(session_due(s, now)));
		session_unlock(s);
	}

	if (!ev.type && !reap)
		return 1;
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
	return 1;
}

/*
 * The bounds of one timer callback: at most this many blocks of
 * deadlines (16 slots each: 2 MB of deadlines, 524,288 slots) and this
 * many sessions looked at (then the pass goes on in the next callback,
 * SWEEP_GAP_NS later, so a mass timeout or the first pass after a load
 * never holds a CPU for long). A callback stays well under 2 ms (make
 * bench prints the longest). The dslite_sweep_* knobs (0: these) exist
 * for the fixtures, which need passes of many callbacks on small tables.
 */
#define SWEEP_CHUNK_BLOCKS	32768
#define SWEEP_CHUNK_VISITS	2048
#define SWEEP_GAP_NS		50000ULL

const volatile __u32 dslite_sweep_chunk_blocks = 0;
const volatile __u32 dslite_sweep_chunk_visits = 0;

/*
 * The running pass (sweep_running: it started at sweep_pass_ns, the
 * next callback goes on at block sweep_block) and what the sweeper
 * costs: callbacks, the time spent in them (total and longest, ns), the
 * blocks of deadlines read and the sessions looked at, passes completed
 * (the first pass of a program looks at every slot). .bss of the
 * program that runs the timer; make bench and the fixtures read it.
 */
__u64 sweep_pass_ns;
__u32 sweep_block, sweep_running;
__u64 sweep_calls, sweep_ns, sweep_max_ns, sweep_blocks, sweep_visits;
__u64 sweep_passes;

struct sweep_ctx {
	__u64	now;
	__u64	now_rx;		/* now, less the XDP clock's error */
	__u32	now_u;		/* now in deadline units */
	__u32	first;		/* the first block of this callback */
	__u32	done;		/* blocks done */
	__u32	visits;		/* slots looked at */
	__u32	max_visits;
	__u32	full;		/* look at every slot */
};

/*
 * Deadline d is due: it came (d <= now, modulo 2^32), or it lies
 * further ahead than any deadline written at the present can (a clock
 * that jumped: the session's stamps are clamped). d - now - 1, unsigned,
 * is then at least the horizon plus the clock's slack (a deadline in the
 * past wraps to a large number); 0 is a free slot.
 */
#define DL_AHEAD	((__u32)((DSLITE_DL_HORIZON_NS + DSLITE_CLOCK_SLACK_NS) >> \
				 DSLITE_DL_SHIFT))

/* one block of 16 deadlines (bpf_loop callback): the slots due */
static long sweep_one_block(__u32 i, void *arg)
{
	struct sweep_ctx *c = arg;
	struct dslite_deadlines *b;
	__u32 blk = c->first + i, base, d, nu = c->now_u, j;

	if (c->visits >= c->max_visits)
		return 1;	/* the rest in the next callback */
	base = blk * DSLITE_DL_PER_BLOCK;
	b = bpf_map_lookup_elem(&dslite_deadlines, &blk);
	if (!b || c->full) {
		/* every slot (no deadlines: a map smaller than the table) */
#pragma unroll
		for (j = 0; j < DSLITE_DL_PER_BLOCK; j++)
			c->visits += sweep_slot(base + j, c->now, c->now_rx);
	} else {
#pragma unroll
		for (j = 0; j < DSLITE_DL_PER_BLOCK; j++) {
			d = b->dl[j];
			if (d && d - nu - 1 >= DL_AHEAD)
				c->visits += sweep_slot(base + j, c->now,
							c->now_rx);
		}
	}
	c->done = i + 1;
	return 0;
}

static __always_inline __u64 sweep_period_ns(void)
{
	__u32 ms = dslite_cfg.sweep_interval_ms;

	return (ms ? ms : DSLITE_DEF_SWEEP_MS) * NSEC_PER_MSEC;
}

/*
 * The timer's callback: the clock kept, then a part of the current pass
 * over the deadlines of the slots used so far (up to next_discr); the
 * timer is started again for the rest of the pass (SWEEP_GAP_NS) or for
 * the next pass, one period after this one started.
 */
static int sweep(void *map, __u32 *key, struct sweep_timer *t)
{
	struct dslite_aftr_state *st;
	struct sweep_ctx c = {};
	__u32 zero = 0, hw, nblocks, n, chunk;
	__u64 next = 0, end, d;

	c.now = clock_sync();
	c.now_rx = c.now - 2 * READ_ONCE(clk_ns_per_jiffy);
	c.now_u = c.now >> DSLITE_DL_SHIFT;
	if (!sweep_running) {
		sweep_running = 1;
		sweep_pass_ns = c.now;
		sweep_block = 0;
	}
	st = bpf_map_lookup_elem(&dslite_state, &zero);
	hw = st ? READ_ONCE(st->next_discr) : dslite_cfg.sessions;
	if (hw > dslite_cfg.sessions)
		hw = dslite_cfg.sessions;
	nblocks = hw / DSLITE_DL_PER_BLOCK + 1;
	chunk = dslite_sweep_chunk_blocks ? dslite_sweep_chunk_blocks :
					    SWEEP_CHUNK_BLOCKS;
	c.max_visits = dslite_sweep_chunk_visits ? dslite_sweep_chunk_visits :
						   SWEEP_CHUNK_VISITS;
	c.full = !sweep_passes;
	c.first = sweep_block;
	n = nblocks > c.first ? nblocks - c.first : 0;
	if (n > chunk)
		n = chunk;
	if (n)
		bpf_loop(n, sweep_one_block, &c, 0);
	sweep_block = c.first + c.done;
	if (sweep_block >= nblocks) {
		sweep_running = 0;
		sweep_passes++;
		count_event(DSLITE_CNT_SWEEPS);
		next = sweep_pass_ns + sweep_period_ns();
	}

	end = bpf_ktime_get_ns();
	d = end - c.now;
	sweep_calls++;
	sweep_ns += d;
	if (d > sweep_max_ns)
		sweep_max_ns = d;
	sweep_blocks += c.done;
	sweep_visits += c.visits;
	bpf_timer_start(&t->timer, next > end ? next - end : SWEEP_GAP_NS, 0);
	return 0;
}

#endif /* _DSLITE_BPF_SWEEP_H */
