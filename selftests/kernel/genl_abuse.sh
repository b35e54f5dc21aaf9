#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "dslite" genl family under abuse: random and malformed messages
# (selftests/kernel/genl_abuse.c) from many threads, as root and
# unprivileged, while tunnels come and go and dslite.ko (and now and then
# ip6_tunnel itself) is unloaded and loaded again. No oops or warning (the
# harness checks dmesg), every reply well formed with a documented errno,
# unprivileged writers always refused, and nothing leaked: every tunnel
# still tracked exactly once, every one deletable (a reference kept on a
# device would block its unregistration), the module's refcount back to 0.
#
#   [ netns A ]                                          [ netns B ]
#     ga0 .. ga7 (ip6tnl)  <-- churn: del/add, down/up,    (ga* visit
#         ^                    rename, new remote, ------>  and return)
#         |                    move to B and back
#     genl_abuse          root: 2 threads + an events listener
#     genl_abuse -u       uid 65534 without capabilities: 1 thread
#     genl_abuse -u       uid 65534 as root of its own user namespace
#                         (no CAP_NET_ADMIN over A's user namespace)
#   [ init netns ]
#     reload loop: rmmod dslite / insmod dslite.ko (the first round
#     unloads ip6_tunnel too, deleting every tunnel at once)
#
# Phase 1 (no churn): unprivileged only for 3 s, after which the tunnels'
# state is exactly what it was; then root only for 3 s.
# Phase 2 (everything at once): DSLITE_GENL_ABUSE_SECONDS, default 12.
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
require_cmd setpriv jq
GEN=$DSLITE_ROOT/build/tests/genl_abuse
[ -x "$GEN" ] || tap_skip_all "genl_abuse not built"
kmod_load || tap_skip_all "cannot load dslite.ko"
SECONDS_ABUSE=${DSLITE_GENL_ABUSE_SECONDS:-12}
N=8
NAMES=$(seq -s, -f 'ga%g' 0 $((N - 1)))

setup_ns A B
work=$(mktemp -d)
defer "rm -rf $work"
# mk_all: ga0 .. ga7 in A, up (those that exist stay as they are)
mk_all() {
	local i
	for i in $(seq 0 $((N - 1))); do
		echo "link add ga$i type ip6tnl mode ipip6 local 2001:db8::2 remote 2001:db8::$((i + 1))"
		echo "link set ga$i up"
	done > "$work/mk"
	ip -n "$A" -force -batch "$work/mk" >/dev/null 2>&1
}
mk_all
diag "set up at ${SECONDS}s"
echo "genl_abuse: start" > /dev/kmsg

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups
	--inh-caps=-all --bounding-set=-all)
# state NS: the tracked tunnels of NS without the clock
state() {
	ip netns exec "$1" "$DSLITECTL" -j tunnel show | jq -S 'map(del(.["since-ms"], .since_ms))'
}
# val FILE KEY: one "key value" line of the generator's output
val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# show FILE WHO: the generator's figures as TAP comments
show() { sed "s/^/# $2: /" "$1"; }
# unpriv_checks FILE WHO RC
unpriv_checks() {
	local f=$1 who=$2 rc=$3
	tap_expect "$who: every reply well formed, every errno documented (rc)" 0 "$rc"
	[ "$rc" -ne 0 ] && sed 's/^/#   /' "$f.err"
	local reached eperm
	reached=$(val "$f" set_reached) eperm=$(val "$f" set_eperm)
	if [ "${reached:-0}" -gt 0 ] && [ "$reached" = "$eperm" ]; then
		tap_ok "$who: all $reached TUNNEL_SET requests refused with EPERM"
	else
		tap_fail "$who: TUNNEL_SET refused with EPERM" \
			"reached=$reached eperm=$eperm"
	fi
	tap_expect "$who: no TUNNEL_SET succeeded" 0 "$(val "$f" set_ok)"
	local gets
	gets=$(( $(val "$f" get_replies) + $(val "$f" dump_msgs) ))
	if [ "$gets" -gt 0 ]; then
		tap_ok "$who: reads still answered ($gets tunnel messages)"
	else
		tap_fail "$who: reads still answered" "no TUNNEL_GET reply"
	fi
}

# Does an unprivileged user get a user namespace here? (Not in a chroot,
# which is how the test VM runs: unshare(2) then fails with EPERM.)
userns=1
if ! userns_err=$("${NOBODY[@]}" unshare -U -r true 2>&1); then
	userns=0
fi

# ---- Phase 1: unprivileged writers against a known state ----
ip netns exec "$A" "$DSLITECTL" tunnel set dev ga1 carrier down diag 3 reason keep
before=$(state "$A")
diag "phase 1 starts at ${SECONDS}s"
ip netns exec "$A" "${NOBODY[@]}" "$GEN" -u -w -t 2 -d 3 -n "$NAMES" \
	> "$work/u1" 2> "$work/u1.err"
