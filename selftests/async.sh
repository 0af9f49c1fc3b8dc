#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: exclusive cost=85
# Asynchronous crypto. The force_async test knob (the lab's test build
# only) puts every new AES-GCM SA behind cryptd, as a hardware engine or
# the SIMD fallback would complete it: each packet's crypto completes
# later, from a worker.
#  - The datapath: pings counted exactly, each packet through the
#    completion callback (the SA's "async" counter); TCP (iperf3) both ways.
#  - Teardown with requests in flight, under pings and TCP: both SAs of a
#    router deleted and added again; the module unloaded (it waits for what
#    is in flight) and loaded again; a router's namespace deleted, then the
#    other's. Each repeated. Before each teardown the async completions
#    must be growing (requests really are in flight); after it the tunnel
#    carries traffic again. KASAN, lockdep and kmemleak judge the rest: a
#    completion that outlived its namespace, device, SA or module is a
#    splat, and any splat fails the run.
# Exclusive: it unloads the module, and force_async is module-wide.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
knob=/sys/module/nfipsec/parameters/force_async
GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
ROUNDS=${ASYNC_ROUNDS:-2}

[ -w "$knob" ] || { fail setup "no force_async knob: the module is not a test build"; finish; }
trap 'echo 0 > $knob 2>/dev/null; cleanup' EXIT

# configure: both routers keyed, every SA asynchronous.
configure() {
	echo 1 > "$knob" &&
		tunnel_conf a 4 "$GCM" | tunnel_apply "$ra" nfipsec &&
		tunnel_conf b 4 "$GCM" | tunnel_apply "$rb" nfipsec
	local rc=$?
	echo 0 > "$knob"
	return $rc
}

# load: an IPv4 flood ping (keeps cryptd's queue busy, so requests are
# queued when the teardown comes: a lighter load let a module without the
# in-flight references pass), IPv6 pings and a rate-limited TCP stream from
# h1 to h2; they run until the round ends.
load() {
	run_bg ip netns exec "$h2" iperf3 -s -p 5203
	wait_listen "$h2" 5203 || return 1
	run_bg ip netns exec "$h1" iperf3 -c 192.168.186.10 -p 5203 -t 900 -b 4M
	run_bg ip netns exec "$h1" ping -q -f -s 1000 192.168.186.10
	run_bg ip netns exec "$h1" ping -6 -q -i 0.01 -s 1000 fd00:186::10
}

