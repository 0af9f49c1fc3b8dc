#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) the lab kernel from Debian's linux-source-6.12 and print the
# path of its build tree. The tree is cached outside the work tree, keyed by
# a hash of every input: the source package version, this script and the
# config fragments. Flavours: "debug" (KASAN, lockdep, kmemleak; the test
# kernel) and "bench" (the same without the debug options, for benchmarks).
set -eu

flavour=${1:-debug}
here=$(cd "$(dirname "$0")" && pwd)
cache=${NFIPSEC_LAB_CACHE:-/var/cache/nfipsec-lab}
tarball=/usr/src/linux-source-6.12.tar.xz

frags="$here/kernel.config"
case "$flavour" in
debug) ;;
bench) frags="$frags $here/kernel-bench.config" ;;
*) echo "kernel.sh: unknown flavour $flavour" >&2; exit 2 ;;
esac

[ -r "$tarball" ] || { echo "kernel.sh: $tarball missing (run host-deps.sh)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$( { echo "$flavour $srcver"; cat "$0" $frags; } | sha256sum | cut -c1-16)
out="$cache/linux-$flavour-$key"

if [ -f "$out/.nfipsec-done" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
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
	# Fail early if the fragment asked for something olddefconfig dropped.
	for f in $frags; do
		grep -E '^CONFIG_[A-Z0-9_]+=[ym]$' "$f" | while read -r line; do
			grep -qx "$line" "$src/.config" || echo "kernel.sh: warning: $line not set" >&2
		done
	done
	make -C "$src" -j"$jobs" bzImage modules_prepare
	# Module.symvers for external modules comes from a full modules pass.
	make -C "$src" -j"$jobs" modules
} >"$log" 2>&1 || { tail -40 "$log" >&2; echo "kernel.sh: build failed" >&2; exit 1; }
touch "$src/.nfipsec-done"
cp "$log" "$src/nfipsec-build.log"
rm -rf "$out"
mv "$src" "$out"
echo "kernel.sh: built in $(( $(date +%s) - start )) s" >&2
echo "$out"
