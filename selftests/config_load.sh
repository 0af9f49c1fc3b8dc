#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=150
# Loading a large configuration (issue 9): 10,000 policies from one batch
# file (`nfipsec -b FILE`), in the three dirs and 50 priorities given in a
# scrambled order, are all there and right: the counts, ip xfrm's order
# (by priority, equal priorities as given) and positions 0..9999 in the
# list, a few got by selector and by index, an add of an existing one
# refused, deletes by selector and by index, a dump of one dir, a flush.
# Batch files: their adds go to the kernel in bulk requests, with the same
# outcome as one request a line; malformed bulk requests (genl_bulk.py).
# The load time is printed, not checked: speed is measured by `make bench`
# (bench.sh), not by timed tests (the debug guest's times vary).
. "$(dirname "$0")/lib.sh"

N=${NFIPSEC_LOAD_N:-10000}
require_module
setup_ns a || { fail topology "namespace"; finish; }

dirs=(in out fwd)
# line I: policy number I (src 10.x.y.z, by I) of dir I % 3, priority
# (I * 7919) % 50; the tunnel's template.
gen() {
	awk -v n="$N" 'BEGIN {
		split("in out fwd", d, " ")
		for (i = 0; i < n; i++)
			printf "policy add src 10.%d.%d.%d/32 dst 172.16.0.0/16 dir %s priority %d tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel\n",
				int(i / 65536), int(i / 256) % 256, i % 256, d[i % 3 + 1], (i * 7919) % 50
	}'
}
src_of() { echo "10.$(($1 / 65536)).$(($1 / 256 % 256)).$(($1 % 256))"; }
batch=/tmp/config-load-$$.batch
gen > "$batch"

t0=${EPOCHREALTIME/./}
check load-batch nfipsec -n "$a" -b "$batch"
t1=${EPOCHREALTIME/./}
echo "config_load: $N policies loaded in $(( (t1 - t0) / 1000 )) ms (debug guest: not a check)"
nfipsec -n "$a" policy list > /tmp/config-load-$$.list

n_in=$(( (N + 2) / 3 )) n_out=$(( (N + 1) / 3 )) n_fwd=$(( N / 3 ))
check_eq count $'\t'" SPD IN  $n_in OUT $n_out FWD $n_fwd" "$(nfipsec -n "$a" policy count)"

# The whole list: positions 0..N-1 in order, priorities not decreasing,
# equal priorities in the order given (the src's number), each once.
t0=${EPOCHREALTIME/./}
nfipsec -n "$a" -j policy list > /tmp/config-load-$$.json
t1=${EPOCHREALTIME/./}
echo "config_load: list of $N policies in $(( (t1 - t0) / 1000 )) ms"
out=$(python3 - "$N" /tmp/config-load-$$.json <<'EOF'
import json, sys
n = int(sys.argv[1])
pols = json.load(open(sys.argv[2]))
num = lambda p: (lambda a: (int(a[1]) << 16) + (int(a[2]) << 8) + int(a[3]))(p["src"].split("/")[0].split("."))
bad = []
if len(pols) != n:
    bad.append("%d listed" % len(pols))
seen = set()
for i, p in enumerate(pols):
    k = num(p)
    if p["position"] != i:
        bad.append("position %s at %d" % (p["position"], i))
    if p["priority"] != (k * 7919) % 50:
        bad.append("%s priority %d" % (p["src"], p["priority"]))
    if p["dir"] != ["in", "out", "fwd"][k % 3]:
        bad.append("%s dir %s" % (p["src"], p["dir"]))
    if p["index"] & 7 != [0, 1, 2][k % 3]:
        bad.append("%s index %d" % (p["src"], p["index"]))
    if k in seen:
        bad.append("%s twice" % p["src"])
    seen.add(k)
    if i:
        q = pols[i - 1]
        if (q["priority"], num(q)) >= (p["priority"], k):
            bad.append("order at %d: %s/%d after %s/%d" % (i, p["src"], p["priority"], q["src"], q["priority"]))
print("ok" if not bad else "; ".join(bad[:5]))
EOF
)
check_eq list-order ok "$out"

