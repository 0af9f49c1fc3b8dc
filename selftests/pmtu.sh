#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=60
# Path MTU, fragments, DF, ECN and the flow label of the tunnel (security
# issue, item 9). A router "mid" between the sites; its link to rb has an
# MTU of 1400, which only ICMP from mid tells ra about:
#
#   h1 --- ra(nfipsec) --- m1 [mid] m2 ---(1400)--- rb(XFRM) --- h2
#   LAN1 192.168.111/24   192.168.3/24  192.168.4/24      LAN2 192.168.186/24
#        fd00:111::/64    fd00:3::/64   fd00:4::/64            fd00:186::/64
#
# IPv4 inside IPv4 SAs, IPv6 inside IPv6 SAs; Linux XFRM keys rb, so what
# nfipsec puts on the wire is read by an implementation we did not write.
#  - TCP h1 -> h2 completes in both families: mid's frag-needed/packet-too-big
#    about ra's ESP lowers the route's PMTU (in-pmtu counts it) and the
#    inner senders learn the smaller tunnel MTU; no IPv4 ESP fragment
#    crosses mid (outer DF copied from TCP's DF).
#  - IPv6 datagrams that netfilter reassembled (ping -s 3000, forwarded and
#    from ra itself) pass, fragmented again; a 65000-byte IPv4 ping without
#    DF from ra passes (it is fragmented: no outer packet over 65535 bytes).
#  - Outer header: DSCP copied, ECN by RFC 6040 (CE -> ECT(0)), DF copied,
#    IPv6 flow label copied; "flag noecn nopmtudisc": Not-ECT, no DF.
#  - Forged frag-needed from mid (a raw socket): an unknown SPI, a bad
#    checksum, an SA with nopmtudisc are ignored; a right one is taken.
#  - Decapsulation: an outer CE (set by mid) reaches the inner packet; CE
#    over a Not-ECT inner packet is dropped and counted (ecn); with noecn
#    the inner packet is left alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
setup_ns h1 ra mid rb h2 || { fail topology "namespaces"; finish; }
A4=192.168.3.107 A6=fd00:3::107 B4=192.168.4.111 B6=fd00:4::111
tunnel_sysctls "$h1" "$ra" "$mid" "$rb" "$h2" || { fail topology "sysctl"; finish; }
topo() {
	tunnel_lans &&
	ip -n "$mid" -batch - <<EOF &&
link add m1 type veth peer name wan0 netns $ra
link add m2 mtu 1400 type veth peer name wan0 netns $rb
addr add 192.168.3.1/24 dev m1
addr add fd00:3::1/64 dev m1 nodad
addr add 192.168.4.1/24 dev m2
addr add fd00:4::1/64 dev m2 nodad
link set m1 up
link set m2 up
EOF
	ip -n "$ra" -batch - <<EOF &&
addr add 192.168.111.1/24 dev lan0
addr add fd00:111::1/64 dev lan0 nodad
addr add $A4/24 dev wan0
addr add $A6/64 dev wan0 nodad
link set lan0 up
link set wan0 up
route add default via 192.168.3.1
route add ::/0 via fd00:3::1
EOF
	ip -n "$rb" -batch - <<EOF
addr add 192.168.186.1/24 dev lan0
addr add fd00:186::1/64 dev lan0 nodad
addr add $B4/24 dev wan0
addr add $B6/64 dev wan0 nodad
link set wan0 mtu 1400
link set lan0 up
link set wan0 up
route add default via 192.168.4.1
route add ::/0 via fd00:4::1
EOF
}
topo || { fail topology "setup failed"; finish; }

