#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check [T=name[,name]]: from a bare Debian 12 machine (as root),
# install what is missing, build or reuse the lab kernel, build everything,
# check the style, the CLI's grammar corpus, then KUnit and the selftests in
# the guest. Prints every result and the closing line
# "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# Fails closed: the results come from this run only (run.sh empties the
# folder and ties the guest's results to a fresh token); every KUnit suite
# of kmod/tests/*.c and every selftests/*.sh (or those named in T) must
# have run and logged at least one result; a SKIP is a failure unless
# selftests/skip-allow.txt allows it, with a reason printed below.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build
out=$build/lab-out
results=$build/check-results.txt
subset=${T:-}
mkdir -p "$build"
: > "$results"
t_all=$(date +%s)

result() { echo "$*" >> "$results"; echo "$*"; }
secs() { echo $(( $(date +%s) - $1 )); }
selected() {
	[ -z "$subset" ] && return 0
	case ",$subset," in *",$1,"*) return 0 ;; esac
	return 1
}

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
	result "FAIL lab-kernel ($(secs "$t0")s): see the messages above"
	kdir=
fi

# Builds: Debian 12's own kernel headers (6.1) and the CLI; the lab build
# is run.sh's. The whole suite only: a subset is the inner loop.
if [ -z "$subset" ]; then
	t0=$(date +%s)
	deb61=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -1)
	if [ -z "$deb61" ]; then
		result "FAIL build.debian-6.1: no /usr/src/linux-headers-6.1.*-amd64"
	elif "$here/build-module.sh" "$deb61" "$build/debian-6.1" >/dev/null; then
		result "PASS build.debian-6.1 ($(secs "$t0")s): $(basename "$deb61")"
	else
		result "FAIL build.debian-6.1 ($(secs "$t0")s)"
	fi
fi
t0=$(date +%s)
if o=$(make -s -C "$top/tools" clean nfipsec CFLAGS="-O2 -g -Werror" 2>&1); then
	result "PASS build.cli ($(secs "$t0")s)"
else
	echo "$o"
	result "FAIL build.cli ($(secs "$t0")s)"
fi

# The kernel-nfipsec charon plugin (tools/strongswan; run.sh builds it
# again, a no-op then, for selftests/strongswan.sh), warnings as errors.
if selected strongswan || selected strongswan_fail_closed; then
	t0=$(date +%s)
	if o=$(STRONGSWAN_SOURCE_VERSION=${STRONGSWAN_SOURCE_VERSION:-same-upstream} \
		make -s -C "$top/tools/strongswan" clean all CFLAGS="-O2 -g -Werror" 2>&1); then
		result "PASS build.strongswan-plugin ($(secs "$t0")s): source $(cat "$build/strongswan/src/VERSION")"
	else
		echo "$o"
		result "FAIL build.strongswan-plugin ($(secs "$t0")s)"
	fi
fi

