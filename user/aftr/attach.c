// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr: load the AFTR's XDP responder on an IPv6 uplink (attach),
 * remove it (detach); the object and the helpers of the aftr commands
 * that are not about pins (those are in pins.c).
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
 *
 * On a live link, attach is an in-place upgrade (Documentation/
 * aftr-operations.md, "Upgrading"): the new program, with the settings
 * of this command line, replaces the old one on the same bpf_link
 * (BPF_LINK_UPDATE, atomic: every packet meets one program or the other)
 * and keeps every pinned map whose layout it shares. A map whose layout
 * dslite_meta and the map's own sizes say is an older one it can convert
 * (a session or counters value with fields appended) is migrated
 * (upgrade.c): new maps, the sessions copied while the old program runs,
 * the old sweeper stopped, the program swapped, the slots the old program
 * changed meanwhile copied again, the new sweeper started. Anything else
 * (a layout newer than this build's, another table size or node id, a
 * map of another kind) is refused before anything changes.
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
#include <sys/stat.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"
#include "dslite_aftr.skel.h"

#include "aftr.h"
#include "anycast.h"
#include "json.h"
#include "kw.h"

/* Limits of the attach arguments. */
#define MAX_SESSIONS		DSLITE_MAX_SESSIONS
#define MAX_INTERVAL_MS		3600000U	/* one hour, fits in u32 us */
#define MAX_SWEEP_MS		1000U		/* timeouts within detect + 1 s */
#define MAX_NEW_RATE		1000000000U
#define MAX_MAPS		32		/* maps of the responder object */
#define MAX_MTU_EXPIRE_S	604800U		/* a week */

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

/* a diagnostic's short name, "unknown" for a code without one */
static const char *short_diag(unsigned int d)
{
	const char *n = diag_name(d);

	return n ? n : "unknown";
}

void aftr_print_diags(unsigned int diag, unsigned int remote_state,
		      unsigned int remote_diag, const char *remote_fmt)
{
	print_string("diagnostic", NULL, bfd_diag_name(diag));
	print_string("diag", " diag %s", short_diag(diag));
	print_string("remote-status", remote_fmt,
		     bfd_status_name(remote_state));
	print_string("remote-diagnostic", NULL, bfd_diag_name(remote_diag));
	print_string("remote-diag", " remote-diag %s", short_diag(remote_diag));
}

/* ------------------------------------------------------------------ */
/* attach                                                               */

struct attach_args {
	char ifname[DSLITECTL_IFNAMSIZ];
	struct dslite_aftr_cfg cfg;	/* the values given (see seen) */
	uint32_t interval_ms, tx_ms, rx_ms, echo_ms;
	struct dslite_lpm6_key *allow;
	size_t n_allow;
	uint32_t xdp_flags;
	uint32_t sessions;		/* 0: default or the pinned size */
	uint32_t mtu_entries;		/* given: A_MTU_ENTRIES */
	uint64_t seen;			/* 1 << A_*: keyword given */
	struct aftr_anycast anycast;	/* anycast group membership */
};

/* the rows of the attach table, in the order of the usage */
enum attach_kw {
	A_DEV,
	A_ADDR,
	A_ALLOW,
	A_MODE,
	A_SESSIONS,
	A_INTERVAL,
	A_TX_INTERVAL,
	A_RX_INTERVAL,
	A_ECHO_INTERVAL,
	A_MULTIPLIER,
	A_NEW_RATE,
	A_NEW_BURST,
	A_NODE_ID,
	A_ANYCAST,
	A_PEER,
	A_RELAY_RATE,
	A_RELAY_SOURCE,
	A_SWEEP,
	A_DOWN_IDLE,
	A_EMBRYONIC_IDLE,
	A_REAP,
	A_MTU_ENTRIES,
	A_MTU_EXPIRE,
	A__MAX,
};

#define GIVEN(a, k)	(((a)->seen >> (k)) & 1)

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

static int kw_dev(const struct kw_ctx *x, const struct kw *k, const char *v,
		  void *obj)
{
	struct attach_args *a = obj;

	(void)k;
	return parse_ifname(x->what, v, a->ifname) ? DSLITECTL_EXIT_USAGE : 0;
}

static int kw_addr(const struct kw_ctx *x, const struct kw *k, const char *v,
		   void *obj)
{
	struct attach_args *a = obj;
	struct in_addr in;

	(void)k;
	if (inet_pton(AF_INET, v, &in) != 1)
		return kw_err(x, "addr \"%s\" is not an IPv4 address", v);
	if (in.s_addr == 0 || IN_MULTICAST(ntohl(in.s_addr)) ||
	    in.s_addr == INADDR_BROADCAST)
		return kw_err(x, "addr %s is not a unicast address", v);
	a->cfg.aftr_addr = in.s_addr;
	return 0;
}

static int kw_allow(const struct kw_ctx *x, const struct kw *k, const char *v,
		    void *obj)
{
	struct attach_args *a = obj;
	struct dslite_lpm6_key *n;
	const char *why;

	(void)k;
	if (a->n_allow >= DSLITE_DEF_ALLOW)
		return kw_err(x, "at most %d allow prefixes", DSLITE_DEF_ALLOW);
	n = realloc(a->allow, (a->n_allow + 1) * sizeof(*n));
	if (!n)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, x->what, "%s",
				     strerror(ENOMEM));
	a->allow = n;
	if (parse_prefix(v, &a->allow[a->n_allow], &why))
		return kw_err(x, "allow \"%s\": %s", v, why);
	a->n_allow++;
	return 0;
}

/* anycast, peer, relay-source: anycast.c (which refuses repeats) */
static int kw_anycast(const struct kw_ctx *x, const struct kw *k,
		      const char *v, void *obj)
{
	struct attach_args *a = obj;

	return aftr_anycast_parse(x->what, k->name, v, &a->anycast);
}

static const struct kw_name reap_names[] = {
	{ "idle", DSLITE_REAP_IDLE },
	{ "rfc9468", DSLITE_REAP_RFC9468 },
	{ NULL, 0 },
};

