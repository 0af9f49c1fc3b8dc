#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=130
# Guarantees against an attacker on the WAN or a local user, nfipsec on
# both routers (AES-GCM, IPv4 outer):
#  - nfipsec0: in every namespace, up, not movable, not deletable; the
#    decrypted packets, and only they, arrive on it (tcpdump -i nfipsec0,
#    iifname "nfipsec0" in nftables) and its counters equal the SA's;
#  - no mark makes cleartext pass: a forged mark with bit 31 (what the
#    decrypt path used to set) on spoofed packets does not bypass the check;
#  - a port forward on the WAN address does not carry spoofed cleartext
#    from a protected prefix to the LAN (fwd checked after DNAT), while a
#    WAN host's datagrams still reach the forwarded port, both families;
#  - the IKE exemption is narrow: spoofed UDP from a protected prefix with
#    source port 500 or 4500 to a local service is dropped; IKE between the
#    routers passes in clear; a local unprivileged user sending from port
#    4500 is encrypted like any other packet of the flow, and its socket
#    on port 4500 receives nothing in clear, IPv4 and IPv6 (the exemption
#    is the IKE daemon's socket's).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

PY=/usr/bin/python3
here=$(dirname "$0")
require_module
tunnel_topology || { fail topology "setup failed"; finish; }
# The python snippets run as root: forked by one python a namespace, not a
# python start each (py_agent).
py_agent "$wire" && py_agent "$ra" || { fail py-agent "cannot start python"; finish; }
GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
GCM_BA="aead 'rfc4106(gcm(aes))' 0x102132435465768798a9babbdcddfe0f11121314 128"
# One key per direction (see README). Both routers also protect what they
# send each other between their WAN addresses (host to host, same SAs).
conf() {
	tunnel_conf "$1" 4 "$GCM" | sed "/spi $SPI_BA /s/$GCM/$GCM_BA/"
	if [ "$1" = a ]; then
		echo "policy add src $A4 dst $B4 dir out tmpl src $A4 dst $B4 proto esp reqid 1 mode tunnel"
		echo "policy add src $B4 dst $A4 dir in tmpl src $B4 dst $A4 proto esp reqid 1 mode tunnel"
	else
		echo "policy add src $B4 dst $A4 dir out tmpl src $B4 dst $A4 proto esp reqid 1 mode tunnel"
		echo "policy add src $A4 dst $B4 dir in tmpl src $A4 dst $B4 proto esp reqid 1 mode tunnel"
	fi
}
conf a | tunnel_apply "$ra" nfipsec || fail config-ra refused
conf b | tunnel_apply "$rb" nfipsec || fail config-rb refused
mac_rb=$(mac_of "$rb" wan0)

# --- nfipsec0 ---------------------------------------------------------------
for ns in ra rb; do
	check_match "dev.$ns-up" "<POINTOPOINT,NOARP,UP,LOWER_UP>" \
		"$(ip -n "${!ns}" -o link show nfipsec0)"
done
check_fail dev.not-movable 2 "Invalid argument|immutable" \
	ip -n "$ra" link set nfipsec0 netns "$rb"
check_fail dev.not-deletable 2 "Operation not supported" \
	ip -n "$ra" link del nfipsec0

# Counters on rb: decrypted traffic by input device, and what reaches the
# local test ports.
ip netns exec "$rb" nft -f - <<EOF || fail setup "nft on rb"
table inet t {
	counter decap {}
	counter clear {}
	counter local-spoof {}
	counter ike-wan {}
	counter user4500-wan {}
	counter user4500-dev {}
	chain forward_count { type filter hook forward priority 10;
		ip saddr 192.168.111.0/24 iifname "nfipsec0" counter name decap
		ip saddr 192.168.111.0/24 iifname != "nfipsec0" counter name clear
	}
	chain input_count { type filter hook input priority 10;
		udp dport 7779 counter name local-spoof
		udp dport 500 iifname "wan0" counter name ike-wan
		udp sport 4500 udp dport 4501 iifname "wan0" counter name user4500-wan
		udp sport 4500 udp dport 4501 iifname "nfipsec0" counter name user4500-dev
	}
}
EOF
# h2 counts what reaches it on the test ports.
ip netns exec "$h2" nft -f - <<EOF || fail setup "nft on h2"
table inet t {
	counter spoof {}
	counter fwd4 {}
	counter fwd6 {}
	chain input_count { type filter hook input priority 0;
		udp dport 7777 counter name spoof
		meta nfproto ipv4 udp dport 7778 counter name fwd4
		meta nfproto ipv6 udp dport 7778 counter name fwd6
	}
}
EOF

