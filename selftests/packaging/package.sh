#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages (debian/, scripts/deb.sh) installed, upgraded and
# purged with dpkg on the test VM's Debian kernel, DKMS building dslite.ko
# for it each time, with the packaged dslitectl running the B4 daemon
# (repoint mode, 1000 ms x 3, two AFTRs answered by the packaged XDP
# responder) from the packaged example configuration:
#
#   1. install VERSION: both packages "install ok installed", their files
#      in place, DKMS has built and installed dslite.ko for the running
#      kernel; nothing is loaded until "modprobe dslite", which brings the
#      "dslite" genl family; the daemon runs from /etc/dslite/b4.conf;
#   2. upgrade to VERSION+1 (both packages) with the daemon running and
#      /etc/default/dslite as shipped (DSLITE_RELOAD_MODULE=no): DKMS
#      replaces the module's file, the old module stays loaded (a carrier
#      forced by hand on a spare tunnel before the upgrade is still
#      forced, the daemon never lost the family) and the daemon still
#      fails over (cut of AFTR1);
#   3. DSLITE_RELOAD_MODULE=yes, upgrade dslite-dkms to VERSION+2: the
#      module is reloaded (the spare tunnel's forced state is gone, the
#      loaded module is the new file), the daemon binds to the new family
#      and a cut of its active AFTR still fails over and forces the
#      carrier; both AFTRs cut: ds0 forced down, the daemon stopped
#      (on-stop keep: it stays forced);
#   4. dpkg --purge both: the module unloaded (the forced carrier given
#      back) and gone from DKMS and /lib/modules, no pin left in
#      /sys/fs/bpf/dslite and no XDP program on the AFTRs, the packages'
#      files and conffiles gone, the admin's /etc/dslite/b4.conf kept.
#
#  [B4] ds0 -> AFTR1 --- [ME] --- [AFTR1] /usr/sbin/dslitectl aftr attach
#   /usr/sbin/dslitectl b4 run  \- [AFTR2] /usr/sbin/dslitectl aftr attach
#   config /etc/dslite/b4.conf
#  (root namespace: mark0, a spare ip6tnl forced down by hand)
#
# dpkg runs on the host's real package database (the VM's /usr, /var and
# /etc are overlays over the host's, see selftests/vm/init); man-db's
# index update is turned off in the guest only (minutes under TCG). DKMS
# compiles the module three times under TCG: hence the longer timeout.
#
# vm-prepare: scripts/deb.sh --tests
# vm-timeout: 3600
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"
DSLITECTL=/usr/sbin/dslitectl
. "$(dirname "$0")/../b4_lib.sh"

require_root
require_cmd dpkg dkms jq nsenter dpkg-parsechangelog
KVER=$(uname -r)
[ -d "/lib/modules/$KVER/build" ] ||
	tap_skip_all "no kernel headers for $KVER (linux-headers-$KVER): DKMS cannot build"
if dpkg-query -W dslite-dkms dslitectl >/dev/null 2>&1; then
	tap_skip_all "dslite-dkms or dslitectl is already installed on this root"
fi

V=$(dpkg-parsechangelog -l "$DSLITE_ROOT/debian/changelog" -S Version)
DEBS=$DSLITE_ROOT/build/deb
DKMS1=$DEBS/dslite-dkms_${V}_all.deb
CTL1=$(ls "$DEBS"/dslitectl_"${V}"_*.deb 2>/dev/null)
DKMS2=$DEBS/$V+1/dslite-dkms_${V}+1_all.deb
CTL2=$(ls "$DEBS/$V+1"/dslitectl_"${V}"+1_*.deb 2>/dev/null)
DKMS3=$DEBS/$V+2/dslite-dkms_${V}+2_all.deb
for f in "$DKMS1" "$CTL1" "$DKMS2" "$CTL2" "$DKMS3"; do
	if [ ! -f "$f" ]; then
		tap_fail "the packages are built" "missing ${f:-dslitectl*.deb} (scripts/deb.sh --tests)"
		tap_done
	fi
done

KO=/lib/modules/$KVER/updates/dkms/dslite.ko
DPKG_LOG=$(mktemp /tmp/dpkg-log.XXXXXX)
rm -f /var/lib/man-db/auto-update
defer "dpkg --purge dslitectl dslite-dkms"