static const struct kw_name mode_names[] = {
	{ "native", XDP_FLAGS_DRV_MODE },
	{ "generic", XDP_FLAGS_SKB_MODE },
	{ NULL, 0 },
};

#define A(member)	KW_FIELD(struct attach_args, member)

static const struct kw attach_rows[A__MAX] = {
	[A_DEV]		= { "dev", KW_CUSTOM, KW_REQ, .parse = kw_dev,
			    .arg = "IFNAME" },
	[A_ADDR]	= { "addr", KW_CUSTOM, 0, .parse = kw_addr,
			    .arg = "IPV4" },
	[A_ALLOW]	= { "allow", KW_CUSTOM, KW_MULTI, .parse = kw_allow,
			    .arg = "PREFIX" },
	[A_MODE]	= { "mode", KW_ENUM, 0, A(xdp_flags),
			    .names = mode_names, .arg = "native|generic" },
	[A_SESSIONS]	= { "sessions", KW_UINT, 0, 1, MAX_SESSIONS,
			    A(sessions), .arg = "N" },
	[A_INTERVAL]	= { "interval", KW_UINT, 0, 1, MAX_INTERVAL_MS,
			    A(interval_ms), .unit = "ms", .arg = "MS" },
	[A_TX_INTERVAL]	= { "tx-interval", KW_UINT, 0, 1, MAX_INTERVAL_MS,
			    A(tx_ms), .unit = "ms", .arg = "MS" },
	[A_RX_INTERVAL]	= { "rx-interval", KW_UINT, 0, 1, MAX_INTERVAL_MS,
			    A(rx_ms), .unit = "ms", .arg = "MS" },
	[A_ECHO_INTERVAL] = { "echo-interval", KW_UINT, 0, 0, MAX_INTERVAL_MS,
			    A(echo_ms), .unit = "ms", .arg = "MS" },
	[A_MULTIPLIER]	= { "multiplier", KW_UINT, 0, 1, 255,
			    A(cfg.detect_mult), .arg = "N" },
	[A_NEW_RATE]	= { "new-rate", KW_UINT, 0, 0, MAX_NEW_RATE,
			    A(cfg.new_sessions_per_sec), .unit = "per second",
			    .arg = "N" },
	[A_NEW_BURST]	= { "new-burst", KW_UINT, 0, 1, UINT32_MAX,
			    A(cfg.new_sessions_burst), .arg = "N" },
	[A_NODE_ID]	= { "node-id", KW_UINT, 0, 0, 255, A(cfg.node_id),
			    .arg = "N" },
	[A_ANYCAST]	= { "anycast", KW_CUSTOM, KW_SELF,
			    .parse = kw_anycast, .arg = "IPV6" },
	[A_PEER]	= { "peer", KW_CUSTOM, KW_MULTI, .parse = kw_anycast,
			    .arg = "IPV6" },
	[A_RELAY_RATE]	= { "relay-rate", KW_UINT, 0, 1, AFTR_MAX_RELAY_RATE,
			    A(anycast.relay_rate), .unit = "per second",
			    .arg = "PPS" },
	[A_RELAY_SOURCE] = { "relay-source", KW_CUSTOM, KW_SELF,
			    .parse = kw_anycast, .arg = "IPV6" },
	[A_SWEEP]	= { "sweep-interval", KW_UINT, 0, 1, MAX_SWEEP_MS,
			    A(cfg.sweep_interval_ms), .unit = "ms",
			    .arg = "MS" },
	[A_DOWN_IDLE]	= { "down-idle", KW_UINT, 0, 0, UINT32_MAX,
			    A(cfg.down_idle_ms), .unit = "ms", .arg = "MS" },
	[A_EMBRYONIC_IDLE] = { "embryonic-idle", KW_UINT, 0, 0, UINT32_MAX,
			    A(cfg.embryonic_idle_ms), .unit = "ms",
			    .arg = "MS" },
	[A_REAP]	= { "reap", KW_ENUM, 0, A(cfg.reap_mode),
			    .names = reap_names, .arg = "idle|rfc9468" },
	[A_MTU_ENTRIES]	= { "mtu-entries", KW_UINT, 0, 0, MAX_SESSIONS,
			    A(mtu_entries), .arg = "N" },
	[A_MTU_EXPIRE]	= { "mtu-expire", KW_UINT, 0, 1, MAX_MTU_EXPIRE_S,
			    A(cfg.mtu_expire_s), .unit = "s",
			    .arg = "SECONDS" },
};

static const struct kw_table attach_kw = {
	KW_TABLE(attach_rows),
	.number = "a number ",
	.quote = "\"",
	.unknown = "unexpected argument",
	.object = "aftr",
};

static int parse_attach(const char *what, int argc, char **argv,
			struct attach_args *a)
{
	struct kw_ctx x = { .what = what, .t = &attach_kw, .seen = &a->seen };
	int ret;

	ret = kw_parse(&x, argc, argv, a);
	if (ret)
		return ret;
	if (!a->ifname[0])
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "missing \"dev IFNAME\"");
	if (a->cfg.reap_mode == DSLITE_REAP_RFC9468 &&
	    (GIVEN(a, A_DOWN_IDLE) || GIVEN(a, A_EMBRYONIC_IDLE)))
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "down-idle and embryonic-idle are for \"reap idle\" (\"reap rfc9468\" deletes a session once Down, or not Up within one detection time)");
	return aftr_anycast_check(what, &a->anycast, a->ifname,
				  GIVEN(a, A_NODE_ID));
}

/*
 * apply_cfg(c, a): the options given on the command line over the
 * object's own defaults in c (its rodata); tx-interval and rx-interval
 * take precedence over interval.
 */
