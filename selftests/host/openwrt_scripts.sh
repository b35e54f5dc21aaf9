#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The OpenWrt package's scripts (packaging/openwrt/dslite/files/): the
# procd init script and the iface hotplug hook run under busybox ash (the
# shell of OpenWrt) in a chroot laid out like an OpenWrt root, against
# stubs of what only OpenWrt has: /lib/functions.sh (UCI loading, as
# config_load evaluates "uci export"), procd.sh (records what procd would
# be told), network.sh (the interfaces' state), ubus (odhcp6c's state),
# jsonfilter, logger. The exact command lines and config files for
# several /etc/config/dslite files and hotplug events are checked, then
# run through the real B4-only dslitectl: "b4 run" checks every keyword
# before it looks for the tunnel, so in a network namespace without one
# "dev X does not exist" means that the whole configuration was accepted.
# The init script's range checks are compared with dslitectl's at every
# boundary. Both scripts must be shellcheck -s sh clean.
#
#   chroot (busybox-static: /bin/sh is ash)
#
#   /sbin/hotplug-call iface            ACTION, INTERFACE, DEVICE [, AFTR]
#     '-> /etc/hotplug.d/iface/60-dslite --(ubus odhcp6c.eth1 get_state)
#           '-> /var/run/dslite/wan6_4.aftr
#           '-> /etc/init.d/dslite reload   (/etc/rc.common stub)
#                 '-> /var/etc/dslite/SECTION.conf
#                 '-> procd stub: /tmp/procd.log, logger stub: /tmp/log
#
#   host: build/b4/dslitectl b4 run <each command line>   (unshare -n)

. "$(dirname "$0")/../lib.sh"

PKG=$DSLITE_ROOT/packaging/openwrt/dslite
B4=${DSLITE_B4CTL:-$DSLITE_ROOT/build/b4/dslitectl}
BUSYBOX=${BUSYBOX:-/bin/busybox}

require_root
require_cmd shellcheck unshare chroot
[ -x "$BUSYBOX" ] || tap_skip_all "$BUSYBOX (busybox-static) not installed"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	tap_skip_all "$BUSYBOX is not linked statically (install busybox-static)"
fi
if [ ! -x "$B4" ]; then
	tap_fail "the B4-only dslitectl is built" "run make b4"
	tap_done
fi

# --- shellcheck

for f in dslite.init dslite.hotplug; do
	tap_check "shellcheck -s sh $f" shellcheck -s sh "$PKG/files/$f"
done

# --- the chroot

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dslite-openwrt.XXXXXX")
defer "rm -rf $tmp"
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/functions,etc/init.d,etc/config} \
	"$root"/{etc/hotplug.d/iface,etc/rc.d,tmp,var/run,var/etc,stub/up,stub/ubus}
cp "$BUSYBOX" "$root/bin/busybox"
mkdir -p "$root/dev"
mknod -m 0666 "$root/dev/null" c 1 3
for a in sh ash cat sed grep mkdir rm mv cmp tr wc printf echo ls basename \
	dirname readlink test true false cp head env; do
	ln -s busybox "$root/bin/$a"
done
install -m 0755 "$PKG/files/dslite.init" "$root/etc/init.d/dslite"
install -m 0644 "$PKG/files/dslite.hotplug" "$root/etc/hotplug.d/iface/60-dslite"
ln -s ../init.d/dslite "$root/etc/rc.d/S60dslite"

