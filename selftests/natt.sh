#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=160
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
# GRO on. SAs with follow-mapping take a new port themselves (IPv4 and
# IPv6), not from forged or replayed packets; SAs with nat-keepalive send
# keepalives when idle.
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
# (odd: a to b). b's inbound transport SA has a's original address (OA).
conf() {
	local side=$1 me4=$A4 peer4=$B4
	local o=0x501 i=0x502 o4=0x511 i4=0x512 o6=0x611 i6=0x612 me6=$A6 peer6=$B6
	local ko=$KAB ki=$KBA oa4=0.0.0.0
	if [ "$side" = b ]; then
		me4=$B4 peer4=$N4 ko=$KBA ki=$KAB oa4=$A4
		o=0x502 i=0x501 o4=0x512 i4=0x511 o6=0x612 i6=0x611 me6=$B6 peer6=$A6
	fi
	cat <<-EOF
	state add src $me4 dst $peer4 proto esp spi $o reqid 5 mode tunnel $GCM $ko 128 replay-window 32 $ENC 0.0.0.0
	state add src $peer4 dst $me4 proto esp spi $i reqid 5 mode tunnel $GCM $ki 128 replay-window 32 $ENC 0.0.0.0
	state add src $me4 dst $peer4 proto esp spi $o4 reqid 6 mode transport $GCM $ko 128 replay-window 32 $ENC 0.0.0.0
	state add src $peer4 dst $me4 proto esp spi $i4 reqid 6 mode transport $GCM $ki 128 replay-window 32 $ENC $oa4
	state add src $me6 dst $peer6 proto esp spi $o6 reqid 7 mode transport $GCM $ko 128 replay-window 32 $ENC ::
	state add src $peer6 dst $me6 proto esp spi $i6 reqid 7 mode transport $GCM $ki 128 replay-window 32 $ENC ::
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

topology || { fail topology "setup failed"; finish; }

for peer in nfipsec xfrm; do
	t=$peer
	tunnel_clear "$b"
	ip netns exec "$r" conntrack -F >/dev/null 2>&1
	if [ $peer = xfrm ]; then
		xfrm_encap_socket "$b" ||
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
	# addresses arrive, and are not held against the packets. b's SA
	# knows a's original address (OA), so nfipsec fixes the checksums up
	# for the NAT's (RFC 3948 3.1.2): the SYNs captured on nfipsec0 (GRO
	# merges the rest) verify. a's cannot: its own address was translated.
	scap=/tmp/natt-$t-syn.pcap
	[ $peer = nfipsec ] &&
		{ capture_start spid "$b" nfipsec0 "$scap" 'tcp[tcpflags] & tcp-syn != 0' ||
		  fail "$t.syn-capture" "tcpdump did not start"; }
	if iperf3_server "$b" 5201; then
		check "$t.transport-tcp" ip netns exec "$a" timeout 60 iperf3 -c $B4 -p 5201 -n 200K
	else
		fail "$t.transport-tcp" "iperf3 server did not start"
	fi
	if [ $peer = nfipsec ]; then
		capture_stop spid
		syns=$(tcpdump -r "$scap" -nn -v 2>/dev/null | grep -c "$N4\..* > $B4\.5201:")
		good=$(tcpdump -r "$scap" -nn -v 2>/dev/null | grep -c "$N4\..* > $B4\.5201:.*cksum 0x[0-9a-f]* (correct)")
		if [ "$syns" -ge 1 ] && [ "$good" = "$syns" ]; then
			pass "$t.oa-checksum-fixed"
		else
			keep_artifact "$scap"
			fail "$t.oa-checksum-fixed" "$good of $syns SYNs from $N4 have a correct checksum"
		fi
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

	# Implementations no one here wrote: tshark decodes the captured ESP
	# in UDP (the tunnel's three echo requests, sequence numbers 1-3),
	# scapy's SecurityAssociation (nat_t_header) decrypts them, and its
	# own packet, sent from a through the NAT, is taken by b and answered
	# through the tunnel (b's window moves to 100: nothing else of 0x501
	# follows in this round).
	check_eq "$t.tshark-esp-in-udp" "0x00000501 1|0x00000501 2|0x00000501 3" \
		"$(tshark -r "$cap" -Y "ip.src == $N4 && udp.port == 4500 && esp.spi == 0x501" \
			-T fields -e esp.spi -e esp.sequence 2>/dev/null | tr '\t\n' ' |' | sed 's/|$//')"
	read -r _ n0 <<< "$(sa_stats "$a" $A4 0x502 packets)"
	check_eq "$t.scapy-decrypts" "decoded 3 inner 3 sent 1" \
		"$(ip netns exec "$a" /usr/bin/python3 "$(dirname "$0")/natt_check.py" "$cap" \
			0x501 $KAB $A4 $B4 172.16.0.1 172.16.9.1 100 2>&1 | tail -n 3)"
	answered() { [ "$(sa_stats "$a" $A4 0x502 packets)" = "packets $((n0 + 1))" ]; }
	wait_until 5 answered
	check_eq "$t.scapy-packet-answered" "packets $((n0 + 1))" "$(sa_stats "$a" $A4 0x502 packets)"

	# GRO on b's link, fraglist included (TSO off on r's side: veth hands
	# forwarded packets to its peer's NAPI only then), and netem slots on
	# r's link to b so the packets reach b's NAPI in bursts GRO can bundle:
	# 40 preloaded IPv6 pings through the NAT-T SA all come back, and b
	# split bundles of them (in-encap-gso) to decrypt each datagram.
	[ $peer = nfipsec ] || continue
	if ! ip netns exec "$b" ethtool -K eth0 gro on rx-gro-list on ||
	   ! ip netns exec "$r" ethtool -K eth0b tso off; then
		fail "$t.gro" "ethtool cannot turn GRO on"
	elif ! tc -n "$r" qdisc add dev eth0b root netem slot 30ms 30ms; then
		fail "$t.gro" "tc cannot add netem slots"
	else
		read -r _ n <<< "$(sa_stats "$a" $A6 0x612 packets)"
		stat_of "$b" in-encap-gso; gso=${REPLY:-0}
		check "$t.gro-ping6" ip netns exec "$a" ping -6 -q -c 40 -l 40 -W 5 -s 1000 $B6
		check_eq "$t.gro-a-in6" "packets $((n + 40))" "$(sa_stats "$a" $A6 0x612 packets)"
		stat_of "$b" in-encap-gso
		if [ "${REPLY:-0}" -gt "$gso" ]; then
			pass "$t.gro-bundles-split"
		else
			fail "$t.gro-bundles-split" "in-encap-gso went from $gso to ${REPLY:-0}"
		fi
		tc -n "$r" qdisc del dev eth0b root
	fi
	ip netns exec "$b" ethtool -K eth0 gro off rx-gro-list off
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

# follow-mapping: b's inbound tunnel SA takes a's new port itself, and
# moves b's SA back to a with it: b's replies reach a through the new
# mapping (they were lost above). A forged packet, and a replayed one,
# from yet another port move nothing.
t=follow
echo "state update src $N4 dst $B4 proto esp spi 0x501 reqid 5 mode tunnel $GCM $KAB 128 replay-window 32 $ENC 0.0.0.0 follow-mapping" |
	nfipsec -n "$b" -b - || fail "$t.config" "nfipsec refused follow-mapping"
check_match "$t.shown" "follow-mapping" "$(nfipsec -n "$b" state get dst $B4 proto esp spi 0x501)"
remap masquerade to :5002 || fail "$t.remap" "nft refused"
out=$(ip netns exec "$a" ping -c 3 -i 0.3 -W 2 -I 172.16.0.1 172.16.9.1)
check_match "$t.replies" " 3 received" "$out"
check_eq "$t.in-sport" "sport 5002" "$(sa_stats "$b" $B4 0x501 sport)"
check_eq "$t.out-dport" "dport 5002" "$(sa_stats "$b" $N4 0x502 dport)"
check_eq "$t.ns-counted" 1 "$(nfipsec_stat "$b" mapping-followed)"

# An update that does not name it keeps it (as XFRM keeps its keepalive
# interval). It is refused where it would trust what it must not: an SA
# without reqid, without replay window, without ICV.
echo "state update src $N4 dst $B4 proto esp spi 0x501 reqid 5 mode tunnel $GCM $KAB 128 replay-window 32 $ENC 0.0.0.0" |
	nfipsec -n "$b" -b - || fail "$t.update" "nfipsec refused the update"
check_match "$t.kept-by-update" "follow-mapping" "$(nfipsec -n "$b" state get dst $B4 proto esp spi 0x501)"
FSA="state add src $N4 dst $B4 proto esp spi 0x5ff mode tunnel"
check_fail "$t.needs-reqid" 2 "follow-mapping needs a reqid" \
	nfipsec -n "$b" -b - <<< "$FSA $GCM $KAB 128 replay-window 32 $ENC 0.0.0.0 follow-mapping"
check_fail "$t.needs-window" 2 "follow-mapping needs a replay-window" \
	nfipsec -n "$b" -b - <<< "$FSA reqid 5 $GCM $KAB 128 $ENC 0.0.0.0 follow-mapping"
check_fail "$t.needs-icv" 2 "follow-mapping needs an ICV" \
	nfipsec -n "$b" -b - <<< "$FSA reqid 5 enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff replay-window 32 $ENC 0.0.0.0 follow-mapping"

# b's SA of another reqid to the same address stays where it was.
check_eq "$t.other-reqid-kept" "dport 4500" "$(sa_stats "$b" $N4 0x512 dport)"

# What must not move it. r holds back one of a's packets (N) while the
# next ones pass, then sends from ports of its own (it owns 10.0.2.1): a
# forged packet (SPI 0x501, a sequence number far ahead, no valid ICV)
# from 6000; N from 6001, late but authenticated and new to the window,
# so delivered; N again from 6001, now a replay.
INJECT='
import os, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind(("eth0a", 0))
s.settimeout(20)
open(sys.argv[1], "w").write("ready")
while True:
    ip = s.recv(2048)[14:]
    udp = ip[(ip[0] & 15) * 4:]
    if ip[9] == 17 and udp[2:4] == bytes([0x11, 0x94]) and udp[8:12] == bytes([0, 0, 5, 1]):
        break
open(sys.argv[2], "w").write("captured")
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
def send(port, data):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("10.0.2.1", port))
    u.sendto(data, ("10.0.2.2", 4500))
    time.sleep(0.3)
