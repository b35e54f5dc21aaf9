// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr sessions / stats: read the pinned maps of the attached
 * devices. Sessions are printed in the order of their slots (that of
 * their discriminators; a table of a million sessions is streamed in
 * batches, never held in memory), with the key names of FRR's "show bfd
 * peers json".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"

#include "aftr.h"
#include "json.h"

/* Sessions read per batch lookup. */
#define BATCH	1024

/*
 * slots_used(d): the highest slot of d's session table ever handed out
 * (dslite_state's next_discr: slots are taken from 1 upwards before any
 * freed one is reused, so no session lives above it), UINT32_MAX when
 * it cannot be read (then every slot is read).
 */
static uint32_t slots_used(const struct aftr_dev *d)
{
	struct dslite_aftr_state st = {};
	uint32_t zero = 0;
	int fd;

	fd = aftr_dev_map(d, DSLITE_MAP_STATE);
	if (fd < 0)
		return UINT32_MAX;
	if (bpf_map_lookup_elem(fd, &zero, &st))
		st.next_discr = UINT32_MAX;
	close(fd);
	return st.next_discr;
}

/*
 * aftr_for_each_session(d, fd, cb, ctx): every live session of the slot
 * array fd (d's dslite_sessions), in slot order (read without a lock, as
 * bpf/dslite_aftr.h allows: a copy may mix two updates). Only the slots
 * ever handed out are read, so the cost follows the sessions the table
 * has held, not its size. Batches of BATCH slots when the kernel has
 * them, one by one otherwise. Returns 0 or -errno (or what cb returned,
 * if non-zero).
 */
int aftr_for_each_session(const struct aftr_dev *d, int fd,
			  aftr_session_cb cb, void *ctx)
{
	struct dslite_aftr_session *vals;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), count, i, token = 0, *keys, k;
	uint64_t end, read = 0;
	bool first = true;
	int ret = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	/* slots 0 (never used) to the highest handed out */
	end = (uint64_t)slots_used(d) + 1;
	if (end > info.max_entries)
		end = info.max_entries;
	keys = calloc(BATCH, sizeof(*keys));
	vals = calloc(BATCH, sizeof(*vals));
	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	while (read < end) {
		count = end - read < BATCH ? end - read : BATCH;
		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					 keys, vals, &count, &opts)) {
			if ((errno == EINVAL || errno == EOPNOTSUPP) && first)
				goto one_by_one;
			if (errno != ENOENT) {
				ret = -errno;
				goto out;
			}
			read = end;	/* the last batch */
		}
		first = false;
		read += count;
		for (i = 0; i < count; i++) {
			if (!(vals[i].flags & DSLITE_SESS_LIVE))
				continue;
			ret = cb(&vals[i].b4, &vals[i], ctx);
			if (ret)
				goto out;
		}
	}
	goto out;

one_by_one:
	for (k = 1; k < end; k++) {
		if (bpf_map_lookup_elem(fd, &k, &vals[0])) {
			ret = -errno;
			goto out;
		}
		if (!(vals[0].flags & DSLITE_SESS_LIVE))
			continue;
		ret = cb(&vals[0].b4, &vals[0], ctx);
		if (ret)
			goto out;
	}
out:
	free(keys);
	free(vals);
	return ret;
}

/*
 * session_of(sessions_fd, discrs_fd, b4, s): the live session of the B4
 * b4 (its discriminator in dslite_discrs, then its slot). Returns 0,
 * -ENOENT when it has none, or -errno.
 */
static int session_of(int sessions_fd, int discrs_fd,
		      const struct dslite_in6 *b4,
		      struct dslite_aftr_session *s)
{
	struct bpf_map_info info = {};
	__u32 discr, low, len = sizeof(info);

	if (bpf_map_lookup_elem(discrs_fd, b4, &discr))
		return -errno;
	/* the slot bits follow the table's size (N + 1 slots) */
	if (bpf_obj_get_info_by_fd(sessions_fd, &info, &len))
		return -errno;
	low = discr & ((1U << dslite_slot_bits(info.max_entries - 1)) - 1);
	if (bpf_map_lookup_elem(sessions_fd, &low, s))
		return -errno;
	if (!(s->flags & DSLITE_SESS_LIVE) || memcmp(&s->b4, b4, sizeof(*b4)))
		return -ENOENT;	/* being created or deleted right now */
	return 0;
}

/* parse_args(what, argc, argv, ifname, extra): [dev IFNAME] and, when
 * extra is given, one more keyword with a value. */