# /lib/functions.sh: UCI loading with the semantics of OpenWrt's (config,
# option, list, config_get, config_get_bool, config_foreach); config_load
# evaluates the file, as OpenWrt evaluates "uci export" of it.
cat >"$root/lib/functions.sh" <<'EOF'
append() {
	eval "$1=\"\${$1:+\${$1}\${3:- }}\$2\""
}
config_set() {
	eval "CONFIG_$1_$2=\$3"
}
package() {
	return 0
}
config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION=${2:-cfg$CONFIG_NUM_SECTIONS}
	append CONFIG_SECTIONS "$CONFIG_SECTION"
	config_set "$CONFIG_SECTION" TYPE "$1"
}
option() {
	_n=$1
	shift
	config_set "$CONFIG_SECTION" "$_n" "$*"
}
list() {
	_n=$1
	shift
	append "CONFIG_${CONFIG_SECTION}_$_n" "$*" " "
}
config_load() {
	CONFIG_SECTIONS=
	CONFIG_NUM_SECTIONS=0
	[ -f "/etc/config/$1" ] && . "/etc/config/$1"
	return 0
}
config_get() {
	case "$2${3:-$1}" in
	*[!A-Za-z0-9_]*) : ;;
	*)
		case "$3" in
		"") eval echo "\"\${CONFIG_${1}_${2}:-\${4}}\"" ;;
		*) eval "${1}=\${CONFIG_${2}_${3}:-\${4}}" ;;
		esac
		;;
	esac
}
get_bool() {
	case "$1" in
	1 | on | true | yes | enabled) echo 1 ;;
	0 | off | false | no | disabled) echo 0 ;;
	*) echo "$2" ;;
	esac
}
config_get_bool() {
	config_get _b "$2" "$3" "$4"
	eval "$1=\$(get_bool \"\$_b\" \"\$4\")"
}
config_foreach() {
	_f=$1
	_t=$2
	for _s in $CONFIG_SECTIONS; do
		config_get _ct "$_s" TYPE
		[ -n "$_t" ] && [ "$_ct" != "$_t" ] && continue
		"$_f" "$_s"
	done
}
EOF

# procd.sh: every call procd would get, one line each, in /tmp/procd.log
cat >"$root/lib/functions/procd.sh" <<'EOF'
_log() {
	echo "$*" >>/tmp/procd.log
}
procd_open_service() {
	_log "service $1"
}
procd_close_service() {
	service_triggers
	_log "close_service ${1:-set}"
}
procd_open_instance() {
	_log "instance $1"
}
procd_set_param() {
	_l="param $1"
	shift
	for _a in "$@"; do
		_l="$_l [$_a]"
	done
	_log "$_l"
}
procd_close_instance() {
	_log "close_instance"
}
procd_add_reload_trigger() {
	_log "trigger config.change $* reload"
}
procd_send_signal() {
	_log "signal $*"
}
procd_kill() {
	_log "kill $*"
}
EOF

# network.sh: /stub/up/IFACE holds the interface's l3 device when it is up
cat >"$root/lib/functions/network.sh" <<'EOF'
network_is_up() {
	[ -f "/stub/up/$1" ]
}
network_get_device() {
	[ -f "/stub/up/$2" ] || return 1
	read -r "$1" <"/stub/up/$2"
}
EOF

# /etc/rc.common: the procd part of OpenWrt's
cat >"$root/etc/rc.common" <<'EOF'
#!/bin/sh
. /lib/functions.sh
initscript=$1
action=${2:-help}
shift 2
start_service() { return 0; }
stop_service() { return 0; }
service_triggers() { return 0; }
. "$initscript"
. /lib/functions/procd.sh
name=$(basename "$initscript")
rc_procd() {
	procd_open_service "$name" "$initscript"
	"$@"
	procd_close_service set
}
start() { rc_procd start_service "$@"; }
stop() { stop_service "$@"; procd_kill "$name" "$1"; }
restart() { stop; start; }
reload() {
	if type reload_service >/dev/null 2>&1; then
		reload_service "$@"
	else
		start
	fi
}
enabled() { [ -x "/etc/rc.d/S$START$name" ]; }
$action "$@"
EOF
chmod 0755 "$root/etc/rc.common"

# /sbin/hotplug-call: each script sourced in a subshell, as OpenWrt's does
cat >"$root/sbin/hotplug-call" <<'EOF'
#!/bin/sh
. /lib/functions.sh
for script in /etc/hotplug.d/"$1"/*; do
	(. "$script")
done
EOF
# ubus call OBJECT METHOD: /stub/ubus/OBJECT.METHOD, else "Not found" (4)
cat >"$root/usr/bin/ubus" <<'EOF'
#!/bin/sh
[ "$1" = call ] && [ -f "/stub/ubus/$2.$3" ] && exec cat "/stub/ubus/$2.$3"
echo "Command failed: Not found" >&2
exit 4
EOF
# jsonfilter: the one expression the hook uses, on ubus's output
cat >"$root/usr/bin/jsonfilter" <<'EOF'
#!/bin/sh
[ "$1" = -e ] && [ "$2" = '@.AFTR[0]' ] || { echo "stub: $*" >&2; exit 1; }
sed -n '/"AFTR": \[/{n;s/^[[:space:]]*"\([^"]*\)".*/\1/p;q}'
EOF
cat >"$root/usr/bin/logger" <<'EOF'
#!/bin/sh
[ "$1" = -t ] && [ "$3" = -p ] || { echo "stub: $*" >&2; exit 1; }
echo "$4 $5" >>/tmp/log
EOF
chmod 0755 "$root/sbin/hotplug-call" "$root/usr/bin/ubus" \
	"$root/usr/bin/jsonfilter" "$root/usr/bin/logger"

