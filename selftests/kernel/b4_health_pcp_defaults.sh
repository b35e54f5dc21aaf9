#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PCP health on defaults, both sides: miniupnpd as Debian ships it (grants
# at least 120 s, error answers carry 30 s) and the daemon with nothing
# but "health pcp" (pcp-interval 20 s, pcp-failures 1, pcp-deadline 15 s).
#   - both AFTRs mapped for 120 s, the renewals every ~20 s (the interval,
#     not 60..75 s from the lifetime);
#   - AFTR1's NAT loses its external address: its next request (at most
#     ~22 s later) gets NETWORK_FAILURE and that one answer fails over to
#     AFTR2, within 1 s of it and within 30 s of the fault; the
#     subscriber's IPv4 flows again through AFTR2;
#   - AFTR1, now a standby answering NETWORK_FAILURE, shows why in
#     b4 status and is no failover target: AFTR2's server stops, and the
#     carrier goes down (path-down) instead of moving back to AFTR1;
#   - AFTR1's address back: healthy again, the tunnel moves to it.
#
#  [B4] ds0 -> AFTR1 ---- [ME] ---- [AFTR1] ds 192.0.0.1 <- miniupnpd ---- [INET]
#   192.0.0.2/29            |         wan0 (dummy) 11.0.1.1 (PCP external)   |
#   dslitectl b4 run        \------- [AFTR2] ds 192.0.0.1 <- miniupnpd ------/
#     ... health pcp                   wan0 (dummy) 11.0.2.1   203.0.113.1
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"
. "$(dirname "$0")/../miniupnpd_lib.sh"

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
require_root
require_cmd miniupnpd nft jq
kmod_load || tap_skip_all "cannot load dslite.ko"
miniupnpd_modules
b4_topo 2 inet || tap_skip_all "cannot build the topology"

in_a() { local n=$1; shift; ip netns exec "$(aftr_ns $n)" "$@"; }
pq() { b4_q ".peers[] | select(.peer == \"$(aftr_addr $1)\") | .pcp[\"$2\"]"; }
# log_ms REGEX: the time of day (ms) of the first log line matching REGEX
log_ms() {
	grep -E -m 1 -- "$1" "$B4_LOG" |
		awk '{ split($1, t, "[:.]"); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }'
}
__inet() { in_b4 ping -c 1 -W 1 $INET_HOST >/dev/null 2>&1; }

pcp_prepare 1 defaults && pcp_prepare 2 defaults || tap_skip_all "cannot prepare the PCP servers"
if pcp_start 1 && pcp_start 2; then
	tap_ok "miniupnpd (its default lifetimes) listens on 192.0.0.1:5351 in both AFTRs"
else
	tap_fail "miniupnpd listens in both AFTRs" "$(in_a 1 ss -lun; in_a 2 ss -lun)"
	tap_done
fi

b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR health pcp ||
	tap_fail "daemon starts (health pcp, defaults)" "$(cat "$B4_LOG")"
__healthy() { [ "$(b4_q '.peers | map(.healthy) | join(" ")')" = "true true" ]; }
if busywait 30000 __healthy && b4_wait_active $AFTR1_ADDR 5000; then
	tap_ok "both AFTRs healthy by PCP, up via AFTR1"
else
	tap_fail "both AFTRs healthy by PCP, up via AFTR1" "$(b4_show_log)"
fi
tap_expect "defaults: pcp-interval 20000 ms, pcp-failures 1, pcp-deadline 15000 ms" \
	"20000 1 15000" "$(b4_q '"\(.["pcp-interval"]) \(.["pcp-failures"]) \(.["pcp-deadline"])"')"
tap_expect "miniupnpd's default grant: 120 s on both" "120 120" "$(pq 1 lifetime) $(pq 2 lifetime)"
if busywait 30000 __inet; then
	tap_ok "the subscriber's IPv4 reaches the internet host through AFTR1"
else
	tap_fail "the subscriber's IPv4 reaches the internet host through AFTR1"
