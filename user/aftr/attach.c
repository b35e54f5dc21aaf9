// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr: load the AFTR's XDP responder on an IPv6 uplink (attach),
 * remove it (detach); the shared helpers of the aftr commands.
 *
 * attach follows bpf/dslite_aftr.h: open the skeleton, set the rodata
 * configuration, size or reuse the maps, load, fill dslite_allow and
 * dslite_local, run dslite_aftr_arm, attach through a bpf_link, and pin
 * the link and the maps under DSLITE_PIN_ROOT/netns-COOKIE/IFNAME (COOKIE:
 * the network namespace's SO_NETNS_COOKIE, never reused, so a namespace
 * created later cannot mistake a vanished one's pins for its own). Everything the
 * command line says is checked before anything is created, and the pins
 * come last: an attach that fails leaves the directory as it found it.
 *
 * The maps that hold state (sessions, discriminators, rate limiter,
 * counters, events, timer) are reused when a previous attach left them
 * pinned without a live link (the link was removed, its device went away,
 * or an attach died half-way), so established sessions survive.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"
#include "dslite_aftr.skel.h"

#include "aftr.h"
#include "anycast.h"
#include "json.h"

/* Limits of the attach arguments. */
#define MAX_SESSIONS		DSLITE_MAX_SESSIONS
#define MAX_INTERVAL_MS		3600000U	/* one hour, fits in u32 us */
#define MAX_SWEEP_MS		1000U		/* timeouts within detect + 1 s */
#define MAX_NEW_RATE		1000000000U
#define MAX_MAPS		32		/* maps of the responder object */

/* ------------------------------------------------------------------ */
/* Shared helpers                                                       */

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void aftr_set_libbpf_print(void)
{
	const char *v = getenv("DSLITECTL_VERBOSE");

	verbose = dslitectl_opts.verbose || (v && v[0] && strcmp(v, "0"));
	libbpf_set_print(libbpf_print);
}

void aftr_mono_to_real(uint64_t ns, char *buf, size_t len)
{
	struct timespec rt, mono;
	int64_t off, t;
	struct tm tm;
	time_t sec;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	off = ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000LL +
	      (rt.tv_nsec - mono.tv_nsec);
	t = (int64_t)ns + off;
	sec = t / 1000000000LL;
	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(t % 1000000000LL / 1000000));
}

const char *aftr_status_name(unsigned int state)
{
	switch (state) {
	case BFD_STATE_ADMIN_DOWN:
		return "shutdown";
	case BFD_STATE_DOWN:
		return "down";
	case BFD_STATE_INIT:
		return "init";
	case BFD_STATE_UP:
		return "up";
	}
	return "unknown";
}

/* The directory that must be a BPF file system: DSLITE_PIN_ROOT's parent. */
#define BPFFS_DIR	"/sys/fs/bpf"

int aftr_bpffs_check(const char *what)
{
	struct statfs st;

	if (statfs(BPFFS_DIR, &st))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: %s (a BPF file system must be mounted there)",
				     BPFFS_DIR, strerror(errno));
	if (st.f_type != BPF_FS_MAGIC)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s is not a BPF file system (mount -t bpf bpf %s; note that \"ip netns exec\" hides the host's mount)",
				     BPFFS_DIR, BPFFS_DIR);
	return 0;
}

/* this network namespace's pin directory, DSLITE_PIN_ROOT/netns-COOKIE */
static char ns_dir[64];

const char *aftr_ns_dir(void)
{
	uint64_t cookie;

	if (!ns_dir[0]) {
		if (netns_cookie(&cookie))
			cookie = 0;	/* no SO_NETNS_COOKIE (before 5.14) */
		snprintf(ns_dir, sizeof(ns_dir), "%s/%s%" PRIu64,
			 DSLITE_PIN_ROOT, AFTR_NETNS_PREFIX, cookie);
	}
	return ns_dir;
}

void aftr_pin_path(const char *ifname, const char *name, char *buf,
		   size_t len)
{
	if (name)
		snprintf(buf, len, "%s/%s/%s", aftr_ns_dir(), ifname, name);
	else
		snprintf(buf, len, "%s/%s", aftr_ns_dir(), ifname);
}

static void dev_path(const char *ifname, const char *name, char *buf,
		     size_t len)
{
	aftr_pin_path(ifname, name, buf, len);
}

/*
 * open_link(path, d): the pinned link at path, if any, into d. Returns 0
 * (no link: d->link_fd stays -1) or -errno for a pin that is not an XDP
 * link.
 */
static int open_link(const char *path, struct aftr_dev *d)
{
	struct bpf_link_info info = {};
	uint32_t len = sizeof(info);
	int fd;

	d->link_fd = -1;
	d->live = false;
	d->ifindex = d->prog_id = d->link_id = 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (info.type != BPF_LINK_TYPE_XDP) {
		close(fd);
		return -EINVAL;
	}
	d->link_fd = fd;
	d->link_id = info.id;
	d->prog_id = info.prog_id;
	d->ifindex = info.xdp.ifindex;
	d->live = info.xdp.ifindex != 0;
	return 0;
}

int aftr_dev_open(const char *what, const char *ifname, struct aftr_dev *d)
{
	char path[PATH_MAX];
	struct stat st;
	int err;

	memset(d, 0, sizeof(*d));
	d->link_fd = -1;
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	dev_path(ifname, NULL, d->dir, sizeof(d->dir));
	if (stat(d->dir, &st)) {
		if (errno != ENOENT && errno != ENOTDIR)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: %s", d->dir, strerror(errno));
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: not attached", ifname);
	}
	if (!S_ISDIR(st.st_mode))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: not attached", ifname);
	dev_path(ifname, AFTR_LINK_PIN, path, sizeof(path));
	err = open_link(path, d);
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: not an XDP link: %s", path,
				     strerror(-err));
	return 0;
}

