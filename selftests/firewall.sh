#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=55
# The user's firewall decides, with nfipsec on both routers (standard
# topology, AES-GCM, outer IPv4):
#  - an input rule that drops ESP stops the tunnel;
#  - a stateful forward chain (established/related accepted, new only from
#    LAN1) lets LAN1 reach LAN2 and the replies back, and refuses LAN2's new
#    connections: conntrack sees tunnelled flows as usual;
#  - a masquerade rule on the WAN leaves tunnel traffic alone (the SAs carry
#    exactly what was sent; on the wire, LAN-to-LAN traffic is ESP only) and
#    still masquerades what leaves in clear (from ra's WAN address).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

# The four SAs' packet counters: ra out, rb in (A to B), rb out, ra in (B to A).
sa_packets() {
	echo "$(sa_stat "$ra" $B4 $SPI_AB packets) $(sa_stat "$rb" $B4 $SPI_AB packets)" \
		"$(sa_stat "$rb" $A4 $SPI_BA packets) $(sa_stat "$ra" $A4 $SPI_BA packets)"
}

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
iperf3_server "$h2" 5401 || fail stateful-tcp-server "iperf3 on port 5401 did not listen"
check stateful-tcp-lan1-to-lan2 ip netns exec "$h1" timeout 30 iperf3 -c 192.168.186.10 -p 5401 -t 1 -R
check_fail stateful-lan2-new-refused 1 "$PING_LOST" ip netns exec "$h2" ping -c 2 -i 0.3 -W 1 192.168.111.10
# The replies above came back decrypted and passed as "established" only.
check_match established-replies-counted 'packets [1-9]' \
	"$(ip netns exec "$ra" nft list chain inet fw forward | grep established)"
ip netns exec "$ra" nft delete table inet fw

# Masquerade on ra's WAN: the tunnel still carries LAN-to-LAN traffic, which
# is matched and encrypted before SNAT: each SA carries exactly what was
# sent, and the wire shows it as ESP between the WAN addresses only; h1's
# ping to rb's WAN address leaves in clear, masqueraded to ra's.
ip netns exec "$ra" nft -f - <<'EOF2' || fail masquerade-rule "nft refused the rule"
table ip nat {
	chain post { type nat hook postrouting priority 100; oifname "wan0" masquerade; }
}
EOF2
read -r p1 p2 p3 p4 <<< "$(sa_packets)"
capture_start cap "$wire" br0 /tmp/fw-masq.pcap || fail masquerade-capture "tcpdump did not start"
check masquerade-tunnel-ping ip netns exec "$h1" ping -c 2 -i 0.3 -W 3 192.168.186.10
check masquerade-tunnel-ping6 ip netns exec "$h1" ping -6 -c 1 -W 3 fd00:186::10
check masquerade-clear-ping ip netns exec "$h1" ping -c 2 -i 0.3 -W 3 $B4
capture_stop cap
# Three echoes each way (two IPv4, one IPv6) through each SA.
check_eq masquerade-sa-packets "$((p1 + 3)) $((p2 + 3)) $((p3 + 3)) $((p4 + 3))" "$(sa_packets)"
pcap_count masquerade-wire-esp-a-to-b 3 /tmp/fw-masq.pcap \
	"esp and src host $A4 and dst host $B4 and ip[20:4] = $SPI_AB"
pcap_count masquerade-wire-esp-b-to-a 3 /tmp/fw-masq.pcap \
	"esp and src host $B4 and dst host $A4 and ip[20:4] = $SPI_BA"
pcap_count masquerade-wire-no-lan-in-clear 0 /tmp/fw-masq.pcap \
	'net 192.168.111.0/24 or net 192.168.186.0/24 or net fd00:111::/64 or net fd00:186::/64'
pcap_count masquerade-applied 2 /tmp/fw-masq.pcap \
	"icmp[icmptype] == icmp-echo and src host $A4 and dst host $B4"
pcap_count masquerade-replies 2 /tmp/fw-masq.pcap \
	"icmp[icmptype] == icmp-echoreply and src host $B4 and dst host $A4"
# Nothing else (ARP, neighbour discovery and link-local multicast aside).
pcap_count masquerade-wire-nothing-else 10 /tmp/fw-masq.pcap \
	'(ip or ip6) and not ip multicast and not ip6 multicast and not (ip6 and src net fe80::/10) and not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)'
check_eq masquerade-no-integrity-failures 0 "$(sa_stat "$rb" $B4 $SPI_AB integrity)"
rm -f /tmp/fw-masq.pcap*
finish
