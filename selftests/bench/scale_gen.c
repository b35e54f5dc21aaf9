// SPDX-License-Identifier: GPL-2.0
/*
 * scale_gen: N BFD initiators in one process, for `make bench-scale`
 * (selftests/bench/bench_scale.sh) and selftests/host/scale_gen.sh.
 *
 * Every session is a real RFC 5880 session run by dslite's one state
 * machine (include/dslite/bfd.h, active role, local discriminator =
 * index + 1). Frames are built here and sent over one AF_PACKET socket
 * with sendmmsg() in batches; answers are read from a TPACKET_V3 ring.
 * Transmissions are paced by a timer wheel of 1 ms slots, each session at
 * its interval with the jitter of RFC 5880 6.8.7; a Final is sent at
 * once after a Poll, and a state change is told at once.
 *
 *   scale_gen dslite dev IFNAME dmac MAC smac MAC src IPV6 dst IPV6 OPTS
 *	session i is the B4 src + i + 1 (low 64 bits), sending BFD inside
 *	its softwire: IPv6 (next header 4) to dst, IPv4 192.0.0.2 ->
 *	192.0.0.1, UDP 3784, TTL 255
 *   scale_gen ipv4 dev IFNAME dmac MAC smac MAC src IPV4 dst IPV4
 *		[dst-per K] OPTS
 *	plain single-hop BFD over IPv4: session i from src + i to
 *	dst + i / K (K = 16000 by default: a peer such as FRR's bfdd binds
 *	one UDP source port per session and local address)
 *   OPTS: n N interval MS [multiplier M] [seconds S] [warmup S]
 *	   [watch PID]... [watch-gen TID]... [cpu N] [polls-per-s R]
 *	   [drain MS]
 *
 * smac is the Ethernet source of every frame, and so the destination of
 * the answers: an address that is not the interface's own makes the
 * answers "other host" frames, which the generator's kernel drops at once
 * (the AF_PACKET ring still sees them) instead of routing them.
 *
 * The run: every session starts Down, its first packet at a random time
 * within the first second; after at most `warmup` seconds (or as soon as
 * all are Up) the measured window of `seconds` starts; then periodic
 * transmission stops and answers still on their way are read for
 * `drain` ms (500; nothing is sent any more, not even a Final).
 * A session that was Up and goes Down (the remote's Down, or our
 * detection time expired) is a false Down: the responder never stops.
 *
 * Measured in the window: packets sent and answers (valid BFD packets
 * for one of our sessions) per second; how late each periodic
 * transmission left against its schedule (lag); the answer latency (the
 * answer's arrival stamp in the ring minus the time its request left:
 * every answer of a responder that answers each packet, "answer"), the
 * time from the first packet of a Poll Sequence to its Final ("final";
 * about one Poll per session every tenth packet, at most polls-per-s in
 * all, default 1000), and the gaps between a peer's periodic packets
 * (two packets in a row of a session, neither with F). CPU: the nanoseconds the kernel accounts to every
 * thread of each `watch` PID (/proc/PID/task/TID/schedstat), to this
 * process and to each watch-gen thread, and the busy share of CPU `cpu`
 * (/proc/stat), over the window.
 *
 * Output: progress on stderr; one line on stdout at the end:
 *   summary KEY VALUE ...
 * (see print_summary()). Exit 0 after a run, 1 on a setup error, 2 on a
 * usage error.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <dslite/proto.h>
#include <dslite/bfd.h>

#include "clock.h"
#include "wire.h"

#define ETH_LEN		14
#define IP6_LEN		40
#define IP4_LEN		20
#define UDP_LEN		8

#define WHEEL_SLOTS	4096		/* 1 ms each: 4 s ahead */
#define SLOT_NS		NSEC_PER_MSEC
#define BATCH		64		/* frames per sendmmsg() */
#define FRAME_MAX	128
#define MAX_WATCH	8

/* RX ring: 64 blocks of 1 MiB, retired after 2 ms at the latest */
#define RING_BLOCK	(1U << 20)
#define RING_BLOCKS	64
#define RING_TOV_MS	2

enum mode { M_DSLITE, M_IPV4 };

