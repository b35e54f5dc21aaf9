/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl aftr: the loader and viewer of the AFTR's XDP responder
 * (bpf/dslite_aftr.bpf.c; the contract is bpf/dslite_aftr.h).
 *
 *   attach.c   the object ("aftr" and its usage), attach and detach, its
 *              keyword table (kw.h); the non-pin helpers below (libbpf's
 *              messages, the wall-clock form of a monotonic time)
 *   pins.c     the pin directories, the one place that knows their
 *              layout: this namespace's directory, a device's pins and
 *              link (aftr_dev_*), the lock, the BPF file system check,
 *              adopting and pruning what others left ("aftr prune")
 *   show.c     sessions, stats and the per-softwire MTU records (mtu)
 *   metrics.c  the AFTR's part of "dslitectl metrics" (user/metrics.h)
 *   monitor.c  session events from the ring buffer(s)
 *   upgrade.c  moving state between maps of two layouts, for "aftr
 *              attach" on a live link (the in-place upgrade, attach.c)
 *   anycast.c  the anycast group: members, the PTB relay (anycast.h)
 *   health.c   "aftr health": the member's health supervisor and the
 *              route health injection of the anycast route (health.h:
 *              the judgement, rise/fall/hold-down)
 *
 * The files share only what this header declares: none includes another's
 * internals, and only pins.c builds a pin path by hand.
 *
 * Every attached device has a directory DSLITE_PIN_ROOT/netns-COOKIE/IFNAME
 * on the BPF file system (COOKIE: its network namespace's SO_NETNS_COOKIE)
 * holding the bpf_link ("link") and every map under its own name. Nothing
 * else keeps the responder alive: no daemon runs.
 */
#ifndef DSLITECTL_AFTR_H
#define DSLITECTL_AFTR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "dslitectl.h"

#define AFTR_LINK_PIN	"link"
/* DSLITE_PIN_ROOT/netns-COOKIE: one directory per network namespace */
#define AFTR_NETNS_PREFIX	"netns-"

/* An attached (or half-attached) device, opened for reading. */
struct aftr_dev {
	char ifname[DSLITECTL_IFNAMSIZ];
	char dir[PATH_MAX];
	int link_fd;		/* -1: no link pinned */
	bool live;		/* the link is attached to a device */
	uint32_t ifindex;	/* the link's device, 0 when not live */
	uint32_t prog_id;	/* the program the link runs, 0: none */
	uint32_t link_id;
};

/*
 * aftr_usage(f): the object's usage. aftr_sessions/stats/monitor(argc,
 * argv): the commands, argv after the command's name.
 */
void aftr_usage(FILE *f);
int aftr_sessions(int argc, char **argv);
int aftr_stats(int argc, char **argv);
/* aftr_mtu(argc, argv): "aftr mtu" (show.c), the per-softwire MTU records */
int aftr_mtu(int argc, char **argv);

/*
 * aftr_for_each_session(d, fd, cb, ctx) (show.c): every live session of
 * the slot array fd (d's dslite_sessions), in slot order, reading only
 * the slots ever handed out. Returns 0 or -errno (or what cb returned,
 * if non-zero).
 */
struct dslite_in6;
struct dslite_aftr_session;
typedef int (*aftr_session_cb)(const struct dslite_in6 *key,
			       const struct dslite_aftr_session *s, void *ctx);
int aftr_for_each_session(const struct aftr_dev *d, int fd,
			  aftr_session_cb cb, void *ctx);
int aftr_monitor(int argc, char **argv);

/* aftr_set_libbpf_print(): libbpf's messages on stderr only with -v, or
 * when the environment has DSLITECTL_VERBOSE set to a non-empty value other
 * than 0; silent otherwise (errors are reported by dslitectl itself). */
void aftr_set_libbpf_print(void);

/* pins.c */

/*
 * aftr_bpffs_check(what): 0 if DSLITE_PIN_ROOT's parent is a BPF file
 * system, else print why and return DSLITECTL_EXIT_ERROR.
 */
int aftr_bpffs_check(const char *what);

/*
 * aftr_prepare(what, lock_fd): what every command does before it touches
 * a pin: aftr_bpffs_check(), aftr_set_libbpf_print() and, when lock_fd is
 * not NULL, aftr_lock_root() into *lock_fd. Returns 0, or
 * DSLITECTL_EXIT_ERROR after printing why (*lock_fd untouched when the
 * check failed, -1 when the lock did).
 */
int aftr_prepare(const char *what, int *lock_fd);

/*
 * aftr_dev_open(what, ifname, d): open the pin directory of ifname and its
 * link (when pinned). Returns 0; or prints "IFNAME: not attached" and
 * returns DSLITECTL_EXIT_ERROR when there is no directory.
 */
int aftr_dev_open(const char *what, const char *ifname, struct aftr_dev *d);
void aftr_dev_close(struct aftr_dev *d);

/*
 * aftr_dev_map(d, name): a new fd of the pinned map name of d, or -1 with
 * errno set.
 */
int aftr_dev_map(const struct aftr_dev *d, const char *name);

/*
 * aftr_list_devs(names, n): the names of every directory under
 * DSLITE_PIN_ROOT, sorted; *names is malloc'ed (free it). Returns 0 (no
 * root directory is no device) or -errno.
 */
int aftr_list_devs(char (**names)[DSLITECTL_IFNAMSIZ], size_t *n);

/*
 * aftr_link_open(path, d): the pinned link at path, if any, into d.
 * Returns 0 (no link: d->link_fd stays -1) or -errno for a pin that is not
 * an XDP link.
 */
int aftr_link_open(const char *path, struct aftr_dev *d);

/*
 * aftr_lock_root(what): create DSLITE_PIN_ROOT if needed and hold an
 * exclusive lock on it until exit, so attaches and detaches do not
 * interleave. Returns the fd, or -1 after printing why.
 */
int aftr_lock_root(const char *what);

/*
 * aftr_migrate(what): move the old layout's pin directories whose responder
 * runs on a device of this namespace to this namespace's directory.
 */
void aftr_migrate(const char *what);

/* aftr_prune(argc, argv): "aftr prune" */
int aftr_prune(int argc, char **argv);

/* aftr_ns_dir(): this network namespace's directory under DSLITE_PIN_ROOT */
const char *aftr_ns_dir(void);

/* aftr_pin_path(ifname, name, buf, len): the pin name of ifname in this
 * namespace (its directory when name is NULL) */
void aftr_pin_path(const char *ifname, const char *name, char *buf,
		   size_t len);

/* attach.c */

/*
 * aftr_mono_to_real(ns, buf, len): a CLOCK_MONOTONIC time in ns as UTC wall
 * clock "2026-01-02T03:04:05.678Z".
 */
void aftr_mono_to_real(uint64_t ns, char *buf, size_t len);

/*
 * aftr_print_diags(diag, remote_state, remote_diag, remote_fmt): a
 * session's diagnostic, its peer's status (text: remote_fmt) and its
 * peer's diagnostic, as "aftr sessions" and "aftr monitor" print them
 * (json.h): "diagnostic", "diag", "remote-status", "remote-diagnostic",
 * "remote-diag".
 */
void aftr_print_diags(unsigned int diag, unsigned int remote_state,
		      unsigned int remote_diag, const char *remote_fmt);

/* upgrade.c: moving state between the maps of two layouts */

/* aftr_now_ns(): CLOCK_MONOTONIC in ns */
uint64_t aftr_now_ns(void);

/*
 * The session table's migration: slots 0..slots-1 of old_fd (values of
 * old_size bytes) into new_fd (new_size), converted (the bytes both have,
 * the rest zero). aftr_sess_copy(m, upto): the first pass, slots
 * 0..upto, while the old program still runs, keeping a snapshot.
 * aftr_sess_merge(m, upto): the second pass, once the old program has
 * stopped: every slot the old program changed since its copy (up to
 * upto) is copied again, unless the new program changed it meanwhile
 * (then its value is newer). 0 or -errno; aftr_sess_free() in any case.
 */
struct aftr_sess_mig {
	int old_fd, new_fd;
	uint32_t old_size, new_size;
	uint32_t slots;			/* max_entries of both */
	uint32_t copied;		/* slots of the first pass */
	uint32_t merged;		/* slots copied again */
	char *snap;
	uint64_t pass1_ns, pass2_ns;
};
int aftr_sess_copy(struct aftr_sess_mig *m, uint32_t upto);
int aftr_sess_merge(struct aftr_sess_mig *m, uint32_t upto);
void aftr_sess_free(struct aftr_sess_mig *m);

/* aftr_percpu_add(old_fd, new_fd, old_size, new_size, gap): add the
 * per-CPU __u64 counters of entry 0 of old_fd to new_fd's (the ones both
 * have); old counters from index gap on go one index further (a counter
 * inserted there: DSLITE_CNT_LAYOUT2_AT; UINT32_MAX: none). */
int aftr_percpu_add(int old_fd, int new_fd, uint32_t old_size,
		    uint32_t new_size, uint32_t gap);

/* aftr_timer_stop(fd): cancel the bpf_timer of entry 0 of the array fd. */
int aftr_timer_stop(int fd);

/* aftr_rcu_sync(): every XDP program run begun before has ended. */
void aftr_rcu_sync(void);

/* aftr_find_prog(name, map_fd): an fd of the loaded program called name
 * that uses the map map_fd, or -errno. */
int aftr_find_prog(const char *name, int map_fd);

/* aftr_old_cfg(prog_id, cfg): the dslite_cfg the program prog_id was
 * loaded with (its .rodata). 0 or -errno. */
struct dslite_aftr_cfg;
int aftr_old_cfg(uint32_t prog_id, struct dslite_aftr_cfg *cfg);

/* health.c */

/* aftr_health(argc, argv): "aftr health run|status|drain|resume" */
int aftr_health(int argc, char **argv);

/* aftr_health_usage(f): its synopsis lines ("       dslitectl aftr
 * health ..."); aftr_health_usage_long(f): every keyword of "run" */
void aftr_health_usage(FILE *f);
void aftr_health_usage_long(FILE *f);

/*
 * aftr_health_metrics_collect(what, t): the metrics of every health
 * supervisor running in this network namespace, one rendering each into
 * t (user/metrics.h). Returns 0 or an exit code after printing why.
 */
struct metrics_texts;
int aftr_health_metrics_collect(const char *what, struct metrics_texts *t);

/*
 * The responder's tc filters (tc.c): one direct-action filter at a fixed
 * handle and priority on clsact ingress or egress, holding its program.
 * aftr_tc_put() adds it (the qdisc too if there is none) or replaces the
 * one there; aftr_tc_remove() removes it if its program is ours (named
 * prog), and is quiet when there is no device or no filter. 0 or an exit
 * code, the message printed ("the WHAT").
 */
struct aftr_tc {
	const char *what;		/* "PTB relay", "MTU filter" */
	const char *prog;		/* the program's name */
	uint32_t handle, prio;
	bool egress;
};
int aftr_tc_put(const char *what, const struct aftr_tc *f, int ifindex,
		const char *ifname, int prog_fd);
int aftr_tc_remove(const char *what, const struct aftr_tc *f, int ifindex,
		   const char *ifname);

#endif /* DSLITECTL_AFTR_H */