struct kw_val {
	const char *kw;
	const char *val;
};

static int parse_args(const char *what, int argc, char **argv,
		      char ifname[DSLITECTL_IFNAMSIZ], struct kw_val *extra)
{
	for (; argc > 0; argc--, argv++) {
		const char *kw = argv[0];

		if (kw_is(kw, "dev")) {
			if (ifname[0])
				goto twice;
			if (need_arg(what, argc, argv))
				return DSLITECTL_EXIT_USAGE;
			argc--, argv++;
			if (parse_ifname(what, argv[0], ifname))
				return DSLITECTL_EXIT_USAGE;
		} else if (extra && kw_is(kw, extra->kw)) {
			if (extra->val)
				goto twice;
			if (need_arg(what, argc, argv))
				return DSLITECTL_EXIT_USAGE;
			argc--, argv++;
			extra->val = argv[0];
		} else {
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "unexpected argument \"%s\" (try \"dslitectl aftr help\")",
					     kw);
		}
		continue;
twice:
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "\"%s\" given twice", kw);
	}
	return 0;
}

/*
 * the_devs(what, ifname, names, n): after aftr_prepare(), the device
 * given, or every attached one. Returns 0 or an exit code after printing
 * why.
 */
static int the_devs(const char *what, const char *ifname,
		    char (**names)[DSLITECTL_IFNAMSIZ], size_t *n)
{
	int err;

	err = aftr_prepare(what, NULL);
	if (err)
		return err;
	if (ifname[0]) {
		*names = calloc(1, sizeof(**names));
		if (!*names)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
					     strerror(ENOMEM));
		snprintf((*names)[0], DSLITECTL_IFNAMSIZ, "%s", ifname);
		*n = 1;
		return 0;
	}
	err = aftr_list_devs(names, n);
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				     aftr_ns_dir(), strerror(-err));
	return 0;
}

/*
 * each_dev(what, ifname, fn, arg): fn(what, name, arg) for the device
 * given or every attached one, inside one JSON array; stops at the first
 * exit code, which it returns.
 */
static int each_dev(const char *what, const char *ifname,
		    int (*fn)(const char *what, const char *name, void *arg),
		    void *arg)
{
	char (*names)[DSLITECTL_IFNAMSIZ] = NULL;
	size_t n = 0, i;
	int ret;

	ret = the_devs(what, ifname, &names, &n);
	if (ret)
		return ret;
	print_open_array(NULL);
	for (i = 0; i < n && !ret; i++)
		ret = fn(what, names[i], arg);
	print_close_array();
	if (print_is_json())
		print_end();
	free(names);
	return ret;
}

/* ------------------------------------------------------------------ */
/* sessions                                                             */

struct sess_ctx {
	const char *ifname;
	uint64_t now;
};

static void print_addr(const char *key, const char *fmt, const void *a)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, buf, sizeof(buf));
	print_string(key, fmt, buf);
}

/*
 * The session as the YANG modules see it (JSON only, object "yang"):
 * bfd.Role ("role", RFC 9468 section 3) and the operational leaves of an
 * IP single-hop session of RFC 9314 (ietf-bfd-types' session-running
 * and the session's own), under their YANG names, intervals and the
 * detection time in microseconds, enums as iana-bfd-types spells them.
 * RFC 9468's module adds no per-session leaf beyond these; its
 * per-interface "unsolicited" configuration is the attach of the
 * responder on the interface (Documentation/standards.md).
 */
static void print_yang(const struct dslite_aftr_session *s, uint64_t age)
{
	const struct bfd_session *b = &s->bfd;

	if (!print_is_json())
		return;
	print_open_object("yang");
	print_string("role", NULL, bfd_role_name(bfd_role(b)));
	print_string("path-type", NULL, "ip-sh");
	print_uint("local-discriminator", NULL, b->local_discr);
	print_uint("remote-discriminator", NULL, b->remote_discr);
	print_uint("remote-multiplier", NULL, b->remote_mult);
	print_uint("dest-port", NULL, BFD_PORT_CONTROL);
	print_string("local-state", NULL, bfd_state_iana(b->state));
	print_string("remote-state", NULL, bfd_state_iana(b->remote_state));
	print_string("local-diagnostic", NULL, bfd_diag_iana(b->diag));
	print_string("remote-diagnostic", NULL, bfd_diag_iana(b->remote_diag));
	print_string("detection-mode", NULL,
		     b->remote_echo_rx && b->cfg_echo_rx ? "async-with-echo" :
							   "async-without-echo");
	print_uint("negotiated-tx-interval", NULL, bfd_tx_interval_us(b));
	print_uint("negotiated-rx-interval", NULL,
		   b->remote_tx > b->rx ? b->remote_tx : b->rx);
	print_uint("detection-time", NULL, bfd_detect_time_us(b));
	print_bool("demand-capability", NULL, false, NULL, NULL);
	print_uint("receive-packet-count", NULL, s->rx_packets);
	print_uint("send-packet-count", NULL, s->rx_packets);
	print_uint("state-age-ms", NULL, age / 1000000ULL);
	print_close_object();
}

