#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# splat-check.sh SERIAL KMSG: print every kernel report (KASAN, lockdep,
# kmemleak, WARN, BUG, oops, RCU, refcount, list debug) found in the kernel
# console log SERIAL and in KMSG (records read from /dev/kmsg), and a line
# for each gap in KMSG's record numbers (a ring-buffer wrap lost records)
# or a KMSG that does not start at the first record. Both files carry kernel
# output only: no script's "WARNING:" can match. Prints nothing when clean.
pat='BUG:|WARNING:|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object'
pat="$pat|possible circular locking|possible recursive locking"
pat="$pat|inconsistent lock state|suspicious RCU usage|lock held when returning"
pat="$pat|general protection fault|Kernel panic|Oops:|UBSAN:|refcount_t:"
pat="$pat|list_add corruption|list_del corruption|sleeping function called"
pat="$pat|leaked reference|unregister_netdevice: waiting|Call Trace:"
pat="$pat|kernel BUG at|INFO: task .* blocked|RCU stall|rcu_preempt detected"
serial=$1
kmsg=$2
[ -f "$serial" ] && grep -aE "$pat" "$serial" | sed 's|^|serial: |'
if [ ! -s "$kmsg" ]; then
	echo "kmsg: the streamed kernel log is missing or empty"
	exit 0
fi
# Records: "prio,seq,usec,flags;text"; continuation lines start with a space.
awk -v pat="$pat" '
/^ / { next }
{
	split($0, h, ";"); split(h[1], f, ",")
	seq = f[2] + 0
	if (NR == 1 && seq != 0) print "kmsg: the log starts at record " seq ", not 0: records lost"
	else if (have && seq != last + 1) print "kmsg: records " last + 1 " to " seq - 1 " lost"
	last = seq; have = 1
	text = substr($0, index($0, ";") + 1)
	if (text ~ pat) print "kmsg: " text
}' "$kmsg"
exit 0
