// SPDX-License-Identifier: GPL-2.0
/*
 * dslite_bench: data-path benchmark of the AFTR responder. Prints one
 * table; every row is measured in this run, next to its baseline measured
 * in the same run. Never asserts timings.
 *
 *   dslite_bench [-n REPEAT] [-b BEST] [-s SESSIONS] [-t SECONDS]
 *                [-w SWEEP_LIST] [-W SECONDS]
 *                [-l GEN_NETNS GEN_IF RESP_NETNS RESP_IF]
 *
 * ns/packet comes from BPF_PROG_TEST_RUN with REPEAT repetitions (default
 * 1,000,000; the kernel's mean per repetition), best of BEST runs (default
 * 3; more on a busy host: a run another program's work interrupted only
 * ever measures slower). -w "" leaves out the sweeper's rows: the XDP
 * rows only. The kernel does
 * not restore the frame between repetitions, so a row's frame must stay a
 * request of the same path after the answer is written over it:
 *   - BFD and echo: a B4 whose outer source and destination are the same
 *     address and whose session's discriminators are both its own; its
 *     control packets go from 192.0.0.2 (a B4 address of the softwire:
 *     RFC 9468's subnet policy) to 192.0.0.1, its echo from 192.0.0.2 to
 *     itself. One session; its periodic packet takes the steady answer
 *     (bpf/answer.h: the plain frame from fixed offsets, every check, the
 *     slot by Your Discriminator, the lock, the session compared with
 *     the packet instead of the state machine, the answer and its
 *     checksum); the same request with a VLAN tag is shown beside it,
 *     answered by the general path (the parser, the state machine). An
 *     answer changes its frame (inner addresses, TTL), so these rows run
 *     behind dslite_b_replay like ICMP below, its overhead subtracted. The
 *     rows with SESSIONS sessions fill the other slots and the address
 *     hash with other B4s first;
 *   - the B4 address hash look-up alone (dslite_b_lookup on
 *     dslite_discrs) is shown as a reference: BFD echo needs it, and
 *     control packets with Your Discriminator 0;
 *   - ICMP/ICMPv6 echo change the type, so they run behind dslite_b_replay
 *     (rewrites the request, tail-calls the responder); the row shows the
 *     replay overhead (replay tail-calling the empty program, minus the
 *     empty program) subtracted.
 * With -l, packets per second on a veth pair: dslite_b_gen (XDP_TX) sends
 * BPF_F_TEST_XDP_LIVE_FRAMES out of GEN_IF for SECONDS; dslite_aftr is
 * attached (native) to RESP_IF in RESP_NETNS, dslite_b_sink to GEN_IF
 * counts the answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"
#include "dslite_aftr.skel.h"
#include "bench/bench_xdp.skel.h"
#include "clock.h"
#include "frames.h"

#define MS	1000U

static long repeat = 1000000;
static int best_of = 3;
static long nsessions = 1000000;
static double live_seconds = 3;
static const char *sweep_list = "0,100000,1000000,1000000T,16000000";
static double sweep_seconds = 3;
static struct dslite_aftr *aftr;
static struct bench_xdp *bx;
static int ncpu;

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xb4 };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xaf };

static void die(const char *what)
{
	fprintf(stderr, "dslite_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static void base_frame(struct frame *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->dmac, mac_b, 6);
	memcpy(f->smac, mac_a, 6);
	f->src6 = addr6("2001:db8:b4::1");
	f->dst6 = f->src6;
	f->hop_limit = DSLITE_REPLY_TTL;
	f->src4 = DSLITE_AFTR_ADDR;
	f->dst4 = DSLITE_AFTR_ADDR;
	f->ttl = 255;
	f->frag = 0x4000;
}

/* the kernel's accounting of a map (fdinfo memlock), 0 if unknown */
static uint64_t memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int run_once(int prog, const uint8_t *frame, int len, uint32_t *retval,
		    uint8_t *out)
{
	uint8_t o[FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = len,
		.data_out = out ? out : o,
		.data_size_out = FRAME_MAX,
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(prog, &opts);

	*retval = opts.retval;
	return err;
}

/* mean ns per repetition, best of best_of; expects every run to return
 * want */
static double measure(int prog, const uint8_t *frame, int len, uint32_t want)
{
	double best = 1e30;
	int i;

	for (i = 0; i < best_of; i++) {
		uint8_t o[FRAME_MAX];
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = frame,
			.data_size_in = len,
			.data_out = o,
			.data_size_out = FRAME_MAX,
			.repeat = repeat,
		);

		if (bpf_prog_test_run_opts(prog, &opts))
			die("BPF_PROG_TEST_RUN");
		if (opts.retval != want) {
			fprintf(stderr, "dslite_bench: verdict %u, expected %u\n",
				opts.retval, want);
			exit(1);
		}
		if (opts.duration < best)
			best = opts.duration;
	}
	return best;
}

static void counters(uint64_t *out)
{
	uint64_t *v = calloc(ncpu, sizeof(uint64_t) * DSLITE_CNT__MAX);
	uint32_t zero = 0;
	int cpu, i;

	memset(out, 0, sizeof(uint64_t) * DSLITE_CNT__MAX);
	if (!v || bpf_map_lookup_elem(bpf_map__fd(aftr->maps.dslite_counters), &zero, v))
		die("read counters");
	for (cpu = 0; cpu < ncpu; cpu++)
		for (i = 0; i < DSLITE_CNT__MAX; i++)
			out[i] += v[cpu * DSLITE_CNT__MAX + i];
	free(v);
}

