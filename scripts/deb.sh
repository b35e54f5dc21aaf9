#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian packages dslite-dkms and dslitectl (debian/) with
# dpkg-buildpackage, binary only, unsigned, without network:
#
#   scripts/deb.sh [-A] [-v VERSION] [-o DIR]
#   scripts/deb.sh --tests
#
#   -A          dslite-dkms only (the architecture-independent package:
#               nothing is compiled)
#   -v VERSION  build as VERSION instead of debian/changelog's (a changelog
#               entry is added in the build copy only; the tests build an
#               upgrade this way)
#   -o DIR      where the .deb files go (default build/deb, or
#               build/deb/VERSION with -v)
#   --tests     what packaging/package.sh installs: the packages of the tree,
#               both again as VERSION+1 and dslite-dkms as VERSION+2
#
# The tree's files (git's list when there is one: tracked and untracked
# but not ignored; of selftests/ only the makefiles) are copied into DIR/src/ and built there, so the tree
# itself gets no build products of the package. Nothing is done when DIR
# already holds the packages of the same sources (DIR/key records them).

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = --tests ]; then
	self=${BASH_SOURCE[0]}
	v=$(cd "$(dirname "$self")/.." && dpkg-parsechangelog -S Version)
	"$self" && "$self" -v "$v+1" && "$self" -A -v "$v+2"
	exit
fi
version='' out='' indep=0
while [ $# -gt 0 ]; do
	case $1 in
	-A) indep=1 ;;
	-v) version=$2; shift ;;
	-o) out=$2; shift ;;
	*) sed -n '4,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done

die() { echo "deb.sh: $*" >&2; exit 1; }
for c in dpkg-buildpackage dh dh_dkms; do
	command -v $c >/dev/null || die "$c not found (scripts/deps.sh installs it)"
done

cd "$root"
[ -f debian/changelog ] || die "no debian/changelog in $root"
base=$(dpkg-parsechangelog -S Version)
tree=$(sed -n 's/^VERSION := *//p' Makefile)
[ "$base" = "$tree" ] ||
	die "debian/changelog says $base, the Makefile's VERSION is $tree: add a changelog entry"
version=${version:-$base}
out=${out:-$root/build/deb${version:+$( [ "$version" = "$base" ] || echo "/$version")}}

# the source files, NUL-separated
list() {
	if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$root" ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				case $f in
				selftests/fuzz/fuzz.mk) ;;	# the Makefile includes it
				selftests/*/*|selftests/*.sh|.ci/*) continue ;;
				esac
				[ -f "$f" ] && printf '%s\0' "$f"
			done
	else
		find . -path ./build -prune -o -path ./.git -prune -o -type f \
			! -name '*.o' ! -name '*.ko' ! -name '*.mod*' ! -name '*.cmd' \
			-printf '%P\0'
	fi
}

key=$( { echo "$version $indep"; list | LC_ALL=C sort -z | xargs -0 sha256sum; } |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/key" 2>/dev/null)" = "$key" ] &&
   { [ $indep = 1 ] || compgen -G "$out/dslitectl_${version}_*.deb" >/dev/null; } &&
   compgen -G "$out/dslite-dkms_${version}_all.deb" >/dev/null; then
	exit 0
fi

rm -rf "$out"
src=$out/src/dslite-$version
mkdir -p "$src"
list | tar -C "$root" --null -T - -cf - | tar -C "$src" -xf -
if [ "$version" != "$base" ]; then
	{
		printf 'dslite (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Rebuilt as %s.\n\n' "$version"
		printf ' -- %s  %s\n\n' \
			"$(dpkg-parsechangelog -l debian/changelog -S Maintainer)" \
			"$(date -R)"
		cat debian/changelog
	} >"$src/debian/changelog"
fi

echo "  DEB     $out (dslite $version)"
log=$out/build.log
if ! (cd "$src" && DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage "$([ $indep = 1 ] && echo -A || echo -b)" -us -uc -J2 >"$log" 2>&1); then
	tail -n 30 "$log" >&2
	die "dpkg-buildpackage failed (log: $log)"
fi
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
echo "$key" >"$out/key"
ls "$out"/*.deb
