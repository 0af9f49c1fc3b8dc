#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=120 timeout=900
# strongSwan keys nfipsec across a NAT (issue 10): real IKEv2 between two
# charons (lib_strongswan.sh: one per router namespace, on nfipsec through
# the kernel-nfipsec plugin or on XFRM through kernel-netlink), router A
# behind a NAT namespace that masquerades it (nft), B on the outside:
#
#   h1 --- ra ---- nat (masquerade) ==== rb --- h2
#   LAN1 192.168.111.0/24                      LAN2 192.168.186.0/24
#   ra 192.168.3.107 (A4)   nat 192.168.3.1, 198.51.100.1 (N4)   rb 198.51.100.2 (B4)
#
# Captures are on the NAT's outside link (out0): what B's side of the
# internet sees. IKEv2 PSK aes128gcm16-prfsha256-ecp256, ESP aes128gcm16,
# A initiates.
#
# natt-a-nfipsec: A (behind the NAT) on nfipsec, B on XFRM. Both charons
# see the NAT, IKE moves to 4500, A's CHILD_SA is installed in nfipsec
# with UDP encapsulation (state list: encap espinudp 4500 4500), pings
# pass both ways, on the wire only their ESP in UDP 4500 (non-ESP marker:
# the SPIs), no plain ESP, nothing in clear; nfipsec's counters as sent.
# Then the NAT rebinds (a new masquerade port, conntrack flushed) during
# a continuous ping: B's XFRM raises MAPPING, B's charon (responder, peer
# behind NAT) moves the SA to the new port and the replies come back;
# A's nfipsec SAs keep their ports.
# natt-b-nfipsec: the same with A on XFRM and B on nfipsec, so that the
# rebinding is seen by nfipsec: its MAPPING event reaches charon through
# the plugin, charon's update_sa becomes an SA_MIGRATE with the new port
# (the ports alone, in place: the SA's sequence numbers go on, no key
# leaves the kernel), `nfipsec state list` on B shows the new port, and
# traffic resumes.
# In both, the NAT's address then changes too (rebind-addr): B's charon
# moves the CHILD_SA to it, on XFRM by kernel-netlink's update of SAs and
# policies, on nfipsec by rekeying it once the plugin refuses the move
# (update_sa: NOT_SUPPORTED, nfipsec's SA_MIGRATE moves ports only);
# traffic resumes and B's SAs and out policy name only the new address
# and port.
# rw: road warrior. B is a gateway on nfipsec with a virtual IP pool
# (10.3.0.0/28, local_ts its LAN), A a client on XFRM behind the NAT that
# asks for a virtual IP (vips = 0.0.0.0): it gets one from the pool,
# reaches h2 on B's LAN (ping, a TCP transfer with socat), nothing in
# clear on B's WAN side, B's nfipsec holds the SAs (encapsulated) and the
# policies of the virtual IP, and none once the client has closed.
# rw-a-nfipsec: the same with the client on nfipsec and the gateway on
# XFRM, the client's charon with install_routes = yes: the plugin installs
# kernel-netlink's source route (table 220: B's LAN via the NAT, src the
# virtual IP), so that the client's own ping and TCP, which name no source
# address, leave from the virtual IP into the CHILD_SA (without the route
# they would leave from A's own address, match no policy and go in clear);
# the route goes with the CHILD_SA.
#
# B on the outside has a default route towards the NAT: routes are off
# elsewhere (install_routes = no, as in strongswan.sh), and a gateway's
# traffic to a road warrior's virtual IP must be routed somewhere to meet
# its out policy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"
. "$(dirname "$0")/lib_strongswan.sh"

require_module

# lib_tunnel.sh's WAN addresses are not these: A is behind the NAT, B
# sees it as N4.
A4=192.168.3.107 N4=198.51.100.1 B4=198.51.100.2
POOL=10.3.0.0/28
# The NAT's port for A after the rebinding; then its new address and port.
NEWPORT=5000 N4B=198.51.100.3 NEWPORT2=5001

ss_setup strongswan_natt
command -v socat >/dev/null && command -v conntrack >/dev/null ||
	{ fail setup "missing: socat or conntrack"; finish; }

topology() {
	setup_ns h1 ra nat rb h2 || return 1
	tunnel_sysctls "$h1" "$ra" "$nat" "$rb" "$h2" || return 1
	tunnel_lans || return 1
	ip -n "$ra" -batch - <<-EOF || return 1
	link add wan0 type veth peer name in0 netns $nat
	addr add 192.168.111.1/24 dev lan0
	addr add $A4/24 dev wan0
	link set lan0 up
	link set wan0 up
	route add default via 192.168.3.1
	EOF
	ip -n "$rb" -batch - <<-EOF || return 1
	link add wan0 type veth peer name out0 netns $nat
	addr add 192.168.186.1/24 dev lan0
	addr add $B4/24 dev wan0
	link set lan0 up
	link set wan0 up
	route add default via $N4
	EOF
	ip -n "$nat" -batch - <<-EOF || return 1
	addr add 192.168.3.1/24 dev in0
	addr add $N4/24 dev out0
	addr add $N4B/24 dev out0
	link set in0 up
	link set out0 up
	EOF
	ip netns exec "$nat" nft -f - <<-EOF
	table ip nat {
		chain post {
			type nat hook postrouting priority 100;
		}
	}
	EOF
}

