#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=20
# Owners of SAs and policies (uapi "Owners"; review s25 finding 2): who
# added an entry, 0 (the administrator) unless given. The CLI sets it on
# add and update (owner admin|charon|N), shows an owner other than the
# administrator as an nfipsec line of its own (text) or "owner" (JSON),
# filters list and deleteall by it, and flushes by it: a flush of charon's
# leaves the administrator's entries and another owner's. An update keeps
# the owner unless given. Bad owners are refused, by the CLI (usage,
# nothing sent) and by the kernel (wrong lengths, attributes a flush does
# not take, OWNER where it selects nothing: SA_DEL, SA_GET, POLICY_DEL,
# POLICY_GET, POLICY_MOVE, and IF_OWNER anywhere but POLICY_SET and
# POLICY_DEL: -EINVAL with an extack message), and a refused request
# changes nothing. IF_OWNER makes POLICY_SET and POLICY_DEL conditional: a
# policy of another owner stays as it is (-EEXIST, -ENOENT, "policy belongs
# to owner N"), one of that owner changes, one that is not there is added
# by a SET. Larval SAs have owners: SA_ALLOC_SPI's OWNER (0 without), an
# ACQUIRE's policy's owner; a flush by owner removes that owner's, a list
# by owner shows them. GET_INFO says the module has these features.
. "$(dirname "$0")/lib.sh"

require_module
setup_ns t || exit 1
tn() { nfipsec -n "$t" "$@"; }
KG=0x00112233445566778899aabbccddeeff01020304
CHARON=1667789422	# NFIPSEC_OWNER_CHARON, 0x6368726e
sa_line() {	# SPI [WORDS...]: an SA 10.0.1.1 -> 10.0.1.2
	local spi=$1
	shift
	echo "state add src 10.0.1.1 dst 10.0.1.2 proto esp spi $spi reqid 1 mode tunnel replay-window 32 aead rfc4106(gcm(aes)) $KG 128 $*"
}
pol_line() {	# N DIR [WORDS...]: a policy 192.168.N.0/24 -> 192.168.200.0/24
	local n=$1 dir=$2
	shift 2
	echo "policy add src 192.168.$n.0/24 dst 192.168.200.0/24 dir $dir tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 1 mode tunnel $*"
}
# The administrator's (no owner), charon's, and owner 7's.
check add-sa-admin tn $(sa_line 0x1001)
check add-sa-charon tn $(sa_line 0x1002 owner charon)
check add-sa-charon-num tn $(sa_line 0x1003 owner $CHARON)
check add-sa-other tn $(sa_line 0x1004 owner 7)
check add-pol-admin tn $(pol_line 1 out)
check add-pol-charon-out tn $(pol_line 2 out owner charon)
check add-pol-charon-fwd tn $(pol_line 2 fwd owner charon)
check add-pol-other tn $(pol_line 3 in owner 0x7)
# A larval SA (allocspi, the CLI gives no owner): the administrator's. It
# lives an hour, not 30 s: the checks below see it to the end on a slow
# guest.
check acq-expires tn limits set acq-expires 3600
check allocspi tn state allocspi src 10.0.1.1 dst 10.0.1.2 proto esp reqid 9

# Shown: an nfipsec line of its own, the administrator's without one.
# rec TEXT N: the N-th object of a listing (from its "src" line on).
rec() { awk -v n="$2" '/^src /{ i++ } i == n' <<< "$1"; }
out=$(tn state list)
check_eq list-sa-owner-lines "owner charon|owner charon|owner 0x7|" \
	"$(echo "$out" | grep -P '^\towner ' | tr -d '\t' | tr '\n' '|')"
# the last of the SA's lines, after ip xfrm's; none for the administrator's
check_eq list-sa-owner-last $'\towner charon' "$(rec "$out" 2 | tail -1)"
check_match list-sa-owner-is-0x1002 'spi 0x00001002 ' "$(rec "$out" 2)"
check_eq list-sa-admin-none 0 "$(rec "$out" 1 | grep -c owner)"
out=$(tn policy list)
check_eq list-pol-owner-after-position $'\tposition 1\n\towner charon' \
	"$(rec "$out" 2 | tail -2)"
check_eq list-pol-admin-none $'\tposition 0' "$(rec "$out" 1 | tail -1)"
check_eq list-pol-owner-count 3 "$(echo "$out" | grep -cP '^\towner ')"
owners_json() {	# state|policy: the owners of the JSON list, in order
	tn -j "$1" list | python3 -c 'import json, sys
print(" ".join(str(o.get("owner", "-")) for o in json.load(sys.stdin)))'
}
check_eq json-sa-owners "- $CHARON $CHARON 7 -" "$(owners_json state)"
check_eq json-pol-owners "- $CHARON $CHARON 7" "$(owners_json policy)"

