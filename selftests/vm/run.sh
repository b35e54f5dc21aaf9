#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel in qemu (TCG) with the host's / over 9p and run
# real-kernel tests in it, all in one boot:
#
#   selftests/vm/run.sh [-v] [-t SECONDS] [-o LOGDIR] TEST...
#   selftests/vm/run.sh [-v] [-t SECONDS] [-o LOGDIR] -q QUEUEDIR
#   selftests/vm/run.sh --prepare TEST...
#   selftests/vm/run.sh --shell
#
# TEST is a script path inside the dslite tree (e.g.
# selftests/kernel/vm_sanity.sh); each runs with bash as root in the guest,
# with DSLITE_ROOT set (see guest.sh for the guest side). The tests' TAP is
# streamed to stdout as it arrives, framed by "@@ dslite-vm begin/end" lines
# (selftests/run.sh parses them). If the VM dies or hangs, the test that was
# running and every test after it get a "not ok" line saying so.
#
#   -v          show the VM console (kernel messages) on stderr
#   -t SECONDS  per-test timeout (default: selftests/settings)
#   -o LOGDIR   keep the console log as LOGDIR/vm-console.log
#   -q QUEUEDIR take the tests from a queue shared by several VMs: each
#               file in QUEUEDIR holds one test path; when its guest is
#               ready for the next test, this VM claims the first file left
#               (a rename, so each test runs once) until none is left
#               (selftests/run.sh runs DSLITE_VM_JOBS VMs on one queue)
#   --prepare   only the host-side preparation of TEST... (their
#               "vm-prepare:" commands) and the initramfs, then exit: done
#               once before several VMs share a queue
#   --shell     interactive root shell in the VM (quit: exit, or Ctrl-A x)
#
# Environment: DSLITE_VM_KVER picks the kernel (default: the newest one with
# both /boot/vmlinuz-<kver> and /lib/modules/<kver>), DSLITE_VM_APPEND adds
# to the kernel command line (e.g. loglevel=7), QEMU names the binary;
# DSLITE_VM_CPU, DSLITE_VM_SMP and DSLITE_VM_MEM set qemu's -cpu (default
# max), -smp (2) and -m (2048) for experiments.
#
# Exit status: 0 if every test ran and the VM shut down cleanly, 1 if
# anything failed, 2 on usage or set-up errors.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build
qemu=${QEMU:-qemu-system-x86_64}
boot_timeout=300	# boot to the first test, seconds (a loaded host boots slowly)
grace=30		# beyond a test's own timeout before the VM counts as hung

die() { echo "vm/run.sh: $*" >&2; exit 2; }

usage() {
	sed -n '4,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

verbose=0 mode=run logdir='' tailpid='' queue=''
timeout=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$root/selftests/settings" 2>/dev/null)
timeout=${timeout:-120}
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1 ;;
	-t) [ $# -ge 2 ] || usage; timeout=$2; shift ;;
	-o) [ $# -ge 2 ] || usage; logdir=$2; shift ;;
	-q) [ $# -ge 2 ] || usage; queue=$(realpath -e "$2") || usage; shift ;;
	--prepare) mode=prepare ;;
	--shell) mode=shell ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "bad timeout '$timeout'"
