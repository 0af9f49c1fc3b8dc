#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=60
# ip xfrm's default policies ("policy setdefault"), the same lines on Linux
# XFRM and on nfipsec (ra), against an XFRM peer (rb), on the standard
# topology, outer and inner IPv4:
#  - with every default "block", the tunnel's policies still carry h1's
#    traffic to h2, while what no policy matches is dropped: ra to rb's
#    WAN address (out), rb to ra (in), h1 to rb's WAN address (fwd), ESP
#    that h1 sends to rb (fwd: forwarded ESP meets the fwd policies);
#  - loopback traffic on ra passes (as XFRM);
#  - getdefault prints what was set, in ip xfrm's words;
#  - a default alone, in a namespace that never had an SA or policy, is
#    enforced (nfipsec's hooks are registered for it);
#  - setting "accept" back lets it all through; nfipsec counts what the
#    defaults dropped (in-no-pols, out-no-pols);
#  - net.ipv4.conf.DEV.disable_policy exempts what DEV receives;
#  - a port forward under a blocking fwd default: a policy for the
#    addresses before NAT lets it through, its absence does not, nor does
#    a policy for the addresses after NAT alone;
#  - frames a bridge forwards pass blocking defaults (br_netfilter shows
#    them the IP hooks; they are not routed, XFRM never sees them).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

impls=${DEFAULTS_IMPLS:-xfrm nfipsec}
[[ $impls == *nfipsec* ]] && require_module
tunnel_topology || { fail topology "setup failed"; finish; }
# The python snippets' processes: forked by one python a namespace.
py_agent "$h1" && py_agent "$rb" || { fail py-agent "cannot start python"; finish; }
KEY=0x00112233445566778899aabbccddeeff01020304
ALGS="aead 'rfc4106(gcm(aes))' $KEY 128"

# reach NAME NS DST EXPECT: one ping from NS to DST, "answered" or "lost".
reach() {
	local got=lost
	if [ "$4" = answered ]; then
		ip netns exec "$2" ping -c 2 -i 0.3 -W 3 -q "$3" >/dev/null && got=answered
	else
		ip netns exec "$2" ping -c 1 -W 1 -q "$3" >/dev/null && got=answered
	fi
	check_eq "$1" "$4" "$got"
}

# xf IMPL NS LINE...: run ip xfrm lines with IMPL in NS.
xf() {
	local impl=$1 ns=$2
	shift 2
	if [ "$impl" = xfrm ]; then
		printf 'xfrm %s\n' "$@" | ip -n "$ns" -batch -
	else
		printf '%s\n' "$@" | nfipsec -n "$ns" -b -
	fi
}

# ESP that h1 sends to rb's WAN address (forwarded by ra), and how much of
# it rb received.
ip netns exec "$rb" nft -f - <<'EOF' || fail nft-rb "nft refused"
table ip t {
	chain i {
		type filter hook input priority 0;
		ip protocol esp ip saddr 192.168.111.10 counter
	}
}
EOF
esp_from_h1() {
	py "$h1" -c "
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP)
for i in range(1, 4):
    s.sendto(struct.pack('!II', 0x4242, i) + b'x' * 40, ('$B4', 0))
"
	nap 1
}
esp_at_rb() { nft_packets "$rb" t i; }

# A bridge in namespace br (10.77.0.254) between bh1 (10.77.0.1) and bh2
# (10.77.0.2), with br_netfilter showing the IP hooks what it bridges.
bridge_setup() {
	local h
	setup_ns br bh1 bh2 &&
		ip -n "$br" link add br0 type bridge &&
		ip -n "$br" addr add 10.77.0.254/24 dev br0 &&
		ip -n "$br" link set br0 up || return 1
	for h in bh1 bh2; do
		ip -n "$br" link add "$h" type veth peer name eth0 netns "${!h}" &&
			ip -n "$br" link set "$h" master br0 up &&
			ip -n "${!h}" addr add "10.77.0.${h#bh}/24" dev eth0 &&
			ip -n "${!h}" link set eth0 up || return 1
	done
	ns_sysctl "$br" net.bridge.bridge-nf-call-iptables=1
}
bridge_setup || fail bridge-setup "no bridge with br_netfilter"

