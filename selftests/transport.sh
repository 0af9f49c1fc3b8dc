#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=215
# Transport mode ESP between hosts a (10.0.1.1, fd00:1::1) and b (10.0.2.2,
# fd00:2::2), through routers r1 and r2, whose link has MTU 1400:
#   a --(1500)-- r1 --(1400)-- r2 --(1500)-- b
# SAs with a selector ("sel src A dst B"), host-to-host policies with
# transport templates, IPv4 and IPv6. First nfipsec on both hosts, then b on
# Linux XFRM (ip xfrm, the same lines): pings both ways, TCP both ways
# (full-size segments: the hosts' own sockets learn the MTU left after ESP,
# then, from the routers' ICMP errors, after the 1400-byte link), per-SA
# counters, nothing but ESP between a and b on the wire, no IPv4 ESP
# fragments. IPv6 with hop-by-hop and destination options both ways: ESP
# goes after them, as XFRM puts it, and they arrive. Large UDP from
# sockets that let the stack fragment: ESP fragmented at the 1400-byte
# path, not lost there. Then what must fail: a packet of b's SA whose
# source was rewritten on the way, one its SA's selector does not take,
# and an IPv6 fragment inside ESP are dropped and counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module

A4=10.0.1.1 B4=10.0.2.2 A6=fd00:1::1 B6=fd00:2::2
KAB=0x00112233445566778899aabbccddeeff01020304
KBA=0x8f3e21d4c07a59b6e1d2c3b4a5968778a1b2c3d4
GCM="aead 'rfc4106(gcm(aes))'"

topology() {
	local n
	setup_ns a r1 r2 b || return 1
	ns_quiet_ipv6 "$a" "$r1" "$r2" "$b" || return 1
	for n in "$r1" "$r2"; do
		ns_sysctl "$n" net.ipv4.ip_forward=1 \
			net.ipv6.conf.all.forwarding=1 || return 1
	done
	ip -n "$a" link add eth0 type veth peer name eth0a netns "$r1" || return 1
	ip -n "$r1" link add eth0b type veth peer name eth0a netns "$r2" || return 1
	ip -n "$b" link add eth0 type veth peer name eth0b netns "$r2" || return 1
	ip -n "$a" -b - <<-EOF || return 1
	addr add $A4/24 dev eth0
	addr add $A6/64 dev eth0 nodad
	link set eth0 up
	route add default via 10.0.1.254
	route add default via fd00:1::fe
	EOF
	ip -n "$r1" -b - <<-EOF || return 1
	addr add 10.0.1.254/24 dev eth0a
	addr add fd00:1::fe/64 dev eth0a nodad
	addr add 10.0.3.1/24 dev eth0b
	addr add fd00:3::1/64 dev eth0b nodad
	link set eth0a up
	link set eth0b mtu 1400 up
	route add 10.0.2.0/24 via 10.0.3.2
	route add fd00:2::/64 via fd00:3::2
	EOF
	ip -n "$r2" -b - <<-EOF || return 1
	addr add 10.0.3.2/24 dev eth0a
	addr add fd00:3::2/64 dev eth0a nodad
	addr add 10.0.2.254/24 dev eth0b
	addr add fd00:2::fe/64 dev eth0b nodad
	link set eth0a mtu 1400 up
	link set eth0b up
	route add 10.0.1.0/24 via 10.0.3.1
	route add fd00:1::/64 via fd00:3::1
	EOF
	ip -n "$b" -b - <<-EOF || return 1
	addr add $B4/24 dev eth0
	addr add $B6/64 dev eth0 nodad
	link set eth0 up
	route add default via 10.0.2.254
	route add default via fd00:2::fe
	EOF
}

# conf SIDE [WORDS]: ip-xfrm lines for host SIDE (a or b), both families:
# SPI 0x401/0x601 from a to b, 0x402/0x602 back. WORDS: more selector
# words for the IPv4 SA from b to a.
conf() {
	local side=$1 more=${2:-} f me peer
	for f in 4 6; do
		eval "me=\$A$f peer=\$B$f"
		[ $f = 6 ] && more=
		echo "state add src $me dst $peer proto esp spi 0x${f}01 reqid $f mode transport $GCM $KAB 128 sel src $me dst $peer"
		echo "state add src $peer dst $me proto esp spi 0x${f}02 reqid $f mode transport $GCM $KBA 128 sel src $peer dst $me $more"
		if [ "$side" = a ]; then
			echo "policy add src $me dst $peer dir out tmpl proto esp reqid $f mode transport"
			echo "policy add src $peer dst $me dir in tmpl proto esp reqid $f mode transport"
		else
			echo "policy add src $peer dst $me dir out tmpl proto esp reqid $f mode transport"
			echo "policy add src $me dst $peer dir in tmpl proto esp reqid $f mode transport"
		fi
	done
}