# nat_map [STATEMENT...]: the NAT masquerades 192.168.3.0/24 out of out0
# (UDP with STATEMENT when given, e.g. "masquerade to :5000" or "snat to
# ADDR:PORT"), and forgets every mapping it had (conntrack flushed after
# the rule changed: a packet between the two takes the new rule).
nat_map() {
	ip netns exec "$nat" nft -f - <<-EOF || return 1
	flush chain ip nat post
	add rule ip nat post oifname "out0" ip saddr 192.168.3.0/24 ip protocol udp ${*:-masquerade}
	add rule ip nat post oifname "out0" ip saddr 192.168.3.0/24 masquerade
	EOF
	ip netns exec "$nat" conntrack -F >/dev/null 2>&1
	return 0
}

topology || { fail topology "setup failed"; finish; }

trap ss_cleanup EXIT

# ss_conf R IMPL: router R's strongswan.conf as lib_strongswan.sh's conf
# writes it (charon on IMPL); the scenario writes R's swanctl.conf.
ss_conf() {
	conf "$1" "$2" 0.0.0.0 0.0.0.0 0.0.0.0/0 0.0.0.0/0
	rm -f "$T/$1/swanctl.conf"
}

# s2s_swanctl: site to site, A (behind the NAT, initiator, knows B's
# address) and B (responder, takes A from any address: it sees N4).
s2s_swanctl() {
	local r
	for r in a b; do
		local me=$A4 peer=$B4 addrs="remote_addrs = $B4" lme=$LAN_A lpeer=$LAN_B
		[ $r = b ] && me=$B4 peer=$A4 addrs="remote_addrs = %any" lme=$LAN_B lpeer=$LAN_A
		cat > "$T/$r/swanctl.conf" <<-EOF
		connections {
		    s2s {
		        version = 2
		        local_addrs = $me
		        $addrs
		        proposals = aes128gcm16-prfsha256-ecp256
		        dpd_delay = 0
		        local {
		            auth = psk
		            id = $me
		        }
		        remote {
		            auth = psk
		            id = $peer
		        }
		        children {
		            net {
		                local_ts = $lme
		                remote_ts = $lpeer
		                esp_proposals = aes128gcm16
		                mode = tunnel
		                start_action = none
		            }
		        }
		    }
		}
		secrets {
		    ike-s2s {
		        id-a = $A4
		        id-b = $B4
		        secret = "$PSK"
		    }
		}
		EOF
	done
}

# start_charons T IMPL_A IMPL_B: both charons up, each on the backend it
# was configured for, with its swanctl.conf loaded.
start_charons() {
	local t=$1 ia=$2 ib=$3 r impl
	if ! charon_start a "$ra" || ! charon_start b "$rb"; then
		fail "$t.charon-start" "no vici socket after 60 s: $(cat "$T"/?/charon.out "$T"/?/charon.log 2>/dev/null | tail -20 | tr '\n' '|')"
		return 1
	fi
	for r in a b; do
		eval "impl=\$i$r"
		if [ "$impl" = nfipsec ]; then
			check_match "$t.$r-plugin-backend" "kernel-nfipsec: IPsec on nfipsec" "$(< "$T/$r/charon.log")"
		elif text_has "$(< "$T/$r/charon.log")" "kernel-nfipsec"; then
			fail "$t.$r-xfrm-backend" "charon on XFRM loaded kernel-nfipsec"
		else
			pass "$t.$r-xfrm-backend"
		fi
		check "$t.$r-load-conf" sw "$r" --load-all --noprompt --file "$T/$r/swanctl.conf"
	done
}

stop_charons() {
	local r
	charon_stop a
	charon_stop b
	for r in a b; do cp -f "$T/$r/charon.log" "$T/$r/charon-$1.log"; done
	tunnel_clear "$ra"
	tunnel_clear "$rb"
	# a charon killed leaves its routes: not into the next scenario
	ip -n "$ra" route flush table 220 2>/dev/null
	ip -n "$rb" route flush table 220 2>/dev/null
}

