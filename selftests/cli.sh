#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CLI talks to the module over generic netlink: per-namespace state,
# JSON output, strict validation with the kernel's extack text, and
# CAP_NET_ADMIN in the namespace's owning user namespace for every command.
. "$(dirname "$0")/lib.sh"

require_module
setup_ns a b c || exit 1
veth_pair "$a" "$b" || exit 1

out=$(nfipsec -n "$a" version)
check_match version-text '^nfipsec module [0-9]+\.[0-9]+\.[0-9]+, abi 1$' "$(echo "$out" | head -1)"
check_match version-tables '^SAs 0, policies 0$' "$(echo "$out" | tail -1)"
check_eq state-list-empty "" "$(nfipsec -n "$a" state list)"
check_eq state-list-json-empty "[]" "$(nfipsec -n "$a" -j state list)"
check_eq policy-list-empty "" "$(nfipsec -n "$a" policy list dir out)"
check_eq policy-list-json-empty "[]" "$(nfipsec -n "$a" -j policy list)"
check state-list-filter nfipsec -n "$a" state list proto esp spi 0x1000

# JSON is JSON, with the fields promised.
check json-valid python3 -c '
import json, subprocess, sys
run = lambda *a: json.loads(subprocess.check_output(["nfipsec", "-n", sys.argv[1], "-j", *a]))
v = run("version")
assert v["abi"] == 1 and v["sa_count"] == 0 and v["policy_count"] == 0, v
s = run("stats")
assert len(s) >= 6 and all(isinstance(x, int) for x in s.values()), s
assert "hook-ipv4-input" in s and "hook-ipv6-postrouting" in s, s
' "$a"

# Each namespace has its own counters: traffic in a and b, none in c.
check ping ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.0.1.2
check_eq netns-a-counted 3 "$(nfipsec_stat "$a" hook-ipv4-postrouting)"
check_eq netns-b-counted 3 "$(nfipsec_stat "$b" hook-ipv4-input)"
check_eq netns-c-untouched 0 "$(nfipsec -n "$c" stats | awk '{ s += $2 } END { print s + 0 }')"
check_eq netns-exec-same-as-n "$(nfipsec -n "$c" stats)" "$(ip netns exec "$c" nfipsec stats)"

# Bad input: the kernel's extack reaches the user, and the CLI's own checks.
out=$(nfipsec -n "$a" state list proto 17 2>&1)
check_eq extack-status 2 "$?"
check_match extack-text 'proto must be esp \(50\) or ah \(51\)' "$out"
out=$(nfipsec -n "$a" state list proto bogus 2>&1)
check_eq usage-status 1 "$?"
check_match usage-text 'is not esp, ah or a protocol number' "$out"
out=$(nfipsec -n nfipsec-no-such-netns version 2>&1)
check_eq bad-netns-status 2 "$?"
check_match bad-netns-text 'cannot open network namespace' "$out"

# Unprivileged callers are refused, reads included.
unpriv=/tmp/nfipsec-unpriv
cp "$(command -v nfipsec)" "$unpriv" && chmod 755 "$unpriv"
for cmd in version stats "state list" "policy list"; do
	out=$(ip netns exec "$a" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all $unpriv $cmd 2>&1)
	rc=$?
	check_eq "unprivileged-${cmd// /-}-status" 2 "$rc"
	check_match "unprivileged-${cmd// /-}-text" 'permission denied' "$out"
done
# Root of a new user namespace has CAP_NET_ADMIN there, not over a
# namespace that the initial user namespace owns...
out=$(ip netns exec "$a" unshare --user --map-root-user $unpriv version 2>&1)
check_eq userns-foreign-netns-status 2 "$?"
check_match userns-foreign-netns-text 'permission denied' "$out"
# ...but it does over a network namespace its own user namespace owns.
out=$(unshare --user --map-root-user --net $unpriv -j stats 2>&1)
check_eq userns-own-netns-status 0 "$?"
check_match userns-own-netns-fresh '"hook-ipv4-input":0' "$out"
rm -f "$unpriv"
finish
