#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# b4_failover.sh again with the B4-only build of dslitectl (make b4,
# build/b4/dslitectl: what a CPE installs) in the B4 role: "b4 run",
# "b4 status" and the B4's monitor run it, the AFTRs keep the full build
# for "aftr attach". So the CPE's binary is checked against a real
# ip6tnl and dslite.ko, failing over and back, not only built.
#
#  [B4] build/b4/dslitectl b4 run --- [ME] --- [AFTR1] build/dslitectl aftr attach
#                                          \-- [AFTR2] build/dslitectl aftr attach
#
# First, that it is that build: "(B4-only build)" in --version, and no
# libbpf, libelf or zlib among the libraries it needs.
root=${DSLITE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export DSLITECTL_B4=${DSLITECTL_B4:-$root/build/b4/dslitectl}

bad() {
	echo "TAP version 13"
	echo "not ok 1 $*"
	echo "1..1"
	exit 1
}
[ -x "$DSLITECTL_B4" ] || bad "$DSLITECTL_B4 is not built (make tests)"
"$DSLITECTL_B4" --version | grep -q '(B4-only build)$' ||
	bad "$DSLITECTL_B4 is not the B4-only build: $("$DSLITECTL_B4" --version)"
needed=$(readelf -d "$DSLITECTL_B4" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
case $needed in
*libbpf* | *libelf* | *libz.*) bad "$DSLITECTL_B4 needs $needed" ;;
esac
exec bash "$(dirname "$0")/b4_failover.sh"
