#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Requests about owners (uapi "Owners") the CLI never sends, built by hand
on a raw generic netlink socket (run in the test's namespace, as root, on
owner.sh's tables). argv[2] picks a section (default "refused"):

refused: malformed or misplaced owners, each refused (-EINVAL):
  sa-new-owner-u64     SA_NEW whose OWNER is 8 bytes
  sa-new-owner-u8      SA_NEW whose OWNER is 1 byte
  pol-new-owner-u64    POLICY_NEW whose OWNER is 8 bytes
  pol-set-owner-u16    POLICY_SET whose OWNER is 2 bytes
  sa-flush-owner-u64   SA_FLUSH whose OWNER is 8 bytes
  sa-flush-spi         SA_FLUSH with OWNER and SPI
  pol-flush-owner-u8   POLICY_FLUSH whose OWNER is 1 byte
  pol-flush-priority   POLICY_FLUSH with OWNER and PRIORITY
  pol-dump-owner-u64   a policy dump filtered by an 8-byte OWNER
  sa-del-owner         SA_DEL of the administrator's SA with OWNER 0
  sa-get-owner         SA_GET (do) of it with OWNER 0
  pol-del-owner        POLICY_DEL of the administrator's policy, OWNER 0
  pol-get-owner        POLICY_GET (do) of it with OWNER 0
  pol-move-owner       POLICY_MOVE of position 0 to 1 with OWNER 0
  pol-new-if-owner     POLICY_NEW of a new policy with IF_OWNER
  pol-get-if-owner     POLICY_GET (do) with IF_OWNER
  pol-move-if-owner    POLICY_MOVE with IF_OWNER
  pol-flush-if-owner   POLICY_FLUSH with IF_OWNER
  pol-set-if-owner-u64 POLICY_SET whose IF_OWNER is 8 bytes
  Each prints "NAME errno=E sas=N policies=N message=...", the counts
  after the request.

if-owner: POLICY_SET and POLICY_DEL with IF_OWNER (conditional):
  set-other        SET (action block) of the administrator's policy with
                   IF_OWNER charon: -EEXIST, the policy unchanged
  del-other        DEL of it with IF_OWNER charon: -ENOENT, still there
  del-other-index  DEL of it by INDEX and DIR, IF_OWNER 7: the same
  set-match        SET (action block) of charon's out policy with IF_OWNER
                   charon: done, its owner kept
  set-absent       SET of a new policy with IF_OWNER charon, OWNER charon:
                   added
  del-match        DEL of that one with IF_OWNER charon: removed
  del-absent       DEL of it again with IF_OWNER charon: -ENOENT
  Each prints "NAME errno=E policies=N policy=OWNER/ACTION/TMPL
  message=...", the policy the request named after it (or "none").

larval: SA_ALLOC_SPI with OWNER (larval SAs have owners):
  allocspi-owner-7       OWNER 7
  allocspi-owner-charon  OWNER charon
  Each prints "NAME errno=E owner=O larval=L message=...", from the reply.

features: "features=0x..." of GET_INFO (NFIPSEC_INFO_A_FEATURES), and
  "features-all=0x..." of the header's NFIPSEC_FEATURES_ALL.

The attribute numbers are read from the uapi header (argv[1])."""

import re
import socket
import struct
import sys

from genl import NLM_F_DUMP, attr, attrs_of, nest, Nfipsec

nl = Nfipsec(sys.argv[1])
E, FAM, request = nl.E, nl.family, nl.request


def counts():
    err, msg, rep = request(FAM, E["NFIPSEC_CMD_GET_INFO"], b"")
    if err:
        sys.exit("owner_check: GET_INFO: %s" % msg)
    info = attrs_of(attrs_of(rep[0][20:])[E["NFIPSEC_A_INFO"]])
    return tuple(struct.unpack("=I", info[E[k]][:4])[0]
                 for k in ("NFIPSEC_INFO_A_SA_COUNT",
                           "NFIPSEC_INFO_A_POLICY_COUNT"))


def case(name, cmd, body, flags=0):
    err, msg, _ = request(FAM, A(cmd), body, flags)
    sas, pols = counts()
    print("%s errno=%d sas=%d policies=%d message=%s" %
          (name, err, sas, pols, msg))


def A(name):
    return E["NFIPSEC_" + name]


def sa(*extra):
    """An SA 10.66.0.1 -> 10.66.0.2, spi 0x6601, rfc4106(gcm(aes))."""
    alg = nest(A("SA_A_ALG_AEAD"),
               attr(A("ALG_A_NAME"), b"rfc4106(gcm(aes))\0"),
               attr(A("ALG_A_KEY"), bytes(range(20))),
               attr(A("ALG_A_ICV_BITS"), struct.pack("=I", 128)))
    return nest(A("A_SA"),
                attr(A("SA_A_PROTO"), bytes([50])),
                attr(A("SA_A_SPI"), struct.pack(">I", 0x6601)),
                attr(A("SA_A_SRC"), socket.inet_aton("10.66.0.1")),
                attr(A("SA_A_DST"), socket.inet_aton("10.66.0.2")),
                alg, *extra)


def policy(*extra):
    """An out policy 10.66.1.0/24 -> 10.66.2.0/24."""
    sel = nest(A("POLICY_A_SEL"),
               attr(A("SEL_A_FAMILY"), struct.pack("=H", socket.AF_INET)),
               attr(A("SEL_A_SRC"), socket.inet_aton("10.66.1.0")),
               attr(A("SEL_A_SRC_PLEN"), b"\x18"),
               attr(A("SEL_A_DST"), socket.inet_aton("10.66.2.0")),
               attr(A("SEL_A_DST_PLEN"), b"\x18"))
    return nest(A("A_POLICY"),
                attr(A("POLICY_A_DIR"), bytes([A("DIR_OUT")])), sel, *extra)


SO, PO = A("SA_A_OWNER"), A("POLICY_A_OWNER")
PIO = A("POLICY_A_IF_OWNER")
CHARON = 0x6368726e
u32 = lambda v: struct.pack("=I", v)


def owner_sa(spi, *extra):
    """owner.sh's SA 10.0.1.1 -> 10.0.1.2 of spi: its identity."""
    return nest(A("A_SA"),
                attr(A("SA_A_PROTO"), bytes([50])),
                attr(A("SA_A_SPI"), struct.pack(">I", spi)),
                attr(A("SA_A_DST"), socket.inet_aton("10.0.1.2")), *extra)


def owner_pol(n, dirname, *extra):
    """owner.sh's policy 192.168.N.0/24 -> 192.168.200.0/24 of dir."""
    sel = nest(A("POLICY_A_SEL"),
               attr(A("SEL_A_FAMILY"), struct.pack("=H", socket.AF_INET)),
               attr(A("SEL_A_SRC"), socket.inet_aton("192.168.%d.0" % n)),
               attr(A("SEL_A_SRC_PLEN"), b"\x18"),
               attr(A("SEL_A_DST"), socket.inet_aton("192.168.200.0")),
               attr(A("SEL_A_DST_PLEN"), b"\x18"))
    return nest(A("A_POLICY"),
                attr(A("POLICY_A_DIR"), bytes([A("DIR_" + dirname)])), sel,
                *extra)


def refused():
    case("sa-new-owner-u64", "CMD_SA_NEW", sa(attr(SO, struct.pack("=Q", 1))))
    case("sa-new-owner-u8", "CMD_SA_NEW", sa(attr(SO, b"\x01")))
    case("pol-new-owner-u64", "CMD_POLICY_NEW",
         policy(attr(PO, struct.pack("=Q", 1))))
    case("pol-set-owner-u16", "CMD_POLICY_SET",
         policy(attr(PO, struct.pack("=H", 1))))
    case("sa-flush-owner-u64", "CMD_SA_FLUSH",
         nest(A("A_SA"), attr(SO, struct.pack("=Q", 0))))
    case("sa-flush-spi", "CMD_SA_FLUSH",
         nest(A("A_SA"), attr(SO, u32(0)),
              attr(A("SA_A_SPI"), struct.pack(">I", 0x1000))))
    case("pol-flush-owner-u8", "CMD_POLICY_FLUSH",
         nest(A("A_POLICY"), attr(PO, b"\x00")))
    case("pol-flush-priority", "CMD_POLICY_FLUSH",
         nest(A("A_POLICY"), attr(PO, u32(0)),
              attr(A("POLICY_A_PRIORITY"), u32(0))))
    case("pol-dump-owner-u64", "CMD_POLICY_GET",
         nest(A("A_POLICY"), attr(PO, struct.pack("=Q", 1))), NLM_F_DUMP)
    # OWNER where it selects nothing: on objects that exist, so that a
    # module that ignored it would delete (the counts) or move (owner.sh
    # compares the tables) them.
    case("sa-del-owner", "CMD_SA_DEL", owner_sa(0x1001, attr(SO, u32(0))))
    case("sa-get-owner", "CMD_SA_GET", owner_sa(0x1001, attr(SO, u32(0))))
    case("pol-del-owner", "CMD_POLICY_DEL",
         owner_pol(1, "OUT", attr(PO, u32(0))))
    case("pol-get-owner", "CMD_POLICY_GET",
         owner_pol(1, "OUT", attr(PO, u32(0))))
    case("pol-move-owner", "CMD_POLICY_MOVE",
         nest(A("A_POLICY"), attr(A("POLICY_A_POSITION"), u32(0)),
              attr(A("POLICY_A_TO"), u32(1)), attr(PO, u32(0))))
    # IF_OWNER anywhere but POLICY_SET and POLICY_DEL.
    case("pol-new-if-owner", "CMD_POLICY_NEW", policy(attr(PIO, u32(0))))
    case("pol-get-if-owner", "CMD_POLICY_GET",
         owner_pol(1, "OUT", attr(PIO, u32(0))))
    case("pol-move-if-owner", "CMD_POLICY_MOVE",
         nest(A("A_POLICY"), attr(A("POLICY_A_POSITION"), u32(0)),
              attr(A("POLICY_A_TO"), u32(1)), attr(PIO, u32(0))))
    case("pol-flush-if-owner", "CMD_POLICY_FLUSH",
         nest(A("A_POLICY"), attr(PIO, u32(CHARON))))
    case("pol-set-if-owner-u64", "CMD_POLICY_SET",
         owner_pol(1, "OUT", attr(A("POLICY_A_ACTION"), b"\x01"),
                   attr(PIO, struct.pack("=Q", CHARON))))


def policy_state(body):
    """OWNER/ACTION/TMPL of the policy body names (POLICY_GET), or none."""
    err, _msg, rep = request(FAM, A("CMD_POLICY_GET"), body)
    if err:
        return "none"
    pol = attrs_of(attrs_of(rep[0][20:])[A("A_POLICY")])
    return "%d/%s/%s" % (
        struct.unpack("=I", pol[PO][:4])[0],
        "block" if pol[A("POLICY_A_ACTION")][0] else "allow",
        "tmpl" if A("POLICY_A_TMPL") in pol else "-")


def policy_index(body):
    err, msg, rep = request(FAM, A("CMD_POLICY_GET"), body)
    if err:
        sys.exit("owner_check: POLICY_GET: %s" % msg)
    pol = attrs_of(attrs_of(rep[0][20:])[A("A_POLICY")])
    return struct.unpack("=I", pol[A("POLICY_A_INDEX")][:4])[0]


def if_case(name, cmd, body, named):
    err, msg, _ = request(FAM, A(cmd), body)
    print("%s errno=%d policies=%d policy=%s message=%s" %
          (name, err, counts()[1], policy_state(named), msg))


def if_owner():
    admin = owner_pol(1, "OUT")
    block = attr(A("POLICY_A_ACTION"), b"\x01")
    if_case("set-other", "CMD_POLICY_SET",
            owner_pol(1, "OUT", block, attr(PIO, u32(CHARON))), admin)
    if_case("del-other", "CMD_POLICY_DEL",
            owner_pol(1, "OUT", attr(PIO, u32(CHARON))), admin)
    if_case("del-other-index", "CMD_POLICY_DEL",
            nest(A("A_POLICY"),
                 attr(A("POLICY_A_DIR"), bytes([A("DIR_OUT")])),
                 attr(A("POLICY_A_INDEX"), u32(policy_index(admin))),
                 attr(PIO, u32(7))), admin)
    if_case("set-match", "CMD_POLICY_SET",
            owner_pol(2, "OUT", block, attr(PIO, u32(CHARON))),
            owner_pol(2, "OUT"))
    if_case("set-absent", "CMD_POLICY_SET",
            policy(block, attr(PO, u32(CHARON)), attr(PIO, u32(CHARON))),
            policy())
    if_case("del-match", "CMD_POLICY_DEL",
            policy(attr(PIO, u32(CHARON))), policy())
    if_case("del-absent", "CMD_POLICY_DEL",
            policy(attr(PIO, u32(CHARON))), policy())


def larval():
    for name, owner in (("allocspi-owner-7", 7),
                        ("allocspi-owner-charon", CHARON)):
        err, msg, rep = request(FAM, A("CMD_SA_ALLOC_SPI"),
                                nest(A("A_SA"), attr(A("SA_A_PROTO"), bytes([50])),
                                     attr(A("SA_A_SRC"), socket.inet_aton("10.0.1.1")),
                                     attr(A("SA_A_DST"), socket.inet_aton("10.0.1.2")),
                                     attr(A("SA_A_REQID"), u32(owner & 0xff)),
                                     attr(SO, u32(owner))))
        got, lv = "-", "-"
        if not err:
            sa_ = attrs_of(attrs_of(rep[0][20:])[A("A_SA")])
            if SO in sa_:
                got = "%d" % struct.unpack("=I", sa_[SO][:4])[0]
            lv = "yes" if A("SA_A_LARVAL") in sa_ else "no"
        print("%s errno=%d owner=%s larval=%s message=%s" %
              (name, err, got, lv, msg))


def features():
    err, msg, rep = request(FAM, E["NFIPSEC_CMD_GET_INFO"], b"")
    if err:
        sys.exit("owner_check: GET_INFO: %s" % msg)
    info = attrs_of(attrs_of(rep[0][20:])[E["NFIPSEC_A_INFO"]])
    f = info.get(A("INFO_A_FEATURES"))
    print("features=%s" % ("0x%x" % struct.unpack("=I", f[:4])[0]
                           if f else "none"))
    hdr = open(sys.argv[1]).read()
    bits = {m.group(1): int(m.group(2)) for m in re.finditer(
        r"#define (NFIPSEC_FEATURE_\w+)\s+\(1U << (\d+)\)", hdr)}
    print("features-all=0x%x" % sum(1 << b for b in bits.values()))


{"refused": refused, "if-owner": if_owner, "larval": larval,
 "features": features}[sys.argv[2] if len(sys.argv) > 2 else "refused"]()
