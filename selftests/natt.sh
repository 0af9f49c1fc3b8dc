#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=140
# NAT traversal (RFC 3948, ESP in UDP 4500). Host a (192.168.1.2) sits
# behind router r, which masquerades it as 10.0.2.1 towards host b
# (10.0.2.2); IPv6 (fd00:1::2 to fd00:2::2) is routed, not translated, and
# encapsulated all the same:
#   a --- r (NAT) --- b
# Over IPv4, a tunnel (a's inner 172.16.0.1 to b's 172.16.9.1) and
# transport mode for TCP between the hosts themselves (the NAT changes the
# addresses the TCP checksum covers); over IPv6, transport mode. First
# nfipsec on both hosts, then b on Linux XFRM (ip xfrm, the same lines, and
# a UDP_ENCAP socket on 4500). Nothing leaves r but UDP 4500 between the
# hosts; SA counters. Then plain ESP for an SA that expects UDP is dropped
# and counted, and a NAT rebinding raises MAPPING events. Pings pass with
# GRO on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module

A4=192.168.1.2 N4=10.0.2.1 B4=10.0.2.2 A6=fd00:1::2 B6=fd00:2::2
KAB=0x00112233445566778899aabbccddeeff01020304
KBA=0x8f3e21d4c07a59b6e1d2c3b4a5968778a1b2c3d4
GCM="aead 'rfc4106(gcm(aes))'"
ENC="encap espinudp 4500 4500"

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
	link set eth0 up
	link set lan up
	route add default via 192.168.1.1
	route add default via fd00:1::1
	EOF
	ip -n "$r" -b - <<-EOF || return 1
	addr add 192.168.1.1/24 dev eth0a
	addr add fd00:1::1/64 dev eth0a nodad
	addr add $N4/24 dev eth0b
	addr add fd00:2::1/64 dev eth0b nodad
	link set eth0a up
	link set eth0b up
	EOF
	ip -n "$b" -b - <<-EOF || return 1
	addr add $B4/24 dev eth0
	addr add $B6/64 dev eth0 nodad
	addr add 172.16.9.1/24 dev lan
	link set eth0 up
	link set lan up
	route add 172.16.0.0/24 via $N4
	route add default via fd00:2::1
	EOF
	ip netns exec "$r" nft -f - <<-EOF
	table ip nat {
		chain post {
			type nat hook postrouting priority 100;
			oifname "eth0b" ip saddr 192.168.1.0/24 masquerade
		}
	}
	EOF
}

# conf SIDE: ip-xfrm lines for host SIDE (a or b). Each host's SAs name
# the other as it sees it (b sees a as the NAT's N4). SPIs: tunnel
# 0x501/0x502, IPv4 transport 0x511/0x512, IPv6 transport 0x611/0x612
# (odd: a to b).
conf() {
	local side=$1 me4=$A4 peer4=$B4
	local o=0x501 i=0x502 o4=0x511 i4=0x512 o6=0x611 i6=0x612 me6=$A6 peer6=$B6
	local ko=$KAB ki=$KBA
	if [ "$side" = b ]; then
		me4=$B4 peer4=$N4 ko=$KBA ki=$KAB
		o=0x502 i=0x501 o4=0x512 i4=0x511 o6=0x612 i6=0x611 me6=$B6 peer6=$A6
	fi
	cat <<-EOF
	state add src $me4 dst $peer4 proto esp spi $o reqid 5 mode tunnel $GCM $ko 128 $ENC 0.0.0.0
	state add src $peer4 dst $me4 proto esp spi $i reqid 5 mode tunnel $GCM $ki 128 $ENC 0.0.0.0
	state add src $me4 dst $peer4 proto esp spi $o4 reqid 6 mode transport $GCM $ko 128 $ENC 0.0.0.0
	state add src $peer4 dst $me4 proto esp spi $i4 reqid 6 mode transport $GCM $ki 128 $ENC 0.0.0.0
	state add src $me6 dst $peer6 proto esp spi $o6 reqid 7 mode transport $GCM $ko 128 $ENC ::
	state add src $peer6 dst $me6 proto esp spi $i6 reqid 7 mode transport $GCM $ki 128 $ENC ::
	policy add src $me4 dst $peer4 proto tcp dir out tmpl proto esp reqid 6 mode transport
	policy add src $peer4 dst $me4 proto tcp dir in tmpl proto esp reqid 6 mode transport
	policy add src $me6 dst $peer6 proto ipv6-icmp dir out tmpl proto esp reqid 7 mode transport
	policy add src $peer6 dst $me6 proto ipv6-icmp dir in tmpl proto esp reqid 7 mode transport
	EOF
	if [ "$side" = a ]; then
		cat <<-EOF
		policy add src 172.16.0.1/32 dst 172.16.9.0/24 dir out tmpl src $me4 dst $peer4 proto esp reqid 5 mode tunnel
		policy add src 172.16.9.0/24 dst 172.16.0.1/32 dir in tmpl src $peer4 dst $me4 proto esp reqid 5 mode tunnel
		EOF
	else
		cat <<-EOF
		policy add src 172.16.9.0/24 dst 172.16.0.1/32 dir out tmpl src $me4 dst $peer4 proto esp reqid 5 mode tunnel
		policy add src 172.16.0.1/32 dst 172.16.9.0/24 dir in tmpl src $peer4 dst $me4 proto esp reqid 5 mode tunnel
		EOF
	fi
}

