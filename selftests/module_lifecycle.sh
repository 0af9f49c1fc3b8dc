#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: exclusive cost=30
# The module loads and unloads at any time: while namespaces exist and
# traffic flows through its hooks, and namespaces created and destroyed
# while it is loaded leave nothing behind (kmemleak and the netns refcount
# tracker judge that at the end of the run).
. "$(dirname "$0")/lib.sh"

[ -n "$NFIPSEC_KO_DIR" ] || { skip setup "NFIPSEC_KO_DIR unset"; exit $ksft_skip; }
require_module
setup_ns a b || exit 1
veth_pair "$a" "$b" || exit 1

# The hooks are there while a namespace has SAs or policies: one that
# matches nothing of the traffic.
idle_policy() {
	nfipsec -n "$a" policy add src 192.0.2.1/32 dst 192.0.2.2/32 dir out
}
check idle-policy idle_policy
run_bg ip netns exec "$a" ping -q -i 0.05 10.0.1.2
run_bg ip netns exec "$a" ping -6 -q -i 0.05 fd00:1::2
# Traffic flows through the hooks before the first unload.
hook_count() { nfipsec_stat "$a" "hook-$1-postrouting"; }
grew() { [ "$(hook_count "$1")" -gt "$2" ] 2>/dev/null; }
wait_until 10 grew ipv4 0

for i in 1 2 3; do
	check "unload-under-traffic-$i" rmmod nfipsec
	check "reload-$i" insmod "$NFIPSEC_KO_DIR/nfipsec.ko"
done

# Hooks are registered in namespaces that existed before the load, once
# configured.
check idle-policy-after-reload idle_policy
c1=$(hook_count ipv4)
d1=$(hook_count ipv6)
wait_until 5 grew ipv4 "$c1"
wait_until 5 grew ipv6 "$d1"
c2=$(hook_count ipv4)
d2=$(hook_count ipv6)
[ "$c2" -gt "$c1" ] 2>/dev/null && pass hooks-live-ipv4-after-reload ||
	fail hooks-live-ipv4-after-reload "hook-ipv4-postrouting $c1 -> $c2"
[ "$d2" -gt "$d1" ] 2>/dev/null && pass hooks-live-ipv6-after-reload ||
	fail hooks-live-ipv6-after-reload "hook-ipv6-postrouting $d1 -> $d2"

# Namespaces come and go while the module is loaded.
batch=$(mktemp)
for i in $(seq 1 20); do echo "netns add churn-$$-$i"; done > "$batch"
check netns-create ip -batch "$batch"
out=$(nfipsec -n "churn-$$-7" stats | awk '{ s += $2 } END { print s + 0 }')
check_eq new-netns-counters-start-at-zero 0 "$out"
for i in $(seq 1 20); do echo "netns del churn-$$-$i"; done > "$batch"
check netns-destroy ip -batch "$batch"
rm -f "$batch"

# Nothing holds the module: no leaked reference from a namespace or socket.
check_eq module-refcount-zero 0 "$(cat /sys/module/nfipsec/refcnt)"

# Unload with namespaces alive: traffic keeps flowing without the hooks, and
# the CLI says plainly that the module is missing.
check final-unload-with-netns rmmod nfipsec
check traffic-without-module ip netns exec "$a" ping -c 1 -W 2 10.0.1.2
out=$(nfipsec -n "$a" version 2>&1)
rc=$?
check_eq cli-module-missing-status 2 "$rc"
check_match cli-module-missing-message "kernel module is not loaded" "$out"
check load-again insmod "$NFIPSEC_KO_DIR/nfipsec.ko"
finish