# nft_counter NS NAME: packets of counter NAME of table inet t.
nft_counter() {
	local line found=
	while read -r line; do
		case $line in
		"counter $2 "*) found=1 ;;
		packets*) [ -n "$found" ] && { set -- $line; echo "$2"; return; } ;;
		esac
	done <<< "$(ip netns exec "$1" nft list counter inet t "$2")"
	echo missing
}

# dev_stat NS WORD: rx packets or bytes of nfipsec0.
dev_stat() {
	local f=/sys/class/net/nfipsec0/statistics/rx_$2
	ip netns exec "$1" cat "$f"
}

capture_start cap "$rb" nfipsec0 /tmp/sec-dev.pcap || fail setup "capture on nfipsec0"
check ping4 ip netns exec "$h1" ping -c 5 -i 0.2 -W 2 192.168.186.10
capture_stop cap
pcap_count dev.capture-decrypted 5 /tmp/sec-dev.pcap \
	"icmp[icmptype] = icmp-echo and src 192.168.111.10 and dst 192.168.186.10"
pcap_count dev.capture-only-decrypted 5 /tmp/sec-dev.pcap "ip or not ip"
check_eq dev.iifname-decap 5 "$(nft_counter "$rb" decap)"
check_eq dev.iifname-not-clear 0 "$(nft_counter "$rb" clear)"
check_eq dev.rx-packets-equal-sa "$(sa_stat "$rb" $B4 $SPI_AB packets)" \
	"$(dev_stat "$rb" packets)"
check_eq dev.rx-bytes-equal-sa "$(sa_stat "$rb" $B4 $SPI_AB bytes)" \
	"$(dev_stat "$rb" bytes)"

# Strict reverse-path filtering on the WAN and LAN devices (README's way:
# "all" 0): decrypted packets pass, nfipsec0 has none of its own.
check_eq dev.rp-filter-own-0 0 "$(ip netns exec "$rb" sysctl -n net.ipv4.conf.nfipsec0.rp_filter)"
ns_sysctl "$rb" net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.wan0.rp_filter=1 net.ipv4.conf.lan0.rp_filter=1
check dev.rp-filter-strict-wan-lan ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10
ns_sysctl "$rb" net.ipv4.conf.wan0.rp_filter=0 net.ipv4.conf.lan0.rp_filter=0

# Nothing can be looped back onto nfipsec0: multicast sent out of it by a
# local unprivileged user, with a source from the protected prefix (freebind),
# reaches no local socket.
out=$(ip netns exec "$rb" setpriv --reuid=65534 --regid=65534 --clear-groups $PY -c "
import select, socket, struct
idx = socket.if_nametoindex('nfipsec0')
r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
r.bind(('::', 7780))
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, 78, 1)  # IPV6_FREEBIND
s.bind(('fd00:111::10', 0))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 1)
try:
    s.sendto(b'x', ('ff02::1', 7780, 0, idx))
except OSError as e:
    print('send-refused', e.errno)
print('got' if select.select([r], [], [], 2)[0] else 'none')
" 2>&1)
check_match dev.no-multicast-loopback "none$" "$out"

# --- state update under traffic ---------------------------------------------
# ra's outbound SA updated again and again (lifetimes) while TCP runs
# through it: in place, so no sequence number goes out twice under the key
# and nothing is lost.
iperf3_server "$h2" 5601 || fail update.server "iperf3 did not listen"
capture_start cap "$wire" br0 /tmp/sec-upd.pcap "esp and src $A4" ||
	fail setup "capture on the wire"
