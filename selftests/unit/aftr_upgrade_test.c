// SPDX-License-Identifier: GPL-2.0
/*
 * The counters carried over by an in-place upgrade (user/aftr/upgrade.c,
 * aftr_percpu_add()), on real per-CPU array maps of this kernel:
 *
 *   old map (a layout-1 program's counters: DSLITE_CNT__MAX - 1 values,
 *            CPU c, index j = (c + 1) * 100000 + j + 1)
 *        |  aftr_percpu_add(old, new, old size, new size, gap)
 *        v
 *   new map (this build's: DSLITE_CNT__MAX values, 5 everywhere: what the
 *            new program counted before the carry-over)
 *
 * Checked: from layout 1 (gap DSLITE_CNT_LAYOUT2_AT) every old counter
 * is added to the counter of its name, one index further from the gap
 * on, on every CPU, and the inserted counter (drop_bfd_inner_source)
 * keeps only what the new program counted; within one layout (no gap)
 * index j goes to j; counters a newer build appends at the end keep
 * their own values; a map that is not there is an error, nothing
 * written.
 */
#include <stdio.h>

#include "../../user/aftr/upgrade.c"
#include "tap.h"

static int ncpu;

static int percpu(uint32_t n)
{
	return bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "cnt_test",
			      sizeof(uint32_t), n * 8, 1, NULL);
}

static void fill(int fd, uint32_t n, bool old)
{
	uint64_t *v = calloc(ncpu, n * 8);
	uint32_t zero = 0, j;
	int c;

	for (c = 0; c < ncpu; c++)
		for (j = 0; j < n; j++)
			v[c * n + j] = old ? (uint64_t)(c + 1) * 100000 + j + 1 : 5;
	bpf_map_update_elem(fd, &zero, v, BPF_ANY);
	free(v);
}

/* the new map's values, checked against the old ones moved by gap */
static int check(int fd, uint32_t n, uint32_t old_n, uint32_t gap,
		 uint32_t *bad_at)
{
	uint64_t *v = calloc(ncpu, n * 8);
	uint32_t zero = 0, j;
	int c, bad = 0;

	if (bpf_map_lookup_elem(fd, &zero, v)) {
		free(v);
		return -1;
	}
	for (c = 0; c < ncpu; c++)
		for (j = 0; j < n; j++) {
			uint64_t want = 5;
			uint32_t from = j < gap ? j : j - 1;

			if (j != gap && from < old_n)
				want += (uint64_t)(c + 1) * 100000 + from + 1;
			if (v[c * n + j] != want) {
				if (!bad)
					*bad_at = j;
				bad++;
			}
		}
	free(v);
	return bad;
}

int main(void)
{
	uint32_t n = DSLITE_CNT__MAX, bad_at = 0;
	int o, nw, r;

	tap_start();
	ncpu = libbpf_num_possible_cpus();
	o = percpu(n - 1);
	if (o < 0) {
		tap_skip("cannot create BPF maps here (not root, or no BPF)",
			 "counters carried over");
		return tap_done();
	}

	/* layout 1 -> this build: a counter inserted at the gap */
	nw = percpu(n);
	fill(o, n - 1, true);
	fill(nw, n, false);
	r = aftr_percpu_add(o, nw, (n - 1) * 8, n * 8, DSLITE_CNT_LAYOUT2_AT);
	tap_eq(r, 0, "layout 1 -> %u counters: carried over", n);
	r = check(nw, n, n - 1, DSLITE_CNT_LAYOUT2_AT, &bad_at);
	tap_result(r == 0, "every old counter added to the counter of its name on each of %d CPUs, the inserted one (%s) only the new program's (%d wrong, first at %u)",
		   ncpu, dslite_aftr_counter_names[DSLITE_CNT_LAYOUT2_AT], r,
		   bad_at);
	close(nw);
	close(o);

	/* the same layout: index to index */
	o = percpu(n);
	nw = percpu(n);
	fill(o, n, true);
	fill(nw, n, false);
	r = aftr_percpu_add(o, nw, n * 8, n * 8, UINT32_MAX);
	tap_eq(r, 0, "same layout: carried over");
	r = check(nw, n, n, UINT32_MAX, &bad_at);
	tap_eq(r, 0, "same layout: index j to index j");
	close(nw);

	/* a newer build that appends 3 counters */
	nw = percpu(n + 3);
	fill(nw, n + 3, false);
	r = aftr_percpu_add(o, nw, n * 8, (n + 3) * 8, UINT32_MAX);
	tap_eq(r, 0, "3 counters appended: carried over");
	r = check(nw, n + 3, n, UINT32_MAX, &bad_at);
	tap_eq(r, 0, "the old ones added, the appended ones keep their own");
	close(nw);

	/* no old map: an error, the new one unchanged */
	nw = percpu(n);
	fill(nw, n, false);
	r = aftr_percpu_add(-1, nw, n * 8, n * 8, UINT32_MAX);
	tap_result(r < 0, "no old map: refused (%d)", r);
	tap_eq(check(nw, n, 0, UINT32_MAX, &bad_at), 0,
	       "no old map: nothing written");
	close(nw);
	close(o);
	return tap_done();
}
