#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The B4 daemon's control socket: a file system socket under /run/dslite/b4
# that a local unprivileged user can neither squat nor query (SO_PEERCRED
# checked on both ends, directories 0700, socket 0600), a stale socket of
# a killed daemon removed, anything else at the path refused, one socket
# directory per network namespace, and a request buffer per client: four
# clients that send half a line and stall neither make the daemon spin nor
# keep "b4 status" from an answer.
#
#   [ PID 1's network namespace ]               [ netns C ]
#     $T ip6tnl ipip6 -> 2001:db8:a1::2          $T ip6tnl ipip6 (same name)
#     dslitectl b4 run dev $T (no AFTR answers)  dslitectl b4 run dev $T
#     /run/dslite/b4/$T.sock   root 0600         /run/dslite/b4/COOKIE/$T.sock
#     uid 65534 (setpriv): squatter, python3
#     root: 4 clients sending "stat" and nothing more
#
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kmod_lib.sh"

require_root
require_cmd python3 setpriv nsenter jq
kmod_load || tap_skip_all "cannot load dslite.ko"

T=ctl$RANDOM
DIR=/run/dslite/b4
SOCK=$DIR/$T.sock
tmp=$(mktemp -d)
chmod 755 "$tmp"
defer "rm -rf $tmp"
setup_ns C
in_c() { ip netns exec "$C" "$@"; }
mk_tunnel "$T" "" 2001:db8:a1::2 || tap_skip_all "no ip6tnl"
defer "ip link del $T"
ip addr add 192.0.0.2/29 dev "$T"
mk_tunnel "$T" "$C" 2001:db8:a1::2
in_c ip addr add 192.0.0.2/29 dev "$T"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
nobody() { "${NOBODY[@]}" "$@"; }

# the socket peers: squat PATH TEXT (a listener answering TEXT; @: an
# abstract name), partial PATH N (N clients sending "stat", then the
# seconds until the daemon closed each), ask PATH (one request, the
# answer), cookie (this network namespace's)
cat >"$tmp/peer.py" <<'EOF'
import socket, sys, time
def addr(p):
    return "\0" + p[1:] if p.startswith("@") else p
mode = sys.argv[1]
if mode == "squat":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(addr(sys.argv[2]))
    except OSError as e:
        print("bind:", e.strerror, flush=True)
        sys.exit(1)
    s.listen(8)
    print("listening", flush=True)
    while True:
        c, _ = s.accept()
        c.sendall(sys.argv[3].encode() + b"\n")
        c.close()
elif mode == "partial":
    cs = []
    for i in range(int(sys.argv[3])):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(sys.argv[2])
        c.sendall(b"stat")
        cs.append(c)
    t0 = time.monotonic()
    print("connected", flush=True)
    out = []
    for c in cs:
        c.settimeout(max(0.1, 8 - (time.monotonic() - t0)))
        try:
            while c.recv(100):
                pass
            out.append("%.1f" % (time.monotonic() - t0))
        except socket.timeout:
            out.append("open")
    print(" ".join(out), flush=True)
elif mode == "ask":
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(sys.argv[2])
    try:
        c.sendall(b"status\n")
    except (BrokenPipeError, ConnectionResetError):
        pass    # closed at once: its answer is queued all the same
    data = b""
    while True:
        try:
            d = c.recv(4096)
        except ConnectionResetError:
            break
        if not d:
            break
        data += d
    print(data.decode(errors="replace"), end="")
elif mode == "cookie":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), "little"))
EOF
peer() { python3 "$tmp/peer.py" "$@"; }

