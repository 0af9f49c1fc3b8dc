#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=150
# What must not pass, and an independent decoder, on the standard topology
# with nfipsec on both routers (AES-GCM-128, outer IPv4):
#  - scapy decrypts the ESP captured on the wire into the exact packets h2
#    received;
#  - a replayed capture is dropped and counted, an unknown SPI counts
#    in-no-states, cleartext spoofed from LAN2 is dropped at ra;
#  - the replay window through the real input path (ESP built by scapy for
#    an SA of its own on rb): a forged packet far ahead (wrong key, or a
#    corrupted ICV) is an integrity failure and does not move the window;
#    a duplicate is a replay; a good packet far ahead moves it, and what is
#    left of it then is outside-window;
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

# Local helpers (candidates for lib.sh).

# wait_eq SECONDS EXPECTED CMD...: until CMD prints EXPECTED; fails after
# SECONDS. The caller checks the value afterwards (and so reports it).
wait_eq() {
	local end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 )) want=$2
	shift 2
	until [ "$("$@")" = "$want" ]; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		nap 0.1
	done
}


# sa_handled NS DST SPI: inbound packets an SA has dealt with: carried or
# dropped for any reason.
sa_handled() {
	sa_stats "$@" packets replay outside-window integrity bad-header policy \
		expired seq-overflow error |
		awk '{ s = 0; for (i = 2; i <= NF; i += 2) s += $i; print s }'
}

# Capture on the wire and at h2 while h1 pings h2.
capture_start cap1 "$wire" br0 /tmp/neg-wire.pcap esp || fail capture-wire "tcpdump did not start"
capture_start cap2 "$h2" eth0 /tmp/neg-h2.pcap icmp || fail capture-h2 "tcpdump did not start"
check ping ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 192.168.186.10
capture_stop cap1
capture_stop cap2

out=$(ip netns exec "$wire" $PY "$here/esp_check.py" decode /tmp/neg-wire.pcap \
	/tmp/neg-h2.pcap $SPI_AB $KEY $A4 $B4 2>&1)
if [ "$out" = "decoded 3 matched 3" ]; then
	pass scapy-decrypts-exact-packets
else
	keep_artifact /tmp/neg-wire.pcap /tmp/neg-h2.pcap
	fail scapy-decrypts-exact-packets "expected 'decoded 3 matched 3', got '$(echo $out | tail -c 300)'; wire: $(tcpdump -r /tmp/neg-wire.pcap -nn 2>/dev/null | cut -d' ' -f2- | head -n 6 | tr '\n' ';') h2: $(tcpdump -r /tmp/neg-h2.pcap -nn 2>/dev/null | cut -d' ' -f2- | head -n 6 | tr '\n' ';')"
fi

# Replay, unknown SPI, spoofed cleartext: injected from the wire.
nos0=$(ns_stat "$rb" in-no-states) tm0=$(ns_stat "$ra" in-tmpl-mismatch)
out=$(ip netns exec "$wire" $PY "$here/esp_check.py" inject wa \
	"$(mac_of "$ra" wan0)" wb "$(mac_of "$rb" wan0)" /tmp/neg-wire.pcap \
	$SPI_AB $A4 $B4 2>&1)
check_match injected "replayed 3.*unknown-spi 2.*spoofed 3" "$(echo $out)"
# Each of the injected packets is dropped synchronously, but scapy does not
# wait for that: wait (bounded) for the counters to settle.
wait_eq 5 3 sa_stat "$rb" $B4 $SPI_AB replay
wait_eq 5 $((nos0 + 2)) ns_stat "$rb" in-no-states
wait_eq 5 $((tm0 + 3)) ns_stat "$ra" in-tmpl-mismatch
check_eq replay-dropped 3 "$(sa_stat "$rb" $B4 $SPI_AB replay)"
check_eq replay-not-delivered 3 "$(sa_stat "$rb" $B4 $SPI_AB packets)"
check_eq unknown-spi-counted $((nos0 + 2)) "$(ns_stat "$rb" in-no-states)"
check_eq spoof-dropped-at-ra $((tm0 + 3)) "$(ns_stat "$ra" in-tmpl-mismatch)"

