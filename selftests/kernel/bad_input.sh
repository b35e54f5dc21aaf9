#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad requests get the right errno and an extack message, and change
# nothing; unprivileged callers can read but not write.
#
#   [ netns B ]
#     ds0 (ip6tnl)   veth0 <-> veth1   dummy0
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
require_cmd setpriv
kmod_load || tap_skip_all "cannot load dslite.ko"
setup_ns B
mk_tunnel ds0 "$B"
ip -n "$B" link add veth0 type veth peer name veth1
ip -n "$B" link add dummy0 type dummy

# expect_err DESC PATTERN CMD...: CMD fails and its stderr matches PATTERN
expect_err() {
	local desc=$1 pat=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q -- "$pat"; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "rc=$rc, wanted /$pat/: $out"
	fi
}
ctl() { ip netns exec "$B" "$DSLITECTL" "$@"; }

expect_err "veth: EOPNOTSUPP with message" \
	"Operation not supported.*not an ip6tnl tunnel" ctl tunnel set dev veth0 carrier down diag 1
expect_err "dummy: EOPNOTSUPP on show" \
	"Operation not supported.*not an ip6tnl tunnel" ctl tunnel show dev dummy0
for d in 0 9 255; do
	expect_err "diag $d: EINVAL naming DSLITE_A_DIAG" \
		"Invalid argument.*DSLITE_A_DIAG" ctl tunnel set dev ds0 carrier down diag $d
done
expect_err "unknown device: ENODEV" "No such device" \
	ctl tunnel set dev nosuch0 carrier down diag 1
expect_err "unknown device on show: ENODEV" "No such device" \
	ctl tunnel show dev nosuch0
long=$(printf 'x%.0s' $(seq 1 64))
expect_err "64-byte reason: EINVAL naming DSLITE_A_REASON" \
	"Invalid argument.*DSLITE_A_REASON" ctl tunnel set dev ds0 carrier down diag 1 reason "$long"
ok63=$(printf 'y%.0s' $(seq 1 63))

tap_expect "nothing changed: carrier" "1" "$(sysfs_carrier "$B" ds0)"
tap_expect "nothing changed: forced" "none" "$(tjson "$B" ds0 forced)"
tap_expect "nothing changed: transitions" "0" "$(tjson "$B" ds0 transitions)"

tap_check "63-byte reason accepted" ctl tunnel set dev ds0 carrier down diag 1 reason "$ok63"
tap_expect "63-byte reason stored" "$ok63" "$(tjson "$B" ds0 reason)"
tap_check "carrier up" ctl tunnel set dev ds0 carrier up

# Unprivileged: uid/gid 65534 without capabilities.
nobody() {
	ip netns exec "$B" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$DSLITECTL" "$@"
}
expect_err "unprivileged set: EPERM" "Operation not permitted" \
	nobody tunnel set dev ds0 carrier down diag 1
tap_expect "unprivileged set changed nothing" "none" "$(tjson "$B" ds0 forced)"
out=$(nobody -j tunnel show 2>&1)
tap_expect "unprivileged show works" "ds0" "$(echo "$out" | "$JQ" -r '.[0].ifname' 2>/dev/null)"

tap_done
