// SPDX-License-Identifier: GPL-2.0
/*
 * The AFTR responder (bpf/dslite_aftr.bpf.c) against random and mutated
 * frames at volume, through BPF_PROG_TEST_RUN: every frame a distinct
 * input (repeat 1), drawn at random or made by mutating a fixture frame
 * of selftests/bpf/xdp_fixtures.c (its row table and frame builders are
 * included, not copied). After each batch the maps are checked:
 *
 *   - the verdict of every frame is XDP_PASS, XDP_TX or XDP_DROP;
 *   - counters (summed over CPUs) add up: the verdict counters moved by
 *     the batch's verdicts exactly, and the reason counters of each
 *     verdict by the same amount (every frame counted once);
 *   - every session (dslite_discrs key, and its live slot) belongs to a
 *     B4 in the permitted prefix 2001:db8:b4::/48; a session created in
 *     the batch has a frame of that batch from its B4 that was answered
 *     (XDP_TX) and carries a valid first BFD packet (RFC 5880 6.8.6
 *     checks, Your Discriminator 0, state Down, UDP to 3784) -- and
 *     SESS_CREATED moved by the number of new sessions;
 *   - a session that changed in the batch had a frame from its own B4
 *     (no B4 can change another's session; the sweeper is not armed).
 *
 * Prints frames/s and the invariant counts; TAP on stdout.
 *
 *   xdp_volume [FRAMES]      default 1,000,000 (make check); make fuzz
 *                            runs 10,000,000
 */
#define main xdp_fixtures_main
#include "xdp_fixtures.c"
#undef main

#define BATCH		20000
#define MAX_SESS	1000

static uint64_t rnd = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	/* xorshift64* */
	rnd ^= rnd >> 12;
	rnd ^= rnd << 25;
	rnd ^= rnd >> 27;
	return rnd * 0x2545f4914f6cdd1dULL;
}

struct base {
	uint8_t buf[FRAME_MAX];
	int len;
};

/* one mutation of the frame in buf (len bytes): bit flip, byte, 16-bit
 * word, cut, extension, or a field of the fixture set to a boundary */
static int mutate(uint8_t *buf, int len)
{
	uint64_t r = next_rand();
	int at = len ? (int)((r >> 8) % len) : 0;
	static const uint8_t edge[] = { 0, 1, 3, 4, 0x11, 0x20, 0x3a, 0x40,
					0x7f, 0x80, 0xc0, 0xfe, 0xff };

	switch (r & 7) {
	case 0: case 1:
		if (len)
			buf[at] ^= 1 << ((r >> 40) & 7);
		break;
	case 2:
		if (len)
			buf[at] = edge[(r >> 40) % sizeof(edge)];
		break;
	case 3:
		if (len)
			buf[at] = r >> 40;
		break;
	case 4:
		if (len > 1) {
			at = at ? at - 1 : 0;
			buf[at] = r >> 40;
			buf[at + 1] = r >> 48;
		}
		break;
	case 5:
		len = len ? (int)((r >> 40) % len) : 0;
		break;
	case 6:
		while (len < FRAME_MAX && (r & 0xf00)) {
			buf[len++] = r >> 48;
			r -= 0x100;
		}
		break;
	case 7:
		/* a B4 of the permitted prefix, or a neighbour of it, as the
		 * outer source (where an untagged IPv6 header has it) */
		if (len >= 14 + 40) {
			struct in6_addr a = b4_addr(1 + (r >> 40) % 250);

			if (r & 0x1000)
				a.s6_addr[5] ^= 1;
			memcpy(buf + 14 + 8, &a, 16);
		}
		break;
	}
	return len;
}

/* the outer IPv6 source of a frame: after Ethernet and 0..2 VLAN tags */
static const uint8_t *outer_src(const uint8_t *b, int len)
{
	int off = 12, i;

	for (i = 0; i < 3 && off + 2 <= len; i++) {
		uint16_t t = b[off] << 8 | b[off + 1];

		if (t == 0x86dd)
			return off + 2 + 40 <= len ? b + off + 2 + 8 : NULL;
		if (t != 0x8100 && t != 0x88a8)
			return NULL;
		off += 4;
	}
	return NULL;
}

/* a valid first BFD packet somewhere in the frame: a UDP header to 3784
 * with length 32 or more (padding), then a packet that passes
 * bfd_validate() over the UDP payload with Your Discriminator 0 and state
 * Down */
static int has_first_bfd(const uint8_t *b, int len)
{
	int o;

	for (o = 14 + 40 + 20; o + 8 + 24 <= len; o++) {
		const struct bfd_ctrl *p = (const void *)(b + o + 8);

		int ulen = b[o + 4] << 8 | b[o + 5];

		/* 32, or longer: padding after the packet (RFC 9764) */
		if (b[o + 2] != 0x0e || b[o + 3] != 0xc8 || ulen < 32 ||
		    o + ulen > len)
			continue;
		/* validated against the UDP payload, as the responder does:
		 * a Length field above 24 that the payload holds is valid */
		if (bfd_validate(p, ulen - 8) == BFD_RX_OK && !p->your_discr &&
		    bfd_ctrl_state(p) == BFD_STATE_DOWN)
			return 1;
	}
	return 0;
}

