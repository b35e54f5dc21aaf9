# SPDX-License-Identifier: GPL-2.0
# miniupnpd (Debian's miniupnpd-nftables) as the PCP server on an AFTR's
# end of a softwire, for the real-kernel tests (source after lib.sh).
#
# miniupnpd_setup NETNS LISTEN_IF CONF [defaults]: in NETNS the nft chains
# miniupnpd fills (table inet filter), and in CONF its configuration: PCP
# only (no UPnP, no IPv6), on LISTEN_IF's addresses, external interface
# wan0, lifetimes clamped to 2..6 s (renewals every 3..3.75 s), ports
# 1024-65535 allowed to 192.0.0.2 only. "defaults": miniupnpd's own
# lifetimes (at least 120 s granted, error answers 30 s), as shipped.
miniupnpd_setup() {
	local ns=$1 lif=$2 conf=$3 lifetimes="min_lifetime=2
max_lifetime=6"

	[ "${4:-}" = defaults ] && lifetimes=

	ip netns exec "$ns" nft -f - <<-'EOF' || return 1
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
		ext_ifname=wan0
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