# The replay window through the real input path: check, decrypt, advance.
# rb gets an inbound SA of its own for this (SPI_T, same endpoints and
# reqid, so the fwd policy delivers what it decrypts), which no router
# sends on: scapy on the wire chooses every sequence number it sees. Each
# step waits (bounded) until rb has dealt with every packet sent, then
# asserts the SA's counters exactly.
SPI_T=0x3000 KEY_T=0x0f1e2d3c4b5a69788796a5b4c3d2e1f000112233

# inject NAME KIND SEQ...: have the injector send ESP packets of KIND (good,
# badkey, badicv) with these sequence numbers, then wait until rb has dealt
# with all of them (carried or dropped, whatever the reason).
inject() {
	local name=$1 kind=$2 seq line
	shift 2
	for seq in "$@"; do
		# A dead injector must fail the check, not kill this shell.
		trap '' PIPE
		echo "send $seq $kind" >&"$inj_w" 2>/dev/null
		trap - PIPE
		read -r -t 10 -u "$inj_r" line || line="no answer"
		[ "$line" = "sent $seq $kind" ] ||
			fail "$name-sent" "injector: '$line' $(tail -n 3 /tmp/neg-inj.err | tr '\n' ' ')"
		inj_sent=$((inj_sent + 1))
	done
	wait_eq 5 $((inj_n0 + inj_sent)) sa_handled "$rb" $B4 $SPI_T ||
		fail "$name-handled" "rb dealt with $(( $(sa_handled "$rb" $B4 $SPI_T) - inj_n0 )) of the $inj_sent packets sent"
}

# replay_state NAME EXPECTED: the SA's counters and window top, exactly.
replay_state() {
	check_eq "$1" "$2" "$(sa_stats "$rb" $B4 $SPI_T packets replay outside-window integrity replay-top)"
}

replay_window_test() {
	local pe0 se0 got
	capture_start cap3 "$h2" eth0 /tmp/neg-replay-h2.pcap \
		'icmp[icmptype] == icmp-echo and icmp[4:2] == 0x7e57' ||
		fail replay-capture "tcpdump did not start"
	inj_n0=$(sa_handled "$rb" $B4 $SPI_T) inj_sent=0
	pe0=$(ns_stat "$rb" in-state-proto-error) se0=$(ns_stat "$rb" in-state-seq-error)
	inject replay-start good 1 2 3
	replay_state replay-start-accepted "packets 3 replay 0 outside-window 0 integrity 0 replay-top 3"
	# Forged, far right of the window: authentication fails, the window stays.
	inject replay-forged-key badkey 1003
	replay_state replay-forged-key-integrity "packets 3 replay 0 outside-window 0 integrity 1 replay-top 3"
	inject replay-forged-icv badicv 2003
	replay_state replay-forged-icv-integrity "packets 3 replay 0 outside-window 0 integrity 2 replay-top 3"
	# Had a forged number moved the window, 4 would be left of it now.
	inject replay-next good 4
	replay_state replay-next-accepted "packets 4 replay 0 outside-window 0 integrity 2 replay-top 4"
	inject replay-duplicate good 2
	replay_state replay-duplicate-dropped "packets 4 replay 1 outside-window 0 integrity 2 replay-top 4"
	# Authentic and far ahead: the window moves to 941..1004 (64 wide), so
	# 5, never received, is left of it now; 941 is its last slot, 940 is out.
	inject replay-jump good 1004
	replay_state replay-jump-accepted "packets 5 replay 1 outside-window 0 integrity 2 replay-top 1004"
	inject replay-left good 5
	replay_state replay-left-outside-window "packets 5 replay 1 outside-window 1 integrity 2 replay-top 1004"
	inject replay-edge good 941
	replay_state replay-edge-accepted "packets 6 replay 1 outside-window 1 integrity 2 replay-top 1004"
	inject replay-edge-left good 940
	replay_state replay-edge-left-outside "packets 6 replay 1 outside-window 2 integrity 2 replay-top 1004"
	check_eq replay-ns-integrity $((pe0 + 2)) "$(ns_stat "$rb" in-state-proto-error)"
	check_eq replay-ns-seq-error $((se0 + 3)) "$(ns_stat "$rb" in-state-seq-error)"
	# h2 got exactly the accepted packets, in order (the echo's ICMP
	# sequence is the ESP one).
	capture_stop cap3
	got=$(tcpdump -r /tmp/neg-replay-h2.pcap -nn 2>/dev/null |
		sed -n 's/.* seq \([0-9]*\),.*/\1/p' | tr '\n' ' ')
	if [ "$got" = "1 2 3 4 1004 941 " ]; then
		pass replay-delivered-exactly-accepted
	else
		keep_artifact /tmp/neg-replay-h2.pcap
		fail replay-delivered-exactly-accepted "h2 got ICMP seqs '$got', not '1 2 3 4 1004 941 ': $(tcpdump -r /tmp/neg-replay-h2.pcap -nn 2>&1 |
			cut -d' ' -f2- | head -n 8 | tr '\n' ';')"
	fi
}

