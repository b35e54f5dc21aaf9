#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, PCP rows: what one miniupnpd (Debian's miniupnpd-nftables, one
# process, one core) sustains, so an operator can choose pcp-interval: the
# load at an AFTR is (B4s / pcp-interval) requests per second.
#
#   netns pcl                            netns psrv
#   [load generator 192.0.0.2] --veth-- [192.0.0.1:5351 miniupnpd]
#     MAP requests, W in flight             wan0 (veth) 11.0.9.1
#
# Rows: N new mappings (one per internal port, each an nft rule), then
# renewals of those N for a fixed time; the floor is the same generator
# against a UDP reflector (its own ceiling: a server figure near it means
# the generator, not the server, was the limit).
#
#   selftests/bench/pcp_bench.sh [N] [SECONDS]

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-1000} secs=${2:-5}
. "$root/selftests/miniupnpd_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "pcp bench: needs root (network namespaces)" >&2
	exit 1
fi
command -v miniupnpd >/dev/null || { echo "pcp bench: miniupnpd not installed: skipped" >&2; exit 0; }

sfx=$(mktemp -u XXXXXX)
cl=pcl-$sfx srv=psrv-$sfx tmp=$(mktemp -d)
cleanup() {
	[ -f "$tmp/pid" ] && kill "$(cat "$tmp/pid")" 2>/dev/null
	ip netns del "$cl" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$cl" && ip netns add "$srv" &&
ip -n "$cl" link add pc0 type veth peer name ps0 netns "$srv" &&
ip -n "$cl" link set pc0 up && ip -n "$srv" link set ps0 up &&
ip -n "$cl" addr add 192.0.0.2/29 dev pc0 &&
ip -n "$srv" addr add 192.0.0.1/29 dev ps0 &&
ip -n "$srv" link add wan0 type veth peer name wanp &&
ip -n "$srv" link set wan0 up && ip -n "$srv" link set wanp up &&
ip -n "$srv" addr add 11.0.9.1/24 dev wan0 &&
miniupnpd_setup "$srv" ps0 "$tmp/m.conf" defaults || { echo "pcp bench: set-up failed" >&2; exit 1; }

# gen MODE PORT: the load generator; MODE pcp (MAP requests) or echo
gen() {
	ip netns exec "$cl" env PCP_BENCH_WINDOW="${PCP_BENCH_WINDOW:-64}" python3 - "$1" "$2" "$n" "$secs" <<'EOF'
import os, socket, struct, sys, time
mode, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
W = int(os.environ.get("PCP_BENCH_WINDOW", "64"))
def req(i):
    iport = 1024 + i
    head = struct.pack('!BBHI', 2, 1, 0, 120) + bytes(10) + b'\xff\xff' + socket.inet_aton('192.0.0.2')
    nonce = struct.pack('!III', 0x64736c74, i, 0)
    body = nonce + struct.pack('!B3xHH', 17, iport, 0) + bytes(10) + b'\xff\xff' + bytes(4)
    return head + body
reqs = [req(i) for i in range(n)]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('192.0.0.2', 0))
s.connect(('192.0.0.1', port))
s.settimeout(0.5)
def run(count=None, until=None):
    sent = done = got = 0; i = 0; t0 = time.monotonic()
    while True:
        if count is not None and done >= count: break
        if until is not None and time.monotonic() - t0 >= until: break
        while sent - done < W and (count is None or sent < count):
            s.send(reqs[i % n]); i += 1; sent += 1
        try:
            s.recv(2048); got += 1; done += 1
        except socket.timeout:
            done = sent       # the rest of the window lost: go on
    return got, time.monotonic() - t0
if mode == 'pcp':
    g, t = run(count=n)
    print('new %d %.3f' % (g, t))
    g, t = run(until=secs)
    print('renew %d %.3f' % (g, t))
else:
    g, t = run(until=secs)
    print('floor %d %.3f' % (g, t))
EOF
}

# the floor: a UDP reflector in the server's place
ip netns exec "$srv" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("192.0.0.1", 5999))
while True:
    d, a = s.recvfrom(2048); s.sendto(d, a)' &
echo $! >"$tmp/refl"
sleep 0.5
floor=$(gen echo 5999)
kill "$(cat "$tmp/refl")" 2>/dev/null

ip netns exec "$srv" miniupnpd -f "$tmp/m.conf" -P "$tmp/pid" || { echo "pcp bench: miniupnpd did not start" >&2; exit 1; }
for _ in $(seq 50); do
	ip netns exec "$srv" ss -Hlun 'sport = :5351' | grep -q 192.0.0.1 && break
	sleep 0.1
done
res=$(gen pcp 5351)
rules=$(ip netns exec "$srv" nft list chain inet filter prerouting_miniupnpd | grep -c dnat)

rate() { awk -v c="$1" -v t="$2" 'BEGIN { printf "%.0f", c / t }'; }
read -r _ fc ft <<<"$floor"
read -r _ nc nt <<<"$(sed -n 1p <<<"$res")"
read -r _ rc rt <<<"$(sed -n 2p <<<"$res")"
f=$(rate "$fc" "$ft") nw=$(rate "$nc" "$nt") rn=$(rate "$rc" "$rt")
printf '\nPCP server (miniupnpd %s, one process), %d mappings, 64 requests in flight\n' \
	"$(dpkg-query -W -f='${Version}' miniupnpd-nftables 2>/dev/null)" "$n"
printf '%-44s %12s %8s\n' "row" "answers/s" "x floor"
printf '%-44s %12s %8s\n' "floor: the generator against a UDP reflector" "$f" "1.00"
printf '%-44s %12s %8s\n' "new mappings ($rules nft rules made)" "$nw" "$(awk -v a="$nw" -v b="$f" 'BEGIN { printf "%.3f", a / b }')"
printf '%-44s %12s %8s\n' "renewals of those mappings" "$rn" "$(awk -v a="$rn" -v b="$f" 'BEGIN { printf "%.3f", a / b }')"
awk -v r="$rn" 'BEGIN { printf "B4s one such core serves at pcp-interval 20 s: %.0f; at 60 s: %.0f\n", r * 20, r * 60 }'
