#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=120 timeout=900
# strongSwan keys nfipsec (issue 10): real IKEv2 between two charons, one
# per router namespace, on the standard topology (lib_tunnel.sh), each
# with its own strongswan.conf, swanctl.conf, vici socket and run folder.
# A router "on nfipsec" runs charon with the kernel-nfipsec plugin
# (tools/strongswan, `make strongswan-plugin`) loaded with priority 2 over
# kernel-netlink, which keeps routes and addresses; one "on xfrm" runs
# kernel-netlink alone (Linux XFRM). IKEv2 PSK site to site,
# aes128gcm16-prfsha256-ecp256, ESP aes128gcm16, LAN1 <-> LAN2 (IPv4):
# A on nfipsec and B on XFRM, then swapped, then both on nfipsec. A
# initiates. Each time: the CHILD_SA is installed in the implementation
# its router runs and only there, pings pass both ways, exactly their
# ESP packets are on the wire and nothing in clear, nfipsec's SA counters
# equal what was sent, swanctl --list-sas shows those counts (charon reads
# them from nfipsec through the plugin); then A rekeys the CHILD_SA and
# traffic goes through the new SAs: a ping runs across the rekeying,
# captured between the routers (nothing lost, only IKE and ESP on the
# wire, ESP of the old SPIs then of the new ones), the out policy names
# the new SPI, the old SAs are gone, the new ones count exactly the
# packets the wire carried with their SPIs; closing the
# IKE_SA removes charon's SAs and policies from nfipsec. The no-module
# scenario (nfipsec unloaded: a charon configured for nfipsec fails closed,
# no CHILD_SA, nothing in XFRM, instead of falling back to kernel-netlink's
# XFRM) unloads the module, so it runs alone: strongswan_fail_closed.sh.
# How each charon runs (its own mount namespace, plugin folder and /run):
# lib_strongswan.sh. Without the built plugin, the test fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"
. "$(dirname "$0")/lib_strongswan.sh"

require_module

ss_setup

tunnel_topology || { fail topology "setup failed"; finish; }

trap ss_cleanup EXIT

