#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install on a Debian 12 host everything the lab needs: the kernel build
# tools, linux-source-6.12 from bookworm-backports, QEMU, the 6.1 headers
# for the compatibility build, libnl for the CLI and the guest's test tools;
# strongSwan (charon, swanctl, the openssl/gcm plugins for ecp256 and GCM)
# for selftests/strongswan.sh, and dpkg-dev, with which tools/strongswan
# fetches the installed strongSwan's source (from deb-src entries it
# derives from the machine's configured sources) to build its plugin.
# Idempotent: does nothing when all is present.
#
# bookworm-backports is added, when missing, with the archive URI that the
# machine's own sources already use for bookworm (a local mirror or proxy
# keeps working); no host name is written here.
set -eu

pkgs="build-essential bc flex bison libelf-dev libssl-dev dwarves rsync kmod cpio
xz-utils zstd pkg-config qemu-system-x86 linux-source-6.12 linux-headers-amd64
libnl-3-dev libnl-genl-3-dev iproute2 iputils-ping tcpdump iperf3 nftables
iptables socat python3 python3-scapy tshark busybox-static procps psmisc
conntrack lftp vsftpd ethtool
strongswan-charon strongswan-swanctl libstrongswan libstrongswan-standard-plugins
dpkg-dev"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "host-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi

# The URI of the configured bookworm suite, from deb822 .sources files or
# one-line sources.list entries.
bookworm_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
		function flush() {
			if (uri != "" && suites ~ /(^| )bookworm( |$)/ && types ~ /deb( |$)/) {
				print uri; found = 1; exit
			}
			uri = ""; suites = ""; types = ""
		}
		/^[ \t]*$/ { flush(); next }
		/^URIs:/ { uri = $2 }
		/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
		/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
		END { if (!found) flush() }' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" {
			i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++
			if ($i ~ /^\[/ || $i ~ /\]$/) i++
			if ($(i + 1) == "bookworm") print $i
		}'
}

src=/etc/apt/sources.list.d/nfipsec-backports.sources
if ! grep -rqsE '(^|[ \t])bookworm-backports([ \t]|$)' /etc/apt/sources.list /etc/apt/sources.list.d; then
	uri=$(bookworm_uri | head -1)
	if [ -z "$uri" ]; then
		echo "host-deps: no bookworm entry in /etc/apt/sources.list{,.d}: cannot derive bookworm-backports; add it by hand" >&2
		exit 1
	fi
	echo "host-deps: adding bookworm-backports from $uri"
	cat > "$src" <<EOS
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
fi
export DEBIAN_FRONTEND=noninteractive
echo "host-deps: installing:$missing"
apt-get update -qq || true
if ! apt-cache policy linux-source-6.12 | grep -q 'Candidate: [0-9]'; then
	echo "host-deps: linux-source-6.12 not available: bookworm-backports cannot be reached (see apt-get update above)" >&2
	exit 1
fi
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -qq --no-install-recommends $missing >/dev/null
