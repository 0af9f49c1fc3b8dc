#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: nfipsec against Linux XFRM on the standard topology
# in one guest boot, same algorithms, both routers on one implementation at
# a time. TCP throughput (iperf3, h1 -> h2) and the packet rate of 64-byte
# UDP; prints each figure and the nfipsec/XFRM ratio. Run by `make bench`
# on the non-debug lab kernel; under TCG only the ratios mean something.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

SECS=${NFIPSEC_BENCH_SECS:-5}
require_module
tunnel_topology || { echo "bench: topology failed"; exit 1; }
ip netns exec "$h2" iperf3 -s -D -p 5201 >/dev/null 2>&1
wait_listen "$h2" 5201 || { echo "bench: no iperf3 server"; exit 1; }

# measure MODE: one number, TCP Mbit/s or UDP packets/s received.
measure() {
	local json
	if [ "$1" = tcp ]; then
		json=$(ip netns exec "$h1" iperf3 -J -c 192.168.186.10 -p 5201 -t "$SECS")
	else
		json=$(ip netns exec "$h1" iperf3 -J -u -b 0 -l 64 -c 192.168.186.10 -p 5201 -t "$SECS")
	fi
	echo "$json" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["end"]
if sys.argv[1] == "tcp":
    print("%.1f" % (r["sum_received"]["bits_per_second"] / 1e6))
else:
    s = r["sum"]
    print("%.0f" % ((s["packets"] - s["lost_packets"]) / s["seconds"]))
' "$1"
}

declare -A result
algs=("aes-gcm-128|aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
      "null|enc 'ecb(cipher_null)' ''")
for a in "${algs[@]}"; do
	name=${a%%|*}
	for impl in nfipsec xfrm; do
		tunnel_clear "$ra"; tunnel_clear "$rb"
		tunnel_conf a 4 "${a#*|}" | tunnel_apply "$ra" $impl || exit 1
		tunnel_conf b 4 "${a#*|}" | tunnel_apply "$rb" $impl || exit 1
		ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10 >/dev/null ||
			{ echo "bench: $impl $name: no connectivity"; exit 1; }
		for mode in tcp udp64; do
			result[$name.$mode.$impl]=$(measure $mode)
		done
	done
	for mode in tcp udp64; do
		n=${result[$name.$mode.nfipsec]} x=${result[$name.$mode.xfrm]}
		unit=Mbit/s
		[ $mode = udp64 ] && unit=pkt/s
		printf 'bench %-12s %-6s nfipsec %10s %-7s xfrm %10s %-7s ratio %s\n' \
			"$name" "$mode" "$n" "$unit" "$x" "$unit" \
			"$(awk -v n="$n" -v x="$x" 'BEGIN { printf "%.2f", x ? n / x : 0 }')"
	done
done
