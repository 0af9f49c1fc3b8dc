#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=75
# The seed's overlays on transport-mode ESP between two routers, a
# (192.168.1.2) and b (10.0.2.2), through router r:
#   a --- r --- b
#  - GRE over transport ESP (MikroTik's GRE-over-IPsec example): gre1,
#    10.99.0.1/30 to 10.99.0.2/30, protected by a policy for proto gre
#    between the routers. Pings over it; a MikroTik GRE keepalive (a GRE
#    packet carrying a GRE packet of protocol 0 back to its sender) comes
#    back through b and both SAs, as MikroTik expects.
#  - L2TPv3 over UDP 1701 (an ip l2tp static tunnel, an Ethernet session)
#    with UDP checksums on, in transport ESP in UDP 4500, r masquerading a
#    as 10.0.2.1: b's tunnel names a as 10.0.2.1, and the checksums, which
#    cover the addresses the NAT changed, are not held against the packets
#    (RFC 3948 3.1.2). Pings over l2tp0.
# Each first with nfipsec on both routers, then with b on Linux XFRM (the
# same ip xfrm lines). On the wire to b: only ESP (GRE) or UDP 4500 (L2TP)
# between the routers, nothing in clear; SA counters.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module

A4=192.168.1.2 N4=10.0.2.1 B4=10.0.2.2
KAB=0x00112233445566778899aabbccddeeff01020304
KBA=0x8f3e21d4c07a59b6e1d2c3b4a5968778a1b2c3d4
GCM="aead 'rfc4106(gcm(aes))'"

topology() {
	setup_ns a r b || return 1
	# IPv4 only: no link-local address (and no MLD report) on gre1 to
	# disturb the counts.
	for n in "$a" "$r" "$b"; do
		ns_sysctl "$n" net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	ns_sysctl "$r" net.ipv4.ip_forward=1 || return 1
	# b routes a MikroTik keepalive's inner packet back to a; its source
	# is b's own address.
	ns_sysctl "$b" net.ipv4.ip_forward=1 net.ipv4.conf.all.accept_local=1 ||
		return 1
	ip -n "$a" link add eth0 type veth peer name eth0a netns "$r" || return 1
	ip -n "$b" link add eth0 type veth peer name eth0b netns "$r" || return 1
	ip -n "$a" -b - <<-EOF || return 1
	addr add $A4/24 dev eth0
	link set eth0 up
	route add default via 192.168.1.1
	EOF
	ip -n "$r" -b - <<-EOF || return 1
	addr add 192.168.1.1/24 dev eth0a
	addr add $N4/24 dev eth0b
	link set eth0a up
	link set eth0b up
	EOF
	ip -n "$b" -b - <<-EOF || return 1
	addr add $B4/24 dev eth0
	link set eth0 up
	EOF
}

# gre_conf SIDE: ip-xfrm lines for router SIDE, GRE between the routers.
gre_conf() {
	local me=$A4 peer=$B4 o=0x801 i=0x802 ko=$KAB ki=$KBA
	[ "$1" = b ] && me=$B4 peer=$A4 o=0x802 i=0x801 ko=$KBA ki=$KAB
	cat <<-EOF
	state add src $me dst $peer proto esp spi $o reqid 8 mode transport $GCM $ko 128 replay-window 32
	state add src $peer dst $me proto esp spi $i reqid 8 mode transport $GCM $ki 128 replay-window 32
	policy add src $me dst $peer proto gre dir out tmpl proto esp reqid 8 mode transport
	policy add src $peer dst $me proto gre dir in tmpl proto esp reqid 8 mode transport
	EOF
}

# l2tp_conf SIDE: ip-xfrm lines for router SIDE, L2TP (UDP 1701) between
# the routers in ESP in UDP; b sees a as the NAT's address.
l2tp_conf() {
	local me=$A4 peer=$B4 o=0x811 i=0x812 ko=$KAB ki=$KBA
	[ "$1" = b ] && me=$B4 peer=$N4 o=0x812 i=0x811 ko=$KBA ki=$KAB
	local enc="encap espinudp 4500 4500 0.0.0.0"
	cat <<-EOF
	state add src $me dst $peer proto esp spi $o reqid 9 mode transport $GCM $ko 128 replay-window 32 $enc
	state add src $peer dst $me proto esp spi $i reqid 9 mode transport $GCM $ki 128 replay-window 32 $enc
	policy add src $me dst $peer proto udp dport 1701 dir out tmpl proto esp reqid 9 mode transport
	policy add src $peer dst $me proto udp sport 1701 dir in tmpl proto esp reqid 9 mode transport
	EOF
}

