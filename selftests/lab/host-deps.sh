#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install on a Debian 12 host everything the lab needs: the kernel build
# tools, linux-source-6.12 from bookworm-backports, QEMU, the 6.1 headers
# for the compatibility build, libnl for the CLI and the guest's test tools.
# Idempotent: does nothing when all is present.
set -eu

pkgs="build-essential bc flex bison libelf-dev libssl-dev dwarves rsync kmod cpio
xz-utils zstd pkg-config qemu-system-x86 linux-source-6.12 linux-headers-amd64
libnl-3-dev libnl-genl-3-dev iproute2 iputils-ping tcpdump iperf3 nftables
iptables socat python3 python3-scapy tshark busybox-static procps psmisc"

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

src=/etc/apt/sources.list.d/nfipsec-backports.sources
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d; then
	cat > "$src" <<'EOS'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
fi
export DEBIAN_FRONTEND=noninteractive
echo "host-deps: installing:$missing"
apt-get update -qq
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -qq --no-install-recommends $missing >/dev/null
