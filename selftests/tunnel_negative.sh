#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What must not pass, and an independent decoder, on the standard topology
# with nfipsec on both routers (AES-GCM-128, outer IPv4):
#  - scapy decrypts the ESP captured on the wire into the exact packets h2
#    received;
#  - a replayed capture is dropped and counted, an unknown SPI counts
#    in-no-states, cleartext spoofed from LAN2 is dropped at ra;
#  - a wrong key gives integrity failures and delivers nothing;
#  - a discard policy drops; a bypass placed before the encrypt policy wins
#    for its sub-range (and rb refuses that cleartext);
#  - a protecting policy without SA drops and emits one ACQUIRE;
#  - TCP through the tunnel completes over a WAN with a small MTU.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
tunnel_topology || { fail topology "setup failed"; finish; }
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
KEY=0x00112233445566778899aabbccddeeff01020304
GCM="aead 'rfc4106(gcm(aes))' $KEY 128"
tunnel_conf a 4 "$GCM" | tunnel_apply "$ra" nfipsec || fail config-ra refused
tunnel_conf b 4 "$GCM" | tunnel_apply "$rb" nfipsec || fail config-rb refused

# Capture on the wire and at h2 while h1 pings h2.
ip netns exec "$wire" tcpdump -q -n -i br0 -w /tmp/neg-wire.pcap esp 2>/dev/null &
t1=$!
ip netns exec "$h2" tcpdump -q -n -i eth0 -w /tmp/neg-h2.pcap icmp 2>/dev/null &
t2=$!
sleep 1
check ping ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 192.168.186.10
sleep 0.5
kill $t1 $t2; wait $t1 $t2 2>/dev/null

out=$(ip netns exec "$wire" $PY "$here/esp_check.py" decode /tmp/neg-wire.pcap \
	/tmp/neg-h2.pcap $SPI_AB $KEY $A4 $B4 2>&1)
check_eq scapy-decrypts-exact-packets "decoded 3 matched 3" "$out"

# Replay, unknown SPI, spoofed cleartext: injected from the wire.
nos0=$(ns_stat "$rb" in-no-states) tm0=$(ns_stat "$ra" in-tmpl-mismatch)
out=$(ip netns exec "$wire" $PY "$here/esp_check.py" inject wa \
	"$(mac_of "$ra" wan0)" wb "$(mac_of "$rb" wan0)" /tmp/neg-wire.pcap \
	$SPI_AB $A4 $B4 2>&1)
check_match injected "replayed 3.*unknown-spi 2.*spoofed 3" "$(echo $out)"
sleep 1
check_eq replay-dropped 3 "$(sa_stat "$rb" $B4 $SPI_AB replay)"
check_eq replay-not-delivered 3 "$(sa_stat "$rb" $B4 $SPI_AB packets)"
check_eq unknown-spi-counted $((nos0 + 2)) "$(ns_stat "$rb" in-no-states)"
check_eq spoof-dropped-at-ra $((tm0 + 3)) "$(ns_stat "$ra" in-tmpl-mismatch)"

# A wrong key on rb's inbound SA: nothing delivered, integrity failures.
echo "state update src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 aead 'rfc4106(gcm(aes))' 0xffeeddccbbaa99887766554433221100a0b0c0d0 128" |
	nfipsec -n "$rb" -b - || fail wrong-key-update "refused"
check_fail wrong-key-no-traffic 1 "$PING_LOST" ip netns exec "$h1" ping -c 3 -i 0.3 -W 2 192.168.186.10
check_eq wrong-key-integrity 3 "$(sa_stat "$rb" $B4 $SPI_AB integrity)"
check_eq wrong-key-not-delivered 3 "$(sa_stat "$rb" $B4 $SPI_AB packets)"
# Back to the right key: update keeps the SA's window and counters.
echo "state update src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 $GCM" |
	nfipsec -n "$rb" -b - || fail right-key-update "refused"
check right-key-traffic ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10
check_eq update-kept-counters 4 "$(sa_stat "$rb" $B4 $SPI_AB packets)"