/* the session of the B4 at a (dslite_discrs, then its slot); 0 or -1 */
static int session_of(const struct in6_addr *a, struct dslite_aftr_session *v,
		      uint32_t *discr)
{
	uint32_t low;

	if (bpf_map_lookup_elem(bpf_map__fd(aftr->maps.dslite_discrs), a, discr))
		return -1;
	low = *discr & ((1U << aftr->rodata->dslite_cfg.slot_bits) - 1);
	if (bpf_map_lookup_elem(bpf_map__fd(aftr->maps.dslite_sessions), &low, v) ||
	    !(v->flags & DSLITE_SESS_LIVE) || memcmp(&v->b4, a, 16))
		return -1;
	return 0;
}

/*
 * The self-addressed B4: bring its session Up with both discriminators
 * its own, finish the Poll Sequence, and return the steady request (Your
 * Discriminator set: the answer takes the array slot, no hash).
 */
/*
 * A frame that runs behind dslite_b_replay is a multiple of 8 bytes long:
 * zero bytes after the IPv6 payload (an Ethernet trailer, outside the
 * packet its headers describe) make it one.
 */
static int replay_len(int len)
{
	return (len + 7) & ~7;
}

/* the bench B4's Desired Min TX: its session must stay Up through the
 * rows between the BFD rows, which nothing refreshes it in */
#define BENCH_B4_TX	(100000 * MS)

static int bfd_frame(uint8_t *buf, int prog, uint8_t *vbuf, int *vlen)
{
	struct dslite_aftr_session v;
	struct in6_addr key;
	uint32_t rv, d;
	struct frame f;
	struct layout l;

	memset(buf, 0, FRAME_MAX);
	base_frame(&f);
	key = f.src6;
	f.src4 = DSLITE_B4_ADDR;	/* the softwire's B4 (RFC 9468 policy) */
	f.l4 = L4_UDP;
	f.dport = BFD_PORT_CONTROL;
	f.sport = 49999;
	frame_bfd(&f, BFD_STATE_DOWN, 0, 0, 3, 1, 0, BENCH_B4_TX, 300 * MS, 50 * MS);
	l = frame_build(&f, buf);
	run_once(prog, buf, l.len, &rv, NULL);
	if (rv != XDP_TX || session_of(&key, &v, &d))
		return -1;	/* the caller says why */
	f.sport = BFD_SRC_PORT_MIN | (d & 0x3fff);
	/* BENCH_B4_TX: the rows measured between the BFD rows (echo,
	 * data, ping, the other sessions made) last longer than a
	 * detection time at 300 ms; the session must stay Up */
	frame_bfd(&f, BFD_STATE_INIT, 0, 0, 3, d, d, BENCH_B4_TX, 300 * MS, 50 * MS);
	l = frame_build(&f, buf);
	run_once(prog, buf, l.len, &rv, NULL);
	frame_bfd(&f, BFD_STATE_UP, BFD_FLAG_FINAL, 0, 3, d, d, BENCH_B4_TX, 300 * MS,
		  50 * MS);
	l = frame_build(&f, buf);
	run_once(prog, buf, l.len, &rv, NULL);
	frame_bfd(&f, BFD_STATE_UP, 0, 0, 3, d, d, BENCH_B4_TX, 300 * MS, 50 * MS);
	l = frame_build(&f, buf);
	if (session_of(&key, &v, &d) || v.bfd.state != BFD_STATE_UP ||
	    (v.bfd.flags & (BFD_SF_POLL | BFD_SF_FINAL))) {
		fprintf(stderr, "dslite_bench: bench session not settled (state %d flags %x)\n",
			v.bfd.state, v.bfd.flags);
		exit(1);
	}
	/* the same request with a VLAN tag: the general path answers it */
	memset(vbuf, 0, FRAME_MAX);
	f.vlans = 1;
	*vlen = replay_len(frame_build(&f, vbuf).len);
	return replay_len(l.len);
}

static int echo_frame(uint8_t *buf)
{
	struct frame f;

	memset(buf, 0, FRAME_MAX);
	base_frame(&f);
	f.l4 = L4_UDP;
	f.dport = BFD_PORT_ECHO;
	f.sport = 49999;
	f.dst4 = DSLITE_B4_ADDR;
	f.src4 = DSLITE_B4_ADDR;
	f.plen = 24;
	memset(f.payload, 0x5a, f.plen);
	return replay_len(frame_build(&f, buf).len);
}

/* a TCP segment of plen bytes from the B4 to an Internet host */
static void tcp_frame(struct frame *f, int plen)
{
	base_frame(f);
	f->dst6 = addr6("2001:db8:af::1");
	f->l4 = L4_INNER_RAW;
	f->proto = 6;
	f->src4 = DSLITE_B4_ADDR;
	f->dst4 = 0xc6336401;
	f->ttl = 64;
	f->plen = plen;
}

static int data_frame(uint8_t *buf)
{
	struct frame f;

	tcp_frame(&f, 40);
	memset(f.payload, 0x11, f.plen);
	return frame_build(&f, buf).len;
}

