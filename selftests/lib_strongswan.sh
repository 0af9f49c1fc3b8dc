#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Helpers of the strongSwan selftests (strongswan.sh, strongswan_ike.sh),
# sourced after lib.sh and lib_tunnel.sh: charon per router namespace on
# the standard topology, each with its own strongswan.conf, swanctl.conf,
# vici socket and run folder in $T. A router "on nfipsec" runs charon with
# the kernel-nfipsec plugin (tools/strongswan, `make strongswan-plugin`)
# loaded with priority 2 over kernel-netlink, which keeps routes and
# addresses; one "on xfrm" runs kernel-netlink alone (Linux XFRM).
#
# charon loads plugins only from /usr/lib/ipsec/plugins, which is the
# host's, read-only: each charon runs in a mount namespace of its own
# (ip netns exec's) where a copy of that folder with the plugin added is
# bound over it, and a folder of the test over /run (charon's pid file is
# /var/run/charon.pid). Nothing is installed, in the guest or on the host.
# Without the built plugin, the test fails.
#
# A test calls ss_setup, makes its topology, then sets `trap ss_cleanup
# EXIT`.

CHARON=/usr/lib/ipsec/charon
PLUGINDIR=/usr/lib/ipsec/plugins
SO=libstrongswan-kernel-nfipsec.so
PLUGIN=${NFIPSEC_SS_PLUGIN:-${NFIPSEC_TOP:-$(cd "$(dirname "$0")/.." && pwd)}/build/strongswan/$SO}
# LAN_A, LAN_B, H1, H2: for the tests that source this.
# shellcheck disable=SC2034
LAN_A=192.168.111.0/24 LAN_B=192.168.186.0/24 H1=192.168.111.10 H2=192.168.186.10

