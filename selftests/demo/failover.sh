#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The failover demo, run inside the test VM by selftests/demo/run.sh
# ("make demo"). It builds the B4 topology, starts the B4 daemon, kills the
# active AFTR and narrates what happens, with the measured outage and a
# summary table at the end. Exit status 0 when the failover happened and
# the traffic came back.
#
#  [B4] ds0 ---- [ME router] ---- [AFTR1] XDP responder, ds, NAT ---- [INET]
#   dslitectl b4 run          \--- [AFTR2] XDP responder, ds, NAT ----/ 203.0.113.1
#
. "$(dirname "$0")/../lib.sh" >/dev/null
. "$(dirname "$0")/../kmod_lib.sh"
. "$(dirname "$0")/../b4_lib.sh"

T0=$(now_ms)
say() { printf '[%6.2fs] %s\n' "$(awk -v t=$(($(now_ms) - T0)) 'BEGIN { print t / 1000 }')" "$*"; }
indent() { sed 's/^/           | /'; }
die() { say "DEMO FAILED: $*"; [ -n "${B4_LOG:-}" ] && indent <"$B4_LOG"; exit 1; }
status() {
	echo "           +-- dslitectl b4 status -------------------------------------"
	in_b4 "$DSLITECTL" b4 status | indent
}

cat <<EOF

  dslite demo: a DS-Lite CPE (the B4) loses its AFTR and fails over

    [B4] ds0 (ip6tnl) --- [ME router] --- [AFTR1] $AFTR1_ADDR --- [internet]
     dslitectl b4 run                  \\-- [AFTR2] $AFTR2_ADDR ---/ $INET_HOST

  Each AFTR runs dslite's XDP responder (BFD inside the softwire, at line
  rate), a real ip6tnl for the traffic and NAT. The B4 runs BFD to AFTR1
  inside the tunnel (300 ms x 3) and probes AFTR2 directly over IPv6
  (every 500 ms), so it knows AFTR2 is alive before it needs it.

EOF

say "building the network (5 namespaces, veths, ip6tnl tunnels, NAT)"
kmod_load || die "cannot load dslite.ko"
b4_topo 2 inet || die "cannot build the topology"
xdp_attach 1 && xdp_attach 2 || die "cannot attach the XDP responders"
say "dslite.ko loaded; XDP responders attached on AFTR1 and AFTR2"

say "starting: dslitectl b4 run dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR interval 300 multiplier 3 standby-interval 500"
b4_start dev ds0 aftr $AFTR1_ADDR aftr $AFTR2_ADDR interval 300 multiplier 3 \
	standby-interval 500 hold-down 5 || die "the daemon does not start"
b4_wait_peer $AFTR1_ADDR up 20000 && b4_wait_peer $AFTR2_ADDR up 10000 ||
	die "BFD does not come up"
say "BFD Up with AFTR1 (inside the tunnel) and AFTR2 (standby, direct)"
status

MON=$(mktemp /tmp/mon.XXXXXX)
ip netns exec "$B4" "$DSLITECTL" monitor ready "$MON.ready" >>"$MON" 2>&1 &
defer "kill $!"
busywait 5000 test -e "$MON.ready"

flow_start
flow_wait_reply 0 10000 || die "no traffic through the tunnel"
say "traffic: ping every 50 ms from the B4 to $INET_HOST through AFTR1 ... replies flowing"
slowwait 2 false
a1_tx=$(xdp_counter 1 tx_bfd)
say "AFTR1's responder has answered $a1_tx BFD packets so far"

detect_time=$(b4_peer $AFTR1_ADDR detection-time)
flow_mark
say "*** killing AFTR1: its link at the ME router goes down ***"
aftr_cut 1
t_kill=$(now_ms)
b4_wait_active $AFTR2_ADDR 10000 || die "no failover"
last=$(b4_q '.["last-failover"]')
det_at=$(jq -r '.["detected-at-ms"]' <<<"$last")
det=$(jq -r '.["detection-ms"]' <<<"$last")
down_us=$(jq -r '.["carrier-down-us"]' <<<"$last")
up_at=$(jq -r '.["carrier-up-at-ms"]' <<<"$last")
diagn=$(jq -r .diagnostic <<<"$last")
say "detected: BFD session with AFTR1 down, diag $diagn ($det ms after AFTR1's last packet; detection time $detect_time ms)"
say "dslite.ko: ds0 carrier down $down_us us after the detection; routes through ds0 turn linkdown"
say "failover: ds0 re-pointed to AFTR2 (already known Up), carrier up $((up_at - det_at)) ms after the detection"
echo "           +-- dslitectl monitor (events of the dslite genl family) --------"
indent <"$MON"
seq=$(flow_last_seq)
flow_wait_reply "$seq" 10000 || die "the traffic did not come back"
say "traffic restored through AFTR2"
slowwait 1 false
flow_stop
read -r gap lost first lastseq <<<"$(flow_gap)"
say "measured outage (ping, 50 ms interval): $gap ms without replies, $lost echo requests lost"
status

a2_tx=$(xdp_counter 2 tx_bfd)
cat <<EOF

  Summary
  +---------------------------------------+------------------------------+
  | AFTR1 killed                          | at t=$(printf '%-24s' "$(awk -v t=$((t_kill - T0)) 'BEGIN { printf "%.2fs", t / 1000 }')")|
  | detection (BFD, 300 ms x 3)           | $(printf '%-29s' "$diagn, $det ms")|
  | carrier down after the detection      | $(printf '%-29s' "$down_us us")|
  | carrier up via AFTR2 after detection  | $(printf '%-29s' "$((up_at - det_at)) ms")|
  | traffic outage measured by ping       | $(printf '%-29s' "$gap ms ($lost requests lost)")|
  | BFD answers by the XDP responders     | $(printf '%-29s' "AFTR1 $a1_tx, AFTR2 $a2_tx")|
  | now carried by                        | $(printf '%-29s' "AFTR2 $AFTR2_ADDR")|
  +---------------------------------------+------------------------------+

EOF
b4_stop TERM
say "daemon stopped (AdminDown sent to both AFTRs); demo done"
__run_defer
exit 0
