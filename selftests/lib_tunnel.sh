#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The standard two-site topology, sourced after lib.sh:
#
#   h1 --- ra ==== wire (br0) ==== rb --- h2
#   LAN1 192.168.111.0/24, fd00:111::/64      LAN2 192.168.186.0/24, fd00:186::/64
#   ra WAN 192.168.3.107, fd00:3::107         rb WAN 192.168.3.111, fd00:3::111
#
# h1 is .10 (::10) on LAN1; h2 is .10 and .20 (::10) on LAN2. "wire" holds the
# bridge joining the WANs: a capture there sees exactly the bytes on the wire.
#
# Keying: tunnel_conf prints ip-xfrm lines (SAs and policies) for one router;
# tunnel_apply feeds them to nfipsec or to Linux XFRM ("ip xfrm"): the same
# lines, since nfipsec takes ip xfrm's grammar.

A4=192.168.3.107 B4=192.168.3.111 A6=fd00:3::107 B6=fd00:3::111
SPI_AB=0x1000 SPI_BA=0x2000

# tunnel_sysctls NS...: quiet IPv6 (no DAD, no router solicitations or
# advertisements taken), forwarding on.
tunnel_sysctls() {
	local n
	for n in "$@"; do
		ns_sysctl "$n" net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.accept_ra=0 \
			net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	done
}

# tunnel_lans: the two LANs, h1 behind ra and h2 behind rb (their lan0 is
# made here, addressed by the caller), as the comment above draws them.
tunnel_lans() {
	# One batch per namespace: every exec is slow in the debug guest.
	ip -n "$h1" -batch - <<EOF || return 1
link add eth0 type veth peer name lan0 netns $ra
addr add 192.168.111.10/24 dev eth0
addr add fd00:111::10/64 dev eth0 nodad
link set eth0 up
route add default via 192.168.111.1
route add ::/0 via fd00:111::1
EOF
	ip -n "$h2" -batch - <<EOF
link add eth0 type veth peer name lan0 netns $rb
addr add 192.168.186.10/24 dev eth0
addr add 192.168.186.20/24 dev eth0
addr add fd00:186::10/64 dev eth0 nodad
link set eth0 up
route add default via 192.168.186.1
route add ::/0 via fd00:186::1
EOF
}

tunnel_topology() {
	setup_ns h1 ra wire rb h2 || return 1
	tunnel_sysctls "$h1" "$ra" "$wire" "$rb" "$h2" || return 1
	tunnel_lans || return 1
	ip -n "$wire" -batch - <<EOF || return 1
link add br0 type bridge
link add wa type veth peer name wan0 netns $ra
link add wb type veth peer name wan0 netns $rb
link set wa master br0
link set wb master br0
link set br0 up
link set wa up
link set wb up
EOF
	# br_netfilter (in the lab kernel for defaults.sh) stays out of the
	# wire: its bytes are the ones sent.
	if ip netns exec "$wire" test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
		ns_sysctl "$wire" net.bridge.bridge-nf-call-iptables=0 \
			net.bridge.bridge-nf-call-ip6tables=0 \
			net.bridge.bridge-nf-call-arptables=0 || return 1
	fi
	ip -n "$ra" -batch - <<EOF || return 1
addr add 192.168.111.1/24 dev lan0
addr add fd00:111::1/64 dev lan0 nodad
addr add $A4/24 dev wan0
addr add $A6/64 dev wan0 nodad
link set lan0 up
link set wan0 up
route add 192.168.186.0/24 via $B4
route add fd00:186::/64 via $B6
EOF
	ip -n "$rb" -batch - <<EOF || return 1
addr add $B4/24 dev wan0
addr add $B6/64 dev wan0 nodad
addr add 192.168.186.1/24 dev lan0
addr add fd00:186::1/64 dev lan0 nodad
link set lan0 up
link set wan0 up
route add 192.168.111.0/24 via $A4
route add fd00:111::/64 via $A6
EOF
}

