#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=150 timeout=900
# A charon on nfipsec that dies without cleaning up (kill -9) recovers by
# itself when it starts again (review s25 finding 2), as one on
# kernel-netlink does: the kernel-nfipsec plugin owns what it adds
# (NFIPSEC_OWNER_CHARON, uapi "Owners") and at start removes every SA of
# that owner in its namespace, and nothing else; it keeps that owner's
# policies, which drop what they protect (never let it out in clear) until
# the new CHILD_SA takes them over.
#
# Router A runs charon on nfipsec, B on XFRM (strongswan.sh's topology and
# configuration). A's administrator has a policy and an SA of their own in
# nfipsec (owner 0). A initiates, traffic passes; A's charon is killed
# (SIGKILL): its 2 SAs and 3 policies stay, with the keys. A's charon starts
# again: it says at level 0 that it removed 2 SAs and kept 3 policies; the
# SAs are gone before anything is negotiated (counted, the old SPIs looked
# up), the administrator's still there, and a ping from LAN A is dropped by
# the kept out policy (counted as out-no-states: with the policies removed
# it would leave in clear). A initiates again: the CHILD_SA comes up over
# the kept policies, pings pass through the new SAs (their counters), the
# old SPIs are nowhere. A second charon started in A's namespace next to
# the running one finds the namespace's lock held, fails closed and removes
# nothing of the first one's (its SAs, policies and pings unchanged, also
# after the second stops). Then the other way of recovering: killed again
# and started (while a local user, not root, holds the lock's name: charon
# goes on without it) with
# remove_stale = no, the dead charon's policies stay, and the new CHILD_SA
# takes them over (POLICY_SET; the log says so) instead of failing on
# -EEXIST; its old SAs are still there (4 of charon's). A clean stop then
# removes every SA and policy of charon's owner, the administrator's stay.
# The administrator replaces one of charon's policies by one of their own:
# neither the rekeying, nor the CHILD_SA's deletion, nor a new CHILD_SA's
# take-over touch it (charon's updates and deletes are conditional on the
# owner, in the kernel). A trap connection restarted while the dead
# charon's larval SA lives triggers at once (the start removes it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"
. "$(dirname "$0")/lib_strongswan.sh"

require_module

CHARON_OWNER=1667789422	# NFIPSEC_OWNER_CHARON, 0x6368726e

ss_setup strongswan-restart

tunnel_topology || { fail topology "setup failed"; finish; }

trap ss_cleanup EXIT

# NO_STALE, A2: router a's charon with the plugin's remove_stale = no, and
# a second charon's own IKE sockets (lib_strongswan.sh's SS_CHARON_*).
NO_STALE='plugins {
        kernel-nfipsec {
            remove_stale = no
        }
    }'
SS_CHARON_a2='port = 0
    port_nat_t = 0'

# pols NS [FILTER...]: how many policies
pols() {
	local out ns=$1
	shift
	out=$(nfipsec -n "$ns" policy list "$@") || { echo error; return; }
	count_in "$out" '^[[:space:]]dir (in|out|fwd) '
	echo "$REPLY"
}

# sa_there NS DST SPI: the SA exists in NS
sa_there() { nfipsec -n "$1" state get dst "$2" proto esp spi "0x$3" >/dev/null 2>&1; }

# up T: A initiates, the CHILD_SA is installed on both, pings pass both
# ways; REPLY (child_counts a) names the SAs.
up() {
	local t=$1 r
	for r in a b; do
		check "$t.$r-load-conf" sw "$r" --load-all --noprompt --file "$T/$r/swanctl.conf"
	done
	check "$t.initiate" sw a --initiate --child net --timeout 30
	check_match "$t.a-child-installed" "net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, ESP:AES_GCM_16-128" "$(sw a --list-sas 2>&1)"
	check "$t.ping-a-b" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 $H2
	check "$t.ping-b-a" ip netns exec "$h2" ping -c 3 -i 0.3 -W 3 $H1
	child_counts a
}

PSK=nfipsec-lab-$SRANDOM$SRANDOM
conf a nfipsec $A4 $B4 $LAN_A $LAN_B
conf b xfrm $B4 $A4 $LAN_B $LAN_A
# The administrator's own (owner 0), which no charon may touch: a policy
# and an SA that nothing uses.
check admin-policy nfipsec -n "$ra" policy add src 10.250.0.0/24 dst 10.251.0.0/24 \
	dir out action block
check admin-sa nfipsec -n "$ra" state add src $A4 dst 10.252.0.1 proto esp spi 0x0ad0 \
	reqid 77 mode tunnel aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128