# encap_lines NS IMPL SPORT DPORT: how many SAs IMPL lists in NS with ESP
# in UDP from SPORT to DPORT ("error" when the list fails).
encap_lines() {
	local re="^[[:space:]]encap type espinudp sport $3 dport $4 addr "
	if [ "$2" = nfipsec ]; then
		count_lines "$re" nfipsec -n "$1" state list
	else
		count_lines "$re" ip -n "$1" xfrm state
	fi
}

# sa_get NS IMPL DST SPI: the SA, as the implementation's CLI shows it.
sa_get() {
	if [ "$2" = nfipsec ]; then
		nfipsec -n "$1" state get dst "$3" proto esp spi "$4" 2>&1
	else
		ip -n "$1" xfrm state get dst "$3" proto esp spi "$4" 2>&1
	fi
}

# replies FILE: REPLY = the echo replies ping wrote to FILE so far.
replies() {
	local line
	REPLY=0
	[ -e "$1" ] || return 0
	while IFS= read -r line; do
		[[ $line == *" bytes from "* ]] && REPLY=$((REPLY + 1))
	done < "$1"
	return 0
}
replies_at_least() { replies "$1"; [ "$REPLY" -ge "$2" ]; }

# pcap_n PCAP FILTER: REPLY = the packets of PCAP matching FILTER.
pcap_n() {
	REPLY=$(tcpdump -r "$1" -nn "$2" 2>/dev/null | grep -c .)
}

# s2s_wire T PCAP SPI_AB SPI_BA: the capture on the NAT's outside link
# holds exactly the pings' ESP in UDP (3 requests and 3 replies each way:
# 6 packets of each SPI, between N4:4500 and B4:4500, the SPI where a
# non-ESP marker would be), no plain ESP, no other IPv4 than UDP 4500
# (NAT keepalives may be there), and no LAN address in clear.
s2s_wire() {
	local t=$1 cap=$2 ab=$3 ba=$4
	pcap_count "$t.wire-esp-in-udp-a-b" 6 "$cap" \
		"src host $N4 and dst host $B4 and udp src port 4500 and udp dst port 4500 and udp[8:4] == 0x$ab"
	pcap_count "$t.wire-esp-in-udp-b-a" 6 "$cap" \
		"src host $B4 and dst host $N4 and udp src port 4500 and udp dst port 4500 and udp[8:4] == 0x$ba"
	pcap_count "$t.wire-no-plain-esp" 0 "$cap" "esp"
	pcap_count "$t.wire-only-udp4500" 0 "$cap" "ip and not udp port 4500"
	pcap_count "$t.wire-nothing-in-clear" 0 "$cap" "$LAN_CLEAR"
}

