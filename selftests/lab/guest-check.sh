#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the lab guest (MODE=check): KUnit, then the selftests, then a
# final unload and a kmemleak scan. Results, one a line, go to
# $NFIPSEC_OUT/results.txt: "PASS|FAIL|SKIP name (seconds s)[: reason]",
# between "RUN <id>" and "END <id>" lines that tie them to this run.
# "RAN <test> <exit status> <seconds>" records what ran; the host compares
# that with what the tree says must run (check.sh).
#
# Selftests run concurrently, NFIPSEC_JOBS at a time (default: one more
# than the CPUs: with as many as the CPUs they were 80% busy, the tests
# waiting for packets, timers and daemons); each has its own results file and log, printed in name order
# when all are done. A test whose header has "# nfipsec-test: exclusive"
# (it loads or unloads the module, or changes module-wide settings) runs
# alone, after the others. "# nfipsec-test: timeout=SECONDS" bounds a test
# (default 600); "cost=SECONDS" (its usual time) starts long ones first.
# NFIPSEC_TESTS (comma-separated) runs only those selftests and KUnit suites
# ("kunit" for every suite).
# Exit status: 0 when nothing failed.
set -u

top=$NFIPSEC_TOP
ko=$NFIPSEC_KO_DIR
out=$NFIPSEC_OUT
id=$NFIPSEC_RUN_ID
results=$out/results.txt
tests=${NFIPSEC_TESTS:-}
jobs=${NFIPSEC_JOBS:-$(($(nproc) + 1))}
kmemleak=/sys/kernel/debug/kmemleak
mkdir -p "$out/results.d" "$out/logs"
echo "RUN $id" > "$results"

result() {
	echo "$*" >> "$results"
	echo "$*"
}

# Microseconds; elapsed T0: seconds since T0, one decimal (no exec: every
# exec is slow in the debug guest).
now() { echo "${EPOCHREALTIME/./}"; }
elapsed() {
	local d=$(( (${EPOCHREALTIME/./} - $1) / 100000 ))
	echo "$((d / 10)).$((d % 10))"
}

# selected NAME: is NAME in the subset (or is there no subset)?
selected() {
	[ -z "$tests" ] && return 0
	case ",$tests," in *",$1,"*) return 0 ;; esac
	return 1
}

# header KEY FILE: the value of "# nfipsec-test: KEY=VALUE" (or "yes" for a
# bare KEY), empty when absent.
header() {
	grep -m1 '^# nfipsec-test:' "$2" | grep -oE "\\b$1(=[^ ]*)?" | head -1 |
		sed 's/^[^=]*=\?//; s/^$/yes/'
}

# Whatever the kernel leaked while booting is not ours.
[ -w "$kmemleak" ] && echo clear > "$kmemleak"

