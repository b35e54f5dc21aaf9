#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl's command line, on a kernel without dslite.ko: help for every
# object, --version, usage errors (exit 1, one "dslitectl: what: why"
# line), diag names and numbers, the error for the missing family (exit 2),
# JSON validity (python3 and jq), and the unit tests of the tool's parts.
#
#   [ host kernel: no dslite family ]
#       nlctrl, ethtool  <--genl--  dslitectl, dslitectl_unit
#                                   (crafted TUNNEL_GET / TUNNEL_EVENT
#                                    messages for the output formats)
#
. "$(dirname "$0")/../lib.sh"

UNIT=${DSLITECTL_UNIT:-$DSLITE_ROOT/build/tests/dslitectl_unit}
NOT_LOADED='dslitectl: dslite: generic netlink family not found (dslite module not loaded?)'

require_cmd jq
if [ ! -x "$DSLITECTL" ] || [ ! -x "$UNIT" ]; then
	tap_fail "dslitectl and dslitectl_unit are built" "run make user tests"
	tap_done
fi

tmp=$(mktemp -d)
defer "rm -rf $tmp"

# run ARGS...: run dslitectl, set $out, $err and $rc
run() {
	out=$("$DSLITECTL" "$@" 2>"$tmp/err"); rc=$?
	err=$(cat "$tmp/err")
}