void aftr_dev_close(struct aftr_dev *d)
{
	if (d->link_fd >= 0)
		close(d->link_fd);
	d->link_fd = -1;
}

int aftr_dev_map(const struct aftr_dev *d, const char *name)
{
	char path[PATH_MAX];

	dev_path(d->ifname, name, path, sizeof(path));
	return bpf_obj_get(path);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int aftr_list_devs(char (**names)[DSLITECTL_IFNAMSIZ], size_t *n)
{
	char (*v)[DSLITECTL_IFNAMSIZ] = NULL, (*nv)[DSLITECTL_IFNAMSIZ];
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	*names = NULL;
	*n = 0;
	dir = opendir(aftr_ns_dir());
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR ||
		    strlen(de->d_name) >= DSLITECTL_IFNAMSIZ)
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
		}
		snprintf(v[cnt++], DSLITECTL_IFNAMSIZ, "%s", de->d_name);
	}
	closedir(dir);
	if (cnt)
		qsort(v, cnt, sizeof(*v), by_name);
	*names = v;
	*n = cnt;
	return 0;
}

/*
 * lock_root(what): create DSLITE_PIN_ROOT if needed and hold an exclusive
 * lock on it until exit, so attaches and detaches do not interleave.
 * Returns the fd, or -1 after printing why.
 */
static int lock_root(const char *what)
{
	int fd;

	if (mkdir(DSLITE_PIN_ROOT, 0700) && errno != EEXIST) {
		dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
			      DSLITE_PIN_ROOT, strerror(errno));
		return -1;
	}
	fd = open(DSLITE_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
			      DSLITE_PIN_ROOT, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

/* ------------------------------------------------------------------ */
/* Pins of other namespaces, of vanished devices, of the old layout     */

/* is_ns_dir(name): a directory name of the netns-COOKIE form */
static bool is_ns_dir(const char *name)
{
	size_t n = strlen(AFTR_NETNS_PREFIX);

	return !strncmp(name, AFTR_NETNS_PREFIX, n) && name[n] &&
	       strspn(name + n, "0123456789") == strlen(name + n);
}

/*
 * runs_here(d, name): the live link of d is attached to a device of this
 * network namespace (the device with its ifindex here runs its program);
 * name gets the device's name here.
 */
static bool runs_here(const struct aftr_dev *d, char name[IF_NAMESIZE])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (!d->live || !if_indextoname(d->ifindex, name))
		return false;
	if (bpf_xdp_query(d->ifindex, 0, &q))
		return false;
	return d->prog_id && (q.prog_id == d->prog_id ||
			      q.drv_prog_id == d->prog_id ||
			      q.skb_prog_id == d->prog_id ||
			      q.hw_prog_id == d->prog_id);
}

/* remove_dir(path): unlink every pin of path, then path. 0 or -errno. */
static int remove_dir(const char *path)
{
	struct dirent *de;
	int err = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) && errno != ENOENT)
			err = -errno;
	}
	closedir(dir);
	if (!err && rmdir(path) && errno != ENOENT)
		err = -errno;
	return err;
}

/*
 * adopt(what, from, name): move the pin directory from (another
 * namespace's, or of the old layout) to this namespace's, as name.
 * Returns 0 or an exit code.
 */
static int adopt(const char *what, const char *from, const char *name,
		 bool quiet)
{
	char to[PATH_MAX];

	if (mkdir(aftr_ns_dir(), 0700) && errno != EEXIST)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				     aftr_ns_dir(), strerror(errno));
	aftr_pin_path(name, NULL, to, sizeof(to));
	if (rename(from, to))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "moving %s to %s: %s", from, to,
				     strerror(errno));
	if (!quiet)
		printf("%s: adopted %s as %s (the device runs in this network namespace)\n",
		       name, from, to);
	return 0;
}

/*
 * sweep_dir(what, path, here, prune): one device's pin directory. A
 * directory whose link is gone or not attached (its device, or the whole
 * namespace, vanished) is removed when prune is set; one whose link runs
 * on a device of this namespace but that lies elsewhere (the old layout,
 * or a device moved here) is moved under this namespace's directory.
 * Returns 0 or an exit code.
 */
static int sweep_dir(const char *what, const char *path, bool here,
		     bool prune)
{
	char lpath[PATH_MAX], name[IF_NAMESIZE];
	struct aftr_dev d = { .link_fd = -1 };
	int err, ret = 0;

	snprintf(lpath, sizeof(lpath), "%s/%s", path, AFTR_LINK_PIN);
	err = open_link(lpath, &d);
	if (err)
		return prune ? dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: not an XDP link (%s): left as it is",
					     lpath, strerror(-err)) : 0;
	if (d.live && runs_here(&d, name)) {
		if (!here)
			ret = adopt(what, path, name, !prune);
	} else if (!d.live && prune) {
		err = remove_dir(path);
		if (err)
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "removing %s: %s", path,
					    strerror(-err));
		else
			printf("removed %s (%s)\n", path,
			       d.link_fd < 0 ? "no link pinned" :
			       "its device is gone");
	}
	aftr_dev_close(&d);
	return ret;
}

/*
 * sweep(what, prune): every pin directory under DSLITE_PIN_ROOT, of every
 * namespace and of the old layout (DSLITE_PIN_ROOT/IFNAME), through
 * sweep_dir(). Namespace directories left empty are removed. The caller
 * holds the lock.
 */