static void apply_cfg(struct dslite_aftr_cfg *c, const struct attach_args *a)
{
	if (GIVEN(a, A_ADDR))
		c->aftr_addr = a->cfg.aftr_addr;
	if (a->interval_ms)
		c->desired_min_tx_us = c->required_min_rx_us =
			a->interval_ms * 1000;
	if (a->tx_ms)
		c->desired_min_tx_us = a->tx_ms * 1000;
	if (a->rx_ms)
		c->required_min_rx_us = a->rx_ms * 1000;
	if (GIVEN(a, A_ECHO_INTERVAL))
		c->required_min_echo_rx_us = a->echo_ms * 1000;
	if (GIVEN(a, A_MULTIPLIER))
		c->detect_mult = a->cfg.detect_mult;
	if (GIVEN(a, A_NEW_RATE))
		c->new_sessions_per_sec = a->cfg.new_sessions_per_sec;
	if (GIVEN(a, A_NEW_BURST))
		c->new_sessions_burst = a->cfg.new_sessions_burst;
	if (GIVEN(a, A_NODE_ID))
		c->node_id = a->cfg.node_id;
	if (GIVEN(a, A_SWEEP))
		c->sweep_interval_ms = a->cfg.sweep_interval_ms;
	if (GIVEN(a, A_DOWN_IDLE))
		c->down_idle_ms = a->cfg.down_idle_ms;
	if (GIVEN(a, A_EMBRYONIC_IDLE))
		c->embryonic_idle_ms = a->cfg.embryonic_idle_ms;
	if (GIVEN(a, A_REAP))
		c->reap_mode = a->cfg.reap_mode;
	if (GIVEN(a, A_MTU_EXPIRE))
		c->mtu_expire_s = a->cfg.mtu_expire_s;
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
	int timer, counters, meta;
	int mtu;			/* dslite_mtu */
	struct aftr_dev old;		/* a link pinned before */
	bool live;			/* it is live: an in-place upgrade */
	int mig_fd[MAX_MAPS];		/* a pinned map replaced by a new
					 * one (migrated), or -1 */
	uint32_t old_layout;		/* of the pinned maps (1: no meta) */
	uint64_t old_upgrades;
	struct aftr_sess_mig mig;
	uint64_t t_start, t_swap, t_done;
	struct dslite_in6 *local_keep;	/* what attach_fill wrote in */
	size_t n_local_keep;		/* dslite_local (live: the rest goes) */
	bool created_dir;
	bool link_pinned;
	int link_fd;
};

static const char *map_name(const struct attach_state *st, int i)
{
	return bpf_map__name(st->maps[i]);
}

/*
 * migratable(st, i, info): the pinned map i (info) holds values of an
 * older layout that this build converts (upgrade.c: fields appended):
 * the session table or the counters, same kind and keys, a larger value,
 * and dslite_meta says the pins are of an older layout than this build's.
 */
static bool migratable(const struct attach_state *st, int i,
		       const struct bpf_map_info *info)
{
	const struct bpf_map *m = st->maps[i];

	if (i != st->sessions && i != st->counters)
		return false;
	return st->old_layout < DSLITE_LAYOUT_VERSION &&
	       info->type == bpf_map__type(m) &&
	       info->key_size == bpf_map__key_size(m) &&
	       info->map_flags == bpf_map__map_flags(m) &&
	       info->value_size < bpf_map__value_size(m) &&
	       (i != st->counters ||
		info->max_entries == bpf_map__max_entries(m)) &&
	       (i != st->sessions || info->max_entries >= 2);
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
	if (migratable(st, i, &info)) {
		st->mig_fd[i] = st->pinned_fd[i];
		st->pinned_fd[i] = -1;
	} else if (i == st->mtu && info.type == bpf_map__type(m) &&
		   info.key_size == bpf_map__key_size(m) &&
		   info.value_size == bpf_map__value_size(m) &&
		   info.map_flags == bpf_map__map_flags(m)) {
		/* its size is checked once known (attach_load: mtu-entries
		 * defaults to the session table's size) */
		return 0;
	} else if (i == st->meta && info.value_size != bpf_map__value_size(m)) {
		/* written anew by this loader */
		close(st->pinned_fd[i]);
		st->pinned_fd[i] = -1;
		st->mig_fd[i] = -2;	/* replace the pin */
		return 0;
	} else if (info.type != bpf_map__type(m) ||
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
	st->timer = st->counters = st->meta = -1;
	st->mtu = -1;
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
		else if (!strcmp(n, DSLITE_MAP_TIMER))
			st->timer = i;
		else if (!strcmp(n, DSLITE_MAP_COUNTERS))
			st->counters = i;
		else if (!strcmp(n, DSLITE_MAP_META))
			st->meta = i;
		else if (!strcmp(n, DSLITE_MAP_MTU))
			st->mtu = i;
	}
	if (st->sessions < 0 || st->discrs < 0 || st->state < 0 ||
	    st->events < 0 || st->allow < 0 || st->local < 0 ||
	    st->timer < 0 || st->counters < 0 || st->meta < 0 || st->mtu < 0)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "the responder object lacks one of its maps");
	return 0;
}

/* fill_local(what, a, fd, n, keep): the interface's global IPv6
 * addresses; keep[0..*n-1] gets them (DSLITE_DEF_LOCAL at most). */
static int fill_local(const char *what, const struct attach_args *a, int fd,
		      unsigned int *n, struct dslite_in6 *keep)
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
		keep[*n] = key;
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

/* next_slot(st): the highest slot ever handed out (dslite_state) */
static uint32_t next_slot(const struct attach_state *st)
{
	struct dslite_aftr_state s = {};
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(st->maps[st->state]), &zero, &s))
		return UINT32_MAX;	/* copy every slot */
	return s.next_discr;
}

/*
 * mig_setup(what, a, st): st->mig describes the session table's move from
 * the pinned map of the older layout to the new one. 0 or an exit code.
 */
static int mig_setup(const char *what, const struct attach_args *a,
		     struct attach_state *st)
{
	struct aftr_sess_mig *m = &st->mig;
	struct bpf_map_info oi = {};
	uint32_t len = sizeof(oi);

	if (bpf_obj_get_info_by_fd(st->mig_fd[st->sessions], &oi, &len))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				     DSLITE_MAP_SESSIONS, strerror(errno));
	m->old_fd = st->mig_fd[st->sessions];
	m->new_fd = bpf_map__fd(st->maps[st->sessions]);
	m->old_size = oi.value_size;
	m->new_size = bpf_map__value_size(st->maps[st->sessions]);
	m->slots = a->sessions + 1;
	return 0;
}