# rebind T IMPL_A IMPL_B: during a continuous ping h1 -> h2, the NAT
# gives A's flow a new port ($NEWPORT). B's replies go to the old mapping
# (the NAT drops them) until B's charon, told of the new mapping by B's
# kernel (MAPPING), moves B's SAs to it: then the replies come back. Each
# side's SAs show the ports they must.
rebind() {
	local t=$1.rebind ia=$2 ib=$3 si so pf=$T/ping-$1.out pid r0 t0 cap=$T/rebind-$1.pcap
	local blog p0=0 p1 s1 rp0 rp1
	if ! child_counts b; then
		fail "$t" "no CHILD_SA on B"
		return
	fi
	read -r si _ _ so _ _ <<< "$REPLY"
	capture_start tpid "$nat" out0 "$cap" || { fail "$t.capture" "tcpdump did not start"; return; }
	ip netns exec "$h1" ping -n -i 0.2 -c 300 -W 1 $H2 > "$pf" 2>&1 < /dev/null &
	pid=$!
	bg_pids+=("$pid")
	if wait_until 20 replies_at_least "$pf" 3; then
		pass "$t.ping-before"
	else
		fail "$t.ping-before" "$(tail -5 "$pf" | tr '\n' '|')"
	fi
	# B's out SA before the remap: its packets, and the replies h1 had
	# (each one a packet of it, or on its way) by then.
	if [ "$ib" = nfipsec ]; then
		replies "$pf"
		rp0=$REPLY
		read -r _ p0 <<< "$(sa_stats "$rb" $N4 "0x$so" packets)"
	fi
	nat_map masquerade to ":$NEWPORT" || fail "$t.remap" "nft refused the new rule"
	replies "$pf"
	r0=$REPLY t0=${EPOCHREALTIME/./}
	# 5 more replies: at most one was on its way before the remap, the
	# others came back through the new mapping.
	if wait_until 30 replies_at_least "$pf" $((r0 + 5)); then
		pass "$t.resumed"
		echo "$t: traffic resumed $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms after the remap"
	else
		replies "$pf"
		fail "$t.resumed" "$((REPLY - r0)) replies in 30 s after the remap: $(tail -3 "$pf" | tr '\n' '|')"
	fi
	kill "$pid" 2>/dev/null
	if [ "$ib" = nfipsec ]; then
		wait "$pid" 2>/dev/null
		replies "$pf"
		rp1=$REPLY
		read -r _ p1 _ s1 <<< "$(sa_stats "$rb" $N4 "0x$so" packets seq-out)"
	fi
	capture_stop tpid

	# What B saw: A's ESP in UDP from the new port, and after the update
	# B's own to it.
	pcap_n "$cap" "src host $N4 and udp src port $NEWPORT and dst port 4500 and udp[8:4] == 0x$si"
	check_match "$t.wire-a-new-port" '^[1-9]' "$REPLY"
	pcap_n "$cap" "src host $B4 and udp src port 4500 and dst port $NEWPORT and udp[8:4] == 0x$so"
	check_match "$t.wire-b-to-new-port" '^[1-9]' "$REPLY"
	pcap_count "$t.wire-nothing-in-clear" 0 "$cap" "$LAN_CLEAR or esp"
	[ "$nfailed" = 0 ] || keep_artifact "$cap"

	# B's kernel told its charon of the new mapping (B's inbound SA, A's
	# new address and port), and charon moved the IKE_SA.
	blog=$(< "$T/b/charon.log")
	check_match "$t.b-mapping-to-charon" \
		"NAT mappings of CHILD_SA ESP/0x$si/$B4 changed to $N4\\[$NEWPORT\\]" "$blog"
	check_match "$t.b-remote-moved" \
		"remote endpoint changed from $N4\\[4500\\] to $N4\\[$NEWPORT\\]" "$blog"
	# B's SAs: inbound from the new port, outbound to it.
	check_match "$t.b-in-new-port" \
		"encap type espinudp sport $NEWPORT dport 4500 " "$(sa_get "$rb" "$ib" $B4 "0x$si")"
	check_match "$t.b-out-new-port" \
		"encap type espinudp sport 4500 dport $NEWPORT " "$(sa_get "$rb" "$ib" $N4 "0x$so")"
	if [ "$ib" = nfipsec ]; then
		# nfipsec counted the MAPPING it sent (at most one a second).
		check_match "$t.b-mapping-counted" '^[1-9]' "$(nfipsec_stat "$rb" mapping)"
		check_match "$t.b-plugin-updated" \
			"updated SA $so in nfipsec: ports $B4\\[4500\\] === $N4\\[$NEWPORT\\]" "$blog"
		# Moved in place (SA_MIGRATE): the same SA sends on, its
		# counters and sequence numbers never restarted: every reply
		# h1 got after the first sample is one more packet of it (a
		# deleted and re-added SA would count from 0), and it numbered
		# as many packets as it sent.
		if [ "${p1:-0}" -ge $((p0 + rp1 - rp0)) ] && [ "$rp1" -gt "$rp0" ] &&
			[ "$s1" = "$p1" ]; then
			pass "$t.b-out-seq-goes-on"
		else
			fail "$t.b-out-seq-goes-on" "out SA $so: $p0 packets at $rp0 replies, $p1 (seq-out $s1) at $rp1 replies"
		fi
	fi
	# A, behind the NAT, changes nothing: it still talks 4500 to 4500.
	check_eq "$t.a-ports-kept" 2 "$(encap_lines "$ra" "$ia" 4500 4500)"
}