# Filters. spis [FILTER...]: the SPI of each SA listed, "L" for a larval SA.
spis() {
	tn state list "$@" | awk '
		function out() { if (spi != "") printf "%s ", larval ? "L" : spi }
		/^src / { out(); spi = ""; larval = 0 }
		match($0, /spi 0x[0-9a-f]+/) && spi == "" { spi = substr($0, RSTART + 4, RLENGTH - 4) }
		/^\tlarval/ { larval = 1 }
		END { out() }'
}
check_eq filter-sa-charon "0x00001002 0x00001003 " "$(spis owner charon)"
# owner admin: the administrator's SA and larval SA (allocspi's).
check_eq filter-sa-admin "0x00001001 L " "$(spis owner admin)"
check_eq filter-pol-charon 2 "$(tn policy list owner charon | grep -c '^src ')"
check_eq filter-pol-charon-out 1 "$(tn policy list owner charon dir out | grep -c '^src ')"

# Updates keep the owner unless given.
check update-sa-keeps tn $(sa_line 0x1002 | sed 's/^state add/state update/')
check_match update-sa-kept $'\towner charon' "$(tn state get dst 10.0.1.2 proto esp spi 0x1002)"
check update-pol-keeps tn $(pol_line 2 out priority 0 | sed 's/^policy add/policy update/')
check_match update-pol-kept $'\towner charon' "$(tn policy get src 192.168.2.0/24 dst 192.168.200.0/24 dir out)"
check update-pol-reowned tn $(pol_line 2 fwd owner 7 | sed 's/^policy add/policy update/')
check_eq update-pol-owner-given "- $CHARON 7 7" "$(owners_json policy)"

# Bad owners: refused by the CLI (nothing sent), then by the kernel
# (owner_check.py's raw requests): -EINVAL, the extack text, no change.
before=$(tn -j -k state list; tn -j policy list)
check_fail refused-cli-word 1 '"abc" is not admin, charon or a 32-bit number' \
	tn $(pol_line 9 out owner abc)
check_fail refused-cli-range 1 '"4294967296" is not admin, charon or a 32-bit number' \
	tn $(sa_line 0x1009 owner 4294967296)
check_fail refused-cli-flush 1 '"-1" is not admin, charon or a 32-bit number' \
	tn state flush owner -1
# (the kernel takes an owner on allocspi; the CLI's larval SAs are the
# administrator's)
check_fail refused-cli-allocspi 1 'state allocspi: unexpected "owner"' \
	tn state allocspi src 10.0.1.1 dst 10.0.1.2 proto esp owner charon
raw_run() {	# SECTION N: owner_check.py's section, which must print N results
	raw=$(ip netns exec "$t" python3 "$(dirname "$0")/owner_check.py" \
		"$(dirname "$0")/../uapi/nfipsec.h" "$1" 2>&1)
	check_eq "raw-ran-$1" "0 $2" "$? $(grep -c ' errno=' <<< "$raw")" ||
		echo "$raw" | tail -5
}
raw_run refused 19
raw_case() {	# NAME MESSAGE-REGEX: errno 22, counts unchanged (4 SAs, 4 policies)
	local line
	line=$(grep "^$1 " <<< "$raw")
	check_match "refused-$1" "^$1 errno=22 sas=4 policies=4 message=.*$2" "$line"
}
raw_case sa-new-owner-u64 'invalid attribute length'
raw_case sa-new-owner-u8 'invalid attribute length'
raw_case pol-new-owner-u64 'invalid attribute length'
raw_case pol-set-owner-u16 'invalid attribute length'
raw_case sa-flush-owner-u64 'invalid attribute length'
raw_case sa-flush-spi 'a flush takes proto and owner only'
raw_case pol-flush-owner-u8 'invalid attribute length'
raw_case pol-flush-priority 'a flush takes dir and owner only'
raw_case pol-dump-owner-u64 'invalid attribute length'
raw_case sa-del-owner 'owner selects only in flush and dump'
raw_case sa-get-owner 'owner selects only in flush and dump'
raw_case pol-del-owner 'owner selects only in flush and dump'
raw_case pol-get-owner 'owner selects only in flush and dump'
raw_case pol-move-owner 'owner selects only in flush and dump'
raw_case pol-new-if-owner 'if-owner makes only an update or a delete conditional'
raw_case pol-get-if-owner 'if-owner makes only an update or a delete conditional'
raw_case pol-move-if-owner 'if-owner makes only an update or a delete conditional'
raw_case pol-flush-if-owner 'a flush takes dir and owner only'
raw_case pol-set-if-owner-u64 'invalid attribute length'
check_eq refused-left-tables-unchanged "$before" "$(tn -j -k state list; tn -j policy list)"

