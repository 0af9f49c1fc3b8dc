#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=190
# AH (RFC 4302) between hosts a (10.0.0.1, fd00::1) and b (10.0.1.2,
# fd00:1::2), through router r whose link to b has MTU 1400; each host has
# a LAN (a: 172.16.0.1, fd01::1; b: 172.16.9.1, fd09::1):
#  - IPv4 tunnel LAN to LAN, HMAC-SHA-256 truncated to 128 bits (28 bytes
#    of AH: its padding differs by alignment), ESN;
#  - IPv4 transport host to host, HMAC-SHA-1-96;
#  - IPv6 tunnel LAN to LAN and transport host to host, HMAC-SHA-256-128.
# First nfipsec on both hosts, then b on Linux XFRM with the same ip xfrm
# lines ("flag align4": RFC 4302's 4-byte IPv4 alignment, nfipsec's
# default), then a with "flag align8" against plain XFRM lines (8 bytes, as
# ip xfrm pads without align4). Pings with exact counters, full-size TCP
# over the tunnel and transport (the path MTU learnt from r's errors about
# AH packets), on the wire nothing but AH between the hosts and AH's
# length as the alignment says. Then what must fail, against XFRM: a wrong key
# (integrity), a shorter ICV (bad header) and replayed packets, each
# dropped and counted, the replay window unmoved by the forged ones. Last,
# scapy computes the ICV of the captured AH packets its own way, and its
# AH packets are taken.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module

A4=10.0.0.1 B4=10.0.1.2 A6=fd00::1 B6=fd00:1::2
K256=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
K256B=0x8f3e21d4c07a59b6e1d2c3b4a59687788f3e21d4c07a59b6e1d2c3b4a5968778
K160=0x00112233445566778899aabbccddeeff01020304
K160B=0x8f3e21d4c07a59b6e1d2c3b4a5968778a1b2c3d4
SHA256="auth-trunc 'hmac(sha256)'"
SHA1="auth-trunc 'hmac(sha1)'"

# a --(1500)-- r --(1400)-- b: full-size packets from a need the path MTU
# that r's ICMP errors about AH packets give.
topology() {
	setup_ns a r b || return 1
	ns_quiet_ipv6 "$a" "$r" "$b" || return 1
	ns_sysctl "$r" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
		return 1
	ip -n "$a" link add eth0 type veth peer name eth0a netns "$r" || return 1
	ip -n "$b" link add eth0 type veth peer name eth0b netns "$r" || return 1
	ip -n "$a" link add lan type dummy || return 1
	ip -n "$b" link add lan type dummy || return 1
	ip -n "$a" -b - <<-EOF || return 1
	addr add $A4/24 dev eth0
	addr add $A6/64 dev eth0 nodad
	addr add 172.16.0.1/32 dev lan
	addr add fd01::1/128 dev lan nodad
	link set eth0 up
	link set lan up
	route add default via 10.0.0.254
	route add default via fd00::fe
	EOF
	ip -n "$r" -b - <<-EOF || return 1
	addr add 10.0.0.254/24 dev eth0a
	addr add fd00::fe/64 dev eth0a nodad
	addr add 10.0.1.254/24 dev eth0b
	addr add fd00:1::fe/64 dev eth0b nodad
	link set eth0a up
	link set eth0b mtu 1400 up
	EOF
	ip -n "$b" -b - <<-EOF || return 1
	addr add $B4/24 dev eth0
	addr add $B6/64 dev eth0 nodad
	addr add 172.16.9.1/24 dev lan
	addr add fd09::1/64 dev lan nodad
	link set eth0 mtu 1400 up
	link set lan up
	route add default via 10.0.1.254
	route add default via fd00:1::fe
	EOF
}