/*
 * migrate_idle(what, a, st): pinned maps of an older layout without a
 * live link: nothing runs on them, one copy is enough. 0 or an exit code.
 */
static int migrate_idle(const char *what, const struct attach_args *a,
			struct attach_state *st)
{
	struct aftr_sess_mig *m = &st->mig;
	int err;

	err = mig_setup(what, a, st);
	if (err)
		return err;
	/* the old sweeper may still run on them */
	if (st->mig_fd[st->timer] >= 0)
		aftr_timer_stop(st->mig_fd[st->timer]);
	err = aftr_sess_copy(m, next_slot(st));
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: copying the sessions: %s",
				     a->ifname, strerror(-err));
	return 0;
}

/* report_upgrade(a, st): what an in-place upgrade did, on stdout */
static void report_upgrade(const struct attach_args *a,
			   const struct attach_state *st)
{
	struct bpf_prog_info pi = {};
	uint32_t len = sizeof(pi);
	int fd = bpf_program__fd(st->skel->progs.dslite_aftr);

	bpf_obj_get_info_by_fd(fd, &pi, &len);
	printf("%s: upgraded in place: link %u, program %u -> %u, layout %u -> %u",
	       a->ifname, st->old.link_id, st->old.prog_id, pi.id,
	       st->old_layout, DSLITE_LAYOUT_VERSION);
	if (st->mig.snap)
		printf(", %u session slots migrated (first copy %.1f ms, %u slots copied again in %.1f ms)",
		       st->mig.copied, st->mig.pass1_ns / 1e6, st->mig.merged,
		       st->mig.pass2_ns / 1e6);
	printf(", swap %.1f ms after the start, sweeper running %.1f ms after it\n",
	       (st->t_swap - st->t_start) / 1e6,
	       (st->t_done - st->t_swap) / 1e6);
	fflush(stdout);
}

/* undo(st): remove what a failed attach pinned; close the rest. */
static void undo(struct attach_state *st)
{
	char path[PATH_MAX];
	int i;

	if (st->link_pinned) {
		aftr_pin_path(st->old.ifname, AFTR_LINK_PIN, path, sizeof(path));
		unlink(path);
	}
	for (i = 0; i < st->n_maps; i++) {
		if (!st->created_pin[i])
			continue;
		aftr_pin_path(st->old.ifname, map_name(st, i), path, sizeof(path));
		unlink(path);
	}
	if (st->created_dir)
		rmdir(st->old.dir);
	rmdir(aftr_ns_dir());	/* only when empty */
}

/*
 * attach_old(what, a, st, ifindex): what a previous attach left pinned for
 * the device: its link; when live, on ifindex, the attach is an in-place
 * upgrade (refused for another device or another XDP mode). 0 or an exit
 * code.
 */
static int attach_old(const char *what, const struct attach_args *a,
		      struct attach_state *st, int ifindex)
{
	char path[PATH_MAX];
	int err;

	memset(&st->old, 0, sizeof(st->old));
	st->old.link_fd = -1;
	snprintf(st->old.ifname, sizeof(st->old.ifname), "%s", a->ifname);
	aftr_pin_path(a->ifname, NULL, st->old.dir, sizeof(st->old.dir));
	aftr_pin_path(a->ifname, AFTR_LINK_PIN, path, sizeof(path));
	err = aftr_link_open(path, &st->old);
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: not an XDP link: %s", path,
				     strerror(-err));
	if (!st->old.live)
		return 0;
	/* an in-place upgrade of the responder on this very device */
	if ((int)st->old.ifindex != ifindex)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: its pinned link (id %u) runs on another device (ifindex %u); \"dslitectl aftr detach dev %s\" first",
				     a->ifname, st->old.link_id,
				     st->old.ifindex, a->ifname);
	if (GIVEN(a, A_MODE)) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		uint8_t want = a->xdp_flags & XDP_FLAGS_DRV_MODE ?
			       XDP_ATTACHED_DRV : XDP_ATTACHED_SKB;

		if (!bpf_xdp_query(ifindex, 0, &q) && q.attach_mode != want)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: the responder runs in the other XDP mode; changing the mode needs \"dslitectl aftr detach dev %s\" first",
					     a->ifname, a->ifname);
	}
	st->live = true;
	return 0;
}

/*
 * open_pinned(what, a, st): the maps pinned for the device (to be
 * reused), checked against this program. 0 or an exit code.
 */
static int open_pinned(const char *what, struct attach_args *a,
		       struct attach_state *st)
{
	char path[PATH_MAX];
	int i, n_core, ret;

	for (i = 0; i < st->n_maps; i++) {
		aftr_pin_path(a->ifname, map_name(st, i), path, sizeof(path));
		st->pinned_fd[i] = bpf_obj_get(path);
		if (st->pinned_fd[i] < 0 && errno != ENOENT)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: %s", path, strerror(errno));
	}
	/* the layout of the pins: dslite_meta, or 1 (pins from before it) */
	st->old_layout = 1;
	if (st->pinned_fd[st->meta] >= 0) {
		struct dslite_aftr_meta meta = {};
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info), zero = 0;
		uint8_t buf[256];

