#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Requests about owners (uapi "Owners") the CLI never sends, built by hand
on a raw generic netlink socket (run in the test's namespace, as root):

  sa-new-owner-u64     SA_NEW whose OWNER is 8 bytes: refused
  sa-new-owner-u8      SA_NEW whose OWNER is 1 byte: refused
  pol-new-owner-u64    POLICY_NEW whose OWNER is 8 bytes: refused
  pol-set-owner-u16    POLICY_SET whose OWNER is 2 bytes: refused
  sa-flush-owner-u64   SA_FLUSH whose OWNER is 8 bytes: refused
  sa-flush-spi         SA_FLUSH with OWNER and SPI: refused
  pol-flush-owner-u8   POLICY_FLUSH whose OWNER is 1 byte: refused
  pol-flush-priority   POLICY_FLUSH with OWNER and PRIORITY: refused
  allocspi-owner       SA_ALLOC_SPI with OWNER (larval SAs have none)
  pol-dump-owner-u64   a policy dump filtered by an 8-byte OWNER

Prints one line per case, "NAME errno=E sas=N policies=N message=...",
the counts after the request; owner.sh compares them. The attribute numbers
are read from the uapi header (argv[1])."""

import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLMSGERR_ATTR_MSG = 1


def enums(path):
    """Every enumerator of the header's enums: NAME -> value."""
    vals = {}
    for body in re.findall(r"enum \w+ \{(.*?)\};", open(path).read(), re.S):
        n = 0
        for line in body.split("\n"):
            line = re.sub(r"/\*.*?\*/", "", line).strip()
            if line.startswith("*"):
                continue
            line = line.split("/*")[0].strip().rstrip(",").strip()
            if not line:
                continue
            m = re.match(r"(\w+)(\s*=\s*(.+))?$", line)
            if not m:
                continue
            if m.group(3):
                expr = m.group(3)
                for k, v in vals.items():
                    expr = re.sub(r"\b%s\b" % k, str(v), expr)
                n = eval(expr, {})
            vals[m.group(1)] = n
            n += 1
    return vals


E = enums(sys.argv[1])
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
sock.bind((0, 0))
sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
seq = 0


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * (-n % 4)


def nest(t, *attrs):
    return attr(t | NLA_F_NESTED, b"".join(attrs))


def request(family, cmd, body, flags=0):
    """Send one request; return (errno, message, replies)."""
    global seq
    seq += 1
    payload = struct.pack("=BBH", cmd, 1, 0) + body
    sock.send(struct.pack("=IHHII", 16 + len(payload), family,
                          NLM_F_REQUEST | NLM_F_ACK | flags, seq, 0) + payload)
    replies = []
    while True:
        data = sock.recv(65536)
        off = 0
        while off < len(data):
            ln, typ, _f, _s, _p = struct.unpack_from("=IHHII", data, off)
            if typ in (NLMSG_ERROR, NLMSG_DONE):
                err = -struct.unpack_from("=i", data, off + 16)[0]
                msg = ""
                a = off + 16 + 4 + (16 if typ == NLMSG_ERROR else 0)
                while a + 4 <= off + ln:
                    alen, atyp = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if atyp == NLMSGERR_ATTR_MSG:
                        msg = data[a + 4:a + alen].rstrip(b"\0").decode()
                    a += (alen + 3) & ~3
                if typ == NLMSG_DONE or err or not flags:
                    return err, msg, replies
            else:
                replies.append(data[off:off + ln])
            off += (ln + 3) & ~3


def attrs_of(buf):
    out, a = {}, 0
    while a + 4 <= len(buf):
        alen, atyp = struct.unpack_from("=HH", buf, a)
        if alen < 4:
            break
        out[atyp & 0x3fff] = buf[a + 4:a + alen]
        a += (alen + 3) & ~3
    return out


err, msg, rep = request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                        attr(CTRL_ATTR_FAMILY_NAME, b"nfipsec\0"))
if err:
    sys.exit("owner_check: no nfipsec family: %s" % msg)
FAM = struct.unpack("=H", attrs_of(rep[0][20:])[CTRL_ATTR_FAMILY_ID][:2])[0]


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
case("sa-new-owner-u64", "CMD_SA_NEW", sa(attr(SO, struct.pack("=Q", 1))))
case("sa-new-owner-u8", "CMD_SA_NEW", sa(attr(SO, b"\x01")))
case("pol-new-owner-u64", "CMD_POLICY_NEW",
     policy(attr(PO, struct.pack("=Q", 1))))
case("pol-set-owner-u16", "CMD_POLICY_SET",
     policy(attr(PO, struct.pack("=H", 1))))
case("sa-flush-owner-u64", "CMD_SA_FLUSH",
     nest(A("A_SA"), attr(SO, struct.pack("=Q", 0))))
case("sa-flush-spi", "CMD_SA_FLUSH",
     nest(A("A_SA"), attr(SO, struct.pack("=I", 0)),
          attr(A("SA_A_SPI"), struct.pack(">I", 0x1000))))
case("pol-flush-owner-u8", "CMD_POLICY_FLUSH",
     nest(A("A_POLICY"), attr(PO, b"\x00")))
case("pol-flush-priority", "CMD_POLICY_FLUSH",
     nest(A("A_POLICY"), attr(PO, struct.pack("=I", 0)),
          attr(A("POLICY_A_PRIORITY"), struct.pack("=I", 0))))
case("allocspi-owner", "CMD_SA_ALLOC_SPI",
     nest(A("A_SA"), attr(A("SA_A_PROTO"), bytes([50])),
          attr(A("SA_A_SRC"), socket.inet_aton("10.66.0.1")),
          attr(A("SA_A_DST"), socket.inet_aton("10.66.0.2")),
          attr(SO, struct.pack("=I", 7))))
case("pol-dump-owner-u64", "CMD_POLICY_GET",
     nest(A("A_POLICY"), attr(PO, struct.pack("=Q", 1))), NLM_F_DUMP)
