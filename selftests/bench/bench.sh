#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: run dslite_bench (BPF_PROG_TEST_RUN rows), then the same
# responder on a veth pair driven by a live-frames generator:
#
#   netns bgen                          netns bresp
#   [dslite_b_gen -> veth bg0] <=====> [veth br0 : dslite_aftr (XDP native)]
#    dslite_b_sink counts answers        answers BFD with XDP_TX
#
#   selftests/bench/bench.sh [BENCH_BINARY] [dslite_bench options]

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/bench/dslite_bench}
[ $# -gt 0 ] && shift

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (BPF_PROG_TEST_RUN, XDP, netns)" >&2
	exit 1
fi

suffix=$(mktemp -u XXXXXX)
gen=bgen-$suffix resp=bresp-$suffix
cleanup() {
	ip netns del "$gen" 2>/dev/null
	ip netns del "$resp" 2>/dev/null
}
trap cleanup EXIT

live=()
if ip netns add "$gen" && ip netns add "$resp" &&
   ip -n "$gen" link add bg0 type veth peer name br0 netns "$resp" &&
   ip -n "$gen" link set bg0 up && ip -n "$resp" link set br0 up; then
	live=(-l "$gen" bg0 "$resp" br0)
else
	echo "bench: no veth pair in network namespaces: live-frames row skipped" >&2
fi

"$bin" "$@" "${live[@]}"
st=$?

# path MTU toward 50,000 B4s: the kernel against dslite's record, in the
# test VM (selftests/bench/pmtu_bench.sh; some 10-20 minutes under TCG)
if [ -x "$root/build/tests/ptb_send" ] && [ -x "$root/build/tests/aftr_peer" ]; then
	"$root/selftests/vm/run.sh" "$root/selftests/bench/pmtu_bench.sh" || st=1
else
	echo "bench: build/tests/ptb_send or aftr_peer missing (make tests): path MTU rows skipped" >&2
fi
exit $st