if ! charon_start a "$ra" || ! charon_start b "$rb"; then
	fail charon-start "no vici socket after 60 s: $(cat "$T"/?/charon.out "$T"/?/charon.log 2>/dev/null | tail -20 | tr '\n' '|')"
	finish
fi
# A first start finds nothing of charon's.
check_match first.no-stale "kernel-nfipsec: no SA or policy of charon's owner" "$(< "$T/a/charon.log")"

# 1. Established, then A's charon dies.
up first
read -r old_si _ _ old_so _ _ <<< "$REPLY"
[ -n "$old_si" ] || fail first.spis "no CHILD_SA on A: $(sw a --list-sas 2>&1 | tr '\n' '|')"
nfipsec_sas "$ra" owner charon
check_eq first.charon-sas "2 0" "$REPLY"
check_eq first.charon-policies 3 "$(pols "$ra" owner charon)"
cp -f "$T/a/charon.log" "$T/a/charon-first.log"
charon_stop a kill
# What the dead charon left: its SAs (keys in the kernel) and policies.
nfipsec_sas "$ra" owner charon
check_eq killed.stale-sas "2 0" "$REPLY"
check_eq killed.stale-policies 3 "$(pols "$ra" owner charon)"

# 2. Restarted: the dead charon's SAs go at start, its policies stay and
# drop what they protect, the administrator's stay.
if ! charon_start a "$ra"; then
	fail restart.charon-start "no vici socket after 60 s: $(tail -20 "$T/a/charon.out" "$T/a/charon.log" 2>/dev/null | tr '\n' '|')"
	finish
fi
check_match restart.logged "kernel-nfipsec: removed 2 SA\(s\) of charon's owner \(0x6368726e\) from nfipsec at start and kept its 3 policy\(ies\), which drop what they protect until charon installs its own over them: an earlier charon left them" \
	"$(< "$T/a/charon.log")"
nfipsec_sas "$ra" owner charon
check_eq restart.stale-sas-gone "0 0" "$REPLY"
check_eq restart.stale-policies-kept 3 "$(pols "$ra" owner charon)"
# The kept out policy, without its SA, drops LAN A's traffic: 2 echo
# requests, not answered, each counted (removed, the policy would have let
# them out in clear: no policy, no drop).
nos0=$(nfipsec_stat "$ra" out-no-states)
if ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 $H2 >/dev/null 2>&1; then
	fail restart.stale-blocks "a ping from LAN A passed with no CHILD_SA"
else
	pass restart.stale-blocks
fi
check_eq restart.stale-drops-counted 2 "$(( $(nfipsec_stat "$ra" out-no-states) - nos0 ))"
if sa_there "$ra" $A4 "$old_si" || sa_there "$ra" $B4 "$old_so"; then
	fail restart.old-spis-gone "SA 0x$old_si or 0x$old_so still in nfipsec"
else
	pass restart.old-spis-gone
fi
nfipsec_sas "$ra" owner admin
check_eq restart.admin-sa-kept "1 0" "$REPLY"
check_eq restart.admin-policy-kept 1 "$(pols "$ra" owner admin)"
check_match restart.admin-policy-same "src 10.250.0.0/24 dst 10.251.0.0/24" \
	"$(nfipsec -n "$ra" policy list owner admin)"
up restart
read -r si _ _ so _ _ <<< "$REPLY"
check_match restart.new-spis "^[0-9a-f]{8} [0-9a-f]{8}$" "$si $so"
[ "$si" != "$old_si" ] && [ "$so" != "$old_so" ] && pass restart.spis-changed ||
	fail restart.spis-changed "SPIs $si $so, before $old_si $old_so"
# Through the new SAs: 3 echo requests out, 3 replies in (a->b), and 3
# requests in and replies out (b->a): 6 packets of 84 bytes each way.
check_eq restart.traffic-in "packets 6 bytes 504" \
	"$(sa_stats "$ra" $A4 "0x$si" packets bytes)"
check_eq restart.traffic-out "packets 6 bytes 504" \
	"$(sa_stats "$ra" $B4 "0x$so" packets bytes)"
nfipsec_sas "$ra" owner charon
check_eq restart.charon-sas "2 0" "$REPLY"
nfipsec_sas "$ra"
check_eq restart.all-sas "3 0" "$REPLY"
check_eq restart.all-policies 4 "$(pols "$ra")"
cp -f "$T/a/charon.log" "$T/a/charon-restart.log"