# rekey_check T IMPL_A IMPL_B: A rekeys the CHILD_SA (swanctl --rekey)
# while a ping (RK_PINGS, 0.2 s apart) runs from LAN1 to LAN2, captured on
# the wire between the routers: the ping loses nothing; every packet on
# the wire is IKE (UDP 500/4500) or ESP (or ARP), nothing in clear; ESP
# of the old SPIs and of the new ones both ways. Once the old CHILD_SA is
# deleted: on each router on nfipsec, 2 SAs and no larval SA, its out
# policy names the new outbound SPI (KERNEL_POLICY_SPI: the newest user
# of a policy is installed), and the new SAs counted exactly the packets
# the wire carried with their SPIs (84 bytes each, inner), as swanctl
# shows.
RK_PINGS=25
rekey_check() {
	local t=$1.rekey ia=$2 ib=$3 r ns impl old si bi pi so bo po out me peer
	local cap=$T/wire-$1-rekey.pcap tpid ppid osi oso ni no
	child_counts a || { fail "$t" "no CHILD_SA on A"; return; }
	old=$REPLY
	read -r osi _ _ oso _ _ <<< "$old"
	if ! capture_start tpid "$wire" br0 "$cap"; then
		fail "$t-capture" "tcpdump did not start"
		return
	fi
	ip netns exec "$h1" ping -c $RK_PINGS -i 0.2 -W 3 $H2 \
		> "$T/$t-ping.out" 2>&1 < /dev/null &
	ppid=$!
	bg_pids+=("$ppid")
	# A few echoes through the old SAs, then the rekeying.
	wait_until 10 file_has "$T/$t-ping.out" "icmp_seq=3 "
	check "$t" sw a --rekey --child net
	if wait_until 30 rekeyed "$old"; then
		pass "$t-done"
	else
		fail "$t-done" "A still lists $CHILDREN CHILD_SA(s), SPIs $REPLY (before: $old)"
	fi
	wait_until 30 gone "$ppid" || kill "$ppid" 2>/dev/null
	wait "$ppid" 2>/dev/null
	capture_stop tpid
	check_match "$t-ping-no-loss" "^$RK_PINGS packets transmitted, $RK_PINGS received, 0% packet loss" "$(< "$T/$t-ping.out")"
	if ! wire_tally "$cap"; then
		fail "$t-wire" "cannot read $cap"
		return
	fi
	# Every echo request and reply, through the old SAs or the new;
	# nothing but IKE and ESP (and ARP) between the routers.
	wire_esp "$A4" "$B4"; no=$REPLY
	wire_esp "$B4" "$A4"; ni=$REPLY
	check_eq "$t.wire-esp-packets" $((2 * RK_PINGS)) $((no + ni))
	wire_clear "$t" "$cap"
	wire_esp "$A4" "$B4" "$oso"; no=$REPLY
	wire_esp "$B4" "$A4" "$osi"; ni=$REPLY
	if [ "$no" -gt 0 ] && [ "$ni" -gt 0 ]; then
		pass "$t-wire-old-spis"
	else
		fail "$t-wire-old-spis" "ESP of the old SPIs on the wire: A->B $oso: $no, B->A $osi: $ni"
	fi
	if ! child_counts a; then
		fail "$t-a-listed" "no CHILD_SA listed on A"
		rm -f "$cap" "$cap.err"
		return
	fi
	read -r si _ _ so _ _ <<< "$REPLY"
	wire_esp "$A4" "$B4" "$so"; no=$REPLY
	wire_esp "$B4" "$A4" "$si"; ni=$REPLY
	if [ "$no" -gt 0 ] && [ "$ni" -gt 0 ]; then
		pass "$t-wire-new-spis"
	else
		fail "$t-wire-new-spis" "ESP of the new SPIs on the wire: A->B $so: $no, B->A $si: $ni"
		keep_artifact "$cap"
	fi
	for r in a b; do
		eval "impl=\$i$r ns=\$r$r"
		[ "$impl" = nfipsec ] || continue
		nfipsec_sas "$ns"
		check_eq "$t-$r-nfipsec-sas" "2 0" "$REPLY"
		if ! child_counts "$r"; then
			fail "$t-$r-swanctl-counts" "no CHILD_SA listed"
			continue
		fi
		read -r si bi pi so bo po <<< "$REPLY"
		check_match "$t-$r-spi-range" "^c1[0-9a-f]{6}$" "$si"
		if [ $r = a ]; then me=$A4 peer=$B4; else me=$B4 peer=$A4; fi
		out=$(nfipsec -n "$ns" policy list dir out)
		check_match "$t-$r-out-policy-spi" "proto esp spi 0x$so " "$out"
		wire_esp "$peer" "$me" "$si"; ni=$REPLY
		wire_esp "$me" "$peer" "$so"; no=$REPLY
		check_eq "$t-$r-nfipsec-in" "packets $ni bytes $((84 * ni)) integrity 0" \
			"$(sa_stats "$ns" "$me" "0x$si" packets bytes integrity)"
		check_eq "$t-$r-nfipsec-out" "packets $no bytes $((84 * no))" \
			"$(sa_stats "$ns" "$peer" "0x$so" packets bytes)"
		check_eq "$t-$r-swanctl-counts" "in $((84 * ni))/$ni out $((84 * no))/$no" "in $bi/$pi out $bo/$po"
	done
	rm -f "$cap" "$cap.err"
}

# scenario T IMPL_A IMPL_B
scenario() {
	local t=$1 ia=$2 ib=$3 r ns impl cap=$T/wire-$1.pcap
	PSK=nfipsec-lab-$SRANDOM$SRANDOM
	conf a "$ia" $A4 $B4 $LAN_A $LAN_B
	conf b "$ib" $B4 $A4 $LAN_B $LAN_A
	if ! charon_start a "$ra" || ! charon_start b "$rb"; then
		fail "$t.charon-start" "no vici socket after 60 s: $(cat "$T"/?/charon.out "$T"/?/charon.log 2>/dev/null | tail -20 | tr '\n' '|')"
		charon_stop a; charon_stop b
		return
	fi
	for r in a b; do
		eval "impl=\$i$r"
		# Which backend charon took: the plugin says so when it does.
		if [ "$impl" = nfipsec ]; then
			check_match "$t.$r-plugin-backend" "kernel-nfipsec: IPsec on nfipsec" "$(< "$T/$r/charon.log")"
			# 4 MiB forced past rmem_max; the kernel reports twice that
			check_match "$t.$r-events-rcvbuf" "nfipsec events socket: receive buffer of 8388608 bytes" "$(< "$T/$r/charon.log")"
		elif text_has "$(< "$T/$r/charon.log")" "kernel-nfipsec"; then
			fail "$t.$r-xfrm-backend" "charon on XFRM loaded kernel-nfipsec"
		else
			pass "$t.$r-xfrm-backend"
		fi
		check "$t.$r-load-conf" sw "$r" --load-all --noprompt --file "$T/$r/swanctl.conf"
	done
	check "$t.initiate" sw a --initiate --child net --timeout 30
	for r in a b; do
		eval "impl=\$i$r ns=\$r$r"
		check_match "$t.$r-child-installed" "net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, ESP:AES_GCM_16-128" "$(sw "$r" --list-sas 2>&1)"
		impl_check "$t" "$r" "$ns" "$impl"
	done

	if capture_start tpid "$wire" br0 "$cap"; then
		check "$t.ping-a-b" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 $H2
		check "$t.ping-b-a" ip netns exec "$h2" ping -c 3 -i 0.3 -W 3 $H1
		capture_stop tpid
		# 3 requests and 3 replies each way.
		wire_check "$t" "$cap" 12 $A4 $B4
	else
		fail "$t.capture" "tcpdump did not start"
	fi
	[ "$ia" = nfipsec ] && nfipsec_counts "$t" a "$ra" $A4 $B4
	[ "$ib" = nfipsec ] && nfipsec_counts "$t" b "$rb" $B4 $A4

	rekey_check "$t" "$ia" "$ib"

	# Closing the IKE_SA deletes the CHILD_SA on both: charon removes its
	# SAs and policies from nfipsec.
	check "$t.terminate" sw a --terminate --ike s2s --timeout 30
	for r in a b; do
		eval "impl=\$i$r ns=\$r$r"
		[ "$impl" = nfipsec ] || continue
		nfipsec_sas "$ns"
		check_eq "$t.$r-nfipsec-cleared" "0 0 0" \
			"$REPLY $(count_lines "$POL_RE" nfipsec -n "$ns" policy list)"
	done
	charon_stop a
	charon_stop b
	for r in a b; do cp -f "$T/$r/charon.log" "$T/$r/charon-$t.log"; done
	tunnel_clear "$ra"
	tunnel_clear "$rb"
	rm -f "$cap" "$cap.err"
}

