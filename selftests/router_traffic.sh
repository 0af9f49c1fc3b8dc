#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=40
# Traffic the routers themselves make and see, nfipsec on both (AES-GCM):
#  - TCP from ra itself through the tunnel: local sockets hand POST_ROUTING
#    GSO super-packets and CHECKSUM_PARTIAL, segmented before encryption;
#  - an inbound SA's output-mark marks what it decrypts, so firewall rules
#    can match decapsulated traffic (meta mark), and only that;
#  - the `make lab` demo brings the tunnel up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
tunnel_topology || { fail topology "setup failed"; finish; }
GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
tunnel_conf a 4 "$GCM" | tunnel_apply "$ra" nfipsec || fail config-ra refused
# rb marks what its inbound SA decrypts.
tunnel_conf b 4 "$GCM" | sed "/^state add src $A4 dst $B4 /s/\$/ output-mark 0x10/" |
	tunnel_apply "$rb" nfipsec || fail config-rb refused
check_match mark-shown "output-mark 0x10/0xffffffff" \
	"$(nfipsec -n "$rb" state get dst $B4 proto esp spi $SPI_AB)"

# TCP from the router itself (GSO at POST_ROUTING).
iperf3_server "$h2" 5501 || fail router-tcp-server "iperf3 on port 5501 did not listen"
before=$(sa_stat "$ra" $B4 $SPI_AB packets)
check router-originated-tcp ip netns exec "$ra" timeout 60 iperf3 -c 192.168.186.10 \
	-B 192.168.111.1 -p 5501 -t 2
after=$(sa_stat "$ra" $B4 $SPI_AB packets)
[ "$after" -gt $((before + 100)) ] 2>/dev/null && pass router-tcp-through-sa ||
	fail router-tcp-through-sa "SA packets $before -> $after"
check_eq router-tcp-no-errors 0 "$(sa_stat "$ra" $B4 $SPI_AB error)"

# Decapsulated traffic carries the mark; cleartext does not.
ip netns exec "$rb" nft -f - <<'EOF2' || fail mark-rules "nft refused the rules"
table inet m {
	counter decap {}
	counter other {}
	chain count_forward { type filter hook forward priority 0;
		meta mark 0x10 counter name decap
		meta mark != 0x10 counter name other
	}
}
EOF2
check ping-marked ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 192.168.186.10
counters=$(ip netns exec "$rb" nft list counters table inet m)
check_eq decap-marked 3 "$(echo "$counters" | awk '/decap/ { f = 1 } f && /packets/ { print $2; exit }')"
# The replies rb forwards from LAN2 are not decrypted: unmarked.
check_eq replies-unmarked 3 "$(echo "$counters" | awk '/other/ { f = 1 } f && /packets/ { print $2; exit }')"
cleanup

# make lab's demo: plain names, tunnel up.
if "$(dirname "$0")/lab/demo.sh" >/dev/null 2>&1; then
	check demo-tunnel-up ip netns exec h1 ping -c 1 -W 3 192.168.186.10
	check_match demo-sa-counted "packets [1-9]" "$(nfipsec -n ra -s state list)"
else
	fail demo "lab/demo.sh failed"
fi
for n in h1 ra wire rb h2; do ip netns del $n 2>/dev/null; done
finish