/* a TCP SYN from the B4 with an MSS option of 1460 (a fixpoint once
 * clamped: the repetitions after the first find the option fitting, so
 * the row times the look-up and the option walk, not the rewrite) */
static int syn_frame(uint8_t *buf)
{
	struct frame f;
	uint8_t *t = f.payload;

	tcp_frame(&f, 24);
	memset(t, 0, 24);
	t[12] = 6 << 4;
	t[13] = 0x02;
	t[20] = 2;
	t[21] = 4;
	t[22] = 1460 >> 8;
	t[23] = 1460 & 0xff;
	return frame_build(&f, buf).len;
}

static int ping_frame(uint8_t *buf)
{
	struct frame f;

	base_frame(&f);
	f.dst6 = addr6("2001:db8:af::1");
	f.l4 = L4_ICMP;
	f.src4 = DSLITE_B4_ADDR;
	f.ttl = 64;
	f.icmp_type = 8;
	f.icmp_id = 7;
	f.plen = 54;		/* frame of 136 bytes: a multiple of 8 */
	memset(f.payload, 0xa5, f.plen);
	return frame_build(&f, buf).len;
}

static int ping6_frame(uint8_t *buf)
{
	struct frame f;

	base_frame(&f);
	f.dst6 = addr6("2001:db8:af::1");
	f.l4 = L4_ICMP6;
	f.icmp_type = 128;
	f.icmp_id = 7;
	f.plen = 42;		/* frame of 104 bytes */
	memset(f.payload, 0x3c, f.plen);
	return frame_build(&f, buf).len;
}

/* run behind dslite_b_replay with dslite_b_jmp[0] = target */
static double measure_replay(int target, const uint8_t *frame, int len, uint32_t want)
{
	uint32_t zero = 0;

	if (len % 8 || len > (int)sizeof(bx->bss->replay_frame))
		die("replay frame size");
	memcpy(bx->bss->replay_frame, frame, len);
	if (bpf_map_update_elem(bpf_map__fd(bx->maps.dslite_b_jmp), &zero, &target, 0))
		die("prog array");
	return measure(bpf_program__fd(bx->progs.dslite_b_replay), frame, len, want);
}

/*
 * Start the sweeper (as the loader does) and wait until it has calibrated
 * the jiffies clock of the XDP path, so rows measure the production path.
 */
static void arm_and_calibrate(void)
{
	uint8_t frame[64] = { 0 };
	uint32_t rv = 0;
	double t0;

	if (run_once(bpf_program__fd(aftr->progs.dslite_aftr_arm), frame,
		     sizeof(frame), &rv, NULL) || rv != XDP_PASS)
		die("arm the sweeper");
	t0 = mono_s();
	/* both the rate and the offset: until the offset is published the
	 * data path reads bpf_ktime_get_ns(), a start-up cost, not its own */
	while ((!aftr->bss->clk_ns_per_jiffy || !aftr->bss->clk_offset_ns) &&
	       mono_s() - t0 < 10)
		usleep(10000);
	if (!aftr->bss->clk_ns_per_jiffy || !aftr->bss->clk_offset_ns) {
		fprintf(stderr, "dslite_bench: the sweeper did not calibrate its clock\n");
		exit(1);
	}
}

/*
 * Fill the table up to n sessions with other B4s (2001:db8:1::/64), Up,
 * in the free slots after the bench B4's: slot and address hash both, as
 * the responder would have made them.
 */
static void fill_sessions(long n)
{
	int sfd = bpf_map__fd(aftr->maps.dslite_sessions);
	int dfd = bpf_map__fd(aftr->maps.dslite_discrs);
	enum { CHUNK = 8192 };
	struct dslite_in6 *keys = calloc(CHUNK, sizeof(*keys));
	struct dslite_aftr_session *vals = calloc(CHUNK, sizeof(*vals));
	uint32_t *slots = calloc(CHUNK, sizeof(*slots));
	uint32_t *discrs = calloc(CHUNK, sizeof(*discrs));
	long i, done = 0;
	uint32_t count, low = 1;

	if (!keys || !vals || !slots || !discrs)
		die("calloc");
	while (done < n) {
		count = 0;
		while (count < CHUNK && done + count < n) {
			struct dslite_aftr_session *v = &vals[count];
			long id = done + count;

			low++;		/* slot 1 is the bench B4's */
			if (low > (uint32_t)nsessions) {
				errno = ENOSPC;
				die("fill the session table");
			}
			keys[count].addr[0] = 0x20;
			keys[count].addr[1] = 0x01;
			keys[count].addr[2] = 0x0d;
			keys[count].addr[3] = 0xb8;
			keys[count].addr[5] = 0x01;
			keys[count].addr[12] = id >> 24;
			keys[count].addr[13] = id >> 16;
			keys[count].addr[14] = id >> 8;
			keys[count].addr[15] = id;
			memset(v, 0, sizeof(*v));
			bfd_session_init(&v->bfd, low, 300 * MS, 300 * MS,
					 50 * MS, 3, BFD_SF_RESPONDER);
			v->bfd.state = BFD_STATE_UP;
			v->bfd.remote_state = BFD_STATE_UP;
			v->bfd.remote_discr = 0x10000 + id;
			v->flags = DSLITE_SESS_LIVE | DSLITE_SESS_WAS_UP;
			v->b4 = keys[count];
			slots[count] = low;
			discrs[count] = low;
			count++;
		}
		i = count;
		if (bpf_map_update_batch(sfd, slots, vals, &count, NULL) ||
		    count != i)
			die("fill the session slots");
		if (bpf_map_update_batch(dfd, keys, discrs, &count, NULL) ||
		    count != i)
			die("fill the address hash");
		done += count;
	}
	free(keys);
	free(vals);
	free(slots);
	free(discrs);
}