# start_daemon: "b4 run" on $T in this namespace, $PID, log $LOG; waits
# until its "b4 status" answers
start_daemon() {
	LOG=$(mktemp /tmp/b4-log.XXXXXX)
	"$DSLITECTL" b4 run dev "$T" multiplier 20 standby-interval 60000 \
		>>"$LOG" 2>&1 &
	PID=$!
	defer "kill -9 $PID"
	busywait 10000 "$DSLITECTL" b4 status dev "$T"
}
stop_daemon() {
	kill -"${1:-TERM}" "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}
# refused MSG: a daemon start exits 2 with MSG, leaves nothing running
refused() {
	local desc=$1 msg=$2 out rc
	out=$(timeout 20 "$DSLITECTL" b4 run dev "$T" multiplier 20 2>&1 >/dev/null)
	rc=$?
	tap_expect "$desc" "2:dslitectl: b4 run: $msg" "$rc:$out"
}
# ticks PID: user + system CPU time of PID in clock ticks
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# --- a squatter on the old abstract name, before the daemon starts
"${NOBODY[@]}" python3 "$tmp/peer.py" squat "@dslite/b4/$T" "$T: up via 2001:db8:66::6 (SQUATTED)" \
	>"$tmp/squat1" 2>&1 &
squat1=$!
defer "kill $squat1"
busywait 30000 grep -q listening "$tmp/squat1"
if start_daemon; then
	tap_ok "the daemon starts although uid 65534 holds @dslite/b4/$T"
else
	tap_fail "the daemon starts although uid 65534 holds @dslite/b4/$T" "$(cat "$LOG")"
fi
out=$("$DSLITECTL" b4 status 2>&1)
if [[ $out == *"pid $PID"* ]] && [[ $out != *SQUATTED* ]]; then
	tap_ok "root's b4 status answers from the daemon, not the squatter"
else
	tap_fail "root's b4 status answers from the daemon, not the squatter" "$out"
fi
tap_expect "directories 0700 root, socket 0600 root" \
	"700 root directory|700 root directory|600 root socket" \
	"$(stat -c '%a %U %F' /run/dslite $DIR "$SOCK" | paste -sd'|')"
tap_expect "the daemon logs its socket" "1" \
	"$(grep -c "control $SOCK\$" "$LOG")"
kill $squat1
wait $squat1 2>/dev/null

# --- uid 65534: no name to squat, no answer
out=$(nobody python3 "$tmp/peer.py" squat "$DIR/x$T.sock" x 2>&1)
tap_expect "uid 65534 cannot create a socket in $DIR" "bind: Permission denied" "$out"
out=$(nobody "$DSLITECTL" b4 status dev "$T" 2>&1)
rc=$?
if [ $rc -eq 2 ] && [[ $out == "dslitectl: b4 status: "*"Permission denied (the b4 daemon answers root and its own user only)" ]]; then
	tap_ok "uid 65534: b4 status refused, exit 2"
else
	tap_fail "uid 65534: b4 status refused, exit 2" "rc $rc: $out"
fi
# the daemon's own check, with the path opened up by hand
chmod 711 /run/dslite $DIR
chmod 666 "$SOCK"
out=$(nobody python3 "$tmp/peer.py" ask "$SOCK" 2>&1)
tap_expect "uid 65534 through an opened-up path: the daemon answers only an error" \
	"error: permission denied" "$out"
chmod 700 /run/dslite $DIR
chmod 600 "$SOCK"

# --- the tunnel's reason in the report: quotes, a newline, non-ASCII
# and an escape sequence reach the terminal escaped, on one line
want='reason "say \"hi\"\nfake: line \xc3\xa9\x1b[2J"'
got=
for try in 1 2 3; do
	"$DSLITECTL" tunnel set dev "$T" carrier down diag path-down \
		reason $'say "hi"\nfake: line \xc3\xa9\x1b[2J'
	got=$("$DSLITECTL" b4 status | grep -o ' reason .* transitions' |
	      sed 's/^ //; s/ transitions$//')
	[ "$got" = "$want" ] && break
done
tap_expect "b4 status: the reason escaped as tunnel show does" "$want" "$got"
tap_expect "tunnel show: the same escaping" "$want" \
	"$("$DSLITECTL" tunnel show dev "$T" | grep -o ' reason .* transitions' |
	   sed 's/^ //; s/ transitions$//')"

# --- four clients sending half a line and stalling
peer partial "$SOCK" 4 >"$tmp/partial" 2>&1 &
part=$!
busywait 30000 grep -q connected "$tmp/partial"
t0=$(ticks $PID)
out=$("$DSLITECTL" b4 status 2>&1)
rc=$?
sleep 3		# the measurement window, not a wait for a state
t1=$(ticks $PID)
hz=$(getconf CLK_TCK)
diag "daemon CPU with 4 stalled clients: $((t1 - t0)) ticks in 3 s (${hz}/s)"
if [ $((t1 - t0)) -lt $((hz / 2)) ]; then
	tap_ok "stalled half lines: the daemon does not spin ($((t1 - t0)) ticks in 3 s)"
else
	tap_fail "stalled half lines: the daemon does not spin" "$((t1 - t0)) ticks in 3 s"
fi
if [ $rc -eq 0 ] && [[ $out == *"pid $PID"* ]]; then
	tap_ok "b4 status answers while four clients hold every slot"
else
	tap_fail "b4 status answers while four clients hold every slot" "rc $rc: $out"
fi
wait $part
closed=$(sed -n 2p "$tmp/partial")
ok=1
for t in $closed; do
	[ "$t" = open ] && ok=0 && continue
	awk -v t="$t" 'BEGIN { exit !(t <= 5) }' || ok=0
