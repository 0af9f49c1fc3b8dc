#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send forged UDP datagrams as Ethernet frames (no scapy: it takes many
seconds to import in the lab guest).

spoof.py IFACE DST_MAC SRC DST SPORT DPORT [COUNT]: COUNT (default 1) UDP
datagrams SRC:SPORT -> DST:DPORT, IPv4 or IPv6 by the addresses, each with
the payload "nfipsec-spoof N", sent out IFACE to DST_MAC with IFACE's own
source MAC.
"""
import ipaddress
import socket
import struct
import sys

from pinger import checksum


def frame(src_mac, dst_mac, src, dst, sport, dport, payload):
    src, dst = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    udp_len = 8 + len(payload)
    if src.version == 4:
        pseudo = src.packed + dst.packed + struct.pack('!BBH', 0, 17, udp_len)
    else:
        pseudo = src.packed + dst.packed + struct.pack('!IxxxB', udp_len, 17)
    udp = struct.pack('!HHHH', sport, dport, udp_len, 0) + payload
    csum = checksum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack('!H', csum) + udp[8:]
    if src.version == 4:
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + udp_len, 1, 0, 64, 17,
                         0, src.packed, dst.packed)
        ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
        ethertype = 0x0800
    else:
        ip = struct.pack('!IHBB16s16s', 6 << 28, udp_len, 17, 64, src.packed,
                         dst.packed)
        ethertype = 0x86dd
    return dst_mac + src_mac + struct.pack('!H', ethertype) + ip + udp


def main():
    iface, dst_mac, src, dst, sport, dport = sys.argv[1:7]
    count = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(dst_mac.replace(':', ''))
    for i in range(count):
        s.send(frame(src_mac, dst_mac, src, dst, int(sport), int(dport),
                     b'nfipsec-spoof %d' % i))


if __name__ == '__main__':
    main()
