# SPDX-License-Identifier: GPL-2.0
# miniupnpd (Debian's miniupnpd-nftables) as the PCP server on an AFTR's
# end of a softwire, for the real-kernel tests (source after lib.sh).
#
# miniupnpd_setup NETNS LISTEN_IF CONF [defaults] [EXT_IF]: in NETNS the
# nft chains miniupnpd fills (table inet filter), and in CONF its
# configuration: PCP only (no UPnP, no IPv6), on LISTEN_IF's addresses,
# external interface EXT_IF (default wan0), lifetimes clamped to 2..6 s
# (renewals every 3..3.75 s), ports 1024-65535 allowed to 192.0.0.2 only. "defaults": miniupnpd's own
# lifetimes (at least 120 s granted, error answers 30 s), as shipped.
miniupnpd_setup() {
	local ns=$1 lif=$2 conf=$3 lifetimes="min_lifetime=2
max_lifetime=6"

	[ "${4:-}" = defaults ] && lifetimes=
	local ext=${5:-wan0}

	in_ns "$ns" nft -f - <<-'EOF' || return 1
		table inet filter {
			chain miniupnpd {
			}
			chain prerouting_miniupnpd {
				type nat hook prerouting priority dstnat; policy accept;
			}
			chain postrouting_miniupnpd {
				type nat hook postrouting priority srcnat; policy accept;
			}
		}
	EOF
	cat >"$conf" <<-EOF
		ext_ifname=$ext
		listening_ip=$lif
		enable_natpmp=yes
		enable_upnp=no
		ipv6_disable=yes
		secure_mode=yes
		$lifetimes
		allow 1024-65535 192.0.0.2/32 1024-65535
		deny 0-65535 0.0.0.0/0 0-65535
	EOF
}

# The helpers below use b4_lib.sh's AFTR namespaces (aftr_ns N) and keep
# miniupnpd's files in $MINIUPNPD_DIR (a directory the test removes).

# miniupnpd_modules: the kernel modules miniupnpd's nft rules need (the
# test is skipped without them)
miniupnpd_modules() {
	local m

	# one modprobe for all (each process costs in the test VM); one by
	# one only to name what is missing
	mod_load dummy nf_tables nft_chain_nat nf_nat nft_nat 2>/dev/null ||
		for m in dummy nf_tables nft_chain_nat nf_nat nft_nat; do
			modprobe "$m" 2>/dev/null || tap_skip_all "no $m module"
		done
	mod_load nft_ct nft_fib_inet nft_masq nft_redir 2>/dev/null
	MINIUPNPD_DIR=$(mktemp -d)
	defer "rm -rf $MINIUPNPD_DIR"
}

# pcp_prepare N [defaults]: AFTR N's external interface wan0 (a dummy,
# 11.0.N.1/24) and miniupnpd's nft chains and configuration (see
# miniupnpd_setup) for a server on its softwire's end, ds
pcp_prepare() {
	local ns

	ns=$(aftr_ns "$1")
	ip -n "$ns" link add wan0 type dummy &&
	ip -n "$ns" addr add 11.0.$1.1/24 dev wan0 &&
	ip -n "$ns" link set wan0 up &&
	miniupnpd_setup "$ns" ds "$MINIUPNPD_DIR/miniupnpd$1.conf" "${2:-}"
}

__pcp_listening() {
	in_ns "$(aftr_ns "$1")" ss -Hlun 'sport = :5351' | grep -q 192.0.0.1
}
# pcp_start N: miniupnpd on AFTR N, listening on 192.0.0.1:5351
pcp_start() {
	ip netns exec "$(aftr_ns "$1")" miniupnpd -f "$MINIUPNPD_DIR/miniupnpd$1.conf" \
		-P "$MINIUPNPD_DIR/miniupnpd$1.pid" || return 1
	defer "kill \$(cat $MINIUPNPD_DIR/miniupnpd$1.pid 2>/dev/null) 2>/dev/null"
	busywait 5000 __pcp_listening "$1"
}
__pcp_stopped() { ! __pcp_listening "$1"; }
# pcp_stop N: miniupnpd of AFTR N stops
pcp_stop() {
	kill "$(cat "$MINIUPNPD_DIR/miniupnpd$1.pid")"
	busywait 5000 __pcp_stopped "$1"
}
# pcp_pid N: miniupnpd's pid on AFTR N
pcp_pid() { cat "$MINIUPNPD_DIR/miniupnpd$1.pid"; }