/* one session and its schedule */
struct gs {
	struct bfd_session s;
	uint64_t due;		/* next periodic transmission, mono ns */
	uint64_t tx_rt;		/* last transmission, realtime ns */
	uint64_t poll_rt;	/* first packet of the running Poll, 0: none */
	uint64_t peer_rx;	/* last periodic packet of the peer, mono ns */
	uint64_t slot;		/* the wheel slot of the current entry */
	uint32_t ntx;		/* periodic transmissions */
	uint8_t awaiting;	/* the last packet has no answer yet */
	uint8_t was_up;
	uint8_t queued;		/* in the immediate queue */
	uint8_t last_f;		/* the peer's last packet had F */
};

/* log-scale histogram: 1/32 resolution */
#define HBUCKETS	1400
struct hist {
	uint64_t n, max;
	uint64_t b[HBUCKETS];
};

static unsigned int hidx(uint64_t v)
{
	int b;

	if (v < 64)
		return (unsigned int)v;
	b = 63 - __builtin_clzll(v);
	return 64 + (b - 6) * 32 + ((v >> (b - 5)) & 31);
}

static uint64_t hval(unsigned int i)
{
	unsigned int b;

	if (i < 64)
		return i;
	b = (i - 64) / 32 + 6;
	return (uint64_t)(32 + (i - 64) % 32) << (b - 5);
}

static void hadd(struct hist *h, uint64_t v)
{
	unsigned int i = hidx(v);

	h->b[i < HBUCKETS ? i : HBUCKETS - 1]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

/* the value below which a share q of the samples lies (bucket floor) */
static uint64_t hpct(const struct hist *h, double q)
{
	uint64_t want, acc = 0;
	unsigned int i;

	if (!h->n)
		return 0;
	want = (uint64_t)(q * (double)h->n);
	if (want >= h->n)
		want = h->n - 1;
	for (i = 0; i < HBUCKETS; i++) {
		acc += h->b[i];
		if (acc > want)
			return hval(i);
	}
	return h->max;
}

struct gen {
	enum mode mode;
	int fd, ifindex;
	uint8_t dmac[6], smac[6];
	struct in6_addr src6, dst6;
	uint32_t src4, dst4, dst_per;		/* host order */
	uint32_t n, interval_us;
	uint8_t mult;
	double seconds, warmup;

	struct gs *ss;
	struct slot {
		uint32_t *v, len, cap;
	} wheel[WHEEL_SLOTS];
	uint64_t wheel_t;			/* start of the next slot to run */
	uint32_t *imm;				/* sessions to send to at once */
	uint32_t nimm;
	uint32_t poll_every;
	uint64_t rnd;

	/* TX batch */
	uint8_t frames[BATCH][FRAME_MAX];
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	uint32_t who[BATCH];
	unsigned int nb;

	/* RX ring */
	uint8_t *ring;
	unsigned int blk;

	/* counters, whole run */
	uint64_t sent, send_err, answers, rx_bad, rx_foreign, rx_refused;
	uint64_t up_now, ever_up, false_down, fd_timeout, fd_remote;
	uint64_t finals;
	/* in the window */
	bool in_window, quiet;
	uint64_t w_sent, w_answers, w_false_down;
	struct hist lag_us, answer_ns, final_ns, gap_us;

	pid_t watch[MAX_WATCH];
	unsigned int nwatch;
	pid_t watch_gen[MAX_WATCH];
	unsigned int nwatch_gen;
	int cpu;
};

static uint32_t rnd32(struct gen *g)
{
	/* xorshift64* */
	g->rnd ^= g->rnd >> 12;
	g->rnd ^= g->rnd << 25;
	g->rnd ^= g->rnd >> 27;
	return (uint32_t)((g->rnd * 2685821657736338717ULL) >> 32);
}

static uint64_t rt_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* ---- CPU accounting */

/* nanoseconds on a CPU of every thread of pid, 0 when it is gone */
static uint64_t task_cpu_ns(pid_t pid)
{
	char path[320], buf[128];
	struct dirent *d;
	uint64_t sum = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
			 (int)pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f))
			sum += strtoull(buf, NULL, 10);
		fclose(f);
	}
	closedir(dir);
	return sum;
}

/* busy and total ticks of one CPU from /proc/stat */
static void cpu_ticks(int cpu, uint64_t *busy, uint64_t *total)
{
	char want[16], line[512];
	FILE *f = fopen("/proc/stat", "r");

	*busy = *total = 0;
	if (!f || cpu < 0) {
		if (f)
			fclose(f);
		return;
	}
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[10] = {};
		int k;

		if (strncmp(line, want, strlen(want)))
			continue;
		sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu",
		       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		for (k = 0; k < 8; k++)
			*total += v[k];
		*busy = *total - v[3] - v[4];	/* minus idle, iowait */
		break;
	}
	fclose(f);
}

