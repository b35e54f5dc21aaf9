// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl aftr: the responder's tc filters (the anycast PTB relay on
 * clsact ingress, anycast.c; the per-softwire MTU on clsact egress,
 * attach.c). Each is one direct-action filter of a fixed handle and
 * priority that holds its program (nothing pinned, gone with the
 * device); a filter at that place is ours only if its program has our
 * name, so another tool's filter is never touched.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dslitectl.h"
#include "aftr.h"

/* is the program of this id called name? */
static bool prog_named(uint32_t id, const char *name)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);
	bool ours;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	/* the kernel keeps BPF_OBJ_NAME_LEN - 1 characters of the name */
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strncmp(info.name, name, sizeof(info.name) - 1);
	close(fd);
	return ours;
}

static const char *point_name(const struct aftr_tc *f)
{
	return f->egress ? "tc egress" : "tc ingress";
}

int aftr_tc_remove(const char *what, const struct aftr_tc *f, int ifindex,
		   const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = f->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = f->handle,
		    .priority = f->prio);
	int err;

	if (!ifindex || bpf_tc_query(&hook, &opts) ||
	    !prog_named(opts.prog_id, f->prog))
		return 0;	/* no device, no filter, or someone else's */
	opts.prog_id = 0;
	opts.prog_fd = 0;
	opts.flags = 0;
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "removing the %s from %s (%s): %s", f->what,
				     ifname, point_name(f), strerror(-err));
	return 0;
}

int aftr_tc_put(const char *what, const struct aftr_tc *f, int ifindex,
		const char *ifname, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = f->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = f->handle,
		    .priority = f->prio, .flags = BPF_TC_F_REPLACE,
		    .prog_fd = prog_fd);
	bool created = true;
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err == -EEXIST)
		created = false;
	else if (err)
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "adding a clsact qdisc to %s for the %s: %s",
				     ifname, f->what, strerror(-err));
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		if (created) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		return dslitectl_err(DSLITECTL_EXIT_ERROR, what,
				     "attaching the %s to %s (%s): %s", f->what,
				     ifname, point_name(f), strerror(-err));
	}
	return 0;
}
