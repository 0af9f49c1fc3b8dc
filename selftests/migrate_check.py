#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SA_MIGRATE requests, built by hand (the CLI has no such command; the
strongSwan plugin's update_sa sends it when a NAT mapping changes). The
test made, in this namespace, SA 0x7701 (10.77.0.1 -> 10.77.0.2, ESP in UDP
4500 -> 4500) and SA 0x7702 (the same, without UDP). One line per case:
"NAME errno=E message=M"; natt.sh compares them, and the SAs after.

  nosa        an SPI no SA has: ENOENT
  plain       an SA without encapsulation: EINVAL
  extra-src   SRC given (SA_MIGRATE moves no address): EINVAL
  no-encap    no ENCAP: EINVAL
  port0       a port 0: EINVAL
  follow      FOLLOW in ENCAP (ports only): EINVAL
  oa          another original address: EINVAL
  ok          new ports 5000 -> 4501: done
"""

import socket
import struct
import sys

from genl import attr, nest, Nfipsec

nl = Nfipsec(sys.argv[1])
A = nl.A


def encap(sport=5000, dport=4501, *extra):
    return nest(A("SA_A_ENCAP"),
                attr(A("ENCAP_A_TYPE"), struct.pack("=H", 2)),
                attr(A("ENCAP_A_SPORT"), struct.pack(">H", sport)),
                attr(A("ENCAP_A_DPORT"), struct.pack(">H", dport)), *extra)


def sa(spi, *extra):
    return nest(A("A_SA"),
                attr(A("SA_A_DST"), socket.inet_aton("10.77.0.2")),
                attr(A("SA_A_SPI"), struct.pack(">I", spi)),
                attr(A("SA_A_PROTO"), bytes([50])), *extra)


cases = [
    ("nosa", sa(0x7799, encap())),
    ("plain", sa(0x7702, encap())),
    ("extra-src", sa(0x7701, encap(),
                     attr(A("SA_A_SRC"), socket.inet_aton("10.77.0.9")))),
    ("no-encap", sa(0x7701)),
    ("port0", sa(0x7701, encap(0, 4501))),
    ("follow", sa(0x7701, encap(5000, 4501,
                                attr(A("ENCAP_A_FOLLOW"), b"\x01")))),
    ("oa", sa(0x7701, encap(5000, 4501,
                            attr(A("ENCAP_A_OA"),
                                 socket.inet_aton("10.9.9.9"))))),
    ("ok", sa(0x7701, encap())),
]
for name, body in cases:
    err, msg, _ = nl.cmd("SA_MIGRATE", body)
    print("%s errno=%d message=%s" % (name, err, msg))
