#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=45
# Larval SAs, the same lines on Linux XFRM (namespace x) and nfipsec (n):
#  - "state allocspi": an SPI held by a larval SA, the reply as ip prints
#    it; "state add" of that SPI is refused, "state update" makes it the
#    SA; a range with no free SPI is refused (nfipsec leaves nothing
#    behind, XFRM a larval state without an SPI); random SPIs are unique
#    and in ip's default range; the namespace's limit of SAs bounds them;
#  - ACQUIRE: one per SA wanted while its larval SA lives (hold-down),
#    numbered; "allocspi seq" gives that larval SA the SPI, "update" makes
#    it the SA, which then carries the flow; an SA added for the ACQUIRE's
#    template ends its larval SA;
#  - a larval SA expires after acq-expires seconds with an EXPIRE event,
#    and the hold-down ends with it;
#  - ESP to a larval SA's SPI is dropped as for no SA.
. "$(dirname "$0")/lib.sh"

require_module
setup_ns x n || { fail setup "namespaces"; finish; }
A=10.0.0.1 B=10.0.0.2
KEY=0x00112233445566778899aabbccddeeff01020304
GCM="aead rfc4106(gcm(aes)) $KEY 128"
for ns in "$x" "$n"; do
	ip -n "$ns" link add d0 type dummy
	ip -n "$ns" link set d0 up
	ip -n "$ns" addr add $A/24 dev d0
	ip -n "$ns" route add 10.0.9.0/24 dev d0
done
ip netns exec "$x" sysctl -qw net.core.xfrm_acq_expires=30

# on IMPL [-s] ARGS...: one ip-xfrm line on XFRM (x) or nfipsec (n).
on() {
	local impl=$1 opt=()
	shift
	[ "$1" = -s ] && { opt=(-s); shift; }
	if [ "$impl" = xfrm ]; then
		ip "${opt[@]}" -n "$x" xfrm "$@"
	else
		nfipsec "${opt[@]}" -n "$n" "$@"
	fi
}

# norm: ip's lines only (ip's "anti-replay context" and nfipsec's own
# "larval" line out), no trailing blanks, no "dev" (XFRM's ACQ selector).
norm() {
	sed -e '/anti-replay context/d' -e '/^\tlarval$/d' -e 's/ dev [^ ]*//' \
		-e 's/[ \t]*$//'
}

count_of() {	# count_of IMPL: the "SAD count" number
	on "$1" state count | awk '{ print $NF }'
}
# listed IMPL: the SAs and larval SAs listed (XFRM's SAD count leaves out
# the larval state of an ACQUIRE: seen in the lab).
listed() { on "$1" state list | grep -c '^src '; }

# 1. allocspi, its reply, the same on both.
for impl in xfrm nfipsec; do
	on $impl state allocspi src $A dst $B proto esp mode tunnel reqid 7 \
		min 0x1000 max 0x1000 > /tmp/larval-$impl.txt 2>&1
done
check_eq allocspi-reply-as-xfrm "$(norm < /tmp/larval-xfrm.txt)" \
	"$(norm < /tmp/larval-nfipsec.txt)"
check_eq allocspi-reply "src $A dst $B
	proto esp spi 0x00001000 reqid 7 mode tunnel
	replay-window 0
	sel src $A/32 dst $B/32" "$(norm < /tmp/larval-nfipsec.txt)"
check_match allocspi-larval-shown "	larval" "$(cat /tmp/larval-nfipsec.txt)"
for impl in xfrm nfipsec; do
	check_fail range-full-$impl 2 "No SPI available in the requested range" \
		on $impl state allocspi src $A dst $B proto esp mode tunnel reqid 8 \
		min 0x1000 max 0x1000
done
# XFRM keeps the larval state it made for the refused request; nfipsec
# makes none.
check_eq range-full-nothing-left 1 "$(count_of nfipsec)"
check_eq range-full-xfrm-leaves-one 2 "$(count_of xfrm)"
on xfrm state flush
on xfrm state allocspi src $A dst $B proto esp mode tunnel reqid 7 min 0x1000 max 0x1000 >/dev/null

# 2. Get, add refused, update makes the SA.
for impl in xfrm nfipsec; do
	on $impl state get src $A dst $B proto esp spi 0x1000 > /tmp/larval-get-$impl.txt 2>&1
	check_fail add-taken-$impl 2 "File exists|larval SA \(allocspi\) holds" \
		on $impl state add src $A dst $B proto esp spi 0x1000 mode tunnel reqid 7 $GCM
	check update-makes-sa-$impl on $impl state update src $A dst $B proto esp spi 0x1000 \
		mode tunnel reqid 7 $GCM
	check_eq update-one-left-$impl 1 "$(count_of $impl)"
	check_match update-sa-$impl "aead rfc4106\(gcm\(aes\)\)" "$(on $impl state list)"
done
check_eq get-as-xfrm "$(norm < /tmp/larval-get-xfrm.txt)" "$(norm < /tmp/larval-get-nfipsec.txt)"
check_eq update-not-larval 0 "$(nfipsec -n "$n" state list | grep -c '^	larval$')"