struct cpu_snap {
	uint64_t t, watch, self, gen_thr, busy, total;
};

static void cpu_snap(struct gen *g, struct cpu_snap *c)
{
	unsigned int i;

	c->t = mono_ns();
	c->watch = c->gen_thr = 0;
	for (i = 0; i < g->nwatch; i++)
		c->watch += task_cpu_ns(g->watch[i]);
	for (i = 0; i < g->nwatch_gen; i++)
		c->gen_thr += task_cpu_ns(g->watch_gen[i]);
	c->self = task_cpu_ns(getpid());
	cpu_ticks(g->cpu, &c->busy, &c->total);
}

/* ---- frames */

static void put_u64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* the outer IPv6 source of session i: src + i + 1 in the low 64 bits */
static void b4_addr(const struct gen *g, uint32_t i, uint8_t *a)
{
	memcpy(a, &g->src6, 16);
	put_u64(a + 8, get_u64(a + 8) + i + 1);
}

static uint16_t udp_csum4(const uint8_t *ip, const uint8_t *udp, size_t len)
{
	uint32_t s = inet_sum(ip + 12, 8, 0);

	s += 17 + len;
	return inet_fold(inet_sum(udp, len, s));
}

/* the frame of session i's next packet into f; its length */
static size_t build(struct gen *g, uint32_t i, uint8_t *f)
{
	struct gs *x = &g->ss[i];
	uint8_t *ip, *udp;
	struct bfd_ctrl c;
	size_t l4 = UDP_LEN + BFD_CTRL_LEN, o;
	uint16_t cs;

	memcpy(f, g->dmac, 6);
	memcpy(f + 6, g->smac, 6);
	if (g->mode == M_DSLITE) {
		uint8_t *ip6 = f + ETH_LEN;

		put16(f + 12, ETH_P_IPV6);
		memset(ip6, 0, IP6_LEN);
		ip6[0] = 0x60;
		put16(ip6 + 4, IP4_LEN + l4);
		ip6[6] = DSLITE_NEXTHDR_IPIP;
		ip6[7] = 64;
		b4_addr(g, i, ip6 + 8);
		memcpy(ip6 + 24, &g->dst6, 16);
		o = ETH_LEN + IP6_LEN;
	} else {
		put16(f + 12, ETH_P_IP);
		o = ETH_LEN;
	}
	ip = f + o;
	memset(ip, 0, IP4_LEN);
	ip[0] = 0x45;
	put16(ip + 2, IP4_LEN + l4);
	ip[8] = BFD_TTL;
	ip[9] = 17;
	if (g->mode == M_DSLITE) {
		put32(ip + 12, DSLITE_B4_ADDR);
		put32(ip + 16, DSLITE_AFTR_ADDR);
	} else {
		put32(ip + 12, g->src4 + i);
		put32(ip + 16, g->dst4 + i / g->dst_per);
	}
	put16(ip + 10, inet_csum(ip, IP4_LEN));
	udp = ip + IP4_LEN;
	put16(udp, BFD_SRC_PORT_MIN + (i & 0x3fff));
	put16(udp + 2, BFD_PORT_CONTROL);
	put16(udp + 4, l4);
	put16(udp + 6, 0);
	bfd_build(&x->s, &c);
	memcpy(udp + UDP_LEN, &c, BFD_CTRL_LEN);
	cs = udp_csum4(ip, udp, l4);
	put16(udp + 6, cs ? cs : 0xffff);
	return o + IP4_LEN + l4;
}

static void flush(struct gen *g)
{
	unsigned int done = 0, k, errs = 0;
	uint64_t t0 = rt_ns(), t1;

	while (done < g->nb) {
		int r = sendmmsg(g->fd, g->msg + done, g->nb - done, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS and friends: this frame is lost */
			g->send_err++;
			errs++;
			done++;
			continue;
		}
		done += r;
	}
	t1 = rt_ns();
	/* each frame's departure: spread over the call, in order */
	for (k = 0; k < g->nb; k++) {
		struct gs *x = &g->ss[g->who[k]];

		x->tx_rt = t0 + (t1 - t0) * k / g->nb;
		x->awaiting = 1;
		if ((x->s.flags & BFD_SF_POLL) && !x->poll_rt)
			x->poll_rt = x->tx_rt;
	}
	g->sent += g->nb - errs;
	if (g->in_window)
		g->w_sent += g->nb - errs;
	g->nb = 0;
}