static int sweep(const char *what, bool prune)
{
	char path[512], sub[PATH_MAX];
	struct dirent *de, *se;
	DIR *root, *ns;
	int ret = 0, r;

	root = opendir(DSLITE_PIN_ROOT);
	if (!root)
		return 0;
	while ((de = readdir(root))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", DSLITE_PIN_ROOT,
			 de->d_name);
		if (!is_ns_dir(de->d_name)) {
			/* the old layout: one directory per interface name */
			r = sweep_dir(what, path, false, prune);
			ret = ret ? ret : r;
			continue;
		}
		ns = opendir(path);
		if (!ns)
			continue;
		while ((se = readdir(ns))) {
			if (se->d_name[0] == '.' || se->d_type != DT_DIR)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, se->d_name);
			r = sweep_dir(what, sub, !strcmp(path, aftr_ns_dir()),
				      prune);
			ret = ret ? ret : r;
		}
		closedir(ns);
		if (prune)
			rmdir(path);	/* only when empty */
	}
	closedir(root);
	return ret;
}

/*
 * legacy_pins(): DSLITE_PIN_ROOT holds a directory of the old layout
 * (DSLITE_PIN_ROOT/IFNAME, before namespaces were told apart).
 */
static bool legacy_pins(void)
{
	struct dirent *de;
	bool found = false;
	DIR *root;

	root = opendir(DSLITE_PIN_ROOT);
	if (!root)
		return false;
	while (!found && (de = readdir(root)))
		found = de->d_name[0] != '.' && de->d_type == DT_DIR &&
			!is_ns_dir(de->d_name);
	closedir(root);
	return found;
}

static int lock_root(const char *what);

/*
 * migrate(what): move the old layout's pin directories whose responder
 * runs on a device of this namespace to this namespace's directory, so
 * an upgrade keeps every responder and its sessions. The others wait for
 * a command in their own namespace, or for "aftr prune" once dead.
 */
static void migrate(const char *what)
{
	int fd;

	if (!legacy_pins())
		return;
	fd = lock_root(what);
	if (fd < 0)
		return;
	sweep(what, false);
	close(fd);
}

static int prune(int argc, char **argv)
{
	const char *what = "aftr prune";
	int ret, lock_fd;

	if (argc > 0)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "unexpected argument \"%s\" (try \"dslitectl aftr help\")",
				     argv[0]);
	ret = aftr_bpffs_check(what);
	if (ret)
		return ret;
	aftr_set_libbpf_print();
	lock_fd = lock_root(what);
	if (lock_fd < 0)
		return DSLITECTL_EXIT_ERROR;
	ret = sweep(what, true);
	close(lock_fd);
	fflush(stdout);
	return ret;
}

/* ------------------------------------------------------------------ */
/* attach                                                               */

struct attach_args {
	char ifname[DSLITECTL_IFNAMSIZ];
	struct dslite_aftr_cfg cfg;	/* the values given (see have[]) */
	uint32_t interval_ms, tx_ms, rx_ms;
	struct dslite_lpm6_key *allow;
	size_t n_allow;
	uint32_t xdp_flags;
	uint32_t sessions;		/* 0: default or the pinned size */
	bool have[16];			/* keyword given (twice is an error) */
	struct aftr_anycast anycast;	/* anycast group membership */
};

/* numeric keywords: where the value goes, its unit and range */
enum num_kw {
	KW_SESSIONS,
	KW_INTERVAL,
	KW_TX_INTERVAL,
	KW_RX_INTERVAL,
	KW_ECHO_INTERVAL,
	KW_MULTIPLIER,
	KW_NEW_RATE,
	KW_NEW_BURST,
	KW_NODE_ID,
	KW_SWEEP,
	KW_DOWN_IDLE,
	KW_EMBRYONIC_IDLE,
	KW__NUM,
	KW_ADDR = KW__NUM,
	KW_MODE,
	KW_DEV,
};

static const struct {
	const char *kw;
	uint64_t min, max;
	const char *unit;
} num_kws[KW__NUM] = {
	[KW_SESSIONS]		= { "sessions", 1, MAX_SESSIONS, "" },
	[KW_INTERVAL]		= { "interval", 1, MAX_INTERVAL_MS, "ms" },
	[KW_TX_INTERVAL]	= { "tx-interval", 1, MAX_INTERVAL_MS, "ms" },
	[KW_RX_INTERVAL]	= { "rx-interval", 1, MAX_INTERVAL_MS, "ms" },
	[KW_ECHO_INTERVAL]	= { "echo-interval", 0, MAX_INTERVAL_MS, "ms" },
	[KW_MULTIPLIER]		= { "multiplier", 1, 255, "" },
	[KW_NEW_RATE]		= { "new-rate", 0, MAX_NEW_RATE, "per second" },
	[KW_NEW_BURST]		= { "new-burst", 1, UINT32_MAX, "" },
	[KW_NODE_ID]		= { "node-id", 0, 255, "" },
	[KW_SWEEP]		= { "sweep-interval", 1, MAX_SWEEP_MS, "ms" },
	[KW_DOWN_IDLE]		= { "down-idle", 0, UINT32_MAX, "ms" },
	[KW_EMBRYONIC_IDLE]	= { "embryonic-idle", 0, UINT32_MAX, "ms" },
};

/*
 * parse_prefix(s, key): "IPV6ADDR[/LEN]" with no bits set beyond LEN.
 * Returns 0 or -1; *why says what is wrong.
 */
