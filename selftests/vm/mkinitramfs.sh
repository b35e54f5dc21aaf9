#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUT: build the dslite test VM's initramfs for kernel
# KVER into OUT (an uncompressed newc cpio). It holds busybox-static, the
# init script next to this file and the modules that mount the host's root
# over virtio-9p. Nothing is done when OUT is newer than all of its inputs
# (OUT.key records them), so callers may run this before every boot.

set -euo pipefail

kver=$1
out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
modules=(9p 9pnet_virtio overlay virtio_pci)

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -x "$busybox" ] || die "$busybox not found (install busybox-static)"
! ldd "$busybox" >/dev/null 2>&1 ||
	die "$busybox is not statically linked (install busybox-static)"
[ -f "/lib/modules/$kver/modules.dep" ] || die "no modules for $kver in /lib/modules"

# The .ko files in load order, each once.
mapfile -t kos < <(for m in "${modules[@]}"; do
		modprobe -S "$kver" --show-depends "$m" ||
			die "modprobe -S $kver --show-depends $m failed"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
[ ${#kos[@]} -gt 0 ] || die "no modules found for ${modules[*]}"

key=$( {
	echo "$kver"
	sha256sum "$here/init" "${BASH_SOURCE[0]}"
	stat -L -c '%n %s %Y' "$busybox" "${kos[@]}"
} | sha256sum | cut -d' ' -f1)

if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dslite-initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,newroot,overlay,lib/modules}
cp "$busybox" "$tmp/bin/busybox"
cp "$here/init" "$tmp/init"
chmod 0755 "$tmp/init"
for ko in "${kos[@]}"; do
	name=$(basename "$ko")
	case $ko in
	*.ko) cp "$ko" "$tmp/lib/modules/$name" ;;
	*.ko.xz) xz -dc "$ko" >"$tmp/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$ko" >"$tmp/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$ko" >"$tmp/lib/modules/${name%.gz}"; name=${name%.gz} ;;
	*) die "unknown module format: $ko" ;;
	esac
	echo "$name" >>"$tmp/lib/modules/order"
done

mkdir -p "$(dirname "$out")"
(cd "$tmp" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) >"$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
echo "$key" >"$out.key.tmp.$$"
mv -f "$out.key.tmp.$$" "$out.key"
echo "  INITRD  $out ($kver: ${#kos[@]} modules)"