static int in_prefix(const struct in6_addr *a)
{
	struct in6_addr p = b4_addr(0);

	return !memcmp(a, &p, 6);
}

struct snap {
	struct dslite_aftr_session s[MAX_SESS + 1];
	uint32_t n;
};

static int snapshot(struct inst *in, struct snap *sn)
{
	int fd = bpf_map__fd(in->skel->maps.dslite_sessions);
	uint32_t keys[MAX_SESS + 1], count = MAX_SESS + 1, token, i;
	static struct dslite_aftr_session v[MAX_SESS + 1];
	LIBBPF_OPTS(bpf_map_batch_opts, o);

	memset(sn, 0, sizeof(*sn));
	if (bpf_map_lookup_batch(fd, NULL, &token, keys, v, &count, &o) &&
	    errno != ENOENT)
		return -1;
	for (i = 0; i < count; i++)
		if (keys[i] <= MAX_SESS)
			sn->s[keys[i]] = v[i];
	sn->n = count;
	return 0;
}

/* the verdict counters' reason ranges */
static int reason_of(int i)
{
	if (i >= DSLITE_CNT_TX_BFD && i <= DSLITE_CNT_TX_PING6)
		return XDP_TX;
	if (i >= DSLITE_CNT_PASS_NOT_IPV6 && i < DSLITE_CNT_DROP_TRUNC_IPV4)
		return XDP_PASS;
	if (i >= DSLITE_CNT_DROP_TRUNC_IPV4 && i <= DSLITE_CNT_DROP_BFD_INNER_SOURCE)
		return XDP_DROP;
	return -1;
}

