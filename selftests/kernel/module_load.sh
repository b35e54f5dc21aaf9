#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslite.ko loads and unloads cleanly, twice, and registers its genl family.
#
#   [ init netns ]
#      dslite.ko  --genl "dslite" v1, group "events"-->  genl ctrl / dslitectl
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
modprobe ip6_tunnel || tap_skip_all "no ip6_tunnel module"
grep -q '^dslite ' /proc/modules && rmmod dslite

for round in 1 2; do
	tap_check "insmod, round $round" insmod "$DSLITE_KO"
	out=$(genl ctrl get name dslite 2>&1)
	if echo "$out" | grep -q "Name: dslite" &&
	   echo "$out" | grep -q "Version: 0x1" &&
	   echo "$out" | grep -q "name: events"; then
		tap_ok "genl family dslite v1 with group events, round $round"
	else
		tap_fail "genl family dslite v1 with group events, round $round" "$out"
	fi
	tap_check "dslitectl tunnel show talks to the family, round $round" \
		"$DSLITECTL" tunnel show
	tap_check "rmmod, round $round" rmmod dslite
	if genl ctrl get name dslite >/dev/null 2>&1; then
		tap_fail "family gone after rmmod, round $round"
	else
		tap_ok "family gone after rmmod, round $round"
	fi
done

out=$("$DSLITECTL" tunnel show 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "^dslitectl: .*not loaded"; then
	tap_ok "dslitectl without the module: clean error"
else
	tap_fail "dslitectl without the module: clean error" "rc=$rc: $out"
fi

tap_done