/* sessions: the entries of the address hash */
static int table_size(void)
{
	int fd = bpf_map__fd(aftr->maps.dslite_discrs), n = 0;
	struct dslite_in6 k, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(path);
	close(fd);
}


static int live_run(int prog, int ifindex, const uint8_t *frame, int len, long n)
{
	struct xdp_md ctx_in = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = len,
		.ctx_in = &ctx_in,
		.ctx_size_in = sizeof(ctx_in),
		.repeat = n,
		.batch_size = 64,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
	);

	return bpf_prog_test_run_opts(prog, &opts);
}

static void live(char **a, const uint8_t *frame, int len)
{
	uint64_t c0[DSLITE_CNT__MAX], c1[DSLITE_CNT__MAX];
	int resp_if, gen_if, gen = bpf_program__fd(bx->progs.dslite_b_gen);
	double t0, el;
	long n;
	uint64_t s0;

	enter_netns(a[2]);
	resp_if = if_nametoindex(a[3]);
	if (!resp_if || bpf_xdp_attach(resp_if, bpf_program__fd(aftr->progs.dslite_aftr),
				       XDP_FLAGS_DRV_MODE, NULL)) {
		printf("\nlive frames on a veth pair: skipped: attaching dslite_aftr "
		       "(native) to %s: %s\n", a[3], strerror(errno));
		return;
	}
	enter_netns(a[0]);
	gen_if = if_nametoindex(a[1]);
	if (!gen_if || bpf_xdp_attach(gen_if, bpf_program__fd(bx->progs.dslite_b_sink),
				      XDP_FLAGS_DRV_MODE, NULL)) {
		printf("\nlive frames on a veth pair: skipped: attaching dslite_b_sink "
		       "to %s: %s\n", a[1], strerror(errno));
		enter_netns(a[2]);
		bpf_xdp_detach(resp_if, XDP_FLAGS_DRV_MODE, NULL);
		return;
	}

	/* calibrate: how many frames make the wanted duration */
	t0 = mono_s();
	if (live_run(gen, gen_if, frame, len, 200000)) {
		/* a capability this kernel (or container) does not give */
		printf("\nlive frames on a veth pair: skipped: BPF_F_TEST_XDP_LIVE_FRAMES "
		       "refused (%s)\n", strerror(errno));
		goto out;
	}
	el = mono_s() - t0;
	n = (long)(200000 / el * live_seconds);

	counters(c0);
	s0 = bx->bss->sink_packets;
	t0 = mono_s();
	if (live_run(gen, gen_if, frame, len, n)) {
		printf("\nlive frames on a veth pair: stopped: %s\n", strerror(errno));
		goto out;
	}
	el = mono_s() - t0;
	counters(c1);

	printf("\nlive frames on a veth pair (%s in %s -> %s in %s, native XDP), %.1f s:\n",
	       a[1], a[0], a[3], a[2], el);
	printf("  %-36s %12.0f pps\n", "generated (dslite_b_gen, XDP_TX)", n / el);
	printf("  %-36s %12.0f pps\n", "BFD answered (dslite_aftr, XDP_TX)",
	       (c1[DSLITE_CNT_TX_BFD] - c0[DSLITE_CNT_TX_BFD]) / el);
	printf("  %-36s %12.0f pps\n", "answers received (dslite_b_sink)",
	       (bx->bss->sink_packets - s0) / el);
out:
	bpf_xdp_detach(gen_if, XDP_FLAGS_DRV_MODE, NULL);
	enter_netns(a[2]);
	bpf_xdp_detach(resp_if, XDP_FLAGS_DRV_MODE, NULL);
}

/* ---------------------------------------------------------------------
 * The sweeper at scale: a responder of its own per row, sessions made by
 * real BFD frames (dslite_b_mkses -> dslite_aftr), what its timer
 * callbacks cost (the sweeper's own account in its .bss).
 */
struct sweep_fig {
	long	n, table;
	double	mem_mb, pass_ms, cpu_pct, max_ms, calls, visits;
	char	why[160];
};


static uint64_t sum_counter(int fd, int idx)
{
	uint64_t *v = calloc(ncpu, sizeof(uint64_t) * DSLITE_CNT__MAX), n = 0;
	uint32_t zero = 0;
	int cpu;

	if (v && !bpf_map_lookup_elem(fd, &zero, v))
		for (cpu = 0; cpu < ncpu; cpu++)
			n += v[cpu * DSLITE_CNT__MAX + idx];
	free(v);
	return n;
}