# pkg ARGS...: dpkg ARGS, its output in $DPKG_LOG; shown on failure
pkg() {
	: >"$DPKG_LOG"
	dpkg "$@" >"$DPKG_LOG" 2>&1
}
dpkg_log() { sed 's/^/#   /' "$DPKG_LOG"; }
# status PKG: "Status Version" as dpkg has it
status() { dpkg-query -W -f='${Status} ${Version}' "$1" 2>&1; }
# dkms_state: dkms status of the dslite module, one line per version/kernel
dkms_state() { dkms status -m dslite 2>&1 | tr '\n' ';'; }
dur() { echo "$(($(date +%s) - $1)) s"; }

# ---------------------------------------------------------------------
# 1. install
t=$(date +%s)
if pkg -i "$DKMS1" "$CTL1"; then tap_ok "dpkg -i dslite-dkms dslitectl ($V)"
else tap_fail "dpkg -i dslite-dkms dslitectl ($V)" "$(dpkg_log)"; fi
diag "install (DKMS build included): $(dur $t)"
tap_expect "dslite-dkms installed" "install ok installed $V" "$(status dslite-dkms)"
tap_expect "dslitectl installed" "install ok installed $V" "$(status dslitectl)"
missing=
for f in /usr/sbin/dslitectl /usr/share/man/man8/dslitectl.8.gz \
	/usr/share/doc/dslitectl/examples/b4.conf /usr/share/doc/dslitectl/copyright \
	/etc/default/dslite /usr/src/dslite-$V/dkms.conf \
	/usr/src/dslite-$V/Kbuild /usr/src/dslite-$V/kmod/main.c \
	/usr/src/dslite-$V/include/uapi/linux/dslite.h "$KO"; do
	[ -f "$f" ] || missing+=" $f"
done
tap_expect "the packages' files are in place (tool, man page, example, module source, dkms.conf, built module)" "" "$missing"
tap_expect "dkms.conf names this version" "PACKAGE_VERSION=\"$V\"" \
	"$(grep '^PACKAGE_VERSION=' /usr/src/dslite-$V/dkms.conf)"
tap_expect "dkms status: installed for $KVER" "dslite/$V, $KVER, $(uname -m): installed;" "$(dkms_state)"
tap_expect "modinfo finds the DKMS module" "$KO" "$(modinfo -n dslite 2>&1)"
tap_expect "dslitectl --version" "$V" "$(dslitectl --version 2>&1 | grep -o "$V" | head -n 1)"
tap_expect "nothing is loaded by the installation" "" "$(grep '^dslite ' /proc/modules)"
if modprobe dslite && [ -d /sys/module/dslite ]; then tap_ok "modprobe dslite"
else tap_fail "modprobe dslite" "$(dmesg | tail -n 5)"; fi
if genl ctrl get name dslite >/dev/null 2>&1; then tap_ok "genl family dslite registered"
else tap_fail "genl family dslite registered" "$(genl ctrl list 2>&1 | grep -i name)"; fi
if out=$(dslitectl tunnel show 2>&1); then tap_ok "dslitectl talks to the module"
else tap_fail "dslitectl talks to the module" "$out"; fi

# the daemon from the packaged example, adapted to the topology
b4_topo 2 || { tap_fail "topology"; tap_done; }
xdp_attach_both
ip link add mark0 type ip6tnl mode ipip6 local 2001:db8:ff::2 remote 2001:db8:ff::1
ip link set mark0 up
defer "ip link del mark0"
mkdir -p /etc/dslite
sed -e "s/^dev .*/dev ds0/" \
	-e "0,/^aftr [^ ]*/s//aftr $AFTR1_ADDR/" \
	-e "/^aftr 2001:db8:2::1/s//aftr $AFTR2_ADDR/" \
	-e "s/^standby-interval .*/standby-interval 1000/" \
	-e "s/^hold-down .*/hold-down 2/" -e "s/^preempt .*/preempt off/" \
	/usr/share/doc/dslitectl/examples/b4.conf >/etc/dslite/b4.conf
defer "rm -rf /etc/dslite"
b4_start config /etc/dslite/b4.conf || tap_fail "daemon starts" "$(b4_show_log)"
if b4_wait_active $AFTR1_ADDR 30000 && b4_wait_peer $AFTR2_ADDR up 20000; then
	tap_ok "daemon from the example config: up via AFTR1, AFTR2 Up as a standby"
