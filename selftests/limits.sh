#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=55
# Limits and cost (security issue, item 10), between two hosts a and b
# joined by a veth pair, a host-to-host tunnel between them:
#  - each namespace's limits of SAs and policies: shown (16384 by default)
#    and settable; past one, an add is refused with the kernel's message and
#    nothing changes; lowering one under what exists keeps what exists; a
#    container (root of its own user namespace) may lower its limits but
#    not raise them, the host's root may;
#  - memory: 100 SAs and 100 policies added from a memory cgroup are
#    charged to it (slab and per-CPU counters);
#  - fault injection (fail-nth; failslab set to fail GFP_KERNEL too): an SA
#    add and a policy add with their N-th allocation failed, N = 1, 2, ...
#    until one runs whole: each fails cleanly (status 2, a message, nothing
#    added) until one succeeds; UDP from a itself through the tunnel with
#    the N-th allocation of each send failed: the tunnel carries traffic
#    afterwards. make check's kmemleak stage then finds nothing left over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
setup_ns a b || { fail topology "namespaces"; finish; }
veth_pair "$a" "$b" || { fail topology "veth"; finish; }

K=0x00112233445566778899aabbccddeeff01020304
sa() {	# sa SPI: an SA from a to b
	echo "state add src 10.0.1.1 dst 10.0.1.2 proto esp spi $1 reqid 1 mode tunnel replay-window 64 aead 'rfc4106(gcm(aes))' $K 128"
}
pol() {	# pol PORT: an out policy for UDP to PORT
	echo "policy add src 10.0.1.1/32 dst 10.0.1.2/32 proto udp dport $1 dir out tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 1 mode tunnel"
}
# run NS LINE: one nfipsec command line (quotes kept), status in rc.
run() {
	out=$(echo "$2" | nfipsec -n "$1" -b - 2>&1)
	rc=$?
}

# --- Limits -----------------------------------------------------------------
check_eq default-limits "sas 0 limit 16384|policies 0 limit 16384|larval 0 limit 16384 acq-expires 30" \
	"$(nfipsec -n "$a" limits | tr '\n' '|' | sed 's/|$//')"