static void queue_tx(struct gen *g, uint32_t i)
{
	size_t len = build(g, i, g->frames[g->nb]);

	g->iov[g->nb].iov_len = len;
	g->who[g->nb] = i;
	if (++g->nb == BATCH)
		flush(g);
}

/* ---- the wheel
 *
 * One list of session indices per 1 ms slot; a session's current entry is
 * the one in the slot x->slot (an absolute slot number): rescheduling
 * adds a new entry and leaves the old one, which is skipped when its slot
 * comes. A time beyond the wheel goes into its last slot and is looked at
 * again then.
 */

static void wheel_add(struct gen *g, uint32_t i)
{
	struct gs *x = &g->ss[i];
	uint64_t first = g->wheel_t / SLOT_NS, slot;
	struct slot *sl;

	if (x->due < g->wheel_t)
		slot = first;
	else if (x->due / SLOT_NS - first >= WHEEL_SLOTS - 1)
		slot = first + WHEEL_SLOTS - 1;
	else
		slot = x->due / SLOT_NS;
	x->slot = slot;
	sl = &g->wheel[slot % WHEEL_SLOTS];
	if (sl->len == sl->cap) {
		uint32_t cap = sl->cap ? sl->cap * 2 : 64;
		uint32_t *v = realloc(sl->v, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "scale_gen: out of memory\n");
			exit(1);
		}
		sl->v = v;
		sl->cap = cap;
	}
	sl->v[sl->len++] = i;
}

static void schedule(struct gen *g, uint32_t i, uint64_t now)
{
	struct gs *x = &g->ss[i];
	uint32_t iv = bfd_tx_interval_us(&x->s);

	if (!iv)
		iv = BFD_SLOW_TX_US;
	x->due = now + (uint64_t)bfd_jitter_us(iv, x->s.detect_mult, rnd32(g)) *
		 NSEC_PER_USEC;
	wheel_add(g, i);
}

static void went_down(struct gen *g, struct gs *x, bool timeout)
{
	if (!x->was_up)
		return;
	x->was_up = 0;
	g->up_now--;
	g->false_down++;
	if (timeout)
		g->fd_timeout++;
	else
		g->fd_remote++;
	if (g->in_window)
		g->w_false_down++;
}

/* one periodic transmission of session i, due at x->due */
static void tx_due(struct gen *g, uint32_t i, uint64_t now)
{
	struct gs *x = &g->ss[i];

	if (bfd_detect_expired(&x->s, now)) {
		bfd_timeout(&x->s);
		went_down(g, x, true);
	}
	if (g->in_window)
		hadd(&g->lag_us, (now - x->due) / NSEC_PER_USEC);
	if (x->s.state == BFD_STATE_UP && ++x->ntx % g->poll_every == 0)
		bfd_start_poll(&x->s);
	queue_tx(g, i);
	schedule(g, i, now);
}

static void run_wheel(struct gen *g, uint64_t now)
{
	while (g->wheel_t + SLOT_NS <= now) {
		uint64_t abs = g->wheel_t / SLOT_NS;
		struct slot *sl = &g->wheel[abs % WHEEL_SLOTS];
		uint32_t k, len = sl->len;

		g->wheel_t += SLOT_NS;
		/* entries added meanwhile go to later slots (due >= now) */
		for (k = 0; k < len; k++) {
			uint32_t i = sl->v[k];

			if (g->ss[i].slot != abs)
				continue;		/* rescheduled */
			if (g->ss[i].due >= g->wheel_t)
				wheel_add(g, i);	/* further ahead */
			else
				tx_due(g, i, now);
		}
		sl->len = 0;
	}
}

/* ---- answers */

/*
 * One received frame: a BFD control packet for one of our sessions, or
 * counted as foreign (another protocol) or bad (ours but malformed).
 */
