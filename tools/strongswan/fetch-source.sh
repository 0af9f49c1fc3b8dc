#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fetch and unpack the Debian source package of the strongSwan that is
# installed here (strongswan-charon; the candidate version when it is not
# installed), the distribution's way: apt-get source with dpkg-source, the
# Debian patches applied. apt needs deb-src entries, which hosts rarely
# have: they are derived from the machine's own configured sources
# (/etc/apt/sources.list, /etc/apt/sources.list.d/*.list and *.sources),
# written into a private apt configuration and state under the build
# folder, so the system's apt is neither read from nor written to beyond
# its configured sources and keyrings.
#
# Usage: fetch-source.sh BUILD_DIR
# Leaves BUILD_DIR/src/strongswan-<upstream version>/ (the unpacked tree)
# and BUILD_DIR/src/VERSION (the Debian source version, one line).
# Fails with a message on stderr, and status 1, when it cannot.
#
# STRONGSWAN_SOURCE_VERSION=<Debian source version> fetches that version
# instead, only when its upstream version is the installed one's (the
# plugin checks the upstream version at load time; a Debian revision
# changes no VERSION string): for when the archive no longer (or not yet)
# serves the installed revision's source. It says so loudly; check the
# revisions' changelogs for header changes before trusting the result.
# STRONGSWAN_SOURCE_VERSION=same-upstream (what the lab, selftests/lab,
# uses): the installed revision's source when the archive serves it, else
# the newest revision it serves of the same upstream version, as loudly;
# a tree already unpacked of the same upstream version is kept.

set -eu

BIN_PKG=strongswan-charon