static int print_session(const struct dslite_in6 *key,
			 const struct dslite_aftr_session *s, void *data)
{
	const struct sess_ctx *c = data;
	const struct bfd_session *b = &s->bfd;
	uint64_t age = c->now > s->changed_ns ? c->now - s->changed_ns : 0;
	uint64_t idle = s->last_seen_ns && c->now > s->last_seen_ns ?
			c->now - s->last_seen_ns : 0;

	print_open_object(NULL);
	print_addr("peer", "peer %s", key->addr);
	print_string("dev", " dev %s", c->ifname);
	print_addr("local", " local %s", s->local.addr);
	print_uint("id", " id %" PRIu64, b->local_discr);
	print_uint("remote-id", " remote-id %" PRIu64, b->remote_discr);
	print_uint("node-id", " node-id %" PRIu64,
		   b->local_discr >> DSLITE_DISCR_NODE_SHIFT);
	print_bool("multihop", NULL, false, NULL, NULL);
	print_bool("passive-mode", NULL, true, NULL, NULL);
	print_string("role", " role %s", bfd_role_name(bfd_role(b)));
	print_string("status", " status %s", bfd_status_name(b->state));
	if (b->state == BFD_STATE_UP)
		print_uint("uptime", " uptime %" PRIu64 "s", age / 1000000000ULL);
	else
		print_uint("downtime", " downtime %" PRIu64 "s",
			   age / 1000000000ULL);
	aftr_print_diags(b->diag, b->remote_state, b->remote_diag,
			 " remote-status %s");
	print_uint("receive-interval", " rx %" PRIu64 "ms", b->rx / 1000);
	print_uint("transmit-interval", " tx %" PRIu64 "ms", b->tx / 1000);
	print_uint("echo-receive-interval", " echo-rx %" PRIu64 "ms",
		   b->cfg_echo_rx / 1000);
	print_uint("echo-transmit-interval", NULL, 0);
	print_uint("detect-multiplier", " multiplier %" PRIu64, b->detect_mult);
	print_uint("remote-receive-interval", " remote-rx %" PRIu64 "ms",
		   b->remote_rx / 1000);
	print_uint("remote-transmit-interval", " remote-tx %" PRIu64 "ms",
		   b->remote_tx / 1000);
	print_uint("remote-echo-receive-interval", NULL,
		   b->remote_echo_rx / 1000);
	print_uint("remote-detect-multiplier", " remote-multiplier %" PRIu64,
		   b->remote_mult);
	print_uint("rx-packets", " rx-packets %" PRIu64, s->rx_packets);
	/* every valid control packet is answered once */
	print_uint("tx-packets", " tx-packets %" PRIu64, s->rx_packets);
	print_uint("idle-ms", NULL, idle / 1000000ULL);
	print_yang(s, age);
	print_close_object();
	if (!print_is_json())
		print_end();
	return 0;
}