rc=$?
show "$work/u1" "unprivileged alone"
unpriv_checks "$work/u1" "unprivileged alone" $rc
after=$(state "$A")
if [ -n "$before" ] && [ "$before" = "$after" ]; then
	tap_ok "unprivileged alone: every tunnel's state unchanged"
else
	tap_fail "unprivileged alone: every tunnel's state unchanged" \
		"$(diff <(echo "$before") <(echo "$after") | head -20)"
fi
tap_expect "ga1 still forced down with its reason" "carrier-down keep" \
	"$(ip netns exec "$A" "$DSLITECTL" -j tunnel show dev ga1 | "$JQ" -r '.[0] | "\(.forced) \(.reason)"')"

# Root alone, random messages only, against the same tunnels: the rate
# the handlers see without the RTNL held by others.
ip netns exec "$A" "$GEN" -t 2 -d 3 -n "$NAMES" > "$work/r1" 2> "$work/r1.err"
rc=$?
show "$work/r1" "root alone"
tap_expect "root alone: every reply well formed, every errno documented (rc)" 0 "$rc"
[ "$rc" -ne 0 ] && sed 's/^/#   /' "$work/r1.err"
v=$(val "$work/r1" set_ok)
if [ "${v:-0}" -gt 0 ]; then
	tap_ok "root alone: $v TUNNEL_SET requests changed a tunnel"
else
	tap_fail "root alone: TUNNEL_SET requests changed a tunnel" "set_ok '${v:-}'"
fi
diag "phase 1 done at ${SECONDS}s"
# ---- Phase 2: everything at once ----
stopf=$work/stop
churn() {
	local rounds=0 i b
	while [ ! -e "$stopf" ]; do
		b=$work/batch.a
		: > "$b"
		for i in $(seq 0 $((N - 1))); do
			# re-create what ip6_tunnel's unloading deleted
			echo "link add ga$i type ip6tnl mode ipip6 local 2001:db8::2 remote 2001:db8::$((i + 1))"
			case $((RANDOM % 6)) in
			0) echo "link del ga$i"
			   echo "link add ga$i type ip6tnl mode ipip6 local 2001:db8::2 remote 2001:db8::$((i + 1))" ;;
			1) echo "link set ga$i down"; echo "link set ga$i up" ;;
			2) echo "link set ga$i name gx$i"; echo "link set gx$i name ga$i" ;;
			3) echo "link set ga$i netns $B" ;;
			# a new remote outside 2001:db8::1-8: ip6tnl refuses two
			# tunnels with the same ends, so a remote of another
			# gaN would keep that gaN from being re-created
			4) echo "link set ga$i type ip6tnl remote 2001:db8:1::$((RANDOM % 200 + 1))" ;;
			5) echo "link set ga$i up" ;;
			esac
		done >> "$b"
		ip -n "$A" -force -batch "$b" >/dev/null 2>&1
		for i in $(seq 0 $((N - 1))); do
			echo "link set ga$i down"
			echo "link set ga$i netns $A"
		done > "$work/batch.b"
		ip -n "$B" -force -batch "$work/batch.b" >/dev/null 2>&1
		ip -n "$A" -force -batch <(seq -f 'link set ga%g up' 0 $((N - 1))) >/dev/null 2>&1
		rounds=$((rounds + 1))
	done
	echo $rounds > "$work/churn.rounds"
}
reloader() {
	local n=0 ip6=0
	while [ ! -e "$stopf" ]; do
		sleep 0.5
		# A dump in progress holds the module: retry until it is done.
		if ! slowwait 20 rmmod dslite; then
			echo "rmmod dslite failed" > "$work/reload.err"
			break
		fi
		n=$((n + 1))
		# ip6_tunnel too, the first time only: the tunnels made
		# after that live on to the checks at the end.
		if [ $n -eq 1 ]; then
			if slowwait 20 rmmod ip6_tunnel; then
				ip6=$((ip6 + 1))
			else
				rmmod ip6_tunnel >> "$work/ip6.err" 2>&1
			fi
			modprobe ip6_tunnel
		fi
		sleep 0.3
		if ! insmod "$DSLITE_KO"; then
			echo "insmod failed" > "$work/reload.err"
			break
		fi
	done
	echo "$n $ip6" > "$work/reload.rounds"
}

churn &
churn_pid=$!
defer "touch $stopf; wait $churn_pid"
reloader &
reload_pid=$!
defer "touch $stopf; wait $reload_pid"

ip netns exec "$A" "$GEN" -W -p 500 -t 2 -d "$SECONDS_ABUSE" -n "$NAMES" \
	> "$work/root" 2> "$work/root.err" &
root_pid=$!
ip netns exec "$A" "${NOBODY[@]}" "$GEN" -u -p 500 -t 1 -d "$SECONDS_ABUSE" -n "$NAMES" \
	> "$work/u2" 2> "$work/u2.err" &
