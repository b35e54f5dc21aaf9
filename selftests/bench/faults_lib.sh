# SPDX-License-Identifier: GPL-2.0
# Shared by the fault benchmarks (faults_netem.sh, faults_stress.sh) and
# kernel/b4_netem.sh: counting the daemon's Down transitions three ways,
# and the arithmetic to compare them with. Source after lib.sh,
# kmod_lib.sh and b4_lib.sh.

# faults_settings: the FAULTS_* settings selftests/bench/faults.sh wrote
# for the VM (the guest does not inherit the host's environment)
faults_settings() {
	local f=$DSLITE_ROOT/build/faults/settings
	# shellcheck source=/dev/null
	[ -r "$f" ] && . "$f"
	return 0
}

# faults_neigh: permanent neighbour entries on the B4 <-> ME link, so that
# a lossy link loses only what is measured (a lost neighbour probe would
# otherwise stop the whole path for seconds: not the loss being counted)
faults_neigh() {
	local b4mac memac
	b4mac=$(ip -n "$B4" -j link show b4-me | jq -r '.[0].address')
	memac=$(ip -n "$ME" -j link show me-b4 | jq -r '.[0].address')
	ip -n "$ME" -6 neigh replace $B4_ADDR lladdr "$b4mac" dev me-b4 \
		nud permanent &&
	ip -n "$B4" -6 neigh replace $B4_GW lladdr "$memac" dev b4-me \
		nud permanent
}

# faults_neigh_aftr: the same on the ME <-> AFTR1 link, for loss on the
# B4 -> AFTR direction (ME's me-a1 egress); the PCP server's answers
# leave AFTR1's stack through its gateway's entry
faults_neigh_aftr() {
	local amac memac
	amac=$(ip -n "$A1" -j link show a1-me | jq -r '.[0].address')
	memac=$(ip -n "$ME" -j link show me-a1 | jq -r '.[0].address')
	ip -n "$ME" -6 neigh replace $AFTR1_ADDR lladdr "$amac" dev me-a1 \
		nud permanent &&
	ip -n "$A1" -6 neigh replace 2001:db8:a1::1 lladdr "$memac" \
		dev a1-me nud permanent
}

# faults_netem_dir DIR SPEC...: tc netem on the lossy direction DIR:
# "to-b4" (AFTR -> B4: the ME's me-b4 egress, as faults_netem), "to-aftr"
# (B4 -> AFTR: the ME's me-a1 egress) or "both" (each with SPEC, drawn
# independently)
faults_netem_dir() {
	local dir=$1
	shift
	case $dir in
	to-b4) faults_netem "$@" ;;
	to-aftr) ip netns exec "$ME" tc qdisc replace dev me-a1 root netem "$@" ;;
	both) faults_netem "$@" &&
	      ip netns exec "$ME" tc qdisc replace dev me-a1 root netem "$@" ;;
	*) return 1 ;;
	esac
}

# faults_netem SPEC...: tc netem on the ME's me-b4 egress: every packet
# from the AFTR to the B4 (BFD answers, echo replies) goes through it;
# nothing from the B4 to the AFTR does
faults_netem() {
	ip netns exec "$ME" tc qdisc replace dev me-b4 root netem "$@"
}

# faults_downs: the daemon's outages, from its log: the transitions from
# Up (a tunnel forced down may log "carrier down" again with a new diag,
# so those lines are not counted)
faults_downs() { grep -cE ': (Up -> Down|unhealthy by)' "$B4_LOG"; }

# faults_ups: the same, back up
faults_ups() { grep -c ': carrier up' "$B4_LOG"; }

# faults_sent: what the AFTR answered so far: BFD packets the daemon sent
# (the XDP responder answers each one), or echoes with "health ping"
faults_sent() {
	local v i
	# the status socket may not answer a loaded VM at once
	for i in 1 2 3 4 5; do
		v=$(__faults_sent) && [ -n "$v" ] && { echo "$v"; return 0; }
		sleep 1
	done
	return 1
}
__faults_sent() {
	b4_q '.peers[0] | if .ping then .ping.sent else .["packets-sent"] end'
}

# faults_expect KIND P M [N] SENT: the number of false Downs expected
# from the loss alone.
#   bfd: a Down needs M answers in a row lost; a run of M losses starts
#        at each answer with probability p^M (1-p) (the answer before it
#        arrived), so SENT * p^M * (1-p).
#   ping: unhealthy when N of the last M echoes are lost, healthy again
#        when fewer are: one transition per echo that brings the window
#        from N-1 to N losses, the probability summed over all 2^(M+1)
#        patterns of the old window and the new echo.
faults_expect() {
	python3 - "$@" <<-'EOF'
		import sys
		kind, p, m = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
		if kind == "bfd":
		    sent = float(sys.argv[4])
		    print("%.2f" % (sent * p ** m * (1 - p)))
		else:
		    n, sent = int(sys.argv[4]), float(sys.argv[5])
		    rate = 0.0
		    for bits in range(1 << (m + 1)):
		        w = [(bits >> k) & 1 for k in range(m + 1)]
		        old, new = sum(w[:m]), sum(w[1:])
		        if old < n <= new:
		            k = sum(w)
		            rate += p ** k * (1 - p) ** (m + 1 - k)
		    print("%.2f" % (sent * rate))
	EOF
}

# faults_expect_pcp Q K EXCHANGES: the PCP health Downs expected when
# each request or its answer is lost with probability Q: an exchange
# goes down (no-answer) when all of the K requests sent before its
# pcp-deadline are lost, at most once per exchange: EXCHANGES * Q^K
faults_expect_pcp() {
	awk -v q="$1" -v k="$2" -v n="$3" 'BEGIN { printf "%.2f\n", n * q ^ k }'
}

# faults_q DIR P: the probability that a request/answer round trip is
# lost when DIR ("to-b4", "to-aftr" or "both") drops each packet with P
faults_q() {
	awk -v d="$1" -v p="$2" 'BEGIN { printf "%.6f\n", d == "both" ? 1 - (1 - p) ^ 2 : p }'
}

# faults_ci COUNT: the exact (Garwood) 95 % interval of a Poisson count
faults_ci() {
	python3 - "$1" <<-'EOF'
		import sys, math
		k = int(sys.argv[1])
		def cdf(k, mu):
		    t = s = math.exp(-mu)
		    for i in range(1, k + 1):
		        t *= mu / i
		        s += t
		    return s
		def solve(f, lo, hi):
		    for _ in range(200):
		        mid = (lo + hi) / 2
		        if f(mid):
		            lo = mid
		        else:
		            hi = mid
		    return (lo + hi) / 2
		lo = 0.0 if k == 0 else solve(lambda mu: 1 - cdf(k - 1, mu) < 0.025, 0, k + 50)
		hi = solve(lambda mu: cdf(k, mu) > 0.025, k, 5 * k + 50)
		print("%.1f-%.1f" % (lo, hi))
	EOF
}

# faults_loadavg: the VM's 1-minute load average and, when the host's
# /proc is visible through the 9p root, nothing more (the guest sees only
# itself): the caller prints the host's next to it
faults_loadavg() { cut -d' ' -f1 /proc/loadavg; }