# tcp NAME NS SERVER-NS ADDR [-R]: 300 KB of TCP, within 60 s.
tcp() {
	local name=$1 ns=$2 srv=$3 addr=$4
	shift 4
	if ! iperf3_server "$srv" 5201; then
		fail "$name" "iperf3 server did not start"
		return
	fi
	check "$name" ip netns exec "$ns" timeout 60 iperf3 -c "$addr" -p 5201 -n 300K "$@"
}

# UDP with IPv6 hop-by-hop and destination options (PadN), as sticky
# socket options: udp6_opts NAME FROM-NS TO-NS TO-ADDR. The receiver must
# get the datagram with both options.
RECV6='
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPOPTS, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVDSTOPTS, 1)
s.bind(("::", 7777))
open(sys.argv[1], "w").write("ready")
s.settimeout(20)
data, anc, flags, addr = s.recvmsg(100, 200)
print(data.decode(), sorted(t for _, t, _ in anc))
'
SEND6='
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
pad = bytes([0, 0, 1, 4, 0, 0, 0, 0])	# next header, length, PadN
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, pad)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, pad)
s.sendto(b"hello", (sys.argv[1], 7777))
'
udp6_opts() {
	local name=$1 from=$2 to=$3 addr=$4 out ready=/tmp/transport-ready-$1
	rm -f "$ready"
	py_bg "$to" "/tmp/transport-$name.out" -c "$RECV6" "$ready"
	local id=$REPLY
	if ! wait_until 30 test -e "$ready"; then
		fail "$name" "receiver did not start: $(cat "/tmp/transport-$name.out")"
		return
	fi
	py "$from" -c "$SEND6" "$addr"
	py_wait "$id"
	out=$(cat "/tmp/transport-$name.out")
	# 54: IPV6_HOPOPTS, 59: IPV6_DSTOPTS (ancillary data types)
	check_eq "$name" "hello [54, 59]" "$out"
}

# Large UDP from sockets that let the stack fragment (UDP's default):
# big_udp NAME FROM-NS TO-NS TO-ADDR. A datagram whose ESP packet fits the
# first link but not r's 1400-byte one leaves with DF (IPv4) or whole
# (IPv6): after r's error the SA knows the path MTU, and the next ones must
# be fragmented after ESP, not lost at r again. Three must arrive.
BIGRECV='
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 7778))
open(sys.argv[1], "w").write("ready")
s.settimeout(20)	# the sender starts slowly on a loaded guest
n = 0
try:
    while n < 3:
        data = s.recv(2000)
        n += len(data) == 1400 and data[0] == 1
except socket.timeout:
    pass
print(n)
'
BIGSEND='
import socket, sys, time
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.sendto(bytes(1400), (sys.argv[1], 7778))	# the probe r answers
time.sleep(1)
for i in range(3):
    s.sendto(bytes([1]) + bytes(1399), (sys.argv[1], 7778))
    time.sleep(0.2)
'
big_udp() {
	local name=$1 from=$2 to=$3 addr=$4 ready=/tmp/transport-ready-$1
	rm -f "$ready"
	py_bg "$to" "/tmp/transport-$name.out" -c "$BIGRECV" "$ready" "$addr"
	local id=$REPLY
	if ! wait_until 30 test -e "$ready"; then
		fail "$name" "receiver did not start: $(cat "/tmp/transport-$name.out")"
		return
	fi
	py "$from" -c "$BIGSEND" "$addr"
	py_wait "$id"
	check_eq "$name" 3 "$(cat "/tmp/transport-$name.out")"
}

topology || { fail topology "setup failed"; finish; }
# The python snippets' processes: forked by one python a namespace.
py_agent "$a" && py_agent "$b" || { fail py-agent "cannot start python"; finish; }