u2_pid=$!
if [ $userns -eq 1 ]; then
	ip netns exec "$A" "${NOBODY[@]}" unshare -U -r "$GEN" -u -p 500 -t 1 \
		-d "$SECONDS_ABUSE" -n "$NAMES" > "$work/u3" 2> "$work/u3.err" &
	u3_pid=$!
fi

wait $root_pid; root_rc=$?
wait $u2_pid; u2_rc=$?
[ $userns -eq 1 ] && { wait $u3_pid; u3_rc=$?; }
diag "generators done at ${SECONDS}s"
touch "$stopf"
wait $churn_pid
wait $reload_pid
diag "churn and reloads stopped at ${SECONDS}s"

show "$work/root" "root"
tap_expect "root: every reply well formed, every errno documented (rc)" 0 "$root_rc"
[ "$root_rc" -ne 0 ] && sed 's/^/#   /' "$work/root.err"
# The abuse reached the family and did things (not only ENOENT):
for k in set_ok get_replies dump_msgs events errno_EINVAL absent_waits; do
	v=$(val "$work/root" $k)
	if [ "${v:-0}" -gt 0 ]; then
		tap_ok "root: $k $v > 0"
	else
		tap_fail "root: $k > 0" "got '${v:-}'"
	fi
done
show "$work/u2" "unprivileged"
unpriv_checks "$work/u2" "unprivileged" "$u2_rc"
if [ $userns -eq 1 ]; then
	show "$work/u3" "user namespace"
	unpriv_checks "$work/u3" "user namespace" "$u3_rc"
else
	tap_skip "user namespace: writers refused" \
		"no user namespace for an unprivileged user here: $userns_err"
fi

read -r reloads ip6reloads < "$work/reload.rounds"
[ -s "$work/ip6.err" ] && diag "rmmod ip6_tunnel: $(head -1 "$work/ip6.err")"
diag "churn rounds $(cat "$work/churn.rounds"), dslite.ko reloads $reloads (ip6_tunnel $ip6reloads)"
if [ -e "$work/reload.err" ]; then
	tap_fail "module reloads" "$(cat "$work/reload.err")"
elif [ "$reloads" -ge 2 ]; then
	tap_ok "dslite.ko unloaded and loaded $reloads times under abuse"
else
	tap_fail "dslite.ko unloaded and loaded at least twice" "only $reloads"
fi

# ---- Nothing leaked ----
grep -q '^dslite ' /proc/modules || insmod "$DSLITE_KO"
# Tunnels left in B come home; the ones churn left deleted come back.
ip -n "$B" -force -batch <(seq -f 'link set ga%g netns '"$A" 0 $((N - 1))) >/dev/null 2>&1
left=$(ip -n "$A" -o link show type ip6tnl | grep -c ' ga[0-9]@')
diag "tunnels alive at the end of the abuse: $left of $N"
mk_all
ip netns exec "$A" "$DSLITECTL" tunnel set dev ga2 carrier down diag 1
devs() {
	ip -n "$1" -o link show type ip6tnl |
		awk '{ sub(/@.*/, "", $2); sub(/:$/, "", $2); if ($2 != "ip6tnl0") print $2 }' | sort
}
tracked() {
	ip netns exec "$1" "$DSLITECTL" -j tunnel show | "$JQ" -r '.[].ifname' | sort
}
for ns in "$A" "$B"; do
	d=$(devs "$ns" | tr '\n' ' ') t=$(tracked "$ns" | tr '\n' ' ')
	tap_expect "${ns%%-*}: every ip6tnl tracked exactly once" "$d" "$t"
done
diag "deletions start at ${SECONDS}s"
# One tunnel forced down and one other deleted on their own, then the rest
# at once by unloading ip6_tunnel (one RCU grace period for all, where one
# deletion each costs seconds on a loaded VM). A reference that dslite
# kept would hang the unregistration: both under a timeout.
tap_check "forced-down ga2 deleted" timeout 60 ip -n "$A" link del ga2
tap_check "ga3 deleted" timeout 60 ip -n "$A" link del ga3
tap_check "rmmod ip6_tunnel deletes every other tunnel (none held)" \
	timeout 60 rmmod ip6_tunnel
tap_expect "nothing tracked after the deletion" "" "$(tracked "$A")$(tracked "$B")"
diag "deletions done at ${SECONDS}s"
tap_expect "dslite.ko refcount 0" 0 "$(awk '$1 == "dslite" { print $3 }' /proc/modules)"
tap_check "rmmod dslite" rmmod dslite
kmsg=$(dmesg | sed -n '/genl_abuse: start/,$p')
if echo "$kmsg" | grep -E -q 'to become free|refcount_t|leak'; then
	tap_fail "no reference warnings in dmesg" \
		"$(echo "$kmsg" | grep -E 'to become free|refcount_t|leak' | head -5)"
else
	tap_ok "no reference warnings in dmesg"
fi

tap_done