# rebind_addr T IMPL_A IMPL_B: after rebind, the NAT moves A's flow to
# another address (N4B) and port, as a NAT whose public address changed.
# B's kernel reports it (MAPPING, new address); B's charon moves the
# IKE_SA and the CHILD_SA: kernel-netlink moves XFRM's SAs and policies
# to the new address; the plugin refuses (SA_MIGRATE moves ports, not
# addresses: update_sa returns NOT_SUPPORTED), so charon rekeys the CHILD_SA with
# the new address instead. Either way, traffic resumes, and B's SAs are
# then between B4 and N4B only, ESP in UDP from and to the new port, the
# out policy's template naming N4B.
rebind_addr() {
	local t=$1.rebind-addr ia=$2 ib=$3 pf=$T/ping-$1-addr.out pid r0 t0 blog
	ip netns exec "$h1" ping -n -i 0.2 -c 400 -W 1 $H2 > "$pf" 2>&1 < /dev/null &
	pid=$!
	bg_pids+=("$pid")
	if wait_until 20 replies_at_least "$pf" 3; then
		pass "$t.ping-before"
	else
		fail "$t.ping-before" "$(tail -5 "$pf" | tr '\n' '|')"
	fi
	nat_map snat to "$N4B:$NEWPORT2" || fail "$t.remap" "nft refused the new rule"
	replies "$pf"
	r0=$REPLY t0=${EPOCHREALTIME/./}
	if wait_until 40 replies_at_least "$pf" $((r0 + 5)); then
		pass "$t.resumed"
		echo "$t: traffic resumed $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms after the remap"
	else
		replies "$pf"
		fail "$t.resumed" "$((REPLY - r0)) replies in 40 s after the remap: $(tail -3 "$pf" | tr '\n' '|')"
	fi
	kill "$pid" 2>/dev/null

	blog=$(< "$T/b/charon.log")
	check_match "$t.b-mapping-to-charon" \
		"NAT mappings of CHILD_SA ESP/0x[0-9a-f]{8}/$B4 changed to $N4B\\[$NEWPORT2\\]" "$blog"
	check_match "$t.b-remote-moved" \
		"remote endpoint changed from $N4\\[$NEWPORT\\] to $N4B\\[$NEWPORT2\\]" "$blog"
	if [ "$ib" = nfipsec ]; then
		check_match "$t.b-plugin-refused" "nfipsec cannot move SA [0-9a-f]{8} to new addresses" "$blog"
	fi
	# B's SAs, once the old ones (nfipsec: the rekeyed CHILD_SA's) are
	# gone: one each way between B4 and N4B, from and to the new port.
	if wait_until 20 peer_sas "$rb" "$ib" "1 1 0 0 1 1"; then
		pass "$t.b-sas-moved"
	else
		fail "$t.b-sas-moved" "expected '1 1 0 0 1 1' (from N4B, to N4B, from N4, to N4, encap in, encap out), got '$REPLY'"
	fi
	if [ "$ib" = nfipsec ]; then
		check_match "$t.b-out-policy" "tmpl src $B4 dst $N4B( |$)" \
			"$(nfipsec -n "$rb" policy list dir out)"
	else
		check_match "$t.b-out-policy" "tmpl src $B4 dst $N4B( |$)" \
			"$(ip -n "$rb" xfrm policy list dir out)"
	fi
}

# peer_sas NS IMPL EXPECTED: REPLY = "FROM_N4B TO_N4B FROM_N4 TO_N4
# ENCAP_IN ENCAP_OUT", the SAs IMPL lists in NS from and to each NAT
# address and with ESP in UDP from and to the new port; it is EXPECTED.
peer_sas() {
	local out a b c d e f
	if [ "$2" = nfipsec ]; then out=$(nfipsec -n "$1" state list); else out=$(ip -n "$1" xfrm state); fi
	count_in "$out" "^src ${N4B//./\\.} dst ${B4//./\\.}( |\$)"; a=$REPLY
	count_in "$out" "^src ${B4//./\\.} dst ${N4B//./\\.}( |\$)"; b=$REPLY
	count_in "$out" "^src ${N4//./\\.} dst ${B4//./\\.}( |\$)"; c=$REPLY
	count_in "$out" "^src ${B4//./\\.} dst ${N4//./\\.}( |\$)"; d=$REPLY
	count_in "$out" "^[[:space:]]encap type espinudp sport $NEWPORT2 dport 4500 "; e=$REPLY
	count_in "$out" "^[[:space:]]encap type espinudp sport 4500 dport $NEWPORT2 "; f=$REPLY
	REPLY="$a $b $c $d $e $f"
	[ "$REPLY" = "$3" ]
}

# own_ping T R NS HOST ME PEER LAN SRC: router R (on nfipsec) pings HOST on
# the other LAN itself, naming no source: the plugin's route (table 220:
# LAN via the next hop to the peer, src SRC, R's LAN address) makes the
# ping leave from SRC into the CHILD_SA, whose SAs (in to ME, out to PEER)
# count its 3 requests and 3 replies more.
own_ping() {
	local t=$1 r=$2 ns=$3 host=$4 me=$5 peer=$6 lan=$7 src=$8 si so i0 o0
	check_match "$t.$r-route" "^${lan//./\\.} via [0-9.]+ dev wan0 .*src ${src//./\\.}( |\$)" \
		"$(ip -n "$ns" route show table 220)"
	child_counts "$r"
	read -r si _ _ so _ _ <<< "$REPLY"
	read -r _ i0 <<< "$(sa_stats "$ns" "$me" "0x$si" packets)"
	read -r _ o0 <<< "$(sa_stats "$ns" "$peer" "0x$so" packets)"
	check "$t.$r-own-ping" ip netns exec "$ns" ping -c 3 -i 0.3 -W 3 "$host"
	check_eq "$t.$r-own-ping-counted" "packets $((i0 + 3)) packets $((o0 + 3))" \
		"$(sa_stats "$ns" "$me" "0x$si" packets) $(sa_stats "$ns" "$peer" "0x$so" packets)"
}