# 2b. A second charon in A's namespace (charon loads its plugins before it
# checks its pid file; charon-systemd has none): the namespace's lock is
# held, it fails closed and removes nothing of the first one's, not at
# start, not when it stops. The first one's CHILD_SA still carries LAN A.
conf a2 nfipsec $A4 $B4 $LAN_A $LAN_B
if charon_start a2 "$ra"; then
	check_match second.refused "another charon keys nfipsec in this network namespace" \
		"$(< "$T/a2/charon.log")"
	nfipsec_sas "$ra" owner charon
	check_eq second.first-sas-kept "2 0" "$REPLY"
	check_eq second.first-policies-kept 3 "$(pols "$ra" owner charon)"
	charon_stop a2
	nfipsec_sas "$ra" owner charon
	check_eq second.stopped-first-sas-kept "2 0" "$REPLY"
	check_eq second.stopped-first-policies-kept 3 "$(pols "$ra" owner charon)"
	check second.first-carries ip netns exec "$h1" ping -c 2 -i 0.3 -W 3 $H2
	check_eq second.first-counted "packets 8 bytes 672" \
		"$(sa_stats "$ra" $B4 "0x$so" packets bytes)"
	cp -f "$T/a2/charon.log" "$T/a/charon-second.log"
else
	fail second.charon-start "no vici socket after 60 s: $(tail -20 "$T/a2/charon.out" "$T/a2/charon.log" 2>/dev/null | tr '\n' '|')"
fi

# 3. Killed again, restarted with remove_stale = no: the new CHILD_SA takes
# the dead charon's policies over (they are charon's) rather than failing.
charon_stop a kill
SS_CHARON_a=$NO_STALE conf a nfipsec $A4 $B4 $LAN_A $LAN_B
# A local user (nobody) squats the name of the namespace's charon lock:
# abstract names have no permissions. The holder is not root, so not a
# charon: charon goes on without the lock (and says so) instead of failing
# closed for any local user's asking.
ip netns exec "$ra" setpriv --reuid=65534 --regid=65534 --clear-groups \
	python3 -c 'import socket, time
s = socket.socket(socket.AF_UNIX)
s.bind("\0nfipsec-owner-6368726e")
s.listen(1)
time.sleep(300)' > /dev/null 2>&1 < /dev/null &
squat=$!
bg_pids+=("$squat")
wait_until 20 ip netns exec "$ra" grep -q '@nfipsec-owner-6368726e' /proc/net/unix ||
	fail takeover.squatter "the name was not taken: $(ip netns exec "$ra" cat /proc/net/unix | tr '\n' '|')"
if ! charon_start a "$ra"; then
	fail takeover.charon-start "no vici socket after 60 s"
	finish
fi
check_match takeover.squatter-ignored "held by uid 65534 \(pid [0-9]+\), not root, so not a charon: going on without the lock" \
	"$(< "$T/a/charon.log")"
check_match takeover.not-removed "not removing charon's SAs and policies at start \(remove_stale = no\)" \
	"$(< "$T/a/charon.log")"
check_eq takeover.stale-policies 3 "$(pols "$ra" owner charon)"
up takeover
read -r si2 _ _ so2 _ _ <<< "$REPLY"
check_match takeover.logged "took over nfipsec policy $LAN_A === $LAN_B out, left by an earlier charon" \
	"$(< "$T/a/charon.log")"
check_eq takeover.policies 4 "$(pols "$ra")"
check_match takeover.out-policy-new-spi "proto esp spi 0x$so2 " \
	"$(nfipsec -n "$ra" policy list dir out owner charon)"
# the previous charon's 2 SAs are left (remove_stale = no), and the new 2
nfipsec_sas "$ra" owner charon
check_eq takeover.charon-sas "4 0" "$REPLY"
cp -f "$T/a/charon.log" "$T/a/charon-takeover.log"
kill "$squat" 2>/dev/null
wait "$squat" 2>/dev/null

# 4. Killed again and started as normally (remove_stale = yes): all 4 of
# charon's SAs go at start, its 3 policies stay. Then a clean stop removes
# what is charon's and charon did not delete itself: the 3 policies and an
# SA of charon's owner that charon never knew (added by hand); the
# administrator's stay.
charon_stop a kill
conf a nfipsec $A4 $B4 $LAN_A $LAN_B
charon_start a "$ra" || fail stop.charon-start "no vici socket after 60 s"
check_match stop.start-removed "removed 4 SA\(s\) of charon's owner \(0x6368726e\) from nfipsec at start and kept its 3 policy\(ies\)" \
	"$(< "$T/a/charon.log")"