# KUnit: loading the test module runs every suite.
run_kunit() {
	local t0 d suite
	t0=$(now)
	if ! insmod "$ko/nfipsec.ko" || ! insmod "$ko/nfipsec_test.ko"; then
		result "FAIL kunit ($(elapsed "$t0")s): cannot load the modules"
		return
	fi
	for d in /sys/kernel/debug/kunit/nfipsec_*; do
		[ -r "$d/results" ] || continue
		suite=$(basename "$d")
		awk -v suite="$suite" -v secs="$(elapsed "$t0")" '
		match($0, /^[ \t]*(not )?ok [0-9]+ /) {
			line = $0
			ind = match(line, /[^ \t]/) - 1
			sub(/^[ \t]*/, "", line)
			st = (line ~ /^not ok/) ? "FAIL" : "PASS"
			sub(/^(not )?ok [0-9]+ /, "", line)
			if (line ~ /# SKIP/) {
				st = "SKIP"; why = line; sub(/.*# SKIP */, "", why)
			} else why = ""
			sub(/ *#.*/, "", line)
			if (line == suite) next
			n++; names[n] = line; sts[n] = st; inds[n] = ind; whys[n] = why
			if (min == "" || ind < min) min = ind
		}
		END {
			for (i = 1; i <= n; i++)
				if (inds[i] == min)
					printf "%s kunit.%s.%s (%ss)%s\n", sts[i], suite, names[i], secs, whys[i] != "" ? ": " whys[i] : ""
			if (!n) printf "FAIL kunit.%s (%ss): no results\n", suite, secs
		}' "$d/results" | while read -r line; do result "$line"; done
	done
	rmmod nfipsec_test || result "FAIL kunit.unload: rmmod nfipsec_test failed"
}
want_kunit=0
[ -z "$tests" ] && want_kunit=1
for s in ${tests//,/ }; do
	case $s in kunit | nfipsec_*) want_kunit=1 ;; esac
done
if [ $want_kunit = 1 ]; then
	echo "=== kunit"
	run_kunit
	echo "RAN kunit 0 0" >> "$results"
fi
grep -q '^nfipsec ' /proc/modules || insmod "$ko/nfipsec.ko"

# The selftests to run: every selftests/*.sh but the libraries and the
# benchmark, longest first; exclusive ones last, alone.
par=() excl=()
while read -r cost t; do
	name=$(basename "$t" .sh)
	selected "$name" || continue
	if [ -n "$(header exclusive "$t")" ]; then excl+=("$t"); else par+=("$t"); fi
done < <(for t in "$top"/selftests/*.sh; do
	case $(basename "$t") in lib*.sh | bench*.sh) continue ;; esac
	c=$(header cost "$t"); echo "${c:-60} $t"
done | sort -k1,1nr -k2)

declare -A started pidname
running=0
# start TEST: in the background, its results and output apart.
start() {
	local t=$1 name tmo
	name=$(basename "$t" .sh)
	tmo=$(header timeout "$t")
	started[$name]=$(now)
	NFIPSEC_RESULTS=$out/results.d/$name.txt TEST=$name \
		timeout -k 10 "${tmo:-600}" bash "$t" > "$out/logs/$name.log" 2>&1 </dev/null &
	pidname[$!]=$name
	running=$((running + 1))
	echo "=== $name started"
}

# reap: wait for one test to end and judge its exit status.
reap() {
	local pid rc name secs f n
	wait -n -p pid
	rc=$?
	name=${pidname[$pid]}
	unset "pidname[$pid]"
	running=$((running - 1))
	secs=$(elapsed "${started[$name]}")
	f=$out/results.d/$name.txt
	touch "$f"
	n=$(grep -c . "$f")
	case $rc in
	0) [ "$n" -gt 0 ] || echo "FAIL $name (${secs}s): exited 0 and logged no check" >> "$f" ;;
	124|137) echo "FAIL $name (${secs}s): timed out" >> "$f" ;;
	4) grep -q '^SKIP' "$f" || echo "FAIL $name (${secs}s): skipped without saying why" >> "$f" ;;
	*) grep -q '^FAIL' "$f" || echo "FAIL $name (${secs}s): exit status $rc" >> "$f" ;;
	esac
	echo "RAN $name $rc $secs" > "$out/results.d/$name.ran"
	echo "=== $name: exit $rc, ${secs} s, $(grep -c '^PASS' "$f") passed, $(grep -c '^FAIL' "$f") failed"
}

# cpu_ticks: busy and total jiffies of all CPUs so far (/proc/stat).
cpu_ticks() {
	local cpu user nice sys idle iowait rest
	read -r cpu user nice sys idle iowait rest < /proc/stat
	echo "$((user + nice + sys)) $((user + nice + sys + idle + iowait))"
}
read -r busy0 total0 < <(cpu_ticks)
t_sel=$(now)
for t in "${par[@]}"; do
	while [ $running -ge "$jobs" ]; do reap; done
	start "$t"
done
while [ $running -gt 0 ]; do reap; done
read -r busy1 total1 < <(cpu_ticks)
if [ "$total1" -gt "$total0" ]; then
	echo "=== concurrent selftests: $(elapsed "$t_sel") s, $jobs at a time, CPUs $(( (busy1 - busy0) * 100 / (total1 - total0) ))% busy"
fi
for t in "${excl[@]}"; do
	grep -q '^nfipsec ' /proc/modules || insmod "$ko/nfipsec.ko"
	start "$t"
	reap
done

# Each test's output and results, in name order.
for t in $(printf '%s\n' "${par[@]}" "${excl[@]}" | sort); do
	name=$(basename "$t" .sh)
	echo "=== $name output"
	cat "$out/logs/$name.log"
	cat "$out/results.d/$name.txt" >> "$results"
	cat "$out/results.d/$name.ran" >> "$results"
done

# The module must unload cleanly at the end, and have leaked nothing.
t0=$(now)
if ! grep -q '^nfipsec ' /proc/modules; then
	result "FAIL final-unload: the module was not loaded at the end"
elif ! rmmod nfipsec; then
	result "FAIL final-unload ($(elapsed "$t0")s): rmmod failed"
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
		echo "$leaks" > "$out/kmemleak.txt"
		result "FAIL kmemleak ($(elapsed "$t0")s): suspected leaks, see kmemleak.txt"
	else
		result "PASS kmemleak ($(elapsed "$t0")s)"
	fi
else
	result "FAIL kmemleak: /sys/kernel/debug/kmemleak is not available"
fi
echo "END $id" >> "$results"
! grep -q '^FAIL' "$results"
