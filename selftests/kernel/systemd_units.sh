#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The systemd units of packaging/systemd/, run by systemd: dslite-b4@.service
# (start, reload, kill -9, the tunnel going away, stop) and
# dslite-aftr@.service (attach on start, detach on stop, a bad
# configuration refused, an interface in another network namespace through
# a NetworkNamespacePath= drop-in), with their hardening as shipped.
#
# systemd (Debian's, 252) runs as PID 1 of its own PID, mount and UTS
# namespaces inside the test VM, the way a container manager runs it
# (container=dslite-test): the same service manager, cgroups, sandboxing,
# seccomp and capability bounding as on a booted system, sharing the VM's
# network namespace, kernel and dslite.ko. Its /run is a tmpfs of its own;
# the unit files are used as shipped, unchanged: the tree's build/dslitectl
# appears as /usr/sbin/dslitectl through an overlay on /usr/sbin in
# systemd's mount namespace, and /etc/dslite is a directory of the test
# bind-mounted there. Units that cannot work or do not matter in the VM
# (udev, sysctl, tmpfiles, timers, gettys, ...) and every generator are
# masked in its /run. The test talks to it with nsenter.
#
#   VM's network namespace (B4, systemd)        netns A (AFTR)
#   ds0 ip6tnl local b4::2 remote a1::2
#   b4-a 2001:db8:b4::2/64 (XDP_PASS) -------- a-b4 2001:db8:a1::2/64
#     dslite-b4@test: b4 run config              dslite-aftr@a-b4 (drop-in:
#       /etc/dslite/b4-test.conf                  NetworkNamespacePath=A)
#   ax0 ---- ax1 (veth, dslite-aftr@ax0)
#
# AFTR2 (2001:db8:a2::2, added by a reload) answers nothing: a standby
# that stays down, so the active AFTR1 keeps the traffic throughout.
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

AFTR_PEER=${AFTR_PEER:-$DSLITE_ROOT/build/tests/aftr_peer}
UNITS=$DSLITE_ROOT/packaging/systemd
B4_ADDR=2001:db8:b4::2
AFTR1=2001:db8:a1::2
AFTR2=2001:db8:a2::2

require_root
require_cmd jq unshare nsenter
[ -x /lib/systemd/systemd ] || tap_skip_all "systemd not installed"
[ -x "$AFTR_PEER" ] || tap_skip_all "$AFTR_PEER not built"
kmod_load || tap_skip_all "cannot load dslite.ko"
require_bpffs

setup_ns A || tap_skip_all "cannot create a network namespace"
ip link add b4-a type veth peer a-b4 netns "$A"
defer "ip link del b4-a"
ip link set b4-a up
ip -n "$A" link set a-b4 up
ip addr add $B4_ADDR/64 dev b4-a nodad
ip -n "$A" addr add $AFTR1/64 dev a-b4 nodad
ip -6 route add 2001:db8:a0::/44 dev b4-a
ip -n "$A" -6 route add 2001:db8:b4::/64 dev a-b4
"$AFTR_PEER" xdp-pass b4-a >/dev/null || tap_skip_all "aftr_peer xdp-pass failed"
mk_ds0() {
	ip link add ds0 type ip6tnl mode ipip6 local $B4_ADDR remote $AFTR1 &&
		ip link set ds0 up
}
mk_ds0 || tap_skip_all "cannot create ds0"
defer "ip link del ds0"
ip link add ax0 type veth peer ax1
defer "ip link del ax0"
ip link set ax0 up
ip link set ax1 up
ping -6 -c 1 -W 5 $AFTR1 >/dev/null || tap_skip_all "AFTR1 does not answer a ping"

# ---------------------------------------------------------------------
# systemd as PID 1 of its own namespaces