# What XFRM needs to take ESP in UDP: a socket on 4500 with UDP_ENCAP
# (SOL_UDP 17, UDP_ENCAP 100, UDP_ENCAP_ESPINUDP 2), for each family.
ENCAP_SOCKS='
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

topology || { fail topology "setup failed"; finish; }

for peer in nfipsec xfrm; do
	t=$peer
	tunnel_clear "$b"
	ip netns exec "$r" conntrack -F >/dev/null 2>&1
	if [ $peer = xfrm ]; then
		rm -f /tmp/natt-ready
		run_bg ip netns exec "$b" python3 -c "$ENCAP_SOCKS" /tmp/natt-ready
		wait_until 30 test -e /tmp/natt-ready ||
			{ fail "$t.encap-socket" "no UDP_ENCAP socket"; continue; }
	fi
	conf a | tunnel_apply "$a" nfipsec ||
		{ fail "$t.config-a" "nfipsec refused the configuration"; continue; }
	conf b | tunnel_apply "$b" "$peer" ||
		{ fail "$t.config-b" "$peer refused the configuration"; continue; }

	cap=/tmp/natt-$t.pcap
	capture_start tpid "$r" eth0b "$cap" || { fail "$t.capture" "tcpdump did not start"; continue; }
	check "$t.tunnel-ping" ip netns exec "$a" ping -c 3 -i 0.3 -W 3 -I 172.16.0.1 172.16.9.1
	check_eq "$t.a-tunnel-out" "packets 3 bytes 252" "$(sa_stats "$a" $B4 0x501 packets bytes)"
	check_eq "$t.a-tunnel-in" "packets 3 bytes 252" "$(sa_stats "$a" $A4 0x502 packets bytes)"
	if [ $peer = nfipsec ]; then
		check_eq "$t.b-tunnel-in" "packets 3 bytes 252" "$(sa_stats "$b" $B4 0x501 packets bytes)"
	fi
	# TCP through the NAT in transport mode: checksums over the old
	# addresses arrive, and are not held against the packets.
	if iperf3_server "$b" 5201; then
		check "$t.transport-tcp" ip netns exec "$a" timeout 60 iperf3 -c $B4 -p 5201 -n 200K
	else
		fail "$t.transport-tcp" "iperf3 server did not start"
	fi
	check_match "$t.a-transport-in" '^packets [1-9]' "$(sa_stats "$a" $A4 0x512 packets)"
	check "$t.ping6" ip netns exec "$a" ping -6 -c 3 -i 0.3 -W 3 $B6
	check_eq "$t.a-out6" "packets 3 bytes 312" "$(sa_stats "$a" $B6 0x611 packets bytes)"
	check_eq "$t.a-in6" "packets 3 bytes 312" "$(sa_stats "$a" $A6 0x612 packets bytes)"
	capture_stop tpid

	pcap_count "$t.wire-no-plain-esp" 0 "$cap" "esp"
	pcap_count "$t.wire-nothing-in-clear" 0 "$cap" \
		"(ip and host $N4 and host $B4 and not udp port 4500) or net 172.16.0.0/16 or (ip6 and host $A6 and host $B6 and not udp port 4500)"
	pcap_count "$t.wire-udp4-from-nat" 3 "$cap" \
		"src host $N4 and udp src port 4500 and dst port 4500 and udp[8:4] == 0x501"
	pcap_count "$t.wire-udp6" 3 "$cap" \
		"src host $A6 and udp dst port 4500 and ip6[48:4] == 0x611"

	# GRO on b's link, fraglist included (TSO off on r's side: veth hands
	# forwarded packets to its peer's NAPI only then): 40 preloaded IPv6
	# pings through the NAT-T SA all come back. The lab's veths were not
	# seen to make bundles of them (in-encap-gso stays 0), so this shows
	# that GRO on does no harm, not that a bundle is split.
	[ $peer = nfipsec ] || continue
	if ip netns exec "$b" ethtool -K eth0 gro on rx-gro-list on &&
	   ip netns exec "$r" ethtool -K eth0b tso off; then
		read -r _ n <<< "$(sa_stats "$a" $A6 0x612 packets)"
		check "$t.gro-ping6" ip netns exec "$a" ping -6 -q -c 40 -l 40 -W 5 -s 1000 $B6
		check_eq "$t.gro-a-in6" "packets $((n + 40))" "$(sa_stats "$a" $A6 0x612 packets)"
		ip netns exec "$b" ethtool -K eth0 gro off rx-gro-list off
	else
		fail "$t.gro" "ethtool cannot turn GRO on"
	fi
