// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr monitor: print the session events the responder pushes
 * into its ring buffer (dslite_events), one line or one JSON object per
 * event, as they happen.
 *
 * A BPF ring buffer has one consumer position: two readers would each get
 * part of the events. So a monitor holds a lock on the device's pin
 * directory while it reads; a second monitor of the same device is
 * refused (with dev) or leaves that device out (without dev, with a
 * warning). Without dev, devices attached later are picked up too (the
 * pin directory is scanned every second), and so is the new ring of a
 * device detached and attached again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"

#include "aftr.h"
#include "json.h"

#define RESCAN_MS	1000
#define STOP_COUNT	(-ECANCELED)	/* callback: count reached */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct mon;

/* One ring buffer being read. */
struct ring {
	struct mon *m;
	char ifname[DSLITECTL_IFNAMSIZ];
	uint32_t map_id;
	int map_fd;
	int dir_fd;		/* holds the reader's lock */
	bool warned;
};

struct mon {
	const char *what;
	const char *ifname;	/* dev given, or NULL: every device */
	uint64_t count, seen;
	struct ring_buffer *rb;
	struct ring **rings;
	size_t n_rings;
	char (*busy)[DSLITECTL_IFNAMSIZ];	/* warned about, skipped */
	size_t n_busy;
};

static const char *event_name(unsigned int type)
{
	switch (type) {
	case DSLITE_EV_NEW:
		return "new";
	case DSLITE_EV_STATE:
		return "state";
	case DSLITE_EV_REMOTE_ADMIN_DOWN:
		return "admin-down";
	case DSLITE_EV_TIMEOUT:
		return "timeout";
	case DSLITE_EV_REAPED:
		return "reaped";
	}
	return "unknown";
}

static void print_event(const struct ring *r, const struct dslite_aftr_event *e)
{
	char b4[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN], t[40];

	inet_ntop(AF_INET6, e->b4.addr, b4, sizeof(b4));
	inet_ntop(AF_INET6, e->local.addr, local, sizeof(local));
	aftr_mono_to_real(e->ts_ns, t, sizeof(t));

	print_open_object(NULL);
	print_string("time", "%s", t);
	print_uint("monotonic-ns", NULL, e->ts_ns);
	print_string("dev", " %s:", r->ifname);
	print_string("peer", " peer %s", b4);
	print_string("event", " %s", event_name(e->type));
	print_string("old-status", " %s", bfd_status_name(e->old_state));
	print_string("status", " -> %s", bfd_status_name(e->new_state));
	aftr_print_diags(e->diag, e->remote_state, e->remote_diag,
			 " remote %s");
	print_uint("id", " id %" PRIu64, e->local_discr);
	print_uint("remote-id", " remote-id %" PRIu64, e->remote_discr);
	print_uint("node-id", NULL, e->local_discr >> DSLITE_DISCR_NODE_SHIFT);
	print_string("local", " local %s", local);
	print_close_object();
	print_end();
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct ring *r = ctx;
	struct mon *m = r->m;

	if (size < sizeof(struct dslite_aftr_event))
		return 0;
	print_event(r, data);
	m->seen++;
	if (m->count && m->seen >= m->count)
		return STOP_COUNT;
	return 0;
}

static bool was_busy(struct mon *m, const char *ifname)
{
	size_t i;

	for (i = 0; i < m->n_busy; i++)
		if (!strcmp(m->busy[i], ifname))
			return true;
	return false;
}

/* locked_here(m, fd): this monitor holds the lock of fd's directory
 * already (through the ring of an earlier attach). */
static bool locked_here(const struct mon *m, int fd)
{
	struct stat a, b;
	size_t i;

	if (fstat(fd, &a))
		return false;
	for (i = 0; i < m->n_rings; i++)
		if (!fstat(m->rings[i]->dir_fd, &b) && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return true;
	return false;
}

/*
 * watch(m, ifname): start reading the ring of ifname unless it is read
 * already. Returns 0 (also when the device is not attached any more), or
 * an exit code after printing why.
 */
static int watch(struct mon *m, const char *ifname)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	char dir[PATH_MAX];
	struct ring *r, **nr;
	int fd, dfd;
	size_t i;

	aftr_pin_path(ifname, DSLITE_MAP_EVENTS, dir, sizeof(dir));
	fd = bpf_obj_get(dir);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return 0;
	}
	for (i = 0; i < m->n_rings; i++) {
		if (m->rings[i]->map_id == info.id) {
			close(fd);
			return 0;
		}
	}

	aftr_pin_path(ifname, NULL, dir, sizeof(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		close(fd);
		return 0;
	}
	if (flock(dfd, LOCK_EX | LOCK_NB) && !locked_here(m, dfd)) {
		close(dfd);
		close(fd);
		if (m->ifname)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, m->what,
					     "%s: another monitor is reading its events (a ring buffer has one reader)",
					     ifname);
		if (!was_busy(m, ifname)) {
			char (*b)[DSLITECTL_IFNAMSIZ];

			dslitectl_err(0, m->what,
				      "%s: another monitor is reading its events, left out",
				      ifname);
			b = realloc(m->busy, (m->n_busy + 1) * sizeof(*b));
			if (b) {
				m->busy = b;
				snprintf(b[m->n_busy++], DSLITECTL_IFNAMSIZ,
					 "%s", ifname);
			}
		}
		return 0;
	}

	r = calloc(1, sizeof(*r));
	nr = realloc(m->rings, (m->n_rings + 1) * sizeof(*nr));
	if (!r || !nr) {
		free(r);
		if (nr)
			m->rings = nr;
		close(dfd);
		close(fd);
		return dslitectl_err(DSLITECTL_EXIT_ERROR, m->what, "%s",
				     strerror(ENOMEM));
	}
	m->rings = nr;
	r->m = m;
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->map_id = info.id;
	r->map_fd = fd;
	r->dir_fd = dfd;
	if (!m->rb) {
		m->rb = ring_buffer__new(fd, on_event, r, NULL);
		if (!m->rb) {
			int err = errno;

			free(r);
			close(dfd);
			close(fd);
			return dslitectl_err(DSLITECTL_EXIT_ERROR, m->what,
					     "reading the events of %s: %s",
					     ifname, strerror(err));
		}
	} else if (ring_buffer__add(m->rb, fd, on_event, r)) {
		int err = errno;

		free(r);
		close(dfd);
		close(fd);
		return dslitectl_err(DSLITECTL_EXIT_ERROR, m->what,
				     "reading the events of %s: %s", ifname,
				     strerror(err));
	}
	m->rings[m->n_rings++] = r;
	return 0;
}

