#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=50
# ip xfrm's SA words, the same lines on Linux XFRM and on nfipsec (ra),
# against an XFRM peer (rb) whose ESP leaves with DSCP CS5 (nft rewrites
# the outer header), outer and inner IPv4:
#  - "flag decap-dscp" on ra's inbound SA puts the outer DSCP into the
#    packets it decrypts (h1 sees CS5 on the echo replies); without it the
#    inner DSCP stays (0);
#  - "flag wildrecv" on ra's outbound SA: no policy sends on it (lost);
#  - "flag af-unspec" is taken and shown back;
#  - "replay-seq N" starts the inbound window at N: the peer's sequence
#    numbers left of the window below N are refused, those after N taken.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

impls=${SA_FLAGS_IMPLS:-xfrm nfipsec}
declare -A seq
[[ $impls == *nfipsec* ]] && require_module
tunnel_topology || { fail topology "setup failed"; finish; }
KEY=0x00112233445566778899aabbccddeeff01020304
ALGS="aead 'rfc4106(gcm(aes))' $KEY 128"
L1=192.168.111.0/24 L2=192.168.186.0/24

# CS5 on rb's ESP; h1 counts what arrives with CS5.
ip netns exec "$rb" nft -f - <<'EOF' || fail nft-rb "nft refused"
table ip t {
	chain p {
		type filter hook postrouting priority 0;
		ip protocol esp ip dscp set cs5
	}
}
EOF
ip netns exec "$h1" nft -f - <<'EOF' || fail nft-h1 "nft refused"
table ip t {
	chain i {
		type filter hook input priority 0;
		ip dscp cs5 counter
	}
}
EOF
cs5_at_h1() { nft_packets "$h1" t i; }

# ra_conf OUT-FLAGS IN-FLAGS [IN-EXTRA]: ra's two SAs with those words.
ra_conf() {
	echo "state add src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 $ALGS $1"
	echo "state add src $B4 dst $A4 proto esp spi $SPI_BA reqid 1 mode tunnel replay-window 64 $ALGS $2"
	echo "policy add src $L1 dst $L2 dir out tmpl src $A4 dst $B4 proto esp reqid 1 mode tunnel"
	echo "policy add src $L2 dst $L1 dir fwd tmpl src $B4 dst $A4 proto esp reqid 1 mode tunnel"
}

# ping_n N: h1 -> h2, N echoes; prints how many were answered.
ping_n() {
	ip netns exec "$h1" ping -c "$1" -i 0.2 -W 2 192.168.186.10 |
		awk '/received/ { for (i = 1; i <= NF; i++) if ($i ~ /^received/) print $(i - 1) }'
}

# round NAME EXPECT-ANSWERED EXPECT-CS5 OUT-FLAGS IN-FLAGS
round() {
	local name=$1 want=$2 want_cs5=$3 impl c0 got
	shift 3
	for impl in $impls; do
		tunnel_conf b 4 "$ALGS" | tunnel_apply "$rb" xfrm || fail "$impl.$name.config-rb" refused
		if ! ra_conf "$@" | tunnel_apply "$ra" "$impl"; then
			fail "$impl.$name.config" refused
			continue
		fi
		c0=$(cs5_at_h1)
		got=$(ping_n 2)
		check_eq "$impl.$name.answered" "$want" "${got:-0}"
		check_eq "$impl.$name.cs5-at-h1" "$want_cs5" $(($(cs5_at_h1) - c0))
		tunnel_clear "$ra"
	done
}

round plain 2 0 "" ""
round decap-dscp 2 2 "" "flag decap-dscp"
round wildrecv 0 0 "flag wildrecv" ""
round af-unspec 2 0 "flag af-unspec" "flag af-unspec"

# Shown back.
ra_conf "flag af-unspec" "flag decap-dscp" | tunnel_apply "$ra" nfipsec
check_match nfipsec.flags-shown "flag af-unspec" "$(nfipsec -n "$ra" state get dst $B4 proto esp spi $SPI_AB)"
check_match nfipsec.decap-dscp-shown "flag decap-dscp" "$(nfipsec -n "$ra" state get dst $A4 proto esp spi $SPI_BA)"
tunnel_clear "$ra"

# seq: ip xfrm's km.seq, kept (in network byte order, as ip stores it) and
# shown as ip shows it; an update keeps the SA's own, as XFRM's does. The
# same lines on XFRM (ra) and nfipsec (ra's nfipsec side), -s text compared.
seq_of() {	# seq_of IMPL: the seq word of ra's outbound SA, as -s shows it
	if [ "$1" = xfrm ]; then
		ip -n "$ra" -s xfrm state get dst $B4 proto esp spi $SPI_AB
	else
		nfipsec -n "$ra" -s state get dst $B4 proto esp spi $SPI_AB
	fi | grep -o 'seq 0x[0-9]* '
}
for impl in xfrm nfipsec; do
	ra_conf "seq 5" "" | tunnel_apply "$ra" "$impl" || fail "$impl.seq.config" refused
	seq[$impl]=$(seq_of "$impl")
	upd="state update src $A4 dst $B4 proto esp spi $SPI_AB reqid 1 mode tunnel replay-window 64 $ALGS seq 7"
	if [ "$impl" = xfrm ]; then
		echo "xfrm $upd" | ip -n "$ra" -batch -
	else
		echo "$upd" | nfipsec -n "$ra" -b -
	fi || fail "$impl.seq.update" refused
	check_eq "$impl.seq-kept-by-update" "${seq[$impl]}" "$(seq_of "$impl")"
	[ "$impl" = nfipsec ] && check_eq nfipsec.seq-json 5 \
		"$(nfipsec -n "$ra" -j state get dst $B4 proto esp spi $SPI_AB | python3 -c 'import json, sys; print(json.load(sys.stdin)["seq"])')"
	tunnel_clear "$ra"
done
check_eq seq-shown-as-ip 'seq 0x83886080 ' "${seq[nfipsec]}"
check_eq seq-same-as-xfrm "${seq[xfrm]}" "${seq[nfipsec]}"

# replay-seq: ra's inbound SA takes N as the highest number received. rb
# sends from 1, or (replay-oseq 1000) from 1001: with N 1000, 1 and 2 are
# far left of the window (refused), 1001 and 1002 are new; with N 1100,
# 1001 is left of the 64-packet window again.
# rb_oseq N: rb keyed again, its outbound SA's last number sent N.
rb_oseq() {
	tunnel_conf b 4 "$ALGS" | sed "1s/\$/ replay-oseq $1/" | tunnel_apply "$rb" xfrm ||
		fail "rb-oseq-$1" refused
}
for impl in $impls; do
	for c in "1000 0 0" "1000 1000 2" "1100 1000 0"; do
		set -- $c
		rb_oseq "$2"
		ra_conf "" "replay-seq $1" | tunnel_apply "$ra" "$impl" ||
			fail "$impl.replay-seq-$1.config" refused
		check_eq "$impl.replay-seq-$1.peer-from-$2.answered" "$3" "$(ping_n 2)"
		tunnel_clear "$ra"
	done
done
finish
