/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Kernel capability probes for the AFTR loader and its tests (userspace).
 *
 * libbpf_probe_bpf_helper() recognises a refused helper only by the
 * verifier messages of older kernels ("unknown func", "invalid func");
 * newer ones say "program of this type cannot use helper" and libbpf
 * 1.1 then reports the helper as available. Loading the smallest
 * program that calls the helper answers for every kernel.
 */
#ifndef _DSLITE_XDP_PROBE_H
#define _DSLITE_XDP_PROBE_H

#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

/* 1 if XDP programs may call bpf_xdp_adjust_meta(), 0 if not, -errno
 * when the probe could not be loaded for another reason */
static inline int dslite_probe_xdp_adjust_meta(void)
{
	const struct bpf_insn insns[] = {
		/* r2 = -8; call bpf_xdp_adjust_meta(r1 = ctx, r2) */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2,
		  .imm = -8 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_xdp_adjust_meta },
		/* return XDP_PASS */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "dslite_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), NULL);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == EINVAL ? 0 : -errno;
}

#endif /* _DSLITE_XDP_PROBE_H */