# A discard policy at the top drops, and counts.
blk0=$(ns_stat "$ra" out-pol-block)
echo "policy add src 192.168.111.10/32 dst 192.168.186.20/32 dir out action block index 0" |
	nfipsec -n "$ra" -b - || fail discard-add refused
check_fail discard-drops 1 "$PING_LOST" ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 192.168.186.20
check_eq discard-counted $((blk0 + 2)) "$(ns_stat "$ra" out-pol-block)"
check still-encrypting-others ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10

# A bypass in its place: .20 goes in clear (and rb refuses cleartext that
# its policies require protected), .10 stays in the tunnel.
tm0=$(ns_stat "$rb" in-tmpl-mismatch)
printf '%s\n' "policy delete index 0" \
	"policy add src 192.168.111.0/24 dst 192.168.186.20/32 dir out index 0" |
	nfipsec -n "$ra" -b - || fail bypass-add refused
ip netns exec "$wire" tcpdump -q -n -i br0 -w /tmp/neg-bypass.pcap icmp 2>/dev/null &
t1=$!
sleep 1
ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 192.168.186.20 >/dev/null
check bypass-others-still-tunnelled ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10
sleep 0.5
kill $t1; wait $t1 2>/dev/null
check_eq bypass-in-clear-on-wire 2 \
	"$(tcpdump -r /tmp/neg-bypass.pcap -n 'icmp and dst host 192.168.186.20' 2>/dev/null | wc -l)"
check_eq bypass-tunnelled-not-in-clear 0 \
	"$(tcpdump -r /tmp/neg-bypass.pcap -n 'icmp and host 192.168.186.10' 2>/dev/null | wc -l)"
check_eq cleartext-refused-by-rb $((tm0 + 2)) "$(ns_stat "$rb" in-tmpl-mismatch)"

# A protecting policy with no SA: dropped, counted, one ACQUIRE (rate-limited).
nfipsec -n "$ra" monitor > /tmp/neg-monitor.txt 2>&1 &
mon=$!
nos0=$(ns_stat "$ra" out-no-states)
echo "policy add src 192.168.111.0/24 dst 192.168.186.30/32 dir out tmpl src $A4 dst $B4 proto esp reqid 99 mode tunnel index 0" |
	nfipsec -n "$ra" -b - || fail acquire-policy refused
sleep 1
ip netns exec "$h1" ping -c 3 -i 0.2 -W 1 192.168.186.30 >/dev/null
sleep 1
kill $mon; wait $mon 2>/dev/null
check_eq no-sa-dropped $((nos0 + 3)) "$(ns_stat "$ra" out-no-states)"
check_eq one-acquire 1 "$(grep -c '^acquire' /tmp/neg-monitor.txt)"
check_match acquire-text "acquire.*reqid 99.*dst 192.168.186.30" "$(cat /tmp/neg-monitor.txt)"

# TCP over a WAN with a 1400-byte MTU: ra tells h1 the tunnel's MTU.
for n in wa wb br0; do ip -n "$wire" link set "$n" mtu 1400; done
ip -n "$ra" link set wan0 mtu 1400
ip -n "$rb" link set wan0 mtu 1400
fn0=$(ns_stat "$ra" out-frag-needed)
ip netns exec "$h2" iperf3 -s -D -1 -p 5301 >/dev/null 2>&1
ip netns exec "$h2" iperf3 -s -D -1 -p 5302 >/dev/null 2>&1
sleep 1
check small-mtu-tcp4 ip netns exec "$h1" iperf3 -c 192.168.186.10 -p 5301 -t 2
check small-mtu-tcp6 ip netns exec "$h1" iperf3 -c fd00:186::10 -p 5302 -t 2
fn1=$(ns_stat "$ra" out-frag-needed)
[ "$fn1" -gt "$fn0" ] 2>/dev/null && pass small-mtu-frag-needed-sent ||
	fail small-mtu-frag-needed-sent "out-frag-needed $fn0 -> $fn1"
rm -f /tmp/neg-*.pcap /tmp/neg-monitor.txt
finish
