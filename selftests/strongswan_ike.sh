#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=250 timeout=1200
# strongSwan keys nfipsec (issue 10), the deployments people run: two
# charons on the standard topology (lib_tunnel.sh, lib_strongswan.sh),
# router A on nfipsec (the kernel-nfipsec plugin), router B on Linux XFRM
# (kernel-netlink), PSK site to site LAN1 <-> LAN2 (IPv4), A initiates.
#  tplink        IKEv1 main mode 3des-md5-modp1024, ESP 3des-md5, 28800 s
#                (a TP-Link router's proposal): the CHILD_SA only in
#                nfipsec on A, with those algorithms and that lifetime;
#                pings both ways, exactly their ESP on the wire and nothing
#                in clear, nfipsec's counters as sent and as swanctl shows;
#                closing the IKE_SA empties nfipsec.
#  mikrotik-v1   the same with MikroTik's aes256-sha1-modp2048, ESP
#  mikrotik-v2   aes256-sha1, in IKEv1 and in IKEv2.
#  trap          start_action = trap on A: no IKE_SA and no SA until a
#                packet, trap policies in nfipsec; a ping from LAN1 makes
#                nfipsec send charon an ACQUIRE, charon negotiates, and then
#                pings pass (the first packet is lost, as with XFRM) with
#                nothing in clear on the wire; closing the IKE_SA leaves the
#                trap policies and no SA.
#  rekey         short lifetimes on A (rekey_time 12 s, life_time 20 s, no
#                jitter):
#                nfipsec's soft EXPIRE events make charon rekey the
#                CHILD_SA at least twice during a continuous ping (0.2 s)
#                that loses nothing and an iperf3 TCP transfer (LAN1 ->
#                LAN2, 30 s at 2 Mbit/s) that completes with every byte
#                sent received; both rekeyings fall inside the transfer
#                (new SPIs first on the wire while it runs); the wire
#                carries exactly the ESP packets nfipsec on A sent and
#                took in (its namespace counters) and nothing in clear;
#                at most 4 SAs in nfipsec at any sample, the old SAs gone
#                at the end.
#  dpd           dpd_delay 2 s on A; B's charon killed (-9) and B's IKE
#                dropped (nft): A's DPD gives up, clears the IKE_SA, and
#                nfipsec's SAs and policies of it are gone, in bounded time.
# Every wait is bounded; charon's readiness is its vici socket.
#
# CONN_*, CHILD_*, SS_CHARON_* are read by name (${!var}), capture_start
# sets its pid variable by name:
# shellcheck disable=SC2034
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"
. "$(dirname "$0")/lib_strongswan.sh"

require_module

ss_setup strongswan_ike

tunnel_topology || { fail topology "setup failed"; finish; }

trap ss_cleanup EXIT

# The connection of ike_conf, set by each scenario: IKE_VERSION,
# IKE_PROPOSALS, ESP_PROPOSALS; CONN_a/CONN_b and CHILD_a/CHILD_b: more
# lines of router a's or b's connection and CHILD_SA (dpd_delay,
# start_action, lifetimes); SS_CHARON_a/SS_CHARON_b: more charon settings
# (lib_strongswan.sh's conf).
reset_conf() {
	IKE_VERSION=2 IKE_PROPOSALS='' ESP_PROPOSALS=''
	CONN_a='' CONN_b='' CHILD_a='' CHILD_b='' SS_CHARON_a='' SS_CHARON_b=''
}