		if (!bpf_obj_get_info_by_fd(st->pinned_fd[st->meta], &info,
					    &len) &&
		    info.value_size <= sizeof(buf) &&
		    info.value_size >= sizeof(__u32) &&
		    !bpf_map_lookup_elem(st->pinned_fd[st->meta], &zero, buf)) {
			memcpy(&meta, buf, info.value_size < sizeof(meta) ?
			       info.value_size : sizeof(meta));
			st->old_layout = meta.layout ? meta.layout : 1;
			st->old_upgrades = meta.upgrades;
		}
	}
	if (st->old_layout > DSLITE_LAYOUT_VERSION)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: the pinned maps have layout %u, newer than this dslitectl's (%u): it cannot migrate them back (\"dslitectl aftr detach dev %s\" first; it drops the sessions)",
				     a->ifname, st->old_layout,
				     DSLITE_LAYOUT_VERSION, a->ifname);
	/* sessions, discriminators and the rate limiter go together */
	n_core = (st->pinned_fd[st->sessions] >= 0) +
		 (st->pinned_fd[st->discrs] >= 0) +
		 (st->pinned_fd[st->state] >= 0);
	if (n_core != 0 && n_core != 3)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: %s holds only part of the session state (\"dslitectl aftr detach dev %s\" first)",
				     a->ifname, st->old.dir, a->ifname);
	for (i = 0; i < st->n_maps; i++) {
		if (st->pinned_fd[i] < 0)
			continue;
		ret = check_pinned(what, a, st, i);
		if (ret)
			return ret;
	}
	/* a migration comes with a sweeper of its own: the old one, on the
	 * old maps, is stopped before the swap (attach_swap) */
	if (st->mig_fd[st->sessions] >= 0 || st->mig_fd[st->counters] >= 0) {
		st->mig_fd[st->timer] = st->pinned_fd[st->timer];
		st->pinned_fd[st->timer] = -1;
	}
	return 0;
}

/*
 * size_mtu(what, a, st): the per-softwire MTU's map and configuration:
 * mtu-entries, by default the session table's size; 0 turns it off (one
 * entry). A pinned dslite_mtu of another size is replaced by a new one
 * (its records are a cache the PTBs fill again). 0 or an exit code.
 */
static int size_mtu(const char *what, const struct attach_args *a,
		    struct attach_state *st)
{
	struct dslite_aftr_cfg *c =
		(struct dslite_aftr_cfg *)&st->skel->rodata->dslite_cfg;
	uint32_t n = GIVEN(a, A_MTU_ENTRIES) ? a->mtu_entries : a->sessions;
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int fd = st->pinned_fd[st->mtu];

	c->mtu_entries = n;
	if (bpf_map__set_max_entries(st->maps[st->mtu], n ? n : 1))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "sizing %s: %s", DSLITE_MAP_MTU,
				     strerror(errno));
	if (fd >= 0 && (bpf_obj_get_info_by_fd(fd, &info, &len) ||
			info.max_entries != (n ? n : 1))) {
		close(fd);
		st->pinned_fd[st->mtu] = -1;
		st->mig_fd[st->mtu] = -2;	/* replace the pin */
	}
	return 0;
}

/*
 * attach_load(what, a, st): open the object, configure it, size or reuse
 * its maps, load it. 0 or an exit code.
 */
static int attach_load(const char *what, struct attach_args *a,
		       struct attach_state *st)
{
	int i, err, ret;

	st->skel = dslite_aftr__open();
	if (!st->skel)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "opening the responder object: %s",
				     strerror(errno));
	ret = aftr_anycast_setup(what, &a->anycast, st->skel, a->ifname,
				 a->sessions);
	if (!ret)
		ret = find_maps(what, st);
	if (!ret)
		ret = open_pinned(what, a, st);
	if (ret)
		return ret;

	apply_cfg(&st->skel->rodata->dslite_cfg, a);
	if (st->live) {
		struct dslite_aftr_cfg old;

		/* every discriminator handed out carries the node id */
		if (!aftr_old_cfg(st->old.prog_id, &old) &&
		    old.node_id != st->skel->rodata->dslite_cfg.node_id)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: node-id %u runs; the B4s' sessions carry it in their discriminators, so changing it needs \"dslitectl aftr detach dev %s\" first",
					     a->ifname, old.node_id, a->ifname);
	}
	if (!a->sessions)
		a->sessions = DSLITE_DEF_SESSIONS;
	/* the slot bits of the discriminators follow the table's size */
	dslite_cfg_table((struct dslite_aftr_cfg *)&st->skel->rodata->dslite_cfg,
			 a->sessions);
	/* N + 1 slots (slot 0 is never used), N addresses */
	if (bpf_map__set_max_entries(st->maps[st->sessions], a->sessions + 1) ||
	    bpf_map__set_max_entries(st->maps[st->discrs], a->sessions) ||
	    bpf_map__set_max_entries(st->skel->maps.dslite_deadlines,
				     dslite_deadline_blocks(a->sessions)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "sizing the session table: %s",
				     strerror(errno));
	ret = size_mtu(what, a, st);
	if (ret)
		return ret;
	for (i = 0; i < st->n_maps; i++) {
		if (st->pinned_fd[i] < 0)
			continue;
		err = bpf_map__reuse_fd(st->maps[i], st->pinned_fd[i]);
		if (err)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "reusing the pinned %s: %s",
					     map_name(st, i), strerror(-err));
	}
	err = dslite_aftr__load(st->skel);
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "loading the responder: %s%s",
				     strerror(-err), verbose ? "" :
				     " (-v shows libbpf's log)");
	return 0;
}

/* attach_fill(what, a, st): the tables the command line fills. */
static int attach_fill(const char *what, const struct attach_args *a,
		       struct attach_state *st)
{
	int allow_fd = bpf_map__fd(st->maps[st->allow]);
	int local_fd = bpf_map__fd(st->maps[st->local]);
	unsigned int n_local = 0;
	__u32 one = 1;
	size_t j;
	int ret;

	/* live: what is no longer wanted goes after the swap (prune_stale) */
	if (!st->live && st->pinned_fd[st->allow] >= 0 &&
	    clear_map(allow_fd, sizeof(struct dslite_lpm6_key)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "clearing %s: %s", DSLITE_MAP_ALLOW,
				     strerror(errno));
	for (j = 0; j < a->n_allow; j++)
		if (bpf_map_update_elem(allow_fd, &a->allow[j], &one, BPF_ANY))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "filling %s: %s", DSLITE_MAP_ALLOW,
					     strerror(errno));
	if (!st->live && st->pinned_fd[st->local] >= 0 &&
	    clear_map(local_fd, sizeof(struct dslite_in6)))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "clearing %s: %s", DSLITE_MAP_LOCAL,
				     strerror(errno));
	st->local_keep = calloc(DSLITE_DEF_LOCAL + 1, sizeof(*st->local_keep));
	if (!st->local_keep)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s",
				     strerror(ENOMEM));
	ret = fill_local(what, a, local_fd, &n_local, st->local_keep);
	st->n_local_keep = n_local;
	if (a->anycast.member)
		memcpy(st->local_keep[st->n_local_keep++].addr,
		       &a->anycast.addr, 16);
	if (ret)
		return ret;
	return aftr_anycast_fill(what, &a->anycast, st->skel);
}