static void rx_frame(struct gen *g, const uint8_t *f, size_t len,
		     uint64_t arr_rt, bool csum_ok, uint64_t now)
{
	const uint8_t *ip, *udp;
	struct bfd_ctrl c;
	struct gs *x;
	uint32_t i, yd;
	uint8_t old;
	size_t o;
	int r;

	if (g->mode == M_DSLITE) {
		if (len < ETH_LEN + IP6_LEN || get16(f + 12) != ETH_P_IPV6 ||
		    f[ETH_LEN + 6] != DSLITE_NEXTHDR_IPIP) {
			g->rx_foreign++;
			return;
		}
		o = ETH_LEN + IP6_LEN;
	} else {
		if (len < ETH_LEN + IP4_LEN || get16(f + 12) != ETH_P_IP) {
			g->rx_foreign++;
			return;
		}
		o = ETH_LEN;
	}
	ip = f + o;
	if (len < o + IP4_LEN + UDP_LEN + BFD_CTRL_LEN || ip[0] != 0x45 ||
	    ip[9] != 17) {
		g->rx_foreign++;
		return;
	}
	udp = ip + IP4_LEN;
	if (get16(udp + 2) != BFD_PORT_CONTROL) {
		g->rx_foreign++;
		return;
	}
	if (ip[8] != BFD_TTL || inet_csum(ip, IP4_LEN) != 0 ||
	    get16(udp + 4) != UDP_LEN + BFD_CTRL_LEN ||
	    (csum_ok && get16(udp + 6) &&
	     udp_csum4(ip, udp, UDP_LEN + BFD_CTRL_LEN) != 0)) {
		g->rx_bad++;
		return;
	}
	memcpy(&c, udp + UDP_LEN, BFD_CTRL_LEN);
	if (bfd_validate(&c, BFD_CTRL_LEN) != BFD_RX_OK) {
		g->rx_bad++;
		return;
	}
	yd = bfd_ntoh32(c.your_discr);
	i = yd - 1;
	if (yd == 0 || i >= g->n) {
		g->rx_refused++;
		return;
	}
	/* and to the address of that session */
	if (g->mode == M_DSLITE) {
		uint8_t a[16];

		b4_addr(g, i, a);
		if (memcmp(f + ETH_LEN + 24, a, 16)) {
			g->rx_refused++;
			return;
		}
	} else if (get32(ip + 16) != g->src4 + i) {
		g->rx_refused++;
		return;
	}
	x = &g->ss[i];
	if ((c.flags & BFD_FLAG_FINAL) && (x->s.flags & BFD_SF_POLL) &&
	    x->poll_rt) {
		if (g->in_window && arr_rt > x->poll_rt)
			hadd(&g->final_ns, arr_rt - x->poll_rt);
		g->finals++;
		x->poll_rt = 0;
	}
	old = x->s.state;
	r = bfd_rx(&x->s, &c, now);

	if (r != BFD_RX_OK) {
		g->rx_refused++;
		return;
	}
	g->answers++;
	if (g->in_window) {
		g->w_answers++;
		if (x->awaiting && arr_rt > x->tx_rt)
			hadd(&g->answer_ns, arr_rt - x->tx_rt);
		/* periodic gaps: two packets in a row without F */
		if (!(c.flags & BFD_FLAG_FINAL) && !x->last_f && x->peer_rx)
			hadd(&g->gap_us, (now - x->peer_rx) / NSEC_PER_USEC);
	}
	x->awaiting = 0;
	x->peer_rx = now;
	x->last_f = !!(c.flags & BFD_FLAG_FINAL);
	if (!(x->s.flags & BFD_SF_POLL))
		x->poll_rt = 0;
	if (x->s.state != old) {
		if (x->s.state == BFD_STATE_UP) {
			if (!x->was_up) {
				x->was_up = 1;
				g->up_now++;
				g->ever_up++;
			}
		} else if (old == BFD_STATE_UP) {
			went_down(g, x, false);
		}
	}
	if ((x->s.state != old || bfd_final_pending(&x->s)) && !x->queued) {
		x->queued = 1;
		g->imm[g->nimm++] = i;
	}
}