static int parse_prefix(const char *s, struct dslite_lpm6_key *key,
			const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	uint64_t len = 128;
	struct in6_addr a;
	unsigned int i;

	*why = "not an IPv6 prefix (ADDR/LEN)";
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if (slash) {
		buf[slash - s] = '\0';
		if (parse_uint(slash + 1, 128, &len)) {
			*why = "the prefix length must be 0..128";
			return -1;
		}
	}
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return -1;
	for (i = len; i < 128; i++) {
		if (a.s6_addr[i / 8] & (0x80 >> (i % 8))) {
			*why = "bits are set beyond the prefix length";
			return -1;
		}
	}
	key->prefixlen = len;
	memcpy(key->addr, &a, 16);
	return 0;
}

static int parse_attach(const char *what, int argc, char **argv,
			struct attach_args *a)
{
	uint64_t v;
	int k;

	for (; argc > 0; argc--, argv++) {
		const char *kw = argv[0], *val;

		for (k = 0; k < KW__NUM; k++)
			if (kw_is(kw, num_kws[k].kw))
				break;
		if (k == KW__NUM) {
			if (kw_is(kw, "addr"))
				k = KW_ADDR;
			else if (kw_is(kw, "mode"))
				k = KW_MODE;
			else if (kw_is(kw, "dev"))
				k = KW_DEV;
			else if (aftr_anycast_kw(kw))
				k = -2;
			else if (!kw_is(kw, "allow"))
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "unexpected argument \"%s\" (try \"dslitectl aftr help\")",
						     kw);
			else
				k = -1;
		}
		if (need_arg(what, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		argc--, argv++;
		val = argv[0];
		if (k >= 0) {
			if (a->have[k])
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "\"%s\" given twice", kw);
			a->have[k] = true;
		}

		if (k == -2) {
			int r = aftr_anycast_parse(what, kw, val, &a->anycast);

			if (r)
				return r;
		} else if (k < 0) {
			struct dslite_lpm6_key *n;
			const char *why;

			if (a->n_allow >= DSLITE_DEF_ALLOW)
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "at most %d allow prefixes",
						     DSLITE_DEF_ALLOW);
			n = realloc(a->allow, (a->n_allow + 1) * sizeof(*n));
			if (!n)
				return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
						     "%s", strerror(ENOMEM));
			a->allow = n;
			if (parse_prefix(val, &a->allow[a->n_allow], &why))
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "allow \"%s\": %s", val, why);
			a->n_allow++;
		} else if (k == KW_DEV) {
			if (parse_ifname(what, val, a->ifname))
				return DSLITECTL_EXIT_USAGE;
		} else if (k == KW_ADDR) {
			struct in_addr in;

			if (inet_pton(AF_INET, val, &in) != 1)
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "addr \"%s\" is not an IPv4 address",
						     val);
			if (in.s_addr == 0 || IN_MULTICAST(ntohl(in.s_addr)) ||
			    in.s_addr == INADDR_BROADCAST)
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "addr %s is not a unicast address",
						     val);
			a->cfg.aftr_addr = in.s_addr;
		} else if (k == KW_MODE) {
			if (kw_is(val, "native"))
				a->xdp_flags = XDP_FLAGS_DRV_MODE;
			else if (kw_is(val, "generic"))
				a->xdp_flags = XDP_FLAGS_SKB_MODE;
			else
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "mode must be \"native\" or \"generic\", not \"%s\"",
						     val);
		} else {
			if (parse_uint(val, UINT64_MAX, &v) ||
			    v < num_kws[k].min || v > num_kws[k].max)
				return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
						     "%s must be a number %" PRIu64 "..%" PRIu64 "%s%s, not \"%s\"",
						     kw, num_kws[k].min,
						     num_kws[k].max,
						     num_kws[k].unit[0] ? " " : "",
						     num_kws[k].unit, val);
			switch (k) {
			case KW_SESSIONS:
				a->sessions = v;
				break;
			case KW_INTERVAL:
				a->interval_ms = v;
				break;
			case KW_TX_INTERVAL:
				a->tx_ms = v;
				break;
			case KW_RX_INTERVAL:
				a->rx_ms = v;
				break;
			case KW_ECHO_INTERVAL:
				a->cfg.required_min_echo_rx_us = v * 1000;
				break;
			case KW_MULTIPLIER:
				a->cfg.detect_mult = v;
				break;
			case KW_NEW_RATE:
				a->cfg.new_sessions_per_sec = v;
				break;
			case KW_NEW_BURST:
				a->cfg.new_sessions_burst = v;
				break;
			case KW_NODE_ID:
				a->cfg.node_id = v;
				break;
			case KW_SWEEP:
				a->cfg.sweep_interval_ms = v;
				break;
			case KW_DOWN_IDLE:
				a->cfg.down_idle_ms = v;
				break;
			case KW_EMBRYONIC_IDLE:
				a->cfg.embryonic_idle_ms = v;
				break;
			}
		}
	}
	if (!a->ifname[0])
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "missing \"dev IFNAME\"");
	return aftr_anycast_check(what, &a->anycast, a->ifname,
				  a->have[KW_NODE_ID]);
}

/*
 * apply_cfg(c, a): the options given on the command line over the
 * object's own defaults in c (its rodata); tx-interval and rx-interval
 * take precedence over interval.
 */
