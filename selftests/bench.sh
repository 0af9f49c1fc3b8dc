#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: nfipsec against Linux XFRM in one guest boot.
#  - traffic: on the standard topology, same algorithms, both routers on
#    one implementation at a time, TCP throughput (iperf3, h1 -> h2) and
#    the packet rate of 64-byte UDP;
#  - config: the time to load 1,000, 10,000 and 100,000 policies from a
#    batch file (`nfipsec -b`; the same lines with `ip -batch` into XFRM in
#    another namespace), with ip xfrm's default priority (each appended)
#    and with priorities in a scrambled order (as an IKE daemon's), then to
#    list them all and to flush them.
# Prints each figure and the nfipsec/XFRM ratio (of times: below 1 is
# faster). Run by `make bench` on the non-debug lab kernel; under TCG only
# the ratios mean something. NFIPSEC_BENCH_PARTS ("traffic config"),
# NFIPSEC_BENCH_POLICIES ("1000 10000 100000"), NFIPSEC_BENCH_SECS (5).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

SECS=${NFIPSEC_BENCH_SECS:-5}
PARTS=${NFIPSEC_BENCH_PARTS:-traffic config}
require_module

# ms CMD...: run CMD (output discarded, its errors' last lines in
# /tmp/bench-err), print its wall time in seconds.
ms() {
	local t0=${EPOCHREALTIME/./} t1 rc
	"$@" >/dev/null 2>/tmp/bench-err
	rc=$?
	t1=${EPOCHREALTIME/./}
	printf '%d.%03d' $(( (t1 - t0) / 1000000 )) $(( (t1 - t0) / 1000 % 1000 ))
	return $rc
}

ratio() { awk -v n="$1" -v x="$2" 'BEGIN { printf "%.2f", (x > 0 ? n / x : 0) }'; }

# policies N KIND: N policy lines (xfrm's words, as ip -batch reads them),
# src 10.x.y.z by number, dirs in turn; KIND prio: priorities 0..999 in a
# scrambled order, else ip xfrm's default (0).
policies() {
	awk -v n="$1" -v kind="$2" 'BEGIN {
		split("in out fwd", d, " ")
		for (i = 0; i < n; i++) {
			p = kind == "prio" ? sprintf(" priority %d", (i * 7919) % 1000) : ""
			printf "xfrm policy add src 10.%d.%d.%d/32 dst 172.16.0.0/16 dir %s%s tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel\n",
				int(i / 65536), int(i / 256) % 256, i % 256, d[i % 3 + 1], p
		}
	}'
}

bench_config() {
	local n kind f tn tx ln lx fn fx cn cx got
	setup_ns cfgn cfgx || { echo "bench: namespaces failed"; return 1; }
	nfipsec -n "$cfgn" limits set policies 1000000 || return 1
	f=/tmp/bench-policies
	for n in ${NFIPSEC_BENCH_POLICIES:-1000 10000 100000}; do
		for kind in append prio; do
			policies "$n" "$kind" > "$f"
			tn=$(ms nfipsec -n "$cfgn" -b "$f") || { echo "bench: nfipsec -b of $n failed: $(tail -n 2 /tmp/bench-err)"; return 1; }
			tx=$(ms ip -n "$cfgx" -batch "$f") || { echo "bench: ip -batch of $n failed: $(tail -n 2 /tmp/bench-err)"; return 1; }
			cn=$(nfipsec -n "$cfgn" policy count)
			cx=$(ip -n "$cfgx" xfrm policy count)
			[ "$cn" = "$cx" ] || echo "bench: counts differ: nfipsec '$cn', xfrm '$cx'"
			printf 'bench config %-7s %-6s load   nfipsec %8s s  xfrm %8s s  ratio %s\n' \
				"$n" "$kind" "$tn" "$tx" "$(ratio "$tn" "$tx")"
			if [ $kind = append ]; then
				# The list streams: every policy, in a bounded memory.
				ln=$(ms sh -c "nfipsec -n $cfgn policy list > /tmp/bench-list-n")
				lx=$(ms sh -c "ip -n $cfgx xfrm policy list > /tmp/bench-list-x")
				got=$(grep -c $'^\tposition ' /tmp/bench-list-n)
				[ "$got" = "$n" ] || echo "bench: nfipsec listed $got of $n policies"
				printf 'bench config %-7s %-6s list   nfipsec %8s s  xfrm %8s s  ratio %s\n' \
					"$n" "$kind" "$ln" "$lx" "$(ratio "$ln" "$lx")"
			fi
			fn=$(ms nfipsec -n "$cfgn" policy flush) || { echo "bench: nfipsec flush failed: $(tail -n 2 /tmp/bench-err)"; return 1; }
			fx=$(ms ip -n "$cfgx" xfrm policy flush) || { echo "bench: ip xfrm flush failed: $(tail -n 2 /tmp/bench-err)"; return 1; }
			printf 'bench config %-7s %-6s flush  nfipsec %8s s  xfrm %8s s  ratio %s\n' \
				"$n" "$kind" "$fn" "$fx" "$(ratio "$fn" "$fx")"
		done
	done
	rm -f "$f" /tmp/bench-list-n /tmp/bench-list-x /tmp/bench-err
}