# 3. Random SPIs: unique, in ip's default range (0x100-0x0fffffff).
for i in $(seq 20); do
	echo "state allocspi src $A dst 10.0.1.$i proto esp"
done > /tmp/larval-batch.txt
nfipsec -n "$n" -b /tmp/larval-batch.txt > /tmp/larval-random.txt 2>&1 ||
	fail random-batch "$(head -c 300 /tmp/larval-random.txt)"
spis=$(awk '/proto esp spi/ { print $4 }' /tmp/larval-random.txt)
check_eq random-twenty 20 "$(echo "$spis" | sort -u | grep -c .)"
inrange=0
for s in $spis; do
	(( s >= 0x100 && s <= 0x0fffffff )) && inrange=$((inrange + 1))
done
check_eq random-in-range 20 "$inrange"
check_eq random-counted 21 "$(count_of nfipsec)"

# 4. A small range: each SPI once, then refused, nothing left behind.
for i in 1 2 3 4; do
	echo "state allocspi src $A dst 10.0.2.$i proto ah min 0x2000 max 0x2003"
done > /tmp/larval-batch.txt
nfipsec -n "$n" -b /tmp/larval-batch.txt > /tmp/larval-small.txt 2>&1 ||
	fail small-batch "$(head -c 300 /tmp/larval-small.txt)"
check_eq small-range-all "0x00002000 0x00002001 0x00002002 0x00002003" \
	"$(awk '/proto ah spi/ { print $4 }' /tmp/larval-small.txt | sort | xargs)"
check_fail small-range-full 2 "No SPI available in the requested range" \
	nfipsec -n "$n" state allocspi src $A dst 10.0.2.5 proto ah min 0x2000 max 0x2003
# An ESP SPI is not an AH one (XFRM: unique per protocol).
check esp-spi-beside-ah nfipsec -n "$n" state allocspi src $A dst 10.0.2.5 proto esp min 0x2000 max 0x2000
check_eq small-range-counted 26 "$(count_of nfipsec)"
check delete-larval nfipsec -n "$n" state delete src $A dst 10.0.2.5 proto esp spi 0x2000
check_fail deleted-larval-gone 2 "no SA with this dst, spi and proto" \
	nfipsec -n "$n" state get src $A dst 10.0.2.5 proto esp spi 0x2000
check_eq deleted-larval-counted 25 "$(count_of nfipsec)"
check flush-esp nfipsec -n "$n" state flush proto esp
check_eq flush-esp-left-ah 4 "$(count_of nfipsec)"
check flush nfipsec -n "$n" state flush
check_eq flushed 0 "$(count_of nfipsec)"

# 5. The namespace's limit of SAs bounds larval SAs too.
check limit-lowered nfipsec -n "$n" limits set sas 2
check limit-first nfipsec -n "$n" state allocspi src $A dst 10.0.3.1 proto esp
check limit-second nfipsec -n "$n" state allocspi src $A dst 10.0.3.2 proto esp
check_fail limit-reached 2 "limit of 2 larval SAs is reached" \
	nfipsec -n "$n" state allocspi src $A dst 10.0.3.3 proto esp
check_eq limit-nothing-more 2 "$(count_of nfipsec)"
check limit-restored nfipsec -n "$n" limits set sas 16384
nfipsec -n "$n" state flush
on xfrm state flush

# 6. ACQUIRE: one per SA wanted while its larval SA lives, numbered.
POL="policy add src $A dst 10.0.9.0/24 dir out tmpl src $A dst $B proto esp reqid 5 mode tunnel"
for impl in xfrm nfipsec; do
	on $impl $POL || fail acquire-policy-$impl "refused"
done
ip netns exec "$x" ip xfrm monitor > /tmp/larval-mon-xfrm.txt 2>&1 &
bg_pids+=($!)
nfipsec -n "$n" monitor > /tmp/larval-mon-nfipsec.txt 2>&1 </dev/null &
bg_pids+=($!)
# send NS: one UDP datagram from port 4000 to 10.0.9.9:9.
send() {
	ip netns exec "$1" python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'$A'", 4000))
for i in range(int(sys.argv[1])):
    try:
        s.sendto(b"x", ("10.0.9.9", 9))
    except OSError:
        pass
' "${2:-1}"
}
acquires() { grep -c '^acquire' "/tmp/larval-mon-$1.txt"; }
# The monitors are listening once a send gives an ACQUIRE (none without a
# listener, none in the hold-down after).
ready() {
	local impl ns
	for impl in xfrm nfipsec; do
		[ "$(acquires $impl)" -gt 0 ] && continue
		ns=$n
		[ $impl = xfrm ] && ns=$x
		send "$ns"
		[ "$(acquires $impl)" -gt 0 ] || return 1
	done
}
wait_until 20 ready || fail acquire-ready "$(head -c 300 /tmp/larval-mon-*.txt)"
nap 1.2
send "$x" 3
send "$n" 3
nap 1.2
send "$x" 2
send "$n" 2
nap 0.5
for impl in xfrm nfipsec; do
	check_eq hold-down-$impl 1 "$(acquires $impl)"
	on $impl -s state list > /tmp/larval-acq-$impl.txt
	check_match acquire-larval-$impl "proto esp spi 0x00000000\(0\) reqid 5\(0x00000005\) mode tunnel" \
		"$(cat /tmp/larval-acq-$impl.txt)"
	check_match acquire-larval-sel-$impl "sel src $A/32 dst 10.0.9.9/32 proto udp sport 4000 dport 9" \
		"$(cat /tmp/larval-acq-$impl.txt)"
