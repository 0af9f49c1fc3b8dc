#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two sites joined by an ESP tunnel through nfipsec on both routers, on the
# standard topology (lib_tunnel.sh): IPv4 and IPv6, inner and outer (4-in-4,
# 6-in-4, 4-in-6, 6-in-6). Pings both ways, the wire carries only ESP, and
# per-SA packet and byte counters equal the traffic. Then the same with the
# crypto forced through cryptd (asynchronous completion), and TCP (iperf3)
# both ways on that.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
tunnel_topology || { fail topology "setup failed"; finish; }

GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"

for run in 4 6 async; do
	outer=${run#async}
	outer=${outer:-4}
	t=outer$run
	if [ $run = async ]; then
		echo 1 > /sys/module/nfipsec/parameters/force_async
		t=async-outer4
	fi
	tunnel_conf a $outer "$GCM" | tunnel_apply "$ra" nfipsec ||
		{ fail "$t.config-a" "nfipsec refused the configuration"; continue; }
	tunnel_conf b $outer "$GCM" | tunnel_apply "$rb" nfipsec ||
		{ fail "$t.config-b" "nfipsec refused the configuration"; continue; }
	if [ $outer = 4 ]; then me=$A4 peer=$B4; else me=$A6 peer=$B6; fi

	cap=/tmp/wire-$t.pcap
	ip netns exec "$wire" tcpdump -q -n -i br0 -w "$cap" 2>/dev/null &
	tpid=$!
	sleep 1
	check "$t.ping4" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 192.168.186.10
	check "$t.ping6" ip netns exec "$h1" ping -6 -c 3 -i 0.3 -W 3 fd00:186::10
	sleep 0.5
	kill "$tpid"; wait "$tpid" 2>/dev/null

	# 3 echo requests of 84 bytes (IPv4) and 3 of 104 (IPv6) each way.
	check_eq "$t.ra-out-packets" 6 "$(sa_stat "$ra" "$peer" $SPI_AB packets)"
	check_eq "$t.ra-out-bytes" 564 "$(sa_stat "$ra" "$peer" $SPI_AB bytes)"
	check_eq "$t.rb-in-packets" 6 "$(sa_stat "$rb" "$peer" $SPI_AB packets)"
	check_eq "$t.rb-out-packets" 6 "$(sa_stat "$rb" "$me" $SPI_BA packets)"
	check_eq "$t.ra-in-packets" 6 "$(sa_stat "$ra" "$me" $SPI_BA packets)"
	check_eq "$t.ra-in-bytes" 564 "$(sa_stat "$ra" "$me" $SPI_BA bytes)"

	# On the wire: 12 ESP packets, and no IP packet in clear but the
	# routers' own neighbour discovery.
	esp=$(tcpdump -r "$cap" -n esp 2>/dev/null | wc -l)
	clear=$(tcpdump -r "$cap" -n '(ip and not esp) or (ip6 and not esp and
		not (icmp6 and ip6[40] != 128 and ip6[40] != 129))' 2>/dev/null | wc -l)
	check_eq "$t.wire-esp-packets" 12 "$esp"
	check_eq "$t.wire-nothing-in-clear" 0 "$clear"
	rm -f "$cap"

	# An inner packet of 1500 bytes without DF: the ESP packet is
	# fragmented on the WAN, and reassembled before decryption.
	check "$t.fragmented-esp" ip netns exec "$h1" ping -M dont -s 1472 -c 1 -W 3 192.168.186.10
done
# cryptd instances keep the inner algorithm's name; their driver tells.
check_match async-transforms-in-use 'cryptd\(rfc4106\(gcm_base' \
	"$(grep '^driver' /proc/crypto)"

# TCP through the tunnel (asynchronous crypto now), both ways.
ip netns exec "$h2" iperf3 -s -D -1 -p 5201 >/dev/null 2>&1
sleep 1
check tcp-h1-to-h2 ip netns exec "$h1" timeout 60 iperf3 -c 192.168.186.10 -p 5201 -t 3
ip netns exec "$h2" iperf3 -s -D -1 -p 5202 >/dev/null 2>&1
sleep 1
check tcp-h2-to-h1 ip netns exec "$h1" timeout 60 iperf3 -c fd00:186::10 -p 5202 -t 3 -R
check_eq no-integrity-failures 0 "$(sa_stat "$rb" $B4 $SPI_AB integrity)"
echo 0 > /sys/module/nfipsec/parameters/force_async
finish
