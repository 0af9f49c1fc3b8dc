#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The user's firewall decides, with nfipsec on both routers (standard
# topology, AES-GCM, outer IPv4):
#  - an input rule that drops ESP stops the tunnel;
#  - a stateful forward chain (established/related accepted, new only from
#    LAN1) lets LAN1 reach LAN2 and the replies back, and refuses LAN2's new
#    connections: conntrack sees tunnelled flows as usual;
#  - a masquerade rule on the WAN does not break tunnel traffic, and still
#    masquerades what leaves in clear.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
tunnel_topology || { fail topology "setup failed"; finish; }
GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
tunnel_conf a 4 "$GCM" | tunnel_apply "$ra" nfipsec || fail config-ra refused
tunnel_conf b 4 "$GCM" | tunnel_apply "$rb" nfipsec || fail config-rb refused
check tunnel-up ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10

# An input rule dropping ESP on rb stops the tunnel.
in0=$(sa_stat "$rb" $B4 $SPI_AB packets)
ip netns exec "$rb" nft -f - <<'EOF2' || fail esp-rule "nft refused the rule"
table inet fw_esp {
	chain input { type filter hook input priority 0; meta l4proto esp drop; }
}
EOF2
check_fail esp-dropped-by-input-rule 1 "$PING_LOST" ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 192.168.186.10
check_eq esp-never-reached-nfipsec "$in0" "$(sa_stat "$rb" $B4 $SPI_AB packets)"
ip netns exec "$rb" nft delete table inet fw_esp
check tunnel-back ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10

# Stateful forwarding on ra: new connections only from LAN1.
ip netns exec "$ra" nft -f - <<'EOF2' || fail stateful-rules "nft refused the rules"
table inet fw {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related counter accept
		iifname "lan0" ct state new accept
	}
}
EOF2
check stateful-lan1-to-lan2 ip netns exec "$h1" ping -c 2 -i 0.3 -W 3 192.168.186.10
ip netns exec "$h2" iperf3 -s -D -1 -p 5401 >/dev/null 2>&1
sleep 1
check stateful-tcp-lan1-to-lan2 ip netns exec "$h1" iperf3 -c 192.168.186.10 -p 5401 -t 1 -R
check_fail stateful-lan2-new-refused 1 "$PING_LOST" ip netns exec "$h2" ping -c 2 -i 0.3 -W 1 192.168.111.10
# The replies above came back decrypted and passed as "established" only.
check_match established-replies-counted 'packets [1-9]' \
	"$(ip netns exec "$ra" nft list chain inet fw forward | grep established)"
ip netns exec "$ra" nft delete table inet fw

# Masquerade on ra's WAN: the tunnel still works; cleartext is masqueraded.
ip netns exec "$ra" nft -f - <<'EOF2' || fail masquerade-rule "nft refused the rule"
table ip nat {
	chain post { type nat hook postrouting priority 100; oifname "wan0" masquerade; }
}
EOF2
check masquerade-tunnel-ping ip netns exec "$h1" ping -c 2 -i 0.3 -W 3 192.168.186.10
check masquerade-tunnel-ping6 ip netns exec "$h1" ping -6 -c 1 -W 3 fd00:186::10
ip netns exec "$rb" tcpdump -q -n -i wan0 -c 1 -w /tmp/fw-masq.pcap icmp 2>/dev/null &
t=$!
sleep 1
check masquerade-clear-ping ip netns exec "$h1" ping -c 1 -W 3 $B4
wait $t
check_match masquerade-applied "$A4 > $B4" "$(tcpdump -r /tmp/fw-masq.pcap -n 2>/dev/null)"
check_eq masquerade-no-integrity-failures 0 "$(sa_stat "$rb" $B4 $SPI_AB integrity)"
rm -f /tmp/fw-masq.pcap
finish
