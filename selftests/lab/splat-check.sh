#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# splat-check.sh SERIAL KMSG: print every kernel report (KASAN, lockdep,
# kmemleak, WARN, BUG, oops, RCU, refcount, list debug) found in the kernel
# console log SERIAL and in KMSG (records read from /dev/kmsg), and a line
# for each gap in KMSG's record numbers (a ring-buffer wrap lost records)
# or a KMSG that does not start at the first record. Both files carry kernel
# output only: no script's "WARNING:" can match. Prints nothing when clean.
# A "suspicious RCU usage" report whose location is in splat-allow.txt and
# whose stack has no nfipsec frame is not printed: its location goes to
# ALLOWED (third argument) instead.
pat='BUG:|WARNING:|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object'
pat="$pat|possible circular locking|possible recursive locking"
pat="$pat|inconsistent lock state|suspicious RCU usage|lock held when returning"
pat="$pat|general protection fault|Kernel panic|Oops:|UBSAN:|refcount_t:"
pat="$pat|list_add corruption|list_del corruption|sleeping function called"
pat="$pat|leaked reference|unregister_netdevice: waiting|Call Trace:"
pat="$pat|kernel BUG at|INFO: task .* blocked|RCU stall|rcu_preempt detected"
serial=$1
kmsg=$2
allowed=${3:-/dev/null}
allow=$(dirname "$0")/splat-allow.txt

# filter PREFIX: the lines of stdin (kernel text) that match pat, but for
# allowed RCU reports (from their "suspicious RCU usage" line to the end
# of their stack, "</TASK>"), whose location is appended to $allowed.
filter() {
	awk -v pat="$pat" -v pfx="$1" -v allowed="$allowed" '
	FNR == NR { if ($0 !~ /^#/ && $0 != "") ok[$0] = 1; next }
	function flush(   i, mod) {
		mod = 0
		for (i = 1; i <= n; i++) if (blk[i] ~ /\[nfipsec/) mod = 1
		if (loc != "" && (loc in ok) && !mod) {
			print loc >> allowed
		} else {
			for (i = 1; i <= n; i++) if (blk[i] ~ pat) print pfx blk[i]
		}
		n = 0; inblk = 0; loc = ""
	}
	{
		t = $0
		sub(/\r$/, "", t)
		sub(/^\[ *[0-9.]+\] /, "", t)
		if (t ~ /suspicious RCU usage/) { if (inblk) flush(); inblk = 1; n = 0; loc = "" }
		if (inblk) {
			blk[++n] = $0
			if (loc == "" && t ~ /^[a-z0-9_\/.-]+:[0-9]+ /) loc = t
			if (t ~ /<\/TASK>/ || n > 200) flush()
			next
		}
		if (t ~ pat) print pfx $0
	}
	END { if (inblk) flush() }' "$allow" -
}

[ -f "$serial" ] && filter "serial: " < "$serial"
if [ ! -s "$kmsg" ]; then
	echo "kmsg: the streamed kernel log is missing or empty"
	exit 0
fi
# Records: "prio,seq,usec,flags;text"; continuation lines start with a space.
awk '
/^ / { next }
{
	split($0, h, ";"); split(h[1], f, ",")
	seq = f[2] + 0
	if (NR == 1 && seq != 0) print "kmsg: the log starts at record " seq ", not 0: records lost"
	else if (have && seq != last + 1) print "kmsg: records " last + 1 " to " seq - 1 " lost"
	last = seq; have = 1
	print "TEXT " substr($0, index($0, ";") + 1)
}' "$kmsg" | {
	# Gaps pass through; record texts go through the filter.
	while IFS= read -r line; do
		case $line in
		"TEXT "*) printf '%s\n' "${line#TEXT }" ;;
		*) printf '%s\n' "$line" >&3 ;;
		esac
	done | allowed=/dev/null filter "kmsg: "
} 3>&1
exit 0