# h1 counts what reaches its UDP port 7778 (the port forward below).
ip netns exec "$h1" nft -f - <<'EOF' || fail nft-h1 "nft refused"
table ip t {
	chain i {
		type filter hook input priority 0;
		udp dport 7778 counter
	}
}
EOF
# udp_to_ra: 3 datagrams from rb to ra's WAN address, port 8080, a new
# flow (ra's conntrack flushed); prints how many reached h1's port 7778.
udp_to_ra() {
	local p0
	ip netns exec "$ra" conntrack -F >/dev/null 2>&1
	p0=$(nft_packets "$h1" t i)
	py "$rb" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b'x', ('$A4', 8080))
"
	nap 1
	echo $(($(nft_packets "$h1" t i) - p0))
}

getdefault() {
	if [ "$1" = xfrm ]; then
		ip -n "$2" xfrm policy getdefault
	else
		nfipsec -n "$2" policy getdefault
	fi | tr -s ' \n\t' ' '
}

for impl in $impls; do
	t=$impl
	# rb keyed afresh: its window must not remember the last round's SA.
	tunnel_conf b 4 "$ALGS" | tunnel_apply "$rb" xfrm || fail "$t.config-rb" refused
	# The tunnel and, since XFRM holds every forwarded packet to the fwd
	# and out policies, bypasses for what the tunnel's policies do not
	# name: LAN1's requests forwarded (fwd) and the replies forwarded to
	# LAN1 (out).
	{ tunnel_conf a 4 "$ALGS"
	  echo "policy add src 192.168.111.0/24 dst 192.168.186.0/24 dir fwd action allow"
	  echo "policy add src 192.168.186.0/24 dst 192.168.111.0/24 dir out action allow"
	} | tunnel_apply "$ra" "$impl" || fail "$t.config" refused
	reach "$t.open.wan" "$ra" $B4 answered
	check "$t.setdefault" xf "$impl" "$ra" "policy setdefault in block fwd block out block"
	check_eq "$t.getdefault" "Default policies: in: block fwd: block out: block " \
		"$(getdefault "$impl" "$ra")"
	if [ "$impl" = nfipsec ]; then
		in0=$(nfipsec_stat "$ra" in-no-pols) out0=$(nfipsec_stat "$ra" out-no-pols)
	fi
	reach "$t.tunnel" "$h1" 192.168.186.10 answered
	reach "$t.out-blocked" "$ra" $B4 lost
	reach "$t.in-blocked" "$rb" $A4 lost
	reach "$t.fwd-blocked" "$h1" $B4 lost
	reach "$t.loopback" "$ra" 127.0.0.1 answered
	reach "$t.loopback-wan" "$ra" $A4 answered
	if [ "$impl" = nfipsec ]; then
		# One request out, one in, one forwarded (2 tries at most each).
		check "$t.out-no-pols-counted" test "$(nfipsec_stat "$ra" out-no-pols)" -gt "$out0"
		check "$t.in-no-pols-counted" test "$(nfipsec_stat "$ra" in-no-pols)" -gt "$in0"
	fi
	check "$t.setdefault-one" xf "$impl" "$ra" "policy setdefault out accept"
	check_eq "$t.getdefault-one" "Default policies: in: block fwd: block out: accept " \
		"$(getdefault "$impl" "$ra")"
	reach "$t.in-still-blocked" "$ra" $B4 lost
	# disable_policy on the WAN device: nothing received there is
	# checked (XFRM's meaning of the sysctl).
	ns_sysctl "$ra" net.ipv4.conf.wan0.disable_policy=1
	reach "$t.disable-policy-in" "$ra" $B4 answered
	ns_sysctl "$ra" net.ipv4.conf.wan0.disable_policy=0
	reach "$t.disable-policy-off" "$ra" $B4 lost
	# "out" lets it leave: only the fwd default stops it.
	e0=$(esp_at_rb)
	esp_from_h1
	check_eq "$t.fwd-esp-blocked" 0 $(($(esp_at_rb) - e0))
	check "$t.setdefault-accept" xf "$impl" "$ra" "policy setdefault in accept fwd accept"
	reach "$t.open-again" "$ra" $B4 answered
	reach "$t.fwd-open-again" "$h1" $B4 answered
	e0=$(esp_at_rb)
	esp_from_h1
	check_eq "$t.fwd-esp-open" 3 $(($(esp_at_rb) - e0))

	# A port forward on ra's WAN address (8080 to h1's 7778) while the
	# fwd default blocks: a policy for the addresses before NAT lets the
	# datagrams through (XFRM checks that view alone; nfipsec checks both,
	# and its default, too, decides on the view before NAT).
	ip netns exec "$ra" nft -f - <<'EOF' || fail "$t.portfwd-nat" "nft refused"