# A MikroTik GRE keepalive, sent from a raw socket: GRE (protocol IPv4)
# carrying an IPv4 packet from b to a that carries GRE of protocol 0.
GRE_KEEPALIVE='
import socket, struct, sys
a, b = sys.argv[1], sys.argv[2]
inner = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 24, 0x6b61, 0, 255, 47, 0,
                    socket.inet_aton(b), socket.inet_aton(a))
csum = sum(struct.unpack("!10H", inner))
csum = (csum & 0xffff) + (csum >> 16)
inner = inner[:10] + struct.pack("!H", ~csum & 0xffff) + inner[12:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
s.sendto(struct.pack("!HH", 0, 0x0800) + inner + struct.pack("!HH", 0, 0), (b, 0))
print("sent")
'

topology || { fail topology "setup failed"; finish; }

ip -n "$a" -b - <<-EOF || fail gre.setup "cannot make gre1 on a"
link add gre1 type gre local $A4 remote $B4 ttl 64
addr add 10.99.0.1/30 dev gre1
link set gre1 up
EOF
ip -n "$b" -b - <<-EOF || fail gre.setup "cannot make gre1 on b"
link add gre1 type gre local $B4 remote $A4 ttl 64
addr add 10.99.0.2/30 dev gre1
link set gre1 up
route add 192.168.1.0/24 via $N4
EOF

for peer in nfipsec xfrm; do
	t=gre-$peer
	tunnel_clear "$b"
	gre_conf a | tunnel_apply "$a" nfipsec ||
		{ fail "$t.config-a" "nfipsec refused the configuration"; continue; }
	gre_conf b | tunnel_apply "$b" "$peer" ||
		{ fail "$t.config-b" "$peer refused the configuration"; continue; }
	cap=/tmp/overlay-$t.pcap
	dcap=/tmp/overlay-$t-dec.pcap
	capture_start tpid "$r" eth0b "$cap" || { fail "$t.capture" "tcpdump did not start"; continue; }
	capture_start dpid "$a" nfipsec0 "$dcap" || { fail "$t.capture" "tcpdump did not start"; continue; }
	check "$t.ping" ip netns exec "$a" ping -c 3 -i 0.3 -W 3 10.99.0.2
	check_eq "$t.a-out" "packets 3" "$(sa_stats "$a" $B4 0x801 packets)"
	check_eq "$t.a-in" "packets 3" "$(sa_stats "$a" $A4 0x802 packets)"
	check_eq "$t.keepalive-sent" sent \
		"$(ip netns exec "$a" python3 -c "$GRE_KEEPALIVE" $A4 $B4)"
	wait_until 5 eval '[ "$(sa_stats "$a" $A4 0x802 packets)" = "packets 4" ]'
	check_eq "$t.keepalive-out" "packets 4" "$(sa_stats "$a" $B4 0x801 packets)"
	check_eq "$t.keepalive-back" "packets 4" "$(sa_stats "$a" $A4 0x802 packets)"
	capture_stop dpid
	capture_stop tpid
	# GRE of protocol 0 from b, decrypted on a: the keepalive's return.
	pcap_count "$t.keepalive-returned" 1 "$dcap" \
		"src host $B4 and ip proto 47 and ip[22:2] == 0"
	pcap_count "$t.wire-esp" 8 "$cap" "esp and host $A4 and host $B4"
	pcap_count "$t.wire-nothing-in-clear" 0 "$cap" \
		"host $A4 and host $B4 and not esp"
done
ip -n "$a" link del gre1
ip -n "$b" link del gre1
ip -n "$b" route del 192.168.1.0/24 via $N4

# L2TP through r's NAT.
ip netns exec "$r" nft -f - <<-EOF || fail l2tp.nat "nft refused"
table ip nat {
	chain post {
		type nat hook postrouting priority 100;
		oifname "eth0b" ip saddr 192.168.1.0/24 masquerade
	}
}
EOF
l2tp_up() {
	local ns=$1 local=$2 remote=$3 id=$4 pid=$5 addr=$6
	ip -n "$ns" l2tp add tunnel tunnel_id "$id" peer_tunnel_id "$pid" \
		encap udp local "$local" remote "$remote" udp_sport 1701 \
		udp_dport 1701 udp_csum on &&
	ip -n "$ns" l2tp add session name l2tp0 tunnel_id "$id" \
		session_id "$id" peer_session_id "$pid" &&
	ip -n "$ns" addr add "$addr" dev l2tp0 &&
	ip -n "$ns" link set l2tp0 up
}
l2tp_up "$a" $A4 $B4 10 20 10.98.0.1/30 || fail l2tp.setup "cannot make l2tp0 on a"
l2tp_up "$b" $B4 $N4 20 10 10.98.0.2/30 || fail l2tp.setup "cannot make l2tp0 on b"

for peer in nfipsec xfrm; do
	t=l2tp-$peer
	tunnel_clear "$b"
	ip netns exec "$r" conntrack -F >/dev/null 2>&1
	if [ $peer = xfrm ]; then
		xfrm_encap_socket "$b" ||
			{ fail "$t.encap-socket" "no UDP_ENCAP socket"; continue; }
	fi
	l2tp_conf a | tunnel_apply "$a" nfipsec ||
		{ fail "$t.config-a" "nfipsec refused the configuration"; continue; }
	# a speaks first, as an IKE initiator behind NAT does (IKE from its
	# port 4500, a root socket: in clear): r maps a's port 4500 to its own
	# 4500. Were b's first datagram to N4:4500 (its l2tp0's ARP or ND)
	# first, r would keep that tuple and map a to another port, to which
	# b's SA does not send.
	ip netns exec "$a" python3 -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$A4', 4500)); s.sendto(b'\\0\\0\\0\\0ike', ('$B4', 4500))" ||
		fail "$t.ike-first" "a could not send"
	ns_wait_until "$r" 10 "conntrack -L -p udp --orig-port-src 4500 --reply-port-dst 4500 2>/dev/null | grep -q ." ||
		fail "$t.ike-first" "r mapped a's port 4500 to another"
	l2tp_conf b | tunnel_apply "$b" "$peer" ||
		{ fail "$t.config-b" "$peer refused the configuration"; continue; }
	cap=/tmp/overlay-$t.pcap
	capture_start tpid "$r" eth0b "$cap" || { fail "$t.capture" "tcpdump did not start"; continue; }
	read -r _ o0 _ <<< "$(sa_stats "$a" $B4 0x811 packets)"
	read -r _ i0 _ <<< "$(sa_stats "$a" $A4 0x812 packets)"
	check "$t.ping" ip netns exec "$a" ping -c 3 -i 0.3 -W 3 10.98.0.2
	capture_stop tpid
	# The echoes, each in one datagram, and ARP when l2tp0's neighbour
	# entry from the round before has to be resolved again (timing: not
	# always): at least 3 each way, and the wire shows what the SA counted.
	read -r _ o1 _ <<< "$(sa_stats "$a" $B4 0x811 packets)"
	read -r _ i1 _ <<< "$(sa_stats "$a" $A4 0x812 packets)"
	check_eq "$t.a-out" more "$( ((o1 - o0 >= 3)) && echo more || echo "$((o1 - o0)) packets")"
	check_eq "$t.a-in" more "$( ((i1 - i0 >= 3)) && echo more || echo "$((i1 - i0)) packets")"
	# By ESP sequence number: the SA's packets counted between the two
	# reads are those of sequence o0+1..o1 (an ARP sent between the
	# capture's start and the first read is on the wire, counted before).
	n=$(tcpdump -r "$cap" -nn "src host $N4 and udp src port 4500 and dst port 4500 and udp[8:4] == 0x811 and udp[12:4] > $o0 and udp[12:4] <= $o1" 2>/dev/null | grep -c .)
	check_eq "$t.wire-udp-from-nat" "$((o1 - o0))" "$n"
	pcap_count "$t.wire-nothing-in-clear" 0 "$cap" \
		"ip and host $B4 and not udp port 4500"
done

finish