static void run_rx(struct gen *g)
{
	uint64_t now = mono_ns();

	for (;;) {
		struct tpacket_block_desc *bd =
			(void *)(g->ring + (size_t)g->blk * RING_BLOCK);
		struct tpacket3_hdr *h;
		uint32_t k;

		if (!(bd->hdr.bh1.block_status & TP_STATUS_USER))
			break;
		h = (void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
		for (k = 0; k < bd->hdr.bh1.num_pkts; k++) {
			uint64_t arr = (uint64_t)h->tp_sec * NSEC_PER_SEC +
				       h->tp_nsec;

			rx_frame(g, (uint8_t *)h + h->tp_mac, h->tp_snaplen,
				 arr, !(h->tp_status & TP_STATUS_CSUMNOTREADY),
				 now);
			h = (void *)((uint8_t *)h + h->tp_next_offset);
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		g->blk = (g->blk + 1) % RING_BLOCKS;
	}
	/* what the answers asked for: Finals and state changes, now
	 * (nothing once the run is over: the drain only reads) */
	if (g->quiet)
		g->nimm = 0;
	while (g->nimm) {
		uint32_t i = g->imm[--g->nimm];

		g->ss[i].queued = 0;
		queue_tx(g, i);
		/* the periodic schedule starts again from here (6.8.7) */
		schedule(g, i, mono_ns());
	}
	flush(g);
}

/* ---- setup */

static int open_socket(struct gen *g, const char *ifname)
{
	struct tpacket_req3 req = {
		.tp_block_size = RING_BLOCK,
		.tp_block_nr = RING_BLOCKS,
		.tp_frame_size = 2048,
		.tp_frame_nr = RING_BLOCK / 2048 * RING_BLOCKS,
		.tp_retire_blk_tov = RING_TOV_MS,
	};
	int proto = g->mode == M_DSLITE ? ETH_P_IPV6 : ETH_P_IP;
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
	};
	int v = TPACKET_V3, one = 1;
	unsigned int k;

	g->ifindex = if_nametoindex(ifname);
	if (!g->ifindex) {
		fprintf(stderr, "scale_gen: %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	g->fd = socket(AF_PACKET, SOCK_RAW, htons(proto));
	if (g->fd < 0) {
		perror("scale_gen: AF_PACKET");
		return -1;
	}
	if (setsockopt(g->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(g->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		perror("scale_gen: PACKET_RX_RING");
		return -1;
	}
	/* our own frames are not read back (and cost nothing to skip) */
	setsockopt(g->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	g->ring = mmap(NULL, (size_t)RING_BLOCK * RING_BLOCKS,
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, g->fd, 0);
	if (g->ring == MAP_FAILED)
		g->ring = mmap(NULL, (size_t)RING_BLOCK * RING_BLOCKS,
			       PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (g->ring == MAP_FAILED) {
		perror("scale_gen: mmap");
		return -1;
	}
	sll.sll_ifindex = g->ifindex;
	if (bind(g->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("scale_gen: bind");
		return -1;
	}
	for (k = 0; k < BATCH; k++) {
		g->iov[k].iov_base = g->frames[k];
		g->msg[k].msg_hdr.msg_iov = &g->iov[k];
		g->msg[k].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int m[6], i;
	char end;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &end) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (m[i] > 255)
			return -1;
		mac[i] = m[i];
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: scale_gen dslite dev IFNAME dmac MAC smac MAC src IPV6 dst IPV6 OPTS\n"
		"       scale_gen ipv4 dev IFNAME dmac MAC smac MAC src IPV4 dst IPV4\n"
		"                 [dst-per K] OPTS\n"
		"OPTS:  n N interval MS [multiplier M] [seconds S] [warmup S]\n"
		"       [watch PID]... [watch-gen TID]... [cpu N] [polls-per-s R]\n"
		"       [drain MS]\n");
	exit(2);
}

/* a whole number in [min, max], or usage() */
static unsigned long num(const char *k, const char *v, unsigned long min,
			 unsigned long max)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || end == v || x < min || x > max) {
		fprintf(stderr, "scale_gen: %s must be a number %lu..%lu, not \"%s\"\n",
			k, min, max, v);
		exit(2);
	}
	return x;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static void print_summary(struct gen *g, const struct cpu_snap *a,
			  const struct cpu_snap *b, uint32_t up)
{
	double w = (double)(b->t - a->t) / 1e9;
	uint64_t wall = b->t - a->t;
	printf("summary mode %s n %u interval %u multiplier %u window-s %.1f"
	       " up %u ever-up %llu false-down %llu false-down-timeout %llu"
	       " false-down-remote %llu window-false-down %llu"
	       " sent %llu send-err %llu answers %llu rx-bad %llu"
	       " rx-refused %llu rx-foreign %llu finals %llu"
	       " send-pps %.0f answer-pps %.0f"
	       " lag-p50-us %llu lag-p99-us %llu lag-max-us %llu"
	       " answer-p50-us %.1f answer-p99-us %.1f answer-samples %llu"
	       " final-p50-us %.1f final-p99-us %.1f final-samples %llu"
	       " gap-p50-ms %.1f gap-p99-ms %.1f gap-max-ms %.1f"
	       " resp-cpu-pct %.2f gen-cpu-pct %.2f gen-thr-cpu-pct %.2f"
	       " cpu-busy-pct %.1f\n",
	       g->mode == M_DSLITE ? "dslite" : "ipv4", g->n,
	       g->interval_us / 1000, g->mult, w, up,
	       (unsigned long long)g->ever_up, (unsigned long long)g->false_down,
	       (unsigned long long)g->fd_timeout, (unsigned long long)g->fd_remote,
	       (unsigned long long)g->w_false_down, (unsigned long long)g->sent,
	       (unsigned long long)g->send_err, (unsigned long long)g->answers,
	       (unsigned long long)g->rx_bad, (unsigned long long)g->rx_refused,
	       (unsigned long long)g->rx_foreign, (unsigned long long)g->finals,
	       w > 0 ? g->w_sent / w : 0, w > 0 ? g->w_answers / w : 0,
	       (unsigned long long)hpct(&g->lag_us, 0.5),
	       (unsigned long long)hpct(&g->lag_us, 0.99),
	       (unsigned long long)g->lag_us.max,
	       hpct(&g->answer_ns, 0.5) / 1e3, hpct(&g->answer_ns, 0.99) / 1e3,
	       (unsigned long long)g->answer_ns.n,
	       hpct(&g->final_ns, 0.5) / 1e3, hpct(&g->final_ns, 0.99) / 1e3,
	       (unsigned long long)g->final_ns.n,
	       hpct(&g->gap_us, 0.5) / 1e3, hpct(&g->gap_us, 0.99) / 1e3,
	       g->gap_us.max / 1e3,
	       pct(b->watch - a->watch, wall), pct(b->self - a->self, wall),
	       pct(b->gen_thr - a->gen_thr, wall),
	       pct(b->busy - a->busy, b->total - a->total));
}

int main(int argc, char **argv)
{
	static struct gen g = {
		.mult = 3,
		.seconds = 10,
		.warmup = 10,
		.dst_per = 16000,
		.cpu = -1,
	};
	const char *ifname = NULL;
	bool have_dmac = false, have_smac = false, have_src = false;
	bool have_dst = false;
	unsigned long polls_per_s = 1000, drain_ms = 500;
	struct cpu_snap a = {}, b = {};
	uint32_t up_end = 0;
	uint64_t start, t_end = 0, t_win = 0, pps;
	uint32_t i;
	int k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "dslite"))
		g.mode = M_DSLITE;
	else if (!strcmp(argv[1], "ipv4"))
		g.mode = M_IPV4;
	else
		usage();
	for (k = 2; k < argc; k += 2) {
		const char *key = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(key, "dev")) {
			ifname = v;
		} else if (!strcmp(key, "dmac")) {
			have_dmac = !parse_mac(v, g.dmac);
		} else if (!strcmp(key, "smac")) {
			have_smac = !parse_mac(v, g.smac);
		} else if (!strcmp(key, "src")) {
			if (g.mode == M_DSLITE) {
				have_src = inet_pton(AF_INET6, v, &g.src6) == 1;
			} else {
				have_src = inet_pton(AF_INET, v, &g.src4) == 1;
				g.src4 = ntohl(g.src4);
			}
		} else if (!strcmp(key, "dst")) {
			if (g.mode == M_DSLITE) {
				have_dst = inet_pton(AF_INET6, v, &g.dst6) == 1;
			} else {
				have_dst = inet_pton(AF_INET, v, &g.dst4) == 1;
				g.dst4 = ntohl(g.dst4);
			}
		} else if (!strcmp(key, "dst-per")) {
			g.dst_per = num(key, v, 1, 1U << 24);
		} else if (!strcmp(key, "n")) {
			g.n = num(key, v, 1, 16777215);
		} else if (!strcmp(key, "interval")) {
			g.interval_us = num(key, v, 10, 60000) * 1000;
		} else if (!strcmp(key, "multiplier")) {
			g.mult = num(key, v, 1, 255);
		} else if (!strcmp(key, "seconds")) {
			g.seconds = num(key, v, 1, 86400);
		} else if (!strcmp(key, "warmup")) {
			g.warmup = num(key, v, 1, 86400);
		} else if (!strcmp(key, "watch")) {
			if (g.nwatch == MAX_WATCH)
				usage();
			g.watch[g.nwatch++] = num(key, v, 1, 1U << 30);
		} else if (!strcmp(key, "watch-gen")) {
			if (g.nwatch_gen == MAX_WATCH)
				usage();
			g.watch_gen[g.nwatch_gen++] = num(key, v, 1, 1U << 30);
		} else if (!strcmp(key, "cpu")) {
			g.cpu = num(key, v, 0, 4095);
		} else if (!strcmp(key, "drain")) {
			drain_ms = num(key, v, 0, 60000);
		} else if (!strcmp(key, "polls-per-s")) {
			polls_per_s = num(key, v, 1, 1000000);
		} else {
			fprintf(stderr, "scale_gen: unknown keyword \"%s\"\n", key);
			usage();
		}
	}
	if (!ifname || !have_dmac || !have_smac || !have_src || !have_dst ||
	    !g.n || !g.interval_us)
		usage();
	if (g.mode == M_IPV4 && (uint64_t)g.src4 + g.n > UINT32_MAX) {
		fprintf(stderr, "scale_gen: src + n is beyond 255.255.255.255\n");
		return 2;
	}
	if (open_socket(&g, ifname))
		return 1;

	g.ss = calloc(g.n, sizeof(*g.ss));
	g.imm = calloc(g.n, sizeof(*g.imm));
	if (!g.ss || !g.imm) {
		fprintf(stderr, "scale_gen: %u sessions: out of memory\n", g.n);
		return 1;
	}
	/* about one Poll per session every 10th packet, at most R a second */
	pps = (uint64_t)g.n * 1000000 / g.interval_us;
	g.poll_every = pps / polls_per_s > 10 ? pps / polls_per_s : 10;
	g.rnd = mono_ns() | 1;
	start = mono_ns();
	g.wheel_t = start / SLOT_NS * SLOT_NS;
	for (i = 0; i < g.n; i++) {
		struct gs *x = &g.ss[i];

		bfd_session_init(&x->s, i + 1, g.interval_us, g.interval_us, 0,
				 g.mult, 0);
		x->due = start + (uint64_t)rnd32(&g) % NSEC_PER_SEC;
		wheel_add(&g, i);
	}
	fprintf(stderr, "scale_gen: %u sessions at %u ms x %u, %s\n", g.n,
		g.interval_us / 1000, g.mult, ifname);

	for (;;) {
		uint64_t now = mono_ns(), next;
		struct pollfd pfd = { .fd = g.fd, .events = POLLIN };
		struct timespec ts;

		if (!t_win && (g.up_now == g.n ||
			       now - start >= (uint64_t)(g.warmup * 1e9))) {
			fprintf(stderr, "scale_gen: %llu of %u Up after %.1f s; measuring %.0f s\n",
				(unsigned long long)g.up_now, g.n,
				(now - start) / 1e9, g.seconds);
			t_win = now;
			t_end = now + (uint64_t)(g.seconds * 1e9);
			g.in_window = true;
			cpu_snap(&g, &a);
		}
		if (t_win && g.in_window && now >= t_end) {
			cpu_snap(&g, &b);
			g.in_window = false;
			for (i = 0; i < g.n; i++)
				up_end += g.ss[i].s.state == BFD_STATE_UP;
			break;
		}
		run_wheel(&g, now);
		flush(&g);
		run_rx(&g);
		now = mono_ns();
		next = g.wheel_t + SLOT_NS;
		if (next > now) {
			ts.tv_sec = 0;
			ts.tv_nsec = next - now;
			ppoll(&pfd, 1, &ts, NULL);
		}
	}
	/* the last answers: no new periodic packets, read for a while */
	g.quiet = true;
	t_end = mono_ns() + drain_ms * NSEC_PER_MSEC;
	while (mono_ns() < t_end) {
		struct pollfd pfd = { .fd = g.fd, .events = POLLIN };

		poll(&pfd, 1, 10);
		run_rx(&g);
	}
	print_summary(&g, &a, &b, up_end);
	return 0;
}
