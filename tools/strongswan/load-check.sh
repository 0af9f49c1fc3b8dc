#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check that charon loads the built kernel-nfipsec plugin, configured as
# kernel-nfipsec.conf installs it (load_modular, critical), on a host
# without the nfipsec module: the constructor (the version check) runs and
# logs, and the plugin fails closed: it takes charon's IPsec backend with
# an implementation refusing everything, kernel-netlink's kernel-ipsec
# fails to load and charon keys no XFRM (no per-socket bypass policy of its
# IKE sockets appears in `ip xfrm policy`). Then the same with
# allow_xfrm_fallback = yes (non-critical): kernel-netlink keys XFRM, which
# shows that the XFRM check sees it when it happens; and with
# allow_xfrm_fallback = yes but loaded critical as installed: charon stops
# (the critical mark works in a load_modular configuration).
#
# charon only loads plugins from its compiled-in directory, so the plugin
# is copied there for the check and removed afterwards (root needed); the
# daemon runs in a network namespace of its own with a private
# strongswan.conf (STRONGSWAN_CONF), random IKE ports (port = 0), and is
# stopped after a few seconds. It runs with NLCB=debug: libnl must not
# dump the plugin's messages (keys) to stderr.
#
# Usage: load-check.sh BUILD_DIR [DAEMON]   (DAEMON: /usr/lib/ipsec/charon)

set -eu
O=$(cd "$1" && pwd)
DAEMON=${2:-/usr/lib/ipsec/charon}
HERE=$(cd "$(dirname "$0")" && pwd)
PLUGINDIR=/usr/lib/ipsec/plugins
SO=libstrongswan-kernel-nfipsec.so
T="$O/load-check"
NS=nfipsec-load-check-$$

[ -f "$O/$SO" ] || { echo "load-check.sh: $O/$SO not built" >&2; exit 1; }
[ ! -e "$PLUGINDIR/$SO" ] ||
	{ echo "load-check.sh: $PLUGINDIR/$SO is installed already: not touching it" >&2; exit 1; }
mkdir -p "$T"
trap 'rm -f "$PLUGINDIR/$SO"; ip netns del "$NS" 2>/dev/null || true' EXIT
cp "$O/$SO" "$PLUGINDIR/$SO"
ip netns add "$NS"
ip -n "$NS" link set lo up

fail() { echo "load-check.sh: FAIL: $1 (see $LOG)" >&2; exit 1; }

# run NAME NFIPSEC_CONF: charon with kernel-nfipsec configured by the file
# NFIPSEC_CONF; $LOG its log, $XFRM_POL the XFRM policies while it ran.
run() {
	LOG="$T/charon-$1.log"
	cat > "$T/strongswan-$1.conf" <<CONF
charon {
    load_modular = yes
    port = 0
    port_nat_t = 0
    plugins {
        random { load = yes }
        nonce { load = yes }
        sha1 { load = yes }
        sha2 { load = yes }
        hmac { load = yes }
        aes { load = yes }
        kernel-netlink { load = yes }
        socket-default { load = yes }
        include $2
    }
    filelog {
        stderr {
            default = 1
            knl = 2
            lib = 2
        }
    }
}
CONF
	NLCB=debug STRONGSWAN_CONF="$T/strongswan-$1.conf" timeout -s TERM 6 \
		ip netns exec "$NS" "$DAEMON" > "$LOG" 2>&1 &
	sleep 3
	XFRM_POL=$(ip -n "$NS" xfrm policy | grep -c '^src ' || true)
	wait $! || true
	if grep -q -- "-- Debug: \(Sent\|Received\) Message" "$LOG"; then
		fail "NLCB=debug made libnl dump netlink messages"
	fi
	grep -q "kernel-nfipsec plugin for strongSwan" "$LOG" ||
		fail "$1: no constructor line"
}

# As installed.
run closed "$HERE/kernel-nfipsec.conf"
grep -i "nfipsec" "$LOG" | head -n 4
grep -q "kernel-nfipsec cannot key nfipsec: .*; failing closed" "$LOG" ||
	fail "closed: no fail-closed line"
grep -q "feature CUSTOM:kernel-ipsec in plugin 'kernel-netlink' failed to load" "$LOG" ||
	fail "closed: kernel-netlink's kernel-ipsec was not kept out"
grep -q "kernel-nfipsec: refusing to exempt an IKE socket" "$LOG" ||
	fail "closed: no refusal of bypass_socket"
[ "$XFRM_POL" = 0 ] || fail "closed: $XFRM_POL XFRM policies while charon ran"
echo "load-check.sh: ok: closed: kernel-ipsec refused everything, kernel-netlink kept out, 0 XFRM policies"

# The fallback, when asked for.
cat > "$T/fallback.conf" <<CONF
kernel-nfipsec {
    load = 2
    allow_xfrm_fallback = yes
}
CONF
run fallback "$T/fallback.conf"
grep -q "allow_xfrm_fallback = yes: kernel-netlink (Linux XFRM) takes IPsec" "$LOG" ||
	fail "fallback: no fallback line"
! grep -q "feature CUSTOM:kernel-ipsec in plugin 'kernel-netlink' failed" "$LOG" ||
	fail "fallback: kernel-netlink's kernel-ipsec did not load"
[ "$XFRM_POL" -gt 0 ] || fail "fallback: no XFRM policy while charon ran (the XFRM check sees nothing)"
echo "load-check.sh: ok: allow_xfrm_fallback = yes: kernel-netlink keyed XFRM ($XFRM_POL socket policies)"

# Critical as installed, the fallback asked for: charon must stop.
cat > "$T/critical.conf" <<CONF
include $HERE/kernel-nfipsec.conf
kernel-nfipsec {
    allow_xfrm_fallback = yes
}
CONF
run critical "$T/critical.conf"
grep -q "feature CUSTOM:kernel-ipsec in critical plugin 'kernel-nfipsec' failed to load" "$LOG" &&
	grep -q "initialization failed - aborting charon" "$LOG" ||
	fail "critical: charon did not stop"
[ "$XFRM_POL" = 0 ] || fail "critical: $XFRM_POL XFRM policies while charon ran"
echo "load-check.sh: ok: loaded critical as installed, allow_xfrm_fallback = yes: charon stopped"
