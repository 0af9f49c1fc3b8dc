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
# traffic goes through the new SAs (the out policy names the new SPI, the
# old SAs are gone, the new ones count only the new traffic); closing the
# IKE_SA removes charon's SAs and policies from nfipsec. The no-module
# scenario (nfipsec unloaded: a charon configured for nfipsec fails closed,
# no CHILD_SA, nothing in XFRM, instead of falling back to kernel-netlink's
# XFRM) unloads the module, so it runs alone: strongswan_fail_closed.sh.
#
# charon loads plugins only from /usr/lib/ipsec/plugins, which is the
# host's, read-only: each charon runs in a mount namespace of its own
# (ip netns exec's) where a copy of that folder with the plugin added is
# bound over it, and a folder of the test over /run (charon's pid file is
# /var/run/charon.pid). Nothing is installed, in the guest or on the host.
# Without the built plugin, the test fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module

CHARON=/usr/lib/ipsec/charon
PLUGINDIR=/usr/lib/ipsec/plugins
SO=libstrongswan-kernel-nfipsec.so
PLUGIN=${NFIPSEC_SS_PLUGIN:-${NFIPSEC_TOP:-$(cd "$(dirname "$0")/.." && pwd)}/build/strongswan/$SO}
LAN_A=192.168.111.0/24 LAN_B=192.168.186.0/24
H1=192.168.111.10 H2=192.168.186.10

missing=
[ -x "$CHARON" ] || missing+=" $CHARON (strongswan-charon)"
command -v swanctl >/dev/null || missing+=" swanctl (strongswan-swanctl)"
[ -e "$PLUGINDIR/libstrongswan-openssl.so" ] ||
	missing+=" $PLUGINDIR/libstrongswan-openssl.so (libstrongswan-standard-plugins: ecp256)"
[ -r "$PLUGIN" ] || missing+=" $PLUGIN (make strongswan-plugin)"
if [ -n "$missing" ]; then
	fail setup "missing:$missing"
	finish
fi

T=$(mktemp -d /tmp/strongswan.XXXXXX) || { fail setup "mktemp"; finish; }
# The plugin folder as the host has it, with the plugin added.
mkdir -p "$T/plugins" && cp "$PLUGINDIR"/*.so "$PLUGIN" "$T/plugins/" ||
	{ fail setup "cannot copy $PLUGINDIR and $PLUGIN to $T/plugins"; finish; }

tunnel_topology || { fail topology "setup failed"; finish; }

declare -A charon_pid
# Stop the charons before lib.sh's cleanup removes their namespaces.
ss_cleanup() {
	local r
	for r in "${!charon_pid[@]}"; do
		kill "${charon_pid[$r]}" 2>/dev/null
	done
	# charon's logs, of each scenario, travel back with the results.
	for r in a b; do
		for f in "$T/$r"/charon-*.log; do
			[ -e "$f" ] && cp -f "$f" "$T/$r-${f##*/}" && keep_artifact "$T/$r-${f##*/}"
		done
	done 2>/dev/null
	cleanup
	rm -rf "$T"
}
trap ss_cleanup EXIT