ip netns exec "$h1" timeout 60 iperf3 -c 192.168.186.10 -p 5601 -t 5 >/tmp/sec-iperf.out 2>&1 &
iperf=$!
nap 1
upd_fail=0
for i in $(seq 10); do
	echo "state update src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 $GCM limit time-hard $((3610 + i))" |
		nfipsec -n "$ra" -b - || upd_fail=$((upd_fail + 1))
done
check_eq update.in-a-loop 0 $upd_fail
wait $iperf
check_eq update.iperf3-completed 0 $?
capture_stop cap
dups=$(tcpdump -r /tmp/sec-upd.pcap -nn 2>/dev/null |
	sed -n 's/.*ESP(spi=\(0x[0-9a-f]*\),seq=\(0x[0-9a-f]*\)).*/\1 \2/p' | sort | uniq -d | wc -l)
sent=$(tcpdump -r /tmp/sec-upd.pcap -nn 2>/dev/null | grep -c 'ESP(spi=')
[ "$sent" -gt 100 ] && pass update.esp-on-wire || fail update.esp-on-wire "only $sent ESP packets"
check_eq update.no-sequence-twice 0 "$dups" || keep_artifact /tmp/sec-upd.pcap
check_eq update.no-errors "error 0 seq-overflow 0" "$(sa_stats "$ra" $B4 $SPI_AB error seq-overflow)"
check_match update.lifetime-applied "expire add: soft 0\(sec\), hard 3620\(sec\)" \
	"$(nfipsec -n "$ra" -s state get dst $B4 proto esp spi $SPI_AB)"

# --- conntrack helpers ------------------------------------------------------
# TFTP through the tunnel: the server answers from a new port, which ra's
# forward chain lets in only as "related", i.e. when the TFTP helper saw
# the request, which nfipsec steals at POST_ROUTING: it must run the helper
# as the confirm hook would. Without the helper the answer is dropped
# (the check can fail).
ip netns exec "$ra" nft -f - <<EOF || fail setup "helper rules"
table inet h {
	ct helper tftp-h { type "tftp" protocol udp; }
	chain forward_filter { type filter hook forward priority 0; policy drop;
		ct state established,related accept
		iifname "lan0" ct state new accept
	}
}
EOF
ip netns exec "$h2" $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 69))
while True:
    req, peer = s.recvfrom(512)
    d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    d.sendto(b'\x00\x03\x00\x01hello', peer)
" >/dev/null 2>&1 &
bg_pids+=($!)
wait_listen "$h2" 69 udp || fail helper.server "no TFTP server"
tftp_get() {
	ip netns exec "$h1" $PY -c "
import socket
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(3)
c.sendto(b'\x00\x01f\x00octet\x00', ('192.168.186.10', 69))
try:
    print(c.recvfrom(512)[0][4:].decode())
except socket.timeout:
    print('timeout')
"
}
check_eq helper.without-helper-dropped timeout "$(tftp_get)"
ip netns exec "$ra" nft add chain inet h pre '{ type filter hook prerouting priority 0; }' &&
	ip netns exec "$ra" nft add rule inet h pre iifname lan0 udp dport 69 ct helper set tftp-h ||
	fail setup "helper assignment"
check_eq helper.tftp-through-tunnel hello "$(tftp_get)"
ip netns exec "$ra" nft delete table inet h

# --- a forged mark ----------------------------------------------------------
# Every packet from the WAN gets bit 31 of the mark before our check.
ip netns exec "$rb" nft -f - <<EOF || fail setup "mark rule"
table inet markspoof {
	chain pre { type filter hook prerouting priority -300;
		iifname "wan0" meta mark set 0x80000000
	}
}
EOF
mism0=$(ns_stat "$rb" in-tmpl-mismatch)
py "$wire" "$here/spoof.py" wb "$mac_rb" 192.168.111.10 192.168.186.10 \
	40000 7777 5
nap 1
check_eq mark.spoof-not-delivered 0 "$(nft_counter "$h2" spoof)"
check_eq mark.spoof-counted 5 $(($(ns_stat "$rb" in-tmpl-mismatch) - mism0))
ip netns exec "$rb" nft delete table inet markspoof

