#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=80 timeout=600
# strongSwan keys nfipsec (issue 10) beyond IPv4 tunnels: two charons on
# the standard topology (lib_tunnel.sh, lib_strongswan.sh), router A on
# nfipsec (the kernel-nfipsec plugin), router B on Linux XFRM
# (kernel-netlink), IKEv2 PSK aes128gcm16-prfsha256-ecp256, ESP
# aes128gcm16, A initiates. One pair of charons, two connections:
#  v6   IPv6 site to site: outer A6 <-> B6, inner fd00:111::/64 <->
#       fd00:186::/64, tunnel mode. Pings both ways between h1 and h2; on
#       the wire exactly their ESP between A6 and B6, nothing in clear;
#       nfipsec's SA counters on A as sent (104-byte echoes) and as
#       swanctl shows, and as B's XFRM counted.
#  gre  transport mode between the routers' own addresses carrying GRE
#       (strongSwan's "transport-mode GRE" guide): gre1 10.99.0.1/30 on A
#       to 10.99.0.2/30 on B, a CHILD_SA with mode = transport and
#       local_ts/remote_ts dynamic[gre]. Pings over gre1 both ways; on the
#       wire exactly their ESP between A4 and B4, no GRE and no address of
#       gre1 in clear; nfipsec on A shows both SAs in mode transport and
#       policies for proto gre (in and out: no fwd for transport), its
#       counters as sent (108-byte GRE packets) and as swanctl shows.
# Both CHILD_SAs are only in nfipsec on A (nothing in A's XFRM) and only
# in XFRM on B; closing both IKE_SAs empties nfipsec on A.
# CHILD_SA counts are read by name (swanctl --list-sas --ike NAME).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"
. "$(dirname "$0")/lib_strongswan.sh"

require_module

ss_setup strongswan_modes

# gre1 on each router: IPv4 only (addrgenmode none: no link-local address,
# no MLD report over it to disturb the counts).
GA=10.99.0.1 GB=10.99.0.2 H1_6=fd00:111::10 H2_6=fd00:186::10
topology() {
	tunnel_topology || return 1
	ip -n "$ra" -batch - <<-EOF || return 1
	link add gre1 type gre local $A4 remote $B4 ttl 64
	link set gre1 addrgenmode none
	addr add $GA/30 dev gre1
	link set gre1 up
	EOF
	ip -n "$rb" -batch - <<-EOF
	link add gre1 type gre local $B4 remote $A4 ttl 64
	link set gre1 addrgenmode none
	addr add $GB/30 dev gre1
	link set gre1 up
	EOF
}
topology || { fail topology "setup failed"; finish; }

trap ss_cleanup EXIT

# modes_conf R IMPL ME4 PEER4 ME6 PEER6 LAN6_ME LAN6_PEER: conf's
# strongswan.conf, and a swanctl.conf with the two connections.
modes_conf() {
	local r=$1 impl=$2 me4=$3 peer4=$4 me6=$5 peer6=$6 lme=$7 lpeer=$8
	conf "$r" "$impl" "$me4" "$peer4" "$lme" "$lpeer"
	cat > "$T/$r/swanctl.conf" <<EOF
connections {
    v6 {
        version = 2
        local_addrs = $me6
        remote_addrs = $peer6
        proposals = aes128gcm16-prfsha256-ecp256
        mobike = no
        dpd_delay = 0
        local {
            auth = psk
            id = $me6
        }
        remote {
            auth = psk
            id = $peer6
        }
        children {
            v6net {
                local_ts = $lme
                remote_ts = $lpeer
                esp_proposals = aes128gcm16
                mode = tunnel
                start_action = none
            }
        }
    }
    gre {
        version = 2
        local_addrs = $me4
        remote_addrs = $peer4
        proposals = aes128gcm16-prfsha256-ecp256
        mobike = no
        dpd_delay = 0
        local {
            auth = psk
            id = $me4
        }
        remote {
            auth = psk
            id = $peer4
        }
        children {
            gre {
                local_ts = dynamic[gre]
                remote_ts = dynamic[gre]
                esp_proposals = aes128gcm16
                mode = transport
                start_action = none
            }
        }
    }
}
secrets {
    ike-v6 {
        id-a = $A6
        id-b = $B6
        secret = "$PSK"
    }
    ike-v4 {
        id-a = $A4
        id-b = $B4
        secret = "$PSK"
    }
}
EOF
}