# odhcp6c on eth1 (the device of wan6), as "ubus call odhcp6c.eth1
# get_state" prints it
odhcp6c_state() {
	cat >"$root/stub/ubus/odhcp6c.eth1.get_state" <<EOF
{
	"DHCPV6_STATE": "bound",
	"SERVER": [
		"fe80::1"
	],
	"AFTR": [
		$1
	],
	"RA_MTU": 1500
}
EOF
}

# --- helpers

PATH_IN=/usr/sbin:/usr/bin:/sbin:/bin

up() { echo "$2" >"$root/stub/up/$1"; }
down() { rm -f "$root/stub/up/$1"; }
config() { cat >"$root/etc/config/dslite"; }
clear_logs() { : >"$root/tmp/procd.log"; : >"$root/tmp/log"; }
procd_log() { cat "$root/tmp/procd.log"; }
syslog() { cat "$root/tmp/log"; }
conf() { cat "$root/var/etc/dslite/$1.conf" 2>&1; }

# init ACTION: /etc/init.d/dslite ACTION in the chroot
init() {
	clear_logs
	env -i PATH=$PATH_IN chroot "$root" /etc/init.d/dslite "$1" \
		>"$tmp/out" 2>&1
	rc=$?
}

# hotplug ACTION INTERFACE [VAR=VALUE]...: an iface event from netifd
hotplug() {
	local action=$1 iface=$2
	shift 2
	clear_logs
	env -i PATH=$PATH_IN ACTION="$action" INTERFACE="$iface" "$@" \
		chroot "$root" /sbin/hotplug-call iface >"$tmp/out" 2>&1
	rc=$?
}

# expect_output DESC: the scripts wrote nothing to stdout/stderr, exit 0
expect_quiet() {
	tap_expect "$1: exit 0, no output" "0:" "$rc:$(cat "$tmp/out")"
}

# service [INSTANCE-LINES]: what procd gets for "start"/"reload"
service() {
	echo "service dslite"
	cat
	echo "trigger config.change dslite reload"
	echo "close_service set"
}

# instance NAME ARGS...: one instance's lines
instance() {
	local name=$1 l="param command"
	shift
	for a in /usr/sbin/dslitectl b4 run config "/var/etc/dslite/$name.conf" "$@"; do
		l="$l [$a]"
	done
	printf 'instance %s\n%s\nparam respawn\nparam stderr [1]\nclose_instance\n' \
		"$name" "$l"
}

# header NAME ARGS...: the first two lines of a section's file
header() {
	local name=$1
	shift
	echo "# /etc/config/dslite, section '$name' (written by /etc/init.d/dslite)"
	echo "# command line: $*"
}

# ctl_batch < LINES: each line (the arguments of one dslitectl command)
# through the B4-only dslitectl, all in one network namespace that has no
# tunnel; one line "RC STDERR" each
ctl_batch() {
	# shellcheck disable=SC2016 # the inner script's own variables
	unshare -n bash -c '
		while read -r -a a; do
			e=$("$0" "${a[@]}" 2>&1)
			echo "$? $e"
		done' "$B4"
}