static void apply_cfg(struct dslite_aftr_cfg *c, const struct attach_args *a)
{
	if (a->have[KW_ADDR])
		c->aftr_addr = a->cfg.aftr_addr;
	if (a->interval_ms)
		c->desired_min_tx_us = c->required_min_rx_us =
			a->interval_ms * 1000;
	if (a->tx_ms)
		c->desired_min_tx_us = a->tx_ms * 1000;
	if (a->rx_ms)
		c->required_min_rx_us = a->rx_ms * 1000;
	if (a->have[KW_ECHO_INTERVAL])
		c->required_min_echo_rx_us = a->cfg.required_min_echo_rx_us;
	if (a->have[KW_MULTIPLIER])
		c->detect_mult = a->cfg.detect_mult;
	if (a->have[KW_NEW_RATE])
		c->new_sessions_per_sec = a->cfg.new_sessions_per_sec;
	if (a->have[KW_NEW_BURST])
		c->new_sessions_burst = a->cfg.new_sessions_burst;
	if (a->have[KW_NODE_ID])
		c->node_id = a->cfg.node_id;
	if (a->have[KW_SWEEP])
		c->sweep_interval_ms = a->cfg.sweep_interval_ms;
	if (a->have[KW_DOWN_IDLE])
		c->down_idle_ms = a->cfg.down_idle_ms;
	if (a->have[KW_EMBRYONIC_IDLE])
		c->embryonic_idle_ms = a->cfg.embryonic_idle_ms;
	c->allowlist = a->n_allow > 0;
}

/* What attach found pinned, and what it created. */
struct attach_state {
	struct dslite_aftr *skel;
	int n_maps;
	struct bpf_map *maps[MAX_MAPS];	/* every map but .rodata & co. */
	int pinned_fd[MAX_MAPS];	/* reused pinned map, or -1 */
	bool created_pin[MAX_MAPS];
	int sessions, discrs, state;	/* indexes of the maps by role */
	int events, allow, local;
	struct aftr_dev old;		/* a link pinned before (not live) */
	bool created_dir;
	bool link_pinned;
	int link_fd;
};

static const char *map_name(const struct attach_state *st, int i)
{
	return bpf_map__name(st->maps[i]);
}

/*
 * check_pinned(what, a, st, i): map i is pinned (st->pinned_fd[i]); make
 * sure this program can use it, and take its size. Returns 0 or an exit
 * code after printing why.
 */
static int check_pinned(const char *what, struct attach_args *a,
			struct attach_state *st, int i)
{
	struct bpf_map *m = st->maps[i];
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	bool table = i == st->sessions || i == st->discrs;
	uint32_t n;

	if (bpf_obj_get_info_by_fd(st->pinned_fd[i], &info, &len))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s/%s: %s", st->old.dir, map_name(st, i),
				     strerror(errno));
	/* a layout of another version (before the slot array the session
	 * table was a hash keyed by the B4 address) */
	if (info.type != bpf_map__type(m) ||
	    info.key_size != bpf_map__key_size(m) ||
	    info.value_size != bpf_map__value_size(m) ||
	    info.map_flags != bpf_map__map_flags(m) ||
	    (!table && i != st->events && m != st->skel->maps.dslite_deadlines &&
	     info.max_entries != bpf_map__max_entries(m)) ||
	    (i == st->sessions && info.max_entries < 2))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: the pinned map %s has the layout of another version of the responder (\"dslitectl aftr detach dev %s\" first; it drops the sessions)",
				     a->ifname, map_name(st, i), a->ifname);
	if (table) {
		/* the slot array has one slot more: slot 0 is unused */
		n = i == st->sessions ? info.max_entries - 1 : info.max_entries;
		if (a->sessions && a->sessions != n)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: the pinned session table holds %u sessions, not %u (resizing needs \"dslitectl aftr detach dev %s\" first, which drops the sessions)",
					     a->ifname, n, a->sessions, a->ifname);
		a->sessions = n;
	}
	return 0;
}

/*
 * find_maps(what, st): every map of the object, by role. Returns 0 or an
 * exit code after printing why.
 */
static int find_maps(const char *what, struct attach_state *st)
{
	struct bpf_map *m;
	int i;

	st->sessions = st->discrs = st->state = -1;
	st->events = st->allow = st->local = -1;
	bpf_object__for_each_map(m, st->skel->obj) {
		const char *n = bpf_map__name(m);

		if (bpf_map__is_internal(m))
			continue;
		if (st->n_maps == MAX_MAPS)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "the responder object has more than %d maps",
					     MAX_MAPS);
		i = st->n_maps++;
		st->maps[i] = m;
		if (!strcmp(n, DSLITE_MAP_SESSIONS))
			st->sessions = i;
		else if (!strcmp(n, DSLITE_MAP_DISCRS))
			st->discrs = i;
		else if (!strcmp(n, DSLITE_MAP_STATE))
			st->state = i;
		else if (!strcmp(n, DSLITE_MAP_EVENTS))
			st->events = i;
		else if (!strcmp(n, DSLITE_MAP_ALLOW))
			st->allow = i;
		else if (!strcmp(n, DSLITE_MAP_LOCAL))
			st->local = i;
	}
	if (st->sessions < 0 || st->discrs < 0 || st->state < 0 ||
	    st->events < 0 || st->allow < 0 || st->local < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "the responder object lacks one of its maps");
	return 0;
}

/* fill_local(what, a, fd): the interface's global IPv6 addresses. */
static int fill_local(const char *what, const struct attach_args *a, int fd,
		      unsigned int *n)
{
	struct ifaddrs *ifa, *p;
	__u32 flags = DSLITE_LOCAL_PING;
	int ret = 0;

	*n = 0;
	if (getifaddrs(&ifa))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "listing the addresses of %s: %s",
				     a->ifname, strerror(errno));
	for (p = ifa; p; p = p->ifa_next) {
		const struct sockaddr_in6 *sin6;
		struct dslite_in6 key;

		if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET6 ||
		    strcmp(p->ifa_name, a->ifname))
			continue;
		sin6 = (const struct sockaddr_in6 *)p->ifa_addr;
		if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			continue;
		if (*n >= DSLITE_DEF_LOCAL) {
			dslitectl_err(0, what,
				      "%s has more than %d global IPv6 addresses; ICMPv6 echo is answered for the first %d only",
				      a->ifname, DSLITE_DEF_LOCAL,
				      DSLITE_DEF_LOCAL);
			break;
		}
		memcpy(key.addr, &sin6->sin6_addr, 16);
		if (bpf_map_update_elem(fd, &key, &flags, BPF_ANY)) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "filling %s: %s", DSLITE_MAP_LOCAL,
					    strerror(errno));
			break;
		}
		(*n)++;
	}
	freeifaddrs(ifa);
	return ret;
}

