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

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NLA_F_NESTED = 0x8000
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2


def enums(path):
    """Every enumerator of the header's enums: NAME -> value."""
    vals = {}
    for body in re.findall(r"enum \w+ \{(.*?)\};", open(path).read(), re.S):
        n = 0
        for line in body.split("\n"):
            line = re.sub(r"/\*.*?\*/", "", line).strip()
            if line.startswith("*"):
                continue  # a comment's next lines
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
E.update((k, int(v)) for k, v in re.findall(r"^#define (NFIPSEC_\w+) (\d+)$",
                                            open(sys.argv[1]).read(), re.M))


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * (-n % 4)


def nest(t, *attrs):
    return attr(t | NLA_F_NESTED, b"".join(attrs))


sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
sock.bind((0, 0))
sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
seq = 0


def request(family, cmd, body, version=1):
    """Send one request; return (errno, message, offset, replies)."""
    global seq
    seq += 1
    payload = struct.pack("=BBH", cmd, version, 0) + body
    sock.send(struct.pack("=IHHII", 16 + len(payload), family,
                          NLM_F_REQUEST | NLM_F_ACK, seq, 0) + payload)
    replies = []
    while True:
        data = sock.recv(65536)
        off = 0
        while off < len(data):
            ln, typ, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
            if typ == NLMSG_ERROR:
                err = -struct.unpack_from("=i", data, off + 16)[0]
                msg, ofs = "", None
                a = off + 16 + 4 + 16  # error, the request's header (capped)
                while a + 4 <= off + ln:
                    alen, atyp = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    val = data[a + 4:a + alen]
                    if atyp == NLMSGERR_ATTR_MSG:
                        msg = val.rstrip(b"\0").decode()
                    elif atyp == NLMSGERR_ATTR_OFFS:
                        ofs = struct.unpack("=I", val[:4])[0]
                    a += (alen + 3) & ~3
                return err, msg, ofs, replies
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


err, msg, _, rep = request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                           attr(CTRL_ATTR_FAMILY_NAME, b"nfipsec\0"))
if err:
    sys.exit("genl_bulk: no nfipsec family: %s" % msg)
FAM = struct.unpack("=H", attrs_of(rep[0][20:])[CTRL_ATTR_FAMILY_ID][:2])[0]


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