if [ -n "$queue" ]; then
	if [ "$mode" != run ] || [ $# -ne 0 ]; then usage; fi
	[ -d "$queue" ] || die "$queue: not a directory"
else
	[ "$mode" = shell ] || [ $# -gt 0 ] || usage
fi

# Tests as paths relative to the tree: the guest finds them there.
tests=()
for t in "$@"; do
	p=$(realpath -e "$t" 2>/dev/null) || die "$t: no such file"
	case $p in
	"$root"/*) tests+=("${p#"$root"/}") ;;
	*) die "$t: not inside $root (the VM only sees the dslite tree)" ;;
	esac
done
case $root in
*[[:space:]]*) die "the path of the tree ($root) must not contain spaces" ;;
esac

# A test's header may ask for more time and for host-side preparation:
#   # vm-timeout: SECONDS   its timeout, when longer than -t's
#   # vm-prepare: COMMAND   run (bash, in the tree) before the VM boots,
#                           e.g. to build what the guest cannot build
test_timeout() {
	local t
	t=$(sed -n 's/^# vm-timeout: *\([0-9]\+\)$/\1/p' "$root/$1" 2>/dev/null | head -n 1)
	[ -n "$t" ] && [ "$t" -gt "$timeout" ] && echo "$t" || echo "$timeout"
}
prepare() {
	local t cmd
	for t in "$@"; do
		while IFS= read -r cmd; do
			(cd "$root" && bash -c "$cmd") >&2 ||
				echo "vm/run.sh: $t: preparation failed: $cmd" >&2
		done < <(sed -n 's/^# vm-prepare: //p' "$root/$t")
	done
}
# With a queue, the one who filled it prepared its tests (--prepare).
[ -n "$queue" ] || prepare "${tests[@]}"

pick_kver() {
	local d v best=
	for d in /lib/modules/*/modules.dep; do
		v=$(basename "$(dirname "$d")")
		[ -r "/boot/vmlinuz-$v" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
	done
	echo "$best"
}
kver=${DSLITE_VM_KVER:-$(pick_kver)}
[ -n "$kver" ] || die "no kernel with /boot/vmlinuz-* and /lib/modules/* (install linux-image-amd64)"
[ -r "/boot/vmlinuz-$kver" ] || die "/boot/vmlinuz-$kver not found"
command -v "$qemu" >/dev/null || die "$qemu not found (install qemu-system-x86)"

initrd=$build/vm/initramfs-$kver.cpio
"$here/mkinitramfs.sh" "$kver" "$initrd" || die "cannot build the initramfs"
[ "$mode" = prepare ] && exit 0

mkdir -p "$build/vm"
run=$(mktemp -d "$build/vm/run.XXXXXX") || die "cannot create a run directory"
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null
	if [ -n "$logdir" ] && [ -f "$run/console.log" ]; then
		mkdir -p "$logdir" && cp "$run/console.log" "$logdir/vm-console.log"
	fi
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
	printf 'DSLITE_ROOT=%q\nMODE=%q\nTIMEOUT=%q\n' "$root" "$mode" "$timeout"
	# the guest sees $run/next (the queue's answers) at /run/dslite-job/next
	[ -n "$queue" ] && printf 'QUEUE=/run/dslite-job/next\n'
	# the binaries under test and the sanitizers' options, when set
	# (make check-sanitize: selftests/sanitize/run.sh), and the length
	# of kernel/genl_abuse.sh's abuse
	for v in DSLITECTL DSLITECTL_B4 ASAN_OPTIONS UBSAN_OPTIONS \
		 DSLITE_SANITIZE_LOG DSLITE_GENL_ABUSE_SECONDS; do
		[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'TESTS=('
	printf ' %q' "${tests[@]}"
	printf ' )\n'
} >"$run/job"
mkdir -p "$run/next"

# no_timer_check: the kernel's check of the IO-APIC timer at boot counts
# ticks in a window that a loaded host's emulated CPU can miss, and it
# panics then ("IO-APIC + timer doesn't work!")
qemu_args=(
	-accel tcg -cpu "${DSLITE_VM_CPU:-max}" -m "${DSLITE_VM_MEM:-2048}" -smp "${DSLITE_VM_SMP:-2}" -nographic -no-reboot -nic none
	-kernel "/boot/vmlinuz-$kver" -initrd "$initrd"
	-virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$root,mount_tag=dslite,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$run,mount_tag=job,security_model=none,readonly=on,multidevs=remap"
	-append "console=ttyS0 panic=-1 quiet no_timer_check ${DSLITE_VM_APPEND:-} dslite.root=$root dslite.job=$run/job"
)

if [ "$mode" = shell ]; then
	"$qemu" "${qemu_args[@]}"
	exit 0
fi

: >"$run/tap"
: >"$run/console.log"
"$qemu" "${qemu_args[@]}" -monitor none \
	-serial "file:$run/console.log" -serial "file:$run/tap" \
	</dev/null >"$run/qemu.log" 2>&1 &
qpid=$!
if [ $verbose -eq 1 ]; then
	tail -n +1 -s 0.2 -f --pid=$qpid "$run/console.log" >&2 &
	tailpid=$!
fi
exec {tap}< <(tail -n +1 -s 0.2 -f --pid=$qpid "$run/tap")

now() { printf '%(%s)T' -1; }

# answer SEQ: claim the queue's next test for the guest's request SEQ and
# hand it over as $run/next/SEQ (empty: no test left); the guest lists the
# directory (uncached 9p) until the file is there.
answer() {
	local f name t=''
	for f in "$queue"/*; do
		[ -f "$f" ] || continue
		name=${f##*/}
		mv "$f" "$queue/.$name.$$" 2>/dev/null || continue	# another VM's
		t=$(cat "$queue/.$name.$$")
		tests+=("$t")
		break
	done
	printf '%s\n' "$t" >"$run/next/.$1"
	mv "$run/next/.$1" "$run/next/$1"
}

# Follow the TAP channel; kill the VM when boot or a test overruns.
deadline=$(($(now) + boot_timeout))
declare -A finished=()
cur='' booted=0 done=0 hung='' partial='' status=0
while :; do
	if IFS= read -r -t 1 -u "$tap" line; then
		line=$partial${line%$'\r'}
		partial=
		case $line in
		"@@ dslite-vm boot "*)
			booted=1
			deadline=$(($(now) + grace))
			;;
		"@@ dslite-vm begin "*)
			cur=${line#@@ dslite-vm begin }
			deadline=$(($(now) + $(test_timeout "$cur") + grace))
			echo "$line"
			;;
		"@@ dslite-vm end "*)
			finished[$cur]=1
			rc=${line##* rc=}
			rc=${rc%% *}
			[ "$rc" = 0 ] || [ "$rc" = 4 ] || status=1
			cur=
			deadline=$(($(now) + grace))
			echo "$line"
			;;
		"@@ dslite-vm next "*)
			[ -n "$queue" ] && answer "${line#@@ dslite-vm next }"
			deadline=$(($(now) + grace))
			;;
		"@@ dslite-vm done")
			done=1
			deadline=$(($(now) + grace))
			;;
		*)
			case $line in "not ok"*) status=1 ;; esac
			echo "$line"
			;;
		esac
	else
		r=$?
		partial+=$line
		[ $r -gt 128 ] || break		# EOF: qemu has exited
	fi
	if [ "$(now)" -gt "$deadline" ]; then
		if [ $done -eq 1 ]; then
			hung="did not power off"
		elif [ -n "$cur" ]; then
			hung="hung during $cur (no result $(($(test_timeout "$cur") + grace))s after it started)"
		elif [ $booted -eq 1 ]; then
			hung="hung between tests"
		else
			hung="did not boot within ${boot_timeout}s"
		fi
		kill "$qpid" 2>/dev/null
	fi