# natt T IMPL_A IMPL_B: site to site through the NAT; the router on
# nfipsec has the plugin install routes (install_routes = yes) and sends
# its own traffic through the CHILD_SA (own_ping).
natt() {
	local t=$1 ia=$2 ib=$3 r ns impl cap=$T/wire-$1.pcap alog blog si so out
	nat_map || { fail "$t.nat" "nft refused the rule"; return; }
	PSK=nfipsec-lab-$SRANDOM$SRANDOM
	for r in a b; do
		eval "impl=\$i$r"
		if [ "$impl" = nfipsec ]; then
			SS_CHARON_a="install_routes = yes" SS_CHARON_b="install_routes = yes" \
				ss_conf $r "$impl"
		else
			ss_conf $r "$impl"
		fi
	done
	s2s_swanctl
	if ! start_charons "$t" "$ia" "$ib"; then
		stop_charons "$t"
		return
	fi
	check "$t.initiate" sw a --initiate --child net --timeout 30

	# Both saw the NAT (NAT-D), and IKE moved to 4500: B talks to A at
	# the NAT's address. (charon moves IKE to 4500 for MOBIKE as well:
	# a-ike-4500 passes without a NAT too, as the no_nat mutant showed;
	# b-ike-from-nat and the NAT-D lines are what prove the NAT.)
	alog=$(< "$T/a/charon.log") blog=$(< "$T/b/charon.log")
	check_match "$t.a-behind-nat" "local host is behind NAT, sending keep alives" "$alog"
	check_match "$t.b-peer-behind-nat" "remote host is behind NAT" "$blog"
	out=$(sw a --list-sas 2>&1)
	check_match "$t.a-ike-4500" "^  local  '$A4' @ $A4\\[4500\\]" "$out"
	check_match "$t.a-ike-4500-remote" "^  remote '$B4' @ $B4\\[4500\\]" "$out"
	check_match "$t.b-ike-from-nat" "^  remote '$A4' @ $N4\\[4500\\]" "$(sw b --list-sas 2>&1)"
	for r in a b; do
		eval "impl=\$i$r ns=\$r$r"
		# charon's CHILD_SA is ESP in UDP ...
		check_match "$t.$r-child-installed" \
			"net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128" \
			"$(sw "$r" --list-sas 2>&1)"
		impl_check "$t" "$r" "$ns" "$impl"
		# ... and so are its two SAs in the kernel it runs (N4 kept
		# A's port 4500).
		check_eq "$t.$r-encap" 2 "$(encap_lines "$ns" "$impl" 4500 4500)"
	done

	if ! child_counts a; then
		fail "$t.a-child" "no CHILD_SA on A: $(sw a --list-sas 2>&1 | tr '\n' '|')"
	else
		read -r si _ _ so _ _ <<< "$REPLY"
		if capture_start tpid "$nat" out0 "$cap"; then
			check "$t.ping-a-b" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 $H2
			check "$t.ping-b-a" ip netns exec "$h2" ping -c 3 -i 0.3 -W 3 $H1
			capture_stop tpid
			s2s_wire "$t" "$cap" "$so" "$si"
		else
			fail "$t.capture" "tcpdump did not start"
		fi
		if [ "$ia" = nfipsec ]; then
			nfipsec_counts "$t" a "$ra" $A4 $B4
			own_ping "$t" a "$ra" $H2 $A4 $B4 $LAN_B 192.168.111.1
		fi
		if [ "$ib" = nfipsec ]; then
			nfipsec_counts "$t" b "$rb" $B4 $N4
			own_ping "$t" b "$rb" $H1 $B4 $N4 $LAN_A 192.168.186.1
		fi

		rebind "$t" "$ia" "$ib"
		rebind_addr "$t" "$ia" "$ib"
		# B on nfipsec rekeyed its CHILD_SA for the new address: the
		# route follows the policy's new user.
		if [ "$ib" = nfipsec ]; then
			own_ping "$t.rekeyed" b "$rb" $H1 $B4 $N4B $LAN_A 192.168.186.1
		fi
	fi

	# Closing the IKE_SA (through the new mapping) removes charon's SAs
	# and policies from nfipsec.
	check "$t.terminate" sw a --terminate --ike s2s --timeout 30
	for r in a b; do
		eval "impl=\$i$r ns=\$r$r"
		[ "$impl" = nfipsec ] || continue
		if wait_until 15 nfipsec_empty "$ns"; then
			pass "$t.$r-nfipsec-cleared"
		else
			fail "$t.$r-nfipsec-cleared" "SAs, larval SAs, policies: $REPLY"
		fi
	done
	stop_charons "$t"
	rm -f "$cap" "$cap.err"
}

# nfipsec_empty NS: no SA, larval SA or policy in NS's nfipsec; REPLY the
# counts.
nfipsec_empty() {
	local p
	p=$(count_lines "$POL_RE" nfipsec -n "$1" policy list)
	nfipsec_sas "$1"
	REPLY="$REPLY $p"
	[ "$REPLY" = "0 0 0" ]
}