/* the B4s' first (Down) or second (Init) packets, B4 start..start+n-1 */
static int mk_run(struct bench_xdp *b, long start, long n, int up)
{
	uint8_t buf[FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = buf,
		.data_size_in = sizeof(b->bss->mk_tmpl),
		.repeat = n,
	);

	memcpy(buf, b->bss->mk_tmpl, sizeof(b->bss->mk_tmpl));
	b->bss->mk_next = start;
	b->bss->mk_up = up;
	if (bpf_prog_test_run_opts(bpf_program__fd(b->progs.dslite_b_mkses), &o))
		return -errno;
	return o.retval == XDP_TX ? 0 : -EPROTO;
}

/* B4 0..n-1 Up, 100,000 at a time (a session that is not Up within
 * embryonic-idle is deleted) */
static int mk_sessions(struct bench_xdp *b, long n)
{
	long done, step;
	int err = 0;

	for (done = 0; !err && done < n; done += step) {
		step = n - done > 100000 ? 100000 : n - done;
		err = mk_run(b, done, step, 0);
		if (!err)
			err = mk_run(b, done, step, 1);
	}
	return err;
}

/*
 * n sessions Up in a table of table slots (every fast-th B4 at 300 ms x
 * 3, the others at 100 s x 3: they stay Up without traffic), then secs
 * seconds of the default sweeper watched.
 */
static int sweep_case(long n, long table, int fast, double secs,
		      struct sweep_fig *f)
{
	struct dslite_aftr *a;
	struct bench_xdp *b = NULL;
	struct bpf_map *m;
	uint8_t buf[FRAME_MAX] = { 0 }, fr[64] = { 0 };
	struct frame fm;
	struct layout l;
	uint32_t zero = 0, rv;
	int jfd, err, cfd;
	uint64_t c0, ns0, p0, v0, up;
	double t0, el;

	memset(f, 0, sizeof(*f));
	f->n = n;
	f->table = table;
	a = dslite_aftr__open();
	if (!a) {
		snprintf(f->why, sizeof(f->why), "open: %s", strerror(errno));
		return -1;
	}
	((struct dslite_aftr_cfg *)&a->rodata->dslite_cfg)->new_sessions_per_sec = 0;
	dslite_cfg_table((struct dslite_aftr_cfg *)&a->rodata->dslite_cfg, table);
	bpf_map__set_max_entries(a->maps.dslite_sessions, table + 1);
	bpf_map__set_max_entries(a->maps.dslite_discrs, table);
	bpf_map__set_max_entries(a->maps.dslite_deadlines, dslite_deadline_blocks(table));
	err = dslite_aftr__load(a);
	if (err) {
		snprintf(f->why, sizeof(f->why), "loading a table of %ld sessions: %s",
			 table, strerror(-err));
		goto out;
	}
	if (run_once(bpf_program__fd(a->progs.dslite_aftr_arm), fr, sizeof(fr), &rv,
		     NULL) || rv != XDP_PASS) {
		snprintf(f->why, sizeof(f->why), "arming the sweeper failed");
		err = -1;
		goto out;
	}
	b = bench_xdp__open();
	if (!b) {
		err = -errno;
		goto out;
	}
	bpf_map__set_max_entries(b->maps.dslite_b_sess, table);
	err = bpf_map__reuse_fd(b->maps.dslite_b_sess, bpf_map__fd(a->maps.dslite_discrs));
	if (!err)
		err = bench_xdp__load(b);
	if (err) {
		snprintf(f->why, sizeof(f->why), "loading the generator: %s", strerror(-err));
		goto out;
	}
	jfd = bpf_program__fd(a->progs.dslite_aftr);
	bpf_map_update_elem(bpf_map__fd(b->maps.dslite_b_jmp), &zero, &jfd, 0);

	/* the template: B4 2001:db8:1::N -> 2001:db8:af::1, Down, 100 s x 3 */
	memset(&fm, 0, sizeof(fm));
	memcpy(fm.dmac, mac_b, 6);
	memcpy(fm.smac, mac_a, 6);
	fm.src6 = addr6("2001:db8:1::");
	fm.dst6 = addr6("2001:db8:af::1");
	fm.src4 = DSLITE_B4_ADDR;
	fm.dst4 = DSLITE_AFTR_ADDR;
	fm.ttl = 255;
	fm.frag = 0x4000;
	fm.l4 = L4_UDP;
	fm.sport = 49152;
	fm.dport = BFD_PORT_CONTROL;
	fm.udp_csum_zero = 1;
	frame_bfd(&fm, BFD_STATE_DOWN, 0, 0, 3, 1, 0, 100000 * MS, 300 * MS, 0);
	l = frame_build(&fm, buf);
	if (l.len > (int)sizeof(b->bss->mk_tmpl) || l.ip6 != 14 || l.payload != 82) {
		snprintf(f->why, sizeof(f->why), "template layout");
		err = -1;
		goto out;
	}
	memcpy(b->bss->mk_tmpl, buf, sizeof(b->bss->mk_tmpl));
	b->bss->mk_fast = fast;
	err = mk_sessions(b, n);
	cfd = bpf_map__fd(a->maps.dslite_counters);
	up = sum_counter(cfd, DSLITE_CNT_SESS_UP);
	if (err || up != (uint64_t)n) {
		snprintf(f->why, sizeof(f->why), "making %ld sessions: %s (%llu Up, "
			 "%llu created, table full %llu)", n,
			 err ? strerror(-err) : "not all Up", (unsigned long long)up,
			 (unsigned long long)sum_counter(cfd, DSLITE_CNT_SESS_CREATED),
			 (unsigned long long)sum_counter(cfd, DSLITE_CNT_DROP_TABLE_FULL));
		err = -1;
		goto out;
	}
	bpf_object__for_each_map(m, a->obj)
		f->mem_mb += memlock(bpf_map__fd(m)) / 1e6;