# validate DESC: every command line procd got, through dslitectl itself
validate() {
	local desc=$1 line args devs=() lines=() i=0
	while read -r line; do
		args=$(echo "${line#param command }" | tr -d '[]')
		args=${args#/usr/sbin/dslitectl }
		args=${args/ config \/var/ config $root\/var}
		lines+=("$args")
		devs+=("$(echo "$args" | sed -n 's/^b4 run config [^ ]* dev \([^ ]*\).*/\1/p')")
	done < <(grep '^param command ' "$root/tmp/procd.log")
	[ ${#lines[@]} -gt 0 ] || tap_fail "$desc: a command line to validate"
	while read -r line; do
		tap_expect "$desc: dslitectl accepts: ${lines[i]#b4 run config $root}" \
			"1 dslitectl: b4 run: dev ${devs[i]} does not exist" "$line"
		i=$((i + 1))
	done < <(printf '%s\n' "${lines[@]}" | ctl_batch)
	tap_expect "$desc: dslitectl answered for each" "${#lines[@]}" "$i"
}

# --- the shipped /etc/config/dslite: disabled, nothing starts

install -m 0644 "$PKG/files/dslite.config" "$root/etc/config/dslite"
up wan6 eth1
up wan6_4 ds-wan6_4
init start
expect_quiet "shipped config: start"
tap_expect "no /run: linked to /var/run (the control socket's place), logged" \
	"/var/run:daemon.notice /run did not exist: linked to /var/run (the daemon's control socket is in /run/dslite)" \
	"$(readlink "$root/run"):$(syslog)"
tap_expect "shipped config: enabled '0', no instance" \
	"$(service </dev/null)" "$(procd_log)"
hotplug ifup wan6_4 DEVICE=ds-wan6_4
tap_expect "shipped config: ifup of wan6_4 does nothing" "0::" \
	"$rc:$(procd_log):$(syslog)"

# --- ifup with the AFTR name from odhcp6c's state

config <<'EOF'
config b4 'wan'
	option enabled '1'
	option interface 'wan6_4'
EOF
odhcp6c_state '"aftr.example.net"'
hotplug ifup wan6_4 DEVICE=ds-wan6_4
expect_quiet "ifup"
tap_expect "ifup: the AFTR name recorded" "aftr.example.net" \
	"$(cat "$root/var/run/dslite/wan6_4.aftr" 2>&1)"
tap_expect "ifup: procd starts one instance on ds-wan6_4" \
	"$(instance wan dev ds-wan6_4 | service)" "$(procd_log)"
tap_expect "ifup: its file has the AFTR name" \
	"$(header wan dev ds-wan6_4; echo "aftr-name aftr.example.net")" "$(conf wan)"
tap_expect "ifup: logged" \
	"daemon.info wan6_4 up (device ds-wan6_4, AFTR name aftr.example.net): section 'wan'" \
	"$(syslog)"
validate "ifup"

hotplug ifupdate wan6_4 DEVICE=ds-wan6_4
tap_expect "ifupdate, same AFTR name: no reload" "0::" \
	"$rc:$(procd_log):$(syslog)"

odhcp6c_state '"aftr2.example.net"'
hotplug ifupdate wan6_4 DEVICE=ds-wan6_4
tap_expect "ifupdate, new AFTR name: the same command line, then SIGHUP" \
	"$(instance wan dev ds-wan6_4 | service; echo "signal dslite wan HUP")" \
	"$(procd_log)"
tap_expect "ifupdate, new AFTR name: the file has it" \
	"$(header wan dev ds-wan6_4; echo "aftr-name aftr2.example.net")" "$(conf wan)"

hotplug ifup wan6_4 DEVICE=ds-wan6_4 AFTR=aftr3.example.net
tap_expect "ifup with AFTR in the environment: it wins over odhcp6c's" \
	"$(header wan dev ds-wan6_4; echo "aftr-name aftr3.example.net")" "$(conf wan)"
tap_expect "ifup with AFTR in the environment: SIGHUP" "signal dslite wan HUP" \
	"$(procd_log | tail -n 1)"

hotplug ifup wan6_4 DEVICE=ds-wan6_4 'AFTR=bad name;reboot'
tap_expect "AFTR name that is not a domain name: ignored and logged" \
	"daemon.warning wan6_4: AFTR name 'bad name;reboot' is not a domain name: ignored" \
	"$(syslog | head -n 1)"
tap_expect "AFTR name that is not a domain name: the tunnel's remote (dev only)" \
	"$(header wan dev ds-wan6_4)" "$(conf wan)"

odhcp6c_state ''
hotplug ifup wan6_4 DEVICE=ds-wan6_4
tap_expect "odhcp6c without an AFTR name: dev only" "$(header wan dev ds-wan6_4)" \
	"$(conf wan)"
rm -f "$root/stub/ubus/odhcp6c.eth1.get_state"
hotplug ifup wan6_4 DEVICE=ds-wan6_4
tap_expect "odhcp6c without ubus: dev only, started" \
	"$(instance wan dev ds-wan6_4 | service)" "$(procd_log)"
# /etc/odhcp6c.user running the hook with odhcp6c's AFTR (see
# Documentation/openwrt.md), then netifd's ifup without it
clear_logs
env -i PATH=$PATH_IN ACTION=ifupdate INTERFACE=wan6_4 AFTR=aftr4.example.net \
	chroot "$root" /bin/sh /etc/hotplug.d/iface/60-dslite >"$tmp/out" 2>&1
rc=$?
expect_quiet "odhcp6c.user: the hook run with AFTR"
tap_expect "odhcp6c.user: the name recorded, SIGHUP" \
	"aftr4.example.net:signal dslite wan HUP" \
	"$(cat "$root/var/run/dslite/wan6_4.aftr"):$(procd_log | tail -n 1)"
hotplug ifup wan6_4 DEVICE=ds-wan6_4
tap_expect "odhcp6c without ubus: ifup keeps the recorded name" \
	"$(header wan dev ds-wan6_4; echo "aftr-name aftr4.example.net")" "$(conf wan)"

# a health change is on the command line: procd restarts, no SIGHUP
odhcp6c_state '"aftr.example.net"'
hotplug ifup wan6_4 DEVICE=ds-wan6_4
config <<'EOF'
config b4 'wan'
	option enabled '1'
	option interface 'wan6_4'
	option health 'all:bfd+pcp'
EOF
init reload
tap_expect "reload, health changed: a new command line (procd restarts it), no SIGHUP" \
	"$(instance wan dev ds-wan6_4 health all:bfd+pcp | service)" "$(procd_log)"

down wan6_4
hotplug ifdown wan6_4
tap_expect "ifdown: no instance (procd stops it), no SIGHUP" \
	"$(service </dev/null)" "$(procd_log)"
tap_expect "ifdown: the AFTR name and the file removed" "no:no" \
	"$([ -e "$root/var/run/dslite/wan6_4.aftr" ] && echo yes || echo no):$([ -e "$root/var/etc/dslite/wan.conf" ] && echo yes || echo no)"
tap_expect "ifdown: logged" "daemon.info wan6_4 down: stopping section 'wan'" \
	"$(syslog | head -n 1)"
tap_expect "interface down: logged, not started" \
	"daemon.info section 'wan': interface wan6_4 is not up: not started" \
	"$(syslog | tail -n 1)"

up wan6_4 ds-wan6_4
rm "$root/etc/rc.d/S60dslite"
hotplug ifup wan6_4 DEVICE=ds-wan6_4
tap_expect "service disabled (/etc/init.d/dslite disable): ifup does nothing" \
	"0::" "$rc:$(procd_log):$(syslog)"
ln -s ../init.d/dslite "$root/etc/rc.d/S60dslite"
up lan br-lan
hotplug ifup lan DEVICE=br-lan
tap_expect "ifup of another interface does nothing" "0::" \
	"$rc:$(procd_log):$(syslog)"

# --- every option, several sections

up wan6b_4 ds-wan6b_4
config <<'EOF'
config b4 'wan'
	option enabled '1'
	option interface 'wan6_4'
	list aftr '2001:db8:1::1'
	list aftr '2001:db8:2::1'
	option aftr_name 'aftr.example.net'
	option interval '0300'
	option multiplier '5'
	option standby_interval '500'
	option preempt 'yes'
	option hold_down '0'
	option on_stop 'release'
	option health 'any:bfd+ping+pcp'
	option ping_interval '200'
	option ping_loss '2/4'
	option pcp_lifetime '60'
	option pcp_deadline '5000'
	option pcp_failures '2'
	option pcp_interval '0'
	option pcp_retry_max '1000'
	option pcp_mode 'plain'
	option pcp_port '5000'
	option pcp_server '2001:db8::53'
	option tunnel_wait '600'

config b4 'off'
	option enabled '0'
	option interface 'wan6_4'

config b4 'carrier'
	option enabled '1'
	list interface 'wan6_4'
	list interface 'wan6b_4'
	option failover 'carrier'
	option tunnel_wait 'forever'

config b4 'opts'
	option enabled 'on'
	option interface 'wan6b_4'
	list aftr '2001:db8:1::1,health=ping'
	list aftr '2001:db8:2::1'
	list aftr '2001:db8:3::1,pcp-server=2001:db8::53,health=all:bfd+pcp'
	option pcp_mode 'plain'
EOF
init start
expect_quiet "several sections: start"
tap_expect "several sections: one instance per enabled section, in order" \
	"$({ instance wan dev ds-wan6_4 health any:bfd+ping+pcp pcp-lifetime 60 \
		pcp-deadline 5000 pcp-failures 2 pcp-interval 0 pcp-retry-max 1000 \
		pcp-mode plain pcp-port 5000 pcp-server 2001:db8::53
	    instance carrier dev ds-wan6_4 dev ds-wan6b_4 failover carrier
	    instance opts dev ds-wan6b_4 pcp-mode plain aftr 2001:db8:1::1,health=ping \
		aftr 2001:db8:2::1 aftr 2001:db8:3::1,pcp-server=2001:db8::53,health=all:bfd+pcp
	  } | service)" "$(procd_log)"
tap_expect "every option: the reloadable ones in the file" \
	"$(header wan dev ds-wan6_4 health any:bfd+ping+pcp pcp-lifetime 60 \
		pcp-deadline 5000 pcp-failures 2 pcp-interval 0 pcp-retry-max 1000 \
		pcp-mode plain pcp-port 5000 pcp-server 2001:db8::53
	   cat <<'EOF'
aftr 2001:db8:1::1
aftr 2001:db8:2::1
aftr-name aftr.example.net
interval 300
multiplier 5
standby-interval 500
preempt on
hold-down 0
on-stop release
ping-interval 200
ping-loss 2/4
tunnel-wait 600
EOF
)" "$(conf wan)"
tap_expect "carrier mode: no AFTR name from DHCPv6 (the tunnels' remotes)" \
	"$(header carrier dev ds-wan6_4 dev ds-wan6b_4 failover carrier
	   echo "tunnel-wait forever")" "$(conf carrier)"