else
	tap_fail "daemon from the example config: up via AFTR1, AFTR2 Up as a standby" "$(b4_show_log)"
fi
MON=$(mktemp /tmp/mon.XXXXXX)
mon_start() {
	: >"$MON"
	rm -f "$MON.ready"
	ip netns exec "$B4" dslitectl -j monitor ready "$MON.ready" >>"$MON" 2>&1 &
	MON_PID=$!
	defer "kill $MON_PID"
	busywait 5000 test -e "$MON.ready"
}
mon_events() { jq -r 'select(.ifname == "ds0") | "\(.event) \(.carrier) \(.diagnostic) \(.remote)"' "$MON" 2>/dev/null | tr '\n' ';'; }
__alive() { kill -0 "$B4_PID" 2>/dev/null; }
tjs() { tjson "$B4" ds0 "$1"; }
mark() { dslitectl -j tunnel show dev mark0 | jq -r '.[0] | "\(.forced) \(.reason)"'; }
dslitectl tunnel set dev mark0 carrier down diag admin-down reason "before the upgrade"
tap_expect "spare tunnel forced down by hand" "carrier-down before the upgrade" "$(mark)"

# ---------------------------------------------------------------------
# 2. upgrade without reload
t=$(date +%s)
if pkg -i "$DKMS2" "$CTL2"; then tap_ok "upgrade to $V+1 with the daemon running"
else tap_fail "upgrade to $V+1 with the daemon running" "$(dpkg_log)"; fi
diag "upgrade (DKMS build included): $(dur $t)"
tap_expect "upgrade: both packages at $V+1" \
	"install ok installed $V+1 install ok installed $V+1" \
	"$(status dslite-dkms) $(status dslitectl)"
tap_expect "upgrade: dkms status: only $V+1, installed for $KVER" \
	"dslite/$V+1, $KVER, $(uname -m): installed;" "$(dkms_state)"
tap_expect "upgrade: the old source is gone, the new one is there" "no yes" \
	"$([ -e /usr/src/dslite-$V ] && echo yes || echo no) $([ -f /usr/src/dslite-$V+1/dkms.conf ] && echo yes || echo no)"
tap_expect "upgrade: the new tool is installed" "$V+1" \
	"$(dslitectl --version 2>&1 | grep -o "$V+1" | head -n 1)"
tap_expect "upgrade without DSLITE_RELOAD_MODULE: the old module stays loaded (its forced carrier is still there)" \
	"carrier-down before the upgrade" "$(mark)"
if ! b4_log_has "module not loaded" && __alive; then
	tap_ok "upgrade: the daemon runs on and never lost the module"
else
	tap_fail "upgrade: the daemon runs on and never lost the module" "$(b4_show_log)"
fi
mon_start
aftr_cut 1
if b4_wait_active $AFTR2_ADDR 15000; then tap_ok "upgrade: a cut of AFTR1 moves the tunnel to AFTR2"
else tap_fail "upgrade: a cut of AFTR1 moves the tunnel to AFTR2" "$(b4_show_log)"; fi
tap_expect "upgrade: the carrier was forced down and up again (events)" \
	"carrier false control-expired $AFTR1_ADDR;params false control-expired $AFTR2_ADDR;carrier true none $AFTR2_ADDR;" \
	"$(mon_events)"
kill "$MON_PID" 2>/dev/null
aftr_restore 1
b4_wait_peer $AFTR1_ADDR up 20000

# ---------------------------------------------------------------------
# 3. upgrade with DSLITE_RELOAD_MODULE=yes
sed -i 's/^DSLITE_RELOAD_MODULE=.*/DSLITE_RELOAD_MODULE=yes/' /etc/default/dslite
t=$(date +%s)
if pkg -i "$DKMS3"; then tap_ok "upgrade dslite-dkms to $V+2 with DSLITE_RELOAD_MODULE=yes"
else tap_fail "upgrade dslite-dkms to $V+2 with DSLITE_RELOAD_MODULE=yes" "$(dpkg_log)"; fi
diag "upgrade with reload (DKMS build included): $(dur $t)"
tap_expect "reload: dslite-dkms at $V+2" "install ok installed $V+2" "$(status dslite-dkms)"
tap_expect "reload: dkms status: only $V+2, installed for $KVER" \
	"dslite/$V+2, $KVER, $(uname -m): installed;" "$(dkms_state)"
