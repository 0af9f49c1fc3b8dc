#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Ping many addresses from one process (every exec is slow in the lab).

pinger.py [-c COUNT] [-W SECONDS] ADDR...: sends COUNT ICMP(v6) echo
requests to each address, round-robin, and prints "ADDR RECEIVED/COUNT"
per address. Exit status 0 when every address answered every request.
"""
import argparse
import os
import select
import socket
import struct
import time


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-c', type=int, default=1)
    ap.add_argument('-W', type=float, default=3.0)
    ap.add_argument('addrs', nargs='+')
    args = ap.parse_args()

    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    ident = os.getpid() & 0xffff
    got = {a: set() for a in args.addrs}
    norm = {}
    for a in args.addrs:
        fam = socket.AF_INET6 if ':' in a else socket.AF_INET
        norm[socket.inet_ntop(fam, socket.inet_pton(fam, a))] = a

    for seq in range(args.c):
        for a in args.addrs:
            payload = struct.pack('!HH', seq, args.addrs.index(a)) + b'nfipsec' * 8
            if ':' in a:
                pkt = struct.pack('!BBHHH', 128, 0, 0, ident, seq) + payload
                s6.sendto(pkt, (a, 0))  # the kernel fills the checksum
            else:
                hdr = struct.pack('!BBHHH', 8, 0, 0, ident, seq)
                c = checksum(hdr + payload)
                pkt = struct.pack('!BBHHH', 8, 0, c, ident, seq) + payload
                s4.sendto(pkt, (a, 0))
        time.sleep(0.01)

    deadline = time.time() + args.W
    want = args.c * len(args.addrs)
    while time.time() < deadline and sum(len(v) for v in got.values()) < want:
        r, _, _ = select.select([s4, s6], [], [], 0.2)
        for s in r:
            data, src = s.recvfrom(2048)
            if s is s4:
                data = data[(data[0] & 0xf) * 4:]
                typ = 0
            else:
                typ = 129
            if len(data) < 8 or data[0] != typ:
                continue
            _, _, _, rid, seq = struct.unpack('!BBHHH', data[:8])
            if rid == ident and src[0] in norm:
                got[norm[src[0]]].add(seq)
    ok = True
    for a in args.addrs:
        print('%s %d/%d' % (a, len(got[a]), args.c))
        ok &= len(got[a]) == args.c
    return 0 if ok else 1


if __name__ == '__main__':
    raise SystemExit(main())