send(6000, bytes([0, 0, 5, 1, 0x7f, 0xff, 0xff, 0xff]) + bytes(64))
send(6001, udp[8:])
send(6001, udp[8:])
print("sent seq %d" % int.from_bytes(udp[12:16], "big"))
'
rm -f /tmp/natt-inject.ready /tmp/natt-inject.captured /tmp/natt-inject.go
ip netns exec "$r" python3 -c "$INJECT" /tmp/natt-inject.ready \
	/tmp/natt-inject.captured /tmp/natt-inject.go > /tmp/natt-inject.out 2>&1 &
inj=$!
bg_pids+=("$inj")
if wait_until 20 test -e /tmp/natt-inject.ready; then
	ip netns exec "$r" nft -f - <<-EOF
	table inet hold501 {
		chain forward {
			type filter hook forward priority 0;
			udp dport 4500 @th,64,32 0x501 drop
		}
	}
	EOF
	check_fail "$t.held-back" 1 "$PING_LOST" \
		ip netns exec "$a" ping -c 1 -W 1 -I 172.16.0.1 172.16.9.1
	wait_until 10 test -e /tmp/natt-inject.captured
	ip netns exec "$r" nft delete table inet hold501
	out=$(ip netns exec "$a" ping -c 2 -i 0.3 -W 2 -I 172.16.0.1 172.16.9.1)
	check_match "$t.later-passed" " 2 received" "$out"
	read -r _ n _ integ _ repl _ top <<< "$(sa_stats "$b" $B4 0x501 packets integrity replay replay-top)"
	touch /tmp/natt-inject.go
	wait "$inj"
