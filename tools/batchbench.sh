#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CLI's own cost of a batch, without a kernel: `nfipsec -b FILE` of N
# "policy add" lines (the lines selftests/bench.sh loads), run against
# fakenl.so (LD_PRELOAD: it answers the netlink socket for the kernel, so
# the batch takes its real path, adds kept and sent in bulk requests).
# Prints the user time of the best of RUNS runs, and per line. With
# QEMU=qemu-x86_64 (Debian's qemu-user) the CLI runs under TCG, as in the
# bench lab guest: user time there is what the guest's CPU time looks like.
#
# Usage: batchbench.sh [N [RUNS]]   (100000, 5; make -C tools bench)
# NFIPSEC_FAKE_LOG=FILE keeps the requests (fakenl.c says how).

set -u
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-100000}
runs=${2:-5}
cli=${CLI:-$here/nfipsec}
so=$here/fakenl.so
qemu=${QEMU:-}

for f in "$cli" "$so"; do
	[ -e "$f" ] || { echo "batchbench: no $f (make -C tools nfipsec fakenl.so)" >&2; exit 2; }
done
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# As selftests/bench.sh's policies N (ip xfrm's default priority).
awk -v n="$n" 'BEGIN {
	split("in out fwd", d, " ")
	for (i = 0; i < n; i++)
		printf "xfrm policy add src 10.%d.%d.%d/32 dst 172.16.0.0/16 dir %s tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel\n",
			int(i / 65536), int(i / 256) % 256, i % 256, d[i % 3 + 1]
}' > "$tmp/lines"

run() {
	if [ -n "$qemu" ]; then
		"$qemu" -E LD_PRELOAD="$so" "$cli" -b "$tmp/lines"
	else
		LD_PRELOAD=$so "$cli" -b "$tmp/lines"
	fi
}

best=
TIMEFORMAT=%3U
for ((r = 0; r < runs; r++)); do
	t=$( { time run > "$tmp/out" 2> "$tmp/err"; } 2>&1 ) || {
		echo "batchbench: nfipsec -b failed: $(tail -n 2 "$tmp/err")" >&2
		exit 1
	}
	if [ -s "$tmp/err" ]; then
		echo "batchbench: nfipsec -b said: $(tail -n 2 "$tmp/err")" >&2
		exit 1
	fi
	if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
		best=$t
	fi
done
awk -v t="$best" -v n="$n" -v q="${qemu:+ under $qemu}" 'BEGIN {
	printf "batchbench: %d policy add lines%s: user %.3f s (best of runs), %.2f us a line\n",
		n, q, t, t * 1e6 / n
}'
