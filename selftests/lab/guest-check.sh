#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the lab guest (MODE=check): KUnit, then every selftests/*.sh, then
# a final unload and a kmemleak scan. One result per line in
# $NFIPSEC_OUT/results.txt: "PASS|FAIL|SKIP name (seconds s)[: reason]".
set -u

top=$NFIPSEC_TOP
ko=$NFIPSEC_KO_DIR
export NFIPSEC_RESULTS=$NFIPSEC_OUT/results.txt
: > "$NFIPSEC_RESULTS"
kmemleak=/sys/kernel/debug/kmemleak

result() {
	echo "$*" >> "$NFIPSEC_RESULTS"
	echo "$*"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Whatever the kernel leaked while booting is not ours.
[ -w "$kmemleak" ] && echo clear > "$kmemleak"

# KUnit: loading the test module runs the suites.
t0=$(now)
if insmod "$ko/nfipsec.ko" && insmod "$ko/nfipsec_test.ko"; then
	found=0
	for d in /sys/kernel/debug/kunit/nfipsec_*; do
		[ -r "$d/results" ] || continue
		found=1
		suite=$(basename "$d")
		awk -v suite="$suite" -v secs="$(elapsed "$t0")" '
		match($0, /^[ \t]*(not )?ok [0-9]+ /) {
			line = $0
			ind = match(line, /[^ \t]/) - 1
			sub(/^[ \t]*/, "", line)
			st = (line ~ /^not ok/) ? "FAIL" : "PASS"
			sub(/^(not )?ok [0-9]+ /, "", line)
			if (line ~ /# SKIP/) st = "SKIP"
			sub(/ *#.*/, "", line)
			if (line == suite) next
			n++; names[n] = line; sts[n] = st; inds[n] = ind
			if (min == "" || ind < min) min = ind
		}
		END {
			for (i = 1; i <= n; i++)
				if (inds[i] == min)
					printf "%s kunit.%s.%s (%ss)\n", sts[i], suite, names[i], secs
			if (!n) printf "FAIL kunit.%s (%ss): no results\n", suite, secs
		}' "$d/results" | while read -r line; do result "$line"; done
	done
	[ $found = 1 ] || result "FAIL kunit ($(elapsed "$t0")s): no nfipsec suite ran"
	rmmod nfipsec_test || result "FAIL kunit.unload: rmmod nfipsec_test failed"
else
	result "FAIL kunit ($(elapsed "$t0")s): cannot load the modules"
fi

# Selftests: each script logs its own checks through lib.sh.
for t in "$top"/selftests/*.sh; do
	name=$(basename "$t" .sh)
	case $name in lib* | bench*) continue ;; esac
	echo "=== $name"
	before=$(wc -l < "$NFIPSEC_RESULTS")
	t0=$(now)
	timeout -k 10 600 bash "$t"
	rc=$?
	secs=$(elapsed "$t0")
	echo "=== $name: exit $rc, ${secs} s"
	logged=$(( $(wc -l < "$NFIPSEC_RESULTS") - before ))
	case $rc in
	0) [ $logged -gt 0 ] || result "FAIL $name (${secs}s): logged no check" ;;
	4) [ $logged -gt 0 ] || result "SKIP $name (${secs}s)" ;;
	124|137) result "FAIL $name (${secs}s): timed out" ;;
	*) tail -n "$logged" "$NFIPSEC_RESULTS" | grep -q '^FAIL' ||
		result "FAIL $name (${secs}s): exit status $rc" ;;
	esac
done

# The module must unload cleanly at the end, and have leaked nothing.
t0=$(now)
if grep -q '^nfipsec ' /proc/modules && ! rmmod nfipsec; then
	result "FAIL final-unload ($(elapsed "$t0")s)"
else
	result "PASS final-unload ($(elapsed "$t0")s)"
fi
if [ -w "$kmemleak" ]; then
	t0=$(now)
	# Objects younger than 5 s are never reported: let them age first.
	sleep 6
	echo scan > "$kmemleak"
	echo scan > "$kmemleak"
	leaks=$(cat "$kmemleak")
	if [ -n "$leaks" ]; then
		echo "$leaks"
		result "FAIL kmemleak ($(elapsed "$t0")s): suspected leaks, see above"
	else
		result "PASS kmemleak ($(elapsed "$t0")s)"
	fi
else
	result "SKIP kmemleak: /sys/kernel/debug/kmemleak is not available"
fi
exit 0