fi
check_match "$t.injected" "^sent seq [0-9]" "$(cat /tmp/natt-inject.out)"
want="packets $((n + 1)) integrity $((integ + 1)) replay $((repl + 1))"
wait_until 5 eval '[ "$(sa_stats "$b" $B4 0x501 packets integrity replay)" = "$want" ]'
got=$(sa_stats "$b" $B4 0x501 packets integrity replay)
if [ "$got" = "$want" ]; then
	pass "$t.forged-late-replayed"
else
	fail "$t.forged-late-replayed" "expected '$want', got '$got' (replay-top was $top; $(cat /tmp/natt-inject.out))"
fi
check_eq "$t.none-followed" "sport 5002 dport 5002" \
	"$(sa_stats "$b" $B4 0x501 sport) $(sa_stats "$b" $N4 0x502 dport)"

# IPv6, routed here: r gives a's ESP in UDP another port, its address
# kept. b's transport SA follows it, and b's SA back to a; MAPPING names
# the new port.
t=follow6
echo "state update src $A6 dst $B6 proto esp spi 0x611 reqid 7 mode transport $GCM $KAB 128 replay-window 32 $ENC :: follow-mapping" |
	nfipsec -n "$b" -b - || fail "$t.config" "nfipsec refused follow-mapping"