# xfrm_packets NS DST SPI: the packets XFRM counted on an SA (ip -s xfrm
# state get), empty when absent.
xfrm_packets() {
	local out re='\(bytes\), ([0-9]+)\(packets\)'
	out=$(ip -n "$1" -s xfrm state get dst "$2" proto esp spi "$3" 2>/dev/null)
	[[ $out =~ $re ]] && echo "${BASH_REMATCH[1]}"
}

# sa_counts T IKE ME PEER PACKETS SIZE: on A, the CHILD_SA of IKE_SA IKE
# counted PACKETS packets of SIZE bytes each way in nfipsec (inbound SA
# at ME, outbound at PEER), swanctl shows the same, and B's XFRM counted
# the same packets on the same SPIs.
sa_counts() {
	local t=$1 ike=$2 me=$3 peer=$4 p=$5 b=$(($5 * $6)) si bi pi so bo po
	if ! child_counts a --ike "$ike"; then
		fail "$t.a-swanctl-counts" "no in/out line in swanctl --list-sas: $(sw a --list-sas --ike "$ike" 2>&1 | tr '\n' '|')"
		return
	fi
	read -r si bi pi so bo po <<< "$REPLY"
	check_match "$t.a-spi-range" "^c1[0-9a-f]{6}$" "$si"
	check_eq "$t.a-nfipsec-in" "packets $p bytes $b integrity 0" \
		"$(sa_stats "$ra" "$me" "0x$si" packets bytes integrity)"
	check_eq "$t.a-nfipsec-out" "packets $p bytes $b" "$(sa_stats "$ra" "$peer" "0x$so" packets bytes)"
	check_eq "$t.a-swanctl-counts" "in $b/$p out $b/$p" "in $bi/$pi out $bo/$po"
	check_eq "$t.b-xfrm-packets" "in $p out $p" \
		"in $(xfrm_packets "$rb" "$peer" "0x$so") out $(xfrm_packets "$rb" "$me" "0x$si")"
}

t=modes
PSK=nfipsec-lab-$SRANDOM$SRANDOM
modes_conf a nfipsec "$A4" "$B4" "$A6" "$B6" fd00:111::/64 fd00:186::/64
modes_conf b xfrm "$B4" "$A4" "$B6" "$A6" fd00:186::/64 fd00:111::/64
if ! charon_start a "$ra" || ! charon_start b "$rb"; then
	fail "$t.charon-start" "no vici socket after 60 s: $(cat "$T"/?/charon.out "$T"/?/charon.log 2>/dev/null | tail -20 | tr '\n' '|')"
	finish
fi
check_match "$t.a-plugin-backend" "kernel-nfipsec: IPsec on nfipsec" "$(< "$T/a/charon.log")"
for r in a b; do
	check "$t.$r-load-conf" sw "$r" --load-all --noprompt --file "$T/$r/swanctl.conf"
done
check "v6.initiate" sw a --initiate --ike v6 --child v6net --timeout 30
check "gre.initiate" sw a --initiate --ike gre --child gre --timeout 30
out=$(sw a --list-sas 2>&1)
check_match "v6.a-child-installed" "^ +v6net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, ESP:AES_GCM_16-128" "$out"
check_match "gre.a-child-installed" "^ +gre: #[0-9]+, reqid [0-9]+, INSTALLED, TRANSPORT, ESP:AES_GCM_16-128" "$out"