/* attach_link(what, a, st, ifindex): the sweeper, then the data path. */
static int attach_link(const char *what, const struct attach_args *a,
		       struct attach_state *st, int ifindex)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	int err;

	err = arm(bpf_program__fd(st->skel->progs.dslite_aftr_arm));
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "starting the session sweeper: %s",
				     err == -EIO ? "the timer could not be started" :
				     strerror(-err));
	lopts.flags = a->xdp_flags;
	st->link_fd = bpf_link_create(bpf_program__fd(st->skel->progs.dslite_aftr),
				      ifindex, BPF_XDP, &lopts);
	if (st->link_fd < 0)
		return link_error(what, a, ifindex, errno);
	return 0;
}

/* rearm_old(st): start the old program's sweeper again (a swap that
 * failed after it was stopped). */
static void rearm_old(const char *what, struct attach_state *st)
{
	int fd = aftr_find_prog("dslite_aftr_arm", st->mig_fd[st->timer]);

	if (fd < 0 || arm(fd))
		dslitectl_err(0, what,
			      "%s: the old program's session sweeper could not be restarted: timeouts are not detected until the next attach",
			      st->old.ifname);
	if (fd >= 0)
		close(fd);
}

/*
 * attach_swap(what, a, st): the in-place upgrade of a live link. Without
 * migration: the new program on the link, then its sweeper (the timer
 * moves to it). With one (upgrade.c): the sessions copied while the old
 * program answers, the old sweeper stopped, the program swapped, the
 * old program's last runs awaited, the slots it changed since their copy
 * copied again, the counters added, the new sweeper started. Nothing has
 * changed when it fails before the swap. 0 or an exit code.
 */
static int attach_swap(const char *what, const struct attach_args *a,
		       struct attach_state *st)
{
	LIBBPF_OPTS(bpf_link_update_opts, uopts);
	struct aftr_sess_mig *m = &st->mig;
	bool stopped = false;
	int err;

	st->t_start = aftr_now_ns();
	if (st->mig_fd[st->sessions] >= 0) {
		err = mig_setup(what, a, st);
		if (err)
			return err;
		err = aftr_sess_copy(m, next_slot(st));
		if (err)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: copying the sessions: %s (nothing changed)",
					     a->ifname, strerror(-err));
	}
	if (st->mig_fd[st->timer] >= 0) {
		err = aftr_timer_stop(st->mig_fd[st->timer]);
		if (err)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: stopping the old sweeper: %s (nothing changed)",
					     a->ifname, strerror(-err));
		stopped = true;
	}
	err = bpf_link_update(st->old.link_fd,
			      bpf_program__fd(st->skel->progs.dslite_aftr),
			      &uopts);
	if (err) {
		err = errno;
		if (stopped)
			rearm_old(what, st);
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: replacing the program on link %u: %s (the old one still runs)",
				     a->ifname, st->old.link_id, strerror(err));
	}
	st->t_swap = aftr_now_ns();
	if (stopped) {
		aftr_rcu_sync();	/* the old program's last packet */
		if (m->snap) {
			err = aftr_sess_merge(m, next_slot(st));
			if (err)
				dslitectl_err(0, what,
					      "%s: the second copy of the sessions failed (%s): sessions changed during the first one may time out",
					      a->ifname, strerror(-err));
		}
		if (st->mig_fd[st->counters] >= 0) {
			struct bpf_map_info oi = {};
			uint32_t len = sizeof(oi);

			if (bpf_obj_get_info_by_fd(st->mig_fd[st->counters],
						   &oi, &len) ||
			    aftr_percpu_add(st->mig_fd[st->counters],
					    bpf_map__fd(st->maps[st->counters]),
					    oi.value_size,
					    bpf_map__value_size(st->maps[st->counters]),
					    st->old_layout < 2 ?
					    DSLITE_CNT_LAYOUT2_AT : UINT32_MAX))
				dslitectl_err(0, what,
					      "%s: the counters could not be carried over: they start from 0",
					      a->ifname);
		}
	}
	err = arm(bpf_program__fd(st->skel->progs.dslite_aftr_arm));
	st->t_done = aftr_now_ns();
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: the new program runs but its session sweeper did not start (%s): run the attach again",
				     a->ifname, err == -EIO ? "the timer could not be started" :
				     strerror(-err));
	return 0;
}

static size_t cmp_size;

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, cmp_size);
}

/* prune(fd, size, keep, n): delete every key of fd not in keep[0..n-1]
 * (keys of size bytes, at most 64): every key listed first, then the
 * stale ones deleted, keep sorted for the look-ups */
static int prune(int fd, size_t size, const void *keep, size_t n)
{
	uint8_t key[64], *all = NULL, *nall, *sorted = NULL;
	size_t cnt = 0, cap = 0, i;
	int err = 0;

	if (size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, cnt ? all + (cnt - 1) * size : NULL,
				     key)) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			nall = realloc(all, cap * size);
			if (!nall) {
				err = -ENOMEM;
				goto out;
			}
			all = nall;
		}
		memcpy(all + cnt++ * size, key, size);
	}
	if (errno != ENOENT) {
		err = -errno;
		goto out;
	}
	sorted = malloc(n ? n * size : 1);
	if (!sorted) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(sorted, keep, n * size);
	cmp_size = size;
	qsort(sorted, n, size, cmp_key);
	for (i = 0; i < cnt; i++) {
		if (bsearch(all + i * size, sorted, n, size, cmp_key))
			continue;
		if (bpf_map_delete_elem(fd, all + i * size) && errno != ENOENT) {
			err = -errno;
			break;
		}
	}