# conf SIDE [FLAG] [BKEY4]: ip-xfrm lines for SIDE (a or b). SPIs: IPv4
# tunnel 0x701/0x702 (odd: a to b), IPv4 transport 0x711/0x712, IPv6 tunnel
# 0x721/0x722, IPv6 transport 0x731/0x732. FLAG: the IPv4 SAs' alignment
# flag words. BKEY4: what b keys its IPv4 tunnel SA to a with (default
# right).
conf() {
	local side=$1 flag=${2:-} bkey4=${3:-"$SHA256 $K256B 128"}
	local me4=$A4 peer4=$B4 me6=$A6 peer6=$B6 l4=172.16.0.1/32 r4=172.16.9.0/24
	local l6=fd01::1/128 r6=fd09::/64 o=1 i=2
	if [ "$side" = b ]; then
		me4=$B4 peer4=$A4 me6=$B6 peer6=$A6 l4=172.16.9.0/24 r4=172.16.0.1/32
		l6=fd09::/64 r6=fd01::1/128 o=2 i=1
	fi
	cat <<-EOF
	state add src $A4 dst $B4 proto ah spi 0x701 reqid 1 mode tunnel $SHA256 $K256 128 replay-window 64 flag esn $flag
	state add src $B4 dst $A4 proto ah spi 0x702 reqid 1 mode tunnel $bkey4 replay-window 64 flag esn $flag
	state add src $A4 dst $B4 proto ah spi 0x711 reqid 2 mode transport $SHA1 $K160 96 replay-window 32 ${flag:+flag $flag}
	state add src $B4 dst $A4 proto ah spi 0x712 reqid 2 mode transport $SHA1 $K160B 96 replay-window 32 ${flag:+flag $flag}
	state add src $A6 dst $B6 proto ah spi 0x721 reqid 3 mode tunnel $SHA256 $K256 128 replay-window 32
	state add src $B6 dst $A6 proto ah spi 0x722 reqid 3 mode tunnel $SHA256 $K256B 128 replay-window 32
	state add src $A6 dst $B6 proto ah spi 0x731 reqid 4 mode transport $SHA256 $K256 128 replay-window 32
	state add src $B6 dst $A6 proto ah spi 0x732 reqid 4 mode transport $SHA256 $K256B 128 replay-window 32
	policy add src $l4 dst $r4 dir out tmpl src $me4 dst $peer4 proto ah reqid 1 mode tunnel
	policy add src $r4 dst $l4 dir in tmpl src $peer4 dst $me4 proto ah reqid 1 mode tunnel
	policy add src $me4 dst $peer4 dir out tmpl proto ah reqid 2 mode transport
	policy add src $peer4 dst $me4 dir in tmpl proto ah reqid 2 mode transport
	policy add src $l6 dst $r6 dir out tmpl src $me6 dst $peer6 proto ah reqid 3 mode tunnel
	policy add src $r6 dst $l6 dir in tmpl src $peer6 dst $me6 proto ah reqid 3 mode tunnel
	policy add src $me6 dst $peer6 dir out tmpl proto ah reqid 4 mode transport
	policy add src $peer6 dst $me6 dir in tmpl proto ah reqid 4 mode transport
	EOF
}

SA_PROTO=ah	# for sa_stats (lib_tunnel.sh)

# pings NAME: 3 pings over each SA pair from a, with exact counters on a.
pings() {
	local t=$1
	check "$t.tunnel4" ip netns exec "$a" ping -c 3 -i 0.3 -W 3 -I 172.16.0.1 172.16.9.1
	check "$t.transport4" ip netns exec "$a" ping -c 3 -i 0.3 -W 3 $B4
	check "$t.tunnel6" ip netns exec "$a" ping -6 -c 3 -i 0.3 -W 3 -I fd01::1 fd09::1
	check "$t.transport6" ip netns exec "$a" ping -6 -c 3 -i 0.3 -W 3 $B6
	# 84 bytes an IPv4 echo, 104 an IPv6 one.
	check_eq "$t.a-out-tunnel4" "packets 3 bytes 252" "$(sa_stats "$a" $B4 0x701 packets bytes)"
	check_eq "$t.a-in-tunnel4" "packets 3 bytes 252" "$(sa_stats "$a" $A4 0x702 packets bytes)"
	check_eq "$t.a-in-transport4" "packets 3 bytes 252" "$(sa_stats "$a" $A4 0x712 packets bytes)"
	check_eq "$t.a-in-tunnel6" "packets 3 bytes 312" "$(sa_stats "$a" $A6 0x722 packets bytes)"
	check_eq "$t.a-in-transport6" "packets 3 bytes 312" "$(sa_stats "$a" $A6 0x732 packets bytes)"
}

topology || { fail topology "setup failed"; finish; }