	/* two passes over the new sessions, then the window */
	p0 = a->bss->sweep_passes;
	t0 = mono_s();
	while (a->bss->sweep_passes < p0 + 2 && mono_s() - t0 < 10)
		usleep(10000);
	c0 = a->bss->sweep_calls;
	ns0 = a->bss->sweep_ns;
	p0 = a->bss->sweep_passes;
	v0 = a->bss->sweep_visits;
	a->bss->sweep_max_ns = 0;
	t0 = mono_s();
	usleep(secs * 1e6);
	el = mono_s() - t0;
	if (a->bss->sweep_passes == p0) {
		snprintf(f->why, sizeof(f->why), "no pass completed in %.1f s", el);
		err = -1;
		goto out;
	}
	f->pass_ms = (a->bss->sweep_ns - ns0) / 1e6 / (a->bss->sweep_passes - p0);
	f->cpu_pct = (a->bss->sweep_ns - ns0) / 1e9 / el * 100;
	f->max_ms = a->bss->sweep_max_ns / 1e6;
	f->calls = (double)(a->bss->sweep_calls - c0) / (a->bss->sweep_passes - p0);
	f->visits = (double)(a->bss->sweep_visits - v0) / (a->bss->sweep_passes - p0);
	err = 0;
out:
	bench_xdp__destroy(b);
	dslite_aftr__destroy(a);
	return err;
}

static void sweep_rows(const char *list, double secs)
{
	char buf[256], *tok, *save = NULL;
	struct sweep_fig f;
	long n, table;
	int fast;

	printf("\nsweeper (defaults: a pass every %d ms; new-rate 0), sessions made by real "
	       "BFD frames\nthrough the responder (B4s at 100 s x 3: Up without traffic, "
	       "nothing due;\n\"+T\": every 10th B4 at 300 ms x 3, silent: they time out in "
	       "the window),\n%.0f s watched per row, the sweeper's own account of its timer "
	       "callbacks:\n\n", DSLITE_DEF_SWEEP_MS, secs);
	printf("%-12s %10s %9s %9s %8s %10s %10s %10s  %s\n", "sessions", "table",
	       "memory", "ms/pass", "CPU", "longest", "calls", "looked at", "target (met)");
	printf("%-12s %10s %9s %9s %8s %10s %10s %10s\n", "", "", "MB", "", "1 core",
	       "callback", "/pass", "/pass");
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		fast = tok[strlen(tok) - 1] == 'T';
		n = atol(tok);
		table = n > DSLITE_DEF_SESSIONS ? n : DSLITE_DEF_SESSIONS;
		if (table > DSLITE_MAX_SESSIONS)
			table = DSLITE_MAX_SESSIONS;
		fflush(stdout);
		if (sweep_case(n, table, fast ? 10 : 0, secs, &f)) {
			printf("%-12s %10ld  skipped: %s\n", tok, table, f.why);
			continue;
		}
		printf("%-12s %10ld %9.1f %9.3f %7.3f%% %8.3f ms %10.1f %10.0f",
		       tok, table, f.mem_mb, f.pass_ms, f.cpu_pct, f.max_ms, f.calls,
		       f.visits);
		if (n >= 1000000 && !fast) {
			double lim = 2.0 * n / 1000000;

			printf("  <= %.0f%%, <= 2 ms (%s)", lim,
			       f.cpu_pct <= lim && f.max_ms <= 2 ? "yes" : "no");
		} else if (fast) {
			printf("  <= 2 ms (%s)", f.max_ms <= 2 ? "yes" : "no");
		}
		printf("\n");
	}
}

static uint32_t time_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void row(const char *name, double ns, const char *base, double base_ns,
		double target_ratio, double target_ns)
{
	char tgt[40] = "", ratio[16] = "";
	const char *met = "";

	if (base) {
		snprintf(ratio, sizeof(ratio), "%.2fx", ns / base_ns);
		if (target_ns > 0)
			snprintf(tgt, sizeof(tgt), "<= %.1fx, < %.0f ns", target_ratio, target_ns);
		else if (target_ratio > 0)
			snprintf(tgt, sizeof(tgt), "<= %.1fx", target_ratio);
		if (target_ratio > 0 && target_ns > 0)
			met = ns / base_ns <= target_ratio ?
			      (ns < target_ns ? "yes" : "ratio yes, ns no") :
			      (ns < target_ns ? "ns yes, ratio no" : "no");
		else if (target_ratio > 0)
			met = ns / base_ns <= target_ratio ? "yes" : "no";
	}
	printf("%-42s %8.1f  %-10s %7s  %-18s %s\n", name, ns, base ? base : "-",
	       ratio, tgt, met);
}

