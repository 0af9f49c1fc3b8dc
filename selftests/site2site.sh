#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=45
# Two sites joined by an ESP tunnel through nfipsec on both routers, on the
# standard topology (lib_tunnel.sh): IPv4 and IPv6, inner and outer (4-in-4,
# 6-in-4, 4-in-6, 6-in-6). Pings both ways, the wire carries only ESP, and
# per-SA packet and byte counters equal the traffic; both directions keyed
# alike, no IV on the wire twice; an inner packet larger
# than the WAN MTU leaves as outer fragments and is reassembled before
# decryption.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
tunnel_topology || { fail topology "setup failed"; finish; }

GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"

for outer in 4 6; do
	t=outer$outer
	tunnel_conf a $outer "$GCM" | tunnel_apply "$ra" nfipsec ||
		{ fail "$t.config-a" "nfipsec refused the configuration"; continue; }
	tunnel_conf b $outer "$GCM" | tunnel_apply "$rb" nfipsec ||
		{ fail "$t.config-b" "nfipsec refused the configuration"; continue; }
	if [ $outer = 4 ]; then me=$A4 peer=$B4; else me=$A6 peer=$B6; fi

	cap=/tmp/wire-$t.pcap
	capture_start tpid "$wire" br0 "$cap" || { fail "$t.capture" "tcpdump did not start"; continue; }
	check "$t.ping4" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 192.168.186.10
	check "$t.ping6" ip netns exec "$h1" ping -6 -c 3 -i 0.3 -W 3 fd00:186::10
	capture_stop tpid

	# 3 echo requests of 84 bytes (IPv4) and 3 of 104 (IPv6) each way.
	check_eq "$t.ra-out-packets" 6 "$(sa_stat "$ra" "$peer" $SPI_AB packets)"
	check_eq "$t.ra-out-bytes" 564 "$(sa_stat "$ra" "$peer" $SPI_AB bytes)"
	check_eq "$t.rb-in-packets" 6 "$(sa_stat "$rb" "$peer" $SPI_AB packets)"
	check_eq "$t.rb-out-packets" 6 "$(sa_stat "$rb" "$me" $SPI_BA packets)"
	check_eq "$t.ra-in-packets" 6 "$(sa_stat "$ra" "$me" $SPI_BA packets)"
	check_eq "$t.ra-in-bytes" 564 "$(sa_stat "$ra" "$me" $SPI_BA bytes)"

	# On the wire: 12 ESP packets between the routers, and not one packet
	# carrying a LAN address in clear. (Router-to-router neighbour
	# discovery and MLD are no leak and are not counted.)
	wire_check "$t" "$cap" 12 "$me" "$peer"
	# Both directions have the same key (tunnel_conf) and send sequence
	# numbers 1 to 6: IVs made of sequence numbers alone would repeat
	# 6 times; the IV generators' (seqiv) never do.
	out=$(/usr/bin/python3 "$(dirname "$0")/iv_check.py" "$cap" 8)
	check_eq "$t.wire-no-iv-twice" "esp 12 ivs 12 shared-seq 6" "$out" ||
		keep_artifact "$cap"

	# An inner packet of 1500 bytes without DF: the ESP packet leaves the
	# router as outer fragments (1500-byte WAN MTU), reassembled before
	# decryption. Counted on the wire: 2 fragments each way.
	capture_start tpid "$wire" br0 "$cap" || { fail "$t.capture" "tcpdump did not start"; continue; }
	check "$t.fragmented-esp" ip netns exec "$h1" ping -M dont -s 1472 -c 1 -W 3 192.168.186.10
	capture_stop tpid
	if [ $outer = 4 ]; then
		frags=$(tcpdump -r "$cap" -n 'ip proto 50 and (ip[6:2] & 0x3fff != 0)' 2>/dev/null | wc -l)
	else
		frags=$(tcpdump -r "$cap" -n 'ip6 and ip6[6] == 44 and ip6[40] == 50' 2>/dev/null | wc -l)
	fi
	check_eq "$t.wire-outer-fragments" 4 "$frags" || keep_artifact "$cap"
	rm -f "$cap" "$cap.err"
done
finish