fi
# the renewal cadence: the interval, not half the 120 s lifetime
r0=$(pq 1 renewals)
t=$(now_ms)
__renewed() { [ "$(pq 1 renewals)" -gt "$r0" ]; }
if busywait 30000 __renewed; then
	tap_ok "AFTR1's 120 s mapping renewed within 30 s ($(($(now_ms) - t)) ms after the first look)"
else
	tap_fail "AFTR1's 120 s mapping renewed within 30 s" "$(b4_q '.peers[0].pcp')"
fi

# ---- AFTR1's NAT loses its external address ------------------------------
t0=$(now_ms)
ip -n "$A1" addr flush dev wan0
if b4_wait_active $AFTR2_ADDR 40000; then
	elapsed=$(($(now_ms) - t0))
	diag "NAT lost its external address -> failover: $elapsed ms"
	if [ "$elapsed" -le 30000 ]; then
		tap_ok "NAT loss on defaults: failover to AFTR2 within 30 s ($elapsed ms)"
	else
		tap_fail "NAT loss on defaults: failover to AFTR2 within 30 s" "$elapsed ms"
	fi
else
	tap_fail "NAT loss on defaults: failover to AFTR2 within 30 s" "$(b4_show_log)"
fi
nf=$(log_ms "aftr $AFTR1_ADDR: pcp: NETWORK_FAILURE")
sw=$(log_ms "ds0: repoint remote $AFTR1_ADDR -> $AFTR2_ADDR")
if [ -n "$nf" ] && [ -n "$sw" ] && [ $((sw - nf)) -ge 0 ] && [ $((sw - nf)) -le 1000 ]; then
	diag "first NETWORK_FAILURE -> repoint: $((sw - nf)) ms"
	tap_ok "the first NETWORK_FAILURE moves the B4 at once ($((sw - nf)) ms)"
else
	tap_fail "the first NETWORK_FAILURE moves the B4 at once" "NETWORK_FAILURE at '$nf', repoint at '$sw'; $(b4_show_log)"
fi
tap_expect "AFTR1: one NETWORK_FAILURE, health down (network-failure), unhealthy" \
	"1 down network-failure false" \
	"$(b4_q '.peers[0] | "\(.pcp.results.NETWORK_FAILURE) \(.pcp.health) \(.pcp["down-reason"]) \(.healthy)"')"
if busywait 15000 __inet; then
	tap_ok "the subscriber's IPv4 reaches the internet host again, through AFTR2"
else
	tap_fail "the subscriber's IPv4 reaches the internet host again, through AFTR2"
fi

# ---- a standby that answers NETWORK_FAILURE is no failover target --------
in_b4 "$DSLITECTL" b4 status | sed 's/^/# /'
if in_b4 "$DSLITECTL" b4 status | grep -q "network-failure"; then
	tap_ok "b4 status says why AFTR1 is not usable (network-failure)"
else
	tap_fail "b4 status says why AFTR1 is not usable (network-failure)"
fi
t0=$(now_ms)
kill "$(pcp_pid 2)"
__down() { [ "$(b4_q '.up')" = false ]; }
if busywait 50000 __down; then
	diag "AFTR2's server stopped -> carrier down: $(($(now_ms) - t0)) ms (interval 20 s + deadline 15 s at most)"
	tap_ok "AFTR2's server gone: carrier down, no failover to AFTR1 (it answers NETWORK_FAILURE)"
else
	tap_fail "AFTR2's server gone: carrier down" "$(b4_show_log)"
fi
tap_expect "no failover back to AFTR1: the tunnel still points at AFTR2" \
	"$AFTR2_ADDR" "$(b4_q '.tunnels[0].remote')"

# ---- AFTR1's NAT back ------------------------------------------------------
ip -n "$A1" addr add 11.0.1.1/24 dev wan0
if b4_wait_active $AFTR1_ADDR 50000; then
	tap_ok "AFTR1's external address back: healthy, the tunnel moves to it"
else
	tap_fail "AFTR1's external address back: healthy, the tunnel moves to it" "$(b4_show_log)"
fi
tap_done
