#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages dslite needs to build, test, benchmark and run
# its demo. Idempotent: when everything is installed it only asks dpkg and
# returns. Otherwise it runs "apt-get update" once and installs what is
# missing, without recommends and without starting any service.
#
# It also fetches one source package once, into build/cross/src/:
# libmnl's, for the static cross builds of the B4 side (Debian ships no
# libmnl.a, and no big-endian MIPS libmnl at all). When that cannot be
# fetched, build/cross/src/unavailable says why and the cross check links
# only what does not need libmnl (remove the file to try again).
#
#   scripts/deps.sh          install what is missing (root)
#   scripts/deps.sh --check  list what is missing, exit 1 if anything is

set -euo pipefail

# The one list. Add what your part needs, with the reason.
packages=(
	# build
	# (no gcc-multilib: it conflicts with every cross gcc below, and the
	# BPF objects take asm/ from /usr/include/<triplet> instead of its
	# /usr/include/asm link)
	make gcc libc6-dev pkg-config
	clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libmnl-dev
	libclang-rt-14-dev	# libFuzzer and the sanitizers' runtimes for
				# clang 14 (selftests/fuzz/)
	linux-headers-amd64	# KDIR for dslite.ko (pulls the 6.1.0-N pair)
	libmicrohttpd-dev	# the metrics' HTTP endpoint (user/http.c, HTTP=1)
	# the cross checks of the B4 side (selftests/host/cross.sh): a CPE's
	# 32-bit ARM and big-endian MIPS, static, run under qemu-user; the
	# C libraries are only recommended by the compilers
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	gcc-mips-linux-gnu libc6-dev-mips-cross
	qemu-user
	# the real-kernel test VM
	linux-image-amd64 qemu-system-x86 busybox-static cpio kmod
	# tests, benchmarks, demo
	bash coreutils util-linux procps psmisc iproute2 iputils-ping
	nftables tcpdump jq python3
	gojq			# the tests' JSON queries in the VM (lib.sh JQ): a
				# third of jq 1.6's start-up cost under TCG
	bzip2			# unpacks libmnl's source (cross check)
	frr			# BFD peer (bfdd); bgpd, zebra: the anycast group's BGP
	bird2			# BIRD on anycast group members (anycast_bgp_bird.sh);
				# BIRD's BFD against padded packets (b4_bfd_echo_frr.sh)
	miniupnpd-nftables	# PCP server
	stress-ng		# CPU and timer stressors (selftests/bench/faults.sh stress)
	prometheus		# promtool checks the metrics' exposition format
	shellcheck		# the OpenWrt package's scripts (openwrt_scripts.sh;
				# busybox-static above is their ash)
	systemd			# systemd-analyze verify, and systemd itself for the units' test
	man-db			# systemd-analyze verify checks the units' man page
	# make deb (scripts/deb.sh, debian/) and its tests: dpkg-buildpackage
	# with dh and the dh_dkms addon, lintian on the result
	# (host/deb_lintian.sh); dkms builds dslite.ko when the test VM
	# installs dslite-dkms (packaging/package.sh: the host's root is the
	# VM's, and linux-headers-amd64 above gives the VM kernel's headers)
	dpkg-dev debhelper dh-dkms dkms fakeroot lintian
	prometheus		# promtool checks the metrics' exposition format;
				# its server scrapes both roles (metrics_http)
	curl			# the metrics endpoint's tests (metrics_http)
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

# fetch_libmnl_src: Debian's libmnl source package (the .dsc and its
# tarballs, hashes checked by apt against the signed Sources index) into
# build/cross/src/, once. apt runs on a private state directory there,
# with the machine's own Debian entries turned into deb-src ones, so the
# machine's apt configuration is left as it is and root is not needed.
fetch_libmnl_src() {
	local dir apt f
	dir=$(cd "$(dirname "$0")/.." && pwd)/build/cross/src
	compgen -G "$dir/libmnl_*.orig.tar.*" >/dev/null && return 0
	[ -e "$dir/unavailable" ] && return 0
	apt=$dir/apt
	rm -rf "$apt"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" \
		"$apt/sources.list.d"
	: >"$apt/sources.list"
	[ -f /etc/apt/sources.list ] &&
		sed -n 's/^deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
			>"$apt/sources.list"
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case $f in
		*.list) sed -n 's/^deb[[:space:]]/deb-src /p' "$f" ;;
		*) sed 's/^Types:.*/Types: deb-src/' "$f" ;;
		esac >"$apt/sources.list.d/${f##*/}"
	done
	local opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list"
		-o "Dir::Etc::SourceParts=$apt/sources.list.d"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	echo "deps.sh: fetching libmnl's source package into $dir"
	apt-get "${opts[@]}" update >"$dir/fetch.log" 2>&1 || true
	if (cd "$dir" && apt-get "${opts[@]}" source --download-only libmnl \
			>>"$dir/fetch.log" 2>&1) &&
	   compgen -G "$dir/libmnl_*.orig.tar.*" >/dev/null; then
		rm -rf "$apt"
		return 0
	fi
	{
		printf "libmnl's source package could not be fetched"
		grep -m1 -E '^E: ' "$dir/fetch.log" |
			sed -E 's|^E: Failed to fetch [^ ]*/([^/ ]+) +| (\1: |; s/ *\[IP.*//; s/$/)/'
	} | tr -s '\n ' ' ' | sed 's/ $//' >"$dir/unavailable"
	echo "deps.sh: $(cat "$dir/unavailable") (see $dir/fetch.log)" >&2
	rm -rf "$apt"
}

if [ ${#need[@]} -eq 0 ]; then
	fetch_libmnl_src
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${need[*]}" >&2
	echo "deps.sh: run as root (sudo $0) to install them" >&2
	exit 1
fi

echo "deps.sh: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive

# Package scripts must not start daemons (frr, miniupnpd, prometheus) on
# this machine:
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
fetch_libmnl_src
