// SPDX-License-Identifier: GPL-2.0
/*
 * upgrade_fill: N Up sessions written straight into the pinned maps of an
 * attached responder (selftests/bench/upgrade_bench.sh): slots 1..N of
 * dslite_sessions, their B4 addresses in dslite_discrs, next_discr in
 * dslite_state, as the XDP program would leave them. The sessions'
 * detection time is an hour (the sweeper leaves them alone): the bench
 * times the upgrade of a full table, not timeouts.
 *
 *   upgrade_fill PIN_DIR N [FIRST]
 *	slots FIRST..FIRST+N-1 (FIRST default 1, after the sessions real B4s
 *	already have); prints "filled N sessions in MS ms"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "dslite_aftr.h"

#define CHUNK	65536U

static int get(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "upgrade_fill: %s: %s\n", path, strerror(errno));
	return fd;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	struct dslite_aftr_session *v;
	struct dslite_aftr_state st;
	struct dslite_in6 *addrs;
	uint32_t *keys, *discrs, n, i, from, cnt, zero = 0, first = 1;
	int sfd, dfd, tfd;
	uint64_t t0, t;

	if (argc < 3 || argc > 4 || !(n = strtoul(argv[2], NULL, 10)) ||
	    (argc == 4 && !(first = strtoul(argv[3], NULL, 10)))) {
		fprintf(stderr, "usage: upgrade_fill PIN_DIR N [FIRST]\n");
		return 2;
	}
	sfd = get(argv[1], DSLITE_MAP_SESSIONS);
	dfd = get(argv[1], DSLITE_MAP_DISCRS);
	tfd = get(argv[1], DSLITE_MAP_STATE);
	if (sfd < 0 || dfd < 0 || tfd < 0)
		return 1;
	keys = calloc(CHUNK, sizeof(*keys));
	discrs = calloc(CHUNK, sizeof(*discrs));
	addrs = calloc(CHUNK, sizeof(*addrs));
	v = calloc(CHUNK, sizeof(*v));
	if (!keys || !discrs || !addrs || !v)
		return 1;
	t0 = now_ns();
	t = t0;
	for (from = first; from < first + n; from += cnt) {
		cnt = first + n - from < CHUNK ? first + n - from : CHUNK;
		memset(v, 0, (size_t)cnt * sizeof(*v));
		for (i = 0; i < cnt; i++) {
			uint32_t slot = from + i;
			struct dslite_aftr_session *s = &v[i];

			keys[i] = slot;
			s->flags = DSLITE_SESS_LIVE | DSLITE_SESS_WAS_UP;
			s->b4.addr[0] = 0x20;
			s->b4.addr[1] = 0x01;
			s->b4.addr[2] = 0x0d;
			s->b4.addr[3] = 0xb8;
			memcpy(&s->b4.addr[12], &slot, 4);
			s->local.addr[0] = 0x20;
			s->local.addr[15] = 1;
			s->bfd.local_discr = slot;	/* node 0, no tag */
			s->bfd.remote_discr = 0x1000000 + slot;
			s->bfd.state = BFD_STATE_UP;
			s->bfd.remote_state = BFD_STATE_UP;
			s->bfd.detect_mult = 3;
			s->bfd.remote_mult = 3;
			s->bfd.cfg_tx = s->bfd.cfg_rx = 300000;
			s->bfd.tx = s->bfd.rx = 1200000000;
			s->bfd.remote_tx = s->bfd.remote_rx = 1200000000;
			s->bfd.last_rx_ns = t;
			s->changed_ns = s->last_seen_ns = t;
			s->bfd.flags = BFD_SF_RESPONDER;
			addrs[i] = s->b4;
			discrs[i] = slot;
		}
		if (bpf_map_update_batch(sfd, keys, v, &cnt, &o) ||
		    bpf_map_update_batch(dfd, addrs, discrs, &cnt, &o)) {
			fprintf(stderr, "upgrade_fill: %s\n", strerror(errno));
			return 1;
		}
	}
	if (bpf_map_lookup_elem(tfd, &zero, &st))
		return 1;
	st.next_discr = first + n - 1;
	if (bpf_map_update_elem(tfd, &zero, &st, BPF_F_LOCK) &&
	    bpf_map_update_elem(tfd, &zero, &st, BPF_ANY)) {
		fprintf(stderr, "upgrade_fill: dslite_state: %s\n", strerror(errno));
		return 1;
	}
	printf("filled %u sessions in %.0f ms\n", n, (now_ns() - t0) / 1e6);
	return 0;
}