/* clear_map(fd, key_size): delete every entry (a reused allow/local). */
static int clear_map(int fd, size_t key_size)
{
	uint8_t key[64];

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

/* arm(prog_fd): run dslite_aftr_arm once; its retval says XDP_PASS. */
static int arm(int prog_fd)
{
	uint8_t frame[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = sizeof(frame),
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	return opts.retval == XDP_PASS ? 0 : -EIO;
}

static const char *mode_name(uint32_t flags)
{
	if (flags & XDP_FLAGS_DRV_MODE)
		return "native";
	if (flags & XDP_FLAGS_SKB_MODE)
		return "generic";
	return "the driver's default";
}

static int link_error(const char *what, const struct attach_args *a,
		      int ifindex, int err)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (err == EBUSY || err == EEXIST) {
		if (!bpf_xdp_query(ifindex, 0, &q) && q.prog_id)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s already runs an XDP program (id %u); remove it first",
					     a->ifname, q.prog_id);
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s already runs an XDP program; remove it first",
				     a->ifname);
	}
	if (err == EOPNOTSUPP && (a->xdp_flags & XDP_FLAGS_DRV_MODE))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: the driver has no native XDP (use \"mode generic\")",
				     a->ifname);
	return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
			     "attaching to %s in %s mode: %s", a->ifname,
			     mode_name(a->xdp_flags), strerror(err));
}

/* undo(st): remove what a failed attach pinned; close the rest. */
static void undo(struct attach_state *st)
{
	char path[PATH_MAX];
	int i;

	if (st->link_pinned) {
		dev_path(st->old.ifname, AFTR_LINK_PIN, path, sizeof(path));
		unlink(path);
	}
	for (i = 0; i < st->n_maps; i++) {
		if (!st->created_pin[i])
			continue;
		dev_path(st->old.ifname, map_name(st, i), path, sizeof(path));
		unlink(path);
	}
	if (st->created_dir)
		rmdir(st->old.dir);
	rmdir(aftr_ns_dir());	/* only when empty */
}