W=$(mktemp -d /tmp/systemd-units.XXXXXX)
defer "rm -rf $W"
mkdir -p "$W"/{netns,etc,sbin-up,sbin-work,units,cg} /etc/dslite
cp "$DSLITECTL" "$W/sbin-up/dslitectl"
cp "$UNITS/dslite-b4@.service" "$UNITS/dslite-aftr@.service" "$W/units/"
cat >"$W/units/dslite-test.target" <<EOF
[Unit]
Description=dslite unit tests
Requires=basic.target
After=basic.target
Wants=dslite-test-ready.service
EOF
cat >"$W/units/dslite-test-ready.service" <<EOF
[Unit]
Description=dslite unit tests: systemd is up
After=basic.target
[Service]
Type=oneshot
ExecStart=/bin/touch /run/dslite-test.ready
EOF
mkdir -p "$W/units/dslite-aftr@a-b4.service.d"
cat >"$W/units/dslite-aftr@a-b4.service.d/netns.conf" <<EOF
[Service]
NetworkNamespacePath=/run/netns/$A
EOF
masked="systemd-udevd.service systemd-udevd-control.socket
	systemd-udevd-kernel.socket systemd-udev-trigger.service
	systemd-udev-settle.service systemd-sysctl.service
	systemd-modules-load.service systemd-tmpfiles-setup.service
	systemd-tmpfiles-setup-dev.service systemd-random-seed.service
	systemd-timesyncd.service systemd-pstore.service
	systemd-update-utmp.service systemd-journal-flush.service
	systemd-binfmt.service proc-sys-fs-binfmt_misc.automount
	kmod-static-nodes.service systemd-firstboot.service
	systemd-machine-id-commit.service systemd-repart.service
	systemd-sysusers.service systemd-pcrphase-sysinit.service
	systemd-pcrphase.service dev-hugepages.mount dev-mqueue.mount
	sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount
	sys-fs-fuse-connections.mount systemd-ask-password-console.path
	systemd-ask-password-wall.path timers.target systemd-remount-fs.service
	systemd-hwdb-update.service ldconfig.service
	systemd-journal-catalog-update.service systemd-update-done.service
	getty.target console-getty.service systemd-logind.service
	dbus.socket dbus.service systemd-initctl.socket cryptsetup.target
	veritysetup.target integritysetup.target swap.target"