tap_expect "an AFTR with options: every aftr on the command line, in order" \
	"$(header opts dev ds-wan6b_4 pcp-mode plain aftr 2001:db8:1::1,health=ping \
		aftr 2001:db8:2::1 aftr 2001:db8:3::1,pcp-server=2001:db8::53,health=all:bfd+pcp)" \
	"$(conf opts)"
tap_expect "the disabled section: no file" "no" \
	"$([ -e "$root/var/etc/dslite/off.conf" ] && echo yes || echo no)"
validate "several sections"

init stop
tap_expect "stop: procd kills the service, the files are removed" \
	"kill dslite :" "$(procd_log):$(ls "$root/var/etc/dslite")"

# --- bad values: the section is logged and left out, the others start

# bad LINES LOG: a section with LINES (UCI lines, '|' between them; an
# interface of its own unless LINES names one) is left out with LOG. All
# of them go in one /etc/config/dslite, after a good section, and are
# checked after one "start".
BAD_N=0
BAD_CONFIG="config b4 'good'
	option enabled '1'
	option interface 'wan6_4'
"
bad() {
	local lines=$1
	BAD_N=$((BAD_N + 1))
	BAD_LINES[BAD_N]=$1
	BAD_WANT[BAD_N]=$2
	BAD_CONFIG+="
config b4 'bad$BAD_N'
	option enabled '1'
"
	case "$lines" in
	*interface* | *device*) ;;
	*) BAD_CONFIG+="	option interface 'wan6b_4'