# peer: b's implementation; flag: the IPv4 SAs' alignment words on a (and
# on b when it is nfipsec); xflag: on b when it is XFRM; ahlen: AH's
# length word (32-bit words minus 2) on the wire for the IPv4 tunnel.
for round in nfipsec:: xfrm::align4:5 xfrm8:align8::6; do
	IFS=: read -r t flag xflag ahlen <<< "$round"
	peer=${t%8}
	ahlen=${ahlen:-5}
	tunnel_clear "$a"
	tunnel_clear "$b"
	ip -n "$a" route flush cache
	ip -n "$a" -6 route flush cache
	conf a "$flag" | tunnel_apply "$a" nfipsec ||
		{ fail "$t.config-a" "nfipsec refused the configuration"; continue; }
	if [ $peer = nfipsec ]; then
		conf b "$flag" | tunnel_apply "$b" nfipsec
	else
		conf b "$xflag" | tunnel_apply "$b" xfrm
	fi || { fail "$t.config-b" "$peer refused the configuration"; continue; }

	cap=/tmp/ah-$t.pcap
	capture_start tpid "$a" eth0 "$cap" || { fail "$t.capture" "tcpdump did not start"; continue; }
	pings "$t"
	# iperf3's server takes one test. Full-size segments: a's sockets are
	# told the MTU after AH, then the path's from r's errors (in-pmtu).
	stat_of "$a" in-pmtu; learned=$REPLY
	if iperf3_server "$b" 5201; then
		check "$t.tcp4" ip netns exec "$a" timeout 60 iperf3 -c $B4 -p 5201 -n 200K
	else
		fail "$t.tcp4" "iperf3 server did not start"
	fi
	if iperf3_server "$b" 5201; then
		check "$t.tcp4-tunnel" ip netns exec "$a" timeout 60 \
			iperf3 -c 172.16.9.1 -B 172.16.0.1 -p 5201 -n 200K
	else
		fail "$t.tcp4-tunnel" "iperf3 server did not start"
	fi
	stat_of "$a" in-pmtu
	check_eq "$t.a-learned-path-mtu" more \
		"$( ((REPLY > learned)) && echo more || echo "$REPLY, was $learned")"
	if iperf3_server "$b" 5201; then
		check "$t.tcp6" ip netns exec "$a" timeout 60 iperf3 -c $B6 -p 5201 -n 200K -R
	else
		fail "$t.tcp6" "iperf3 server did not start"
	fi
	capture_stop tpid
	pcap_count "$t.wire-only-ah4" 0 "$cap" "host $A4 and host $B4 and not ip proto 51"
	pcap_count "$t.wire-only-ah6" 0 "$cap" "host $A6 and host $B6 and not ip6 proto 51"
	# Each way: 3 echoes and their replies (ICMP inside), AH's length as
	# aligned.
	pcap_count "$t.wire-tunnel4-ahlen" 6 "$cap" \
		"ip proto 51 and ip[20] == 4 and ip[21] == $ahlen and ip[$((20 + (ahlen + 2) * 4 + 9))] == 1"
	pcap_count "$t.wire-tunnel6" 6 "$cap" "ip6 proto 51 and ip6[40] == 41"
done

# b on XFRM ("flag align8" on a, none on b) still. What must fail.
# A wrong key on b's IPv4 tunnel SA: a drops the packets after the ICV
# (integrity), delivers nothing, and its replay window does not move.
t=wrong-key
conf a align8 | tunnel_apply "$a" nfipsec
conf b "" "$SHA256 $K256 128" | tunnel_apply "$b" xfrm
check_fail "$t.not-delivered" 1 "$PING_LOST" \
	ip netns exec "$b" ping -c 3 -i 0.3 -W 1 -I 172.16.9.1 172.16.0.1
check_eq "$t.counted" "packets 0 integrity 3 replay-top 0" \
	"$(sa_stats "$a" $A4 0x702 packets integrity replay-top)"

# b's ICV 96 bits where a's SA says 128: AH of the wrong length, dropped
# before the ICV is computed (bad-header).
t=short-icv
conf b "" "$SHA256 $K256B 96" | tunnel_apply "$b" xfrm
check_fail "$t.not-delivered" 1 "$PING_LOST" \
	ip netns exec "$b" ping -c 3 -i 0.3 -W 1 -I 172.16.9.1 172.16.0.1
check_eq "$t.counted" "packets 0 bad-header 3" \
	"$(sa_stats "$a" $A4 0x702 packets bad-header)"