static int attach(int argc, char **argv)
{
	const char *what = "aftr attach";
	struct attach_args a = {};
	struct attach_state st = { .link_fd = -1 };
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	char path[PATH_MAX];
	unsigned int n_local = 0;
	int ret, i, lock_fd = -1, ifindex, err;
	int n_core;
	struct stat sb;
	size_t j;

	for (i = 0; i < MAX_MAPS; i++)
		st.pinned_fd[i] = -1;
	ret = parse_attach(what, argc, argv, &a);
	if (ret)
		goto out;

	/* the system: the device, the BPF file system, what is pinned */
	ifindex = if_nametoindex(a.ifname);
	if (!ifindex) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				    a.ifname, errno == ENODEV ?
				    "no such device" : strerror(errno));
		goto out;
	}
	ret = aftr_bpffs_check(what);
	if (ret)
		goto out;
	aftr_set_libbpf_print();
	lock_fd = lock_root(what);
	if (lock_fd < 0) {
		ret = DSLITECTL_EXIT_ERROR;
		goto out;
	}

	memset(&st.old, 0, sizeof(st.old));
	st.old.link_fd = -1;
	snprintf(st.old.ifname, sizeof(st.old.ifname), "%s", a.ifname);
	dev_path(a.ifname, NULL, st.old.dir, sizeof(st.old.dir));
	dev_path(a.ifname, AFTR_LINK_PIN, path, sizeof(path));
	err = open_link(path, &st.old);
	if (err) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "%s: not an XDP link: %s", path,
				    strerror(-err));
		goto out;
	}
	if (st.old.live) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "%s: already attached (program id %u, link id %u); \"dslitectl aftr detach dev %s\" first",
				    a.ifname, st.old.prog_id, st.old.link_id,
				    a.ifname);
		goto out;
	}

	st.skel = dslite_aftr__open();
	if (!st.skel) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "opening the responder object: %s",
				    strerror(errno));
		goto out;
	}
	ret = aftr_anycast_setup(what, &a.anycast, st.skel, a.ifname,
				 a.sessions);
	if (ret)
		goto out;
	ret = find_maps(what, &st);
	if (ret)
		goto out;
	for (i = 0; i < st.n_maps; i++) {
		dev_path(a.ifname, map_name(&st, i), path, sizeof(path));
		st.pinned_fd[i] = bpf_obj_get(path);
		if (st.pinned_fd[i] < 0 && errno != ENOENT) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
					    path, strerror(errno));
			goto out;
		}
	}
	/* sessions, discriminators and the rate limiter go together */
	n_core = (st.pinned_fd[st.sessions] >= 0) +
		 (st.pinned_fd[st.discrs] >= 0) + (st.pinned_fd[st.state] >= 0);
	if (n_core != 0 && n_core != 3) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "%s: %s holds only part of the session state (\"dslitectl aftr detach dev %s\" first)",
				    a.ifname, st.old.dir, a.ifname);
		goto out;
	}
	for (i = 0; i < st.n_maps; i++) {
		if (st.pinned_fd[i] < 0)
			continue;
		ret = check_pinned(what, &a, &st, i);
		if (ret)
			goto out;
	}

	/* configure, size, reuse, load */
	apply_cfg(&st.skel->rodata->dslite_cfg, &a);
	if (!a.sessions)
		a.sessions = DSLITE_DEF_SESSIONS;
	/* the slot bits of the discriminators follow the table's size */
	dslite_cfg_table((struct dslite_aftr_cfg *)&st.skel->rodata->dslite_cfg,
			 a.sessions);
	/* N + 1 slots (slot 0 is never used), N addresses */
	if (bpf_map__set_max_entries(st.maps[st.sessions], a.sessions + 1) ||
	    bpf_map__set_max_entries(st.maps[st.discrs], a.sessions) ||
	    bpf_map__set_max_entries(st.skel->maps.dslite_deadlines, dslite_deadline_blocks(a.sessions))) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "sizing the session table: %s",
				    strerror(errno));
		goto out;
	}
	for (i = 0; i < st.n_maps; i++) {
		if (st.pinned_fd[i] < 0)
			continue;
		err = bpf_map__reuse_fd(st.maps[i], st.pinned_fd[i]);
		if (err) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "reusing the pinned %s: %s",
					    map_name(&st, i), strerror(-err));
			goto out;
		}
	}
	err = dslite_aftr__load(st.skel);
	if (err) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "loading the responder: %s%s",
				    strerror(-err), verbose ? "" :
				    " (-v shows libbpf's log)");
		goto out;
	}

	/* the tables the command line fills */
	if (st.pinned_fd[st.allow] >= 0 &&
	    clear_map(bpf_map__fd(st.maps[st.allow]),
		      sizeof(struct dslite_lpm6_key))) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "clearing %s: %s", DSLITE_MAP_ALLOW,
				    strerror(errno));
		goto out;
	}
	for (j = 0; j < a.n_allow; j++) {
		__u32 one = 1;

		if (bpf_map_update_elem(bpf_map__fd(st.maps[st.allow]), &a.allow[j],
					&one, BPF_ANY)) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "filling %s: %s", DSLITE_MAP_ALLOW,
					    strerror(errno));
			goto out;
		}
	}
	if (st.pinned_fd[st.local] >= 0 &&
	    clear_map(bpf_map__fd(st.maps[st.local]),
		      sizeof(struct dslite_in6))) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "clearing %s: %s", DSLITE_MAP_LOCAL,
				    strerror(errno));
		goto out;
	}
	ret = fill_local(what, &a, bpf_map__fd(st.maps[st.local]), &n_local);
	if (ret)
		goto out;
	ret = aftr_anycast_fill(what, &a.anycast, st.skel);
	if (ret)
		goto out;

	/* the sweeper, then the data path */
	err = arm(bpf_program__fd(st.skel->progs.dslite_aftr_arm));
	if (err) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "starting the session sweeper: %s",
				    err == -EIO ? "the timer could not be started" :
				    strerror(-err));
		goto out;
	}
	lopts.flags = a.xdp_flags;
	st.link_fd = bpf_link_create(bpf_program__fd(st.skel->progs.dslite_aftr),
				     ifindex, BPF_XDP, &lopts);
	if (st.link_fd < 0) {
		ret = link_error(what, &a, ifindex, errno);
		goto out;
	}

	/* pins last: the directories, the new maps, the link */
	if (mkdir(aftr_ns_dir(), 0700) && errno != EEXIST) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				    aftr_ns_dir(), strerror(errno));
		goto out;
	}
	if (stat(st.old.dir, &sb)) {
		if (mkdir(st.old.dir, 0700)) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
					    st.old.dir, strerror(errno));
			goto out;
		}
		st.created_dir = true;
	}
	for (i = 0; i < st.n_maps; i++) {
		if (st.pinned_fd[i] >= 0)
			continue;
		dev_path(a.ifname, map_name(&st, i), path, sizeof(path));
		if (bpf_obj_pin(bpf_map__fd(st.maps[i]), path)) {
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "pinning %s: %s", path,
					    strerror(errno));
			undo(&st);
			goto out;
		}
		st.created_pin[i] = true;
	}
	dev_path(a.ifname, AFTR_LINK_PIN, path, sizeof(path));
	if (st.old.link_fd >= 0)
		unlink(path);	/* the link of a device that went away */
	if (bpf_obj_pin(st.link_fd, path)) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "pinning %s: %s",
				    path, strerror(errno));
		undo(&st);
		goto out;
	}
	st.link_pinned = true;
	/* the PTB relay of an anycast group member, last */
	ret = aftr_anycast_attach(what, &a.anycast, st.skel, ifindex);
	if (ret)
		undo(&st);
out:
	if (st.link_fd >= 0)
		close(st.link_fd);
	aftr_dev_close(&st.old);
	for (i = 0; i < st.n_maps; i++)
		if (st.pinned_fd[i] >= 0)
			close(st.pinned_fd[i]);
	dslite_aftr__destroy(st.skel);
	if (lock_fd >= 0)
		close(lock_fd);
	free(a.allow);
	return ret;
}

/* ------------------------------------------------------------------ */
/* detach                                                               */