mkdir -p "$W/units/generators"
# masks in one process: every spawn costs under TCG
python3 - "$W/units" $masked /lib/systemd/system-generators/* <<'PY'
import os, sys
d = sys.argv[1]
for u in sys.argv[2:]:
	if u.startswith("/"):
		os.symlink("/dev/null", os.path.join(d, "generators", os.path.basename(u)))
	else:
		os.symlink("/dev/null", os.path.join(d, u))
PY

t0=$(now_ms)
# shellcheck disable=SC2016
unshare --pid --mount --uts --fork --mount-proc --propagation private -- \
	env -i container=dslite-test W="$W" \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c '
	set -e
	mount --rbind /run/netns "$W/netns"
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -p /run/netns /run/systemd
	mount --rbind "$W/netns" /run/netns
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	mount -t overlay -o "lowerdir=/usr/sbin,upperdir=$W/sbin-up,workdir=$W/sbin-work" overlay /usr/sbin
	mount --bind "$W/etc" /etc/dslite
	cp -a "$W/units/generators" /run/systemd/system-generators
	rm -r "$W/units/generators"
	cp -a "$W/units" /run/systemd/system
	exec /lib/systemd/systemd --unit=dslite-test.target --show-status=no
' >"$W/systemd.log" 2>&1 &
UNSHARE=$!
defer "kill -9 $UNSHARE"
SD=
__sd_pid() { SD=$(pgrep -P $UNSHARE -x systemd); [ -n "$SD" ]; }
if ! slowwait 120 __sd_pid; then
	tap_fail "systemd starts in its namespaces" "$(cat "$W/systemd.log")"
	tap_done
fi

# sd CMD...: in systemd's namespaces (its /run, its PIDs)
sd() { nsenter -t "$SD" -m -p -u -r -w -- "$@"; }
sdctl() { sd systemctl "$@"; }
prop() { sdctl show -P "$2" "$1"; }
stamp() { diag "t=$(($(now_ms) - t0)) ms: $*"; }
journal() { sd journalctl -q -o cat --no-pager -u "$1"; }

# At the end: stop the units (as a shutdown would: a daemon's AdminDown,
# the responders detached), then end systemd's PID namespace at once (its
# own shutdown, one umount process per mount, costs a minute under TCG).
sd_down() {
	sdctl stop 'dslite-b4@*' 'dslite-aftr@*'
	kill -9 "$SD"
	slowwait 30 proc_gone "$SD"
	kill -9 "$UNSHARE"
	# the cgroups systemd left, empty once its namespace is gone
	mount -t cgroup2 cgroup2 "$W/cg" &&
		find "$W/cg" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
	umount "$W/cg"
	rmdir /etc/dslite 2>/dev/null
}
defer sd_down

# Every systemctl and journalctl costs seconds of emulated CPU: the checks
# ask systemd once per step, and waits poll what is cheap to read (the
# daemon's control socket, b4 status) or poll systemd once a second.
sdwait() { __poll 1 $(($1 * 1000)) "${@:2}"; }
__ready() { [ -e "/proc/$SD/root/run/dslite-test.ready" ]; }
if slowwait 120 __ready; then
	stamp "systemd up"
	tap_expect "systemd runs as PID 1 of its namespace" "running" \
		"$(sdctl is-system-running)"
else
	tap_fail "systemd runs as PID 1 of its namespace" "$(sdctl is-system-running)"
	sed 's/^/#   /' "$W/systemd.log"
	tap_done
fi

# show UNIT PROP...: the properties' values on one line, in the order
# asked (systemctl prints them in its own order)
show() {
	local u=$1 a=() out p
	shift
	for p in "$@"; do a+=(-p "$p"); done
	out=$(sdctl show "${a[@]}" "$u")
	for p in "$@"; do sed -n "s/^$p=//p" <<<"$out"; done | tr '\n' ' ' | sed 's/ $//'
}
yn() { "$@" >/dev/null 2>&1 && echo yes || echo no; }
xdp_on() { ip ${2:+-n "$2"} -d link show "$1" | grep -q 'prog/xdp'; }

# ---------------------------------------------------------------------
# dslite-aftr@: a bad configuration, attach on start, detach on stop

pins_root=$(aftr_pin_dir "" ax0)
printf 'DSLITE_AFTR_OPTS="interval 0"\n' >"$W/etc/aftr-ax0.conf"
if sdctl start dslite-aftr@ax0 2>/dev/null; then
	tap_fail "aftr@ax0, bad config: start fails"
else
	tap_ok "aftr@ax0, bad config: start fails"
fi
log=$(journal dslite-aftr@ax0)
if grep -q 'aftr attach: interval must be a number 1\.\.3600000 ms' <<<"$log"; then
	tap_ok "aftr@ax0, bad config: the reason is in the journal"
else
	tap_fail "aftr@ax0, bad config: the reason is in the journal" "$log"
fi
tap_expect "aftr@ax0, bad config: nothing attached or pinned" "no no" \
	"$(yn xdp_on ax0) $(yn test -e "$pins_root")"

printf '# test\nDSLITE_AFTR_OPTS="allow 2001:db8::/32 interval 300 sessions 1000"\n' \
	>"$W/etc/aftr-ax0.conf"
if sdctl start dslite-aftr@ax0; then tap_ok "aftr@ax0: start"
else tap_fail "aftr@ax0: start" "$(journal dslite-aftr@ax0)"; fi
tap_expect "aftr@ax0: active (exited), no process left" "active exited 0" \
	"$(show dslite-aftr@ax0 ActiveState SubState MainPID)"
tap_expect "aftr@ax0: program attached, link pinned" "yes yes" \
	"$(yn xdp_on ax0) $(yn test -e "$pins_root/link")"
tap_expect "aftr@ax0: the keywords of the config file applied (sessions 1000)" 1000 \
	"$("$DSLITECTL" -j aftr stats dev ax0 | "$JQ" -r '.[0]["sessions-max"]')"
if sdctl stop dslite-aftr@ax0; then tap_ok "aftr@ax0: stop"
else tap_fail "aftr@ax0: stop" "$(journal dslite-aftr@ax0)"; fi
tap_expect "aftr@ax0: stopped: inactive, detached, pins gone" "inactive dead no no" \
	"$(show dslite-aftr@ax0 ActiveState SubState) $(yn xdp_on ax0) $(yn test -e "$pins_root")"
stamp "aftr@ax0 done"

# The same unit for an interface in network namespace A, through a
# drop-in; it is the AFTR of the B4 below.
pins_a=$(aftr_pin_dir "$A" a-b4)
printf 'DSLITE_AFTR_OPTS="allow 2001:db8:b4::/48 interval 300"\n' >"$W/etc/aftr-a-b4.conf"
if sdctl start dslite-aftr@a-b4; then tap_ok "aftr@a-b4 (netns drop-in): start"
else tap_fail "aftr@a-b4 (netns drop-in): start" "$(journal dslite-aftr@a-b4)"; fi
tap_expect "aftr@a-b4: attached in the namespace, pinned under its cookie" "yes yes" \
	"$(yn xdp_on a-b4 "$A") $(yn test -e "$pins_a/link")"

# ---------------------------------------------------------------------
# dslite-b4@: the daemon

b4q() { sd "$DSLITECTL" -j b4 status | jq -r "$1"; }
__b4_up() { [ "$(b4q '"\(.up) \(.active)"')" = "true $1" ]; }
__peer_is() { [ "$(b4q ".peers[] | select(.peer == \"$1\") | .status")" = "$2" ]; }
ds0() { "$DSLITECTL" -j tunnel show dev ds0 | jq -r '.[0] | "\(.carrier) \(.forced)"'; }
sock=/proc/$SD/root/run/dslite/b4/ds0.sock

cat >"$W/etc/b4-test.conf" <<EOF
dev ds0
aftr $AFTR1
interval 1000 multiplier 5
tunnel-wait 3
EOF
if sdctl start dslite-b4@test; then tap_ok "b4@test: start"
else tap_fail "b4@test: start" "$(journal dslite-b4@test)"; fi
if slowwait 30 __b4_up $AFTR1; then tap_ok "b4@test: the daemon runs, tunnel up via AFTR1"
else tap_fail "b4@test: the daemon runs, tunnel up via AFTR1" "$(journal dslite-b4@test)"; fi
tap_expect "b4@test: carrier up, not forced" "true none" "$(ds0)"
pid1=$(show dslite-b4@test MainPID)

# the sandbox as shipped: bounding set, no new privileges, seccomp
tap_expect "b4@test: capability bounding set NET_ADMIN NET_RAW SYS_PTRACE, NoNewPrivs, seccomp" \
	"0000000000083000 1 2" \
	"$(sd awk '/^CapBnd/ { c = $2 } /^NoNewPrivs/ { n = $2 } /^Seccomp:/ { s = $2 } END { print c, n, s }' /proc/$pid1/status)"
# why SYS_PTRACE: without it PID 1's network namespace cannot be looked at
tap_expect "CAP_SYS_PTRACE is what lets the daemon stat /proc/1/ns/net" "no yes" \
	"$(yn sd setpriv --bounding-set -all,+net_admin,+net_raw stat -L /proc/1/ns/net) $(yn sd setpriv --bounding-set -all,+net_admin,+net_raw,+sys_ptrace stat -L /proc/1/ns/net)"
stamp "b4 up"

# reload: SIGHUP, the new AFTR taken, same process
echo "aftr $AFTR2" >>"$W/etc/b4-test.conf"
sdctl reload dslite-b4@test
if slowwait 20 __peer_is $AFTR2 down; then tap_ok "b4@test: reload: the added AFTR2 is a candidate (standby, down)"
else tap_fail "b4@test: reload: the added AFTR2 is a candidate (standby, down)" "$(journal dslite-b4@test)"; fi
tap_expect "b4@test: reload: same MainPID, no restart" "$pid1 0" \
	"$(show dslite-b4@test MainPID NRestarts)"
if journal dslite-b4@test | grep -q 'SIGHUP: reloading the configuration'; then
	tap_ok "b4@test: reload: the daemon's log in the journal"
else
	tap_fail "b4@test: reload: the daemon's log in the journal" "$(journal dslite-b4@test)"
fi

# kill -9: restarted after RestartSec (5 s); the new daemon's socket
# replaces the stale one, so wait for b4 status to answer with a new pid
__new_daemon() { local p; p=$(b4q .pid) && [ -n "$p" ] && [ "$p" != "$1" ]; }
sd kill -9 "$pid1"
if sdwait 40 __new_daemon "$pid1" && slowwait 30 __b4_up $AFTR1; then
	tap_ok "b4@test: kill -9: restarted by systemd, tunnel up via AFTR1"
else
	tap_fail "b4@test: kill -9: restarted by systemd, tunnel up via AFTR1" "$(journal dslite-b4@test | tail -12)"
fi
tap_expect "b4@test: ... one restart, active" "1 active running" \
	"$(show dslite-b4@test NRestarts ActiveState SubState)"
c=$(ds0)
if [ "$c" = "true none" ]; then tap_ok "b4@test: carrier kept across the restart"
else tap_fail "b4@test: carrier kept across the restart" "carrier/forced $c"; journal dslite-b4@test | tail -12 | sed 's/^/#   /'; fi
stamp "kill -9 done"

# The tunnel deleted: the daemon waits tunnel-wait (3 s), exits 2, and is
# restarted RestartSec (5 s) later. A tunnel back by then: it runs again.
pid2=$(b4q .pid)
ip link del ds0
# its control socket goes with it (read without systemctl: the window
# before the restart is RestartSec)
__exited() { [ ! -e "$sock" ]; }
if busywait 20000 __exited; then tap_ok "b4@test: ds0 deleted: the daemon stops after tunnel-wait"
else tap_fail "b4@test: ds0 deleted: the daemon stops after tunnel-wait" "$(journal dslite-b4@test | tail -5)"; fi
mk_ds0
if sdwait 40 __new_daemon "$pid2" && slowwait 30 __b4_up $AFTR1; then
	tap_ok "b4@test: ds0 back: restarted, the new ds0 up via AFTR1"
else
	tap_fail "b4@test: ds0 back: restarted, the new ds0 up via AFTR1" "$(journal dslite-b4@test | tail -12)"
fi
log=$(journal dslite-b4@test)
if grep -q 'stopped (exit 2)' <<<"$log" &&
   grep -q 'Main process exited, code=exited, status=2/' <<<"$log"; then
	tap_ok "b4@test: ... it had exited with status 2"
else
	tap_fail "b4@test: ... it had exited with status 2" "$(tail -12 <<<"$log")"
fi
stamp "tunnel back done"

# Not back: the restarted daemon refuses the missing tunnel (exit 1, a
# configuration error) and the unit stays failed.
ip link del ds0
__failed() { [ "$(show dslite-b4@test ActiveState)" = failed ]; }
slowwait 20 __exited
sleep 5		# RestartSec: nothing to ask before
if sdwait 40 __failed; then tap_ok "b4@test: ds0 gone for good: the unit ends failed"
else tap_fail "b4@test: ds0 gone for good: the unit ends failed" "$(show dslite-b4@test ActiveState SubState)"; fi
tap_expect "b4@test: ... after one more restart, on exit status 1" "3 1" \
	"$(show dslite-b4@test NRestarts ExecMainStatus)"
if journal dslite-b4@test | grep -q 'dev ds0 does not exist'; then
	tap_ok "b4@test: ... the reason is in the journal"
else
	tap_fail "b4@test: ... the reason is in the journal" "$(journal dslite-b4@test | tail -5)"
fi
stamp "failed done"

# start by hand once it is back, then stop
mk_ds0
if sdctl start dslite-b4@test && slowwait 30 __b4_up $AFTR1; then
	tap_ok "b4@test: started again by hand: up"
else
	tap_fail "b4@test: started again by hand: up" "$(journal dslite-b4@test | tail -8)"
fi
pid3=$(b4q .pid)
sdctl stop dslite-b4@test
tap_expect "b4@test: stop: inactive, the daemon gone, carrier left up, not forced" \
	"inactive dead gone true none" \
	"$(show dslite-b4@test ActiveState SubState) $(sd kill -0 "$pid3" 2>/dev/null && echo running || echo gone) $(ds0)"
if journal dslite-b4@test | grep -q 'SIGTERM: stopping, AdminDown to every AFTR'; then
	tap_ok "b4@test: stop: a clean SIGTERM stop"
else
	tap_fail "b4@test: stop: a clean SIGTERM stop" "$(journal dslite-b4@test | tail -5)"
fi

if sdctl stop dslite-aftr@a-b4; then tap_ok "aftr@a-b4: stop"
else tap_fail "aftr@a-b4: stop" "$(journal dslite-aftr@a-b4)"; fi
tap_expect "aftr@a-b4: detached, pins gone" "no no" \
	"$(yn xdp_on a-b4 "$A") $(yn test -e "$pins_a")"
stamp "end"

tap_done