# rw_swanctl: B the gateway (pool rw, its LAN), A the client asking for a
# virtual IP.
rw_swanctl() {
	cat > "$T/b/swanctl.conf" <<-EOF
	connections {
	    rw {
	        version = 2
	        local_addrs = $B4
	        pools = rw
	        proposals = aes128gcm16-prfsha256-ecp256
	        dpd_delay = 0
	        local {
	            auth = psk
	            id = $B4
	        }
	        remote {
	            auth = psk
	            id = $A4
	        }
	        children {
	            net {
	                local_ts = $LAN_B
	                esp_proposals = aes128gcm16
	                mode = tunnel
	            }
	        }
	    }
	}
	pools {
	    rw {
	        addrs = $POOL
	    }
	}
	secrets {
	    ike-rw {
	        id-a = $A4
	        id-b = $B4
	        secret = "$PSK"
	    }
	}
	EOF
	cat > "$T/a/swanctl.conf" <<-EOF
	connections {
	    rw {
	        version = 2
	        local_addrs = $A4
	        remote_addrs = $B4
	        vips = 0.0.0.0
	        proposals = aes128gcm16-prfsha256-ecp256
	        dpd_delay = 0
	        local {
	            auth = psk
	            id = $A4
	        }
	        remote {
	            auth = psk
	            id = $B4
	        }
	        children {
	            net {
	                remote_ts = $LAN_B
	                esp_proposals = aes128gcm16
	                mode = tunnel
	                start_action = none
	            }
	        }
	    }
	}
	secrets {
	    ike-rw {
	        id-a = $A4
	        id-b = $B4
	        secret = "$PSK"
	    }
	}
	EOF
}