done
# The larval SA's seq as ip -s shows it (0x%08u of the number), and the
# word that gives it back (ip stores seq N as htonl(N)).
seq_of() {
	local s
	s=$(grep -o 'seq 0x[0-9]*' "/tmp/larval-acq-$1.txt" | head -1)
	s=$((10#${s#seq 0x}))
	echo $(( ((s & 0xff) << 24) | ((s & 0xff00) << 8) | ((s >> 8) & 0xff00) | (s >> 24) ))
}
check_match acquire-seq-first "seq 0x00000001 " "$(cat /tmp/larval-acq-nfipsec.txt)"
check_match acquire-seq-monitor "^acquire .*seq 0x00000001" "$(cat /tmp/larval-mon-nfipsec.txt)"
for impl in xfrm nfipsec; do
	check allocspi-seq-$impl on $impl state allocspi src $A dst $B proto esp mode tunnel \
		reqid 5 seq "$(seq_of $impl)" min 0x3000 max 0x3000
	check_eq allocspi-seq-same-larval-$impl 1 "$(listed $impl)"
	check_match allocspi-seq-spi-$impl "proto esp spi 0x00003000 reqid 5 mode tunnel" \
		"$(on $impl state list)"
	check allocspi-seq-update-$impl on $impl state update src $A dst $B proto esp spi 0x3000 \
		mode tunnel reqid 5 $GCM
	check_eq allocspi-seq-sa-$impl 1 "$(listed $impl)"
done
send "$n" 1
check_match acquire-answered-carries "counters: packets 1 " \
	"$(nfipsec -n "$n" -s state get src $A dst $B proto esp spi 0x3000)"
check_eq acquire-answered-no-more 1 "$(acquires nfipsec)"

# 7. Expiry: EXPIRE, and the hold-down ends with the larval SA.
ip netns exec "$x" sysctl -qw net.core.xfrm_acq_expires=2
check acq-expires-set nfipsec -n "$n" limits set acq-expires 2
check_match acq-expires-shown "acq-expires 2" "$(nfipsec -n "$n" limits)"
for impl in xfrm nfipsec; do
	on $impl state flush
	on $impl state allocspi src $A dst $B proto ah min 0x4000 max 0x4000 >/dev/null ||
		fail expiry-allocspi-$impl "refused"
done
expired() { [ "$(listed xfrm)" = 0 ] && [ "$(listed nfipsec)" = 0 ]; }
wait_until 10 expired || fail expiry "still there: $(on nfipsec state list)"
pass expiry-both
mon_expired() {
	grep -A1 '^expire' /tmp/larval-mon-nfipsec.txt | grep -q 'spi 0x00004000'
}
wait_until 5 mon_expired ||
	fail expiry-event "$(tail -c 400 /tmp/larval-mon-nfipsec.txt)"
check_eq expiry-event-xfrm 1 "$(grep -A1 "^Expired src $A dst $B" /tmp/larval-mon-xfrm.txt |
	grep -c 'proto ah spi 0x00004000')"
ip netns exec "$x" sysctl -qw net.core.xfrm_acq_expires=30
nfipsec -n "$n" limits set acq-expires 30
send "$x" 1
send "$n" 1
acquired_twice() { [ "$(acquires xfrm)" = 2 ] && [ "$(acquires nfipsec)" = 2 ]; }
wait_until 5 acquired_twice || fail after-expiry-acquire "xfrm $(acquires xfrm) nfipsec $(acquires nfipsec)"
check_match after-expiry-seq "^acquire .*seq 0x00000002" "$(cat /tmp/larval-mon-nfipsec.txt)"
# The SA that answers it (state add, no seq: its template's protocol,
# endpoints, mode and reqid) ends the ACQUIRE's larval SA.
check_eq answer-larval-counted 1 "$(count_of nfipsec)"
for impl in xfrm nfipsec; do
	check_eq answer-larval-$impl 1 "$(listed $impl)"
	check answer-add-$impl on $impl state add src $A dst $B proto esp spi 0x6000 \
		mode tunnel reqid 5 $GCM
	check_eq answer-larval-gone-$impl 1 "$(listed $impl)"
done

# 8. ESP to a larval SA's SPI: no SA, dropped and counted as such.
nfipsec -n "$n" state allocspi src $B dst $A proto esp min 0x5000 max 0x5000 >/dev/null
nos0=$(nfipsec_stat "$n" in-no-states)
ip netns exec "$n" python3 -c 'import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
s.sendto(struct.pack("!II", 0x5000, 1) + bytes(40), ("'$A'", 0))'
check_eq larval-spi-no-sa $((nos0 + 1)) "$(nfipsec_stat "$n" in-no-states)"
finish