echo "state add src $A4 dst $B4 proto esp spi $SPI_T reqid 1 mode tunnel replay-window 64 aead 'rfc4106(gcm(aes))' $KEY_T 128" |
	nfipsec -n "$rb" -b - || fail replay-sa-add refused
# The injector: one scapy process, driven through two FIFOs.
rm -f /tmp/neg-inj.in /tmp/neg-inj.out
mkfifo /tmp/neg-inj.in /tmp/neg-inj.out
ip netns exec "$wire" $PY -u "$here/esp_check.py" serve wb "$(mac_of "$rb" wan0)" \
	$SPI_T $KEY_T $A4 $B4 192.168.111.10 192.168.186.10 \
	</tmp/neg-inj.in >/tmp/neg-inj.out 2>/tmp/neg-inj.err &
inj=$!
bg_pids+=("$inj")
exec {inj_w}>/tmp/neg-inj.in {inj_r}</tmp/neg-inj.out
# Scapy's import is slow in the debug guest: a generous bound for starting.
read -r -t 120 -u "$inj_r" line || line="no answer: $(tail -n 3 /tmp/neg-inj.err | tr '\n' ' ')"
check_eq replay-injector-ready ready "$line"
[ "$line" = ready ] && replay_window_test
exec {inj_w}>&- {inj_r}<&-
kill "$inj" 2>/dev/null
wait "$inj" 2>/dev/null
nfipsec -n "$rb" state delete dst $B4 proto esp spi $SPI_T || fail replay-sa-delete refused

# An update cannot change the key (a new key under the old sequence numbers
# would repeat nonces): refused, and the SA carries traffic as before.
WRONG="aead 'rfc4106(gcm(aes))' 0xffeeddccbbaa99887766554433221100a0b0c0d0 128"
pk0=$(sa_stat "$rb" $B4 $SPI_AB packets)
# nfb NS LINE: one nfipsec line, quotes and all (through -b).
nfb() { echo "$2" | nfipsec -n "$1" -b -; }
check_fail update-key-refused 2 "update cannot change algorithms or keys: add a new SA, delete the old" \
	nfb "$rb" "state update src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 $WRONG"
check_fail update-window-refused 2 "update cannot change replay-window" \
	nfb "$rb" "state update src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 32 $GCM"