" ;;
	esac
	BAD_CONFIG+=$(echo "$lines" | tr '|' '\n' | sed 's/^ */\t/')
	BAD_CONFIG+=$'\n'
}
rm -f "$root/var/run/dslite/wan6_4.aftr"
HEALTH="must be bfd, pcp, ping, all, any, all:M+M[+M] or any:M+M[+M]"
bad "option interval '5'" "interval must be 10..60000 ms, not '5'"
bad "option interval '-1'" "interval must be 10..60000 ms, not '-1'"
bad "list interval '1000'| list interval '2000'" \
	"interval must be 10..60000 ms, not '1000 2000'"
bad "option multiplier 'x'" "multiplier must be 1..255, not 'x'"
bad "option failover 'magic'" "failover must be one of: repoint carrier; not 'magic'"
bad "option preempt 'maybe'" "preempt must be 0 or 1, not 'maybe'"
bad "option on_stop 'halt'" "on_stop must be one of: keep release; not 'halt'"
bad "option health 'pcp+ping'" "health $HEALTH, not 'pcp+ping'"
bad "option health 'all:bfd'" "health $HEALTH, not 'all:bfd'"
bad "option health 'any:bfd+bfd'" "health $HEALTH, not 'any:bfd+bfd'"
bad "option ping_loss '4/3'" "ping_loss must be N/M with 1 <= N <= M <= 32, not '4/3'"
bad "option ping_loss '3/33'" "ping_loss must be N/M with 1 <= N <= M <= 32, not '3/33'"
bad "option pcp_mode 'udp'" "pcp_mode must be one of: encap plain; not 'udp'"
bad "option pcp_server '2001:db8::53'" "pcp_server is for pcp_mode 'plain'"
bad "option tunnel_wait 'soon'" "tunnel_wait must be 0..604800 seconds or forever, not 'soon'"
bad "list aftr '192.0.2.1'" "aftr '192.0.2.1': '192.0.2.1' is not an AFTR's IPv6 address"
bad "list aftr 'fe80::1'" "aftr 'fe80::1': 'fe80::1' is not an AFTR's IPv6 address"
bad "list aftr 'ff02::2'" "aftr 'ff02::2': 'ff02::2' is not an AFTR's IPv6 address"
bad "list aftr '::1'" "aftr '::1': '::1' is not an AFTR's IPv6 address"
bad "list aftr '2001:db8::1::2'" \
	"aftr '2001:db8::1::2': '2001:db8::1::2' is not an AFTR's IPv6 address"