ip netns exec "$r" nft -f - <<-EOF || fail "$t.nat" "nft refused"
table ip6 nat6 {
	chain post {
		type nat hook postrouting priority 100;
		oifname "eth0b" ip6 saddr $A6 udp sport 4500 snat to [$A6]:5003
	}
}
EOF
ip netns exec "$r" conntrack -F >/dev/null 2>&1
out=$(ip netns exec "$a" ping -6 -c 3 -i 0.3 -W 2 $B6)
check_match "$t.replies" " 3 received" "$out"
check_eq "$t.in-sport" "sport 5003" "$(sa_stats "$b" $B6 0x611 sport)"
check_eq "$t.out-dport" "dport 5003" "$(sa_stats "$b" $A6 0x612 dport)"
wait_until 5 file_has "$MON" '"new-sport":5003'
check_eq "$t.event" 1 \
	"$(grep -c '"event":"mapping".*"spi":"0x00000611".*"new-src":"fd00:1::2","new-sport":5003' "$MON")"

# NAT keepalives: a's SAs to b with nat-keepalive 3 send one byte, 0xFF,
# from port 4500 once they have sent nothing for 3 s, none while they
# carry traffic (a's tunnel SA for 5 s after it is set). Counted.
t=keepalive
cap=/tmp/natt-keepalive.pcap
KA4="src host $N4 and udp dst port 4500 and udp[4:2] == 9 and udp[8] == 0xff"
KA6="src host $A6 and ip6[6] == 17 and ip6[42:2] == 4500 and ip6[44:2] == 9 and ip6[48] == 0xff"
capture_start tpid "$r" eth0b "$cap" || fail "$t.capture" "tcpdump did not start"
ip netns exec "$a" ping -q -c 30 -i 0.2 -W 2 -I 172.16.0.1 172.16.9.1 > /tmp/natt-ka-ping.out &
ping_pid=$!
nap 1
conf a | grep -E "spi (0x501|0x611) " | sed 's/^state add/state update/; s/$/ nat-keepalive 3/' |
	nfipsec -n "$a" -b - || fail "$t.config" "nfipsec refused nat-keepalive"
check_match "$t.shown" "nat-keepalive 3" "$(nfipsec -n "$a" state get dst $B4 proto esp spi 0x501)"
wait "$ping_pid"
t_end=$EPOCHREALTIME
nap 7
# Off before the capture ends: every keepalive counted is on the wire.
conf a | grep -E "spi (0x501|0x611) " | sed 's/^state add/state update/; s/$/ nat-keepalive 0/' |
	nfipsec -n "$a" -b - || fail "$t.config-off" "nfipsec refused nat-keepalive 0"