# ss_setup [TMP_PREFIX]: what charon needs is there (or the test fails),
# $T is the test's folder (/tmp/TMP_PREFIX.XXXXXX, strongswan unless
# told), $T/plugins the plugin folder as the host has it, with the plugin
# added.
ss_setup() {
	local prefix=${1:-strongswan} missing=
	[ -x "$CHARON" ] || missing+=" $CHARON (strongswan-charon)"
	command -v swanctl >/dev/null || missing+=" swanctl (strongswan-swanctl)"
	[ -e "$PLUGINDIR/libstrongswan-openssl.so" ] ||
		missing+=" $PLUGINDIR/libstrongswan-openssl.so (libstrongswan-standard-plugins: ecp256)"
	[ -r "$PLUGIN" ] || missing+=" $PLUGIN (make strongswan-plugin)"
	if [ -n "$missing" ]; then
		fail setup "missing:$missing"
		finish
	fi

	T=$(mktemp -d "/tmp/$prefix.XXXXXX") || { fail setup "mktemp"; finish; }
	# The plugin folder as the host has it, with the plugin added.
	mkdir -p "$T/plugins" && cp "$PLUGINDIR"/*.so "$PLUGIN" "$T/plugins/" ||
		{ fail setup "cannot copy $PLUGINDIR and $PLUGIN to $T/plugins"; finish; }
}

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

# conf R IMPL ME PEER LAN_ME LAN_PEER: strongswan.conf and swanctl.conf of
# router R (a or b) with IMPL (nfipsec or xfrm); START_ACTION: the
# CHILD_SA's start_action (none unless set).
conf() {
	local r=$1 impl=$2 me=$3 peer=$4 lme=$5 lpeer=$6 p d=$T/$1 extra
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
		# SS_CHARON_a, SS_CHARON_b: more charon settings (lines) for
		# router a or b, e.g. retransmit_tries.
		extra=SS_CHARON_$r
		[ -n "${!extra:-}" ] && printf '    %s\n' "${!extra}"
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
                start_action = ${START_ACTION:-none}
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
	# a killed charon leaves its socket file behind
	rm -f "$d/charon.vici"
	ip netns exec "$ns" sh -c 'mount --bind "$1" /usr/lib/ipsec/plugins &&
		mount --bind "$2" /run && STRONGSWAN_CONF=$3 exec "$4"' sh \
		"$T/plugins" "$d/run" "$d/strongswan.conf" "$CHARON" \
		> "$d/charon.out" 2>&1 < /dev/null &
	charon_pid[$r]=$!
	bg_pids+=("$!")
	wait_until 60 test -S "$d/charon.vici"
}

# charon_stop R [KILL]: SIGTERM (a clean stop), or SIGKILL.
charon_stop() {
	local r=$1 pid=${charon_pid[$1]:-}
	[ -n "$pid" ] || return 0
	kill ${2:+-KILL} "$pid" 2>/dev/null
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

# nfipsec_sas NS [FILTER...]: REPLY = "SAS LARVAL" in NS ("error" when the
# list fails).
nfipsec_sas() {
	local out n ns=$1
	shift
	out=$(nfipsec -n "$ns" state list "$@") || { REPLY=error; return; }
	count_in "$out" "$SA_RE"
	n=$REPLY
	count_in "$out" "$LARVAL_RE"
	REPLY="$((n - REPLY)) $REPLY"
}

# child_counts R [ARGS...]: from swanctl --list-sas [ARGS...] of router
# R (e.g. --ike NAME), REPLY = "SPI_IN BYTES_IN PACKETS_IN SPI_OUT
# BYTES_OUT PACKETS_OUT" (the last CHILD_SA listed), or empty; CHILDREN =
# how many CHILD_SAs named net it lists.
child_counts() {
	local out line si='' bi='' pi='' so='' bo='' po='' re
	REPLY='' CHILDREN=0
	out=$(sw "$1" --list-sas "${@:2}") || return 1
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

# wire_tally PCAP: PCAP read once (tcpdump -tt, one awk: every tcpdump
# read of a capture costs seconds in the debug guest) into
#   WIRE_ESP[SRC>DST]       ESP packets from SRC to DST,
#   WIRE_ESP[SRC>DST>SPI]   of them, those of SPI (hex, no 0x),
#   WIRE_FIRST[SRC>DST>SPI] the epoch second of that SPI's first packet,
#   WIRE_SPIS               "SRC>DST>SPI" words, in the order of their
#                           first packets,
#   WIRE_IKE                UDP packets from and to port 500 or 4500,
#   WIRE_GRE                GRE packets (in clear),
#   WIRE_OTHER              every other packet but ARP and ICMPv6
#                           between addresses of no LAN (neighbour
#                           discovery, MLD): cleartext;
#   WIRE_OTHER_LINES        the first 10 of those, '|'-separated.
# Fails (WIRE_OTHER=error) when tcpdump cannot read PCAP.
declare -A WIRE_ESP WIRE_FIRST
wire_tally() {
	local k a b c out
	WIRE_ESP=() WIRE_FIRST=() WIRE_SPIS='' WIRE_IKE=0 WIRE_GRE=0 WIRE_OTHER=error WIRE_OTHER_LINES=''
	out=$(tcpdump -r "$1" -nn -tt 2>/dev/null | awk '
	$2 == "IP" || $2 == "IP6" {
		src = $3; dst = $5; sub(/:$/, "", dst)
		if ($6 ~ /^ESP\(spi=0x/) {
			spi = $6; sub(/^ESP\(spi=0x/, "", spi); sub(/,.*/, "", spi)
			n[src ">" dst]++; k = src ">" dst ">" spi
			if (!(k in n)) { first[k] = int($1); order = order " " k }
			n[k]++
			next
		}
		if (src ~ /\.(500|4500)$/ && dst ~ /\.(500|4500)$/) { ike++; next }
		if ($6 == "GREv0,") gre++
		if ($6 == "ICMP6," && (src dst) !~ /fd00:(111|186):/) next
	}
	$2 == "ARP," { next }
	{ other++; if (other <= 10) lines = lines "|" $0 }
	END {
		for (k in n) print "esp", k, n[k], (k in first) ? first[k] : "-"
		print "spis", order
		print "ike", ike + 0
		print "gre", gre + 0
		print "other", other + 0
		print "lines", lines
	}') || return 1
	while read -r k a b c; do
		case $k in
		esp) WIRE_ESP[$a]=$b; [ "$c" = - ] || WIRE_FIRST[$a]=$c ;;
		spis) WIRE_SPIS="$a${b:+ $b}${c:+ $c}" ;;
		ike) WIRE_IKE=$a ;;
		gre) WIRE_GRE=$a ;;
		other) WIRE_OTHER=$a ;;
		lines) WIRE_OTHER_LINES="$a${b:+ $b}${c:+ $c}" ;;
		esac
	done <<< "$out"
	[ "$WIRE_OTHER" != error ]
}

# wire_esp SRC DST [SPI]: REPLY = WIRE_ESP's count (0 when none).
wire_esp() {
	local k=$1\>$2${3:+>$3}
	REPLY=${WIRE_ESP[$k]:-0}
}

# wire_clear T PCAP: T.wire-nothing-in-clear passes when wire_tally found
# nothing but IKE, ESP and the neighbour protocols; else PCAP is kept.
wire_clear() {
	if [ "$WIRE_OTHER" = 0 ]; then
		pass "$1.wire-nothing-in-clear"
	else
		fail "$1.wire-nothing-in-clear" "$WIRE_OTHER packet(s) neither IKE nor ESP (nor ARP, ND): ${WIRE_OTHER_LINES#|}"
		keep_artifact "$2"
	fi
}