# Where the SAs and policies are: 4 SAs and 5 policies (tunnel: out, in,
# fwd; transport: out, in) in nfipsec on A, the same in XFRM on B.
nfipsec_sas "$ra"
check_eq "$t.a-nfipsec-sas" "4 0" "$REPLY"
check_eq "$t.a-nfipsec-policies" 5 "$(count_lines "$POL_RE" nfipsec -n "$ra" policy list)"
check_eq "$t.a-xfrm-empty" "0 0" "$(count_lines "$SA_RE" ip -n "$ra" xfrm state) $(count_lines "$POL_RE" ip -n "$ra" xfrm policy)"
check_eq "$t.b-xfrm" "4 5" "$(count_lines "$SA_RE" ip -n "$rb" xfrm state) $(count_lines "$POL_RE" ip -n "$rb" xfrm policy)"
# The modes as nfipsec shows them: the IPv6 SAs tunnel, the IPv4 ones
# (GRE) transport; the GRE policies select proto gre between the routers.
out=$(nfipsec -n "$ra" state list)
count_in "$out" "^src ($A6 dst $B6|$B6 dst $A6)( |$)"
check_eq "v6.a-nfipsec-sas-v6" 2 "$REPLY"
count_in "$out" "^src ($A4 dst $B4|$B4 dst $A4)( |$)"
check_eq "gre.a-nfipsec-sas-v4" 2 "$REPLY"
count_in "$out" "mode tunnel"
check_eq "v6.a-nfipsec-mode-tunnel" 2 "$REPLY"
count_in "$out" "mode transport"
check_eq "gre.a-nfipsec-mode-transport" 2 "$REPLY"
out=$(nfipsec -n "$ra" policy list)
count_in "$out" "^src $A4/32 dst $B4/32 proto gre"
check_eq "gre.a-nfipsec-out-policy" 1 "$REPLY"
count_in "$out" "^src $B4/32 dst $A4/32 proto gre"
check_eq "gre.a-nfipsec-in-policy" 1 "$REPLY"
count_in "$out" "proto esp .*mode transport"
check_eq "gre.a-nfipsec-transport-tmpls" 2 "$REPLY"

cap=$T/wire-modes.pcap
if capture_start tpid "$wire" br0 "$cap"; then
	check "v6.ping-a-b" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 $H2_6
	check "v6.ping-b-a" ip netns exec "$h2" ping -c 3 -i 0.3 -W 3 $H1_6
	check "gre.ping-a-b" ip netns exec "$ra" ping -c 3 -i 0.3 -W 3 $GB
	check "gre.ping-b-a" ip netns exec "$rb" ping -c 3 -i 0.3 -W 3 $GA
	capture_stop tpid
	# Each: 3 requests and 3 replies each way; nothing between the
	# routers but IKE, ESP and the neighbour protocols (ARP, IPv6 ND):
	# no GRE, no LAN address in clear.
	if wire_tally "$cap"; then
		wire_esp "$A6" "$B6"; n=$REPLY
		wire_esp "$B6" "$A6"
		check_eq v6.wire-esp-packets 12 $((n + REPLY))
		wire_esp "$A4" "$B4"; n=$REPLY
		wire_esp "$B4" "$A4"
		check_eq gre.wire-esp-packets 12 $((n + REPLY))
		check_eq gre.wire-no-gre-in-clear 0 "$WIRE_GRE"
		wire_clear "$t" "$cap"
	else
		fail "$t.wire" "cannot read $cap"
	fi
else
	fail "$t.capture" "tcpdump did not start"
fi
# An echo of 56 bytes: 104 bytes in IPv6; over gre1, 84 in IPv4, 4 of
# GRE and 20 of the routers' header: 108.
sa_counts v6 v6 "$A6" "$B6" 6 104
sa_counts gre gre "$A4" "$B4" 6 108

check "$t.terminate-v6" sw a --terminate --ike v6 --timeout 30
check "$t.terminate-gre" sw a --terminate --ike gre --timeout 30
nf_empty() {
	nfipsec_sas "$ra"
	REPLY="$REPLY $(count_lines "$POL_RE" nfipsec -n "$ra" policy list)"
	[ "$REPLY" = "0 0 0" ]
}
wait_until 10 nf_empty
check_eq "$t.a-nfipsec-cleared" "0 0 0" "$REPLY"
rm -f "$cap" "$cap.err"
for r in a b; do cp -f "$T/$r/charon.log" "$T/$r/charon-$t.log" 2>/dev/null; done
finish