static int cmp_addr(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

int main(int argc, char **argv)
{
	struct inst_cfg c = { .tx = 300 * MS, .rx = 300 * MS, .echo = 50 * MS,
			      .rate = 1000000, .burst = 1000000, .allowlist = 1,
			      .sessions = MAX_SESS };
	static struct snap before, after;
	static struct base bases[sizeof(rows) / sizeof(rows[0])];
	static uint8_t (*srcs)[16], (*created_by)[16];
	static uint8_t buf[FRAME_MAX], out[FRAME_MAX];
	uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	uint64_t cb[DSLITE_CNT__MAX], ca[DSLITE_CNT__MAX];
	uint64_t done = 0, n_random = 0, n_mut = 0, verd[3] = { 0 };
	uint64_t bad_verdict = 0, bad_count = 0, bad_prefix = 0,
		 bad_create = 0, bad_change = 0, created = 0, changed = 0,
		 batches = 0;
	unsigned int nb = 0, i;
	struct inst in;
	struct frame f;
	struct layout l;
	int prog, err;
	double t0, secs;

	tap_start();
	if (!getenv("DSLITE_TEST_VERBOSE"))
		libbpf_set_print(NULL);
	if (getuid() != 0)
		tap_skip_all("needs root (BPF_PROG_TEST_RUN)");
	err = inst_open(&in, &c);
	if (err) {
		tap_result(0, "load dslite_aftr (%s)", strerror(-err));
		return tap_done();
	}
	prog = bpf_program__fd(in.skel->progs.dslite_aftr);
	/* the fixture frames, as the fixtures build them */
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		row_frame(&rows[i], &in, &f);
		l = frame_build(&f, bases[nb].buf);
		if (rows[i].mangle)
			rows[i].mangle(bases[nb].buf, &l);
		bases[nb++].len = l.len;
	}
	tap_result(nb == sizeof(rows) / sizeof(rows[0]), "%u fixture frames to mutate", nb);
	srcs = calloc(BATCH, 16);
	created_by = calloc(BATCH, 16);
	if (!srcs || !created_by)
		return 1;

	t0 = mono_ns() / 1e9;
	while (done < total) {
		unsigned int n = total - done < BATCH ? total - done : BATCH;
		unsigned int ns = 0, nc = 0, k;
		uint64_t bv[3] = { 0 }, sum[3] = { 0 };

		counters(&in, cb);
		if (snapshot(&in, &before))
			break;
		for (k = 0; k < n; k++) {
			uint64_t r = next_rand();
			uint32_t outlen, retval;
			const uint8_t *src;
			int len, m;

			if ((r & 15) == 0) {
				/* random bytes, half of them behind a valid
				 * Ethernet + IPv6 + IPv4-in-IPv6 start */
				len = 1 + (r >> 8) % FRAME_MAX;
				for (m = 0; m < len; m += 8) {
					uint64_t x = next_rand();

					memcpy(buf + m, &x, len - m < 8 ? len - m : 8);
				}
				if (r & 16 && len > 60)
					memcpy(buf, bases[0].buf, 14 + 8);
				n_random++;
			} else {
				const struct base *b = &bases[(r >> 8) % nb];

				memcpy(buf, b->buf, b->len);
				len = b->len;
				/* 2..9 mutations: distinct inputs */
				for (m = 2 + (r >> 32) % 8; m > 0; m--)
					len = mutate(buf, len);
				n_mut++;
			}
			/* BPF_PROG_TEST_RUN takes an Ethernet header at least */
			if (len < 14)
				len = 14;
			if (run(prog, buf, len, out, &outlen, &retval)) {
				tap_result(0, "test run: %s", strerror(errno));
				return tap_done();
			}
			if (retval > XDP_TX || retval == XDP_ABORTED) {
				bad_verdict++;
				continue;
			}
			bv[retval == XDP_PASS ? 0 : retval == XDP_TX ? 1 : 2]++;
			src = outer_src(buf, len);
			if (src)
				memcpy(srcs[ns++], src, 16);
			if (src && retval == XDP_TX && has_first_bfd(buf, len))
				memcpy(created_by[nc++], src, 16);
		}
		counters(&in, ca);
		if (snapshot(&in, &after))
			break;
		qsort(srcs, ns, 16, cmp_addr);
		qsort(created_by, nc, 16, cmp_addr);

		/* counters */
		if (ca[DSLITE_CNT_XDP_PASS] - cb[DSLITE_CNT_XDP_PASS] != bv[0] ||
		    ca[DSLITE_CNT_XDP_TX] - cb[DSLITE_CNT_XDP_TX] != bv[1] ||
		    ca[DSLITE_CNT_XDP_DROP] - cb[DSLITE_CNT_XDP_DROP] != bv[2])
			bad_count++;
		for (k = 0; k < DSLITE_CNT__MAX; k++) {
			int v = reason_of(k);

			if (v >= 0)
				sum[v == XDP_PASS ? 0 : v == XDP_TX ? 1 : 2] +=
					ca[k] - cb[k];
		}
		if (sum[0] != bv[0] || sum[1] != bv[1] || sum[2] != bv[2])
			bad_count++;

		/* sessions */
		{
			uint64_t new_here = 0;

			for (k = 1; k <= MAX_SESS; k++) {
				const struct dslite_aftr_session *a = &after.s[k];
				const struct dslite_aftr_session *b = &before.s[k];
				int live_a = a->flags & DSLITE_SESS_LIVE;
				int live_b = b->flags & DSLITE_SESS_LIVE;

				if (live_a && !in_prefix((const void *)&a->b4))
					bad_prefix++;
				if (live_a && (!live_b ||
					       memcmp(&a->b4, &b->b4, 16))) {
					new_here++;
					if (!bsearch(&a->b4, created_by, nc, 16,
						     cmp_addr))
						bad_create++;
				} else if (live_a && memcmp(a, b, sizeof(*a))) {
					changed++;
					if (!bsearch(&a->b4, srcs, ns, 16, cmp_addr))
						bad_change++;
				} else if (live_b && !live_a) {
					/* only the sweeper deletes, and it is
					 * not armed */
					bad_change++;
				}
			}
			created += new_here;
			if (ca[DSLITE_CNT_SESS_CREATED] - cb[DSLITE_CNT_SESS_CREATED] !=
			    new_here)
				bad_count++;
		}
		if (session_count(&in) < 0)
			bad_prefix++;
		for (k = 0; k < 3; k++)
			verd[k] += bv[k];
		done += n;
		batches++;
	}
	secs = mono_ns() / 1e9 - t0;

	tap_result(done == total, "%llu frames run (%llu random, %llu mutated "
		   "fixtures), %llu batches", (unsigned long long)done,
		   (unsigned long long)n_random, (unsigned long long)n_mut,
		   (unsigned long long)batches);
	tap_diag("%.0f frames/s (%.1f s): pass %llu, tx %llu, drop %llu",
		 done / secs, secs, (unsigned long long)verd[0],
		 (unsigned long long)verd[1], (unsigned long long)verd[2]);
	tap_eq(bad_verdict, 0, "every verdict is XDP_PASS, XDP_TX or XDP_DROP");
	tap_eq(bad_count, 0, "counters add up in every batch (verdicts, reasons, "
	       "sessions created)");
	tap_eq(bad_prefix, 0, "every session belongs to a B4 of the permitted "
	       "prefix, one live slot each");
	tap_eq(bad_create, 0, "%llu sessions created, each by an answered valid "
	       "first BFD packet of its B4", (unsigned long long)created);
	tap_eq(bad_change, 0, "%llu session changes, each by a frame of its own B4",
	       (unsigned long long)changed);
	inst_close(&in);
	return tap_done();
}