check stop.add-charons-sa nfipsec -n "$ra" state add src $A4 dst 10.252.0.2 proto esp \
	spi 0x0ad1 reqid 78 mode tunnel owner charon \
	aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128
charon_stop a
check_match stop.logged "removed 1 SA\(s\) and 3 policy\(ies\) of charon's owner \(0x6368726e\) from nfipsec at stop" \
	"$(< "$T/a/charon.log")"
nfipsec_sas "$ra"
check_eq stop.only-admin-sas "1 0" "$REPLY"
check_eq stop.only-admin-policies "1 1" "$(pols "$ra") $(pols "$ra" owner admin)"
cp -f "$T/a/charon.log" "$T/a/charon-stop.log"

# 5. The administrator's policy in the place of one of charon's (review
# s26 finding 4): charon's updates and deletes carry IF_OWNER charon,
# which nfipsec checks with the change. (a) The administrator's out policy
# LAN A -> LAN B (action block, owner 0) is there before charon's CHILD_SA:
# its POLICY_NEW fails (-EEXIST) and the take-over (one POLICY_SET,
# IF_OWNER charon) is refused too, logged as not charon's: left alone.
# (b) While a CHILD_SA lives, the administrator deletes its out policy and
# adds their own (block) in its place: the rekeying's new out policy is
# refused (-EEXIST), the CHILD_SA's deletion removes charon's in and fwd
# policies and leaves the administrator's (-ENOENT), and so does a clean
# stop.
# admin_out: OWNER ACTION TMPL of A's out policy LAN A -> LAN B, or none.
admin_out() {
	nfipsec -j -n "$ra" policy get src $LAN_A dst $LAN_B dir out 2>/dev/null |
		python3 -c 'import json, sys
try:
    p = json.load(sys.stdin)
except ValueError:
    sys.exit(print("none"))
p = p[0] if isinstance(p, list) else p
print(p.get("owner", 0), p["action"], "tmpl" if "tmpl" in p else "-")'
}
logged() { grep -q -- "$1" "$T/a/charon.log"; }
charon_child_gone() {
	child_counts a
	[ -z "$REPLY" ] && [ "$(pols "$ra" owner charon)" = 0 ]
}
admin_block() {	# T: the administrator's block policy in place of charon's
	check "$1.admin-add" nfipsec -n "$ra" policy add src $LAN_A \
		dst $LAN_B dir out action block
	check_eq "$1.admin-in-place" "0 block -" "$(admin_out)"
}
conf a nfipsec $A4 $B4 $LAN_A $LAN_B
if charon_start a "$ra"; then
	# (a) the take-over
	admin_block takeover-admin
	for r in a b; do
		check "takeover-admin.$r-load-conf" sw "$r" --load-all --noprompt \
			--file "$T/$r/swanctl.conf"
	done
	sw a --initiate --child net --timeout 30 > /dev/null 2>&1
	check_match takeover-admin.refused "unable to add nfipsec policy $LAN_A === $LAN_B out: File exists: policy belongs to owner 0 \(the administrator\) \(a policy with this selector exists, not charon's: left alone\)" \
		"$(< "$T/a/charon.log")"
	check_eq takeover-admin.kept "0 block -" "$(admin_out)"
	if logged "took over nfipsec policy $LAN_A === $LAN_B out"; then
		fail takeover-admin.not-taken "charon says it took the administrator's policy over"
	else
		pass takeover-admin.not-taken
	fi
	sw a --terminate --ike s2s --timeout 30 > /dev/null 2>&1
	if wait_until 30 charon_child_gone; then
		pass takeover-admin.charon-gone
	else
		fail takeover-admin.charon-gone "charon's policies left: $(pols "$ra" owner charon)"
	fi
	check_eq takeover-admin.still-kept "0 block -" "$(admin_out)"
	check takeover-admin.cleanup nfipsec -n "$ra" policy delete \
		src $LAN_A dst $LAN_B dir out
	# (b) the rekeying and the deletion of a live CHILD_SA
	up replace
	check_eq replace.charons "$CHARON_OWNER allow tmpl" "$(admin_out)"
	check replace.admin-delete nfipsec -n "$ra" policy delete src $LAN_A \
		dst $LAN_B dir out
	admin_block replace
	check replace.rekey sw a --rekey --child net
	refused="unable to update nfipsec policy $LAN_A === $LAN_B out: File exists: policy belongs to owner 0 (the administrator) (a policy with this selector exists, not charon's: left alone)"
	if wait_until 30 logged "$refused"; then
		pass replace.rekey-refused
	else
		fail replace.rekey-refused "not logged: $refused"
	fi
	check_eq replace.rekey-admin-kept "0 block -" "$(admin_out)"
	# The administrator's block drops LAN A's traffic, whatever charon has.
	if ip netns exec "$h1" ping -c 2 -i 0.3 -W 1 $H2 >/dev/null 2>&1; then
		fail replace.admin-blocks "a ping from LAN A passed the administrator's block"
	else
		pass replace.admin-blocks
	fi
	check replace.terminate sw a --terminate --ike s2s --timeout 30
	if wait_until 30 charon_child_gone; then
		pass replace.charon-policies-gone
	else
		fail replace.charon-policies-gone "CHILD_SA or charon's policies left: $(pols "$ra" owner charon) policies"
	fi
	check_eq replace.terminate-admin-kept "0 block -" "$(admin_out)"
	# every out policy is the administrator's (theirs since the start, and
	# this one)
	check_eq replace.terminate-policies "2 2" \
		"$(pols "$ra" dir out) $(pols "$ra" owner admin dir out)"
	cp -f "$T/a/charon.log" "$T/a/charon-replace.log"
	charon_stop a
	check_eq replace.stop-admin-kept "0 block -" "$(admin_out)"
	check replace.admin-cleanup nfipsec -n "$ra" policy delete src $LAN_A \
		dst $LAN_B dir out
