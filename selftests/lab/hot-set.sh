#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: hot-set.sh TAR TOOLS...
#
# The guest's root is the host's, over 9p: every file a process opens costs
# round trips to QEMU (walk, open, clunk), and every pass through the
# top-level symlinks (/bin, /lib, /lib64) a readlink, none of them cached.
# An exec of sed, with its libraries and its locale, is some 40 of them,
# and the selftests exec thousands of processes. This writes TAR, the
# "hot set" that guest-init.sh unpacks into a tmpfs and mounts over the
# same paths (so every path stays what it is on the host). The tar is the
# guest's new root: the host's top-level symlinks (/bin -> usr/bin, ...)
# as they are, an empty directory for each of its top-level directories,
# and in .nfipsec-hot/:
#   root.fstab               bind mounts of the host's top-level
#                            directories onto the new root, unpacked at
#                            /mnt (all but the guest's own proc, sys, dev,
#                            tmp, run and mnt), and of ld/ over the
#                            interpreter's directory when it holds nothing
#                            else (no readlink through /lib64 at each exec)
#   bin/<path with / as %>  the TOOLS' executables (after symlinks)
#   lib/<soname>             the shared libraries they and python's
#                            extension modules need, found first through
#                            LD_LIBRARY_PATH
#   ld/                      the ELF interpreter
#   tree/<path>              directories mounted over the host's: python's
#                            standard library (no tests, no static
#                            libpython), scapy and its crypto, the locales
#   fstab                    the bind mounts, for one `mount -a`
# Only the content is copied, never changed. A library over 8 MiB is left
# on the 9p root (tshark's): the set stays small enough to unpack at boot.
set -eu

tar=$1
shift
root=$(mktemp -d "${tar%/*}/hot-set.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
stage=$root/.nfipsec-hot
mkdir -p "$stage/bin" "$stage/lib" "$stage/ld" "$stage/tree" "$root/.oldroot"
fstab=$stage/fstab
: > "$fstab"

# The guest's PATH (guest-init.sh), to resolve the TOOLS as it will.
gpath=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
declare -A seen
elfs=()
for t in "$@"; do
	case $t in
	/*) p=$t ;;
	*) p=$(PATH=$gpath command -v "$t") || continue ;;
	esac
	p=$(readlink -f "$p")
	[ -f "$p" ] && [ -z "${seen[$p]:-}" ] || continue
	seen[$p]=1
	name=${p//\//%}
	cp "$p" "$stage/bin/$name"
	echo "/.nfipsec-hot/bin/$name $p none bind 0 0" >> "$fstab"
	elfs+=("$p")
done

# Python: the standard library and what the selftests import from
# dist-packages, mounted whole over the host's directories.
py=$(readlink -f "$(PATH=$gpath command -v python3)")
pyver=$("$py" -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
stdlib=/usr/lib/$pyver
dist=/usr/lib/python3/dist-packages
dirs=("$stdlib" /usr/lib/locale)
for d in scapy cryptography cffi; do
	[ -d "$dist/$d" ] && dirs+=("$dist/$d")
done
for d in "${dirs[@]}"; do
	mkdir -p "$stage/tree$d"
	tar -C "$d" --exclude=./test --exclude='./config-*' -cf - . |
		tar -C "$stage/tree$d" -xf -
	echo "/.nfipsec-hot/tree$d $d none bind 0 0" >> "$fstab"
done
for f in "$dist"/_cffi_backend*.so; do
	[ -f "$f" ] || continue
	mkdir -p "$stage/tree$dist"
	cp "$f" "$stage/tree$f"
	echo "/.nfipsec-hot/tree$f $f none bind 0 0" >> "$fstab"
	elfs+=("$f")
done
while IFS= read -r -d '' f; do elfs+=("$f"); done < <(
	find "$stage/tree$stdlib/lib-dynload" "$stage/tree$dist" -name '*.so' -print0)

# Their libraries, by soname, from the host's loader.
ldd "${elfs[@]}" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' |
	sort -u | while read -r so p; do
	[ -e "$stage/lib/$so" ] && continue
	[ "$(stat -Lc %s "$p")" -le $((8 << 20)) ] || continue
	cp -L "$p" "$stage/lib/$so"
done
interp=$(readelf -l "$py" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
cp -L "$interp" "$stage/ld/${interp##*/}"

# The new root's top level.
: > "$stage/root.fstab"
for d in /*; do
	n=${d#/}
	if [ -L "$d" ]; then
		ln -s "$(readlink "$d")" "$root/$n"
	elif [ -d "$d" ] && [ "$n" != mnt ]; then
		mkdir -p "$root/$n"
		case $n in
		proc | sys | dev | tmp | run) ;;
		*) echo "$d /mnt/$n none bind 0 0" >> "$stage/root.fstab" ;;
		esac
	fi
done
ldir=$(readlink -f "${interp%/*}")
if [ "$(ls -A "$ldir")" = "${interp##*/}" ]; then
	echo "/mnt/.nfipsec-hot/ld /mnt$ldir none bind 0 0" >> "$stage/root.fstab"
fi

tar -C "$root" -cf "$tar.tmp" .
mv "$tar.tmp" "$tar"
