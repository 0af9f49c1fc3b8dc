#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: exclusive cost=150
# Teardown under asynchronous crypto. The force_async test knob puts every
# new AES-GCM SA behind cryptd, as a hardware engine would: each packet's
# crypto completes later, from a worker, so requests are in flight when
#   - both SAs of a router are deleted and added again, mid-stream;
#   - the module is unloaded mid-stream (it waits for what is in flight);
#   - a router's namespace is deleted mid-stream, then the other's.
# Each is repeated. Before each teardown the SAs' async completions must be
# growing (requests really are in flight); after it the tunnel carries
# traffic again. KASAN, lockdep and kmemleak judge the rest: a use after
# free of a completion that outlived its namespace, device, SA or module
# is a splat, and any splat fails the run. Exclusive: it unloads the module
# and force_async is module-wide.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
knob=/sys/module/nfipsec/parameters/force_async
GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
ROUNDS=${TEARDOWN_ROUNDS:-2}

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

# load: floods both ways through the tunnel, IPv4 and IPv6 inner, and a
# TCP stream from h1 to h2; they run until the test ends.
load() {
	run_bg ip netns exec "$h2" iperf3 -s -p 5201
	wait_listen "$h2" 5201 || return 1
	run_bg ip netns exec "$h1" iperf3 -c 192.168.186.10 -p 5201 -t 900
	run_bg ip netns exec "$h1" ping -q -f -s 1000 192.168.186.10
	run_bg ip netns exec "$h1" ping -6 -q -f -s 1000 fd00:186::10
}

# completions: rb's inbound and outbound SAs' async completions, summed.
completions() {
	local i o
	i=$(sa_stat "$rb" $B4 $SPI_AB async)
	o=$(sa_stat "$rb" $A4 $SPI_BA async)
	echo $(( ${i:-0} + ${o:-0} ))
}

# in_flight NAME: async completions grow on rb (both directions carry
# traffic through cryptd) within 20 s.
in_flight() {
	local c0 c1 end=$((SECONDS + 20))
	c0=$(completions)
	while [ $SECONDS -lt $end ]; do
		sleep 0.5
		c1=$(completions)
		if [ "$c1" -gt $((c0 + 20)) ]; then
			pass "$1"
			return 0
		fi
	done
	fail "$1" "async completions on rb went from $c0 to $c1 in 20 s"
	return 1
}

tunnel_topology || { fail topology "setup failed"; finish; }
configure || { fail configure "nfipsec refused the configuration"; finish; }
load || { fail load "no iperf3 listener"; finish; }
in_flight start.in-flight

# SAs deleted and added again under traffic, both directions at once.
for i in $(seq 1 $((ROUNDS + 1))); do
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
for i in $(seq 1 "$ROUNDS"); do
	check "rmmod-in-flight-$i" rmmod nfipsec
	check "reload-$i" insmod "$NFIPSEC_KO_DIR/nfipsec.ko"
	configure || fail "reload-$i.configure" "nfipsec refused the configuration"
	in_flight "reload-$i.in-flight"
done

# Namespaces deleted with requests in flight: rb (decrypting, encrypting
# replies), then ra (still encrypting what h1 sends). Unloading the module
# afterwards waits for their dismantling (cleanup_net holds the pernet
# lock), so a late completion shows up during this test.
for i in $(seq 1 "$ROUNDS"); do
	if [ "$i" -gt 1 ]; then
		tunnel_topology || { fail "netns-$i.topology" "setup failed"; break; }
		configure || { fail "netns-$i.configure" "nfipsec refused the configuration"; break; }
		load || { fail "netns-$i.load" "no iperf3 listener"; break; }
	fi
	in_flight "netns-$i.in-flight"
	check "netns-$i.delete-rb" ip netns del "$rb"
	sleep 0.5
	check "netns-$i.delete-ra" ip netns del "$ra"
	check "netns-$i.unload-after" rmmod nfipsec
	check "netns-$i.load-again" insmod "$NFIPSEC_KO_DIR/nfipsec.ko"
	# The hosts' floods go nowhere now: stop them before the next round.
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	bg_pids=()
done
finish