bench_traffic() {
	tunnel_topology || { echo "bench: topology failed"; exit 1; }
	ip netns exec "$h2" iperf3 -s -D -p 5201 >/dev/null 2>&1
	wait_listen "$h2" 5201 || { echo "bench: no iperf3 server"; exit 1; }

	# measure MODE: one number, TCP Mbit/s or UDP packets/s received.
	measure() {
		local json
		if [ "$1" = tcp ]; then
			json=$(ip netns exec "$h1" iperf3 -J -c 192.168.186.10 -p 5201 -t "$SECS")
		else
			json=$(ip netns exec "$h1" iperf3 -J -u -b 0 -l 64 -c 192.168.186.10 -p 5201 -t "$SECS")
		fi
		echo "$json" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["end"]
if sys.argv[1] == "tcp":
    print("%.1f" % (r["sum_received"]["bits_per_second"] / 1e6))
else:
    s = r["sum"]
    print("%.0f" % ((s["packets"] - s["lost_packets"]) / s["seconds"]))
' "$1" || echo "bench: iperf3 gave no result: $(echo "$json" | head -c 300)" >&2
	}

	declare -A result
	algs=("aes-gcm-128|aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
	      "null|enc 'ecb(cipher_null)' ''")
	for a in "${algs[@]}"; do
		name=${a%%|*}
		for impl in nfipsec xfrm; do
			tunnel_clear "$ra"; tunnel_clear "$rb"
			tunnel_conf a 4 "${a#*|}" | tunnel_apply "$ra" $impl || exit 1
			tunnel_conf b 4 "${a#*|}" | tunnel_apply "$rb" $impl || exit 1
			ip netns exec "$h1" ping -c 1 -W 3 192.168.186.10 >/dev/null ||
				{ echo "bench: $impl $name: no connectivity"; exit 1; }
			for mode in tcp udp64; do
				result[$name.$mode.$impl]=$(measure $mode)
			done
		done
		for mode in tcp udp64; do
			n=${result[$name.$mode.nfipsec]} x=${result[$name.$mode.xfrm]}
			unit=Mbit/s
			[ $mode = udp64 ] && unit=pkt/s
			printf 'bench %-12s %-6s nfipsec %10s %-7s xfrm %10s %-7s ratio %s\n' \
				"$name" "$mode" "$n" "$unit" "$x" "$unit" \
				"$(awk -v n="$n" -v x="$x" 'BEGIN { printf "%.2f", x ? n / x : 0 }')"
		done
	done
}

for part in $PARTS; do
	case $part in
	traffic) bench_traffic || exit 1 ;;
	config) bench_config || exit 1 ;;
	*) echo "bench: no part $part"; exit 1 ;;
	esac
done
