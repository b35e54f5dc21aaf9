#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The metrics endpoint of the AFTR side, "dslitectl metrics serve", on
# the host kernel: the responder attached to a veth in an AFTR namespace
# answers a B4 (aftr_peer, held Up); the server in that namespace serves
# what "dslitectl metrics" prints.
#   - GET /metrics: 200, the exposition's content type, promtool clean,
#     the families of "dslitectl metrics"; HEAD; keep-alive (two requests,
#     one connection); 404 elsewhere, 405 for other methods (with Allow);
#   - slow and malformed clients: 100 idle connections from 10 addresses
#     are all held and a scrape still works; 20 from one address: the
#     per-address limit keeps 16, closes 4; a half-written request is
#     closed by the server's timeout, as the idle ones are; a 1 MB header
#     is answered 431 or closed and not buffered (the server's peak
#     memory grows by less than 256 kB); after all that a scrape works;
#   - a real Prometheus server (Debian's) scrapes it every second: the
#     target is up and the B4's session is there in a PromQL query;
#   - bad addresses are refused before anything starts (syntax, in use,
#     not local), in "metrics serve" and "b4 run ... metrics"; the
#     B4-only build (HTTP=0) says it has no HTTP server; SIGTERM: exit 0.
#
#   [ netns A: the AFTR ]                           [ netns B: a B4 ]
#     $AIF 2001:db8:af::1/64 <======= veth =======>  $BIF (XDP_PASS)
#     dslite_aftr (XDP)                              aftr_peer: B4 Up, held
#     dslitectl metrics serve [2001:db8:af::1]:9100
#       ^-- curl, slow clients from 2001:db8:c::1..11 (on lo),
#           prometheus (127.0.0.1:random)

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../http_lib.sh"

require_root
require_bpffs
require_cmd jq nsenter promtool prometheus curl python3 ss
PEER=$DSLITE_ROOT/build/tests/aftr_peer
if [ ! -x "$PEER" ] || [ ! -x "$DSLITECTL" ]; then
	tap_fail "test programs built" "run make tests first"
	tap_done
fi
"$DSLITECTL" metrics serve 2>&1 | grep -q "HTTP=0" &&
	tap_skip_all "$DSLITECTL was built with HTTP=0"

setup_ns A B || tap_skip_all "cannot create network namespaces"
sfx=${A#A-}
AIF=aftr$sfx
BIF=b4$sfx
AFTR6=2001:db8:af::1
PORT=9100
URL="http://[$AFTR6]:$PORT/metrics"
tmp=$(mktemp -d)
defer "rm -rf $tmp"
NSA="nsenter --net=/run/netns/$A"

inA() { $NSA "$@"; }
ctl() { inA "$DSLITECTL" "$@"; }
check_format() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) || echo "rc $?: "
	echo "$out"
}

# --- the AFTR and a B4 held Up
defer "inA $DSLITECTL aftr detach dev $AIF"
ip link add "$AIF" netns "$A" type veth peer name "$BIF" netns "$B" ||
	tap_skip_all "no veth"
ip netns exec "$B" sysctl -qw "net.ipv6.conf.$BIF.disable_ipv6=1"
ip -n "$A" addr add $AFTR6/64 dev "$AIF" nodad
ip -n "$A" link set "$AIF" up
ip -n "$B" link set "$BIF" up
for i in $(seq 1 11); do
	ip -n "$A" addr add 2001:db8:c::$i/128 dev lo nodad
done
nsenter --net="/run/netns/$B" "$PEER" xdp-pass "$BIF" ||
	tap_skip_all "no native XDP on veth"
MAC_A=$(ip -n "$A" -j link show "$AIF" | jq -r '.[0].address')
# a small table: a scrape counts the sessions by walking all of it, and
# Prometheus gives a scrape 1 s here (its interval)
out=$(ctl aftr attach dev "$AIF" mode native allow 2001:db8:b4::/64 \
	sessions 4096 2>&1)
tap_expect "attach" "0:" "$?:$out"
nsenter --net="/run/netns/$B" "$PEER" run dev "$BIF" dmac "$MAC_A" \
	src 2001:db8:b4::2 dst $AFTR6 interval 1000 multiplier 5 up hold 600000 \
	>"$tmp/peer" 2>&1 &
defer "kill $!"

# --- bad addresses: refused before anything starts
for bad in "2001:db8:af::1:$PORT" "[$AFTR6]" "[$AFTR6]:0" "localhost:$PORT" \
	"192.0.2.1:70000"; do
	out=$(ctl metrics serve "$bad" 2>&1)
	rc=$?
	[ $rc -eq 1 ] && [[ $out == *"is not ADDR:PORT"* ]] ||
		tap_fail "metrics serve $bad refused" "rc $rc: $out"