check set-limits nfipsec -n "$a" limits set sas 2 policies 3
run "$a" "$(sa 0x101)"; check_eq sa-1 0 "$rc"
run "$a" "$(sa 0x102)"; check_eq sa-2 0 "$rc"
run "$a" "$(sa 0x103)"
check_eq sa-past-limit-status 2 "$rc"
check_match sa-past-limit-text "limit of 2 SAs is reached" "$out"
check_eq sa-past-limit-count $'\t SAD count 2' "$(nfipsec -n "$a" state count)"
for p in 1 2 3; do run "$a" "$(pol 100$p)"; check_eq "policy-$p" 0 "$rc"; done
run "$a" "$(pol 1004)"
check_eq policy-past-limit-status 2 "$rc"
check_match policy-past-limit-text "limit of 3 policies is reached" "$out"
check_eq policy-past-limit-count $'\t SPD IN  0 OUT 3 FWD 0' "$(nfipsec -n "$a" policy count)"
check lower-under-count nfipsec -n "$a" limits set sas 1
check_eq lowered "sas 2 limit 1" "$(nfipsec -n "$a" limits | head -n 1)"
check host-raises nfipsec -n "$a" limits set sas 16384 policies 16384
# A container: root of its own user namespace, in its own network namespace.
unpriv=/tmp/nfipsec-limits-unpriv
cp "$(command -v nfipsec)" "$unpriv" && chmod 755 "$unpriv"
out=$(unshare --user --map-root-user --net sh -c "
	$unpriv limits set sas 5 policies 7; echo rc=\$?
	$unpriv limits set sas 6; echo rc=\$?
	$unpriv limits set policies 4294967295; echo rc=\$?
	$unpriv limits
	unshare --net $unpriv limits | sed 's/^/child: /'" 2>&1)
check_match container-lowers "^rc=0" "$out"
check_match container-cannot-raise "raising a limit needs the host's CAP_NET_ADMIN" "$out"
check_eq container-refusals 2 "$(grep -c '^rc=2' <<< "$out")"
check_match container-limits-kept "^sas 0 limit 5" "$out"
# A namespace the container makes inherits its lowered limits.
check_match container-child-inherits "^child: sas 0 limit 5" "$out"
check_match container-child-inherits-policies "^child: policies 0 limit 7" "$out"
rm -f "$unpriv"

# --- Memory accounting ------------------------------------------------------
# 100 SAs and 100 policies added from a memory cgroup are charged to it.
cg=/sys/fs/cgroup
mountpoint -q "$cg" || mount -t cgroup2 none "$cg" 2>/dev/null
if [[ $(cat "$cg/cgroup.controllers" 2>/dev/null) == *memory* ]]; then
	echo +memory > "$cg/cgroup.subtree_control"
	mine=$cg/nfipsec-limits-$$
	mkdir "$mine"
	for ((i = 1; i <= 100; i++)); do
		sa "$(printf '0x%x' $((0x5000 + i)))"
		pol $((4000 + i))
	done > /tmp/limits-batch
	check charged-batch bash -c "echo \$\$ > $mine/cgroup.procs && exec nfipsec -n $a -b /tmp/limits-batch"
	slab=$(sed -n 's/^slab_unreclaimable //p' "$mine/memory.stat")
	pcpu=$(sed -n 's/^percpu //p' "$mine/memory.stat")
	# An SA is over 1 KiB with lockdep; 100 of them at least 100 KiB.
	if [ "${slab:-0}" -ge 102400 ] && [ "${pcpu:-0}" -gt 0 ]; then
		pass charged-to-cgroup
	else
		fail charged-to-cgroup "slab_unreclaimable ${slab:-?}, percpu ${pcpu:-?} bytes for 100 SAs and 100 policies"
	fi
	nfipsec -n "$a" state flush
	nfipsec -n "$a" policy flush
	rmdir "$mine" 2>/dev/null
else
	fail charged-to-cgroup "no memory cgroup in the lab kernel (CONFIG_MEMCG)"
fi

# --- Fault injection ----------------------------------------------------------
fs=/sys/kernel/debug/failslab
if [ -w "$fs/ignore-gfp-wait" ] && [ -w /proc/self/fail-nth ]; then
	echo N > "$fs/ignore-gfp-wait"
	echo 0 > "$fs/verbose"
	check_eq no-sas-yet $'\t SAD count 0' "$(nfipsec -n "$a" state flush; nfipsec -n "$a" policy flush; nfipsec -n "$a" state count)"

	# fault_loop NAME TEMPLATE: TEMPLATE with @N@ replaced by n (a new
	# object each time) run with its n-th allocation failed, n = 1, 2, ...
	# until the failure is not reached. Each run fails (status 2, with a
	# message) or succeeds (the failure was absorbed). OK_IDS: the n of the
	# runs that succeeded, LOST_IDS: those whose answer was lost (the
	# command may have been carried out); FAULTS: failures injected.
	fault_loop() {
		local name=$1 tmpl=$2 n
		OK_IDS=() LOST_IDS=() FAULTS=0
		for ((n = 1; n <= 300; n++)); do
			out=$(echo "${tmpl//@N@/$n}" | NFIPSEC_FAIL_NTH=$n nfipsec -n "$a" -b - 2>&1)
			rc=$?
			if [[ $out == *"fail-nth $n: not reached"* ]] && [ $rc = 0 ]; then
				OK_IDS+=("$n")
				pass "$name"
				return
			fi
			if [[ $out != *"fail-nth $n: injected"* ]] ||
			   { [ $rc != 0 ] && [ $rc != 2 ]; } ||
			   { [ $rc = 2 ] && [[ $out != *"nfipsec: "*": "* ]]; }; then
				fail "$name" "fail-nth $n: status $rc: ${out//$'\n'/|}"
				return
			fi
			FAULTS=$((FAULTS + 1))
			if [ $rc = 0 ]; then
				OK_IDS+=("$n")
			elif [[ $out == *"receiving the answer"* ]]; then
				LOST_IDS+=("$n")
			fi
		done
		fail "$name" "still failing at fail-nth 300"
	}
	# exact_ids NAME TEXT PREFIX: the ids in TEXT (words PREFIX<id>) are
	# all of OK_IDS, and others only from LOST_IDS: no refused add left
	# anything behind.
	exact_ids() {
		local name=$1 w id bad= missing= ok=" ${OK_IDS[*]} " lost=" ${LOST_IDS[*]} " seen=" "
		for w in $2; do
			[[ $w == "$3"* ]] || continue
			id=${w#"$3"}
			seen+="$id "
			[[ $ok == *" $id "* || $lost == *" $id "* ]] || bad+=" $id"
		done
		for id in "${OK_IDS[@]}"; do
			[[ $seen == *" $id "* ]] || missing+=" $id"
		done
		if [ -z "$bad$missing" ]; then
			pass "$name"
		else
			fail "$name" "left by refused adds:${bad:- none}; missing:${missing:- none}"
		fi
	}
	fault_loop sa-add-faults "$(sa 0x1@N@)"
	check_match sa-add-faults-some "^[1-9]" "$FAULTS"
	# state list shows SPIs as 0x%08x: 0x1@N@ is 0x0000001N...
	exact_ids sa-add-faults-exact "$(nfipsec -n "$a" state list | sed -n 's/.* spi 0x0*1\([0-9]*\) .*/spi=\1/p')" "spi="
	fault_loop policy-add-faults "$(pol 3@N@)"
	check_match policy-add-faults-some "^[1-9]" "$FAULTS"
	exact_ids policy-add-faults-exact "$(nfipsec -n "$a" policy list | sed -n 's/.*dport 3\([0-9]*\).*/port=\1/p')" "port="
	nfipsec -n "$a" state flush
	nfipsec -n "$a" policy flush
	printf '%s\n' "$(sa 0x201)" "$(pol 2001)" | nfipsec -n "$a" -b - || fail config-a "refused"

	# b's end of the tunnel; UDP from a with its n-th allocation failed.
	printf '%s\n' "$(sa 0x201)" "policy add src 10.0.1.1/32 dst 10.0.1.2/32 proto udp dport 2001 dir in tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 1 mode tunnel" |
		nfipsec -n "$b" -b - || fail config-b "refused"
	# n = 1..40: a send with its n-th allocation failed.
	out=$(ip netns exec "$a" python3 -c '
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.1.1", 0))
injected = 0
for n in range(1, 41):
    # Opened before arming: an open after it would take the failure.
    fd = os.open("/proc/thread-self/fail-nth", os.O_RDWR)
    os.write(fd, str(n).encode())
    try:
        s.sendto(b"x" * 200, ("10.0.1.2", 2001))
    except OSError:
        pass
    injected += int(os.read(fd, 16)) == 0
    os.write(fd, b"0")
    os.close(fd)
print("injected", injected)
' 2>&1)
	check_match udp-faults-injected "injected [1-9]" "$out"
	# Then the tunnel carries exactly the 5 datagrams sent without faults.
	nap 0.5
	before=$(sa_stat "$b" 10.0.1.2 0x201 packets)
	ip netns exec "$a" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(b"y" * 100, ("10.0.1.2", 2001))
'
	got() { [ "$(sa_stat "$b" 10.0.1.2 0x201 packets)" = "$((before + 5))" ]; }
	wait_until 5 got
	check_eq tunnel-after-faults "$((before + 5))" "$(sa_stat "$b" 10.0.1.2 0x201 packets)"
else
	fail fault-injection "no failslab or fail-nth in the lab kernel (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)"
fi
finish
