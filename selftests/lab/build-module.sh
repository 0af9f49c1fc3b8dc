#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the module out of a copy of the sources, so that builds for several
# kernels never share objects: build-module.sh KDIR OUTDIR [kunit]
# With "kunit" the KUnit module is built too. W=1; any compiler or modpost
# warning fails the build.
set -eu

kdir=$1
out=$2
kunit=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)

mkdir -p "$out"
out=$(cd "$out" && pwd)
# Copied by content (-c) without the source's times (--no-times): a file
# that changed gets the time of the copy, so make rebuilds it even when it
# was edited while an earlier build's objects were being made (a kept time
# older than those objects would leave them in place).
# Build products of an in-tree build (make M=$top) stay out: its *.mod
# lists $top/kmod/*.o by absolute path, and copied over the lab build's
# own it made the lab link the in-tree objects, whatever the sources said.
rsync -a -c --no-times --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='modules.order' \
	--exclude='Module.symvers' \
	"$top/Kbuild" "$top/kmod" "$top/uapi" "$out/src/"
args="-C $kdir M=$out/src W=1"
[ "$kunit" = kunit ] && args="$args NFIPSEC_KUNIT=1"
log="$out/build.log"
if ! make $args -j"$(nproc)" modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "build-module: build against $kdir failed" >&2
	exit 1
fi
if grep -E 'warning:|WARNING:' "$log" >&2; then
	echo "build-module: warnings building against $kdir" >&2
	exit 1
fi
echo "$out/src/kmod"