out:
	free(all);
	free(sorted);
	return err;
}

/*
 * prune_stale(what, a, st): live, once the new program runs: the allowed
 * prefixes and local addresses that this command line no longer has (a
 * prefix removed stays allowed until the swap, so no permitted B4 is
 * ever refused on the way).
 */
static int prune_stale(const char *what, const struct attach_args *a,
		       struct attach_state *st)
{
	int err;

	err = prune(bpf_map__fd(st->maps[st->allow]),
		    sizeof(struct dslite_lpm6_key), a->allow, a->n_allow);
	if (!err)
		err = prune(bpf_map__fd(st->maps[st->local]),
			    sizeof(struct dslite_in6), st->local_keep,
			    st->n_local_keep);
	if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "%s: removing the old allowed prefixes or addresses: %s",
				     a->ifname, strerror(-err));
	return 0;
}

/*
 * The per-softwire MTU's egress program (dslite_mtu_egress, bpf/mtu.h) on
 * the device's clsact egress, as the PTB relay on its ingress
 * (anycast.c): a direct-action filter of handle AFTR_MTU_TC_HANDLE, prio
 * AFTR_MTU_TC_PRIO, held by the filter (nothing pinned), gone with the
 * device; packets it leaves alone go on to the next filter.
 */
#define AFTR_MTU_TC_HANDLE	0xd51f
#define AFTR_MTU_TC_PRIO	1
#define AFTR_MTU_PROG		"dslite_mtu_egress"

static const struct aftr_tc mtu_filter = {
	.what = "MTU filter", .prog = AFTR_MTU_PROG,
	.handle = AFTR_MTU_TC_HANDLE, .prio = AFTR_MTU_TC_PRIO, .egress = true,
};

/*
 * attach_mtu_egress(what, a, st, ifindex): with the per-softwire MTU on,
 * dslite_mtu_egress on the device's egress (replacing the one a previous
 * attach left); off, ours removed. 0 or an exit code.
 */
static int attach_mtu_egress(const char *what, const struct attach_args *a,
			     struct attach_state *st, int ifindex)
{
	if (!st->skel->rodata->dslite_cfg.mtu_entries)
		return aftr_tc_remove(what, &mtu_filter, ifindex, a->ifname);
	return aftr_tc_put(what, &mtu_filter, ifindex, a->ifname,
			   bpf_program__fd(st->skel->progs.dslite_mtu_egress));
}

/* write_meta(st): the layout of the maps, for the next loader */
static int write_meta(struct attach_state *st)
{
	struct dslite_aftr_meta meta = {
		.layout = DSLITE_LAYOUT_VERSION,
		.session_size = sizeof(struct dslite_aftr_session),
		.counters = DSLITE_CNT__MAX,
		.upgrades = st->old_upgrades + (st->live ? 1 : 0),
	};
	uint32_t zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(st->maps[st->meta]), &zero, &meta,
				BPF_ANY))
		return -errno;
	return 0;
}

/*
 * attach_pin(what, a, st, ifindex): pins last: the directories, the new
 * maps, the link; then the relay. On failure undo() removes them.
 */
static int attach_pin(const char *what, const struct attach_args *a,
		      struct attach_state *st, int ifindex)
{
	char path[PATH_MAX];
	struct stat sb;
	int i;

	if (mkdir(aftr_ns_dir(), 0700) && errno != EEXIST)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what, "%s: %s",
				     aftr_ns_dir(), strerror(errno));
	if (stat(st->old.dir, &sb)) {
		if (mkdir(st->old.dir, 0700))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "%s: %s", st->old.dir,
					     strerror(errno));
		st->created_dir = true;
	}
	for (i = 0; i < st->n_maps; i++) {
		if (st->pinned_fd[i] >= 0)
			continue;
		aftr_pin_path(a->ifname, map_name(st, i), path, sizeof(path));
		if (st->mig_fd[i] != -1) {
			/* a new map in place of a pinned one: pinned beside
			 * it, then renamed over it (atomic) */
			char tmp[PATH_MAX + 8];

			/* (no dot: the BPF file system refuses it) */
			snprintf(tmp, sizeof(tmp), "%s_new", path);
			unlink(tmp);
			if (bpf_obj_pin(bpf_map__fd(st->maps[i]), tmp) ||
			    rename(tmp, path)) {
				int err = errno;

				unlink(tmp);
				return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
						     "pinning %s: %s", path,
						     strerror(err));
			}
			continue;
		}
		if (bpf_obj_pin(bpf_map__fd(st->maps[i]), path))
			return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
					     "pinning %s: %s", path,
					     strerror(errno));
		st->created_pin[i] = true;
	}
	if (st->live) {	/* the same link runs the new program */
		int ret = attach_mtu_egress(what, a, st, ifindex);

		return ret ? ret : aftr_anycast_attach(what, &a->anycast,
						       st->skel, ifindex);
	}
	aftr_pin_path(a->ifname, AFTR_LINK_PIN, path, sizeof(path));
	if (st->old.link_fd >= 0)
		unlink(path);	/* the link of a device that went away */
	if (bpf_obj_pin(st->link_fd, path))
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "pinning %s: %s", path, strerror(errno));
	st->link_pinned = true;
	/* the MTU filter, then the PTB relay of an anycast group member */
	if (attach_mtu_egress(what, a, st, ifindex))
		return DSLITECTL_EXIT_ERROR;
	return aftr_anycast_attach(what, &a->anycast, st->skel, ifindex);
}

static void attach_close(struct attach_state *st)
{
	int i;

	if (st->link_fd >= 0)
		close(st->link_fd);
	aftr_dev_close(&st->old);
	for (i = 0; i < st->n_maps; i++) {
		if (st->pinned_fd[i] >= 0)
			close(st->pinned_fd[i]);
		if (st->mig_fd[i] >= 0)
			close(st->mig_fd[i]);
	}
	aftr_sess_free(&st->mig);
	free(st->local_keep);
	dslite_aftr__destroy(st->skel);
}