# no-module: the plugin cannot start (nfipsec unloaded, as when charon
# starts before modprobe nfipsec). A on "nfipsec" must fail closed: the
# refusing kernel-ipsec holds charon's IPsec slot, no CHILD_SA, and nothing
# in A's XFRM (kernel-netlink's per-socket IKE bypasses included).
no_module() {
	local t=no-module out
	if ! out=$(rmmod nfipsec 2>&1); then
		fail "$t.rmmod" "$out"
		return
	fi
	PSK=nfipsec-lab-$SRANDOM$SRANDOM
	conf a nfipsec $A4 $B4 $LAN_A $LAN_B
	conf b xfrm $B4 $A4 $LAN_B $LAN_A
	if charon_start a "$ra" && charon_start b "$rb"; then
		check_match "$t.a-closed" "kernel-nfipsec cannot key nfipsec: the nfipsec generic netlink family is missing.*failing closed" "$(< "$T/a/charon.log")"
		check "$t.load-conf" sw a --load-all --noprompt --file "$T/a/swanctl.conf"
		check "$t.load-conf-b" sw b --load-all --noprompt --file "$T/b/swanctl.conf"
		if sw a --initiate --child net --timeout 30 > /dev/null 2>&1; then
			fail "$t.initiate-refused" "the CHILD_SA came up"
		else
			pass "$t.initiate-refused"
		fi
		check_match "$t.a-spi-refused" "kernel-nfipsec: refusing to allocate an SPI: the plugin could not start" "$(< "$T/a/charon.log")"
		check_eq "$t.a-xfrm-empty" "0 0" "$(count_lines "$SA_RE" ip -n "$ra" xfrm state) $(count_lines '^src ' ip -n "$ra" xfrm policy)"
	else
		fail "$t.charon-start" "no vici socket after 60 s: $(cat "$T"/?/charon.out 2>/dev/null | tail -5 | tr '\n' '|')"
	fi
	charon_stop a
	charon_stop b
	for r in a b; do cp -f "$T/$r/charon.log" "$T/$r/charon-$t.log"; done
	check "$t.reload" load_module
}

# NFIPSEC_SS_SCENARIOS (names, by spaces or commas): only those (the
# default: all but no-module, which strongswan_fail_closed.sh runs alone);
# NFIPSEC_SS_PLUGIN: another build.
scen=${NFIPSEC_SS_SCENARIOS:-a-nfipsec-b-xfrm,a-xfrm-b-nfipsec,both-nfipsec}
for s in a-nfipsec-b-xfrm:nfipsec:xfrm a-xfrm-b-nfipsec:xfrm:nfipsec \
	both-nfipsec:nfipsec:nfipsec; do
	IFS=: read -r name ia ib <<< "$s"
	case ",$scen," in
	*[,\ ]"$name"[,\ ]*) scenario "$name" "$ia" "$ib" ;;
	esac
done
case ",$scen," in
*[,\ ]no-module[,\ ]*) no_module ;;
esac
finish
