#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The B4 side on the CPEs it runs on: the unit tests cross-built for
# big-endian MIPS and 32-bit ARM (make cross, selftests/cross.mk: static)
# run under qemu-user, and the B4-only dslitectl built for them starts
# and knows what it is. One line per program and target; a program passes
# when it exits 0 with no "not ok" (its failing checks are shown).
#
#   build/cross/mips-linux-gnu/tests/*       --> qemu-mips  (big-endian)
#   build/cross/arm-linux-gnueabihf/tests/*  --> qemu-arm   (32-bit)
#
# Skipped, with the reason, only for what cannot be had: a cross gcc or
# qemu-user not installed (scripts/deps.sh installs them), or libmnl's
# source not fetched (what needs libmnl: dslitectl and dslitectl_unit).

root=${DSLITE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cross=$root/build/cross
unit="bfd_test pcp_test b4_ping_test b4_wire_test"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }

# run_unit TRIPLET QEMU PROG
run_unit() {
	local bin=$cross/$1/tests/$3 out rc total bad
	if [ ! -x "$bin" ]; then
		not_ok "$1: $3 is not built (make tests)"
		return
	fi
	out=$("$2" "$bin" 2>&1)
	rc=$?
	total=$(grep -cE '^(not )?ok ' <<<"$out")
	bad=$(grep -c '^not ok ' <<<"$out")
	if [ $rc -eq 0 ] && [ "$bad" -eq 0 ] && [ "$total" -gt 0 ]; then
		ok "$1: $3 under $2: $total of $total"
	else
		not_ok "$1: $3 under $2: $bad of $total failed (exit $rc)"
		grep -E '^not ok |^#' <<<"$out" | sed 's/^/#   /' | head -40
	fi
}

# run_tool TRIPLET QEMU: the B4-only dslitectl, static, for that target
run_tool() {
	local bin=$cross/$1/dslitectl out size
	if [ ! -x "$bin" ]; then
		not_ok "$1: dslitectl is not built (make tests)"
		return
	fi
	if ! "$1-readelf" -d "$bin" 2>&1 | grep -q 'no dynamic section'; then
		not_ok "$1: dslitectl is linked dynamically"
	fi
	out=$("$2" "$bin" --version 2>&1)
	if [ "$out" = "dslitectl $(sed -n 's/^VERSION := //p' "$root/Makefile") (B4-only build)" ]; then
		ok "$1: dslitectl --version under $2: $out"
	else
		not_ok "$1: dslitectl --version under $2: '$out'"
	fi
	out=$("$2" "$bin" aftr show 2>&1)
	if [ $? -eq 1 ] && grep -q 'no AFTR role' <<<"$out"; then
		ok "$1: dslitectl aftr says the B4-only build has no AFTR role"
	else
		not_ok "$1: dslitectl aftr: '$out'"
	fi
	"$1-strip" -o "$bin.stripped" "$bin" &&
		echo "# $1: dslitectl (B4-only, static: libc and libmnl included): $(stat -c %s "$bin.stripped") bytes stripped"
	rm -f "$bin.stripped"
}

echo "TAP version 13"
for t in mips-linux-gnu arm-linux-gnueabihf; do
	q=qemu-${t%%-*}
	if ! command -v "$t-gcc" >/dev/null; then
		skip "$t: cross builds" "$t-gcc is not installed (scripts/deps.sh installs it)"
		continue
	fi
	if ! command -v "$q" >/dev/null; then
		skip "$t: unit tests" "$q is not installed (qemu-user; scripts/deps.sh installs it)"
		continue
	fi
	for p in $unit; do
		run_unit "$t" "$q" "$p"
	done
	if [ -e "$cross/$t/libmnl/libmnl.a" ]; then
		run_unit "$t" "$q" dslitectl_unit
		run_tool "$t" "$q"
	else
		why=$(cat "$cross/src/unavailable" 2>/dev/null)
		skip "$t: dslitectl and dslitectl_unit (need libmnl)" \
			"${why:-no libmnl source in build/cross/src (scripts/deps.sh fetches it)}"
	fi
done
echo "1..$n"
exit $failed
