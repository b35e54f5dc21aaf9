/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite AFTR responder: the session table.
 *
 * One passive BFD session per B4, keyed by the B4's outer IPv6 source.
 * Sessions live in the slots of an array, found by the low bits of Your
 * Discriminator (no hash look-up on the steady path), or through a hash
 * of B4 addresses when the packet carries no discriminator of ours
 * (dslite_aftr.h, dslite_sessions and dslite_discrs). A session is
 * created from its B4's first valid packet (session_create()) at most at
 * the configured rate (rate_take()), and only for a source that may get
 * an answer (source_check()). Sessions are never evicted by new ones:
 * the sweeper (sweep.h) deletes them and gives their slots back to the
 * free ring (slot_release()). A session being updated on another CPU at
 * the same instant (try-lock) drops the packet rather than wait.
 *
 * Not a translation unit of its own: included once from
 * dslite_aftr.bpf.c, after maps.h (the maps, dslite_cfg, count_event())
 * and pkt.h (struct pkt, copy_in6(), same_in6()).
 */
#ifndef _DSLITE_BPF_SESSION_H
#define _DSLITE_BPF_SESSION_H

/* session try-lock (see struct dslite_aftr_session) */
static __always_inline int session_trylock(struct dslite_aftr_session *s)
{
	return __sync_lock_test_and_set(&s->busy, 1) == 0;
}

static __always_inline void session_unlock(struct dslite_aftr_session *s)
{
	/* an exchange, not a plain store: fully ordered on every arch */
	__sync_lock_test_and_set(&s->busy, 0);
}

static __always_inline int permitted(const struct ipv6hdr *ip6)
{
	struct dslite_lpm6_key k = { .prefixlen = 128 };

	if (!dslite_cfg.allowlist)
		return 1;
	copy_in6((struct dslite_in6 *)k.addr, &ip6->saddr);
	return bpf_map_lookup_elem(&dslite_allow, &k) != NULL;
}

/*
 * May the outer source of this packet get an answer? 0, or the drop
 * reason: DROP_BAD_SOURCE for a source no B4 can have (multicast,
 * unspecified, loopback, link-local, IPv4-mapped, one of the AFTR's own
 * addresses), whatever the allowlist says; DROP_NOT_PERMITTED outside
 * the allowlist.
 */