# rw T IA IB: the road warrior (A, behind the NAT) on IA and the gateway
# (B) on IB, one of them nfipsec (N below: that router).
rw() {
	local t=$1 ia=$2 ib=$3 cap=$T/wire-$1.pcap out vip re si so sp pol
	local n=b nns=$rb local_ts remote_ts me peer to_gw from_gw src=() bind=
	nat_map || { fail "$t.nat" "nft refused the rule"; return; }
	PSK=nfipsec-lab-$SRANDOM$SRANDOM
	# A client on nfipsec has the plugin install its source route
	# (kernel-netlink's install_routes, off elsewhere in these tests).
	if [ "$ia" = nfipsec ]; then
		n=a nns=$ra
		SS_CHARON_a="install_routes = yes" ss_conf a "$ia"
	else
		ss_conf a "$ia"
	fi
	ss_conf b "$ib"
	rw_swanctl
	if ! start_charons "$t" "$ia" "$ib"; then
		stop_charons "$t"
		return
	fi
	check "$t.initiate" sw a --initiate --child net --timeout 30
	# The client's virtual IP, from the pool.
	out=$(sw a --list-sas 2>&1)
	vip= re="local +'$A4' @ $A4\\[4500\\] \\[([0-9.]+)\\]"
	[[ $out =~ $re ]] && vip=${BASH_REMATCH[1]}
	check_match "$t.vip-from-pool" '^10\.3\.0\.([1-9]|1[0-4])$' "$vip"
	[ -n "$vip" ] || vip=10.3.0.1
	check_match "$t.gw-sees-vip" "^  remote '$A4' @ $N4\\[4500\\] \\[$vip\\]" "$(sw b --list-sas 2>&1)"
	# The client's kernel-netlink put it on an interface: A can send from it.
	check_match "$t.a-vip-installed" "inet $vip/32 " "$(ip -n "$ra" addr show)"
	check_match "$t.$n-child-installed" \
		"net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128" \
		"$(sw $n --list-sas 2>&1)"
	# N's CHILD_SA: its two SAs, ESP in UDP, in nfipsec alone, and its
	# three policies name the virtual IP (the gateway's out to it, in and
	# fwd from it; the client's the other way).
	impl_check "$t" $n "$nns" nfipsec
	check_eq "$t.$n-encap" 2 "$(encap_lines "$nns" nfipsec 4500 4500)"
	local_ts=${LAN_B//./\\.} remote_ts=${vip//./\\.}/32 me=$B4 peer=$N4
	[ $n = a ] && local_ts=${vip//./\\.}/32 remote_ts=${LAN_B//./\\.} me=$A4 peer=$B4
	if [ $n = b ]; then
		# install_routes = no: the plugin installs none
		check_eq "$t.b-no-route" "" "$(ip -n "$rb" route show table 220)"
	fi
	pol=$(nfipsec -n "$nns" policy list)
	count_in "$pol" "^src $local_ts dst $remote_ts "
	out=$REPLY
	count_in "$pol" "^src $remote_ts dst $local_ts "
	check_eq "$t.$n-vip-policies" "out 1 in+fwd 2" "out $out in+fwd $REPLY"
	if [ $n = a ]; then
		# The plugin's route: B's LAN via the NAT, from the virtual IP,
		# in kernel-netlink's table; A's traffic needs no source named.
		check_match "$t.a-route" "^${LAN_B//./\\.} via 192\\.168\\.3\\.1 dev wan0 .*src ${vip//./\\.}( |$)" \
			"$(ip -n "$ra" route show table 220)"
	else
		src=(-I "$vip") bind=",bind=$vip"
	fi

	if ! child_counts $n; then
		fail "$t.$n-child" "no CHILD_SA on $n: $(sw $n --list-sas 2>&1 | tr '\n' '|')"
	elif read -r si _ _ so _ _ <<< "$REPLY" && capture_start tpid "$nat" out0 "$cap"; then
		to_gw=$si from_gw=$so
		[ $n = a ] && to_gw=$so from_gw=$si
		check "$t.ping" ip netns exec "$ra" ping -c 3 -i 0.3 -W 3 "${src[@]}" $H2
		check_eq "$t.$n-nfipsec-in" "packets 3 bytes 252" "$(sa_stats "$nns" $me "0x$si" packets bytes)"
		check_eq "$t.$n-nfipsec-out" "packets 3 bytes 252" "$(sa_stats "$nns" $peer "0x$so" packets bytes)"
		# A TCP transfer from the virtual IP to h2, whole and intact.
		head -c 262144 /dev/urandom > "$T/tx"
		rm -f "$T/rx"
		ip netns exec "$h2" socat -u TCP-LISTEN:5201,reuseaddr "CREATE:$T/rx" \
			>/dev/null 2>&1 < /dev/null &
		sp=$!
		bg_pids+=("$sp")
		if ! wait_listen "$h2" 5201; then
			fail "$t.tcp" "socat does not listen on h2"
		else
			check "$t.tcp" ip netns exec "$ra" timeout 60 socat -u "OPEN:$T/tx" \
				"TCP:$H2:5201$bind,connect-timeout=10"
			wait_until 20 gone "$sp"
			check "$t.tcp-intact" cmp "$T/tx" "$T/rx"
		fi
		kill "$sp" 2>/dev/null
		capture_stop tpid
		# On the gateway's WAN side: the ESP in UDP of both SPIs, no
		# plain ESP, nothing else over IPv4 but UDP 4500, no LAN or
		# pool address in clear.
		pcap_n "$cap" "src host $N4 and dst host $B4 and udp dst port 4500 and udp[8:4] == 0x$to_gw"
		check_match "$t.wire-esp-in-udp-to-gw" '^([3-9]|[1-9][0-9]+)$' "$REPLY"
		pcap_n "$cap" "src host $B4 and dst host $N4 and udp src port 4500 and udp[8:4] == 0x$from_gw"
		check_match "$t.wire-esp-in-udp-from-gw" '^([3-9]|[1-9][0-9]+)$' "$REPLY"
		pcap_count "$t.wire-no-plain-esp" 0 "$cap" "esp"
		pcap_count "$t.wire-only-udp4500" 0 "$cap" "ip and not udp port 4500"
		pcap_count "$t.wire-nothing-in-clear" 0 "$cap" "$LAN_CLEAR or net $POOL"
	else
		fail "$t.capture" "tcpdump did not start"
	fi

	# The client closes: N's SAs and policies go (and the client's route).
	check "$t.terminate" sw a --terminate --ike rw --timeout 30
	if wait_until 15 nfipsec_empty "$nns"; then
		pass "$t.$n-nfipsec-cleared"
	else
		fail "$t.$n-nfipsec-cleared" "SAs, larval SAs, policies: $REPLY"
	fi
	if [ $n = a ]; then
		out=$(ip -n "$ra" route show table 220)
		check_eq "$t.a-route-removed" "" "$out"
	fi
	stop_charons "$t"
	rm -f "$cap" "$cap.err" "$T/tx" "$T/rx"
}

# NFIPSEC_SS_SCENARIOS (names, by spaces or commas): only those.
scen=${NFIPSEC_SS_SCENARIOS:-natt-a-nfipsec,natt-b-nfipsec,rw,rw-a-nfipsec}
for s in natt-a-nfipsec:nfipsec:xfrm natt-b-nfipsec:xfrm:nfipsec; do
	IFS=: read -r name ia ib <<< "$s"
	case ",$scen," in
	*[,\ ]"$name"[,\ ]*) natt "$name" "$ia" "$ib" ;;
	esac
done
for s in rw:xfrm:nfipsec rw-a-nfipsec:nfipsec:xfrm; do
	IFS=: read -r name ia ib <<< "$s"
	case ",$scen," in
	*[,\ ]"$name"[,\ ]*) rw "$name" "$ia" "$ib" ;;
	esac
done
finish
