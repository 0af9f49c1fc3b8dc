#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=70 timeout=600
# charon's events socket under load (issue 10, review s25 item 4): router
# A's charon on nfipsec (the kernel-nfipsec plugin) with an events socket
# of a few kilobytes (receive_buffer_size 4096: a few events), B's
# on XFRM, one CHILD_SA (IKEv2 PSK, aes128gcm16) whose inbound SA on A
# reaches its soft limit 25 s after it is added (rekey_time; charon gives
# the outbound SA none when rand_time is 0, and B's rekey_time is an hour,
# so that only that EXPIRE can start a rekey).
#
# churn: while charon is stopped (SIGSTOP: it reads nothing), an
# administrator's script adds and deletes 300 SAs of its own. The plugin
# listens to nfipsec's keymgr group, which carries ACQUIRE, EXPIRE and
# MAPPING alone: the 600 table changes never reach charon's socket, which
# does not overflow (on the events group it would, and the key manager's
# events would be lost among them).
# lost: charon is stopped (SIGSTOP); 40 SAs of the administrator's reach
# their soft limit a second later, whose EXPIREs fill charon's socket and
# overflow it; then charon's inbound SA reaches its own, and its soft
# EXPIRE is lost. charon resumes: the plugin sees the overflow, reads the
# SAs again, finds charon's SA dying and reports it to charon as a soft
# EXPIRE; charon rekeys the CHILD_SA (new SPIs), and traffic goes through
# the new SAs. Without the resynchronisation the CHILD_SA would never
# rekey and would die at its hard limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"
. "$(dirname "$0")/lib_strongswan.sh"

require_module

ss_setup strongswan_events

tunnel_topology || { fail topology "setup failed"; finish; }

trap ss_cleanup EXIT

KEY="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
LOST='nfipsec events were lost'

# admin_sas FILE FROM COUNT [LIMITS]: state add lines of the
# administrator's SAs (to 10.99.0.1, SPIs from FROM).
admin_sas() {
	local i
	for ((i = 0; i < $3; i++)); do
		echo "state add src 10.99.0.2 dst 10.99.0.1 proto esp spi $(($2 + i)) mode tunnel $KEY ${4:-}"
	done > "$1"
}

# dying NS DST SPI: nfipsec lists the SA as past its soft limit.
dying() {
	text_has "$(nfipsec -n "$1" -s state get dst "$2" proto esp spi "$3")" $'\tdying'
}

t=events
PSK=nfipsec-lab-$SRANDOM$SRANDOM
SS_CHARON_a='plugins {
        kernel-nfipsec {
            receive_buffer_size = 4096
        }
    }' conf a nfipsec $A4 $B4 $LAN_A $LAN_B
conf b xfrm $B4 $A4 $LAN_B $LAN_A
sed -i 's/^\( *\)esp_proposals = aes128gcm16$/&\n\1rekey_time = 25s\n\1life_time = 300s\n\1rand_time = 0/' \
	"$T/a/swanctl.conf"
if ! charon_start a "$ra" || ! charon_start b "$rb"; then
	fail "$t.charon-start" "no vici socket after 60 s: $(cat "$T"/?/charon.out "$T"/?/charon.log 2>/dev/null | tail -20 | tr '\n' '|')"
	finish
fi
check_match "$t.a-keymgr-rcvbuf" "nfipsec events socket: receive buffer of 8192 bytes" "$(< "$T/a/charon.log")"
check_match "$t.a-keymgr-group" "nfipsec events socket: in the keymgr group" "$(< "$T/a/charon.log")"
check "$t.a-load-conf" sw a --load-all --noprompt --file "$T/a/swanctl.conf"
check "$t.b-load-conf" sw b --load-all --noprompt --file "$T/b/swanctl.conf"

# churn: 600 table changes of the administrator's while charon sleeps.
admin_sas "$T/add" 4096 300
sed 's/^state add \(.* spi [0-9]*\) mode .*/state delete \1/' "$T/add" > "$T/del"
kill -STOP "${charon_pid[a]}"
check "$t.churn" nfipsec -n "$ra" -b "$T/add"
check "$t.churn-deleted" nfipsec -n "$ra" -b "$T/del"
kill -CONT "${charon_pid[a]}"
# charon answers (its threads run again), and has read its socket by then.
check "$t.churn-resumed" sw a --list-conns
nap 1
if text_has "$(< "$T/a/charon.log")" "$LOST"; then
	fail "$t.churn-no-loss" "table changes overflowed charon's socket: $(grep -m1 "$LOST" "$T/a/charon.log")"
else
	pass "$t.churn-no-loss"
fi

check "$t.initiate" sw a --initiate --child net --timeout 30
if ! child_counts a; then
	fail "$t.child" "no CHILD_SA on A: $(sw a --list-sas 2>&1 | tr '\n' '|')"
	finish
fi
old=$REPLY
read -r si _ _ so _ _ <<< "$old"

# lost: a full socket while charon's SAs reach their soft limit.
kill -STOP "${charon_pid[a]}"
admin_sas "$T/soft" 8192 40 "limit time-soft 1 limit time-hard 600"
check "$t.admin-soft-sas" nfipsec -n "$ra" -b "$T/soft"
if wait_until 40 dying "$ra" $A4 "0x$si"; then
	pass "$t.a-sa-dying"
else
	fail "$t.a-sa-dying" "charon's inbound SA $si not past its soft limit after 40 s"
fi
kill -CONT "${charon_pid[a]}"
if wait_until 20 rekeyed "$old"; then
	pass "$t.rekeyed"
else
	fail "$t.rekeyed" "A lists $CHILDREN CHILD_SA(s), SPIs $REPLY (before: $old): the lost soft EXPIREs were not recovered"
fi
check_match "$t.loss-seen" "$LOST" "$(< "$T/a/charon.log")"
check_match "$t.resync" "read nfipsec's SAs again after lost events: 1 soft and 0 hard EXPIRE\\(s\\) reported to charon" \
	"$(< "$T/a/charon.log")"
check "$t.ping" ip netns exec "$h1" ping -c 3 -i 0.3 -W 3 $H2
if child_counts a; then
	read -r nsi _ pi nso _ po <<< "$REPLY"
	check_eq "$t.new-sas-carry" "in 3 out 3" "in $pi out $po"
fi
check "$t.terminate" sw a --terminate --ike s2s --timeout 30
check "$t.admin-flush" nfipsec -n "$ra" state flush owner admin
nfipsec_sas "$ra"
check_eq "$t.a-nfipsec-cleared" "0 0 0" "$REPLY $(count_lines "$POL_RE" nfipsec -n "$ra" policy list)"
charon_stop a
charon_stop b
cp -f "$T/a/charon.log" "$T/a/charon-$t.log"
finish