static int detach(int argc, char **argv)
{
	const char *what = "aftr detach";
	char ifname[DSLITECTL_IFNAMSIZ] = "";
	struct aftr_dev d;
	struct dirent *de;
	int ret, lock_fd;
	DIR *dir;

	for (; argc > 0; argc--, argv++) {
		if (!kw_is(argv[0], "dev"))
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "unexpected argument \"%s\" (try \"dslitectl aftr help\")",
					     argv[0]);
		if (ifname[0])
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "\"dev\" given twice");
		if (need_arg(what, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		argc--, argv++;
		if (parse_ifname(what, argv[0], ifname))
			return DSLITECTL_EXIT_USAGE;
	}
	if (!ifname[0])
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "missing \"dev IFNAME\"");
	ret = aftr_bpffs_check(what);
	if (ret)
		return ret;
	aftr_set_libbpf_print();
	lock_fd = lock_root(what);
	if (lock_fd < 0)
		return DSLITECTL_EXIT_ERROR;
	ret = aftr_dev_open(what, ifname, &d);
	if (ret)
		goto out;

	/* the data path first: nothing answers once the link is gone */
	if (d.link_fd >= 0 && d.live && bpf_link_detach(d.link_fd) &&
	    errno != ENOLINK && errno != EINVAL) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "detaching %s: %s", ifname, strerror(errno));
		goto out_close;
	}
	ret = aftr_anycast_detach(what, ifname);
	if (ret)
		goto out_close;
	dir = opendir(d.dir);
	if (!dir) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				    d.dir, strerror(errno));
		goto out_close;
	}
	ret = DSLITECTL_EXIT_OK;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) && errno != ENOENT)
			ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					    "%s/%s: %s", d.dir, de->d_name,
					    strerror(errno));
	}
	closedir(dir);
	if (!ret && rmdir(d.dir) && errno != ENOENT)
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				    d.dir, strerror(errno));
	if (!ret)
		rmdir(aftr_ns_dir());	/* the namespace's last device */
out_close:
	aftr_dev_close(&d);
out:
	close(lock_fd);
	return ret;
}

/* ------------------------------------------------------------------ */

void aftr_usage(FILE *f)
{
	fprintf(f,
		"Usage: dslitectl aftr attach dev IFNAME [addr IPV4] [allow PREFIX]...\n"
		"                 [mode native|generic] [sessions N]\n"
		"                 [interval MS] [tx-interval MS] [rx-interval MS]\n"
		"                 [echo-interval MS] [multiplier N]\n"
		"                 [new-rate N] [new-burst N] [node-id N]\n"
		"                 [anycast IPV6 [peer IPV6]... [relay-rate PPS]\n"
		"                  [relay-source IPV6]]\n"
		"                 [sweep-interval MS] [down-idle MS] [embryonic-idle MS]\n"
		"       dslitectl aftr detach dev IFNAME\n"
		"       dslitectl aftr prune\n"
		"       dslitectl [-j] aftr sessions [dev IFNAME] [peer IPV6]\n"
		"       dslitectl [-j] aftr stats [dev IFNAME]\n"
		"       dslitectl [-j] aftr monitor [dev IFNAME] [count N] [ready FILE]\n"
		"       dslitectl aftr help\n"
		"The AFTR's XDP responder: answers BFD, BFD echo and ping inside every\n"
		"softwire arriving on IFNAME. Defaults: addr 192.0.0.1, every B4 allowed,\n"
		"sessions %d, interval %d ms, echo-interval %d ms (0: no echo),\n"
		"multiplier %d, new-rate %d/s, new-burst %d, node-id 0,\n"
		"sweep-interval %d ms, down-idle %d ms, embryonic-idle %d ms (0: never).\n"
		"A member of an anycast group (anycast needs node-id) relays Packet Too\n"
		"Big messages for B4s it does not serve to its peers, relay-rate %d/s.\n"
		"Pinned under %s/netns-COOKIE/IFNAME, per network namespace; prune\n"
		"removes what vanished devices and namespaces left pinned.\n"
		"-v (or DSLITECTL_VERBOSE=1) prints libbpf's messages.\n",
		DSLITE_DEF_SESSIONS, DSLITE_DEF_TX_US / 1000,
		DSLITE_DEF_ECHO_RX_US / 1000, DSLITE_DEF_DETECT_MULT,
		DSLITE_DEF_NEW_PER_SEC, DSLITE_DEF_NEW_BURST,
		DSLITE_DEF_SWEEP_MS, DSLITE_DEF_DOWN_IDLE_MS,
		DSLITE_DEF_EMBRYONIC_IDLE_MS, DSLITE_DEF_RELAY_RATE,
		DSLITE_PIN_ROOT);
}

static int run(int argc, char **argv)
{
	if (argc == 0) {
		aftr_usage(stderr);
		return DSLITECTL_EXIT_USAGE;
	}
	/* pins of the old layout move to this namespace's directory */
	if (!kw_is(argv[0], "help"))
		migrate("aftr");
	if (kw_is(argv[0], "attach"))
		return attach(argc - 1, argv + 1);
	if (kw_is(argv[0], "prune"))
		return prune(argc - 1, argv + 1);
	if (kw_is(argv[0], "detach"))
		return detach(argc - 1, argv + 1);
	if (kw_is(argv[0], "sessions"))
		return aftr_sessions(argc - 1, argv + 1);
	if (kw_is(argv[0], "stats"))
		return aftr_stats(argc - 1, argv + 1);
	if (kw_is(argv[0], "monitor"))
		return aftr_monitor(argc - 1, argv + 1);
	return dslitectl_err(DSLITECTL_EXIT_USAGE, "aftr",
			     "unknown command \"%s\" (try \"dslitectl aftr help\")",
			     argv[0]);
}

const struct dslitectl_object obj_aftr = {
	.name		= "aftr",
	.summary	= "the AFTR's XDP responder: attach, detach, prune, sessions, stats, monitor",
	.run		= run,
	.usage		= aftr_usage,
};
