#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages of the tree (make deb: scripts/deb.sh, debian/),
# built when missing or out of date, checked without installing them:
#   - the changelog's version is the tree's (Makefile VERSION);
#   - lintian reports no error on the build (.changes: both .debs); its
#     warnings and informational tags are shown as comments;
#   - dslite-dkms holds the module's source and a dkms.conf of this
#     version, /etc/default/dslite (a conffile) with
#     DSLITE_RELOAD_MODULE=no, and depends on dkms;
#   - dslitectl holds the tool, its man page and the example
#     configuration, and no kernel module or build product;
#   - the systemd template units are in dslitectl exactly when
#     packaging/systemd/ has them, and nothing enables or starts them.
#
#   tree --scripts/deb.sh (dpkg-buildpackage -b, a copy)--> build/deb/*.deb
#        --> lintian, dpkg-deb -c/-f/-I
#
. "$(dirname "$0")/../lib.sh"

require_cmd dpkg-buildpackage dpkg-deb dh dh_dkms lintian

V=$(dpkg-parsechangelog -l "$DSLITE_ROOT/debian/changelog" -S Version)
tap_expect "debian/changelog's version is the Makefile's VERSION" \
	"$(sed -n 's/^VERSION := *//p' "$DSLITE_ROOT/Makefile")" "$V"

if out=$("$DSLITE_ROOT/scripts/deb.sh" 2>&1); then
	tap_ok "make deb builds both packages"
else
	tap_fail "make deb builds both packages" "$out"
	tap_done
fi
D=$DSLITE_ROOT/build/deb
DKMS=$D/dslite-dkms_${V}_all.deb
CTL=$(ls "$D"/dslitectl_"${V}"_*.deb)

lint=$(lintian --allow-root --info --display-info "$D"/dslite_"${V}"_*.changes 2>&1)
errors=$(grep -E '^E: ' <<<"$lint")
grep -E '^[WI]: ' <<<"$lint" | sort -u | sed 's/^/# lintian: /'
tap_expect "lintian: no error" "" "$errors"

files() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }
has() { grep -qxF -- "$2" <<<"$1"; }

dk=$(files "$DKMS")
missing=
for f in /usr/src/dslite-$V/dkms.conf /usr/src/dslite-$V/Kbuild \
	/usr/src/dslite-$V/kmod/Kbuild /usr/src/dslite-$V/kmod/main.c \
	/usr/src/dslite-$V/kmod/netlink.c /usr/src/dslite-$V/kmod/tunnel.c \
	/usr/src/dslite-$V/kmod/dslite.h \
	/usr/src/dslite-$V/include/uapi/linux/dslite.h /etc/default/dslite; do
	has "$dk" "$f" || missing+=" $f"
done
tap_expect "dslite-dkms: module source, dkms.conf, /etc/default/dslite" "" "$missing"
tmp=$(mktemp -d)
defer "rm -rf $tmp"
dpkg-deb -x "$DKMS" "$tmp/dkms"
tap_expect "dslite-dkms: dkms.conf of this version, built module dslite" \
	"PACKAGE_NAME=\"dslite\" PACKAGE_VERSION=\"$V\" BUILT_MODULE_NAME[0]=\"dslite\" AUTOINSTALL=\"yes\"" \
	"$(grep -E '^(PACKAGE_NAME|PACKAGE_VERSION|BUILT_MODULE_NAME\[0\]|AUTOINSTALL)=' \
		"$tmp/dkms/usr/src/dslite-$V/dkms.conf" | tr '\n' ' ' | sed 's/ $//')"
tap_expect "dslite-dkms: DSLITE_RELOAD_MODULE=no by default" "DSLITE_RELOAD_MODULE=no" \
	"$(grep '^DSLITE_RELOAD_MODULE' "$tmp/dkms/etc/default/dslite")"
dpkg-deb -e "$DKMS" "$tmp/dkms-ctl"
tap_expect "dslite-dkms: /etc/default/dslite is a conffile" "/etc/default/dslite" \
	"$(cat "$tmp/dkms-ctl/conffiles" 2>&1)"
if dpkg-deb -f "$DKMS" Depends | grep -qE '(^|, )dkms( |,|$)'; then
	tap_ok "dslite-dkms depends on dkms"
else
	tap_fail "dslite-dkms depends on dkms" "$(dpkg-deb -f "$DKMS" Depends)"
fi
junk=$(grep -E '\.(o|ko|mod|cmd)$|/build/' <<<"$dk")
tap_expect "dslite-dkms: no build product" "" "$junk"

ct=$(files "$CTL")
missing=
for f in /usr/sbin/dslitectl /usr/share/man/man8/dslitectl.8.gz \
	/usr/share/doc/dslitectl/examples/b4.conf /usr/share/doc/dslitectl/copyright; do
	has "$ct" "$f" || missing+=" $f"
done
tap_expect "dslitectl: tool, man page, example configuration" "" "$missing"
tap_expect "dslitectl: no kernel module" "" "$(grep -E '\.ko$' <<<"$ct")"
units=
for u in dslite-b4@.service dslite-aftr@.service; do
	if [ -f "$DSLITE_ROOT/packaging/systemd/$u" ]; then
		has "$ct" "/lib/systemd/system/$u" || units+=" $u missing"
	else
		has "$ct" "/lib/systemd/system/$u" && units+=" $u unexpected"
	fi
done
tap_expect "dslitectl: the systemd template units of packaging/systemd/, as they are" "" "$units"
dpkg-deb -e "$CTL" "$tmp/ctl-ctl"
enables=$(cat "$tmp/ctl-ctl/postinst" 2>/dev/null |
	grep -E 'deb-systemd-helper (enable|unmask)|deb-systemd-invoke (start|restart)|systemctl (enable|start)')
tap_expect "dslitectl: no unit is enabled or started by the package" "" "$enables"
tap_done