int main(int argc, char **argv)
{
	uint8_t bfd[FRAME_MAX], echo[FRAME_MAX], data[FRAME_MAX], ping[FRAME_MAX],
		ping6[FRAME_MAX], syn[FRAME_MAX], bfdv[FRAME_MAX];
	int bfdv_len = 0, bfd_len, echo_len, data_len, ping_len, ping6_len, syn_len, prog, c;
	double t_rdata, t_syn0, t_syn, t_data2, t_bfdg;
	struct in6_addr b4 = addr6("2001:db8:b4::1");
	struct dslite_mtu_rec rec = { .mtu = 1280, .source = DSLITE_MTU_SRC_PTB };
	double t_pass, t_refl, t_bfd1, t_bfdm, t_echo, t_data, t_ping, t_ping6,
	       t_rpass, t_rpass6, t_echom, t_look, t_bfloor, t_dfloor, t_rbfd, t_recho;
	char **live_args = NULL;
	struct in6_addr a6 = addr6("2001:db8:af::1");
	uint32_t flags = DSLITE_LOCAL_PING;
	char label[64];

	while ((c = getopt(argc, argv, "n:b:s:t:w:W:l")) != -1) {
		switch (c) {
		case 'w': sweep_list = optarg; break;
		case 'W': sweep_seconds = atof(optarg); break;
		case 'n': repeat = atol(optarg); break;
		case 'b': best_of = atoi(optarg); break;
		case 's': nsessions = atol(optarg); break;
		case 't': live_seconds = atof(optarg); break;
		case 'l': live_args = argv + optind; break;
		default:
			fprintf(stderr, "usage: dslite_bench [-n REPEAT] [-b BEST] [-s SESSIONS] "
				"[-t SECONDS] [-w SWEEP_LIST] [-W SECONDS] "
				"[-l GEN_NETNS GEN_IF RESP_NETNS RESP_IF]\n");
			return 2;
		}
	}
	if (best_of < 1) {
		fprintf(stderr, "dslite_bench: -b needs a count of at least 1\n");
		return 2;
	}
	if (live_args && argc - optind < 4) {
		fprintf(stderr, "dslite_bench: -l needs GEN_NETNS GEN_IF RESP_NETNS RESP_IF\n");
		return 2;
	}
	libbpf_set_print(NULL);
	ncpu = libbpf_num_possible_cpus();

	aftr = dslite_aftr__open();
	if (!aftr)
		die("open dslite_aftr");
	aftr->rodata->dslite_cfg.new_sessions_per_sec = 0;
	/* exactly nsessions: the last row fills the table */
	dslite_cfg_table((struct dslite_aftr_cfg *)&aftr->rodata->dslite_cfg, nsessions);
	bpf_map__set_max_entries(aftr->maps.dslite_sessions, nsessions + 1);
	bpf_map__set_max_entries(aftr->maps.dslite_discrs, nsessions);
	bpf_map__set_max_entries(aftr->maps.dslite_deadlines,
				 dslite_deadline_blocks(nsessions));
	/* the per-softwire MTU on, as "aftr attach" has it: one record per
	 * session */
	aftr->rodata->dslite_cfg.mtu_entries = nsessions;
	bpf_map__set_max_entries(aftr->maps.dslite_mtu, nsessions);
	if (dslite_aftr__load(aftr))
		die("load dslite_aftr");
	bpf_map_update_elem(bpf_map__fd(aftr->maps.dslite_local), &a6, &flags, 0);
	arm_and_calibrate();
	bx = bench_xdp__open();
	if (!bx)
		die("open bench_xdp");
	bpf_map__set_max_entries(bx->maps.dslite_b_sess, nsessions);
	if (bpf_map__reuse_fd(bx->maps.dslite_b_sess,
			      bpf_map__fd(aftr->maps.dslite_discrs)) ||
	    bench_xdp__load(bx))
		die("load bench_xdp");
	prog = bpf_program__fd(aftr->progs.dslite_aftr);

	bfd_len = bfd_frame(bfd, prog, bfdv, &bfdv_len);
	echo_len = echo_frame(echo);
	data_len = data_frame(data);
	if (bfd_len < 0)
		die("create the bench session");
	ping_len = ping_frame(ping);
	ping6_len = ping6_frame(ping6);
	syn_len = syn_frame(syn);

	printf("dslite AFTR responder, BPF_PROG_TEST_RUN, %ld repetitions per row (best of %d), "
	       "%d CPUs\n\n", repeat, best_of, ncpu);
	printf("%-42s %8s  %-10s %7s  %-18s %s\n", "row", "ns/pkt", "baseline",
	       "ratio", "target", "met");

	t_pass = measure(bpf_program__fd(bx->progs.dslite_b_pass), bfd, bfd_len, XDP_PASS);
	t_refl = measure(bpf_program__fd(bx->progs.dslite_b_refl), bfd, bfd_len, XDP_TX);
	/* answers change their frame (addresses, TTL): behind the replay */
	t_rbfd = measure_replay(bpf_program__fd(bx->progs.dslite_b_pass), bfd, bfd_len,
				XDP_PASS);
	t_recho = measure_replay(bpf_program__fd(bx->progs.dslite_b_pass), echo,
				 echo_len, XDP_PASS);
	t_bfd1 = measure_replay(prog, bfd, bfd_len, XDP_TX) - t_rbfd + t_pass;
	t_bfdg = measure_replay(prog, bfdv, bfdv_len, XDP_TX) -
		 measure_replay(bpf_program__fd(bx->progs.dslite_b_pass), bfdv,
				bfdv_len, XDP_PASS) + t_pass;
	t_echo = measure_replay(prog, echo, echo_len, XDP_TX) - t_recho + t_pass;
	t_data = measure(prog, data, data_len, XDP_PASS);
	t_look = measure(bpf_program__fd(bx->progs.dslite_b_lookup), bfd, bfd_len,
			 XDP_PASS);
	t_bfloor = measure(bpf_program__fd(bx->progs.dslite_b_bfd_floor), bfd, bfd_len,
			   XDP_TX);
	t_dfloor = measure(bpf_program__fd(bx->progs.dslite_b_data_floor), data, data_len,
			   XDP_PASS);
	t_rpass = measure_replay(bpf_program__fd(bx->progs.dslite_b_pass), ping, ping_len,
				 XDP_PASS);
	t_ping = measure_replay(prog, ping, ping_len, XDP_TX);
	t_rpass6 = measure_replay(bpf_program__fd(bx->progs.dslite_b_pass), ping6,
				  ping6_len, XDP_PASS);
	t_ping6 = measure_replay(prog, ping6, ping6_len, XDP_TX);
	t_syn0 = measure(prog, syn, syn_len, XDP_PASS);	/* no record */
	t_data2 = measure(prog, data, data_len, XDP_PASS);	/* no record, again */
	rec.expires_s = time_mono_s() + 3600;
	bpf_map_update_elem(bpf_map__fd(aftr->maps.dslite_mtu), &b4, &rec, 0);
	t_rdata = measure(prog, data, data_len, XDP_PASS);
	t_syn = measure(prog, syn, syn_len, XDP_PASS);

	row("empty XDP_PASS program", t_pass, NULL, 0, 0, 0);
	row("MAC-swap XDP_TX reflector", t_refl, NULL, 0, 0, 0);
	row("BFD answer floor (no checks, no session)", t_bfloor, "empty", t_pass, 0, 0);
	row("tunnel data floor (parse, XDP_PASS)", t_dfloor, "empty", t_pass, 0, 0);
	row("B4 address hash lookup alone", t_look, "empty", t_pass, 0, 0);
	snprintf(label, sizeof(label), "BFD reply, %d session", table_size());
	row(label, t_bfd1, "BFD floor", t_bfloor, 3.0, 0);
	row("  the same", t_bfd1, "reflector", t_refl, 0, 0);
	row("  the same, VLAN-tagged (general path)", t_bfdg, "BFD floor", t_bfloor,
	    0, 0);
	fill_sessions(nsessions - table_size());
	t_bfdm = measure_replay(prog, bfd, bfd_len, XDP_TX) - t_rbfd + t_pass;
	t_echom = measure_replay(prog, echo, echo_len, XDP_TX) - t_recho + t_pass;
	snprintf(label, sizeof(label), "BFD reply, %d sessions", table_size());
	row(label, t_bfdm, "BFD floor", t_bfloor, 3.0, 0);
	row("  the same", t_bfdm, "reflector", t_refl, 0, 0);
	row("BFD echo reflected", t_echo, "reflector", t_refl, 0, 0);
	snprintf(label, sizeof(label), "BFD echo reflected, %d sessions", table_size());
	row(label, t_echom, "reflector", t_refl, 0, 0);
	row("ICMP echo reply (inner, net)", t_ping - t_rpass + t_pass, "reflector",
	    t_refl, 0, 0);
	row("ICMPv6 echo reply (net)", t_ping6 - t_rpass6 + t_pass, "reflector",
	    t_refl, 0, 0);
	row("tunnel data pass-through", t_data, "data floor", t_dfloor, 1.5, 0);
	row("  the same", t_data, "empty", t_pass, 0, 0);
	row("tunnel data pass-through, again", t_data2, "data floor", t_dfloor, 0, 0);
	row("tunnel data, MTU record present", t_rdata, "data floor", t_dfloor, 0, 0);
	row("  the same", t_rdata, "pass-thr.", t_data2, 0, 0);
	row("TCP SYN, no MTU record", t_syn0, "data floor", t_dfloor, 0, 0);
	row("TCP SYN clamped (look-up, option walk)", t_syn, "data floor", t_dfloor,
	    0, 0);
	printf("\nMTU record memory: %.1f bytes per entry (dslite_mtu memlock / %ld "
	       "entries, LRU hash preallocated, key 16 + value %zu bytes)\n",
	       (double)memlock(bpf_map__fd(aftr->maps.dslite_mtu)) / nsessions,
	       nsessions, sizeof(struct dslite_mtu_rec));
	printf("\n(net = behind dslite_b_replay, minus replay -> empty, plus empty: "
	       "ICMP %.1f - %.1f, ICMPv6 %.1f - %.1f ns)\n",
	       t_ping, t_rpass, t_ping6, t_rpass6);
	if (t_bfloor > t_pass)
		printf("(less the fixed cost of a test run, the empty program's %.1f ns: BFD "
		       "reply %.1fx its floor with 1 session, %.1fx with %d)\n", t_pass,
		       (t_bfd1 - t_pass) / (t_bfloor - t_pass),
		       (t_bfdm - t_pass) / (t_bfloor - t_pass), table_size());

	if (live_args)
		live(live_args, bfd, bfd_len);

	bench_xdp__destroy(bx);
	dslite_aftr__destroy(aftr);
	if (*sweep_list)
		sweep_rows(sweep_list, sweep_seconds);
	return 0;
}