check update-refused-still-carries ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10
check_eq update-refused-counted $((pk0 + 1)) "$(sa_stat "$rb" $B4 $SPI_AB packets)"
# An update that changes what may change (lifetimes) keeps the SA going:
# its counters, window and sequence numbers.
check update-lifetime nfb "$rb" "state update src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 $GCM limit time-hard 3600"
check update-still-carries ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10
check_eq update-kept-counters $((pk0 + 2)) "$(sa_stat "$rb" $B4 $SPI_AB packets)"

# A wrong key on rb's inbound SA (deleted and added again): nothing
# delivered, integrity failures.
printf '%s\n' "state delete dst $B4 proto esp spi $SPI_AB" \
	"state add src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 $WRONG" |
	nfipsec -n "$rb" -b - || fail wrong-key-add "refused"
check_fail wrong-key-no-traffic 1 "$PING_LOST" ip netns exec "$h1" ping -c 3 -i 0.3 -W 2 192.168.186.10
check_eq wrong-key-integrity 3 "$(sa_stat "$rb" $B4 $SPI_AB integrity)"
check_eq wrong-key-not-delivered 0 "$(sa_stat "$rb" $B4 $SPI_AB packets)"
# Back to the right key.
printf '%s\n' "state delete dst $B4 proto esp spi $SPI_AB" \
	"state add src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 $GCM" |
	nfipsec -n "$rb" -b - || fail right-key-add "refused"
check right-key-traffic ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10
check_eq right-key-counted 1 "$(sa_stat "$rb" $B4 $SPI_AB packets)"

# A discard policy at the top drops, and counts.
blk0=$(ns_stat "$ra" out-pol-block)
echo "policy add src 192.168.111.10/32 dst 192.168.186.20/32 dir out action block position 0" |
	nfipsec -n "$ra" -b - || fail discard-add refused
check_fail discard-drops 1 "$PING_LOST" ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 192.168.186.20
check_eq discard-counted $((blk0 + 2)) "$(ns_stat "$ra" out-pol-block)"
check still-encrypting-others ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10

# A bypass in its place: .20 goes in clear (and rb refuses cleartext that
# its policies require protected), .10 stays in the tunnel.
tm0=$(ns_stat "$rb" in-tmpl-mismatch)
printf '%s\n' "policy delete position 0" \
	"policy add src 192.168.111.0/24 dst 192.168.186.20/32 dir out position 0" |
	nfipsec -n "$ra" -b - || fail bypass-add refused
capture_start cap4 "$wire" br0 /tmp/neg-bypass.pcap || fail bypass-capture "tcpdump did not start"
# rb drops the cleartext: no answer.
check_fail bypass-refused-by-rb 1 "$PING_LOST" ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 192.168.186.20
check bypass-others-still-tunnelled ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10
capture_stop cap4
pcap_count bypass-in-clear-on-wire 2 /tmp/neg-bypass.pcap 'icmp and dst host 192.168.186.20'
pcap_count bypass-tunnelled-not-in-clear 0 /tmp/neg-bypass.pcap 'host 192.168.186.10'
# ... but in ESP: the echo and its reply.
pcap_count bypass-tunnelled-in-esp 2 /tmp/neg-bypass.pcap "esp and host $A4 and host $B4"
check_eq cleartext-refused-by-rb $((tm0 + 2)) "$(ns_stat "$rb" in-tmpl-mismatch)"

# ip xfrm's priorities order the list: the broad tunnel policy, updated to
# priority 100, moves below the priority-0 ones (counters kept), and a
# bypass for .20 with priority 50 added after it goes above it and wins
# (on the wire, before anything else moves them). A place that breaks the
# order is refused, and changes nothing.
BROAD="src 192.168.111.0/24 dst 192.168.186.0/24 dir out"
BROAD_TMPL="tmpl src $A4 dst $B4 proto esp reqid 1 mode tunnel"
read -r _ bp0 <<< "$(nfipsec -n "$ra" -s policy get $BROAD | grep -o 'packets [0-9]*' | head -1)"
printf '%s\n' "policy delete position 0" \
	"policy update $BROAD priority 100 $BROAD_TMPL" \
	"policy add src 192.168.111.0/24 dst 192.168.186.20/32 dir out priority 50" |
	nfipsec -n "$ra" -b - || fail priority-add refused
