#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check that charon loads the built kernel-nfipsec plugin: its constructor
# (the version check) runs and logs, and without the nfipsec module the
# kernel-ipsec feature is refused with a message (charon then falls back
# to kernel-netlink's XFRM, which the check lets it do).
#
# charon only loads plugins from its compiled-in directory, so the plugin
# is copied there for the check and removed afterwards (root needed); the
# daemon runs with a private strongswan.conf (STRONGSWAN_CONF), no IKE
# ports (port = 0) and is stopped after a few seconds. It runs with
# NLCB=debug: libnl must not dump the plugin's messages (keys) to stderr.
#
# Usage: load-check.sh BUILD_DIR [DAEMON]   (DAEMON: /usr/lib/ipsec/charon)

set -eu
O=$1
DAEMON=${2:-/usr/lib/ipsec/charon}
PLUGINDIR=/usr/lib/ipsec/plugins
SO=libstrongswan-kernel-nfipsec.so
T="$O/load-check"

[ -f "$O/$SO" ] || { echo "load-check.sh: $O/$SO not built" >&2; exit 1; }
[ ! -e "$PLUGINDIR/$SO" ] ||
	{ echo "load-check.sh: $PLUGINDIR/$SO is installed already: not touching it" >&2; exit 1; }
mkdir -p "$T"
cat > "$T/strongswan.conf" <<CONF
charon {
    load_modular = no
    load = random nonce sha1 sha2 md5 hmac aes gmp kernel-nfipsec kernel-netlink socket-default
    port = 0
    port_nat_t = 0
    filelog {
        stderr {
            default = 1
            knl = 2
            lib = 2
        }
    }
}
CONF
trap 'rm -f "$PLUGINDIR/$SO"' EXIT
cp "$O/$SO" "$PLUGINDIR/$SO"
NLCB=debug STRONGSWAN_CONF="$T/strongswan.conf" timeout -s TERM 4 "$DAEMON" > "$T/charon.log" 2>&1 || true
grep -i nfipsec "$T/charon.log" || true
if grep -q -- "-- Debug: \(Sent\|Received\) Message" "$T/charon.log"; then
	echo "load-check.sh: FAIL: NLCB=debug made libnl dump netlink messages (see $T/charon.log)" >&2
	exit 1
fi
grep -q "kernel-nfipsec plugin for strongSwan" "$T/charon.log" ||
	{ echo "load-check.sh: FAIL: no constructor line (see $T/charon.log)" >&2; exit 1; }
if grep -q "refuses to provide kernel-ipsec\|generic netlink ABI is\|events group" "$T/charon.log"; then
	echo "load-check.sh: ok: loaded, kernel-ipsec refused (no nfipsec family here)"
else
	echo "load-check.sh: ok: loaded, kernel-ipsec provided"
fi