KEY=0x00112233445566778899aabbccddeeff010203
# keys SIDE [FLAG...]: ip-xfrm lines for router SIDE (a: ra, b: rb); with
# FLAGs, ra's SAs get "flag FLAG...". A key per SA.
keys() {
	local side=$1 flags= f me peer lm lp t
	shift
	[ $# -gt 0 ] && [ "$side" = a ] && flags="flag $*"
	for f in 4 6; do
		if [ $f = 4 ]; then
			me=$A4 peer=$B4 lm=192.168.111.0/24 lp=192.168.186.0/24
		else
			me=$A6 peer=$B6 lm=fd00:111::/64 lp=fd00:186::/64
		fi
		echo "state add src $me dst $peer proto esp spi 0x10$f reqid $f mode tunnel replay-window 64 aead 'rfc4106(gcm(aes))' ${KEY}a$f 128 $flags"
		echo "state add src $peer dst $me proto esp spi 0x20$f reqid $f mode tunnel replay-window 64 aead 'rfc4106(gcm(aes))' ${KEY}b$f 128 $flags"
		if [ "$side" = b ]; then
			t=$me me=$peer peer=$t t=$lm lm=$lp lp=$t
		fi
		echo "policy add src $lm dst $lp dir out tmpl src $me dst $peer proto esp reqid $f mode tunnel"
		echo "policy add src $lp dst $lm dir fwd tmpl src $peer dst $me proto esp reqid $f mode tunnel"
		echo "policy add src $lp dst $lm dir in tmpl src $peer dst $me proto esp reqid $f mode tunnel"
	done
}
keys a | tunnel_apply "$ra" nfipsec || { fail config-a "nfipsec refused it"; finish; }
keys b | tunnel_apply "$rb" xfrm || { fail config-b "ip xfrm refused it"; finish; }

# ping_got NAME MIN NS PING-ARGS...: at least MIN echo replies came back.
ping_got() {
	local name=$1 min=$2 ns=$3 out got
	shift 3
	out=$(ip netns exec "$ns" ping "$@" 2>&1)
	got=0
	[[ $out =~ ([0-9]+)\ received ]] && got=${BASH_REMATCH[1]}
	if [ "$got" -ge "$min" ]; then
		pass "$name"
	else
		fail "$name" "$got replies, wanted $min or more: ${out//$'\n'/|}"
	fi
}

# --- 1. Path MTU: TCP through mid's 1400-byte link ------------------------
ip netns exec "$h2" iperf3 -s -D -p 5201 >/dev/null 2>&1 && wait_listen "$h2" 5201 ||
	fail iperf3-server "did not start"
m2cap=/tmp/pmtu-m2.pcap
capture_start m2pid "$mid" m2 "$m2cap" "src $A4 or src $A6" ||
	fail capture-m2 "tcpdump did not start"
check tcp4 ip netns exec "$h1" timeout 30 iperf3 -c 192.168.186.10 -p 5201 -n 300K
check tcp6 ip netns exec "$h1" timeout 30 iperf3 -c fd00:186::10 -p 5201 -n 300K
stat_of "$ra" in-pmtu
if [ "${REPLY:-0}" -ge 2 ]; then pass in-pmtu; else fail in-pmtu "in-pmtu is '${REPLY}', wanted 2 or more (one per family)"; fi
for f in 4 6; do
	eval "peer=\$B$f"
	out=$(ip -n "$ra" route get "$peer")
	if [[ $out == *"mtu 1400"* ]]; then
		pass "route$f-pmtu"
	else
		fail "route$f-pmtu" "no PMTU of 1400 on ra's route to $peer: ${out//$'\n'/|}"
	fi
done

# --- 2. Reassembled IPv6 datagrams, a 65000-byte IPv4 one -----------------
# The first of each may be lost while a sender learns the tunnel's MTU.
ping_got reassembled6-fwd 2 "$h1" -6 -c 4 -i 0.3 -W 2 -s 3000 fd00:186::10
ping_got reassembled6-local 2 "$ra" -6 -c 4 -i 0.3 -W 2 -s 3000 -I fd00:111::1 fd00:186::10
# 65528 bytes: whole, its ESP packet would be 65584 bytes long.
ping_got big4-local 1 "$ra" -c 2 -i 0.5 -W 4 -M dont -s 65500 -I 192.168.111.1 192.168.186.10
capture_stop m2pid
# ra's ESP packets fit mid's link: PMTU discovery, not fragmentation.
pcap_count no-outer-fragments 0 "$m2cap" \
	"(ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44)"

# --- Forged frag-needed from mid quoting ra's ESP (a raw socket) -----------
cat > /tmp/pmtu-forge.py <<'EOF'
import socket, struct, sys
A4, B4 = sys.argv[1], sys.argv[2]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def frag_needed(mtu, spi, bad):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 0, 0x4000, 63, 50, 0,
                    socket.inet_aton(A4), socket.inet_aton(B4))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    body = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + h + struct.pack("!II", spi, 7)
    c = csum(body) ^ (0x5555 if bad else 0)
    return body[:2] + struct.pack("!H", c) + body[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
for arg in sys.argv[3:]:
    mtu, spi, bad = arg.split(",")
    s.sendto(frag_needed(int(mtu), int(spi, 0), bad == "bad"), (A4, 0))
EOF
forge() { ip netns exec "$mid" python3 /tmp/pmtu-forge.py "$A4" "$B4" "$@"; }
route4_mtu() {
	local out
	out=$(ip -n "$ra" route get "$B4")
	[[ $out =~ mtu\ ([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
stat_of "$ra" in-pmtu; pmtu0=$REPLY
# An unknown SPI, and the right one with a bad checksum: nothing moves.
check forged-sent forge 1280,0x999,good 1280,0x104,bad
nap 0.5
stat_of "$ra" in-pmtu
check_eq forged-ignored-count "$pmtu0" "$REPLY"
check_eq forged-ignored-route 1400 "$(route4_mtu)"
# The right SPI and checksum: taken (the control).
check forged-good-sent forge 1300,0x104,good
nap 0.5
stat_of "$ra" in-pmtu
check_eq forged-good-count "$((pmtu0 + 1))" "$REPLY"
check_eq forged-good-route 1300 "$(route4_mtu)"

# --- 3. The outer header; 4. decapsulation; 5. with noecn nopmtudisc --------
# mid marks CE on every ESP packet to ra (RFC 6040 says routers mark ECT
# only; Not-ECT is marked too to see the drop).
ip netns exec "$mid" nft -f - <<EOF || fail nft-ce "nft refused the CE rule"
table inet ce {
	chain f {
		type filter hook forward priority 0;
		ip protocol esp ip daddr $A4 ip ecn set ce
		ip6 nexthdr esp ip6 daddr $A6 ip6 ecn set ce
	}
}
EOF
m1cap=/tmp/pmtu-m1.pcap h1cap=/tmp/pmtu-h1.pcap
capture_start m1pid "$mid" m1 "$m1cap" "esp and (src $A4 or src $A6)" ||
	fail capture-m1 "tcpdump did not start"
capture_start h1pid "$h1" eth0 "$h1cap" "src 192.168.186.10 or src fd00:186::10" ||
	fail capture-h1 "tcpdump did not start"
# Outer: sizes tell the probes apart (-s 100: 184-byte ESP packets, -s 200:
# 284; IPv6 -s 100: a 184-byte payload).
check enc-ect-df ip netns exec "$h1" ping -c 1 -W 2 -Q 0x22 -M do -s 100 192.168.186.10
check enc-ce-nodf ip netns exec "$h1" ping -c 1 -W 2 -Q 0x43 -M dont -s 200 192.168.186.10
check enc-flowlabel ip netns exec "$h1" ping -6 -c 1 -W 2 -Q 0x22 -F 0x12345 -s 100 fd00:186::10
# Decapsulation, CE from mid: ECT(0) inside becomes CE (-s 110); Not-ECT
# inside is dropped (-s 300).
check dec-ce4 ip netns exec "$h2" ping -c 1 -W 2 -Q 0x02 -s 110 192.168.111.10
check dec-ce6 ip netns exec "$h2" ping -6 -c 1 -W 2 -Q 0x02 -s 110 fd00:111::10
check_fail dec-notect-dropped 1 "0 received" ip netns exec "$h2" ping -c 1 -W 1 -Q 0 -s 300 192.168.111.10
check_eq dec-ecn-counter 1 "$(sa_stat "$ra" "$A4" 0x204 ecn)"
# Both sides again, ra's SAs with noecn and nopmtudisc.
keys a noecn nopmtudisc | tunnel_apply "$ra" nfipsec || fail config-flags "nfipsec refused the flags"
keys b | tunnel_apply "$rb" xfrm || fail config-flags-b "ip xfrm refused it"
check flags-shown text_has "$(nfipsec -n "$ra" state get dst "$B4" proto esp spi 0x104)" "flag noecn nopmtudisc"
check noecn-enc ip netns exec "$h1" ping -c 1 -W 2 -Q 0x22 -M do -s 400 192.168.186.10
check noecn-dec ip netns exec "$h2" ping -c 1 -W 2 -Q 0 -s 500 192.168.111.10
check_eq noecn-ecn-counter 0 "$(sa_stat "$ra" "$A4" 0x204 ecn)"
# A nopmtudisc SA sends no DF: a frag-needed quoting it is not ours.
stat_of "$ra" in-pmtu; pmtu0=$REPLY
check forged-nopmtudisc-sent forge 1280,0x104,good
nap 0.5
stat_of "$ra" in-pmtu
check_eq forged-nopmtudisc-ignored "$pmtu0" "$REPLY"
capture_stop m1pid
capture_stop h1pid

# hdr_check NAME PCAP WHERE WANT...: in tcpdump -v's text of PCAP, the
# packet whose header line has WHERE (e.g. "length 184") has each WANT too.
hdr_check() {
	local name=$1 pcap=$2 where=$3 line w
	shift 3
	while IFS= read -r line; do
		[[ $line == *"$where"* ]] || continue
		for w in "$@"; do
			if [[ $line != *"$w"* ]]; then
				fail "$name" "wanted '$w' in: $line"
				keep_artifact "$pcap"
				return
			fi
		done
		pass "$name"
		return
	done <<< "${txt[$pcap]}"
	fail "$name" "no packet with '$where' in $pcap"
	keep_artifact "$pcap"
}
declare -A txt
txt[$m1cap]=$(tcpdump -r "$m1cap" -nn -v 2>/dev/null)
txt[$h1cap]=$(tcpdump -r "$h1cap" -nn -v 2>/dev/null)
# tcpdump -v: "(tos 0x22,ECT(0), ttl 63, id 0, offset 0, flags [DF], proto
# ESP (50), length 184)"; IPv6: "(class 0x22, flowlabel 0x12345, ...".
hdr_check outer-ect-df "$m1cap" "length 184)" "tos 0x22,ECT(0)" "flags [DF]"
hdr_check outer-ce-to-ect0 "$m1cap" "length 284)" "tos 0x42,ECT(0)" "flags [none]"
hdr_check outer6-class-flowlabel "$m1cap" "payload length: 184" "class 0x22" "flowlabel 0x12345"
hdr_check outer-noecn-nodf "$m1cap" "length 484)" "tos 0x20," "flags [none]"
hdr_check inner-ce4 "$h1cap" "length 138)" "tos 0x3,CE"
hdr_check inner-ce6 "$h1cap" "payload length: 118" "class 0x03"
hdr_check inner-noecn "$h1cap" "length 528)" "tos 0x0,"
finish
