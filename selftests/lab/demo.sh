#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lab (no RUN): the two-site topology of lib_tunnel.sh with an
# AES-GCM tunnel through nfipsec on both routers, left up for the user.
top=$(cd "$(dirname "$0")/../.." && pwd)
NFIPSEC_NS_PLAIN=1
. "$top/selftests/lib.sh"
. "$top/selftests/lib_tunnel.sh"
trap - EXIT

GCM="aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddeeff01020304 128"
tunnel_topology && tunnel_conf a 4 "$GCM" | tunnel_apply ra nfipsec &&
	tunnel_conf b 4 "$GCM" | tunnel_apply rb nfipsec || {
	echo "demo: setting up the tunnel failed"
	exit 1
}
cat <<'EOT'

nfipsec lab: h1 (192.168.111.10, fd00:111::10) -- ra -- wire -- rb -- h2
(192.168.186.10, fd00:186::10), an ESP tunnel (AES-GCM-128) between ra
(192.168.3.107) and rb (192.168.3.111) through nfipsec. Try:

  ip netns exec h1 ping -c 3 192.168.186.10
  ip netns exec h1 ping -6 -c 3 fd00:186::10
  nfipsec -n ra -s state list          # per-SA counters and drops
  nfipsec -n ra -s policy list         # ordered policies, hits
  nfipsec -n rb stats                  # namespace counters
  ip netns exec wire tcpdump -n -i br0 # only ESP on the wire
  nfipsec -n ra monitor &              # ACQUIRE events

EOT
