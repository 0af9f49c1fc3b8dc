#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""POLICY_NEW_BULK requests the CLI never sends, built by hand on a raw
generic netlink socket (run in the test's namespace, as root):

  truncated  a good entry, then 3 stray bytes: refused whole, nothing added
  empty      an empty list: refused
  wrong-type an entry that is not NFIPSEC_A_POLICY: refused, nothing added
  bad-second a good entry, then one with an out-of-range dir: the first
             added, the error's offset inside the second entry
  too-many   NFIPSEC_POLICY_BULK_MAX + 1 good entries: refused whole (E2BIG)
  most       NFIPSEC_POLICY_BULK_MAX good entries: all added

Prints one line per case, "NAME errno=E added=N offset=in-second|..."
message=..."; config_load.sh compares them. The attribute numbers are read
from the uapi header (argv[1])."""

import re
import socket
import struct
import sys

from genl import NLA_F_NESTED, attr, attrs_of, nest, Nfipsec

nl = Nfipsec(sys.argv[1])
E, FAM = nl.E, nl.family
E.update((k, int(v)) for k, v in re.findall(r"^#define (NFIPSEC_\w+) (\d+)$",
                                            open(sys.argv[1]).read(), re.M))


def request(family, cmd, body):
    """Send one request; return (errno, message, offset, replies)."""
    err, msg, rep = nl.request(family, cmd, body)
    return err, msg, nl.offset, rep


def policy(n, dirv=None):
    """An out policy from 10.9.0.n/32 to 10.8.0.0/16 (or of dir dirv)."""
    sel = nest(E["NFIPSEC_POLICY_A_SEL"],
               attr(E["NFIPSEC_SEL_A_FAMILY"], struct.pack("=H", socket.AF_INET)),
               attr(E["NFIPSEC_SEL_A_SRC"], socket.inet_aton("10.9.0.%d" % n)),
               attr(E["NFIPSEC_SEL_A_SRC_PLEN"], b"\x20"),
               attr(E["NFIPSEC_SEL_A_DST"], socket.inet_aton("10.8.0.0")),
               attr(E["NFIPSEC_SEL_A_DST_PLEN"], b"\x10"))
    d = E["NFIPSEC_DIR_OUT"] if dirv is None else dirv
    return nest(E["NFIPSEC_A_POLICY"],
                attr(E["NFIPSEC_POLICY_A_DIR"], bytes([d])), sel)


def policy2(i):
    """Out policy number i: from 10.7.x.y/32 to 10.8.0.0/16."""
    sel = nest(E["NFIPSEC_POLICY_A_SEL"],
               attr(E["NFIPSEC_SEL_A_FAMILY"], struct.pack("=H", socket.AF_INET)),
               attr(E["NFIPSEC_SEL_A_SRC"],
                    socket.inet_aton("10.7.%d.%d" % (i >> 8, i & 255))),
               attr(E["NFIPSEC_SEL_A_SRC_PLEN"], b"\x20"),
               attr(E["NFIPSEC_SEL_A_DST"], socket.inet_aton("10.8.0.0")),
               attr(E["NFIPSEC_SEL_A_DST_PLEN"], b"\x10"))
    return nest(E["NFIPSEC_A_POLICY"],
                attr(E["NFIPSEC_POLICY_A_DIR"], bytes([E["NFIPSEC_DIR_OUT"]])),
                sel)


def count():
    err, msg, _, rep = request(FAM, E["NFIPSEC_CMD_GET_INFO"], b"")
    if err:
        sys.exit("genl_bulk: GET_INFO: %s" % msg)
    info = attrs_of(attrs_of(rep[0][20:])[E["NFIPSEC_A_INFO"]])
    return struct.unpack("=I", info[E["NFIPSEC_INFO_A_POLICY_COUNT"]][:4])[0]


def bulk(name, entries, second_at=None):
    """Send a bulk request whose list holds entries (raw bytes)."""
    before = count()
    body = attr(E["NFIPSEC_A_POLICIES"] | NLA_F_NESTED, entries)
    err, msg, ofs, _ = request(FAM, E["NFIPSEC_CMD_POLICY_NEW_BULK"], body)
    where = "none"
    if ofs is not None:
        where = "other %d" % ofs
        if second_at and second_at[0] <= ofs < second_at[1]:
            where = "in-second"
    print("%s errno=%d added=%d offset=%s message=%s" %
          (name, err, count() - before, where, msg))


# The list starts after nlmsghdr (16), genlmsghdr (4) and its own header (4).
good = policy(1)
bulk("truncated", good + b"\x07\x00\x01")
bulk("empty", b"")
bulk("wrong-type", good + attr(E["NFIPSEC_A_SA"] | NLA_F_NESTED, b""))
first = policy(2)
second = policy(3, dirv=7)
start = 16 + 4 + 4 + len(first)
bulk("bad-second", first + second, (start, start + len(second)))
most = E["NFIPSEC_POLICY_BULK_MAX"]
bulk("too-many", b"".join(policy2(i) for i in range(most + 1)))
bulk("most", b"".join(policy2(i) for i in range(most)))