table ip pf {
	chain pre {
		type nat hook prerouting priority -100;
		iifname "wan0" udp dport 8080 dnat to 192.168.111.10:7778
	}
}
EOF
	check "$t.portfwd-policy" xf "$impl" "$ra" "policy setdefault fwd block" \
		"policy add src $B4/32 dst $A4/32 proto udp dport 8080 dir fwd action allow"
	check_eq "$t.portfwd-pre-nat-policy" 3 "$(udp_to_ra)"
	check "$t.portfwd-policy-gone" xf "$impl" "$ra" \
		"policy delete src $B4/32 dst $A4/32 proto udp dport 8080 dir fwd"
	check_eq "$t.portfwd-default-blocks" 0 "$(udp_to_ra)"
	# A policy for the addresses after NAT alone: the view before it (the
	# one XFRM checks) has none, so the default still blocks (else a
	# spoofer reaches through the port forward what that policy allows).
	check "$t.portfwd-post-nat-policy" xf "$impl" "$ra" \
		"policy add src $B4/32 dst 192.168.111.10/32 proto udp dport 7778 dir fwd action allow"
	check_eq "$t.portfwd-post-nat-only-blocked" 0 "$(udp_to_ra)"
	xf "$impl" "$ra" "policy delete src $B4/32 dst 192.168.111.10/32 proto udp dport 7778 dir fwd"
	xf "$impl" "$ra" "policy setdefault fwd accept"
	ip netns exec "$ra" nft delete table ip pf

	tunnel_clear "$ra"
	# A default in a namespace that never had anything else configured
	# (h2: nfipsec has no hooks there until the default asks for them).
	check "$t.alone-setdefault" xf "$impl" "$h2" "policy setdefault out block"
	reach "$t.alone-blocked" "$h2" 192.168.186.1 lost
	check "$t.alone-accept" xf "$impl" "$h2" "policy setdefault out accept"
	reach "$t.alone-open" "$h2" 192.168.186.1 answered

	# Frames a bridge forwards are not routed: XFRM never sees them, and
	# nfipsec lets them through although br_netfilter shows them its
	# FORWARD and POST_ROUTING hooks.
	check "$t.bridge-setdefault" xf "$impl" "$br" "policy setdefault in block fwd block out block"
	[ "$impl" = nfipsec ] && f0=$(nfipsec_stat "$br" hook-ipv4-forward) &&
		b0=$(nfipsec_stat "$br" bridged)
	reach "$t.bridged-passes" "$bh1" 10.77.0.2 answered
	# ... and they were shown to nfipsec's FORWARD hook (br_netfilter on),
	# which counted them as bridged.
	if [ "$impl" = nfipsec ]; then
		check "$t.bridged-hooked" \
			test "$(nfipsec_stat "$br" hook-ipv4-forward)" -gt "$f0"
		check "$t.bridged-counted" \
			test "$(nfipsec_stat "$br" bridged)" -gt "$b0"
	fi
	# ... while what is routed to the bridge's own address meets them.
	reach "$t.bridge-host-blocked" "$bh1" 10.77.0.254 lost
	check "$t.bridge-accept" xf "$impl" "$br" "policy setdefault in accept fwd accept out accept"
done
finish