static __always_inline int source_check(const struct ipv6hdr *ip6)
{
	const __u32 *a = (const __u32 *)&ip6->saddr;
	struct dslite_in6 key;

	if ((a[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000) ||
	    (a[0] & bpf_htonl(0xffc00000)) == bpf_htonl(0xfe800000))
		return DSLITE_CNT_DROP_BAD_SOURCE;	/* multicast, link-local */
	if (!(a[0] | a[1]) &&
	    ((!a[2] && (!a[3] || a[3] == bpf_htonl(1))) ||
	     a[2] == bpf_htonl(0xffff)))
		return DSLITE_CNT_DROP_BAD_SOURCE;	/* ::, ::1, ::ffff:0:0/96 */
	copy_in6(&key, a);
	if (bpf_map_lookup_elem(&dslite_local, &key))
		return DSLITE_CNT_DROP_BAD_SOURCE;	/* ourselves */
	if (!permitted(ip6))
		return DSLITE_CNT_DROP_NOT_PERMITTED;
	return 0;
}

/*
 * The event of a received packet, within the session's budget (flags
 * bits, see dslite_aftr.h): 1 to send it, 0 when over (counted as
 * events_suppressed). Under the session's try-lock.
 */
static __always_inline int event_budget(struct dslite_aftr_session *s,
					__u64 now)
{
	__u32 f = s->flags, win, n;

	win = (__u32)(now >> DSLITE_EV_WINDOW_SHIFT) & 0xffffff;
	n = (f & DSLITE_SESS_EV_COUNT_MASK) >> DSLITE_SESS_EV_COUNT_SHIFT;
	if (f >> DSLITE_SESS_EV_WINDOW_SHIFT != win)
		n = 0;
	if (n >= DSLITE_EV_PER_WINDOW) {
		count_event(DSLITE_CNT_EVENTS_SUPPRESSED);
		return 0;
	}
	n++;
	s->flags = (f & ~(DSLITE_SESS_EV_COUNT_MASK | 0xffffff00U)) |
		   n << DSLITE_SESS_EV_COUNT_SHIFT |
		   win << DSLITE_SESS_EV_WINDOW_SHIFT;
	return 1;
}

/* the mask of the slot bits of a discriminator */
static __always_inline __u32 slot_mask(void)
{
	__u32 bits = dslite_cfg.slot_bits;

	if (bits < 1 || bits > DSLITE_DISCR_NODE_SHIFT)
		bits = DSLITE_DISCR_NODE_SHIFT;
	return (1U << bits) - 1;
}

/* N, as the ring's modulus (never 0) */
static __always_inline __u32 table_size(void)
{
	__u32 n = dslite_cfg.sessions;

	return n ? n : 1;
}

/* a slot of dslite_sessions: an inlined array look-up; NULL beyond it */
static __always_inline struct dslite_aftr_session *slot_of(__u32 low)
{
	return bpf_map_lookup_elem(&dslite_sessions, &low);
}

/*
 * When must the sweeper look at s next (ns, CLOCK_MONOTONIC)? The
 * earliest of: its detection time expiring (bfd_detect_expired()), its
 * reaping (reapable() in sweep.h: embryonic_idle_ms after the creation of
 * a session never Up, down_idle_ms after the last packet or change of a
 * Down one; in the RFC 9468 mode one detection time after the creation
 * of a session never Up, at once for a Down one), now +
 * DSLITE_DL_HORIZON_NS. Early is harmless (the sweeper
 * checks the session itself and writes a new deadline); late is not.
 */
static __always_inline __u64 session_due(const struct dslite_aftr_session *s,
					 __u64 now)
{
	__u64 due = now + DSLITE_DL_HORIZON_NS, t, seen, limit = 0, dt;

	if (s->bfd.last_rx_ns) {
		dt = bfd_detect_time_us(&s->bfd);
		t = s->bfd.last_rx_ns + dt * 1000;
		if (dt && t < due)
			due = t;
	}
	if (dslite_cfg.reap_mode == DSLITE_REAP_RFC9468) {
		/* reapable_rfc9468() (sweep.h): Down once Up, at the next
		 * pass; never Up, one detection time after creation */
		if (s->flags & DSLITE_SESS_WAS_UP) {
			if (s->bfd.state == BFD_STATE_DOWN)
				due = now;
		} else {
			t = s->changed_ns + bfd_detect_time_us(&s->bfd) * 1000;
			if (t < due)
				due = t;
		}
		return due;
	}
	if (!(s->flags & DSLITE_SESS_WAS_UP)) {
		limit = dslite_cfg.embryonic_idle_ms;
		seen = s->changed_ns;
	} else if (s->bfd.state == BFD_STATE_DOWN) {
		limit = dslite_cfg.down_idle_ms;
		seen = s->last_seen_ns > s->changed_ns ? s->last_seen_ns :
							 s->changed_ns;
	}
	if (limit) {
		t = seen + limit * NSEC_PER_MSEC;
		if (t < due)
			due = t;
	}
	return due;
}

/* a deadline in dslite_deadlines' units; never 0 (0: a free slot) */
static __always_inline __u32 dl_units(__u64 ns)
{
	__u32 u = ns >> DSLITE_DL_SHIFT;

	return u ? u : (__u32)-1;
}

/* write slot low's deadline (under its try-lock; 0: free) */
static __always_inline void dl_write(__u32 low, __u32 dl)
{
	struct dslite_deadlines *b;
	__u32 blk = low / DSLITE_DL_PER_BLOCK;

	b = bpf_map_lookup_elem(&dslite_deadlines, &blk);
	if (b)
		WRITE_ONCE(b->dl[low % DSLITE_DL_PER_BLOCK], dl);
}

/* is s the live session of the B4 at addr? (unlocked: a hint; again
 * under the try-lock to be sure) */
static __always_inline int slot_is(const struct dslite_aftr_session *s,
				   const void *addr)
{
	return (READ_ONCE(s->flags) & DSLITE_SESS_LIVE) &&
	       same_in6(s->b4.addr, addr);
}

/* The session of the B4 at addr (packet or map) by its address: the hash,
 * then the slot. Not locked. NULL: none (or one being created/deleted). */
static __always_inline struct dslite_aftr_session *
session_by_addr(const struct dslite_in6 *key)
{
	struct dslite_aftr_session *s;
	__u32 *d;

	d = bpf_map_lookup_elem(&dslite_discrs, key);
	if (!d)
		return NULL;
	s = slot_of(*d & slot_mask());
	if (!s || !slot_is(s, key->addr))
		return NULL;
	return s;
}

/* take the try-lock of the live session of addr found unlocked: 0, or a
 * drop reason (busy, or deleted/reused in between) */
static __always_inline int session_lock(struct dslite_aftr_session *s,
					const void *addr, int gone)
{
	if (!session_trylock(s))
		return DSLITE_CNT_DROP_BUSY;
	if (!(s->flags & DSLITE_SESS_LIVE) || !same_in6(s->b4.addr, addr)) {
		session_unlock(s);
		return gone;
	}
	return 0;
}

/* the slot that stores position pos of the free ring */
static __always_inline struct dslite_aftr_session *ring_slot(__u64 pos)
{
	return slot_of((__u32)(pos % table_size()) + 1);
}

/*
 * Give a slot the sweeper freed (flags and local_discr cleared, its
 * try-lock still held) to the tail of the free ring. The sweeper is the
 * only writer: it stores the entry, then publishes it under the lock.
 */
static __always_inline void slot_release(__u32 low)
{
	struct dslite_aftr_session *r;
	struct dslite_aftr_state *st;
	__u32 zero = 0;
	__u64 pos;

	st = bpf_map_lookup_elem(&dslite_state, &zero);
	if (!st)
		return;
	pos = READ_ONCE(st->free_tail);
	r = ring_slot(pos);
	if (!r)
		return;		/* a table smaller than cfg.sessions */
	WRITE_ONCE(r->free_next, low);
	bpf_spin_lock(&st->lock);
	st->free_tail = pos + 1;
	bpf_spin_unlock(&st->lock);
}

/* GCRA (dslite_aftr_state): may a session be created at now? Under the
 * lock; a state further ahead than the burst (a clock that jumped) is
 * reset first. */
static __always_inline int rate_take(struct dslite_aftr_state *st, __u64 now,
				     __u64 period, __u64 burst)
{
	__u64 tat;

	if (!period)
		return 1;
	if (st->tat_ns > now + burst * period)
		st->tat_ns = now;
	tat = st->tat_ns > now ? st->tat_ns : now;
	if (tat - now > (burst - 1) * period)
		return 0;
	st->tat_ns = tat + period;
	return 1;
}

/*
 * Create the session of a B4 whose first valid packet (state Down, Your
 * Discriminator 0) just arrived. Returns 0 and *sp with its try-lock
 * held (*created = 0 when another CPU created it at the same time), or a
 * drop reason. The order is in dslite_aftr.h (dslite_sessions).
 */
static __always_inline int session_create(struct pkt *p,
					  const struct dslite_in6 *key,
					  __u64 now,
					  struct dslite_aftr_session **sp,
					  int *created)
{
	struct dslite_aftr_session *s, *r;
	struct dslite_aftr_state *st;
	__u64 period = 0, burst, tat, pos = 0;
	__u32 zero = 0, low = 0, discr, mask, tag, *d;
	int allowed, from_ring = 0;
	long err;

	err = source_check(p->ip6);
	if (err)
		return err;

	st = bpf_map_lookup_elem(&dslite_state, &zero);
	if (!st)
		return DSLITE_CNT_DROP_TABLE_FULL;
	if (dslite_cfg.new_sessions_per_sec)
		period = NSEC_PER_SEC / dslite_cfg.new_sessions_per_sec;
	burst = dslite_cfg.new_sessions_burst ? dslite_cfg.new_sessions_burst : 1;
	/* a first look without the lock: a flood costs no insertion */
	tat = READ_ONCE(st->tat_ns);
	if (period && tat > now && tat - now > (burst - 1) * period &&
	    tat <= now + burst * period)
		return DSLITE_CNT_DROP_RATE_LIMITED;

	/* claim the address (slot 0: no session yet) */
	err = bpf_map_update_elem(&dslite_discrs, key, &zero, BPF_NOEXIST);
	if (err) {
		if (err != -EEXIST)
			return DSLITE_CNT_DROP_TABLE_FULL;
		/* another CPU created it meanwhile: use that one */
		s = session_by_addr(key);
		if (!s)
			return DSLITE_CNT_DROP_BUSY;	/* still being set up */
		err = session_lock(s, key->addr, DSLITE_CNT_DROP_BUSY);
		if (err)
			return err;
		*created = 0;
		*sp = s;
		return 0;
	}

	/* a slot: never used ones first, then the free ring */
	mask = slot_mask();
	bpf_spin_lock(&st->lock);
	allowed = rate_take(st, now, period, burst);
	if (allowed) {
		if (st->next_discr < dslite_cfg.sessions && st->next_discr < mask) {
			low = ++st->next_discr;
		} else if (st->free_head != st->free_tail) {
			pos = st->free_head++;
			from_ring = 1;
		}
	}
	bpf_spin_unlock(&st->lock);
	if (from_ring) {
		r = ring_slot(pos);
		low = r ? READ_ONCE(r->free_next) & mask : 0;
	}
	s = low ? slot_of(low) : NULL;
	/* a slot from the ring arrives locked; a never-used one is free */
	if (!allowed || !s || (!from_ring && !session_trylock(s))) {
		bpf_map_delete_elem(&dslite_discrs, key);
		return allowed ? DSLITE_CNT_DROP_TABLE_FULL :
				 DSLITE_CNT_DROP_RATE_LIMITED;
	}

	/* a random tag above the slot bits, never 0 (none at 24 bits) */
	tag = bpf_get_prandom_u32() & (DSLITE_DISCR_LOW_MASK & ~mask);
	if (!tag)
		tag = (mask + 1) & DSLITE_DISCR_LOW_MASK;
	discr = (__u32)dslite_cfg.node_id << DSLITE_DISCR_NODE_SHIFT | tag | low;
	bfd_session_init(&s->bfd, discr, dslite_cfg.desired_min_tx_us,
			 dslite_cfg.required_min_rx_us,
			 dslite_cfg.required_min_echo_rx_us,
			 dslite_cfg.detect_mult, BFD_SF_RESPONDER);
	copy_in6(&s->b4, key);
	copy_in6(&s->local, &p->ip6->daddr);
	s->changed_ns = now;
	s->rx_packets = 0;
	s->last_seen_ns = 0;
	s->flags = DSLITE_SESS_LIVE;
	d = bpf_map_lookup_elem(&dslite_discrs, key);
	if (d)
		WRITE_ONCE(*d, discr);
	count_event(DSLITE_CNT_SESS_CREATED);
	*created = 1;
	*sp = s;
	return 0;
}

#endif /* _DSLITE_BPF_SESSION_H */
