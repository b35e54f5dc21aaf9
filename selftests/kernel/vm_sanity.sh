#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test VM itself: the kernel it boots, the tools and file systems every
# real-kernel test relies on, and a real ip6tnl in ipip6 mode.
#
#   netns $ns
#   +------------------------------------------+
#   | lo                                       |
#   | ds: ip6tnl mode ipip6                    |
#   |     local 2001:db8::2  remote 2001:db8::1|
#   +------------------------------------------+

. "$(dirname "$0")/../lib.sh"

require_root

kver=$(uname -r)
tap_expect "kernel is 6.1 (uname -r: $kver)" 6.1 "$(echo "$kver" | cut -d. -f1,2)"
tap_check "booted kernel is an installed one" test -f "/boot/vmlinuz-$kver"

# Every option of selftests/config: "=m" is met by y or m, "=y" only by y.
missing=
while IFS== read -r opt want; do
	case $opt in CONFIG_*) ;; *) continue ;; esac
	have=$(grep -E "^$opt=" "/boot/config-$kver" | cut -d= -f2)
	case $want:$have in
	y:y|m:y|m:m) ;;
	*) missing+=" $opt=${have:-unset}" ;;
	esac
done <"$DSLITE_ROOT/selftests/config"
tap_expect "kernel has every option of selftests/config" "" "$missing"
tap_check "dslite tree visible at \$DSLITE_ROOT" \
	test -f "$DSLITE_ROOT/selftests/kernel/vm_sanity.sh"
tap_expect "ip is iproute2, not busybox" 0 \
	"$(ip -V 2>&1 | grep -q iproute2; echo $?)"

tap_expect "bpffs mounted on /sys/fs/bpf" bpf_fs "$(stat -f -c %T /sys/fs/bpf)"
tap_expect "debugfs mounted" debugfs "$(stat -f -c %T /sys/kernel/debug)"
for d in /tmp /run /var/tmp /root /etc/frr; do
	f=$(mktemp "$d/.vm_sanity.XXXXXX" 2>/dev/null) && rm -f "$f"
	tap_expect "$d writable" 0 $?
done
# the host's root itself is read-only; /usr, /etc and /var are tmpfs
# overlays over it (package installs write there, the host never sees it)
tap_check "host / read-only" sh -c '! touch /.vm_sanity 2>/dev/null'
f=$(mktemp /usr/.vm_sanity.XXXXXX 2>/dev/null) && rm -f "$f"
tap_expect "/usr writable (an overlay)" 0 $?

tap_check "modprobe ip6_tunnel" modprobe ip6_tunnel
tap_check "ip6_tunnel loaded" test -d /sys/module/ip6_tunnel

setup_ns ns
tap_check "create ip6tnl mode ipip6 in a fresh netns" \
	ip -n "$ns" link add ds type ip6tnl mode ipip6 \
		local 2001:db8::2 remote 2001:db8::1
tap_expect "tunnel kind and endpoints" "ip6tnl ipip6 remote 2001:db8::1 local 2001:db8::2" \
	"$(ip -n "$ns" -d link show dev ds 2>&1 |
		grep -o 'ip6tnl ipip6 remote [^ ]* local [^ ]*')"
tap_check "tunnel comes up" ip -n "$ns" link set dev ds up
tap_check "delete the tunnel" ip -n "$ns" link del dev ds
tap_expect "tunnel gone" 1 "$(ip -n "$ns" link show dev ds >/dev/null 2>&1; echo $?)"

tap_done