done
[ -n "$partial" ] && echo "$partial"
wait "$qpid"
qrc=$?
qpid=''
if [ -n "$tailpid" ]; then
	wait "$tailpid"
	tailpid=''
fi

if [ $done -eq 0 ]; then
	status=1
	if [ -n "$hung" ]; then
		why="the VM $hung and was killed"
	else
		why="the VM went down before the end (qemu exit $qrc)"
	fi
	# The interesting part of a panic is its start, not the trace's end.
	console_tail() {
		echo "# console ($run/console.log):"
		tr -d '\r\033' <"$run/console.log" |
			grep -E -m 1 -A 14 'Kernel panic|BUG:|Oops|WARNING:|sysrq: |dslite-vm: error' |
			awk '{ print "#   " $0 }'
		echo "#   ..."
		tail -n 5 "$run/console.log" | tr -d '\r\033' | awk '{ print "#   " $0 }'
		awk '{ print "#   qemu: " $0 }' "$run/qemu.log"
	}
	if [ -n "$cur" ]; then
		echo "not ok - $cur: $why"
		console_tail
		echo "@@ dslite-vm end $cur rc=-1 ms=0"
	fi
	for t in "${tests[@]}"; do
		[ -n "${finished[$t]:-}" ] || [ "$t" = "$cur" ] && continue
		echo "@@ dslite-vm begin $t"
		echo "not ok 1 $t: not run, $why"
		[ -z "$cur" ] && console_tail && cur=' '
		echo "@@ dslite-vm end $t rc=-1 ms=0"
	done
	echo "vm/run.sh: $why" >&2
elif [ -n "$hung" ]; then
	echo "vm/run.sh: warning: the VM $hung" >&2
fi
exit $status