# ike_conf R IMPL ME PEER LAN_ME LAN_PEER: conf's strongswan.conf, and a
# swanctl.conf of the connection above.
ike_conf() {
	local r=$1 impl=$2 me=$3 peer=$4 lme=$5 lpeer=$6 conn child
	conf "$@"
	conn=CONN_$r child=CHILD_$r
	cat > "$T/$r/swanctl.conf" <<EOF
connections {
    s2s {
        version = $IKE_VERSION
        local_addrs = $me
        remote_addrs = $peer
        proposals = $IKE_PROPOSALS
        # Site to site: no MOBIKE (an address appearing on a router
        # would start an exchange of its own).
        mobike = no
        ${!conn:-dpd_delay = 0}
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
                esp_proposals = $ESP_PROPOSALS
                mode = tunnel
                ${!child:-start_action = none}
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
}

# start_pair T: both charons (A on nfipsec, B on XFRM) with the
# connection above, its configuration loaded. Fails (and says why) when
# a charon did not come up.
start_pair() {
	local t=$1 r
	PSK=nfipsec-lab-$SRANDOM$SRANDOM
	ike_conf a nfipsec "$A4" "$B4" "$LAN_A" "$LAN_B"
	ike_conf b xfrm "$B4" "$A4" "$LAN_B" "$LAN_A"
	if ! charon_start a "$ra" || ! charon_start b "$rb"; then
		fail "$t.charon-start" "no vici socket after 60 s: $(cat "$T"/?/charon.out "$T"/?/charon.log 2>/dev/null | tail -20 | tr '\n' '|')"
		return 1
	fi
	# A runs on nfipsec: the plugin says so when charon takes it.
	check_match "$t.a-plugin-backend" "kernel-nfipsec: IPsec on nfipsec" "$(< "$T/a/charon.log")"
	for r in a b; do
		check "$t.$r-load-conf" sw "$r" --load-all --noprompt --file "$T/$r/swanctl.conf"
	done
}

# stop_pair T: both charons stopped, their logs kept as charon-T.log, both
# routers' IPsec tables emptied for the next scenario.
stop_pair() {
	local t=$1 r
	charon_stop a
	charon_stop b
	for r in a b; do cp -f "$T/$r/charon.log" "$T/$r/charon-$t.log" 2>/dev/null; done
	tunnel_clear "$ra"
	tunnel_clear "$rb"
	ip netns exec "$rb" nft delete table ip ikeblock 2>/dev/null
	reset_conf
}

# nf_table NS: REPLY = "SAS LARVAL POLICIES" in nfipsec in NS.
nf_table() {
	local sas
	nfipsec_sas "$1"
	sas=$REPLY
	REPLY="$sas $(count_lines "$POL_RE" nfipsec -n "$1" policy list)"
}

# nf_table_is NS "SAS LARVAL POLICIES": for wait_until.
nf_table_is() {
	nf_table "$1"
	[ "$REPLY" = "$2" ]
}

# ike_sas R: REPLY = the IKE_SAs swanctl --list-sas of router R lists.
ike_sas() {
	local out
	REPLY=error
	out=$(sw "$1" --list-sas 2>&1) || return 1
	count_in "$out" '^s2s: #'
	return 0
}

# no_ike_sa R: router R lists no IKE_SA (for wait_until).
no_ike_sa() {
	ike_sas "$1" && [ "$REPLY" = 0 ]
}

# child_installed R: router R lists an INSTALLED CHILD_SA (for wait_until).
child_installed() {
	text_has "$(sw "$1" --list-sas 2>&1)" "^ +net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL"
}

# pings_and_wire T: 3 pings each way pass, exactly their 12 ESP packets
# on the wire and nothing in clear; nfipsec's counters on A as sent and
# as swanctl shows them.
pings_and_wire() {
	local t=$1 cap=$T/wire-$1.pcap tpid
	if capture_start tpid "$wire" br0 "$cap"; then
		check "$t.ping-a-b" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 "$H2"
		check "$t.ping-b-a" ip netns exec "$h2" ping -c 3 -i 0.3 -W 3 "$H1"
		capture_stop tpid
		wire_check "$t" "$cap" 12 "$A4" "$B4"
	else
		fail "$t.capture" "tcpdump did not start"
	fi
	nfipsec_counts "$t" a "$ra" "$A4" "$B4"
	rm -f "$cap" "$cap.err"
}

# terminate_clears T: A closes the IKE_SA; nfipsec on A then holds no SA
# and no policy (within 10 s: swanctl returns before charon has deleted
# the CHILD_SA's SAs and policies).
terminate_clears() {
	local t=$1
	check "$t.terminate" sw a --terminate --ike s2s --timeout 30
	wait_until 10 nf_table_is "$ra" "0 0 0"
	check_eq "$t.a-nfipsec-cleared" "0 0 0" "$REPLY"
}

# basic T VERSION IKE_PROPOSALS ESP_PROPOSALS IKE_RE CHILD_RE ENC AUTH
# [CHILD_LINES]: A initiates; both list the IKE_SA (IKE_RE: its
# algorithms) and the CHILD_SA (CHILD_RE) installed, A in nfipsec alone
# (its 2 SAs of encryption ENC and authentication AUTH, as nfipsec state
# list shows them), B in XFRM alone; pings_and_wire; terminate_clears.
basic() {
	local t=$1 r ns impl out
	IKE_VERSION=$2 IKE_PROPOSALS=$3 ESP_PROPOSALS=$4 CHILD_a=${9:-} CHILD_b=${9:-}
	if start_pair "$t"; then
		check "$t.initiate" sw a --initiate --child net --timeout 60
		for r in a b; do
			if [ $r = a ]; then ns=$ra impl=nfipsec; else ns=$rb impl=xfrm; fi
			out=$(sw "$r" --list-sas 2>&1)
			check_match "$t.$r-ike-sa" "^s2s: #[0-9]+, ESTABLISHED, IKEv$2," "$out"
			check_match "$t.$r-ike-algs" "^ +$5\$" "$out"
			check_match "$t.$r-child-installed" "^ +net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, $6" "$out"
			impl_check "$t" "$r" "$ns" "$impl"
		done
		out=$(nfipsec -n "$ra" state list)
		count_in "$out" "^[[:space:]]enc $7 "
		check_eq "$t.a-nfipsec-enc" 2 "$REPLY"
		count_in "$out" "^[[:space:]]auth(-trunc)? $8"
		check_eq "$t.a-nfipsec-auth" 2 "$REPLY"
		pings_and_wire "$t"
		[ -n "${9:-}" ] && lifetime_check "$t"
		terminate_clears "$t"
	fi
	stop_pair "$t"
}

# lifetime_check T: both nfipsec SAs on A expire 28800 s after they were
# added (the CHILD_SA's life_time) and are rekeyed (soft) earlier.
lifetime_check() {
	local t=$1 out line n=0 re='expire add: soft ([0-9]+)\(sec\), hard ([0-9]+)\(sec\)'
	out=$(nfipsec -n "$ra" -s state list)
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		if [ "${BASH_REMATCH[2]}" = 28800 ] && [ "${BASH_REMATCH[1]}" -gt 0 ] &&
			[ "${BASH_REMATCH[1]}" -lt 28800 ]; then
			n=$((n + 1))
		else
			fail "$t.a-nfipsec-lifetime" "$line"
			return
		fi
	done <<< "$out"
	check_eq "$t.a-nfipsec-lifetime" 2 "$n"
}

# trap: start_action = trap on A.
trap_scenario() {
	local t=trap cap=$T/wire-trap.pcap tpid out
	IKE_PROPOSALS=aes128-sha256-modp2048 ESP_PROPOSALS=aes128-sha256
	CHILD_a='start_action = trap'
	if start_pair "$t"; then
		# Loading the configuration installs the trap: policies in
		# nfipsec, no SA, no IKE_SA yet; nothing in A's XFRM.
		ike_sas a
		check_eq "$t.no-ike-sa-before" 0 "$REPLY"
		check_match "$t.a-trap-listed" "^(s2s/)?net, TUNNEL" "$(sw a --list-pols 2>&1)"
		nf_table "$ra"
		check_eq "$t.a-trap-policies" "0 0 3" "$REPLY"
		check_eq "$t.a-trap-xfrm-empty" "0 0" "$(count_lines "$SA_RE" ip -n "$ra" xfrm state) $(count_lines "$POL_RE" ip -n "$ra" xfrm policy)"
		if capture_start tpid "$wire" br0 "$cap"; then
			# The first packet: its ACQUIRE starts the negotiation;
			# the packet itself is not sent (as XFRM drops it).
			ip netns exec "$h1" ping -c 1 -W 1 "$H2" > /dev/null 2>&1
			if wait_until 30 child_installed a; then
				pass "$t.child-installed"
			else
				fail "$t.child-installed" "no CHILD_SA on A 30 s after the first packet: $(sw a --list-sas 2>&1 | tr '\n' '|')"
			fi
			# nfipsec's ACQUIRE reached charon through the plugin,
			# with the packet's addresses.
			check_match "$t.a-acquire" "received an nfipsec ACQUIRE for reqid \{[0-9]+\}: $H1/32(\[[^]]*\])? === $H2/32" "$(< "$T/a/charon.log")"
			wait_until 10 child_installed b
			impl_check "$t" a "$ra" nfipsec
			impl_check "$t" b "$rb" xfrm
			check "$t.ping-a-b" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 "$H2"
			check "$t.ping-b-a" ip netns exec "$h2" ping -c 3 -i 0.3 -W 3 "$H1"
			capture_stop tpid
			# The 12 packets of the pings after the negotiation; the
			# first one never left, in clear or otherwise.
			wire_check "$t" "$cap" 12 "$A4" "$B4"
			nfipsec_counts "$t" a "$ra" "$A4" "$B4"
		else
			fail "$t.capture" "tcpdump did not start"
		fi
		# Closing the IKE_SA: the trap stays (its 3 policies), no SA.
		check "$t.terminate" sw a --terminate --ike s2s --timeout 30
		wait_until 10 nf_table_is "$ra" "0 0 3"
		check_eq "$t.a-trap-restored" "0 0 3" "$REPLY"
		out=$(nfipsec -n "$ra" policy list dir out)
		if text_has "$out" "proto esp spi 0x"; then
			fail "$t.a-trap-out-no-spi" "the out policy still names an SA: $(echo "$out" | tr '\n' '|')"
		else
			pass "$t.a-trap-out-no-spi"
		fi
		rm -f "$cap" "$cap.err"
	fi
	stop_pair "$t"
}

# iperf_json FILE: REPLY = "START SECONDS SENT RECEIVED" from iperf3 -J's
# FILE (START: the test's start, in seconds since the epoch; SECONDS: the
# sender's duration, whole seconds; SENT, RECEIVED: end.sum_sent.bytes and
# end.sum_received.bytes), or "" when one is missing or iperf3 reported an
# error (iperf3 -J exits 0 even when it could not connect). No exec.
iperf_json() {
	local line sec='' start='' secs='' sent='' recv=''
	while IFS= read -r line; do
		if [[ $line =~ ^[[:space:]]*\"error\": ]]; then
			REPLY=
			return 1
		elif [[ $line =~ \"timesecs\":[[:space:]]*([0-9]+) ]]; then
			start=${BASH_REMATCH[1]}
		elif [[ $line =~ \"sum_sent\": ]]; then
			sec=sent
		elif [[ $line =~ \"sum_received\": ]]; then
			sec=recv
		elif [ "$sec" = sent ] && [[ $line =~ \"seconds\":[[:space:]]*([0-9]+) ]]; then
			secs=${BASH_REMATCH[1]}
		elif [ -n "$sec" ] && [[ $line =~ \"bytes\":[[:space:]]*([0-9]+) ]]; then
			if [ "$sec" = sent ]; then sent=${BASH_REMATCH[1]}; else recv=${BASH_REMATCH[1]}; fi
			sec=
		fi
	done < "$1"
	REPLY=
	[ -n "$start" ] && [ -n "$secs" ] && [ -n "$sent" ] && [ -n "$recv" ] &&
		REPLY="$start $secs $sent $recv"
}

# rekey: short lifetimes on A, B's long (the defaults): the rekeyings are
# A's, on nfipsec's soft EXPIRE events. An iperf3 transfer runs beside the
# ping, inside its window.
REKEY_PINGS=175 REKEY_IPERF_SECS=30
rekey_scenario() {
	local t=rekey cap=$T/wire-rekey.pcap tpid ppid ipid max=0 n s0 sa si so jobs id
	local in0 out0 in1 out1 rc start secs sent recv spis inside c
	IKE_PROPOSALS=aes128gcm16-prfsha256-ecp256 ESP_PROPOSALS=aes128gcm16
	# No jitter: one soft EXPIRE (the inbound SA's) a rekeying, the
	# outbound SA has its hard limit alone (child_sa.c).
	CHILD_a='rekey_time = 12s
                life_time = 20s
                rand_time = 0s'
	if start_pair "$t"; then
		check "$t.initiate" sw a --initiate --child net --timeout 60
		impl_check "$t" a "$ra" nfipsec
		child_counts a
		s0=$REPLY
		iperf3_server "$h2" 5201 || fail "$t.iperf3-server" "no listener on 5201 in h2"
		# nfipsec's ESP packets on A, out and in, before the capture.
		stat_of "$ra" in-packets; in0=$REPLY
		stat_of "$ra" out-packets; out0=$REPLY
		if capture_start tpid "$wire" br0 "$cap"; then
			ip netns exec "$h1" ping -c $REKEY_PINGS -i 0.2 -W 5 "$H2" \
				> "$T/rekey-ping.out" 2>&1 < /dev/null &
			ppid=$!
			bg_pids+=("$ppid")
			# TCP across the rekeyings, paced (16 KiB writes): it
			# ends inside the ping's 35 s.
			ip netns exec "$h1" timeout 80 iperf3 -J -c "$H2" -p 5201 \
				-t $REKEY_IPERF_SECS -b 2M -l 16K \
				> "$T/rekey-iperf.json" 2> "$T/rekey-iperf.err" < /dev/null &
			ipid=$!
			bg_pids+=("$ipid")
			# Sample nfipsec's SA table while the ping runs (35 s;
			# bounded at 90 s).
			local end=$(( ${EPOCHREALTIME/./} + 90000000 ))
			while { ! gone "$ppid" || ! gone "$ipid"; } &&
				[ "${EPOCHREALTIME/./}" -lt "$end" ]; do
				nfipsec_sas "$ra"
				read -r sa n <<< "$REPLY"
				[ "$sa" != error ] && [ $((sa + n)) -gt $max ] && max=$((sa + n))
				nap 1
			done
			gone "$ppid" || kill "$ppid" 2>/dev/null
			wait "$ppid" 2>/dev/null
			gone "$ipid" || kill "$ipid" 2>/dev/null
			wait "$ipid"
			rc=$?
			capture_stop tpid
			stat_of "$ra" in-packets; in1=$REPLY
			stat_of "$ra" out-packets; out1=$REPLY
			# Not one ping lost across the rekeyings.
			check_match "$t.ping-no-loss" "^$REKEY_PINGS packets transmitted, $REKEY_PINGS received, 0% packet loss" "$(< "$T/rekey-ping.out")"
			# The transfer completed, every byte sent received.
			iperf_json "$T/rekey-iperf.json"
			read -r start secs sent recv <<< "$REPLY"
			if [ "$rc" = 0 ] && [ -n "$REPLY" ] && [ "$sent" -gt 0 ] &&
				[ "$sent" = "$recv" ]; then
				pass "$t.iperf3-complete"
				echo "rekey: iperf3 moved $sent bytes in $secs s"
			else
				fail "$t.iperf3-complete" "iperf3 exited $rc, sent ${sent:-?} received ${recv:-?}: $(tail -c 300 "$T/rekey-iperf.err" "$T/rekey-iperf.json" | tr '\n' ' ')"
				keep_artifact "$T/rekey-iperf.json"
			fi
			# The rekeyings happened while it ran: at least 2 outbound
			# SPIs after the first, each first on the wire inside the
			# transfer (its whole seconds, a second's margin).
			wire_tally "$cap"
			read -r _ _ _ so _ _ <<< "$s0"
			inside=0 spis=
			for sa in $WIRE_SPIS; do
				[[ $sa == "$A4>$B4>"* ]] || continue
				n=${WIRE_FIRST[$sa]}
				spis+=" ${sa##*>}@$n"
				[ "${sa##*>}" = "$so" ] && continue
				[ -n "$start" ] && [ "$n" -gt "$start" ] &&
					[ "$n" -lt $((start + secs)) ] && inside=$((inside + 1))
			done
			if [ "$inside" -ge 2 ]; then
				pass "$t.rekeys-during-transfer"
			else
				fail "$t.rekeys-during-transfer" "$inside new outbound SPI(s) first seen during the transfer (from ${start:-?}, ${secs:-?} s):$spis"
			fi
			# Every ESP packet on the wire is one nfipsec on A sent
			# or took in (none forged or extra); nothing but IKE and
			# ESP (and ARP) on it. Under a TCP transfer a few sent
			# may be lost before the wire or by the capture (7119 on
			# the wire of 7129 counted, once): at most 1 % short.
			wire_esp "$A4" "$B4"; n=$REPLY
			wire_esp "$B4" "$A4"
			n=$((n + REPLY)) c=$((in1 - in0 + out1 - out0))
			if [ "$n" -le "$c" ] && [ $((c - n)) -le $((c / 100)) ]; then
				pass "$t.wire-esp-packets"
				[ "$n" = "$c" ] || echo "rekey: $n ESP packets on the wire, $c counted by nfipsec on A"
			else
				fail "$t.wire-esp-packets" "$n ESP packets on the wire, $c counted by nfipsec on A (in $in0..$in1, out $out0..$out1)"
			fi
			wire_clear "$t" "$cap"
			# Old and new SAs side by side during a rekeying, never
			# more: 2 per CHILD_SA.
			echo "rekey: up to $max SAs (larval included) in nfipsec on A"
			if [ "$max" -le 4 ] && [ "$max" -ge 2 ]; then
				pass "$t.a-nfipsec-sas-bounded"
			else
				fail "$t.a-nfipsec-sas-bounded" "up to $max SAs (larval included) in nfipsec on A"
			fi
		else
			fail "$t.capture" "tcpdump did not start"
		fi
		# charon rekeyed on nfipsec's soft EXPIREs (kernel_handler's
		# job for each), at least twice, and the CHILD_SA is a new one.
		count_in "$(< "$T/a/charon.log")" "creating rekey job for CHILD_SA ESP/0x"
		jobs=$REPLY
		if [ "$jobs" -ge 2 ]; then
			pass "$t.a-soft-expire-rekeys"
		else
			fail "$t.a-soft-expire-rekeys" "$jobs rekey job(s) from nfipsec's EXPIREs"
		fi
		id=$(sw a --list-sas 2>&1)
		[[ $id =~ net:\ \#([0-9]+), ]] && id=${BASH_REMATCH[1]}
		if [[ $id =~ ^[0-9]+$ ]] && [ "$id" -ge 3 ]; then
			pass "$t.a-child-rekeyed"
		else
			fail "$t.a-child-rekeyed" "the CHILD_SA is #$id, not #3 or later"
		fi
		# The old SAs gone (charon deletes a rekeyed inbound SA 5 s
		# after): the 2 left are the CHILD_SA's now, which are not the
		# first ones.
		wait_until 15 nf_table_is "$ra" "2 0 3"
		check_eq "$t.a-old-sas-gone" "2 0 3" "$REPLY"
		if child_counts a; then
			read -r si _ _ so _ _ <<< "$REPLY"
			check "$t.a-current-in-sa" nfipsec -n "$ra" state get dst "$A4" proto esp spi "0x$si"
			check "$t.a-current-out-sa" nfipsec -n "$ra" state get dst "$B4" proto esp spi "0x$so"
			if [ "${s0%% *}" != "$si" ]; then
				pass "$t.a-new-spi"
			else
				fail "$t.a-new-spi" "inbound SPI $si, as at the start"
			fi
		else
			fail "$t.a-current-in-sa" "no CHILD_SA listed on A"
		fi
		terminate_clears "$t"
	fi
	rm -f "$cap" "$cap.err"
	stop_pair "$t"
}

# dpd: A probes B every 2 s when idle; 1 retransmission 2 s later, then A
# gives up.
dpd_scenario() {
	local t=dpd pid t0 drops
	IKE_PROPOSALS=aes128gcm16-prfsha256-ecp256 ESP_PROPOSALS=aes128gcm16
	CONN_a='dpd_delay = 2s'
	CHILD_a='dpd_action = clear'
	SS_CHARON_a='retransmit_tries = 1
retransmit_base = 1'
	if start_pair "$t"; then
		check "$t.initiate" sw a --initiate --child net --timeout 60
		impl_check "$t" a "$ra" nfipsec
		check "$t.ping-a-b" ip netns exec "$h1" ping -c 2 -i 0.3 -W 3 "$H2"
		# B is dead: its charon killed, its IKE ports dropped (nothing
		# answers A, not even port unreachable); B's XFRM SAs stay,
		# and nothing is sent through them.
		check "$t.b-block-ike" ip netns exec "$rb" nft -f - <<EOF
table ip ikeblock {
	chain input {
		type filter hook input priority -10; policy accept;
		udp dport { 500, 4500 } counter drop
	}
}
EOF
		pid=${charon_pid[b]}
		kill -KILL "$pid"
		wait_until 10 gone "$pid"
		wait "$pid" 2>/dev/null
		unset "charon_pid[b]"
		t0=${EPOCHREALTIME/./}
		# DPD after 2 s idle, up to 2 s more to notice, 4 s of
		# retransmission: 30 s is plenty.
		if wait_until 30 no_ike_sa a; then
			pass "$t.a-ike-sa-cleared"
		else
			fail "$t.a-ike-sa-cleared" "A still lists the IKE_SA 30 s after B died: $(sw a --list-sas 2>&1 | tr '\n' '|')"
		fi
		wait_until 10 nf_table_is "$ra" "0 0 0"
		check_eq "$t.a-nfipsec-cleared" "0 0 0" "$REPLY"
		echo "dpd: A cleared in $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
		# It was DPD: A probed, B dropped the probes, A gave up.
		check_match "$t.a-dpd-sent" "sending DPD request" "$(< "$T/a/charon.log")"
		check_match "$t.a-dpd-gave-up" "giving up after 1 retransmits" "$(< "$T/a/charon.log")"
		drops=$(nft_packets "$rb" ikeblock input)
		if [ "${drops:-0}" -ge 2 ]; then
			pass "$t.b-probes-dropped"
		else
			fail "$t.b-probes-dropped" "B's nft dropped ${drops:-no} IKE packets, not 2 or more"
		fi
	fi
	stop_pair "$t"
}

reset_conf
# NFIPSEC_SS_SCENARIOS (names, by spaces or commas): only those.
scen=${NFIPSEC_SS_SCENARIOS:-tplink,mikrotik-v1,mikrotik-v2,trap,rekey,dpd}
want() { case ",$scen," in *[,\ ]"$1"[,\ ]*) return 0 ;; esac; return 1; }
want tplink && basic tplink 1 3des-md5-modp1024 3des-md5 \
	"3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024" "ESP:3DES_CBC/HMAC_MD5_96" \
	"cbc\(des3_ede\)" "hmac\(md5\) .* 96" 'rekey_time = 25200s
                life_time = 28800s'
want mikrotik-v1 && basic mikrotik-v1 1 aes256-sha1-modp2048 aes256-sha1 \
	"AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048" "ESP:AES_CBC-256/HMAC_SHA1_96" \
	"cbc\(aes\)" "hmac\(sha1\) .* 96"
want mikrotik-v2 && basic mikrotik-v2 2 aes256-sha1-modp2048 aes256-sha1 \
	"AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048" "ESP:AES_CBC-256/HMAC_SHA1_96" \
	"cbc\(aes\)" "hmac\(sha1\) .* 96"
want trap && trap_scenario
want rekey && rekey_scenario
want dpd && dpd_scenario
finish
