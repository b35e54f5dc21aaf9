#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 200 tunnels created and deleted while their carriers toggle and a monitor
# listens: no kernel warning (the harness checks dmesg), and the counts add
# up.
#
#   [ netns S ]
#     s0 .. s199 (ip6tnl)   <- toggler: carrier down/up in a loop
#                           --events--> dslitectl -j monitor
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
kmod_load || tap_skip_all "cannot load dslite.ko"
setup_ns S
N=200

log=$(mktemp)
defer "rm -f $log"
ip netns exec "$S" "$DSLITECTL" -j monitor > "$log" 2>&1 &
mon=$!
defer "kill $mon"
wait_subscribed "$S" $mon || tap_fail "monitor subscribed"

batch=$(mktemp)
defer "rm -f $batch"
for i in $(seq 0 $((N - 1))); do
	printf 'link add s%d type ip6tnl mode ipip6 local 2001:db8::2 remote 2001:db8::%x\n' $i $((i + 1))
done > "$batch"
tap_check "create $N tunnels" ip -n "$S" -batch "$batch"

# Toggle carriers from the last tunnel down while the first ones are being
# deleted, round after round, until the deletion has finished.
done_flag=$(mktemp -u)
defer "rm -f $done_flag"
ip netns exec "$S" bash -c '
	while [ ! -e "$2" ]; do
		for i in $(seq $(($3 - 1)) -1 0); do
			"$1" tunnel set dev s$i carrier down diag 1 2>/dev/null
			"$1" tunnel set dev s$i carrier up 2>/dev/null
			[ -e "$2" ] && break
		done
	done' toggler "$DSLITECTL" "$done_flag" $N &
tog=$!
tap_expect "all $N tracked" "$N" "$(ip netns exec "$S" "$DSLITECTL" -j tunnel show | "$JQ" length)"
for i in $(seq 0 $((N - 1))); do echo "link del s$i"; done > "$batch"
# Let the toggler get going before tunnels start to vanish under it.
busywait 5000 sh -c "ip netns exec $S $DSLITECTL -j tunnel show | jq -e '[.[] | select(.transitions > 0)] | length > 2'"
tap_check "delete $N tunnels while toggling" ip -n "$S" -batch "$batch"
touch "$done_flag"
wait $tog

tap_expect "none tracked after delete" "0" "$(ip netns exec "$S" "$DSLITECTL" -j tunnel show | "$JQ" length)"
ndel() { [ "$(jq -s '[.[] | select(.event == "del")] | length' < "$log")" -ge $N ]; }
busywait 5000 ndel
count() { jq -s "[.[] | select($1)] | length" < "$log"; }
tap_expect "monitor saw $N new" "$N" "$(count '.event == "new"')"
tap_expect "monitor saw $N del" "$N" "$(count '.event == "del"')"
downs=$(count '.event == "carrier" and .carrier == false')
ups=$(count '.event == "carrier" and .carrier == true')
if [ "$downs" -ge 1 ] && [ $((downs - ups)) -ge 0 ] && [ $((downs - ups)) -le $N ]; then
	tap_ok "carrier events balanced ($downs down, $ups up)"
else
	tap_fail "carrier events balanced" "$downs down, $ups up"
fi
tap_check "rmmod after stress" rmmod dslite
tap_check "insmod after stress" insmod "$DSLITE_KO"

tap_done