done
if [ $ok -eq 1 ] && [ "$(wc -w <<<"$closed")" -eq 4 ]; then
	tap_ok "the stalled clients are closed (after $closed s; the deadline is 2 s)"
else
	tap_fail "the stalled clients are closed by their deadline" "$(cat "$tmp/partial")"
fi

# --- kill -9 leaves a stale socket; the next daemon replaces it
stop_daemon KILL
tap_expect "kill -9 leaves the socket" socket "$(stat -c %F "$SOCK" 2>&1)"
old=$PID
if start_daemon && [[ $("$DSLITECTL" b4 status) == *"pid $PID"* ]] && [ "$PID" != "$old" ]; then
	tap_ok "a new daemon replaces the stale socket"
else
	tap_fail "a new daemon replaces the stale socket" "$(cat "$LOG")"
fi
refused "a second daemon is refused" \
	"a b4 daemon already runs for $T in this network namespace"
stop_daemon
tap_expect "a clean stop removes the socket and its lock" "gone gone" \
	"$([ -e "$SOCK" ] && echo there || echo gone) $([ -e "$DIR/$T.lock" ] && echo there || echo gone)"

# --- what is not ours at the path is refused
touch "$SOCK"
refused "a file at the socket path is refused" \
	"control socket: $SOCK exists and is not a socket: refusing (remove it)"
rm -f "$SOCK"
ln -s /tmp "$SOCK"
refused "a symbolic link at the socket path is refused" \
	"control socket: $SOCK exists and is not a socket: refusing (remove it)"
rm -f "$SOCK"
# a squatter's socket, left in a directory someone made world-writable
chmod 755 /run/dslite
chmod 1777 $DIR
"${NOBODY[@]}" python3 "$tmp/peer.py" squat "$SOCK" "$T: up via 2001:db8:66::6 (SQUATTED)" \
	>"$tmp/squat2" 2>&1 &
squat2=$!
defer "kill $squat2"
busywait 30000 grep -q listening "$tmp/squat2"
out=$("$DSLITECTL" b4 status dev "$T" 2>&1)
rc=$?
if [ $rc -eq 2 ] && [[ $out == "dslitectl: b4 status: $SOCK is served by uid 65534 (pid "*"), not by root: refusing its answer" ]]; then
	tap_ok "root's b4 status refuses a squatter's socket, exit 2"
else
	tap_fail "root's b4 status refuses a squatter's socket, exit 2" "rc $rc: $out"
fi
refused "a world-writable $DIR is refused" \
	"control socket: $DIR is writable by others (mode 777): refusing"
chmod 700 $DIR
refused "a socket of uid 65534 at the path is refused" \
	"control socket: $SOCK is owned by uid 65534: refusing (remove it)"
kill $squat2 2>/dev/null
wait $squat2 2>/dev/null
rm -f "$SOCK"
chmod 700 /run/dslite
mv $DIR $DIR.real
ln -s $DIR.real $DIR
refused "a symbolic link as $DIR is refused" \
	"control socket: $DIR is a symbolic link, not a directory: refusing"
rm $DIR
mv $DIR.real $DIR

# --- one directory per network namespace: the same tunnel name twice
if start_daemon; then
	tap_ok "the daemon starts again"
else
	tap_fail "the daemon starts again" "$(cat "$LOG")"
fi
cookie=$(in_c python3 "$tmp/peer.py" cookie)
LOG_C=$(mktemp /tmp/b4-log.XXXXXX)
# (nsenter execs dslitectl: $! is the daemon itself)
nsenter --net="/run/netns/$C" "$DSLITECTL" b4 run dev "$T" multiplier 20 \
	standby-interval 60000 >>"$LOG_C" 2>&1 &
PID_C=$!
defer "kill -9 $PID_C"
if busywait 10000 in_c "$DSLITECTL" b4 status; then
	tap_expect "netns C: its own daemon, socket $DIR/COOKIE/$T.sock" \
		"$PID_C socket 700" \
		"$(in_c "$DSLITECTL" -j b4 status | jq -r .pid) $(stat -c %F "$DIR/$cookie/$T.sock") $(stat -c %a "$DIR/$cookie")"
else
	tap_fail "netns C: its own daemon" "$(cat "$LOG_C")"
fi
tap_expect "PID 1's namespace: its own daemon" "$PID" \
	"$("$DSLITECTL" -j b4 status | "$JQ" -r .pid)"
kill $PID_C
wait $PID_C
tap_expect "netns C's daemon stops cleanly and removes its directory" "0 gone" \
	"$? $([ -e "$DIR/$cookie" ] && echo there || echo gone)"
stop_daemon
tap_done