# Kernel style on kmod/, and the CLI's grammar corpus (no kernel needed).
if [ -n "$kdir" ] && [ -z "$subset" ]; then
	t0=$(date +%s)
	o=$(cd "$top" && "$kdir/scripts/checkpatch.pl" --no-tree --strict \
		--quiet -f kmod/*.[ch] kmod/tests/*.c 2>&1)
	if [ -z "$o" ]; then
		result "PASS checkpatch ($(secs "$t0")s)"
	else
		echo "$o"
		result "FAIL checkpatch ($(secs "$t0")s)"
	fi
fi
if selected selfcheck; then
	t0=$(date +%s)
	o=$(cd "$top/tools" && ./selfcheck.sh ./nfipsec 2>&1)
	rc=$?
	echo "$o" | grep -E '^(PASS|FAIL|SKIP) ' >> "$results"
	echo "$o" | grep -E '^FAIL'
	n=$(echo "$o" | grep -cE '^(PASS|FAIL|SKIP) ')
	if [ "$n" = 0 ]; then
		result "FAIL selfcheck ($(secs "$t0")s): ran no case"
	elif [ $rc != 0 ] && ! echo "$o" | grep -q '^FAIL'; then
		result "FAIL selfcheck ($(secs "$t0")s): exit status $rc"
	else
		echo "check: selfcheck: $n cases in $(secs "$t0") s"
	fi
fi

# What must run: every KUnit suite in kmod/tests/*.c, every selftest.
suites=$(sed -n '/struct kunit_suite/,/}/s/^[[:space:]]*\.name = "\([^"]*\)".*/\1/p' "$top"/kmod/tests/*.c | sort -u)
stests=$(for t in "$top"/selftests/*.sh; do
	n=$(basename "$t" .sh)
	case $n in lib* | bench*) ;; *) echo "$n" ;; esac
done)
guest_tests=
if [ -n "$subset" ]; then
	for s in ${subset//,/ }; do
		case " $(echo $suites $stests) kunit selfcheck " in
		*" $s "*) ;;
		*) result "FAIL T=$s: no such KUnit suite or selftest" ;;
		esac
	done
	guest_tests=$subset
fi

# The guest: KUnit, selftests, unload, kmemleak; kernel reports fail the run.
if [ -n "$kdir" ] && { [ -z "$subset" ] || [ "$subset" != selfcheck ]; }; then
	t0=$(date +%s)
	NFIPSEC_LAB_OUT=$out NFIPSEC_TESTS=$guest_tests "$here/run.sh" check
	rc=$?
	echo "check: guest run took $(secs "$t0") s"
	id=$(cat "$out/run-id" 2>/dev/null)
	r=$out/results.txt
	if [ -z "$id" ] || [ ! -f "$r" ] || [ "$(head -1 "$r")" != "RUN $id" ]; then
		result "FAIL guest-results: no results from this run"
	else
		[ "$(tail -1 "$r")" = "END $id" ] ||
			result "FAIL guest-results: the run did not finish (no END line)"
		grep -E '^(PASS|FAIL|SKIP) ' "$r" >> "$results"
		# The manifest: each suite and test ran and logged results.
		for s in $suites; do
			selected "$s" || selected kunit || continue
			grep -qE "^(PASS|FAIL|SKIP) kunit\\.$s\\." "$r" ||
				result "FAIL kunit.$s: did not run or reported no case"
		done
		for s in $stests; do
			selected "$s" || continue
			grep -q "^RAN $s " "$r" || result "FAIL $s: did not run"
			grep -qE "^(PASS|FAIL|SKIP) $s[. ]" "$r" ||
				result "FAIL $s: logged no result"
		done
	fi
	if [ -s "$out/splats-allowed.txt" ]; then
		echo "check: allowed kernel reports (selftests/lab/splat-allow.txt):"
		sort "$out/splats-allowed.txt" | uniq -c
	fi
	if [ -s "$out/splats.txt" ]; then
		result "FAIL kernel-log: $(wc -l < "$out/splats.txt") report line(s), first: $(head -1 "$out/splats.txt")"
	elif [ $rc != 0 ]; then
		result "FAIL guest: exit status $rc (crash, timeout, failed check or lost log)"
	else
		result "PASS kernel-log-clean"
	fi
fi

# A SKIP passes only when skip-allow.txt names it ("name-regex<TAB>why").
allow=$top/selftests/skip-allow.txt
skips=()
while IFS= read -r line; do
	name=${line#SKIP }; name=${name%% *}
	ok=
	while IFS=$'\t' read -r re why; do
		case $re in '#'* | '') continue ;; esac
		echo "$name" | grep -qxE "$re" && { ok=$why; break; }
	done < "$allow"
	if [ -n "$ok" ]; then
		skips+=("$name: $ok")
	else
		result "FAIL $name: skipped, and selftests/skip-allow.txt does not allow it (${line#*: })"
	fi
done < <(grep '^SKIP ' "$results")

echo
echo "=== results"
cat "$results"
for s in "${skips[@]}"; do echo "allowed skip: $s"; done
echo "check: total $(secs "$t_all") s"
p=$(grep -c '^PASS' "$results")
f=$(grep -c '^FAIL' "$results")
echo "${#skips[@]}" > /dev/null
echo "$p passed, $f failed, ${#skips[@]} skipped"
[ "$f" = 0 ] && [ "$p" -gt 0 ]