# --- a port forward on the WAN address --------------------------------------
ip netns exec "$rb" nft -f - <<EOF || fail setup "dnat rules"
table ip nat4 {
	chain pre { type nat hook prerouting priority -100;
		iifname "wan0" udp dport 8080 dnat to 192.168.186.10:7778
	}
}
table ip6 nat6 {
	chain pre { type nat hook prerouting priority -100;
		iifname "wan0" udp dport 8080 dnat to [fd00:186::10]:7778
	}
}
EOF
for f in 4 6; do
	if [ $f = 4 ]; then
		prot=192.168.111.10 stranger=192.168.3.200 wan=$B4
	else
		prot=fd00:111::10 stranger=fd00:3::200 wan=$B6
	fi
	mism0=$(ns_stat "$rb" in-tmpl-mismatch)
	py "$wire" "$here/spoof.py" wb "$mac_rb" $prot $wan 40000 8080 5
	nap 1
	check_eq "portfwd$f.spoof-not-delivered" 0 "$(nft_counter "$h2" fwd$f)"
	check_eq "portfwd$f.spoof-counted" 5 $(($(ns_stat "$rb" in-tmpl-mismatch) - mism0))
	# A WAN host outside the protected prefixes: the forward works.
	py "$wire" "$here/spoof.py" wb "$mac_rb" $stranger $wan 40001 8080 5
	nap 1
	check_eq "portfwd$f.wan-host-delivered" 5 "$(nft_counter "$h2" fwd$f)"
done

# --- the IKE exemption ------------------------------------------------------
# rb's LAN address is in the protected prefix: "from port 500/4500" is no
# passport to a local service.
mism0=$(ns_stat "$rb" in-tmpl-mismatch)
for sport in 500 4500; do
	py "$wire" "$here/spoof.py" wb "$mac_rb" 192.168.111.10 \
		192.168.186.1 $sport 7779 5
done
nap 1
check_eq ike.spoof-not-delivered 0 "$(nft_counter "$rb" local-spoof)"
check_eq ike.spoof-counted 10 $(($(ns_stat "$rb" in-tmpl-mismatch) - mism0))

# IKE between the routers (root's socket, port 500 to port 500) in clear,
# although a policy protects everything between the WAN addresses.
send_udp() {	# NS SPORT DPORT: one datagram A4:SPORT -> B4:DPORT
	py "$1" -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$A4', $2)); s.sendto(b'ike', ('$B4', $3))"
}
# recv_udp NS ADDR PORT FILE [setpriv args]: a socket on ADDR:PORT writing
# each datagram it gets to FILE, one line each, for 10 s; ready when it
# returns (recv_pid: its process).
recv_udp() {
	local ns=$1 addr=$2 port=$3 file=$4 fam=AF_INET
	shift 4
	[[ $addr == *:* ]] && fam=AF_INET6
	ip netns exec "$ns" ${1:+setpriv "$@"} $PY -c "import socket, sys
s = socket.socket(socket.$fam, socket.SOCK_DGRAM)
s.bind(('$addr', $port)); s.settimeout(10)
try:
    while True:
        print(repr(s.recv(100)), flush=True)
except socket.timeout:
    pass" > "$file" &
	recv_pid=$!
	bg_pids+=($recv_pid)
	wait_listen "$ns" "$port" udp
}
NOBODY="--reuid=65534 --regid=65534 --clear-groups"
recv_udp "$rb" $B4 500 /tmp/sec-ike500 || fail setup "IKE socket on rb"
check ike.root-sends send_udp "$ra" 500 500
# An unprivileged user's socket on port 4500: the policy applies.
check ike.user-sends ip netns exec "$ra" \
	setpriv $NOBODY $PY -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$A4', 4500)); s.sendto(b'user', ('$B4', 4501))"
nap 1
check_eq ike.root-in-clear 1 "$(nft_counter "$rb" ike-wan)"
check_eq ike.root-received 1 "$(wc -l < /tmp/sec-ike500)"
check_eq ike.user-not-in-clear 0 "$(nft_counter "$rb" user4500-wan)"
check_eq ike.user-encrypted 1 "$(nft_counter "$rb" user4500-dev)"

