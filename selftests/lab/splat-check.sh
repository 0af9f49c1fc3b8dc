#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print every line of the given kernel logs that reports a kernel problem
# (KASAN, lockdep, kmemleak, WARN, BUG, oops, RCU, refcount, list debug).
# Prints nothing for a clean log.
pat='BUG:|WARNING:|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object'
pat="$pat|possible circular locking|possible recursive locking"
pat="$pat|inconsistent lock state|suspicious RCU usage|lock held when returning"
pat="$pat|general protection fault|Kernel panic|Oops:|UBSAN:|refcount_t:"
pat="$pat|list_add corruption|list_del corruption|sleeping function called"
pat="$pat|leaked reference|unregister_netdevice: waiting|Call Trace:"
for f in "$@"; do
	[ -f "$f" ] && grep -aE "$pat" "$f" | sed "s|^|$(basename "$f"): |"
done
exit 0
