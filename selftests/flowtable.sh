#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=130
# No offload path around encryption. Both routers have an nftables
# flowtable on every device (OpenWrt's default: "flow add @ft" for TCP and
# UDP in the forward chain), which takes a confirmed flow's packets from
# ingress straight to the output device, past nfipsec's hooks. Protected
# flows must never go that way:
#  - with the tunnel up, TCP and UDP both ways through it for seconds: only
#    ESP on the wire, not one LAN address in clear, and no entry of the
#    tunnelled flows offloaded; a flow the policies do not cover (h1 to
#    rb's WAN address) is offloaded, so the flowtables do work;
#  - a UDP flow offloaded in clear before the policies exist, through a
#    DNAT (h1 sends to a service address, 10.9.9.9, that ra maps to h2)
#    and ra's masquerade: once the policies are added it leaves the fast
#    path, and the wire carries it as ESP only (the policies match it as
#    the hooks see it, between DNAT and SNAT: neither conntrack tuple).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
cap=/tmp/flowtable-$$.pcap
# A conntrack entry between the two LANs: a tunnelled flow.
LAN_TO_LAN='src=(192\.168\.111\.|fd00:111::)[^ ]* dst=(192\.168\.186\.|fd00:186::)|src=(192\.168\.186\.|fd00:186::)[^ ]* dst=(192\.168\.111\.|fd00:111::)'

tunnel_topology || { fail topology "setup failed"; finish; }
for r in "$ra" "$rb"; do
	ip netns exec "$r" nft -f - <<EOF || { fail nft "flowtable refused"; finish; }
table inet fastpath {
	flowtable ft {
		hook ingress priority 0
		devices = { lan0, wan0, nfipsec0 }
	}
	chain forward_offload {
		type filter hook forward priority 0; policy accept;
		meta l4proto { tcp, udp } flow add @ft
	}
}
EOF
done
ip netns exec "$ra" nft -f - <<EOF || { fail nft-nat "NAT refused"; finish; }
table ip nat {
	chain prerouting_nat {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 10.9.9.9 dnat to 192.168.186.10
	}
	chain postrouting_nat {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
EOF

# offloaded NS FILTER...: conntrack entries of NS offloaded to a flowtable,
# among those conntrack's FILTER selects.
offloaded() {
	local ns=$1
	shift
	ip netns exec "$ns" conntrack -L "$@" 2>/dev/null | grep -c OFFLOAD
}

# 1. A flow offloaded in clear, before any policy: UDP from h1 to h2, by
# way of ra's DNAT and masquerade.
# One socket sends a datagram every 10 ms whatever happens (no session to
# break when NAT starts again under the tunnel).
run_bg ip netns exec "$h1" bash -c 'exec 3>/dev/udp/10.9.9.9/5401 4<> <(:)
	while :; do echo x >&3; read -rt 0.01 -u 4; done 2>/dev/null'
offload_started() { [ "$(offloaded "$ra" -p udp --dport 5401)" -gt 0 ]; }
if wait_until 20 offload_started; then
	pass clear.flow-offloaded
else
	fail clear.flow-offloaded "ra never offloaded the UDP flow: $(ip netns exec "$ra" conntrack -L -p udp 2>&1 | head -3 | tr '\n' '|')"
fi
# The tunnel comes up under it: the flow leaves the fast path.
tunnel_conf a 4 "$GCM" | tunnel_apply "$ra" nfipsec || fail config-a "nfipsec refused the configuration"
tunnel_conf b 4 "$GCM" | tunnel_apply "$rb" nfipsec || fail config-b "nfipsec refused the configuration"
# The entry is removed just after the policies change (a work item walks
# the conntrack table): the flow leaves the fast path within a second.
offload_ended() { [ "$(offloaded "$ra" -p udp --dport 5401)" = 0 ]; }
wait_until 5 offload_ended && pass clear.left-fast-path ||
	fail clear.left-fast-path "still offloaded: $(ip netns exec "$ra" conntrack -L -p udp 2>&1 | grep 5401 | head -2 | tr '\n' '|')"
capture_start tpid "$wire" br0 "$cap" || fail clear.capture "tcpdump did not start"
nap 2
capture_stop tpid
pcap_count clear.then-tunnelled-nothing-in-clear 0 "$cap" "$LAN_CLEAR"
esp=$(tcpdump -r "$cap" -nn "esp and src $A4" 2>/dev/null | grep -c .)
[ "$esp" -gt 5 ] && pass clear.then-tunnelled-esp ||
	fail clear.then-tunnelled-esp "$esp ESP packets from ra in 2 s"
check_eq clear.then-not-offloaded 0 "$(offloaded "$ra" -p udp --dport 5401)"
for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
bg_pids=()

# 2. With the tunnel up: TCP both ways, UDP both ways, for seconds.
capture_start tpid "$wire" br0 "$cap" || fail up.capture "tcpdump did not start"
iperf3_server "$h2" 5402 || fail up.server "no listener on 5402"
run_bg ip netns exec "$h1" iperf3 -u -c fd00:186::10 -p 5402 -t 600 -b 200K -l 200 -R
iperf3_server "$h2" 5403 || fail up.server "no listener on 5403"
check up.tcp-h1-to-h2 ip netns exec "$h1" timeout 60 iperf3 -c 192.168.186.10 -p 5403 -t 4
iperf3_server "$h2" 5404 || fail up.server "no listener on 5404"
check up.tcp-h2-to-h1 ip netns exec "$h1" timeout 60 iperf3 -c fd00:186::10 -p 5404 -t 4 -R
# Outside the policies: offloaded by ra.
iperf3_server "$rb" 5405 || fail up.server "no listener on 5405"
run_bg ip netns exec "$h1" iperf3 -u -c $B4 -p 5405 -t 600 -b 200K -l 200
offload_control() { [ "$(offloaded "$ra" -p udp --dport 5405)" -gt 0 ]; }
wait_until 20 offload_control && pass up.uncovered-flow-offloaded ||
	fail up.uncovered-flow-offloaded "ra did not offload h1's flow to rb's WAN address"
capture_stop tpid
# Only the flow outside the policies (to rb's port 5405, masqueraded by ra)
# is in clear.
pcap_count up.nothing-in-clear 0 "$cap" "($LAN_CLEAR) and not (host $B4 and port 5405)"
n=$(tcpdump -r "$cap" -nn "host $B4 and port 5405 and not esp" 2>/dev/null | grep -c .)
[ "$n" -gt 10 ] && pass up.uncovered-flow-in-clear || fail up.uncovered-flow-in-clear "$n packets"
esp=$(tcpdump -r "$cap" -nn "esp" 2>/dev/null | grep -c .)
[ "$esp" -gt 100 ] && pass up.esp-on-wire || fail up.esp-on-wire "$esp ESP packets"
for r in "$ra" "$rb"; do
	n=${r%%-*}
	check_eq "up.$n-tunnelled-not-offloaded" 0 \
		"$(ip netns exec "$r" conntrack -L 2>/dev/null | grep OFFLOAD | grep -cE "$LAN_TO_LAN")"
done
finish
