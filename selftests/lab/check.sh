#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: from a bare Debian 12 machine (as root), install what is
# missing, build or reuse the lab kernel, build everything, run KUnit and the
# selftests in the guest, print every result and a closing line
# "N passed, N failed, N skipped". Exits non-zero on any failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
results=$top/build/check-results.txt
mkdir -p "$top/build"
: > "$results"
t_all=$(date +%s)

result() { echo "$*" >> "$results"; echo "$*"; }
secs() { echo $(( $(date +%s) - $1 )); }

t0=$(date +%s)
if ! "$here/host-deps.sh"; then
	result "FAIL host-deps ($(secs "$t0")s)"
else
	echo "check: host packages ready in $(secs "$t0") s"
fi

t0=$(date +%s)
if kdir=$("$here/kernel.sh" debug); then
	echo "check: lab kernel $kdir ready in $(secs "$t0") s"
else
	result "FAIL lab-kernel ($(secs "$t0")s): see the build log above"
	kdir=
fi

# Builds: the lab kernel, Debian 12's own kernel headers (6.1), the CLI.
if [ -n "$kdir" ]; then
	t0=$(date +%s)
	if "$here/build-module.sh" "$kdir" "$top/build/lab-out.build-debug" kunit >/dev/null; then
		result "PASS build.lab-6.12 ($(secs "$t0")s)"
	else
		result "FAIL build.lab-6.12 ($(secs "$t0")s)"
	fi
fi
t0=$(date +%s)
deb61=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -1)
if [ -z "$deb61" ]; then
	result "FAIL build.debian-6.1: no /usr/src/linux-headers-6.1.*-amd64"
elif "$here/build-module.sh" "$deb61" "$top/build/debian-6.1" >/dev/null; then
	result "PASS build.debian-6.1 ($(secs "$t0")s): $(basename "$deb61")"
else
	result "FAIL build.debian-6.1 ($(secs "$t0")s)"
fi
t0=$(date +%s)
if out=$(make -s -C "$top/tools" clean nfipsec CFLAGS="-O2 -g -Werror" 2>&1); then
	result "PASS build.cli ($(secs "$t0")s)"
else
	echo "$out"
	result "FAIL build.cli ($(secs "$t0")s)"
fi

# Kernel style on kmod/.
if [ -n "$kdir" ]; then
	t0=$(date +%s)
	out=$(cd "$top" && "$kdir/scripts/checkpatch.pl" --no-tree --strict \
		--quiet -f kmod/*.[ch] kmod/tests/*.c 2>&1)
	if [ -z "$out" ]; then
		result "PASS checkpatch ($(secs "$t0")s)"
	else
		echo "$out"
		result "FAIL checkpatch ($(secs "$t0")s)"
	fi
fi

# The guest: KUnit, selftests, unload, kmemleak; splats fail the run.
if [ -n "$kdir" ]; then
	t0=$(date +%s)
	"$here/run.sh" check
	rc=$?
	echo "check: guest run took $(secs "$t0") s"
	out=$top/build/lab-out
	[ -f "$out/results.txt" ] && cat "$out/results.txt" >> "$results"
	if [ -s "$out/splats.txt" ]; then
		result "FAIL kernel-log ($(secs "$t0")s): $(wc -l < "$out/splats.txt") splat line(s), first: $(head -1 "$out/splats.txt")"
	elif [ $rc != 0 ]; then
		result "FAIL guest ($(secs "$t0")s): exit status $rc (crash, timeout or guest error)"
	else
		result "PASS kernel-log-clean"
	fi
fi

echo
echo "=== results"
cat "$results"
echo "check: total $(secs "$t_all") s"
p=$(grep -c '^PASS' "$results")
f=$(grep -c '^FAIL' "$results")
s=$(grep -c '^SKIP' "$results")
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ] && [ "$p" -gt 0 ]