# IF_OWNER (raw requests): another owner's policy stays as it was, refused
# with whose it is; charon's changes (its owner kept); one that is not
# there is added by a SET. if_case NAME ERRNO POLICIES STATE [MESSAGE]:
# STATE is the named policy's OWNER/ACTION/TMPL after, or none.
before=$(tn -j policy list)
raw_run if-owner 7
if_case() {
	check_match "if-owner-$1" "^$1 errno=$2 policies=$3 policy=$4 message=${5:-}" \
		"$(grep "^$1 " <<< "$raw")"
}
if_case set-other 17 4 0/allow/tmpl 'policy belongs to owner 0 \(the administrator\)$'
if_case del-other 2 4 0/allow/tmpl 'policy belongs to owner 0 \(the administrator\)$'
if_case del-other-index 2 4 0/allow/tmpl 'policy belongs to owner 0 \(the administrator\)$'
if_case set-match 0 4 $CHARON/block/- '$'
if_case set-absent 0 5 $CHARON/block/- '$'
if_case del-match 0 4 none '$'
if_case del-absent 2 4 none 'no policy with this dir and selector$'
# Nothing else changed: the listing as before, but charon's out policy.
check_eq if-owner-others-unchanged \
	"$(python3 -c 'import json, sys
print([p for p in json.loads(sys.argv[1]) if not (p.get("owner") and p["dir"] == "out")])' "$before")" \
	"$(python3 -c 'import json, sys
print([p for p in json.loads(sys.argv[1]) if not (p.get("owner") and p["dir"] == "out")])' "$(tn -j policy list)")"

# Larval SAs have owners: SA_ALLOC_SPI's OWNER (raw), an ACQUIRE's
# policy's.
raw_run larval 2
check_match larval-allocspi-7 '^allocspi-owner-7 errno=0 owner=7 larval=yes message=$' "$raw"
check_match larval-allocspi-charon "^allocspi-owner-charon errno=0 owner=$CHARON larval=yes message=\$" "$raw"
check_eq larval-listed-7 "0x00001004 L " "$(spis owner 0x7)"
check_eq larval-listed-charon "0x00001002 0x00001003 L " "$(spis owner charon)"
check_eq larval-shown-owner $'\tlarval\n\towner charon' \
	"$(rec "$(tn state list owner charon)" 3 | grep -P '^\t(larval|owner)' | sort)"
# An ACQUIRE of a policy of owner 9 (a UDP datagram out through it, with
# a listener on the events group): its larval SA is owner 9's.
ip -n "$t" link add d0 type dummy
ip -n "$t" link set d0 up
ip -n "$t" addr add 10.0.1.1/24 dev d0
ip -n "$t" route add 10.0.9.0/24 dev d0
check acq-policy tn policy add src 10.0.1.1 dst 10.0.9.0/24 dir out \
	tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 11 mode tunnel owner 9
mon=/tmp/owner-mon.$$.txt
tn monitor > "$mon" 2>&1 < /dev/null &
bg_pids+=($!)
acquired() {
	ip netns exec "$t" python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"x", ("10.0.9.9", 9))
except OSError:
    pass'
	grep -q '^acquire' "$mon"
}
wait_until 20 acquired || fail acq-sent "no ACQUIRE: $(head -c 300 "$mon")"
check_eq acq-larval-owner-9 "L " "$(spis owner 0x9)"
check_match acq-larval-reqid 'reqid 11 mode tunnel' "$(tn state list owner 0x9)"
check acq-policy-gone tn policy delete src 10.0.1.1 dst 10.0.9.0/24 dir out
# GET_INFO's features: every one the header names, and the CLI says so.
raw=$(ip netns exec "$t" python3 "$(dirname "$0")/owner_check.py" \
	"$(dirname "$0")/../uapi/nfipsec.h" features 2>&1)
check_eq features-all "features=0x7" "$(grep '^features=' <<< "$raw")"
check_eq features-header "features-all=0x7" "$(grep '^features-all=' <<< "$raw")"
check_eq features-cli "features owners if-owner larval-owner" "$(tn version | sed -n 2p)"

# Flushes by owner: charon's go, SAs and larval SAs, the administrator's
# and owner 7's and 9's stay.
check flush-sa-charon tn state flush owner charon
check_eq flush-sa-charon-left "- 7 - 7 9" "$(owners_json state)"
check_eq flush-sa-charon-larval 3 "$(tn state list | grep -cP '^\tlarval')"
check flush-pol-charon tn policy flush owner charon
check_eq flush-pol-charon-left "- 7 7" "$(owners_json policy)"
check flush-pol-dir-owner tn policy flush dir in owner 7
check_eq flush-pol-dir-owner-left "- 7" "$(owners_json policy)"
# deleteall by owner (a dump, then a delete each).
check deleteall-pol-owner tn policy deleteall owner 7
check_eq deleteall-pol-owner-left "-" "$(owners_json policy)"
check flush-sa-admin tn state flush owner admin
check_eq flush-sa-admin-left "7 7 9" "$(owners_json state)"
check_eq version-counts "SAs 1, policies 1, larval SAs 2" "$(tn version | tail -1)"
# The ACQUIRE's larval SA goes with its owner's flush.
check flush-sa-acq-owner tn state flush owner 0x9
check_eq flush-sa-acq-owner-left "7 7" "$(owners_json state)"
finish