# Inbound, the exemption is the receiving socket's: IKE (non-ESP marker)
# from ra's IKE port to rb's port 4500 reaches a socket opened with
# CAP_NET_ADMIN there, and not an unprivileged user's socket on that port,
# for which the policy between the WAN addresses applies (XFRM bypasses
# the IKE daemon's socket policy only). IPv6 alike, under a policy on rb
# alone (ra sends in clear).
echo "policy add src $A6 dst $B6 dir in tmpl src $A6 dst $B6 proto esp reqid 1 mode tunnel" |
	nfipsec -n "$rb" -b - || fail setup "IPv6 policy on rb"
send_udp_marker() {	# SRC DST
	local fam=AF_INET
	[[ $1 == *:* ]] && fam=AF_INET6
	py "$ra" -c "import socket; s = socket.socket(socket.$fam, socket.SOCK_DGRAM)
s.bind(('$1', 4500)); s.sendto(b'\\0\\0\\0\\0ike', ('$2', 4500))"
}
for f in 4 6; do
	if [ $f = 4 ]; then src=$A4 dst=$B4; else src=$A6 dst=$B6; fi
	t=ike$f
	mism0=$(ns_stat "$rb" in-tmpl-mismatch)
	recv_udp "$rb" $dst 4500 /tmp/sec-user4500 $NOBODY ||
		fail "$t.setup" "user socket on rb"
	user_pid=$recv_pid
	check_eq "$t.user-socket-listens" 65534 "$(ps -o uid= -p "$user_pid" | tr -d ' ')"
	check "$t.to-user-sent" send_udp_marker $src $dst
	nap 1
	check_eq "$t.user-socket-gets-nothing" 0 "$(wc -l < /tmp/sec-user4500)"
	check_eq "$t.user-socket-still-listens" 65534 "$(ps -o uid= -p "$user_pid" | tr -d ' ')"
	check_eq "$t.user-socket-counted" 1 $(($(ns_stat "$rb" in-tmpl-mismatch) - mism0))
	kill "$user_pid" 2>/dev/null
	ns_wait_until "$rb" 10 "! ss -H -lun 'sport = :4500' | grep -q ." ||
		fail "$t.setup" "user socket on rb stays"
	recv_udp "$rb" $dst 4500 /tmp/sec-root4500 || fail "$t.setup" "root socket on rb"
	root_pid=$recv_pid
	check "$t.to-root-sent" send_udp_marker $src $dst
	nap 1
	check_eq "$t.root-socket-gets-it" 1 "$(wc -l < /tmp/sec-root4500)"
	check_eq "$t.root-socket-not-counted" 1 $(($(ns_stat "$rb" in-tmpl-mismatch) - mism0))
	kill "$root_pid" 2>/dev/null
	ns_wait_until "$rb" 10 "! ss -H -lun 'sport = :4500' | grep -q ." ||
		fail "$t.setup" "root socket on rb stays"
done
echo "policy delete src $A6 dst $B6 dir in" | nfipsec -n "$rb" -b - ||
	fail ike6.cleanup "IPv6 policy on rb"

# The port set is the namespace's: refused changes leave it; without 500 in
# it, IKE to port 500 meets the policies (and is dropped).
check_eq ike.ports-default "ike-ports 500 4500" "$(nfipsec -n "$rb" ike-ports)"
check_fail ike.ports-twice-refused 2 "an IKE port given twice" \
	nfipsec -n "$rb" ike-ports set 500 500
check_eq ike.ports-unchanged "ike-ports 500 4500" "$(nfipsec -n "$rb" ike-ports)"
check ike.ports-set nfipsec -n "$rb" ike-ports set 4500
mism0=$(ns_stat "$rb" in-tmpl-mismatch)
send_udp "$ra" 500 500
nap 1
check_eq ike.port-removed-not-delivered 1 "$(nft_counter "$rb" ike-wan)"
check_eq ike.port-removed-counted 1 $(($(ns_stat "$rb" in-tmpl-mismatch) - mism0))
check ike.ports-restored nfipsec -n "$rb" ike-ports set 500 4500
finish