pl=$(nfipsec -n "$ra" -o policy list dir out | tr '\\\t' '  ' | tr -s ' ')
check_match priority-bypass-above "^src 192.168.111.0/24 dst 192.168.186.20/32 dir out priority 50 .*position 5 $" "$pl"
check_match priority-broad-below "^src 192.168.111.0/24 dst 192.168.186.0/24 dir out priority 100 .*position 6 $" "$pl"
capture_start cap5 "$wire" br0 /tmp/neg-prio.pcap || fail priority-capture "tcpdump did not start"
check_fail priority-bypass-refused-by-rb 1 "$PING_LOST" ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 192.168.186.20
check priority-others-tunnelled ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10
capture_stop cap5
pcap_count priority-bypass-in-clear 2 /tmp/neg-prio.pcap 'icmp and dst host 192.168.186.20'
pcap_count priority-tunnelled-in-esp 2 /tmp/neg-prio.pcap "esp and host $A4 and host $B4"
read -r _ bp1 <<< "$(nfipsec -n "$ra" -s policy get $BROAD | grep -o 'packets [0-9]*' | head -1)"
check_eq priority-update-kept-counters $((bp0 + 1)) "$bp1"
check_fail priority-position-refused 2 'priority 200 cannot go there: it would pass a policy of priority 0' \
	nfipsec -n "$ra" policy add src 192.168.111.0/24 dst 192.168.186.21/32 dir out priority 200 position 0
check_fail priority-move-refused 2 'priority 100 cannot go there: it would pass a policy of priority 50' \
	nfipsec -n "$ra" policy move position 6 before 5
check_eq priority-refusals-changed-nothing "$pl" "$(nfipsec -n "$ra" -o policy list dir out | tr '\\\t' '  ' | tr -s ' ')"
# Back to priority 0 for what follows (at the end of the priority-0 run).
printf '%s\n' "policy delete src 192.168.111.0/24 dst 192.168.186.20/32 dir out" \
	"policy update $BROAD $BROAD_TMPL" |
	nfipsec -n "$ra" -b - || fail priority-restore refused

# A protecting policy with no SA: dropped, counted, one ACQUIRE (rate-limited).
# The monitor says nothing when it is listening: it is ready once it shows
# the ACQUIRE of a probe policy (pinged again while not, more than a second
# apart: the rate limit). A second probe policy, pinged after the test's
# packets, is the barrier: its ACQUIRE comes after all of theirs.
nfipsec -n "$ra" monitor > /tmp/neg-monitor.txt 2>&1 </dev/null &
mon=$!
bg_pids+=("$mon")
printf '%s\n' \
	"policy add src 192.168.111.0/24 dst 192.168.186.31/32 dir out tmpl src $A4 dst $B4 proto esp reqid 98 mode tunnel position 0" \
	"policy add src 192.168.111.0/24 dst 192.168.186.32/32 dir out tmpl src $A4 dst $B4 proto esp reqid 97 mode tunnel position 0" |
	nfipsec -n "$ra" -b - || fail acquire-probes refused
monitor_saw() {	# monitor_saw DST: the monitor printed an ACQUIRE for DST
	grep -q "^acquire.* dst $1 " /tmp/neg-monitor.txt
}
probe_ready() {
	monitor_saw 192.168.186.31 && return 0
	ip netns exec "$h1" ping -c 1 -W 1.2 192.168.186.31 >/dev/null
	monitor_saw 192.168.186.31
}
wait_until 15 probe_ready ||
	fail acquire-monitor-ready "no ACQUIRE for the probe: $(head -c 300 /tmp/neg-monitor.txt)"
