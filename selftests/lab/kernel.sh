#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) the lab kernel from Debian's linux-source-6.12 and print the
# path of its build tree. The tree is cached outside the work tree, keyed by
# the source package version, the recipe version below and the config
# fragments. Flavours: "debug" (KASAN, lockdep, kmemleak; the test kernel)
# and "bench" (the same without the debug options, for benchmarks).
# Every CONFIG_...=y/m line of the fragments, and the options in "required"
# below, must be set in the final .config: checked after the build and each
# time a cached tree is used; a missing one fails loudly.
set -eu

# Bump when the build steps below change what is built.
recipe=2
# Options the module or the tests need that no fragment line can ask for
# (no prompt of their own) or that the debug flavour must never lose.
required_debug="CONFIG_GRO_CELLS=y CONFIG_KASAN=y CONFIG_PROVE_LOCKING=y
CONFIG_PROVE_RCU=y CONFIG_PROVE_RCU_LIST=y CONFIG_DEBUG_LIST=y
CONFIG_DEBUG_KMEMLEAK=y CONFIG_KUNIT=y CONFIG_FAILSLAB=y"
required_bench="CONFIG_GRO_CELLS=y"

flavour=${1:-debug}
here=$(cd "$(dirname "$0")" && pwd)
cache=${NFIPSEC_LAB_CACHE:-/var/cache/nfipsec-lab}
tarball=/usr/src/linux-source-6.12.tar.xz

frags="$here/kernel.config"
case "$flavour" in
debug) required=$required_debug ;;
bench) frags="$frags $here/kernel-bench.config"; required=$required_bench ;;
*) echo "kernel.sh: unknown flavour $flavour" >&2; exit 2 ;;
esac

# verify TREE: every option asked for is in TREE/.config.
verify() {
	local want missing=0 f
	want=$(for f in $frags; do grep -hE '^CONFIG_[A-Z0-9_]+=' "$f"; done |
		awk -F= '{ v[$1] = $0 } END { for (k in v) print v[k] }')
	want="$want $required"
	for line in $want; do
		case $line in
		*=n) grep -qx "# ${line%=n} is not set" "$1/.config" ||
			! grep -q "^${line%=n}=" "$1/.config" || { echo "kernel.sh: $line but the .config has it set" >&2; missing=1; } ;;
		*) grep -qx "$line" "$1/.config" || { echo "kernel.sh: $line missing from $1/.config" >&2; missing=1; } ;;
		esac
	done
	return $missing
}

[ -r "$tarball" ] || { echo "kernel.sh: $tarball missing (run host-deps.sh)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$( { echo "$flavour $srcver recipe $recipe $required"; cat $frags; } | sha256sum | cut -c1-16)
out="$cache/linux-$flavour-$key"

mkdir -p "$cache"
# One builder at a time: a second make check waits for the first's kernel.
exec 9>>"$cache/.lock"
flock 9

if [ -f "$out/.nfipsec-done" ]; then
	verify "$out" || { echo "kernel.sh: the cached $flavour kernel lacks options above" >&2; exit 1; }
	echo "$out"
	exit 0
fi

tmp=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$tmp/build.log"
echo "kernel.sh: building the $flavour lab kernel ($srcver) in $tmp, log $log" >&2
start=$(date +%s)
tar -C "$tmp" -xf "$tarball"
src="$tmp/linux-source-6.12"
jobs=$(( $(nproc) + 1 ))
{
	make -C "$src" x86_64_defconfig
	make -C "$src" kvm_guest.config
	(cd "$src" && ./scripts/kconfig/merge_config.sh -m .config $frags)
	make -C "$src" olddefconfig
} >"$log" 2>&1 || { tail -40 "$log" >&2; echo "kernel.sh: configuration failed" >&2; exit 1; }
# Fail before the long build if olddefconfig dropped something asked for.
verify "$src" || { echo "kernel.sh: the $flavour configuration lacks options above: fix the fragment" >&2; exit 1; }
{
	make -C "$src" -j"$jobs" bzImage modules_prepare
	# Module.symvers for external modules comes from a full modules pass.
	make -C "$src" -j"$jobs" modules
} >>"$log" 2>&1 || { tail -40 "$log" >&2; echo "kernel.sh: build failed" >&2; exit 1; }
touch "$src/.nfipsec-done"
cp "$log" "$src/nfipsec-build.log"
rm -rf "$out"
mv "$src" "$out"
echo "kernel.sh: built in $(( $(date +%s) - start )) s" >&2
echo "$out"