# expect DESC RC STDERR ARGS...: exact exit code, nothing on stdout, and
# exactly STDERR on stderr
expect() {
	local desc=$1 want_rc=$2 want_err=$3
	shift 3
	run "$@"
	if [ "$rc" = "$want_rc" ] && [ -z "$out" ] && [ "$err" = "$want_err" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "dslitectl $*: rc=$rc (want $want_rc)"
		diag "  stderr: $err"
		diag "  want:   $want_err"
		[ -z "$out" ] || diag "  stdout: $out"
	fi
}

# expect_usage DESC STDERR ARGS...: a usage error
expect_usage() {
	local desc=$1 msg=$2
	shift 2
	expect "$desc" 1 "$msg" "$@"
}

# --- version and help

version=$(sed -n 's/^VERSION := *//p' "$DSLITE_ROOT/Makefile")
for opt in -V --version; do
	run "$opt"
	tap_expect "$opt prints the version" "0:dslitectl $version:" "$rc:$out:$err"
done
run -j -V
tap_expect "-V after other options" "0:dslitectl $version" "$rc:$out"

run
first=$(head -n 1 <<<"$err")
tap_expect "no object: usage on stderr, exit 1" \
	"1::Usage: dslitectl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]" "$rc:$out:$first"

run help
help=$out
tap_expect "help: exit 0, usage on stdout, nothing on stderr" \
	"0:Usage: dslitectl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]:" \
	"$rc:$(head -n 1 <<<"$out"):$err"
for opt in -h --help; do
	run "$opt"
	tap_expect "$opt is the same as help" "0:$help" "$rc:$out"
done
if grep -q '^Exit status: 0 success, 1 usage error, 2 kernel or system error\.$' <<<"$help"; then
	tap_ok "help documents the exit codes"
else
	tap_fail "help documents the exit codes"
fi

# The objects "dslitectl help" lists: each has its own help.
objects=$(sed -n '/^Objects:$/,/^$/s/^  \([a-z0-9]\+\) .*/\1/p' <<<"$help" | tr '\n' ' ')
if [[ " $objects" == *" tunnel "* && " $objects" == *" monitor "* &&
      " $objects" == *" help "* ]]; then
	tap_ok "help lists tunnel, monitor and help ($objects)"
else
	tap_fail "help lists tunnel, monitor and help" "objects: '$objects'"
fi
for o in $objects; do
	run "$o" help
	a="$rc:$err:$(head -n 1 <<<"$out")"
	obj_help=$out
	run help "$o"
	if [[ $a == "0::Usage: dslitectl "* ]] && [[ $obj_help == *" $o"* ]] &&
	   [ "$rc:$out" = "0:$obj_help" ]; then
		tap_ok "$o help and help $o print its usage"
	else
		tap_fail "$o help and help $o print its usage" "$a / $rc:$out"
	fi
done
run tunnel help
if grep -q "DIAG := { none, control-expired, echo-failed, neighbor-down, fwd-reset, path-down, concat-path-down, admin-down, reverse-concat-path-down | 0..255 }" <<<"$out"; then
	tap_ok "tunnel help lists the diag names"
else
	tap_fail "tunnel help lists the diag names" "$out"
fi

# --- usage errors: exit 1, one line, exact text

expect_usage "unknown object" \
	'dslitectl: foo: unknown object (try "dslitectl help")' foo
expect_usage "no abbreviated objects" \
	'dslitectl: tun: unknown object (try "dslitectl help")' tun show
expect_usage "no abbreviated commands" \
	'dslitectl: tunnel: unknown command "sh" (try "dslitectl tunnel help")' tunnel sh
expect_usage "unknown short option" \
	'dslitectl: -x: unknown option (try "dslitectl help")' -x tunnel show
expect_usage "unknown option in a cluster" \
	'dslitectl: -x: unknown option (try "dslitectl help")' -jx tunnel show
expect_usage "unknown long option" \
	'dslitectl: --bogus: unknown option (try "dslitectl help")' --bogus tunnel show
expect_usage "options go before the object" \
	'dslitectl: tunnel show: unexpected argument "-j" (try "dslitectl tunnel help")' tunnel show -j
expect_usage "help of an unknown object" \
	'dslitectl: nosuch: unknown object (try "dslitectl help")' help nosuch
expect_usage "help with too many arguments" \
	'dslitectl: help: too many arguments' help tunnel extra

expect_usage "show: stray argument" \
	'dslitectl: tunnel show: unexpected argument "foo" (try "dslitectl tunnel help")' tunnel show foo
expect_usage "show: dev without a name" \
	'dslitectl: tunnel show: "dev" needs a value' tunnel show dev
expect_usage "show: dev given twice" \
	'dslitectl: tunnel show: "dev" given twice' tunnel show dev a dev b
expect_usage "show: 16-character name" \
	'dslitectl: tunnel show: "abcdefghijklmnop" is not a valid interface name' tunnel show dev abcdefghijklmnop
expect_usage "show: name with a slash" \
	'dslitectl: tunnel show: "a/b" is not a valid interface name' tunnel show dev a/b
expect_usage "show: empty name" \
	'dslitectl: tunnel show: "" is not a valid interface name' tunnel show dev ""

expect_usage "set: nothing" \
	'dslitectl: tunnel set: missing "dev IFNAME"' tunnel set
expect_usage "set: no dev" \
	'dslitectl: tunnel set: missing "dev IFNAME"' tunnel set carrier up
expect_usage "set: no carrier" \
	'dslitectl: tunnel set: missing "carrier up" or "carrier down"' tunnel set dev ds0
expect_usage "set: carrier without a value" \
	'dslitectl: tunnel set: "carrier" needs a value' tunnel set dev ds0 carrier
expect_usage "set: carrier sideways" \
	'dslitectl: tunnel set: carrier must be "up" or "down", not "sideways"' tunnel set dev ds0 carrier sideways
expect_usage "set: carrier abbreviated" \
	'dslitectl: tunnel set: carrier must be "up" or "down", not "d"' tunnel set dev ds0 carrier d
expect_usage "set: dev twice" \
	'dslitectl: tunnel set: "dev" given twice' tunnel set dev ds0 dev ds1 carrier up
expect_usage "set: carrier twice" \
	'dslitectl: tunnel set: "carrier" given twice' tunnel set dev ds0 carrier up carrier down
expect_usage "set: diag twice" \
	'dslitectl: tunnel set: "diag" given twice' tunnel set dev ds0 carrier down diag 1 diag 2
expect_usage "set: reason twice" \
	'dslitectl: tunnel set: "reason" given twice' tunnel set dev ds0 carrier down reason a reason b
expect_usage "set: reason without text" \
	'dslitectl: tunnel set: "reason" needs a value' tunnel set dev ds0 carrier down reason
expect_usage "set: stray argument" \
	'dslitectl: tunnel set: unexpected argument "now" (try "dslitectl tunnel help")' tunnel set dev ds0 carrier down now

expect_usage "monitor: stray argument" \
	'dslitectl: monitor: unexpected argument "all" (try "dslitectl monitor help")' monitor all
for n in 0 -1 x 1.5 ""; do
	expect_usage "monitor: count '$n' refused" \
		"dslitectl: monitor: count must be a number of at least 1, not \"$n\"" monitor count "$n"
done
expect_usage "monitor: count twice" \
	'dslitectl: monitor: "count" given twice' monitor count 1 count 2
expect_usage "monitor: ready without a file" \
	'dslitectl: monitor: "ready" needs a value' monitor ready

# --- diag names and numbers: parsed, then sent (and refused only by the
# family lookup, exit 2), or refused by dslitectl (exit 1)

if genl ctrl get name dslite >/dev/null 2>&1; then
	have_family=1
else
	have_family=0
fi
UNKNOWN_DIAG='(one of: none, control-expired, echo-failed, neighbor-down, fwd-reset, path-down, concat-path-down, admin-down, reverse-concat-path-down, or 0..255)'

if [ $have_family = 1 ]; then
	tap_skip "diag values reach the kernel" "a dslite family is registered here"
else
	bad=
	for d in none control-expired echo-failed neighbor-down fwd-reset \
		 path-down concat-path-down admin-down reverse-concat-path-down \
		 0 1 8 9 31 255 007; do
		run tunnel set dev ds0 carrier down diag "$d"
		[ "$rc:$err" = "2:$NOT_LOADED" ] || bad="$bad $d($rc)"
	done
	tap_expect "every diag name and 0..255 are accepted and sent" "" "$bad"
fi
for d in 256 -1 1x 0x1 admin Admin-Down "admin-down " control; do
	expect_usage "diag '$d' refused" \
		"dslitectl: tunnel set: unknown diag \"$d\" $UNKNOWN_DIAG" \
		tunnel set dev ds0 carrier down diag "$d"
done

# --- a kernel without the family: exit 2, one line saying why

if [ $have_family = 1 ]; then
	tap_skip "missing-family errors" "a dslite family is registered here"
else
	expect "tunnel show without the module" 2 "$NOT_LOADED" tunnel show
	expect "tunnel show dev without the module" 2 "$NOT_LOADED" tunnel show dev ds0
	expect "-j tunnel show without the module" 2 "$NOT_LOADED" -j tunnel show
	expect "tunnel (default show) without the module" 2 "$NOT_LOADED" tunnel
	expect "tunnel set without the module" 2 "$NOT_LOADED" tunnel set dev ds0 carrier up
	long=$(printf 'x%.0s' $(seq 1 200))
	expect "an over-long reason is left to the kernel" 2 "$NOT_LOADED" \
		tunnel set dev ds0 carrier down reason "$long"
	expect "monitor without the module" 2 "$NOT_LOADED" -j monitor ready "$tmp/ready"
	if [ -e "$tmp/ready" ]; then
		tap_fail "monitor ready FILE not created when it could not subscribe"
	else
		tap_ok "monitor ready FILE not created when it could not subscribe"
	fi
fi

# --- JSON the tool prints (crafted messages): valid for python and jq

mkdir -p "$tmp/json"
if "$UNIT" json-samples "$tmp/json"; then
	bad= n=0
	for f in "$tmp/json"/*.json; do
		n=$((n + 1))
		jq -e . "$f" >/dev/null 2>&1 || bad="$bad $(basename "$f")"
	done
	tap_expect "$n JSON documents parse with jq" "" "$bad"
	if command -v python3 >/dev/null; then
		bad=
		for f in "$tmp/json"/*.json; do
			python3 -m json.tool "$f" >/dev/null 2>&1 || bad="$bad $(basename "$f")"
		done
		tap_expect "$n JSON documents parse with python3" "" "$bad"
	else
		tap_skip "JSON documents parse with python3" "python3 not installed"
	fi
	tap_expect "control characters survive a JSON round trip" \
		"$(printf 'say "hi"\\ \001\037\t\n\177 end' | od -An -tx1)" \
		"$(jq -j '.[0].reason' "$tmp/json/show-controls.json" | od -An -tx1)"
	tap_expect "invalid UTF-8 arrives as U+FFFD" \
		"$(printf 'bad \357\277\275\357\277\275 utf8 \303\251' | od -An -tx1)" \
		"$(jq -j '.[0].reason' "$tmp/json/show-invalid-utf8.json" | od -An -tx1)"
	tap_expect "pretty output is the same data" \
		"$(jq -c '.[0]' "$tmp/json/show-invalid-utf8.json")" \
		"$(jq -c '.[1]' "$tmp/json/show-pretty.json")"
	tap_expect "event names" "new del carrier link state params" \
		"$(for i in 1 2 3 4 5 6; do jq -r .event "$tmp/json/event-$i.json"; done | tr '\n' ' ' | sed 's/ $//')"
	tap_expect "an empty dump is an empty array" "0" "$(jq length "$tmp/json/show-empty.json")"
else
	tap_fail "dslitectl_unit json-samples"
fi

# --- the unit tests, one check each

"$UNIT" >"$tmp/unit" 2>&1
unit_rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*"# SKIP"*)
		desc=${line#ok [0-9]* }
		tap_skip "unit: ${desc%% # SKIP*}" "${desc#* # SKIP }" ;;
	"ok "*)
		desc=${line#ok }; tap_ok "unit: ${desc#* }" ;;
	"not ok "*)
		desc=${line#not ok }; tap_fail "unit: ${desc#* }" ;;
	"#"*)
		echo "$line" ;;
	esac
done <"$tmp/unit"
tap_expect "unit tests exit 0" "0" "$unit_rc"

tap_done