# A few by selector and by index: the same policy both ways.
# pg ARGS: policy get with -s (the index), one line (-o), breaks as spaces:
# ip xfrm's lines, then nfipsec's "position N".
pg() { nfipsec -n "$a" -s -o policy get "$@" | tr '\\\t' '  ' | tr -s ' '; }
for i in 0 1 4999 7777 $((N - 1)); do
	s=$(src_of "$i") d=${dirs[i % 3]}
	got=$(pg src "$s/32" dst 172.16.0.0/16 dir "$d")
	check_match "get-sel-$i" "^src $s/32 dst 172.16.0.0/16 uid 0 dir $d action allow index [0-9]+ priority $(( (i * 7919) % 50 )) " "$got"
	idx=$(sed -n 's/.* index \([0-9]*\) .*/\1/p' <<< "$got" | head -n 1)
	pos=$(sed -n 's/.* position \([0-9]*\) $/\1/p' <<< "$got" | head -n 1)
	check_match "get-index-$i" "^src $s/32 dst 172.16.0.0/16 uid 0 dir $d .* index $idx .* position $pos $" \
		"$(pg index "${idx:-0}" dir "$d")"
	check_match "get-position-$i" "^src $s/32 .* position $pos $" \
		"$(pg position "${pos:-0}")"
done
check_fail add-existing 2 "exists" nfipsec -n "$a" policy add src "$(src_of 4999)/32" dst 172.16.0.0/16 dir "${dirs[4999 % 3]}"

# Deletes by selector and by index; what is gone cannot be got.
s=$(src_of 7777) d=${dirs[7777 % 3]}
check delete-sel nfipsec -n "$a" policy delete src "$s/32" dst 172.16.0.0/16 dir "$d"
check_fail deleted-sel-gone 2 "no policy" nfipsec -n "$a" policy get src "$s/32" dst 172.16.0.0/16 dir "$d"
got=$(pg src "$(src_of 1)/32" dst 172.16.0.0/16 dir out)
idx=$(sed -n 's/.* index \([0-9]*\) .*/\1/p' <<< "$got" | head -n 1)
check delete-index nfipsec -n "$a" policy delete index "${idx:-0}" dir out
check_fail deleted-index-gone 2 "no policy" nfipsec -n "$a" policy get index "${idx:-0}" dir out
check_fail deleted-index-sel-gone 2 "no policy" nfipsec -n "$a" policy get src "$(src_of 1)/32" dst 172.16.0.0/16 dir out
# Added again: found by its selector, at the end of its priority's run.
check re-add nfipsec -n "$a" policy add src "$(src_of 1)/32" dst 172.16.0.0/16 dir out priority 49
check_match re-add-last "^src $(src_of 1)/32 .* position $((N - 2)) $" \
	"$(pg src "$(src_of 1)/32" dst 172.16.0.0/16 dir out)"
check_eq count-after-deletes $'\t'" SPD IN  $((n_in - (7777 % 3 == 0))) OUT $((n_out - (7777 % 3 == 1))) FWD $((n_fwd - (7777 % 3 == 2)))" \
	"$(nfipsec -n "$a" policy count)"
check_eq list-dir-fwd "$((n_fwd - (7777 % 3 == 2)))" "$(nfipsec -n "$a" policy list dir fwd | grep -c $'^\tposition ')"

check flush nfipsec -n "$a" policy flush
check_eq count-after-flush $'\t SPD IN  0 OUT 0 FWD 0' "$(nfipsec -n "$a" policy count)"
check_eq list-after-flush "" "$(nfipsec -n "$a" policy list)"
# The same file loads again into the emptied SPD, from a pipe: one
# request per line (a regular file's adds go to the kernel together).
check reload-pipe sh -c "cat '$batch' | nfipsec -n '$a' -b -"
check_eq count-reload $'\t'" SPD IN  $n_in OUT $n_out FWD $n_fwd" "$(nfipsec -n "$a" policy count)"
check_eq reload-same-list "$(md5sum < /tmp/config-load-$$.list)" "$(nfipsec -n "$a" policy list | md5sum)"
check flush-dir nfipsec -n "$a" policy flush dir in
check_eq count-flush-dir $'\t'" SPD IN  0 OUT $n_out FWD $n_fwd" "$(nfipsec -n "$a" policy count)"
nfipsec -n "$a" policy flush

# A regular file's adds travel together: a few requests, not one a line.
if strace -qq -f -e trace=sendmsg,sendto -o /tmp/config-load-$$.trace \
	nfipsec -n "$a" -b "$batch"; then
	sends=$(grep -c 'send' /tmp/config-load-$$.trace)
	# One a line would be N; 256 adds go in one request.
	if [ "$sends" -ge 1 ] && [ "$sends" -le $(( N / 256 + 10 )) ]; then
		pass bulk-requests
	else
		fail bulk-requests "$sends requests for $N adds (at most $(( N / 256 + 10 )) expected)"
	fi
	echo "config_load: $N adds in $sends requests"