done
tap_ok "metrics serve: five malformed addresses refused (exit 1)"
out=$(ctl metrics serve "[2001:db8:ff::1]:$PORT" 2>&1)
tap_expect "metrics serve: an address not on this host" \
	"2:dslitectl: metrics serve: metrics [2001:db8:ff::1]:$PORT: Cannot assign requested address" \
	"$?:$out"
out=$(ctl b4 run dev nosuch0 metrics "[$AFTR6]" 2>&1)
tap_expect "b4 run: metrics checked with the other keywords" \
	"1:dslitectl: b4 run: metrics \"[$AFTR6]\" is not ADDR:PORT: no \":PORT\" after \"]\"" \
	"$?:$out"
B4_ONLY_CTL=$DSLITE_ROOT/build/b4/dslitectl
if [ -x "$B4_ONLY_CTL" ]; then
	out=$(inA "$B4_ONLY_CTL" metrics serve "[$AFTR6]:$PORT" 2>&1; echo "rc $?")
	out2=$(inA "$B4_ONLY_CTL" b4 run dev ds0 metrics "[$AFTR6]:$PORT" 2>&1; echo "rc $?")
	tap_expect "the B4-only build (HTTP=0): no HTTP server, said clearly" \
		"yes yes" \
		"$([[ $out == *"built without the HTTP server (HTTP=0)"*"rc 1" ]] && echo yes) $([[ $out2 == *"b4 run: metrics: this dslitectl was built without the HTTP server"*"rc 1" ]] && echo yes)"
else
	tap_skip "the B4-only build without HTTP" "build/b4/dslitectl not built"
fi

# --- the server (nsenter execs it: $! is the server itself)
$NSA "$DSLITECTL" metrics serve "[$AFTR6]:$PORT" 2>"$tmp/serve.log" &
SRV=$!
defer "kill $SRV"
if slowwait 20 inA curl -sf -o /dev/null "$URL"; then
	tap_ok "metrics serve answers"
else
	tap_fail "metrics serve answers" "$(cat "$tmp/serve.log")"
	tap_done
fi
out=$(ctl metrics serve "[$AFTR6]:$PORT" 2>&1)
tap_expect "a second server on the same address: refused" \
	"2:dslitectl: metrics serve: metrics [$AFTR6]:$PORT: Address already in use" \
	"$?:$out"

# --- a real Prometheus server, started now: its first scrape comes
# some seconds after its start
if prom_start "$NSA" "$tmp/prom" "[$AFTR6]:$PORT"; then
	tap_ok "prometheus started"
else
	tap_fail "prometheus started" "$(cat "$tmp/prom/check.log" "$tmp/prom/prometheus.log" 2>/dev/null | tail -n 20)"
fi
# the B4's session is in the table (its state is the test peer's: on a
# loaded machine the peer's own timers may take it Down)
__session() {
	[ "$(ctl metrics | awk -v d="$AIF" 'index($1, "dslite_aftr_sessions{dev=\"" d "\",") == 1 { n += $2 } END { print n + 0 }')" = 1 ]
}
slowwait 30 __session || tap_fail "the B4's session in the table" "$(cat "$tmp/peer")"

inA curl -s -D "$tmp/h1" -o "$tmp/m1" "$URL"
tap_expect "GET /metrics: 200, text/plain; version=0.0.4" \
	"HTTP/1.1 200 OK|Content-Type: text/plain; version=0.0.4; charset=utf-8" \
	"$(grep -E '^(HTTP/|Content-Type:)' "$tmp/h1" | tr -d '\r' | paste -sd'|')"
tap_expect "promtool: the scraped page is clean" "" "$(check_format "$tmp/m1")"
ctl metrics >"$tmp/m0"
tap_expect "the families of dslitectl metrics, the B4's session" \
	"$(family_names "$tmp/m0" | paste -sd' ') 1" \
	"$(family_names "$tmp/m1" | paste -sd' ') $(awk -v d="$AIF" 'index($1, "dslite_aftr_sessions{dev=\"" d "\",") == 1 { n += $2 } END { print n + 0 }' "$tmp/m1")"
tap_expect "HEAD /metrics: 200, no body" "200 0" \
	"$(inA curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$URL")"
tap_expect "keep-alive: two requests on one connection" 1 \
	"$(inA curl -sv -o /dev/null -o /dev/null "$URL" "$URL" 2>&1 | grep -c 'Re-using existing connection')"
tap_expect "404: /, /metrics/, /metricsx" "404 404 404" \
	"$(for p in / /metrics/ /metricsx; do
		http_code "$NSA" "http://[$AFTR6]:$PORT$p"; echo; done | paste -sd' ')"
