#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Free text in "b4 status": a tunnel's reason holding a double quote, a
# newline, an escape sequence and non-ASCII bytes (UTF-8 and a byte that
# is not), set through dslite.ko as any program on the CPE may set it, and
# a tunnel name with a quote and a non-ASCII letter, in the daemon's own
# words too ("NAME is administratively down"), reach the report escaped
# as tunnel show escapes them: printable ASCII, one line each, in text;
# valid JSON (parsed by python3) with the same strings as tunnel show -j.
#
#   [ netns N ]
#     $T ip6tnl ipip6 -> 2001:db8:a1::2 (no AFTR answers)
#     dslitectl b4 run dev $T
#     dslitectl tunnel set dev $T carrier down diag path-down reason TEXT
#     $T deleted, created again administratively down
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
require_cmd python3
kmod_load || tap_skip_all "cannot load dslite.ko"

setup_ns N
in_n() { ip netns exec "$N" "$@"; }
num=$RANDOM
T=$'q"\xc3\xa9'$num		# q"é12345
ET='q\"\xc3\xa9'$num		# as text output escapes it
REASON=$'say "hi"\nfake: line \xc3\xa9\x1b[2J \xff'
WANT='"say \"hi\"\nfake: line \xc3\xa9\x1b[2J \xff"'
tmp=$(mktemp -d)
defer "rm -rf $tmp"

mk_tunnel "$T" "$N" 2001:db8:a1::2 || tap_skip_all "no ip6tnl"
in_n ip addr add 192.0.0.2/29 dev "$T"
ip netns exec "$N" "$DSLITECTL" b4 run dev "$T" multiplier 20 \
	standby-interval 60000 >"$tmp/log" 2>&1 &
PID=$!
defer "kill -9 $PID"
if ! busywait 10000 in_n "$DSLITECTL" b4 status dev "$T"; then
	tap_fail "the daemon answers b4 status" "$(cat "$tmp/log")"
	tap_done
fi

# JSON checks: python3 parses b4 status and tunnel show, compares the
# strings with what was set (the invalid byte as U+FFFD)
cat >"$tmp/check.py" <<'PY'
import json, sys
name = sys.argv[1]
status = json.load(open(sys.argv[2]))
show = json.load(open(sys.argv[3]))
want = 'say "hi"\nfake: line \u00e9\x1b[2J \ufffd'
dev = 'q"\u00e9' + name
tun = status["tunnels"][0]
out = []
out.append("dev ok" if status["dev"] == dev and tun["dev"] == dev else
           "dev %r %r" % (status["dev"], tun["dev"]))
out.append("reason ok" if tun["reason"] == want else "reason %r" % tun["reason"])
out.append("show ok" if show[0]["reason"] == tun["reason"] and
           show[0]["ifname"] == dev else "show %r" % show[0])
print(", ".join(out))
PY

# the reason: the daemon writes its own once its start-up grace is over
# (no AFTR answers): wait for that, then set it (again until the report
# shows it)
__own_reason() {
	in_n "$DSLITECTL" b4 status dev "$T" | grep -q 'no AFTR up, probing 1'
}
slowwait 60 __own_reason ||
	tap_fail "the daemon's own reason first" "$(in_n "$DSLITECTL" b4 status dev "$T")"
text= js=
for try in 1 2 3; do
	in_n "$DSLITECTL" tunnel set dev "$T" carrier down diag path-down \
		reason "$REASON"
	text=$(in_n "$DSLITECTL" b4 status dev "$T")
	got=$(grep -o ' reason .* transitions' <<<"$text" |
	      sed 's/^ reason //; s/ transitions$//')
	[ "$got" = "$WANT" ] && break
done
tap_expect "text: the reason quoted and escaped, on its line" "$WANT" "$got"
tap_expect "text: tunnel show escapes it the same" "$WANT" \
	"$(in_n "$DSLITECTL" tunnel show dev "$T" |
	   grep -o ' reason .* transitions' |
	   sed 's/^ reason //; s/ transitions$//')"
tap_expect "text: the name escaped in the head and the tunnel line" \
	"$ET:|  tunnel $ET:" \
	"$(sed -n '1s/^\(.*:\) \(up\|down\) via .*/\1/p
		   s/^\(  tunnel .*:\) local .*/\1/p' <<<"$text" | paste -sd'|')"
tap_expect "text: printable ASCII only, no line made by the reason" "0 0" \
	"$(LC_ALL=C grep -c '[^[:print:]]' <<<"$text") $(grep -c '^fake:' <<<"$text")"

in_n "$DSLITECTL" -j tunnel show dev "$T" >"$tmp/show.json"
for opt in -j "-j -p"; do
	in_n "$DSLITECTL" $opt b4 status dev "$T" >"$tmp/status.json"
	tap_expect "JSON ($opt): parsed, the name and the reason as set" \
		"dev ok, reason ok, show ok" \
		"$(python3 "$tmp/check.py" "$num" "$tmp/status.json" \
		   "$tmp/show.json" 2>&1)"
done

# the daemon's own words with the name in them
in_n ip link del "$T"
in_n ip link add "$T" type ip6tnl mode ipip6 local 2001:db8::2 \
	remote 2001:db8:a1::2
__down_said() {
	in_n "$DSLITECTL" b4 status dev "$T" | grep -q 'administratively down'
}
slowwait 10 __down_said
text=$(in_n "$DSLITECTL" b4 status dev "$T")
tap_expect "text: the gone words escaped, on the tunnel's line" \
	"  tunnel $ET:| gone ($ET is administratively down): waiting for it" \
	"$(grep '^  tunnel ' <<<"$text" | sed 's/^\(  tunnel .*:\) local .*\( gone (.*\)$/\1|\2/')"
tap_expect "text: printable ASCII only" "0" \
	"$(LC_ALL=C grep -c '[^[:print:]]' <<<"$text")"
in_n "$DSLITECTL" -j b4 status dev "$T" |
	python3 -c 'import json, sys; json.load(sys.stdin)' 2>"$tmp/err"
tap_expect "JSON: still valid" "" "$(cat "$tmp/err")"

tap_done