nap 0.5
capture_stop tpid
check_match "$t.traffic-passed" " 30 received" "$(cat /tmp/natt-ka-ping.out)"
during=0 after=0
while read -r ts _; do
	if [[ ${ts/./} -lt ${t_end/./} ]]; then during=$((during + 1)); else after=$((after + 1)); fi
done < <(tcpdump -tt -nn -r "$cap" "$KA4" 2>/dev/null)
check_eq "$t.none-with-traffic4" 0 "$during"
# Every 3 s (the work sends up to a second early to batch them).
check_match "$t.sent-idle4" '^[2-4]$' "$after"
n6=$(tcpdump -nn -r "$cap" "$KA6" 2>/dev/null | grep -c .)
check_match "$t.sent-idle6" '^[2-9]$' "$n6"
check_eq "$t.udp6-checksum-good" "$n6" \
	"$(tcpdump -vv -nn -r "$cap" "$KA6" 2>/dev/null | grep -c 'udp sum ok')"
check_eq "$t.ns-counted" $((during + after + n6)) "$(nfipsec_stat "$a" nat-keepalive)"
# b drops them (they come from its SAs' peers) instead of answering
# port unreachable.
check_eq "$t.b-dropped" $((during + after + n6)) "$(nfipsec_stat "$b" in-nat-keepalive)"
[ "$after" -ge 2 ] && [ "$n6" -ge 2 ] || keep_artifact "$cap"

# SA_MIGRATE (migrate_check.py: the strongSwan plugin's update_sa for a new
# NAT mapping): only an encapsulated SA's ports move, in place (sequence
# numbers and lifetimes kept), and bad requests change nothing.
t=migrate
setup_ns m || fail "$t.ns" "no namespace"
SA77="src 10.77.0.1 dst 10.77.0.2 proto esp mode tunnel replay-oseq 41 $GCM $KAB 128 limit time-soft 3000"
nfipsec -n "$m" -b - <<-EOF || fail "$t.sas" "nfipsec refused the SAs"
state add $SA77 spi 0x7701 $ENC 0.0.0.0
state add $SA77 spi 0x7702
EOF
sa77() {	# SPI: its encap line, counters and lifetime, on one line
	nfipsec -n "$m" -s state get dst 10.77.0.2 proto esp spi "$1" |
		grep -E "encap|seq-out|expire add|^src" | tr '\n\t' '  '
}
before1=$(sa77 0x7701) before2=$(sa77 0x7702)
raw=$(ip netns exec "$m" python3 "$(dirname "$0")/migrate_check.py" \
	"$(dirname "$0")/../uapi/nfipsec.h" 2>&1)
check_eq "$t.ran" "0 8" "$? $(grep -c ' errno=' <<< "$raw")" || echo "$raw" | tail -5
mig_case() {	# NAME ERRNO MESSAGE-REGEX
	check_match "$t.$1" "^$1 errno=$2 message=$3" "$(grep "^$1 " <<< "$raw")"
}
mig_case nosa 2 'no SA with this dst, spi and proto$'
mig_case plain 22 'the SA has no encapsulation of this type'
mig_case extra-src 22 'SA_MIGRATE takes dst, spi, proto and encap only$'
mig_case no-encap 22 'SA_MIGRATE needs encap'
mig_case port0 22 'encap ports cannot be 0$'
mig_case follow 22 'SA_MIGRATE changes the ports only$'
mig_case oa 22 'SA_MIGRATE cannot change the original address$'
mig_case ok 0 '$'
after1=$(sa77 0x7701)
check_eq "$t.moved-in-place" "${before1/sport 4500 dport 4500/sport 5000 dport 4501}" "$after1"
check_match "$t.seq-kept" "seq-out 41 " "$after1"
check_eq "$t.plain-unchanged" "$before2" "$(sa77 0x7702)"

finish