if grep -q "dslite.ko reloaded (DSLITE_RELOAD_MODULE=yes)" "$DPKG_LOG"; then
	tap_ok "reload: the postinst says it reloaded the module"
else
	tap_fail "reload: the postinst says it reloaded the module" "$(dpkg_log)"
fi
tap_expect "reload: the kept conffile still asks for it" "DSLITE_RELOAD_MODULE=yes" \
	"$(grep '^DSLITE_RELOAD_MODULE=' /etc/default/dslite)"
tap_expect "reload: a new module instance (the forced carrier of the old one is gone)" \
	"none " "$(dslitectl -j tunnel show dev mark0 | jq -r '.[0] | "\(.forced) \(.reason // "")"')"
tap_expect "reload: the loaded module is the file DKMS installed" \
	"$(modinfo -F srcversion "$KO")" "$(cat /sys/module/dslite/srcversion 2>&1)"
if busywait 10000 b4_log_has "dslite.ko loaded again" && __alive; then
	tap_ok "reload: the daemon bound to the new module's family"
else
	tap_fail "reload: the daemon bound to the new module's family" "$(b4_show_log)"
fi
tap_expect "reload: status: module loaded, up via AFTR2" "true true $AFTR2_ADDR" \
	"$(b4_q '"\(.["module-loaded"]) \(.up) \(.active)"')"
mon_start
aftr_cut 2
if b4_wait_active $AFTR1_ADDR 15000; then tap_ok "reload: a cut of AFTR2 moves the tunnel to AFTR1"
else tap_fail "reload: a cut of AFTR2 moves the tunnel to AFTR1" "$(b4_show_log)"; fi
tap_expect "reload: the carrier was forced down and up again by the new module (events)" \
	"carrier false control-expired $AFTR2_ADDR;params false control-expired $AFTR1_ADDR;carrier true none $AFTR1_ADDR;" \
	"$(mon_events)"
aftr_cut 1
__forced() { [ "$(tjs forced)" = carrier-down ]; }
if busywait 10000 __forced; then tap_ok "both AFTRs cut: ds0 forced down by the daemon"
else tap_fail "both AFTRs cut: ds0 forced down by the daemon" "$(b4_show_log)"; fi
kill "$MON_PID" 2>/dev/null
b4_stop TERM
tap_expect "daemon stopped (on-stop keep): ds0 stays forced down" "0 carrier-down 0" \
	"$B4_RC $(tjs forced) $(sysfs_carrier "$B4" ds0)"

# ---------------------------------------------------------------------
# 4. purge
t=$(date +%s)
if pkg --purge dslitectl dslite-dkms; then tap_ok "dpkg --purge dslitectl dslite-dkms"
else tap_fail "dpkg --purge dslitectl dslite-dkms" "$(dpkg_log)"; fi
diag "purge: $(dur $t)"
tap_expect "purge: both packages unknown to dpkg" "" \
	"$(dpkg-query -W -f='${Status}' dslite-dkms dslitectl 2>/dev/null)"
tap_expect "purge: the module is unloaded" "" "$(grep '^dslite ' /proc/modules)"
tap_expect "purge: no carrier left forced (ds0, mark0 carrier up)" "1 1" \
	"$(sysfs_carrier "$B4" ds0) $(sysfs_carrier mark0)"
tap_expect "purge: DKMS knows no dslite" "" "$(dkms status -m dslite 2>&1)"
left=
for f in "$KO" /var/lib/dkms/dslite /usr/src/dslite-$V+2 /usr/sbin/dslitectl \
	/usr/share/man/man8/dslitectl.8.gz /usr/share/doc/dslitectl \
	/usr/share/doc/dslite-dkms /etc/default/dslite /sys/fs/bpf/dslite; do
	[ -e "$f" ] && left+=" $f"
done
tap_expect "purge: no file, directory, conffile or pin of the packages is left" "" "$left"
tap_expect "purge: modinfo finds no dslite" "" "$(modinfo -n dslite 2>/dev/null)"
xdp=
for i in 1 2; do
	xdp+=$(ip -n "$(aftr_ns $i)" -j link show a$i-me | jq -r '.[0].xdp.prog.id // empty')
done
tap_expect "purge: the AFTRs' XDP responders are detached" "" "$xdp"
tap_expect "purge: the admin's /etc/dslite/b4.conf is kept" "yes" \
	"$([ -f /etc/dslite/b4.conf ] && echo yes || echo no)"
tap_done