done

# Plain ESP for an SA that expects it in UDP: a sends its tunnel packets
# as plain ESP (the NAT passes them), b drops them before decryption.
t=mismatch
tunnel_clear "$b"
conf a | sed '/spi 0x501 /s/ encap espinudp 4500 4500 0.0.0.0//' |
	tunnel_apply "$a" nfipsec || fail "$t.config-a" "nfipsec refused the configuration"
conf b | tunnel_apply "$b" nfipsec || fail "$t.config-b" "nfipsec refused the configuration"
check_fail "$t.not-delivered" 1 "$PING_LOST" \
	ip netns exec "$a" ping -c 3 -i 0.3 -W 1 -I 172.16.0.1 172.16.9.1
check_eq "$t.counted" "packets 0 encap-mismatch 3" "$(sa_stats "$b" $B4 0x501 packets encap-mismatch)"
stat_of "$b" in-state-mismatch
check_eq "$t.ns-counted" 3 "$REPLY"


# NAT rebinding: r gives a's flows a new mapping (conntrack flushed, a new
# source port; then a new address). b's inbound SAs see authenticated
# packets from it: MAPPING events in nfipsec monitor, at most one a second
# per SA. The tunnel's packets are still delivered; transport mode's, from
# another address, are dropped and counted.
t=mapping
MON=/tmp/natt-mapping.mon
conf a | tunnel_apply "$a" nfipsec || fail "$t.config-a" "nfipsec refused the configuration"
conf b | tunnel_apply "$b" nfipsec || fail "$t.config-b" "nfipsec refused the configuration"
ip netns exec "$r" conntrack -F >/dev/null 2>&1
nfipsec -n "$b" -j monitor mapping SA > "$MON" 2>&1 </dev/null &
bg_pids+=($!)
# Ready once it shows a probe SA's addition.
probe=0
mon_ready() {
	probe=$((probe + 1))
	echo "state add src 10.9.9.1 dst 10.9.9.2 proto esp spi 0x990$probe $GCM $KAB 128" |
		nfipsec -n "$b" -b - 2>/dev/null
	wait_until 2 file_has "$MON" "\"spi\":\"0x0000990$probe\""
}
wait_until 20 mon_ready || fail "$t.monitor" "no event seen: $(head -c 300 "$MON")"
conf b | tunnel_apply "$b" nfipsec
check "$t.ping-before" ip netns exec "$a" ping -c 1 -W 3 -I 172.16.0.1 172.16.9.1

remap() {
	ip netns exec "$r" nft flush chain ip nat post &&
		ip netns exec "$r" nft add rule ip nat post oifname eth0b \
			ip saddr 192.168.1.0/24 ip protocol udp "$@" &&
		ip netns exec "$r" conntrack -F >/dev/null 2>&1
}
remap masquerade to :5000 || fail "$t.remap-port" "nft refused"
read -r _ n <<< "$(sa_stats "$b" $B4 0x501 packets)"
# b's replies go to the old mapping: lost.
ip netns exec "$a" ping -c 3 -i 0.3 -W 1 -I 172.16.0.1 172.16.9.1 >/dev/null
check_eq "$t.tunnel-delivered" "packets $((n + 3))" "$(sa_stats "$b" $B4 0x501 packets)"
wait_until 5 file_has "$MON" '"new-sport":5000'
check_eq "$t.tunnel-event" 1 \
	"$(grep -c '"event":"mapping".*"spi":"0x00000501".*"new-src":"10.0.2.1","new-sport":5000' "$MON")"

ip -n "$r" addr add 10.0.2.3/24 dev eth0b
# A policy that would take TCP from anywhere through the transport SA, as
# a road warrior's: the drop is the SA's own.
nfipsec -n "$b" policy add src 0.0.0.0/0 dst $B4 proto tcp dir in \
	tmpl proto esp reqid 6 mode transport
remap snat to 10.0.2.3:5001 || fail "$t.remap-addr" "nft refused"
read -r _ n _ p <<< "$(sa_stats "$b" $B4 0x511 packets policy)"
ip netns exec "$a" timeout 2 bash -c "echo > /dev/tcp/$B4/5201" 2>/dev/null
wait_until 5 file_has "$MON" '"new-sport":5001'
check_match "$t.transport-event" '^[1-9]' \
	"$(grep -c '"event":"mapping".*"spi":"0x00000511".*"new-src":"10.0.2.3","new-sport":5001' "$MON")"
read -r _ n2 _ p2 <<< "$(sa_stats "$b" $B4 0x511 packets policy)"
check_eq "$t.transport-dropped" "packets $n more" \
	"packets $n2 $( ((p2 > p)) && echo more || echo "policy $p2, was $p")"
stat_of "$b" mapping
check_eq "$t.ns-counted" "$(grep -c '"event":"mapping"' "$MON")" "$REPLY"

finish