# Replays: b's right packets, captured and sent again to a, are dropped
# (replay) and nothing more is delivered.
t=replay
conf a align8 | tunnel_apply "$a" nfipsec
conf b | tunnel_apply "$b" xfrm
cap=/tmp/ah-replay.pcap
capture_start rpid "$b" eth0 "$cap" "ip proto 51 and src host $B4"
check "$t.pings" ip netns exec "$b" ping -c 3 -i 0.3 -W 3 -I 172.16.9.1 172.16.0.1
capture_stop rpid
REPLAY='
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[2], 0))
off, n = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack("<IIII", data[off:off + 16])[2]
    s.send(data[off + 16:off + 16 + incl])
    off += 16 + incl
    n += 1
print(n)
'
check_eq "$t.sent" 3 "$(ip netns exec "$b" python3 -c "$REPLAY" "$cap" eth0)"
wait_until 3 eval '[ "$(sa_stats "$a" $A4 0x702 replay)" = "replay 3" ]'
check_eq "$t.counted" "packets 3 replay 3" "$(sa_stats "$a" $A4 0x702 packets replay)"

# scapy, which no one here wrote: the ICV of nfipsec's AH packets captured
# above (both ways in the first round, a's with align8 in the last),
# computed its way (ESN's high bits on the tunnel SAs); and AH packets it
# makes for a's transport SAs are taken (a answers them).
t=scapy
SAS="0x701:SHA2-256-128:$K256:esn 0x702:SHA2-256-128:$K256B:esn
0x711:HMAC-SHA1-96:$K160 0x712:HMAC-SHA1-96:$K160B
0x721:SHA2-256-128:$K256 0x722:SHA2-256-128:$K256B
0x731:SHA2-256-128:$K256 0x732:SHA2-256-128:$K256B"
read -r _ in4 <<< "$(sa_stats "$a" $A4 0x712 packets)"
read -r _ in6 <<< "$(sa_stats "$a" $A6 0x732 packets)"
read -r _ out4 <<< "$(sa_stats "$a" $B4 0x711 packets)"
mac=$(mac_of "$a" eth0)
# shellcheck disable=SC2086 # $SAS: one word per SA
out=$(ip netns exec "$r" python3 "$(dirname "$0")/ah_check.py" $SAS \
	verify /tmp/ah-nfipsec.pcap $A4 $B4 $A6 $B6 verify /tmp/ah-xfrm8.pcap $A4 $A6 \
	send eth0a "$mac" 0x712 $B4 $A4 1000000 send eth0a "$mac" 0x732 $B6 $A6 1000000 2>&1)
# verified PCAP SPI...: each SPI has 3 or more packets whose ICV scapy
# computed alike, none it did not, and no other SPI is there.
verified() {
	local pcap=$1 spi want got=
	shift
	for spi in "$@"; do
		want+="${want:+ }$spi ok"
	done
	while read -r f spi w ok _ bad; do
		[ "$f" = "$pcap" ] && [ "$w" = ok ] || continue
		got+="${got:+ }$spi $( ((ok >= 3 && bad == 0)) && echo ok || echo "ok $ok bad $bad")"
	done <<< "$out"
	if [ "$got" = "$want" ]; then
		pass "$t.$(basename "$pcap" .pcap)-icv"
	else
		keep_artifact "$pcap"
		fail "$t.$(basename "$pcap" .pcap)-icv" "expected '$want', got '$got'; $(grep "^$pcap packet" <<< "$out" | head -4 | tr '\n' ';')"
	fi
}
verified /tmp/ah-nfipsec.pcap 0x701 0x702 0x711 0x712 0x721 0x722 0x731 0x732
verified /tmp/ah-xfrm8.pcap 0x701 0x711 0x721 0x731
check_match "$t.sent" "sent 0x712 3.*sent 0x732 3" "$(echo $out)"
wait_until 3 eval '[ "$(sa_stats "$a" $A6 0x732 packets)" = "packets $((in6 + 3))" ]'
check_eq "$t.taken4" "packets $((in4 + 3))" "$(sa_stats "$a" $A4 0x712 packets)"
check_eq "$t.taken6" "packets $((in6 + 3))" "$(sa_stats "$a" $A6 0x732 packets)"
check_eq "$t.answered4" "packets $((out4 + 3))" "$(sa_stats "$a" $B4 0x711 packets)"

finish