else
	fail bulk-requests "the traced load failed"
fi
nfipsec -n "$a" policy flush

# The same outcome as one by one (a pipe): which lines fail, what they
# say, in their order, and what is added. Of 1000 adds (several requests),
# line 500 repeats line 10's policy (the kernel refuses it), line 700 has
# a word nfipsec does not know (refused before the kernel), line 300
# deletes line 5's policy (so the adds before it must be in) and line 301
# adds it again; without -force the batch stops at line 500.
small=/tmp/config-load-$$.small
N=1000 gen | awk -v l10="$(N=1000 gen | sed -n 10p)" -v l5="$(N=1000 gen | sed -n 5p)" '
	NR == 300 { split(l5, w, " "); print "xfrm policy delete src " w[4] " dst " w[6] " dir " w[8]; next }
	NR == 301 { print l5; next }
	NR == 500 { print l10; next }
	NR == 700 { print $0 " frobnicate"; next }
	{ print }' > "$small"
for force in "" -force; do
	nfipsec -n "$a" policy flush
	out_file=$(nfipsec -n "$a" $force -b "$small" 2>&1; echo "rc=$?")
	count_file=$(nfipsec -n "$a" policy count)
	list_file=$(nfipsec -n "$a" policy list | md5sum)
	nfipsec -n "$a" policy flush
	out_pipe=$(cat "$small" | nfipsec -n "$a" $force -b - 2>&1; echo "rc=$?")
	count_pipe=$(nfipsec -n "$a" policy count)
	list_pipe=$(nfipsec -n "$a" policy list | md5sum)
	check_eq "batch${force}-same-errors" "${out_pipe//-:/FILE:}" "${out_file//$small:/FILE:}"
	check_eq "batch${force}-same-list" "$list_pipe" "$list_file"
	if [ -z "$force" ]; then
		check_eq batch-stops "$(printf '%s\n' \
			'nfipsec: policy add: a policy with this dir and selector exists (File exists)' \
			"Command failed $small:500" rc=2)" "$out_file"
		check_eq batch-stops-count $'\t SPD IN  166 OUT 166 FWD 165' "$count_file"
	else
		check_eq batch-force-order "$(printf '%s\n' \
			'nfipsec: policy add: a policy with this dir and selector exists (File exists)' \
			"Command failed $small:500" \
			'nfipsec: policy add: unexpected "frobnicate" (try: nfipsec help)' \
			"Command failed $small:700" rc=2)" "$out_file"
		check_eq batch-force-count $'\t SPD IN  332 OUT 332 FWD 332' "$count_file"
	fi
done
nfipsec -n "$a" policy flush

# Bulk requests the CLI never sends, on a raw socket (genl_bulk.py): a
# malformed list is refused before anything is added; a bad entry leaves
# the ones before it added and the error points into it; one entry more
# than a request may hold is refused whole, as many as it may are added.
nfipsec -n "$a" policy flush
raw=$(ip netns exec "$a" python3 "$(dirname "$0")/genl_bulk.py" "$(dirname "$0")/../uapi/nfipsec.h" 2>&1)
check_match raw-truncated "^truncated errno=22 added=0 offset=other 20 message=NFIPSEC_A_POLICIES is truncated$" "$raw"
check_match raw-empty "^empty errno=22 added=0 offset=other 20 message=NFIPSEC_A_POLICIES is empty$" "$raw"
check_match raw-wrong-type "^wrong-type errno=22 added=0 offset=other [0-9]+ message=NFIPSEC_A_POLICIES holds NFIPSEC_A_POLICY nests only$" "$raw"
check_match raw-bad-second "^bad-second errno=34 added=1 offset=in-second message=." "$raw"
check_match raw-too-many "^too-many errno=7 added=0 offset=other 20 message=NFIPSEC_A_POLICIES holds 1025 policies, at most 1024 a request$" "$raw"
check_match raw-most "^most errno=0 added=1024 offset=none message=$" "$raw"
nfipsec -n "$a" policy flush
rm -f "$batch" "$small" /tmp/config-load-$$.json /tmp/config-load-$$.list \
	/tmp/config-load-$$.trace
finish
