#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=80
# SA lifetimes, enforced (issue 8), on the standard topology with nfipsec on
# both routers and short limits; EXPIRE events read from "nfipsec -j -s
# monitor expire" on each router:
#  - packets, outbound: soft at the 3rd packet, hard at the 5th; exactly 5
#    pings pass, the SA is removed and the policy then drops (ACQUIRE, no
#    cleartext on the wire); "lifetime left" counts down;
#  - bytes, inbound: the byte limits count authenticated inner bytes;
#    forged ESP (bad ICV) for the SA ages nothing (no use time, no count);
#  - add time (soft 2 s, hard 4 s) and use time (soft 1 s, hard 2 s from
#    the first packet, nothing before it): never early, at most a little
#    late;
#  - rekey without loss: a new SA added on the soft event takes the traffic
#    of a continuous ping, which loses nothing; an update makes a dying SA
#    live again; a dying SA is left for an older one that is not;
#  - sequence numbers: soft near the end, hard when used up (with the
#    event), the last number sent being 2^32 - 1;
#  - the monitor's table changes (state and policy add, update, delete,
#    move, flush): in order, without keys, none for a refused command;
#  - the multicast groups: keymgr carries EXPIRE alone, events everything;
#  - namespaces deleted around an expiry: no report from the kernel.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
tunnel_topology || { fail topology "setup failed"; finish; }

GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
MON_A=/tmp/lft-mon-a.txt MON_B=/tmp/lft-mon-b.txt MON_C=/tmp/lft-mon-c.txt

# sa SRC DST SPI [WORDS...]: an ip-xfrm line adding a tunnel SA of reqid 1.
sa() {
	echo "state add src $1 dst $2 proto esp spi $3 reqid 1 mode tunnel replay-window 64 $GCM ${*:4}"
}

# The policies of both LANs, and the SAs from rb to ra (no limits); each
# part below adds its own ra-to-rb pair.
printf -v pol_t0 '%(%s)T' -1
tunnel_conf a 4 "$GCM" | grep policy | tunnel_apply "$ra" nfipsec ||
	fail config-a "nfipsec refused the configuration"