# completions: C = the async completions of rb's SAs, summed (one exec).
completions() {
	local words i n=0
	read -rd '' -a words < <(nfipsec -n "$rb" -s state list)
	for ((i = 0; i < ${#words[@]} - 1; i++)); do
		[ "${words[i]}" = async ] && n=$((n + words[i + 1]))
	done
	C=$n
}

# in_flight NAME: async completions grow on rb (both directions carry
# traffic through cryptd) within 20 s.
in_flight() {
	local c0 end=$((SECONDS + 20))
	completions
	c0=$C
	while [ $SECONDS -lt $end ]; do
		nap 0.5
		completions
		if [ "$C" -gt $((c0 + 20)) ]; then
			pass "$1"
			return 0
		fi
	done
	fail "$1" "async completions on rb went from $c0 to $C in 20 s"
	return 1
}

tunnel_topology || { fail topology "setup failed"; finish; }
configure || { fail configure "nfipsec refused the configuration"; finish; }

check ping4 ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 192.168.186.10
check ping6 ip netns exec "$h1" ping -6 -c 3 -i 0.3 -W 3 fd00:186::10
# 6 packets through each SA, every one completed by the callback.
for sa in "$ra $B4 $SPI_AB" "$rb $B4 $SPI_AB" "$rb $A4 $SPI_BA" "$ra $A4 $SPI_BA"; do
	set -- $sa
	n=${1%%-*}-$3
	check_eq "$n.packets" 6 "$(sa_stat "$1" "$2" "$3" packets)"
	check_eq "$n.async-completions" 6 "$(sa_stat "$1" "$2" "$3" async)"
done

iperf3_server "$h2" 5201 || fail iperf3-server "no listener on 5201"
check tcp-h1-to-h2 ip netns exec "$h1" timeout 60 iperf3 -c 192.168.186.10 -p 5201 -t 3
iperf3_server "$h2" 5202 || fail iperf3-server6 "no listener on 5202"
check tcp-h2-to-h1 ip netns exec "$h1" timeout 60 iperf3 -c fd00:186::10 -p 5202 -t 3 -R
check_eq no-integrity-failures 0 "$(sa_stat "$rb" $B4 $SPI_AB integrity)"
# Every packet decrypted was completed by the callback: each one delivered,
# plus those the window refused after authentication (completions of two
# CPUs can come out of order by more than the window). A refusal before
# decryption (already left of the window when it arrived) counts in the
# same replay and outside-window counters without a completion, so the
# completions lie between the two.
read -r _ a _ p _ r _ o <<< "$(sa_stats "$rb" $B4 $SPI_AB async packets replay outside-window)"
if [ "$p" -gt 100 ] && [ "$a" -ge "$p" ] && [ "$a" -le $((p + r + o)) ]; then
	pass tcp-all-async
else
	fail tcp-all-async "completions $a, delivered $p, refused by the window $((r + o))"
	echo "rb's SA: $(nfipsec -n "$rb" -s state get dst $B4 proto esp spi $SPI_AB | tr '\n' ' ')" >&2
fi

# Teardown with requests in flight.
load || { fail load "no iperf3 listener"; finish; }
in_flight start.in-flight

# SAs deleted and added again under traffic, both directions at once.
for ((i = 1; i <= ROUNDS + 1; i++)); do
	printf 'state delete dst %s proto esp spi %s\nstate delete dst %s proto esp spi %s\n' \
		$B4 $SPI_AB $A4 $SPI_BA | nfipsec -n "$rb" -b - ||
		fail "sa-churn-$i.delete" "state delete refused"
	echo 1 > "$knob"
	tunnel_conf b 4 "$GCM" | grep '^state add' | nfipsec -n "$rb" -b - ||
		fail "sa-churn-$i.add" "state add refused"
	echo 0 > "$knob"
	in_flight "sa-churn-$i.in-flight"
done

# The module unloaded with requests in flight, loaded again, keyed again.
for ((i = 1; i <= ROUNDS; i++)); do
	check "rmmod-in-flight-$i" rmmod nfipsec
	check "reload-$i" insmod "$NFIPSEC_KO_DIR/nfipsec.ko"
	configure || fail "reload-$i.configure" "nfipsec refused the configuration"
	in_flight "reload-$i.in-flight"
done

# Namespaces deleted with requests in flight: rb (decrypting, encrypting
# replies), then ra (still encrypting what h1 sends). Unloading the module
# afterwards waits for their dismantling (cleanup_net holds the pernet
# lock), so a late completion shows up during this test.
for ((i = 1; i <= ROUNDS; i++)); do
	if [ "$i" -gt 1 ]; then
		tunnel_topology || { fail "netns-$i.topology" "setup failed"; break; }
		configure || { fail "netns-$i.configure" "nfipsec refused the configuration"; break; }
		load || { fail "netns-$i.load" "no iperf3 listener"; break; }
	fi
	in_flight "netns-$i.in-flight"
	check "netns-$i.delete-rb" ip netns del "$rb"
	nap 0.5
	check "netns-$i.delete-ra" ip netns del "$ra"
	check "netns-$i.unload-after" rmmod nfipsec
	check "netns-$i.load-again" insmod "$NFIPSEC_KO_DIR/nfipsec.ko"
	# The hosts' floods go nowhere now: stop them before the next round.
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	bg_pids=()
done
finish