bad "list aftr '2001:db8:0:0:0:0:0:1:2'" \
	"aftr '2001:db8:0:0:0:0:0:1:2': '2001:db8:0:0:0:0:0:1:2' is not an AFTR's IPv6 address"
bad "list aftr '2001:db8::1,health=pcp+ping'" \
	"aftr '2001:db8::1,health=pcp+ping': health $HEALTH, not 'pcp+ping'"
bad "list aftr '2001:db8::1,weight=2'" \
	"aftr '2001:db8::1,weight=2': unknown option 'weight=2' (health=SPEC, pcp-server=ADDR)"
bad "list aftr '2001:db8::1,health=ping,health=bfd'" \
	"aftr '2001:db8::1,health=ping,health=bfd': health given twice"
bad "list aftr '2001:db8::1,pcp-server=2001:db8::53'" "pcp_server is for pcp_mode 'plain'"
bad "list aftr '2001:db8::1,health=all:bfd.pcp'" \
	"aftr '2001:db8::1,health=all:bfd.pcp': options must be health=SPEC or pcp-server=ADDR"
bad "option health 'any:*'" "health $HEALTH, not 'any:*'"
bad "option aftr_name 'bad..example'" "aftr_name 'bad..example' is not a domain name"
bad "option aftr_name '\$(reboot)'" "aftr_name '\$(reboot)' is not a domain name"
bad "list interface 'wan6_4'| list interface 'wan6b_4'" \
	"several interfaces or devices need failover 'carrier' (one tunnel per AFTR)"
bad "option interface 'wan6b_4'| option failover 'carrier'| list aftr '2001:db8::1'" \
	"with failover 'carrier' the AFTRs are the tunnels' remotes: no aftr or aftr_name"
bad "option interface 'wan6b_4'| option device 'ds-wan6b_4'" \
	"give interface or device, not both"
bad "option device ''" "no interface (the ds-lite interface, e.g. wan6_4) and no device"
bad "option interface 'wan/6'" "interface 'wan/6' is not a network interface name"
bad "list interface '*'" "interface '*' is not a network interface name"
bad "list device '/*'" "device '/*' is not an interface name"
bad "list aftr '2001:db8::1'| list aftr '*'" \
	"aftr '2001:db8::1 *' is not a list of IPv6 addresses with options"