static int attach(int argc, char **argv)
{
	const char *what = "aftr attach";
	struct attach_args a = {};
	struct attach_state st = { .link_fd = -1 };
	int ret, i, lock_fd = -1, ifindex;

	st.old.link_fd = -1;
	for (i = 0; i < MAX_MAPS; i++)
		st.pinned_fd[i] = st.mig_fd[i] = -1;
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
	ret = aftr_prepare(what, &lock_fd);
	if (ret)
		goto out;
	ret = attach_old(what, &a, &st, ifindex);
	if (!ret)
		ret = attach_load(what, &a, &st);
	if (!ret)
		ret = attach_fill(what, &a, &st);
	if (!ret && !st.live && st.mig_fd[st.sessions] >= 0)
		ret = migrate_idle(what, &a, &st);
	if (!ret && !st.live)
		ret = attach_link(what, &a, &st, ifindex);
	if (!ret && st.live) {
		ret = attach_swap(what, &a, &st);
		if (!ret)
			ret = prune_stale(what, &a, &st);
	}
	if (!ret) {
		ret = attach_pin(what, &a, &st, ifindex);
		/* live, the new program runs on what it pinned: kept */
		if (ret && !st.live)
			undo(&st);
	}
	/* last: the pins are all of the layout it names */
	if (!ret && write_meta(&st))
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "writing %s: %s", DSLITE_MAP_META,
				    strerror(errno));
	if (!ret && st.live)
		report_upgrade(&a, &st);
out:
	attach_close(&st);
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
	ret = aftr_prepare(what, &lock_fd);
	if (ret)
		return ret;
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
	if (!ret && if_nametoindex(ifname))
		ret = aftr_tc_remove(what, &mtu_filter, if_nametoindex(ifname), ifname);
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
	/* the attach keywords from their table */
	kw_synopsis(f, &attach_kw, "Usage: dslitectl aftr attach ", 17, 80);
	fprintf(f,
		"       dslitectl aftr detach dev IFNAME\n"
		"       dslitectl aftr prune\n"
		"       dslitectl [-j] aftr sessions [dev IFNAME] [peer IPV6]\n"
		"       dslitectl [-j] aftr stats [dev IFNAME]\n"
		"       dslitectl [-j] aftr mtu [dev IFNAME]\n"
		"       dslitectl [-j] aftr monitor [dev IFNAME] [count N] [ready FILE]\n");
	aftr_health_usage(f);
	fprintf(f,
		"       dslitectl aftr help\n"
		"The AFTR's XDP responder: answers BFD, BFD echo and ping inside every\n"
		"softwire arriving on IFNAME. Defaults: addr 192.0.0.1, every B4 allowed,\n"
		"sessions %d, interval %d ms, echo-interval %d ms (0: no echo),\n"
		"multiplier %d, new-rate %d/s, new-burst %d, node-id 0,\n"
		"sweep-interval %d ms, down-idle %d ms, embryonic-idle %d ms (0: never),\n"
		"reap idle (rfc9468: a session is deleted once Down, or when not Up\n"
		"within one detection time, RFC 9468 section 2),\n"
		"mtu-entries: the session table's size (0: no per-softwire MTU),\n"
		"mtu-expire %d s.\n"
		"A member of an anycast group (anycast needs node-id; peer, relay-rate\n"
		"and relay-source need anycast) relays Packet Too Big messages for B4s\n"
		"it does not serve to its peers, relay-rate %d/s.\n"
		"attach on a live link upgrades it in place: this program and these\n"
		"settings on the same link, the sessions kept (or migrated).\n"
		"Pinned under %s/netns-COOKIE/IFNAME, per network namespace; prune\n"
		"removes what vanished devices and namespaces left pinned.\n"
		"-v (or DSLITECTL_VERBOSE=1) prints libbpf's messages.\n",
		DSLITE_DEF_SESSIONS, DSLITE_DEF_TX_US / 1000,
		DSLITE_DEF_ECHO_RX_US / 1000, DSLITE_DEF_DETECT_MULT,
		DSLITE_DEF_NEW_PER_SEC, DSLITE_DEF_NEW_BURST,
		DSLITE_DEF_SWEEP_MS, DSLITE_DEF_DOWN_IDLE_MS,
		DSLITE_DEF_EMBRYONIC_IDLE_MS, DSLITE_MTU_DEF_EXPIRE_S,
		DSLITE_DEF_RELAY_RATE, DSLITE_PIN_ROOT);
	fprintf(f, "\n");
	aftr_health_usage_long(f);
}

static int run(int argc, char **argv)
{
	if (argc == 0) {
		aftr_usage(stderr);
		return DSLITECTL_EXIT_USAGE;
	}
	/* pins of the old layout move to this namespace's directory */
	if (!kw_is(argv[0], "help"))
		aftr_migrate("aftr");
	if (kw_is(argv[0], "attach"))
		return attach(argc - 1, argv + 1);
	if (kw_is(argv[0], "prune"))
		return aftr_prune(argc - 1, argv + 1);
	if (kw_is(argv[0], "detach"))
		return detach(argc - 1, argv + 1);
	if (kw_is(argv[0], "sessions"))
		return aftr_sessions(argc - 1, argv + 1);
	if (kw_is(argv[0], "stats"))
		return aftr_stats(argc - 1, argv + 1);
	if (kw_is(argv[0], "mtu"))
		return aftr_mtu(argc - 1, argv + 1);
	if (kw_is(argv[0], "monitor"))
		return aftr_monitor(argc - 1, argv + 1);
	if (kw_is(argv[0], "health"))
		return aftr_health(argc - 1, argv + 1);
	return dslitectl_err(DSLITECTL_EXIT_USAGE, "aftr",
			     "unknown command \"%s\" (try \"dslitectl aftr help\")",
			     argv[0]);
}

const struct dslitectl_object obj_aftr = {
	.name		= "aftr",
	.summary	= "the AFTR's XDP responder: attach, detach, prune, sessions, stats, mtu, monitor, health",
	.run		= run,
	.usage		= aftr_usage,
};
