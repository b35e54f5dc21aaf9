// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr: the parts of an in-place upgrade ("aftr attach" on a
 * live link, attach.c) that move state between maps of two layouts
 * (aftr.h, "upgrade.c"): the two-pass copy of the session table, the
 * counters, stopping the old sweeper, waiting for the old program's last
 * packet, and finding the old object's arm program again.
 *
 * A value of a later layout appends fields to the older one
 * (bpf/dslite_aftr.h, dslite_meta): a value is converted by copying the
 * bytes both have and zeroing the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"

#include "aftr.h"

/* entries per batch call */
#define BATCH	8192U

uint64_t aftr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* convert(m, dst, src): an old value as a new one */
static void convert(const struct aftr_sess_mig *m, void *dst, const void *src)
{
	uint32_t n = m->old_size < m->new_size ? m->old_size : m->new_size;

	memcpy(dst, src, n);
	if (m->new_size > n)
		memset((char *)dst + n, 0, m->new_size - n);
}

/*
 * read_range(fd, from, n, size, keys, vals): slots from..from+n-1 of the
 * array fd into vals (n <= BATCH). 0 or -errno.
 */
static int read_range(int fd, uint32_t from, uint32_t n, uint32_t size,
		      uint32_t *keys, void *vals)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t in = from - 1, out, cnt = n, i;

	(void)size;
	if (from == 0) {
		if (bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &cnt, &o) &&
		    errno != ENOENT)
			return -errno;
	} else {
		/* the batch token of an array is the last key read */
		if (bpf_map_lookup_batch(fd, &in, &out, keys, vals, &cnt, &o) &&
		    errno != ENOENT)
			return -errno;
	}
	if (cnt != n)
		return -EIO;
	for (i = 0; i < n; i++)
		if (keys[i] != from + i)
			return -EIO;
	return 0;
}

void aftr_sess_free(struct aftr_sess_mig *m)
{
	free(m->snap);
	m->snap = NULL;
}

int aftr_sess_copy(struct aftr_sess_mig *m, uint32_t upto)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t keys[BATCH], from, n, i, cnt;
	uint64_t t0 = aftr_now_ns();
	char *conv;
	int err = 0;

	if (upto >= m->slots)
		upto = m->slots - 1;
	m->copied = upto + 1;
	m->snap = malloc((size_t)m->copied * m->old_size);
	conv = malloc((size_t)BATCH * m->new_size);
	if (!m->snap || !conv) {
		free(conv);
		return -ENOMEM;
	}
	for (from = 0; from < m->copied; from += n) {
		char *snap = m->snap + (size_t)from * m->old_size;

		n = m->copied - from < BATCH ? m->copied - from : BATCH;
		err = read_range(m->old_fd, from, n, m->old_size, keys, snap);
		if (err)
			break;
		for (i = 0; i < n; i++)
			convert(m, conv + (size_t)i * m->new_size,
				snap + (size_t)i * m->old_size);
		cnt = n;
		if (bpf_map_update_batch(m->new_fd, keys, conv, &cnt, &o)) {
			err = -errno;
			break;
		}
	}
	free(conv);
	m->pass1_ns = aftr_now_ns() - t0;
	return err;
}

int aftr_sess_merge(struct aftr_sess_mig *m, uint32_t upto)
{
	uint32_t keys[BATCH], from, n, i, total;
	uint64_t t0 = aftr_now_ns();
	char *fin, *was, *cur, *now;
	int err = 0;

	if (upto >= m->slots)
		upto = m->slots - 1;
	total = upto + 1 > m->copied ? upto + 1 : m->copied;
	fin = malloc((size_t)BATCH * m->old_size);
	was = malloc(m->new_size);
	cur = malloc(m->new_size);
	now = malloc(m->new_size);
	if (!fin || !was || !cur || !now) {
		err = -ENOMEM;
		goto out;
	}
	for (from = 0; from < total && !err; from += n) {
		n = total - from < BATCH ? total - from : BATCH;
		err = read_range(m->old_fd, from, n, m->old_size, keys, fin);
		for (i = 0; i < n && !err; i++) {
			uint32_t k = from + i;
			const char *f = fin + (size_t)i * m->old_size;

			if (k < m->copied) {
				const char *s = m->snap + (size_t)k * m->old_size;

				if (!memcmp(f, s, m->old_size))
					continue;	/* unchanged since the copy */
				convert(m, was, s);
			} else {
				/* beyond the first copy: the new slot is as
				 * its map was created (zero) unless the new
				 * program used it */
				memset(was, 0, m->new_size);
			}
			if (bpf_map_lookup_elem(m->new_fd, &k, cur)) {
				err = -errno;
				break;
			}
			/* the new program updated it since: newer than
			 * anything the old one wrote */
			if (memcmp(cur, was, m->new_size))
				continue;
			convert(m, now, f);
			if (bpf_map_update_elem(m->new_fd, &k, now, BPF_EXIST)) {
				err = -errno;
				break;
			}
			m->merged++;
		}
	}
out:
	free(fin);
	free(was);
	free(cur);
	free(now);
	m->pass2_ns = aftr_now_ns() - t0;
	return err;
}