printf -v pol_t1 '%(%s)T' -1
# pol_times: ra's out policy's add and use times (JSON, -s), in
# pol_add and pol_use (empty: never used).
pol_times() {
	local j
	j=$(nfipsec -n "$ra" -s -j policy get src 192.168.111.0/24 dst 192.168.186.0/24 dir out)
	pol_add= pol_use=
	[[ $j =~ \"current\":\{\"add\":([0-9]+)(,\"use\":([0-9]+))?\} ]] || return 1
	pol_add=${BASH_REMATCH[1]} pol_use=${BASH_REMATCH[3]}
}
# A policy's add time is its add's, and it has no use time before a packet
# matched it (XFRM's policy times).
pol_times || fail policy-times "no current object in the policy's JSON"
((pol_add >= pol_t0 && pol_add <= pol_t1)) && pass policy-add-time ||
	fail policy-add-time "add $pol_add, added from $pol_t0 to $pol_t1"
[ -z "$pol_use" ] && pass policy-unused || fail policy-unused "use $pol_use before any packet"
tunnel_conf b 4 "$GCM" | grep policy | tunnel_apply "$rb" nfipsec ||
	fail config-b "nfipsec refused the configuration"
sa "$B4" "$A4" $SPI_BA | nfipsec -n "$ra" -b - || fail config-a-in refused
sa "$B4" "$A4" $SPI_BA | nfipsec -n "$rb" -b - || fail config-b-out refused

# event_line FILE SPI HARD: REPLY = the EXPIRE event (a JSON line) of SPI,
# soft (HARD 0) or hard (1).
event_line() {
	local line
	while IFS= read -r line; do
		[[ $line == *"\"spi\":\"$2\""* && $line == *"\"hard\":$3,"* ]] &&
			{ REPLY=$line; return 0; }
	done < "$1"
	return 1
}

# seen_at VAR FILE SPI HARD: wait (10 s) for the event; VAR = the time it
# was seen, in ms since the epoch.
seen_at() {
	wait_until 10 event_line "$2" "$3" "$4" || return 1
	printf -v "$1" '%s' $(( ${EPOCHREALTIME/./} / 1000 ))
}

now_ms() { REPLY=$(( ${EPOCHREALTIME/./} / 1000 )); }

# The monitors print nothing until an event: each is ready once it shows
# the hard expiry of a probe SA (time-hard 1), added again until seen.
nfipsec -n "$ra" -j -s monitor expire > "$MON_A" 2>&1 </dev/null &
bg_pids+=($!)
nfipsec -n "$rb" -j -s monitor expire > "$MON_B" 2>&1 </dev/null &
bg_pids+=($!)
nfipsec -n "$ra" -j monitor SA policy > "$MON_C" 2>&1 </dev/null &
bg_pids+=($!)
monitors_ready() {
	event_line "$MON_A" 0x0000900$probe 1 &&
		event_line "$MON_B" 0x0000900$probe 1 &&
		file_has "$MON_C" "\"spi\":\"0x0000900$probe\"" && return 0
	probe=$((probe + 1))
	[ $probe -lt 8 ] || return 1
	sa 10.9.9.1 10.9.9.2 0x900$probe limit time-hard 1 | nfipsec -n "$ra" -b -
	sa 10.9.9.1 10.9.9.2 0x900$probe limit time-hard 1 | nfipsec -n "$rb" -b -
	wait_until 3 event_line "$MON_B" 0x0000900$probe 1
	event_line "$MON_A" 0x0000900$probe 1 && event_line "$MON_B" 0x0000900$probe 1 &&
		file_has "$MON_C" "\"spi\":\"0x0000900$probe\""
}
probe=-1
wait_until 25 monitors_ready && pass monitors-ready ||
	fail monitors-ready "no probe EXPIRE seen: $(head -c 300 "$MON_A") / $(head -c 300 "$MON_B")"

# ra_cur SPI: REPLY = "packets N" of ra's SA to rb, " dying" added when
# it is (its lifetime current line, from state get -s).
ra_cur() {
	local raw out dying=$'\tstats:\n.*\n\tdying(\n|$)'
	raw=$(nfipsec -n "$ra" -s state get dst "$B4" proto esp spi "$1" 2>&1)
	out=${raw//[$'\n\t']/ }
	REPLY="none: $out"
	# ip's "lifetime current:" then "  B(bytes), P(packets)"; nfipsec's
	# "dying", a line of its own after ip's lines (ip's last: stats).
	[[ $out =~ lifetime\ current:\ +[0-9]+\(bytes\),\ ([0-9]+)\(packets\) ]] || return 0
	REPLY="packets ${BASH_REMATCH[1]}"
	[[ $raw =~ $dying ]] && REPLY+=" dying"
	return 0
}

## Packets, outbound: soft 3, hard 5.
{ sa "$A4" "$B4" 0x1100 limit packet-soft 3 limit packet-hard 5; } | nfipsec -n "$ra" -b - &&
	sa "$A4" "$B4" 0x1100 | nfipsec -n "$rb" -b - || fail packets-config refused
check_match packets-left-initial "lifetime left: packet-soft 3 packet-hard 5" \
	"$(nfipsec -n "$ra" -s state get dst "$B4" proto esp spi 0x1100)"
check packets-two ip netns exec "$h1" ping -c 2 -i 0.2 -W 2 192.168.186.10
check_match packets-left-after-two "lifetime left: packet-soft 1 packet-hard 3" \
	"$(nfipsec -n "$ra" -s state get dst "$B4" proto esp spi 0x1100)"
nos0=$(ns_stat "$ra" out-no-states) xs0=$(ns_stat "$ra" expire-soft) xh0=$(ns_stat "$ra" expire-hard)
cap=/tmp/lft-wire.pcap
capture_start tpid "$wire" br0 "$cap" || fail packets-capture "tcpdump did not start"
out=$(ip netns exec "$h1" ping -c 6 -i 0.3 -W 1 192.168.186.10 2>&1)
capture_stop tpid
check_match packets-three-more-pass ", 3 received" "$out"
seen_at t_soft "$MON_A" 0x00001100 0 && pass packets-soft-event ||
	fail packets-soft-event "$(cat "$MON_A" | tail -c 400)"
check_match packets-soft-at-3 '"current":\{[^}]*"packets":3[,}].*"hard":0,"limit":"packets"' "$REPLY"
seen_at t_hard "$MON_A" 0x00001100 1 && pass packets-hard-event ||
	fail packets-hard-event "$(cat "$MON_A" | tail -c 400)"
check_match packets-hard-at-5 '"current":\{[^}]*"packets":5[,}].*"hard":1,"limit":"packets"' "$REPLY"
check_fail packets-sa-removed 2 "No such|no SA" nfipsec -n "$ra" state get dst "$B4" proto esp spi 0x1100
check_eq packets-rb-got-5 5 "$(sa_stat "$rb" "$B4" 0x1100 packets)"
check_eq packets-no-sa-drops $((nos0 + 3)) "$(ns_stat "$ra" out-no-states)"
check_eq packets-expire-counted "$((xs0 + 1)) $((xh0 + 1))" "$(ns_stat "$ra" expire-soft) $(ns_stat "$ra" expire-hard)"
wire_check packets "$cap" 6 "$A4" "$B4"

## Bytes, inbound on rb: soft 200, hard 400 bytes of 84-byte pings: 5 pass.
## First, forged ESP for the SA (a bad ICV) ages nothing.
sa "$A4" "$B4" 0x1200 | nfipsec -n "$ra" -b - &&
	sa "$A4" "$B4" 0x1200 limit byte-soft 200 limit byte-hard 400 | nfipsec -n "$rb" -b - ||
	fail bytes-config refused
ip netns exec "$ra" python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
for i in range(1, 11):
    s.sendto(struct.pack("!II", 0x1200, i) + bytes(64), ("'"$B4"'", 0))
'
wait_until 5 eval '[ "$(sa_stat "$rb" "$B4" 0x1200 integrity)" = 10 ]' &&
	pass bytes-forged-refused ||
	fail bytes-forged-refused "integrity $(sa_stat "$rb" "$B4" 0x1200 integrity)"
check_match bytes-forged-ages-nothing "lifetime current: 0\(bytes\), 0\(packets\) add [-0-9]+ [:0-9]+ use - stats:" \
	"$(nfipsec -n "$rb" -s state get dst "$B4" proto esp spi 0x1200 | tr -s '\n\t' '  ')"
out=$(ip netns exec "$h1" ping -c 7 -i 0.3 -W 1 192.168.186.10 2>&1)
check_match bytes-five-pass ", 5 received" "$out"
seen_at t "$MON_B" 0x00001200 0 && pass bytes-soft-event ||
	fail bytes-soft-event "$(tail -c 400 "$MON_B")"
check_match bytes-soft-at-252 '"current":\{[^}]*"bytes":252,"packets":3[,}].*"limit":"bytes"' "$REPLY"
seen_at t "$MON_B" 0x00001200 1 && pass bytes-hard-event ||
	fail bytes-hard-event "$(tail -c 400 "$MON_B")"
check_match bytes-hard-at-420 '"current":\{[^}]*"bytes":420,"packets":5[,}].*"hard":1,"limit":"bytes"' "$REPLY"
check_fail bytes-sa-removed 2 "No such|no SA" nfipsec -n "$rb" state get dst "$B4" proto esp spi 0x1200
echo "state delete src $A4 dst $B4 proto esp spi 0x1200" | nfipsec -n "$ra" -b -

## Add time: soft 2 s, hard 4 s, on ra's SA, idle. Never early; late by
## at most 1.5 s (the work's tick and the lab's slowness).
now_ms; t0=$REPLY
sa "$A4" "$B4" 0x1400 limit time-soft 2 limit time-hard 4 | nfipsec -n "$ra" -b - ||
	fail addtime-config refused
now_ms; t1=$REPLY
seen_at t_soft "$MON_A" 0x00001400 0 && pass addtime-soft-event ||
	fail addtime-soft-event "$(tail -c 400 "$MON_A")"
check_match addtime-soft-limit '"hard":0,"limit":"time-add"' "$REPLY"
seen_at t_hard "$MON_A" 0x00001400 1 && pass addtime-hard-event ||
	fail addtime-hard-event "$(tail -c 400 "$MON_A")"
check_match addtime-hard-limit '"hard":1,"limit":"time-add"' "$REPLY"
((t_soft - t0 >= 1900 && t_soft - t1 <= 3500)) && pass addtime-soft-on-time ||
	fail addtime-soft-on-time "seen $((t_soft - t0)) ms after the add began, $((t_soft - t1)) ms after it ended"
((t_hard - t0 >= 3900 && t_hard - t1 <= 5500)) && pass addtime-hard-on-time ||
	fail addtime-hard-on-time "seen $((t_hard - t0)) ms after the add began, $((t_hard - t1)) ms after it ended"

## Use time: soft 1 s, hard 2 s after the first packet; nothing before.
{ sa "$A4" "$B4" 0x1500 limit time-use-soft 1 limit time-use-hard 2; } | nfipsec -n "$ra" -b - &&
	sa "$A4" "$B4" 0x1500 | nfipsec -n "$rb" -b - || fail usetime-config refused
nap 2.5
event_line "$MON_A" 0x00001500 0 && fail usetime-nothing-unused "$REPLY" ||
	pass usetime-nothing-unused
check_match usetime-unused-shown "^	  add [-0-9]+ [:0-9]+ use -$" \
	"$(nfipsec -n "$ra" -s state get dst "$B4" proto esp spi 0x1500)"
now_ms; t0=$REPLY
check usetime-ping ip netns exec "$h1" ping -c 1 -W 2 192.168.186.10
now_ms; t1=$REPLY
seen_at t_soft "$MON_A" 0x00001500 0 && pass usetime-soft-event ||
	fail usetime-soft-event "$(tail -c 400 "$MON_A")"
check_match usetime-soft-limit '"hard":0,"limit":"time-use"' "$REPLY"
seen_at t_hard "$MON_A" 0x00001500 1 && pass usetime-hard-event ||
	fail usetime-hard-event "$(tail -c 400 "$MON_A")"
((t_soft - t0 >= 900 && t_soft - t1 <= 2500)) && pass usetime-soft-on-time ||
	fail usetime-soft-on-time "seen $((t_soft - t0)) ms after the ping began, $((t_soft - t1)) ms after it ended"
((t_hard - t0 >= 1900 && t_hard - t1 <= 3500)) && pass usetime-hard-on-time ||
	fail usetime-hard-on-time "seen $((t_hard - t0)) ms after the ping began, $((t_hard - t1)) ms after it ended"
# The out policy's use time (checked after the timed events): that
# ping's, to a second; its add time unchanged.
pol_add0=$pol_add
pol_times
((pol_use >= t0 / 1000 && pol_use <= t1 / 1000)) && pass policy-use-time ||
	fail policy-use-time "use '$pol_use', the ping from $((t0 / 1000)) to $((t1 / 1000))"
check_eq policy-add-time-kept "$pol_add0" "$pol_add"
# An update is a new add time (XFRM's); nfipsec keeps the use time with
# the counters.
pol_use0=$pol_use
printf -v u0 '%(%s)T' -1
tunnel_conf a 4 "$GCM" | grep "policy add src 192.168.111.0/24 dst 192.168.186.0/24 dir out" |
	sed 's/^policy add/policy update/' | nfipsec -n "$ra" -b - || fail policy-update refused
printf -v u1 '%(%s)T' -1
pol_times
((pol_add >= u0 && pol_add <= u1)) && pass policy-update-add-time ||
	fail policy-update-add-time "add $pol_add, updated from $u0 to $u1"
check_eq policy-update-use-kept "$pol_use0" "$pol_use"

## Rekey without loss: 0x1600 (soft at 10 packets, hard at 40) carries a
## ping every 100 ms; on its soft event the next pair (0x1700) is added,
## rb's inbound SA first. Not one of the 60 echoes is lost (without the
## new SA, the 20 after the hard limit would be), and 0x1600 then carries
## nothing: the newer SA is preferred to the dying one.
sa "$A4" "$B4" 0x1600 | nfipsec -n "$rb" -b - &&
	sa "$A4" "$B4" 0x1600 limit packet-soft 10 limit packet-hard 40 | nfipsec -n "$ra" -b - ||
	fail rekey-config refused
ip netns exec "$h1" ping -c 60 -i 0.1 -W 2 192.168.186.10 > /tmp/lft-ping.txt 2>&1 &
ping_pid=$!
bg_pids+=("$ping_pid")
if seen_at t "$MON_A" 0x00001600 0; then
	pass rekey-soft-event
	sa "$A4" "$B4" 0x1700 | nfipsec -n "$rb" -b - &&
		sa "$A4" "$B4" 0x1700 | nfipsec -n "$ra" -b - || fail rekey-new-sa refused
else
	fail rekey-soft-event "$(tail -c 400 "$MON_A")"
fi
wait "$ping_pid"
check_match rekey-no-loss "60 packets transmitted, 60 received" "$(cat /tmp/lft-ping.txt)"
ra_cur 0x1600; old=$REPLY
[[ $old =~ ^packets\ ([0-9]+)\ dying$ ]] && ((BASH_REMATCH[1] >= 10 && BASH_REMATCH[1] < 40)) &&
	pass rekey-old-dying || fail rekey-old-dying "0x1600: $old"
check ping-after-rekey ip netns exec "$h1" ping -c 2 -i 0.2 -W 2 192.168.186.10
ra_cur 0x1600; check_eq rekey-old-idle "$old" "$REPLY"
[ "$(sa_stat "$rb" "$B4" 0x1700 packets)" -gt 2 ] 2>/dev/null && pass rekey-new-carries ||
	fail rekey-new-carries "0x1700 on rb: $(sa_stat "$rb" "$B4" 0x1700 packets)"
# An update (new limits) makes the dying SA live again, counts kept.
sa "$A4" "$B4" 0x1600 limit packet-soft 1000 limit packet-hard 2000 |
	sed 's/state add/state update/' | nfipsec -n "$ra" -b - || fail rekey-update refused
ra_cur 0x1600
check_eq rekey-update-revives "${old% dying}" "$REPLY"

## A dying SA is left for an older one that is not: 0x1a00, newer than
## 0x1900, is dying after its 2nd packet; the next 3 take 0x1900.
printf 'state delete src %s dst %s proto esp spi %s\n' "$A4" "$B4" 0x1600 "$A4" "$B4" 0x1700 |
	nfipsec -n "$ra" -b - || fail dying-cleanup refused
{ sa "$A4" "$B4" 0x1900; sa "$A4" "$B4" 0x1a00; } | nfipsec -n "$rb" -b - &&
	{ sa "$A4" "$B4" 0x1900; sa "$A4" "$B4" 0x1a00 limit packet-soft 2; } |
	nfipsec -n "$ra" -b - || fail dying-config refused
check dying-pings ip netns exec "$h1" ping -c 5 -i 0.3 -W 2 192.168.186.10
check_eq dying-newer-carried-2 2 "$(sa_stat "$rb" "$B4" 0x1a00 packets)"
check_eq dying-older-carried-3 3 "$(sa_stat "$rb" "$B4" 0x1900 packets)"

## Sequence numbers (no ESN): the SA starts at 0xfffffffc (replay-oseq);
## it is soft-expired at once (less than 2^24 left), carries the last
## three numbers, and is hard-expired when none is left: XFRM drops
## silently there. (The SAs above go first: the dying SA would lose its
## traffic to them.)
printf 'state delete src %s dst %s proto esp spi %s\n' "$A4" "$B4" 0x1900 "$A4" "$B4" 0x1a00 |
	nfipsec -n "$ra" -b - || fail seq-cleanup refused
sa "$A4" "$B4" 0x1800 | nfipsec -n "$rb" -b - &&
	sa "$A4" "$B4" 0x1800 replay-oseq 0xfffffffc | nfipsec -n "$ra" -b - ||
	fail seq-config refused
check_fail seq-update-refused 2 "update cannot change replay-oseq" \
	nfipsec -n "$ra" state update src "$A4" dst "$B4" proto esp spi 0x1800 reqid 1 \
	mode tunnel replay-window 64 aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128 \
	replay-oseq 1
se0=$(ns_stat "$ra" out-state-seq-error)
out=$(ip netns exec "$h1" ping -c 5 -i 0.3 -W 1 192.168.186.10 2>&1)
check_match seq-three-pass ", 3 received" "$out"
seen_at t "$MON_A" 0x00001800 0 && check_match seq-soft-event '"hard":0,"limit":"seq"' "$REPLY" ||
	fail seq-soft-event "$(tail -c 400 "$MON_A")"
seen_at t "$MON_A" 0x00001800 1 && check_match seq-hard-event '"hard":1,"limit":"seq"' "$REPLY" ||
	fail seq-hard-event "$(tail -c 400 "$MON_A")"
check_eq seq-error-counted $((se0 + 1)) "$(ns_stat "$ra" out-state-seq-error)"
check_eq seq-rb-top 4294967295 "$(sa_stat "$rb" "$B4" 0x1800 replay-top)"

## The monitor shows every change of the tables, in order, as the
## command that made it; a refused command shows nothing, keys never.
mapfile -t lines < "$MON_C"; n0=${#lines[@]}
check_fail changes-refused-delete 2 "no SA" \
	nfipsec -n "$ra" state delete src "$A4" dst 10.9.9.9 proto esp spi 0x7778
K7="aead 'rfc4106(gcm(aes))' 0x77777777777777777777777777777777aabbccdd 128"
printf '%s\n' \
	"policy add src 10.77.0.0/16 dst 10.78.0.0/16 dir out action block" \
	"policy move position $(nfipsec -n "$ra" policy count | awk '{ print $3 + $5 + $7 }') to 0" \
	"policy update src 10.77.0.0/16 dst 10.78.0.0/16 dir out action allow" \
	"policy delete src 10.77.0.0/16 dst 10.78.0.0/16 dir out" \
	"state add src $A4 dst 10.9.9.9 proto esp spi 0x7777 reqid 7 mode tunnel $K7" \
	"state update src $A4 dst 10.9.9.9 proto esp spi 0x7777 reqid 7 mode tunnel $K7 limit time-hard 999" \
	"state delete src $A4 dst 10.9.9.9 proto esp spi 0x7777" \
	"policy flush dir in" |
	nfipsec -n "$ra" -b - || fail changes-batch refused
wait_until 10 file_has "$MON_C" '"event":"policy-flush"' ||
	fail changes-seen "$(tail -c 300 "$MON_C")"
mapfile -t lines < "$MON_C"
seen= keys=0
for ((i = n0; i < ${#lines[@]}; i++)); do
	[[ ${lines[i]} =~ \"event\":\"([a-z-]+)\" ]] && seen+="${seen:+ }${BASH_REMATCH[1]}"
	[[ ${lines[i]} == *'"key"'* || ${lines[i]} == *7777777777* ]] && keys=$((keys + 1))
done
check_eq changes-in-order "policy-add policy-move policy-update policy-delete state-add state-update state-delete policy-flush" "$seen"
check_eq changes-no-keys 0 "$keys"
check_match changes-move-to-top '"event":"policy-move","position":0,"src":"10.77.0.0/16"' "$(cat "$MON_C")"
check_match changes-update-shown '"event":"state-update".*"spi":"0x00007777".*"time-hard":999' "$(cat "$MON_C")"
check_match changes-flush-dir '"event":"policy-flush","dir":"in"' "$(cat "$MON_C")"

## Which group carries what (events_check.py, three sockets in a namespace
## of their own): keymgr the EXPIRE alone, events every table change and
## the EXPIRE, a socket on both the EXPIRE twice (uapi "Events").
setup_ns grp || fail groups-setup "no namespace"
out=$(ip netns exec "$grp" python3 "$(dirname "$0")/events_check.py" \
	"$(dirname "$0")/../uapi/nfipsec.h" "$(command -v nfipsec)" 2>&1)
check_match groups-keymgr '^keymgr EXPIRE$' "$out"
check_match groups-events '^events SA_NEW SA_NEW SA_SET SA_DEL EXPIRE$' "$out"
check_match groups-both '^both SA_NEW SA_NEW SA_SET SA_DEL EXPIRE EXPIRE$' "$out"

## Namespaces deleted around their SAs' hard expiry (1 s after the add),
## another expiry armed: the expiry work and what it queues end with the
## namespace (KASAN and the kernel log judge, 3 s later).
for d in 0.2 0.5 0.8; do
	setup_ns tmp || { fail exit-setup "no namespace"; break; }
	{ sa 10.9.9.1 10.9.9.2 0x6000 limit time-hard 1; sa 10.9.9.1 10.9.9.3 0x6001 limit time-soft 100; } |
		nfipsec -n "$tmp" -b - || fail exit-config refused
	nap $d
	ip netns del "$tmp"
done
nap 3
pass exit-during-expiry

rm -f "$MON_A" "$MON_B" "$MON_C" /tmp/lft-ping.txt "$cap" "$cap.err"
finish