else
	fail replace.charon-start "no vici socket after 60 s"
fi

# 6. A trap connection, restarted while a larval SA of the dead charon
# lives (review s26 finding 3): A's trap policy's ACQUIRE makes a larval
# SA of charon's owner (the policy's), whose negotiation never ends (B is
# down); A is killed. The new charon's start removes it with charon's SAs
# (a flush by owner takes larval SAs), so the same trap (same reqid) gets
# its ACQUIRE at once rather than after the larval SA's 165 s.
# acq_larval: a larval SA of charon's without an SPI (an ACQUIRE's).
acq_larval() {
	nfipsec -n "$ra" state list owner charon | grep -q 'spi 0x00000000 reqid [1-9]'
}
charon_stop b
START_ACTION=trap conf a nfipsec $A4 $B4 $LAN_A $LAN_B
if charon_start a "$ra"; then
	check trap.load sw a --load-all --noprompt --file "$T/a/swanctl.conf"
	if wait_until 20 sh -c 'ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; nfipsec -n "$3" state list owner charon | grep -q "spi 0x00000000 reqid [1-9]"' \
		sh "$h1" $H2 "$ra"; then
		pass trap.first-acquire
	else
		fail trap.first-acquire "no larval SA of an ACQUIRE: $(nfipsec -n "$ra" state list | tr '\n' '|')"
	fi
	check_match trap.first-acquire-logged "received an nfipsec ACQUIRE for reqid \{[0-9]+\}" \
		"$(< "$T/a/charon.log")"
	cp -f "$T/a/charon.log" "$T/a/charon-trap-first.log"
	charon_stop a kill
	if acq_larval; then pass trap.larval-left; else fail trap.larval-left "gone after the kill"; fi
	charon_start b "$rb" || fail trap.b-start "no vici socket"
	check trap.b-load sw b --load-all --noprompt --file "$T/b/swanctl.conf"
	if charon_start a "$ra"; then
		check_match trap.larval-removed-logged "removed [0-9]+ larval SA\(s\) of charon's owner \(0x6368726e\) from nfipsec at start" \
			"$(< "$T/a/charon.log")"
		if acq_larval; then fail trap.larval-removed "still there"; else pass trap.larval-removed; fi
		nfipsec_sas "$ra" owner charon
		check_eq trap.no-charon-sas "0 0" "$REPLY"
		check trap.reload sw a --load-all --noprompt --file "$T/a/swanctl.conf"
		# The trap triggers at once: within 20 s LAN A reaches LAN B
		# through a new CHILD_SA (with the old larval SA: after 165 s).
		if wait_until 20 ip netns exec "$h1" ping -c 1 -W 1 $H2; then
			pass trap.prompt
		else
			fail trap.prompt "no CHILD_SA from the trap within 20 s: $(sw a --list-sas 2>&1 | tr '\n' '|')"
		fi
		check_match trap.child-installed "net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL" \
			"$(sw a --list-sas 2>&1)"
		cp -f "$T/a/charon.log" "$T/a/charon-trap.log"
		charon_stop a
	else
		fail trap.charon-restart "no vici socket after 60 s"
	fi
else
	fail trap.charon-start "no vici socket after 60 s"
fi
charon_stop b
finish