nos0=$(ns_stat "$ra" out-no-states) acq0=$(ns_stat "$ra" acquire-sent)
echo "policy add src 192.168.111.0/24 dst 192.168.186.30/32 dir out tmpl src $A4 dst $B4 proto esp reqid 99 mode tunnel position 0" |
	nfipsec -n "$ra" -b - || fail acquire-policy refused
check_fail no-sa-no-traffic 1 "$PING_LOST" ip netns exec "$h1" ping -c 3 -i 0.2 -W 1 192.168.186.30
check_fail acquire-barrier-no-traffic 1 "$PING_LOST" ip netns exec "$h1" ping -c 1 -W 1 192.168.186.32
wait_until 5 monitor_saw 192.168.186.32 ||
	fail acquire-barrier "no ACQUIRE for the barrier: $(head -c 300 /tmp/neg-monitor.txt)"
check_eq no-sa-dropped $((nos0 + 4)) "$(ns_stat "$ra" out-no-states)"
check_eq acquire-sent-counted $((acq0 + 2)) "$(ns_stat "$ra" acquire-sent)"
check_eq one-acquire 1 "$(grep -c '^acquire.* dst 192.168.186.30 ' /tmp/neg-monitor.txt)"
check_match acquire-text "acquire.*reqid 99.*dst 192.168.186.30" "$(cat /tmp/neg-monitor.txt)"

# The SA an ACQUIRE names, as XFRM's: a source-less template's source is
# the route's to its peer, transport mode's endpoints the packet's; with
# no route to the peer the packet is dropped (out-pol-error; a local
# sender is told "No route to host") and no ACQUIRE sent; an optional
# (level use) transport template asks for an SA and lets the packet go.
# An optional tunnel template is refused outbound, by both. A second
# barrier (reqid 93) ends it.
ip -n "$ra" route add unreachable 198.51.100.0/24
pe0=$(ns_stat "$ra" out-pol-error) nos1=$(ns_stat "$ra" out-no-states)
check_fail out-tunnel-use-refused 2 "an out policy's tunnel template cannot be optional \(level use\), as in XFRM" \
	nfipsec -n "$ra" policy add src 192.168.111.0/24 dst 192.168.186.36/32 dir out tmpl src $A4 dst $B4 proto esp reqid 91 mode tunnel level use
check_fail out-tunnel-use-refused-xfrm 2 "optional template not allowed in outbound policy" \
	ip -n "$ra" xfrm policy add src 192.168.111.0/24 dst 192.168.186.36/32 dir out tmpl src $A4 dst $B4 proto esp reqid 91 mode tunnel level use
# An SA from 0.0.0.0 is not the source-less template's (XFRM would send
# from 0.0.0.0 with it): the ACQUIRE for reqid 96 comes all the same.
printf '%s\n' \
	"state add src 0.0.0.0 dst $B4 proto esp spi 0x960 reqid 96 mode tunnel $GCM" \
	"policy add src 192.168.111.0/24 dst 192.168.186.33/32 dir out tmpl dst $B4 proto esp reqid 96 mode tunnel position 0" \
	"policy add src 192.168.111.0/24 dst 192.168.186.34/32 dir out tmpl dst 198.51.100.1 proto esp reqid 94 mode tunnel position 0" \
	"policy add src $A4/32 dst $B4/32 proto udp dport 9 dir out tmpl proto esp reqid 95 mode transport position 0" \
	"policy add src $A4/32 dst $B4/32 proto udp dport 10 dir out tmpl proto esp reqid 92 mode transport level use position 0" \
	"policy add src 192.168.111.0/24 dst 192.168.186.35/32 dir out tmpl src $A4 dst $B4 proto esp reqid 93 mode tunnel position 0" |
	nfipsec -n "$ra" -b - || fail acquire-wanted-policies refused