tap_expect "405 with Allow: GET, HEAD for POST, PUT, DELETE" \
	"405 405 405 Allow: GET, HEAD" \
	"$(for m in POST PUT DELETE; do http_code "$NSA" "$URL" -X $m; echo; done | paste -sd' ') $(inA curl -s -D - -o /dev/null -X POST "$URL" | tr -d '\r' | grep '^Allow:')"

# --- slow and malformed clients
idle=()
for i in $(seq 1 10); do idle+=(2001:db8:c::$i 10); done
$NSA python3 "$HTTP_CLIENTS" hold $AFTR6 $PORT "${idle[@]}" >"$tmp/idle" 2>&1 &
IDLE=$!
defer "kill $IDLE"
if wait_conns "$NSA" $PORT 100 30 2001:db8:c::/120; then
	tap_ok "100 idle connections from 10 addresses: all held"
else
	tap_fail "100 idle connections held" "$(server_conns "$NSA" $PORT 2001:db8:c::/120) held; $(cat "$tmp/idle")"
fi
tap_expect "a scrape while they are held: 200, promtool clean" "200:" \
	"$(inA curl -s -m 20 -o "$tmp/m2" -w '%{http_code}' "$URL"):$(check_format "$tmp/m2")"
$NSA python3 "$HTTP_CLIENTS" hold $AFTR6 $PORT 2001:db8:c::11 20 >"$tmp/perip" 2>&1 &
PERIP=$!
defer "kill $PERIP"
__perip() { grep -qx "closed 4" "$tmp/perip"; }
if slowwait 30 __perip &&
   wait_conns "$NSA" $PORT $HTTP_PER_IP_MAX 10 "[2001:db8:c::11]"; then
	tap_ok "20 from one address: $HTTP_PER_IP_MAX held, 4 closed"
else
	tap_fail "20 from one address: $HTTP_PER_IP_MAX held" "$(tail -n 1 "$tmp/perip"), $(server_conns "$NSA" $PORT) held"
fi
kill $PERIP 2>/dev/null

before=$(hwm $SRV)
inA python3 "$HTTP_CLIENTS" big $AFTR6 $PORT 1048576 2001:db8:c::11 >"$tmp/big" 2>&1
after=$(hwm $SRV)
status=$(head -n 1 "$tmp/big")
case $status in
"HTTP/1.1 431 "*|"HTTP/1.1 413 "*|none) tap_ok "1 MB header: \"$status\"" ;;
*) tap_fail "1 MB header: 431, 413 or closed" "$(cat "$tmp/big")" ;;
esac
diag "the server's peak memory: $before kB before the 1 MB header, $after kB after"
tap_expect "1 MB header not buffered: peak memory +<256 kB" yes \
	"$([ $((after - before)) -lt 256 ] && echo yes || echo "no (+$((after - before)) kB)")"

$NSA python3 "$HTTP_CLIENTS" half $AFTR6 $PORT 2001:db8:c::11 >"$tmp/half" 2>&1 &
HALF=$!
defer "kill $HALF"
busywait 10000 grep -qx sent "$tmp/half"
tap_expect "a scrape with a half-written request pending: 200" 200 \
	"$(http_code "$NSA" "$URL")"
# --- what Prometheus saw
if prom_wait 'up{job="dslite"}' 1 60; then
	tap_ok "prometheus scrapes the AFTR: up 1"
else
	tap_fail "prometheus scrapes the AFTR: up 1" \
		"up $(prom_query 'up{job="dslite"}'), scrape duration $(prom_query 'scrape_duration_seconds{job="dslite"}') s"
fi
# (its state is the test peer's: under load its session may time out)
q="sum(dslite_aftr_sessions{dev=\"$AIF\"})"
tap_expect "PromQL: $q (the B4's session)" 1 "$(prom_query "$q")"
tap_expect "PromQL: scrape_samples_scraped equals the page's samples" \
	"$(grep -vc '^#' "$tmp/m1")" "$(prom_query 'scrape_samples_scraped{job="dslite"}')"


__all_closed() { grep -qx "closed 100" "$tmp/idle" && grep -qx closed "$tmp/half"; }
if slowwait 120 __all_closed; then
	tap_ok "idle and half-written connections closed by the server's timeout"
else
	tap_fail "idle and half-written connections closed by the server" \
		"idle: $(tail -n 1 "$tmp/idle"), half: $(cat "$tmp/half")"
fi
tap_expect "after all of it: a scrape works, the server still runs" "200 yes" \
	"$(http_code "$NSA" "$URL") $(kill -0 $SRV && echo yes)"

kill -TERM $SRV
wait $SRV
tap_expect "SIGTERM: metrics serve exits 0" 0 $?

tap_done