int aftr_percpu_add(int old_fd, int new_fd, uint32_t old_size,
		    uint32_t new_size, uint32_t gap)
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t os = (old_size + 7) & ~7U, ns = (new_size + 7) & ~7U;
	uint32_t n = (old_size < new_size ? old_size : new_size) / 8, zero = 0;
	uint64_t *ov, *nv;
	int c, err = 0;
	uint32_t j;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	ov = calloc(ncpu, os);
	nv = calloc(ncpu, ns);
	if (!ov || !nv) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(old_fd, &zero, ov) ||
	    bpf_map_lookup_elem(new_fd, &zero, nv)) {
		err = -errno;
		goto out;
	}
	for (c = 0; c < ncpu; c++)
		for (j = 0; j < n; j++) {
			uint32_t to = j < gap ? j : j + 1;

			if (to < ns / 8)
				nv[c * (ns / 8) + to] += ov[c * (os / 8) + j];
		}
	if (bpf_map_update_elem(new_fd, &zero, nv, BPF_ANY))
		err = -errno;
out:
	free(ov);
	free(nv);
	return err;
}

int aftr_timer_stop(int fd)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info), zero = 0;
	void *v;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	v = calloc(1, info.value_size);
	if (!v)
		return -ENOMEM;
	/* an update from userspace cancels and frees the element's timer,
	 * waiting for a callback that runs */
	if (bpf_map_update_elem(fd, &zero, v, BPF_ANY))
		err = -errno;
	free(v);
	return err;
}

void aftr_rcu_sync(void)
{
	/* MEMBARRIER_CMD_GLOBAL waits for an RCU grace period: every XDP
	 * program run that began before it has ended */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(50000);
}

/* does prog (an fd) use the map of id map_id? */
static bool uses_map(int prog_fd, uint32_t map_id)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info), ids[64], i;

	info.nr_map_ids = 64;
	info.map_ids = (uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	for (i = 0; i < info.nr_map_ids && i < 64; i++)
		if (ids[i] == map_id)
			return true;
	return false;
}

int aftr_find_prog(const char *name, int map_fd)
{
	struct bpf_map_info mi = {};
	uint32_t len = sizeof(mi), id = 0;

	if (bpf_obj_get_info_by_fd(map_fd, &mi, &len))
		return -errno;
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info pi = {};
		uint32_t plen = sizeof(pi);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &pi, &plen) &&
		    !strncmp(pi.name, name, sizeof(pi.name) - 1) &&
		    uses_map(fd, mi.id))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

int aftr_old_cfg(uint32_t prog_id, struct dslite_aftr_cfg *cfg)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info), ids[64], i, zero = 0;
	int fd, err = -ENOENT;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -errno;
	info.nr_map_ids = 64;
	info.map_ids = (uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	close(fd);
	for (i = 0; i < info.nr_map_ids && i < 64 && err; i++) {
		struct bpf_map_info mi = {};
		uint32_t mlen = sizeof(mi);
		char *v;
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		/* the object's .rodata: dslite_cfg is its first variable */
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &mlen) &&
		    strlen(mi.name) >= 7 &&
		    !strcmp(mi.name + strlen(mi.name) - 7, ".rodata") &&
		    mi.value_size >= sizeof(*cfg)) {
			v = malloc(mi.value_size);
			if (v && !bpf_map_lookup_elem(mfd, &zero, v)) {
				memcpy(cfg, v, sizeof(*cfg));
				err = 0;
			}
			free(v);
		}
		close(mfd);
	}
	return err;
}
