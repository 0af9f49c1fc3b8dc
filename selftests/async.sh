#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: exclusive cost=90
# The tunnel with every AES-GCM request completed asynchronously (the
# force_async test knob wraps the transform in cryptd, as a hardware engine
# or the SIMD fallback would complete it): pings counted exactly, each
# packet through the completion callback (the SA's "async" counter), then
# TCP (iperf3) both ways. Exclusive: force_async is module-wide.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
tunnel_topology || { fail topology "setup failed"; finish; }
knob=/sys/module/nfipsec/parameters/force_async
GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"

echo 1 > "$knob"
trap 'echo 0 > $knob; cleanup' EXIT
tunnel_conf a 4 "$GCM" | tunnel_apply "$ra" nfipsec || fail config-a "nfipsec refused the configuration"
tunnel_conf b 4 "$GCM" | tunnel_apply "$rb" nfipsec || fail config-b "nfipsec refused the configuration"
echo 0 > "$knob"

check ping4 ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 192.168.186.10
check ping6 ip netns exec "$h1" ping -6 -c 3 -i 0.3 -W 3 fd00:186::10
# 6 packets through each SA, every one completed by the callback.
for sa in "$ra $B4 $SPI_AB" "$rb $B4 $SPI_AB" "$rb $A4 $SPI_BA" "$ra $A4 $SPI_BA"; do
	set -- $sa
	n=${1%%-*}-$3
	check_eq "$n.packets" 6 "$(sa_stat "$1" "$2" "$3" packets)"
	check_eq "$n.async-completions" 6 "$(sa_stat "$1" "$2" "$3" async)"
done

iperf3_server "$h2" 5201 || fail iperf3-server "no listener on 5201"
check tcp-h1-to-h2 ip netns exec "$h1" timeout 60 iperf3 -c 192.168.186.10 -p 5201 -t 3
iperf3_server "$h2" 5202 || fail iperf3-server6 "no listener on 5202"
check tcp-h2-to-h1 ip netns exec "$h1" timeout 60 iperf3 -c fd00:186::10 -p 5202 -t 3 -R
check_eq no-integrity-failures 0 "$(sa_stat "$rb" $B4 $SPI_AB integrity)"
# Every packet decrypted was completed by the callback: each one delivered,
# plus those the window refused after authentication (completions of two
# CPUs can come out of order by more than the window). A refusal before
# decryption (already left of the window when it arrived) counts in the
# same replay and outside-window counters without a completion, so the
# completions lie between the two.
read -r _ a _ p _ r _ o <<< "$(sa_stats "$rb" $B4 $SPI_AB async packets replay outside-window)"
if [ "$p" -gt 100 ] && [ "$a" -ge "$p" ] && [ "$a" -le $((p + r + o)) ]; then
	pass tcp-all-async
else
	fail tcp-all-async "completions $a, delivered $p, refused by the window $((r + o))"
	echo "rb's SA: $(nfipsec -n "$rb" -s state get dst $B4 proto esp spi $SPI_AB | tr '\n' ' ')" >&2
fi
finish