check_fail acquire-route-src-no-traffic 1 "$PING_LOST" ip netns exec "$h1" ping -c 1 -W 1 192.168.186.33
check_fail unroutable-no-traffic 1 "$PING_LOST" ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 192.168.186.34
check_fail unroutable-local-ehostunreach 1 "No route to host" \
	ip netns exec "$ra" python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.168.111.1", 0))
s.sendto(b"x", ("192.168.186.34", 9))'

ip netns exec "$ra" bash -c "echo x > /dev/udp/$B4/9" 2>/dev/null
check optional-transport-sent ip netns exec "$ra" bash -c "echo x > /dev/udp/$B4/10"
check_fail acquire-barrier2-no-traffic 1 "$PING_LOST" ip netns exec "$h1" ping -c 1 -W 1 192.168.186.35
wait_until 5 monitor_saw 192.168.186.35 ||
	fail acquire-barrier2 "no ACQUIRE for the barrier: $(tail -c 300 /tmp/neg-monitor.txt)"
kill "$mon"; wait "$mon" 2>/dev/null
check_match acquire-route-src "^acquire proto esp src $A4 dst $B4 reqid 96 mode tunnel policy " "$(cat /tmp/neg-monitor.txt)"
check_match acquire-transport "^acquire proto esp src $A4 dst $B4 reqid 95 mode transport policy .* packet src $A4 dst $B4 proto udp " "$(cat /tmp/neg-monitor.txt)"
check_match acquire-optional "^acquire proto esp src $A4 dst $B4 reqid 92 mode transport policy " "$(cat /tmp/neg-monitor.txt)"
check_eq unroutable-no-acquire 0 "$(grep -c '^acquire.* reqid 94 ' /tmp/neg-monitor.txt)"
check_eq unroutable-counted $((pe0 + 3)) "$(ns_stat "$ra" out-pol-error)"
# 33, udp 9, 35; not the optional one.
check_eq acquire-wanted-no-states $((nos1 + 3)) "$(ns_stat "$ra" out-no-states)"
printf '%s\n' \
	"policy delete src 192.168.111.0/24 dst 192.168.186.33/32 dir out" \
	"policy delete src 192.168.111.0/24 dst 192.168.186.34/32 dir out" \
	"policy delete src $A4/32 dst $B4/32 proto udp dport 9 dir out" \
	"policy delete src $A4/32 dst $B4/32 proto udp dport 10 dir out" \
	"policy delete src 192.168.111.0/24 dst 192.168.186.35/32 dir out" \
	"state delete dst $B4 proto esp spi 0x960" |
	nfipsec -n "$ra" -b - || fail acquire-wanted-cleanup refused
ip -n "$ra" route del unreachable 198.51.100.0/24

# TCP over a WAN with a 1400-byte MTU: ra tells h1 the tunnel's MTU.
for n in wa wb br0; do ip -n "$wire" link set "$n" mtu 1400; done
ip -n "$ra" link set wan0 mtu 1400
ip -n "$rb" link set wan0 mtu 1400
fn0=$(ns_stat "$ra" out-frag-needed)
iperf3_server "$h2" 5301 || fail small-mtu-server "iperf3 on port 5301 did not listen"
iperf3_server "$h2" 5302 || fail small-mtu-server6 "iperf3 on port 5302 did not listen"
check small-mtu-tcp4 ip netns exec "$h1" timeout 30 iperf3 -c 192.168.186.10 -p 5301 -t 2
check small-mtu-tcp6 ip netns exec "$h1" timeout 30 iperf3 -c fd00:186::10 -p 5302 -t 2
fn1=$(ns_stat "$ra" out-frag-needed)
[ "$fn1" -gt "$fn0" ] 2>/dev/null && pass small-mtu-frag-needed-sent ||
	fail small-mtu-frag-needed-sent "out-frag-needed $fn0 -> $fn1"
rm -f /tmp/neg-*.pcap* /tmp/neg-monitor.txt /tmp/neg-inj.*
finish