int aftr_sessions(int argc, char **argv)
{
	const char *what = "aftr sessions";
	char ifname[DSLITECTL_IFNAMSIZ] = "";
	char (*names)[DSLITECTL_IFNAMSIZ] = NULL;
	struct kw_val peer = { .kw = "peer" };
	struct dslite_in6 key;
	struct sess_ctx c;
	size_t n = 0, i;
	int ret;

	ret = parse_args(what, argc, argv, ifname, &peer);
	if (ret)
		return ret;
	if (peer.val && inet_pton(AF_INET6, peer.val, key.addr) != 1)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "peer \"%s\" is not an IPv6 address",
				     peer.val);
	ret = the_devs(what, ifname, &names, &n);
	if (ret)
		return ret;

	print_open_array(NULL);
	for (i = 0; i < n && !ret; i++) {
		struct dslite_aftr_session s;
		struct aftr_dev d;
		int fd, dfd = -1, err;

		ret = aftr_dev_open(what, names[i], &d);
		if (ret)
			break;
		fd = aftr_dev_map(&d, DSLITE_MAP_SESSIONS);
		if (fd >= 0 && peer.val) {
			dfd = aftr_dev_map(&d, DSLITE_MAP_DISCRS);
			if (dfd < 0) {
				close(fd);
				fd = -1;
			}
		}
		if (fd < 0) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "%s/%s: %s", d.dir, peer.val && dfd < 0 ?
					    DSLITE_MAP_DISCRS : DSLITE_MAP_SESSIONS,
					    strerror(errno));
			aftr_dev_close(&d);
			break;
		}
		c.ifname = names[i];
		c.now = mono_ns();
		if (peer.val) {
			err = session_of(fd, dfd, &key, &s);
			if (!err)
				print_session(&key, &s, &c);
			else if (err == -ENOENT)
				err = 0;
			close(dfd);
		} else {
			err = aftr_for_each_session(&d, fd, print_session, &c);
		}
		if (err)
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "reading the sessions of %s: %s",
					    names[i], strerror(-err));
		close(fd);
		aftr_dev_close(&d);
	}
	print_close_array();
	if (print_is_json())
		print_end();
	free(names);
	return ret;
}

/* ------------------------------------------------------------------ */
/* stats                                                                */

static int count_one(const struct dslite_in6 *key,
		     const struct dslite_aftr_session *s, void *data)
{
	(void)key;
	(void)s;
	(*(uint64_t *)data)++;
	return 0;
}

/* memlock(fd): the kernel's memory accounting of a map, 0 if unknown. */
static uint64_t memlock(int fd)
{
	char path[64], line[256];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %" SCNu64, &v) == 1)
			break;
	fclose(f);
	return v;
}

/* the memory of every pinned map but the sessions' and the counters' */
static uint64_t other_maps_memlock(const struct aftr_dev *d)
{
	struct dirent *de;
	uint64_t mem = 0;
	DIR *dir;
	int fd;

	dir = opendir(d->dir);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, AFTR_LINK_PIN) ||
		    !strcmp(de->d_name, DSLITE_MAP_SESSIONS) ||
		    !strcmp(de->d_name, DSLITE_MAP_COUNTERS))
			continue;
		fd = aftr_dev_map(d, de->d_name);
		if (fd < 0)
			continue;
		mem += memlock(fd);
		close(fd);
	}
	closedir(dir);
	return mem;
}

static int dev_stats(const char *what, const char *ifname)
{
	uint64_t sum[DSLITE_CNT__MAX] = {}, sessions = 0, mem = 0;
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int ncpu, fd, i, c, err, ret = 0;
	__u64 *vals = NULL;
	struct aftr_dev d;
	__u32 zero = 0;

	ret = aftr_dev_open(what, ifname, &d);
	if (ret)
		return ret;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "counting the CPUs: %s", strerror(-ncpu));
		goto out;
	}
	fd = aftr_dev_map(&d, DSLITE_MAP_COUNTERS);
	vals = calloc(ncpu, sizeof(__u64) * DSLITE_CNT__MAX);
	if (fd < 0 || !vals || bpf_map_lookup_elem(fd, &zero, vals)) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "reading %s/%s: %s", d.dir,
				    DSLITE_MAP_COUNTERS, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < DSLITE_CNT__MAX; i++)
			sum[i] += vals[c * DSLITE_CNT__MAX + i];
	mem += memlock(fd);
	close(fd);

	fd = aftr_dev_map(&d, DSLITE_MAP_SESSIONS);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s/%s: %s",
				    d.dir, DSLITE_MAP_SESSIONS, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	err = aftr_for_each_session(&d, fd, count_one, &sessions);
	mem += memlock(fd);
	close(fd);
	if (err) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "counting the sessions of %s: %s", ifname,
				    strerror(-err));
		goto out;
	}
	mem += other_maps_memlock(&d);

	print_open_object(NULL);
	print_string("dev", "%s:", ifname);
	print_bool("attached", " %s", d.live, "attached", "not attached");
	if (d.live) {
		print_uint("ifindex", " ifindex %" PRIu64, d.ifindex);
		print_uint("prog-id", " prog-id %" PRIu64, d.prog_id);
		print_uint("link-id", " link-id %" PRIu64, d.link_id);
	}
	print_uint("sessions", " sessions %" PRIu64, sessions);
	/* slot 0 is never used */
	print_uint("sessions-max", " sessions-max %" PRIu64,
		   info.max_entries ? info.max_entries - 1 : 0);
	print_uint("memory", " memory %" PRIu64, mem);
	print_text("\n");
	print_open_object("counters");
	for (i = 0; i < DSLITE_CNT__MAX; i++) {
		print_text("    %-26s ", dslite_aftr_counter_names[i]);
		print_uint(dslite_aftr_counter_names[i], "%" PRIu64, sum[i]);
		if (i != DSLITE_CNT__MAX - 1)
			print_text("\n");
	}
	print_close_object();
	print_close_object();
	if (!print_is_json())
		print_end();