# tunnel_conf SIDE OUTER ALGO...: ip-xfrm lines for router SIDE (a or b),
# tunnel endpoints of family OUTER (4 or 6), both inner families, SAs with
# the algorithm words ALGO (e.g. aead 'rfc4106(gcm(aes))' 0x... 128).
tunnel_conf() {
	local side=$1 outer=$2 me peer out_spi in_spi
	shift 2
	if [ "$outer" = 4 ]; then me=$A4 peer=$B4; else me=$A6 peer=$B6; fi
	out_spi=$SPI_AB in_spi=$SPI_BA
	local lan_me4=192.168.111.0/24 lan_peer4=192.168.186.0/24
	local lan_me6=fd00:111::/64 lan_peer6=fd00:186::/64
	if [ "$side" = b ]; then
		local t=$me; me=$peer; peer=$t
		out_spi=$SPI_BA in_spi=$SPI_AB
		lan_me4=192.168.186.0/24 lan_peer4=192.168.111.0/24
		lan_me6=fd00:186::/64 lan_peer6=fd00:111::/64
	fi
	echo "state add src $me dst $peer proto esp spi $out_spi reqid 1 mode tunnel replay-window 64 $*"
	echo "state add src $peer dst $me proto esp spi $in_spi reqid 1 mode tunnel replay-window 64 $*"
	local f
	for f in 4 6; do
		eval "local lm=\$lan_me$f lp=\$lan_peer$f"
		echo "policy add src $lm dst $lp dir out tmpl src $me dst $peer proto esp reqid 1 mode tunnel"
		echo "policy add src $lp dst $lm dir fwd tmpl src $peer dst $me proto esp reqid 1 mode tunnel"
		echo "policy add src $lp dst $lm dir in tmpl src $peer dst $me proto esp reqid 1 mode tunnel"
	done
}

# tunnel_apply NS IMPL: flush, then apply the lines on stdin with IMPL
# (nfipsec or xfrm) in namespace NS, in one batch. Fails on the first
# refused line.
tunnel_apply() {
	local ns=$1 impl=$2
	if [ "$impl" = xfrm ]; then
		{ echo "state flush"; echo "policy flush"; cat; } |
			sed 's/^/xfrm /' | ip -n "$ns" -batch -
		return
	fi
	{ echo "state flush"; echo "policy flush"; cat; } | nfipsec -n "$ns" -b -
}

# tunnel_clear NS: remove both implementations' configuration.
tunnel_clear() {
	printf 'xfrm state flush\nxfrm policy flush\n' | ip -n "$1" -batch -
	printf 'state flush\npolicy flush\n' | nfipsec -n "$1" -b -
}