static int scan(struct mon *m)
{
	char (*names)[DSLITECTL_IFNAMSIZ];
	size_t n, i;
	int ret = 0;

	if (m->ifname)
		return watch(m, m->ifname);
	if (aftr_list_devs(&names, &n))
		return 0;	/* tried again at the next scan */
	for (i = 0; i < n && !ret; i++)
		ret = watch(m, names[i]);
	free(names);
	return ret;
}

static void mon_free(struct mon *m)
{
	size_t i;

	ring_buffer__free(m->rb);
	for (i = 0; i < m->n_rings; i++) {
		close(m->rings[i]->map_fd);
		close(m->rings[i]->dir_fd);
		free(m->rings[i]);
	}
	free(m->rings);
	free(m->busy);
}

/* mon_args(what, argc, argv, ifname, wo): dev, count and ready */
static int mon_args(const char *what, int argc, char **argv,
		    char ifname[DSLITECTL_IFNAMSIZ], struct watch_opts *wo)
{
	int ret;

	for (; argc > 0; argc--, argv++) {
		const char *kw = argv[0];

		if (!kw_is(kw, "dev") && !watch_kw_is(kw))
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "unexpected argument \"%s\" (try \"dslitectl aftr help\")",
					     kw);
		if (need_arg(what, argc, argv))
			return DSLITECTL_EXIT_USAGE;
		argc--, argv++;
		if (!kw_is(kw, "dev")) {
			ret = watch_kw(what, kw, argv[0], wo);
			if (ret)
				return ret;
			continue;
		}
		if (ifname[0])
			return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
					     "\"%s\" given twice", kw);
		if (parse_ifname(what, argv[0], ifname))
			return DSLITECTL_EXIT_USAGE;
	}
	return 0;
}

/* mon_loop(m, orig): read the rings until a signal or the count, scan
 * for new devices every RESCAN_MS. Returns an exit code. */
static int mon_loop(struct mon *m, const sigset_t *orig)
{
	uint64_t last_scan;
	int ret;

	last_scan = mono_ns();
	while (!stop) {
		struct epoll_event ev[8];
		int r;

		if (m->rb) {
			r = epoll_pwait(ring_buffer__epoll_fd(m->rb), ev, 8,
					RESCAN_MS, orig);
		} else {
			struct timespec ts = { .tv_sec = RESCAN_MS / 1000 };

			r = ppoll(NULL, 0, &ts, orig);
		}
		if (r < 0 && errno != EINTR)
			return dslitectl_err(DSLITECTL_EXIT_ERROR, m->what,
					     "waiting for events: %s",
					     strerror(errno));
		if (m->rb) {
			r = ring_buffer__consume(m->rb);
			if (r == STOP_COUNT)
				break;
			if (r < 0)
				return dslitectl_err(DSLITECTL_EXIT_ERROR,
						     m->what,
						     "reading events: %s",
						     strerror(-r));
		}
		if (mono_ns() - last_scan >= RESCAN_MS * 1000000ULL) {
			ret = scan(m);
			if (ret)
				return ret;
			last_scan = mono_ns();
		}
	}
	return DSLITECTL_EXIT_OK;
}

int aftr_monitor(int argc, char **argv)
{
	const char *what = "aftr monitor";
	char ifname[DSLITECTL_IFNAMSIZ] = "";
	struct mon m = { .what = what };
	struct watch_opts wo = {};
	sigset_t orig;
	int ret;

	ret = mon_args(what, argc, argv, ifname, &wo);
	if (ret)
		return ret;
	m.count = wo.count;
	ret = aftr_prepare(what, NULL);
	if (ret)
		return ret;

	/* signals stay blocked except while waiting, so none is lost */
	watch_signals(on_signal, &orig);

	if (ifname[0]) {
		struct aftr_dev d;

		m.ifname = ifname;
		ret = aftr_dev_open(what, ifname, &d);
		if (ret)
			goto out;
		aftr_dev_close(&d);
	}
	ret = scan(&m);
	if (ret)
		goto out;
	if (m.ifname && !m.rb) {
		ret = dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				    "%s: no event ring pinned (%s/%s/%s)",
				    ifname, aftr_ns_dir(), ifname,
				    DSLITE_MAP_EVENTS);
		goto out;
	}
	ret = watch_ready(what, &wo);
	if (ret)
		goto out;

	ret = mon_loop(&m, &orig);
out:
	mon_free(&m);
	return ret;
}
