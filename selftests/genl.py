# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink for the selftests' hand-built nfipsec requests (the
ones the CLI never sends): attributes, nests, one request with its extack,
the uapi header's enumerators by name. Import it from a script in this
folder; run it in the test's namespace, as root."""

import re
import socket
import struct

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
NETLINK_ADD_MEMBERSHIP = 1
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


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * (-n % 4)


def nest(t, *attrs):
    return attr(t | NLA_F_NESTED, b"".join(attrs))


def attrs_of(buf):
    """The attributes of buf: type (flags cleared) -> payload."""
    out, a = {}, 0
    while a + 4 <= len(buf):
        alen, atyp = struct.unpack_from("=HH", buf, a)
        if alen < 4:
            break
        out[atyp & 0x3fff] = buf[a + 4:a + alen]
        a += (alen + 3) & ~3
    return out


class Nfipsec:
    """A socket talking to the nfipsec family; E: the uapi's enumerators."""

    def __init__(self, header):
        self.E = enums(header)
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.bind((0, 0))
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.seq = 0
        err, msg, rep = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                     attr(CTRL_ATTR_FAMILY_NAME, b"nfipsec\0"))
        if err:
            raise SystemExit("no nfipsec family: %s" % msg)
        fam = attrs_of(rep[0][20:])
        self.family = struct.unpack("=H", fam[CTRL_ATTR_FAMILY_ID][:2])[0]
        # The multicast groups: name -> id.
        self.groups = {}
        grps = fam.get(CTRL_ATTR_MCAST_GROUPS, b"")
        for g in attrs_of(grps).values():
            ga = attrs_of(g)
            name = ga[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()
            self.groups[name] = struct.unpack("=I", ga[CTRL_ATTR_MCAST_GRP_ID][:4])[0]

    def A(self, name):
        """NFIPSEC_<name>'s value."""
        return self.E["NFIPSEC_" + name]

    def request(self, family, cmd, body, flags=0):
        """Send one request; return (errno, extack message, replies). The
        extack's offset of the attribute at fault: self.offset (or None)."""
        self.seq += 1
        self.offset = None
        payload = struct.pack("=BBH", cmd, 1, 0) + body
        self.sock.send(struct.pack("=IHHII", 16 + len(payload), family,
                                   NLM_F_REQUEST | NLM_F_ACK | flags,
                                   self.seq, 0) + payload)
        replies = []
        while True:
            data = self.sock.recv(65536)
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
                        val = data[a + 4:a + alen]
                        if atyp == NLMSGERR_ATTR_MSG:
                            msg = val.rstrip(b"\0").decode()
                        elif atyp == NLMSGERR_ATTR_OFFS:
                            self.offset = struct.unpack("=I", val[:4])[0]
                        a += (alen + 3) & ~3
                    if typ == NLMSG_DONE or err or not flags:
                        return err, msg, replies
                else:
                    replies.append(data[off:off + ln])
                off += (ln + 3) & ~3

    def cmd(self, name, body, flags=0):
        """request() of NFIPSEC_CMD_<name> to the family."""
        return self.request(self.family, self.A("CMD_" + name), body, flags)

    def listener(self, *groups):
        """A socket joined to these groups (names), non-blocking."""
        sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                           NETLINK_GENERIC)
        sk.bind((0, 0))
        for g in groups:
            sk.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                          self.groups[g])
        sk.setblocking(False)
        return sk

    @staticmethod
    def events(sk):
        """The generic netlink commands of the messages waiting on sk."""
        cmds = []
        while True:
            try:
                data = sk.recv(65536)
            except BlockingIOError:
                return cmds
            off = 0
            while off + 20 <= len(data):
                ln = struct.unpack_from("=I", data, off)[0]
                cmds.append(data[off + 16])
                off += (ln + 3) & ~3