for peer in nfipsec xfrm; do
	t=$peer
	tunnel_clear "$b"
	# What the previous round taught the routes is forgotten.
	for n in "$a" "$b"; do
		ip -n "$n" route flush cache
		ip -n "$n" -6 route flush cache
	done
	conf a | tunnel_apply "$a" nfipsec ||
		{ fail "$t.config-a" "nfipsec refused the configuration"; continue; }
	conf b | tunnel_apply "$b" "$peer" ||
		{ fail "$t.config-b" "$peer refused the configuration"; continue; }

	cap=/tmp/transport-$t.pcap
	capture_start tpid "$r1" eth0a "$cap" || { fail "$t.capture" "tcpdump did not start"; continue; }
	check "$t.ping4" ip netns exec "$a" ping -c 3 -i 0.3 -W 3 $B4
	check "$t.ping6" ip netns exec "$a" ping -6 -c 3 -i 0.3 -W 3 $B6
	# 3 requests out, 3 replies in, per family: 84 bytes (IPv4), 104 (IPv6).
	check_eq "$t.a-out4" "packets 3 bytes 252" "$(sa_stats "$a" $B4 0x401 packets bytes)"
	check_eq "$t.a-in4" "packets 3 bytes 252" "$(sa_stats "$a" $A4 0x402 packets bytes)"
	check_eq "$t.a-out6" "packets 3 bytes 312" "$(sa_stats "$a" $B6 0x601 packets bytes)"
	check_eq "$t.a-in6" "packets 3 bytes 312" "$(sa_stats "$a" $A6 0x602 packets bytes)"
	if [ $peer = nfipsec ]; then
		check_eq "$t.b-in4" "packets 3 bytes 252" "$(sa_stats "$b" $B4 0x401 packets bytes)"
		check_eq "$t.b-out6" "packets 3 bytes 312" "$(sa_stats "$b" $A6 0x602 packets bytes)"
	fi

	# Full-size TCP: the senders learn the MTU after ESP (and r's 1400).
	# Each family: a tells its sockets (out-frag-needed) and learns the
	# 1400-byte link from r1 (in-pmtu), so both counters grow.
	for f in 4 6; do
		stat_of "$a" out-frag-needed; told=$REPLY
		stat_of "$a" in-pmtu; learned=$REPLY
		eval "tcp \"\$t.tcp$f-a-to-b\" \"\$a\" \"\$b\" \$B$f"
		eval "tcp \"\$t.tcp$f-b-to-a\" \"\$a\" \"\$b\" \$B$f -R"
		stat_of "$a" out-frag-needed
		check_eq "$t.a-told-its-sockets$f" more \
			"$( ((REPLY > told)) && echo more || echo "$REPLY, was $told")"
		stat_of "$a" in-pmtu
		check_eq "$t.a-learned-path-mtu$f" more \
			"$( ((REPLY > learned)) && echo more || echo "$REPLY, was $learned")"
	done

	udp6_opts "$t.ext6-a-to-b" "$a" "$b" $B6
	udp6_opts "$t.ext6-b-to-a" "$b" "$a" $A6
	capture_stop tpid

	# Large UDP, fragmented after ESP: a capture of its own. Without the
	# exceptions TCP left (IPv6 would fragment at them).
	for n in "$a" "$b"; do
		ip -n "$n" route flush cache
		ip -n "$n" -6 route flush cache
	done
	bigcap=/tmp/transport-$t-big.pcap
	capture_start bpid "$r1" eth0a "$bigcap" ||
		fail "$t.big-capture" "tcpdump did not start"
	for f in 4 6; do
		eval "big_udp \"\$t.big-udp$f-a-to-b\" \"\$a\" \"\$b\" \$B$f"
		eval "big_udp \"\$t.big-udp$f-b-to-a\" \"\$b\" \"\$a\" \$A$f"
	done
	capture_stop bpid
	pcap_count "$t.big-nothing-in-clear4" 0 "$bigcap" "host $A4 and host $B4 and not esp"
	pcap_count "$t.big-nothing-in-clear6" 0 "$bigcap" \
		"host $A6 and host $B6 and not ip6 protochain 50"

	pcap_count "$t.wire-nothing-in-clear4" 0 "$cap" "host $A4 and host $B4 and not esp"
	pcap_count "$t.wire-nothing-in-clear6" 0 "$cap" \
		"host $A6 and host $B6 and not ip6 protochain 50"
	pcap_count "$t.wire-no-esp-fragments4" 0 "$cap" "ip and esp and ip[6:2] & 0x3fff != 0"
	# ESP after hop-by-hop (8 bytes) and destination options, both ways.
	pcap_count "$t.wire-hbh-dst-esp-a" 1 "$cap" \
		"src host $A6 and ip6[6] == 0 and ip6[40] == 60 and ip6[48] == 50"
	pcap_count "$t.wire-hbh-dst-esp-b" 1 "$cap" \
		"src host $B6 and ip6[6] == 0 and ip6[40] == 60 and ip6[48] == 50"