die() {
	echo "fetch-source.sh: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: fetch-source.sh BUILD_DIR"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found (a Debian-based system is needed)"
command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source not found: install dpkg-dev"

mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
APT="$BUILD/apt"
SRC="$BUILD/src"

# Which version: the installed one, else the candidate.
status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$BIN_PKG" 2>/dev/null || true)
if [ "${status#ii}" != "$status" ]; then
	bin_ver=$(dpkg-query -W -f='${Version}' "$BIN_PKG")
	src_pkg=$(dpkg-query -W -f='${source:Package}' "$BIN_PKG")
	src_ver=$(dpkg-query -W -f='${source:Version}' "$BIN_PKG")
	how=installed
else
	bin_ver=$(apt-cache policy "$BIN_PKG" 2>/dev/null |
		  sed -n 's/^ *Candidate: *//p')
	[ -n "$bin_ver" ] && [ "$bin_ver" != "(none)" ] ||
		die "$BIN_PKG is neither installed nor available from apt: no version to fetch"
	# "Source: name" or "Source: name (version)"; absent: the binary's.
	srcline=$(apt-cache show "$BIN_PKG=$bin_ver" 2>/dev/null |
		  sed -n '1,/^$/s/^Source: *//p')
	src_pkg=${srcline%% *}
	[ -n "$src_pkg" ] || src_pkg=$BIN_PKG
	src_ver=$(echo "$srcline" | sed -n 's/.*(\(.*\)).*/\1/p')
	[ -n "$src_ver" ] || src_ver=$bin_ver
	how=candidate
fi
echo "fetch-source.sh: $BIN_PKG $bin_ver ($how), source package $src_pkg $src_ver"

upstream=${src_ver#*:}
upstream=${upstream%-*}
want_ver=$src_ver
same_upstream=
if [ "${STRONGSWAN_SOURCE_VERSION:-}" = same-upstream ]; then
	same_upstream=1
	tree="$SRC/$src_pkg-$upstream"
	if [ -f "$SRC/VERSION" ] && [ -f "$tree/configure" ]; then
		have=$(cat "$SRC/VERSION")
		h_up=${have#*:}
		h_up=${h_up%-*}
		if [ "$h_up" = "$upstream" ]; then
			[ "$have" = "$src_ver" ] ||
				echo "fetch-source.sh: WARNING: keeping source $have, not the installed $src_ver (STRONGSWAN_SOURCE_VERSION=same-upstream)" >&2
			echo "fetch-source.sh: $tree is already there"
			exit 0
		fi
	fi
elif [ -n "${STRONGSWAN_SOURCE_VERSION:-}" ] &&
   [ "$STRONGSWAN_SOURCE_VERSION" != "$src_ver" ]; then
	o_up=${STRONGSWAN_SOURCE_VERSION#*:}
	o_up=${o_up%-*}
	[ "$o_up" = "$upstream" ] ||
		die "STRONGSWAN_SOURCE_VERSION=$STRONGSWAN_SOURCE_VERSION is not upstream $upstream (the installed one): refused"
	echo "fetch-source.sh: WARNING: building against source $STRONGSWAN_SOURCE_VERSION, not the installed $src_ver (STRONGSWAN_SOURCE_VERSION)" >&2
	src_ver=$STRONGSWAN_SOURCE_VERSION
fi
tree="$SRC/$src_pkg-$upstream"
if [ -f "$SRC/VERSION" ] && [ "$(cat "$SRC/VERSION")" = "$src_ver" ] &&
   [ -f "$tree/configure" ]; then
	echo "fetch-source.sh: $tree is already there"
	exit 0
fi

# Private apt configuration: deb-src twins of the configured deb sources.
rm -rf "$APT"
mkdir -p "$APT/sources.list.d" "$APT/lists/partial" "$APT/cache/archives/partial"
: > "$APT/sources.list"
: > "$APT/apt.conf"

# One-line format: "deb [options] URI suite [components]" -> deb-src.
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}/deb-src /p' "$f" \
		>> "$APT/sources.list"
done
# deb822 format: every enabled stanza whose Types has "deb", as deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk '
	function flush() {
		if (n && isdeb && enabled) {
			print "Types: deb-src"
			for (i = 1; i <= n; i++)
				print lines[i]
			print ""
		}
		n = 0; isdeb = 0; enabled = 1
	}
	BEGIN { n = 0; isdeb = 0; enabled = 1 }
	/^[[:space:]]*#/ { next }
	/^[[:space:]]*$/ { flush(); next }
	tolower($1) == "types:" {
		for (i = 2; i <= NF; i++)
			if ($i == "deb")
				isdeb = 1
		next
	}
	tolower($1) == "enabled:" { if (tolower($2) == "no") enabled = 0 }
	{ lines[++n] = $0 }
	END { flush() }
	' "$f" > "$APT/sources.list.d/$(basename "$f")"
done
if ! grep -qs '^deb-src' "$APT/sources.list" &&
   ! grep -qs '^Types: deb-src' "$APT/sources.list.d/"*.sources; then
	die "no deb sources configured in /etc/apt: cannot derive deb-src entries"
fi

set -- -o "Dir::Etc::sourcelist=$APT/sources.list" \
       -o "Dir::Etc::sourceparts=$APT/sources.list.d" \
       -o "Dir::Etc::main=$APT/apt.conf" \
       -o "Dir::Etc::parts=$APT/none" \
       -o "Dir::State=$APT" \
       -o "Dir::State::lists=$APT/lists" \
       -o "Dir::Cache=$APT/cache" \
       -o "APT::Sandbox::User=$(id -un)" \
       -o "Acquire::Languages=none" \
       -o "Debug::NoLocking=1"

echo "fetch-source.sh: apt-get update (deb-src, private state in $APT)"
apt-get "$@" -q update >"$APT/update.log" 2>&1 || {
	cat "$APT/update.log" >&2
	die "apt-get update of the derived deb-src entries failed"
}

rm -rf "$SRC"
mkdir -p "$SRC"
echo "fetch-source.sh: apt-get source --download-only $src_pkg=$src_ver"
if ! (cd "$SRC" && apt-get "$@" -q source --download-only "$src_pkg=$src_ver"); then
	others=$(apt-cache "$@" showsrc "$src_pkg" 2>/dev/null |
		 sed -n 's/^Version: *//p' | sort -u | tr '\n' ' ')
	alt=
	if [ -n "$same_upstream" ]; then
		# The newest other revision of the same upstream version.
		alt=$(for v in $others; do
			v_up=${v#*:}
			v_up=${v_up%-*}
			[ "$v_up" != "$upstream" ] || [ "$v" = "$src_ver" ] || echo "$v"
		done | sort -V | tail -n 1)
	fi
	[ -n "$alt" ] || die "the source package $src_pkg $src_ver (for the $how $BIN_PKG $bin_ver) could not be downloaded from the derived deb-src entries ($APT/sources.list*); versions they list: ${others:-none}; with the same upstream version, STRONGSWAN_SOURCE_VERSION=<version> takes another revision (see the header of this script)"
	echo "fetch-source.sh: WARNING: the archive does not serve source $src_ver; building against $alt, the same upstream version (STRONGSWAN_SOURCE_VERSION=same-upstream)" >&2
	rm -rf "$SRC"
	mkdir -p "$SRC"
	src_ver=$alt
	(cd "$SRC" && apt-get "$@" -q source --download-only "$src_pkg=$src_ver") ||
		die "the source package $src_pkg $src_ver could not be downloaded either"
fi

dsc=$(ls "$SRC"/"$src_pkg"_*.dsc 2>/dev/null | head -n 1)
[ -n "$dsc" ] || die "no .dsc downloaded for $src_pkg $src_ver"
(cd "$SRC" && dpkg-source -q -x "$(basename "$dsc")" "$src_pkg-$upstream") ||
	die "dpkg-source could not unpack $dsc"
[ -f "$tree/configure" ] || die "$tree has no configure script"
echo "$src_ver" > "$SRC/VERSION"
[ "$src_ver" = "$want_ver" ] ||
	echo "$want_ver" > "$SRC/INSTALLED_VERSION"
echo "fetch-source.sh: unpacked $tree"