bad "option device 'ds-waaaaaaaaaaan6'" "device 'ds-waaaaaaaaaaan6' is not an interface name"

echo "$BAD_CONFIG" | config
init start
tap_expect "bad values: only the good section starts" \
	"$(instance good dev ds-wan6_4 | service)" "$(procd_log)"
for ((i = 1; i <= BAD_N; i++)); do
	tap_expect "bad: ${BAD_LINES[i]}: left out, logged" \
		"daemon.err section 'bad$i': ${BAD_WANT[i]}: not started" \
		"$(sed -n "${i}p" "$root/tmp/log")"
done
tap_expect "bad values: one log line each" "$BAD_N" "$(wc -l <"$root/tmp/log")"

# a device given by name: started only when it exists
config <<'EOF'
config b4 'manual'
	option enabled '1'
	option device 'ds-manual'
EOF
init start
tap_expect "device that does not exist: logged, not started" \
	"$(service </dev/null):daemon.info section 'manual': device ds-manual does not exist: not started" \
	"$(procd_log):$(syslog)"
mkdir -p "$root/sys/class/net/ds-manual"
init start
tap_expect "device that exists: started" "$(instance manual dev ds-manual | service)" \
	"$(procd_log)"

# --- the ranges: the init script's and dslitectl's, at every boundary

# One section per boundary value, all in one /etc/config/dslite: the
# values dslitectl takes start, the others are logged; dslitectl is asked
# about each value too.
RANGE_N=0
RANGE_CONFIG=
range() {
	local opt=$1 kw=$2 v=$3 want=$4
	RANGE_N=$((RANGE_N + 1))
	RANGE_OPT[RANGE_N]=$opt
	RANGE_KW[RANGE_N]=$kw
	RANGE_V[RANGE_N]=$v
	RANGE_WANT[RANGE_N]=$want
	RANGE_CONFIG+="config b4 'r$RANGE_N'
	option enabled '1'
	option interface 'wan6_4'
	option $opt '$v'

"
}
while read -r opt kw min max; do
	range "$opt" "$kw" "$min" ok
	range "$opt" "$kw" "$max" ok
	[ "$min" -gt 0 ] && range "$opt" "$kw" $((min - 1)) bad
	range "$opt" "$kw" $((max + 1)) bad
done <<'EOF'
interval interval 10 60000
multiplier multiplier 1 255
standby_interval standby-interval 10 60000
hold_down hold-down 0 3600
ping_interval ping-interval 10 60000
pcp_lifetime pcp-lifetime 2 86400
pcp_deadline pcp-deadline 1000 600000
pcp_failures pcp-failures 1 100
pcp_interval pcp-interval 1000 3600000
pcp_retry_max pcp-retry-max 100 1024000
pcp_port pcp-port 1 65535
tunnel_wait tunnel-wait 0 604800
EOF
range pcp_interval pcp-interval 0 ok
echo "$RANGE_CONFIG" | config
init start
mapfile -t RANGE_CTL < <(for ((i = 1; i <= RANGE_N; i++)); do
	echo "b4 run dev ds-r ${RANGE_KW[i]} ${RANGE_V[i]}"
done | ctl_batch)
for ((i = 1; i <= RANGE_N; i++)); do
	opt=${RANGE_OPT[i]} kw=${RANGE_KW[i]} v=${RANGE_V[i]} want=${RANGE_WANT[i]}
	if grep -qx "instance r$i" "$root/tmp/procd.log"; then
		got_sh=ok
	elif grep -q "^daemon.err section 'r$i': $opt must be " "$root/tmp/log"; then
		got_sh=bad
	else
		got_sh=missing
	fi
	case "${RANGE_CTL[i - 1]}" in
	"1 dslitectl: b4 run: dev ds-r does not exist") got_c=ok ;;
	"1 dslitectl: b4 run: $kw must be "*) got_c=bad ;;
	*) got_c="? ${RANGE_CTL[i - 1]}" ;;
	esac
	tap_expect "$opt '$v': the init script and dslitectl: $want" "$want $want" \
		"$got_sh $got_c"
done

tap_done