out:
	free(vals);
	aftr_dev_close(&d);
	return ret;
}

static int stats_cb(const char *what, const char *name, void *arg)
{
	(void)arg;
	return dev_stats(what, name);
}

int aftr_stats(int argc, char **argv)
{
	const char *what = "aftr stats";
	char ifname[DSLITECTL_IFNAMSIZ] = "";
	int ret;

	ret = parse_args(what, argc, argv, ifname, NULL);
	if (ret)
		return ret;
	return each_dev(what, ifname, stats_cb, NULL);
}

/* ------------------------------------------------------------------ */
/* mtu                                                                  */

/* Records read per batch lookup (a hash bucket must fit in one). */
#define MTU_BATCH	8192

/*
 * dev_mtu(what, ifname, now_s): the valid records of dslite_mtu of one
 * device (an expired one no longer counts: the XDP program ignores it
 * until a PTB overwrites it or the LRU evicts it). 0 or an exit code.
 */
static int dev_mtu(const char *what, const char *ifname, uint32_t now_s)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct dslite_mtu_rec *vals = NULL;
	struct dslite_in6 *keys = NULL;
	__u32 count, i, token[4] = {};
	bool first = true, done = false;
	struct aftr_dev d;
	int fd, ret;

	ret = aftr_dev_open(what, ifname, &d);
	if (ret)
		return ret;
	fd = aftr_dev_map(&d, DSLITE_MAP_MTU);
	if (fd < 0) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s/%s: %s%s",
				    d.dir, DSLITE_MAP_MTU, strerror(errno),
				    errno == ENOENT ?
				    " (attached by a dslitectl without the per-softwire MTU: attach again)" : "");
		goto out;
	}
	keys = calloc(MTU_BATCH, sizeof(*keys));
	vals = calloc(MTU_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				    strerror(ENOMEM));
		goto out;
	}
	while (!done) {
		count = MTU_BATCH;
		if (bpf_map_lookup_batch(fd, first ? NULL : token, token, keys,
					 vals, &count, &opts)) {
			if (errno != ENOENT) {
				ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
						    "reading %s/%s: %s", d.dir,
						    DSLITE_MAP_MTU,
						    strerror(errno));
				goto out;
			}
			done = true;
		}
		first = false;
		for (i = 0; i < count; i++) {
			if (!dslite_mtu_valid(&vals[i], now_s))
				continue;
			print_open_object(NULL);
			print_addr("b4", "b4 %s", keys[i].addr);
			print_string("dev", " dev %s", ifname);
			print_uint("mtu", " mtu %" PRIu64, vals[i].mtu);
			print_uint("mss", " mss %" PRIu64,
				   dslite_mtu_mss(vals[i].mtu));
			print_string("source", " source %s",
				     dslite_mtu_source_name(vals[i].source));
			print_uint("expires", " expires %" PRIu64 "s",
				   vals[i].expires_s - now_s);
			print_close_object();
			if (!print_is_json())
				print_end();
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(keys);
	free(vals);
	aftr_dev_close(&d);
	return ret;
}

static int mtu_cb(const char *what, const char *name, void *arg)
{
	return dev_mtu(what, name, *(uint32_t *)arg);
}

int aftr_mtu(int argc, char **argv)
{
	const char *what = "aftr mtu";
	char ifname[DSLITECTL_IFNAMSIZ] = "";
	uint32_t now_s;
	int ret;

	ret = parse_args(what, argc, argv, ifname, NULL);
	if (ret)
		return ret;
	/* the records' clock: CLOCK_MONOTONIC seconds (bpf/mtu.h) */
	now_s = mono_ns() / 1000000000ULL;
	return each_dev(what, ifname, mtu_cb, &now_s);
}