# conf R IMPL ME PEER LAN_ME LAN_PEER: strongswan.conf and swanctl.conf of
# router R (a or b) with IMPL (nfipsec or xfrm).
conf() {
	local r=$1 impl=$2 me=$3 peer=$4 lme=$5 lpeer=$6 p d=$T/$1
	mkdir -p "$d/run"
	rm -f "$d/charon.log" "$d/charon.vici" "$d/run/charon.pid"
	{
		echo "charon {"
		echo "    load_modular = yes"
		echo "    threads = 6"
		echo "    install_routes = no"
		echo "    retransmit_timeout = 2"
		# A range of its own, which the plugin must honour in get_spi.
		[ "$impl" = nfipsec ] &&
			echo "    spi_min = 0xc1000000" && echo "    spi_max = 0xc1ffffff"
		echo "    plugins {"
		for p in random nonce aes sha1 sha2 hmac gcm kdf openssl \
			kernel-netlink socket-default vici; do
			echo "        $p { load = yes }"
		done
		if [ "$impl" = nfipsec ]; then
			# As tools/strongswan/kernel-nfipsec.conf installs it:
			# critical, before kernel-netlink.
			echo "        kernel-nfipsec! { load = 2 }"
		fi
		echo "        vici { socket = unix://$d/charon.vici }"
		echo "    }"
		echo "    filelog {"
		echo "        log {"
		echo "            path = $d/charon.log"
		echo "            time_format = %T"
		echo "            flush_line = yes"
		echo "            default = 1"
		echo "            knl = 2"
		echo "        }"
		echo "    }"
		echo "}"
		# swanctl (vici's client) needs no plugin for PSK
		echo "swanctl { load = random }"
	} > "$d/strongswan.conf"
	cat > "$d/swanctl.conf" <<EOF
connections {
    s2s {
        version = 2
        local_addrs = $me
        remote_addrs = $peer
        proposals = aes128gcm16-prfsha256-ecp256
        dpd_delay = 0
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
                esp_proposals = aes128gcm16
                mode = tunnel
                start_action = none
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

# charon_start R NS: charon in NS with router R's configuration, its own
# mount namespace holding the plugin folder and /run.
charon_start() {
	local r=$1 ns=$2 d=$T/$1
	ip netns exec "$ns" sh -c 'mount --bind "$1" /usr/lib/ipsec/plugins &&
		mount --bind "$2" /run && STRONGSWAN_CONF=$3 exec "$4"' sh \
		"$T/plugins" "$d/run" "$d/strongswan.conf" "$CHARON" \
		> "$d/charon.out" 2>&1 < /dev/null &
	charon_pid[$r]=$!
	bg_pids+=("$!")
	wait_until 60 test -S "$d/charon.vici"
}

charon_stop() {
	local r=$1 pid=${charon_pid[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait_until 20 gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "charon_pid[$r]"
}

# sw R ARGS...: swanctl against router R's charon.
sw() {
	local r=$1
	shift
	STRONGSWAN_CONF=$T/$r/strongswan.conf swanctl "$@" --uri "unix://$T/$r/charon.vici"
}

# count_in TEXT REGEX: REPLY = the lines of TEXT matching REGEX.
count_in() {
	local line re=$2
	REPLY=0
	while IFS= read -r line; do
		[[ $line =~ $re ]] && REPLY=$((REPLY + 1))
	done <<< "$1"
}

# count_lines REGEX CMD...: the lines of CMD's output matching REGEX
# ("error" when CMD fails).
count_lines() {
	local re=$1 out
	shift
	out=$("$@") || { echo "error"; return; }
	count_in "$out" "$re"
	echo "$REPLY"
}
# An SA's first line (larval SAs, which SA_ALLOC_SPI makes, included), a
# larval SA's own line, and a policy's direction line (in, out, fwd: ip
# xfrm policy also lists the IKE sockets' per-socket bypasses, "dir
# socket").
SA_RE='^src ' LARVAL_RE='^[[:space:]]larval$' POL_RE='^[[:space:]]dir (in|out|fwd) '

# nfipsec_sas NS: REPLY = "SAS LARVAL" in NS ("error" when the list fails).
nfipsec_sas() {
	local out n
	out=$(nfipsec -n "$1" state list) || { REPLY=error; return; }
	count_in "$out" "$SA_RE"
	n=$REPLY
	count_in "$out" "$LARVAL_RE"
	REPLY="$((n - REPLY)) $REPLY"
}

# child_counts R: from swanctl --list-sas of router R, REPLY =
# "SPI_IN BYTES_IN PACKETS_IN SPI_OUT BYTES_OUT PACKETS_OUT" (the last
# CHILD_SA listed), or empty; CHILDREN = how many CHILD_SAs it lists.
child_counts() {
	local out line si= bi= pi= so= bo= po= re
	REPLY= CHILDREN=0
	out=$(sw "$1" --list-sas) || return 1
	re='^ +(in|out) +([0-9a-f]{8}), +([0-9]+) bytes, +([0-9]+) packets'
	while IFS= read -r line; do
		[[ $line =~ ^\ +net:\ \# ]] && CHILDREN=$((CHILDREN + 1))
		[[ $line =~ $re ]] || continue
		if [ "${BASH_REMATCH[1]}" = in ]; then
			si=${BASH_REMATCH[2]} bi=${BASH_REMATCH[3]} pi=${BASH_REMATCH[4]}
		else
			so=${BASH_REMATCH[2]} bo=${BASH_REMATCH[3]} po=${BASH_REMATCH[4]}
		fi
	done <<< "$out"
	[ -n "$si" ] && [ -n "$so" ] && REPLY="$si $bi $pi $so $bo $po"
}

# impl_check T R NS IMPL: the CHILD_SA's two SAs and its policies (out,
# in, fwd) are in IMPL in NS, and nothing in the other implementation.
impl_check() {
	local t=$1 r=$2 ns=$3 impl=$4 nf_sa nf_pol x_sa x_pol
	nfipsec_sas "$ns"
	nf_sa=$REPLY
	nf_pol=$(count_lines "$POL_RE" nfipsec -n "$ns" policy list)
	x_sa=$(count_lines "$SA_RE" ip -n "$ns" xfrm state)
	x_pol=$(count_lines "$POL_RE" ip -n "$ns" xfrm policy)
	if [ "$impl" = nfipsec ]; then
		# 2 SAs, and no larval SA left (the one of the SPI charon got
		# became the inbound SA)
		check_eq "$t.$r-nfipsec-sas" "2 0" "$nf_sa"
		check_eq "$t.$r-nfipsec-policies" 3 "$nf_pol"
		check_eq "$t.$r-xfrm-empty" "0 0" "$x_sa $x_pol"
	else
		check_eq "$t.$r-xfrm-sas" 2 "$x_sa"
		check_eq "$t.$r-xfrm-policies" 3 "$x_pol"
		check_eq "$t.$r-nfipsec-empty" "0 0 0" "$nf_sa $nf_pol"
	fi
}

# nfipsec_counts T R NS ME PEER: nfipsec's SA counters on router R equal
# the pings' (6 echo requests or replies of 84 bytes each way), and
# swanctl --list-sas on R shows the same SPIs and counts.
nfipsec_counts() {
	local t=$1 r=$2 ns=$3 me=$4 peer=$5 si bi pi so bo po
	if ! child_counts "$r"; then
		fail "$t.$r-swanctl-counts" "no in/out line in swanctl --list-sas: $(sw "$r" --list-sas 2>&1 | tr '\n' '|')"
		return
	fi
	read -r si bi pi so bo po <<< "$REPLY"
	# charon.spi_min/spi_max (conf) honoured
	check_match "$t.$r-spi-range" "^c1[0-9a-f]{6}$" "$si"
	check_eq "$t.$r-nfipsec-in" "packets 6 bytes 504 integrity 0" \
		"$(sa_stats "$ns" "$me" "0x$si" packets bytes integrity)"
	check_eq "$t.$r-nfipsec-out" "packets 6 bytes 504" "$(sa_stats "$ns" "$peer" "0x$so" packets bytes)"
	check_eq "$t.$r-swanctl-counts" "in 504/6 out 504/6" "in $bi/$pi out $bo/$po"
}

# rekeyed OLD: A lists one CHILD_SA, whose SPIs are not those of OLD
# (child_counts' REPLY before the rekeying).
rekeyed() {
	child_counts a || return 1
	local si so osi oso
	read -r si _ _ so _ _ <<< "$REPLY"
	read -r osi _ _ oso _ _ <<< "$1"
	[ "$CHILDREN" = 1 ] && [ "$si" != "$osi" ] && [ "$so" != "$oso" ]
}

# rekey_check T IMPL_A IMPL_B: A rekeys the CHILD_SA; once the old one is
# deleted, a ping a->b goes through the new SAs: on each router on
# nfipsec, 2 SAs and no larval SA, its out policy names the new outbound
# SPI (KERNEL_POLICY_SPI: the newest user of a policy is installed), and
# the new SAs counted the ping alone (3 packets, 252 bytes each way), as
# swanctl shows.
rekey_check() {
	local t=$1.rekey ia=$2 ib=$3 r ns impl old si bi pi so bo po out me peer
	child_counts a || { fail "$t" "no CHILD_SA on A"; return; }
	old=$REPLY
	check "$t" sw a --rekey --child net || return
	if ! wait_until 30 rekeyed "$old"; then
		fail "$t-done" "A still lists $CHILDREN CHILD_SA(s), SPIs $REPLY (before: $old)"
		return
	fi
	pass "$t-done"
	check "$t-ping" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 $H2
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
		check_eq "$t-$r-nfipsec-in" "packets 3 bytes 252 integrity 0" \
			"$(sa_stats "$ns" "$me" "0x$si" packets bytes integrity)"
		check_eq "$t-$r-nfipsec-out" "packets 3 bytes 252" \
			"$(sa_stats "$ns" "$peer" "0x$so" packets bytes)"
		check_eq "$t-$r-swanctl-counts" "in 252/3 out 252/3" "in $bi/$pi out $bo/$po"
	done
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