done

# b on XFRM still. A packet of b's SA whose source is rewritten on the way
# (SNAT on b) is dropped before decryption, counted against the SA.
t=spoof
ip netns exec "$b" nft -f - <<-EOF || fail "$t.nft" "cannot set up SNAT"
	table ip nfipsec_spoof {
		chain post {
			type nat hook postrouting priority 100;
			ip protocol esp snat to 10.0.2.3
		}
	}
EOF
read -r _ n _ p _ top <<< "$(sa_stats "$a" $A4 0x402 packets policy replay-top)"
check_fail "$t.not-delivered" 1 "$PING_LOST" ip netns exec "$b" ping -c 3 -i 0.3 -W 1 $A4
# Refused before decryption: the replay window did not move.
check_eq "$t.counted" "packets $n policy $((p + 3)) replay-top $top" \
	"$(sa_stats "$a" $A4 0x402 packets policy replay-top)"
ip netns exec "$b" nft delete table ip nfipsec_spoof

# a takes only UDP from b by its IPv4 SA's selector: b's pings, encrypted
# by XFRM, are dropped after decryption and counted; UDP still passes.
t=sel
conf a "proto udp" | tunnel_apply "$a" nfipsec ||
	fail "$t.config-a" "nfipsec refused the configuration"
check_fail "$t.ping-dropped" 1 "$PING_LOST" ip netns exec "$b" ping -c 3 -i 0.3 -W 1 $A4
check_eq "$t.ping-counted" "packets 0 policy 3" "$(sa_stats "$a" $A4 0x402 packets policy)"
check "$t.udp-sent" ip netns exec "$b" bash -c "echo hello > /dev/udp/$A4/9"
wait_until 5 eval '[ "$(sa_stat "$a" $A4 0x402 packets)" = 1 ]'
check_eq "$t.udp-taken" "packets 1 policy 3" "$(sa_stats "$a" $A4 0x402 packets policy)"
check_match "$t.sel-shown" "sel src $B4/32 dst $A4/32 proto udp" \
	"$(nfipsec -n "$a" state get dst $A4 proto esp spi 0x402)"

# Whole datagrams only: b's raw socket sends a fragment header (an atomic
# fragment carrying UDP), which XFRM puts after ESP. a drops it after
# decryption, counted as a bad header; nothing reaches a's socket.
t=frag6
FRAGSEND='
import socket, struct, sys
src, dst = (socket.inet_pton(socket.AF_INET6, a) for a in sys.argv[1:3])
udp = struct.pack("!HHHH", 9999, 7779, 13, 0) + b"frag!"
s = sum(struct.unpack("!27H", src + dst + struct.pack("!IxxxB", 13, 17)
    + udp + b"\0"))
while s >> 16:
    s = (s & 0xffff) + (s >> 16)
udp = udp[:6] + struct.pack("!H", ~s & 0xffff) + udp[8:]
frag = struct.pack("!BBHI", 17, 0, 0, 0x7e57)	# offset 0, no more
sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 44)
sock.sendto(frag + udp, (sys.argv[2], 0))
'
FRAGRECV='
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 7779))
open(sys.argv[1], "w").write("ready")
s.settimeout(3)
try:
    print(s.recv(100).decode())
except socket.timeout:
    print("nothing")
'
ready=/tmp/transport-ready-frag6
rm -f "$ready"
py_bg "$a" /tmp/transport-frag6.out -c "$FRAGRECV" "$ready" $A6
id=$REPLY
read -r _ n _ bad <<< "$(sa_stats "$a" $A6 0x602 packets bad-header)"
if wait_until 30 test -e "$ready"; then
	check "$t.sent" py "$b" -c "$FRAGSEND" $B6 $A6
	py_wait "$id"
	check_eq "$t.not-delivered" nothing "$(cat /tmp/transport-frag6.out)"
	check_eq "$t.counted" "packets $n bad-header $((bad + 1))" \
		"$(sa_stats "$a" $A6 0x602 packets bad-header)"
else
	fail "$t.receiver" "did not start: $(cat /tmp/transport-frag6.out)"
fi

finish
