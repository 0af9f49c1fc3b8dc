#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=140
# ip xfrm's template semantics, the same lines on Linux XFRM and on
# nfipsec (ra), against the same XFRM peer (rb), on the standard topology:
#  - inbound, an all-zero tunnel source is a wildcard ("tmpl src 0.0.0.0
#    dst 0.0.0.0", "tmpl src :: dst ::", or no addresses: any peer); a
#    named source has to be the SA's; the destination is not compared;
#  - inbound, reqid 0 takes any SA, a reqid only SAs of that reqid;
#  - outbound, the reqid is exact: reqid 0 (none given) means SAs without a
#    reqid, so a template without one does not take an SA of reqid 1;
#  - outbound, a tunnel template without a source takes the address the
#    route to its destination gives.
# Each case is a ping h1 -> h2 through the tunnel: answered or not, and
# the two implementations must agree with what XFRM does (the expectations
# below were read off XFRM; its rounds check them again every run).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

impls=${TEMPLATES_IMPLS:-xfrm nfipsec}
[[ $impls == *nfipsec* ]] && require_module
tunnel_topology || { fail topology "setup failed"; finish; }
KEY=0x00112233445566778899aabbccddeeff01020304
ALGS="aead 'rfc4106(gcm(aes))' $KEY 128"

L1=192.168.111.0/24 L2=192.168.186.0/24

# ra_conf REQID OUT-ADDRS OUT-REQID IN-ADDRS IN-REQID: ra's SAs with REQID
# (0: none), an out policy whose template has the addresses OUT-ADDRS
# ("src A dst B", some of it, or nothing) and the reqid OUT-REQID (0:
# none), fwd and in policies with IN-ADDRS and IN-REQID (ip xfrm wants the
# addresses before "proto", the reqid after it).
ra_conf() {
	local r="" o="" i=""
	[ "$1" = 0 ] || r="reqid $1"
	[ "$3" = 0 ] || o="reqid $3"
	[ "$5" = 0 ] || i="reqid $5"
	echo "state add src $A4 dst $B4 proto esp spi $SPI_AB $r mode tunnel replay-window 64 $ALGS"
	echo "state add src $B4 dst $A4 proto esp spi $SPI_BA $r mode tunnel replay-window 64 $ALGS"
	echo "policy add src $L1 dst $L2 dir out tmpl $2 proto esp $o mode tunnel"
	echo "policy add src $L2 dst $L1 dir fwd tmpl $4 proto esp $i mode tunnel"
	echo "policy add src $L2 dst $L1 dir in tmpl $4 proto esp $i mode tunnel"
}

# case_run NAME EXPECT ra_conf-ARGS...: EXPECT is "answered" or "lost". rb
# is keyed again each time: its replay windows must not remember the
# sequence numbers of ra's earlier SAs.
case_run() {
	local name=$1 want=$2 impl got
	shift 2
	for impl in $impls; do
		tunnel_conf b 4 "$ALGS" | tunnel_apply "$rb" xfrm || fail "$impl.$name.config-rb" refused
		if ! ra_conf "$@" | tunnel_apply "$ra" "$impl"; then
			fail "$impl.$name.config" "refused: $(ra_conf "$@" | tr '\n' ';')"
			continue
		fi
		if [ "$want" = answered ]; then
			ip netns exec "$h1" ping -c 2 -i 0.3 -W 3 -q 192.168.186.10 >/dev/null
		else
			ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 -q 192.168.186.10 >/dev/null
		fi
		if [ $? = 0 ]; then got=answered; else got=lost; fi
		check_eq "$impl.$name" "$want" "$got"
		tunnel_clear "$ra"
	done
}

AB="src $A4 dst $B4" BA="src $B4 dst $A4"
# The usual exact templates, as a baseline.
case_run exact answered 1 "$AB" 1 "$BA" 1
# Inbound wildcards.
case_run in-zero4 answered 1 "$AB" 1 "src 0.0.0.0 dst 0.0.0.0" 0
case_run in-zero6 answered 1 "$AB" 1 "src :: dst ::" 0
case_run in-none answered 1 "$AB" 1 "" 0
case_run in-src-any answered 1 "$AB" 1 "src 0.0.0.0 dst $A4" 0
case_run in-dst-any answered 1 "$AB" 1 "src $B4 dst 0.0.0.0" 0
case_run in-src-other lost 1 "$AB" 1 "src 192.168.3.99 dst 0.0.0.0" 0
# Inbound, only the source is compared (the SA was found by destination).
case_run in-dst-other answered 1 "$AB" 1 "src $B4 dst 192.168.3.99" 0
# Inbound reqids: 0 any, else exact.
case_run in-reqid-any answered 5 "$AB" 5 "$BA" 0
case_run in-reqid-other lost 5 "$AB" 5 "$BA" 6
# Outbound reqids: exact, 0 included.
case_run out-reqid0-sa1 lost 1 "$AB" 0 "$BA" 0
case_run out-reqid0-sa0 answered 0 "$AB" 0 "$BA" 0
case_run out-reqid1-sa0 lost 0 "$AB" 1 "$BA" 0
# Outbound source from the route.
case_run out-src-any answered 1 "src 0.0.0.0 dst $B4" 1 "$BA" 0
case_run out-no-src answered 1 "dst $B4" 1 "$BA" 0
finish
