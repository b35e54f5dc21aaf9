#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The systemd units of packaging/systemd/ as files: "systemd-analyze verify"
# finds nothing to say about them (with their man page), their sandbox
# stays tight ("systemd-analyze security" exposure), and the example
# configuration files hold only keywords dslitectl accepts. A broken copy
# of a unit is caught, so the verification is not silent by default.
# Running them under systemd is selftests/kernel/systemd_units.sh.
#
#   packaging/systemd/*.service --(ExecStart path -> build/dslitectl)--> tmp
#      systemd-analyze verify / security --offline
#   packaging/systemd/*-example.conf --> dslitectl b4 run config / aftr attach
#
# systemd-analyze checks that ExecStart's program exists: the copies point
# at the tree's build/dslitectl instead of /usr/sbin/dslitectl, where the
# package installs it; nothing else is changed.
. "$(dirname "$0")/../lib.sh"

UNITS=$DSLITE_ROOT/packaging/systemd
require_cmd systemd-analyze man
if [ ! -x "$DSLITECTL" ]; then
	tap_fail "dslitectl is built" "run make user"
	tap_done
fi

tmp=$(mktemp -d)
defer "rm -rf $tmp"
mkdir -p "$tmp/units" "$tmp/man/man8"
cp "$DSLITE_ROOT/Documentation/dslitectl.8" "$tmp/man/man8/"
for u in dslite-b4@.service dslite-aftr@.service; do
	sed "s#/usr/sbin/dslitectl#$DSLITECTL#g" "$UNITS/$u" >"$tmp/units/$u"
done

# verify UNIT...: systemd-analyze verify in the copies' directory
verify() {
	(cd "$tmp/units" && MANPATH=$tmp/man SYSTEMD_LOG_COLOR=0 \
		systemd-analyze verify "$@" 2>&1)
}

for i in dslite-b4@wan.service dslite-aftr@eth1.service; do
	out=$(verify "$i"); rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		tap_ok "systemd-analyze verify $i: clean"
	else
		tap_fail "systemd-analyze verify $i: clean" "rc=$rc"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
done

# exposure ("systemd-analyze security", 0.0 = fully sandboxed .. 10.0)
for i in dslite-b4@wan.service dslite-aftr@eth1.service; do
	e=$(cd "$tmp/units" && systemd-analyze security --offline=true "$i" 2>/dev/null |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	if [ -n "$e" ] && awk -v e="$e" 'BEGIN { exit !(e <= 3.5) }'; then
		tap_ok "$i: exposure $e (at most 3.5)"
	else
		tap_fail "$i: exposure at most 3.5" "got '$e'"
	fi
done

# a broken copy is caught
sed 's#^ExecStart=.*#ExecStart=dslitectl b4 run#; s#^Restart=on-failure#Restart=sometimes#' \
	"$tmp/units/dslite-b4@.service" >"$tmp/units/dslite-broken@.service"
out=$(verify dslite-broken@x.service); rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	tap_ok "a broken unit is reported"
else
	tap_fail "a broken unit is reported" "verify said nothing"
fi
rm -f "$tmp/units/dslite-broken@.service"

# The example configurations parse: what stops them here is only the
# missing device, after every keyword was accepted.
out=$("$DSLITECTL" b4 run config "$UNITS/b4-example.conf" 2>&1); rc=$?
tap_expect "b4-example.conf: every keyword accepted (only ds-wan6_4 is missing)" \
	"1 dslitectl: b4 run: dev ds-wan6_4 does not exist" "$rc $out"
(
	# EnvironmentFile= syntax: plain assignments, double quotes
	# shellcheck source=/dev/null
	. "$UNITS/aftr-example.conf"
	# shellcheck disable=SC2086
	"$DSLITECTL" aftr attach dev dslite-nodev0 $DSLITE_AFTR_OPTS
) >"$tmp/out" 2>&1
rc=$?
tap_expect "aftr-example.conf: every keyword accepted (only the device is missing)" \
	"2 dslitectl: aftr attach: dslite-nodev0: no such device" "$rc $(cat "$tmp/out")"
(
	DSLITE_AFTR_OPTS="allow 2001:db8:100::/40 interval 0"
	# shellcheck disable=SC2086
	"$DSLITECTL" aftr attach dev dslite-nodev0 $DSLITE_AFTR_OPTS
) >"$tmp/out" 2>&1
rc=$?
tap_expect "a bad DSLITE_AFTR_OPTS is refused before the device is looked at" \
	"1 dslitectl: aftr attach: interval must be a number 1..3600000 ms, not \"0\"" \
	"$rc $(cat "$tmp/out")"

tap_done
