#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages dslite needs to build, test, benchmark and run
# its demo. Idempotent: when everything is installed it only asks dpkg and
# returns. Otherwise it runs "apt-get update" once and installs what is
# missing, without recommends and without starting any service.
#
#   scripts/deps.sh          install what is missing (root)
#   scripts/deps.sh --check  list what is missing, exit 1 if anything is

set -euo pipefail

# The one list. Add what your part needs, with the reason.
packages=(
	# build
	make gcc libc6-dev gcc-multilib pkg-config
	clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libmnl-dev
	linux-headers-amd64	# KDIR for dslite.ko (pulls the 6.1.0-N pair)
	# the real-kernel test VM
	linux-image-amd64 qemu-system-x86 busybox-static cpio kmod
	# tests, benchmarks, demo
	bash coreutils util-linux procps psmisc iproute2 iputils-ping
	nftables tcpdump jq python3
	frr			# BFD peer (bfdd)
	miniupnpd-nftables	# PCP server
)

missing() {
	local p st
	for p in "${packages[@]}"; do
		st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		[ "${st:0:2}" = ii ] || echo "$p"
	done
}

mapfile -t need < <(missing)

if [ "${1:-}" = --check ]; then
	[ ${#need[@]} -eq 0 ] && exit 0
	printf '%s\n' "${need[@]}"
	exit 1
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${need[*]}" >&2
	echo "deps.sh: run as root (sudo $0) to install them" >&2
	exit 1
fi

echo "deps.sh: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive

# Package scripts must not start daemons (frr, miniupnpd) on this machine:
# invoke-rc.d asks policy-rc.d, and 101 means "not allowed".
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi

apt-get update -q
apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${need[@]}"

mapfile -t need < <(missing)
if [ ${#need[@]} -gt 0 ]; then
	echo "deps.sh: still missing after install: ${need[*]}" >&2
	exit 1
fi