# words_after WORD...: with the words of an output in the array $words,
# REPLY="WORD VALUE ..." (the word that follows each WORD; "missing" for
# one not there). No exec or subshell: every fork is slow in the debug
# guest.
words_after() {
	local w i n=${#words[@]} v
	REPLY=
	for w in "$@"; do
		v=missing
		for ((i = 0; i < n - 1; i++)); do
			[ "${words[i]}" = "$w" ] && { v=${words[i + 1]}; break; }
		done
		REPLY+="${REPLY:+ }$w $v"
	done
}

# sa_stat NS DST SPI WORD: a counter of an nfipsec SA ("packets", "bytes",
# "integrity", "replay", ...) from nfipsec -s state get; empty when absent.
sa_stat() {
	local words
	read -rd '' -a words < <(nfipsec -n "$1" -s state get dst "$2" proto esp spi "$3")
	words_after "$4"
	[ "${REPLY#* }" = missing ] || echo "${REPLY#* }"
}

# sa_stats NS DST SPI WORD...: "WORD VALUE ..." for an SA's counters, in
# one exec ("missing" for a word not shown). The SA's protocol is
# $SA_PROTO (esp unless set).
sa_stats() {
	local ns=$1 dst=$2 spi=$3 words
	shift 3
	read -rd '' -a words < <(nfipsec -n "$ns" -s state get dst "$dst" \
		proto "${SA_PROTO:-esp}" spi "$spi")
	words_after "$@"
	echo "$REPLY"
}

# ns_stat NS NAME: a namespace counter of nfipsec stats.
ns_stat() {
	stat_of "$1" "$2"
	[ -z "$REPLY" ] || echo "$REPLY"
}

# The LAN prefixes: a packet on the wire carrying one of these addresses
# in clear is a leak.
LAN_CLEAR='net 192.168.111.0/24 or net 192.168.186.0/24 or net fd00:111::/64 or net fd00:186::/64'

# wire_check NAME PCAP ESP_PACKETS ME PEER: the capture holds exactly
# ESP_PACKETS ESP packets between ME and PEER, and no packet with a LAN
# address. On failure the capture is kept and its lines are in the message.
wire_check() {
	local t=$1 cap=$2 want=$3 me=$4 peer=$5 esp clear
	esp=$(tcpdump -r "$cap" -n "esp and host $me and host $peer" 2>/dev/null | wc -l)
	clear=$(tcpdump -r "$cap" -n "$LAN_CLEAR" 2>/dev/null)
	if [ "$esp" != "$want" ]; then
		fail "$t.wire-esp-packets" "expected $want, got $esp: $(tcpdump -r "$cap" -n 2>/dev/null | head -30 | tr '\n' '|')"
		keep_artifact "$cap"
	else
		pass "$t.wire-esp-packets"
	fi
	if [ -n "$clear" ]; then
		fail "$t.wire-nothing-in-clear" "$(echo "$clear" | wc -l) packet(s) in clear: $(echo "$clear" | head -10 | tr '\n' '|')"
		keep_artifact "$cap"
	else
		pass "$t.wire-nothing-in-clear"
	fi
}

# pcap_count NAME EXPECTED PCAP FILTER: exactly EXPECTED packets of PCAP match
# FILTER. On failure the pcap is kept and the message shows the matching
# packets (all of them when none matched).
pcap_count() {
	local name=$1 want=$2 pcap=$3 filter=$4 lines n
	if ! lines=$(tcpdump -r "$pcap" -nn "$filter" 2>"$pcap.rerr"); then
		keep_artifact "$pcap"
		fail "$name" "tcpdump -r $pcap '$filter' failed: $(tr '\n' ' ' < "$pcap.rerr")"
		return
	fi
	n=$(printf '%s' "$lines" | grep -c .)
	if [ "$n" = "$want" ]; then
		pass "$name"
		return
	fi
	keep_artifact "$pcap"
	[ "$n" = 0 ] && lines=$(tcpdump -r "$pcap" -nn 2>/dev/null)
	fail "$name" "$n packets match '$filter', not $want; $(basename "$pcap") has: $(echo "$lines" |
		head -n 12 | cut -d' ' -f2- | tr '\n' ';')"
}

# mac NS DEV
mac_of() {
	ip -n "$1" -br link show "$2" | awk '{ print $3 }'
}

# xfrm_encap_socket NS: what Linux XFRM needs to take ESP in UDP in NS, a
# socket on 4500 with UDP_ENCAP (SOL_UDP 17, UDP_ENCAP 100,
# UDP_ENCAP_ESPINUDP 2) for each family, open until the test ends; returns
# once both are bound.
XFRM_ENCAP_SOCKS='
import socket, sys, time
for fam, any in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.setsockopt(17, 100, 2)
    s.bind((any, 4500))
    globals()["keep" + str(fam)] = s
open(sys.argv[1], "w").write("ready")
time.sleep(3600)
'
xfrm_encap_socket() {
	local ready=/tmp/encap-ready-$1
	rm -f "$ready"
	run_bg ip netns exec "$1" python3 -c "$XFRM_ENCAP_SOCKS" "$ready"
	wait_until 30 test -e "$ready"
}
