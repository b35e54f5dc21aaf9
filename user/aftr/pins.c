// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr: the pin directories (aftr.h): this network namespace's
 * directory DSLITE_PIN_ROOT/netns-COOKIE and its devices' directories, the
 * pinned link of a device, the lock every change holds, and the pins that
 * other namespaces, vanished devices and the old layout
 * (DSLITE_PIN_ROOT/IFNAME) left: adopted when their responder runs here,
 * removed by "aftr prune" once dead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslite_aftr.h"

#include "aftr.h"

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

int aftr_prepare(const char *what, int *lock_fd)
{
	int ret;

	ret = aftr_bpffs_check(what);
	if (ret)
		return ret;
	aftr_set_libbpf_print();
	if (!lock_fd)
		return 0;
	*lock_fd = aftr_lock_root(what);
	return *lock_fd < 0 ? DSLITECTL_EXIT_ERROR : 0;
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

/*
 * aftr_link_open(path, d): the pinned link at path, if any, into d. Returns 0
 * (no link: d->link_fd stays -1) or -errno for a pin that is not an XDP
 * link.
 */
int aftr_link_open(const char *path, struct aftr_dev *d)
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
	aftr_pin_path(ifname, NULL, d->dir, sizeof(d->dir));
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
	aftr_pin_path(ifname, AFTR_LINK_PIN, path, sizeof(path));
	err = aftr_link_open(path, d);
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
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info), want = 0;
	char path[PATH_MAX];
	int fd;

	aftr_pin_path(d->ifname, name, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;
	/* the maps whose values this build reads as its own structs: an
	 * upgrade to another layout leaves them to the build that made it */
	if (!strcmp(name, DSLITE_MAP_SESSIONS))
		want = sizeof(struct dslite_aftr_session);
	else if (!strcmp(name, DSLITE_MAP_COUNTERS))
		want = DSLITE_CNT__MAX * sizeof(__u64);
	if (want && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.value_size != want) {
		fprintf(stderr,
			"dslitectl: %s: %s holds values of %u bytes, this dslitectl reads %u: the responder was upgraded to another layout (use the dslitectl that attached it)\n",
			d->ifname, name, info.value_size, want);
		close(fd);
		errno = EPROTO;
		return -1;
	}
	return fd;
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
 * aftr_lock_root(what): create DSLITE_PIN_ROOT if needed and hold an exclusive
 * lock on it until exit, so attaches and detaches do not interleave.
 * Returns the fd, or -1 after printing why.
 */
int aftr_lock_root(const char *what)
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
	err = aftr_link_open(lpath, &d);
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

/*
 * migrate(what): move the old layout's pin directories whose responder
 * runs on a device of this namespace to this namespace's directory, so
 * an upgrade keeps every responder and its sessions. The others wait for
 * a command in their own namespace, or for "aftr prune" once dead.
 */
void aftr_migrate(const char *what)
{
	int fd;

	if (!legacy_pins())
		return;
	fd = aftr_lock_root(what);
	if (fd < 0)
		return;
	sweep(what, false);
	close(fd);
}

int aftr_prune(int argc, char **argv)
{
	const char *what = "aftr prune";
	int ret, lock_fd;

	if (argc > 0)
		return dslitectl_err(DSLITECTL_EXIT_USAGE, what,
				     "unexpected argument \"%s\" (try \"dslitectl aftr help\")",
				     argv[0]);
	ret = aftr_prepare(what, &lock_fd);
	if (ret)
		return ret;
	ret = sweep(what, true);
	close(lock_fd);
	fflush(stdout);
	return ret;
}
